//! The always-available in-memory backend.

use std::collections::BTreeMap;
use std::sync::RwLock;

use crate::backend::{Capabilities, SaveMode, SaveOptions, SeriesData, StorageBackend};
use crate::error::{Result, StorageError};
use crate::key::StorageKey;

/// Keeps series and documents in this process's memory (polars frames share their buffers, so
/// a save does not copy the data). Nothing survives the process.
#[derive(Debug, Default)]
pub struct MemoryBackend {
    series: RwLock<BTreeMap<StorageKey, SeriesData>>,
    documents: RwLock<BTreeMap<StorageKey, String>>,
}

impl MemoryBackend {
    /// An empty store.
    pub fn new() -> MemoryBackend {
        MemoryBackend::default()
    }
}

fn not_found(key: &StorageKey) -> StorageError {
    StorageError::NotFound {
        key: key.to_string(),
    }
}

fn poisoned() -> StorageError {
    StorageError::Backend {
        backend: "memory".into(),
        message: "a writer panicked while holding the store".into(),
        cause: None,
    }
}

impl StorageBackend for MemoryBackend {
    fn backend_type(&self) -> &str {
        "memory"
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities::none()
            .conditional_writes(true)
            .concurrent_calls(true)
    }

    fn save(&self, key: &StorageKey, series: &SeriesData, options: SaveOptions) -> Result<()> {
        let mut map = self.series.write().map_err(|_| poisoned())?;
        if options.mode == SaveMode::CreateNew && map.contains_key(key) {
            return Err(StorageError::AlreadyExists {
                key: key.to_string(),
            });
        }
        map.insert(key.clone(), series.clone());
        Ok(())
    }

    fn load(&self, key: &StorageKey) -> Result<SeriesData> {
        let map = self.series.read().map_err(|_| poisoned())?;
        map.get(key).cloned().ok_or_else(|| not_found(key))
    }

    fn delete(&self, key: &StorageKey) -> Result<()> {
        let mut map = self.series.write().map_err(|_| poisoned())?;
        map.remove(key).map(|_| ()).ok_or_else(|| not_found(key))
    }

    fn exists(&self, key: &StorageKey) -> Result<bool> {
        Ok(self
            .series
            .read()
            .map_err(|_| poisoned())?
            .contains_key(key))
    }

    fn list_keys(&self, prefix: Option<&StorageKey>) -> Result<Vec<StorageKey>> {
        let map = self.series.read().map_err(|_| poisoned())?;
        Ok(map
            .keys()
            .filter(|k| prefix.is_none_or(|p| k.starts_with(p)))
            .cloned()
            .collect())
    }

    fn save_document(&self, key: &StorageKey, document: &str) -> Result<()> {
        let mut map = self.documents.write().map_err(|_| poisoned())?;
        map.insert(key.clone(), document.to_owned());
        Ok(())
    }

    fn create_document(&self, key: &StorageKey, document: &str) -> Result<()> {
        let mut map = self.documents.write().map_err(|_| poisoned())?;
        if map.contains_key(key) {
            return Err(StorageError::AlreadyExists {
                key: key.to_string(),
            });
        }
        map.insert(key.clone(), document.to_owned());
        Ok(())
    }

    fn load_document(&self, key: &StorageKey) -> Result<String> {
        let map = self.documents.read().map_err(|_| poisoned())?;
        map.get(key).cloned().ok_or_else(|| not_found(key))
    }

    fn list_documents(&self, prefix: Option<&StorageKey>) -> Result<Vec<StorageKey>> {
        let map = self.documents.read().map_err(|_| poisoned())?;
        Ok(map
            .keys()
            .filter(|k| prefix.is_none_or(|p| k.starts_with(p)))
            .cloned()
            .collect())
    }

    fn delete_document(&self, key: &StorageKey) -> Result<()> {
        let mut map = self.documents.write().map_err(|_| poisoned())?;
        map.remove(key).map(|_| ()).ok_or_else(|| not_found(key))
    }

    fn clear(&self, prefix: Option<&StorageKey>) -> Result<()> {
        let keep = |k: &StorageKey| prefix.is_some_and(|p| !k.starts_with(p));
        self.series
            .write()
            .map_err(|_| poisoned())?
            .retain(|k, _| keep(k));
        self.documents
            .write()
            .map_err(|_| poisoned())?
            .retain(|k, _| keep(k));
        Ok(())
    }
}
