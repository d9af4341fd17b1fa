//! Resample (15 min, mean) and linear interpolation of D(N, 0): through `Signal::process`
//! (with the tracking), and the same job with polars called directly (group_by_dynamic +
//! upsample + interpolate, checked to give the same numbers), at N = 10^4, 10^6 and 10^7.
//!
//! `cargo bench -p meteaudata-e2e --bench processing` (or `cargo xtask bench`).

use std::hint::black_box;

use criterion::{BatchSize, BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use meteaudata::polars::prelude::*;
use meteaudata::prelude::{ProcessOptions, Signal, linear_interpolation, resample};
use meteaudata_e2e::workload;

/// N = 10^4, 10^6, 10^7 when benchmarking; only 10^4 under `cargo test --benches`, which runs
/// each bench once to keep it working.
fn sizes() -> Vec<usize> {
    if std::env::args().any(|a| a == "--bench") {
        vec![10_000, 1_000_000, 10_000_000]
    } else {
        vec![10_000]
    }
}

/// The same job through the tracked API: two `process` calls.
fn tracked(mut signal: Signal) -> Signal {
    signal
        .process(
            &["S0#1_RAW#1"],
            resample("15min"),
            ProcessOptions::default(),
        )
        .expect("resample");
    signal
        .process(
            &["S0#1_RESAMPLED#1"],
            linear_interpolation(),
            ProcessOptions::default(),
        )
        .expect("interpolate");
    signal
}

fn resample_and_interpolate(c: &mut Criterion) {
    let mut group = c.benchmark_group("resample15min+interpolate");
    for n in sizes() {
        if n >= 1_000_000 {
            group.sample_size(10);
        }
        let signal = workload::signal(n, 0);
        let frame = signal
            .time_series("S0#1_RAW#1")
            .expect("raw")
            .data()
            .unwrap()
            .clone();
        // The baseline does the same job, no more and no less: equal numbers.
        let ours = tracked(signal.clone());
        let ours = ours.time_series("S0#1_LIN-INT#1").expect("interpolated");
        let direct = workload::polars_resample_interpolate(&frame);
        assert!(
            direct
                .column("values")
                .unwrap()
                .as_materialized_series()
                .equals_missing(&ours.values().unwrap()),
            "polars direct differs from signal.process at N = {n}"
        );
        group.throughput(Throughput::Elements(n as u64));
        group.bench_with_input(BenchmarkId::new("signal.process", n), &signal, |b, s| {
            b.iter_batched(
                || s.clone(),
                |s| black_box(tracked(s)),
                BatchSize::LargeInput,
            )
        });
        group.bench_with_input(BenchmarkId::new("polars direct", n), &frame, |b, f| {
            b.iter(|| black_box(workload::polars_resample_interpolate(f)))
        });
    }
    group.finish();
}

fn interpolation(c: &mut Criterion) {
    let mut group = c.benchmark_group("linear_interpolation");
    for n in sizes() {
        if n >= 1_000_000 {
            group.sample_size(10);
        }
        let signal = workload::signal(n, 0);
        let frame = signal
            .time_series("S0#1_RAW#1")
            .expect("raw")
            .data()
            .unwrap()
            .clone();
        group.throughput(Throughput::Elements(n as u64));
        group.bench_with_input(BenchmarkId::new("signal.process", n), &signal, |b, s| {
            b.iter_batched(
                || s.clone(),
                |mut s| {
                    s.process(
                        &["S0#1_RAW#1"],
                        linear_interpolation(),
                        ProcessOptions::default(),
                    )
                    .expect("interpolate");
                    black_box(s)
                },
                BatchSize::LargeInput,
            )
        });
        group.bench_with_input(BenchmarkId::new("polars direct", n), &frame, |b, f| {
            b.iter(|| {
                black_box(
                    f.clone()
                        .lazy()
                        .with_column(
                            col("values")
                                .interpolate(InterpolationMethod::Linear)
                                .fill_null_with_strategy(FillNullStrategy::Forward(None)),
                        )
                        .collect()
                        .expect("interpolate"),
                )
            })
        });
    }
    group.finish();
}

fn resampling(c: &mut Criterion) {
    let mut group = c.benchmark_group("resample15min");
    for n in sizes() {
        if n >= 1_000_000 {
            group.sample_size(10);
        }
        let signal = workload::signal(n, 0);
        group.throughput(Throughput::Elements(n as u64));
        group.bench_with_input(BenchmarkId::new("signal.process", n), &signal, |b, s| {
            b.iter_batched(
                || s.clone(),
                |mut s| {
                    s.process(
                        &["S0#1_RAW#1"],
                        resample("15min"),
                        ProcessOptions::default(),
                    )
                    .expect("resample");
                    black_box(s)
                },
                BatchSize::LargeInput,
            )
        });
    }
    group.finish();
}

criterion_group!(benches, resample_and_interpolate, interpolation, resampling);
criterion_main!(benches);
