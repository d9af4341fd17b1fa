//! What was done to a time series: processing types, function descriptions and steps.

use std::fmt;

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

use crate::parameters::Parameters;
use crate::time::now;

/// The kind of a processing step; serialized as the Python string values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProcessingType {
    /// Reorder by timestamp or value.
    Sorting,
    /// Drop duplicate timestamps.
    RemoveDuplicates,
    /// Moving averages and the like.
    Smoothing,
    /// Filters and manual value replacement.
    Filtering,
    /// A change of temporal resolution (also used by `subset`).
    Resampling,
    /// Interpolation and imputation.
    GapFilling,
    /// Forecasting (uses `step_distance`).
    Prediction,
    /// Logarithms, normalisation, index transforms.
    Transformation,
    /// PCA, averaging.
    DimensionalityReduction,
    /// Fault detection.
    FaultDetection,
    /// Fault identification.
    FaultIdentification,
    /// Fault diagnosis.
    FaultDiagnosis,
    /// A rename made when exporting.
    ExportRename,
    /// Anything else.
    Other,
}

impl ProcessingType {
    /// All 14 values, in declaration order.
    pub const ALL: [ProcessingType; 14] = [
        ProcessingType::Sorting,
        ProcessingType::RemoveDuplicates,
        ProcessingType::Smoothing,
        ProcessingType::Filtering,
        ProcessingType::Resampling,
        ProcessingType::GapFilling,
        ProcessingType::Prediction,
        ProcessingType::Transformation,
        ProcessingType::DimensionalityReduction,
        ProcessingType::FaultDetection,
        ProcessingType::FaultIdentification,
        ProcessingType::FaultDiagnosis,
        ProcessingType::ExportRename,
        ProcessingType::Other,
    ];

    /// The serialized value, e.g. `gap_filling`.
    pub fn as_str(self) -> &'static str {
        match self {
            ProcessingType::Sorting => "sorting",
            ProcessingType::RemoveDuplicates => "remove_duplicates",
            ProcessingType::Smoothing => "smoothing",
            ProcessingType::Filtering => "filtering",
            ProcessingType::Resampling => "resampling",
            ProcessingType::GapFilling => "gap_filling",
            ProcessingType::Prediction => "prediction",
            ProcessingType::Transformation => "transformation",
            ProcessingType::DimensionalityReduction => "dimensionality_reduction",
            ProcessingType::FaultDetection => "fault_detection",
            ProcessingType::FaultIdentification => "fault_identification",
            ProcessingType::FaultDiagnosis => "fault_diagnosis",
            ProcessingType::ExportRename => "export_rename",
            ProcessingType::Other => "other",
        }
    }
}

impl fmt::Display for ProcessingType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for ProcessingType {
    type Err = crate::Error;
    fn from_str(s: &str) -> crate::Result<Self> {
        ProcessingType::ALL
            .into_iter()
            .find(|t| t.as_str() == s)
            .ok_or_else(|| {
                let allowed: Vec<_> = ProcessingType::ALL.iter().map(|t| t.as_str()).collect();
                crate::Error::InvalidArgument(format!(
                    "unknown processing type {s:?}; expected one of {}",
                    allowed.join(", ")
                ))
            })
    }
}

/// The function that made a processing step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FunctionInfo {
    /// The function's name.
    pub name: String,
    /// Its version.
    pub version: String,
    /// Its author.
    pub author: String,
    /// Where to read about it.
    pub reference: String,
    /// Its source code, when the caller supplies it.
    pub source_code: Option<String>,
}

impl FunctionInfo {
    /// A function description without source code.
    pub fn new(
        name: impl Into<String>,
        version: impl Into<String>,
        author: impl Into<String>,
        reference: impl Into<String>,
    ) -> FunctionInfo {
        FunctionInfo {
            name: name.into(),
            version: version.into(),
            author: author.into(),
            reference: reference.into(),
            source_code: None,
        }
    }

    /// Attaches source code.
    pub fn with_source_code(mut self, source: impl Into<String>) -> FunctionInfo {
        self.source_code = Some(source.into());
        self
    }
}

