//! Worked examples of every built-in transform, checked value by value, and the steps they record.

use meteaudata_core::polars::prelude::*;
use meteaudata_core::*;
use meteaudata_processing::*;

use crate::common::*;

const M: i64 = 60_000_000_000;

#[test]
fn resample_means_with_empty_bins_kept() {
    let out = run(
        hourly(&[Some(1.0), None, Some(3.0), Some(4.0), None, Some(6.0)]),
        resample("2h"),
    )
    .unwrap();
    assert_eq!(floats(&out), [Some(1.0), Some(3.5), Some(6.0)]);
    assert_eq!(labels(&out), [T0, T0 + 2 * H, T0 + 4 * H]);
    assert_eq!(out.index_metadata().frequency.as_deref(), Some("2h"));
    // Irregular stamps 00:00=1, 00:07=2, 01:31=3 at 30min: [1.5, NaN, NaN, 3.0].
    let irregular = series(
        vec![T0, T0 + 7 * M, T0 + 91 * M],
        &[Some(1.0), Some(2.0), Some(3.0)],
    );
    let out = run(irregular, resample("30min")).unwrap();
    assert_eq!(floats(&out), [Some(1.5), None, None, Some(3.0)]);
    assert_eq!(labels(&out), [T0, T0 + 30 * M, T0 + 60 * M, T0 + 90 * M]);
    let step = out.processing_steps().last().unwrap();
    assert_eq!(step.step_type, ProcessingType::Resampling);
    assert_eq!(step.suffix, "RESAMPLED");
    assert_eq!(step.function_info.version, env!("CARGO_PKG_VERSION"));
    assert_eq!(
        serde_json::to_string(&step.parameters).unwrap(),
        r#"{"frequency":"30min"}"#
    );
}

#[test]
fn resample_accepts_pandas_aliases_and_names_bad_ones() {
    for (alias, bins) in [
        ("h", 6),
        ("H", 6),
        ("2h", 3),
        ("120min", 3),
        ("120T", 3),
        ("7200S", 3),
        ("D", 1),
        ("3600000ms", 6),
    ] {
        let out = run(hourly(&[Some(1.0); 6]), resample(alias)).unwrap();
        assert_eq!(out.len(), bins, "{alias}");
    }
    let err = run(hourly(&[Some(1.0)]), resample("2 fortnights")).unwrap_err();
    assert!(err.to_string().contains("\"2 fortnights\""), "{err}");
}

#[test]
fn resample_aligns_on_midnight_not_the_first_label() {
    // Labels from 00:05 every 7 min, 7min bins: pandas' start_day origin puts edges at
    // 00:00, 00:07, ... so 00:05 falls in [00:00, 00:07).
    let ts = series(
        (0..4).map(|i| T0 + 5 * M + i * 7 * M).collect(),
        &[Some(1.0), Some(2.0), Some(3.0), Some(4.0)],
    );
    let out = run(ts, resample("7min")).unwrap();
    assert_eq!(labels(&out)[0], T0);
    assert_eq!(floats(&out), [Some(1.0), Some(2.0), Some(3.0), Some(4.0)]);
}

#[test]
fn linear_interpolation_is_positional() {
    let out = run(
        hourly(&[None, Some(1.0), None, None, Some(4.0), None]),
        linear_interpolation(),
    )
    .unwrap();
    assert_eq!(
        floats(&out),
        [None, Some(1.0), Some(2.0), Some(3.0), Some(4.0), Some(4.0)]
    );
    assert_eq!(out.index_metadata().frequency.as_deref(), Some("h"));
    // 00:00=0, 00:01=NaN, 01:00=10 gives 5 (not time-weighted).
    let ts = series(
        vec![T0, T0 + M, T0 + 60 * M],
        &[Some(0.0), None, Some(10.0)],
    );
    assert_eq!(
        floats(&run(ts.clone(), linear_interpolation()).unwrap())[1],
        Some(5.0)
    );
    let by_time = run(ts, linear_interpolation_by_time()).unwrap();
    assert_eq!(floats(&by_time)[1], Some(10.0 / 60.0));
    let step = by_time.processing_steps().last().unwrap();
    assert_eq!(step.function_info.name, "linear interpolation by time");
    assert_eq!(step.step_type, ProcessingType::GapFilling);
}

