//! [`SqlBackend`]: the [`StorageBackend`] on a SQL database.

use meteaudata_storage::runtime::block_on;
use meteaudata_storage::{
    Capabilities, Result, SaveMode, SaveOptions, SeriesData, StorageAccess, StorageBackend,
    StorageError, StorageKey, dtype_code, parse_dtype_code,
};
use polars::prelude::*;
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbErr, Statement,
    TransactionTrait, Value, sqlx,
};

use crate::BACKEND;
use crate::columns::{Builder, PointColumns, index_column, points_frame, value_column};
use crate::schema::{bind_limit, create_statements, placeholder};
use crate::url::{SqlKind, SqlUrl};

/// How long connecting to a database server may take.
const CONNECT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// The tables this backend writes, in the order they are created.
const TABLES: [&str; 3] = [
    "meteaudata_series",
    "meteaudata_points",
    "meteaudata_documents",
];

/// The first 16 bytes of every SQLite database file.
const SQLITE_HEADER: &[u8; 16] = b"SQLite format 3\0";

/// Time series in a SQL database (see [`crate::schema`] for the tables).
#[derive(Debug)]
pub struct SqlBackend {
    db: DatabaseConnection,
    url: SqlUrl,
    /// Whether the meteaudata tables exist. A database opened without them (with
    /// [`StorageAccess::OpenExisting`]) gets them at its first write; until then it holds
    /// nothing of ours.
    tables: std::sync::atomic::AtomicBool,
    /// Whole-series reads and writes of a SQLite file.
    #[cfg(feature = "sqlite")]
    bulk: Option<crate::sqlite_bulk::SqliteBulk>,
}

impl SqlBackend {
    /// Connects to `url` (see [`SqlUrl::parse`] for the accepted forms), creating a missing
    /// SQLite file and the tables.
    pub fn connect(url: &str) -> Result<SqlBackend> {
        SqlBackend::connect_with(url, StorageAccess::CreateIfMissing)
    }

    /// Connects to `url`. With [`StorageAccess::CreateIfMissing`] a missing SQLite file and
    /// missing tables are created; otherwise a missing SQLite file is an error and opening
    /// writes nothing ([`StorageAccess::ReadOnly`] opens a SQLite file read-only). A file that
    /// is not an SQLite database, or a database holding only some of the meteaudata tables, is
    /// an error naming it, never re-initialised.
    pub fn connect_with(url: &str, access: StorageAccess) -> Result<SqlBackend> {
        let url = SqlUrl::parse(url)?.with_access(access);
        let shown = url.shown.clone();
        if let Some(file) = &url.sqlite_file {
            check_sqlite_file(file, &shown, access)?;
        }
        let db = block_on(async {
            let mut options = ConnectOptions::new(url.connect.clone());
            // A server that refuses or does not answer is reported after seconds, not the
            // driver's default half minute of retries.
            options
                .sqlx_logging(false)
                .connect_timeout(CONNECT_TIMEOUT)
                .acquire_timeout(CONNECT_TIMEOUT);
            if url.kind == SqlKind::Sqlite {
                options.max_connections(1).min_connections(1);
            }
            Database::connect(options).await
        })
        .map_err(|e| connect_error(&url, e))?;
        let mut backend = SqlBackend {
            db,
            url,
            tables: std::sync::atomic::AtomicBool::new(false),
            #[cfg(feature = "sqlite")]
            bulk: None,
        };
        let present = backend.settled_tables()?;
        if present.len() == TABLES.len() {
            backend
                .tables
                .store(true, std::sync::atomic::Ordering::SeqCst);
        } else if !present.is_empty() {
            let missing: Vec<&str> = TABLES
                .iter()
                .copied()
                .filter(|t| !present.iter().any(|p| p == t))
                .collect();
            return Err(StorageError::NotAStore {
                location: shown,
                reason: format!(
                    "the meteaudata tables are damaged: {} present but {} missing",
                    present.join(", "),
                    missing.join(", ")
                ),
            });
        } else if access.creates() {
            backend.create_tables()?;
        }
        #[cfg(feature = "sqlite")]
        if let Some(file) = &backend.url.sqlite_file {
            backend.bulk = Some(crate::sqlite_bulk::SqliteBulk::open(
                file,
                &shown,
                access.writes(),
            )?);
        }
        Ok(backend)
    }

