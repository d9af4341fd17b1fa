//! The `meteaudata` binary, end to end, on the fixtures meteaudata 0.12.1 for Python wrote.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn fixture_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/meteaudata-py-0.12.1/pandas-3.1.1/main")
}

fn expected() -> Value {
    let text = std::fs::read_to_string(fixture_dir().join("expected/archive.json")).unwrap();
    serde_json::from_str::<Value>(&text).unwrap()["dataset"].clone()
}

fn archive() -> String {
    fixture_dir()
        .join("archive/reactor_monitoring.zip")
        .display()
        .to_string()
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("meteaudata-cli-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_meteaudata"))
        .args(args)
        .output()
        .expect("the binary runs")
}

fn ok(args: &[&str]) -> String {
    let out = run(args);
    assert!(
        out.status.success(),
        "{args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Runs a command that must fail and returns its one line of error.
fn fails(args: &[&str]) -> String {
    let out = run(args);
    assert!(!out.status.success(), "{args:?} should fail");
    assert_eq!(out.status.code(), Some(1), "{args:?}: exit status");
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(
        stderr.lines().count(),
        1,
        "{args:?}: one line, got {stderr:?}"
    );
    assert!(stderr.starts_with("meteaudata: "), "{stderr}");
    assert!(
        !stderr.contains("panicked") && !stderr.contains("backtrace"),
        "{stderr}"
    );
    stderr.trim_end().to_owned()
}

/// The `series …` lines of an inspection (name, length, type, range, checksum).
fn series_lines(inspection: &str) -> Vec<String> {
    let mut lines: Vec<String> = inspection
        .lines()
        .map(str::trim)
        .filter(|l| l.starts_with("series "))
        .map(str::to_owned)
        .collect();
    lines.sort();
    lines
}

#[test]
fn inspect_lists_signals_series_lengths_ranges_and_steps() {
    let out = ok(&["inspect", &archive()]);
    let expected = expected();
    assert!(
        out.starts_with("dataset reactor_monitoring (4 signals)"),
        "{out}"
    );
    for (signal, s) in expected["signals"].as_object().unwrap() {
        let units = s["units"].as_str().unwrap();
        let count = s["time_series"].as_object().unwrap().len();
        assert!(
            out.contains(&format!("signal {signal} [{units}] ({count} series)")),
            "{signal}"
        );
        for (name, ts) in s["time_series"].as_object().unwrap() {
            let first = ts["first_timestamp"].as_str().unwrap().replace('T', " ");
            let last = ts["last_timestamp"].as_str().unwrap().replace('T', " ");
            let head = format!(
                "series {name}: {} points, {}, {first} .. {last}, md5 ",
                ts["length"],
                ts["values_dtype"].as_str().unwrap()
            );
            assert!(out.contains(&head), "{head}\n{out}");
        }
    }
    let steps = out
        .lines()
        .filter(|l| l.trim().starts_with("step "))
        .count() as u64;
    let recorded: u64 = expected["signals"]
        .as_object()
        .unwrap()
        .values()
        .flat_map(|s| s["time_series"].as_object().unwrap().values())
        .map(|t| t["processing_step_count"].as_u64().unwrap())
        .sum();
    assert_eq!(steps, recorded);
}

#[test]
fn convert_round_trips_through_parquet_and_sqlite_with_equal_checksums() {
    let dir = scratch("convert");
    let store = dir.join("store");
    let db = format!("sqlite:///{}", dir.join("copy.db").display());
    let back = dir.join("out/reactor_monitoring.zip");
    let original = series_lines(&ok(&["inspect", &archive()]));
    assert_eq!(original.len(), 13);

    ok(&["convert", &archive(), store.to_str().unwrap()]);
    assert_eq!(
        series_lines(&ok(&["inspect", store.to_str().unwrap()])),
        original
    );
    ok(&["convert", store.to_str().unwrap(), &db]);
    assert_eq!(series_lines(&ok(&["inspect", &db])), original);
    ok(&["convert", &db, back.to_str().unwrap()]);
    assert_eq!(
        series_lines(&ok(&["inspect", back.to_str().unwrap()])),
        original
    );

    // Converting onto a store that already holds the dataset changes nothing.
    let line = fails(&["convert", &archive(), store.to_str().unwrap()]);
    assert!(
        line.contains("already holds a dataset named \"reactor_monitoring\""),
        "{line}"
    );
    assert_eq!(
        series_lines(&ok(&["inspect", store.to_str().unwrap()])),
        original
    );
    // An archive must carry the dataset's name.
    let line = fails(&[
        "convert",
        &archive(),
        dir.join("other.zip").to_str().unwrap(),
    ]);
    assert!(line.contains("reactor_monitoring.zip"), "{line}");
}

#[test]
fn stores_written_by_python_are_read_too() {
    let disk = fixture_dir().join("disk/reactor_monitoring_store");
    let out = ok(&["inspect", disk.to_str().unwrap()]);
    assert!(
        out.contains("series Temperature#1_RAW#1: 72 points"),
        "{out}"
    );
    let sql = format!(
        "sqlite:///{}",
        fixture_dir().join("sql/reactor_monitoring.db").display()
    );
    let from_sql = ok(&["inspect", &sql]);
    assert_eq!(series_lines(&from_sql), series_lines(&out));
}

/// Every file under `dir` with its bytes, sorted by path.
fn snapshot(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            files.extend(snapshot(&path));
        } else {
            let bytes = std::fs::read(&path).unwrap();
            files.push((path, bytes));
        }
    }
    files.sort();
    files
}

