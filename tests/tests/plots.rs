//! Figures, lineage graphs and HTML views of the fixture dataset written by meteaudata 0.12.1
//! for Python (pandas 3.1.1, `main`), checked against its `expected/archive.json`; pages are
//! rendered in headless Chromium when it is installed (required under CI).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use meteaudata::archive::load_dataset;
use meteaudata::plot::{
    DatasetPlot, Figure, LineageRender, Mode, PlotError, PlotOptions, SignalPlot, Symbol,
    TimeSeriesPlot, XValues,
};
use meteaudata::polars::prelude::{DataType, TimeUnit};
use meteaudata::prelude::*;
use meteaudata::{HtmlDisplay, NodeKind};
use meteaudata_e2e::browser::{self, assert_readable, chromium, render, svg_page};
use meteaudata_e2e::{expected, fixtures_root};
use serde_json::Value;

fn fixture() -> (Dataset, Value) {
    let zip = fixtures_root().join("pandas-3.1.1/main/archive/reactor_monitoring.zip");
    let dataset = load_dataset(&zip, "reactor_monitoring").expect("fixture loads");
    (
        dataset,
        expected("pandas-3.1.1", "main", "archive.json")["dataset"].clone(),
    )
}

/// How each kind of step is drawn (mode, dash), as meteaudata for Python draws it, written out
/// independently of the library's table.
fn spec_style(step_type: Option<&str>) -> (&'static str, &'static str) {
    match step_type.unwrap_or("other") {
        "sorting" | "remove_duplicates" | "filtering" | "resampling" => ("lines+markers", "circle"),
        "smoothing" => ("lines", "circle"),
        "gap_filling" => ("lines+markers", "triangle-up"),
        "prediction" => ("lines+markers", "square"),
        "transformation" => ("lines+markers", "triangle-left"),
        "dimensionality_reduction" => ("lines+markers", "triangle-right"),
        "fault_detection" => ("lines+markers", "x"),
        "fault_identification" => ("lines+markers", "cross"),
        "fault_diagnosis" => ("lines+markers", "star"),
        _ => ("markers", "diamond"),
    }
}

fn names(v: &Value) -> Vec<String> {
    v.as_array()
        .expect("array")
        .iter()
        .map(|s| s.as_str().expect("string").to_owned())
        .collect()
}

fn ts_expected<'a>(expected: &'a Value, signal: &str, ts: &str) -> &'a Value {
    &expected["signals"][signal]["time_series"][ts]
}

#[test]
fn signal_figures_hold_every_series_with_its_style_and_length() {
    let (dataset, expected) = fixture();
    for signal_name in names(&expected["signal_names"]) {
        let signal = dataset.signal(&signal_name).unwrap();
        let series = names(&expected["signals"][&signal_name]["time_series_names"]);
        let refs: Vec<&str> = series.iter().map(String::as_str).collect();
        let figure = signal.plot(&refs, &PlotOptions::default()).unwrap();
        let units = expected["signals"][&signal_name]["units"].as_str().unwrap();
        assert_eq!(figure.title, format!("Time series plot of {signal_name}"));
        assert_eq!(figure.subplots.len(), 1, "{signal_name}: one index kind");
        assert_eq!(
            figure.subplots[0].y_title,
            format!("{signal_name} ({units})")
        );
        assert_eq!(figure.subplots[0].x_title, "Time");
        let traces = &figure.subplots[0].traces;
        assert_eq!(
            traces.iter().map(|t| t.name.clone()).collect::<Vec<_>>(),
            series
        );
        for trace in traces {
            let e = ts_expected(&expected, &signal_name, &trace.name);
            assert_eq!(
                trace.y.len() as u64,
                e["length"].as_u64().unwrap(),
                "{}",
                trace.name
            );
            assert_eq!(trace.x.len(), trace.y.len());
            let gaps = trace.y.iter().filter(|v| v.is_none()).count() as u64;
            assert_eq!(gaps, e["nan_count"].as_u64().unwrap(), "{}", trace.name);
            let last_type = e["processing_step_types"]
                .as_array()
                .unwrap()
                .last()
                .and_then(Value::as_str);
            let (mode, symbol) = spec_style(last_type);
            assert_eq!(trace.mode.as_str(), mode, "{}", trace.name);
            assert_eq!(trace.symbol.as_str(), symbol, "{}", trace.name);
            let XValues::Time(x) = &trace.x else {
                panic!("{}: datetime index expected", trace.name)
            };
            let first = e["first_timestamp"].as_str().unwrap();
            assert_eq!(x[0].format("%Y-%m-%dT%H:%M:%S").to_string(), first);
        }
        // The Plotly JSON carries the same traces.
        let json = figure.to_plotly_json();
        assert_eq!(json["data"].as_array().unwrap().len(), series.len());
        assert_eq!(
            json["layout"]["yaxis"]["title"]["text"],
            format!("{signal_name} ({units})")
        );
    }
}

