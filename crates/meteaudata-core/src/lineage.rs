//! Lineage: which series each series was computed from, as a list of
//! [`Dependency`] edges, and the graph of nodes and edges that renderers draw.
//!
//! Unlike meteaudata for Python, the walk has a cycle guard (a series that names itself, or a
//! loop through several series, ends the walk instead of recursing forever) and every edge
//! appears once, also through diamonds.

use std::collections::{BTreeSet, HashMap, HashSet};

use chrono::NaiveDateTime;

use crate::dataset::Dataset;
use crate::error::{Error, ObjectKind, Result};
use crate::replay::ReplayState;
use crate::signal::Signal;
use crate::step::ProcessingType;
use crate::time_series::TimeSeries;

/// One edge of a lineage: `destination` was made from `origin` by `step`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dependency {
    /// The name of the function of the step that made `destination`.
    pub step: String,
    /// That step's type.
    pub step_type: ProcessingType,
    /// The input series.
    pub origin: String,
    /// The series that was made.
    pub destination: String,
}

/// How a node of a lineage graph relates to the series that were looked at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeKind {
    /// Named as an input but not held by the signal or dataset.
    External,
    /// A series without processing steps.
    Raw,
    /// A series with at least one processing step.
    Processed,
}

impl NodeKind {
    /// `external`, `raw` or `processed`.
    pub fn as_str(self) -> &'static str {
        match self {
            NodeKind::External => "external",
            NodeKind::Raw => "raw",
            NodeKind::Processed => "processed",
        }
    }
}

/// One processing step of a node, as shown in a lineage graph.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeStep {
    /// The function name.
    pub function: String,
    /// The step type.
    pub step_type: ProcessingType,
}

/// A series in a lineage graph.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineageNode {
    /// The full series name.
    pub id: String,
    /// External, raw or processed.
    pub kind: NodeKind,
    /// When the series was created (None for external nodes).
    pub created_on: Option<NaiveDateTime>,
    /// Its processing steps, oldest first (empty for raw and external nodes).
    pub steps: Vec<NodeStep>,
    /// Its replay state: stale when an input changed since it was computed, else the outcome
    /// of its last verification (`None`: nothing known).
    pub replay: Option<ReplayState>,
}

/// A lineage graph: nodes sorted by name, edges de-duplicated on (origin, destination).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineageGraph {
    /// The title renderers show.
    pub title: String,
    /// Every series named by an edge, sorted by name.
    pub nodes: Vec<LineageNode>,
    /// The edges, in the order the walk found them.
    pub edges: Vec<Dependency>,
}

impl LineageGraph {
    /// Builds the graph of `edges`; `lookup` finds the series that exist.
    pub fn new<'a>(
        title: impl Into<String>,
        edges: Vec<Dependency>,
        lookup: impl Fn(&str) -> Option<&'a TimeSeries>,
    ) -> LineageGraph {
        let names: BTreeSet<&str> = edges
            .iter()
            .flat_map(|e| [e.origin.as_str(), e.destination.as_str()])
            .collect();
        let nodes = names
            .into_iter()
            .map(|name| match lookup(name) {
                None => LineageNode {
                    id: name.to_owned(),
                    kind: NodeKind::External,
                    created_on: None,
                    steps: Vec::new(),
                    replay: None,
                },
                Some(ts) => LineageNode {
                    id: name.to_owned(),
                    kind: if ts.processing_steps().is_empty() {
                        NodeKind::Raw
                    } else {
                        NodeKind::Processed
                    },
                    created_on: Some(ts.created_on()),
                    steps: ts
                        .processing_steps()
                        .iter()
                        .map(|s| NodeStep {
                            function: s.function_info.name.clone(),
                            step_type: s.step_type,
                        })
                        .collect(),
                    replay: ReplayState::of(ts, &lookup),
                },
            })
            .collect();
        LineageGraph {
            title: title.into(),
            nodes,
            edges,
        }
    }

    /// The node called `id`.
    pub fn node(&self, id: &str) -> Option<&LineageNode> {
        self.nodes.iter().find(|n| n.id == id)
    }
}

