//! The account page and what keeps an account safe: time zone, password change, the sessions
//! list with "sign out everywhere", one-time reset links (issued by an owner, by email when
//! SMTP is set up, or by `leadbox user reset-password`), and the reset page itself.

use askama::Template;
use rocket::form::{Form, FromForm};
use rocket::http::{Cookie, CookieJar, Status};
use rocket::request::FlashMessage;
use rocket::response::content::RawHtml;
use rocket::response::{Flash, Redirect};
use rocket::{get, post, routes, Either, Route, State};

use super::account::{pre_csrf, pre_csrf_ok, Https, PublicLang};
use super::i18n::{self, Strings};
use super::{render, when, Chrome, Page};
use crate::admin::CsrfForm;
use crate::app::App;
use crate::auth::guards::ClientIp;
use crate::auth::{password, resets, sessions, users};
use crate::delivery::prefs::{self, Choices};
use crate::domain::{self, Email};

/// The HTTP routes of these pages.
pub fn routes() -> Vec<Route> {
    routes![
        account,
        save_time_zone,
        change_password,
        end_other_sessions,
        end_all_sessions,
        reset_page,
        reset,
        forgot_page,
        forgot
    ]
}

use crate::admin::flash;

struct SessionRow {
    created: String,
    browser: String,
    current: bool,
}

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    chrome: Chrome,
    choices: Choices,
    /// Owners and admins hear of leads past their first-response target, if they choose.
    escalations: bool,
    email_available: bool,
    push_browsers: i64,
    vapid: String,
    zones: Vec<String>,
    zone: String,
    sessions: Vec<SessionRow>,
    away: bool,
    away_since: String,
}

/// `GET /admin/account` — any member: the viewer's own time zone, password, sessions and
/// notification choices.
#[get("/admin/account")]
async fn account(
    app: &State<App>,
    page: Page,
    f: Option<FlashMessage<'_>>,
) -> Result<RawHtml<String>, Status> {
    let (ws, user) = (page.workspace.id.clone(), page.staff.user.id.clone());
    let (choices, push_browsers, list, away) = app
        .store
        .read(move |c| {
            Ok((
                prefs::get(c, &ws, &user)?,
                prefs::subscription_count(c, &user)?,
                sessions::for_user(c, &user)?,
                crate::leads::routing::assign::away_since(c, &user)?,
            ))
        })
        .await
        .map_err(|e| e.status)?;
    let t = page.t();
    render(&AccountPage {
        chrome: page.chrome("account", flash(f)),
        choices,
        escalations: matches!(
            page.role,
            crate::auth::permissions::Role::Owner | crate::auth::permissions::Role::Admin
        ),
        email_available: app.courier.email_enabled(),
        push_browsers,
        vapid: app.courier.vapid.public.clone(),
        zones: when::zone_names(),
        zone: page.staff.user.time_zone.clone().unwrap_or_default(),
        away: away.is_some(),
        away_since: away.unwrap_or_default(),
        sessions: list
            .into_iter()
            .map(|s| SessionRow {
                created: s.created_at,
                browser: s.browser.unwrap_or_else(|| t.unknown_browser.to_string()),
                current: s.token_hash == page.session.token_hash,
            })
            .collect(),
    })
}

#[derive(FromForm)]
struct ZoneForm {
    time_zone: Option<String>,
    #[field(name = "_csrf")]
    csrf: Option<String>,
}

/// `POST /admin/account/time-zone` — any member: their own zone (empty: the browser's).
#[post("/admin/account/time-zone", data = "<form>")]
async fn save_time_zone(
    app: &State<App>,
    page: Page,
    form: Form<ZoneForm>,
) -> Result<Flash<Redirect>, Status> {
    page.check_csrf(form.csrf.as_deref())?;
    let t = page.t();
    let back = Redirect::to("/admin/account#time-zone");
    let zone = form
        .time_zone
        .as_deref()
        .map(str::trim)
        .filter(|z| !z.is_empty())
        .map(str::to_string);
    if let Some(z) = &zone {
        if !when::valid_zone(z) {
            return Ok(Flash::error(back, t.time_zone_unknown));
        }
    }
    let user = page.staff.user.id.clone();
    app.store
        .write(move |tx| users::set_time_zone(tx, &user, zone.as_deref()))
        .await
        .map_err(|e| e.status)?;
    Ok(Flash::success(back, t.saved))
}

#[derive(FromForm)]
struct PasswordForm {
    current: Option<String>,
    password: Option<String>,
    confirm: Option<String>,
    #[field(name = "_csrf")]
    csrf: Option<String>,
}

