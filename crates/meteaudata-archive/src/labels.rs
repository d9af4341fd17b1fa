//! Dates, times and durations as pandas writes them in CSV, and back.

use chrono::{DateTime, NaiveDate, Offset, TimeZone};
use chrono_tz::Tz;

const NANOS_PER_SECOND: i64 = 1_000_000_000;
const NANOS_PER_DAY: i64 = 86_400 * NANOS_PER_SECOND;

/// Text cells of one column, concatenated: cell `i` is `bytes[ends[i - 1]..ends[i]]`, empty
/// for a missing value.
#[derive(Debug, Default)]
pub(crate) struct Cells {
    bytes: Vec<u8>,
    ends: Vec<usize>,
}

impl Cells {
    /// Room for `n` cells of about `width` bytes.
    pub(crate) fn with_capacity(n: usize, width: usize) -> Cells {
        Cells {
            bytes: Vec::with_capacity(n * width),
            ends: Vec::with_capacity(n),
        }
    }

    /// The bytes of the cell being written.
    pub(crate) fn buffer(&mut self) -> &mut Vec<u8> {
        &mut self.bytes
    }

    /// Ends the cell being written.
    pub(crate) fn end(&mut self) {
        self.ends.push(self.bytes.len());
    }

    /// Cell `i`.
    pub(crate) fn get(&self, i: usize) -> &[u8] {
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.bytes[start..self.ends[i]]
    }

    /// The number of cells.
    pub(crate) fn len(&self) -> usize {
        self.ends.len()
    }

    /// Every cell as text, `None` for an empty one; an error when a cell is not UTF-8.
    pub(crate) fn texts(&self) -> Result<Vec<Option<&str>>, std::str::Utf8Error> {
        let mut start = 0;
        self.ends
            .iter()
            .map(|&end| {
                let cell = std::str::from_utf8(&self.bytes[start..end]);
                start = end;
                cell.map(|c| Some(c).filter(|c| !c.is_empty()))
            })
            .collect()
    }
}

/// Year, month and day of a day count since 1970-01-01 (proleptic Gregorian calendar).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Appends `value` as exactly `width` decimal digits.
fn push_digits(out: &mut Vec<u8>, value: u64, width: usize) {
    let start = out.len();
    out.resize(start + width, b'0');
    let mut v = value;
    for slot in out[start..].iter_mut().rev() {
        *slot = b'0' + (v % 10) as u8;
        v /= 10;
    }
}

/// Formats instants (nanoseconds since the epoch) as pandas does for one column into
/// `cells`: date only when every naive stamp is at midnight, otherwise
/// `YYYY-MM-DD HH:MM:SS` with one fraction width for the column, and the UTC offset when
/// the column has a zone. Missing instants are empty cells.
pub(crate) fn write_datetimes(nanos: &[Option<i64>], zone: Option<Tz>, cells: &mut Cells) {
    // Wall-clock nanoseconds and, with a zone, the offset in seconds.
    let walls: Vec<Option<(i64, i32)>> = nanos
        .iter()
        .map(|n| {
            n.map(|n| match zone {
                Some(tz) => {
                    let offset = DateTime::from_timestamp_nanos(n)
                        .with_timezone(&tz)
                        .offset()
                        .fix()
                        .local_minus_utc();
                    (n + i64::from(offset) * NANOS_PER_SECOND, offset)
                }
                None => (n, 0),
            })
        })
        .collect();
    let fractions = walls
        .iter()
        .flatten()
        .map(|(w, _)| w.rem_euclid(NANOS_PER_SECOND));
    let width = fractions
        .clone()
        .map(|f| match f {
            0 => 0,
            f if f % 1_000_000 == 0 => 3,
            f if f % 1_000 == 0 => 6,
            _ => 9,
        })
        .max()
        .unwrap_or(0);
    let date_only = zone.is_none()
        && walls
            .iter()
            .flatten()
            .all(|(w, _)| w.rem_euclid(NANOS_PER_DAY) == 0);
    for wall in walls {
        let Some((wall, offset)) = wall else {
            cells.end();
            continue;
        };
        let out = cells.buffer();
        let (year, month, day) = civil_from_days(wall.div_euclid(NANOS_PER_DAY));
        if (0..=9999).contains(&year) {
            push_digits(out, year as u64, 4);
        } else {
            out.extend_from_slice(year.to_string().as_bytes());
        }
        out.push(b'-');
        push_digits(out, u64::from(month), 2);
        out.push(b'-');
        push_digits(out, u64::from(day), 2);
        if !date_only {
            let in_day = wall.rem_euclid(NANOS_PER_DAY);
            let seconds = (in_day / NANOS_PER_SECOND) as u64;
            out.push(b' ');
            push_digits(out, seconds / 3600, 2);
            out.push(b':');
            push_digits(out, (seconds / 60) % 60, 2);
            out.push(b':');
            push_digits(out, seconds % 60, 2);
            if width > 0 {
                out.push(b'.');
                let fraction = (in_day % NANOS_PER_SECOND) as u64;
                push_digits(out, fraction / 10u64.pow(9 - width as u32), width);
            }
        }
        if zone.is_some() {
            out.extend_from_slice(offset_text(offset).as_bytes());
        }
        cells.end();
    }
}

/// [`write_datetimes`] as strings (for tests and small columns).
#[cfg(test)]
pub(crate) fn format_datetimes(nanos: &[i64], zone: Option<Tz>) -> Vec<String> {
    let present: Vec<Option<i64>> = nanos.iter().copied().map(Some).collect();
    let mut cells = Cells::default();
    write_datetimes(&present, zone, &mut cells);
    (0..cells.len())
        .map(|i| String::from_utf8(cells.get(i).to_vec()).expect("ASCII"))
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
    fn civil_dates_match_chrono() {
        use chrono::Datelike;
        for days in (-800_000..800_000).step_by(37).chain(-3..3) {
            let date = chrono::NaiveDate::from_num_days_from_ce_opt(719_163 + days).unwrap();
            assert_eq!(
                civil_from_days(i64::from(days)),
                (i64::from(date.year()), date.month(), date.day()),
                "{days}"
            );
        }
    }

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
