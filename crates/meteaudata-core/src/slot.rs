//! The data of one series next to its store: resident in memory, stored as chunks, or both.
//!
//! A stored series is a list of chunks (immutable objects of at most
//! [`CHUNK_ROWS`] consecutive points, each with its checksum, size and smallest and largest
//! index label). Range reads load only the chunks they need. An edit (append, update or
//! delete of a range, compaction) turns the series into a list of parts: stored chunks it
//! did not touch, and new points in memory where it did; the next save writes only the new
//! parts, as new chunks.

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

    /// One chunk, its checksum verified.
    pub(crate) fn load(&self, chunk: &StoredChunk) -> Result<DataFrame> {
        Ok(self
            .backend
            .load_object(&chunk.key, chunk.checksum.as_deref())?
            .frame)
    }

    /// Every chunk, in order, as one frame (read in parallel where the backend gains from it).
    fn load_all(&self) -> Result<DataFrame> {
        let concurrent = self.backend.capabilities().concurrent_calls;
        let mut frames = each(concurrent, &self.chunks, |c| self.load(c))?.into_iter();
        let mut frame = frames
            .next()
            .ok_or_else(|| Error::NotAllowed("a stored series without chunks".into()))?;
        for next in frames {
            frame.vstack_mut_owned(next)?;
        }
        Ok(frame)
    }
}

/// Writes `frame` as new chunks of at most [`CHUNK_ROWS`] points, each under the key
/// `next_key` gives, with `metadata`; returns them in order. The chunks are encoded and
/// written in parallel where the backend gains from it.
pub(crate) fn write_chunks(
    backend: &dyn StorageBackend,
    frame: &DataFrame,
    metadata: &str,
    mut next_key: impl FnMut() -> Result<StorageKey>,
) -> Result<Vec<StoredChunk>> {
    let count = frame.height().div_ceil(CHUNK_ROWS).max(1);
    let pieces = (0..count)
        .map(|i| {
            Ok((
                next_key()?,
                frame.slice((i * CHUNK_ROWS) as i64, CHUNK_ROWS),
            ))
        })
        .collect::<Result<Vec<_>>>()?;
    each(
        backend.capabilities().concurrent_calls,
        &pieces,
        |(key, piece)| {
            let data = SeriesData {
                frame: piece.clone(),
                metadata: metadata.to_owned(),
            };
            let checksum = backend.save_object(key, &data)?;
            Ok(StoredChunk {
                key: key.clone(),
                checksum,
                rows: Some(piece.height()),
                bounds: tick_bounds(piece)?,
            })
        },
    )
}

