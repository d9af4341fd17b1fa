//! [`StorageConfig`]: which backend, and how the data model uses it.

use std::path::PathBuf;

use crate::error::{Result, StorageError};

/// The default [`StorageConfig::memory_budget`]: 256 MiB of resident series data.
pub const DEFAULT_MEMORY_BUDGET: usize = 256 * 1024 * 1024;

/// Where the data goes.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum StorageTarget {
    /// This process's memory ([`MemoryBackend`](crate::MemoryBackend)).
    Memory,
    /// A directory of Parquet files (the `parquet` feature).
    Disk(PathBuf),
    /// A URL handled by a registered backend: `sqlite:///file.db`, `postgresql://…`,
    /// `mysql://…`, `s3://bucket/prefix`, `file:///dir`, `memory://`, …
    Url(String),
}

/// What opening a store may do to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum StorageAccess {
    /// Create the store when it is missing (the directory, the database file, the tables):
    /// what `use_disk_storage` and `use_sql_storage` do.
    #[default]
    CreateIfMissing,
    /// The store must exist, and opening writes nothing to it; a later save may write (and
    /// creates the tables of a database that has none yet). What `Dataset::open` does.
    OpenExisting,
    /// The store must exist and is never written: every write fails with
    /// [`StorageError::ReadOnly`](crate::StorageError::ReadOnly). A SQLite file is opened
    /// read-only, so not one of its bytes changes. For inspecting, importing and converting.
    ReadOnly,
}

impl StorageAccess {
    /// Whether a missing store may be created.
    pub fn creates(self) -> bool {
        self == StorageAccess::CreateIfMissing
    }

    /// Whether writes are allowed.
    pub fn writes(self) -> bool {
        self != StorageAccess::ReadOnly
    }
}

/// The configuration of a storage backend and of how series use it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StorageConfig {
    /// Where the data goes.
    pub target: StorageTarget,
    /// What opening the store may do to it.
    pub access: StorageAccess,
    /// Save what each processing step creates or changes, right after the step.
    pub auto_save: bool,
    /// When opening a stored dataset, read series data only when it is first used.
    pub lazy_load: bool,
    /// Resident series data (bytes) kept after saves to a persistent backend; saved series
    /// beyond it are released from memory and reloaded on access.
    pub memory_budget: usize,
}

impl StorageConfig {
    fn with_target(target: StorageTarget) -> StorageConfig {
        StorageConfig {
            target,
            access: StorageAccess::CreateIfMissing,
            auto_save: true,
            lazy_load: true,
            memory_budget: DEFAULT_MEMORY_BUDGET,
        }
    }

    /// In this process's memory. `auto_save` is off: there is nothing to gain.
    pub fn for_memory() -> StorageConfig {
        StorageConfig {
            auto_save: false,
            ..StorageConfig::with_target(StorageTarget::Memory)
        }
    }

    /// Parquet files in the directory `path` (created if missing, unless
    /// [`StorageConfig::access`] says otherwise).
    pub fn for_disk(path: impl Into<PathBuf>) -> StorageConfig {
        StorageConfig::with_target(StorageTarget::Disk(path.into()))
    }

    /// A SQL database URL (`sqlite:///file.db`, `sqlite:///:memory:`, `postgresql://…`,
    /// `mysql://…`).
    pub fn for_sql(url: impl Into<String>) -> StorageConfig {
        StorageConfig::with_target(StorageTarget::Url(url.into()))
    }

    /// Any backend URL (`s3://bucket/prefix`, `file:///dir`, `memory://`, a SQL URL, or a
    /// scheme a third-party crate registered).
    pub fn for_url(url: impl Into<String>) -> StorageConfig {
        StorageConfig::with_target(StorageTarget::Url(url.into()))
    }

