//! Storage: SQLite in WAL mode with `synchronous=FULL`, a read pool, the single group-commit
//! writer and its background checkpoint, embedded migrations, the event log and online backup.

pub mod cache;
pub mod checkpoint;
pub mod events;
pub mod guard;
pub mod migrations;
pub mod writer;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use r2d2::Pool;
use r2d2_sqlite::SqliteConnectionManager;
use rusqlite::{Connection, OpenFlags};

use crate::error::ApiError;
use crate::ops::metrics::Metrics;
pub use events::{Event, NewEvent};
pub use guard::FileGuard;
pub use writer::{Backlog, Tx, Writer};

/// Told about every committed event, in log order, right after its commit: the writer's only
/// way up. `lib.rs` wires it to the realtime hub; the store knows nothing of what listens.
pub trait OnCommit: Send + Sync + 'static {
    /// One committed event.
    fn committed(&self, event: Event);
}

/// Told of every committed event by reference, before the event is handed on (what keeps a
/// cache of settings in step with the database).
pub trait OnChange: Send + Sync + 'static {
    /// One committed event.
    fn changed(&self, event: &Event);
}

/// Caches told first, in order, then the one listener that takes the event.
pub struct Listeners(pub Vec<Arc<dyn OnChange>>, pub Arc<dyn OnCommit>);

impl OnCommit for Listeners {
    fn committed(&self, event: Event) {
        for l in &self.0 {
            l.changed(&event);
        }
        self.1.committed(event);
    }
}

/// No listener (command-line tools, benchmarks).
pub struct Nobody;

impl OnCommit for Nobody {
    fn committed(&self, _: Event) {}
}

/// The database file's name inside the data folder.
pub const DB_FILE: &str = "leadbox.db";

/// Shared handle to the database: pool for reads, writer for writes.
#[derive(Clone)]
pub struct Store {
    pool: Pool<SqliteConnectionManager>,
    writer: Writer,
    path: PathBuf,
    guard: Arc<FileGuard>,
}

/// Settings every connection gets; `synchronous` is per connection, so it is set on each.
/// `secure_delete` zeroes what a change frees, so an erased person's data does not linger in
/// free pages or free space inside a page.
fn configure(conn: &Connection) -> rusqlite::Result<()> {
    conn.busy_timeout(Duration::from_secs(5))?;
    // The writer runs a few dozen statements in turn (a capture's, its triggers' catch-up,
    // every staff step); parsing one again is slower than running it.
    conn.set_prepared_statement_cache_capacity(256);
    conn.execute_batch(
        "PRAGMA foreign_keys = ON;
         PRAGMA synchronous = FULL;
         PRAGMA secure_delete = ON;
         PRAGMA temp_store = MEMORY;",
    )
}

/// A connection of its own (the writer's) with every connection's settings;
/// `what` names it in the error.
fn open_configured(path: &Path, what: &str) -> Result<Connection, String> {
    let conn = Connection::open(path).map_err(|e| format!("{what} connection: {e}"))?;
    configure(&conn).map_err(|e| e.to_string())?;
    Ok(conn)
}

/// Opens the database file, switches it to WAL and applies pending migrations.
///
/// Done on one plain connection before any pool exists: switching a brand-new file to WAL from
/// several pooled connections at once races.
pub fn migrate(path: &Path) -> Result<usize, String> {
    let mut conn = Connection::open(path).map_err(|e| format!("open {}: {e}", path.display()))?;
    conn.busy_timeout(Duration::from_secs(10))
        .map_err(|e| e.to_string())?;
    let mode: String = conn
        .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
        .map_err(|e| format!("enable WAL: {e}"))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(format!("the database refused WAL mode (got {mode})"));
    }
    configure(&conn).map_err(|e| e.to_string())?;
    migrations::run(&mut conn).map_err(|e| format!("migrations: {e}"))
}

/// Migrations compiled into this binary and not yet applied to `path` (all of them for a
/// database that does not exist yet).
pub fn pending_migrations(path: &Path) -> Result<usize, String> {
    if !path.exists() {
        return Ok(migrations::ALL.len());
    }
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(|e| format!("open {}: {e}", path.display()))?;
    let applied = usize::try_from(migrations::applied_count(&conn)).unwrap_or(0);
    Ok(migrations::ALL.len().saturating_sub(applied))
}

/// The newest migration version compiled into this binary.
pub fn latest_migration() -> i64 {
    migrations::latest()
}

impl Store {
    /// Opens (creating if needed) `data_dir/leadbox.db`, migrates it and starts the writer.
    pub fn open(
        data_dir: &Path,
        max_batch: usize,
        metrics: Arc<Metrics>,
        on_commit: Arc<dyn OnCommit>,
    ) -> Result<Store, String> {
        std::fs::create_dir_all(data_dir)
            .map_err(|e| format!("cannot create {}: {e}", data_dir.display()))?;
        let path = data_dir.join(DB_FILE);
        migrate(&path)?;
        let manager = SqliteConnectionManager::file(&path)
            .with_flags(
                OpenFlags::SQLITE_OPEN_READ_WRITE
                    | OpenFlags::SQLITE_OPEN_NO_MUTEX
                    | OpenFlags::SQLITE_OPEN_URI,
            )
            .with_init(|c: &mut Connection| configure(c));
        // One thread opens and reaps pooled connections (r2d2 would start three, each keeping
        // its own stack and allocator arena for the life of the process).
        let upkeep = Arc::new(
            scheduled_thread_pool::ScheduledThreadPool::builder()
                .num_threads(1)
                .thread_name_pattern("leadbox-pool")
                .build(),
        );
        // No connection opened before the writer's start-up work: the index triggers a fresh
        // database gets then change the schema, and every connection already open would parse
        // all of it again (keeping both copies in its allocator's memory).
        let pool = Pool::builder()
            .max_size(8)
            .min_idle(Some(0))
            .thread_pool(upkeep)
            .connection_timeout(Duration::from_secs(5))
            .build(manager)
            .map_err(|e| format!("database pool: {e}"))?;
        let conn = open_configured(&path, "writer")?;
        conn.pragma_update(
            None,
            "wal_autocheckpoint",
            checkpoint::WRITER_AUTOCHECKPOINT,
        )
        .map_err(|e| e.to_string())?;
        let poke = checkpoint::start(pool.clone())?;
        let guard = Arc::new(FileGuard::new(&path)?);
        let writer = Writer::start(conn, max_batch, metrics, on_commit, guard.clone(), poke);
        Ok(Store {
            pool,
            writer,
            path,
            guard,
        })
    }

