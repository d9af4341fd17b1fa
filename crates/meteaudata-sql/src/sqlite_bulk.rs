//! The fast path for series points in a SQLite file: saving and loading a whole series
//! through rusqlite on the same file (prepared statements, rows decoded in place), which is
//! several times faster than going row by row through the async driver. Same tables, same
//! transaction guarantees: a save is one `BEGIN IMMEDIATE … COMMIT` that rolls back on failure.

use std::path::Path;
use std::sync::{Arc, Mutex};

use meteaudata_storage::{
    Result, SaveMode, SeriesData, StorageError, dtype_code, parse_dtype_code,
};
use rusqlite::types::ToSqlOutput;
use rusqlite::{Connection, OpenFlags, OptionalExtension, ToSql, params};

use crate::BACKEND;
use crate::columns::{Builder, Cell, PointColumns, index_column, points_frame, value_column};

/// Points per multi-row `INSERT` (3 parameters each, far under SQLite's limit).
const ROWS_PER_INSERT: usize = 256;

/// A second connection to a SQLite file, for whole-series reads and writes.
#[derive(Debug)]
pub(crate) struct SqliteBulk {
    connection: Arc<Mutex<Connection>>,
    shown: String,
}

impl ToSql for Cell<'_> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        match self {
            Cell::Int(v) => v.to_sql(),
            Cell::Float(v) => v.to_sql(),
            Cell::Text(v) => v.to_sql(),
            Cell::Bool(v) => v.to_sql(),
        }
    }
}

impl SqliteBulk {
    /// Opens the file, read-write or read-only (the backend creates the tables before any
    /// write).
    pub(crate) fn open(file: &Path, shown: &str, writable: bool) -> Result<SqliteBulk> {
        let fail = |e: rusqlite::Error| {
            StorageError::backend(BACKEND, format!("cannot open {shown} for bulk access"), e)
        };
        let mode = if writable {
            OpenFlags::SQLITE_OPEN_READ_WRITE
        } else {
            OpenFlags::SQLITE_OPEN_READ_ONLY
        };
        let connection = Connection::open_with_flags(file, mode | OpenFlags::SQLITE_OPEN_NO_MUTEX)
            .map_err(fail)?;
        connection
            .busy_timeout(std::time::Duration::from_secs(30))
            .map_err(fail)?;
        connection
            // A 64 MiB page cache keeps a large save from spilling mid-transaction; the WAL is
            // checkpointed after each save, off the caller's thread (see `save`); temporary
            // structures stay in memory instead of files under /var/tmp.
            .execute_batch(
                "PRAGMA synchronous=NORMAL; PRAGMA cache_size=-65536; PRAGMA wal_autocheckpoint=0; PRAGMA temp_store=MEMORY",
            )
            .map_err(fail)?;
        Ok(SqliteBulk {
            connection: Arc::new(Mutex::new(connection)),
            shown: shown.to_owned(),
        })
    }

