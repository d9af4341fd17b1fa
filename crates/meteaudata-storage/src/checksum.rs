//! Checksums of series contents, for backends that do not store series as byte objects (SQL
//! tables, memory): what [`StorageBackend::save_object`](crate::StorageBackend::save_object)
//! records and [`StorageBackend::load_object`](crate::StorageBackend::load_object) verifies
//! by default.
//!
//! The checksum covers the values as the data model sees them, column by column in order:
//! each value's little-endian bytes (a null counts as zero), then the positions of the nulls.
//! It does not depend on how a frame is split into chunks. Every NaN counts as the same NaN
//! and -0.0 as 0.0, since a database may normalise both.

use polars::prelude::{
    AnyValue, BooleanChunked, DataFrame, DataType, Float64Chunked, Int64Chunked,
};

use crate::error::{Result, StorageError};

/// The prefix of content checksums: `values-crc32:<8 hex digits>`.
pub const CONTENT_CHECKSUM_PREFIX: &str = "values-crc32:";

/// Bytes gathered before they are fed to the hasher.
const BLOCK: usize = 64 * 1024;

/// Feeds values' bytes to a CRC-32 in blocks, and remembers where the nulls are.
struct Feed {
    hasher: crc32fast::Hasher,
    block: Vec<u8>,
    nulls: Vec<u64>,
    row: u64,
}

impl Feed {
    fn new() -> Feed {
        Feed {
            hasher: crc32fast::Hasher::new(),
            block: Vec::with_capacity(BLOCK),
            nulls: Vec::new(),
            row: 0,
        }
    }

    fn push(&mut self, bytes: &[u8]) {
        if self.block.len() + bytes.len() > BLOCK {
            self.hasher.update(&self.block);
            self.block.clear();
        }
        self.block.extend_from_slice(bytes);
    }

    /// One value (`None`: a null, hashed as `zero`).
    fn value<const N: usize>(&mut self, value: Option<[u8; N]>) {
        match value {
            Some(bytes) => self.push(&bytes),
            None => {
                self.nulls.push(self.row);
                self.push(&[0; N]);
            }
        }
        self.row += 1;
    }

    /// Ends a column: its null positions and length.
    fn end_column(&mut self) {
        let nulls = std::mem::take(&mut self.nulls);
        for row in nulls {
            self.push(&row.to_le_bytes());
        }
        let rows = self.row;
        self.push(&rows.to_le_bytes());
        self.row = 0;
    }

    fn finish(mut self) -> u32 {
        self.hasher.update(&self.block);
        self.hasher.finalize()
    }
}

fn canonical(v: f64) -> f64 {
    if v.is_nan() {
        f64::NAN
    } else if v == 0.0 {
        0.0
    } else {
        v
    }
}

/// The content checksum of `frame` (`values-crc32:…`).
pub fn content_checksum(frame: &DataFrame) -> Result<String> {
    let mut feed = Feed::new();
    for column in frame.columns() {
        let series = column.as_materialized_series();
        let physical = series.to_physical_repr();
        match physical.dtype() {
            DataType::Int64 => {
                let ca: &Int64Chunked = physical.i64().map_err(unsupported)?;
                for v in ca.iter() {
                    feed.value(v.map(i64::to_le_bytes));
                }
            }
            DataType::Float64 => {
                let ca: &Float64Chunked = physical.f64().map_err(unsupported)?;
                for v in ca.iter() {
                    feed.value(v.map(|v| canonical(v).to_le_bytes()));
                }
            }
            DataType::Boolean => {
                let ca: &BooleanChunked = physical.bool().map_err(unsupported)?;
                for v in ca.iter() {
                    feed.value(v.map(|v| [u8::from(v)]));
                }
            }
            DataType::String => {
                for v in physical.str().map_err(unsupported)?.iter() {
                    match v {
                        Some(text) => {
                            feed.value(Some((text.len() as u64).to_le_bytes()));
                            feed.push(text.as_bytes());
                        }
                        None => feed.value::<8>(None),
                    }
                }
            }
            _ => {
                // Other dtypes (not produced by the data model) hash their text form.
                for i in 0..physical.len() {
                    let value = physical.get(i).map_err(unsupported)?;
                    if matches!(value, AnyValue::Null) {
                        feed.value::<8>(None);
                    } else {
                        let text = value.to_string();
                        feed.value(Some((text.len() as u64).to_le_bytes()));
                        feed.push(text.as_bytes());
                    }
                }
            }
        }
        feed.end_column();
    }
    Ok(format!("{CONTENT_CHECKSUM_PREFIX}{:08x}", feed.finish()))
}

