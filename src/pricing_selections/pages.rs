//! Admin pages: the pricing-selection list and the detail with its quote check, status
//! changes with notes, and timeline.

use askama::Template;
use rocket::form::{Form, FromForm};
use rocket::http::Status;
use rocket::request::FlashMessage;
use rocket::response::content::RawHtml;
use rocket::response::{Flash, Redirect};
use rocket::{get, post, routes, Route, State};

use super::api::SelectionQuery;
use super::kind::perm;
use super::model::{PRICING_FIELDS, STATUSES};
use super::queries;
use super::service;
use crate::admin::{render, Chrome, Page};
use crate::app::App;
use crate::auth::permissions::LeadAction as A;
use crate::error::FieldErrors;
use crate::leads::timeline;
use crate::util;
use crate::workspaces::model::PLAN_USER_TYPES;

/// The HTTP routes of these pages.
pub fn routes() -> Vec<Route> {
    routes![list, detail, change]
}

struct Row {
    id: String,
    created: String,
    user_type: String,
    plan: String,
    status: String,
    verified: bool,
}

#[derive(Template)]
#[template(path = "pricing_list.html")]
struct ListPage {
    chrome: Chrome,
    rows: Vec<Row>,
    status: String,
    user_type: String,
    statuses: [&'static str; 4],
    user_types: [&'static str; 5],
    errors: std::collections::BTreeMap<String, String>,
    page: i64,
    pages: i64,
    total: i64,
    query: String,
    can_export: bool,
}

/// `GET /admin/pricing` — PricingSelectionPermissions.Find.
#[get("/admin/pricing?<query..>")]
async fn list(
    app: &State<App>,
    page: Page,
    query: SelectionQuery,
) -> Result<RawHtml<String>, Status> {
    if !page.role.can(perm(A::Find)) {
        return Err(Status::Forbidden);
    }
    let mut errs = FieldErrors::default();
    let (filter, paging, sort) = query.parse(&mut errs);
    let cut = service::cutoffs(&app.clock);
    let ws = page.workspace.id.clone();
    let f = filter.clone();
    let (rows, total) = app
        .store
        .read(move |c| {
            queries::list(
                c,
                &ws,
                &f,
                &cut,
                sort,
                paging.limit,
                (paging.page - 1) * paging.limit,
            )
        })
        .await
        .map_err(|e| e.status)?;
    let rows = rows
        .into_iter()
        .map(|s| Row {
            id: s.id.clone(),
            created: util::short_time(&s.created_at),
            user_type: s.user_type.clone(),
            plan: s.selected_plan_code.clone(),
            status: s.status.clone(),
            verified: s.pricing_check.verified,
        })
        .collect();
    let mut qs = vec![];
    if let Some(s) = &filter.status {
        qs.push(format!("status={s}"));
    }
    if let Some(u) = &filter.user_type {
        qs.push(format!("userType={u}"));
    }
    render(&ListPage {
        rows,
        status: filter.status.unwrap_or_default(),
        user_type: filter.user_type.unwrap_or_default(),
        statuses: STATUSES,
        user_types: PLAN_USER_TYPES,
        errors: errs.into_map(),
        page: paging.page,
        pages: ((total + paging.limit - 1) / paging.limit).max(1),
        total,
        query: qs.join("&"),
        can_export: page.role.can(crate::auth::permissions::Perm::LeadExport),
        chrome: page.chrome("pricing-selections", None),
    })
}

#[derive(Template)]
#[template(path = "pricing_detail.html")]
struct DetailPage {
    chrome: Chrome,
    id: String,
    status: String,
    user: Vec<(&'static str, String)>,
    quote: Vec<(&'static str, String, String, bool)>,
    verified: bool,
    notes: String,
    can_contact: bool,
    can_convert: bool,
    timeline: Vec<timeline::Item>,
}

/// `GET /admin/pricing/<id>` — PricingSelectionPermissions.FindById.
#[get("/admin/pricing/<id>")]
async fn detail(
    app: &State<App>,
    page: Page,
    id: &str,
    f: Option<FlashMessage<'_>>,
) -> Result<RawHtml<String>, Status> {
    if !page.role.can(perm(A::FindById)) {
        return Err(Status::Forbidden);
    }
    let (sel, user, timeline) = service::by_id(app, page.workspace.id.clone(), id.to_string())
        .await
        .map_err(|e| e.status)?;
    let t = page.t();
    let o = |v: &Option<String>| v.clone().unwrap_or_default();
    let check = &sel.pricing_check;
    let quote = PRICING_FIELDS
        .iter()
        .zip(sel.pricing.0)
        .map(|(f, sent)| {
            (
                *f,
                crate::domain::minor_to_number(sent).to_string(),
                check
                    .expected
                    .get(*f)
                    .map(|v| {
                        if v.fract() == 0.0 {
                            format!("{}", *v as i64)
                        } else {
                            serde_json::json!(v).to_string()
                        }
                    })
                    .unwrap_or_default(),
                check.mismatches.iter().any(|m| m == f),
            )
        })
        .collect();
    let may = page.role.can(perm(A::UpdateStatus));
    let names = page.members(app).await?;
    let timeline = timeline::items(&timeline, t, &names, t.system);
    render(&DetailPage {
        id: sel.id.clone(),
        status: sel.status.clone(),
        user: vec![
            (t.name, o(&user.name)),
            (t.email, o(&user.email)),
            (t.company, o(&user.company)),
            ("User type", sel.user_type.clone()),
            (t.plan, sel.selected_plan_code.clone()),
            ("Add-ons", sel.selected_add_on_codes.join(", ")),
            ("Captured", sel.captured_at.clone()),
            (t.received, util::short_time(&sel.created_at)),
        ],
        quote,
        verified: check.verified,
        notes: o(&sel.notes),
        can_contact: may && sel.status == "pending",
        can_convert: may && sel.status == "contacted",
        timeline,
        chrome: page.chrome(
            "pricing-selections",
            f.map(|m| (m.kind().to_string(), m.message().to_string())),
        ),
    })
}

#[derive(FromForm)]
struct StatusForm {
    #[field(name = "_csrf")]
    csrf: Option<String>,
    status: Option<String>,
    notes: Option<String>,
}

/// `POST /admin/pricing/<id>/status` — PricingSelectionPermissions.UpdateStatus.
#[post("/admin/pricing/<id>/status", data = "<form>")]
async fn change(
    app: &State<App>,
    page: Page,
    id: &str,
    form: Form<StatusForm>,
) -> Result<Flash<Redirect>, Status> {
    page.check_csrf(form.csrf.as_deref())?;
    if !page.role.can(perm(A::UpdateStatus)) {
        return Err(Status::Forbidden);
    }
    let f = form.into_inner();
    let back = Redirect::to(format!("/admin/pricing/{id}"));
    let status = f.status.unwrap_or_default();
    if !STATUSES.contains(&status.as_str()) {
        return Err(Status::BadRequest);
    }
    let notes = match crate::domain::optional_text(f.notes.as_deref(), 5000) {
        Ok(n) => n,
        Err(m) => return Ok(Flash::error(back, format!("notes: {m}"))),
    };
    match service::set_status(
        app,
        page.workspace.id.clone(),
        id.to_string(),
        page.staff.user.id.clone(),
        status,
        notes,
    )
    .await
    {
        Ok(_) => Ok(Flash::success(back, page.t().done)),
        Err(e) if e.status == Status::NotFound => Err(Status::NotFound),
        Err(e) => Ok(Flash::error(back, e.message)),
    }
}
