//! The contact-request detail page and its actions.

use askama::Template;
use rocket::form::Form;
use rocket::http::Status;
use rocket::request::FlashMessage;
use rocket::response::content::RawHtml;
use rocket::response::{Flash, Redirect};
use rocket::{get, post, routes, Route, State};

use super::service::{self, Step};
use crate::admin::{render, Chrome, LeadActionForm, Page};
use crate::app::App;
use crate::auth::permissions::Perm;
use crate::inquiries::queries::member_names;
use crate::lifecycle::Action;
use crate::util;

/// The HTTP routes of these pages.
pub fn routes() -> Vec<Route> {
    routes![detail, act]
}

#[derive(Default)]
struct Allowed {
    assign: bool,
    reply: bool,
    convert: bool,
    lose: bool,
}

#[derive(Template)]
#[template(path = "contact_request.html")]
struct DetailPage {
    chrome: Chrome,
    base: String,
    members: Vec<(String, String)>,
    who: String,
    status: &'static str,
    status_label: &'static str,
    deleted: bool,
    facts: Vec<(&'static str, String)>,
    a: Allowed,
    me: String,
    timeline: Vec<(String, String, String, String)>,
}

/// `GET /admin/contact-requests/<id>` — ContactRequestPermissions.FindById.
#[get("/admin/contact-requests/<id>")]
async fn detail(
    app: &State<App>,
    page: Page,
    id: &str,
    f: Option<FlashMessage<'_>>,
) -> Result<RawHtml<String>, Status> {
    if !page.role.can(Perm::ContactRequestFindById) {
        return Err(Status::Forbidden);
    }
    let (req, user, timeline) = service::find(app, page.workspace.id.clone(), id.to_string())
        .await
        .map_err(|e| e.status)?;
    let ws = page.workspace.id.clone();
    let names = app
        .store
        .read(move |c| member_names(c, &ws))
        .await
        .map_err(|e| e.status)?;
    let t = page.t();
    let (en, vi) = req.progress.status.label();
    let live = req.deleted_at.is_none();
    let can =
        |perm: Perm, a: Action| live && page.role.can(perm) && req.progress.status.after(a).is_ok();
    let name_of = |id: &str| names.iter().find(|(m, _)| m == id).map(|(_, n)| n.clone());
    let who = user
        .as_ref()
        .and_then(|u| u.name.clone())
        .or_else(|| req.account_email.clone())
        .unwrap_or_else(|| req.user_id.clone());
    let o = |v: &Option<String>| v.clone().unwrap_or_default();
    let facts = vec![
        (t.user, who.clone()),
        (t.email, o(&req.account_email)),
        (
            t.company,
            user.as_ref().map(|u| o(&u.company)).unwrap_or_default(),
        ),
        (t.plan, req.input.plan.clone()),
        (t.quantity, req.input.quantity.to_string()),
        (t.source, req.input.source.clone()),
        ("Page", o(&req.input.page)),
        (t.received, util::short_time(&req.created_at)),
        (
            t.assignee,
            req.progress
                .assignee_id
                .as_deref()
                .and_then(name_of)
                .unwrap_or_else(|| t.unassigned.to_string()),
        ),
        ("IP", o(&req.request_ip)),
        ("User agent", o(&req.user_agent)),
    ];
    let timeline = timeline
        .iter()
        .map(|e| {
            let what = match e["type"].as_str().unwrap_or("") {
                "submitted" => t.ev_submitted,
                "assigned" => t.ev_assigned,
                "replied" => t.ev_replied,
                "converted" => t.ev_converted,
                "lost" => t.ev_lost,
                "deleted" => t.ev_deleted,
                "restored" => t.ev_restored,
                _ => t.done,
            };
            let detail = e["data"]["body"]
                .as_str()
                .or(e["data"]["reason"].as_str())
                .unwrap_or("")
                .to_string();
            let actor = e["actor"]["name"]
                .as_str()
                .map(str::to_string)
                .unwrap_or_else(|| who.clone());
            (
                util::short_time(e["at"].as_str().unwrap_or("")),
                what.to_string(),
                actor,
                detail,
            )
        })
        .collect();
    render(&DetailPage {
        base: format!("/admin/contact-requests/{}", req.id),
        members: names.clone(),
        who,
        status: req.progress.status.as_str(),
        status_label: if t.lang == "vi" { vi } else { en },
        deleted: !live,
        facts,
        a: Allowed {
            assign: can(Perm::ContactRequestAssign, Action::Assign),
            reply: can(Perm::ContactRequestReply, Action::Reply),
            convert: can(Perm::ContactRequestResolve, Action::Convert),
            lose: can(Perm::ContactRequestResolve, Action::Lose),
        },
        me: page.staff.user.id.clone(),
        timeline,
        chrome: page.chrome(
            "leads",
            f.map(|m| (m.kind().to_string(), m.message().to_string())),
        ),
    })
}

/// `POST /admin/contact-requests/<id>/<action>` — the permission of the action.
#[post("/admin/contact-requests/<id>/<action>", data = "<form>")]
async fn act(
    app: &State<App>,
    page: Page,
    id: &str,
    action: &str,
    form: Form<LeadActionForm>,
) -> Result<Flash<Redirect>, Status> {
    page.check_csrf(form.csrf.as_deref())?;
    let Some((action, mv)) = form.lifecycle_move(action) else {
        return Err(Status::NotFound);
    };
    let perm = match action {
        Action::Assign => Perm::ContactRequestAssign,
        Action::Reply => Perm::ContactRequestReply,
        Action::Convert | Action::Lose => Perm::ContactRequestResolve,
    };
    if !page.role.can(perm) {
        return Err(Status::Forbidden);
    }
    let back = Redirect::to(format!("/admin/contact-requests/{id}"));
    match service::apply(
        app,
        page.workspace.id.clone(),
        id.to_string(),
        page.staff.user.id.clone(),
        Step::Move(mv),
    )
    .await
    {
        Ok(_) => Ok(Flash::success(back, page.t().done)),
        Err(e) if e.status == Status::NotFound => Err(Status::NotFound),
        Err(e) => Ok(Flash::error(back, e.message)),
    }
}
