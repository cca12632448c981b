//! The API every lead kind gets from the registry: the unified inbox (`GET /api/v1/leads`),
//! one inbox row by id, and the shared lifecycle calls of the kinds that use the lifecycle.

use rocket::{delete, get, post, routes, Route, State};
use serde::Deserialize;
use serde_json::json;

use super::inbox::{self, readable, LeadsQuery};
use super::lifecycle::{self, Move, Step};
use crate::app::App;
use crate::auth::permissions::LeadAction;
use crate::error::{ApiError, FieldErrors};
use crate::json::{ok, ApiResult, OptBody};
use crate::paging;
use crate::workspaces::guard::Ctx;

/// The HTTP routes of the shared lead API.
pub fn routes() -> Vec<Route> {
    routes![list, new_count, one, step, remove]
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
    Ok(ok(json!({ "count": count })))
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

/// The body of any lifecycle call; each call reads the field it needs.
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct StepBody {
    assignee_id: Option<String>,
    body: Option<String>,
    reason: Option<String>,
}

/// Runs a lifecycle step on a lead of the kind behind `collection`.
async fn run(app: &App, ctx: &Ctx, collection: &str, id: &str, step: Step) -> ApiResult {
    let kind = app
        .kinds
        .by_collection(collection)
        .filter(|k| k.lifecycle_table().is_some())
        .cloned()
        .ok_or_else(ApiError::not_found)?;
    ctx.require(kind.perm(step.action()))?;
    if let Step::Move(mv) = &step {
        mv.validate()?;
    }
    let deleting = matches!(step, Step::Delete);
    let (ws, actor, id, scope) = (
        ctx.workspace.id.clone(),
        ctx.staff.user.id.clone(),
        id.to_string(),
        app.scope(),
    );
    let lead = app
        .store
        .write(move |tx| lifecycle::apply(tx, kind.as_ref(), &ws, &id, &actor, step, &scope))
        .await?;
    if deleting {
        return Ok(ok(json!({ "id": lead["id"], "deleted": true })));
    }
    Ok(ok(lead))
}

/// `POST /api/v1/<collection>/<id>/<action>` — assign (Assign), reply (Reply), convert and
/// lose (Resolve), restore (Delete), on any kind that follows the lifecycle.
#[post("/api/v1/<collection>/<id>/<action>", data = "<body>", rank = 20)]
async fn step(
    app: &State<App>,
    ctx: Ctx,
    collection: &str,
    id: &str,
    action: &str,
    body: OptBody<StepBody>,
) -> ApiResult {
    let b = body.0;
    let text = |v: Option<String>| v.unwrap_or_default();
    let step = match action {
        "assign" => Step::Move(Move::Assign(text(b.assignee_id))),
        "reply" => Step::Move(Move::Reply(text(b.body))),
        "convert" => Step::Move(Move::Convert),
        "lose" => Step::Move(Move::Lose(text(b.reason))),
        "restore" => Step::Restore,
        _ => return Err(ApiError::not_found()),
    };
    run(app, &ctx, collection, id, step).await
}

/// `DELETE /api/v1/<collection>/<id>` — the kind's Delete permission: soft delete.
#[delete("/api/v1/<collection>/<id>", rank = 20)]
async fn remove(app: &State<App>, ctx: Ctx, collection: &str, id: &str) -> ApiResult {
    run(app, &ctx, collection, id, Step::Delete).await
}
