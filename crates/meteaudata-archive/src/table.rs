//! One series as a two-column CSV (`<index>,<series name>`), written with pandas' conventions
//! and read back with the types its metadata records.

use chrono_tz::Tz;
use meteaudata_core::index::unit_nanos;
use meteaudata_core::polars::prelude::*;
use meteaudata_core::{IndexKind, TimeSeries, TimeSeriesMetadata};

use crate::labels::{Cells, format_duration, parse_datetime, parse_duration, write_datetimes};
use crate::layout::CsvLayout;

/// The text cells of a column (empty for a missing value), as pandas writes them.
fn cells(series: &Series) -> PolarsResult<Cells> {
    use std::io::Write;
    let mut cells = Cells::with_capacity(series.len(), 20);
    let tick = |unit: &TimeUnit| unit_nanos(*unit);
    match series.dtype() {
        DataType::Datetime(unit, tz) => {
            let zone: Option<Tz> = tz.as_ref().and_then(|t| t.parse().ok());
            let physical = series.to_physical_repr();
            let nanos: Vec<Option<i64>> = physical
                .i64()?
                .iter()
                .map(|v| v.map(|t| t * tick(unit)))
                .collect();
            write_datetimes(&nanos, zone, &mut cells);
        }
        DataType::Duration(unit) => {
            let physical = series.to_physical_repr();
            for v in physical.i64()?.iter() {
                if let Some(t) = v {
                    cells
                        .buffer()
                        .extend_from_slice(format_duration(t * tick(unit)).as_bytes());
                }
                cells.end();
            }
        }
        DataType::Float64 => {
            for v in series.f64()?.iter() {
                if let Some(x) = v {
                    write_python_float(cells.buffer(), x);
                }
                cells.end();
            }
        }
        DataType::Int64 => {
            for v in series.i64()?.iter() {
                if let Some(x) = v {
                    let _ = write!(cells.buffer(), "{x}");
                }
                cells.end();
            }
        }
        DataType::Boolean => {
            for v in series.bool()?.iter() {
                if let Some(b) = v {
                    let text: &[u8] = if b { b"True" } else { b"False" };
                    cells.buffer().extend_from_slice(text);
                }
                cells.end();
            }
        }
        _ => {
            for v in series.str()?.iter() {
                if let Some(text) = v {
                    cells.buffer().extend_from_slice(text.as_bytes());
                }
                cells.end();
            }
        }
    }
    Ok(cells)
}

/// Appends `x` as Python's `repr` writes a float: the shortest text that reads back exactly,
/// in positional form from 1e-4 up to 1e16 and otherwise as `<digits>e<sign><2+ digits>`
/// (`1e+300`, `1.5e-07`). Rust's `{:?}` picks the same digits and the same switch-over points
/// but writes exponents bare (`1e300`, `1.5e-7`), so only the exponent is rewritten.
fn write_python_float(out: &mut Vec<u8>, x: f64) {
    use std::io::Write;
    let start = out.len();
    let _ = write!(out, "{x:?}");
    let Some(e) = out[start..].iter().position(|&b| b == b'e') else {
        return;
    };
    let exponent = out.split_off(start + e + 1);
    let (sign, digits) = match exponent.split_first() {
        Some((b'-', rest)) => (b'-', rest),
        _ => (b'+', &exponent[..]),
    };
    out.push(sign);
    if digits.len() < 2 {
        out.push(b'0');
    }
    out.extend_from_slice(digits);
}

/// Appends `cell` to `out`, quoted as CSV requires when it holds the separator, a quote or a
/// line break.
fn push_cell(out: &mut Vec<u8>, cell: &[u8], separator: u8) {
    if cell
        .iter()
        .any(|&b| b == separator || b == b'"' || b == b'\n' || b == b'\r')
    {
        out.push(b'"');
        for &b in cell {
            if b == b'"' {
                out.push(b'"');
            }
            out.push(b);
        }
        out.push(b'"');
    } else {
        out.extend_from_slice(cell);
    }
}

