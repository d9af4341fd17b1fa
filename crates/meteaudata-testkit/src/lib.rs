//! The conformance suite of the meteaudata storage layer.
//!
//! Every backend — ours and third parties' — runs [`run_all`] (or the checks one by one)
//! against a fresh store. Missing values are nulls (the data model never stores NaN). Each check works under its own top-level key segment and panics
//! with a message naming the check and the case when the backend misbehaves.
//!
//! ```
//! use meteaudata_storage::MemoryBackend;
//! meteaudata_testkit::run_all(&MemoryBackend::new());
//! ```

use meteaudata_storage::{
    SaveMode, SaveOptions, SeriesData, StorageBackend, StorageError, StorageKey,
};
use polars::prelude::*;

/// Runs every check.
pub fn run_all(backend: &dyn StorageBackend) {
    create_document_once(backend);
    list_documents(backend);
    immutable_objects(backend);
    round_trip_every_kind(backend);
    overwrite(backend);
    delete(backend);
    list_by_prefix(backend);
    metadata_fidelity(backend);
    documents(backend);
    missing_keys(backend);
    clear_by_prefix(backend);
    if backend.capabilities().conditional_writes {
        create_new(backend);
    }
}

fn key(text: &str) -> StorageKey {
    StorageKey::parse(text).expect("valid test key")
}

fn datetime(name: &str, values: Vec<i64>, unit: TimeUnit, tz: Option<&str>) -> Column {
    Int64Chunked::from_vec(name.into(), values)
        .into_datetime(unit, TimeZone::opt_try_new(tz).expect("zone"))
        .into_series()
        .into()
}

fn frame(index: Column, values: Column) -> DataFrame {
    let index = index.with_name("index".into());
    let values = values.with_name("values".into());
    DataFrame::new(index.len(), vec![index, values]).expect("test frame")
}

/// The test frames: every index kind and value kind the data model holds.
pub fn sample_frames() -> Vec<(&'static str, DataFrame)> {
    let t = |n: i64| {
        (0..n)
            .map(|i| 1_704_067_200_000 + i * 3_600_000)
            .collect::<Vec<_>>()
    };
    let floats = Column::new("v".into(), [Some(1.5), None, Some(-0.0), Some(1e-300)]);
    vec![
        (
            "naive datetime ns, float with nulls",
            frame(
                datetime(
                    "i",
                    t(4).iter().map(|x| x * 1_000_000).collect(),
                    TimeUnit::Nanoseconds,
                    None,
                ),
                floats.clone(),
            ),
        ),
        (
            "UTC datetime ms, int64 beyond 2^53",
            frame(
                datetime("i", t(4), TimeUnit::Milliseconds, Some("UTC")),
                Column::new(
                    "v".into(),
                    [Some((1i64 << 53) + 1), None, Some(i64::MAX), Some(i64::MIN)],
                ),
            ),
        ),
        (
            "America/Toronto datetime us, booleans",
            frame(
                datetime(
                    "i",
                    t(3).iter().map(|x| x * 1_000).collect(),
                    TimeUnit::Microseconds,
                    Some("America/Toronto"),
                ),
                Column::new("v".into(), [Some(true), None, Some(false)]),
            ),
        ),
        (
            "duration index, non-ASCII strings",
            frame(
                Int64Chunked::from_vec("i".into(), vec![0, 60_000_000_000, 120_000_000_000])
                    .into_duration(TimeUnit::Nanoseconds)
                    .into_series()
                    .into(),
                Column::new(
                    "v".into(),
                    [Some("°C — µS/cm"), None, Some("l'eau \"brute\"")],
                ),
            ),
        ),
        (
            "int64 index, datetime values",
            frame(
                Column::new("i".into(), [10i64, 20, 30]),
                datetime("v", t(3), TimeUnit::Milliseconds, None),
            ),
        ),
        (
            "float index",
            frame(
                Column::new("i".into(), [0.5f64, 1.5, 2.5]),
                Column::new("v".into(), [1.0f64, 2.0, 3.0]),
            ),
        ),
        (
            "string index",
            frame(
                Column::new("i".into(), ["a", "b", "é"]),
                Column::new("v".into(), [Some(1.0f64), None, Some(3.0)]),
            ),
        ),
        (
            "empty datetime series",
            frame(
                datetime("i", vec![], TimeUnit::Nanoseconds, None),
                Column::new_empty("v".into(), &DataType::Float64),
            ),
        ),
    ]
}

