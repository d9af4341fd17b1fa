//! The SQL backend passes the conformance suite on SQLite (file and memory), PostgreSQL and
//! MariaDB. Server URLs come from `METEAUDATA_TEST_POSTGRES_URL` / `METEAUDATA_TEST_MYSQL_URL`;
//! a server that cannot be reached skips with a reason, except under CI (`CI=true`).

use meteaudata_sql::SqlBackend;

/// Connects to the server named by `var`, or explains why the test is skipped.
#[cfg(any(feature = "postgres", feature = "mysql"))]
fn server(var: &str) -> Option<SqlBackend> {
    let in_ci = std::env::var("CI").is_ok_and(|v| v == "true");
    let Ok(url) = std::env::var(var) else {
        assert!(!in_ci, "{var} is not set under CI");
        eprintln!("skipped: {var} is not set");
        return None;
    };
    match SqlBackend::connect(&url) {
        Ok(backend) => Some(backend),
        Err(e) if !in_ci => {
            eprintln!("skipped: cannot reach {var}: {e}");
            None
        }
        Err(e) => panic!("cannot reach {var} under CI: {e}"),
    }
}

#[test]
fn sqlite_file_conforms() {
    let path = std::env::temp_dir().join(format!("meteaudata-sql-{}.db", std::process::id()));
    let _ = std::fs::remove_file(&path);
    // An absolute path after `sqlite:///` gives the SQLAlchemy form `sqlite:////abs/path.db`.
    let backend = SqlBackend::connect(&format!("sqlite:///{}", path.display())).unwrap();
    meteaudata_testkit::run_all(&backend);
    drop(backend);
    let _ = std::fs::remove_file(&path);
}

#[test]
fn sqlite_memory_conforms() {
    meteaudata_testkit::run_all(&SqlBackend::connect("sqlite:///:memory:").unwrap());
}

#[cfg(feature = "postgres")]
#[test]
fn postgres_conforms() {
    if let Some(backend) = server("METEAUDATA_TEST_POSTGRES_URL") {
        meteaudata_testkit::run_all(&backend);
    }
}

#[cfg(feature = "mysql")]
#[test]
fn mariadb_conforms() {
    if let Some(backend) = server("METEAUDATA_TEST_MYSQL_URL") {
        meteaudata_testkit::run_all(&backend);
    }
}

/// Several processes' first writes to a database without our tables, at once: every writer
/// gets the tables (none sees a half-created schema as damage) and every write lands. Runs
/// in a database of its own, created and dropped here.
#[cfg(any(feature = "postgres", feature = "mysql"))]
fn fresh_database_takes_concurrent_first_writers(var: &str) {
    use meteaudata_storage::{SaveOptions, SeriesData, StorageBackend, StorageKey};
    use sea_orm::{ConnectionTrait, Database};
    let Some(admin) = server(var) else { return };
    drop(admin);
    let url = std::env::var(var).unwrap();
    let name = format!("meteaudata_fresh_{}", std::process::id());
    let base = url.rsplit_once('/').unwrap().0.to_owned();
    let run = |sql: String| {
        meteaudata_storage::runtime::block_on(async {
            let db = Database::connect(url.as_str()).await.unwrap();
            db.execute_unprepared(&sql).await.unwrap();
        })
    };
    run(format!("DROP DATABASE IF EXISTS {name}"));
    run(format!("CREATE DATABASE {name}"));
    let fresh = format!("{base}/{name}");
    let writers: Vec<_> = (0..6)
        .map(|w| {
            let fresh = fresh.clone();
            std::thread::spawn(move || {
                let backend = SqlBackend::connect(&fresh)?;
                let frame = polars::prelude::df!("index" => [1i64, 2], "values" => [w as f64, 0.5])
                    .unwrap();
                backend.save(
                    &StorageKey::parse(&format!("d/s{w}/RAW#1")).unwrap(),
                    &SeriesData {
                        frame,
                        metadata: "{}".into(),
                    },
                    SaveOptions::default(),
                )
            })
        })
        .collect();
    for (w, writer) in writers.into_iter().enumerate() {
        writer
            .join()
            .unwrap()
            .unwrap_or_else(|e| panic!("writer {w}: {e}"));
    }
    let backend = SqlBackend::connect(&fresh).unwrap();
    assert_eq!(
        backend.list_keys(None).unwrap().len(),
        6,
        "every write landed"
    );
    drop(backend);
    run(format!("DROP DATABASE {name}"));
}

#[cfg(feature = "postgres")]
#[test]
fn postgres_fresh_database_takes_concurrent_first_writers() {
    fresh_database_takes_concurrent_first_writers("METEAUDATA_TEST_POSTGRES_URL");
}

#[cfg(feature = "mysql")]
#[test]
fn mariadb_fresh_database_takes_concurrent_first_writers() {
    fresh_database_takes_concurrent_first_writers("METEAUDATA_TEST_MYSQL_URL");
}
