//! One series as a two-column CSV (`<index>,<series name>`), written with pandas' conventions
//! and read back with the types its metadata records.

use chrono_tz::Tz;
use meteaudata_core::index::unit_nanos;
use meteaudata_core::polars::prelude::*;
use meteaudata_core::{IndexKind, TimeSeries, TimeSeriesMetadata};

use crate::labels::{Cells, format_duration, parse_datetime, parse_duration, write_datetimes};
use crate::layout::CsvLayout;

/// The text cells of a column (empty for a missing value), as pandas writes them.
fn cells(series: &Series) -> PolarsResult<Cells> {
    use std::io::Write;
    let mut cells = Cells::with_capacity(series.len(), 20);
    let tick = |unit: &TimeUnit| unit_nanos(*unit);
    match series.dtype() {
        DataType::Datetime(unit, tz) => {
            let zone: Option<Tz> = tz.as_ref().and_then(|t| t.parse().ok());
            let physical = series.to_physical_repr();
            let nanos: Vec<Option<i64>> = physical
                .i64()?
                .iter()
                .map(|v| v.map(|t| t * tick(unit)))
                .collect();
            write_datetimes(&nanos, zone, &mut cells);
        }
        DataType::Duration(unit) => {
            let physical = series.to_physical_repr();
            for v in physical.i64()?.iter() {
                if let Some(t) = v {
                    cells
                        .buffer()
                        .extend_from_slice(format_duration(t * tick(unit)).as_bytes());
                }
                cells.end();
            }
        }
        DataType::Float64 => {
            for v in series.f64()?.iter() {
                if let Some(x) = v {
                    write_python_float(cells.buffer(), x);
                }
                cells.end();
            }
        }
        DataType::Int64 => {
            for v in series.i64()?.iter() {
                if let Some(x) = v {
                    let _ = write!(cells.buffer(), "{x}");
                }
                cells.end();
            }
        }
        DataType::Boolean => {
            for v in series.bool()?.iter() {
                if let Some(b) = v {
                    let text: &[u8] = if b { b"True" } else { b"False" };
                    cells.buffer().extend_from_slice(text);
                }
                cells.end();
            }
        }
        _ => {
            for v in series.str()?.iter() {
                if let Some(text) = v {
                    cells.buffer().extend_from_slice(text.as_bytes());
                }
                cells.end();
            }
        }
    }
    Ok(cells)
}

/// Appends `x` as Python's `repr` writes a float: the shortest text that reads back exactly,
/// in positional form from 1e-4 up to 1e16 and otherwise as `<digits>e<sign><2+ digits>`
/// (`1e+300`, `1.5e-07`). Rust's `{:?}` picks the same digits and the same switch-over points
/// but writes exponents bare (`1e300`, `1.5e-7`), so only the exponent is rewritten.
fn write_python_float(out: &mut Vec<u8>, x: f64) {
    use std::io::Write;
    let start = out.len();
    let _ = write!(out, "{x:?}");
    let Some(e) = out[start..].iter().position(|&b| b == b'e') else {
        return;
    };
    let exponent = out.split_off(start + e + 1);
    let (sign, digits) = match exponent.split_first() {
        Some((b'-', rest)) => (b'-', rest),
        _ => (b'+', &exponent[..]),
    };
    out.push(sign);
    if digits.len() < 2 {
        out.push(b'0');
    }
    out.extend_from_slice(digits);
}

/// Appends `cell` to `out`, quoted as CSV requires when it holds the separator, a quote or a
/// line break.
fn push_cell(out: &mut Vec<u8>, cell: &[u8], separator: u8) {
    if cell
        .iter()
        .any(|&b| b == separator || b == b'"' || b == b'\n' || b == b'\r')
    {
        out.push(b'"');
        for &b in cell {
            if b == b'"' {
                out.push(b'"');
            }
            out.push(b);
        }
        out.push(b'"');
    } else {
        out.extend_from_slice(cell);
    }
}

