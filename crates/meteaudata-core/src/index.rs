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