fn unsupported(e: polars::error::PolarsError) -> StorageError {
    StorageError::Corrupt {
        key: String::new(),
        reason: format!("cannot compute a checksum of the data: {e}"),
    }
}

/// [`content_checksum`] of the data of the object `key`, an error naming it.
pub fn content_checksum_of(key: &str, frame: &DataFrame) -> Result<String> {
    content_checksum(frame).map_err(|e| match e {
        StorageError::Corrupt { key: k, reason } if k.is_empty() => StorageError::Corrupt {
            key: key.to_owned(),
            reason,
        },
        other => other,
    })
}

/// Checks `frame` against `expected` (a content checksum) for the object `key`: a mismatch is
/// [`StorageError::Corrupt`] naming the object. A checksum of another kind (written by a
/// backend that checks bytes) cannot be checked here and is an error as well, rather than a
/// silent pass.
pub fn verify_content(key: &str, frame: &DataFrame, expected: &str) -> Result<()> {
    if !expected.starts_with(CONTENT_CHECKSUM_PREFIX) {
        return Err(StorageError::Corrupt {
            key: key.to_owned(),
            reason: format!(
                "its recorded checksum {expected:?} is not a content checksum this backend can verify"
            ),
        });
    }
    let actual = content_checksum_of(key, frame)?;
    if actual == expected {
        Ok(())
    } else {
        Err(StorageError::Corrupt {
            key: key.to_owned(),
            reason: format!(
                "its values changed since they were written: checksum {actual}, expected {expected}"
            ),
        })
    }
}

#[cfg(test)]
mod tests {
    use polars::prelude::*;

    use super::*;

    fn frame(values: &[Option<f64>]) -> DataFrame {
        let index: Vec<i64> = (0..values.len() as i64).collect();
        df!("index" => index, "values" => values).unwrap()
    }

    #[test]
    fn chunks_do_not_change_the_checksum() {
        let whole = frame(&[Some(1.0), None, Some(3.5), Some(-2.0)]);
        let mut split = whole.slice(0, 2);
        split.vstack_mut(&whole.slice(2, 2)).unwrap();
        assert!(split.first_col_n_chunks() > 1);
        assert_eq!(
            content_checksum(&whole).unwrap(),
            content_checksum(&split).unwrap()
        );
    }

    #[test]
    fn any_changed_value_or_null_changes_the_checksum() {
        let base = content_checksum(&frame(&[Some(1.0), None, Some(3.0)])).unwrap();
        for other in [
            frame(&[Some(1.0), None, Some(3.0000001)]),
            frame(&[Some(1.0), Some(0.0), Some(3.0)]),
            frame(&[None, Some(1.0), Some(3.0)]),
            frame(&[Some(1.0), None]),
        ] {
            assert_ne!(content_checksum(&other).unwrap(), base);
        }
        // NaN payloads and the sign of zero are not told apart.
        assert_eq!(
            content_checksum(&frame(&[Some(f64::NAN), Some(-0.0)])).unwrap(),
            content_checksum(&frame(&[Some(-f64::NAN), Some(0.0)])).unwrap()
        );
    }

    #[test]
    fn strings_and_booleans_are_covered() {
        let a = df!("index" => [1i64, 2], "values" => ["ab", "c"]).unwrap();
        let b = df!("index" => [1i64, 2], "values" => ["a", "bc"]).unwrap();
        assert_ne!(content_checksum(&a).unwrap(), content_checksum(&b).unwrap());
        let t = df!("index" => [1i64], "values" => [true]).unwrap();
        let f = df!("index" => [1i64], "values" => [false]).unwrap();
        assert_ne!(content_checksum(&t).unwrap(), content_checksum(&f).unwrap());
    }

    #[test]
    fn a_mismatch_names_the_object() {
        let f = frame(&[Some(1.0)]);
        let wrong = content_checksum(&frame(&[Some(2.0)])).unwrap();
        let err = verify_content("ds/A#1/RAW#1/o1", &f, &wrong).unwrap_err();
        assert!(err.to_string().contains("ds/A#1/RAW#1/o1"), "{err}");
        assert!(verify_content("k", &f, &content_checksum(&f).unwrap()).is_ok());
        assert!(verify_content("k", &f, "crc32:00000000").is_err());
    }
}
