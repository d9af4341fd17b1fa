//! The CSV layout of an archive written with export options: its separator and the number of
//! header rows of each series, kept in the top-level metadata under `csv_layout` (a key
//! meteaudata for Python ignores) so that the loader reads every option back.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The separator and header depths of an archive's CSVs.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(from = "TopLevel")]
pub(crate) struct CsvLayout {
    /// The separator, when recorded (or being written).
    separator: Option<String>,
    /// Header rows per series, for series whose header is not one row.
    header_rows: BTreeMap<String, usize>,
}

/// The part of a metadata document the layout is read from.
#[derive(Deserialize)]
struct TopLevel {
    #[serde(default)]
    csv_layout: Option<Stored>,
}

#[derive(Serialize, Deserialize)]
struct Stored {
    #[serde(default)]
    separator: Option<String>,
    #[serde(default)]
    header_rows: BTreeMap<String, usize>,
}

impl From<TopLevel> for CsvLayout {
    fn from(top: TopLevel) -> CsvLayout {
        top.csv_layout
            .map(|s| CsvLayout {
                separator: s.separator,
                header_rows: s.header_rows,
            })
            .unwrap_or_default()
    }
}

impl CsvLayout {
    /// A layout being written with `separator`.
    pub(crate) fn new(separator: u8) -> CsvLayout {
        CsvLayout {
            separator: Some(char::from(separator).to_string()),
            header_rows: BTreeMap::new(),
        }
    }

    /// Notes that series `name` has `rows` header rows.
    pub(crate) fn record(&mut self, name: &str, rows: usize) {
        if rows != 1 {
            self.header_rows.insert(name.to_owned(), rows);
        }
    }

    /// Adds another signal's layout.
    pub(crate) fn merge(&mut self, other: CsvLayout) {
        self.header_rows.extend(other.header_rows);
    }

    /// The recorded separator.
    pub(crate) fn separator(&self) -> Option<u8> {
        self.separator
            .as_deref()
            .and_then(|s| s.as_bytes().first().copied())
    }

    /// The recorded header depth of series `name` (`None` when the archive records no
    /// layout).
    pub(crate) fn header_rows(&self, name: &str) -> Option<usize> {
        self.separator
            .as_ref()
            .map(|_| self.header_rows.get(name).copied().unwrap_or(1))
    }

    /// The `csv_layout` value to write, or `None` for the default layout (what meteaudata
    /// for Python writes, left unmarked).
    pub(crate) fn to_value(&self) -> Option<serde_json::Value> {
        let default = self.separator.as_deref().is_none_or(|s| s == ",");
        if default && self.header_rows.is_empty() {
            return None;
        }
        serde_json::to_value(Stored {
            separator: self.separator.clone(),
            header_rows: self.header_rows.clone(),
        })
        .ok()
    }
}
