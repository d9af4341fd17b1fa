//! `verify`: every derived series made again from the raw series and compared with what is
//! held.

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use polars::prelude::*;

use crate::dataset::Dataset;
use crate::parameters::ParamValue;
use crate::replay::Registry;
use crate::replay::ReplayState;
use crate::replay::engine::{Made, Scope, rebuild, run_step};
use crate::signal::Signal;
use crate::step::ProcessingStep;
use crate::time_series::TimeSeries;

/// How close a value made again must be to the one held: `|a - b| <= abs + rel * max(|a|, |b|)`.
/// Labels must be equal (float labels within the same tolerance).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Tolerance {
    /// The absolute part.
    pub abs: f64,
    /// The relative part.
    pub rel: f64,
}

impl Default for Tolerance {
    /// `abs = 1e-9`, `rel = 1e-12`: floating-point noise between implementations, nothing
    /// that a measurement would show.
    fn default() -> Tolerance {
        Tolerance {
            abs: 1e-9,
            rel: 1e-12,
        }
    }
}

impl Tolerance {
    /// Bit-for-bit equality.
    pub fn exact() -> Tolerance {
        Tolerance { abs: 0.0, rel: 0.0 }
    }

    /// Whether `a` and `b` are close enough.
    pub fn accepts(&self, a: f64, b: f64) -> bool {
        a == b || (a - b).abs() <= self.abs + self.rel * a.abs().max(b.abs())
    }
}

/// What differs between a derived series and its history made again.
#[derive(Debug, Clone, PartialEq)]
pub struct Difference {
    /// The first label (in order of the points) where the data differs, as text; `None` when
    /// only the step record differs.
    pub first_label: Option<String>,
    /// The largest absolute difference between two values at the same label (over the labels
    /// both have), when values differ.
    pub largest: Option<f64>,
    /// What differs, in words.
    pub reason: String,
}

/// The outcome of verifying one derived series.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// Made again with the same labels, values within the tolerance and the same step record.
    Reproduced,
    /// Made again, but different.
    Differs(Difference),
    /// Could not be made again; the reason (an unregistered function, a missing input, a
    /// transform that failed).
    NotReplayable(String),
}

impl Outcome {
    /// The state views show for this outcome.
    pub fn state(&self) -> ReplayState {
        match self {
            Outcome::Reproduced => ReplayState::Reproduced,
            Outcome::Differs(_) => ReplayState::Differs,
            Outcome::NotReplayable(_) => ReplayState::NotReplayable,
        }
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Outcome::Reproduced => f.write_str("reproduced"),
            Outcome::Differs(d) => {
                write!(f, "differs: {}", d.reason)?;
                if let Some(label) = &d.first_label {
                    write!(f, "; first at {label}")?;
                }
                if let Some(largest) = d.largest {
                    write!(f, "; largest difference {largest}")?;
                }
                Ok(())
            }
            Outcome::NotReplayable(reason) => write!(f, "not replayable: {reason}"),
        }
    }
}

/// The outcome for one derived series.
#[derive(Debug, Clone, PartialEq)]
pub struct SeriesOutcome {
    /// The signal holding it.
    pub signal: String,
    /// Its full name.
    pub series: String,
    /// What verification found.
    pub outcome: Outcome,
}

/// What [`Dataset::verify`] and [`Signal::verify`] found, one entry per derived series (raw
/// series have nothing to re-run), in an order where inputs come first.
#[derive(Debug, Clone, PartialEq)]
pub struct VerifyReport {
    /// The tolerance values were compared with.
    pub tolerance: Tolerance,
    /// One outcome per derived series.
    pub series: Vec<SeriesOutcome>,
}

impl VerifyReport {
    /// Whether every derived series was reproduced.
    pub fn all_reproduced(&self) -> bool {
        self.series.iter().all(|s| s.outcome == Outcome::Reproduced)
    }

    /// The outcome for series `name`.
    pub fn outcome(&self, name: &str) -> Option<&Outcome> {
        self.series
            .iter()
            .find(|s| s.series == name)
            .map(|s| &s.outcome)
    }

    /// How many were reproduced, differ, and could not be re-run.
    pub fn counts(&self) -> (usize, usize, usize) {
        let count = |state| {
            self.series
                .iter()
                .filter(|s| s.outcome.state() == state)
                .count()
        };
        (
            count(ReplayState::Reproduced),
            count(ReplayState::Differs),
            count(ReplayState::NotReplayable),
        )
    }
}

impl fmt::Display for VerifyReport {
    /// A summary line, then one line per derived series.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (reproduced, differ, unreplayable) = self.counts();
        writeln!(
            f,
            "{} derived series (values within abs {:e}, rel {:e}): {reproduced} reproduced, \
             {differ} differ, {unreplayable} not replayable",
            self.series.len(),
            self.tolerance.abs,
            self.tolerance.rel
        )?;
        for s in &self.series {
            writeln!(f, "  {}: {}", s.series, s.outcome)?;
        }
        Ok(())
    }
}

