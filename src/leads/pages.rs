//! The pages every lead kind gets from the registry: the unified inbox, its CSV export, each
//! kind's CSV export, and the lifecycle actions of every lifecycle kind's detail page.

use std::collections::BTreeMap;

use askama::Template;
use rocket::form::Form;
use rocket::http::Status;
use rocket::response::content::RawHtml;
use rocket::response::{Flash, Redirect};
use rocket::{get, post, routes, Route, State};

use super::api::Mounted;
use super::csv::{self, CsvFile};
use super::inbox::{self, readable, LeadsQuery};
use super::lifecycle::{self, Step};
use crate::admin::{render, Chrome, LeadActionForm, Page};
use crate::app::App;
use crate::auth::permissions::{LeadAction, Perm};
use crate::error::FieldErrors;
use crate::util;

/// The HTTP routes of these pages.
pub fn routes() -> Vec<Route> {
    routes![inbox_page, inbox_csv, kind_csv]
}

/// The lifecycle actions of a detail page, mounted at every lifecycle kind's admin path.
pub fn lifecycle_routes() -> Vec<Route> {
    routes![act]
}

/// One row of the inbox page.
struct Row {
    id: String,
    href: String,
    /// The kind's wire id (`data-kind` on the row).
    kind: &'static str,
    kind_label: &'static str,
    created_at: String,
    created_short: String,
    name: String,
    email: String,
    company: String,
    status: String,
    status_label: &'static str,
}

#[derive(Template)]
#[template(path = "leads.html")]
struct InboxPage {
    chrome: Chrome,
    rows: Vec<Row>,
    q: String,
    kind: String,
    status: String,
    kinds: Vec<(&'static str, &'static str)>,
    statuses: Vec<(&'static str, &'static str)>,
    errors: BTreeMap<String, String>,
    page: i64,
    pages: i64,
    total: i64,
    query: String,
    can_export: bool,
}

/// The query string of a validated inbox filter (without the page).
fn query_of(inbox: &inbox::Inbox) -> String {
    let mut qs = vec![];
    if let Some(k) = inbox.kind {
        qs.push(format!("kind={k}"));
    }
    if let Some(s) = inbox.status {
        qs.push(format!("status={}", util::urlencode(s)));
    }
    if let Some(a) = &inbox.assignee_id {
        qs.push(format!("assigneeId={}", util::urlencode(a)));
    }
    if let Some(q) = &inbox.q {
        qs.push(format!("q={}", util::urlencode(q)));
    }
    qs.join("&")
}

/// `GET /admin/leads` — the Find permission of each kind: every lead kind, newest first.
#[get("/admin/leads?<query..>")]
async fn inbox_page(
    app: &State<App>,
    page: Page,
    query: LeadsQuery,
) -> Result<RawHtml<String>, Status> {
    let kinds = readable(&app.kinds, page.role);
    if kinds.is_empty() {
        return Err(Status::Forbidden);
    }
    let mut errs = FieldErrors::default();
    let inbox = query.parse(&app.kinds, &kinds, &mut errs);
    let (ws, registry, scope, b) = (
        page.workspace.id.clone(),
        app.kinds.clone(),
        app.scope(),
        inbox.clone(),
    );
    let (items, total) = app
        .store
        .read(move |c| inbox::page_of(c, &registry, &scope, &ws, &b))
        .await
        .map_err(|e| e.status)?;
    let lang = page.t().lang;
    let o = |v: &Option<String>| v.clone().unwrap_or_default();
    let rows = items
        .iter()
        .map(|r| Row {
            id: r.id.clone(),
            href: r.admin_url.clone(),
            kind: r.kind,
            kind_label: r.kind_label.get(lang),
            created_short: util::short_time(&r.created_at),
            created_at: r.created_at.clone(),
            name: o(&r.name),
            email: o(&r.email),
            company: o(&r.company),
            status: r.status.clone(),
            status_label: r.status_label.get(lang),
        })
        .collect();
    render(&InboxPage {
        rows,
        q: inbox.q.clone().unwrap_or_default(),
        kind: inbox.kind.unwrap_or_default().to_string(),
        status: inbox.status.unwrap_or_default().to_string(),
        kinds: inbox::kind_options(&app.kinds, lang),
        statuses: inbox::status_options(&app.kinds, &kinds, lang),
        errors: errs.into_map(),
        page: inbox.page.page,
        pages: ((total + inbox.page.limit - 1) / inbox.page.limit).max(1),
        total,
        query: query_of(&inbox),
        can_export: page.role.can(Perm::LeadExport),
        chrome: page.chrome("leads", None),
    })
}

