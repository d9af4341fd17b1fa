//! Switch from memory to disk mid-session: work in memory, then move every series to a
//! Parquet directory in one call; saved series beyond the memory budget leave memory.
//!
//! `cargo run -p meteaudata --example switch_to_disk -- [directory]`

use meteaudata::prelude::*;

fn main() -> anyhow::Result<()> {
    let dir = std::env::args()
        .nth(1)
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::env::temp_dir().join("meteaudata-switch-example"));
    let _ = std::fs::remove_dir_all(&dir);

    let mut dataset = Dataset::new("plant")?;
    for name in ["Flow", "Level", "Turbidity"] {
        let index = date_range("2024-01-01", 100_000, "min")?;
        let values: Vec<f64> = (0..100_000).map(|i| f64::from(i % 1440)).collect();
        let raw = TimeSeries::new("RAW", index, Series::new("RAW".into(), values))?;
        let mut signal = Signal::new(name, "u", DataProvenance::default(), [raw])?;
        signal.process(
            &[&format!("{name}#1_RAW#1")],
            resample("h"),
            ProcessOptions::default(),
        )?;
        dataset.add(signal)?;
    }
    println!(
        "in memory: {} bytes of series data",
        dataset.resident_bytes()
    );

    // One call moves everything; a 1 MiB budget keeps only the most recently used in memory.
    dataset.use_config(&StorageConfig::for_disk(&dir).memory_budget(1 << 20))?;
    dataset.save_all()?;
    println!(
        "after the switch: {} bytes resident",
        dataset.resident_bytes()
    );

    // Reading a released series loads it back transparently.
    let flow = dataset.signal("Flow#1")?.time_series("Flow#1_RAW#1")?;
    println!(
        "Flow#1_RAW#1 resident: {}; first value {:?}",
        flow.is_resident(),
        flow.values()?.f64()?.get(0)
    );
    Ok(())
}
