//! Polars columns to typed SQL columns and back.

use meteaudata_storage::{Result, StorageError};
use polars::prelude::*;
use sea_orm::{QueryResult, Value};

/// The SQL type family of a column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Family {
    Int,
    Float,
    Text,
    Bool,
}

fn family(dtype: &DataType, role: &str) -> Result<Family> {
    Ok(match dtype {
        DataType::Int64 | DataType::Datetime(..) | DataType::Duration(..) => Family::Int,
        DataType::Float64 => Family::Float,
        DataType::String => Family::Text,
        DataType::Boolean if role == "value" => Family::Bool,
        other => {
            return Err(StorageError::InvalidConfig(format!(
                "the SQL backend cannot store a {role} column of type {other}"
            )));
        }
    })
}

/// The points-table column that holds an index of `dtype`.
pub(crate) fn index_column(dtype: &DataType) -> Result<(&'static str, Family)> {
    let f = family(dtype, "index")?;
    Ok((
        match f {
            Family::Int => "index_int",
            Family::Float => "index_float",
            _ => "index_text",
        },
        f,
    ))
}

/// The points-table column that holds values of `dtype`.
pub(crate) fn value_column(dtype: &DataType) -> Result<(&'static str, Family)> {
    let f = family(dtype, "value")?;
    Ok((
        match f {
            Family::Int => "value_int",
            Family::Float => "value_float",
            Family::Text => "value_text",
            Family::Bool => "value_bool",
        },
        f,
    ))
}

/// The cells of a column as SQL values.
pub(crate) fn to_values(column: &Column, family: Family) -> Result<Vec<Value>> {
    let series = column.as_materialized_series();
    Ok(match family {
        Family::Int => series
            .to_physical_repr()
            .i64()?
            .iter()
            .map(Value::BigInt)
            .collect(),
        Family::Float => series.f64()?.iter().map(Value::Double).collect(),
        Family::Text => series
            .str()?
            .iter()
            .map(|v| Value::String(v.map(str::to_owned)))
            .collect(),
        Family::Bool => series.bool()?.iter().map(Value::Bool).collect(),
    })
}

/// Collects one column of query rows into a series of `dtype`.
pub(crate) fn from_rows(
    name: &str,
    rows: &[QueryResult],
    at: usize,
    dtype: &DataType,
) -> Result<Series> {
    let fail =
        |e: sea_orm::DbErr| StorageError::backend("sql", format!("cannot read column {name}"), e);
    let name = PlSmallStr::from(name);
    let series = match family(dtype, if at == 0 { "index" } else { "value" })? {
        Family::Int => {
            let v: Vec<Option<i64>> = rows
                .iter()
                .map(|r| r.try_get_by_index(at))
                .collect::<Result<_, _>>()
                .map_err(fail)?;
            let ca = Int64Chunked::from_iter_options(name, v.into_iter());
            match dtype {
                DataType::Datetime(unit, tz) => ca.into_datetime(*unit, tz.clone()).into_series(),
                DataType::Duration(unit) => ca.into_duration(*unit).into_series(),
                _ => ca.into_series(),
            }
        }
        Family::Float => {
            let v: Vec<Option<f64>> = rows
                .iter()
                .map(|r| r.try_get_by_index(at))
                .collect::<Result<_, _>>()
                .map_err(fail)?;
            Series::new(name, v)
        }
        Family::Text => {
            let v: Vec<Option<String>> = rows
                .iter()
                .map(|r| r.try_get_by_index(at))
                .collect::<Result<_, _>>()
                .map_err(fail)?;
            Series::new(name, v)
        }
        Family::Bool => {
            let v: Vec<Option<bool>> = rows
                .iter()
                .map(|r| r.try_get_by_index(at))
                .collect::<Result<_, _>>()
                .map_err(fail)?;
            Series::new(name, v)
        }
    };
    Ok(series)
}
