//! Index kinds and the serializable description of an index ([`IndexMetadata`]).

use polars::prelude::{DataType, TimeUnit};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// What kind of labels a time series' index holds. The kind, time unit and time zone survive
/// every built-in operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IndexKind {
    /// Dates and times, naive or in an IANA time zone.
    Datetime {
        /// The resolution.
        unit: TimeUnit,
        /// The IANA zone name, `None` when naive.
        time_zone: Option<String>,
    },
    /// Durations (pandas' `TimedeltaIndex`).
    Duration {
        /// The resolution.
        unit: TimeUnit,
    },
    /// Arbitrary 64-bit integers.
    Integer,
    /// A regular integer range `start, start + step, …` (pandas' `RangeIndex`).
    Range {
        /// The first label.
        start: i64,
        /// The distance between labels.
        step: i64,
    },
    /// Floating-point labels.
    Float,
    /// Text labels.
    String,
}

impl IndexKind {
    /// The kind for a polars data type (integers are [`IndexKind::Integer`]).
    pub fn from_dtype(dtype: &DataType) -> Result<IndexKind> {
        Ok(match dtype {
            DataType::Datetime(unit, tz) => IndexKind::Datetime {
                unit: *unit,
                time_zone: tz.as_ref().map(|t| t.to_string()),
            },
            DataType::Duration(unit) => IndexKind::Duration { unit: *unit },
            DataType::Int64 => IndexKind::Integer,
            DataType::Float64 => IndexKind::Float,
            DataType::String => IndexKind::String,
            other => {
                return Err(Error::UnsupportedDtype {
                    role: "index",
                    dtype: other.to_string(),
                    supported: "datetime, duration, int64, float64, string",
                });
            }
        })
    }

    /// Whether the labels are points or spans of time (datetime or duration).
    pub fn is_temporal(&self) -> bool {
        matches!(
            self,
            IndexKind::Datetime { .. } | IndexKind::Duration { .. }
        )
    }

    /// The pandas index class name (`DatetimeIndex`, `TimedeltaIndex`, `RangeIndex`, `Index`).
    pub fn type_name(&self) -> &'static str {
        match self {
            IndexKind::Datetime { .. } => "DatetimeIndex",
            IndexKind::Duration { .. } => "TimedeltaIndex",
            IndexKind::Range { .. } => "RangeIndex",
            IndexKind::Integer | IndexKind::Float | IndexKind::String => "Index",
        }
    }

    /// The pandas dtype string (`datetime64[ns, UTC]`, `timedelta64[ms]`, `int64`, …).
    pub fn dtype_string(&self) -> String {
        match self {
            IndexKind::Datetime {
                unit,
                time_zone: None,
            } => format!("datetime64[{}]", unit_alias(*unit)),
            IndexKind::Datetime {
                unit,
                time_zone: Some(tz),
            } => format!("datetime64[{}, {tz}]", unit_alias(*unit)),
            IndexKind::Duration { unit } => format!("timedelta64[{}]", unit_alias(*unit)),
            IndexKind::Integer | IndexKind::Range { .. } => "int64".into(),
            IndexKind::Float => "float64".into(),
            IndexKind::String => "object".into(),
        }
    }
}

impl std::fmt::Display for IndexKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", self.type_name(), self.dtype_string())
    }
}

/// The pandas spelling of a time unit.
pub fn unit_alias(unit: TimeUnit) -> &'static str {
    match unit {
        TimeUnit::Nanoseconds => "ns",
        TimeUnit::Microseconds => "us",
        TimeUnit::Milliseconds => "ms",
    }
}

/// Nanoseconds in one tick of `unit`.
pub fn unit_nanos(unit: TimeUnit) -> i64 {
    match unit {
        TimeUnit::Nanoseconds => 1,
        TimeUnit::Microseconds => 1_000,
        TimeUnit::Milliseconds => 1_000_000,
    }
}

