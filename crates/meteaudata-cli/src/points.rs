//! Points read from a file for `meteaudata append`, and a range given on the command line
//! for `inspect --range`, turned into the dtypes of a stored series.
//!
//! A file holds a label column then a value column: CSV with a header line, or Parquet (the
//! first two columns). Labels of a datetime index are times such as `2024-01-31 12:00:00`
//! (or RFC 3339 with an offset, read as an instant); of an integer index, integers.

use std::path::Path;

use anyhow::{Context, Result, bail};
use meteaudata::Label;
use meteaudata::polars::prelude::{
    AnyValue, DataType, Int64Chunked, IntoSeries, NamedFrom, ParquetReader, SerReader, Series,
};

/// Parses one label for an index of `dtype`.
pub fn label(text: &str, dtype: &DataType) -> Result<Label> {
    let text = text.trim();
    match dtype {
        DataType::Datetime(..) => {
            if let Ok(t) = chrono::DateTime::parse_from_rfc3339(text) {
                return Ok(Label::Utc(t.with_timezone(&chrono::Utc)));
            }
            for format in [
                "%Y-%m-%d %H:%M:%S%.f",
                "%Y-%m-%dT%H:%M:%S%.f",
                "%Y-%m-%d %H:%M",
            ] {
                if let Ok(t) = chrono::NaiveDateTime::parse_from_str(text, format) {
                    return Ok(Label::Time(t));
                }
            }
            if let Ok(d) = chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d") {
                return Ok(Label::Time(
                    d.and_hms_opt(0, 0, 0).expect("midnight exists"),
                ));
            }
            bail!("{text:?} is not a time (e.g. 2024-01-31 12:00:00)")
        }
        _ => {
            Ok(Label::Int(text.parse().with_context(|| {
                format!("{text:?} is not an integer label")
            })?))
        }
    }
}

/// The label and value columns of `file` (`.csv` or `.parquet`) as text.
fn columns(file: &Path) -> Result<(Vec<String>, Vec<Option<String>>)> {
    let extension = file.extension().and_then(|e| e.to_str()).unwrap_or("");
    match extension {
        "csv" => {
            let mut reader = csv::Reader::from_path(file)
                .with_context(|| format!("cannot read {}", file.display()))?;
            let (mut labels, mut values) = (Vec::new(), Vec::new());
            for (line, record) in reader.records().enumerate() {
                let record =
                    record.with_context(|| format!("{}: line {}", file.display(), line + 2))?;
                if record.len() < 2 {
                    bail!(
                        "{}: line {} has {} fields; expected a label and a value",
                        file.display(),
                        line + 2,
                        record.len()
                    );
                }
                labels.push(record[0].to_owned());
                let value = record[1].trim();
                values.push((!value.is_empty()).then(|| value.to_owned()));
            }
            Ok((labels, values))
        }
        "parquet" => {
            let frame = ParquetReader::new(
                std::fs::File::open(file)
                    .with_context(|| format!("cannot read {}", file.display()))?,
            )
            .finish()
            .with_context(|| format!("{} is not a Parquet file", file.display()))?;
            if frame.width() < 2 {
                bail!(
                    "{} has {} columns; expected a label and a value",
                    file.display(),
                    frame.width()
                );
            }
            let text = |i: usize| -> Result<Vec<Option<String>>> {
                let column = frame.columns()[i].as_materialized_series();
                Ok((0..column.len())
                    .map(|r| {
                        column.get(r).ok().and_then(|v| match v {
                            AnyValue::Null => None,
                            AnyValue::String(s) => Some(s.to_owned()),
                            other => Some(other.to_string()),
                        })
                    })
                    .collect())
            };
            let labels = text(0)?
                .into_iter()
                .enumerate()
                .map(|(r, l)| {
                    l.with_context(|| format!("{}: row {r} has no label", file.display()))
                })
                .collect::<Result<_>>()?;
            Ok((labels, text(1)?))
        }
        _ => bail!("{}: expected a .csv or .parquet file", file.display()),
    }
}

/// The points of `file` as an index and values of the given dtypes.
pub fn read(file: &Path, index: &DataType, values: &DataType) -> Result<(Series, Series)> {
    let (labels, texts) = columns(file)?;
    let ticks: Vec<i64> = labels
        .iter()
        .enumerate()
        .map(|(row, text)| {
            label(text, index)
                .and_then(|l| Ok(l.ticks(index)?))
                .with_context(|| format!("{}: row {row}", file.display()))
        })
        .collect::<Result<_>>()?;
    let index = Int64Chunked::from_vec("index".into(), ticks)
        .into_series()
        .cast(index)?;
    // Each value text parsed as `T` (case aside), a missing one as a null.
    fn parse<T: std::str::FromStr>(
        texts: &[Option<String>],
        file: &Path,
        dtype: &DataType,
    ) -> Result<Vec<Option<T>>> {
        texts
            .iter()
            .enumerate()
            .map(|(row, text)| {
                text.as_deref()
                    .map(|t| {
                        t.to_ascii_lowercase().parse::<T>().ok().with_context(|| {
                            format!("{}: row {row}: {t:?} is not a {dtype}", file.display())
                        })
                    })
                    .transpose()
            })
            .collect()
    }
    let name = "values".into();
    let parsed = match values {
        DataType::Float64 => Series::new(name, parse::<f64>(&texts, file, values)?),
        DataType::Int64 => Series::new(name, parse::<i64>(&texts, file, values)?),
        DataType::Boolean => Series::new(name, parse::<bool>(&texts, file, values)?),
        DataType::String => Series::new(name, texts),
        other => bail!("appending to values of {other} from a file is not supported"),
    };
    Ok((index, parsed))
}