    /// Which of [`TABLES`] the database holds, waiting a little while only some exist:
    /// another writer may be creating them at this moment (a fresh database used by two
    /// processes at once), which is not damage.
    fn settled_tables(&self) -> Result<Vec<String>> {
        let mut present = self.present_tables()?;
        for _ in 0..30 {
            if present.is_empty() || present.len() == TABLES.len() {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
            present = self.present_tables()?;
        }
        Ok(present)
    }

    /// Which of [`TABLES`] the database holds.
    fn present_tables(&self) -> Result<Vec<String>> {
        let list = TABLES
            .iter()
            .map(|t| format!("'{t}'"))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = match self.url.kind {
            SqlKind::Sqlite => {
                format!("SELECT name FROM sqlite_master WHERE type = 'table' AND name IN ({list})")
            }
            SqlKind::Postgres => format!(
                "SELECT table_name::text FROM information_schema.tables WHERE table_schema = current_schema() AND table_name IN ({list})"
            ),
            SqlKind::MySql => format!(
                "SELECT CAST(table_name AS CHAR) FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name IN ({list})"
            ),
        };
        let rows = block_on(self.db.query_all_raw(self.stmt(&sql, vec![])))
            .map_err(self.fail("cannot list the tables".into()))?;
        rows.iter()
            .map(|row| {
                row.try_get_by_index::<String>(0)
                    .map_err(self.fail("cannot read a table name".into()))
            })
            .collect()
    }

    /// Creates the tables (and, in a SQLite file, sets its page size and write-ahead log).
    fn create_tables(&self) -> Result<()> {
        block_on(async {
            if self.url.kind == SqlKind::Sqlite && self.url.sqlite_file.is_some() {
                // Larger pages for a new file (points tables are long); no effect on an
                // existing one.
                self.db
                    .execute_raw(self.stmt("PRAGMA page_size=16384", vec![]))
                    .await?;
                self.db
                    .query_one_raw(self.stmt("PRAGMA journal_mode=WAL", vec![]))
                    .await?;
                self.db
                    .execute_raw(self.stmt("PRAGMA synchronous=NORMAL", vec![]))
                    .await?;
            }
            for sql in create_statements(self.url.kind) {
                self.db.execute_raw(self.stmt(&sql, vec![])).await?;
            }
            Ok::<_, DbErr>(())
        })
        .or_else(|e| {
            // Two writers creating the tables at once may collide in the catalogue
            // (PostgreSQL); what counts is that the tables exist now.
            if self.settled_tables()?.len() == TABLES.len() {
                Ok(())
            } else {
                Err(self.fail("cannot create the meteaudata tables".into())(e))
            }
        })?;
        self.tables.store(true, std::sync::atomic::Ordering::SeqCst);
        Ok(())
    }

    /// Whether the tables exist (reads of a database without them find nothing).
    fn has_tables(&self) -> bool {
        self.tables.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Makes sure the tables exist before a write.
    fn prepare_write(&self) -> Result<()> {
        if self.has_tables() {
            Ok(())
        } else {
            self.create_tables()
        }
    }

    /// The URL without credentials.
    pub fn location(&self) -> &str {
        &self.url.shown
    }

    fn stmt(&self, sql: &str, values: Vec<Value>) -> Statement {
        Statement::from_sql_and_values(self.db.get_database_backend(), sql, values)
    }

    /// `sql` with `?` placeholders rewritten for the database.
    fn sql(&self, sql: &str) -> String {
        if self.url.kind != SqlKind::Postgres {
            return sql.to_owned();
        }
        let mut out = String::with_capacity(sql.len() + 8);
        let mut n = 0;
        for c in sql.chars() {
            if c == '?' {
                n += 1;
                out.push_str(&placeholder(self.url.kind, n));
            } else {
                out.push(c);
            }
        }
        out
    }

    fn fail(&self, what: String) -> impl Fn(DbErr) -> StorageError + '_ {
        move |e| StorageError::backend(BACKEND, format!("{what} in {}", self.url.shown), e)
    }

    /// The one text column `sql` selects for `key`; `NotFound` when there is no row.
    fn text_by_key(&self, sql: &str, key: &str) -> Result<String> {
        if !self.has_tables() {
            return Err(StorageError::NotFound {
                key: key.to_owned(),
            });
        }
        let row = block_on(
            self.db
                .query_one_raw(self.stmt(&self.sql(sql), vec![key.to_owned().into()])),
        )
        .map_err(self.fail(format!("cannot look up {key}")))?
        .ok_or_else(|| StorageError::NotFound {
            key: key.to_owned(),
        })?;
        row.try_get_by_index(0).map_err(|e| StorageError::Corrupt {
            key: key.to_owned(),
            reason: e.to_string(),
        })
    }

    async fn series_id<C: ConnectionTrait>(
        &self,
        conn: &C,
        key: &str,
    ) -> Result<Option<i64>, DbErr> {
        let row = conn
            .query_one_raw(self.stmt(
                &self.sql("SELECT series_id FROM meteaudata_series WHERE series_key = ?"),
                vec![key.into()],
            ))
            .await?;
        row.map(|r| r.try_get_by_index::<i64>(0)).transpose()
    }

    /// Streams the rows of `sql` (bound to series `id`) into the index and value columns,
    /// through the driver's pool (rows are decoded as they arrive, never all held as rows).
    async fn fetch_points(
        &self,
        sql: &str,
        id: i64,
        index: &mut Builder,
        values: &mut Builder,
    ) -> Result<(), sqlx::Error> {
        use futures::TryStreamExt;
        macro_rules! stream_from {
            ($pool:expr) => {{
                let mut rows = sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()))
                    .bind(id)
                    .fetch($pool);
                while let Some(row) = rows.try_next().await? {
                    index.push(&row, 0)?;
                    values.push(&row, 1)?;
                }
                Ok(())
            }};
        }
        match self.url.kind {
            #[cfg(feature = "sqlite")]
            SqlKind::Sqlite => stream_from!(self.db.get_sqlite_connection_pool()),
            #[cfg(feature = "postgres")]
            SqlKind::Postgres => stream_from!(self.db.get_postgres_connection_pool()),
            #[cfg(feature = "mysql")]
            SqlKind::MySql => stream_from!(self.db.get_mysql_connection_pool()),
            #[allow(unreachable_patterns)]
            other => Err(sqlx::Error::Configuration(
                format!("the {other:?} driver is not compiled in").into(),
            )),
        }
    }

    async fn delete_series<C: ConnectionTrait>(&self, conn: &C, id: i64) -> Result<(), DbErr> {
        conn.execute_raw(self.stmt(
            &self.sql("DELETE FROM meteaudata_points WHERE series_id = ?"),
            vec![id.into()],
        ))
        .await?;
        conn.execute_raw(self.stmt(
            &self.sql("DELETE FROM meteaudata_series WHERE series_id = ?"),
            vec![id.into()],
        ))
        .await?;
        Ok(())
    }

    /// Inserts the points of `frame` as series `id` (shown as `shown` in errors).
    async fn insert_points<C: ConnectionTrait>(
        &self,
        conn: &C,
        id: i64,
        shown: &str,
        frame: &DataFrame,
    ) -> Result<()> {
        let PointColumns {
            index_col,
            value_col,
            index: index_cells,
            values: value_cells,
        } = PointColumns::of(frame)?;
        let per_row = 4;
        let rows_per_statement = bind_limit(self.url.kind) / per_row;
        let height = frame.height();
        let mut full_sql: Option<String> = None;
        let mut offset = 0;
        while offset < height {
            let rows = rows_per_statement.min(height - offset);
            let mut binds: Vec<Value> = Vec::with_capacity(rows * per_row);
            for position in offset..offset + rows {
                binds.push(id.into());
                binds.push((position as i64).into());
                binds.push(index_cells.get(position).into());
                binds.push(value_cells.get(position).into());
            }
            let build = |rows: usize| {
                let tuple = "(?, ?, ?, ?)";
                let body = vec![tuple; rows].join(", ");
                self.sql(&format!(
                    "INSERT INTO meteaudata_points (series_id, position, {index_col}, {value_col}) VALUES {body}"
                ))
            };
            let sql = if rows == rows_per_statement {
                full_sql.get_or_insert_with(|| build(rows)).clone()
            } else {
                build(rows)
            };
            conn.execute_raw(self.stmt(&sql, binds))
                .await
                .map_err(self.fail(format!(
                    "cannot insert points {offset}..{} of {shown}",
                    offset + rows
                )))?;
            offset += rows;
        }
        Ok(())
    }
}

