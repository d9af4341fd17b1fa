//! A dataset: named signals that belong together.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

use meteaudata_storage::StorageError;
use meteaudata_storage::versions::{At, Proposal, SignalChange, VersionLog};

use crate::error::{Error, ObjectKind, Result};
use crate::name::{SignalName, TsName, validate_custom_base, validate_name};
use crate::signal::{Signal, SignalMetadata, next_number};
use crate::step::ProcessingStep;
use crate::storage::{
    Attachment, CommittedSignal, DatasetRecord, FORMAT_VERSION, Storable, Transactional,
    from_value, to_value,
};
use crate::time::now;
use crate::transform::{DatasetInput, DatasetProcessOptions, DatasetTransform, in_process_span};

/// A dataset: signals keyed by their names, plus descriptive fields. A signal's key is always
/// its name.
#[derive(Debug)]
pub struct Dataset {
    name: String,
    description: Option<String>,
    owner: Option<String>,
    purpose: Option<String>,
    project: Option<String>,
    signals: IndexMap<String, Signal>,
    created_on: NaiveDateTime,
    last_updated: NaiveDateTime,
    storage: Option<Attachment>,
    /// The version of the attached store this dataset was last read from or committed as,
    /// with its record then (`None`: the next save writes the dataset whole, replacing any
    /// stored dataset of its name as a new version).
    committed: Option<(u64, serde_json::Value)>,
    /// Signals removed since then, as the store holds them.
    removed: Vec<CommittedSignal>,
}

/// A clone is a dataset of the same name whose signals belong to it: it saves under the same
/// keys as the original and reopens the same way.
impl Clone for Dataset {
    fn clone(&self) -> Dataset {
        let mut signals = self.signals.clone();
        for signal in signals.values_mut() {
            signal.parent.0 = Some(self.name.clone());
        }
        Dataset {
            name: self.name.clone(),
            description: self.description.clone(),
            owner: self.owner.clone(),
            purpose: self.purpose.clone(),
            project: self.project.clone(),
            signals,
            created_on: self.created_on,
            last_updated: self.last_updated,
            storage: self.storage.clone(),
            committed: self.committed.clone(),
            removed: self.removed.clone(),
        }
    }
}

impl Dataset {
    /// An empty dataset.
    pub fn new(name: &str) -> Result<Dataset> {
        validate_name(name)?;
        let t = now();
        Ok(Dataset {
            name: name.to_owned(),
            description: None,
            owner: None,
            purpose: None,
            project: None,
            signals: IndexMap::new(),
            created_on: t,
            last_updated: t,
            storage: None,
            committed: None,
            removed: Vec::new(),
        })
    }

    /// Sets the description.
    pub fn with_description(mut self, description: impl Into<String>) -> Dataset {
        self.description = Some(description.into());
        self
    }

    /// Sets the owner.
    pub fn with_owner(mut self, owner: impl Into<String>) -> Dataset {
        self.owner = Some(owner.into());
        self
    }

    /// Sets the purpose.
    pub fn with_purpose(mut self, purpose: impl Into<String>) -> Dataset {
        self.purpose = Some(purpose.into());
        self
    }

    /// Sets the project (also given to signals made by [`Dataset::process`] transforms that
    /// honour it, such as `average_signals`).
    pub fn with_project(mut self, project: impl Into<String>) -> Dataset {
        self.project = Some(project.into());
        self
    }

    /// Adds signals under their own names. Two signals with one name are an error naming it.
    pub fn with_signals(mut self, signals: impl IntoIterator<Item = Signal>) -> Result<Dataset> {
        for mut signal in signals {
            if self.signals.contains_key(signal.name()) {
                return Err(Error::NameCollision {
                    first: signal.name().to_owned(),
                    second: signal.name().to_owned(),
                    name: signal.name().to_owned(),
                });
            }
            self.adopt(&mut signal);
            self.signals.insert(signal.name().to_owned(), signal);
        }
        Ok(self)
    }

    /// Restores the two timestamps (used by loaders).
    pub fn with_timestamps(
        mut self,
        created_on: NaiveDateTime,
        last_updated: NaiveDateTime,
    ) -> Dataset {
        self.created_on = created_on;
        self.last_updated = last_updated;
        self
    }

