//! The Overview's numbers: lead volume per day per kind (a server-rendered SVG chart), the
//! median time from capture to first reply, the conversion rate, and notification delivery.

use std::collections::BTreeMap;
use std::fmt::Write;

use rusqlite::Connection;
use time::Duration;

use crate::error::ApiError;
use crate::leads::inbox;
use crate::leads::kind::{Registry, Scope, Stage};
use crate::util;

/// Days the volume chart covers.
pub const DAYS: i64 = 14;
/// What the Overview shows.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Stats {
    /// Per day (`YYYY-MM-DD`, oldest first): counts in registry order.
    pub volume: Vec<(String, Vec<i64>)>,
    /// Median seconds from capture to the first reply, over leads replied to.
    pub median_reply_seconds: Option<i64>,
    /// Leads created in the last 30 days, and how many of them converted.
    pub created_30d: i64,
    /// Of those, converted.
    pub converted_30d: i64,
    /// Per first-touch source over the last 30 days: (source, leads, won), largest first.
    pub sources: Vec<(String, i64, i64)>,
}

/// `(kind = 'a' AND status IN (…)) OR …`: the won statuses of every kind. Our own constants.
fn won(kinds: &Registry) -> String {
    in_stages(kinds, &[Stage::Won])
}

/// `(kind = 'a' AND status IN (…)) OR …` for the statuses of the given stages.
fn in_stages(kinds: &Registry, stages: &[Stage]) -> String {
    let parts: Vec<String> = kinds
        .all()
        .iter()
        .filter_map(|k| {
            let st: Vec<String> = k
                .statuses()
                .iter()
                .filter(|s| stages.contains(&s.stage))
                .map(|s| format!("'{}'", s.value))
                .collect();
            (!st.is_empty())
                .then(|| format!("(kind = '{}' AND status IN ({}))", k.id(), st.join(",")))
        })
        .collect();
    if parts.is_empty() {
        "0".into()
    } else {
        parts.join(" OR ")
    }
}

/// What needs attention on the Overview.
#[derive(Debug, Default, Clone, Copy, PartialEq)]
pub struct Attention {
    /// Leads nobody has picked up (the NEW badge).
    pub fresh: i64,
    /// Open leads with no assignee.
    pub unassigned: i64,
    /// Open leads assigned to the viewer.
    pub mine: i64,
    /// Every lead of the workspace (0: the first-run checklist shows).
    pub total: i64,
}

/// Counts what needs attention in a workspace, for viewer `me`.
pub fn attention(
    conn: &Connection,
    kinds: &Registry,
    scope: &Scope,
    workspace_id: &str,
    me: &str,
) -> Result<Attention, ApiError> {
    let leads = inbox::union_sql(kinds, scope);
    let fresh = in_stages(kinds, &[Stage::Fresh]);
    let open = in_stages(kinds, &[Stage::Fresh, Stage::Open]);
    Ok(conn.query_row(
        &format!(
            "SELECT COALESCE(SUM({fresh}), 0),
                    COALESCE(SUM(({open}) AND assignee_id IS NULL), 0),
                    COALESCE(SUM(({open}) AND assignee_id = ?2), 0),
                    COUNT(*)
             FROM ({leads}) WHERE workspace_id = ?1"
        ),
        rusqlite::params![workspace_id, me],
        |r| {
            Ok(Attention {
                fresh: r.get(0)?,
                unassigned: r.get(1)?,
                mine: r.get(2)?,
                total: r.get(3)?,
            })
        },
    )?)
}

/// Reads the Overview's numbers for a workspace as of `scope.now`.
pub fn load(
    conn: &Connection,
    kinds: &Registry,
    scope: &Scope,
    workspace_id: &str,
) -> Result<Stats, ApiError> {
    let now = scope.now;
    let leads = inbox::union_sql(kinds, scope);
    let n = kinds.all().len();
    let first_day = (now - Duration::days(DAYS - 1)).date();
    let since = util::rfc3339(first_day.midnight().assume_utc());
    let mut per_day: BTreeMap<String, Vec<i64>> = (0..DAYS)
        .map(|i| ((first_day + Duration::days(i)).to_string(), vec![0; n]))
        .collect();
    let mut stmt = conn.prepare(&format!(
        "SELECT kind, substr(created_at, 1, 10), COUNT(*) FROM ({leads})
         WHERE workspace_id = ?1 AND created_at >= ?2 GROUP BY 1, 2"
    ))?;
    let rows = stmt.query_map(rusqlite::params![workspace_id, since], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, i64>(2)?,
        ))
    })?;
    for row in rows {
        let (kind, day, count) = row?;
        if let (Some(slot), Some(i)) = (
            per_day.get_mut(&day),
            kinds.all().iter().position(|k| k.id() == kind),
        ) {
            slot[i] = count;
        }
    }
    let mut stmt = conn.prepare(&format!(
        "SELECT l.created_at, MIN(e.created_at) FROM events e
         JOIN ({leads}) l ON l.id = e.subject_id AND l.workspace_id = ?1
         WHERE e.workspace_id = ?1 AND json_extract(e.data, '$.change') = 'replied'
         GROUP BY l.id"
    ))?;
    let mut waits: Vec<i64> = vec![];
    for row in stmt.query_map([workspace_id], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
    })? {
        let (a, b) = row?;
        if let (Some(b), Some(a)) = (util::parse_rfc3339(&b), util::parse_rfc3339(&a)) {
            waits.push((b - a).whole_seconds());
        }
    }
    waits.sort_unstable();
    let median_reply_seconds = median(&waits);
    let month_ago = util::rfc3339(now - Duration::days(30));
    let (created_30d, converted_30d) = conn.query_row(
        &format!(
            "SELECT COUNT(*), COALESCE(SUM({}), 0) FROM ({leads})
             WHERE workspace_id = ?1 AND created_at >= ?2",
            won(kinds)
        ),
        rusqlite::params![workspace_id, month_ago],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let mut stmt = conn.prepare_cached(
        "SELECT source, COUNT(*), SUM(stage = 'won') FROM lead_index
         WHERE workspace_id = ?1 AND hidden = 0 AND source IS NOT NULL AND created_at >= ?2
         GROUP BY source ORDER BY 2 DESC, 1 LIMIT 10",
    )?;
    let sources = stmt
        .query_map(rusqlite::params![workspace_id, month_ago], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })?
        .collect::<Result<_, _>>()?;
    Ok(Stats {
        sources,
        volume: per_day.into_iter().collect(),
        median_reply_seconds,
        created_30d,
        converted_30d,
    })
}

