//! A property check shared by the range tests of every backend: random appends (some
//! overlapping, refused or replacing), updates and deletions of ranges, compactions and reads
//! of a stored series agree with the same operations on a series in memory, each change is
//! one version, and reads of a released series leave it released.

use meteaudata::polars::prelude::*;
use meteaudata::prelude::*;
use meteaudata::storage::versions::VersionLog;
use meteaudata::{Attachment, Error};

use crate::workload;

const MINUTE_NS: i64 = 60_000_000_000;
const SIGNAL: &str = "S0#1";
const RAW: &str = "S0#1_RAW#1";

/// A small xorshift generator, so that every run checks the same cases.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n.max(1)
    }
}

/// `len` points from label `first` (nanoseconds) every minute, with values from `seed`.
fn points(first: i64, len: usize, seed: u64) -> (Series, Series) {
    let index = Int64Chunked::from_vec(
        "index".into(),
        (0..len as i64).map(|i| first + i * MINUTE_NS).collect(),
    )
    .into_datetime(TimeUnit::Nanoseconds, None)
    .into_series();
    let values = Series::new(
        "values".into(),
        (0..len as u64)
            .map(|i| (i % 11 != 3).then_some((seed * 1000 + i) as f64 * 0.25))
            .collect::<Vec<_>>(),
    );
    (index, values)
}

/// The first (smallest) label of a series with increasing labels, in nanoseconds.
fn first_label(ts: &TimeSeries) -> i64 {
    ts.label_bounds().unwrap().unwrap().0
}

/// Its last (largest) label.
fn last_label(ts: &TimeSeries) -> i64 {
    ts.label_bounds().unwrap().unwrap().1
}

fn same(context: &str, got: &DataFrame, expected: &DataFrame) {
    assert!(
        got.equals_missing(expected),
        "{context}: got {got:?}, expected {expected:?}"
    );
}

fn time(ns: i64) -> chrono::NaiveDateTime {
    chrono::DateTime::from_timestamp_nanos(ns).naive_utc()
}

