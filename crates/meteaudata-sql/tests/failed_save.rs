//! A save that fails part-way through its points rolls back: the previous version of the series
//! stays loadable and a new series leaves nothing behind. The failure is injected by a trigger
//! that rejects one point of one series, on SQLite (the bulk path), PostgreSQL and MariaDB.
//! Server URLs come from `METEAUDATA_TEST_POSTGRES_URL` / `METEAUDATA_TEST_MYSQL_URL`; outside
//! CI a missing one skips with a printed reason.

use meteaudata_sql::SqlBackend;
use meteaudata_storage::runtime::block_on;
use meteaudata_storage::{SaveOptions, SeriesData, StorageBackend, StorageError, StorageKey};
use polars::prelude::*;
use sea_orm::{ConnectionTrait, Database};

/// The position the trigger rejects: inside the third 256-row insert of the bulk path.
const REJECTED: i64 = 700;
const TRIGGER: &str = "meteaudata_test_reject_point";

fn key(series: &str) -> StorageKey {
    StorageKey::new(["failed-save", "S#1", series]).unwrap()
}

/// `n` hourly points whose values are `scale * i`.
fn series(n: i64, scale: f64) -> SeriesData {
    let index = Series::new(
        "index".into(),
        (0..n).map(|i| i * 3_600).collect::<Vec<_>>(),
    );
    let values = Series::new(
        "values".into(),
        (0..n).map(|i| scale * i as f64).collect::<Vec<_>>(),
    );
    SeriesData {
        frame: DataFrame::new_infer_height(vec![index.into(), values.into()]).unwrap(),
        metadata: format!("{{\"scale\":{scale}}}"),
    }
}

/// The statements that create the trigger rejecting [`REJECTED`] in the series `keys`, for
/// the database at `url`.
fn trigger_sql(url: &str, keys: &[&StorageKey]) -> Vec<String> {
    let keys: Vec<String> = keys.iter().map(|k| format!("'{k}'")).collect();
    let target = format!(
        "NEW.position = {REJECTED} AND NEW.series_id IN \
         (SELECT series_id FROM meteaudata_series WHERE series_key IN ({}))",
        keys.join(", ")
    );
    if url.starts_with("sqlite") {
        vec![format!(
            "CREATE TRIGGER {TRIGGER} BEFORE INSERT ON meteaudata_points WHEN {target} \
             BEGIN SELECT RAISE(ABORT, 'injected failure'); END"
        )]
    } else if url.starts_with("postgres") {
        vec![
            format!(
                "CREATE OR REPLACE FUNCTION {TRIGGER}() RETURNS trigger AS $$ BEGIN \
                 IF {target} THEN RAISE EXCEPTION 'injected failure'; END IF; RETURN NEW; END \
                 $$ LANGUAGE plpgsql"
            ),
            format!(
                "CREATE TRIGGER {TRIGGER} BEFORE INSERT ON meteaudata_points \
                 FOR EACH ROW EXECUTE FUNCTION {TRIGGER}()"
            ),
        ]
    } else {
        vec![format!(
            "CREATE TRIGGER {TRIGGER} BEFORE INSERT ON meteaudata_points FOR EACH ROW BEGIN \
             IF {target} THEN SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'injected failure'; \
             END IF; END"
        )]
    }
}

fn drop_trigger_sql(url: &str) -> String {
    if url.starts_with("postgres") {
        format!("DROP TRIGGER IF EXISTS {TRIGGER} ON meteaudata_points")
    } else {
        format!("DROP TRIGGER IF EXISTS {TRIGGER}")
    }
}

fn run(url: &str, statements: &[String]) {
    let connection = block_on(Database::connect(url)).expect("a second connection");
    for sql in statements {
        block_on(connection.execute_unprepared(sql)).unwrap_or_else(|e| panic!("{sql}: {e}"));
    }
}

fn assert_loads(backend: &SqlBackend, key: &StorageKey, expected: &SeriesData, what: &str) {
    let back = backend.load(key).unwrap_or_else(|e| panic!("{what}: {e}"));
    assert!(
        back.frame.equals_missing(&expected.frame),
        "{what}: expected {}\ngot {}",
        expected.frame,
        back.frame
    );
    assert_eq!(back.metadata, expected.metadata, "{what}: metadata");
}

/// The checks against the database at `url`, which the test's own statements reach at
/// `direct` (the driver's URL form).
fn failed_saves_roll_back(url: &str, direct: &str) {
    let backend = SqlBackend::connect(url).unwrap();
    run(direct, &[drop_trigger_sql(url)]);
    backend
        .clear(Some(&StorageKey::new(["failed-save"]).unwrap()))
        .or_else(|e| match e {
            StorageError::NotFound { .. } => Ok(()),
            e => Err(e),
        })
        .unwrap();
    let (kept, fresh) = (key("RAW#1"), key("RAW#2"));
    let first = series(1_000, 1.0);
    backend.save(&kept, &first, SaveOptions::default()).unwrap();
    // The replacing save gets a new series id; the trigger finds it through the key.
    run(direct, &trigger_sql(url, &[&kept, &fresh]));

    let second = series(2_000, 2.0);
    let err = backend
        .save(&kept, &second, SaveOptions::default())
        .unwrap_err();
    let text = format!("{err}: {:?}", std::error::Error::source(&err));
    assert!(text.contains(&kept.to_string()), "names the series: {text}");
    assert!(text.contains("injected failure"), "says why: {text}");
    assert_loads(
        &backend,
        &kept,
        &first,
        "the previous version after a failed save",
    );

    backend
        .save(&fresh, &second, SaveOptions::default())
        .unwrap_err();
    assert!(
        !backend.exists(&fresh).unwrap(),
        "a failed new series leaves nothing"
    );
    assert_eq!(
        backend
            .list_keys(Some(&StorageKey::new(["failed-save"]).unwrap()))
            .unwrap(),
        std::slice::from_ref(&kept)
    );

    run(direct, &[drop_trigger_sql(url)]);
    backend
        .save(&kept, &second, SaveOptions::default())
        .unwrap();
    assert_loads(
        &backend,
        &kept,
        &second,
        "the second version once saving succeeds",
    );
}

#[cfg(feature = "sqlite")]
#[test]
fn sqlite_file() {
    let path =
        std::env::temp_dir().join(format!("meteaudata-failed-save-{}.db", std::process::id()));
    let _ = std::fs::remove_file(&path);
    failed_saves_roll_back(
        &format!("sqlite:///{}", path.display()),
        &format!("sqlite://{}", path.display()),
    );
    let _ = std::fs::remove_file(&path);
}

/// The URL in `var`, or `None` with a printed reason (a failure under CI).
fn server(var: &str) -> Option<String> {
    let in_ci = std::env::var("CI").is_ok_and(|v| v == "true");
    match std::env::var(var) {
        Ok(url) => Some(url),
        Err(_) => {
            assert!(!in_ci, "{var} is not set under CI");
            eprintln!("skipped: {var} is not set");
            None
        }
    }
}

#[cfg(feature = "postgres")]
#[test]
fn postgres() {
    if let Some(url) = server("METEAUDATA_TEST_POSTGRES_URL") {
        failed_saves_roll_back(&url, &url);
    }
}

#[cfg(feature = "mysql")]
#[test]
fn mariadb() {
    if let Some(url) = server("METEAUDATA_TEST_MYSQL_URL") {
        failed_saves_roll_back(&url, &url);
    }
}
