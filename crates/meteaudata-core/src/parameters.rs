//! The open key/value bag a processing step records its arguments in.

use std::fmt;

use chrono::{DateTime, FixedOffset, NaiveDateTime, TimeZone};
use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

/// One recorded parameter value: a JSON-like tree plus datetimes that keep their value.
///
/// Tuples become lists. Datetimes serialize as ISO-8601 strings (naive, or with their UTC
/// offset) and never turn into `{}` as in Python. Non-finite floats, which JSON cannot hold,
/// serialize as a one-entry map `{"$float": "nan"}` (or `"inf"`, `"-inf"`) and come back as
/// floats, so a saved NaN parameter reopens as a NaN while a text `"nan"` stays a text.
/// Formats with non-finite floats of their own (YAML's `.nan`) are read as floats too.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum ParamValue {
    /// No value (`None` in Python, `null` in JSON).
    Null,
    /// A boolean.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A floating-point number.
    Float(#[serde(serialize_with = "serialize_float")] f64),
    /// A text.
    String(String),
    /// A list (tuples become lists).
    List(Vec<ParamValue>),
    /// A map with its keys in insertion order.
    Map(IndexMap<String, ParamValue>),
    /// A date and time without a time zone.
    NaiveDateTime(NaiveDateTime),
    /// A date and time with a UTC offset.
    DateTime(DateTime<FixedOffset>),
}

/// Values compare structurally; a NaN equals a NaN, so steps recording one still compare equal
/// to themselves.
impl PartialEq for ParamValue {
    fn eq(&self, other: &ParamValue) -> bool {
        use ParamValue as P;
        match (self, other) {
            (P::Null, P::Null) => true,
            (P::Bool(a), P::Bool(b)) => a == b,
            (P::Int(a), P::Int(b)) => a == b,
            (P::Float(a), P::Float(b)) => a == b || (a.is_nan() && b.is_nan()),
            (P::String(a), P::String(b)) => a == b,
            (P::List(a), P::List(b)) => a == b,
            (P::Map(a), P::Map(b)) => a == b,
            (P::NaiveDateTime(a), P::NaiveDateTime(b)) => a == b,
            (P::DateTime(a), P::DateTime(b)) => a == b,
            _ => false,
        }
    }
}

/// The key of the one-entry map a non-finite float parameter is written as.
pub const NON_FINITE_FLOAT_KEY: &str = "$float";

/// The text of a non-finite float in a `{"$float": …}` map.
fn non_finite_text(v: f64) -> Option<&'static str> {
    if v.is_nan() {
        Some("nan")
    } else if v.is_infinite() {
        Some(if v > 0.0 { "inf" } else { "-inf" })
    } else {
        None
    }
}

/// The float a `{"$float": …}` map's text stands for.
fn non_finite_value(text: &str) -> Option<f64> {
    match text {
        "nan" => Some(f64::NAN),
        "inf" => Some(f64::INFINITY),
        "-inf" => Some(f64::NEG_INFINITY),
        _ => None,
    }
}

/// Reads the JSON-like forms back; a text in the ISO form datetimes are written in
/// (`2024-01-01T02:00:00`, with an optional fraction and offset) becomes a datetime again, so
/// recorded parameters survive a save and load. Other texts stay texts. A `{"$float": "nan"}`
/// map (`"inf"`, `"-inf"`) is a non-finite float.
impl<'de> Deserialize<'de> for ParamValue {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ParamVisitor)
    }
}

struct ParamVisitor;

