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
use crate::admin::i18n::Strings;
use crate::admin::{render, when, Chrome, Page};
use crate::app::App;
use crate::auth::permissions::LeadAction as A;
use crate::error::FieldErrors;
use crate::leads::timeline;
use crate::util;
use crate::workspaces::model::{Workspace, PLAN_USER_TYPES};

/// The HTTP routes of these pages.
pub fn routes() -> Vec<Route> {
    routes![list, detail, change]
}

struct Row {
    id: String,
    created_at: String,
    created: String,
    created_title: String,
    name: String,
    company: String,
    user_type: &'static str,
    plan: String,
    estimate: String,
    status: String,
    status_label: &'static str,
    verified: bool,
}

/// A selection status in the viewer's language.
fn status_label(t: &Strings, v: &str) -> &'static str {
    match v {
        "pending" => t.ps_pending,
        "contacted" => t.ps_contacted,
        "converted" => t.ps_converted,
        _ => t.ps_expired,
    }
}

/// The label of a quote figure.
fn field_label(t: &Strings, f: &str) -> &'static str {
    match f {
        "planMonthlyMin" => t.pf_plan_monthly_min,
        "planMonthlyMax" => t.pf_plan_monthly_max,
        "addOnsMonthlyAmount" => t.pf_add_ons_monthly,
        "addOnsOneTimeAmount" => t.pf_add_ons_one_time,
        "gstRate" => t.pf_gst,
        "estimatedFirstMonthMin" => t.pf_first_month_min,
        "estimatedFirstMonthMax" => t.pf_first_month_max,
        "estimatedRecurringMin" => t.pf_recurring_min,
        _ => t.pf_recurring_max,
    }
}

/// A plan's display name from the catalogue, or its code when it is no longer there.
fn plan_name(ws: &Workspace, code: &str) -> String {
    ws.plans
        .iter()
        .find(|p| p.code == code)
        .map(|p| p.name.clone())
        .unwrap_or_else(|| code.to_string())
}

/// `AUD 1,200 – 1,500`: a range of minor units.
fn range(lang: &str, min: i64, max: i64, currency: &str) -> String {
    if min == max {
        when::money(lang, min, currency)
    } else {
        format!(
            "{} – {}",
            when::money(lang, min, currency),
            when::money(lang, max, currency)
        )
    }
}

