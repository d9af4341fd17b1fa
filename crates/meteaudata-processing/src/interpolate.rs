//! Linear interpolation, by position (as meteaudata for Python) or by time.

use meteaudata_core::polars::prelude::*;
use meteaudata_core::{
    BoxError, Label, Parameters, ProcessingStep, ProcessingType, SignalTransform, TimeSeries,
    TransformOutput,
};

use crate::error::ProcessingError;
use crate::support::{
    function_info, numeric_values, output_name, physical_index, piece, require_temporal,
};

const POSITIONAL: &str = "linear interpolation";
const BY_TIME: &str = "linear interpolation by time";

/// Fills missing values by linear interpolation (see [`linear_interpolation`] and
/// [`linear_interpolation_by_time`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LinearInterpolation {
    by_time: bool,
}

/// Fills missing values by linear interpolation **by position**, as meteaudata for Python does:
/// points are taken as equally spaced whatever their labels. Leading missing values stay
/// missing; trailing ones take the last valid value; an all-missing or empty series is
/// unchanged. Integer values without gaps stay integers. Index, order and frequency are kept.
/// Records `ProcessingType::GapFilling`, suffix `LIN-INT`, function `linear interpolation`,
/// empty parameters.
pub fn linear_interpolation() -> LinearInterpolation {
    LinearInterpolation { by_time: false }
}

/// Like [`linear_interpolation`], but weighted by the distance in time between labels, for
/// irregular data: a gap between 00:00 and 01:00 filled at 00:01 takes 1/60 of the change.
/// The series is sorted by its labels first (stable, so duplicate labels keep their order).
/// Recorded as function `linear interpolation by time` (suffix `LIN-INT`).
pub fn linear_interpolation_by_time() -> LinearInterpolation {
    LinearInterpolation { by_time: true }
}

impl LinearInterpolation {
    fn function(&self) -> &'static str {
        if self.by_time { BY_TIME } else { POSITIONAL }
    }
}

impl SignalTransform for LinearInterpolation {
    fn name(&self) -> String {
        self.function().into()
    }

    fn apply(&self, inputs: &[&TimeSeries]) -> Result<Vec<TransformOutput>, BoxError> {
        let description = if self.by_time {
            "A simple processing function that linearly interpolates a series, weighted by time"
        } else {
            "A simple processing function that linearly interpolates a series"
        };
        let step = ProcessingStep::new(
            ProcessingType::GapFilling,
            description,
            function_info(self.function()),
            "LIN-INT",
        )
        .with_parameters(Parameters::new())
        .with_inputs(inputs.iter().map(|ts| ts.name()));
        inputs
            .iter()
            .map(|ts| {
                let series = interpolate_series(ts, self.by_time, self.function())?;
                Ok(TransformOutput::new(series, step.clone()))
            })
            .collect()
    }

    /// Positional interpolation of float values recomputes from the last value before
    /// `since`: the points before it keep their values whatever comes after.
    fn extend(
        &self,
        input: &TimeSeries,
        output: &TimeSeries,
        since: i64,
    ) -> Result<Option<DataFrame>, BoxError> {
        let floats = |ts: &TimeSeries| ts.values_data_type() == &DataType::Float64;
        if self.by_time || !floats(input) || !floats(output) {
            return Ok(None);
        }
        let Some(anchor) = last_value_before(input, since)? else {
            return Ok(None);
        };
        let tail = input.read_range(Label::Ticks(anchor), Label::Ticks(i64::MAX))?;
        let column = |i: usize| tail.columns()[i].as_materialized_series().clone();
        let tail = TimeSeries::new(input.name(), column(0), column(1))?;
        Ok(Some(interpolate_series(&tail, false, POSITIONAL)?.data()?))
    }
}

