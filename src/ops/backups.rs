//! Snapshots of the whole database into `data_dir/backups/`: taken on a schedule or on demand,
//! listed, downloaded, deleted; and the checks `leadbox verify` and `leadbox restore` make.
//!
//! A snapshot is SQLite's online backup in one step on a read connection of its own: in WAL
//! mode that is one read transaction, so the writer (and every capture) goes on meanwhile.
//! A snapshot is written under a temporary name and renamed when complete and checked, so a
//! listed snapshot is always whole.

use std::path::{Path, PathBuf};

use rocket::http::{ContentType, Header, Status};
use rocket::response::{self, Responder};
use rocket::{delete, get, post, routes, Request, Route, State};
use schemars::JsonSchema;
use serde::Serialize;

use crate::app::App;
use crate::auth::permissions::Perm;
use crate::error::ApiError;
use crate::json::{created, ok, ApiResult};
use crate::ops::openapi::{Deleted, Operation};
use crate::workspaces::guard::Ctx;

/// The folder snapshots live in.
pub fn dir(data_dir: &Path) -> PathBuf {
    data_dir.join("backups")
}

/// One snapshot on disk.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Snapshot {
    /// File name, `leadbox-20261201T083000Z.db`.
    pub name: String,
    /// Size in bytes.
    pub size: u64,
    /// When it was taken (RFC 3339, UTC).
    pub created_at: String,
    /// People erased after it was taken, whose data it still holds (it goes with the snapshot
    /// retention).
    pub erased_since: i64,
}

/// True for a name this module makes: `leadbox-YYYYMMDDTHHMMSSZ[-N].db`. Nothing else is ever
/// read, served or deleted, so no name can leave the folder.
pub fn valid_name(name: &str) -> bool {
    let Some(rest) = name
        .strip_prefix("leadbox-")
        .and_then(|r| r.strip_suffix(".db"))
    else {
        return false;
    };
    let (stamp, n) = match rest.split_once('-') {
        Some((s, n)) => (s, Some(n)),
        None => (rest, None),
    };
    let b = stamp.as_bytes();
    let stamp_ok = b.len() == 16
        && b[8] == b'T'
        && b[15] == b'Z'
        && b[..8].iter().chain(&b[9..15]).all(u8::is_ascii_digit);
    let n_ok =
        n.is_none_or(|n| (1..=4).contains(&n.len()) && n.bytes().all(|c| c.is_ascii_digit()));
    stamp_ok && n_ok
}

/// Now as the compact UTC stamp file names carry: `20261201T083000Z`.
fn stamp_now() -> Result<String, String> {
    crate::util::now()
        .format(time::macros::format_description!(
            "[year][month][day]T[hour][minute][second]Z"
        ))
        .map_err(|e| e.to_string())
}

/// (timestamp, sequence) of a valid name: `-N` counts within one second, none is 1.
fn order(name: &str) -> (String, u32) {
    let rest = &name["leadbox-".len()..name.len() - ".db".len()];
    match rest.split_once('-') {
        Some((stamp, n)) => (stamp.to_string(), n.parse().unwrap_or(1)),
        None => (rest.to_string(), 1),
    }
}

fn created_at(name: &str) -> String {
    let s = &name["leadbox-".len()..];
    format!(
        "{}-{}-{}T{}:{}:{}Z",
        &s[0..4],
        &s[4..6],
        &s[6..8],
        &s[9..11],
        &s[11..13],
        &s[13..15]
    )
}

/// Every snapshot, newest first.
pub fn list(data_dir: &Path) -> Result<Vec<Snapshot>, String> {
    let folder = dir(data_dir);
    let entries = match std::fs::read_dir(&folder) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(vec![]),
        Err(e) => return Err(format!("cannot read {}: {e}", folder.display())),
    };
    let mut out = vec![];
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().to_string();
        if !valid_name(&name) {
            continue;
        }
        let size = entry.metadata().map(|m| m.len()).unwrap_or(0);
        out.push(Snapshot {
            erased_since: 0,
            created_at: created_at(&name),
            name,
            size,
        });
    }
    out.sort_by_key(|s| std::cmp::Reverse(order(&s.name)));
    Ok(out)
}

