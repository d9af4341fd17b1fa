//! The error type of the processing functions.

/// Why a processing function refused its input or arguments.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ProcessingError {
    /// The series' index is of a kind the function cannot use.
    #[error("{function}: series {series:?} has a {kind} index; expected {expected}")]
    IndexKind {
        /// The function.
        function: &'static str,
        /// The series.
        series: String,
        /// The index kind found.
        kind: String,
        /// The kinds the function accepts.
        expected: &'static str,
    },
    /// The series' values are of a type the function cannot use.
    #[error("{function}: series {series:?} holds {dtype} values; expected numbers")]
    ValuesKind {
        /// The function.
        function: &'static str,
        /// The series.
        series: String,
        /// The values' type.
        dtype: String,
    },
    /// An argument has a value the function cannot use.
    #[error("{function}: {message}")]
    InvalidArgument {
        /// The function.
        function: &'static str,
        /// What is wrong.
        message: String,
    },
    /// An error of the data model.
    #[error(transparent)]
    Core(#[from] meteaudata_core::Error),
    /// An error raised by polars.
    #[error(transparent)]
    Polars(#[from] polars::error::PolarsError),
}

impl ProcessingError {
    pub(crate) fn invalid(function: &'static str, message: impl Into<String>) -> ProcessingError {
        ProcessingError::InvalidArgument {
            function,
            message: message.into(),
        }
    }
}