#[test]
fn dataset_figure_has_one_panel_per_signal_with_its_own_y_title() {
    let (dataset, expected) = fixture();
    let figure = dataset
        .plot(
            &["Temperature#1", "Conductivity#1"],
            &[
                "Temperature#1_RAW#1",
                "Temperature#1_LIN-INT#1",
                "Conductivity#1_RAW#1",
            ],
            &PlotOptions::default(),
        )
        .unwrap();
    assert_eq!(
        figure.title,
        "Time series plots of dataset reactor_monitoring"
    );
    assert!(figure.shared_x);
    let units = |s: &str| expected["signals"][s]["units"].as_str().unwrap().to_owned();
    let titles: Vec<&str> = figure.subplots.iter().map(|s| s.y_title.as_str()).collect();
    assert_eq!(
        titles,
        [
            format!("Temperature#1 Values ({})", units("Temperature#1")),
            format!("Conductivity#1 Values ({})", units("Conductivity#1"))
        ]
    );
    assert_eq!(figure.subplots[0].traces.len(), 2);
    assert_eq!(figure.subplots[1].traces.len(), 1);
    let layout = &figure.to_plotly_json()["layout"];
    assert_eq!(layout["xaxis2"]["matches"], "x");
    // A name that belongs to none of the signals is an error, not silently dropped.
    let err = dataset
        .plot(
            &["Temperature#1"],
            &["Conductivity#1_RAW#1"],
            &PlotOptions::default(),
        )
        .unwrap_err();
    assert!(err.to_string().contains("Conductivity#1_RAW#1"), "{err}");
}

#[test]
fn one_sided_and_two_sided_bounds_keep_the_labels_inside() {
    let (dataset, expected) = fixture();
    let ts = dataset
        .signal("Temperature#1")
        .unwrap()
        .time_series("Temperature#1_RAW#1")
        .unwrap();
    let stamps =
        names(&ts_expected(&expected, "Temperature#1", "Temperature#1_RAW#1")["timestamps"]);
    let count = |lo: &str, hi: &str| {
        stamps
            .iter()
            .filter(|t| t.as_str() >= lo && t.as_str() <= hi)
            .count()
    };
    let len = |options: PlotOptions| ts.plot(&options).unwrap().subplots[0].traces[0].y.len();
    assert_eq!(
        len(PlotOptions::default().start("2024-01-02")),
        count("2024-01-02T00:00:00", "9")
    );
    assert_eq!(
        len(PlotOptions::default().end("2024-01-01 12:00")),
        count("0", "2024-01-01T12:00:00")
    );
    assert_eq!(
        len(PlotOptions::default()
            .start(chrono::NaiveDate::from_ymd_opt(2024, 1, 2).unwrap())
            .end("2024-01-02T05:00:00")),
        count("2024-01-02T00:00:00", "2024-01-02T05:00:00")
    );
    let figure = ts.plot(&PlotOptions::default()).unwrap();
    assert_eq!(figure.title, "Time series plot of Temperature#1");
    assert_eq!(figure.subplots[0].y_title, "Temperature#1 values");
    assert_eq!(figure.subplots[0].traces[0].name, "RAW#1");
    let err = ts
        .plot(&PlotOptions::default().start("next tuesday"))
        .unwrap_err();
    assert!(
        matches!(err, PlotError::Bound { which: "start", .. }),
        "{err}"
    );
    assert!(err.to_string().contains("next tuesday"), "{err}");
    let err = ts.plot(&PlotOptions::default().end(3.5)).unwrap_err();
    assert!(err.to_string().contains("give a date"), "{err}");
}

