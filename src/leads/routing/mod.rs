//! Routing and response time (SPEC §13): each workspace's assignment rule hands a new lead to
//! a member who can answer it now, inside the capture's own writer job; its first-response
//! target gives every waiting lead a `dueAt` in working time, and the sweeper reminds the
//! assignee before it and escalates to owners and admins after it.

pub mod api;
pub mod assign;
pub mod pages;
pub mod report;
pub mod sla;

use rusqlite::{Connection, OptionalExtension};
use serde::{Deserialize, Serialize};

use crate::error::{ApiError, FieldErrors};

/// How new leads find their owner.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// Nobody is assigned automatically.
    #[default]
    Manual,
    /// The members take turns, in the listed order.
    RoundRobin,
    /// The member with the fewest open leads.
    LeastOpen,
}

impl Mode {
    /// The wire name (also the `reason` of an automatic assignment).
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Manual => "manual",
            Mode::RoundRobin => "round_robin",
            Mode::LeastOpen => "least_open",
        }
    }
}

/// A workspace's assignment rule.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Assignment {
    /// `manual`, `round_robin` or `least_open`.
    pub mode: Mode,
    /// The members who take leads, in turn order (at most 100).
    #[serde(default)]
    #[schemars(length(max = 100))]
    pub member_ids: Vec<String>,
    /// The lead kinds the rule applies to (default: every kind that can be assigned).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kinds: Option<Vec<String>>,
    /// Most open leads one member holds before the next one is chosen (none: no limit).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::json::de_count_opt"
    )]
    #[schemars(range(min = 1, max = 100000))]
    pub capacity: Option<u32>,
}

/// Working hours, in the workspace's time zone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct WorkingHours {
    /// IANA time zone, e.g. `Asia/Ho_Chi_Minh`.
    #[schemars(length(min = 1, max = 64))]
    pub tz: String,
    /// Working days: `mon` … `sun`.
    #[schemars(length(min = 1, max = 7))]
    pub days: Vec<Day>,
    /// Start of the working day, `HH:MM`.
    #[schemars(pattern(r"^([01][0-9]|2[0-3]):[0-5][0-9]$"))]
    pub from: String,
    /// End of the working day, `HH:MM`, after `from`.
    #[schemars(pattern(r"^([01][0-9]|2[0-3]):[0-5][0-9]$"))]
    pub to: String,
    /// Days off, `YYYY-MM-DD` (at most 366).
    #[serde(default)]
    #[schemars(length(max = 366))]
    pub holidays: Vec<String>,
}

/// A day of the week.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Day {
    /// Monday.
    Mon,
    /// Tuesday.
    Tue,
    /// Wednesday.
    Wed,
    /// Thursday.
    Thu,
    /// Friday.
    Fri,
    /// Saturday.
    Sat,
    /// Sunday.
    Sun,
}

impl Day {
    /// Every day, Monday first.
    pub const ALL: [Day; 7] = [
        Day::Mon,
        Day::Tue,
        Day::Wed,
        Day::Thu,
        Day::Fri,
        Day::Sat,
        Day::Sun,
    ];

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Day::Mon => "mon",
            Day::Tue => "tue",
            Day::Wed => "wed",
            Day::Thu => "thu",
            Day::Fri => "fri",
            Day::Sat => "sat",
            Day::Sun => "sun",
        }
    }

    fn of(w: jiff::civil::Weekday) -> Day {
        use jiff::civil::Weekday as W;
        match w {
            W::Monday => Day::Mon,
            W::Tuesday => Day::Tue,
            W::Wednesday => Day::Wed,
            W::Thursday => Day::Thu,
            W::Friday => Day::Fri,
            W::Saturday => Day::Sat,
            W::Sunday => Day::Sun,
        }
    }
}

/// A workspace's first-response target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Sla {
    /// Minutes (of working time, when working hours are set) from capture to first response.
    #[serde(deserialize_with = "crate::json::de_count")]
    #[schemars(range(min = 1, max = 100000))]
    pub first_response_minutes: u32,
    /// Minutes before `dueAt` that the assignee is reminded (default: a quarter of the target,
    /// at most 60).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::json::de_count_opt"
    )]
    #[schemars(range(min = 1, max = 100000))]
    pub reminder_minutes: Option<u32>,
    /// Counted in these hours only (none: around the clock).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub working_hours: Option<WorkingHours>,
}

impl Sla {
    /// Minutes before `dueAt` that the reminder goes out.
    pub fn reminder(&self) -> u32 {
        self.reminder_minutes
            .unwrap_or((self.first_response_minutes / 4).clamp(1, 60))
    }
}

/// A workspace's routing settings.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Settings {
    /// Who gets new leads.
    pub assignment: Assignment,
    /// By when they are answered (none: no target).
    pub sla: Option<Sla>,
}

