//! `subset(start, end, rank_based)`: a slice by position or by label.

use meteaudata_core::{
    BoxError, ParamValue, Parameters, ProcessingStep, ProcessingType, SignalTransform, TimeSeries,
    TransformOutput,
};

use crate::bounds::{Bound, label_mask};
use crate::error::ProcessingError;
use crate::support::{function_info, output_name, require_temporal};

const FUNCTION: &str = "subset";

/// Keeps part of each input (see [`subset`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Subset {
    start: Bound,
    end: Bound,
    rank_based: bool,
}

/// Keeps part of each input series.
///
/// With `rank_based`, `start` and `end` are positions (integers, or `None` for an open end)
/// and the slice is half-open `[start, end)`, with negative positions counted from the end and
/// out-of-range positions clipped, as Python slices. Otherwise they are labels and the slice is
/// inclusive at both ends: date texts may be partial (`"2024-01-02"` covers the whole day), and
/// datetimes are compared in the index's time zone. A range outside the data gives an empty
/// series. The bounds are recorded as given (datetimes stay datetimes). Records
/// `ProcessingType::Resampling`, suffix `SLICE`, parameters `{start_position, end_position,
/// rank_based}`.
pub fn subset(start: impl Into<Bound>, end: impl Into<Bound>, rank_based: bool) -> Subset {
    Subset {
        start: start.into(),
        end: end.into(),
        rank_based,
    }
}

impl SignalTransform for Subset {
    fn name(&self) -> String {
        FUNCTION.into()
    }

    fn apply(&self, inputs: &[&TimeSeries]) -> Result<Vec<TransformOutput>, BoxError> {
        let step = ProcessingStep::new(
            ProcessingType::Resampling,
            "A simple processing function that slices a series to given indices.",
            function_info(FUNCTION),
            "SLICE",
        )
        .with_parameters(
            Parameters::new()
                .with("start_position", self.start.clone())
                .with("end_position", self.end.clone())
                .with("rank_based", self.rank_based),
        )
        .with_inputs(inputs.iter().map(|ts| ts.name()));
        inputs
            .iter()
            .map(|ts| Ok(TransformOutput::new(self.subset_series(ts)?, step.clone())))
            .collect()
    }
}

impl Subset {
    fn subset_series(&self, ts: &TimeSeries) -> Result<TimeSeries, ProcessingError> {
        require_temporal(FUNCTION, ts)?;
        let name = output_name(ts, "SLICE")?;
        if self.rank_based {
            let len = ts.len();
            let start = position(&self.start, len, 0)?;
            let end = position(&self.end, len, len)?;
            return Ok(ts.slice(name, start, end.saturating_sub(start))?);
        }
        let mask = label_mask(FUNCTION, ts, &self.start, &self.end)?;
        Ok(ts.filter(name, &mask)?)
    }
}

/// A Python slice position: `None` is `default`, negatives count from the end, clipped.
fn position(bound: &ParamValue, len: usize, default: usize) -> Result<usize, ProcessingError> {
    let len_i = i64::try_from(len).unwrap_or(i64::MAX);
    match bound {
        ParamValue::Null => Ok(default),
        ParamValue::Int(i) if *i < 0 => Ok(usize::try_from((len_i + i).max(0)).unwrap_or(0)),
        ParamValue::Int(i) => Ok(usize::try_from((*i).min(len_i)).unwrap_or(len)),
        other => Err(ProcessingError::invalid(
            FUNCTION,
            format!("with rank_based, bounds are integer positions or None, not {other}"),
        )),
    }
}
