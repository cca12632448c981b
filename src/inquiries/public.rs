//! The public capture path: the submit endpoint (JSON or plain form post), CORS, rate limits,
//! the spam verdict, the proof-of-work challenge, the hosted form page and `/embed.js`.

use std::collections::BTreeMap;
use std::io::Cursor;
use std::net::IpAddr;

use askama::Template;
use rocket::data::{Data, FromData, Outcome as DataOutcome};
use rocket::http::{ContentType, Header, Status};
use rocket::request::{FromRequest, Outcome, Request};
use rocket::response::{self, Responder, Response};
use rocket::{get, options, post, routes, Route, State};
use serde_json::{json, Value};

use super::forms::cache::Target;
use super::forms::{Field, FieldType};
use super::model::{fields_from_form, fields_from_json, Contact, Fields};
use super::public_text::{localize, text, PublicText};
use super::service::{self, NewInquiry};
use super::spam::{self, score::Reason};
use crate::admin::ASSET_VERSION;
use crate::app::App;
use crate::auth::guards::client_ip;
use crate::domain::Locale;
use crate::error::FieldErrors;
use crate::error::{stash, ApiError};
use crate::json::{parse_json, read_limited};
use crate::leads::kind::Input;
use crate::workspaces::queries as workspaces;
use std::sync::Arc;

/// The HTTP routes of the public capture path (all public, spam-protected).
pub fn routes() -> Vec<Route> {
    routes![
        submit,
        challenge,
        preflight,
        form_page,
        thanks_page,
        embed_js,
        embed_css
    ]
}

/// A submission body: JSON or `application/x-www-form-urlencoded`.
pub struct Submission {
    fields: Fields,
    is_form: bool,
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
    origin: Option<String>,
    host: Option<String>,
    ip: Option<IpAddr>,
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
enum Origin {
    /// No `Origin` header, or leadbox's own hosted page.
    Own,
    /// An allowed origin: answered with CORS headers for it.
    Allowed(String),
    /// An origin the form does not allow (normalised): the post is held in quarantine.
    Unlisted(String),
}

impl Caller {
    fn origin(&self, t: &Target) -> Origin {
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
    fn cors(&self, t: &Target) -> Result<Option<String>, ApiError> {
        match self.origin(t) {
            Origin::Own => Ok(None),
            Origin::Allowed(o) => Ok(Some(o)),
            Origin::Unlisted(_) => Err(ApiError::forbidden("This origin may not use this form")
                .with_details(json!({ "origin": "is not in the form's allowedOrigins" }))),
        }
    }
}

/// An answer of the public path: JSON for scripts, HTML for plain form posts.
pub struct PublicAnswer {
    status: Status,
    body: PublicBody,
    headers: Vec<Header<'static>>,
}

enum PublicBody {
    Json(Value),
    Html(String),
    Text(ContentType, String),
    Empty,
}

impl<'r> Responder<'r, 'static> for PublicAnswer {
    fn respond_to(self, _: &'r Request<'_>) -> response::Result<'static> {
        let mut res = Response::build();
        res.status(self.status);
        match self.body {
            PublicBody::Json(v) => {
                let s = v.to_string();
                res.header(ContentType::JSON)
                    .sized_body(s.len(), Cursor::new(s));
            }
            PublicBody::Html(s) => {
                res.header(ContentType::HTML)
                    .sized_body(s.len(), Cursor::new(s));
            }
            PublicBody::Text(ct, s) => {
                res.header(ct).sized_body(s.len(), Cursor::new(s));
            }
            PublicBody::Empty => {}
        }
        for h in self.headers {
            res.header(h);
        }
        res.ok()
    }
}

fn cors_headers(origin: Option<String>) -> Vec<Header<'static>> {
    match origin {
        Some(o) => vec![
            Header::new("Access-Control-Allow-Origin", o),
            Header::new("Vary", "Origin"),
        ],
        None => vec![Header::new("Vary", "Origin")],
    }
}

fn json_error(e: ApiError, cors: Option<String>) -> PublicAnswer {
    let mut headers = cors_headers(cors);
    if let Some(s) = e.retry_after {
        headers.push(Header::new("Retry-After", s.to_string()));
    }
    PublicAnswer {
        status: e.status,
        body: PublicBody::Json(e.body()),
        headers,
    }
}

/// The policy of the public pages: framable only by the form's allowed origins.
fn public_csp(t: Option<&Target>) -> Header<'static> {
    let (ancestors, form_action) = match t {
        Some(t) => {
            let thanks = t
                .thank_you_url()
                .and_then(|u| crate::domain::parse_origin(&origin_of(u)).ok())
                .unwrap_or_default();
            (t.origins().join(" "), thanks)
        }
        None => (String::new(), String::new()),
    };
    Header::new(
        "Content-Security-Policy",
        format!(
            "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self' {form_action}; frame-ancestors 'self' {ancestors}"
        ),
    )
}

fn origin_of(url: &str) -> String {
    match url.split_once("://") {
        Some((scheme, rest)) => format!(
            "{scheme}://{}",
            rest.split(['/', '?', '#']).next().unwrap_or("")
        ),
        None => String::new(),
    }
}

