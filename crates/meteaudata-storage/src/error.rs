//! The error type of the storage layer.

/// A boxed error from a backend's own client library.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Result alias for the storage layer.
pub type Result<T, E = StorageError> = std::result::Result<T, E>;

/// Everything a storage operation can report.
///
/// `Debug` prints the same sentence as `Display` (the object or location first, the root
/// cause last); match on the variants for the details.
#[derive(thiserror::Error)]
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
    /// A commit lost a race: since the version this save was based on, another writer
    /// committed a version that changed the same signals. Nothing of this save is visible;
    /// reopen the dataset, redo the change and save again. (Concurrent commits that changed
    /// different signals are merged automatically and never raise this.)
    #[error(
        "conflict on dataset {dataset:?}: this save was based on version {base}, but version {latest} (committed {latest_time}) changed {}; reopen the dataset and redo the change",
        signals.join(", ")
    )]
    VersionConflict {
        /// The dataset.
        dataset: String,
        /// The version the save was based on.
        base: u64,
        /// The latest version when the save gave up.
        latest: u64,
        /// When that version was committed (UTC, ISO 8601).
        latest_time: String,
        /// The signals both changed (`the whole dataset` when the other commit replaced it).
        signals: Vec<String>,
    },
    /// A version that does not exist (never committed, or pruned).
    #[error("dataset {dataset:?} has no version {wanted} (it has versions {first} to {latest})")]
    VersionNotFound {
        /// The dataset.
        dataset: String,
        /// The version, time or tag asked for.
        wanted: String,
        /// The oldest version kept.
        first: u64,
        /// The latest version.
        latest: u64,
    },
    /// A stored object could not be decoded.
    #[error("stored object {key:?} is corrupt: {reason}")]
    Corrupt {
        /// The key or path of the object.
        key: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The store named by a configuration does not exist, and the access mode forbids
    /// creating it.
    #[error("there is no store at {location}: {reason}")]
    MissingStore {
        /// The directory, file or URL (without credentials).
        location: String,
        /// What is missing.
        reason: String,
    },
    /// Something exists where the store should be, but it is not a store this backend can
    /// use (a file that is not a database, a database missing some of the tables); it is
    /// left untouched rather than re-initialised.
    #[error("{location} is not a usable store: {reason}")]
    NotAStore {
        /// The file, directory or URL (without credentials).
        location: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A write to a store opened read-only.
    #[error("{location} is open read-only: cannot {operation}")]
    ReadOnly {
        /// The store.
        location: String,
        /// The refused write.
        operation: String,
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
    /// The backend's client or store failed. The message ends with the client's error and
    /// each of its causes down to the root one (`… : connection refused`), so the text alone
    /// says what went wrong; the client's error is also kept in `cause`.
    #[error("{backend} backend: {message}{}", Causes(cause.as_deref()))]
    Backend {
        /// The backend type.
        backend: String,
        /// What failed, naming the object, host or database (never a password).
        message: String,
        /// The client's own error.
        cause: Option<BoxError>,
    },
    /// An error raised by polars while encoding or decoding data.
    #[error(transparent)]
    Polars(#[from] polars::error::PolarsError),
}

impl StorageError {
    /// A [`StorageError::Backend`] caused by `cause`.
    pub fn backend(
        backend: impl Into<String>,
        message: impl Into<String>,
        cause: impl Into<BoxError>,
    ) -> StorageError {
        StorageError::Backend {
            backend: backend.into(),
            message: message.into(),
            cause: Some(cause.into()),
        }
    }
}

/// Displays as `: <error>: <its source>: …` down to the root cause, each text once (client
/// libraries often repeat their source's text in their own); nothing for `None`. Errors that
/// wrap another one end their message with it, so that the message alone names the root
/// cause.
pub struct Causes<'a>(pub Option<&'a (dyn std::error::Error + Send + Sync + 'static)>);

impl std::fmt::Display for Causes<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut shown: Vec<String> = Vec::new();
        let mut next: Option<&dyn std::error::Error> = self.0.map(|e| e as _);
        while let Some(error) = next {
            let text = error.to_string();
            if !text.is_empty() && !shown.iter().any(|s| s.contains(&text)) {
                write!(f, ": {text}")?;
                shown.push(text);
            }
            next = error.source();
        }
        Ok(())
    }
}

impl std::fmt::Debug for StorageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(self, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct Layer(&'static str, Option<Box<Layer>>);

    impl std::fmt::Display for Layer {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str(self.0)
        }
    }

    impl std::error::Error for Layer {
        fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
            self.1.as_deref().map(|e| e as _)
        }
    }

    #[test]
    fn the_message_ends_with_the_root_cause_each_text_once() {
        let root = Layer("connection refused", None);
        let middle = Layer("io error: connection refused", Some(Box::new(root)));
        let top = Layer("pool error", Some(Box::new(middle)));
        let error = StorageError::backend("sql", "cannot connect to db", top);
        assert_eq!(
            error.to_string(),
            "sql backend: cannot connect to db: pool error: io error: connection refused"
        );
        assert!(
            std::error::Error::source(&error).is_none(),
            "no cause printed twice"
        );
    }
}
