//! Process metrics in Prometheus text format: HTTP requests and latency per route, writer
//! batch sizes and commit latency, notifications, and the read pool.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Instant;

use rocket::fairing::{Fairing, Info, Kind};
use rocket::{Data, Request, Response};

const LATENCY_BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
];
const BATCH_BUCKETS: &[f64] = &[1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0, 512.0];

/// A cumulative histogram.
#[derive(Debug, Clone)]
struct Histogram {
    bounds: &'static [f64],
    counts: Vec<u64>,
    sum: f64,
    count: u64,
}

impl Histogram {
    fn new(bounds: &'static [f64]) -> Self {
        Histogram {
            bounds,
            counts: vec![0; bounds.len()],
            sum: 0.0,
            count: 0,
        }
    }

    fn observe(&mut self, v: f64) {
        for (i, b) in self.bounds.iter().enumerate() {
            if v <= *b {
                self.counts[i] += 1;
            }
        }
        self.sum += v;
        self.count += 1;
    }

    fn render(&self, out: &mut String, name: &str, labels: &str) {
        let sep = if labels.is_empty() { "" } else { "," };
        for (b, c) in self.bounds.iter().zip(&self.counts) {
            let _ = writeln!(out, "{name}_bucket{{{labels}{sep}le=\"{b}\"}} {c}");
        }
        let _ = writeln!(
            out,
            "{name}_bucket{{{labels}{sep}le=\"+Inf\"}} {}",
            self.count
        );
        let braces = if labels.is_empty() {
            String::new()
        } else {
            format!("{{{labels}}}")
        };
        let _ = writeln!(out, "{name}_sum{braces} {}", self.sum);
        let _ = writeln!(out, "{name}_count{braces} {}", self.count);
    }
}

/// All counters of the process.
#[derive(Debug)]
pub struct Metrics {
    requests: Mutex<BTreeMap<(String, String, u16), u64>>,
    latency: Mutex<BTreeMap<(String, String), Histogram>>,
    batch_size: Mutex<Histogram>,
    commit_seconds: Mutex<Histogram>,
    /// Real-time notifications handed to sockets.
    pub notifications_sent: AtomicU64,
    /// Real-time notifications that could not be delivered.
    pub notifications_failed: AtomicU64,
    /// Sockets the server closed because they stopped answering pings.
    pub sockets_closed_idle: AtomicU64,
    /// Delivery attempts by (channel, outcome).
    deliveries: Mutex<BTreeMap<(String, &'static str), u64>>,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics {
            requests: Mutex::default(),
            latency: Mutex::default(),
            batch_size: Mutex::new(Histogram::new(BATCH_BUCKETS)),
            commit_seconds: Mutex::new(Histogram::new(LATENCY_BUCKETS)),
            notifications_sent: AtomicU64::new(0),
            notifications_failed: AtomicU64::new(0),
            sockets_closed_idle: AtomicU64::new(0),
            deliveries: Mutex::default(),
        }
    }
}

fn escape(v: &str) -> String {
    v.replace('\\', "\\\\").replace('"', "\\\"")
}

impl Metrics {
    /// Records one writer batch: how many jobs and how long until durable.
    pub fn observe_batch(&self, size: usize, seconds: f64) {
        if let Ok(mut h) = self.batch_size.lock() {
            h.observe(size as f64);
        }
        if let Ok(mut h) = self.commit_seconds.lock() {
            h.observe(seconds);
        }
    }

    /// Records one answered HTTP request.
    pub fn observe_request(&self, method: &str, route: &str, status: u16, seconds: f64) {
        if let Ok(mut m) = self.requests.lock() {
            *m.entry((method.into(), route.into(), status)).or_default() += 1;
        }
        if let Ok(mut m) = self.latency.lock() {
            m.entry((method.into(), route.into()))
                .or_insert_with(|| Histogram::new(LATENCY_BUCKETS))
                .observe(seconds);
        }
    }

    /// Records one delivery attempt: `outcome` is `succeeded`, `failed` or `dead`.
    pub fn delivered(&self, channel: &str, outcome: &'static str) {
        if let Ok(mut m) = self.deliveries.lock() {
            *m.entry((channel.to_string(), outcome)).or_default() += 1;
        }
    }

