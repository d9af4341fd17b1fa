//! The data of one series next to its store: resident in memory, stored as chunks, or both.
//!
//! A stored series is a list of chunks (immutable objects of at most
//! [`CHUNK_ROWS`] consecutive points, each with its checksum, size and smallest and largest
//! index label). Range reads load only the chunks they need; appended points wait in a
//! pending tail, and the next save writes only them as new chunks.

use std::sync::{Arc, Mutex, MutexGuard};

use meteaudata_storage::versions::{CHUNK_ROWS, Chunk};
use meteaudata_storage::{SeriesData, StorageBackend, StorageKey};
use polars::prelude::*;

use crate::error::{Error, Result};
use crate::storage::{Attachment, MemoryBudget};
use crate::time_series::INDEX_COLUMN;

/// Past this many chunks smaller than [`CHUNK_ROWS`] at the end of a series, an append
/// rewrites them as full-size chunks.
pub(crate) const AUTO_COMPACT_CHUNKS: usize = 16;

/// One stored chunk of a series.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct StoredChunk {
    pub(crate) key: StorageKey,
    /// The checksum its version recorded, verified when the chunk is read.
    pub(crate) checksum: Option<String>,
    /// Its points (unknown for objects written before chunks).
    pub(crate) rows: Option<usize>,
    /// Its smallest and largest index label in integer ticks (integer-backed indexes).
    pub(crate) bounds: Option<(i64, i64)>,
}

impl StoredChunk {
    /// The chunk a manifest describes.
    pub(crate) fn from_manifest(chunk: &Chunk) -> Result<StoredChunk> {
        Ok(StoredChunk {
            key: StorageKey::parse(&chunk.object)?,
            checksum: chunk.checksum.clone(),
            rows: chunk.rows.map(|r| r as usize),
            bounds: chunk.bounds,
        })
    }

    /// Its manifest entry.
    pub(crate) fn to_manifest(&self) -> Chunk {
        Chunk {
            object: self.key.to_string(),
            checksum: self.checksum.clone(),
            rows: self.rows.map(|r| r as u64),
            bounds: self.bounds,
        }
    }

    /// Whether the chunk may hold labels in `[start, end)` (unknown bounds: it may).
    fn may_hold(&self, start: i64, end: i64) -> bool {
        self.bounds.is_none_or(|(lo, hi)| hi >= start && lo < end)
    }
}

/// Where an up-to-date copy of a series is stored: its chunks in one backend.
#[derive(Debug, Clone)]
pub(crate) struct StoredCopy {
    pub(crate) backend: Arc<dyn StorageBackend>,
    pub(crate) chunks: Vec<StoredChunk>,
    pub(crate) budget: Option<Arc<MemoryBudget>>,
}

impl StoredCopy {
    /// A copy made of `chunks` through `attachment` (whose budget applies when it releases
    /// memory).
    pub(crate) fn new(attachment: &Attachment, chunks: Vec<StoredChunk>) -> Self {
        StoredCopy {
            backend: attachment.backend.clone(),
            chunks,
            budget: attachment
                .releases_memory()
                .then(|| attachment.budget.clone()),
        }
    }

    /// A copy in one object at `key`, unversioned (a free-standing series).
    pub(crate) fn whole(attachment: &Attachment, key: StorageKey) -> Self {
        StoredCopy::new(
            attachment,
            vec![StoredChunk {
                key,
                checksum: None,
                rows: None,
                bounds: None,
            }],
        )
    }

    /// The chunks as a manifest lists them.
    pub(crate) fn manifest_chunks(&self) -> Vec<Chunk> {
        self.chunks.iter().map(StoredChunk::to_manifest).collect()
    }

    fn load(&self, chunk: &StoredChunk) -> Result<DataFrame> {
        Ok(self
            .backend
            .load_object(&chunk.key, chunk.checksum.as_deref())?
            .frame)
    }

