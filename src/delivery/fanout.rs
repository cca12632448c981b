//! The fan-out: reads the event log after its cursor and queues one delivery per matching
//! webhook endpoint, email recipient and push subscription, moving the cursor in the same
//! transaction. A crash before the commit repeats the batch; after it, nothing is queued twice.

use std::collections::HashMap;

use rusqlite::{params, Connection};

use super::outbox::{self, NewDelivery};
use super::webhooks::{self, Webhook};
use crate::auth::permissions::{LeadAction, Role};
use crate::error::ApiError;
use crate::leads::kind::Registry;
use crate::store::Tx;
use crate::util;

/// The cursor's name.
pub const CURSOR: &str = "fanout";

/// A member's choices, with the role that decides what they may see.
#[derive(Debug, Clone)]
pub struct Subscriber {
    /// Staff user.
    pub user_id: String,
    /// Their role in the workspace.
    pub role: Role,
    /// Email for every new lead.
    pub email_new: bool,
    /// Email for leads assigned to them.
    pub email_assigned: bool,
    /// Push for every new lead.
    pub push_new: bool,
    /// Push for leads assigned to them.
    pub push_assigned: bool,
    /// Email for leads past their first-response target (owners and admins).
    pub email_escalations: bool,
    /// Push for the same.
    pub push_escalations: bool,
}

fn subscribers(conn: &Connection, ws: &str) -> Result<Vec<Subscriber>, ApiError> {
    let mut stmt = conn.prepare_cached(
        "SELECT m.user_id, m.role, p.email_new_leads, p.email_assigned, p.push_new_leads,
             p.push_assigned,
             COALESCE(p.email_escalations, p.email_new_leads OR p.email_assigned),
             COALESCE(p.push_escalations, p.push_new_leads OR p.push_assigned)
         FROM memberships m JOIN notification_prefs p
             ON p.workspace_id = m.workspace_id AND p.user_id = m.user_id
         WHERE m.workspace_id = ?1",
    )?;
    let rows = stmt.query_map([ws], |r| {
        // A role this build does not know (a newer database) leaves the member out.
        let Ok(role) = Role::parse(&r.get::<_, String>(1)?) else {
            return Ok(None);
        };
        Ok(Some(Subscriber {
            user_id: r.get(0)?,
            role,
            email_new: r.get(2)?,
            email_assigned: r.get(3)?,
            push_new: r.get(4)?,
            push_assigned: r.get(5)?,
            email_escalations: r.get(6)?,
            push_escalations: r.get(7)?,
        }))
    })?;
    Ok(rows
        .filter_map(Result::transpose)
        .collect::<Result<_, _>>()?)
}

