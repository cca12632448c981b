//! The single writer: one thread, one connection, group commit.
//!
//! Jobs arrive on a channel. The thread takes everything queued (up to `max_batch`), runs each
//! job inside its own savepoint in one `BEGIN IMMEDIATE` transaction, commits once, and only
//! then answers each job. A failing job rolls back to its savepoint and fails alone; a panic in
//! a job is caught and becomes that job's error. With `max_batch = 1` every write is its own
//! transaction (the baseline the benchmark compares against).
//!
//! Work derived from what jobs wrote (the lead index) can be left to a [`Backlog`]: a job sent
//! with [`Writer::exec_deferring`] leaves it behind; the writer catches it up before any other
//! job, when the queue goes quiet, and when a reader asks ([`Writer::catch_up`]) — so hundreds
//! of captures share one catch-up. Under steady load, once the backlog has waited
//! [`CATCH_UP_AFTER`], each batch catches up at most [`CATCH_UP_CHUNK`] of it, oldest first,
//! so no batch (and no job queued behind it) waits for the whole of it.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use rocket::tokio::sync::{mpsc, oneshot};
use rusqlite::Connection;

use super::events::{Event, NewEvent};
use super::{FileGuard, OnCommit};
use crate::error::ApiError;
use crate::ops::metrics::Metrics;

/// Work the writer may leave behind a job and do for many jobs at once: rows derived from
/// what the jobs wrote, noted durably by the jobs themselves (a trigger), so a crash leaves
/// the note and the next start catches up.
pub trait Backlog: Send + Sync + 'static {
    /// True when something is noted and not yet done.
    fn pending(&self, conn: &Connection) -> Result<bool, ApiError>;
    /// Does what is noted, oldest first: at most `most` notes, or all of them; answers how
    /// much.
    fn catch_up(&self, conn: &Connection, most: Option<usize>) -> Result<usize, ApiError>;
}

/// Longest a backlog waits under steady load before batches start catching it up.
pub const CATCH_UP_AFTER: Duration = Duration::from_millis(20);
/// Most notes one batch catches up under load; an older backlog is caught up over the batches
/// that follow. Every job queued behind a batch waits for its catch-up, so a whole backlog at
/// once (a few hundred leads at full load, 5-15 ms) made the slowest answers.
pub const CATCH_UP_CHUNK: usize = 128;
/// How long the queue stays quiet before the writer catches up on its own.
const QUIET: Duration = Duration::from_millis(5);

/// The writer's backlog, once one is given.
type BacklogSlot = Arc<OnceLock<Arc<dyn Backlog>>>;

/// What a job sees: the connection inside the open transaction, and the events it appends.
pub struct Tx<'c> {
    conn: &'c Connection,
    events: Vec<Event>,
    backlog: Option<&'c dyn Backlog>,
}

impl<'c> Tx<'c> {
    /// Does the writer's backlog now, inside this job (for a job that reads what the backlog
    /// derives, like the lead index, right after a deferring job wrote).
    pub fn catch_up(&self) -> Result<(), ApiError> {
        if let Some(b) = self.backlog {
            if b.pending(self.conn)? {
                b.catch_up(self.conn, None)?;
            }
        }
        Ok(())
    }

    /// Appends an event to the durable log in this transaction; it is published after commit.
    pub fn append(&mut self, ev: NewEvent) -> Result<i64, ApiError> {
        let event = super::events::insert(self.conn, ev)?;
        Ok(self.keep(event))
    }

    /// Like [`Tx::append`], for an event whose data was written out as `text` before the job
    /// (so the single writer only binds it).
    pub fn append_text(&mut self, ev: NewEvent, text: &str) -> Result<i64, ApiError> {
        let event = super::events::insert_text(self.conn, ev, text)?;
        Ok(self.keep(event))
    }

    fn keep(&mut self, event: Event) -> i64 {
        let id = event.id;
        self.events.push(event);
        id
    }
}

impl std::ops::Deref for Tx<'_> {
    type Target = Connection;
    fn deref(&self) -> &Connection {
        self.conn
    }
}