    /// Every chunk, in order, as one frame.
    fn load_all(&self) -> Result<DataFrame> {
        let mut frames = self.chunks.iter().map(|c| self.load(c));
        let mut frame = frames
            .next()
            .transpose()?
            .ok_or_else(|| Error::NotAllowed("a stored series without chunks".into()))?;
        for next in frames {
            frame.vstack_mut_owned(next?)?;
        }
        Ok(frame)
    }
}

/// Writes `frame` as new chunks of at most [`CHUNK_ROWS`] points, each under the key
/// `next_key` gives, with `metadata`; returns them in order.
pub(crate) fn write_chunks(
    backend: &dyn StorageBackend,
    frame: &DataFrame,
    metadata: &str,
    mut next_key: impl FnMut() -> Result<StorageKey>,
) -> Result<Vec<StoredChunk>> {
    let mut chunks = Vec::with_capacity(frame.height().div_ceil(CHUNK_ROWS).max(1));
    let mut offset = 0;
    loop {
        let piece = frame.slice(offset as i64, CHUNK_ROWS);
        let key = next_key()?;
        let data = SeriesData {
            frame: piece,
            metadata: metadata.to_owned(),
        };
        let checksum = backend.save_object(&key, &data)?;
        chunks.push(StoredChunk {
            key,
            checksum,
            rows: Some(data.frame.height()),
            bounds: tick_bounds(&data.frame)?,
        });
        offset += CHUNK_ROWS;
        if offset >= frame.height() {
            return Ok(chunks);
        }
    }
}

/// The index labels of `frame` as integer ticks, when the index is integer-backed
/// (integers, datetimes, durations).
pub(crate) fn ticks(frame: &DataFrame) -> Result<Option<Int64Chunked>> {
    let index = frame.column(INDEX_COLUMN)?.as_materialized_series();
    if !matches!(
        index.dtype(),
        DataType::Int64 | DataType::Datetime(..) | DataType::Duration(..)
    ) {
        return Ok(None);
    }
    Ok(Some(index.to_physical_repr().i64()?.clone()))
}

/// The smallest and largest label of `frame` in ticks (`None`: empty, or not integer-backed).
fn tick_bounds(frame: &DataFrame) -> Result<Option<(i64, i64)>> {
    Ok(ticks(frame)?.and_then(|t| Some((t.min()?, t.max()?))))
}

/// The rows of `frame` whose label is in `[start, end)` ticks.
fn between(frame: &DataFrame, start: i64, end: i64) -> Result<DataFrame> {
    let labels = ticks(frame)?.ok_or_else(|| {
        Error::NotAllowed("range reads need an integer, datetime or duration index".into())
    })?;
    let mask = labels.gt_eq(start) & labels.lt(end);
    Ok(frame.filter(&mask)?)
}

/// The rows of `frame` whose label is below `cut` ticks.
fn before(frame: &DataFrame, cut: i64) -> Result<DataFrame> {
    between(frame, i64::MIN, cut)
}

/// Which part of a series to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Select {
    /// Points `offset .. offset + len` (clipped).
    Rows { offset: usize, len: usize },
    /// Points whose label is in `[start, end)`, in integer ticks.
    Ticks { start: i64, end: i64 },
}

impl Select {
    fn apply(self, frame: &DataFrame) -> Result<DataFrame> {
        match self {
            Select::Rows { offset, len } => Ok(frame.slice(offset as i64, len)),
            Select::Ticks { start, end } => between(frame, start, end),
        }
    }
}

#[derive(Debug)]
struct SlotState {
    /// The whole series in memory, when resident.
    frame: Option<DataFrame>,
    /// The stored chunks.
    stored: Option<StoredCopy>,
    /// Points appended after the stored chunks, not stored yet (always resident).
    pending: Option<DataFrame>,
    /// The stored copy (plus pending points) is out of date: the next save writes the whole
    /// series.
    dirty: bool,
}

impl SlotState {
    /// Whether only the pending tail needs writing to be up to date in `backend`.
    fn tail_in(&self, backend: &Arc<dyn StorageBackend>) -> bool {
        !self.dirty
            && self
                .stored
                .as_ref()
                .is_some_and(|copy| Arc::ptr_eq(&copy.backend, backend))
    }
}

