//! Stores written in format 1 (before versions): a dataset document `<ds>` listing its
//! signals, a document `<ds>/<signal>` per signal listing its series, and each series' data
//! and metadata in place at `<ds>/<signal>/<series>`. Read as version 0 of the dataset.

use serde_json::Value;

use super::manifest::{Chunk, Manifest, SeriesEntry, SignalEntry};
use crate::backend::StorageBackend;
use crate::error::{Result, StorageError};
use crate::key::StorageKey;

fn document(backend: &dyn StorageBackend, key: &StorageKey) -> Result<Option<Value>> {
    match backend.load_document(key) {
        Ok(text) => serde_json::from_str(&text)
            .map(Some)
            .map_err(|e| StorageError::Corrupt {
                key: key.to_string(),
                reason: format!("metadata does not parse: {e}"),
            }),
        Err(StorageError::NotFound { .. }) => Ok(None),
        Err(e) => Err(e),
    }
}

fn names(value: &Value, field: &str, key: &StorageKey) -> Result<Vec<String>> {
    value
        .get(field)
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .ok_or_else(|| StorageError::Corrupt {
            key: key.to_string(),
            reason: format!("the document has no {field:?} list"),
        })
}

/// The format-1 state of dataset `name`, or `None` when there is none.
pub(crate) fn read(backend: &dyn StorageBackend, name: &str) -> Result<Option<Manifest>> {
    let key = StorageKey::new([name])?;
    let Some(mut dataset) = document(backend, &key)? else {
        return Ok(None);
    };
    let mut manifest = Manifest::default();
    for signal in names(&dataset, "signals", &key)? {
        let signal_key = StorageKey::new([name, signal.as_str()])?;
        let record = document(backend, &signal_key)?.ok_or_else(|| StorageError::NotFound {
            key: signal_key.to_string(),
        })?;
        let mut entry = SignalEntry {
            record: Value::Null,
            series: Default::default(),
        };
        for series in names(&record, "time_series", &signal_key)? {
            let part = series
                .strip_prefix(&format!("{signal}_"))
                .unwrap_or(&series);
            let series_key = StorageKey::new([name, signal.as_str(), part])?;
            let metadata = backend.load_metadata(&series_key)?;
            let record = serde_json::from_str(&metadata).map_err(|e| StorageError::Corrupt {
                key: series_key.to_string(),
                reason: format!("metadata does not parse: {e}"),
            })?;
            entry.series.insert(
                series,
                SeriesEntry {
                    chunks: vec![Chunk::whole(series_key.to_string(), None)],
                    record,
                },
            );
        }
        entry.record = record;
        manifest.signals.insert(signal, entry);
    }
    if let Some(map) = dataset.as_object_mut() {
        map.remove("signals");
    }
    manifest.dataset = Some(dataset);
    Ok(Some(manifest))
}
