//! Fuzz-style property tests of the archive readers: arbitrary or damaged bytes in the ZIP
//! container, the YAML metadata or the CSV data give an error (or a valid object), never a
//! panic.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use meteaudata_archive::{load_dataset, load_signal};
use proptest::prelude::*;

/// The entries of the fixture archive `UtcTemp#1.zip` (one signal saved by meteaudata for
/// Python: a YAML document and two CSVs).
fn fixture_entries() -> Vec<(String, Vec<u8>)> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/meteaudata-py-0.12.1/pandas-3.1.1/edge/archive/UtcTemp#1.zip");
    let mut zip = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    (0..zip.len())
        .map(|i| {
            let mut entry = zip.by_index(i).unwrap();
            let mut bytes = Vec::new();
            entry.read_to_end(&mut bytes).unwrap();
            (entry.name().unwrap().into_owned(), bytes)
        })
        .collect()
}

/// A fresh file path for one case.
fn scratch(tag: &str) -> PathBuf {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!("meteaudata-fuzz-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(format!(
        "{tag}-{}.zip",
        NEXT.fetch_add(1, Ordering::Relaxed)
    ))
}

fn write_zip(path: &Path, entries: &[(String, Vec<u8>)]) {
    let mut zip = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
    for (name, bytes) in entries {
        zip.start_file(name.as_str(), zip::write::SimpleFileOptions::default())
            .unwrap();
        zip.write_all(bytes).unwrap();
    }
    zip.finish().unwrap();
}

/// Loads `entries` as the signal archive, returning whether it loaded.
fn load(entries: &[(String, Vec<u8>)]) -> bool {
    let path = scratch("case");
    write_zip(&path, entries);
    let loaded = load_signal(&path, "UtcTemp#1").is_ok();
    let _ = std::fs::remove_file(&path);
    loaded
}

/// `entries` with entry `which` (by suffix) replaced through `change`.
fn with_entry(
    entries: &[(String, Vec<u8>)],
    which: &str,
    change: impl Fn(&[u8]) -> Vec<u8>,
) -> Vec<(String, Vec<u8>)> {
    entries
        .iter()
        .map(|(n, b)| {
            (
                n.clone(),
                if n.ends_with(which) {
                    change(b)
                } else {
                    b.clone()
                },
            )
        })
        .collect()
}

/// `bytes` with the given positions overwritten.
fn mutate(bytes: &[u8], edits: &[(usize, u8)]) -> Vec<u8> {
    let mut out = bytes.to_vec();
    if !out.is_empty() {
        for &(at, byte) in edits {
            let at = at % out.len();
            out[at] = byte;
        }
    }
    out
}

#[test]
fn the_fixture_itself_loads() {
    assert!(load(&fixture_entries()));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn arbitrary_bytes_are_not_an_archive(bytes in proptest::collection::vec(any::<u8>(), 0..4096)) {
        let path = scratch("raw");
        std::fs::write(&path, &bytes).unwrap();
        prop_assert!(load_dataset(&path, "UtcTemp#1").is_err());
        let _ = load_signal(&path, "UtcTemp#1");
        let _ = std::fs::remove_file(&path);
    }

    #[test]
    fn damaged_zip_containers_never_panic(edits in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..16)) {
        let path = scratch("container");
        write_zip(&path, &fixture_entries());
        let damaged = mutate(&std::fs::read(&path).unwrap(), &edits);
        std::fs::write(&path, damaged).unwrap();
        let _ = load_signal(&path, "UtcTemp#1");
        let _ = std::fs::remove_file(&path);
    }

    #[test]
    fn arbitrary_yaml_never_panics(yaml in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let entries = with_entry(&fixture_entries(), "_metadata.yaml", |_| yaml.clone());
        prop_assert!(!load(&entries), "random bytes are not the signal's metadata");
    }

    #[test]
    fn damaged_yaml_never_panics(edits in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..8)) {
        let entries = with_entry(&fixture_entries(), "_metadata.yaml", |b| mutate(b, &edits));
        let _ = load(&entries);
    }

    #[test]
    fn arbitrary_csv_never_panics(csv in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let entries = with_entry(&fixture_entries(), "RAW#1.csv", |_| csv.clone());
        let _ = load(&entries);
    }

    #[test]
    fn damaged_csv_never_panics(edits in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..8)) {
        let entries = with_entry(&fixture_entries(), "RAW#1.csv", |b| mutate(b, &edits));
        let _ = load(&entries);
    }

    #[test]
    fn csv_text_made_of_csv_characters_never_panics(csv in "[0-9a-z:+., \\-\"\n;]{0,400}") {
        let entries = with_entry(&fixture_entries(), "RAW#1.csv", |_| csv.clone().into_bytes());
        let _ = load(&entries);
    }
}
