//! The registry of transforms that a recorded step can be rebuilt into.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use crate::error::BoxError;
use crate::parameters::Parameters;
use crate::step::ProcessingStep;
use crate::transform::{DatasetTransform, SignalTransform};

/// A transform rebuilt from a recorded step.
pub enum Rebuilt {
    /// A transform of series inside one signal (for [`Signal::process`](crate::Signal::process)).
    Signal(Box<dyn SignalTransform>),
    /// A transform across signals (for [`Dataset::process`](crate::Dataset::process)).
    Dataset(Box<dyn DatasetTransform>),
}

type Builder = Arc<dyn Fn(&Parameters) -> Result<Rebuilt, BoxError> + Send + Sync>;

/// Transforms by function name and version, each rebuilt from a step's recorded
/// [`Parameters`] (a step recorded without parameters gets empty ones).
///
/// The built-in functions of `meteaudata-processing` register themselves with
/// `meteaudata_processing::registry()` (the facade's `meteaudata::registry()`); add your own
/// under the name and version their steps record:
///
/// ```
/// use meteaudata_core::replay::Registry;
/// use meteaudata_core::polars::prelude::*;
/// use meteaudata_core::{
///     BoxError, DataProvenance, FunctionInfo, ParamValue, Parameters, ProcessOptions,
///     ProcessingStep, ProcessingType, Signal, TimeSeries, Tolerance, TransformOutput,
///     date_range,
/// };
///
/// /// Multiplies every value by `factor`, recording it.
/// fn scale(factor: f64) -> impl Fn(&[&TimeSeries]) -> Result<Vec<TransformOutput>, BoxError> {
///     move |inputs: &[&TimeSeries]| {
///         let info = FunctionInfo::new("scale", "1.0", "a user", "the registry docs");
///         let step = ProcessingStep::new(ProcessingType::Transformation, "scale", info, "SCALED")
///             .with_parameters(Parameters::new().with("factor", factor))
///             .with_inputs(inputs.iter().map(|ts| ts.name()));
///         inputs
///             .iter()
///             .map(|ts| {
///                 let values = ts.values()?.f64()?.apply_values(|v| v * factor).into_series();
///                 Ok(TransformOutput::new(ts.with_same_index("SCALED", values)?, step.clone()))
///             })
///             .collect()
///     }
/// }
///
/// let mut registry = Registry::new();
/// registry.register_signal("scale", "1.0", |parameters: &Parameters| {
///     match parameters.get("factor") {
///         Some(ParamValue::Float(factor)) => Ok(scale(*factor)),
///         other => Err(format!("factor must be a number, not {other:?}").into()),
///     }
/// });
/// assert!(registry.contains("scale", "1.0") && !registry.contains("scale", "2.0"));
///
/// let raw = TimeSeries::new("RAW", date_range("2024-01-01", 4, "h")?, Series::new("v".into(), [1.0, 2.0, 3.0, 4.0]))?;
/// let mut signal = Signal::new("Flow", "l/s", DataProvenance::default(), [raw])?;
/// signal.process(&["Flow#1_RAW#1"], scale(2.5), ProcessOptions::default())?;
/// assert!(signal.verify(&registry, Tolerance::exact()).all_reproduced());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Default)]
pub struct Registry {
    builders: BTreeMap<(String, String), Builder>,
}

impl Registry {
    /// An empty registry.
    pub fn new() -> Registry {
        Registry::default()
    }

    /// Registers a signal transform under `name` and `version` (replacing any before it):
    /// `build` makes the transform from a step's parameters, or fails naming what is wrong.
    pub fn register_signal<T, F>(
        &mut self,
        name: impl Into<String>,
        version: impl Into<String>,
        build: F,
    ) -> &mut Registry
    where
        T: SignalTransform + 'static,
        F: Fn(&Parameters) -> Result<T, BoxError> + Send + Sync + 'static,
    {
        self.insert(name.into(), version.into(), move |p| {
            Ok(Rebuilt::Signal(Box::new(build(p)?)))
        })
    }

    /// Registers a dataset transform under `name` and `version`, as
    /// [`Registry::register_signal`] does.
    pub fn register_dataset<T, F>(
        &mut self,
        name: impl Into<String>,
        version: impl Into<String>,
        build: F,
    ) -> &mut Registry
    where
        T: DatasetTransform + 'static,
        F: Fn(&Parameters) -> Result<T, BoxError> + Send + Sync + 'static,
    {
        self.insert(name.into(), version.into(), move |p| {
            Ok(Rebuilt::Dataset(Box::new(build(p)?)))
        })
    }

    fn insert(
        &mut self,
        name: String,
        version: String,
        build: impl Fn(&Parameters) -> Result<Rebuilt, BoxError> + Send + Sync + 'static,
    ) -> &mut Registry {
        self.builders.insert((name, version), Arc::new(build));
        self
    }

    /// Whether a transform is registered under `name` and `version`.
    pub fn contains(&self, name: &str, version: &str) -> bool {
        self.builders
            .contains_key(&(name.to_owned(), version.to_owned()))
    }

    /// The registered (name, version) pairs, sorted.
    pub fn functions(&self) -> impl Iterator<Item = (&str, &str)> {
        self.builders
            .keys()
            .map(|(name, version)| (name.as_str(), version.as_str()))
    }

    /// The transform that `step` records, rebuilt from its parameters; the reason when there
    /// is none (the function and version are named, never guessed).
    pub fn rebuild(&self, step: &ProcessingStep) -> Result<Rebuilt, String> {
        let (name, version) = (&step.function_info.name, &step.function_info.version);
        let Some(build) = self.builders.get(&(name.clone(), version.clone())) else {
            let others: Vec<&str> = self
                .functions()
                .filter(|(n, _)| n == name)
                .map(|(_, v)| v)
                .collect();
            return Err(if others.is_empty() {
                format!("function {name:?} version {version:?} is not registered")
            } else {
                format!(
                    "function {name:?} version {version:?} is not registered (registered versions: {})",
                    others.join(", ")
                )
            });
        };
        let empty = Parameters::new();
        build(step.parameters.as_ref().unwrap_or(&empty)).map_err(|e| {
            format!("function {name:?} version {version:?} refused the recorded parameters: {e}")
        })
    }
}

impl fmt::Debug for Registry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.functions()).finish()
    }
}
