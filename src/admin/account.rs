//! Sign in, sign out, first-run setup, language and workspace switching.

use std::collections::BTreeMap;

use askama::Template;
use rocket::form::{Form, FromForm};
use rocket::http::{Cookie, CookieJar, SameSite, Status};
use rocket::response::content::RawHtml;
use rocket::response::Redirect;
use rocket::{get, post, routes, Either, Route, State};

use super::{render, Chrome, Page};
use crate::admin::CsrfForm;
use crate::app::App;
use crate::auth::guards::{is_https, ClientIp};
use crate::auth::{password, routes::check_credentials, sessions, users};
use crate::bootstrap;
use crate::domain::{self, Email, Locale};
use crate::error::FieldErrors;
use crate::util;
use crate::workspaces::queries;

/// The HTTP routes of these pages.
pub fn routes() -> Vec<Route> {
    routes![
        login_page,
        login,
        logout,
        setup_page,
        setup,
        set_locale,
        switch_workspace
    ]
}

/// Cookie carrying the CSRF token of forms shown before sign-in.
const PRE_CSRF: &str = "lb_csrf";

/// The pre-session CSRF token, set in an encrypted cookie when missing.
pub fn pre_csrf(cookies: &CookieJar<'_>, secure: bool) -> String {
    if let Some(c) = cookies.get_private(PRE_CSRF) {
        return c.value().to_string();
    }
    let token = util::random_string(32);
    cookies.add_private(
        Cookie::build((PRE_CSRF, token.clone()))
            .http_only(true)
            .same_site(SameSite::Strict)
            .secure(secure)
            .path("/"),
    );
    token
}

pub fn pre_csrf_ok(cookies: &CookieJar<'_>, sent: Option<&str>) -> bool {
    cookies
        .get_private(PRE_CSRF)
        .map(|c| util::ct_eq(c.value(), sent.unwrap_or("")))
        .unwrap_or(false)
}

/// The browser a request came from, in a few words (`Firefox · Linux`), for the sessions list.
pub struct Browser(pub Option<String>);

#[rocket::async_trait]
impl<'r> rocket::request::FromRequest<'r> for Browser {
    type Error = std::convert::Infallible;
    async fn from_request(
        req: &'r rocket::Request<'_>,
    ) -> rocket::request::Outcome<Self, Self::Error> {
        let b = req
            .headers()
            .get_one("User-Agent")
            .and_then(sessions::browser_of);
        rocket::request::Outcome::Success(Browser(b))
    }
}

/// The language of pages shown before sign-in: Vietnamese when the browser prefers it to
/// English (`Accept-Language`), else English.
pub struct PublicLang(pub Locale);

#[rocket::async_trait]
impl<'r> rocket::request::FromRequest<'r> for PublicLang {
    type Error = std::convert::Infallible;
    async fn from_request(
        req: &'r rocket::Request<'_>,
    ) -> rocket::request::Outcome<Self, Self::Error> {
        let header = req.headers().get_one("Accept-Language").unwrap_or("");
        rocket::request::Outcome::Success(PublicLang(prefers(header)))
    }
}

/// The first of `en` and `vi` an `Accept-Language` header names, by weight (English if none).
pub fn prefers(header: &str) -> Locale {
    accepts(header).unwrap_or(Locale::En)
}

/// The first of `en` and `vi` an `Accept-Language` header names, by weight, if it names one.
pub fn accepts(header: &str) -> Option<Locale> {
    let mut best: Option<(f32, Locale)> = None;
    for part in header.split(',') {
        let mut it = part.trim().split(';');
        let tag = it.next().unwrap_or("").trim().to_ascii_lowercase();
        let q = it
            .find_map(|p| {
                p.trim()
                    .strip_prefix("q=")
                    .and_then(|v| v.parse::<f32>().ok())
            })
            .unwrap_or(1.0);
        let lang = match tag.split('-').next() {
            Some("vi") => Locale::Vi,
            Some("en") => Locale::En,
            _ => continue,
        };
        if best.is_none_or(|(bq, _)| q > bq) {
            best = Some((q, lang));
        }
    }
    best.map(|(_, l)| l)
}

/// Starts a session for `user_id` and sets its cookie.
pub async fn start_session(
    app: &App,
    cookies: &CookieJar<'_>,
    user_id: String,
    secure: bool,
    browser: Option<String>,
) -> Result<(), Status> {
    let (token, _) = app
        .store
        .write(move |tx| {
            let first = queries::for_user(tx, &user_id)?
                .into_iter()
                .next()
                .map(|(w, _)| w.id);
            sessions::create(tx, &user_id, first.as_deref(), browser.as_deref())
        })
        .await
        .map_err(|e| e.status)?;
    cookies.add_private(
        Cookie::build((sessions::COOKIE, token))
            .http_only(true)
            .same_site(SameSite::Lax)
            .secure(secure)
            .path("/")
            .max_age(rocket::time::Duration::days(14)),
    );
    cookies.remove_private(Cookie::from(PRE_CSRF));
    Ok(())
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    chrome: Chrome,
    error: Option<String>,
    email: String,
    /// The admin page to open after signing in (empty: the Overview).
    next: String,
}

