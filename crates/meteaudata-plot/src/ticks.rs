//! Axis ticks: calendar ticks for times (on minute, hour, day, month and year boundaries, the
//! date written where it changes) and round numbers for numeric axes, as many as fit.

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime};

/// One tick: where it is (the axis' own unit: seconds since 1970 for times) and its label,
/// one or two lines.
#[derive(Debug, Clone, PartialEq)]
pub struct Tick {
    /// The position.
    pub at: f64,
    /// The first line of the label.
    pub label: String,
    /// The second line (the date or year where it changes), if any.
    pub context: Option<String>,
}

/// The width in pixels of `text` at `size` px in a sans-serif face (an estimate on the wide
/// side, used to keep labels apart).
pub fn text_width(text: &str, size: f64) -> f64 {
    text.chars().count() as f64 * size * 0.62
}

/// Calendar steps: a fixed number of seconds, or a number of months.
#[derive(Debug, Clone, Copy)]
enum Step {
    Seconds(i64),
    Months(u32),
}

const STEPS: [Step; 27] = [
    Step::Seconds(1),
    Step::Seconds(2),
    Step::Seconds(5),
    Step::Seconds(10),
    Step::Seconds(15),
    Step::Seconds(30),
    Step::Seconds(60),
    Step::Seconds(120),
    Step::Seconds(300),
    Step::Seconds(600),
    Step::Seconds(900),
    Step::Seconds(1800),
    Step::Seconds(3600),
    Step::Seconds(7200),
    Step::Seconds(10_800),
    Step::Seconds(21_600),
    Step::Seconds(43_200),
    Step::Seconds(86_400),
    Step::Seconds(2 * 86_400),
    Step::Seconds(7 * 86_400),
    Step::Months(1),
    Step::Months(2),
    Step::Months(3),
    Step::Months(6),
    Step::Months(12),
    Step::Months(24),
    Step::Months(60),
];

fn time(seconds: f64) -> NaiveDateTime {
    DateTime::from_timestamp_micros((seconds * 1e6).round() as i64)
        .map(|t| t.naive_utc())
        .unwrap_or_default()
}

fn seconds(t: NaiveDateTime) -> f64 {
    t.and_utc().timestamp_micros() as f64 / 1e6
}

/// The tick times of `step` within `[lo, hi]` (seconds), at most `limit + 1` of them.
fn positions(step: Step, lo: f64, hi: f64, limit: usize) -> Vec<NaiveDateTime> {
    let mut out = Vec::new();
    match step {
        Step::Seconds(s) => {
            // Weeks start on Mondays; shorter steps are aligned on midnight.
            let offset = if s == 7 * 86_400 { 4 * 86_400 } else { 0 };
            let first = ((lo - offset as f64) / s as f64).ceil() as i64 * s + offset;
            let mut t = first;
            while (t as f64) <= hi && out.len() <= limit {
                out.push(time(t as f64));
                t += s;
            }
        }
        Step::Months(k) => {
            let start = time(lo);
            let months = |d: NaiveDate| d.year() * 12 + d.month0() as i32;
            let mut m = months(start.date());
            if start != first_of_month(m).and_hms_opt(0, 0, 0).unwrap_or(start) {
                m += 1;
            }
            while m % k as i32 != 0 {
                m += 1;
            }
            loop {
                let t = first_of_month(m).and_hms_opt(0, 0, 0).unwrap_or_default();
                if seconds(t) > hi || out.len() > limit {
                    break;
                }
                out.push(t);
                m += k as i32;
            }
        }
    }
    out
}

fn first_of_month(m: i32) -> NaiveDate {
    NaiveDate::from_ymd_opt(m.div_euclid(12), m.rem_euclid(12) as u32 + 1, 1).unwrap_or_default()
}

/// The labels of calendar ticks at `times` with `step`: the time (or day, month, year), and
/// on the first tick and where it changes, the date (or year) below.
fn calendar_labels(step: Step, times: &[NaiveDateTime]) -> Vec<Tick> {
    let (main, context): (&str, &str) = match step {
        Step::Seconds(s) if s < 60 => ("%H:%M:%S", "%b %-d, %Y"),
        Step::Seconds(s) if s < 86_400 => ("%H:%M", "%b %-d, %Y"),
        Step::Seconds(_) => ("%b %-d", "%Y"),
        Step::Months(k) if k < 12 => ("%b", "%Y"),
        Step::Months(_) => ("%Y", ""),
    };
    let mut previous: Option<String> = None;
    times
        .iter()
        .map(|t| {
            let context = (!context.is_empty())
                .then(|| t.format(context).to_string())
                .filter(|c| previous.as_ref() != Some(c));
            if let Some(c) = &context {
                previous = Some(c.clone());
            }
            Tick {
                at: seconds(*t),
                label: t.format(main).to_string(),
                context,
            }
        })
        .collect()
}

/// Whether the labels of `ticks` on an axis of `width` pixels over `[lo, hi]` keep at least
/// one character's width apart.
fn apart(ticks: &[Tick], lo: f64, hi: f64, width: f64, size: f64) -> bool {
    let px = |at: f64| (at - lo) / (hi - lo) * width;
    let wide = |t: &Tick| {
        text_width(&t.label, size).max(t.context.as_deref().map_or(0.0, |c| text_width(c, size)))
    };
    ticks
        .windows(2)
        .all(|p| px(p[1].at) - px(p[0].at) >= (wide(&p[0]) + wide(&p[1])) / 2.0 + size * 0.6)
}

