//! The single writer: one thread, one connection, group commit.
//!
//! Jobs arrive on a channel. The thread takes everything queued (up to `max_batch`), runs each
//! job inside its own savepoint in one `BEGIN IMMEDIATE` transaction, commits once, and only
//! then answers each job. A failing job rolls back to its savepoint and fails alone; a panic in
//! a job is caught and becomes that job's error. With `max_batch = 1` every write is its own
//! transaction (the baseline the benchmark compares against).

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;
use std::time::Instant;

use rocket::tokio::sync::{mpsc, oneshot};
use rusqlite::Connection;

use super::events::{Event, NewEvent};
use super::{FileGuard, OnCommit};
use crate::error::ApiError;
use crate::ops::metrics::Metrics;

/// What a job sees: the connection inside the open transaction, and the events it appends.
pub struct Tx<'c> {
    conn: &'c Connection,
    events: Vec<Event>,
}

impl<'c> Tx<'c> {
    /// Appends an event to the durable log in this transaction; it is published after commit.
    pub fn append(&mut self, ev: NewEvent) -> Result<i64, ApiError> {
        let event = super::events::insert(self.conn, ev)?;
        let id = event.id;
        self.events.push(event);
        Ok(id)
    }
}

impl std::ops::Deref for Tx<'_> {
    type Target = Connection;
    fn deref(&self) -> &Connection {
        self.conn
    }
}

type Finish = Box<dyn FnOnce(Result<(), ApiError>) + Send>;
type Job = Box<dyn FnOnce(&mut Tx<'_>) -> (bool, Finish) + Send>;

/// Handle to the writer thread; cheap to clone.
#[derive(Clone)]
pub struct Writer {
    tx: mpsc::Sender<Job>,
    guard: Arc<FileGuard>,
}

impl Writer {
    /// Starts the writer thread on `conn`.
    pub fn start(
        conn: Connection,
        max_batch: usize,
        metrics: Arc<Metrics>,
        on_commit: Arc<dyn OnCommit>,
        guard: Arc<FileGuard>,
    ) -> Writer {
        let (tx, rx) = mpsc::channel::<Job>(8192);
        let g = guard.clone();
        std::thread::Builder::new()
            .name("leadbox-writer".into())
            .spawn(move || run(conn, rx, max_batch.max(1), metrics, on_commit, g))
            .expect("the writer thread must start");
        Writer { tx, guard }
    }

    /// Runs `f` inside the next batch and answers once that batch is durable.
    pub async fn exec<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Tx<'_>) -> Result<T, ApiError> + Send + 'static,
    {
        let (done, wait) = oneshot::channel::<Result<T, ApiError>>();
        let job: Job = Box::new(move |tx: &mut Tx<'_>| {
            let result = f(tx);
            let ok = result.is_ok();
            let finish: Finish = Box::new(move |committed| {
                let _ = done.send(committed.and(result));
            });
            (ok, finish)
        });
        self.tx
            .send(job)
            .await
            .map_err(|_| ApiError::unavailable("the database writer has stopped"))?;
        wait.await.map_err(|_| {
            self.guard.last_fault().unwrap_or_else(|| {
                ApiError::unavailable("the write could not be completed; try again")
            })
        })?
    }
}

fn run(
    conn: Connection,
    mut rx: mpsc::Receiver<Job>,
    max_batch: usize,
    metrics: Arc<Metrics>,
    on_commit: Arc<dyn OnCommit>,
    guard: Arc<FileGuard>,
) {
    let mut batch: Vec<Job> = Vec::with_capacity(max_batch);
    while let Some(first) = rx.blocking_recv() {
        batch.push(first);
        while batch.len() < max_batch {
            match rx.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        let started = Instant::now();
        let size = batch.len();
        // A deleted or replaced file would take the batch and lose it at the next start.
        if guard.check().is_err() {
            batch.clear();
            continue;
        }
        let (finishers, events, mut outcome) = commit_batch(&conn, &mut batch);
        if outcome.is_ok() {
            // Removed while this batch ran: what it wrote is in a file nobody will open.
            match guard.check() {
                Ok(()) => guard.forget(),
                Err(e) => outcome = Err(e),
            }
        } else if let Err(e) = &outcome {
            guard.remember(e.clone());
        }
        metrics.observe_batch(size, started.elapsed().as_secs_f64());
        if outcome.is_ok() {
            // Only after the commit: a notification never announces an unsaved lead.
            for ev in events {
                on_commit.committed(ev);
            }
        }
        for finish in finishers {
            finish(outcome.clone());
        }
    }
}

/// Runs one batch in one transaction; returns each job's finisher, the committed events and
/// whether the commit itself succeeded.
fn commit_batch(
    conn: &Connection,
    batch: &mut Vec<Job>,
) -> (Vec<Finish>, Vec<Event>, Result<(), ApiError>) {
    let mut finishers: Vec<Finish> = Vec::with_capacity(batch.len());
    if let Err(e) = conn.execute_batch("BEGIN IMMEDIATE") {
        // Dropping the jobs unanswered tells each caller its write did not happen.
        batch.clear();
        return (finishers, vec![], Err(ApiError::from(e)));
    }
    let mut tx = Tx {
        conn,
        events: vec![],
    };
    for job in batch.drain(..) {
        let mark = tx.events.len();
        if let Err(e) = conn.execute_batch("SAVEPOINT job") {
            tracing::error!(cause = %e, "savepoint failed; job dropped");
            continue;
        }
        match catch_unwind(AssertUnwindSafe(|| job(&mut tx))) {
            Ok((true, finish)) => {
                let _ = conn.execute_batch("RELEASE job");
                finishers.push(finish);
            }
            Ok((false, finish)) => {
                let _ = conn.execute_batch("ROLLBACK TO job; RELEASE job");
                tx.events.truncate(mark);
                finishers.push(finish);
            }
            Err(_) => {
                // The job's answer channel went down with it; its caller sees the failure.
                tracing::error!("a write job panicked; rolled back to its savepoint");
                let _ = conn.execute_batch("ROLLBACK TO job; RELEASE job");
                tx.events.truncate(mark);
            }
        }
    }
    let events = std::mem::take(&mut tx.events);
    match conn.execute_batch("COMMIT") {
        Ok(()) => (finishers, events, Ok(())),
        Err(e) => {
            let _ = conn.execute_batch("ROLLBACK");
            (finishers, vec![], Err(ApiError::from(e)))
        }
    }
}
