//! The inquiry management API (staff or API token, workspace-scoped, permission-gated).

use rocket::form::FromForm;
use rocket::{delete, get, patch, post, routes, Route, State};
use serde::Deserialize;
use serde_json::{json, Value};

use super::model::{fields_from_json, Contact};
use super::queries::{Filter, Sort};
use super::service::{self, Step};
use crate::app::App;
use crate::auth::permissions::Perm;
use crate::error::{ApiError, FieldErrors};
use crate::json::{created, ok, ApiResult, Body};
use crate::lifecycle::Move;
use crate::lifecycle::Status;
use crate::paging;
use crate::workspaces::guard::Ctx;

/// The HTTP routes of the management API.
pub fn routes() -> Vec<Route> {
    routes![
        list, count, find, create, edit, remove, restore, assign, reply, convert, lose, not_spam
    ]
}

/// Query parameters of the list and count calls, all optional and validated by hand.
#[derive(FromForm, Default, Debug)]
pub struct ListQuery {
    status: Option<String>,
    #[field(name = "type")]
    kind: Option<String>,
    #[field(name = "assigneeId")]
    assignee_id: Option<String>,
    q: Option<String>,
    spam: Option<String>,
    deleted: Option<String>,
    from: Option<String>,
    to: Option<String>,
    page: Option<String>,
    limit: Option<String>,
    #[field(name = "sortBy")]
    sort_by: Option<String>,
    #[field(name = "sortOrder")]
    sort_order: Option<String>,
}

const SORTS: &[(&str, &str)] = &[
    ("createdAt", "created_at"),
    ("updatedAt", "updated_at"),
    ("status", "status"),
    ("name", "name"),
];

impl ListQuery {
    /// Validates the filters; every bad parameter is named.
    pub fn filter(&self, errs: &mut FieldErrors) -> Filter {
        let status = self
            .status
            .as_deref()
            .filter(|s| !s.trim().is_empty())
            .and_then(|s| errs.take("status", Status::parse(s)));
        let kind = self
            .kind
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .and_then(|k| {
                let k = k.to_lowercase();
                if super::model::TYPES.contains(&k.as_str()) {
                    Some(k)
                } else {
                    errs.add("type", "must be one of sales, partnership, support, other");
                    None
                }
            });
        let q = self
            .q
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .and_then(|q| {
                if q.chars().count() > 200 {
                    errs.add("q", "must be at most 200 characters");
                    None
                } else {
                    Some(q.to_string())
                }
            });
        Filter {
            status,
            kind,
            assignee_id: self.assignee_id.clone().filter(|s| !s.trim().is_empty()),
            q,
            spam: paging::parse_flag("spam", self.spam.as_deref(), errs),
            deleted: paging::parse_flag("deleted", self.deleted.as_deref(), errs),
            from: paging::parse_bound("from", self.from.as_deref(), false, errs),
            to: paging::parse_bound("to", self.to.as_deref(), true, errs),
        }
    }

    /// Validates paging and sorting.
    pub fn page_and_sort(&self, errs: &mut FieldErrors) -> (paging::Page, Sort) {
        let page = paging::parse_page(self.page.as_deref(), self.limit.as_deref(), errs);
        let (column, asc) = paging::parse_sort(
            self.sort_by.as_deref(),
            self.sort_order.as_deref(),
            SORTS,
            errs,
        );
        (page, Sort { column, asc })
    }
}

/// `GET /api/v1/inquiries` — InquiryPermissions.Find.
#[get("/api/v1/inquiries?<query..>")]
async fn list(app: &State<App>, ctx: Ctx, query: ListQuery) -> ApiResult {
    ctx.require(Perm::InquiryFind)?;
    let mut errs = FieldErrors::default();
    let filter = query.filter(&mut errs);
    let (page, sort) = query.page_and_sort(&mut errs);
    errs.finish()?;
    let (items, total) = service::list(
        app,
        ctx.workspace.id.clone(),
        filter,
        sort,
        page.page,
        page.limit,
    )
    .await?;
    Ok(ok(paging::paged(
        items.iter().map(|i| i.to_json()).collect(),
        page,
        total,
    )))
}

/// `GET /api/v1/inquiries/count` — InquiryPermissions.Count.
#[get("/api/v1/inquiries/count?<query..>")]
async fn count(app: &State<App>, ctx: Ctx, query: ListQuery) -> ApiResult {
    ctx.require(Perm::InquiryCount)?;
    let mut errs = FieldErrors::default();
    let filter = query.filter(&mut errs);
    errs.finish()?;
    let ws = ctx.workspace.id.clone();
    let n = app
        .store
        .read(move |c| super::queries::count(c, &ws, &filter))
        .await?;
    Ok(ok(json!({ "count": n })))
}

/// `GET /api/v1/inquiries/<id>` — InquiryPermissions.FindById; with the timeline.
#[get("/api/v1/inquiries/<id>", rank = 2)]
async fn find(app: &State<App>, ctx: Ctx, id: &str) -> ApiResult {
    ctx.require(Perm::InquiryFindById)?;
    let (inq, timeline) = service::find(app, ctx.workspace.id.clone(), id.to_string()).await?;
    let mut v = inq.to_json();
    v["timeline"] = json!(timeline);
    Ok(ok(v))
}