/// Takes a snapshot of `db` now (blocking: run it off the async workers).
pub fn take(db: &Path, data_dir: &Path) -> Result<Snapshot, String> {
    let folder = dir(data_dir);
    std::fs::create_dir_all(&folder)
        .map_err(|e| format!("cannot create {}: {e}", folder.display()))?;
    let stamp = stamp_now()?;
    // Within one second, the next sequence number after the highest there is.
    let last = list(data_dir)?
        .iter()
        .map(|s| order(&s.name))
        .filter(|(s, _)| *s == stamp)
        .map(|(_, n)| n)
        .max();
    let name = match last {
        None => format!("leadbox-{stamp}.db"),
        Some(n) => format!("leadbox-{stamp}-{}.db", n + 1),
    };
    let partial = folder.join(format!(".partial-{name}"));
    let _ = std::fs::remove_file(&partial);
    if let Err(e) = crate::store::backup_file(db, &partial) {
        let _ = std::fs::remove_file(&partial);
        return Err(e);
    }
    let done = folder.join(&name);
    std::fs::File::open(&partial)
        .and_then(|f| f.sync_all())
        .and_then(|_| std::fs::rename(&partial, &done))
        .and_then(|_| std::fs::File::open(&folder).and_then(|d| d.sync_all()))
        .map_err(|e| format!("cannot finish {}: {e}", done.display()))?;
    let size = std::fs::metadata(&done).map(|m| m.len()).unwrap_or(0);
    Ok(Snapshot {
        erased_since: 0,
        created_at: created_at(&name),
        name,
        size,
    })
}

/// Deletes one snapshot; false when there is no such snapshot.
pub fn remove(data_dir: &Path, name: &str) -> Result<bool, String> {
    if !valid_name(name) {
        return Ok(false);
    }
    match std::fs::remove_file(dir(data_dir).join(name)) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(format!("cannot delete {name}: {e}")),
    }
}

/// Keeps the `keep` newest snapshots and deletes the rest; returns how many went.
pub fn prune(data_dir: &Path, keep: usize) -> Result<usize, String> {
    let mut gone = 0;
    for s in list(data_dir)?.into_iter().skip(keep.max(1)) {
        if remove(data_dir, &s.name)? {
            gone += 1;
        }
    }
    Ok(gone)
}

/// True when the newest snapshot is older than `every_hours` (or there is none).
pub fn due(data_dir: &Path, every_hours: u64) -> bool {
    if every_hours == 0 {
        return false;
    }
    let newest = list(data_dir).ok().and_then(|l| l.into_iter().next());
    match newest {
        None => true,
        Some(s) => match time::OffsetDateTime::parse(
            &s.created_at,
            &time::format_description::well_known::Rfc3339,
        ) {
            Ok(at) => crate::util::now() - at >= time::Duration::hours(every_hours as i64),
            Err(_) => true,
        },
    }
}

/// What `verify` found in a backup file.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Verified {
    /// The newest migration applied in the file.
    pub schema_version: i64,
    /// Events in its log.
    pub events: i64,
    /// Staff accounts.
    pub users: i64,
    /// Workspaces.
    pub workspaces: i64,
}

/// Checks that `file` is a leadbox database this binary can open: the SQLite header,
/// `integrity_check`, and migrations no newer than the binary's.
pub fn verify(file: &Path) -> Result<Verified, String> {
    use std::io::Read;
    let mut header = [0u8; 16];
    std::fs::File::open(file)
        .and_then(|mut f| f.read_exact(&mut header))
        .map_err(|e| format!("{}: cannot read a database header: {e}", file.display()))?;
    if &header != b"SQLite format 3\0" {
        return Err(format!("{} is not a SQLite database", file.display()));
    }
    let conn = rusqlite::Connection::open_with_flags(
        file,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| format!("cannot open {}: {e}", file.display()))?;
    let check: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .map_err(|e| format!("{} cannot be checked: {e}", file.display()))?;
    if check != "ok" {
        return Err(format!(
            "{} fails its integrity check: {check}",
            file.display()
        ));
    }
    let one = |sql: &str| -> Result<i64, String> {
        conn.query_row(sql, [], |r| r.get(0))
            .map_err(|_| format!("{} is not a leadbox database", file.display()))
    };
    let schema_version = one("SELECT COALESCE(MAX(version), 0) FROM refinery_schema_history")?;
    let latest = crate::store::latest_migration();
    if schema_version > latest {
        return Err(format!(
            "{} was written by a newer leadbox (schema {schema_version}; this binary knows up to \
             {latest}): use that version or newer",
            file.display()
        ));
    }
    Ok(Verified {
        schema_version,
        events: one("SELECT COUNT(*) FROM events")?,
        users: one("SELECT COUNT(*) FROM users")?,
        workspaces: one("SELECT COUNT(*) FROM workspaces")?,
    })
}