    /// The name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The description.
    pub fn description(&self) -> Option<&str> {
        self.description.as_deref()
    }

    /// The owner.
    pub fn owner(&self) -> Option<&str> {
        self.owner.as_deref()
    }

    /// The purpose.
    pub fn purpose(&self) -> Option<&str> {
        self.purpose.as_deref()
    }

    /// The project.
    pub fn project(&self) -> Option<&str> {
        self.project.as_deref()
    }

    /// Changes the description.
    pub fn set_description(&mut self, description: Option<String>) {
        self.description = description;
        self.touch();
    }

    /// Changes the owner.
    pub fn set_owner(&mut self, owner: Option<String>) {
        self.owner = owner;
        self.touch();
    }

    /// Changes the purpose.
    pub fn set_purpose(&mut self, purpose: Option<String>) {
        self.purpose = purpose;
        self.touch();
    }

    /// Changes the project.
    pub fn set_project(&mut self, project: Option<String>) {
        self.project = project;
        self.touch();
    }

    /// When the dataset was made.
    pub fn created_on(&self) -> NaiveDateTime {
        self.created_on
    }

    /// When it, or one of its signals, last changed.
    pub fn last_updated(&self) -> NaiveDateTime {
        self.signals
            .values()
            .map(Signal::last_updated)
            .fold(self.last_updated, NaiveDateTime::max)
    }

    /// The names of the signals, in insertion order.
    pub fn all_signals(&self) -> Vec<&str> {
        self.signals.keys().map(String::as_str).collect()
    }

    /// The signals, in insertion order.
    pub fn iter(&self) -> impl Iterator<Item = &Signal> {
        self.signals.values()
    }

    /// The number of signals.
    pub fn len(&self) -> usize {
        self.signals.len()
    }

    /// Whether the dataset holds no signal.
    pub fn is_empty(&self) -> bool {
        self.signals.is_empty()
    }

    /// One signal by name.
    pub fn signal(&self, name: &str) -> Result<&Signal> {
        self.signals.get(name).ok_or_else(|| self.not_found(name))
    }

    /// One signal by name, mutable. Its name cannot change through this reference (use
    /// [`Dataset::rename_signal`]).
    pub fn signal_mut(&mut self, name: &str) -> Result<&mut Signal> {
        if !self.signals.contains_key(name) {
            return Err(self.not_found(name));
        }
        Ok(self.signals.get_mut(name).expect("checked above"))
    }

    fn not_found(&self, name: &str) -> Error {
        Error::NotFound {
            kind: ObjectKind::Signal,
            name: name.to_owned(),
            available: self.signals.keys().cloned().collect(),
        }
    }

    /// Adds a signal under the next free number of its base (with `A#1` present, `A` and
    /// `A#5` both become `A#2`; a new base gets `#1`). Returns the name it got.
    pub fn add(&mut self, mut signal: Signal) -> Result<String> {
        let base = SignalName::parse(signal.name())?.base;
        let number = self.max_number(&base).map_or(1, |m| m + 1);
        let name = format!("{base}#{number}");
        signal.rename_internal(&name, None)?;
        self.adopt(&mut signal);
        let updated = self.last_updated;
        self.signals.insert(name.clone(), signal);
        self.touch();
        if let Err(e) = self.auto_save() {
            // Put the dataset back as it was: the store kept its last version.
            self.signals.shift_remove(&name);
            self.last_updated = updated;
            return Err(e);
        }
        Ok(name)
    }

    /// Removes a signal and returns it (free-standing again).
    pub fn remove(&mut self, name: &str) -> Result<Signal> {
        if !self.signals.contains_key(name) {
            return Err(self.not_found(name));
        }
        self.transaction(|dataset| {
            let mut signal = dataset.signals.shift_remove(name).expect("checked above");
            signal.parent.0 = None;
            if let Some(committed) = signal.committed.take() {
                dataset.removed.push(committed);
            }
            dataset.touch();
            Ok(signal)
        })
    }

