//! `normalize_index_to_numeric_delta(unit, reference_time)`: datetimes become elapsed time.

use chrono::{DateTime, NaiveDateTime, TimeZone as _, Timelike};
use meteaudata_core::index::unit_nanos;
use meteaudata_core::polars::prelude::*;
use meteaudata_core::{
    BoxError, IndexKind, ParamValue, Parameters, ProcessingStep, ProcessingType, SignalTransform,
    TimeSeries, TransformOutput,
};

use crate::error::ProcessingError;
use crate::support::{function_info, index_zone, output_name, physical_index};

const FUNCTION: &str = "normalize_index_to_timedelta";
const UNITS: &str = "D, days, h, hours, min, minutes, s, seconds, ms, milliseconds, us, microseconds, ns, nanoseconds";

/// Turns each input's index into numbers (see [`normalize_index_to_numeric_delta`]).
#[derive(Debug, Clone, PartialEq)]
pub struct NormalizeIndex {
    unit: String,
    reference_time: ParamValue,
}

/// Replaces a datetime index by the float64 time elapsed since `reference_time`, in `unit`
/// (`D`/`days`, `h`/`hours`, `min`/`minutes`, `s`/`seconds`, `ms`/`milliseconds`,
/// `us`/`microseconds`, `ns`/`nanoseconds`). The reference is a datetime or a date text
/// (`ParamValue::Null` for the first label); a naive reference is read in the index's zone, and
/// a reference with an offset loses it for a naive index. A numeric index is cast to float64
/// and taken to be in `unit` already. Values are unchanged. One step per input, recording
/// `{unit, original_index_type[, reference_time]}` as Python does; suffix `NORM`.
pub fn normalize_index_to_numeric_delta(
    unit: impl Into<String>,
    reference_time: impl Into<ParamValue>,
) -> NormalizeIndex {
    NormalizeIndex {
        unit: unit.into(),
        reference_time: reference_time.into(),
    }
}

fn unit_length(unit: &str) -> Option<i64> {
    Some(match unit {
        "D" | "days" => 86_400_000_000_000,
        "h" | "hours" => 3_600_000_000_000,
        "min" | "minutes" => 60_000_000_000,
        "s" | "seconds" => 1_000_000_000,
        "ms" | "milliseconds" => 1_000_000,
        "us" | "microseconds" => 1_000,
        "ns" | "nanoseconds" => 1,
        _ => return None,
    })
}

impl SignalTransform for NormalizeIndex {
    fn name(&self) -> String {
        FUNCTION.into()
    }

    fn apply(&self, inputs: &[&TimeSeries]) -> Result<Vec<TransformOutput>, BoxError> {
        let unit_ns = unit_length(&self.unit).ok_or_else(|| {
            ProcessingError::invalid(
                FUNCTION,
                format!("invalid unit {:?}; must be one of: {UNITS}", self.unit),
            )
        })?;
        inputs
            .iter()
            .map(|ts| Ok(self.normalize_series(ts, unit_ns)?))
            .collect()
    }
}