/// Puts `file` in place of the data folder's database. The caller holds the data folder's
/// lock (no server runs). The current database, if any, is kept beside it, never deleted.
/// Returns where the previous database was moved to.
pub fn restore(data_dir: &Path, file: &Path) -> Result<Option<PathBuf>, String> {
    verify(file)?;
    std::fs::create_dir_all(data_dir)
        .map_err(|e| format!("cannot create {}: {e}", data_dir.display()))?;
    let db = data_dir.join(crate::store::DB_FILE);
    let incoming = data_dir.join(".restoring.db");
    let _ = std::fs::remove_file(&incoming);
    crate::store::backup_file(file, &incoming)?;
    std::fs::File::open(&incoming)
        .and_then(|f| f.sync_all())
        .map_err(|e| format!("cannot sync {}: {e}", incoming.display()))?;
    let mut kept = None;
    if db.exists() {
        let stamp = stamp_now()?;
        let aside = data_dir.join(format!("leadbox-before-restore-{stamp}.db"));
        std::fs::rename(&db, &aside)
            .map_err(|e| format!("cannot move the current database: {e}"))?;
        for suffix in ["-wal", "-shm"] {
            let from = data_dir.join(format!("{}{suffix}", crate::store::DB_FILE));
            if from.exists() {
                let to = PathBuf::from(format!("{}{suffix}", aside.display()));
                std::fs::rename(&from, &to)
                    .map_err(|e| format!("cannot move {}: {e}", from.display()))?;
            }
        }
        kept = Some(aside);
    }
    std::fs::rename(&incoming, &db)
        .map_err(|e| format!("cannot put the restored file in place: {e}"))?;
    std::fs::File::open(data_dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| format!("cannot sync {}: {e}", data_dir.display()))?;
    Ok(kept)
}

/// The HTTP routes of this capability.
pub fn routes() -> Vec<Route> {
    routes![list_api, take_api, download_api, delete_api]
}

/// Backups hold every workspace of the appliance, so only owners of its first workspace (the
/// one the appliance was set up with) may see them.
pub async fn require(app: &App, ctx: &Ctx) -> Result<(), ApiError> {
    ctx.require(Perm::BackupManage)?;
    appliance_owner(app, &ctx.workspace.id).await
}

/// 403 unless `workspace_id` is the appliance's first workspace.
pub async fn appliance_owner(app: &App, workspace_id: &str) -> Result<(), ApiError> {
    let ws = workspace_id.to_string();
    let first = app.store.read(crate::workspaces::queries::first_id).await?;
    if first.as_deref() != Some(ws.as_str()) {
        return Err(ApiError::forbidden(
            "Backups hold every workspace: only owners of the appliance's first workspace manage them",
        ));
    }
    Ok(())
}

/// Runs `f` on a thread of its own at a lower CPU priority, so a snapshot's copy and check
/// take the cores captures leave idle (a pooled thread would keep the priority afterwards).
pub async fn low_priority<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, String> + Send + 'static,
) -> Result<T, String> {
    let (done, wait) = rocket::tokio::sync::oneshot::channel();
    std::thread::Builder::new()
        .name("leadbox-snapshot".into())
        .spawn(move || {
            let _ = rustix::process::setpriority_process(Some(rustix::thread::gettid()), 10);
            let _ = done.send(f());
        })
        .map_err(|e| format!("cannot start the snapshot thread: {e}"))?;
    wait.await
        .map_err(|_| "the snapshot thread stopped".to_string())?
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, String> + Send + 'static,
) -> Result<T, ApiError> {
    rocket::tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| ApiError::internal(format!("backup task: {e}")))?
        .map_err(|e| {
            tracing::error!(error = %e, "backup failed");
            ApiError::unavailable("The backup could not be completed; see the server log")
        })
}

/// Takes a snapshot now, off the async workers, and applies the retention.
pub async fn take_now(app: &App) -> Result<Snapshot, ApiError> {
    let (db, dir, keep) = (
        app.store.path().to_path_buf(),
        app.config.data_dir.clone(),
        app.config.backup_keep,
    );
    low_priority(move || {
        let s = take(&db, &dir)?;
        prune(&dir, keep)?;
        Ok(s)
    })
    .await
    .map_err(|e| {
        tracing::error!(error = %e, "snapshot failed");
        ApiError::unavailable("The backup could not be completed; see the server log")
    })
}

/// Every snapshot (for the page too).
pub async fn all(app: &App) -> Result<Vec<Snapshot>, ApiError> {
    let dir = app.config.data_dir.clone();
    let mut found = blocking(move || list(&dir)).await?;
    let stamps: Vec<String> = found.iter().map(|s| s.created_at.clone()).collect();
    let counts = app
        .store
        .read(move |c| {
            let mut stmt =
                c.prepare_cached("SELECT COUNT(*) FROM erasures WHERE erased_at > ?1")?;
            stamps
                .iter()
                .map(|at| Ok(stmt.query_row([at], |r| r.get::<_, i64>(0))?))
                .collect::<Result<Vec<i64>, ApiError>>()
        })
        .await?;
    for (s, n) in found.iter_mut().zip(counts) {
        s.erased_since = n;
    }
    Ok(found)
}

