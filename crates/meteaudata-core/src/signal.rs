//! A signal: one measured quantity and the time series derived from it.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

use meteaudata_storage::{SaveMode, SaveOptions, StorageError, StorageKey};

use crate::error::{Error, ObjectKind, Result};
use crate::name::{SignalName, TsName, validate_custom_base, validate_name};
use crate::provenance::DataProvenance;
use crate::step::ProcessingStep;
use crate::storage::{Attachment, FORMAT_VERSION, SignalRecord, Storable, from_json, to_json};
use crate::time::now;
use crate::time_series::{TimeSeries, TimeSeriesMetadata};
use crate::transform::{ProcessOptions, SignalTransform};

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
    pending_deletes: Vec<StorageKey>,
    /// Whether the attached store holds this signal's document (read from it or saved there).
    stored: bool,
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
            pending_deletes: Vec::new(),
            stored: false,
        })
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
        self.time_series.insert(key.clone(), ts);
        self.touch();
        self.auto_save()?;
        Ok(key)
    }

    /// Removes a series and returns it.
    pub fn remove(&mut self, name: &str) -> Result<TimeSeries> {
        let ts = self
            .time_series
            .shift_remove(name)
            .ok_or_else(|| self.not_found(name))?;
        if self.storage.is_some() {
            self.pending_deletes.push(self.series_key(name)?);
        }
        self.touch();
        self.auto_save()?;
        Ok(ts)
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
        self.rename_internal(new_name, None)?;
        self.auto_save()
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
        if self.storage.is_some() {
            let old_keys: Vec<StorageKey> = self
                .time_series
                .keys()
                .map(|k| self.series_key(k))
                .chain([self.document_key()])
                .collect::<Result<_>>()?;
            self.pending_deletes.extend(old_keys);
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
            series.set_name(key.clone());
            planned.push((original, key, series));
        }
        let mut names = Vec::with_capacity(planned.len());
        for (_, key, series) in planned {
            names.push(key.clone());
            self.time_series.insert(key, series);
        }
        self.touch();
        self.auto_save()?;
        Ok(names)
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

    /// The key namespace: the dataset's name, or [`STANDALONE_NAMESPACE`].
    fn namespace(&self) -> &str {
        self.parent.0.as_deref().unwrap_or(STANDALONE_NAMESPACE)
    }

    /// The storage key of one of this signal's series: `<dataset>/<signal>/<BASE>#<n>`.
    pub fn series_key(&self, series_name: &str) -> Result<StorageKey> {
        let part = series_name
            .strip_prefix(&format!("{}_", self.name))
            .unwrap_or(series_name);
        Ok(StorageKey::new([self.namespace(), &self.name, part])?)
    }

    /// The storage key of this signal's own document: `<dataset>/<signal>`.
    pub fn document_key(&self) -> Result<StorageKey> {
        Ok(StorageKey::new([self.namespace(), &self.name])?)
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
        self.stored = false;
    }

    /// Writes what changed since the last save (new or changed series, removals, the
    /// signal's document), then releases saved data beyond the memory budget. `RAW` series
    /// take the provenance's `metadata_id`, as in meteaudata for Python.
    pub fn save_all(&mut self) -> Result<()> {
        let attachment = self
            .storage
            .clone()
            .ok_or_else(|| Error::NoBackend(format!("signal {:?}", self.name)))?;
        self.check_keys(&attachment)?;
        self.save_with(&attachment)?;
        attachment.enforce_budget();
        Ok(())
    }

    /// Every key a save of this signal writes: its document's and its series'.
    pub(crate) fn keys(&self) -> Result<Vec<StorageKey>> {
        std::iter::once(self.document_key())
            .chain(self.time_series.keys().map(|k| self.series_key(k)))
            .collect()
    }

    /// Refuses the save before anything is written when the backend cannot store one of
    /// the keys (for example a name too long for a file system).
    pub(crate) fn check_keys(&self, attachment: &Attachment) -> Result<()> {
        for key in self.keys()? {
            attachment.backend.check_key(&key)?;
        }
        Ok(())
    }

    pub(crate) fn save_with(&mut self, attachment: &Attachment) -> Result<()> {
        let provenance_id = self.provenance.metadata_id.clone();
        let keys: Vec<StorageKey> = self
            .time_series
            .keys()
            .map(|k| self.series_key(k))
            .collect::<Result<_>>()?;
        // On a store with conditional writes, the first save of a signal creates its series
        // and never overwrites another writer's signal of the same name.
        let mode = if self.stored || !attachment.backend.capabilities().conditional_writes {
            SaveMode::Overwrite
        } else {
            SaveMode::CreateNew
        };
        for (ts, key) in self.time_series.values_mut().zip(&keys) {
            if TsName::parse(ts.name()).is_ok_and(|p| p.base.eq_ignore_ascii_case("raw")) {
                ts.set_metadata_id(provenance_id.clone());
            }
            if ts.needs_save(key) {
                ts.save_to_backend_with(attachment, key, SaveOptions { mode })
                    .map_err(|e| match e {
                        Error::Storage(StorageError::AlreadyExists { key }) => {
                            Error::Storage(StorageError::Conflict {
                                key,
                                detail: format!(
                                    "another writer stored a signal named {:?}; reopen and retry",
                                    self.name
                                ),
                            })
                        }
                        other => other,
                    })?;
            }
        }
        attachment
            .backend
            .save_document(&self.document_key()?, &to_json(&self.record())?)?;
        self.stored = true;
        for key in std::mem::take(&mut self.pending_deletes) {
            if keys.contains(&key) {
                continue;
            }
            let result = if key.segments().len() == 2 {
                attachment.backend.delete_document(&key)
            } else {
                attachment.backend.delete(&key)
            };
            match result {
                Ok(()) | Err(StorageError::NotFound { .. }) => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(())
    }

    fn record(&self) -> SignalRecord {
        SignalRecord {
            format_version: FORMAT_VERSION,
            name: self.name.clone(),
            units: self.units.clone(),
            provenance: self.provenance.clone(),
            created_on: self.created_on,
            last_updated: self.last_updated,
            time_series: self.time_series.keys().cloned().collect(),
        }
    }

    /// Saves when a backend with auto-save is attached.
    pub(crate) fn auto_save(&mut self) -> Result<()> {
        match &self.storage {
            Some(attachment) if attachment.auto_save => self.save_all(),
            _ => Ok(()),
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

    /// Reads a stored signal: its document, then each series (data on first access when
    /// `lazy`). `dataset` is the namespace it was saved under.
    pub fn open_from(
        attachment: Attachment,
        dataset: Option<&str>,
        name: &str,
        lazy: bool,
    ) -> Result<Signal> {
        let namespace = dataset.unwrap_or(STANDALONE_NAMESPACE);
        let key = StorageKey::new([namespace, name])?;
        let record: SignalRecord = from_json(&key, &attachment.backend.load_document(&key)?)?;
        let mut signal = Signal::new(&record.name, record.units, record.provenance, [])?;
        signal.parent = Parent(dataset.map(str::to_owned));
        for series_name in &record.time_series {
            let series_key = signal.series_key(series_name)?;
            let ts = TimeSeries::load_from_backend(&attachment, &series_key, lazy)?;
            signal.time_series.insert(series_name.clone(), ts);
        }
        signal.created_on = record.created_on;
        signal.last_updated = record.last_updated;
        signal.storage = Some(attachment);
        signal.stored = true;
        Ok(signal)
    }

    /// Whether the attached store holds this signal's document.
    pub(crate) fn is_stored(&self) -> bool {
        self.stored
    }

    /// Removes what a failed dataset save stored of this new signal (its series and
    /// document), so that a retry can create it again.
    pub(crate) fn unsave(&mut self, attachment: &Attachment) -> Result<()> {
        let prefix = self.document_key()?;
        attachment.backend.clear(Some(&prefix))?;
        for ts in self.time_series.values() {
            ts.mark_dirty();
        }
        self.stored = false;
        Ok(())
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

impl Storable for Signal {
    fn attach(&mut self, attachment: Attachment) -> Result<()> {
        self.attach_quietly(attachment);
        self.auto_save()
    }
}
