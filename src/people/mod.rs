//! People as staff see them (SPEC §12): the list with search, one person with every lead of
//! every kind and one merged timeline, merge and split, the GDPR export and erasure, and the
//! daily retention sweep. Finding a person at capture is `leads::people`, below this.

pub mod api;
pub mod erase;
pub mod pages;

use rusqlite::{Connection, OptionalExtension};
use serde::Serialize;
use serde_json::{json, Value};

use crate::error::ApiError;
use crate::leads::kind::{Label, Registry, Scope};
use crate::leads::people::{MERGED, SPLIT};
use crate::leads::timeline;
use crate::store::{NewEvent, Tx};

/// One row of the people list.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PersonRow {
    /// `per_…`.
    pub id: String,
    /// The name on their newest lead.
    pub name: Option<String>,
    /// The email on their newest lead.
    pub email: Option<String>,
    /// The company on their newest lead.
    pub company: Option<String>,
    /// How many leads.
    pub leads: i64,
    /// How many of them are still open.
    pub open_leads: i64,
    /// Their newest lead.
    pub last_seen_at: Option<String>,
    /// Erased (a tombstone).
    pub erased: bool,
}

/// One lead of a person.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PersonLead {
    /// The kind's wire id.
    pub kind: &'static str,
    /// The kind's name.
    pub kind_label: Label,
    /// Record id.
    pub id: String,
    /// Stored status.
    pub status: String,
    /// Its label.
    pub status_label: Label,
    /// Captured.
    pub created_at: String,
    /// Still to be worked.
    pub open: bool,
    /// In the spam folder or the bin.
    pub hidden: bool,
    /// The lead's admin page.
    pub admin_url: String,
}

/// One step on a person's merged timeline.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PersonStep {
    /// The lead it happened to; none for the person's own steps (merged, split, erased).
    pub lead_id: Option<String>,
    /// The step.
    #[serde(flatten)]
    pub entry: timeline::Entry,
}

/// The tombstone of an erasure.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Tombstone {
    /// Always true.
    pub erased: bool,
    /// Who erased (a member id, or `retention`).
    pub by: Option<String>,
    /// When.
    pub at: String,
    /// Why.
    pub reason: Option<String>,
}

/// A person with everything leadbox holds about them.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Person {
    /// `per_…`.
    pub id: String,
    /// Every email they are known by (normalised).
    pub emails: Vec<String>,
    /// Every name their leads carry.
    pub names: Vec<String>,
    /// Every company their leads carry.
    pub companies: Vec<String>,
    /// Their ids in the team's own product.
    pub end_user_ids: Vec<String>,
    /// Their leads, newest first.
    pub leads: Vec<PersonLead>,
    /// Every step of every lead and of the person, oldest first.
    pub timeline: Vec<PersonStep>,
    /// Set when the person was erased.
    pub erased: Option<Tombstone>,
    /// First known.
    pub created_at: String,
}

/// What a staff action on a person carries into its writer job.
pub struct Act {
    /// The workspace.
    pub ws: String,
    /// The lead kinds.
    pub kinds: std::sync::Arc<Registry>,
    /// Who acts.
    pub me: String,
    /// The clock's now.
    pub scope: Scope,
    /// The person.
    pub pid: String,
}

impl Act {
    /// The action of member `me` of workspace `ws` on person `id`.
    pub fn new(app: &crate::app::App, ws: &str, me: &str, id: &str) -> Act {
        Act {
            ws: ws.to_string(),
            kinds: app.kinds.clone(),
            me: me.to_string(),
            scope: app.scope(),
            pid: id.to_string(),
        }
    }
}

/// The person a merged-away person now lives in, following the chain.
pub fn current(conn: &Connection, ws: &str, id: &str) -> Result<Option<String>, ApiError> {
    let mut id = id.to_string();
    for _ in 0..32 {
        let row: Option<Option<String>> = conn
            .prepare_cached("SELECT merged_into FROM people WHERE workspace_id = ?1 AND id = ?2")?
            .query_row([ws, &id], |r| r.get(0))
            .optional()?;
        match row {
            None => return Ok(None),
            Some(None) => return Ok(Some(id)),
            Some(Some(next)) => id = next,
        }
    }
    Ok(None)
}

