//! The storage conveniences of the seed page (`use_disk_storage`, `use_sql_storage`,
//! `Dataset::open`), with the backends this build was compiled with registered first.

use std::path::Path;
use std::sync::{Arc, Once};

use meteaudata_core::{Attachment, Dataset, Result, Signal, Storable, TimeSeries};
use meteaudata_storage::versions::{At, Keep, PruneReport, VersionInfo, VersionLog};
use meteaudata_storage::{StorageAccess, StorageBackend, StorageConfig, create_backend};

/// Registers the storage backends of the enabled cargo features with
/// [`create_backend`](meteaudata_storage::create_backend). Called by every method of
/// [`StorageExt`] and [`DatasetOpen`]; call it yourself before using
/// `meteaudata_storage::create_backend` directly.
pub fn register_backends() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        #[cfg(feature = "parquet")]
        meteaudata_parquet::register();
        #[cfg(any(feature = "sqlite", feature = "postgres", feature = "mysql"))]
        meteaudata_sql::register();
    });
}

/// Storage shortcuts on [`Dataset`], [`Signal`] and [`TimeSeries`]. Auto-save is on unless
/// stated; the memory budget is
/// [`DEFAULT_MEMORY_BUDGET`](meteaudata_storage::DEFAULT_MEMORY_BUDGET).
pub trait StorageExt {
    /// Uses the backend a [`StorageConfig`] describes.
    fn use_config(&mut self, config: &StorageConfig) -> Result<()>;

    /// Parquet files in the directory `path` (the `parquet` feature, on by default).
    fn use_disk_storage(&mut self, path: impl AsRef<Path>) -> Result<()> {
        self.use_config(&StorageConfig::for_disk(path.as_ref()))
    }

    /// Parquet files in `path`, choosing whether each processing step is saved right away.
    fn use_disk_storage_with(&mut self, path: impl AsRef<Path>, auto_save: bool) -> Result<()> {
        self.use_config(&StorageConfig::for_disk(path.as_ref()).auto_save(auto_save))
    }

    /// A SQL database (`sqlite:///file.db`, `postgresql://…`, `mysql://…`; the `sqlite`,
    /// `postgres` and `mysql` features).
    fn use_sql_storage(&mut self, url: &str) -> Result<()> {
        self.use_config(&StorageConfig::for_sql(url))
    }

    /// Any backend URL (`s3://bucket/prefix`, `file:///dir`, `memory://`, …).
    fn use_url_storage(&mut self, url: &str) -> Result<()> {
        self.use_config(&StorageConfig::for_url(url))
    }
}

impl StorageExt for Dataset {
    fn use_config(&mut self, config: &StorageConfig) -> Result<()> {
        register_backends();
        self.use_storage(config)
    }
}

impl StorageExt for Signal {
    fn use_config(&mut self, config: &StorageConfig) -> Result<()> {
        register_backends();
        self.use_storage(config)
    }
}

/// A free-standing series keeps its copy under `default/<series name>`.
impl StorageExt for TimeSeries {
    fn use_config(&mut self, config: &StorageConfig) -> Result<()> {
        register_backends();
        self.use_storage(config)
    }
}

/// `Dataset::open(url, name)`: reopen a saved dataset from its store alone.
pub trait DatasetOpen: Sized {
    /// Opens the dataset `name` stored at `target` (a directory path or a backend URL), data
    /// read lazily on first access. Opening creates nothing: a directory or database file
    /// that does not exist is an error
    /// ([`StorageError::MissingStore`](meteaudata_storage::StorageError::MissingStore)).
    fn open(target: impl AsRef<Path>, name: &str) -> Result<Self>;

    /// Opens with a full configuration (auto-save, lazy loading, memory budget, read-only
    /// access). An access of
    /// [`CreateIfMissing`](meteaudata_storage::StorageAccess::CreateIfMissing) is taken as
    /// [`OpenExisting`](meteaudata_storage::StorageAccess::OpenExisting): opening never
    /// creates a store.
    fn open_with(config: &StorageConfig, name: &str) -> Result<Self>;

