//! Backends attached to signals and datasets: what auto-save writes, memory that is really
//! released, reopening from the store alone, migration, and failures that lose nothing.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use meteaudata_core::storage_layer::versions::VersionLog;
use meteaudata_core::storage_layer::{
    Capabilities, MemoryBackend, SaveOptions, SeriesData, StorageBackend, StorageError, StorageKey,
};
use meteaudata_core::*;

use crate::common::{double, hourly, signal};

/// A memory store that pretends to be persistent, counts series writes and can fail the
/// n-th one, and records the documents it is asked to load.
#[derive(Debug, Default)]
struct Probe {
    inner: MemoryBackend,
    saves: AtomicUsize,
    fail_at: Option<usize>,
    documents_loaded: Mutex<Vec<String>>,
}

impl Probe {
    fn failing_at(n: usize) -> Probe {
        Probe {
            fail_at: Some(n),
            ..Probe::default()
        }
    }
    fn saves(&self) -> usize {
        self.saves.load(Ordering::SeqCst)
    }
}

impl StorageBackend for Probe {
    fn backend_type(&self) -> &str {
        "probe"
    }
    fn capabilities(&self) -> Capabilities {
        Capabilities::none().persistent(true)
    }
    fn save(
        &self,
        key: &StorageKey,
        series: &SeriesData,
        options: SaveOptions,
    ) -> meteaudata_core::storage_layer::Result<()> {
        let n = self.saves.fetch_add(1, Ordering::SeqCst) + 1;
        if self.fail_at == Some(n) {
            return Err(StorageError::Backend {
                backend: "probe".into(),
                message: format!("disk full writing {key}"),
                cause: None,
            });
        }
        self.inner.save(key, series, options)
    }
    fn load(&self, key: &StorageKey) -> meteaudata_core::storage_layer::Result<SeriesData> {
        self.inner.load(key)
    }
    fn delete(&self, key: &StorageKey) -> meteaudata_core::storage_layer::Result<()> {
        self.inner.delete(key)
    }
    fn exists(&self, key: &StorageKey) -> meteaudata_core::storage_layer::Result<bool> {
        self.inner.exists(key)
    }
    fn list_keys(
        &self,
        prefix: Option<&StorageKey>,
    ) -> meteaudata_core::storage_layer::Result<Vec<StorageKey>> {
        self.inner.list_keys(prefix)
    }
    fn save_document(
        &self,
        key: &StorageKey,
        document: &str,
    ) -> meteaudata_core::storage_layer::Result<()> {
        self.inner.save_document(key, document)
    }
    fn create_document(
        &self,
        key: &StorageKey,
        document: &str,
    ) -> meteaudata_core::storage_layer::Result<()> {
        self.inner.create_document(key, document)
    }
    fn load_document(&self, key: &StorageKey) -> meteaudata_core::storage_layer::Result<String> {
        self.documents_loaded.lock().unwrap().push(key.to_string());
        self.inner.load_document(key)
    }
    fn list_documents(
        &self,
        prefix: Option<&StorageKey>,
    ) -> meteaudata_core::storage_layer::Result<Vec<StorageKey>> {
        self.inner.list_documents(prefix)
    }
    fn delete_document(&self, key: &StorageKey) -> meteaudata_core::storage_layer::Result<()> {
        self.inner.delete_document(key)
    }
    fn clear(&self, prefix: Option<&StorageKey>) -> meteaudata_core::storage_layer::Result<()> {
        self.inner.clear(prefix)
    }
}

/// The series of the latest version of dataset `plant`, as `plant/<signal>/<series>` (the
/// object ids left out), sorted.
fn keys(backend: &dyn StorageBackend) -> Vec<String> {
    let log = VersionLog::new(backend, "plant").unwrap();
    let state = log.state(log.latest().unwrap()).unwrap();
    let mut keys: Vec<String> = state
        .objects()
        .map(|o| o.rsplit_once(".o").unwrap().0.to_owned())
        .collect();
    keys.sort();
    keys
}

