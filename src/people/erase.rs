//! GDPR access and erasure of one person, and the retention sweep that erases closed leads.
//!
//! Erasure replaces personal data where it is, in one writer job: every lead's personal
//! fields (each kind says which), its notes, the data of every event about the person or
//! their leads (only ids, statuses, dates and figures are kept), queued delivery payloads,
//! idempotency records, the end users' contact fields, the person's keys and the search
//! text. Rows stay, so counts, the Overview and timelines stay true; the person keeps a
//! tombstone. Connections run with `secure_delete`, so freed space is zeroed, and the WAL is
//! checkpointed afterwards.

use rusqlite::Connection;
use serde_json::{json, Map, Value};

use super::{current, get, lead_ids, person_event};
use crate::error::ApiError;
use crate::leads::kind::{Registry, Scope};
use crate::leads::people::ERASED;
use crate::store::Tx;

/// Event data keys that name no one: what an erased event keeps.
const KEPT: &[&str] = &[
    "id",
    "change",
    "status",
    "previousStatus",
    "type",
    "plan",
    "quantity",
    "quantity_bucket",
    "source",
    "assigneeId",
    "userId",
    "createdAt",
    "count",
    "reasons",
    "personId",
    "otherId",
    "newPersonId",
    "leadIds",
    "selectedPlanCode",
    "userType",
];

/// Event data with every key that may name the person removed, and `erased: true`.
pub fn redact(data: &Value) -> Value {
    let mut out = Map::new();
    if let Value::Object(m) = data {
        for (k, v) in m {
            if KEPT.contains(&k.as_str()) && !v.is_object() {
                out.insert(k.clone(), v.clone());
            }
        }
    }
    out.insert("erased".into(), Value::Bool(true));
    Value::Object(out)
}

