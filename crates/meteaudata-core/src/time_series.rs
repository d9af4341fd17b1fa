//! A time series: an index, values, and the history of how they were made.

use std::sync::Arc;

use chrono::NaiveDateTime;
use meteaudata_storage::{SaveOptions, SeriesData, StorageError, StorageKey};
use polars::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::frequency::Frequency;
use crate::index::{IndexKind, IndexMetadata, unit_alias, unit_nanos};
use crate::label::{Label, Overlap, show_ticks};
use crate::name::TsName;
use crate::replay::{InputMark, RefreshEntry, ReplayRecord, ReplayState, Revision};
use crate::slot::{Select, ticks, write_chunks};
use crate::step::ProcessingStep;
use crate::storage::{
    Attachment, DataSlot, FORMAT_VERSION, SeriesRecord, Storable, StoredCopy, from_json, to_json,
};
use crate::time::now;
use meteaudata_storage::versions::new_object_key;
use meteaudata_storage::{dtype_code, parse_dtype_code};

/// The name of the index column in [`TimeSeries::data`].
pub const INDEX_COLUMN: &str = "index";
/// The name of the values column in [`TimeSeries::data`].
pub const VALUES_COLUMN: &str = "values";

const SUPPORTED_VALUES: &str = "float64, int64, bool, string, datetime";

/// A named series of values over an index, with its processing history.
///
/// The data is a polars [`DataFrame`] with two columns, [`INDEX_COLUMN`] and [`VALUES_COLUMN`].
/// Missing values are nulls: a NaN given in float values is stored as a null. Index labels may
/// not be null.
///
/// Once saved to a persistent backend the data may be released from memory (see
/// [`StorageConfig::memory_budget`](meteaudata_storage::StorageConfig::memory_budget)); the
/// accessors [`data`](TimeSeries::data), [`index`](TimeSeries::index) and
/// [`values`](TimeSeries::values) then read it back transparently, which is why they return a
/// `Result`. The returned frames and series share their buffers (cloning them is cheap).
#[derive(Debug)]
pub struct TimeSeries {
    name: String,
    slot: Arc<DataSlot>,
    len: usize,
    index_dtype: DataType,
    values_dtype: DataType,
    range: Option<(i64, i64)>,
    frequency: Option<Frequency>,
    index_name: Option<String>,
    processing_steps: Vec<ProcessingStep>,
    metadata_id: Option<String>,
    created_on: NaiveDateTime,
    storage: Option<Attachment>,
    replay: ReplayRecord,
    verdict: Option<ReplayState>,
}

impl Clone for TimeSeries {
    /// An independent copy: same data buffers and stored copy, its own residency.
    fn clone(&self) -> TimeSeries {
        TimeSeries {
            name: self.name.clone(),
            slot: self.slot.duplicate(),
            len: self.len,
            index_dtype: self.index_dtype.clone(),
            values_dtype: self.values_dtype.clone(),
            range: self.range,
            frequency: self.frequency,
            index_name: self.index_name.clone(),
            processing_steps: self.processing_steps.clone(),
            metadata_id: self.metadata_id.clone(),
            created_on: self.created_on,
            storage: self.storage.clone(),
            replay: self.replay.clone(),
            verdict: self.verdict,
        }
    }
}

impl TimeSeries {
    /// Builds a time series from an index and values of equal length.
    ///
    /// Integer types are widened to int64 and float32 to float64. A regular datetime or
    /// duration index gets its frequency inferred (see [`TimeSeries::frequency`]).
    pub fn new(name: impl Into<String>, index: Series, values: Series) -> Result<TimeSeries> {
        let name = name.into();
        TsName::parse(&name)?;
        if index.len() != values.len() {
            return Err(Error::InvalidArgument(format!(
                "time series {name:?}: the index has {} labels but there are {} values",
                index.len(),
                values.len()
            )));
        }
        let index = normalize_index(index, &name)?;
        let values = normalize_values(values)?;
        let frequency = infer_frequency(&index);
        let data = DataFrame::new(index.len(), vec![index.into(), values.into()])?;
        Ok(TimeSeries::from_checked(name, data, None, frequency))
    }

    /// A series over a checked frame.
    fn from_checked(
        name: String,
        data: DataFrame,
        range: Option<(i64, i64)>,
        frequency: Option<Frequency>,
    ) -> TimeSeries {
        let dtypes = data.dtypes();
        TimeSeries {
            name,
            len: data.height(),
            index_dtype: dtypes[0].clone(),
            values_dtype: dtypes[1].clone(),
            slot: DataSlot::resident(data),
            range,
            frequency,
            index_name: None,
            processing_steps: Vec::new(),
            metadata_id: None,
            created_on: now(),
            storage: None,
            replay: ReplayRecord::fresh(),
            verdict: None,
        }
    }

