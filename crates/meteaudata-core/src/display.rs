//! Text and HTML views of every model.
//!
//! The text view (`Display`, [`TextDisplay`]) is an indented tree: a `<Class>:` line, then one
//! `  attribute: value` line each, nested objects indented below down to a depth. The HTML
//! view ([`HtmlDisplay`]) is the same tree as nested `<details>` elements; every name and value
//! is HTML-escaped (meteaudata for Python inserts them raw).

use std::collections::HashMap;
use std::fmt::{self, Write};

use chrono::NaiveDateTime;
use polars::prelude::AnyValue;

use crate::dataset::Dataset;
use crate::index::IndexMetadata;
use crate::parameters::Parameters;
use crate::provenance::DataProvenance;
use crate::replay::stale_inputs;
use crate::signal::Signal;
use crate::step::{FunctionInfo, ProcessingStep};
use crate::time_series::TimeSeries;

/// The depth `Display` uses; [`TextDisplay::to_text`] takes any depth.
pub const DEFAULT_DEPTH: usize = 2;

/// Objects that render as an indented text tree.
pub trait TextDisplay {
    /// The tree down to `depth` levels of nested objects.
    fn to_text(&self, depth: usize) -> String;
}

/// Objects that render as an HTML tree.
pub trait HtmlDisplay {
    /// A `<div class="meteaudata-display">` fragment, nested objects as collapsible
    /// `<details>` down to `depth` levels.
    fn to_html(&self, depth: usize) -> String;

    /// A complete HTML page (inline CSS, no scripts) holding [`HtmlDisplay::to_html`].
    fn to_html_page(&self, depth: usize) -> String {
        format!(
            "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>meteaudata</title>\n\
             <style>{HTML_CSS}</style></head>\n<body>\n{}</body></html>\n",
            self.to_html(depth)
        )
    }
}

const HTML_CSS: &str = ".meteaudata-display{font-family:monospace;font-size:13px}\
.meteaudata-display .header{font-weight:bold;color:#1f4e79}\
.meteaudata-display .row{margin-left:1.2em}.meteaudata-display .key{color:#555}\
.meteaudata-display details{margin-left:1.2em}.meteaudata-display summary{cursor:pointer}";

/// Escapes `&`, `<`, `>`, `"` and `'` for HTML text and attribute values.
pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

enum Attr {
    Simple(String),
    Nested(Node),
}

struct Node {
    class: &'static str,
    attrs: Vec<(String, Attr)>,
}

impl Node {
    fn new(class: &'static str) -> Node {
        Node {
            class,
            attrs: Vec::new(),
        }
    }

    fn simple(mut self, key: impl Into<String>, value: impl Into<String>) -> Node {
        self.attrs.push((key.into(), Attr::Simple(value.into())));
        self
    }

    fn nested(mut self, key: impl Into<String>, node: Node) -> Node {
        self.attrs.push((key.into(), Attr::Nested(node)));
        self
    }

    fn render(&self, out: &mut String, indent: usize, depth: usize) {
        let pad = "  ".repeat(indent);
        let _ = writeln!(out, "{pad}{}:", self.class);
        for (key, value) in &self.attrs {
            match value {
                Attr::Simple(v) => {
                    let _ = writeln!(out, "{pad}  {key}: {v}");
                }
                Attr::Nested(node) if depth == 0 => {
                    let _ = writeln!(out, "{pad}  {key}: {}(...)", node.class);
                }
                Attr::Nested(node) => {
                    let _ = writeln!(out, "{pad}  {key}:");
                    node.render(out, indent + 2, depth - 1);
                }
            }
        }
    }
    fn render_html(&self, out: &mut String, depth: usize) {
        let _ = writeln!(
            out,
            "<div class=\"header\">{}</div>",
            escape_html(self.class)
        );
        for (key, value) in &self.attrs {
            let key = escape_html(key);
            match value {
                Attr::Simple(v) => {
                    let _ = writeln!(
                        out,
                        "<div class=\"row\"><span class=\"key\">{key}:</span> {}</div>",
                        escape_html(v)
                    );
                }
                Attr::Nested(node) if depth == 0 => {
                    let _ = writeln!(
                        out,
                        "<div class=\"row\"><span class=\"key\">{key}:</span> {}(...)</div>",
                        escape_html(node.class)
                    );
                }
                Attr::Nested(node) => {
                    let _ = writeln!(out, "<details><summary>{key}</summary>");
                    node.render_html(out, depth - 1);
                    out.push_str("</details>\n");
                }
            }
        }
    }

