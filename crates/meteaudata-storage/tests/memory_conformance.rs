//! The in-memory backend passes the conformance suite.

#[test]
fn memory_backend_conforms() {
    meteaudata_testkit::run_all(&meteaudata_storage::MemoryBackend::new());
}
