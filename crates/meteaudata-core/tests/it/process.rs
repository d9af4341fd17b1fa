//! `Signal::process`: numbering, overwrite, custom names, lineage, failures.

use meteaudata_core::*;

use crate::common::{double, hourly, info, signal, values};

/// A transform that passes its first input through under the given base, `copies` times.
fn copies(
    base: &'static str,
    copies: usize,
) -> impl Fn(&[&TimeSeries]) -> Result<Vec<TransformOutput>, BoxError> {
    move |inputs: &[&TimeSeries]| {
        let step = ProcessingStep::new(ProcessingType::Other, "copy", info("copy"), base)
            .with_inputs(inputs.iter().map(|t| t.name()));
        let signal = name::TsName::parse(inputs[0].name())?.signal;
        (0..copies)
            .map(|_| {
                let out = inputs[0].with_same_index(
                    format!("{signal}_{base}"),
                    inputs[0].values().unwrap().clone(),
                )?;
                Ok(TransformOutput::new(out, step.clone()))
            })
            .collect()
    }
}

#[test]
fn numbering_and_overwrite_replace_the_latest() {
    let mut s = signal("A", &["RAW"]);
    for expected in ["A#1_DOUBLE#1", "A#1_DOUBLE#2", "A#1_DOUBLE#3"] {
        assert_eq!(
            s.process(&["A#1_RAW#1"], double, ProcessOptions::default())
                .unwrap(),
            [expected]
        );
    }
    // Unlike Python: overwrite added an unnumbered `A#1_DOUBLE`; here it replaces #3.
    let out = s
        .process(
            &["A#1_DOUBLE#1"],
            double,
            ProcessOptions::default().overwrite(true),
        )
        .unwrap();
    assert_eq!(out, ["A#1_DOUBLE#3"]);
    assert_eq!(
        s.all_time_series(),
        ["A#1_RAW#1", "A#1_DOUBLE#1", "A#1_DOUBLE#2", "A#1_DOUBLE#3"]
    );
    assert_eq!(
        values(s.time_series("A#1_DOUBLE#3").unwrap()),
        [Some(4.0), Some(8.0), Some(12.0)]
    );
    // Overwrite of a base that does not exist yet creates #1.
    let out = s
        .process(
            &["A#1_RAW#1"],
            double,
            ProcessOptions::named(["daily"]).overwrite(true),
        )
        .unwrap();
    assert_eq!(out, ["A#1_daily#1"]);
}

#[test]
fn custom_output_names() {
    let mut s = signal("A", &["RAW"]);
    assert_eq!(
        s.process(&["A#1_RAW#1"], double, ProcessOptions::named(["x2"]))
            .unwrap(),
        ["A#1_x2#1"]
    );
    assert_eq!(
        s.process(&["A#1_RAW#1"], double, ProcessOptions::named(["x2"]))
            .unwrap(),
        ["A#1_x2#2"]
    );
    let before = s.clone();
    let err = s
        .process(&["A#1_RAW#1"], double, ProcessOptions::named(["x_2"]))
        .unwrap_err();
    assert!(err.to_string().contains("x_2"), "{err}");
    let err = s
        .process(&["A#1_RAW#1"], double, ProcessOptions::named(["a", "b"]))
        .unwrap_err();
    assert!(err.to_string().contains("expected 1, got 2"), "{err}");
    assert_eq!(s, before, "a failed process changes nothing");
}

#[test]
fn outputs_of_one_call_are_numbered_consecutively() {
    let mut s = signal("A", &["RAW"]);
    let out = s
        .process(&["A#1_RAW#1"], copies("COPY", 2), ProcessOptions::default())
        .unwrap();
    assert_eq!(out, ["A#1_COPY#1", "A#1_COPY#2"]);
    // With overwrite both would land on one name: an error, and nothing is stored.
    let err = s
        .process(
            &["A#1_RAW#1"],
            copies("COPY", 2),
            ProcessOptions::default().overwrite(true),
        )
        .unwrap_err();
    assert!(
        matches!(err, Error::NameCollision { ref name, .. } if name == "A#1_COPY#2"),
        "{err}"
    );
    assert_eq!(s.len(), 3);
}

#[test]
fn an_output_without_signal_part_is_put_in_this_signal() {
    let mut s = signal("T", &["RAW"]);
    let plain = |inputs: &[&TimeSeries]| -> Result<Vec<TransformOutput>, BoxError> {
        let out = inputs[0].with_same_index("NOUNDERSCORE", inputs[0].values().unwrap().clone())?;
        let step = ProcessingStep::new(ProcessingType::Other, "d", info("plain"), "NOUNDERSCORE");
        Ok(vec![TransformOutput::new(out, step)])
    };
    assert_eq!(
        s.process(&["T#1_RAW#1"], plain, ProcessOptions::default())
            .unwrap(),
        ["T#1_NOUNDERSCORE#1"]
    );
}

