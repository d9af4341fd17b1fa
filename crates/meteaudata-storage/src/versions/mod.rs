//! Versioned datasets: a dataset in a store is a chain of immutable versions, and every save
//! is one atomic commit of the next one (as in Delta Lake's log, Iceberg's snapshots and
//! ArcticDB's version chain).
//!
//! For a dataset `ds`, the protocol keeps (as keys of any backend):
//!
//! | key | what | written |
//! |---|---|---|
//! | `ds/<signal>/<series>.<object id>` | a chunk of a series' data (consecutive points; a series is its chunks in order) | once, never overwritten |
//! | `ds/_log/<version>` | a commit: what changed, when, by which operation | once (create-if-absent: the commit point) |
//! | `ds/_checkpoint/<version>` | the whole state, every [`CHECKPOINT_INTERVAL`] versions | once |
//! | `ds/_latest` | a hint: a recent version (rewritten every [`HINT_INTERVAL`] versions; may lag, never leads) | overwritten |
//! | `ds/_floor` | the oldest version kept after pruning | overwritten |
//! | `ds/_tags/<tag>` | a named version | once |
//!
//! A save writes its new data objects first, then commits version n + 1 with one
//! [`create_document`](crate::StorageBackend::create_document): the only write that makes
//! anything visible. Readers follow committed versions only, so a crash at any moment leaves
//! exactly the previous version (plus unreferenced objects, which [`VersionLog::prune`]
//! removes). Two writers racing for n + 1: one wins; the other merges on top of it when they
//! changed different signals, and otherwise gets
//! [`StorageError::VersionConflict`](crate::StorageError::VersionConflict). Opening reads the
//! hint, the nearest checkpoint and at most [`CHECKPOINT_INTERVAL`] commits, however long the
//! history. A store written in format 1 (documents and series in place) reads as version 0;
//! its first commit records the whole state.
//!
//! The protocol lives here once; a backend only provides the primitives of
//! [`StorageBackend`](crate::StorageBackend) (the testkit checks them).

mod legacy;
mod log;
mod manifest;

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

pub use log::{At, Committed, Keep, Proposal, PruneReport, SignalChange, VersionInfo, VersionLog};
pub use manifest::{Changes, Chunk, Manifest, SeriesEntry, SignalEntry, Summary};

use crate::error::Result;
use crate::key::StorageKey;

/// The format of version documents.
pub const FORMAT_VERSION: u32 = 2;

/// The most points one data object holds: a series is written as chunks of this many points
/// (the last one shorter), so that a range read loads only the chunks it needs and an append
/// writes only new chunks.
pub const CHUNK_ROWS: usize = 1 << 17;

/// The latest-version hint is rewritten every this many versions: it saves a write per
/// commit, and a reader probes at most this many commits past the hint.
pub const HINT_INTERVAL: u64 = 4;

/// A checkpoint (the whole state) is written every this many versions.
pub const CHECKPOINT_INTERVAL: u64 = 50;

/// A text unique to every call in every process, beginning with the time of the call: 16 hex
/// digits of nanoseconds since the epoch, 8 of the process id and 6 of a counter.
pub fn unique_id() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    format!(
        "{nanos:016x}{:08x}{:06x}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed) & 0xff_ffff
    )
}

/// The key of a new data object for series `series` of signal `signal` in dataset
/// `dataset`: `<dataset>/<signal>/<series>.o<`[`unique_id`]`>`, unique for every call in
/// every process, and carrying its creation time (so that pruning can leave young objects
/// of writers that have not committed yet alone). A signal's objects share one folder (no
/// folder per series to create on a local disk).
pub fn new_object_key(dataset: &str, signal: &str, series: &str) -> Result<StorageKey> {
    StorageKey::new([dataset, signal, &format!("{series}.o{}", unique_id())])
}

/// The datasets a store holds: those with a version log, and those written in format 1
/// (a one-segment dataset document). Sorted.
pub fn datasets(backend: &dyn crate::StorageBackend) -> Result<Vec<String>> {
    let mut names: Vec<String> = backend
        .list_documents(None)?
        .into_iter()
        .filter_map(|key| match key.segments() {
            [name] => Some(name.clone()),
            [name, log, _] if log == "_log" => Some(name.clone()),
            _ => None,
        })
        .collect();
    names.sort();
    names.dedup();
    Ok(names)
}

/// How long ago the object `key` was named by [`new_object_key`]; `None` for other keys.
pub(crate) fn object_age(key: &StorageKey) -> Option<Duration> {
    // `<dataset>/<signal>/<series>.o<id>`, or `<dataset>/<signal>/<series>/o<id>` as the
    // first versioned stores named them.
    let id = match key.segments() {
        [_, _, last] => last.rsplit_once(".o")?.1,
        [_, _, _, last] => last.strip_prefix('o')?,
        _ => return None,
    };
    if id.len() != 30 || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let nanos = u64::from_str_radix(&id[..16], 16).ok()?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .ok()?
        .as_nanos() as u64;
    Some(Duration::from_nanos(now.saturating_sub(nanos)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn object_keys_are_unique_and_know_their_age() {
        let a = new_object_key("ds", "A#1", "RAW#1").unwrap();
        let b = new_object_key("ds", "A#1", "RAW#1").unwrap();
        assert_ne!(a, b);
        assert!(object_age(&a).unwrap() < Duration::from_secs(60));
        assert_eq!(a.segments().len(), 3);
        assert!(a.last().starts_with("RAW#1.o"), "{a}");
        assert_eq!(
            object_age(&StorageKey::parse("ds/A#1/RAW#1").unwrap()),
            None
        );
        assert_eq!(
            object_age(&StorageKey::parse("ds/A#1/v1.old").unwrap()),
            None
        );
    }
}
