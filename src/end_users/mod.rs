//! End users: the team's own SaaS users, known by the id their backend gives them.

use rocket::{put, routes, Route, State};
use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};

use crate::app::App;
use crate::auth::permissions::Perm;
use crate::domain::{self, Email};
use crate::error::{ApiError, FieldErrors};
use crate::json::{created, ok, ApiResult, Body};
use crate::util;
use crate::workspaces::guard::Ctx;

/// The HTTP routes of this capability.
pub fn routes() -> Vec<Route> {
    routes![provision]
}

/// An end user as stored.
#[derive(Debug, Clone, Serialize, PartialEq, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct EndUser {
    /// Their id in the team's product (uuid).
    pub id: String,
    /// Email.
    pub email: Option<String>,
    /// Name.
    pub name: Option<String>,
    /// Company.
    pub company: Option<String>,
    /// `industry`, `vendor` or `professional`.
    pub signup_type: Option<String>,
    /// For vendors: `service`, `product` or `logistics`.
    pub vendor_category: Option<String>,
}

/// Signup types an end user can have.
pub const SIGNUP_TYPES: [&str; 3] = ["industry", "vendor", "professional"];
/// Vendor categories.
pub const VENDOR_CATEGORIES: [&str; 3] = ["service", "product", "logistics"];

/// Parses a uuid path or claim value.
pub fn parse_uuid(raw: &str) -> Result<String, String> {
    uuid::Uuid::parse_str(raw.trim())
        .map(|u| u.hyphenated().to_string())
        .map_err(|_| "must be a UUID".to_string())
}

/// An end user's profile, as the team's backend knows it.
#[derive(Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProvisionBody {
    /// Email.
    #[schemars(length(max = 254), pattern(crate::domain::EMAIL))]
    email: Option<String>,
    /// Name.
    #[schemars(length(min = 1, max = 200), pattern(crate::domain::TEXT))]
    name: Option<String>,
    /// Company.
    #[schemars(length(min = 1, max = 200), pattern(crate::domain::TEXT))]
    company: Option<String>,
    /// `industry`, `vendor` or `professional`.
    #[schemars(with = "Option<SignupType>")]
    signup_type: Option<String>,
    /// For vendors (and only for them): `service`, `product` or `logistics`.
    #[schemars(with = "Option<VendorCategory>")]
    vendor_category: Option<String>,
}

/// Signup types.
#[derive(schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
#[allow(dead_code)]
enum SignupType {
    Industry,
    Vendor,
    Professional,
}

/// Vendor categories.
#[derive(schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
#[allow(dead_code)]
enum VendorCategory {
    Service,
    Product,
    Logistics,
}

/// The operations of this capability.
pub fn operations() -> Vec<crate::ops::openapi::Operation> {
    vec![crate::ops::openapi::Operation::new(
        "put",
        "/api/v1/users/{id}",
        "Provision an end user server to server (201 created, 200 refreshed); the id is a uuid",
        "EndUserPermissions.Provision",
    )
    .body::<ProvisionBody>()
    .ok::<EndUser>(201, "Created")
    .ok::<EndUser>(200, "Refreshed")]
}

/// Parses and cross-checks the profile fields of an end user.
pub fn parse_profile(
    id: String,
    email: Option<&str>,
    name: Option<&str>,
    company: Option<&str>,
    signup_type: Option<&str>,
    vendor_category: Option<&str>,
    errs: &mut FieldErrors,
) -> EndUser {
    let email = errs
        .take(
            "email",
            email
                .map(|e| Email::parse(e).map(|e| Some(e.into_inner())))
                .unwrap_or(Ok(None)),
        )
        .flatten();
    let name = errs
        .take("name", domain::optional_text(name, 200))
        .flatten();
    let company = errs
        .take("company", domain::optional_text(company, 200))
        .flatten();
    let signup_type = errs
        .take(
            "signupType",
            match signup_type.map(str::trim) {
                None | Some("") => Ok(None),
                Some(t) if SIGNUP_TYPES.contains(&t) => Ok(Some(t.to_string())),
                Some(_) => Err("must be industry, vendor or professional".to_string()),
            },
        )
        .flatten();
    let vendor_category = errs
        .take(
            "vendorCategory",
            match vendor_category.map(str::trim) {
                None | Some("") => Ok(None),
                Some(c) if VENDOR_CATEGORIES.contains(&c) => Ok(Some(c.to_string())),
                Some(_) => Err("must be service, product or logistics".to_string()),
            },
        )
        .flatten();
    match (signup_type.as_deref(), vendor_category.is_some()) {
        (Some("vendor"), false) => errs.add("vendorCategory", "is required for vendors"),
        (Some(t), true) if t != "vendor" => {
            errs.add("vendorCategory", "is only for signupType vendor")
        }
        (None, true) => errs.add("vendorCategory", "is only for signupType vendor"),
        _ => {}
    }
    EndUser {
        id,
        email,
        name,
        company,
        signup_type,
        vendor_category,
    }
}

/// Creates or refreshes an end user; true when it was created.
pub fn upsert(conn: &Connection, workspace_id: &str, u: &EndUser) -> Result<bool, ApiError> {
    let existed: Option<String> = conn
        .prepare_cached("SELECT id FROM end_users WHERE workspace_id = ?1 AND id = ?2")?
        .query_row([workspace_id, &u.id], |r| r.get(0))
        .optional()?;
    let now = util::now_str();
    conn.prepare_cached(
        "INSERT INTO end_users (workspace_id, id, email, name, company, signup_type,
             vendor_category, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)
         ON CONFLICT (workspace_id, id) DO UPDATE SET email = excluded.email,
             name = excluded.name, company = excluded.company,
             signup_type = excluded.signup_type, vendor_category = excluded.vendor_category,
             updated_at = excluded.updated_at",
    )?
    .execute(params![
        workspace_id,
        u.id,
        u.email,
        u.name,
        u.company,
        u.signup_type,
        u.vendor_category,
        now
    ])?;
    Ok(existed.is_none())
}

/// An end user of a workspace.
pub fn get(conn: &Connection, workspace_id: &str, id: &str) -> Result<Option<EndUser>, ApiError> {
    Ok(conn
        .prepare_cached(
            "SELECT id, email, name, company, signup_type, vendor_category FROM end_users
             WHERE workspace_id = ?1 AND id = ?2",
        )?
        .query_row([workspace_id, id], |r| {
            Ok(EndUser {
                id: r.get(0)?,
                email: r.get(1)?,
                name: r.get(2)?,
                company: r.get(3)?,
                signup_type: r.get(4)?,
                vendor_category: r.get(5)?,
            })
        })
        .optional()?)
}

/// `PUT /api/v1/users/<id>` — EndUserPermissions.Provision: 201 when created, 200 when
/// refreshed.
#[put("/api/v1/users/<id>", data = "<body>")]
async fn provision(app: &State<App>, ctx: Ctx, id: &str, body: Body<ProvisionBody>) -> ApiResult {
    ctx.require(Perm::EndUserProvision)?;
    let mut errs = FieldErrors::default();
    let id = errs.take("id", parse_uuid(id)).unwrap_or_default();
    let b = body.0;
    let user = parse_profile(
        id,
        b.email.as_deref(),
        b.name.as_deref(),
        b.company.as_deref(),
        b.signup_type.as_deref(),
        b.vendor_category.as_deref(),
        &mut errs,
    );
    errs.finish()?;
    let ws = ctx.workspace.id.clone();
    let u = user.clone();
    let was_created = app.store.write(move |tx| upsert(tx, &ws, &u)).await?;
    Ok(if was_created { created(user) } else { ok(user) })
}
