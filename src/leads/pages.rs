//! The pages every lead kind gets from the registry: the unified inbox, its CSV export, each
//! kind's CSV export, and the lifecycle actions of every lifecycle kind's detail page.

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
use super::notes;
use crate::admin::{render, Chrome, LeadActionForm, Page};
use crate::app::App;
use crate::auth::permissions::{LeadAction, Perm};
use crate::error::FieldErrors;
use crate::util;

/// The HTTP routes of these pages.
pub fn routes() -> Vec<Route> {
    routes![inbox_page, inbox_csv, kind_csv, bulk]
}

/// The lifecycle actions of a detail page, mounted at every lifecycle kind's admin path.
pub fn lifecycle_routes() -> Vec<Route> {
    routes![act]
}

/// Internal notes, mounted at every kind's admin path.
pub fn note_routes() -> Vec<Route> {
    routes![add_note]
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
    created_title: String,
    name: String,
    email: String,
    company: String,
    status: String,
    status_label: &'static str,
    /// The older open lead of the same person, when this one may be a duplicate.
    duplicate_href: String,
    /// Where the search words matched (already HTML-escaped, matches in `<mark>`).
    snippet: String,
    /// While it waits under the first-response target: when it is due (viewer's time).
    due: String,
    /// Past due.
    overdue: bool,
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
    errors: Vec<(String, String)>,
    page: i64,
    pages: i64,
    total: i64,
    query: String,
    limit: i64,
    can_export: bool,
    members: Vec<(String, String)>,
    can_bulk: bool,
    overdue: bool,
    due_sort: bool,
    source: String,
}

/// Page sizes a list offers.
pub const PAGE_SIZES: [i64; 3] = [20, 50, 100];

/// The query string of a validated inbox filter (without the page).
fn query_of(inbox: &inbox::Inbox, seal: &crate::admin::search::Seal) -> String {
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
        qs.push(seal.param(q));
    }
    if inbox.page.limit != 20 {
        qs.push(format!("limit={}", inbox.page.limit));
    }
    if inbox.overdue {
        qs.push("overdue=true".into());
    }
    if let Some(s) = &inbox.source {
        qs.push(format!("source={}", util::urlencode(s)));
    }
    if inbox.column == "due_at" {
        qs.push("sortBy=dueAt".into());
    }
    qs.join("&")
}

