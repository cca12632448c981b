//! Quarantine (SPEC §14): a post from an origin its form does not allow is kept, held out of
//! the inbox and not notified, until that origin is allowed; then every lead it sent is
//! released into the inbox as NEW and notified.

use rocket::{get, post, routes, Route, State};
use rusqlite::Connection;
use serde_json::{json, Value};

use super::forms::queries as forms;
use super::queries;
use super::service::UPDATED;
use crate::app::App;
use crate::auth::permissions::Perm;
use crate::domain;
use crate::error::ApiError;
use crate::json::{ok, ApiResult, Body};
use crate::ops::openapi::Operation;
use crate::store::{NewEvent, Tx};
use crate::util;
use crate::workspaces::guard::Ctx;
use crate::workspaces::model::{SettingsPatch, Workspace};
use crate::workspaces::queries as workspaces;
use crate::workspaces::Items;

/// The HTTP routes of quarantine.
pub fn routes() -> Vec<Route> {
    routes![list, allow]
}

/// The leads one origin sent to one form while it was not allowed.
#[derive(Debug, Clone, serde::Serialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Held {
    /// The page's origin.
    pub origin: String,
    /// The form (null: the workspace's default form).
    pub form_id: Option<String>,
    /// That form's name (null for the default form).
    pub form_name: Option<String>,
    /// How many leads are held.
    pub count: i64,
}