/// Runs the check on the store `attachment` makes (each call: the same backend, a fresh
/// memory budget), with dataset `name`, for `steps` random operations.
pub fn ranges_and_appends_agree_with_memory(
    attachment: impl Fn() -> Attachment,
    name: &str,
    steps: usize,
    seed: u64,
) {
    let mut rng = Rng(seed | 1);
    let initial = 2_000 + rng.below(2_000) as usize;
    let mut model = workload::series(initial, 0);
    let mut ds = Dataset::new(name)
        .unwrap()
        .with_signals([workload::signal(initial, 0)])
        .unwrap();
    ds.attach(attachment()).unwrap();
    let mut versions = ds.version().unwrap();
    for step in 0..steps {
        let last = last_label(&model);
        let context = format!("{name}, step {step}");
        match rng.below(13) {
            0..=4 => {
                let first = last + MINUTE_NS * (1 + rng.below(3) as i64);
                let (i, v) = points(first, 1 + rng.below(400) as usize, step as u64);
                model.append(i.clone(), v.clone(), Overlap::Error).unwrap();
                let signal = ds.signal_mut(SIGNAL).unwrap();
                signal.append(RAW, i, v, Overlap::Error).unwrap();
                versions += 1;
            }
            5 => {
                let back = 1 + rng.below(model.len() as u64 - 1) as i64;
                let (i, v) = points(last - back * MINUTE_NS, 5, step as u64);
                let len = model.len();
                let err = ds
                    .signal_mut(SIGNAL)
                    .unwrap()
                    .append(RAW, i, v, Overlap::Error)
                    .unwrap_err();
                let expected = time(last - back * MINUTE_NS).to_string();
                assert!(
                    matches!(&err, Error::Overlap { label, .. } if *label == expected),
                    "{context}: {err} (expected the label {expected})"
                );
                assert_eq!(
                    ds.signal(SIGNAL).unwrap().time_series(RAW).unwrap().len(),
                    len
                );
            }
            6 | 7 => {
                let back = rng.below(600.min(model.len() as u64 - 1)) as i64;
                let (i, v) = points(
                    last - back * MINUTE_NS,
                    1 + rng.below(700) as usize,
                    50 + step as u64,
                );
                model
                    .append(i.clone(), v.clone(), Overlap::Replace)
                    .unwrap();
                let signal = ds.signal_mut(SIGNAL).unwrap();
                signal.append(RAW, i, v, Overlap::Replace).unwrap();
                versions += 1;
            }
            8 => {
                if ds.signal_mut(SIGNAL).unwrap().compact(RAW).unwrap() {
                    versions += 1;
                }
            }
            9 | 10 => {
                let span = (last - first_label(&model)) / MINUTE_NS;
                let a = first_label(&model) + rng.below(span as u64 + 1) as i64 * MINUTE_NS;
                let b = a + rng.below(2_000) as i64 * MINUTE_NS;
                let expected = model.delete_range(time(a), time(b)).unwrap();
                let removed = ds
                    .signal_mut(SIGNAL)
                    .unwrap()
                    .delete_range(RAW, time(a), time(b))
                    .unwrap();
                assert_eq!(removed, expected, "{context}: points deleted");
                versions += 1;
            }
            _ => {
                let span = (last - first_label(&model)) / MINUTE_NS;
                let a = first_label(&model) + rng.below(span as u64 + 1) as i64 * MINUTE_NS;
                let width = 1 + rng.below(1_500) as i64;
                let (i, v) = points(
                    a,
                    (width as usize).min(1 + rng.below(1_500) as usize),
                    90 + step as u64,
                );
                let b = a + width * MINUTE_NS;
                let expected = model
                    .update(time(a), time(b), i.clone(), v.clone())
                    .unwrap();
                let replaced = ds
                    .signal_mut(SIGNAL)
                    .unwrap()
                    .update(RAW, time(a), time(b), i, v)
                    .unwrap();
                assert_eq!(replaced, expected, "{context}: points replaced");
                versions += 1;
            }
        }
        assert_eq!(
            ds.version(),
            Some(versions),
            "{context}: one version per change"
        );
        // Read back through a lazily opened copy: reads of parts load only parts.
        let reopened = Dataset::open_from(attachment(), name, true).unwrap();
        assert_eq!(reopened.version(), Some(versions), "{context}");
        let stored = reopened.signal(SIGNAL).unwrap().time_series(RAW).unwrap();
        assert_eq!(stored.len(), model.len(), "{context}: length");
        let (lo, hi) = (model.head(1).unwrap(), last_label(&model) + 10 * MINUTE_NS);
        let lo = lo
            .column("index")
            .unwrap()
            .as_materialized_series()
            .to_physical_repr()
            .i64()
            .unwrap()
            .get(0)
            .unwrap()
            - 10 * MINUTE_NS;
        for _ in 0..4 {
            let a = lo + rng.below(((hi - lo) / MINUTE_NS) as u64) as i64 * MINUTE_NS;
            let b = a + rng.below(3_000) as i64 * MINUTE_NS;
            same(
                &format!("{context}: range {a}..{b}"),
                &stored.read_range(time(a), time(b)).unwrap(),
                &model.read_range(time(a), time(b)).unwrap(),
            );
            let offset = rng.below(model.len() as u64 + 10) as usize;
            let len = rng.below(3_000) as usize;
            same(
                &format!("{context}: rows {offset}+{len}"),
                &stored.read_rows(offset, len).unwrap(),
                &model.read_rows(offset, len).unwrap(),
            );
        }
        // Ranges that start or end exactly at the last label before this step (the largest
        // label of a chunk, when the step appended).
        for (a, b) in [
            (last, last + MINUTE_NS),
            (last - MINUTE_NS, last),
            (last, last),
            (last - 5 * MINUTE_NS, last + 5 * MINUTE_NS),
        ] {
            same(
                &format!("{context}: edge range {a}..{b}"),
                &stored.read_range(time(a), time(b)).unwrap(),
                &model.read_range(time(a), time(b)).unwrap(),
            );
        }
        // Lazy scans: a filter and a range before anything is read.
        let threshold = rng.below(400) as f64 * 0.25;
        let filtered = |ts: &TimeSeries| {
            ts.scan()
                .unwrap()
                .filter(col("values").gt(lit(threshold)))
                .collect()
                .unwrap()
        };
        same(
            &format!("{context}: scan > {threshold}"),
            &filtered(stored),
            &filtered(&model),
        );
        let a = lo + rng.below(((hi - lo) / MINUTE_NS) as u64) as i64 * MINUTE_NS;
        let b = a + rng.below(3_000) as i64 * MINUTE_NS;
        same(
            &format!("{context}: scan_range {a}..{b}"),
            &stored
                .scan_range(time(a), time(b))
                .unwrap()
                .collect()
                .unwrap(),
            &model.read_range(time(a), time(b)).unwrap(),
        );
        let n = rng.below(500) as usize;
        same(&context, &stored.head(n).unwrap(), &model.head(n).unwrap());
        same(&context, &stored.tail(n).unwrap(), &model.tail(n).unwrap());
        if attachment().backend.capabilities().persistent {
            assert!(
                !stored.is_resident(),
                "{context}: reads left the series released"
            );
        }
        same(&context, &stored.data().unwrap(), &model.data().unwrap());
    }
    let backend = attachment().backend;
    let history = VersionLog::new(&*backend, name)
        .unwrap()
        .versions()
        .unwrap();
    assert_eq!(
        history.iter().map(|v| v.version).collect::<Vec<_>>(),
        (1..=versions).collect::<Vec<_>>(),
        "{name}: the history holds every change"
    );
}
