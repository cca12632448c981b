//! Contact-request reads (staff or API token, workspace-scoped, permission-gated); the
//! lifecycle calls are the shared ones of `leads::api`.

use rocket::{get, routes, Route, State};

use super::kind::perm;
use super::service;
use crate::app::App;
use crate::auth::permissions::LeadAction as A;
use crate::json::{ok, ApiResult};
use crate::leads::list::{ListQuery, Own, WithTimeline};
use crate::paging;
use crate::workspaces::guard::Ctx;

/// The HTTP routes of the management API.
pub fn routes() -> Vec<Route> {
    routes![list, find]
}

/// `GET /api/v1/contact-requests` — ContactRequestPermissions.Find.
#[get("/api/v1/contact-requests?<query..>")]
async fn list(app: &State<App>, ctx: Ctx, query: ListQuery) -> ApiResult {
    ctx.require(perm(A::Find))?;
    let (filter, page, sort) = query.parse(Own {
        types: &[],
        from_forms: false,
    })?;
    let (items, total) = service::list(app, ctx.workspace.id.clone(), filter, sort, page).await?;
    Ok(ok(paging::paged(items, page, total)))
}

/// `GET /api/v1/contact-requests/<id>` — ContactRequestPermissions.FindById; with the timeline.
#[get("/api/v1/contact-requests/<id>")]
async fn find(app: &State<App>, ctx: Ctx, id: &str) -> ApiResult {
    ctx.require(perm(A::FindById))?;
    let (req, user, timeline) =
        service::find(app, ctx.workspace.id.clone(), id.to_string()).await?;
    Ok(ok(WithTimeline {
        lead: req.view(user.as_ref()),
        timeline,
    }))
}