    /// The Prometheus text exposition; `pool` is (open, idle) read connections and `pending`
    /// the deliveries waiting per channel.
    pub fn render(&self, pool: (u32, u32), pending: &[(String, i64)]) -> String {
        let mut out = String::new();
        out.push_str("# HELP leadbox_deliveries_total Delivery attempts by channel and outcome.\n");
        out.push_str("# TYPE leadbox_deliveries_total counter\n");
        if let Ok(m) = self.deliveries.lock() {
            for channel in ["webhook", "email", "push"] {
                for outcome in ["succeeded", "failed", "dead"] {
                    let n = m.get(&(channel.to_string(), outcome)).copied().unwrap_or(0);
                    let _ = writeln!(
                        out,
                        "leadbox_deliveries_total{{channel=\"{channel}\",outcome=\"{outcome}\"}} {n}"
                    );
                }
            }
        }
        out.push_str(
            "# HELP leadbox_deliveries_pending Deliveries waiting to be sent or retried.\n",
        );
        out.push_str("# TYPE leadbox_deliveries_pending gauge\n");
        for channel in ["webhook", "email", "push"] {
            let n = pending
                .iter()
                .find(|(c, _)| c == channel)
                .map(|(_, n)| *n)
                .unwrap_or(0);
            let _ = writeln!(
                out,
                "leadbox_deliveries_pending{{channel=\"{channel}\"}} {n}"
            );
        }
        out.push_str("# HELP leadbox_http_requests_total HTTP requests answered.\n");
        out.push_str("# TYPE leadbox_http_requests_total counter\n");
        if let Ok(m) = self.requests.lock() {
            for ((method, route, status), n) in m.iter() {
                let _ = writeln!(
                    out,
                    "leadbox_http_requests_total{{method=\"{method}\",route=\"{}\",status=\"{status}\"}} {n}",
                    escape(route)
                );
            }
        }
        out.push_str("# HELP leadbox_http_request_duration_seconds Time to answer, per route.\n");
        out.push_str("# TYPE leadbox_http_request_duration_seconds histogram\n");
        if let Ok(m) = self.latency.lock() {
            for ((method, route), h) in m.iter() {
                let labels = format!("method=\"{method}\",route=\"{}\"", escape(route));
                h.render(&mut out, "leadbox_http_request_duration_seconds", &labels);
            }
        }
        out.push_str("# HELP leadbox_writer_batch_size Writes committed per transaction.\n");
        out.push_str("# TYPE leadbox_writer_batch_size histogram\n");
        if let Ok(h) = self.batch_size.lock() {
            h.render(&mut out, "leadbox_writer_batch_size", "");
        }
        out.push_str(
            "# HELP leadbox_writer_commit_seconds Time from batch start to durable commit.\n",
        );
        out.push_str("# TYPE leadbox_writer_commit_seconds histogram\n");
        if let Ok(h) = self.commit_seconds.lock() {
            h.render(&mut out, "leadbox_writer_commit_seconds", "");
        }
        out.push_str("# HELP leadbox_notifications_total Real-time notifications by outcome.\n");
        out.push_str("# TYPE leadbox_notifications_total counter\n");
        let _ = writeln!(
            out,
            "leadbox_notifications_total{{outcome=\"sent\"}} {}",
            self.notifications_sent.load(Ordering::Relaxed)
        );
        let _ = writeln!(
            out,
            "leadbox_notifications_total{{outcome=\"failed\"}} {}",
            self.notifications_failed.load(Ordering::Relaxed)
        );
        out.push_str(
            "# HELP leadbox_ws_closed_idle_total Sockets closed for not answering pings.\n",
        );
        out.push_str("# TYPE leadbox_ws_closed_idle_total counter\n");
        let _ = writeln!(
            out,
            "leadbox_ws_closed_idle_total {}",
            self.sockets_closed_idle.load(Ordering::Relaxed)
        );
        out.push_str("# HELP leadbox_db_pool_connections Read pool connections by state.\n");
        out.push_str("# TYPE leadbox_db_pool_connections gauge\n");
        let _ = writeln!(
            out,
            "leadbox_db_pool_connections{{state=\"open\"}} {}",
            pool.0
        );
        let _ = writeln!(
            out,
            "leadbox_db_pool_connections{{state=\"idle\"}} {}",
            pool.1
        );
        let _ = writeln!(
            out,
            "leadbox_db_pool_connections{{state=\"in_use\"}} {}",
            pool.0.saturating_sub(pool.1)
        );
        out
    }
}

/// Fairing that times every request and counts it by route template (never by raw path, which
/// could carry ids).
pub struct RequestMetrics(pub std::sync::Arc<Metrics>);

struct Started(Instant);

#[rocket::async_trait]
impl Fairing for RequestMetrics {
    fn info(&self) -> Info {
        Info {
            name: "request metrics",
            kind: Kind::Request | Kind::Response,
        }
    }

    async fn on_request(&self, req: &mut Request<'_>, _: &mut Data<'_>) {
        req.local_cache(|| Started(Instant::now()));
    }

    async fn on_response<'r>(&self, req: &'r Request<'_>, res: &mut Response<'r>) {
        let started = req.local_cache(|| Started(Instant::now())).0;
        let route = req
            .route()
            .map(|r| r.uri.path().to_string())
            .unwrap_or_else(|| "unmatched".into());
        let seconds = started.elapsed().as_secs_f64();
        // The route template, never the raw path or query: those can carry ids and search text.
        tracing::debug!(
            method = req.method().as_str(),
            route = %route,
            status = res.status().code,
            ms = format!("{:.2}", seconds * 1000.0),
            "request"
        );
        self.0
            .observe_request(req.method().as_str(), &route, res.status().code, seconds);
    }
}