fn signal_with_index(index: Series) -> Signal {
    let n = index.len();
    let values = Series::new("v".into(), (0..n).map(|i| i as f64).collect::<Vec<_>>());
    Signal::new(
        "Flow",
        "m3/h",
        DataProvenance::default(),
        [TimeSeries::new("RAW", index, values).unwrap()],
    )
    .unwrap()
}

/// The x coordinates of the signal's series after recording a one-step-ahead prediction on it.
fn predicted_x(signal: &mut Signal) -> XValues {
    let step = ProcessingStep::new(
        ProcessingType::Prediction,
        "one step ahead",
        FunctionInfo::new("ahead", "1", "test", "none"),
        "PRED",
    )
    .with_step_distance(1);
    let ts = signal.time_series_mut("Flow#1_RAW#1").unwrap();
    *ts = ts.clone().with_processing_steps(vec![step]);
    let figure = signal
        .plot(&["Flow#1_RAW#1"], &PlotOptions::default())
        .unwrap();
    figure.subplots[0].traces[0].x.clone()
}

fn month_ends() -> Series {
    let dates: Vec<chrono::NaiveDateTime> = [(1, 31), (2, 29), (3, 31), (4, 30)]
        .iter()
        .map(|&(m, d)| {
            chrono::NaiveDate::from_ymd_opt(2024, m, d)
                .unwrap()
                .and_hms_opt(0, 0, 0)
                .unwrap()
        })
        .collect();
    Series::new("index".into(), dates)
        .cast(&DataType::Datetime(TimeUnit::Nanoseconds, None))
        .unwrap()
}

#[test]
fn predictions_shift_on_calendar_numeric_and_single_point_indexes() {
    // Month ends (Python cannot convert `ME` to a duration): one step ahead is the
    // next month end, and the last point moves by the last spacing.
    let mut signal = signal_with_index(month_ends());
    let XValues::Time(x) = predicted_x(&mut signal) else {
        panic!("time axis expected")
    };
    let shown: Vec<String> = x.iter().map(|t| t.format("%m-%d").to_string()).collect();
    assert_eq!(shown, ["02-29", "03-31", "04-30", "05-30"]);

    // Weekly data with a known frequency moves by exactly one week.
    let mut weekly = signal_with_index(date_range("2024-01-07", 3, "7D").unwrap());
    let XValues::Time(x) = predicted_x(&mut weekly) else {
        panic!("time axis expected")
    };
    assert_eq!(x[0].format("%Y-%m-%d").to_string(), "2024-01-14");

    // An integer index moves by its spacing.
    let mut numeric = signal_with_index(Series::new("i".into(), [10i64, 20, 30]));
    assert_eq!(
        predicted_x(&mut numeric),
        XValues::Number(vec![20.0, 30.0, 40.0])
    );

    // One point: nothing to measure a step by, so it is drawn where it is.
    let mut single = signal_with_index(Series::new("i".into(), [5i64]));
    assert_eq!(predicted_x(&mut single), XValues::Number(vec![5.0]));

    // Text labels plot as categories.
    let text = signal_with_index(Series::new("s".into(), ["a", "b"]));
    let figure = text
        .plot(&["Flow#1_RAW#1"], &PlotOptions::default())
        .unwrap();
    assert_eq!(
        figure.subplots[0].traces[0].x,
        XValues::Text(vec!["a".into(), "b".into()])
    );
}

