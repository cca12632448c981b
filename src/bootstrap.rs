//! First start: the `default` workspace, then the owner from `LEADBOX_BOOTSTRAP_*` or a
//! one-time `/setup/<token>` link printed to the log.

use rusqlite::Connection;

use crate::auth::permissions::Role;
use crate::auth::{password, users};
use crate::domain::{self, Email};
use crate::error::ApiError;
use crate::store::Store;
use crate::util;
use crate::workspaces::queries as workspaces;

/// What first start did.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Staff users exist already.
    Ready,
    /// The bootstrap owner was created.
    OwnerCreated,
    /// No owner yet: this setup token is the way in.
    SetupLink(String),
}

/// Ensures the default workspace and a way to create the first owner.
pub async fn run(
    store: &Store,
    email: Option<String>,
    password_plain: Option<String>,
) -> Result<Outcome, String> {
    store
        .write(|tx| {
            if workspaces::the_only_one(tx)?.is_none() && count_workspaces(tx)? == 0 {
                workspaces::insert(tx, "Default", "default")?;
            }
            Ok(())
        })
        .await
        .map_err(|e| format!("creating the default workspace: {e}"))?;
    let existing = store.read(users::count).await.map_err(|e| e.to_string())?;
    if existing > 0 {
        return Ok(Outcome::Ready);
    }
    if let (Some(email), Some(pw)) = (email, password_plain) {
        let email =
            Email::parse_login(&email).map_err(|e| format!("LEADBOX_BOOTSTRAP_EMAIL {e}"))?;
        let pw =
            domain::parse_password(&pw).map_err(|e| format!("LEADBOX_BOOTSTRAP_PASSWORD {e}"))?;
        let hash = password::hash(pw).await.map_err(|e| e.to_string())?;
        create_owner(store, email.into_inner(), "Owner".into(), hash)
            .await
            .map_err(|e| format!("creating the bootstrap owner: {e}"))?;
        return Ok(Outcome::OwnerCreated);
    }
    let token = util::random_string(32);
    let hash = util::sha256_hex(&token);
    store
        .write(move |tx| {
            // Only the newest link works.
            tx.execute("DELETE FROM setup_tokens WHERE used_at IS NULL", [])?;
            tx.execute(
                "INSERT INTO setup_tokens (token_hash, created_at) VALUES (?1, ?2)",
                [hash, util::now_str()],
            )?;
            Ok(())
        })
        .await
        .map_err(|e| e.to_string())?;
    Ok(Outcome::SetupLink(token))
}

fn count_workspaces(conn: &Connection) -> Result<i64, ApiError> {
    Ok(conn.query_row("SELECT COUNT(*) FROM workspaces", [], |r| r.get(0))?)
}

/// Creates the first owner and makes them owner of every workspace that has none.
pub async fn create_owner(
    store: &Store,
    email: String,
    name: String,
    hash: String,
) -> Result<users::StaffUser, ApiError> {
    store
        .write(move |tx| create_owner_tx(tx, &email, &name, &hash))
        .await
}

/// The owner creation itself, inside the caller's transaction.
pub fn create_owner_tx(
    conn: &Connection,
    email: &str,
    name: &str,
    hash: &str,
) -> Result<users::StaffUser, ApiError> {
    let user = users::insert(conn, email, name, hash)?;
    let ids: Vec<String> = conn
        .prepare(
            "SELECT id FROM workspaces w WHERE NOT EXISTS
             (SELECT 1 FROM memberships m WHERE m.workspace_id = w.id AND m.role = 'owner')",
        )?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    for id in ids {
        users::set_membership(conn, &id, &user.id, Role::Owner)?;
    }
    Ok(user)
}

/// True when `token` is the live setup token.
pub fn setup_token_valid(conn: &Connection, token: &str) -> Result<bool, ApiError> {
    let n: i64 = conn.query_row(
        "SELECT COUNT(*) FROM setup_tokens WHERE token_hash = ?1 AND used_at IS NULL",
        [util::sha256_hex(token)],
        |r| r.get(0),
    )?;
    Ok(n > 0 && users::count(conn)? == 0)
}

/// Consumes the setup token; false when it was already used or never existed.
pub fn consume_setup_token(conn: &Connection, token: &str) -> Result<bool, ApiError> {
    if users::count(conn)? > 0 {
        return Ok(false);
    }
    Ok(conn.execute(
        "UPDATE setup_tokens SET used_at = ?2 WHERE token_hash = ?1 AND used_at IS NULL",
        [util::sha256_hex(token), util::now_str()],
    )? > 0)
}
