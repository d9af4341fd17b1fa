//! Archives of meteaudata for Rust: a `.zip` (or a directory) of CSV data and YAML metadata in
//! the layout of meteaudata 0.12.1 for Python, which reads ours and whose archives we read.
//!
//! ```text
//! <dataset>.zip
//! ├── <dataset>_metadata.yaml                   the whole metadata tree
//! └── <dataset>_data/
//!     ├── <signal>_metadata.yaml                 one signal's metadata
//!     └── <signal>_data/<series>.csv             `,<series>` header, `<label>,<value>` rows
//!
//! <signal>.zip
//! ├── <signal>_metadata.yaml
//! └── <signal>_data/<series>.csv
//! ```
//!
//! Unlike the Python library, loading never extracts to disk (entries are decompressed from the
//! zip as they are parsed, so nothing of the user's is ever deleted, and memory holds the
//! parsed series, not their text), entries whose paths escape the archive are
//! refused, saving writes a temporary file next to the target and renames it over (atomic),
//! floats round-trip exactly, values and labels are parsed with their recorded types, time
//! zones come back as their IANA zone, and `created_on` / `metadata_id` are restored.

mod error;
pub mod export;
mod labels;
mod layout;
pub mod python_store;
mod source;
mod table;
mod yaml;

use std::io::Write;
use std::path::{Path, PathBuf};

use meteaudata_core::{Dataset, DatasetMetadata, Signal, SignalMetadata, TimeSeries};

pub use error::{ArchiveError, Result};
pub use export::{ExportOptions, Header, ValueNames};
pub use yaml::FORMAT_VERSION;

use error::io;
use layout::CsvLayout;
pub use source::ArchiveLimits;
use source::Source;

fn corrupt(archive: &str, entry: &str, reason: impl ToString) -> ArchiveError {
    ArchiveError::Corrupt {
        archive: archive.to_owned(),
        entry: entry.to_owned(),
        reason: reason.to_string(),
    }
}

/// What an archive entry holds: bytes, or a series written as CSV while the archive is
/// written (never held whole in memory).
enum Body<'a> {
    Bytes(Vec<u8>),
    Table {
        series: &'a TimeSeries,
        separator: u8,
        header: Vec<[String; 2]>,
    },
}

/// An archive entry: its path and what it holds.
type Entry<'a> = (String, Body<'a>);

/// The entries of one signal under `prefix` (`""` or `<dataset>_data/`): its metadata as
/// written (export renames recorded) and its CSVs, adding their layout to `layout`.
fn signal_entries<'a>(
    signal: &'a Signal,
    prefix: &str,
    options: &ExportOptions,
    layout: &mut CsvLayout,
) -> Result<(SignalMetadata, Vec<Entry<'a>>)> {
    let name = signal.name();
    let mut metadata = signal.metadata();
    let mut signal_layout = CsvLayout::new(options.separator);
    let mut entries = Vec::with_capacity(signal.len() + 1);
    for ts in signal.iter() {
        if !table::supported(&ts.index_kind()) {
            return Err(corrupt(
                name,
                ts.name(),
                "durations in an archive need nanoseconds",
            ));
        }
        let header = options.value_header(signal, ts.name());
        let rows = options.header_rows(&header, ts.index_name());
        signal_layout.record(ts.name(), rows.len());
        if let Some(md) = metadata.time_series.get_mut(ts.name()) {
            export::record_rename(md, ts.name(), &header);
        }
        entries.push((
            format!("{prefix}{name}_data/{}.csv", ts.name()),
            Body::Table {
                series: ts,
                separator: options.separator,
                header: rows,
            },
        ));
    }
    entries.insert(
        0,
        (
            format!("{prefix}{name}_metadata.yaml"),
            Body::Bytes(
                yaml::write(&metadata, &signal_layout)
                    .map_err(|e| corrupt(name, "metadata", e))?
                    .into_bytes(),
            ),
        ),
    );
    layout.merge(signal_layout);
    Ok((metadata, entries))
}

