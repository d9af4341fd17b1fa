//! The traits transforms implement, and the options of `process`.

use polars::prelude::DataFrame;

use crate::dataset::Dataset;
use crate::error::BoxError;
use crate::signal::Signal;
use crate::step::ProcessingStep;
use crate::time_series::TimeSeries;

/// One output of a [`SignalTransform`]: a new series and the step(s) that describe how it was
/// made from the inputs.
#[derive(Debug, Clone)]
pub struct TransformOutput {
    /// The new series, named `<signal part of its input>_<SUFFIX>` (unnumbered; the signal
    /// numbers it).
    pub series: TimeSeries,
    /// The steps that made it, normally one.
    pub steps: Vec<ProcessingStep>,
}

impl TransformOutput {
    /// An output made by one step.
    pub fn new(series: TimeSeries, step: ProcessingStep) -> TransformOutput {
        TransformOutput {
            series,
            steps: vec![step],
        }
    }
}

/// A transform of time series inside one signal, used by [`Signal::process`].
///
/// It receives the requested series (read-only) in the order they were requested and returns
/// one [`TransformOutput`] per new series. The signal then names the outputs, gives each its
/// own copy of the inputs' histories followed by the new steps, and stores them.
///
/// Closures of type `Fn(&[&TimeSeries]) -> Result<Vec<TransformOutput>, BoxError>` implement
/// this trait.
pub trait SignalTransform {
    /// The name used in error messages.
    fn name(&self) -> String {
        std::any::type_name::<Self>().to_owned()
    }

    /// Runs the transform.
    fn apply(&self, inputs: &[&TimeSeries]) -> Result<Vec<TransformOutput>, BoxError>;

    /// Incremental refresh (see [`Dataset::refresh`]): `output` was made by this transform
    /// from `input` alone, and `input` has since changed only at labels from `since` on
    /// (index ticks; the points before are as they were). Returns the output's points from
    /// some label on (columns [`INDEX_COLUMN`](crate::INDEX_COLUMN) and
    /// [`VALUES_COLUMN`](crate::VALUES_COLUMN), at least one point), which replace the
    /// output's points from their first label, computed without reading all of `input`; or
    /// `None` when this transform cannot tell, and the refresh re-runs it on the whole input.
    /// The points must be exactly those a whole re-run gives. The default is `None`.
    fn extend(
        &self,
        input: &TimeSeries,
        output: &TimeSeries,
        since: i64,
    ) -> Result<Option<DataFrame>, BoxError> {
        let _ = (input, output, since);
        Ok(None)
    }
}

impl<F> SignalTransform for F
where
    F: Fn(&[&TimeSeries]) -> Result<Vec<TransformOutput>, BoxError>,
{
    fn apply(&self, inputs: &[&TimeSeries]) -> Result<Vec<TransformOutput>, BoxError> {
        self(inputs)
    }
}

/// A boxed transform is a transform, so transforms chosen at run time can be passed to
/// [`Signal::process`].
impl SignalTransform for Box<dyn SignalTransform + '_> {
    fn name(&self) -> String {
        (**self).name()
    }

    fn apply(&self, inputs: &[&TimeSeries]) -> Result<Vec<TransformOutput>, BoxError> {
        (**self).apply(inputs)
    }

    fn extend(
        &self,
        input: &TimeSeries,
        output: &TimeSeries,
        since: i64,
    ) -> Result<Option<DataFrame>, BoxError> {
        (**self).extend(input, output, since)
    }
}

/// One input of a [`DatasetTransform`]: a requested series and the signal that holds it.
#[derive(Debug, Clone, Copy)]
pub struct DatasetInput<'a> {
    /// The signal that holds the series.
    pub signal: &'a Signal,
    /// The requested series.
    pub series: &'a TimeSeries,
}

/// A transform across signals of a dataset, used by [`Dataset::process`].
///
/// It receives the dataset (read-only, for context such as its `project`) and the requested
/// series with their signals, and returns new signals whose series carry only the new
/// step(s). The dataset then names the signals, prepends the inputs' histories and stores
/// them.
pub trait DatasetTransform {
    /// The name used in error messages.
    fn name(&self) -> String {
        std::any::type_name::<Self>().to_owned()
    }

    /// Runs the transform.
    fn apply(
        &self,
        dataset: &Dataset,
        inputs: &[DatasetInput<'_>],
    ) -> Result<Vec<Signal>, BoxError>;
}

impl<F> DatasetTransform for F
where
    F: Fn(&Dataset, &[DatasetInput<'_>]) -> Result<Vec<Signal>, BoxError>,
{
    fn apply(
        &self,
        dataset: &Dataset,
        inputs: &[DatasetInput<'_>],
    ) -> Result<Vec<Signal>, BoxError> {
        self(dataset, inputs)
    }
}

/// Options of [`Signal::process`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProcessOptions {
    /// Custom bases for the outputs, one per output (no `_`).
    pub output_names: Option<Vec<String>>,
    /// Replace the latest version of each output base (or create `#1`) instead of adding a
    /// new number.
    pub overwrite: bool,
}

impl ProcessOptions {
    /// Options with custom output bases.
    pub fn named<I, S>(names: I) -> ProcessOptions
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        ProcessOptions {
            output_names: Some(names.into_iter().map(Into::into).collect()),
            overwrite: false,
        }
    }

    /// Sets `overwrite`.
    pub fn overwrite(mut self, overwrite: bool) -> ProcessOptions {
        self.overwrite = overwrite;
        self
    }
}

/// Options of [`Dataset::process`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DatasetProcessOptions {
    /// Custom bases for the output signals, one per output signal (no `_`).
    pub output_signal_names: Option<Vec<String>>,
    /// Custom bases for the series of each output signal, one per series (no `_`).
    pub output_ts_names: Option<Vec<String>>,
    /// Replace the latest version of each output signal base (or create `#1`) instead of
    /// adding a new number.
    pub overwrite: bool,
}

/// Runs `process` inside `span` (a `process` span with an empty `outputs` field) and records
/// the names it returns as the outputs.
pub(crate) fn in_process_span(
    span: &tracing::Span,
    process: impl FnOnce() -> crate::Result<Vec<String>>,
) -> crate::Result<Vec<String>> {
    let _entered = span.enter();
    let names = process()?;
    span.record("outputs", tracing::field::debug(&names));
    Ok(names)
}
