//! SQL storage, as on the seed page: keep a dataset in a SQLite file (or PostgreSQL / MySQL
//! with those features) for shared access, and query it with plain SQL.
//!
//! `cargo run -p meteaudata --example sql_storage -- [database URL]`

use meteaudata::prelude::*;

fn main() -> anyhow::Result<()> {
    let url = std::env::args().nth(1).unwrap_or_else(|| {
        let file = std::env::temp_dir().join("meteaudata-example.db");
        let _ = std::fs::remove_file(&file);
        format!("sqlite:///{}", file.display())
    });

    let index = date_range("2024-01-01", 48, "h")?;
    let values: Vec<f64> = (0..48).map(|i| 7.0 + f64::from(i % 12) / 10.0).collect();
    let raw = TimeSeries::new("RAW", index, Series::new("RAW".into(), values))?;
    let mut dataset = Dataset::new("plant")?.with_signals([Signal::new(
        "pH",
        "-",
        DataProvenance::default(),
        [raw],
    )?])?;

    dataset.use_sql_storage(&url)?;
    dataset.signal_mut("pH#1")?.process(
        &["pH#1_RAW#1"],
        resample("6h"),
        ProcessOptions::default(),
    )?;

    let backend = dataset.storage().expect("attached").backend.clone();
    println!("stored in {url}:");
    for key in backend.list_keys(None)? {
        println!("  {key}");
    }
    let reopened = Dataset::open(&url, "plant")?;
    let six_hourly = reopened.signal("pH#1")?.time_series("pH#1_RESAMPLED#1")?;
    println!(
        "reopened {}: {} points, {:?}",
        six_hourly.name(),
        six_hourly.len(),
        six_hourly.values()?.f64()?.get(0)
    );
    for version in meteaudata::list_versions(&url, "plant")? {
        println!(
            "version {}: {} ({})",
            version.version,
            version.summary.describe(),
            version.operation
        );
    }
    println!(
        "\nquery it: SELECT position, value_float FROM meteaudata_points JOIN meteaudata_series USING (series_id) WHERE series_key LIKE 'plant/pH#1/RESAMPLED#1/%';"
    );
    Ok(())
}
