//! Pricing selections: store, read, status workflow, expiry.

use rocket::http::Status;
use serde_json::json;

use super::model::{check_pricing, check_user_type, SelectionInput};
use super::queries::{self, Cutoffs, Selection};
use crate::app::App;
use crate::clock::Clock;
use crate::end_users;
use crate::error::ApiError;
use crate::leads::timeline::{self, Entry};
use crate::store::{NewEvent, Tx};
use crate::workspaces::model::Workspace;

/// Topic of a stored selection.
pub const SUBMITTED: &str = "observation/pricing/selection/submitted";
/// Topic of every status change.
pub const UPDATED: &str = "observation/pricing/selection/updated";
/// Days a selection may stay pending.
pub const PENDING_DAYS: i64 = 7;
/// Days a contacted selection may stay unconverted.
pub const CONTACTED_DAYS: i64 = 14;

/// The expiry cut-offs as of the clock's now.
pub fn cutoffs(clock: &Clock) -> Cutoffs {
    cutoffs_at(clock.now())
}

/// The expiry cut-offs as of `now`.
pub fn cutoffs_at(now: time::OffsetDateTime) -> Cutoffs {
    Cutoffs {
        pending: crate::util::rfc3339(now - time::Duration::days(PENDING_DAYS)),
        contacted: crate::util::rfc3339(now - time::Duration::days(CONTACTED_DAYS)),
    }
}

fn user_not_found() -> ApiError {
    ApiError::new(
        Status::NotFound,
        "USER_NOT_FOUND",
        "User with specified ID does not exist",
    )
}

/// Marks overdue selections expired, each with its event (the sweeper; also run before a
/// create so an overdue pending selection does not block a new one).
pub fn expire_in_tx(tx: &mut Tx<'_>, cut: &Cutoffs, now: &str) -> Result<usize, ApiError> {
    let rows = queries::overdue(tx, cut)?;
    for (id, ws, before) in &rows {
        tx.execute(
            "UPDATE pricing_selections SET status = 'expired', expired_at = ?2, updated_at = ?2 WHERE id = ?1",
            [id, now],
        )?;
        tx.append(NewEvent {
            workspace_id: Some(ws.clone()),
            topic: UPDATED.into(),
            subject_id: Some(id.clone()),
            actor_id: None,
            data: json!({ "id": id, "change": "expired", "status": "expired", "previousStatus": before }),
        })?;
    }
    Ok(rows.len())
}

/// Runs the sweeper once.
pub async fn sweep(store: &crate::store::Store, clock: &Clock) -> Result<usize, ApiError> {
    let cut = cutoffs(clock);
    let now = clock.now_str();
    store.write(move |tx| expire_in_tx(tx, &cut, &now)).await
}

/// Stores a selection: the user must exist and match the user type, the codes must be in the
/// catalogue, and only one may be pending (the partial unique index decides races).
pub async fn create(app: &App, ws: Workspace, input: SelectionInput) -> Result<String, ApiError> {
    let cut = cutoffs(&app.clock);
    let now = app.clock.now_str();
    app.store
        .write(move |tx| {
            let user = end_users::get(tx, &ws.id, &input.user_id)?.ok_or_else(user_not_found)?;
            check_user_type(&input.user_type, &user)?;
            let check = check_pricing(&ws, &input)?;
            expire_in_tx(tx, &cut, &now)?;
            let id = crate::util::new_id("ps");
            queries::insert(tx, &ws.id, &id, &input, &check, &now)?;
            tx.append(NewEvent {
                workspace_id: Some(ws.id.clone()),
                topic: SUBMITTED.into(),
                subject_id: Some(id.clone()),
                actor_id: None,
                data: json!({
                    "id": id, "userId": input.user_id, "userType": input.user_type,
                    "selectedPlanCode": input.plan_code, "pricingVerified": check["verified"], "createdAt": now,
                }),
            })?;
            let kind = &super::kind::PricingSelections;
            crate::leads::routing::assign::captured(tx, kind, (&ws.id, &id), false, &now)?;
            Ok(id)
        })
        .await
}

/// Who a selection belongs to, as the seed's read shows them.
#[derive(Debug, Clone, serde::Serialize, schemars::JsonSchema)]
pub struct UserSummary {
    /// Email.
    pub email: Option<String>,
    /// Name.
    pub name: Option<String>,
    /// Company.
    pub company: Option<String>,
}

