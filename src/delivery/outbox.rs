//! The delivery outbox: one row per message per target, written by the fan-out in the same
//! transaction that moves its cursor, updated after every attempt.

use rusqlite::{params, Connection, OptionalExtension, Row};
use serde::Serialize;
use serde_json::Value;

use crate::error::ApiError;
use crate::paging::{self, Page, Paged};
use crate::util;

/// Statuses of a delivery.
pub const STATUSES: [&str; 4] = ["pending", "succeeded", "failed", "dead"];
/// Channels.
pub const CHANNELS: [&str; 3] = ["webhook", "email", "push"];

/// Delivery statuses (for the API document).
#[derive(schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
#[allow(dead_code)]
pub enum StatusDoc {
    Pending,
    Succeeded,
    Failed,
    Dead,
}

/// Parses a status filter.
pub fn parse_status(raw: Option<&str>) -> Result<Option<String>, String> {
    match raw.map(str::trim) {
        None | Some("") => Ok(None),
        Some(s) if STATUSES.contains(&s) => Ok(Some(s.into())),
        Some(_) => Err("must be pending, succeeded, failed or dead".into()),
    }
}

/// A message about to be queued.
#[derive(Debug, Clone)]
pub struct NewDelivery {
    /// Owner.
    pub workspace_id: String,
    /// `webhook`, `email` or `push`.
    pub channel: &'static str,
    /// Endpoint, user or subscription id.
    pub target_id: String,
    /// Stable across retries.
    pub message_id: String,
    /// The event it carries.
    pub event_id: Option<i64>,
    /// Topic.
    pub topic: String,
    /// A message that is not an event (test, digest).
    pub payload: Option<Value>,
}

/// Queues `d` to go now; answers its row number.
pub fn insert(conn: &Connection, d: &NewDelivery, now_ms: i64) -> Result<i64, ApiError> {
    let now = util::now_str();
    conn.prepare_cached(
        "INSERT INTO deliveries (workspace_id, channel, target_id, message_id, event_id, topic,
             payload, status, next_attempt_ms, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'pending', ?8, ?9, ?9)",
    )?
    .execute(params![
        d.workspace_id,
        d.channel,
        d.target_id,
        d.message_id,
        d.event_id,
        d.topic,
        d.payload.as_ref().map(|p| p.to_string()),
        now_ms,
        now
    ])?;
    Ok(conn.last_insert_rowid())
}

/// Queues `d` unless the same message is already queued for its target (digests, notices).
pub fn insert_once(conn: &Connection, d: &NewDelivery, now_ms: i64) -> Result<bool, ApiError> {
    let exists: bool = conn
        .prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM deliveries WHERE target_id = ?1 AND channel = ?2
                 AND message_id = ?3)",
        )?
        .query_row(params![d.target_id, d.channel, d.message_id], |r| r.get(0))?;
    if exists {
        return Ok(false);
    }
    insert(conn, d, now_ms)?;
    Ok(true)
}

/// The row number of an API id (`dlv_<seq>`).
pub fn seq_of(id: &str) -> Option<i64> {
    id.strip_prefix("dlv_")?
        .parse()
        .ok()
        .filter(|n: &i64| *n > 0)
}

/// Milliseconds since the epoch.
pub fn now_ms() -> i64 {
    (time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64
}

fn ms_to_rfc3339(ms: i64) -> Option<String> {
    time::OffsetDateTime::from_unix_timestamp_nanos(ms as i128 * 1_000_000)
        .ok()
        .map(util::rfc3339)
}

/// A delivery as the API shows it.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct DeliveryView {
    /// `dlv_…`
    pub id: String,
    /// The `webhook-id`: the same on every attempt.
    pub message_id: String,
    /// Topic.
    pub topic: String,
    /// Attempts made so far.
    pub attempt: i64,
    /// `pending`, `succeeded`, `failed` (will be retried) or `dead`.
    #[schemars(with = "StatusDoc")]
    pub status: String,
    /// HTTP status of the last answer.
    pub response_status: Option<i64>,
    /// How long the last attempt took.
    pub duration_ms: Option<i64>,
    /// When the next attempt is due (RFC 3339).
    pub next_attempt_at: Option<String>,
    /// Why the last attempt failed.
    pub error: Option<String>,
    /// Queued.
    pub created_at: String,
    /// Last changed.
    pub updated_at: String,
}

const VIEW: &str = "'dlv_' || seq, message_id, topic, attempt, status, response_status,
    duration_ms, next_attempt_ms, error, created_at, updated_at";

