//! `average_signals`: the mean of several signals as one new signal.

use std::collections::BTreeSet;

use meteaudata_core::polars::prelude::*;
use meteaudata_core::{
    BoxError, DataProvenance, Dataset, DatasetInput, DatasetTransform, FunctionInfo,
    ProcessingStep, ProcessingType, Signal, TimeSeries,
};

use crate::error::ProcessingError;
use crate::support::{AUTHOR, numeric_values, physical_index, require_temporal, temporal_series};

const FUNCTION: &str = "Signal Averaging";

/// Averages the requested series into one new signal (see [`average_signals`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AverageSignals {
    final_provenance: Option<DataProvenance>,
    check_units: bool,
}

/// The row-wise mean of the requested series (for [`Dataset::process`]): the series are joined
/// on their labels (the union, sorted) and each label takes the mean of the values present.
/// The result is one new signal `AVERAGE` holding one series `RAW`
/// (`AVERAGE#n_RAW#1` once stored). With `check_units`, every input signal must have the same
/// units. The new signal's provenance is `final_provenance`, or else a copy of the first input
/// signal's with the dataset's `project` when the dataset has one. Records
/// `ProcessingType::DimensionalityReduction`, function `Signal Averaging`, no parameters.
pub fn average_signals(
    final_provenance: Option<DataProvenance>,
    check_units: bool,
) -> AverageSignals {
    AverageSignals {
        final_provenance,
        check_units,
    }
}

impl DatasetTransform for AverageSignals {
    fn name(&self) -> String {
        FUNCTION.into()
    }

    fn apply(
        &self,
        dataset: &Dataset,
        inputs: &[DatasetInput<'_>],
    ) -> Result<Vec<Signal>, BoxError> {
        Ok(vec![self.average(dataset, inputs)?])
    }
}

impl AverageSignals {
    fn average(
        &self,
        dataset: &Dataset,
        inputs: &[DatasetInput<'_>],
    ) -> Result<Signal, ProcessingError> {
        let first = inputs
            .first()
            .ok_or_else(|| ProcessingError::invalid(FUNCTION, "no input series"))?;
        let units: BTreeSet<&str> = inputs.iter().map(|i| i.signal.units()).collect();
        if self.check_units && units.len() > 1 {
            return Err(ProcessingError::invalid(
                FUNCTION,
                format!(
                    "signals have different units: {{{}}}; give signals with the same units",
                    units
                        .iter()
                        .map(|u| format!("'{u}'"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
        }
        let dtype = first.series.index_data_type().clone();
        let mut points: Vec<(i64, Option<f64>)> = Vec::new();
        for input in inputs {
            require_temporal(FUNCTION, input.series)?;
            if input.series.index_data_type() != &dtype {
                return Err(ProcessingError::invalid(
                    FUNCTION,
                    format!(
                        "series {:?} has a {} index but {:?} has {}",
                        input.series.name(),
                        input.series.index_data_type(),
                        first.series.name(),
                        dtype
                    ),
                ));
            }
            let labels = physical_index(input.series)?;
            let values = numeric_values(FUNCTION, input.series)?;
            points.extend(labels.into_no_null_iter().zip(values.iter()));
        }
        points.sort_by_key(|(t, _)| *t);
        let mut index: Vec<i64> = Vec::new();
        let mut means: Vec<Option<f64>> = Vec::new();
        for run in points.chunk_by(|a, b| a.0 == b.0) {
            let present: Vec<f64> = run.iter().filter_map(|(_, v)| *v).collect();
            index.push(run[0].0);
            means.push(
                (!present.is_empty()).then(|| present.iter().sum::<f64>() / present.len() as f64),
            );
        }
        let step = ProcessingStep::new(
            ProcessingType::DimensionalityReduction,
            "The artithmetic mean of input time series.",
            FunctionInfo::new(
                FUNCTION,
                env!("CARGO_PKG_VERSION"),
                AUTHOR,
                crate::support::REFERENCE,
            ),
            "RAW",
        )
        .with_inputs(inputs.iter().map(|i| i.series.name()));
        let series = TimeSeries::new(
            "AVERAGE_RAW",
            temporal_series(&dtype, index),
            means.into_iter().collect::<Float64Chunked>().into_series(),
        )?
        .with_processing_steps(vec![step]);
        let provenance = match &self.final_provenance {
            Some(p) => p.clone(),
            None => {
                let mut p = first.signal.provenance().clone();
                if let Some(project) = dataset.project() {
                    p.project = Some(project.to_owned());
                }
                p
            }
        };
        Ok(Signal::new(
            "AVERAGE",
            first.signal.units(),
            provenance,
            [series],
        )?)
    }
}
