//! The Overview: the first steps, what needs attention, leads per day, response time,
//! deliveries, where leads came from and the Contact Sales funnel.

use askama::Template;
use rocket::http::Status;
use rocket::request::FlashMessage;
use rocket::response::content::RawHtml;
use rocket::{get, routes, Route, State};

use super::{flash, render, Chrome, Page};
use crate::app::App;
use crate::auth::permissions::Perm;
use crate::auth::users;

/// The HTTP routes of the Overview.
pub fn routes() -> Vec<Route> {
    routes![home]
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    chrome: Chrome,
    user_name: String,
    me: String,
    attention: super::dashboard::Attention,
    /// `(step, label, link, done)`; empty once every step is done.
    checklist: Vec<(&'static str, &'static str, &'static str, bool)>,
    funnel: Vec<(&'static str, i64)>,
    chart: String,
    /// No lead in the chart's days: the page says so under the empty frame.
    chart_empty: bool,
    legend: Vec<(&'static str, &'static str)>,
    median_reply: String,
    conversion: String,
    /// (source, leads, won) over the last 30 days.
    sources: Vec<(String, i64, i64)>,
    notify_rate: String,
    channels: Vec<(&'static str, i64, i64, i64)>,
    /// `(week, "in time / decided", percent)`, newest first.
    sla_weeks: Vec<(String, String, String)>,
    /// `(member, median, leads)`, fastest first.
    member_medians: Vec<(String, String, i64)>,
}

/// `GET /admin` — WorkspacePermissions.Read.
#[get("/admin")]
async fn home(
    app: &State<App>,
    page: Page,
    f: Option<FlashMessage<'_>>,
) -> Result<RawHtml<String>, Status> {
    page.allow(Perm::WorkspaceRead)?;
    let ws = page.workspace.id.clone();
    let since = crate::util::rfc3339(crate::util::now() - time::Duration::days(30));
    let (kinds, scope, me) = (app.kinds.clone(), app.scope(), page.staff.user.id.clone());
    let now = crate::util::rfc3339(scope.now);
    let (members, counts, stats, outbox, attention, snippet_seen, report) = app
        .store
        .read(move |c| {
            let seen = crate::workspaces::queries::step_done(c, &ws, "snippet")?;
            let report = crate::leads::routing::report::load(c, &ws, &now)?;
            Ok((
                users::members(c, &ws)?,
                crate::analytics::counts(c, &ws, &since)?,
                super::dashboard::load(c, &kinds, &scope, &ws)?,
                crate::delivery::outbox::counts(c, Some(&ws))?,
                super::dashboard::attention(c, &kinds, &scope, &ws, &me)?,
                seen,
                report,
            ))
        })
        .await
        .map_err(|e| e.status)?;
    let sent = app
        .metrics
        .notifications_sent
        .load(std::sync::atomic::Ordering::Relaxed);
    let failed = app
        .metrics
        .notifications_failed
        .load(std::sync::atomic::Ordering::Relaxed);
    let t = page.t();
    let count = |channel: &str, statuses: &[&str]| -> i64 {
        outbox
            .iter()
            .filter(|(c, s, _)| c == channel && statuses.contains(&s.as_str()))
            .map(|(_, _, n)| n)
            .sum()
    };
    let channels = [
        ("webhook", t.nav_webhooks),
        ("email", t.notify_email),
        ("push", t.notify_push),
    ]
    .into_iter()
    .map(|(c, label)| {
        (
            label,
            count(c, &["succeeded"]),
            count(c, &["dead"]),
            count(c, &["pending", "failed"]),
        )
    })
    .collect();
    let colours: Vec<(&str, &str)> = app
        .kinds
        .all()
        .iter()
        .map(|k| (k.id(), k.colour()))
        .collect();
    let funnel = counts
        .into_iter()
        .zip([t.clicked, t.submitted, t.failed])
        .map(|((_, n), label)| (label, n))
        .collect();
    let steps = vec![
        (
            "origin",
            t.step_origin,
            "/admin/settings/form",
            !page.workspace.allowed_origins.is_empty(),
        ),
        ("snippet", t.step_snippet, "/admin/embed", snippet_seen),
        (
            "lead",
            t.step_lead,
            "/admin/embed#embed-preview",
            attention.total > 0,
        ),
        (
            "teammate",
            t.step_teammate,
            "/admin/members#m-email",
            members.len() > 1,
        ),
    ];
    let checklist = if steps.iter().all(|s| s.3) {
        vec![]
    } else {
        steps
    };
    let name_of = |id: &str| {
        members
            .iter()
            .find(|m| m.user.id == id)
            .map(|m| m.user.name.clone())
            .unwrap_or_else(|| t.someone.to_string())
    };
    let sla_weeks = report
        .weeks
        .iter()
        .map(|w| {
            let pct = if w.judged > 0 {
                format!("{} %", w.in_time * 100 / w.judged)
            } else {
                "—".into()
            };
            (
                w.monday.clone(),
                format!("{} / {}", w.in_time, w.judged),
                pct,
            )
        })
        .collect();
    let member_medians = report
        .members
        .iter()
        .map(|m| {
            let d = super::dashboard::human_duration(m.median_seconds);
            (name_of(&m.user_id), d, m.leads)
        })
        .collect();
    render(&HomePage {
        sla_weeks,
        member_medians,
        chrome: page.chrome("home", flash(f)),
        user_name: page.staff.user.name.clone(),
        me: page.staff.user.id.clone(),
        attention,
        checklist,
        funnel,
        chart: super::dashboard::volume_svg(&stats.volume, &colours, t.chart_title),
        chart_empty: stats.volume.iter().all(|(_, n)| n.iter().all(|c| *c == 0)),
        legend: app
            .kinds
            .all()
            .iter()
            .map(|k| (k.label().get(t.lang), k.colour()))
            .collect(),
        median_reply: stats
            .median_reply_seconds
            .map(super::dashboard::human_duration)
            .unwrap_or_else(|| t.no_data.into()),
        sources: stats.sources.clone(),
        conversion: if stats.created_30d == 0 {
            t.no_data.into()
        } else {
            format!(
                "{} % ({} / {})",
                stats.converted_30d * 100 / stats.created_30d,
                stats.converted_30d,
                stats.created_30d
            )
        },
        channels,
        notify_rate: if sent + failed == 0 {
            t.no_data.into()
        } else {
            format!(
                "{:.1} % ({sent} / {})",
                sent as f64 * 100.0 / (sent + failed) as f64,
                sent + failed
            )
        },
    })
}
