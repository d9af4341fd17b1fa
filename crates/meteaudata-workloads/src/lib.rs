//! The benchmark workloads of `docs/workloads.md`: the data set D(N, s), its
//! checksum, and the jobs the `meteaudata-workloads` binary runs one per process; and the
//! data-safety jobs of `docs/reliability.md` (crashes, concurrent writers, changed bytes).

pub mod data;
pub mod jobs;
pub mod safety;
