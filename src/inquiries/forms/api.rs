//! The forms API: `POST|GET|PATCH|DELETE /api/v1/forms` (SPEC §14), workspace-scoped.

use rocket::{delete, get, patch, post, routes, Route, State};
use serde_json::{json, Value};

use super::{queries, Form, FormInput, FormPatch, FormView};
use crate::app::App;
use crate::auth::permissions::Perm;
use crate::error::{ApiError, FieldErrors};
use crate::json::{created, ok, ApiResult, Body};

use crate::ops::openapi::{Deleted, Operation};
use crate::store::NewEvent;
use crate::util;
use crate::workspaces::guard::Ctx;
use crate::workspaces::Items;

/// Every form event's topic starts so (the capture path's cache listens for it).
pub const TOPIC_PREFIX: &str = "workspace/form/";
/// A form was created.
pub const CREATED: &str = "workspace/form/created";
/// A form changed.
pub const UPDATED: &str = "workspace/form/updated";
/// A form was deleted.
pub const DELETED: &str = "workspace/form/deleted";
/// Most forms one workspace may have.
pub const MAX_FORMS: i64 = 100;

/// The HTTP routes of the forms API.
pub fn routes() -> Vec<Route> {
    routes![list, find, create, edit, remove]
}

fn object(body: Value) -> Result<serde_json::Map<String, Value>, ApiError> {
    match body {
        Value::Object(o) => Ok(o),
        _ => Err(ApiError::validation("body", "must be a JSON object")),
    }
}

/// Creates a form from a parsed patch (shared with the editor page).
pub async fn create_form(
    app: &App,
    workspace_id: String,
    actor: String,
    patch: FormPatch,
) -> Result<Form, ApiError> {
    let now = util::now_str();
    let form = Form {
        id: util::new_id("form"),
        workspace_id,
        name: String::new(),
        public_key: format!("pk_{}", util::random_string(24)),
        fields: vec![],
        thank_you_url: None,
        allowed_origins: vec![],
        created_at: now.clone(),
        updated_at: now,
    };
    app.store
        .write(move |tx| {
            if queries::count(tx, &form.workspace_id)? >= MAX_FORMS {
                return Err(ApiError::conflict(
                    "LIMIT_REACHED",
                    "This workspace already has 100 forms; delete one first",
                ));
            }
            let mut form = form;
            form.apply(patch);
            queries::insert(tx, &form)?;
            tx.append(NewEvent {
                workspace_id: Some(form.workspace_id.clone()),
                topic: CREATED.into(),
                subject_id: Some(form.id.clone()),
                actor_id: Some(actor),
                data: json!({ "id": form.id, "name": form.name }),
            })?;
            Ok(form)
        })
        .await
}

/// Applies a parsed patch to a form, releasing what newly allowed origins sent (shared with
/// the editor page).
pub async fn edit_form(
    app: &App,
    workspace_id: String,
    id: String,
    actor: String,
    patch: FormPatch,
) -> Result<(Form, usize), ApiError> {
    app.store
        .write(move |tx| {
            let mut form = queries::get(tx, &workspace_id, &id)?.ok_or_else(ApiError::not_found)?;
            let before = form.allowed_origins.clone();
            let changed = form.apply(patch);
            let mut released = 0;
            if !changed.is_empty() {
                form.updated_at = util::now_str();
                queries::update(tx, &form)?;
                tx.append(NewEvent {
                    workspace_id: Some(workspace_id.clone()),
                    topic: UPDATED.into(),
                    subject_id: Some(form.id.clone()),
                    actor_id: Some(actor.clone()),
                    data: json!({ "id": form.id, "changed": changed }),
                })?;
                released =
                    crate::inquiries::quarantine::form_origins_changed(tx, &form, &before, &actor)?;
            }
            Ok((form, released))
        })
        .await
}

/// Deletes a form (404 when it is not there); shared with the editor page.
pub async fn delete_form(
    app: &App,
    workspace_id: String,
    id: String,
    actor: String,
) -> Result<(), ApiError> {
    app.store
        .write(move |tx| {
            if !queries::delete(tx, &workspace_id, &id, &util::now_str())? {
                return Err(ApiError::not_found());
            }
            tx.append(NewEvent {
                workspace_id: Some(workspace_id),
                topic: DELETED.into(),
                subject_id: Some(id.clone()),
                actor_id: Some(actor),
                data: json!({ "id": id }),
            })?;
            Ok(())
        })
        .await
}

