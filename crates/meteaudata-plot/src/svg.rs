//! Static SVG rendering of a [`Figure`] with plotters: one panel per subplot, one polyline per
//! unbroken run of points (gaps stay gaps), markers where the trace mode has them.

use std::ops::Range;

use chrono::DateTime;
use plotters::coord::Shift;
use plotters::prelude::*;

use crate::error::{PlotError, Result};
use crate::figure::{Figure, Subplot, Trace, XValues};
use crate::style::Symbol;

/// Plotly's default colour sequence, so both renderings colour traces alike.
pub const PALETTE: [(u8, u8, u8); 10] = [
    (0x63, 0x6e, 0xfa),
    (0xef, 0x55, 0x3b),
    (0x00, 0xcc, 0x96),
    (0xab, 0x63, 0xfa),
    (0xff, 0xa1, 0x5a),
    (0x19, 0xd3, 0xf3),
    (0xff, 0x66, 0x92),
    (0xb6, 0xe8, 0x80),
    (0xff, 0x97, 0xff),
    (0xfe, 0xcb, 0x52),
];

fn svg_err(e: impl std::fmt::Display) -> PlotError {
    PlotError::Svg(e.to_string())
}

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

fn padded(lo: f64, hi: f64, fallback: f64) -> Range<f64> {
    if !lo.is_finite() || !hi.is_finite() {
        return 0.0..1.0;
    }
    if lo == hi {
        return lo - fallback..hi + fallback;
    }
    let pad = (hi - lo) * 0.03;
    lo - pad..hi + pad
}

fn ranges(subplot: &Subplot) -> (Range<f64>, Range<f64>) {
    let (mut x0, mut x1, mut y0, mut y1) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
    for t in &subplot.traces {
        for (x, y) in x_numbers(&t.x).into_iter().zip(&t.y) {
            if let Some(y) = y.filter(|_| x.is_finite()) {
                x0 = x0.min(x);
                x1 = x1.max(x);
                y0 = y0.min(y);
                y1 = y1.max(y);
            }
        }
    }
    let time = matches!(subplot.traces.first().map(|t| &t.x), Some(XValues::Time(_)));
    (
        padded(x0, x1, if time { 3600.0 } else { 1.0 }),
        padded(y0, y1, 1.0),
    )
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

fn tick_label(x: &XValues, span: f64, v: f64) -> String {
    match x {
        XValues::Time(_) => {
            let t = DateTime::from_timestamp_micros((v * 1e6) as i64)
                .map(|t| t.naive_utc())
                .unwrap_or_default();
            if span > 3.0 * 86_400.0 {
                t.format("%Y-%m-%d").to_string()
            } else {
                t.format("%m-%d %H:%M").to_string()
            }
        }
        XValues::Number(_) => format!("{v}"),
        XValues::Text(labels) => {
            let i = v.round();
            if (v - i).abs() < 1e-9 && i >= 0.0 && (i as usize) < labels.len() {
                labels[i as usize].clone()
            } else {
                String::new()
            }
        }
    }
}

fn draw_panel(
    area: &DrawingArea<SVGBackend<'_>, Shift>,
    subplot: &Subplot,
    caption: Option<&str>,
    first_color: usize,
) -> Result<()> {
    let (xr, yr) = ranges(subplot);
    let span = xr.end - xr.start;
    let mut builder = ChartBuilder::on(area);
    builder
        .margin(12)
        .x_label_area_size(45)
        .y_label_area_size(70);
    if let Some(caption) = caption {
        builder.caption(caption, ("sans-serif", 20));
    }
    let mut chart = builder.build_cartesian_2d(xr, yr).map_err(svg_err)?;
    let sample = subplot.traces.first().map(|t| t.x.clone());
    let formatter = |v: &f64| {
        sample
            .as_ref()
            .map_or_else(String::new, |x| tick_label(x, span, *v))
    };
    chart
        .configure_mesh()
        .light_line_style(RGBColor(0xeb, 0xf0, 0xf8))
        .x_desc(subplot.x_title.as_str())
        .y_desc(subplot.y_title.as_str())
        .x_labels(6)
        .x_label_formatter(&formatter)
        .draw()
        .map_err(svg_err)?;
    for (i, trace) in subplot.traces.iter().enumerate() {
        let (r, g, b) = PALETTE[(first_color + i) % PALETTE.len()];
        let color = RGBColor(r, g, b);
        let runs = segments(trace);
        if trace.mode.has_lines() {
            for run in &runs {
                chart
                    .draw_series(LineSeries::new(run.iter().copied(), color.stroke_width(2)))
                    .map_err(svg_err)?;
            }
        }
        if trace.mode.has_markers() {
            let symbol = trace.symbol;
            chart
                .draw_series(
                    runs.iter()
                        .flatten()
                        .map(|&(x, y)| marker(symbol, (x, y), color)),
                )
                .map_err(svg_err)?;
        }
        chart
            .draw_series(std::iter::empty::<Circle<(f64, f64), i32>>())
            .map_err(svg_err)?
            .label(trace.name.as_str())
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], color));
    }
    if !subplot.traces.is_empty() {
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK.mix(0.3))
            .draw()
            .map_err(svg_err)?;
    }
    Ok(())
}

fn marker<DB: DrawingBackend>(
    symbol: Symbol,
    at: (f64, f64),
    color: RGBColor,
) -> DynElement<'static, DB, (f64, f64)> {
    match symbol {
        Symbol::X | Symbol::Cross | Symbol::Star => Cross::new(at, 4, color).into_dyn(),
        Symbol::TriangleUp | Symbol::TriangleLeft | Symbol::TriangleRight => {
            TriangleMarker::new(at, 4, color.filled()).into_dyn()
        }
        Symbol::Circle | Symbol::Square | Symbol::Diamond => {
            Circle::new(at, 3, color.filled()).into_dyn()
        }
    }
}

impl Figure {
    /// The figure as an SVG document of `width` pixels; the height is the figure's own, or
    /// 450 pixels.
    pub fn to_svg(&self, width: u32) -> Result<String> {
        let height = self.height.unwrap_or(450);
        let mut out = String::new();
        {
            let root = SVGBackend::with_string(&mut out, (width, height)).into_drawing_area();
            root.fill(&WHITE).map_err(svg_err)?;
            let panels = root.split_evenly((self.subplots.len().max(1), 1));
            let mut color = 0;
            for (i, (area, subplot)) in panels.iter().zip(&self.subplots).enumerate() {
                let caption = (i == 0).then_some(self.title.as_str());
                draw_panel(area, subplot, caption, color)?;
                color += subplot.traces.len();
            }
            root.present().map_err(svg_err)?;
        }
        Ok(out)
    }
}
