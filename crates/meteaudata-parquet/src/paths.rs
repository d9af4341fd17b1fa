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

/// The longest file name a local store writes, in bytes: file systems allow 255, and
/// object_store adds `#<n>` to a staging file's name while writing it.
pub(crate) const MAX_LOCAL_FILE_NAME: usize = 240;

/// The longest object path an object store accepts, in bytes (S3, GCS and Azure allow 1024).
pub(crate) const MAX_OBJECT_PATH: usize = 1024;

/// Why `key` cannot be stored (its longest encoded file name or whole path is too long), or
/// `None` when it can. `local` applies the file-name limit of a local directory.
pub(crate) fn key_too_long(root: &Path, key: &StorageKey, local: bool) -> Option<String> {
    // The longer of the two extensions.
    let path = object_path(root, key, SERIES_EXTENSION);
    if local
        && let Some(part) = path
            .parts()
            .find(|p| p.as_ref().len() > MAX_LOCAL_FILE_NAME)
    {
        let name = part.as_ref();
        return Some(format!(
            "the file name {}… would be {} bytes long once encoded, too long for a file system (at most {MAX_LOCAL_FILE_NAME}); use a shorter name",
            &name[..name.floor_char_boundary(40)],
            name.len()
        ));
    }
    let length = path.as_ref().len();
    (length > MAX_OBJECT_PATH).then(|| {
        format!(
            "the object path would be {length} bytes long once encoded, too long for an object store (at most {MAX_OBJECT_PATH}); use shorter names"
        )
    })
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
    key_with(root, location, SERIES_EXTENSION)
}

/// The key of a document object, or `None` for objects that are not documents.
pub(crate) fn document_key(
    root: &Path,
    location: &Path,
) -> Result<Option<StorageKey>, StorageError> {
    key_with(root, location, DOCUMENT_EXTENSION)
}

/// The key of an object whose name ends with `extension`, or `None`.
fn key_with(
    root: &Path,
    location: &Path,
    extension: &str,
) -> Result<Option<StorageKey>, StorageError> {
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
        .and_then(|last| last.strip_suffix(extension).map(str::to_owned))
    {
        Some(stem) => {
            *segments.last_mut().expect("non-empty") = stem;
            Ok(Some(StorageKey::new(segments)?))
        }
        None => Ok(None),
    }
}