/// The number of points of the trace polylines (stroke width 2) of an SVG document.
fn polyline_points(svg: &str) -> usize {
    svg.split("<polyline")
        .skip(1)
        .filter(|p| {
            p.split("/>")
                .next()
                .unwrap_or("")
                .contains("stroke-width=\"2\"")
        })
        .map(|p| {
            let points = p.split("points=\"").nth(1).unwrap_or("");
            points
                .split('"')
                .next()
                .unwrap_or("")
                .split_whitespace()
                .count()
        })
        .sum()
}

#[test]
fn svg_draws_one_polyline_point_per_value_and_breaks_at_gaps() {
    let (dataset, expected) = fixture();
    for (signal, name) in [
        ("Temperature#1", "Temperature#1_LIN-INT#1"),
        ("Temperature#1", "Temperature#1_RESAMPLED#1"),
        ("Conductivity#1", "Conductivity#1_REPLACED-RANGES#1"),
    ] {
        let figure: Figure = dataset
            .signal(signal)
            .unwrap()
            .plot(&[name], &PlotOptions::default())
            .unwrap();
        let trace = &figure.subplots[0].traces[0];
        assert!(trace.mode == Mode::LinesMarkers, "{name}");
        let e = ts_expected(&expected, signal, name);
        let values: Vec<Option<f64>> = e["values"]
            .as_array()
            .unwrap()
            .iter()
            .map(Value::as_f64)
            .collect();
        // Points inside runs of at least two values are joined by lines.
        let mut expected_points = 0;
        let mut run = 0;
        for v in values.iter().chain([None].iter()) {
            if v.is_some() {
                run += 1;
            } else {
                if run >= 2 {
                    expected_points += run;
                }
                run = 0;
            }
        }
        let svg = figure.to_svg(1000).unwrap();
        assert!(svg.starts_with("<svg"), "{name}");
        assert_eq!(polyline_points(&svg), expected_points, "{name}");
        assert!(svg.contains(name), "{name}: legend entry");
    }
    // Markers only: no trace polyline, one marker per drawn value.
    let raw = dataset
        .signal("Temperature#1")
        .unwrap()
        .plot(&["Temperature#1_RAW#1"], &PlotOptions::default())
        .unwrap();
    assert_eq!(raw.subplots[0].traces[0].symbol, Symbol::Diamond);
    assert_eq!(polyline_points(&raw.to_svg(1000).unwrap()), 0);
}

/// Lineage edges computed from the fixture's recorded steps: each series' last step, one edge
/// per input, followed back from `start` (or from every series).
fn expected_edges(expected: &Value, start: Option<&str>) -> BTreeSet<(String, String, String)> {
    let mut steps = std::collections::HashMap::new();
    for (_, signal) in expected["signals"].as_object().unwrap() {
        for (name, ts) in signal["time_series"].as_object().unwrap() {
            if let Some(last) = ts["processing_steps"].as_array().unwrap().last() {
                steps.insert(name.clone(), last.clone());
            }
        }
    }
    let mut todo: Vec<String> = match start {
        Some(s) => vec![s.to_owned()],
        None => steps.keys().cloned().collect(),
    };
    let mut edges = BTreeSet::new();
    while let Some(name) = todo.pop() {
        if let Some(step) = steps.get(&name) {
            for input in names(&step["input_series_names"]) {
                let function = step["function_name"].as_str().unwrap().to_owned();
                if edges.insert((input.clone(), name.clone(), function)) {
                    todo.push(input);
                }
            }
        }
    }
    edges
}

fn edge_set(graph: &meteaudata::LineageGraph) -> BTreeSet<(String, String, String)> {
    graph
        .edges
        .iter()
        .map(|e| (e.origin.clone(), e.destination.clone(), e.step.clone()))
        .collect()
}