/// The stored data of series `series` (`plant/<signal>/<series>`) in the latest version.
fn stored(backend: &dyn StorageBackend, series: &str) -> Option<SeriesData> {
    let log = VersionLog::new(backend, "plant").unwrap();
    let state = log.state(log.latest().unwrap()).unwrap();
    let object = state
        .objects()
        .find(|o| o.rsplit_once(".o").unwrap().0 == series)?
        .to_owned();
    Some(backend.load(&StorageKey::parse(&object).unwrap()).unwrap())
}

fn dataset() -> Dataset {
    Dataset::new("plant")
        .unwrap()
        .with_project("P")
        .with_signals([signal("A", &["RAW"]), signal("B", &["RAW"])])
        .unwrap()
}

#[test]
fn auto_save_writes_only_what_a_step_created() {
    let probe = Arc::new(Probe::default());
    let mut ds = dataset();
    ds.set_backend(probe.clone(), true).unwrap();
    assert_eq!(
        probe.saves(),
        2,
        "attaching with auto-save writes every series once"
    );
    assert_eq!(keys(probe.as_ref()), ["plant/A#1/RAW#1", "plant/B#1/RAW#1"]);
    ds.signal_mut("A#1")
        .unwrap()
        .process(&["A#1_RAW#1"], double, ProcessOptions::default())
        .unwrap();
    assert_eq!(probe.saves(), 3, "one step, one new series written");
    ds.save_all().unwrap();
    assert_eq!(probe.saves(), 3, "nothing changed, nothing written");
    // Unlike Python: signals added later and made by Dataset::process share the backend.
    ds.add(signal("C", &["RAW"])).unwrap();
    assert_eq!(probe.saves(), 4);
    ds.signal_mut("C#1")
        .unwrap()
        .process(&["C#1_RAW#1"], double, ProcessOptions::default())
        .unwrap();
    assert_eq!(probe.saves(), 5);
    assert!(keys(probe.as_ref()).contains(&"plant/C#1/DOUBLE#1".to_owned()));
}

#[test]
fn without_auto_save_nothing_is_written_until_save_all() {
    let probe = Arc::new(Probe::default());
    let mut ds = dataset();
    ds.set_backend(probe.clone(), false).unwrap();
    ds.signal_mut("A#1")
        .unwrap()
        .process(&["A#1_RAW#1"], double, ProcessOptions::default())
        .unwrap();
    assert_eq!(probe.saves(), 0);
    ds.save_all().unwrap();
    assert_eq!(probe.saves(), 3);
    let err = Dataset::new("x").unwrap().save_all().unwrap_err();
    assert!(matches!(err, Error::NoBackend(_)), "{err}");
}

#[test]
fn saved_data_is_released_to_the_budget_and_reloaded_on_access() {
    let probe = Arc::new(Probe::default());
    let mut ds = Dataset::new("big").unwrap();
    for name in ["A", "B", "C", "D"] {
        let values: Vec<f64> = (0..10_000).map(f64::from).collect();
        ds.add(
            Signal::new(
                name,
                "u",
                DataProvenance::default(),
                [hourly("RAW", &values)],
            )
            .unwrap(),
        )
        .unwrap();
    }
    let before = ds.resident_bytes();
    let one = before / 4;
    ds.attach(Attachment::new(probe.clone(), false, one + one / 2))
        .unwrap();
    ds.save_all().unwrap();
    let after = ds.resident_bytes();
    assert!(
        after <= one + one / 2,
        "resident {after} bytes, budget {}",
        one + one / 2
    );
    assert!(after < before);
    let a = ds.signal("A#1").unwrap().time_series("A#1_RAW#1").unwrap();
    assert!(
        !a.is_resident(),
        "the least recently used series was released"
    );
    let values = a.values().unwrap();
    assert_eq!(
        values.f64().unwrap().get(9_999),
        Some(9_999.0),
        "reloaded on access"
    );
    assert!(a.is_resident());
    let text = ds.signal("B#1").unwrap().to_string();
    assert!(text.contains("data: stored, read on access"), "{text}");
}

