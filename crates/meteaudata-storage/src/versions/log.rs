//! The version log of one dataset in one store: finding the latest version, rebuilding any
//! version, committing the next one, tags and pruning.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::Mutex;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::manifest::{Changes, Manifest, SignalEntry, Summary};
use super::{CHECKPOINT_INTERVAL, FORMAT_VERSION, HINT_INTERVAL, legacy, object_age};
use crate::backend::StorageBackend;
use crate::error::{Result, StorageError};
use crate::key::StorageKey;

/// One commit document: `<dataset>/_log/<version>`.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct CommitDoc {
    format_version: u32,
    name: String,
    version: u64,
    parent: u64,
    time: DateTime<Utc>,
    operation: String,
    summary: Summary,
    changes: Changes,
}

/// The whole state at one version: `<dataset>/_checkpoint/<version>`.
#[derive(Debug, Serialize, Deserialize)]
struct CheckpointDoc {
    format_version: u32,
    name: String,
    version: u64,
    manifest: Manifest,
}

/// A version number under a name: the latest hint, the pruning floor, a tag.
#[derive(Debug, Serialize, Deserialize)]
struct PointerDoc {
    format_version: u32,
    name: String,
    version: u64,
}

/// Which version to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum At {
    /// The latest version.
    Latest,
    /// A version number.
    Version(u64),
    /// The latest version committed at or before this time.
    Time(DateTime<Utc>),
    /// A tagged version.
    Tag(String),
}

impl From<u64> for At {
    fn from(version: u64) -> At {
        At::Version(version)
    }
}

impl From<DateTime<Utc>> for At {
    fn from(time: DateTime<Utc>) -> At {
        At::Time(time)
    }
}

impl From<&str> for At {
    fn from(tag: &str) -> At {
        At::Tag(tag.to_owned())
    }
}

/// One version in a listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionInfo {
    /// Its number (1 for the first commit).
    pub version: u64,
    /// The version it was committed on (`None` for the first).
    pub parent: Option<u64>,
    /// When it was committed.
    pub time: DateTime<Utc>,
    /// What made it (`save`, `replace`, `upgrade`, …).
    pub operation: String,
    /// What it changed.
    pub summary: Summary,
    /// Its tags.
    pub tags: Vec<String>,
}

/// A signal a commit writes or removes, with what the writer based it on.
#[derive(Debug, Clone, PartialEq)]
pub struct SignalChange {
    /// The signal's name.
    pub name: String,
    /// Its new entry, or `None` to remove it.
    pub entry: Option<SignalEntry>,
    /// The entry it had in the version the writer read (`None` for a new signal).
    pub previous: Option<SignalEntry>,
    /// The version the writer read that entry in (`None` for a signal new to the store).
    pub base: Option<u64>,
}

/// What a writer asks to commit.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Proposal {
    /// The version the writer's state derives from; `None` for a writer that never read the
    /// dataset (a new dataset, or a free-standing signal).
    pub base: Option<u64>,
    /// Replace the whole state (a new dataset saved under a stored name becomes its next
    /// version). Never a conflict: the last replace wins.
    pub replace: bool,
    /// The new dataset record, if any.
    pub dataset: Option<serde_json::Value>,
    /// The signals written or removed.
    pub signals: Vec<SignalChange>,
    /// What makes this version (`save`, `upgrade`, …), shown in listings.
    pub operation: String,
}

/// What a successful commit made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Committed {
    /// The new version.
    pub version: u64,
    /// What it changed.
    pub summary: Summary,
    /// Versions other writers committed since the proposal's base, merged under this one
    /// (they changed other signals).
    pub merged: Vec<u64>,
}

/// Which versions pruning keeps (besides the latest and every tagged version).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Keep {
    /// The last `n` versions (at least 1).
    Last(u64),
    /// Every version committed at or after this time.
    Since(DateTime<Utc>),
}

/// What pruning removed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PruneReport {
    /// The oldest version still readable (besides tagged ones).
    pub floor: u64,
    /// Versions removed.
    pub versions_removed: u64,
    /// Data objects removed.
    pub objects_removed: u64,
}

