//! Frames to Parquet bytes and back, with the metadata document in the footer.

use std::io::Cursor;

use meteaudata_storage::{SeriesData, StorageError};
use polars::prelude::*;

/// The footer key that holds the metadata document.
pub(crate) const METADATA_KEY: &str = "meteaudata";

/// Encodes a series as one Parquet file (LZ4: measured series hardly compress, and LZ4
/// costs little where they do not; statistics on).
pub(crate) fn encode(series: &SeriesData) -> Result<Vec<u8>, StorageError> {
    let mut frame = series.frame.clone();
    let mut bytes = Vec::new();
    ParquetWriter::new(&mut bytes)
        .with_compression(ParquetCompression::Lz4Raw)
        .with_key_value_metadata(Some(KeyValueMetadata::from_static(vec![(
            METADATA_KEY.to_owned(),
            series.metadata.clone(),
        )])))
        .finish(&mut frame)?;
    Ok(bytes)
}

fn corrupt(path: &str, reason: impl ToString) -> StorageError {
    StorageError::Corrupt {
        key: path.to_owned(),
        reason: reason.to_string(),
    }
}

fn metadata_of(
    path: &str,
    kv: Option<&Vec<polars_parquet::parquet::metadata::KeyValue>>,
) -> Result<String, StorageError> {
    kv.into_iter()
        .flatten()
        .find(|entry| entry.key == METADATA_KEY)
        .and_then(|entry| entry.value.clone())
        .ok_or_else(|| corrupt(path, format!("the footer has no {METADATA_KEY:?} entry")))
}

/// Decodes a whole Parquet object (bytes in memory, or a local file, which polars maps).
pub(crate) fn decode<R: polars::io::mmap::MmapBytesReader>(
    path: &str,
    source: R,
) -> Result<SeriesData, StorageError> {
    let mut reader = ParquetReader::new(source);
    let metadata = reader.get_metadata().map_err(|e| corrupt(path, e))?;
    let metadata = metadata_of(path, metadata.key_value_metadata().as_ref())?;
    let frame = reader.finish().map_err(|e| corrupt(path, e))?;
    if frame.width() != 2 {
        return Err(corrupt(
            path,
            format!("expected 2 columns, found {}", frame.width()),
        ));
    }
    Ok(SeriesData { frame, metadata })
}

/// Decodes the metadata document from the footer bytes (`tail` holds at least the footer,
/// its 4-byte length and the closing magic).
pub(crate) fn decode_metadata(path: &str, tail: Vec<u8>) -> Result<String, StorageError> {
    let mut cursor = Cursor::new(tail);
    let metadata =
        polars_parquet::parquet::read::read_metadata(&mut cursor).map_err(|e| corrupt(path, e))?;
    metadata_of(path, metadata.key_value_metadata().as_ref())
}

/// The footer length recorded in the last 8 bytes of a Parquet file.
pub(crate) fn footer_length(path: &str, last8: &[u8]) -> Result<u64, StorageError> {
    if last8.len() != 8 || &last8[4..] != b"PAR1" {
        return Err(corrupt(path, "not a Parquet file (no closing magic)"));
    }
    Ok(u64::from(u32::from_le_bytes([
        last8[0], last8[1], last8[2], last8[3],
    ])))
}