impl NormalizeIndex {
    fn normalize_series(
        &self,
        ts: &TimeSeries,
        unit_ns: i64,
    ) -> Result<TransformOutput, ProcessingError> {
        let kind = ts.index_kind();
        let mut parameters = Parameters::new()
            .with("unit", self.unit.clone())
            .with("original_index_type", kind.type_name());
        let index: Series = match &kind {
            IndexKind::Datetime { unit, .. } => {
                let tick = unit_nanos(*unit);
                let labels = physical_index(ts)?;
                let zone = index_zone(FUNCTION, ts)?;
                let first = labels.into_no_null_iter().next();
                let reference = match (&self.reference_time, first) {
                    (ParamValue::Null, Some(first)) => Some(first),
                    (ParamValue::Null, None) => None,
                    (given, _) => Some(self.reference_ticks(given, tick, zone)?),
                };
                match (reference, ts.is_empty()) {
                    (Some(r), false) => {
                        parameters.insert("reference_time", display_instant(r, tick, zone));
                    }
                    (None, _) => parameters.insert("reference_time", "first_index"),
                    (Some(_), true) => {}
                }
                let r = reference.unwrap_or(0);
                let deltas: Vec<f64> = labels
                    .into_no_null_iter()
                    .map(|t| (i128::from(t - r) * i128::from(tick)) as f64 / unit_ns as f64)
                    .collect();
                Series::new(meteaudata_core::INDEX_COLUMN.into(), deltas)
            }
            IndexKind::Integer | IndexKind::Range { .. } | IndexKind::Float => {
                ts.index()?.cast(&DataType::Float64)?
            }
            other => {
                return Err(ProcessingError::IndexKind {
                    function: FUNCTION,
                    series: ts.name().to_owned(),
                    kind: other.to_string(),
                    expected: "a datetime or numeric (int/float) index",
                });
            }
        };
        let series = TimeSeries::new(output_name(ts, "NORM")?, index, ts.values()?.clone())?;
        let step = ProcessingStep::new(
            ProcessingType::Transformation,
            format!(
                "Normalized index from {} to numeric values (unit={})",
                kind.type_name(),
                self.unit
            ),
            function_info(FUNCTION),
            "NORM",
        )
        .with_parameters(parameters)
        .with_inputs([ts.name()]);
        Ok(TransformOutput::new(series, step))
    }

    /// The reference as physical ticks of the index.
    fn reference_ticks(
        &self,
        given: &ParamValue,
        tick: i64,
        zone: Option<chrono_tz::Tz>,
    ) -> Result<i64, ProcessingError> {
        let invalid = || {
            ProcessingError::invalid(
                FUNCTION,
                format!("cannot read the reference time {given} as a date and time"),
            )
        };
        let (naive, offset) = match given {
            ParamValue::NaiveDateTime(t) => (*t, None),
            ParamValue::DateTime(t) => (t.naive_local(), Some(*t.offset())),
            ParamValue::String(s) => match DateTime::parse_from_rfc3339(s)
                .or_else(|_| DateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f%:z"))
            {
                Ok(t) => (t.naive_local(), Some(*t.offset())),
                Err(_) => (parse_naive(s).ok_or_else(invalid)?, None),
            },
            _ => return Err(invalid()),
        };
        let utc = match (offset, zone) {
            (Some(offset), Some(_)) => offset
                .from_local_datetime(&naive)
                .single()
                .map(|t| t.naive_utc()),
            (None, Some(tz)) => tz
                .from_local_datetime(&naive)
                .earliest()
                .map(|t| t.naive_utc()),
            (_, None) => Some(naive),
        };
        utc.and_then(|t| t.and_utc().timestamp_nanos_opt())
            .map(|n| n.div_euclid(tick))
            .ok_or_else(invalid)
    }
}

fn parse_naive(s: &str) -> Option<NaiveDateTime> {
    let s = s.trim().replacen('T', " ", 1);
    NaiveDateTime::parse_from_str(&s, "%Y-%m-%d %H:%M:%S%.f")
        .or_else(|_| NaiveDateTime::parse_from_str(&s, "%Y-%m-%d %H:%M"))
        .ok()
        .or_else(|| {
            chrono::NaiveDate::parse_from_str(&s, "%Y-%m-%d")
                .ok()
                .and_then(|d| d.and_hms_opt(0, 0, 0))
        })
}

/// pandas' `str(Timestamp)`: `2024-01-01 00:00:00`, fractions when present, the offset when
/// the index has a zone.
fn display_instant(ticks: i64, tick: i64, zone: Option<chrono_tz::Tz>) -> String {
    let utc = DateTime::from_timestamp_nanos(ticks.saturating_mul(tick));
    let (wall, offset) = match zone {
        Some(tz) => {
            let local = utc.with_timezone(&tz);
            (local.naive_local(), Some(local.format("%:z").to_string()))
        }
        None => (utc.naive_utc(), None),
    };
    let nanos = wall.nanosecond();
    let fraction = if nanos == 0 {
        String::new()
    } else if nanos % 1_000 == 0 {
        format!(".{:06}", nanos / 1_000)
    } else {
        format!(".{nanos:09}")
    };
    format!(
        "{}{fraction}{}",
        wall.format("%Y-%m-%d %H:%M:%S"),
        offset.unwrap_or_default()
    )
}