impl StorageBackend for SqlBackend {
    fn backend_type(&self) -> &str {
        BACKEND
    }

    fn capabilities(&self) -> Capabilities {
        let persistent = !self.url.connect.contains(":memory:");
        Capabilities::none()
            .persistent(persistent)
            .shared(persistent)
            .conditional_writes(true)
            .metadata_only_reads(true)
    }

    fn save(&self, key: &StorageKey, series: &SeriesData, options: SaveOptions) -> Result<()> {
        self.prepare_write()?;
        let shown = key.to_string();
        let frame = &series.frame;
        if frame.width() != 2 {
            return Err(StorageError::InvalidConfig(format!(
                "{shown}: a series frame has 2 columns, not {}",
                frame.width()
            )));
        }
        #[cfg(feature = "sqlite")]
        if let Some(bulk) = &self.bulk {
            return bulk.save(&shown, series, options.mode);
        }
        #[cfg(feature = "postgres")]
        if self.url.kind == SqlKind::Postgres {
            return block_on(crate::postgres_copy::save(
                self.db.get_postgres_connection_pool(),
                &shown,
                series,
                options.mode,
                &self.url.shown,
            ));
        }
        let dtypes = frame.dtypes();
        block_on(async {
            let txn = self
                .db
                .begin()
                .await
                .map_err(self.fail(format!("cannot start saving {shown}")))?;
            let existing = self
                .series_id(&txn, &shown)
                .await
                .map_err(self.fail(format!("cannot look up {shown}")))?;
            if options.mode == SaveMode::CreateNew && existing.is_some() {
                return Err(StorageError::AlreadyExists { key: shown.clone() });
            }
            if let Some(id) = existing {
                self.delete_series(&txn, id)
                    .await
                    .map_err(self.fail(format!("cannot replace {shown}")))?;
            }
            txn.execute_raw(self.stmt(
                &self.sql("INSERT INTO meteaudata_series (series_key, index_type, values_type, length, metadata) VALUES (?, ?, ?, ?, ?)"),
                vec![
                    shown.clone().into(),
                    dtype_code(&dtypes[0]).into(),
                    dtype_code(&dtypes[1]).into(),
                    (frame.height() as i64).into(),
                    series.metadata.clone().into(),
                ],
            ))
            .await
            .map_err(self.fail(format!("cannot record {shown}")))?;
            let id = self
                .series_id(&txn, &shown)
                .await
                .map_err(self.fail(format!("cannot look up {shown}")))?
                .ok_or_else(|| StorageError::NotFound { key: shown.clone() })?;
            self.insert_points(&txn, id, &shown, frame).await?;
            txn.commit()
                .await
                .map_err(self.fail(format!("cannot commit {shown}")))
        })
    }

