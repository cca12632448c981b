//! Staff users and their memberships: the SQL and row mapping.

use rusqlite::{params, Connection, OptionalExtension, Row};

use super::permissions::Role;
use crate::domain::Locale;
use crate::error::ApiError;
use crate::util;

/// A person who signs in to leadbox.
#[derive(Debug, Clone, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StaffUser {
    /// uuid.
    pub id: String,
    /// Login, lower-cased.
    pub email: String,
    /// Display name.
    pub name: String,
    /// Interface language.
    pub locale: Locale,
    /// IANA time zone the admin pages show times in; none: the browser's.
    pub time_zone: Option<String>,
}

const COLUMNS: &str = "id, email, name, locale, time_zone";

fn from_row(row: &Row<'_>) -> rusqlite::Result<StaffUser> {
    let locale: String = row.get(3)?;
    Ok(StaffUser {
        id: row.get(0)?,
        email: row.get(1)?,
        name: row.get(2)?,
        locale: Locale::parse(&locale).unwrap_or_default(),
        time_zone: row.get(4)?,
    })
}

/// A user by id.
pub fn by_id(conn: &Connection, id: &str) -> Result<Option<StaffUser>, ApiError> {
    Ok(conn
        .prepare_cached(&format!("SELECT {COLUMNS} FROM users WHERE id = ?1"))?
        .query_row([id], from_row)
        .optional()?)
}

/// A user and their password hash by login email.
pub fn with_hash_by_email(
    conn: &Connection,
    email: &str,
) -> Result<Option<(StaffUser, String)>, ApiError> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {COLUMNS}, password_hash FROM users WHERE email = ?1"
        ))?
        .query_row([email], |r| Ok((from_row(r)?, r.get(5)?)))
        .optional()?)
}

/// How many staff users exist.
pub fn count(conn: &Connection) -> Result<i64, ApiError> {
    Ok(conn.query_row("SELECT COUNT(*) FROM users", [], |r| r.get(0))?)
}

/// Creates a user; 409 `EMAIL_TAKEN` when the login exists.
pub fn insert(
    conn: &Connection,
    email: &str,
    name: &str,
    password_hash: &str,
) -> Result<StaffUser, ApiError> {
    let id = util::new_uuid();
    let res = conn
        .prepare_cached(
            "INSERT INTO users (id, email, name, password_hash, locale, created_at)
             VALUES (?1, ?2, ?3, ?4, 'en', ?5)",
        )?
        .execute(params![id, email, name, password_hash, util::now_str()]);
    match res {
        Ok(_) => Ok(StaffUser {
            id,
            email: email.into(),
            name: name.into(),
            locale: Locale::En,
            time_zone: None,
        }),
        Err(rusqlite::Error::SqliteFailure(f, _))
            if f.code == rusqlite::ErrorCode::ConstraintViolation =>
        {
            Err(ApiError::conflict(
                "EMAIL_TAKEN",
                "A user with this email already exists",
            ))
        }
        Err(e) => Err(e.into()),
    }
}

/// Sets a user's interface language.
pub fn set_locale(conn: &Connection, user_id: &str, locale: Locale) -> Result<(), ApiError> {
    conn.execute(
        "UPDATE users SET locale = ?2 WHERE id = ?1",
        params![user_id, locale.as_str()],
    )?;
    Ok(())
}

/// Sets a user's time zone (an IANA name checked by the caller), or none for the browser's.
pub fn set_time_zone(conn: &Connection, user_id: &str, tz: Option<&str>) -> Result<(), ApiError> {
    conn.execute(
        "UPDATE users SET time_zone = ?2 WHERE id = ?1",
        params![user_id, tz],
    )?;
    Ok(())
}

/// A user by login email.
pub fn by_email(conn: &Connection, email: &str) -> Result<Option<StaffUser>, ApiError> {
    Ok(conn
        .prepare_cached(&format!("SELECT {COLUMNS} FROM users WHERE email = ?1"))?
        .query_row([email], from_row)
        .optional()?)
}

/// The stored password hash of a user.
pub fn password_hash(conn: &Connection, user_id: &str) -> Result<Option<String>, ApiError> {
    Ok(conn
        .query_row(
            "SELECT password_hash FROM users WHERE id = ?1",
            [user_id],
            |r| r.get(0),
        )
        .optional()?)
}

/// Replaces a user's password hash.
pub fn set_password_hash(conn: &Connection, user_id: &str, hash: &str) -> Result<(), ApiError> {
    conn.execute(
        "UPDATE users SET password_hash = ?2 WHERE id = ?1",
        params![user_id, hash],
    )?;
    Ok(())
}

/// The user's role in a workspace, if a member.
pub fn role_in(
    conn: &Connection,
    user_id: &str,
    workspace_id: &str,
) -> Result<Option<Role>, ApiError> {
    let role: Option<String> = conn
        .prepare_cached("SELECT role FROM memberships WHERE user_id = ?1 AND workspace_id = ?2")?
        .query_row([user_id, workspace_id], |r| r.get(0))
        .optional()?;
    Ok(role.and_then(|r| Role::parse(&r).ok()))
}

/// Adds or changes a membership.
pub fn set_membership(
    conn: &Connection,
    workspace_id: &str,
    user_id: &str,
    role: Role,
) -> Result<(), ApiError> {
    conn.prepare_cached(
        "INSERT INTO memberships (workspace_id, user_id, role, created_at) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (workspace_id, user_id) DO UPDATE SET role = excluded.role",
    )?
    .execute(params![
        workspace_id,
        user_id,
        role.as_str(),
        util::now_str()
    ])?;
    Ok(())
}

/// A member of a workspace as listed on the members page.
#[derive(Debug, Clone, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Member {
    /// The user.
    pub user: StaffUser,
    /// Their role here.
    pub role: Role,
}

/// Every member of a workspace, owners first.
pub fn members(conn: &Connection, workspace_id: &str) -> Result<Vec<Member>, ApiError> {
    let mut stmt = conn.prepare_cached(
        "SELECT u.id, u.email, u.name, u.locale, m.role FROM memberships m
         JOIN users u ON u.id = m.user_id WHERE m.workspace_id = ?1
         ORDER BY CASE m.role WHEN 'owner' THEN 0 WHEN 'admin' THEN 1 WHEN 'sales' THEN 2
                  WHEN 'support' THEN 3 ELSE 4 END, u.name",
    )?;
    let rows = stmt.query_map([workspace_id], |r| {
        let role: String = r.get(4)?;
        Ok(Member {
            user: from_row(r)?,
            role: Role::parse(&role).unwrap_or(Role::Viewer),
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// How many owners a workspace has.
pub fn owner_count(conn: &Connection, workspace_id: &str) -> Result<i64, ApiError> {
    Ok(conn.query_row(
        "SELECT COUNT(*) FROM memberships WHERE workspace_id = ?1 AND role = 'owner'",
        [workspace_id],
        |r| r.get(0),
    )?)
}

/// Removes a membership.
pub fn remove_membership(
    conn: &Connection,
    workspace_id: &str,
    user_id: &str,
) -> Result<bool, ApiError> {
    Ok(conn.execute(
        "DELETE FROM memberships WHERE workspace_id = ?1 AND user_id = ?2",
        [workspace_id, user_id],
    )? > 0)
}
