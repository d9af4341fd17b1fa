//! A PostgreSQL role without the right to create tables gets a clear error naming the server
//! and database, never the password. Needs `METEAUDATA_TEST_POSTGRES_URL` (an account that may
//! create roles); outside CI a missing server skips with a printed reason.

#![cfg(feature = "postgres")]

use meteaudata_sql::SqlBackend;
use meteaudata_storage::runtime::block_on;
use sea_orm::{ConnectionTrait, Database};

#[test]
fn a_role_without_create_permission_gets_a_clear_error() {
    let ci = std::env::var("CI").is_ok_and(|v| v == "true");
    let Ok(admin_url) = std::env::var("METEAUDATA_TEST_POSTGRES_URL") else {
        assert!(!ci, "METEAUDATA_TEST_POSTGRES_URL must be set under CI");
        eprintln!("skipped: METEAUDATA_TEST_POSTGRES_URL is not set");
        return;
    };
    // A login role whose only schema is one it may use but not create in.
    let setup = [
        "DROP SCHEMA IF EXISTS meteaudata_readonly CASCADE",
        "CREATE SCHEMA meteaudata_readonly",
        "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'meteaudata_reader') \
         THEN CREATE ROLE meteaudata_reader LOGIN PASSWORD 'reader-secret'; END IF; END $$",
        "REVOKE CREATE ON SCHEMA public FROM PUBLIC",
        "GRANT USAGE ON SCHEMA meteaudata_readonly TO meteaudata_reader",
        "ALTER ROLE meteaudata_reader SET search_path = meteaudata_readonly",
    ];
    let admin = block_on(Database::connect(admin_url.as_str())).expect("admin connection");
    for sql in setup {
        block_on(admin.execute_unprepared(sql)).unwrap_or_else(|e| panic!("{sql}: {e}"));
    }
    let (_, rest) = admin_url.split_once("://").unwrap();
    let host_and_db = rest.rsplit_once('@').map_or(rest, |(_, h)| h);
    let url = format!("postgresql://meteaudata_reader:reader-secret@{host_and_db}");

    let err = SqlBackend::connect(&url).unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("cannot create the meteaudata tables"),
        "{text}"
    );
    assert!(
        text.contains(host_and_db),
        "names the server and database: {text}"
    );
    assert!(text.contains("permission denied"), "says why: {text}");
    assert!(
        !text.contains("reader-secret"),
        "never the password: {text}"
    );
}