/// Walks back from `start` through the last step of each series, depth first, inputs in
/// order. Each series is expanded once, so cycles end and diamonds give each edge once.
fn walk<'a>(
    start: &str,
    lookup: &impl Fn(&str) -> Option<&'a TimeSeries>,
    expanded: &mut HashSet<String>,
    seen_edges: &mut HashSet<(String, String)>,
    out: &mut Vec<Dependency>,
) {
    let mut stack = vec![start.to_owned()];
    while let Some(name) = stack.pop() {
        if !expanded.insert(name.clone()) {
            continue;
        }
        let Some(step) = lookup(&name).and_then(|ts| ts.processing_steps().last()) else {
            continue;
        };
        for input in &step.input_series_names {
            if seen_edges.insert((input.clone(), name.clone())) {
                out.push(Dependency {
                    step: step.function_info.name.clone(),
                    step_type: step.step_type,
                    origin: input.clone(),
                    destination: name.clone(),
                });
            }
        }
        // Reversed so that the first input is expanded first, as a recursive walk would.
        stack.extend(step.input_series_names.iter().rev().cloned());
    }
}

fn dependencies<'a>(
    names: impl IntoIterator<Item = &'a str>,
    lookup: impl Fn(&str) -> Option<&'a TimeSeries>,
) -> Vec<Dependency> {
    let mut expanded = HashSet::new();
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for name in names {
        walk(name, &lookup, &mut expanded, &mut seen, &mut out);
    }
    out
}

fn dataset_lookup(dataset: &Dataset) -> HashMap<&str, &TimeSeries> {
    dataset
        .iter()
        .flat_map(|s| s.iter())
        .map(|ts| (ts.name(), ts))
        .collect()
}

impl Signal {
    /// The edges that lead to the series `name` of this signal.
    pub fn build_dependency_graph(&self, name: &str) -> Result<Vec<Dependency>> {
        self.time_series(name)?;
        Ok(dependencies([name], |n| self.time_series(n).ok()))
    }

    /// The lineage graph of the series `name` (titled `Dependency graph for <name>`), or of
    /// every series of the signal when `name` is None (titled with the signal's name), as
    /// [`Dataset::lineage_graph`] does for a dataset.
    pub fn lineage_graph(&self, name: Option<&str>) -> Result<LineageGraph> {
        let (title, edges) = match name {
            Some(n) => (
                format!("Dependency graph for {n}"),
                self.build_dependency_graph(n)?,
            ),
            None => (
                format!("Dependency graph for signal {}", self.name()),
                dependencies(self.iter().map(TimeSeries::name), |n| {
                    self.time_series(n).ok()
                }),
            ),
        };
        Ok(LineageGraph::new(title, edges, |n| {
            self.time_series(n).ok()
        }))
    }
}

impl Dataset {
    /// The edges that lead to the series `name`, across all signals of the dataset.
    pub fn build_dependency_graph(&self, name: &str) -> Result<Vec<Dependency>> {
        let lookup = dataset_lookup(self);
        if !lookup.contains_key(name) {
            let mut available: Vec<String> = lookup.keys().map(|k| (*k).to_owned()).collect();
            available.sort();
            return Err(Error::NotFound {
                kind: ObjectKind::TimeSeries,
                name: name.to_owned(),
                available,
            });
        }
        Ok(dependencies([name], |n| lookup.get(n).copied()))
    }

    /// The edges that lead to every series of the dataset, each edge once.
    pub fn build_full_dependency_graph(&self) -> Vec<Dependency> {
        let lookup = dataset_lookup(self);
        let names = self.iter().flat_map(|s| s.iter()).map(TimeSeries::name);
        dependencies(names, |n| lookup.get(n).copied())
    }

    /// The lineage graph of the series `name`, or of the whole dataset when `name` is None
    /// (titled with the dataset's name).
    pub fn lineage_graph(&self, name: Option<&str>) -> Result<LineageGraph> {
        let (title, edges) = match name {
            Some(n) => (
                format!("Dependency graph for {n}"),
                self.build_dependency_graph(n)?,
            ),
            None => (
                format!("Dependency graph for dataset {}", self.name()),
                self.build_full_dependency_graph(),
            ),
        };
        let lookup = dataset_lookup(self);
        Ok(LineageGraph::new(title, edges, |n| lookup.get(n).copied()))
    }
}
