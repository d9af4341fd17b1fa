//! Empty, all-missing, single-point, unsorted and duplicated inputs, time zones across DST,
//! and index kinds a function cannot use.

use meteaudata_core::polars::prelude::*;
use meteaudata_core::*;
use meteaudata_processing::*;

use crate::common::*;

#[test]
fn empty_series() {
    let empty = series(vec![], &[]);
    let out = run(empty.clone(), resample("h")).unwrap();
    assert_eq!(out.len(), 0);
    assert_eq!(out.index_metadata().frequency.as_deref(), Some("h"));
    assert_eq!(out.index_metadata().dtype, "datetime64[ns]");
    assert_eq!(run(empty.clone(), linear_interpolation()).unwrap().len(), 0);
    assert_eq!(run(empty.clone(), subset(0, 5, true)).unwrap().len(), 0);
    let out = run(
        empty,
        normalize_index_to_numeric_delta("s", ParamValue::Null),
    )
    .unwrap();
    let p = out.processing_steps()[0].parameters.as_ref().unwrap();
    assert_eq!(
        p.get("reference_time"),
        Some(&ParamValue::String("first_index".into()))
    );
}

#[test]
fn all_missing_series() {
    let ts = hourly(&[None, None, None]);
    assert_eq!(
        floats(&run(ts.clone(), linear_interpolation()).unwrap()),
        [None, None, None]
    );
    assert_eq!(floats(&run(ts, resample("2h")).unwrap()), [None, None]);
}

#[test]
fn single_point() {
    let ts = hourly(&[Some(7.0)]);
    let out = run(ts.clone(), resample("15min")).unwrap();
    assert_eq!((floats(&out), labels(&out)), (vec![Some(7.0)], vec![T0]));
    assert_eq!(
        floats(&run(ts, linear_interpolation_by_time()).unwrap()),
        [Some(7.0)]
    );
}

#[test]
fn unsorted_and_duplicate_labels() {
    // resample bins by label: order does not matter, duplicates share a bin.
    let shuffled = series(
        vec![T0 + 2 * H, T0, T0 + H, T0],
        &[Some(3.0), Some(1.0), Some(2.0), Some(5.0)],
    );
    let out = run(shuffled.clone(), resample("h")).unwrap();
    assert_eq!(floats(&out), [Some(3.0), Some(2.0), Some(3.0)]);
    assert_eq!(labels(&out), [T0, T0 + H, T0 + 2 * H]);
    // Interpolation by time sorts first (stable).
    let gappy = series(vec![T0 + 2 * H, T0, T0 + H], &[Some(3.0), Some(1.0), None]);
    let out = run(gappy.clone(), linear_interpolation_by_time()).unwrap();
    assert_eq!(labels(&out), [T0, T0 + H, T0 + 2 * H]);
    assert_eq!(floats(&out), [Some(1.0), Some(2.0), Some(3.0)]);
    // Positional interpolation keeps the given order, as Python does.
    let out = run(gappy, linear_interpolation()).unwrap();
    assert_eq!(floats(&out), [Some(3.0), Some(1.0), Some(1.0)]);
    // A label subset of an unsorted index keeps the matching points in their order.
    let out = run(
        shuffled,
        subset("2024-01-01 00:00", "2024-01-01 01:00", false),
    )
    .unwrap();
    assert_eq!(floats(&out), [Some(1.0), Some(2.0), Some(5.0)]);
}

fn toronto(start_local_midnight_utc: i64, n: i64, values: impl Fn(i64) -> f64) -> TimeSeries {
    let labels: Vec<i64> = (0..n).map(|i| start_local_midnight_utc + i * H).collect();
    let values: Vec<f64> = (0..n).map(values).collect();
    TimeSeries::new(
        "RAW",
        datetime_index(labels, Some("America/Toronto")),
        Series::new("v".into(), values),
    )
    .unwrap()
}

#[test]
fn time_zone_across_a_dst_change() {
    // 2024-03-10 00:00 EST is 05:00 UTC; clocks jump from 02:00 to 03:00 that night.
    let midnight = 1_710_046_800_000_000_000i64;
    let out = run(toronto(midnight, 6, |i| i as f64), resample("2h")).unwrap();
    // Sub-daily bins are absolute 2-hour spans from local midnight.
    assert_eq!(floats(&out), [Some(0.5), Some(2.5), Some(4.5)]);
    assert_eq!(labels(&out), [midnight, midnight + 2 * H, midnight + 4 * H]);
    assert_eq!(
        out.index_metadata().time_zone.as_deref(),
        Some("America/Toronto")
    );
    assert_eq!(
        out.index_metadata().dtype,
        "datetime64[ns, America/Toronto]"
    );

    // Daily bins follow the local calendar: 2024-03-09 has 24 h, 03-10 has 23 h, 03-11 24 h,
    // and the 72nd hour falls on 03-12.
    let day_before = midnight - 24 * H;
    let out = run(toronto(day_before, 72, |i| i as f64), resample("D")).unwrap();
    let mean = |a: i64, b: i64| (a..b).sum::<i64>() as f64 / (b - a) as f64;
    assert_eq!(
        floats(&out),
        [
            Some(mean(0, 24)),
            Some(mean(24, 47)),
            Some(mean(47, 71)),
            Some(71.0)
        ]
    );
    // 2024-03-11 00:00 EDT is 04:00 UTC.
    assert_eq!(
        labels(&out),
        [day_before, midnight, midnight + 23 * H, midnight + 47 * H]
    );

    let interpolated = run(
        toronto(midnight, 3, |i| if i == 1 { f64::NAN } else { i as f64 }),
        linear_interpolation(),
    )
    .unwrap();
    assert_eq!(floats(&interpolated), [Some(0.0), Some(1.0), Some(2.0)]);
    assert_eq!(
        interpolated.index_kind(),
        IndexKind::Datetime {
            unit: TimeUnit::Nanoseconds,
            time_zone: Some("America/Toronto".into())
        }
    );
}

#[test]
fn non_datetime_index_is_named_in_the_error() {
    let positional =
        TimeSeries::with_range_index("RAW", 0, 1, Series::new("v".into(), [1.0, 2.0])).unwrap();
    let errors = [
        run(positional.clone(), resample("h")).unwrap_err(),
        run(positional.clone(), linear_interpolation()).unwrap_err(),
        run(positional.clone(), subset(0, 1, true)).unwrap_err(),
        run(positional.clone(), predict_from_previous_point()).unwrap_err(),
    ];
    for err in errors {
        let text = err.to_string();
        assert!(
            text.contains("A#1_RAW#1") && text.contains("RangeIndex"),
            "{text}"
        );
    }
    let text_index = TimeSeries::new(
        "RAW",
        Series::new("i".into(), ["a", "b"]),
        Series::new("v".into(), [1.0, 2.0]),
    )
    .unwrap();
    let err = run(
        text_index,
        normalize_index_to_numeric_delta("s", ParamValue::Null),
    )
    .unwrap_err();
    assert!(err.to_string().contains("Index (object)"), "{err}");
    let words = TimeSeries::new(
        "RAW",
        datetime_index(vec![T0], None),
        Series::new("v".into(), ["x"]),
    )
    .unwrap();
    let err = run(words, resample("h")).unwrap_err();
    assert!(err.to_string().contains("str values"), "{err}");
}
