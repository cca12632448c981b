//! Leads leave the box: signed webhooks, email and browser push, all read from the durable
//! event log. The fan-out (`fanout`) moves a cursor over the log and queues deliveries in the
//! same transaction; the sender takes due deliveries with bounded concurrency, per target and
//! in all, and records every attempt through the writer. Capture never waits for either.

mod attempt;
pub mod email;
pub mod fanout;
pub mod messages;
pub mod outbound;
pub mod outbox;
pub mod pages;
pub mod prefs;
pub mod push;
pub mod signing;
pub mod webhooks;

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rocket::tokio::sync::{Notify, Semaphore};
use rocket::Route;

use crate::config::Config;
use crate::leads::kind::Registry;
use crate::ops::metrics::Metrics;
use crate::realtime::hub::Hub;
use crate::store::Store;
use crate::util;

/// The built-in retry delays (seconds) after each failed attempt; then `dead`.
pub const SCHEDULE: [u64; 7] = [5, 300, 1800, 7200, 18000, 36000, 36000];
/// Attempts in flight to one target at most.
pub const PER_TARGET: usize = 4;
/// Attempts in flight in all at most.
pub const TOTAL: usize = 32;
/// Events the fan-out reads per writer job at most.
const FANOUT_BATCH: i64 = 1024;
/// How long the fan-out lets a burst of commits gather before reading it.
const FANOUT_PAUSE: Duration = Duration::from_millis(25);
/// An endpoint failing this long without a success is disabled.
pub const DISABLE_AFTER_DAYS: i64 = 5;

/// The routes of this capability.
pub fn routes() -> Vec<Route> {
    let mut r = webhooks::routes();
    r.extend(prefs::routes());
    r.extend(pages::routes());
    r
}

/// Parses the retry schedule override (`1,2,4`).
pub fn schedule(items: &[String]) -> Result<Vec<u64>, String> {
    if items.is_empty() {
        return Ok(SCHEDULE.to_vec());
    }
    items
        .iter()
        .map(|s| {
            s.parse::<u64>()
                .ok()
                .filter(|n| *n <= 7 * 24 * 3600)
                .ok_or_else(|| format!("webhook_retry_seconds: `{s}` is not a number of seconds"))
        })
        .collect()
}

/// Everything outbound deliveries need; one per process.
pub struct Courier {
    /// The HTTP client (address rules inside).
    pub outbound: outbound::Outbound,
    mailer: Option<email::Mailer>,
    /// The VAPID identity.
    pub vapid: push::Vapid,
    schedule: Vec<u64>,
    base_url: String,
    wake: Notify,
    metrics: Arc<Metrics>,
    digest_hour: u8,
}