    /// Renames a signal and its key (same position), its series, and every recorded input
    /// name in the dataset that pointed at its series.
    pub fn rename_signal(&mut self, old: &str, new: &str) -> Result<()> {
        SignalName::parse(new)?;
        if !self.signals.contains_key(old) {
            return Err(self.not_found(old));
        }
        if old == new {
            return Ok(());
        }
        if self.signals.contains_key(new) {
            return Err(Error::NameCollision {
                first: old.to_owned(),
                second: new.to_owned(),
                name: new.to_owned(),
            });
        }
        self.transaction(|dataset| {
            dataset
                .signals
                .get_mut(old)
                .expect("checked above")
                .rename_internal(new, None)?;
            dataset.signals = std::mem::take(&mut dataset.signals)
                .into_iter()
                .map(|(key, signal)| {
                    if key == old {
                        (new.to_owned(), signal)
                    } else {
                        (key, signal)
                    }
                })
                .collect();
            for signal in dataset.signals.values_mut() {
                signal.rewrite_inputs(old, new);
            }
            dataset.touch();
            Ok(())
        })
    }

    /// Runs a cross-signal `transform` on the named series and stores the signals it returns.
    ///
    /// Each output signal is named `<base>#<n>` (base from the transform or
    /// `options.output_signal_names`; `n` the next free number, or with `overwrite` the latest
    /// existing one). Series bases can be replaced with `options.output_ts_names`. Every output
    /// series gets the histories of all inputs (request order), then its own steps, with
    /// repeats removed. Nothing is stored if anything fails. Returns the new signal names.
    pub fn process(
        &mut self,
        inputs: &[&str],
        transform: impl DatasetTransform,
        options: DatasetProcessOptions,
    ) -> Result<Vec<String>> {
        let span = tracing::info_span!(
            "process",
            dataset = %self.name,
            function = %transform.name(),
            inputs = ?inputs,
            outputs = tracing::field::Empty
        );
        in_process_span(&span, || self.process_in_span(inputs, transform, options))
    }

    fn process_in_span(
        &mut self,
        inputs: &[&str],
        transform: impl DatasetTransform,
        options: DatasetProcessOptions,
    ) -> Result<Vec<String>> {
        let located: Vec<DatasetInput<'_>> = inputs
            .iter()
            .map(|name| self.locate(name))
            .collect::<Result<_>>()?;
        let outputs = transform
            .apply(self, &located)
            .map_err(|cause| Error::Transform {
                transform: transform.name(),
                cause,
            })?;
        if let Some(names) = &options.output_signal_names {
            check_custom_names(
                names,
                outputs.len(),
                "output_signal_names",
                "output signals",
            )?;
        }
        if let Some(names) = &options.output_ts_names {
            for signal in &outputs {
                check_custom_names(
                    names,
                    signal.len(),
                    "output_ts_names",
                    "time series in each output signal",
                )?;
            }
        }
        let inherited: Vec<ProcessingStep> = located
            .iter()
            .flat_map(|input| input.series.processing_steps().iter().cloned())
            .collect();
        let basis: Vec<_> = located
            .iter()
            .map(|input| input.series.mark())
            .collect::<Result<_>>()?;
        let mut numbers = self.max_numbers();
        let mut planned: Vec<(String, Signal)> = Vec::with_capacity(outputs.len());
        for (i, mut signal) in outputs.into_iter().enumerate() {
            let base = match &options.output_signal_names {
                Some(names) => names[i].clone(),
                None => SignalName::parse(signal.name())?.base,
            };
            let number = next_number(&mut numbers, &base, options.overwrite);
            let name = format!("{base}#{number}");
            if planned.iter().any(|(n, _)| *n == name) {
                return Err(Error::NameCollision {
                    first: signal.name().to_owned(),
                    second: signal.name().to_owned(),
                    name,
                });
            }
            signal.rename_internal(&name, options.output_ts_names.as_deref())?;
            for series in signal.series_mut() {
                series.prepend_history(&inherited);
                series.set_basis(basis.clone());
            }
            self.adopt(&mut signal);
            planned.push((name, signal));
        }
        let names: Vec<String> = planned.iter().map(|(n, _)| n.clone()).collect();
        // With overwrite, an output may replace a signal: keep it to put back on failure.
        let mut replaced = Vec::new();
        for (name, signal) in planned {
            if let Some(old) = self.signals.insert(name.clone(), signal) {
                replaced.push((name, old));
            }
        }
        let updated = self.last_updated;
        self.touch();
        if let Err(e) = self.auto_save() {
            for name in &names {
                self.signals.shift_remove(name);
            }
            for (name, old) in replaced {
                self.signals.insert(name, old);
            }
            self.last_updated = updated;
            return Err(e);
        }
        Ok(names)
    }