/// Rows formatted or parsed together: a block of CSV text is a few MiB.
const BLOCK_ROWS: usize = 1 << 16;

/// Why writing a table failed: its data, or the writer.
pub(crate) enum WriteFailure {
    /// The series' data could not be read or formatted.
    Data(String),
    /// The writer failed.
    Io(std::io::Error),
}

/// Writes the CSV text of a series into `out`: the header rows (by default one, `,<name>`),
/// then `<label>,<value>` rows, missing values as empty fields, `\n` line ends. Rows are
/// formatted a block at a time on a second thread while this one writes (and the archive
/// compresses) the previous block, with at most two blocks waiting: memory stays a few
/// blocks whatever the series' length.
pub(crate) fn write(
    ts: &TimeSeries,
    separator: u8,
    header: &[[String; 2]],
    out: &mut dyn std::io::Write,
) -> Result<(), WriteFailure> {
    let data = ts.data().map_err(|e| WriteFailure::Data(e.to_string()))?;
    let labels = data.columns()[0].as_materialized_series();
    let values = data.columns()[1].as_materialized_series();
    let mut head = Vec::new();
    for [index, value] in header {
        push_cell(&mut head, index.as_bytes(), separator);
        head.push(separator);
        push_cell(&mut head, value.as_bytes(), separator);
        head.push(b'\n');
    }
    out.write_all(&head).map_err(WriteFailure::Io)?;
    let rows = data.height();
    std::thread::scope(|scope| {
        let (blocks, received) = std::sync::mpsc::sync_channel(2);
        scope.spawn(move || {
            for start in (0..rows).step_by(BLOCK_ROWS) {
                let len = BLOCK_ROWS.min(rows - start);
                let block = format_rows(
                    &labels.slice(start as i64, len),
                    &values.slice(start as i64, len),
                    separator,
                );
                // The writer stops receiving after a failure: stop formatting too.
                if blocks.send(block).is_err() {
                    return;
                }
            }
        });
        for block in received {
            let block = block.map_err(|e: PolarsError| WriteFailure::Data(e.to_string()))?;
            out.write_all(&block).map_err(WriteFailure::Io)?;
        }
        Ok(())
    })
}

/// The `<label>,<value>` rows of equally long columns.
fn format_rows(labels: &Series, values: &Series, separator: u8) -> PolarsResult<Vec<u8>> {
    let labels = cells(labels)?;
    let values = cells(values)?;
    let mut out = Vec::with_capacity(labels.len() * 40);
    for i in 0..labels.len() {
        push_cell(&mut out, labels.get(i), separator);
        out.push(separator);
        push_cell(&mut out, values.get(i), separator);
        out.push(b'\n');
    }
    Ok(out)
}

/// The unit and zone of a pandas dtype string (`datetime64[ns, UTC]`; seconds become ms).
fn datetime_dtype(dtype: &str) -> Option<(TimeUnit, Option<String>)> {
    let inner = dtype.strip_prefix("datetime64[")?.strip_suffix(']')?;
    let (unit, tz) = inner
        .split_once(", ")
        .map_or((inner, None), |(u, tz)| (u, Some(tz.to_owned())));
    let unit = match unit {
        "us" => TimeUnit::Microseconds,
        "ms" | "s" => TimeUnit::Milliseconds,
        _ => TimeUnit::Nanoseconds,
    };
    Some((unit, tz))
}