    fn load(&self, key: &StorageKey) -> Result<SeriesData> {
        let shown = key.to_string();
        if !self.has_tables() {
            return Err(StorageError::NotFound { key: shown });
        }
        #[cfg(feature = "sqlite")]
        if let Some(bulk) = &self.bulk {
            return bulk.load(&shown);
        }
        block_on(async {
            let row = self
                .db
                .query_one_raw(self.stmt(
                    &self.sql("SELECT series_id, index_type, values_type, length, metadata FROM meteaudata_series WHERE series_key = ?"),
                    vec![shown.clone().into()],
                ))
                .await
                .map_err(self.fail(format!("cannot look up {shown}")))?
                .ok_or_else(|| StorageError::NotFound { key: shown.clone() })?;
            let read = |e: DbErr| StorageError::Corrupt {
                key: shown.clone(),
                reason: e.to_string(),
            };
            let id: i64 = row.try_get_by_index(0).map_err(read)?;
            let index_type = parse_dtype_code(&row.try_get_by_index::<String>(1).map_err(read)?)?;
            let values_type = parse_dtype_code(&row.try_get_by_index::<String>(2).map_err(read)?)?;
            let length: i64 = row.try_get_by_index(3).map_err(read)?;
            let metadata: String = row.try_get_by_index(4).map_err(read)?;
            let (index_col, _) = index_column(&index_type)?;
            let (value_col, _) = value_column(&values_type)?;
            let points = usize::try_from(length).unwrap_or(0);
            let mut index = Builder::new(&index_type, "index", points)?;
            let mut values = Builder::new(&values_type, "value", points)?;
            let sql = self.sql(&format!(
                "SELECT {index_col}, {value_col} FROM meteaudata_points WHERE series_id = ? ORDER BY position"
            ));
            self.fetch_points(&sql, id, &mut index, &mut values)
                .await
                .map_err(|e| {
                    StorageError::backend(
                        BACKEND,
                        format!("cannot read the points of {shown} in {}", self.url.shown),
                        e,
                    )
                })?;
            let frame = points_frame(&shown, points, (index, &index_type), (values, &values_type))?;
            Ok(SeriesData { frame, metadata })
        })
    }