#[test]
fn lineage_is_recorded_verbatim_step_by_step() {
    let mut s = signal("A", &["RAW"]);
    s.process(&["A#1_RAW#1"], double, ProcessOptions::default())
        .unwrap();
    s.process(&["A#1_RAW#1"], double, ProcessOptions::default())
        .unwrap();
    // Python recorded `A#1_DOUBLE#2` here; the real input was #1.
    s.process(
        &["A#1_DOUBLE#1"],
        copies("COPY", 1),
        ProcessOptions::default(),
    )
    .unwrap();
    let steps = s.time_series("A#1_COPY#1").unwrap().processing_steps();
    assert_eq!(steps.len(), 2);
    assert_eq!(steps[0].function_info.name, "double");
    assert_eq!(steps[0].input_series_names, ["A#1_RAW#1"]);
    assert_eq!(steps[1].function_info.name, "copy");
    assert_eq!(steps[1].input_series_names, ["A#1_DOUBLE#1"]);
    assert_eq!(
        s.time_series("A#1_RAW#1").unwrap().processing_steps().len(),
        0
    );
}

#[test]
fn several_inputs_each_output_gets_its_own_history() {
    let mut s = signal("A", &["RAW", "OTHER"]);
    s.process(&["A#1_RAW#1"], double, ProcessOptions::default())
        .unwrap();
    let out = s
        .process(
            &["A#1_DOUBLE#1", "A#1_OTHER#1"],
            double,
            ProcessOptions::default(),
        )
        .unwrap();
    assert_eq!(out, ["A#1_DOUBLE#2", "A#1_DOUBLE#3"]);
    for name in &out {
        let steps = s.time_series(name).unwrap().processing_steps();
        // The histories of all inputs (here one step), then the new step, without repeats.
        assert_eq!(steps.len(), 2, "{name}");
        assert_eq!(steps[0].input_series_names, ["A#1_RAW#1"]);
        assert_eq!(steps[1].input_series_names, ["A#1_DOUBLE#1", "A#1_OTHER#1"]);
    }
    // Each output owns its steps: changing one leaves the other alone.
    let mut own = s.time_series("A#1_DOUBLE#2").unwrap().clone();
    own = own.with_processing_steps(vec![]);
    assert_eq!(own.processing_steps().len(), 0);
    assert_eq!(
        s.time_series("A#1_DOUBLE#3")
            .unwrap()
            .processing_steps()
            .len(),
        2
    );
    assert_eq!(
        values(s.time_series("A#1_DOUBLE#3").unwrap()),
        [Some(2.0), Some(4.0), Some(6.0)]
    );
}

#[test]
fn last_updated_follows_every_change() {
    let mut s = signal("A", &["RAW"]);
    let mut last = s.last_updated();
    let mut check = |s: &Signal| {
        assert!(s.last_updated() > last);
        last = s.last_updated();
    };
    std::thread::sleep(std::time::Duration::from_millis(2));
    s.process(&["A#1_RAW#1"], double, ProcessOptions::default())
        .unwrap();
    check(&s);
    std::thread::sleep(std::time::Duration::from_millis(2));
    s.add(hourly("NEW", &[1.0])).unwrap();
    check(&s);
    std::thread::sleep(std::time::Duration::from_millis(2));
    s.remove("A#1_NEW#1").unwrap();
    check(&s);
    std::thread::sleep(std::time::Duration::from_millis(2));
    s.set_units("K");
    check(&s);
}

#[test]
fn failures_name_the_culprit_and_change_nothing() {
    let mut s = signal("A", &["RAW"]);
    let before = s.clone();
    let err = s
        .process(&["A#1_RAW#9"], double, ProcessOptions::default())
        .unwrap_err();
    assert!(
        err.to_string().contains("A#1_RAW#9") && err.to_string().contains("A#1_RAW#1"),
        "{err}"
    );
    let failing = |_: &[&TimeSeries]| -> Result<Vec<TransformOutput>, BoxError> {
        Err("sensor offline".into())
    };
    let err = s
        .process(&["A#1_RAW#1"], failing, ProcessOptions::default())
        .unwrap_err();
    assert!(matches!(err, Error::Transform { .. }));
    assert!(err.to_string().contains("sensor offline"), "{err}");
    assert_eq!(s, before);
}

#[test]
fn metadata_serializes_with_python_keys() {
    let mut s = signal("A", &["RAW"]);
    s.process(&["A#1_RAW#1"], double, ProcessOptions::default())
        .unwrap();
    let v = serde_json::to_value(s.metadata()).unwrap();
    let keys: Vec<_> = v.as_object().unwrap().keys().cloned().collect();
    assert_eq!(
        keys,
        [
            "created_on",
            "last_updated",
            "name",
            "units",
            "provenance",
            "time_series"
        ]
    );
    let ts = &v["time_series"]["A#1_DOUBLE#1"];
    let keys: Vec<_> = ts.as_object().unwrap().keys().cloned().collect();
    assert_eq!(
        keys,
        [
            "processing_steps",
            "index_metadata",
            "values_dtype",
            "metadata_id",
            "created_on"
        ]
    );
    assert_eq!(ts["index_metadata"]["frequency"], "h");
    assert_eq!(ts["index_metadata"]["dtype"], "datetime64[ns]");
    assert_eq!(ts["processing_steps"][0]["type"], "other");
    let back: SignalMetadata = serde_json::from_value(v).unwrap();
    assert_eq!(back, s.metadata());
}