fn assert_same(case: &str, expected: &DataFrame, got: &DataFrame) {
    assert_eq!(
        expected.schema(),
        got.schema(),
        "{case}: dtypes (units, zones) differ"
    );
    assert!(
        expected.equals_missing(got),
        "{case}: data differs:\nexpected {expected}\ngot {got}"
    );
}

/// Saves and loads every sample frame under non-ASCII keys.
pub fn round_trip_every_kind(backend: &dyn StorageBackend) {
    backend.clear(Some(&key("kinds"))).expect("clear");
    for (i, (case, frame)) in sample_frames().into_iter().enumerate() {
        let k = key(&format!("kinds/Signal réacteur #{i}/RAW#{i}"));
        let data = SeriesData {
            frame,
            metadata: format!("{{\"case\":{i}}}"),
        };
        backend
            .save(&k, &data, SaveOptions::default())
            .unwrap_or_else(|e| panic!("{case}: save: {e}"));
        let back = backend
            .load(&k)
            .unwrap_or_else(|e| panic!("{case}: load: {e}"));
        assert_same(case, &data.frame, &back.frame);
        assert_eq!(back.metadata, data.metadata, "{case}: metadata");
    }
}

/// A second save replaces the first.
pub fn overwrite(backend: &dyn StorageBackend) {
    backend.clear(Some(&key("overwrite"))).expect("clear");
    let k = key("overwrite/S#1/RAW#1");
    let frames = sample_frames();
    backend
        .save(
            &k,
            &SeriesData {
                frame: frames[0].1.clone(),
                metadata: "{\"v\":1}".into(),
            },
            SaveOptions::default(),
        )
        .expect("first save");
    backend
        .save(
            &k,
            &SeriesData {
                frame: frames[5].1.clone(),
                metadata: "{\"v\":2}".into(),
            },
            SaveOptions::default(),
        )
        .expect("second save");
    let back = backend.load(&k).expect("load");
    assert_same("overwrite", &frames[5].1, &back.frame);
    assert_eq!(back.metadata, "{\"v\":2}", "overwrite: metadata");
    assert_eq!(
        backend
            .list_keys(Some(&key("overwrite")))
            .expect("list")
            .len(),
        1,
        "overwrite: one key"
    );
}

/// Delete removes one series; a second delete and a load report `NotFound`.
pub fn delete(backend: &dyn StorageBackend) {
    backend.clear(Some(&key("delete"))).expect("clear");
    let (a, b) = (key("delete/S#1/RAW#1"), key("delete/S#1/RAW#2"));
    let data = SeriesData {
        frame: sample_frames()[0].1.clone(),
        metadata: "{}".into(),
    };
    backend
        .save(&a, &data, SaveOptions::default())
        .expect("save a");
    backend
        .save(&b, &data, SaveOptions::default())
        .expect("save b");
    backend.delete(&a).expect("delete");
    assert!(!backend.exists(&a).expect("exists"), "delete: gone");
    assert!(
        backend.exists(&b).expect("exists"),
        "delete: the sibling stays"
    );
    assert!(
        matches!(backend.delete(&a), Err(StorageError::NotFound { .. })),
        "delete: second delete"
    );
    assert!(
        matches!(backend.load(&a), Err(StorageError::NotFound { .. })),
        "delete: load after delete"
    );
}

/// Listing by prefix matches whole segments and returns the keys as saved, sorted.
pub fn list_by_prefix(backend: &dyn StorageBackend) {
    backend.clear(Some(&key("list"))).expect("clear");
    backend.clear(Some(&key("list-other"))).expect("clear");
    let data = SeriesData {
        frame: sample_frames()[5].1.clone(),
        metadata: "{}".into(),
    };
    let keys = [
        "list/a_b/c#1",
        "list/a/b_c#1",
        "list/a/b_c#2",
        "list/ab/x#1",
        "list-other/a/x#1",
    ];
    for k in keys {
        backend
            .save(&key(k), &data, SaveOptions::default())
            .expect("save");
    }
    let listed: Vec<String> = backend
        .list_keys(Some(&key("list/a")))
        .expect("list")
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(listed, ["list/a/b_c#1", "list/a/b_c#2"], "list: prefix a");
    let listed: Vec<String> = backend
        .list_keys(Some(&key("list")))
        .expect("list")
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        listed,
        [
            "list/a/b_c#1",
            "list/a/b_c#2",
            "list/a_b/c#1",
            "list/ab/x#1"
        ],
        "list: prefix list"
    );
    let all = backend.list_keys(None).expect("list all");
    assert!(all.contains(&key("list-other/a/x#1")), "list: everything");
}

