//! Datasets in SQL databases through the facade: SQLite always; PostgreSQL and MariaDB when
//! their URLs are set (required under CI).

use meteaudata::prelude::*;
use meteaudata_e2e::env::server;
use meteaudata_e2e::workload;

fn sqlite(name: &str) -> String {
    let path =
        std::env::temp_dir().join(format!("meteaudata-e2e-{name}-{}.db", std::process::id()));
    let _ = std::fs::remove_file(&path);
    format!("sqlite:///{}", path.display())
}

/// Builds, processes (also across signals, which Python could not store) and reopens a dataset at `url`.
fn round_trip(url: &str, dataset_name: &str) {
    let mut ds = Dataset::new(dataset_name)
        .unwrap()
        .with_project("P")
        .with_signals([workload::signal(100_000, 0), workload::signal(100_000, 1)])
        .unwrap();
    ds.use_sql_storage(url).unwrap();
    for s in ["S0#1", "S1#1"] {
        ds.signal_mut(s)
            .unwrap()
            .process(
                &[&format!("{s}_RAW#1")],
                resample("15min"),
                ProcessOptions::default(),
            )
            .unwrap();
    }
    ds.process(
        &["S0#1_RESAMPLED#1", "S1#1_RESAMPLED#1"],
        average_signals(None, true),
        DatasetProcessOptions::default(),
    )
    .unwrap();
    let reopened = Dataset::open(url, dataset_name).unwrap();
    assert_eq!(reopened.all_signals(), ["S0#1", "S1#1", "AVERAGE#1"]);
    assert_eq!(reopened, ds, "{url}: every series, history and timestamp");
    let raw = reopened
        .signal("S1#1")
        .unwrap()
        .time_series("S1#1_RAW#1")
        .unwrap();
    assert_eq!(
        workload::checksum(&meteaudata_e2e::float_values(raw)),
        workload::checksum(&workload::values(100_000, 1))
    );
}

#[test]
fn sqlite_file_round_trip_of_100k_points() {
    // meteaudata for Python fails at 10^5 points ("too many SQL variables").
    let url = sqlite("roundtrip");
    round_trip(&url, "plant");
}

#[test]
fn datasets_sharing_a_database_do_not_see_each_other() {
    let url = sqlite("shared");
    let mut a = Dataset::new("a")
        .unwrap()
        .with_signals([workload::signal(100, 0)])
        .unwrap();
    let mut b = Dataset::new("b")
        .unwrap()
        .with_signals([workload::signal(100, 1)])
        .unwrap();
    a.use_sql_storage(&url).unwrap();
    b.use_sql_storage(&url).unwrap();
    let backend = a.storage().unwrap().backend.clone();
    backend
        .clear(Some(&meteaudata::storage::StorageKey::parse("a").unwrap()))
        .unwrap();
    assert!(Dataset::open(&url, "a").is_err());
    let b2 = Dataset::open(&url, "b").unwrap();
    assert_eq!(
        b2.signal("S1#1")
            .unwrap()
            .time_series("S1#1_RAW#1")
            .unwrap()
            .len(),
        100
    );
}

#[test]
fn postgres_round_trip() {
    if let Some(url) = server("METEAUDATA_TEST_POSTGRES_URL") {
        round_trip(&url, &format!("e2e-{}", std::process::id()));
    }
}

#[test]
fn mariadb_round_trip() {
    if let Some(url) = server("METEAUDATA_TEST_MYSQL_URL") {
        round_trip(&url, &format!("e2e-{}", std::process::id()));
    }
}

#[test]
fn connection_errors_name_the_server_never_the_password() {
    let mut ds = Dataset::new("d").unwrap();
    let err = ds
        .use_sql_storage("postgresql://ops:s3cr3t@127.0.0.1:1/plant")
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("127.0.0.1:1") && err.contains("plant"),
        "{err}"
    );
    assert!(!err.contains("s3cr3t"), "{err}");
    if server("METEAUDATA_TEST_MYSQL_URL").is_some() {
        let err = ds
            .use_sql_storage("mysql://root:wrong-password@127.0.0.1:3306/test")
            .unwrap_err()
            .to_string();
        assert!(!err.contains("wrong-password"), "{err}");
        assert!(err.contains("127.0.0.1:3306"), "{err}");
    }
    assert!(ds.storage().is_none());
    let err = ds.use_sql_storage("sqlite:/nope").unwrap_err().to_string();
    assert!(err.contains("sqlite:/nope"), "{err}");
}