/// Deletes one (for the page too); 404 when there is no such snapshot.
pub async fn delete_one(app: &App, name: &str) -> Result<(), ApiError> {
    let (dir, name) = (app.config.data_dir.clone(), name.to_string());
    if blocking(move || remove(&dir, &name)).await? {
        Ok(())
    } else {
        Err(ApiError::not_found())
    }
}

/// A snapshot file as a download.
pub struct Download {
    file: rocket::tokio::fs::File,
    name: String,
}

/// Opens one snapshot for download; 404 when there is none by that name.
pub async fn open(app: &App, name: &str) -> Result<Download, ApiError> {
    if !valid_name(name) {
        return Err(ApiError::not_found());
    }
    let path = dir(&app.config.data_dir).join(name);
    let file = rocket::tokio::fs::File::open(&path)
        .await
        .map_err(|_| ApiError::not_found())?;
    Ok(Download {
        file,
        name: name.to_string(),
    })
}

impl<'r> Responder<'r, 'static> for Download {
    fn respond_to(self, _: &'r Request<'_>) -> response::Result<'static> {
        rocket::Response::build()
            .status(Status::Ok)
            .header(ContentType::new("application", "vnd.sqlite3"))
            .header(Header::new(
                "Content-Disposition",
                format!("attachment; filename=\"{}\"", self.name),
            ))
            .header(Header::new("Cache-Control", "no-store"))
            .streamed_body(self.file)
            .ok()
    }
}

/// `GET /api/v1/backups` — BackupPermissions.Manage: every snapshot, newest first.
#[get("/api/v1/backups")]
async fn list_api(app: &State<App>, ctx: Ctx) -> ApiResult {
    require(app, &ctx).await?;
    Ok(ok(crate::workspaces::Items {
        items: all(app).await?,
    }))
}

/// `POST /api/v1/backups` — BackupPermissions.Manage: takes a snapshot now.
#[post("/api/v1/backups")]
async fn take_api(app: &State<App>, ctx: Ctx) -> ApiResult {
    require(app, &ctx).await?;
    let s = take_now(app).await?;
    tracing::info!(name = %s.name, by = %ctx.staff.user.id, "snapshot taken");
    Ok(created(s))
}

/// `GET /api/v1/backups/<name>` — BackupPermissions.Manage: the snapshot file.
#[get("/api/v1/backups/<name>")]
async fn download_api(app: &State<App>, ctx: Ctx, name: &str) -> Result<Download, ApiError> {
    require(app, &ctx).await?;
    open(app, name).await
}

/// `DELETE /api/v1/backups/<name>` — BackupPermissions.Manage.
#[delete("/api/v1/backups/<name>")]
async fn delete_api(app: &State<App>, ctx: Ctx, name: &str) -> ApiResult {
    require(app, &ctx).await?;
    delete_one(app, name).await?;
    Ok(ok(Deleted {
        id: name.to_string(),
        deleted: true,
    }))
}

/// The operations of this capability.
pub fn operations() -> Vec<Operation> {
    let perm = "BackupPermissions.Manage";
    vec![
        Operation::new(
            "get",
            "/api/v1/backups",
            "Snapshots of the database, newest first (owners of the appliance's first workspace)",
            perm,
        )
        .ok::<crate::workspaces::Items<Snapshot>>(200, "The snapshots"),
        Operation::new(
            "post",
            "/api/v1/backups",
            "Take a snapshot now (captures go on meanwhile)",
            perm,
        )
        .ok::<Snapshot>(201, "The snapshot taken")
        .also(&[503]),
        Operation::new(
            "get",
            "/api/v1/backups/{name}",
            "Download one snapshot (a SQLite file)",
            perm,
        )
        .text(200, "application/vnd.sqlite3", "The snapshot file")
        .also(&[404]),
        Operation::new(
            "delete",
            "/api/v1/backups/{name}",
            "Delete one snapshot",
            perm,
        )
        .ok::<Deleted>(200, "Deleted")
        .also(&[404]),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_names_this_module_makes_are_valid() {
        assert!(valid_name("leadbox-20261201T083000Z.db"));
        assert!(valid_name("leadbox-20261201T083000Z-2.db"));
        for bad in [
            "../leadbox.db",
            "leadbox.db",
            "leadbox-20261201T083000Z.db/../../x",
            "leadbox-2026120XT083000Z.db",
            "leadbox-20261201T083000Z-.db",
            "leadbox-20261201T083000Z-12345.db",
            ".partial-leadbox-20261201T083000Z.db",
        ] {
            assert!(!valid_name(bad), "{bad}");
        }
        assert_eq!(
            created_at("leadbox-20261201T083000Z.db"),
            "2026-12-01T08:30:00Z"
        );
    }
}
