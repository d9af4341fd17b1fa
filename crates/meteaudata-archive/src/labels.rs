//! Dates, times and durations as pandas writes them in CSV, and back.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Offset, TimeZone, Timelike};
use chrono_tz::Tz;

const NANOS_PER_SECOND: i64 = 1_000_000_000;
const NANOS_PER_DAY: i64 = 86_400 * NANOS_PER_SECOND;

/// Formats instants (nanoseconds since the epoch) as pandas does for one column: date only
/// when every naive stamp is at midnight, otherwise `YYYY-MM-DD HH:MM:SS` with one fraction
/// width for the column, and the UTC offset when the column has a zone.
pub(crate) fn format_datetimes(nanos: &[i64], zone: Option<Tz>) -> Vec<String> {
    let walls: Vec<(NaiveDateTime, Option<String>)> = nanos
        .iter()
        .map(|&n| {
            let utc = DateTime::from_timestamp_nanos(n);
            match zone {
                Some(tz) => {
                    let local = utc.with_timezone(&tz);
                    (
                        local.naive_local(),
                        Some(offset_text(local.offset().fix().local_minus_utc())),
                    )
                }
                None => (utc.naive_utc(), None),
            }
        })
        .collect();
    let width = walls
        .iter()
        .map(|(w, _)| match w.nanosecond() {
            0 => 0,
            n if n % 1_000_000 == 0 => 3,
            n if n % 1_000 == 0 => 6,
            _ => 9,
        })
        .max()
        .unwrap_or(0);
    let date_only = zone.is_none()
        && walls
            .iter()
            .all(|(w, _)| w.num_seconds_from_midnight() == 0 && w.nanosecond() == 0);
    walls
        .into_iter()
        .map(|(w, offset)| {
            let mut text = if date_only {
                w.format("%Y-%m-%d").to_string()
            } else {
                w.format("%Y-%m-%d %H:%M:%S").to_string()
            };
            if width > 0 {
                let digits = format!("{:09}", w.nanosecond());
                text.push('.');
                text.push_str(&digits[..width]);
            }
            if let Some(offset) = offset {
                text.push_str(&offset);
            }
            text
        })
        .collect()
}

fn offset_text(seconds: i32) -> String {
    let sign = if seconds < 0 { '-' } else { '+' };
    let s = seconds.abs();
    format!("{sign}{:02}:{:02}", s / 3600, (s % 3600) / 60)
}

fn digits(text: &[u8]) -> Option<u32> {
    text.iter().try_fold(0u32, |acc, &b| {
        b.is_ascii_digit().then(|| acc * 10 + u32::from(b - b'0'))
    })
}

/// Parses a pandas datetime label to nanoseconds since the epoch: `YYYY-MM-DD`, with an
/// optional ` HH:MM[:SS[.fraction]]` (or `T`), and an optional `Z` / `±HH:MM`. A label
/// without an offset is local time in `zone` (naive when `zone` is `None`).
pub(crate) fn parse_datetime(text: &str, zone: Option<Tz>) -> Option<i64> {
    let b = text.trim().as_bytes();
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let date = NaiveDate::from_ymd_opt(
        i32::try_from(digits(&b[0..4])?).ok()?,
        digits(&b[5..7])?,
        digits(&b[8..10])?,
    )?;
    let mut rest = &b[10..];
    let (mut h, mut m, mut s, mut nanos) = (0, 0, 0, 0u32);
    if let Some((&sep, tail)) = rest
        .split_first()
        .filter(|(c, _)| **c == b' ' || **c == b'T')
    {
        let _ = sep;
        if tail.len() < 5 || tail[2] != b':' {
            return None;
        }
        h = digits(&tail[0..2])?;
        m = digits(&tail[3..5])?;
        rest = &tail[5..];
        if rest.first() == Some(&b':') {
            s = digits(rest.get(1..3)?)?;
            rest = &rest[3..];
            if rest.first() == Some(&b'.') {
                let end = rest[1..]
                    .iter()
                    .position(|c| !c.is_ascii_digit())
                    .map_or(rest.len(), |p| p + 1);
                let frac = &rest[1..end];
                if frac.is_empty() || frac.len() > 9 {
                    return None;
                }
                nanos = digits(frac)? * 10u32.pow(9 - frac.len() as u32);
                rest = &rest[end..];
            }
        }
    }
    let wall = date.and_hms_nano_opt(h, m, s, nanos)?;
    let offset = match rest {
        [] => None,
        [b'Z'] => Some(0),
        [sign @ (b'+' | b'-'), oh1, oh2, b':', om1, om2] => {
            let secs = (digits(&[*oh1, *oh2])? * 3600 + digits(&[*om1, *om2])? * 60) as i64;
            Some(if *sign == b'-' { -secs } else { secs })
        }
        _ => return None,
    };
    let wall_nanos = wall.and_utc().timestamp_nanos_opt()?;
    match (offset, zone) {
        (Some(offset), _) => wall_nanos.checked_sub(offset * NANOS_PER_SECOND),
        (None, Some(tz)) => tz
            .from_local_datetime(&wall)
            .earliest()?
            .timestamp_nanos_opt(),
        (None, None) => Some(wall_nanos),
    }
}