/// The label of the last point before `since` that has a value, read backwards in growing
/// windows (a stored series reads only the chunks those meet).
fn last_value_before(ts: &TimeSeries, since: i64) -> Result<Option<i64>, ProcessingError> {
    let Some((min, max)) = ts.label_bounds()? else {
        return Ok(None);
    };
    let spacing = ((max - min) / i64::try_from(ts.len()).unwrap_or(i64::MAX).max(1)).max(1);
    let mut span = spacing.saturating_mul(64);
    let mut end = since;
    while end > min {
        let start = end.saturating_sub(span).max(min);
        let window = ts.read_range(Label::Ticks(start), Label::Ticks(end))?;
        let (labels, values) = piece(&window)?;
        if let Some(i) = values.iter().rposition(|v| v.is_some()) {
            return Ok(labels.get(i));
        }
        end = start;
        span = span.saturating_mul(4);
    }
    Ok(None)
}

fn interpolate_series(
    ts: &TimeSeries,
    by_time: bool,
    function: &'static str,
) -> Result<TimeSeries, ProcessingError> {
    require_temporal(function, ts)?;
    let name = output_name(ts, "LIN-INT")?;
    if ts.values_data_type() == &DataType::Int64 && ts.values()?.null_count() == 0 {
        return Ok(ts.with_same_index(name, ts.values()?.clone())?);
    }
    if !by_time && !ts.is_resident() && ts.values_data_type() == &DataType::Float64 {
        return in_pieces(ts, name);
    }
    if !by_time {
        // polars' kernel, then the trailing gap takes the last value (as numpy's interp,
        // which pandas uses, does).
        let values = numeric_values(function, ts)?.into_series();
        let filled = interpolate(&values, InterpolationMethod::Linear)
            .fill_null(FillNullStrategy::Forward(None))?;
        return Ok(ts.with_same_index(name, filled)?);
    }
    let sorted_frame;
    let index = ts.index()?;
    let source = if index.is_sorted(SortOptions::default())? {
        ts
    } else {
        let order = index.arg_sort(SortOptions::default().with_maintain_order(true));
        sorted_frame = TimeSeries::new(ts.name(), index.take(&order)?, ts.values()?.take(&order)?)?;
        &sorted_frame
    };
    let values = numeric_values(function, source)?;
    let labels = physical_index(source)?;
    let origin = labels.into_no_null_iter().next().unwrap_or(0);
    let x: Vec<f64> = labels
        .into_no_null_iter()
        .map(|t| (t - origin) as f64)
        .collect();
    let filled = fill(&values.iter().collect::<Vec<_>>(), |i| x[i]);
    Ok(source.with_same_index(name, filled.into_series())?)
}

/// Positional interpolation of a series that is not in memory, one stored chunk at a time,
/// into a series written piece by piece (see [`TimeSeries::derived_from_pieces`]): a gap is
/// filled when the chunk holding its right end is read (the points of a gap still open wait
/// in memory), with the arithmetic of polars' kernel (`low + k × slope`), so the numbers are
/// those of the in-memory path.
fn in_pieces(ts: &TimeSeries, name: String) -> Result<TimeSeries, ProcessingError> {
    let mut chunks = ts.iter_chunks();
    let mut gap = OpenGap::default();
    let mut done = false;
    let pieces = std::iter::from_fn(move || {
        if done {
            return None;
        }
        let next = match chunks.next() {
            Some(Ok(frame)) => gap.piece(&frame),
            Some(Err(e)) => Err(e),
            None => gap.finish(),
        };
        done = next.is_err() || gap.finished;
        Some(next)
    });
    Ok(ts.derived_from_pieces(name, &DataType::Float64, pieces)?)
}

/// The points after the last value read (a gap whose right end is not read yet, or leading
/// missing values): their labels, and the value before them.
#[derive(Default)]
struct OpenGap {
    labels: Vec<Series>,
    len: usize,
    anchor: Option<f64>,
    finished: bool,
}

