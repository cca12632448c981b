//! Who gets a lead: the rule's next member who is not away and under capacity, chosen inside
//! the writer job that captures the lead (so the lead and its owner commit together, and
//! concurrent captures queue for the one writer instead of racing for the same "next"), and
//! the unassigned backlog handed out oldest first when someone becomes free.

use rusqlite::{Connection, OptionalExtension};

use super::{Assignment, Mode, Settings};
use crate::error::ApiError;
use crate::leads::kind::{LeadKind, Registry};
use crate::store::Tx;

/// Most backlog leads one drain hands out (the next writer job or sweep goes on).
const DRAIN_MAX: usize = 500;

/// A member who could take a lead, with their open leads.
struct Candidate {
    id: String,
    open: i64,
}

/// Open leads (waiting or being worked, not spam or deleted) held by `member`.
pub fn open_leads(conn: &Connection, ws: &str, member: &str) -> Result<i64, ApiError> {
    Ok(conn
        .prepare_cached(
            "SELECT COUNT(*) FROM lead_index
             WHERE workspace_id = ?1 AND assignee_id = ?2 AND hidden = 0
                 AND stage IN ('fresh', 'open')",
        )?
        .query_row([ws, member], |r| r.get(0))?)
}

/// The rule's members who can take a lead now, in turn order starting after the last one
/// served.
fn candidates(conn: &Connection, ws: &str, a: &Assignment) -> Result<Vec<Candidate>, ApiError> {
    let last: Option<String> = conn
        .prepare_cached("SELECT last_member FROM routing_settings WHERE workspace_id = ?1")?
        .query_row([ws], |r| r.get(0))
        .optional()?
        .flatten();
    let n = a.member_ids.len();
    let start = last
        .and_then(|l| a.member_ids.iter().position(|m| *m == l))
        .map(|i| i + 1)
        .unwrap_or(0);
    let mut out = vec![];
    let mut present = conn.prepare_cached(
        "SELECT u.away_since IS NULL FROM memberships m JOIN users u ON u.id = m.user_id
         WHERE m.workspace_id = ?1 AND m.user_id = ?2",
    )?;
    for k in 0..n {
        let id = &a.member_ids[(start + k) % n];
        let here: Option<bool> = present.query_row([ws, id], |r| r.get(0)).optional()?;
        if here != Some(true) {
            continue;
        }
        let open = open_leads(conn, ws, id)?;
        if a.capacity.is_some_and(|c| open >= i64::from(c)) {
            continue;
        }
        out.push(Candidate {
            id: id.clone(),
            open,
        });
    }
    Ok(out)
}

/// Chooses the member for the next lead and records the turn; None when nobody can take it.
fn next(
    conn: &Connection,
    ws: &str,
    a: &Assignment,
    now: &str,
) -> Result<Option<String>, ApiError> {
    let c = candidates(conn, ws, a)?;
    let chosen = match a.mode {
        Mode::Manual => None,
        Mode::RoundRobin => c.into_iter().next(),
        // The fewest open leads; on a tie, whoever's turn comes first.
        Mode::LeastOpen => c.into_iter().min_by_key(|c| c.open),
    };
    let Some(chosen) = chosen else {
        return Ok(None);
    };
    conn.prepare_cached(
        "UPDATE routing_settings SET last_member = ?2, updated_at = ?3 WHERE workspace_id = ?1",
    )?
    .execute([ws, &chosen.id, now])?;
    Ok(Some(chosen.id))
}

fn applies(a: &Assignment, kind: &dyn LeadKind) -> bool {
    a.mode != Mode::Manual
        && kind.lifecycle_table().is_some()
        && a.kinds
            .as_ref()
            .is_none_or(|ks| ks.iter().any(|k| k == kind.id()))
}

