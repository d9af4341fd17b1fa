//! Every processed series of the Python fixtures, recomputed here from its inputs: same
//! values, index, metadata and steps.

use meteaudata::polars::prelude::{DataType, TimeUnit};
use meteaudata::prelude::*;
use meteaudata::processing;
use meteaudata::{SignalTransform, TimeSeries};
use meteaudata_e2e::*;
use serde_json::Value;

/// The transform a fixture step describes.
fn transform_of(step: &Value) -> Box<dyn SignalTransform> {
    let p = &step["parameters"];
    let bound = |v: &Value| ParamValue::from(v.clone());
    match step["function_name"].as_str().unwrap() {
        "resample" => Box::new(resample(p["frequency"].as_str().unwrap())),
        "linear interpolation" => Box::new(linear_interpolation()),
        "subset" => Box::new(subset(
            bound(&p["start_position"]),
            bound(&p["end_position"]),
            p["rank_based"].as_bool().unwrap(),
        )),
        "replace_ranges" => {
            let pairs: Vec<(ParamValue, ParamValue)> = p["index_pairs"]
                .as_array()
                .unwrap()
                .iter()
                .map(|pair| (bound(&pair[0]), bound(&pair[1])))
                .collect();
            let with = match &p["replace_with"] {
                Value::String(s) if s == "nan" => f64::NAN,
                v => v.as_f64().unwrap(),
            };
            Box::new(replace_ranges(pairs, p["reason"].as_str().unwrap(), with))
        }
        other => panic!("no transform for {other}"),
    }
}

fn fixture_series<'a>(dataset: &'a Value, name: &str) -> (&'a Value, &'a Value) {
    let signal_name = name.rsplit_once('_').unwrap().0;
    let signal = &dataset["signals"][signal_name];
    (signal, &signal["time_series"][name])
}

fn timestamps(ts: &TimeSeries) -> Vec<i64> {
    let index = ts.index().unwrap();
    let per_tick = match index.dtype() {
        DataType::Datetime(TimeUnit::Microseconds, _) => 1_000,
        DataType::Datetime(TimeUnit::Milliseconds, _) => 1_000_000,
        DataType::Datetime(TimeUnit::Nanoseconds, _) => 1,
        _ => return index.i64().unwrap().into_no_null_iter().collect(),
    };
    let physical = index.to_physical_repr();
    physical
        .i64()
        .unwrap()
        .into_no_null_iter()
        .map(|t| t * per_tick)
        .collect()
}

fn expected_timestamps(ts: &Value) -> Vec<i64> {
    ts["timestamps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            v.as_i64()
                .unwrap_or_else(|| label_nanos(v.as_str().unwrap()))
        })
        .collect()
}

