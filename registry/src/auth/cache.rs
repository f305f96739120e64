//! The verified-credential cache: a bounded map from a SHA-256 of the credentials a request
//! carried to the caller they proved, trusted until it expires. It is what keeps authenticated
//! reads as fast as anonymous ones: an argon2id check costs milliseconds by design, a lookup
//! here a hash and a read lock. Only successes are cached; the password itself is never kept.

use std::collections::HashMap;
use std::sync::{Arc, PoisonError, RwLock};
use std::time::{Duration, Instant};

use super::Caller;

/// SHA-256 of the credentials → the caller they proved, and until when.
type Entries = HashMap<[u8; 32], (Arc<Caller>, Instant)>;

#[derive(Debug)]
pub(crate) struct Cache {
    entries: RwLock<Entries>,
    max_len: usize,
    ttl: Duration,
}

impl Cache {
    pub(crate) fn new(max_len: usize, ttl: Duration) -> Cache {
        Cache { entries: RwLock::new(HashMap::new()), max_len, ttl }
    }

    pub(crate) fn get(&self, key: &[u8; 32]) -> Option<Arc<Caller>> {
        let entries = self.entries.read().unwrap_or_else(PoisonError::into_inner);
        let (caller, expires) = entries.get(key)?;
        (Instant::now() < *expires).then(|| Arc::clone(caller))
    }

    /// Keeps `caller` for `ttl`. At `max_len`, expired entries go first, then arbitrary ones:
    /// an evicted caller only costs one more hash check.
    pub(crate) fn insert(&self, key: [u8; 32], caller: Arc<Caller>) {
        self.insert_until(key, caller, Instant::now() + self.ttl);
    }

    /// As `insert`, trusted until `until` at the latest (a token's own expiry).
    pub(crate) fn insert_until(&self, key: [u8; 32], caller: Arc<Caller>, until: Instant) {
        let now = Instant::now();
        if self.max_len == 0 || self.ttl.is_zero() || until <= now {
            return;
        }
        let until = until.min(now + self.ttl);
        let mut entries = self.entries.write().unwrap_or_else(PoisonError::into_inner);
        if entries.len() >= self.max_len && !entries.contains_key(&key) {
            entries.retain(|_, (_, expires)| *expires > now);
            while entries.len() >= self.max_len {
                let Some(victim) = entries.keys().next().copied() else { break };
                entries.remove(&victim);
            }
        }
        entries.insert(key, (caller, until));
    }

    pub(crate) fn clear(&self) {
        self.entries.write().unwrap_or_else(PoisonError::into_inner).clear();
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.entries.read().unwrap_or_else(PoisonError::into_inner).len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caller(name: &str) -> Arc<Caller> {
        Arc::new(Caller {
            principal: name.into(),
            roles: Vec::new(),
            groups: Vec::new(),
            grants: Default::default(),
        })
    }

    #[test]
    fn bounded_and_expiring() {
        let cache = Cache::new(2, Duration::from_secs(60));
        cache.insert([1; 32], caller("a"));
        cache.insert([2; 32], caller("b"));
        cache.insert([3; 32], caller("c"));
        assert_eq!(cache.len(), 2);
        assert_eq!(cache.get(&[3; 32]).unwrap().principal, "c");
        cache.insert([3; 32], caller("c2"));
        assert_eq!(cache.len(), 2, "replacing a key evicts nothing");
        cache.clear();
        assert!(cache.get(&[3; 32]).is_none());

        let expired = Cache::new(10, Duration::from_nanos(1));
        expired.insert([1; 32], caller("a"));
        std::thread::sleep(Duration::from_millis(2));
        assert!(expired.get(&[1; 32]).is_none());
        let off = Cache::new(0, Duration::from_secs(60));
        off.insert([1; 32], caller("a"));
        assert!(off.get(&[1; 32]).is_none());
    }
}
