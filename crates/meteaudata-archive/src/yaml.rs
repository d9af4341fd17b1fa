//! Metadata as YAML: keys sorted as PyYAML writes them, timestamps with microseconds (Python's
//! loader needs them), and a `format_version` key Python ignores.

use chrono::NaiveDateTime;
use meteaudata_core::NON_FINITE_FLOAT_KEY;
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

/// The YAML form of a JSON tree; a non-finite float parameter (`{"$float": "nan"}`) becomes
/// YAML's own `.nan`, `.inf` or `-.inf`, as PyYAML writes a float NaN.
fn to_yaml(value: Value) -> serde_yaml_ng::Value {
    use serde_yaml_ng::Value as Y;
    match value {
        Value::Null => Y::Null,
        Value::Bool(b) => Y::Bool(b),
        Value::Number(n) => match (n.as_i64(), n.as_u64()) {
            (Some(i), _) => Y::Number(i.into()),
            (None, Some(u)) => Y::Number(u.into()),
            _ => Y::Number(n.as_f64().unwrap_or(f64::NAN).into()),
        },
        Value::String(s) => Y::String(s),
        Value::Array(items) => Y::Sequence(items.into_iter().map(to_yaml).collect()),
        Value::Object(map) => {
            if map.len() == 1
                && let Some(Value::String(text)) = map.get(NON_FINITE_FLOAT_KEY)
                && let Ok(float) = text.parse::<f64>()
                && !float.is_finite()
            {
                return Y::Number(float.into());
            }
            Y::Mapping(
                map.into_iter()
                    .map(|(k, v)| (Y::String(k), to_yaml(v)))
                    .collect(),
            )
        }
    }
}

/// YAML text of `value` with a `format_version` key, and the CSV layout when it is not the
/// default; every mapping's keys sorted, as PyYAML writes them.
pub(crate) fn write<T: Serialize>(value: &T, layout: &CsvLayout) -> Result<String, String> {
    let mut json = serde_json::to_value(value).map_err(|e| e.to_string())?;
    if let Value::Object(map) = &mut json {
        if let Some(layout) = layout.to_value() {
            map.insert("csv_layout".into(), layout);
        }
        map.insert("format_version".into(), FORMAT_VERSION.into());
    }
    serde_yaml_ng::to_string(&to_yaml(normalize(json))).map_err(|e| e.to_string())
}

/// Parses YAML metadata written by this crate or by meteaudata for Python.
pub(crate) fn read<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, String> {
    serde_yaml_ng::from_slice(bytes).map_err(|e| e.to_string())
}
