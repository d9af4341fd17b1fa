//! Renderings of a [`LineageGraph`]: Graphviz DOT, Mermaid, and a self-contained HTML page
//! (an SVG drawn here, left to right, with a details panel; no CDN, no external script).

use std::collections::HashMap;
use std::fmt::Write;
use std::path::Path;

use meteaudata_core::display::escape_html;
use meteaudata_core::{LineageGraph, LineageNode, NodeKind, ProcessingType, ReplayState};
use serde_json::json;

use crate::error::{PlotError, Result};
use crate::html::{page, script_json};

/// Colour of series named as inputs but not held.
pub const EXTERNAL_COLOR: &str = "#adb5bd";
/// Colour of series without processing steps.
pub const RAW_COLOR: &str = "#2ca02c";

/// The colour of a processed series, by the type of the step that made it: a colour says
/// what was done (resampled, gap-filled, filtered, ...).
pub fn type_color(step_type: ProcessingType) -> &'static str {
    use ProcessingType as T;
    match step_type {
        T::Resampling => "#1f77b4",
        T::GapFilling => "#9467bd",
        T::Filtering => "#d62728",
        T::Smoothing => "#0e7c86",
        T::Prediction => "#e8590c",
        T::Transformation => "#8c564b",
        T::DimensionalityReduction => "#c2255c",
        T::Sorting | T::RemoveDuplicates => "#495057",
        T::FaultDetection | T::FaultIdentification | T::FaultDiagnosis => "#7d6608",
        T::ExportRename | T::Other => "#5c677d",
    }
}

/// What a node's colour stands for: `raw`, `external`, or the processing type of the step
/// that made it.
fn color_meaning(node: &LineageNode) -> (&'static str, String) {
    match (node.kind, node.steps.last()) {
        (NodeKind::External, _) => (EXTERNAL_COLOR, "not held (external)".into()),
        (NodeKind::Raw, _) | (_, None) => (RAW_COLOR, "raw".into()),
        (NodeKind::Processed, Some(step)) => (
            type_color(step.step_type),
            step.step_type.as_str().replace('_', " "),
        ),
    }
}

/// The outline of a node by replay state: colour and width (`None`: no outline).
pub fn replay_outline(node: &LineageNode) -> Option<(&'static str, f64)> {
    match node.replay? {
        ReplayState::Stale => Some(("#fd7e14", 3.0)),
        ReplayState::Differs => Some(("#dc3545", 3.0)),
        ReplayState::NotReplayable => Some(("#212529", 2.0)),
        ReplayState::Reproduced => None,
    }
}

/// The fill colour of every node, in node order (see [`type_color`]).
pub fn node_colors(graph: &LineageGraph) -> Vec<&'static str> {
    graph.nodes.iter().map(|n| color_meaning(n).0).collect()
}

/// For each edge, the positions of its origin and destination in `graph.nodes`.
fn edge_ends(graph: &LineageGraph) -> Vec<(usize, usize)> {
    let index: HashMap<&str, usize> = graph
        .nodes
        .iter()
        .enumerate()
        .map(|(i, node)| (node.id.as_str(), i))
        .collect();
    graph
        .edges
        .iter()
        .map(|e| (index[e.origin.as_str()], index[e.destination.as_str()]))
        .collect()
}

fn dot_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn mermaid_text(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        match c {
            '#' => out.push_str("#35;"),
            '"' => out.push_str("#quot;"),
            '|' => out.push_str("#124;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            c => out.push(c),
        }
    }
    out
}

/// Renderings of a lineage graph.
pub trait LineageRender {
    /// Graphviz DOT: one node per series (filled with its colour), one labelled edge each.
    fn to_dot(&self) -> String;
    /// A Mermaid flowchart (left to right).
    fn to_mermaid(&self) -> String;
    /// A self-contained HTML page showing the graph; clicking a node shows its steps.
    fn to_html(&self) -> String;

