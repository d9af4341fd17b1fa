//! Fixed frequencies written as pandas-style aliases (`h`, `2h`, `15min`, `30s`, `D`, `1500ms`).

use std::fmt;
use std::str::FromStr;

use crate::error::{Error, Result};

/// The unit of a [`Frequency`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FrequencyUnit {
    /// Nanoseconds (`ns`, older `N`).
    Nanosecond,
    /// Microseconds (`us`, older `U`).
    Microsecond,
    /// Milliseconds (`ms`, older `L`).
    Millisecond,
    /// Seconds (`s`, older `S`).
    Second,
    /// Minutes (`min`, older `T`).
    Minute,
    /// Hours (`h`, older `H`).
    Hour,
    /// Days of 24 hours (`D`).
    Day,
}

impl FrequencyUnit {
    /// The length of one unit in nanoseconds.
    pub const fn nanos(self) -> i64 {
        match self {
            FrequencyUnit::Nanosecond => 1,
            FrequencyUnit::Microsecond => 1_000,
            FrequencyUnit::Millisecond => 1_000_000,
            FrequencyUnit::Second => 1_000_000_000,
            FrequencyUnit::Minute => 60_000_000_000,
            FrequencyUnit::Hour => 3_600_000_000_000,
            FrequencyUnit::Day => 86_400_000_000_000,
        }
    }

    /// The canonical alias, as pandas 2.2 writes it.
    pub const fn alias(self) -> &'static str {
        match self {
            FrequencyUnit::Nanosecond => "ns",
            FrequencyUnit::Microsecond => "us",
            FrequencyUnit::Millisecond => "ms",
            FrequencyUnit::Second => "s",
            FrequencyUnit::Minute => "min",
            FrequencyUnit::Hour => "h",
            FrequencyUnit::Day => "D",
        }
    }

    const ALL: [FrequencyUnit; 7] = [
        FrequencyUnit::Day,
        FrequencyUnit::Hour,
        FrequencyUnit::Minute,
        FrequencyUnit::Second,
        FrequencyUnit::Millisecond,
        FrequencyUnit::Microsecond,
        FrequencyUnit::Nanosecond,
    ];

    fn from_alias(alias: &str) -> Option<FrequencyUnit> {
        Some(match alias {
            "D" | "d" | "days" | "day" => FrequencyUnit::Day,
            "h" | "H" | "hours" | "hour" => FrequencyUnit::Hour,
            "min" | "T" | "minutes" | "minute" => FrequencyUnit::Minute,
            "s" | "S" | "seconds" | "second" => FrequencyUnit::Second,
            "ms" | "L" | "milliseconds" | "millisecond" => FrequencyUnit::Millisecond,
            "us" | "U" | "microseconds" | "microsecond" => FrequencyUnit::Microsecond,
            "ns" | "N" | "nanoseconds" | "nanosecond" => FrequencyUnit::Nanosecond,
            _ => return None,
        })
    }
}

/// A fixed frequency: a positive count of a [`FrequencyUnit`].
///
/// Calendar frequencies whose length varies (weeks anchored on a weekday, month ends,
/// quarters, years) are not supported and are rejected by [`Frequency::parse`] with an error
/// that names the alias.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Frequency {
    count: i64,
    unit: FrequencyUnit,
}

impl Frequency {
    /// Builds a frequency of `count` units; `count` must be positive.
    pub fn new(count: i64, unit: FrequencyUnit) -> Result<Frequency> {
        if count <= 0 {
            return Err(Error::InvalidFrequency {
                value: format!("{count}{}", unit.alias()),
                reason: "the count must be positive".into(),
            });
        }
        count
            .checked_mul(unit.nanos())
            .ok_or_else(|| Error::InvalidFrequency {
                value: format!("{count}{}", unit.alias()),
                reason: "too long to be represented in nanoseconds".into(),
            })?;
        Ok(Frequency { count, unit })
    }

