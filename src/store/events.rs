//! The durable event log: appended in the same transaction as the change it records.

use rusqlite::{params, Connection, Row};
use serde::Serialize;
use serde_json::Value;

use crate::error::ApiError;
use crate::util;

/// An event about to be appended.
#[derive(Debug, Clone)]
pub struct NewEvent {
    /// Owning workspace (None for appliance-wide events).
    pub workspace_id: Option<String>,
    /// Topic, e.g. `observation/outreach/inquiry/submitted`.
    pub topic: String,
    /// The record it is about (its per-record room).
    pub subject_id: Option<String>,
    /// The staff user or end user who caused it.
    pub actor_id: Option<String>,
    /// Topic-specific payload; never holds secrets.
    pub data: Value,
}

/// An event as stored, with its position in the log.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Event {
    /// Monotonic position in the log.
    pub id: i64,
    /// Owning workspace.
    pub workspace_id: Option<String>,
    /// Topic.
    pub topic: String,
    /// The record it is about.
    pub subject_id: Option<String>,
    /// Who caused it.
    pub actor_id: Option<String>,
    /// Payload.
    pub data: Value,
    /// When it was appended (RFC 3339).
    pub created_at: String,
}

const INSERT: &str =
    "INSERT INTO events (workspace_id, topic, subject_id, actor_id, data, created_at)
     VALUES (?1, ?2, ?3, ?4, ?5, ?6)";

/// Appends `ev`; the caller's transaction makes it durable with the change.
pub fn insert(conn: &Connection, ev: NewEvent) -> Result<Event, ApiError> {
    let text = ev.data.to_string();
    insert_text(conn, ev, &text)
}

/// Appends `ev` whose data the caller has already written out as `text` (outside the
/// writer, for the capture path).
pub fn insert_text(conn: &Connection, ev: NewEvent, text: &str) -> Result<Event, ApiError> {
    let created_at = util::now_str();
    conn.prepare_cached(INSERT)?.execute(params![
        ev.workspace_id,
        ev.topic,
        ev.subject_id,
        ev.actor_id,
        text,
        created_at
    ])?;
    Ok(Event {
        id: conn.last_insert_rowid(),
        workspace_id: ev.workspace_id,
        topic: ev.topic,
        subject_id: ev.subject_id,
        actor_id: ev.actor_id,
        data: ev.data,
        created_at,
    })
}

/// Maps a row of `SELECT id, workspace_id, topic, subject_id, actor_id, data, created_at`.
pub fn from_row(row: &Row<'_>) -> rusqlite::Result<Event> {
    let data: String = row.get(5)?;
    Ok(Event {
        id: row.get(0)?,
        workspace_id: row.get(1)?,
        topic: row.get(2)?,
        subject_id: row.get(3)?,
        actor_id: row.get(4)?,
        // Corrupt data is an error that reaches the log, never a silent null.
        data: serde_json::from_str(&data).map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(5, rusqlite::types::Type::Text, Box::new(e))
        })?,
        created_at: row.get(6)?,
    })
}

const FOR_SUBJECT: &str = "SELECT id, workspace_id, topic, subject_id, actor_id, data, created_at
     FROM events WHERE workspace_id = ?1 AND subject_id = ?2 ORDER BY id";

/// Whether the log holds an event with `topic` about one record of the workspace.
pub fn any_about(
    conn: &Connection,
    workspace_id: &str,
    subject_id: &str,
    topic: &str,
) -> Result<bool, ApiError> {
    let mut stmt = conn.prepare_cached(
        "SELECT EXISTS (SELECT 1 FROM events
         WHERE subject_id = ?2 AND workspace_id = ?1 AND topic = ?3)",
    )?;
    Ok(stmt.query_row(params![workspace_id, subject_id, topic], |r| r.get(0))?)
}

/// Every event about one record, oldest first (the timeline).
pub fn for_subject(
    conn: &Connection,
    workspace_id: &str,
    subject_id: &str,
) -> Result<Vec<Event>, ApiError> {
    let mut stmt = conn.prepare_cached(FOR_SUBJECT)?;
    let rows = stmt.query_map(params![workspace_id, subject_id], from_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}
