//! Inquiry SQL: inserts, reads, filtered lists, lifecycle updates, spam purge.

use rusqlite::{params, Connection, OptionalExtension, Row};

use super::model::{Contact, Inquiry};
use crate::error::ApiError;
use crate::leads::lifecycle::Status;
use crate::leads::list::{self, Filter, Sort};
use crate::leads::people;
use crate::paging::Where;

const COLUMNS: &str = "id, workspace_id, type, name, email, phone, business_name, business_website,
     business_size, industry, subject, message, locale, status, assignee_id, spam, spam_reasons,
     source, created_at, updated_at, replied_at, converted_at, lost_reason, deleted_at, person_id,
     spam_score, form_id, answers, attribution, quarantined, origin, verdict";

fn json_col<T: serde::de::DeserializeOwned>(r: &Row<'_>, i: usize) -> rusqlite::Result<T> {
    let text: String = r.get(i)?;
    serde_json::from_str(&text).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, Box::new(e))
    })
}

fn from_row(r: &Row<'_>) -> rusqlite::Result<Inquiry> {
    let status: String = r.get(13)?;
    let attribution: Option<String> = r.get(28)?;
    Ok(Inquiry {
        id: r.get(0)?,
        workspace_id: r.get(1)?,
        contact: Contact {
            kind: r.get(2)?,
            name: r.get(3)?,
            email: r.get(4)?,
            phone: r.get(5)?,
            business_name: r.get(6)?,
            business_website: r.get(7)?,
            business_size: r.get(8)?,
            industry: r.get(9)?,
            subject: r.get(10)?,
            message: r.get(11)?,
            locale: r.get(12)?,
        },
        status: Status::parse(&status).map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(13, rusqlite::types::Type::Text, e.into())
        })?,
        assignee_id: r.get(14)?,
        spam: r.get::<_, i64>(15)? != 0,
        spam_reasons: json_col(r, 16)?,
        source: r.get(17)?,
        created_at: r.get(18)?,
        updated_at: r.get(19)?,
        replied_at: r.get(20)?,
        converted_at: r.get(21)?,
        lost_reason: r.get(22)?,
        deleted_at: r.get(23)?,
        person_id: r.get(24)?,
        spam_score: r.get(25)?,
        form_id: r.get(26)?,
        answers: json_col(r, 27)?,
        attribution: attribution.and_then(|a| serde_json::from_str(&a).ok()),
        quarantined: r.get::<_, i64>(29)? != 0,
        origin: r.get(30)?,
        verdict: r.get(31)?,
    })
}

/// A new inquiry's JSON columns, written out before its writer job so that the single writer
/// only binds them.
pub struct JsonColumns {
    spam_reasons: String,
    answers: String,
    attribution: Option<String>,
}

impl JsonColumns {
    /// The columns of `i`.
    pub fn of(i: &Inquiry) -> JsonColumns {
        JsonColumns {
            spam_reasons: serde_json::to_string(&i.spam_reasons).unwrap_or_else(|_| "[]".into()),
            answers: super::forms::answers_json(&i.answers),
            attribution: i
                .attribution
                .as_ref()
                .and_then(|a| serde_json::to_string(a).ok()),
        }
    }
}

/// Stores a new inquiry, with its JSON columns as [`JsonColumns::of`] wrote them out.
pub fn insert(conn: &Connection, i: &mut Inquiry, json: &JsonColumns) -> Result<(), ApiError> {
    let who = people::Who {
        email: Some(&i.contact.email),
        end_user_id: None,
    };
    i.person_id = people::resolve(conn, &i.workspace_id, &who, &i.created_at)?;
    let c = &i.contact;
    conn.prepare_cached(
        "INSERT INTO inquiries (id, workspace_id, type, name, email, phone, business_name,
             business_website, business_size, industry, subject, message, locale, status,
             spam, spam_reasons, source, created_at, updated_at, person_id, spam_score, form_id,
             answers, attribution, utm_source, quarantined, origin)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18,
             ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26)",
    )?
    .execute(params![
        i.id,
        i.workspace_id,
        c.kind,
        c.name,
        c.email,
        c.phone,
        c.business_name,
        c.business_website,
        c.business_size,
        c.industry,
        c.subject,
        c.message,
        c.locale,
        i.status.as_str(),
        i.spam as i64,
        json.spam_reasons,
        i.source,
        i.created_at,
        i.person_id,
        i.spam_score,
        i.form_id,
        json.answers,
        json.attribution,
        i.attribution.as_ref().map(|a| a.source()),
        i.quarantined as i64,
        i.origin,
    ])?;
    Ok(())
}

