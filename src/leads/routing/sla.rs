//! The first-response clock: `dueAt` counted in the workspace's working time from capture,
//! the first response noted by a trigger on the lead index when a lead leaves its waiting
//! statuses, and the sweep that reminds the assignee before `dueAt` and escalates after it,
//! each once, as events every channel delivers.

use jiff::civil::{Date, Time};
use jiff::tz::TimeZone;
use jiff::Timestamp;
use rusqlite::{params, Connection};
use serde_json::json;

use super::Sla;
use crate::error::ApiError;
use crate::leads::kind::{LeadKind, Registry, Stage};
use crate::store::{NewEvent, Tx};

/// A waiting lead's `dueAt` is near: its assignee is reminded.
pub const DUE_SOON: &str = "observation/leads/lead/due-soon";
/// A waiting lead passed its `dueAt`: owners and admins are told.
pub const OVERDUE: &str = "observation/leads/lead/overdue";
/// Both.
pub const TOPICS: [&str; 2] = [DUE_SOON, OVERDUE];

/// `HH:MM` as a time of day.
pub fn clock_time(s: &str) -> Option<Time> {
    let (h, m) = s.split_once(':')?;
    if h.len() != 2 || m.len() != 2 {
        return None;
    }
    Time::new(h.parse().ok()?, m.parse().ok()?, 0, 0).ok()
}

fn stamp(t: Timestamp) -> String {
    let odt = time::OffsetDateTime::from_unix_timestamp_nanos(t.as_nanosecond())
        .unwrap_or_else(|_| crate::util::now());
    crate::util::rfc3339(odt)
}

fn parse(s: &str) -> Option<Timestamp> {
    let t = crate::util::parse_rfc3339(s)?;
    Timestamp::from_nanosecond(t.unix_timestamp_nanos()).ok()
}

/// When a lead captured at `created` (RFC 3339) is due: `firstResponseMinutes` later,
/// counting only working hours on working days that are not holidays, in the workspace's
/// zone (across midnight, weekends, holidays and clock changes). None when the settings
/// leave no working time in the next ten years.
pub fn due_at(created: &str, sla: &Sla) -> Option<String> {
    let start = parse(created)?;
    let mut left = i64::from(sla.first_response_minutes) * 60;
    let Some(h) = &sla.working_hours else {
        return Some(stamp(
            start
                .checked_add(jiff::SignedDuration::from_secs(left))
                .ok()?,
        ));
    };
    let tz: TimeZone = jiff::tz::db().get(&h.tz).ok()?;
    let (from, to) = (clock_time(&h.from)?, clock_time(&h.to)?);
    let holidays: Vec<Date> = h.holidays.iter().filter_map(|d| d.parse().ok()).collect();
    let mut at = start.to_zoned(tz.clone());
    for _ in 0..3660 {
        let day: Date = at.date();
        let working = h.days.contains(&super::Day::of(day.weekday())) && !holidays.contains(&day);
        if working {
            let open = day.to_datetime(from).to_zoned(tz.clone()).ok()?;
            let close = day.to_datetime(to).to_zoned(tz.clone()).ok()?;
            let begin = if at > open { at.clone() } else { open };
            if begin < close {
                let room = close.timestamp().as_second() - begin.timestamp().as_second();
                if left <= room {
                    let due = begin
                        .timestamp()
                        .checked_add(jiff::SignedDuration::from_secs(left))
                        .ok()?;
                    return Some(stamp(due));
                }
                left -= room;
            }
        }
        at = day.tomorrow().ok()?.to_zoned(tz.clone()).ok()?;
    }
    None
}

/// Starts the first-response clock of a new lead (once: a released lead keeps its clock).
pub fn start(
    conn: &Connection,
    sla: &Sla,
    (ws, kind, id): (&str, &str, &str),
    now: &str,
) -> Result<(), ApiError> {
    let Some(due) = due_at(now, sla) else {
        return Ok(());
    };
    conn.prepare_cached(
        "INSERT INTO lead_sla (lead_id, workspace_id, kind, created_at, due_at)
         VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (lead_id) DO NOTHING",
    )?
    .execute([id, ws, kind, now, &due])?;
    Ok(())
}

/// The statuses in which a lead of `kind` still waits for its first response: the fresh
/// ones, and for lifecycle kinds also `ASSIGNED` (owned, not yet answered).
pub fn waiting(kind: &dyn LeadKind) -> Vec<&'static str> {
    kind.statuses()
        .iter()
        .filter(|s| {
            s.stage == Stage::Fresh || (kind.lifecycle_table().is_some() && s.value == "ASSIGNED")
        })
        .map(|s| s.value)
        .collect()
}

