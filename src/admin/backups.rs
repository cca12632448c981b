//! The owners' backup page: snapshots of the whole database, taken on a schedule or now,
//! downloaded and deleted. Every action is a plain form; no script is needed.

use askama::Template;
use rocket::form::Form;
use rocket::http::Status;
use rocket::request::FlashMessage;
use rocket::response::content::RawHtml;
use rocket::response::{Flash, Redirect};
use rocket::{get, post, routes, Route, State};

use super::{render, Chrome, Page};
use crate::admin::CsrfForm;
use crate::app::App;
use crate::auth::permissions::Perm;
use crate::ops::backups::{self, Download};

/// The HTTP routes of the page.
pub fn routes() -> Vec<Route> {
    routes![page, take, download, delete]
}

/// Owners of the appliance's first workspace only (a snapshot holds every workspace).
async fn allowed(app: &App, page: &Page) -> Result<(), Status> {
    if !page.role.can(Perm::BackupManage) {
        return Err(Status::Forbidden);
    }
    backups::appliance_owner(app, &page.workspace.id)
        .await
        .map_err(|e| e.status)
}

struct Row {
    name: String,
    size: String,
    when: String,
    /// "Holds data of N people erased since", or empty.
    erased: String,
}

#[derive(Template)]
#[template(path = "backups.html")]
struct BackupsPage {
    chrome: Chrome,
    rows: Vec<Row>,
    schedule: String,
    first_only: bool,
}

fn size(bytes: u64) -> String {
    if bytes >= 1024 * 1024 {
        format!("{:.1} MiB", bytes as f64 / (1024.0 * 1024.0))
    } else {
        format!("{} KiB", bytes.div_ceil(1024))
    }
}

/// `GET /admin/backups` — BackupPermissions.Manage.
#[get("/admin/backups")]
async fn page(
    app: &State<App>,
    page: Page,
    f: Option<FlashMessage<'_>>,
) -> Result<RawHtml<String>, Status> {
    if !page.role.can(Perm::BackupManage) {
        return Err(Status::Forbidden);
    }
    let t = page.t();
    let first_only = backups::appliance_owner(app, &page.workspace.id)
        .await
        .is_err();
    let list = if first_only {
        vec![]
    } else {
        backups::all(app).await.map_err(|e| e.status)?
    };
    let keep = app.config.backup_keep.to_string();
    let schedule = if app.config.backup_every == 0 {
        t.backups_off.replace("{keep}", &keep)
    } else {
        t.backups_schedule
            .replace("{every}", &app.config.backup_every.to_string())
            .replace("{keep}", &keep)
    };
    render(&BackupsPage {
        rows: list
            .into_iter()
            .map(|s| Row {
                erased: if s.erased_since > 0 {
                    super::i18n::count(s.erased_since, t.backups_erased_one, t.backups_erased)
                } else {
                    String::new()
                },
                size: size(s.size),
                when: s.created_at,
                name: s.name,
            })
            .collect(),
        schedule,
        first_only,
        chrome: page.chrome(
            "settings",
            f.map(|m| (m.kind().to_string(), m.message().to_string())),
        ),
    })
}

/// `POST /admin/backups` — BackupPermissions.Manage: takes a snapshot now.
#[post("/admin/backups", data = "<form>")]
async fn take(
    app: &State<App>,
    page: Page,
    form: Form<CsrfForm>,
) -> Result<Flash<Redirect>, Status> {
    page.check_csrf(form.csrf.as_deref())?;
    allowed(app, &page).await?;
    Ok(match backups::take_now(app).await {
        Ok(s) => {
            tracing::info!(name = %s.name, by = %page.staff.user.id, "snapshot taken");
            Flash::success(Redirect::to("/admin/backups"), page.t().backup_taken)
        }
        Err(_) => Flash::error(Redirect::to("/admin/backups"), page.t().backup_failed),
    })
}

/// `GET /admin/backups/<name>` — BackupPermissions.Manage: the snapshot file.
#[get("/admin/backups/<name>")]
async fn download(app: &State<App>, page: Page, name: &str) -> Result<Download, Status> {
    allowed(app, &page).await?;
    backups::open(app, name).await.map_err(|e| e.status)
}

/// `POST /admin/backups/<name>/delete` — BackupPermissions.Manage.
#[post("/admin/backups/<name>/delete", data = "<form>")]
async fn delete(
    app: &State<App>,
    page: Page,
    name: &str,
    form: Form<CsrfForm>,
) -> Result<Flash<Redirect>, Status> {
    page.check_csrf(form.csrf.as_deref())?;
    allowed(app, &page).await?;
    backups::delete_one(app, name).await.map_err(|e| e.status)?;
    Ok(Flash::success(
        Redirect::to("/admin/backups"),
        page.t().backup_deleted,
    ))
}
