//! The WAL checkpoint, off the writer's path.
//!
//! A checkpoint copies committed pages from the log into the database file and syncs it. Run
//! by the writer at commit (SQLite's default) it stops every write for the copy and the sync,
//! 9–10 ms every dozen batches under load. Here a thread of its own, on a connection borrowed
//! from the read pool for the pass (one of its own would hold a second copy of the whole schema
//! for the life of the process), runs a passive checkpoint shortly after commits: it never takes
//! the write lock, so the
//! writer goes on committing to the log meanwhile, and a busy answer (another checkpoint under
//! way, such as Litestream's) is simply tried again later. The writer's own autocheckpoint
//! stays on at a higher mark as the bound: the log can only start again from its beginning
//! when a checkpoint has copied all of it, which the writer's does.

use std::sync::mpsc::{Receiver, SyncSender};
use std::time::Duration;

use r2d2::Pool;
use r2d2_sqlite::SqliteConnectionManager;

/// Log size (pages) at which the writer checkpoints at commit itself; the background passes
/// keep what is left for it small.
pub const WRITER_AUTOCHECKPOINT: i64 = 4000;
/// Pause after a pass, so commits in quick succession share one pass (and one sync of the
/// database file).
const PAUSE: Duration = Duration::from_millis(100);

/// The writer's side: a poke after each commit.
pub struct Poke(SyncSender<()>);

impl Poke {
    /// Tells the checkpointer there is something new in the log; never waits.
    pub fn committed(&self) {
        // Full: a pass is already due. Disconnected: the thread is gone, and the writer's own
        // checkpoint bounds the log.
        let _ = self.0.try_send(());
    }
}

/// Starts the checkpoint thread, which borrows a connection of `pool` for each pass; it ends
/// when the [`Poke`] is dropped.
pub fn start(pool: Pool<SqliteConnectionManager>) -> Result<Poke, String> {
    let (tx, rx) = std::sync::mpsc::sync_channel::<()>(1);
    std::thread::Builder::new()
        .name("leadbox-checkpoint".into())
        .spawn(move || run(&pool, &rx))
        .map_err(|e| format!("checkpoint thread: {e}"))?;
    Ok(Poke(tx))
}

fn run(pool: &Pool<SqliteConnectionManager>, pokes: &Receiver<()>) {
    let mut warned = false;
    while pokes.recv().is_ok() {
        std::thread::sleep(PAUSE);
        // Whatever came in while this pass waits is covered by it.
        while pokes.try_recv().is_ok() {}
        // A busy pass (another checkpoint under way) answers a row all the same.
        let pass = pool.get().map_err(|e| e.to_string()).and_then(|conn| {
            conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))
                .map_err(|e| e.to_string())
        });
        match pass {
            Ok(_) => warned = false,
            // Logged once per run of failures: the writer's own checkpoint still bounds the log.
            Err(e) if !warned => {
                tracing::warn!(cause = %e, "background checkpoint failed; the writer's own one runs at its mark");
                warned = true;
            }
            Err(_) => {}
        }
    }
}