fn dated(name: &str) -> String {
    format!(
        "{name}-{}.csv",
        util::now_str().get(..10).unwrap_or("export")
    )
}

/// `GET /admin/leads.csv` — LeadPermissions.Export: the filtered inbox as CSV.
#[get("/admin/leads.csv?<query..>")]
async fn inbox_csv(app: &State<App>, page: Page, query: LeadsQuery) -> Result<CsvFile, Status> {
    if !page.role.can(Perm::LeadExport) {
        return Err(Status::Forbidden);
    }
    let kinds = readable(&app.kinds, page.role);
    let mut errs = FieldErrors::default();
    let inbox = query.parse(&app.kinds, &kinds, &mut errs);
    if !errs.is_empty() {
        return Err(Status::BadRequest);
    }
    let (ws, registry, scope, lang) = (
        page.workspace.id.clone(),
        app.kinds.clone(),
        app.scope(),
        page.t().lang,
    );
    let table = app
        .store
        .read(move |c| inbox::export(c, &registry, &scope, &ws, &inbox, lang))
        .await
        .map_err(|e| e.status)?;
    Ok(CsvFile {
        name: dated("leads"),
        body: csv::file(&table),
    })
}

/// `GET /admin/export/<kind>` — LeadPermissions.Export and the kind's Find: its own list,
/// with every column of its own, as CSV.
#[get("/admin/export/<kind>")]
async fn kind_csv(app: &State<App>, page: Page, kind: &str) -> Result<CsvFile, Status> {
    let kind = app.kinds.get(kind).cloned().ok_or(Status::NotFound)?;
    if !page.role.can(Perm::LeadExport) || !page.role.can(kind.perm(LeadAction::Find)) {
        return Err(Status::Forbidden);
    }
    let (ws, scope, k) = (page.workspace.id.clone(), app.scope(), kind.clone());
    let table = app
        .store
        .read(move |c| k.export(c, &ws, &scope))
        .await
        .map_err(|e| e.status)?;
    Ok(CsvFile {
        name: dated(kind.collection()),
        body: csv::file(&table),
    })
}

/// `POST {admin path}/<id>/<action>` — the permission of the action on the mounted kind:
/// assign, reply, convert, lose, delete, restore. (A kind's own actions, such as an inquiry's
/// not-spam, have their own routes, which win.)
#[post("/<id>/<action>", data = "<form>", rank = 20)]
async fn act(
    app: &State<App>,
    page: Page,
    kind: Mounted,
    id: &str,
    action: &str,
    form: Form<LeadActionForm>,
) -> Result<Flash<Redirect>, Status> {
    page.check_csrf(form.csrf.as_deref())?;
    let kind = kind.0;
    let step = match (form.lifecycle_move(action), action) {
        (Some(mv), _) => Step::Move(mv),
        (None, "delete") => Step::Delete,
        (None, "restore") => Step::Restore,
        _ => return Err(Status::NotFound),
    };
    if !page.role.can(kind.perm(step.action())) {
        return Err(Status::Forbidden);
    }
    let back = Redirect::to(format!("{}/{id}", kind.admin_path()));
    if let Step::Move(mv) = &step {
        if let Err(e) = mv.validate() {
            return Ok(Flash::error(back, e.message));
        }
    }
    let (ws, actor, id, scope) = (
        page.workspace.id.clone(),
        page.staff.user.id.clone(),
        id.to_string(),
        app.scope(),
    );
    match app
        .store
        .write(move |tx| lifecycle::apply(tx, kind.as_ref(), &ws, &id, &actor, step, &scope))
        .await
    {
        Ok(_) => Ok(Flash::success(back, page.t().done)),
        Err(e) if e.status == Status::NotFound => Err(Status::NotFound),
        Err(e) => Ok(Flash::error(back, e.message)),
    }
}
