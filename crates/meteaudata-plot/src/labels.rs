//! A series' index as plot coordinates: filtering by start/end bounds (any bound, or only one
//! of them, as text, date or number) and the x shift of predictions (by the fixed frequency,
//! else by index positions, so calendar frequencies and single points work).

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone};
use meteaudata_core::index::unit_nanos;
use meteaudata_core::{IndexKind, ProcessingType, TimeSeries};
use polars::prelude::DataType;

use crate::error::{PlotError, Result};
use crate::figure::XValues;

/// A start or end bound for plotting: a date and time, a number, or text parsed against the
/// index (`"2024-01-01"`, `"2024-01-01 06:00"`, RFC 3339, `"12.5"`).
#[derive(Debug, Clone, PartialEq)]
pub enum Bound {
    /// A wall-clock time in the index's zone.
    Time(NaiveDateTime),
    /// A number (numeric indexes; seconds for duration indexes).
    Number(f64),
    /// Text, parsed according to the index kind.
    Text(String),
}

impl From<&str> for Bound {
    fn from(s: &str) -> Bound {
        Bound::Text(s.to_owned())
    }
}

impl From<String> for Bound {
    fn from(s: String) -> Bound {
        Bound::Text(s)
    }
}

impl From<NaiveDateTime> for Bound {
    fn from(t: NaiveDateTime) -> Bound {
        Bound::Time(t)
    }
}

impl From<NaiveDate> for Bound {
    fn from(d: NaiveDate) -> Bound {
        Bound::Time(d.and_time(chrono::NaiveTime::MIN))
    }
}

impl From<f64> for Bound {
    fn from(x: f64) -> Bound {
        Bound::Number(x)
    }
}

impl From<i64> for Bound {
    fn from(x: i64) -> Bound {
        Bound::Number(x as f64)
    }
}

/// The labels of a series, one per row, in a form that compares and shifts.
enum Labels {
    /// Wall-clock nanoseconds since 1970 in the index's zone.
    Time(Vec<i64>),
    Number(Vec<f64>),
    Text(Vec<String>),
}

/// The x coordinates and y values of a series after filtering and shifting.
pub(crate) struct Points {
    pub x: XValues,
    pub y: Vec<Option<f64>>,
    /// When the bounds left none of the series' points: the bound to blame.
    pub missed: Option<Missed>,
}

/// Bounds that left a series no point: which one, as given, and the labels the data runs
/// between.
pub(crate) struct Missed {
    pub which: &'static str,
    pub value: String,
    pub first: String,
    pub last: String,
}

fn wall_nanos(t: NaiveDateTime) -> i64 {
    t.and_utc().timestamp_nanos_opt().unwrap_or(i64::MAX)
}

fn from_wall_nanos(n: i64) -> NaiveDateTime {
    DateTime::from_timestamp_nanos(n).naive_utc()
}

fn parse_time(s: &str, tz: Option<&chrono_tz::Tz>) -> Option<NaiveDateTime> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(match tz {
            Some(tz) => t.with_timezone(tz).naive_local(),
            None => t.naive_utc(),
        });
    }
    const FORMATS: [&str; 4] = [
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M",
    ];
    FORMATS
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(s.trim(), f).ok())
        .or_else(|| {
            NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
                .ok()
                .map(|d| d.and_time(chrono::NaiveTime::MIN))
        })
}

/// A bound in the form of the labels it is compared with.
enum Resolved {
    Time(i64),
    Number(f64),
    Text(String),
}

/// A bound as the user gave it.
fn shown(bound: &Bound) -> String {
    match bound {
        Bound::Time(t) => t.to_string(),
        Bound::Number(x) => x.to_string(),
        Bound::Text(s) => s.clone(),
    }
}

/// Whether resolved bound `a` comes after `b`.
fn later(a: &Resolved, b: &Resolved) -> bool {
    match (a, b) {
        (Resolved::Time(a), Resolved::Time(b)) => a > b,
        (Resolved::Number(a), Resolved::Number(b)) => a > b,
        (Resolved::Text(a), Resolved::Text(b)) => a > b,
        _ => false,
    }
}

/// The smallest and largest label of `labels`, as text.
fn label_span(labels: &Labels) -> Option<(String, String)> {
    fn span<T: Clone + PartialOrd>(v: &[T]) -> Option<(T, T)> {
        let mut it = v.iter();
        let first = it.next()?.clone();
        Some(it.fold((first.clone(), first), |(lo, hi), x| {
            (
                if *x < lo { x.clone() } else { lo },
                if *x > hi { x.clone() } else { hi },
            )
        }))
    }
    match labels {
        Labels::Time(v) => span(v).map(|(a, b)| {
            let show = |n| from_wall_nanos(n).format("%Y-%m-%d %H:%M:%S").to_string();
            (show(a), show(b))
        }),
        Labels::Number(v) => span(v).map(|(a, b)| (a.to_string(), b.to_string())),
        Labels::Text(v) => span(v),
    }
}

