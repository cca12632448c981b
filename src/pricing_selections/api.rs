//! `/api/v1/pricing-selections`: the seed's four endpoints, with its codes.

use rocket::request::{FromRequest, Outcome, Request};
use rocket::{get, patch, post, routes, Route, State};
use serde_json::Value;

use super::kind::perm;
use super::model::{SelectionInput, STATUSES};
use super::queries::{self, ListFilter};
use super::service;
use crate::app::App;
use crate::auth::end_user;
use crate::auth::guards::bearer;
use crate::auth::permissions::LeadAction as A;
use crate::error::{stash, ApiError, FieldErrors};
use crate::json::{created, ok, ApiResult, Body};
use crate::leads::kind::Input;
use crate::paging::{self, One};
use crate::workspaces::guard::{Ctx, HEADER};
use crate::workspaces::model::{Workspace, PLAN_USER_TYPES};

/// The HTTP routes of this capability.
pub fn routes() -> Vec<Route> {
    routes![create, for_user, list, set_status]
}

/// An end user (own selection only) or a staff member / API token (by permission).
pub enum PricingCaller {
    /// Authenticated by an end-user token.
    EndUser {
        /// Their workspace.
        workspace: Box<Workspace>,
        /// Token `sub`.
        user_id: String,
    },
    /// Staff, acting in a workspace.
    Staff(Box<Ctx>),
}

#[rocket::async_trait]
impl<'r> FromRequest<'r> for PricingCaller {
    type Error = ();
    async fn from_request(req: &'r Request<'_>) -> Outcome<Self, ()> {
        match bearer(req) {
            Some(Ok(token)) if !token.starts_with(crate::auth::tokens::PREFIX) => {
                let app = App::of(req);
                let header = req.headers().get_one(HEADER).map(str::to_string);
                let result = async {
                    let ws = end_user::token_workspace(&app.store, header).await?;
                    let user = end_user::verify(&app.store, &ws, token).await?;
                    Ok::<_, ApiError>(PricingCaller::EndUser {
                        workspace: Box::new(ws),
                        user_id: user.id,
                    })
                }
                .await;
                match result {
                    Ok(c) => Outcome::Success(c),
                    Err(e) => Outcome::Error((stash(req, e), ())),
                }
            }
            _ => req
                .guard::<Ctx>()
                .await
                .map(|c| PricingCaller::Staff(Box::new(c))),
        }
    }
}

fn forbidden() -> ApiError {
    ApiError::forbidden("Not authorized for this operation")
}

/// `POST /api/v1/pricing-selections` — an end user for themselves, or
/// PricingSelectionPermissions.Create for anyone.
#[post("/api/v1/pricing-selections", data = "<body>")]
async fn create(app: &State<App>, caller: PricingCaller, body: Body<Value>) -> ApiResult {
    let obj = body
        .0
        .as_object()
        .cloned()
        .ok_or_else(|| ApiError::validation("body", "must be a JSON object"))?;
    let input = SelectionInput::parse(obj)?;
    let ws = match caller {
        PricingCaller::EndUser { workspace, user_id } => {
            if user_id != input.user_id {
                return Err(forbidden());
            }
            *workspace
        }
        PricingCaller::Staff(ctx) => {
            ctx.require(perm(A::Create))?;
            ctx.workspace
        }
    };
    let id = service::create(app, ws, input).await?;
    Ok(created(Stored {
        id,
        message: "Pricing selection stored successfully",
    }))
}

/// `GET /api/v1/pricing-selections/<user_id>` — the end user themselves, or
/// PricingSelectionPermissions.FindById.
#[get("/api/v1/pricing-selections/<user_id>")]
async fn for_user(app: &State<App>, caller: PricingCaller, user_id: &str) -> ApiResult {
    let user_id =
        crate::end_users::parse_uuid(user_id).map_err(|m| ApiError::validation("userId", m))?;
    let ws = match caller {
        PricingCaller::EndUser {
            workspace,
            user_id: me,
        } => {
            if me != user_id {
                return Err(forbidden());
            }
            workspace.id
        }
        PricingCaller::Staff(ctx) => {
            ctx.require(perm(A::FindById))?;
            ctx.workspace.id.clone()
        }
    };
    Ok(ok(service::for_user(app, ws, user_id).await?))
}

/// Query parameters of the admin list, validated by `parse`.
#[derive(rocket::FromForm, Default, Debug, schemars::JsonSchema)]
pub struct SelectionQuery {
    /// `pending`, `contacted`, `converted` or `expired`.
    #[schemars(with = "Option<StatusName>")]
    #[serde(default)]
    status: One,
    /// A pricing-page user type.
    #[field(name = "userType")]
    #[serde(rename = "userType")]
    #[schemars(with = "Option<crate::workspaces::model::PlanUserType>")]
    #[serde(default)]
    user_type: One,
    /// 1-based page (default 1).
    #[schemars(with = "Option<paging::PageNumber>")]
    #[serde(default)]
    page: One,
    /// Items per page, 1–100 (default 20).
    #[schemars(with = "Option<paging::PageSize>")]
    #[serde(default)]
    limit: One,
    /// `createdAt` (default) or `capturedAt`.
    #[field(name = "sortBy")]
    #[serde(rename = "sortBy")]
    #[schemars(with = "Option<SortKey>")]
    #[serde(default)]
    sort_by: One,
    /// `asc` or `desc` (default).
    #[field(name = "sortOrder")]
    #[serde(rename = "sortOrder")]
    #[schemars(with = "Option<paging::SortOrder>")]
    #[serde(default)]
    sort_order: One,
    /// Words to look for (the customer's name, email, company, plan, notes).
    #[schemars(length(min = 1, max = 200))]
    #[serde(default)]
    q: One,
}