fn datetime_column(
    name: &str,
    texts: &[Option<&str>],
    unit: TimeUnit,
    tz: Option<String>,
) -> Result<Series, String> {
    let zone: Option<Tz> = match &tz {
        Some(t) => Some(t.parse().map_err(|_| format!("unknown time zone {t:?}"))?),
        None => None,
    };
    let tick = unit_nanos(unit);
    let values = texts
        .iter()
        .map(|t| match t {
            None => Ok(None),
            Some(t) => parse_datetime(t, zone)
                .map(|n| Some(n.div_euclid(tick)))
                .ok_or_else(|| format!("{t:?} is not a date and time")),
        })
        .collect::<Result<Vec<_>, _>>()?;
    let tz = TimeZone::opt_try_new(tz).map_err(|e| e.to_string())?;
    Ok(
        Int64Chunked::from_iter_options(name.into(), values.into_iter())
            .into_datetime(unit, tz)
            .into_series(),
    )
}

fn parsed<T: std::str::FromStr>(
    name: &str,
    texts: &[Option<&str>],
    what: &str,
) -> Result<Vec<Option<T>>, String> {
    texts
        .iter()
        .map(|t| match t {
            None => Ok(None),
            Some(t) => t
                .parse::<T>()
                .map(Some)
                .map_err(|_| format!("{name}: {t:?} is not {what}")),
        })
        .collect()
}

fn float_cell(t: &str) -> Option<Option<f64>> {
    match t {
        "nan" | "NaN" => Some(None),
        "inf" => Some(Some(f64::INFINITY)),
        "-inf" => Some(Some(f64::NEG_INFINITY)),
        other => other.parse().ok().map(Some),
    }
}

/// Reads a series from its CSV with the types its metadata records (never guessed: text
/// that looks like numbers stays text in a string series). The separator and header depth
/// come from the archive's layout, or are sniffed for archives that record none.
///
/// The text streams: this thread reads `source` (decompressing it) and cuts it into blocks of
/// whole rows; a second thread splits and parses each block into typed columns, so memory
/// holds the parsed columns and a few blocks of text, never the whole text.
pub(crate) fn read(
    source: &mut dyn std::io::Read,
    name: &str,
    metadata: &TimeSeriesMetadata,
    layout: &CsvLayout,
) -> Result<TimeSeries, String> {
    read_in_blocks(source, name, metadata, layout, BLOCK_BYTES)
}

/// [`read`] with blocks of about `block_bytes` bytes.
fn read_in_blocks(
    source: &mut dyn std::io::Read,
    name: &str,
    metadata: &TimeSeriesMetadata,
    layout: &CsvLayout,
    block_bytes: usize,
) -> Result<TimeSeries, String> {
    let mut blocks = Blocks {
        source,
        block_bytes,
        carry: Vec::new(),
        done: false,
    };
    let first = blocks.next_block()?;
    let separator = layout
        .separator()
        .unwrap_or_else(|| sniff_separator(&first));
    let header_rows = layout.header_rows(name);
    let (index, values) = std::thread::scope(|scope| {
        let (send, received) = std::sync::mpsc::sync_channel::<Vec<u8>>(2);
        let parser = scope.spawn(move || {
            let mut columns = Columns::default();
            for block in received {
                columns.parse(&block, separator, header_rows, name, metadata)?;
            }
            columns.finish(name, metadata)
        });
        let mut block = first;
        loop {
            let last = block.is_empty();
            // A send fails only when the parser stopped on an error, which join reports.
            if send.send(block).is_err() || last {
                break;
            }
            match blocks.next_block() {
                Ok(next) => block = next,
                Err(e) => {
                    drop(send);
                    let _ = parser.join();
                    return Err(e);
                }
            }
        }
        drop(send);
        parser
            .join()
            .map_err(|_| "the CSV parser failed".to_owned())?
    })?;
    assemble(name, index, values, metadata)
}

/// Cuts a CSV stream into blocks of whole rows (never inside a quoted cell).
struct Blocks<'a> {
    source: &'a mut dyn std::io::Read,
    /// The size a block grows to before it is cut.
    block_bytes: usize,
    /// Bytes read past the last cut, the start of the next block.
    carry: Vec<u8>,
    done: bool,
}

/// The size a block of CSV text grows to before it is cut.
const BLOCK_BYTES: usize = 4 << 20;

