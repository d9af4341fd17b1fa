//! Where datasets come from and go to: archives (`.zip` or a directory of `*_metadata.yaml`),
//! Parquet stores (a directory or an object-store URL) and SQL databases (a URL).

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use meteaudata::archive::ArchiveExt;
use meteaudata::storage::{StorageAccess, StorageConfig, StorageError};
use meteaudata::{Attachment, Dataset, DatasetOpen, Signal, StorageExt, register_backends};

/// A place named on the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// A ZIP archive or an archive directory.
    Archive(PathBuf),
    /// A Parquet store in a local directory.
    Disk(PathBuf),
    /// A backend URL (`sqlite:///…`, `postgresql://…`, `s3://…`, `file:///…`).
    Url(String),
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Location::Archive(p) | Location::Disk(p) => write!(f, "{}", p.display()),
            Location::Url(u) => f.write_str(&redact(u)),
        }
    }
}

/// The URL with any password replaced by `***`.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let userinfo = &url[s + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..s + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

fn is_url(s: &str) -> bool {
    s.contains("://") || s.starts_with("sqlite:")
}

fn has_top_level_metadata(dir: &Path) -> bool {
    std::fs::read_dir(dir).is_ok_and(|entries| {
        entries.flatten().any(|e| {
            e.file_name()
                .to_str()
                .is_some_and(|n| n.ends_with("_metadata.yaml"))
        })
    })
}

impl Location {
    /// Reads a source argument.
    pub fn source(arg: &str) -> Result<Location> {
        if is_url(arg) {
            return Ok(Location::Url(arg.to_owned()));
        }
        let path = PathBuf::from(arg);
        if !path.exists() {
            bail!("{arg}: no such file or directory");
        }
        if path.is_dir() && !has_top_level_metadata(&path) {
            Ok(Location::Disk(path))
        } else {
            Ok(Location::Archive(path))
        }
    }

    /// Reads a destination argument: `*.zip` is an archive, a URL a store, any other path a
    /// Parquet store directory.
    pub fn destination(arg: &str) -> Location {
        if is_url(arg) {
            Location::Url(arg.to_owned())
        } else if arg.to_ascii_lowercase().ends_with(".zip") {
            Location::Archive(PathBuf::from(arg))
        } else {
            Location::Disk(PathBuf::from(arg))
        }
    }

    /// The configuration for reading a store location: read-only, so that inspecting,
    /// importing or converting from a store never changes a byte of it.
    pub fn read_config(&self) -> Result<StorageConfig> {
        Ok(self.config()?.access(StorageAccess::ReadOnly))
    }

    /// The storage configuration of a store location (auto-save off: the command saves).
    pub fn config(&self) -> Result<StorageConfig> {
        Ok(match self {
            Location::Disk(p) => StorageConfig::for_disk(p),
            Location::Url(u) => StorageConfig::for_url(u.clone()),
            Location::Archive(p) => bail!("{} is an archive, not a store", p.display()),
        }
        .auto_save(false))
    }
}

/// The names of the datasets of ours in a store (opened read-only). A store that does not
/// exist is an error.
pub fn dataset_names(location: &Location) -> Result<Vec<String>> {
    register_backends();
    let attachment = Attachment::from_config(&location.read_config()?)
        .with_context(|| format!("cannot open {location}"))?;
    meteaudata::storage::versions::datasets(&*attachment.backend)
        .with_context(|| format!("cannot list {location}"))
}

fn archive_name(path: &Path) -> Result<String> {
    let stem = path
        .file_stem()
        .and_then(|s| s.to_str())
        .with_context(|| format!("{}: cannot tell the archive's name", path.display()))?;
    Ok(stem.to_owned())
}

fn open_archive(path: &Path) -> Result<Dataset> {
    let name = archive_name(path)?;
    match Dataset::load_archive(path, &name) {
        Ok(dataset) => Ok(dataset),
        Err(dataset_err) => match Signal::load_archive(path, &name) {
            // A signal archive: shown as a dataset holding that one signal.
            Ok(signal) => Ok(Dataset::new(&name)?.with_signals([signal])?),
            Err(_) => Err(anyhow::Error::new(dataset_err))
                .with_context(|| format!("cannot load archive {}", path.display())),
        },
    }
}

/// Opens the dataset at `location`; `name` picks one when a store holds several. Stores that
/// meteaudata for Python left behind (its disk directory or SQL tables) are imported.
pub fn open(location: &Location, name: Option<&str>) -> Result<Dataset> {
    open_as(location, name, false)
}

