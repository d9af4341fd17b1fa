//! Keys to object paths and back.

use meteaudata_storage::{StorageError, StorageKey};
use object_store::path::Path;
use percent_encoding::percent_decode_str;

/// The extension of series objects.
pub(crate) const SERIES_EXTENSION: &str = ".parquet";
/// The extension of document objects.
pub(crate) const DOCUMENT_EXTENSION: &str = ".json";

/// `root/<seg>/…/<last><extension>`, each segment encoded by object_store.
pub(crate) fn object_path(root: &Path, key: &StorageKey, extension: &str) -> Path {
    let segments = key.segments();
    let (last, parents) = segments.split_last().expect("keys have a segment");
    let mut path = root.clone();
    for segment in parents {
        path = path.join(segment.as_str());
    }
    path.join(format!("{last}{extension}").as_str())
}

/// The directory of a key prefix: `root/<seg>/…`.
pub(crate) fn prefix_path(root: &Path, prefix: Option<&StorageKey>) -> Path {
    let mut path = root.clone();
    for segment in prefix.map(StorageKey::segments).unwrap_or_default() {
        path = path.join(segment.as_str());
    }
    path
}

/// The key of a series object, or `None` for objects that are not series.
pub(crate) fn series_key(root: &Path, location: &Path) -> Result<Option<StorageKey>, StorageError> {
    let Some(parts) = location.prefix_match(root) else {
        return Ok(None);
    };
    let mut segments: Vec<String> = parts
        .map(|part| {
            percent_decode_str(part.as_ref())
                .decode_utf8_lossy()
                .into_owned()
        })
        .collect();
    match segments
        .last_mut()
        .and_then(|last| last.strip_suffix(SERIES_EXTENSION).map(str::to_owned))
    {
        Some(stem) => {
            *segments.last_mut().expect("non-empty") = stem;
            Ok(Some(StorageKey::new(segments)?))
        }
        None => Ok(None),
    }
}
