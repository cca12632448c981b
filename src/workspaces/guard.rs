//! The workspace context of a staff call: `x-merchant-id` resolved, membership checked.

use rocket::request::{FromRequest, Outcome, Request};

use super::model::Workspace;
use super::queries;
use crate::app::App;
use crate::auth::guards::{Staff, Via};
use crate::auth::permissions::{Perm, Role};
use crate::auth::users;
use crate::error::{stash, ApiError};
use crate::store::Store;

/// Header naming the workspace (id or slug).
pub const HEADER: &str = "x-merchant-id";

/// A staff member acting in one workspace with one role.
#[derive(Debug, Clone)]
pub struct Ctx {
    /// Who.
    pub staff: Staff,
    /// Where.
    pub workspace: Workspace,
    /// With which role.
    pub role: Role,
}

impl Ctx {
    /// 403 unless the role holds `perm`.
    pub fn require(&self, perm: Perm) -> Result<(), ApiError> {
        if self.role.can(perm) {
            Ok(())
        } else {
            Err(ApiError::forbidden(format!(
                "Your role ({}) lacks {}",
                self.role.as_str(),
                perm.name()
            ))
            .with_details(serde_json::json!({ "permission": perm.name() })))
        }
    }
}

/// Resolves the workspace for `staff`: the header, else the session's current workspace,
/// else the appliance's only workspace, else the caller's only membership; 400
/// `MERCHANT_REQUIRED` when none of these applies,
/// 404 when it is unknown or the caller is not a member.
pub async fn resolve(
    store: &Store,
    staff: &Staff,
    header: Option<String>,
) -> Result<(Workspace, Role), ApiError> {
    let user_id = staff.user.id.clone();
    let session_ws = match &staff.via {
        Via::Session(s) => s.workspace_id.clone(),
        Via::Token(_) => None,
    };
    store
        .read(move |c| {
            let ws = match header.as_deref().map(str::trim) {
                Some("") => None,
                Some(key) => Some(queries::by_id_or_slug(c, key)?.ok_or_else(ApiError::not_found)?),
                None => None,
            };
            // A blank header is no header: it names nothing.
            let named = header.as_deref().is_some_and(|h| !h.trim().is_empty());
            let ws = match (ws, named) {
                (Some(ws), _) => ws,
                (None, true) => {
                    return Err(ApiError::new(
                        rocket::http::Status::BadRequest,
                        "MERCHANT_REQUIRED",
                        "The x-merchant-id header must name a workspace",
                    ))
                }
                (None, false) => {
                    let from_session = match session_ws {
                        Some(id) => queries::by_id_or_slug(c, &id)?,
                        None => None,
                    };
                    let only_membership = || -> Result<Option<Workspace>, ApiError> {
                        let mine = queries::for_user(c, &user_id)?;
                        Ok(if mine.len() == 1 { mine.into_iter().next().map(|(w, _)| w) } else { None })
                    };
                    match from_session {
                        Some(ws) => ws,
                        None => match queries::the_only_one(c)? {
                            Some(ws) => ws,
                            None => only_membership()?.ok_or_else(|| {
                                ApiError::new(
                                    rocket::http::Status::BadRequest,
                                    "MERCHANT_REQUIRED",
                                    "Several workspaces exist: send x-merchant-id with a workspace id or slug",
                                )
                            })?,
                        },
                    }
                }
            };
            let role = users::role_in(c, &user_id, &ws.id)?.ok_or_else(ApiError::not_found)?;
            Ok((ws, role))
        })
        .await
}

#[rocket::async_trait]
impl<'r> FromRequest<'r> for Ctx {
    type Error = ();
    async fn from_request(req: &'r Request<'_>) -> Outcome<Self, ()> {
        let staff = match req.guard::<Staff>().await {
            Outcome::Success(s) => s,
            Outcome::Error(e) => return Outcome::Error(e),
            Outcome::Forward(f) => return Outcome::Forward(f),
        };
        let header = req.headers().get_one(HEADER).map(str::to_string);
        match resolve(&App::of(req).store, &staff, header).await {
            Ok((workspace, role)) => Outcome::Success(Ctx {
                staff,
                workspace,
                role,
            }),
            Err(e) => Outcome::Error((stash(req, e), ())),
        }
    }
}