/// Calendar ticks over `[lo, hi]` (seconds since 1970, wall-clock time) for an axis of
/// `width` pixels with labels of `size` px: the finest step whose labels do not touch.
pub fn time_ticks(lo: f64, hi: f64, width: f64, size: f64) -> Vec<Tick> {
    if !(lo.is_finite() && hi.is_finite()) || hi <= lo {
        return Vec::new();
    }
    let limit = (width / (size * 2.0)).max(1.0) as usize;
    for step in STEPS {
        let times = positions(step, lo, hi, limit);
        if times.is_empty() || times.len() > limit {
            continue;
        }
        let ticks = calendar_labels(step, &times);
        if apart(&ticks, lo, hi, width, size) {
            return ticks;
        }
    }
    // Longer than centuries, or nothing on a boundary: the two ends.
    calendar_labels(Step::Months(12), &[time(lo), time(hi)])
}

/// Round-number ticks over `[lo, hi]` (1, 2, 2.5 or 5 times a power of ten) for an axis of
/// `length` pixels along which labels take `room` pixels each.
pub fn number_ticks(lo: f64, hi: f64, length: f64, room: impl Fn(&str) -> f64) -> Vec<Tick> {
    if !(lo.is_finite() && hi.is_finite()) || hi < lo {
        return Vec::new();
    }
    let span = (hi - lo).max(f64::EPSILON * hi.abs().max(1.0));
    let mut magnitude = 10f64.powf(span.log10().floor() - 1.0);
    for _ in 0..40 {
        for factor in [1.0, 2.0, 2.5, 5.0] {
            let step = factor * magnitude;
            let first = (lo / step).ceil();
            let count = ((hi / step).floor() - first + 1.0).max(0.0) as usize;
            if count > 200 {
                continue;
            }
            let ticks: Vec<Tick> = (0..count)
                .map(|i| {
                    let at = (first + i as f64) * step;
                    Tick {
                        at,
                        label: number_label(at, step),
                        context: None,
                    }
                })
                .collect();
            let needed: f64 = ticks.iter().map(|t| room(&t.label)).sum();
            if needed <= length {
                return ticks;
            }
        }
        magnitude *= 10.0;
    }
    Vec::new()
}

/// A number written with as many decimals as `step` needs.
fn number_label(v: f64, step: f64) -> String {
    let decimals = (0..12)
        .find(|&d| {
            let s = step * 10f64.powi(d);
            (s - s.round()).abs() < 1e-6 * s.max(1.0)
        })
        .unwrap_or(12) as usize;
    let v = if v.abs() < step * 1e-9 { 0.0 } else { v };
    if v.abs() >= 1e6 || (v != 0.0 && v.abs() < 1e-4) {
        format!("{v:.2e}")
    } else {
        format!("{v:.decimals$}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> f64 {
        seconds(NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap())
    }

    #[test]
    fn a_day_gets_hour_ticks_with_the_date_where_it_changes() {
        let ticks = time_ticks(at("2024-03-01 00:00"), at("2024-03-02 00:50"), 700.0, 12.0);
        let labels: Vec<_> = ticks.iter().map(|t| t.label.as_str()).collect();
        assert_eq!(
            labels,
            [
                "00:00", "03:00", "06:00", "09:00", "12:00", "15:00", "18:00", "21:00", "00:00"
            ]
        );
        assert_eq!(ticks[0].context.as_deref(), Some("Mar 1, 2024"));
        assert_eq!(ticks[1].context, None);
        assert_eq!(ticks[8].context.as_deref(), Some("Mar 2, 2024"));
    }

    #[test]
    fn months_and_years_fall_on_their_first_day() {
        let ticks = time_ticks(at("2023-11-15 00:00"), at("2024-06-20 00:00"), 600.0, 12.0);
        let labels: Vec<_> = ticks
            .iter()
            .map(|t| (t.label.as_str(), t.context.as_deref()))
            .collect();
        assert_eq!(
            labels,
            [
                ("Dec", Some("2023")),
                ("Jan", Some("2024")),
                ("Feb", None),
                ("Mar", None),
                ("Apr", None),
                ("May", None),
                ("Jun", None)
            ]
        );
        let years = time_ticks(at("2001-03-01 00:00"), at("2019-01-01 00:00"), 400.0, 12.0);
        assert!(
            years.iter().all(|t| t.label.parse::<i32>().is_ok()),
            "{years:?}"
        );
        assert!(years.len() >= 3);
    }

    #[test]
    fn round_numbers_with_the_decimals_they_need() {
        let ticks = number_ticks(0.03, 0.97, 300.0, |l| text_width(l, 12.0) + 12.0);
        let labels: Vec<_> = ticks.iter().map(|t| t.label.as_str()).collect();
        assert_eq!(labels, ["0.2", "0.4", "0.6", "0.8"]);
        let ticks = number_ticks(-5.0, 5.0, 300.0, |_| 30.0);
        let labels: Vec<_> = ticks.iter().map(|t| t.label.as_str()).collect();
        assert_eq!(labels, ["-4", "-2", "0", "2", "4"]);
        assert_eq!(number_label(2.5, 2.5), "2.5");
        assert_eq!(number_label(1500.0, 500.0), "1500");
    }
}