/// Checks a new password and its confirmation; the message says what is wrong, in words.
fn new_password(t: &Strings, pw: Option<&str>, confirm: Option<&str>) -> Result<String, String> {
    let pw = domain::parse_password(pw.unwrap_or(""))
        .map_err(|m| format!("{}: {}", t.new_password, i18n::message(t, &m)))?;
    if Some(pw.as_str()) != confirm {
        return Err(t.passwords_differ.to_string());
    }
    Ok(pw)
}

/// `POST /admin/account/password` — any member, with their current password: a new one.
/// Every other session of theirs ends.
#[post("/admin/account/password", data = "<form>")]
async fn change_password(
    app: &State<App>,
    page: Page,
    ip: ClientIp,
    form: Form<PasswordForm>,
) -> Result<Flash<Redirect>, Status> {
    page.check_csrf(form.csrf.as_deref())?;
    let t = page.t();
    let back = Redirect::to("/admin/account#password");
    let f = form.into_inner();
    let pw = match new_password(t, f.password.as_deref(), f.confirm.as_deref()) {
        Ok(pw) => pw,
        Err(m) => return Ok(Flash::error(back, m)),
    };
    if app
        .throttle
        .check_login(ip.0, &page.staff.user.email)
        .is_err()
    {
        return Ok(Flash::error(back, t.too_many_attempts));
    }
    let user = page.staff.user.id.clone();
    let stored = app
        .store
        .read(move |c| users::password_hash(c, &user))
        .await
        .map_err(|e| e.status)?;
    let current = f.current.unwrap_or_default();
    if current.len() > 1024 || !password::verify(current, stored).await {
        return Ok(Flash::error(back, t.current_password_wrong));
    }
    let hash = password::hash(pw).await.map_err(|e| e.status)?;
    let (user, keep) = (page.staff.user.id.clone(), page.session.token_hash.clone());
    app.store
        .write(move |tx| {
            users::set_password_hash(tx, &user, &hash)?;
            sessions::delete_others(tx, &user, &keep)
        })
        .await
        .map_err(|e| e.status)?;
    tracing::info!(user_id = %page.staff.user.id, "password changed; other sessions ended");
    Ok(Flash::success(back, t.password_changed))
}

/// `POST /admin/account/sessions/end-others` — any member: signs out every other browser.
#[post("/admin/account/sessions/end-others", data = "<form>")]
async fn end_other_sessions(
    app: &State<App>,
    page: Page,
    form: Form<CsrfForm>,
) -> Result<Flash<Redirect>, Status> {
    page.check_csrf(form.csrf.as_deref())?;
    let (user, keep) = (page.staff.user.id.clone(), page.session.token_hash.clone());
    let n = app
        .store
        .write(move |tx| sessions::delete_others(tx, &user, &keep))
        .await
        .map_err(|e| e.status)?;
    let t = page.t();
    let msg = super::i18n::count(n as i64, t.sessions_ended_one, t.sessions_ended);
    Ok(Flash::success(Redirect::to("/admin/account#sessions"), msg))
}

/// `POST /admin/account/sessions/end-all` — any member: signs out everywhere, here too.
#[post("/admin/account/sessions/end-all", data = "<form>")]
async fn end_all_sessions(
    app: &State<App>,
    page: Page,
    cookies: &CookieJar<'_>,
    form: Form<CsrfForm>,
) -> Result<Redirect, Status> {
    page.check_csrf(form.csrf.as_deref())?;
    let user = page.staff.user.id.clone();
    app.store
        .write(move |tx| sessions::delete_for_user(tx, &user))
        .await
        .map_err(|e| e.status)?;
    cookies.remove_private(Cookie::from(sessions::COOKIE));
    Ok(Redirect::to("/login"))
}

#[derive(Template)]
#[template(path = "reset.html")]
struct ResetPage {
    chrome: Chrome,
    valid: bool,
    token: String,
    error: Option<String>,
}

/// `GET /reset/<token>` — public: the form a one-time reset link opens.
#[get("/reset/<token>")]
async fn reset_page(
    app: &State<App>,
    token: &str,
    cookies: &CookieJar<'_>,
    https: Https,
    lang: PublicLang,
) -> Result<(Status, RawHtml<String>), Status> {
    let tk = token.to_string();
    let valid = app
        .store
        .read(move |c| resets::user_of(c, &tk))
        .await
        .map_err(|e| e.status)?
        .is_some();
    let html = render(&ResetPage {
        chrome: Chrome::public(lang.0, pre_csrf(cookies, https.0)),
        valid,
        token: if valid { token.into() } else { String::new() },
        error: None,
    })?;
    Ok((if valid { Status::Ok } else { Status::Gone }, html))
}

