//! The error type of archives.

/// What can go wrong reading or writing an archive.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ArchiveError {
    /// A required entry is not in the archive.
    #[error("{archive}: missing entry {entry:?}")]
    Missing {
        /// The archive or directory.
        archive: String,
        /// The entry.
        entry: String,
    },
    /// An entry could not be read as what it should be.
    #[error("{archive}: entry {entry:?} is corrupt: {reason}")]
    Corrupt {
        /// The archive or directory.
        archive: String,
        /// The entry.
        entry: String,
        /// What is wrong.
        reason: String,
    },
    /// An entry's path would escape the archive (`../`, absolute paths).
    #[error("{archive}: entry {entry:?} points outside the archive")]
    UnsafeEntry {
        /// The archive.
        archive: String,
        /// The entry.
        entry: String,
    },
    /// An entry expands to more than the [`ArchiveLimits`](crate::ArchiveLimits) allow.
    #[error(
        "{archive}: entry {entry:?} expands to {size} bytes, over the limit of {limit} bytes (raise it with ArchiveLimits)"
    )]
    TooLarge {
        /// The archive or directory.
        archive: String,
        /// The entry.
        entry: String,
        /// Its size as declared or as read (reading stops one byte past the limit).
        size: u64,
        /// The bytes it was allowed.
        limit: u64,
    },
    /// The path is neither a `.zip` file nor a directory.
    #[error("{0}: not a .zip archive or a directory")]
    NotAnArchive(String),
    /// The path is not a directory written by meteaudata for Python's disk backend.
    #[error("{0}: not a directory (expected the folder given to use_disk_storage)")]
    NotAStore(String),
    /// A file-system operation failed.
    #[error("{path}: {source}")]
    Io {
        /// The path.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// An error of the data model.
    #[error(transparent)]
    Core(#[from] meteaudata_core::Error),
    /// An error raised by polars.
    #[error(transparent)]
    Polars(#[from] polars::error::PolarsError),
}

/// Result alias for archives.
pub type Result<T, E = ArchiveError> = std::result::Result<T, E>;

pub(crate) fn io(path: &std::path::Path) -> impl Fn(std::io::Error) -> ArchiveError + '_ {
    move |source| ArchiveError::Io {
        path: path.display().to_string(),
        source,
    }
}