    fn fail(&self, what: String) -> impl Fn(rusqlite::Error) -> StorageError + '_ {
        move |e| StorageError::backend(BACKEND, format!("{what} in {}", self.shown), e)
    }

    fn connection(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.connection
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Saves a series (replacing an older one unless `mode` is `CreateNew`) in one
    /// transaction.
    pub(crate) fn save(&self, key: &str, series: &SeriesData, mode: SaveMode) -> Result<()> {
        let frame = &series.frame;
        let PointColumns {
            index_col,
            value_col,
            index: index_cells,
            values: value_cells,
        } = PointColumns::of(frame)?;

        let mut connection = self.connection();
        let txn = connection
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(self.fail(format!("cannot start saving {key}")))?;
        let existing: Option<i64> = txn
            .query_row(
                "SELECT series_id FROM meteaudata_series WHERE series_key = ?1",
                [key],
                |row| row.get(0),
            )
            .optional()
            .map_err(self.fail(format!("cannot look up {key}")))?;
        if let Some(id) = existing {
            if mode == SaveMode::CreateNew {
                return Err(StorageError::AlreadyExists {
                    key: key.to_owned(),
                });
            }
            txn.execute("DELETE FROM meteaudata_points WHERE series_id = ?1", [id])
                .and_then(|_| {
                    txn.execute("DELETE FROM meteaudata_series WHERE series_id = ?1", [id])
                })
                .map_err(self.fail(format!("cannot replace {key}")))?;
        }
        txn.execute(
            "INSERT INTO meteaudata_series (series_key, index_type, values_type, length, metadata) \
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![
                key,
                dtype_code(frame.columns()[0].dtype()),
                dtype_code(frame.columns()[1].dtype()),
                frame.height() as i64,
                series.metadata,
            ],
        )
        .map_err(self.fail(format!("cannot record {key}")))?;
        let id = txn.last_insert_rowid();
        {
            // The series id is an integer SQLite just assigned: inlined, not bound. `OR ROLLBACK`:
            // a failing insert ends the whole save (as any error does here), so SQLite keeps no
            // statement journal; with plain `INSERT` it copies every page the previous insert
            // touched to one, about 17 000 pages of 16 KiB for 10^6 points.
            let tuple = format!("({id}, ?, ?, ?)");
            let insert = |rows: usize| {
                let tuples = vec![tuple.as_str(); rows].join(", ");
                format!(
                    "INSERT OR ROLLBACK INTO meteaudata_points (series_id, position, {index_col}, {value_col}) VALUES {tuples}"
                )
            };
            let mut full = txn
                .prepare(&insert(ROWS_PER_INSERT))
                .map_err(self.fail(format!("cannot insert the points of {key}")))?;
            let bind_and_run = |statement: &mut rusqlite::Statement<'_>,
                                offset: usize,
                                rows: usize|
             -> rusqlite::Result<()> {
                for i in 0..rows {
                    let at = 3 * i;
                    statement.raw_bind_parameter(at + 1, (offset + i) as i64)?;
                    statement.raw_bind_parameter(at + 2, index_cells.get(offset + i))?;
                    statement.raw_bind_parameter(at + 3, value_cells.get(offset + i))?;
                }
                statement.raw_execute().map(|_| ())
            };
            let mut offset = 0;
            let height = frame.height();
            while offset < height {
                let rows = ROWS_PER_INSERT.min(height - offset);
                let result = if rows == ROWS_PER_INSERT {
                    bind_and_run(&mut full, offset, rows)
                } else {
                    txn.prepare(&insert(rows))
                        .and_then(|mut tail| bind_and_run(&mut tail, offset, rows))
                };
                result.map_err(self.fail(format!(
                    "cannot insert points {offset}..{} of {key}",
                    offset + rows
                )))?;
                offset += rows;
            }
        }
        txn.commit()
            .map_err(self.fail(format!("cannot commit {key}")))?;
        // Copy the committed pages from the WAL into the file on another thread: the save is
        // complete (and readable) without it, and the next use of this connection waits for it.
        let connection = Arc::clone(&self.connection);
        std::thread::spawn(move || {
            let connection = connection
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let _ = connection.execute_batch("PRAGMA wal_checkpoint(PASSIVE)");
        });
        Ok(())
    }

    /// Loads a whole series (its row and its points, from one snapshot of the file).
    pub(crate) fn load(&self, key: &str) -> Result<SeriesData> {
        let mut connection = self.connection();
        let fail = self.fail(format!("cannot read {key}"));
        let txn = connection.transaction().map_err(&fail)?;
        let (id, index_type, values_type, length, metadata): (i64, String, String, i64, String) =
            txn.query_row(
                "SELECT series_id, index_type, values_type, length, metadata \
                 FROM meteaudata_series WHERE series_key = ?1",
                [key],
                |row| {
                    Ok((
                        row.get(0)?,
                        row.get(1)?,
                        row.get(2)?,
                        row.get(3)?,
                        row.get(4)?,
                    ))
                },
            )
            .optional()
            .map_err(&fail)?
            .ok_or_else(|| StorageError::NotFound {
                key: key.to_owned(),
            })?;
        let index_type = parse_dtype_code(&index_type)?;
        let values_type = parse_dtype_code(&values_type)?;
        let (index_col, _) = index_column(&index_type)?;
        let (value_col, _) = value_column(&values_type)?;
        let length = usize::try_from(length).unwrap_or(0);
        let mut index = Builder::new(&index_type, "index", length)?;
        let mut values = Builder::new(&values_type, "value", length)?;
        {
            let mut statement = txn
                .prepare(&format!(
                    "SELECT {index_col}, {value_col} FROM meteaudata_points WHERE series_id = ?1 ORDER BY position"
                ))
                .map_err(&fail)?;
            let mut rows = statement.query([id]).map_err(&fail)?;
            while let Some(row) = rows.next().map_err(&fail)? {
                push(&mut index, row, 0).map_err(&fail)?;
                push(&mut values, row, 1).map_err(&fail)?;
            }
        }
        let frame = points_frame(key, length, (index, &index_type), (values, &values_type))?;
        Ok(SeriesData { frame, metadata })
    }
}

/// Appends cell `at` of a rusqlite row to `column`.
fn push(column: &mut Builder, row: &rusqlite::Row<'_>, at: usize) -> rusqlite::Result<()> {
    match column {
        Builder::Int(v) => v.push(row.get(at)?),
        Builder::Float(v) => v.push(row.get(at)?),
        Builder::Text(v) => v.push(row.get(at)?),
        Builder::Bool(v) => v.push(row.get(at)?),
    }
    Ok(())
}