#[derive(Template)]
#[template(path = "pricing_list.html")]
struct ListPage {
    chrome: Chrome,
    rows: Vec<Row>,
    status: String,
    user_type: String,
    q: String,
    statuses: Vec<(&'static str, &'static str)>,
    user_types: Vec<(&'static str, &'static str)>,
    sort: String,
    errors: Vec<(String, String)>,
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
            let (rows, total) = queries::list(
                c,
                &ws,
                &f,
                &cut,
                sort,
                paging.limit,
                (paging.page - 1) * paging.limit,
            )?;
            let mut out = Vec::with_capacity(rows.len());
            for s in rows {
                let u = crate::end_users::get(c, &ws, &s.user_id)?;
                out.push((s, service::UserSummary::of(u.as_ref())));
            }
            Ok((out, total))
        })
        .await
        .map_err(|e| e.status)?;
    let (t, local, now) = (page.t(), page.local(), util::rfc3339(app.scope().now));
    let w = &page.workspace;
    let rows = rows
        .into_iter()
        .map(|(s, u)| Row {
            id: s.id.clone(),
            created: when::relative(t, &s.created_at, &now),
            created_title: local.short(&s.created_at),
            created_at: s.created_at.clone(),
            name: u
                .name
                .clone()
                .or(u.email.clone())
                .unwrap_or_else(|| s.user_id.clone()),
            company: u.company.clone().unwrap_or_default(),
            user_type: crate::admin::i18n::user_type_label(t, &s.user_type),
            plan: plan_name(w, &s.selected_plan_code),
            estimate: range(t.lang, s.pricing.0[7], s.pricing.0[8], &w.currency),
            status_label: status_label(t, &s.status),
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
    if let Some(q) = &filter.q {
        qs.push(app.seal.param(q));
    }
    render(&ListPage {
        rows,
        status: filter.status.unwrap_or_default(),
        user_type: filter.user_type.unwrap_or_default(),
        q: filter.q.unwrap_or_default(),
        statuses: STATUSES.iter().map(|v| (*v, status_label(t, v))).collect(),
        user_types: PLAN_USER_TYPES
            .iter()
            .map(|v| (*v, crate::admin::i18n::user_type_label(t, v)))
            .collect(),
        sort: if sort.0.contains("captured") {
            "capturedAt".into()
        } else {
            "createdAt".into()
        },
        errors: crate::admin::i18n::errors(page.t(), &errs.into_map()),
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
    base: String,
    status: String,
    status_label: &'static str,
    title: String,
    /// (label, text, the instant when the fact is a time, else empty).
    user: Vec<(&'static str, String, String)>,
    quote: Vec<(&'static str, String, String, bool)>,
    verified: bool,
    notes: String,
    can_contact: bool,
    can_convert: bool,
    can_note: bool,
    person: crate::admin::PersonBox,
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
    let (t, local) = (page.t(), page.local());
    let w = &page.workspace;
    let o = |v: &Option<String>| v.clone().unwrap_or_default();
    let check = &sel.pricing_check;
    let show = |f: &str, minor: i64| {
        if f == "gstRate" {
            format!("{} %", crate::domain::minor_to_number(minor))
        } else {
            when::money(t.lang, minor, &w.currency)
        }
    };
    let quote = PRICING_FIELDS
        .iter()
        .zip(sel.pricing.0)
        .map(|(f, sent)| {
            (
                field_label(t, f),
                show(f, sent),
                check
                    .expected
                    .get(*f)
                    .map(|v| show(f, (v * 100.0).round() as i64))
                    .unwrap_or_default(),
                check.mismatches.iter().any(|m| m == f),
            )
        })
        .collect();
    let add_ons: Vec<String> = sel
        .selected_add_on_codes
        .iter()
        .map(|c| {
            w.add_ons
                .iter()
                .find(|a| a.code == *c)
                .map(|a| a.name.clone())
                .unwrap_or_else(|| c.clone())
        })
        .collect();
    let may = page.role.can(perm(A::UpdateStatus));
    let names = page.members(app).await?;
    let notes = page.notes(app, &sel.id).await?;
    let person = page.person_box(app, &sel.id).await?;
    // Like a contact request's: the end user who chose it, else where it came from.
    let sender = user
        .name
        .clone()
        .or(user.email.clone())
        .unwrap_or_else(|| super::kind::META.sender.get(t.lang).to_string());
    let timeline = timeline::items(&timeline, &notes, t, &local, &names, &sender);
    render(&DetailPage {
        id: sel.id.clone(),
        base: format!("/admin/pricing/{}", sel.id),
        status: sel.status.clone(),
        status_label: status_label(t, &sel.status),
        title: user
            .name
            .clone()
            .or(user.email.clone())
            .unwrap_or_else(|| t.nav_pricing.to_string()),
        user: vec![
            (t.name, o(&user.name), String::new()),
            (t.email, o(&user.email), String::new()),
            (t.company, o(&user.company), String::new()),
            (
                t.user_type,
                crate::admin::i18n::user_type_label(t, &sel.user_type).to_string(),
                String::new(),
            ),
            (t.plan, plan_name(w, &sel.selected_plan_code), String::new()),
            (t.add_ons, add_ons.join(", "), String::new()),
            (
                t.captured_at,
                local.short(&sel.captured_at),
                sel.captured_at.clone(),
            ),
            (
                t.received,
                local.short(&sel.created_at),
                sel.created_at.clone(),
            ),
        ],
        quote,
        verified: check.verified,
        notes: o(&sel.notes),
        can_contact: may && sel.status == "pending",
        can_convert: may && sel.status == "contacted",
        can_note: page.role.can(perm(A::Note)),
        person,
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
        Ok(_) => Ok(Flash::success(back, page.t().did_status)),
        Err(e) if e.status == Status::NotFound => Err(Status::NotFound),
        Err(e) => Ok(Flash::error(back, e.message)),
    }
}
