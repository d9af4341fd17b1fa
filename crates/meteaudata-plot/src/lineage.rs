//! Renderings of a [`LineageGraph`]: Graphviz DOT, Mermaid, and a self-contained HTML page
//! (an SVG drawn here, left to right, with a details panel; no CDN, no external script).

use std::collections::HashMap;
use std::fmt::Write;

use meteaudata_core::display::escape_html;
use meteaudata_core::{LineageGraph, LineageNode, NodeKind, ReplayState};
use serde_json::json;

use crate::html::{page, script_json};

/// Colour of series named as inputs but not held.
pub const EXTERNAL_COLOR: &str = "#adb5bd";
/// Colour of series without processing steps.
pub const RAW_COLOR: &str = "#2ca02c";
/// Colours of processed series, cycling in name order.
pub const PROCESSED_COLORS: [&str; 6] = [
    "#1f77b4", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf",
];

/// The outline of a node by replay state: colour and width (`None`: no outline).
pub fn replay_outline(node: &LineageNode) -> Option<(&'static str, f64)> {
    match node.replay? {
        ReplayState::Stale => Some(("#fd7e14", 3.0)),
        ReplayState::Differs => Some(("#dc3545", 3.0)),
        ReplayState::NotReplayable => Some(("#6c757d", 2.0)),
        ReplayState::Reproduced => None,
    }
}

/// The fill colour of every node, in node order.
pub fn node_colors(graph: &LineageGraph) -> Vec<&'static str> {
    let mut processed = 0;
    graph
        .nodes
        .iter()
        .map(|n| match n.kind {
            NodeKind::External => EXTERNAL_COLOR,
            NodeKind::Raw => RAW_COLOR,
            NodeKind::Processed => {
                processed += 1;
                PROCESSED_COLORS[(processed - 1) % PROCESSED_COLORS.len()]
            }
        })
        .collect()
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
            "<h1>{}</h1>\n<div id=\"graph\">{}</div>\n\
             <aside id=\"details\"><p>Click a series to see its processing steps.</p></aside>\n\
             <script>\nconst lineage = {};\n{LINEAGE_JS}</script>\n",
            escape_html(&self.title),
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

const LINEAGE_CSS: &str = "body{font-family:sans-serif;margin:16px;display:grid;\
grid-template-columns:1fr 320px;grid-template-rows:auto 1fr;gap:12px}\
h1{grid-column:1/3;font-size:20px;margin:0}#graph{overflow:auto;border:1px solid #dee2e6}\
#details{border:1px solid #dee2e6;padding:8px;font-size:13px}\
g.node{cursor:pointer}g.node text{fill:#fff;font-size:12px;font-family:monospace}\
path.edge{fill:none;stroke:#6c757d;stroke-width:1.5}text.edge-label{font-size:11px;fill:#495057}";

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
"#;

const NODE_HEIGHT: f64 = 32.0;
const ROW_GAP: f64 = 26.0;
const COLUMN_GAP: f64 = 150.0;
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
        let longest = graph.nodes.iter().map(|n| n.id.chars().count()).max();
        let width = 24.0 + 7.3 * longest.unwrap_or(0) as f64;
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
        let mut out = format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {w:.0} {h:.0}\" \
             width=\"{w:.0}\" style=\"max-width:100%;height:auto\">\n\
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
            let _ = writeln!(
                out,
                "<path class=\"edge\" d=\"{d}\" marker-end=\"url(#arrow)\" data-source=\"{}\" data-target=\"{}\"/>\
                 <text class=\"edge-label\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
                escape_html(&e.origin),
                escape_html(&e.destination),
                (x1 + x2) / 2.0,
                (y1 + y2) / 2.0 - 4.0,
                escape_html(&e.step)
            );
        }
        for ((node, color), (x, y)) in graph.nodes.iter().zip(node_colors(graph)).zip(&self.at) {
            let _ = writeln!(
                out,
                "<g class=\"node\" data-id=\"{id}\" data-kind=\"{kind}\" data-replay=\"{replay}\">\
                 <title>{id} ({summary})</title>\
                 <rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{w:.1}\" height=\"{NODE_HEIGHT}\" rx=\"6\" \
                 fill=\"{color}\"{outline}/><text x=\"{tx:.1}\" y=\"{ty:.1}\" text-anchor=\"middle\">{id}</text></g>",
                id = escape_html(&node.id),
                kind = node.kind.as_str(),
                replay = node.replay.map_or("", |s| s.as_str()),
                summary = node_summary(node),
                outline = replay_outline(node)
                    .map(|(c, w)| format!(" stroke=\"{c}\" stroke-width=\"{w}\""))
                    .unwrap_or_default(),
                w = self.width,
                tx = x + self.width / 2.0,
                ty = y + NODE_HEIGHT / 2.0 + 4.0,
            );
        }
        out.push_str("</svg>");
        out
    }
}