    fn load_metadata(&self, key: &StorageKey) -> Result<String> {
        self.text_by_key(
            "SELECT metadata FROM meteaudata_series WHERE series_key = ?",
            &key.to_string(),
        )
    }

    fn delete(&self, key: &StorageKey) -> Result<()> {
        self.prepare_write()?;
        let shown = key.to_string();
        block_on(async {
            let txn = self
                .db
                .begin()
                .await
                .map_err(self.fail(format!("cannot start deleting {shown}")))?;
            let id = self
                .series_id(&txn, &shown)
                .await
                .map_err(self.fail(format!("cannot look up {shown}")))?
                .ok_or_else(|| StorageError::NotFound { key: shown.clone() })?;
            self.delete_series(&txn, id)
                .await
                .map_err(self.fail(format!("cannot delete {shown}")))?;
            txn.commit()
                .await
                .map_err(self.fail(format!("cannot commit deleting {shown}")))
        })
    }

    fn exists(&self, key: &StorageKey) -> Result<bool> {
        if !self.has_tables() {
            return Ok(false);
        }
        let shown = key.to_string();
        block_on(self.series_id(&self.db, &shown))
            .map(|id| id.is_some())
            .map_err(self.fail(format!("cannot look up {shown}")))
    }

    fn list_keys(&self, prefix: Option<&StorageKey>) -> Result<Vec<StorageKey>> {
        if !self.has_tables() {
            return Ok(Vec::new());
        }
        let rows = block_on(
            self.db
                .query_all_raw(self.stmt("SELECT series_key FROM meteaudata_series", vec![])),
        )
        .map_err(self.fail("cannot list the series".into()))?;
        let mut keys = Vec::with_capacity(rows.len());
        for row in rows {
            let text: String = row
                .try_get_by_index(0)
                .map_err(self.fail("cannot read a series key".into()))?;
            let key = StorageKey::parse(&text)?;
            if prefix.is_none_or(|p| key.starts_with(p)) {
                keys.push(key);
            }
        }
        keys.sort();
        Ok(keys)
    }

