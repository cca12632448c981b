//! Settings read from the database and kept in memory by key (a public key's form, a
//! workspace's spam model), emptied by a change listener right after the change commits.
//!
//! Concurrent misses of one key share one read: the first asker reads, the others wait for it
//! and take what it kept. A burst of posts to a form nobody has posted to since the start (or
//! since its settings changed) then costs one read, not one blocking task per post.

use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use rocket::tokio::sync::Mutex as Gate;

/// Values by key, each read once and kept until [`Cache::clear`] or [`Cache::forget`].
pub struct Cache<V> {
    /// Bumped by every clear or forget: a read that began before one is not kept.
    generation: AtomicU64,
    map: RwLock<HashMap<String, V>>,
    /// The keys being read now, each with the gate its askers pass one at a time.
    reading: Mutex<HashMap<String, Arc<Gate<()>>>>,
    /// Most keys kept; past that the map starts again.
    most: usize,
}

/// Keys kept by default; past that the map starts again (keys are few in practice: a public
/// key per form, a model per workspace).
pub const MOST: usize = 10_000;

impl<V: Clone> Default for Cache<V> {
    fn default() -> Self {
        Cache::new(MOST)
    }
}

impl<V: Clone> Cache<V> {
    /// An empty cache that keeps at most `most` keys.
    pub fn new(most: usize) -> Cache<V> {
        Cache {
            generation: AtomicU64::new(0),
            map: RwLock::default(),
            reading: Mutex::default(),
            most: most.max(1),
        }
    }

    /// The value kept for `key`.
    pub fn get(&self, key: &str) -> Option<V> {
        self.map
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(key)
            .cloned()
    }

    /// The value of `key`: kept, else read by `read` (`None`: there is none, and nothing is
    /// kept). Askers of the same key while a read runs wait for it instead of reading too.
    pub async fn get_or_read<E, F, Fut>(&self, key: &str, read: F) -> Result<Option<V>, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Option<V>, E>>,
    {
        if let Some(v) = self.get(key) {
            return Ok(Some(v));
        }
        let turn = Turn::take(&self.reading, key);
        let _passing = turn.gate().lock().await;
        // The asker before this one may have kept it.
        if let Some(v) = self.get(key) {
            return Ok(Some(v));
        }
        let generation = self.generation.load(Ordering::Acquire);
        let found = read().await?;
        if let Some(v) = &found {
            self.keep(generation, key, v.clone());
        }
        Ok(found)
    }

    /// Keeps `v` unless a change committed since `generation` was read (it may be stale).
    fn keep(&self, generation: u64, key: &str, v: V) {
        let mut map = self.map.write().unwrap_or_else(|p| p.into_inner());
        if self.generation.load(Ordering::Acquire) != generation {
            return;
        }
        if map.len() >= self.most && !map.contains_key(key) {
            map.clear();
        }
        map.insert(key.to_string(), v);
    }

    /// Forgets every key (after a change that may touch any of them).
    pub fn clear(&self) {
        let mut map = self.map.write().unwrap_or_else(|p| p.into_inner());
        self.generation.fetch_add(1, Ordering::AcqRel);
        map.clear();
    }

    /// Forgets one key (after a change to it).
    pub fn forget(&self, key: &str) {
        let mut map = self.map.write().unwrap_or_else(|p| p.into_inner());
        self.generation.fetch_add(1, Ordering::AcqRel);
        map.remove(key);
    }

    /// Keys with a read under way (none once every asker is answered).
    #[cfg(test)]
    fn reading(&self) -> usize {
        self.reading.lock().unwrap_or_else(|p| p.into_inner()).len()
    }
}

/// One asker's place at a key's gate; the last one to leave removes the gate. Leaving also
/// happens when the asking request is dropped half-way, so a cancelled read holds nobody up.
struct Turn<'a> {
    reading: &'a Mutex<HashMap<String, Arc<Gate<()>>>>,
    key: String,
    gate: Option<Arc<Gate<()>>>,
}

