//! Server-side staff sessions: the cookie holds a random token, the table only its hash, so
//! a stolen database cannot be replayed as cookies and a session can be revoked by a delete.

use rusqlite::{params, Connection, OptionalExtension};
use time::Duration;

use crate::error::ApiError;
use crate::util;

/// Name of the (encrypted, HttpOnly) session cookie.
pub const COOKIE: &str = "lb_session";
/// How long a session lives.
pub const LIFETIME: Duration = Duration::days(14);

/// A live session.
#[derive(Debug, Clone)]
pub struct Session {
    /// Hash of the cookie token (the row key).
    pub token_hash: String,
    /// Whose session.
    pub user_id: String,
    /// The per-session CSRF token forms and unsafe API calls must echo.
    pub csrf: String,
    /// The workspace the admin pages show.
    pub workspace_id: Option<String>,
}

/// Creates a session; returns the cookie token (never stored) and the session.
pub fn create(
    conn: &Connection,
    user_id: &str,
    workspace_id: Option<&str>,
) -> Result<(String, Session), ApiError> {
    let token = util::random_string(43);
    let session = Session {
        token_hash: util::sha256_hex(&token),
        user_id: user_id.into(),
        csrf: util::random_string(32),
        workspace_id: workspace_id.map(Into::into),
    };
    let now = util::now();
    conn.prepare_cached(
        "INSERT INTO sessions (token_hash, user_id, csrf_token, workspace_id, created_at, expires_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![
        session.token_hash,
        session.user_id,
        session.csrf,
        session.workspace_id,
        util::rfc3339(now),
        util::rfc3339(now + LIFETIME)
    ])?;
    Ok((token, session))
}

/// The unexpired session for a cookie token.
pub fn lookup(conn: &Connection, token: &str) -> Result<Option<Session>, ApiError> {
    Ok(conn
        .prepare_cached(
            "SELECT token_hash, user_id, csrf_token, workspace_id FROM sessions
             WHERE token_hash = ?1 AND expires_at > ?2",
        )?
        .query_row(params![util::sha256_hex(token), util::now_str()], |r| {
            Ok(Session {
                token_hash: r.get(0)?,
                user_id: r.get(1)?,
                csrf: r.get(2)?,
                workspace_id: r.get(3)?,
            })
        })
        .optional()?)
}

/// Ends one session.
pub fn delete(conn: &Connection, token_hash: &str) -> Result<(), ApiError> {
    conn.execute("DELETE FROM sessions WHERE token_hash = ?1", [token_hash])?;
    Ok(())
}

/// Ends every session of a user (after removal from the appliance, say).
pub fn delete_for_user(conn: &Connection, user_id: &str) -> Result<(), ApiError> {
    conn.execute("DELETE FROM sessions WHERE user_id = ?1", [user_id])?;
    Ok(())
}

/// Switches the workspace the admin pages show.
pub fn set_workspace(
    conn: &Connection,
    token_hash: &str,
    workspace_id: &str,
) -> Result<(), ApiError> {
    conn.execute(
        "UPDATE sessions SET workspace_id = ?2 WHERE token_hash = ?1",
        [token_hash, workspace_id],
    )?;
    Ok(())
}

/// Drops expired sessions.
pub fn purge_expired(conn: &Connection) -> Result<usize, ApiError> {
    Ok(conn.execute(
        "DELETE FROM sessions WHERE expires_at <= ?1",
        [util::now_str()],
    )?)
}
