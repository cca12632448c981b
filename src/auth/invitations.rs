//! Invitations to join a workspace: a one-time link whose token only the link holds (the table
//! keeps its hash). Whether the address already has an account is never shown to whoever
//! invites; the person who holds the link accepts with their password or chooses one.

use rusqlite::{params, Connection, OptionalExtension};
use time::Duration;

use super::permissions::Role;
use crate::error::ApiError;
use crate::util;

/// How long an invitation works.
pub const LIFETIME: Duration = Duration::days(7);

/// A live invitation.
#[derive(Debug, Clone)]
pub struct Invitation {
    /// The hash of its token (the id the members page uses).
    pub id: String,
    /// The workspace joined.
    pub workspace_id: String,
    /// The invited address.
    pub email: String,
    /// The name the inviter suggested.
    pub name: Option<String>,
    /// The role given on joining.
    pub role: Role,
    /// When it stops working.
    pub expires_at: String,
}

const COLUMNS: &str = "token_hash, workspace_id, email, name, role, expires_at";

fn from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Invitation> {
    let role: String = r.get(4)?;
    Ok(Invitation {
        id: r.get(0)?,
        workspace_id: r.get(1)?,
        email: r.get(2)?,
        name: r.get(3)?,
        role: Role::parse(&role).unwrap_or(Role::Viewer),
        expires_at: r.get(5)?,
    })
}

/// Invites `email` to `workspace_id` as `role`; voids earlier invitations of that address to
/// that workspace and returns the token, which is never stored.
pub fn create(
    conn: &Connection,
    workspace_id: &str,
    email: &str,
    name: Option<&str>,
    role: Role,
    by: &str,
) -> Result<String, ApiError> {
    let now = util::now();
    conn.execute(
        "UPDATE invitations SET used_at = ?3
         WHERE workspace_id = ?1 AND email = ?2 AND used_at IS NULL",
        params![workspace_id, email, util::rfc3339(now)],
    )?;
    let token = util::random_string(43);
    conn.execute(
        "INSERT INTO invitations (token_hash, workspace_id, email, name, role, created_by,
                                  created_at, expires_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            util::sha256_hex(&token),
            workspace_id,
            email,
            name,
            role.as_str(),
            by,
            util::rfc3339(now),
            util::rfc3339(now + LIFETIME)
        ],
    )?;
    Ok(token)
}

/// The live, unused invitation a token opens.
pub fn find(conn: &Connection, token: &str) -> Result<Option<Invitation>, ApiError> {
    Ok(conn
        .query_row(
            &format!(
                "SELECT {COLUMNS} FROM invitations
                 WHERE token_hash = ?1 AND used_at IS NULL AND expires_at > ?2"
            ),
            params![util::sha256_hex(token), util::now_str()],
            from_row,
        )
        .optional()?)
}

/// Uses the invitation up; false when it was no longer live (used, revoked or expired).
pub fn consume(conn: &Connection, token: &str) -> Result<bool, ApiError> {
    Ok(conn.execute(
        "UPDATE invitations SET used_at = ?2
         WHERE token_hash = ?1 AND used_at IS NULL AND expires_at > ?2",
        params![util::sha256_hex(token), util::now_str()],
    )? == 1)
}

/// Live invitations of a workspace, newest first.
pub fn pending(conn: &Connection, workspace_id: &str) -> Result<Vec<Invitation>, ApiError> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM invitations
         WHERE workspace_id = ?1 AND used_at IS NULL AND expires_at > ?2
         ORDER BY created_at DESC LIMIT 100"
    ))?;
    let rows = stmt
        .query_map(params![workspace_id, util::now_str()], from_row)?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// Revokes one invitation of the workspace; false when there was none.
pub fn revoke(conn: &Connection, workspace_id: &str, id: &str) -> Result<bool, ApiError> {
    Ok(conn.execute(
        "UPDATE invitations SET used_at = ?3
         WHERE workspace_id = ?1 AND token_hash = ?2 AND used_at IS NULL",
        params![workspace_id, id, util::now_str()],
    )? == 1)
}