/// Formats a duration as pandas does: `0 days 00:30:00`, `-1 days +23:30:00`, fractions when
/// present.
pub(crate) fn format_duration(nanos: i64) -> String {
    let days = nanos.div_euclid(NANOS_PER_DAY);
    let rest = nanos.rem_euclid(NANOS_PER_DAY);
    let (h, m, s) = (
        rest / 3_600_000_000_000,
        (rest / 60_000_000_000) % 60,
        (rest / NANOS_PER_SECOND) % 60,
    );
    let frac = rest % NANOS_PER_SECOND;
    let sign = if days < 0 { "+" } else { "" };
    let mut text = format!("{days} days {sign}{h:02}:{m:02}:{s:02}");
    if frac != 0 {
        text.push_str(format!(".{frac:09}").trim_end_matches('0'));
    }
    text
}

/// Parses [`format_duration`]'s text (also `HH:MM:SS` without days).
pub(crate) fn parse_duration(text: &str) -> Option<i64> {
    let text = text.trim();
    let (days, clock) = match text
        .split_once(" days ")
        .or_else(|| text.split_once(" day "))
    {
        Some((d, c)) => (d.trim().parse::<i64>().ok()?, c.trim_start_matches('+')),
        None => (0, text),
    };
    let mut parts = clock.split(':');
    let h: i64 = parts.next()?.parse().ok()?;
    let m: i64 = parts.next()?.parse().ok()?;
    let sec = parts.next()?;
    let (s, frac) = sec.split_once('.').unwrap_or((sec, ""));
    let s: i64 = s.parse().ok()?;
    let frac_nanos = if frac.is_empty() {
        0
    } else {
        let f: i64 = frac.parse().ok()?;
        f * 10i64.pow(9u32.checked_sub(frac.len() as u32)?)
    };
    Some(days * NANOS_PER_DAY + ((h * 60 + m) * 60 + s) * NANOS_PER_SECOND + frac_nanos)
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: i64 = 1_704_067_200 * NANOS_PER_SECOND; // 2024-01-01

    #[test]
    fn pandas_datetime_text() {
        assert_eq!(
            format_datetimes(&[T0, T0 + 86_400 * NANOS_PER_SECOND], None),
            ["2024-01-01", "2024-01-02"]
        );
        assert_eq!(
            format_datetimes(&[T0, T0 + 1_500_000_000], None),
            ["2024-01-01 00:00:00.000", "2024-01-01 00:00:01.500"]
        );
        let tz: Tz = "America/Toronto".parse().unwrap();
        assert_eq!(
            format_datetimes(&[T0 + 5 * 3_600 * NANOS_PER_SECOND], Some(tz)),
            ["2024-01-01 00:00:00-05:00"]
        );
        // Every form of the same instant, 2024-01-01T00:00:00Z.
        for text in [
            "2024-01-01",
            "2024-01-01 00:00:00",
            "2024-01-01T00:00:00.000",
            "2024-01-01 05:00:00+05:00",
            "2023-12-31 19:00:00-05:00",
        ] {
            assert_eq!(parse_datetime(text, None), Some(T0), "{text}");
        }
        assert_eq!(
            parse_datetime("2024-01-01 00:00:00", Some(tz)),
            Some(T0 + 5 * 3_600 * NANOS_PER_SECOND)
        );
        assert_eq!(
            parse_datetime("2024-01-01 00:00:01.5", None),
            Some(T0 + 1_500_000_000)
        );
        for bad in [
            "",
            "2024-13-01",
            "01/01/2024",
            "2024-01-01 25:00:00",
            "2024-01-01 00:00:00+5",
        ] {
            assert!(parse_datetime(bad, None).is_none(), "{bad}");
        }
    }

    #[test]
    fn pandas_duration_text() {
        for (nanos, text) in [
            (1_800 * NANOS_PER_SECOND, "0 days 00:30:00"),
            (-1_800 * NANOS_PER_SECOND, "-1 days +23:30:00"),
            (NANOS_PER_DAY + 1_500_000_000, "1 days 00:00:01.5"),
        ] {
            assert_eq!(format_duration(nanos), text);
            assert_eq!(parse_duration(text), Some(nanos), "{text}");
        }
    }
}