impl Blocks<'_> {
    /// Reads until `block` holds `want` bytes or the stream ends.
    fn fill(&mut self, block: &mut Vec<u8>, want: usize) -> Result<(), String> {
        use std::io::Read;
        let need = want.saturating_sub(block.len()) as u64;
        let read = (&mut *self.source)
            .take(need)
            .read_to_end(block)
            .map_err(|e| e.to_string())?;
        if (read as u64) < need {
            self.done = true;
        }
        Ok(())
    }

    /// The next block of whole rows; empty at the end of the stream.
    fn next_block(&mut self) -> Result<Vec<u8>, String> {
        let mut block = std::mem::take(&mut self.carry);
        block.reserve(self.block_bytes);
        self.fill(&mut block, self.block_bytes)?;
        let mut row_ends = RowEnds::default();
        loop {
            if self.done {
                return Ok(block);
            }
            // Cut after the last line end outside quotes; the rest starts the next block.
            if let Some(end) = row_ends.last_in(&block) {
                self.carry = block.split_off(end + 1);
                return Ok(block);
            }
            // One row longer than a block (a huge quoted cell): read on.
            let want = block.len() + self.block_bytes;
            self.fill(&mut block, want)?;
        }
    }
}

/// Finds the last `\n` outside a quoted cell of a text that grows between calls (quotes pair
/// up, a doubled quote inside a cell counting twice), looking at each byte once: a row longer
/// than many blocks costs a pass over its bytes, not one per block read.
#[derive(Default)]
struct RowEnds {
    /// Bytes of the text already looked at.
    scanned: usize,
    /// Whether the text looked at ends inside a quoted cell.
    quoted: bool,
    /// The last row end found so far.
    last: Option<usize>,
}

impl RowEnds {
    /// The position of the last row end of `text`, which holds the text of the previous
    /// calls and perhaps more.
    fn last_in(&mut self, text: &[u8]) -> Option<usize> {
        let new = &text[self.scanned.min(text.len())..];
        if memchr::memchr(b'"', new).is_none() {
            if !self.quoted
                && let Some(at) = memchr::memrchr(b'\n', new)
            {
                self.last = Some(self.scanned + at);
            }
        } else {
            for at in memchr::memchr2_iter(b'"', b'\n', new) {
                if new[at] == b'"' {
                    self.quoted = !self.quoted;
                } else if !self.quoted {
                    self.last = Some(self.scanned + at);
                }
            }
        }
        self.scanned = text.len();
        self.last
    }
}

/// The columns parsed so far, a chunk per block.
#[derive(Default)]
struct Columns {
    /// Rows seen, header rows included.
    rows: usize,
    /// Data rows parsed.
    data_rows: usize,
    /// The header depth and the header rows still to skip (known from the first block).
    header: Option<(usize, usize)>,
    index: Vec<Index>,
    values: Vec<Series>,
}

impl Columns {
    /// Splits a block of whole rows and parses its cells.
    fn parse(
        &mut self,
        block: &[u8],
        separator: u8,
        header_rows: Option<usize>,
        name: &str,
        metadata: &TimeSeriesMetadata,
    ) -> Result<(), String> {
        let (labels, values) = split_rows(block, separator)?;
        let labels = labels.texts().map_err(|e| format!("index labels: {e}"))?;
        let values = values.texts().map_err(|e| format!("values: {e}"))?;
        let (depth, skip) = *self.header.get_or_insert_with(|| {
            let depth = header_rows.unwrap_or_else(|| sniff_header_rows(&labels, metadata));
            (depth, depth)
        });
        let from = skip.min(labels.len());
        self.header = Some((depth, skip - from));
        self.rows += labels.len();
        if from == labels.len() {
            return Ok(());
        }
        self.index.push(parse_index(
            name,
            &labels[from..],
            metadata,
            self.data_rows,
        )?);
        self.values
            .push(value_series(name, &values[from..], &metadata.values_dtype)?);
        self.data_rows += labels.len() - from;
        Ok(())
    }