/// The leads of a person of the readable kinds: `(rid, lead)`, newest first.
pub fn leads_of(
    conn: &Connection,
    kinds: &Registry,
    person: &str,
    readable: &[&str],
) -> Result<Vec<PersonLead>, ApiError> {
    let mut stmt = conn.prepare_cached(
        "SELECT kind, id, status, created_at, stage IN ('fresh', 'open'), hidden
         FROM lead_index WHERE person_id = ?1 ORDER BY created_at DESC, rid DESC",
    )?;
    let rows = stmt.query_map([person], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, bool>(4)?,
            r.get::<_, bool>(5)?,
        ))
    })?;
    let mut out = vec![];
    for row in rows {
        let (kind, id, status, created_at, open, hidden) = row?;
        let Some(k) = kinds.get(&kind).filter(|k| readable.contains(&k.id())) else {
            continue;
        };
        let Some(def) = k.status(&status) else {
            continue;
        };
        out.push(PersonLead {
            kind: k.id(),
            kind_label: k.label(),
            admin_url: format!("{}/{}", k.admin_path(), id),
            id,
            status,
            status_label: def.label,
            created_at,
            open: open && !hidden,
            hidden,
        });
    }
    Ok(out)
}

fn strings(conn: &Connection, sql: &str, id: &str) -> Result<Vec<String>, ApiError> {
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt.query_map([id], |r| r.get::<_, String>(0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// One person of the workspace with their leads and merged timeline; a merged-away id
/// answers the person it was merged into. None when there is no such person.
pub fn get(
    conn: &Connection,
    kinds: &Registry,
    ws: &str,
    id: &str,
    readable: &[&str],
) -> Result<Option<Person>, ApiError> {
    let Some(id) = current(conn, ws, id)? else {
        return Ok(None);
    };
    let (created_at, erased_at, erased_by, erased_reason): (
        String,
        Option<String>,
        Option<String>,
        Option<String>,
    ) = conn.query_row(
        "SELECT created_at, erased_at, erased_by, erased_reason FROM people WHERE id = ?1",
        [&id],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
    )?;
    let keys = strings(
        conn,
        "SELECT key FROM person_keys WHERE person_id = ?1 ORDER BY key",
        &id,
    )?;
    let leads = leads_of(conn, kinds, &id, readable)?;
    let distinct = |col: &str| {
        strings(
            conn,
            &format!(
                "SELECT {col} FROM lead_index WHERE person_id = ?1 AND COALESCE({col}, '') <> ''
                 GROUP BY {col} ORDER BY MAX(created_at) DESC"
            ),
            &id,
        )
    };
    let mut emails: Vec<String> = keys
        .iter()
        .filter_map(|k| k.strip_prefix("email:").map(str::to_string))
        .collect();
    for e in distinct("email")? {
        let n = crate::leads::people::normalise_email(&e).unwrap_or(e);
        if !emails.contains(&n) {
            emails.push(n);
        }
    }
    let mut steps: Vec<PersonStep> = vec![];
    for l in &leads {
        for entry in timeline::load(conn, ws, &l.id)? {
            steps.push(PersonStep {
                lead_id: Some(l.id.clone()),
                entry,
            });
        }
    }
    for entry in timeline::load(conn, ws, &id)? {
        steps.push(PersonStep {
            lead_id: None,
            entry,
        });
    }
    steps.sort_by(|a, b| {
        a.entry
            .at
            .cmp(&b.entry.at)
            .then(a.entry.event_id.cmp(&b.entry.event_id))
    });
    // An erased person's leads name no one (what is left is ids).
    let erased = erased_at.is_some();
    let keep = |v: Vec<String>| if erased { vec![] } else { v };
    Ok(Some(Person {
        emails: keep(emails),
        names: keep(distinct("name")?),
        companies: keep(distinct("company")?),
        end_user_ids: keys
            .iter()
            .filter_map(|k| k.strip_prefix("user:").map(str::to_string))
            .collect(),
        leads,
        timeline: steps,
        erased: erased_at.map(|at| Tombstone {
            erased: true,
            by: erased_by,
            at,
            reason: erased_reason,
        }),
        created_at,
        id,
    }))
}

/// A page of the workspace's people (those with at least one lead in the inbox, or erased),
/// newest first; with `q`, the people whose leads match the words, best match first.
pub fn list(
    conn: &Connection,
    ws: &str,
    q: Option<&str>,
    limit: i64,
    offset: i64,
) -> Result<(Vec<PersonRow>, i64), ApiError> {
    let summary = "SELECT p.id,
            (SELECT name FROM lead_index l WHERE l.person_id = p.id ORDER BY created_at DESC LIMIT 1),
            (SELECT email FROM lead_index l WHERE l.person_id = p.id ORDER BY created_at DESC LIMIT 1),
            (SELECT company FROM lead_index l WHERE l.person_id = p.id ORDER BY created_at DESC LIMIT 1),
            (SELECT COUNT(*) FROM lead_index l WHERE l.person_id = p.id),
            (SELECT COUNT(*) FROM lead_index l WHERE l.person_id = p.id AND l.hidden = 0
                AND l.stage IN ('fresh', 'open')),
            (SELECT MAX(created_at) FROM lead_index l WHERE l.person_id = p.id),
            p.erased_at IS NOT NULL
         FROM people p";
    let map = |r: &rusqlite::Row<'_>| {
        Ok(PersonRow {
            id: r.get(0)?,
            name: r.get(1)?,
            email: r.get(2)?,
            company: r.get(3)?,
            leads: r.get(4)?,
            open_leads: r.get(5)?,
            last_seen_at: r.get(6)?,
            erased: r.get(7)?,
        })
    };
    if let Some(q) = q {
        let Some(words) = crate::leads::index::fts_query(q) else {
            return Ok((vec![], 0));
        };
        // The people of the newest matching leads, best match first.
        let (found, _) = crate::leads::index::matching(
            conn,
            &words,
            true,
            "l.workspace_id = ? AND l.person_id IS NOT NULL",
            &[&ws],
            "l.person_id",
            |score, r| Ok((score, r.get::<_, String>(1)?)),
        )?;
        let mut best: std::collections::HashMap<&str, (i64, usize)> = Default::default();
        for (i, (score, id)) in found.iter().enumerate() {
            let e = best.entry(id.as_str()).or_insert((*score, i));
            e.0 = e.0.max(*score);
        }
        let mut ids: Vec<(&str, (i64, usize))> = best.into_iter().collect();
        ids.sort_by(|a, b| b.1 .0.cmp(&a.1 .0).then(a.1 .1.cmp(&b.1 .1)));
        let ids: Vec<String> = ids.into_iter().map(|(id, _)| id.to_string()).collect();
        let total = ids.len() as i64;
        let mut out = vec![];
        let mut stmt = conn.prepare_cached(&format!("{summary} WHERE p.id = ?1"))?;
        for id in ids
            .iter()
            .skip(offset.max(0) as usize)
            .take(limit.max(0) as usize)
        {
            if let Some(row) = stmt.query_row([id], map).optional()? {
                out.push(row);
            }
        }
        return Ok((out, total));
    }
    let visible = "p.workspace_id = ?1 AND p.merged_into IS NULL";
    let total: i64 = conn
        .prepare_cached(&format!("SELECT COUNT(*) FROM people p WHERE {visible}"))?
        .query_row([ws], |r| r.get(0))?;
    let rows = conn
        .prepare_cached(&format!(
            "{summary} WHERE {visible} ORDER BY p.created_at DESC, p.id DESC LIMIT ?2 OFFSET ?3"
        ))?
        .query_map(rusqlite::params![ws, limit, offset], map)?
        .collect::<Result<_, _>>()?;
    Ok((rows, total))
}

fn alive(conn: &Connection, ws: &str, id: &str) -> Result<(), ApiError> {
    let row: Option<(Option<String>, Option<String>)> = conn
        .prepare_cached(
            "SELECT merged_into, erased_at FROM people WHERE workspace_id = ?1 AND id = ?2",
        )?
        .query_row([ws, id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    match row {
        None => Err(ApiError::not_found()),
        Some((Some(_), _)) => Err(ApiError::conflict(
            "PERSON_MERGED",
            "This person was merged into another; use that one",
        )),
        Some((_, Some(_))) => Err(ApiError::conflict(
            "PERSON_ERASED",
            "This person was erased",
        )),
        Some((None, None)) => Ok(()),
    }
}

/// Points lead `lead` (of any registered kind) at `person`.
fn move_lead(
    conn: &Connection,
    kinds: &Registry,
    lead: &str,
    person: &str,
) -> Result<(), ApiError> {
    let kind = kinds.of_record(lead).ok_or_else(ApiError::not_found)?;
    conn.execute(
        &format!(
            "UPDATE {} SET person_id = ?1 WHERE id = ?2",
            kind.index().table
        ),
        [person, lead],
    )?;
    Ok(())
}

fn lead_ids(conn: &Connection, person: &str) -> Result<Vec<String>, ApiError> {
    strings(
        conn,
        "SELECT id FROM lead_index WHERE person_id = ?1 ORDER BY created_at, rid",
        person,
    )
}

fn person_event(
    tx: &mut Tx<'_>,
    ws: &str,
    topic: &str,
    person: &str,
    actor: &str,
    data: Value,
) -> Result<(), ApiError> {
    tx.append(NewEvent {
        workspace_id: Some(ws.into()),
        topic: topic.into(),
        subject_id: Some(person.into()),
        actor_id: Some(actor.into()),
        data,
    })?;
    Ok(())
}

/// Merges `other` into `id`: its leads and keys move, it answers as `id` from then on; an
/// event on both timelines.
pub fn merge(
    tx: &mut Tx<'_>,
    kinds: &Registry,
    ws: &str,
    id: &str,
    other: &str,
    actor: &str,
    scope: &Scope,
) -> Result<Vec<String>, ApiError> {
    alive(tx, ws, id)?;
    if id == other {
        return Err(ApiError::validation("otherId", "must be another person"));
    }
    // An unknown other person is 404, like an unknown one in the path.
    alive(tx, ws, other)?;
    let moved = lead_ids(tx, other)?;
    for lead in &moved {
        move_lead(tx, kinds, lead, id)?;
    }
    let now = crate::util::rfc3339(scope.now);
    tx.execute(
        "UPDATE person_keys SET person_id = ?1 WHERE person_id = ?2",
        [id, other],
    )?;
    tx.execute(
        "UPDATE people SET merged_into = ?1, updated_at = ?3 WHERE id = ?2",
        [id, other, &now],
    )?;
    tx.execute(
        "UPDATE people SET updated_at = ?2 WHERE id = ?1",
        [id, &now],
    )?;
    let data = json!({ "change": "merged", "personId": id, "otherId": other, "leadIds": moved });
    person_event(tx, ws, MERGED, id, actor, data.clone())?;
    person_event(tx, ws, MERGED, other, actor, data)?;
    Ok(moved)
}

/// Moves `leads` of person `id` to a new person; the keys only those leads carry go with
/// them. Answers the new person's id.
pub fn split(
    tx: &mut Tx<'_>,
    kinds: &Registry,
    ws: &str,
    id: &str,
    leads: &[String],
    actor: &str,
    scope: &Scope,
) -> Result<String, ApiError> {
    alive(tx, ws, id)?;
    let mine = lead_ids(tx, id)?;
    if leads.is_empty() {
        return Err(ApiError::validation(
            "leadIds",
            "must name at least one lead",
        ));
    }
    if let Some(bad) = leads.iter().find(|l| !mine.contains(l)) {
        return Err(ApiError::validation(
            "leadIds",
            format!("`{bad}` is not a lead of this person"),
        ));
    }
    if leads.len() == mine.len() {
        return Err(ApiError::validation(
            "leadIds",
            "must leave at least one lead with this person",
        ));
    }
    let now = crate::util::rfc3339(scope.now);
    let new_id = crate::util::new_id(crate::leads::people::PREFIX);
    tx.execute(
        "INSERT INTO people (id, workspace_id, created_at, updated_at) VALUES (?1, ?2, ?3, ?3)",
        [&new_id, ws, &now],
    )?;
    for lead in leads {
        move_lead(tx, kinds, lead, &new_id)?;
    }
    // A key moves when no lead left with the person carries it.
    let key_of = |email: Option<String>, user: Option<String>| -> Vec<String> {
        let mut k = vec![];
        if let Some(e) = email
            .as_deref()
            .and_then(crate::leads::people::normalise_email)
        {
            k.push(format!("email:{e}"));
        }
        if let Some(u) = user {
            k.push(format!("user:{u}"));
        }
        k
    };
    let keys_of = |conn: &Connection, person: &str| -> Result<Vec<String>, ApiError> {
        let mut stmt =
            conn.prepare_cached("SELECT email, end_user_id FROM lead_index WHERE person_id = ?1")?;
        let rows = stmt.query_map([person], |r| Ok((r.get(0)?, r.get(1)?)))?;
        let mut out = vec![];
        for r in rows {
            let (e, u) = r?;
            out.extend(key_of(e, u));
        }
        Ok(out)
    };
    let kept = keys_of(tx, id)?;
    for key in keys_of(tx, &new_id)? {
        if !kept.contains(&key) {
            tx.execute(
                "UPDATE person_keys SET person_id = ?1 WHERE workspace_id = ?2 AND key = ?3",
                [&new_id, ws, &key],
            )?;
        }
    }
    let data =
        json!({ "change": "split", "personId": id, "newPersonId": new_id, "leadIds": leads });
    person_event(tx, ws, SPLIT, id, actor, data.clone())?;
    person_event(tx, ws, SPLIT, &new_id, actor, data)?;
    Ok(new_id)
}
