//! Replay: the recorded history of each series, re-run.
//!
//! Every derived series records the step that made it: the function's name and version, its
//! parameters and the names of its inputs. A [`Registry`] maps a function name and version
//! back to a transform, rebuilt from the recorded parameters, so that the history can be run
//! again:
//!
//! - [`Dataset::verify`](crate::Dataset::verify) (and [`Signal::verify`](crate::Signal::verify))
//!   re-runs every step from the raw series and compares each derived series with what is
//!   held, giving a [`VerifyReport`];
//! - [`Dataset::refresh`](crate::Dataset::refresh) re-runs the steps whose inputs changed (after
//!   an append to a raw series, say), incrementally where the function allows it
//!   ([`SignalTransform::extend`](crate::SignalTransform::extend)), and commits the updated
//!   series as one version.
//!
//! To tell what changed, each series carries a [`Revision`] of its data and, when made by
//! `process`, the revisions of its inputs at that time (its basis, [`InputMark`]s). A series
//! whose inputs moved on since is [`ReplayState::Stale`]; views mark it.

mod engine;
mod record;
mod refresh;
mod registry;
mod state;
mod verify;

pub use record::{InputMark, RefreshEntry, ReplayRecord, Revision};
pub use refresh::{RefreshOptions, RefreshReport, Refreshed};
pub use registry::{Rebuilt, Registry};
pub use state::ReplayState;
pub use verify::{Difference, Outcome, SeriesOutcome, Tolerance, VerifyReport};

pub(crate) use state::stale_inputs;