    /// Runs a read on a pooled connection off the async workers. It sees every write
    /// answered before it began, the writer's backlog included (caught up first if behind).
    pub async fn read<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, ApiError> + Send + 'static,
    {
        self.writer.catch_up().await?;
        self.read_behind(f).await
    }

    /// A read of tables the writer's backlog does not derive (the event log, the outbox):
    /// it does not wait for a catch-up.
    pub async fn read_behind<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, ApiError> + Send + 'static,
    {
        let pool = self.pool.clone();
        let guard = self.guard.clone();
        rocket::tokio::task::spawn_blocking(move || {
            // A replaced file would answer from another database.
            guard.check()?;
            let conn = pool.get()?;
            f(&conn)
        })
        .await
        .map_err(|e| ApiError::internal(format!("read task: {e}")))?
    }

    /// Runs a write through the group-commit writer; answers once it is durable.
    pub async fn write<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Tx<'_>) -> Result<T, ApiError> + Send + 'static,
    {
        self.writer.exec(f).await
    }

    /// A write that may run with the writer's backlog behind and leave more of it (a
    /// capture, which only adds rows; the fan-out, which reads only the log): many captures
    /// share one catch-up. A job that then needs the backlog done calls [`Tx::catch_up`].
    pub async fn write_deferring<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Tx<'_>) -> Result<T, ApiError> + Send + 'static,
    {
        self.writer.exec_deferring(f).await
    }

    /// Gives the writer the work it may defer and batch (once, at start).
    pub fn defer_to(&self, backlog: Arc<dyn Backlog>) {
        self.writer.defer_to(backlog);
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Connections in the read pool: (open, idle).
    pub fn pool_state(&self) -> (u32, u32) {
        let s = self.pool.state();
        (s.connections, s.idle_connections)
    }

    /// What watches the open file.
    pub fn guard(&self) -> &FileGuard {
        &self.guard
    }

    /// Copies the WAL into the database file and truncates it (after an erasure, so old page
    /// images do not stay in the WAL); best effort while readers hold old snapshots.
    pub async fn checkpoint(&self) -> Result<(), ApiError> {
        self.read(|c| {
            Ok(c.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| {
                r.get::<_, i64>(0)
            })?)
        })
        .await?;
        Ok(())
    }

    /// True when a write reaches the database file that is on disk, the disk has room and
    /// takes writes, and every compiled-in migration is applied.
    pub async fn ready(&self) -> Result<(), ApiError> {
        self.guard.check()?;
        self.guard.space()?;
        let applied: i64 = self
            .read(|c| {
                Ok(c.query_row(
                    "SELECT COALESCE(MAX(version), 0) FROM refinery_schema_history",
                    [],
                    |r| r.get(0),
                )?)
            })
            .await?;
        if applied < latest_migration() {
            return Err(ApiError::unavailable("migrations are not applied"));
        }
        // A real write, committed (and so synced) like a capture; the writer checks the file
        // before and after it.
        self.write(|tx| {
            tx.execute(
                "INSERT INTO health_probe (id, at) VALUES (1, ?1)
                 ON CONFLICT (id) DO UPDATE SET at = excluded.at",
                [crate::util::now_str()],
            )?;
            Ok(())
        })
        .await
    }
}

/// Online backup of `src` into `dest`: one backup step holds one read snapshot, so the copy
/// is consistent even while another process writes.
pub fn backup_file(src: &Path, dest: &Path) -> Result<(), String> {
    if dest.exists() {
        return Err(format!("{} already exists", dest.display()));
    }
    let from = Connection::open_with_flags(src, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(|e| format!("open {}: {e}", src.display()))?;
    from.busy_timeout(Duration::from_secs(10))
        .map_err(|e| e.to_string())?;
    let mut to = Connection::open(dest).map_err(|e| format!("open {}: {e}", dest.display()))?;
    // The copy is a new file, synced once whole by whoever keeps it: no journal and no sync per
    // page, which halves its writes and keeps its flushes from queueing before the writer's.
    to.execute_batch("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;")
        .map_err(|e| e.to_string())?;
    {
        let backup = rusqlite::backup::Backup::new(&from, &mut to).map_err(|e| e.to_string())?;
        backup
            .run_to_completion(i32::MAX, Duration::from_millis(0), None)
            .map_err(|e| format!("backup: {e}"))?;
    }
    let check: String = to
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .map_err(|e| e.to_string())?;
    if check != "ok" {
        return Err(format!("the copy failed its integrity check: {check}"));
    }
    Ok(())
}
