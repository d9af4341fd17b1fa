//! Static SVG rendering of a [`Figure`], written element by element: stacked panels with
//! calendar (or round-number) ticks, one polyline per unbroken run of points (gaps stay
//! gaps), each trace's marker symbol, and the legend to the right of the panels, in the
//! colours and styles of the HTML figure.

use std::fmt::Write;

use meteaudata_core::display::escape_html;

use crate::error::Result;
use crate::figure::{Figure, Subplot, Trace, XValues};
use crate::style::{Symbol, color};
use crate::ticks::{Tick, number_ticks, text_width, time_ticks};

const FONT: &str = "font-family=\"Helvetica, Arial, sans-serif\"";
const TITLE_SIZE: f64 = 18.0;
const AXIS_SIZE: f64 = 14.0;
const TICK_SIZE: f64 = 12.0;
const LEGEND_SIZE: f64 = 13.0;
const LEGEND_ROW: f64 = 22.0;
const MARKER: f64 = 4.0;
const GRID: &str = "#e5eaf2";
const AXIS: &str = "#555";

/// The x coordinate of every point as a number: seconds since 1970 for times, the position
/// for text labels.
fn x_numbers(x: &XValues) -> Vec<f64> {
    match x {
        XValues::Time(v) => v
            .iter()
            .map(|t| t.and_utc().timestamp_micros() as f64 / 1e6)
            .collect(),
        XValues::Number(v) => v.clone(),
        XValues::Text(v) => (0..v.len()).map(|i| i as f64).collect(),
    }
}

/// The unbroken runs of drawable points of a trace.
pub fn segments(trace: &Trace) -> Vec<Vec<(f64, f64)>> {
    let mut out = vec![Vec::new()];
    for (x, y) in x_numbers(&trace.x).into_iter().zip(&trace.y) {
        match y.filter(|_| x.is_finite()) {
            Some(y) => out.last_mut().map_or((), |s| s.push((x, y))),
            None if out.last().is_some_and(|s| !s.is_empty()) => out.push(Vec::new()),
            None => {}
        }
    }
    out.retain(|s| !s.is_empty());
    out
}

/// `[lo, hi]` widened by a twentieth on each side (or around a single value).
fn padded(lo: f64, hi: f64, fallback: f64) -> (f64, f64) {
    if !lo.is_finite() || !hi.is_finite() {
        return (0.0, 1.0);
    }
    if lo == hi {
        return (lo - fallback, hi + fallback);
    }
    let pad = (hi - lo) * 0.05;
    (lo - pad, hi + pad)
}

/// What is needed to draw one panel: its data ranges and ticks.
struct Panel<'a> {
    subplot: &'a Subplot,
    x: (f64, f64),
    y: (f64, f64),
    y_ticks: Vec<Tick>,
}

impl<'a> Panel<'a> {
    fn new(subplot: &'a Subplot, height: f64) -> Panel<'a> {
        let (mut x0, mut x1, mut y0, mut y1) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
        for run in subplot.traces.iter().flat_map(segments) {
            for (x, y) in run {
                (x0, x1, y0, y1) = (x0.min(x), x1.max(x), y0.min(y), y1.max(y));
            }
        }
        let time = matches!(subplot.traces.first().map(|t| &t.x), Some(XValues::Time(_)));
        let y = padded(y0, y1, 1.0);
        Panel {
            subplot,
            x: padded(x0, x1, if time { 3600.0 } else { 1.0 }),
            y,
            y_ticks: number_ticks(y.0, y.1, height, |_| TICK_SIZE * 2.2),
        }
    }

    fn x_ticks(&self, width: f64) -> Vec<Tick> {
        match self.subplot.traces.first().map(|t| &t.x) {
            Some(XValues::Time(_)) => time_ticks(self.x.0, self.x.1, width, TICK_SIZE),
            Some(XValues::Text(labels)) => {
                let widest = labels
                    .iter()
                    .map(|l| text_width(l, TICK_SIZE))
                    .fold(0.0, f64::max);
                let fit = (width / (widest + TICK_SIZE)).max(1.0) as usize;
                let stride = labels.len().div_ceil(fit).max(1);
                (0..labels.len())
                    .step_by(stride)
                    .map(|i| Tick {
                        at: i as f64,
                        label: labels[i].clone(),
                        context: None,
                    })
                    .collect()
            }
            _ => number_ticks(self.x.0, self.x.1, width, |l| {
                text_width(l, TICK_SIZE) + TICK_SIZE * 1.5
            }),
        }
    }
}

/// A rectangle of the drawing, and the mapping of data coordinates into it.
#[derive(Clone, Copy)]
struct Frame {
    left: f64,
    top: f64,
    width: f64,
    height: f64,
    x: (f64, f64),
    y: (f64, f64),
}

impl Frame {
    fn px(&self, x: f64) -> f64 {
        self.left + (x - self.x.0) / (self.x.1 - self.x.0) * self.width
    }