/// The routing settings of a workspace (manual, no target, until set).
pub fn settings(conn: &Connection, ws: &str) -> Result<Settings, ApiError> {
    let row: Option<(String, Option<String>)> = conn
        .prepare_cached("SELECT assignment, sla FROM routing_settings WHERE workspace_id = ?1")?
        .query_row([ws], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let Some((assignment, sla)) = row else {
        return Ok(Settings::default());
    };
    let corrupt = |what: &str, e: serde_json::Error| {
        ApiError::internal(format!("the {what} setting of {ws} is unreadable: {e}"))
    };
    Ok(Settings {
        assignment: serde_json::from_str(&assignment).map_err(|e| corrupt("assignment", e))?,
        sla: match sla {
            Some(s) => Some(serde_json::from_str(&s).map_err(|e| corrupt("sla", e))?),
            None => None,
        },
    })
}

/// Stores the assignment rule.
pub fn set_assignment(
    conn: &Connection,
    ws: &str,
    a: &Assignment,
    now: &str,
) -> Result<(), ApiError> {
    let json = serde_json::to_string(a).map_err(ApiError::internal)?;
    conn.prepare_cached(
        "INSERT INTO routing_settings (workspace_id, assignment, updated_at) VALUES (?1, ?2, ?3)
         ON CONFLICT (workspace_id) DO UPDATE SET assignment = excluded.assignment,
             updated_at = excluded.updated_at",
    )?
    .execute([ws, &json, now])?;
    Ok(())
}

/// Stores the first-response target (None removes it).
pub fn set_sla(conn: &Connection, ws: &str, s: Option<&Sla>, now: &str) -> Result<(), ApiError> {
    let json = match s {
        Some(s) => Some(serde_json::to_string(s).map_err(ApiError::internal)?),
        None => None,
    };
    conn.prepare_cached(
        "INSERT INTO routing_settings (workspace_id, sla, updated_at) VALUES (?1, ?2, ?3)
         ON CONFLICT (workspace_id) DO UPDATE SET sla = excluded.sla,
             updated_at = excluded.updated_at",
    )?
    .execute(rusqlite::params![ws, json, now])?;
    Ok(())
}

/// Checks an assignment rule against the workspace: every member id a member, every kind an
/// assignable kind, no member twice.
pub fn check_assignment(
    conn: &Connection,
    kinds: &crate::leads::kind::Registry,
    ws: &str,
    a: &Assignment,
) -> Result<(), ApiError> {
    let mut errs = FieldErrors::default();
    for (i, m) in a.member_ids.iter().enumerate() {
        if a.member_ids[..i].contains(m) {
            errs.add(&format!("memberIds[{i}]"), "is listed twice");
        } else if crate::auth::users::role_in(conn, m, ws)?.is_none() {
            errs.add(
                &format!("memberIds[{i}]"),
                "must be a member of this workspace",
            );
        }
    }
    if a.mode != Mode::Manual && a.member_ids.is_empty() {
        errs.add(
            "memberIds",
            "must name at least one member unless the mode is manual",
        );
    }
    if let Some(list) = &a.kinds {
        let ok: Vec<&str> = assignable(kinds).collect();
        for (i, k) in list.iter().enumerate() {
            if !ok.contains(&k.as_str()) {
                errs.add(
                    &format!("kinds[{i}]"),
                    format!("must be one of {}", ok.join(", ")),
                );
            }
        }
    }
    if a.capacity.is_some_and(|c| !(1..=MAX_MINUTES).contains(&c)) {
        errs.add("capacity", "must be a whole number from 1 to 100000");
    }
    errs.finish()
}

/// Checks a first-response target: a known time zone, working days, `from` before `to`,
/// real holiday dates, a reminder inside the target.
pub fn check_sla(s: &Sla) -> Result<(), ApiError> {
    let mut errs = FieldErrors::default();
    if !(1..=MAX_MINUTES).contains(&s.first_response_minutes) {
        errs.add(
            "firstResponseMinutes",
            "must be a whole number from 1 to 100000",
        );
    }
    if let Some(r) = s.reminder_minutes {
        if r == 0 || r >= s.first_response_minutes {
            errs.add(
                "reminderMinutes",
                "must be at least 1 and less than firstResponseMinutes",
            );
        }
    }
    if let Some(h) = &s.working_hours {
        if jiff::tz::db().get(&h.tz).is_err() {
            errs.add(
                "workingHours.tz",
                "must be an IANA time zone, e.g. Asia/Ho_Chi_Minh",
            );
        }
        if h.days.is_empty() {
            errs.add("workingHours.days", "must name at least one day");
        }
        match (sla::clock_time(&h.from), sla::clock_time(&h.to)) {
            (None, _) => errs.add("workingHours.from", "must be a time HH:MM"),
            (_, None) => errs.add("workingHours.to", "must be a time HH:MM"),
            (Some(f), Some(t)) if t <= f => errs.add("workingHours.to", "must be after from"),
            _ => {}
        }
        for (i, d) in h.holidays.iter().enumerate() {
            if d.len() != 10 || d.parse::<jiff::civil::Date>().is_err() {
                errs.add(
                    &format!("workingHours.holidays[{i}]"),
                    "must be a date YYYY-MM-DD",
                );
            }
        }
    }
    errs.finish()
}

/// The largest capacity and the longest target or reminder, in minutes (about ten weeks).
const MAX_MINUTES: u32 = 100_000;

/// The kinds a rule can assign: those with the shared lifecycle (an assignee).
pub fn assignable(kinds: &crate::leads::kind::Registry) -> impl Iterator<Item = &'static str> + '_ {
    kinds
        .all()
        .iter()
        .filter(|k| k.lifecycle_table().is_some())
        .map(|k| k.id())
}

/// The routes of routing: its API and its admin page.
pub fn routes() -> Vec<rocket::Route> {
    let mut r = api::routes();
    r.extend(pages::routes());
    r
}
