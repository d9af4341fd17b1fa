//! Archives: every Python fixture archive loads and matches its expected contents, ours load
//! back equal, and damaged or hostile archives give clear errors.

use meteaudata::archive::{ArchiveError, load_dataset, load_signal};
use meteaudata::prelude::*;
use meteaudata_e2e::env::scratch;
use meteaudata_e2e::*;
use serde_json::Value;

fn check_signal(context: &str, signal: &Signal, expected: &Value) {
    assert_eq!(
        signal.units(),
        expected["units"].as_str().unwrap(),
        "{context}: units"
    );
    assert_eq!(
        serde_json::to_value(signal.provenance()).unwrap(),
        expected["provenance"],
        "{context}: provenance"
    );
    let names = sorted_strings(&expected["time_series_names"]);
    let mut got = signal.all_time_series();
    got.sort();
    assert_eq!(got, names, "{context}: series");
    for name in names {
        let want = &expected["time_series"][name];
        let ts = signal.time_series(name).unwrap();
        assert_matches_fixture(&format!("{context}/{name}"), ts, want);
        assert_eq!(
            ts.created_on().format("%Y-%m-%dT%H:%M:%S%.6f").to_string(),
            want["created_on"].as_str().unwrap(),
            "{context}/{name}: created_on (unlike Python)"
        );
        assert_eq!(
            ts.metadata_id(),
            want["metadata_id"].as_str(),
            "{context}/{name}: metadata_id"
        );
    }
}

#[test]
fn every_python_archive_loads_and_matches_its_expected_contents() {
    let mut checked = 0;
    for pandas in PANDAS_VERSIONS {
        for set in SETS {
            let expected = expected(pandas, set, "archive.json");
            let ds_expected = &expected["dataset"];
            let name = ds_expected["name"].as_str().unwrap();
            let dir = fixtures_root().join(pandas).join(set).join("archive");
            let ds = load_dataset(dir.join(format!("{name}.zip")), name).unwrap();
            assert_eq!(ds.description(), ds_expected["description"].as_str());
            assert_eq!(ds.project(), ds_expected["project"].as_str());
            let want = sorted_strings(&ds_expected["signal_names"]);
            assert_eq!(
                ds.all_signals(),
                want,
                "signals in alphabetical order, as Python loads them"
            );
            for signal in ds.iter() {
                check_signal(
                    &format!("{pandas}/{set}/{}", signal.name()),
                    signal,
                    &ds_expected["signals"][signal.name()],
                );
                checked += 1;
            }
            // The single-signal archive.
            let signal_name = expected["signal_zip_signal_name"].as_str().unwrap();
            let signal = load_signal(dir.join(format!("{signal_name}.zip")), signal_name).unwrap();
            check_signal(
                &format!("{pandas}/{set}/{signal_name}.zip"),
                &signal,
                &ds_expected["signals"][signal_name],
            );
        }
    }
    assert_eq!(checked, 2 * (4 + 6));
}

