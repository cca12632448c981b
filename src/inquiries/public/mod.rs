//! The public capture path: the submit endpoint (JSON or plain form post), CORS, rate limits,
//! the spam verdict and the proof-of-work challenge. The hosted form page and `/embed.js` are in
//! `hosted`, who is posting in `caller`, and the shape of every answer in `answer`.

mod answer;
mod caller;
mod hosted;

use std::collections::BTreeMap;
use std::sync::Arc;

use rocket::http::{Header, Status};
use rocket::{get, options, post, routes, Route, State};
use serde_json::{json, Value};

use self::answer::{cors_headers, json_error, PublicAnswer, PublicBody};
use self::caller::{Caller, Origin, Submission};
use self::hosted::{message_page, render_form};
use super::forms::cache::Target;
use super::model::{Contact, Fields};
use super::public_text::PublicText;
use super::service::{self, NewInquiry};
use super::spam::{self, score::Reason};
use crate::app::App;
use crate::domain::Locale;
use crate::error::{ApiError, FieldErrors};
use crate::leads::kind::Input;
use crate::workspaces::queries as workspaces;

/// The HTTP routes of the public capture path (all public, spam-protected).
pub fn routes() -> Vec<Route> {
    routes![
        submit,
        challenge,
        preflight,
        hosted::form_page,
        hosted::thanks_page,
        hosted::embed_js,
        hosted::embed_css
    ]
}

/// The form behind a public key, or none: from memory, else read once and kept (found or not)
/// until a workspace or form changes.
async fn target_by_key(app: &App, key: &str) -> Result<Option<Arc<Target>>, ApiError> {
    if !key.starts_with("pk_") || key.len() > 64 {
        return Ok(None);
    }
    let k = key.to_string();
    app.forms
        .get_or_read(key, || async {
            let found = app
                .store
                .read(move |c| {
                    if let Some(ws) = workspaces::by_public_key(c, &k)? {
                        return Ok(Some(Target {
                            workspace: ws,
                            form: None,
                        }));
                    }
                    let Some(form) = super::forms::queries::by_public_key(c, &k)? else {
                        return Ok(None);
                    };
                    let ws = workspaces::by_id_or_slug(c, &form.workspace_id)?;
                    Ok(ws.map(|workspace| Target {
                        workspace,
                        form: Some(form),
                    }))
                })
                .await?;
            // Kept either way: a key that is not there is asked again only after a change.
            Ok(Some(found.map(Arc::new)))
        })
        .await
        .map(Option::flatten)
}

/// The workspace's spam model: from memory, else read once and kept until a verdict.
async fn model_of(app: &App, workspace_id: &str) -> Result<Arc<spam::bayes::Model>, ApiError> {
    let ws = workspace_id.to_string();
    let read = || async {
        let m = app.store.read(move |c| spam::bayes::load(c, &ws)).await?;
        Ok::<_, ApiError>(Some(Arc::new(m)))
    };
    // The read always finds a model (an empty one for a workspace without verdicts).
    Ok(app
        .spam
        .models
        .get_or_read(workspace_id, read)
        .await?
        .unwrap_or_default())
}

fn locale_of(fields: &Fields, t: Option<&Target>) -> Locale {
    fields
        .get("_lang")
        .or_else(|| fields.get("locale"))
        .and_then(Value::as_str)
        .and_then(|l| Locale::parse(l).ok())
        .or(t.map(|t| t.workspace.default_locale))
        .unwrap_or_default()
}

/// The defences of §4 that fired: each is a verdict on its own.
fn defences(app: &App, workspace_id: &str, f: &Fields) -> Vec<Reason> {
    let mut reasons = vec![];
    let s = |k: &str| {
        f.get(k)
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|v| !v.is_empty())
    };
    let mut add = |code: &str| reasons.push(Reason::new(code, spam::score::DEFENCE, None));
    if s("_gotcha").is_some() {
        add(spam::HONEYPOT);
    }
    if let Some(code) = s("_ts").and_then(|ts| app.spam.check_ts(workspace_id, ts)) {
        add(code);
    }
    if let Some(code) = s("_pow").and_then(|p| app.spam.check_proof(workspace_id, p)) {
        add(code);
    }
    reasons
}

/// A submission read into a new inquiry, or every field that is wrong.
fn read(target: &Target, fields: &Fields) -> Result<NewInquiry, FieldErrors> {
    let mut errs = FieldErrors::default();
    let contact = Contact::parse(fields.clone()).map_err(|e| {
        for (k, m) in e.into_map() {
            errs.add(&k, m);
        }
    });
    let questions = target
        .form
        .as_ref()
        .map(|f| f.fields.as_slice())
        .unwrap_or(&[]);
    let answers = super::forms::answers(questions, fields, &mut errs);
    let attribution = super::attribution::parse(fields, &mut errs);
    match contact {
        Ok(contact) if errs.is_empty() => Ok(NewInquiry {
            contact,
            form_id: target.form.as_ref().map(|f| f.id.clone()),
            answers,
            attribution,
            spam_threshold: target.workspace.spam_threshold,
            ..NewInquiry::default()
        }),
        _ => Err(errs),
    }
}

