//! Export options: CSV separator, index and value header names, `"auto"` units headers,
//! multi-line headers. Unlike meteaudata for Python, a header rename is recorded in the
//! archive's metadata (an `export_rename` step of the written series), never appended to the
//! object in memory on each save, and the loader reads every option back (Python's loader only
//! reads `,` and a single header row).

use std::collections::BTreeMap;

use meteaudata_core::{
    FunctionInfo, ParamValue, Parameters, ProcessingStep, ProcessingType, Signal,
    TimeSeriesMetadata,
};

/// A header: one cell per header row (one level is a single-line header).
pub type Header = Vec<String>;

/// How the value column of each series is named in its CSV.
#[derive(Debug, Clone, Default, PartialEq)]
pub enum ValueNames {
    /// The series' full name (the default).
    #[default]
    Keep,
    /// `[name, units]` (a two-row header) when the signal's units are set and not Python's
    /// default `"unit"`, otherwise the name.
    Auto,
    /// The same header for every series.
    All(Header),
    /// Headers by full series name, or by signal name for every series of that signal;
    /// series not listed keep their name.
    Each(BTreeMap<String, Header>),
}

/// Options for writing an archive. The default writes what meteaudata for Python writes by
/// default: `,` separator, the index's name (empty when it has none) as index header, the
/// series name as value header.
#[derive(Debug, Clone, PartialEq)]
pub struct ExportOptions {
    /// The CSV field separator.
    pub separator: u8,
    /// The index header (empty: the series' index name, or an empty cell when unnamed).
    pub index_name: Header,
    /// The value headers.
    pub value_names: ValueNames,
}

impl Default for ExportOptions {
    fn default() -> ExportOptions {
        ExportOptions {
            separator: b',',
            index_name: Vec::new(),
            value_names: ValueNames::Keep,
        }
    }
}

impl ExportOptions {
    /// Sets the separator.
    pub fn separator(mut self, separator: u8) -> ExportOptions {
        self.separator = separator;
        self
    }

    /// Sets the index header (one cell per header row).
    pub fn index_name<S: Into<String>>(mut self, levels: impl IntoIterator<Item = S>) -> Self {
        self.index_name = levels.into_iter().map(Into::into).collect();
        self
    }

    /// Sets the value headers.
    pub fn value_names(mut self, names: ValueNames) -> ExportOptions {
        self.value_names = names;
        self
    }

    /// The value header of series `name` of `signal`.
    pub(crate) fn value_header(&self, signal: &Signal, name: &str) -> Header {
        match &self.value_names {
            ValueNames::Keep => vec![name.to_owned()],
            ValueNames::Auto if !signal.units().is_empty() && signal.units() != "unit" => {
                vec![name.to_owned(), signal.units().to_owned()]
            }
            ValueNames::Auto => vec![name.to_owned()],
            ValueNames::All(header) => header.clone(),
            ValueNames::Each(map) => map
                .get(name)
                .or_else(|| map.get(signal.name()))
                .cloned()
                .unwrap_or_else(|| vec![name.to_owned()]),
        }
    }

    /// The header rows of one series: the index header (the option, else the series' own
    /// index name as pandas writes it, else empty) beside the value header, both padded with
    /// empty cells to the same depth.
    pub(crate) fn header_rows(&self, value: &Header, index_name: Option<&str>) -> Vec<[String; 2]> {
        let own: Header = index_name.map(|n| vec![n.to_owned()]).unwrap_or_default();
        let index = if self.index_name.is_empty() {
            &own
        } else {
            &self.index_name
        };
        let depth = index.len().max(value.len()).max(1);
        let cell = |h: &Header, i: usize| h.get(i).cloned().unwrap_or_default();
        (0..depth)
            .map(|i| [cell(index, i), cell(value, i)])
            .collect()
    }
}

/// Records a value-header rename in the written metadata of series `name`, as an
/// `export_rename` step (the object in memory is not touched).
pub(crate) fn record_rename(metadata: &mut TimeSeriesMetadata, name: &str, header: &Header) {
    if header.len() == 1 && header[0] == name {
        return;
    }
    let shown = if header.len() == 1 {
        header[0].clone()
    } else {
        format!("({})", header.join(", "))
    };
    let parameters: Parameters = [
        (
            "original_name".to_owned(),
            ParamValue::from(name.to_owned()),
        ),
        ("export_name".to_owned(), ParamValue::from(shown.clone())),
    ]
    .into_iter()
    .collect();
    metadata.processing_steps.push(
        ProcessingStep::new(
            ProcessingType::ExportRename,
            format!("Renamed for export: '{name}' → '{shown}'"),
            FunctionInfo::new("export_rename", "1.0", "meteaudata", "Export operation"),
            "RENAMED",
        )
        .with_inputs([name.to_owned()])
        .with_parameters(parameters),
    );
}
