//! What a user crate does with the facade alone: a dataset of three signals, a transform of
//! its own, and a printout.

use meteaudata::prelude::*;
use meteaudata::{SignalTransform, TimeSeries};

/// A user transform: a moving sum of `window` points, suffix `MSUM`.
struct MovingSum {
    window: usize,
}

impl SignalTransform for MovingSum {
    fn name(&self) -> String {
        "moving sum".into()
    }

    fn apply(&self, inputs: &[&TimeSeries]) -> Result<Vec<TransformOutput>, BoxError> {
        let info = FunctionInfo::new("moving sum", "1.0", "a user", "tests/user_crate.rs")
            .with_source_code("sum of the last `window` values");
        let step = ProcessingStep::new(ProcessingType::Smoothing, "Moving sum", info, "MSUM")
            .with_parameters(Parameters::new().with("window", self.window))
            .with_inputs(inputs.iter().map(|t| t.name()));
        inputs
            .iter()
            .map(|ts| {
                let values: Vec<f64> = ts.values().unwrap().f64()?.into_no_null_iter().collect();
                let sums: Vec<f64> = (0..values.len())
                    .map(|i| values[i.saturating_sub(self.window - 1)..=i].iter().sum())
                    .collect();
                let signal = ts.name().rsplit_once('_').map_or("", |(s, _)| s);
                let out =
                    ts.with_same_index(format!("{signal}_MSUM"), Series::new("v".into(), sums))?;
                Ok(TransformOutput::new(out, step.clone()))
            })
            .collect()
    }
}

fn raw(values: &[f64]) -> anyhow::Result<TimeSeries> {
    let index = date_range("2024-01-01", values.len(), "15min")?;
    Ok(TimeSeries::new(
        "RAW",
        index,
        Series::new("RAW".into(), values),
    )?)
}

#[test]
fn a_dataset_of_three_signals_with_a_user_transform() -> anyhow::Result<()> {
    let provenance = DataProvenance {
        location: Some("Réacteur R-101".into()),
        ..DataProvenance::default()
    };
    let signals = [
        Signal::new(
            "Temperature",
            "°C",
            provenance.clone(),
            [raw(&[10.0, 11.0, 12.0, 13.0])?],
        )?,
        Signal::new("pH", "-", provenance.clone(), [raw(&[7.0, 7.2, 7.1, 7.3])?])?,
        Signal::new(
            "Flow rate",
            "m³/h",
            provenance,
            [raw(&[100.0, 110.0, 90.0, 95.0])?],
        )?,
    ];
    let mut dataset = Dataset::new("plant")?
        .with_owner("operator")
        .with_signals(signals)?;
    assert_eq!(
        dataset.all_signals(),
        ["Temperature#1", "pH#1", "Flow rate#1"]
    );

    let out = dataset.signal_mut("Flow rate#1")?.process(
        &["Flow rate#1_RAW#1"],
        MovingSum { window: 2 },
        ProcessOptions::default(),
    )?;
    assert_eq!(out, ["Flow rate#1_MSUM#1"]);
    let msum = dataset
        .signal("Flow rate#1")?
        .time_series("Flow rate#1_MSUM#1")?;
    let sums: Vec<f64> = msum.values().unwrap().f64()?.into_no_null_iter().collect();
    assert_eq!(sums, [100.0, 210.0, 200.0, 185.0]);
    let step = &msum.processing_steps()[0];
    assert_eq!(step.step_type, ProcessingType::Smoothing);
    assert_eq!(step.input_series_names, ["Flow rate#1_RAW#1"]);
    assert_eq!(
        step.parameters.as_ref().and_then(|p| p.get("window")),
        Some(&ParamValue::Int(2))
    );
    assert_eq!(msum.index_metadata().frequency.as_deref(), Some("15min"));

    let printed = dataset.to_string();
    println!("{printed}");
    assert!(printed.contains("signal_Flow rate#1:"), "{printed}");
    assert!(
        printed.contains("timeseries_Flow rate#1_MSUM#1:"),
        "{printed}"
    );
    assert!(printed.contains("owner: 'operator'"), "{printed}");
    Ok(())
}

/// Registers the user transform for replay: rebuilt from the `window` its steps record.
fn registry_with_moving_sum() -> Registry {
    let mut registry = meteaudata::registry();
    registry.register_signal("moving sum", "1.0", |p: &Parameters| {
        match p.get("window") {
            Some(ParamValue::Int(w)) if *w > 0 => Ok(MovingSum {
                window: *w as usize,
            }),
            other => Err(format!("window must be a positive integer, not {other:?}").into()),
        }
    });
    registry
}