    /// Makes `signal` a member: its keys live under this dataset's name and it shares the
    /// dataset's backend (in Python, added and created signals had none).
    fn adopt(&self, signal: &mut Signal) {
        signal.parent.0 = Some(self.name.clone());
        if let Some(attachment) = &self.storage {
            signal.attach_quietly(attachment.clone());
        }
    }

    /// The attached backend, if any.
    pub fn storage(&self) -> Option<&Attachment> {
        self.storage.as_ref()
    }

    /// Writes what changed since the last save — new or changed series, removed signals, the
    /// signal and dataset documents — then releases saved data beyond the memory budget.
    /// When a write fails, what was stored before stays loadable.
    ///
    /// Emits a `tracing` span `save_all` (and one `save_signal` span per signal).
    pub fn save_all(&mut self) -> Result<()> {
        self.save_all_reporting(|_, _, _| {})
    }

    /// [`Dataset::save_all`], calling `progress(signal, done, total)` after each signal is
    /// written (for progress bars).
    pub fn save_all_reporting(
        &mut self,
        mut progress: impl FnMut(&str, usize, usize),
    ) -> Result<()> {
        let _span =
            tracing::info_span!("save_all", dataset = %self.name, signals = self.signals.len())
                .entered();
        let attachment = self
            .storage
            .clone()
            .ok_or_else(|| Error::NoBackend(format!("dataset {:?}", self.name)))?;
        let log = VersionLog::new(&*attachment.backend, &self.name)?;
        attachment.backend.check_key(&log.longest_key())?;
        let replace = self.committed.is_none();
        let record = to_value(&self.record())?;
        // Plan every signal first: a key the store cannot hold fails before any write.
        let mut plans = Vec::new();
        for (name, signal) in &self.signals {
            if replace || signal.needs_commit(&attachment) {
                plans.push((name.clone(), signal.plan(&attachment, &self.name)?));
            }
        }
        let mut changes: Vec<SignalChange> = self
            .removed
            .iter()
            .map(|c| SignalChange {
                name: c.name.clone(),
                entry: None,
                previous: Some(c.entry.clone()),
                base: Some(c.version),
            })
            .collect();
        let total = plans.len();
        let mut written = Vec::with_capacity(total);
        for (done, (name, plan)) in plans.into_iter().enumerate() {
            let signal = &self.signals[&name];
            let one = tracing::debug_span!("save_signal", signal = %name)
                .in_scope(|| signal.write(&attachment, plan))?;
            changes.extend(signal.retired());
            changes.push(one.change.clone());
            written.push((name.clone(), one));
            progress(&name, done + 1, total);
        }
        let unchanged = self.committed.as_ref().is_some_and(|(_, r)| *r == record);
        if !changes.is_empty() || !unchanged {
            // Signals this dataset saved on their own committed later versions.
            let base = self.committed.as_ref().map(|(v, _)| {
                self.signals
                    .values()
                    .filter_map(|s| s.committed.as_ref().map(|c| c.version))
                    .fold(*v, u64::max)
            });
            let committed = log.commit(&Proposal {
                base,
                replace,
                dataset: Some(record.clone()),
                signals: changes,
                operation: if replace { "replace" } else { "save" }.into(),
            })?;
            if replace && committed.version > 1 {
                tracing::info!(
                    dataset = %self.name,
                    version = committed.version,
                    "the store already held a dataset of this name: saved as its next version (earlier versions stay readable)"
                );
            }
            for (name, one) in written {
                if let Some(signal) = self.signals.get_mut(&name) {
                    signal.after_commit(one, committed.version);
                }
            }
            self.removed.clear();
            self.committed = Some((committed.version, record));
        }
        attachment.enforce_budget();
        Ok(())
    }

    fn record(&self) -> DatasetRecord {
        DatasetRecord {
            format_version: FORMAT_VERSION,
            name: self.name.clone(),
            description: self.description.clone(),
            owner: self.owner.clone(),
            purpose: self.purpose.clone(),
            project: self.project.clone(),
            created_on: self.created_on,
            last_updated: self.last_updated(),
            signals: Vec::new(),
        }
    }