/// The statuses of a selection.
#[derive(schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
#[allow(dead_code)]
enum StatusName {
    Pending,
    Contacted,
    Converted,
    Expired,
}

/// The sort keys of the list.
#[derive(schemars::JsonSchema)]
#[allow(dead_code)]
enum SortKey {
    #[serde(rename = "createdAt")]
    CreatedAt,
    #[serde(rename = "capturedAt")]
    CapturedAt,
}

/// The seed's answer to a stored selection.
#[derive(serde::Serialize, schemars::JsonSchema)]
pub struct Stored {
    /// `ps_…`.
    id: String,
    /// "Pricing selection stored successfully".
    message: &'static str,
}

/// `{status, notes?}`: the next step of the workflow.
#[derive(serde::Deserialize, schemars::JsonSchema)]
pub struct StatusBody {
    /// `contacted` (from pending) or `converted` (from contacted).
    #[schemars(with = "NextStatus")]
    status: Option<String>,
    /// What was agreed.
    #[schemars(length(min = 1, max = 5000), pattern(crate::domain::TEXT))]
    notes: Option<String>,
}

/// The statuses staff may move a selection to.
#[derive(schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
#[allow(dead_code)]
enum NextStatus {
    Contacted,
    Converted,
}

impl SelectionQuery {
    /// Validates every parameter.
    pub fn parse(
        &self,
        errs: &mut FieldErrors,
    ) -> (ListFilter, paging::Page, (&'static str, bool)) {
        paging::once(
            &[
                ("status", &self.status),
                ("userType", &self.user_type),
                ("page", &self.page),
                ("limit", &self.limit),
                ("sortBy", &self.sort_by),
                ("sortOrder", &self.sort_order),
                ("q", &self.q),
            ],
            errs,
        );
        let pick =
            |field: &str, v: &Option<String>, allowed: &[&str], errs: &mut FieldErrors| match v
                .as_deref()
                .map(str::trim)
            {
                None | Some("") => None,
                Some(s) if allowed.contains(&s) => Some(s.to_string()),
                Some(_) => {
                    errs.add(field, format!("must be one of {}", allowed.join(", ")));
                    None
                }
            };
        let filter = ListFilter {
            status: pick("status", &self.status, &STATUSES, errs),
            user_type: pick("userType", &self.user_type, &PLAN_USER_TYPES, errs),
            q: paging::parse_q(self.q.as_deref(), errs),
        };
        let page = paging::parse_page(self.page.as_deref(), self.limit.as_deref(), errs);
        let sort = paging::parse_sort(
            self.sort_by.as_deref(),
            self.sort_order.as_deref(),
            &[("createdAt", "created_at"), ("capturedAt", "captured_at")],
            errs,
        );
        (filter, page, sort)
    }
}

/// `GET /api/v1/pricing-selections` — PricingSelectionPermissions.Find (staff only).
#[get("/api/v1/pricing-selections?<query..>")]
async fn list(app: &State<App>, caller: PricingCaller, query: SelectionQuery) -> ApiResult {
    let PricingCaller::Staff(ctx) = caller else {
        return Err(forbidden());
    };
    ctx.require(perm(A::Find))?;
    let mut errs = FieldErrors::default();
    let (filter, page, sort) = query.parse(&mut errs);
    errs.finish()?;
    let cut = service::cutoffs(&app.clock);
    let ws = ctx.workspace.id.clone();
    let (rows, total) = app
        .store
        .read(move |c| {
            queries::list(
                c,
                &ws,
                &filter,
                &cut,
                sort,
                page.limit,
                (page.page - 1) * page.limit,
            )
        })
        .await?;
    Ok(ok(paging::paged(rows, page, total)))
}

/// `PATCH /api/v1/pricing-selections/<id>/status` — PricingSelectionPermissions.UpdateStatus
/// (owner, admin, support, sales).
#[patch("/api/v1/pricing-selections/<id>/status", data = "<body>")]
async fn set_status(
    app: &State<App>,
    caller: PricingCaller,
    id: &str,
    body: Body<StatusBody>,
) -> ApiResult {
    let PricingCaller::Staff(ctx) = caller else {
        return Err(forbidden());
    };
    ctx.require(perm(A::UpdateStatus))?;
    let mut errs = FieldErrors::default();
    let status = errs.take(
        "status",
        match body.0.status.as_deref() {
            Some(s) if STATUSES.contains(&s) => Ok(s.to_string()),
            None => Err("is required".to_string()),
            Some(_) => Err(format!("must be one of {}", STATUSES.join(", "))),
        },
    );
    let notes = errs
        .take(
            "notes",
            crate::domain::optional_text(body.0.notes.as_deref(), 5000),
        )
        .flatten();
    errs.finish()?;
    let data = service::set_status(
        app,
        ctx.workspace.id.clone(),
        id.to_string(),
        ctx.staff.user.id.clone(),
        status.unwrap_or_default(),
        notes,
    )
    .await?;
    Ok(ok(data))
}
