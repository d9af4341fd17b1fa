//! Whether a derived series is still what its inputs would give: its replay state, and how
//! an input changed since a series was computed from it.

use std::fmt;

use crate::replay::InputMark;
use crate::time_series::TimeSeries;

/// How a derived series stands against its recorded history, as views mark it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplayState {
    /// An input changed since the series was computed: a refresh would recompute it.
    Stale,
    /// The last verification re-ran its history and found the same data.
    Reproduced,
    /// The last verification re-ran its history and found different data.
    Differs,
    /// The last verification could not re-run its history.
    NotReplayable,
}

impl ReplayState {
    /// `stale`, `reproduced`, `differs` or `not replayable`.
    pub fn as_str(self) -> &'static str {
        match self {
            ReplayState::Stale => "stale",
            ReplayState::Reproduced => "reproduced",
            ReplayState::Differs => "differs",
            ReplayState::NotReplayable => "not replayable",
        }
    }

    /// The state of `ts` in a collection where `lookup` finds series by name: stale when an
    /// input changed since it was computed, else the outcome of its last verification.
    pub fn of<'a>(
        ts: &TimeSeries,
        lookup: impl Fn(&str) -> Option<&'a TimeSeries>,
    ) -> Option<ReplayState> {
        if stale_inputs(ts, lookup).is_empty() {
            ts.verdict()
        } else {
            Some(ReplayState::Stale)
        }
    }
}

impl fmt::Display for ReplayState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How an input changed since a mark was taken of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Change {
    /// Not at all.
    Same,
    /// Only by points appended after label `after` (in index ticks).
    Appended {
        /// The largest label when the mark was taken.
        after: i64,
    },
    /// Otherwise (or it cannot be told).
    Other,
}

/// How `input` changed since `mark` was taken of it. With revisions on both sides they
/// decide; without (data from a store that records none), the number of points and the last
/// label do, and any difference counts as [`Change::Other`].
pub(crate) fn change(mark: &InputMark, input: &TimeSeries) -> Change {
    match (&mark.revision, input.revision()) {
        (Some(then), Some(now)) if then == now => Change::Same,
        (Some(then), Some(now)) => match mark.last {
            Some(after) if then.epoch == now.epoch && now.appends > then.appends => {
                Change::Appended { after }
            }
            _ => Change::Other,
        },
        _ => match input.mark() {
            Ok(now) if now.rows == mark.rows && now.last == mark.last => Change::Same,
            _ => Change::Other,
        },
    }
}

/// Why `ts` is stale, one reason per input (found through `lookup`): `X changed` when the
/// input changed since `ts` was computed from it, `X is stale` when the input is itself stale
/// (so `ts` is behind what its history would now give). Empty when `ts` is current. Inputs
/// that are no longer there are not counted.
pub(crate) fn stale_inputs<'a>(
    ts: &TimeSeries,
    lookup: impl Fn(&str) -> Option<&'a TimeSeries>,
) -> Vec<String> {
    let mut visiting = Vec::new();
    reasons(ts, &lookup, &mut visiting)
}

fn reasons<'a>(
    ts: &TimeSeries,
    lookup: &impl Fn(&str) -> Option<&'a TimeSeries>,
    visiting: &mut Vec<String>,
) -> Vec<String> {
    if visiting.iter().any(|n| n == ts.name()) {
        return Vec::new();
    }
    visiting.push(ts.name().to_owned());
    let out = ts
        .basis()
        .iter()
        .filter_map(|mark| {
            let input = lookup(&mark.series)?;
            if change(mark, input) != Change::Same {
                Some(format!("{} changed", mark.series))
            } else if !reasons(input, lookup, visiting).is_empty() {
                Some(format!("{} is stale", mark.series))
            } else {
                None
            }
        })
        .collect();
    visiting.pop();
    out
}

impl crate::Dataset {
    /// The replay state of series `name` (see [`ReplayState::of`]), its inputs looked up
    /// across the dataset.
    pub fn replay_state(&self, name: &str) -> crate::Result<Option<ReplayState>> {
        let find = |n: &str| self.iter().find_map(|s| s.time_series(n).ok());
        let ts = find(name).ok_or_else(|| crate::Error::NotFound {
            kind: crate::ObjectKind::TimeSeries,
            name: name.to_owned(),
            available: self
                .iter()
                .flat_map(|s| s.all_time_series())
                .map(str::to_owned)
                .collect(),
        })?;
        Ok(ReplayState::of(ts, find))
    }
}