/// One of a form's own questions, as the hosted page shows it.
pub struct Question {
    key: String,
    label: String,
    kind: &'static str,
    required: bool,
    options: Vec<String>,
    value: String,
    error: Option<String>,
}

impl Question {
    fn is(&self, kind: &str) -> bool {
        self.kind == kind
    }
    fn ticked(&self) -> bool {
        matches!(self.value.as_str(), "on" | "true" | "1" | "yes")
    }
    fn max(&self) -> usize {
        match self.kind {
            "textarea" => 5000,
            "email" => 254,
            "tel" => 50,
            "url" => 2048,
            _ => 500,
        }
    }
}

/// The hosted form page.
#[derive(Template)]
#[template(path = "public_form.html")]
struct FormPage {
    t: &'static PublicText,
    asset_v: &'static str,
    key: String,
    ts: String,
    values: BTreeMap<String, String>,
    errors: BTreeMap<String, String>,
    /// What the banner above the form says instead of "fix the fields below" (empty: that).
    alert: &'static str,
    kinds: Vec<(&'static str, &'static str)>,
    /// A form of the workspace's own: its questions instead of the built-in optional fields.
    custom: bool,
    questions: Vec<Question>,
    /// Where the visitor came from, for a post without the script.
    touch: Vec<(&'static str, String)>,
}

impl FormPage {
    fn value(&self, k: &str) -> &str {
        self.values.get(k).map(String::as_str).unwrap_or("")
    }
}

fn html_page(status: Status, t: Option<&Target>, html: String) -> PublicAnswer {
    PublicAnswer {
        status,
        body: PublicBody::Html(html),
        headers: vec![public_csp(t)],
    }
}

fn questions(
    fields: &[Field],
    locale: Locale,
    values: &Fields,
    errors: &BTreeMap<String, String>,
) -> Vec<Question> {
    fields
        .iter()
        .map(|f| Question {
            key: f.key.clone(),
            label: match locale {
                Locale::Vi => f.label.vi.clone(),
                _ => f.label.en.clone(),
            },
            kind: f.kind.as_str(),
            required: f.required,
            options: f.options.clone(),
            value: match values.get(&f.key) {
                Some(Value::String(s)) => s.clone(),
                Some(Value::Bool(true)) if f.kind == FieldType::Checkbox => "on".into(),
                _ => String::new(),
            },
            error: errors.get(&f.key).map(|m| localize(locale, m)),
        })
        .collect()
}

fn render_form(
    app: &App,
    target: &Target,
    locale: Locale,
    values: &Fields,
    errors: BTreeMap<String, String>,
    status: Status,
    alert: fn(&PublicText) -> &'static str,
) -> PublicAnswer {
    let t = text(locale);
    let alert = alert(t);
    let ws = &target.workspace;
    // A page shown again after a mistake keeps the visitor's original time token (or one
    // already past the trap): they have spent their time on the first attempt.
    let ts = match values.get("_ts").and_then(Value::as_str) {
        Some(old) if app.spam.check_ts(&ws.id, old).is_none() => old.to_string(),
        _ if !errors.is_empty() || !alert.is_empty() => app
            .spam
            .issue_ts_at(&ws.id, spam::now_ms() - spam::MIN_FILL_MS),
        _ => app.spam.issue_ts(&ws.id),
    };
    let fields = target
        .form
        .as_ref()
        .map(|f| f.fields.as_slice())
        .unwrap_or(&[]);
    let touch = TOUCH_KEYS
        .iter()
        .filter_map(|(name, key)| {
            values
                .get(*key)
                .and_then(Value::as_str)
                .filter(|v| !v.is_empty())
                .map(|v| (*name, v.chars().take(2048).collect()))
        })
        .collect();
    let page = FormPage {
        t,
        asset_v: ASSET_VERSION.as_str(),
        key: target.key().to_string(),
        ts,
        values: values
            .iter()
            .filter(|(k, _)| !k.starts_with('_'))
            .filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_string())))
            .collect(),
        custom: target.form.is_some(),
        questions: questions(fields, locale, values, &errors),
        touch,
        errors: errors
            .into_iter()
            .map(|(k, m)| (k, localize(locale, &m)))
            .collect(),
        alert,
        kinds: vec![
            ("sales", t.kind_sales),
            ("partnership", t.kind_partnership),
            ("support", t.kind_support),
            ("other", t.kind_other),
        ],
    };
    match page.render() {
        Ok(html) => html_page(status, Some(target), html),
        Err(e) => json_error(ApiError::internal(format!("template: {e}")), None),
    }
}

/// The attribution fields a hosted page passes on from its own address: (form name, key).
const TOUCH_KEYS: [(&str, &str); 8] = [
    ("utm_source", "utmSource"),
    ("utm_medium", "utmMedium"),
    ("utm_campaign", "utmCampaign"),
    ("utm_term", "utmTerm"),
    ("utm_content", "utmContent"),
    ("gclid", "gclid"),
    ("fbclid", "fbclid"),
    ("referrer", "referrer"),
];

