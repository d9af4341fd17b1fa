//! The data-safety jobs that `cargo xtask crash`, `cargo xtask concurrency` and
//! `cargo xtask corrupt` run, each in its own process:
//!
//! - `crash_writer`: commits forever (until killed) to dataset `crash`, alternating an
//!   auto-saved `process` that overwrites a series and a `save_all` that adds a signal, so
//!   that the content of every version is known from its number alone;
//! - `crash_check`: opens the latest version and checks it is exactly that content, every
//!   series' values compared and every object's checksum verified;
//! - `concurrent_writer`: one of several processes committing to dataset `shared` (its own
//!   signal every time, a shared one every fifth time) and reporting what landed;
//! - `history`: the version numbers of a dataset;
//! - `corrupt_trials`: flips one byte at a random position of a data object, many times, and
//!   reports whether each load failed with an error naming the object.

use anyhow::{Context, Result, bail};
use meteaudata::polars::prelude::*;
use meteaudata::prelude::*;
use meteaudata::storage::StorageError;
use meteaudata::{DatasetOpen, StorageExt};
use serde_json::{Value, json};

use crate::data;

/// Points of the series the crash jobs write.
const CRASH_POINTS: usize = 2_000;

/// Attaches `ds` to `target` (a directory or a URL).
fn attach(ds: &mut Dataset, target: &str) -> Result<()> {
    if target.contains("://") {
        ds.use_url_storage(target)?;
    } else {
        ds.use_disk_storage(target)?;
    }
    Ok(())
}

/// A transform that multiplies the values by `factor` (suffix `SCALED`).
fn scale(factor: u64) -> impl Fn(&[&TimeSeries]) -> Result<Vec<TransformOutput>, BoxError> {
    move |inputs| {
        let ts = inputs[0];
        let scaled = ts.values()?.cast(&DataType::Float64)? * factor as f64;
        let signal = ts.name().rsplit_once('_').map_or("", |(s, _)| s);
        let info = FunctionInfo::new("scale", "1.0", "meteaudata-workloads", "safety.rs");
        let step = ProcessingStep::new(ProcessingType::Transformation, "scale", info, "SCALED")
            .with_parameters(Parameters::new().with("factor", factor as f64))
            .with_inputs([ts.name()]);
        let out = ts.with_same_index(format!("{signal}_SCALED"), scaled)?;
        Ok(vec![TransformOutput::new(out, step)])
    }
}

/// The factor of `A#1_SCALED#1` in version `v`.
fn crash_factor(v: u64) -> u64 {
    if v >= 2 { v - v % 2 } else { 1 }
}

/// Signal `B<k>` of the crash dataset.
fn crash_signal(k: u64) -> Result<Signal> {
    let raw = data::series(200, k);
    Ok(Signal::new(
        &format!("B{k}"),
        "u",
        DataProvenance::default(),
        [raw],
    )?)
}

/// Commits to dataset `crash` at `target` until the process is killed.
pub fn crash_writer(target: &str) -> Result<()> {
    let mut ds = match Dataset::open(target, "crash") {
        Ok(ds) => ds,
        Err(meteaudata::Error::Storage(
            StorageError::NotFound { .. } | StorageError::MissingStore { .. },
        )) => {
            let mut a = Signal::new(
                "A",
                "u",
                DataProvenance::default(),
                [data::series(CRASH_POINTS, 0)],
            )?;
            a.process(&["A#1_RAW#1"], scale(1), ProcessOptions::default())?;
            let mut ds = Dataset::new("crash")?.with_signals([a])?;
            attach(&mut ds, target)?;
            ds
        }
        Err(e) => return Err(e.into()),
    };
    loop {
        let next = ds.version().unwrap_or(0) + 1;
        if next % 2 == 0 {
            ds.signal_mut("A#1")?.process(
                &["A#1_RAW#1"],
                scale(next),
                ProcessOptions::default().overwrite(true),
            )?;
        } else {
            ds.add(crash_signal(next)?)?;
        }
    }
}

fn floats(ts: &TimeSeries) -> Result<Vec<Option<f64>>> {
    Ok(ts
        .values()?
        .cast(&DataType::Float64)?
        .f64()?
        .iter()
        .collect())
}

/// Opens the latest version of `crash` at `target` and checks it is exactly what the writer
/// committed as that version.
pub fn crash_check(target: &str) -> Result<Value> {
    let ds = match Dataset::open(target, "crash") {
        Ok(ds) => ds,
        // Killed before its first commit: nothing committed is the right state.
        Err(meteaudata::Error::Storage(
            StorageError::NotFound { .. } | StorageError::MissingStore { .. },
        )) => return Ok(json!({ "version": 0, "ok": true, "problems": [] })),
        Err(e) => return Err(e.into()),
    };
    let v = ds.version().context("the dataset has no version")?;
    let mut problems: Vec<String> = Vec::new();
    let mut expected_signals = vec!["A#1".to_owned()];
    expected_signals.extend((3..=v).filter(|k| k % 2 == 1).map(|k| format!("B{k}#1")));
    let got: Vec<String> = ds.all_signals().iter().map(|s| (*s).to_owned()).collect();
    if got != expected_signals {
        problems.push(format!("signals {got:?}, expected {expected_signals:?}"));
    }
    let raw = data::values(CRASH_POINTS, 0);
    let factor = crash_factor(v) as f64;
    let scaled: Vec<Option<f64>> = raw.iter().map(|x| x.map(|x| x * factor)).collect();
    let mut check = |series: &str, expected: &[Option<f64>]| {
        let signal = series.split_once('_').map_or(series, |(s, _)| s);
        match ds
            .signal(signal)
            .and_then(|s| s.time_series(series).cloned())
            .map_err(anyhow::Error::from)
            .and_then(|ts| floats(&ts))
        {
            Ok(values) if values == expected => {}
            Ok(_) => problems.push(format!("{series}: other values than version {v}'s")),
            Err(e) => problems.push(format!("{series}: {e:#}")),
        }
    };
    check("A#1_RAW#1", &raw);
    check("A#1_SCALED#1", &scaled);
    for k in (3..=v).filter(|k| k % 2 == 1) {
        check(&format!("B{k}#1_RAW#1"), &data::values(200, k));
    }
    Ok(json!({ "version": v, "ok": problems.is_empty(), "problems": problems }))
}

