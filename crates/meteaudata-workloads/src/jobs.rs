//! The jobs: each builds, processes, writes or reads the workload data and reports phase
//! timings, a checksum and the process's peak memory as one JSON object.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result, bail};
use meteaudata::polars::prelude::*;
use meteaudata::prelude::*;
use serde_json::{Value, json};

use crate::data::{self, Checksum, checksum};

/// The arguments of one run.
#[derive(Debug, Clone)]
pub struct Job {
    /// The job name (`w1_build`, …).
    pub name: String,
    /// Points per signal.
    pub n: usize,
    /// A scratch directory for stores.
    pub dir: PathBuf,
    /// Signals (w6 only).
    pub signals: u64,
    /// Memory budget in bytes (w6_disk).
    pub budget: usize,
    /// The database of the w4 jobs (a SQLite file in `dir` when `None`).
    pub url: Option<String>,
}

/// The job names.
pub const JOBS: &[&str] = &[
    "w1_build",
    "w2_process",
    "w3_write",
    "w3_read",
    "w6_mem",
    "w6_disk",
    "raw_parquet_write",
    "raw_parquet_read",
    "raw_parquet_plain_write",
    "raw_parquet_plain_read",
    "raw_parquet_same_write",
    "raw_parquet_same_read",
    "raw_csv_write",
    "raw_csv_read",
    "raw_polars_process",
    "range_append",
    "appends_compact",
    "resample_stored",
    "refresh_day",
];