/// Compares a computed series with the fixture's description of it.
fn check(context: &str, got: &TimeSeries, expected: &Value) {
    assert_eq!(
        timestamps(got),
        expected_timestamps(expected),
        "{context}: index"
    );
    let values: Vec<Option<f64>> = expected["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(Value::as_f64)
        .collect();
    assert_close(context, &float_values(got), &values, 1e-12);
    assert_eq!(
        got.values_dtype(),
        expected["values_dtype"],
        "{context}: values_dtype"
    );
    let md = serde_json::to_value(got.index_metadata()).unwrap();
    let mut want = expected["index_metadata"].clone();
    if want["dtype"] == "datetime64[s]" {
        want["dtype"] = md["dtype"].clone(); // polars has no second unit
    }
    assert_eq!(md, want, "{context}: index_metadata");
    let steps = got.processing_steps();
    let want_steps = expected["processing_steps"].as_array().unwrap();
    assert_eq!(steps.len(), want_steps.len(), "{context}: number of steps");
    for (i, (s, w)) in steps.iter().zip(want_steps).enumerate() {
        let c = format!("{context}: step {i}");
        assert_eq!(s.step_type.as_str(), w["type"], "{c}: type");
        assert_eq!(
            s.function_info.name,
            w["function_name"].as_str().unwrap(),
            "{c}: function"
        );
        assert_eq!(s.suffix, w["suffix"].as_str().unwrap(), "{c}: suffix");
        assert_eq!(
            s.description,
            w["description"].as_str().unwrap(),
            "{c}: description"
        );
        assert_eq!(
            serde_json::to_value(&s.input_series_names).unwrap(),
            w["input_series_names"],
            "{c}: inputs"
        );
        assert_eq!(
            serde_json::to_value(&s.parameters).unwrap(),
            w["parameters"],
            "{c}: parameters"
        );
        assert_eq!(
            s.step_distance,
            w["step_distance"].as_i64().unwrap(),
            "{c}: step_distance"
        );
        assert_eq!(
            s.requires_calibration,
            w["requires_calibration"].as_bool().unwrap(),
            "{c}"
        );
    }
}

#[test]
fn every_fixture_series_is_read_with_its_metadata() {
    let mut checked = 0;
    for pandas in PANDAS_VERSIONS {
        for set in SETS {
            let ds = &expected(pandas, set, "archive.json")["dataset"];
            for (_, signal) in ds["signals"].as_object().unwrap() {
                for (name, ts) in signal["time_series"].as_object().unwrap() {
                    check(&format!("{pandas}/{set}/{name}"), &series_of(name, ts), ts);
                    checked += 1;
                }
            }
        }
    }
    assert_eq!(checked, 2 * (13 + 8));
}

#[test]
fn every_processed_fixture_series_is_recomputed() {
    let mut recomputed = 0;
    for pandas in PANDAS_VERSIONS {
        for set in SETS {
            let ds = &expected(pandas, set, "archive.json")["dataset"];
            for (signal_name, signal) in ds["signals"].as_object().unwrap() {
                for (name, ts) in signal["time_series"].as_object().unwrap() {
                    let steps = ts["processing_steps"].as_array().unwrap();
                    let Some(last) = steps.last() else { continue };
                    let context = format!("{pandas}/{set}/{name}");
                    let inputs: Vec<&str> = last["input_series_names"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|v| v.as_str().unwrap())
                        .collect();
                    let got = if last["function_name"] == "Signal Averaging" {
                        average(ds, &inputs, name)
                    } else {
                        let input_series =
                            inputs.iter().map(|n| series_of(n, fixture_series(ds, n).1));
                        let mut s = Signal::new(
                            signal_name,
                            signal["units"].as_str().unwrap(),
                            DataProvenance::default(),
                            input_series,
                        )
                        .unwrap();
                        let out = s
                            .process(&inputs, transform_of(last), ProcessOptions::default())
                            .unwrap();
                        assert_eq!(out, [name.as_str()], "{context}: name");
                        s.time_series(name).unwrap().clone()
                    };
                    check(&context, &got, ts);
                    recomputed += 1;
                }
            }
        }
    }
    // main: 10 processed series; edge: 2 — for each pandas version.
    assert_eq!(recomputed, 2 * (10 + 2));
}

/// Recomputes an `average_signals` output through `Dataset::process`.
fn average(ds: &Value, inputs: &[&str], name: &str) -> TimeSeries {
    let mut dataset = Dataset::new(ds["name"].as_str().unwrap())
        .unwrap()
        .with_project(ds["project"].as_str().unwrap());
    let mut signals: Vec<(String, Signal)> = Vec::new();
    for input in inputs {
        let (signal, ts) = fixture_series(ds, input);
        let signal_name = input.rsplit_once('_').unwrap().0;
        let series = series_of(input, ts);
        match signals.iter_mut().find(|(n, _)| n == signal_name) {
            Some((_, s)) => {
                s.add(series).unwrap();
            }
            None => signals.push((
                signal_name.to_owned(),
                Signal::new(
                    signal_name,
                    signal["units"].as_str().unwrap(),
                    DataProvenance::default(),
                    [series],
                )
                .unwrap(),
            )),
        }
    }
    dataset = dataset
        .with_signals(signals.into_iter().map(|(_, s)| s))
        .unwrap();
    let out = dataset
        .process(
            inputs,
            processing::average_signals(None, true),
            DatasetProcessOptions::default(),
        )
        .unwrap();
    assert_eq!(format!("{}_RAW#1", out[0]), name);
    let signal = dataset.signal(&out[0]).unwrap();
    assert_eq!(
        signal.provenance().project.as_deref(),
        ds["project"].as_str()
    );
    signal.time_series(name).unwrap().clone()
}
