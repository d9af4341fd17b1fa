//! The built-in processing functions of meteaudata for Rust, with the numbers and the
//! recorded steps of meteaudata 0.12.1 for Python.
//!
//! Each function returns a transform to hand to
//! [`Signal::process`](meteaudata_core::Signal::process) (or, for [`average_signals`],
//! [`Dataset::process`](meteaudata_core::Dataset::process)):
//!
//! | function | suffix | processing type |
//! |---|---|---|
//! | [`resample`] | `RESAMPLED` | resampling |
//! | [`linear_interpolation`], [`linear_interpolation_by_time`] | `LIN-INT` | gap filling |
//! | [`subset`] | `SLICE` | resampling |
//! | [`replace_ranges`] | `REPLACED-RANGES` | filtering |
//! | [`predict_from_previous_point`] | `PREV-PRED` | prediction |
//! | [`normalize_index_to_numeric_delta`] | `NORM` | transformation |
//! | [`average_signals`] | signal `AVERAGE`, series `RAW` | dimensionality reduction |
//!
//! [`registry`] holds them all for replay (see `meteaudata_core::replay`): each is rebuilt
//! from the parameters its steps record, under this crate's version and under `0.1`, the
//! version meteaudata 0.12.1 for Python records for the same functions. [`resample`] and
//! [`linear_interpolation`] also refresh incrementally
//! ([`SignalTransform::extend`](meteaudata_core::SignalTransform::extend)).
//!
//! Ordering: [`resample`] and [`linear_interpolation_by_time`] work on the labels, so an
//! unsorted index is fine (duplicate labels fall in the same bin, or share one position in
//! time). [`linear_interpolation`] is positional and keeps the given order, as in Python.

mod average;
mod bounds;
mod error;
mod interpolate;
mod normalize;
mod predict;
mod registry;
mod replace;
mod resample;
mod subset;
mod support;

pub use average::{AverageSignals, average_signals};
pub use bounds::Bound;
pub use error::ProcessingError;
pub use interpolate::{LinearInterpolation, linear_interpolation, linear_interpolation_by_time};
pub use normalize::{NormalizeIndex, normalize_index_to_numeric_delta};
pub use predict::{PredictFromPreviousPoint, predict_from_previous_point};
pub use registry::{register, registry};
pub use replace::{ReplaceRanges, replace_ranges};
pub use resample::{Resample, resample};
pub use subset::{Subset, subset};
