//! `POST /api/v1/auth/token`: trade a staff email and password for an API token.

use rocket::{post, routes, Route, State};
use serde::Deserialize;
use serde_json::json;

use super::guards::ClientIp;
use super::{password, tokens, users};
use crate::app::App;
use crate::domain::{self, Email};
use crate::error::{ApiError, FieldErrors};
use crate::json::{created, ApiResult, Body};

/// The HTTP routes of this capability.
pub fn routes() -> Vec<Route> {
    routes![issue_token]
}

#[derive(Deserialize)]
struct TokenRequest {
    email: Option<String>,
    password: Option<String>,
    name: Option<String>,
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
    Ok(created(json!({
        "token": secret,
        "tokenId": info.id,
        "userId": user.id,
        "expiresAt": info.expires_at,
    })))
}
