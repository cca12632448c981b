//! The group-commit writer: batching, per-job savepoints, panics, events after commit.

mod common;

use std::sync::Arc;

use common::TempDir;
use leadbox::error::ApiError;
use leadbox::ops::metrics::Metrics;
use leadbox::store::writer::CATCH_UP_CHUNK;
use leadbox::store::{Backlog, Event, NewEvent, OnCommit, Store};
use serde_json::json;

/// Collects what the writer reports after each commit: the store needs no realtime hub.
struct Sink(std::sync::Mutex<std::sync::mpsc::Sender<Event>>);

impl OnCommit for Sink {
    fn committed(&self, event: Event) {
        let _ = self.0.lock().unwrap().send(event);
    }
}

fn open_with_sink(
    dir: &TempDir,
    max_batch: usize,
) -> (Store, Arc<Metrics>, std::sync::mpsc::Receiver<Event>) {
    let metrics = Arc::new(Metrics::default());
    let (tx, rx) = std::sync::mpsc::channel();
    let sink = Arc::new(Sink(std::sync::Mutex::new(tx)));
    let store = Store::open(dir.path(), max_batch, metrics.clone(), sink).unwrap();
    rusqlite::Connection::open(dir.path().join("leadbox.db"))
        .unwrap()
        .execute_batch("CREATE TABLE t (n INTEGER PRIMARY KEY)")
        .unwrap();
    (store, metrics, rx)
}

fn open(dir: &TempDir, max_batch: usize) -> (Store, Arc<Metrics>) {
    let metrics = Arc::new(Metrics::default());
    let store = Store::open(
        dir.path(),
        max_batch,
        metrics.clone(),
        Arc::new(leadbox::store::Nobody),
    )
    .unwrap();
    rusqlite::Connection::open(dir.path().join("leadbox.db"))
        .unwrap()
        .execute_batch("CREATE TABLE t (n INTEGER PRIMARY KEY)")
        .unwrap();
    (store, metrics)
}

fn batch_count(metrics: &Metrics) -> u64 {
    let text = metrics.render((0, 0), &[]);
    let line = text
        .lines()
        .find(|l| l.starts_with("leadbox_writer_batch_size_count"))
        .unwrap();
    line.rsplit(' ').next().unwrap().parse().unwrap()
}

fn rows(dir: &TempDir) -> i64 {
    rusqlite::Connection::open(dir.path().join("leadbox.db"))
        .unwrap()
        .query_row("SELECT COUNT(*) FROM t", [], |r| r.get(0))
        .unwrap()
}

#[test]
fn concurrent_writes_are_committed_in_shared_batches() {
    let dir = TempDir::new();
    let (store, metrics) = open(&dir, 512);
    let before = batch_count(&metrics);
    let rt = rocket::tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let mut tasks = vec![];
        for n in 0..300i64 {
            let s = store.clone();
            tasks.push(rocket::tokio::spawn(async move {
                s.write(move |tx| {
                    tx.execute("INSERT INTO t (n) VALUES (?1)", [n])?;
                    Ok(())
                })
                .await
            }));
        }
        for t in tasks {
            t.await.unwrap().unwrap();
        }
    });
    assert_eq!(rows(&dir), 300);
    let batches = batch_count(&metrics) - before;
    assert!(
        batches < 300,
        "300 concurrent writes took {batches} commits: no group commit"
    );
}

#[test]
fn with_a_batch_of_one_every_write_is_its_own_transaction() {
    let dir = TempDir::new();
    let (store, metrics) = open(&dir, 1);
    let before = batch_count(&metrics);
    let rt = rocket::tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let mut tasks = vec![];
        for n in 0..50i64 {
            let s = store.clone();
            tasks.push(rocket::tokio::spawn(async move {
                s.write(move |tx| Ok(tx.execute("INSERT INTO t (n) VALUES (?1)", [n])?))
                    .await
            }));
        }
        for t in tasks {
            t.await.unwrap().unwrap();
        }
    });
    assert_eq!(batch_count(&metrics) - before, 50);
}

