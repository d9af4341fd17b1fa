//! SQL storage backend of meteaudata for Rust on sea-orm: SQLite (the `sqlite` feature, on by
//! default), PostgreSQL (`postgres`) and MySQL/MariaDB (`mysql`).
//!
//! The schema (created on first use, idempotently) keeps one row per point with typed
//! columns, so the data can be queried with plain SQL — see [`schema`]. Each save runs in one
//! transaction: a failure rolls back and leaves the previous version intact. Points go in by
//! the fastest path of each database: prepared multi-row inserts on a direct connection for a
//! SQLite file, binary `COPY` for PostgreSQL, and multi-row inserts chunked under the
//! bind-parameter limit otherwise.

mod backend;
mod columns;
#[cfg(feature = "postgres")]
mod postgres_copy;
mod python_tables;
pub mod schema;
#[cfg(feature = "sqlite")]
mod sqlite_bulk;
mod url;

pub use backend::SqlBackend;
pub use python_tables::{PythonRows, read_python_tables};
pub use url::SqlUrl;

use std::sync::Arc;

use meteaudata_storage::{StorageBackend, StorageConfig, StorageError, StorageTarget};

/// The backend name in errors.
const BACKEND: &str = "sql";

/// Registers this backend for the SQL URL schemes of the enabled features.
pub fn register() {
    #[cfg(feature = "sqlite")]
    meteaudata_storage::register_backend("sqlite", factory);
    #[cfg(feature = "postgres")]
    for scheme in ["postgres", "postgresql"] {
        meteaudata_storage::register_backend(scheme, factory);
    }
    #[cfg(feature = "mysql")]
    for scheme in ["mysql", "mariadb"] {
        meteaudata_storage::register_backend(scheme, factory);
    }
}

fn factory(config: &StorageConfig) -> Result<Arc<dyn StorageBackend>, StorageError> {
    match &config.target {
        StorageTarget::Url(url) => Ok(Arc::new(SqlBackend::connect_with(url, config.access)?)),
        other => Err(StorageError::InvalidConfig(format!(
            "the SQL backend needs a database URL, not {other:?}"
        ))),
    }
}