    /// A SQLite file `meteaudata_temp.db` in a fresh directory under the system temp dir.
    pub fn for_sql_temp() -> Result<StorageConfig> {
        let unique = format!(
            "meteaudata-{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or(0)
        );
        let dir = std::env::temp_dir().join(unique);
        std::fs::create_dir_all(&dir).map_err(|e| {
            StorageError::InvalidConfig(format!("cannot create {}: {e}", dir.display()))
        })?;
        let file = dir.join("meteaudata_temp.db");
        Ok(StorageConfig::for_sql(format!(
            "sqlite:///{}",
            file.display()
        )))
    }

    /// Sets what opening may do to the store.
    pub fn access(mut self, access: StorageAccess) -> StorageConfig {
        self.access = access;
        self
    }

    /// Sets `auto_save`.
    pub fn auto_save(mut self, auto_save: bool) -> StorageConfig {
        self.auto_save = auto_save;
        self
    }

    /// Sets `lazy_load`.
    pub fn lazy_load(mut self, lazy_load: bool) -> StorageConfig {
        self.lazy_load = lazy_load;
        self
    }

    /// Sets the memory budget in bytes.
    pub fn memory_budget(mut self, bytes: usize) -> StorageConfig {
        self.memory_budget = bytes;
        self
    }

    /// Checks that the configuration names a usable target.
    pub fn validate(&self) -> Result<()> {
        match &self.target {
            StorageTarget::Memory => Ok(()),
            StorageTarget::Disk(path) if path.as_os_str().is_empty() => Err(
                StorageError::InvalidConfig("a disk store needs a directory path".into()),
            ),
            StorageTarget::Disk(_) => Ok(()),
            StorageTarget::Url(url) if url.trim().is_empty() => Err(StorageError::InvalidConfig(
                "a URL store needs a connection URL".into(),
            )),
            StorageTarget::Url(url) if !url.contains(':') => Err(StorageError::InvalidConfig(
                format!("{url:?} is not a URL (expected <scheme>:…)"),
            )),
            StorageTarget::Url(_) => Ok(()),
        }
    }

    /// The target as shown in messages: the directory, or the URL with any password
    /// replaced by `***`.
    pub fn shown(&self) -> String {
        match &self.target {
            StorageTarget::Memory => "memory".into(),
            StorageTarget::Disk(path) => path.display().to_string(),
            StorageTarget::Url(url) => match (url.find("://"), url.rfind('@')) {
                (Some(start), Some(at)) if at > start => match url[start + 3..at].split_once(':') {
                    Some((user, _)) => format!("{}{user}:***{}", &url[..start + 3], &url[at..]),
                    None => url.clone(),
                },
                _ => url.clone(),
            },
        }
    }

    /// The registry scheme that serves this configuration (`memory`, `file`, or the URL's).
    pub fn scheme(&self) -> String {
        match &self.target {
            StorageTarget::Memory => "memory".into(),
            StorageTarget::Disk(_) => "file".into(),
            StorageTarget::Url(url) => url
                .split_once(':')
                .map_or(url.as_str(), |(s, _)| s)
                .to_ascii_lowercase(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation_and_schemes() {
        assert!(StorageConfig::for_disk("").validate().is_err());
        assert!(StorageConfig::for_sql("").validate().is_err());
        assert!(StorageConfig::for_sql("no-scheme").validate().is_err());
        assert_eq!(
            StorageConfig::for_sql("postgresql://u@h/db").scheme(),
            "postgresql"
        );
        assert_eq!(StorageConfig::for_disk("./d").scheme(), "file");
        assert!(!StorageConfig::for_memory().auto_save);
        assert_eq!(
            StorageConfig::for_url("postgres://me:secret@db/x").shown(),
            "postgres://me:***@db/x"
        );
        assert_eq!(
            StorageConfig::for_disk("./d").access,
            StorageAccess::CreateIfMissing
        );
        let temp = StorageConfig::for_sql_temp().unwrap();
        assert!(
            matches!(&temp.target, StorageTarget::Url(u) if u.starts_with("sqlite:///") && u.ends_with("meteaudata_temp.db"))
        );
    }
}