#[test]
fn reading_a_store_never_writes_to_it() {
    let dir = scratch("read-only");
    let db = dir.join("sql/reactor_monitoring.db");
    let store = dir.join("disk/reactor_monitoring_store");
    std::fs::create_dir_all(db.parent().unwrap()).unwrap();
    std::fs::create_dir_all(&store).unwrap();
    std::fs::copy(fixture_dir().join("sql/reactor_monitoring.db"), &db).unwrap();
    for entry in std::fs::read_dir(fixture_dir().join("disk/reactor_monitoring_store")).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), store.join(entry.file_name())).unwrap();
    }
    // A store of ours, too.
    let ours = dir.join("ours");
    ok(&["convert", &archive(), ours.to_str().unwrap()]);
    let before = snapshot(&dir);
    let url = format!("sqlite:///{}", db.display());
    let out = dir.join("out");
    for source in [
        url.as_str(),
        store.to_str().unwrap(),
        ours.to_str().unwrap(),
    ] {
        ok(&["inspect", source]);
        ok(&[
            "convert",
            source,
            out.join("reactor_monitoring.zip").to_str().unwrap(),
        ]);
        ok(&[
            "plot",
            source,
            "Temperature#1_RAW#1",
            "-o",
            out.join("t.svg").to_str().unwrap(),
        ]);
        let _ = std::fs::remove_dir_all(&out);
    }
    let after = snapshot(&dir);
    assert_eq!(
        after.iter().map(|(p, _)| p).collect::<Vec<_>>(),
        before.iter().map(|(p, _)| p).collect::<Vec<_>>(),
        "no file added or removed"
    );
    for ((path, a), (_, b)) in before.iter().zip(&after) {
        assert!(a == b, "{} changed", path.display());
    }
}