/// The data of one series: resident, stored, or both.
#[derive(Debug)]
pub(crate) struct DataSlot {
    state: Mutex<SlotState>,
}

impl DataSlot {
    pub(crate) fn resident(frame: DataFrame) -> Arc<DataSlot> {
        Arc::new(DataSlot {
            state: Mutex::new(SlotState {
                frame: Some(frame),
                stored: None,
                pending: None,
                dirty: true,
            }),
        })
    }

    pub(crate) fn stored(stored: StoredCopy) -> Arc<DataSlot> {
        Arc::new(DataSlot {
            state: Mutex::new(SlotState {
                frame: None,
                stored: Some(stored),
                pending: None,
                dirty: false,
            }),
        })
    }

    fn lock(&self) -> MutexGuard<'_, SlotState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// An independent copy (same data buffers, own state), for `Clone`.
    pub(crate) fn duplicate(&self) -> Arc<DataSlot> {
        let state = self.lock();
        Arc::new(DataSlot {
            state: Mutex::new(SlotState {
                frame: state.frame.clone(),
                stored: state.stored.clone(),
                pending: state.pending.clone(),
                dirty: state.dirty,
            }),
        })
    }

    /// The data, read from the store when it was released.
    pub(crate) fn frame(self: &Arc<DataSlot>) -> Result<DataFrame> {
        let mut state = self.lock();
        if let Some(frame) = &state.frame {
            return Ok(frame.clone());
        }
        let stored = state.stored.clone().ok_or_else(|| {
            Error::NotAllowed("series data is neither in memory nor stored".into())
        })?;
        let mut frame = stored.load_all()?;
        if let Some(pending) = &state.pending {
            frame.vstack_mut(pending)?;
        }
        state.frame = Some(frame.clone());
        drop(state);
        if let Some(budget) = &stored.budget {
            budget.note(self, frame.estimated_size());
        }
        Ok(frame)
    }

    /// Part of the data, reading only the stored chunks it needs (the data stays released);
    /// `empty` is a frame of the series' schema with no rows.
    pub(crate) fn read(&self, select: Select, empty: DataFrame) -> Result<DataFrame> {
        let state = self.lock();
        if let Some(frame) = &state.frame {
            return select.apply(frame);
        }
        let stored = state.stored.clone().ok_or_else(|| {
            Error::NotAllowed("series data is neither in memory nor stored".into())
        })?;
        let pending = state.pending.clone();
        drop(state);
        let mut out = empty;
        match select {
            Select::Rows { offset, len } if stored.chunks.iter().all(|c| c.rows.is_some()) => {
                let end = offset.saturating_add(len);
                let mut at = 0;
                for chunk in &stored.chunks {
                    let rows = chunk.rows.unwrap_or_default();
                    if at < end && at + rows > offset {
                        let frame = stored.load(chunk)?;
                        let from = offset.saturating_sub(at);
                        out.vstack_mut_owned(frame.slice(from as i64, end - at - from))?;
                    }
                    at += rows;
                }
                if let Some(pending) = pending.filter(|_| at < end) {
                    let from = offset.saturating_sub(at);
                    out.vstack_mut_owned(pending.slice(from as i64, end - at - from))?;
                }
            }
            Select::Ticks { start, end } => {
                for chunk in stored.chunks.iter().filter(|c| c.may_hold(start, end)) {
                    out.vstack_mut_owned(between(&stored.load(chunk)?, start, end)?)?;
                }
                if let Some(pending) = pending {
                    out.vstack_mut_owned(between(&pending, start, end)?)?;
                }
            }
            Select::Rows { .. } => {
                let mut all = stored.load_all()?;
                if let Some(pending) = pending {
                    all.vstack_mut_owned(pending)?;
                }
                out = select.apply(&all)?;
            }
        }
        Ok(out)
    }

