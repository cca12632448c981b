//! Contact-request SQL, and the idempotency records that make submits exactly-once.

use rusqlite::{params, Connection, OptionalExtension, Row};

use super::model::{ContactInput, ContactRequest};
use crate::error::ApiError;
use crate::leads::lifecycle::{Progress, Status};
use crate::leads::list::{self, Filter, Sort};
use crate::paging::Where;

const TABLE: &str = "sales_contact_requests";

const COLUMNS: &str = "id, workspace_id, user_id, account_email, plan, quantity, contact_required,
     source, page, request_ip, user_agent, status, assignee_id, created_at, updated_at,
     replied_at, converted_at, lost_reason, deleted_at, person_id";

fn from_row(r: &Row<'_>) -> rusqlite::Result<ContactRequest> {
    let status: String = r.get(11)?;
    Ok(ContactRequest {
        id: r.get(0)?,
        workspace_id: r.get(1)?,
        user_id: r.get(2)?,
        account_email: r.get(3)?,
        input: ContactInput {
            plan: r.get(4)?,
            quantity: r.get(5)?,
            contact_required: r.get::<_, i64>(6)? != 0,
            source: r.get(7)?,
            page: r.get(8)?,
        },
        request_ip: r.get(9)?,
        user_agent: r.get(10)?,
        progress: Progress {
            status: Status::parse(&status).map_err(|e| {
                rusqlite::Error::FromSqlConversionFailure(11, rusqlite::types::Type::Text, e.into())
            })?,
            assignee_id: r.get(12)?,
            replied_at: r.get(15)?,
            converted_at: r.get(16)?,
            lost_reason: r.get(17)?,
        },
        created_at: r.get(13)?,
        updated_at: r.get(14)?,
        deleted_at: r.get(18)?,
        person_id: r.get(19)?,
    })
}

/// Stores a new request.
pub fn insert(conn: &Connection, c: &mut ContactRequest) -> Result<(), ApiError> {
    c.person_id = crate::leads::people::of_end_user(
        conn,
        &c.workspace_id,
        &c.user_id,
        c.account_email.as_deref(),
        &c.created_at,
    )?;
    conn.prepare_cached(
        "INSERT INTO sales_contact_requests (id, workspace_id, user_id, account_email, plan,
             quantity, contact_required, source, page, request_ip, user_agent, status,
             created_at, updated_at, person_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, 'NEW', ?12, ?12, ?13)",
    )?
    .execute(params![
        c.id,
        c.workspace_id,
        c.user_id,
        c.account_email,
        c.input.plan,
        c.input.quantity,
        c.input.contact_required as i64,
        c.input.source,
        c.input.page,
        c.request_ip,
        c.user_agent,
        c.created_at,
        c.person_id
    ])?;
    Ok(())
}

/// One request of a workspace (deleted ones included).
pub fn get(
    conn: &Connection,
    workspace_id: &str,
    id: &str,
) -> Result<Option<ContactRequest>, ApiError> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM sales_contact_requests WHERE workspace_id = ?1 AND id = ?2"
        ))?
        .query_row([workspace_id, id], from_row)
        .optional()?)
}

fn where_clause(conn: &Connection, workspace_id: &str, f: &Filter) -> Result<Where, ApiError> {
    let deleted = if f.deleted { "NOT NULL" } else { "NULL" };
    let mut w = Where::new(
        &format!("workspace_id = ? AND deleted_at IS {deleted}"),
        vec![Box::new(workspace_id.to_string())],
    );
    w.eq("status", f.status.map(|s| s.as_str()));
    w.assignee(f.assignee_id.as_deref());
    let q = f.q.as_deref();
    let of = (workspace_id, super::kind::META.id);
    crate::leads::index::search(conn, &mut w, q, &f.matched, of, "id")?;
    w.created(f.from.as_deref(), f.to.as_deref());
    Ok(w)
}

/// How many requests match.
pub fn count(conn: &Connection, workspace_id: &str, f: &Filter) -> Result<i64, ApiError> {
    list::count(conn, TABLE, &where_clause(conn, workspace_id, f)?)
}

/// One page of matching requests ("name" sorts by the account email).
pub fn list(
    conn: &Connection,
    workspace_id: &str,
    f: &Filter,
    sort: Sort,
    window: (i64, i64),
) -> Result<Vec<ContactRequest>, ApiError> {
    let sort = Sort {
        column: if sort.column == "name" {
            "account_email"
        } else {
            sort.column
        },
        asc: sort.asc,
    };
    let w = where_clause(conn, workspace_id, f)?;
    list::page(conn, TABLE, COLUMNS, w, sort, window, from_row)
}

/// A remembered answer: (request fingerprint, response JSON, created at).
pub fn remembered(
    conn: &Connection,
    workspace_id: &str,
    user_id: &str,
    key: &str,
    since: &str,
) -> Result<Option<(String, String)>, ApiError> {
    Ok(conn
        .prepare_cached(
            "SELECT request_hash, response FROM idempotency_keys
             WHERE workspace_id = ?1 AND user_id = ?2 AND key = ?3 AND created_at > ?4",
        )?
        .query_row(params![workspace_id, user_id, key, since], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .optional()?)
}

/// Remembers an answer (replacing an expired one under the same key).
pub fn remember(
    conn: &Connection,
    workspace_id: &str,
    user_id: &str,
    key: &str,
    hash: &str,
    response: &str,
) -> Result<(), ApiError> {
    conn.prepare_cached(
        "INSERT OR REPLACE INTO idempotency_keys (workspace_id, user_id, key, request_hash, response, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![workspace_id, user_id, key, hash, response, crate::util::now_str()])?;
    Ok(())
}

/// Forgets answers older than `before`.
pub fn purge_keys(conn: &Connection, before: &str) -> Result<usize, ApiError> {
    Ok(conn.execute(
        "DELETE FROM idempotency_keys WHERE created_at < ?1",
        [before],
    )?)
}
