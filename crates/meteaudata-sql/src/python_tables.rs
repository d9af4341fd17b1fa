//! Reading the tables meteaudata 0.12.1 for Python's SQL backend writes:
//! `time_series_metadata(key, metadata_json, …)` and
//! `time_series_data(key, idx, index_value, value)`, one row per point with the index label as
//! Python's `str()` printed it and every value as a float.
//!
//! The database is opened read-only where the driver allows it (SQLite) and never written.

use meteaudata_storage::runtime::block_on;
use meteaudata_storage::{StorageAccess, StorageError};
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DbErr, Statement};

use crate::url::{SqlKind, SqlUrl};

const WHAT: &str = "python SQL store";

/// One series of a database written by meteaudata for Python.
#[derive(Debug, Clone, PartialEq)]
pub struct PythonRows {
    /// The storage key, `<dataset>/<signal>/<BASE>#<n>`.
    pub key: String,
    /// The series metadata as Python's `json.dumps` wrote it.
    pub metadata_json: String,
    /// The index labels in position order.
    pub labels: Vec<Option<String>>,
    /// The values in position order (`None` for SQL `NULL`, Python's NaN).
    pub values: Vec<Option<f64>>,
}

/// Reads every series of the database at `url` (the URL forms of [`SqlUrl::parse`]) written
/// by meteaudata 0.12.1 for Python, sorted by key.
pub fn read_python_tables(url: &str) -> Result<Vec<PythonRows>, StorageError> {
    let url = SqlUrl::parse(url)?.with_access(StorageAccess::ReadOnly);
    let (connect, shown) = (url.connect.clone(), url.shown.clone());
    let key = if url.kind == SqlKind::MySql {
        "`key`"
    } else {
        "\"key\""
    };
    let placeholder = if url.kind == SqlKind::Postgres {
        "$1"
    } else {
        "?"
    };
    block_on(async {
        let mut options = ConnectOptions::new(connect);
        options.sqlx_logging(false).max_connections(1);
        let db = Database::connect(options)
            .await
            .map_err(|e| StorageError::backend(WHAT, format!("cannot open {shown}"), e))?;
        let backend = db.get_database_backend();
        let shown = shown.as_str();
        let fail = |what: String| {
            move |e: DbErr| StorageError::backend(WHAT, format!("{what} in {shown}"), e)
        };
        let series = db
            .query_all_raw(Statement::from_string(
                backend,
                format!("SELECT {key}, metadata_json FROM time_series_metadata ORDER BY {key}"),
            ))
            .await
            .map_err(fail("cannot read the table time_series_metadata (not a store of meteaudata for Python?)".into()))?;
        let mut out = Vec::with_capacity(series.len());
        for row in series {
            let series_key: String = row.try_get_by_index(0).map_err(fail("bad key".into()))?;
            let metadata_json: String = row
                .try_get_by_index(1)
                .map_err(fail(format!("bad metadata for {series_key}")))?;
            let points = db
                .query_all_raw(Statement::from_sql_and_values(
                    backend,
                    format!(
                        "SELECT index_value, value FROM time_series_data WHERE {key} = {placeholder} ORDER BY idx"
                    ),
                    vec![series_key.clone().into()],
                ))
                .await
                .map_err(fail(format!("cannot read the points of {series_key}")))?;
            let mut labels = Vec::with_capacity(points.len());
            let mut values = Vec::with_capacity(points.len());
            for point in points {
                labels.push(
                    point
                        .try_get_by_index::<Option<String>>(0)
                        .map_err(fail(format!("bad index label in {series_key}")))?,
                );
                values.push(
                    point
                        .try_get_by_index::<Option<f64>>(1)
                        .map_err(fail(format!("bad value in {series_key}")))?,
                );
            }
            out.push(PythonRows {
                key: series_key,
                metadata_json,
                labels,
                values,
            });
        }
        db.close().await.map_err(fail("cannot close".into()))?;
        Ok(out)
    })
}