impl<'de> serde::de::Visitor<'de> for ParamVisitor {
    type Value = ParamValue;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a parameter value")
    }

    fn visit_unit<E>(self) -> Result<ParamValue, E> {
        Ok(ParamValue::Null)
    }

    fn visit_none<E>(self) -> Result<ParamValue, E> {
        Ok(ParamValue::Null)
    }

    fn visit_some<D: serde::Deserializer<'de>>(self, d: D) -> Result<ParamValue, D::Error> {
        ParamValue::deserialize(d)
    }

    fn visit_bool<E>(self, v: bool) -> Result<ParamValue, E> {
        Ok(ParamValue::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<ParamValue, E> {
        Ok(ParamValue::Int(v))
    }

    fn visit_u64<E>(self, v: u64) -> Result<ParamValue, E> {
        Ok(i64::try_from(v).map_or(ParamValue::Float(v as f64), ParamValue::Int))
    }

    fn visit_f64<E>(self, v: f64) -> Result<ParamValue, E> {
        Ok(ParamValue::Float(v))
    }

    fn visit_str<E>(self, s: &str) -> Result<ParamValue, E> {
        Ok(if let Ok(t) = DateTime::parse_from_rfc3339(s) {
            ParamValue::DateTime(t)
        } else if let Ok(t) = NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f") {
            ParamValue::NaiveDateTime(t)
        } else {
            ParamValue::String(s.to_owned())
        })
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<ParamValue, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(ParamValue::List(items))
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<ParamValue, A::Error> {
        let mut entries: IndexMap<String, ParamValue> = IndexMap::new();
        while let Some((key, value)) = map.next_entry::<String, ParamValue>()? {
            entries.insert(key, value);
        }
        if entries.len() == 1
            && let Some(ParamValue::String(text)) = entries.get(NON_FINITE_FLOAT_KEY)
            && let Some(v) = non_finite_value(text)
        {
            return Ok(ParamValue::Float(v));
        }
        Ok(ParamValue::Map(entries))
    }
}

fn serialize_float<S: serde::Serializer>(v: &f64, s: S) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeMap;
    match non_finite_text(*v) {
        Some(text) => {
            let mut map = s.serialize_map(Some(1))?;
            map.serialize_entry(NON_FINITE_FLOAT_KEY, text)?;
            map.end()
        }
        None => s.serialize_f64(*v),
    }
}

impl fmt::Display for ParamValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParamValue::Null => f.write_str("None"),
            ParamValue::Bool(b) => write!(f, "{}", if *b { "True" } else { "False" }),
            ParamValue::Int(i) => write!(f, "{i}"),
            ParamValue::Float(x) => write!(f, "{x}"),
            ParamValue::String(s) => write!(f, "'{s}'"),
            ParamValue::NaiveDateTime(d) => write!(f, "{d}"),
            ParamValue::DateTime(d) => write!(f, "{d}"),
            ParamValue::List(items) => {
                f.write_str("[")?;
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{item}")?;
                }
                f.write_str("]")
            }
            ParamValue::Map(map) => {
                f.write_str("{")?;
                for (i, (k, v)) in map.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "'{k}': {v}")?;
                }
                f.write_str("}")
            }
        }
    }
}

macro_rules! from_int {
    ($($t:ty),*) => {$(
        impl From<$t> for ParamValue {
            fn from(v: $t) -> Self { ParamValue::Int(i64::from(v)) }
        }
    )*};
}
from_int!(i8, i16, i32, i64, u8, u16, u32);

impl From<usize> for ParamValue {
    fn from(v: usize) -> Self {
        i64::try_from(v).map_or(ParamValue::Float(v as f64), ParamValue::Int)
    }
}
impl From<f64> for ParamValue {
    fn from(v: f64) -> Self {
        ParamValue::Float(v)
    }
}
impl From<f32> for ParamValue {
    fn from(v: f32) -> Self {
        ParamValue::Float(f64::from(v))
    }
}
impl From<bool> for ParamValue {
    fn from(v: bool) -> Self {
        ParamValue::Bool(v)
    }
}
impl From<&str> for ParamValue {
    fn from(v: &str) -> Self {
        ParamValue::String(v.to_owned())
    }
}
impl From<String> for ParamValue {
    fn from(v: String) -> Self {
        ParamValue::String(v)
    }
}
impl From<NaiveDateTime> for ParamValue {
    fn from(v: NaiveDateTime) -> Self {
        ParamValue::NaiveDateTime(v)
    }
}
impl<Tz: TimeZone> From<DateTime<Tz>> for ParamValue {
    fn from(v: DateTime<Tz>) -> Self {
        ParamValue::DateTime(v.fixed_offset())
    }
}
impl<T: Into<ParamValue>> From<Option<T>> for ParamValue {
    fn from(v: Option<T>) -> Self {
        v.map_or(ParamValue::Null, Into::into)
    }
}
impl<T: Into<ParamValue>> From<Vec<T>> for ParamValue {
    fn from(v: Vec<T>) -> Self {
        ParamValue::List(v.into_iter().map(Into::into).collect())
    }
}
impl<A: Into<ParamValue>, B: Into<ParamValue>> From<(A, B)> for ParamValue {
    fn from((a, b): (A, B)) -> Self {
        ParamValue::List(vec![a.into(), b.into()])
    }
}
impl From<serde_json::Value> for ParamValue {
    fn from(v: serde_json::Value) -> Self {
        match v {
            serde_json::Value::Null => ParamValue::Null,
            serde_json::Value::Bool(b) => ParamValue::Bool(b),
            serde_json::Value::Number(n) => n
                .as_i64()
                .map(ParamValue::Int)
                .unwrap_or_else(|| ParamValue::Float(n.as_f64().unwrap_or(f64::NAN))),
            serde_json::Value::String(s) => ParamValue::String(s),
            serde_json::Value::Array(items) => {
                ParamValue::List(items.into_iter().map(Into::into).collect())
            }
            serde_json::Value::Object(map) => {
                ParamValue::Map(map.into_iter().map(|(k, v)| (k, v.into())).collect())
            }
        }
    }
}

