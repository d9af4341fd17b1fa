//! A signal: one measured quantity and the time series derived from it.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use indexmap::IndexMap;
use polars::prelude::{DataFrame, Series};
use serde::{Deserialize, Serialize};

use meteaudata_storage::StorageKey;
use meteaudata_storage::versions::{
    Proposal, SeriesEntry, SignalChange, SignalEntry, VersionLog, new_object_key,
};

use crate::error::{Error, ObjectKind, Result};
use crate::label::{Label, Overlap};
use crate::name::{SignalName, TsName, validate_custom_base, validate_name};
use crate::provenance::DataProvenance;
use crate::step::ProcessingStep;
use crate::storage::{
    Attachment, CommittedSignal, FORMAT_VERSION, SignalRecord, Storable, StoredChunk, StoredCopy,
    Transactional, WrittenSignal, from_value, to_value,
};
use crate::time::now;
use crate::time_series::{TimeSeries, TimeSeriesMetadata};
use crate::transform::{ProcessOptions, SignalTransform, in_process_span};

/// The name of the dataset a signal sits in. A clone is a new, free-standing signal.
#[derive(Debug, Default)]
pub(crate) struct Parent(pub(crate) Option<String>);

impl Clone for Parent {
    fn clone(&self) -> Self {
        Parent(None)
    }
}

/// The key namespace of signals that are not in a dataset (as in meteaudata for Python).
pub const STANDALONE_NAMESPACE: &str = "default";

/// A signal: a named quantity with units and provenance, holding time series keyed by their
/// full names (`<signal>_<BASE>#<n>`). A series' key is always its name.
#[derive(Debug, Clone)]
pub struct Signal {
    name: String,
    units: String,
    provenance: DataProvenance,
    time_series: IndexMap<String, TimeSeries>,
    created_on: NaiveDateTime,
    last_updated: NaiveDateTime,
    pub(crate) parent: Parent,
    storage: Option<Attachment>,
    /// This signal as the attached store last held it (read from it or committed there).
    pub(crate) committed: Option<CommittedSignal>,
    /// Whether its record or series changed since then.
    changed: bool,
}

impl Signal {
    /// Builds a signal. A name without `#` gets `#1` (`Temperature` becomes `Temperature#1`).
    /// Each series is renamed into the signal, keeping its base and number (`RAW` becomes
    /// `Temperature#1_RAW#1`, `RAW#3` stays number 3, any foreign signal prefix is dropped).
    /// Two series that would get the same name are an error naming both.
    pub fn new(
        name: &str,
        units: impl Into<String>,
        provenance: DataProvenance,
        series: impl IntoIterator<Item = TimeSeries>,
    ) -> Result<Signal> {
        let name = SignalName::normalize(name)?;
        let mut time_series: IndexMap<String, TimeSeries> = IndexMap::new();
        let mut original_names: HashMap<String, String> = HashMap::new();
        for mut ts in series {
            let parsed = TsName::parse(ts.name())?;
            let key = series_key(&name, &parsed.base, parsed.number.unwrap_or(1))?;
            if let Some(previous) = original_names.get(&key) {
                return Err(Error::NameCollision {
                    first: previous.clone(),
                    second: ts.name().to_owned(),
                    name: key,
                });
            }
            original_names.insert(key.clone(), ts.name().to_owned());
            ts.set_name(key.clone());
            time_series.insert(key, ts);
        }
        let t = now();
        Ok(Signal {
            name,
            units: units.into(),
            provenance,
            time_series,
            created_on: t,
            last_updated: t,
            parent: Parent::default(),
            storage: None,
            committed: None,
            changed: true,
        })
    }

