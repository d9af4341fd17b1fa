//! Compact names for the polars data types the model holds, for metadata and SQL schemas.

use polars::prelude::{DataType, TimeUnit};

use crate::error::{Result, StorageError};

/// A compact text for the polars dtypes the model holds: `datetime[ns, UTC]`,
/// `duration[us]`, `i64`, `f64`, `str`, `bool`.
pub fn dtype_code(dtype: &DataType) -> String {
    let unit = |u: &TimeUnit| match u {
        TimeUnit::Nanoseconds => "ns",
        TimeUnit::Microseconds => "us",
        TimeUnit::Milliseconds => "ms",
    };
    match dtype {
        DataType::Datetime(u, None) => format!("datetime[{}]", unit(u)),
        DataType::Datetime(u, Some(tz)) => format!("datetime[{}, {tz}]", unit(u)),
        DataType::Duration(u) => format!("duration[{}]", unit(u)),
        DataType::Int64 => "i64".into(),
        DataType::Float64 => "f64".into(),
        DataType::String => "str".into(),
        DataType::Boolean => "bool".into(),
        other => other.to_string(),
    }
}

/// Parses [`dtype_code`]'s text.
pub fn parse_dtype_code(code: &str) -> Result<DataType> {
    let unit = |u: &str| match u {
        "ns" => Ok(TimeUnit::Nanoseconds),
        "us" => Ok(TimeUnit::Microseconds),
        "ms" => Ok(TimeUnit::Milliseconds),
        other => Err(StorageError::InvalidConfig(format!(
            "unknown time unit {other:?}"
        ))),
    };
    Ok(match code {
        "i64" => DataType::Int64,
        "f64" => DataType::Float64,
        "str" => DataType::String,
        "bool" => DataType::Boolean,
        _ => {
            let inner = |prefix: &str| code.strip_prefix(prefix).and_then(|s| s.strip_suffix(']'));
            if let Some(inner) = inner("datetime[") {
                let (u, tz) = inner
                    .split_once(", ")
                    .map_or((inner, None), |(u, tz)| (u, Some(tz)));
                DataType::Datetime(unit(u)?, polars::prelude::TimeZone::opt_try_new(tz)?)
            } else if let Some(inner) = inner("duration[") {
                DataType::Duration(unit(inner)?)
            } else {
                return Err(StorageError::InvalidConfig(format!(
                    "unknown data type code {code:?}"
                )));
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for dtype in [
            DataType::Datetime(TimeUnit::Nanoseconds, None),
            DataType::Datetime(
                TimeUnit::Microseconds,
                polars::prelude::TimeZone::opt_try_new(Some("America/Toronto")).unwrap(),
            ),
            DataType::Duration(TimeUnit::Milliseconds),
            DataType::Int64,
            DataType::Float64,
            DataType::String,
            DataType::Boolean,
        ] {
            assert_eq!(parse_dtype_code(&dtype_code(&dtype)).unwrap(), dtype);
        }
        assert!(parse_dtype_code("decimal[3]").is_err());
    }
}