    /// The largest label in ticks, reading at most what the chunk bounds do not tell
    /// (`None`: no points, or not an integer-backed index).
    pub(crate) fn max_tick(self: &Arc<DataSlot>) -> Result<Option<i64>> {
        let state = self.lock();
        let known = match (&state.frame, &state.stored) {
            (None, Some(stored))
                if stored
                    .chunks
                    .iter()
                    .all(|c| c.rows == Some(0) || c.bounds.is_some()) =>
            {
                let chunks = stored.chunks.iter().filter_map(|c| c.bounds.map(|b| b.1));
                let pending = match &state.pending {
                    Some(p) => tick_bounds(p)?.map(|b| b.1),
                    None => None,
                };
                Some(chunks.chain(pending).max())
            }
            _ => None,
        };
        drop(state);
        match known {
            Some(max) => Ok(max),
            None => Ok(tick_bounds(&self.frame()?)?.map(|b| b.1)),
        }
    }

    /// Appends `rows` (same schema). On a stored series the rows wait as a pending tail that
    /// the next save writes alone; past [`AUTO_COMPACT_CHUNKS`] small chunks at the end,
    /// those are read back to be rewritten as full-size chunks with it.
    pub(crate) fn append(self: &Arc<DataSlot>, rows: &DataFrame) -> Result<()> {
        let tail_only = {
            let state = self.lock();
            !state.dirty && state.stored.is_some()
        };
        if !tail_only {
            self.frame()?;
        }
        let mut state = self.lock();
        if let Some(frame) = state.frame.as_mut() {
            frame.vstack_mut(rows)?;
        }
        if tail_only {
            match state.pending.as_mut() {
                Some(pending) => {
                    pending.vstack_mut(rows)?;
                }
                None => state.pending = Some(rows.clone()),
            }
            let small = state.stored.as_ref().map_or(0, |s| {
                s.chunks
                    .iter()
                    .rev()
                    .take_while(|c| c.rows.is_some_and(|r| r < CHUNK_ROWS))
                    .count()
            });
            if small > AUTO_COMPACT_CHUNKS {
                drop(state);
                self.compact()?;
            }
        }
        Ok(())
    }

    /// Drops every point whose label is at or after `cut` ticks, reading back only the
    /// stored chunks that hold such points (they are rewritten with the pending tail).
    /// Returns how many points it dropped.
    pub(crate) fn truncate_from(self: &Arc<DataSlot>, cut: i64) -> Result<usize> {
        let first = {
            let state = self.lock();
            match (&state.stored, state.dirty) {
                (Some(stored), false) => Some(
                    stored
                        .chunks
                        .iter()
                        .position(|c| c.bounds.is_none_or(|(_, hi)| hi >= cut))
                        .unwrap_or(stored.chunks.len()),
                ),
                _ => None,
            }
        };
        match first {
            Some(first) => self.reopen_tail(first, Some(cut)),
            None => {
                let frame = self.frame()?;
                let kept = before(&frame, cut)?;
                let dropped = frame.height() - kept.height();
                self.lock().frame = Some(kept);
                Ok(dropped)
            }
        }
    }

    /// Rewrites the small chunks at the end of a stored series (and its pending tail) as
    /// full-size chunks at the next save. Returns whether there was anything to merge.
    pub(crate) fn compact(self: &Arc<DataSlot>) -> Result<bool> {
        let first = {
            let state = self.lock();
            match (&state.stored, state.dirty) {
                (Some(stored), false) => {
                    let chunks = &stored.chunks;
                    let first = chunks
                        .iter()
                        .position(|c| c.rows.is_none_or(|r| r < CHUNK_ROWS))
                        .unwrap_or(chunks.len());
                    let parts = chunks.len() - first + usize::from(state.pending.is_some());
                    (parts > 1).then_some(first)
                }
                _ => None,
            }
        };
        match first {
            Some(first) => self.reopen_tail(first, None).map(|_| true),
            None => Ok(false),
        }
    }

