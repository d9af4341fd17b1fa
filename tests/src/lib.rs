//! Reads the golden fixtures written by meteaudata 0.12.1 for Python
//! (`tests/fixtures/meteaudata-py-0.12.1/` of this repository) into facade types.

pub use meteaudata_workloads::data as workload;

pub mod browser;
pub mod env;
pub mod object_stores;
pub mod ranges;

use std::path::PathBuf;

use chrono::{DateTime, NaiveDateTime};
use meteaudata::polars::prelude::*;
use meteaudata::{
    FunctionInfo, ParamValue, Parameters, ProcessingStep, ProcessingType, TimeSeries,
};
use serde_json::Value;

/// The two producer environments of the fixtures.
pub const PANDAS_VERSIONS: [&str; 2] = ["pandas-2.2.3", "pandas-3.1.1"];
/// The two fixture sets.
pub const SETS: [&str; 2] = ["main", "edge"];

/// The fixture folder: `<repository>/tests/fixtures/meteaudata-py-0.12.1`.
pub fn fixtures_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/meteaudata-py-0.12.1")
}

/// One `expected/<file>.json` of a fixture set.
pub fn expected(pandas: &str, set: &str, file: &str) -> Value {
    let path = fixtures_root()
        .join(pandas)
        .join(set)
        .join("expected")
        .join(file);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read fixture {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("bad JSON in {}: {e}", path.display()))
}

/// The time unit and zone a fixture's `index_metadata.dtype` describes (seconds, which polars
/// lacks, become milliseconds).
fn datetime_dtype(dtype: &str) -> (TimeUnit, Option<String>) {
    let inner = dtype
        .trim_start_matches("datetime64[")
        .trim_end_matches(']');
    let mut parts = inner.splitn(2, ", ");
    let unit = match parts.next() {
        Some("us") => TimeUnit::Microseconds,
        Some("ms") | Some("s") => TimeUnit::Milliseconds,
        _ => TimeUnit::Nanoseconds,
    };
    (unit, parts.next().map(str::to_owned))
}

