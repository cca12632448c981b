//! The unified inbox: every registered lead kind in one list, newest first. Its SQL is the
//! union of each kind's `inbox_select`, so a kind that registers appears here unasked.

mod explain;
mod query;
mod search;

use rusqlite::types::ToSql;
use rusqlite::{Connection, OptionalExtension, Row};
use serde::Serialize;

use crate::error::ApiError;
use crate::leads::kind::{Label, Registry, Scope, Stage, Table};
use crate::paging::Where;

pub use self::explain::explain;
pub use self::query::{readable, Inbox, LeadsQuery};
use self::search::{hits, snippets};

/// One inbox row, the same shape for every kind.
#[derive(Debug, Clone, Serialize, PartialEq, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct InboxRow {
    /// The kind's wire id.
    pub kind: &'static str,
    /// The kind's name.
    pub kind_label: Label,
    /// Record id.
    pub id: String,
    /// Stored status.
    pub status: String,
    /// Its bilingual label.
    pub status_label: Label,
    /// Who.
    pub name: Option<String>,
    /// Their email.
    pub email: Option<String>,
    /// Their company.
    pub company: Option<String>,
    /// Captured.
    pub created_at: String,
    /// Owner.
    pub assignee_id: Option<String>,
    /// The lead's admin page.
    pub admin_url: String,
    /// The person behind it.
    pub person_id: Option<String>,
    /// An older lead of the same person that is still open: this one may be a duplicate.
    pub duplicate_of: Option<String>,
    /// That lead's admin page.
    pub duplicate_url: Option<String>,
    /// With `q`: where the words matched, HTML-escaped, each match in `<mark>`.
    pub snippet: Option<String>,
    /// While it waits for its first response under the workspace's target: when it is due.
    pub due_at: Option<String>,
    /// Past `dueAt` and still waiting.
    pub overdue: bool,
}

/// A lead's status as of `now`: a status that changes by time alone has changed once its
/// moment has passed, even before the sweeper stores it.
fn status_at(now: &str) -> String {
    format!(
        "CASE WHEN l.turns_at IS NOT NULL AND l.turns_at <= '{}' THEN l.turns_to ELSE l.status END",
        now.replace('\'', "")
    )
}

fn kinds_list(kinds: &Registry) -> String {
    kinds
        .all()
        .iter()
        .map(|k| format!("'{}'", k.id().replace('\'', "")))
        .collect::<Vec<_>>()
        .join(",")
}

/// Every registered kind's inbox rows as one `SELECT` with the columns `kind, id, status,
/// name, email, company, created_at, assignee_id, workspace_id, rid, person_id` (the Overview
/// counts over it).
pub fn union_sql(kinds: &Registry, scope: &Scope) -> String {
    format!(
        "SELECT l.kind, l.id, {} AS status, l.name, l.email, l.company, l.created_at,
             l.assignee_id, l.workspace_id, l.rid, l.person_id
         FROM lead_index l WHERE l.hidden = 0 AND l.kind IN ({})",
        status_at(&crate::util::rfc3339(scope.now)),
        kinds_list(kinds)
    )
}

/// The older open lead of the same person, if there is one: this one may be a duplicate.
const DUPLICATE_OF: &str = "CASE WHEN l.person_id IS NOT NULL AND l.stage IN ('fresh', 'open') THEN
    (SELECT o.id FROM lead_index o WHERE o.person_id = l.person_id AND o.rid <> l.rid
        AND o.hidden = 0 AND o.stage IN ('fresh', 'open')
        AND (o.created_at < l.created_at OR (o.created_at = l.created_at AND o.rid < l.rid))
     ORDER BY o.created_at LIMIT 1) END";

/// A waiting lead's due time (its first-response clock still running).
const DUE_AT: &str = "(SELECT s.due_at FROM lead_sla s WHERE s.lead_id = l.id
    AND s.responded_at IS NULL AND l.stage IN ('fresh', 'open'))";

fn columns(now: &str) -> String {
    format!(
        "l.kind, l.id, {}, l.name, l.email, l.company, l.created_at, l.assignee_id, l.person_id,
         {DUPLICATE_OF}, {DUE_AT}, {DUE_AT} <= '{}'",
        status_at(now),
        now.replace('\'', "")
    )
}

