//! The Parquet backend on Azure Blob Storage, through the local Azurite emulator: the same
//! checks as on S3 (conformance suite, datasets that reopen, two writers without a lost
//! update, range reads and appends).
//!
//! `.ci/run` starts Azurite on 127.0.0.1:10000 and sets `METEAUDATA_TEST_AZURITE`; the test
//! container is created with Python's `azure-storage-blob` from the virtualenv (object_store
//! cannot create containers). Never a real cloud. Outside CI a missing emulator skips with a
//! printed reason.

use std::process::Command;

use meteaudata::storage::ParquetBackend;
use meteaudata_e2e::env::{in_ci, python};
use meteaudata_e2e::object_stores;

const CONTAINER: &str = "meteaudata-test";

/// Azurite's well-known development account (public, documented by Microsoft).
const CONNECTION: &str = "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;\
AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;\
BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;";

/// Whether the emulator runs, with the test container created; `false` (with a printed
/// reason) outside CI when it does not.
fn emulator() -> bool {
    if std::env::var("METEAUDATA_TEST_AZURITE").is_err() {
        assert!(!in_ci(), "METEAUDATA_TEST_AZURITE must be set under CI");
        eprintln!("skipped: METEAUDATA_TEST_AZURITE is not set");
        return false;
    }
    let Some(python) = python() else { return false };
    let script = format!(
        "from azure.storage.blob import BlobServiceClient\n\
         from azure.core.exceptions import ResourceExistsError\n\
         client = BlobServiceClient.from_connection_string({CONNECTION:?})\n\
         try:\n    client.create_container({CONTAINER:?})\n\
         except ResourceExistsError:\n    pass\n"
    );
    let out = Command::new(&python)
        .args(["-c", &script])
        .output()
        .unwrap();
    if !out.status.success() {
        let why = String::from_utf8_lossy(&out.stderr);
        assert!(!in_ci(), "cannot reach Azurite under CI: {why}");
        eprintln!("skipped: cannot create the Azurite container: {why}");
        return false;
    }
    true
}

/// A backend on a fresh prefix of the test container.
fn store(prefix: &str) -> ParquetBackend {
    ParquetBackend::from_url_with(
        &format!("az://{CONTAINER}/{prefix}"),
        [("azure_storage_use_emulator", "true")],
    )
    .unwrap()
}

#[test]
fn azure_store_passes_the_conformance_suite() {
    if emulator() {
        object_stores::conformance(store);
    }
}

#[test]
fn datasets_live_on_azure_and_reopen() {
    if emulator() {
        object_stores::datasets_reopen(store);
    }
}

#[test]
fn two_writers_on_one_azure_dataset_never_lose_an_update() {
    if emulator() {
        object_stores::two_writers_never_lose_an_update(store);
    }
}

#[test]
fn ranges_and_appends_agree_with_memory_on_azure() {
    if emulator() {
        object_stores::ranges_agree_with_memory(store);
    }
}
