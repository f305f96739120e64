//! Bounded single-flight caches: concurrent misses for one key share one in-flight request, so a
//! burst of producers starting together asks the registry once, not once per task.

use std::collections::HashMap;
use std::future::Future;
use std::hash::Hash;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use tokio::sync::OnceCell;

/// One cached value with the time it was fetched, for the TTL of "latest" answers.
#[derive(Debug)]
struct Entry<V> {
    cell: OnceCell<(Instant, V)>,
}

/// A map from key to a once-initialised cell. The map lock is held only to find or insert a
/// cell, never across a request; the cell serialises the fetch.
#[derive(Debug)]
pub(crate) struct FlightCache<K, V> {
    entries: Mutex<HashMap<K, Arc<Entry<V>>>>,
    capacity: usize,
    /// `None`: entries never expire (ids and their schemas are immutable).
    ttl: Option<Duration>,
}

impl<K: Eq + Hash + Clone, V: Clone> FlightCache<K, V> {
    pub(crate) fn new(capacity: usize, ttl: Option<Duration>) -> FlightCache<K, V> {
        FlightCache { entries: Mutex::new(HashMap::new()), capacity: capacity.max(1), ttl }
    }

    /// The cached value for `key`, or the result of `fetch`, run by exactly one of the callers
    /// that miss together. A failed fetch caches nothing: the next caller tries again.
    pub(crate) async fn get_or_fetch<F, Fut, E>(&self, key: &K, fetch: F) -> Result<V, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<V, E>>,
    {
        let entry = self.entry(key);
        let (_, value) =
            entry.cell.get_or_try_init(|| async { Ok((Instant::now(), fetch().await?)) }).await?;
        Ok(value.clone())
    }

    /// The value if cached and fresh, without fetching.
    #[cfg(test)]
    pub(crate) fn peek(&self, key: &K) -> Option<V> {
        let entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        let (at, value) = entries.get(key)?.cell.get()?;
        self.fresh(*at).then(|| value.clone())
    }

    /// Stores a value learned some other way (a registration answer, say).
    pub(crate) fn insert(&self, key: K, value: V) {
        let entry = Arc::new(Entry { cell: OnceCell::new_with(Some((Instant::now(), value))) });
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        self.make_room(&mut entries);
        entries.insert(key, entry);
    }

    pub(crate) fn invalidate(&self, key: &K) {
        self.entries.lock().unwrap_or_else(PoisonError::into_inner).remove(key);
    }

    pub(crate) fn len(&self) -> usize {
        self.entries.lock().unwrap_or_else(PoisonError::into_inner).len()
    }

    fn fresh(&self, at: Instant) -> bool {
        self.ttl.is_none_or(|ttl| at.elapsed() < ttl)
    }

    /// The cell for `key`, replacing an expired one so that the next fetch refreshes it.
    fn entry(&self, key: &K) -> Arc<Entry<V>> {
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(entry) = entries.get(key) {
            match entry.cell.get() {
                Some((at, _)) if !self.fresh(*at) => {}
                _ => return Arc::clone(entry),
            }
        }
        self.make_room(&mut entries);
        let entry = Arc::new(Entry { cell: OnceCell::new() });
        entries.insert(key.clone(), Arc::clone(&entry));
        entry
    }

    /// Evicts settled entries until one more fits. In-flight cells stay, so waiters are never
    /// orphaned; a cache full of in-flight cells grows past capacity only for as long as they fly.
    fn make_room(&self, entries: &mut HashMap<K, Arc<Entry<V>>>) {
        if entries.len() < self.capacity {
            return;
        }
        let excess = entries.len() + 1 - self.capacity;
        let victims: Vec<K> = entries
            .iter()
            .filter(|(_, entry)| entry.cell.initialized())
            .map(|(key, _)| key.clone())
            .take(excess)
            .collect();
        for key in victims {
            entries.remove(&key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};

    #[tokio::test]
    async fn concurrent_misses_fetch_once() {
        let cache: Arc<FlightCache<u32, u32>> = Arc::new(FlightCache::new(10, None));
        let calls = Arc::new(AtomicU32::new(0));
        let mut tasks = Vec::new();
        for _ in 0..16 {
            let (cache, calls) = (Arc::clone(&cache), Arc::clone(&calls));
            tasks.push(tokio::spawn(async move {
                cache
                    .get_or_fetch(&7, || async {
                        calls.fetch_add(1, Ordering::SeqCst);
                        tokio::time::sleep(Duration::from_millis(20)).await;
                        Ok::<_, ()>(42)
                    })
                    .await
            }));
        }
        for task in tasks {
            assert_eq!(task.await.unwrap(), Ok(42));
        }
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn failures_are_not_cached_and_ttl_expires() {
        let cache: FlightCache<u32, u32> = FlightCache::new(10, Some(Duration::from_millis(30)));
        assert_eq!(cache.get_or_fetch(&1, || async { Err::<u32, _>("down") }).await, Err("down"));
        assert_eq!(cache.get_or_fetch(&1, || async { Ok::<_, ()>(1) }).await, Ok(1));
        assert_eq!(cache.get_or_fetch(&1, || async { Ok::<_, ()>(2) }).await, Ok(1), "fresh");
        tokio::time::sleep(Duration::from_millis(40)).await;
        assert_eq!(cache.peek(&1), None, "expired");
        assert_eq!(cache.get_or_fetch(&1, || async { Ok::<_, ()>(3) }).await, Ok(3));
    }

    #[test]
    fn capacity_bounds_settled_entries() {
        let cache: FlightCache<u32, u32> = FlightCache::new(3, None);
        for key in 0..10 {
            cache.insert(key, key);
        }
        assert_eq!(cache.len(), 3);
        assert_eq!(cache.peek(&9), Some(9), "the newest entry is kept");
    }
}
