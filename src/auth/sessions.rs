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
    browser: Option<&str>,
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
        "INSERT INTO sessions (token_hash, user_id, csrf_token, workspace_id, created_at, expires_at,
                               user_agent)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        session.token_hash,
        session.user_id,
        session.csrf,
        session.workspace_id,
        util::rfc3339(now),
        util::rfc3339(now + LIFETIME),
        browser
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

/// One of a user's live sessions, for the sessions list.
#[derive(Debug, Clone)]
pub struct SessionInfo {
    /// Its key.
    pub token_hash: String,
    /// When it was opened.
    pub created_at: String,
    /// The browser it was opened in (`Firefox on Linux`), when known.
    pub browser: Option<String>,
}

/// The live sessions of a user, newest first.
pub fn for_user(conn: &Connection, user_id: &str) -> Result<Vec<SessionInfo>, ApiError> {
    let mut stmt = conn.prepare_cached(
        "SELECT token_hash, created_at, user_agent FROM sessions
         WHERE user_id = ?1 AND expires_at > ?2 ORDER BY created_at DESC",
    )?;
    let rows = stmt.query_map(params![user_id, util::now_str()], |r| {
        Ok(SessionInfo {
            token_hash: r.get(0)?,
            created_at: r.get(1)?,
            browser: r.get(2)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Ends every session of a user but `keep`; returns how many ended.
pub fn delete_others(conn: &Connection, user_id: &str, keep: &str) -> Result<usize, ApiError> {
    Ok(conn.execute(
        "DELETE FROM sessions WHERE user_id = ?1 AND token_hash != ?2",
        [user_id, keep],
    )?)
}

/// `Firefox on Linux` from a User-Agent header: enough to tell one's sessions apart, and no
/// more of the header is kept.
pub fn browser_of(user_agent: &str) -> Option<String> {
    let ua = user_agent;
    let browser = if ua.contains("Firefox/") {
        "Firefox"
    } else if ua.contains("Edg/") {
        "Edge"
    } else if ua.contains("OPR/") {
        "Opera"
    } else if ua.contains("Chrome/") || ua.contains("Chromium/") {
        "Chrome"
    } else if ua.contains("Safari/") {
        "Safari"
    } else if ua.contains("curl/") {
        "curl"
    } else {
        return None;
    };
    let os = if ua.contains("Android") {
        "Android"
    } else if ua.contains("iPhone") || ua.contains("iPad") {
        "iOS"
    } else if ua.contains("Windows") {
        "Windows"
    } else if ua.contains("Mac OS X") || ua.contains("Macintosh") {
        "macOS"
    } else if ua.contains("Linux") || ua.contains("X11") {
        "Linux"
    } else {
        return Some(browser.to_string());
    };
    Some(format!("{browser} · {os}"))
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
