//! Stores left by meteaudata 0.12.1 for Python's storage backends, imported as datasets.
//!
//! The Python library keeps one series per storage key `<dataset>/<signal>/<BASE>#<n>` and no
//! signal- or dataset-level metadata. Its disk backend writes a flat directory of
//! `<key with / → _>.parquet` (value column named after the series, index column
//! `__index_level_0__`, none for a positional index) with `<stem>_meta.yaml` beside it; its SQL
//! backend writes the tables `time_series_metadata` and `time_series_data` (read by
//! `meteaudata-sql`, turned into [`PythonSeries`] and assembled here).
//!
//! Units are not stored by Python, so imported signals get Python's default units `"unit"`;
//! a signal's provenance gets the `metadata_id` its `RAW` series carries (Python copies it there
//! on save) and `"unknown"` elsewhere.

use std::collections::BTreeMap;
use std::path::Path;

use meteaudata_core::name::TsName;
use meteaudata_core::polars::prelude::*;
use meteaudata_core::{DataProvenance, Dataset, Signal, TimeSeries, TimeSeriesMetadata};

use crate::error::{ArchiveError, Result, io};
use crate::{corrupt, table, yaml};

/// Python's name for a series' index column in its Parquet files.
const PANDAS_INDEX_COLUMN: &str = "__index_level_0__";

/// The units meteaudata for Python gives a signal built without any.
const PYTHON_DEFAULT_UNITS: &str = "unit";

/// One series read from a store written by meteaudata for Python.
#[derive(Debug)]
pub struct PythonSeries {
    /// The storage key, `<dataset>/<signal>/<BASE>#<n>`.
    pub key: String,
    /// The series, with its history, index description and identifiers.
    pub series: TimeSeries,
}

impl PythonSeries {
    /// Builds a series from rows of Python's SQL table: index labels as Python's `str()`
    /// printed them, values as stored (floats; integers and booleans are converted back to the
    /// type the metadata records), and the metadata JSON of `time_series_metadata`.
    pub fn from_sql_rows(
        key: &str,
        metadata_json: &str,
        labels: &[Option<String>],
        values: Vec<Option<f64>>,
    ) -> Result<PythonSeries> {
        let fail = |reason: String| corrupt("python SQL store", key, reason);
        let metadata: TimeSeriesMetadata =
            serde_json::from_str(metadata_json).map_err(|e| fail(e.to_string()))?;
        let name =
            series_name(key).ok_or_else(|| fail("not a <dataset>/<signal>/<series> key".into()))?;
        let floats = Series::new("values".into(), values);
        let values = match metadata.values_dtype.as_str() {
            "int64" | "int32" => floats.strict_cast(&DataType::Int64),
            "bool" => floats.strict_cast(&DataType::Boolean),
            _ => Ok(floats),
        }
        .map_err(|e| fail(format!("values do not fit {}: {e}", metadata.values_dtype)))?;
        let labels: Vec<Option<&str>> = labels.iter().map(Option::as_deref).collect();
        let series = table::from_labels(&name, &labels, values, &metadata).map_err(fail)?;
        Ok(PythonSeries {
            key: key.to_owned(),
            series,
        })
    }
}

/// `(dataset, signal, series part)` of a key `<dataset>/<signal>/<BASE>#<n>`, none empty.
fn split_key(key: &str) -> Option<(&str, &str, &str)> {
    let mut parts = key.rsplitn(3, '/');
    let (series, signal, dataset) = (parts.next()?, parts.next()?, parts.next()?);
    (!dataset.is_empty() && !signal.is_empty() && !series.is_empty())
        .then_some((dataset, signal, series))
}

/// `<signal>_<BASE>#<n>` from a key `<dataset>/<signal>/<BASE>#<n>`.
fn series_name(key: &str) -> Option<String> {
    split_key(key).map(|(_, signal, series)| format!("{signal}_{series}"))
}