#[test]
fn a_failing_job_rolls_back_alone_and_its_batch_commits() {
    let dir = TempDir::new();
    let (store, _) = open(&dir, 512);
    let rt = rocket::tokio::runtime::Runtime::new().unwrap();
    let results = rt.block_on(async {
        let mut tasks = vec![];
        for n in 0..40i64 {
            let s = store.clone();
            tasks.push(rocket::tokio::spawn(async move {
                s.write(move |tx| {
                    tx.execute("INSERT INTO t (n) VALUES (?1)", [n])?;
                    tx.append(NewEvent {
                        workspace_id: None,
                        topic: "test".into(),
                        subject_id: Some(n.to_string()),
                        actor_id: None,
                        data: json!({}),
                    })?;
                    if n % 4 == 0 {
                        return Err(ApiError::conflict("NOPE", "refused"));
                    }
                    Ok(n)
                })
                .await
            }));
        }
        let mut out = vec![];
        for t in tasks {
            out.push(t.await.unwrap());
        }
        out
    });
    assert_eq!(results.iter().filter(|r| r.is_err()).count(), 10);
    assert!(results
        .iter()
        .filter_map(|r| r.as_ref().err())
        .all(|e| e.code == "NOPE"));
    assert_eq!(
        rows(&dir),
        30,
        "the refused jobs' rows are rolled back, the rest kept"
    );
    let events: i64 = rusqlite::Connection::open(dir.path().join("leadbox.db"))
        .unwrap()
        .query_row(
            "SELECT COUNT(*) FROM events WHERE topic = 'test'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(events, 30, "and so are their events");
}

#[test]
fn a_panicking_job_fails_alone_and_the_writer_keeps_going() {
    let dir = TempDir::new();
    let (store, _) = open(&dir, 512);
    let rt = rocket::tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let r = store
            .write(|tx| -> Result<(), ApiError> {
                tx.execute("INSERT INTO t (n) VALUES (1)", [])?;
                panic!("a bug in a job");
            })
            .await;
        assert!(r.is_err());
        store
            .write(|tx| Ok(tx.execute("INSERT INTO t (n) VALUES (2)", [])?))
            .await
            .unwrap();
    });
    assert_eq!(rows(&dir), 1);
}

#[test]
fn events_are_published_only_after_their_commit() {
    let dir = TempDir::new();
    let (store, _, rx) = open_with_sink(&dir, 512);
    let rt = rocket::tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let ev = |topic: &str| NewEvent {
            workspace_id: None,
            topic: topic.into(),
            subject_id: None,
            actor_id: None,
            data: json!({ "k": 1 }),
        };
        let e1 = ev("kept");
        let _ = store
            .write(move |tx| {
                tx.append(ev("dropped"))?;
                Err::<(), _>(ApiError::conflict("NO", "no"))
            })
            .await;
        let id = store.write(move |tx| tx.append(e1)).await.unwrap();
        let got = rx.recv_timeout(std::time::Duration::from_secs(5)).unwrap();
        assert_eq!(got.topic, "kept");
        assert_eq!(got.id, id);
        // Visible to a fresh read connection by the time it is published.
        let n: i64 = store
            .read(move |c| {
                Ok(
                    c.query_row("SELECT COUNT(*) FROM events WHERE id = ?1", [id], |r| {
                        r.get(0)
                    })?,
                )
            })
            .await
            .unwrap();
        assert_eq!(n, 1);
        // The rolled-back job's event was never reported.
        assert!(rx.try_recv().is_err());
    });
}

/// `(log pages, pages copied back)` of the WAL as a fresh connection sees them, without
/// checkpointing anything itself.
fn wal_progress(dir: &TempDir) -> (i64, i64) {
    rusqlite::Connection::open(dir.path().join("leadbox.db"))
        .unwrap()
        .query_row("PRAGMA wal_checkpoint(NOOP)", [], |r| {
            Ok((r.get(1)?, r.get(2)?))
        })
        .unwrap()
}

#[test]
fn the_log_is_checkpointed_in_the_background_while_the_writer_goes_on() {
    let dir = TempDir::new();
    let (store, _) = open(&dir, 512);
    let rt = rocket::tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        // Far fewer pages than the writer's own checkpoint mark.
        for n in 0..60i64 {
            store
                .write(move |tx| Ok(tx.execute("INSERT INTO t (n) VALUES (?1)", [n])?))
                .await
                .unwrap();
        }
    });
    let (log, _) = wal_progress(&dir);
    assert!(
        log > 0 && log < 4000,
        "the writes are in the log: {log} pages"
    );
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let (log, copied) = wal_progress(&dir);
        if log > 0 && copied == log {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the log was not copied back: {copied} of {log} pages"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    // The copy reached the database file: a connection that ignores the log sees the rows.
    let file = dir.path().join("leadbox.db");
    let copy = dir.path().join("copy.db");
    std::fs::copy(&file, &copy).unwrap();
    let n: i64 = rusqlite::Connection::open(&copy)
        .unwrap()
        .query_row("SELECT COUNT(*) FROM t", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 60);
    assert_eq!(rows(&dir), 60);
}

