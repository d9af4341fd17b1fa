//! `cargo xtask bench`: the workload table of `docs/performance.md`, and our jobs against
//! their peers (raw polars, ArcticDB, pyarrow) measured in the same run.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use serde_json::Value;

/// Jobs run at every N, in order (a read follows its write).
const JOBS: &[&str] = &[
    "raw_parquet_write",
    "raw_parquet_read",
    "raw_parquet_plain_write",
    "raw_parquet_plain_read",
    "raw_parquet_same_write",
    "raw_parquet_same_read",
    "raw_csv_write",
    "raw_csv_read",
    "raw_polars_process",
    "w1_build",
    "w2_process",
    "w3_write",
    "w3_read",
    "w4_write",
    "w4_read",
    "w5_write",
    "w5_read",
];
/// The Python peers' jobs (`xtask/peers.py`), run when a Python with `arcticdb` and `pyarrow`
/// is found.
const PEER_JOBS: &[&str] = &[
    "arcticdb_write",
    "arcticdb_read",
    "pyarrow_write",
    "pyarrow_read",
];
/// Our job, the peer it is measured against, what is compared, and the bar (at most this
/// ratio); `None` for a peer shown for information.
const COMPARISONS: &[(&str, &str, Measure, Option<f64>)] = &[
    ("w2_process", "raw_polars_process", Measure::Work, Some(1.2)),
    ("w3_write", "raw_parquet_write", Measure::Work, Some(1.0)),
    (
        "w3_write",
        "raw_parquet_plain_write",
        Measure::Work,
        Some(1.0),
    ),
    ("w3_write", "arcticdb_write", Measure::Work, Some(1.0)),
    ("w3_write", "pyarrow_write", Measure::Work, None),
    ("w3_read", "raw_parquet_read", Measure::Work, Some(1.0)),
    // The file polars reads here has the backend's columns, encodings and compression.
    ("w3_read", "raw_parquet_same_read", Measure::Work, Some(1.0)),
    // Less work than the backend's format (an index stored PLAIN, nothing to decompress):
    // shown for information.
    ("w3_read", "raw_parquet_plain_read", Measure::Work, None),
    ("w3_read", "arcticdb_read", Measure::Work, Some(1.0)),
    ("w3_read", "pyarrow_read", Measure::Work, None),
    ("w5_write", "raw_csv_write", Measure::Work, Some(1.5)),
    ("w5_write", "raw_csv_write", Measure::PeakRss, Some(1.5)),
    ("w5_read", "raw_csv_read", Measure::Work, Some(1.0)),
    ("w5_read", "raw_csv_read", Measure::PeakRss, Some(1.5)),
];
/// Runs of each job in the main table (medians).
const RUNS: usize = 3;
/// Rounds of the side-by-side comparisons, at least (medians): rounded up to a multiple of
/// the jobs compared, so that each takes every place in a round equally often.
const ROUNDS: usize = 7;
const BEGIN: &str = "<!-- xtask bench: begin -->";
const END: &str = "<!-- xtask bench: end -->";

/// What a comparison compares.
#[derive(Clone, Copy)]
enum Measure {
    /// The job's own timer around the store work.
    Work,
    /// The process's peak resident set.
    PeakRss,
}

/// A program that runs jobs: our release runner, or a Python with the peers' script.
struct Runner {
    program: PathBuf,
    before: Vec<OsString>,
}

impl Runner {
    fn command(&self) -> Command {
        let mut command = Command::new(&self.program);
        command.args(&self.before);
        command
    }
}

/// The Python that runs the peers, if one imports them: `$METEAUDATA_PEERS_PYTHON`, else
/// the test virtualenv's (`$METEAUDATA_PYTHON`, `~/.cache/meteaudata-venv`). `Err` says why
/// there is none.
fn peers() -> std::result::Result<Runner, String> {
    let python: PathBuf = std::env::var_os("METEAUDATA_PEERS_PYTHON")
        .or_else(|| std::env::var_os("METEAUDATA_PYTHON"))
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME")
                .map(|home| Path::new(&home).join(".cache/meteaudata-venv/bin/python"))
        })
        .ok_or("no Python given (set METEAUDATA_PEERS_PYTHON)")?;
    let imports = Command::new(&python)
        .args(["-c", "import arcticdb, pyarrow, pandas, numpy"])
        .output();
    match imports {
        Ok(out) if out.status.success() => Ok(Runner {
            program: python,
            before: vec![
                Path::new(env!("CARGO_MANIFEST_DIR"))
                    .join("peers.py")
                    .into(),
            ],
        }),
        Ok(_) => Err(format!(
            "{} cannot import arcticdb, pyarrow, pandas and numpy (`pip install arcticdb pyarrow`)",
            python.display()
        )),
        Err(e) => Err(format!("cannot run {}: {e}", python.display())),
    }
}