/// A new temporary file beside `<dir>/<file>`, named uniquely for this process and call, so
/// that concurrent saves of one archive (threads or processes) never share one: each renames
/// its own complete file over the target, and the last rename wins.
fn staging_file(dir: &Path, file: &str) -> Result<(PathBuf, std::fs::File)> {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    loop {
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let path = dir.join(format!(".{file}.{}-{n}.tmp", std::process::id()));
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
        {
            Ok(handle) => return Ok((path, handle)),
            // Left by a process of the same id that died, or another PID namespace.
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(io(&path)(e)),
        }
    }
}

/// Writes `entries` as `<dir>/<file>` through a temporary file renamed over the target.
fn write_zip(dir: &Path, file: &str, entries: &[Entry<'_>]) -> Result<PathBuf> {
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    let target = dir.join(file);
    let (staging, handle) = staging_file(dir, file)?;
    let result = (|| {
        let mut zip = zip::ZipWriter::new(std::io::BufWriter::new(handle));
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .compression_level(Some(1));
        for (name, body) in entries {
            zip.start_file(name.as_str(), options)
                .map_err(|e| corrupt(&target.display().to_string(), name, e))?;
            match body {
                Body::Bytes(bytes) => zip.write_all(bytes).map_err(io(&staging))?,
                Body::Table {
                    series,
                    separator,
                    header,
                } => table::write(series, *separator, header, &mut zip).map_err(|failure| {
                    match failure {
                        table::WriteFailure::Data(e) => {
                            corrupt(&target.display().to_string(), name, e)
                        }
                        table::WriteFailure::Io(e) => io(&staging)(e),
                    }
                })?,
            }
        }
        let mut writer = zip
            .finish()
            .map_err(|e| corrupt(&target.display().to_string(), "", e))?;
        writer.flush().map_err(io(&staging))?;
        writer
            .into_inner()
            .map_err(|e| io(&staging)(e.into_error()))?
            .sync_all()
            .map_err(io(&staging))?;
        std::fs::rename(&staging, &target).map_err(io(&target))
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&staging);
    }
    result.map(|()| target)
}

/// Saves a signal as `<dir>/<signal name>.zip` (replacing an older archive atomically) and
/// returns its path.
pub fn save_signal(signal: &Signal, dir: impl AsRef<Path>) -> Result<PathBuf> {
    save_signal_with(signal, dir, &ExportOptions::default())
}

/// [`save_signal`] with export options (separator, header names, multi-line headers).
pub fn save_signal_with(
    signal: &Signal,
    dir: impl AsRef<Path>,
    options: &ExportOptions,
) -> Result<PathBuf> {
    let mut layout = CsvLayout::new(options.separator);
    let (_, entries) = signal_entries(signal, "", options, &mut layout)?;
    write_zip(dir.as_ref(), &format!("{}.zip", signal.name()), &entries)
}

/// Saves a dataset as `<dir>/<dataset name>.zip` (replacing an older archive atomically) and
/// returns its path.
pub fn save_dataset(dataset: &Dataset, dir: impl AsRef<Path>) -> Result<PathBuf> {
    save_dataset_with(dataset, dir, &ExportOptions::default())
}

/// [`save_dataset`] with export options (separator, header names, multi-line headers).
pub fn save_dataset_with(
    dataset: &Dataset,
    dir: impl AsRef<Path>,
    options: &ExportOptions,
) -> Result<PathBuf> {
    let name = dataset.name();
    let mut metadata = dataset.metadata();
    let mut layout = CsvLayout::new(options.separator);
    let mut entries = Vec::new();
    for signal in dataset.iter() {
        let (signal_md, signal_entries) =
            signal_entries(signal, &format!("{name}_data/"), options, &mut layout)?;
        metadata.signals.insert(signal.name().to_owned(), signal_md);
        entries.extend(signal_entries);
    }
    entries.insert(
        0,
        (
            format!("{name}_metadata.yaml"),
            Body::Bytes(
                yaml::write(&metadata, &layout)
                    .map_err(|e| corrupt(name, "metadata", e))?
                    .into_bytes(),
            ),
        ),
    );
    write_zip(dir.as_ref(), &format!("{name}.zip"), &entries)
}

fn build_signal(
    source: &Source,
    data_dir: &str,
    md: &SignalMetadata,
    layout: &CsvLayout,
) -> Result<Signal> {
    let mut series: Vec<TimeSeries> = Vec::with_capacity(md.time_series.len());
    for (ts_name, ts_md) in &md.time_series {
        let entry = format!("{data_dir}/{ts_name}.csv");
        series.push(source.stream(&entry, |csv| table::read(csv, ts_name, ts_md, layout))?);
    }
    Ok(
        Signal::new(&md.name, md.units.clone(), md.provenance.clone(), series)?
            .with_timestamps(md.created_on, md.last_updated),
    )
}

/// Loads the signal `name` from a `.zip` archive or a directory written by [`save_signal`] or
/// by meteaudata for Python's `Signal.save`, within [`ArchiveLimits::DEFAULT`].
pub fn load_signal(path: impl AsRef<Path>, name: &str) -> Result<Signal> {
    load_signal_with(path, name, &ArchiveLimits::DEFAULT)
}

/// [`load_signal`] within `limits`.
pub fn load_signal_with(
    path: impl AsRef<Path>,
    name: &str,
    limits: &ArchiveLimits,
) -> Result<Signal> {
    let source = Source::open(path.as_ref(), limits)?;
    let entry = format!("{name}_metadata.yaml");
    let bytes = source.read(&entry)?;
    let md: SignalMetadata = yaml::read(&bytes).map_err(|e| corrupt(source.shown(), &entry, e))?;
    let layout: CsvLayout = yaml::read(&bytes).map_err(|e| corrupt(source.shown(), &entry, e))?;
    build_signal(&source, &format!("{name}_data"), &md, &layout)
}

/// Loads the dataset `name` from a `.zip` archive or a directory written by [`save_dataset`]
/// or by meteaudata for Python's `Dataset.save`, within [`ArchiveLimits::DEFAULT`].
pub fn load_dataset(path: impl AsRef<Path>, name: &str) -> Result<Dataset> {
    load_dataset_with(path, name, &ArchiveLimits::DEFAULT)
}

/// [`load_dataset`] within `limits`.
pub fn load_dataset_with(
    path: impl AsRef<Path>,
    name: &str,
    limits: &ArchiveLimits,
) -> Result<Dataset> {
    let source = Source::open(path.as_ref(), limits)?;
    let entry = format!("{name}_metadata.yaml");
    let bytes = source.read(&entry)?;
    let md: DatasetMetadata = yaml::read(&bytes).map_err(|e| corrupt(source.shown(), &entry, e))?;
    let layout: CsvLayout = yaml::read(&bytes).map_err(|e| corrupt(source.shown(), &entry, e))?;
    let mut signals = Vec::with_capacity(md.signals.len());
    for (signal_name, signal_md) in &md.signals {
        signals.push(build_signal(
            &source,
            &format!("{name}_data/{signal_name}_data"),
            signal_md,
            &layout,
        )?);
    }
    let mut dataset = Dataset::new(&md.name)?;
    if let Some(d) = md.description {
        dataset = dataset.with_description(d);
    }
    if let Some(o) = md.owner {
        dataset = dataset.with_owner(o);
    }
    if let Some(p) = md.purpose {
        dataset = dataset.with_purpose(p);
    }
    if let Some(p) = md.project {
        dataset = dataset.with_project(p);
    }
    Ok(dataset
        .with_signals(signals)?
        .with_timestamps(md.created_on, md.last_updated))
}