type Finish = Box<dyn FnOnce(Result<(), ApiError>) + Send>;
type Run = Box<dyn FnOnce(&mut Tx<'_>) -> (bool, Finish) + Send>;

/// A job, and whether it may leave the backlog behind.
struct Job {
    run: Run,
    defer: bool,
}

/// Handle to the writer thread; cheap to clone.
#[derive(Clone)]
pub struct Writer {
    tx: mpsc::Sender<Job>,
    guard: Arc<FileGuard>,
    backlog: BacklogSlot,
    /// Set after a commit that left backlog; cleared by the commit that caught it up.
    behind: Arc<AtomicBool>,
}

impl Writer {
    /// Starts the writer thread on `conn`.
    pub fn start(
        conn: Connection,
        max_batch: usize,
        metrics: Arc<Metrics>,
        on_commit: Arc<dyn OnCommit>,
        guard: Arc<FileGuard>,
        checkpoint: super::checkpoint::Poke,
    ) -> Writer {
        let (tx, rx) = mpsc::channel::<Job>(8192);
        let g = guard.clone();
        let backlog: BacklogSlot = Arc::default();
        let behind = Arc::new(AtomicBool::new(false));
        let state = Thread {
            conn,
            max_batch: max_batch.max(1),
            metrics,
            on_commit,
            guard: g,
            backlog: backlog.clone(),
            behind: behind.clone(),
            checkpoint,
        };
        std::thread::Builder::new()
            .name("leadbox-writer".into())
            .spawn(move || state.run(rx))
            .expect("the writer thread must start");
        Writer {
            tx,
            guard,
            backlog,
            behind,
        }
    }

    /// Gives the writer its backlog (once; later calls are ignored).
    pub fn defer_to(&self, backlog: Arc<dyn Backlog>) {
        let _ = self.backlog.set(backlog);
    }

    /// True when a committed write left backlog nobody has caught up yet.
    pub fn behind(&self) -> bool {
        self.behind.load(Ordering::SeqCst)
    }

    /// Answers once everything committed so far is caught up (at once when nothing is behind).
    pub async fn catch_up(&self) -> Result<(), ApiError> {
        if self.behind() {
            self.exec(|_| Ok(())).await?;
        }
        Ok(())
    }

    /// Runs `f` inside the next batch and answers once that batch is durable. The backlog is
    /// caught up before `f` runs.
    pub async fn exec<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Tx<'_>) -> Result<T, ApiError> + Send + 'static,
    {
        self.send(f, false).await
    }

    /// Like [`Writer::exec`], but `f` may run with the backlog behind and leave its own
    /// share of it (a capture: it only adds rows).
    pub async fn exec_deferring<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Tx<'_>) -> Result<T, ApiError> + Send + 'static,
    {
        self.send(f, true).await
    }

    async fn send<T, F>(&self, f: F, defer: bool) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Tx<'_>) -> Result<T, ApiError> + Send + 'static,
    {
        let (done, wait) = oneshot::channel::<Result<T, ApiError>>();
        let run: Run = Box::new(move |tx: &mut Tx<'_>| {
            let result = f(tx);
            let ok = result.is_ok();
            let finish: Finish = Box::new(move |committed| {
                let _ = done.send(committed.and(result));
            });
            (ok, finish)
        });
        self.tx
            .send(Job { run, defer })
            .await
            .map_err(|_| ApiError::unavailable("the database writer has stopped"))?;
        wait.await.map_err(|_| {
            self.guard.last_fault().unwrap_or_else(|| {
                ApiError::unavailable("the write could not be completed; try again")
            })
        })?
    }
}

/// The writer thread's own state.
struct Thread {
    conn: Connection,
    max_batch: usize,
    metrics: Arc<Metrics>,
    on_commit: Arc<dyn OnCommit>,
    guard: Arc<FileGuard>,
    backlog: BacklogSlot,
    behind: Arc<AtomicBool>,
    /// Told after each commit: the log has grown.
    checkpoint: super::checkpoint::Poke,
}

/// Where the backlog stands between batches.
#[derive(Default)]
struct Behind {
    /// Since when something has waited (None: nothing).
    since: Option<Instant>,
}

impl Thread {
    fn run(self, mut rx: mpsc::Receiver<Job>) {
        // Only for waiting on the queue with a time limit.
        let Ok(clock) = rocket::tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
        else {
            tracing::error!("the writer could not start its timer");
            return;
        };
        let mut batch: Vec<Job> = Vec::with_capacity(self.max_batch);
        let mut behind = Behind::default();
        loop {
            let first = if behind.since.is_some() {
                match clock.block_on(async { rocket::tokio::time::timeout(QUIET, rx.recv()).await })
                {
                    Ok(job) => job,
                    // Quiet: catch up in a batch of its own.
                    Err(_) => {
                        self.batch(&mut batch, &mut behind, true);
                        continue;
                    }
                }
            } else {
                rx.blocking_recv()
            };
            let Some(first) = first else { return };
            batch.push(first);
            while batch.len() < self.max_batch {
                match rx.try_recv() {
                    Ok(job) => batch.push(job),
                    Err(_) => break,
                }
            }
            self.batch(&mut batch, &mut behind, false);
        }
    }

    /// Runs and answers one batch; `now` catches the backlog up whatever its age.
    fn batch(&self, batch: &mut Vec<Job>, behind: &mut Behind, now: bool) {
        let started = Instant::now();
        let size = batch.len();
        // A deleted or replaced file would take the batch and lose it at the next start.
        if self.guard.check().is_err() {
            batch.clear();
            return;
        }
        let backlog = self.backlog.get().map(|b| b.as_ref());
        let (finishers, events, mut outcome) =
            commit_batch(&self.conn, batch, backlog, behind, now);
        if outcome.is_ok() {
            // Removed while this batch ran: what it wrote is in a file nobody will open.
            match self.guard.check() {
                Ok(()) => self.guard.forget(),
                Err(e) => outcome = Err(e),
            }
        } else if let Err(e) = &outcome {
            self.guard.remember(e.clone());
            // What the batch did is gone; what was behind before it still is.
            behind.since.get_or_insert(started);
        }
        if size > 0 {
            self.metrics
                .observe_batch(size, started.elapsed().as_secs_f64());
        }
        // Before any answer: a caller told "done" that reads next sees it is behind.
        self.behind.store(behind.since.is_some(), Ordering::SeqCst);
        if outcome.is_ok() {
            self.checkpoint.committed();
            // Only after the commit: a notification never announces an unsaved lead.
            for ev in events {
                self.on_commit.committed(ev);
            }
        }
        for finish in finishers {
            finish(outcome.clone());
        }
    }
}

