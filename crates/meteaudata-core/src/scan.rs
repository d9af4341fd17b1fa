//! Lazy scans of a stored series: a polars [`LazyFrame`] over its chunks, each read through
//! its backend (and its checksum verified) only when the plan runs, and only when its labels
//! meet the range asked for.

use std::any::Any;
use std::sync::Arc;

use polars::prelude::*;

use crate::slot::{StoredChunk, StoredCopy, between};

/// One stored chunk as a polars scan source.
struct ChunkScan {
    stored: StoredCopy,
    chunk: StoredChunk,
    range: Option<(i64, i64)>,
}

impl AnonymousScan for ChunkScan {
    fn as_any(&self) -> &dyn Any {
        self
    }

    fn scan(&self, args: AnonymousScanArgs) -> PolarsResult<DataFrame> {
        let fail = |e: crate::Error| polars_err!(ComputeError: "{e}");
        let mut frame = self.stored.load(&self.chunk).map_err(fail)?;
        if let Some((start, end)) = self.range {
            frame = between(&frame, start, end).map_err(fail)?;
        }
        if let Some(columns) = &args.with_columns {
            frame = frame.select(columns.iter().cloned())?;
        }
        if let Some(n) = args.n_rows {
            frame = frame.head(Some(n));
        }
        Ok(frame)
    }

    fn allows_projection_pushdown(&self) -> bool {
        true
    }
}

/// A scan of one stored chunk, restricted to `range` (ticks) when given.
pub(crate) fn chunk(
    stored: &StoredCopy,
    chunk: &StoredChunk,
    range: Option<(i64, i64)>,
    schema: &SchemaRef,
) -> crate::Result<LazyFrame> {
    let source = ChunkScan {
        stored: stored.clone(),
        chunk: chunk.clone(),
        range,
    };
    Ok(LazyFrame::anonymous_scan(
        Arc::new(source),
        ScanArgsAnonymous {
            schema: Some(schema.clone()),
            name: "meteaudata chunk",
            ..ScanArgsAnonymous::default()
        },
    )?)
}

/// The parts of a series one after the other (`empty` when there are none).
pub(crate) fn concatenated(parts: Vec<LazyFrame>, empty: DataFrame) -> crate::Result<LazyFrame> {
    if parts.is_empty() {
        return Ok(empty.lazy());
    }
    Ok(concat(
        parts,
        UnionArgs {
            parallel: false,
            rechunk: false,
            ..UnionArgs::default()
        },
    )?)
}