/// Parses an ISO-8601 label, naive or with an offset, to UTC nanoseconds.
pub fn label_nanos(text: &str) -> i64 {
    let instant = DateTime::parse_from_rfc3339(text)
        .map(|t| t.naive_utc())
        .or_else(|_| NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f"))
        .unwrap_or_else(|e| panic!("bad timestamp {text}: {e}"));
    instant.and_utc().timestamp_nanos_opt().expect("in range")
}

/// The index of a fixture series.
pub fn index_of(ts: &Value) -> Series {
    let md = &ts["index_metadata"];
    let labels = ts["timestamps"].as_array().cloned().unwrap_or_default();
    if md["type"] == "RangeIndex" {
        let ints: Vec<i64> = labels
            .iter()
            .map(|v| v.as_i64().expect("int label"))
            .collect();
        return Series::new("index".into(), ints);
    }
    let (unit, tz) = datetime_dtype(md["dtype"].as_str().expect("dtype"));
    let per_tick = match unit {
        TimeUnit::Nanoseconds => 1,
        TimeUnit::Microseconds => 1_000,
        TimeUnit::Milliseconds => 1_000_000,
    };
    let physical: Vec<i64> = labels
        .iter()
        .map(|v| label_nanos(v.as_str().expect("text label")) / per_tick)
        .collect();
    let tz = TimeZone::opt_try_new(tz).expect("valid zone");
    Int64Chunked::from_vec("index".into(), physical)
        .into_datetime(unit, tz)
        .into_series()
}

/// The values of a fixture series (`null` is a missing value).
pub fn values_of(ts: &Value) -> Series {
    let values = ts["values"].as_array().cloned().unwrap_or_default();
    if ts["values_dtype"] == "int64" {
        let ints: Vec<Option<i64>> = values.iter().map(Value::as_i64).collect();
        Series::new("values".into(), ints)
    } else {
        let floats: Vec<Option<f64>> = values.iter().map(Value::as_f64).collect();
        Series::new("values".into(), floats)
    }
}

/// A processing step as the fixture describes it.
pub fn step_of(step: &Value) -> ProcessingStep {
    let text = |key: &str| step[key].as_str().unwrap_or_default().to_owned();
    let step_type: ProcessingType = text("type").parse().expect("known type");
    let info = FunctionInfo::new(
        text("function_name"),
        text("function_version"),
        text("function_author"),
        "",
    );
    let mut s = ProcessingStep::new(step_type, text("description"), info, text("suffix"))
        .with_inputs(
            step["input_series_names"]
                .as_array()
                .expect("inputs")
                .iter()
                .map(|v| v.as_str().expect("input name").to_owned()),
        )
        .with_step_distance(step["step_distance"].as_i64().unwrap_or(0))
        .with_calibration(step["requires_calibration"].as_bool().unwrap_or(false));
    s.run_datetime = NaiveDateTime::parse_from_str(&text("run_datetime"), "%Y-%m-%dT%H:%M:%S%.f")
        .expect("run_datetime");
    s.parameters = match &step["parameters"] {
        Value::Null => None,
        Value::Object(map) => Some(
            map.iter()
                .map(|(k, v)| (k.clone(), ParamValue::from(v.clone())))
                .collect::<Parameters>(),
        ),
        other => panic!("unexpected parameters {other}"),
    };
    s
}

/// A fixture series with its data and history.
pub fn series_of(name: &str, ts: &Value) -> TimeSeries {
    let series = if ts["index_metadata"]["type"] == "RangeIndex" {
        let start = ts["index_metadata"]["start"].as_i64().expect("start");
        let step = ts["index_metadata"]["step"].as_i64().expect("step");
        TimeSeries::with_range_index(name, start, step, values_of(ts))
    } else {
        TimeSeries::new(name, index_of(ts), values_of(ts))
    }
    .unwrap_or_else(|e| panic!("fixture series {name}: {e}"));
    let steps = ts["processing_steps"]
        .as_array()
        .expect("steps")
        .iter()
        .map(step_of)
        .collect();
    series.with_processing_steps(steps)
}

/// The float values of a series as options (integers converted).
pub fn float_values(ts: &TimeSeries) -> Vec<Option<f64>> {
    ts.values()
        .expect("readable values")
        .cast(&DataType::Float64)
        .expect("numeric")
        .f64()
        .expect("float64")
        .iter()
        .collect()
}

/// Asserts two value lists are equal: same missing pattern, floats within `rel` relative
/// (and 1e-9 absolute) tolerance.
pub fn assert_close(context: &str, got: &[Option<f64>], expected: &[Option<f64>], rel: f64) {
    assert_eq!(got.len(), expected.len(), "{context}: length");
    for (i, (g, e)) in got.iter().zip(expected).enumerate() {
        match (g, e) {
            (None, None) => {}
            (Some(g), Some(e)) => {
                let tol = (rel * e.abs()).max(1e-9);
                assert!(
                    (g - e).abs() <= tol,
                    "{context}: value {i}: got {g}, expected {e}"
                );
            }
            _ => panic!("{context}: value {i}: got {g:?}, expected {e:?}"),
        }
    }
}

/// The index labels as UTC nanoseconds (integers for a positional index).
pub fn timestamps(ts: &TimeSeries) -> Vec<i64> {
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

/// A JSON array of strings, sorted (fixture name lists, in the order the Python loader gives).
pub fn sorted_strings(value: &Value) -> Vec<&str> {
    let mut names: Vec<&str> = value
        .as_array()
        .expect("an array")
        .iter()
        .map(|v| v.as_str().expect("a string"))
        .collect();
    names.sort();
    names
}

/// The labels of a fixture series, as [`timestamps`] gives them.
pub fn expected_timestamps(ts: &Value) -> Vec<i64> {
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

/// Asserts that a series matches the fixture's description of it: index, values (1e-12),
/// dtype, index metadata and every processing step.
pub fn assert_matches_fixture(context: &str, got: &TimeSeries, expected: &Value) {
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