    /// Opens dataset `name` at `target` as it was at `at`: a version number (`3`), a time
    /// (`chrono::Utc` timestamp: the latest version committed at or before it) or a tag
    /// (`"calibrated"`). The dataset stays attached to the store: saving it makes the next
    /// version on top of the latest, as any save does.
    fn open_at(target: impl AsRef<Path>, name: &str, at: impl Into<At>) -> Result<Self>;
}

/// The configuration of a store named by a directory path or a backend URL (as a path or a
/// text: `"./store"`, `PathBuf`, `"sqlite:///plant.db"`, `"s3://bucket/prefix"`).
fn config_for(target: &Path) -> Result<StorageConfig> {
    let text = target.to_str().ok_or_else(|| {
        meteaudata_core::Error::InvalidArgument(format!(
            "the store location {target:?} is not valid UTF-8"
        ))
    })?;
    Ok(if text.contains("://") || text.starts_with("sqlite:") {
        StorageConfig::for_url(text)
    } else {
        StorageConfig::for_disk(target)
    })
}

/// The backend of an existing store (nothing is created), read-only unless `writes`.
fn existing_store(target: &Path, writes: bool) -> Result<Arc<dyn StorageBackend>> {
    register_backends();
    let access = if writes {
        StorageAccess::OpenExisting
    } else {
        StorageAccess::ReadOnly
    };
    Ok(create_backend(&config_for(target)?.access(access))?)
}

/// The versions of dataset `name` at `target` (a directory or a backend URL), oldest first:
/// number, time, parent, what changed, tags. The store is opened read-only.
pub fn list_versions(target: impl AsRef<Path>, name: &str) -> Result<Vec<VersionInfo>> {
    let backend = existing_store(target.as_ref(), false)?;
    Ok(VersionLog::new(&*backend, name)?.versions()?)
}

/// Names a version of dataset `name` at `target`. A tag names one version for good, and
/// tagged versions are never pruned.
pub fn tag_version(target: impl AsRef<Path>, name: &str, version: u64, tag: &str) -> Result<()> {
    let backend = existing_store(target.as_ref(), true)?;
    Ok(VersionLog::new(&*backend, name)?.tag(version, tag)?)
}

/// Removes the versions of dataset `name` at `target` that `keep` does not keep (the latest
/// and tagged versions always stay), then the data objects no kept version references that
/// are older than `grace`; safe beside a running writer when `grace` exceeds how long its
/// saves take.
pub fn prune_versions(
    target: impl AsRef<Path>,
    name: &str,
    keep: &Keep,
    grace: std::time::Duration,
) -> Result<PruneReport> {
    let backend = existing_store(target.as_ref(), true)?;
    Ok(VersionLog::new(&*backend, name)?.prune(keep, grace)?)
}

impl DatasetOpen for Dataset {
    fn open(target: impl AsRef<Path>, name: &str) -> Result<Dataset> {
        Dataset::open_with(&config_for(target.as_ref())?, name)
    }

    fn open_with(config: &StorageConfig, name: &str) -> Result<Dataset> {
        open_with_at(config, name, &At::Latest)
    }

    fn open_at(target: impl AsRef<Path>, name: &str, at: impl Into<At>) -> Result<Dataset> {
        open_with_at(&config_for(target.as_ref())?, name, &at.into())
    }
}

fn open_with_at(config: &StorageConfig, name: &str, at: &At) -> Result<Dataset> {
    register_backends();
    let mut config = config.clone();
    if config.access.creates() {
        config.access = StorageAccess::OpenExisting;
    }
    meteaudata_core::Dataset::open_from_at(
        Attachment::from_config(&config)?,
        name,
        at,
        config.lazy_load,
    )
}
