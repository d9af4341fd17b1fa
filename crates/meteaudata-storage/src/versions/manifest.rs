//! What a version holds: the manifest of a dataset (its record, its signals, their series and
//! the data objects they point at) and the changes one commit makes to it.

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One stored piece of a series: an immutable data object holding consecutive points.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Chunk {
    /// The key of the data object (written once, never overwritten).
    pub object: String,
    /// The checksum of the object (its bytes, or its values); verified on load.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checksum: Option<String>,
    /// Its number of points (unknown for objects written before chunks).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rows: Option<u64>,
    /// The smallest and largest index label, as integer ticks (integers, or datetimes and
    /// durations in their time unit), when the index is integer-backed: range reads skip the
    /// chunks outside a range without reading them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bounds: Option<(i64, i64)>,
}

impl Chunk {
    /// A chunk of unknown size and bounds (an object written before chunks).
    pub fn whole(object: impl Into<String>, checksum: Option<String>) -> Chunk {
        Chunk {
            object: object.into(),
            checksum,
            rows: None,
            bounds: None,
        }
    }
}

/// One series in a version: its data, as chunks in index order, and its metadata record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "SeriesEntryDoc")]
pub struct SeriesEntry {
    /// Its data objects, in order: the series is their concatenation.
    pub chunks: Vec<Chunk>,
    /// The series' metadata record (opaque to the protocol: the data model's JSON).
    pub record: Value,
}

/// A series entry as stored: chunks, or (written before chunks) one object and its checksum.
#[derive(Deserialize)]
struct SeriesEntryDoc {
    #[serde(default)]
    chunks: Option<Vec<Chunk>>,
    #[serde(default)]
    object: Option<String>,
    #[serde(default)]
    checksum: Option<String>,
    record: Value,
}

impl TryFrom<SeriesEntryDoc> for SeriesEntry {
    type Error = String;

    fn try_from(doc: SeriesEntryDoc) -> std::result::Result<SeriesEntry, String> {
        let chunks = match (doc.chunks, doc.object) {
            (Some(chunks), None) => chunks,
            (None, Some(object)) => vec![Chunk::whole(object, doc.checksum)],
            (None, None) => return Err("a series entry without chunks".into()),
            (Some(_), Some(_)) => return Err("a series entry with chunks and an object".into()),
        };
        Ok(SeriesEntry {
            chunks,
            record: doc.record,
        })
    }
}

/// One signal in a version: its record and its series, in order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SignalEntry {
    /// The signal's record (opaque to the protocol).
    pub record: Value,
    /// Its series by full name, in order.
    pub series: IndexMap<String, SeriesEntry>,
}

/// The whole state of a dataset at one version.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// The dataset's own record (opaque to the protocol); `None` for a namespace that only
    /// ever held free-standing signals.
    pub dataset: Option<Value>,
    /// Its signals by name, in order.
    pub signals: IndexMap<String, SignalEntry>,
}

impl Manifest {
    /// Applies one commit's changes.
    pub fn apply(&mut self, changes: &Changes) {
        if changes.replace {
            *self = Manifest::default();
        }
        if let Some(dataset) = &changes.dataset {
            self.dataset = Some(dataset.clone());
        }
        for name in &changes.remove {
            self.signals.shift_remove(name);
        }
        for (name, entry) in &changes.upsert {
            // A changed signal keeps its place; a new one goes last.
            self.signals.insert(name.clone(), entry.clone());
        }
    }

    /// Every data object the version references.
    pub fn objects(&self) -> impl Iterator<Item = &str> {
        self.signals
            .values()
            .flat_map(|s| s.series.values())
            .flat_map(|e| e.chunks.iter())
            .map(|c| c.object.as_str())
    }
}

/// What one commit changes: signals written whole (their series included) or removed, and
/// the dataset record; or, with `replace`, a whole new state.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Changes {
    /// The commit replaces the whole state (a dataset saved over a stored one of its name).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub replace: bool,
    /// The new dataset record, if it changed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dataset: Option<Value>,
    /// Signals written, by name.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub upsert: IndexMap<String, SignalEntry>,
    /// Signals removed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub remove: Vec<String>,
}

impl Changes {
    /// The signals this commit touches (every signal, for a replace: `None`).
    pub fn touched(&self) -> Option<Vec<&str>> {
        (!self.replace).then(|| {
            self.upsert
                .keys()
                .map(String::as_str)
                .chain(self.remove.iter().map(String::as_str))
                .collect()
        })
    }
}

/// What a version changed, for listings: signals and series added, changed and removed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    /// Signals new in this version.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub signals_added: Vec<String>,
    /// Signals whose record or series changed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub signals_changed: Vec<String>,
    /// Signals removed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub signals_removed: Vec<String>,
    /// Series new in this version.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub series_added: Vec<String>,
    /// Series with new data or metadata.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub series_changed: Vec<String>,
    /// Series removed (with their signal, or from a changed signal).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub series_removed: Vec<String>,
}

