//! Workspaces: list, create, change settings. Membership and the `x-merchant-id` guard live
//! in `guard`.

pub mod guard;
pub mod model;
pub mod queries;

use rocket::serde::json::Value;
use rocket::{get, patch, post, routes, Route, State};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::app::App;
use crate::auth::guards::Staff;
use crate::auth::permissions::{Perm, Role};
use crate::auth::users;
use crate::domain;
use crate::error::{ApiError, FieldErrors};
use crate::json::{created, ok, ApiResult, Body};
use crate::ops::openapi::Operation;
use crate::store::{NewEvent, Tx};
use crate::util;
use model::{SettingsBody, SettingsPatch, Workspace, WorkspaceView};

/// The HTTP routes of this capability.
pub fn routes() -> Vec<Route> {
    routes![list, create, update]
}

/// `GET /api/v1/workspaces` — WorkspacePermissions.Read, per workspace: the caller's own.
#[get("/api/v1/workspaces")]
async fn list(app: &State<App>, staff: Staff) -> ApiResult {
    let user_id = staff.user.id.clone();
    let rows = app
        .store
        .read(move |c| queries::for_user(c, &user_id))
        .await?;
    let items: Vec<WorkspaceView> = rows
        .into_iter()
        .filter(|(_, role)| role.can(Perm::WorkspaceRead))
        .map(|(w, role)| WorkspaceView {
            role: Some(role),
            ..w.view()
        })
        .collect();
    Ok(ok(Items { items }))
}

/// `{name, slug}` of a new workspace.
#[derive(Deserialize, JsonSchema)]
pub struct NewWorkspace {
    /// Display name.
    #[schemars(required, length(min = 1, max = 100), pattern(crate::domain::TEXT))]
    name: Option<String>,
    /// 2–63 lowercase letters, digits or dashes.
    #[schemars(required, pattern(r"^[a-z0-9][a-z0-9-]{0,61}[a-z0-9]$"))]
    slug: Option<String>,
}

/// `{items: [...]}`.
#[derive(Serialize, JsonSchema)]
#[schemars(rename = "Items_{T}")]
pub struct Items<T> {
    /// The items.
    pub items: Vec<T>,
}

/// The operations of this capability.
pub fn operations() -> Vec<Operation> {
    vec![
        Operation::new(
            "get",
            "/api/v1/workspaces",
            "The caller's workspaces with their settings and the caller's role",
            "WorkspacePermissions.Read",
        )
        .ok::<Items<WorkspaceView>>(200, "The caller's workspaces"),
        Operation::new(
            "post",
            "/api/v1/workspaces",
            "Create a workspace; the caller becomes its owner",
            "WorkspacePermissions.Create",
        )
        .body::<NewWorkspace>()
        .ok::<WorkspaceView>(201, "The new workspace"),
        Operation::new(
            "patch",
            "/api/v1/workspaces/{id}",
            "Change workspace settings (flat camelCase keys)",
            "WorkspacePermissions.Update",
        )
        .body::<SettingsBody>()
        .ok::<WorkspaceView>(200, "The workspace after the change"),
    ]
}

/// `POST /api/v1/workspaces` — WorkspacePermissions.Create (held in any workspace); the
/// caller becomes the new workspace's owner.
#[post("/api/v1/workspaces", data = "<body>")]
async fn create(app: &State<App>, staff: Staff, body: Body<NewWorkspace>) -> ApiResult {
    let mut errs = FieldErrors::default();
    let name = errs.take("name", domain::required_text(body.0.name.as_deref(), 100));
    let slug = errs.take(
        "slug",
        body.0
            .slug
            .as_deref()
            .ok_or_else(|| "is required".to_string())
            .and_then(domain::parse_slug),
    );
    errs.finish()?;
    let (name, slug) = (name.unwrap_or_default(), slug.unwrap_or_default());
    let user_id = staff.user.id.clone();
    let ws = app
        .store
        .write(move |tx| {
            let may = queries::for_user(tx, &user_id)?
                .iter()
                .any(|(_, r)| r.can(Perm::WorkspaceCreate));
            if !may {
                return Err(ApiError::forbidden(format!(
                    "Creating workspaces needs {}",
                    Perm::WorkspaceCreate.name()
                )));
            }
            let ws = queries::insert(tx, &name, &slug)?;
            users::set_membership(tx, &ws.id, &user_id, Role::Owner)?;
            tx.append(NewEvent {
                workspace_id: Some(ws.id.clone()),
                topic: "workspace/created".into(),
                subject_id: Some(ws.id.clone()),
                actor_id: Some(user_id.clone()),
                data: json!({ "slug": ws.slug }),
            })?;
            Ok(ws)
        })
        .await?;
    Ok(created(WorkspaceView {
        role: Some(Role::Owner),
        ..ws.view()
    }))
}

