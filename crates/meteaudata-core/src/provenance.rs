//! Where a signal's data came from.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The provenance of a signal: seven optional descriptive fields.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DataProvenance {
    /// Where the data is kept (a database, a SCADA system, a repository).
    pub source_repository: Option<String>,
    /// The project the data belongs to.
    pub project: Option<String>,
    /// Where the measurement was taken.
    pub location: Option<String>,
    /// The instrument that took it.
    pub equipment: Option<String>,
    /// The measured quantity.
    pub parameter: Option<String>,
    /// Why the data was collected.
    pub purpose: Option<String>,
    /// An identifier in an external metadata registry.
    pub metadata_id: Option<String>,
}

impl DataProvenance {
    /// A provenance with every field set to `"unknown"`, as meteaudata for Python gives a signal
    /// built without one.
    pub fn unknown() -> DataProvenance {
        let u = || Some("unknown".to_owned());
        DataProvenance {
            source_repository: u(),
            project: u(),
            location: u(),
            equipment: u(),
            parameter: u(),
            purpose: u(),
            metadata_id: u(),
        }
    }

    /// The short identifier used in displays: the parameter, else the metadata id, else the
    /// location.
    pub fn identifier(&self) -> Option<&str> {
        self.parameter
            .as_deref()
            .or(self.metadata_id.as_deref())
            .or(self.location.as_deref())
    }

    /// The fields as `(name, value)` pairs, in declaration order.
    pub fn fields(&self) -> [(&'static str, Option<&str>); 7] {
        [
            ("source_repository", self.source_repository.as_deref()),
            ("project", self.project.as_deref()),
            ("location", self.location.as_deref()),
            ("equipment", self.equipment.as_deref()),
            ("parameter", self.parameter.as_deref()),
            ("purpose", self.purpose.as_deref()),
            ("metadata_id", self.metadata_id.as_deref()),
        ]
    }
}

impl fmt::Display for DataProvenance {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        for (name, value) in self.fields() {
            if let Some(v) = value {
                if !first {
                    f.write_str(", ")?;
                }
                write!(f, "{name}='{v}'")?;
                first = false;
            }
        }
        if first {
            f.write_str("(no provenance)")?;
        }
        Ok(())
    }
}
