//! Request guards: the client IP and the authenticated staff member.

use std::net::IpAddr;

use rocket::http::Method;
use rocket::request::{FromRequest, Outcome, Request};

use super::sessions::{self, Session};
use super::tokens;
use super::users::{self, StaffUser};
use crate::app::App;
use crate::error::{stash, ApiError};
use crate::store::Store;
use crate::util;

/// The client's address: the socket peer, or `X-Forwarded-For` when the peer is trusted.
#[derive(Debug, Clone, Copy)]
pub struct ClientIp(pub Option<IpAddr>);

/// Walks `X-Forwarded-For` from the right past trusted hops to the first untrusted address.
pub fn client_ip(req: &Request<'_>) -> Option<IpAddr> {
    let peer = req.remote().map(|a| a.ip());
    let app = App::of(req);
    let peer = peer?;
    if !app.trusted.contains(peer) {
        return Some(peer);
    }
    let hops: Vec<IpAddr> = req
        .headers()
        .get("X-Forwarded-For")
        .flat_map(|h| h.split(','))
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    hops.into_iter()
        .rev()
        .find(|ip| !app.trusted.contains(*ip))
        .or(Some(peer))
}

#[rocket::async_trait]
impl<'r> FromRequest<'r> for ClientIp {
    type Error = std::convert::Infallible;
    async fn from_request(req: &'r Request<'_>) -> Outcome<Self, Self::Error> {
        Outcome::Success(ClientIp(client_ip(req)))
    }
}

/// True when the request reached leadbox over TLS (said by a trusted proxy) or the operator
/// asked for `Secure` cookies.
pub fn is_https(req: &Request<'_>) -> bool {
    let app = App::of(req);
    if app.config.secure_cookies {
        return true;
    }
    let trusted_peer = req
        .remote()
        .map(|a| app.trusted.contains(a.ip()))
        .unwrap_or(false);
    trusted_peer
        && req
            .headers()
            .get_one("X-Forwarded-Proto")
            .map(|p| p.eq_ignore_ascii_case("https"))
            .unwrap_or(false)
}

/// How a staff member authenticated.
#[derive(Debug, Clone)]
pub enum Via {
    /// The browser session cookie.
    Session(Session),
    /// An `lbx_` API token, by id.
    Token(String),
}

/// An authenticated staff member.
#[derive(Debug, Clone)]
pub struct Staff {
    /// Who.
    pub user: StaffUser,
    /// How.
    pub via: Via,
}

impl Staff {
    /// The session, when signed in through the browser.
    pub fn session(&self) -> Option<&Session> {
        match &self.via {
            Via::Session(s) => Some(s),
            Via::Token(_) => None,
        }
    }
}

/// Reads `Authorization: Bearer …`; Some(Err) when the header is there but malformed.
pub fn bearer<'a>(req: &'a Request<'_>) -> Option<Result<&'a str, ApiError>> {
    let h = req.headers().get_one("Authorization")?;
    let mut parts = h.splitn(2, ' ');
    let scheme = parts.next().unwrap_or("");
    let token = parts.next().unwrap_or("").trim();
    if !scheme.eq_ignore_ascii_case("bearer") || token.is_empty() {
        return Some(Err(ApiError::unauthorized()));
    }
    Some(Ok(token))
}

/// Authenticates a staff member by an `lbx_` API token (also used by the socket's `auth`).
pub async fn staff_from_token(store: &Store, token: &str) -> Result<Staff, ApiError> {
    if !token.starts_with(tokens::PREFIX) {
        return Err(ApiError::unauthorized());
    }
    let token = token.to_string();
    let found = store
        .read(move |c| {
            let Some(v) = tokens::verify(c, &token)? else {
                return Ok(None);
            };
            Ok(users::by_id(c, &v.user_id)?.map(|u| (u, v)))
        })
        .await?;
    let Some((user, v)) = found else {
        return Err(ApiError::unauthorized());
    };
    let stale = v
        .last_used_at
        .as_deref()
        .and_then(util::parse_rfc3339)
        .map(|t| util::now() - t > time::Duration::minutes(1))
        .unwrap_or(true);
    if stale {
        let store = store.clone();
        let id = v.token_id.clone();
        rocket::tokio::spawn(async move {
            let _ = store.write(move |tx| tokens::touch(tx, &id)).await;
        });
    }
    Ok(Staff {
        user,
        via: Via::Token(v.token_id),
    })
}

/// Authenticates a staff member by API token or session cookie (without the CSRF check).
pub async fn authenticate(req: &Request<'_>) -> Result<Staff, ApiError> {
    let app = App::of(req);
    if let Some(token) = bearer(req) {
        return staff_from_token(&app.store, token?).await;
    }
    let Some(cookie) = req.cookies().get_private(sessions::COOKIE) else {
        return Err(ApiError::unauthorized());
    };
    let token = cookie.value().to_string();
    let found = app
        .store
        .read(move |c| {
            let Some(s) = sessions::lookup(c, &token)? else {
                return Ok(None);
            };
            Ok(users::by_id(c, &s.user_id)?.map(|u| (u, s)))
        })
        .await?;
    match found {
        Some((user, s)) => Ok(Staff {
            user,
            via: Via::Session(s),
        }),
        None => Err(ApiError::unauthorized()),
    }
}

/// The CSRF check for session-authenticated unsafe API calls: `X-CSRF-Token` must match.
pub fn check_csrf_header(req: &Request<'_>, staff: &Staff) -> Result<(), ApiError> {
    let Some(session) = staff.session() else {
        return Ok(());
    };
    if matches!(req.method(), Method::Get | Method::Head | Method::Options) {
        return Ok(());
    }
    let sent = req.headers().get_one("X-CSRF-Token").unwrap_or("");
    if util::ct_eq(sent, &session.csrf) {
        Ok(())
    } else {
        Err(
            ApiError::forbidden("The CSRF token is missing or wrong").with_details(
                serde_json::json!({ "X-CSRF-Token": "must match the session's CSRF token" }),
            ),
        )
    }
}

#[rocket::async_trait]
impl<'r> FromRequest<'r> for Staff {
    type Error = ();
    async fn from_request(req: &'r Request<'_>) -> Outcome<Self, ()> {
        let cached = req
            .local_cache_async(async {
                let staff = authenticate(req).await?;
                check_csrf_header(req, &staff)?;
                Ok::<Staff, ApiError>(staff)
            })
            .await;
        match cached {
            Ok(s) => Outcome::Success(s.clone()),
            Err(e) => Outcome::Error((stash(req, e.clone()), ())),
        }
    }
}
