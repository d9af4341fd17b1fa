//! `replace_ranges(index_pairs, reason, replace_with)`: overwrite labelled ranges.

use meteaudata_core::polars::prelude::*;
use meteaudata_core::{
    BoxError, ParamValue, Parameters, ProcessingStep, ProcessingType, SignalTransform, TimeSeries,
    TransformOutput,
};

use crate::bounds::{Bound, label_mask};
use crate::error::ProcessingError;
use crate::support::{function_info, output_name};

const FUNCTION: &str = "replace_ranges";

/// Replaces the values in labelled ranges (see [`replace_ranges`]).
#[derive(Debug, Clone, PartialEq)]
pub struct ReplaceRanges {
    index_pairs: Vec<(Bound, Bound)>,
    reason: String,
    replace_with: f64,
}

/// Sets every value whose label lies in one of the inclusive ranges `[start, end]` to
/// `replace_with` (NaN makes them missing). Pairs are applied in order; a reversed pair selects
/// nothing; partial date texts cover their period; any index kind works. Integer values stay
/// integers when `replace_with` is a whole number, otherwise they become floats. Records
/// `ProcessingType::Filtering`, suffix `REPLACED-RANGES`, parameters `{index_pairs, reason,
/// replace_with}` with pairs as lists and NaN as the text `"nan"`, as Python does.
pub fn replace_ranges<A, B>(
    index_pairs: impl IntoIterator<Item = (A, B)>,
    reason: impl Into<String>,
    replace_with: f64,
) -> ReplaceRanges
where
    A: Into<Bound>,
    B: Into<Bound>,
{
    ReplaceRanges {
        index_pairs: index_pairs
            .into_iter()
            .map(|(a, b)| (a.into(), b.into()))
            .collect(),
        reason: reason.into(),
        replace_with,
    }
}

impl SignalTransform for ReplaceRanges {
    fn name(&self) -> String {
        FUNCTION.into()
    }

    fn apply(&self, inputs: &[&TimeSeries]) -> Result<Vec<TransformOutput>, BoxError> {
        let pairs: Vec<ParamValue> = self
            .index_pairs
            .iter()
            .map(|(a, b)| ParamValue::List(vec![a.clone(), b.clone()]))
            .collect();
        let step = ProcessingStep::new(
            ProcessingType::Filtering,
            "A function for replacing ranges of values with another (fixed) value.",
            function_info(FUNCTION),
            "REPLACED-RANGES",
        )
        .with_parameters(
            Parameters::new()
                .with("index_pairs", ParamValue::List(pairs))
                .with("reason", self.reason.clone())
                .with("replace_with", recorded_value(self.replace_with)),
        )
        .with_inputs(inputs.iter().map(|ts| ts.name()));
        inputs
            .iter()
            .map(|ts| Ok(TransformOutput::new(self.replace_series(ts)?, step.clone())))
            .collect()
    }
}

/// The replacement as Python records it: NaN as the text `"nan"`.
fn recorded_value(value: f64) -> ParamValue {
    if value.is_nan() {
        ParamValue::from("nan")
    } else {
        ParamValue::Float(value)
    }
}

impl ReplaceRanges {
    fn replace_series(&self, ts: &TimeSeries) -> Result<TimeSeries, ProcessingError> {
        let name = output_name(ts, "REPLACED-RANGES")?;
        let mut mask = BooleanChunked::full(PlSmallStr::EMPTY, false, ts.len());
        for (start, end) in &self.index_pairs {
            mask = &mask | &label_mask(FUNCTION, ts, start, end)?;
        }
        let values = ts.values()?;
        let replacement = (!self.replace_with.is_nan()).then_some(self.replace_with);
        let whole = replacement.is_some_and(|r| r.fract() == 0.0 && r.abs() < 9.0e15);
        let replaced = match values.dtype() {
            DataType::Int64 if whole => values
                .i64()?
                .set(&mask, replacement.map(|r| r as i64))?
                .into_series(),
            DataType::Int64 | DataType::Float64 => values
                .cast(&DataType::Float64)?
                .f64()?
                .set(&mask, replacement)?
                .into_series(),
            other => {
                return Err(ProcessingError::ValuesKind {
                    function: FUNCTION,
                    series: ts.name().to_owned(),
                    dtype: other.to_string(),
                });
            }
        };
        Ok(ts.with_same_index(name, replaced)?)
    }
}
