//! Clock helpers.

use chrono::{NaiveDateTime, Timelike};

/// The current local time without a zone, truncated to microseconds (as Python records it).
pub fn now() -> NaiveDateTime {
    let t = chrono::Local::now().naive_local();
    let micros = t.nanosecond() / 1_000 * 1_000;
    t.with_nanosecond(micros).unwrap_or(t)
}
