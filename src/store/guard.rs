//! Truthful storage: the database file that is open is still the one on disk, the disk has
//! room and takes writes, and one server holds a data folder at a time.
//!
//! SQLite keeps writing to an open file after it was deleted or replaced on disk, so every
//! write would be acknowledged and lost at the next start. The writer asks `check` before and
//! after each batch: a file whose inode changed (or that is gone) fails the batch with 503.

use std::fs::File;
use std::io::{Read, Seek, Write};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::error::ApiError;

/// The lock file a serving leadbox holds inside its data folder.
pub const LOCK_FILE: &str = "leadbox.lock";

/// (device, inode) of a file.
type FileId = (u64, u64);

fn id_of(path: &Path) -> Option<FileId> {
    std::fs::metadata(path).ok().map(|m| (m.dev(), m.ino()))
}

/// Watches the open database file and its WAL.
pub struct FileGuard {
    db: PathBuf,
    wal: PathBuf,
    dir: PathBuf,
    db_id: FileId,
    wal_id: Mutex<Option<FileId>>,
    min_free_bytes: AtomicU64,
    last_fault: Mutex<Option<ApiError>>,
}

impl FileGuard {
    /// Starts watching `db` as it is now (call right after opening it).
    pub fn new(db: &Path) -> Result<FileGuard, String> {
        let db_id = id_of(db).ok_or_else(|| format!("{} is not there", db.display()))?;
        let mut wal = db.as_os_str().to_owned();
        wal.push("-wal");
        let wal = PathBuf::from(wal);
        Ok(FileGuard {
            dir: db.parent().map(Path::to_path_buf).unwrap_or_default(),
            wal_id: Mutex::new(id_of(&wal)),
            wal,
            db: db.to_path_buf(),
            db_id,
            min_free_bytes: AtomicU64::new(0),
            last_fault: Mutex::new(None),
        })
    }

    /// Ok while the files on disk are the ones open. Costs two `stat` calls.
    pub fn check(&self) -> Result<(), ApiError> {
        let fault = match id_of(&self.db) {
            None => Some("the database file was deleted while leadbox was running"),
            Some(id) if id != self.db_id => {
                Some("the database file was replaced while leadbox was running")
            }
            Some(_) => self.check_wal(),
        };
        match fault {
            None => Ok(()),
            Some(why) => {
                let e = ApiError::unavailable(format!("{why}; restart leadbox"));
                crate::error::log_storage_fault(
                    "file",
                    &format!(
                        "{why}: nothing more is stored until leadbox is restarted. Writes since the \
                         change went to a file that no longer exists. Restore {} from a backup (leadbox \
                         restore FILE) or restart to open the file that is there now",
                        self.db.display()
                    ),
                );
                self.remember(e.clone());
                Err(e)
            }
        }
    }

    fn check_wal(&self) -> Option<&'static str> {
        let now = id_of(&self.wal);
        let Ok(mut known) = self.wal_id.lock() else {
            return None;
        };
        match (*known, now) {
            // The WAL appears with the first write after opening; from then on it must stay.
            (None, Some(id)) => {
                *known = Some(id);
                None
            }
            (Some(_), None) => {
                Some("the database's WAL file was deleted while leadbox was running")
            }
            (Some(a), Some(b)) if a != b => {
                Some("the database's WAL file was replaced while leadbox was running")
            }
            _ => None,
        }
    }

    /// Ok when the file system takes writes and has more than the configured room.
    pub fn space(&self) -> Result<(), ApiError> {
        let Ok(vfs) = rustix::fs::statvfs(&self.dir) else {
            return Ok(());
        };
        if vfs.f_flag.contains(rustix::fs::StatVfsMountFlags::RDONLY) {
            return Err(ApiError::unavailable(
                "the file system holding the database is read-only",
            ));
        }
        let free = vfs.f_bavail.saturating_mul(vfs.f_frsize);
        if free < self.min_free_bytes.load(Ordering::Relaxed) {
            return Err(ApiError::unavailable(format!(
                "the disk holding the database is almost full ({} MiB free)",
                free / (1024 * 1024)
            )));
        }
        Ok(())
    }

    /// Readiness fails below this much free space.
    pub fn set_min_free(&self, bytes: u64) {
        self.min_free_bytes.store(bytes, Ordering::Relaxed);
    }

    /// Keeps the last storage fault, to answer writes the writer could not run.
    pub fn remember(&self, e: ApiError) {
        if let Ok(mut slot) = self.last_fault.lock() {
            *slot = Some(e);
        }
    }

    /// Clears the remembered fault once writes succeed again.
    pub fn forget(&self) {
        if let Ok(mut slot) = self.last_fault.lock() {
            slot.take();
        }
    }

    /// The last storage fault, if any.
    pub fn last_fault(&self) -> Option<ApiError> {
        self.last_fault.lock().ok().and_then(|s| s.clone())
    }
}

/// The data folder's lock: held by `serve` (and `restore`) for as long as it runs; the
/// operating system drops it when the process ends, however it ends.
pub struct DataLock {
    _file: File,
}

/// Takes the lock on `data_dir`, or says which process holds it.
pub fn lock(data_dir: &Path) -> Result<DataLock, String> {
    std::fs::create_dir_all(data_dir)
        .map_err(|e| format!("cannot create {}: {e}", data_dir.display()))?;
    let path = data_dir.join(LOCK_FILE);
    let mut file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .map_err(|e| format!("cannot open {}: {e}", path.display()))?;
    match file.try_lock() {
        Ok(()) => {
            let _ = file.set_len(0);
            let _ = file.rewind();
            let _ = writeln!(file, "{}", std::process::id());
            Ok(DataLock { _file: file })
        }
        Err(std::fs::TryLockError::WouldBlock) => {
            let mut pid = String::new();
            let _ = file.read_to_string(&mut pid);
            let pid = pid.trim();
            let who = if pid.is_empty() {
                "another leadbox process".to_string()
            } else {
                format!("another leadbox process (pid {pid})")
            };
            Err(format!(
                "{who} is serving from {}; stop it first, or give this one its own data folder \
                 (LEADBOX_DATA_DIR)",
                data_dir.display()
            ))
        }
        Err(std::fs::TryLockError::Error(e)) => Err(format!("cannot lock {}: {e}", path.display())),
    }
}

/// True when a server holds `data_dir` right now.
pub fn held(data_dir: &Path) -> bool {
    match File::open(data_dir.join(LOCK_FILE)) {
        Ok(f) => matches!(f.try_lock_shared(), Err(std::fs::TryLockError::WouldBlock)),
        Err(_) => false,
    }
}

/// Logs at most once per `EVERY` per kind of fault, so a flood of failing writes does not
/// flood the log.
pub struct Throttled {
    last: Mutex<Vec<(&'static str, Instant)>>,
}

/// Gap between two log lines about the same kind of storage fault.
pub const EVERY: Duration = Duration::from_secs(10);

impl Throttled {
    /// An empty throttle.
    pub const fn new() -> Throttled {
        Throttled {
            last: Mutex::new(Vec::new()),
        }
    }

    /// True when a line about `kind` may be logged now.
    pub fn allow(&self, kind: &'static str) -> bool {
        let Ok(mut last) = self.last.lock() else {
            return true;
        };
        let now = Instant::now();
        match last.iter_mut().find(|(k, _)| *k == kind) {
            Some((_, at)) if now.duration_since(*at) < EVERY => false,
            Some((_, at)) => {
                *at = now;
                true
            }
            None => {
                last.push((kind, now));
                true
            }
        }
    }
}

impl Default for Throttled {
    fn default() -> Self {
        Throttled::new()
    }
}