    /// Writes the graph as `.html`, `.dot` (Graphviz) or `.mmd` (Mermaid), chosen by the
    /// file's extension (as [`Figure::write`](crate::Figure::write) does for figures).
    fn write(&self, path: impl AsRef<Path>) -> Result<()>
    where
        Self: Sized,
    {
        let path = path.as_ref();
        let text = match crate::extension(path).as_str() {
            "html" | "htm" => self.to_html(),
            "dot" | "gv" => self.to_dot(),
            "mmd" | "mermaid" => self.to_mermaid(),
            _ => {
                return Err(PlotError::UnknownFormat {
                    path: path.to_owned(),
                    expected: ".html, .dot or .mmd",
                });
            }
        };
        crate::write(path, &text)
    }
}

impl LineageRender for LineageGraph {
    fn to_dot(&self) -> String {
        let mut out = String::from("digraph lineage {\n  rankdir=LR;\n");
        let _ = writeln!(out, "  label={};", dot_string(&self.title));
        out.push_str(
            "  node [shape=box, style=\"rounded,filled\", fontname=\"Helvetica\", fontcolor=\"white\"];\n",
        );
        for (node, color) in self.nodes.iter().zip(node_colors(self)) {
            let outline = replay_outline(node)
                .map(|(c, w)| format!(", color=\"{c}\", penwidth={w}"))
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "  {} [fillcolor=\"{color}\"{outline}, tooltip={}];",
                dot_string(&node.id),
                dot_string(&node_summary(node))
            );
        }
        for e in &self.edges {
            let _ = writeln!(
                out,
                "  {} -> {} [label={}];",
                dot_string(&e.origin),
                dot_string(&e.destination),
                dot_string(&e.step)
            );
        }
        out.push_str("}\n");
        out
    }

    fn to_mermaid(&self) -> String {
        let mut out = String::from("flowchart LR\n");
        for (i, node) in self.nodes.iter().enumerate() {
            let _ = writeln!(out, "  n{i}[\"{}\"]", mermaid_text(&node.id));
        }
        for (e, (from, to)) in self.edges.iter().zip(edge_ends(self)) {
            let _ = writeln!(out, "  n{from} -->|\"{}\"| n{to}", mermaid_text(&e.step));
        }
        for (i, (node, color)) in self.nodes.iter().zip(node_colors(self)).enumerate() {
            let outline = replay_outline(node)
                .map(|(c, w)| format!(",stroke:{c},stroke-width:{w}px"))
                .unwrap_or_default();
            let _ = writeln!(out, "  style n{i} fill:{color},color:#fff{outline}");
        }
        out
    }

    fn to_html(&self) -> String {
        let layout = Layout::of(self);
        let svg = layout.svg(self);
        let details: Vec<_> = self.nodes.iter().map(node_json).collect();
        let body = format!(
            "<h1>{}</h1>\n<div id=\"legend\">{}</div>\n<div id=\"graph\">{}</div>\n\
             <aside id=\"details\"><p>Click a series to see its processing steps.</p></aside>\n\
             <script>\nconst lineage = {};\n{LINEAGE_JS}</script>\n",
            escape_html(&self.title),
            legend(self),
            if self.nodes.is_empty() {
                "<p class=\"empty\">No dependencies found for this time series.</p>".to_owned()
            } else {
                svg
            },
            script_json(&json!({ "title": self.title, "nodes": details })),
        );
        page(
            &self.title,
            &format!("<style>{LINEAGE_CSS}</style>\n"),
            &body,
        )
    }
}