fn row(kinds: &Registry, r: &Row<'_>) -> rusqlite::Result<InboxRow> {
    let kind_id: String = r.get(0)?;
    let status: String = r.get(2)?;
    let bad = |what: String| {
        rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, what.into())
    };
    let kind = kinds
        .get(&kind_id)
        .ok_or_else(|| bad(format!("unknown lead kind {kind_id}")))?;
    let def = kind
        .status(&status)
        .ok_or_else(|| bad(format!("{kind_id} has an unknown status {status}")))?;
    let id: String = r.get(1)?;
    let duplicate_of: Option<String> = r.get(9)?;
    Ok(InboxRow {
        kind: kind.id(),
        kind_label: kind.label(),
        admin_url: format!("{}/{}", kind.admin_path(), id),
        id,
        status,
        status_label: def.label,
        name: r.get(3)?,
        email: r.get(4)?,
        company: r.get(5)?,
        created_at: r.get(6)?,
        assignee_id: r.get(7)?,
        person_id: r.get(8)?,
        duplicate_url: duplicate_of.as_deref().and_then(|d| {
            kinds
                .of_record(d)
                .map(|k| format!("{}/{}", k.admin_path(), d))
        }),
        duplicate_of,
        snippet: None,
        due_at: r.get(10)?,
        overdue: r.get::<_, Option<bool>>(11)?.unwrap_or(false),
    })
}

/// The filters of an inbox query over `lead_index l` (everything but the words).
fn where_of(kinds: &Registry, ws: &str, inbox: &Inbox, now: &str, turned: bool) -> Where {
    let mut w = Where::new(
        "l.workspace_id = ? AND l.hidden = 0",
        vec![Box::new(ws.to_string())],
    );
    if inbox.kinds.len() != kinds.all().len() {
        w.sql.push_str(&format!(
            " AND l.kind IN ({})",
            vec!["?"; inbox.kinds.len()].join(",")
        ));
        w.args.extend(
            inbox
                .kinds
                .iter()
                .map(|k| Box::new(k.to_string()) as Box<dyn ToSql>),
        );
    }
    if let Some(s) = inbox.status {
        if turned {
            w.sql.push_str(
                " AND ((l.status = ? AND (l.turns_at IS NULL OR l.turns_at > ?))
                   OR (l.turns_to = ? AND l.turns_at <= ?))",
            );
            w.args.push(Box::new(s.to_string()));
            w.args.push(Box::new(now.to_string()));
            w.args.push(Box::new(s.to_string()));
            w.args.push(Box::new(now.to_string()));
        } else {
            w.sql
                .push_str(" AND l.status = ? AND (l.turns_at IS NULL OR l.turns_at > ?)");
            w.args.push(Box::new(s.to_string()));
            w.args.push(Box::new(now.to_string()));
        }
    }
    match inbox.assignee_id.as_deref() {
        Some("none") => w.sql.push_str(" AND l.assignee_id IS NULL"),
        Some(a) => {
            w.sql.push_str(" AND l.assignee_id = ?");
            w.args.push(Box::new(a.to_string()));
        }
        None => {}
    }
    if let Some(f) = inbox.from.as_deref() {
        w.sql.push_str(" AND l.created_at >= ?");
        w.args.push(Box::new(f.to_string()));
    }
    if let Some(t) = inbox.to.as_deref() {
        w.sql.push_str(" AND l.created_at < ?");
        w.args.push(Box::new(t.to_string()));
    }
    if let Some(src) = inbox.source.as_deref() {
        w.sql.push_str(" AND l.source = ?");
        w.args.push(Box::new(src.to_string()));
    }
    if inbox.overdue || inbox.column == "due_at" {
        // Waiting leads with a running clock (past due, for the overdue filter).
        w.sql.push_str(
            " AND l.stage IN ('fresh', 'open') AND l.id IN (SELECT lead_id FROM lead_sla
                 WHERE workspace_id = ? AND responded_at IS NULL AND due_at <= ?)",
        );
        w.args.push(Box::new(ws.to_string()));
        w.args.push(Box::new(if inbox.overdue {
            now.to_string()
        } else {
            "9999".to_string()
        }));
    }
    w
}