fn view(r: &Row<'_>) -> rusqlite::Result<DeliveryView> {
    let status: String = r.get(4)?;
    let next: Option<i64> = r.get(7)?;
    Ok(DeliveryView {
        id: r.get(0)?,
        message_id: r.get(1)?,
        topic: r.get(2)?,
        attempt: r.get(3)?,
        next_attempt_at: if status == "pending" || status == "failed" {
            next.and_then(ms_to_rfc3339)
        } else {
            None
        },
        status,
        response_status: r.get(5)?,
        duration_ms: r.get(6)?,
        error: r.get(8)?,
        created_at: r.get(9)?,
        updated_at: r.get(10)?,
    })
}

/// One page of a target's deliveries, newest first.
pub fn page(
    conn: &Connection,
    ws: &str,
    channel: &str,
    target: &str,
    status: Option<&str>,
    page: Page,
) -> Result<Paged<DeliveryView>, ApiError> {
    let (limit, offset) = page.window();
    let filter = "workspace_id = ?1 AND channel = ?2 AND target_id = ?3
        AND (?4 IS NULL OR status = ?4)";
    let total: i64 = conn.query_row(
        &format!("SELECT COUNT(*) FROM deliveries WHERE {filter}"),
        params![ws, channel, target, status],
        |r| r.get(0),
    )?;
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {VIEW} FROM deliveries WHERE {filter}
         ORDER BY seq DESC LIMIT ?5 OFFSET ?6"
    ))?;
    let rows = stmt.query_map(params![ws, channel, target, status, limit, offset], view)?;
    Ok(paging::paged(rows.collect::<Result<_, _>>()?, page, total))
}

/// One delivery of a workspace (by API id).
pub fn one(conn: &Connection, ws: &str, id: &str) -> Result<Option<DeliveryView>, ApiError> {
    let Some(seq) = seq_of(id) else {
        return Ok(None);
    };
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {VIEW} FROM deliveries WHERE workspace_id = ?1 AND seq = ?2"
        ))?
        .query_row(params![ws, seq], view)
        .optional()?)
}

/// Queues a `leadbox.test` message to an endpoint.
pub fn queue_test(conn: &Connection, ws: &str, webhook: &str) -> Result<DeliveryView, ApiError> {
    let message_id = util::new_id("msg");
    let d = NewDelivery {
        workspace_id: ws.into(),
        channel: "webhook",
        target_id: webhook.into(),
        message_id: message_id.clone(),
        event_id: None,
        topic: super::webhooks::TEST_TOPIC.into(),
        payload: Some(serde_json::json!({
            "message": "A test message from leadbox: this endpoint receives its webhooks.",
        })),
    };
    let seq = insert(conn, &d, now_ms())?;
    one(conn, ws, &format!("dlv_{seq}"))?.ok_or_else(ApiError::not_found)
}

/// Queues one webhook delivery again now (same message id); 409 while it is still pending.
pub fn redeliver(conn: &Connection, ws: &str, id: &str) -> Result<DeliveryView, ApiError> {
    let d = one(conn, ws, id)?.ok_or_else(ApiError::not_found)?;
    let seq = seq_of(id).ok_or_else(ApiError::not_found)?;
    let channel: String = conn.query_row(
        "SELECT channel FROM deliveries WHERE seq = ?1",
        [seq],
        |r| r.get(0),
    )?;
    if channel != "webhook" {
        return Err(ApiError::not_found());
    }
    if d.status == "pending" {
        return Err(ApiError::conflict(
            "ALREADY_PENDING",
            "This delivery is already waiting to be sent",
        ));
    }
    requeue(conn, "seq = ?1", seq)?;
    one(conn, ws, id)?.ok_or_else(ApiError::not_found)
}

/// Queues every dead delivery of an endpoint again; answers how many.
/// The caller has checked the endpoint belongs to its workspace.
pub fn redeliver_dead(conn: &Connection, webhook: &str) -> Result<i64, ApiError> {
    Ok(requeue(
        conn,
        "channel = 'webhook' AND target_id = ?1 AND status = 'dead'",
        webhook.to_string(),
    )? as i64)
}

fn requeue(conn: &Connection, filter: &str, arg: impl rusqlite::ToSql) -> Result<usize, ApiError> {
    Ok(conn.execute(
        &format!(
            "UPDATE deliveries SET status = 'pending', tries = 0, next_attempt_ms = ?2,
                 updated_at = ?3 WHERE {filter}"
        ),
        params![arg, now_ms(), util::now_str()],
    )?)
}

