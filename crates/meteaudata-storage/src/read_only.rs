//! [`ReadOnly`]: any backend, with every write refused before it reaches the store.

use std::sync::Arc;

use crate::backend::{Capabilities, SaveOptions, SeriesData, StorageBackend};
use crate::error::{Result, StorageError};
use crate::key::StorageKey;

/// A backend whose writes all fail with [`StorageError::ReadOnly`]; reads go to the wrapped
/// backend. [`create_backend`](crate::create_backend) wraps every backend opened with
/// [`StorageAccess::ReadOnly`](crate::StorageAccess::ReadOnly), so no backend has to repeat
/// the check.
#[derive(Debug)]
pub struct ReadOnly {
    inner: Arc<dyn StorageBackend>,
    location: String,
}

impl ReadOnly {
    /// Wraps `inner`; `location` names the store in errors.
    pub fn new(inner: Arc<dyn StorageBackend>, location: impl Into<String>) -> ReadOnly {
        ReadOnly {
            inner,
            location: location.into(),
        }
    }

    fn refuse<T>(&self, operation: String) -> Result<T> {
        Err(StorageError::ReadOnly {
            location: self.location.clone(),
            operation,
        })
    }
}

impl StorageBackend for ReadOnly {
    fn backend_type(&self) -> &str {
        self.inner.backend_type()
    }

    fn capabilities(&self) -> Capabilities {
        self.inner.capabilities()
    }

    fn check_key(&self, key: &StorageKey) -> Result<()> {
        self.inner.check_key(key)
    }

    fn save(&self, key: &StorageKey, _: &SeriesData, _: SaveOptions) -> Result<()> {
        self.refuse(format!("save the series {key}"))
    }

    fn load(&self, key: &StorageKey) -> Result<SeriesData> {
        self.inner.load(key)
    }

    fn load_metadata(&self, key: &StorageKey) -> Result<String> {
        self.inner.load_metadata(key)
    }

    fn delete(&self, key: &StorageKey) -> Result<()> {
        self.refuse(format!("delete the series {key}"))
    }

    fn exists(&self, key: &StorageKey) -> Result<bool> {
        self.inner.exists(key)
    }

    fn list_keys(&self, prefix: Option<&StorageKey>) -> Result<Vec<StorageKey>> {
        self.inner.list_keys(prefix)
    }

    fn save_document(&self, key: &StorageKey, _: &str) -> Result<()> {
        self.refuse(format!("save the document {key}"))
    }

    fn create_document(&self, key: &StorageKey, _: &str) -> Result<()> {
        self.refuse(format!("create the document {key}"))
    }

    fn save_object(&self, key: &StorageKey, _: &SeriesData) -> Result<Option<String>> {
        self.refuse(format!("save the object {key}"))
    }

    fn load_object(&self, key: &StorageKey, checksum: Option<&str>) -> Result<SeriesData> {
        self.inner.load_object(key, checksum)
    }

    fn load_document(&self, key: &StorageKey) -> Result<String> {
        self.inner.load_document(key)
    }

    fn list_documents(&self, prefix: Option<&StorageKey>) -> Result<Vec<StorageKey>> {
        self.inner.list_documents(prefix)
    }

    fn delete_document(&self, key: &StorageKey) -> Result<()> {
        self.refuse(format!("delete the document {key}"))
    }

    fn clear(&self, prefix: Option<&StorageKey>) -> Result<()> {
        match prefix {
            Some(prefix) => self.refuse(format!("clear {prefix}")),
            None => self.refuse("clear the store".into()),
        }
    }
}
