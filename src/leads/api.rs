//! The API every lead kind gets from the registry: the unified inbox (`GET /api/v1/leads`),
//! one inbox row by id, and the shared lifecycle calls of the kinds that use the lifecycle.

use std::sync::Arc;

use rocket::request::{FromRequest, Outcome, Request};
use rocket::{delete, get, post, routes, Route, State};
use schemars::JsonSchema;
use serde::Deserialize;

use super::inbox::{self, readable, InboxRow, LeadsQuery};
use super::kind::LeadKind;
use super::lifecycle::{self, Move, Step};
use crate::app::App;
use crate::auth::permissions::LeadAction;
use crate::error::{ApiError, FieldErrors};
use crate::json::{ok, ApiResult, Body};
use crate::ops::openapi::{Count, Deleted, Operation};
use crate::paging::{self, Paged};
use crate::workspaces::guard::Ctx;

/// The HTTP routes of the shared lead API.
pub fn routes() -> Vec<Route> {
    routes![list, new_count, one]
}

/// The lifecycle routes, mounted once at `/api/v1/{collection}` of every lifecycle kind.
pub fn lifecycle_routes() -> Vec<Route> {
    routes![assign, reply, lose, convert, restore, remove]
}

/// The lifecycle kind whose base the matched route is mounted at (`/api/v1/{collection}` or
/// its admin path).
pub struct Mounted(pub Arc<dyn LeadKind>);

#[rocket::async_trait]
impl<'r> FromRequest<'r> for Mounted {
    type Error = ();
    async fn from_request(req: &'r Request<'_>) -> Outcome<Self, ()> {
        let base = req
            .route()
            .map(|r| r.uri.base().to_string())
            .unwrap_or_default();
        let found = App::of(req).kinds.all().iter().find(|k| {
            k.lifecycle_table().is_some()
                && (base == format!("/api/v1/{}", k.collection()) || base == k.admin_path())
        });
        match found {
            Some(k) => Outcome::Success(Mounted(k.clone())),
            None => Outcome::Forward(rocket::http::Status::NotFound),
        }
    }
}

/// `GET /api/v1/leads` — each kind's Find permission; kinds the role cannot read are left out.
#[get("/api/v1/leads?<query..>")]
async fn list(app: &State<App>, ctx: Ctx, query: LeadsQuery) -> ApiResult {
    let readable = readable(&app.kinds, ctx.role);
    if readable.is_empty() {
        return Err(ApiError::forbidden("Your role may read no lead kind"));
    }
    let mut errs = FieldErrors::default();
    let inbox = query.parse(&app.kinds, &readable, &mut errs);
    errs.finish()?;
    let (ws, kinds, scope, page) = (
        ctx.workspace.id.clone(),
        app.kinds.clone(),
        app.scope(),
        inbox.page,
    );
    let (items, total) = app
        .store
        .read(move |c| inbox::page_of(c, &kinds, &scope, &ws, &inbox))
        .await?;
    Ok(ok(paging::paged(items, page, total)))
}

/// `GET /api/v1/leads/new-count` — the Find permission of any kind: `{count}` of leads
/// waiting in their fresh status (NEW, pending) across the kinds the role may read.
#[get("/api/v1/leads/new-count")]
async fn new_count(app: &State<App>, ctx: Ctx) -> ApiResult {
    let readable = readable(&app.kinds, ctx.role);
    if readable.is_empty() {
        return Err(ApiError::forbidden("Your role may read no lead kind"));
    }
    let (ws, kinds, scope) = (ctx.workspace.id.clone(), app.kinds.clone(), app.scope());
    let count = app
        .store
        .read(move |c| inbox::count_fresh(c, &kinds, &scope, &ws, &readable))
        .await?;
    Ok(ok(Count { count }))
}

/// `GET /api/v1/leads/<id>` — the Find permission of the lead's kind: one lead as an inbox
/// row (what the admin's live toast and row show).
#[get("/api/v1/leads/<id>")]
async fn one(app: &State<App>, ctx: Ctx, id: &str) -> ApiResult {
    let kind = app.kinds.of_record(id).ok_or_else(ApiError::not_found)?;
    ctx.require(kind.perm(LeadAction::Find))?;
    let (ws, kinds, scope, id) = (
        ctx.workspace.id.clone(),
        app.kinds.clone(),
        app.scope(),
        id.to_string(),
    );
    let row = app
        .store
        .read(move |c| inbox::one(c, &kinds, &scope, &ws, &id))
        .await?
        .ok_or_else(ApiError::not_found)?;
    Ok(ok(row))
}

/// `{assigneeId}`: who takes the lead.
#[derive(Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct AssignBody {
    /// A member of the workspace.
    #[schemars(length(min = 1, max = 100))]
    pub assignee_id: String,
}

/// `{body}`: the reply's text.
#[derive(Deserialize, JsonSchema)]
pub struct ReplyBody {
    /// What was answered.
    #[schemars(length(min = 1, max = 10000), pattern(crate::domain::TEXT))]
    pub body: String,
}

