//! `/api/v1/workspaces/{id}/assignment`, `/api/v1/workspaces/{id}/sla`,
//! `/api/v1/me/availability`, and the test clock.

use rocket::{delete, get, post, put, routes, Route, State};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{assign, sla, Assignment, Sla};
use crate::app::App;
use crate::auth::guards::Staff;
use crate::auth::permissions::Perm;
use crate::error::ApiError;
use crate::json::{ok, ApiResult, Body};
use crate::store::NewEvent;

use crate::workspaces::member_with as workspace_of;

/// `GET /api/v1/workspaces/<id>/assignment` — WorkspacePermissions.Read.
#[get("/api/v1/workspaces/<id>/assignment")]
async fn get_assignment(app: &State<App>, staff: Staff, id: &str) -> ApiResult {
    let ws = workspace_of(app, &staff, id, Perm::WorkspaceRead).await?;
    let s = app.store.read(move |c| super::settings(c, &ws)).await?;
    Ok(ok(s.assignment))
}

/// `PUT /api/v1/workspaces/<id>/assignment` — WorkspacePermissions.Update: replaces the rule
/// and hands out the waiting backlog under it.
#[put("/api/v1/workspaces/<id>/assignment", data = "<body>")]
async fn put_assignment(
    app: &State<App>,
    staff: Staff,
    id: &str,
    body: Body<Assignment>,
) -> ApiResult {
    let ws = workspace_of(app, &staff, id, Perm::WorkspaceUpdate).await?;
    let a = save_assignment(app, &staff, ws, body.0).await?;
    Ok(ok(a))
}

/// Checks and stores an assignment rule with its event, then drains the backlog (shared with
/// the settings page).
pub async fn save_assignment(
    app: &App,
    staff: &Staff,
    ws: String,
    a: Assignment,
) -> Result<Assignment, ApiError> {
    let (kinds, actor, now) = (
        app.kinds.clone(),
        staff.user.id.clone(),
        app.clock.now_str(),
    );
    app.store
        .write(move |tx| {
            super::check_assignment(tx, &kinds, &ws, &a)?;
            super::set_assignment(tx, &ws, &a, &now)?;
            tx.append(NewEvent {
                workspace_id: Some(ws.clone()),
                topic: "workspace/settings/updated".into(),
                subject_id: Some(ws.clone()),
                actor_id: Some(actor),
                data: json!({ "changed": ["assignment"] }),
            })?;
            assign::drain(tx, &kinds, &ws, &now)?;
            Ok(a)
        })
        .await
}

/// The first-response target as the API shows it.
#[derive(Debug, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct SlaView {
    /// The target, or null when there is none.
    pub sla: Option<Sla>,
}

/// `GET /api/v1/workspaces/<id>/sla` — WorkspacePermissions.Read.
#[get("/api/v1/workspaces/<id>/sla")]
async fn get_sla(app: &State<App>, staff: Staff, id: &str) -> ApiResult {
    let ws = workspace_of(app, &staff, id, Perm::WorkspaceRead).await?;
    let s = app.store.read(move |c| super::settings(c, &ws)).await?;
    Ok(ok(SlaView { sla: s.sla }))
}

/// `PUT /api/v1/workspaces/<id>/sla` — WorkspacePermissions.Update: sets the target; every
/// lead still waiting gets its `dueAt` counted again from its capture.
#[put("/api/v1/workspaces/<id>/sla", data = "<body>")]
async fn put_sla(app: &State<App>, staff: Staff, id: &str, body: Body<Sla>) -> ApiResult {
    let ws = workspace_of(app, &staff, id, Perm::WorkspaceUpdate).await?;
    let s = save_sla(app, &staff, ws, Some(body.0)).await?;
    Ok(ok(SlaView { sla: s }))
}

/// `DELETE /api/v1/workspaces/<id>/sla` — WorkspacePermissions.Update: no target any more.
#[delete("/api/v1/workspaces/<id>/sla")]
async fn delete_sla(app: &State<App>, staff: Staff, id: &str) -> ApiResult {
    let ws = workspace_of(app, &staff, id, Perm::WorkspaceUpdate).await?;
    save_sla(app, &staff, ws, None).await?;
    Ok(ok(SlaView { sla: None }))
}