/// `PATCH /api/v1/workspaces/<id>` — WorkspacePermissions.Update.
#[patch("/api/v1/workspaces/<id>", data = "<body>")]
async fn update(app: &State<App>, staff: Staff, id: &str, body: Body<Value>) -> ApiResult {
    let Some(obj) = body.0.as_object().cloned() else {
        return Err(ApiError::validation("body", "must be a JSON object"));
    };
    let mut errs = FieldErrors::default();
    let patch = SettingsPatch::parse(&obj, &mut errs);
    let (ws, _) = update_settings(app, &staff, id.to_string(), patch, errs).await?;
    Ok(ok(ws.view()))
}

/// The id of workspace `key` (id or slug) for `staff`: 404 when they are not a member of it,
/// 403 when their role lacks `perm`.
pub async fn member_with(
    app: &App,
    staff: &Staff,
    key: &str,
    perm: Perm,
) -> Result<String, ApiError> {
    let (key, uid) = (key.to_string(), staff.user.id.clone());
    app.store
        .read(move |c| {
            let ws = queries::by_id_or_slug(c, &key)?.ok_or_else(ApiError::not_found)?;
            let role = users::role_in(c, &uid, &ws.id)?.ok_or_else(ApiError::not_found)?;
            if !role.can(perm) {
                return Err(ApiError::forbidden(format!(
                    "Your role ({}) lacks {}",
                    role.as_str(),
                    perm.name()
                )));
            }
            Ok(ws.id)
        })
        .await
}

/// Told of a workspace's settings change inside its writer transaction, so what follows from
/// it commits with it (the inquiry kind releases quarantined leads from newly allowed origins).
/// Registered in `lib.rs`; the workspace model knows nothing of who listens.
pub trait SettingsHook: Send + Sync + 'static {
    /// `before` became `after` in this transaction.
    fn changed(
        &self,
        tx: &mut Tx<'_>,
        before: &Workspace,
        after: &Workspace,
    ) -> Result<(), ApiError>;
}

/// Checks access, applies a parsed settings patch and records the change (shared with the
/// settings page). Validation errors are reported only to members who may update.
pub async fn update_settings(
    app: &App,
    staff: &Staff,
    key: String,
    patch: SettingsPatch,
    errs: FieldErrors,
) -> Result<(model::Workspace, Vec<&'static str>), ApiError> {
    let user_id = staff.user.id.clone();
    member_with(app, staff, &key, Perm::WorkspaceUpdate).await?;
    errs.finish()?;
    let hooks = app.settings_hooks.clone();
    app.store
        .write(move |tx| apply_settings(tx, &key, patch, &user_id, &hooks))
        .await
}

/// Applies a settings patch inside a writer job: the row, its `workspace/settings/updated`
/// event and every hook's consequences commit together. Returns the workspace and what changed.
pub fn apply_settings(
    tx: &mut Tx<'_>,
    key: &str,
    patch: SettingsPatch,
    actor: &str,
    hooks: &[std::sync::Arc<dyn SettingsHook>],
) -> Result<(Workspace, Vec<&'static str>), ApiError> {
    let mut ws = queries::by_id_or_slug(tx, key)?.ok_or_else(ApiError::not_found)?;
    let before = ws.clone();
    let changed = ws.apply(patch);
    if !changed.is_empty() {
        ws.updated_at = util::now_str();
        queries::update(tx, &ws)?;
        tx.append(NewEvent {
            workspace_id: Some(ws.id.clone()),
            topic: "workspace/settings/updated".into(),
            subject_id: Some(ws.id.clone()),
            actor_id: Some(actor.to_string()),
            data: json!({ "changed": changed }),
        })?;
        for h in hooks {
            h.changed(tx, &before, &ws)?;
        }
    }
    Ok((ws, changed))
}
