//! The backend registry: backend crates register URL schemes, [`create_backend`] dispatches.

use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};

use crate::backend::StorageBackend;
use crate::config::{StorageConfig, StorageTarget};
use crate::error::{Result, StorageError};
use crate::memory::MemoryBackend;
use crate::read_only::ReadOnly;
use crate::traced::Traced;

/// Builds a backend from a configuration.
pub type BackendFactory = fn(&StorageConfig) -> Result<Arc<dyn StorageBackend>>;

static REGISTRY: RwLock<BTreeMap<String, BackendFactory>> = RwLock::new(BTreeMap::new());

/// The cargo feature of the `meteaudata` facade that provides each known scheme.
const FEATURES: &[(&str, &str)] = &[
    ("file", "parquet"),
    ("memory", "parquet"),
    ("s3", "aws"),
    ("s3a", "aws"),
    ("gs", "gcp"),
    ("az", "azure"),
    ("abfs", "azure"),
    ("abfss", "azure"),
    ("sqlite", "sqlite"),
    ("postgres", "postgres"),
    ("postgresql", "postgres"),
    ("mysql", "mysql"),
    ("mariadb", "mysql"),
];

/// Registers (or replaces) the factory for a URL scheme. Backend crates call this from their
/// `register()` function; the facade calls those for the features it was built with.
pub fn register_backend(scheme: &str, factory: BackendFactory) {
    if let Ok(mut map) = REGISTRY.write() {
        map.insert(scheme.to_ascii_lowercase(), factory);
    }
}

/// The schemes registered so far.
pub fn registered_schemes() -> Vec<String> {
    REGISTRY
        .read()
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default()
}

/// Builds the backend a configuration asks for, refusing every write when its access is
/// [`StorageAccess::ReadOnly`](crate::StorageAccess::ReadOnly). The memory target is always available;
/// other targets need their backend registered, and otherwise fail with an error naming the
/// cargo feature that provides them.
pub fn create_backend(config: &StorageConfig) -> Result<Arc<dyn StorageBackend>> {
    config.validate()?;
    if config.target == StorageTarget::Memory {
        return Ok(Arc::new(MemoryBackend::new()));
    }
    let scheme = config.scheme();
    let factory = REGISTRY
        .read()
        .map_err(|_| StorageError::InvalidConfig("the backend registry is poisoned".into()))?
        .get(&scheme)
        .copied();
    match factory {
        Some(factory) => {
            let backend = factory(config)?;
            let backend: Arc<dyn StorageBackend> = if config.access.writes() {
                backend
            } else {
                Arc::new(ReadOnly::new(backend, config.shown()))
            };
            Ok(Arc::new(Traced::new(backend, config.shown())))
        }
        None => match FEATURES.iter().find(|(s, _)| *s == scheme) {
            Some((_, feature)) => Err(StorageError::FeatureNotEnabled {
                scheme,
                feature: (*feature).to_owned(),
            }),
            None => Err(StorageError::UnknownScheme {
                scheme,
                known: FEATURES
                    .iter()
                    .map(|(s, _)| *s)
                    .collect::<Vec<_>>()
                    .join(", "),
            }),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_backends_name_their_feature() {
        let err = create_backend(&StorageConfig::for_url("az://container/x")).unwrap_err();
        assert!(err.to_string().contains("`azure`"), "{err}");
        let err = create_backend(&StorageConfig::for_url("ftp://host/x")).unwrap_err();
        assert!(matches!(err, StorageError::UnknownScheme { .. }), "{err}");
        let memory = create_backend(&StorageConfig::for_memory()).unwrap();
        assert_eq!(memory.backend_type(), "memory");
        fn custom(_: &StorageConfig) -> Result<Arc<dyn StorageBackend>> {
            Ok(Arc::new(MemoryBackend::new()))
        }
        register_backend("Custom", custom);
        assert!(registered_schemes().contains(&"custom".to_owned()));
        assert!(create_backend(&StorageConfig::for_url("custom://anything")).is_ok());
    }
}
