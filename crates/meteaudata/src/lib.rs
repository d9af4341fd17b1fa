//! # meteaudata for Rust
//!
//! Time series that carry their own story: where the data came from ([`DataProvenance`]),
//! what was done to it (an ordered history of [`ProcessingStep`]s), and where it lives.
//!
//! A [`Dataset`] holds [`Signal`]s, a signal holds [`TimeSeries`], and a time series holds
//! its data (polars) plus its history. [`Signal::process`] and [`Dataset::process`] run a
//! transform — a built-in from [`processing`] or your own closure — and record the step.
//!
//! ```
//! use meteaudata::prelude::*;
//!
//! # fn main() -> meteaudata::Result<()> {
//! let index = date_range("2020-01-01", 100, "6min")?;
//! let values = Series::new("RAW".into(), (0..100).map(|i| f64::from(i).sin()).collect::<Vec<_>>());
//! let mut signal = Signal::new("CODs", "mg/l", DataProvenance::default(), [TimeSeries::new("RAW", index, values)?])?;
//! signal.process(&["CODs#1_RAW#1"], resample("30min"), ProcessOptions::default())?;
//! assert_eq!(signal.all_time_series(), ["CODs#1_RAW#1", "CODs#1_RESAMPLED#1"]);
//! # Ok(())
//! # }
//! ```
//!
//! Crate features: the data model and the processing functions are always on; storage
//! backends are switched on with features as they land.

pub use meteaudata_core::*;

/// The built-in processing functions (resample, interpolation, subset, …).
pub mod processing {
    pub use meteaudata_processing::*;
}

/// The storage layer: backend trait, keys and backends.
pub mod storage {
    pub use meteaudata_storage::*;
}

/// Everything a typical program needs, in one `use meteaudata::prelude::*;`.
pub mod prelude {
    pub use meteaudata_core::polars::prelude::{DataFrame, NamedFrom, Series};
    pub use meteaudata_core::{
        BoxError, DataProvenance, Dataset, DatasetInput, DatasetProcessOptions, Error,
        FunctionInfo, ParamValue, Parameters, ProcessOptions, ProcessingStep, ProcessingType,
        Signal, TextDisplay, TimeSeries, TransformOutput, date_range, date_range_in,
    };
    pub use meteaudata_processing::{
        average_signals, linear_interpolation, linear_interpolation_by_time,
        normalize_index_to_numeric_delta, predict_from_previous_point, replace_ranges, resample,
        subset,
    };
}

#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
struct ReadmeDoctests;
