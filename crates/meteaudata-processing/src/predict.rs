//! `predict_from_previous_point()`: the value at `t` read as the prediction for `t + 1 step`.

use meteaudata_core::{
    BoxError, Parameters, ProcessingStep, ProcessingType, SignalTransform, TimeSeries,
    TransformOutput,
};

use crate::support::{function_info, output_name, require_temporal};

const FUNCTION: &str = "Previous point prediction";

/// Predicts each point from the previous one (see [`predict_from_previous_point`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PredictFromPreviousPoint;

/// Returns each input's values and index unchanged under the suffix `PREV-PRED`; the shift is
/// recorded as `step_distance = 1` (the value at `t` predicts `t + 1 step`). Records
/// `ProcessingType::Prediction`, function `Previous point prediction`, empty parameters.
pub fn predict_from_previous_point() -> PredictFromPreviousPoint {
    PredictFromPreviousPoint
}

impl SignalTransform for PredictFromPreviousPoint {
    fn name(&self) -> String {
        FUNCTION.into()
    }

    fn apply(&self, inputs: &[&TimeSeries]) -> Result<Vec<TransformOutput>, BoxError> {
        let step = ProcessingStep::new(
            ProcessingType::Prediction,
            "A simple processing function that predicts the next point in a series using the last point",
            function_info(FUNCTION),
            "PREV-PRED",
        )
        .with_parameters(Parameters::new())
        .with_step_distance(1)
        .with_inputs(inputs.iter().map(|ts| ts.name()));
        inputs
            .iter()
            .map(|ts| {
                require_temporal(FUNCTION, ts)?;
                let out =
                    ts.with_same_index(output_name(ts, "PREV-PRED")?, ts.values()?.clone())?;
                Ok(TransformOutput::new(out, step.clone()))
            })
            .collect()
    }
}
