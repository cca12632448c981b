//! End-user tokens: HS256 JWTs signed by the team's backend with the workspace's
//! `userTokenSecret`. A verified token creates or refreshes the end user from its claims.

use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{decode, Algorithm, DecodingKey, Validation};
use rocket::http::Status;
use serde::Deserialize;

use crate::end_users::{self, EndUser};
use crate::error::{ApiError, FieldErrors};
use crate::store::Store;
use crate::workspaces::model::Workspace;
use crate::workspaces::queries as workspaces;

/// Clock difference tolerated on `exp`, `nbf` and `iat`, in seconds.
pub const LEEWAY_SECONDS: u64 = 30;

#[derive(Debug, Deserialize)]
struct Claims {
    sub: Option<String>,
    iat: Option<i64>,
    email: Option<String>,
    name: Option<String>,
    company: Option<String>,
    signup_type: Option<String>,
    vendor_category: Option<String>,
}

fn refused(message: impl Into<String>) -> ApiError {
    ApiError::new(Status::Unauthorized, "UNAUTHORIZED", message)
}

/// The workspace an end-user token is for, as the token's callers see it: any client mistake
/// is a 401 (an end user cannot fix a merchant header), a storage fault stays a 503.
pub async fn token_workspace(store: &Store, header: Option<String>) -> Result<Workspace, ApiError> {
    workspace_for(store, header).await.map_err(|e| {
        if e.status.code >= 500 {
            e
        } else {
            ApiError::unauthorized()
        }
    })
}

/// The workspace an end-user call is for: `x-merchant-id`, else the appliance's only one.
pub async fn workspace_for(store: &Store, header: Option<String>) -> Result<Workspace, ApiError> {
    store
        .read(
            move |c| match header.as_deref().map(str::trim).filter(|h| !h.is_empty()) {
                Some(key) => workspaces::by_id_or_slug(c, key)?.ok_or_else(ApiError::not_found),
                None => workspaces::the_only_one(c)?.ok_or_else(|| {
                    ApiError::new(
                        Status::BadRequest,
                        "MERCHANT_REQUIRED",
                        "Several workspaces exist: send x-merchant-id",
                    )
                }),
            },
        )
        .await
}

/// Verifies an end-user token for `ws` and returns the end user, created or refreshed from
/// its claims. Every failure is a 401 that says what was wrong with the token.
pub async fn verify(store: &Store, ws: &Workspace, token: &str) -> Result<EndUser, ApiError> {
    let secret = ws
        .user_token_secret
        .as_deref()
        .ok_or_else(|| refused("End-user tokens are not enabled for this workspace"))?;
    let mut validation = Validation::new(Algorithm::HS256);
    validation.leeway = LEEWAY_SECONDS;
    validation.validate_nbf = true;
    validation.set_required_spec_claims(&["exp", "sub"]);
    let data = decode::<Claims>(
        token,
        &DecodingKey::from_secret(secret.as_bytes()),
        &validation,
    )
    .map_err(|e| match e.kind() {
        ErrorKind::ExpiredSignature => refused("The token has expired"),
        ErrorKind::InvalidSignature => refused("The token's signature is not valid"),
        ErrorKind::MissingRequiredClaim(c) => refused(format!("The token lacks the `{c}` claim")),
        ErrorKind::InvalidAlgorithm => refused("The token must be signed with HS256"),
        ErrorKind::ImmatureSignature => refused("The token is not valid yet"),
        _ => refused("The token is malformed"),
    })?;
    let c = data.claims;
    // A token issued in the future was minted by a clock that cannot be trusted.
    if let Some(iat) = c.iat {
        if iat > crate::util::now().unix_timestamp() + LEEWAY_SECONDS as i64 {
            return Err(refused("The token's `iat` is in the future"));
        }
    }
    let sub = c
        .sub
        .as_deref()
        .ok_or_else(|| refused("The token lacks the `sub` claim"))
        .and_then(|s| {
            end_users::parse_uuid(s).map_err(|_| refused("The token's `sub` must be a UUID"))
        })?;
    let mut errs = FieldErrors::default();
    let user = end_users::parse_profile(
        sub,
        c.email.as_deref(),
        c.name.as_deref(),
        c.company.as_deref(),
        c.signup_type.as_deref(),
        c.vendor_category.as_deref(),
        &mut errs,
    );
    if let Some((claim, why)) = errs.into_map().into_iter().next() {
        return Err(refused(format!("The token's `{claim}` claim {why}")));
    }
    let ws_id = ws.id.clone();
    let stored = {
        let (w, id) = (ws_id.clone(), user.id.clone());
        store
            .read(move |conn| end_users::get(conn, &w, &id))
            .await?
    };
    // Only write when the claims say something new: most calls change nothing.
    let known = stored.as_ref().map(|s| merged(s, &user));
    if known.as_ref() != stored.as_ref() || stored.is_none() {
        let fresh = known.unwrap_or_else(|| user.clone());
        let f = fresh.clone();
        store
            .write(move |tx| end_users::upsert(tx, &ws_id, &f))
            .await?;
        return Ok(fresh);
    }
    Ok(stored.unwrap_or(user))
}

/// The stored user refreshed with the claims the token carries (absent claims keep values).
fn merged(stored: &EndUser, claims: &EndUser) -> EndUser {
    EndUser {
        id: stored.id.clone(),
        email: claims.email.clone().or_else(|| stored.email.clone()),
        name: claims.name.clone().or_else(|| stored.name.clone()),
        company: claims.company.clone().or_else(|| stored.company.clone()),
        signup_type: claims
            .signup_type
            .clone()
            .or_else(|| stored.signup_type.clone()),
        vendor_category: claims.vendor_category.clone().or_else(|| {
            if claims.signup_type.is_some() {
                None
            } else {
                stored.vendor_category.clone()
            }
        }),
    }
}
