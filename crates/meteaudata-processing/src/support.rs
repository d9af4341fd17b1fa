//! Helpers shared by the processing functions.

use meteaudata_core::name::TsName;
use meteaudata_core::polars::prelude::*;
use meteaudata_core::{FunctionInfo, IndexKind, TimeSeries};

use crate::error::ProcessingError;

/// The author recorded in every step of this crate.
pub(crate) const AUTHOR: &str = "meteaudata for Rust contributors";
/// The reference recorded in every step of this crate.
pub(crate) const REFERENCE: &str = "https://crates.io/crates/meteaudata-processing";

/// The function description of a built-in, versioned with this crate.
pub(crate) fn function_info(name: &str) -> FunctionInfo {
    FunctionInfo::new(name, env!("CARGO_PKG_VERSION"), AUTHOR, REFERENCE)
}

/// `<signal part of the input>_<suffix>`.
pub(crate) fn output_name(input: &TimeSeries, suffix: &str) -> Result<String, ProcessingError> {
    let signal = TsName::parse(input.name())?.signal;
    Ok(if signal.is_empty() {
        suffix.to_owned()
    } else {
        format!("{signal}_{suffix}")
    })
}

/// Fails unless the index holds datetimes or durations.
pub(crate) fn require_temporal(
    function: &'static str,
    ts: &TimeSeries,
) -> Result<(), ProcessingError> {
    let kind = ts.index_kind();
    if kind.is_temporal() {
        Ok(())
    } else {
        Err(ProcessingError::IndexKind {
            function,
            series: ts.name().to_owned(),
            kind: kind.to_string(),
            expected: "a datetime or duration index",
        })
    }
}

/// The values as float64 (integers and booleans converted); other types are refused.
pub(crate) fn numeric_values(
    function: &'static str,
    ts: &TimeSeries,
) -> Result<Float64Chunked, ProcessingError> {
    require_numeric(function, ts)?;
    Ok(ts.values()?.cast(&DataType::Float64)?.f64()?.clone())
}

/// Fails unless the values are float64, int64 or booleans.
pub(crate) fn require_numeric(
    function: &'static str,
    ts: &TimeSeries,
) -> Result<(), ProcessingError> {
    match ts.values_data_type() {
        DataType::Float64 | DataType::Int64 | DataType::Boolean => Ok(()),
        other => Err(ProcessingError::ValuesKind {
            function,
            series: ts.name().to_owned(),
            dtype: other.to_string(),
        }),
    }
}

/// The physical labels and the values as float64 of a piece of a series' data (columns
/// `index` and `values`; values checked by [`require_numeric`]).
pub(crate) fn piece(frame: &DataFrame) -> Result<(Int64Chunked, Float64Chunked), ProcessingError> {
    let index = frame.columns()[0]
        .as_materialized_series()
        .to_physical_repr();
    let values = frame.columns()[1]
        .as_materialized_series()
        .cast(&DataType::Float64)?;
    Ok((index.i64()?.clone(), values.f64()?.clone()))
}

/// The index labels as their physical 64-bit integers (datetimes and durations).
pub(crate) fn physical_index(ts: &TimeSeries) -> Result<Int64Chunked, ProcessingError> {
    Ok(ts.index()?.to_physical_repr().i64()?.clone())
}

/// A series of the given temporal dtype from physical integers.
pub(crate) fn temporal_series(dtype: &DataType, physical: Vec<i64>) -> Series {
    let ca = Int64Chunked::from_vec(meteaudata_core::INDEX_COLUMN.into(), physical);
    match dtype {
        DataType::Datetime(unit, tz) => ca.into_datetime(*unit, tz.clone()).into_series(),
        DataType::Duration(unit) => ca.into_duration(*unit).into_series(),
        _ => ca.into_series(),
    }
}

/// The IANA zone of a datetime index, parsed.
pub(crate) fn index_zone(
    function: &'static str,
    ts: &TimeSeries,
) -> Result<Option<chrono_tz::Tz>, ProcessingError> {
    match ts.index_kind() {
        IndexKind::Datetime {
            time_zone: Some(tz),
            ..
        } => tz
            .parse::<chrono_tz::Tz>()
            .map(Some)
            .map_err(|_| ProcessingError::invalid(function, format!("unknown time zone {tz:?}"))),
        _ => Ok(None),
    }
}
