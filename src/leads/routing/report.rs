//! The Overview's response-time figures: first-response target attainment per week, and
//! each member's median time to first reply.

use rusqlite::Connection;

use crate::error::ApiError;

/// Weeks the figures cover.
pub const WEEKS: i64 = 8;

/// One week of the first-response target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Week {
    /// Monday of the week (`YYYY-MM-DD`, UTC).
    pub monday: String,
    /// Leads captured that week whose target is decided (answered, or past due).
    pub judged: i64,
    /// Of those, answered by their `dueAt`.
    pub in_time: i64,
}

/// A member's median time from capture to their first reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    /// Staff user.
    pub user_id: String,
    /// Median seconds.
    pub median_seconds: i64,
    /// Leads it is taken over.
    pub leads: i64,
}

/// The figures.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// Newest week first.
    pub weeks: Vec<Week>,
    /// Fastest first.
    pub members: Vec<Member>,
}

/// The figures of `ws` as of `now` (RFC 3339).
pub fn load(conn: &Connection, ws: &str, now: &str) -> Result<Report, ApiError> {
    let since = crate::util::parse_rfc3339(now)
        .map(|t| crate::util::rfc3339(t - time::Duration::weeks(WEEKS)))
        .unwrap_or_default();
    let weeks = conn
        .prepare_cached(
            "SELECT date(created_at, 'weekday 0', '-6 days') AS monday,
                 SUM(responded_at IS NOT NULL OR due_at <= ?3),
                 SUM(responded_at IS NOT NULL AND responded_at <= due_at)
             FROM lead_sla WHERE workspace_id = ?1 AND created_at >= ?2
             GROUP BY monday ORDER BY monday DESC",
        )?
        .query_map(rusqlite::params![ws, since, now], |r| {
            Ok(Week {
                monday: r.get(0)?,
                judged: r.get(1)?,
                in_time: r.get(2)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    // The first reply of each lead, with who gave it (SQLite takes the bare column from the
    // row that has the MIN).
    let mut stmt = conn.prepare_cached(
        "SELECT e.actor_id, l.created_at, MIN(e.created_at) FROM events e
         JOIN lead_index l ON l.id = e.subject_id AND l.workspace_id = ?1
         WHERE e.workspace_id = ?1 AND e.created_at >= ?2
             AND json_extract(e.data, '$.change') = 'replied'
         GROUP BY e.subject_id",
    )?;
    let mut by: std::collections::BTreeMap<String, Vec<i64>> = Default::default();
    for row in stmt.query_map([ws, since.as_str()], |r| {
        Ok((
            r.get::<_, Option<String>>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
        ))
    })? {
        let (actor, created, replied) = row?;
        let (Some(actor), Some(a), Some(b)) = (
            actor,
            crate::util::parse_rfc3339(&created),
            crate::util::parse_rfc3339(&replied),
        ) else {
            continue;
        };
        by.entry(actor)
            .or_default()
            .push((b - a).whole_seconds().max(0));
    }
    let mut members: Vec<Member> = by
        .into_iter()
        .filter_map(|(user_id, mut waits)| {
            waits.sort_unstable();
            let median_seconds = crate::util::median(&waits)?;
            Some(Member {
                user_id,
                median_seconds,
                leads: waits.len() as i64,
            })
        })
        .collect();
    members.sort_by_key(|m| m.median_seconds);
    Ok(Report { weeks, members })
}