/// Checks and stores a target with its event, and counts waiting leads' `dueAt` again
/// (shared with the settings page).
pub async fn save_sla(
    app: &App,
    staff: &Staff,
    ws: String,
    s: Option<Sla>,
) -> Result<Option<Sla>, ApiError> {
    if let Some(s) = &s {
        super::check_sla(s)?;
    }
    let (kinds, actor, now) = (
        app.kinds.clone(),
        staff.user.id.clone(),
        app.clock.now_str(),
    );
    app.store
        .write(move |tx| {
            super::set_sla(tx, &ws, s.as_ref(), &now)?;
            sla::recount(tx, &kinds, &ws, s.as_ref())?;
            tx.append(NewEvent {
                workspace_id: Some(ws.clone()),
                topic: "workspace/settings/updated".into(),
                subject_id: Some(ws.clone()),
                actor_id: Some(actor),
                data: json!({ "changed": ["sla"] }),
            })?;
            Ok(s)
        })
        .await
}

/// Away or back.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AvailabilityBody {
    /// True: away, given no new leads; false: back.
    pub away: bool,
}

/// Whether I take new leads.
#[derive(Debug, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct AvailabilityView {
    /// Away: no new leads come to me.
    pub away: bool,
    /// Since when.
    pub away_since: Option<String>,
}

/// `GET /api/v1/me/availability` — any signed-in staff user: am I away?
#[get("/api/v1/me/availability")]
async fn get_availability(app: &State<App>, staff: Staff) -> ApiResult {
    let user = staff.user.id.clone();
    let since = app
        .store
        .read(move |c| assign::away_since(c, &user))
        .await?;
    Ok(ok(AvailabilityView {
        away: since.is_some(),
        away_since: since,
    }))
}

/// `PUT /api/v1/me/availability` — any signed-in staff user: away or back (coming back hands
/// me the waiting backlog, oldest first, as the rules allow).
#[put("/api/v1/me/availability", data = "<body>")]
async fn put_availability(
    app: &State<App>,
    staff: Staff,
    body: Body<AvailabilityBody>,
) -> ApiResult {
    let since = set_availability(app, &staff, body.0.away).await?;
    Ok(ok(AvailabilityView {
        away: since.is_some(),
        away_since: since,
    }))
}

/// Sets `staff` away or back and drains the backlog when they are back (shared with the
/// account page).
pub async fn set_availability(
    app: &App,
    staff: &Staff,
    away: bool,
) -> Result<Option<String>, ApiError> {
    let (kinds, user, now) = (
        app.kinds.clone(),
        staff.user.id.clone(),
        app.clock.now_str(),
    );
    app.store
        .write(move |tx| {
            let since = assign::set_away(tx, &user, away, &now)?;
            if !away {
                assign::drain_for(tx, &kinds, &user, &now)?;
            }
            Ok(since)
        })
        .await
}

/// A move of the test clock.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ClockBody {
    /// Minutes to move the clock forward (1–100,000).
    #[serde(deserialize_with = "crate::json::de_count")]
    #[schemars(range(min = 1, max = 100000))]
    pub advance_minutes: u32,
}

/// The clock after a move.
#[derive(Debug, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ClockView {
    /// Now, as leadbox sees it.
    pub now: String,
    /// Reminders the sweep sent at once.
    pub reminded: usize,
    /// Escalations the sweep sent at once.
    pub escalated: usize,
}

