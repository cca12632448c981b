//! Form SQL and row mapping.

use rusqlite::{params, Connection, OptionalExtension, Row};

use super::Form;
use crate::error::ApiError;

const COLUMNS: &str = "id, workspace_id, name, public_key, fields, thank_you_url, allowed_origins,
     created_at, updated_at";

fn from_row(r: &Row<'_>) -> rusqlite::Result<Form> {
    let fields: String = r.get(4)?;
    let origins: String = r.get(6)?;
    Ok(Form {
        id: r.get(0)?,
        workspace_id: r.get(1)?,
        name: r.get(2)?,
        public_key: r.get(3)?,
        fields: serde_json::from_str(&fields).map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(4, rusqlite::types::Type::Text, Box::new(e))
        })?,
        thank_you_url: r.get(5)?,
        allowed_origins: serde_json::from_str(&origins).unwrap_or_default(),
        created_at: r.get(7)?,
        updated_at: r.get(8)?,
    })
}

/// Stores a new form.
pub fn insert(conn: &Connection, f: &Form) -> Result<(), ApiError> {
    conn.prepare_cached(
        "INSERT INTO forms (id, workspace_id, name, public_key, fields, thank_you_url,
             allowed_origins, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)",
    )?
    .execute(params![
        f.id,
        f.workspace_id,
        f.name,
        f.public_key,
        serde_json::to_string(&f.fields).unwrap_or_else(|_| "[]".into()),
        f.thank_you_url,
        serde_json::to_string(&f.allowed_origins).unwrap_or_else(|_| "[]".into()),
        f.created_at,
    ])?;
    Ok(())
}

/// Writes back a changed form.
pub fn update(conn: &Connection, f: &Form) -> Result<(), ApiError> {
    conn.prepare_cached(
        "UPDATE forms SET name = ?3, fields = ?4, thank_you_url = ?5, allowed_origins = ?6,
             updated_at = ?7
         WHERE workspace_id = ?1 AND id = ?2",
    )?
    .execute(params![
        f.workspace_id,
        f.id,
        f.name,
        serde_json::to_string(&f.fields).unwrap_or_else(|_| "[]".into()),
        f.thank_you_url,
        serde_json::to_string(&f.allowed_origins).unwrap_or_else(|_| "[]".into()),
        f.updated_at,
    ])?;
    Ok(())
}

/// Deletes a form (its leads keep their answers and `formId`).
pub fn delete(conn: &Connection, workspace_id: &str, id: &str, at: &str) -> Result<bool, ApiError> {
    Ok(conn
        .prepare_cached(
            "UPDATE forms SET deleted_at = ?3 WHERE workspace_id = ?1 AND id = ?2
             AND deleted_at IS NULL",
        )?
        .execute([workspace_id, id, at])?
        > 0)
}

/// One form of a workspace (deleted ones too, when `with_deleted`).
pub fn get(conn: &Connection, workspace_id: &str, id: &str) -> Result<Option<Form>, ApiError> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM forms
             WHERE workspace_id = ?1 AND id = ?2 AND deleted_at IS NULL"
        ))?
        .query_row([workspace_id, id], from_row)
        .optional()?)
}

/// A live form by its public key.
pub fn by_public_key(conn: &Connection, key: &str) -> Result<Option<Form>, ApiError> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM forms WHERE public_key = ?1 AND deleted_at IS NULL"
        ))?
        .query_row([key], from_row)
        .optional()?)
}

/// A workspace's live forms, oldest first.
pub fn list(conn: &Connection, workspace_id: &str) -> Result<Vec<Form>, ApiError> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM forms WHERE workspace_id = ?1 AND deleted_at IS NULL
         ORDER BY created_at, rowid"
    ))?;
    let rows = stmt.query_map([workspace_id], from_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// How many live forms a workspace has.
pub fn count(conn: &Connection, workspace_id: &str) -> Result<i64, ApiError> {
    Ok(conn
        .prepare_cached(
            "SELECT count(*) FROM forms WHERE workspace_id = ?1 AND deleted_at IS NULL",
        )?
        .query_row([workspace_id], |r| r.get(0))?)
}
