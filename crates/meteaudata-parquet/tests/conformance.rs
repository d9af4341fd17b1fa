//! The Parquet backend passes the conformance suite on a local directory and in memory.

use meteaudata_parquet::ParquetBackend;

fn scratch(name: &str) -> std::path::PathBuf {
    let dir =
        std::env::temp_dir().join(format!("meteaudata-parquet-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

#[test]
fn local_directory_conforms() {
    let dir = scratch("conformance");
    meteaudata_testkit::run_all(&ParquetBackend::local(&dir).unwrap());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn in_memory_store_conforms() {
    meteaudata_testkit::run_all(&ParquetBackend::in_memory());
}