/// `POST /api/public/forms/<key>/inquiries` — public: captures an inquiry.
#[post("/api/public/forms/<key>/inquiries", data = "<sub>")]
async fn submit(app: &State<App>, key: &str, caller: Caller, sub: Submission) -> PublicAnswer {
    let Submission { fields, is_form } = sub;
    let target = match target_by_key(app, key).await {
        Ok(Some(t)) => t,
        Ok(None) if is_form => {
            return message_page(Status::NotFound, locale_of(&fields, None), |t| t.not_found)
        }
        Ok(None) => return json_error(ApiError::not_found(), None),
        Err(e) => return json_error(e, None),
    };
    let locale = locale_of(&fields, Some(&target));
    let (cors, held) = match caller.origin(&target) {
        Origin::Own => (None, None),
        Origin::Allowed(o) => (Some(o), None),
        // Not refused: kept in quarantine, answered like a success, without CORS headers.
        Origin::Unlisted(o) => (None, Some(o)),
    };
    let outcome = capture(app, &target, &caller, &fields, locale, held).await;
    let post = Post {
        app,
        target: &target,
        locale,
        fields: &fields,
    };
    if is_form {
        post.page(outcome)
    } else {
        post.json(outcome, cors)
    }
}

/// Why a public post was not stored.
enum Refused {
    /// Over a rate limit (with its Retry-After).
    Limited(ApiError),
    /// Fields that are missing or wrong, each named.
    Invalid(FieldErrors),
    /// Right, but not stored now (a full disk, an unreadable database).
    Unstored(ApiError),
}

/// Checks, scores and stores one post; what it answers is decided by [`Post`].
async fn capture(
    app: &App,
    target: &Target,
    caller: &Caller,
    fields: &Fields,
    locale: Locale,
    held: Option<String>,
) -> Result<super::model::Inquiry, Refused> {
    let ws = &target.workspace;
    let limits = ws.rate_limits;
    let ip = caller.ip.map(|i| i.to_string()).unwrap_or_default();
    app.limits
        .check(
            "public_ip",
            limits.public_per_ip_per_minute,
            &format!("{}|{ip}", ws.id),
        )
        .and_then(|_| {
            app.limits
                .check("public_ws", limits.public_per_workspace_per_minute, &ws.id)
        })
        .map_err(Refused::Limited)?;
    let mut new = read(target, fields).map_err(Refused::Invalid)?;
    let model = model_of(app, &ws.id).await.map_err(Refused::Unstored)?;
    let text = service::model_text(&new.contact, &new.answers);
    let looked = spam::score::Looked {
        email_domain: new.contact.email.rsplit('@').next().unwrap_or(""),
        text: &text,
        locale,
    };
    new.spam_reasons = defences(app, &ws.id, fields);
    new.spam_reasons.extend(spam::score::offline(
        &app.spam,
        &ws.id,
        &looked,
        Some(&model),
    ));
    new.origin = caller
        .origin
        .as_ref()
        .filter(|o| !o.eq_ignore_ascii_case("null"))
        .map(|o| o.trim_end_matches('/').to_ascii_lowercase());
    new.quarantined_from = held;
    service::create(app, ws.id.clone(), new, "public_form", None)
        .await
        .map_err(Refused::Unstored)
}

/// A post to a form, answered once at the edge: JSON for a script, a page for a browser.
struct Post<'a> {
    app: &'a App,
    target: &'a Target,
    locale: Locale,
    fields: &'a Fields,
}

impl Post<'_> {
    /// For a script: 201 with the id, or the error with its code and fields.
    fn json(
        &self,
        outcome: Result<super::model::Inquiry, Refused>,
        cors: Option<String>,
    ) -> PublicAnswer {
        match outcome {
            Ok(inquiry) => PublicAnswer {
                status: Status::Created,
                body: PublicBody::Json(json!({
                    "success": true,
                    "data": Received { id: inquiry.id, status: "NEW", created_at: inquiry.created_at },
                })),
                headers: cors_headers(cors),
            },
            Err(Refused::Invalid(errs)) => json_error(errs.into(), cors),
            Err(Refused::Limited(e) | Refused::Unstored(e)) => json_error(e, cors),
        }
    }

    /// For a browser without the script: 303 to the thank-you page, else the form again with
    /// what was written and why it was not taken, so nothing typed is lost.
    fn page(&self, outcome: Result<super::model::Inquiry, Refused>) -> PublicAnswer {
        let again = |errors: BTreeMap<String, String>,
                     status: Status,
                     alert: fn(&PublicText) -> &'static str| {
            render_form(
                self.app,
                self.target,
                self.locale,
                self.fields,
                errors,
                status,
                alert,
            )
        };
        match outcome {
            Ok(_) => {
                let to = self
                    .target
                    .thank_you_url()
                    .map(str::to_string)
                    .unwrap_or_else(|| {
                        format!(
                            "/f/{}/thanks?lang={}",
                            self.target.key(),
                            self.locale.as_str()
                        )
                    });
                PublicAnswer {
                    status: Status::SeeOther,
                    body: PublicBody::Empty,
                    headers: vec![Header::new("Location", to)],
                }
            }
            Err(Refused::Invalid(errs)) => again(errs.into_map(), Status::BadRequest, |_| ""),
            Err(Refused::Limited(e)) => {
                let mut page = again(BTreeMap::new(), Status::TooManyRequests, |t| t.too_many);
                page.headers.push(Header::new(
                    "Retry-After",
                    e.retry_after.unwrap_or(60).to_string(),
                ));
                page
            }
            Err(Refused::Unstored(e)) => again(BTreeMap::new(), e.status, |t| t.unavailable),
        }
    }
}

