//! Replay: the recorded histories re-run. Datasets written by meteaudata 0.12.1 for Python
//! verify as reproduced; a refresh after an append gives exactly the numbers of a whole
//! re-run, incrementally, as one version; stale series are marked in every view.

use meteaudata::archive::ArchiveExt;
use meteaudata::plot::LineageRender;
use meteaudata::polars::prelude::*;
use meteaudata::prelude::*;
use meteaudata::python::{import_disk_store, import_sql};
use meteaudata::replay::{Outcome, ReplayState};
use meteaudata_e2e::*;

/// The number of series with a history in a fixture's expected dataset.
fn derived_count(expected: &serde_json::Value) -> usize {
    expected["dataset"]["signals"]
        .as_object()
        .unwrap()
        .values()
        .flat_map(|s| s["time_series"].as_object().unwrap().values())
        .filter(|ts| ts["processing_step_count"].as_u64().unwrap() > 0)
        .count()
}

#[test]
fn every_history_python_wrote_verifies_as_reproduced() {
    let registry = registry();
    let mut verified = 0;
    for pandas in PANDAS_VERSIONS {
        for set in SETS {
            let expected = expected(pandas, set, "archive.json");
            let name = expected["dataset"]["name"].as_str().unwrap().to_owned();
            let root = fixtures_root().join(pandas).join(set);
            let sql = std::fs::read_dir(root.join("sql"))
                .unwrap()
                .map(|e| e.unwrap().path())
                .find(|p| p.extension().is_some_and(|x| x == "db"))
                .unwrap();
            let sources = [
                (
                    "archive",
                    Dataset::load_archive(root.join(format!("archive/{name}.zip")), &name).unwrap(),
                ),
                (
                    "disk",
                    import_disk_store(root.join(format!("disk/{name}_store")))
                        .unwrap()
                        .remove(0),
                ),
                (
                    "sql",
                    import_sql(&format!("sqlite:///{}", sql.display()))
                        .unwrap()
                        .remove(0),
                ),
            ];
            for (kind, mut dataset) in sources {
                let report = dataset.verify(&registry, Tolerance::default());
                let context = format!("{pandas}/{set}/{kind}");
                assert_eq!(
                    report.series.len(),
                    derived_count(&expected),
                    "{context}: every derived series is verified\n{report}"
                );
                assert!(report.all_reproduced(), "{context}:\n{report}");
                verified += report.series.len();
            }
        }
    }
    assert_eq!(verified, 2 * 3 * (10 + 2));
}

/// A one-minute RAW series of `n` points from 2024-01-01 whose values have runs of missing
/// points, from a seeded generator (`tail_missing` missing points at the end).
fn raw(n: usize, seed: u64, first: usize, tail_missing: usize) -> (Series, Series) {
    let mut state = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
    let mut next = move || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        state >> 33
    };
    let mut values = Vec::with_capacity(n);
    while values.len() < n {
        if next() % 50 == 0 {
            let run = (next() % 90) as usize;
            values.extend(std::iter::repeat_n(None, run.min(n - values.len())));
        } else {
            values.push(Some((next() % 10_000) as f64 / 7.0));
        }
    }
    for v in values.iter_mut().rev().take(tail_missing) {
        *v = None;
    }
    let start = 1_704_067_200_000_000_000i64; // 2024-01-01T00:00:00
    let index = Int64Chunked::from_vec(
        "t".into(),
        (first..first + n)
            .map(|i| start + i as i64 * 60_000_000_000)
            .collect(),
    )
    .into_datetime(TimeUnit::Nanoseconds, None)
    .into_series();
    (index, Series::new("v".into(), values))
}

/// A dataset with one signal `F#1`: RAW, RAW resampled to `frequency`, then interpolated.
fn cleaned(index: Series, values: Series, frequency: &str) -> anyhow::Result<Dataset> {
    let raw = TimeSeries::new("RAW", index, values)?;
    let mut ds = Dataset::new("plant")?.with_signals([Signal::new(
        "F",
        "l/s",
        DataProvenance::default(),
        [raw],
    )?])?;
    let signal = ds.signal_mut("F#1")?;
    signal.process(
        &["F#1_RAW#1"],
        resample(frequency),
        ProcessOptions::default(),
    )?;
    signal.process(
        &["F#1_RESAMPLED#1"],
        linear_interpolation(),
        ProcessOptions::default(),
    )?;
    Ok(ds)
}

