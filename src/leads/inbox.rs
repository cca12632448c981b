//! The unified inbox: every registered lead kind in one list, newest first. Its SQL is the
//! union of each kind's `inbox_select`, so a kind that registers appears here unasked.

use std::sync::Arc;

use rusqlite::types::ToSql;
use rusqlite::{Connection, OptionalExtension, Row};
use serde::Serialize;

use super::kind::{Label, LeadKind, Registry, Scope, Stage, Table};
use crate::auth::permissions::{LeadAction, Role};
use crate::error::{ApiError, FieldErrors};
use crate::paging::{self, One, Page, Where};

/// Query parameters of the inbox, validated by `parse` (so a bad value is a field-named 400,
/// not a missing route); the schema says what each one takes.
#[derive(rocket::FromForm, Default, Debug, Clone, schemars::JsonSchema)]
pub struct LeadsQuery {
    /// A lead kind's id (`inquiry`, `contact_request`, `pricing_selection`, …).
    #[schemars(length(min = 1, max = 50), pattern(r"^[a-z_]+$"))]
    #[serde(default)]
    kind: One,
    /// A status of the selected kinds (`NEW`, `pending`, …).
    #[schemars(length(min = 1, max = 20), pattern(r"^[A-Za-z]+$"))]
    #[serde(default)]
    status: One,
    /// A member id, or `none` for unassigned leads.
    #[field(name = "assigneeId")]
    #[serde(rename = "assigneeId")]
    #[schemars(length(min = 1, max = 100))]
    #[serde(default)]
    assignee_id: One,
    /// Words in names, emails, companies and messages.
    #[schemars(length(min = 1, max = 200))]
    #[serde(default)]
    q: One,
    /// Created at or after: `YYYY-MM-DD` or RFC 3339.
    #[schemars(with = "Option<paging::DateBound>")]
    #[serde(default)]
    from: One,
    /// Created before (a date includes that whole day).
    #[schemars(with = "Option<paging::DateBound>")]
    #[serde(default)]
    to: One,
    /// 1-based page (default 1).
    #[schemars(with = "Option<paging::PageNumber>")]
    #[serde(default)]
    page: One,
    /// Items per page, 1–100 (default 20).
    #[schemars(with = "Option<paging::PageSize>")]
    #[serde(default)]
    limit: One,
    /// `createdAt` (default), `status` or `name`.
    #[field(name = "sortBy")]
    #[serde(rename = "sortBy")]
    #[schemars(with = "Option<InboxSort>")]
    #[serde(default)]
    sort_by: One,
    /// `asc` or `desc` (default).
    #[field(name = "sortOrder")]
    #[serde(rename = "sortOrder")]
    #[schemars(with = "Option<paging::SortOrder>")]
    #[serde(default)]
    sort_order: One,
}

/// The inbox's sort keys.
#[derive(schemars::JsonSchema)]
#[allow(dead_code)]
enum InboxSort {
    #[serde(rename = "createdAt")]
    CreatedAt,
    #[serde(rename = "status")]
    Status,
    #[serde(rename = "name")]
    Name,
}

/// A validated inbox query.
#[derive(Debug, Clone)]
pub struct Inbox {
    /// Kinds to include (their wire ids).
    pub kinds: Vec<&'static str>,
    /// The kind asked for by name, if one was.
    pub kind: Option<&'static str>,
    /// Only this stored status.
    pub status: Option<&'static str>,
    /// Only this assignee (`none` = unassigned).
    pub assignee_id: Option<String>,
    /// Words in any searchable column.
    pub q: Option<String>,
    /// Created at or after.
    pub from: Option<String>,
    /// Created before.
    pub to: Option<String>,
    /// Sort column.
    pub column: &'static str,
    /// Ascending.
    pub asc: bool,
    /// Paging.
    pub page: Page,
}

/// The kinds a role may list.
pub fn readable(kinds: &Registry, role: Role) -> Vec<&'static str> {
    kinds
        .all()
        .iter()
        .filter(|k| role.can(k.perm(LeadAction::Find)))
        .map(|k| k.id())
        .collect()
}

impl LeadsQuery {
    /// Validates every parameter for a caller who may read `readable` kinds.
    pub fn parse(
        &self,
        kinds: &Registry,
        readable: &[&'static str],
        errs: &mut FieldErrors,
    ) -> Inbox {
        let asked = self
            .kind
            .as_deref()
            .map(str::trim)
            .filter(|k| !k.is_empty());
        let (selected, kind) = match asked {
            None => (readable.to_vec(), None),
            Some(k) => match kinds.get(k) {
                Some(found) if readable.contains(&found.id()) => {
                    (vec![found.id()], Some(found.id()))
                }
                Some(found) => (vec![], Some(found.id())),
                None => {
                    let ids: Vec<&str> = kinds.all().iter().map(|k| k.id()).collect();
                    errs.add("kind", format!("must be one of {}", ids.join(", ")));
                    (vec![], None)
                }
            },
        };
        let status = self
            .status
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .and_then(|s| {
                // Any kind's status may be asked for; with kinds that lack it, nothing matches.
                let found = kinds
                    .all()
                    .iter()
                    .flat_map(|k| k.statuses().iter())
                    .find(|d| d.value.eq_ignore_ascii_case(s))
                    .map(|d| d.value);
                if found.is_none() {
                    errs.add(
                        "status",
                        format!("must be one of {}", status_names(kinds, &selected)),
                    );
                }
                found
            });
        let page = paging::parse_page(self.page.as_deref(), self.limit.as_deref(), errs);
        let (column, asc) = paging::parse_sort(
            self.sort_by.as_deref(),
            self.sort_order.as_deref(),
            &[
                ("createdAt", "created_at"),
                ("status", "status"),
                ("name", "name"),
            ],
            errs,
        );
        Inbox {
            kinds: selected,
            kind,
            status,
            assignee_id: paging::parse_assignee(self.assignee_id.as_deref(), errs),
            q: paging::parse_q(self.q.as_deref(), errs),
            from: paging::parse_bound("from", self.from.as_deref(), false, errs),
            to: paging::parse_bound("to", self.to.as_deref(), true, errs),
            column,
            asc,
            page,
        }
    }
}

/// The distinct status values of the selected kinds, for messages and the filter.
fn status_names(kinds: &Registry, selected: &[&str]) -> String {
    let mut names: Vec<&str> = vec![];
    for k in selected.iter().filter_map(|id| kinds.get(id)) {
        for s in k.statuses() {
            if !names.contains(&s.value) {
                names.push(s.value);
            }
        }
    }
    names.join(", ")
}

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
}

