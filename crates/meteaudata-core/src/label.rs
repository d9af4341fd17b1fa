//! Index labels given by users, for range reads and appends, and what an append does with
//! points that overlap the stored ones.

use chrono::{DateTime, NaiveDateTime, Utc};
use polars::prelude::{DataType, NamedFrom, Series, TimeUnit};

use crate::error::{Error, Result};

/// One label of a series' index, as a bound of [`TimeSeries::read_range`](crate::TimeSeries::read_range).
///
/// An integer index (and a duration index, in its ticks) takes [`Label::Int`]; a datetime
/// index takes a time: a [`NaiveDateTime`] is the label as written in a naive index (and is
/// read as UTC for an index with a time zone), a `DateTime<Utc>` is an instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Label {
    /// An integer label, or ticks of a duration index in its time unit.
    Int(i64),
    /// A wall-clock time.
    Time(NaiveDateTime),
    /// An instant.
    Utc(DateTime<Utc>),
    /// The integer ticks the index stores, whatever its kind (for datetimes, time units
    /// since the epoch; see [`TimeSeries::label_bounds`](crate::TimeSeries::label_bounds)).
    Ticks(i64),
}

impl From<i64> for Label {
    fn from(value: i64) -> Label {
        Label::Int(value)
    }
}

impl From<NaiveDateTime> for Label {
    fn from(value: NaiveDateTime) -> Label {
        Label::Time(value)
    }
}

impl From<DateTime<Utc>> for Label {
    fn from(value: DateTime<Utc>) -> Label {
        Label::Utc(value)
    }
}

impl Label {
    /// The label as the integer ticks an index of `dtype` stores (an error naming both when
    /// the label does not fit the index).
    pub fn ticks(self, dtype: &DataType) -> Result<i64> {
        let utc = match (self, dtype) {
            (Label::Ticks(v), _) | (Label::Int(v), DataType::Int64 | DataType::Duration(_)) => {
                return Ok(v);
            }
            (Label::Time(t), DataType::Datetime(..)) => t.and_utc(),
            (Label::Utc(t), DataType::Datetime(..)) => t,
            _ => {
                return Err(Error::InvalidArgument(format!(
                    "the label {self:?} does not fit an index of {dtype}: use an integer for integer and duration indexes, a time for datetime indexes"
                )));
            }
        };
        let ticks = match dtype {
            DataType::Datetime(TimeUnit::Nanoseconds, _) => utc.timestamp_nanos_opt(),
            DataType::Datetime(TimeUnit::Microseconds, _) => Some(utc.timestamp_micros()),
            _ => Some(utc.timestamp_millis()),
        };
        ticks.ok_or_else(|| {
            Error::InvalidArgument(format!(
                "the label {utc} is outside the range of a nanosecond index"
            ))
        })
    }
}

/// What [`TimeSeries::append`](crate::TimeSeries::append) does when the new points do not
/// all come after the last stored one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Overlap {
    /// Refuse the append ([`Error::Overlap`] names the first overlapping label); nothing
    /// changes.
    #[default]
    Error,
    /// Drop the stored points from the first new label on, then append.
    Replace,
}

/// `ticks` shown as a label of an index of `dtype` (e.g. `2024-01-01 00:00:00`).
pub(crate) fn show_ticks(ticks: i64, dtype: &DataType) -> String {
    Series::new("".into(), [ticks])
        .cast(dtype)
        .ok()
        .and_then(|s| s.get(0).ok().map(|v| v.to_string()))
        .unwrap_or_else(|| ticks.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_become_ticks_of_the_index_unit() {
        let t = chrono::NaiveDate::from_ymd_opt(2024, 1, 1)
            .unwrap()
            .and_hms_opt(0, 0, 1)
            .unwrap();
        let ns = DataType::Datetime(TimeUnit::Nanoseconds, None);
        let ms = DataType::Datetime(TimeUnit::Milliseconds, None);
        assert_eq!(
            Label::from(t).ticks(&ns).unwrap(),
            1_704_067_201_000_000_000
        );
        assert_eq!(Label::from(t).ticks(&ms).unwrap(), 1_704_067_201_000);
        assert_eq!(
            Label::from(t.and_utc()).ticks(&ms).unwrap(),
            1_704_067_201_000
        );
        assert_eq!(Label::from(7).ticks(&DataType::Int64).unwrap(), 7);
        let err = Label::from(7).ticks(&ns).unwrap_err().to_string();
        assert!(err.contains("datetime"), "{err}");
        assert!(Label::from(t).ticks(&DataType::Int64).is_err());
        assert_eq!(show_ticks(1_704_067_201_000, &ms), "2024-01-01 00:00:01");
    }
}