impl Dataset {
    /// Re-runs the recorded history of every derived series from the raw series (functions
    /// rebuilt through `registry`) and compares each with what is held: same labels, values
    /// within `tolerance`, same step record (type, function, suffix, parameters, inputs, step
    /// distance). A derived series is made again from its inputs made again, so a difference
    /// shows where it arises, not downstream. Nothing is changed but each series' verdict
    /// (see [`TimeSeries::verdict`]), which the views show.
    pub fn verify(&mut self, registry: &Registry, tolerance: Tolerance) -> VerifyReport {
        let report = verify_scope(&Scope::of_dataset(self), registry, tolerance);
        for signal in self.signals_mut() {
            record_verdicts(signal, &report);
        }
        report
    }
}

impl Signal {
    /// [`Dataset::verify`] for the series of this signal alone (a step that read a series of
    /// another signal, or that works across signals, is not replayable here).
    pub fn verify(&mut self, registry: &Registry, tolerance: Tolerance) -> VerifyReport {
        let report = verify_scope(&Scope::of_signal(self), registry, tolerance);
        record_verdicts(self, &report);
        report
    }
}

fn record_verdicts(signal: &mut Signal, report: &VerifyReport) {
    for ts in signal.series_mut() {
        if let Some(outcome) = report.outcome(ts.name()) {
            ts.set_verdict(Some(outcome.state()));
        }
    }
}

fn verify_scope(scope: &Scope<'_>, registry: &Registry, tolerance: Tolerance) -> VerifyReport {
    let _span = tracing::info_span!("verify").entered();
    let mut made: HashMap<String, Result<TimeSeries, String>> = HashMap::new();
    let mut series = Vec::new();
    for target in scope.derived_in_order() {
        let result = remake(scope, registry, target, &made);
        let outcome = match &result {
            Ok(m) => match compare(target, m, tolerance) {
                Ok(None) => Outcome::Reproduced,
                Ok(Some(difference)) => Outcome::Differs(difference),
                Err(e) => Outcome::NotReplayable(format!("reading the data failed: {e}")),
            },
            Err(reason) => Outcome::NotReplayable(reason.clone()),
        };
        let (signal, _) = scope.get(target.name()).expect("in scope");
        series.push(SeriesOutcome {
            signal: signal.name().to_owned(),
            series: target.name().to_owned(),
            outcome,
        });
        // Downstream steps read it under the name they recorded.
        let result = result.map(|mut m| {
            m.series.set_name(target.name().to_owned());
            m.series
        });
        made.insert(target.name().to_owned(), result);
    }
    VerifyReport { tolerance, series }
}

/// `target` made again from its inputs: raw inputs as held, derived ones as made again.
fn remake(
    scope: &Scope<'_>,
    registry: &Registry,
    target: &TimeSeries,
    made: &HashMap<String, Result<TimeSeries, String>>,
) -> Result<Made, String> {
    let transform = rebuild(registry, target)?;
    let step = target.processing_steps().last().expect("derived");
    let inputs = step
        .input_series_names
        .iter()
        .map(|name| match scope.get(name) {
            None => Err(format!("its input {name:?} is not held here")),
            Some((_, input)) if input.processing_steps().is_empty() => Ok(input.clone()),
            Some(_) => match made.get(name) {
                Some(Ok(input)) => Ok(input.clone()),
                Some(Err(_)) => Err(format!("its input {name:?} could not be made again")),
                None => Err(format!("its input {name:?} is made from it (a cycle)")),
            },
        })
        .collect::<Result<Vec<_>, _>>()?;
    run_step(scope, &transform, target, &inputs)
}

