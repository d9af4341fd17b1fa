//! The error type of plotting and lineage rendering.

use std::path::PathBuf;

/// Result alias for this crate.
pub type Result<T, E = PlotError> = std::result::Result<T, E>;

/// Everything that can go wrong when drawing.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PlotError {
    /// A series or signal that was asked for does not exist, or the data could not be read.
    #[error(transparent)]
    Model(#[from] meteaudata_core::Error),
    /// Reading the data failed in polars.
    #[error("reading the data to plot failed: {0}")]
    Data(#[from] polars::error::PolarsError),
    /// A start or end bound does not fit the index.
    #[error("invalid {which} bound {value:?} for {series}: {reason}")]
    Bound {
        /// `start` or `end`.
        which: &'static str,
        /// The bound as given.
        value: String,
        /// The series being plotted.
        series: String,
        /// Why it does not fit.
        reason: String,
    },
    /// The values cannot be drawn on a numeric axis.
    #[error("cannot plot {series}: {reason}")]
    Unplottable {
        /// The series.
        series: String,
        /// Why.
        reason: String,
    },
    /// Nothing was asked for.
    #[error("nothing to plot: {0}")]
    Empty(String),
    /// Drawing the SVG failed.
    #[error("drawing the SVG failed: {0}")]
    Svg(String),
    /// Writing the output file failed.
    #[error("cannot write {}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The output file name has no extension this crate writes.
    #[error("cannot tell the output format of {}: use {expected}", path.display())]
    UnknownFormat {
        /// The file.
        path: PathBuf,
        /// The extensions accepted.
        expected: &'static str,
    },
}
