//! The bytes of our archives: the CSV text meteaudata for Python writes, YAML keys in its
//! order, limits on what loading may expand to, and whole archives when several writers save
//! the same one at once.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::Path;

use meteaudata::archive::{ArchiveError, ArchiveLimits};
use meteaudata::prelude::*;
use meteaudata_e2e::env::{python, scratch};
use meteaudata_e2e::{fixtures_root, workload};

/// Every entry of a zip archive with its bytes, by name.
fn entries(path: &Path) -> BTreeMap<String, Vec<u8>> {
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

/// The key order of every mapping in a YAML document, by its path from the root.
fn key_orders(value: &serde_yaml_ng::Value, path: &str, out: &mut BTreeMap<String, Vec<String>>) {
    match value {
        serde_yaml_ng::Value::Mapping(map) => {
            let keys: Vec<String> = map
                .keys()
                .filter_map(|k| k.as_str().map(str::to_owned))
                .collect();
            out.insert(path.to_owned(), keys);
            for (k, v) in map {
                key_orders(v, &format!("{path}/{}", k.as_str().unwrap_or("?")), out);
            }
        }
        serde_yaml_ng::Value::Sequence(items) => {
            for (i, v) in items.iter().enumerate() {
                key_orders(v, &format!("{path}[{i}]"), out);
            }
        }
        _ => {}
    }
}

/// Whether `key` is one only this library writes (Python ignores it).
fn ours_only(key: &String) -> bool {
    key == "format_version" || key == "csv_layout"
}

#[test]
fn archives_of_python_datasets_have_pythons_csv_text_and_key_order() {
    for pandas in ["pandas-2.2.3", "pandas-3.1.1"] {
        for (set, name) in [("main", "reactor_monitoring"), ("edge", "edge_cases")] {
            let python_zip = fixtures_root().join(format!("{pandas}/{set}/archive/{name}.zip"));
            let dir = scratch(&format!("text-{pandas}-{set}"));
            let ours = Dataset::load_archive(&python_zip, name)
                .unwrap()
                .save_archive(&dir)
                .unwrap();
            let (theirs, ours) = (entries(&python_zip), entries(&ours));
            assert_eq!(
                theirs.keys().collect::<Vec<_>>(),
                ours.keys().collect::<Vec<_>>(),
                "{pandas}/{set}: the same entries"
            );
            for (entry, bytes) in &theirs {
                if entry.ends_with(".csv") {
                    assert!(
                        ours[entry] == *bytes,
                        "{pandas}/{set} {entry}: ours\n{}\nPython's\n{}",
                        String::from_utf8_lossy(&ours[entry]),
                        String::from_utf8_lossy(bytes)
                    );
                } else {
                    let parse =
                        |b: &[u8]| serde_yaml_ng::from_slice::<serde_yaml_ng::Value>(b).unwrap();
                    let (mut a, mut b) = (BTreeMap::new(), BTreeMap::new());
                    key_orders(&parse(bytes), "", &mut a);
                    key_orders(&parse(&ours[entry]), "", &mut b);
                    for (path, keys) in &b {
                        // PyYAML sorts every mapping, the keys only we write included.
                        assert!(keys.is_sorted(), "{pandas}/{set} {entry}{path}: {keys:?}");
                        let shared: Vec<&String> = keys.iter().filter(|k| !ours_only(k)).collect();
                        let python: Vec<&String> = a[path].iter().collect();
                        assert_eq!(shared, python, "{pandas}/{set} {entry}{path}");
                    }
                    assert_eq!(
                        a.len(),
                        b.len(),
                        "{pandas}/{set} {entry}: the same mappings"
                    );
                }
            }
        }
    }
}

#[test]
fn large_and_tiny_floats_are_written_as_python_writes_them() {
    let index = date_range("2024-01-01", 4, "h").unwrap();
    let values = Series::new("v".into(), [1e300, 1e-5, 1.5e-7, 1e16]);
    let signal = Signal::new(
        "Big",
        "-",
        DataProvenance::default(),
        [TimeSeries::new("RAW", index, values).unwrap()],
    )
    .unwrap();
    let path = signal.save_archive(scratch("floats")).unwrap();
    let csv = String::from_utf8(entries(&path)["Big#1_data/Big#1_RAW#1.csv"].clone()).unwrap();
    let cells: Vec<&str> = csv
        .lines()
        .skip(1)
        .map(|l| l.split_once(',').unwrap().1)
        .collect();
    assert_eq!(cells, ["1e+300", "1e-05", "1.5e-07", "1e+16"]);
}

/// A dataset archive whose one CSV holds `rows` rows, zipped (it compresses about 100:1).
fn bomb(dir: &Path, rows: usize) -> std::path::PathBuf {
    let ds = Dataset::new("bomb")
        .unwrap()
        .with_signals([workload::signal(1, 0)])
        .unwrap();
    let path = ds.save_archive(dir).unwrap();
    let mut contents = entries(&path);
    let mut csv = b",S0#1_RAW#1\n".to_vec();
    for i in 0..rows {
        writeln!(csv, "2020-01-01 00:00:00,{}", i % 2).unwrap();
    }
    contents.insert("bomb_data/S0#1_data/S0#1_RAW#1.csv".into(), csv);
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&path).unwrap());
    for (name, bytes) in &contents {
        zip.start_file(name.as_str(), zip::write::SimpleFileOptions::default())
            .unwrap();
        zip.write_all(bytes).unwrap();
    }
    zip.finish().unwrap();
    path
}