/// `GET /api/v1/forms` — WorkspacePermissions.Read: the workspace's own forms.
#[get("/api/v1/forms")]
async fn list(app: &State<App>, ctx: Ctx) -> ApiResult {
    ctx.require(Perm::WorkspaceRead)?;
    let ws = ctx.workspace.id.clone();
    let forms = app.store.read(move |c| queries::list(c, &ws)).await?;
    let items: Vec<FormView> = forms.iter().map(Form::view).collect();
    Ok(ok(Items { items }))
}

/// `GET /api/v1/forms/<id>` — WorkspacePermissions.Read.
#[get("/api/v1/forms/<id>")]
async fn find(app: &State<App>, ctx: Ctx, id: &str) -> ApiResult {
    ctx.require(Perm::WorkspaceRead)?;
    let (ws, id) = (ctx.workspace.id.clone(), id.to_string());
    let form = app
        .store
        .read(move |c| queries::get(c, &ws, &id)?.ok_or_else(ApiError::not_found))
        .await?;
    Ok(ok(form.view()))
}

/// `POST /api/v1/forms` — WorkspacePermissions.Update.
#[post("/api/v1/forms", data = "<body>")]
async fn create(app: &State<App>, ctx: Ctx, body: Body<Value>) -> ApiResult {
    ctx.require(Perm::WorkspaceUpdate)?;
    let mut errs = FieldErrors::default();
    let patch = FormPatch::parse(&object(body.0)?, true, &mut errs);
    errs.finish()?;
    let user = ctx.staff.user.id.clone();
    let form = create_form(app, ctx.workspace.id.clone(), user, patch).await?;
    Ok(created(form.view()))
}

/// `PATCH /api/v1/forms/<id>` — WorkspacePermissions.Update: what is present changes.
#[patch("/api/v1/forms/<id>", data = "<body>")]
async fn edit(app: &State<App>, ctx: Ctx, id: &str, body: Body<Value>) -> ApiResult {
    ctx.require(Perm::WorkspaceUpdate)?;
    let mut errs = FieldErrors::default();
    let patch = FormPatch::parse(&object(body.0)?, false, &mut errs);
    errs.finish()?;
    let (ws, user) = (ctx.workspace.id.clone(), ctx.staff.user.id.clone());
    let (form, _) = edit_form(app, ws, id.to_string(), user, patch).await?;
    Ok(ok(form.view()))
}

/// `DELETE /api/v1/forms/<id>` — WorkspacePermissions.Update: its public key stops working;
/// its leads keep their answers.
#[delete("/api/v1/forms/<id>")]
async fn remove(app: &State<App>, ctx: Ctx, id: &str) -> ApiResult {
    ctx.require(Perm::WorkspaceUpdate)?;
    let (ws, user) = (ctx.workspace.id.clone(), ctx.staff.user.id.clone());
    delete_form(app, ws, id.to_string(), user).await?;
    Ok(ok(Deleted {
        id: id.to_string(),
        deleted: true,
    }))
}

/// The operations of the forms API.
pub fn operations() -> Vec<Operation> {
    vec![
        Operation::new("get", "/api/v1/forms", "The workspace's own forms", "WorkspacePermissions.Read")
            .ok::<Items<FormView>>(200, "Its forms, oldest first"),
        Operation::new(
            "post",
            "/api/v1/forms",
            "Create a form: its questions, thank-you page and allowed origins; it gets its own public key",
            "WorkspacePermissions.Update",
        )
        .body::<FormInput>()
        .ok::<FormView>(201, "The new form"),
        Operation::new("get", "/api/v1/forms/{id}", "One form", "WorkspacePermissions.Read")
            .ok::<FormView>(200, "The form"),
        Operation::new(
            "patch",
            "/api/v1/forms/{id}",
            "Change a form (what is present changes; newly allowed origins release their quarantined leads)",
            "WorkspacePermissions.Update",
        )
        .body::<FormInput>()
        .ok::<FormView>(200, "The form after the change"),
        Operation::new(
            "delete",
            "/api/v1/forms/{id}",
            "Delete a form: its public key stops working, its leads keep their answers",
            "WorkspacePermissions.Update",
        )
        .ok::<Deleted>(200, "Deleted"),
    ]
}
