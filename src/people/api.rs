//! `/api/v1/people`: the list with search, one person, merge, split, export and erase.

use rocket::{get, post, routes, Route, State};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{erase, Act, Person, PersonRow};
use crate::app::App;
use crate::auth::permissions::Perm;
use crate::error::{ApiError, FieldErrors};
use crate::json::{ok, ApiResult, Body};
use crate::leads::inbox::readable;
use crate::ops::openapi::Operation;
use crate::paging::{self, One, Paged};
use crate::workspaces::guard::Ctx;

/// The HTTP routes.
pub fn routes() -> Vec<Route> {
    routes![list, one, merge, split, export, erase_one]
}

/// Query of the people list.
#[derive(rocket::FromForm, Default, Debug, JsonSchema)]
pub struct PeopleQuery {
    /// Words in their leads' names, emails, companies, messages, replies and notes.
    #[schemars(length(min = 1, max = 200))]
    #[serde(default)]
    q: One,
    /// 1-based page (default 1).
    #[schemars(with = "Option<paging::PageNumber>")]
    #[serde(default)]
    page: One,
    /// Items per page, 1–100 (default 20).
    #[schemars(with = "Option<paging::PageSize>")]
    #[serde(default)]
    limit: One,
}

/// `{otherId}`: the person to merge into this one.
#[derive(Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct MergeBody {
    /// Another person of the workspace.
    #[schemars(length(min = 1, max = 100))]
    pub other_id: String,
}

/// `{leadIds}`: the leads that belong to someone else.
#[derive(Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct SplitBody {
    /// Leads of this person; at least one, and not all of them.
    #[schemars(length(min = 1, max = 500))]
    pub lead_ids: Vec<String>,
}

/// `{reason}`: why the person is erased (kept on the tombstone).
#[derive(Deserialize, JsonSchema)]
pub struct EraseBody {
    /// Why, e.g. "asked by email on 2 March".
    #[schemars(length(min = 1, max = 500), pattern(crate::domain::TEXT))]
    pub reason: String,
}

/// What a split answers.
#[derive(Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Split {
    /// The person the leads stayed with.
    pub person: Person,
    /// The new person the leads moved to.
    pub new_person_id: String,
}

/// What an erasure answers.
#[derive(Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Erased {
    /// The person.
    pub id: String,
    /// Always true.
    pub erased: bool,
    /// The leads whose personal data was erased.
    pub lead_ids: Vec<String>,
}

async fn load(app: &App, ctx: &Ctx, id: String) -> Result<Person, ApiError> {
    let (ws, kinds, read) = (
        ctx.workspace.id.clone(),
        app.kinds.clone(),
        readable(&app.kinds, ctx.role),
    );
    app.store
        .read(move |c| super::get(c, &kinds, &ws, &id, &read))
        .await?
        .ok_or_else(ApiError::not_found)
}

/// `GET /api/v1/people` — PersonPermissions.Find.
#[get("/api/v1/people?<query..>")]
async fn list(app: &State<App>, ctx: Ctx, query: PeopleQuery) -> ApiResult {
    ctx.require(Perm::PersonFind)?;
    let mut errs = FieldErrors::default();
    paging::once(
        &[
            ("q", &query.q),
            ("page", &query.page),
            ("limit", &query.limit),
        ],
        &mut errs,
    );
    let q = paging::parse_q(query.q.as_deref(), &mut errs);
    let page = paging::parse_page(query.page.as_deref(), query.limit.as_deref(), &mut errs);
    errs.finish()?;
    let ws = ctx.workspace.id.clone();
    let (items, total) = app
        .store
        .read(move |c| {
            super::list(
                c,
                &ws,
                q.as_deref(),
                page.limit,
                (page.page - 1) * page.limit,
            )
        })
        .await?;
    Ok(ok(paging::paged(items, page, total)))
}

/// `GET /api/v1/people/<id>` — PersonPermissions.Find: the person, every lead of the kinds
/// the role may read, and one merged timeline.
#[get("/api/v1/people/<id>")]
async fn one(app: &State<App>, ctx: Ctx, id: &str) -> ApiResult {
    ctx.require(Perm::PersonFind)?;
    Ok(ok(load(app, &ctx, id.to_string()).await?))
}

/// `POST /api/v1/people/<id>/merge` — PersonPermissions.Merge.
#[post("/api/v1/people/<id>/merge", data = "<body>")]
async fn merge(app: &State<App>, ctx: Ctx, id: &str, body: Body<MergeBody>) -> ApiResult {
    ctx.require(Perm::PersonMerge)?;
    let other = body.0.other_id.trim().to_string();
    if other.is_empty() {
        return Err(ApiError::validation("otherId", "is required"));
    }
    let Act {
        ws,
        kinds,
        me,
        scope,
        pid,
    } = Act::new(app, &ctx.workspace.id, &ctx.staff.user.id, id);
    app.store
        .write(move |tx| super::merge(tx, &kinds, &ws, &pid, &other, &me, &scope))
        .await?;
    Ok(ok(load(app, &ctx, id.to_string()).await?))
}