/// `POST /reset/<token>` — public: sets the new password, uses the link up and ends every
/// session of the account; then the person signs in with it.
#[post("/reset/<token>", data = "<form>")]
async fn reset(
    app: &State<App>,
    token: &str,
    cookies: &CookieJar<'_>,
    https: Https,
    lang: PublicLang,
    form: Form<PasswordForm>,
) -> Result<Either<Flash<Redirect>, (Status, RawHtml<String>)>, Status> {
    let f = form.into_inner();
    if !pre_csrf_ok(cookies, f.csrf.as_deref()) {
        return Err(Status::Forbidden);
    }
    let t = i18n::strings(lang.0);
    let again = |status: Status, error: String, valid: bool| {
        render(&ResetPage {
            chrome: Chrome::public(lang.0, pre_csrf(cookies, https.0)),
            valid,
            token: if valid { token.into() } else { String::new() },
            error: Some(error),
        })
        .map(|h| Either::Right((status, h)))
    };
    let pw = match new_password(t, f.password.as_deref(), f.confirm.as_deref()) {
        Ok(pw) => pw,
        Err(m) => return again(Status::BadRequest, m, true),
    };
    let hash = password::hash(pw).await.map_err(|e| e.status)?;
    let tk = token.to_string();
    let done = app
        .store
        .write(move |tx| resets::consume(tx, &tk, &hash))
        .await
        .map_err(|e| e.status)?;
    match done {
        Some(user_id) => {
            tracing::info!(user_id = %user_id, "password reset through a one-time link");
            Ok(Either::Left(Flash::success(
                Redirect::to("/login"),
                t.password_reset_done,
            )))
        }
        None => again(Status::Gone, t.reset_used.to_string(), false),
    }
}

#[derive(Template)]
#[template(path = "forgot.html")]
struct ForgotPage {
    chrome: Chrome,
    available: bool,
    sent: bool,
}

/// `GET /forgot` — public: asks for the email to send a reset link to (with SMTP only).
#[get("/forgot")]
fn forgot_page(
    app: &State<App>,
    cookies: &CookieJar<'_>,
    https: Https,
    lang: PublicLang,
) -> Result<RawHtml<String>, Status> {
    render(&ForgotPage {
        chrome: Chrome::public(lang.0, pre_csrf(cookies, https.0)),
        available: app.courier.email_enabled(),
        sent: false,
    })
}

#[derive(FromForm)]
struct ForgotForm {
    email: Option<String>,
    #[field(name = "_csrf")]
    csrf: Option<String>,
}

/// `POST /forgot` — public, throttled like sign-in: when the address is an account's, a
/// one-time link goes to it. The answer is the same either way, so nobody learns who has an
/// account. The link is mailed directly, not queued: a secret has no place in a durable log.
#[post("/forgot", data = "<form>")]
async fn forgot(
    app: &State<App>,
    cookies: &CookieJar<'_>,
    https: Https,
    lang: PublicLang,
    ip: ClientIp,
    form: Form<ForgotForm>,
) -> Result<(Status, RawHtml<String>), Status> {
    let f = form.into_inner();
    if !pre_csrf_ok(cookies, f.csrf.as_deref()) {
        return Err(Status::Forbidden);
    }
    let page = |status: Status, sent: bool| {
        render(&ForgotPage {
            chrome: Chrome::public(lang.0, pre_csrf(cookies, https.0)),
            available: app.courier.email_enabled(),
            sent,
        })
        .map(|h| (status, h))
    };
    if !app.courier.email_enabled() {
        return page(Status::NotFound, false);
    }
    let Ok(email) = Email::parse_login(f.email.as_deref().unwrap_or("")) else {
        return page(Status::Ok, true);
    };
    if app.throttle.check_login(ip.0, email.as_str()).is_err() {
        return page(Status::TooManyRequests, false);
    }
    let login = email.as_str().to_string();
    let found = app
        .store
        .write(move |tx| match users::by_email(tx, &login)? {
            Some(u) => Ok(Some((resets::create(tx, &u.id, None)?, u))),
            None => Ok(None),
        })
        .await
        .map_err(|e| e.status)?;
    if let Some((token, user)) = found {
        let t = i18n::strings(user.locale);
        let link = app.courier.link(&format!("/reset/{token}"));
        let text = t.reset_mail_body.replace("{link}", &link);
        let courier = app.courier.clone();
        let to = user.email.clone();
        let subject = t.reset_mail_subject.to_string();
        tokio::spawn(async move {
            if let Err(e) = courier.send_now(&to, &subject, text).await {
                tracing::warn!(error = %e, "could not send a password reset email");
            }
        });
    }
    page(Status::Ok, true)
}

/// Issues a one-time link for a member (owners, from the members page); the link, shown once.
pub async fn issue_link(app: &App, user_id: String, by: String) -> Result<String, Status> {
    let token = app
        .store
        .write(move |tx| resets::create(tx, &user_id, Some(&by)))
        .await
        .map_err(|e| e.status)?;
    Ok(app.courier.link(&format!("/reset/{token}")))
}