/// Metadata documents come back byte for byte.
pub fn metadata_fidelity(backend: &dyn StorageBackend) {
    backend.clear(Some(&key("metadata"))).expect("clear");
    let k = key("metadata/S#1/RAW#1");
    let metadata = "{\"units\":\"µS/cm\",\"text\":\"réacteur — l'eau \\\"brute\\\"\",\"big\":9007199254740993,\"nested\":{\"list\":[1,2.5,null]}}";
    let data = SeriesData {
        frame: sample_frames()[0].1.clone(),
        metadata: metadata.into(),
    };
    backend
        .save(&k, &data, SaveOptions::default())
        .expect("save");
    assert_eq!(
        backend.load(&k).expect("load").metadata,
        metadata,
        "metadata: load"
    );
    assert_eq!(
        backend.load_metadata(&k).expect("load_metadata"),
        metadata,
        "metadata: load_metadata"
    );
}

/// A document as the data model writes them: a JSON object with `format_version` and
/// `name` (backends may recognize their own documents by these two fields).
pub fn document(name: &str, version: u64) -> String {
    format!("{{\"format_version\":{version},\"name\":\"{name}\"}}")
}

/// Documents live beside series under the same keys without clashing.
pub fn documents(backend: &dyn StorageBackend) {
    backend.clear(Some(&key("documents"))).expect("clear");
    let k = key("documents/S#1");
    backend
        .save_document(&k, &document("S#1", 1))
        .expect("save document");
    backend
        .save(
            &k,
            &SeriesData {
                frame: sample_frames()[5].1.clone(),
                metadata: "{}".into(),
            },
            SaveOptions::default(),
        )
        .expect("save series");
    backend
        .save_document(&k, &document("S#1", 2))
        .expect("overwrite document");
    assert_eq!(
        backend.load_document(&k).expect("load document"),
        document("S#1", 2),
        "documents: load"
    );
    assert!(
        backend.exists(&k).expect("exists"),
        "documents: the series is still there"
    );
    backend.delete_document(&k).expect("delete document");
    assert!(
        matches!(
            backend.load_document(&k),
            Err(StorageError::NotFound { .. })
        ),
        "documents: deleted"
    );
    assert!(
        backend.exists(&k).expect("exists"),
        "documents: deleting a document keeps the series"
    );
}

/// Missing keys are `NotFound` errors naming the key.
pub fn missing_keys(backend: &dyn StorageBackend) {
    let k = key("missing/Nothing#1/RAW#1");
    match backend.load(&k) {
        Err(StorageError::NotFound { key }) => {
            assert_eq!(key, "missing/Nothing#1/RAW#1", "missing: key in error")
        }
        other => panic!("missing: load gave {other:?}"),
    }
    assert!(!backend.exists(&k).expect("exists"), "missing: exists");
    assert!(
        matches!(
            backend.load_document(&k),
            Err(StorageError::NotFound { .. })
        ),
        "missing: document"
    );
    assert!(
        backend
            .list_keys(Some(&key("missing")))
            .expect("list")
            .is_empty(),
        "missing: list"
    );
}

/// Clearing a prefix leaves everything else alone.
pub fn clear_by_prefix(backend: &dyn StorageBackend) {
    let data = SeriesData {
        frame: sample_frames()[5].1.clone(),
        metadata: "{}".into(),
    };
    for k in ["clear-a/S#1/RAW#1", "clear-b/S#1/RAW#1"] {
        backend
            .save(&key(k), &data, SaveOptions::default())
            .expect("save");
        backend
            .save_document(&key(k), &document("S#1", 1))
            .expect("save document");
    }
    backend.clear(Some(&key("clear-a"))).expect("clear");
    assert!(
        !backend.exists(&key("clear-a/S#1/RAW#1")).expect("exists"),
        "clear: cleared"
    );
    assert!(
        backend.load_document(&key("clear-a/S#1/RAW#1")).is_err(),
        "clear: document cleared"
    );
    assert!(
        backend.exists(&key("clear-b/S#1/RAW#1")).expect("exists"),
        "clear: other dataset kept"
    );
    assert!(
        backend.load_document(&key("clear-b/S#1/RAW#1")).is_ok(),
        "clear: other document kept"
    );
}

