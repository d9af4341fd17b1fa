//! Label bounds: turning the bounds users give (`"2024-01-01"`, a datetime, a number) into a
//! mask over an index, with pandas' inclusive label semantics and partial date strings
//! (`"2024-01-02"` covers the whole day).

use chrono::{
    DateTime, Datelike, FixedOffset, Months, NaiveDate, NaiveDateTime, TimeDelta, TimeZone,
};
use meteaudata_core::index::unit_nanos;
use meteaudata_core::polars::prelude::*;
use meteaudata_core::{Frequency, IndexKind, ParamValue, TimeSeries};

use crate::error::ProcessingError;
use crate::support::physical_index;

/// A bound given to [`subset`](crate::subset) or [`replace_ranges`](crate::replace_ranges): any
/// [`ParamValue`] — a position or number (`Int`, `Float`), a date text (`String`, partial
/// forms such as `"2024-01"` allowed), a datetime (`NaiveDateTime`, `DateTime`), or `Null`
/// for an open end. It is recorded in the step exactly as given.
pub type Bound = ParamValue;

/// The half-open span of time a datetime bound covers, before conversion to index units.
struct Span {
    start: NaiveDateTime,
    end: NaiveDateTime,
    offset: Option<FixedOffset>,
}

/// Parses a date text with pandas' partial-string resolution.
fn parse_span(text: &str) -> Option<Span> {
    let s = text.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s)
        .or_else(|_| DateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f%:z"))
        .or_else(|_| DateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%:z"))
    {
        let resolution = if s.contains('.') {
            TimeDelta::nanoseconds(1)
        } else {
            TimeDelta::seconds(1)
        };
        let start = t.naive_local();
        return Some(Span {
            start,
            end: start + resolution,
            offset: Some(*t.offset()),
        });
    }
    let s = s.replacen('T', " ", 1);
    let naive = |fmt: &str| NaiveDateTime::parse_from_str(&s, fmt).ok();
    let (start, step) = if s.contains('.') {
        (naive("%Y-%m-%d %H:%M:%S%.f")?, TimeDelta::nanoseconds(1))
    } else if let Some(t) = naive("%Y-%m-%d %H:%M:%S") {
        (t, TimeDelta::seconds(1))
    } else if let Some(t) = naive("%Y-%m-%d %H:%M") {
        (t, TimeDelta::minutes(1))
    } else if let Ok(t) = NaiveDateTime::parse_from_str(&format!("{s}:00"), "%Y-%m-%d %H:%M") {
        (t, TimeDelta::hours(1))
    } else if let Ok(d) = NaiveDate::parse_from_str(&s, "%Y-%m-%d") {
        (d.and_hms_opt(0, 0, 0)?, TimeDelta::days(1))
    } else if let Ok(d) = NaiveDate::parse_from_str(&format!("{s}-01"), "%Y-%m-%d") {
        let start = d.and_hms_opt(0, 0, 0)?;
        return Some(Span {
            start,
            end: start.checked_add_months(Months::new(1))?,
            offset: None,
        });
    } else if s.len() == 4 && s.chars().all(|c| c.is_ascii_digit()) {
        let d = NaiveDate::from_ymd_opt(s.parse().ok()?, 1, 1)?;
        let start = d.and_hms_opt(0, 0, 0)?;
        let end = NaiveDate::from_ymd_opt(d.year() + 1, 1, 1)?.and_hms_opt(0, 0, 0)?;
        return Some(Span {
            start,
            end,
            offset: None,
        });
    } else {
        return None;
    };
    Some(Span {
        start,
        end: start + step,
        offset: None,
    })
}

/// A parsed datetime bound: `(inclusive start, exclusive end)` in index units.
fn datetime_span(
    function: &'static str,
    ts: &TimeSeries,
    bound: &ParamValue,
    unit: TimeUnit,
    zone: Option<chrono_tz::Tz>,
) -> Result<Option<(i64, i64)>, ProcessingError> {
    let one_tick = TimeDelta::nanoseconds(unit_nanos(unit));
    let span = match bound {
        ParamValue::Null => return Ok(None),
        ParamValue::String(s) => parse_span(s).ok_or_else(|| {
            ProcessingError::invalid(function, format!("cannot read {s:?} as a date and time"))
        })?,
        ParamValue::NaiveDateTime(t) => Span {
            start: *t,
            end: *t + one_tick,
            offset: None,
        },
        ParamValue::DateTime(t) => Span {
            start: t.naive_local(),
            end: t.naive_local() + one_tick,
            offset: Some(*t.offset()),
        },
        other => {
            return Err(ProcessingError::invalid(
                function,
                format!(
                    "the bound {other} cannot be compared with the datetime index of {:?}",
                    ts.name()
                ),
            ));
        }
    };
    let to_units = |wall: NaiveDateTime| -> Result<i64, ProcessingError> {
        let instant = match (span.offset, zone) {
            (Some(offset), Some(_)) => offset
                .from_local_datetime(&wall)
                .single()
                .map(|t| t.naive_utc()),
            (Some(_), None) => {
                return Err(ProcessingError::invalid(
                    function,
                    format!(
                        "the bound {bound} has a UTC offset but the index of {:?} has no time zone",
                        ts.name()
                    ),
                ));
            }
            (None, Some(tz)) => tz
                .from_local_datetime(&wall)
                .earliest()
                .map(|t| t.naive_utc()),
            (None, None) => Some(wall),
        };
        let nanos = instant
            .and_then(|t| t.and_utc().timestamp_nanos_opt())
            .ok_or_else(|| {
                ProcessingError::invalid(function, format!("the bound {bound} is out of range"))
            })?;
        Ok(ceil_div(nanos, unit_nanos(unit)))
    };
    Ok(Some((to_units(span.start)?, to_units(span.end)?)))
}

fn ceil_div(a: i64, b: i64) -> i64 {
    -((-a).div_euclid(b))
}

fn as_f64(bound: &ParamValue) -> Option<Option<f64>> {
    match bound {
        ParamValue::Null => Some(None),
        ParamValue::Int(i) => Some(Some(*i as f64)),
        ParamValue::Float(x) => Some(Some(*x)),
        _ => None,
    }
}

/// The points whose label lies in `[start, end]` (both inclusive; a partial date text as
/// `end` covers its whole period; `Null` is an open end).
pub(crate) fn label_mask(
    function: &'static str,
    ts: &TimeSeries,
    start: &ParamValue,
    end: &ParamValue,
) -> Result<BooleanChunked, ProcessingError> {
    let name = ts.index()?.name().clone();
    let kind = ts.index_kind();
    let mismatch = |bound: &ParamValue| {
        ProcessingError::invalid(
            function,
            format!(
                "the bound {bound} cannot be compared with the {kind} index of {:?}",
                ts.name()
            ),
        )
    };
    match &kind {
        IndexKind::Datetime { unit, .. } => {
            let zone = crate::support::index_zone(function, ts)?;
            let lo = datetime_span(function, ts, start, *unit, zone)?.map(|s| s.0);
            let hi = datetime_span(function, ts, end, *unit, zone)?.map(|s| s.1);
            Ok(range_mask(&physical_index(ts)?, lo, hi))
        }
        IndexKind::Duration { unit } => {
            let convert = |b: &ParamValue, upper: bool| -> Result<Option<i64>, ProcessingError> {
                match b {
                    ParamValue::Null => Ok(None),
                    ParamValue::Int(i) => Ok(Some(*i + i64::from(upper))),
                    ParamValue::String(s) => {
                        let f = Frequency::parse(s)
                            .map_err(|e| ProcessingError::invalid(function, e.to_string()))?;
                        Ok(Some(
                            ceil_div(f.nanos(), unit_nanos(*unit)) + i64::from(upper),
                        ))
                    }
                    other => Err(mismatch(other)),
                }
            };
            let lo = convert(start, false)?;
            let hi = convert(end, true)?;
            Ok(range_mask(&physical_index(ts)?, lo, hi))
        }
        IndexKind::Integer | IndexKind::Range { .. } | IndexKind::Float => {
            let lo = as_f64(start).ok_or_else(|| mismatch(start))?;
            let hi = as_f64(end).ok_or_else(|| mismatch(end))?;
            let labels = ts.index()?.cast(&DataType::Float64)?;
            let labels = labels.f64()?;
            Ok(labels
                .into_no_null_iter()
                .map(|x| lo.is_none_or(|lo| x >= lo) && hi.is_none_or(|hi| x <= hi))
                .collect::<BooleanChunked>()
                .with_name(name))
        }
        IndexKind::String => {
            let text = |b: &ParamValue| match b {
                ParamValue::Null => Ok(None),
                ParamValue::String(s) => Ok(Some(s.clone())),
                other => Err(mismatch(other)),
            };
            let (lo, hi) = (text(start)?, text(end)?);
            let labels = ts.index()?;
            Ok(labels
                .str()?
                .iter()
                .flatten()
                .map(|x| {
                    lo.as_deref().is_none_or(|lo| x >= lo) && hi.as_deref().is_none_or(|hi| x <= hi)
                })
                .collect::<BooleanChunked>()
                .with_name(name))
        }
    }
}

/// `lo <= label < hi_exclusive` over physical labels.
fn range_mask(labels: &Int64Chunked, lo: Option<i64>, hi: Option<i64>) -> BooleanChunked {
    labels
        .into_no_null_iter()
        .map(|t| lo.is_none_or(|lo| t >= lo) && hi.is_none_or(|hi| t < hi))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn span(s: &str) -> (String, String) {
        let p = parse_span(s).unwrap();
        (p.start.to_string(), p.end.to_string())
    }

    #[test]
    fn partial_strings_cover_their_period() {
        assert_eq!(
            span("2024"),
            ("2024-01-01 00:00:00".into(), "2025-01-01 00:00:00".into())
        );
        assert_eq!(
            span("2024-02"),
            ("2024-02-01 00:00:00".into(), "2024-03-01 00:00:00".into())
        );
        assert_eq!(
            span("2024-01-02"),
            ("2024-01-02 00:00:00".into(), "2024-01-03 00:00:00".into())
        );
        assert_eq!(
            span("2024-01-02 10"),
            ("2024-01-02 10:00:00".into(), "2024-01-02 11:00:00".into())
        );
        assert_eq!(
            span("2024-01-02T10:30"),
            ("2024-01-02 10:30:00".into(), "2024-01-02 10:31:00".into())
        );
        assert_eq!(
            span("2024-01-02 23:00:00"),
            ("2024-01-02 23:00:00".into(), "2024-01-02 23:00:01".into())
        );
        let aware = parse_span("2024-06-01 00:00:00+02:00").unwrap();
        assert_eq!(aware.offset.unwrap().local_minus_utc(), 7200);
        assert!(parse_span("yesterday").is_none());
    }
}