    /// Parses a pandas-style alias: an optional positive integer followed by a unit
    /// (`D`, `h`/`H`, `min`/`T`, `s`/`S`, `ms`/`L`, `us`/`U`, `ns`/`N`).
    pub fn parse(alias: &str) -> Result<Frequency> {
        let text = alias.trim();
        let split = text
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(text.len());
        let (digits, unit) = text.split_at(split);
        let invalid = |reason: &str| Error::InvalidFrequency {
            value: alias.to_owned(),
            reason: reason.to_owned(),
        };
        let count = if digits.is_empty() {
            1
        } else {
            digits
                .parse::<i64>()
                .map_err(|_| invalid("the count is not a valid integer"))?
        };
        let unit = FrequencyUnit::from_alias(unit).ok_or_else(|| {
            invalid(
                "unknown or calendar-based unit; use D, h, min, s, ms, us or ns \
                 (older H, T, S, L, U, N are accepted)",
            )
        })?;
        Frequency::new(count, unit).map_err(|_| invalid("the count must be positive"))
    }

    /// The same duration written with the largest unit that divides it exactly, as pandas
    /// infers a frequency (`7200s` becomes `2h`).
    pub fn from_nanos(nanos: i64) -> Option<Frequency> {
        if nanos <= 0 {
            return None;
        }
        FrequencyUnit::ALL
            .iter()
            .find(|u| nanos % u.nanos() == 0)
            .map(|&unit| Frequency {
                count: nanos / unit.nanos(),
                unit,
            })
    }

    /// The number of units.
    pub fn count(&self) -> i64 {
        self.count
    }

    /// The unit.
    pub fn unit(&self) -> FrequencyUnit {
        self.unit
    }

    /// The length in nanoseconds.
    pub fn nanos(&self) -> i64 {
        self.count * self.unit.nanos()
    }

    /// The canonical alias (`h`, `2h`, `15min`, `D`, `1500ms`).
    pub fn alias(&self) -> String {
        self.to_string()
    }
}

impl fmt::Display for Frequency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.count == 1 {
            f.write_str(self.unit.alias())
        } else {
            write!(f, "{}{}", self.count, self.unit.alias())
        }
    }
}

impl FromStr for Frequency {
    type Err = Error;
    fn from_str(s: &str) -> Result<Frequency> {
        Frequency::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_pandas_aliases() {
        for (alias, canon, nanos) in [
            ("h", "h", 3_600_000_000_000),
            ("H", "h", 3_600_000_000_000),
            ("2h", "2h", 7_200_000_000_000),
            ("15min", "15min", 900_000_000_000),
            ("15T", "15min", 900_000_000_000),
            ("30s", "30s", 30_000_000_000),
            ("30S", "30s", 30_000_000_000),
            ("D", "D", 86_400_000_000_000),
            ("1500ms", "1500ms", 1_500_000_000),
            ("1h", "h", 3_600_000_000_000),
        ] {
            let f = Frequency::parse(alias).unwrap();
            assert_eq!(f.alias(), canon, "{alias}");
            assert_eq!(f.nanos(), nanos, "{alias}");
        }
    }

    #[test]
    fn rejects_invalid_aliases_by_name() {
        for bad in ["", "0h", "W-SUN", "ME", "3x", "-1h", "h2"] {
            let err = Frequency::parse(bad).unwrap_err();
            assert!(err.to_string().contains(&format!("{bad:?}")), "{err}");
        }
    }

    #[test]
    fn infers_the_largest_exact_unit() {
        assert_eq!(
            Frequency::from_nanos(7_200_000_000_000).unwrap().alias(),
            "2h"
        );
        assert_eq!(
            Frequency::from_nanos(900_000_000_000).unwrap().alias(),
            "15min"
        );
        assert_eq!(
            Frequency::from_nanos(1_500_000_000).unwrap().alias(),
            "1500ms"
        );
        assert_eq!(
            Frequency::from_nanos(2 * 86_400_000_000_000)
                .unwrap()
                .alias(),
            "2D"
        );
        assert!(Frequency::from_nanos(0).is_none());
    }
}
