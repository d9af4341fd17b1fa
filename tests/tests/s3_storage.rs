//! The Parquet backend on an S3-compatible object store: the conformance suite, datasets
//! through the facade, and two independent writers on one dataset without a lost update.
//!
//! The store is the local server at `METEAUDATA_TEST_S3_ENDPOINT` (`.ci/run` starts moto on
//! 127.0.0.1); never a real cloud. Outside CI a missing server skips with a printed reason.

use std::io::{Read, Write};
use std::sync::Arc;

use meteaudata::prelude::*;
use meteaudata::storage::{ParquetBackend, StorageBackend, StorageError};
use meteaudata::{Attachment, Error};
use meteaudata_e2e::workload;

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

fn unique(name: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("{name}-{}-{nanos}", std::process::id())
}

#[test]
fn s3_store_passes_the_conformance_suite() {
    let Some(endpoint) = endpoint() else { return };
    let backend = store(&endpoint, &unique("conformance"));
    assert!(backend.capabilities().conditional_writes);
    meteaudata_testkit::run_all(&backend);
}

fn attach(backend: ParquetBackend) -> Attachment {
    Attachment::new(Arc::new(backend), true, 64 << 20)
}

#[test]
fn datasets_live_on_s3_and_reopen() {
    let Some(endpoint) = endpoint() else { return };
    let prefix = unique("dataset");
    let mut ds = Dataset::new("plant")
        .unwrap()
        .with_signals([workload::signal(10_000, 0)])
        .unwrap();
    ds.set_backend(Arc::new(store(&endpoint, &prefix)), true)
        .unwrap();
    ds.signal_mut("S0#1")
        .unwrap()
        .process(&["S0#1_RAW#1"], resample("1h"), ProcessOptions::default())
        .unwrap();
    let reopened = Dataset::open_from(attach(store(&endpoint, &prefix)), "plant", true).unwrap();
    assert_eq!(reopened, ds, "every series, history and timestamp");
}

#[test]
fn two_writers_on_one_dataset_never_lose_an_update() {
    let Some(endpoint) = endpoint() else { return };
    let prefix = unique("writers");
    let mut first = Dataset::new("common")
        .unwrap()
        .with_signals([workload::signal(1_000, 0)])
        .unwrap();
    first
        .set_backend(Arc::new(store(&endpoint, &prefix)), true)
        .unwrap();
    first.save_all().unwrap();

    // Two processes (independent handles) open the same dataset.
    let mut a = Dataset::open_from(attach(store(&endpoint, &prefix)), "common", true).unwrap();
    let mut b = Dataset::open_from(attach(store(&endpoint, &prefix)), "common", true).unwrap();
    // Different signals: both land (the second commit merges on top of the first).
    a.add(workload::signal(1_000, 1)).unwrap();
    b.add(workload::signal(1_000, 2)).unwrap();
    // The same signal: the second writer is told, and nothing of its change is visible.
    let step = |ds: &mut Dataset| {
        ds.signal_mut("S0#1").unwrap().process(
            &["S0#1_RAW#1"],
            resample("1h"),
            ProcessOptions::default(),
        )
    };
    step(&mut a).unwrap();
    let err = step(&mut b).unwrap_err();
    assert!(
        matches!(err, Error::Storage(StorageError::VersionConflict { .. })),
        "the second writer is told, not silently overwriting: {err}"
    );
    assert_eq!(
        b.signal("S0#1").unwrap().len(),
        1,
        "the loser's memory is as before"
    );
    let last = Dataset::open_from(attach(store(&endpoint, &prefix)), "common", true).unwrap();
    assert_eq!(
        last.all_signals(),
        ["S0#1", "S1#1", "S2#1"],
        "both writers' signals are there"
    );
    assert_eq!(
        last.signal("S0#1").unwrap().all_time_series(),
        ["S0#1_RAW#1", "S0#1_RESAMPLED#1"],
        "the winner's step is there once"
    );
}

#[test]
fn ranges_and_appends_agree_with_memory_on_s3() {
    let Some(endpoint) = endpoint() else { return };
    let backend: Arc<dyn StorageBackend> = Arc::new(store(&endpoint, &unique("ranges")));
    meteaudata_e2e::ranges::ranges_and_appends_agree_with_memory(
        || Attachment::new(backend.clone(), true, 0),
        "ranges",
        10,
        99,
    );
}