    fn py(&self, y: f64) -> f64 {
        self.top + self.height - (y - self.y.0) / (self.y.1 - self.y.0) * self.height
    }
}

fn text(out: &mut String, class: &str, (x, y): (f64, f64), size: f64, anchor: &str, content: &str) {
    let _ = writeln!(
        out,
        "<text class=\"{class}\" x=\"{x:.1}\" y=\"{y:.1}\" font-size=\"{size}\" {FONT} \
         text-anchor=\"{anchor}\" fill=\"#222\">{}</text>",
        escape_html(content)
    );
}

/// The outline of `symbol` at `(x, y)`, and whether it is filled (else stroked).
fn marker_path(symbol: Symbol, x: f64, y: f64) -> (String, bool) {
    let r = MARKER;
    let h = r * 1.7;
    match symbol {
        Symbol::Circle => (
            format!(
                "M{:.1},{y:.1}a{r},{r} 0 1,0 {},0a{r},{r} 0 1,0 -{},0",
                x - r,
                2.0 * r,
                2.0 * r
            ),
            true,
        ),
        Symbol::Square => (
            format!(
                "M{:.1},{:.1}h{}v{}h-{}z",
                x - r,
                y - r,
                2.0 * r,
                2.0 * r,
                2.0 * r
            ),
            true,
        ),
        Symbol::Diamond => (
            format!("M{x:.1},{:.1}l{r},{r}l-{r},{r}l-{r},-{r}z", y - r),
            true,
        ),
        Symbol::TriangleUp => (
            format!("M{x:.1},{:.1}l{h},{}h-{}z", y - h, 2.0 * r + 1.0, 2.0 * h),
            true,
        ),
        Symbol::TriangleLeft => (
            format!("M{:.1},{y:.1}l{},-{h}v{}z", x - h, 2.0 * r + 1.0, 2.0 * h),
            true,
        ),
        Symbol::TriangleRight => (
            format!("M{:.1},{y:.1}l-{},-{h}v{}z", x + h, 2.0 * r + 1.0, 2.0 * h),
            true,
        ),
        Symbol::X => (
            format!(
                "M{:.1},{:.1}l{},{}M{:.1},{:.1}l{},-{}",
                x - r,
                y - r,
                2.0 * r,
                2.0 * r,
                x - r,
                y + r,
                2.0 * r,
                2.0 * r
            ),
            false,
        ),
        Symbol::Cross => (
            format!(
                "M{:.1},{y:.1}h{}M{x:.1},{:.1}v{}",
                x - h,
                2.0 * h,
                y - h,
                2.0 * h
            ),
            false,
        ),
        Symbol::Star => {
            let mut d = String::new();
            for k in 0..10 {
                let radius = if k % 2 == 0 { h } else { h * 0.45 };
                let angle = std::f64::consts::PI * (k as f64 / 5.0 - 0.5);
                let _ = write!(
                    d,
                    "{}{:.1},{:.1}",
                    if k == 0 { "M" } else { "L" },
                    x + radius * angle.cos(),
                    y + radius * angle.sin()
                );
            }
            d.push('z');
            (d, true)
        }
    }
}

fn markers(out: &mut String, symbol: Symbol, points: &[(f64, f64)], color: &str) {
    let mut d = String::new();
    let mut filled = true;
    for &(x, y) in points {
        let (path, fill) = marker_path(symbol, x, y);
        d.push_str(&path);
        filled = fill;
    }
    if d.is_empty() {
        return;
    }
    let paint = if filled {
        format!("fill=\"{color}\"")
    } else {
        format!("fill=\"none\" stroke=\"{color}\" stroke-width=\"1.5\"")
    };
    let _ = writeln!(out, "<path class=\"markers\" d=\"{d}\" {paint}/>");
}

/// The text of a tick label: one line, or two with the date or year below.
fn tick_label(out: &mut String, tick: &Tick, x: f64, y: f64) {
    let _ = write!(
        out,
        "<text class=\"tick\" x=\"{x:.1}\" y=\"{y:.1}\" font-size=\"{TICK_SIZE}\" {FONT} \
         text-anchor=\"middle\" fill=\"#444\">{}",
        escape_html(&tick.label)
    );
    if let Some(context) = &tick.context {
        let _ = write!(
            out,
            "<tspan x=\"{x:.1}\" dy=\"{:.1}\">{}</tspan>",
            TICK_SIZE * 1.25,
            escape_html(context)
        );
    }
    out.push_str("</text>\n");
}

impl Figure {
    /// The figure as an SVG document of `width` pixels; the height is the figure's own, or
    /// 450 pixels. The legend sits to the right of the panels, never over the data.
    pub fn to_svg(&self, width: u32) -> Result<String> {
        let (w, h) = (
            f64::from(width.max(200)),
            f64::from(self.height.unwrap_or(450)),
        );
        let traces: Vec<&Trace> = self.traces().collect();
        let legend_width = traces
            .iter()
            .map(|t| text_width(&t.name, LEGEND_SIZE))
            .fold(0.0, f64::max)
            .min(w * 0.35)
            + 52.0;
        let n = self.subplots.len().max(1) as f64;
        let top = 54.0;
        let panel_height = (h - top - 6.0) / n;
        // Below each plot: two lines of tick labels and the axis title.
        let below = TICK_SIZE * 2.6 + AXIS_SIZE + 16.0;
        let plot_height = (panel_height - below - 8.0).max(20.0);
        let panels: Vec<Panel<'_>> = self
            .subplots
            .iter()
            .map(|s| Panel::new(s, plot_height))
            .collect();
        let widest_y = panels
            .iter()
            .flat_map(|p| &p.y_ticks)
            .map(|t| text_width(&t.label, TICK_SIZE))
            .fold(0.0, f64::max);
        let left = 10.0 + AXIS_SIZE + 10.0 + widest_y + 8.0;
        let right = w - legend_width - 16.0;
        let plot_width = (right - left).max(20.0);

        let mut out = format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" \
             viewBox=\"0 0 {w} {h}\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
        );
        text(
            &mut out,
            "title",
            (left + plot_width / 2.0, 30.0),
            TITLE_SIZE,
            "middle",
            &self.title,
        );
        let mut trace_index = 0;
        for (i, panel) in panels.iter().enumerate() {
            let frame = Frame {
                left,
                top: top + i as f64 * panel_height,
                width: plot_width,
                height: plot_height,
                x: panel.x,
                y: panel.y,
            };
            self.draw_panel(&mut out, i, panel, frame, right + 8.0, &mut trace_index);
        }
        // The legend: a sample of each trace (its line and/or marker) and its name.
        for (i, trace) in traces.iter().enumerate() {
            let y = top + 6.0 + i as f64 * LEGEND_ROW;
            let x = right + 16.0;
            let c = color(i);
            if trace.mode.has_lines() {
                let _ = writeln!(
                    out,
                    "<path d=\"M{x:.1},{y:.1}h24\" stroke=\"{c}\" stroke-width=\"2\"/>"
                );
            }
            if trace.mode.has_markers() {
                markers(&mut out, trace.symbol, &[(x + 12.0, y)], c);
            }
            text(
                &mut out,
                "legend",
                (x + 32.0, y + LEGEND_SIZE * 0.35),
                LEGEND_SIZE,
                "start",
                &trace.name,
            );
        }
        out.push_str("</svg>\n");
        Ok(out)
    }

