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
//! ## Storage
//!
//! Series live in memory by default. [`StorageExt::use_disk_storage`] (Parquet),
//! [`StorageExt::use_sql_storage`] and [`StorageExt::use_url_storage`] attach a backend to a dataset, a
//! signal or a series; with auto-save (the default) each processing step writes what it
//! created, and saved series beyond the memory budget are released and read back on access.
//! [`DatasetOpen::open`] reopens a dataset from its store alone.
//!
//! A dataset in a store is a chain of immutable versions: every save is one atomic commit
//! (a crash leaves the previous version, two writers never silently lose an update, stored
//! bytes are checked on load). [`DatasetOpen::open_at`] reads an earlier version (by number,
//! time or tag); [`list_versions`], [`tag_version`] and [`prune_versions`] manage the history.
//!
//! ## Replay
//!
//! The recorded history re-runs itself. [`Dataset::verify`] makes every derived series again
//! from the raw ones, with the functions of a [`Registry`] ([`registry()`] holds the built-ins;
//! add your own), and reports per series whether it is reproduced. After new raw points
//! arrive, [`Dataset::refresh`] recomputes what depends on them (only the end of a resample
//! or an interpolation) and commits it as one version.
//!
//! ```
//! use meteaudata::prelude::*;
//! use chrono::NaiveDate;
//!
//! # fn main() -> meteaudata::Result<()> {
//! let index = date_range("2024-01-01", 48, "h")?;
//! let values = Series::new("v".into(), (0..48).map(f64::from).collect::<Vec<_>>());
//! let raw = TimeSeries::new("RAW", index, values)?;
//! let mut signal = Signal::new("Flow", "l/s", DataProvenance::default(), [raw])?;
//! signal.process(&["Flow#1_RAW#1"], resample("6h"), ProcessOptions::default())?;
//!
//! let registry = registry();
//! assert!(signal.verify(&registry, Tolerance::default()).all_reproduced());
//!
//! // A new point arrives; the resampled series is stale until refreshed.
//! let at = NaiveDate::from_ymd_opt(2024, 1, 3).unwrap().and_hms_opt(0, 0, 0).unwrap();
//! let (index, values) = (Series::new("i".into(), [at]), Series::new("v".into(), [100.0]));
//! signal.append("Flow#1_RAW#1", index, values, Overlap::Error)?;
//! let report = signal.refresh(&registry, RefreshOptions::default())?;
//! assert_eq!(report.refreshed[0].from.as_deref(), Some("2024-01-02 18:00:00"));
//! assert_eq!(signal.time_series("Flow#1_RESAMPLED#1")?.len(), 9);
//! # Ok(())
//! # }
//! ```
//!
//! ## Cargo features
//!
//! Generated from the comments of `Cargo.toml`:
//!
#![doc = document_features::document_features!()]
#![cfg_attr(docsrs, feature(doc_cfg))]

/// The polars this crate is built against (its documentation is on docs.rs/polars), with
/// the features `lazy`, `parquet`, `temporal`, `timezones`, `dtype-datetime`,
/// `dtype-duration`, `dynamic_group_by`, `interpolate`, `interpolate_by`, `is_between`,
/// `fmt` and `round_series`; CSV files are read by [`files`], not by polars' `csv` feature.
/// Enable more polars features in your own `Cargo.toml` (the same polars version) if you
/// need them.
#[doc(no_inline)]
pub use meteaudata_core::polars;
// The data model, item by item: a glob re-export would copy polars' whole documentation
// into this crate's (rustdoc inlines what globs bring, `doc(no_inline)` or not).
pub use meteaudata_core::{
    Attachment, dataset, display, error, frequency, index, label, lineage, name, parameters,
    provenance, replay, signal, step, time, time_series, transform,
};
pub use meteaudata_core::{
    BoxError, DataProvenance, Dataset, DatasetInput, DatasetMetadata, DatasetProcessOptions,
    DatasetTransform, Dependency, Error, Frequency, FrequencyUnit, FunctionInfo, HtmlDisplay,
    INDEX_COLUMN, IndexKind, IndexMetadata, Label, LineageGraph, LineageNode, MemoryBudget,
    NON_FINITE_FLOAT_KEY, NodeKind, ObjectKind, Outcome, Overlap, ParamValue, Parameters,
    ProcessOptions, ProcessingStep, ProcessingType, RefreshOptions, RefreshReport, Registry,
    ReplayState, Result, Signal, SignalMetadata, SignalTransform, Storable, TextDisplay,
    TimeSeries, TimeSeriesMetadata, Tolerance, TransformOutput, VALUES_COLUMN, VerifyReport,
    date_range, date_range_in,
};

