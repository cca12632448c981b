//! The page an invitation link opens: the invited person joins with the password of the
//! account they already have, or chooses one for a new account. Nobody else learns which.

use askama::Template;
use rocket::form::{Form, FromForm};
use rocket::http::{CookieJar, Status};
use rocket::response::content::RawHtml;
use rocket::response::{Flash, Redirect};
use rocket::{get, post, routes, Either, Route, State};

use super::account::{pre_csrf, pre_csrf_ok, start_session, Browser, Https, PublicLang};
use super::i18n;
use super::{render, Chrome};
use crate::app::App;
use crate::auth::guards::ClientIp;
use crate::auth::invitations::{self, Invitation};
use crate::auth::{password, routes::check_credentials, users};
use crate::domain::{self, Email};
use crate::workspaces::queries;

/// The HTTP routes of the invitation page.
pub fn routes() -> Vec<Route> {
    routes![invite_page, accept]
}

#[derive(Template)]
#[template(path = "invite.html")]
struct InvitePage {
    chrome: Chrome,
    token: String,
    title: String,
    intro: String,
    name: String,
    valid: bool,
    error: Option<String>,
}

async fn open(app: &App, token: &str) -> Result<Option<(Invitation, String)>, Status> {
    let tk = token.to_string();
    app.store
        .read(move |c| {
            let Some(inv) = invitations::find(c, &tk)? else {
                return Ok(None);
            };
            let ws = queries::by_id_or_slug(c, &inv.workspace_id)?.map(|w| w.name);
            Ok(ws.map(|w| (inv, w)))
        })
        .await
        .map_err(|e| e.status)
}

fn page(
    lang: &PublicLang,
    csrf: String,
    token: &str,
    found: Option<&(Invitation, String)>,
    error: Option<String>,
) -> InvitePage {
    let t = i18n::strings(lang.0);
    match found {
        Some((inv, ws)) => InvitePage {
            chrome: Chrome::public(lang.0, csrf),
            token: token.to_string(),
            title: t.invite_title.replace("{workspace}", ws),
            intro: t
                .invite_intro
                .replace("{workspace}", ws)
                .replace("{role}", i18n::role_label(t, inv.role))
                .replace("{email}", &inv.email),
            name: inv.name.clone().unwrap_or_default(),
            valid: true,
            error,
        },
        None => InvitePage {
            chrome: Chrome::public(lang.0, csrf),
            token: String::new(),
            title: t.invite_title.replace("{workspace}", "leadbox"),
            intro: String::new(),
            name: String::new(),
            valid: false,
            error,
        },
    }
}

/// `GET /invite/<token>` — public: what the invitation is for, and the form to accept it.
#[get("/invite/<token>")]
async fn invite_page(
    app: &State<App>,
    token: &str,
    cookies: &CookieJar<'_>,
    https: Https,
    lang: PublicLang,
) -> Result<(Status, RawHtml<String>), Status> {
    let found = open(app, token).await?;
    let status = if found.is_some() {
        Status::Ok
    } else {
        Status::Gone
    };
    let html = render(&page(
        &lang,
        pre_csrf(cookies, https.0),
        token,
        found.as_ref(),
        None,
    ))?;
    Ok((status, html))
}

#[derive(FromForm)]
struct AcceptForm {
    name: Option<String>,
    password: Option<String>,
    #[field(name = "_csrf")]
    csrf: Option<String>,
}

/// `POST /invite/<token>` — public, throttled like sign-in: joins with the existing account's
/// password, or creates the account with the chosen one; then signs the person in.
#[allow(clippy::too_many_arguments)]
#[post("/invite/<token>", data = "<form>")]
async fn accept(
    app: &State<App>,
    token: &str,
    cookies: &CookieJar<'_>,
    https: Https,
    lang: PublicLang,
    ip: ClientIp,
    browser: Browser,
    form: Form<AcceptForm>,
) -> Result<Either<Flash<Redirect>, (Status, RawHtml<String>)>, Status> {
    let f = form.into_inner();
    if !pre_csrf_ok(cookies, f.csrf.as_deref()) {
        return Err(Status::Forbidden);
    }
    let t = i18n::strings(lang.0);
    let found = open(app, token).await?;
    let again = |status: Status, error: &str, found: Option<&(Invitation, String)>| {
        render(&page(
            &lang,
            pre_csrf(cookies, https.0),
            token,
            found,
            Some(error.to_string()),
        ))
        .map(|h| Either::Right((status, h)))
    };
    let Some(found) = found else {
        return again(Status::Gone, t.invite_used, None);
    };
    let inv = found.0.clone();
    let Ok(email) = Email::parse_login(&inv.email) else {
        return again(Status::Gone, t.invite_used, None);
    };
    let pw = f.password.unwrap_or_default();
    let login = email.as_str().to_string();
    let existing = app
        .store
        .read(move |c| users::by_email(c, &login))
        .await
        .map_err(|e| e.status)?;
    let new_account = match existing {
        Some(_) => {
            if pw.is_empty() || pw.len() > 1024 {
                return again(Status::BadRequest, t.wrong_credentials, Some(&found));
            }
            match check_credentials(app, ip.0, &email, pw).await {
                Ok(_) => None,
                Err(e) if e.status == Status::TooManyRequests => {
                    return again(Status::TooManyRequests, t.too_many_attempts, Some(&found))
                }
                Err(e) if e.status == Status::Unauthorized => {
                    return again(Status::Unauthorized, t.wrong_credentials, Some(&found))
                }
                Err(e) => return Err(e.status),
            }
        }
        None => {
            let pw = match domain::parse_password(&pw) {
                Ok(p) => p,
                Err(m) => {
                    let m = i18n::message(t, &m);
                    return again(Status::BadRequest, &m, Some(&found));
                }
            };
            let name = match domain::optional_text(f.name.as_deref(), 200) {
                Ok(n) => n,
                Err(m) => {
                    let m = i18n::message(t, &m);
                    return again(Status::BadRequest, &m, Some(&found));
                }
            };
            Some((name, password::hash(pw).await.map_err(|e| e.status)?))
        }
    };
    let tk = token.to_string();
    let joined = app
        .store
        .write(move |tx| {
            if !invitations::consume(tx, &tk)? {
                return Ok(None);
            }
            let user = match users::by_email(tx, &inv.email)? {
                Some(u) => u,
                None => {
                    let (name, hash) = new_account.unwrap_or_default();
                    let name = name
                        .or(inv.name.clone())
                        .unwrap_or_else(|| inv.email.split('@').next().unwrap_or("").into());
                    users::insert(tx, &inv.email, &name, &hash)?
                }
            };
            users::set_membership(tx, &inv.workspace_id, &user.id, inv.role)?;
            Ok(Some(user.id))
        })
        .await
        .map_err(|e| e.status)?;
    let Some(user_id) = joined else {
        return again(Status::Gone, t.invite_used, None);
    };
    tracing::info!(user_id = %user_id, "invitation accepted");
    start_session(app, cookies, user_id, https.0, browser.0).await?;
    Ok(Either::Left(Flash::success(
        Redirect::to("/admin"),
        t.invite_joined,
    )))
}