/// `GET /admin/leads` — the Find permission of each kind: every lead kind, newest first.
#[get("/admin/leads?<query..>")]
async fn inbox_page(
    app: &State<App>,
    page: Page,
    query: LeadsQuery,
    f: Option<rocket::request::FlashMessage<'_>>,
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
    let (t, local, now) = (page.t(), page.local(), util::rfc3339(app.scope().now));
    let lang = t.lang;
    let o = |v: &Option<String>| v.clone().unwrap_or_default();
    let rows = items
        .iter()
        .map(|r| Row {
            id: r.id.clone(),
            href: r.admin_url.clone(),
            kind: r.kind,
            kind_label: r.kind_label.get(lang),
            created_short: crate::admin::when::relative(t, &r.created_at, &now),
            created_title: local.short(&r.created_at),
            created_at: r.created_at.clone(),
            name: o(&r.name),
            email: o(&r.email),
            company: o(&r.company),
            status: r.status.clone(),
            status_label: r.status_label.get(lang),
            duplicate_href: o(&r.duplicate_url),
            snippet: o(&r.snippet),
            due: r
                .due_at
                .as_deref()
                .map(|d| local.short(d))
                .unwrap_or_default(),
            overdue: r.overdue,
        })
        .collect();
    render(&InboxPage {
        source: inbox.source.clone().unwrap_or_default(),
        overdue: inbox.overdue,
        due_sort: inbox.column == "due_at",
        rows,
        q: inbox.q.clone().unwrap_or_default(),
        kind: inbox.kind.unwrap_or_default().to_string(),
        status: inbox.status.unwrap_or_default().to_string(),
        kinds: inbox::kind_options(&app.kinds, lang),
        statuses: inbox::status_options(&app.kinds, &kinds, lang),
        errors: crate::admin::i18n::errors(page.t(), &errs.into_map()),
        page: inbox.page.page,
        pages: ((total + inbox.page.limit - 1) / inbox.page.limit).max(1),
        total,
        query: query_of(&inbox, &app.seal),
        limit: inbox.page.limit,
        can_export: page.role.can(Perm::LeadExport),
        members: page.members(app).await?,
        can_bulk: app.kinds.all().iter().any(|k| {
            k.lifecycle_table().is_some()
                && (page.role.can(k.perm(LeadAction::Assign))
                    || page.role.can(k.perm(LeadAction::Delete)))
        }),
        chrome: page.chrome("leads", flash(f)),
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
    let kinds = app.kinds.clone();
    let said = said(page.t(), &step);
    match app
        .store
        .write(move |tx| {
            let lead = lifecycle::apply(tx, kind.as_ref(), &ws, &id, &actor, step, &scope)?;
            super::routing::assign::drain(tx, &kinds, &ws, &crate::util::rfc3339(scope.now))?;
            Ok(lead)
        })
        .await
    {
        Ok(_) => Ok(Flash::success(back, said)),
        Err(e) if e.status == Status::NotFound => Err(Status::NotFound),
        Err(e) => Ok(Flash::error(back, e.message)),
    }
}

/// What a step did, as the lead's page says it after.
fn said(t: &'static crate::admin::i18n::Strings, step: &Step) -> &'static str {
    use lifecycle::Move;
    match step {
        Step::Move(Move::Assign(_)) => t.did_assign,
        Step::Move(Move::Reply(_)) => t.did_reply,
        Step::Move(Move::Convert) => t.did_convert,
        Step::Move(Move::Lose(_)) => t.did_lose,
        Step::Delete => t.did_delete,
        Step::Restore => t.did_restore,
    }
}

#[derive(rocket::FromForm)]
struct NoteForm {
    body: Option<String>,
    #[field(name = "_csrf")]
    csrf: Option<String>,
}

/// `POST {admin path}/<id>/notes` — the kind's Note permission: an internal note on the
/// lead's timeline.
#[post("/<id>/notes", data = "<form>")]
async fn add_note(
    app: &State<App>,
    page: Page,
    kind: Mounted,
    id: &str,
    form: Form<NoteForm>,
) -> Result<Flash<Redirect>, Status> {
    page.check_csrf(form.csrf.as_deref())?;
    let kind = kind.0;
    if !page.role.can(kind.perm(LeadAction::Note)) {
        return Err(Status::Forbidden);
    }
    let t = page.t();
    let back = Redirect::to(format!("{}/{id}#timeline", kind.admin_path()));
    let body = match crate::domain::required_text(form.body.as_deref(), notes::MAX_LEN) {
        Ok(b) => b,
        Err(m) => {
            let m = crate::admin::i18n::message(t, &m);
            return Ok(Flash::error(back, format!("{}: {m}", t.ev_note)));
        }
    };
    let (ws, actor, id, scope) = (
        page.workspace.id.clone(),
        page.staff.user.id.clone(),
        id.to_string(),
        app.scope(),
    );
    match app
        .store
        .write(move |tx| notes::add(tx, kind.as_ref(), &ws, &id, &actor, &body, &scope))
        .await
    {
        Ok(_) => Ok(Flash::success(back, t.note_added)),
        Err(e) if e.status == Status::NotFound => Err(Status::NotFound),
        Err(e) => Err(e.status),
    }
}

use crate::admin::flash;

#[derive(rocket::FromForm)]
struct BulkForm {
    action: Option<String>,
    ids: Vec<String>,
    assignee_id: Option<String>,
    reason: Option<String>,
    /// The list's query string, to return to.
    back: Option<String>,
    #[field(name = "_csrf")]
    csrf: Option<String>,
}

/// Where a bulk action returns: a list page of the admin with its filters; anything else
/// falls back to the inbox.
fn back_to(back: Option<&str>) -> String {
    match back {
        Some(b)
            if b.starts_with("/admin/")
                && !b.contains("//")
                && b.chars().all(|c| c.is_ascii_graphic() && c != '\\') =>
        {
            b.to_string()
        }
        _ => "/admin/leads".to_string(),
    }
}

/// `POST /admin/leads/bulk` — per lead, the permission of the action on its kind: assign to
/// me or to a member, lose with a reason, or delete, for every checked lead of any kind.
/// Leads the action does not fit (another kind's workflow, a status it cannot leave) are
/// skipped and counted, never half-done.
#[post("/admin/leads/bulk", data = "<form>")]
async fn bulk(
    app: &State<App>,
    page: Page,
    form: Form<BulkForm>,
) -> Result<Flash<Redirect>, Status> {
    page.check_csrf(form.csrf.as_deref())?;
    let f = form.into_inner();
    let t = page.t();
    let back = Redirect::to(back_to(f.back.as_deref()));
    if f.ids.is_empty() {
        return Ok(Flash::error(back, t.bulk_none_selected));
    }
    if f.ids.len() > 100 {
        return Ok(Flash::error(back, t.bulk_too_many));
    }
    let me = page.staff.user.id.clone();
    let step = match f.action.as_deref() {
        Some("assign_me") => Step::Move(lifecycle::Move::Assign(me.clone())),
        Some("assign") => match f.assignee_id.as_deref().filter(|a| !a.is_empty()) {
            Some(a) => Step::Move(lifecycle::Move::Assign(a.to_string())),
            None => return Ok(Flash::error(back, t.bulk_pick_member)),
        },
        Some("lose") => match crate::domain::required_text(f.reason.as_deref(), 1000) {
            Ok(r) => Step::Move(lifecycle::Move::Lose(r)),
            Err(_) => return Ok(Flash::error(back, t.bulk_need_reason)),
        },
        Some("delete") => Step::Delete,
        _ => return Ok(Flash::error(back, t.bulk_pick_action)),
    };
    let role = page.role;
    let kinds = app.kinds.clone();
    let (ws, scope) = (page.workspace.id.clone(), app.scope());
    let (done, skipped) = app
        .store
        .write(move |tx| {
            let (mut done, mut skipped) = (0usize, 0usize);
            for id in &f.ids {
                let Some(kind) = kinds.of_record(id).cloned() else {
                    skipped += 1;
                    continue;
                };
                if kind.lifecycle_table().is_none() || !role.can(kind.perm(step.action())) {
                    skipped += 1;
                    continue;
                }
                match lifecycle::apply(tx, kind.as_ref(), &ws, id, &me, step.clone(), &scope) {
                    Ok(_) => done += 1,
                    Err(e) if e.status.code >= 500 => return Err(e),
                    Err(_) => skipped += 1,
                }
            }
            super::routing::assign::drain(tx, &kinds, &ws, &crate::util::rfc3339(scope.now))?;
            Ok((done, skipped))
        })
        .await
        .map_err(|e| e.status)?;
    let msg = t
        .bulk_done
        .replace("{done}", &done.to_string())
        .replace("{skipped}", &skipped.to_string());
    Ok(if done == 0 {
        Flash::error(back, msg)
    } else {
        Flash::success(back, msg)
    })
}
