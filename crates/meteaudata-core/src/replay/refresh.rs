//! `refresh`: the derived series whose inputs changed, made again and committed as one
//! version.

use std::collections::HashMap;

use polars::prelude::*;

use crate::dataset::Dataset;
use crate::error::{Error, Result};
use crate::label::{Overlap, show_ticks};
use crate::replay::engine::{Scope, rebuild, run_step};
use crate::replay::state::{Change, change};
use crate::replay::{Rebuilt, RefreshEntry, Registry};
use crate::signal::Signal;
use crate::storage::Transactional;
use crate::time::now;
use crate::time_series::{INDEX_COLUMN, TimeSeries, VALUES_COLUMN};

/// Options of [`Dataset::refresh`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RefreshOptions {
    /// Re-run every changed step on its whole input, even where the function could work on
    /// the new points alone (the numbers are the same either way; this is for checking that).
    pub whole: bool,
}

/// One series a refresh made again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refreshed {
    /// Its full name.
    pub series: String,
    /// The label from which it was recomputed, for an incremental refresh; `None` when it was
    /// recomputed whole.
    pub from: Option<String>,
}

/// What a refresh did: the series it made again, inputs first (empty when nothing was stale).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RefreshReport {
    /// The series made again.
    pub refreshed: Vec<Refreshed>,
}

/// How much of a series changed during a refresh.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Delta {
    Unchanged,
    /// The points from this label (index ticks) on.
    From(i64),
    All,
}

impl Delta {
    fn merge(self, other: Delta) -> Delta {
        match (self, other) {
            (Delta::Unchanged, d) | (d, Delta::Unchanged) => d,
            (Delta::From(a), Delta::From(b)) => Delta::From(a.min(b)),
            _ => Delta::All,
        }
    }
}

/// What a refresh can see and change: a dataset or a lone signal.
trait Holder: Transactional {
    fn scope(&self) -> Scope<'_>;
    /// The series `name`, to change (its signal is marked changed).
    fn series_mut(&mut self, name: &str) -> &mut TimeSeries;
}

impl Holder for Dataset {
    fn scope(&self) -> Scope<'_> {
        Scope::of_dataset(self)
    }

    fn series_mut(&mut self, name: &str) -> &mut TimeSeries {
        self.touch();
        let signal = self
            .signals_mut()
            .find(|signal| signal.time_series(name).is_ok())
            .expect("refreshed series are taken from the scope");
        signal.touch();
        signal.time_series_mut(name).expect("checked above")
    }
}

impl Holder for Signal {
    fn scope(&self) -> Scope<'_> {
        Scope::of_signal(self)
    }

    fn series_mut(&mut self, name: &str) -> &mut TimeSeries {
        self.touch();
        self.time_series_mut(name)
            .expect("refreshed series are taken from the scope")
    }
}

impl Dataset {
    /// Makes again every derived series whose inputs changed since it was computed (an
    /// append to a raw series, say), inputs first, with the functions of `registry`, and
    /// saves them as one version (when auto-save is on; otherwise at the next `save_all`).
    ///
    /// Where one input changed only by appended points and the function supports it
    /// ([`SignalTransform::extend`](crate::SignalTransform::extend): resample and positional
    /// linear interpolation do), only the end of the series is recomputed, from the new points
    /// and what they touch; otherwise the step is re-run on its whole inputs. The numbers are
    /// the same either way. Each refreshed series records the refresh
    /// ([`TimeSeries::refreshes`]) and its inputs' new state. A series with no recorded
    /// basis (made before this was recorded, or read from an archive) counts as changed.
    ///
    /// Fails, changing nothing, when a series to refresh cannot be re-run (naming it and
    /// why).
    pub fn refresh(
        &mut self,
        registry: &Registry,
        options: RefreshOptions,
    ) -> Result<RefreshReport> {
        refresh(self, registry, options)
    }
}

impl Signal {
    /// [`Dataset::refresh`] for the series of this signal alone.
    pub fn refresh(
        &mut self,
        registry: &Registry,
        options: RefreshOptions,
    ) -> Result<RefreshReport> {
        refresh(self, registry, options)
    }
}

