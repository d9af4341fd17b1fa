//! Figures of a series, of series of a signal and of signals of a dataset: one trace per
//! series, one panel per signal in a dataset figure.

use meteaudata_core::name::TsName;
use meteaudata_core::{
    Dataset, Error, IndexKind, ObjectKind, ParamValue, ProcessingType, Signal, TimeSeries,
};

use crate::error::{PlotError, Result};
use crate::figure::{Figure, Subplot, Trace, XValues};
use crate::labels::{Bound, points};
use crate::style::style_for;

/// Titles and bounds of a plot; every field is optional.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PlotOptions {
    /// The figure title.
    pub title: Option<String>,
    /// The y-axis title (for a dataset: the word between signal name and units).
    pub y_axis: Option<String>,
    /// The x-axis title.
    pub x_axis: Option<String>,
    /// The legend entry of a single series.
    pub legend_name: Option<String>,
    /// Draw only labels at or after this bound.
    pub start: Option<Bound>,
    /// Draw only labels at or before this bound.
    pub end: Option<Bound>,
}

impl PlotOptions {
    /// Sets the title.
    pub fn title(mut self, title: impl Into<String>) -> PlotOptions {
        self.title = Some(title.into());
        self
    }

    /// Sets the y-axis title.
    pub fn y_axis(mut self, title: impl Into<String>) -> PlotOptions {
        self.y_axis = Some(title.into());
        self
    }

    /// Sets the x-axis title.
    pub fn x_axis(mut self, title: impl Into<String>) -> PlotOptions {
        self.x_axis = Some(title.into());
        self
    }

    /// Sets the legend entry of a single series.
    pub fn legend_name(mut self, name: impl Into<String>) -> PlotOptions {
        self.legend_name = Some(name.into());
        self
    }

    /// Draws only labels at or after `bound` (a date, a number or text).
    pub fn start(mut self, bound: impl Into<Bound>) -> PlotOptions {
        self.start = Some(bound.into());
        self
    }

    /// Draws only labels at or before `bound`.
    pub fn end(mut self, bound: impl Into<Bound>) -> PlotOptions {
        self.end = Some(bound.into());
        self
    }
}

/// The `unit` parameter of the newest transformation step that has one (index normalisation
/// records it).
fn normalized_unit(ts: &TimeSeries) -> Option<String> {
    ts.processing_steps()
        .iter()
        .rev()
        .filter(|s| s.step_type == ProcessingType::Transformation)
        .find_map(|s| match s.parameters.as_ref()?.get("unit")? {
            ParamValue::String(u) => Some(u.clone()),
            other => Some(other.to_string()),
        })
}

fn trace(ts: &TimeSeries, legend: String, options: &PlotOptions) -> Result<Trace> {
    let p = points(ts, options.start.as_ref(), options.end.as_ref())?;
    let (mode, symbol) = style_for(ts.processing_steps());
    Ok(Trace {
        name: legend,
        x: p.x,
        y: p.y,
        mode,
        symbol,
    })
}

/// The figure of one series: title `Time series plot of <signal>`, y `<signal> values`,
/// x `Time` (or `Time (<unit>)` after index normalisation), legend `<BASE>#<n>`.
pub fn plot_time_series(ts: &TimeSeries, options: &PlotOptions) -> Result<Figure> {
    let (signal, legend) = match TsName::parse(ts.name()) {
        Ok(n) if !n.signal.is_empty() => {
            let legend = match n.number {
                Some(k) => format!("{}#{k}", n.base),
                None => n.base,
            };
            (n.signal, legend)
        }
        _ => ("<No signal>".to_owned(), ts.name().to_owned()),
    };
    let x_title = options
        .x_axis
        .clone()
        .unwrap_or_else(|| match normalized_unit(ts) {
            Some(unit) => format!("Time ({unit})"),
            None => "Time".into(),
        });
    let legend = options.legend_name.clone().unwrap_or(legend);
    Ok(Figure::single(
        options
            .title
            .clone()
            .unwrap_or_else(|| format!("Time series plot of {signal}")),
        Subplot {
            x_title,
            y_title: options
                .y_axis
                .clone()
                .unwrap_or_else(|| format!("{signal} values")),
            traces: vec![trace(ts, legend, options)?],
        },
    ))
}

/// The group a series is drawn in on a signal figure: datetime indexes together, normalised
/// indexes by unit, other indexes by class.
fn index_group(ts: &TimeSeries) -> (String, Option<String>) {
    match ts.index_kind() {
        IndexKind::Datetime { .. } => ("DatetimeIndex".into(), None),
        kind => match normalized_unit(ts) {
            Some(unit) => (format!("Normalized({unit})"), Some(unit)),
            None => (kind.type_name().into(), None),
        },
    }
}

