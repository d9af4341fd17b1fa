//! Parquet storage backend of meteaudata for Rust, over [`object_store`]: a local directory by
//! default, memory for tests, and S3 / GCS / Azure behind the `aws`, `gcp` and `azure`
//! features.
//!
//! Layout under the store's root (see `meteaudata_storage::versions` for what each key holds):
//!
//! ```text
//! <dataset>/_log/<version>.json                         one commit per version, created once
//! <dataset>/_checkpoint/<version>.json                  the whole state, every 50 versions
//! <dataset>/_latest.json                                a hint: a recent version
//! <dataset>/<signal>/<BASE>#<n>/<object id>.parquet     series data, written once
//! ```
//!
//! Each key segment becomes one path segment through object_store's reversible
//! percent-encoding, so every key maps to exactly one object and back (`a/b_c` and `a_b/c`
//! never collide). Every object is written whole and atomically; commits, checkpoints and
//! series objects with `PutMode::Create` (a staging file and a hard link on a local disk,
//! `If-None-Match` on object stores), so that of two writers creating one key exactly one
//! succeeds. Series objects carry their record in the footer and their CRC-32 in the version
//! that references them; a changed byte is an error naming the object when it is read.

mod backend;
mod codec;
mod paths;

pub use backend::ParquetBackend;

use std::sync::Arc;

use meteaudata_storage::{StorageBackend, StorageConfig, StorageError, StorageTarget};

/// Registers this backend for the `file` and `memory` URL schemes and plain directory
/// configs (and `s3`, `gs`, `az` when those features are on).
pub fn register() {
    for scheme in ["file", "memory"] {
        meteaudata_storage::register_backend(scheme, factory);
    }
    #[cfg(feature = "aws")]
    for scheme in ["s3", "s3a"] {
        meteaudata_storage::register_backend(scheme, factory);
    }
    #[cfg(feature = "gcp")]
    meteaudata_storage::register_backend("gs", factory);
    #[cfg(feature = "azure")]
    for scheme in ["az", "abfs", "abfss"] {
        meteaudata_storage::register_backend(scheme, factory);
    }
}

fn factory(config: &StorageConfig) -> Result<Arc<dyn StorageBackend>, StorageError> {
    let backend = match &config.target {
        StorageTarget::Disk(path) => ParquetBackend::local_with(path, config.access)?,
        StorageTarget::Url(url) => ParquetBackend::from_url_access(
            url,
            std::iter::empty::<(String, String)>(),
            config.access,
        )?,
        other => {
            return Err(StorageError::InvalidConfig(format!(
                "the parquet backend cannot serve {other:?}"
            )));
        }
    };
    Ok(Arc::new(backend))
}
