//! The shared handle: what every request and the writer share. The published snapshot of the
//! registry state, the parse cache, the limits, the bound on concurrent checks, the metrics and
//! the storage failure flag. The rules that act on the state live elsewhere (the `jobs`,
//! `request`, `dedup` and `compatibility` modules); this is only where the shared parts are kept.
//!
//! Readers never wait for the disk: the writer works on its own copy of the state and, after
//! each durable batch, publishes it as an immutable snapshot, swapped in under a lock held only
//! for the pointer swap. A reader clones the `Arc` and reads with no lock held at all.

use std::sync::atomic::AtomicBool;
use std::sync::{Arc, OnceLock, PoisonError, RwLock};

use tokio::sync::Semaphore;

use crate::error::ApiError;
use crate::limits::Limits;
use crate::metrics::Metrics;
use crate::parse_cache::ParseCache;
use crate::state::RegistryState;

/// Shared by handlers and the writer.
#[derive(Debug)]
pub(crate) struct Shared {
    published: RwLock<Arc<RegistryState>>,
    pub(crate) cache: ParseCache,
    pub(crate) limits: Limits,
    pub(crate) metrics: Metrics,
    /// Bounds parses and checks in flight (running or waiting for a core).
    checks: Arc<Semaphore>,
    /// Bounds parses and checks running at once to the cores there are.
    cores: Arc<Semaphore>,
    /// Set while storage has failed and could not be re-read: writes are refused, readiness
    /// fails. Cleared when a later batch finds storage readable again.
    pub(crate) write_failed: AtomicBool,
    /// The Kafka backend's view of the log (positions, lag, health), when storage is Kafka.
    pub(crate) cluster: OnceLock<Arc<crate::storage::kafka::Cluster>>,
    /// The web UI's field-search index, built and extended off the request path.
    pub(crate) field_index: crate::ui::FieldIndex,
}

impl Shared {
    pub(crate) fn new(state: RegistryState, limits: Limits) -> Shared {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Shared {
            published: RwLock::new(Arc::new(state)),
            cache: ParseCache::new(limits.parsed_cache_len),
            checks: Arc::new(Semaphore::new(limits.max_concurrent_checks.max(1))),
            cores: Arc::new(Semaphore::new(cores)),
            limits,
            metrics: Metrics::default(),
            write_failed: AtomicBool::new(false),
            cluster: OnceLock::new(),
            field_index: crate::ui::FieldIndex::default(),
        }
    }

    /// The state as of the last durable batch. Holding it blocks nobody.
    pub(crate) fn read(&self) -> Arc<RegistryState> {
        Arc::clone(&self.published.read().unwrap_or_else(PoisonError::into_inner))
    }

    /// Publishes a durable state; answers the one it replaces.
    pub(crate) fn publish(&self, state: Arc<RegistryState>) -> Arc<RegistryState> {
        let mut published = self.published.write().unwrap_or_else(PoisonError::into_inner);
        std::mem::replace(&mut *published, state)
    }

    /// Runs CPU-heavy work (a parse, a compatibility check) on the blocking pool, off the async
    /// workers, so the request timeout stays real and other requests keep flowing. At most
    /// `max_concurrent_checks` run or wait at once (past it: 429), at most one per core runs.
    /// A request that times out stops waiting; work already running finishes within its
    /// budget, still holding its place, so the bounds hold.
    pub(crate) async fn check<T, F>(&self, work: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce() -> Result<T, ApiError> + Send + 'static,
    {
        let slot =
            Arc::clone(&self.checks).try_acquire_owned().map_err(|_| ApiError::Overloaded)?;
        let core =
            Arc::clone(&self.cores).acquire_owned().await.map_err(|_| ApiError::Unavailable)?;
        tokio::task::spawn_blocking(move || {
            let _held = (slot, core);
            work()
        })
        .await
        .map_err(|_| ApiError::Store("a schema check failed unexpectedly".into()))?
    }
}
