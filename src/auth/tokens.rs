//! API tokens `lbx_…`: shown once, kept as a hash, found by a short public prefix and then
//! compared in constant time.

use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;

use crate::error::ApiError;
use crate::util;

/// Prefix of every API token.
pub const PREFIX: &str = "lbx_";
const SECRET_LEN: usize = 40;
const LOOKUP_LEN: usize = 12;

/// A token as listed (never with its secret).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TokenInfo {
    /// Token id.
    pub id: String,
    /// What it is for.
    pub name: String,
    /// The visible start of the token, to recognise it.
    pub hint: String,
    /// Created.
    pub created_at: String,
    /// Last used, to the minute.
    pub last_used_at: Option<String>,
    /// Expiry; None means until revoked.
    pub expires_at: Option<String>,
    /// When revoked.
    pub revoked_at: Option<String>,
}

/// Creates a token for `user_id`; returns its info and the secret, which is never seen again.
pub fn create(
    conn: &Connection,
    user_id: &str,
    name: &str,
) -> Result<(TokenInfo, String), ApiError> {
    let secret = format!("{PREFIX}{}", util::random_string(SECRET_LEN));
    let lookup = &secret[PREFIX.len()..PREFIX.len() + LOOKUP_LEN];
    let info = TokenInfo {
        id: util::new_id("tok"),
        name: name.into(),
        hint: format!("{PREFIX}{lookup}…"),
        created_at: util::now_str(),
        last_used_at: None,
        expires_at: None,
        revoked_at: None,
    };
    conn.prepare_cached(
        "INSERT INTO api_tokens (id, user_id, name, lookup, token_hash, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![
        info.id,
        user_id,
        name,
        lookup,
        util::sha256_hex(&secret),
        info.created_at
    ])?;
    Ok((info, secret))
}

/// A verified token: its id, owner and when it was last marked used.
pub struct Verified {
    /// Token id.
    pub token_id: String,
    /// Owner.
    pub user_id: String,
    /// Last use recorded.
    pub last_used_at: Option<String>,
}

/// id, user_id, token_hash, expires_at, revoked_at, last_used_at
type TokenRow = (
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
);

/// Verifies a presented token; None for unknown, revoked, expired or malformed tokens.
pub fn verify(conn: &Connection, presented: &str) -> Result<Option<Verified>, ApiError> {
    let Some(rest) = presented.strip_prefix(PREFIX) else {
        return Ok(None);
    };
    if rest.len() != SECRET_LEN || !rest.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Ok(None);
    }
    let row: Option<TokenRow> = conn
        .prepare_cached(
            "SELECT id, user_id, token_hash, expires_at, revoked_at, last_used_at
             FROM api_tokens WHERE lookup = ?1",
        )?
        .query_row([&rest[..LOOKUP_LEN]], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
            ))
        })
        .optional()?;
    let Some((token_id, user_id, hash, expires_at, revoked_at, last_used_at)) = row else {
        return Ok(None);
    };
    if !util::ct_eq(&hash, &util::sha256_hex(presented)) || revoked_at.is_some() {
        return Ok(None);
    }
    if let Some(exp) = expires_at.as_deref().and_then(util::parse_rfc3339) {
        if exp <= util::now() {
            return Ok(None);
        }
    }
    Ok(Some(Verified {
        token_id,
        user_id,
        last_used_at,
    }))
}

/// Records use, at most once a minute per token (the caller decides when).
pub fn touch(conn: &Connection, token_id: &str) -> Result<(), ApiError> {
    conn.execute(
        "UPDATE api_tokens SET last_used_at = ?2 WHERE id = ?1",
        [token_id, &util::now_str()],
    )?;
    Ok(())
}

/// A user's tokens, newest first.
pub fn list_for_user(conn: &Connection, user_id: &str) -> Result<Vec<TokenInfo>, ApiError> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, name, lookup, created_at, last_used_at, expires_at, revoked_at
         FROM api_tokens WHERE user_id = ?1 ORDER BY created_at DESC",
    )?;
    let rows = stmt.query_map([user_id], |r| {
        let lookup: String = r.get(2)?;
        Ok(TokenInfo {
            id: r.get(0)?,
            name: r.get(1)?,
            hint: format!("{PREFIX}{lookup}…"),
            created_at: r.get(3)?,
            last_used_at: r.get(4)?,
            expires_at: r.get(5)?,
            revoked_at: r.get(6)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Revokes one of the user's tokens; false when there is no such live token.
pub fn revoke(conn: &Connection, user_id: &str, token_id: &str) -> Result<bool, ApiError> {
    Ok(conn.execute(
        "UPDATE api_tokens SET revoked_at = ?3 WHERE id = ?1 AND user_id = ?2 AND revoked_at IS NULL",
        params![token_id, user_id, util::now_str()],
    )? > 0)
}
