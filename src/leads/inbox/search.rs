//! A search in the inbox: the matches of the words, ranked or sorted, and their snippets.

use rusqlite::Connection;

use super::{rid_list, where_of, Inbox, DUE_AT};
use crate::error::ApiError;
use crate::leads::kind::Registry;

/// A match of a search: its index row, score and sort key.
pub(super) struct Hit {
    pub(super) rid: i64,
    score: i64,
    created_at: String,
    key: Option<String>,
}

/// The newest `SEARCH_CAP` matches of the words, filtered, in the asked order (rank unless a
/// sort was asked for).
pub(super) fn hits(
    conn: &Connection,
    kinds: &Registry,
    ws: &str,
    inbox: &Inbox,
    words: &crate::leads::index::Words,
    now: &str,
    turned: bool,
) -> Result<(Vec<Hit>, String), ApiError> {
    let w = where_of(kinds, ws, inbox, now, turned);
    let key = match inbox.column {
        "created_at" => "NULL".to_string(),
        "due_at" => DUE_AT.to_string(),
        c => format!("l.{c}"),
    };
    let (mut found, used) = crate::leads::index::matching(
        conn,
        words,
        inbox.ranked,
        &w.sql,
        &w.params(),
        &format!("l.rid, l.created_at, {key}"),
        |score, r| {
            Ok(Hit {
                score,
                rid: r.get(1)?,
                created_at: r.get(2)?,
                key: r.get(3)?,
            })
        },
    )?;
    let newest = |a: &Hit, b: &Hit| b.created_at.cmp(&a.created_at).then(b.rid.cmp(&a.rid));
    if inbox.ranked {
        found.sort_by(|a, b| b.score.cmp(&a.score).then_with(|| newest(a, b)));
    } else {
        found.sort_by(|a, b| {
            let o = a
                .key
                .cmp(&b.key)
                .then(a.created_at.cmp(&b.created_at))
                .then(a.rid.cmp(&b.rid));
            if inbox.asc {
                o
            } else {
                o.reverse()
            }
        });
    }
    Ok((found, used))
}

/// Highlighted snippets of the given index rows for the words (`<mark>` around each match,
/// the rest HTML-escaped).
pub(super) fn snippets(
    conn: &Connection,
    fts: &str,
    rids: &[i64],
) -> Result<std::collections::HashMap<i64, String>, ApiError> {
    let mut out = std::collections::HashMap::new();
    if rids.is_empty() {
        return Ok(out);
    }
    let list = rid_list(rids);
    let mut stmt = conn.prepare(&format!(
        "SELECT rowid, snippet(lead_fts, -1, char(1), char(2), '…', 12) FROM lead_fts
         WHERE lead_fts MATCH ?1 AND rowid IN ({list})"
    ))?;
    let rows = stmt.query_map([fts], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))?;
    for r in rows {
        let (rid, text) = r?;
        let html = crate::util::html_escape(&text)
            .replace('\u{1}', "<mark>")
            .replace('\u{2}', "</mark>");
        out.insert(rid, html);
    }
    Ok(out)
}
