//! Frames to Parquet bytes and back, with the metadata document in the footer.

use std::io::Cursor;

use meteaudata_storage::{SeriesData, StorageError, dtype_code, parse_dtype_code};
use polars::prelude::*;

/// The footer key that holds the metadata document.
pub(crate) const METADATA_KEY: &str = "meteaudata";

/// The footer key that describes an index stored as arithmetic (`<start> <step> <dtype code>`)
/// instead of a column.
pub(crate) const REGULAR_INDEX_KEY: &str = "meteaudata.regular_index";

/// `(start, step)` of an integer-backed index column (integers, datetimes, durations) whose
/// labels are `start + i * step`, with at least two labels and no missing one.
fn regular(index: &Series) -> Option<(i64, i64)> {
    if !matches!(
        index.dtype(),
        DataType::Int64 | DataType::Datetime(..) | DataType::Duration(..)
    ) || index.len() < 2
        || index.null_count() > 0
    {
        return None;
    }
    let physical = index.to_physical_repr();
    let ticks = physical.i64().ok()?;
    let start = ticks.get(0)?;
    let step = ticks.get(1)?.checked_sub(start)?;
    let mut expected = start;
    for tick in ticks.into_no_null_iter() {
        if tick != expected {
            return None;
        }
        expected = expected.checked_add(step)?;
    }
    Some((start, step))
}

/// Encodes a series as one Parquet file (LZ4: measured series hardly compress, and LZ4
/// costs little where they do not; statistics on). A regular index (`start + i * step`, the
/// usual sensor grid) is written as three numbers in the footer instead of a column, which
/// halves the object.
pub(crate) fn encode(series: &SeriesData) -> Result<Vec<u8>, StorageError> {
    let index = series.frame.columns()[0].as_materialized_series();
    let mut footer = vec![(METADATA_KEY.to_owned(), series.metadata.clone())];
    let mut frame = match regular(index) {
        Some((start, step)) => {
            footer.push((
                REGULAR_INDEX_KEY.to_owned(),
                format!("{start} {step} {}", dtype_code(index.dtype())),
            ));
            let values = series.frame.columns()[1].clone();
            DataFrame::new(series.frame.height(), vec![values])?
        }
        None => series.frame.clone(),
    };
    let mut bytes = Vec::new();
    ParquetWriter::new(&mut bytes)
        .with_compression(ParquetCompression::Lz4Raw)
        .with_row_group_size(Some(1 << 18))
        .with_key_value_metadata(Some(KeyValueMetadata::from_static(footer)))
        .finish(&mut frame)?;
    Ok(bytes)
}

/// The index column a [`REGULAR_INDEX_KEY`] entry describes, `len` labels long.
fn rebuild_index(path: &str, description: &str, len: usize) -> Result<Series, StorageError> {
    let bad = || corrupt(path, format!("bad regular index {description:?}"));
    let mut parts = description.splitn(3, ' ');
    let (Some(start), Some(step), Some(code)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(bad());
    };
    let dtype = parse_dtype_code(code).map_err(|_| bad())?;
    let (start, step): (i64, i64) = (
        start.parse().map_err(|_| bad())?,
        step.parse().map_err(|_| bad())?,
    );
    let ticks = (0..len as i64)
        .map(|i| i.checked_mul(step).and_then(|d| start.checked_add(d)))
        .collect::<Option<Vec<i64>>>()
        .ok_or_else(bad)?;
    let ticks = Int64Chunked::from_vec("index".into(), ticks);
    Ok(match dtype {
        DataType::Datetime(unit, tz) => ticks.into_datetime(unit, tz).into_series(),
        DataType::Duration(unit) => ticks.into_duration(unit).into_series(),
        DataType::Int64 => ticks.into_series(),
        _ => return Err(bad()),
    })
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
    let footer = reader.get_metadata().map_err(|e| corrupt(path, e))?;
    let kv = footer.key_value_metadata().clone();
    let metadata = metadata_of(path, kv.as_ref())?;
    let regular_index = kv
        .iter()
        .flatten()
        .find(|entry| entry.key == REGULAR_INDEX_KEY)
        .and_then(|entry| entry.value.clone());
    let mut frame = reader.finish().map_err(|e| corrupt(path, e))?;
    if let Some(description) = regular_index {
        if frame.width() != 1 {
            return Err(corrupt(
                path,
                format!(
                    "expected 1 column besides a regular index, found {}",
                    frame.width()
                ),
            ));
        }
        let index = rebuild_index(path, &description, frame.height())?;
        frame
            .insert_column(0, index.into())
            .map_err(|e| corrupt(path, e))?;
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn series_data(index: Series) -> SeriesData {
        let values = Series::new("values".into(), (0..index.len() as i64).collect::<Vec<_>>());
        SeriesData {
            frame: DataFrame::new(index.len(), vec![index.into(), values.into()]).unwrap(),
            metadata: "{}".into(),
        }
    }

    fn round_trip(index: Series) -> (SeriesData, bool) {
        let data = series_data(index);
        let bytes = encode(&data).unwrap();
        let mut reader = ParquetReader::new(Cursor::new(bytes.clone()));
        let compact = reader
            .get_metadata()
            .unwrap()
            .key_value_metadata()
            .iter()
            .flatten()
            .any(|e| e.key == REGULAR_INDEX_KEY);
        let back = decode("test", Cursor::new(bytes)).unwrap();
        assert_eq!(back.frame, data.frame);
        (back, compact)
    }

    #[test]
    fn regular_indexes_are_stored_as_arithmetic_and_come_back_equal() {
        let utc = Int64Chunked::from_vec("index".into(), (0..1000).map(|i| 7 + i * 60).collect())
            .into_datetime(TimeUnit::Microseconds, Some(TimeZone::UTC))
            .into_series();
        assert!(round_trip(utc).1);
        let ints = Series::new(
            "index".into(),
            (0..50i64).map(|i| 100 - 3 * i).collect::<Vec<_>>(),
        );
        assert!(round_trip(ints).1);
        let durations = Int64Chunked::from_vec("index".into(), vec![0, 5, 10])
            .into_duration(TimeUnit::Nanoseconds)
            .into_series();
        assert!(round_trip(durations).1);
    }

    #[test]
    fn other_indexes_stay_columns() {
        let irregular = Series::new("index".into(), vec![0i64, 1, 3]);
        assert!(!round_trip(irregular).1);
        let single = Series::new("index".into(), vec![5i64]);
        assert!(!round_trip(single).1);
        let overflowing = Series::new("index".into(), vec![i64::MAX - 1, i64::MAX]);
        assert!(
            !round_trip(overflowing).1,
            "the step past the end overflows"
        );
        let floats = Series::new("index".into(), vec![0.0, 1.0, 2.0]);
        assert!(!round_trip(floats).1);
    }

    #[test]
    fn a_bad_regular_index_entry_is_a_corrupt_object() {
        for bad in ["1 i64", "a 1 i64", "0 1 str", "0 1 i64 x"] {
            assert!(rebuild_index("p", bad, 3).is_err(), "{bad}");
        }
        assert!(rebuild_index("p", &format!("{} 1 i64", i64::MAX), 3).is_err());
    }
}
