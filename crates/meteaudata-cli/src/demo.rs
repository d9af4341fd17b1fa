//! `meteaudata demo <dir>`: the example of the project page (a soluble COD signal resampled to
//! 5 minutes and interpolated, as in meteaudata's README) next to two temperature probes that
//! are averaged and a pH probe with a prediction, built in memory and written as a Parquet
//! store, an archive, a plot and a lineage page.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use meteaudata::plot::{DatasetPlot, LineageRender, PlotOptions};
use meteaudata::prelude::*;
use meteaudata::storage::StorageKey;

/// A day of readings every 10 minutes from two temperature probes and a pH probe, with gaps.
pub fn build() -> Result<Dataset> {
    let n = 144;
    let index = date_range("2024-03-01", n, "10min")?;
    let wave = |phase: f64, mean: f64, amplitude: f64| -> Vec<Option<f64>> {
        (0..n)
            .map(|i| {
                let t = f64::from(i as u32) / 144.0 * std::f64::consts::TAU;
                // A probe outage between 04:00 and 05:00.
                (!(24..30).contains(&i)).then(|| mean + amplitude * (t + phase).sin())
            })
            .collect()
    };
    let provenance = |parameter: &str, location: &str| DataProvenance {
        source_repository: Some("meteaudata demo".into()),
        project: Some("pilot reactor".into()),
        location: Some(location.into()),
        equipment: Some("probe".into()),
        parameter: Some(parameter.into()),
        purpose: Some("demonstration".into()),
        metadata_id: None,
    };
    let raw = |values: Vec<Option<f64>>| {
        TimeSeries::new("RAW", index.clone(), Series::new("RAW".into(), values))
    };
    let mut dataset = Dataset::new("demo")?
        .with_description("Soluble COD, temperatures and pH of a pilot reactor")
        .with_owner("meteaudata demo")
        .with_project("pilot reactor");
    let cod_index = date_range("2020-01-01", 100, "6min")?;
    let cod: Vec<f64> = (0..100)
        .map(|i| 120.0 + 15.0 * (f64::from(i) / 9.0).sin())
        .collect();
    dataset.add(Signal::new(
        "CODs",
        "mg/l",
        DataProvenance {
            source_repository: Some("metEAUdata README snippet".into()),
            project: Some("metEAUdata".into()),
            location: Some("Primary clarifier effluent".into()),
            equipment: Some("S::CAN Spectro::lyser no:xyzxyz".into()),
            parameter: Some("Soluble Chemical Oxygen Demand".into()),
            purpose: Some("Demonstrating how metEAUdata works".into()),
            metadata_id: Some("xyz".into()),
        },
        [TimeSeries::new(
            "RAW",
            cod_index,
            Series::new("RAW".into(), cod),
        )?],
    )?)?;
    let cods = dataset.signal_mut("CODs#1")?;
    cods.process(
        &["CODs#1_RAW#1"],
        resample("5min"),
        ProcessOptions::default(),
    )?;
    cods.process(
        &["CODs#1_RESAMPLED#1"],
        linear_interpolation(),
        ProcessOptions::default(),
    )?;
    dataset.add(Signal::new(
        "Temperature",
        "°C",
        provenance("Temperature", "inlet"),
        [raw(wave(0.0, 18.0, 2.0))?],
    )?)?;
    dataset.add(Signal::new(
        "Temperature",
        "°C",
        provenance("Temperature", "outlet"),
        [raw(wave(0.4, 18.5, 1.5))?],
    )?)?;
    dataset.add(Signal::new(
        "pH",
        "-",
        provenance("pH", "outlet"),
        [raw(wave(1.0, 7.2, 0.3))?],
    )?)?;
    for signal in ["Temperature#1", "Temperature#2", "pH#1"] {
        let s = dataset.signal_mut(signal)?;
        s.process(
            &[format!("{signal}_RAW#1").as_str()],
            resample("30min"),
            ProcessOptions::default(),
        )?;
        s.process(
            &[format!("{signal}_RESAMPLED#1").as_str()],
            linear_interpolation(),
            ProcessOptions::default(),
        )?;
    }
    dataset.signal_mut("pH#1")?.process(
        &["pH#1_LIN-INT#1"],
        predict_from_previous_point(),
        ProcessOptions::default(),
    )?;
    dataset.process(
        &["Temperature#1_LIN-INT#1", "Temperature#2_LIN-INT#1"],
        average_signals(None, true),
        DatasetProcessOptions::default(),
    )?;
    Ok(dataset)
}

/// What the demo wrote.
pub struct Written {
    /// The Parquet store directory.
    pub store: PathBuf,
    /// The archive.
    pub archive: PathBuf,
    /// The interactive plot.
    pub plot: PathBuf,
    /// The lineage page.
    pub lineage: PathBuf,
}

/// Builds the demo dataset and writes it under `dir`.
pub fn run(dir: &Path) -> Result<Written> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let mut dataset = build()?;
    let store = dir.join("store");
    dataset.use_disk_storage_with(&store, false)?;
    if let Some(attachment) = dataset.storage() {
        // A demo run before this one left its dataset here: replace it (and nothing else).
        attachment
            .backend
            .clear(Some(&StorageKey::new([dataset.name()])?))?;
    }
    dataset.save_all()?;
    let archive = dataset.save_archive(dir)?;
    // The whole dataset: each signal's raw and cleaned series, one panel per signal.
    let plot = dir.join("plot.html");
    let signals = dataset.all_signals();
    let names: Vec<&str> = dataset
        .iter()
        .flat_map(|s| s.all_time_series())
        .filter(|n| !n.contains("_RESAMPLED#"))
        .collect();
    dataset
        .plot(&signals, &names, &PlotOptions::default())?
        .write(&plot)?;
    let lineage = dir.join("lineage.html");
    std::fs::write(&lineage, dataset.lineage_graph(None)?.to_html())
        .with_context(|| format!("cannot write {}", lineage.display()))?;
    Ok(Written {
        store,
        archive,
        plot,
        lineage,
    })
}