fn message_page(
    status: Status,
    locale: Locale,
    pick: fn(&PublicText) -> &'static str,
) -> PublicAnswer {
    let t = text(locale);
    match (SimplePage {
        t,
        asset_v: ASSET_VERSION.as_str(),
        title: t.title,
        body: pick(t),
    })
    .render()
    {
        Ok(html) => html_page(status, None, html),
        Err(e) => json_error(ApiError::internal(format!("template: {e}")), None),
    }
}

#[derive(Template)]
#[template(path = "public_message.html")]
struct SimplePage {
    t: &'static PublicText,
    asset_v: &'static str,
    title: &'static str,
    body: &'static str,
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

/// Where a hosted page's visitor came from, as its address and the `Referer` say.
#[derive(rocket::FromForm, Default)]
struct TouchQuery<'r> {
    utm_source: Option<&'r str>,
    utm_medium: Option<&'r str>,
    utm_campaign: Option<&'r str>,
    utm_term: Option<&'r str>,
    utm_content: Option<&'r str>,
    gclid: Option<&'r str>,
    fbclid: Option<&'r str>,
}

/// The `Referer` of a request.
struct Referer(Option<String>);

#[rocket::async_trait]
impl<'r> FromRequest<'r> for Referer {
    type Error = std::convert::Infallible;
    async fn from_request(req: &'r Request<'_>) -> Outcome<Self, Self::Error> {
        Outcome::Success(Referer(
            req.headers().get_one("Referer").map(str::to_string),
        ))
    }
}

/// `GET /f/<key>` — public: the hosted, frame-able (by allowed origins) form page.
#[get("/f/<key>?<lang>&<touch..>")]
async fn form_page(
    app: &State<App>,
    key: &str,
    lang: Option<&str>,
    touch: TouchQuery<'_>,
    referer: Referer,
) -> PublicAnswer {
    let requested = lang.and_then(|l| Locale::parse(l).ok());
    match target_by_key(app, key).await {
        Ok(Some(target)) => {
            let locale = requested.unwrap_or(target.workspace.default_locale);
            let mut values = Fields::new();
            let given = [
                ("utmSource", touch.utm_source),
                ("utmMedium", touch.utm_medium),
                ("utmCampaign", touch.utm_campaign),
                ("utmTerm", touch.utm_term),
                ("utmContent", touch.utm_content),
                ("gclid", touch.gclid),
                ("fbclid", touch.fbclid),
                ("referrer", referer.0.as_deref()),
            ];
            for (k, v) in given {
                if let Some(v) = v.filter(|v| !v.is_empty()) {
                    values.insert(k.to_string(), Value::String(v.to_string()));
                }
            }
            render_form(
                app,
                &target,
                locale,
                &values,
                BTreeMap::new(),
                Status::Ok,
                |_| "",
            )
        }
        Ok(None) => message_page(Status::NotFound, requested.unwrap_or_default(), |t| {
            t.not_found
        }),
        Err(e) => json_error(e, None),
    }
}

/// `GET /f/<key>/thanks` — public: the bilingual thank-you page.
#[get("/f/<key>/thanks?<lang>")]
async fn thanks_page(app: &State<App>, key: &str, lang: Option<&str>) -> PublicAnswer {
    let target = target_by_key(app, key).await.ok().flatten();
    let locale = lang
        .and_then(|l| Locale::parse(l).ok())
        .or(target.as_ref().map(|t| t.workspace.default_locale))
        .unwrap_or_default();
    let t = text(locale);
    match (SimplePage {
        t,
        asset_v: ASSET_VERSION.as_str(),
        title: t.thanks_title,
        body: t.thanks_body,
    })
    .render()
    {
        Ok(html) => html_page(Status::Ok, target.as_deref(), html),
        Err(e) => json_error(ApiError::internal(format!("template: {e}")), None),
    }
}

/// `GET /embed.css` — public: the pasted snippet's own small stylesheet.
#[get("/embed.css")]
fn embed_css() -> PublicAnswer {
    let body = crate::admin::asset("embed.css", false)
        .map(|f| String::from_utf8_lossy(f.bytes()).into_owned())
        .unwrap_or_default();
    PublicAnswer {
        status: Status::Ok,
        body: PublicBody::Text(ContentType::CSS, body),
        headers: vec![
            Header::new("Cache-Control", "public, max-age=300"),
            Header::new("Access-Control-Allow-Origin", "*"),
        ],
    }
}

/// `GET /embed.js` — public: enhances a pasted form snippet.
#[get("/embed.js")]
fn embed_js() -> PublicAnswer {
    let body = crate::admin::asset("embed.js", false)
        .map(|f| String::from_utf8_lossy(f.bytes()).into_owned())
        .unwrap_or_default();
    PublicAnswer {
        status: Status::Ok,
        body: PublicBody::Text(ContentType::JavaScript, body),
        headers: vec![
            Header::new("Cache-Control", "public, max-age=300"),
            Header::new("Access-Control-Allow-Origin", "*"),
        ],
    }
}
