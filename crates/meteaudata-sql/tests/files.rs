//! What the SQL backend does with files and servers that are not what it expects: it names
//! the culprit and the root cause, and never re-initialises, creates or writes what it was
//! only asked to read.

use std::path::{Path, PathBuf};

use meteaudata_sql::SqlBackend;
use meteaudata_storage::{StorageAccess, StorageBackend, StorageError, StorageKey};

fn scratch(name: &str) -> PathBuf {
    let path = std::env::temp_dir().join(format!(
        "meteaudata-sql-files-{name}-{}",
        std::process::id()
    ));
    let _ = std::fs::remove_file(&path);
    path
}

fn url(path: &Path) -> String {
    format!("sqlite:///{}", path.display())
}

/// Connecting to `path` with every access fails, naming the file and `why`, and leaves its
/// bytes as they were.
fn refused(path: &Path, why: &str) {
    let before = std::fs::read(path).unwrap();
    for access in [
        StorageAccess::CreateIfMissing,
        StorageAccess::OpenExisting,
        StorageAccess::ReadOnly,
    ] {
        let err = SqlBackend::connect_with(&url(path), access).unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains(&path.display().to_string()),
            "names the file: {text}"
        );
        assert!(text.contains(why), "says why ({why}): {text}");
    }
    assert_eq!(
        std::fs::read(path).unwrap(),
        before,
        "the file is unchanged"
    );
}

#[test]
fn a_text_file_is_not_a_database() {
    let path = scratch("notes.txt");
    std::fs::write(&path, "shopping: milk, eggs\n").unwrap();
    refused(&path, "not an SQLite database");
}

#[test]
fn a_zeroed_file_is_not_reinitialised() {
    let path = scratch("zeroed.db");
    std::fs::write(&path, vec![0u8; 16384]).unwrap();
    refused(&path, "not an SQLite database");
}

/// A database file of ours holding one series.
fn stored(name: &str) -> PathBuf {
    let path = scratch(name);
    let backend = SqlBackend::connect(&url(&path)).unwrap();
    let frame = polars::prelude::df!(
        "index" => (0..20_000i64).collect::<Vec<_>>(),
        "values" => (0..20_000).map(f64::from).collect::<Vec<_>>(),
    )
    .unwrap();
    backend
        .save(
            &StorageKey::parse("d/s/RAW#1").unwrap(),
            &meteaudata_storage::SeriesData {
                frame,
                metadata: "{}".into(),
            },
            Default::default(),
        )
        .unwrap();
    drop(backend);
    // Fold the write-ahead log into the file, so that the file alone is the database.
    execute(&path, "PRAGMA journal_mode=DELETE");
    path
}

#[test]
fn a_truncated_database_names_the_file_and_the_cause() {
    let path = stored("truncated.db");
    let bytes = std::fs::read(&path).unwrap();
    std::fs::write(&path, &bytes[..bytes.len() / 3]).unwrap();
    let outcome = SqlBackend::connect_with(&url(&path), StorageAccess::ReadOnly)
        .and_then(|b| b.load(&StorageKey::parse("d/s/RAW#1").unwrap()).map(drop));
    let text = outcome
        .expect_err("a truncated database cannot load")
        .to_string();
    assert!(
        text.contains(&path.display().to_string()),
        "names the file: {text}"
    );
    assert!(
        text.contains("malformed") || text.contains("not a database"),
        "ends with SQLite's own reason: {text}"
    );
}

#[test]
fn damaged_tables_are_an_error_not_a_fresh_start() {
    let path = stored("damaged.db");
    execute(&path, "DROP TABLE meteaudata_documents");
    let before = std::fs::read(&path).unwrap();
    let err = SqlBackend::connect(&url(&path)).unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, StorageError::NotAStore { .. }), "{err:?}");
    assert!(
        text.contains("meteaudata_documents"),
        "names the missing table: {text}"
    );
    assert!(
        std::fs::read(&path).unwrap() == before,
        "nothing re-created"
    );
}

/// Runs one statement on the file through a plain connection, which leaves no write-ahead
/// log behind.
fn execute(path: &Path, sql: &str) {
    use sea_orm::{ConnectionTrait, Database};
    meteaudata_storage::runtime::block_on(async {
        let db = Database::connect(format!("sqlite://{}?mode=rw", path.display()))
            .await
            .unwrap();
        for statement in [sql, "PRAGMA journal_mode=DELETE"] {
            // The backend checkpoints its log on a thread of its own that may still run.
            let mut tries = 0;
            while let Err(e) = db.execute_unprepared(statement).await {
                tries += 1;
                assert!(tries < 100, "{statement}: {e}");
                std::thread::sleep(std::time::Duration::from_millis(50));
            }
        }
        db.close().await.unwrap();
    });
}