/// The `next` a sign-in form carries on: a safe admin page, or nothing.
fn next_of(next: Option<&str>) -> String {
    match super::search::after_sign_in(next) {
        "/admin" => String::new(),
        n => n.to_string(),
    }
}

/// `GET /login?<next>` — public. `next` is the admin page a signed-out visit asked for; it is
/// opened after signing in (only an admin page of this server).
#[get("/login?<next>")]
fn login_page(
    page: Option<Page>,
    cookies: &CookieJar<'_>,
    req_https: Https,
    lang: PublicLang,
    next: Option<&str>,
    f: Option<rocket::request::FlashMessage<'_>>,
) -> Result<Either<Redirect, RawHtml<String>>, Status> {
    if page.is_some() {
        let to = super::search::after_sign_in(next).to_string();
        return Ok(Either::Left(Redirect::to(to)));
    }
    let mut chrome = Chrome::public(lang.0, pre_csrf(cookies, req_https.0));
    chrome.flash = f.map(|m| (m.kind().to_string(), m.message().to_string()));
    render(&LoginPage {
        chrome,
        error: None,
        email: String::new(),
        next: next_of(next),
    })
    .map(Either::Right)
}

/// Whether the request came over TLS, as a guard.
pub struct Https(pub bool);

#[rocket::async_trait]
impl<'r> rocket::request::FromRequest<'r> for Https {
    type Error = std::convert::Infallible;
    async fn from_request(
        req: &'r rocket::Request<'_>,
    ) -> rocket::request::Outcome<Self, Self::Error> {
        rocket::request::Outcome::Success(Https(is_https(req)))
    }
}

#[derive(FromForm)]
struct LoginForm {
    email: Option<String>,
    password: Option<String>,
    #[field(name = "_csrf")]
    csrf: Option<String>,
    /// The admin page to open after signing in.
    next: Option<String>,
}

/// `POST /login` — public, throttled per account and IP.
#[post("/login", data = "<form>")]
async fn login(
    app: &State<App>,
    cookies: &CookieJar<'_>,
    ip: ClientIp,
    https: Https,
    lang: PublicLang,
    browser: Browser,
    form: Form<LoginForm>,
) -> Result<Either<Redirect, (Status, RawHtml<String>)>, Status> {
    let f = form.into_inner();
    let email_raw = f.email.clone().unwrap_or_default();
    let next = next_of(f.next.as_deref());
    let fail = |status: Status, msg: &str, cookies: &CookieJar<'_>| {
        let chrome = Chrome::public(lang.0, pre_csrf(cookies, https.0));
        render(&LoginPage {
            chrome,
            error: Some(msg.to_string()),
            email: email_raw.clone(),
            next: next.clone(),
        })
        .map(|html| Either::Right((status, html)))
    };
    let t = super::i18n::strings(lang.0);
    if !pre_csrf_ok(cookies, f.csrf.as_deref()) {
        return fail(Status::Forbidden, t.form_expired, cookies);
    }
    let Ok(email) = Email::parse_login(&email_raw) else {
        return fail(Status::BadRequest, t.wrong_credentials, cookies);
    };
    let pw = f.password.unwrap_or_default();
    if pw.is_empty() || pw.len() > 1024 {
        return fail(Status::BadRequest, t.wrong_credentials, cookies);
    }
    match check_credentials(app, ip.0, &email, pw).await {
        Ok(user) => {
            start_session(app, cookies, user.id, https.0, browser.0).await?;
            let to = super::search::after_sign_in(Some(&next)).to_string();
            Ok(Either::Left(Redirect::to(to)))
        }
        Err(e) if e.status == Status::TooManyRequests => {
            fail(Status::TooManyRequests, t.too_many_attempts, cookies)
        }
        Err(e) if e.status == Status::Unauthorized => {
            fail(Status::Unauthorized, t.wrong_credentials, cookies)
        }
        Err(e) => Err(e.status),
    }
}

/// `POST /logout` — signed in.
#[post("/logout", data = "<form>")]
async fn logout(
    app: &State<App>,
    page: Page,
    cookies: &CookieJar<'_>,
    form: Form<CsrfForm>,
) -> Result<Redirect, Status> {
    page.check_csrf(form.csrf.as_deref())?;
    let hash = page.session.token_hash.clone();
    app.store
        .write(move |tx| sessions::delete(tx, &hash))
        .await
        .map_err(|e| e.status)?;
    cookies.remove_private(Cookie::from(sessions::COOKIE));
    Ok(Redirect::to("/login"))
}

#[derive(Template)]
#[template(path = "setup.html")]
struct SetupPage {
    chrome: Chrome,
    valid: bool,
    token: String,
    name: String,
    email: String,
    errors: BTreeMap<String, String>,
}