#[test]
fn loading_refuses_entries_that_expand_beyond_the_limits() {
    let dir = scratch("bomb");
    let path = bomb(&dir, 400_000); // about 9 MB of CSV in about 100 kB
    assert!(std::fs::metadata(&path).unwrap().len() < 1_000_000);
    let limits = ArchiveLimits {
        max_entry_bytes: 1_000_000,
        max_total_bytes: 2_000_000,
    };
    let err = Dataset::load_archive_with(&path, "bomb", &limits).unwrap_err();
    assert!(matches!(err, ArchiveError::TooLarge { .. }), "{err:?}");
    let text = err.to_string();
    assert!(text.contains("S0#1_RAW#1.csv"), "names the entry: {text}");
    assert!(text.contains("1000000"), "names the limit: {text}");
    // The total counts too: each entry fits, all of them do not.
    let total = ArchiveLimits {
        max_entry_bytes: 100_000_000,
        max_total_bytes: 1_000_000,
    };
    assert!(matches!(
        Dataset::load_archive_with(&path, "bomb", &total),
        Err(ArchiveError::TooLarge { .. })
    ));
    // Within the default limits it loads.
    let loaded = Dataset::load_archive(&path, "bomb").unwrap();
    assert_eq!(
        loaded
            .signal("S0#1")
            .unwrap()
            .time_series("S0#1_RAW#1")
            .unwrap()
            .len(),
        400_000
    );
}

