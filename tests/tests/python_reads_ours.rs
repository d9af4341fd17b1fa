//! meteaudata 0.12.1 for Python loads archives written here and finds the same names, values
//! and steps. The interpreter is `$METEAUDATA_PYTHON`, else the virtualenv `.ci/run` creates
//! (`~/.cache/meteaudata-venv`). Without it the test skips with a reason, except under CI.

use std::path::PathBuf;
use std::process::Command;

use meteaudata::prelude::*;
use meteaudata_e2e::env::python;
use meteaudata_e2e::workload;
use serde_json::Value;

#[test]
fn python_loads_our_archive() {
    let Some(python) = python() else { return };
    let mut ds = Dataset::new("from-rust")
        .unwrap()
        .with_project("interop")
        .with_signals([workload::signal(500, 0), workload::signal(500, 1)])
        .unwrap();
    ds.signal_mut("S0#1")
        .unwrap()
        .process(
            &["S0#1_RAW#1"],
            linear_interpolation(),
            ProcessOptions::default(),
        )
        .unwrap();
    ds.signal_mut("S0#1")
        .unwrap()
        .process(
            &["S0#1_LIN-INT#1"],
            resample("15min"),
            ProcessOptions::default(),
        )
        .unwrap();
    ds.process(
        &["S0#1_RAW#1", "S1#1_RAW#1"],
        average_signals(None, true),
        DatasetProcessOptions::default(),
    )
    .unwrap();
    let dir = std::env::temp_dir().join(format!("meteaudata-python-{}", std::process::id()));
    let path = ds.save_archive(&dir).unwrap();

    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("python/load_archive.py");
    let output = Command::new(python)
        .arg(script)
        .arg(&path)
        .arg("from-rust")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "python failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let seen: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(seen["project"], "interop");
    let mut count = 0;
    for signal in ds.iter() {
        let py = &seen["signals"][signal.name()];
        assert_eq!(py["units"], signal.units());
        for ts in signal.iter() {
            let p = &py["time_series"][ts.name()];
            assert_eq!(p["length"].as_u64(), Some(ts.len() as u64), "{}", ts.name());
            let values: Vec<Option<f64>> = p["values"]
                .as_array()
                .unwrap()
                .iter()
                .map(Value::as_f64)
                .collect();
            // pandas' default CSV float parser is not round-trip exact: our text
            // is, but Python reads it back within an ulp.
            meteaudata_e2e::assert_close(
                ts.name(),
                &values,
                &meteaudata_e2e::float_values(ts),
                1e-15,
            );
            assert_eq!(p["index_type"], "DatetimeIndex");
            let steps: Vec<(String, Vec<String>)> = ts
                .processing_steps()
                .iter()
                .map(|s| (s.function_info.name.clone(), s.input_series_names.clone()))
                .collect();
            let py_steps: Vec<(String, Vec<String>)> = p["steps"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| {
                    (
                        s["function"].as_str().unwrap().to_owned(),
                        s["inputs"]
                            .as_array()
                            .unwrap()
                            .iter()
                            .map(|v| v.as_str().unwrap().to_owned())
                            .collect(),
                    )
                })
                .collect();
            assert_eq!(py_steps, steps, "{}: steps", ts.name());
            count += 1;
        }
    }
    assert_eq!(count, 5);
    let _ = std::fs::remove_dir_all(&dir);
}
