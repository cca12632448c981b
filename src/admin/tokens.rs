//! The API tokens page: the viewer's own tokens, each secret shown once.

use askama::Template;
use rocket::form::{Form, FromForm};
use rocket::http::Status;
use rocket::request::FlashMessage;
use rocket::response::content::RawHtml;
use rocket::response::{Flash, Redirect};
use rocket::{get, post, routes, Route, State};

use super::{flash, render, Chrome, CsrfForm, Page};
use crate::app::App;
use crate::auth::permissions::Perm;
use crate::auth::tokens;
use crate::domain;

/// The HTTP routes of the tokens page.
pub fn routes() -> Vec<Route> {
    routes![tokens_page, create_token, revoke_token]
}

#[derive(Template)]
#[template(path = "tokens.html")]
struct TokensPage {
    chrome: Chrome,
    tokens: Vec<tokens::TokenInfo>,
    new_token: Option<String>,
    error: Option<String>,
}

async fn tokens_html(
    app: &App,
    page: &Page,
    status: Status,
    new_token: Option<String>,
    error: Option<String>,
    f: Option<(String, String)>,
) -> Result<(Status, RawHtml<String>), Status> {
    let uid = page.staff.user.id.clone();
    let list = app
        .store
        .read(move |c| tokens::list_for_user(c, &uid))
        .await
        .map_err(|e| e.status)?;
    let html = render(&TokensPage {
        chrome: page.chrome("tokens", f),
        tokens: list,
        new_token,
        error,
    })?;
    Ok((status, html))
}

/// `GET /admin/tokens` — TokenPermissions.Manage: the viewer's own tokens.
#[get("/admin/tokens")]
async fn tokens_page(
    app: &State<App>,
    page: Page,
    f: Option<FlashMessage<'_>>,
) -> Result<(Status, RawHtml<String>), Status> {
    page.allow(Perm::TokenManage)?;
    tokens_html(app, &page, Status::Ok, None, None, flash(f)).await
}

#[derive(FromForm)]
struct TokenForm {
    #[field(name = "_csrf")]
    csrf: Option<String>,
    name: Option<String>,
}

/// `POST /admin/tokens` — TokenPermissions.Manage: shows the new secret once, on this page.
#[post("/admin/tokens", data = "<form>")]
async fn create_token(
    app: &State<App>,
    page: Page,
    form: Form<TokenForm>,
) -> Result<(Status, RawHtml<String>), Status> {
    page.check_csrf(form.csrf.as_deref())?;
    page.allow(Perm::TokenManage)?;
    let name = match domain::required_text(form.name.as_deref(), 100) {
        Ok(n) => n,
        Err(m) => {
            let msg = format!("{}: {m}", page.t().token_name);
            return tokens_html(app, &page, Status::BadRequest, None, Some(msg), None).await;
        }
    };
    let uid = page.staff.user.id.clone();
    let (_, secret) = app
        .store
        .write(move |tx| tokens::create(tx, &uid, &name))
        .await
        .map_err(|e| e.status)?;
    tokens_html(app, &page, Status::Created, Some(secret), None, None).await
}

/// `POST /admin/tokens/<id>/revoke` — TokenPermissions.Manage, own tokens only.
#[post("/admin/tokens/<id>/revoke", data = "<form>")]
async fn revoke_token(
    app: &State<App>,
    page: Page,
    id: &str,
    form: Form<CsrfForm>,
) -> Result<Flash<Redirect>, Status> {
    page.check_csrf(form.csrf.as_deref())?;
    page.allow(Perm::TokenManage)?;
    let (uid, tid) = (page.staff.user.id.clone(), id.to_string());
    let done = app
        .store
        .write(move |tx| tokens::revoke(tx, &uid, &tid))
        .await
        .map_err(|e| e.status)?;
    if !done {
        return Err(Status::NotFound);
    }
    Ok(Flash::success(
        Redirect::to("/admin/tokens"),
        page.t().token_revoked,
    ))
}
