//! The error type of the data model.

use std::fmt;

/// A boxed error, as returned by user-written transforms.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Result alias for the data model.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What kind of object a name refers to, for error messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ObjectKind {
    /// A time series inside a signal.
    TimeSeries,
    /// A signal inside a dataset.
    Signal,
    /// A dataset.
    Dataset,
}

impl fmt::Display for ObjectKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ObjectKind::TimeSeries => "time series",
            ObjectKind::Signal => "signal",
            ObjectKind::Dataset => "dataset",
        })
    }
}

/// Everything that can go wrong in the data model.
///
/// `Debug` prints the same sentence as `Display` (culprit first, root cause last), so that a
/// `main` returning `Result<(), meteaudata::Error>` shows a readable message; match on the
/// variants for the details.
#[derive(thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A name breaks the naming rules (empty, a path component, a control character, …).
    #[error("invalid name {value:?}: {reason}")]
    InvalidName {
        /// The rejected name.
        value: String,
        /// Why it was rejected.
        reason: String,
    },
    /// Two objects would end up under the same name.
    #[error("name collision: {first:?} and {second:?} would both be stored as {name:?}")]
    NameCollision {
        /// The first object's original name.
        first: String,
        /// The second object's original name.
        second: String,
        /// The name both would receive.
        name: String,
    },
    /// A name that was asked for does not exist.
    #[error("{kind} {name:?} not found; available: [{}]", available.join(", "))]
    NotFound {
        /// What was looked for.
        kind: ObjectKind,
        /// The missing name.
        name: String,
        /// The names that exist.
        available: Vec<String>,
    },
    /// An argument has a value that cannot be used.
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
    /// A frequency alias could not be understood.
    #[error("invalid frequency {value:?}: {reason}")]
    InvalidFrequency {
        /// The alias as given.
        value: String,
        /// Why it was rejected.
        reason: String,
    },
    /// A polars data type that the model does not hold.
    #[error("unsupported {role} data type {dtype} (supported: {supported})")]
    UnsupportedDtype {
        /// `index` or `values`.
        role: &'static str,
        /// The data type found.
        dtype: String,
        /// The data types that are supported.
        supported: &'static str,
    },
    /// The operation is not allowed in the object's current state.
    #[error("{0}")]
    NotAllowed(String),
    /// A transform failed. The message ends with the transform's error and its causes.
    #[error("transform {transform} failed{}", meteaudata_storage::Causes(Some(cause.as_ref())))]
    Transform {
        /// The transform's name.
        transform: String,
        /// The transform's own error.
        cause: BoxError,
    },
    /// An append whose new points do not all come after the series' last point (see
    /// [`Overlap`](crate::Overlap)).
    #[error(
        "cannot append to time series {series:?}: the new point at {label} is not after its last point at {last} (append with Overlap::Replace to replace the stored points from there)"
    )]
    Overlap {
        /// The series.
        series: String,
        /// The first new label that is not after the last stored one.
        label: String,
        /// The last stored label.
        last: String,
    },
    /// A refresh had to re-run the history of a series and could not.
    #[error("cannot refresh time series {series:?}: {reason}")]
    NotReplayable {
        /// The series.
        series: String,
        /// Why (an unregistered function, a missing input, a failed transform).
        reason: String,
    },
    /// A file could not be read as a table.
    #[error("cannot read {path}: {reason}")]
    File {
        /// The file.
        path: String,
        /// Why (the first bad line or cell, or the cause).
        reason: String,
    },
    /// No storage backend is attached where one is needed.
    #[error("no storage backend is configured for {0}: call set_backend or use_storage first")]
    NoBackend(String),
    /// An error of the storage layer.
    #[error(transparent)]
    Storage(#[from] meteaudata_storage::StorageError),
    /// An error raised by polars.
    #[error(transparent)]
    Polars(#[from] polars::error::PolarsError),
}

impl std::fmt::Debug for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(self, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_reads_as_the_message() {
        let err = Error::Storage(meteaudata_storage::StorageError::NotFound {
            key: "plant/A#1".into(),
        });
        assert_eq!(format!("{err:?}"), err.to_string());
        assert!(format!("{err:?}").contains("plant/A#1"), "{err:?}");
        assert!(!format!("{err:?}").contains("NotFound {"), "{err:?}");
    }
}
