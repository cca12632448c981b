//! `POST /api/v1/auth/token`: trade a staff email and password for an API token.

use rocket::{post, routes, Route, State};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::guards::ClientIp;
use super::{password, tokens, users};
use crate::app::App;
use crate::domain::{self, Email};
use crate::error::{ApiError, FieldErrors};
use crate::json::{created, ApiResult, Body};
use crate::ops::openapi::Operation;

/// The HTTP routes of this capability.
pub fn routes() -> Vec<Route> {
    routes![issue_token]
}

/// `{email, password, name?}`.
#[derive(Deserialize, JsonSchema)]
pub struct TokenRequest {
    /// The staff login.
    #[schemars(required, length(max = 254), pattern(crate::domain::EMAIL))]
    email: Option<String>,
    /// Its password.
    #[schemars(required, length(min = 1, max = 1024))]
    password: Option<String>,
    /// A name for the token (default "API token").
    #[schemars(length(min = 1, max = 100), pattern(crate::domain::TEXT))]
    name: Option<String>,
}

/// A new API token, shown only in this answer.
#[derive(Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct TokenIssued {
    /// `lbx_…`: send it as `Authorization: Bearer …`.
    token: String,
    /// Its id (to revoke it).
    token_id: String,
    /// Whose it is.
    user_id: String,
    /// When it stops working; null = until revoked.
    expires_at: Option<String>,
}

/// The operations of this capability.
pub fn operations() -> Vec<Operation> {
    vec![Operation::new(
        "post",
        "/api/v1/auth/token",
        "Trade staff email and password for an API token (throttled per account and IP)",
        "public",
    )
    .body::<TokenRequest>()
    .ok::<TokenIssued>(201, "The token, shown once")]
}

/// Checks a staff email and password, throttled per account and IP; the user on success.
pub async fn check_credentials(
    app: &App,
    ip: Option<std::net::IpAddr>,
    email: &Email,
    password: String,
) -> Result<users::StaffUser, ApiError> {
    app.throttle.check_login(ip, email.as_str())?;
    let login = email.as_str().to_string();
    let found = app
        .store
        .read(move |c| users::with_hash_by_email(c, &login))
        .await?;
    let (user, hash) = match found {
        Some((u, h)) => (Some(u), Some(h)),
        None => (None, None),
    };
    if password::verify(password, hash).await {
        user.ok_or_else(ApiError::unauthorized)
    } else {
        Err(ApiError::new(
            rocket::http::Status::Unauthorized,
            "UNAUTHORIZED",
            "Wrong email or password",
        ))
    }
}

/// `POST /api/v1/auth/token` — public (credentials in the body); 201 with the token, shown
/// only this once.
#[post("/api/v1/auth/token", data = "<body>")]
async fn issue_token(app: &State<App>, ip: ClientIp, body: Body<TokenRequest>) -> ApiResult {
    let b = body.0;
    let mut errs = FieldErrors::default();
    let email = errs.take(
        "email",
        b.email
            .as_deref()
            .map(Email::parse_login)
            .unwrap_or(Err("is required".into())),
    );
    let password = errs.take(
        "password",
        match b.password {
            Some(p) if !p.is_empty() && p.len() <= 1024 => Ok(p),
            Some(p) if !p.is_empty() => Err(format!("must be at most 1024 bytes, got {}", p.len())),
            _ => Err("is required".to_string()),
        },
    );
    let name = errs
        .take("name", domain::optional_text(b.name.as_deref(), 100))
        .flatten()
        .unwrap_or_else(|| "API token".into());
    errs.finish()?;
    let (Some(email), Some(password)) = (email, password) else {
        return Err(ApiError::unauthorized());
    };
    let user = check_credentials(app, ip.0, &email, password).await?;
    let user_id = user.id.clone();
    let (info, secret) = app
        .store
        .write(move |tx| tokens::create(tx, &user_id, &name))
        .await?;
    Ok(created(TokenIssued {
        token: secret,
        token_id: info.id,
        user_id: user.id,
        expires_at: info.expires_at,
    }))
}
