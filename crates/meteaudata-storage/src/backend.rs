//! The backend trait and the values it moves.

use std::fmt;

use polars::prelude::DataFrame;

use crate::error::Result;
use crate::key::StorageKey;

/// One stored time series: its data and its metadata document.
///
/// The frame has two columns, `index` and `values`, of any dtype the data model holds; a
/// backend must give back the same dtypes (time unit and zone included), nulls and order. The
/// metadata is an opaque JSON document written by the data model.
#[derive(Debug, Clone)]
pub struct SeriesData {
    /// The data.
    pub frame: DataFrame,
    /// The metadata document (JSON).
    pub metadata: String,
}

/// How a save treats an existing object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum SaveMode {
    /// Replace whatever is stored (atomically: readers see the old or the new object).
    #[default]
    Overwrite,
    /// Fail with [`StorageError::AlreadyExists`](crate::StorageError::AlreadyExists) when
    /// something is stored.
    CreateNew,
}

/// Options of [`StorageBackend::save`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SaveOptions {
    /// What to do with an existing object.
    pub mode: SaveMode,
}

/// What a backend can do; optional abilities are declared here rather than discovered by
/// failing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct Capabilities {
    /// Data survives the process (so resident copies may be released after a save).
    pub persistent: bool,
    /// Several processes may use the store at once.
    pub shared: bool,
    /// [`SaveMode::CreateNew`] and conflict detection are supported.
    pub conditional_writes: bool,
    /// [`StorageBackend::load_metadata`] reads the metadata without the data.
    pub metadata_only_reads: bool,
    /// Calls may run on several threads at once and gain from it (the data model then writes
    /// and reads the chunks of a series in parallel).
    pub concurrent_calls: bool,
}

impl Capabilities {
    /// Capabilities with every flag off.
    pub const fn none() -> Capabilities {
        Capabilities {
            persistent: false,
            shared: false,
            conditional_writes: false,
            metadata_only_reads: false,
            concurrent_calls: false,
        }
    }

    /// Sets `persistent`.
    pub const fn persistent(mut self, yes: bool) -> Capabilities {
        self.persistent = yes;
        self
    }

    /// Sets `shared`.
    pub const fn shared(mut self, yes: bool) -> Capabilities {
        self.shared = yes;
        self
    }

    /// Sets `conditional_writes`.
    pub const fn conditional_writes(mut self, yes: bool) -> Capabilities {
        self.conditional_writes = yes;
        self
    }

    /// Sets `metadata_only_reads`.
    pub const fn metadata_only_reads(mut self, yes: bool) -> Capabilities {
        self.metadata_only_reads = yes;
        self
    }

    /// Sets `concurrent_calls`.
    pub const fn concurrent_calls(mut self, yes: bool) -> Capabilities {
        self.concurrent_calls = yes;
        self
    }
}

/// A place where time series live: memory, Parquet files, a SQL database, or a third party's
/// store. Object-safe and synchronous; used as `Arc<dyn StorageBackend>`.
///
/// Two namespaces share the keys: **series** (a frame plus metadata, see [`SeriesData`]) and
/// **documents** (a JSON object with at least `format_version` and `name`, by which a backend
/// may tell its own documents from foreign files). A series and a document may have the same
/// key. Every write is atomic per object: after a failure the previous version is still
/// loadable. Versioned datasets ([`versions`](crate::versions)) are built on
/// [`create_document`](StorageBackend::create_document) and
/// [`save_object`](StorageBackend::save_object); a backend that passes the testkit gets their
/// guarantees.
pub trait StorageBackend: Send + Sync + fmt::Debug {
    /// A short name of the backend kind, e.g. `memory`, `parquet`, `sql`.
    fn backend_type(&self) -> &str;

    /// What the backend can do.
    fn capabilities(&self) -> Capabilities;

