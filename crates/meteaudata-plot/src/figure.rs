//! The figure model: subplots of scatter traces with titles, inspectable field by field and
//! rendered to Plotly JSON ([`Figure::to_plotly_json`]), a self-contained HTML page
//! ([`Figure::to_html`]) or SVG ([`Figure::to_svg`]).

use chrono::NaiveDateTime;
use serde_json::{Map, Value, json};

use crate::style::{Mode, Symbol, color};

/// The x coordinates of a trace.
#[derive(Debug, Clone, PartialEq)]
pub enum XValues {
    /// Dates and times (wall-clock time in the index's zone).
    Time(Vec<NaiveDateTime>),
    /// Numbers (integer, float and range indexes; durations in seconds).
    Number(Vec<f64>),
    /// Text labels.
    Text(Vec<String>),
}

impl XValues {
    /// The number of coordinates.
    pub fn len(&self) -> usize {
        match self {
            XValues::Time(v) => v.len(),
            XValues::Number(v) => v.len(),
            XValues::Text(v) => v.len(),
        }
    }

    /// Whether there are no coordinates.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn to_json(&self) -> Value {
        match self {
            XValues::Time(v) => v
                .iter()
                .map(|t| Value::from(t.format("%Y-%m-%dT%H:%M:%S%.f").to_string()))
                .collect(),
            XValues::Number(v) => v.iter().map(|x| json_number(Some(*x))).collect(),
            XValues::Text(v) => v.iter().map(|s| Value::from(s.as_str())).collect(),
        }
    }
}

fn json_number(v: Option<f64>) -> Value {
    v.filter(|x| x.is_finite())
        .and_then(serde_json::Number::from_f64)
        .map_or(Value::Null, Value::Number)
}

/// One scatter trace: a series as drawn.
#[derive(Debug, Clone, PartialEq)]
pub struct Trace {
    /// The legend entry.
    pub name: String,
    /// The x coordinates (the index, shifted for predictions).
    pub x: XValues,
    /// The values; `None` (missing or NaN) is drawn as a gap.
    pub y: Vec<Option<f64>>,
    /// Lines, markers or both.
    pub mode: Mode,
    /// The marker symbol.
    pub symbol: Symbol,
}

/// One panel of a figure.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Subplot {
    /// The x-axis title.
    pub x_title: String,
    /// The y-axis title.
    pub y_title: String,
    /// The traces drawn in this panel.
    pub traces: Vec<Trace>,
}

/// A figure: a title and one or more stacked panels.
#[derive(Debug, Clone, PartialEq)]
pub struct Figure {
    /// The figure title.
    pub title: String,
    /// The panels, top to bottom.
    pub subplots: Vec<Subplot>,
    /// Whether the panels share one x axis.
    pub shared_x: bool,
    /// The vertical gap between panels, as a fraction of the figure height.
    pub vertical_spacing: f64,
    /// The height in pixels (None: the renderer's default).
    pub height: Option<u32>,
}

impl Figure {
    /// A figure with a single panel.
    pub fn single(title: impl Into<String>, subplot: Subplot) -> Figure {
        Figure {
            title: title.into(),
            subplots: vec![subplot],
            shared_x: false,
            vertical_spacing: 0.0,
            height: None,
        }
    }

    /// Every trace, panel after panel.
    pub fn traces(&self) -> impl Iterator<Item = &Trace> {
        self.subplots.iter().flat_map(|s| s.traces.iter())
    }

    /// The figure as a Plotly figure object `{"data": [...], "layout": {...}}`.
    pub fn to_plotly_json(&self) -> Value {
        let n = self.subplots.len().max(1);
        let spacing = if n > 1 { self.vertical_spacing } else { 0.0 };
        let row_height = (1.0 - spacing * (n - 1) as f64) / n as f64;
        let mut data = Vec::new();
        let mut layout = Map::new();
        layout.insert("title".into(), json!({ "text": self.title }));
        layout.insert("showlegend".into(), Value::Bool(true));
        layout.insert("plot_bgcolor".into(), Value::from("white"));
        layout.insert("paper_bgcolor".into(), Value::from("white"));
        if let Some(h) = self.height {
            layout.insert("height".into(), Value::from(h));
        }
        for (row, subplot) in self.subplots.iter().enumerate() {
            let suffix = if row == 0 {
                String::new()
            } else {
                (row + 1).to_string()
            };
            let top = 1.0 - row as f64 * (row_height + spacing);
            let bottom = (top - row_height).max(0.0);
            let mut xaxis = json!({
                "title": { "text": subplot.x_title },
                "anchor": format!("y{suffix}"),
                "gridcolor": "#ebf0f8",
                "zeroline": false,
            });
            if self.shared_x && row > 0 {
                xaxis["matches"] = Value::from("x");
            }
            if matches!(subplot.traces.first().map(|t| &t.x), Some(XValues::Time(_))) {
                xaxis["type"] = Value::from("date");
            }
            layout.insert(format!("xaxis{suffix}"), xaxis);
            layout.insert(
                format!("yaxis{suffix}"),
                json!({
                    "title": { "text": subplot.y_title },
                    "anchor": format!("x{suffix}"),
                    "domain": [bottom, top],
                    "gridcolor": "#ebf0f8",
                    "zeroline": false,
                }),
            );
            for trace in &subplot.traces {
                let color = color(data.len());
                data.push(json!({
                    "type": "scatter",
                    "name": trace.name,
                    "x": trace.x.to_json(),
                    "y": trace.y.iter().map(|v| json_number(*v)).collect::<Vec<_>>(),
                    "mode": trace.mode.as_str(),
                    "marker": { "symbol": trace.symbol.as_str(), "color": color, "size": 7 },
                    "line": { "color": color, "width": 2 },
                    "xaxis": format!("x{suffix}"),
                    "yaxis": format!("y{suffix}"),
                }));
            }
        }
        json!({ "data": data, "layout": layout })
    }
}