impl Courier {
    /// Builds the courier from the settings; `base_url` is where links point.
    pub fn new(config: &Config, base_url: &str, metrics: Arc<Metrics>) -> Result<Courier, String> {
        let timeout = Duration::from_secs(config.webhook_timeout_seconds.clamp(1, 60));
        let mailer = match config.smtp_url.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(url) => Some(email::Mailer::new(
                url,
                config.smtp_from.as_deref(),
                timeout,
            )?),
        };
        let subject = match config.smtp_from.as_deref() {
            Some(f) if f.contains('@') => {
                let addr = f.rsplit('<').next().unwrap_or(f).trim_end_matches('>');
                format!("mailto:{}", addr.trim())
            }
            _ if base_url.starts_with("https://") => base_url.to_string(),
            _ => "mailto:leadbox@localhost".to_string(),
        };
        Ok(Courier {
            outbound: outbound::Outbound::new(config.webhook_allow_private, timeout)?,
            mailer,
            vapid: push::Vapid::load_or_create(&config.data_dir, subject)?,
            schedule: schedule(&config.webhook_retry_seconds.items())?,
            base_url: base_url.trim_end_matches('/').to_string(),
            wake: Notify::new(),
            metrics,
            digest_hour: config.digest_hour_utc.min(23),
        })
    }

    /// True when SMTP is configured.
    pub fn email_enabled(&self) -> bool {
        self.mailer.is_some()
    }

    /// Sends one email now, outside the outbox: only for messages that carry a secret (a
    /// password reset link), which must not sit in a durable log; the person can ask again.
    pub async fn send_now(&self, to: &str, subject: &str, text: String) -> Result<(), String> {
        match &self.mailer {
            Some(m) => m.send(to, subject, text).await,
            None => Err("email is not set up".into()),
        }
    }

    /// Tells the sender to look for due deliveries now.
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// An absolute link to a path of this leadbox.
    pub fn link(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    /// Runs the fan-out, the sender and the digest clock until shutdown.
    pub async fn run(
        self: Arc<Self>,
        store: Store,
        kinds: Arc<Registry>,
        hub: Arc<Hub>,
        shutdown: rocket::Shutdown,
    ) {
        let fan = rocket::tokio::spawn(self.clone().fan_out(
            store.clone(),
            kinds.clone(),
            hub,
            shutdown.clone(),
        ));
        let send = rocket::tokio::spawn(self.clone().send_loop(store, kinds, shutdown));
        let _ = fan.await;
        let _ = send.await;
    }

    async fn fan_out(
        self: Arc<Self>,
        store: Store,
        kinds: Arc<Registry>,
        hub: Arc<Hub>,
        shutdown: rocket::Shutdown,
    ) {
        let email = self.email_enabled();
        let mut rx = hub.subscribe();
        let mut digest_checked: Option<std::time::Instant> = None;
        rocket::tokio::pin!(shutdown);
        loop {
            while store.read_behind(fanout::behind).await.unwrap_or(true) {
                let k = kinds.clone();
                match store
                    .write_deferring(move |tx| fanout::step(tx, &k, email, FANOUT_BATCH))
                    .await
                {
                    Ok(0) => break,
                    Ok(n) => {
                        self.wake();
                        // A short batch means the log is read to its end.
                        if (n as i64) < FANOUT_BATCH {
                            break;
                        }
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "delivery fan-out failed; retrying");
                        break;
                    }
                }
            }
            // Today's digests, once the hour has come: checked every minute so a member who
            // opts in later in the day still gets today's; queueing is idempotent per day.
            if email && digest_checked.is_none_or(|t| t.elapsed() >= Duration::from_secs(60)) {
                let now = util::now();
                if now.hour() >= self.digest_hour {
                    let day = now.date().to_string();
                    match store.write(move |tx| fanout::queue_digests(tx, &day)).await {
                        Ok(n) if n > 0 => self.wake(),
                        Ok(_) => {}
                        Err(e) => tracing::warn!(error = %e, "queueing digests failed"),
                    }
                }
                digest_checked = Some(std::time::Instant::now());
            }
            if rx.is_none() {
                rx = hub.subscribe();
            }
            let tick = rocket::tokio::time::sleep(Duration::from_secs(1));
            match rx.as_mut() {
                Some(r) => rocket::tokio::select! {
                    got = r.recv() => {
                        if matches!(got, Err(rocket::tokio::sync::broadcast::error::RecvError::Closed)) {
                            rx = None;
                        } else {
                            // Let a burst gather, then read it in one step: one writer job
                            // per pause, not one per commit.
                            rocket::tokio::time::sleep(FANOUT_PAUSE).await;
                            while r.try_recv().is_ok() {}
                        }
                    }
                    _ = tick => {}
                    _ = &mut shutdown => return,
                },
                None => rocket::tokio::select! {
                    _ = tick => {}
                    _ = &mut shutdown => return,
                },
            }
        }
    }

    async fn send_loop(
        self: Arc<Self>,
        store: Store,
        kinds: Arc<Registry>,
        shutdown: rocket::Shutdown,
    ) {
        let permits = Arc::new(Semaphore::new(TOTAL));
        let busy: Arc<Mutex<Busy>> = Arc::default();
        rocket::tokio::pin!(shutdown);
        loop {
            let read_started = std::time::Instant::now();
            busy.lock()
                .unwrap_or_else(|p| p.into_inner())
                .settled
                .retain(|_, at| *at >= read_started);
            let now = outbox::now_ms();
            let due = store
                .read_behind(move |c| outbox::due(c, now, PER_TARGET as i64, 4 * TOTAL as i64))
                .await
                .unwrap_or_else(|e| {
                    tracing::warn!(error = %e, "reading due deliveries failed");
                    vec![]
                });
            for d in due {
                {
                    let mut b = busy.lock().unwrap_or_else(|p| p.into_inner());
                    // An attempt that settled after this read began may be stale in it.
                    if b.running.contains(&d.id)
                        || b.settled.contains_key(&d.id)
                        || b.per_target.get(&d.target_id).copied().unwrap_or(0) >= PER_TARGET
                    {
                        continue;
                    }
                    let Ok(permit) = permits.clone().try_acquire_owned() else {
                        break;
                    };
                    b.running.insert(d.id.clone());
                    *b.per_target.entry(d.target_id.clone()).or_default() += 1;
                    let (me, store, kinds, busy) =
                        (self.clone(), store.clone(), kinds.clone(), busy.clone());
                    rocket::tokio::spawn(async move {
                        me.deliver(&store, &kinds, &d).await;
                        let mut b = busy.lock().unwrap_or_else(|p| p.into_inner());
                        b.running.remove(&d.id);
                        b.settled.insert(d.id.clone(), std::time::Instant::now());
                        if let Some(n) = b.per_target.get_mut(&d.target_id) {
                            *n -= 1;
                            if *n == 0 {
                                b.per_target.remove(&d.target_id);
                            }
                        }
                        drop(permit);
                        me.wake();
                    });
                }
            }
            rocket::tokio::select! {
                _ = self.wake.notified() => {}
                _ = rocket::tokio::time::sleep(Duration::from_millis(250)) => {}
                _ = &mut shutdown => return,
            }
        }
    }
}

