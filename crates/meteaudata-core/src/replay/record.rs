//! What a series remembers for replay: the revision of its own data, the state of its inputs
//! when it was computed (its basis), and when it was refreshed.

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

/// A revision of a series' data: an `epoch` drawn afresh whenever points are changed or
/// removed (or the series is built), and the number of appends since.
///
/// Two series states with the same epoch and a larger `appends` differ only by points added
/// after the earlier state's last label, which is what lets a refresh work incrementally.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Revision {
    /// Unique to one making or rewriting of the data (time, process and a counter).
    pub epoch: String,
    /// Appends since the epoch began.
    pub appends: u64,
}

impl Revision {
    /// A new epoch with no appends.
    pub fn fresh() -> Revision {
        Revision {
            epoch: meteaudata_storage::versions::unique_id(),
            appends: 0,
        }
    }
}

/// The state of one input when a derived series was computed from it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InputMark {
    /// The input's full name.
    pub series: String,
    /// Its revision then (absent for data whose store recorded none).
    pub revision: Option<Revision>,
    /// Its number of points then.
    pub rows: usize,
    /// Its largest label then, in index ticks (absent when it was empty).
    pub last: Option<i64>,
}

/// One refresh of a derived series (see [`Dataset::refresh`](crate::Dataset::refresh)).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefreshEntry {
    /// When it ran (naive local time).
    pub at: NaiveDateTime,
    /// The label from which the points were recomputed, as text, for an incremental
    /// refresh; absent when the whole series was recomputed.
    pub from: Option<String>,
}

/// The replay state a series carries and its store keeps (not written to archives, which
/// follow meteaudata for Python's format).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplayRecord {
    /// The revision of the data (absent when loaded from a record that has none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revision: Option<Revision>,
    /// The inputs' states when this series was computed (empty for raw series and for series
    /// whose making was not recorded).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub basis: Vec<InputMark>,
    /// The refreshes of this series, oldest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub refreshes: Vec<RefreshEntry>,
}

impl ReplayRecord {
    /// A record for data made now.
    pub(crate) fn fresh() -> ReplayRecord {
        ReplayRecord {
            revision: Some(Revision::fresh()),
            ..ReplayRecord::default()
        }
    }
}
