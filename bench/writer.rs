//! Writer benchmark: group commit against one transaction per write, at 1, 16 and 64
//! concurrent writers, in one run on the same disk.
//!
//! Each write is the shape of a captured lead: one row plus its event in the outbox, with
//! `synchronous=FULL`. Run: `cargo bench --bench writer` (`BENCH_SECONDS`, default 5).

use std::sync::Arc;
use std::time::{Duration, Instant};

use leadbox::ops::metrics::Metrics;
use leadbox::store::{NewEvent, Store};
use serde_json::json;

struct Result {
    writes: u64,
    per_second: f64,
    p50_ms: f64,
    p99_ms: f64,
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

async fn run(max_batch: usize, writers: usize, seconds: u64) -> Result {
    let dir = std::env::temp_dir().join(format!("leadbox-bench-{}", uuid::Uuid::new_v4()));
    let store = Store::open(
        &dir,
        max_batch,
        Arc::new(Metrics::default()),
        Arc::new(leadbox::store::Nobody),
    )
    .expect("store opens");
    rusqlite::Connection::open(dir.join("leadbox.db"))
        .unwrap()
        .execute_batch(
            "CREATE TABLE bench_leads (id TEXT PRIMARY KEY, name TEXT, email TEXT, message TEXT, created_at TEXT)",
        )
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let mut tasks = vec![];
    for _ in 0..writers {
        let store = store.clone();
        tasks.push(rocket::tokio::spawn(async move {
            let mut latencies = vec![];
            while Instant::now() < deadline {
                let id = leadbox::util::new_id("inq");
                let started = Instant::now();
                store
                    .write(move |tx| {
                        tx.execute(
                            "INSERT INTO bench_leads VALUES (?1, 'Ada Lovelace', 'ada@example.com', 'We would like a demo of the product for our team.', ?2)",
                            [&id, &leadbox::util::now_str()],
                        )?;
                        tx.append(NewEvent {
                            workspace_id: None,
                            topic: "observation/outreach/inquiry/submitted".into(),
                            subject_id: Some(id),
                            actor_id: None,
                            data: json!({ "name": "Ada Lovelace" }),
                        })?;
                        Ok(())
                    })
                    .await
                    .expect("write succeeds");
                latencies.push(started.elapsed().as_secs_f64() * 1000.0);
            }
            latencies
        }));
    }
    let mut all = vec![];
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    all.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let _ = std::fs::remove_dir_all(&dir);
    Result {
        writes: all.len() as u64,
        per_second: all.len() as f64 / seconds as f64,
        p50_ms: percentile(&all, 0.50),
        p99_ms: percentile(&all, 0.99),
    }
}

fn main() {
    let seconds: u64 = std::env::var("BENCH_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(5);
    let rt = rocket::tokio::runtime::Runtime::new().unwrap();
    println!("writer benchmark: {seconds} s per cell, synchronous=FULL, WAL, one row + one event per write");
    println!();
    println!("| writers | one tx per write (writes/s, p50, p99) | group commit (writes/s, p50, p99) | ratio |");
    println!("|---:|---|---|---:|");
    for writers in [1usize, 16, 64] {
        let single = rt.block_on(run(1, writers, seconds));
        let group = rt.block_on(run(512, writers, seconds));
        println!(
            "| {writers} | {:.0}/s ({} writes), {:.2} ms, {:.2} ms | {:.0}/s ({} writes), {:.2} ms, {:.2} ms | {:.1}× |",
            single.per_second, single.writes, single.p50_ms, single.p99_ms,
            group.per_second, group.writes, group.p50_ms, group.p99_ms,
            group.per_second / single.per_second.max(1.0)
        );
    }
}
