//! Integration tests of the data model: naming tables, numbering, processing and lineage.

mod common;
mod dataset;
mod naming;
mod process;
mod storage;