fn refresh<H: Holder>(
    holder: &mut H,
    registry: &Registry,
    options: RefreshOptions,
) -> Result<RefreshReport> {
    let _span = tracing::info_span!("refresh", whole = options.whole).entered();
    let order: Vec<String> = holder
        .scope()
        .derived_in_order()
        .iter()
        .map(|ts| ts.name().to_owned())
        .collect();
    holder.transaction(|holder| {
        let mut deltas: HashMap<String, Delta> = HashMap::new();
        let mut report = RefreshReport::default();
        for name in order {
            let (delta, entry) = refresh_one(holder, registry, options, &name, &deltas)?;
            if delta == Delta::Unchanged {
                continue;
            }
            let basis = {
                let scope = holder.scope();
                let step = scope.get(&name).expect("in scope").1.processing_steps();
                let inputs = &step.last().expect("derived").input_series_names;
                inputs
                    .iter()
                    .filter_map(|input| scope.get(input))
                    .map(|(_, input)| input.mark())
                    .collect::<Result<Vec<_>>>()?
            };
            let ts = holder.series_mut(&name);
            ts.set_basis(basis);
            ts.push_refresh(entry.clone());
            report.refreshed.push(Refreshed {
                series: name.clone(),
                from: entry.from,
            });
            deltas.insert(name, delta);
        }
        Ok(report)
    })
}

/// Refreshes series `name` when an input changed; returns how it changed.
fn refresh_one<H: Holder>(
    holder: &mut H,
    registry: &Registry,
    options: RefreshOptions,
    name: &str,
    deltas: &HashMap<String, Delta>,
) -> Result<(Delta, RefreshEntry)> {
    let fail = |reason: String| Error::NotReplayable {
        series: name.to_owned(),
        reason,
    };
    let scope = holder.scope();
    let (_, target) = scope.get(name).expect("in scope");
    let step = target.processing_steps().last().expect("derived");
    let mut inputs = Vec::with_capacity(step.input_series_names.len());
    let mut delta = Delta::Unchanged;
    for input_name in &step.input_series_names {
        let (_, input) = scope
            .get(input_name)
            .ok_or_else(|| fail(format!("its input {input_name:?} is not held here")))?;
        let input_delta = match deltas.get(input_name) {
            Some(d) => *d,
            None => match target.basis().iter().find(|m| &m.series == input_name) {
                None => Delta::All,
                Some(mark) => match change(mark, input) {
                    Change::Same => Delta::Unchanged,
                    Change::Appended { after } => {
                        after.checked_add(1).map_or(Delta::All, Delta::From)
                    }
                    Change::Other => Delta::All,
                },
            },
        };
        delta = delta.merge(input_delta);
        inputs.push(input.clone());
    }
    let entry = |from: Option<String>| RefreshEntry { at: now(), from };
    if delta == Delta::Unchanged {
        return Ok((delta, entry(None)));
    }
    let transform = rebuild(registry, target).map_err(fail)?;
    if let (Delta::From(since), [input], Rebuilt::Signal(t), false) =
        (delta, inputs.as_slice(), &transform, options.whole)
    {
        let extension = t
            .extend(input, target, since)
            .map_err(|e| fail(format!("{} failed: {e}", t.name())))?;
        if let Some(points) = extension.filter(|p| p.height() > 0) {
            let from = crate::slot::ticks(&points)?
                .and_then(|t| t.get(0))
                .ok_or_else(|| fail("the extension has no integer-backed labels".into()))?;
            let label = show_ticks(from, target.index_data_type());
            drop(scope);
            let column = |c: &str| -> Result<Series> {
                Ok(points.column(c)?.as_materialized_series().clone())
            };
            let (index, values) = (column(INDEX_COLUMN)?, column(VALUES_COLUMN)?);
            holder
                .series_mut(name)
                .append(index, values, Overlap::Replace)?;
            return Ok((Delta::From(from), entry(Some(label))));
        }
    }
    let made = run_step(&scope, &transform, target, &inputs).map_err(fail)?;
    drop(scope);
    holder.series_mut(name).replace_data(made.series);
    Ok((Delta::All, entry(None)))
}
