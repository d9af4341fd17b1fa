//! `resample(frequency)`: calendar bins with the mean.

use chrono::{DateTime, TimeZone as _};
use meteaudata_core::index::unit_nanos;
use meteaudata_core::polars::prelude::*;
use meteaudata_core::{
    BoxError, Frequency, FrequencyUnit, Label, Parameters, ProcessingStep, ProcessingType,
    SignalTransform, TimeSeries, TransformOutput, VALUES_COLUMN,
};

use crate::error::ProcessingError;
use crate::support::{
    function_info, index_zone, output_name, piece, require_numeric, require_temporal,
    temporal_series,
};

const FUNCTION: &str = "resample";
const NANOS_PER_DAY: i64 = 86_400_000_000_000;
/// The most bins one resample may produce (a guard against a typo such as `1ns` on years).
const MAX_BINS: i64 = 1 << 31;

/// Resamples each input to `frequency` with the mean (see [`resample`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resample {
    frequency: String,
}

/// Resamples each input series to a fixed `frequency` (a pandas alias such as `h`, `2h`,
/// `15min`, `30s`, `D`, `1500ms`, or the older `H`, `T`, `S`), taking the mean of each bin.
///
/// Bins are left-closed and labelled by their left edge, aligned on midnight of the first
/// label's day (a duration index is binned from zero). Missing values are skipped inside a
/// bin; bins with no value are kept as nulls, so the output is a regular grid from the bin of
/// the first label to the bin of the last. Integer and boolean values give float output. The
/// index kind, unit and time zone are kept; in a time zone, sub-daily bins are fixed lengths of
/// absolute time and daily bins follow the local calendar. An invalid alias is an error naming
/// it. Records `ProcessingType::Resampling`, suffix `RESAMPLED`, parameters `{frequency}`.
pub fn resample(frequency: impl Into<String>) -> Resample {
    Resample {
        frequency: frequency.into(),
    }
}

impl SignalTransform for Resample {
    fn name(&self) -> String {
        FUNCTION.into()
    }

    fn apply(&self, inputs: &[&TimeSeries]) -> Result<Vec<TransformOutput>, BoxError> {
        let frequency = Frequency::parse(&self.frequency)?;
        let step = ProcessingStep::new(
            ProcessingType::Resampling,
            "A simple processing function that resamples a series to a given frequency",
            function_info(FUNCTION),
            "RESAMPLED",
        )
        .with_parameters(Parameters::new().with("frequency", self.frequency.clone()))
        .with_inputs(inputs.iter().map(|ts| ts.name()));
        inputs
            .iter()
            .map(|ts| {
                let series = resample_series(ts, frequency)?;
                Ok(TransformOutput::new(series, step.clone()))
            })
            .collect()
    }

    fn extend(
        &self,
        input: &TimeSeries,
        output: &TimeSeries,
        since: i64,
    ) -> Result<Option<DataFrame>, BoxError> {
        let frequency = Frequency::parse(&self.frequency)?;
        Ok(resample_tail(input, output, frequency, since)?)
    }
}

/// What binning a series to a frequency needs to know about its index.
struct Setup {
    dtype: DataType,
    tick: i64,
    /// The bin length in index ticks.
    every: i64,
    zone: Option<chrono_tz::Tz>,
    /// The zone whose wall clock daily bins follow (daily bins in a time zone).
    calendar_zone: Option<chrono_tz::Tz>,
}

impl Setup {
    fn new(ts: &TimeSeries, frequency: Frequency) -> Result<Setup, ProcessingError> {
        require_temporal(FUNCTION, ts)?;
        let dtype = ts.index_data_type().clone();
        let unit = match &dtype {
            DataType::Datetime(unit, _) | DataType::Duration(unit) => *unit,
            _ => unreachable!("checked by require_temporal"),
        };
        let tick = unit_nanos(unit);
        if frequency.nanos() % tick != 0 {
            return Err(ProcessingError::invalid(
                FUNCTION,
                format!(
                    "frequency {frequency} is finer than the index resolution of {:?}",
                    ts.name()
                ),
            ));
        }
        require_numeric(FUNCTION, ts)?;
        let zone = index_zone(FUNCTION, ts)?;
        Ok(Setup {
            dtype,
            tick,
            every: frequency.nanos() / tick,
            zone,
            calendar_zone: zone.filter(|_| frequency.unit() == FrequencyUnit::Day),
        })
    }

    /// Where label `t` falls: local wall-clock time for calendar bins, else `t`.
    fn position(&self, t: i64) -> i64 {
        match self.calendar_zone {
            Some(tz) => to_wall(t, self.tick, tz),
            None => t,
        }
    }

    /// The mean of each of `count` bins from `start` (a bin edge) of the points in `frames`
    /// (points before `start` are skipped), summed in the order they come.
    fn means(
        &self,
        frames: impl Iterator<Item = meteaudata_core::Result<DataFrame>>,
        start: i64,
        count: i64,
        name: &str,
    ) -> Result<Float64Chunked, ProcessingError> {
        if count > MAX_BINS {
            return Err(ProcessingError::invalid(
                FUNCTION,
                format!("resampling {name:?} would make {count} bins"),
            ));
        }
        let mut sums = vec![0.0f64; count as usize];
        let mut counts = vec![0u32; count as usize];
        for frame in frames {
            let (labels, values) = piece(&frame?)?;
            for (t, v) in labels.into_no_null_iter().zip(values.iter()) {
                let b = (self.position(t) - start).div_euclid(self.every);
                if let (Some(v), Ok(b)) = (v, usize::try_from(b)) {
                    sums[b] += v;
                    counts[b] += 1;
                }
            }
        }
        Ok(sums
            .iter()
            .zip(&counts)
            .map(|(s, &c)| (c > 0).then(|| s / f64::from(c)))
            .collect())
    }