/// `f` of every item, in order: on up to four threads when `concurrent` (and there is more
/// than one item), else one after the other. Each thread takes the next item not yet taken,
/// so a thread slowed by the machine takes fewer (splitting the items in fixed shares left
/// one thread idle for up to a quarter of a read). The first error (in item order) is
/// returned.
fn each<T: Sync, R: Send>(
    concurrent: bool,
    items: &[T],
    f: impl Fn(&T) -> Result<R> + Sync,
) -> Result<Vec<R>> {
    let threads = std::thread::available_parallelism()
        .map_or(1, usize::from)
        .min(4)
        .min(items.len());
    if !concurrent || threads < 2 {
        return items.iter().map(f).collect();
    }
    let next = std::sync::atomic::AtomicUsize::new(0);
    let mut results: Vec<(usize, Result<R>)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                let (f, next) = (&f, &next);
                scope.spawn(move || {
                    std::iter::from_fn(|| {
                        let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        items.get(i).map(|item| (i, f(item)))
                    })
                    .collect::<Vec<_>>()
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
            .collect()
    });
    results.sort_by_key(|(i, _)| *i);
    results.into_iter().map(|(_, r)| r).collect()
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
pub(crate) fn between(frame: &DataFrame, start: i64, end: i64) -> Result<DataFrame> {
    let labels = ticks(frame)?.ok_or_else(|| {
        Error::NotAllowed("range reads need an integer, datetime or duration index".into())
    })?;
    let mask = labels.gt_eq(start) & labels.lt(end);
    Ok(frame.filter(&mask)?)
}

/// `frame` without the rows whose label is in `[start, end)`: the rows before, the rows
/// after.
fn split_around(frame: &DataFrame, start: i64, end: i64) -> Result<(DataFrame, DataFrame)> {
    Ok((
        between(frame, i64::MIN, start)?,
        between(frame, end, i64::MAX)?,
    ))
}

/// Appends `next` to an optional frame.
fn stack(acc: &mut Option<DataFrame>, next: DataFrame) -> Result<()> {
    match acc.as_mut() {
        Some(frame) => {
            frame.vstack_mut_owned(next)?;
        }
        None => *acc = Some(next),
    }
    Ok(())
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

/// One part of an edited series: a stored chunk kept as it is, or points in memory.
#[derive(Debug, Clone)]
enum Part {
    Stored(StoredChunk),
    New(DataFrame),
}

impl Part {
    /// Its points, if known without reading.
    fn rows(&self) -> Option<usize> {
        match self {
            Part::Stored(chunk) => chunk.rows,
            Part::New(frame) => Some(frame.height()),
        }
    }

    /// Whether it is smaller than a full chunk (or of unknown size), so worth merging.
    fn is_small(&self) -> bool {
        self.rows().is_none_or(|r| r < CHUNK_ROWS)
    }

    fn load(&self, stored: &StoredCopy) -> Result<DataFrame> {
        match self {
            Part::Stored(chunk) => stored.load(chunk),
            Part::New(frame) => Ok(frame.clone()),
        }
    }

    /// Its smallest and largest label, when known without reading.
    fn bounds(&self) -> Result<Option<(i64, i64)>> {
        match self {
            Part::Stored(chunk) => Ok(chunk.bounds),
            Part::New(frame) => tick_bounds(frame),
        }
    }

    /// Whether it may hold labels in `[start, end)`, given its `bounds` (unknown bounds: it
    /// may, unless it is known to be empty).
    fn may_meet(&self, bounds: Option<(i64, i64)>, start: i64, end: i64) -> bool {
        match bounds {
            Some((lo, hi)) => hi >= start && lo < end,
            None => self.rows() != Some(0),
        }
    }
}

#[derive(Debug)]
struct SlotState {
    /// The whole series in memory, when resident.
    frame: Option<DataFrame>,
    /// The stored chunks (as last saved or read).
    stored: Option<StoredCopy>,
    /// After an edit of a stored series: the series as parts (stored chunks and new points),
    /// of which the next save writes only the new ones.
    edits: Option<Vec<Part>>,
    /// The stored copy is out of date as a whole: the next save writes the whole series.
    dirty: bool,
    /// The series' record (name, history, index metadata…) changed since it was stored: the
    /// next save commits the new record; the stored chunks stay valid.
    changed: bool,
}

impl SlotState {
    /// Whether the stored chunks are in `backend` and can be kept by the next save there.
    fn kept_in(&self, backend: &Arc<dyn StorageBackend>) -> bool {
        !self.dirty
            && self
                .stored
                .as_ref()
                .is_some_and(|copy| Arc::ptr_eq(&copy.backend, backend))
    }

    /// Whether edits can be recorded as parts (otherwise the frame in memory is the series).
    fn edits_parts(&self) -> bool {
        !self.dirty && self.stored.is_some()
    }

    /// The series as parts: the edits, or the stored chunks.
    fn parts(&self) -> Vec<Part> {
        match (&self.edits, &self.stored) {
            (Some(parts), _) => parts.clone(),
            (None, Some(stored)) => stored.chunks.iter().cloned().map(Part::Stored).collect(),
            (None, None) => Vec::new(),
        }
    }
}

/// What an edit of a range removed: how many points, and their smallest and largest label.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Removed {
    pub(crate) rows: usize,
    pub(crate) bounds: Option<(i64, i64)>,
}

impl Removed {
    fn add(&mut self, frame: &DataFrame, start: i64, end: i64) -> Result<()> {
        let inside = between(frame, start, end)?;
        self.rows += inside.height();
        if let Some((lo, hi)) = tick_bounds(&inside)? {
            self.bounds = Some(match self.bounds {
                Some((a, b)) => (a.min(lo), b.max(hi)),
                None => (lo, hi),
            });
        }
        Ok(())
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
                edits: None,
                dirty: true,
                changed: true,
            }),
        })
    }

    pub(crate) fn stored(stored: StoredCopy) -> Arc<DataSlot> {
        Arc::new(DataSlot {
            state: Mutex::new(SlotState {
                frame: None,
                stored: Some(stored),
                edits: None,
                dirty: false,
                changed: false,
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
                edits: state.edits.clone(),
                dirty: state.dirty,
                changed: state.changed,
            }),
        })
    }

    /// The stored copy the parts of a released series are read through.
    fn released(state: &SlotState) -> Result<StoredCopy> {
        state
            .stored
            .clone()
            .ok_or_else(|| Error::NotAllowed("series data is neither in memory nor stored".into()))
    }

    /// The data, read from the store when it was released.
    pub(crate) fn frame(self: &Arc<DataSlot>) -> Result<DataFrame> {
        let mut state = self.lock();
        if let Some(frame) = &state.frame {
            return Ok(frame.clone());
        }
        let stored = Self::released(&state)?;
        let frame = match &state.edits {
            Some(parts) => {
                let mut whole = None;
                for part in parts {
                    stack(&mut whole, part.load(&stored)?)?;
                }
                whole.ok_or_else(|| Error::NotAllowed("an edited series without parts".into()))?
            }
            None => stored.load_all()?,
        };
        state.frame = Some(frame.clone());
        drop(state);
        if let Some(budget) = &stored.budget {
            budget.note(self, frame.estimated_size());
        }
        Ok(frame)
    }

    /// Part of the data, reading only the stored chunks it needs (the data stays released);
    /// `empty` is a frame of the series' schema with no rows.
    pub(crate) fn read(
        self: &Arc<DataSlot>,
        select: Select,
        empty: DataFrame,
    ) -> Result<DataFrame> {
        let state = self.lock();
        if let Some(frame) = &state.frame {
            return select.apply(frame);
        }
        let stored = Self::released(&state)?;
        let parts = state.parts();
        drop(state);
        let mut out = empty;
        match select {
            Select::Rows { offset, len } if parts.iter().all(|p| p.rows().is_some()) => {
                let end = offset.saturating_add(len);
                let mut at = 0;
                for part in &parts {
                    let rows = part.rows().unwrap_or_default();
                    if at < end && at + rows > offset {
                        let from = offset.saturating_sub(at);
                        let frame = part.load(&stored)?;
                        out.vstack_mut_owned(frame.slice(from as i64, end - at - from))?;
                    }
                    at += rows;
                }
            }
            Select::Ticks { start, end } => {
                for part in &parts {
                    if part.may_meet(part.bounds()?, start, end) {
                        out.vstack_mut_owned(between(&part.load(&stored)?, start, end)?)?;
                    }
                }
            }
            Select::Rows { .. } => out = select.apply(&self.frame()?)?,
        }
        Ok(out)
    }

    /// A lazy scan of the data (restricted to labels in `range`, in ticks, when given): the
    /// resident frame, or the parts one after the other, stored chunks read only when the
    /// plan runs and only when they meet the range. `empty` gives the schema.
    pub(crate) fn scan(&self, range: Option<(i64, i64)>, empty: DataFrame) -> Result<LazyFrame> {
        let state = self.lock();
        if let Some(frame) = &state.frame {
            let frame = match range {
                Some((start, end)) => between(frame, start, end)?,
                None => frame.clone(),
            };
            return Ok(frame.lazy());
        }
        let stored = Self::released(&state)?;
        let parts = state.parts();
        drop(state);
        let schema = empty.schema().clone();
        let mut scans = Vec::with_capacity(parts.len());
        for part in &parts {
            if let Some((start, end)) = range
                && !part.may_meet(part.bounds()?, start, end)
            {
                continue;
            }
            scans.push(match part {
                Part::Stored(chunk) => crate::scan::chunk(&stored, chunk, range, &schema)?,
                Part::New(frame) => match range {
                    Some((start, end)) => between(frame, start, end)?.lazy(),
                    None => frame.clone().lazy(),
                },
            });
        }
        crate::scan::concatenated(scans, empty)
    }

    /// The smallest and largest label in ticks, reading only what the chunk bounds do not
    /// tell (`None`: no points, or not an integer-backed index).
    pub(crate) fn tick_bounds(self: &Arc<DataSlot>) -> Result<Option<(i64, i64)>> {
        let state = self.lock();
        if state.frame.is_none() && state.stored.is_some() {
            let parts = state.parts();
            let mut bounds: Option<(i64, i64)> = None;
            let mut known = true;
            for part in &parts {
                match part.bounds()? {
                    Some((lo, hi)) => {
                        bounds = Some(bounds.map_or((lo, hi), |(a, b)| (a.min(lo), b.max(hi))));
                    }
                    None if part.rows() == Some(0) => {}
                    None => known = false,
                }
            }
            if known {
                return Ok(bounds);
            }
        }
        drop(state);
        tick_bounds(&self.frame()?)
    }

    /// The largest label in ticks (see [`DataSlot::tick_bounds`]).
    pub(crate) fn max_tick(self: &Arc<DataSlot>) -> Result<Option<i64>> {
        Ok(self.tick_bounds()?.map(|b| b.1))
    }

    /// Appends `rows` (same schema). On a stored series the rows become a new part that the
    /// next save writes alone; past [`AUTO_COMPACT_CHUNKS`] small parts at the end, those are
    /// merged (read back and rewritten as full-size chunks).
    pub(crate) fn append(self: &Arc<DataSlot>, rows: &DataFrame) -> Result<()> {
        if !self.lock().edits_parts() {
            self.frame()?;
        }
        let mut state = self.lock();
        if let Some(frame) = state.frame.as_mut() {
            frame.vstack_mut(rows)?;
        }
        if state.edits_parts() {
            let mut parts = state.parts();
            match parts.last_mut() {
                Some(Part::New(last)) => {
                    last.vstack_mut(rows)?;
                }
                _ => parts.push(Part::New(rows.clone())),
            }
            let small = parts.iter().rev().take_while(|p| p.is_small()).count();
            state.edits = Some(parts);
            if small > AUTO_COMPACT_CHUNKS {
                drop(state);
                self.compact()?;
            }
        }
        Ok(())
    }

    /// Removes the points whose label is in `[start, end)` and puts `replacement` (labels
    /// inside the range, increasing) in their place. On a stored series only the chunks that
    /// hold such points are read (and rewritten at the next save, less those points); chunks
    /// wholly inside the range are dropped unread. Returns what it removed.
    pub(crate) fn edit_range(
        self: &Arc<DataSlot>,
        start: i64,
        end: i64,
        replacement: Option<&DataFrame>,
    ) -> Result<Removed> {
        let mut removed = Removed::default();
        if !self.lock().edits_parts() {
            let frame = self.frame()?;
            removed.add(&frame, start, end)?;
            let (mut before, after) = split_around(&frame, start, end)?;
            if let Some(new) = replacement {
                before.vstack_mut(new)?;
            }
            before.vstack_mut_owned(after)?;
            self.lock().frame = Some(before);
            return Ok(removed);
        }
        let (parts, stored) = {
            let state = self.lock();
            (state.parts(), Self::released(&state)?)
        };
        let first = parts.first().cloned();
        let mut kept: Vec<Part> = Vec::with_capacity(parts.len() + 1);
        // The rows before and after the range of the parts that meet it, and the replacement.
        let (mut before, mut after): (Option<DataFrame>, Option<DataFrame>) = (None, None);
        let mut insert_at = None;
        for part in parts {
            let bounds = part.bounds()?;
            if !part.may_meet(bounds, start, end) {
                if insert_at.is_none() && bounds.is_some_and(|(lo, _)| lo >= end) {
                    insert_at = Some(kept.len());
                }
                kept.push(part);
                continue;
            }
            insert_at.get_or_insert(kept.len());
            if let (Part::Stored(chunk), Some((lo, hi))) = (&part, bounds)
                && lo >= start
                && hi < end
            {
                // Wholly inside the range: dropped without reading it.
                removed.rows += chunk.rows.unwrap_or_default();
                removed.bounds = Some(match removed.bounds {
                    Some((a, b)) => (a.min(lo), b.max(hi)),
                    None => (lo, hi),
                });
                continue;
            }
            let frame = part.load(&stored)?;
            removed.add(&frame, start, end)?;
            let (b, a) = split_around(&frame, start, end)?;
            stack(&mut before, b)?;
            stack(&mut after, a)?;
        }
        let mut merged = before;
        if let Some(new) = replacement {
            stack(&mut merged, new.clone())?;
        }
        if let Some(a) = after {
            stack(&mut merged, a)?;
        }
        match merged {
            Some(frame) if frame.height() > 0 || kept.is_empty() => {
                kept.insert(insert_at.unwrap_or(kept.len()), Part::New(frame));
            }
            None if kept.is_empty() => {
                // Every point went: an empty part keeps the columns and dtypes.
                if let Some(part) = first {
                    kept.push(Part::New(part.load(&stored)?.slice(0, 0)));
                }
            }
            _ => {}
        }
        let mut state = self.lock();
        if let Some(frame) = state.frame.take() {
            let (mut b, a) = split_around(&frame, start, end)?;
            if let Some(new) = replacement {
                b.vstack_mut(new)?;
            }
            b.vstack_mut_owned(a)?;
            state.frame = Some(b);
        }
        state.edits = Some(kept);
        Ok(removed)
    }

    /// Merges every run of adjacent small parts (chunks below [`CHUNK_ROWS`] points, new
    /// points) of a stored series into one, written at the next save as full-size chunks.
    /// Returns whether there was anything to merge.
    pub(crate) fn compact(self: &Arc<DataSlot>) -> Result<bool> {
        let (parts, stored) = {
            let state = self.lock();
            if !state.edits_parts() {
                return Ok(false);
            }
            (state.parts(), Self::released(&state)?)
        };
        let mut out: Vec<Part> = Vec::with_capacity(parts.len());
        let mut run: Vec<Part> = Vec::new();
        let mut merged_any = false;
        let mut flush = |run: &mut Vec<Part>, out: &mut Vec<Part>| -> Result<()> {
            if run.len() > 1 {
                let mut frame = None;
                for part in run.drain(..) {
                    stack(&mut frame, part.load(&stored)?)?;
                }
                out.extend(frame.map(Part::New));
                merged_any = true;
            } else {
                out.append(run);
            }
            Ok(())
        };
        for part in parts {
            if part.is_small() {
                run.push(part);
            } else {
                flush(&mut run, &mut out)?;
                out.push(part);
            }
        }
        flush(&mut run, &mut out)?;
        if merged_any {
            self.lock().edits = Some(out);
        }
        Ok(merged_any)
    }

    /// Where a series derived from this one can be written piece by piece: this series' store
    /// (its copy, for the backend and budget) and its dataset and signal, when the data is
    /// stored in a dataset and not in memory.
    pub(crate) fn streaming_target(&self) -> Option<(StoredCopy, String, String)> {
        let state = self.lock();
        if state.frame.is_some() || state.dirty || state.edits.is_some() {
            return None;
        }
        let stored = state.stored.clone()?;
        let key = &stored.chunks.first()?.key;
        match key.segments() {
            [dataset, signal, _] | [dataset, signal, _, _] => {
                let (dataset, signal) = (dataset.clone(), signal.clone());
                Some((stored, dataset, signal))
            }
            _ => None,
        }
    }

    /// The number of points (read only when some chunk does not record it).
    pub(crate) fn rows(self: &Arc<DataSlot>) -> Result<usize> {
        let known = {
            let state = self.lock();
            match &state.frame {
                Some(frame) => Some(frame.height()),
                None => state.parts().iter().map(Part::rows).sum(),
            }
        };
        match known {
            Some(rows) => Ok(rows),
            None => Ok(self.frame()?.height()),
        }
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

    /// Whether `backend` holds this series as it is now, data and record (no copy made).
    pub(crate) fn is_current_in(&self, backend: &Arc<dyn StorageBackend>) -> bool {
        let state = self.lock();
        state.kept_in(backend) && state.edits.is_none() && !state.changed
    }

    /// The stored copy, when its data is up to date and in `backend` (the record may have
    /// changed: a commit records the new one with the same chunks).
    pub(crate) fn current_copy_in(&self, backend: &Arc<dyn StorageBackend>) -> Option<StoredCopy> {
        let state = self.lock();
        (state.kept_in(backend) && state.edits.is_none())
            .then(|| state.stored.clone())
            .flatten()
    }

    /// Writes what a save to `backend` needs when the series was edited there: the new parts,
    /// as new chunks under the keys `next_key` gives; the stored chunks are kept. `None` when
    /// the whole series must be written instead.
    pub(crate) fn write_edits(
        &self,
        backend: &Arc<dyn StorageBackend>,
        metadata: &str,
        mut next_key: impl FnMut() -> Result<StorageKey>,
    ) -> Result<Option<StoredCopy>> {
        let (mut copy, parts) = {
            let state = self.lock();
            if !state.kept_in(backend) {
                return Ok(None);
            }
            match (&state.stored, &state.edits) {
                (Some(stored), Some(parts)) => (stored.clone(), parts.clone()),
                _ => return Ok(None),
            }
        };
        copy.chunks.clear();
        for part in parts {
            match part {
                Part::Stored(chunk) => copy.chunks.push(chunk),
                Part::New(frame) => {
                    copy.chunks
                        .extend(write_chunks(&**backend, &frame, metadata, &mut next_key)?);
                }
            }
        }
        Ok(Some(copy))
    }

    /// Whether the stored copy is missing or out of date, data or record.
    pub(crate) fn is_dirty(&self) -> bool {
        let state = self.lock();
        state.dirty || state.edits.is_some() || state.changed
    }

    /// The next save writes the whole data again.
    pub(crate) fn mark_dirty(&self) {
        let mut state = self.lock();
        state.dirty = true;
        state.changed = true;
    }

    /// The record changed (the data did not): the next save commits it.
    pub(crate) fn mark_changed(&self) {
        self.lock().changed = true;
    }

    /// Records that the data is now stored at `stored` and up to date there.
    pub(crate) fn mark_saved(self: &Arc<DataSlot>, stored: StoredCopy) {
        let budget = stored.budget.clone();
        let bytes = {
            let mut state = self.lock();
            state.stored = Some(stored);
            state.edits = None;
            state.dirty = false;
            state.changed = false;
            state.frame.as_ref().map_or(0, DataFrame::estimated_size)
        };
        if let Some(budget) = budget {
            budget.note(self, bytes);
        }
    }

    /// Drops the resident data if an up-to-date stored copy exists; returns the bytes freed.
    pub(crate) fn release(&self) -> usize {
        let mut state = self.lock();
        if state.dirty || state.stored.is_none() || state.edits.is_some() {
            return 0;
        }
        state.frame.take().map_or(0, |f| f.estimated_size())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_keeps_item_order_and_returns_the_first_error_in_item_order() {
        let items: Vec<usize> = (0..1000).collect();
        let doubled = each(true, &items, |&i| Ok(i * 2)).unwrap();
        assert_eq!(doubled, (0..1000).map(|i| i * 2).collect::<Vec<_>>());
        let failing = each(true, &items, |&i| match i {
            300 | 700 => Err(Error::NotAllowed(format!("item {i}"))),
            _ => Ok(i),
        });
        match failing {
            Err(Error::NotAllowed(what)) => assert_eq!(what, "item 300"),
            other => panic!("expected the error of item 300, got {other:?}"),
        }
        let serial = each(false, &items, |&i| Ok(i + 1)).unwrap();
        assert_eq!(serial, (1..=1000).collect::<Vec<_>>());
    }
}
