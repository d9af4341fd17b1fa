//! The fast path for series points in PostgreSQL: the points go to the server as one
//! `COPY … FROM STDIN (FORMAT binary)` stream on the driver's own connection, inside the
//! transaction that replaces the series row, instead of as multi-row `INSERT`s. Binary values
//! are exact (no float formatting) and cost the server no parsing.

use meteaudata_storage::{Result, SaveMode, SeriesData, StorageError, dtype_code};
use sea_orm::sqlx::{self, PgPool};

use crate::BACKEND;
use crate::columns::{Cell, PointColumns};

/// Bytes of COPY data gathered before each send.
const CHUNK: usize = 1 << 20;

/// The binary COPY signature, flags and header-extension length.
const HEADER: &[u8] = b"PGCOPY\n\xff\r\n\0\0\0\0\0\0\0\0\0";

/// Saves a series (replacing an older one unless `mode` is `CreateNew`) in one transaction on
/// `pool`; `shown` names the key and `location` the database in errors.
pub(crate) async fn save(
    pool: &PgPool,
    shown: &str,
    series: &SeriesData,
    mode: SaveMode,
    location: &str,
) -> Result<()> {
    let fail = |what: &str| {
        let what = format!("{what} {shown} in {location}");
        move |e: sqlx::Error| StorageError::backend(BACKEND, what, e)
    };
    let frame = &series.frame;
    let PointColumns {
        index_col,
        value_col,
        index: index_cells,
        values: value_cells,
    } = PointColumns::of(frame)?;

    let mut txn = pool.begin().await.map_err(fail("cannot start saving"))?;
    let existing: Option<i64> =
        sqlx::query_scalar("SELECT series_id FROM meteaudata_series WHERE series_key = $1")
            .bind(shown)
            .fetch_optional(&mut *txn)
            .await
            .map_err(fail("cannot look up"))?;
    if let Some(id) = existing {
        if mode == SaveMode::CreateNew {
            return Err(StorageError::AlreadyExists {
                key: shown.to_owned(),
            });
        }
        for sql in [
            "DELETE FROM meteaudata_points WHERE series_id = $1",
            "DELETE FROM meteaudata_series WHERE series_id = $1",
        ] {
            sqlx::query(sql)
                .bind(id)
                .execute(&mut *txn)
                .await
                .map_err(fail("cannot replace"))?;
        }
    }
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO meteaudata_series (series_key, index_type, values_type, length, metadata) \
         VALUES ($1, $2, $3, $4, $5) RETURNING series_id",
    )
    .bind(shown)
    .bind(dtype_code(frame.columns()[0].dtype()))
    .bind(dtype_code(frame.columns()[1].dtype()))
    .bind(frame.height() as i64)
    .bind(&series.metadata)
    .fetch_one(&mut *txn)
    .await
    .map_err(fail("cannot record"))?;

    let mut copy = txn
        .copy_in_raw(&format!(
            "COPY meteaudata_points (series_id, position, {index_col}, {value_col}) \
             FROM STDIN (FORMAT binary)"
        ))
        .await
        .map_err(fail("cannot insert the points of"))?;
    let mut buffer = Vec::with_capacity(CHUNK + 1024);
    buffer.extend_from_slice(HEADER);
    for position in 0..frame.height() {
        // Four fields: series id, position, index, value.
        buffer.extend_from_slice(&4i16.to_be_bytes());
        put(&mut buffer, Cell::Int(Some(id)))?;
        put(&mut buffer, Cell::Int(Some(position as i64)))?;
        put(&mut buffer, index_cells.get(position))?;
        put(&mut buffer, value_cells.get(position))?;
        if buffer.len() >= CHUNK {
            copy.send(buffer.as_slice())
                .await
                .map_err(fail("cannot send the points of"))?;
            buffer.clear();
        }
    }
    buffer.extend_from_slice(&(-1i16).to_be_bytes());
    copy.send(buffer.as_slice())
        .await
        .map_err(fail("cannot send the points of"))?;
    copy.finish()
        .await
        .map_err(fail("cannot insert the points of"))?;
    txn.commit().await.map_err(fail("cannot commit"))
}

/// Appends one field in PostgreSQL's binary COPY format: its length, then its bytes in
/// network order (`-1` alone for NULL).
fn put(buffer: &mut Vec<u8>, cell: Cell<'_>) -> Result<()> {
    let mut field = |bytes: &[u8]| -> Result<()> {
        let length = i32::try_from(bytes.len()).map_err(|_| {
            StorageError::InvalidConfig(format!(
                "a text cell of {} bytes is longer than PostgreSQL accepts",
                bytes.len()
            ))
        })?;
        buffer.extend_from_slice(&length.to_be_bytes());
        buffer.extend_from_slice(bytes);
        Ok(())
    };
    match cell {
        Cell::Int(Some(v)) => field(&v.to_be_bytes()),
        Cell::Float(Some(v)) => field(&v.to_be_bytes()),
        Cell::Text(Some(v)) => field(v.as_bytes()),
        Cell::Bool(Some(v)) => field(&[u8::from(v)]),
        Cell::Int(None) | Cell::Float(None) | Cell::Text(None) | Cell::Bool(None) => {
            buffer.extend_from_slice(&(-1i32).to_be_bytes());
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encoded(cell: Cell<'_>) -> Vec<u8> {
        let mut buffer = Vec::new();
        put(&mut buffer, cell).unwrap();
        buffer
    }

    #[test]
    fn fields_are_length_prefixed_network_order() {
        assert_eq!(
            encoded(Cell::Int(Some(-2))),
            [0, 0, 0, 8, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe]
        );
        // 1.5 = 0x3FF8000000000000.
        assert_eq!(
            encoded(Cell::Float(Some(1.5))),
            [0, 0, 0, 8, 0x3f, 0xf8, 0, 0, 0, 0, 0, 0]
        );
        assert_eq!(encoded(Cell::Text(Some("é"))), [0, 0, 0, 2, 0xc3, 0xa9]);
        assert_eq!(encoded(Cell::Bool(Some(true))), [0, 0, 0, 1, 1]);
        assert_eq!(encoded(Cell::Float(None)), [0xff, 0xff, 0xff, 0xff]);
    }
}
