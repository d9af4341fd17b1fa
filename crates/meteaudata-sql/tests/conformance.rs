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
