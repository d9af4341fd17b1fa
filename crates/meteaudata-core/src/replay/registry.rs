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
/// use meteaudata_core::{BoxError, TimeSeries, TransformOutput};
///
/// let mut registry = Registry::new();
/// registry.register_signal("double", "1.0", |_parameters| {
///     Ok(|inputs: &[&TimeSeries]| -> Result<Vec<TransformOutput>, BoxError> {
///         unimplemented!("the transform {} rebuilds", inputs.len())
///     })
/// });
/// assert!(registry.contains("double", "1.0"));
/// assert!(!registry.contains("double", "2.0"));
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