    fn html(&self, depth: usize) -> String {
        let mut out = String::from("<div class=\"meteaudata-display\">\n");
        self.render_html(&mut out, depth);
        out.push_str("</div>\n");
        out
    }
}

fn quoted(s: &str) -> String {
    if s.chars().count() > 50 {
        let cut: String = s.chars().take(50).collect();
        format!("'{cut}...'")
    } else {
        format!("'{s}'")
    }
}

fn opt(s: Option<&str>) -> String {
    s.map_or_else(|| "None".to_owned(), quoted)
}

fn when(t: NaiveDateTime) -> String {
    t.format("%Y-%m-%d %H:%M:%S").to_string()
}

fn list(items: &[String]) -> String {
    if items.len() <= 3 {
        format!(
            "[{}]",
            items
                .iter()
                .map(|s| quoted(s))
                .collect::<Vec<_>>()
                .join(", ")
        )
    } else {
        format!("list[{} items]", items.len())
    }
}

fn label(v: AnyValue<'_>) -> String {
    match v {
        AnyValue::String(s) => s.to_owned(),
        other => other.to_string(),
    }
}

fn provenance_node(p: &DataProvenance) -> Node {
    p.fields()
        .into_iter()
        .fold(Node::new("DataProvenance"), |n, (k, v)| n.simple(k, opt(v)))
}

fn function_node(f: &FunctionInfo) -> Node {
    let mut n = Node::new("FunctionInfo")
        .simple("name", quoted(&f.name))
        .simple("version", quoted(&f.version))
        .simple("author", quoted(&f.author))
        .simple("reference", quoted(&f.reference))
        .simple(
            "has_source_code",
            if f.source_code.is_some() {
                "True"
            } else {
                "False"
            },
        );
    if let Some(code) = &f.source_code {
        n = n.simple("source_code_lines", code.lines().count().to_string());
    }
    n
}

fn parameters_node(p: &Parameters) -> Node {
    p.iter().fold(
        Node::new("Parameters").simple("parameter_count", p.len().to_string()),
        |n, (k, v)| n.simple(k, v.to_string()),
    )
}

fn step_node(s: &ProcessingStep) -> Node {
    let mut n = Node::new("ProcessingStep")
        .simple("type", format!("{} ({})", s.step_type, s.suffix))
        .simple("description", quoted(&s.description))
        .simple("suffix", quoted(&s.suffix))
        .simple("run_datetime", when(s.run_datetime))
        .simple(
            "requires_calibration",
            if s.requires_calibration {
                "True"
            } else {
                "False"
            },
        )
        .simple("step_distance", s.step_distance.to_string())
        .simple("input_series_names", list(&s.input_series_names))
        .nested("function_info", function_node(&s.function_info));
    if let Some(p) = s.parameters.as_ref().filter(|p| !p.is_empty()) {
        n = n.nested("parameters", parameters_node(p));
    }
    n
}

fn index_node(m: &IndexMetadata) -> Node {
    let num = |v: Option<i64>| v.map_or_else(|| "None".to_owned(), |v| v.to_string());
    Node::new("IndexMetadata")
        .simple("type", quoted(&m.index_type))
        .simple("name", opt(m.name.as_deref()))
        .simple("frequency", opt(m.frequency.as_deref()))
        .simple("time_zone", opt(m.time_zone.as_deref()))
        .simple("start", num(m.start))
        .simple("end", num(m.end))
        .simple("step", num(m.step))
        .simple("dtype", quoted(&m.dtype))
}

/// Finds series by name, for the replay state of a series among its neighbours.
type Lookup<'a> = &'a dyn Fn(&str) -> Option<&'a TimeSeries>;

fn lone_series_node(ts: &TimeSeries) -> Node {
    series_node(ts, &|_| None)
}

/// The `replay` line of a series: stale (naming the inputs that changed), or the outcome of
/// its last verification; nothing when there is nothing to say.
fn replay_line(ts: &TimeSeries, lookup: Lookup<'_>) -> Option<String> {
    let stale = stale_inputs(ts, lookup);
    if !stale.is_empty() {
        return Some(format!("stale ({})", stale.join(", ")));
    }
    ts.verdict().map(|v| v.as_str().to_owned())
}

