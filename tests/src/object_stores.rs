//! The checks every object store runs (S3 on moto, Azure on Azurite): the conformance suite,
//! datasets that reopen, two writers that never lose an update, and range reads and appends
//! that agree with memory. Each takes `store(prefix)`, a backend on a fresh prefix.

use std::sync::Arc;

use meteaudata::prelude::*;
use meteaudata::storage::{ParquetBackend, StorageBackend, StorageError};
use meteaudata::{Attachment, Error};

use crate::workload;

fn attach(backend: ParquetBackend) -> Attachment {
    Attachment::new(Arc::new(backend), true, 64 << 20)
}

/// A prefix of its own for each check of each run.
pub fn unique(name: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("{name}-{}-{nanos}", std::process::id())
}

/// The store passes the testkit (create-if-absent under contention included).
pub fn conformance(store: impl Fn(&str) -> ParquetBackend) {
    let backend = store(&unique("conformance"));
    assert!(backend.capabilities().conditional_writes);
    meteaudata_testkit::run_all(&backend);
}

/// A processed dataset reopens equal (every series, history and timestamp).
pub fn datasets_reopen(store: impl Fn(&str) -> ParquetBackend) {
    let prefix = unique("dataset");
    let mut ds = Dataset::new("plant")
        .unwrap()
        .with_signals([workload::signal(10_000, 0)])
        .unwrap();
    ds.set_backend(Arc::new(store(&prefix)), true).unwrap();
    ds.signal_mut("S0#1")
        .unwrap()
        .process(&["S0#1_RAW#1"], resample("1h"), ProcessOptions::default())
        .unwrap();
    let reopened = Dataset::open_from(attach(store(&prefix)), "plant", true).unwrap();
    assert_eq!(reopened, ds, "every series, history and timestamp");
}

/// Two independent handles on one dataset: changes to different signals both land; a change
/// to the same signal is a conflict for the second, which keeps its memory as it was.
pub fn two_writers_never_lose_an_update(store: impl Fn(&str) -> ParquetBackend) {
    let prefix = unique("writers");
    let mut first = Dataset::new("common")
        .unwrap()
        .with_signals([workload::signal(1_000, 0)])
        .unwrap();
    first.set_backend(Arc::new(store(&prefix)), true).unwrap();
    first.save_all().unwrap();

    let mut a = Dataset::open_from(attach(store(&prefix)), "common", true).unwrap();
    let mut b = Dataset::open_from(attach(store(&prefix)), "common", true).unwrap();
    a.add(workload::signal(1_000, 1)).unwrap();
    b.add(workload::signal(1_000, 2)).unwrap();
    let step = |ds: &mut Dataset| {
        ds.signal_mut("S0#1").unwrap().process(
            &["S0#1_RAW#1"],
            resample("1h"),
            ProcessOptions::default(),
        )
    };
    step(&mut a).unwrap();
    let err = step(&mut b).unwrap_err();
    assert!(
        matches!(err, Error::Storage(StorageError::VersionConflict { .. })),
        "the second writer is told, not silently overwriting: {err}"
    );
    assert_eq!(
        b.signal("S0#1").unwrap().len(),
        1,
        "the loser's memory is as before"
    );
    let last = Dataset::open_from(attach(store(&prefix)), "common", true).unwrap();
    assert_eq!(
        last.all_signals(),
        ["S0#1", "S1#1", "S2#1"],
        "both writers' signals are there"
    );
    assert_eq!(
        last.signal("S0#1").unwrap().all_time_series(),
        ["S0#1_RAW#1", "S0#1_RESAMPLED#1"],
        "the winner's step is there once"
    );
}

/// Range reads, appends, updates and scans agree with memory (see [`crate::ranges`]).
pub fn ranges_agree_with_memory(store: impl Fn(&str) -> ParquetBackend) {
    let backend: Arc<dyn StorageBackend> = Arc::new(store(&unique("ranges")));
    crate::ranges::ranges_and_appends_agree_with_memory(
        || Attachment::new(backend.clone(), true, 0),
        "ranges",
        10,
        99,
    );
}