    /// Moves the stored chunks from `first` on into the pending tail (read back), keeping
    /// only labels below `cut` when given. Returns how many points it dropped.
    fn reopen_tail(self: &Arc<DataSlot>, first: usize, cut: Option<i64>) -> Result<usize> {
        let (stored, pending) = {
            let state = self.lock();
            (state.stored.clone(), state.pending.clone())
        };
        let mut stored = stored.ok_or_else(|| Error::NotAllowed("not stored".into()))?;
        let mut tail: Option<DataFrame> = None;
        for chunk in stored.chunks.drain(first..).collect::<Vec<_>>() {
            let frame = stored.load(&chunk)?;
            match tail.as_mut() {
                Some(t) => {
                    t.vstack_mut_owned(frame)?;
                }
                None => tail = Some(frame),
            }
        }
        if let Some(pending) = pending {
            match tail.as_mut() {
                Some(t) => {
                    t.vstack_mut_owned(pending)?;
                }
                None => tail = Some(pending),
            }
        }
        let mut dropped = 0;
        if let (Some(cut), Some(t)) = (cut, tail.as_mut()) {
            let kept = before(t, cut)?;
            dropped = t.height() - kept.height();
            *t = kept;
        }
        let mut state = self.lock();
        if let (Some(cut), Some(frame)) = (cut, state.frame.as_mut()) {
            *frame = before(frame, cut)?;
        }
        if stored.chunks.is_empty() {
            // Nothing stored is kept: the whole series is the tail, written anew.
            let whole = tail.unwrap_or_default();
            state.frame = Some(match state.frame.take() {
                Some(frame) => frame,
                None => whole,
            });
            state.pending = None;
            state.dirty = true;
        } else {
            state.pending = tail.filter(|t| t.height() > 0);
        }
        state.stored = Some(stored);
        Ok(dropped)
    }

    pub(crate) fn resident_bytes(&self) -> usize {
        self.lock()
            .frame
            .as_ref()
            .map_or(0, DataFrame::estimated_size)
    }

    pub(crate) fn is_resident(&self) -> bool {
        self.lock().frame.is_some()
    }

    /// The key of the first stored chunk (the only one of a free-standing series).
    pub(crate) fn stored_key(&self) -> Option<StorageKey> {
        self.lock()
            .stored
            .as_ref()
            .and_then(|s| s.chunks.first())
            .map(|c| c.key.clone())
    }

    /// Whether an up-to-date stored copy is in `backend` (no copy made).
    pub(crate) fn is_current_in(&self, backend: &Arc<dyn StorageBackend>) -> bool {
        let state = self.lock();
        state.tail_in(backend) && state.pending.is_none()
    }

    /// The stored copy, when it is up to date and in `backend`.
    pub(crate) fn current_copy_in(&self, backend: &Arc<dyn StorageBackend>) -> Option<StoredCopy> {
        let state = self.lock();
        (state.tail_in(backend) && state.pending.is_none())
            .then(|| state.stored.clone())
            .flatten()
    }

    /// The stored chunks in `backend` and the pending points after them, when writing those
    /// points is all a save needs.
    pub(crate) fn tail_to_write(
        &self,
        backend: &Arc<dyn StorageBackend>,
    ) -> Option<(StoredCopy, DataFrame)> {
        let state = self.lock();
        if !state.tail_in(backend) {
            return None;
        }
        Some((state.stored.clone()?, state.pending.clone()?))
    }

    /// Whether the stored copy is missing or out of date.
    pub(crate) fn is_dirty(&self) -> bool {
        let state = self.lock();
        state.dirty || state.pending.is_some()
    }

    pub(crate) fn mark_dirty(&self) {
        self.lock().dirty = true;
    }

    /// Records that the data is now stored at `stored` and up to date there.
    pub(crate) fn mark_saved(self: &Arc<DataSlot>, stored: StoredCopy) {
        let budget = stored.budget.clone();
        let bytes = {
            let mut state = self.lock();
            state.stored = Some(stored);
            state.pending = None;
            state.dirty = false;
            state.frame.as_ref().map_or(0, DataFrame::estimated_size)
        };
        if let Some(budget) = budget {
            budget.note(self, bytes);
        }
    }

    /// Drops the resident data if an up-to-date stored copy exists; returns the bytes freed.
    pub(crate) fn release(&self) -> usize {
        let mut state = self.lock();
        if state.dirty || state.stored.is_none() || state.pending.is_some() {
            return 0;
        }
        state.frame.take().map_or(0, |f| f.estimated_size())
    }
}