#[test]
fn a_user_transform_replays_once_registered() -> anyhow::Result<()> {
    let values: Vec<f64> = (0..40).map(|i| f64::from(i % 7)).collect();
    let mut signal = Signal::new("Flow", "l/s", DataProvenance::default(), [raw(&values)?])?;
    signal.process(
        &["Flow#1_RAW#1"],
        MovingSum { window: 3 },
        ProcessOptions::default(),
    )?;
    signal.process(&["Flow#1_MSUM#1"], resample("h"), ProcessOptions::default())?;

    let registry = registry_with_moving_sum();
    let report = signal.verify(&registry, Tolerance::exact());
    assert_eq!(report.counts(), (2, 0, 0), "{report}");
    // Without it, the step is reported by name and version, never guessed.
    let report = signal.verify(&meteaudata::registry(), Tolerance::exact());
    let reason = report.outcome("Flow#1_MSUM#1").unwrap().to_string();
    assert_eq!(
        reason,
        "not replayable: function \"moving sum\" version \"1.0\" is not registered"
    );

    // New points: the user step has no incremental form, so it is re-run whole, and the
    // resample after it follows; the numbers are those of processing everything anew.
    let more: Vec<f64> = (40..52).map(|i| f64::from(i % 7)).collect();
    let index = date_range("2024-01-01 10:00", more.len(), "15min")?;
    signal.append(
        "Flow#1_RAW#1",
        index,
        Series::new("v".into(), more),
        Overlap::Error,
    )?;
    let report = signal.refresh(&registry, RefreshOptions::default())?;
    let refreshed: Vec<_> = report
        .refreshed
        .iter()
        .map(|r| (r.series.as_str(), r.from.is_some()))
        .collect();
    assert_eq!(
        refreshed,
        [("Flow#1_MSUM#1", false), ("Flow#1_RESAMPLED#1", false)]
    );
    let all: Vec<f64> = (0..52).map(|i| f64::from(i % 7)).collect();
    let mut anew = Signal::new("Flow", "l/s", DataProvenance::default(), [raw(&all)?])?;
    anew.process(
        &["Flow#1_RAW#1"],
        MovingSum { window: 3 },
        ProcessOptions::default(),
    )?;
    anew.process(&["Flow#1_MSUM#1"], resample("h"), ProcessOptions::default())?;
    for name in ["Flow#1_MSUM#1", "Flow#1_RESAMPLED#1"] {
        assert!(
            signal
                .time_series(name)?
                .data()?
                .equals_missing(&anew.time_series(name)?.data()?),
            "{name}"
        );
    }
    assert!(
        signal
            .verify(&registry, Tolerance::exact())
            .all_reproduced()
    );
    Ok(())
}

#[test]
fn a_signal_from_a_csv_file_and_from_a_data_frame() -> anyhow::Result<()> {
    let dir = std::env::temp_dir().join(format!("md-user-files-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let csv = dir.join("flow.csv");
    std::fs::write(
        &csv,
        "time,flow,level\n2024-01-01 00:00,1.5,10\n2024-01-01 00:15,,11\n2024-01-01 00:30,2.5,12\n",
    )?;

    // From a CSV file: one line.
    let flow = meteaudata::files::read_signal(&csv, "Flow", "l/s", "time", &["flow"])?;
    let raw = flow.time_series("Flow#1_RAW#1")?;
    assert_eq!(raw.values()?.null_count(), 1);
    assert_eq!(raw.index_metadata().frequency.as_deref(), Some("15min"));

    // From a DataFrame: one line, several value columns giving one series each.
    let frame = df!(
        "time" => date_range("2024-01-01", 3, "h")?,
        "inlet_flow" => [1.0, 2.0, 3.0],
        "outlet" => [0.5, 1.5, 2.5],
    )?;
    let signal = Signal::from_frame(
        "Flow",
        "l/s",
        DataProvenance::default(),
        &frame,
        "time",
        &["inlet_flow", "outlet"],
    )?;
    assert_eq!(
        signal.all_time_series(),
        ["Flow#1_inlet-flow#1", "Flow#1_outlet#1"]
    );
    let sum: f64 = signal
        .time_series("Flow#1_outlet#1")?
        .values()?
        .f64()?
        .into_no_null_iter()
        .sum();
    assert_eq!(sum, 4.5);

    // A wrong column is named, with the columns there are.
    let err = Signal::from_frame(
        "Flow",
        "l/s",
        DataProvenance::default(),
        &frame,
        "time",
        &["flow"],
    )
    .unwrap_err()
    .to_string();
    assert_eq!(
        err,
        "invalid argument: the frame has no column \"flow\"; its columns: time, inlet_flow, outlet"
    );
    let err = meteaudata::files::read_table(dir.join("missing.csv"))
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with("cannot read ") && err.contains("missing.csv"),
        "{err}"
    );
    std::fs::remove_dir_all(&dir)?;
    Ok(())
}