fn resolve(
    bound: &Bound,
    labels: &Labels,
    tz: Option<&chrono_tz::Tz>,
    which: &'static str,
    series: &str,
) -> Result<Resolved> {
    let fail = |reason: &str| PlotError::Bound {
        which,
        value: shown(bound),
        series: series.to_owned(),
        reason: reason.to_owned(),
    };
    Ok(match (labels, bound) {
        (Labels::Time(_), Bound::Time(t)) => Resolved::Time(wall_nanos(*t)),
        (Labels::Time(_), Bound::Text(s)) => {
            Resolved::Time(wall_nanos(parse_time(s, tz).ok_or_else(|| {
                fail("expected a date such as 2024-01-31, 2024-01-31 06:00 or RFC 3339")
            })?))
        }
        (Labels::Time(_), Bound::Number(_)) => {
            return Err(fail("the index holds dates; give a date"));
        }
        (Labels::Number(_), Bound::Number(x)) => Resolved::Number(*x),
        (Labels::Number(_), Bound::Text(s)) => Resolved::Number(
            s.trim()
                .parse()
                .map_err(|_| fail("the index holds numbers; give a number"))?,
        ),
        (Labels::Number(_), Bound::Time(_)) => {
            return Err(fail("the index holds numbers; give a number"));
        }
        (Labels::Text(_), Bound::Text(s)) => Resolved::Text(s.clone()),
        (Labels::Text(_), _) => return Err(fail("the index holds text; give text")),
    })
}

fn within(labels: &Labels, i: usize, start: Option<&Resolved>, end: Option<&Resolved>) -> bool {
    let after = |b: &Resolved| match (labels, b) {
        (Labels::Time(v), Resolved::Time(t)) => v[i] >= *t,
        (Labels::Number(v), Resolved::Number(x)) => v[i] >= *x,
        (Labels::Text(v), Resolved::Text(s)) => v[i].as_str() >= s.as_str(),
        _ => false,
    };
    let before = |b: &Resolved| match (labels, b) {
        (Labels::Time(v), Resolved::Time(t)) => v[i] <= *t,
        (Labels::Number(v), Resolved::Number(x)) => v[i] <= *x,
        (Labels::Text(v), Resolved::Text(s)) => v[i].as_str() <= s.as_str(),
        _ => false,
    };
    start.is_none_or(after) && end.is_none_or(before)
}

/// Where position `i` lands after moving `k` positions: an existing position and a number of
/// extra steps beyond the first or last label.
fn land(n: usize, i: usize, k: i64) -> (usize, i64) {
    let target = i as i64 + k;
    let last = n as i64 - 1;
    if target < 0 {
        (0, target)
    } else if target > last {
        (n - 1, target - last)
    } else {
        (target as usize, 0)
    }
}

fn shift_positional<T: Copy>(
    values: &[T],
    k: i64,
    step_at: impl Fn(&[T], usize) -> Option<f64>,
    add: impl Fn(T, f64) -> T,
) -> Vec<T> {
    let n = values.len();
    if n < 2 {
        // One label gives no spacing to move by.
        return values.to_vec();
    }
    (0..n)
        .map(|i| {
            let (at, extra) = land(n, i, k);
            if extra == 0 {
                return values[at];
            }
            let edge = if extra > 0 { n - 2 } else { 0 };
            match step_at(values, edge) {
                Some(step) => add(values[at], extra as f64 * step),
                None => values[at],
            }
        })
        .collect()
}

