//! The data-safety harnesses: `cargo xtask crash`, `cargo xtask concurrency` and
//! `cargo xtask corrupt`. Each drives the `meteaudata-workloads` binary (built in release
//! unless `--bin PATH` names one) in processes of its own and prints a table for
//! `docs/reliability.md`.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use serde_json::Value;

/// A store to test: its label and target (a directory or a URL), with the environment its
/// processes need.
struct Store {
    label: &'static str,
    target: String,
    env: Vec<(String, String)>,
}

/// The stores of this machine: a local folder and SQLite always; PostgreSQL, MariaDB and
/// S3 (a local moto server) when their test variables are set.
fn stores(scratch: &Path, only: Option<&str>) -> Result<Vec<Store>> {
    let mut out = vec![
        Store {
            label: "local folder",
            target: scratch.join("folder").display().to_string(),
            env: Vec::new(),
        },
        Store {
            label: "SQLite file",
            target: format!("sqlite:///{}", scratch.join("store.db").display()),
            env: Vec::new(),
        },
    ];
    for (var, label) in [
        ("METEAUDATA_TEST_POSTGRES_URL", "PostgreSQL"),
        ("METEAUDATA_TEST_MYSQL_URL", "MariaDB"),
    ] {
        if let Ok(url) = std::env::var(var) {
            out.push(Store {
                label,
                target: url,
                env: Vec::new(),
            });
        }
    }
    if let Ok(endpoint) = std::env::var("METEAUDATA_TEST_S3_ENDPOINT") {
        let host = endpoint.trim_start_matches("http://").trim_end_matches('/');
        if !(host.starts_with("127.0.0.1:") || host.starts_with("localhost:")) {
            bail!("the harnesses only use a local S3 server, not {endpoint}");
        }
        create_bucket(host, "meteaudata-harness")?;
        out.push(Store {
            label: "S3 (local moto)",
            target: format!("s3://meteaudata-harness/run-{}", std::process::id()),
            env: [
                ("AWS_ENDPOINT", endpoint.as_str()),
                ("AWS_ALLOW_HTTP", "true"),
                ("AWS_ACCESS_KEY_ID", "testing"),
                ("AWS_SECRET_ACCESS_KEY", "testing"),
                ("AWS_REGION", "us-east-1"),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect(),
        });
    }
    Ok(out
        .into_iter()
        .filter(|s| only.is_none_or(|o| s.label.to_lowercase().contains(&o.to_lowercase())))
        .collect())
}

/// Creates a bucket on the local S3 server (which takes unsigned requests).
fn create_bucket(host: &str, bucket: &str) -> Result<()> {
    use std::io::{Read, Write};
    let mut stream =
        std::net::TcpStream::connect(host).with_context(|| format!("no S3 server at {host}"))?;
    write!(
        stream,
        "PUT /{bucket} HTTP/1.1\r\nHost: {host}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    )?;
    let mut reply = String::new();
    stream.read_to_string(&mut reply)?;
    if !(reply.starts_with("HTTP/1.1 200") || reply.contains("BucketAlready")) {
        bail!("cannot create the bucket {bucket}: {reply}");
    }
    Ok(())
}

/// A small deterministic random source (xorshift).
struct Random(u64);

impl Random {
    fn seeded() -> Random {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(1, |d| d.as_nanos() as u64);
        Random(nanos | 1)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

/// Runs one job of the workloads binary and parses its JSON report.
fn job(binary: &Path, store: &Store, args: &[&str]) -> Result<Value> {
    let output = Command::new(binary)
        .args(args)
        .envs(store.env.iter().map(|(k, v)| (k, v)))
        .output()
        .with_context(|| format!("cannot run {}", binary.display()))?;
    if !output.status.success() {
        bail!(
            "{} {}: {}",
            store.label,
            args.join(" "),
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    serde_json::from_slice(&output.stdout).with_context(|| format!("{}: bad JSON", args[0]))
}

/// The workloads binary: `--bin PATH`, else a release build.
pub(crate) fn binary(args: &[String]) -> Result<PathBuf> {
    if let Some(i) = args.iter().position(|a| a == "--bin") {
        return Ok(PathBuf::from(
            args.get(i + 1).context("--bin needs a path")?,
        ));
    }
    crate::cargo(&["build", "--release", "-p", "meteaudata-workloads"], &[])?;
    Ok(crate::bench::target_dir()
        .join("release")
        .join("meteaudata-workloads"))
}

fn option<'a>(args: &'a [String], name: &str) -> Option<&'a str> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .map(String::as_str)
}

fn scratch() -> Result<PathBuf> {
    let dir = std::env::temp_dir().join(format!("meteaudata-harness-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

/// `cargo xtask crash [--kills N] [--store LABEL] [--bin PATH]`: for each store, N times:
/// start a writer, kill it with SIGKILL after a random 20–400 ms, and check that what opens
/// is exactly the latest committed version (every series compared, every checksum verified).
pub(crate) fn crash(args: &[String]) -> Result<()> {
    let binary = binary(args)?;
    let kills: u64 = option(args, "--kills").map_or(Ok(100), str::parse)?;
    let scratch = scratch()?;
    let mut random = Random::seeded();
    println!(
        "| store | kills | reopened as a committed version | mixed or unreadable | versions reached |"
    );
    println!("|---|---|---|---|---|");
    for store in stores(&scratch, option(args, "--store"))? {
        job(
            &binary,
            &store,
            &["reset", "--store", &store.target, "--name", "crash"],
        )?;
        let (mut good, mut bad, mut last) = (0u64, Vec::new(), 0u64);
        for kill in 0..kills {
            let mut child = Command::new(&binary)
                .args(["crash_writer", "--store", &store.target])
                .envs(store.env.iter().map(|(k, v)| (k, v)))
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .context("cannot start the writer")?;
            let wait = Duration::from_millis(20 + random.below(380));
            let started = Instant::now();
            while started.elapsed() < wait {
                if child.try_wait()?.is_some() {
                    let out = child.wait_with_output()?;
                    bail!(
                        "{}: the writer stopped by itself: {}",
                        store.label,
                        String::from_utf8_lossy(&out.stderr)
                    );
                }
                std::thread::sleep(Duration::from_millis(2));
            }
            child.kill()?; // SIGKILL
            child.wait()?;
            match job(&binary, &store, &["crash_check", "--store", &store.target]) {
                Ok(report) if report["ok"] == Value::Bool(true) => {
                    good += 1;
                    last = report["version"].as_u64().unwrap_or(0);
                }
                Ok(report) => bad.push(format!("kill {kill}: {}", report["problems"])),
                Err(e) => bad.push(format!("kill {kill}: {e:#}")),
            }
        }
        println!(
            "| {} | {kills} | {good} | {} | {last} |",
            store.label,
            bad.len()
        );
        for problem in &bad {
            eprintln!("{}: {problem}", store.label);
        }
    }
    let _ = std::fs::remove_dir_all(&scratch);
    Ok(())
}

/// `cargo xtask concurrency [--writers W] [--commits N] [--store LABEL] [--bin PATH]`: for
/// each store, W processes commit N times each to one dataset at once (their own signal, and
/// a shared one every fifth time); every commit must land or be a conflict, the history must
/// hold exactly the commits that landed, and writers of different signals all land.
pub(crate) fn concurrency(args: &[String]) -> Result<()> {
    let binary = binary(args)?;
    let writers: u64 = option(args, "--writers").map_or(Ok(4), str::parse)?;
    let commits: u64 = option(args, "--commits").map_or(Ok(25), str::parse)?;
    let scratch = scratch()?;
    println!(
        "| store | writers × commits | landed | conflicts | history = landed | other errors |"
    );
    println!("|---|---|---|---|---|---|");
    for store in stores(&scratch, option(args, "--store"))? {
        job(
            &binary,
            &store,
            &["reset", "--store", &store.target, "--name", "shared"],
        )?;
        let setup = job(
            &binary,
            &store,
            &["concurrent_setup", "--store", &store.target],
        )?;
        let first = setup["version"].as_u64().unwrap_or(0);
        let children: Vec<_> = (0..writers)
            .map(|w| {
                Command::new(&binary)
                    .args([
                        "concurrent_writer",
                        "--store",
                        &store.target,
                        "--writer",
                        &w.to_string(),
                        "--commits",
                        &commits.to_string(),
                    ])
                    .envs(store.env.iter().map(|(k, v)| (k, v)))
                    .stdout(Stdio::piped())
                    .stderr(Stdio::piped())
                    .spawn()
            })
            .collect::<Result<_, _>>()?;
        let (mut landed, mut conflicts, mut errors) = (Vec::new(), 0u64, Vec::new());
        for child in children {
            let out = child.wait_with_output()?;
            if !out.status.success() {
                errors.push(String::from_utf8_lossy(&out.stderr).trim().to_owned());
                continue;
            }
            let report: Value = serde_json::from_slice(&out.stdout)?;
            conflicts += report["conflicts"].as_u64().unwrap_or(0);
            landed.extend(
                report["landed"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_u64),
            );
        }
        landed.sort_unstable();
        let history: Vec<u64> = job(
            &binary,
            &store,
            &["history", "--store", &store.target, "--name", "shared"],
        )?["versions"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_u64)
            .filter(|v| *v > first)
            .collect();
        let distinct = landed.windows(2).all(|w| w[0] != w[1]);
        let same = history == landed && distinct;
        println!(
            "| {} | {writers} × {commits} | {} | {conflicts} | {} | {} |",
            store.label,
            landed.len(),
            if same { "yes" } else { "NO" },
            errors.len()
        );
        for e in &errors {
            eprintln!("{}: {e}", store.label);
        }
        if !same {
            eprintln!("{}: landed {landed:?}, history {history:?}", store.label);
        }
    }
    let _ = std::fs::remove_dir_all(&scratch);
    Ok(())
}

/// `cargo xtask corrupt [--trials N] [--bin PATH]`: flips one byte at a random position of a
/// stored data object N times; each load must fail naming the object.
pub(crate) fn corrupt(args: &[String]) -> Result<()> {
    let binary = binary(args)?;
    let trials = option(args, "--trials").unwrap_or("100");
    let scratch = scratch()?;
    let dir = scratch.join("corrupt");
    let local = Store {
        label: "local folder",
        target: String::new(),
        env: Vec::new(),
    };
    let report = job(
        &binary,
        &local,
        &[
            "corrupt_trials",
            "--dir",
            dir.to_str().context("UTF-8 path")?,
            "--trials",
            trials,
        ],
    )?;
    println!(
        "| trials | object bytes | error naming the object | loaded silently | other errors |"
    );
    println!("|---|---|---|---|---|");
    println!(
        "| {} | {} | {} | {} | {} |",
        report["trials"],
        report["object_bytes"],
        report["named"],
        report["silent"].as_array().map_or(0, Vec::len),
        report["other_errors"].as_array().map_or(0, Vec::len)
    );
    let _ = std::fs::remove_dir_all(&scratch);
    Ok(())
}