fn subscriptions_of(conn: &Connection, user: &str) -> Result<Vec<String>, ApiError> {
    let mut stmt = conn.prepare_cached("SELECT id FROM push_subscriptions WHERE user_id = ?1")?;
    let rows = stmt.query_map([user], |r| r.get(0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Which people an event concerns: everyone who wants new leads, the assignee (assigned to
/// them, or their lead due soon), or the owners and admins (a lead past due).
enum Audience {
    NewLead,
    Assigned(String),
    Escalation,
}

/// An event as the fan-out reads it: its data is parsed only when the audience depends on it.
struct Logged {
    id: i64,
    workspace_id: Option<String>,
    topic: String,
    actor_id: Option<String>,
    data: String,
}

fn audience(kinds: &Registry, ev: &Logged) -> Option<Audience> {
    use crate::leads::routing::sla::{DUE_SOON, OVERDUE};
    if ev.topic == OVERDUE {
        return Some(Audience::Escalation);
    }
    if ev.topic != DUE_SOON && ev.topic == kinds.of_topic(&ev.topic)?.topics().submitted {
        return Some(Audience::NewLead);
    }
    let data: serde_json::Value = match serde_json::from_str(&ev.data) {
        Ok(d) => d,
        Err(e) => {
            tracing::error!(event = ev.id, error = %e, "an event's data is not JSON");
            return None;
        }
    };
    if ev.topic == DUE_SOON {
        let to = data.get("assigneeId")?.as_str()?.to_string();
        return Some(Audience::Assigned(to));
    }
    if data.get("change").and_then(|c| c.as_str()) == Some("assigned") {
        let to = data.get("assigneeId")?.as_str()?.to_string();
        // Nobody is told about what they did themselves.
        if ev.actor_id.as_deref() == Some(to.as_str()) {
            return None;
        }
        return Some(Audience::Assigned(to));
    }
    None
}

/// True when the log has events after the cursor (a read, so an idle fan-out costs the writer
/// nothing).
pub fn behind(conn: &Connection) -> Result<bool, ApiError> {
    Ok(conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM events WHERE id >
             (SELECT event_id FROM delivery_cursors WHERE name = ?1))",
        [CURSOR],
        |r| r.get(0),
    )?)
}

/// Queues the deliveries of up to `limit` events after the cursor; answers how many events
/// it read (0: caught up).
pub fn step(tx: &mut Tx<'_>, kinds: &Registry, email: bool, limit: i64) -> Result<usize, ApiError> {
    let cursor: i64 = tx.query_row(
        "SELECT event_id FROM delivery_cursors WHERE name = ?1",
        [CURSOR],
        |r| r.get(0),
    )?;
    let events: Vec<Logged> = {
        let mut stmt = tx.prepare_cached(
            "SELECT id, workspace_id, topic, actor_id, data FROM events
             WHERE id > ?1 ORDER BY id LIMIT ?2",
        )?;
        let rows = stmt.query_map(params![cursor, limit], |r| {
            Ok(Logged {
                id: r.get(0)?,
                workspace_id: r.get(1)?,
                topic: r.get(2)?,
                actor_id: r.get(3)?,
                data: r.get(4)?,
            })
        })?;
        rows.collect::<Result<_, _>>()?
    };
    let Some(last) = events.last().map(|e| e.id) else {
        return Ok(0);
    };
    let now = outbox::now_ms();
    let mut hooks: HashMap<String, Vec<Webhook>> = HashMap::new();
    let mut people: HashMap<String, Vec<Subscriber>> = HashMap::new();
    for ev in &events {
        let Some(ws) = ev.workspace_id.as_deref() else {
            continue;
        };
        // The due-time events name their lead's kind in their data.
        let sla = crate::leads::routing::sla::TOPICS.contains(&ev.topic.as_str());
        let kind = match kinds.of_topic(&ev.topic) {
            Some(k) => Some(k),
            None if sla => serde_json::from_str::<serde_json::Value>(&ev.data)
                .ok()
                .and_then(|d| d.get("kind").and_then(|k| k.as_str()).map(str::to_string))
                .and_then(|k| kinds.get(&k)),
            None => None,
        };
        if kind.is_none() && !crate::leads::people::TOPICS.contains(&ev.topic.as_str()) {
            continue;
        }
        let message_id = format!("msg_{}", ev.id);
        if !hooks.contains_key(ws) {
            // Disabled endpoints are queued too: their messages wait until they are enabled.
            hooks.insert(ws.into(), webhooks::list(tx, ws)?);
        }
        for w in &hooks[ws] {
            if ev.id > w.from_event_id && w.takes(&ev.topic) {
                outbox::insert(
                    tx,
                    &NewDelivery {
                        workspace_id: ws.into(),
                        channel: "webhook",
                        target_id: w.id.clone(),
                        message_id: message_id.clone(),
                        event_id: Some(ev.id),
                        topic: ev.topic.clone(),
                        payload: None,
                    },
                    now,
                )?;
            }
        }
        // Person events go to webhooks only.
        let Some(kind) = kind else { continue };
        let Some(aud) = audience(kinds, ev) else {
            continue;
        };
        if !people.contains_key(ws) {
            people.insert(ws.into(), subscribers(tx, ws)?);
        }
        let may_see = kind.perm(LeadAction::FindById);
        for s in &people[ws] {
            if !s.role.can(may_see) {
                continue;
            }
            let (wants_email, wants_push) = match &aud {
                Audience::NewLead => (s.email_new, s.push_new),
                Audience::Assigned(to) if *to == s.user_id => (s.email_assigned, s.push_assigned),
                Audience::Assigned(_) => (false, false),
                // Escalations reach owners and admins by the channels they chose for them.
                Audience::Escalation if matches!(s.role, Role::Owner | Role::Admin) => {
                    (s.email_escalations, s.push_escalations)
                }
                Audience::Escalation => (false, false),
            };
            let queue = |channel: &'static str, target: String| NewDelivery {
                workspace_id: ws.into(),
                channel,
                target_id: target,
                message_id: message_id.clone(),
                event_id: Some(ev.id),
                topic: ev.topic.clone(),
                payload: None,
            };
            if wants_email && email {
                outbox::insert(tx, &queue("email", s.user_id.clone()), now)?;
            }
            if wants_push {
                for sub in subscriptions_of(tx, &s.user_id)? {
                    outbox::insert(tx, &queue("push", sub), now)?;
                }
            }
        }
    }
    tx.execute(
        "UPDATE delivery_cursors SET event_id = ?2, updated_at = ?3 WHERE name = ?1",
        params![CURSOR, last, util::now_str()],
    )?;
    Ok(events.len())
}

/// Queues today's digest for everyone who asked for one and has none yet; `day` is
/// `YYYY-MM-DD` (UTC). Answers how many were queued.
pub fn queue_digests(conn: &Connection, day: &str) -> Result<usize, ApiError> {
    let mut stmt = conn.prepare_cached(
        "SELECT p.workspace_id, p.user_id FROM notification_prefs p
         JOIN memberships m ON m.workspace_id = p.workspace_id AND m.user_id = p.user_id
         WHERE p.email_daily_digest = 1",
    )?;
    let rows: Vec<(String, String)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    let mut queued = 0;
    for (ws, user) in rows {
        let message_id = format!("digest_{day}_{ws}");
        queued += outbox::insert_once(
            conn,
            &NewDelivery {
                workspace_id: ws,
                channel: "email",
                target_id: user,
                message_id,
                event_id: None,
                topic: "leadbox.digest".into(),
                payload: Some(serde_json::json!({ "day": day })),
            },
            outbox::now_ms(),
        )? as usize;
    }
    Ok(queued)
}