    /// Checks that an object can be stored under `key` (for example that its file name is not
    /// too long for the file system), so that a save can refuse a key before it writes
    /// anything. The data model calls it for every key of a save first. The default accepts
    /// every key.
    fn check_key(&self, key: &StorageKey) -> Result<()> {
        let _ = key;
        Ok(())
    }

    /// Stores a series under `key`.
    fn save(&self, key: &StorageKey, series: &SeriesData, options: SaveOptions) -> Result<()>;

    /// Loads a series; [`StorageError::NotFound`](crate::StorageError::NotFound) if missing.
    fn load(&self, key: &StorageKey) -> Result<SeriesData>;

    /// Stores series data as a new, immutable object under `key` (which must be free) and
    /// returns a checksum of what was written. Versioned datasets store their series this way
    /// and keep the checksum in the version's manifest. The default saves with
    /// [`SaveMode::CreateNew`] and returns the
    /// [`content_checksum`](crate::checksum::content_checksum) of the frame; a backend that
    /// writes byte objects may checksum its bytes instead.
    fn save_object(&self, key: &StorageKey, series: &SeriesData) -> Result<Option<String>> {
        let checksum = crate::checksum::content_checksum_of(&key.to_string(), &series.frame)?;
        self.save(
            key,
            series,
            SaveOptions {
                mode: SaveMode::CreateNew,
            },
        )?;
        Ok(Some(checksum))
    }

    /// Loads an object written by [`StorageBackend::save_object`], verifying `checksum` when
    /// given: data that changed since the write is an error naming the object
    /// ([`StorageError::Corrupt`](crate::StorageError::Corrupt)), never wrong values. The
    /// default verifies the [`content_checksum`](crate::checksum::content_checksum) of what
    /// [`load`](StorageBackend::load) returns.
    fn load_object(&self, key: &StorageKey, checksum: Option<&str>) -> Result<SeriesData> {
        let series = self.load(key)?;
        if let Some(expected) = checksum {
            crate::checksum::verify_content(
                &format!("{key} (in the {} store)", self.backend_type()),
                &series.frame,
                expected,
            )?;
        }
        Ok(series)
    }

    /// Loads only a series' metadata document (backends with `metadata_only_reads` avoid
    /// reading the data).
    fn load_metadata(&self, key: &StorageKey) -> Result<String> {
        Ok(self.load(key)?.metadata)
    }

    /// Deletes a series; `NotFound` if missing.
    fn delete(&self, key: &StorageKey) -> Result<()>;

    /// Whether a series is stored under `key`.
    fn exists(&self, key: &StorageKey) -> Result<bool>;

    /// The series keys that start with `prefix` (whole segments), sorted; all keys when
    /// `prefix` is `None`.
    fn list_keys(&self, prefix: Option<&StorageKey>) -> Result<Vec<StorageKey>>;

    /// Stores a document under `key` (overwrite).
    fn save_document(&self, key: &StorageKey, document: &str) -> Result<()>;

    /// Stores a document under `key` only if none is stored there, atomically: of several
    /// writers creating one key at once, exactly one succeeds and the others get
    /// [`StorageError::AlreadyExists`](crate::StorageError::AlreadyExists). Every version of
    /// a versioned dataset is committed with this one call, so a backend that keeps this
    /// promise gets crash-safe, conflict-safe commits (the testkit checks it under
    /// contention).
    fn create_document(&self, key: &StorageKey, document: &str) -> Result<()>;

    /// Loads a document; `NotFound` if missing.
    fn load_document(&self, key: &StorageKey) -> Result<String>;

    /// The document keys that start with `prefix` (whole segments; all when `None`), sorted.
    fn list_documents(&self, prefix: Option<&StorageKey>) -> Result<Vec<StorageKey>>;

    /// Deletes a document; `NotFound` if missing.
    fn delete_document(&self, key: &StorageKey) -> Result<()>;

    /// Removes every series and document whose key starts with `prefix` (everything when
    /// `None`). Data under other prefixes is untouched.
    fn clear(&self, prefix: Option<&StorageKey>) -> Result<()>;
}
