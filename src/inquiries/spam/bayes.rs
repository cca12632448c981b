//! The per-workspace spam model: naive Bayes over the words of leads that staff marked
//! "spam" or "not spam". Counts live in `spam_words` and `spam_verdicts` and change in the
//! verdict's own transaction; each workspace's model is read into memory on first use and
//! dropped by the writer right after a verdict commits.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use rusqlite::{params, Connection};

use crate::error::ApiError;
use crate::store::cache::Cache;
use crate::store::{Event, OnChange};

/// Verdicts of each side the model needs before it says anything.
pub const MIN_VERDICTS: i64 = 3;
/// Words of one lead the model looks at.
const MAX_WORDS: usize = 300;

/// The words of a lead, as the model counts them: each once, lower case, 2–24 characters.
pub fn words(text: &str) -> Vec<String> {
    let mut seen = HashSet::new();
    let mut out = vec![];
    for w in text.split(|c: char| !c.is_alphanumeric() && c != '@' && c != '$') {
        let w = w.trim_matches('@').to_lowercase();
        let n = w.chars().count();
        if (2..=24).contains(&n) && seen.insert(w.clone()) {
            out.push(w);
            if out.len() == MAX_WORDS {
                break;
            }
        }
    }
    out
}

/// One workspace's counts.
#[derive(Debug, Default, Clone)]
pub struct Model {
    /// Leads marked spam.
    pub spam: i64,
    /// Leads marked not spam.
    pub ham: i64,
    /// word → (spam leads with it, kept leads with it).
    pub words: HashMap<String, (i64, i64)>,
}

/// What the model makes of a lead.
#[derive(Debug, Clone, PartialEq)]
pub struct Judgement {
    /// Natural log of the odds that it is spam.
    pub log_odds: f64,
    /// The words that pushed hardest (towards spam when positive).
    pub telling: Vec<String>,
}

impl Model {
    /// Whether it has seen enough verdicts of both sides.
    pub fn ready(&self) -> bool {
        self.spam >= MIN_VERDICTS && self.ham >= MIN_VERDICTS
    }

    /// Judges `words`, or None before the model is ready or when no word is known.
    pub fn judge(&self, words: &[String]) -> Option<Judgement> {
        if !self.ready() {
            return None;
        }
        let (s, h) = (self.spam as f64, self.ham as f64);
        let mut parts: Vec<(f64, &str)> = words
            .iter()
            .filter_map(|w| {
                let (ws, wh) = *self.words.get(w)?;
                // Laplace-smoothed share of each side's leads that had the word.
                let ps = (ws as f64 + 1.0) / (s + 2.0);
                let ph = (wh as f64 + 1.0) / (h + 2.0);
                Some(((ps / ph).ln(), w.as_str()))
            })
            .collect();
        if parts.is_empty() {
            return None;
        }
        // The fifteen most telling words, as in Graham's "A Plan for Spam": long messages
        // do not win by sheer length.
        parts.sort_by(|a, b| b.0.abs().total_cmp(&a.0.abs()));
        parts.truncate(15);
        let log_odds: f64 = parts.iter().map(|p| p.0).sum();
        let telling = parts
            .iter()
            .filter(|p| (p.0 > 0.0) == (log_odds > 0.0))
            .take(3)
            .map(|p| p.1.to_string())
            .collect();
        Some(Judgement { log_odds, telling })
    }
}

/// Reads a workspace's model.
pub fn load(conn: &Connection, workspace_id: &str) -> Result<Model, ApiError> {
    let mut m = Model::default();
    if let Some((s, h)) = rusqlite::OptionalExtension::optional(conn.query_row(
        "SELECT spam, ham FROM spam_verdicts WHERE workspace_id = ?1",
        [workspace_id],
        |r| Ok((r.get(0)?, r.get(1)?)),
    ))? {
        (m.spam, m.ham) = (s, h);
    }
    let mut stmt =
        conn.prepare_cached("SELECT word, spam, ham FROM spam_words WHERE workspace_id = ?1")?;
    let rows = stmt.query_map([workspace_id], |r| {
        Ok((r.get::<_, String>(0)?, (r.get(1)?, r.get(2)?)))
    })?;
    for row in rows {
        let (w, c) = row?;
        m.words.insert(w, c);
    }
    Ok(m)
}

/// Counts one verdict (`spam` or not) on a lead's words; `delta` -1 takes one back.
pub fn learn(
    conn: &Connection,
    workspace_id: &str,
    words: &[String],
    spam: bool,
    delta: i64,
) -> Result<(), ApiError> {
    let (ds, dh) = if spam { (delta, 0) } else { (0, delta) };
    conn.prepare_cached(
        "INSERT INTO spam_verdicts (workspace_id, spam, ham) VALUES (?1, max(?2, 0), max(?3, 0))
         ON CONFLICT (workspace_id) DO UPDATE
         SET spam = max(spam + ?2, 0), ham = max(ham + ?3, 0)",
    )?
    .execute(params![workspace_id, ds, dh])?;
    let mut stmt = conn.prepare_cached(
        "INSERT INTO spam_words (workspace_id, word, spam, ham) VALUES (?1, ?2, max(?3, 0), max(?4, 0))
         ON CONFLICT (workspace_id, word) DO UPDATE
         SET spam = max(spam + ?3, 0), ham = max(ham + ?4, 0)",
    )?;
    for w in words {
        stmt.execute(params![workspace_id, w, ds, dh])?;
    }
    conn.prepare_cached("DELETE FROM spam_words WHERE workspace_id = ?1 AND spam = 0 AND ham = 0")?
        .execute([workspace_id])?;
    Ok(())
}

/// The change a verdict event carries in its data (`…/updated` with this `change`).
pub const VERDICT_CHANGES: [&str; 2] = ["marked_spam", "marked_not_spam"];

/// Each workspace's model in memory, dropped when a verdict commits.
pub type Models = Cache<Arc<Model>>;

impl OnChange for Models {
    fn changed(&self, event: &Event) {
        let change = event.data.get("change").and_then(|c| c.as_str());
        if change.is_some_and(|c| VERDICT_CHANGES.contains(&c)) {
            if let Some(ws) = &event.workspace_id {
                self.forget(ws);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_counted_once_in_lower_case() {
        assert_eq!(
            words("Cheap SEO, cheap backlinks! a x@y.com"),
            vec!["cheap", "seo", "backlinks", "x@y", "com"]
        );
    }

    #[test]
    fn a_model_needs_verdicts_of_both_sides() {
        let mut m = Model::default();
        m.words.insert("casino".into(), (3, 0));
        m.spam = 3;
        assert_eq!(m.judge(&["casino".into()]), None);
        m.ham = 3;
        let j = m.judge(&["casino".into()]).unwrap();
        assert!(j.log_odds > 1.0);
        assert_eq!(j.telling, vec!["casino"]);
        assert_eq!(m.judge(&["unknown".into()]), None);
    }
}
