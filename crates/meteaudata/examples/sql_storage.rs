//! SQL storage, as on the seed page: `use_sql_storage("sqlite:///…")`.
//!
//! The SQL backend is not part of this build yet, so this example shows the call, reports the
//! clear error it gives, and runs the same workflow on the memory backend instead.
//!
//! `cargo run -p meteaudata --example sql_storage`

use meteaudata::prelude::*;

fn main() -> anyhow::Result<()> {
    let index = date_range("2024-01-01", 48, "h")?;
    let values: Vec<f64> = (0..48).map(f64::from).collect();
    let raw = TimeSeries::new("RAW", index, Series::new("RAW".into(), values))?;
    let mut dataset = Dataset::new("shared")?.with_signals([Signal::new(
        "pH",
        "-",
        DataProvenance::default(),
        [raw],
    )?])?;

    let url = format!(
        "sqlite:///{}",
        std::env::temp_dir().join("meteaudata-example.db").display()
    );
    match dataset.use_sql_storage(&url) {
        Ok(()) => println!("stored in {url}"),
        Err(e) => {
            println!("use_sql_storage({url:?}): {e}");
            println!(
                "running on the memory backend instead (the SQL backend is not in this build)"
            );
            dataset.use_memory_storage()?;
        }
    }
    dataset.signal_mut("pH#1")?.process(
        &["pH#1_RAW#1"],
        resample("6h"),
        ProcessOptions::default(),
    )?;
    dataset.save_all()?;
    let backend = dataset.storage().expect("attached").backend.clone();
    for key in backend.list_keys(None)? {
        println!("stored: {key}");
    }
    Ok(())
}
