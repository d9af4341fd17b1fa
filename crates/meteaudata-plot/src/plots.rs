//! Figures of a series, of series of a signal and of signals of a dataset: one trace per
//! series, one panel per signal in a dataset figure.

use meteaudata_core::name::TsName;
use meteaudata_core::{
    Dataset, Error, IndexKind, ObjectKind, ParamValue, ProcessingType, Signal, TimeSeries,
};

use crate::error::{PlotError, Result};
use crate::figure::{Figure, Subplot, Trace, XValues};
use crate::labels::{Bound, Missed, points};
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

/// `Time`, with the time zone of the series' labels when they have one (`Time (UTC)`).
fn time_title(series: &[&TimeSeries]) -> String {
    let zone = series.iter().find_map(|ts| match ts.index_kind() {
        IndexKind::Datetime {
            time_zone: Some(zone),
            ..
        } => Some(zone),
        _ => None,
    });
    match zone {
        Some(zone) => format!("Time ({zone})"),
        None => "Time".into(),
    }
}

fn trace(ts: &TimeSeries, legend: String, options: &PlotOptions) -> Result<(Trace, Missing)> {
    let p = points(ts, options.start.as_ref(), options.end.as_ref())?;
    let (mode, symbol) = style_for(ts.processing_steps());
    let missing = p.missed.map(|m| (ts.name().to_owned(), m));
    Ok((
        Trace {
            name: legend,
            x: p.x,
            y: p.y,
            mode,
            symbol,
        },
        missing,
    ))
}

/// A series the bounds left without points, and why.
type Missing = Option<(String, Missed)>;

/// Fails when the bounds left no point in any of the series drawn (a figure of empty axes
/// helps nobody): the error names the bound and the range of the data.
fn some_points_within(traces: &[(Trace, Missing)]) -> Result<()> {
    if traces.is_empty() || traces.iter().any(|(t, m)| m.is_none() || !t.y.is_empty()) {
        return Ok(());
    }
    let (_, Some((_, first))) = &traces[0] else {
        return Ok(());
    };
    let ranges: Vec<String> = traces
        .iter()
        .filter_map(|(_, m)| m.as_ref())
        .map(|(name, m)| format!("{name} runs from {} to {}", m.first, m.last))
        .collect();
    Err(PlotError::Bound {
        which: first.which,
        value: first.value.clone(),
        series: traces
            .iter()
            .filter_map(|(_, m)| m.as_ref().map(|(n, _)| n.as_str()))
            .collect::<Vec<_>>()
            .join(", "),
        reason: format!("no point lies within the bounds: {}", ranges.join("; ")),
    })
}

/// The traces of `made`, once [`some_points_within`] holds.
fn checked(made: Vec<(Trace, Missing)>) -> Result<Vec<Trace>> {
    some_points_within(&made)?;
    Ok(made.into_iter().map(|(t, _)| t).collect())
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
            None => time_title(&[ts]),
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
            traces: checked(vec![trace(ts, legend, options)?])?,
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
    let x_default = options.x_axis.clone().unwrap_or_else(|| {
        let series: Vec<&TimeSeries> = names
            .iter()
            .filter_map(|n| signal.time_series(n).ok())
            .collect();
        time_title(&series)
    });
    let series = names
        .iter()
        .map(|name| signal.time_series(name))
        .collect::<Result<Vec<_>, _>>()?;
    let traces = checked(
        series
            .iter()
            .map(|ts| trace(ts, ts.name().to_owned(), options))
            .collect::<Result<Vec<_>>>()?,
    )?;
    let mut groups: Vec<(String, Subplot)> = Vec::new();
    for (ts, t) in series.into_iter().zip(traces) {
        let (group, unit) = index_group(ts);
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
        // Room between panels for the tick labels and the x title of each (about 100 px).
        vertical_spacing: 0.25 / n as f64,
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
    let mut made: Vec<(usize, (Trace, Missing))> = Vec::new();
    for (i, signal) in signals.iter().enumerate() {
        for ts in names.iter().filter_map(|n| signal.time_series(n).ok()) {
            made.push((i, trace(ts, ts.name().to_owned(), options)?));
        }
    }
    let (panel_of, made): (Vec<usize>, Vec<_>) = made.into_iter().unzip();
    let mut traces = checked(made)?.into_iter().zip(panel_of).peekable();
    let mut subplots = Vec::new();
    for (i, signal) in signals.iter().enumerate() {
        let mut panel = Vec::new();
        while let Some((t, _)) = traces.next_if(|(_, p)| *p == i) {
            panel.push(t);
        }
        let shown: Vec<&TimeSeries> = names
            .iter()
            .filter_map(|n| signal.time_series(n).ok())
            .collect();
        subplots.push(Subplot {
            x_title: options.x_axis.clone().unwrap_or_else(|| time_title(&shown)),
            y_title: format!("{} {y_word} ({})", signal.name(), signal.units()),
            traces: panel,
        });
    }
    let n = subplots.len();
    Ok(Figure {
        title: options
            .title
            .clone()
            .unwrap_or_else(|| format!("Time series plots of dataset {}", dataset.name())),
        shared_x: overlapping(&subplots),
        subplots,
        // Room between panels for the tick labels and the x title of each (about 90 px).
        vertical_spacing: 0.3 / n as f64,
        height: (n > 1).then_some(300 * n as u32),
    })
}

/// Whether the panels can share one x axis: the same kind of labels, and time ranges that
/// meet (panels of different years would leave each other a sliver).
fn overlapping(subplots: &[Subplot]) -> bool {
    let traces: Vec<&Trace> = subplots.iter().flat_map(|s| s.traces.iter()).collect();
    let same_kind = traces
        .windows(2)
        .all(|w| std::mem::discriminant(&w[0].x) == std::mem::discriminant(&w[1].x));
    let spans: Vec<(f64, f64)> = subplots
        .iter()
        .filter_map(|s| {
            let xs: Vec<f64> = s
                .traces
                .iter()
                .flat_map(|t| match &t.x {
                    XValues::Time(v) => v
                        .iter()
                        .map(|t| t.and_utc().timestamp() as f64)
                        .collect::<Vec<_>>(),
                    XValues::Number(v) => v.clone(),
                    XValues::Text(_) => Vec::new(),
                })
                .collect();
            let lo = xs.iter().copied().fold(f64::INFINITY, f64::min);
            let hi = xs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            (lo <= hi).then_some((lo, hi))
        })
        .collect();
    let meet = spans.iter().map(|s| s.0).fold(f64::NEG_INFINITY, f64::max)
        <= spans.iter().map(|s| s.1).fold(f64::INFINITY, f64::min);
    same_kind && meet
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