/// Reads one `<stem>.parquet` + `<stem>_meta.yaml` pair of Python's disk store.
fn read_disk_series(dir: &Path, stem: &str) -> Result<PythonSeries> {
    let shown = dir.display().to_string();
    let parquet = format!("{stem}.parquet");
    let meta = format!("{stem}_meta.yaml");
    let read = |file: &str| match std::fs::read(dir.join(file)) {
        Ok(bytes) => Ok(bytes),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(ArchiveError::Missing {
            archive: shown.clone(),
            entry: file.to_owned(),
        }),
        Err(e) => Err(io(&dir.join(file))(e)),
    };
    let metadata: TimeSeriesMetadata =
        yaml::read(&read(&meta)?).map_err(|e| corrupt(&shown, &meta, e))?;
    let bytes = read(&parquet)?;
    let frame = ParquetReader::new(std::io::Cursor::new(bytes))
        .finish()
        .map_err(|e| corrupt(&shown, &parquet, e))?;
    let mut values = None;
    let mut index = None;
    for column in frame.columns() {
        let series = column.as_materialized_series().clone();
        if column.name().as_str() == PANDAS_INDEX_COLUMN {
            index = Some(series);
        } else if values.replace(series).is_some() {
            return Err(corrupt(&shown, &parquet, "more than one value column"));
        }
    }
    let values = values.ok_or_else(|| corrupt(&shown, &parquet, "no value column"))?;
    let name = values.name().to_string();
    let dataset = stem
        .strip_suffix(&name)
        .and_then(|rest| rest.strip_suffix('_'))
        .filter(|d| !d.is_empty())
        .ok_or_else(|| {
            corrupt(
                &shown,
                &parquet,
                format!("the value column {name:?} does not end the file name"),
            )
        })?;
    let parsed = TsName::parse(&name).map_err(|e| corrupt(&shown, &parquet, e))?;
    let key = format!(
        "{dataset}/{}/{}#{}",
        parsed.signal,
        parsed.base,
        parsed.number.unwrap_or(1)
    );
    let md = &metadata.index_metadata;
    let series = match index {
        None if md.index_type == "RangeIndex" => {
            TimeSeries::with_range_index(&name, md.start.unwrap_or(0), md.step.unwrap_or(1), values)
        }
        None => return Err(corrupt(&shown, &parquet, "no index column")),
        Some(index) => TimeSeries::new(&name, index, values),
    }
    .and_then(|ts| ts.with_metadata(&metadata))
    .map_err(|e| corrupt(&shown, &parquet, e))?;
    Ok(PythonSeries { key, series })
}

/// Imports the directory a meteaudata 0.12.1 for Python disk backend wrote
/// (`use_disk_storage(path)` + `save_all()`): every series with its history and index, grouped
/// into one dataset per dataset name found, sorted by name.
///
/// Nothing in the directory is changed.
pub fn import_disk_store(dir: impl AsRef<Path>) -> Result<Vec<Dataset>> {
    let dir = dir.as_ref();
    if !dir.is_dir() {
        return Err(ArchiveError::NotAStore(dir.display().to_string()));
    }
    let mut stems = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(io(dir))? {
        let entry = entry.map_err(io(dir))?;
        let file = entry.file_name();
        if let Some(stem) = file.to_str().and_then(|f| f.strip_suffix(".parquet")) {
            stems.push(stem.to_owned());
        }
    }
    stems.sort();
    let series = stems
        .iter()
        .map(|stem| read_disk_series(dir, stem))
        .collect::<Result<Vec<_>>>()?;
    assemble(series)
}

/// Groups series by dataset and signal (keys sorted, as Python lists them) into datasets.
pub fn assemble(series: Vec<PythonSeries>) -> Result<Vec<Dataset>> {
    let mut tree: BTreeMap<String, BTreeMap<String, Vec<(String, TimeSeries)>>> = BTreeMap::new();
    for PythonSeries { key, series } in series {
        let Some((dataset, signal, _)) = split_key(&key) else {
            return Err(corrupt(
                "python store",
                &key,
                "not a <dataset>/<signal>/<series> key",
            ));
        };
        let (dataset, signal) = (dataset.to_owned(), signal.to_owned());
        tree.entry(dataset)
            .or_default()
            .entry(signal)
            .or_default()
            .push((key, series));
    }
    let mut datasets = Vec::with_capacity(tree.len());
    for (dataset_name, signals) in tree {
        let mut built = Vec::with_capacity(signals.len());
        for (signal_name, mut series) in signals {
            series.sort_by(|a, b| a.0.cmp(&b.0));
            let series: Vec<TimeSeries> = series.into_iter().map(|(_, ts)| ts).collect();
            let mut provenance = DataProvenance::unknown();
            provenance.metadata_id = series
                .iter()
                .find(|ts| TsName::parse(ts.name()).is_ok_and(|n| n.base == "RAW"))
                .and_then(|ts| ts.metadata_id().map(str::to_owned))
                .or(provenance.metadata_id);
            let first = series.iter().map(TimeSeries::created_on).min();
            let last = series.iter().map(TimeSeries::created_on).max();
            let signal = Signal::new(&signal_name, PYTHON_DEFAULT_UNITS, provenance, series)?;
            built.push(match (first, last) {
                (Some(first), Some(last)) => signal.with_timestamps(first, last),
                _ => signal,
            });
        }
        datasets.push(Dataset::new(&dataset_name)?.with_signals(built)?);
    }
    Ok(datasets)
}

#[cfg(test)]
mod tests {
    #[test]
    fn series_names_come_from_keys() {
        assert_eq!(
            super::series_name("reactor_monitoring/Temperature#1/RAW#1").as_deref(),
            Some("Temperature#1_RAW#1")
        );
        assert_eq!(super::series_name("a/b/c/d#1").as_deref(), Some("c_d#1"));
        assert_eq!(super::series_name("Temperature#1/RAW#1"), None);
        assert_eq!(super::series_name("/x/RAW#1"), None);
    }
}
