//! The unified lead index: one row per lead of every kind in `lead_index`, its counters in
//! `lead_counts` and its full-text row in `lead_fts`, kept in step by triggers generated here
//! from each kind's [`IndexSql`]. A trigger runs inside the statement that changes the row,
//! so a capture, a lifecycle step, a note or an erasure changes the index in the same
//! transaction, from the single writer, and nothing can forget to.

use rusqlite::{Connection, OptionalExtension};

use super::kind::{LeadKind, Registry, Stage};
use crate::error::ApiError;

/// How a kind's rows feed the index: a `SELECT` over its table (aliased so that `key` names
/// its rowid) giving, in this order, the columns `id, workspace_id, hidden, status, turns_at,
/// turns_to, name, email, company, created_at, updated_at, assignee_id, end_user_id,
/// person_id, body, source` (`hidden` is 1 for spam, quarantined and deleted rows, `body` the
/// free text search looks in besides names, emails and companies, `source` where the lead came
/// from, or NULL). The table has a `person_id TEXT` column
/// that the kind fills at capture with [`crate::leads::people::resolve`] and that merge and
/// split update.
#[derive(Debug, Clone, Copy)]
pub struct IndexSql {
    /// The kind's table.
    pub table: &'static str,
    /// The `SELECT … FROM {table} t …` without a `WHERE`.
    pub select: &'static str,
    /// The rowid of the kind's table in `select`, e.g. `t.rowid`.
    pub key: &'static str,
    /// The column holding the end-user id, when the kind's rows name an end user whose
    /// name, email or company the select reads from `end_users`.
    pub end_user: Option<&'static str>,
}

const COLUMNS: &str = "id, workspace_id, hidden, status, turns_at, turns_to, name, email, company,
    created_at, updated_at, assignee_id, end_user_id, person_id, body, source";

/// Text as the search table stores it: `đ` folded to `d` (Unicode does not decompose it, so
/// the tokenizer's diacritic folding leaves it), nulls as empty.
fn fold(expr: &str) -> String {
    format!("replace(replace(COALESCE({expr}, ''), 'đ', 'd'), 'Đ', 'D')")
}

/// Folds text the way the search table does, for queries.
pub fn fold_text(s: &str) -> String {
    s.replace('đ', "d").replace('Đ', "D")
}

fn stage_case(kind: &dyn LeadKind) -> String {
    let mut sql = String::from("CASE s.status");
    for st in kind.statuses() {
        let stage = match st.stage {
            Stage::Fresh => "fresh",
            Stage::Open => "open",
            Stage::Won => "won",
            Stage::Closed => "closed",
        };
        sql.push_str(&format!(
            " WHEN '{}' THEN '{stage}'",
            st.value.replace('\'', "")
        ));
    }
    sql.push_str(" ELSE 'open' END");
    sql
}

/// The statements that bring the index rows of the kind's rows matching `cond` up to date.
/// `fresh`: the rows are new to the index (a capture, a rebuild), so they are only inserted.
///
/// No statement relies on a conflict clause (`OR REPLACE`, `ON CONFLICT`): in a trigger, the
/// conflict policy of the statement that fired it would take their place.
fn upsert(kind: &dyn LeadKind, ix: &IndexSql, cond: &str, fresh: bool) -> String {
    let insert = insert(kind, ix, cond, fresh, "''");
    if fresh {
        return insert;
    }
    let src = format!("(SELECT {COLUMNS} FROM ({} WHERE {cond}))", ix.select);
    let (name, email, company, body) = (
        fold("s.name"),
        fold("s.email"),
        fold("s.company"),
        fold("s.body"),
    );
    format!(
        "UPDATE lead_index SET (hidden, status, stage, turns_at, turns_to, name, email, company,
                 created_at, updated_at, assignee_id, end_user_id, person_id, source) =
             (SELECT s.hidden, s.status, {stage}, s.turns_at, s.turns_to, s.name, s.email,
                 s.company, s.created_at, s.updated_at, s.assignee_id, s.end_user_id, s.person_id,
                 s.source
              FROM {src} s WHERE s.id = lead_index.id)
         WHERE id IN (SELECT id FROM {src});
         UPDATE lead_fts SET (name, email, company, body) =
             (SELECT {name}, {email}, {company}, {body}
              FROM {src} s JOIN lead_index l ON l.id = s.id WHERE l.rid = lead_fts.rowid)
         WHERE rowid IN (SELECT l.rid FROM {src} s JOIN lead_index l ON l.id = s.id
             JOIN lead_fts f ON f.rowid = l.rid
             WHERE {name} IS NOT f.name OR {email} IS NOT f.email
                 OR {company} IS NOT f.company OR {body} IS NOT f.body);
         {insert}",
        stage = stage_case(kind),
    )
}