/// What the sender has in hand: attempts running, attempts settled since the last read of due
/// deliveries began, and running attempts per target.
#[derive(Default)]
struct Busy {
    running: HashSet<String>,
    settled: HashMap<String, std::time::Instant>,
    per_target: HashMap<String, usize>,
}

/// The routes' operations for the API document.
pub fn operations() -> Vec<crate::ops::openapi::Operation> {
    let mut ops = webhooks_operations();
    ops.extend(prefs::operations());
    ops
}

fn webhooks_operations() -> Vec<crate::ops::openapi::Operation> {
    use crate::ops::openapi::{Deleted, Operation};
    use outbox::DeliveryView;
    use webhooks::{DeliveriesQuery, Requeued, WebhookBody, WebhookView};
    const P: &str = "WebhookPermissions.Manage";
    vec![
        Operation::new(
            "get",
            "/api/v1/webhooks",
            "List the workspace's webhook endpoints",
            P,
        )
        .ok::<Vec<WebhookView>>(200, "The endpoints (secrets never shown)"),
        Operation::new(
            "post",
            "/api/v1/webhooks",
            "Create an endpoint; the answer shows its secret once",
            P,
        )
        .body::<WebhookBody>()
        .ok::<WebhookView>(201, "Created, with `secret`"),
        Operation::new("get", "/api/v1/webhooks/{id}", "One endpoint", P)
            .ok::<WebhookView>(200, "The endpoint"),
        Operation::new(
            "patch",
            "/api/v1/webhooks/{id}",
            "Change an endpoint; enabling clears its failure state",
            P,
        )
        .body::<WebhookBody>()
        .ok::<WebhookView>(200, "Changed"),
        Operation::new(
            "delete",
            "/api/v1/webhooks/{id}",
            "Delete an endpoint and its delivery log",
            P,
        )
        .ok::<Deleted>(200, "Deleted"),
        Operation::new(
            "post",
            "/api/v1/webhooks/{id}/rotate-secret",
            "A new secret; the old one signs for 24 more hours",
            P,
        )
        .ok::<WebhookView>(200, "Rotated, with the new `secret`"),
        Operation::new(
            "post",
            "/api/v1/webhooks/{id}/test",
            "Queue a `leadbox.test` message now",
            P,
        )
        .ok::<DeliveryView>(202, "Queued"),
        Operation::new(
            "get",
            "/api/v1/webhooks/{id}/deliveries",
            "The endpoint's delivery log, newest first",
            P,
        )
        .query::<DeliveriesQuery>()
        .ok::<crate::paging::Paged<DeliveryView>>(200, "One page"),
        Operation::new(
            "post",
            "/api/v1/webhooks/{id}/redeliver-dead",
            "Queue every dead delivery of the endpoint again",
            P,
        )
        .ok::<Requeued>(202, "Queued"),
        Operation::new(
            "post",
            "/api/v1/webhook-deliveries/{id}/redeliver",
            "Queue one delivery again, with the same webhook-id",
            P,
        )
        .ok::<DeliveryView>(202, "Queued"),
    ]
}
