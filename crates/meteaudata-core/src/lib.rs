//! The data model of meteaudata for Rust: [`Dataset`] → [`Signal`] → [`TimeSeries`], each
//! series carrying its ordered [`ProcessingStep`]s, and the `process` machinery that runs
//! transforms and records what they did.
//!
//! Names follow one grammar (see [`name`]): a signal is `<base>#<n>` and a series
//! `<signal>_<BASE>#<m>`, for example `Temperature#1_RESAMPLED#2`.
//!
//! Most users depend on the `meteaudata` facade crate, which re-exports this one.

pub mod dataset;
pub mod display;
pub mod error;
pub mod frequency;
pub mod index;
pub mod label;
pub mod lineage;
pub mod name;
pub mod parameters;
pub mod provenance;
pub mod replay;
mod scan;
pub mod signal;
mod slot;
pub mod step;
pub mod storage;
pub mod time;
pub mod time_series;
pub mod transform;

pub use dataset::{Dataset, DatasetMetadata};
pub use display::{HtmlDisplay, TextDisplay};
pub use error::{BoxError, Error, ObjectKind, Result};
pub use frequency::{Frequency, FrequencyUnit};
pub use index::{IndexKind, IndexMetadata, date_range, date_range_in};
pub use label::{Label, Overlap};
pub use lineage::{Dependency, LineageGraph, LineageNode, NodeKind};
pub use meteaudata_storage as storage_layer;
pub use parameters::{NON_FINITE_FLOAT_KEY, ParamValue, Parameters};
pub use provenance::DataProvenance;
pub use replay::{
    Outcome, RefreshOptions, RefreshReport, Registry, ReplayState, Tolerance, VerifyReport,
};
pub use signal::{Signal, SignalMetadata};
pub use step::{FunctionInfo, ProcessingStep, ProcessingType};
pub use storage::{Attachment, MemoryBudget, Storable};
pub use time_series::{INDEX_COLUMN, TimeSeries, TimeSeriesMetadata, VALUES_COLUMN};
pub use transform::{
    DatasetInput, DatasetProcessOptions, DatasetTransform, ProcessOptions, SignalTransform,
    TransformOutput,
};

/// The polars version this crate is built against, re-exported so users name one polars
/// (shown as a re-export, not as a copy of polars' own documentation).
#[doc(no_inline)]
pub use polars;