impl UserSummary {
    pub fn of(u: Option<&end_users::EndUser>) -> UserSummary {
        UserSummary {
            email: u.and_then(|u| u.email.clone()),
            name: u.and_then(|u| u.name.clone()),
            company: u.and_then(|u| u.company.clone()),
        }
    }
}

/// A selection with its user.
#[derive(Debug, Clone, serde::Serialize, schemars::JsonSchema)]
pub struct WithUser {
    /// The selection.
    #[serde(flatten)]
    pub selection: Selection,
    /// Its user.
    pub user: UserSummary,
}

/// The answer to a status change.
#[derive(Debug, Clone, serde::Serialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct StatusChanged {
    /// The selection.
    pub id: String,
    /// Its new status.
    pub status: String,
    /// When.
    pub updated_at: String,
}

/// A user's newest selection with `user: {email, name, company}`.
pub async fn for_user(app: &App, ws: String, user_id: String) -> Result<WithUser, ApiError> {
    let cut = cutoffs(&app.clock);
    app.store
        .read(move |c| {
            let user = end_users::get(c, &ws, &user_id)?.ok_or_else(user_not_found)?;
            let sel = queries::latest_for_user(c, &ws, &user_id, &cut)?.ok_or_else(|| {
                ApiError::new(
                    Status::NotFound,
                    "NOT_FOUND",
                    "This user has no pricing selection",
                )
            })?;
            Ok(WithUser {
                selection: sel,
                user: UserSummary::of(Some(&user)),
            })
        })
        .await
}

/// One selection by id, with its user and timeline.
pub async fn by_id(
    app: &App,
    ws: String,
    id: String,
) -> Result<(Selection, UserSummary, Vec<Entry>), ApiError> {
    let cut = cutoffs(&app.clock);
    app.store
        .read(move |c| {
            let sel = queries::by_id(c, &ws, &id, &cut)?.ok_or_else(ApiError::not_found)?;
            let user = end_users::get(c, &ws, &sel.user_id)?;
            let timeline = timeline::load(c, &ws, &id)?;
            let user = UserSummary::of(user.as_ref());
            Ok((sel, user, timeline))
        })
        .await
}

/// `pending → contacted → converted`; anything else is 409 `INVALID_STATUS_TRANSITION`.
pub fn next_status(from: &str, to: &str) -> Result<(), ApiError> {
    match (from, to) {
        ("pending", "contacted") | ("contacted", "converted") => Ok(()),
        _ => Err(ApiError::new(
            Status::Conflict,
            "INVALID_STATUS_TRANSITION",
            format!("Cannot change a {from} selection to {to}"),
        )
        .with_details(json!({ "from": from, "to": to }))),
    }
}

/// Changes a selection's status, keeping who contacted it, when, and the notes.
pub async fn set_status(
    app: &App,
    ws: String,
    id: String,
    actor: String,
    to: String,
    notes: Option<String>,
) -> Result<StatusChanged, ApiError> {
    let cut = cutoffs(&app.clock);
    let now = app.clock.now_str();
    app.store
        .write(move |tx| {
            let sel = queries::by_id(tx, &ws, &id, &cut)?.ok_or_else(ApiError::not_found)?;
            next_status(&sel.status, &to)?;
            let given = notes.clone();
            let notes = notes.or_else(|| sel.notes.clone());
            if to == "contacted" {
                tx.execute(
                    "UPDATE pricing_selections SET status = 'contacted', contacted_by = ?2, contacted_at = ?3,
                         notes = ?4, updated_at = ?3 WHERE id = ?1",
                    rusqlite::params![id, actor, now, notes],
                )?;
            } else {
                tx.execute(
                    "UPDATE pricing_selections SET status = 'converted', converted_at = ?2, notes = ?3,
                         updated_at = ?2 WHERE id = ?1",
                    rusqlite::params![id, now, notes],
                )?;
            }
            tx.append(NewEvent {
                workspace_id: Some(ws.clone()),
                topic: UPDATED.into(),
                subject_id: Some(id.clone()),
                actor_id: Some(actor),
                data: json!({ "id": id, "change": to, "status": to, "previousStatus": sel.status, "body": given }),
            })?;
            Ok(StatusChanged {
                id,
                status: to,
                updated_at: now,
            })
        })
        .await
}
