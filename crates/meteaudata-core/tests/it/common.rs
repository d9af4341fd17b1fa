use meteaudata_core::polars::prelude::*;
use meteaudata_core::*;

/// An hourly naive series starting 2024-01-01 00:00 named `name`.
pub fn hourly(name: &str, values: &[f64]) -> TimeSeries {
    let start = 1_704_067_200_000_000_000i64;
    let index = Int64Chunked::from_vec(
        "t".into(),
        (0..values.len() as i64)
            .map(|i| start + i * 3_600_000_000_000)
            .collect(),
    )
    .into_datetime(TimeUnit::Nanoseconds, None)
    .into_series();
    TimeSeries::new(name, index, Series::new("v".into(), values)).unwrap()
}

pub fn info(name: &str) -> FunctionInfo {
    FunctionInfo::new(name, "1.0", "tests", "tests")
}

/// A user transform: doubles each input, output base `DOUBLE`.
pub fn double(inputs: &[&TimeSeries]) -> Result<Vec<TransformOutput>, BoxError> {
    let names: Vec<String> = inputs.iter().map(|t| t.name().to_owned()).collect();
    let step = ProcessingStep::new(ProcessingType::Other, "doubles", info("double"), "DOUBLE")
        .with_inputs(names.clone());
    inputs
        .iter()
        .map(|ts| {
            let signal = meteaudata_core::name::TsName::parse(ts.name())?.signal;
            let values = ts.values().unwrap() * 2.0;
            let out = ts.with_same_index(format!("{signal}_DOUBLE"), values)?;
            Ok(TransformOutput::new(out, step.clone()))
        })
        .collect()
}

pub fn values(ts: &TimeSeries) -> Vec<Option<f64>> {
    ts.values().unwrap().f64().unwrap().iter().collect()
}

pub fn signal(name: &str, series: &[&str]) -> Signal {
    Signal::new(
        name,
        "°C",
        DataProvenance::default(),
        series.iter().map(|s| hourly(s, &[1.0, 2.0, 3.0])),
    )
    .unwrap()
}
