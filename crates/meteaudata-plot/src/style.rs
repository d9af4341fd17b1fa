//! How a series is drawn (line, markers or both, and its dash), chosen by the type of its last
//! processing step.

use meteaudata_core::{ProcessingStep, ProcessingType};

/// Lines, markers or both.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Lines only.
    Lines,
    /// Markers only.
    Markers,
    /// Lines with markers.
    LinesMarkers,
}

impl Mode {
    /// The Plotly spelling: `lines`, `markers`, `lines+markers`.
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Lines => "lines",
            Mode::Markers => "markers",
            Mode::LinesMarkers => "lines+markers",
        }
    }

    /// Whether lines are drawn.
    pub fn has_lines(self) -> bool {
        matches!(self, Mode::Lines | Mode::LinesMarkers)
    }

    /// Whether markers are drawn.
    pub fn has_markers(self) -> bool {
        matches!(self, Mode::Markers | Mode::LinesMarkers)
    }
}

/// A marker symbol, named as Plotly names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Symbol {
    /// `circle`
    Circle,
    /// `triangle-up`
    TriangleUp,
    /// `square`
    Square,
    /// `triangle-left`
    TriangleLeft,
    /// `triangle-right`
    TriangleRight,
    /// `x`
    X,
    /// `cross`
    Cross,
    /// `star`
    Star,
    /// `diamond`
    Diamond,
}

impl Symbol {
    /// The Plotly spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Symbol::Circle => "circle",
            Symbol::TriangleUp => "triangle-up",
            Symbol::Square => "square",
            Symbol::TriangleLeft => "triangle-left",
            Symbol::TriangleRight => "triangle-right",
            Symbol::X => "x",
            Symbol::Cross => "cross",
            Symbol::Star => "star",
            Symbol::Diamond => "diamond",
        }
    }
}

/// The colours of traces, in order (the first trace of a figure takes the first), the same
/// in the HTML and the SVG figure.
pub const PALETTE: [&str; 10] = [
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
    "#bcbd22", "#17becf",
];

/// The colour of trace `i` of a figure.
pub fn color(i: usize) -> &'static str {
    PALETTE[i % PALETTE.len()]
}

/// The style of a step type. Series without steps are drawn as [`ProcessingType::Other`].
pub fn style_of(step_type: ProcessingType) -> (Mode, Symbol) {
    use ProcessingType as T;
    match step_type {
        T::Sorting | T::RemoveDuplicates | T::Filtering | T::Resampling => {
            (Mode::LinesMarkers, Symbol::Circle)
        }
        T::Smoothing => (Mode::Lines, Symbol::Circle),
        T::GapFilling => (Mode::LinesMarkers, Symbol::TriangleUp),
        T::Prediction => (Mode::LinesMarkers, Symbol::Square),
        T::Transformation => (Mode::LinesMarkers, Symbol::TriangleLeft),
        T::DimensionalityReduction => (Mode::LinesMarkers, Symbol::TriangleRight),
        T::FaultDetection => (Mode::LinesMarkers, Symbol::X),
        T::FaultIdentification => (Mode::LinesMarkers, Symbol::Cross),
        T::FaultDiagnosis => (Mode::LinesMarkers, Symbol::Star),
        T::Other | T::ExportRename => (Mode::Markers, Symbol::Diamond),
    }
}

/// The style of a series with these steps: that of the last step that changed the data. An
/// export rename only renames, so it keeps the style of the step before it (meteaudata for
/// Python fails on it).
pub fn style_for(steps: &[ProcessingStep]) -> (Mode, Symbol) {
    let last = steps
        .iter()
        .rev()
        .map(|s| s.step_type)
        .find(|t| *t != ProcessingType::ExportRename)
        .unwrap_or(ProcessingType::Other);
    style_of(last)
}

#[cfg(test)]
mod tests {
    use super::*;
    use meteaudata_core::FunctionInfo;

    fn step(t: ProcessingType) -> ProcessingStep {
        ProcessingStep::new(t, "", FunctionInfo::new("f", "1", "a", "r"), "S")
    }

    #[test]
    fn export_rename_keeps_the_previous_style() {
        let steps = [
            step(ProcessingType::GapFilling),
            step(ProcessingType::ExportRename),
        ];
        assert_eq!(style_for(&steps), (Mode::LinesMarkers, Symbol::TriangleUp));
        assert_eq!(style_for(&[]), (Mode::Markers, Symbol::Diamond));
        assert_eq!(
            style_for(&[step(ProcessingType::Smoothing)]),
            (Mode::Lines, Symbol::Circle)
        );
    }
}
