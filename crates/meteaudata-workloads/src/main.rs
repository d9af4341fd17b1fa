//! `meteaudata-workloads <job> --n <points> --dir <scratch dir> [--signals S] [--budget BYTES]
//! [--url DATABASE]`: runs one workload and prints one line of JSON.
//!
//! The data-safety jobs take a store (a directory or a URL):
//! `crash_writer --store S`, `crash_check --store S`, `concurrent_setup --store S`,
//! `concurrent_writer --store S --writer K --commits N`, `history --store S --name DATASET`,
//! `reset --store S --name DATASET`,
//! `corrupt_trials --dir DIR --trials N`.

use anyhow::{Context, Result, bail};
use meteaudata_workloads::jobs::{JOBS, Job, run};
use meteaudata_workloads::safety;

/// mimalloc keeps freed memory for reuse where the system allocator hands large blocks back
/// to the kernel, to fault them in again on the next allocation: reading 10^7 stored points
/// took 0.13 s with the system allocator and 0.04 s with mimalloc (`docs/performance.md`).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The value of `--flag` in `args`.
fn flag<'a>(args: &'a [String], name: &str) -> Result<&'a str> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .map(String::as_str)
        .with_context(|| format!("{name} is needed"))
}

/// Runs a data-safety job, if `name` is one.
fn safety_job(name: &str, args: &[String]) -> Result<Option<serde_json::Value>> {
    let number = |f: &str| -> Result<u64> {
        flag(args, f)?
            .parse()
            .with_context(|| format!("{f} takes a number"))
    };
    Ok(Some(match name {
        "crash_writer" => {
            safety::crash_writer(flag(args, "--store")?)?;
            return Ok(None);
        }
        "crash_check" => safety::crash_check(flag(args, "--store")?)?,
        "concurrent_setup" => safety::concurrent_setup(flag(args, "--store")?)?,
        "concurrent_writer" => safety::concurrent_writer(
            flag(args, "--store")?,
            number("--writer")?,
            number("--commits")?,
        )?,
        "history" => safety::history(flag(args, "--store")?, flag(args, "--name")?)?,
        "reset" => safety::reset(flag(args, "--store")?, flag(args, "--name")?)?,
        "corrupt_trials" => {
            safety::corrupt_trials(flag(args, "--dir")?.as_ref(), number("--trials")?)?
        }
        _ => return Ok(None),
    }))
}

fn main() -> Result<()> {
    let all: Vec<String> = std::env::args().skip(1).collect();
    if let Some(name) = all.first()
        && let Some(report) = safety_job(name, &all[1..])?
    {
        println!("{report}");
        return Ok(());
    }
    let mut args = all.into_iter();
    let name = args.next().with_context(|| format!("usage: meteaudata-workloads <job> --n N --dir DIR [--signals S] [--budget BYTES] [--url DATABASE]; jobs: {}", JOBS.join(", ")))?;
    let mut job = Job {
        name,
        n: 10_000,
        dir: std::env::temp_dir().join("meteaudata-workloads"),
        signals: 50,
        budget: 32 << 20,
        url: None,
    };
    while let Some(flag) = args.next() {
        let value = args
            .next()
            .with_context(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--n" => job.n = value.parse().context("--n takes a number")?,
            "--dir" => job.dir = value.into(),
            "--signals" => job.signals = value.parse().context("--signals takes a number")?,
            "--budget" => job.budget = value.parse().context("--budget takes a number of bytes")?,
            "--url" => job.url = Some(value),
            other => bail!("unknown option {other}"),
        }
    }
    println!("{}", run(&job)?);
    Ok(())
}