pub mod files;
mod storage_ext;
pub use storage_ext::{
    DatasetOpen, StorageExt, list_versions, prune_versions, register_backends, tag_version,
};

/// A replay [`Registry`] holding every built-in processing function (see
/// [`meteaudata_processing::registry`]); register your own transforms on it.
pub use meteaudata_processing::registry;

/// The built-in processing functions (resample, interpolation, subset, …).
pub mod processing {
    pub use meteaudata_processing::*;
}

/// The storage layer: backend trait, keys, configuration, registry and the backends of the
/// enabled features.
pub mod storage {
    pub use meteaudata_storage::*;

    /// The Parquet backend (feature `parquet`).
    #[cfg(feature = "parquet")]
    pub use meteaudata_parquet::ParquetBackend;

    /// The SQL backend (features `sqlite`, `postgres`, `mysql`).
    #[cfg(any(feature = "sqlite", feature = "postgres", feature = "mysql"))]
    pub use meteaudata_sql::SqlBackend;
}

/// Archives exchangeable with meteaudata for Python (feature `archive`, on by default).
#[cfg(feature = "archive")]
pub mod archive {
    pub use meteaudata_archive::*;

    use std::path::{Path, PathBuf};

    use meteaudata_core::{Dataset, Signal};

    /// `save_archive` / `load_archive` on [`Dataset`] and [`Signal`].
    pub trait ArchiveExt: Sized {
        /// Saves `<dir>/<name>.zip` (atomically replacing an older one); returns its path.
        fn save_archive(&self, dir: impl AsRef<Path>) -> Result<PathBuf>;
        /// Saves with export options (separator, header names, multi-line headers); the
        /// loader reads them back.
        fn save_archive_with(
            &self,
            dir: impl AsRef<Path>,
            options: &ExportOptions,
        ) -> Result<PathBuf>;
        /// Loads the object `name` from a `.zip` or a directory, within
        /// [`ArchiveLimits::DEFAULT`].
        fn load_archive(path: impl AsRef<Path>, name: &str) -> Result<Self> {
            Self::load_archive_with(path, name, &ArchiveLimits::DEFAULT)
        }
        /// Loads the object `name`, refusing entries that expand beyond `limits`.
        fn load_archive_with(
            path: impl AsRef<Path>,
            name: &str,
            limits: &ArchiveLimits,
        ) -> Result<Self>;
    }

    impl ArchiveExt for Dataset {
        fn save_archive(&self, dir: impl AsRef<Path>) -> Result<PathBuf> {
            save_dataset(self, dir)
        }
        fn save_archive_with(
            &self,
            dir: impl AsRef<Path>,
            options: &ExportOptions,
        ) -> Result<PathBuf> {
            save_dataset_with(self, dir, options)
        }
        fn load_archive_with(
            path: impl AsRef<Path>,
            name: &str,
            limits: &ArchiveLimits,
        ) -> Result<Dataset> {
            load_dataset_with(path, name, limits)
        }
    }

    impl ArchiveExt for Signal {
        fn save_archive(&self, dir: impl AsRef<Path>) -> Result<PathBuf> {
            save_signal(self, dir)
        }
        fn save_archive_with(
            &self,
            dir: impl AsRef<Path>,
            options: &ExportOptions,
        ) -> Result<PathBuf> {
            save_signal_with(self, dir, options)
        }
        fn load_archive_with(
            path: impl AsRef<Path>,
            name: &str,
            limits: &ArchiveLimits,
        ) -> Result<Signal> {
            load_signal_with(path, name, limits)
        }
    }
}