#[test]
fn a_dataset_reopens_from_its_store_alone() {
    let backend: Arc<dyn StorageBackend> = Arc::new(MemoryBackend::new());
    let mut ds = dataset()
        .with_description("réacteur — l'eau")
        .with_owner("ops");
    ds.signal_mut("A#1")
        .unwrap()
        .set_provenance(DataProvenance {
            parameter: Some("Temperature".into()),
            metadata_id: Some("temp_001".into()),
            ..Default::default()
        });
    ds.signal_mut("A#1")
        .unwrap()
        .process(&["A#1_RAW#1"], double, ProcessOptions::default())
        .unwrap();
    ds.set_backend(backend.clone(), false).unwrap();
    ds.save_all().unwrap();

    let reopened =
        Dataset::open_from(Attachment::new(backend, true, usize::MAX), "plant", true).unwrap();
    assert_eq!(reopened.all_signals(), ds.all_signals());
    assert_eq!(reopened.description(), Some("réacteur — l'eau"));
    let (a, b) = (reopened.signal("A#1").unwrap(), ds.signal("A#1").unwrap());
    assert_eq!(a.provenance(), b.provenance());
    assert_eq!(a.all_time_series(), ["A#1_RAW#1", "A#1_DOUBLE#1"]);
    for name in a.all_time_series() {
        let (x, y) = (a.time_series(name).unwrap(), b.time_series(name).unwrap());
        assert_eq!(x, y, "{name}: data, index and history");
        assert_eq!(x.created_on(), y.created_on());
        assert_eq!(x.metadata(), y.metadata());
    }
    // save_all gave the RAW series the provenance's metadata id, as Python does.
    assert_eq!(
        a.time_series("A#1_RAW#1").unwrap().metadata_id(),
        Some("temp_001")
    );
    assert_eq!(a.time_series("A#1_DOUBLE#1").unwrap().metadata_id(), None);
    assert_eq!(&reopened, &ds, "timestamps restored too");
    let err = Dataset::open_from(
        Attachment::new(Arc::new(MemoryBackend::new()), true, 0),
        "plant",
        true,
    )
    .unwrap_err();
    assert!(
        matches!(err, Error::Storage(StorageError::NotFound { ref key }) if key == "plant"),
        "{err}"
    );
}

#[test]
fn switching_from_memory_to_a_store_migrates_everything() {
    let mut ds = dataset();
    ds.use_memory_storage().unwrap();
    ds.signal_mut("B#1")
        .unwrap()
        .process(&["B#1_RAW#1"], double, ProcessOptions::default())
        .unwrap();
    let probe = Arc::new(Probe::default());
    ds.set_backend(probe.clone(), true).unwrap();
    assert_eq!(
        keys(probe.as_ref()),
        ["plant/A#1/RAW#1", "plant/B#1/DOUBLE#1", "plant/B#1/RAW#1"]
    );
    let reopened =
        Dataset::open_from(Attachment::new(probe, true, usize::MAX), "plant", false).unwrap();
    assert_eq!(reopened.signal("B#1").unwrap(), ds.signal("B#1").unwrap());
}

