//! `cargo xtask bench`: the workload table of `docs/performance.md`.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use serde_json::Value;

/// Jobs run at every N, in order (a read follows its write).
const JOBS: &[&str] = &[
    "raw_parquet_write",
    "raw_parquet_read",
    "w1_build",
    "w2_process",
    "w3_write",
    "w3_read",
    "w4_write",
    "w4_read",
    "w5_write",
    "w5_read",
];
const RUNS: usize = 3;
const BEGIN: &str = "<!-- xtask bench: begin -->";
const END: &str = "<!-- xtask bench: end -->";

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

pub(crate) fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| PathBuf::from("target"), PathBuf::from)
}

fn run_job(
    binary: &Path,
    scratch: &Path,
    job: &str,
    n: usize,
    signals: Option<u64>,
) -> Result<Row> {
    run_job_with(binary, scratch, job, n, signals, None)
}

/// [`run_job`] against the database `url` (`(label, url)`), the row named `<job> (<label>)`.
fn run_job_with(
    binary: &Path,
    scratch: &Path,
    job: &str,
    n: usize,
    signals: Option<u64>,
    database: Option<(&str, &str)>,
) -> Result<Row> {
    let mut walls = Vec::new();
    let mut works = Vec::new();
    let mut last = Value::Null;
    let mut rss = Vec::new();
    for _ in 0..RUNS {
        let mut command = Command::new(binary);
        command
            .args([job, "--n", &n.to_string(), "--dir"])
            .arg(scratch);
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
        walls.push(start.elapsed().as_secs_f64());
        if !output.status.success() {
            bail!(
                "{job} --n {n} failed: {}",
                String::from_utf8_lossy(&output.stderr)
            );
        }
        last =
            serde_json::from_slice(&output.stdout).with_context(|| format!("{job}: bad JSON"))?;
        rss.push(last["peak_rss_kib"].as_f64().unwrap_or(0.0) / 1024.0);
        works.push(
            last["phases"]
                .as_object()
                .into_iter()
                .flatten()
                .filter(|(phase, _)| phase.as_str() != "build")
                .filter_map(|(_, seconds)| seconds.as_f64())
                .sum::<f64>(),
        );
    }
    walls.sort_by(f64::total_cmp);
    works.sort_by(f64::total_cmp);
    rss.sort_by(f64::total_cmp);
    Ok(Row {
        job: match database {
            Some((label, _)) => format!("{job} ({label})"),
            None => job.to_owned(),
        },
        n,
        signals,
        wall: walls[RUNS / 2],
        work: works[RUNS / 2],
        rss_mib: rss[RUNS / 2],
        disk: last["bytes_on_disk"].as_u64().unwrap_or(0),
        checksum: last["checksum"].clone(),
    })
}

/// Builds, runs and writes the table.
pub(crate) fn run(quick: bool) -> Result<()> {
    crate::cargo(&["build", "--release", "-p", "meteaudata-workloads"], &[])?;
    let binary = target_dir().join("release").join("meteaudata-workloads");
    let scratch = std::env::temp_dir().join(format!("meteaudata-bench-{}", std::process::id()));
    let sizes: &[usize] = if quick {
        &[10_000, 100_000, 1_000_000]
    } else {
        &[10_000, 100_000, 1_000_000, 10_000_000]
    };
    let mut rows = Vec::new();
    for &n in sizes {
        for job in JOBS {
            let row = run_job(&binary, &scratch, job, n, None)?;
            eprintln!("{job} N={n}: {:.3} s, {:.0} MiB", row.wall, row.rss_mib);
            rows.push(row);
        }
        if n <= 1_000_000 {
            for job in ["w6_mem", "w6_disk"] {
                rows.push(run_job(&binary, &scratch, job, n, Some(50))?);
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
                    &binary,
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
            scaling.push(run_job(&binary, &scratch, job, 1_000_000, Some(s))?);
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
    write_table(&rows, &scaling, quick)
}

fn write_table(rows: &[Row], scaling: &[Row], quick: bool) -> Result<()> {
    let commit = Command::new("git")
        .args(["rev-parse", "--short", "HEAD"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default();
    let cores = std::thread::available_parallelism().map_or(0, usize::from);
    let mut table = format!(
        "{BEGIN}\n\nMeasured by `cargo xtask bench{}` at commit `{commit}` on {cores} cores. Median of {RUNS} runs, each a fresh process; wall time includes process start; work is the job's own timer around the store work (building the data excluded); peak RSS is the process's `VmHWM`; × raw polars compares work.\n\n| job | N | signals | wall (s) | work (s) | peak RSS (MiB) | bytes on disk | × raw polars |\n|---|---|---|---|---|---|---|---|\n",
        if quick { " --quick" } else { "" }
    );
    for row in rows {
        let raw = rows.iter().find(|r| {
            r.n == row.n
                && r.job
                    == if row.job.contains("_read") {
                        "raw_parquet_read"
                    } else {
                        "raw_parquet_write"
                    }
        });
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