/// `SaveMode::CreateNew` refuses to replace.
pub fn create_new(backend: &dyn StorageBackend) {
    backend.clear(Some(&key("create"))).expect("clear");
    let k = key("create/S#1/RAW#1");
    let data = SeriesData {
        frame: sample_frames()[5].1.clone(),
        metadata: "{\"v\":1}".into(),
    };
    let create = SaveOptions {
        mode: SaveMode::CreateNew,
    };
    backend.save(&k, &data, create).expect("first create");
    let second = SeriesData {
        metadata: "{\"v\":2}".into(),
        ..data
    };
    assert!(
        matches!(
            backend.save(&k, &second, create),
            Err(StorageError::AlreadyExists { .. })
        ),
        "create: second create"
    );
    assert_eq!(
        backend.load(&k).expect("load").metadata,
        "{\"v\":1}",
        "create: the first stays"
    );
}

/// `create_document` creates once: a second create fails with `AlreadyExists` and keeps the
/// first; of 8 threads creating one key at once, exactly one succeeds. Commits of versioned
/// datasets rely on this.
pub fn create_document_once(backend: &dyn StorageBackend) {
    backend.clear(Some(&key("create-doc"))).expect("clear");
    let k = key("create-doc/_log/1");
    backend
        .create_document(&k, &document("first", 1))
        .expect("first create");
    assert!(
        matches!(
            backend.create_document(&k, &document("second", 1)),
            Err(StorageError::AlreadyExists { .. })
        ),
        "create_document: a second create is AlreadyExists"
    );
    assert_eq!(
        backend.load_document(&k).expect("load"),
        document("first", 1),
        "create_document: the first stays"
    );
    for round in 0..5 {
        let k = key(&format!("create-doc/_log/race-{round}"));
        let winners: Vec<usize> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..8)
                .map(|i| {
                    let k = k.clone();
                    scope.spawn(move || {
                        match backend.create_document(&k, &document(&format!("w{i}"), 1)) {
                            Ok(()) => Some(i),
                            Err(StorageError::AlreadyExists { .. }) => None,
                            Err(e) => panic!("create_document under contention: {e}"),
                        }
                    })
                })
                .collect();
            handles
                .into_iter()
                .filter_map(|h| h.join().expect("thread"))
                .collect()
        });
        assert_eq!(winners.len(), 1, "create_document: exactly one of 8 wins");
        assert_eq!(
            backend.load_document(&k).expect("load"),
            document(&format!("w{}", winners[0]), 1),
            "create_document: the winner's document is stored"
        );
    }
}

/// `list_documents` lists the documents under a prefix, whole segments only, sorted.
pub fn list_documents(backend: &dyn StorageBackend) {
    backend.clear(Some(&key("list-doc"))).expect("clear");
    backend.clear(Some(&key("list-doc2"))).expect("clear");
    for k in [
        "list-doc/_tags/b",
        "list-doc/_tags/a",
        "list-doc/x",
        "list-doc2/_tags/c",
    ] {
        backend
            .save_document(&key(k), &document("d", 1))
            .expect("save document");
    }
    assert_eq!(
        backend
            .list_documents(Some(&key("list-doc/_tags")))
            .expect("list"),
        [key("list-doc/_tags/a"), key("list-doc/_tags/b")],
        "list_documents: by prefix"
    );
    assert_eq!(
        backend
            .list_documents(Some(&key("list-doc")))
            .expect("list")
            .len(),
        3,
        "list_documents: not the sibling prefix"
    );
}

/// `save_object` writes once (a second write under the key fails) and returns a checksum,
/// `load_object` gives the data back, and a checksum that does not match is refused with an
/// error naming the object.
pub fn immutable_objects(backend: &dyn StorageBackend) {
    backend.clear(Some(&key("objects"))).expect("clear");
    let k = key("objects/S#1/RAW#1/o1");
    let data = SeriesData {
        frame: sample_frames()[0].1.clone(),
        metadata: "{\"v\":1}".into(),
    };
    let checksum = backend.save_object(&k, &data).expect("save_object");
    assert!(
        backend.save_object(&k, &data).is_err(),
        "save_object: an object is written once"
    );
    let back = backend
        .load_object(&k, checksum.as_deref())
        .expect("load_object");
    assert_same("objects", &data.frame, &back.frame);
    let checksum = checksum.expect("save_object: returns a checksum for the manifest");
    // The same kind of checksum with its last digit changed.
    let mut wrong = checksum.clone();
    let last = wrong.pop().expect("a checksum is not empty");
    wrong.push(if last == '0' { '1' } else { '0' });
    match backend.load_object(&k, Some(&wrong)) {
        Err(StorageError::Corrupt { key, .. }) => assert!(
            key.contains(&k.to_string()),
            "load_object: the error names the object, got {key:?}"
        ),
        other => panic!("load_object: a wrong checksum is refused, got {other:?}"),
    }
}
