//! Project automation:
//!
//! - `cargo xtask ci`: every check CI runs (format, clippy, docs (polars not copied in; the
//!   docs.rs build with its feature badges when a nightly toolchain is there), the facade's
//!   feature extremes, tests, benches once).
//! - `cargo xtask bench [--quick]`: builds the workload runner in release, runs every job 3
//!   times at N = 10^4 … 10^7 (10^7 skipped with `--quick`) and writes the table of medians
//!   into `docs/performance.md`.
//! - `cargo xtask doc-badges`: the facade's documentation as docs.rs builds it (nightly
//!   rustdoc): a feature badge on every feature-gated item, polars not copied in.
//! - `cargo xtask crash | concurrency | corrupt [--bin PATH] …`: the data-safety harnesses of
//!   `docs/reliability.md` (killed writers, concurrent writers, changed bytes).

mod bench;
mod docs;
mod safety;

use std::process::Command;

use anyhow::{Context, Result, bail};

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("ci") => ci(),
        Some("bench") => bench::run(args.iter().any(|a| a == "--quick")),
        Some("crash") => safety::crash(&args[1..]),
        Some("concurrency") => safety::concurrency(&args[1..]),
        Some("corrupt") => safety::corrupt(&args[1..]),
        Some("doc-badges") => docs::badges(),
        _ => bail!(
            "usage: cargo xtask <ci | doc-badges | bench [--quick] | crash [--kills N] | concurrency [--writers W] [--commits N] | corrupt [--trials N]> (harnesses: [--store LABEL] [--bin PATH])"
        ),
    }
}

/// Runs `cargo` with `args`, failing on a non-zero exit.
pub(crate) fn cargo(args: &[&str], env: &[(&str, &str)]) -> Result<()> {
    eprintln!("+ cargo {}", args.join(" "));
    // The cargo that runs this xtask (`$CARGO`), else the one on `PATH`.
    let program = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(program);
    // `cargo run` gives this process its package's variables (CARGO_MANIFEST_DIR,
    // CARGO_PKG_NAME, …); build scripts that watch them (ring's does) would see another
    // value than in a build from the shell and rebuild their crate and everything above it.
    for (name, _) in std::env::vars_os() {
        if let Some(name) = name.to_str()
            && (name.starts_with("CARGO_PKG_")
                || [
                    "CARGO_MANIFEST_DIR",
                    "CARGO_MANIFEST_PATH",
                    "CARGO_CRATE_NAME",
                    "CARGO_BIN_NAME",
                    "CARGO_PRIMARY_PACKAGE",
                ]
                .contains(&name))
        {
            command.env_remove(name);
        }
    }
    let status = command
        .args(args)
        .envs(env.iter().copied())
        .status()
        .with_context(|| format!("cannot run cargo {}", args.join(" ")))?;
    if !status.success() {
        bail!("cargo {} failed with {status}", args.join(" "));
    }
    Ok(())
}

/// Formatting, clippy, docs and the test suite (the README's test command).
fn ci() -> Result<()> {
    cargo(&["fmt", "--all", "--", "--check"], &[])?;
    cargo(
        &[
            "clippy",
            "--workspace",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ],
        &[],
    )?;
    cargo(
        &["doc", "--workspace", "--no-deps"],
        &[("RUSTDOCFLAGS", "-D warnings")],
    )?;
    docs::not_inlined()?;
    // The docs.rs build needs nightly rustdoc: checked when this machine has it.
    let nightly = Command::new("rustup")
        .args(["run", "nightly", "rustdoc", "--version"])
        .output()
        .is_ok_and(|o| o.status.success());
    if nightly {
        docs::badges()?;
    } else {
        eprintln!("skipped: the docs.rs build (feature badges) needs a nightly toolchain");
    }
    // The facade's feature extremes compile (object stores, no backends at all).
    cargo(&["check", "-p", "meteaudata", "--features", "full"], &[])?;
    cargo(&["check", "-p", "meteaudata", "--no-default-features"], &[])?;
    cargo(&["test", "--workspace"], &[])?;
    // The criterion benches, once each, so they keep compiling and running.
    cargo(&["test", "--workspace", "--benches"], &[])
}