/// Whether some lead of the workspace has turned into status `s` by time and not yet been
/// swept (then a status filter must look at both columns).
fn turned_into(conn: &Connection, ws: &str, s: Option<&str>, now: &str) -> Result<bool, ApiError> {
    let Some(s) = s else { return Ok(false) };
    Ok(conn
        .prepare_cached(
            "SELECT 1 FROM lead_index WHERE workspace_id = ?1 AND turns_at <= ?2 AND turns_to = ?3
             LIMIT 1",
        )?
        .query_row(rusqlite::params![ws, now, s], |_| Ok(()))
        .optional()?
        .is_some())
}

/// How many leads match the filters, from the counters where the filters allow it.
fn total(
    conn: &Connection,
    kinds: &Registry,
    ws: &str,
    inbox: &Inbox,
    now: &str,
    turned: bool,
) -> Result<i64, ApiError> {
    if inbox.from.is_some()
        || inbox.to.is_some()
        || inbox.overdue
        || inbox.column == "due_at"
        || inbox.source.is_some()
    {
        // A date range is counted over the index (a range of one of its orders), the due
        // filters over the waiting leads' clocks.
        let w = where_of(kinds, ws, inbox, now, turned);
        return Ok(conn
            .prepare_cached(&format!(
                "SELECT COUNT(*) FROM lead_index l WHERE {}",
                w.sql
            ))?
            .query_row(w.params().as_slice(), |r| r.get(0))?);
    }
    let mut sql = String::from(
        "SELECT COALESCE(SUM(n), 0) FROM lead_counts WHERE workspace_id = ? AND hidden = 0",
    );
    let mut args: Vec<Box<dyn ToSql>> = vec![Box::new(ws.to_string())];
    sql.push_str(&format!(
        " AND kind IN ({})",
        vec!["?"; inbox.kinds.len()].join(",")
    ));
    args.extend(
        inbox
            .kinds
            .iter()
            .map(|k| Box::new(k.to_string()) as Box<dyn ToSql>),
    );
    match inbox.assignee_id.as_deref() {
        Some("none") => sql.push_str(" AND assignee_id = ''"),
        Some(a) => {
            sql.push_str(" AND assignee_id = ?");
            args.push(Box::new(a.to_string()));
        }
        None => {}
    }
    let mut n: i64 = match inbox.status {
        Some(s) => {
            let mut sql = sql.clone();
            sql.push_str(" AND status = ?");
            let mut args: Vec<&dyn ToSql> = args.iter().map(|b| b.as_ref()).collect();
            args.push(&s);
            conn.prepare_cached(&sql)?
                .query_row(args.as_slice(), |r| r.get(0))?
        }
        None => {
            let args: Vec<&dyn ToSql> = args.iter().map(|b| b.as_ref()).collect();
            conn.prepare_cached(&sql)?
                .query_row(args.as_slice(), |r| r.get(0))?
        }
    };
    if let Some(s) = inbox.status {
        // Leads whose status turned by time are counted under the stored one: move them.
        let mut w = where_of(
            kinds,
            ws,
            &Inbox {
                status: None,
                ..inbox.clone()
            },
            now,
            false,
        );
        w.sql.push_str(" AND l.turns_at <= ?");
        w.args.push(Box::new(now.to_string()));
        let mut left = w.sql.clone();
        left.push_str(" AND l.status = ?");
        let mut args: Vec<&dyn ToSql> = w.params();
        args.push(&s);
        let gone: i64 = conn
            .prepare_cached(&format!("SELECT COUNT(*) FROM lead_index l WHERE {left}"))?
            .query_row(args.as_slice(), |r| r.get(0))?;
        let mut came = 0;
        if turned {
            let mut into = w.sql.clone();
            into.push_str(" AND l.turns_to = ?");
            came = conn
                .prepare_cached(&format!("SELECT COUNT(*) FROM lead_index l WHERE {into}"))?
                .query_row(args.as_slice(), |r| r.get(0))?;
        }
        n = n - gone + came;
    }
    Ok(n)
}

