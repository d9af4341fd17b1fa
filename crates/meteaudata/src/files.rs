//! Tables from files: CSV (a header line, then one row per line) and Parquet, read into a
//! polars [`DataFrame`] or straight into a [`Signal`].

use std::path::Path;

use meteaudata_core::polars::prelude::*;
use meteaudata_core::{DataProvenance, Error, Result, Signal};

/// Reads `path` by its extension: `.csv` or `.parquet`.
///
/// CSV cells are typed by column: integers, floats (`nan` and empty cells are missing),
/// `true`/`false`, times (`2024-01-31 12:00:00`, `2024-01-31T12:00`, `2024-01-31`; with a
/// UTC offset (RFC 3339) the column holds UTC instants), else text. Parquet columns keep their
/// types. A file that cannot be read is an error naming it and the first bad line.
///
/// ```
/// # fn main() -> meteaudata::Result<()> {
/// # let dir = std::env::temp_dir().join(format!("md-files-doc-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir).unwrap();
/// # let path = dir.join("flow.csv");
/// std::fs::write(&path, "time,flow\n2024-01-01 00:00,1.5\n2024-01-01 01:00,\n").unwrap();
/// let frame = meteaudata::files::read_table(&path)?;
/// assert_eq!(frame.column("flow")?.null_count(), 1);
/// # Ok(()) }
/// ```
pub fn read_table(path: impl AsRef<Path>) -> Result<DataFrame> {
    let path = path.as_ref();
    let fail = |reason: String| Error::File {
        path: path.display().to_string(),
        reason,
    };
    match path.extension().and_then(|e| e.to_str()) {
        Some("csv") => read_csv(path).map_err(fail),
        Some("parquet") => {
            let file = std::fs::File::open(path).map_err(|e| fail(e.to_string()))?;
            ParquetReader::new(file)
                .finish()
                .map_err(|e| fail(format!("not a Parquet file: {e}")))
        }
        _ => Err(fail("expected a .csv or .parquet file".into())),
    }
}

/// Reads `path` (see [`read_table`]) into a signal: the labels in column `index`, one series
/// per column of `values` (see [`Signal::from_frame`]).
///
/// ```
/// use meteaudata::prelude::*;
/// # fn main() -> meteaudata::Result<()> {
/// # let dir = std::env::temp_dir().join(format!("md-files-doc2-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir).unwrap();
/// # let path = dir.join("flow.csv");
/// # std::fs::write(&path, "time,flow\n2024-01-01 00:00,1.5\n2024-01-01 01:00,2.5\n").unwrap();
/// let flow = meteaudata::files::read_signal(&path, "Flow", "l/s", "time", &["flow"])?;
/// assert_eq!(flow.time_series("Flow#1_RAW#1")?.len(), 2);
/// # Ok(()) }
/// ```
pub fn read_signal(
    path: impl AsRef<Path>,
    name: &str,
    units: &str,
    index: &str,
    values: &[&str],
) -> Result<Signal> {
    let frame = read_table(path)?;
    Signal::from_frame(
        name,
        units,
        DataProvenance::default(),
        &frame,
        index,
        values,
    )
}

fn read_csv(path: &Path) -> Result<DataFrame, String> {
    let mut reader = csv::Reader::from_path(path).map_err(|e| e.to_string())?;
    let names: Vec<String> = reader
        .headers()
        .map_err(|e| e.to_string())?
        .iter()
        .map(str::to_owned)
        .collect();
    let mut cells: Vec<Vec<Option<String>>> = vec![Vec::new(); names.len()];
    for (line, record) in reader.records().enumerate() {
        let record = record.map_err(|e| format!("line {}: {e}", line + 2))?;
        if record.len() != names.len() {
            return Err(format!(
                "line {} has {} fields; the header has {}",
                line + 2,
                record.len(),
                names.len()
            ));
        }
        for (column, cell) in cells.iter_mut().zip(record.iter()) {
            let cell = cell.trim();
            column.push((!cell.is_empty()).then(|| cell.to_owned()));
        }
    }
    let height = cells.first().map_or(0, Vec::len);
    let columns = names
        .iter()
        .zip(&cells)
        .map(|(name, column)| typed(name, column).into())
        .collect();
    DataFrame::new(height, columns).map_err(|e| e.to_string())
}

/// A column of text cells as the narrowest type every cell parses as.
fn typed(name: &str, cells: &[Option<String>]) -> Series {
    fn all<T>(
        cells: &[Option<String>],
        parse: impl Fn(&str) -> Option<T>,
    ) -> Option<Vec<Option<T>>> {
        cells
            .iter()
            .map(|c| match c {
                None => Some(None),
                Some(text) => parse(text).map(Some),
            })
            .collect()
    }
    let name: PlSmallStr = name.into();
    if let Some(v) = all(cells, |t| t.parse::<i64>().ok()) {
        return Series::new(name, v);
    }
    if let Some(v) = all(cells, |t| t.parse::<f64>().ok()) {
        let v: Vec<Option<f64>> = v.into_iter().map(|x| x.filter(|x| !x.is_nan())).collect();
        return Series::new(name, v);
    }
    if let Some(v) = all(cells, |t| t.to_ascii_lowercase().parse::<bool>().ok()) {
        return Series::new(name, v);
    }
    let nanos = |t: chrono::NaiveDateTime| t.and_utc().timestamp_nanos_opt();
    if let Some(v) = all(cells, |t| naive_time(t).and_then(nanos)) {
        return Int64Chunked::new(name, v)
            .into_datetime(TimeUnit::Nanoseconds, None)
            .into_series();
    }
    if let Some(v) = all(cells, |t| {
        chrono::DateTime::parse_from_rfc3339(t)
            .ok()
            .and_then(|t| t.timestamp_nanos_opt())
    }) {
        return Int64Chunked::new(name, v)
            .into_datetime(TimeUnit::Nanoseconds, Some(TimeZone::UTC))
            .into_series();
    }
    Series::new(name, cells.to_vec())
}

/// A wall-clock time in one of the usual forms.
fn naive_time(text: &str) -> Option<chrono::NaiveDateTime> {
    [
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M",
    ]
    .iter()
    .find_map(|f| chrono::NaiveDateTime::parse_from_str(text, f).ok())
    .or_else(|| {
        chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .ok()
            .and_then(|d| d.and_hms_opt(0, 0, 0))
    })
}
