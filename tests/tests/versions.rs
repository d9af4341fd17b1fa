//! Versioned datasets through the facade: every save is a version, earlier versions open by
//! number, time or tag, a script run twice is not a conflict, concurrent writers merge or get
//! a conflict (never lose an update), changed bytes are caught on load, pruning keeps what
//! it must, and stores written before versions open and upgrade.

use std::sync::Arc;

use meteaudata::prelude::*;
use meteaudata::storage::versions::VersionLog;
use meteaudata::storage::{StorageError, create_backend};
use meteaudata::{DatasetOpen, StorageExt, list_versions, prune_versions, tag_version};
use meteaudata_e2e::env::{files_under, scratch, store_targets, unique};
use meteaudata_e2e::{fixtures_root, workload};

fn attach(ds: &mut Dataset, target: &str) {
    if target.contains("://") {
        ds.use_sql_storage(target).unwrap();
    } else {
        ds.use_disk_storage(target).unwrap();
    }
}

fn raw_values(ds: &Dataset, series: &str) -> Vec<Option<f64>> {
    let signal = series.split_once('_').unwrap().0;
    meteaudata_e2e::float_values(ds.signal(signal).unwrap().time_series(series).unwrap())
}

#[test]
fn every_save_is_a_version_that_opens_again() {
    for target in store_targets("history") {
        let name = unique("history");
        let mut ds = Dataset::new(&name)
            .unwrap()
            .with_signals([workload::signal(500, 0)])
            .unwrap();
        attach(&mut ds, &target); // version 1
        assert_eq!(ds.version(), Some(1), "{target}");
        let signal = ds.signal_mut("S0#1").unwrap();
        signal
            .process(
                &["S0#1_RAW#1"],
                linear_interpolation(),
                ProcessOptions::default(),
            )
            .unwrap(); // version 2
        let between = chrono::Utc::now();
        std::thread::sleep(std::time::Duration::from_millis(20));
        ds.add(workload::signal(300, 1)).unwrap(); // version 3
        tag_version(&target, &name, 2, "interpolated").unwrap();

        let versions = list_versions(&target, &name).unwrap();
        let numbers: Vec<u64> = versions.iter().map(|v| v.version).collect();
        assert_eq!(numbers, [1, 2, 3], "{target}");
        assert_eq!(versions[0].parent, None);
        assert_eq!(versions[2].parent, Some(2));
        assert_eq!(versions[0].summary.signals_added, ["S0#1"], "{target}");
        assert_eq!(
            versions[1].summary.series_added,
            ["S0#1_LIN-INT#1"],
            "{target}"
        );
        assert_eq!(versions[2].summary.signals_added, ["S1#1"], "{target}");
        assert_eq!(versions[1].tags, ["interpolated"], "{target}");

        let first = Dataset::open_at(&target, &name, 1).unwrap();
        assert_eq!(
            first.signal("S0#1").unwrap().all_time_series(),
            ["S0#1_RAW#1"]
        );
        assert_eq!(first.version(), Some(1));
        let tagged = Dataset::open_at(&target, &name, "interpolated").unwrap();
        assert_eq!(tagged.version(), Some(2), "{target}");
        assert_eq!(tagged.all_signals(), ["S0#1"]);
        let at_time = Dataset::open_at(&target, &name, between).unwrap();
        assert_eq!(
            at_time.version(),
            Some(2),
            "{target}: the latest at or before"
        );
        let latest = Dataset::open(&target, &name).unwrap();
        assert_eq!(latest.all_signals(), ["S0#1", "S1#1"]);
        assert_eq!(
            raw_values(&latest, "S0#1_LIN-INT#1"),
            raw_values(&ds, "S0#1_LIN-INT#1")
        );
        let err = Dataset::open_at(&target, &name, 9).unwrap_err();
        assert!(
            matches!(err, Error::Storage(StorageError::VersionNotFound { .. })),
            "{err:?}"
        );
        assert!(err.to_string().contains("1 to 3"), "{err}");
        assert!(
            tag_version(&target, &name, 3, "interpolated").is_err(),
            "a tag is taken once"
        );
    }
}

