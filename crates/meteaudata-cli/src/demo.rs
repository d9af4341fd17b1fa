//! `meteaudata demo <dir>`: the example dataset of the project page, built in memory and
//! written as a Parquet store, an archive, a plot and a lineage page.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use meteaudata::plot::{LineageRender, PlotOptions, SignalPlot};
use meteaudata::prelude::*;

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
        .with_description("Temperatures and pH of a pilot reactor over one day")
        .with_owner("meteaudata demo")
        .with_project("pilot reactor");
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
    if store.exists() {
        std::fs::remove_dir_all(&store)
            .with_context(|| format!("cannot replace {}", store.display()))?;
    }
    dataset.use_disk_storage(&store)?;
    dataset.save_all()?;
    let archive = dataset.save_archive(dir)?;
    let plot = dir.join("plot.html");
    dataset
        .signal("pH#1")?
        .plot(
            &["pH#1_RAW#1", "pH#1_LIN-INT#1", "pH#1_PREV-PRED#1"],
            &PlotOptions::default(),
        )?
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