/// The statements that insert the index rows of the kind's rows matching `cond`, with `notes`
/// (an expression over the new index row `l`) as their search table's notes. `fresh`: the
/// rows are known to be new to the index; else rows already there are skipped.
fn insert(kind: &dyn LeadKind, ix: &IndexSql, cond: &str, fresh: bool, notes: &str) -> String {
    let src = format!("(SELECT {COLUMNS} FROM ({} WHERE {cond}))", ix.select);
    let kid = kind.id().replace('\'', "");
    let (name, email, company, body) = (
        fold("s.name"),
        fold("s.email"),
        fold("s.company"),
        fold("s.body"),
    );
    let insert = format!(
        "INSERT INTO lead_index (id, kind, workspace_id, hidden, status, stage, turns_at, turns_to,
             name, email, company, created_at, updated_at, assignee_id, end_user_id, person_id,
             source)
         SELECT s.id, '{kid}', s.workspace_id, s.hidden, s.status, {stage}, s.turns_at, s.turns_to,
             s.name, s.email, s.company, s.created_at, s.updated_at, s.assignee_id, s.end_user_id,
             s.person_id, s.source
         FROM {src} s{missing};
         INSERT INTO lead_fts (rowid, name, email, company, body, notes)
         SELECT l.rid, {name}, {email}, {company}, {body}, {notes}
         FROM {src} s JOIN lead_index l ON l.id = s.id{missing_fts};",
        stage = stage_case(kind),
        missing = if fresh {
            ""
        } else {
            " WHERE NOT EXISTS (SELECT 1 FROM lead_index x WHERE x.id = s.id)"
        },
        missing_fts = if fresh {
            ""
        } else {
            " WHERE NOT EXISTS (SELECT 1 FROM lead_fts f WHERE f.rowid = l.rid)"
        },
    );
    insert
}

/// The kind's triggers (made again at a start that finds them changed or missing).
fn triggers(kind: &dyn LeadKind, ix: &IndexSql) -> String {
    let kid = kind
        .id()
        .replace(|c: char| !c.is_ascii_alphanumeric() && c != '_', "");
    let t = ix.table;
    let key = format!("{} = NEW.rowid", ix.key);
    let row = upsert(kind, ix, &key, false);
    let id = kind.id().replace('\'', "");
    // A new row is only noted: the writer indexes what is noted many rows at a time.
    let mut sql = format!(
        "CREATE TRIGGER lx_{kid}_insert AFTER INSERT ON {t} BEGIN
             INSERT INTO lead_pending (kind, key) VALUES ('{id}', NEW.rowid);
         END;
         CREATE TRIGGER lx_{kid}_update AFTER UPDATE ON {t} BEGIN {row} END;
         CREATE TRIGGER lx_{kid}_delete AFTER DELETE ON {t} BEGIN
             DELETE FROM lead_fts WHERE rowid = (SELECT rid FROM lead_index WHERE id = OLD.id);
             DELETE FROM lead_index WHERE id = OLD.id;
         END;"
    );
    if let Some(eu) = ix.end_user {
        let cond = format!("{eu} = NEW.id AND t.workspace_id = NEW.workspace_id");
        sql.push_str(&format!(
            "CREATE TRIGGER lx_{kid}_end_user AFTER UPDATE OF email, name, company ON end_users
             BEGIN {up} END;
             CREATE TRIGGER lx_{kid}_end_user_new AFTER INSERT ON end_users BEGIN {up} END;",
            up = upsert(kind, ix, &cond, false)
        ));
    }
    sql
}

/// A new index row's notes and replies (added before it was indexed), as the search table's
/// `notes` text: the expression over `l` that [`Indexer`] gives [`insert`].
const NOTES_OF_NEW: &str = "(SELECT replace(replace(COALESCE(group_concat(b, ' '), ''), 'đ', 'd'),
        'Đ', 'D') FROM (
    SELECT n.body AS b FROM lead_notes n WHERE n.workspace_id = l.workspace_id AND n.lead_id = l.id
    UNION ALL
    SELECT json_extract(e.data, '$.body') FROM events e
    WHERE e.subject_id = l.id AND instr(e.data, '\"replied\"') > 0
        AND json_extract(e.data, '$.change') = 'replied'))";

