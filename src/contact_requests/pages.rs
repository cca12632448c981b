//! The contact-request detail page (its lifecycle actions are the shared ones of
//! `leads::pages`) and the example pricing page that wires the widget.

use askama::Template;
use rocket::http::Status;
use rocket::request::FlashMessage;
use rocket::response::content::RawHtml;
use rocket::{get, routes, Route, State};

use super::kind::{perm, ContactRequests};
use super::service;
use crate::admin::{render, Chrome, Page};
use crate::app::App;
use crate::auth::permissions::{LeadAction as A, Perm};
use crate::leads::lifecycle::Allowed;
use crate::leads::timeline;

/// The HTTP routes of these pages.
pub fn routes() -> Vec<Route> {
    routes![detail, pricing_example]
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
    /// (label, text, the instant when the fact is a time, else empty).
    facts: Vec<(&'static str, String, String)>,
    a: Allowed,
    me: String,
    timeline: Vec<timeline::Item>,
    can_note: bool,
    person: crate::admin::PersonBox,
}

/// `GET /admin/contact-requests/<id>` — ContactRequestPermissions.FindById.
#[get("/admin/contact-requests/<id>")]
async fn detail(
    app: &State<App>,
    page: Page,
    id: &str,
    f: Option<FlashMessage<'_>>,
) -> Result<RawHtml<String>, Status> {
    if !page.role.can(perm(A::FindById)) {
        return Err(Status::Forbidden);
    }
    let (req, user, timeline) = service::find(app, page.workspace.id.clone(), id.to_string())
        .await
        .map_err(|e| e.status)?;
    let names = page.members(app).await?;
    let t = page.t();
    let local = page.local();
    let deleted = req.deleted_at.is_some();
    let name_of = |id: &str| names.iter().find(|(m, _)| m == id).map(|(_, n)| n.clone());
    let who = user
        .as_ref()
        .and_then(|u| u.name.clone())
        .or_else(|| req.account_email.clone())
        .unwrap_or_else(|| req.user_id.clone());
    let o = |v: &Option<String>| v.clone().unwrap_or_default();
    let facts = vec![
        (t.user, who.clone(), String::new()),
        (t.email, o(&req.account_email), String::new()),
        (
            t.company,
            user.as_ref().map(|u| o(&u.company)).unwrap_or_default(),
            String::new(),
        ),
        (t.plan, req.input.plan.clone(), String::new()),
        (t.quantity, req.input.quantity.to_string(), String::new()),
        (t.source, req.input.source.clone(), String::new()),
        (t.page_url, o(&req.input.page), String::new()),
        (
            t.received,
            local.short(&req.created_at),
            req.created_at.clone(),
        ),
        (
            t.assignee,
            req.progress
                .assignee_id
                .as_deref()
                .and_then(name_of)
                .unwrap_or_else(|| t.unassigned.to_string()),
            String::new(),
        ),
        (t.ip_address, o(&req.request_ip), String::new()),
        (t.user_agent, o(&req.user_agent), String::new()),
    ];
    let notes = page.notes(app, &req.id).await?;
    let person = page.person_box(app, &req.id).await?;
    let timeline = timeline::items(&timeline, &notes, t, &local, &names, &who);
    render(&DetailPage {
        base: format!("/admin/contact-requests/{}", req.id),
        members: names.clone(),
        who,
        status: req.progress.status.as_str(),
        status_label: req.progress.status.label().get(t.lang),
        deleted,
        facts,
        a: Allowed::of(
            page.role,
            &ContactRequests,
            req.progress.status,
            true,
            deleted,
        ),
        me: page.staff.user.id.clone(),
        timeline,
        can_note: page.role.can(perm(A::Note)),
        person,
        chrome: page.chrome(
            "leads",
            f.map(|m| (m.kind().to_string(), m.message().to_string())),
        ),
    })
}

#[derive(Template)]
#[template(path = "pricing_example.html")]
struct PricingPage {
    chrome: Chrome,
    title: &'static str,
    intro: &'static str,
    button: &'static str,
    quantity_label: &'static str,
    sales_email: String,
    plans: Vec<(&'static str, &'static str, &'static str)>,
}

/// `GET /examples/pricing` — WorkspacePermissions.Read: the widget wired to a pricing page.
#[get("/examples/pricing")]
fn pricing_example(page: Page) -> Result<RawHtml<String>, Status> {
    if !page.role.can(Perm::WorkspaceRead) {
        return Err(Status::Forbidden);
    }
    let t = page.t();
    render(&PricingPage {
        title: t.pricing_title,
        intro: t.pricing_intro,
        button: t.contact_sales,
        quantity_label: t.quantity,
        sales_email: page.workspace.sales_email.clone().unwrap_or_default(),
        plans: vec![
            ("payg", "Pay as you go", "$0.002 / unit"),
            ("monthly", "Monthly", "$499 / month"),
            ("annual", "Annual", "$4,990 / year"),
        ],
        chrome: page.chrome("pricing", None),
    })
}