/// Reads, filters and shifts the points of `ts` for plotting.
pub(crate) fn points(
    ts: &TimeSeries,
    start_bound: Option<&Bound>,
    end_bound: Option<&Bound>,
) -> Result<Points> {
    let name = ts.name();
    let index = ts.index()?;
    let kind = ts.index_kind();
    let values = ts.values()?;
    let y: Vec<Option<f64>> = match values.dtype() {
        DataType::String => {
            return Err(PlotError::Unplottable {
                series: name.to_owned(),
                reason: "its values are text; only numbers and booleans are drawn".into(),
            });
        }
        _ => values
            .cast(&DataType::Float64)?
            .f64()?
            .iter()
            .map(|v| v.filter(|x| !x.is_nan()))
            .collect(),
    };
    let mut tz = None;
    let labels = match &kind {
        IndexKind::Datetime { unit, time_zone } => {
            tz = time_zone
                .as_deref()
                .and_then(|z| z.parse::<chrono_tz::Tz>().ok());
            let scale = unit_nanos(*unit);
            let raw = index.cast(&DataType::Int64)?;
            Labels::Time(
                raw.i64()?
                    .iter()
                    .map(|v| {
                        let utc = v.unwrap_or(0).saturating_mul(scale);
                        match &tz {
                            Some(tz) => wall_nanos(
                                tz.from_utc_datetime(&from_wall_nanos(utc)).naive_local(),
                            ),
                            None => utc,
                        }
                    })
                    .collect(),
            )
        }
        IndexKind::Duration { unit } => {
            let scale = unit_nanos(*unit) as f64 / 1e9;
            let raw = index.cast(&DataType::Int64)?;
            Labels::Number(
                raw.i64()?
                    .iter()
                    .map(|v| v.unwrap_or(0) as f64 * scale)
                    .collect(),
            )
        }
        IndexKind::Integer | IndexKind::Range { .. } | IndexKind::Float => Labels::Number(
            index
                .cast(&DataType::Float64)?
                .f64()?
                .iter()
                .map(|v| v.unwrap_or(f64::NAN))
                .collect(),
        ),
        IndexKind::String => Labels::Text(
            index
                .str()?
                .iter()
                .map(|v| v.unwrap_or_default().to_owned())
                .collect(),
        ),
    };
    let start = start_bound
        .map(|b| resolve(b, &labels, tz.as_ref(), "start", name))
        .transpose()?;
    let end = end_bound
        .map(|b| resolve(b, &labels, tz.as_ref(), "end", name))
        .transpose()?;
    if let (Some(s), Some(e), Some(given_start), Some(given_end)) =
        (&start, &end, start_bound, end_bound)
        && later(s, e)
    {
        return Err(PlotError::Bound {
            which: "start",
            value: shown(given_start),
            series: name.to_owned(),
            reason: format!("it is after the end bound {:?}", shown(given_end)),
        });
    }
    let keep: Vec<usize> = (0..y.len())
        .filter(|&i| within(&labels, i, start.as_ref(), end.as_ref()))
        .collect();
    let missed = match (keep.is_empty(), label_span(&labels)) {
        (true, Some((first, last))) => {
            // The start is to blame when it is after every label; else the end.
            let after_all = start
                .as_ref()
                .is_some_and(|s| (0..y.len()).all(|i| !within(&labels, i, Some(s), None)));
            let (which, bound) = match (after_all, start_bound, end_bound) {
                (true, Some(b), _) | (false, _, Some(b)) => {
                    (if after_all { "start" } else { "end" }, b)
                }
                (_, Some(b), None) => ("start", b),
                _ => (
                    "end",
                    end_bound.or(start_bound).expect("a bound left no point"),
                ),
            };
            Some(Missed {
                which,
                value: shown(bound),
                first,
                last,
            })
        }
        _ => None,
    };

    let k: i64 = ts
        .processing_steps()
        .iter()
        .filter(|s| s.step_type == ProcessingType::Prediction)
        .map(|s| s.step_distance)
        .sum();
    let x = match labels {
        Labels::Time(v) => {
            let shifted = match (k, ts.frequency()) {
                (0, _) => v,
                (k, Some(f)) => v
                    .iter()
                    .map(|t| t.saturating_add(k.saturating_mul(f.nanos())))
                    .collect(),
                (k, None) => shift_positional(
                    &v,
                    k,
                    |v, i| Some((v[i + 1] - v[i]) as f64),
                    |t, d| t.saturating_add(d as i64),
                ),
            };
            XValues::Time(keep.iter().map(|&i| from_wall_nanos(shifted[i])).collect())
        }
        Labels::Number(v) => {
            let shifted = match (k, &kind) {
                (0, _) => v,
                (k, IndexKind::Range { step, .. }) => {
                    v.iter().map(|x| x + (k * step) as f64).collect()
                }
                (k, _) => shift_positional(&v, k, |v, i| Some(v[i + 1] - v[i]), |x, d| x + d),
            };
            XValues::Number(keep.iter().map(|&i| shifted[i]).collect())
        }
        // Text labels have no spacing: a prediction is drawn at its own labels.
        Labels::Text(v) => XValues::Text(keep.iter().map(|&i| v[i].clone()).collect()),
    };
    Ok(Points {
        x,
        y: keep.iter().map(|&i| y[i]).collect(),
        missed,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positional_shift_moves_by_positions_and_extrapolates_past_the_end() {
        // Month ends: irregular spacing that no fixed duration describes.
        let v = [31.0, 59.0, 90.0, 120.0];
        let shifted = shift_positional(&v, 1, |v, i| Some(v[i + 1] - v[i]), |x, d| x + d);
        assert_eq!(shifted, [59.0, 90.0, 120.0, 150.0]);
        let back = shift_positional(&v, -2, |v, i| Some(v[i + 1] - v[i]), |x, d| x + d);
        assert_eq!(back, [-25.0, 3.0, 31.0, 59.0]);
        assert_eq!(
            shift_positional(&[5.0], 3, |_, _| None, |x, d| x + d),
            [5.0]
        );
    }

    #[test]
    fn text_bounds_parse_in_several_forms() {
        let t = parse_time("2024-01-31", None).unwrap();
        assert_eq!(t.to_string(), "2024-01-31 00:00:00");
        let t = parse_time("2024-01-31T06:30", None).unwrap();
        assert_eq!(t.to_string(), "2024-01-31 06:30:00");
        let tz: chrono_tz::Tz = "Europe/Paris".parse().unwrap();
        let t = parse_time("2024-01-31T06:30:00Z", Some(&tz)).unwrap();
        assert_eq!(t.to_string(), "2024-01-31 07:30:00");
        assert!(parse_time("yesterday", None).is_none());
    }
}