/// The writer's backlog of new leads (`lead_pending`, noted by each kind's insert trigger):
/// indexed in one statement per kind and table, so a search-table segment holds every lead
/// of a catch-up instead of one commit's.
pub struct Indexer {
    /// Each statement, and whether what it changes counts as indexed leads.
    statements: Vec<(String, bool)>,
}

impl Indexer {
    /// The catch-up statements of every registered kind.
    pub fn new(kinds: &Registry) -> Indexer {
        let mut statements = vec![];
        for kind in kinds.all() {
            let ix = kind.index();
            let id = kind.id().replace('\'', "");
            let cond = format!(
                "{} IN (SELECT key FROM lead_pending WHERE kind = '{id}' AND seq <= :upto)",
                ix.key
            );
            let sql = insert(kind.as_ref(), &ix, &cond, false, NOTES_OF_NEW);
            let parts = sql
                .split(";\n")
                .map(|s| s.trim().trim_end_matches(';').to_string())
                .filter(|s| !s.is_empty());
            statements.extend(parts.map(|s| {
                let rows = s.starts_with("INSERT INTO lead_index ");
                (s, rows)
            }));
        }
        statements.push(("DELETE FROM lead_pending WHERE seq <= :upto".into(), false));
        Indexer { statements }
    }
}

impl crate::store::Backlog for Indexer {
    fn pending(&self, conn: &Connection) -> Result<bool, ApiError> {
        Ok(conn
            .prepare_cached("SELECT EXISTS (SELECT 1 FROM lead_pending)")?
            .query_row([], |r| r.get(0))?)
    }

    fn catch_up(&self, conn: &Connection, most: Option<usize>) -> Result<usize, ApiError> {
        // The oldest `most` notes (their last sequence number), or every one.
        let upto = match most {
            Some(m) => conn
                .prepare_cached("SELECT seq FROM lead_pending ORDER BY seq LIMIT 1 OFFSET ?1")?
                .query_row(
                    [i64::try_from(m.saturating_sub(1)).unwrap_or(i64::MAX)],
                    |r| r.get(0),
                )
                .optional()?
                .unwrap_or(i64::MAX),
            None => i64::MAX,
        };
        let mut n = 0;
        for (sql, rows) in &self.statements {
            let changed = conn
                .prepare_cached(sql)?
                .execute(rusqlite::named_params! { ":upto": upto })?;
            if *rows {
                n += changed;
            }
        }
        Ok(n)
    }
}

/// Notes and replies feed the `notes` column of the lead they belong to.
const SHARED_TRIGGERS: &str = "
CREATE TRIGGER lx_note_insert AFTER INSERT ON lead_notes BEGIN
    UPDATE lead_fts SET notes = notes || ' ' || replace(replace(NEW.body, 'đ', 'd'), 'Đ', 'D')
    WHERE rowid = (SELECT rid FROM lead_index WHERE id = NEW.lead_id);
END;
CREATE TRIGGER lx_reply_insert AFTER INSERT ON events
WHEN instr(NEW.data, '\"replied\"') > 0 AND json_extract(NEW.data, '$.change') = 'replied'
    AND json_extract(NEW.data, '$.body') IS NOT NULL
BEGIN
    UPDATE lead_fts SET notes = notes || ' '
        || replace(replace(json_extract(NEW.data, '$.body'), 'đ', 'd'), 'Đ', 'D')
    WHERE rowid = (SELECT rid FROM lead_index WHERE id = NEW.subject_id);
END;
";

/// Every lead's notes and replies as the search table's `notes` text.
const NOTES_OF_ALL: &str = "
UPDATE lead_fts SET notes = (
    SELECT replace(replace(COALESCE(group_concat(b, ' '), ''), 'đ', 'd'), 'Đ', 'D') FROM (
        SELECT n.body AS b FROM lead_notes n JOIN lead_index l
            ON n.workspace_id = l.workspace_id AND n.lead_id = l.id
        WHERE l.rid = lead_fts.rowid
        UNION ALL
        SELECT json_extract(e.data, '$.body') FROM events e JOIN lead_index l ON l.id = e.subject_id
        WHERE l.rid = lead_fts.rowid AND json_extract(e.data, '$.change') = 'replied'
    ))
WHERE rowid IN (SELECT rid FROM lead_index WHERE kind = ?1)";

fn signature(ddl: &str) -> String {
    crate::util::sha256_hex(ddl)
}

/// The row of `lead_index_state` that fingerprints the installed triggers (beside the
/// kinds' index signatures).
const TRIGGERS_STATE: &str = "#triggers";