fn frame(ds: &Dataset, series: &str) -> DataFrame {
    ds.signal("F#1")
        .unwrap()
        .time_series(series)
        .unwrap()
        .data()
        .unwrap()
}

fn scratch(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("md-replay-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

#[test]
fn refresh_after_appends_gives_the_numbers_of_a_whole_rerun() -> anyhow::Result<()> {
    // (points, seed, points appended, missing at the end before, missing at the end after,
    // gap in minutes before the new points, frequency). The largest spans several stored
    // chunks; 7 minutes does not divide a day, so bins do not restart at midnight.
    let cases = [
        (3_000, 1, 500, 0, 0, 0, "15min"),
        (3_000, 2, 37, 40, 0, 0, "7min"),
        (5_000, 3, 1_440, 0, 30, 200, "h"),
        (2_000, 4, 3, 17, 3, 0, "15min"),
        (300_000, 5, 1_440, 5, 0, 0, "15min"),
    ];
    for (n, seed, added, missing_before, missing_after, gap, frequency) in cases {
        let context = format!("{n} points, seed {seed}, +{added} at {frequency}");
        let store = scratch(&format!("refresh-{seed}"));
        let (index, values) = raw(n, seed, 0, missing_before);
        let mut ds = cleaned(index, values, frequency)?;
        ds.use_disk_storage(&store)?;
        let before = ds.version().unwrap();
        let (new_index, new_values) = raw(added, seed + 100, n + gap, missing_after);
        ds.signal_mut("F#1")?.append(
            "F#1_RAW#1",
            new_index.clone(),
            new_values.clone(),
            Overlap::Error,
        )?;
        assert_eq!(
            ds.replay_state("F#1_LIN-INT#1")?,
            Some(ReplayState::Stale),
            "{context}"
        );

        let report = ds.refresh(&registry(), RefreshOptions::default())?;
        let names: Vec<_> = report.refreshed.iter().map(|r| r.series.as_str()).collect();
        assert_eq!(names, ["F#1_RESAMPLED#1", "F#1_LIN-INT#1"], "{context}");
        assert!(
            report.refreshed.iter().all(|r| r.from.is_some()),
            "{context}: incremental: {report:?}"
        );
        assert_eq!(
            ds.version().unwrap(),
            before + 2,
            "{context}: the append, then the refresh, one version each"
        );

        // The numbers of the steps run from scratch on all the points.
        let (index, values) = raw(n, seed, 0, missing_before);
        let mut index = index;
        let mut values = values;
        index.append(&new_index)?;
        values.append(&new_values)?;
        let whole = cleaned(index, values, frequency)?;
        let reopened = Dataset::open(store.to_str().unwrap(), "plant")?;
        for series in ["F#1_RESAMPLED#1", "F#1_LIN-INT#1"] {
            let want = frame(&whole, series);
            for (what, got) in [
                ("refreshed", frame(&ds, series)),
                ("reopened", frame(&reopened, series)),
            ] {
                assert!(
                    got.equals_missing(&want),
                    "{context}: {what} {series} differs from a whole re-run:\n{got}\n{want}"
                );
            }
        }
        assert_eq!(reopened.replay_state("F#1_LIN-INT#1")?, None, "{context}");
        let ts = reopened.signal("F#1")?.time_series("F#1_LIN-INT#1")?;
        assert_eq!(
            ts.refreshes().len(),
            1,
            "{context}: the refresh is recorded"
        );
        assert!(ts.refreshes()[0].from.is_some(), "{context}");
        // The same with whole re-runs, in memory.
        let (index, values) = raw(n, seed, 0, missing_before);
        let mut memory = cleaned(index, values, frequency)?;
        memory
            .signal_mut("F#1")?
            .append("F#1_RAW#1", new_index, new_values, Overlap::Error)?;
        let report = memory.refresh(&registry(), RefreshOptions { whole: true })?;
        assert!(report.refreshed.iter().all(|r| r.from.is_none()));
        for series in ["F#1_RESAMPLED#1", "F#1_LIN-INT#1"] {
            assert!(
                frame(&memory, series).equals_missing(&frame(&whole, series)),
                "{context}: whole refresh of {series}"
            );
        }
        std::fs::remove_dir_all(&store)?;
    }
    Ok(())
}

#[test]
fn nothing_to_refresh_commits_nothing_and_an_unknown_function_changes_nothing() -> anyhow::Result<()>
{
    let store = scratch("unknown");
    let (index, values) = raw(500, 9, 0, 0);
    let mut ds = cleaned(index, values, "15min")?;
    ds.use_disk_storage(&store)?;
    let version = ds.version();
    let report = ds.refresh(&registry(), RefreshOptions::default())?;
    assert!(report.refreshed.is_empty());
    assert_eq!(ds.version(), version, "no change, no version");

    let (index, values) = raw(10, 10, 500, 0);
    ds.signal_mut("F#1")?
        .append("F#1_RAW#1", index, values, Overlap::Error)?;
    let version = ds.version();
    let before = frame(&ds, "F#1_RESAMPLED#1");
    let err = ds
        .refresh(&Registry::new(), RefreshOptions::default())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("F#1_RESAMPLED#1")
            && err.contains("function \"resample\" version \"0.1.0\" is not registered"),
        "{err}"
    );
    assert_eq!(ds.version(), version);
    assert!(frame(&ds, "F#1_RESAMPLED#1").equals_missing(&before));
    assert_eq!(
        ds.replay_state("F#1_RESAMPLED#1")?,
        Some(ReplayState::Stale)
    );

    // Verifying without the function says which and why, per series.
    let report = ds.verify(&Registry::new(), Tolerance::default());
    assert_eq!(report.counts(), (0, 0, 2));
    assert!(
        matches!(report.outcome("F#1_LIN-INT#1"), Some(Outcome::NotReplayable(r)) if r.contains("\"linear interpolation\" version \"0.1.0\"")),
        "{report}"
    );
    std::fs::remove_dir_all(&store)?;
    Ok(())
}

#[test]
fn views_mark_stale_and_differing_series() -> anyhow::Result<()> {
    let (index, values) = raw(600, 11, 0, 0);
    let mut ds = cleaned(index, values, "15min")?;
    let (index, values) = raw(30, 12, 600, 0);
    ds.signal_mut("F#1")?
        .append("F#1_RAW#1", index, values, Overlap::Error)?;
    let text = ds.to_text(3);
    assert!(
        text.contains("replay: stale (F#1_RAW#1 changed)")
            && text.contains("replay: stale (F#1_RESAMPLED#1 is stale)"),
        "{text}"
    );
    let graph = ds.lineage_graph(None)?;
    let state = |id: &str| graph.node(id).unwrap().replay;
    assert_eq!(state("F#1_RAW#1"), None);
    assert_eq!(state("F#1_LIN-INT#1"), Some(ReplayState::Stale));
    let html = graph.to_html();
    assert_eq!(html.matches("data-replay=\"stale\"").count(), 2, "{html}");
    assert!(graph.to_dot().contains("processed, stale"));

    // After a refresh nothing is stale; a verification that finds a difference is shown.
    ds.refresh(&registry(), RefreshOptions::default())?;
    assert!(!ds.to_text(3).contains("replay: stale"));
    let at = chrono::NaiveDate::from_ymd_opt(2024, 1, 1)
        .unwrap()
        .and_hms_opt(1, 0, 0)
        .unwrap();
    // A `NaiveDateTime` label (milliseconds) goes into the nanosecond index as it is.
    let index = Series::new("i".into(), [at]);
    ds.signal_mut("F#1")?.update(
        "F#1_RESAMPLED#1",
        at,
        at + chrono::TimeDelta::minutes(15),
        index,
        Series::new("v".into(), [-1.0]),
    )?;
    let report = ds.verify(&registry(), Tolerance::default());
    let Some(Outcome::Differs(difference)) = report.outcome("F#1_RESAMPLED#1") else {
        panic!("{report}");
    };
    assert_eq!(
        difference.first_label.as_deref(),
        Some("2024-01-01 01:00:00")
    );
    assert_eq!(report.outcome("F#1_LIN-INT#1"), Some(&Outcome::Reproduced));
    // The edit also leaves the interpolation behind its input: stale wins over reproduced.
    let text = ds.to_text(3);
    assert!(text.contains("replay: differs"), "{text}");
    assert!(
        text.contains("replay: stale (F#1_RESAMPLED#1 changed)"),
        "{text}"
    );
    let graph = ds.lineage_graph(None)?;
    assert_eq!(
        graph.node("F#1_RESAMPLED#1").unwrap().replay,
        Some(ReplayState::Differs)
    );
    Ok(())
}