/// A dataset with every index and value kind, odd names and a processing history.
fn every_kind() -> Dataset {
    use meteaudata::polars::prelude::*;
    let t = |n: i64, step: i64| -> Vec<i64> {
        (0..n).map(|i| 1_709_960_400_000_000 + i * step).collect()
    };
    let dt = |v: Vec<i64>, unit: TimeUnit, tz: Option<&str>| {
        Int64Chunked::from_vec("i".into(), v)
            .into_datetime(unit, TimeZone::opt_try_new(tz).unwrap())
            .into_series()
    };
    let series = vec![
        TimeSeries::new(
            "RAW",
            dt(t(4, 3_600_000_000), TimeUnit::Microseconds, None),
            Series::new(
                "v".into(),
                [Some(0.1 + 0.2), None, Some(1e-20), Some(f64::INFINITY)],
            ),
        )
        .unwrap(),
        TimeSeries::new(
            "BIG",
            dt(
                t(3, 86_400_000_000).iter().map(|x| x / 1000).collect(),
                TimeUnit::Milliseconds,
                Some("UTC"),
            ),
            Series::new("v".into(), [(1i64 << 53) + 1, -7, i64::MAX]),
        )
        .unwrap(),
        // America/Toronto across the 2024-03-10 DST change, hourly, no frequency issue.
        TimeSeries::new(
            "DST",
            dt(
                (0..6)
                    .map(|i| 1_710_046_800_000_000_000 + i * 3_600_000_000_000)
                    .collect(),
                TimeUnit::Nanoseconds,
                Some("America/Toronto"),
            ),
            Series::new(
                "v".into(),
                [
                    Some(true),
                    None,
                    Some(false),
                    Some(true),
                    Some(true),
                    Some(false),
                ],
            ),
        )
        .unwrap(),
        TimeSeries::new(
            "TEXT",
            Int64Chunked::from_vec("i".into(), vec![0, 1_800_000_000_000, 5_400_500_000_000])
                .into_duration(TimeUnit::Nanoseconds)
                .into_series(),
            Series::new("v".into(), [Some("1"), Some("2"), None]),
        )
        .unwrap(),
        TimeSeries::new(
            "WHEN",
            Series::new("i".into(), [10i64, 20, 30]),
            dt(t(3, 1_500_000), TimeUnit::Microseconds, None),
        )
        .unwrap(),
        TimeSeries::new(
            "FLOATIDX",
            Series::new("i".into(), [0.5f64, 1.5]),
            Series::new("v".into(), [1.0f64, 2.0]),
        )
        .unwrap(),
        TimeSeries::new(
            "STRIDX",
            Series::new("i".into(), ["a", "é, \"quoted\""]),
            Series::new("v".into(), ["x", "y"]),
        )
        .unwrap(),
        TimeSeries::with_range_index("POS", 10, 5, Series::new("v".into(), [1.5f64, 2.5, 3.5]))
            .unwrap(),
        TimeSeries::new(
            "EMPTY",
            dt(vec![], TimeUnit::Nanoseconds, None),
            Series::new_empty("v".into(), &DataType::Float64),
        )
        .unwrap(),
    ];
    let mut signal = Signal::new(
        "débit_entrée",
        "m³/h",
        DataProvenance {
            location: Some("Réacteur — R-101".into()),
            metadata_id: Some("7".into()),
            ..Default::default()
        },
        series,
    )
    .unwrap();
    let start = chrono::NaiveDate::from_ymd_opt(2024, 3, 9)
        .unwrap()
        .and_hms_opt(5, 0, 0)
        .unwrap();
    signal
        .process(
            &["débit_entrée#1_RAW#1"],
            subset(start, "2024-03-09 07:00:00", false),
            ProcessOptions::default(),
        )
        .unwrap();
    signal
        .process(
            &["débit_entrée#1_RAW#1"],
            replace_ranges([(start, start)], "r", f64::NAN),
            ProcessOptions::default(),
        )
        .unwrap();
    let other = Signal::new(
        "B",
        "-",
        DataProvenance::default(),
        [TimeSeries::with_range_index("RAW", 0, 1, Series::new("v".into(), [1.0f64])).unwrap()],
    )
    .unwrap();
    Dataset::new("all kinds")
        .unwrap()
        .with_owner("me")
        .with_signals([signal, other])
        .unwrap()
}

#[test]
fn our_archives_load_back_equal() {
    let dir = scratch("roundtrip");
    let ds = every_kind();
    let path = ds.save_archive(&dir).unwrap();
    assert_eq!(path, dir.join("all kinds.zip"));
    let back = Dataset::load_archive(&path, "all kinds").unwrap();
    for signal in ds.iter() {
        let other = back.signal(signal.name()).unwrap();
        assert_eq!(
            (other.created_on(), other.last_updated()),
            (signal.created_on(), signal.last_updated()),
            "{}",
            signal.name()
        );
        for ts in signal.iter() {
            let b = other.time_series(ts.name()).unwrap();
            assert_eq!(b.index_kind(), ts.index_kind(), "{}", ts.name());
            assert_eq!(b.frequency(), ts.frequency(), "{}", ts.name());
            assert_eq!(b.processing_steps(), ts.processing_steps(), "{}", ts.name());
            assert_eq!(b.data().unwrap(), ts.data().unwrap(), "{}", ts.name());
        }
    }
    assert_eq!(back, ds);
    for signal in ds.iter() {
        for ts in signal.iter() {
            let other = back
                .signal(signal.name())
                .unwrap()
                .time_series(ts.name())
                .unwrap();
            assert_eq!(other.metadata(), ts.metadata(), "{}", ts.name());
            assert_eq!(other.index_kind(), ts.index_kind(), "{}", ts.name());
        }
    }
    // A signal on its own, saved twice: the second save replaces the first.
    let signal = ds.signal("débit_entrée#1").unwrap();
    signal.save_archive(&dir).unwrap();
    let path = signal.save_archive(&dir).unwrap();
    assert_eq!(
        &Signal::load_archive(&path, "débit_entrée#1").unwrap(),
        signal
    );
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty());
    let _ = std::fs::remove_dir_all(&dir);
}

