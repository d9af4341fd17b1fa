//! `cargo xtask doc-badges`: the facade's documentation as docs.rs builds it (nightly
//! rustdoc, every feature, `--cfg docsrs`), checked for a feature badge on every
//! feature-gated item and for polars shown as a re-export rather than copied in.

use std::path::Path;
use std::process::Command;

use anyhow::{Context, Result, bail};

/// Pages of the facade's documentation, each with a feature whose badge it must show (on the
/// item itself, or in its listing of gated items).
const GATED: [(&str, &str); 6] = [
    ("index.html", "archive"),
    ("index.html", "plot"),
    ("archive/trait.ArchiveExt.html", "archive"),
    ("python/index.html", "archive"),
    ("storage/index.html", "parquet"),
    ("storage/index.html", "sqlite"),
];

/// Builds the documentation as docs.rs does and checks it (see the module docs).
pub fn badges() -> Result<()> {
    let target = std::env::var("CARGO_TARGET_DIR").unwrap_or_else(|_| "target".into());
    let target = Path::new(&target).join("docsrs");
    eprintln!("+ rustup run nightly cargo doc -p meteaudata --no-deps --all-features");
    let status = Command::new("rustup")
        .args(["run", "nightly", "cargo", "doc", "-p", "meteaudata", "--no-deps", "--all-features"])
        .env("RUSTDOCFLAGS", "--cfg docsrs")
        .env("CARGO_TARGET_DIR", &target)
        .status()
        .context("cannot run rustup (docs.rs builds with nightly rustdoc; install it with `rustup toolchain install nightly`)")?;
    if !status.success() {
        bail!("nightly rustdoc failed with {status}");
    }
    let doc = target.join("doc/meteaudata");
    let mut missing = Vec::new();
    for (page, feature) in GATED {
        let html =
            std::fs::read_to_string(doc.join(page)).with_context(|| format!("no page {page}"))?;
        let badge = [
            format!("crate feature <code>{feature}</code>"),
            format!("crate feature `{feature}`"),
            format!("crate features `{feature}`"),
        ];
        if !badge.iter().any(|b| html.contains(b.as_str())) {
            missing.push(format!("{page} (feature {feature})"));
        }
    }
    if !missing.is_empty() {
        bail!("no feature badge on: {}", missing.join(", "));
    }
    not_copied(&doc)?;
    let pages = walk(&doc)?;
    eprintln!(
        "feature badges on all {} gated items; polars not inlined; {pages} pages in {}",
        GATED.len(),
        doc.display()
    );
    Ok(())
}

fn walk(dir: &Path) -> Result<usize> {
    let mut n = 0;
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        n += if path.is_dir() {
            walk(&path)?
        } else {
            usize::from(path.extension().is_some_and(|e| e == "html"))
        };
    }
    Ok(n)
}

/// The documentation `cargo doc` just wrote (stable rustdoc) does not copy polars in.
pub fn not_inlined() -> Result<()> {
    let target = std::env::var("CARGO_TARGET_DIR").unwrap_or_else(|_| "target".into());
    not_copied(&Path::new(&target).join("doc/meteaudata"))
}

/// Fails when polars' own pages are in the facade's documentation at `doc`.
fn not_copied(doc: &Path) -> Result<()> {
    if !doc.join("index.html").exists() {
        bail!("no documentation at {}", doc.display());
    }
    for copied in [
        "polars/index.html",
        "prelude/struct.DataFrame.html",
        "prelude/struct.Series.html",
    ] {
        if doc.join(copied).exists() {
            bail!(
                "polars is copied into the documentation ({copied}); re-export it with #[doc(no_inline)]"
            );
        }
    }
    Ok(())
}
