//! `/admin/routing`: the assignment rule and the first-response target as two forms, each
//! checked by the same code as the API; and the viewer's own away / back switch.

use askama::Template;
use rocket::form::{Form, FromForm};
use rocket::http::Status;
use rocket::request::FlashMessage;
use rocket::response::content::RawHtml;
use rocket::response::{Flash, Redirect};
use rocket::{get, post, routes, Route, State};

use super::{Assignment, Day, Mode, Sla, WorkingHours};
use crate::admin::{flash, i18n, render, Chrome, Page};
use crate::app::App;
use crate::auth::permissions::Perm;

/// The routes.
pub fn routes() -> Vec<Route> {
    routes![show, save_assignment, save_sla, availability]
}

struct MemberBox {
    id: String,
    name: String,
    checked: bool,
    away: bool,
    open: i64,
}

struct KindBox {
    id: &'static str,
    label: &'static str,
    checked: bool,
}

struct DayBox {
    id: &'static str,
    label: &'static str,
    checked: bool,
}

#[derive(Template)]
#[template(path = "routing.html")]
struct RoutingPage {
    chrome: Chrome,
    can_edit: bool,
    mode: &'static str,
    members: Vec<MemberBox>,
    kinds: Vec<KindBox>,
    capacity: String,
    sla_on: bool,
    minutes: String,
    reminder: String,
    hours_on: bool,
    zones: Vec<String>,
    tz: String,
    days: Vec<DayBox>,
    from: String,
    to: String,
    holidays: String,
}

fn day_label(t: &i18n::Strings, d: Day) -> &'static str {
    match d {
        Day::Mon => t.day_mon,
        Day::Tue => t.day_tue,
        Day::Wed => t.day_wed,
        Day::Thu => t.day_thu,
        Day::Fri => t.day_fri,
        Day::Sat => t.day_sat,
        Day::Sun => t.day_sun,
    }
}

/// `GET /admin/routing` — WorkspacePermissions.Read (editing: WorkspacePermissions.Update).
#[get("/admin/routing")]
async fn show(
    app: &State<App>,
    page: Page,
    f: Option<FlashMessage<'_>>,
) -> Result<RawHtml<String>, Status> {
    if !page.role.can(Perm::WorkspaceRead) {
        return Err(Status::Forbidden);
    }
    let ws = page.workspace.id.clone();
    let (settings, members) = app
        .store
        .read(move |c| {
            let s = super::settings(c, &ws)?;
            let mut out = vec![];
            for m in crate::auth::users::members(c, &ws)? {
                let away = super::assign::away_since(c, &m.user.id)?.is_some();
                let open = super::assign::open_leads(c, &ws, &m.user.id)?;
                out.push((m.user.id, m.user.name, away, open));
            }
            Ok((s, out))
        })
        .await
        .map_err(|e| e.status)?;
    let t = page.t();
    let a = &settings.assignment;
    let kinds = super::assignable(&app.kinds)
        .map(|id| KindBox {
            id,
            label: app
                .kinds
                .get(id)
                .map(|k| k.label().get(t.lang))
                .unwrap_or(id),
            checked: a.kinds.as_ref().is_none_or(|ks| ks.iter().any(|k| k == id)),
        })
        .collect();
    let sla = settings.sla.clone();
    let hours = sla.as_ref().and_then(|s| s.working_hours.clone());
    render(&RoutingPage {
        chrome: page.chrome("settings", flash(f)),
        can_edit: page.role.can(Perm::WorkspaceUpdate),
        mode: a.mode.as_str(),
        members: members
            .into_iter()
            .map(|(id, name, away, open)| MemberBox {
                checked: a.member_ids.contains(&id),
                id,
                name,
                away,
                open,
            })
            .collect(),
        kinds,
        capacity: a.capacity.map(|c| c.to_string()).unwrap_or_default(),
        sla_on: sla.is_some(),
        minutes: sla
            .as_ref()
            .map(|s| s.first_response_minutes.to_string())
            .unwrap_or_else(|| "60".into()),
        reminder: sla
            .as_ref()
            .and_then(|s| s.reminder_minutes)
            .map(|m| m.to_string())
            .unwrap_or_default(),
        hours_on: hours.is_some(),
        zones: crate::admin::when::zone_names(),
        tz: hours
            .as_ref()
            .map(|h| h.tz.clone())
            .or_else(|| page.staff.user.time_zone.clone())
            .unwrap_or_else(|| "UTC".into()),
        days: Day::ALL
            .iter()
            .map(|d| DayBox {
                id: d.as_str(),
                label: day_label(t, *d),
                checked: match &hours {
                    Some(h) => h.days.contains(d),
                    None => !matches!(d, Day::Sat | Day::Sun),
                },
            })
            .collect(),
        from: hours
            .as_ref()
            .map(|h| h.from.clone())
            .unwrap_or_else(|| "09:00".into()),
        to: hours
            .as_ref()
            .map(|h| h.to.clone())
            .unwrap_or_else(|| "17:00".into()),
        holidays: hours.map(|h| h.holidays.join("\n")).unwrap_or_default(),
    })
}

#[derive(FromForm)]
struct AssignmentForm {
    #[field(name = "_csrf")]
    csrf: Option<String>,
    mode: Option<String>,
    member: Vec<String>,
    kind: Vec<String>,
    capacity: Option<String>,
}

fn back() -> Redirect {
    Redirect::to("/admin/routing")
}