fn end_users_of(conn: &Connection, person: &str) -> Result<Vec<String>, ApiError> {
    let mut stmt = conn.prepare_cached(
        "SELECT DISTINCT end_user_id FROM lead_index WHERE person_id = ?1 AND end_user_id IS NOT NULL
         UNION SELECT substr(key, 6) FROM person_keys WHERE person_id = ?1 AND key LIKE 'user:%'",
    )?;
    let rows = stmt.query_map([person], |r| r.get::<_, String>(0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Erases the leads `leads` (of any kind) of workspace `ws`: personal fields, notes, event
/// data, delivery payloads and search text.
pub fn erase_leads(
    conn: &Connection,
    kinds: &Registry,
    ws: &str,
    leads: &[String],
) -> Result<(), ApiError> {
    for lead in leads {
        let Some(kind) = kinds.of_record(lead) else {
            continue;
        };
        kind.erase(conn, ws, lead)?;
        conn.execute(
            "UPDATE lead_notes SET body = '' WHERE workspace_id = ?1 AND lead_id = ?2",
            [ws, lead],
        )?;
        redact_events(conn, ws, lead)?;
        conn.execute(
            "UPDATE lead_fts SET notes = '' WHERE rowid = (SELECT rid FROM lead_index WHERE id = ?1)",
            [lead],
        )?;
    }
    Ok(())
}

fn redact_events(conn: &Connection, ws: &str, subject: &str) -> Result<(), ApiError> {
    let events: Vec<(i64, String)> = conn
        .prepare_cached("SELECT id, data FROM events WHERE workspace_id = ?1 AND subject_id = ?2")?
        .query_map([ws, subject], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    for (id, data) in events {
        let parsed: Value = serde_json::from_str(&data).unwrap_or(Value::Null);
        conn.prepare_cached("UPDATE events SET data = ?2 WHERE id = ?1")?
            .execute(rusqlite::params![id, redact(&parsed).to_string()])?;
        conn.prepare_cached(
            "UPDATE deliveries SET payload = NULL WHERE event_id = ?1 AND payload IS NOT NULL",
        )?
        .execute([id])?;
    }
    Ok(())
}

/// Erases person `id`: every lead, the end users behind them, their keys, and a tombstone;
/// a `…/person/erased` event follows so webhooks can tell copies elsewhere. Answers the
/// erased lead ids.
pub fn erase(
    tx: &mut Tx<'_>,
    kinds: &Registry,
    ws: &str,
    id: &str,
    actor: &str,
    reason: &str,
    scope: &Scope,
) -> Result<Vec<String>, ApiError> {
    let id = current(tx, ws, id)?.ok_or_else(ApiError::not_found)?;
    let erased: Option<String> =
        tx.query_row("SELECT erased_at FROM people WHERE id = ?1", [&id], |r| {
            r.get(0)
        })?;
    if erased.is_some() {
        return Err(ApiError::conflict(
            "PERSON_ERASED",
            "This person was already erased",
        ));
    }
    let leads = lead_ids(tx, &id)?;
    let users = end_users_of(tx, &id)?;
    erase_leads(tx, kinds, ws, &leads)?;
    for u in &users {
        tx.execute(
            "UPDATE end_users SET email = NULL, name = NULL, company = NULL
             WHERE workspace_id = ?1 AND id = ?2",
            [ws, u],
        )?;
        tx.execute(
            "DELETE FROM idempotency_keys WHERE workspace_id = ?1 AND user_id = ?2",
            [ws, u],
        )?;
    }
    redact_events(tx, ws, &id)?;
    // People merged into this one carry its events too.
    let merged: Vec<String> = tx
        .prepare("SELECT id FROM people WHERE merged_into = ?1")?
        .query_map([&id], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    for m in &merged {
        redact_events(tx, ws, m)?;
    }
    tx.execute("DELETE FROM person_keys WHERE person_id = ?1", [&id])?;
    let now = crate::util::rfc3339(scope.now);
    tx.execute(
        "UPDATE people SET erased_at = ?2, erased_by = ?3, erased_reason = ?4, updated_at = ?2
         WHERE id = ?1",
        [&id, &now, actor, reason],
    )?;
    tx.execute(
        "INSERT INTO erasures (person_id, workspace_id, erased_at) VALUES (?1, ?2, ?3)
         ON CONFLICT DO NOTHING",
        [&id, ws, &now],
    )?;
    person_event(
        tx,
        ws,
        ERASED,
        &id,
        actor,
        json!({ "change": "erased", "personId": id, "leadIds": leads }),
    )?;
    Ok(leads)
}

/// Everything held about person `id` as one JSON document (GDPR access): the person, every
/// lead's record with its notes and timeline, the end users behind them, the idempotency
/// records of their requests, and the delivery log of every event about them.
pub fn export(
    conn: &Connection,
    kinds: &Registry,
    ws: &str,
    id: &str,
    scope: &Scope,
) -> Result<Value, ApiError> {
    let all: Vec<&str> = kinds.all().iter().map(|k| k.id()).collect();
    let person = get(conn, kinds, ws, id, &all)?.ok_or_else(ApiError::not_found)?;
    let mut leads = vec![];
    let mut subjects: Vec<String> = vec![person.id.clone()];
    for l in &person.leads {
        let Some(kind) = kinds.get(l.kind) else {
            continue;
        };
        let record = kind.find_json(conn, ws, &l.id, scope)?;
        let notes: Vec<Value> = crate::leads::notes::for_lead(conn, ws, &l.id)?
            .into_iter()
            .map(|n| json!({ "id": n.id, "authorId": n.author_id, "body": n.body, "createdAt": n.created_at }))
            .collect();
        leads.push(json!({ "kind": l.kind, "id": l.id, "record": record, "notes": notes }));
        subjects.push(l.id.clone());
    }
    let users = end_users_of(conn, &person.id)?;
    let mut end_users = vec![];
    let mut idempotency = vec![];
    for u in &users {
        let row: Option<Value> = rusqlite::OptionalExtension::optional(conn.query_row(
            "SELECT id, email, name, company, signup_type, vendor_category, created_at, updated_at
             FROM end_users WHERE workspace_id = ?1 AND id = ?2",
            [ws, u],
            |r| {
                Ok(json!({
                    "id": r.get::<_, String>(0)?, "email": r.get::<_, Option<String>>(1)?,
                    "name": r.get::<_, Option<String>>(2)?, "company": r.get::<_, Option<String>>(3)?,
                    "signupType": r.get::<_, Option<String>>(4)?,
                    "vendorCategory": r.get::<_, Option<String>>(5)?,
                    "createdAt": r.get::<_, String>(6)?, "updatedAt": r.get::<_, String>(7)?,
                }))
            },
        ))?;
        end_users.extend(row);
        let mut stmt = conn.prepare_cached(
            "SELECT key, response, created_at FROM idempotency_keys
             WHERE workspace_id = ?1 AND user_id = ?2 ORDER BY created_at",
        )?;
        let rows = stmt.query_map([ws, u], |r| {
            let response: String = r.get(1)?;
            Ok(json!({
                "userId": u, "key": r.get::<_, String>(0)?,
                "response": serde_json::from_str::<Value>(&response).unwrap_or(Value::Null),
                "createdAt": r.get::<_, String>(2)?,
            }))
        })?;
        for r in rows {
            idempotency.push(r?);
        }
    }
    let mut deliveries = vec![];
    let mut stmt = conn.prepare_cached(
        "SELECT d.seq, d.channel, d.target_id, d.topic, d.status, d.attempt, d.response_status,
             d.error, d.created_at, d.updated_at, d.event_id
         FROM deliveries d JOIN events e ON e.id = d.event_id
         WHERE e.workspace_id = ?1 AND e.subject_id = ?2 ORDER BY d.seq",
    )?;
    for s in &subjects {
        let rows = stmt.query_map([ws, s], |r| {
            Ok(json!({
                "seq": r.get::<_, i64>(0)?, "channel": r.get::<_, String>(1)?,
                "targetId": r.get::<_, String>(2)?, "topic": r.get::<_, String>(3)?,
                "status": r.get::<_, String>(4)?, "attempt": r.get::<_, i64>(5)?,
                "responseStatus": r.get::<_, Option<i64>>(6)?, "error": r.get::<_, Option<String>>(7)?,
                "createdAt": r.get::<_, String>(8)?, "updatedAt": r.get::<_, String>(9)?,
                "eventId": r.get::<_, Option<i64>>(10)?,
            }))
        })?;
        for r in rows {
            deliveries.push(r?);
        }
    }
    Ok(json!({
        "exportedAt": crate::util::rfc3339(scope.now),
        "person": person,
        "leads": leads,
        "endUsers": end_users,
        "idempotencyRecords": idempotency,
        "deliveries": deliveries,
    }))
}

/// Erases the leads of every workspace with `retentionDays` set that were closed (won, lost,
/// expired) longer ago than that; a person left with no other lead is erased whole. Answers
/// how many leads were erased.
pub fn retention_sweep(
    tx: &mut Tx<'_>,
    kinds: &Registry,
    scope: &Scope,
) -> Result<usize, ApiError> {
    let policies: Vec<(String, i64)> = tx
        .prepare("SELECT id, retention_days FROM workspaces WHERE retention_days > 0")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    let mut n = 0;
    for (ws, days) in policies {
        let cut = crate::util::rfc3339(scope.now - time::Duration::days(days));
        let due: Vec<(String, Option<String>)> = tx
            .prepare(
                "SELECT l.id, l.person_id FROM lead_index l
                 WHERE l.stage IN ('won', 'closed') AND l.updated_at < ?2 AND l.workspace_id = ?1
                   AND NOT EXISTS (SELECT 1 FROM people p WHERE p.id = l.person_id
                                   AND p.erased_at IS NOT NULL)
                   AND (l.name <> '' OR l.email <> '')
                 LIMIT 10000",
            )?
            .query_map([&ws, &cut], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;
        for (lead, person) in due {
            let open_left = match &person {
                Some(p) => tx.query_row(
                    "SELECT COUNT(*) FROM lead_index WHERE person_id = ?1 AND id <> ?2
                       AND NOT (stage IN ('won', 'closed') AND updated_at < ?3)",
                    [p, &lead, &cut],
                    |r| r.get::<_, i64>(0),
                )?,
                None => 0,
            };
            match person {
                Some(p) if open_left == 0 => {
                    n += erase(tx, kinds, &ws, &p, "retention", "retention period", scope)?.len();
                }
                _ => {
                    erase_leads(tx, kinds, &ws, std::slice::from_ref(&lead))?;
                    n += 1;
                }
            }
        }
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::redact;
    use serde_json::json;

    #[test]
    fn redaction_keeps_ids_and_statuses_only() {
        let data = json!({ "id": "inq_1", "name": "Jane", "email": "j@x.com", "message": "hi",
            "status": "NEW", "body": "a reply", "reason": "went elsewhere", "nested": { "id": 1 } });
        assert_eq!(
            redact(&data),
            json!({ "id": "inq_1", "status": "NEW", "erased": true })
        );
    }
}
