//! Pages rendered in headless Chromium (Debian's `chromium`): script errors, text that
//! overlaps or is too small to read, and a screenshot kept for people to look at.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The window the pages are checked in.
pub const WINDOW: (u32, u32) = (1280, 800);

/// The smallest text height allowed, in CSS pixels.
pub const MIN_TEXT_PX: f64 = 10.0;

/// Chromium, or `None` (with a printed reason) when it is not installed; under CI it must be.
pub fn chromium() -> Option<PathBuf> {
    let found = ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .map(|b| Path::new("/usr/bin").join(b))
        .find(|p| p.exists());
    if found.is_none() {
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("Chromium is required under CI (Debian package `chromium`)");
        }
        eprintln!("skipped: no Chromium in /usr/bin (install Debian's `chromium`)");
    }
    found
}

/// Records script errors and `console.error` calls on the root element, where a DOM dump
/// shows them.
const ERROR_TRAP: &str = "<script>(function(){const r=document.documentElement;\
const note=m=>r.setAttribute('data-errors',(r.getAttribute('data-errors')||'')+m+';');\
window.addEventListener('error',e=>note(e.message));\
const ce=console.error;console.error=(...a)=>{note(a.join(' '));ce(...a);};})();</script>";

/// Measures every visible SVG text once the page has settled, and writes on the root
/// element the texts shorter than the minimum and the pairs whose boxes overlap.
const TEXT_CHECK: &str = r#"
window.addEventListener('load', () => setTimeout(() => {
  const seen = [];
  for (const t of document.querySelectorAll('svg text')) {
    const s = getComputedStyle(t);
    if (!t.textContent.trim() || s.display === 'none' || s.visibility === 'hidden'
        || s.opacity === '0' || t.closest('[display="none"], .hidden, defs')) continue;
    const r = t.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) continue;
    seen.push({text: t.textContent.trim(), x: r.left, y: r.top, w: r.width, h: r.height,
               size: parseFloat(s.fontSize) * (r.height / (t.getBBox().height || r.height))});
  }
  const small = seen.filter(t => t.size < MIN).map(t => t.text + ' (' + t.size.toFixed(1) + ' px)');
  const overlaps = [];
  for (let i = 0; i < seen.length; i++) for (let j = i + 1; j < seen.length; j++) {
    const a = seen[i], b = seen[j], m = 1;
    if (a.x + m < b.x + b.w && b.x + m < a.x + a.w && a.y + m < b.y + b.h && b.y + m < a.y + a.h)
      overlaps.push(a.text + ' / ' + b.text);
  }
  document.documentElement.setAttribute('data-texts', String(seen.length));
  document.documentElement.setAttribute('data-small', JSON.stringify(small));
  document.documentElement.setAttribute('data-overlaps', JSON.stringify(overlaps));
}, 500));
"#;

/// What a page showed.
#[derive(Debug)]
pub struct Rendered {
    /// The DOM after the scripts ran.
    pub dom: String,
    /// How many texts were measured.
    pub texts: usize,
    /// Texts smaller than [`MIN_TEXT_PX`].
    pub small: Vec<String>,
    /// Pairs of texts whose boxes overlap.
    pub overlaps: Vec<String>,
    /// The screenshot.
    pub screenshot: PathBuf,
}

fn attribute(dom: &str, name: &str) -> Option<String> {
    let root = dom[dom.find("<html")?..].split('>').next()?;
    let start = root.find(&format!("{name}=\""))? + name.len() + 2;
    let end = root[start..].find('"')? + start;
    Some(
        root[start..end]
            .replace("&quot;", "\"")
            .replace("&amp;", "&")
            .replace("&lt;", "<")
            .replace("&gt;", ">"),
    )
}

/// Loads `html` in headless Chromium in a [`WINDOW`]-sized window with `after` (a script) at
/// the end of the body; checks that no script failed; measures its SVG texts; and keeps a
/// screenshot as `<dir>/<name>.png`.
pub fn render(browser: &Path, html: &str, after: &str, dir: &Path, name: &str) -> Rendered {
    std::fs::create_dir_all(dir).unwrap();
    let page = html
        .replacen("<head>", &format!("<head>{ERROR_TRAP}"), 1)
        .replacen(
            "</body>",
            &format!("<script>const MIN = {MIN_TEXT_PX};{TEXT_CHECK}{after}</script></body>"),
            1,
        );
    let file = dir.join(format!("{name}.html"));
    std::fs::write(&file, page).unwrap();
    let window = format!("--window-size={},{}", WINDOW.0, WINDOW.1);
    let run = |extra: &[String]| {
        Command::new(browser)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--hide-scrollbars",
                "--virtual-time-budget=10000",
                &window,
            ])
            .args(extra)
            .arg(format!("file://{}", file.display()))
            .output()
            .expect("chromium runs")
    };
    let out = run(&["--dump-dom".to_owned()]);
    let dom = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success() && !dom.is_empty(),
        "{name}: chromium failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(attribute(&dom, "data-errors"), None, "{name}: page errors");
    let screenshot = dir.join(format!("{name}.png"));
    let shot = run(&[format!("--screenshot={}", screenshot.display())]);
    assert!(
        shot.status.success() && screenshot.exists(),
        "{name}: no screenshot"
    );
    let list = |key: &str| -> Vec<String> {
        serde_json::from_str(&attribute(&dom, key).unwrap_or_else(|| "[]".into())).unwrap()
    };
    Rendered {
        texts: attribute(&dom, "data-texts")
            .and_then(|n| n.parse().ok())
            .unwrap_or(0),
        small: list("data-small"),
        overlaps: list("data-overlaps"),
        dom,
        screenshot,
    }
}

/// A page holding `svg` as it is, to render an SVG figure.
pub fn svg_page(svg: &str) -> String {
    format!(
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"></head><body style=\"margin:0\">{svg}</body></html>"
    )
}

/// Renders `html` and asserts that it has texts, none too small and none overlapping.
pub fn assert_readable(browser: &Path, html: &str, dir: &Path, name: &str) -> Rendered {
    let page = render(browser, html, "", dir, name);
    assert!(page.texts > 0, "{name}: no text measured");
    assert!(
        page.small.is_empty(),
        "{name}: text under {MIN_TEXT_PX} px: {:?}",
        page.small
    );
    assert!(
        page.overlaps.is_empty(),
        "{name}: overlapping texts: {:?} (see {})",
        page.overlaps,
        page.screenshot.display()
    );
    page
}