#[test]
fn lineage_graphs_follow_the_recorded_steps_across_signals() {
    let (dataset, expected) = fixture();
    let graph = dataset
        .lineage_graph(Some("AVERAGE#1_RESAMPLED#1"))
        .unwrap();
    let wanted = expected_edges(&expected, Some("AVERAGE#1_RESAMPLED#1"));
    assert_eq!(edge_set(&graph), wanted);
    assert!(
        wanted
            .iter()
            .any(|(o, _, _)| o.starts_with("Temperature#2")),
        "the average reaches into another signal"
    );
    assert_eq!(graph.edges.len(), wanted.len(), "each edge once");
    let nodes: BTreeSet<String> = wanted
        .iter()
        .flat_map(|(o, d, _)| [o.clone(), d.clone()])
        .collect();
    assert_eq!(
        graph
            .nodes
            .iter()
            .map(|n| n.id.clone())
            .collect::<BTreeSet<_>>(),
        nodes
    );
    for node in &graph.nodes {
        let signal = node.id.rsplit_once('_').unwrap().0;
        let steps = ts_expected(&expected, signal, &node.id)["processing_step_count"]
            .as_u64()
            .unwrap();
        let kind = if steps == 0 {
            NodeKind::Raw
        } else {
            NodeKind::Processed
        };
        assert_eq!(node.kind, kind, "{}", node.id);
        assert_eq!(node.steps.len() as u64, steps, "{}", node.id);
    }

    let full = dataset.lineage_graph(None).unwrap();
    assert_eq!(edge_set(&full), expected_edges(&expected, None));
    let dot = full.to_dot();
    for e in &full.edges {
        let line = format!(
            "\"{}\" -> \"{}\" [label=\"{}\"];",
            e.origin, e.destination, e.step
        );
        assert!(dot.contains(&line), "{line}");
    }
    let mermaid = full.to_mermaid();
    assert_eq!(mermaid.matches(" -->|").count(), full.edges.len());
    assert_eq!(mermaid.matches("[\"").count(), full.nodes.len());

    // A signal on its own sees only its series.
    let signal = dataset.signal("Temperature#1").unwrap();
    let own = signal.lineage_graph(Some("Temperature#1_SLICE#1")).unwrap();
    assert_eq!(
        edge_set(&own),
        expected_edges(&expected, Some("Temperature#1_SLICE#1"))
    );
    let err = dataset.build_dependency_graph("Nope#1_RAW#1").unwrap_err();
    assert!(err.to_string().contains("Nope#1_RAW#1"), "{err}");
}

#[test]
fn lineage_ends_on_cycles_and_lists_diamond_edges_once() {
    let index = date_range("2024-01-01", 4, "h").unwrap();
    let values = Series::new("v".into(), [1.0, 2.0, 3.0, 4.0]);
    let looping_step = ProcessingStep::new(
        ProcessingType::Other,
        "refers to itself",
        FunctionInfo::new("loop", "1", "test", "none"),
        "LOOP",
    )
    .with_inputs(["S#1_LOOP#1"]);
    let looping = TimeSeries::new("LOOP", index.clone(), values.clone())
        .unwrap()
        .with_processing_steps(vec![looping_step]);
    let raw = TimeSeries::new("RAW", index, values).unwrap();
    let mut signal = Signal::new("S", "-", DataProvenance::default(), [raw, looping]).unwrap();
    let graph = signal.lineage_graph(Some("S#1_LOOP#1")).unwrap();
    assert_eq!(graph.edges.len(), 1);
    assert_eq!(graph.edges[0].origin, graph.edges[0].destination);
    assert!(graph.to_html().contains("data-id=\"S#1_LOOP#1\""));

    // Diamond: RAW feeds A and B, both feed C.
    signal
        .process(&["S#1_RAW#1"], resample("2h"), ProcessOptions::default())
        .unwrap();
    signal
        .process(
            &["S#1_RAW#1"],
            linear_interpolation(),
            ProcessOptions::default(),
        )
        .unwrap();
    let a = signal.time_series("S#1_RESAMPLED#1").unwrap().clone();
    let step = ProcessingStep::new(
        ProcessingType::Other,
        "joins",
        FunctionInfo::new("join", "1", "test", "none"),
        "JOIN",
    )
    .with_inputs(["S#1_RESAMPLED#1", "S#1_LIN-INT#1"]);
    let joined = a
        .with_same_index("JOIN", a.values().unwrap())
        .unwrap()
        .with_processing_steps(vec![step]);
    signal.add(joined).unwrap();
    let graph = signal.lineage_graph(Some("S#1_JOIN#1")).unwrap();
    let edges = edge_set(&graph);
    assert_eq!(edges.len(), 4);
    assert_eq!(graph.edges.len(), 4, "RAW's edges appear once");
}