/// A delivery the worker is about to attempt.
#[derive(Debug, Clone)]
pub struct Due {
    /// Row number.
    pub seq: i64,
    /// API id.
    pub id: String,
    /// Owner.
    pub workspace_id: String,
    /// Channel.
    pub channel: String,
    /// Target.
    pub target_id: String,
    /// Stable message id.
    pub message_id: String,
    /// The event it carries.
    pub event_id: Option<i64>,
    /// Topic.
    pub topic: String,
    /// Ad-hoc payload.
    pub payload: Option<Value>,
    /// Attempts since it was last queued.
    pub tries: i64,
}

/// Deliveries due now: for every live target (enabled endpoint, staff user, push
/// subscription) its `per_target` earliest due ones, at most `limit` in all. Deliveries of
/// disabled endpoints wait. One short index range per target, however long a backlog is.
pub fn due(
    conn: &Connection,
    now_ms: i64,
    per_target: i64,
    limit: i64,
) -> Result<Vec<Due>, ApiError> {
    let targets: Vec<String> = conn
        .prepare_cached(
            "SELECT id FROM webhooks WHERE enabled = 1
             UNION ALL SELECT id FROM users
             UNION ALL SELECT id FROM push_subscriptions",
        )?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    let mut stmt = conn.prepare_cached(
        "SELECT seq, workspace_id, channel, target_id, message_id, event_id, topic, payload, tries
         FROM deliveries INDEXED BY idx_deliveries_target_due
         WHERE target_id = ?1 AND status IN ('pending', 'failed') AND next_attempt_ms <= ?2
         ORDER BY next_attempt_ms LIMIT ?3",
    )?;
    let mut out = vec![];
    for t in targets {
        let rows = stmt.query_map(params![t, now_ms, per_target], |r| {
            let payload: Option<String> = r.get(7)?;
            let seq: i64 = r.get(0)?;
            Ok(Due {
                seq,
                id: format!("dlv_{seq}"),
                workspace_id: r.get(1)?,
                channel: r.get(2)?,
                target_id: r.get(3)?,
                message_id: r.get(4)?,
                event_id: r.get(5)?,
                topic: r.get(6)?,
                payload: payload.and_then(|p| serde_json::from_str(&p).ok()),
                tries: r.get(8)?,
            })
        })?;
        for row in rows {
            out.push(row?);
        }
        if out.len() as i64 >= limit {
            break;
        }
    }
    Ok(out)
}

/// The outcome of one attempt, as recorded.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// `succeeded`, `failed` or `dead`.
    pub status: &'static str,
    /// When to try again (failed only).
    pub next_attempt_ms: Option<i64>,
    /// HTTP status.
    pub response_status: Option<u16>,
    /// Duration.
    pub duration_ms: i64,
    /// Why it failed.
    pub error: Option<String>,
}

/// Records an attempt of row `seq`.
pub fn record(conn: &Connection, seq: i64, o: &Outcome) -> Result<(), ApiError> {
    conn.prepare_cached(
        "UPDATE deliveries SET status = ?2, attempt = attempt + 1, tries = tries + 1,
             next_attempt_ms = ?3, response_status = ?4, duration_ms = ?5, error = ?6,
             updated_at = ?7 WHERE seq = ?1",
    )?
    .execute(params![
        seq,
        o.status,
        o.next_attempt_ms,
        o.response_status,
        o.duration_ms,
        o.error,
        util::now_str()
    ])?;
    Ok(())
}

/// Counts per channel and status: `(channel, status, count)`.
pub fn counts(conn: &Connection, ws: Option<&str>) -> Result<Vec<(String, String, i64)>, ApiError> {
    let mut stmt = conn.prepare_cached(
        "SELECT channel, status, COUNT(*) FROM deliveries
         WHERE ?1 IS NULL OR workspace_id = ?1 GROUP BY channel, status",
    )?;
    let rows = stmt.query_map([ws], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Deliveries waiting per channel (pending or failed and due again).
pub fn pending(conn: &Connection) -> Result<Vec<(String, i64)>, ApiError> {
    let mut stmt = conn.prepare_cached(
        "SELECT channel, COUNT(*) FROM deliveries INDEXED BY idx_deliveries_target_due
         WHERE status IN ('pending', 'failed') GROUP BY channel",
    )?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}