/// One of several writers of dataset `shared` at `target`: `commits` commits, each to its
/// own signal `W<writer>`, every fifth also to the shared signal `S0#1`. Reports the
/// versions that landed and the number of conflicts; any other error fails the job.
pub fn concurrent_writer(target: &str, writer: u64, commits: u64) -> Result<Value> {
    let mut landed = Vec::new();
    let mut conflicts = 0u64;
    let mut ds = open_retrying(target)?;
    let mine = format!("W{writer}#1");
    for i in 0..commits {
        let shared = i % 5 == 4;
        let outcome = if !ds.all_signals().contains(&mine.as_str()) {
            let signal = Signal::new(
                &format!("W{writer}"),
                "u",
                DataProvenance::default(),
                [data::series(100, writer)],
            )?;
            ds.add(signal).map(drop)
        } else {
            let (signal, series) = if shared {
                ("S0#1".to_owned(), "S0#1_RAW#1".to_owned())
            } else {
                (mine.clone(), format!("{mine}_RAW#1"))
            };
            ds.signal_mut(&signal)?
                .process(
                    &[&series],
                    scale(i + 2),
                    ProcessOptions::default().overwrite(true),
                )
                .map(drop)
        };
        match outcome {
            Ok(()) => landed.push(ds.version().unwrap_or(0)),
            Err(meteaudata::Error::Storage(StorageError::VersionConflict { .. })) => {
                conflicts += 1;
                // As a user would: reopen and go on.
                ds = Dataset::open(target, "shared")?;
            }
            Err(e) => bail!("writer {writer}, commit {i}: {e}"),
        }
    }
    Ok(json!({ "writer": writer, "landed": landed, "conflicts": conflicts }))
}

fn open_retrying(target: &str) -> Result<Dataset> {
    Dataset::open(target, "shared").context("open the shared dataset")
}

/// Creates dataset `shared` at `target` with signal `S0#1`.
pub fn concurrent_setup(target: &str) -> Result<Value> {
    let mut ds = Dataset::new("shared")?.with_signals([data::signal(100, 0)])?;
    attach(&mut ds, target)?;
    Ok(json!({ "version": ds.version() }))
}

/// Removes everything of dataset `name` at `target` (to start a harness afresh).
pub fn reset(target: &str, name: &str) -> Result<Value> {
    meteaudata::register_backends();
    let config = if target.contains("://") {
        StorageConfig::for_url(target)
    } else {
        StorageConfig::for_disk(target)
    };
    let backend = meteaudata::storage::create_backend(&config)?;
    backend.clear(Some(&meteaudata::storage::StorageKey::new([name])?))?;
    Ok(json!({ "cleared": name }))
}

/// The version numbers of dataset `name` at `target`.
pub fn history(target: &str, name: &str) -> Result<Value> {
    let versions: Vec<u64> = meteaudata::list_versions(target, name)?
        .iter()
        .map(|v| v.version)
        .collect();
    Ok(json!({ "versions": versions }))
}

/// Writes a dataset to the directory `dir`, then `trials` times flips one byte at a random
/// position of its data object and loads it: each load must fail with an error naming the
/// object.
pub fn corrupt_trials(dir: &std::path::Path, trials: u64) -> Result<Value> {
    let _ = std::fs::remove_dir_all(dir);
    let mut ds = Dataset::new("corrupt")?.with_signals([data::signal(50_000, 0)])?;
    ds.use_disk_storage(dir)?;
    let object = find_parquet(dir)?.context("no data object written")?;
    let name = object
        .file_stem()
        .and_then(|s| s.to_str())
        .context("object name")?
        .to_owned();
    let original = std::fs::read(&object)?;
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let (mut named, mut silent, mut other) = (0u64, Vec::new(), Vec::new());
    for _ in 0..trials {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let position = (state % original.len() as u64) as usize;
        let mut bytes = original.clone();
        bytes[position] ^= 1 << (state % 8);
        std::fs::write(&object, &bytes)?;
        let loaded = Dataset::open(dir.to_str().context("UTF-8 path")?, "corrupt")
            .and_then(|d| d.signal("S0#1")?.time_series("S0#1_RAW#1")?.values());
        match loaded {
            Err(e) if e.to_string().contains(&name) => named += 1,
            Err(e) => other.push(format!("byte {position}: {e}")),
            Ok(_) => silent.push(position),
        }
    }
    std::fs::write(&object, &original)?;
    Ok(json!({
        "trials": trials,
        "object_bytes": original.len(),
        "named": named,
        "silent": silent,
        "other_errors": other,
    }))
}

fn find_parquet(dir: &std::path::Path) -> Result<Option<std::path::PathBuf>> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            if let Some(found) = find_parquet(&path)? {
                return Ok(Some(found));
            }
        } else if path.extension().is_some_and(|e| e == "parquet") {
            return Ok(Some(path));
        }
    }
    Ok(None)
}