/// The triggers that note a lead's first response: the index row of a lead leaving its
/// waiting statuses stops its clock, with who held it then. `index::install` makes them with
/// its own.
pub fn triggers(kinds: &Registry) -> String {
    let mut ddl = String::new();
    for kind in kinds.all() {
        let kid = kind
            .id()
            .replace(|c: char| !c.is_ascii_alphanumeric() && c != '_', "");
        let list = waiting(kind.as_ref())
            .iter()
            .map(|s| format!("'{}'", s.replace('\'', "")))
            .collect::<Vec<_>>()
            .join(", ");
        let list = if list.is_empty() { "''".into() } else { list };
        ddl.push_str(&format!(
            "CREATE TRIGGER lx_sla_{kid} AFTER UPDATE OF status ON lead_index
             WHEN NEW.kind = '{kid}' AND NEW.status NOT IN ({list})
             BEGIN
                 UPDATE lead_sla SET responded_at = NEW.updated_at, responder_id = NEW.assignee_id
                 WHERE lead_id = NEW.id AND responded_at IS NULL;
             END;"
        ));
    }
    ddl
}

/// `(l.kind = … AND l.status IN (…)) OR …`: the index rows still waiting for a response.
pub fn waiting_sql(kinds: &Registry) -> String {
    let parts: Vec<String> = kinds
        .all()
        .iter()
        .map(|k| {
            let list = waiting(k.as_ref())
                .iter()
                .map(|s| format!("'{}'", s.replace('\'', "")))
                .collect::<Vec<_>>()
                .join(", ");
            format!(
                "(l.kind = '{}' AND l.status IN ({}))",
                k.id().replace('\'', ""),
                if list.is_empty() { "''".into() } else { list }
            )
        })
        .collect();
    if parts.is_empty() {
        "0".into()
    } else {
        format!("({})", parts.join(" OR "))
    }
}

/// Counts the `dueAt` of every lead of `ws` still waiting again under a new target (or
/// stops their clocks when there is none). A due time moved later may remind and escalate
/// again; one that stays past is not escalated twice.
pub fn recount(
    tx: &mut Tx<'_>,
    kinds: &Registry,
    ws: &str,
    sla: Option<&Sla>,
) -> Result<usize, ApiError> {
    let Some(sla) = sla else {
        return Ok(tx.execute(
            "DELETE FROM lead_sla WHERE workspace_id = ?1 AND responded_at IS NULL",
            [ws],
        )?);
    };
    let rows: Vec<(String, String, String)> = tx
        .prepare(&format!(
            "SELECT l.id, l.kind, l.created_at FROM lead_index l
             WHERE l.workspace_id = ?1 AND l.hidden = 0 AND {}
                 AND NOT EXISTS (SELECT 1 FROM lead_sla s
                     WHERE s.lead_id = l.id AND s.responded_at IS NOT NULL)",
            waiting_sql(kinds)
        ))?
        .query_map([ws], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<Result<_, _>>()?;
    let mut stmt = tx.prepare_cached(
        "INSERT INTO lead_sla (lead_id, workspace_id, kind, created_at, due_at)
         VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (lead_id) DO UPDATE SET due_at = excluded.due_at,
             reminded_at = CASE WHEN excluded.due_at > lead_sla.due_at THEN NULL ELSE reminded_at END,
             escalated_at = CASE WHEN excluded.due_at > lead_sla.due_at THEN NULL ELSE escalated_at END",
    )?;
    let mut n = 0;
    for (id, kind, created) in rows {
        if let Some(due) = due_at(&created, sla) {
            n += stmt.execute([&id, ws, &kind, &created, &due])?;
        }
    }
    Ok(n)
}

/// The reminders and escalations due at `now`, each sent once: answers (reminded, escalated).
pub fn sweep(tx: &mut Tx<'_>, now: &str) -> Result<(usize, usize), ApiError> {
    let targets: Vec<(String, String)> = tx
        .prepare_cached("SELECT workspace_id, sla FROM routing_settings WHERE sla IS NOT NULL")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    let Some(now_t) = parse(now) else {
        return Ok((0, 0));
    };
    let (mut reminded, mut escalated) = (0, 0);
    for (ws, sla) in targets {
        let Ok(sla) = serde_json::from_str::<Sla>(&sla) else {
            continue;
        };
        let horizon = now_t
            .checked_add(jiff::SignedDuration::from_mins(i64::from(sla.reminder())))
            .map(stamp)
            .unwrap_or_else(|_| now.to_string());
        let due: Vec<(String, String, String, Option<String>, bool, bool)> = tx
            .prepare_cached(
                "SELECT s.lead_id, s.kind, s.due_at, l.assignee_id, s.reminded_at IS NULL,
                     s.escalated_at IS NULL
                 FROM lead_sla s JOIN lead_index l ON l.id = s.lead_id
                 WHERE s.workspace_id = ?1 AND s.responded_at IS NULL AND s.due_at <= ?2
                     AND (s.reminded_at IS NULL OR s.escalated_at IS NULL)
                     AND l.hidden = 0 AND l.stage IN ('fresh', 'open')",
            )?
            .query_map(params![ws, horizon], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                ))
            })?
            .collect::<Result<_, _>>()?;
        for (id, kind, due_at, assignee, not_reminded, not_escalated) in due {
            let past = due_at.as_str() <= now;
            let (topic, column) = if past && not_escalated {
                (OVERDUE, "escalated_at")
            } else if !past && not_reminded && assignee.is_some() {
                (DUE_SOON, "reminded_at")
            } else {
                continue;
            };
            tx.execute(
                &format!("UPDATE lead_sla SET {column} = ?2 WHERE lead_id = ?1"),
                [&id, now],
            )?;
            tx.append(NewEvent {
                workspace_id: Some(ws.clone()),
                topic: topic.into(),
                subject_id: Some(id.clone()),
                actor_id: None,
                data: json!({ "id": id, "kind": kind, "dueAt": due_at, "assigneeId": assignee }),
            })?;
            if topic == OVERDUE {
                escalated += 1;
            } else {
                reminded += 1;
            }
        }
    }
    Ok((reminded, escalated))
}