#[test]
fn versions_tags_and_pruning() {
    let dir = scratch("versions");
    let store = dir.join("store");
    let store = store.to_str().unwrap();
    ok(&["convert", &archive(), store]);
    // A second copy of the dataset, saved through the library, is the next version.
    let mut again = <meteaudata::Dataset as meteaudata::archive::ArchiveExt>::load_archive(
        archive(),
        "reactor_monitoring",
    )
    .unwrap();
    meteaudata::StorageExt::use_disk_storage(&mut again, store).unwrap();
    let listing = ok(&["versions", store, "reactor_monitoring"]);
    let lines: Vec<&str> = listing.lines().collect();
    assert_eq!(lines.len(), 2, "{listing}");
    assert!(
        lines[0].trim_start().starts_with("1 ") && lines[0].contains("4 signals added"),
        "{listing}"
    );
    assert!(
        lines[1].trim_start().starts_with("2 ") && lines[1].contains("replace"),
        "{listing}"
    );
    assert!(
        ok(&["inspect", store]).starts_with("dataset reactor_monitoring (4 signals, version 2)")
    );
    ok(&["tag", store, "reactor_monitoring", "1", "imported"]);
    let line = fails(&["tag", store, "reactor_monitoring", "2", "imported"]);
    assert!(line.contains("imported"), "{line}");
    ok(&[
        "prune",
        store,
        "reactor_monitoring",
        "--keep-last",
        "1",
        "--grace",
        "0",
    ]);
    let listing = ok(&["versions", store, "reactor_monitoring"]);
    assert!(
        listing.lines().next().unwrap().contains("[imported]"),
        "tagged stays: {listing}"
    );
    assert_eq!(listing.lines().count(), 2);
    // Saying nothing about what to keep is a usage error (clap's status 2).
    let out = run(&["prune", store, "reactor_monitoring"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--keep-last"));
}

#[test]
fn plot_and_lineage_write_their_files() {
    let dir = scratch("plot");
    let html = dir.join("t.html");
    let svg = dir.join("t.svg");
    let source = archive();
    for out in [&html, &svg] {
        ok(&[
            "plot",
            &source,
            "Temperature#1_RAW#1",
            "Temperature#1_LIN-INT#1",
            "-o",
            out.to_str().unwrap(),
        ]);
    }
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(
        page.contains("\"name\":\"Temperature#1_RAW#1\""),
        "trace in the page"
    );
    assert!(page.contains("Plotly.newPlot"));
    let image = std::fs::read_to_string(&svg).unwrap();
    assert!(image.starts_with("<svg") && image.contains("Temperature#1_LIN-INT#1"));

    // Series of two signals: one panel per signal.
    let two = dir.join("two.json");
    ok(&[
        "plot",
        &archive(),
        "Temperature#1_RAW#1",
        "Conductivity#1_RAW#1",
        "--start",
        "2024-01-02",
        "-o",
        two.to_str().unwrap(),
    ]);
    let figure: Value = serde_json::from_str(&std::fs::read_to_string(&two).unwrap()).unwrap();
    assert_eq!(figure["data"].as_array().unwrap().len(), 2);
    assert!(
        figure["layout"]["yaxis2"]["title"]["text"]
            .as_str()
            .unwrap()
            .starts_with("Conductivity#1 Values")
    );

    let dot = dir.join("avg.dot");
    ok(&[
        "lineage",
        &archive(),
        "AVERAGE#1_RAW#1",
        "-o",
        dot.to_str().unwrap(),
    ]);
    let text = std::fs::read_to_string(&dot).unwrap();
    assert!(
        text.contains("\"Temperature#2_RESAMPLED#1\" -> \"AVERAGE#1_RAW#1\""),
        "{text}"
    );
    let full = dir.join("all.html");
    ok(&["lineage", &archive(), "-o", full.to_str().unwrap()]);
    let page = std::fs::read_to_string(&full).unwrap();
    assert_eq!(page.matches("<g class=\"node\"").count(), 13);
}

#[test]
fn bad_input_exits_with_one_clear_line() {
    let dir = scratch("bad");
    let line = fails(&["inspect", "/nonexistent/thing.zip"]);
    assert!(line.contains("/nonexistent/thing.zip"), "{line}");
    let line = fails(&["inspect", "foo://bucket/x"]);
    assert!(line.contains("foo"), "{line}");
    let corrupt = dir.join("reactor_monitoring.zip");
    std::fs::write(&corrupt, b"PK\x03\x04 this is not a zip archive").unwrap();
    let line = fails(&["inspect", corrupt.to_str().unwrap()]);
    assert!(line.contains("reactor_monitoring.zip"), "{line}");
    let line = fails(&["inspect", "sqlite:////nonexistent/dir/x.db"]);
    assert!(line.contains("does not exist"), "{line}");
    let line = fails(&["plot", &archive(), "Nope#1_RAW#1", "-o", "x.html"]);
    assert!(line.contains("Nope#1_RAW#1"), "{line}");
    let out = dir.join("x.png");
    let line = fails(&[
        "plot",
        &archive(),
        "Temperature#1_RAW#1",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(line.contains(".html, .svg or .json"), "{line}");
    assert!(!out.exists());
}

#[test]
fn demo_writes_a_store_an_archive_and_pages_that_agree() {
    let dir = scratch("demo");
    let out = ok(&["demo", dir.to_str().unwrap()]);
    assert!(out.contains("demo.zip"), "{out}");
    for file in ["demo.zip", "plot.html", "lineage.html"] {
        assert!(dir.join(file).is_file(), "{file}");
    }
    let store = series_lines(&ok(&["inspect", dir.join("store").to_str().unwrap()]));
    let zip = series_lines(&ok(&["inspect", dir.join("demo.zip").to_str().unwrap()]));
    assert_eq!(store, zip);
    assert_eq!(store.len(), 14);
    // Running it again replaces the store instead of failing.
    ok(&["demo", dir.to_str().unwrap()]);
    assert!(Path::new(&dir.join("store")).is_dir());
}

#[test]
fn append_from_csv_and_parquet_then_read_a_range() {
    use meteaudata::polars::prelude::*;
    use meteaudata::{DataProvenance, Signal, StorageExt, TimeSeries, date_range};
    let dir = scratch("append");
    let store = dir.join("store");
    let raw = TimeSeries::new(
        "RAW",
        date_range("2024-01-01", 100, "min").unwrap(),
        Series::new("v".into(), (0..100).map(f64::from).collect::<Vec<_>>()),
    )
    .unwrap();
    let mut ds = meteaudata::Dataset::new("plant")
        .unwrap()
        .with_signals([Signal::new("Flow", "l/s", DataProvenance::default(), [raw]).unwrap()])
        .unwrap();
    ds.use_disk_storage(&store).unwrap();
    let store = store.to_str().unwrap();
    let csv = dir.join("new.csv");
    std::fs::write(
        &csv,
        "time,flow\n2024-01-01 01:40:00,1.5\n2024-01-01 01:41:00,\n2024-01-01T01:42:00,3.5\n",
    )
    .unwrap();
    let csv = csv.to_str().unwrap();
    let out = run(&["append", store, "plant", "Flow#1_RAW#1", csv]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("appended 3 points to Flow#1_RAW#1: plant is now at version 2"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let range = |start: &str, end: &str| {
        ok(&[
            "inspect",
            store,
            "--series",
            "Flow#1_RAW#1",
            "--range",
            start,
            end,
        ])
    };
    assert_eq!(
        range("2024-01-01 01:39:00", "2024-01-01 01:42:00"),
        "index,values\n2024-01-01 01:39:00,99.0\n2024-01-01 01:40:00,1.5\n2024-01-01 01:41:00,\n"
    );
    // The same points again overlap: refused, naming the first label; replaced on request.
    let line = fails(&["append", store, "plant", "Flow#1_RAW#1", csv]);
    assert!(line.contains("2024-01-01 01:40:00"), "{line}");
    let parquet = dir.join("new.parquet");
    let mut frame = df!(
        "time" => ["2024-01-01 01:41:00", "2024-01-01 01:43:00"],
        "flow" => [7.0, 8.0],
    )
    .unwrap();
    ParquetWriter::new(std::fs::File::create(&parquet).unwrap())
        .finish(&mut frame)
        .unwrap();
    ok(&[
        "append",
        store,
        "plant",
        "Flow#1_RAW#1",
        parquet.to_str().unwrap(),
        "--replace",
    ]);
    assert_eq!(
        range("2024-01-01 01:40:00", "2024-01-01 02:00:00"),
        "index,values\n2024-01-01 01:40:00,1.5\n2024-01-01 01:41:00,7.0\n2024-01-01 01:43:00,8.0\n"
    );
    let listing = ok(&["versions", store, "plant"]);
    assert_eq!(listing.lines().count(), 3, "{listing}");
    let bad = dir.join("bad.csv");
    std::fs::write(&bad, "time,flow\nsoon,1.0\n").unwrap();
    let line = fails(&[
        "append",
        store,
        "plant",
        "Flow#1_RAW#1",
        bad.to_str().unwrap(),
    ]);
    assert!(line.contains("row 0") && line.contains("soon"), "{line}");
    let line = fails(&[
        "inspect",
        store,
        "--series",
        "Flow#1_RAW#1",
        "--range",
        "2024-01-02",
        "2024-01-01",
    ]);
    assert!(line.contains("after its end"), "{line}");
    assert_eq!(
        ok(&["versions", store, "plant"]).lines().count(),
        3,
        "nothing changed"
    );
}

#[test]
fn log_lines_carry_no_colour_codes_into_a_pipe() {
    let dir = scratch("log");
    let store = dir.join("store");
    let store = store.to_str().unwrap();
    ok(&["convert", &archive(), store]);
    let out = run(&["--log", "info", "inspect", store]);
    assert!(out.status.success());
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains("open_dataset"),
        "the spans are logged: {stderr}"
    );
    assert!(!stderr.contains('\u{1b}'), "no escape codes: {stderr:?}");

    // At `debug`, every backend call and the commit have spans of their own.
    let csv = dir.join("new.csv");
    std::fs::write(&csv, "time,value\n2024-01-04 00:00:00,1.0\n").unwrap();
    let out = run(&[
        "--log",
        "debug",
        "append",
        store,
        "reactor_monitoring",
        "Temperature#1_RAW#1",
        csv.to_str().unwrap(),
    ]);
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(out.status.success(), "{stderr}");
    for span in [
        "backend{op=\"load_document\"",
        "backend{op=\"save_object\" key=reactor_monitoring/Temperature#1/RAW#1.o",
        "backend{op=\"create_document\"",
        "commit{dataset=reactor_monitoring",
    ] {
        assert!(stderr.contains(span), "no span {span} in {stderr}");
    }

    // `process` names the function, its inputs and, as it closes, its outputs and duration.
    let out = run(&["--log", "info", "demo", dir.join("demo").to_str().unwrap()]);
    let demo = String::from_utf8(out.stderr).unwrap();
    assert!(
        demo.contains(
            "process{signal=CODs#1 function=resample inputs=[\"CODs#1_RAW#1\"] outputs=[\"CODs#1_RESAMPLED#1\"]}: meteaudata_core::signal: close time.busy="
        ),
        "{demo}"
    );
}

#[test]
fn verify_reproduces_the_demo_and_python_and_refresh_follows_an_append() {
    let dir = scratch("verify");
    let demo = dir.join("demo");
    ok(&["demo", demo.to_str().unwrap()]);
    let store = demo.join("store");
    let store = store.to_str().unwrap();
    // Every derived series of the demo (10) and of the dataset Python wrote (10) is made again.
    for source in [store, &archive()] {
        let report = ok(&["verify", source]);
        assert!(
            report.starts_with("10 derived series (values within abs 1e-9, rel 1e-12): 10 reproduced, 0 differ, 0 not replayable"),
            "{report}"
        );
        assert_eq!(
            report
                .lines()
                .filter(|l| l.ends_with(": reproduced"))
                .count(),
            10,
            "{report}"
        );
    }

    // New raw points make the series computed from them stale, in `inspect`'s tree.
    let csv = dir.join("day.csv");
    std::fs::write(
        &csv,
        "time,value\n2024-03-02 00:00:00,20.5\n2024-03-02 00:10:00,\n2024-03-02 00:20:00,21.5\n",
    )
    .unwrap();
    ok(&[
        "append",
        store,
        "demo",
        "Temperature#1_RAW#1",
        csv.to_str().unwrap(),
    ]);
    let tree = ok(&["inspect", store]);
    let stale: Vec<&str> = tree
        .lines()
        .filter(|l| l.ends_with("(stale)"))
        .map(|l| l.split_whitespace().nth(1).unwrap().trim_end_matches(':'))
        .collect();
    assert_eq!(
        stale,
        [
            "Temperature#1_RESAMPLED#1",
            "Temperature#1_LIN-INT#1",
            "AVERAGE#1_RAW#1"
        ],
        "what is computed from the new points, directly or not, is stale:\n{tree}"
    );
    let text = ok(&["inspect", store, "--metadata", "3"]);
    assert!(
        text.contains("replay: stale (Temperature#1_RAW#1 changed)"),
        "{text}"
    );
    assert!(
        text.contains("replay: stale (Temperature#1_RESAMPLED#1 is stale)"),
        "{text}"
    );

    // One refresh recomputes the three dependants (the 30-minute bins from the one holding
    // the new points, the interpolation from the last value before them) as one version.
    let out = run(&["refresh", store, "demo"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "Temperature#1_RESAMPLED#1: recomputed from 2024-03-01 23:30:00\n\
         Temperature#1_LIN-INT#1: recomputed from 2024-03-01 23:00:00\n\
         AVERAGE#1_RAW#1: recomputed whole\n"
    );
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("refreshed 3 series: demo is at version 3"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!ok(&["inspect", store]).contains("(stale)"));
    assert!(ok(&["verify", store]).contains(": 10 reproduced, 0 differ"));
    // Nothing left to do: no new version.
    let again = run(&["refresh", store, "demo"]);
    assert!(
        String::from_utf8_lossy(&again.stderr).contains("refreshed 0 series: demo is at version 3")
    );
}

#[test]
fn verify_names_what_differs_and_fails() {
    use meteaudata::polars::prelude::*;
    use meteaudata::{DatasetOpen, Label};
    let dir = scratch("verify-differs");
    let store = dir.join("store");
    ok(&["convert", &archive(), store.to_str().unwrap()]);
    // Edit one stored value of an interpolated series, as a careless hand would.
    let mut ds = meteaudata::Dataset::open(store.to_str().unwrap(), "reactor_monitoring").unwrap();
    let at = chrono::NaiveDate::from_ymd_opt(2024, 1, 1)
        .unwrap()
        .and_hms_opt(5, 0, 0)
        .unwrap();
    let ts = ds
        .signal("Temperature#1")
        .unwrap()
        .time_series("Temperature#1_LIN-INT#1")
        .unwrap();
    let old = ts.read_range(at, at + chrono::TimeDelta::hours(1)).unwrap();
    let old = old.column("values").unwrap().f64().unwrap().get(0).unwrap();
    let index = Series::new("i".into(), [at])
        .cast(ts.index_data_type())
        .unwrap();
    ds.signal_mut("Temperature#1")
        .unwrap()
        .update(
            "Temperature#1_LIN-INT#1",
            Label::from(at),
            Label::from(at + chrono::TimeDelta::hours(1)),
            index,
            Series::new("v".into(), [old + 0.25]),
        )
        .unwrap();
    ds.save_all().unwrap();
    let out = run(&["verify", store.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(
        report.contains(
            "Temperature#1_LIN-INT#1: differs: the values differ; first at 2024-01-01 05:00:00; largest difference 0.25"
        ),
        "{report}"
    );
    // Downstream series are made from the history, not from the edited value: they still
    // reproduce, so the report points at the one place that changed.
    assert!(report.contains("9 reproduced, 1 differ"), "{report}");
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("1 of 10 derived series of reactor_monitoring are not reproduced"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The demo's pages, and its dataset drawn as SVG, are readable in Chromium: texts at least
/// 10 px high in a 1280 x 800 window, none overlapping (screenshots kept beside the pages).
#[test]
fn the_demo_pages_are_readable_in_chromium() {
    use meteaudata_e2e::browser::{assert_readable, chromium, svg_page};
    let Some(browser) = chromium() else { return };
    let dir = scratch("demo-pages");
    ok(&["demo", dir.to_str().unwrap()]);
    let shots = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("screenshots/demo");
    for page in ["plot", "lineage"] {
        let html = std::fs::read_to_string(dir.join(format!("{page}.html"))).unwrap();
        assert_readable(&browser, &html, &shots, page);
    }
    let store = dir.join("store");
    let tree = ok(&["inspect", store.to_str().unwrap()]);
    let series: Vec<&str> = tree
        .lines()
        .filter_map(|l| l.trim().strip_prefix("series "))
        .map(|l| l.split(':').next().unwrap())
        .collect();
    assert_eq!(series.len(), 14);
    let svg = dir.join("dataset.svg");
    let mut args = vec!["plot", store.to_str().unwrap()];
    args.extend(&series);
    args.extend(["-o", svg.to_str().unwrap()]);
    ok(&args);
    let svg = std::fs::read_to_string(&svg).unwrap();
    assert_readable(&browser, &svg_page(&svg), &shots, "dataset-svg");
}