/// What the capture of lead `id` of `kind` owes routing, in the capture's writer job: its
/// first-response clock, and its owner when the rule finds one (else it waits in the
/// backlog). Spam and quarantined leads (`hidden`) are left alone until released.
pub fn captured(
    tx: &mut Tx<'_>,
    kind: &dyn LeadKind,
    (ws, id): (&str, &str),
    hidden: bool,
    now: &str,
) -> Result<(), ApiError> {
    if hidden {
        return Ok(());
    }
    let s: Settings = super::settings(tx, ws)?;
    if let Some(sla) = &s.sla {
        super::sla::start(tx, sla, (ws, kind.id(), id), now)?;
    }
    if !applies(&s.assignment, kind) {
        return Ok(());
    }
    // Capacity counts open leads in the index: the captures before this one first.
    tx.catch_up()?;
    if let Some(member) = next(tx, ws, &s.assignment, now)? {
        let reason = (s.assignment.mode.as_str(), false);
        crate::leads::lifecycle::assign_by_rule(tx, kind, (ws, id), &member, reason, now)?;
    }
    Ok(())
}

/// Hands the workspace's unassigned waiting leads out, oldest first, while the rule finds
/// someone for them; answers how many were assigned.
pub fn drain(tx: &mut Tx<'_>, kinds: &Registry, ws: &str, now: &str) -> Result<usize, ApiError> {
    let a = super::settings(tx, ws)?.assignment;
    if a.mode == Mode::Manual {
        return Ok(0);
    }
    let routed: Vec<&std::sync::Arc<dyn LeadKind>> = kinds
        .all()
        .iter()
        .filter(|k| applies(&a, k.as_ref()))
        .collect();
    let ids = serde_json::to_string(&routed.iter().map(|k| k.id()).collect::<Vec<_>>())
        .map_err(ApiError::internal)?;
    let mut done = 0;
    while done < DRAIN_MAX {
        let oldest: Option<(String, String)> = tx
            .prepare_cached(
                "SELECT id, kind FROM lead_index
                 WHERE workspace_id = ?1 AND hidden = 0 AND assignee_id IS NULL
                     AND stage = 'fresh' AND kind IN (SELECT value FROM json_each(?2))
                 ORDER BY created_at, rid LIMIT 1",
            )?
            .query_row([ws, &ids], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        let Some((id, kind)) = oldest else { break };
        let Some(kind) = routed.iter().find(|k| k.id() == kind) else {
            break;
        };
        let Some(member) = next(tx, ws, &a, now)? else {
            break;
        };
        let reason = (a.mode.as_str(), true);
        crate::leads::lifecycle::assign_by_rule(
            tx,
            kind.as_ref(),
            (ws, &id),
            &member,
            reason,
            now,
        )?;
        done += 1;
    }
    Ok(done)
}

/// Drains the backlog of every workspace `user` belongs to (they came back).
pub fn drain_for(
    tx: &mut Tx<'_>,
    kinds: &Registry,
    user: &str,
    now: &str,
) -> Result<usize, ApiError> {
    let wss: Vec<String> = tx
        .prepare_cached("SELECT workspace_id FROM memberships WHERE user_id = ?1")?
        .query_map([user], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    let mut n = 0;
    for ws in wss {
        n += drain(tx, kinds, &ws, now)?;
    }
    Ok(n)
}

/// Drains every workspace whose rule assigns (the sweeper's pass).
pub fn drain_all(tx: &mut Tx<'_>, kinds: &Registry, now: &str) -> Result<usize, ApiError> {
    let wss: Vec<String> = tx
        .prepare_cached(
            "SELECT workspace_id FROM routing_settings
             WHERE json_extract(assignment, '$.mode') != 'manual'",
        )?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    let mut n = 0;
    for ws in wss {
        n += drain(tx, kinds, &ws, now)?;
    }
    Ok(n)
}

/// Sets `user` away (from `now`) or back; answers since when they are away.
pub fn set_away(
    conn: &Connection,
    user: &str,
    away: bool,
    now: &str,
) -> Result<Option<String>, ApiError> {
    conn.prepare_cached(
        "UPDATE users SET away_since = CASE WHEN ?2 THEN COALESCE(away_since, ?3) END WHERE id = ?1",
    )?
    .execute(rusqlite::params![user, away, now])?;
    away_since(conn, user)
}

/// Since when `user` is away, if they are.
pub fn away_since(conn: &Connection, user: &str) -> Result<Option<String>, ApiError> {
    Ok(conn
        .prepare_cached("SELECT away_since FROM users WHERE id = ?1")?
        .query_row([user], |r| r.get(0))
        .optional()?
        .flatten())
}