/// The union of every kind's inbox rows, with its kind id as the first column.
fn union(kinds: &[Arc<dyn LeadKind>], scope: &Scope) -> String {
    kinds
        .iter()
        .map(|k| {
            format!(
                "SELECT '{}' AS kind, id, status, name, email, company, created_at, assignee_id,
                    workspace_id, rid, haystack FROM ({})",
                k.id().replace('\'', ""),
                k.inbox_select(scope)
            )
        })
        .collect::<Vec<_>>()
        .join(" UNION ALL ")
}

/// Every registered kind's inbox rows as one `SELECT` (the Overview counts over it too).
pub fn union_sql(kinds: &Registry, scope: &Scope) -> String {
    union(kinds.all(), scope)
}

const ROW: &str = "kind, id, status, name, email, company, created_at, assignee_id";

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
    })
}

fn where_of(ws: &str, inbox: &Inbox) -> Where {
    let mut w = Where::new(
        &format!(
            "workspace_id = ? AND kind IN ({})",
            vec!["?"; inbox.kinds.len()].join(",")
        ),
        std::iter::once(ws.to_string())
            .chain(inbox.kinds.iter().map(|k| k.to_string()))
            .map(|v| Box::new(v) as Box<dyn ToSql>)
            .collect(),
    );
    w.eq("status", inbox.status);
    w.assignee(inbox.assignee_id.as_deref());
    w.search(inbox.q.as_deref(), &["haystack"]);
    w.created(inbox.from.as_deref(), inbox.to.as_deref());
    w
}

fn select(
    conn: &Connection,
    kinds: &Registry,
    scope: &Scope,
    ws: &str,
    inbox: &Inbox,
    limit: i64,
    offset: i64,
) -> Result<Vec<InboxRow>, ApiError> {
    let mut w = where_of(ws, inbox);
    let dir = if inbox.asc { "ASC" } else { "DESC" };
    w.args.push(Box::new(limit));
    w.args.push(Box::new(offset));
    let mut stmt = conn.prepare(&format!(
        "SELECT {ROW} FROM ({}) WHERE {} ORDER BY {} {dir}, created_at {dir}, rid {dir}
         LIMIT ? OFFSET ?",
        union(kinds.all(), scope),
        w.sql,
        inbox.column
    ))?;
    let rows = stmt.query_map(w.params().as_slice(), |r| row(kinds, r))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// One page of the inbox and its total.
pub fn page_of(
    conn: &Connection,
    kinds: &Registry,
    scope: &Scope,
    ws: &str,
    inbox: &Inbox,
) -> Result<(Vec<InboxRow>, i64), ApiError> {
    if inbox.kinds.is_empty() {
        return Ok((vec![], 0));
    }
    let w = where_of(ws, inbox);
    let total: i64 = conn.query_row(
        &format!(
            "SELECT COUNT(*) FROM ({}) WHERE {}",
            union(kinds.all(), scope),
            w.sql
        ),
        w.params().as_slice(),
        |r| r.get(0),
    )?;
    let p = inbox.page;
    let rows = select(
        conn,
        kinds,
        scope,
        ws,
        inbox,
        p.limit,
        (p.page - 1) * p.limit,
    )?;
    Ok((rows, total))
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
    let rows = if inbox.kinds.is_empty() {
        vec![]
    } else {
        select(conn, kinds, scope, ws, inbox, EXPORT_LIMIT, 0)?
    };
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
    let Some(kind) = kinds.of_record(id) else {
        return Ok(None);
    };
    let sql = format!(
        "SELECT {ROW} FROM ({}) WHERE workspace_id = ?1 AND id = ?2",
        union(std::slice::from_ref(kind), scope)
    );
    Ok(conn
        .prepare(&sql)?
        .query_row([ws, id], |r| row(kinds, r))
        .optional()?)
}

/// Leads of the `readable` kinds waiting in their fresh status (the NEW badge).
pub fn count_fresh(
    conn: &Connection,
    kinds: &Registry,
    scope: &Scope,
    ws: &str,
    readable: &[&str],
) -> Result<i64, ApiError> {
    let mut sql = String::from("SELECT 0");
    let mut args: Vec<String> = vec![];
    for k in kinds.all().iter().filter(|k| readable.contains(&k.id())) {
        for s in k.statuses().iter().filter(|s| s.stage == Stage::Fresh) {
            sql.push_str(&format!(
                " + (SELECT COUNT(*) FROM ({}) WHERE workspace_id = ? AND status = ?)",
                k.inbox_select(scope)
            ));
            args.push(ws.to_string());
            args.push(s.value.to_string());
        }
    }
    Ok(conn.query_row(&sql, rusqlite::params_from_iter(args), |r| r.get(0))?)
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
