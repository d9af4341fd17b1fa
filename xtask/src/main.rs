//! Project automation: `cargo xtask ci` runs every check CI runs; `cargo xtask bench` runs the
//! criterion benches.

use std::process::Command;

use anyhow::{Context, Result, bail};

fn main() -> Result<()> {
    let task = std::env::args().nth(1).unwrap_or_default();
    match task.as_str() {
        "ci" => ci(),
        "bench" => bench(std::env::args().skip(2).collect()),
        _ => {
            eprintln!("usage: cargo xtask <ci | bench [criterion args]>");
            bail!("unknown task {task:?}")
        }
    }
}

/// Runs `cargo` with `args`, failing on a non-zero exit.
fn cargo(args: &[&str], env: &[(&str, &str)]) -> Result<()> {
    eprintln!("+ cargo {}", args.join(" "));
    let status = Command::new(env!("CARGO"))
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
    cargo(&["test", "--workspace"], &[])
}

/// The criterion benches, in release mode.
fn bench(extra: Vec<String>) -> Result<()> {
    let mut args = vec!["bench", "--workspace", "--benches"];
    if !extra.is_empty() {
        args.push("--");
        args.extend(extra.iter().map(String::as_str));
    }
    cargo(&args, &[])
}