/// `POST /admin/routing/assignment` — WorkspacePermissions.Update.
#[post("/admin/routing/assignment", data = "<form>")]
async fn save_assignment(
    app: &State<App>,
    page: Page,
    form: Form<AssignmentForm>,
) -> Result<Flash<Redirect>, Status> {
    page.check_csrf(form.csrf.as_deref())?;
    if !page.role.can(Perm::WorkspaceUpdate) {
        return Err(Status::Forbidden);
    }
    let t = page.t();
    let f = form.into_inner();
    let mode = match f.mode.as_deref() {
        Some("round_robin") => Mode::RoundRobin,
        Some("least_open") => Mode::LeastOpen,
        _ => Mode::Manual,
    };
    let capacity = match f
        .capacity
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
    {
        None => None,
        Some(c) => match c.parse::<u32>() {
            Ok(n) => Some(n),
            Err(_) => {
                return Ok(Flash::error(
                    back(),
                    format!(
                        "{}: {}",
                        t.capacity,
                        i18n::message(t, "must be a whole number")
                    ),
                ));
            }
        },
    };
    let all: Vec<&str> = super::assignable(&app.kinds).collect();
    let kinds = (f.kind.len() != all.len()).then_some(f.kind);
    let a = Assignment {
        mode,
        member_ids: f.member,
        kinds,
        capacity,
    };
    let ws = page.workspace.id.clone();
    saved(
        t,
        super::api::save_assignment(app, &page.staff, ws, a).await,
    )
}

/// Back to the page: "saved", or what was wrong with the form, in words.
fn saved<T>(
    t: &i18n::Strings,
    r: Result<T, crate::error::ApiError>,
) -> Result<Flash<Redirect>, Status> {
    match r {
        Ok(_) => Ok(Flash::success(back(), t.saved)),
        Err(e) if e.status.code == 400 => Ok(Flash::error(back(), i18n::said(t, &e))),
        Err(e) => Err(e.status),
    }
}

#[derive(FromForm)]
struct SlaForm {
    #[field(name = "_csrf")]
    csrf: Option<String>,
    enabled: Option<String>,
    minutes: Option<String>,
    reminder: Option<String>,
    hours: Option<String>,
    tz: Option<String>,
    day: Vec<String>,
    from: Option<String>,
    to: Option<String>,
    holidays: Option<String>,
}

/// `POST /admin/routing/sla` — WorkspacePermissions.Update.
#[post("/admin/routing/sla", data = "<form>")]
async fn save_sla(
    app: &State<App>,
    page: Page,
    form: Form<SlaForm>,
) -> Result<Flash<Redirect>, Status> {
    page.check_csrf(form.csrf.as_deref())?;
    if !page.role.can(Perm::WorkspaceUpdate) {
        return Err(Status::Forbidden);
    }
    let t = page.t();
    let f = form.into_inner();
    let number = |v: &Option<String>, label: &str| -> Result<Option<u32>, String> {
        match v.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => Ok(None),
            Some(s) => s
                .parse::<u32>()
                .map(Some)
                .map_err(|_| format!("{label}: {}", i18n::message(t, "must be a whole number"))),
        }
    };
    let sla = if f.enabled.is_none() {
        None
    } else {
        let minutes = match number(&f.minutes, t.first_response_minutes) {
            Ok(Some(m)) => m,
            Ok(None) => {
                let m = format!(
                    "{}: {}",
                    t.first_response_minutes,
                    i18n::message(t, "is required")
                );
                return Ok(Flash::error(back(), m));
            }
            Err(m) => return Ok(Flash::error(back(), m)),
        };
        let reminder = match number(&f.reminder, t.reminder_minutes) {
            Ok(r) => r,
            Err(m) => return Ok(Flash::error(back(), m)),
        };
        let working_hours = f.hours.is_some().then(|| WorkingHours {
            tz: f.tz.clone().unwrap_or_default().trim().to_string(),
            days: Day::ALL
                .into_iter()
                .filter(|d| f.day.iter().any(|x| x == d.as_str()))
                .collect(),
            from: f.from.clone().unwrap_or_default().trim().to_string(),
            to: f.to.clone().unwrap_or_default().trim().to_string(),
            holidays: f
                .holidays
                .as_deref()
                .unwrap_or("")
                .split(['\n', ',', ' '])
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect(),
        });
        Some(Sla {
            first_response_minutes: minutes,
            reminder_minutes: reminder,
            working_hours,
        })
    };
    let ws = page.workspace.id.clone();
    saved(t, super::api::save_sla(app, &page.staff, ws, sla).await)
}

#[derive(FromForm)]
struct AvailabilityForm {
    #[field(name = "_csrf")]
    csrf: Option<String>,
    away: Option<String>,
}

/// `POST /admin/account/availability` — any member: away (`away=1`) or back.
#[post("/admin/account/availability", data = "<form>")]
async fn availability(
    app: &State<App>,
    page: Page,
    form: Form<AvailabilityForm>,
) -> Result<Flash<Redirect>, Status> {
    page.check_csrf(form.csrf.as_deref())?;
    let t = page.t();
    let away = form.away.as_deref() == Some("1");
    super::api::set_availability(app, &page.staff, away)
        .await
        .map_err(|e| e.status)?;
    let said = if away { t.you_are_away } else { t.you_are_back };
    Ok(Flash::success(
        Redirect::to("/admin/account#availability"),
        said,
    ))
}
