//! The in-process hub: committed events fan out to every socket. The writer publishes after
//! each commit; a stopped hub makes publishing fail, which is logged and counted, never
//! passed back to the capture (the event is already in the log, so sockets replay it later).

use std::sync::atomic::Ordering;
use std::sync::{Arc, RwLock};

use rocket::tokio::sync::broadcast;

use crate::ops::metrics::Metrics;
use crate::store::Event;

/// Events a lagging socket may fall behind before it must resume from the log.
pub const CAPACITY: usize = 4096;

impl crate::store::OnCommit for Hub {
    fn committed(&self, event: Event) {
        self.publish(event);
    }
}

/// Fan-out of committed events.
pub struct Hub {
    tx: RwLock<Option<broadcast::Sender<Arc<Event>>>>,
    metrics: Arc<Metrics>,
}

impl Hub {
    /// A running hub.
    pub fn new(metrics: Arc<Metrics>) -> Arc<Hub> {
        let (tx, _) = broadcast::channel(CAPACITY);
        Arc::new(Hub {
            tx: RwLock::new(Some(tx)),
            metrics,
        })
    }

    /// Hands a committed event to every subscriber; a stopped hub logs and counts the miss.
    pub fn publish(&self, event: Event) {
        let guard = self.tx.read().unwrap_or_else(|p| p.into_inner());
        match guard.as_ref() {
            Some(tx) => {
                // No receiver is fine: nobody is connected.
                let _ = tx.send(Arc::new(event));
            }
            None => {
                self.metrics
                    .notifications_failed
                    .fetch_add(1, Ordering::Relaxed);
                tracing::warn!(
                    event_id = event.id,
                    topic = %event.topic,
                    "notification hub is down; the event stays in the log for replay"
                );
            }
        }
    }

    /// A receiver of everything published from now on; None while the hub is down.
    pub fn subscribe(&self) -> Option<broadcast::Receiver<Arc<Event>>> {
        let guard = self.tx.read().unwrap_or_else(|p| p.into_inner());
        guard.as_ref().map(|tx| tx.subscribe())
    }

    /// Stops the hub: subscribers see it closed, publishing fails (shutdown, or an outage).
    pub fn stop(&self) {
        self.tx.write().unwrap_or_else(|p| p.into_inner()).take();
    }

    /// Starts a stopped hub again.
    pub fn start(&self) {
        let mut guard = self.tx.write().unwrap_or_else(|p| p.into_inner());
        if guard.is_none() {
            *guard = Some(broadcast::channel(CAPACITY).0);
        }
    }

    /// True while events are being fanned out.
    pub fn is_running(&self) -> bool {
        self.tx.read().map(|g| g.is_some()).unwrap_or(false)
    }
}