    /// Reads every released series back into memory.
    pub fn load_all(&mut self) -> Result<()> {
        self.signals.values_mut().try_for_each(Signal::load_all)
    }

    /// The bytes of series data held in memory.
    pub fn resident_bytes(&self) -> usize {
        self.signals.values().map(Signal::resident_bytes).sum()
    }

    /// Reopens the latest version of dataset `name` from a store alone: names, units,
    /// provenance, histories and data (read on first access when `lazy`, and checked against
    /// the checksums the version recorded). The dataset stays attached to the store.
    pub fn open_from(attachment: Attachment, name: &str, lazy: bool) -> Result<Dataset> {
        Dataset::open_from_at(attachment, name, &At::Latest, lazy)
    }

    /// Reopens dataset `name` as it was at `at`: a version number, a time (the latest
    /// version committed at or before it) or a tag. A store written before versions (format
    /// 1) reads as version 0; its first save records the whole dataset as version 1.
    pub fn open_from_at(
        attachment: Attachment,
        name: &str,
        at: &At,
        lazy: bool,
    ) -> Result<Dataset> {
        let _span = tracing::info_span!("open_dataset", dataset = %name, lazy).entered();
        let log = VersionLog::new(&*attachment.backend, name)?;
        let version = log.resolve(at)?;
        let manifest = log.state(version)?;
        let record_value = manifest.dataset.clone().ok_or_else(|| {
            Error::Storage(StorageError::NotFound {
                key: name.to_owned(),
            })
        })?;
        let record: DatasetRecord = from_value(name, record_value.clone())?;
        let mut dataset = Dataset::new(&record.name)?;
        for (signal_name, entry) in &manifest.signals {
            let signal =
                Signal::from_entry(signal_name, entry, &attachment, Some(name), lazy, version)?;
            dataset.signals.insert(signal_name.clone(), signal);
        }
        dataset.description = record.description;
        dataset.owner = record.owner;
        dataset.purpose = record.purpose;
        dataset.project = record.project;
        dataset.created_on = record.created_on;
        dataset.last_updated = record.last_updated;
        dataset.storage = Some(attachment);
        dataset.committed = Some((version, record_value));
        Ok(dataset)
    }

    /// The version of its store this dataset was last read from or saved as, its signals'
    /// own saves included (`None`: not read from a store, or read from one written before
    /// versions and not saved since).
    pub fn version(&self) -> Option<u64> {
        let own = self.committed.as_ref().map_or(0, |(v, _)| *v);
        let latest = self
            .signals
            .values()
            .filter_map(|s| s.committed.as_ref().map(|c| c.version))
            .fold(own, u64::max);
        (latest > 0).then_some(latest)
    }

    /// A polars [`LazyFrame`](polars::prelude::LazyFrame) over several series, one after the
    /// other, with a `series` column naming each point's series besides
    /// [`INDEX_COLUMN`](crate::INDEX_COLUMN) and [`VALUES_COLUMN`](crate::VALUES_COLUMN) (see
    /// [`TimeSeries::scan`](crate::TimeSeries::scan): stored chunks are read only when the
    /// plan runs). The series must have the same dtypes.
    pub fn scan(&self, series: &[&str]) -> Result<polars::prelude::LazyFrame> {
        use polars::prelude::{UnionArgs, concat, lit};
        let mut scans = Vec::with_capacity(series.len());
        for name in series {
            let input = self.locate(name)?;
            scans.push(input.series.scan()?.with_column(lit(*name).alias("series")));
        }
        if scans.is_empty() {
            return Err(Error::InvalidArgument(
                "scan needs at least one series name".into(),
            ));
        }
        Ok(concat(scans, UnionArgs::default())?)
    }