#[test]
fn running_the_same_script_twice_makes_a_new_version() {
    for target in store_targets("twice") {
        let name = unique("plant");
        for run in 0..2u64 {
            // A fresh dataset of the same name each time, as a script builds it.
            let mut ds = Dataset::new(&name)
                .unwrap()
                .with_signals([workload::signal(200 + run as usize, run)])
                .unwrap();
            attach(&mut ds, &target);
            ds.signal_mut(&format!("S{run}#1"))
                .unwrap()
                .process(
                    &[&format!("S{run}#1_RAW#1")],
                    linear_interpolation(),
                    ProcessOptions::default(),
                )
                .unwrap();
        }
        let latest = Dataset::open(&target, &name).unwrap();
        assert_eq!(
            latest.all_signals(),
            ["S1#1"],
            "{target}: the second run replaced the first"
        );
        assert_eq!(latest.version(), Some(4), "{target}");
        let first_run = Dataset::open_at(&target, &name, 2).unwrap();
        assert_eq!(
            first_run.all_signals(),
            ["S0#1"],
            "{target}: the first run stays readable"
        );
        let versions = list_versions(&target, &name).unwrap();
        assert_eq!(versions[2].operation, "replace");
    }
}

#[test]
fn concurrent_writers_merge_other_signals_and_conflict_on_the_same_one() {
    for target in store_targets("writers") {
        let name = unique("shared");
        let mut setup = Dataset::new(&name)
            .unwrap()
            .with_signals([workload::signal(100, 0)])
            .unwrap();
        attach(&mut setup, &target);
        let mut a = Dataset::open(&target, &name).unwrap();
        let mut b = Dataset::open(&target, &name).unwrap();
        // Different signals: both land.
        a.add(workload::signal(100, 1)).unwrap();
        b.add(workload::signal(100, 2)).unwrap();
        let latest = Dataset::open(&target, &name).unwrap();
        assert_eq!(latest.all_signals(), ["S0#1", "S1#1", "S2#1"], "{target}");
        // The same signal: the second writer gets a conflict and changes nothing.
        let step = |ds: &mut Dataset| {
            ds.signal_mut("S0#1").unwrap().process(
                &["S0#1_RAW#1"],
                linear_interpolation(),
                ProcessOptions::default(),
            )
        };
        step(&mut a).unwrap();
        let err = step(&mut b).unwrap_err();
        assert!(
            matches!(err, Error::Storage(StorageError::VersionConflict { .. })),
            "{target}: {err:?}"
        );
        let text = err.to_string();
        assert!(text.contains(&name) && text.contains("S0#1"), "{text}");
        assert_eq!(
            b.signal("S0#1").unwrap().all_time_series(),
            ["S0#1_RAW#1"],
            "the loser's memory is as before"
        );
        let versions: Vec<u64> = list_versions(&target, &name)
            .unwrap()
            .iter()
            .map(|v| v.version)
            .collect();
        assert_eq!(
            versions,
            [1, 2, 3, 4],
            "{target}: exactly the commits that landed"
        );
        // Reopened, the loser can redo its change on top.
        let mut b = Dataset::open(&target, &name).unwrap();
        b.signal_mut("S2#1")
            .unwrap()
            .process(
                &["S2#1_RAW#1"],
                linear_interpolation(),
                ProcessOptions::default(),
            )
            .unwrap();
        assert_eq!(b.version(), Some(5));
    }
}

