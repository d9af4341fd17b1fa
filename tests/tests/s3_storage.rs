//! The Parquet backend on an S3-compatible object store: the conformance suite, datasets
//! through the facade, and two independent writers on one dataset without a lost update.
//!
//! The store is the local server at `METEAUDATA_TEST_S3_ENDPOINT` (`.ci/run` starts moto on
//! 127.0.0.1); never a real cloud. Outside CI a missing server skips with a printed reason.

use std::io::{Read, Write};

use meteaudata::storage::ParquetBackend;
use meteaudata_e2e::object_stores;

const BUCKET: &str = "meteaudata-test";

/// The endpoint of the local S3 server, with the bucket created; `None` (with a printed
/// reason) outside CI when there is none.
fn endpoint() -> Option<String> {
    let ci = std::env::var("CI").is_ok_and(|v| v == "true");
    let Ok(endpoint) = std::env::var("METEAUDATA_TEST_S3_ENDPOINT") else {
        assert!(!ci, "METEAUDATA_TEST_S3_ENDPOINT must be set under CI");
        eprintln!("skipped: METEAUDATA_TEST_S3_ENDPOINT is not set");
        return None;
    };
    let host = endpoint.trim_start_matches("http://").trim_end_matches('/');
    assert!(
        host.starts_with("127.0.0.1:") || host.starts_with("localhost:"),
        "the S3 tests only run against a local server, not {endpoint}"
    );
    // Create the bucket (the local server accepts unsigned requests; an existing bucket is
    // fine).
    match std::net::TcpStream::connect(host) {
        Ok(mut stream) => {
            write!(
                stream,
                "PUT /{BUCKET} HTTP/1.1\r\nHost: {host}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            )
            .unwrap();
            let mut reply = String::new();
            stream.read_to_string(&mut reply).unwrap();
            assert!(
                reply.starts_with("HTTP/1.1 200") || reply.contains("BucketAlready"),
                "cannot create the test bucket: {reply}"
            );
            Some(endpoint)
        }
        Err(e) => {
            assert!(!ci, "no S3 server at {endpoint} under CI: {e}");
            eprintln!("skipped: no S3 server at {endpoint}: {e}");
            None
        }
    }
}

/// A backend on a fresh prefix of the test bucket.
fn store(endpoint: &str, prefix: &str) -> ParquetBackend {
    ParquetBackend::from_url_with(
        &format!("s3://{BUCKET}/{prefix}"),
        [
            ("aws_endpoint", endpoint),
            ("aws_allow_http", "true"),
            ("aws_access_key_id", "testing"),
            ("aws_secret_access_key", "testing"),
            ("aws_region", "us-east-1"),
        ],
    )
    .unwrap()
}

#[test]
fn s3_store_passes_the_conformance_suite() {
    let Some(endpoint) = endpoint() else { return };
    object_stores::conformance(|prefix| store(&endpoint, prefix));
}

#[test]
fn datasets_live_on_s3_and_reopen() {
    let Some(endpoint) = endpoint() else { return };
    object_stores::datasets_reopen(|prefix| store(&endpoint, prefix));
}

#[test]
fn two_writers_on_one_dataset_never_lose_an_update() {
    let Some(endpoint) = endpoint() else { return };
    object_stores::two_writers_never_lose_an_update(|prefix| store(&endpoint, prefix));
}

#[test]
fn ranges_and_appends_agree_with_memory_on_s3() {
    let Some(endpoint) = endpoint() else { return };
    object_stores::ranges_agree_with_memory(|prefix| store(&endpoint, prefix));
}