/// As [`open`], but series data of a store of ours stays in the store until it is read.
pub fn open_lazy(location: &Location, name: Option<&str>) -> Result<Dataset> {
    open_as(location, name, true)
}

fn open_as(location: &Location, name: Option<&str>, lazy: bool) -> Result<Dataset> {
    if let Location::Archive(path) = location {
        return open_archive(path);
    }
    let names = dataset_names(location)?;
    let chosen = match (name, names.as_slice()) {
        (Some(n), _) => n.to_owned(),
        (None, [one]) => one.clone(),
        // No dataset document of ours: a store written by meteaudata for Python.
        (None, []) => return import_python(location),
        (None, many) => bail!(
            "{location} holds several datasets ({}); pick one with --dataset",
            many.join(", ")
        ),
    };
    let mut dataset = Dataset::open_with(&location.read_config()?.lazy_load(lazy), &chosen)
        .with_context(|| format!("cannot open {chosen:?} in {location}"))?;
    if !lazy {
        dataset.load_all()?;
    }
    Ok(dataset)
}

fn import_python(location: &Location) -> Result<Dataset> {
    let datasets = match location {
        Location::Disk(dir) => meteaudata::python::import_disk_store(dir)?,
        Location::Url(url) if url.starts_with("sqlite:") => meteaudata::python::import_sql(url)?,
        _ => Vec::new(),
    };
    match datasets.len() {
        1 => Ok(datasets.into_iter().next().expect("one dataset")),
        0 => bail!("{location} holds no dataset"),
        n => bail!(
            "{location} holds {n} datasets written by meteaudata for Python; convert them one store at a time"
        ),
    }
}

/// Writes `dataset` to `location`, calling `progress(signal, done, total)` per saved signal.
/// A store that already holds a dataset of that name is left untouched.
pub fn write(
    dataset: &mut Dataset,
    location: &Location,
    mut progress: impl FnMut(&str, usize, usize),
) -> Result<()> {
    match location {
        Location::Archive(path) => {
            let expected = format!("{}.zip", dataset.name());
            if path.file_name().and_then(|n| n.to_str()) != Some(expected.as_str()) {
                bail!(
                    "{}: an archive of dataset {:?} must be named {expected} (archives are loaded by their dataset's name)",
                    path.display(),
                    dataset.name()
                );
            }
            let dir = path.parent().filter(|p| !p.as_os_str().is_empty());
            let dir = dir.unwrap_or(Path::new("."));
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
            dataset
                .save_archive(dir)
                .with_context(|| format!("cannot write {}", path.display()))?;
            let total = dataset.len();
            progress(dataset.name(), total, total);
            Ok(())
        }
        store => {
            let existing = match dataset_names(store) {
                Ok(names) => names,
                Err(e) if is_missing_store(&e) => Vec::new(),
                Err(e) => return Err(e),
            };
            if existing.iter().any(|n| n == dataset.name()) {
                bail!(
                    "{store} already holds a dataset named {:?}; remove it first",
                    dataset.name()
                );
            }
            dataset
                .use_config(&store.config()?)
                .with_context(|| format!("cannot attach {store}"))?;
            dataset
                .save_all_reporting(&mut progress)
                .with_context(|| format!("cannot save to {store}"))
        }
    }
}

/// Whether `error` says that a store does not exist (a destination is then created).
fn is_missing_store(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        matches!(
            cause.downcast_ref::<meteaudata::Error>(),
            Some(meteaudata::Error::Storage(
                StorageError::MissingStore { .. }
            ))
        ) || matches!(
            cause.downcast_ref::<StorageError>(),
            Some(StorageError::MissingStore { .. })
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_redacted() {
        assert_eq!(
            redact("postgresql://me:secret@db:5432/x"),
            "postgresql://me:***@db:5432/x"
        );
        assert_eq!(redact("sqlite:///a.db"), "sqlite:///a.db");
    }

    #[test]
    fn destinations_are_told_apart() {
        assert_eq!(
            Location::destination("out/x.ZIP"),
            Location::Archive("out/x.ZIP".into())
        );
        assert_eq!(
            Location::destination("sqlite:///x.db"),
            Location::Url("sqlite:///x.db".into())
        );
        assert_eq!(
            Location::destination("store"),
            Location::Disk("store".into())
        );
    }
}
