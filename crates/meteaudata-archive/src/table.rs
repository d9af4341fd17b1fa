//! One series as a two-column CSV (`<index>,<series name>`), written with pandas' conventions
//! and read back with the types its metadata records.

use chrono_tz::Tz;
use meteaudata_core::index::unit_nanos;
use meteaudata_core::polars::prelude::*;
use meteaudata_core::{IndexKind, TimeSeries, TimeSeriesMetadata};

use crate::labels::{format_datetimes, format_duration, parse_datetime, parse_duration};
use crate::layout::CsvLayout;

/// The text cells of a column (`None` for a missing value).
fn cells(series: &Series) -> PolarsResult<Vec<Option<String>>> {
    let tick = |unit: &TimeUnit| unit_nanos(*unit);
    Ok(match series.dtype() {
        DataType::Datetime(unit, tz) => {
            let zone: Option<Tz> = tz.as_ref().and_then(|t| t.parse().ok());
            let physical = series.to_physical_repr();
            let ca = physical.i64()?;
            let present: Vec<i64> = ca.iter().flatten().map(|t| t * tick(unit)).collect();
            let mut texts = format_datetimes(&present, zone).into_iter();
            ca.iter().map(|v| v.and_then(|_| texts.next())).collect()
        }
        DataType::Duration(unit) => {
            let physical = series.to_physical_repr();
            physical
                .i64()?
                .iter()
                .map(|v| v.map(|t| format_duration(t * tick(unit))))
                .collect()
        }
        DataType::Float64 => series
            .f64()?
            .iter()
            .map(|v| v.map(|x| format!("{x:?}")))
            .collect(),
        DataType::Int64 => series
            .i64()?
            .iter()
            .map(|v| v.map(|x| x.to_string()))
            .collect(),
        DataType::Boolean => series
            .bool()?
            .iter()
            .map(|v| v.map(|b| if b { "True".into() } else { "False".into() }))
            .collect(),
        _ => series.str()?.iter().map(|v| v.map(str::to_owned)).collect(),
    })
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
    let mut out = csv::WriterBuilder::new()
        .delimiter(separator)
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::with_capacity(ts.len() * 32));
    for row in header {
        out.write_record(row).map_err(|e| e.to_string())?;
    }
    for (label, value) in labels.iter().zip(&values) {
        out.write_record([
            label.as_deref().unwrap_or(""),
            value.as_deref().unwrap_or(""),
        ])
        .map_err(|e| e.to_string())?;
    }
    out.into_inner().map_err(|e| e.to_string())
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
    texts: &[Option<String>],
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
    texts: &[Option<String>],
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
    let (mut labels, mut values) = (Vec::new(), Vec::new());
    for record in reader.records() {
        let record = record.map_err(|e| e.to_string())?;
        if record.len() != 2 {
            return Err(format!("a row has {} fields, expected 2", record.len()));
        }
        let cell = |i: usize| Some(record[i].to_owned()).filter(|s| !s.is_empty());
        labels.push(cell(0));
        values.push(cell(1));
    }
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
    let values = value_series(name, &values[header_rows..], &metadata.values_dtype)?;
    from_labels(name, &labels[header_rows..], values, metadata)
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
fn sniff_header_rows(labels: &[Option<String>], metadata: &TimeSeriesMetadata) -> usize {
    let md = &metadata.index_metadata;
    let is_label = |cell: &Option<String>| -> bool {
        let Some(text) = cell.as_deref() else {
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
fn value_series(name: &str, values: &[Option<String>], dtype: &str) -> Result<Series, String> {
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
                .map(|t| match t.as_deref() {
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
    labels: &[Option<String>],
    values: Series,
    metadata: &TimeSeriesMetadata,
) -> Result<TimeSeries, String> {
    if labels.iter().any(Option::is_none) {
        return Err("an index label is empty".into());
    }
    let md = &metadata.index_metadata;
    let series = match md.index_type.as_str() {
        "RangeIndex" => {
            let start = md.start.unwrap_or(0);
            let step = md.step.unwrap_or(1);
            let expected: Vec<i64> = (0..labels.len() as i64).map(|i| start + i * step).collect();
            let got = parsed::<i64>(name, labels, "an integer label")?;
            if got.iter().flatten().ne(expected.iter()) {
                return Err("the labels do not follow the recorded RangeIndex".into());
            }
            TimeSeries::with_range_index(name, start, step, values)
        }
        "DatetimeIndex" => {
            let (unit, _) = datetime_dtype(&md.dtype).unwrap_or((TimeUnit::Nanoseconds, None));
            let index = datetime_column("index", labels, unit, md.time_zone.clone())?;
            TimeSeries::new(name, index, values)
        }
        "TimedeltaIndex" => {
            let ticks = labels
                .iter()
                .map(|t| {
                    t.as_deref()
                        .and_then(parse_duration)
                        .ok_or_else(|| format!("{t:?} is not a duration"))
                })
                .collect::<Result<Vec<_>, _>>()?;
            let index = Int64Chunked::from_vec("index".into(), ticks)
                .into_duration(TimeUnit::Nanoseconds)
                .into_series();
            TimeSeries::new(name, index, values)
        }
        _ => {
            let index = match md.dtype.as_str() {
                "int64" => Series::new(
                    "index".into(),
                    parsed::<i64>(name, labels, "an integer label")?,
                ),
                "float64" => {
                    let v = labels
                        .iter()
                        .map(|t| t.as_deref().and_then(float_cell).flatten())
                        .collect::<Vec<_>>();
                    Series::new("index".into(), v)
                }
                _ => Series::new("index".into(), labels.to_vec()),
            };
            TimeSeries::new(name, index, values)
        }
    }
    .map_err(|e| e.to_string())?;
    series.with_metadata(metadata).map_err(|e| e.to_string())
}

/// Whether `kind` is one an archive can hold.
pub(crate) fn supported(kind: &IndexKind) -> bool {
    !matches!(kind, IndexKind::Duration { unit } if *unit != TimeUnit::Nanoseconds)
}
