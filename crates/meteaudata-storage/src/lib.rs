//! The storage layer of meteaudata for Rust.
//!
//! This crate will hold the `StorageBackend` trait that every backend implements (the
//! in-memory one, Parquet over object storage, SQL), its error type, storage keys and the
//! backend registry. Backend crates depend on this crate only, never on the data model.
//!
//! For now it provides the key rules that every backend shares.

/// The separator between the parts of a storage key (`<dataset>/<signal>/<series>`).
pub const KEY_SEPARATOR: char = '/';