    fn save_document(&self, key: &StorageKey, document: &str) -> Result<()> {
        self.prepare_write()?;
        let shown = key.to_string();
        block_on(async {
            let txn = self
                .db
                .begin()
                .await
                .map_err(self.fail(format!("cannot start saving {shown}")))?;
            txn.execute_raw(self.stmt(
                &self.sql("DELETE FROM meteaudata_documents WHERE doc_key = ?"),
                vec![shown.clone().into()],
            ))
            .await
            .map_err(self.fail(format!("cannot replace {shown}")))?;
            txn.execute_raw(self.stmt(
                &self.sql("INSERT INTO meteaudata_documents (doc_key, document) VALUES (?, ?)"),
                vec![shown.clone().into(), document.to_owned().into()],
            ))
            .await
            .map_err(self.fail(format!("cannot save {shown}")))?;
            txn.commit()
                .await
                .map_err(self.fail(format!("cannot commit {shown}")))
        })
    }

    fn create_document(&self, key: &StorageKey, document: &str) -> Result<()> {
        self.prepare_write()?;
        let shown = key.to_string();
        let inserted = block_on(self.db.execute_raw(self.stmt(
            &self.sql("INSERT INTO meteaudata_documents (doc_key, document) VALUES (?, ?)"),
            vec![shown.clone().into(), document.to_owned().into()],
        )));
        match inserted {
            Ok(_) => Ok(()),
            Err(e)
                if matches!(
                    e.sql_err(),
                    Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
                ) =>
            {
                Err(StorageError::AlreadyExists { key: shown })
            }
            Err(e) => Err(self.fail(format!("cannot create {shown}"))(e)),
        }
    }

    fn list_documents(&self, prefix: Option<&StorageKey>) -> Result<Vec<StorageKey>> {
        if !self.has_tables() {
            return Ok(Vec::new());
        }
        // Keys are compared whole-segment in Rust; SQL narrows by the text prefix only.
        let like = format!(
            "{}%",
            escape_like(&prefix.map(ToString::to_string).unwrap_or_default())
        );
        let rows = block_on(self.db.query_all_raw(self.stmt(
            &self.sql("SELECT doc_key FROM meteaudata_documents WHERE doc_key LIKE ? ESCAPE '!'"),
            vec![like.into()],
        )))
        .map_err(self.fail("cannot list the documents".into()))?;
        let mut keys = Vec::with_capacity(rows.len());
        for row in rows {
            let text: String = row
                .try_get_by_index(0)
                .map_err(self.fail("cannot read a document key".into()))?;
            if let Ok(key) = StorageKey::parse(&text)
                && prefix.is_none_or(|p| key.starts_with(p))
            {
                keys.push(key);
            }
        }
        keys.sort();
        Ok(keys)
    }

    fn load_document(&self, key: &StorageKey) -> Result<String> {
        self.text_by_key(
            "SELECT document FROM meteaudata_documents WHERE doc_key = ?",
            &key.to_string(),
        )
    }

    fn delete_document(&self, key: &StorageKey) -> Result<()> {
        self.prepare_write()?;
        let shown = key.to_string();
        let done = block_on(self.db.execute_raw(self.stmt(
            &self.sql("DELETE FROM meteaudata_documents WHERE doc_key = ?"),
            vec![shown.clone().into()],
        )))
        .map_err(self.fail(format!("cannot delete {shown}")))?;
        if done.rows_affected() == 0 {
            return Err(StorageError::NotFound { key: shown });
        }
        Ok(())
    }