pub use crate::util::median;

/// "2 d 3 h", "4 h 10 min", "12 min", "40 s".
pub fn human_duration(seconds: i64) -> String {
    let (d, h, m) = (
        seconds / 86_400,
        (seconds % 86_400) / 3_600,
        (seconds % 3_600) / 60,
    );
    match (d, h, m) {
        (0, 0, 0) => format!("{seconds} s"),
        (0, 0, m) => format!("{m} min"),
        (0, h, m) => format!("{h} h {m} min"),
        (d, h, _) => format!("{d} d {h} h"),
    }
}

/// The stacked-bar chart as inline SVG. Only numbers and dates go in: nothing a user typed.
pub fn volume_svg(volume: &[(String, Vec<i64>)], colours: &[(&str, &str)], label: &str) -> String {
    let (w, h, top, bottom) = (640.0, 180.0, 12.0, 26.0);
    let max = volume
        .iter()
        .map(|(_, c)| c.iter().sum::<i64>())
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let slot = w / volume.len().max(1) as f64;
    let bar = (slot * 0.62).max(2.0);
    let scale = (h - top - bottom) / max;
    let total: i64 = volume.iter().map(|(_, c)| c.iter().sum::<i64>()).sum();
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg class="chart" viewBox="0 0 {w} {h}" role="img" aria-label="{label}: {total}" xmlns="http://www.w3.org/2000/svg"><title>{label}</title>"#
    );
    let _ = write!(
        svg,
        r##"<line x1="0" y1="{0}" x2="{w}" y2="{0}" stroke="#c5ccd8" stroke-width="1"/>"##,
        h - bottom
    );
    for (i, (day, counts)) in volume.iter().enumerate() {
        let x = i as f64 * slot + (slot - bar) / 2.0;
        let mut y = h - bottom;
        for (k, n) in counts.iter().enumerate() {
            if *n == 0 {
                continue;
            }
            let height = *n as f64 * scale;
            y -= height;
            let _ = write!(
                svg,
                r#"<rect class="bar bar-{kind}" x="{x:.1}" y="{y:.1}" width="{bar:.1}" height="{height:.1}" fill="{colour}" data-day="{day}" data-count="{n}"><title>{day}: {n}</title></rect>"#,
                kind = colours.get(k).map(|c| c.0).unwrap_or(""),
                colour = colours.get(k).map(|c| c.1).unwrap_or("#888")
            );
        }
        let _ = write!(
            svg,
            r##"<text x="{:.1}" y="{:.1}" font-size="10" text-anchor="middle" fill="#5d6778">{}</text>"##,
            x + bar / 2.0,
            h - 9.0,
            day.get(8..10).unwrap_or("")
        );
    }
    let _ = write!(
        svg,
        r##"<text x="2" y="10" font-size="10" fill="#5d6778">{}</text></svg>"##,
        max as i64
    );
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians_and_durations() {
        assert_eq!(median(&[]), None);
        assert_eq!(median(&[5]), Some(5));
        assert_eq!(median(&[1, 3, 100]), Some(3));
        assert_eq!(median(&[1, 3, 5, 100]), Some(4));
        assert_eq!(human_duration(40), "40 s");
        assert_eq!(human_duration(12 * 60), "12 min");
        assert_eq!(human_duration(4 * 3600 + 600), "4 h 10 min");
        assert_eq!(human_duration(2 * 86_400 + 3 * 3600), "2 d 3 h");
    }

    #[test]
    fn the_chart_stacks_one_bar_per_kind_and_day() {
        let volume = vec![
            ("2026-01-01".to_string(), vec![2, 1, 0]),
            ("2026-01-02".to_string(), vec![0, 0, 3]),
        ];
        let colours = [("a", "#111"), ("b", "#222"), ("c", "#333")];
        let svg = volume_svg(&volume, &colours, "Leads");
        assert_eq!(svg.matches("<rect").count(), 3);
        assert!(svg.contains(r#"data-day="2026-01-02" data-count="3""#));
        assert!(svg.contains("aria-label=\"Leads: 6\""));
    }
}