/// One inquiry of a workspace (deleted ones included); None when it is not there.
pub fn get(conn: &Connection, workspace_id: &str, id: &str) -> Result<Option<Inquiry>, ApiError> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM inquiries WHERE workspace_id = ?1 AND id = ?2"
        ))?
        .query_row([workspace_id, id], from_row)
        .optional()?)
}

/// Writes back every mutable column of `i`.
pub fn update(conn: &Connection, i: &Inquiry) -> Result<(), ApiError> {
    let c = &i.contact;
    conn.prepare_cached(
        "UPDATE inquiries SET type = ?3, name = ?4, email = ?5, phone = ?6, business_name = ?7,
             business_website = ?8, business_size = ?9, industry = ?10, subject = ?11,
             message = ?12, locale = ?13, status = ?14, assignee_id = ?15, spam = ?16,
             spam_reasons = ?17, updated_at = ?18, replied_at = ?19, converted_at = ?20,
             lost_reason = ?21, deleted_at = ?22, spam_score = ?23, quarantined = ?24,
             verdict = ?25
         WHERE workspace_id = ?1 AND id = ?2",
    )?
    .execute(params![
        i.workspace_id,
        i.id,
        c.kind,
        c.name,
        c.email,
        c.phone,
        c.business_name,
        c.business_website,
        c.business_size,
        c.industry,
        c.subject,
        c.message,
        c.locale,
        i.status.as_str(),
        i.assignee_id,
        i.spam as i64,
        serde_json::to_string(&i.spam_reasons).unwrap_or_else(|_| "[]".into()),
        i.updated_at,
        i.replied_at,
        i.converted_at,
        i.lost_reason,
        i.deleted_at,
        i.spam_score,
        i.quarantined as i64,
        i.verdict,
    ])?;
    Ok(())
}

fn where_clause(conn: &Connection, workspace_id: &str, f: &Filter) -> Result<Where, ApiError> {
    let deleted = if f.deleted { "NOT NULL" } else { "NULL" };
    let mut w = Where::new(
        &format!("workspace_id = ? AND spam = ? AND quarantined = ? AND deleted_at IS {deleted}"),
        vec![
            Box::new(workspace_id.to_string()),
            Box::new(f.spam as i64),
            Box::new(f.quarantined as i64),
        ],
    );
    w.eq("utm_source", f.source.clone());
    match f.form_id.as_deref() {
        Some("default") => w.null("form_id"),
        form => w.eq("form_id", form.map(str::to_string)),
    }
    w.eq("status", f.status.map(|s| s.as_str()));
    w.eq("type", f.kind.clone());
    w.assignee(f.assignee_id.as_deref());
    let q = f.q.as_deref();
    let of = (workspace_id, super::kind::META.id);
    crate::leads::index::search(conn, &mut w, q, &f.matched, of, "id")?;
    w.created(f.from.as_deref(), f.to.as_deref());
    Ok(w)
}

/// Inbox inquiries (not spam, held or deleted) created since `since`, per form (`None`: the
/// built-in form). Bounded by the inbox index's date range, so a big workspace reads only
/// the period.
pub fn per_form_since(
    conn: &Connection,
    workspace_id: &str,
    since: &str,
) -> Result<std::collections::HashMap<Option<String>, i64>, ApiError> {
    let mut stmt = conn.prepare_cached(
        "SELECT form_id, COUNT(*) FROM inquiries
         WHERE workspace_id = ?1 AND spam = 0 AND deleted_at IS NULL AND created_at >= ?2
           AND quarantined = 0
         GROUP BY form_id",
    )?;
    let rows = stmt.query_map([workspace_id, since], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// How many inquiries match.
pub fn count(conn: &Connection, workspace_id: &str, f: &Filter) -> Result<i64, ApiError> {
    list::count(conn, "inquiries", &where_clause(conn, workspace_id, f)?)
}

/// One page of matching inquiries.
pub fn list(
    conn: &Connection,
    workspace_id: &str,
    f: &Filter,
    sort: Sort,
    window: (i64, i64),
) -> Result<Vec<Inquiry>, ApiError> {
    let w = where_clause(conn, workspace_id, f)?;
    list::page(conn, "inquiries", COLUMNS, w, sort, window, from_row)
}

/// Deletes spam older than `before` together with its events; returns how many.
pub fn purge_spam(conn: &Connection, before: &str) -> Result<usize, ApiError> {
    conn.execute(
        "DELETE FROM events WHERE subject_id IN
           (SELECT id FROM inquiries WHERE spam = 1 AND created_at < ?1)",
        [before],
    )?;
    Ok(conn.execute(
        "DELETE FROM inquiries WHERE spam = 1 AND created_at < ?1",
        [before],
    )?)
}
