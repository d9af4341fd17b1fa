//! What the end-to-end tests take from their surroundings: scratch directories, database
//! servers and a Python with meteaudata 0.12.1. A server or interpreter that is missing skips
//! its test with a printed reason, except under CI (`CI=true`), where it is a failure.

use std::path::PathBuf;
use std::process::Command;

/// Whether the tests run under CI.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
}

/// A fresh, empty path under the system temp dir, unique to this process and `name`.
pub fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("meteaudata-e2e-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::remove_file(&dir);
    dir
}

/// The URL of a database server in the variable `var`, or `None` (with a printed reason)
/// outside CI.
pub fn server(var: &str) -> Option<String> {
    match std::env::var(var) {
        Ok(url) => Some(url),
        Err(_) if !in_ci() => {
            eprintln!("skipped: {var} is not set");
            None
        }
        Err(_) => panic!("{var} must be set under CI"),
    }
}

/// The URLs of the SQL databases to test on: a fresh SQLite file always, PostgreSQL and
/// MariaDB when their variables are set.
pub fn sql_urls(name: &str) -> Vec<String> {
    let file = scratch(name).with_extension("db");
    let mut urls = vec![format!("sqlite:///{}", file.display())];
    urls.extend(server("METEAUDATA_TEST_POSTGRES_URL"));
    urls.extend(server("METEAUDATA_TEST_MYSQL_URL"));
    urls
}

/// A Python interpreter with meteaudata 0.12.1: `$METEAUDATA_PYTHON`, else the virtualenv
/// `.ci/run` creates (`~/.cache/meteaudata-venv`).
pub fn python() -> Option<PathBuf> {
    let candidate = std::env::var_os("METEAUDATA_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(std::env::var_os("HOME").unwrap_or_default())
                .join(".cache/meteaudata-venv/bin/python")
        });
    let works = Command::new(&candidate)
        .args(["-c", "import meteaudata"])
        .output()
        .is_ok_and(|o| o.status.success());
    if works {
        return Some(candidate);
    }
    assert!(
        !in_ci(),
        "{} with meteaudata 0.12.1 is required under CI",
        candidate.display()
    );
    eprintln!("skipped: {} cannot import meteaudata", candidate.display());
    None
}

/// Every file under `dir`, recursively (nothing when it does not exist).
pub fn files_under(dir: &std::path::Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(files_under(&path));
        } else {
            out.push(path);
        }
    }
    out
}

/// A dataset name for this test run (server databases outlive it).
pub fn unique(name: &str) -> String {
    format!("{name}-{}", std::process::id())
}

/// A fresh local directory and every SQL database available, as store targets.
pub fn store_targets(name: &str) -> Vec<String> {
    let mut targets = vec![scratch(name).display().to_string()];
    targets.extend(sql_urls(name));
    targets
}
