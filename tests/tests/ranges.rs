//! Stored series read in part and grown in place, on a local folder, in memory, on SQLite,
//! PostgreSQL and MariaDB (S3: `s3_storage.rs`): random range reads, head and tail,
//! appends, refused and replaced overlaps and compactions agree with the same operations in
//! memory, and each change is one version.

use std::path::PathBuf;
use std::sync::Arc;

use meteaudata::polars::prelude::{col, len};
use meteaudata::prelude::*;
use meteaudata::storage::versions::VersionLog;
use meteaudata::storage::{MemoryBackend, StorageBackend, create_backend};
use meteaudata::{Attachment, Error};
use meteaudata_e2e::env::{files_under, scratch, store_targets, unique};
use meteaudata_e2e::ranges::ranges_and_appends_agree_with_memory;
use meteaudata_e2e::workload;

fn backend_of(target: &str) -> Arc<dyn StorageBackend> {
    meteaudata::register_backends();
    let config = if target.contains("://") {
        StorageConfig::for_url(target)
    } else {
        StorageConfig::for_disk(target)
    };
    create_backend(&config).unwrap()
}

/// Dataset `plant` with `signals`, saved to a fresh folder `name`.
fn stored_plant(name: &str, signals: impl IntoIterator<Item = Signal>) -> (PathBuf, Dataset) {
    let dir = scratch(name);
    let mut ds = Dataset::new("plant")
        .unwrap()
        .with_signals(signals)
        .unwrap();
    ds.use_disk_storage(&dir).unwrap();
    (dir, ds)
}

/// The object keys of the chunks of `S0#1_RAW#1` in the latest version of `ds`'s store.
fn chunk_objects(ds: &Dataset) -> Vec<String> {
    let backend = ds.storage().unwrap().backend.clone();
    let log = VersionLog::new(&*backend, "plant").unwrap();
    let state = log.state(log.latest().unwrap()).unwrap();
    state.signals["S0#1"].series["S0#1_RAW#1"]
        .chunks
        .iter()
        .map(|c| c.object.clone())
        .collect()
}

#[test]
fn ranges_and_appends_agree_with_memory_on_every_store() {
    let mut targets: Vec<(String, Arc<dyn StorageBackend>)> = store_targets("ranges")
        .into_iter()
        .map(|t| (t.clone(), backend_of(&t)))
        .collect();
    targets.push(("memory".into(), Arc::new(MemoryBackend::new())));
    for (seed, (target, backend)) in targets.into_iter().enumerate() {
        // A budget of 0: saved data is released at once, so reads go to the store.
        let attachment = || Attachment::new(backend.clone(), true, 0);
        eprintln!("{target}");
        ranges_and_appends_agree_with_memory(attachment, &unique("ranges"), 24, 7 + seed as u64);
    }
}

#[test]
fn an_append_writes_only_the_new_points() {
    let (dir, mut ds) = stored_plant("append-cost", [workload::signal(300_000, 0)]);
    let objects = |dir: &std::path::Path| {
        files_under(dir)
            .into_iter()
            .filter(|p| p.extension().is_some_and(|e| e == "parquet"))
            .collect::<Vec<_>>()
    };
    let before = objects(&dir);
    assert_eq!(before.len(), 3, "300,000 points make three chunks");
    let signal = ds.signal_mut("S0#1").unwrap();
    let last = workload::index_from(300_000, 1);
    signal
        .append(
            "S0#1_RAW#1",
            last,
            Series::new("v".into(), [1.5]),
            Overlap::Error,
        )
        .unwrap();
    let after = objects(&dir);
    assert_eq!(after.len(), 4, "one new object");
    for path in &before {
        assert!(after.contains(path), "{} is kept", path.display());
    }
    let reopened = Dataset::open(dir.to_str().unwrap(), "plant").unwrap();
    let ts = reopened
        .signal("S0#1")
        .unwrap()
        .time_series("S0#1_RAW#1")
        .unwrap();
    assert_eq!(ts.len(), 300_001);
    let tail = ts.tail(2).unwrap();
    let values: Vec<Option<f64>> = tail
        .column("values")
        .unwrap()
        .f64()
        .unwrap()
        .iter()
        .collect();
    assert_eq!(values, [workload::values(300_000, 0)[299_999], Some(1.5)]);
}