/// The CSV text of a series: the header rows (by default one, `,<name>`), then
/// `<label>,<value>` rows, missing values as empty fields, `\n` line ends.
pub(crate) fn write(
    ts: &TimeSeries,
    separator: u8,
    header: &[[String; 2]],
) -> Result<Vec<u8>, String> {
    let data = ts.data().map_err(|e| e.to_string())?;
    let labels = cells(data.columns()[0].as_materialized_series()).map_err(|e| e.to_string())?;
    let values = cells(data.columns()[1].as_materialized_series()).map_err(|e| e.to_string())?;
    let mut out = Vec::with_capacity(ts.len() * 40 + 64);
    for [index, value] in header {
        push_cell(&mut out, index.as_bytes(), separator);
        out.push(separator);
        push_cell(&mut out, value.as_bytes(), separator);
        out.push(b'\n');
    }
    for i in 0..labels.len() {
        push_cell(&mut out, labels.get(i), separator);
        out.push(separator);
        push_cell(&mut out, values.get(i), separator);
        out.push(b'\n');
    }
    Ok(out)
}

/// The unit and zone of a pandas dtype string (`datetime64[ns, UTC]`; seconds become ms).
fn datetime_dtype(dtype: &str) -> Option<(TimeUnit, Option<String>)> {
    let inner = dtype.strip_prefix("datetime64[")?.strip_suffix(']')?;
    let (unit, tz) = inner
        .split_once(", ")
        .map_or((inner, None), |(u, tz)| (u, Some(tz.to_owned())));
    let unit = match unit {
        "us" => TimeUnit::Microseconds,
        "ms" | "s" => TimeUnit::Milliseconds,
        _ => TimeUnit::Nanoseconds,
    };
    Some((unit, tz))
}

fn datetime_column(
    name: &str,
    texts: &[Option<&str>],
    unit: TimeUnit,
    tz: Option<String>,
) -> Result<Series, String> {
    let zone: Option<Tz> = match &tz {
        Some(t) => Some(t.parse().map_err(|_| format!("unknown time zone {t:?}"))?),
        None => None,
    };
    let tick = unit_nanos(unit);
    let values = texts
        .iter()
        .map(|t| match t {
            None => Ok(None),
            Some(t) => parse_datetime(t, zone)
                .map(|n| Some(n.div_euclid(tick)))
                .ok_or_else(|| format!("{t:?} is not a date and time")),
        })
        .collect::<Result<Vec<_>, _>>()?;
    let tz = TimeZone::opt_try_new(tz).map_err(|e| e.to_string())?;
    Ok(
        Int64Chunked::from_iter_options(name.into(), values.into_iter())
            .into_datetime(unit, tz)
            .into_series(),
    )
}

fn parsed<T: std::str::FromStr>(
    name: &str,
    texts: &[Option<&str>],
    what: &str,
) -> Result<Vec<Option<T>>, String> {
    texts
        .iter()
        .map(|t| match t {
            None => Ok(None),
            Some(t) => t
                .parse::<T>()
                .map(Some)
                .map_err(|_| format!("{name}: {t:?} is not {what}")),
        })
        .collect()
}

fn float_cell(t: &str) -> Option<Option<f64>> {
    match t {
        "nan" | "NaN" => Some(None),
        "inf" => Some(Some(f64::INFINITY)),
        "-inf" => Some(Some(f64::NEG_INFINITY)),
        other => other.parse().ok().map(Some),
    }
}

