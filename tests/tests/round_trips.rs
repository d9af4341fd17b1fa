//! What a careful new user checks first: that a dataset saved to a store reopens exactly as it
//! was (clones too, non-finite parameters, named indexes, long names), that opening creates
//! nothing, and that a store leaves alone the files it did not write.

use meteaudata::prelude::*;
use meteaudata::storage::StorageError;
use meteaudata::{DatasetOpen, StorageExt};
use meteaudata_e2e::env::{files_under, scratch, store_targets, unique};
use meteaudata_e2e::workload;

/// A dataset whose RAW series records a step with NaN, +inf and -inf float parameters and a
/// text "nan", over a named index.
fn with_odd_parameters(name: &str) -> Dataset {
    let info = FunctionInfo::new("clip", "1.0", "tests", "tests/round_trips.rs");
    let step = ProcessingStep::new(ProcessingType::Filtering, "clip", info, "RAW").with_parameters(
        Parameters::new()
            .with("fill", f64::NAN)
            .with("upper", f64::INFINITY)
            .with("lower", f64::NEG_INFINITY)
            .with("label", "nan")
            .with("scale", 1e300),
    );
    let raw = workload::series(48, 0)
        .with_processing_steps(vec![step])
        .with_index_name(Some("time".into()));
    Dataset::new(name)
        .unwrap()
        .with_signals([Signal::new("S0", "m", DataProvenance::default(), [raw]).unwrap()])
        .unwrap()
}

fn parameters_of(ds: &Dataset) -> Parameters {
    ds.signal("S0#1")
        .unwrap()
        .time_series("S0#1_RAW#1")
        .unwrap()
        .processing_steps()[0]
        .parameters
        .clone()
        .expect("the step records parameters")
}

fn check_parameters(context: &str, reopened: &Dataset) {
    let p = parameters_of(reopened);
    assert!(
        matches!(p.get("fill"), Some(ParamValue::Float(v)) if v.is_nan()),
        "{context}: NaN comes back as a float, not {:?}",
        p.get("fill")
    );
    assert_eq!(
        p.get("upper"),
        Some(&ParamValue::Float(f64::INFINITY)),
        "{context}"
    );
    assert_eq!(
        p.get("lower"),
        Some(&ParamValue::Float(f64::NEG_INFINITY)),
        "{context}"
    );
    assert_eq!(
        p.get("label"),
        Some(&ParamValue::String("nan".into())),
        "{context}"
    );
    assert_eq!(p.get("scale"), Some(&ParamValue::Float(1e300)), "{context}");
}

#[test]
fn non_finite_parameters_and_index_names_survive_every_store() {
    for target in store_targets("odd-parameters") {
        let name = unique("odd");
        let mut ds = with_odd_parameters(&name);
        if target.contains("://") {
            ds.use_sql_storage(&target).unwrap();
        } else {
            ds.use_disk_storage(&target).unwrap();
        }
        ds.save_all().unwrap();
        let reopened = Dataset::open(&target, &name).unwrap();
        check_parameters(&target, &reopened);
        let raw = reopened
            .signal("S0#1")
            .unwrap()
            .time_series("S0#1_RAW#1")
            .unwrap();
        assert_eq!(raw.index_name(), Some("time"), "{target}");
        assert_eq!(
            raw.index_metadata().name.as_deref(),
            Some("time"),
            "{target}"
        );
        assert!(
            reopened == ds,
            "{target}: the reopened dataset equals the saved one"
        );
    }
}

#[test]
fn non_finite_parameters_and_index_names_survive_an_archive() {
    let dir = scratch("odd-archive");
    let ds = with_odd_parameters("odd");
    let path = ds.save_archive(&dir).unwrap();
    let reopened = Dataset::load_archive(&path, "odd").unwrap();
    check_parameters("archive", &reopened);
    let raw = reopened
        .signal("S0#1")
        .unwrap()
        .time_series("S0#1_RAW#1")
        .unwrap();
    assert_eq!(raw.index_name(), Some("time"));
    // pandas writes a named index's name as the first header cell.
    let zip = std::fs::read(&path).unwrap();
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(zip)).unwrap();
    let mut csv = String::new();
    std::io::Read::read_to_string(
        &mut archive
            .by_name("odd_data/S0#1_data/S0#1_RAW#1.csv")
            .unwrap(),
        &mut csv,
    )
    .unwrap();
    assert!(csv.starts_with("time,S0#1_RAW#1\n"), "{}", &csv[..40]);
}