#[test]
fn updates_and_deletions_rewrite_only_the_chunks_they_touch() {
    let (dir, mut ds) = stored_plant("update-cost", [workload::signal(300_000, 0)]);
    let before = chunk_objects(&ds);
    assert_eq!(before.len(), 3);
    // A day inside the second chunk (points 131,072 .. 262,143): only that chunk is new.
    let day = |i: i64| workload::label(i);
    let index = workload::index(150_000).slice(140_000, 1_440);
    let replaced = ds
        .signal_mut("S0#1")
        .unwrap()
        .update(
            "S0#1_RAW#1",
            day(140_000),
            day(141_440),
            index,
            Series::new("v".into(), vec![0.5; 1_440]),
        )
        .unwrap();
    assert_eq!(replaced, 1_440);
    let after = chunk_objects(&ds);
    assert_eq!(
        (after[0].as_str(), after[2].as_str()),
        (before[0].as_str(), before[2].as_str())
    );
    assert_ne!(after[1], before[1]);
    // Deleting from inside the first chunk to inside the third drops the second unread.
    let removed = ds
        .signal_mut("S0#1")
        .unwrap()
        .delete_range("S0#1_RAW#1", day(100_000), day(270_000))
        .unwrap();
    assert_eq!(removed, 170_000);
    let last = chunk_objects(&ds);
    assert!(
        !last.contains(&after[1]),
        "the second chunk is gone: {last:?}"
    );
    let reopened = Dataset::open(dir.to_str().unwrap(), "plant").unwrap();
    let ts = reopened
        .signal("S0#1")
        .unwrap()
        .time_series("S0#1_RAW#1")
        .unwrap();
    assert_eq!(ts.len(), 130_000);
    let mut expected = workload::values(300_000, 0);
    expected.drain(100_000..270_000);
    assert_eq!(meteaudata_e2e::float_values(ts), expected);
    assert_eq!(ts.frequency(), None, "a hole leaves no frequency");
}

#[test]
fn scans_read_chunks_only_when_run_and_only_those_they_need() {
    let (dir, _) = stored_plant(
        "scans",
        [workload::signal(300_000, 0), workload::signal(1_000, 1)],
    );
    let reopened = Dataset::open(dir.to_str().unwrap(), "plant").unwrap();
    // Several series in one scan, with the series named.
    let both = reopened
        .scan(&["S0#1_RAW#1", "S1#1_RAW#1"])
        .unwrap()
        .group_by([col("series")])
        .agg([len().alias("n")])
        .sort(["series"], Default::default())
        .collect()
        .unwrap();
    let counts: Vec<u32> = both
        .column("n")
        .unwrap()
        .u32()
        .unwrap()
        .into_no_null_iter()
        .collect();
    assert_eq!(counts, [300_000, 1_000]);
    // A damaged third chunk: a scan of a range in the first chunk never reads it; a scan
    // of everything fails naming it.
    let ts = reopened
        .signal("S0#1")
        .unwrap()
        .time_series("S0#1_RAW#1")
        .unwrap();
    let third = &chunk_objects(&reopened)[2];
    let file = files_under(&dir)
        .into_iter()
        .find(|p| {
            p.to_string_lossy()
                .contains(third.rsplit_once(".o").unwrap().1)
        })
        .unwrap();
    let mut bytes = std::fs::read(&file).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x20;
    std::fs::write(&file, bytes).unwrap();
    let early = ts
        .scan_range(workload::label(10), workload::label(20))
        .unwrap()
        .collect()
        .unwrap();
    assert_eq!(early.height(), 10);
    let err = ts.scan().unwrap().collect().unwrap_err().to_string();
    assert!(err.contains(third.rsplit_once(".o").unwrap().1), "{err}");
    assert!(!ts.is_resident());
}

#[test]
fn a_stored_series_is_resampled_chunk_by_chunk_with_the_numbers_of_memory() {
    let dir = scratch("resample-chunks");
    let mut in_memory = Dataset::new("plant")
        .unwrap()
        .with_signals([workload::signal(1_000_000, 0)])
        .unwrap();
    let mut stored = in_memory.clone();
    stored
        .use_config(&StorageConfig::for_disk(&dir).memory_budget(0))
        .unwrap();
    drop(stored);
    let config = StorageConfig::for_disk(&dir).memory_budget(0);
    let mut reopened = Dataset::open_with(&config, "plant").unwrap();
    for ds in [&mut in_memory, &mut reopened] {
        ds.signal_mut("S0#1")
            .unwrap()
            .process(
                &["S0#1_RAW#1"],
                resample("15min"),
                ProcessOptions::default(),
            )
            .unwrap();
    }
    let signal = reopened.signal("S0#1").unwrap();
    assert!(
        !signal.time_series("S0#1_RAW#1").unwrap().is_resident(),
        "the input was read chunk by chunk, never whole"
    );
    let got = signal
        .time_series("S0#1_RESAMPLED#1")
        .unwrap()
        .data()
        .unwrap();
    let expected = in_memory
        .signal("S0#1")
        .unwrap()
        .time_series("S0#1_RESAMPLED#1")
        .unwrap()
        .data()
        .unwrap();
    assert_eq!(got.height(), 1_000_000 / 15 + 1);
    assert!(got.equals_missing(&expected));
}