#[test]
fn an_entry_larger_than_its_header_says_is_caught_while_reading() {
    let dir = scratch("liar");
    let path = bomb(&dir, 100_000);
    // Rewrite the uncompressed size of the CSV in its local header and the central directory
    // to 1 kB: the zip reader stops at the declared size or reports an error, and loading
    // never reads past the limit.
    let mut bytes = std::fs::read(&path).unwrap();
    let name = b"bomb_data/S0#1_data/S0#1_RAW#1.csv";
    let mut patched = 0;
    for (signature, size_at, name_at) in [(b"PK\x03\x04", 22, 30), (b"PK\x01\x02", 24, 46)] {
        let mut i = 0;
        while let Some(pos) = bytes[i..].windows(4).position(|w| w == signature) {
            let at = i + pos;
            if bytes.get(at + name_at..at + name_at + name.len()) == Some(&name[..]) {
                bytes[at + size_at..at + size_at + 4].copy_from_slice(&1000u32.to_le_bytes());
                patched += 1;
            }
            i = at + 4;
        }
    }
    assert_eq!(patched, 2);
    std::fs::write(&path, &bytes).unwrap();
    let limits = ArchiveLimits {
        max_entry_bytes: 10_000,
        max_total_bytes: 1_000_000,
    };
    let err = Dataset::load_archive_with(&path, "bomb", &limits).unwrap_err();
    assert!(
        matches!(
            err,
            ArchiveError::TooLarge { .. } | ArchiveError::Corrupt { .. }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("S0#1_RAW#1.csv"), "{err}");
}

/// Datasets of one name whose content tells them apart.
fn version(v: u64) -> Dataset {
    Dataset::new("shared")
        .unwrap()
        .with_signals([workload::signal(2000 + v as usize * 10, v)])
        .unwrap()
}

#[test]
fn concurrent_saves_of_one_archive_each_write_a_whole_archive() {
    let dir = scratch("concurrent");
    std::fs::create_dir_all(&dir).unwrap();
    let threads: Vec<_> = (0..8)
        .map(|v| {
            let dir = dir.clone();
            std::thread::spawn(move || {
                let ds = version(v);
                (0..5)
                    .map(|_| ds.save_archive(&dir).map(drop))
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    for thread in threads {
        for result in thread.join().unwrap() {
            result.expect("every concurrent save succeeds");
        }
    }
    // What is left is one complete archive, equal to one of the versions saved.
    let loaded = Dataset::load_archive(dir.join("shared.zip"), "shared").unwrap();
    let signal = loaded.iter().next().unwrap().name().to_owned();
    let v: u64 = signal
        .trim_start_matches('S')
        .trim_end_matches("#1")
        .parse()
        .unwrap();
    let expected = version(v);
    let raw = |ds: &Dataset| {
        let s = ds.iter().next().unwrap();
        s.time_series(&format!("{}_RAW#1", s.name()))
            .unwrap()
            .clone()
    };
    assert!(
        raw(&loaded) == raw(&expected),
        "the archive holds version {v} whole"
    );
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .filter(|n| n != "shared.zip")
        .collect();
    assert!(
        leftovers.is_empty(),
        "no temporary file left: {leftovers:?}"
    );

    // Python's zipfile reads every entry twice without a CRC error.
    if let Some(python) = python() {
        let script = "import sys, zipfile\n\
            z = zipfile.ZipFile(sys.argv[1])\n\
            for _ in range(2):\n\
            \x20   for info in z.infolist():\n\
            \x20       z.read(info.filename)\n\
            print(len(z.infolist()))\n";
        let out = std::process::Command::new(python)
            .args(["-c", script])
            .arg(dir.join("shared.zip"))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// A series whose CSV text spans several blocks of the streaming writer and reader (they
/// work 65,536 rows and 4 MiB at a time) comes back with every label and value, and its
/// text is exactly the rows in order.
#[test]
fn a_series_longer_than_many_blocks_streams_out_and_back_whole() {
    let dir = scratch("archive_blocks");
    let n = 400_000;
    let dataset = Dataset::new("blocks")
        .unwrap()
        .with_signals([workload::signal(n, 3)])
        .unwrap();
    let path = dataset.save_archive(&dir).unwrap();
    let csv = &entries(&path)["blocks_data/S3#1_data/S3#1_RAW#1.csv"];
    assert!(csv.len() > 3 * (4 << 20), "{} bytes of text", csv.len());
    let text = std::str::from_utf8(csv).unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some(",S3#1_RAW#1"));
    let rows: Vec<&str> = lines.collect();
    assert_eq!(rows.len(), n);
    assert!(rows[0].starts_with("2020-01-01 00:00:00,"), "{}", rows[0]);
    assert!(
        rows[n - 1].starts_with("2020-10-04 18:39:00,"),
        "{}",
        rows[n - 1]
    );

    let back = Dataset::load_archive(&path, "blocks").unwrap();
    let (stored, loaded) = (
        dataset
            .signal("S3#1")
            .unwrap()
            .time_series("S3#1_RAW#1")
            .unwrap(),
        back.signal("S3#1")
            .unwrap()
            .time_series("S3#1_RAW#1")
            .unwrap(),
    );
    assert_eq!(loaded.data().unwrap(), stored.data().unwrap());
    let values = loaded.values().unwrap();
    assert_eq!(
        workload::checksum(&values.f64().unwrap().iter().collect::<Vec<_>>()),
        workload::checksum(&workload::values(n, 3))
    );
}
