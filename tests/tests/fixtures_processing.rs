//! Every processed series of the Python fixtures, recomputed here from its inputs: same
//! values, index, metadata and steps.

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

#[test]
fn every_fixture_series_is_read_with_its_metadata() {
    let mut checked = 0;
    for pandas in PANDAS_VERSIONS {
        for set in SETS {
            let ds = &expected(pandas, set, "archive.json")["dataset"];
            for (_, signal) in ds["signals"].as_object().unwrap() {
                for (name, ts) in signal["time_series"].as_object().unwrap() {
                    assert_matches_fixture(
                        &format!("{pandas}/{set}/{name}"),
                        &series_of(name, ts),
                        ts,
                    );
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
                    assert_matches_fixture(&context, &got, ts);
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