#[test]
fn opening_a_dataset_reads_each_commit_and_checkpoint_once() {
    let probe = Arc::new(Probe::default());
    // The commits and checkpoints an open reads, each read exactly once.
    let open = |ds: &Dataset| {
        probe.documents_loaded.lock().unwrap().clear();
        let reopened = Dataset::open_from(
            Attachment::new(probe.clone(), true, usize::MAX),
            "plant",
            true,
        )
        .unwrap();
        assert_eq!(reopened.all_signals(), ds.all_signals());
        assert_eq!(reopened.signal("A#1").unwrap(), ds.signal("A#1").unwrap());
        let loaded = probe.documents_loaded.lock().unwrap().clone();
        let versioned: Vec<&String> = loaded
            .iter()
            .filter(|k| k.contains("/_log/") || k.contains("/_checkpoint/"))
            .collect();
        // Finding the latest version reads its commit, which rebuilding it needs too.
        assert!(
            versioned.iter().any(|k| k.contains("/_log/")),
            "no commit read: {loaded:?}"
        );
        for key in &versioned {
            assert_eq!(
                versioned.iter().filter(|k| k == &key).count(),
                1,
                "{key} read more than once: {loaded:?}"
            );
        }
    };
    let mut ds = dataset();
    ds.set_backend(probe.clone(), true).unwrap();
    // Version 1 is both the latest and the oldest version, and the hint names it.
    open(&ds);
    ds.signal_mut("A#1")
        .unwrap()
        .process(&["A#1_RAW#1"], double, ProcessOptions::default())
        .unwrap();
    // The hint lags behind the latest version.
    open(&ds);
}

#[test]
fn removals_and_renames_reach_the_store() {
    let backend: Arc<dyn StorageBackend> = Arc::new(MemoryBackend::new());
    let mut ds = dataset();
    ds.set_backend(backend.clone(), true).unwrap();
    ds.signal_mut("A#1")
        .unwrap()
        .process(&["A#1_RAW#1"], double, ProcessOptions::default())
        .unwrap();
    ds.signal_mut("A#1")
        .unwrap()
        .remove("A#1_DOUBLE#1")
        .unwrap();
    ds.rename_signal("B#1", "Q#1").unwrap();
    ds.remove("A#1").unwrap();
    // A rename changes records only: the version refers to the data objects as they were
    // written (under the signal's first name), none is rewritten.
    assert_eq!(keys(backend.as_ref()), ["plant/B#1/RAW#1"]);
    // Earlier versions still hold what was removed or renamed.
    let log = VersionLog::new(backend.as_ref(), "plant").unwrap();
    let first = log.state(1).unwrap();
    assert_eq!(first.signals.keys().collect::<Vec<_>>(), ["A#1", "B#1"]);
    let reopened =
        Dataset::open_from(Attachment::new(backend, true, usize::MAX), "plant", true).unwrap();
    assert_eq!(reopened.all_signals(), ["Q#1"]);
}

#[test]
fn a_failing_save_keeps_what_was_stored() {
    let probe = Arc::new(Probe::failing_at(4));
    let mut ds = dataset();
    ds.set_backend(probe.clone(), true).unwrap();
    let stored_before = stored(&probe.inner, "plant/A#1/RAW#1").unwrap();
    ds.signal_mut("A#1")
        .unwrap()
        .process(&["A#1_RAW#1"], double, ProcessOptions::default())
        .unwrap();
    // The 4th write fails: auto-save after this step reports it, naming the object.
    let err = ds
        .signal_mut("B#1")
        .unwrap()
        .process(&["B#1_RAW#1"], double, ProcessOptions::default())
        .unwrap_err();
    assert!(err.to_string().contains("plant/B#1/DOUBLE#1"), "{err}");
    // The failed call left memory as it was, and the store at its last version.
    assert_eq!(ds.signal("B#1").unwrap().all_time_series(), ["B#1_RAW#1"]);
    assert!(stored(&probe.inner, "plant/B#1/DOUBLE#1").is_none());
    let stored_after = stored(&probe.inner, "plant/A#1/RAW#1").unwrap();
    assert!(stored_after.frame.equals_missing(&stored_before.frame));
    // Doing it again works once the store does.
    ds.signal_mut("B#1")
        .unwrap()
        .process(&["B#1_RAW#1"], double, ProcessOptions::default())
        .unwrap();
    assert!(stored(&probe.inner, "plant/B#1/DOUBLE#1").is_some());
}