#[test]
fn many_threads_committing_lose_nothing() {
    let dir = scratch("threads");
    let target = dir.display().to_string();
    let mut setup = Dataset::new("busy").unwrap();
    setup.use_disk_storage(&dir).unwrap();
    let mut landed: Vec<u64> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..4u64)
            .map(|w| {
                let target = target.clone();
                scope.spawn(move || {
                    let mut ds = Dataset::open(&target, "busy").unwrap();
                    let mut mine = Vec::new();
                    for i in 0..5 {
                        ds.add(workload::signal(50, w * 100 + i)).unwrap();
                        mine.push(ds.version().unwrap());
                    }
                    mine
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });
    landed.sort_unstable();
    assert_eq!(
        landed,
        (2..=21).collect::<Vec<_>>(),
        "each commit its own version"
    );
    let latest = Dataset::open(&target, "busy").unwrap();
    assert_eq!(latest.len(), 20, "every signal of every writer is there");
    assert_eq!(latest.version(), Some(21));
}

#[test]
fn changed_bytes_are_an_error_naming_the_object() {
    let dir = scratch("flips");
    let mut ds = Dataset::new("plant")
        .unwrap()
        .with_signals([workload::signal(20_000, 0)])
        .unwrap();
    ds.use_disk_storage(&dir).unwrap();
    let object = files_under(&dir)
        .into_iter()
        .find(|p| p.extension().is_some_and(|e| e == "parquet"))
        .unwrap();
    let original = std::fs::read(&object).unwrap();
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    for trial in 0..25 {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let position = (state % original.len() as u64) as usize;
        let mut bytes = original.clone();
        bytes[position] ^= 0x5a;
        std::fs::write(&object, &bytes).unwrap();
        let reopened = Dataset::open(dir.to_str().unwrap(), "plant").unwrap();
        let err = reopened
            .signal("S0#1")
            .unwrap()
            .time_series("S0#1_RAW#1")
            .unwrap()
            .data()
            .unwrap_err();
        let name = object.file_stem().unwrap().to_str().unwrap();
        assert!(
            err.to_string().contains(name),
            "trial {trial}, byte {position}: {err}"
        );
    }
    std::fs::write(&object, &original).unwrap();
    let reopened = Dataset::open(dir.to_str().unwrap(), "plant").unwrap();
    assert_eq!(
        raw_values(&reopened, "S0#1_RAW#1"),
        workload::values(20_000, 0)
    );
}

#[test]
fn pruning_keeps_the_latest_tagged_and_referenced() {
    for target in store_targets("prune") {
        let name = unique("pruned");
        let mut ds = Dataset::new(&name)
            .unwrap()
            .with_signals([workload::signal(100, 0)])
            .unwrap();
        attach(&mut ds, &target); // 1
        for i in 1..=5 {
            ds.add(workload::signal(100, i)).unwrap(); // 2..6
        }
        ds.remove("S1#1").unwrap(); // 7
        tag_version(&target, &name, 3, "keep-me").unwrap();
        let report =
            prune_versions(&target, &name, &Keep::Last(2), std::time::Duration::ZERO).unwrap();
        assert_eq!(report.floor, 6, "{target}");
        assert_eq!(report.versions_removed, 4, "{target}: 1, 2, 4 and 5");
        assert_eq!(
            report.objects_removed, 0,
            "{target}: S1#1 is still in tagged version 3"
        );
        let numbers: Vec<u64> = list_versions(&target, &name)
            .unwrap()
            .iter()
            .map(|v| v.version)
            .collect();
        assert_eq!(numbers, [3, 6, 7], "{target}: tagged versions stay listed");
        assert!(Dataset::open_at(&target, &name, 2).is_err(), "{target}");
        let tagged = Dataset::open_at(&target, &name, "keep-me").unwrap();
        assert_eq!(raw_values(&tagged, "S1#1_RAW#1"), workload::values(100, 1));
        let latest = Dataset::open(&target, &name).unwrap();
        assert_eq!(latest.len(), 5);
        assert_eq!(raw_values(&latest, "S5#1_RAW#1"), workload::values(100, 5));
    }
}

#[test]
fn unreferenced_objects_go_only_after_the_grace_period() {
    let dir = scratch("grace");
    let target = dir.display().to_string();
    let mut ds = Dataset::new("plant")
        .unwrap()
        .with_signals([workload::signal(100, 0)])
        .unwrap();
    ds.use_disk_storage(&dir).unwrap();
    ds.remove("S0#1").unwrap();
    let hour = std::time::Duration::from_secs(3600);
    let young = prune_versions(&target, "plant", &Keep::Last(1), hour).unwrap();
    assert_eq!(young.objects_removed, 0, "younger than the grace period");
    let old = prune_versions(&target, "plant", &Keep::Last(1), std::time::Duration::ZERO).unwrap();
    assert_eq!(old.objects_removed, 1);
}

#[test]
fn stores_written_before_versions_open_and_upgrade() {
    let expected = Dataset::load_archive(
        fixtures_root().join("pandas-3.1.1/main/archive/reactor_monitoring.zip"),
        "reactor_monitoring",
    )
    .unwrap();
    let fixture = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/format-1");
    let dir = scratch("format-1");
    copy_dir(&fixture.join("store"), &dir);
    let db = scratch("format-1-db").with_extension("db");
    std::fs::copy(fixture.join("reactor_monitoring.db"), &db).unwrap();
    for target in [
        dir.display().to_string(),
        format!("sqlite:///{}", db.display()),
    ] {
        let mut old = Dataset::open(&target, "reactor_monitoring").unwrap();
        assert_eq!(old.version(), None, "{target}: format 1 reads as version 0");
        assert_eq!(old.all_signals(), expected.all_signals());
        for signal in expected.iter() {
            for ts in signal.iter() {
                assert_eq!(
                    raw_values(&old, ts.name()),
                    meteaudata_e2e::float_values(ts),
                    "{target}: {}",
                    ts.name()
                );
            }
        }
        // The first save records the whole dataset as version 1.
        old.signal_mut("Temperature#1")
            .unwrap()
            .process(
                &["Temperature#1_RAW#1"],
                linear_interpolation(),
                ProcessOptions::default(),
            )
            .unwrap();
        assert_eq!(
            old.version(),
            Some(2),
            "{target}: the upgrade, then the step"
        );
        let upgraded = Dataset::open(&target, "reactor_monitoring").unwrap();
        assert_eq!(upgraded.all_signals(), expected.all_signals(), "{target}");
        assert!(
            upgraded
                .signal("Temperature#1")
                .unwrap()
                .all_time_series()
                .contains(&"Temperature#1_LIN-INT#2"),
            "{target}"
        );
        assert_eq!(
            raw_values(&upgraded, "AVERAGE#1_RESAMPLED#1"),
            raw_values(&expected, "AVERAGE#1_RESAMPLED#1")
        );
    }
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            copy_dir(&path, &to.join(entry.file_name()));
        } else {
            std::fs::copy(&path, to.join(entry.file_name())).unwrap();
        }
    }
}

#[test]
fn in_memory_handles_share_versions() {
    let backend = create_backend(&StorageConfig::for_memory()).unwrap();
    let mut a = Dataset::new("mem")
        .unwrap()
        .with_signals([workload::signal(10, 0)])
        .unwrap();
    a.set_backend(Arc::clone(&backend), true).unwrap();
    let log = VersionLog::new(&*backend, "mem").unwrap();
    assert_eq!(log.latest().unwrap(), 1);
    let mut b = Dataset::open_from(
        meteaudata::Attachment::new(Arc::clone(&backend), true, usize::MAX),
        "mem",
        false,
    )
    .unwrap();
    a.add(workload::signal(10, 1)).unwrap();
    b.add(workload::signal(10, 2)).unwrap();
    assert_eq!(log.latest().unwrap(), 3);
    assert_eq!(log.state(3).unwrap().signals.len(), 3);
}