/// The legend of the page: what each colour and outline present means, and the zoom buttons.
fn legend(graph: &LineageGraph) -> String {
    let mut seen: Vec<(&str, String)> = Vec::new();
    for node in &graph.nodes {
        let meaning = color_meaning(node);
        if !seen.contains(&meaning) {
            seen.push(meaning);
        }
    }
    let mut out = String::new();
    for (color, meaning) in seen {
        let _ = write!(
            out,
            "<span class=\"item\"><span class=\"swatch\" style=\"background:{color}\"></span>{}</span>",
            escape_html(&meaning)
        );
    }
    let mut outlines: Vec<(ReplayState, (&str, f64))> = Vec::new();
    for node in &graph.nodes {
        if let (Some(state), Some(outline)) = (node.replay, replay_outline(node))
            && !outlines.iter().any(|(s, _)| *s == state)
        {
            outlines.push((state, outline));
        }
    }
    for (state, (color, width)) in outlines {
        let _ = write!(
            out,
            "<span class=\"item\"><span class=\"swatch\" style=\"border:{width}px solid {color};\
             box-sizing:border-box\"></span>{}</span>",
            state.as_str()
        );
    }
    out.push_str(
        "<span class=\"zoom\"><button id=\"zoom-out\" title=\"zoom out\">\u{2212}</button> \
         <span id=\"zoom-level\">100 %</span> <button id=\"zoom-in\" title=\"zoom in\">+</button> \
         <button id=\"zoom-reset\">100 %</button></span>",
    );
    out
}

/// The kind of a node and, when known, its replay state (`processed, stale`).
fn node_summary(n: &LineageNode) -> String {
    match n.replay {
        Some(state) => format!("{}, {state}", n.kind.as_str()),
        None => n.kind.as_str().to_owned(),
    }
}

fn node_json(n: &LineageNode) -> serde_json::Value {
    json!({
        "id": n.id,
        "node_type": n.kind.as_str(),
        "replay": n.replay.map(|s| s.as_str()),
        "created_on": n.created_on.map(|t| t.format("%Y-%m-%dT%H:%M:%S%.f").to_string()).unwrap_or_default(),
        "steps": n.steps.iter().map(|s| json!({"fn": s.function, "type": s.step_type.as_str()})).collect::<Vec<_>>(),
    })
}

const LINEAGE_CSS: &str = "html,body{height:100%}body{font-family:sans-serif;margin:0;\
padding:12px;box-sizing:border-box;display:grid;grid-template-columns:1fr 300px;\
grid-template-rows:auto auto 1fr;gap:10px}\
h1{grid-column:1/3;font-size:20px;margin:0}\
#legend{grid-column:1/3;display:flex;flex-wrap:wrap;gap:6px 16px;font-size:13px;align-items:center}\
#legend span.swatch{display:inline-block;width:14px;height:14px;border-radius:3px;\
margin-right:5px;vertical-align:-2px}#legend button{font-size:13px}\
#graph{overflow:auto;border:1px solid #dee2e6;min-height:0}\
#details{border:1px solid #dee2e6;padding:8px;font-size:13px;overflow:auto}\
g.node{cursor:pointer}g.node text{font-family:monospace}\
path.edge{fill:none;stroke:#6c757d;stroke-width:1.5}";

const LINEAGE_JS: &str = r#"const panel = document.getElementById('details');
function show(node) {
  panel.replaceChildren();
  const h = document.createElement('h2');
  h.textContent = node.id;
  panel.append(h);
  const meta = document.createElement('p');
  meta.textContent = node.node_type + (node.replay ? ', ' + node.replay : '')
    + (node.created_on ? ', created ' + node.created_on : '');
  panel.append(meta);
  const list = document.createElement('ol');
  for (const s of node.steps) {
    const li = document.createElement('li');
    li.textContent = s.fn + ' (' + s.type + ')';
    list.append(li);
  }
  panel.append(list);
}
document.querySelectorAll('g.node').forEach((g, i) => {
  g.addEventListener('click', () => show(lineage.nodes[i]));
});
// Zoom by scaling the drawing (the view scrolls); text keeps its size at 100 %.
const svg = document.querySelector('#graph svg');
let zoom = 1;
function setZoom(z) {
  if (!svg) return;
  zoom = Math.min(4, Math.max(0.25, z));
  svg.setAttribute('width', svg.dataset.width * zoom);
  svg.setAttribute('height', svg.dataset.height * zoom);
  document.getElementById('zoom-level').textContent = Math.round(zoom * 100) + ' %';
}
document.getElementById('zoom-in').addEventListener('click', () => setZoom(zoom * 1.25));
document.getElementById('zoom-out').addEventListener('click', () => setZoom(zoom / 1.25));
document.getElementById('zoom-reset').addEventListener('click', () => setZoom(1));
document.getElementById('graph').addEventListener('wheel', e => {
  if (e.ctrlKey) { e.preventDefault(); setZoom(zoom * (e.deltaY < 0 ? 1.1 : 1 / 1.1)); }
}, {passive: false});
"#;

