//! The built-in functions in a replay [`Registry`], each rebuilt from its recorded parameters.

use meteaudata_core::replay::Registry;
use meteaudata_core::{ParamValue, Parameters};

use crate::error::ProcessingError;
use crate::{
    average_signals, linear_interpolation, linear_interpolation_by_time,
    normalize_index_to_numeric_delta, predict_from_previous_point, replace_ranges, resample,
    subset,
};

/// The version meteaudata 0.12.1 for Python records for these functions, whose numbers this
/// crate reproduces.
const PYTHON_VERSION: &str = "0.1";

/// A [`Registry`] holding every built-in function (see [`register`]).
pub fn registry() -> Registry {
    let mut registry = Registry::new();
    register(&mut registry);
    registry
}

/// Adds every built-in function to `registry`, under the name its steps record and two
/// versions: this crate's, and `0.1`, which meteaudata 0.12.1 for Python records for the same
/// functions (so histories written by Python replay too).
pub fn register(registry: &mut Registry) {
    for version in [env!("CARGO_PKG_VERSION"), PYTHON_VERSION] {
        registry
            .register_signal("resample", version, |p| {
                Ok(resample(text(p, "resample", "frequency")?))
            })
            .register_signal("linear interpolation", version, |_| {
                Ok(linear_interpolation())
            })
            .register_signal("linear interpolation by time", version, |_| {
                Ok(linear_interpolation_by_time())
            })
            .register_signal("subset", version, |p| {
                let rank_based = match p.get("rank_based") {
                    None | Some(ParamValue::Null) => false,
                    Some(ParamValue::Bool(b)) => *b,
                    Some(other) => return Err(bad("subset", "rank_based", other).into()),
                };
                Ok(subset(
                    value(p, "start_position"),
                    value(p, "end_position"),
                    rank_based,
                ))
            })
            .register_signal("replace_ranges", version, |p| {
                let pairs = match p.get("index_pairs") {
                    Some(ParamValue::List(pairs)) => pairs
                        .iter()
                        .map(|pair| match pair {
                            ParamValue::List(ends) if ends.len() == 2 => {
                                Ok((ends[0].clone(), ends[1].clone()))
                            }
                            other => Err(bad("replace_ranges", "index_pairs", other)),
                        })
                        .collect::<Result<Vec<_>, _>>()?,
                    Some(other) => return Err(bad("replace_ranges", "index_pairs", other).into()),
                    None => return Err(missing("replace_ranges", "index_pairs").into()),
                };
                let reason = match p.get("reason") {
                    Some(ParamValue::String(s)) => s.clone(),
                    None | Some(ParamValue::Null) => String::new(),
                    Some(other) => return Err(bad("replace_ranges", "reason", other).into()),
                };
                let with = match p.get("replace_with") {
                    None | Some(ParamValue::Null) => f64::NAN,
                    Some(ParamValue::Float(f)) => *f,
                    Some(ParamValue::Int(i)) => *i as f64,
                    Some(ParamValue::String(s)) if s.parse::<f64>().is_ok() => {
                        s.parse().expect("checked")
                    }
                    Some(other) => return Err(bad("replace_ranges", "replace_with", other).into()),
                };
                Ok(replace_ranges(pairs, reason, with))
            })
            .register_signal("Previous point prediction", version, |_| {
                Ok(predict_from_previous_point())
            })
            .register_signal("normalize_index_to_timedelta", version, |p| {
                let reference = match value(p, "reference_time") {
                    ParamValue::String(s) if s == "first_index" => ParamValue::Null,
                    other => other,
                };
                Ok(normalize_index_to_numeric_delta(
                    text(p, "normalize_index_to_timedelta", "unit")?,
                    reference,
                ))
            })
            .register_dataset("Signal Averaging", version, |_| {
                Ok(average_signals(None, false))
            });
    }
}

/// Parameter `key` as given (`Null` when absent).
fn value(p: &Parameters, key: &str) -> ParamValue {
    p.get(key).cloned().unwrap_or(ParamValue::Null)
}

/// Parameter `key`, which must be a text.
fn text(p: &Parameters, function: &'static str, key: &str) -> Result<String, ProcessingError> {
    match p.get(key) {
        Some(ParamValue::String(s)) => Ok(s.clone()),
        Some(other) => Err(bad(function, key, other)),
        None => Err(missing(function, key)),
    }
}

fn bad(function: &'static str, key: &str, value: &ParamValue) -> ProcessingError {
    ProcessingError::invalid(
        function,
        format!("the recorded {key} {value} cannot be used"),
    )
}

fn missing(function: &'static str, key: &str) -> ProcessingError {
    ProcessingError::invalid(function, format!("the step records no {key}"))
}
