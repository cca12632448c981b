//! The hosted form page (`/f/<key>`), its thank-you page, and the pasted snippet's `/embed.js`
//! and `/embed.css`.

use std::collections::BTreeMap;

use askama::Template;
use rocket::http::{ContentType, Header, Status};
use rocket::request::{FromRequest, Outcome, Request};
use rocket::{get, State};
use serde_json::Value;

use super::answer::{html_page, json_error, PublicAnswer, PublicBody};
use super::target_by_key;
use crate::admin::ASSET_VERSION;
use crate::app::App;
use crate::domain::Locale;
use crate::error::ApiError;
use crate::inquiries::forms::cache::Target;
use crate::inquiries::forms::{Field, FieldType};
use crate::inquiries::model::Fields;
use crate::inquiries::public_text::{localize, text, PublicText};
use crate::inquiries::spam;

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

pub(super) fn render_form(
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

pub(super) fn message_page(
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

/// Where a hosted page's visitor came from, as its address and the `Referer` say.
#[derive(rocket::FromForm, Default)]
pub(super) struct TouchQuery<'r> {
    utm_source: Option<&'r str>,
    utm_medium: Option<&'r str>,
    utm_campaign: Option<&'r str>,
    utm_term: Option<&'r str>,
    utm_content: Option<&'r str>,
    gclid: Option<&'r str>,
    fbclid: Option<&'r str>,
}

/// The `Referer` of a request.
pub(super) struct Referer(Option<String>);

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
pub(super) async fn form_page(
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
pub(super) async fn thanks_page(app: &State<App>, key: &str, lang: Option<&str>) -> PublicAnswer {
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
pub(super) fn embed_css() -> PublicAnswer {
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
pub(super) fn embed_js() -> PublicAnswer {
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