/// `None` when `made` reproduces `held`; else what differs.
fn compare(
    held: &TimeSeries,
    made: &Made,
    tolerance: Tolerance,
) -> crate::Result<Option<Difference>> {
    if let Some(reason) = step_difference(held.processing_steps(), &made.steps) {
        return Ok(Some(Difference {
            first_label: None,
            largest: None,
            reason,
        }));
    }
    let (a, b) = (held.data()?, made.series.data()?);
    let (ai, bi) = (
        a.columns()[0].as_materialized_series(),
        b.columns()[0].as_materialized_series(),
    );
    let (av, bv) = (
        a.columns()[1].as_materialized_series(),
        b.columns()[1].as_materialized_series(),
    );
    let common = a.height().min(b.height());
    let label_at = |i: usize| {
        let index = if i < ai.len() { ai } else { bi };
        index.get(i).map(|v| v.to_string()).unwrap_or_default()
    };
    let labels = values_of(ai)?;
    let other_labels = values_of(bi)?;
    let first_label = (0..common).find(|&i| !same(&labels, &other_labels, i, tolerance));
    let (numbers, other_numbers) = (values_of(av)?, values_of(bv)?);
    let mut largest: Option<f64> = None;
    let mut first_value = None;
    for i in 0..common {
        if !same(&numbers, &other_numbers, i, tolerance) {
            first_value.get_or_insert(i);
        }
        if let (Cells::Numbers(x), Cells::Numbers(y)) = (&numbers, &other_numbers)
            && let (Some(x), Some(y)) = (x[i], y[i])
            && x != y
        {
            largest = Some(largest.map_or((x - y).abs(), |l: f64| l.max((x - y).abs())));
        }
    }
    let difference = if let Some(i) = first_label {
        Some((i, "the labels differ".to_owned()))
    } else if a.height() != b.height() {
        Some((
            common,
            format!("{} points held, {} made again", a.height(), b.height()),
        ))
    } else if a.dtypes() != b.dtypes() && !(numbers.is_numeric() && other_numbers.is_numeric()) {
        Some((
            0,
            format!("dtypes {:?} held, {:?} made again", a.dtypes(), b.dtypes()),
        ))
    } else {
        first_value.map(|i| (i, "the values differ".to_owned()))
    };
    Ok(difference.map(|(i, reason)| Difference {
        first_label: (i < a.height().max(b.height())).then(|| label_at(i)),
        largest: largest.filter(|_| first_value.is_some()),
        reason,
    }))
}

/// A column as numbers (floats, integers, booleans, temporal values) or as text.
enum Cells {
    Numbers(Vec<Option<f64>>),
    Exact(Vec<Option<String>>),
}

impl Cells {
    fn is_numeric(&self) -> bool {
        matches!(self, Cells::Numbers(_))
    }
}

fn values_of(column: &Series) -> crate::Result<Cells> {
    let physical = column.to_physical_repr();
    Ok(match physical.dtype() {
        dt if dt.is_primitive_numeric() || dt.is_bool() => {
            Cells::Numbers(physical.cast(&DataType::Float64)?.f64()?.iter().collect())
        }
        _ => Cells::Exact(
            column
                .cast(&DataType::String)?
                .str()?
                .iter()
                .map(|s| s.map(str::to_owned))
                .collect(),
        ),
    })
}

fn same(a: &Cells, b: &Cells, i: usize, tolerance: Tolerance) -> bool {
    match (a, b) {
        (Cells::Numbers(a), Cells::Numbers(b)) => match (a[i], b[i]) {
            (Some(x), Some(y)) => tolerance.accepts(x, y),
            (x, y) => x.is_none() && y.is_none(),
        },
        (Cells::Exact(a), Cells::Exact(b)) => a[i] == b[i],
        _ => false,
    }
}

/// What differs between the last steps of `held` and the steps `made` recorded, on what
/// describes the computation (not the run time, the description or the author).
fn step_difference(held: &[ProcessingStep], made: &[ProcessingStep]) -> Option<String> {
    if made.len() > held.len() {
        return Some(format!(
            "the transform recorded {} steps, the series holds {}",
            made.len(),
            held.len()
        ));
    }
    let tail = &held[held.len() - made.len()..];
    for (h, m) in tail.iter().zip(made) {
        if same_parameters(h, m) {
            // Key order is not part of the record (YAML writers sort the keys).
        } else {
            return Some(format!(
                "the step record differs in its parameters: {:?} held, {:?} made again",
                show_parameters(h),
                show_parameters(m)
            ));
        }
        let fields: [(&str, String, String); 5] = [
            ("type", h.step_type.to_string(), m.step_type.to_string()),
            (
                "function",
                h.function_info.name.clone(),
                m.function_info.name.clone(),
            ),
            ("suffix", h.suffix.clone(), m.suffix.clone()),
            (
                "inputs",
                h.input_series_names.join(", "),
                m.input_series_names.join(", "),
            ),
            (
                "step distance",
                h.step_distance.to_string(),
                m.step_distance.to_string(),
            ),
        ];
        if let Some((field, was, now)) = fields.into_iter().find(|(_, a, b)| a != b) {
            return Some(format!(
                "the step record differs in its {field}: {was:?} held, {now:?} made again"
            ));
        }
    }
    None
}

/// Whether two steps record the same parameters, in any key order (no parameters and empty
/// ones alike).
fn same_parameters(a: &ProcessingStep, b: &ProcessingStep) -> bool {
    let keyed = |s: &ProcessingStep| -> BTreeMap<String, ParamValue> {
        s.parameters
            .iter()
            .flat_map(|p| p.iter())
            .map(|(k, v)| (k.to_owned(), v.clone()))
            .collect()
    };
    keyed(a) == keyed(b)
}

/// Parameters as text, with no parameters and empty ones alike.
fn show_parameters(step: &ProcessingStep) -> String {
    step.parameters
        .as_ref()
        .filter(|p| !p.is_empty())
        .map(|p| p.to_string())
        .unwrap_or_default()
}
