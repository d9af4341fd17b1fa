//! How series are named when a signal is built and when `Signal::add` numbers a new series.

use meteaudata_core::*;

use crate::common::{hourly, signal};

fn keys(s: &Signal) -> Vec<&str> {
    s.all_time_series()
}

#[test]
fn construction_naming_table() {
    // (signal name, input series names, resulting keys), where Python and Rust agree.
    let rows: &[(&str, &[&str], &[&str])] = &[
        ("temperature", &["RAW"], &["temperature#1_RAW#1"]),
        ("temperature", &["RAW#3"], &["temperature#1_RAW#3"]),
        ("temperature", &["foo_RAW"], &["temperature#1_RAW#1"]),
        ("temperature", &["foo_RAW#2"], &["temperature#1_RAW#2"]),
        ("df", &["RAW", "OTHER"], &["df#1_RAW#1", "df#1_OTHER#1"]),
        (
            "dct",
            &["RAW", "SMOOTH#4"],
            &["dct#1_RAW#1", "dct#1_SMOOTH#4"],
        ),
        ("tsk", &["RAW#1"], &["tsk#1_RAW#1"]),
        ("temperature#3", &["RAW"], &["temperature#3_RAW#1"]),
        ("my_sig", &["RAW"], &["my_sig#1_RAW#1"]),
    ];
    for (name, inputs, expected) in rows {
        let s = signal(name, inputs);
        assert_eq!(keys(&s), *expected, "signal {name} with {inputs:?}");
        for ts in s.iter() {
            assert!(s.time_series(ts.name()).is_ok(), "key == name");
        }
    }
}

#[test]
fn construction_rows_that_differ_from_python_on_purpose() {
    // Bases may not contain `_`: Python's `b_c#1` would be unparsable, the grammar takes `c`.
    assert_eq!(
        keys(&signal("temperature", &["a_b_c"])),
        ["temperature#1_c#1"]
    );
    // A non-numeric number is an error naming the series (Python: ValueError too).
    let err = TimeSeries::new(
        "a_b#x",
        hourly("RAW", &[1.0]).index().unwrap().clone(),
        hourly("RAW", &[1.0]).values().unwrap().clone(),
    )
    .unwrap_err();
    assert!(err.to_string().contains("a_b#x"), "{err}");
    // The default-named signal is numbered like any other (unlike Python).
    assert_eq!(signal("signal", &["RAW"]).name(), "signal#1");
    // A signal without data holds no series.
    assert!(signal("empty", &[]).is_empty());
}

#[test]
fn construction_collisions_are_errors_naming_both() {
    let err = Signal::new(
        "S",
        "u",
        DataProvenance::default(),
        [hourly("RAW", &[1.0]), hourly("x_RAW", &[2.0])],
    )
    .unwrap_err();
    match err {
        Error::NameCollision {
            first,
            second,
            name,
        } => {
            assert_eq!(
                (first.as_str(), second.as_str(), name.as_str()),
                ("RAW", "x_RAW", "S#1_RAW#1")
            );
        }
        other => panic!("unexpected {other}"),
    }
}

#[test]
fn add_numbering_table() {
    // A signal T#1 holding RAW#1 and LIN-INT#1..3: an added series takes the next free number.
    let mut s = signal("T", &["RAW#1", "LIN-INT#1", "LIN-INT#2", "LIN-INT#3"]);
    let add = |s: &mut Signal, name: &str| s.add(hourly(name, &[1.0])).unwrap();
    assert_eq!(add(&mut s, "RAW"), "T#1_RAW#2");
    assert_eq!(add(&mut s, "RAW#7"), "T#1_RAW#3");
    assert_eq!(add(&mut s, "NEW"), "T#1_NEW#1");
    assert_eq!(add(&mut s, "Other#1_NEW#5"), "T#1_NEW#2");
    assert_eq!(add(&mut s, "my_base"), "T#1_base#1");
    assert_eq!(add(&mut s, "LIN-INT"), "T#1_LIN-INT#4");
    assert_eq!(s.len(), 10);
}

#[test]
fn bad_names_are_rejected_with_the_value() {
    let long = "x".repeat(256);
    for bad in [
        "",
        ".",
        "..",
        "a/b",
        "a\\b",
        "a\0b",
        "tab\there",
        long.as_str(),
    ] {
        let err = Signal::new(bad, "u", DataProvenance::default(), []).unwrap_err();
        assert!(
            matches!(&err, Error::InvalidName { value, .. } if value == bad),
            "{bad:?}: {err}"
        );
        let err = Dataset::new(bad).unwrap_err();
        assert!(
            matches!(&err, Error::InvalidName { value, .. } if value == bad),
            "{bad:?}: {err}"
        );
    }
    for good in ["l'eau \"brute\"", "débit entrée", "温度"] {
        let s = Signal::new(
            good,
            "u",
            DataProvenance::default(),
            [hourly("RAW", &[1.0])],
        )
        .unwrap();
        assert_eq!(s.all_time_series(), [format!("{good}#1_RAW#1").as_str()]);
        Dataset::new(good).unwrap();
    }
    // A series name that would exceed 255 bytes once prefixed is rejected too.
    let name = "s".repeat(250);
    let err = Signal::new(
        &name,
        "u",
        DataProvenance::default(),
        [hourly("RAW", &[1.0])],
    )
    .unwrap_err();
    assert!(matches!(err, Error::InvalidName { .. }), "{err}");
}

#[test]
fn rename_rebuilds_keys_and_lineage() {
    let mut s = signal("A", &["RAW"]);
    s.process(
        &["A#1_RAW#1"],
        crate::common::double,
        ProcessOptions::default(),
    )
    .unwrap();
    let before = s.last_updated();
    std::thread::sleep(std::time::Duration::from_millis(2));
    s.rename("Z").unwrap();
    assert_eq!(s.name(), "Z");
    assert_eq!(s.all_time_series(), ["Z_RAW#1", "Z_DOUBLE#1"]);
    let step = &s.time_series("Z_DOUBLE#1").unwrap().processing_steps()[0];
    assert_eq!(
        step.input_series_names,
        ["Z_RAW#1"],
        "lineage follows the rename"
    );
    assert!(s.last_updated() > before);
}

#[test]
fn remove_and_missing_names() {
    let mut s = signal("A", &["RAW", "OTHER"]);
    let removed = s.remove("A#1_OTHER#1").unwrap();
    assert_eq!(removed.name(), "A#1_OTHER#1");
    let err = s.remove("A#1_OTHER#1").unwrap_err();
    match err {
        Error::NotFound {
            kind,
            name,
            available,
        } => {
            assert_eq!(kind, ObjectKind::TimeSeries);
            assert_eq!(name, "A#1_OTHER#1");
            assert_eq!(available, ["A#1_RAW#1"]);
        }
        other => panic!("unexpected {other}"),
    }
}