    /// The whole index and values, the blocks' chunks appended.
    fn finish(self, name: &str, metadata: &TimeSeriesMetadata) -> Result<(Index, Series), String> {
        if let Some((depth, skip)) = self.header
            && skip > 0
        {
            return Err(format!(
                "expected {depth} header rows, the file has {}",
                self.rows
            ));
        }
        let mut index = self.index.into_iter();
        let mut values = self.values.into_iter();
        let (Some(first_index), Some(mut all_values)) = (index.next(), values.next()) else {
            return Ok((
                parse_index(name, &[], metadata, 0)?,
                value_series(name, &[], &metadata.values_dtype)?,
            ));
        };
        for chunk in values {
            all_values.append(&chunk).map_err(|e| e.to_string())?;
        }
        let index = match first_index {
            range @ Index::Range { .. } => range,
            Index::Labels(mut all) => {
                for chunk in index {
                    if let Index::Labels(chunk) = chunk {
                        all.append(&chunk).map_err(|e| e.to_string())?;
                    }
                }
                Index::Labels(all.rechunk())
            }
        };
        Ok((index, all_values.rechunk()))
    }
}

/// The label and value cells of a block of whole rows, unquoted; an error for a row that
/// does not have exactly two fields.
fn split_rows(block: &[u8], separator: u8) -> Result<(Cells, Cells), String> {
    let mut labels = Cells::with_capacity(block.len() / 32, 20);
    let mut values = Cells::with_capacity(block.len() / 32, 12);
    if memchr::memchr(b'"', block).is_none() {
        // No quoting: a row is a line, its fields are separated by the one separator.
        for line in block.split(|&b| b == b'\n') {
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            if line.is_empty() {
                continue;
            }
            let Some(at) = memchr::memchr(separator, line) else {
                return Err("a row has 1 fields, expected 2".into());
            };
            let (label, value) = (&line[..at], &line[at + 1..]);
            if memchr::memchr(separator, value).is_some() {
                let fields = 2 + memchr::memchr_iter(separator, value).count();
                return Err(format!("a row has {fields} fields, expected 2"));
            }
            labels.buffer().extend_from_slice(label);
            labels.end();
            values.buffer().extend_from_slice(value);
            values.end();
        }
        return Ok((labels, values));
    }
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(separator)
        .from_reader(block);
    let mut record = csv::ByteRecord::new();
    while reader
        .read_byte_record(&mut record)
        .map_err(|e| e.to_string())?
    {
        if record.len() != 2 {
            return Err(format!("a row has {} fields, expected 2", record.len()));
        }
        labels.buffer().extend_from_slice(&record[0]);
        labels.end();
        values.buffer().extend_from_slice(&record[1]);
        values.end();
    }
    Ok((labels, values))
}

/// The separator of a CSV without a recorded layout: the first of `,`, `;`, tab and `|` in
/// its first line (`,` when none is).
fn sniff_separator(bytes: &[u8]) -> u8 {
    let first_line = bytes.split(|&b| b == b'\n').next().unwrap_or_default();
    [b',', b';', b'\t', b'|']
        .into_iter()
        .find(|c| first_line.contains(c))
        .unwrap_or(b',')
}

/// The header depth of a CSV without a recorded layout: the first row, and the rows after it
/// whose first cell is not an index label of the recorded kind.
fn sniff_header_rows(labels: &[Option<&str>], metadata: &TimeSeriesMetadata) -> usize {
    let md = &metadata.index_metadata;
    let is_label = |cell: &Option<&str>| -> bool {
        let Some(text) = *cell else {
            return false;
        };
        match md.index_type.as_str() {
            "DatetimeIndex" => parse_datetime(text, None).is_some(),
            "TimedeltaIndex" => parse_duration(text).is_some(),
            "RangeIndex" => text.parse::<i64>().is_ok(),
            _ => match md.dtype.as_str() {
                "int64" => text.parse::<i64>().is_ok(),
                "float64" => float_cell(text).is_some(),
                _ => true,
            },
        }
    };
    1 + labels.iter().skip(1).take_while(|c| !is_label(c)).count()
}

