//! The tree `meteaudata inspect` prints: signals, series, lengths, time ranges, steps and a
//! checksum of each series' data.

use std::fmt::Write;

use anyhow::Result;
use meteaudata::polars::prelude::{AnyValue, Series};
use meteaudata::{Dataset, TimeSeries};

fn label(v: AnyValue<'_>) -> String {
    match v {
        AnyValue::String(s) => s.to_owned(),
        other => other.to_string(),
    }
}

fn hash_column(context: &mut md5::Context, series: &Series) {
    context.consume(series.dtype().to_string().as_bytes());
    for v in series.iter() {
        context.consume(label(v).as_bytes());
        context.consume([0u8]);
    }
}

/// The MD5 of a series' index and values (types and every label and value as text): equal
/// checksums mean equal data.
pub fn checksum(ts: &TimeSeries) -> Result<String> {
    let mut context = md5::Context::new();
    hash_column(&mut context, &ts.index()?);
    hash_column(&mut context, &ts.values()?);
    Ok(format!("{:x}", context.compute()))
}

fn range(ts: &TimeSeries) -> Result<String> {
    if ts.is_empty() {
        return Ok("empty".into());
    }
    let index = ts.index()?;
    Ok(format!(
        "{} .. {}",
        label(index.get(0)?),
        label(index.get(ts.len() - 1)?)
    ))
}

/// The inspection tree of a dataset.
pub fn tree(dataset: &Dataset) -> Result<String> {
    let mut out = String::new();
    let version = dataset
        .version()
        .map_or(String::new(), |v| format!(", version {v}"));
    writeln!(
        out,
        "dataset {} ({} signals{version})",
        dataset.name(),
        dataset.len()
    )?;
    for signal in dataset.iter() {
        writeln!(
            out,
            "  signal {} [{}] ({} series)",
            signal.name(),
            signal.units(),
            signal.len()
        )?;
        for ts in signal.iter() {
            let state = dataset
                .replay_state(ts.name())?
                .map_or(String::new(), |s| format!(" ({s})"));
            writeln!(
                out,
                "    series {}: {} points, {}, {}, md5 {}{state}",
                ts.name(),
                ts.len(),
                ts.values_dtype(),
                range(ts)?,
                checksum(ts)?
            )?;
            for (i, step) in ts.processing_steps().iter().enumerate() {
                writeln!(
                    out,
                    "      step {}: {} ({}) from [{}]",
                    i + 1,
                    step.function_info.name,
                    step.step_type,
                    step.input_series_names.join(", ")
                )?;
            }
        }
    }
    Ok(out)
}