/// The description of an index, with the key names and value forms of meteaudata for Python.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndexMetadata {
    /// The pandas index class name.
    #[serde(rename = "type")]
    pub index_type: String,
    /// The index's own name.
    pub name: Option<String>,
    /// The frequency alias of a regular temporal index (`h`, `15min`, …).
    pub frequency: Option<String>,
    /// The IANA zone of a datetime index.
    pub time_zone: Option<String>,
    /// Interval closure (interval indexes only; always `None` here).
    pub closed: Option<String>,
    /// Categories (categorical indexes only; always `None` here).
    pub categories: Option<Vec<String>>,
    /// Whether categories are ordered (categorical indexes only; always `None` here).
    pub ordered: Option<bool>,
    /// First label of a range index.
    pub start: Option<i64>,
    /// End (exclusive) of a range index.
    pub end: Option<i64>,
    /// Step of a range index.
    pub step: Option<i64>,
    /// The pandas dtype string.
    pub dtype: String,
}

/// A regular, naive datetime index of `periods` labels from `start` (`"2024-01-01"` or
/// `"2024-01-01 06:30:00"`) every `frequency` (a pandas alias such as `h` or `15min`), in
/// nanoseconds like pandas' `date_range`.
pub fn date_range(start: &str, periods: usize, frequency: &str) -> Result<polars::prelude::Series> {
    date_range_in(start, periods, frequency, None)
}

/// Like [`date_range`], with labels in the IANA `time_zone` (for example `"Europe/Paris"`):
/// `start` is local wall-clock time there, and the labels are `frequency` apart in absolute
/// time.
pub fn date_range_in(
    start: &str,
    periods: usize,
    frequency: &str,
    time_zone: Option<&str>,
) -> Result<polars::prelude::Series> {
    use chrono::{NaiveDate, NaiveDateTime, TimeZone as _};
    use polars::prelude::{Int64Chunked, IntoSeries, TimeZone};

    let step = crate::Frequency::parse(frequency)?.nanos();
    let text = start.trim().replacen('T', " ", 1);
    let naive = NaiveDateTime::parse_from_str(&text, "%Y-%m-%d %H:%M:%S%.f")
        .or_else(|_| NaiveDateTime::parse_from_str(&text, "%Y-%m-%d %H:%M"))
        .ok()
        .or_else(|| {
            NaiveDate::parse_from_str(&text, "%Y-%m-%d")
                .ok()
                .and_then(|d| d.and_hms_opt(0, 0, 0))
        })
        .ok_or_else(|| {
            Error::InvalidArgument(format!("cannot read {start:?} as a date and time"))
        })?;
    let zone = time_zone
        .map(|tz| {
            tz.parse::<chrono_tz::Tz>()
                .map_err(|_| Error::InvalidArgument(format!("unknown time zone {tz:?}")))
        })
        .transpose()?;
    let first = match zone {
        Some(tz) => tz
            .from_local_datetime(&naive)
            .earliest()
            .map(|t| t.naive_utc())
            .ok_or_else(|| {
                Error::InvalidArgument(format!("{start:?} does not exist in {}", tz.name()))
            })?,
        None => naive,
    };
    let first = first.and_utc().timestamp_nanos_opt().ok_or_else(|| {
        Error::InvalidArgument(format!("{start:?} is outside the nanosecond range"))
    })?;
    let labels = (0..periods as i64)
        .map(|i| {
            i.checked_mul(step)
                .and_then(|d| first.checked_add(d))
                .ok_or_else(|| Error::InvalidArgument("the range overflows".into()))
        })
        .collect::<Result<Vec<i64>>>()?;
    let tz = TimeZone::opt_try_new(time_zone)?;
    Ok(
        Int64Chunked::from_vec(crate::time_series::INDEX_COLUMN.into(), labels)
            .into_datetime(TimeUnit::Nanoseconds, tz)
            .into_series(),
    )
}
