//! The benchmark data set D(N, s) of `docs/workloads.md` and its checksum, exactly as the Python
//! reference runs define them.

use meteaudata::polars::prelude::*;
use meteaudata::{DataProvenance, Dataset, Signal, TimeSeries};
use serde_json::json;

/// 2020-01-01T00:00:00 in nanoseconds.
const START_NS: i64 = 1_577_836_800_000_000_000;
const MINUTE_NS: i64 = 60_000_000_000;

/// The values of D(N, s): `10 + 5 sin(2πj/1440) + (u_j − 0.5)`, missing on 1 % of the points.
pub fn values(n: usize, s: u64) -> Vec<Option<f64>> {
    values_from(0, n, s)
}

/// Values `first .. first + n` of D(·, s) (D(N, s) for N beyond them holds the same values
/// there).
pub fn values_from(first: usize, n: usize, s: u64) -> Vec<Option<f64>> {
    (first as u64..(first + n) as u64)
        .map(|i| {
            let j = i + 7919 * s;
            if (3000..3060).contains(&(j % 6000)) {
                return None;
            }
            let u = ((j.wrapping_mul(2_654_435_761)) % (1 << 32)) as f64 / (1u64 << 32) as f64;
            Some(10.0 + 5.0 * (2.0 * std::f64::consts::PI * j as f64 / 1440.0).sin() + (u - 0.5))
        })
        .collect()
}

/// The naive one-minute index from 2020-01-01 of D(N, ·).
pub fn index(n: usize) -> Series {
    index_from(0, n)
}

/// Labels `first .. first + n` of the index of D(·, ·).
pub fn index_from(first: usize, n: usize) -> Series {
    Int64Chunked::from_vec(
        "index".into(),
        (first as i64..(first + n) as i64)
            .map(|i| START_NS + i * MINUTE_NS)
            .collect(),
    )
    .into_datetime(TimeUnit::Nanoseconds, None)
    .into_series()
}

/// Label `i` of the index of D(N, ·) (the `i`-th minute from 2020-01-01).
pub fn label(i: i64) -> chrono::NaiveDateTime {
    chrono::DateTime::from_timestamp_nanos(START_NS + i * MINUTE_NS).naive_utc()
}

/// D(N, s) as a `RAW` time series.
pub fn series(n: usize, s: u64) -> TimeSeries {
    TimeSeries::new("RAW", index(n), Series::new("RAW".into(), values(n, s)))
        .expect("the workload series is valid")
}

/// A signal `S<s>` holding D(N, s) as its RAW series.
pub fn signal(n: usize, s: u64) -> Signal {
    Signal::new(
        &format!("S{s}"),
        "u",
        DataProvenance::default(),
        [series(n, s)],
    )
    .expect("the workload signal is valid")
}

/// Job w1: a dataset `workload` with one signal of D(N, 0).
pub fn dataset(n: usize) -> Dataset {
    Dataset::new("workload")
        .and_then(|d| d.with_signals([signal(n, 0)]))
        .expect("the workload dataset is valid")
}

/// The least polars needs to do what `resample("15min")` then `linear_interpolation()` do
/// to D(N, ·) ([`TimeSeries::data`] frame in, index and values out): `group_by_dynamic` for
/// the means, `upsample` for the bins the hour-long gaps leave empty, `interpolate` for
/// them. D(N, ·) never ends inside a gap for the N benchmarked, so no trailing missing value
/// needs a forward fill; the bench checks that the two results are equal.
pub fn polars_resample_interpolate(frame: &DataFrame) -> DataFrame {
    let every = Duration::parse("15m");
    let binned = frame
        .clone()
        .lazy()
        .group_by_dynamic(
            col("index"),
            [],
            DynamicGroupOptions {
                index_column: "index".into(),
                every,
                period: every,
                offset: Duration::parse("0ns"),
                label: Label::Left,
                include_boundaries: false,
                closed_window: ClosedWindow::Left,
                start_by: StartBy::WindowBound,
            },
        )
        .agg([col("values").mean()])
        .collect()
        .expect("group_by_dynamic");
    binned
        .upsample(Vec::<PlSmallStr>::new(), "index", every)
        .expect("upsample")
        .lazy()
        .with_column(col("values").interpolate(InterpolationMethod::Linear))
        .collect()
        .expect("interpolate")
}

/// The checksum of a value column: length, missing count, sum of present values (summed per
/// chunk of 2^20 values, as the Python side does) and the MD5 of the little-endian float64
/// bytes with missing values as the canonical quiet NaN.
#[derive(Debug, Clone, PartialEq)]
pub struct Checksum {
    /// Number of values.
    pub length: usize,
    /// Number of missing values.
    pub missing: usize,
    /// Sum of the present values.
    pub sum: f64,
    /// Hex MD5 of the bytes.
    pub md5: String,
}

impl Checksum {
    /// As JSON.
    pub fn to_json(&self) -> serde_json::Value {
        json!({"length": self.length, "missing": self.missing, "sum": self.sum, "md5": self.md5})
    }
}

/// The checksum of `values`.
pub fn checksum(values: &[Option<f64>]) -> Checksum {
    let mut bytes = Vec::with_capacity(values.len() * 8);
    let mut sum = 0.0;
    for chunk in values.chunks(1 << 20) {
        sum += pairwise_sum(&chunk.iter().flatten().copied().collect::<Vec<_>>());
    }
    for v in values {
        let bits = v.map_or(0x7FF8_0000_0000_0000, f64::to_bits);
        bytes.extend_from_slice(&bits.to_le_bytes());
    }
    Checksum {
        length: values.len(),
        missing: values.iter().filter(|v| v.is_none()).count(),
        sum,
        md5: format!("{:x}", md5::compute(&bytes)),
    }
}

/// NumPy's pairwise summation (blocks of 128 summed in 8 lanes, halves recursively).
fn pairwise_sum(x: &[f64]) -> f64 {
    if x.len() < 8 {
        return x.iter().fold(-0.0, |a, b| a + b);
    }
    if x.len() <= 128 {
        let mut r = [0.0f64; 8];
        r.copy_from_slice(&x[..8]);
        let mut i = 8;
        while i + 8 <= x.len() {
            for (k, lane) in r.iter_mut().enumerate() {
                *lane += x[i + k];
            }
            i += 8;
        }
        let mut res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        for v in &x[i..] {
            res += v;
        }
        return res;
    }
    let half = (x.len() / 2) / 8 * 8;
    pairwise_sum(&x[..half]) + pairwise_sum(&x[half..])
}
