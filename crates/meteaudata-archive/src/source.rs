//! Where archive entries are read from: a zip file (read in memory, never extracted) or a
//! directory.

use std::collections::HashMap;
use std::io::Read;
use std::path::{Component, Path, PathBuf};

use crate::error::{ArchiveError, Result, io};

/// The entries of a zip archive or a directory.
pub(crate) enum Source {
    Zip {
        shown: String,
        entries: HashMap<String, Vec<u8>>,
    },
    Dir {
        shown: String,
        root: PathBuf,
    },
}

impl Source {
    pub(crate) fn open(path: &Path) -> Result<Source> {
        let shown = path.display().to_string();
        if path.is_dir() {
            return Ok(Source::Dir {
                shown,
                root: path.to_owned(),
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
            let mut bytes = Vec::new();
            entry
                .read_to_end(&mut bytes)
                .map_err(|e| ArchiveError::Corrupt {
                    archive: shown.clone(),
                    entry: name.clone(),
                    reason: e.to_string(),
                })?;
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
            Source::Dir { root, .. } => {
                let path = root.join(entry);
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