    fn clear(&self, prefix: Option<&StorageKey>) -> Result<()> {
        self.prepare_write()?;
        let series = self.list_keys(prefix)?;
        block_on(async {
            let txn = self
                .db
                .begin()
                .await
                .map_err(self.fail("cannot start clearing".into()))?;
            for key in &series {
                if let Some(id) = self
                    .series_id(&txn, &key.to_string())
                    .await
                    .map_err(self.fail(format!("cannot look up {key}")))?
                {
                    self.delete_series(&txn, id)
                        .await
                        .map_err(self.fail(format!("cannot delete {key}")))?;
                }
            }
            let docs = txn
                .query_all_raw(self.stmt("SELECT doc_key FROM meteaudata_documents", vec![]))
                .await
                .map_err(self.fail("cannot list the documents".into()))?;
            for row in docs {
                let text: String = row
                    .try_get_by_index(0)
                    .map_err(self.fail("cannot read a document key".into()))?;
                if prefix.is_none_or(|p| StorageKey::parse(&text).is_ok_and(|k| k.starts_with(p))) {
                    txn.execute_raw(self.stmt(
                        &self.sql("DELETE FROM meteaudata_documents WHERE doc_key = ?"),
                        vec![text.into()],
                    ))
                    .await
                    .map_err(self.fail("cannot delete a document".into()))?;
                }
            }
            txn.commit()
                .await
                .map_err(self.fail("cannot commit clearing".into()))
        })
    }
}

/// Refuses a SQLite file that is not a database, and a missing one unless `access` creates.
fn check_sqlite_file(file: &std::path::Path, shown: &str, access: StorageAccess) -> Result<()> {
    use std::io::Read;
    let mut header = Vec::with_capacity(SQLITE_HEADER.len());
    match std::fs::File::open(file) {
        Ok(f) => f
            .take(SQLITE_HEADER.len() as u64)
            .read_to_end(&mut header)
            .map_err(|e| StorageError::backend(BACKEND, format!("cannot read {shown}"), e))?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return if access.creates() {
                Ok(())
            } else {
                Err(StorageError::MissingStore {
                    location: shown.to_owned(),
                    reason: format!("the SQLite file {} does not exist", file.display()),
                })
            };
        }
        Err(e) => {
            return Err(StorageError::backend(
                BACKEND,
                format!("cannot open {shown}"),
                e,
            ));
        }
    };
    // An empty file is an empty database; anything else must start with the header.
    if header.is_empty() || header == SQLITE_HEADER {
        Ok(())
    } else {
        Err(StorageError::NotAStore {
            location: file.display().to_string(),
            reason: "the file is not an SQLite database (it does not start with the SQLite header)"
                .into(),
        })
    }
}

/// A failed connection, with the driver's own reason: a pool that timed out is asked once
/// more through a single direct connection, whose error says why (refused, unknown host, bad
/// password, …).
fn connect_error(url: &SqlUrl, error: DbErr) -> StorageError {
    let what = format!("cannot connect to {}", url.shown);
    let timed_out = matches!(
        &error,
        DbErr::Conn(sea_orm::RuntimeErr::SqlxError(e)) if matches!(**e, sqlx::Error::PoolTimedOut)
    );
    if timed_out && let Some(cause) = direct_connect_error(url) {
        return StorageError::backend(BACKEND, what, cause);
    }
    StorageError::backend(BACKEND, what, error)
}

/// The error of one direct connection to `url`, if it fails.
fn direct_connect_error(url: &SqlUrl) -> Option<sqlx::Error> {
    use sqlx::Connection;
    let attempt = async {
        match url.kind {
            #[cfg(feature = "postgres")]
            SqlKind::Postgres => sqlx::postgres::PgConnection::connect(&url.connect)
                .await
                .map(drop),
            #[cfg(feature = "mysql")]
            SqlKind::MySql => sqlx::mysql::MySqlConnection::connect(&url.connect)
                .await
                .map(drop),
            #[cfg(feature = "sqlite")]
            SqlKind::Sqlite => sqlx::sqlite::SqliteConnection::connect(&url.connect)
                .await
                .map(drop),
            #[allow(unreachable_patterns)]
            _ => Ok(()),
        }
    };
    block_on(async { tokio::time::timeout(CONNECT_TIMEOUT, attempt).await })
        .ok()
        .and_then(Result::err)
}

/// `text` with the `LIKE` wildcards `%` and `_` (and the escape `!` itself) escaped by `!`.
fn escape_like(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 4);
    for c in text.chars() {
        if matches!(c, '%' | '_' | '!') {
            out.push('!');
        }
        out.push(c);
    }
    out
}
