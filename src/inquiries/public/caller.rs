//! Who posts to a form: the body (JSON or a plain form post) and the caller's origin, host and
//! address, judged against the form's allowed origins.

use std::net::IpAddr;

use rocket::data::{Data, FromData, Outcome as DataOutcome};
use rocket::http::Status;
use rocket::request::{FromRequest, Outcome, Request};
use serde_json::{json, Value};

use crate::auth::guards::client_ip;
use crate::error::{stash, ApiError};
use crate::inquiries::forms::cache::Target;
use crate::inquiries::model::{fields_from_form, fields_from_json, Fields};
use crate::json::{parse_json, read_limited};

/// A submission body: JSON or `application/x-www-form-urlencoded`.
pub struct Submission {
    pub(super) fields: Fields,
    pub(super) is_form: bool,
}

#[rocket::async_trait]
impl<'r> FromData<'r> for Submission {
    type Error = ();
    async fn from_data(req: &'r Request<'_>, data: Data<'r>) -> DataOutcome<'r, Self> {
        let ct = req.content_type().cloned();
        let is_form = ct.as_ref().map(|c| c.is_form()).unwrap_or(false);
        let is_json = ct.as_ref().map(|c| c.is_json()).unwrap_or(false);
        if !is_form && !is_json {
            let e = ApiError::for_status(Status::UnsupportedMediaType).with_details(json!({
                "contentType": "must be application/json or application/x-www-form-urlencoded"
            }));
            return DataOutcome::Error((stash(req, e), ()));
        }
        let bytes = match read_limited(data).await {
            Ok(b) => b,
            Err(e) => return DataOutcome::Error((stash(req, e), ())),
        };
        let fields = if is_form {
            match std::str::from_utf8(&bytes) {
                Ok(s) => fields_from_form(s),
                Err(_) => {
                    let e = ApiError::validation("body", "must be UTF-8");
                    return DataOutcome::Error((stash(req, e), ()));
                }
            }
        } else {
            match parse_json::<serde_json::Map<String, Value>>(&bytes) {
                Ok(obj) => fields_from_json(obj),
                Err(e) => return DataOutcome::Error((stash(req, e), ())),
            }
        };
        DataOutcome::Success(Submission { fields, is_form })
    }
}

/// Who is calling: browser origin, host asked for, client IP.
pub struct Caller {
    pub(super) origin: Option<String>,
    host: Option<String>,
    pub(super) ip: Option<IpAddr>,
}

#[rocket::async_trait]
impl<'r> FromRequest<'r> for Caller {
    type Error = std::convert::Infallible;
    async fn from_request(req: &'r Request<'_>) -> Outcome<Self, Self::Error> {
        Outcome::Success(Caller {
            origin: req.headers().get_one("Origin").map(str::to_string),
            host: req.headers().get_one("Host").map(str::to_string),
            ip: client_ip(req),
        })
    }
}

/// Where a browser post comes from, as far as the form's allowed origins go.
pub(super) enum Origin {
    /// No `Origin` header, or leadbox's own hosted page.
    Own,
    /// An allowed origin: answered with CORS headers for it.
    Allowed(String),
    /// An origin the form does not allow (normalised): the post is held in quarantine.
    Unlisted(String),
}

impl Caller {
    pub(super) fn origin(&self, t: &Target) -> Origin {
        // `Origin: null` (a page with `Referrer-Policy: no-referrer`, a sandboxed frame) names
        // no site that could ever be allowed, so it is judged like a post without one.
        let Some(origin) = self
            .origin
            .as_deref()
            .filter(|o| !o.eq_ignore_ascii_case("null"))
        else {
            return Origin::Own;
        };
        let authority = origin.split_once("://").map(|(_, a)| a);
        if authority.is_some() && authority == self.host.as_deref() {
            return Origin::Own; // same origin: leadbox's own hosted form
        }
        let normal = origin.trim_end_matches('/').to_ascii_lowercase();
        if t.allows(&normal) {
            Origin::Allowed(origin.to_string())
        } else {
            Origin::Unlisted(normal.chars().take(300).collect())
        }
    }

    /// Ok(Some(origin)) for an allowed cross-origin browser, Ok(None) without CORS involved,
    /// Err for an origin the form does not allow (the challenge and the preflight refuse it,
    /// so the embed script falls back to a plain form post, which is kept in quarantine).
    pub(super) fn cors(&self, t: &Target) -> Result<Option<String>, ApiError> {
        match self.origin(t) {
            Origin::Own => Ok(None),
            Origin::Allowed(o) => Ok(Some(o)),
            Origin::Unlisted(_) => Err(ApiError::forbidden("This origin may not use this form")
                .with_details(json!({ "origin": "is not in the form's allowedOrigins" }))),
        }
    }
}
