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

/// The Python peers of `cargo xtask bench` (`xtask/peers.py`) generate D(N, 0) with NumPy:
/// their data must be ours, or the comparison measures different work.
#[test]
fn the_python_peers_generate_the_same_data() {
    let Some(python) = meteaudata_e2e::env::python() else {
        return;
    };
    let xtask = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../xtask");
    for n in [0, 1, 3_059, 10_000, 1_000_000] {
        let output = std::process::Command::new(&python)
            .current_dir(&xtask)
            .env("PYTHONDONTWRITEBYTECODE", "1")
            .args([
                "-c",
                &format!(
                    "import json, peers; print(json.dumps(peers.checksum(peers.values({n}))))"
                ),
            ])
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let theirs: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        let ours = checksum(&values(n, 0));
        assert_eq!(theirs["length"], n, "N={n}");
        assert_eq!(theirs["missing"], ours.missing, "N={n}");
        assert_eq!(theirs["md5"], ours.md5.as_str(), "N={n}");
        let sum = theirs["sum"].as_f64().unwrap();
        assert!(
            (sum - ours.sum).abs() <= 1e-12 * ours.sum.abs(),
            "N={n}: {sum} vs {}",
            ours.sum
        );
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