/// The figure of several series of one signal: title `Time series plot of <signal>`,
/// y `<signal> (<units>)`, one trace per series named by its full name. Series with
/// different kinds of index are drawn in stacked panels (height 400 px each).
pub fn plot_signal(signal: &Signal, names: &[&str], options: &PlotOptions) -> Result<Figure> {
    if names.is_empty() {
        return Err(PlotError::Empty(format!(
            "no series of signal {:?} were named",
            signal.name()
        )));
    }
    let title = options
        .title
        .clone()
        .unwrap_or_else(|| format!("Time series plot of {}", signal.name()));
    let y_title = options
        .y_axis
        .clone()
        .unwrap_or_else(|| format!("{} ({})", signal.name(), signal.units()));
    let x_default = options.x_axis.clone().unwrap_or_else(|| "Time".into());
    let mut groups: Vec<(String, Subplot)> = Vec::new();
    for name in names {
        let ts = signal.time_series(name)?;
        let (group, unit) = index_group(ts);
        let t = trace(ts, ts.name().to_owned(), options)?;
        match groups.iter_mut().find(|(g, _)| *g == group) {
            Some((_, subplot)) => subplot.traces.push(t),
            None => {
                let x_title = match (&options.x_axis, unit) {
                    (None, Some(unit)) => format!("Time ({unit})"),
                    _ => x_default.clone(),
                };
                groups.push((
                    group,
                    Subplot {
                        x_title,
                        y_title: y_title.clone(),
                        traces: vec![t],
                    },
                ));
            }
        }
    }
    let n = groups.len();
    Ok(Figure {
        title,
        subplots: groups.into_iter().map(|(_, s)| s).collect(),
        shared_x: false,
        vertical_spacing: 0.15 / n as f64,
        height: (n > 1).then_some(400 * n as u32),
    })
}

/// The figure of several signals of a dataset: title `Time series plots of dataset <name>`,
/// one panel per signal (shared x axis) holding the named series of that signal, each panel's
/// y title `<signal> <y_axis> (<units>)` with `y_axis` defaulting to `Values`.
pub fn plot_dataset(
    dataset: &Dataset,
    signal_names: &[&str],
    names: &[&str],
    options: &PlotOptions,
) -> Result<Figure> {
    if signal_names.is_empty() {
        return Err(PlotError::Empty(format!(
            "no signals of dataset {:?} were named",
            dataset.name()
        )));
    }
    let signals = signal_names
        .iter()
        .map(|s| dataset.signal(s))
        .collect::<Result<Vec<_>, _>>()?;
    if let Some(stray) = names
        .iter()
        .find(|n| !signals.iter().any(|s| s.time_series(n).is_ok()))
    {
        let mut available: Vec<String> = signals
            .iter()
            .flat_map(|s| s.all_time_series())
            .map(str::to_owned)
            .collect();
        available.sort();
        return Err(Error::NotFound {
            kind: ObjectKind::TimeSeries,
            name: (*stray).to_owned(),
            available,
        }
        .into());
    }
    let y_word = options.y_axis.clone().unwrap_or_else(|| "Values".into());
    let x_title = options.x_axis.clone().unwrap_or_else(|| "Time".into());
    let mut subplots = Vec::new();
    for signal in &signals {
        let traces = names
            .iter()
            .filter_map(|n| signal.time_series(n).ok())
            .map(|ts| trace(ts, ts.name().to_owned(), options))
            .collect::<Result<Vec<_>>>()?;
        subplots.push(Subplot {
            x_title: x_title.clone(),
            y_title: format!("{} {y_word} ({})", signal.name(), signal.units()),
            traces,
        });
    }
    let kinds: Vec<_> = subplots
        .iter()
        .flat_map(|s| s.traces.iter())
        .map(|t| std::mem::discriminant::<XValues>(&t.x))
        .collect();
    let n = subplots.len();
    Ok(Figure {
        title: options
            .title
            .clone()
            .unwrap_or_else(|| format!("Time series plots of dataset {}", dataset.name())),
        subplots,
        shared_x: kinds.windows(2).all(|w| w[0] == w[1]),
        vertical_spacing: 0.02,
        height: (n > 1).then_some(300 * n as u32),
    })
}

/// `plot` on [`TimeSeries`].
pub trait TimeSeriesPlot {
    /// The figure of this series; see [`plot_time_series`].
    fn plot(&self, options: &PlotOptions) -> Result<Figure>;
}

impl TimeSeriesPlot for TimeSeries {
    fn plot(&self, options: &PlotOptions) -> Result<Figure> {
        plot_time_series(self, options)
    }
}

/// `plot` on [`Signal`].
pub trait SignalPlot {
    /// The figure of the series `names` of this signal; see [`plot_signal`].
    fn plot(&self, names: &[&str], options: &PlotOptions) -> Result<Figure>;
}

impl SignalPlot for Signal {
    fn plot(&self, names: &[&str], options: &PlotOptions) -> Result<Figure> {
        plot_signal(self, names, options)
    }
}

/// `plot` on [`Dataset`].
pub trait DatasetPlot {
    /// The figure of the series `names` of the signals `signals`; see [`plot_dataset`].
    fn plot(&self, signals: &[&str], names: &[&str], options: &PlotOptions) -> Result<Figure>;
}

impl DatasetPlot for Dataset {
    fn plot(&self, signals: &[&str], names: &[&str], options: &PlotOptions) -> Result<Figure> {
        plot_dataset(self, signals, names, options)
    }
}