    /// Builds a time series from two columns of a polars [`DataFrame`]: the labels in
    /// `index` and the values in `values` (normalised as in [`TimeSeries::new`]). A missing
    /// column is an error naming it and the columns there are.
    ///
    /// ```
    /// # use meteaudata_core::{TimeSeries, date_range};
    /// # use polars::prelude::*;
    /// let frame = df!("time" => date_range("2024-01-01", 3, "h")?, "flow" => [1.0, 2.0, 3.0])?;
    /// let ts = TimeSeries::from_frame("RAW", &frame, "time", "flow")?;
    /// assert_eq!(ts.len(), 3);
    /// assert_eq!(ts.frequency().map(|f| f.to_string()).as_deref(), Some("h"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_frame(
        name: impl Into<String>,
        frame: &DataFrame,
        index: &str,
        values: &str,
    ) -> Result<TimeSeries> {
        let column = |wanted: &str| -> Result<Series> {
            frame
                .column(wanted)
                .map(|c| c.as_materialized_series().clone())
                .map_err(|_| {
                    let there: Vec<String> = frame
                        .get_column_names()
                        .iter()
                        .map(|c| c.to_string())
                        .collect();
                    Error::InvalidArgument(format!(
                        "the frame has no column {wanted:?}; its columns: {}",
                        there.join(", ")
                    ))
                })
        };
        TimeSeries::new(name, column(index)?, column(values)?)
    }

    /// Builds a time series over a range index `start, start + step, …` (pandas' `RangeIndex`).
    pub fn with_range_index(
        name: impl Into<String>,
        start: i64,
        step: i64,
        values: Series,
    ) -> Result<TimeSeries> {
        if step == 0 {
            return Err(Error::InvalidArgument(
                "a range index needs a non-zero step".into(),
            ));
        }
        let len = i64::try_from(values.len())
            .map_err(|_| Error::InvalidArgument("too many values for a range index".into()))?;
        let labels: Vec<i64> = (0..len).map(|i| start + i * step).collect();
        let mut ts = TimeSeries::new(name, Series::new(INDEX_COLUMN.into(), labels), values)?;
        ts.range = Some((start, step));
        Ok(ts)
    }

    /// A new time series named `name` with this one's index (kind, range and frequency kept)
    /// and other values. The history is empty.
    pub fn with_same_index(&self, name: impl Into<String>, values: Series) -> Result<TimeSeries> {
        let name = name.into();
        TsName::parse(&name)?;
        if values.len() != self.len() {
            return Err(Error::InvalidArgument(format!(
                "time series {name:?}: {} values for an index of {} labels",
                values.len(),
                self.len()
            )));
        }
        let values = normalize_values(values)?;
        let data = DataFrame::new(
            self.len(),
            vec![self.data()?.column(INDEX_COLUMN)?.clone(), values.into()],
        )?;
        Ok(TimeSeries::from_checked(
            name,
            data,
            self.range,
            self.frequency,
        ))
    }

    /// The points `offset .. offset + len` (clipped to the data) as a new series named `name`:
    /// index kind, range and frequency are kept, the history is empty.
    pub fn slice(&self, name: impl Into<String>, offset: usize, len: usize) -> Result<TimeSeries> {
        let name = name.into();
        TsName::parse(&name)?;
        let offset = offset.min(self.len());
        let data = self.data()?.slice(offset as i64, len);
        let range = self
            .range
            .map(|(start, step)| (start + step * offset as i64, step));
        Ok(TimeSeries::from_checked(name, data, range, self.frequency))
    }

    /// The points where `mask` is true, as a new series named `name`. When the kept points
    /// are contiguous this is [`TimeSeries::slice`]; otherwise a range index becomes plain
    /// integers and the frequency is inferred again.
    pub fn filter(&self, name: impl Into<String>, mask: &BooleanChunked) -> Result<TimeSeries> {
        let name = name.into();
        if mask.len() != self.len() {
            return Err(Error::InvalidArgument(format!(
                "time series {:?}: a mask of {} entries for {} points",
                self.name,
                mask.len(),
                self.len()
            )));
        }
        let kept: Vec<usize> = mask
            .iter()
            .enumerate()
            .filter_map(|(i, m)| (m == Some(true)).then_some(i))
            .collect();
        match (kept.first(), kept.last()) {
            (Some(&first), Some(&last)) if last - first + 1 == kept.len() => {
                self.slice(name, first, kept.len())
            }
            (None, _) | (_, None) => self.slice(name, 0, 0),
            _ => {
                TsName::parse(&name)?;
                let data = self.data()?.filter(mask)?;
                let index = data.column(INDEX_COLUMN)?.as_materialized_series().clone();
                Ok(TimeSeries::from_checked(
                    name,
                    data,
                    None,
                    infer_frequency(&index),
                ))
            }
        }
    }

    /// Replaces the frequency (for example after a resample, which knows its frequency).
    pub fn with_frequency(mut self, frequency: Option<Frequency>) -> TimeSeries {
        self.frequency = frequency;
        self.slot.mark_changed();
        self
    }

    /// Names the index (pandas' `index.name`; `None` for an unnamed index).
    pub fn with_index_name(mut self, name: Option<String>) -> TimeSeries {
        self.set_index_name(name);
        self
    }

    /// The index's own name, if it has one.
    pub fn index_name(&self) -> Option<&str> {
        self.index_name.as_deref()
    }

    /// Names or unnames the index.
    pub fn set_index_name(&mut self, name: Option<String>) {
        if self.index_name != name {
            self.index_name = name;
            self.slot.mark_changed();
        }
    }

    /// Replaces the processing history (used by loaders that restore a saved series).
    pub fn with_processing_steps(mut self, steps: Vec<ProcessingStep>) -> TimeSeries {
        self.processing_steps = steps;
        self.slot.mark_changed();
        self
    }

    /// Sets the link to an external metadata registry.
    pub fn with_metadata_id(mut self, metadata_id: Option<String>) -> TimeSeries {
        self.set_metadata_id(metadata_id);
        self
    }

    /// Sets the creation time (used by loaders that restore a saved series).
    pub fn with_created_on(mut self, created_on: NaiveDateTime) -> TimeSeries {
        self.created_on = created_on;
        self.slot.mark_changed();
        self
    }

    /// Restores what a saved series recorded: history, metadata id, creation time, and from
    /// the index metadata its name, the frequency and a range index's start and step. A frequency this
    /// crate does not model (`W-SUN`, `ME`) is dropped.
    pub fn with_metadata(mut self, metadata: &TimeSeriesMetadata) -> Result<TimeSeries> {
        let md = &metadata.index_metadata;
        if md.index_type == "RangeIndex" {
            if !matches!(self.index_dtype, DataType::Int64) {
                return Err(Error::InvalidArgument(format!(
                    "time series {:?}: a RangeIndex needs integer labels, not {}",
                    self.name, self.index_dtype
                )));
            }
            self.range = Some((md.start.unwrap_or(0), md.step.unwrap_or(1)));
        }
        if let Some(alias) = &md.frequency {
            self.frequency = Frequency::parse(alias).ok();
        }
        self.index_name = md.name.clone();
        self.processing_steps = metadata.processing_steps.clone();
        self.metadata_id = metadata.metadata_id.clone();
        self.created_on = metadata.created_on;
        self.slot.mark_changed();
        Ok(self)
    }

    /// The full name, e.g. `Temperature#1_RAW#1`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The data: columns [`INDEX_COLUMN`] and [`VALUES_COLUMN`] (read back from the store if
    /// it was released).
    pub fn data(&self) -> Result<DataFrame> {
        let frame = self.slot.frame()?;
        self.checked(frame, Some(self.len))
    }

    /// `frame` when it has the series' columns and dtypes (and `rows` rows, when given);
    /// otherwise a [`StorageError::Corrupt`] naming the stored object.
    fn checked(&self, frame: DataFrame, rows: Option<usize>) -> Result<DataFrame> {
        let dtypes = frame.dtypes();
        if rows.is_some_and(|r| frame.height() != r)
            || frame.width() != 2
            || dtypes[0] != self.index_dtype
            || dtypes[1] != self.values_dtype
        {
            let key = self
                .slot
                .stored_key()
                .map_or_else(|| self.name.clone(), |k| k.to_string());
            return Err(Error::Storage(StorageError::Corrupt {
                key,
                reason: format!(
                    "expected {} rows of ({}, {}), found {} rows of {:?}",
                    self.len,
                    self.index_dtype,
                    self.values_dtype,
                    frame.height(),
                    dtypes
                ),
            }));
        }
        Ok(frame)
    }

    /// The points at positions `offset .. offset + len` (clipped to the series). A stored
    /// series whose data is not in memory reads only the chunks that hold them.
    pub fn read_rows(&self, offset: usize, len: usize) -> Result<DataFrame> {
        let frame = self
            .slot
            .read(Select::Rows { offset, len }, self.empty_frame())?;
        self.checked(frame, None)
    }

    /// The first `n` points (see [`TimeSeries::read_rows`]).
    pub fn head(&self, n: usize) -> Result<DataFrame> {
        self.read_rows(0, n)
    }

    /// The last `n` points (see [`TimeSeries::read_rows`]).
    pub fn tail(&self, n: usize) -> Result<DataFrame> {
        let n = n.min(self.len);
        self.read_rows(self.len - n, n)
    }

    /// The points whose label is in `[start, end)`, for an integer, datetime or duration
    /// index. A stored series whose data is not in memory reads only the chunks whose labels
    /// meet the range (each chunk records its smallest and largest label).
    ///
    /// ```
    /// # use meteaudata_core::{TimeSeries, date_range};
    /// # use polars::prelude::*;
    /// let index = date_range("2024-01-01", 48, "h")?;
    /// let ts = TimeSeries::new("T#1_RAW#1", index, Series::new("v".into(), vec![1.0; 48]))?;
    /// let day = chrono::NaiveDate::from_ymd_opt(2024, 1, 2).unwrap();
    /// let second_day = ts.read_range(
    ///     day.and_hms_opt(0, 0, 0).unwrap(),
    ///     day.and_hms_opt(23, 59, 59).unwrap(),
    /// )?;
    /// assert_eq!(second_day.height(), 24);
    /// # Ok::<(), meteaudata_core::Error>(())
    /// ```
    pub fn read_range(&self, start: impl Into<Label>, end: impl Into<Label>) -> Result<DataFrame> {
        let (from, to) = self.tick_range(start.into(), end.into())?;
        let frame = self.slot.read(
            Select::Ticks {
                start: from,
                end: to,
            },
            self.empty_frame(),
        )?;
        self.checked(frame, None)
    }

    /// A polars [`LazyFrame`] over the data (columns [`INDEX_COLUMN`] and [`VALUES_COLUMN`]):
    /// filter, select and aggregate with polars before anything is read. A stored series
    /// whose data is not in memory reads each chunk (verifying its checksum) only when the
    /// plan runs; [`TimeSeries::scan_range`] also leaves out the chunks outside a range.
    ///
    /// ```
    /// # use meteaudata_core::{TimeSeries, date_range};
    /// # use polars::prelude::*;
    /// let index = date_range("2024-01-01", 96, "15min")?;
    /// let ts = TimeSeries::new("T#1_RAW#1", index, Series::new("v".into(), (0..96).map(f64::from).collect::<Vec<_>>()))?;
    /// let big = ts.scan()?.filter(col("values").gt(lit(90.0))).collect()?;
    /// assert_eq!(big.height(), 5);
    /// # Ok::<(), meteaudata_core::Error>(())
    /// ```
    pub fn scan(&self) -> Result<LazyFrame> {
        self.slot.scan(None, self.empty_frame())
    }

    /// A lazy scan (see [`TimeSeries::scan`]) of the points whose label is in `[start, end)`:
    /// the stored chunks outside the range are never read.
    pub fn scan_range(&self, start: impl Into<Label>, end: impl Into<Label>) -> Result<LazyFrame> {
        let range = self.tick_range(start.into(), end.into())?;
        self.slot.scan(Some(range), self.empty_frame())
    }

    /// The smallest and largest label as integer ticks (integers, or datetimes and durations
    /// in their time unit); `None` when there are no points or the index is not
    /// integer-backed. A stored series whose data is not in memory answers from its chunks'
    /// recorded bounds, without reading them.
    pub fn label_bounds(&self) -> Result<Option<(i64, i64)>> {
        self.slot.tick_bounds()
    }

    /// The data in consecutive pieces of at most
    /// [`CHUNK_ROWS`](meteaudata_storage::versions::CHUNK_ROWS) points, in order: slices of
    /// the frame when it is in memory, otherwise read one stored chunk at a time (and not
    /// kept), so that a function can go through a series larger than memory.
    pub fn iter_chunks(&self) -> impl Iterator<Item = Result<DataFrame>> + '_ {
        let size = meteaudata_storage::versions::CHUNK_ROWS;
        (0..self.len.div_ceil(size)).map(move |k| self.read_rows(k * size, size))
    }

    /// A series derived from this one (same index kind, range and frequency, as
    /// [`TimeSeries::with_same_index`] gives; empty history),
    /// named `name`, whose data is `pieces` (frames with columns [`INDEX_COLUMN`] and
    /// [`VALUES_COLUMN`] of dtypes this index's and `values_dtype`, in order). When this
    /// series is stored in a dataset and not in memory, each piece is written to its store as
    /// it comes (as chunks that no version references until the new series is committed) and
    /// the result is not kept in memory either, so a function can turn a series larger than
    /// memory into another; otherwise the pieces are joined in memory.
    pub fn derived_from_pieces(
        &self,
        name: impl Into<String>,
        values_dtype: &DataType,
        pieces: impl IntoIterator<Item = Result<DataFrame>>,
    ) -> Result<TimeSeries> {
        let name = name.into();
        let parsed = TsName::parse(&name)?;
        let empty = DataFrame::new(
            0,
            vec![
                Series::new_empty(INDEX_COLUMN.into(), &self.index_dtype).into(),
                Series::new_empty(VALUES_COLUMN.into(), values_dtype).into(),
            ],
        )?;
        // Pieces without points are skipped (they need not carry the columns).
        let pieces = pieces
            .into_iter()
            .filter(|piece| piece.as_ref().map_or(true, |p| p.height() > 0));
        let check = |piece: DataFrame| -> Result<DataFrame> {
            if piece.schema() != empty.schema() {
                return Err(Error::InvalidArgument(format!(
                    "time series {name:?}: a piece of {:?}, expected {:?}",
                    piece.dtypes(),
                    empty.dtypes()
                )));
            }
            Ok(piece)
        };
        let mut pieces = pieces;
        // Pieces go to the store while it takes them; a store opened read-only refuses the
        // first, and the series is then built in memory.
        let mut whole = empty.clone();
        let mut stored = None;
        if let Some((mut copy, dataset, signal)) = self.slot.streaming_target() {
            let part = parsed.base.clone();
            let next = || Ok(new_object_key(&dataset, &signal, &part)?);
            copy.chunks.clear();
            let mut refused = false;
            for piece in pieces.by_ref() {
                let piece = check(piece?)?;
                match write_chunks(&*copy.backend, &piece, "{}", next) {
                    Ok(chunks) => copy.chunks.extend(chunks),
                    Err(Error::Storage(StorageError::ReadOnly { .. }))
                        if copy.chunks.is_empty() =>
                    {
                        whole.vstack_mut_owned(piece)?;
                        refused = true;
                        break;
                    }
                    Err(e) => return Err(e),
                }
            }
            if !refused {
                if copy.chunks.is_empty() {
                    copy.chunks = write_chunks(&*copy.backend, &empty, "{}", next)?;
                }
                stored = Some(copy);
            }
        }
        let slot = match stored {
            Some(copy) => {
                let slot = DataSlot::stored(copy);
                slot.mark_changed();
                slot
            }
            None => {
                for piece in pieces {
                    whole.vstack_mut_owned(check(piece?)?)?;
                }
                DataSlot::resident(whole)
            }
        };
        let len = slot.rows()?;
        Ok(TimeSeries {
            name,
            slot,
            len,
            index_dtype: self.index_dtype.clone(),
            values_dtype: values_dtype.clone(),
            range: self.range,
            frequency: self.frequency,
            index_name: None,
            processing_steps: Vec::new(),
            metadata_id: None,
            created_on: now(),
            storage: None,
            replay: ReplayRecord::fresh(),
            verdict: None,
        })
    }

    /// Adds points after the last one. The new labels must increase; when the first is not
    /// after the series' last label, `overlap` decides: [`Overlap::Error`] refuses (naming
    /// the label) and changes nothing, [`Overlap::Replace`] drops the points from that label
    /// on first. Needs an integer, datetime or duration index; dtypes are normalised as in
    /// [`TimeSeries::new`] (datetimes of a coarser unit are cast to the series' unit) and
    /// must then match the series'.
    ///
    /// On a stored series nothing already stored is read or rewritten (except the chunks a
    /// replaced overlap touches, and small chunks merged by [`TimeSeries::compact`]): the
    /// next save writes the new points as new chunks and commits a version that references
    /// the old ones.
    pub fn append(&mut self, index: Series, values: Series, overlap: Overlap) -> Result<()> {
        let (rows, new) = self.new_points(index, values, "append")?;
        let Some(first) = new.get(0) else {
            return Ok(());
        };
        let mut len = self.len;
        if let Some(last) = self.slot.max_tick()?
            && first <= last
        {
            if overlap == Overlap::Error {
                return Err(Error::Overlap {
                    series: self.name.clone(),
                    label: show_ticks(first, &self.index_dtype),
                    last: show_ticks(last, &self.index_dtype),
                });
            }
            len -= self.slot.edit_range(first, i64::MAX, None)?.rows;
        }
        let appended_only = len == self.len;
        let last = self.slot.max_tick()?;
        self.slot.append(&rows)?;
        self.data_changed(appended_only);
        // A range index or a frequency survives when the new labels continue its grid.
        let continues = |step: i64| {
            last.is_none_or(|l| first.checked_sub(l) == Some(step)) && steps_are(&new, step)
        };
        if let Some((start, step)) = self.range
            && !(continues(step)
                && match last {
                    Some(l) => l == start + step * (len as i64 - 1),
                    None => first == start,
                })
        {
            self.range = None;
        }
        if let Some(step) = self.frequency_ticks()
            && !continues(step)
        {
            self.frequency = None;
        }
        self.len = len + rows.height();
        Ok(())
    }

    /// Removes the points whose label is in `[start, end)` and returns how many there were.
    /// On a stored series only the chunks that hold such points are read and rewritten (at
    /// the next save, as one new version); chunks wholly inside the range are dropped unread.
    pub fn delete_range(
        &mut self,
        start: impl Into<Label>,
        end: impl Into<Label>,
    ) -> Result<usize> {
        let (from, to) = self.tick_range(start.into(), end.into())?;
        let last = self.slot.max_tick()?;
        let removed = self.slot.edit_range(from, to, None)?;
        self.len -= removed.rows;
        if removed.rows > 0 {
            self.data_changed(false);
        }
        // Cutting the end keeps the grid; a hole in the middle or at the start does not.
        let at_end = removed.bounds.is_none_or(|(_, hi)| Some(hi) == last)
            && self.slot.max_tick()? < Some(from);
        if removed.rows > 0 && !at_end {
            self.range = None;
            self.frequency = None;
        }
        Ok(removed.rows)
    }

    /// Replaces the points whose label is in `[start, end)` by new ones (labels inside the
    /// range, increasing; dtypes as for [`TimeSeries::append`]) and returns how many points it
    /// replaced. On a stored series only the chunks that hold the range are read and
    /// rewritten (at the next save, as one new version). A range index and a frequency stay
    /// when the new points have the labels of the old ones.
    pub fn update(
        &mut self,
        start: impl Into<Label>,
        end: impl Into<Label>,
        index: Series,
        values: Series,
    ) -> Result<usize> {
        let (from, to) = self.tick_range(start.into(), end.into())?;
        let (rows, new) = self.new_points(index, values, "update")?;
        if let Some(outside) = new.into_no_null_iter().find(|t| *t < from || *t >= to) {
            return Err(Error::InvalidArgument(format!(
                "time series {:?}: the new point at {} is outside the range [{}, {}) it updates",
                self.name,
                show_ticks(outside, &self.index_dtype),
                show_ticks(from, &self.index_dtype),
                show_ticks(to, &self.index_dtype)
            )));
        }
        let removed = self.slot.edit_range(from, to, Some(&rows))?;
        self.len = self.len - removed.rows + rows.height();
        if removed.rows + rows.height() > 0 {
            self.data_changed(false);
        }
        let same_labels = removed.rows == rows.height()
            && removed.bounds == new.min().zip(new.max())
            && self
                .frequency_ticks()
                .or(self.range.map(|(_, step)| step))
                .is_none_or(|step| steps_are(&new, step));
        if !same_labels {
            self.range = None;
            self.frequency = None;
        }
        Ok(removed.rows)
    }

    /// Records a change of the data: one more append, or a new epoch.
    fn data_changed(&mut self, appended_only: bool) {
        match &mut self.replay.revision {
            Some(revision) if appended_only => revision.appends += 1,
            revision => *revision = Some(Revision::fresh()),
        }
        self.verdict = None;
    }

    /// The revision of the data (see [`Revision`]); `None` for a series loaded from a store
    /// record that has none.
    pub fn revision(&self) -> Option<&Revision> {
        self.replay.revision.as_ref()
    }

    /// The states of the inputs this series was computed from (empty for a raw series, or
    /// when its making was not recorded, as in archives).
    pub fn basis(&self) -> &[InputMark] {
        &self.replay.basis
    }

    /// The refreshes of this series, oldest first.
    pub fn refreshes(&self) -> &[RefreshEntry] {
        &self.replay.refreshes
    }

    /// The outcome of the last verification of this series, if any since its data last
    /// changed ([`ReplayState::Stale`] is never stored: views work it out from the inputs).
    pub fn verdict(&self) -> Option<ReplayState> {
        self.verdict
    }

    /// The state of this series as an input now, to record in the basis of what is made from it.
    pub(crate) fn mark(&self) -> Result<InputMark> {
        Ok(InputMark {
            series: self.name.clone(),
            revision: self.replay.revision.clone(),
            rows: self.len,
            last: self.slot.max_tick()?,
        })
    }

    /// Replaces the basis (recorded with the series at the next save).
    pub(crate) fn set_basis(&mut self, basis: Vec<InputMark>) {
        self.replay.basis = basis;
        self.slot.mark_changed();
    }

    /// Records a refresh.
    pub(crate) fn push_refresh(&mut self, entry: RefreshEntry) {
        self.replay.refreshes.push(entry);
        self.slot.mark_changed();
    }

    /// Records the outcome of a verification.
    pub(crate) fn set_verdict(&mut self, verdict: Option<ReplayState>) {
        self.verdict = verdict;
    }

    /// Takes the data of `other` (a recomputation of this series): name, history, metadata
    /// and store stay; the data is a new epoch and is written at the next save.
    pub(crate) fn replace_data(&mut self, other: TimeSeries) {
        // The other's slot as it is: resident and unsaved, or pieces already written to
        // this store (see `derived_from_pieces`) that the next commit references.
        self.slot = other.slot;
        self.slot.mark_changed();
        self.len = other.len;
        self.index_dtype = other.index_dtype;
        self.values_dtype = other.values_dtype;
        self.range = other.range;
        self.frequency = other.frequency;
        self.data_changed(false);
    }

    /// The ticks of `[start, end)` for this series' index, checked to be in order.
    fn tick_range(&self, start: Label, end: Label) -> Result<(i64, i64)> {
        let (from, to) = (
            start.ticks(&self.index_dtype)?,
            end.ticks(&self.index_dtype)?,
        );
        if from > to {
            return Err(Error::InvalidArgument(format!(
                "time series {:?}: the range starts at {} after its end at {}",
                self.name,
                show_ticks(from, &self.index_dtype),
                show_ticks(to, &self.index_dtype)
            )));
        }
        Ok((from, to))
    }

    /// The step of the frequency in index ticks, when there is one.
    fn frequency_ticks(&self) -> Option<i64> {
        match (&self.frequency, &self.index_dtype) {
            (Some(f), DataType::Datetime(unit, _) | DataType::Duration(unit)) => {
                Some(f.nanos() / unit_nanos(*unit))
            }
            _ => None,
        }
    }

    /// New points for an `append` or `update`: normalised as in [`TimeSeries::new`], of this
    /// series' dtypes, on an integer-backed index, with increasing labels; with their ticks.
    fn new_points(
        &self,
        index: Series,
        values: Series,
        what: &str,
    ) -> Result<(DataFrame, Int64Chunked)> {
        if index.len() != values.len() {
            return Err(Error::InvalidArgument(format!(
                "time series {:?}: {} labels but {} values to {what}",
                self.name,
                index.len(),
                values.len()
            )));
        }
        let index = normalize_index(index, &self.name)?;
        // Labels of a coarser time unit (a `NaiveDateTime` series is in milliseconds) are
        // cast to the series' unit, which loses nothing.
        let index = match (index.dtype(), &self.index_dtype) {
            (DataType::Datetime(given, zone), DataType::Datetime(own, own_zone))
                if zone == own_zone && unit_nanos(*given) > unit_nanos(*own) =>
            {
                index.cast(&self.index_dtype)?
            }
            _ => index,
        };
        let values = normalize_values(values)?;
        for (role, given, own) in [
            ("index", index.dtype(), &self.index_dtype),
            ("values", values.dtype(), &self.values_dtype),
        ] {
            if given != own {
                return Err(Error::InvalidArgument(format!(
                    "time series {:?}: cannot {what} {role} of {given} to {role} of {own}",
                    self.name
                )));
            }
        }
        let rows = DataFrame::new(index.len(), vec![index.into(), values.into()])?;
        let Some(new) = ticks(&rows)? else {
            return Err(Error::NotAllowed(format!(
                "time series {:?}: {what} needs an integer, datetime or duration index, not {}",
                self.name, self.index_dtype
            )));
        };
        if let Some((previous, label)) = new
            .into_no_null_iter()
            .zip(new.into_no_null_iter().skip(1))
            .find(|(a, b)| b <= a)
        {
            return Err(Error::InvalidArgument(format!(
                "time series {:?}: the labels to {what} must increase, but {} follows {}",
                self.name,
                show_ticks(label, &self.index_dtype),
                show_ticks(previous, &self.index_dtype)
            )));
        }
        Ok((rows, new))
    }

    /// Merges the small chunks at the end of a stored series (left by appends) into
    /// full-size ones, written at the next save as a new version. Appends do this on their
    /// own past a few small chunks. Returns whether there was anything to merge.
    pub fn compact(&mut self) -> Result<bool> {
        self.slot.compact()
    }

    fn empty_frame(&self) -> DataFrame {
        DataFrame::new(
            0,
            vec![
                Series::new_empty(INDEX_COLUMN.into(), &self.index_dtype).into(),
                Series::new_empty(VALUES_COLUMN.into(), &self.values_dtype).into(),
            ],
        )
        .expect("two empty columns make a frame")
    }

    /// The index labels.
    pub fn index(&self) -> Result<Series> {
        Ok(self
            .data()?
            .column(INDEX_COLUMN)?
            .as_materialized_series()
            .clone())
    }

    /// The values.
    pub fn values(&self) -> Result<Series> {
        Ok(self
            .data()?
            .column(VALUES_COLUMN)?
            .as_materialized_series()
            .clone())
    }

    /// The polars data type of the index.
    pub fn index_data_type(&self) -> &DataType {
        &self.index_dtype
    }

    /// The polars data type of the values.
    pub fn values_data_type(&self) -> &DataType {
        &self.values_dtype
    }

    /// The number of points.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether there are no points.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Whether the data is in memory (otherwise it is read from the store on access).
    pub fn is_resident(&self) -> bool {
        self.slot.is_resident()
    }

    /// The bytes of data held in memory.
    pub fn resident_bytes(&self) -> usize {
        self.slot.resident_bytes()
    }

    /// The kind of index.
    pub fn index_kind(&self) -> IndexKind {
        match self.range {
            Some((start, step)) => IndexKind::Range { start, step },
            None => IndexKind::from_dtype(&self.index_dtype)
                .unwrap_or_else(|_| unreachable!("the index dtype is checked at construction")),
        }
    }

    /// The frequency of a regular temporal index: given by the operation that made the
    /// series, or inferred at construction when every step between labels is equal.
    pub fn frequency(&self) -> Option<Frequency> {
        self.frequency
    }

    /// The description of the index, as meteaudata for Python writes it.
    pub fn index_metadata(&self) -> IndexMetadata {
        let kind = self.index_kind();
        let (start, end, step) = match kind {
            IndexKind::Range { start, step } => (
                Some(start),
                Some(start + step * self.len() as i64),
                Some(step),
            ),
            _ => (None, None, None),
        };
        IndexMetadata {
            index_type: kind.type_name().to_owned(),
            name: self.index_name.clone(),
            frequency: self.frequency.map(|f| f.alias()),
            time_zone: match &kind {
                IndexKind::Datetime { time_zone, .. } => time_zone.clone(),
                _ => None,
            },
            closed: None,
            categories: None,
            ordered: None,
            start,
            end,
            step,
            dtype: kind.dtype_string(),
        }
    }

    /// The pandas dtype string of the values (`float64`, `int64`, `bool`, `object`, …).
    pub fn values_dtype(&self) -> String {
        match &self.values_dtype {
            DataType::Float64 => "float64".into(),
            DataType::Int64 => "int64".into(),
            DataType::Boolean => "bool".into(),
            DataType::String => "object".into(),
            DataType::Datetime(unit, None) => format!("datetime64[{}]", unit_alias(*unit)),
            DataType::Datetime(unit, Some(tz)) => {
                format!("datetime64[{}, {tz}]", unit_alias(*unit))
            }
            other => other.to_string(),
        }
    }

    /// The history, oldest step first.
    pub fn processing_steps(&self) -> &[ProcessingStep] {
        &self.processing_steps
    }

    /// The link to an external metadata registry.
    pub fn metadata_id(&self) -> Option<&str> {
        self.metadata_id.as_deref()
    }

    /// Sets the link to an external metadata registry.
    pub fn set_metadata_id(&mut self, metadata_id: Option<String>) {
        if self.metadata_id != metadata_id {
            self.metadata_id = metadata_id;
            self.slot.mark_changed();
        }
    }

    /// When this series was made.
    pub fn created_on(&self) -> NaiveDateTime {
        self.created_on
    }

    /// The serializable metadata (everything but the data), as `metadata_dict()` in Python.
    pub fn metadata(&self) -> TimeSeriesMetadata {
        TimeSeriesMetadata {
            processing_steps: self.processing_steps.clone(),
            index_metadata: self.index_metadata(),
            values_dtype: self.values_dtype(),
            metadata_id: self.metadata_id.clone(),
            created_on: self.created_on,
        }
    }

    pub(crate) fn set_name(&mut self, name: String) {
        if self.name != name {
            self.name = name;
            self.slot.mark_changed();
        }
    }

    pub(crate) fn steps_mut(&mut self) -> &mut Vec<ProcessingStep> {
        self.slot.mark_changed();
        &mut self.processing_steps
    }

    /// Puts `inherited` before the current history and removes repeated steps (the first
    /// occurrence of each is kept).
    pub(crate) fn prepend_history(&mut self, inherited: &[ProcessingStep]) {
        let own = std::mem::take(&mut self.processing_steps);
        let mut steps: Vec<ProcessingStep> = Vec::with_capacity(inherited.len() + own.len());
        for step in inherited.iter().cloned().chain(own) {
            if !steps.contains(&step) {
                steps.push(step);
            }
        }
        self.processing_steps = steps;
        self.slot.mark_changed();
    }

    pub(crate) fn mark_dirty(&self) {
        self.slot.mark_dirty();
    }

    /// Whether this series must be written to be up to date at `key`.
    pub(crate) fn needs_save(&self, key: &StorageKey) -> bool {
        self.slot.is_dirty() || self.slot.stored_key().as_ref() != Some(key)
    }

    /// Writes the series to `key` through `attachment` and records the stored copy (its data
    /// may then be released within the attachment's memory budget).
    pub fn save_to_backend(&self, attachment: &Attachment, key: &StorageKey) -> Result<()> {
        let data = SeriesData {
            frame: self.data()?,
            metadata: to_json(&self.record(self.metadata_id.clone()))?,
        };
        attachment
            .backend
            .save(key, &data, SaveOptions::default())?;
        self.slot
            .mark_saved(StoredCopy::whole(attachment, key.clone()));
        Ok(())
    }

    /// The record stored with the series, with `metadata_id` as given.
    pub(crate) fn record(&self, metadata_id: Option<String>) -> SeriesRecord {
        let mut metadata = self.metadata();
        metadata.metadata_id = metadata_id;
        SeriesRecord {
            format_version: FORMAT_VERSION,
            name: self.name.clone(),
            length: self.len,
            index_data_type: dtype_code(&self.index_dtype),
            values_data_type: dtype_code(&self.values_dtype),
            metadata,
            replay: self.replay.clone(),
        }
    }

    /// Whether `attachment`'s backend holds this series as it is now.
    pub(crate) fn is_stored_in(&self, attachment: &Attachment) -> bool {
        self.slot.is_current_in(&attachment.backend)
    }

    /// The up-to-date stored copy of this series in `attachment`'s backend, if any.
    pub(crate) fn current_copy(&self, attachment: &Attachment) -> Option<StoredCopy> {
        self.slot.current_copy_in(&attachment.backend)
    }

    /// Writes the data as new immutable chunks with `record`, under the keys `next_key`
    /// gives; returns the copy to record once the version that references it is committed.
    /// When the series was edited in this backend (appended to, updated), only the new parts
    /// are written (the stored chunks are referenced again).
    pub(crate) fn write_object(
        &self,
        attachment: &Attachment,
        record: &SeriesRecord,
        next_key: impl FnMut() -> Result<StorageKey>,
    ) -> Result<StoredCopy> {
        let metadata = to_json(record)?;
        let mut next_key = next_key;
        if let Some(copy) = self
            .slot
            .write_edits(&attachment.backend, &metadata, &mut next_key)?
        {
            return Ok(copy);
        }
        let chunks = write_chunks(&*attachment.backend, &self.data()?, &metadata, next_key)?;
        Ok(StoredCopy::new(attachment, chunks))
    }

    /// Records that the data is stored at `copy` (after a commit).
    pub(crate) fn mark_saved(&self, copy: StoredCopy) {
        self.slot.mark_saved(copy);
    }

    /// Reads the series stored at `key` through `attachment`: its metadata now, its data now
    /// or (with `lazy`) on first access.
    pub fn load_from_backend(
        attachment: &Attachment,
        key: &StorageKey,
        lazy: bool,
    ) -> Result<TimeSeries> {
        let record: SeriesRecord = from_json(key, &attachment.backend.load_metadata(key)?)?;
        TimeSeries::from_record(record, StoredCopy::whole(attachment, key.clone()), lazy)
    }

    /// A series whose data is at `stored` and whose metadata is `record` (data read now, or
    /// with `lazy` on first access).
    pub(crate) fn from_record(
        record: SeriesRecord,
        stored: StoredCopy,
        lazy: bool,
    ) -> Result<TimeSeries> {
        let md = &record.metadata;
        let range = match (md.index_metadata.start, md.index_metadata.step) {
            (Some(start), Some(step)) if md.index_metadata.index_type == "RangeIndex" => {
                Some((start, step))
            }
            _ => None,
        };
        let frequency = md
            .index_metadata
            .frequency
            .as_deref()
            .map(Frequency::parse)
            .transpose()?;
        let ts = TimeSeries {
            name: record.name.clone(),
            slot: DataSlot::stored(stored),
            len: record.length,
            index_dtype: parse_dtype_code(&record.index_data_type)?,
            values_dtype: parse_dtype_code(&record.values_data_type)?,
            range,
            frequency,
            index_name: md.index_metadata.name.clone(),
            processing_steps: md.processing_steps.clone(),
            metadata_id: md.metadata_id.clone(),
            created_on: md.created_on,
            storage: None,
            replay: record.replay.clone(),
            verdict: None,
        };
        if !lazy {
            ts.data()?;
        }
        Ok(ts)
    }

    /// The key of a free-standing series: `default/<name>`.
    pub fn storage_key(&self) -> Result<StorageKey> {
        Ok(StorageKey::new([
            crate::signal::STANDALONE_NAMESPACE,
            self.name.as_str(),
        ])?)
    }

    /// Writes this free-standing series to its backend when it changed, then applies the
    /// memory budget.
    pub fn save_all(&mut self) -> Result<()> {
        let attachment = self
            .storage
            .clone()
            .ok_or_else(|| Error::NoBackend(format!("time series {:?}", self.name)))?;
        let key = self.storage_key()?;
        if self.needs_save(&key) {
            self.save_to_backend(&attachment, &key)?;
        }
        attachment.enforce_budget();
        Ok(())
    }

    /// Reads the data back into memory if it was released.
    pub fn load_all(&mut self) -> Result<()> {
        self.data().map(|_| ())
    }

    /// Drops the resident data if it is saved and up to date; returns the bytes freed.
    pub fn release(&mut self) -> usize {
        self.slot.release()
    }
}