/// `POST /api/v1/people/<id>/split` — PersonPermissions.Merge: the leads named move to a new
/// person (undoes a merge).
#[post("/api/v1/people/<id>/split", data = "<body>")]
async fn split(app: &State<App>, ctx: Ctx, id: &str, body: Body<SplitBody>) -> ApiResult {
    ctx.require(Perm::PersonMerge)?;
    let mut leads: Vec<String> = vec![];
    for l in body.0.lead_ids {
        let l = l.trim().to_string();
        if !leads.contains(&l) {
            leads.push(l);
        }
    }
    if leads.len() > 500 {
        return Err(ApiError::validation(
            "leadIds",
            "must name at most 500 leads",
        ));
    }
    let Act {
        ws,
        kinds,
        me,
        scope,
        pid,
    } = Act::new(app, &ctx.workspace.id, &ctx.staff.user.id, id);
    let new_person_id = app
        .store
        .write(move |tx| super::split(tx, &kinds, &ws, &pid, &leads, &me, &scope))
        .await?;
    Ok(ok(Split {
        person: load(app, &ctx, id.to_string()).await?,
        new_person_id,
    }))
}

/// `GET /api/v1/people/<id>/export` — PersonPermissions.Export: everything held about the
/// person, as one JSON document (GDPR access).
#[get("/api/v1/people/<id>/export")]
async fn export(app: &State<App>, ctx: Ctx, id: &str) -> ApiResult {
    ctx.require(Perm::PersonExport)?;
    let (ws, kinds, scope, pid) = (
        ctx.workspace.id.clone(),
        app.kinds.clone(),
        app.scope(),
        id.to_string(),
    );
    let doc = app
        .store
        .read(move |c| erase::export(c, &kinds, &ws, &pid, &scope))
        .await?;
    tracing::info!(by = %ctx.staff.user.id, person = %id, "person exported");
    Ok(ok(doc))
}

/// `POST /api/v1/people/<id>/erase` — PersonPermissions.Erase: removes every personal field
/// of the person's records and events, leaving a tombstone.
#[post("/api/v1/people/<id>/erase", data = "<body>")]
async fn erase_one(app: &State<App>, ctx: Ctx, id: &str, body: Body<EraseBody>) -> ApiResult {
    ctx.require(Perm::PersonErase)?;
    let reason = body.0.reason.trim().to_string();
    if reason.is_empty() {
        return Err(ApiError::validation("reason", "is required"));
    }
    if reason.chars().count() > 500 {
        return Err(ApiError::validation(
            "reason",
            "must be at most 500 characters",
        ));
    }
    let id = erase_person(app, &ctx, id, reason).await?;
    Ok(ok(id))
}

/// Erases a person through the writer, then checkpoints the WAL.
pub async fn erase_person(
    app: &App,
    ctx: &Ctx,
    id: &str,
    reason: String,
) -> Result<Erased, ApiError> {
    let Act {
        ws,
        kinds,
        me,
        scope,
        pid,
    } = Act::new(app, &ctx.workspace.id, &ctx.staff.user.id, id);
    let lead_ids = app
        .store
        .write(move |tx| erase::erase(tx, &kinds, &ws, &pid, &me, &reason, &scope))
        .await?;
    if let Err(e) = app.store.checkpoint().await {
        tracing::warn!(error = %e, "checkpoint after an erasure failed");
    }
    tracing::info!(by = %ctx.staff.user.id, person = %id, leads = lead_ids.len(), "person erased");
    Ok(Erased {
        id: id.to_string(),
        erased: true,
        lead_ids,
    })
}

/// The operations of this capability.
pub fn operations() -> Vec<Operation> {
    vec![
        Operation::new(
            "get",
            "/api/v1/people",
            "People: everyone known under one email or end-user id, newest first; `q` searches their leads",
            "PersonPermissions.Find",
        )
        .query::<PeopleQuery>()
        .ok::<Paged<PersonRow>>(200, "A page of people"),
        Operation::new(
            "get",
            "/api/v1/people/{id}",
            "One person: emails, names, companies, end-user ids, every lead and one merged timeline",
            "PersonPermissions.Find",
        )
        .ok::<Person>(200, "The person")
        .also(&[404]),
        Operation::new(
            "post",
            "/api/v1/people/{id}/merge",
            "Merge another person into this one (an event on both timelines)",
            "PersonPermissions.Merge",
        )
        .body::<MergeBody>()
        .ok::<Person>(200, "The merged person")
        .also(&[400, 404, 409]),
        Operation::new(
            "post",
            "/api/v1/people/{id}/split",
            "Move some of the person's leads to a new person",
            "PersonPermissions.Merge",
        )
        .body::<SplitBody>()
        .ok::<Split>(200, "The person and the new one's id")
        .also(&[400, 404, 409]),
        Operation::new(
            "get",
            "/api/v1/people/{id}/export",
            "Everything held about the person, as one JSON document (GDPR access)",
            "PersonPermissions.Export",
        )
        .json::<serde_json::Value>(200, "The export")
        .also(&[404]),
        Operation::new(
            "post",
            "/api/v1/people/{id}/erase",
            "Erase every personal field of the person's records and events, leaving a tombstone",
            "PersonPermissions.Erase",
        )
        .body::<EraseBody>()
        .ok::<Erased>(200, "Erased")
        .also(&[400, 404, 409]),
    ]
}
