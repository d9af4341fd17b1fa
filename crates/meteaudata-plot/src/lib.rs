//! Plots and lineage graphs for meteaudata for Rust: the figures meteaudata 0.12.1 for Python
//! draws, without its failures on renamed series, single plot bounds and calendar frequencies.
//!
//! - [`TimeSeriesPlot::plot`], [`SignalPlot::plot`] and [`DatasetPlot::plot`] build a
//!   [`Figure`]: titles, axis titles, one trace per series styled by its last processing step,
//!   predictions shifted by their step distance. A figure renders to a self-contained
//!   interactive HTML page ([`Figure::to_html`], plotly.js embedded, works offline), to SVG
//!   ([`Figure::to_svg`]) and to Plotly JSON ([`Figure::to_plotly_json`]).
//! - [`LineageRender`] draws a [`LineageGraph`](meteaudata_core::LineageGraph) (from
//!   `Dataset::lineage_graph` or `Signal::lineage_graph`) as HTML, Graphviz DOT or Mermaid.
//!
//! ```
//! use meteaudata_core::{date_range, TimeSeries};
//! use meteaudata_core::polars::prelude::*;
//! use meteaudata_plot::{PlotOptions, TimeSeriesPlot};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let index = date_range("2024-01-01", 24, "h")?;
//! let ts = TimeSeries::new("Flow#1_RAW#1", index, Series::new("v".into(), (0..24).map(f64::from).collect::<Vec<_>>()))?;
//! let figure = ts.plot(&PlotOptions::default().start("2024-01-01 06:00"))?;
//! assert_eq!(figure.title, "Time series plot of Flow#1");
//! assert_eq!(figure.subplots[0].traces[0].y.len(), 18);
//! assert!(figure.to_svg(800)?.starts_with("<svg"));
//! # Ok(())
//! # }
//! ```

mod error;
mod figure;
mod html;
mod labels;
mod lineage;
mod plots;
mod style;
mod svg;
mod ticks;

use std::path::Path;

pub use error::{PlotError, Result};
pub use figure::{Figure, Subplot, Trace, XValues};
pub use labels::Bound;
pub use lineage::{
    EXTERNAL_COLOR, LineageRender, RAW_COLOR, node_colors, replay_outline, type_color,
};
pub use plots::{
    DatasetPlot, PlotOptions, SignalPlot, TimeSeriesPlot, plot_dataset, plot_signal,
    plot_time_series,
};
pub use style::{Mode, PALETTE, Symbol, color, style_for, style_of};
pub use svg::segments;
pub use ticks::{Tick, number_ticks, time_ticks};

pub(crate) fn extension(path: &Path) -> String {
    path.extension()
        .and_then(|e| e.to_str())
        .unwrap_or_default()
        .to_ascii_lowercase()
}

pub(crate) fn write(path: &Path, text: &str) -> Result<()> {
    std::fs::write(path, text).map_err(|source| PlotError::Io {
        path: path.to_owned(),
        source,
    })
}

impl Figure {
    /// Writes the figure as `.html` (interactive), `.svg` (1200 px wide) or `.json` (Plotly),
    /// chosen by the file's extension.
    pub fn write(&self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        let text = match extension(path).as_str() {
            "html" | "htm" => self.to_html(),
            "svg" => self.to_svg(1200)?,
            "json" => self.to_plotly_json().to_string(),
            _ => {
                return Err(PlotError::UnknownFormat {
                    path: path.to_owned(),
                    expected: ".html, .svg or .json",
                });
            }
        };
        write(path, &text)
    }
}