/// The `lx_` triggers the database holds now: their names, and a fingerprint of their names
/// and SQL.
fn installed_triggers(conn: &Connection) -> Result<(Vec<String>, String), ApiError> {
    let rows: Vec<(String, String)> = conn
        .prepare(
            "SELECT name, sql FROM sqlite_master
             WHERE type = 'trigger' AND name LIKE 'lx\\_%' ESCAPE '\\' ORDER BY name",
        )?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    let all: Vec<String> = rows.iter().map(|(n, sql)| format!("{n}\n{sql}")).collect();
    let names = rows.into_iter().map(|(n, _)| n).collect();
    Ok((names, signature(&all.join("\n"))))
}

/// Creates the index triggers of every registered kind (and `more_triggers`, other `lx_`
/// triggers that read the index) and rebuilds the index of any kind whose definition changed
/// since the last start (or that was never indexed). Runs in one transaction of the writer at
/// start. When nothing changed, the triggers are left as they are: making them again changes
/// the schema, and every open connection would then parse all of it again.
pub fn install(
    conn: &Connection,
    kinds: &Registry,
    more_triggers: &str,
) -> Result<usize, ApiError> {
    let state = |key: &str| -> Result<Option<String>, ApiError> {
        Ok(rusqlite::OptionalExtension::optional(conn.query_row(
            "SELECT signature FROM lead_index_state WHERE kind = ?1",
            [key],
            |r| r.get(0),
        ))?)
    };
    let set_state = |key: &str, value: &str| -> Result<(), ApiError> {
        conn.execute(
            "INSERT INTO lead_index_state (kind, signature) VALUES (?1, ?2)
             ON CONFLICT (kind) DO UPDATE SET signature = excluded.signature",
            [key, value],
        )?;
        Ok(())
    };
    let mut plan = vec![];
    let mut wanted = String::new();
    for kind in kinds.all() {
        let ix = kind.index();
        let ddl = triggers(kind.as_ref(), &ix);
        let sig = signature(&format!("{ddl}{SHARED_TRIGGERS}"));
        let stale = state(kind.id())?.as_deref() != Some(sig.as_str());
        wanted.push_str(&ddl);
        plan.push((kind, ix, ddl, sig, stale));
    }
    wanted.push_str(SHARED_TRIGGERS);
    wanted.push_str(more_triggers);
    let wanted = signature(&wanted);
    let (old, installed) = installed_triggers(conn)?;
    let unchanged = state(TRIGGERS_STATE)? == Some(format!("{wanted} {installed}"))
        && plan.iter().all(|(.., stale)| !stale);
    let mut rebuilt = 0;
    if !unchanged {
        for name in old {
            conn.execute_batch(&format!("DROP TRIGGER IF EXISTS \"{name}\";"))?;
        }
        for (kind, ix, ddl, sig, stale) in &plan {
            if *stale {
                conn.execute(
                    "DELETE FROM lead_fts WHERE rowid IN (SELECT rid FROM lead_index WHERE kind = ?1)",
                    [kind.id()],
                )?;
                conn.execute("DELETE FROM lead_index WHERE kind = ?1", [kind.id()])?;
                conn.execute_batch(&upsert(kind.as_ref(), ix, "1", true))?;
                conn.execute(NOTES_OF_ALL, [kind.id()])?;
                conn.execute("DELETE FROM lead_pending WHERE kind = ?1", [kind.id()])?;
                set_state(kind.id(), sig)?;
                rebuilt += 1;
            }
            conn.execute_batch(ddl)?;
        }
        conn.execute_batch(SHARED_TRIGGERS)?;
        conn.execute_batch(more_triggers)?;
        let (_, installed) = installed_triggers(conn)?;
        set_state(TRIGGERS_STATE, &format!("{wanted} {installed}"))?;
    }
    // The term list a half-typed word is widened from (a view of the index; it stores nothing).
    conn.execute_batch(
        "CREATE VIRTUAL TABLE IF NOT EXISTS lead_fts_terms USING fts5vocab(lead_fts, instance);",
    )?;
    // Leads noted but not indexed when the last run stopped.
    crate::store::Backlog::catch_up(&Indexer::new(kinds), conn, None)?;
    conn.execute("DELETE FROM lead_counts WHERE n = 0", [])?;
    Ok(rebuilt)
}

/// The stage names of the open stages (a lead someone still has to work).
pub const OPEN_STAGES: &str = "('fresh', 'open')";

