//! How series data lives next to a backend: the per-series data slot (resident, or released
//! and reloaded on access), the shared memory budget, and the records written to a store.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, Weak};

pub(crate) use crate::slot::{DataSlot, StoredChunk, StoredCopy};

use chrono::NaiveDateTime;
use meteaudata_storage::versions::{SignalChange, SignalEntry};
use meteaudata_storage::{
    DEFAULT_MEMORY_BUDGET, StorageBackend, StorageConfig, StorageError, StorageKey,
};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::provenance::DataProvenance;
use crate::replay::ReplayRecord;
use crate::time_series::TimeSeriesMetadata;

/// The version of the records this crate writes to stores (format 2: versioned datasets,
/// see [`meteaudata_storage::versions`]).
pub const FORMAT_VERSION: u32 = 2;

/// A backend attached to a time series, signal or dataset, and how to use it.
#[derive(Debug, Clone)]
pub struct Attachment {
    /// The backend.
    pub backend: Arc<dyn StorageBackend>,
    /// Save what each processing step creates or changes.
    pub auto_save: bool,
    /// The budget shared by every series saved through this attachment.
    pub budget: Arc<MemoryBudget>,
}

impl Attachment {
    /// An attachment with a fresh budget of `memory_budget` bytes.
    pub fn new(
        backend: Arc<dyn StorageBackend>,
        auto_save: bool,
        memory_budget: usize,
    ) -> Attachment {
        Attachment {
            backend,
            auto_save,
            budget: Arc::new(MemoryBudget::new(memory_budget)),
        }
    }

    /// The backend `config` describes (see
    /// [`create_backend`](meteaudata_storage::create_backend)) with the config's `auto_save`
    /// and `memory_budget`.
    pub fn from_config(config: &meteaudata_storage::StorageConfig) -> Result<Attachment> {
        let backend = meteaudata_storage::create_backend(config)?;
        Ok(Attachment::new(
            backend,
            config.auto_save,
            config.memory_budget,
        ))
    }

    /// Releases saved data beyond the budget, when the backend keeps a copy elsewhere.
    pub(crate) fn enforce_budget(&self) {
        if self.releases_memory() {
            self.budget.enforce();
        }
    }

    /// Whether saved data may be released from memory (the backend keeps it elsewhere).
    pub(crate) fn releases_memory(&self) -> bool {
        self.backend.capabilities().persistent
    }
}

/// What can have a backend attached: [`TimeSeries`](crate::TimeSeries) (a free-standing one
/// keeps its copy under `default/<name>`), [`Signal`](crate::Signal) and
/// [`Dataset`](crate::Dataset) (which shares its backend with every signal, including signals
/// added or created later).
pub trait Storable {
    /// Attaches `attachment`. Everything is written at the next save — right away when it
    /// auto-saves — so switching from one backend to another migrates the data.
    fn attach(&mut self, attachment: Attachment) -> Result<()>;

    /// Attaches `backend` with the default memory budget.
    fn set_backend(&mut self, backend: Arc<dyn StorageBackend>, auto_save: bool) -> Result<()> {
        self.attach(Attachment::new(backend, auto_save, DEFAULT_MEMORY_BUDGET))
    }

    /// Builds the backend `config` describes (see
    /// [`create_backend`](meteaudata_storage::create_backend)) and attaches it with the
    /// config's `auto_save` and `memory_budget`.
    fn use_storage(&mut self, config: &StorageConfig) -> Result<()> {
        self.attach(Attachment::from_config(config)?)
    }

    /// Attaches a fresh in-memory backend (auto-save off).
    fn use_memory_storage(&mut self) -> Result<()> {
        self.use_storage(&StorageConfig::for_memory())
    }
}

/// A signal as a store holds it: the name and entry it has in `version`.
#[derive(Debug, Clone)]
pub(crate) struct CommittedSignal {
    pub(crate) name: String,
    pub(crate) entry: SignalEntry,
    pub(crate) version: u64,
}

/// A signal whose new objects are written, waiting for its commit: the change to propose,
/// and per series the copy (and `metadata_id`) to record once the commit lands.
#[derive(Debug)]
pub(crate) struct WrittenSignal {
    pub(crate) change: SignalChange,
    pub(crate) copies: Vec<(String, StoredCopy, Option<String>)>,
}

/// What auto-saves after each change, and is put back exactly as it was when a change or its
/// save fails (the store keeps its last committed version): datasets and signals.
pub(crate) trait Transactional: Clone {
    /// The attached backend, if any.
    fn attachment(&self) -> Option<&Attachment>;

    /// Saves what changed.
    fn save(&mut self) -> Result<()>;

    /// Whether a save follows each change.
    fn auto_saves(&self) -> bool {
        self.attachment().is_some_and(|a| a.auto_save)
    }

    /// Saves, when auto-save is on.
    fn auto_save(&mut self) -> Result<()> {
        if self.auto_saves() {
            self.save()
        } else {
            Ok(())
        }
    }

    /// Puts `before` back in place of `self`.
    fn restore(&mut self, before: Self) {
        *self = before;
    }

    /// Runs `change`, then the auto-save; when either fails, puts everything back.
    fn transaction<T>(&mut self, change: impl FnOnce(&mut Self) -> Result<T>) -> Result<T> {
        let before = self.auto_saves().then(|| self.clone());
        let result = change(self).and_then(|value| {
            self.auto_save()?;
            Ok(value)
        });
        if result.is_err()
            && let Some(before) = before
        {
            self.restore(before);
        }
        result
    }
}

