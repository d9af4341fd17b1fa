use meteaudata_core::polars::prelude::*;
use meteaudata_core::*;

pub const H: i64 = 3_600_000_000_000;
/// 2024-01-01T00:00:00 in nanoseconds.
pub const T0: i64 = 1_704_067_200_000_000_000;

pub fn datetime_index(labels: Vec<i64>, tz: Option<&str>) -> Series {
    Int64Chunked::from_vec("i".into(), labels)
        .into_datetime(TimeUnit::Nanoseconds, TimeZone::opt_try_new(tz).unwrap())
        .into_series()
}

pub fn series(labels: Vec<i64>, values: &[Option<f64>]) -> TimeSeries {
    TimeSeries::new(
        "RAW",
        datetime_index(labels, None),
        Series::new("v".into(), values),
    )
    .unwrap()
}

pub fn hourly(values: &[Option<f64>]) -> TimeSeries {
    series(
        (0..values.len() as i64).map(|i| T0 + i * H).collect(),
        values,
    )
}

pub fn signal_with(ts: TimeSeries) -> Signal {
    Signal::new("A", "u", DataProvenance::default(), [ts]).unwrap()
}

/// Runs `transform` on `A#1_RAW#1` of a signal holding `ts` and returns the output.
pub fn run(ts: TimeSeries, transform: impl SignalTransform) -> Result<TimeSeries> {
    let mut s = signal_with(ts);
    let out = s.process(&["A#1_RAW#1"], transform, ProcessOptions::default())?;
    Ok(s.time_series(&out[0])?.clone())
}

pub fn floats(ts: &TimeSeries) -> Vec<Option<f64>> {
    ts.values()
        .unwrap()
        .cast(&DataType::Float64)
        .unwrap()
        .f64()
        .unwrap()
        .iter()
        .collect()
}

pub fn labels(ts: &TimeSeries) -> Vec<i64> {
    ts.index()
        .unwrap()
        .to_physical_repr()
        .i64()
        .unwrap()
        .into_no_null_iter()
        .collect()
}