/// The FTS5 queries for the words of `q`: `exact`, every word as a whole word, and `prefix`,
/// the same with the last word also as a prefix (so a half-typed name finds), when that word
/// is long enough for a prefix to mean something. None when `q` has no word at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Words {
    /// Every word whole.
    pub exact: String,
    /// The last word as a prefix.
    pub prefix: Option<String>,
    /// Every word but the last, whole (the part a widened last word is added to).
    head: String,
    /// The last word, folded as the index stores it when it is plain ASCII (so the index's
    /// own term list can widen it), else None.
    last_ascii: Option<String>,
}

/// Shortest last word that is also matched as a prefix.
const PREFIX_MIN: usize = 3;

/// The words of `q` as FTS5 queries, None when it has none.
pub fn fts_query(q: &str) -> Option<Words> {
    let folded = fold_text(q);
    let words: Vec<&str> = folded
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .take(16)
        .collect();
    let last = words.last()?;
    let exact = words
        .iter()
        .map(|w| format!("\"{w}\""))
        .collect::<Vec<_>>()
        .join(" ");
    let prefix = (last.chars().count() >= PREFIX_MIN).then(|| format!("{exact}*"));
    let head = words[..words.len() - 1]
        .iter()
        .map(|w| format!("\"{w}\""))
        .collect::<Vec<_>>()
        .join(" ");
    let last_ascii = last.is_ascii().then(|| last.to_ascii_lowercase());
    Some(Words {
        exact,
        prefix,
        head,
        last_ascii,
    })
}

/// Most index terms a half-typed last word is widened to; beyond, FTS5's own prefix query.
const WIDEN_MAX: usize = 64;

/// The half-typed last word as an `OR` of the index's terms that start with it, each found
/// by one seek in the term list (`lead_fts_terms`), so the query stays lazy: FTS5's own
/// prefix query would first gather every posting of every such term. None when the word
/// is not plain ASCII (its folding is the tokenizer's to do) or has too many terms.
fn widen(conn: &Connection, words: &Words) -> Result<Option<String>, ApiError> {
    let Some(last) = &words.last_ascii else {
        return Ok(None);
    };
    let end = format!("{last}\u{10FFFF}");
    let mut stmt = conn
        .prepare_cached("SELECT term FROM lead_fts_terms WHERE term >= ?1 AND term < ?2 LIMIT 1")?;
    let mut terms: Vec<String> = vec![];
    let mut from = last.clone();
    while terms.len() <= WIDEN_MAX {
        let Some(term) = stmt
            .query_row([&from, &end], |r| r.get::<_, String>(0))
            .optional()?
        else {
            break;
        };
        // Skip past every instance of this term: the next one up starts after it.
        from = format!("{term}\u{1}");
        terms.push(term);
    }
    if terms.len() > WIDEN_MAX {
        return Ok(None);
    }
    if terms.is_empty() {
        return Ok(Some(String::new()));
    }
    let any = terms
        .iter()
        .map(|t| format!("\"{}\"", t.replace('"', "")))
        .collect::<Vec<_>>()
        .join(" OR ");
    // FTS5 takes no implicit AND before a parenthesised group.
    Ok(Some(if words.head.is_empty() {
        format!("({any})")
    } else {
        format!("{} AND ({any})", words.head)
    }))
}

/// Most matches a search ranks and counts: beyond this, the newest matches are kept.
pub const SEARCH_CAP: usize = 1000;

/// How much a match in each column counts (name, email, company; body and notes count 1):
/// a name outranks an email, a company and a message.
const WEIGHTS: [(usize, i64); 3] = [(0, 100), (1, 10), (2, 5)];

