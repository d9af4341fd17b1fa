//! Datasets: construction, numbering, rename, remove and cross-signal processing.

use meteaudata_core::*;

use crate::common::{double, hourly, info, signal};

/// A user-written cross-signal transform: the sum of the inputs, as one new signal `SUM`.
fn sum(dataset: &Dataset, inputs: &[DatasetInput<'_>]) -> Result<Vec<Signal>, BoxError> {
    let mut total = inputs[0].series.values()?;
    for input in &inputs[1..] {
        total = (&total + &input.series.values()?)?;
    }
    let step = ProcessingStep::new(
        ProcessingType::DimensionalityReduction,
        "sum",
        info("sum"),
        "RAW",
    )
    .with_inputs(inputs.iter().map(|i| i.series.name()));
    let mut series = inputs[0].series.with_same_index("SUM_RAW", total)?;
    series = series.with_processing_steps(vec![step]);
    let provenance = DataProvenance {
        project: dataset.project().map(str::to_owned),
        ..DataProvenance::default()
    };
    Ok(vec![Signal::new(
        "SUM",
        inputs[0].signal.units(),
        provenance,
        [series],
    )?])
}

fn dataset() -> Dataset {
    Dataset::new("plant")
        .unwrap()
        .with_project("P")
        .with_signals([
            signal("A", &["RAW"]),
            signal("B", &["RAW"]),
            signal("C#4", &["RAW"]),
        ])
        .unwrap()
}

#[test]
fn construction_and_collisions() {
    let ds = dataset();
    assert_eq!(ds.all_signals(), ["A#1", "B#1", "C#4"]);
    let err = Dataset::new("d")
        .unwrap()
        .with_signals([signal("A", &[]), signal("A", &[])])
        .unwrap_err();
    assert!(
        matches!(err, Error::NameCollision { ref name, .. } if name == "A#1"),
        "{err}"
    );
}

#[test]
fn add_numbering_table() {
    // With A#1, B#4, C#1 present, an added signal takes the next free number of its base.
    let mut ds = Dataset::new("d")
        .unwrap()
        .with_signals([signal("A", &[]), signal("B#4", &[]), signal("C", &[])])
        .unwrap();
    assert_eq!(ds.add(signal("A", &["RAW"])).unwrap(), "A#2");
    assert_eq!(ds.add(signal("B#1", &[])).unwrap(), "B#5");
    assert_eq!(ds.add(signal("D#9", &[])).unwrap(), "D#1");
    assert_eq!(ds.signal("A#2").unwrap().all_time_series(), ["A#2_RAW#1"]);
    assert_eq!(ds.all_signals(), ["A#1", "B#4", "C#1", "A#2", "B#5", "D#1"]);
}

#[test]
fn rename_inside_a_dataset_moves_the_key_and_lineage() {
    let mut ds = dataset();
    ds.process(
        &["A#1_RAW#1", "B#1_RAW#1"],
        sum,
        DatasetProcessOptions::default(),
    )
    .unwrap();
    // Renaming through the mutable reference would leave a stale key (unlike Python): refused.
    let err = ds.signal_mut("A#1").unwrap().rename("Q#1").unwrap_err();
    assert!(err.to_string().contains("Dataset::rename_signal"), "{err}");
    ds.rename_signal("A#1", "Q#1").unwrap();
    assert_eq!(ds.all_signals(), ["Q#1", "B#1", "C#4", "SUM#1"]);
    assert_eq!(ds.signal("Q#1").unwrap().all_time_series(), ["Q#1_RAW#1"]);
    let step = &ds
        .signal("SUM#1")
        .unwrap()
        .time_series("SUM#1_RAW#1")
        .unwrap()
        .processing_steps()[0];
    assert_eq!(step.input_series_names, ["Q#1_RAW#1", "B#1_RAW#1"]);
    let err = ds.rename_signal("Q#1", "B#1").unwrap_err();
    assert!(matches!(err, Error::NameCollision { .. }), "{err}");
    // A removed signal is free-standing again and can be renamed directly.
    let mut removed = ds.remove("Q#1").unwrap();
    removed.rename("R#1").unwrap();
    assert!(ds.remove("Q#1").is_err());
}

#[test]
fn process_numbering_overwrite_and_custom_names() {
    let mut ds = dataset();
    let inputs = ["A#1_RAW#1", "B#1_RAW#1"];
    for expected in ["SUM#1", "SUM#2", "SUM#3"] {
        assert_eq!(
            ds.process(&inputs, sum, DatasetProcessOptions::default())
                .unwrap(),
            [expected]
        );
    }
    // Python replaced #1; overwrite replaces the latest.
    let before_1 = ds.signal("SUM#1").unwrap().clone();
    let out = ds
        .process(
            &inputs,
            sum,
            DatasetProcessOptions {
                overwrite: true,
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(out, ["SUM#3"]);
    assert_eq!(ds.signal("SUM#1").unwrap(), &before_1);
    assert_eq!(ds.len(), 6);

    let named = DatasetProcessOptions {
        output_signal_names: Some(vec!["site-avg".into()]),
        output_ts_names: Some(vec!["combined".into()]),
        overwrite: false,
    };
    assert_eq!(
        ds.process(&inputs, sum, named.clone()).unwrap(),
        ["site-avg#1"]
    );
    assert_eq!(
        ds.signal("site-avg#1").unwrap().all_time_series(),
        ["site-avg#1_combined#1"]
    );
    assert_eq!(ds.process(&inputs, sum, named).unwrap(), ["site-avg#2"]);
    let out = ds
        .process(
            &inputs,
            sum,
            DatasetProcessOptions {
                output_signal_names: Some(vec!["site-avg".into()]),
                overwrite: true,
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(out, ["site-avg#2"]);
    assert_eq!(
        ds.signal("site-avg#2").unwrap().all_time_series(),
        ["site-avg#2_RAW#1"]
    );
    assert_eq!(
        ds.signal("site-avg#2")
            .unwrap()
            .provenance()
            .project
            .as_deref(),
        Some("P")
    );
}

#[test]
fn process_lineage_and_failures() {
    let mut ds = dataset();
    ds.signal_mut("A#1")
        .unwrap()
        .process(&["A#1_RAW#1"], double, ProcessOptions::default())
        .unwrap();
    ds.process(
        &["A#1_DOUBLE#1", "B#1_RAW#1"],
        sum,
        DatasetProcessOptions::default(),
    )
    .unwrap();
    let steps = ds
        .signal("SUM#1")
        .unwrap()
        .time_series("SUM#1_RAW#1")
        .unwrap()
        .processing_steps();
    let names: Vec<_> = steps
        .iter()
        .map(|s| s.function_info.name.as_str())
        .collect();
    assert_eq!(names, ["double", "sum"]);
    assert_eq!(steps[0].input_series_names, ["A#1_RAW#1"]);
    assert_eq!(steps[1].input_series_names, ["A#1_DOUBLE#1", "B#1_RAW#1"]);

    let before = ds.clone();
    let err = ds
        .process(&["Z#1_RAW#1"], sum, DatasetProcessOptions::default())
        .unwrap_err();
    assert!(
        err.to_string().contains("Z#1_RAW#1") && err.to_string().contains("B#1_RAW#1"),
        "{err}"
    );
    let err = ds
        .process(
            &["A#1_RAW#1"],
            sum,
            DatasetProcessOptions {
                output_ts_names: Some(vec!["a".into(), "b".into()]),
                ..Default::default()
            },
        )
        .unwrap_err();
    assert!(err.to_string().contains("expected 1, got 2"), "{err}");
    assert_eq!(ds, before);
}

#[test]
fn display_shows_the_tree() {
    let mut ds = dataset().with_description("Suivi du réacteur");
    ds.signal_mut("A#1")
        .unwrap()
        .process(&["A#1_RAW#1"], double, ProcessOptions::default())
        .unwrap();
    let text = ds.to_string();
    assert!(
        text.starts_with("Dataset:\n  name: 'plant'\n  description: 'Suivi du réacteur'"),
        "{text}"
    );
    assert!(
        text.contains("  signal_A#1:\n    Signal:\n      name: 'A#1'"),
        "{text}"
    );
    assert!(
        text.contains("          step_1: ProcessingStep(...)"),
        "{text}"
    );
    assert!(
        text.contains(
            "      provenance:\n        DataProvenance:\n          source_repository: None"
        ),
        "{text}"
    );
    let sig = ds.signal("A#1").unwrap().to_text(3);
    assert!(
        sig.contains("date_range: 2024-01-01 00:00:00 to 2024-01-01 02:00:00"),
        "{sig}"
    );
    assert!(sig.contains("type: other (DOUBLE)"), "{sig}");
    let ts = hourly("RAW", &[1.5]).to_string();
    assert!(
        ts.contains("series_length: 1\n") && ts.contains("frequency: None"),
        "{ts}"
    );
}