    /// Builds a signal from a polars [`DataFrame`]: the labels in column `index`, one series
    /// per column of `values`. A single value column becomes the series `RAW`; several become
    /// one series each, named after their column (`_` and `#` written as `-`, since they
    /// separate the parts of a name). A missing column is an error naming it.
    ///
    /// ```
    /// # use meteaudata_core::{DataProvenance, Signal, date_range};
    /// # use polars::prelude::*;
    /// let frame = df!("time" => date_range("2024-01-01", 3, "h")?, "flow" => [1.0, 2.0, 3.0])?;
    /// let signal = Signal::from_frame("Flow", "l/s", DataProvenance::default(), &frame, "time", &["flow"])?;
    /// assert_eq!(signal.all_time_series(), ["Flow#1_RAW#1"]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_frame(
        name: &str,
        units: impl Into<String>,
        provenance: DataProvenance,
        frame: &DataFrame,
        index: &str,
        values: &[&str],
    ) -> Result<Signal> {
        let series = values
            .iter()
            .map(|column| {
                let base = if values.len() == 1 {
                    "RAW".to_owned()
                } else {
                    column.replace(['_', '#'], "-")
                };
                TimeSeries::from_frame(base, frame, index, column)
            })
            .collect::<Result<Vec<_>>>()?;
        Signal::new(name, units, provenance, series)
    }

    /// The name, e.g. `Temperature#1`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The units.
    pub fn units(&self) -> &str {
        &self.units
    }

    /// Changes the units.
    pub fn set_units(&mut self, units: impl Into<String>) {
        self.units = units.into();
        self.touch();
    }

    /// The provenance.
    pub fn provenance(&self) -> &DataProvenance {
        &self.provenance
    }

    /// Replaces the provenance.
    pub fn set_provenance(&mut self, provenance: DataProvenance) {
        self.provenance = provenance;
        self.touch();
    }

    /// When the signal was made.
    pub fn created_on(&self) -> NaiveDateTime {
        self.created_on
    }

    /// When the signal last changed (any processing, add, remove, rename or setter).
    pub fn last_updated(&self) -> NaiveDateTime {
        self.last_updated
    }

    /// Restores the two timestamps (used by loaders).
    pub fn with_timestamps(
        mut self,
        created_on: NaiveDateTime,
        last_updated: NaiveDateTime,
    ) -> Signal {
        self.created_on = created_on;
        self.last_updated = last_updated;
        self
    }

    /// The names of the series, in insertion order.
    pub fn all_time_series(&self) -> Vec<&str> {
        self.time_series.keys().map(String::as_str).collect()
    }

    /// The series, in insertion order.
    pub fn iter(&self) -> impl Iterator<Item = &TimeSeries> {
        self.time_series.values()
    }

    /// The number of series.
    pub fn len(&self) -> usize {
        self.time_series.len()
    }

    /// Whether the signal holds no series.
    pub fn is_empty(&self) -> bool {
        self.time_series.is_empty()
    }

    /// One series by full name.
    pub fn time_series(&self, name: &str) -> Result<&TimeSeries> {
        self.time_series
            .get(name)
            .ok_or_else(|| self.not_found(name))
    }

    /// One series by full name, mutable (its name cannot change through this reference).
    pub fn time_series_mut(&mut self, name: &str) -> Result<&mut TimeSeries> {
        if !self.time_series.contains_key(name) {
            return Err(self.not_found(name));
        }
        Ok(self.time_series.get_mut(name).expect("checked above"))
    }

    fn not_found(&self, name: &str) -> Error {
        Error::NotFound {
            kind: ObjectKind::TimeSeries,
            name: name.to_owned(),
            available: self.time_series.keys().cloned().collect(),
        }
    }

    /// Adds a series under the next free number of its base (`RAW` next to `RAW#1` becomes
    /// `RAW#2`; a number already in the name is ignored). Returns the name it got.
    pub fn add(&mut self, mut ts: TimeSeries) -> Result<String> {
        let base = TsName::parse(ts.name())?.base;
        let number = self.max_numbers().get(&base).map_or(1, |m| m + 1);
        let key = series_key(&self.name, &base, number)?;
        ts.set_name(key.clone());
        self.transaction(|signal| {
            signal.time_series.insert(key.clone(), ts);
            signal.touch();
            Ok(key)
        })
    }

    /// Removes a series and returns it.
    pub fn remove(&mut self, name: &str) -> Result<TimeSeries> {
        if !self.time_series.contains_key(name) {
            return Err(self.not_found(name));
        }
        self.transaction(|signal| {
            let ts = signal
                .time_series
                .shift_remove(name)
                .expect("checked above");
            signal.touch();
            Ok(ts)
        })
    }

    /// Renames the signal: every series key becomes `<new name>_<base>#<n>` and the recorded
    /// input names that pointed at this signal's series follow. The new name is used as given
    /// (not numbered). A signal inside a dataset is renamed with
    /// [`Dataset::rename_signal`](crate::Dataset::rename_signal), which keeps the dataset's key
    /// in step.
    pub fn rename(&mut self, new_name: &str) -> Result<()> {
        if self.parent.0.is_some() {
            return Err(Error::NotAllowed(format!(
                "signal {:?} belongs to a dataset: rename it with Dataset::rename_signal so the \
                 dataset's key follows",
                self.name
            )));
        }
        self.transaction(|signal| signal.rename_internal(new_name, None))
    }

    /// Renames without the dataset check; `bases` optionally replaces each series' base in
    /// order.
    pub(crate) fn rename_internal(
        &mut self,
        new_name: &str,
        bases: Option<&[String]>,
    ) -> Result<()> {
        SignalName::parse(new_name)?;
        if new_name == self.name && bases.is_none() {
            return Ok(());
        }
        let mut renamed: IndexMap<String, TimeSeries> = IndexMap::new();
        let mut mapping: HashMap<String, String> = HashMap::new();
        for (i, (key, ts)) in self.time_series.iter().enumerate() {
            let parsed = TsName::parse(key)?;
            let base = bases.map_or(parsed.base.as_str(), |b| b[i].as_str());
            let new_key = series_key(new_name, base, parsed.number.unwrap_or(1))?;
            if renamed.contains_key(&new_key) {
                let first = mapping
                    .iter()
                    .find(|(_, v)| **v == new_key)
                    .map(|(k, _)| k.clone())
                    .unwrap_or_default();
                return Err(Error::NameCollision {
                    first,
                    second: key.clone(),
                    name: new_key,
                });
            }
            mapping.insert(key.clone(), new_key.clone());
            let mut ts = ts.clone();
            ts.set_name(new_key.clone());
            renamed.insert(new_key, ts);
        }
        let old_name = std::mem::replace(&mut self.name, new_name.to_owned());
        self.time_series = renamed;
        self.rewrite_inputs(&old_name, new_name);
        self.touch();
        Ok(())
    }

    /// Rewrites recorded input names `<old>_<base>#<n>` into `<new>_<base>#<n>` in every step.
    pub(crate) fn rewrite_inputs(&mut self, old_signal: &str, new_signal: &str) {
        for ts in self.time_series.values_mut() {
            for step in ts.steps_mut() {
                for input in &mut step.input_series_names {
                    if let Ok(parsed) = TsName::parse(input)
                        && parsed.signal == old_signal
                    {
                        *input =
                            TsName::format(new_signal, &parsed.base, parsed.number.unwrap_or(1));
                    }
                }
            }
        }
    }

    /// Runs `transform` on the named series and stores its outputs.
    ///
    /// Each output is named `<this signal>_<base>#<n>` where the base comes from the output's
    /// own name or from `options.output_names`, and `n` is the next free number of that base,
    /// or with `options.overwrite` the latest existing one (or 1). Each output gets its own
    /// copy of the histories of all inputs (in request order) followed by its new steps, with
    /// repeats removed; recorded input names are kept as given. Nothing is stored if anything
    /// fails. Returns the names of the stored series.
    pub fn process(
        &mut self,
        inputs: &[&str],
        transform: impl SignalTransform,
        options: ProcessOptions,
    ) -> Result<Vec<String>> {
        let span = tracing::info_span!(
            "process",
            signal = %self.name,
            function = %transform.name(),
            inputs = ?inputs,
            outputs = tracing::field::Empty
        );
        in_process_span(&span, || self.process_in_span(inputs, transform, options))
    }

    fn process_in_span(
        &mut self,
        inputs: &[&str],
        transform: impl SignalTransform,
        options: ProcessOptions,
    ) -> Result<Vec<String>> {
        let input_series: Vec<&TimeSeries> = inputs
            .iter()
            .map(|name| self.time_series(name))
            .collect::<Result<_>>()?;
        let outputs = transform
            .apply(&input_series)
            .map_err(|cause| Error::Transform {
                transform: transform.name(),
                cause,
            })?;
        if let Some(names) = &options.output_names {
            if names.len() != outputs.len() {
                return Err(Error::InvalidArgument(format!(
                    "output_names must have the same length as the number of outputs: expected {}, got {}",
                    outputs.len(),
                    names.len()
                )));
            }
            for name in names {
                validate_custom_base(name, "output_names")?;
            }
        }
        let inherited: Vec<ProcessingStep> = input_series
            .iter()
            .flat_map(|ts| ts.processing_steps().iter().cloned())
            .collect();
        let basis: Vec<_> = input_series
            .iter()
            .map(|ts| ts.mark())
            .collect::<Result<_>>()?;
        let mut numbers = self.max_numbers();
        let mut planned: Vec<(String, String, TimeSeries)> = Vec::with_capacity(outputs.len());
        for (i, output) in outputs.into_iter().enumerate() {
            let mut series = output.series;
            let base = match &options.output_names {
                Some(names) => names[i].clone(),
                None => TsName::parse(series.name())?.base,
            };
            let number = next_number(&mut numbers, &base, options.overwrite);
            let key = series_key(&self.name, &base, number)?;
            if let Some((first, ..)) = planned.iter().find(|(_, k, _)| *k == key) {
                return Err(Error::NameCollision {
                    first: first.clone(),
                    second: series.name().to_owned(),
                    name: key,
                });
            }
            let original = series.name().to_owned();
            series.steps_mut().extend(output.steps);
            series.prepend_history(&inherited);
            series.set_basis(basis.clone());
            series.set_name(key.clone());
            planned.push((original, key, series));
        }
        self.transaction(|signal| {
            let mut names = Vec::with_capacity(planned.len());
            for (_, key, series) in planned {
                names.push(key.clone());
                signal.time_series.insert(key, series);
            }
            signal.touch();
            Ok(names)
        })
    }

    /// Appends points to series `series` (see [`TimeSeries::append`]), then auto-saves: on a
    /// store, the commit writes only the new points as new chunks. On failure nothing
    /// changes, in memory or in the store.
    ///
    /// ```
    /// # use meteaudata_core::{DataProvenance, Overlap, Signal, TimeSeries};
    /// # use polars::prelude::*;
    /// let raw = TimeSeries::with_range_index("RAW", 0, 1, Series::new("v".into(), [1.0, 2.0]))?;
    /// let mut signal = Signal::new("Flow", "l/s", DataProvenance::default(), [raw])?;
    /// let (index, values) = (Series::new("i".into(), [2i64, 3]), Series::new("v".into(), [3.0, 4.0]));
    /// signal.append("Flow#1_RAW#1", index, values, Overlap::Error)?;
    /// assert_eq!(signal.time_series("Flow#1_RAW#1")?.len(), 4);
    /// let again = (Series::new("i".into(), [3i64]), Series::new("v".into(), [9.0]));
    /// assert!(signal.append("Flow#1_RAW#1", again.0, again.1, Overlap::Error).is_err());
    /// # Ok::<(), meteaudata_core::Error>(())
    /// ```
    pub fn append(
        &mut self,
        series: &str,
        index: Series,
        values: Series,
        overlap: Overlap,
    ) -> Result<()> {
        self.edit(series, |ts| ts.append(index, values, overlap))
    }

    /// Replaces the points of series `series` whose label is in `[start, end)` by new ones
    /// (see [`TimeSeries::update`]), then auto-saves: on a store, one version that rewrites
    /// only the chunks holding the range. On failure nothing changes. Returns how many points
    /// were replaced.
    pub fn update(
        &mut self,
        series: &str,
        start: impl Into<Label>,
        end: impl Into<Label>,
        index: Series,
        values: Series,
    ) -> Result<usize> {
        let (start, end) = (start.into(), end.into());
        self.edit(series, |ts| ts.update(start, end, index, values))
    }

    /// Removes the points of series `series` whose label is in `[start, end)` (see
    /// [`TimeSeries::delete_range`]), then auto-saves as for [`Signal::update`]. Returns how
    /// many points were removed.
    pub fn delete_range(
        &mut self,
        series: &str,
        start: impl Into<Label>,
        end: impl Into<Label>,
    ) -> Result<usize> {
        let (start, end) = (start.into(), end.into());
        self.edit(series, |ts| ts.delete_range(start, end))
    }

    /// Runs `change` on series `series` as one change of this signal: auto-saved, and undone
    /// when it or the save fails.
    fn edit<T>(
        &mut self,
        series: &str,
        change: impl FnOnce(&mut TimeSeries) -> Result<T>,
    ) -> Result<T> {
        self.time_series(series)?;
        self.transaction(|signal| {
            let out = change(signal.time_series.get_mut(series).expect("checked above"))?;
            signal.touch();
            Ok(out)
        })
    }

    /// Merges the small chunks at the end of stored series `series` into full-size ones
    /// (see [`TimeSeries::compact`]), then auto-saves. Returns whether there was anything to
    /// merge.
    pub fn compact(&mut self, series: &str) -> Result<bool> {
        self.time_series(series)?;
        self.transaction(|signal| {
            let merged = signal
                .time_series
                .get_mut(series)
                .expect("checked above")
                .compact()?;
            if merged {
                signal.touch();
            }
            Ok(merged)
        })
    }

    /// The serializable metadata (no data), as `metadata_dict()` in Python.
    pub fn metadata(&self) -> SignalMetadata {
        SignalMetadata {
            created_on: self.created_on,
            last_updated: self.last_updated,
            name: self.name.clone(),
            units: self.units.clone(),
            provenance: self.provenance.clone(),
            time_series: self
                .time_series
                .iter()
                .map(|(k, ts)| (k.clone(), ts.metadata()))
                .collect(),
        }
    }

    /// The name of the dataset this signal is stored under: its dataset's, or
    /// [`STANDALONE_NAMESPACE`].
    pub(crate) fn namespace(&self) -> &str {
        self.parent.0.as_deref().unwrap_or(STANDALONE_NAMESPACE)
    }

    /// The attached backend, if any.
    pub fn storage(&self) -> Option<&Attachment> {
        self.storage.as_ref()
    }

    /// Attaches without saving; every series is written at the next save.
    pub(crate) fn attach_quietly(&mut self, attachment: Attachment) {
        for ts in self.time_series.values() {
            ts.mark_dirty();
        }
        self.storage = Some(attachment);
        self.committed = None;
        self.changed = true;
    }

    /// Commits this signal to its store as the next version of its dataset (or, outside a
    /// dataset, of the `default` namespace): new or changed series are written as new
    /// objects, then one atomic commit makes them visible. Another writer's concurrent
    /// commit to other signals is merged; one to this signal since it was read is a
    /// [`VersionConflict`](meteaudata_storage::StorageError::VersionConflict). On failure
    /// nothing in memory changes. Then releases saved data beyond the memory budget. `RAW`
    /// series take the provenance's `metadata_id`, as in meteaudata for Python.
    pub fn save_all(&mut self) -> Result<()> {
        let attachment = self
            .storage
            .clone()
            .ok_or_else(|| Error::NoBackend(format!("signal {:?}", self.name)))?;
        if self.needs_commit(&attachment) {
            let dataset = self.namespace().to_owned();
            let plan = self.plan(&attachment, &dataset)?;
            let written = self.write(&attachment, plan)?;
            let mut changes = self.retired().into_iter().collect::<Vec<_>>();
            changes.push(written.change.clone());
            let log = VersionLog::new(&*attachment.backend, &dataset)?;
            // The version this signal was read or committed at: when nobody committed
            // since, the next version is free and the commit reads nothing first.
            let committed = log.commit(&Proposal {
                base: written.change.base,
                replace: false,
                dataset: None,
                signals: changes,
                operation: "save signal".into(),
            })?;
            self.after_commit(written, committed.version);
        }
        attachment.enforce_budget();
        Ok(())
    }

    /// Whether the store does not hold this signal as it is now.
    pub(crate) fn needs_commit(&self, attachment: &Attachment) -> bool {
        self.changed
            || self.committed.as_ref().is_none_or(|c| c.name != self.name)
            || self
                .time_series
                .values()
                .any(|ts| !ts.is_stored_in(attachment))
    }

    /// The removal of this signal's committed entry under an old name, after a rename.
    pub(crate) fn retired(&self) -> Option<SignalChange> {
        self.committed
            .as_ref()
            .filter(|c| c.name != self.name)
            .map(|c| SignalChange {
                name: c.name.clone(),
                entry: None,
                previous: Some(c.entry.clone()),
                base: Some(c.version),
            })
    }

    /// Where each series goes in the next commit: its current object (`None`: unchanged and
    /// already in this backend) or a new object key. Every key is checked with the backend
    /// first, so a name the store cannot hold is refused before anything is written.
    pub(crate) fn plan(
        &self,
        attachment: &Attachment,
        dataset: &str,
    ) -> Result<Vec<Option<StorageKey>>> {
        let mut plan = Vec::with_capacity(self.time_series.len());
        for (name, ts) in &self.time_series {
            if ts.current_copy(attachment).is_some() {
                plan.push(None);
                continue;
            }
            let key = new_object_key(dataset, &self.name, series_part(&self.name, name))?;
            attachment.backend.check_key(&key)?;
            plan.push(Some(key));
        }
        Ok(plan)
    }

    /// Writes the new objects of `plan` and builds this signal's entry; nothing in memory
    /// changes until [`Signal::after_commit`].
    pub(crate) fn write(
        &self,
        attachment: &Attachment,
        plan: Vec<Option<StorageKey>>,
    ) -> Result<WrittenSignal> {
        let provenance_id = self.provenance.metadata_id.clone();
        let mut entry = SignalEntry {
            record: to_value(&self.record())?,
            series: IndexMap::with_capacity(self.time_series.len()),
        };
        let mut copies = Vec::new();
        for ((name, ts), target) in self.time_series.iter().zip(plan) {
            let metadata_id =
                if TsName::parse(name).is_ok_and(|p| p.base.eq_ignore_ascii_case("raw")) {
                    provenance_id.clone()
                } else {
                    ts.metadata_id().map(str::to_owned)
                };
            let record = ts.record(metadata_id.clone());
            let copy = match target {
                None => ts.current_copy(attachment).ok_or_else(|| {
                    Error::NotAllowed(format!("series {name:?} changed while it was saved"))
                })?,
                Some(first) => {
                    // The planned key, then fresh keys beside it for further chunks.
                    let mut first = Some(first);
                    ts.write_object(attachment, &record, || match first.take() {
                        Some(key) => Ok(key),
                        None => {
                            let (dataset, part) = (self.namespace(), series_part(&self.name, name));
                            Ok(new_object_key(dataset, &self.name, part)?)
                        }
                    })?
                }
            };
            entry.series.insert(
                name.clone(),
                SeriesEntry {
                    chunks: copy.manifest_chunks(),
                    record: to_value(&record)?,
                },
            );
            copies.push((name.clone(), copy, metadata_id));
        }
        let change = SignalChange {
            name: self.name.clone(),
            entry: Some(entry),
            previous: self
                .committed
                .as_ref()
                .filter(|c| c.name == self.name)
                .map(|c| c.entry.clone()),
            base: self
                .committed
                .as_ref()
                .filter(|c| c.name == self.name)
                .map(|c| c.version),
        };
        Ok(WrittenSignal { change, copies })
    }

    /// Records that `written` is in the store as of `version`.
    pub(crate) fn after_commit(&mut self, written: WrittenSignal, version: u64) {
        for (name, copy, metadata_id) in written.copies {
            if let Some(ts) = self.time_series.get_mut(&name) {
                ts.set_metadata_id(metadata_id);
                ts.mark_saved(copy);
            }
        }
        if let Some(entry) = written.change.entry {
            self.committed = Some(CommittedSignal {
                name: self.name.clone(),
                entry,
                version,
            });
        }
        self.changed = false;
    }

    fn record(&self) -> SignalRecord {
        SignalRecord {
            format_version: FORMAT_VERSION,
            name: self.name.clone(),
            units: self.units.clone(),
            provenance: self.provenance.clone(),
            created_on: self.created_on,
            last_updated: self.last_updated,
            time_series: Vec::new(),
        }
    }

    /// Reads every released series back into memory.
    pub fn load_all(&mut self) -> Result<()> {
        for ts in self.time_series.values() {
            ts.data()?;
        }
        Ok(())
    }

    /// The bytes of series data held in memory.
    pub fn resident_bytes(&self) -> usize {
        self.time_series
            .values()
            .map(TimeSeries::resident_bytes)
            .sum()
    }

    /// Reads the signal `name` from the latest version of dataset `dataset` in a store (a
    /// free-standing signal: `None`, the `default` namespace); series data on first access
    /// when `lazy`.
    pub fn open_from(
        attachment: Attachment,
        dataset: Option<&str>,
        name: &str,
        lazy: bool,
    ) -> Result<Signal> {
        let namespace = dataset.unwrap_or(STANDALONE_NAMESPACE);
        let log = VersionLog::new(&*attachment.backend, namespace)?;
        let version = log.latest()?;
        let manifest = log.state(version)?;
        let entry = manifest.signals.get(name).ok_or_else(|| Error::NotFound {
            kind: ObjectKind::Signal,
            name: name.to_owned(),
            available: manifest.signals.keys().cloned().collect(),
        })?;
        Signal::from_entry(name, entry, &attachment, dataset, lazy, version)
    }

    /// The signal a version's manifest describes (version 0: read from a format-1 store,
    /// so the next commit writes it whole).
    pub(crate) fn from_entry(
        name: &str,
        entry: &SignalEntry,
        attachment: &Attachment,
        dataset: Option<&str>,
        lazy: bool,
        version: u64,
    ) -> Result<Signal> {
        let record: SignalRecord = from_value(name, entry.record.clone())?;
        let mut signal = Signal::new(&record.name, record.units, record.provenance, [])?;
        signal.parent = Parent(dataset.map(str::to_owned));
        for (series_name, series) in &entry.series {
            let record = from_value(series_name, series.record.clone())?;
            let chunks = series
                .chunks
                .iter()
                .map(StoredChunk::from_manifest)
                .collect::<Result<_>>()?;
            let copy = StoredCopy::new(attachment, chunks);
            let ts = TimeSeries::from_record(record, copy, lazy)?;
            signal.time_series.insert(series_name.clone(), ts);
        }
        signal.created_on = record.created_on;
        signal.last_updated = record.last_updated;
        signal.storage = Some(attachment.clone());
        signal.committed = (version > 0).then(|| CommittedSignal {
            name: name.to_owned(),
            entry: entry.clone(),
            version,
        });
        signal.changed = version == 0;
        Ok(signal)
    }

    /// The highest number of each series base.
    fn max_numbers(&self) -> HashMap<String, u32> {
        let mut numbers: HashMap<String, u32> = HashMap::new();
        for key in self.time_series.keys() {
            if let Ok(parsed) = TsName::parse(key) {
                let n = parsed.number.unwrap_or(1);
                let entry = numbers.entry(parsed.base).or_insert(n);
                *entry = (*entry).max(n);
            }
        }
        numbers
    }

    pub(crate) fn series_mut(&mut self) -> impl Iterator<Item = &mut TimeSeries> {
        self.time_series.values_mut()
    }

    pub(crate) fn touch(&mut self) {
        self.last_updated = now().max(self.last_updated);
        self.changed = true;
    }
}