struct Row {
    job: String,
    n: usize,
    signals: Option<u64>,
    wall: f64,
    /// The job's timed phases other than building the data (the store work).
    work: f64,
    rss_mib: f64,
    disk: u64,
    checksum: Value,
}

impl Row {
    /// The medians of `runs` of one job (at least one run).
    fn median(runs: &[Row]) -> Row {
        let middle = |of: fn(&Row) -> f64| {
            let mut values: Vec<f64> = runs.iter().map(of).collect();
            values.sort_by(f64::total_cmp);
            values[values.len() / 2]
        };
        let last = &runs[runs.len() - 1];
        Row {
            job: last.job.clone(),
            n: last.n,
            signals: last.signals,
            wall: middle(|r| r.wall),
            work: middle(|r| r.work),
            rss_mib: middle(|r| r.rss_mib),
            disk: last.disk,
            checksum: last.checksum.clone(),
        }
    }
}

pub(crate) fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| PathBuf::from("target"), PathBuf::from)
}

/// The directory a job works in: its family's under `scratch` (`w3` for `w3_write` and
/// `w3_read`), so a read finds its write's data and a write, which empties its directory,
/// leaves the other families' data for the side-by-side rounds.
fn job_dir(scratch: &Path, job: &str) -> PathBuf {
    let family = job
        .strip_suffix("_write")
        .or_else(|| job.strip_suffix("_read"))
        .unwrap_or(job);
    scratch.join(family)
}

fn run_job(
    runner: &Runner,
    scratch: &Path,
    job: &str,
    n: usize,
    signals: Option<u64>,
) -> Result<Row> {
    run_job_with(runner, scratch, job, n, signals, None)
}

/// [`run_job`] against the database `url` (`(label, url)`), the row named `<job> (<label>)`.
fn run_job_with(
    runner: &Runner,
    scratch: &Path,
    job: &str,
    n: usize,
    signals: Option<u64>,
    database: Option<(&str, &str)>,
) -> Result<Row> {
    let runs = (0..RUNS)
        .map(|_| run_once(runner, scratch, job, n, signals, database))
        .collect::<Result<Vec<_>>>()?;
    let mut row = Row::median(&runs);
    if let Some((label, _)) = database {
        row.job = format!("{job} ({label})");
    }
    Ok(row)
}

