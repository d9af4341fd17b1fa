//! Polars columns to typed SQL columns and back.

use meteaudata_storage::{Result, StorageError};
use polars::prelude::*;
use sea_orm::{Value, sqlx};

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

/// One cell of a points column, borrowed from the frame.
#[derive(Clone, Copy)]
pub(crate) enum Cell<'a> {
    Int(Option<i64>),
    Float(Option<f64>),
    Text(Option<&'a str>),
    Bool(Option<bool>),
}

/// A points column, read in place (one chunk, so a cell is a direct lookup).
pub(crate) enum Cells {
    Int(Int64Chunked),
    Float(Float64Chunked),
    Text(StringChunked),
    Bool(BooleanChunked),
}

impl Cells {
    /// The cells of `column`, typed by its family (datetimes and durations as their ticks).
    pub(crate) fn of(column: &Series, family: Family) -> Result<Cells> {
        let column = column.rechunk();
        Ok(match family {
            Family::Int => Cells::Int(column.to_physical_repr().i64()?.clone()),
            Family::Float => Cells::Float(column.f64()?.clone()),
            Family::Text => Cells::Text(column.str()?.clone()),
            Family::Bool => Cells::Bool(column.bool()?.clone()),
        })
    }

    /// The cell at `row`.
    pub(crate) fn get(&self, row: usize) -> Cell<'_> {
        match self {
            Cells::Int(c) => Cell::Int(c.get(row)),
            Cells::Float(c) => Cell::Float(c.get(row)),
            Cells::Text(c) => Cell::Text(c.get(row)),
            Cells::Bool(c) => Cell::Bool(c.get(row)),
        }
    }
}

/// The two columns of a series frame as they go into the points table: the names of their
/// typed columns and their cells.
pub(crate) struct PointColumns {
    /// The points-table column of the index (`index_int`, …).
    pub(crate) index_col: &'static str,
    /// The points-table column of the values (`value_float`, …).
    pub(crate) value_col: &'static str,
    /// The index cells.
    pub(crate) index: Cells,
    /// The value cells.
    pub(crate) values: Cells,
}

impl PointColumns {
    /// The columns of `frame` (index first, values second).
    pub(crate) fn of(frame: &DataFrame) -> Result<PointColumns> {
        let index = frame.columns()[0].as_materialized_series();
        let values = frame.columns()[1].as_materialized_series();
        let (index_col, index_family) = index_column(index.dtype())?;
        let (value_col, value_family) = value_column(values.dtype())?;
        Ok(PointColumns {
            index_col,
            value_col,
            index: Cells::of(index, index_family)?,
            values: Cells::of(values, value_family)?,
        })
    }
}

impl From<Cell<'_>> for Value {
    fn from(cell: Cell<'_>) -> Value {
        match cell {
            Cell::Int(v) => Value::BigInt(v),
            Cell::Float(v) => Value::Double(v),
            Cell::Text(v) => Value::String(v.map(str::to_owned)),
            Cell::Bool(v) => Value::Bool(v),
        }
    }
}

/// One column of query rows being collected, typed by its family.
pub(crate) enum Builder {
    Int(Vec<Option<i64>>),
    Float(Vec<Option<f64>>),
    Text(Vec<Option<String>>),
    Bool(Vec<Option<bool>>),
}

impl Builder {
    /// An empty column of `dtype` with room for `capacity` rows.
    pub(crate) fn new(dtype: &DataType, role: &str, capacity: usize) -> Result<Builder> {
        Ok(match family(dtype, role)? {
            Family::Int => Builder::Int(Vec::with_capacity(capacity)),
            Family::Float => Builder::Float(Vec::with_capacity(capacity)),
            Family::Text => Builder::Text(Vec::with_capacity(capacity)),
            Family::Bool => Builder::Bool(Vec::with_capacity(capacity)),
        })
    }

    /// Appends cell `at` of `row`.
    pub(crate) fn push<'r, R>(&mut self, row: &'r R, at: usize) -> Result<(), sqlx::Error>
    where
        R: sqlx::Row,
        usize: sqlx::ColumnIndex<R>,
        i64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
        f64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
        String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
        bool: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    {
        match self {
            Builder::Int(v) => v.push(row.try_get(at)?),
            Builder::Float(v) => v.push(row.try_get(at)?),
            Builder::Text(v) => v.push(row.try_get(at)?),
            Builder::Bool(v) => v.push(row.try_get(at)?),
        }
        Ok(())
    }

    /// The number of rows collected.
    pub(crate) fn len(&self) -> usize {
        match self {
            Builder::Int(v) => v.len(),
            Builder::Float(v) => v.len(),
            Builder::Text(v) => v.len(),
            Builder::Bool(v) => v.len(),
        }
    }

    /// The collected column as a series of `dtype` named `name`.
    pub(crate) fn finish(self, name: &str, dtype: &DataType) -> Series {
        let name = PlSmallStr::from(name);
        match self {
            Builder::Int(v) => {
                let ca = Int64Chunked::from_iter_options(name, v.into_iter());
                match dtype {
                    DataType::Datetime(unit, tz) => {
                        ca.into_datetime(*unit, tz.clone()).into_series()
                    }
                    DataType::Duration(unit) => ca.into_duration(*unit).into_series(),
                    _ => ca.into_series(),
                }
            }
            Builder::Float(v) => Series::new(name, v),
            Builder::Text(v) => Series::new(name, v),
            Builder::Bool(v) => Series::new(name, v),
        }
    }
}

/// The frame of a loaded series from its collected columns; `Corrupt` when the number of
/// points differs from the `length` its series row records.
pub(crate) fn points_frame(
    key: &str,
    length: usize,
    (index, index_type): (Builder, &DataType),
    (values, values_type): (Builder, &DataType),
) -> Result<DataFrame> {
    if index.len() != length {
        return Err(StorageError::Corrupt {
            key: key.to_owned(),
            reason: format!("{length} points recorded, {} found", index.len()),
        });
    }
    Ok(DataFrame::new(
        length,
        vec![
            index.finish("index", index_type).into(),
            values.finish("values", values_type).into(),
        ],
    )?)
}