    fn draw_panel(
        &self,
        out: &mut String,
        i: usize,
        panel: &Panel<'_>,
        frame: Frame,
        label_limit: f64,
        trace_index: &mut usize,
    ) {
        let Frame {
            left,
            top,
            width,
            height,
            ..
        } = frame;
        let bottom = top + height;
        // Grid and axes.
        for tick in &panel.y_ticks {
            let y = frame.py(tick.at);
            let _ = writeln!(
                out,
                "<path d=\"M{left:.1},{y:.1}h{width:.1}\" stroke=\"{GRID}\"/>"
            );
            text(
                out,
                "tick",
                (left - 8.0, y + TICK_SIZE * 0.35),
                TICK_SIZE,
                "end",
                &tick.label,
            );
        }
        let x_ticks = panel.x_ticks(width);
        for tick in &x_ticks {
            let x = frame.px(tick.at);
            let _ = writeln!(
                out,
                "<path d=\"M{x:.1},{top:.1}v{height:.1}\" stroke=\"{GRID}\"/>"
            );
            // Labels stay inside the figure: an end label is moved in, not cut.
            let half = text_width(&tick.label, TICK_SIZE).max(
                tick.context
                    .as_deref()
                    .map_or(0.0, |c| text_width(c, TICK_SIZE)),
            ) / 2.0;
            let at = x.clamp(half + 2.0, (label_limit - half).max(half + 2.0));
            tick_label(out, tick, at, bottom + TICK_SIZE + 6.0);
        }
        let _ = writeln!(
            out,
            "<path d=\"M{left:.1},{top:.1}v{height:.1}h{width:.1}\" stroke=\"{AXIS}\" fill=\"none\"/>"
        );
        text(
            out,
            "axis-title",
            (
                left + width / 2.0,
                bottom + TICK_SIZE * 2.6 + AXIS_SIZE + 8.0,
            ),
            AXIS_SIZE,
            "middle",
            &panel.subplot.x_title,
        );
        let (tx, ty) = (10.0 + AXIS_SIZE * 0.8, top + height / 2.0);
        let _ = writeln!(
            out,
            "<text class=\"axis-title\" x=\"{tx:.1}\" y=\"{ty:.1}\" font-size=\"{AXIS_SIZE}\" \
             {FONT} text-anchor=\"middle\" fill=\"#222\" transform=\"rotate(-90 {tx:.1} {ty:.1})\">{}</text>",
            escape_html(&panel.subplot.y_title)
        );
        if panel.subplot.traces.iter().all(|t| segments(t).is_empty()) {
            text(
                out,
                "note",
                (left + width / 2.0, top + height / 2.0),
                AXIS_SIZE,
                "middle",
                "no data",
            );
        }
        // The data, clipped to the plot.
        let _ = writeln!(
            out,
            "<clipPath id=\"panel{i}\"><rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\"/></clipPath>\n\
             <g clip-path=\"url(#panel{i})\">",
            left - MARKER * 2.0,
            top - MARKER * 2.0,
            width + MARKER * 4.0,
            height + MARKER * 4.0
        );
        for trace in &panel.subplot.traces {
            let c = color(*trace_index);
            *trace_index += 1;
            let runs: Vec<Vec<(f64, f64)>> = segments(trace)
                .into_iter()
                .map(|run| {
                    run.into_iter()
                        .map(|(x, y)| (frame.px(x), frame.py(y)))
                        .collect()
                })
                .collect();
            if trace.mode.has_lines() {
                for run in runs.iter().filter(|r| r.len() > 1) {
                    let points: Vec<String> =
                        run.iter().map(|(x, y)| format!("{x:.1},{y:.1}")).collect();
                    let _ = writeln!(
                        out,
                        "<polyline points=\"{}\" fill=\"none\" stroke=\"{c}\" stroke-width=\"2\"/>",
                        points.join(" ")
                    );
                }
            }
            if trace.mode.has_markers() || runs.iter().all(|r| r.len() == 1) {
                let all: Vec<(f64, f64)> = runs.into_iter().flatten().collect();
                markers(out, trace.symbol, &all, c);
            }
        }
        out.push_str("</g>\n");
    }
}
