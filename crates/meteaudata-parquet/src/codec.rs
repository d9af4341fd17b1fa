//! Frames to Parquet bytes and back, with the metadata document in the footer.

use std::io::Cursor;

use meteaudata_storage::{SeriesData, StorageError, dtype_code, parse_dtype_code};
use polars::prelude::*;

/// The footer key that holds the metadata document.
pub(crate) const METADATA_KEY: &str = "meteaudata";

/// The footer key that described an index stored as arithmetic (`<start> <step> <dtype
/// code>`) instead of a column, in objects written before the index became a column again
/// (still read).
pub(crate) const REGULAR_INDEX_KEY: &str = "meteaudata.regular_index";

/// The footer key that says the index column, present in the file, holds `<start> + i ·
/// <step>` for row `i` (`<start> <step> <dtype code>`): our reader rebuilds it from this
/// instead of decoding the column. The object's checksum covers the footer, so the entry
/// cannot disagree with the column unnoticed.
pub(crate) const INDEX_ARITHMETIC_KEY: &str = "meteaudata.index_arithmetic";

/// `<start> <step> <dtype code>` when `index` is integer-backed, has no missing label and
/// advances by one constant step (a regular sensor grid).
fn arithmetic(index: &Series) -> Option<String> {
    if !matches!(
        index.dtype(),
        DataType::Int64 | DataType::Datetime(..) | DataType::Duration(..)
    ) || index.is_empty()
        || index.null_count() > 0
    {
        return None;
    }
    let physical = index.to_physical_repr();
    let ticks = physical.i64().ok()?;
    let mut first_two = ticks.into_no_null_iter().take(2);
    let start = first_two.next()?;
    let step = match first_two.next() {
        Some(second) => second.checked_sub(start)?,
        None => 0,
    };
    let mut expected = start;
    for tick in ticks.into_no_null_iter() {
        if tick != expected {
            return None;
        }
        expected = expected.wrapping_add(step);
    }
    // The last label was computed without overflow only if the arithmetic holds exactly.
    let last = (ticks.len() as i64 - 1)
        .checked_mul(step)
        .and_then(|d| start.checked_add(d))?;
    (expected.wrapping_sub(step) == last)
        .then(|| format!("{start} {step} {}", dtype_code(index.dtype())))
}

/// Bytes of each of the three samples (start, middle, end of a row group's values) that
/// [`values_compression`] compresses to decide.
const SAMPLE_BYTES: usize = 16 * 1024;

/// How the float values of one row group are compressed: LZ4, unless a trial on three
/// samples saves less than an eighth of their bytes (measured noise: LZ4 makes such data a
/// little larger, and decompressing it only costs a copy). Other dtypes are always LZ4.
fn values_compression(
    array: &dyn polars_arrow::array::Array,
) -> polars_parquet::write::CompressionOptions {
    use polars_parquet::parquet::compression::compress;
    use polars_parquet::write::CompressionOptions;
    let Some(floats) = array
        .as_any()
        .downcast_ref::<polars_arrow::array::PrimitiveArray<f64>>()
    else {
        return CompressionOptions::Lz4Raw;
    };
    const SAMPLE_VALUES: usize = SAMPLE_BYTES / 8;
    let values = floats.values().as_slice();
    if values.len() < 3 * SAMPLE_VALUES {
        return CompressionOptions::Lz4Raw;
    }
    let middle = values.len() / 2 - SAMPLE_VALUES / 2;
    let (mut sample, mut compressed) = (Vec::with_capacity(SAMPLE_BYTES), Vec::new());
    let mut saved = 0;
    for at in [0, middle, values.len() - SAMPLE_VALUES] {
        sample.clear();
        sample.extend(
            values[at..at + SAMPLE_VALUES]
                .iter()
                .flat_map(|v| v.to_le_bytes()),
        );
        compressed.clear();
        if compress(CompressionOptions::Lz4Raw, &sample, &mut compressed).is_err() {
            return CompressionOptions::Lz4Raw;
        }
        saved += SAMPLE_BYTES.saturating_sub(compressed.len());
    }
    if saved * 8 < 3 * SAMPLE_BYTES {
        CompressionOptions::Uncompressed
    } else {
        CompressionOptions::Lz4Raw
    }
}