/// `POST /api/v1/inquiries` — InquiryPermissions.Create: a lead entered by staff.
#[post("/api/v1/inquiries", data = "<body>")]
async fn create(app: &State<App>, ctx: Ctx, body: Body<Value>) -> ApiResult {
    ctx.require(Perm::InquiryCreate)?;
    let obj = body
        .0
        .as_object()
        .cloned()
        .ok_or_else(|| ApiError::validation("body", "must be a JSON object"))?;
    let mut errs = FieldErrors::default();
    let contact = Contact::parse(&fields_from_json(obj), &mut errs);
    errs.finish()?;
    let contact = contact.ok_or_else(|| ApiError::validation("body", "is incomplete"))?;
    let inq = service::create(
        app,
        ctx.workspace.id.clone(),
        contact,
        "staff",
        Some(ctx.staff.user.id.clone()),
        vec![],
    )
    .await?;
    Ok(created(inq.to_json()))
}

async fn step(app: &App, ctx: &Ctx, perm: Perm, id: &str, step: Step) -> ApiResult {
    ctx.require(perm)?;
    let inq = service::apply(
        app,
        ctx.workspace.id.clone(),
        id.to_string(),
        ctx.staff.user.id.clone(),
        step,
    )
    .await?;
    Ok(ok(inq.to_json()))
}

/// `PATCH /api/v1/inquiries/<id>` — InquiryPermissions.Update: contact and business fields.
#[patch("/api/v1/inquiries/<id>", data = "<body>")]
async fn edit(app: &State<App>, ctx: Ctx, id: &str, body: Body<Value>) -> ApiResult {
    ctx.require(Perm::InquiryUpdate)?;
    let obj = body
        .0
        .as_object()
        .cloned()
        .ok_or_else(|| ApiError::validation("body", "must be a JSON object"))?;
    step(
        app,
        &ctx,
        Perm::InquiryUpdate,
        id,
        Step::Edit(fields_from_json(obj)),
    )
    .await
}

/// `DELETE /api/v1/inquiries/<id>` — InquiryPermissions.Delete: soft delete.
#[delete("/api/v1/inquiries/<id>")]
async fn remove(app: &State<App>, ctx: Ctx, id: &str) -> ApiResult {
    ctx.require(Perm::InquiryDelete)?;
    let inq = service::apply(
        app,
        ctx.workspace.id.clone(),
        id.to_string(),
        ctx.staff.user.id.clone(),
        Step::Delete,
    )
    .await?;
    Ok(ok(json!({ "id": inq.id, "deleted": true })))
}

/// `POST /api/v1/inquiries/<id>/restore` — InquiryPermissions.Delete.
#[post("/api/v1/inquiries/<id>/restore")]
async fn restore(app: &State<App>, ctx: Ctx, id: &str) -> ApiResult {
    step(app, &ctx, Perm::InquiryDelete, id, Step::Restore).await
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct AssignBody {
    assignee_id: Option<String>,
}

/// `POST /api/v1/inquiries/<id>/assign` — InquiryPermissions.Assign.
#[post("/api/v1/inquiries/<id>/assign", data = "<body>")]
async fn assign(app: &State<App>, ctx: Ctx, id: &str, body: Body<AssignBody>) -> ApiResult {
    let assignee = body.0.assignee_id.unwrap_or_default();
    step(
        app,
        &ctx,
        Perm::InquiryAssign,
        id,
        Step::Move(Move::Assign(assignee)),
    )
    .await
}

#[derive(Deserialize)]
struct ReplyBody {
    body: Option<String>,
}

/// `POST /api/v1/inquiries/<id>/reply` — InquiryPermissions.Reply.
#[post("/api/v1/inquiries/<id>/reply", data = "<body>")]
async fn reply(app: &State<App>, ctx: Ctx, id: &str, body: Body<ReplyBody>) -> ApiResult {
    step(
        app,
        &ctx,
        Perm::InquiryReply,
        id,
        Step::Move(Move::Reply(body.0.body.unwrap_or_default())),
    )
    .await
}

/// `POST /api/v1/inquiries/<id>/convert` — InquiryPermissions.Resolve.
#[post("/api/v1/inquiries/<id>/convert")]
async fn convert(app: &State<App>, ctx: Ctx, id: &str) -> ApiResult {
    step(
        app,
        &ctx,
        Perm::InquiryResolve,
        id,
        Step::Move(Move::Convert),
    )
    .await
}

#[derive(Deserialize)]
struct LoseBody {
    reason: Option<String>,
}

/// `POST /api/v1/inquiries/<id>/lose` — InquiryPermissions.Resolve; a reason is required.
#[post("/api/v1/inquiries/<id>/lose", data = "<body>")]
async fn lose(app: &State<App>, ctx: Ctx, id: &str, body: Body<LoseBody>) -> ApiResult {
    step(
        app,
        &ctx,
        Perm::InquiryResolve,
        id,
        Step::Move(Move::Lose(body.0.reason.unwrap_or_default())),
    )
    .await
}

/// `POST /api/v1/inquiries/<id>/not-spam` — InquiryPermissions.Update: releases it as NEW.
#[post("/api/v1/inquiries/<id>/not-spam")]
async fn not_spam(app: &State<App>, ctx: Ctx, id: &str) -> ApiResult {
    step(app, &ctx, Perm::InquiryUpdate, id, Step::NotSpam).await
}