/// The number a new output of `base` gets, recording it in `numbers`: the next free one, or
/// with `overwrite` the latest existing one (1 if the base is new).
pub(crate) fn next_number(numbers: &mut HashMap<String, u32>, base: &str, overwrite: bool) -> u32 {
    let current = numbers.get(base).copied();
    let number = match (current, overwrite) {
        (Some(max), true) => max,
        (Some(max), false) => max + 1,
        (None, _) => 1,
    };
    numbers.insert(base.to_owned(), number.max(current.unwrap_or(0)));
    number
}

/// `<signal>_<base>#<n>`, validated as a name.
/// The part of series `series`'s name after its signal's (`RAW#1` of `A#1_RAW#1`), as its
/// data objects are keyed.
fn series_part<'a>(signal: &str, series: &'a str) -> &'a str {
    series
        .strip_prefix(signal)
        .and_then(|rest| rest.strip_prefix('_'))
        .unwrap_or(series)
}

fn series_key(signal: &str, base: &str, number: u32) -> Result<String> {
    validate_custom_base(base, "a time-series base")?;
    let key = TsName::format(signal, base, number);
    validate_name(&key)?;
    Ok(key)
}

/// Signals compare their name, units, provenance, timestamps and series (by key).
impl PartialEq for Signal {
    fn eq(&self, other: &Signal) -> bool {
        self.name == other.name
            && self.units == other.units
            && self.provenance == other.provenance
            && self.created_on == other.created_on
            && self.last_updated == other.last_updated
            && self.time_series == other.time_series
    }
}

