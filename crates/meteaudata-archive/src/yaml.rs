//! Metadata as YAML: keys sorted as PyYAML writes them, timestamps with microseconds (Python's
//! loader needs them, bug 10), and a `format_version` key Python ignores.

use chrono::NaiveDateTime;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::layout::CsvLayout;

/// The archive format version written by this crate.
pub const FORMAT_VERSION: u32 = 1;

const TIMESTAMPS: [&str; 3] = ["created_on", "last_updated", "run_datetime"];

fn normalize(value: Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(String, Value)> = map.into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            let mut sorted = Map::new();
            for (k, v) in entries {
                let v = match (&v, TIMESTAMPS.contains(&k.as_str())) {
                    (Value::String(s), true) => {
                        NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f")
                            .map(|t| Value::String(t.format("%Y-%m-%dT%H:%M:%S%.6f").to_string()))
                            .unwrap_or(v)
                    }
                    _ => normalize(v),
                };
                sorted.insert(k, v);
            }
            Value::Object(sorted)
        }
        Value::Array(items) => Value::Array(items.into_iter().map(normalize).collect()),
        other => other,
    }
}

/// YAML text of `value` with a `format_version` key, and the CSV layout when it is not the
/// default.
pub(crate) fn write<T: Serialize>(value: &T, layout: &CsvLayout) -> Result<String, String> {
    let mut json = normalize(serde_json::to_value(value).map_err(|e| e.to_string())?);
    if let Value::Object(map) = &mut json {
        if let Some(layout) = layout.to_value() {
            map.insert("csv_layout".into(), layout);
        }
        map.insert("format_version".into(), FORMAT_VERSION.into());
    }
    serde_yaml_ng::to_string(&json).map_err(|e| e.to_string())
}

/// Parses YAML metadata written by this crate or by meteaudata for Python.
pub(crate) fn read<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, String> {
    serde_yaml_ng::from_slice(bytes).map_err(|e| e.to_string())
}