impl<'a> Turn<'a> {
    fn take(reading: &'a Mutex<HashMap<String, Arc<Gate<()>>>>, key: &str) -> Turn<'a> {
        let gate = reading
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .entry(key.to_string())
            .or_default()
            .clone();
        Turn {
            reading,
            key: key.to_string(),
            gate: Some(gate),
        }
    }

    fn gate(&self) -> &Gate<()> {
        self.gate.as_deref().expect("held until dropped")
    }
}

impl Drop for Turn<'_> {
    fn drop(&mut self) {
        let mut reading = self.reading.lock().unwrap_or_else(|p| p.into_inner());
        // Every copy is made and dropped under this lock, so the count is exact: one left
        // means only the map's.
        drop(self.gate.take());
        if reading
            .get(&self.key)
            .is_some_and(|g| Arc::strong_count(g) == 1)
        {
            reading.remove(&self.key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;
    use std::time::Duration;

    fn runtime() -> rocket::tokio::runtime::Runtime {
        rocket::tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_time()
            .build()
            .unwrap()
    }

    #[test]
    fn concurrent_misses_of_one_key_share_one_read() {
        runtime().block_on(async {
            let cache = Arc::new(Cache::<Arc<String>>::new(10));
            let reads = Arc::new(AtomicUsize::new(0));
            let mut askers = vec![];
            for _ in 0..32 {
                let (cache, reads) = (cache.clone(), reads.clone());
                askers.push(rocket::tokio::spawn(async move {
                    cache
                        .get_or_read("pk_a", || async {
                            reads.fetch_add(1, Ordering::SeqCst);
                            rocket::tokio::time::sleep(Duration::from_millis(20)).await;
                            Ok::<_, ()>(Some(Arc::new("form a".to_string())))
                        })
                        .await
                }));
            }
            for a in askers {
                assert_eq!(a.await.unwrap().unwrap().unwrap().as_str(), "form a");
            }
            assert_eq!(reads.load(Ordering::SeqCst), 1);
            assert_eq!(
                cache.reading(),
                0,
                "every gate is gone once all are answered"
            );
        });
    }

    #[test]
    fn a_missing_key_is_not_kept_and_each_asker_in_turn_reads_it() {
        runtime().block_on(async {
            let cache = Arc::new(Cache::<Arc<String>>::new(10));
            let reads = Arc::new(AtomicUsize::new(0));
            let in_flight = Arc::new(AtomicUsize::new(0));
            let mut askers = vec![];
            for _ in 0..8 {
                let (cache, reads, in_flight) = (cache.clone(), reads.clone(), in_flight.clone());
                askers.push(rocket::tokio::spawn(async move {
                    cache
                        .get_or_read("pk_none", || async {
                            reads.fetch_add(1, Ordering::SeqCst);
                            // One read of the key at a time.
                            assert_eq!(in_flight.fetch_add(1, Ordering::SeqCst), 0);
                            rocket::tokio::time::sleep(Duration::from_millis(2)).await;
                            in_flight.fetch_sub(1, Ordering::SeqCst);
                            Ok::<_, ()>(None)
                        })
                        .await
                }));
            }
            for a in askers {
                assert_eq!(a.await.unwrap(), Ok(None));
            }
            assert_eq!(reads.load(Ordering::SeqCst), 8);
            assert!(cache.get("pk_none").is_none());
            assert_eq!(cache.reading(), 0);
        });
    }

    #[test]
    fn a_read_that_raced_a_change_is_answered_but_not_kept() {
        runtime().block_on(async {
            let cache = Cache::<Arc<String>>::new(10);
            let got = cache
                .get_or_read("pk_a", || async {
                    cache.clear();
                    Ok::<_, ()>(Some(Arc::new("stale".to_string())))
                })
                .await;
            assert_eq!(got.unwrap().unwrap().as_str(), "stale");
            assert!(cache.get("pk_a").is_none());
            let got = cache
                .get_or_read("pk_a", || async {
                    Ok::<_, ()>(Some(Arc::new("new".to_string())))
                })
                .await;
            assert_eq!(got.unwrap().unwrap().as_str(), "new");
            assert_eq!(cache.get("pk_a").unwrap().as_str(), "new");
            cache.forget("pk_a");
            assert!(cache.get("pk_a").is_none());
        });
    }

    #[test]
    fn a_failed_or_cancelled_read_lets_the_next_asker_read() {
        runtime().block_on(async {
            let cache = Arc::new(Cache::<Arc<String>>::new(10));
            let failed = cache
                .get_or_read("pk_a", || async { Err::<Option<Arc<String>>, _>("disk") })
                .await;
            assert_eq!(failed, Err("disk"));
            assert_eq!(cache.reading(), 0);
            // A read dropped half-way (its request went away) while another asker waits.
            let c = cache.clone();
            let stuck = rocket::tokio::spawn(async move {
                c.get_or_read("pk_a", || async {
                    rocket::tokio::time::sleep(Duration::from_secs(60)).await;
                    Ok::<_, ()>(None)
                })
                .await
            });
            rocket::tokio::time::sleep(Duration::from_millis(20)).await;
            let c = cache.clone();
            let waiting = rocket::tokio::spawn(async move {
                c.get_or_read("pk_a", || async {
                    Ok::<_, ()>(Some(Arc::new("a".to_string())))
                })
                .await
            });
            rocket::tokio::time::sleep(Duration::from_millis(20)).await;
            assert!(!waiting.is_finished(), "it waits for the read under way");
            stuck.abort();
            let got = rocket::tokio::time::timeout(Duration::from_secs(5), waiting)
                .await
                .expect("the waiting asker goes on once the other is dropped")
                .unwrap();
            assert_eq!(got.unwrap().unwrap().as_str(), "a");
            assert_eq!(cache.reading(), 0);
        });
    }

    #[test]
    fn a_full_cache_starts_again() {
        runtime().block_on(async {
            let cache = Cache::<u32>::new(2);
            for (i, k) in ["a", "b", "c"].into_iter().enumerate() {
                let v = i as u32;
                cache
                    .get_or_read(k, || async move { Ok::<_, ()>(Some(v)) })
                    .await
                    .unwrap();
            }
            assert_eq!(cache.get("c"), Some(2));
            assert_eq!(cache.get("a"), None);
        });
    }
}