/// The value column from its text cells, typed by the recorded pandas dtype.
fn value_series(name: &str, values: &[Option<&str>], dtype: &str) -> Result<Series, String> {
    Ok(match dtype {
        "float64" | "float32" => {
            let v = values
                .iter()
                .map(|t| match t {
                    None => Ok(None),
                    Some(t) => float_cell(t).ok_or_else(|| format!("{t:?} is not a number")),
                })
                .collect::<Result<Vec<_>, _>>()?;
            Series::new("values".into(), v)
        }
        "int64" | "int32" => {
            Series::new("values".into(), parsed::<i64>(name, values, "an integer")?)
        }
        "bool" => {
            let v = values
                .iter()
                .map(|t| match *t {
                    None => Ok(None),
                    Some("True" | "true") => Ok(Some(true)),
                    Some("False" | "false") => Ok(Some(false)),
                    Some(t) => Err(format!("{t:?} is not True or False")),
                })
                .collect::<Result<Vec<_>, _>>()?;
            Series::new("values".into(), v)
        }
        dtype if dtype.starts_with("datetime64[") => {
            let (unit, tz) =
                datetime_dtype(dtype).ok_or_else(|| format!("unknown dtype {dtype:?}"))?;
            datetime_column("values", values, unit, tz)?
        }
        _ => Series::new("values".into(), values.to_vec()),
    })
}

/// A series from its index labels as pandas prints them (`2024-01-01 00:00:00`,
/// `…+00:00`, `0 days 00:30:00`, integers) and its values, typed by its metadata.
pub(crate) fn from_labels(
    name: &str,
    labels: &[Option<&str>],
    values: Series,
    metadata: &TimeSeriesMetadata,
) -> Result<TimeSeries, String> {
    let index = parse_index(name, labels, metadata, 0)?;
    assemble(name, index, values, metadata)
}

/// A parsed index: a positional range or labels.
enum Index {
    Range { start: i64, step: i64 },
    Labels(Series),
}

/// Parses index labels with the kind and dtype the metadata records; `first` is the row
/// number of the first label (a range index is checked against its recorded start and step).
fn parse_index(
    name: &str,
    labels: &[Option<&str>],
    metadata: &TimeSeriesMetadata,
    first: usize,
) -> Result<Index, String> {
    if labels.iter().any(Option::is_none) {
        return Err("an index label is empty".into());
    }
    let md = &metadata.index_metadata;
    Ok(match md.index_type.as_str() {
        "RangeIndex" => {
            let start = md.start.unwrap_or(0);
            let step = md.step.unwrap_or(1);
            let got = parsed::<i64>(name, labels, "an integer label")?;
            let first = first as i64;
            let expected = (first..first + labels.len() as i64).map(|i| start + i * step);
            if got.iter().flatten().copied().ne(expected) {
                return Err("the labels do not follow the recorded RangeIndex".into());
            }
            Index::Range { start, step }
        }
        "DatetimeIndex" => {
            let (unit, _) = datetime_dtype(&md.dtype).unwrap_or((TimeUnit::Nanoseconds, None));
            Index::Labels(datetime_column(
                "index",
                labels,
                unit,
                md.time_zone.clone(),
            )?)
        }
        "TimedeltaIndex" => {
            let ticks = labels
                .iter()
                .map(|t| {
                    (*t).and_then(parse_duration)
                        .ok_or_else(|| format!("{t:?} is not a duration"))
                })
                .collect::<Result<Vec<_>, _>>()?;
            Index::Labels(
                Int64Chunked::from_vec("index".into(), ticks)
                    .into_duration(TimeUnit::Nanoseconds)
                    .into_series(),
            )
        }
        _ => Index::Labels(match md.dtype.as_str() {
            "int64" => Series::new(
                "index".into(),
                parsed::<i64>(name, labels, "an integer label")?,
            ),
            "float64" => {
                let v = labels
                    .iter()
                    .map(|t| t.and_then(float_cell).flatten())
                    .collect::<Vec<_>>();
                Series::new("index".into(), v)
            }
            _ => Series::new("index".into(), labels.to_vec()),
        }),
    })
}

