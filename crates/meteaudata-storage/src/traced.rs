//! [`Traced`]: any backend, with a `tracing` span around every call.

use std::sync::Arc;

use crate::backend::{Capabilities, SaveOptions, SeriesData, StorageBackend};
use crate::error::Result;
use crate::key::StorageKey;

/// A backend whose every call runs in a `debug` span `backend` (fields `op`, `key` and
/// `store`), so that `--log debug` (or any subscriber) shows each read and write with its
/// duration. [`create_backend`](crate::create_backend) wraps every backend it makes, so no
/// backend has to trace itself.
#[derive(Debug)]
pub struct Traced {
    inner: Arc<dyn StorageBackend>,
    location: String,
}

impl Traced {
    /// Wraps `inner`; `location` names the store in the spans.
    pub fn new(inner: Arc<dyn StorageBackend>, location: impl Into<String>) -> Traced {
        Traced {
            inner,
            location: location.into(),
        }
    }

    fn span(&self, op: &'static str, key: Option<&StorageKey>) -> tracing::span::EnteredSpan {
        let key = key.map(ToString::to_string).unwrap_or_default();
        tracing::debug_span!("backend", op, key = %key, store = %self.location).entered()
    }
}

impl StorageBackend for Traced {
    fn backend_type(&self) -> &str {
        self.inner.backend_type()
    }

    fn capabilities(&self) -> Capabilities {
        self.inner.capabilities()
    }

    fn check_key(&self, key: &StorageKey) -> Result<()> {
        self.inner.check_key(key)
    }

    fn save(&self, key: &StorageKey, series: &SeriesData, options: SaveOptions) -> Result<()> {
        let _span = self.span("save", Some(key));
        self.inner.save(key, series, options)
    }

    fn load(&self, key: &StorageKey) -> Result<SeriesData> {
        let _span = self.span("load", Some(key));
        self.inner.load(key)
    }

    fn save_object(&self, key: &StorageKey, series: &SeriesData) -> Result<Option<String>> {
        let _span = self.span("save_object", Some(key));
        self.inner.save_object(key, series)
    }

    fn load_object(&self, key: &StorageKey, checksum: Option<&str>) -> Result<SeriesData> {
        let _span = self.span("load_object", Some(key));
        self.inner.load_object(key, checksum)
    }

    fn load_metadata(&self, key: &StorageKey) -> Result<String> {
        let _span = self.span("load_metadata", Some(key));
        self.inner.load_metadata(key)
    }

    fn delete(&self, key: &StorageKey) -> Result<()> {
        let _span = self.span("delete", Some(key));
        self.inner.delete(key)
    }

    fn exists(&self, key: &StorageKey) -> Result<bool> {
        let _span = self.span("exists", Some(key));
        self.inner.exists(key)
    }

    fn list_keys(&self, prefix: Option<&StorageKey>) -> Result<Vec<StorageKey>> {
        let _span = self.span("list_keys", prefix);
        self.inner.list_keys(prefix)
    }

    fn save_document(&self, key: &StorageKey, document: &str) -> Result<()> {
        let _span = self.span("save_document", Some(key));
        self.inner.save_document(key, document)
    }

    fn create_document(&self, key: &StorageKey, document: &str) -> Result<()> {
        let _span = self.span("create_document", Some(key));
        self.inner.create_document(key, document)
    }

    fn load_document(&self, key: &StorageKey) -> Result<String> {
        let _span = self.span("load_document", Some(key));
        self.inner.load_document(key)
    }

    fn list_documents(&self, prefix: Option<&StorageKey>) -> Result<Vec<StorageKey>> {
        let _span = self.span("list_documents", prefix);
        self.inner.list_documents(prefix)
    }

    fn delete_document(&self, key: &StorageKey) -> Result<()> {
        let _span = self.span("delete_document", Some(key));
        self.inner.delete_document(key)
    }

    fn clear(&self, prefix: Option<&StorageKey>) -> Result<()> {
        let _span = self.span("clear", prefix);
        self.inner.clear(prefix)
    }
}