fn rows_where(
    conn: &Connection,
    kinds: &Registry,
    now: &str,
    mut w: Where,
    order: &str,
    limit: i64,
    offset: i64,
) -> Result<Vec<InboxRow>, ApiError> {
    w.args.push(Box::new(limit));
    w.args.push(Box::new(offset));
    let mut stmt = conn.prepare_cached(&rows_sql(now, &w, order))?;
    let rows = stmt.query_map(w.params().as_slice(), |r| row(kinds, r))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

fn rows_sql(now: &str, w: &Where, order: &str) -> String {
    format!(
        "SELECT {} FROM lead_index l WHERE {} ORDER BY {order} LIMIT ? OFFSET ?",
        columns(now),
        w.sql
    )
}

fn order_of(inbox: &Inbox) -> String {
    let dir = if inbox.asc { "ASC" } else { "DESC" };
    match inbox.column {
        "created_at" => format!("l.created_at {dir}, l.rid {dir}"),
        "due_at" => format!("{DUE_AT} {dir}, l.created_at {dir}, l.rid {dir}"),
        c => format!("l.{c} {dir}, l.created_at {dir}, l.rid {dir}"),
    }
}

/// Index row ids as an SQL list (`1,2,3`): integers only, so safe to splice into a statement.
fn rid_list(rids: &[i64]) -> String {
    rids.iter()
        .map(|r| r.to_string())
        .collect::<Vec<_>>()
        .join(",")
}

/// Index rows by rid, in the given order.
fn rows_by_rid(
    conn: &Connection,
    kinds: &Registry,
    now: &str,
    rids: &[i64],
) -> Result<Vec<(i64, InboxRow)>, ApiError> {
    if rids.is_empty() {
        return Ok(vec![]);
    }
    let list = rid_list(rids);
    let mut stmt = conn.prepare(&format!(
        "SELECT {}, l.rid FROM lead_index l WHERE l.rid IN ({list})",
        columns(now)
    ))?;
    let mut found: std::collections::HashMap<i64, InboxRow> = stmt
        .query_map([], |r| Ok((r.get::<_, i64>(12)?, row(kinds, r)?)))?
        .collect::<Result<_, _>>()?;
    Ok(rids
        .iter()
        .filter_map(|rid| found.remove(rid).map(|r| (*rid, r)))
        .collect())
}

/// `limit` rows from `offset` of the filtered inbox, and how many there are in all.
fn slice(
    conn: &Connection,
    kinds: &Registry,
    scope: &Scope,
    ws: &str,
    inbox: &Inbox,
    limit: i64,
    offset: i64,
) -> Result<(Vec<InboxRow>, i64), ApiError> {
    if inbox.kinds.is_empty() {
        return Ok((vec![], 0));
    }
    let now = crate::util::rfc3339(scope.now);
    let turned = turned_into(conn, ws, inbox.status, &now)?;
    if let Some(q) = inbox.q.as_deref() {
        let Some(words) = crate::leads::index::fts_query(q) else {
            return Ok((vec![], 0));
        };
        let (found, fts) = hits(conn, kinds, ws, inbox, &words, &now, turned)?;
        let page: Vec<i64> = found
            .iter()
            .skip(offset.max(0) as usize)
            .take(limit.max(0) as usize)
            .map(|h| h.rid)
            .collect();
        let mut snips = snippets(conn, &fts, &page)?;
        let rows = rows_by_rid(conn, kinds, &now, &page)?
            .into_iter()
            .map(|(rid, mut r)| {
                r.snippet = snips.remove(&rid);
                r
            })
            .collect();
        return Ok((rows, found.len() as i64));
    }
    let w = where_of(kinds, ws, inbox, &now, turned);
    let rows = rows_where(conn, kinds, &now, w, &order_of(inbox), limit, offset)?;
    let total = total(conn, kinds, ws, inbox, &now, turned)?;
    Ok((rows, total))
}

/// One page of the inbox and its total.
pub fn page_of(
    conn: &Connection,
    kinds: &Registry,
    scope: &Scope,
    ws: &str,
    inbox: &Inbox,
) -> Result<(Vec<InboxRow>, i64), ApiError> {
    let p = inbox.page;
    slice(
        conn,
        kinds,
        scope,
        ws,
        inbox,
        p.limit,
        (p.page - 1) * p.limit,
    )
}

/// Most rows one CSV export carries.
pub const EXPORT_LIMIT: i64 = 100_000;

/// The whole filtered inbox as a table (CSV export), in the viewer's language.
pub fn export(
    conn: &Connection,
    kinds: &Registry,
    scope: &Scope,
    ws: &str,
    inbox: &Inbox,
    lang: &str,
) -> Result<Table, ApiError> {
    let header = match lang {
        "vi" => [
            "Nhận lúc",
            "Loại",
            "Mã",
            "Tên",
            "Email",
            "Công ty",
            "Trạng thái",
            "Người phụ trách",
        ],
        _ => [
            "Received", "Kind", "Id", "Name", "Email", "Company", "Status", "Assignee",
        ],
    };
    let (rows, _) = slice(conn, kinds, scope, ws, inbox, EXPORT_LIMIT, 0)?;
    let o = |v: &Option<String>| v.clone().unwrap_or_default();
    Ok(Table {
        header: header.iter().map(|h| h.to_string()).collect(),
        rows: rows
            .iter()
            .map(|r| {
                vec![
                    r.created_at.clone(),
                    r.kind_label.get(lang).to_string(),
                    r.id.clone(),
                    o(&r.name),
                    o(&r.email),
                    o(&r.company),
                    r.status_label.get(lang).to_string(),
                    o(&r.assignee_id),
                ]
            })
            .collect(),
    })
}

/// One lead as an inbox row (the live toast and row of the admin), None when it is not in
/// the inbox of this workspace.
pub fn one(
    conn: &Connection,
    kinds: &Registry,
    scope: &Scope,
    ws: &str,
    id: &str,
) -> Result<Option<InboxRow>, ApiError> {
    if kinds.of_record(id).is_none() {
        return Ok(None);
    }
    let sql = format!(
        "SELECT {} FROM lead_index l WHERE l.workspace_id = ?1 AND l.id = ?2 AND l.hidden = 0",
        columns(&crate::util::rfc3339(scope.now))
    );
    Ok(conn
        .prepare_cached(&sql)?
        .query_row([ws, id], |r| row(kinds, r))
        .optional()?)
}

/// The person of lead `id` and, when it may be a duplicate, the older open lead of theirs:
/// `(person_id, duplicate_of)`.
pub fn person_of(
    conn: &Connection,
    ws: &str,
    id: &str,
) -> Result<(Option<String>, Option<String>), ApiError> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT l.person_id, {DUPLICATE_OF} FROM lead_index l
             WHERE l.workspace_id = ?1 AND l.id = ?2"
        ))?
        .query_row([ws, id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?
        .unwrap_or((None, None)))
}