struct Phases(Vec<(&'static str, f64)>);

impl Phases {
    fn time<T>(&mut self, name: &'static str, f: impl FnOnce() -> Result<T>) -> Result<T> {
        let start = Instant::now();
        let out = f()?;
        self.0.push((name, start.elapsed().as_secs_f64()));
        Ok(out)
    }

    fn to_json(&self) -> Value {
        Value::Object(
            self.0
                .iter()
                .map(|(k, v)| ((*k).to_owned(), json!(v)))
                .collect(),
        )
    }
}

fn values_of(ts: &TimeSeries) -> Result<Vec<Option<f64>>> {
    floats(&ts.values()?)
}

fn floats(values: &Series) -> Result<Vec<Option<f64>>> {
    Ok(values.cast(&DataType::Float64)?.f64()?.iter().collect())
}

/// The peak resident set of this process, in KiB (Linux `VmHWM`).
pub fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// The bytes of all files under `dir`.
pub fn bytes_on_disk(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| {
            let p = e.path();
            if p.is_dir() {
                bytes_on_disk(&p)
            } else {
                e.metadata().map_or(0, |m| m.len())
            }
        })
        .sum()
}

/// Runs one job and returns its report.
pub fn run(job: &Job) -> Result<Value> {
    let mut phases = Phases(Vec::new());
    let n = job.n;
    let raw_name = "S0#1_RAW#1";
    let result: Checksum = match job.name.as_str() {
        "w1_build" => {
            let ds = phases.time("build", || Ok(data::dataset(n)))?;
            checksum(&values_of(ds.signal("S0#1")?.time_series(raw_name)?)?)
        }
        "w2_process" => {
            let mut ds = phases.time("build", || Ok(data::dataset(n)))?;
            phases.time("process", || {
                let s = ds.signal_mut("S0#1")?;
                s.process(&[raw_name], resample("15min"), ProcessOptions::default())?;
                s.process(
                    &["S0#1_RESAMPLED#1"],
                    linear_interpolation(),
                    ProcessOptions::default(),
                )?;
                Ok(())
            })?;
            checksum(&values_of(
                ds.signal("S0#1")?.time_series("S0#1_LIN-INT#1")?,
            )?)
        }
        "w3_write" => {
            fresh(&job.dir)?;
            let mut ds = phases.time("build", || Ok(data::dataset(n)))?;
            phases.time("write", || Ok(ds.use_disk_storage(&job.dir)?))?;
            checksum(&values_of(ds.signal("S0#1")?.time_series(raw_name)?)?)
        }
        "w3_read" => {
            let ds = phases.time("open", || {
                Ok(Dataset::open(
                    job.dir.to_str().context("directory is not UTF-8")?,
                    "workload",
                )?)
            })?;
            // The timed read ends with the values in memory, as the raw job's does.
            let values = phases.time("read", || {
                Ok(ds.signal("S0#1")?.time_series(raw_name)?.values()?)
            })?;
            generated(n, &floats(&values)?)?
        }
        "w4_write" => {
            fresh(&job.dir)?;
            let mut ds = phases.time("build", || Ok(data::dataset(n)))?;
            let url = job.url.clone().unwrap_or_else(|| sqlite_url(&job.dir));
            if job.url.is_some() {
                // A server keeps the previous run's dataset: remove it first.
                meteaudata::register_backends();
                let backend = meteaudata::storage::create_backend(&StorageConfig::for_url(&url))?;
                match backend.clear(Some(&meteaudata::storage::StorageKey::new(["workload"])?)) {
                    Ok(()) | Err(meteaudata::storage::StorageError::NotFound { .. }) => {}
                    Err(e) => return Err(e.into()),
                }
            }
            phases.time("write", || Ok(ds.use_sql_storage(&url)?))?;
            checksum(&values_of(ds.signal("S0#1")?.time_series(raw_name)?)?)
        }
        "w4_read" => {
            let ds = phases.time("open", || {
                let url = job.url.clone().unwrap_or_else(|| sqlite_url(&job.dir));
                Ok(Dataset::open(&url, "workload")?)
            })?;
            // The timed read ends with the values in memory, as the raw job's does.
            let values = phases.time("read", || {
                Ok(ds.signal("S0#1")?.time_series(raw_name)?.values()?)
            })?;
            generated(n, &floats(&values)?)?
        }
        "w5_write" => {
            fresh(&job.dir)?;
            let ds = phases.time("build", || Ok(data::dataset(n)))?;
            phases.time("write", || Ok(ds.save_archive(&job.dir)?))?;
            checksum(&values_of(ds.signal("S0#1")?.time_series(raw_name)?)?)
        }
        "w5_read" => {
            let ds = phases.time("read", || {
                Ok(Dataset::load_archive(
                    job.dir.join("workload.zip"),
                    "workload",
                )?)
            })?;
            generated(n, &values_of(ds.signal("S0#1")?.time_series(raw_name)?)?)?
        }
        "open_versions" => {
            // A dataset on disk with `n` versions (one small series rewritten by each), then
            // the time to open its latest version and read that series.
            fresh(&job.dir)?;
            let mut ds = Dataset::new("workload")?.with_signals([data::signal(100, 0)])?;
            phases.time("build", || {
                ds.use_disk_storage(&job.dir)?;
                for _ in 1..n {
                    let signal = ds.signal_mut("S0#1")?;
                    signal.process(
                        &["S0#1_RAW#1"],
                        linear_interpolation(),
                        ProcessOptions::default().overwrite(true),
                    )?;
                }
                Ok(())
            })?;
            let dir = job.dir.to_str().context("directory is not UTF-8")?;
            let opened = phases.time("open", || {
                let ds = Dataset::open(dir, "workload")?;
                let values = ds.signal("S0#1")?.time_series("S0#1_LIN-INT#1")?.values()?;
                Ok((ds.version(), values))
            })?;
            if opened.0 != Some(n as u64) {
                bail!("opened version {:?}, expected {n}", opened.0);
            }
            checksum(&floats(&opened.1)?)
        }
        "range_append" => {
            // A stored series of `n` points (a local folder, or the SQL database `--url`):
            // saving it whole, loading it whole, reading one day of it (1,440 points from its
            // middle), and appending one day after its end, each from a fresh open.
            fresh(&job.dir)?;
            let target = job
                .url
                .clone()
                .unwrap_or_else(|| job.dir.display().to_string());
            let mut ds = phases.time("build", || Ok(data::dataset(n)))?;
            phases.time("save_whole", || match &job.url {
                Some(url) => Ok(ds.use_url_storage(url)?),
                None => Ok(ds.use_disk_storage(&job.dir)?),
            })?;
            drop(ds);
            let whole = phases.time("load_whole", || {
                let ds = Dataset::open(&target, "workload")?;
                Ok(ds.signal("S0#1")?.time_series(raw_name)?.values()?)
            })?;
            let day_start = (n / 2) as i64;
            let day = phases.time("read_day", || {
                let ds = Dataset::open(&target, "workload")?;
                let ts = ds.signal("S0#1")?.time_series(raw_name)?;
                let (from, to) = (data::label(day_start), data::label(day_start + 1440));
                Ok(ts.read_range(from, to)?)
            })?;
            if day.height() != 1440 {
                bail!("read {} points of one day", day.height());
            }
            let expected = whole.slice(day_start, 1440);
            if !day
                .column("values")?
                .as_materialized_series()
                .equals_missing(&expected)
            {
                bail!("the day read differs from the same day of the whole series");
            }
            phases.time("append_day", || {
                let mut ds = Dataset::open(&target, "workload")?;
                let index = data::index_from(n, 1440);
                let values = Series::new("v".into(), data::values_from(n, 1440, 0));
                ds.signal_mut("S0#1")?
                    .append(raw_name, index, values, Overlap::Error)?;
                Ok(())
            })?;
            checksum(&floats(&whole)?)
        }
        "appends_compact" => {
            // A series grown by 1,000 appends of `n` points to a local folder, compacted,
            // then loaded; and the same points saved whole and loaded.
            fresh(&job.dir)?;
            let grown = job.dir.join("grown");
            let mut ds = Dataset::new("workload")?.with_signals([data::signal(n, 0)])?;
            ds.use_disk_storage(&grown)?;
            phases.time("appends", || {
                for k in 1..1000 {
                    ds.signal_mut("S0#1")?.append(
                        raw_name,
                        data::index_from(k * n, n),
                        Series::new("v".into(), data::values_from(k * n, n, 0)),
                        Overlap::Error,
                    )?;
                }
                Ok(())
            })?;
            phases.time("compact", || {
                Ok(ds.signal_mut("S0#1")?.compact(raw_name)?)
            })?;
            drop(ds);
            let whole = job.dir.join("whole");
            let mut copy = data::dataset(n * 1000);
            copy.use_disk_storage(&whole)?;
            drop(copy);
            let load = |dir: &Path| -> Result<Series> {
                let ds =
                    Dataset::open(dir.to_str().context("directory is not UTF-8")?, "workload")?;
                Ok(ds.signal("S0#1")?.time_series(raw_name)?.values()?)
            };
            // One untimed load of each first, so that neither timed load pays the process's
            // first-use costs (thread pools, allocator growth).
            let _warm = (load(&grown)?, load(&whole)?);
            let appended = phases.time("load_appended", || load(&grown))?;
            let saved = phases.time("load_whole", || load(&whole))?;
            if !appended.equals_missing(&saved) {
                bail!("the appended series differs from the same points saved whole");
            }
            checksum(&floats(&appended)?)
        }
        "resample_stored" => {
            // A series of `n` points stored on a local folder by appends of 2^20 points (it
            // is never whole in memory), then resampled to 15 minutes and interpolated, each
            // from a fresh open with a memory budget of 0: both go one chunk at a time.
            fresh(&job.dir)?;
            const BLOCK: usize = 1 << 20;
            let config = StorageConfig::for_disk(&job.dir).memory_budget(0);
            let first = BLOCK.min(n);
            phases.time("build", || {
                let raw = TimeSeries::new(
                    "RAW",
                    data::index(first),
                    Series::new("RAW".into(), data::values(first, 0)),
                )?;
                let mut ds = Dataset::new("workload")?.with_signals([Signal::new(
                    "S0",
                    "u",
                    DataProvenance::default(),
                    [raw],
                )?])?;
                ds.use_config(&config)?;
                let mut at = first;
                while at < n {
                    let len = BLOCK.min(n - at);
                    ds.signal_mut("S0#1")?.append(
                        raw_name,
                        data::index_from(at, len),
                        Series::new("v".into(), data::values_from(at, len, 0)),
                        Overlap::Error,
                    )?;
                    at += len;
                }
                Ok(())
            })?;
            let resampled = phases.time("resample", || {
                let mut ds = Dataset::open_with(&config, "workload")?;
                let signal = ds.signal_mut("S0#1")?;
                let out =
                    signal.process(&[raw_name], resample("15min"), ProcessOptions::default())?;
                Ok(signal.time_series(&out[0])?.values()?)
            })?;
            // Interpolating the points themselves: input and output go chunk by chunk.
            phases.time("interpolate", || {
                let mut ds = Dataset::open_with(&config, "workload")?;
                let signal = ds.signal_mut("S0#1")?;
                let out = signal.process(
                    &[raw_name],
                    linear_interpolation(),
                    ProcessOptions::default(),
                )?;
                let ts = signal.time_series(&out[0])?;
                if ts.len() != n || ts.is_resident() {
                    bail!(
                        "interpolated {} points, resident: {}",
                        ts.len(),
                        ts.is_resident()
                    );
                }
                Ok(())
            })?;
            checksum(&floats(&resampled)?)
        }
        "refresh_day" => {
            // A stored series of `n` points, resampled to 15 minutes and interpolated; one
            // day (1,440 points) appended; then, from a fresh open of copies of that store,
            // the refresh that recomputes only the end, and the refresh that re-runs both
            // steps on the whole series. Both must give the same numbers.
            fresh(&job.dir)?;
            let (incremental, whole) = (job.dir.join("incremental"), job.dir.join("whole"));
            phases.time("setup", || {
                let mut ds = data::dataset(n);
                ds.use_disk_storage(&incremental)?;
                let signal = ds.signal_mut("S0#1")?;
                signal.process(&[raw_name], resample("15min"), ProcessOptions::default())?;
                signal.process(
                    &["S0#1_RESAMPLED#1"],
                    linear_interpolation(),
                    ProcessOptions::default(),
                )?;
                signal.append(
                    raw_name,
                    data::index_from(n, 1440),
                    Series::new("v".into(), data::values_from(n, 1440, 0)),
                    Overlap::Error,
                )?;
                copy_dir(&incremental, &whole)
            })?;
            let registry = meteaudata::registry();
            let refresh = |dir: &Path, whole: bool| -> Result<Vec<Option<String>>> {
                let mut ds =
                    Dataset::open(dir.to_str().context("directory is not UTF-8")?, "workload")?;
                let report = ds.refresh(&registry, RefreshOptions { whole })?;
                Ok(report.refreshed.into_iter().map(|r| r.from).collect())
            };
            // The incremental refresh runs first, paying the process's first-use costs.
            let from = phases.time("refresh_incremental", || refresh(&incremental, false))?;
            let rerun = phases.time("refresh_whole", || refresh(&whole, true))?;
            if from.len() != 2 || from.iter().any(Option::is_none) || rerun != [None, None] {
                bail!("refreshed {from:?} incrementally and {rerun:?} whole");
            }
            let interpolated = |dir: &Path| -> Result<Series> {
                let ds =
                    Dataset::open(dir.to_str().context("directory is not UTF-8")?, "workload")?;
                Ok(ds.signal("S0#1")?.time_series("S0#1_LIN-INT#1")?.values()?)
            };
            let (a, b) = (interpolated(&incremental)?, interpolated(&whole)?);
            if !a.equals_missing(&b) {
                bail!("the incremental refresh differs from the whole re-run");
            }
            checksum(&floats(&a)?)
        }
        "add_signal_cost" => {
            // Adding signals of `n` points one by one to a dataset on disk: the median time
            // of one add among the first ten and among the last ten, and the mean over all
            // adds (which includes the checkpoint written every 50 versions).
            fresh(&job.dir)?;
            let mut ds = Dataset::new("workload")?;
            ds.use_config(&StorageConfig::for_disk(&job.dir).memory_budget(job.budget))?;
            let total = job.signals.max(20);
            let mut times = Vec::with_capacity(total as usize);
            for s in 0..total {
                let signal = data::signal(n, s);
                let start = Instant::now();
                ds.add(signal)?;
                times.push(start.elapsed().as_secs_f64());
            }
            let median = |slice: &[f64]| {
                let mut sorted = slice.to_vec();
                sorted.sort_by(f64::total_cmp);
                sorted[sorted.len() / 2]
            };
            let last = times.len() - 10;
            phases.0.push(("first_10_median_add", median(&times[..10])));
            phases
                .0
                .push(("last_10_median_add", median(&times[last..])));
            phases
                .0
                .push(("mean_add", times.iter().sum::<f64>() / times.len() as f64));
            checksum(&values_of(
                ds.signal(&format!("S{}#1", total - 1))?
                    .time_series(&format!("S{}#1_RAW#1", total - 1))?,
            )?)
        }
        "w6_mem" | "w6_disk" => {
            let on_disk = job.name == "w6_disk";
            if on_disk {
                fresh(&job.dir)?;
            }
            let mut ds = Dataset::new("workload")?;
            if on_disk {
                ds.use_config(&StorageConfig::for_disk(&job.dir).memory_budget(job.budget))?;
            }
            let mut last = None;
            phases.time("process", || {
                for s in 0..job.signals {
                    let name = ds.add(data::signal(n, s))?;
                    let signal = ds.signal_mut(&name)?;
                    let step = |signal: &mut Signal,
                                input: &str,
                                transform: Box<dyn SignalTransform>|
                     -> Result<String> {
                        Ok(signal
                            .process(&[input], transform, ProcessOptions::default())?
                            .remove(0))
                    };
                    let a = step(
                        signal,
                        &format!("{name}_RAW#1"),
                        Box::new(linear_interpolation()),
                    )?;
                    let b = step(signal, &a, Box::new(resample("15min")))?;
                    let c = step(signal, &b, Box::new(linear_interpolation()))?;
                    last = Some((name, c));
                }
                Ok(())
            })?;
            let (signal, series) = last.context("no signal processed")?;
            checksum(&values_of(ds.signal(&signal)?.time_series(&series)?)?)
        }
        "raw_parquet_write" | "raw_parquet_plain_write" => {
            fresh(&job.dir)?;
            let mut frame = phases.time("build", || Ok(data::series(n, 0).data()?))?;
            let (file, compression) = raw_parquet(&job.name);
            phases.time("write", || {
                let file = std::fs::File::create(job.dir.join(file))?;
                ParquetWriter::new(file)
                    .with_compression(compression)
                    .finish(&mut frame)?;
                Ok(())
            })?;
            checksum(&frame.column("values")?.f64()?.iter().collect::<Vec<_>>())
        }
        "raw_parquet_read" | "raw_parquet_plain_read" => {
            let (file, _) = raw_parquet(&job.name);
            let frame = phases.time("read", || {
                Ok(ParquetReader::new(std::fs::File::open(job.dir.join(file))?).finish()?)
            })?;
            generated(
                n,
                &frame.column("values")?.f64()?.iter().collect::<Vec<_>>(),
            )?
        }
        "raw_parquet_same_write" => {
            fresh(&job.dir)?;
            let frame = phases.time("build", || Ok(data::series(n, 0).data()?))?;
            // The whole series as one object written by the backend's own encoder (its
            // columns, encodings and compression: a delta-encoded index with LZ4, noisy
            // floats PLAIN and uncompressed), split into row groups as polars' own writer
            // splits a frame: the file that `raw_parquet_same_read` gives to polars.
            let mut whole = frame.clone();
            let grouped =
                meteaudata::polars::frame::chunk_df_for_writing(&mut whole, POLARS_ROW_GROUP)?
                    .into_owned();
            let data = meteaudata::storage::SeriesData {
                frame: grouped,
                metadata: "{}".into(),
            };
            phases.time("write", || {
                use meteaudata::storage::StorageBackend as _;
                let backend = meteaudata::storage::ParquetBackend::local(&job.dir)?;
                backend.save(
                    &meteaudata::storage::StorageKey::new(["same"])?,
                    &data,
                    Default::default(),
                )?;
                Ok(())
            })?;
            checksum(&frame.column("values")?.f64()?.iter().collect::<Vec<_>>())
        }
        "raw_parquet_same_read" => {
            let file = only_parquet_file(&job.dir)?;
            let frame = phases.time("read", || {
                Ok(ParquetReader::new(std::fs::File::open(&file)?).finish()?)
            })?;
            generated(
                n,
                &frame.column("values")?.f64()?.iter().collect::<Vec<_>>(),
            )?
        }
        "raw_csv_write" => {
            fresh(&job.dir)?;
            let mut frame = phases.time("build", || Ok(data::series(n, 0).data()?))?;
            // polars' CSV writer into a ZIP entry with the archive's deflate level, synced
            // like an archive: the limit for our archives.
            phases.time("write", || {
                let file = std::fs::File::create(job.dir.join("raw.zip"))?;
                let mut zip = ::zip::ZipWriter::new(std::io::BufWriter::new(file));
                zip.start_file("raw.csv", deflate_level_1())?;
                CsvWriter::new(&mut zip)
                    .with_datetime_format(Some("%Y-%m-%d %H:%M:%S".into()))
                    .finish(&mut frame)?;
                let file = zip.finish()?.into_inner().map_err(|e| e.into_error())?;
                file.sync_all()?;
                Ok(())
            })?;
            checksum(&frame.column("values")?.f64()?.iter().collect::<Vec<_>>())
        }
        "raw_csv_read" => {
            let frame = phases.time("read", || {
                let file = std::fs::File::open(job.dir.join("raw.zip"))?;
                let mut archive = ::zip::ZipArchive::new(file)?;
                let mut entry = archive.by_name("raw.csv")?;
                let mut text = Vec::with_capacity(usize::try_from(entry.size())?);
                std::io::Read::read_to_end(&mut entry, &mut text)?;
                // Labels read as text, then parsed with their known format (polars' fast
                // path; a Datetime column in the schema makes it guess the format per cell).
                let schema = Schema::from_iter([
                    Field::new("index".into(), DataType::String),
                    Field::new("values".into(), DataType::Float64),
                ]);
                let mut frame = CsvReadOptions::default()
                    .with_schema(Some(std::sync::Arc::new(schema)))
                    .into_reader_with_file_handle(std::io::Cursor::new(text))
                    .finish()?;
                let labels = frame.column("index")?.str()?.as_datetime(
                    Some("%Y-%m-%d %H:%M:%S"),
                    TimeUnit::Nanoseconds,
                    false,
                    false,
                    None,
                    &StringChunked::from_iter([Some("raise")]),
                )?;
                frame.replace("index", labels.into_series().into())?;
                Ok(frame)
            })?;
            generated(
                n,
                &frame.column("values")?.f64()?.iter().collect::<Vec<_>>(),
            )?
        }
        "raw_polars_process" => {
            let frame = phases.time("build", || Ok(data::series(n, 0).data()?))?;
            let out = phases.time("process", || Ok(data::polars_resample_interpolate(&frame)))?;
            checksum(&out.column("values")?.f64()?.iter().collect::<Vec<_>>())
        }
        other => bail!("unknown job {other:?}; jobs: {}", JOBS.join(", ")),
    };
    Ok(json!({
        "job": job.name,
        "n": n,
        "signals": job.signals,
        "phases": phases.to_json(),
        "checksum": result.to_json(),
        "bytes_on_disk": if job.name == "w6_mem" || job.name.starts_with("w1") || job.name.ends_with("_process") { 0 } else { bytes_on_disk(&job.dir) },
        "peak_rss_kib": peak_rss_kib(),
    }))
}

/// The ZIP entry options of the archives: deflate at level 1.
fn deflate_level_1() -> ::zip::write::SimpleFileOptions {
    ::zip::write::SimpleFileOptions::default()
        .compression_method(::zip::CompressionMethod::Deflated)
        .compression_level(Some(1))
}

/// The SQLite file of the w4 jobs, as a SQLAlchemy-style URL.
fn sqlite_url(dir: &Path) -> String {
    format!("sqlite:///{}", dir.join("workload.db").display())
}

/// The file and compression of a raw polars Parquet job: the same columns (index and values)
/// as the backend, compressed with its codec (LZ4), or, for the `plain` jobs, not at all (the
/// backend stores noisy floats uncompressed).
fn raw_parquet(job: &str) -> (&'static str, ParquetCompression) {
    if job.starts_with("raw_parquet_plain") {
        ("plain.parquet", ParquetCompression::Uncompressed)
    } else {
        ("raw.parquet", ParquetCompression::Lz4Raw)
    }
}

/// The most rows per row group of polars' Parquet writer when none is given (its default).
const POLARS_ROW_GROUP: usize = 512 * 512;

/// The one Parquet file under `dir` (searched recursively): the object
/// `raw_parquet_same_write` wrote.
fn only_parquet_file(dir: &Path) -> Result<PathBuf> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(next) = pending.pop() {
        for entry in
            std::fs::read_dir(&next).with_context(|| format!("cannot list {}", next.display()))?
        {
            let path = entry?.path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|e| e == "parquet") {
                found.push(path);
            }
        }
    }
    match <[PathBuf; 1]>::try_from(found) {
        Ok([file]) => Ok(file),
        Err(found) => bail!(
            "expected one Parquet file under {} (run raw_parquet_same_write first), found {}",
            dir.display(),
            found.len()
        ),
    }
}

/// The checksum of values a read job read back, which must be the generator's for D(`n`, 0)
/// (length, missing count, sum and MD5 of the values): a read that returns other numbers
/// fails the job instead of giving a figure.
fn generated(n: usize, values: &[Option<f64>]) -> Result<Checksum> {
    let read = checksum(values);
    let expected = checksum(&data::values(n, 0));
    if read != expected {
        bail!(
            "read back {} but the generator gives {}",
            read.to_json(),
            expected.to_json()
        );
    }
    Ok(read)
}

/// Copies the directory tree `from` to `to`.
fn copy_dir(from: &Path, to: &Path) -> Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), &target)?;
        }
    }
    Ok(())
}

fn fresh(dir: &Path) -> Result<()> {
    if dir.exists() {
        std::fs::remove_dir_all(dir).with_context(|| format!("cannot empty {}", dir.display()))?;
    }
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))
}
