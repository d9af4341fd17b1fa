//! The error type of the storage layer.

/// A boxed error from a backend's own client library.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Result alias for the storage layer.
pub type Result<T, E = StorageError> = std::result::Result<T, E>;

/// Everything a storage operation can report.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StorageError {
    /// Nothing is stored under the key.
    #[error("no stored object for key {key:?}")]
    NotFound {
        /// The missing key.
        key: String,
    },
    /// A key (or one of its segments) breaks the key rules.
    #[error("invalid storage key {key:?}: {reason}")]
    InvalidKey {
        /// The rejected key.
        key: String,
        /// Why.
        reason: String,
    },
    /// A create-only write found something already there.
    #[error("an object already exists for key {key:?}")]
    AlreadyExists {
        /// The key.
        key: String,
    },
    /// Another writer changed the object since it was read (a conditional write lost).
    #[error("conflicting concurrent update of {key:?}: {detail}")]
    Conflict {
        /// The key.
        key: String,
        /// What the store reported.
        detail: String,
    },
    /// A stored object could not be decoded.
    #[error("stored object {key:?} is corrupt: {reason}")]
    Corrupt {
        /// The key or path of the object.
        key: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The configuration is incomplete or inconsistent.
    #[error("invalid storage configuration: {0}")]
    InvalidConfig(String),
    /// The backend asked for is not compiled in.
    #[error(
        "no storage backend for {scheme:?} is compiled in: enable the cargo feature `{feature}` of the `meteaudata` crate"
    )]
    FeatureNotEnabled {
        /// The URL scheme or backend name.
        scheme: String,
        /// The cargo feature that provides it.
        feature: String,
    },
    /// No backend handles the URL scheme at all.
    #[error("unknown storage URL scheme {scheme:?} (known: {known})")]
    UnknownScheme {
        /// The scheme.
        scheme: String,
        /// The schemes that exist.
        known: String,
    },
    /// The backend cannot do this.
    #[error("the {backend} backend does not support {operation}")]
    Unsupported {
        /// The backend type.
        backend: String,
        /// The operation.
        operation: String,
    },
    /// The backend's client or store failed.
    #[error("{backend} backend: {message}")]
    Backend {
        /// The backend type.
        backend: String,
        /// What failed, naming the object, host or database (never a password).
        message: String,
        /// The client's own error.
        #[source]
        source: Option<BoxError>,
    },
    /// An error raised by polars while encoding or decoding data.
    #[error(transparent)]
    Polars(#[from] polars::error::PolarsError),
}

impl StorageError {
    /// A [`StorageError::Backend`] with a source.
    pub fn backend(
        backend: impl Into<String>,
        message: impl Into<String>,
        source: impl Into<BoxError>,
    ) -> StorageError {
        StorageError::Backend {
            backend: backend.into(),
            message: message.into(),
            source: Some(source.into()),
        }
    }
}
