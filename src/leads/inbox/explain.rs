//! The inbox's query plans, for the test that keeps every list query on an index.

use rusqlite::types::ToSql;
use rusqlite::Connection;

use super::{order_of, rows_sql, where_of, Inbox};
use crate::error::ApiError;
use crate::leads::kind::{Registry, Scope};
use crate::paging::Page;

/// The query plans (`EXPLAIN QUERY PLAN`) of the inbox's list queries: the first page, a
/// deep page, each filter, a search and the totals, as `(what, plan lines)`.
pub fn explain(
    conn: &Connection,
    kinds: &Registry,
    scope: &Scope,
    ws: &str,
) -> Result<Vec<(String, Vec<String>)>, ApiError> {
    let now = crate::util::rfc3339(scope.now);
    let all: Vec<&'static str> = kinds.all().iter().map(|k| k.id()).collect();
    let base = Inbox::newest(all.clone());
    let first = all.first().copied().unwrap_or_default();
    let cases: Vec<(&str, Inbox, bool)> = vec![
        ("first page", base.clone(), false),
        (
            "deep page",
            Inbox {
                page: Page {
                    page: 5000,
                    limit: 20,
                },
                ..base.clone()
            },
            false,
        ),
        (
            "status",
            Inbox {
                status: Some("NEW"),
                ..base.clone()
            },
            false,
        ),
        (
            "kind",
            Inbox {
                kinds: vec![first],
                kind: Some(first),
                ..base.clone()
            },
            false,
        ),
        (
            "assignee",
            Inbox {
                assignee_id: Some("someone".into()),
                ..base.clone()
            },
            false,
        ),
        (
            "unassigned",
            Inbox {
                assignee_id: Some("none".into()),
                ..base.clone()
            },
            false,
        ),
        (
            "date range",
            Inbox {
                from: Some(now.clone()),
                ..base.clone()
            },
            false,
        ),
        (
            "overdue",
            Inbox {
                overdue: true,
                ..base.clone()
            },
            false,
        ),
        (
            "search",
            Inbox {
                q: Some("quote".into()),
                ranked: true,
                ..base.clone()
            },
            true,
        ),
    ];
    let plan = |sql: &str, args: &[&dyn ToSql]| -> Result<Vec<String>, ApiError> {
        let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}"))?;
        let rows = stmt.query_map(args, |r| r.get::<_, String>(3))?;
        Ok(rows.collect::<Result<_, _>>()?)
    };
    let mut out = vec![];
    for (what, inbox, search) in cases {
        let w = where_of(kinds, ws, &inbox, &now, false);
        if search {
            let mut args: Vec<&dyn ToSql> = vec![&"\"quote\"*"];
            args.extend(w.params());
            let sql = crate::leads::index::matching_sql(true, &w.sql, "l.rid, l.created_at, NULL");
            out.push((what.to_string(), plan(&sql, &args)?));
            continue;
        }
        let mut args = w.params();
        let (limit, offset) = (20i64, (inbox.page.page - 1) * 20);
        args.push(&limit);
        args.push(&offset);
        out.push((
            what.to_string(),
            plan(&rows_sql(&now, &w, &order_of(&inbox)), &args)?,
        ));
        let mut w = where_of(kinds, ws, &inbox, &now, false);
        w.sql.push_str(" AND l.turns_at <= ?");
        w.args.push(Box::new(now.clone()));
        out.push((
            format!("{what}: turned by time"),
            plan(
                &format!("SELECT COUNT(*) FROM lead_index l WHERE {}", w.sql),
                &w.params(),
            )?,
        ));
    }
    Ok(out)
}