fn series_node<'a>(ts: &'a TimeSeries, lookup: Lookup<'a>) -> Node {
    let mut n = Node::new("TimeSeries")
        .simple("series_name", quoted(ts.name()))
        .simple("series_length", ts.len().to_string())
        .simple("values_dtype", quoted(&ts.values_dtype()))
        .simple("created_on", when(ts.created_on()))
        .simple(
            "processing_steps_count",
            ts.processing_steps().len().to_string(),
        )
        .nested("index_metadata", index_node(&ts.index_metadata()));
    if let Some(state) = replay_line(ts, lookup) {
        n = n.simple("replay", state);
    }
    if let Some(last) = ts.refreshes().last() {
        let what = last
            .from
            .as_ref()
            .map_or("whole".to_owned(), |from| format!("from {from}"));
        n = n.simple(
            "refreshed",
            format!(
                "{} ({what}; {} in all)",
                when(last.at),
                ts.refreshes().len()
            ),
        );
    }
    if !ts.is_resident() {
        n = n.simple("data", "stored, read on access");
    } else if let (false, Ok(index)) = (ts.is_empty(), ts.index())
        && let (Ok(first), Ok(last)) = (index.get(0), index.get(ts.len() - 1))
    {
        n = n.simple("date_range", format!("{} to {}", label(first), label(last)));
    }
    ts.processing_steps()
        .iter()
        .enumerate()
        .fold(n, |n, (i, s)| {
            n.nested(format!("step_{}", i + 1), step_node(s))
        })
}

fn signal_node(s: &Signal) -> Node {
    signal_series(s, signal_header(s), &|name| s.time_series(name).ok())
}

fn signal_header(s: &Signal) -> Node {
    Node::new("Signal")
        .simple("name", quoted(s.name()))
        .simple("units", quoted(s.units()))
        .nested("provenance", provenance_node(s.provenance()))
        .simple("created_on", when(s.created_on()))
        .simple("last_updated", when(s.last_updated()))
        .simple("time_series_count", s.len().to_string())
}

/// `n` with a node for each series of `s`, whose inputs `lookup` finds.
fn signal_series<'a>(s: &'a Signal, n: Node, lookup: Lookup<'a>) -> Node {
    s.iter().fold(n, |n, ts| {
        n.nested(format!("timeseries_{}", ts.name()), series_node(ts, lookup))
    })
}

fn dataset_node(d: &Dataset) -> Node {
    let n = Node::new("Dataset")
        .simple("name", quoted(d.name()))
        .simple("description", opt(d.description()))
        .simple("owner", opt(d.owner()))
        .simple("purpose", opt(d.purpose()))
        .simple("project", opt(d.project()))
        .simple("created_on", when(d.created_on()))
        .simple("last_updated", when(d.last_updated()))
        .simple("signals_count", d.len().to_string());
    let series: HashMap<&str, &TimeSeries> = d
        .iter()
        .flat_map(|s| s.iter())
        .map(|ts| (ts.name(), ts))
        .collect();
    let lookup = |name: &str| series.get(name).copied();
    d.iter().fold(n, |n, s| {
        n.nested(
            format!("signal_{}", s.name()),
            signal_series(s, signal_header(s), &lookup),
        )
    })
}

/// The text and HTML views of models.
macro_rules! tree_views {
    ($($t:ty => $f:ident),* $(,)?) => {$(
        impl TextDisplay for $t {
            fn to_text(&self, depth: usize) -> String {
                let mut out = String::new();
                $f(self).render(&mut out, 0, depth);
                out
            }
        }
        impl HtmlDisplay for $t {
            fn to_html(&self, depth: usize) -> String {
                $f(self).html(depth)
            }
        }
    )*};
}

/// `Display` as the text view at [`DEFAULT_DEPTH`], for models without a `Display` of their own.
macro_rules! text_display {
    ($($t:ty),* $(,)?) => {$(
        impl fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.to_text(DEFAULT_DEPTH).trim_end())
            }
        }
    )*};
}

tree_views!(
    Dataset => dataset_node,
    Signal => signal_node,
    TimeSeries => lone_series_node,
    FunctionInfo => function_node,
    IndexMetadata => index_node,
    ProcessingStep => step_node,
    DataProvenance => provenance_node,
    Parameters => parameters_node,
);

text_display!(Dataset, Signal, TimeSeries, FunctionInfo, IndexMetadata);