#[cfg(test)]
mod tests {
    use super::super::{Day, WorkingHours};
    use super::*;

    fn sla(minutes: u32, holidays: &[&str]) -> Sla {
        Sla {
            first_response_minutes: minutes,
            reminder_minutes: None,
            working_hours: Some(WorkingHours {
                tz: "Asia/Ho_Chi_Minh".into(),
                days: vec![Day::Mon, Day::Tue, Day::Wed, Day::Thu, Day::Fri],
                from: "09:00".into(),
                to: "17:00".into(),
                holidays: holidays.iter().map(|s| s.to_string()).collect(),
            }),
        }
    }

    #[test]
    fn due_counts_working_time_only() {
        // Friday 2026-12-04 16:30 in Hanoi (09:30Z): 30 minutes left on Friday, the other 30
        // on Monday from 09:00.
        assert_eq!(
            due_at("2026-12-04T09:30:00.000Z", &sla(60, &[])).as_deref(),
            Some("2026-12-07T02:30:00.000Z"),
            "across a weekend"
        );
        // Tuesday 22:00 in Hanoi (15:00Z) is after hours: the clock starts Wednesday 09:00.
        assert_eq!(
            due_at("2026-12-01T15:00:00.000Z", &sla(120, &[])).as_deref(),
            Some("2026-12-02T04:00:00.000Z"),
            "across midnight in the workspace's zone"
        );
        // Thursday 24 December 16:00, Friday the 25th off: due Monday 28th 09:30.
        assert_eq!(
            due_at("2026-12-24T09:00:00.000Z", &sla(90, &["2026-12-25"])).as_deref(),
            Some("2026-12-28T02:30:00.000Z"),
            "across a holiday"
        );
        // Inside the day, and around the clock without working hours.
        assert_eq!(
            due_at("2026-12-02T03:00:00.000Z", &sla(30, &[])).as_deref(),
            Some("2026-12-02T03:30:00.000Z")
        );
        let always = Sla {
            working_hours: None,
            ..sla(45, &[])
        };
        assert_eq!(
            due_at("2026-12-05T23:50:00.000Z", &always).as_deref(),
            Some("2026-12-06T00:35:00.000Z")
        );
    }

    #[test]
    fn a_week_of_holidays_pushes_past_it_and_clock_changes_count_real_minutes() {
        let s = sla(
            60,
            &[
                "2026-12-07",
                "2026-12-08",
                "2026-12-09",
                "2026-12-10",
                "2026-12-11",
            ],
        );
        assert_eq!(
            due_at("2026-12-04T10:00:00.000Z", &s).as_deref(),
            Some("2026-12-14T03:00:00.000Z")
        );
        // Sydney springs forward on Sunday 2026-10-04; Monday's hours are in AEDT (+11).
        let mut s = sla(60, &[]);
        if let Some(h) = s.working_hours.as_mut() {
            h.tz = "Australia/Sydney".into();
        }
        assert_eq!(
            due_at("2026-10-02T06:30:00.000Z", &s).as_deref(),
            Some("2026-10-04T22:30:00.000Z"),
            "Friday 16:30 AEST, 30 minutes on Monday from 09:00 AEDT"
        );
    }

    #[test]
    fn times_of_day_are_strict() {
        assert!(clock_time("09:00").is_some());
        assert!(clock_time("9:00").is_none());
        assert!(clock_time("24:00").is_none());
        assert!(clock_time("12:60").is_none());
    }
}