/// One fresh process of `job`.
fn run_once(
    runner: &Runner,
    scratch: &Path,
    job: &str,
    n: usize,
    signals: Option<u64>,
    database: Option<(&str, &str)>,
) -> Result<Row> {
    let mut command = runner.command();
    command
        .args([job, "--n", &n.to_string(), "--dir"])
        .arg(job_dir(scratch, job));
    if let Some(s) = signals {
        command.args(["--signals", &s.to_string()]);
    }
    if let Some((_, url)) = database {
        command.args(["--url", url]);
    }
    let start = Instant::now();
    let output = command
        .output()
        .with_context(|| format!("cannot run {job}"))?;
    let wall = start.elapsed().as_secs_f64();
    if !output.status.success() {
        bail!(
            "{job} --n {n} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let out: Value =
        serde_json::from_slice(&output.stdout).with_context(|| format!("{job}: bad JSON"))?;
    let work = out["phases"]
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(phase, _)| phase.as_str() != "build")
        .filter_map(|(_, seconds)| seconds.as_f64())
        .sum::<f64>();
    Ok(Row {
        job: job.to_owned(),
        n,
        signals,
        wall,
        work,
        rss_mib: out["peak_rss_kib"].as_f64().unwrap_or(0.0) / 1024.0,
        disk: out["bytes_on_disk"].as_u64().unwrap_or(0),
        checksum: out["checksum"].clone(),
    })
}

/// Our compared jobs against their peers at `n`, side by side: in each of [`ROUNDS`] (or
/// more) rounds our job and each of its peers run once, in an order rotating by one each
/// round, so that a slow spell of the machine falls on all of them; one median row per job
/// (a peer is compared with one of our jobs only). The data of read jobs is the main pass's
/// (each family keeps its own directory).
fn side_by_side(
    ours: &Runner,
    python: Option<&Runner>,
    scratch: &Path,
    n: usize,
) -> Result<Vec<Row>> {
    let mut rows = Vec::new();
    let mut compared: Vec<&str> = Vec::new();
    for &(job, ..) in COMPARISONS {
        if !compared.contains(&job) {
            compared.push(job);
        }
    }
    for job in compared {
        let mut contenders: Vec<(&str, &Runner)> = vec![(job, ours)];
        for &(_, peer, _, _) in COMPARISONS.iter().filter(|c| c.0 == job) {
            let runner = if PEER_JOBS.contains(&peer) {
                match python {
                    Some(python) => python,
                    None => continue,
                }
            } else {
                ours
            };
            if !contenders.iter().any(|(j, _)| *j == peer) {
                contenders.push((peer, runner));
            }
        }
        let mut runs: Vec<Vec<Row>> = contenders.iter().map(|_| Vec::new()).collect();
        // The order rotates by one each round: a job is not always the one that follows
        // the same other job (a Python peer's exit, say), and takes every place equally often.
        let count = contenders.len();
        for round in 0..ROUNDS.div_ceil(count) * count {
            for k in 0..count {
                let at = (round + k) % count;
                let (name, runner) = contenders[at];
                runs[at].push(run_once(runner, scratch, name, n, None, None)?);
            }
        }
        for runs in &runs {
            let row = Row::median(runs);
            eprintln!(
                "side by side with {job}: {} N={n}: {:.3} s work",
                row.job, row.work
            );
            rows.push(row);
        }
    }
    Ok(rows)
}

/// Builds, runs and writes the table.
pub(crate) fn run(quick: bool) -> Result<()> {
    crate::cargo(&["build", "--release", "-p", "meteaudata-workloads"], &[])?;
    let ours = Runner {
        program: target_dir().join("release").join("meteaudata-workloads"),
        before: Vec::new(),
    };
    let peers = peers();
    if let Err(why) = &peers {
        eprintln!("the Python peers are not measured: {why}");
    }
    let scratch = std::env::temp_dir().join(format!("meteaudata-bench-{}", std::process::id()));
    let sizes: &[usize] = if quick {
        &[10_000, 100_000, 1_000_000]
    } else {
        &[10_000, 100_000, 1_000_000, 10_000_000]
    };
    let mut rows = Vec::new();
    for &n in sizes {
        for job in JOBS {
            let row = run_job(&ours, &scratch, job, n, None)?;
            eprintln!("{job} N={n}: {:.3} s, {:.0} MiB", row.wall, row.rss_mib);
            rows.push(row);
        }
        if let Ok(python) = &peers {
            for job in PEER_JOBS {
                let row = run_job(python, &scratch, job, n, None)?;
                eprintln!("{job} N={n}: {:.3} s, {:.0} MiB", row.wall, row.rss_mib);
                rows.push(row);
            }
        }
        if n >= 1_000_000 {
            // The compared jobs' rows become the medians of their side-by-side rounds.
            for row in side_by_side(&ours, peers.as_ref().ok(), &scratch, n)? {
                match rows.iter_mut().find(|r| r.job == row.job && r.n == n) {
                    Some(sequential) => *sequential = row,
                    None => rows.push(row),
                }
            }
        }
        if n <= 1_000_000 {
            for job in ["w6_mem", "w6_disk"] {
                rows.push(run_job(&ours, &scratch, job, n, Some(50))?);
            }
        }
    }
    // The SQL jobs on the database servers the tests use, when their URLs are set.
    for (var, label) in [
        ("METEAUDATA_TEST_POSTGRES_URL", "postgres"),
        ("METEAUDATA_TEST_MYSQL_URL", "mariadb"),
    ] {
        if let Ok(url) = std::env::var(var) {
            for job in ["w4_write", "w4_read"] {
                let row = run_job_with(
                    &ours,
                    &scratch,
                    job,
                    1_000_000,
                    None,
                    Some((label, url.as_str())),
                )?;
                eprintln!("{} N=10^6: {:.3} s", row.job, row.wall);
                rows.push(row);
            }
        }
    }
    let mut scaling = Vec::new();
    for s in [1, 10, 25, 50] {
        for job in ["w6_mem", "w6_disk"] {
            scaling.push(run_job(&ours, &scratch, job, 1_000_000, Some(s))?);
        }
    }
    let _ = std::fs::remove_dir_all(&scratch);
    for row in rows
        .iter()
        .filter(|r| r.job.starts_with('w') && r.job.contains("_read"))
    {
        let w1 = rows.iter().find(|r| r.job == "w1_build" && r.n == row.n);
        if w1.is_some_and(|w1| w1.checksum != row.checksum) {
            bail!(
                "{} N={} read back a different checksum than w1_build",
                row.job,
                row.n
            );
        }
    }
    write_table(&rows, &scaling, quick, peers.err())
}

/// The table of [`COMPARISONS`] at every N of at least 10^6 (where the compared jobs' rows are
/// the medians of their side-by-side rounds) that has both rows.
fn comparisons(rows: &[Row], absent: Option<&str>) -> String {
    let mut table = format!(
        "\nAgainst the peers, side by side: in each of at least {ROUNDS} rounds (a multiple of the jobs compared) our job and each of its peers run once, each a fresh process, in an order that rotates by one each round; medians (ratio = ours / peer; met when at most the bar):\n\n| ours | peer | N | measure | ours | peer | ratio | bar | met |\n|---|---|---|---|---|---|---|---|---|\n",
    );
    let find = |job: &str, n: usize| rows.iter().find(|r| r.job == job && r.n == n);
    let mut sizes: Vec<usize> = rows
        .iter()
        .map(|r| r.n)
        .filter(|&n| n >= 1_000_000)
        .collect();
    sizes.sort_unstable();
    sizes.dedup();
    for n in sizes {
        for &(ours, peer, measure, bar) in COMPARISONS {
            let (Some(a), Some(b)) = (find(ours, n), find(peer, n)) else {
                continue;
            };
            let (name, a, b, unit) = match measure {
                Measure::Work => ("work", a.work, b.work, "s"),
                Measure::PeakRss => ("peak RSS", a.rss_mib, b.rss_mib, "MiB"),
            };
            let ratio = a / b;
            // Four decimals: the short reads take a few milliseconds.
            table.push_str(&format!(
                "| {ours} | {peer} | {n} | {name} | {a:.4} {unit} | {b:.4} {unit} | {ratio:.2} | {} | {} |\n",
                bar.map_or("—".to_owned(), |bar| format!("{bar:.1}")),
                bar.map_or("", |bar| if ratio <= bar { "yes" } else { "**no**" }),
            ));
        }
    }
    if let Some(why) = absent {
        table.push_str(&format!(
            "\nArcticDB and pyarrow were not measured in this run: {why}.\n"
        ));
    }
    table
}

fn write_table(rows: &[Row], scaling: &[Row], quick: bool, absent: Option<String>) -> Result<()> {
    let commit = Command::new("git")
        .args(["rev-parse", "--short", "HEAD"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default();
    let cores = std::thread::available_parallelism().map_or(0, usize::from);
    let mut table = format!(
        "{BEGIN}\n\nMeasured by `cargo xtask bench{}` at commit `{commit}` on {cores} cores. Median of {RUNS} runs, each a fresh process, one job after the other, except for the jobs of the peers table below at N of 10^6 and more: their rows are the medians of its side-by-side rounds; wall time includes process start; work is the job's own timer around the store work (building the data excluded); peak RSS is the process's `VmHWM`; × raw polars compares work with polars' own Parquet (w3, w4) or CSV in a deflated ZIP entry (w5).\n\n| job | N | signals | wall (s) | work (s) | peak RSS (MiB) | bytes on disk | × raw polars |\n|---|---|---|---|---|---|---|---|\n",
        if quick { " --quick" } else { "" }
    );
    for row in rows {
        // Archives against polars' CSV in a deflated entry, stores against its Parquet.
        let format = if row.job.starts_with("w5") {
            "csv"
        } else {
            "parquet"
        };
        let direction = if row.job.contains("_read") {
            "read"
        } else {
            "write"
        };
        let raw = rows
            .iter()
            .find(|r| r.n == row.n && r.job == format!("raw_{format}_{direction}"));
        let ratio = match (
            ["w3", "w4", "w5"].iter().any(|p| row.job.starts_with(p)),
            raw,
        ) {
            (true, Some(raw)) => format!("{:.2}", row.work / raw.work),
            _ => "".into(),
        };
        table.push_str(&format!(
            "| {} | {} | {} | {:.3} | {:.3} | {:.0} | {} | {} |\n",
            row.job,
            row.n,
            row.signals.map_or(String::new(), |s| s.to_string()),
            row.wall,
            row.work,
            row.rss_mib,
            row.disk,
            ratio
        ));
    }
    table.push_str(&comparisons(rows, absent.as_deref()));
    table.push_str("\nw6 scaling at N = 10^6 (peak RSS must not grow with the number of signals on disk):\n\n| job | signals | wall (s) | peak RSS (MiB) | disk / memory wall |\n|---|---|---|---|---|\n");
    for row in scaling {
        let ratio = if row.job == "w6_disk" {
            scaling
                .iter()
                .find(|r| r.job == "w6_mem" && r.signals == row.signals)
                .map_or(String::new(), |m| format!("{:.2}", row.wall / m.wall))
        } else {
            String::new()
        };
        table.push_str(&format!(
            "| {} | {} | {:.3} | {:.0} | {} |\n",
            row.job,
            row.signals.unwrap_or(0),
            row.wall,
            row.rss_mib,
            ratio
        ));
    }
    table.push_str(&format!("\n{END}"));
    let path = Path::new("docs/performance.md");
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|_| format!("# Performance\n\n{BEGIN}\n{END}\n"));
    let (Some(b), Some(e)) = (text.find(BEGIN), text.find(END)) else {
        bail!("{} lacks the {BEGIN} … {END} markers", path.display());
    };
    let updated = format!("{}{}{}", &text[..b], table, &text[e + END.len()..]);
    std::fs::write(path, updated).with_context(|| format!("cannot write {}", path.display()))?;
    eprintln!("wrote {}", path.display());
    Ok(())
}
