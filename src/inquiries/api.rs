//! The inquiry management API (staff or API token, workspace-scoped, permission-gated).

use rocket::{get, patch, post, routes, Route, State};
use serde_json::Value;

use super::kind::perm;
use super::model::{fields_from_json, Contact, OWN_FILTERS};
use super::service::{self, Step};
use crate::app::App;
use crate::auth::permissions::LeadAction as A;
use crate::error::ApiError;
use crate::json::{created, ok, ApiResult, Body};
use crate::leads::kind::Input;
use crate::leads::list::{ListQuery, WithTimeline};
use crate::ops::openapi::Count;
use crate::paging;
use crate::workspaces::guard::Ctx;

/// The HTTP routes of the management API.
pub fn routes() -> Vec<Route> {
    routes![list, count, find, create, edit, not_spam, mark_spam]
}

/// `GET /api/v1/inquiries` — InquiryPermissions.Find.
#[get("/api/v1/inquiries?<query..>")]
async fn list(app: &State<App>, ctx: Ctx, query: ListQuery) -> ApiResult {
    ctx.require(perm(A::Find))?;
    let (filter, page, sort) = query.parse(OWN_FILTERS)?;
    let (items, total) = service::list(app, ctx.workspace.id.clone(), filter, sort, page).await?;
    Ok(ok(paging::paged(
        items.iter().map(|i| i.view()).collect(),
        page,
        total,
    )))
}

/// `GET /api/v1/inquiries/count` — InquiryPermissions.Count.
#[get("/api/v1/inquiries/count?<query..>")]
async fn count(app: &State<App>, ctx: Ctx, query: ListQuery) -> ApiResult {
    ctx.require(perm(A::Count))?;
    // Paging and sorting do not change a count, but they are checked like everywhere else.
    let (filter, _, _) = query.parse(OWN_FILTERS)?;
    let ws = ctx.workspace.id.clone();
    let n = app
        .store
        .read(move |c| super::queries::count(c, &ws, &filter))
        .await?;
    Ok(ok(Count { count: n }))
}

/// `GET /api/v1/inquiries/<id>` — InquiryPermissions.FindById; with the timeline.
#[get("/api/v1/inquiries/<id>", rank = 2)]
async fn find(app: &State<App>, ctx: Ctx, id: &str) -> ApiResult {
    ctx.require(perm(A::FindById))?;
    let (inq, timeline) = service::find(app, ctx.workspace.id.clone(), id.to_string()).await?;
    Ok(ok(WithTimeline {
        lead: inq.view(),
        timeline,
    }))
}

/// `POST /api/v1/inquiries` — InquiryPermissions.Create: a lead entered by staff.
#[post("/api/v1/inquiries", data = "<body>")]
async fn create(app: &State<App>, ctx: Ctx, body: Body<Value>) -> ApiResult {
    ctx.require(perm(A::Create))?;
    let obj = body
        .0
        .as_object()
        .cloned()
        .ok_or_else(|| ApiError::validation("body", "must be a JSON object"))?;
    let contact = Contact::parse(fields_from_json(obj))?;
    let new = service::NewInquiry {
        contact,
        spam_threshold: ctx.workspace.spam_threshold,
        ..Default::default()
    };
    let staff = Some(ctx.staff.user.id.clone());
    let inq = service::create(app, ctx.workspace.id.clone(), new, "staff", staff).await?;
    Ok(created(inq.view()))
}

/// `PATCH /api/v1/inquiries/<id>` — InquiryPermissions.Update: contact and business fields.
#[patch("/api/v1/inquiries/<id>", data = "<body>")]
async fn edit(app: &State<App>, ctx: Ctx, id: &str, body: Body<Value>) -> ApiResult {
    let obj = body
        .0
        .as_object()
        .cloned()
        .ok_or_else(|| ApiError::validation("body", "must be a JSON object"))?;
    step(app, &ctx, id, Step::Edit(fields_from_json(obj))).await
}

/// Runs an inquiry-only change (edit, not spam); both need InquiryPermissions.Update.
async fn step(app: &App, ctx: &Ctx, id: &str, step: Step) -> ApiResult {
    ctx.require(perm(A::Update))?;
    let inq = service::apply(
        app,
        ctx.workspace.id.clone(),
        id.to_string(),
        ctx.staff.user.id.clone(),
        step,
    )
    .await?;
    Ok(ok(inq.view()))
}

/// `POST /api/v1/inquiries/<id>/not-spam` — InquiryPermissions.Update: out of the spam folder,
/// as NEW when it was held since its capture, as it was when staff had marked it spam.
#[post("/api/v1/inquiries/<id>/not-spam")]
async fn not_spam(app: &State<App>, ctx: Ctx, id: &str) -> ApiResult {
    step(app, &ctx, id, Step::NotSpam).await
}

/// `POST /api/v1/inquiries/<id>/spam` — InquiryPermissions.Update: into the spam folder.
#[post("/api/v1/inquiries/<id>/spam")]
async fn mark_spam(app: &State<App>, ctx: Ctx, id: &str) -> ApiResult {
    step(app, &ctx, id, Step::MarkSpam).await
}
