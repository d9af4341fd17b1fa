//! Where archive entries are read from: a zip file (never extracted: each entry is
//! decompressed as it is read) or a directory.

use std::cell::{Cell, RefCell};
use std::collections::HashSet;
use std::io::Read;
use std::path::{Component, Path, PathBuf};

use crate::error::{ArchiveError, Result, io};

/// How much loading an archive may read: a ZIP entry's declared size (checked before it is
/// read), then the bytes it really expands to (a header may lie; counted as they are
/// decompressed), and the sum over the entries read. A "zip bomb" of a few megabytes that
/// expands to gigabytes is refused with an error naming the entry instead of filling memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ArchiveLimits {
    /// The most bytes one entry (a CSV or YAML file) may hold.
    pub max_entry_bytes: u64,
    /// The most bytes all entries together may hold.
    pub max_total_bytes: u64,
}

impl ArchiveLimits {
    /// 1 GiB per entry (a series of about 30 million points), 4 GiB in all.
    pub const DEFAULT: ArchiveLimits = ArchiveLimits {
        max_entry_bytes: 1 << 30,
        max_total_bytes: 4 << 30,
    };

    /// No limit at all (for archives you trust).
    pub const UNLIMITED: ArchiveLimits = ArchiveLimits {
        max_entry_bytes: u64::MAX,
        max_total_bytes: u64::MAX,
    };
}

impl Default for ArchiveLimits {
    fn default() -> ArchiveLimits {
        ArchiveLimits::DEFAULT
    }
}

/// The entries of a zip archive (read in place, entry by entry, as a stream) or a directory.
pub(crate) struct Source {
    shown: String,
    limits: ArchiveLimits,
    /// The bytes read from entries so far, against [`ArchiveLimits::max_total_bytes`].
    total: Cell<u64>,
    kind: Kind,
}

enum Kind {
    Zip {
        zip: RefCell<zip::ZipArchive<std::fs::File>>,
        /// The files it holds (directories left out), every path checked to stay inside.
        files: HashSet<String>,
    },
    Dir {
        root: PathBuf,
    },
}

/// A reader that fails once more than `allowed` bytes came out of it.
struct Limited<'a> {
    inner: &'a mut dyn Read,
    allowed: u64,
    read: u64,
}

impl Read for Limited<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read += n as u64;
        if self.read > self.allowed {
            return Err(std::io::Error::new(
                std::io::ErrorKind::FileTooLarge,
                "the entry is larger than the archive limits allow",
            ));
        }
        Ok(n)
    }
}

impl Source {
    pub(crate) fn open(path: &Path, limits: &ArchiveLimits) -> Result<Source> {
        let shown = path.display().to_string();
        let kind = if path.is_dir() {
            Kind::Dir {
                root: path.to_owned(),
            }
        } else if path.is_file() {
            let file = std::fs::File::open(path).map_err(io(path))?;
            let mut zip = zip::ZipArchive::new(file).map_err(|e| ArchiveError::Corrupt {
                archive: shown.clone(),
                entry: String::new(),
                reason: e.to_string(),
            })?;
            let mut files = HashSet::new();
            for i in 0..zip.len() {
                let entry = zip.by_index(i).map_err(|e| ArchiveError::Corrupt {
                    archive: shown.clone(),
                    entry: format!("#{i}"),
                    reason: e.to_string(),
                })?;
                let name = entry.name().map(|n| n.into_owned()).unwrap_or_default();
                if entry.enclosed_name().is_none() || !is_relative(&name) {
                    return Err(ArchiveError::UnsafeEntry {
                        archive: shown,
                        entry: name,
                    });
                }
                if !entry.is_dir() {
                    files.insert(name);
                }
            }
            Kind::Zip {
                zip: RefCell::new(zip),
                files,
            }
        } else {
            return Err(ArchiveError::NotAnArchive(shown));
        };
        Ok(Source {
            shown,
            limits: *limits,
            total: Cell::new(0),
            kind,
        })
    }

    pub(crate) fn shown(&self) -> &str {
        &self.shown
    }

    /// The bytes of `entry` (a `/`-separated relative path).
    pub(crate) fn read(&self, entry: &str) -> Result<Vec<u8>> {
        self.stream(entry, |reader| {
            let mut bytes = Vec::new();
            reader.read_to_end(&mut bytes).map_err(|e| e.to_string())?;
            Ok(bytes)
        })
    }

    /// Calls `f` with a reader of `entry`'s bytes (decompressed as they are read) and returns
    /// what it returns. Its declared size, then the bytes really read, are held to the
    /// limits: past them the reader fails and this returns [`ArchiveError::TooLarge`];
    /// another error of `f` names the entry as corrupt.
    pub(crate) fn stream<T>(
        &self,
        entry: &str,
        f: impl FnOnce(&mut dyn Read) -> std::result::Result<T, String>,
    ) -> Result<T> {
        let missing = || ArchiveError::Missing {
            archive: self.shown.clone(),
            entry: entry.to_owned(),
        };
        if !is_relative(entry) {
            return Err(ArchiveError::UnsafeEntry {
                archive: self.shown.clone(),
                entry: entry.to_owned(),
            });
        }
        let allowed = self
            .limits
            .max_entry_bytes
            .min(self.limits.max_total_bytes.saturating_sub(self.total.get()));
        let too_large = |size: u64| ArchiveError::TooLarge {
            archive: self.shown.clone(),
            entry: entry.to_owned(),
            size,
            limit: allowed,
        };
        let corrupt = |reason: String| ArchiveError::Corrupt {
            archive: self.shown.clone(),
            entry: entry.to_owned(),
            reason,
        };
        let read_within = |inner: &mut dyn Read, declared: u64| {
            if declared > allowed {
                return Err(too_large(declared));
            }
            let mut limited = Limited {
                inner,
                allowed,
                read: 0,
            };
            let out = f(&mut limited);
            if limited.read > allowed {
                return Err(too_large(limited.read));
            }
            self.total.set(self.total.get() + limited.read);
            out.map_err(corrupt)
        };
        match &self.kind {
            Kind::Zip { zip, files } => {
                if !files.contains(entry) {
                    return Err(missing());
                }
                let mut zip = zip.borrow_mut();
                let mut file = zip.by_name(entry).map_err(|e| corrupt(e.to_string()))?;
                let declared = file.size();
                read_within(&mut file, declared)
            }
            Kind::Dir { root } => {
                let path = root.join(entry);
                let mut file = match std::fs::File::open(&path) {
                    Ok(file) => file,
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(missing()),
                    Err(e) => return Err(io(&path)(e)),
                };
                let declared = file.metadata().map_err(io(&path))?.len();
                read_within(&mut file, declared)
            }
        }
    }
}

/// Whether a relative path stays inside its root (no `..`, no root, no prefix).
fn is_relative(entry: &str) -> bool {
    !entry.is_empty()
        && Path::new(entry)
            .components()
            .all(|c| matches!(c, Component::Normal(_)))
}

#[cfg(test)]
mod tests {
    #[test]
    fn escaping_paths_are_refused() {
        for bad in ["../x", "/etc/passwd", "a/../../b", ""] {
            assert!(!super::is_relative(bad), "{bad}");
        }
        assert!(super::is_relative("ds_data/A#1_data/A#1_RAW#1.csv"));
    }
}
