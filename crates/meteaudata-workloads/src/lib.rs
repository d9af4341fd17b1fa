//! The benchmark workloads of `docs/workloads.md`: the data set D(N, s), its
//! checksum, and the jobs the `meteaudata-workloads` binary runs one per process.

pub mod data;
pub mod jobs;
