//! Contact-request management (staff or API token, workspace-scoped, permission-gated).

use rocket::{delete, get, post, routes, Route, State};
use serde::Deserialize;
use serde_json::json;

use super::service::{self, Step};
use crate::app::App;
use crate::auth::permissions::Perm;
use crate::error::FieldErrors;
use crate::inquiries::api::ListQuery;
use crate::json::{ok, ApiResult, Body};
use crate::lifecycle::Move;
use crate::paging;
use crate::workspaces::guard::Ctx;

/// The HTTP routes of the management API.
pub fn routes() -> Vec<Route> {
    routes![list, find, assign, reply, convert, lose, remove, restore]
}

/// `GET /api/v1/contact-requests` — ContactRequestPermissions.Find.
#[get("/api/v1/contact-requests?<query..>")]
async fn list(app: &State<App>, ctx: Ctx, query: ListQuery) -> ApiResult {
    ctx.require(Perm::ContactRequestFind)?;
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
    Ok(ok(paging::paged(items, page, total)))
}

/// `GET /api/v1/contact-requests/<id>` — ContactRequestPermissions.FindById; with the timeline.
#[get("/api/v1/contact-requests/<id>")]
async fn find(app: &State<App>, ctx: Ctx, id: &str) -> ApiResult {
    ctx.require(Perm::ContactRequestFindById)?;
    let (req, user, timeline) =
        service::find(app, ctx.workspace.id.clone(), id.to_string()).await?;
    let mut v = req.to_json(user.as_ref());
    v["timeline"] = json!(timeline);
    Ok(ok(v))
}

async fn step(app: &App, ctx: &Ctx, perm: Perm, id: &str, step: Step) -> ApiResult {
    ctx.require(perm)?;
    let req = service::apply(
        app,
        ctx.workspace.id.clone(),
        id.to_string(),
        ctx.staff.user.id.clone(),
        step,
    )
    .await?;
    Ok(ok(req.to_json(None)))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Fields {
    assignee_id: Option<String>,
    body: Option<String>,
    reason: Option<String>,
}

/// `POST /api/v1/contact-requests/<id>/assign` — ContactRequestPermissions.Assign.
#[post("/api/v1/contact-requests/<id>/assign", data = "<body>")]
async fn assign(app: &State<App>, ctx: Ctx, id: &str, body: Body<Fields>) -> ApiResult {
    let mv = Move::Assign(body.0.assignee_id.unwrap_or_default());
    step(app, &ctx, Perm::ContactRequestAssign, id, Step::Move(mv)).await
}

/// `POST /api/v1/contact-requests/<id>/reply` — ContactRequestPermissions.Reply.
#[post("/api/v1/contact-requests/<id>/reply", data = "<body>")]
async fn reply(app: &State<App>, ctx: Ctx, id: &str, body: Body<Fields>) -> ApiResult {
    let mv = Move::Reply(body.0.body.unwrap_or_default());
    step(app, &ctx, Perm::ContactRequestReply, id, Step::Move(mv)).await
}

/// `POST /api/v1/contact-requests/<id>/convert` — ContactRequestPermissions.Resolve.
#[post("/api/v1/contact-requests/<id>/convert")]
async fn convert(app: &State<App>, ctx: Ctx, id: &str) -> ApiResult {
    step(
        app,
        &ctx,
        Perm::ContactRequestResolve,
        id,
        Step::Move(Move::Convert),
    )
    .await
}

/// `POST /api/v1/contact-requests/<id>/lose` — ContactRequestPermissions.Resolve.
#[post("/api/v1/contact-requests/<id>/lose", data = "<body>")]
async fn lose(app: &State<App>, ctx: Ctx, id: &str, body: Body<Fields>) -> ApiResult {
    let mv = Move::Lose(body.0.reason.unwrap_or_default());
    step(app, &ctx, Perm::ContactRequestResolve, id, Step::Move(mv)).await
}

/// `DELETE /api/v1/contact-requests/<id>` — ContactRequestPermissions.Delete: soft delete.
#[delete("/api/v1/contact-requests/<id>")]
async fn remove(app: &State<App>, ctx: Ctx, id: &str) -> ApiResult {
    ctx.require(Perm::ContactRequestDelete)?;
    let req = service::apply(
        app,
        ctx.workspace.id.clone(),
        id.to_string(),
        ctx.staff.user.id.clone(),
        Step::Delete,
    )
    .await?;
    Ok(ok(json!({ "id": req.id, "deleted": true })))
}

/// `POST /api/v1/contact-requests/<id>/restore` — ContactRequestPermissions.Delete.
#[post("/api/v1/contact-requests/<id>/restore")]
async fn restore(app: &State<App>, ctx: Ctx, id: &str) -> ApiResult {
    step(app, &ctx, Perm::ContactRequestDelete, id, Step::Restore).await
}
