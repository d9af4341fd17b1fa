//! A local store written by this library is readable without it: polars and DuckDB read the
//! Parquet objects of a series directly and find the same labels and values (the index is a
//! real column, delta-encoded; the layout is in `docs/storage.md`).

use std::process::Command;

use meteaudata::polars::prelude::*;
use meteaudata::prelude::*;
use meteaudata_e2e::env::{files_under, in_ci, python, scratch};
use meteaudata_e2e::workload;

/// A store with one series of 300,000 points (three chunks, nulls included) and the paths of
/// that series' objects.
fn store(name: &str) -> (std::path::PathBuf, Vec<std::path::PathBuf>, TimeSeries) {
    let dir = scratch(name);
    let mut ds = Dataset::new("plant")
        .unwrap()
        .with_signals([workload::signal(300_000, 0)])
        .unwrap();
    ds.use_disk_storage(&dir).unwrap();
    let series = ds
        .signal("S0#1")
        .unwrap()
        .time_series("S0#1_RAW#1")
        .unwrap()
        .clone();
    let objects: Vec<_> = files_under(&dir)
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "parquet"))
        .collect();
    assert_eq!(objects.len(), 3);
    (dir, objects, series)
}

#[test]
fn polars_reads_the_objects_directly() {
    let (_dir, objects, series) = store("external-polars");
    let scans: Vec<LazyFrame> = objects
        .iter()
        .map(|p| {
            LazyFrame::scan_parquet(
                PlRefPath::try_from_path(p).unwrap(),
                ScanArgsParquet::default(),
            )
            .unwrap()
        })
        .collect();
    let read = concat(scans, UnionArgs::default())
        .unwrap()
        .sort(["index"], Default::default())
        .collect()
        .unwrap();
    assert_eq!(read.get_column_names(), ["index", "values"]);
    assert!(read.equals_missing(&series.data().unwrap()));
}

#[test]
fn duckdb_reads_the_objects_directly() {
    let Some(python) = python() else { return };
    let has_duckdb = Command::new(&python)
        .args(["-c", "import duckdb"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !has_duckdb {
        assert!(
            !in_ci(),
            "duckdb is required under CI (.ci/run installs it)"
        );
        eprintln!("skipped: {} cannot import duckdb", python.display());
        return;
    }
    let (_dir, objects, series) = store("external-duckdb");
    let files: Vec<String> = objects
        .iter()
        .map(|p| format!("'{}'", p.display()))
        .collect();
    let query = format!(
        "SELECT count(*), count(\"values\"), epoch_ns(min(\"index\")), epoch_ns(max(\"index\")), \
         round(sum(\"values\"), 6) FROM read_parquet([{}])",
        files.join(", ")
    );
    let out = Command::new(&python)
        .args([
            "-c",
            &format!("import duckdb; print(*duckdb.connect().execute(\"\"\"{query}\"\"\").fetchone(), sep=',')"),
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let got = String::from_utf8(out.stdout).unwrap();
    let data = series.data().unwrap();
    let ticks = data
        .column("index")
        .unwrap()
        .as_materialized_series()
        .to_physical_repr();
    let ticks = ticks.i64().unwrap();
    let values = data.column("values").unwrap().f64().unwrap();
    let expected = format!(
        "{},{},{},{},{}",
        data.height(),
        values.len() - values.null_count(),
        ticks.min().unwrap(),
        ticks.max().unwrap(),
        (values.sum().unwrap() * 1e6).round() / 1e6
    );
    assert_eq!(got.trim(), expected);
}