/// Encodes a series as one Parquet file with two columns, `index` and `values`, readable by
/// any Parquet engine (DuckDB, Spark, DataFusion, polars): LZ4 pages (float values that LZ4
/// would not shrink are stored uncompressed, see [`values_compression`]), the arrow schema in the
/// footer (time units and zones), and the metadata document under [`METADATA_KEY`]. An
/// integer-backed index (integers, datetimes, durations) is written with
/// DELTA_BINARY_PACKED, which stores a regular sensor grid in a few bytes per page, with
/// minimum and maximum statistics (so engines skip row groups by label); an evenly spaced one
/// is also described under [`INDEX_ARITHMETIC_KEY`]. Float values are PLAIN, other values
/// use polars' own encodings; values carry null counts, not minimum and maximum (computing
/// them cost a quarter of the write).
pub(crate) fn encode(series: &SeriesData) -> Result<Vec<u8>, StorageError> {
    use polars_parquet::write::{
        CompressionOptions, Compressor, DynIter, DynStreamingIterator, Encoding,
        FallibleStreamingIterator, FileWriter, KeyValue, StatisticsOptions, Version, WriteOptions,
        array_to_columns, get_dtype_encoding, schema_to_metadata_key, to_parquet_schema,
    };
    let mut frame = series.frame.clone();
    // One row group per chunk of the frame, with the columns' chunks aligned.
    frame.align_chunks();
    let compat = CompatLevel::newest();
    let schema = frame.schema().to_arrow(compat);
    let encodings: Vec<Vec<Encoding>> = schema
        .iter_values()
        .enumerate()
        .map(|(i, field)| {
            let integer_index = i == 0
                && matches!(
                    frame.columns()[0].dtype(),
                    DataType::Int64 | DataType::Datetime(..) | DataType::Duration(..)
                );
            if integer_index {
                vec![Encoding::DeltaBinaryPacked]
            } else if i == 1 && frame.columns()[1].dtype() == &DataType::Float64 {
                // Measured values hardly repeat: a dictionary would be dropped after
                // estimating the cardinality of every page.
                vec![Encoding::Plain]
            } else {
                get_dtype_encoding(&field.dtype)
            }
        })
        .collect();
    let index_options = WriteOptions {
        statistics: StatisticsOptions::default(),
        version: Version::V1,
        compression: CompressionOptions::Lz4Raw,
        data_page_size: None,
    };
    let values_options = WriteOptions {
        statistics: StatisticsOptions {
            min_value: false,
            max_value: false,
            ..StatisticsOptions::default()
        },
        ..index_options
    };
    let parquet_schema = to_parquet_schema(&schema)?;
    let mut bytes = Vec::new();
    let mut writer = FileWriter::try_new(&mut bytes, schema.clone(), index_options)?;
    for batch in frame.iter_chunks(compat, false) {
        let rows = batch.len() as u64;
        if rows == 0 {
            continue;
        }
        // The row group's columns, each with its encoding and statistics.
        let mut columns = Vec::with_capacity(2);
        for (i, (array, field)) in batch
            .into_arrays()
            .into_iter()
            .zip(parquet_schema.fields().iter().cloned())
            .enumerate()
        {
            let options = if i == 0 {
                index_options
            } else {
                WriteOptions {
                    compression: values_compression(array.as_ref()),
                    ..values_options
                }
            };
            for pages in array_to_columns(array, field, options, &encodings[i])? {
                let pages = DynIter::new(pages.into_iter().map(|page| {
                    page.map_err(|e| {
                        polars_parquet::parquet::error::ParquetError::OutOfSpec(e.to_string())
                    })
                }));
                let compressed = Compressor::new(pages, options.compression, Vec::new())
                    .map_err(|e| PolarsError::ComputeError(e.to_string().into()));
                columns.push(Ok(DynStreamingIterator::new(compressed)));
            }
        }
        writer.write(rows, DynIter::new(columns.into_iter()))?;
    }
    let mut footer = vec![
        schema_to_metadata_key(&schema),
        KeyValue {
            key: METADATA_KEY.to_owned(),
            value: Some(series.metadata.clone()),
        },
    ];
    if let Some(description) = arithmetic(frame.columns()[0].as_materialized_series()) {
        footer.push(KeyValue {
            key: INDEX_ARITHMETIC_KEY.to_owned(),
            value: Some(description),
        });
    }
    writer.end(Some(footer))?;
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
    // Every label fits when the last one does (the labels run monotonically to it).
    (len as i64 - 1)
        .max(0)
        .checked_mul(step)
        .and_then(|d| start.checked_add(d))
        .ok_or_else(bad)?;
    let ticks: Vec<i64> = (0..len as i64).map(|i| start + i * step).collect();
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

/// Decodes a whole Parquet object from its bytes.
pub(crate) fn decode(path: &str, bytes: &[u8]) -> Result<SeriesData, StorageError> {
    let mut reader = ParquetReader::new(Cursor::new(bytes));
    let footer = reader.get_metadata().map_err(|e| corrupt(path, e))?;
    let kv = footer.key_value_metadata().clone();
    let metadata = metadata_of(path, kv.as_ref())?;
    let entry = |key: &str| {
        kv.iter()
            .flatten()
            .find(|entry| entry.key == key)
            .and_then(|entry| entry.value.clone())
    };
    let regular_index = entry(REGULAR_INDEX_KEY);
    let arithmetic_index = entry(INDEX_ARITHMETIC_KEY).filter(|_| regular_index.is_none());
    if arithmetic_index.is_some() {
        // The index column is rebuilt below, not decoded.
        reader = reader.with_projection(Some(vec![1]));
    }
    let mut frame = reader.finish().map_err(|e| corrupt(path, e))?;
    if let Some(description) = arithmetic_index {
        let index = rebuild_index(path, &description, frame.height())?;
        frame
            .insert_column(0, index.into())
            .map_err(|e| corrupt(path, e))?;
    }
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

    fn round_trip(index: Series) -> Vec<u8> {
        let data = series_data(index);
        let bytes = encode(&data).unwrap();
        let back = decode("test", &bytes).unwrap();
        assert_eq!(back.frame, data.frame);
        assert_eq!(back.metadata, data.metadata);
        bytes
    }

    /// The compressed bytes of the index and values columns of the first row group.
    fn column_sizes(bytes: &[u8]) -> (i64, i64) {
        let mut reader = ParquetReader::new(Cursor::new(bytes));
        let metadata = reader.get_metadata().unwrap();
        let columns = metadata.row_groups[0].parquet_columns();
        (columns[0].compressed_size(), columns[1].compressed_size())
    }

    /// The codec of the values column in every row group.
    fn values_codecs(bytes: &[u8]) -> Vec<polars_parquet::parquet::compression::Compression> {
        let mut reader = ParquetReader::new(Cursor::new(bytes));
        let metadata = reader.get_metadata().unwrap();
        metadata
            .row_groups
            .iter()
            .map(|group| group.parquet_columns()[1].compression())
            .collect()
    }

    #[test]
    fn noisy_floats_are_stored_uncompressed_and_repetitive_ones_with_lz4() {
        use polars_parquet::parquet::compression::Compression;
        let rows = 100_000usize;
        let index = Series::new("index".into(), (0..rows as i64).collect::<Vec<_>>());
        // Noise: every bit of the mantissa random (xorshift), as a sensor's raw readings.
        let mut state = 0x9e37_79b9_7f4a_7c15_u64;
        let noise: Vec<Option<f64>> = (0..rows)
            .map(|i| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                (i % 97 != 0).then(|| (state >> 11) as f64 / (1u64 << 53) as f64 * 40.0 - 10.0)
            })
            .collect();
        // Repetitive: a reading quantised to 0.5 that changes slowly.
        let steps: Vec<Option<f64>> = (0..rows).map(|i| Some((i / 1000) as f64 * 0.5)).collect();
        // A few values (below the three samples): always LZ4.
        let short: Vec<Option<f64>> = noise[..1000].to_vec();
        for (values, expected) in [
            (noise, Compression::Uncompressed),
            (steps, Compression::Lz4Raw),
            (short, Compression::Lz4Raw),
        ] {
            let n = values.len();
            let data = SeriesData {
                frame: DataFrame::new(
                    n,
                    vec![
                        index.slice(0, n).into(),
                        Series::new("values".into(), values).into(),
                    ],
                )
                .unwrap(),
                metadata: "{}".into(),
            };
            let bytes = encode(&data).unwrap();
            assert_eq!(values_codecs(&bytes), [expected]);
            let back = decode("test", &bytes).unwrap();
            assert!(back.frame.equals_missing(&data.frame));
        }
    }

    #[test]
    fn every_index_is_a_column_and_comes_back_equal() {
        let utc = Int64Chunked::from_vec("index".into(), (0..1000).map(|i| 7 + i * 60).collect())
            .into_datetime(TimeUnit::Microseconds, Some(TimeZone::UTC))
            .into_series();
        let ints = Series::new(
            "index".into(),
            (0..50i64).map(|i| 100 - 3 * i).collect::<Vec<_>>(),
        );
        let durations = Int64Chunked::from_vec("index".into(), vec![0, 5, 10])
            .into_duration(TimeUnit::Nanoseconds)
            .into_series();
        let irregular = Series::new("index".into(), vec![0i64, 1, 3, i64::MAX]);
        let floats = Series::new("index".into(), vec![0.0, 1.0, 2.5]);
        let strings = Series::new("index".into(), vec!["a", "b"]);
        let empty = Series::new("index".into(), Vec::<i64>::new());
        for index in [utc, ints, durations, irregular, floats, strings, empty] {
            let bytes = round_trip(index);
            let frame = ParquetReader::new(Cursor::new(bytes)).finish().unwrap();
            assert_eq!(frame.get_column_names(), ["index", "values"]);
        }
    }

    #[test]
    fn a_regular_index_costs_a_few_bytes_with_delta_encoding() {
        let minutes = Int64Chunked::from_vec(
            "index".into(),
            (0..131_072i64)
                .map(|i| 1_577_836_800_000_000_000 + i * 60_000_000_000)
                .collect(),
        )
        .into_datetime(TimeUnit::Nanoseconds, None)
        .into_series();
        let values = Series::new(
            "values".into(),
            (0..131_072)
                .map(|i| (f64::from(i) * 0.37).sin())
                .collect::<Vec<_>>(),
        );
        let data = SeriesData {
            frame: DataFrame::new(minutes.len(), vec![minutes.into(), values.into()]).unwrap(),
            metadata: "{}".into(),
        };
        let (index, values) = column_sizes(&encode(&data).unwrap());
        assert!(
            index * 50 < values,
            "index column {index} bytes, values {values} bytes"
        );
    }

    #[test]
    fn objects_with_the_index_as_arithmetic_still_read() {
        // As objects were written before the index became a column: values only, and the
        // index described in the footer.
        let mut values = DataFrame::new(
            3,
            vec![Series::new("values".into(), [1.0, 2.0, 3.0]).into()],
        )
        .unwrap();
        let mut bytes = Vec::new();
        ParquetWriter::new(&mut bytes)
            .with_key_value_metadata(Some(KeyValueMetadata::from_static(vec![
                (METADATA_KEY.to_owned(), "{}".to_owned()),
                (
                    REGULAR_INDEX_KEY.to_owned(),
                    "60 60 datetime[ms]".to_owned(),
                ),
            ])))
            .finish(&mut values)
            .unwrap();
        let back = decode("old", &bytes).unwrap();
        let index = back.frame.columns()[0].as_materialized_series();
        assert_eq!(
            index.dtype(),
            &DataType::Datetime(TimeUnit::Milliseconds, None)
        );
        assert_eq!(
            index
                .to_physical_repr()
                .i64()
                .unwrap()
                .into_no_null_iter()
                .collect::<Vec<_>>(),
            [60, 120, 180]
        );
    }

    /// The footer entry under `key` of an encoded object.
    fn footer_entry(bytes: &[u8], key: &str) -> Option<String> {
        let mut reader = ParquetReader::new(Cursor::new(bytes));
        let metadata = reader.get_metadata().unwrap();
        metadata
            .key_value_metadata()
            .iter()
            .flatten()
            .find(|entry| entry.key == key)
            .and_then(|entry| entry.value.clone())
    }

    #[test]
    fn an_evenly_spaced_index_is_described_and_rebuilt_from_the_description() {
        let quarter_hours = Int64Chunked::from_vec(
            "index".into(),
            (0..5000i64)
                .map(|i| 1_700_000_000_000_000 + i * 900_000_000)
                .collect(),
        )
        .into_datetime(
            TimeUnit::Microseconds,
            Some(
                TimeZone::opt_try_new(Some("Europe/Paris"))
                    .unwrap()
                    .unwrap(),
            ),
        )
        .into_series();
        let bytes = round_trip(quarter_hours);
        assert_eq!(
            footer_entry(&bytes, INDEX_ARITHMETIC_KEY).as_deref(),
            Some("1700000000000000 900000000 datetime[us, Europe/Paris]")
        );
        // One label: any step describes it.
        let one = Series::new("index".into(), vec![42i64]);
        assert_eq!(
            footer_entry(&round_trip(one), INDEX_ARITHMETIC_KEY).as_deref(),
            Some("42 0 i64")
        );
    }

    #[test]
    fn other_indexes_are_decoded_from_their_column() {
        let uneven = Series::new("index".into(), vec![0i64, 1, 3, 4]);
        let descending = Series::new("index".into(), vec![9i64, 6, 3, 0]);
        let overflowing = Series::new("index".into(), vec![i64::MIN, 0, i64::MAX]);
        let floats = Series::new("index".into(), vec![0.0, 1.0, 2.0]);
        let empty = Series::new("index".into(), Vec::<i64>::new());
        for index in [uneven, overflowing, floats, empty] {
            let bytes = round_trip(index.clone());
            assert_eq!(
                footer_entry(&bytes, INDEX_ARITHMETIC_KEY),
                None,
                "{index:?}"
            );
        }
        // A descending grid is evenly spaced too (a negative step).
        let bytes = round_trip(descending);
        assert_eq!(
            footer_entry(&bytes, INDEX_ARITHMETIC_KEY).as_deref(),
            Some("9 -3 i64")
        );
    }

    #[test]
    fn a_bad_regular_index_entry_is_a_corrupt_object() {
        for bad in ["1 i64", "a 1 i64", "0 1 str", "0 1 i64 x"] {
            assert!(rebuild_index("p", bad, 3).is_err(), "{bad}");
        }
        assert!(rebuild_index("p", &format!("{} 1 i64", i64::MAX), 3).is_err());
    }
}
