//! The storage layer of meteaudata for Rust: the [`StorageBackend`] trait every backend
//! implements, [`StorageKey`]s, [`StorageConfig`], the backend registry behind
//! [`create_backend`], the always-available [`MemoryBackend`], and a private tokio runtime
//! ([`runtime::block_on`]) for backends built on async clients.
//!
//! Backend crates (ours and third parties') depend on this crate only, never on the data
//! model: a backend stores polars frames and opaque metadata documents under keys.

mod backend;
pub mod checksum;
mod config;
mod dtype;
mod error;
mod key;
mod memory;
mod read_only;
mod registry;
pub mod runtime;
mod traced;
pub mod versions;

pub use backend::{Capabilities, SaveMode, SaveOptions, SeriesData, StorageBackend};
pub use config::{DEFAULT_MEMORY_BUDGET, StorageAccess, StorageConfig, StorageTarget};
pub use dtype::{dtype_code, parse_dtype_code};
pub use error::{BoxError, Causes, Result, StorageError};
pub use key::StorageKey;
pub use memory::MemoryBackend;
pub use read_only::ReadOnly;
pub use registry::{BackendFactory, create_backend, register_backend, registered_schemes};
pub use traced::Traced;