/// The series from its parsed index and values, with its metadata.
fn assemble(
    name: &str,
    index: Index,
    values: Series,
    metadata: &TimeSeriesMetadata,
) -> Result<TimeSeries, String> {
    let series = match index {
        Index::Range { start, step } => TimeSeries::with_range_index(name, start, step, values),
        Index::Labels(index) => TimeSeries::new(name, index, values),
    }
    .map_err(|e| e.to_string())?;
    series.with_metadata(metadata).map_err(|e| e.to_string())
}

/// Whether `kind` is one an archive can hold.
pub(crate) fn supported(kind: &IndexKind) -> bool {
    !matches!(kind, IndexKind::Duration { unit } if *unit != TimeUnit::Nanoseconds)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `ts` written as CSV (with `header`) and read back in blocks of `block_bytes`.
    fn round_trip(ts: &TimeSeries, header: &[[String; 2]], block_bytes: usize) -> TimeSeries {
        let mut text = Vec::new();
        if write(ts, b',', header, &mut text).is_err() {
            panic!("cannot write {}", ts.name());
        }
        let mut layout = CsvLayout::new(b',');
        layout.record(ts.name(), header.len());
        read_in_blocks(
            &mut text.as_slice(),
            ts.name(),
            &ts.metadata(),
            &layout,
            block_bytes,
        )
        .unwrap()
    }

    fn header(name: &str) -> Vec<[String; 2]> {
        vec![[String::new(), name.to_owned()]]
    }

    #[test]
    fn a_row_end_inside_quotes_is_never_a_cut() {
        let last_row_end = |text: &[u8]| RowEnds::default().last_in(text);
        assert_eq!(last_row_end(b"a,1\nb,2\nc"), Some(7));
        assert_eq!(last_row_end(b"a,1\nb,\"x\ny\"\nc"), Some(11));
        assert_eq!(last_row_end(b"a,1\nb,\"x\ny"), Some(3));
        assert_eq!(last_row_end(b"a,\"\"\"\n\"\n"), Some(7));
        assert_eq!(last_row_end(b"no line end"), None);
    }

    #[test]
    fn row_ends_found_as_the_text_grows_are_those_of_the_whole_text() {
        let text = b"a,1\nb,\"x\n\"\"y\"\nc,\"\n\n\"\nd,2\ne,\"z";
        let whole = |len: usize| RowEnds::default().last_in(&text[..len]);
        // Every way of growing the text in two or three steps.
        for first in 0..=text.len() {
            for second in first..=text.len() {
                let mut ends = RowEnds::default();
                assert_eq!(ends.last_in(&text[..first]), whole(first));
                assert_eq!(ends.last_in(&text[..second]), whole(second));
                assert_eq!(ends.last_in(text), whole(text.len()), "{first} {second}");
            }
        }
        assert_eq!(whole(text.len()), Some(24));
    }

    #[test]
    fn text_cells_with_quotes_and_line_breaks_survive_any_block_size() {
        let cells: Vec<String> = (0..300)
            .map(|i| match i % 4 {
                0 => format!("plain {i}"),
                1 => format!("comma, {i}"),
                2 => format!("line\nbreak \"{i}\""),
                _ => "x".repeat(i),
            })
            .collect();
        let ts = TimeSeries::new(
            "S#1_RAW#1",
            Series::new(
                "index".into(),
                (0..300i64).map(|i| i * 7).collect::<Vec<_>>(),
            ),
            Series::new("values".into(), cells),
        )
        .unwrap();
        let whole = round_trip(&ts, &header("S#1_RAW#1"), BLOCK_BYTES);
        assert_eq!(whole.data().unwrap(), ts.data().unwrap());
        for block_bytes in [1, 5, 64, 1000] {
            let back = round_trip(&ts, &header("S#1_RAW#1"), block_bytes);
            assert_eq!(back.data().unwrap(), whole.data().unwrap(), "{block_bytes}");
        }
    }

    #[test]
    fn a_range_index_and_deep_headers_span_blocks() {
        let values: Vec<Option<f64>> = (0..5000)
            .map(|i| (i % 9 != 0).then(|| f64::from(i) / 3.0))
            .collect();
        let ts = TimeSeries::with_range_index("S#1_RAW#1", 10, 3, Series::new("v".into(), values))
            .unwrap();
        let deep = vec![
            [String::from("level"), String::from("S#1_RAW#1")],
            [String::from("unit"), String::from("mg/L")],
            [String::from("index"), String::new()],
        ];
        for block_bytes in [3, 100, 4096, BLOCK_BYTES] {
            let back = round_trip(&ts, &deep, block_bytes);
            assert_eq!(back.data().unwrap(), ts.data().unwrap(), "{block_bytes}");
            assert_eq!(back.index_kind(), ts.index_kind());
        }
    }

    #[test]
    fn a_label_off_the_recorded_range_is_found_in_a_later_block() {
        let ts = TimeSeries::with_range_index(
            "S#1_RAW#1",
            0,
            1,
            Series::new("v".into(), vec![1.0; 2000]),
        )
        .unwrap();
        let mut text = Vec::new();
        assert!(write(&ts, b',', &header("S#1_RAW#1"), &mut text).is_ok());
        let text = String::from_utf8(text)
            .unwrap()
            .replace("\n1500,", "\n1501,");
        let mut layout = CsvLayout::new(b',');
        layout.record(ts.name(), 1);
        let err = read_in_blocks(
            &mut text.as_bytes(),
            ts.name(),
            &ts.metadata(),
            &layout,
            256,
        )
        .unwrap_err();
        assert!(err.contains("RangeIndex"), "{err}");
    }

    #[test]
    fn missing_header_rows_are_an_error() {
        let ts = TimeSeries::with_range_index("A", 0, 1, Series::new("v".into(), [1.0])).unwrap();
        let mut layout = CsvLayout::new(b',');
        layout.record("A", 3);
        let err = read_in_blocks(&mut &b",A\n"[..], "A", &ts.metadata(), &layout, 64).unwrap_err();
        assert_eq!(err, "expected 3 header rows, the file has 1");
    }

    #[test]
    fn floats_are_written_as_python_repr_writes_them() {
        // (value, what Python 3's repr() prints)
        let cases = [
            (1e300, "1e+300"),
            (1e16, "1e+16"),
            (1e15, "1000000000000000.0"),
            (123456789012345678.0, "1.2345678901234568e+17"),
            (1e-5, "1e-05"),
            (1e-4, "0.0001"),
            (1.5e-7, "1.5e-07"),
            (-2.5e22, "-2.5e+22"),
            (5e-324, "5e-324"),
            (1.7976931348623157e308, "1.7976931348623157e+308"),
            (0.30000000000000004, "0.30000000000000004"),
            (1e-20, "1e-20"),
            (100.0, "100.0"),
            (-0.0, "-0.0"),
            (f64::INFINITY, "inf"),
            (f64::NEG_INFINITY, "-inf"),
        ];
        for (value, python) in cases {
            let mut out = b"x,".to_vec();
            write_python_float(&mut out, value);
            assert_eq!(String::from_utf8(out).unwrap(), format!("x,{python}"));
        }
    }
}