    /// The labels of `count` bins from `start`.
    fn grid(&self, start: i64, count: i64) -> Series {
        let grid = (0..count).map(|b| start + b * self.every);
        let grid: Vec<i64> = match self.calendar_zone {
            Some(tz) => grid.map(|w| from_wall(w, self.tick, tz)).collect(),
            None => grid.collect(),
        };
        temporal_series(&self.dtype, grid)
    }
}

/// Resamples one series.
pub(crate) fn resample_series(
    ts: &TimeSeries,
    frequency: Frequency,
) -> Result<TimeSeries, ProcessingError> {
    let setup = Setup::new(ts, frequency)?;
    let name = output_name(ts, "RESAMPLED")?;
    // The series is read one chunk at a time (a stored series larger than memory works):
    // the bins come from the smallest and largest label, which the chunks record.
    let bounds = match setup.calendar_zone {
        None => ts.label_bounds()?,
        Some(_) => {
            let mut bounds: Option<(i64, i64)> = None;
            for frame in ts.iter_chunks() {
                for t in piece(&frame?)?
                    .0
                    .into_no_null_iter()
                    .map(|t| setup.position(t))
                {
                    bounds = Some(bounds.map_or((t, t), |(lo, hi)| (lo.min(t), hi.max(t))));
                }
            }
            bounds
        }
    };
    let Some((min, max)) = bounds else {
        let empty = TimeSeries::new(
            name,
            temporal_series(&setup.dtype, Vec::new()),
            Series::new_empty("values".into(), &DataType::Float64),
        )?;
        return Ok(empty.with_frequency(Some(frequency)));
    };
    let tick = setup.tick;
    let origin = match (&setup.dtype, setup.zone, setup.calendar_zone) {
        (DataType::Duration(_), ..) => 0,
        (_, Some(tz), None) => local_midnight_instant(min, tick, tz),
        _ => min.div_euclid(NANOS_PER_DAY / tick) * (NANOS_PER_DAY / tick),
    };
    let every = setup.every;
    let first = (min - origin).div_euclid(every);
    let count = (max - origin).div_euclid(every) - first + 1;
    let start = origin + first * every;
    let means = setup.means(ts.iter_chunks(), start, count, ts.name())?;
    let series = TimeSeries::new(name, setup.grid(start, count), means.into_series())?;
    Ok(series.with_frequency(Some(frequency)))
}

/// The bins of `output` (the resample of `input`) from the one holding label `since` on,
/// after `input` changed only from `since` on: the input is read from that bin's start.
/// `None` (a whole re-run) for calendar bins in a time zone, or an empty output.
fn resample_tail(
    input: &TimeSeries,
    output: &TimeSeries,
    frequency: Frequency,
    since: i64,
) -> Result<Option<DataFrame>, ProcessingError> {
    let setup = Setup::new(input, frequency)?;
    let (Some((first, last)), Some((_, max)), None) = (
        output.label_bounds()?,
        input.label_bounds()?,
        setup.calendar_zone,
    ) else {
        return Ok(None);
    };
    if since <= first || output.index_data_type() != &setup.dtype {
        return Ok(None);
    }
    // The output's labels are bin edges: the bin holding `since`, or the one after the last
    // bin when `since` is further on (the bins between are empty either way).
    let every = setup.every;
    let start = (first + (since - first).div_euclid(every) * every).min(last + every);
    let count = (max - start).div_euclid(every) + 1;
    if count <= 0 {
        return Ok(None);
    }
    let tail = input.read_range(Label::Ticks(start), Label::Ticks(i64::MAX))?;
    let means = setup.means(std::iter::once(Ok(tail)), start, count, input.name())?;
    let index = setup.grid(start, count);
    let values = means.into_series().with_name(VALUES_COLUMN.into());
    Ok(Some(DataFrame::new(
        index.len(),
        vec![index.into(), values.into()],
    )?))
}

/// The UTC instant (in ticks) of local midnight on the local day of instant `t`.
fn local_midnight_instant(t: i64, tick: i64, tz: chrono_tz::Tz) -> i64 {
    let day_floor = t.div_euclid(NANOS_PER_DAY / tick) * (NANOS_PER_DAY / tick);
    let utc = DateTime::from_timestamp_nanos(t.saturating_mul(tick));
    let local_date = utc.with_timezone(&tz).date_naive();
    local_date
        .and_hms_opt(0, 0, 0)
        .and_then(|m| tz.from_local_datetime(&m).earliest())
        .and_then(|m| m.timestamp_nanos_opt())
        .map_or(day_floor, |n| n / tick)
}

/// Local wall-clock time (in ticks since the epoch, as if UTC) of instant `t`.
fn to_wall(t: i64, tick: i64, tz: chrono_tz::Tz) -> i64 {
    let utc = DateTime::from_timestamp_nanos(t.saturating_mul(tick));
    utc.with_timezone(&tz)
        .naive_local()
        .and_utc()
        .timestamp_nanos_opt()
        .map_or(t, |n| n / tick)
}

/// The instant of local wall-clock time `w` (the earlier one when ambiguous, the next valid
/// time when it does not exist).
fn from_wall(w: i64, tick: i64, tz: chrono_tz::Tz) -> i64 {
    let naive = DateTime::from_timestamp_nanos(w.saturating_mul(tick)).naive_utc();
    let local = tz.from_local_datetime(&naive).earliest().or_else(|| {
        tz.from_local_datetime(&(naive + chrono::TimeDelta::hours(1)))
            .earliest()
    });
    local
        .and_then(|t| t.timestamp_nanos_opt())
        .map_or(w, |n| n / tick)
}