/// Equality compares the index labels, kind and name, the values, the frequency and the
/// history (not the series name, the creation time or the metadata id). Series whose data cannot be read
/// are not equal.
impl PartialEq for TimeSeries {
    fn eq(&self, other: &TimeSeries) -> bool {
        self.index_kind() == other.index_kind()
            && self.index_name == other.index_name
            && self.frequency == other.frequency
            && self.processing_steps == other.processing_steps
            && match (self.data(), other.data()) {
                (Ok(a), Ok(b)) => a.equals_missing(&b),
                _ => false,
            }
    }
}

/// Whether consecutive `ticks` are `step` apart.
fn steps_are(ticks: &Int64Chunked, step: i64) -> bool {
    ticks
        .into_no_null_iter()
        .zip(ticks.into_no_null_iter().skip(1))
        .all(|(a, b)| b - a == step)
}

fn infer_frequency(index: &Series) -> Option<Frequency> {
    let unit = match index.dtype() {
        DataType::Datetime(unit, _) | DataType::Duration(unit) => *unit,
        _ => return None,
    };
    if index.len() < 2 {
        return None;
    }
    let physical = index.to_physical_repr();
    let labels = physical.i64().ok()?;
    let mut iter = labels.into_no_null_iter();
    let first = iter.next()?;
    let second = iter.next()?;
    let step = second.checked_sub(first)?;
    let mut previous = second;
    for label in iter {
        if label.checked_sub(previous)? != step {
            return None;
        }
        previous = label;
    }
    Frequency::from_nanos(step.checked_mul(unit_nanos(unit))?)
}