#[test]
fn a_clone_saves_and_reopens_like_its_original() {
    for target in store_targets("clone") {
        let name = unique("cloned");
        let original = with_odd_parameters(&name);
        let mut copy = original.clone();
        if target.contains("://") {
            copy.use_sql_storage(&target).unwrap();
        } else {
            copy.use_disk_storage(&target).unwrap();
        }
        copy.save_all().unwrap();
        let reopened = Dataset::open(&target, &name)
            .unwrap_or_else(|e| panic!("{target}: the clone's dataset reopens: {e}"));
        assert_eq!(reopened.all_signals(), ["S0#1"], "{target}");
        assert!(reopened == copy, "{target}: reopens as saved");
        let raw = |ds: &Dataset| {
            ds.signal("S0#1")
                .unwrap()
                .time_series("S0#1_RAW#1")
                .unwrap()
                .clone()
        };
        assert!(
            raw(&reopened) == raw(&original),
            "{target}: the original's data"
        );
    }
}

#[test]
fn opening_a_missing_store_creates_nothing() {
    let missing = scratch("never-created").join("deeper");
    let err = Dataset::open(missing.to_str().unwrap(), "plant").unwrap_err();
    assert!(
        matches!(err, Error::Storage(StorageError::MissingStore { .. })),
        "{err:?}"
    );
    assert!(err.to_string().contains("does not exist"), "{err}");
    assert!(!missing.exists(), "opening created {}", missing.display());
    assert!(!missing.parent().unwrap().exists());

    let file = scratch("never-created").with_extension("db");
    let url = format!("sqlite:///{}", file.display());
    let err = Dataset::open(&url, "plant").unwrap_err();
    assert!(err.to_string().contains("does not exist"), "{err}");
    assert!(!file.exists(), "opening created {}", file.display());
}

#[test]
fn a_long_signal_name_is_refused_before_anything_is_written() {
    let dir = scratch("long-name");
    let long = format!("{}#1", "S".repeat(243));
    let mut ds = Dataset::new("plant")
        .unwrap()
        .with_signals([
            workload::signal(10, 0),
            Signal::new(
                &long,
                "m",
                DataProvenance::default(),
                [workload::series(10, 1)],
            )
            .unwrap(),
        ])
        .unwrap();
    let err = ds.use_disk_storage(&dir).unwrap_err();
    let text = err.to_string();
    assert!(text.contains(&long[..40]), "names the culprit: {text}");
    assert!(text.contains("too long"), "says why: {text}");
    let written: Vec<_> = files_under(&dir);
    assert!(written.is_empty(), "nothing written, found {written:?}");
    // The failed call left the dataset as it was: in memory, with no backend.
    assert!(ds.storage().is_none());
    // Without the long signal, the same dataset saves.
    ds.remove(&long).unwrap();
    ds.use_disk_storage(&dir).unwrap();
    assert_eq!(
        Dataset::open(dir.to_str().unwrap(), "plant")
            .unwrap()
            .all_signals(),
        ["S0#1"]
    );
}

#[test]
fn a_store_lists_and_clears_only_what_it_wrote() {
    let dir = scratch("foreign-files");
    std::fs::create_dir_all(dir.join("photos")).unwrap();
    std::fs::write(dir.join("notes.txt"), "mine").unwrap();
    std::fs::write(dir.join("photos/cat.jpg"), "meow").unwrap();
    std::fs::write(dir.join("results.parquet"), "not ours").unwrap();
    std::fs::write(dir.join("settings.json"), r#"{"theme": "dark"}"#).unwrap();
    let mut ds = Dataset::new("plant")
        .unwrap()
        .with_signals([workload::signal(10, 0)])
        .unwrap();
    ds.use_disk_storage(&dir).unwrap();
    ds.save_all().unwrap();
    let backend = ds.storage().unwrap().backend.clone();
    let keys = backend.list_keys(None).unwrap();
    assert_eq!(keys.len(), 1, "{keys:?}");
    assert!(
        keys[0].to_string().starts_with("plant/S0#1/RAW#1.o"),
        "{keys:?}"
    );
    backend.clear(None).unwrap();
    assert!(backend.list_keys(None).unwrap().is_empty());
    assert!(
        Dataset::open(dir.to_str().unwrap(), "plant").is_err(),
        "the dataset is gone"
    );
    let mut left: Vec<String> = files_under(&dir)
        .iter()
        .map(|p| p.strip_prefix(&dir).unwrap().display().to_string())
        .collect();
    left.sort();
    assert_eq!(
        left,
        [
            "notes.txt",
            "photos/cat.jpg",
            "results.parquet",
            "settings.json"
        ]
    );
}