/// The answer to a public submit.
#[derive(serde::Serialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Received {
    /// `inq_…`.
    id: String,
    /// `NEW`.
    status: &'static str,
    /// When it was stored.
    created_at: String,
}

/// A time token and a proof-of-work puzzle for the embed script.
#[derive(serde::Serialize, schemars::JsonSchema)]
pub struct Challenge {
    /// The signed time token to send back as `_ts`.
    ts: String,
    /// The puzzle; send `_pow = challenge:nonce`.
    challenge: String,
    /// Leading zero bits the hash needs.
    difficulty: u32,
}

/// The operations of the public form.
pub fn operations() -> Vec<crate::ops::openapi::Operation> {
    use super::model::PublicInquiryInput;
    use crate::ops::openapi::Operation;
    vec![
        Operation::new(
            "post",
            "/api/public/forms/{key}/inquiries",
            "Submit an inquiry: JSON is answered 201, a plain form post 303 to the thank-you page (400 with the form again); spam-protected, CORS from allowedOrigins",
            "public",
        )
        .body::<PublicInquiryInput>()
        .form::<PublicInquiryInput>()
        .ok::<Received>(201, "Stored")
        .empty(303, "A form post: on to the thank-you page")
        .text(400, "text/html", "A form post with mistakes: the form again, values kept")
        .text(429, "text/html", "A form post over the rate limit: the form again, values kept, with Retry-After")
        .text(503, "text/html", "A form post that could not be stored now: the form again, values kept")
        .text(404, "text/html", "A form post to a form that does not exist: a page saying so"),
        Operation::new(
            "get",
            "/api/public/forms/{key}/challenge",
            "A signed time token (_ts) and a proof-of-work challenge (_pow = challenge:nonce)",
            "public",
        )
        .ok::<Challenge>(200, "The challenge"),
    ]
}

/// `GET /api/public/forms/<key>/challenge` — public: a time token and a proof-of-work puzzle.
#[get("/api/public/forms/<key>/challenge")]
async fn challenge(app: &State<App>, key: &str, caller: Caller) -> PublicAnswer {
    let target = match target_by_key(app, key).await {
        Ok(Some(t)) => t,
        Ok(None) => return json_error(ApiError::not_found(), None),
        Err(e) => return json_error(e, None),
    };
    let ws = &target.workspace;
    let cors = match caller.cors(&target) {
        Ok(c) => c,
        Err(e) => return json_error(e, None),
    };
    let mut headers = cors_headers(cors);
    headers.push(Header::new("Cache-Control", "no-store"));
    PublicAnswer {
        status: Status::Ok,
        body: PublicBody::Json(json!({
            "success": true,
            "data": Challenge {
                ts: app.spam.issue_ts(&ws.id),
                challenge: app.spam.challenge(&ws.id),
                difficulty: spam::DIFFICULTY,
            },
        })),
        headers,
    }
}

/// `OPTIONS /api/public/forms/<key>/…` — public: CORS preflight for allowed origins only.
#[options("/api/public/forms/<key>/<_rest..>")]
async fn preflight(
    app: &State<App>,
    key: &str,
    _rest: std::path::PathBuf,
    caller: Caller,
) -> PublicAnswer {
    let target = match target_by_key(app, key).await {
        Ok(Some(t)) => t,
        Ok(None) => return json_error(ApiError::not_found(), None),
        Err(e) => return json_error(e, None),
    };
    match caller.cors(&target) {
        Ok(cors) => {
            let mut headers = cors_headers(cors);
            headers.push(Header::new(
                "Access-Control-Allow-Methods",
                "POST, GET, OPTIONS",
            ));
            headers.push(Header::new(
                "Access-Control-Allow-Headers",
                "Content-Type, Accept",
            ));
            headers.push(Header::new("Access-Control-Max-Age", "600"));
            PublicAnswer {
                status: Status::NoContent,
                body: PublicBody::Empty,
                headers,
            }
        }
        Err(e) => json_error(e, None),
    }
}