/// Reads a series from its CSV with the types its metadata records (never guessed: text
/// that looks like numbers stays text in a string series). The separator and header depth
/// come from the archive's layout, or are sniffed for archives that record none.
pub(crate) fn read(
    bytes: &[u8],
    name: &str,
    metadata: &TimeSeriesMetadata,
    layout: &CsvLayout,
) -> Result<TimeSeries, String> {
    let separator = layout.separator().unwrap_or_else(|| sniff_separator(bytes));
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(separator)
        .from_reader(bytes);
    let mut labels = Cells::with_capacity(bytes.len() / 32, 20);
    let mut values = Cells::with_capacity(bytes.len() / 32, 12);
    let mut record = csv::ByteRecord::new();
    while reader
        .read_byte_record(&mut record)
        .map_err(|e| e.to_string())?
    {
        if record.len() != 2 {
            return Err(format!("a row has {} fields, expected 2", record.len()));
        }
        labels.buffer().extend_from_slice(&record[0]);
        labels.end();
        values.buffer().extend_from_slice(&record[1]);
        values.end();
    }
    let labels = labels.texts().map_err(|e| format!("index labels: {e}"))?;
    let values = values.texts().map_err(|e| format!("values: {e}"))?;
    let header_rows = match layout.header_rows(name) {
        Some(rows) => rows,
        None => sniff_header_rows(&labels, metadata),
    };
    if header_rows > labels.len() {
        return Err(format!(
            "expected {header_rows} header rows, the file has {}",
            labels.len()
        ));
    }
    // The two columns parse on two threads.
    let (index, values) = std::thread::scope(|scope| {
        let values =
            scope.spawn(|| value_series(name, &values[header_rows..], &metadata.values_dtype));
        let index = parse_index(name, &labels[header_rows..], metadata);
        (index, values.join())
    });
    let values = values.map_err(|_| "the value parser failed".to_owned())??;
    assemble(name, index?, values, metadata)
}

/// The separator of a CSV without a recorded layout: the first of `,`, `;`, tab and `|` in
/// its first line (`,` when none is).
fn sniff_separator(bytes: &[u8]) -> u8 {
    let first_line = bytes.split(|&b| b == b'\n').next().unwrap_or_default();
    [b',', b';', b'\t', b'|']
        .into_iter()
        .find(|c| first_line.contains(c))
        .unwrap_or(b',')
}

/// The header depth of a CSV without a recorded layout: the first row, and the rows after it
/// whose first cell is not an index label of the recorded kind.
fn sniff_header_rows(labels: &[Option<&str>], metadata: &TimeSeriesMetadata) -> usize {
    let md = &metadata.index_metadata;
    let is_label = |cell: &Option<&str>| -> bool {
        let Some(text) = *cell else {
            return false;
        };
        match md.index_type.as_str() {
            "DatetimeIndex" => parse_datetime(text, None).is_some(),
            "TimedeltaIndex" => parse_duration(text).is_some(),
            "RangeIndex" => text.parse::<i64>().is_ok(),
            _ => match md.dtype.as_str() {
                "int64" => text.parse::<i64>().is_ok(),
                "float64" => float_cell(text).is_some(),
                _ => true,
            },
        }
    };
    1 + labels.iter().skip(1).take_while(|c| !is_label(c)).count()
}

/// The value column from its text cells, typed by the recorded pandas dtype.
fn value_series(name: &str, values: &[Option<&str>], dtype: &str) -> Result<Series, String> {
    Ok(match dtype {
        "float64" | "float32" => {
            let v = values
                .iter()
                .map(|t| match t {
                    None => Ok(None),
                    Some(t) => float_cell(t).ok_or_else(|| format!("{t:?} is not a number")),
                })
                .collect::<Result<Vec<_>, _>>()?;
            Series::new("values".into(), v)
        }
        "int64" | "int32" => {
            Series::new("values".into(), parsed::<i64>(name, values, "an integer")?)
        }
        "bool" => {
            let v = values
                .iter()
                .map(|t| match *t {
                    None => Ok(None),
                    Some("True" | "true") => Ok(Some(true)),
                    Some("False" | "false") => Ok(Some(false)),
                    Some(t) => Err(format!("{t:?} is not True or False")),
                })
                .collect::<Result<Vec<_>, _>>()?;
            Series::new("values".into(), v)
        }
        dtype if dtype.starts_with("datetime64[") => {
            let (unit, tz) =
                datetime_dtype(dtype).ok_or_else(|| format!("unknown dtype {dtype:?}"))?;
            datetime_column("values", values, unit, tz)?
        }
        _ => Series::new("values".into(), values.to_vec()),
    })
}

/// A series from its index labels as pandas prints them (`2024-01-01 00:00:00`,
/// `…+00:00`, `0 days 00:30:00`, integers) and its values, typed by its metadata.
pub(crate) fn from_labels(
    name: &str,
    labels: &[Option<&str>],
    values: Series,
    metadata: &TimeSeriesMetadata,
) -> Result<TimeSeries, String> {
    let index = parse_index(name, labels, metadata)?;
    assemble(name, index, values, metadata)
}