fn zip_with(path: &std::path::Path, entries: &[(&str, &[u8])]) {
    use std::io::Write;
    let mut zip = zip_writer(path);
    for (name, bytes) in entries {
        zip.start_file(*name, meteaudata_zip_options()).unwrap();
        zip.write_all(bytes).unwrap();
    }
    zip.finish().unwrap();
}

fn zip_writer(path: &std::path::Path) -> zip::ZipWriter<std::fs::File> {
    zip::ZipWriter::new(std::fs::File::create(path).unwrap())
}

fn meteaudata_zip_options() -> zip::write::SimpleFileOptions {
    zip::write::SimpleFileOptions::default()
}

#[test]
fn damaged_and_hostile_archives_are_refused_by_name() {
    let dir = scratch("hostile");
    std::fs::create_dir_all(&dir).unwrap();
    // A sibling folder named tmp must survive loading (Python deleted it).
    std::fs::create_dir_all(dir.join("tmp")).unwrap();
    std::fs::write(dir.join("tmp/keep.txt"), b"x").unwrap();
    let good = every_kind().save_archive(&dir).unwrap();
    Dataset::load_archive(&good, "all kinds").unwrap();
    assert!(dir.join("tmp/keep.txt").exists());

    let escape = dir.join("escape.zip");
    zip_with(&escape, &[("../evil.yaml", b"x")]);
    assert!(matches!(
        Dataset::load_archive(&escape, "x").unwrap_err(),
        ArchiveError::UnsafeEntry { .. }
    ));

    let missing = dir.join("missing.zip");
    zip_with(&missing, &[("d_metadata.yaml", b"name: d\nsignals: {}\ncreated_on: '2024-01-01T00:00:00'\nlast_updated: '2024-01-01T00:00:00'\n")]);
    let err = Dataset::load_archive(&missing, "other").unwrap_err();
    assert!(err.to_string().contains("other_metadata.yaml"), "{err}");

    let src = fixtures_root().join("pandas-2.2.3/main/archive/reactor_monitoring.zip");
    let mut archive = zip::ZipArchive::new(std::fs::File::open(&src).unwrap()).unwrap();
    let mut entries: Vec<(String, Vec<u8>)> = Vec::new();
    for i in 0..archive.len() {
        let mut f = archive.by_index(i).unwrap();
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut f, &mut bytes).unwrap();
        let name = f.name().unwrap().to_string();
        if name.ends_with("Temperature#1_RAW#1.csv") {
            bytes = b",Temperature#1_RAW#1\n2024-01-01 00:00:00,not-a-number\n".to_vec();
        }
        entries.push((name, bytes));
    }
    let bad_csv = dir.join("reactor_monitoring.zip");
    let refs: Vec<(&str, &[u8])> = entries
        .iter()
        .map(|(n, b)| (n.as_str(), b.as_slice()))
        .collect();
    zip_with(&bad_csv, &refs);
    let err = Dataset::load_archive(&bad_csv, "reactor_monitoring")
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("Temperature#1_RAW#1.csv") && err.contains("not-a-number"),
        "{err}"
    );

    std::fs::write(dir.join("garbage.zip"), b"PK not really").unwrap();
    assert!(Dataset::load_archive(dir.join("garbage.zip"), "x").is_err());
    assert!(matches!(
        Dataset::load_archive(dir.join("nothing-here"), "x").unwrap_err(),
        ArchiveError::NotAnArchive(_)
    ));
    let _ = std::fs::remove_dir_all(&dir);
}

/// The text of every entry of a zip archive.
fn entries_of(path: &std::path::Path) -> Vec<(String, String)> {
    use std::io::Read;
    let mut zip = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    (0..zip.len())
        .map(|i| {
            let mut entry = zip.by_index(i).unwrap();
            let mut text = String::new();
            entry.read_to_string(&mut text).unwrap();
            (entry.name().unwrap().into_owned(), text)
        })
        .collect()
}

fn two_signals() -> Dataset {
    let signal = |name: &str, units: &str, offset: f64| {
        let index = date_range("2024-01-01", 5, "h").unwrap();
        let values = Series::new(
            "v".into(),
            (0..5)
                .map(|i| offset + f64::from(i) / 3.0)
                .collect::<Vec<_>>(),
        );
        Signal::new(
            name,
            units,
            DataProvenance::default(),
            [TimeSeries::new("RAW", index, values).unwrap()],
        )
        .unwrap()
    };
    Dataset::new("exported")
        .unwrap()
        .with_signals([signal("Temp", "°C", 10.0), signal("Flow", "unit", 0.5)])
        .unwrap()
}