#[test]
fn html_views_escape_names_and_values() {
    let dataset = Dataset::new("escapes")
        .unwrap()
        .with_description("<script>alert('x')</script> & more");
    let html = dataset.to_html(2);
    assert!(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; more"));
    assert!(!html.contains("<script>"));
    let page = dataset.to_html_page(2);
    assert!(page.starts_with("<!DOCTYPE html>"));
    let (fixture, _) = fixture();
    let html = fixture.to_html(3);
    assert_eq!(
        html.matches("<details>").count(),
        html.matches("</details>").count()
    );
    assert!(html.contains("<summary>signal_Temperature#1</summary>"));
}

// ---- headless Chromium ------------------------------------------------------------------

/// Where the rendered pages and their screenshots are kept, for people to look at.
fn screenshots() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("screenshots/fixture")
}

#[test]
fn chromium_draws_the_plot_and_the_lineage_page_without_errors() {
    let Some(browser) = chromium() else { return };
    let (dataset, _) = fixture();
    let names = [
        "Temperature#1_RAW#1",
        "Temperature#1_RESAMPLED#1",
        "Temperature#1_LIN-INT#1",
    ];
    let figure = dataset
        .signal("Temperature#1")
        .unwrap()
        .plot(&names, &PlotOptions::default())
        .unwrap();
    let html = figure.to_html();
    assert!(
        !html.contains("<script src") && !html.contains("<link"),
        "nothing loaded from elsewhere: the page works offline"
    );
    let dom = render(&browser, &html, "", &screenshots(), "signal-plot").dom;
    assert_eq!(dom.matches("class=\"trace scatter").count(), names.len());
    for name in names {
        assert!(
            dom.contains(&format!("data-unformatted=\"{name}\"")),
            "legend {name}"
        );
    }
    assert!(dom.contains("Time series plot of Temperature#1"));

    let graph = dataset.lineage_graph(None).unwrap();
    let click = "document.querySelector('g.node').dispatchEvent(new MouseEvent('click'));";
    let dom = render(
        &browser,
        &graph.to_html(),
        click,
        &screenshots(),
        "lineage-clicked",
    )
    .dom;
    assert_eq!(dom.matches("<g class=\"node\"").count(), graph.nodes.len());
    assert_eq!(
        dom.matches("<path class=\"edge\"").count(),
        graph.edges.len()
    );
    let first = &graph.nodes[0];
    assert!(
        dom.contains(&format!("<h2>{}</h2>", first.id)),
        "clicking a node shows its details"
    );
}

/// Every figure of the fixture dataset, in SVG and HTML, and its lineage page: texts at least
/// 10 px high in a 1280 x 800 window, none overlapping another.
#[test]
fn every_page_of_the_fixture_is_readable_in_chromium() {
    let Some(browser) = chromium() else { return };
    let (dataset, _) = fixture();
    let signals = dataset.all_signals();
    let all: Vec<&str> = dataset.iter().flat_map(|s| s.all_time_series()).collect();
    let mut figures: Vec<(String, Figure)> = vec![(
        "dataset".into(),
        dataset
            .plot(&signals, &all, &PlotOptions::default())
            .unwrap(),
    )];
    for signal in dataset.iter() {
        let figure = signal
            .plot(&signal.all_time_series(), &PlotOptions::default())
            .unwrap();
        figures.push((signal.name().replace('#', "-"), figure));
    }
    let ts = dataset
        .signal("Temperature#1")
        .unwrap()
        .time_series("Temperature#1_LIN-INT#1")
        .unwrap();
    figures.push(("series".into(), ts.plot(&PlotOptions::default()).unwrap()));
    let dir = screenshots();
    let mut checked = 0;
    for (name, figure) in &figures {
        let svg = figure.to_svg(browser::WINDOW.0).unwrap();
        assert_readable(&browser, &svg_page(&svg), &dir, &format!("{name}-svg"));
        assert_readable(&browser, &figure.to_html(), &dir, &format!("{name}-html"));
        checked += 2;
    }
    let graph = dataset.lineage_graph(None).unwrap();
    let page = assert_readable(&browser, &graph.to_html(), &dir, "lineage");
    assert!(
        page.texts >= 2 * graph.nodes.len(),
        "every node shows its name and step"
    );
    assert_eq!(checked, 2 * (signals.len() + 2));
}