const NODE_HEIGHT: f64 = 44.0;
const ROW_GAP: f64 = 24.0;
const COLUMN_GAP: f64 = 70.0;
const MARGIN: f64 = 20.0;

/// Positions of the nodes: columns by longest path from a source (capped, so cycles end),
/// rows in each column ordered by the mean row of the node's inputs.
struct Layout {
    /// (x, y) of the top-left corner of each node, in node order.
    at: Vec<(f64, f64)>,
    /// The node positions of each edge's ends (see [`edge_ends`]).
    ends: Vec<(usize, usize)>,
    width: f64,
    size: (f64, f64),
}

impl Layout {
    fn of(graph: &LineageGraph) -> Layout {
        let n = graph.nodes.len();
        let edges = edge_ends(graph);
        let mut rank = vec![0usize; n];
        for _ in 0..n {
            let mut changed = false;
            for &(a, b) in &edges {
                if a != b && rank[b] < rank[a] + 1 && rank[a] + 1 < n {
                    rank[b] = rank[a] + 1;
                    changed = true;
                }
            }
            if !changed {
                break;
            }
        }
        let columns = rank.iter().max().map_or(0, |m| m + 1);
        let mut row = vec![0f64; n];
        for c in 0..columns {
            let mut members: Vec<(f64, usize)> = (0..n)
                .filter(|&i| rank[i] == c)
                .map(|i| {
                    let inputs: Vec<f64> = edges
                        .iter()
                        .filter(|&&(a, b)| b == i && rank[a] < c)
                        .map(|&(a, _)| row[a])
                        .collect();
                    let key = if inputs.is_empty() {
                        i as f64
                    } else {
                        inputs.iter().sum::<f64>() / inputs.len() as f64
                    };
                    (key, i)
                })
                .collect();
            members.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            for (r, (_, i)) in members.into_iter().enumerate() {
                row[i] = r as f64;
            }
        }
        // Wide enough for the longest name (13 px monospace) and step label (12 px).
        let longest = graph
            .nodes
            .iter()
            .map(|n| {
                let step = n.steps.last().map_or(0, |s| s.function.chars().count() + 2);
                (n.id.chars().count() as f64 * 8.0).max(step as f64 * 7.4)
            })
            .fold(0.0, f64::max);
        let width = 24.0 + longest;
        let at: Vec<(f64, f64)> = (0..n)
            .map(|i| {
                (
                    MARGIN + rank[i] as f64 * (width + COLUMN_GAP),
                    MARGIN + 20.0 + row[i] * (NODE_HEIGHT + ROW_GAP),
                )
            })
            .collect();
        let w = at.iter().map(|p| p.0).fold(0.0, f64::max) + width + MARGIN;
        let h = at.iter().map(|p| p.1).fold(0.0, f64::max) + NODE_HEIGHT + MARGIN;
        Layout {
            at,
            ends: edges,
            width,
            size: (w, h),
        }
    }

