//! Internal notes on a lead of any kind: written by staff, shown on the lead's timeline, and
//! never sent anywhere (they are rows of their own, not events, so nothing fans them out).

use rusqlite::{params, Connection};

use super::kind::{LeadKind, Scope};
use crate::error::ApiError;
use crate::util;

/// Longest note, in characters.
pub const MAX_LEN: usize = 5000;

/// One note.
#[derive(Debug, Clone, PartialEq)]
pub struct Note {
    /// `note_…`.
    pub id: String,
    /// Who wrote it (none once they are deleted).
    pub author_id: Option<String>,
    /// The text.
    pub body: String,
    /// RFC 3339.
    pub created_at: String,
}

/// Adds a note to lead `lead_id` of `kind` in workspace `ws`; 404 when the lead is not there.
pub fn add(
    conn: &Connection,
    kind: &dyn LeadKind,
    ws: &str,
    lead_id: &str,
    author_id: &str,
    body: &str,
    scope: &Scope,
) -> Result<Note, ApiError> {
    kind.find_json(conn, ws, lead_id, scope)?;
    let note = Note {
        id: util::new_id("note"),
        author_id: Some(author_id.to_string()),
        body: body.to_string(),
        created_at: util::rfc3339(scope.now),
    };
    conn.prepare_cached(
        "INSERT INTO lead_notes (id, workspace_id, kind, lead_id, author_id, body, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        note.id,
        ws,
        kind.id(),
        lead_id,
        note.author_id,
        note.body,
        note.created_at
    ])?;
    Ok(note)
}

/// The notes of a lead, oldest first.
pub fn for_lead(conn: &Connection, ws: &str, lead_id: &str) -> Result<Vec<Note>, ApiError> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, author_id, body, created_at FROM lead_notes
         WHERE workspace_id = ?1 AND lead_id = ?2 ORDER BY created_at, id",
    )?;
    let rows = stmt.query_map([ws, lead_id], |r| {
        Ok(Note {
            id: r.get(0)?,
            author_id: r.get(1)?,
            body: r.get(2)?,
            created_at: r.get(3)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}