/// The version log of dataset `name` in `backend`: the one implementation of the commit
/// protocol that every backend shares.
pub struct VersionLog<'a> {
    backend: &'a dyn StorageBackend,
    name: String,
    /// The commit documents `exists` read, each handed to the next `commit_doc` of its
    /// version instead of reading it again: finding the latest version reads the commits
    /// after the hint, and rebuilding that version needs them. A commit document never
    /// changes once written, so a copy cannot be stale.
    found: Mutex<HashMap<u64, CommitDoc>>,
}

impl<'a> VersionLog<'a> {
    /// The log of dataset `name` (a valid key segment) in `backend`.
    pub fn new(backend: &'a dyn StorageBackend, name: &str) -> Result<VersionLog<'a>> {
        StorageKey::new([name])?;
        Ok(VersionLog {
            backend,
            name: name.to_owned(),
            found: Mutex::new(HashMap::new()),
        })
    }

    /// The dataset's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The longest key the protocol writes for this dataset (a checkpoint's), for
    /// [`StorageBackend::check_key`] before a save writes anything.
    pub fn longest_key(&self) -> StorageKey {
        self.checkpoint_key(u64::MAX)
    }

    fn key(&self, parts: &[&str]) -> StorageKey {
        StorageKey::new(std::iter::once(self.name.as_str()).chain(parts.iter().copied()))
            .expect("protocol keys are valid")
    }

    fn log_key(&self, version: u64) -> StorageKey {
        self.key(&["_log", &format!("{version:020}")])
    }

    fn checkpoint_key(&self, version: u64) -> StorageKey {
        self.key(&["_checkpoint", &format!("{version:020}")])
    }

    fn tag_key(&self, tag: &str) -> Result<StorageKey> {
        StorageKey::new([self.name.as_str(), "_tags", tag])
    }

    /// Reads a document, `None` when missing.
    fn read<T: for<'de> Deserialize<'de>>(&self, key: &StorageKey) -> Result<Option<T>> {
        match self.backend.load_document(key) {
            Ok(text) => serde_json::from_str(&text)
                .map(Some)
                .map_err(|e| StorageError::Corrupt {
                    key: key.to_string(),
                    reason: format!("not a version document: {e}"),
                }),
            Err(StorageError::NotFound { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    fn write_pointer(&self, key: &StorageKey, version: u64) -> Result<()> {
        self.backend.save_document(key, &self.pointer(version))
    }

    fn pointer(&self, version: u64) -> String {
        serde_json::to_string(&PointerDoc {
            format_version: FORMAT_VERSION,
            name: self.name.clone(),
            version,
        })
        .expect("a pointer serializes")
    }

    fn found(&self) -> std::sync::MutexGuard<'_, HashMap<u64, CommitDoc>> {
        self.found
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn commit_doc(&self, version: u64) -> Result<Option<CommitDoc>> {
        if let Some(doc) = self.found().remove(&version) {
            return Ok(Some(doc));
        }
        self.read(&self.log_key(version))
    }

    fn exists(&self, version: u64) -> Result<bool> {
        let Some(doc) = self.commit_doc(version)? else {
            return Ok(false);
        };
        self.found().insert(version, doc);
        Ok(true)
    }

    /// The oldest version kept (1, unless pruned).
    pub fn floor(&self) -> Result<u64> {
        Ok(self
            .read::<PointerDoc>(&self.key(&["_floor"]))?
            .map_or(1, |p| p.version.max(1)))
    }

    /// The latest version: 0 when nothing was ever committed (a store of format 1 then
    /// reads as version 0). Reads the hint, then checks whether newer versions exist (a
    /// hint may lag, never lead); without a hint, searches the log in O(log n) reads.
    pub fn latest(&self) -> Result<u64> {
        // A damaged hint is only a missing hint.
        let hint = match self.read::<PointerDoc>(&self.key(&["_latest"])) {
            Ok(pointer) => pointer.map(|p| p.version),
            Err(StorageError::Corrupt { .. }) => None,
            Err(e) => return Err(e),
        };
        let mut known = match hint {
            Some(v) if v > 0 && self.exists(v)? => v,
            _ => {
                let floor = self.floor()?;
                if !self.exists(floor)? {
                    return Ok(0);
                }
                // Exponential probing, then binary search between the last hit and miss.
                let (mut hit, mut step) = (floor, 1u64);
                while self.exists(hit + step)? {
                    hit += step;
                    step *= 2;
                }
                let mut miss = hit + step;
                while miss - hit > 1 {
                    let mid = hit + (miss - hit) / 2;
                    if self.exists(mid)? {
                        hit = mid;
                    } else {
                        miss = mid;
                    }
                }
                hit
            }
        };
        while self.exists(known + 1)? {
            known += 1;
        }
        Ok(known)
    }

    /// The version `at` names, checked to exist.
    pub fn resolve(&self, at: &At) -> Result<u64> {
        let latest = self.latest()?;
        let floor = self.floor()?;
        let missing = |wanted: String| StorageError::VersionNotFound {
            dataset: self.name.clone(),
            wanted,
            first: floor.min(latest),
            latest,
        };
        match at {
            At::Latest => Ok(latest),
            At::Version(v) => {
                if *v == 0 && latest == 0 {
                    return Ok(0);
                }
                let readable = (*v >= floor && *v <= latest)
                    || (*v >= 1 && *v <= latest && self.has_checkpoint(*v)?);
                if readable {
                    Ok(*v)
                } else {
                    Err(missing(v.to_string()))
                }
            }
            At::Tag(tag) => self
                .read::<PointerDoc>(&self.tag_key(tag)?)?
                .map(|p| p.version)
                .ok_or_else(|| missing(format!("tagged {tag:?}"))),
            At::Time(time) => {
                // Commit times grow with versions (each commit is made after its parent).
                let (mut lo, mut hi) = (floor, latest);
                let time_of = |v: u64| -> Result<DateTime<Utc>> {
                    self.commit_doc(v)?
                        .map(|c| c.time)
                        .ok_or_else(|| missing(v.to_string()))
                };
                if latest == 0 || time_of(lo)? > *time {
                    return Err(missing(format!("at or before {time}")));
                }
                while lo < hi {
                    let mid = lo + (hi - lo).div_ceil(2);
                    if time_of(mid)? <= *time {
                        lo = mid;
                    } else {
                        hi = mid - 1;
                    }
                }
                Ok(lo)
            }
        }
    }

    fn has_checkpoint(&self, version: u64) -> Result<bool> {
        Ok(self
            .read::<CheckpointDoc>(&self.checkpoint_key(version))?
            .is_some())
    }

    /// The state at `version` (0: the format-1 state, or empty): the nearest checkpoint at or
    /// below it, then the commits after that.
    pub fn state(&self, version: u64) -> Result<Manifest> {
        if version == 0 {
            return Ok(legacy::read(self.backend, &self.name)?.unwrap_or_default());
        }
        let floor = self.floor()?;
        let mut candidates: Vec<u64> = Vec::new();
        candidates.push(version);
        let mut c = version - version % CHECKPOINT_INTERVAL;
        while c >= floor && c > 0 {
            candidates.push(c);
            c = c.saturating_sub(CHECKPOINT_INTERVAL);
        }
        candidates.push(floor);
        // Non-increasing, so this drops every repeat (a version that is also the floor or a
        // checkpoint interval).
        candidates.dedup();
        let mut start = (0, Manifest::default());
        for c in candidates.into_iter().filter(|c| *c <= version && *c > 0) {
            if let Some(doc) = self.read::<CheckpointDoc>(&self.checkpoint_key(c))? {
                start = (c, doc.manifest);
                break;
            }
        }
        let (from, mut manifest) = start;
        if from == 0 && floor > 1 {
            return Err(StorageError::VersionNotFound {
                dataset: self.name.clone(),
                wanted: version.to_string(),
                first: floor,
                latest: self.latest()?,
            });
        }
        for v in from + 1..=version {
            let commit = self.commit_doc(v)?.ok_or_else(|| StorageError::Corrupt {
                key: self.log_key(v).to_string(),
                reason: format!("version {v} is missing from the log"),
            })?;
            manifest.apply(&commit.changes);
        }
        Ok(manifest)
    }

    /// Commits `proposal` as the next version, atomically (one create-if-absent write), and
    /// returns it. When other writers committed since the proposal's base: if they changed
    /// other signals, the proposal is committed on top of theirs (both land); if they
    /// changed one of its signals (or replaced the dataset), nothing is written and the error
    /// is [`StorageError::VersionConflict`]. The proposal's data objects must be written
    /// before; a crash at any moment leaves the previous version as the latest.
    pub fn commit(&self, proposal: &Proposal) -> Result<Committed> {
        let span = tracing::info_span!(
            "commit",
            dataset = %self.name,
            base = ?proposal.base,
            version = tracing::field::Empty
        );
        let _entered = span.enter();
        let committed = self.commit_in_span(proposal)?;
        span.record("version", committed.version);
        Ok(committed)
    }

    fn commit_in_span(&self, proposal: &Proposal) -> Result<Committed> {
        let base = match proposal.base {
            Some(b) => b,
            None => match self.latest()? {
                0 if !proposal.replace => {
                    self.upgrade_legacy()?;
                    self.latest()?
                }
                latest => latest,
            },
        };
        // Signals this proposal read before its base: nobody may have changed them since.
        if !proposal.replace {
            let oldest = proposal
                .signals
                .iter()
                .filter_map(|c| c.base)
                .min()
                .unwrap_or(base);
            if oldest < base {
                self.check_conflicts(proposal, oldest + 1, base, base)?;
            }
        }
        let mut target = base + 1;
        let mut merged = Vec::new();
        loop {
            let text = self.commit_doc_for(target, proposal, Utc::now())?;
            match self.backend.create_document(&self.log_key(target), &text) {
                Ok(()) => break,
                Err(StorageError::AlreadyExists { .. }) => {
                    let latest = self.latest()?;
                    if !proposal.replace {
                        self.check_conflicts(proposal, target, latest, base)?;
                    }
                    merged.extend(target..=latest);
                    target = latest + 1;
                }
                Err(e) => return Err(e),
            }
        }
        // Best effort: a hint that lags or a missing checkpoint costs readers a few reads.
        // The hint is rewritten every HINT_INTERVAL versions (and by the first commit), so
        // a reader probes at most that many commits past it.
        if target % HINT_INTERVAL == 0 || target == 1 || !merged.is_empty() {
            let _ = self.write_pointer(&self.key(&["_latest"]), target);
        }
        if target % CHECKPOINT_INTERVAL == 0 {
            let _ = self.checkpoint(target);
        }
        Ok(Committed {
            version: target,
            summary: Self::changes_of(proposal).1,
            merged,
        })
    }

    /// Commits the state of a store written in format 1 as version 1, so that a commit of
    /// some signals only (a signal saved on its own) keeps the others. Nothing happens when
    /// there is no such state or another writer committed first.
    fn upgrade_legacy(&self) -> Result<()> {
        let Some(state) = legacy::read(self.backend, &self.name)? else {
            return Ok(());
        };
        let proposal = Proposal {
            base: Some(0),
            replace: true,
            dataset: state.dataset.clone(),
            signals: state
                .signals
                .into_iter()
                .map(|(name, entry)| SignalChange {
                    name,
                    entry: Some(entry),
                    previous: None,
                    base: None,
                })
                .collect(),
            operation: "upgrade".into(),
        };
        let doc = self.commit_doc_for(1, &proposal, Utc::now())?;
        match self.backend.create_document(&self.log_key(1), &doc) {
            Ok(()) | Err(StorageError::AlreadyExists { .. }) => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// The text of the commit document of `proposal` as version `version`.
    fn commit_doc_for(
        &self,
        version: u64,
        proposal: &Proposal,
        time: DateTime<Utc>,
    ) -> Result<String> {
        let (changes, summary) = Self::changes_of(proposal);
        let doc = CommitDoc {
            format_version: FORMAT_VERSION,
            name: self.name.clone(),
            version,
            parent: version - 1,
            time,
            operation: proposal.operation.clone(),
            summary,
            changes,
        };
        serde_json::to_string(&doc).map_err(|e| StorageError::Corrupt {
            key: self.log_key(version).to_string(),
            reason: format!("cannot serialize the commit: {e}"),
        })
    }

    /// The changes a proposal makes, and their summary.
    fn changes_of(proposal: &Proposal) -> (Changes, Summary) {
        let mut changes = Changes {
            replace: proposal.replace,
            dataset: proposal.dataset.clone(),
            ..Changes::default()
        };
        let mut summary = Summary::default();
        for change in &proposal.signals {
            summary.record(
                &change.name,
                change.previous.as_ref(),
                change.entry.as_ref(),
            );
            match &change.entry {
                Some(entry) => {
                    changes.upsert.insert(change.name.clone(), entry.clone());
                }
                None => changes.remove.push(change.name.clone()),
            }
        }
        (changes, summary)
    }

    /// Fails when a commit in `from..=to` changed a signal the proposal writes after the
    /// version that signal was based on.
    fn check_conflicts(&self, proposal: &Proposal, from: u64, to: u64, base: u64) -> Result<()> {
        let bases: HashMap<&str, Option<u64>> = proposal
            .signals
            .iter()
            .map(|c| (c.name.as_str(), c.base))
            .collect();
        for v in from..=to {
            let Some(commit) = self.commit_doc(v)? else {
                continue;
            };
            let clashes: Vec<String> = match commit.changes.touched() {
                None => vec!["the whole dataset".to_owned()],
                Some(touched) => touched
                    .into_iter()
                    .filter(|name| bases.get(name).is_some_and(|b| b.is_none_or(|b| v > b)))
                    .map(str::to_owned)
                    .collect(),
            };
            if !clashes.is_empty() {
                return Err(StorageError::VersionConflict {
                    dataset: self.name.clone(),
                    base,
                    latest: v,
                    latest_time: commit.time.to_rfc3339(),
                    signals: clashes,
                });
            }
        }
        Ok(())
    }

    /// Writes the checkpoint of `version` (the whole state), unless one exists.
    fn checkpoint(&self, version: u64) -> Result<()> {
        if self.has_checkpoint(version)? {
            return Ok(());
        }
        let doc = CheckpointDoc {
            format_version: FORMAT_VERSION,
            name: self.name.clone(),
            version,
            manifest: self.state(version)?,
        };
        let text = serde_json::to_string(&doc).map_err(|e| StorageError::Corrupt {
            key: self.checkpoint_key(version).to_string(),
            reason: e.to_string(),
        })?;
        match self
            .backend
            .create_document(&self.checkpoint_key(version), &text)
        {
            Ok(()) | Err(StorageError::AlreadyExists { .. }) => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// Every version still readable, oldest first, with its tags.
    pub fn versions(&self) -> Result<Vec<VersionInfo>> {
        let latest = self.latest()?;
        let mut tags: HashMap<u64, Vec<String>> = HashMap::new();
        for (tag, version) in self.tags()? {
            tags.entry(version).or_default().push(tag);
        }
        let floor = self.floor()?.min(latest.max(1));
        let older: Vec<u64> = tags.keys().copied().filter(|v| *v < floor).collect();
        let mut wanted: Vec<u64> = older.into_iter().chain(floor..=latest).collect();
        wanted.sort_unstable();
        wanted.dedup();
        let mut out = Vec::new();
        for v in wanted {
            if let Some(c) = self.commit_doc(v)? {
                out.push(VersionInfo {
                    version: c.version,
                    parent: (c.parent > 0).then_some(c.parent),
                    time: c.time,
                    operation: c.operation,
                    summary: c.summary,
                    tags: tags.remove(&v).unwrap_or_default(),
                });
            }
        }
        Ok(out)
    }

    /// Every tag with its version.
    pub fn tags(&self) -> Result<Vec<(String, u64)>> {
        let mut out = Vec::new();
        for key in self.backend.list_documents(Some(&self.key(&["_tags"])))? {
            if let Some(p) = self.read::<PointerDoc>(&key)? {
                out.push((key.last().to_owned(), p.version));
            }
        }
        Ok(out)
    }

    /// Names `version` `tag` (a valid key segment). A tag is written once: naming another
    /// version with a taken tag is an error. Tagged versions are never pruned.
    pub fn tag(&self, version: u64, tag: &str) -> Result<()> {
        let version = self.resolve(&At::Version(version))?;
        let key = self.tag_key(tag)?;
        match self.backend.create_document(&key, &self.pointer(version)) {
            Err(StorageError::AlreadyExists { .. }) => Err(StorageError::Conflict {
                key: key.to_string(),
                detail: format!("the tag {tag:?} already names a version"),
            }),
            other => other,
        }?;
        // A tagged version below the floor stays readable through its own checkpoint.
        self.checkpoint(version)
    }

    /// Removes the versions `keep` does not keep (the latest and tagged versions always
    /// stay), then the data objects that no kept version references and that are older than
    /// `grace` (so that a writer that has written its objects but not yet committed them, or
    /// a reader of an old version, is not disturbed). Returns what it removed.
    pub fn prune(&self, keep: &Keep, grace: std::time::Duration) -> Result<PruneReport> {
        let latest = self.latest()?;
        let floor = self.floor()?;
        if latest == 0 {
            return Ok(PruneReport::default());
        }
        let new_floor = match keep {
            Keep::Last(n) => latest.saturating_sub((*n).max(1) - 1).max(floor),
            Keep::Since(time) => match self.resolve(&At::Time(*time)) {
                Ok(v) if self.commit_doc(v)?.is_some_and(|c| c.time < *time) => (v + 1).min(latest),
                Ok(v) => v,
                Err(StorageError::VersionNotFound { .. }) => floor,
                Err(e) => return Err(e),
            }
            .max(floor),
        };
        let tagged: BTreeSet<u64> = self.tags()?.into_iter().map(|(_, v)| v).collect();
        // The new floor and tagged versions below it must be readable without the commits
        // that go: each gets its checkpoint first.
        self.checkpoint(new_floor)?;
        for &v in tagged.iter().filter(|v| **v < new_floor) {
            self.checkpoint(v)?;
        }
        let mut referenced: HashSet<String> = HashSet::new();
        let mut state = self.state(new_floor)?;
        referenced.extend(state.objects().map(str::to_owned));
        for v in new_floor + 1..=latest {
            if let Some(commit) = self.commit_doc(v)? {
                state.apply(&commit.changes);
                referenced.extend(state.objects().map(str::to_owned));
            }
        }
        for &v in tagged.iter().filter(|v| **v < new_floor) {
            referenced.extend(self.state(v)?.objects().map(str::to_owned));
        }
        self.write_pointer(&self.key(&["_floor"]), new_floor)?;
        let mut report = PruneReport {
            floor: new_floor,
            ..PruneReport::default()
        };
        for v in floor..new_floor {
            if tagged.contains(&v) {
                continue;
            }
            match self.backend.delete_document(&self.log_key(v)) {
                Ok(()) => report.versions_removed += 1,
                Err(StorageError::NotFound { .. }) => {}
                Err(e) => return Err(e),
            }
            if v % CHECKPOINT_INTERVAL == 0 {
                let _ = self.backend.delete_document(&self.checkpoint_key(v));
            }
        }
        for key in self.backend.list_keys(Some(&self.key(&[])))? {
            let shown = key.to_string();
            if referenced.contains(&shown) {
                continue;
            }
            // Objects named by this protocol carry their age; format-1 objects are old.
            if object_age(&key).is_none_or(|age| age >= grace) {
                match self.backend.delete(&key) {
                    Ok(()) => report.objects_removed += 1,
                    Err(StorageError::NotFound { .. }) => {}
                    Err(e) => return Err(e),
                }
            }
        }
        Ok(report)
    }
}
