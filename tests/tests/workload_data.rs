//! D(N, 0) matches the checksums of the Python generator (`docs/workloads.md`).

use meteaudata_e2e::workload::{checksum, values};

#[test]
fn d_n_0_matches_the_python_reference() {
    for (n, missing, sum, md5) in [
        (
            10_000,
            120,
            98390.56119316458,
            "f1d5b88e706845db144500ee6358848e",
        ),
        (
            100_000,
            1020,
            991903.3087586358,
            "8095e98bc635ae35b93cb021df93e434",
        ),
        (
            1_000_000,
            10020,
            9901899.59274299,
            "543d5e513ff703d33c7a961588984eb6",
        ),
    ] {
        let c = checksum(&values(n, 0));
        assert_eq!((c.length, c.missing), (n, missing), "N={n}");
        assert!(
            (c.sum - sum).abs() <= 1e-12 * sum,
            "N={n}: sum {} vs {sum}",
            c.sum
        );
        assert_eq!(c.md5, md5, "N={n}");
    }
}

#[test]
fn tracked_processing_equals_polars_called_directly() {
    use meteaudata::prelude::*;
    use meteaudata_e2e::workload;

    let mut signal = workload::signal(100_000, 0);
    let raw = signal
        .time_series("S0#1_RAW#1")
        .unwrap()
        .data()
        .unwrap()
        .clone();
    signal
        .process(
            &["S0#1_RAW#1"],
            resample("15min"),
            ProcessOptions::default(),
        )
        .unwrap();
    signal
        .process(
            &["S0#1_RESAMPLED#1"],
            linear_interpolation(),
            ProcessOptions::default(),
        )
        .unwrap();
    let ours = signal.time_series("S0#1_LIN-INT#1").unwrap();
    let direct = workload::polars_resample_interpolate(&raw);
    assert_eq!(ours.len(), 100_000 / 15 + 1);
    assert!(
        ours.index()
            .unwrap()
            .equals(direct.column("index").unwrap().as_materialized_series())
    );
    let theirs: Vec<Option<f64>> = direct
        .column("values")
        .unwrap()
        .f64()
        .unwrap()
        .iter()
        .collect();
    meteaudata_e2e::assert_close(
        "15min + interpolation",
        &meteaudata_e2e::float_values(ours),
        &theirs,
        1e-12,
    );
}