/// A cap on the resident data of saved series, shared by every series saved through one
/// attachment: when the saved series in memory exceed it, the least recently used are released
/// (they are reloaded on access). Unsaved data is never released.
#[derive(Debug)]
pub struct MemoryBudget {
    limit: usize,
    entries: Mutex<VecDeque<(Weak<DataSlot>, usize)>>,
}

impl MemoryBudget {
    /// A budget of `limit` bytes.
    pub fn new(limit: usize) -> MemoryBudget {
        MemoryBudget {
            limit,
            entries: Mutex::new(VecDeque::new()),
        }
    }

    /// The limit in bytes.
    pub fn limit(&self) -> usize {
        self.limit
    }

    /// Records that `slot` holds `bytes` resident (most recently used).
    pub(crate) fn note(&self, slot: &Arc<DataSlot>, bytes: usize) {
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        entries
            .retain(|(w, _)| w.strong_count() > 0 && !std::ptr::eq(w.as_ptr(), Arc::as_ptr(slot)));
        entries.push_back((Arc::downgrade(slot), bytes));
    }

    /// The resident bytes of the saved series this budget tracks.
    pub fn resident_bytes(&self) -> usize {
        let entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        entries
            .iter()
            .filter_map(|(w, _)| w.upgrade())
            .map(|slot| slot.resident_bytes())
            .sum()
    }

    /// Releases least recently used saved series until the tracked resident data fits.
    pub fn enforce(&self) {
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        entries.retain(|(w, _)| w.strong_count() > 0);
        // Every tracked slot is resident with the bytes noted last (only this loop releases
        // data, and it stops tracking what it released), so no slot needs to be locked to
        // know the total: a commit stays cheap however many series are saved.
        let mut total: usize = entries.iter().map(|(_, bytes)| *bytes).sum();
        let mut kept = Vec::new();
        while total > self.limit {
            let Some((weak, bytes)) = entries.pop_front() else {
                break;
            };
            let Some(slot) = weak.upgrade() else { continue };
            let freed = slot.release();
            total = total.saturating_sub(freed);
            if freed == 0 && slot.is_resident() {
                kept.push((weak, bytes));
            }
        }
        for entry in kept.into_iter().rev() {
            entries.push_front(entry);
        }
    }
}

/// The metadata document stored with each series' data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeriesRecord {
    /// The version of this record.
    pub format_version: u32,
    /// The full series name.
    pub name: String,
    /// The number of points.
    pub length: usize,
    /// The polars dtype of the index (see [`meteaudata_storage::dtype_code`]).
    pub index_data_type: String,
    /// The polars dtype of the values.
    pub values_data_type: String,
    /// The metadata with the keys of meteaudata for Python.
    #[serde(flatten)]
    pub metadata: TimeSeriesMetadata,
    /// The replay state (revision, basis, refreshes); absent in records written before it
    /// existed.
    #[serde(flatten)]
    pub replay: ReplayRecord,
}

/// The document stored for a signal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SignalRecord {
    /// The version of this record.
    pub format_version: u32,
    /// The signal name.
    pub name: String,
    /// Its units.
    pub units: String,
    /// Its provenance.
    pub provenance: DataProvenance,
    /// When it was made.
    pub created_on: NaiveDateTime,
    /// When it last changed.
    pub last_updated: NaiveDateTime,
    /// Its series names, in order (format 1 only: a version's manifest keeps the order).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub time_series: Vec<String>,
}

/// The document stored for a dataset.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DatasetRecord {
    /// The version of this record.
    pub format_version: u32,
    /// The dataset name.
    pub name: String,
    /// Its description.
    pub description: Option<String>,
    /// Its owner.
    pub owner: Option<String>,
    /// Its purpose.
    pub purpose: Option<String>,
    /// Its project.
    pub project: Option<String>,
    /// When it was made.
    pub created_on: NaiveDateTime,
    /// When it last changed.
    pub last_updated: NaiveDateTime,
    /// Its signal names, in order (format 1 only: a version's manifest keeps the order).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub signals: Vec<String>,
}

pub(crate) fn to_value<T: Serialize>(value: &T) -> Result<serde_json::Value> {
    serde_json::to_value(value)
        .map_err(|e| Error::InvalidArgument(format!("cannot serialize metadata: {e}")))
}

pub(crate) fn from_value<T: for<'de> Deserialize<'de>>(
    what: &str,
    value: serde_json::Value,
) -> Result<T> {
    serde_json::from_value(value).map_err(|e| {
        Error::Storage(StorageError::Corrupt {
            key: what.to_owned(),
            reason: format!("metadata does not parse: {e}"),
        })
    })
}

pub(crate) fn to_json<T: Serialize>(value: &T) -> Result<String> {
    serde_json::to_string(value)
        .map_err(|e| Error::InvalidArgument(format!("cannot serialize metadata: {e}")))
}

pub(crate) fn from_json<T: for<'de> Deserialize<'de>>(key: &StorageKey, text: &str) -> Result<T> {
    serde_json::from_str(text).map_err(|e| {
        Error::Storage(StorageError::Corrupt {
            key: key.to_string(),
            reason: format!("metadata does not parse: {e}"),
        })
    })
}