#[test]
fn subset_by_position_and_by_label() {
    let ts = hourly(&(0..10).map(|i| Some(f64::from(i))).collect::<Vec<_>>());
    let out = run(ts.clone(), subset(2, 5, true)).unwrap();
    assert_eq!(floats(&out), [Some(2.0), Some(3.0), Some(4.0)]);
    let out = run(ts.clone(), subset(-3, Option::<i64>::None, true)).unwrap();
    assert_eq!(floats(&out), [Some(7.0), Some(8.0), Some(9.0)]);
    let out = run(ts.clone(), subset(8, 100, true)).unwrap();
    assert_eq!(out.len(), 2);
    // Labels are inclusive at both ends; datetimes are recorded as datetimes (unlike Python).
    let start = chrono::NaiveDate::from_ymd_opt(2024, 1, 1)
        .unwrap()
        .and_hms_opt(2, 0, 0)
        .unwrap();
    let out = run(ts.clone(), subset(start, "2024-01-01 04:00:00", false)).unwrap();
    assert_eq!(floats(&out), [Some(2.0), Some(3.0), Some(4.0)]);
    assert_eq!(out.index_metadata().frequency.as_deref(), Some("h"));
    let params = serde_json::to_string(&out.processing_steps()[0].parameters).unwrap();
    assert_eq!(
        params,
        r#"{"start_position":"2024-01-01T02:00:00","end_position":"2024-01-01 04:00:00","rank_based":false}"#
    );
    // A partial date covers the whole day; a range outside the data is empty.
    assert_eq!(
        run(ts.clone(), subset("2024-01-01", "2024-01-01", false))
            .unwrap()
            .len(),
        10
    );
    assert_eq!(
        run(ts.clone(), subset("2025-01-01", "2025-02-01", false))
            .unwrap()
            .len(),
        0
    );
    let err = run(ts, subset("2024-01-01", 3, true)).unwrap_err();
    assert!(err.to_string().contains("integer positions"), "{err}");
}

#[test]
fn replace_ranges_by_label() {
    let ts = hourly(&(0..6).map(|i| Some(f64::from(i))).collect::<Vec<_>>());
    let pairs = [
        ("2024-01-01 01:00", "2024-01-01 02:00"),
        ("2024-01-01 05:00", "2024-01-01 04:00"),
    ];
    let out = run(
        ts,
        replace_ranges(pairs, "calibration – étalonnage", f64::NAN),
    )
    .unwrap();
    assert_eq!(
        floats(&out),
        [Some(0.0), None, None, Some(3.0), Some(4.0), Some(5.0)],
        "reversed pair is a no-op"
    );
    let step = &out.processing_steps()[0];
    assert_eq!(step.step_type, ProcessingType::Filtering);
    assert_eq!(
        serde_json::to_string(&step.parameters).unwrap(),
        r#"{"index_pairs":[["2024-01-01 01:00","2024-01-01 02:00"],["2024-01-01 05:00","2024-01-01 04:00"]],"reason":"calibration – étalonnage","replace_with":"nan"}"#
    );
    // Integer values stay integers with a whole replacement and work on any index kind.
    let counts =
        TimeSeries::with_range_index("RAW", 0, 1, Series::new("v".into(), [1i64, 2, 3, 4]))
            .unwrap();
    let mut s = signal_with(counts);
    s.process(
        &["A#1_RAW#1"],
        replace_ranges([(1, 2)], "reset", 0.0),
        ProcessOptions::default(),
    )
    .unwrap();
    let out = s.time_series("A#1_REPLACED-RANGES#1").unwrap();
    assert_eq!(out.values_dtype(), "int64");
    assert_eq!(
        out.values()
            .unwrap()
            .i64()
            .unwrap()
            .iter()
            .collect::<Vec<_>>(),
        [Some(1), Some(0), Some(0), Some(4)]
    );
    assert_eq!(out.index_metadata().index_type, "RangeIndex");
}

#[test]
fn predict_from_previous_point_records_a_step_distance() {
    let out = run(
        hourly(&[Some(1.0), Some(2.0)]),
        predict_from_previous_point(),
    )
    .unwrap();
    assert_eq!(floats(&out), [Some(1.0), Some(2.0)]);
    let step = &out.processing_steps()[0];
    assert_eq!((step.step_distance, step.suffix.as_str()), (1, "PREV-PRED"));
    assert_eq!(step.function_info.name, "Previous point prediction");
}