#[test]
fn a_stored_series_is_interpolated_chunk_by_chunk_with_the_numbers_of_memory() {
    // Gaps at the start, across chunk boundaries (131,072 and 262,144), inside a chunk and at
    // the end.
    let n = 1_000_000;
    let mut values = workload::values(n, 0);
    for range in [
        0..5,
        131_000..131_200,
        262_100..262_144,
        500_000..500_003,
        n - 10..n,
    ] {
        for v in &mut values[range] {
            *v = None;
        }
    }
    let raw = TimeSeries::new("RAW", workload::index(n), Series::new("v".into(), values)).unwrap();
    let signal = Signal::new("S0", "u", DataProvenance::default(), [raw]).unwrap();
    let (dir, mut in_memory) = stored_plant("interpolate-chunks", [signal]);
    in_memory.use_memory_storage().unwrap();
    let config = StorageConfig::for_disk(&dir).memory_budget(0);
    let mut reopened = Dataset::open_with(&config, "plant").unwrap();
    for ds in [&mut in_memory, &mut reopened] {
        ds.signal_mut("S0#1")
            .unwrap()
            .process(
                &["S0#1_RAW#1"],
                linear_interpolation(),
                ProcessOptions::default(),
            )
            .unwrap();
    }
    let signal = reopened.signal("S0#1").unwrap();
    let output = signal.time_series("S0#1_LIN-INT#1").unwrap();
    assert!(!signal.time_series("S0#1_RAW#1").unwrap().is_resident());
    assert!(
        !output.is_resident(),
        "the output was written piece by piece"
    );
    let expected = in_memory
        .signal("S0#1")
        .unwrap()
        .time_series("S0#1_LIN-INT#1")
        .unwrap();
    assert!(
        output
            .data()
            .unwrap()
            .equals_missing(&expected.data().unwrap())
    );
    assert_eq!(output.frequency(), expected.frequency());
    assert_eq!(output.index_kind(), expected.index_kind());
    let again = Dataset::open(dir.to_str().unwrap(), "plant").unwrap();
    let committed = again
        .signal("S0#1")
        .unwrap()
        .time_series("S0#1_LIN-INT#1")
        .unwrap();
    assert_eq!(committed, output, "committed as it was computed");
}

#[test]
fn a_read_only_store_is_interpolated_in_memory_and_left_alone() {
    let (dir, _) = stored_plant("interpolate-read-only", [workload::signal(300_000, 0)]);
    let listing = |dir: &std::path::Path| {
        let mut files = files_under(dir);
        files.sort();
        files
    };
    let before = listing(&dir);
    let config = StorageConfig::for_disk(&dir)
        .access(meteaudata::storage::StorageAccess::ReadOnly)
        .auto_save(false)
        .memory_budget(0);
    let mut reopened = Dataset::open_with(&config, "plant").unwrap();
    let signal = reopened.signal_mut("S0#1").unwrap();
    signal
        .process(
            &["S0#1_RAW#1"],
            linear_interpolation(),
            ProcessOptions::default(),
        )
        .unwrap();
    let output = signal.time_series("S0#1_LIN-INT#1").unwrap();
    assert!(output.is_resident(), "built in memory");
    assert_eq!(output.len(), 300_000);
    assert_eq!(listing(&dir), before, "nothing written to the store");
}

#[test]
fn bad_appends_and_ranges_name_the_culprit_and_change_nothing() {
    let mut signal = workload::signal(100, 0);
    let before = signal.time_series("S0#1_RAW#1").unwrap().clone();
    let index = workload::index(100);
    let err = signal
        .append(
            "S0#1_RAW#1",
            index.slice(98, 2),
            Series::new("v".into(), [1.0, 2.0]),
            Overlap::Error,
        )
        .unwrap_err();
    assert!(matches!(err, Error::Overlap { .. }), "{err}");
    assert!(err.to_string().contains("2020-01-01 01:38:00"), "{err}");
    let err = signal
        .append(
            "S0#1_RAW#1",
            Series::new("i".into(), [5i64]),
            Series::new("v".into(), [1.0]),
            Overlap::Error,
        )
        .unwrap_err();
    assert!(
        err.to_string().contains("cannot append index of i64"),
        "{err}"
    );
    let err = signal
        .append(
            "S0#1_NOPE#1",
            index.slice(0, 1),
            Series::new("v".into(), [1.0]),
            Overlap::Error,
        )
        .unwrap_err();
    assert!(err.to_string().contains("S0#1_NOPE#1"), "{err}");
    assert_eq!(signal.time_series("S0#1_RAW#1").unwrap(), &before);
    let ts = signal.time_series("S0#1_RAW#1").unwrap();
    let day = |h| {
        chrono::NaiveDate::from_ymd_opt(2020, 1, 1)
            .unwrap()
            .and_hms_opt(h, 0, 0)
            .unwrap()
    };
    let err = ts.read_range(day(2), day(1)).unwrap_err();
    assert!(err.to_string().contains("after its end"), "{err}");
    let err = ts.read_range(3, 4).unwrap_err();
    assert!(err.to_string().contains("datetime"), "{err}");
    assert_eq!(ts.read_range(day(1), day(1)).unwrap().height(), 0);
}