impl OpenGap {
    /// The points of `frame` (and of the open gap before it) whose values are known now.
    fn piece(&mut self, frame: &DataFrame) -> meteaudata_core::Result<DataFrame> {
        let index = frame.columns()[0].as_materialized_series().clone();
        let values = frame.columns()[1].as_materialized_series().f64()?.clone();
        let mut out: Vec<Option<f64>> = Vec::with_capacity(self.len + values.len());
        let mut last = None;
        for (i, value) in values.iter().enumerate() {
            let Some(v) = value else { continue };
            let missing = match last {
                Some(p) => i - p - 1,
                None => self.len + i,
            };
            match self.anchor {
                Some(low) if missing > 0 => {
                    let slope = (v - low) / (missing + 1) as f64;
                    out.extend((1..=missing).map(|k| Some(low + k as f64 * slope)));
                }
                _ => out.extend(std::iter::repeat_n(None, missing)),
            }
            out.push(Some(v));
            self.anchor = Some(v);
            last = Some(i);
        }
        let Some(p) = last else {
            // No value in this chunk: all of it waits.
            self.labels.push(index);
            self.len += values.len();
            return Ok(DataFrame::empty());
        };
        let mut labels = self.take_labels(&index)?;
        labels.append(&index.slice(0, p + 1))?;
        self.labels
            .push(index.slice(p as i64 + 1, values.len() - p - 1));
        self.len = values.len() - p - 1;
        frame_of(labels, out)
    }

    /// The waiting labels, taken out in order (as a series shaped like `like`).
    fn take_labels(&mut self, like: &Series) -> meteaudata_core::Result<Series> {
        let mut labels = like.slice(0, 0);
        for held in self.labels.drain(..) {
            labels.append(&held)?;
        }
        Ok(labels)
    }

    /// The points still waiting at the end: the last value carried forward (missing when
    /// there was none).
    fn finish(&mut self) -> meteaudata_core::Result<DataFrame> {
        self.finished = true;
        let Some(first) = self.labels.first().cloned() else {
            return Ok(DataFrame::empty());
        };
        let labels = self.take_labels(&first)?;
        frame_of(labels, vec![self.anchor; self.len])
    }
}

fn frame_of(labels: Series, values: Vec<Option<f64>>) -> meteaudata_core::Result<DataFrame> {
    let values = Series::new(meteaudata_core::VALUES_COLUMN.into(), values);
    Ok(DataFrame::new(
        labels.len(),
        vec![labels.into(), values.into()],
    )?)
}

/// Interpolates the gaps of `v` linearly in `x(i)`: leading gaps stay, trailing gaps take the
/// last value. The arithmetic is numpy's `interp`: `slope * (x - x0) + y0`.
fn fill(v: &[Option<f64>], x: impl Fn(usize) -> f64) -> Float64Chunked {
    let mut out: Vec<Option<f64>> = v.to_vec();
    let mut previous: Option<usize> = None;
    for i in 0..v.len() {
        let Some(y1) = v[i] else { continue };
        if let Some(p) = previous
            && i > p + 1
        {
            let (x0, x1) = (x(p), x(i));
            let y0 = v[p].unwrap_or(y1);
            let slope = (y1 - y0) / (x1 - x0);
            for (j, slot) in out.iter_mut().enumerate().take(i).skip(p + 1) {
                *slot = Some(if x1 == x0 {
                    y0
                } else {
                    slope * (x(j) - x0) + y0
                });
            }
        }
        previous = Some(i);
    }
    if let Some(p) = previous {
        let last = v[p];
        for slot in out.iter_mut().skip(p + 1) {
            *slot = last;
        }
    }
    out.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positional_fill_matches_python() {
        let v = [None, Some(1.0), None, None, Some(4.0), None];
        let out: Vec<_> = fill(&v, |i| i as f64).iter().collect();
        assert_eq!(
            out,
            [None, Some(1.0), Some(2.0), Some(3.0), Some(4.0), Some(4.0)]
        );
        let all_missing: Vec<_> = fill(&[None, None], |i| i as f64).iter().collect();
        assert_eq!(all_missing, [None, None]);
    }

    #[test]
    fn time_weighted_fill() {
        // 00:00 = 0, 00:01 = missing, 01:00 = 10 (minutes as x).
        let x = [0.0, 1.0, 60.0];
        let out: Vec<_> = fill(&[Some(0.0), None, Some(10.0)], |i| x[i])
            .iter()
            .collect();
        assert_eq!(out[1], Some(10.0 / 60.0));
    }
}