/// A backlog that moves rows from `noted` to `done`, oldest first, and records each catch-up:
/// the most it was asked for and how much it did.
#[derive(Default)]
struct Moves {
    calls: std::sync::Mutex<Vec<(Option<usize>, usize)>>,
}

impl Backlog for Moves {
    fn pending(&self, conn: &rusqlite::Connection) -> Result<bool, ApiError> {
        Ok(conn.query_row("SELECT EXISTS (SELECT 1 FROM noted)", [], |r| r.get(0))?)
    }

    fn catch_up(
        &self,
        conn: &rusqlite::Connection,
        most: Option<usize>,
    ) -> Result<usize, ApiError> {
        let limit = most.map_or(-1, |m| m as i64);
        let n = conn.execute(
            "INSERT INTO done (n) SELECT n FROM noted ORDER BY n LIMIT ?1",
            [limit],
        )?;
        conn.execute("DELETE FROM noted WHERE n <= (SELECT MAX(n) FROM done)", [])?;
        self.calls.lock().unwrap().push((most, n));
        Ok(n)
    }
}

fn count(dir: &TempDir, table: &str) -> i64 {
    rusqlite::Connection::open(dir.path().join("leadbox.db"))
        .unwrap()
        .query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0))
        .unwrap()
}

#[test]
fn under_load_the_backlog_is_caught_up_a_chunk_per_batch_and_whole_when_quiet_or_read() {
    let dir = TempDir::new();
    let (store, _) = open(&dir, 512);
    rusqlite::Connection::open(dir.path().join("leadbox.db"))
        .unwrap()
        .execute_batch(
            "CREATE TABLE noted (n INTEGER PRIMARY KEY); CREATE TABLE done (n INTEGER PRIMARY KEY);",
        )
        .unwrap();
    let moves = Arc::new(Moves::default());
    store.defer_to(moves.clone());
    let rt = rocket::tokio::runtime::Runtime::new().unwrap();
    let next = Arc::new(std::sync::atomic::AtomicI64::new(0));
    // Sixteen writers that each leave twenty notes per job, for 400 ms: the backlog grows
    // past a chunk between catch-ups.
    let load = |ms: u64| {
        let until = std::time::Instant::now() + std::time::Duration::from_millis(ms);
        rt.block_on(async {
            let mut tasks = vec![];
            for _ in 0..16 {
                let (s, next) = (store.clone(), next.clone());
                tasks.push(rocket::tokio::spawn(async move {
                    while std::time::Instant::now() < until {
                        let base = next.fetch_add(20, std::sync::atomic::Ordering::SeqCst);
                        s.write_deferring(move |tx| {
                            for n in base..base + 20 {
                                tx.execute("INSERT INTO noted (n) VALUES (?1)", [n])?;
                            }
                            Ok(())
                        })
                        .await
                        .unwrap();
                    }
                }));
            }
            for t in tasks {
                t.await.unwrap();
            }
        })
    };
    load(400);
    let chunked: Vec<(Option<usize>, usize)> = moves
        .calls
        .lock()
        .unwrap()
        .iter()
        .filter(|(most, _)| most.is_some())
        .copied()
        .collect();
    assert!(
        !chunked.is_empty(),
        "under steady load no batch caught the backlog up by the chunk"
    );
    assert!(
        chunked
            .iter()
            .all(|&(most, n)| most == Some(CATCH_UP_CHUNK) && n <= CATCH_UP_CHUNK),
        "a batch under load caught up more than a chunk: {chunked:?}"
    );
    assert!(
        chunked.iter().any(|&(_, n)| n == CATCH_UP_CHUNK),
        "the backlog never outgrew a chunk, so nothing was left to the next batch: {chunked:?}"
    );
    // Once the queue is quiet the writer catches up the rest on its own.
    let total = next.load(std::sync::atomic::Ordering::SeqCst);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while count(&dir, "noted") > 0 && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert_eq!((count(&dir, "noted"), count(&dir, "done")), (0, total));
    // A job that may not run behind the backlog finds all of it done, however much was left.
    load(150);
    let total = next.load(std::sync::atomic::Ordering::SeqCst);
    let seen = rt
        .block_on(store.write(|tx| {
            let left: i64 = tx.query_row("SELECT COUNT(*) FROM noted", [], |r| r.get(0))?;
            let done: i64 = tx.query_row("SELECT COUNT(*) FROM done", [], |r| r.get(0))?;
            Ok((left, done))
        }))
        .unwrap();
    assert_eq!(seen, (0, total));
}
