//! Stores left by meteaudata 0.12.1 for Python's disk and SQL backends import with every
//! series, its index and its history; bad stores give errors naming the culprit.

use meteaudata::archive::ArchiveError;
use meteaudata::prelude::*;
use meteaudata::python::{import_disk_store, import_sql};
use meteaudata_e2e::*;
use serde_json::Value;

/// Checks one imported dataset against `expected/<file>` of a fixture set.
fn check(context: &str, datasets: &[Dataset], expected: &Value) -> usize {
    let want = &expected["dataset"];
    assert_eq!(datasets.len(), 1, "{context}: one dataset");
    let ds = &datasets[0];
    assert_eq!(ds.name(), want["name"].as_str().unwrap(), "{context}: name");
    let signals = sorted_strings(&want["signal_names"]);
    assert_eq!(ds.all_signals(), signals, "{context}: signals");
    let mut checked = 0;
    for signal in ds.iter() {
        let want_signal = &want["signals"][signal.name()];
        let names = sorted_strings(&want_signal["time_series_names"]);
        assert_eq!(signal.all_time_series(), names, "{context}: series");
        for name in names {
            let want_ts = &want_signal["time_series"][name];
            let ts = signal.time_series(name).unwrap();
            let c = format!("{context}/{name}");
            assert_matches_fixture(&c, ts, want_ts);
            assert_eq!(
                ts.metadata_id(),
                want_ts["metadata_id"].as_str(),
                "{c}: metadata_id"
            );
            assert_eq!(
                ts.created_on().format("%Y-%m-%dT%H:%M:%S%.6f").to_string(),
                want_ts["created_on"].as_str().unwrap(),
                "{c}: created_on"
            );
            checked += 1;
        }
        // Python copies the provenance's metadata_id onto RAW series; it comes back.
        assert_eq!(
            signal.provenance().metadata_id,
            want_signal["provenance"]["metadata_id"]
                .as_str()
                .map(str::to_owned),
            "{context}/{}: provenance id",
            signal.name()
        );
    }
    checked
}

#[test]
fn python_disk_stores_import_with_every_series() {
    let mut checked = 0;
    for pandas in PANDAS_VERSIONS {
        for set in SETS {
            let expected = expected(pandas, set, "disk.json");
            let dir = fixtures_root()
                .join(pandas)
                .join(set)
                .join(expected["directory"].as_str().unwrap());
            let datasets = import_disk_store(&dir).unwrap();
            checked += check(&format!("{pandas}/{set}/disk"), &datasets, &expected);
        }
    }
    assert_eq!(checked, 2 * (13 + 8), "every series of both sets, twice");
}

#[test]
fn python_sqlite_files_import_with_every_series() {
    let mut checked = 0;
    for pandas in PANDAS_VERSIONS {
        for set in SETS {
            let expected = expected(pandas, set, "sql.json");
            let dir = fixtures_root().join(pandas).join(set).join("sql");
            let file = std::fs::read_dir(&dir)
                .unwrap()
                .map(|e| e.unwrap().path())
                .find(|p| p.extension().is_some_and(|x| x == "db"))
                .unwrap();
            let before = std::fs::read(&file).unwrap();
            let datasets = import_sql(&format!("sqlite:///{}", file.display())).unwrap();
            checked += check(&format!("{pandas}/{set}/sql"), &datasets, &expected);
            assert_eq!(
                std::fs::read(&file).unwrap(),
                before,
                "the file is untouched"
            );
        }
    }
    assert_eq!(checked, 2 * (13 + 8), "every series of both sets, twice");
}

#[test]
fn imported_datasets_save_to_our_stores_and_reopen() {
    let dir = fixtures_root().join("pandas-3.1.1/main/disk/reactor_monitoring_store");
    let mut ds = import_disk_store(&dir).unwrap().remove(0);
    let target = std::env::temp_dir().join(format!("md-py-import-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&target);
    ds.use_disk_storage(&target).unwrap();
    ds.save_all().unwrap();
    let reopened = Dataset::open(target.to_str().unwrap(), "reactor_monitoring").unwrap();
    assert_eq!(reopened.all_signals(), ds.all_signals());
    let a = reopened
        .signal("Temperature#1")
        .unwrap()
        .time_series("Temperature#1_SLICE#1")
        .unwrap();
    let b = ds
        .signal("Temperature#1")
        .unwrap()
        .time_series("Temperature#1_SLICE#1")
        .unwrap();
    assert_eq!(float_values(a), float_values(b));
    assert_eq!(a.processing_steps(), b.processing_steps());
    std::fs::remove_dir_all(&target).unwrap();
}

fn scratch(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("md-py-bad-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn broken_python_stores_are_errors_naming_the_file() {
    let source = fixtures_root().join("pandas-3.1.1/edge/disk/edge_cases_store");
    let copy = |dir: &std::path::Path| {
        for entry in std::fs::read_dir(&source).unwrap() {
            let path = entry.unwrap().path();
            std::fs::copy(&path, dir.join(path.file_name().unwrap())).unwrap();
        }
    };
    // Missing metadata file.
    let dir = scratch("missing");
    copy(&dir);
    std::fs::remove_file(dir.join("edge_cases_Counter#1_RAW#1_meta.yaml")).unwrap();
    match import_disk_store(&dir).unwrap_err() {
        ArchiveError::Missing { entry, .. } => {
            assert_eq!(entry, "edge_cases_Counter#1_RAW#1_meta.yaml")
        }
        other => panic!("expected Missing, got {other}"),
    }
    // Truncated Parquet.
    let dir = scratch("truncated");
    copy(&dir);
    let victim = dir.join("edge_cases_UtcTemp#1_RAW#1.parquet");
    let bytes = std::fs::read(&victim).unwrap();
    std::fs::write(&victim, &bytes[..bytes.len() / 2]).unwrap();
    let err = import_disk_store(&dir).unwrap_err().to_string();
    assert!(err.contains("edge_cases_UtcTemp#1_RAW#1.parquet"), "{err}");
    // A file where the directory should be, and a SQLite file that is not Python's.
    let err = import_disk_store(victim).unwrap_err().to_string();
    assert!(err.contains("not a directory"), "{err}");
    let db = scratch("sql").join("other.db");
    std::fs::write(&db, b"").unwrap();
    let err = import_sql(&format!("sqlite:///{}", db.display())).unwrap_err();
    let text = format!("{err}: {:?}", std::error::Error::source(&err));
    assert!(text.contains("time_series_metadata"), "{text}");
}