/// The serializable metadata of a time series (keys as in meteaudata for Python).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TimeSeriesMetadata {
    /// The history, oldest step first.
    pub processing_steps: Vec<ProcessingStep>,
    /// The description of the index.
    pub index_metadata: IndexMetadata,
    /// The pandas dtype string of the values.
    pub values_dtype: String,
    /// The link to an external metadata registry.
    pub metadata_id: Option<String>,
    /// When the series was made.
    pub created_on: NaiveDateTime,
}

fn normalize_index(index: Series, name: &str) -> Result<Series> {
    let index = match index.dtype() {
        DataType::Int8
        | DataType::Int16
        | DataType::Int32
        | DataType::UInt8
        | DataType::UInt16
        | DataType::UInt32
        | DataType::UInt64 => index.strict_cast(&DataType::Int64)?,
        DataType::Float32 => index.cast(&DataType::Float64)?,
        _ => index,
    };
    IndexKind::from_dtype(index.dtype())?;
    if index.null_count() > 0 {
        return Err(Error::InvalidArgument(format!(
            "time series {name:?}: the index holds {} missing labels",
            index.null_count()
        )));
    }
    Ok(index.with_name(INDEX_COLUMN.into()))
}

fn normalize_values(values: Series) -> Result<Series> {
    let values = match values.dtype() {
        DataType::Float64 | DataType::Int64 | DataType::Boolean | DataType::String => values,
        DataType::Datetime(..) => values,
        DataType::Float32 => values.cast(&DataType::Float64)?,
        DataType::Int8
        | DataType::Int16
        | DataType::Int32
        | DataType::UInt8
        | DataType::UInt16
        | DataType::UInt32
        | DataType::UInt64 => values.strict_cast(&DataType::Int64)?,
        DataType::Null => values.cast(&DataType::Float64)?,
        other => {
            return Err(Error::UnsupportedDtype {
                role: "values",
                dtype: other.to_string(),
                supported: SUPPORTED_VALUES,
            });
        }
    };
    let values = match values.f64() {
        Ok(ca) if ca.is_nan().any() => ca.set(&ca.is_nan(), None)?.into_series(),
        _ => values,
    };
    Ok(values.with_name(VALUES_COLUMN.into()))
}