#[test]
fn opening_an_existing_store_creates_nothing() {
    let missing = scratch("missing.db");
    for access in [StorageAccess::OpenExisting, StorageAccess::ReadOnly] {
        let err = SqlBackend::connect_with(&url(&missing), access).unwrap_err();
        assert!(matches!(err, StorageError::MissingStore { .. }), "{err:?}");
        assert!(!missing.exists(), "{access:?} created the file");
    }
}

#[test]
fn a_database_without_our_tables_gets_them_at_the_first_write_only() {
    let path = scratch("foreign.db");
    std::fs::copy(fixture_db(), &path).unwrap();
    let before = std::fs::read(&path).unwrap();
    let backend = SqlBackend::connect_with(&url(&path), StorageAccess::OpenExisting).unwrap();
    assert!(backend.list_keys(None).unwrap().is_empty());
    let key = StorageKey::parse("reactor_monitoring").unwrap();
    assert!(matches!(
        backend.load_document(&key),
        Err(StorageError::NotFound { .. })
    ));
    assert_eq!(
        std::fs::read(&path).unwrap(),
        before,
        "reading wrote nothing"
    );
    backend.save_document(&key, "{}").unwrap();
    assert_eq!(backend.load_document(&key).unwrap(), "{}");
}

/// The SQLite file meteaudata 0.12.1 for Python wrote (no tables of ours).
fn fixture_db() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(
        "../../tests/fixtures/meteaudata-py-0.12.1/pandas-3.1.1/main/sql/reactor_monitoring.db",
    )
}

#[test]
fn read_only_access_changes_no_byte_and_refuses_writes() {
    let path = scratch("python.db");
    std::fs::copy(fixture_db(), &path).unwrap();
    let before = std::fs::read(&path).unwrap();
    let backend = SqlBackend::connect_with(&url(&path), StorageAccess::ReadOnly).unwrap();
    assert!(backend.list_keys(None).unwrap().is_empty());
    let err = backend
        .save_document(&StorageKey::parse("x").unwrap(), "{}")
        .unwrap_err();
    assert!(
        err.to_string().contains("readonly") || err.to_string().contains("read-only"),
        "{err}"
    );
    drop(backend);
    assert_eq!(
        std::fs::read(&path).unwrap(),
        before,
        "not one byte changed"
    );
}

#[cfg(feature = "postgres")]
#[test]
fn a_refused_connection_says_it_was_refused() {
    // Nothing listens on port 1.
    let started = std::time::Instant::now();
    let err = SqlBackend::connect("postgresql://postgres@127.0.0.1:1/test").unwrap_err();
    let text = err.to_string();
    assert!(text.contains("127.0.0.1:1"), "names the server: {text}");
    assert!(text.to_lowercase().contains("refused"), "says why: {text}");
    assert!(started.elapsed() < std::time::Duration::from_secs(30));
}

#[test]
fn values_changed_in_the_tables_are_an_error_naming_the_object() {
    let path = scratch("edited.db");
    let key = StorageKey::parse("d/s/RAW#1/o1").unwrap();
    let frame = polars::prelude::df!(
        "index" => (0..1_000i64).collect::<Vec<_>>(),
        "values" => (0..1_000).map(|i| Some(f64::from(i)).filter(|_| i % 10 != 0)).collect::<Vec<_>>(),
    )
    .unwrap();
    let backend = SqlBackend::connect(&url(&path)).unwrap();
    let checksum = backend
        .save_object(
            &key,
            &meteaudata_storage::SeriesData {
                frame,
                metadata: "{}".into(),
            },
        )
        .unwrap()
        .expect("the SQL backend records a checksum");
    drop(backend);
    execute(&path, "PRAGMA journal_mode=DELETE");
    for edit in [
        "UPDATE meteaudata_points SET value_float = value_float + 0.5 WHERE position = 7",
        "UPDATE meteaudata_points SET value_float = 1.0 WHERE position = 20",
        "UPDATE meteaudata_points SET index_int = index_int + 1 WHERE position = 999",
    ] {
        let copy = scratch("edited-copy.db");
        std::fs::copy(&path, &copy).unwrap();
        execute(&copy, edit);
        let backend = SqlBackend::connect_with(&url(&copy), StorageAccess::ReadOnly).unwrap();
        match backend.load_object(&key, Some(&checksum)) {
            Err(StorageError::Corrupt { key: named, reason }) => {
                assert!(named.contains("d/s/RAW#1/o1"), "{edit}: names {named}");
                assert!(reason.contains("changed"), "{edit}: {reason}");
            }
            other => panic!("{edit}: expected a checksum error, got {other:?}"),
        }
    }
    let backend = SqlBackend::connect_with(&url(&path), StorageAccess::ReadOnly).unwrap();
    assert_eq!(
        backend
            .load_object(&key, Some(&checksum))
            .unwrap()
            .frame
            .height(),
        1_000,
        "the untouched database loads"
    );
}