/// Leads of the `readable` kinds waiting in their fresh status (the NEW badge).
pub fn count_fresh(
    conn: &Connection,
    kinds: &Registry,
    scope: &Scope,
    ws: &str,
    readable: &[&str],
) -> Result<i64, ApiError> {
    let now = crate::util::rfc3339(scope.now);
    let mut n = 0;
    for k in kinds.all().iter().filter(|k| readable.contains(&k.id())) {
        for s in k.statuses().iter().filter(|s| s.stage == Stage::Fresh) {
            let inbox = Inbox {
                kind: Some(k.id()),
                status: Some(s.value),
                ..Inbox::newest(vec![k.id()])
            };
            let turned = turned_into(conn, ws, inbox.status, &now)?;
            n += total(conn, kinds, ws, &inbox, &now, turned)?;
        }
    }
    Ok(n)
}

/// Kind wire id of each registered kind, for the kind filter: `(id, label)`.
pub fn kind_options(kinds: &Registry, lang: &str) -> Vec<(&'static str, &'static str)> {
    kinds
        .all()
        .iter()
        .map(|k| (k.id(), k.label().get(lang)))
        .collect()
}

/// The statuses the filter offers for the selected kinds: `(value, label)`, deduplicated.
pub fn status_options(
    kinds: &Registry,
    selected: &[&str],
    lang: &str,
) -> Vec<(&'static str, &'static str)> {
    let mut out: Vec<(&'static str, &'static str)> = vec![];
    for k in selected.iter().filter_map(|id| kinds.get(id)) {
        for s in k.statuses() {
            if !out.iter().any(|(v, _)| *v == s.value) {
                out.push((s.value, s.label.get(lang)));
            }
        }
    }
    out
}