/// One step of a time series' history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProcessingStep {
    /// The kind of step.
    #[serde(rename = "type")]
    pub step_type: ProcessingType,
    /// What it did, in words.
    pub description: String,
    /// When it ran (naive local time, microsecond precision).
    pub run_datetime: NaiveDateTime,
    /// Whether its result needs calibration.
    pub requires_calibration: bool,
    /// The function that ran.
    pub function_info: FunctionInfo,
    /// The arguments it was given.
    pub parameters: Option<Parameters>,
    /// How many index steps ahead (positive) or behind (negative) the result is.
    #[serde(default)]
    pub step_distance: i64,
    /// The token that names the output series (`RESAMPLED`, `LIN-INT`, …).
    pub suffix: String,
    /// The exact names of the series the step read.
    #[serde(default)]
    pub input_series_names: Vec<String>,
}

impl ProcessingStep {
    /// A step that runs now, with no parameters, no inputs, a step distance of 0 and no
    /// calibration needed.
    pub fn new(
        step_type: ProcessingType,
        description: impl Into<String>,
        function_info: FunctionInfo,
        suffix: impl Into<String>,
    ) -> ProcessingStep {
        ProcessingStep {
            step_type,
            description: description.into(),
            run_datetime: now(),
            requires_calibration: false,
            function_info,
            parameters: None,
            step_distance: 0,
            suffix: suffix.into(),
            input_series_names: Vec::new(),
        }
    }

    /// Sets the recorded parameters.
    pub fn with_parameters(mut self, parameters: Parameters) -> ProcessingStep {
        self.parameters = Some(parameters);
        self
    }

    /// Sets the names of the input series.
    pub fn with_inputs<I, S>(mut self, names: I) -> ProcessingStep
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.input_series_names = names.into_iter().map(Into::into).collect();
        self
    }

    /// Sets the step distance.
    pub fn with_step_distance(mut self, distance: i64) -> ProcessingStep {
        self.step_distance = distance;
        self
    }

    /// Sets whether the result needs calibration.
    pub fn with_calibration(mut self, requires_calibration: bool) -> ProcessingStep {
        self.requires_calibration = requires_calibration;
        self
    }
}

impl fmt::Display for ProcessingStep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inputs: Vec<String> = self
            .input_series_names
            .iter()
            .map(|n| format!("'{n}'"))
            .collect();
        write!(
            f,
            "Processed [{}] on {} using function `{}`. Result has suffix {}",
            inputs.join(", "),
            self.run_datetime.format("%Y-%m-%d %H:%M:%S"),
            self.function_info.name,
            self.suffix
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn processing_types_serialize_as_python_strings() {
        let json = serde_json::to_string(&ProcessingType::ALL).unwrap();
        assert_eq!(
            json,
            r#"["sorting","remove_duplicates","smoothing","filtering","resampling","gap_filling","prediction","transformation","dimensionality_reduction","fault_detection","fault_identification","fault_diagnosis","export_rename","other"]"#
        );
        for t in ProcessingType::ALL {
            assert_eq!(t.as_str().parse::<ProcessingType>().unwrap(), t);
        }
        let err = "cleaning"
            .parse::<ProcessingType>()
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("cleaning") && err.contains("export_rename"),
            "{err}"
        );
    }

    #[test]
    fn step_keys_follow_python_order() {
        let step = ProcessingStep::new(
            ProcessingType::Resampling,
            "d",
            FunctionInfo::new("resample", "0.1", "me", "ref"),
            "RESAMPLED",
        )
        .with_inputs(["A#1_RAW#1"]);
        let v = serde_json::to_value(&step).unwrap();
        let keys: Vec<_> = v.as_object().unwrap().keys().cloned().collect();
        assert_eq!(
            keys,
            [
                "type",
                "description",
                "run_datetime",
                "requires_calibration",
                "function_info",
                "parameters",
                "step_distance",
                "suffix",
                "input_series_names"
            ]
        );
        assert!(step.to_string().starts_with("Processed ['A#1_RAW#1'] on "));
        let back: ProcessingStep = serde_json::from_value(v).unwrap();
        assert_eq!(back, step);
    }
}