/// The check itself finds what it looks for: overlapping and small text.
#[test]
fn the_readability_check_sees_overlaps_and_small_text() {
    let Some(browser) = chromium() else { return };
    let svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"300\" height=\"100\">\
               <text x=\"10\" y=\"20\" font-size=\"12\">first label</text>\
               <text x=\"40\" y=\"24\" font-size=\"12\">second label</text>\
               <text x=\"10\" y=\"80\" font-size=\"7\">tiny</text></svg>";
    let page = render(&browser, &svg_page(svg), "", &screenshots(), "self-check");
    assert_eq!(page.texts, 3);
    assert_eq!(page.overlaps, ["first label / second label"]);
    assert_eq!(page.small.len(), 1, "{:?}", page.small);
    assert!(page.small[0].starts_with("tiny"), "{:?}", page.small);
}

#[test]
fn bounds_that_leave_nothing_to_draw_are_errors_naming_them() {
    let (dataset, _) = fixture();
    let signal = dataset.signal("Temperature#1").unwrap();
    let raw = ["Temperature#1_RAW#1"];
    let err = signal
        .plot(&raw, &PlotOptions::default().start("2030-01-01"))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("invalid start bound \"2030-01-01\"")
            && err.contains(
                "Temperature#1_RAW#1 runs from 2024-01-01 00:00:00 to 2024-01-03 23:00:00"
            ),
        "{err}"
    );
    let err = signal
        .plot(&raw, &PlotOptions::default().end("1999-12-31"))
        .unwrap_err()
        .to_string();
    assert!(err.contains("invalid end bound \"1999-12-31\""), "{err}");
    let err = signal
        .plot(
            &raw,
            &PlotOptions::default()
                .start("2024-01-02")
                .end("2024-01-01 12:00"),
        )
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("invalid start bound \"2024-01-02\"")
            && err.contains("it is after the end bound \"2024-01-01 12:00\""),
        "{err}"
    );
    // One series with points within the bounds is enough: the others are drawn empty.
    let both = ["Temperature#1_RAW#1", "Temperature#1_SLICE#1"];
    let figure = signal
        .plot(&both, &PlotOptions::default().start("2024-01-03 22:00"))
        .unwrap();
    let lengths: Vec<usize> = figure.traces().map(|t| t.y.len()).collect();
    assert_eq!(lengths, [2, 0]);
}

#[test]
fn time_axes_name_the_zone_of_their_labels() {
    let index = meteaudata::date_range_in("2024-01-01", 48, "h", Some("Europe/Paris")).unwrap();
    let raw = TimeSeries::new("RAW", index, Series::new("v".into(), vec![1.0; 48])).unwrap();
    let signal = Signal::new("T", "°C", DataProvenance::default(), [raw]).unwrap();
    let ts = signal.time_series("T#1_RAW#1").unwrap();
    assert_eq!(
        ts.plot(&PlotOptions::default()).unwrap().subplots[0].x_title,
        "Time (Europe/Paris)"
    );
    let figure = signal
        .plot(&["T#1_RAW#1"], &PlotOptions::default())
        .unwrap();
    assert_eq!(figure.subplots[0].x_title, "Time (Europe/Paris)");
    let svg = figure.to_svg(900).unwrap();
    assert!(svg.contains(">Time (Europe/Paris)</text>"), "{svg}");
}
