//! Self-contained HTML pages: the figure page with plotly.js embedded (works offline) and the
//! helpers shared with the lineage page.

use std::sync::OnceLock;

use meteaudata_core::display::escape_html;
use serde_json::Value;

use crate::figure::Figure;

/// The plotly.js bundle shipped inside the `plotly` crate (feature `plotly_embed_js`), without
/// the MathJax bundle that crate adds next to it.
fn plotly_js() -> &'static str {
    static JS: OnceLock<String> = OnceLock::new();
    JS.get_or_init(|| {
        let scripts = plotly::Plot::offline_js_sources();
        let first = scripts
            .split_once('>')
            .and_then(|(_, rest)| rest.split_once("</script>"))
            .map(|(js, _)| js);
        first.unwrap_or(&scripts).to_owned()
    })
}

/// JSON that is safe inside a `<script>` element: `<` is written as `\u003c`, so no string
/// in the data can close the element.
pub(crate) fn script_json(value: &Value) -> String {
    serde_json::to_string(value)
        .unwrap_or_else(|_| "null".into())
        .replace('<', "\\u003c")
}

/// A complete page: `head_extra` goes in `<head>`, `body` in `<body>`.
pub(crate) fn page(title: &str, head_extra: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <title>{}</title>\n{head_extra}</head>\n<body>\n{body}</body>\n</html>\n",
        escape_html(title)
    )
}

impl Figure {
    /// A self-contained interactive HTML page (plotly.js embedded; no network needed). The
    /// figure fills the window, and is at least as tall as its own height (or 450 px): a
    /// figure of many panels scrolls.
    pub fn to_html(&self) -> String {
        let height = self.height.unwrap_or(450);
        let head = format!(
            "<script type=\"text/javascript\">{}</script>\n\
             <style>html,body{{margin:0;height:100%;font-family:sans-serif}}</style>\n",
            plotly_js()
        );
        let body = format!(
            "<div id=\"meteaudata-plot\" style=\"width:100%;height:100vh;min-height:{height}px\"></div>\n\
             <script type=\"text/javascript\">\n\
             const figure = {};\n\
             // The page sizes the figure: it fills the window (the height is the minimum).\n\
             delete figure.layout.height;\n\
             Plotly.newPlot('meteaudata-plot', figure.data, figure.layout, {{responsive: true}});\n\
             </script>\n",
            script_json(&self.to_plotly_json())
        );
        page(&self.title, &head, &body)
    }
}