/// What is held, by origin and form, largest first.
pub fn held(conn: &Connection, workspace_id: &str) -> Result<Vec<Held>, ApiError> {
    let mut stmt = conn.prepare_cached(
        "SELECT i.origin, i.form_id, f.name, count(*) FROM inquiries i
         LEFT JOIN forms f ON f.id = i.form_id
         WHERE i.workspace_id = ?1 AND i.quarantined = 1 AND i.deleted_at IS NULL
           AND i.origin IS NOT NULL
         GROUP BY i.origin, i.form_id ORDER BY count(*) DESC, i.origin LIMIT 50",
    )?;
    let rows = stmt.query_map([workspace_id], |r| {
        Ok(Held {
            origin: r.get(0)?,
            form_id: r.get(1)?,
            form_name: r.get(2)?,
            count: r.get(3)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Releases the leads held from `origins` (to `form_id` only, when given) into the inbox;
/// returns how many.
pub fn release(
    tx: &mut Tx<'_>,
    workspace_id: &str,
    origins: &[String],
    form_id: Option<&str>,
    actor: Option<&str>,
) -> Result<usize, ApiError> {
    let mut released = 0;
    for origin in origins {
        let ids: Vec<String> = tx
            .prepare_cached(
                "SELECT id FROM inquiries WHERE workspace_id = ?1 AND quarantined = 1
                 AND origin = ?2 AND (?3 IS NULL OR form_id = ?3) ORDER BY rowid",
            )?
            .query_map(rusqlite::params![workspace_id, origin, form_id], |r| {
                r.get(0)
            })?
            .collect::<Result<_, _>>()?;
        for id in ids {
            let Some(mut inq) = queries::get(tx, workspace_id, &id)? else {
                continue;
            };
            inq.quarantined = false;
            inq.updated_at = util::now_str();
            queries::update(tx, &inq)?;
            tx.append(NewEvent {
                workspace_id: Some(workspace_id.into()),
                topic: UPDATED.into(),
                subject_id: Some(id.clone()),
                actor_id: actor.map(str::to_string),
                data: json!({
                    "id": id, "change": "released", "origin": origin,
                    "status": inq.status.as_str(), "previousStatus": inq.status.as_str(),
                }),
            })?;
            if !inq.spam && inq.deleted_at.is_none() {
                super::service::admit(tx, &inq, actor)?;
            }
            released += 1;
        }
    }
    Ok(released)
}

/// How many leads `origin` sent that are held (to any form).
fn count_held(conn: &Connection, workspace_id: &str, origin: &str) -> Result<usize, ApiError> {
    Ok(conn
        .prepare_cached(
            "SELECT count(*) FROM inquiries WHERE workspace_id = ?1 AND quarantined = 1
             AND origin = ?2",
        )?
        .query_row([workspace_id, origin], |r| r.get::<_, i64>(0))? as usize)
}

fn added(before: &[String], after: &[String]) -> Vec<String> {
    after
        .iter()
        .filter(|o| !before.contains(o))
        .cloned()
        .collect()
}

/// Releases what a workspace's newly allowed origins sent (to any of its forms).
pub struct ReleaseOnAllow;

impl crate::workspaces::SettingsHook for ReleaseOnAllow {
    fn changed(
        &self,
        tx: &mut Tx<'_>,
        before: &Workspace,
        after: &Workspace,
    ) -> Result<(), ApiError> {
        let new = added(&before.allowed_origins, &after.allowed_origins);
        if !new.is_empty() {
            release(tx, &after.id, &new, None, None)?;
        }
        Ok(())
    }
}

/// Releases what a form's newly allowed origins sent to it.
pub fn form_origins_changed(
    tx: &mut Tx<'_>,
    form: &super::forms::Form,
    before: &[String],
    actor: &str,
) -> Result<usize, ApiError> {
    let new = added(before, &form.allowed_origins);
    release(tx, &form.workspace_id, &new, Some(&form.id), Some(actor))
}

/// `GET /api/v1/quarantine` — WorkspacePermissions.Read: what is held, by origin and form.
#[get("/api/v1/quarantine")]
async fn list(app: &State<App>, ctx: Ctx) -> ApiResult {
    ctx.require(Perm::WorkspaceRead)?;
    let ws = ctx.workspace.id.clone();
    let items = app.store.read(move |c| held(c, &ws)).await?;
    Ok(ok(json!({ "items": items })))
}

/// The body of an allow.
#[derive(Debug, serde::Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)]
pub struct AllowBody {
    /// The origin to allow (`https://host[:port]`).
    #[schemars(regex(pattern = r"^https://[a-z]{1,20}\.(com|net|org|vn)$"))]
    origin: String,
    /// Allow it for this form only (default: the workspace, for every form).
    form_id: Option<String>,
}

/// What an allow did.
#[derive(Debug, serde::Serialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Allowed {
    /// The origin now allowed.
    pub origin: String,
    /// Where (null: the workspace).
    pub form_id: Option<String>,
    /// Leads released into the inbox.
    pub released: usize,
}

/// Allows `origin` for the workspace (or one form) and releases what it sent, in one job.
pub async fn allow_origin(
    app: &App,
    workspace_id: String,
    origin: String,
    form_id: Option<String>,
    actor: String,
) -> Result<Allowed, ApiError> {
    let hooks = app.settings_hooks.clone();
    app.store
        .write(move |tx| {
            let released = match &form_id {
                Some(fid) => {
                    let mut f = forms::get(tx, &workspace_id, fid)?.ok_or_else(|| {
                        ApiError::validation("formId", "is not a form of this workspace")
                    })?;
                    if !f.allowed_origins.contains(&origin) {
                        f.allowed_origins.push(origin.clone());
                        f.updated_at = util::now_str();
                        forms::update(tx, &f)?;
                        tx.append(NewEvent {
                            workspace_id: Some(workspace_id.clone()),
                            topic: super::forms::api::UPDATED.into(),
                            subject_id: Some(f.id.clone()),
                            actor_id: Some(actor.clone()),
                            data: json!({ "id": f.id, "changed": ["allowedOrigins"] }),
                        })?;
                    }
                    let one = std::slice::from_ref(&origin);
                    release(tx, &workspace_id, one, Some(fid), Some(&actor))?
                }
                None => {
                    let ws = workspaces::by_id_or_slug(tx, &workspace_id)?
                        .ok_or_else(ApiError::not_found)?;
                    let one = std::slice::from_ref(&origin);
                    if ws.allowed_origins.contains(&origin) {
                        release(tx, &workspace_id, one, None, Some(&actor))?
                    } else {
                        // Through the settings, whose hook (`ReleaseOnAllow`) releases them.
                        let held = count_held(tx, &workspace_id, &origin)?;
                        let mut list = ws.allowed_origins.clone();
                        list.push(origin.clone());
                        let patch = SettingsPatch::origins(list);
                        crate::workspaces::apply_settings(
                            tx,
                            &workspace_id,
                            patch,
                            &actor,
                            &hooks,
                        )?;
                        held
                    }
                }
            };
            Ok(Allowed {
                origin,
                form_id,
                released,
            })
        })
        .await
}

/// `POST /api/v1/quarantine/allow` — WorkspacePermissions.Update: allows an origin and
/// releases every lead it sent.
#[post("/api/v1/quarantine/allow", data = "<body>")]
async fn allow(app: &State<App>, ctx: Ctx, body: Body<Value>) -> ApiResult {
    ctx.require(Perm::WorkspaceUpdate)?;
    let o = body
        .0
        .as_object()
        .ok_or_else(|| ApiError::validation("body", "must be a JSON object"))?;
    let origin = match o.get("origin") {
        Some(Value::String(s)) => {
            domain::parse_origin(s).map_err(|m| ApiError::validation("origin", m))?
        }
        None | Some(Value::Null) => return Err(ApiError::validation("origin", "is required")),
        Some(_) => return Err(ApiError::validation("origin", "must be a string")),
    };
    let form_id = match o.get("formId") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if s.trim().is_empty() => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => return Err(ApiError::validation("formId", "must be a string")),
    };
    for k in o.keys() {
        if k != "origin" && k != "formId" {
            return Err(ApiError::validation(k, "is not a field of this call"));
        }
    }
    let user = ctx.staff.user.id.clone();
    let done = allow_origin(app, ctx.workspace.id.clone(), origin, form_id, user).await?;
    Ok(ok(done))
}

/// The operations of quarantine.
pub fn operations() -> Vec<Operation> {
    vec![
        Operation::new(
            "get",
            "/api/v1/quarantine",
            "Leads held because their page's origin is not allowed, by origin and form",
            "WorkspacePermissions.Read",
        )
        .ok::<Items<Held>>(200, "What is held"),
        Operation::new(
            "post",
            "/api/v1/quarantine/allow",
            "Allow an origin (for the workspace, or one form) and release every lead it sent",
            "WorkspacePermissions.Update",
        )
        .body::<AllowBody>()
        .ok::<Allowed>(200, "Allowed, with how many leads were released"),
    ]
}