/// A parsed index: a positional range or labels.
enum Index {
    Range { start: i64, step: i64 },
    Labels(Series),
}

/// Parses index labels with the kind and dtype the metadata records.
fn parse_index(
    name: &str,
    labels: &[Option<&str>],
    metadata: &TimeSeriesMetadata,
) -> Result<Index, String> {
    if labels.iter().any(Option::is_none) {
        return Err("an index label is empty".into());
    }
    let md = &metadata.index_metadata;
    Ok(match md.index_type.as_str() {
        "RangeIndex" => {
            let start = md.start.unwrap_or(0);
            let step = md.step.unwrap_or(1);
            let got = parsed::<i64>(name, labels, "an integer label")?;
            let expected = (0..labels.len() as i64).map(|i| start + i * step);
            if got.iter().flatten().copied().ne(expected) {
                return Err("the labels do not follow the recorded RangeIndex".into());
            }
            Index::Range { start, step }
        }
        "DatetimeIndex" => {
            let (unit, _) = datetime_dtype(&md.dtype).unwrap_or((TimeUnit::Nanoseconds, None));
            Index::Labels(datetime_column(
                "index",
                labels,
                unit,
                md.time_zone.clone(),
            )?)
        }
        "TimedeltaIndex" => {
            let ticks = labels
                .iter()
                .map(|t| {
                    (*t).and_then(parse_duration)
                        .ok_or_else(|| format!("{t:?} is not a duration"))
                })
                .collect::<Result<Vec<_>, _>>()?;
            Index::Labels(
                Int64Chunked::from_vec("index".into(), ticks)
                    .into_duration(TimeUnit::Nanoseconds)
                    .into_series(),
            )
        }
        _ => Index::Labels(match md.dtype.as_str() {
            "int64" => Series::new(
                "index".into(),
                parsed::<i64>(name, labels, "an integer label")?,
            ),
            "float64" => {
                let v = labels
                    .iter()
                    .map(|t| t.and_then(float_cell).flatten())
                    .collect::<Vec<_>>();
                Series::new("index".into(), v)
            }
            _ => Series::new("index".into(), labels.to_vec()),
        }),
    })
}

/// The series from its parsed index and values, with its metadata.
fn assemble(
    name: &str,
    index: Index,
    values: Series,
    metadata: &TimeSeriesMetadata,
) -> Result<TimeSeries, String> {
    let series = match index {
        Index::Range { start, step } => TimeSeries::with_range_index(name, start, step, values),
        Index::Labels(index) => TimeSeries::new(name, index, values),
    }
    .map_err(|e| e.to_string())?;
    series.with_metadata(metadata).map_err(|e| e.to_string())
}

/// Whether `kind` is one an archive can hold.
pub(crate) fn supported(kind: &IndexKind) -> bool {
    !matches!(kind, IndexKind::Duration { unit } if *unit != TimeUnit::Nanoseconds)
}

#[cfg(test)]
mod tests {
    use super::write_python_float;

    #[test]
    fn floats_are_written_as_python_repr_writes_them() {
        // (value, what Python 3's repr() prints)
        let cases = [
            (1e300, "1e+300"),
            (1e16, "1e+16"),
            (1e15, "1000000000000000.0"),
            (123456789012345678.0, "1.2345678901234568e+17"),
            (1e-5, "1e-05"),
            (1e-4, "0.0001"),
            (1.5e-7, "1.5e-07"),
            (-2.5e22, "-2.5e+22"),
            (5e-324, "5e-324"),
            (1.7976931348623157e308, "1.7976931348623157e+308"),
            (0.30000000000000004, "0.30000000000000004"),
            (1e-20, "1e-20"),
            (100.0, "100.0"),
            (-0.0, "-0.0"),
            (f64::INFINITY, "inf"),
            (f64::NEG_INFINITY, "-inf"),
        ];
        for (value, python) in cases {
            let mut out = b"x,".to_vec();
            write_python_float(&mut out, value);
            assert_eq!(String::from_utf8(out).unwrap(), format!("x,{python}"));
        }
    }
}