    fn svg(&self, graph: &LineageGraph) -> String {
        // Drawn at its natural size (text at 12-13 px); the page scrolls and zooms it.
        let mut out = format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {w:.0} {h:.0}\" \
             width=\"{w:.0}\" height=\"{h:.0}\" data-width=\"{w:.0}\" data-height=\"{h:.0}\">\n\
             <defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" \
             markerWidth=\"8\" markerHeight=\"8\" orient=\"auto\">\
             <path d=\"M0,0 L10,5 L0,10 z\" fill=\"#6c757d\"/></marker></defs>\n",
            w = self.size.0,
            h = self.size.1
        );
        for (e, &(a, b)) in graph.edges.iter().zip(&self.ends) {
            let (ax, ay) = self.at[a];
            let (bx, by) = self.at[b];
            let (x1, y1) = (ax + self.width, ay + NODE_HEIGHT / 2.0);
            let (x2, y2) = (bx, by + NODE_HEIGHT / 2.0);
            let d = if a == b {
                format!(
                    "M{x1:.1},{y1:.1} C{:.1},{:.1} {:.1},{:.1} {:.1},{:.1}",
                    x1 + 40.0,
                    y1 - 50.0,
                    ax - 40.0,
                    y1 - 50.0,
                    ax,
                    y1
                )
            } else {
                let mid = (x1 + x2) / 2.0;
                format!("M{x1:.1},{y1:.1} C{mid:.1},{y1:.1} {mid:.1},{y2:.1} {x2:.1},{y2:.1}")
            };
            // The step is written once, in the node it made (every edge into a node comes
            // from its last step), so labels never pile up where edges fan in.
            let _ = writeln!(
                out,
                "<path class=\"edge\" d=\"{d}\" marker-end=\"url(#arrow)\" data-source=\"{}\" \
                 data-target=\"{}\"><title>{} \u{2192} {} ({})</title></path>",
                escape_html(&e.origin),
                escape_html(&e.destination),
                escape_html(&e.origin),
                escape_html(&e.destination),
                escape_html(&e.step)
            );
        }
        for ((node, color), (x, y)) in graph.nodes.iter().zip(node_colors(graph)).zip(&self.at) {
            let ink = ink_on(color);
            let step = node
                .steps
                .last()
                .map(|s| format!("\u{2190} {}", s.function))
                .unwrap_or_else(|| node.kind.as_str().to_owned());
            let _ = writeln!(
                out,
                "<g class=\"node\" data-id=\"{id}\" data-kind=\"{kind}\" data-replay=\"{replay}\">\
                 <title>{id} ({summary})</title>\
                 <rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{w:.1}\" height=\"{NODE_HEIGHT}\" rx=\"6\" \
                 fill=\"{color}\"{outline}/>\
                 <text x=\"{tx:.1}\" y=\"{ty:.1}\" text-anchor=\"middle\" font-size=\"13\" fill=\"{ink}\">{id}</text>\
                 <text class=\"step\" x=\"{tx:.1}\" y=\"{sy:.1}\" text-anchor=\"middle\" font-size=\"12\" \
                 fill=\"{ink}\" opacity=\"0.9\">{step}</text></g>",
                id = escape_html(&node.id),
                kind = node.kind.as_str(),
                replay = node.replay.map_or("", |s| s.as_str()),
                summary = node_summary(node),
                outline = replay_outline(node)
                    .map(|(c, w)| format!(" stroke=\"{c}\" stroke-width=\"{w}\""))
                    .unwrap_or_default(),
                step = escape_html(&step),
                w = self.width,
                tx = x + self.width / 2.0,
                ty = y + 18.0,
                sy = y + 35.0,
            );
        }
        out.push_str("</svg>");
        out
    }
}

/// White text on dark fills, near-black on light ones.
fn ink_on(fill: &str) -> &'static str {
    let channel =
        |i: usize| u8::from_str_radix(fill.get(i..i + 2).unwrap_or("00"), 16).unwrap_or(0);
    let luminance = 0.299 * f64::from(channel(1))
        + 0.587 * f64::from(channel(3))
        + 0.114 * f64::from(channel(5));
    if luminance > 150.0 { "#111" } else { "#fff" }
}