/// `GET /setup/<token>` — public; valid once, while no staff user exists.
#[get("/setup/<token>")]
async fn setup_page(
    app: &State<App>,
    token: &str,
    cookies: &CookieJar<'_>,
    https: Https,
    lang: PublicLang,
) -> Result<(Status, RawHtml<String>), Status> {
    let t = token.to_string();
    let valid = app
        .store
        .read(move |c| bootstrap::setup_token_valid(c, &t))
        .await
        .map_err(|e| e.status)?;
    let page = SetupPage {
        chrome: Chrome::public(lang.0, pre_csrf(cookies, https.0)),
        valid,
        token: if valid {
            token.to_string()
        } else {
            String::new()
        },
        name: String::new(),
        email: String::new(),
        errors: BTreeMap::new(),
    };
    let status = if valid { Status::Ok } else { Status::Gone };
    render(&page).map(|h| (status, h))
}

#[derive(FromForm)]
struct SetupForm {
    name: Option<String>,
    email: Option<String>,
    password: Option<String>,
    confirm: Option<String>,
    #[field(name = "_csrf")]
    csrf: Option<String>,
}

/// `POST /setup/<token>` — public; creates the first owner and consumes the link.
#[post("/setup/<token>", data = "<form>")]
async fn setup(
    app: &State<App>,
    token: &str,
    cookies: &CookieJar<'_>,
    https: Https,
    lang: PublicLang,
    browser: Browser,
    form: Form<SetupForm>,
) -> Result<Either<Redirect, (Status, RawHtml<String>)>, Status> {
    let f = form.into_inner();
    if !pre_csrf_ok(cookies, f.csrf.as_deref()) {
        return Err(Status::Forbidden);
    }
    let mut errs = FieldErrors::default();
    let name = errs.take("name", domain::required_text(f.name.as_deref(), 200));
    let email = errs.take(
        "email",
        Email::parse_login(f.email.as_deref().unwrap_or("")),
    );
    let pw = errs.take(
        "password",
        domain::parse_password(f.password.as_deref().unwrap_or("")),
    );
    if pw.is_some() && f.password != f.confirm {
        errs.add("confirm", super::i18n::strings(lang.0).passwords_differ);
    }
    let (Some(name), Some(email), Some(pw), true) = (name, email, pw, errs.is_empty()) else {
        let page = SetupPage {
            chrome: Chrome::public(lang.0, pre_csrf(cookies, https.0)),
            valid: true,
            token: token.to_string(),
            name: f.name.unwrap_or_default(),
            email: f.email.unwrap_or_default(),
            errors: errs
                .into_map()
                .into_iter()
                .map(|(k, v)| (k, super::i18n::message(super::i18n::strings(lang.0), &v)))
                .collect(),
        };
        return render(&page).map(|h| Either::Right((Status::BadRequest, h)));
    };
    let hash = password::hash(pw).await.map_err(|e| e.status)?;
    let t = token.to_string();
    let user = app
        .store
        .write(move |tx| {
            if !bootstrap::consume_setup_token(tx, &t)? {
                return Err(crate::error::ApiError::new(
                    Status::Gone,
                    "SETUP_USED",
                    "This setup link is no longer valid",
                ));
            }
            bootstrap::create_owner_tx(tx, email.as_str(), &name, &hash)
        })
        .await
        .map_err(|e| e.status)?;
    tracing::info!(user_id = %user.id, "first owner created through the setup link");
    start_session(app, cookies, user.id, https.0, browser.0).await?;
    Ok(Either::Left(Redirect::to("/admin")))
}

#[derive(FromForm)]
struct LocaleForm {
    locale: Option<String>,
    #[field(name = "_csrf")]
    csrf: Option<String>,
}

/// `POST /admin/locale` — signed in: the viewer's own language.
#[post("/admin/locale", data = "<form>")]
async fn set_locale(
    app: &State<App>,
    page: Page,
    form: Form<LocaleForm>,
) -> Result<Redirect, Status> {
    page.check_csrf(form.csrf.as_deref())?;
    let locale =
        Locale::parse(form.locale.as_deref().unwrap_or("")).map_err(|_| Status::BadRequest)?;
    let id = page.staff.user.id.clone();
    app.store
        .write(move |tx| users::set_locale(tx, &id, locale))
        .await
        .map_err(|e| e.status)?;
    Ok(Redirect::to("/admin"))
}

#[derive(FromForm)]
struct SwitchForm {
    workspace: Option<String>,
    #[field(name = "_csrf")]
    csrf: Option<String>,
}

/// `POST /admin/workspace` — signed in: show another of the viewer's workspaces.
#[post("/admin/workspace", data = "<form>")]
async fn switch_workspace(
    app: &State<App>,
    page: Page,
    form: Form<SwitchForm>,
) -> Result<Redirect, Status> {
    page.check_csrf(form.csrf.as_deref())?;
    let wanted = form.workspace.clone().unwrap_or_default();
    let Some((ws, _)) = page.memberships.iter().find(|(w, _)| w.id == wanted) else {
        return Err(Status::NotFound);
    };
    let (hash, id) = (page.session.token_hash.clone(), ws.id.clone());
    app.store
        .write(move |tx| sessions::set_workspace(tx, &hash, &id))
        .await
        .map_err(|e| e.status)?;
    Ok(Redirect::to("/admin"))
}
