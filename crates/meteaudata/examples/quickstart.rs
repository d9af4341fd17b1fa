//! The README quick start, with a dataset and an average: `cargo run -p meteaudata --example quickstart`.

use meteaudata::prelude::*;

fn main() -> anyhow::Result<()> {
    let index = date_range("2020-01-01", 100, "6min")?;
    let wave = |phase: f64| -> Vec<f64> {
        (0..100)
            .map(|i| 20.0 + (f64::from(i) / 10.0 + phase).sin())
            .collect()
    };

    let provenance = DataProvenance {
        source_repository: Some("meteaudata quick start".into()),
        location: Some("Primary clarifier effluent".into()),
        parameter: Some("Temperature".into()),
        ..DataProvenance::default()
    };
    let inlet = Signal::new(
        "Temperature",
        "°C",
        provenance.clone(),
        [TimeSeries::new(
            "RAW",
            index.clone(),
            Series::new("RAW".into(), wave(0.0)),
        )?],
    )?;
    let outlet = Signal::new(
        "Temperature",
        "°C",
        provenance,
        [TimeSeries::new(
            "RAW",
            index,
            Series::new("RAW".into(), wave(0.5)),
        )?],
    )?;

    let mut dataset = Dataset::new("clarifier")?.with_project("quick start");
    dataset.add(inlet)?;
    dataset.add(outlet)?;
    dataset.signal_mut("Temperature#1")?.process(
        &["Temperature#1_RAW#1"],
        resample("30min"),
        ProcessOptions::default(),
    )?;
    dataset.signal_mut("Temperature#2")?.process(
        &["Temperature#2_RAW#1"],
        resample("30min"),
        ProcessOptions::default(),
    )?;
    dataset.process(
        &["Temperature#1_RESAMPLED#1", "Temperature#2_RESAMPLED#1"],
        average_signals(None, true),
        DatasetProcessOptions::default(),
    )?;
    println!("{}", dataset.to_text(1));
    let average = dataset
        .signal("AVERAGE#1")?
        .time_series("AVERAGE#1_RAW#1")?;
    println!(
        "AVERAGE#1_RAW#1 has {} points and {} steps:",
        average.len(),
        average.processing_steps().len()
    );
    for step in average.processing_steps() {
        println!("  {step}");
    }
    Ok(())
}