#[test]
fn normalize_index_to_numeric_delta_cases() {
    let out = run(
        hourly(&[Some(1.0), Some(2.0), Some(3.0)]),
        normalize_index_to_numeric_delta("h", ParamValue::Null),
    )
    .unwrap();
    assert_eq!(
        out.index()
            .unwrap()
            .f64()
            .unwrap()
            .into_no_null_iter()
            .collect::<Vec<_>>(),
        [0.0, 1.0, 2.0]
    );
    assert_eq!(out.index_metadata().index_type, "Index");
    let p = serde_json::to_string(&out.processing_steps()[0].parameters).unwrap();
    assert_eq!(
        p,
        r#"{"unit":"h","original_index_type":"DatetimeIndex","reference_time":"2024-01-01 00:00:00"}"#
    );
    assert_eq!(
        out.processing_steps()[0].description,
        "Normalized index from DatetimeIndex to numeric values (unit=h)"
    );

    let out = run(
        hourly(&[Some(1.0), Some(2.0)]),
        normalize_index_to_numeric_delta("minutes", "2023-12-31 23:00:00"),
    )
    .unwrap();
    assert_eq!(
        out.index()
            .unwrap()
            .f64()
            .unwrap()
            .into_no_null_iter()
            .collect::<Vec<_>>(),
        [60.0, 120.0]
    );

    // A zoned index: the reference text carries the offset.
    let utc = TimeSeries::new(
        "RAW",
        datetime_index(vec![T0, T0 + H], Some("UTC")),
        Series::new("v".into(), [1.0, 2.0]),
    )
    .unwrap();
    let out = run(utc, normalize_index_to_numeric_delta("s", "2023-12-31")).unwrap();
    assert_eq!(out.index().unwrap().f64().unwrap().get(0), Some(86_400.0));
    let p = &out.processing_steps()[0].parameters.as_ref().unwrap();
    assert_eq!(
        p.get("reference_time"),
        Some(&ParamValue::String("2023-12-31 00:00:00+00:00".into()))
    );

    // A numeric index is cast and kept; no reference is recorded.
    let positional =
        TimeSeries::with_range_index("RAW", 0, 2, Series::new("v".into(), [1.0, 2.0])).unwrap();
    let mut s = signal_with(positional);
    s.process(
        &["A#1_RAW#1"],
        normalize_index_to_numeric_delta("s", ParamValue::Null),
        ProcessOptions::default(),
    )
    .unwrap();
    let out = s.time_series("A#1_NORM#1").unwrap();
    assert_eq!(
        out.index()
            .unwrap()
            .f64()
            .unwrap()
            .into_no_null_iter()
            .collect::<Vec<_>>(),
        [0.0, 2.0]
    );
    let p = serde_json::to_string(&out.processing_steps()[0].parameters).unwrap();
    assert_eq!(p, r#"{"unit":"s","original_index_type":"RangeIndex"}"#);

    let err = run(
        hourly(&[Some(1.0)]),
        normalize_index_to_numeric_delta("weeks", ParamValue::Null),
    )
    .unwrap_err();
    assert!(err.to_string().contains("invalid unit \"weeks\""), "{err}");
}

#[test]
fn average_signals_outer_join_and_row_mean() {
    // A hourly 00–03 [1, 2, 3, 4], B hourly 02–05 [10, 20, 30, 40]: the average is taken on
    // the labels both share.
    let a = Signal::new(
        "A",
        "mg/L",
        DataProvenance {
            project: Some("P1".into()),
            ..Default::default()
        },
        [hourly(&[Some(1.0), Some(2.0), Some(3.0), Some(4.0)])],
    )
    .unwrap();
    let b_series = series(
        (2..6).map(|i| T0 + i * H).collect(),
        &[Some(10.0), Some(20.0), Some(30.0), Some(40.0)],
    );
    let b = Signal::new("B", "mg/L", DataProvenance::default(), [b_series]).unwrap();
    let mut ds = Dataset::new("D")
        .unwrap()
        .with_project("DSPROJ")
        .with_signals([a, b])
        .unwrap();
    let out = ds
        .process(
            &["A#1_RAW#1", "B#1_RAW#1"],
            average_signals(None, true),
            DatasetProcessOptions::default(),
        )
        .unwrap();
    assert_eq!(out, ["AVERAGE#1"]);
    let avg = ds.signal("AVERAGE#1").unwrap();
    assert_eq!(avg.units(), "mg/L");
    // Unlike Python: the dataset's project is given to the new signal.
    assert_eq!(avg.provenance().project.as_deref(), Some("DSPROJ"));
    let ts = avg.time_series("AVERAGE#1_RAW#1").unwrap();
    assert_eq!(
        floats(ts),
        [
            Some(1.0),
            Some(2.0),
            Some(6.5),
            Some(12.0),
            Some(30.0),
            Some(40.0)
        ]
    );
    assert_eq!(labels(ts), (0..6).map(|i| T0 + i * H).collect::<Vec<_>>());
    let step = &ts.processing_steps()[0];
    assert_eq!(step.function_info.name, "Signal Averaging");
    assert_eq!(step.parameters, None);

    ds.signal_mut("B#1").unwrap().set_units("g/L");
    let err = ds
        .process(
            &["A#1_RAW#1", "B#1_RAW#1"],
            average_signals(None, true),
            DatasetProcessOptions::default(),
        )
        .unwrap_err();
    assert!(err.to_string().contains("different units"), "{err}");
    ds.process(
        &["A#1_RAW#1", "B#1_RAW#1"],
        average_signals(None, false),
        DatasetProcessOptions::default(),
    )
    .unwrap();
}
