//! `meteaudata-workloads <job> --n <points> --dir <scratch dir> [--signals S] [--budget BYTES]
//! [--url DATABASE]`:
//! runs one workload and prints one line of JSON.

use anyhow::{Context, Result, bail};
use meteaudata_workloads::jobs::{JOBS, Job, run};

fn main() -> Result<()> {
    let mut args = std::env::args().skip(1);
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