impl Summary {
    /// One line: `+2 signals, ~1 signal, 3 series added, …`; `no change` when empty.
    pub fn describe(&self) -> String {
        let parts: Vec<String> = [
            (self.signals_added.len(), "signal added", "signals added"),
            (
                self.signals_changed.len(),
                "signal changed",
                "signals changed",
            ),
            (
                self.signals_removed.len(),
                "signal removed",
                "signals removed",
            ),
            (self.series_added.len(), "series added", "series added"),
            (
                self.series_changed.len(),
                "series changed",
                "series changed",
            ),
            (
                self.series_removed.len(),
                "series removed",
                "series removed",
            ),
        ]
        .into_iter()
        .filter(|(n, _, _)| *n > 0)
        .map(|(n, one, many)| format!("{n} {}", if n == 1 { one } else { many }))
        .collect();
        if parts.is_empty() {
            "no change".into()
        } else {
            parts.join(", ")
        }
    }

    /// Adds what writing `entry` over `previous` (or removing it, when `entry` is `None`)
    /// changes.
    pub(crate) fn record(
        &mut self,
        name: &str,
        previous: Option<&SignalEntry>,
        entry: Option<&SignalEntry>,
    ) {
        match (previous, entry) {
            (None, Some(new)) => {
                self.signals_added.push(name.to_owned());
                self.series_added.extend(new.series.keys().cloned());
            }
            (Some(old), None) => {
                self.signals_removed.push(name.to_owned());
                self.series_removed.extend(old.series.keys().cloned());
            }
            (Some(old), Some(new)) => {
                if old == new {
                    return;
                }
                self.signals_changed.push(name.to_owned());
                for (series, e) in &new.series {
                    match old.series.get(series) {
                        None => self.series_added.push(series.clone()),
                        Some(o) if o != e => self.series_changed.push(series.clone()),
                        Some(_) => {}
                    }
                }
                self.series_removed.extend(
                    old.series
                        .keys()
                        .filter(|s| !new.series.contains_key(*s))
                        .cloned(),
                );
            }
            (None, None) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(objects: &[(&str, &str)]) -> SignalEntry {
        SignalEntry {
            record: Value::Null,
            series: objects
                .iter()
                .map(|(name, object)| {
                    (
                        (*name).to_owned(),
                        SeriesEntry {
                            chunks: vec![Chunk::whole(*object, None)],
                            record: Value::Null,
                        },
                    )
                })
                .collect(),
        }
    }

    #[test]
    fn changes_apply_in_place_and_append() {
        let mut m = Manifest::default();
        let mut c = Changes::default();
        c.upsert.insert("A#1".into(), entry(&[("A#1_RAW#1", "o1")]));
        c.upsert.insert("B#1".into(), entry(&[("B#1_RAW#1", "o2")]));
        m.apply(&c);
        let mut c = Changes::default();
        c.upsert.insert("A#1".into(), entry(&[("A#1_RAW#1", "o3")]));
        c.upsert.insert("C#1".into(), entry(&[]));
        c.remove.push("B#1".into());
        m.apply(&c);
        assert_eq!(m.signals.keys().collect::<Vec<_>>(), ["A#1", "C#1"]);
        assert_eq!(m.objects().collect::<Vec<_>>(), ["o3"]);
        let replace = Changes {
            replace: true,
            ..Changes::default()
        };
        m.apply(&replace);
        assert!(m.signals.is_empty());
    }

    #[test]
    fn entries_written_before_chunks_read_as_one_chunk() {
        let old: SeriesEntry =
            serde_json::from_str(r#"{"object":"d/A#1/RAW#1/o1","checksum":"crc32:01","record":1}"#)
                .unwrap();
        assert_eq!(
            old.chunks,
            [Chunk::whole("d/A#1/RAW#1/o1", Some("crc32:01".into()))]
        );
        let text = serde_json::to_string(&old).unwrap();
        assert!(text.starts_with(r#"{"chunks":"#), "{text}");
        assert_eq!(serde_json::from_str::<SeriesEntry>(&text).unwrap(), old);
        assert!(serde_json::from_str::<SeriesEntry>(r#"{"record":1}"#).is_err());
    }

    #[test]
    fn summaries_name_what_changed() {
        let mut s = Summary::default();
        let old = entry(&[("A#1_RAW#1", "o1"), ("A#1_X#1", "o2")]);
        let new = entry(&[("A#1_RAW#1", "o1"), ("A#1_Y#1", "o3")]);
        s.record("A#1", Some(&old), Some(&new));
        s.record("B#1", None, Some(&entry(&[("B#1_RAW#1", "o4")])));
        s.record("C#1", Some(&entry(&[])), None);
        assert_eq!(s.signals_changed, ["A#1"]);
        assert_eq!(s.series_added, ["A#1_Y#1", "B#1_RAW#1"]);
        assert_eq!(s.series_removed, ["A#1_X#1"]);
        assert_eq!(
            s.describe(),
            "1 signal added, 1 signal changed, 1 signal removed, 2 series added, 1 series removed"
        );
    }
}
