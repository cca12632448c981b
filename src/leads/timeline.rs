//! A lead's timeline, built from its events the same way for every kind: the API's typed
//! entries and the admin page's readable items.

use rusqlite::Connection;
use serde::Serialize;
use serde_json::Value;

use super::notes::Note;
use crate::admin::i18n::Strings;
use crate::admin::when::Local;
use crate::error::ApiError;
use crate::store::{events, Event};

/// Who took a step.
#[derive(Debug, Clone, Serialize, PartialEq, schemars::JsonSchema)]
pub struct Actor {
    /// Staff user id.
    pub id: String,
    /// Their display name, when they are still a member.
    pub name: Option<String>,
}

/// One entry: `{eventId, type, actor: {id, name} | null, at, data}`.
#[derive(Debug, Clone, Serialize, PartialEq, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Entry {
    /// The event's position in the log.
    pub event_id: i64,
    /// What happened: `submitted`, `spam_received`, `quarantined`, `due_soon`, `overdue`, or
    /// the change's name.
    #[serde(rename = "type")]
    pub kind: String,
    /// Who did it; null for the system or the lead's own author.
    pub actor: Option<Actor>,
    /// When.
    pub at: String,
    /// The event's data.
    pub data: Value,
}

/// Display names of a workspace's members, for timelines and assignee pickers.
pub fn member_names(conn: &Connection, ws: &str) -> Result<Vec<(String, String)>, ApiError> {
    let mut stmt = conn.prepare_cached(
        "SELECT u.id, u.name FROM memberships m JOIN users u ON u.id = m.user_id
         WHERE m.workspace_id = ?1 ORDER BY u.name",
    )?;
    let rows = stmt.query_map([ws], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

fn entry(e: Event, names: &[(String, String)]) -> Entry {
    let kind = if e.topic.ends_with("/submitted") {
        "submitted".to_string()
    } else if e.topic.ends_with("/spam-received") {
        "spam_received".to_string()
    } else if e.topic.ends_with("/quarantined") {
        "quarantined".to_string()
    } else if e.topic == crate::leads::routing::sla::DUE_SOON {
        "due_soon".to_string()
    } else if e.topic == crate::leads::routing::sla::OVERDUE {
        "overdue".to_string()
    } else {
        e.data
            .get("change")
            .and_then(Value::as_str)
            .unwrap_or("updated")
            .to_string()
    };
    let actor = e.actor_id.map(|id| Actor {
        name: names.iter().find(|(m, _)| *m == id).map(|(_, n)| n.clone()),
        id,
    });
    Entry {
        event_id: e.id,
        kind,
        actor,
        at: e.created_at,
        data: e.data,
    }
}

/// The timeline of lead `id`: its lifecycle events, oldest first (analytics events about the
/// lead are left out: they are counts, not steps).
pub fn load(conn: &Connection, ws: &str, id: &str) -> Result<Vec<Entry>, ApiError> {
    let names = member_names(conn, ws)?;
    Ok(events::for_subject(conn, ws, id)?
        .into_iter()
        .filter(|e| !e.topic.starts_with("analytics/"))
        .map(|e| entry(e, &names))
        .collect())
}

/// One timeline line on an admin page.
#[derive(Debug, Clone)]
pub struct Item {
    /// RFC 3339.
    pub at: String,
    /// Short, readable time.
    pub at_short: String,
    /// What happened, in the viewer's language.
    pub what: &'static str,
    /// Who.
    pub actor: String,
    /// A reply, a reason, a note or the new assignee.
    pub detail: Option<String>,
    /// An internal note (styled apart; never sent anywhere).
    pub note: bool,
}

/// The label of an entry type, in the viewer's language.
pub fn label(t: &Strings, kind: &str) -> &'static str {
    match kind {
        "submitted" => t.ev_submitted,
        "spam_received" => t.ev_spam_received,
        "quarantined" => t.ev_quarantined,
        "due_soon" => t.ev_due_soon,
        "overdue" => t.ev_overdue,
        "assigned" => t.ev_assigned,
        "replied" => t.ev_replied,
        "converted" => t.ev_converted,
        "lost" => t.ev_lost,
        "edited" => t.ev_edited,
        "deleted" => t.ev_deleted,
        "restored" => t.ev_restored,
        "marked_not_spam" => t.ev_marked_not_spam,
        "marked_spam" => t.ev_marked_spam,
        "released" => t.ev_released,
        "contacted" => t.ev_contacted,
        "expired" => t.ev_expired,
        "merged" => t.ev_merged,
        "split" => t.ev_split,
        "erased" => t.ev_erased,
        _ => t.done,
    }
}

fn text(data: &Value, key: &str) -> Option<String> {
    data.get(key)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// Readable items for a page, the lead's internal notes merged in by time; `author` names
/// steps without a staff actor (the lead's sender).
pub fn items(
    entries: &[Entry],
    notes: &[Note],
    t: &Strings,
    local: &Local,
    names: &[(String, String)],
    author: &str,
) -> Vec<Item> {
    items_by(entries, notes, t, local, names, |_| author.to_string())
}

/// Like [`items`], with the sender of each entry's lead given by its position (a person's
/// timeline holds leads of several kinds).
pub fn items_by(
    entries: &[Entry],
    notes: &[Note],
    t: &Strings,
    local: &Local,
    names: &[(String, String)],
    author: impl Fn(usize) -> String,
) -> Vec<Item> {
    let name_of = |id: &Option<String>| {
        id.as_ref()
            .and_then(|a| names.iter().find(|(m, _)| m == a).map(|(_, n)| n.clone()))
            .unwrap_or_else(|| t.former_member.to_string())
    };
    let mut out: Vec<Item> = entries
        .iter()
        .enumerate()
        .map(|(i, e)| {
            // An assignment by the workspace's rule has no actor, and a reason.
            let rule = text(&e.data, "reason").filter(|_| e.kind == "assigned");
            let detail = match e.kind.as_str() {
                "assigned" => text(&e.data, "assigneeId")
                    .and_then(|a| names.iter().find(|(m, _)| *m == a).map(|(_, n)| n.clone()))
                    .map(|n| match rule.as_deref() {
                        None => format!("→ {n}"),
                        Some(why) => {
                            let mut how = vec![match why {
                                "least_open" => t.why_least_open,
                                _ => t.why_round_robin,
                            }];
                            if e.data.get("backlog").and_then(Value::as_bool) == Some(true) {
                                how.push(t.why_backlog);
                            }
                            format!("→ {n} ({})", how.join(", "))
                        }
                    }),
                "lost" => text(&e.data, "reason"),
                // A reply's text, or the note given with a status change.
                _ => text(&e.data, "body"),
            };
            Item {
                at_short: local.short(&e.at),
                at: e.at.clone(),
                what: label(t, &e.kind),
                actor: match (&e.actor, &rule) {
                    (None, Some(_)) => t.by_rule.to_string(),
                    // The first-response target's reminders are nobody's step.
                    (None, None) if matches!(e.kind.as_str(), "due_soon" | "overdue") => {
                        t.by_target.to_string()
                    }
                    (a, _) => a
                        .as_ref()
                        .and_then(|a| a.name.clone())
                        .unwrap_or_else(|| author(i)),
                },
                detail,
                note: false,
            }
        })
        .collect();
    out.extend(notes.iter().map(|n| Item {
        at_short: local.short(&n.created_at),
        at: n.created_at.clone(),
        what: t.ev_note,
        actor: name_of(&n.author_id),
        detail: Some(n.body.clone()),
        note: true,
    }));
    out.sort_by(|a, b| a.at.cmp(&b.at));
    out
}
