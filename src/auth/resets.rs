//! One-time password reset links: the link carries a random token, the table only its hash;
//! a link works once, for a day, and using it ends every session of the user.

use rusqlite::{params, Connection, OptionalExtension};
use time::Duration;

use crate::error::ApiError;
use crate::util;

/// How long a reset link works.
pub const LIFETIME: Duration = Duration::hours(24);

/// Creates a reset link token for `user_id` (issued by `by`, an owner, or none for the user
/// themself or the CLI); returns the token, which is never stored.
pub fn create(conn: &Connection, user_id: &str, by: Option<&str>) -> Result<String, ApiError> {
    let token = util::random_string(43);
    let now = util::now();
    conn.execute(
        "INSERT INTO password_resets (token_hash, user_id, created_by, created_at, expires_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![
            util::sha256_hex(&token),
            user_id,
            by,
            util::rfc3339(now),
            util::rfc3339(now + LIFETIME)
        ],
    )?;
    Ok(token)
}

/// The user a live, unused token resets.
pub fn user_of(conn: &Connection, token: &str) -> Result<Option<String>, ApiError> {
    Ok(conn
        .query_row(
            "SELECT user_id FROM password_resets
             WHERE token_hash = ?1 AND used_at IS NULL AND expires_at > ?2",
            params![util::sha256_hex(token), util::now_str()],
            |r| r.get(0),
        )
        .optional()?)
}

/// Uses a token up: sets the password hash, marks the link used, ends the user's sessions and
/// voids their other links. None when the token is not (or no longer) valid.
pub fn consume(conn: &Connection, token: &str, hash: &str) -> Result<Option<String>, ApiError> {
    let Some(user_id) = user_of(conn, token)? else {
        return Ok(None);
    };
    let now = util::now_str();
    conn.execute(
        "UPDATE password_resets SET used_at = ?2 WHERE user_id = ?1 AND used_at IS NULL",
        params![user_id, now],
    )?;
    super::users::set_password_hash(conn, &user_id, hash)?;
    super::sessions::delete_for_user(conn, &user_id)?;
    Ok(Some(user_id))
}