/// `POST /api/v1/test/clock` — WorkspacePermissions.Update, and only with `test_clock` set:
/// moves the clock forward and runs the due-time sweep at once (end-to-end tests).
#[post("/api/v1/test/clock", data = "<body>")]
async fn move_clock(app: &State<App>, staff: Staff, body: Body<ClockBody>) -> ApiResult {
    if !app.config.test_clock {
        return Err(ApiError::not_found());
    }
    let owner = staff.user.id.clone();
    let may = app
        .store
        .read(move |c| {
            Ok(
                c.prepare_cached("SELECT role FROM memberships WHERE user_id = ?1")?
                    .query_map([&owner], |r| r.get::<_, String>(0))?
                    .filter_map(Result::ok)
                    .any(|r| r == "owner"),
            )
        })
        .await?;
    if !may {
        return Err(ApiError::forbidden("Only an owner may move the clock"));
    }
    let minutes = body.0.advance_minutes;
    if !(1..=100_000).contains(&minutes) {
        return Err(ApiError::validation(
            "advanceMinutes",
            "must be a whole number from 1 to 100000",
        ));
    }
    app.clock
        .advance(time::Duration::minutes(i64::from(minutes)));
    let (reminded, escalated) = sweep(app).await?;
    Ok(ok(ClockView {
        now: app.clock.now_str(),
        reminded,
        escalated,
    }))
}

/// The routing sweep at the clock's now: reminders, escalations, then the backlog.
pub async fn sweep(app: &App) -> Result<(usize, usize), ApiError> {
    run_sweep(&app.store, &app.kinds, &app.clock).await
}

/// The routing sweep over `store` at `clock`'s now (the minutely maintenance pass).
pub async fn run_sweep(
    store: &crate::store::Store,
    kinds: &std::sync::Arc<crate::leads::kind::Registry>,
    clock: &crate::clock::Clock,
) -> Result<(usize, usize), ApiError> {
    let (kinds, now) = (kinds.clone(), clock.now_str());
    store
        .write(move |tx| {
            let done = sla::sweep(tx, &now)?;
            assign::drain_all(tx, &kinds, &now)?;
            Ok(done)
        })
        .await
}

/// The routes.
pub fn routes() -> Vec<Route> {
    routes![
        get_assignment,
        put_assignment,
        get_sla,
        put_sla,
        delete_sla,
        get_availability,
        put_availability,
        move_clock
    ]
}

/// The operations for the API document.
pub fn operations() -> Vec<crate::ops::openapi::Operation> {
    use crate::ops::openapi::Operation;
    let (read, update) = ("WorkspacePermissions.Read", "WorkspacePermissions.Update");
    vec![
        Operation::new(
            "get",
            "/api/v1/workspaces/{id}/assignment",
            "The workspace's assignment rule",
            read,
        )
        .ok::<Assignment>(200, "The rule"),
        Operation::new(
            "put",
            "/api/v1/workspaces/{id}/assignment",
            "Replace the assignment rule; waiting unassigned leads are handed out under it",
            update,
        )
        .body::<Assignment>()
        .ok::<Assignment>(200, "The rule now"),
        Operation::new(
            "get",
            "/api/v1/workspaces/{id}/sla",
            "The workspace's first-response target",
            read,
        )
        .ok::<SlaView>(200, "The target, or null"),
        Operation::new(
            "put",
            "/api/v1/workspaces/{id}/sla",
            "Set the first-response target; waiting leads' dueAt is counted again",
            update,
        )
        .body::<Sla>()
        .ok::<SlaView>(200, "The target now"),
        Operation::new(
            "delete",
            "/api/v1/workspaces/{id}/sla",
            "Remove the first-response target",
            update,
        )
        .ok::<SlaView>(200, "No target"),
        Operation::new(
            "get",
            "/api/v1/me/availability",
            "Whether I am away (given no new leads)",
            "signed-in staff",
        )
        .ok::<AvailabilityView>(200, "My availability"),
        Operation::new(
            "put",
            "/api/v1/me/availability",
            "Set myself away or back; coming back hands me waiting leads as the rules allow",
            "signed-in staff",
        )
        .body::<AvailabilityBody>()
        .ok::<AvailabilityView>(200, "My availability now"),
        Operation::new(
            "post",
            "/api/v1/test/clock",
            "Move the clock forward and run the due-time sweep (only when `test_clock` is set; \
             404 otherwise): for end-to-end tests",
            "an owner",
        )
        .body::<ClockBody>()
        .ok::<ClockView>(200, "The clock now, and what the sweep sent"),
    ]
}