#[test]
fn export_options_are_written_as_asked_and_read_back() {
    use meteaudata::archive::{ExportOptions, ValueNames};
    let dir = scratch("export");
    let ds = two_signals();
    let options = ExportOptions::default()
        .separator(b';')
        .index_name(["Time", "h"])
        .value_names(ValueNames::Auto);
    let path = ds.save_archive_with(&dir, &options).unwrap();
    let entries = entries_of(&path);
    let csv = |name: &str| {
        entries
            .iter()
            .find(|(n, _)| n.ends_with(&format!("/{name}.csv")))
            .map(|(_, t)| t.clone())
            .unwrap()
    };
    // "auto": units under the name when set and not Python's default "unit".
    let temp = csv("Temp#1_RAW#1");
    let lines: Vec<&str> = temp.lines().collect();
    assert_eq!(
        lines[..3],
        ["Time;Temp#1_RAW#1", "h;°C", "2024-01-01 00:00:00;10.0"]
    );
    let flow = csv("Flow#1_RAW#1");
    assert_eq!(
        flow.lines().take(3).collect::<Vec<_>>(),
        ["Time;Flow#1_RAW#1", "h;", "2024-01-01 00:00:00;0.5"]
    );

    let back = Dataset::load_archive(&path, "exported").unwrap();
    for signal in ds.iter() {
        let name = format!("{}_RAW#1", signal.name());
        let original = signal.time_series(&name).unwrap();
        let loaded = back
            .signal(signal.name())
            .unwrap()
            .time_series(&name)
            .unwrap();
        assert_eq!(
            loaded.data().unwrap(),
            original.data().unwrap(),
            "{name}: data read back (unlike Python)"
        );
        // The object in memory keeps its history (unlike Python) ...
        assert!(original.processing_steps().is_empty());
        // ... and the archive records the rename where there was one.
        let steps = loaded.processing_steps();
        if signal.units() == "°C" {
            assert_eq!(steps.len(), 1, "{name}");
            assert_eq!(steps[0].step_type, ProcessingType::ExportRename);
            assert_eq!(steps[0].input_series_names, std::slice::from_ref(&name));
            assert_eq!(
                steps[0].parameters.as_ref().unwrap().get("export_name"),
                Some(&ParamValue::from(format!("({name}, °C)")))
            );
        } else {
            assert!(
                steps.is_empty(),
                "{name}: the header is the name, no rename"
            );
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn custom_headers_load_without_a_recorded_layout() {
    use meteaudata::archive::{ExportOptions, ValueNames};
    let dir = scratch("sniff");
    let ds = two_signals();
    let names = [(
        "Temp#1".to_owned(),
        vec![
            "temperature".to_owned(),
            "°C".to_owned(),
            "probe 1".to_owned(),
        ],
    )]
    .into_iter()
    .collect();
    let options = ExportOptions::default()
        .separator(b'\t')
        .value_names(ValueNames::Each(names));
    let path = ds.save_archive_with(&dir, &options).unwrap();
    // As a Python-made archive would be: the same files without our layout record.
    let stripped = dir.join("stripped.zip");
    let entries: Vec<(String, Vec<u8>)> = entries_of(&path)
        .into_iter()
        .map(|(name, text)| {
            let text = if name.ends_with(".yaml") {
                let mut value: serde_json::Value = serde_yaml_ng::from_str(&text).unwrap();
                value
                    .as_object_mut()
                    .unwrap()
                    .remove("csv_layout")
                    .expect("a layout was recorded");
                serde_json::to_string(&value).unwrap() // JSON is YAML
            } else {
                text
            };
            (name, text.into_bytes())
        })
        .collect();
    let refs: Vec<(&str, &[u8])> = entries
        .iter()
        .map(|(n, b)| (n.as_str(), b.as_slice()))
        .collect();
    zip_with(&stripped, &refs);
    let temp = entries_of(&stripped)
        .into_iter()
        .find(|(n, _)| n.ends_with("Temp#1_RAW#1.csv"))
        .unwrap()
        .1;
    assert!(
        temp.starts_with("\ttemperature\n\t°C\n\tprobe 1\n2024-01-01 00:00:00\t10.0\n"),
        "{temp}"
    );
    let back = Dataset::load_archive(&stripped, "exported").unwrap();
    for signal in ds.iter() {
        let name = format!("{}_RAW#1", signal.name());
        assert_eq!(
            back.signal(signal.name())
                .unwrap()
                .time_series(&name)
                .unwrap()
                .data()
                .unwrap(),
            signal.time_series(&name).unwrap().data().unwrap(),
            "{name}: separator and header depth sniffed"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}
