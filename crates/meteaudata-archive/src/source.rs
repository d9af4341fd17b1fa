//! Where archive entries are read from: a zip file (read in memory, never extracted) or a
//! directory.

use std::collections::HashMap;
use std::io::Read;
use std::path::{Component, Path, PathBuf};

use crate::error::{ArchiveError, Result, io};

/// How much loading an archive may read, checked before anything is allocated: a ZIP entry's
/// declared size, then the bytes it really expands to (a header may lie), and the sum over
/// all entries. A "zip bomb" of a few megabytes that expands to gigabytes is refused with an
/// error naming the entry instead of filling memory.
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

/// The entries of a zip archive or a directory.
pub(crate) enum Source {
    Zip {
        shown: String,
        entries: HashMap<String, Vec<u8>>,
    },
    Dir {
        shown: String,
        root: PathBuf,
        limits: ArchiveLimits,
    },
}

impl Source {
    pub(crate) fn open(path: &Path, limits: &ArchiveLimits) -> Result<Source> {
        let shown = path.display().to_string();
        if path.is_dir() {
            return Ok(Source::Dir {
                shown,
                root: path.to_owned(),
                limits: *limits,
            });
        }
        if !path.is_file() {
            return Err(ArchiveError::NotAnArchive(shown));
        }
        let file = std::fs::File::open(path).map_err(io(path))?;
        let mut zip = zip::ZipArchive::new(file).map_err(|e| ArchiveError::Corrupt {
            archive: shown.clone(),
            entry: String::new(),
            reason: e.to_string(),
        })?;
        let mut entries = HashMap::new();
        let mut total: u64 = 0;
        for i in 0..zip.len() {
            let mut entry = zip.by_index(i).map_err(|e| ArchiveError::Corrupt {
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
            if entry.is_dir() {
                continue;
            }
            let allowed = limits
                .max_entry_bytes
                .min(limits.max_total_bytes.saturating_sub(total));
            let too_large = |size: u64| ArchiveError::TooLarge {
                archive: shown.clone(),
                entry: name.clone(),
                size,
                limit: allowed,
            };
            if entry.size() > allowed {
                return Err(too_large(entry.size()));
            }
            // Read one byte past the limit, so an entry larger than its header says is caught.
            let mut bytes = Vec::with_capacity(usize::try_from(entry.size()).unwrap_or(0));
            (&mut entry)
                .take(allowed.saturating_add(1))
                .read_to_end(&mut bytes)
                .map_err(|e| ArchiveError::Corrupt {
                    archive: shown.clone(),
                    entry: name.clone(),
                    reason: e.to_string(),
                })?;
            let size = bytes.len() as u64;
            if size > allowed {
                return Err(too_large(size));
            }
            total += size;
            entries.insert(name, bytes);
        }
        Ok(Source::Zip { shown, entries })
    }

    pub(crate) fn shown(&self) -> &str {
        match self {
            Source::Zip { shown, .. } | Source::Dir { shown, .. } => shown,
        }
    }

    /// The bytes of `entry` (a `/`-separated relative path).
    pub(crate) fn read(&self, entry: &str) -> Result<Vec<u8>> {
        let missing = || ArchiveError::Missing {
            archive: self.shown().to_owned(),
            entry: entry.to_owned(),
        };
        if !is_relative(entry) {
            return Err(ArchiveError::UnsafeEntry {
                archive: self.shown().to_owned(),
                entry: entry.to_owned(),
            });
        }
        match self {
            Source::Zip { entries, .. } => entries.get(entry).cloned().ok_or_else(missing),
            Source::Dir {
                root,
                limits,
                shown,
            } => {
                let path = root.join(entry);
                if let Ok(meta) = std::fs::metadata(&path)
                    && meta.len() > limits.max_entry_bytes
                {
                    return Err(ArchiveError::TooLarge {
                        archive: shown.clone(),
                        entry: entry.to_owned(),
                        size: meta.len(),
                        limit: limits.max_entry_bytes,
                    });
                }
                match std::fs::read(&path) {
                    Ok(bytes) => Ok(bytes),
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(missing()),
                    Err(e) => Err(io(&path)(e)),
                }
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