/// Imports of the stores meteaudata 0.12.1 for Python's storage backends leave behind (feature
/// `archive`, plus `sqlite` for its SQLite files).
///
/// The Python library stores series only (no units, provenance or descriptions), so imported
/// signals get Python's default units `"unit"`, and the `metadata_id` of their `RAW` series as
/// provenance identifier. Save the datasets with any backend to keep them in our format.
///
/// ```no_run
/// # fn main() -> Result<(), meteaudata::archive::ArchiveError> {
/// let from_disk = meteaudata::python::import_disk_store("./reactor_monitoring_store")?;
/// let from_sql = meteaudata::python::import_sql("sqlite:///reactor_monitoring.db")?;
/// assert_eq!(from_disk[0].all_signals(), from_sql[0].all_signals());
/// # Ok(())
/// # }
/// ```
#[cfg(feature = "archive")]
pub mod python {
    pub use meteaudata_archive::python_store::{PythonSeries, assemble, import_disk_store};

    /// Imports every dataset of a database written by meteaudata 0.12.1 for Python's SQL
    /// backend (`use_sql_storage(url)` + `save_all()`), sorted by name. SQLite files are opened
    /// read-only; nothing in the database is changed.
    #[cfg(any(feature = "sqlite", feature = "postgres", feature = "mysql"))]
    pub fn import_sql(
        url: &str,
    ) -> Result<Vec<meteaudata_core::Dataset>, meteaudata_archive::ArchiveError> {
        let rows = meteaudata_sql::read_python_tables(url).map_err(meteaudata_core::Error::from)?;
        let series = rows
            .into_iter()
            .map(|r| PythonSeries::from_sql_rows(&r.key, &r.metadata_json, &r.labels, r.values))
            .collect::<Result<Vec<_>, _>>()?;
        assemble(series)
    }
}

/// Plots and lineage graphs (feature `plot`, on by default): `ts.plot(..)`, `signal.plot(..)`,
/// `dataset.plot(..)` build a [`Figure`](plot::Figure) that renders to self-contained HTML or
/// SVG; [`LineageRender`](plot::LineageRender) draws `dataset.lineage_graph(..)`.
#[cfg(feature = "plot")]
pub mod plot {
    pub use meteaudata_plot::*;
}

/// The conformance suite of the storage layer (feature `testkit`): run
/// [`run_all`](meteaudata_testkit::run_all) on a backend of your own (see the guide page
/// "Write your own backend").
#[cfg(feature = "testkit")]
pub mod testkit {
    pub use meteaudata_testkit::*;
}

/// Everything a typical program needs, in one `use meteaudata::prelude::*;`.
pub mod prelude {
    #[doc(no_inline)]
    pub use meteaudata_core::polars::df;
    #[doc(no_inline)]
    pub use meteaudata_core::polars::prelude::{DataFrame, NamedFrom, Series};
    pub use meteaudata_core::{
        BoxError, DataProvenance, Dataset, DatasetInput, DatasetProcessOptions, Error,
        FunctionInfo, HtmlDisplay, Label, Overlap, ParamValue, Parameters, ProcessOptions,
        ProcessingStep, ProcessingType, RefreshOptions, Registry, Signal, SignalTransform,
        Storable, TextDisplay, TimeSeries, Tolerance, TransformOutput, date_range, date_range_in,
    };
    #[cfg(feature = "plot")]
    pub use meteaudata_plot::{
        DatasetPlot, LineageRender, PlotOptions, SignalPlot, TimeSeriesPlot,
    };
    pub use meteaudata_storage::StorageConfig;
    pub use meteaudata_storage::versions::{At, Keep};

    #[cfg(feature = "archive")]
    pub use crate::archive::ArchiveExt;
    pub use crate::{DatasetOpen, StorageExt};
    pub use meteaudata_processing::{
        average_signals, linear_interpolation, linear_interpolation_by_time,
        normalize_index_to_numeric_delta, predict_from_previous_point, registry, replace_ranges,
        resample, subset,
    };
}

#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
struct ReadmeDoctests;

#[cfg(doctest)]
#[doc = include_str!("../../../docs/guide.md")]
struct GuideDoctests;

#[cfg(all(doctest, feature = "testkit"))]
#[doc = include_str!("../../../docs/backends.md")]
struct BackendGuideDoctests;
