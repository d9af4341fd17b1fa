//! Running one recorded step again: the series it read, the transform rebuilt from the
//! registry, and which of the transform's outputs is the series in question.

use std::collections::HashMap;

use crate::dataset::Dataset;
use crate::replay::{Rebuilt, Registry};
use crate::signal::Signal;
use crate::step::ProcessingStep;
use crate::time_series::TimeSeries;
use crate::transform::DatasetInput;

/// The series a replay can see, by name, with the signal holding each, in the order of the
/// signals and their series; and the dataset, when there is one (dataset transforms need it).
pub(crate) struct Scope<'a> {
    dataset: Option<&'a Dataset>,
    series: Vec<(&'a Signal, &'a TimeSeries)>,
    by_name: HashMap<&'a str, usize>,
}

impl<'a> Scope<'a> {
    /// Every series of `dataset`.
    pub(crate) fn of_dataset(dataset: &'a Dataset) -> Scope<'a> {
        Scope::new(Some(dataset), dataset.iter())
    }

    /// Every series of `signal` alone.
    pub(crate) fn of_signal(signal: &'a Signal) -> Scope<'a> {
        Scope::new(None, std::iter::once(signal))
    }

    fn new(dataset: Option<&'a Dataset>, signals: impl Iterator<Item = &'a Signal>) -> Scope<'a> {
        let series: Vec<(&Signal, &TimeSeries)> = signals
            .flat_map(|signal| signal.iter().map(move |ts| (signal, ts)))
            .collect();
        let by_name = series
            .iter()
            .enumerate()
            .map(|(i, (_, ts))| (ts.name(), i))
            .collect();
        Scope {
            dataset,
            series,
            by_name,
        }
    }

    /// The series called `name` and its signal.
    pub(crate) fn get(&self, name: &str) -> Option<(&'a Signal, &'a TimeSeries)> {
        self.by_name.get(name).map(|&i| self.series[i])
    }

    /// Every series with its signal, in order.
    pub(crate) fn all(&self) -> impl Iterator<Item = (&'a Signal, &'a TimeSeries)> + '_ {
        self.series.iter().copied()
    }

    /// The derived series in an order where each comes after the derived series it reads
    /// (cycles, which a hand-edited history could hold, are broken where found).
    pub(crate) fn derived_in_order(&self) -> Vec<&'a TimeSeries> {
        fn visit<'a>(
            scope: &Scope<'a>,
            ts: &'a TimeSeries,
            seen: &mut HashMap<&'a str, bool>,
            out: &mut Vec<&'a TimeSeries>,
        ) {
            if seen.insert(ts.name(), true).is_some() {
                return;
            }
            let Some(step) = ts.processing_steps().last() else {
                return;
            };
            for input in &step.input_series_names {
                if let Some((_, input)) = scope.get(input) {
                    visit(scope, input, seen, out);
                }
            }
            out.push(ts);
        }
        let mut seen = HashMap::new();
        let mut out = Vec::new();
        for (_, ts) in self.all() {
            visit(self, ts, &mut seen, &mut out);
        }
        out
    }
}

/// A series made again by its last step, with the steps the transform recorded.
#[derive(Debug, Clone)]
pub(crate) struct Made {
    pub(crate) series: TimeSeries,
    pub(crate) steps: Vec<ProcessingStep>,
}

/// Runs `transform` (rebuilt from the last step of `target`) on `inputs` (the series that
/// step names, in order) and picks the output that is `target`'s counterpart.
pub(crate) fn run_step(
    scope: &Scope<'_>,
    transform: &Rebuilt,
    target: &TimeSeries,
    inputs: &[TimeSeries],
) -> Result<Made, String> {
    let step = target
        .processing_steps()
        .last()
        .ok_or_else(|| format!("{:?} has no processing step", target.name()))?;
    let outputs: Vec<Made> = match transform {
        Rebuilt::Signal(t) => {
            let refs: Vec<&TimeSeries> = inputs.iter().collect();
            t.apply(&refs)
                .map_err(|e| format!("{} failed: {e}", t.name()))?
                .into_iter()
                .map(|o| Made {
                    series: o.series,
                    steps: o.steps,
                })
                .collect()
        }
        Rebuilt::Dataset(t) => {
            let dataset = scope.dataset.ok_or_else(|| {
                format!(
                    "{} works across the signals of a dataset: verify the dataset",
                    t.name()
                )
            })?;
            let located: Vec<DatasetInput<'_>> = inputs
                .iter()
                .zip(&step.input_series_names)
                .map(|(series, name)| {
                    let (signal, _) = scope.get(name).expect("inputs are found before a run");
                    DatasetInput { signal, series }
                })
                .collect();
            t.apply(dataset, &located)
                .map_err(|e| format!("{} failed: {e}", t.name()))?
                .iter()
                .flat_map(|signal| signal.iter())
                .map(|ts| Made {
                    series: ts.clone(),
                    steps: ts.processing_steps().to_vec(),
                })
                .collect()
        }
    };
    pick(scope, target, step, outputs)
}

/// The output of a run that stands for `target`: the only one, or the one at `target`'s rank
/// among the series that the same call made (they share the very same last step).
fn pick(
    scope: &Scope<'_>,
    target: &TimeSeries,
    step: &ProcessingStep,
    mut outputs: Vec<Made>,
) -> Result<Made, String> {
    let count = outputs.len();
    if count == 1 {
        return Ok(outputs.remove(0));
    }
    let rank = scope
        .all()
        .filter(|(_, ts)| ts.processing_steps().last() == Some(step))
        .position(|(_, ts)| ts.name() == target.name());
    match rank {
        Some(rank) if rank < count => Ok(outputs.swap_remove(rank)),
        _ => Err(format!(
            "the step made {count} outputs and the series that the same call made are not \
             all here, so which one is {:?} cannot be told",
            target.name()
        )),
    }
}

/// The registry's transform for the last step of `target`.
pub(crate) fn rebuild(registry: &Registry, target: &TimeSeries) -> Result<Rebuilt, String> {
    let step = target
        .processing_steps()
        .last()
        .ok_or_else(|| format!("{:?} has no processing step", target.name()))?;
    registry.rebuild(step)
}
