//! Datasets on a Parquet directory through the facade: reopen from the directory alone,
//! memory released to the budget, and clear errors for damaged stores.

use meteaudata::prelude::*;
use meteaudata::storage::StorageError;
use meteaudata_e2e::env::scratch;
use meteaudata_e2e::workload;

fn processed(dir: &std::path::Path) -> Dataset {
    let mut ds = Dataset::new("plant")
        .unwrap()
        .with_description("réacteur — l'eau")
        .with_signals([workload::signal(5_000, 0), workload::signal(5_000, 1)])
        .unwrap();
    ds.use_disk_storage(dir).unwrap();
    for s in ["S0#1", "S1#1"] {
        let signal = ds.signal_mut(s).unwrap();
        signal
            .process(
                &[&format!("{s}_RAW#1")],
                linear_interpolation(),
                ProcessOptions::default(),
            )
            .unwrap();
        signal
            .process(
                &[&format!("{s}_LIN-INT#1")],
                resample("15min"),
                ProcessOptions::default(),
            )
            .unwrap();
    }
    ds.process(
        &["S0#1_RESAMPLED#1", "S1#1_RESAMPLED#1"],
        average_signals(None, true),
        DatasetProcessOptions::default(),
    )
    .unwrap();
    ds
}

#[test]
fn a_dataset_reopens_from_its_directory() {
    let dir = scratch("reopen");
    let ds = processed(&dir);
    let reopened = Dataset::open(dir.to_str().unwrap(), "plant").unwrap();
    assert_eq!(reopened.all_signals(), ["S0#1", "S1#1", "AVERAGE#1"]);
    for signal in ds.iter() {
        let other = reopened.signal(signal.name()).unwrap();
        assert_eq!(other.units(), signal.units());
        assert_eq!(other.all_time_series(), signal.all_time_series());
        for ts in signal.iter() {
            let back = other.time_series(ts.name()).unwrap();
            assert!(!back.is_resident(), "opened lazily");
            assert_eq!(back, ts, "{}", ts.name());
            assert_eq!(back.index_metadata(), ts.index_metadata());
        }
    }
    assert_eq!(reopened, ds);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn save_all_reports_each_signal_it_writes() {
    let dir = scratch("progress");
    let mut ds = Dataset::new("plant")
        .unwrap()
        .with_signals([workload::signal(100, 0), workload::signal(100, 1)])
        .unwrap();
    ds.use_disk_storage_with(&dir, false).unwrap();
    let mut calls = Vec::new();
    ds.save_all_reporting(|signal, done, total| calls.push((signal.to_owned(), done, total)))
        .unwrap();
    assert_eq!(
        calls,
        [("S0#1".to_owned(), 1, 2), ("S1#1".to_owned(), 2, 2)]
    );
    let reopened = Dataset::open(dir.to_str().unwrap(), "plant").unwrap();
    assert_eq!(reopened.all_signals(), ["S0#1", "S1#1"]);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn saving_releases_memory_down_to_the_budget() {
    let dir = scratch("budget");
    let mut ds = Dataset::new("big")
        .unwrap()
        .with_signals((0..4).map(|s| workload::signal(200_000, s)))
        .unwrap();
    let all = ds.resident_bytes();
    let budget = all / 4;
    ds.use_config(
        &StorageConfig::for_disk(&dir)
            .memory_budget(budget)
            .auto_save(false),
    )
    .unwrap();
    ds.save_all().unwrap();
    assert!(
        ds.resident_bytes() <= budget,
        "{} resident > budget {budget}",
        ds.resident_bytes()
    );
    let series = ds
        .signal("S0#1")
        .unwrap()
        .time_series("S0#1_RAW#1")
        .unwrap();
    assert!(!series.is_resident());
    let expected = workload::checksum(&workload::values(200_000, 0));
    let got = workload::checksum(&meteaudata_e2e::float_values(series));
    assert_eq!(got, expected, "reloaded values are the same");
    let _ = std::fs::remove_dir_all(&dir);
}

/// The one data object of series `series` (as its file names spell it, e.g. `RAW%231`) in
/// `dir` (a signal's folder of a local store).
fn object_in(dir: &std::path::Path, series: &str) -> std::path::PathBuf {
    let prefix = format!("{series}.o");
    let objects: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("layout: {}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "parquet"))
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_str()
                .unwrap()
                .starts_with(&prefix)
        })
        .collect();
    assert_eq!(objects.len(), 1, "layout: {objects:?}");
    objects[0].clone()
}

#[test]
fn damaged_objects_are_named_and_leave_the_rest_alone() {
    let dir = scratch("damaged");
    processed(&dir);
    let signal_dir = dir.join("plant").join("S0%231");
    let raw0 = object_in(&signal_dir, "RAW%231");
    std::fs::write(&raw0, b"not parquet at all").unwrap();
    let lin = object_in(&signal_dir, "LIN-INT%231");
    let bytes = std::fs::read(&lin).unwrap();
    std::fs::write(&lin, &bytes[..bytes.len() / 2]).unwrap();

    // Opening reads the version's manifest only; the damage shows when the data is read,
    // as an error naming the object.
    let reopened = Dataset::open(dir.to_str().unwrap(), "plant").unwrap();
    let signal = reopened.signal("S0#1").unwrap();
    for (series, file) in [("S0#1_RAW#1", &raw0), ("S0#1_LIN-INT#1", &lin)] {
        let err = signal.time_series(series).unwrap().data().unwrap_err();
        let text = err.to_string();
        let object = file.file_stem().unwrap().to_str().unwrap();
        assert!(text.contains(object), "{series}: names the object: {text}");
        assert!(
            matches!(
                err,
                meteaudata::Error::Storage(StorageError::Corrupt { .. })
            ),
            "{err:?}"
        );
    }
    // The untouched signal still loads.
    let mut other = reopened.signal("S1#1").unwrap().clone();
    other.load_all().unwrap();
    assert_eq!(other.len(), 3);

    // A damaged commit is named too.
    let log = dir.join("plant").join("_log");
    let first = std::fs::read_dir(&log)
        .unwrap()
        .map(|e| e.unwrap().path())
        .min()
        .unwrap();
    std::fs::write(&first, b"{ not json").unwrap();
    let err = Dataset::open(dir.to_str().unwrap(), "plant").unwrap_err();
    assert!(
        err.to_string().contains("plant/_log/") && err.to_string().contains("not a version"),
        "{err}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_file_where_a_directory_should_be_is_refused() {
    let file = scratch("a-file");
    std::fs::write(&file, b"x").unwrap();
    let mut ds = Dataset::new("d").unwrap();
    let err = ds.use_disk_storage(&file).unwrap_err();
    assert!(
        err.to_string().contains("is a file, not a directory"),
        "{err}"
    );
    assert!(ds.storage().is_none(), "nothing attached");
    assert_eq!(std::fs::read(&file).unwrap(), b"x", "the file is untouched");
    let _ = std::fs::remove_file(&file);
}

#[test]
fn a_free_standing_series_saves_releases_and_reloads() {
    let dir = scratch("series");
    let mut ts = workload::series(50_000, 2);
    let expected = workload::checksum(&meteaudata_e2e::float_values(&ts));
    ts.use_config(&StorageConfig::for_disk(&dir).memory_budget(0))
        .unwrap();
    assert!(!ts.is_resident(), "saved and released at once (budget 0)");
    assert_eq!(ts.storage_key().unwrap().to_string(), "default/RAW");
    ts.load_all().unwrap();
    assert!(ts.is_resident());
    assert_eq!(
        workload::checksum(&meteaudata_e2e::float_values(&ts)),
        expected
    );
    let err = workload::series(10, 0).save_all().unwrap_err();
    assert!(err.to_string().contains("no storage backend"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// The error and its causes, as one line.
fn chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut cause = err.source();
    while let Some(c) = cause {
        text.push_str(": ");
        text.push_str(&c.to_string());
        cause = c.source();
    }
    text
}

fn set_mode(path: &std::path::Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// The checks of [`a_directory_without_permission_is_a_clear_error`], in a process whose
/// permission bits apply.
fn permission_checks(dir: &std::path::Path) {
    // A store whose signal directory became read-only: the next save fails naming the
    // object, and what was stored stays loadable.
    let mut ds = processed(dir);
    let signal_name = ds.all_signals()[0].to_owned();
    let signal_dir = dir.join("plant").join(signal_name.replace('#', "%23"));
    set_mode(&signal_dir, 0o555);
    let err = ds
        .signal_mut(&signal_name)
        .unwrap()
        .process(
            &[&format!("{signal_name}_RAW#1")],
            resample("1h"),
            ProcessOptions::default(),
        )
        .unwrap_err();
    let text = chain(&err);
    assert!(
        text.contains("RESAMPLED#2") && text.contains(dir.to_str().unwrap()),
        "{text}"
    );
    assert!(text.to_lowercase().contains("permission denied"), "{text}");
    set_mode(&signal_dir, 0o755);
    let reopened = Dataset::open(dir.to_str().unwrap(), "plant").unwrap();
    assert_eq!(reopened.all_signals(), ds.all_signals());
    let stored = reopened.signal(&signal_name).unwrap();
    assert!(
        !stored
            .all_time_series()
            .contains(&format!("{signal_name}_RESAMPLED#2").as_str()),
        "the failed step left nothing half-written"
    );
    for ts in stored.iter() {
        assert_eq!(ts.data().unwrap().height(), ts.len(), "{} loads", ts.name());
    }

    // A directory that cannot be read or written at all.
    let locked = dir.join("locked");
    std::fs::create_dir_all(&locked).unwrap();
    set_mode(&locked, 0o000);
    let mut fresh = Dataset::new("plant").unwrap();
    fresh.add(workload::signal(100, 0)).unwrap();
    let err = fresh.use_disk_storage(&locked).unwrap_err();
    let text = chain(&err);
    assert!(
        text.contains(locked.to_str().unwrap()),
        "names the directory: {text}"
    );
    assert!(text.to_lowercase().contains("permission denied"), "{text}");
    assert!(fresh.storage().is_none(), "the dataset stays in memory");
    let err = Dataset::open(locked.to_str().unwrap(), "plant").unwrap_err();
    assert!(
        chain(&err).to_lowercase().contains("permission denied"),
        "{}",
        chain(&err)
    );
    set_mode(&locked, 0o755);
}

#[test]
fn a_directory_without_permission_is_a_clear_error() {
    const CHILD: &str = "METEAUDATA_PERMISSION_CHECKS";
    if let Ok(dir) = std::env::var(CHILD) {
        permission_checks(std::path::Path::new(&dir));
        return;
    }
    let dir = scratch("permissions");
    let root = std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .any(|l| l.starts_with("Uid:") && l.split_whitespace().nth(1) == Some("0"));
    if !root {
        permission_checks(&dir);
    } else {
        // Root bypasses permission bits; rerun this test in a child without the capabilities
        // that do (util-linux's setpriv).
        let status = std::process::Command::new("setpriv")
            .args(["--bounding-set=-dac_override,-dac_read_search", "--"])
            .arg(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "a_directory_without_permission_is_a_clear_error",
                "--nocapture",
            ])
            .env(CHILD, &dir)
            .status();
        match status {
            Ok(status) => assert!(
                status.success(),
                "the permission checks failed in the child"
            ),
            Err(e) if std::env::var("CI").is_ok_and(|v| v == "true") => {
                panic!("setpriv is needed to test permissions as root: {e}")
            }
            Err(e) => eprintln!("skipped: running as root without setpriv: {e}"),
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}