/// The serializable metadata of a signal (keys as in meteaudata for Python).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SignalMetadata {
    /// When the signal was made.
    pub created_on: NaiveDateTime,
    /// When it last changed.
    pub last_updated: NaiveDateTime,
    /// Its name.
    pub name: String,
    /// Its units.
    pub units: String,
    /// Its provenance.
    pub provenance: DataProvenance,
    /// The metadata of each series, by full name.
    pub time_series: IndexMap<String, TimeSeriesMetadata>,
}

impl Transactional for Signal {
    fn attachment(&self) -> Option<&Attachment> {
        self.storage.as_ref()
    }

    fn save(&mut self) -> Result<()> {
        self.save_all()
    }

    /// Keeps the dataset the signal belongs to (a clone is free-standing).
    fn restore(&mut self, before: Signal) {
        let parent = self.parent.0.take();
        *self = before;
        self.parent.0 = parent;
    }
}

impl Storable for Signal {
    /// Attaches and, with auto-save, saves; when the save fails, the signal is left exactly
    /// as it was (with its previous backend, if any).
    fn attach(&mut self, attachment: Attachment) -> Result<()> {
        let before = self.clone();
        self.attach_quietly(attachment);
        if let Err(e) = self.auto_save() {
            self.restore(before);
            return Err(e);
        }
        Ok(())
    }
}