/// The parameters a processing step was called with, in the order they were given.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Parameters(IndexMap<String, ParamValue>);

impl Parameters {
    /// An empty bag.
    pub fn new() -> Parameters {
        Parameters::default()
    }

    /// Adds (or replaces) one entry and returns the bag, for chaining.
    pub fn with(mut self, key: impl Into<String>, value: impl Into<ParamValue>) -> Parameters {
        self.insert(key, value);
        self
    }

    /// Adds (or replaces) one entry.
    pub fn insert(&mut self, key: impl Into<String>, value: impl Into<ParamValue>) {
        self.0.insert(key.into(), value.into());
    }

    /// The value of one entry.
    pub fn get(&self, key: &str) -> Option<&ParamValue> {
        self.0.get(key)
    }

    /// The entries, in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &ParamValue)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// The number of entries.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the bag is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Display for Parameters {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, (k, v)) in self.iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            write!(f, "{k}={v}")?;
        }
        Ok(())
    }
}

impl<K: Into<String>, V: Into<ParamValue>> FromIterator<(K, V)> for Parameters {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        Parameters(
            iter.into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serializes_like_python_metadata() {
        let t = NaiveDateTime::parse_from_str("2024-01-01 01:00:00", "%Y-%m-%d %H:%M:%S").unwrap();
        let p = Parameters::new()
            .with(
                "index_pairs",
                vec![("2024-01-01 10:00:00", "2024-01-01 14:00:00")],
            )
            .with("replace_with", f64::NAN)
            .with("start", t)
            .with("rank_based", false)
            .with("n", 3);
        let json = serde_json::to_string(&p).unwrap();
        assert_eq!(
            json,
            r#"{"index_pairs":[["2024-01-01 10:00:00","2024-01-01 14:00:00"]],"replace_with":{"$float":"nan"},"start":"2024-01-01T01:00:00","rank_based":false,"n":3}"#
        );
        let back: Parameters = serde_json::from_str(&json).unwrap();
        assert_eq!(back.get("n"), Some(&ParamValue::Int(3)));
        assert_eq!(
            back.get("start"),
            Some(&ParamValue::NaiveDateTime(t)),
            "datetimes come back"
        );
        assert_eq!(
            back.get("index_pairs"),
            p.get("index_pairs"),
            "space-separated dates stay texts"
        );
        assert_eq!(back.len(), 5);
    }

    #[test]
    fn non_finite_floats_come_back_as_floats_and_texts_as_texts() {
        let p = Parameters::new()
            .with("nan", f64::NAN)
            .with("up", f64::INFINITY)
            .with("down", f64::NEG_INFINITY)
            .with("text", "nan")
            .with("big", 1e300);
        let back: Parameters = serde_json::from_str(&serde_json::to_string(&p).unwrap()).unwrap();
        assert!(matches!(back.get("nan"), Some(ParamValue::Float(v)) if v.is_nan()));
        assert_eq!(back.get("up"), Some(&ParamValue::Float(f64::INFINITY)));
        assert_eq!(
            back.get("down"),
            Some(&ParamValue::Float(f64::NEG_INFINITY))
        );
        assert_eq!(back.get("text"), Some(&ParamValue::String("nan".into())));
        assert_eq!(back.get("big"), Some(&ParamValue::Float(1e300)));
        // A map that merely looks like the marker stays a map.
        let map: ParamValue = serde_json::from_str(r#"{"$float":"zero"}"#).unwrap();
        assert!(matches!(map, ParamValue::Map(_)));
    }

    #[test]
    fn nan_equals_nan() {
        assert_eq!(ParamValue::Float(f64::NAN), ParamValue::Float(f64::NAN));
        assert_ne!(ParamValue::Float(1.0), ParamValue::Int(1));
    }

    #[test]
    fn zoned_datetimes_keep_their_offset() {
        let t = DateTime::parse_from_rfc3339("2024-03-10T01:00:00-05:00").unwrap();
        let json = serde_json::to_string(&ParamValue::from(t)).unwrap();
        assert_eq!(json, r#""2024-03-10T01:00:00-05:00""#);
    }
}
