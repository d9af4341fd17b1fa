//! One private tokio runtime that drives every async client (object_store, sqlx), with a
//! [`block_on`] that is safe to call from plain threads and from inside another runtime.

use std::future::Future;
use std::sync::LazyLock;

use tokio::runtime::{Builder, Handle, Runtime, RuntimeFlavor};

static RUNTIME: LazyLock<Runtime> = LazyLock::new(|| {
    Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("meteaudata-io")
        .enable_all()
        .build()
        .expect("cannot start the meteaudata I/O runtime")
});

/// The runtime's handle, for creating clients (pools, stores) that must live on it.
pub fn handle() -> &'static Handle {
    RUNTIME.handle()
}

/// Runs `future` to completion on the private runtime and returns its output.
///
/// Called outside any runtime it blocks the thread; inside a multi-thread runtime it uses
/// `block_in_place`; inside a current-thread runtime it blocks on a scoped helper thread.
pub fn block_on<F>(future: F) -> F::Output
where
    F: Future + Send,
    F::Output: Send,
{
    match Handle::try_current() {
        Err(_) => RUNTIME.block_on(future),
        Ok(h) if h.runtime_flavor() == RuntimeFlavor::MultiThread => {
            tokio::task::block_in_place(|| RUNTIME.block_on(future))
        }
        Ok(_) => std::thread::scope(|scope| {
            scope
                .spawn(|| RUNTIME.block_on(future))
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::block_on;

    async fn answer() -> u32 {
        tokio::task::yield_now().await;
        42
    }

    #[test]
    fn from_a_plain_thread() {
        assert_eq!(block_on(answer()), 42);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn from_a_multi_thread_runtime() {
        assert_eq!(block_on(answer()), 42);
    }

    #[tokio::test(flavor = "current_thread")]
    async fn from_a_current_thread_runtime() {
        assert_eq!(block_on(answer()), 42);
    }
}