/// `{reason}`: why the lead was lost.
#[derive(Deserialize, JsonSchema)]
pub struct LoseBody {
    /// Why.
    #[schemars(length(min = 1, max = 1000), pattern(crate::domain::TEXT))]
    pub reason: String,
}

/// Runs a lifecycle step on a lead of the mounted kind.
async fn run(app: &App, ctx: &Ctx, kind: Mounted, id: &str, step: Step) -> ApiResult {
    let kind = kind.0;
    ctx.require(kind.perm(step.action()))?;
    if let Step::Move(mv) = &step {
        mv.validate()?;
    }
    let deleting = matches!(step, Step::Delete);
    let (ws, actor, lead_id, scope) = (
        ctx.workspace.id.clone(),
        ctx.staff.user.id.clone(),
        id.to_string(),
        app.scope(),
    );
    let kinds = app.kinds.clone();
    let lead = app
        .store
        .write(move |tx| {
            let lead = lifecycle::apply(tx, kind.as_ref(), &ws, &lead_id, &actor, step, &scope)?;
            super::routing::assign::drain(tx, &kinds, &ws, &crate::util::rfc3339(scope.now))?;
            Ok(lead)
        })
        .await?;
    if deleting {
        return Ok(ok(Deleted {
            id: id.to_string(),
            deleted: true,
        }));
    }
    Ok(ok(lead))
}

/// `POST /api/v1/{collection}/<id>/assign` — the kind's Assign permission.
#[post("/<id>/assign", data = "<body>")]
async fn assign(
    app: &State<App>,
    ctx: Ctx,
    kind: Mounted,
    id: &str,
    body: Body<AssignBody>,
) -> ApiResult {
    let step = Step::Move(Move::Assign(body.0.assignee_id));
    run(app, &ctx, kind, id, step).await
}

/// `POST /api/v1/{collection}/<id>/reply` — the kind's Reply permission.
#[post("/<id>/reply", data = "<body>")]
async fn reply(
    app: &State<App>,
    ctx: Ctx,
    kind: Mounted,
    id: &str,
    body: Body<ReplyBody>,
) -> ApiResult {
    let step = Step::Move(Move::Reply(body.0.body));
    run(app, &ctx, kind, id, step).await
}

/// `POST /api/v1/{collection}/<id>/lose` — the kind's Resolve permission; a reason is required.
#[post("/<id>/lose", data = "<body>")]
async fn lose(
    app: &State<App>,
    ctx: Ctx,
    kind: Mounted,
    id: &str,
    body: Body<LoseBody>,
) -> ApiResult {
    let step = Step::Move(Move::Lose(body.0.reason));
    run(app, &ctx, kind, id, step).await
}

/// `POST /api/v1/{collection}/<id>/convert` — the kind's Resolve permission (any body is
/// ignored).
#[post("/<id>/convert")]
async fn convert(app: &State<App>, ctx: Ctx, kind: Mounted, id: &str) -> ApiResult {
    run(app, &ctx, kind, id, Step::Move(Move::Convert)).await
}

/// `POST /api/v1/{collection}/<id>/restore` — the kind's Delete permission.
#[post("/<id>/restore")]
async fn restore(app: &State<App>, ctx: Ctx, kind: Mounted, id: &str) -> ApiResult {
    run(app, &ctx, kind, id, Step::Restore).await
}

/// `DELETE /api/v1/{collection}/<id>` — the kind's Delete permission: soft delete.
#[delete("/<id>")]
async fn remove(app: &State<App>, ctx: Ctx, kind: Mounted, id: &str) -> ApiResult {
    run(app, &ctx, kind, id, Step::Delete).await
}

/// The operations of the shared lead API (the lifecycle ones are added per kind).
pub fn operations(kinds: &super::kind::Registry) -> Vec<Operation> {
    let ids: Vec<String> = kinds.all().iter().map(|k| k.id().to_string()).collect();
    let mut statuses: Vec<String> = vec![];
    for k in kinds.all() {
        for s in k.statuses() {
            if !statuses.iter().any(|v| v == s.value) {
                statuses.push(s.value.to_string());
            }
        }
    }
    vec![
        Operation::new(
            "get",
            "/api/v1/leads",
            "Every lead kind in one list, newest first (kind, status, assigneeId, q, from, to; paging and sorting)",
            "Find permission of each kind",
        )
        .query::<LeadsQuery>()
        .choices("kind", ids)
        .choices("status", statuses)
        .ok::<Paged<InboxRow>>(200, "One page of the inbox"),
        Operation::new(
            "get",
            "/api/v1/leads/new-count",
            "Leads waiting in their fresh status (NEW, pending) across the kinds the role may read",
            "Find permission of any kind",
        )
        .ok::<Count>(200, "How many"),
        Operation::new(
            "get",
            "/api/v1/leads/{id}",
            "One lead of any kind as an inbox row",
            "Find permission of the lead's kind",
        )
        .ok::<InboxRow>(200, "The lead"),
    ]
}
