//! Configure storage: keep a dataset in Parquet files on disk, with every processing step
//! saved as it happens, then reopen it from the directory alone.
//!
//! `cargo run -p meteaudata --example disk_storage -- [directory]`

use meteaudata::prelude::*;

fn main() -> anyhow::Result<()> {
    let dir = std::env::args()
        .nth(1)
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::env::temp_dir().join("meteaudata-disk-example"));
    let _ = std::fs::remove_dir_all(&dir);

    let index = date_range("2024-01-01", 96, "15min")?;
    let values: Vec<Option<f64>> = (0..96)
        .map(|i| (i % 17 != 5).then(|| 20.0 + (f64::from(i) / 8.0).sin()))
        .collect();
    let raw = TimeSeries::new("RAW", index, Series::new("RAW".into(), values))?;
    let signal = Signal::new("Temperature", "°C", DataProvenance::default(), [raw])?;
    let mut dataset = Dataset::new("reactor")?.with_signals([signal])?;

    // Every series is written now, and each processing step writes what it creates.
    dataset.use_disk_storage(&dir)?;
    let temperature = dataset.signal_mut("Temperature#1")?;
    temperature.process(
        &["Temperature#1_RAW#1"],
        linear_interpolation(),
        ProcessOptions::default(),
    )?;
    temperature.process(
        &["Temperature#1_LIN-INT#1"],
        resample("h"),
        ProcessOptions::default(),
    )?;

    println!("files in {}:", dir.display());
    let mut files: Vec<String> = walk(&dir)?;
    files.sort();
    for file in &files {
        println!("  {file}");
    }

    // A new handle reads everything back from the directory alone.
    let reopened = Dataset::open(dir.to_str().unwrap_or_default(), "reactor")?;
    let hourly = reopened
        .signal("Temperature#1")?
        .time_series("Temperature#1_RESAMPLED#1")?;
    println!(
        "\nreopened {} with {} hourly points and {} steps",
        hourly.name(),
        hourly.len(),
        hourly.processing_steps().len()
    );
    println!("{}", reopened.to_text(1));
    Ok(())
}

fn walk(dir: &std::path::Path) -> std::io::Result<Vec<String>> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            out.extend(walk(&path)?);
        } else {
            out.push(path.display().to_string());
        }
    }
    Ok(out)
}
