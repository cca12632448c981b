//! `POST /api/sales/contact-request`: the seed's contract, its own envelope and error words.

use std::io::Cursor;

use rocket::http::{ContentType, Header, Status};
use rocket::request::{FromRequest, Outcome, Request};
use rocket::response::{self, Responder, Response};
use rocket::{catch, post, routes, Route, State};
use serde_json::{json, Value};

use super::model::{ContactInput, RawRequest};
use super::service::{self, Asker};
use crate::app::App;
use crate::auth::end_user;
use crate::auth::guards::{bearer, client_ip, Staff};
use crate::error::{stash, take_stashed, ApiError};
use crate::json::Body;
use crate::leads::kind::Input;
use crate::workspaces::guard::{resolve, HEADER};
use crate::workspaces::model::Workspace;

/// The HTTP routes of the public contact path.
pub fn routes() -> Vec<Route> {
    routes![contact]
}

/// A refused request in the contact envelope.
#[derive(Debug, serde::Serialize, schemars::JsonSchema)]
pub struct Refused {
    /// Always false.
    #[schemars(extend("const" = false))]
    pub ok: bool,
    /// `rate_limited`, `invalid_payload`, `service_unavailable` or `unauthorized`.
    #[schemars(with = "ErrorWord")]
    pub error: &'static str,
    /// A sentence for people.
    pub message: String,
}

/// The error words of the contact envelope.
#[derive(schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
#[allow(dead_code)]
enum ErrorWord {
    RateLimited,
    InvalidPayload,
    ServiceUnavailable,
    Unauthorized,
}

/// The operations of the public contact path.
pub fn operations() -> Vec<crate::ops::openapi::Operation> {
    vec![crate::ops::openapi::Operation::new(
        "post",
        "/api/sales/contact-request",
        "Contact Sales (end-user token or staff session); its own envelope; Idempotency-Key header replays the original answer",
        "end-user token",
    )
    .body::<RawRequest>()
    .json::<super::service::Accepted>(201, "Stored, or a replay (Idempotent-Replayed: true)")
    .error_body::<Refused>()
    .errors(&[400, 401, 429, 503])]
}

/// An answer in the contact envelope: `{"ok": true, …}` or `{"ok": false, "error", "message"}`.
pub struct ContactAnswer {
    status: Status,
    body: Value,
    headers: Vec<Header<'static>>,
}

impl ContactAnswer {
    /// A failure with its error word.
    pub fn error(status: Status, word: &'static str, message: impl Into<String>) -> ContactAnswer {
        ContactAnswer {
            status,
            body: serde_json::to_value(Refused {
                ok: false,
                error: word,
                message: message.into(),
            })
            .unwrap_or(Value::Null),
            headers: vec![],
        }
    }

    /// The contact envelope of any API error.
    pub fn from_api(e: ApiError) -> ContactAnswer {
        let (status, word) = match e.status.code {
            401 | 403 => (Status::Unauthorized, "unauthorized"),
            429 => (Status::TooManyRequests, "rate_limited"),
            400 | 404 | 405 | 413 | 415 | 422 => (Status::BadRequest, "invalid_payload"),
            _ => (Status::ServiceUnavailable, "service_unavailable"),
        };
        let message = if word == "service_unavailable" {
            "Sales requests are unavailable right now; please try again or email us".to_string()
        } else {
            e.message.clone()
        };
        let mut a = ContactAnswer::error(status, word, message);
        if let Some(s) = e.retry_after {
            a.headers.push(Header::new("Retry-After", s.to_string()));
        }
        a
    }
}

impl<'r> Responder<'r, 'static> for ContactAnswer {
    fn respond_to(self, _: &'r Request<'_>) -> response::Result<'static> {
        let s = self.body.to_string();
        let mut r = Response::build();
        r.status(self.status)
            .header(ContentType::JSON)
            .sized_body(s.len(), Cursor::new(s));
        for h in self.headers {
            r.header(h);
        }
        r.ok()
    }
}

/// Catcher for `/api/sales`: every failure in the contact envelope.
#[catch(default)]
pub fn contact_catcher(status: Status, req: &Request<'_>) -> ContactAnswer {
    ContactAnswer::from_api(take_stashed(req).unwrap_or_else(|| ApiError::for_status(status)))
}

/// An end user (by token) or a staff member (by token or session) asking for sales.
pub struct SalesCaller {
    /// Where.
    pub workspace: Workspace,
    /// Who, with request context.
    pub asker: Asker,
}