/// Runs one transaction-control statement (`SAVEPOINT job`, `COMMIT`, …) from the statement
/// cache: the writer runs a handful of them per job, and parsing them again each time showed
/// in its profile.
fn sql(conn: &Connection, statement: &str) -> rusqlite::Result<()> {
    conn.prepare_cached(statement)?.raw_execute().map(|_| ())
}

/// Rolls back to a savepoint and closes it.
fn undo(conn: &Connection, savepoint: &str) {
    let _ = sql(conn, &format!("ROLLBACK TO {savepoint}"));
    let _ = sql(conn, &format!("RELEASE {savepoint}"));
}

/// Catches the backlog up (at most `most` notes of it) inside the open transaction, in a
/// savepoint of its own: a failure leaves it behind (and logged) without failing the jobs
/// around it.
fn catch_up(conn: &Connection, backlog: &dyn Backlog, most: Option<usize>) -> bool {
    if sql(conn, "SAVEPOINT backlog").is_err() {
        return false;
    }
    match backlog.catch_up(conn, most) {
        Ok(_) => sql(conn, "RELEASE backlog").is_ok(),
        Err(e) => {
            tracing::error!(cause = %e, "catching up the backlog failed; it stays behind");
            undo(conn, "backlog");
            false
        }
    }
}

/// Runs one batch in one transaction; returns each job's finisher, the committed events and
/// whether the commit itself succeeded. The backlog is caught up before every job that may
/// not run behind it, and at the end when it has waited long enough: a chunk of it per batch
/// under load, all of it when `now` (the queue is quiet).
fn commit_batch(
    conn: &Connection,
    batch: &mut Vec<Job>,
    backlog: Option<&dyn Backlog>,
    behind: &mut Behind,
    now: bool,
) -> (Vec<Finish>, Vec<Event>, Result<(), ApiError>) {
    let mut finishers: Vec<Finish> = Vec::with_capacity(batch.len());
    if let Err(e) = sql(conn, "BEGIN IMMEDIATE") {
        // Dropping the jobs unanswered tells each caller its write did not happen.
        batch.clear();
        return (finishers, vec![], Err(ApiError::from(e)));
    }
    let mut tx = Tx {
        conn,
        events: vec![],
        backlog,
    };
    let was = behind.since;
    // Whether something may be waiting: behind before, or any job since the last catch-up.
    let mut maybe = was.is_some();
    for job in batch.drain(..) {
        if let (Some(b), false, true) = (backlog, job.defer, maybe) {
            maybe = !catch_up(conn, b, None);
        }
        let mark = tx.events.len();
        if let Err(e) = sql(conn, "SAVEPOINT job") {
            tracing::error!(cause = %e, "savepoint failed; job dropped");
            continue;
        }
        maybe = true;
        match catch_unwind(AssertUnwindSafe(|| (job.run)(&mut tx))) {
            Ok((true, finish)) => {
                let _ = sql(conn, "RELEASE job");
                finishers.push(finish);
            }
            Ok((false, finish)) => {
                undo(conn, "job");
                tx.events.truncate(mark);
                finishers.push(finish);
            }
            Err(_) => {
                // The job's answer channel went down with it; its caller sees the failure.
                tracing::error!("a write job panicked; rolled back to its savepoint");
                undo(conn, "job");
                tx.events.truncate(mark);
            }
        }
    }
    let mut since = None;
    if let (Some(b), true) = (backlog, maybe) {
        match b.pending(conn) {
            Ok(false) => {}
            Ok(true) => {
                let first = was.unwrap_or_else(Instant::now);
                let most = (!now).then_some(CATCH_UP_CHUNK);
                let caught = (now || first.elapsed() >= CATCH_UP_AFTER)
                    && catch_up(conn, b, most)
                    && (most.is_none() || !b.pending(conn).unwrap_or(true));
                if !caught {
                    // What is left has waited since then: the next batch goes on with it.
                    since = Some(first);
                }
            }
            Err(_) => since = Some(was.unwrap_or_else(Instant::now)),
        }
    }
    let events = std::mem::take(&mut tx.events);
    match sql(conn, "COMMIT") {
        Ok(()) => {
            behind.since = since;
            (finishers, events, Ok(()))
        }
        Err(e) => {
            let _ = sql(conn, "ROLLBACK");
            (finishers, vec![], Err(ApiError::from(e)))
        }
    }
}