/// The newest [`SEARCH_CAP`] index rows (`l`, joined to `lead_fts`) that match the words and
/// the condition `filter` (its arguments `args`), newest first, each mapped by `map` from a
/// row holding the score, then `cols`. Whole words are tried first: a common word stops
/// there, its newest matches read straight off the index; only when they are fewer than the
/// cap is the last word widened to a prefix. The score weighs which columns matched
/// ([`WEIGHTS`]), read from each candidate's own text, so it costs the same for a word in
/// every lead as for a rare one (`bm25` would count the word's whole posting list). Returns
/// the matches and the query that found them (for snippets).
pub fn matching<T>(
    conn: &Connection,
    words: &Words,
    scored: bool,
    filter: &str,
    args: &[&dyn rusqlite::ToSql],
    cols: &str,
    map: impl Fn(i64, &rusqlite::Row<'_>) -> rusqlite::Result<T>,
) -> Result<(Vec<T>, String), ApiError> {
    let mut stmt = conn.prepare_cached(&matching_sql(scored, filter, cols))?;
    let mut run = |fts: &str| -> Result<Vec<T>, ApiError> {
        let mut all: Vec<&dyn rusqlite::ToSql> = vec![&fts];
        all.extend_from_slice(args);
        let rows = stmt.query_map(all.as_slice(), |r| map(r.get(0)?, r))?;
        Ok(rows.collect::<Result<_, _>>()?)
    };
    let found = run(&words.exact)?;
    let Some(prefix) = words.prefix.as_ref().filter(|_| found.len() < SEARCH_CAP) else {
        return Ok((found, words.exact.clone()));
    };
    let wide = match widen(conn, words)? {
        // No term starts with the word: the whole-word matches are all there is.
        Some(q) if q.is_empty() => return Ok((found, words.exact.clone())),
        Some(q) => q,
        None => prefix.clone(),
    };
    Ok((run(&wide)?, wide))
}

/// The statement [`matching`] runs (its first argument the FTS5 query); unscored, every
/// score is 1 and no candidate's text is read.
pub fn matching_sql(scored: bool, filter: &str, cols: &str) -> String {
    if !scored {
        return format!(
            "SELECT 1, {cols} FROM lead_fts JOIN lead_index l ON l.rid = lead_fts.rowid
             WHERE lead_fts MATCH ? AND {filter} ORDER BY lead_fts.rowid DESC LIMIT {SEARCH_CAP}"
        );
    }
    let score = WEIGHTS
        .iter()
        .map(|(col, w)| {
            format!(
                "(CASE WHEN instr(highlight(lead_fts, {col}, char(1), ''), char(1)) > 0 \
                 THEN {w} ELSE 0 END)"
            )
        })
        .collect::<Vec<_>>()
        .join(" + ");
    format!(
        "SELECT 1 + {score}, {cols} FROM lead_fts JOIN lead_index l ON l.rid = lead_fts.rowid
         WHERE lead_fts MATCH ? AND {filter} ORDER BY lead_fts.rowid DESC LIMIT {SEARCH_CAP}"
    )
}

/// The ids (a JSON array) of the newest matches of `q` among the workspace's leads of `kind`,
/// for a kind's own list: `id IN (SELECT value FROM json_each(?))`.
pub fn matched_ids(conn: &Connection, q: &str, ws: &str, kind: &str) -> Result<String, ApiError> {
    let Some(words) = fts_query(q) else {
        return Ok("[]".into());
    };
    let (ids, _): (Vec<String>, _) = matching(
        conn,
        &words,
        false,
        "l.workspace_id = ? AND l.kind = ?",
        &[&ws, &kind],
        "l.id",
        |_, r| r.get(1),
    )?;
    Ok(serde_json::to_string(&ids).unwrap_or_else(|_| "[]".into()))
}

/// `AND {id_column} IN (…)` for a kind's own list searched by `q`; the matches are looked up
/// once and kept in `seen`, so a count and a page of the same filter search once.
pub fn search(
    conn: &Connection,
    w: &mut crate::paging::Where,
    q: Option<&str>,
    seen: &std::cell::OnceCell<String>,
    (ws, kind): (&str, &str),
    id_column: &str,
) -> Result<(), ApiError> {
    let Some(q) = q else { return Ok(()) };
    let ids = match seen.get() {
        Some(ids) => ids.clone(),
        None => {
            let ids = matched_ids(conn, q, ws, kind)?;
            let _ = seen.set(ids.clone());
            ids
        }
    };
    w.sql.push_str(&format!(
        " AND {id_column} IN (SELECT value FROM json_each(?))"
    ));
    w.args.push(Box::new(ids));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_quote_every_word_and_prefix_the_last() {
        let w = fts_query("Nguyễn  Văn").unwrap();
        assert_eq!(w.exact, "\"Nguyễn\" \"Văn\"");
        assert_eq!(w.prefix.as_deref(), Some("\"Nguyễn\" \"Văn\"*"));
        assert_eq!(
            fts_query("đặng").unwrap().prefix.as_deref(),
            Some("\"dặng\"*")
        );
        let w = fts_query("a\"b OR c").unwrap();
        assert_eq!(w.exact, "\"a\" \"b\" \"OR\" \"c\"");
        assert_eq!(w.prefix, None, "a one-letter last word is not widened");
        assert_eq!(fts_query(" -*\" "), None);
    }
}