#[rocket::async_trait]
impl<'r> FromRequest<'r> for SalesCaller {
    type Error = ();
    async fn from_request(req: &'r Request<'_>) -> Outcome<Self, ()> {
        let app = App::of(req);
        let header = req.headers().get_one(HEADER).map(str::to_string);
        let ip = client_ip(req).map(|i| i.to_string());
        let user_agent = req
            .headers()
            .get_one("User-Agent")
            .map(|u| u.chars().take(500).collect());
        let lang = req
            .headers()
            .get_one("Accept-Language")
            .and_then(crate::admin::account::accepts);
        let result: Result<SalesCaller, ApiError> = async {
            match bearer(req) {
                Some(Ok(token)) if !token.starts_with(crate::auth::tokens::PREFIX) => {
                    let ws = end_user::token_workspace(&app.store, header).await?;
                    let user = end_user::verify(&app.store, &ws, token).await?;
                    Ok(SalesCaller {
                        workspace: ws,
                        asker: Asker {
                            user_id: user.id,
                            account_email: user.email,
                            ip,
                            user_agent,
                            lang,
                        },
                    })
                }
                _ => {
                    let staff = match req.guard::<Staff>().await {
                        Outcome::Success(s) => s,
                        _ => {
                            return Err(crate::error::take_stashed(req)
                                .unwrap_or_else(ApiError::unauthorized))
                        }
                    };
                    let (ws, _) = resolve(&app.store, &staff, header).await?;
                    Ok(SalesCaller {
                        workspace: ws,
                        asker: Asker {
                            user_id: staff.user.id,
                            account_email: Some(staff.user.email),
                            ip,
                            user_agent,
                            lang,
                        },
                    })
                }
            }
        }
        .await;
        match result {
            Ok(c) => Outcome::Success(c),
            Err(e) => Outcome::Error((stash(req, e), ())),
        }
    }
}

/// The raw `Idempotency-Key` header.
pub struct IdempotencyKey(Option<String>);

#[rocket::async_trait]
impl<'r> FromRequest<'r> for IdempotencyKey {
    type Error = std::convert::Infallible;
    async fn from_request(req: &'r Request<'_>) -> Outcome<Self, Self::Error> {
        Outcome::Success(IdempotencyKey(
            req.headers().get_one("Idempotency-Key").map(str::to_string),
        ))
    }
}

fn invalid(message: String) -> ContactAnswer {
    ContactAnswer::error(Status::BadRequest, "invalid_payload", message)
}

/// `POST /api/sales/contact-request` — an end-user token (or a staff session/token); answered
/// in the contact envelope. Exactly once per `Idempotency-Key`, or per identical body for 10 s.
#[post("/api/sales/contact-request", data = "<body>")]
async fn contact(
    app: &State<App>,
    caller: SalesCaller,
    key: IdempotencyKey,
    body: Body<RawRequest>,
) -> ContactAnswer {
    let SalesCaller {
        workspace: ws,
        asker,
    } = caller;
    let key = match key.0.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(k) if k.len() <= 255 && k.chars().all(|c| c.is_ascii_graphic()) => Some(k.to_string()),
        Some(_) => {
            return invalid("Idempotency-Key: must be 1-255 visible ASCII characters".into())
        }
    };
    let input = match ContactInput::parse(body.0) {
        Ok(i) => i,
        Err(errs) => {
            service::record_failure(app, &ws.id, None, "invalid_payload");
            let (field, why) = errs.first().unwrap_or(("body", "is not valid"));
            return invalid(format!("{field}: {why}"));
        }
    };
    let replayed = |answer: Value| ContactAnswer {
        status: Status::Created,
        body: answer,
        headers: vec![Header::new("Idempotent-Replayed", "true")],
    };
    // A replay answers before the rate limits: it costs nothing and creates nothing. A
    // duplicate that arrives while the first request is still being decided waits for it.
    let claim_key = service::claim_key(&ws.id, &asker.user_id, key.as_deref(), &input);
    let _claim = loop {
        match service::replay(app, &ws.id, &asker.user_id, key.as_deref(), &input).await {
            Ok(Some(answer)) => return replayed(answer),
            Ok(None) => {}
            Err(e) if e.status == Status::BadRequest => {
                service::record_failure(app, &ws.id, Some(&input), "invalid_payload");
                return invalid(e.message);
            }
            Err(e) => {
                service::record_failure(app, &ws.id, Some(&input), "service_unavailable");
                return ContactAnswer::from_api(e);
            }
        }
        if let Some(claim) = app.claims.claim(&claim_key).await {
            break claim;
        }
    };
    let limits = ws.rate_limits;
    let limited = app
        .limits
        .check(
            "contact_user",
            limits.contact_per_user_per_minute,
            &format!("{}|{}", ws.id, asker.user_id),
        )
        .and_then(|_| {
            app.limits.check(
                "contact_ip",
                limits.contact_per_ip_per_minute,
                &format!("{}|{}", ws.id, asker.ip.clone().unwrap_or_default()),
            )
        });
    if let Err(e) = limited {
        service::record_failure(app, &ws.id, Some(&input), "rate_limited");
        let mut a = ContactAnswer::from_api(e);
        a.body["message"] = json!("Too many requests; please wait a moment and try again");
        return a;
    }
    match service::submit(app, ws.clone(), asker, input.clone(), key).await {
        Ok((answer, false)) => ContactAnswer {
            status: Status::Created,
            body: answer,
            headers: vec![],
        },
        Ok((answer, true)) => replayed(answer),
        Err(e) => {
            let a = ContactAnswer::from_api(e);
            let word = if a.status == Status::BadRequest {
                "invalid_payload"
            } else {
                "service_unavailable"
            };
            service::record_failure(app, &ws.id, Some(&input), word);
            a
        }
    }
}