impl Storable for TimeSeries {
    fn attach(&mut self, attachment: Attachment) -> Result<()> {
        let auto_save = attachment.auto_save;
        self.slot.mark_dirty();
        self.storage = Some(attachment);
        if auto_save { self.save_all() } else { Ok(()) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hourly(n: i64) -> Series {
        let start = 1_704_067_200_000i64; // 2024-01-01T00:00:00 in ms
        Int64Chunked::from_vec("t".into(), (0..n).map(|i| start + i * 3_600_000).collect())
            .into_datetime(TimeUnit::Milliseconds, None)
            .into_series()
    }

    #[test]
    fn infers_frequency_and_describes_its_index() {
        let ts = TimeSeries::new(
            "RAW",
            hourly(4),
            Series::new("v".into(), [1.0, f64::NAN, 3.0, 4.0]),
        )
        .unwrap();
        let md = ts.index_metadata();
        assert_eq!(md.frequency.as_deref(), Some("h"));
        assert_eq!(md.dtype, "datetime64[ms]");
        assert_eq!(md.index_type, "DatetimeIndex");
        assert_eq!(ts.values_dtype(), "float64");
        assert_eq!(
            ts.values().unwrap().null_count(),
            1,
            "NaN is stored as null"
        );
    }

    #[test]
    fn range_index_metadata() {
        let ts = TimeSeries::with_range_index(
            "RAW",
            0,
            1,
            Series::new("v".into(), [0.5, 1.5, 2.5, 3.5]),
        )
        .unwrap();
        let md = ts.index_metadata();
        assert_eq!((md.start, md.end, md.step), (Some(0), Some(4), Some(1)));
        assert_eq!(md.index_type, "RangeIndex");
        assert_eq!(md.dtype, "int64");
        assert_eq!(md.frequency, None);
    }

    #[test]
    fn equality_compares_index_labels() {
        let a = TimeSeries::new("x", hourly(2), Series::new("v".into(), [1.0, 2.0])).unwrap();
        let shifted = hourly(3).slice(1, 2);
        let b = TimeSeries::new("y", shifted, Series::new("v".into(), [1.0, 2.0])).unwrap();
        assert_ne!(a, b);
        let c = TimeSeries::new("z", hourly(2), Series::new("v".into(), [1.0, 2.0])).unwrap();
        assert_eq!(a, c);
    }

    #[test]
    fn rejects_bad_input_with_the_culprit() {
        let err = TimeSeries::new("RAW", hourly(2), Series::new("v".into(), [1.0])).unwrap_err();
        assert!(err.to_string().contains("\"RAW\""), "{err}");
        let err = TimeSeries::new("a/b", hourly(1), Series::new("v".into(), [1.0])).unwrap_err();
        assert!(matches!(err, Error::InvalidName { .. }));
        let idx = Series::new("i".into(), [Some(1i64), None]);
        let err = TimeSeries::new("RAW", idx, Series::new("v".into(), [1.0, 2.0])).unwrap_err();
        assert!(err.to_string().contains("missing labels"), "{err}");
        let bin = Series::new("v".into(), [&b"x"[..]]);
        let err = TimeSeries::new("RAW", Series::new("i".into(), [1i64]), bin).unwrap_err();
        assert!(
            matches!(err, Error::UnsupportedDtype { role: "values", .. }),
            "{err}"
        );
    }
}