    /// Finds a series by full name through its signal part.
    fn locate(&self, name: &str) -> Result<DatasetInput<'_>> {
        let found = TsName::parse(name).ok().and_then(|parsed| {
            let signal = self.signals.get(&parsed.signal)?;
            let series = signal.time_series(name).ok()?;
            Some(DatasetInput { signal, series })
        });
        found.ok_or_else(|| Error::NotFound {
            kind: ObjectKind::TimeSeries,
            name: name.to_owned(),
            available: self
                .signals
                .values()
                .flat_map(|s| s.all_time_series())
                .map(str::to_owned)
                .collect(),
        })
    }

    /// The highest number of signals of `base` (only their names are looked at closely, so
    /// adding a signal stays cheap in a dataset of thousands).
    fn max_number(&self, base: &str) -> Option<u32> {
        self.signals
            .keys()
            .filter(|key| key.starts_with(base))
            .filter_map(|key| SignalName::parse(key).ok())
            .filter(|parsed| parsed.base == base)
            .map(|parsed| parsed.number.unwrap_or(1))
            .max()
    }

    /// The highest number of each signal base.
    fn max_numbers(&self) -> HashMap<String, u32> {
        let mut numbers: HashMap<String, u32> = HashMap::new();
        for key in self.signals.keys() {
            if let Ok(parsed) = SignalName::parse(key) {
                let n = parsed.number.unwrap_or(1);
                let entry = numbers.entry(parsed.base).or_insert(n);
                *entry = (*entry).max(n);
            }
        }
        numbers
    }

    /// The serializable metadata (no data), as `metadata_dict()` in Python.
    pub fn metadata(&self) -> DatasetMetadata {
        DatasetMetadata {
            created_on: self.created_on,
            last_updated: self.last_updated(),
            name: self.name.clone(),
            description: self.description.clone(),
            owner: self.owner.clone(),
            signals: self
                .signals
                .iter()
                .map(|(k, s)| (k.clone(), s.metadata()))
                .collect(),
            purpose: self.purpose.clone(),
            project: self.project.clone(),
        }
    }

    pub(crate) fn touch(&mut self) {
        self.last_updated = now().max(self.last_updated);
    }

    /// The signals, to change.
    pub(crate) fn signals_mut(&mut self) -> impl Iterator<Item = &mut Signal> {
        self.signals.values_mut()
    }
}

fn check_custom_names(names: &[String], expected: usize, option: &str, what: &str) -> Result<()> {
    if names.len() != expected {
        return Err(Error::InvalidArgument(format!(
            "{option} must have the same length as the number of {what}: expected {expected}, got {}",
            names.len()
        )));
    }
    names
        .iter()
        .try_for_each(|name| validate_custom_base(name, option))
}

/// Datasets compare their descriptive fields, timestamps and signals (by key).
impl PartialEq for Dataset {
    fn eq(&self, other: &Dataset) -> bool {
        self.name == other.name
            && self.description == other.description
            && self.owner == other.owner
            && self.purpose == other.purpose
            && self.project == other.project
            && self.created_on == other.created_on
            && self.last_updated() == other.last_updated()
            && self.signals == other.signals
    }
}

/// The serializable metadata of a dataset (keys in the order of meteaudata for Python).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DatasetMetadata {
    /// When the dataset was made.
    pub created_on: NaiveDateTime,
    /// When it last changed.
    pub last_updated: NaiveDateTime,
    /// Its name.
    pub name: String,
    /// Its description.
    pub description: Option<String>,
    /// Its owner.
    pub owner: Option<String>,
    /// The metadata of each signal, by name.
    pub signals: IndexMap<String, SignalMetadata>,
    /// Its purpose.
    pub purpose: Option<String>,
    /// Its project.
    pub project: Option<String>,
}

impl Transactional for Dataset {
    fn attachment(&self) -> Option<&Attachment> {
        self.storage.as_ref()
    }

    fn save(&mut self) -> Result<()> {
        self.save_all()
    }
}

impl Storable for Dataset {
    /// Attaches and, with auto-save, saves the whole dataset (a dataset of the same name in
    /// that store gets it as its next version); when the save fails, the dataset is left
    /// exactly as it was (with its previous backend, if any).
    fn attach(&mut self, attachment: Attachment) -> Result<()> {
        let before = self.clone();
        for signal in self.signals.values_mut() {
            signal.attach_quietly(attachment.clone());
        }
        self.storage = Some(attachment);
        self.committed = None;
        self.removed.clear();
        self.touch();
        if let Err(e) = self.auto_save() {
            self.restore(before);
            return Err(e);
        }
        Ok(())
    }
}
