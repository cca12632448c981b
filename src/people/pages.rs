//! The admin's people pages: the list with search, one person with every lead and one merged
//! timeline, and the forms that merge, split, export and erase. Every action is a plain form.

use askama::Template;
use rocket::form::{Form, FromForm};
use rocket::http::{ContentType, Header, Status};
use rocket::request::FlashMessage;
use rocket::response::content::RawHtml;
use rocket::response::{Flash, Redirect, Responder};
use rocket::{get, post, routes, Route, State};

use super::Act;
use crate::admin::{render, Chrome, Page};
use crate::app::App;
use crate::auth::permissions::Perm;
use crate::leads::inbox::readable;
use crate::leads::timeline;
use crate::paging;
use crate::util;

/// The page routes.
pub fn routes() -> Vec<Route> {
    routes![list, one, merge, split, export, erase]
}

struct Row {
    href: String,
    name: String,
    email: String,
    company: String,
    leads: i64,
    open: i64,
    last_seen: String,
    last_seen_title: String,
}

#[derive(Template)]
#[template(path = "people.html")]
struct ListPage {
    chrome: Chrome,
    rows: Vec<Row>,
    q: String,
    page: i64,
    pages: i64,
    total: i64,
    query: String,
}

use crate::admin::flash;

/// `GET /admin/people` — PersonPermissions.Find.
#[get("/admin/people?<q>&<page>")]
async fn list(
    app: &State<App>,
    staff: Page,
    q: Option<&str>,
    page: Option<&str>,
    f: Option<FlashMessage<'_>>,
) -> Result<RawHtml<String>, Status> {
    list_page(app, staff, q, page, f).await
}

async fn list_page(
    app: &App,
    page: Page,
    q: Option<&str>,
    n: Option<&str>,
    f: Option<FlashMessage<'_>>,
) -> Result<RawHtml<String>, Status> {
    if !page.role.can(Perm::PersonFind) {
        return Err(Status::Forbidden);
    }
    let mut errs = crate::error::FieldErrors::default();
    let q = paging::parse_q(q, &mut errs);
    let p = paging::parse_page(n, Some("20"), &mut errs);
    let p = if errs.is_empty() {
        p
    } else {
        paging::Page { page: 1, limit: 20 }
    };
    let (ws, qq) = (page.workspace.id.clone(), q.clone());
    let (items, total) = app
        .store
        .read(move |c| super::list(c, &ws, qq.as_deref(), p.limit, (p.page - 1) * p.limit))
        .await
        .map_err(|e| e.status)?;
    let (t, local, now) = (page.t(), page.local(), util::rfc3339(app.scope().now));
    let o = |v: &Option<String>| v.clone().unwrap_or_default();
    let rows = items
        .into_iter()
        .map(|r| Row {
            href: format!("/admin/people/{}", r.id),
            name: if r.erased {
                t.erased_name.to_string()
            } else {
                r.name
                    .clone()
                    .filter(|n| !n.is_empty())
                    .unwrap_or_else(|| o(&r.email))
            },
            email: o(&r.email),
            company: o(&r.company),
            leads: r.leads,
            open: r.open_leads,
            last_seen: r
                .last_seen_at
                .as_deref()
                .map(|at| crate::admin::when::relative(t, at, &now))
                .unwrap_or_default(),
            last_seen_title: r
                .last_seen_at
                .as_deref()
                .map(|at| local.short(at))
                .unwrap_or_default(),
        })
        .collect();
    render(&ListPage {
        rows,
        query: q.as_deref().map(|q| app.seal.param(q)).unwrap_or_default(),
        q: q.unwrap_or_default(),
        page: p.page,
        pages: ((total + p.limit - 1) / p.limit).max(1),
        total,
        chrome: page.chrome("people", flash(f)),
    })
}

struct LeadLine {
    id: String,
    href: String,
    kind_label: &'static str,
    status: String,
    status_label: &'static str,
    received: String,
}

#[derive(Template)]
#[template(path = "person.html")]
struct PersonPage {
    chrome: Chrome,
    id: String,
    title: String,
    emails: Vec<String>,
    names: Vec<String>,
    companies: Vec<String>,
    end_users: Vec<String>,
    leads: Vec<LeadLine>,
    timeline: Vec<timeline::Item>,
    erased_note: String,
    can_merge: bool,
    can_export: bool,
    can_erase: bool,
}

/// `GET /admin/people/<id>` — PersonPermissions.Find.
#[get("/admin/people/<id>", rank = 2)]
async fn one(
    app: &State<App>,
    page: Page,
    id: &str,
    f: Option<FlashMessage<'_>>,
) -> Result<Result<RawHtml<String>, Redirect>, Status> {
    if !page.role.can(Perm::PersonFind) {
        return Err(Status::Forbidden);
    }
    let (ws, kinds, read, pid) = (
        page.workspace.id.clone(),
        app.kinds.clone(),
        readable(&app.kinds, page.role),
        id.to_string(),
    );
    let person = app
        .store
        .read(move |c| super::get(c, &kinds, &ws, &pid, &read))
        .await
        .map_err(|e| e.status)?
        .ok_or(Status::NotFound)?;
    if person.id != id {
        // A merged-away id: the person it lives in now.
        return Ok(Err(Redirect::to(format!("/admin/people/{}", person.id))));
    }
    let (t, local) = (page.t(), page.local());
    let lang = t.lang;
    let names = page.members(app).await?;
    let entries: Vec<timeline::Entry> = person.timeline.iter().map(|s| s.entry.clone()).collect();
    // Each step's sender is its lead's kind's ("web form", "in the app"); the person's own
    // steps are leadbox's.
    let senders: Vec<&'static str> = person
        .timeline
        .iter()
        .map(|s| {
            s.lead_id
                .as_ref()
                .and_then(|id| person.leads.iter().find(|l| &l.id == id))
                .and_then(|l| app.kinds.get(l.kind))
                .map_or(t.system, |k| k.meta().sender.get(lang))
        })
        .collect();
    let items = timeline::items_by(&entries, &[], t, &local, &names, |i| {
        senders.get(i).copied().unwrap_or(t.system).to_string()
    });
    let erased_note = person
        .erased
        .as_ref()
        .map(|e| {
            let by =
                e.by.as_ref()
                    .and_then(|b| names.iter().find(|(m, _)| m == b).map(|(_, n)| n.clone()))
                    .or_else(|| e.by.clone())
                    .unwrap_or_default();
            t.person_erased_note
                .replace("{at}", &local.short(&e.at))
                .replace("{by}", &by)
                .replace("{reason}", e.reason.as_deref().unwrap_or(""))
        })
        .unwrap_or_default();
    let title = if person.erased.is_some() {
        t.erased_name.to_string()
    } else {
        person
            .names
            .first()
            .or(person.emails.first())
            .cloned()
            .unwrap_or_else(|| person.id.clone())
    };
    render(&PersonPage {
        leads: person
            .leads
            .iter()
            .map(|l| LeadLine {
                id: l.id.clone(),
                href: l.admin_url.clone(),
                kind_label: l.kind_label.get(lang),
                status: l.status.clone(),
                status_label: l.status_label.get(lang),
                received: l.created_at.clone(),
            })
            .collect(),
        can_merge: page.role.can(Perm::PersonMerge) && person.erased.is_none(),
        can_export: page.role.can(Perm::PersonExport),
        can_erase: page.role.can(Perm::PersonErase) && person.erased.is_none(),
        id: person.id,
        title,
        emails: person.emails,
        names: person.names,
        companies: person.companies,
        end_users: person.end_user_ids,
        timeline: items,
        erased_note,
        chrome: page.chrome("people", flash(f)),
    })
    .map(Ok)
}

/// What a refused action says, in the viewer's language.
#[derive(FromForm)]
struct MergeForm {
    #[field(name = "_csrf")]
    csrf: Option<String>,
    other: Option<String>,
}

/// `POST /admin/people/<id>/merge` — PersonPermissions.Merge: `other` is an email or a
/// person id.
#[post("/admin/people/<id>/merge", data = "<form>")]
async fn merge(
    app: &State<App>,
    page: Page,
    id: &str,
    form: Form<MergeForm>,
) -> Result<Flash<Redirect>, Status> {
    page.check_csrf(form.csrf.as_deref())?;
    if !page.role.can(Perm::PersonMerge) {
        return Err(Status::Forbidden);
    }
    let back = Redirect::to(format!("/admin/people/{id}"));
    let t = page.t();
    let other = form.other.clone().unwrap_or_default().trim().to_string();
    let Act {
        ws,
        kinds,
        me,
        scope,
        pid,
    } = Act::new(app, &page.workspace.id, &page.staff.user.id, id);
    let done = app
        .store
        .write(move |tx| {
            let target = if other.contains('@') {
                let key = crate::leads::people::normalise_email(&other)
                    .map(|e| format!("email:{e}"))
                    .unwrap_or_default();
                rusqlite::OptionalExtension::optional(tx.query_row(
                    "SELECT person_id FROM person_keys WHERE workspace_id = ?1 AND key = ?2",
                    [&ws, &key],
                    |r| r.get::<_, String>(0),
                ))?
            } else {
                super::current(tx, &ws, &other)?
            };
            let Some(target) = target else {
                return Ok(false);
            };
            super::merge(tx, &kinds, &ws, &pid, &target, &me, &scope)?;
            Ok(true)
        })
        .await;
    Ok(match done {
        Ok(true) => Flash::success(back, t.person_merged),
        Ok(false) => Flash::error(back, t.person_not_found),
        Err(e) if e.status.code < 500 => Flash::error(back, crate::admin::i18n::said(t, &e)),
        Err(e) => return Err(e.status),
    })
}

#[derive(FromForm)]
struct SplitForm {
    #[field(name = "_csrf")]
    csrf: Option<String>,
    leads: Vec<String>,
}

/// `POST /admin/people/<id>/split` — PersonPermissions.Merge.
#[post("/admin/people/<id>/split", data = "<form>")]
async fn split(
    app: &State<App>,
    page: Page,
    id: &str,
    form: Form<SplitForm>,
) -> Result<Flash<Redirect>, Status> {
    page.check_csrf(form.csrf.as_deref())?;
    if !page.role.can(Perm::PersonMerge) {
        return Err(Status::Forbidden);
    }
    let back = Redirect::to(format!("/admin/people/{id}"));
    let t = page.t();
    let (ws, kinds, me, scope, pid, leads) = (
        page.workspace.id.clone(),
        app.kinds.clone(),
        page.staff.user.id.clone(),
        app.scope(),
        id.to_string(),
        form.leads.iter().take(500).cloned().collect::<Vec<_>>(),
    );
    let done = app
        .store
        .write(move |tx| super::split(tx, &kinds, &ws, &pid, &leads, &me, &scope))
        .await;
    Ok(match done {
        Ok(_) => Flash::success(back, t.person_split_done),
        Err(e) if e.status.code < 500 => Flash::error(back, crate::admin::i18n::said(t, &e)),
        Err(e) => return Err(e.status),
    })
}

/// A JSON download.
struct JsonFile(String);

impl<'r> Responder<'r, 'static> for JsonFile {
    fn respond_to(self, req: &'r rocket::Request<'_>) -> rocket::response::Result<'static> {
        rocket::Response::build_from(self.0.respond_to(req)?)
            .header(ContentType::JSON)
            .header(Header::new(
                "Content-Disposition",
                "attachment; filename=\"person-export.json\"",
            ))
            .ok()
    }
}

/// `GET /admin/people/<id>/export` — PersonPermissions.Export.
#[get("/admin/people/<id>/export")]
async fn export(app: &State<App>, page: Page, id: &str) -> Result<JsonFile, Status> {
    if !page.role.can(Perm::PersonExport) {
        return Err(Status::Forbidden);
    }
    let (ws, kinds, scope, pid) = (
        page.workspace.id.clone(),
        app.kinds.clone(),
        app.scope(),
        id.to_string(),
    );
    let doc = app
        .store
        .read(move |c| super::erase::export(c, &kinds, &ws, &pid, &scope))
        .await
        .map_err(|e| e.status)?;
    tracing::info!(by = %page.staff.user.id, person = %id, "person exported");
    serde_json::to_string_pretty(&doc)
        .map(JsonFile)
        .map_err(|_| Status::InternalServerError)
}

#[derive(FromForm)]
struct EraseForm {
    #[field(name = "_csrf")]
    csrf: Option<String>,
    reason: Option<String>,
}

/// `POST /admin/people/<id>/erase` — PersonPermissions.Erase.
#[post("/admin/people/<id>/erase", data = "<form>")]
async fn erase(
    app: &State<App>,
    page: Page,
    id: &str,
    form: Form<EraseForm>,
) -> Result<Flash<Redirect>, Status> {
    page.check_csrf(form.csrf.as_deref())?;
    if !page.role.can(Perm::PersonErase) {
        return Err(Status::Forbidden);
    }
    let back = Redirect::to(format!("/admin/people/{id}"));
    let t = page.t();
    let reason = form.reason.clone().unwrap_or_default().trim().to_string();
    if reason.is_empty() || reason.chars().count() > 500 {
        return Ok(Flash::error(
            back,
            format!(
                "{}: {}",
                t.person_erase_reason,
                crate::admin::i18n::message(t, "is required")
            ),
        ));
    }
    let Act {
        ws,
        kinds,
        me,
        scope,
        pid,
    } = Act::new(app, &page.workspace.id, &page.staff.user.id, id);
    let done = app
        .store
        .write(move |tx| super::erase::erase(tx, &kinds, &ws, &pid, &me, &reason, &scope))
        .await;
    Ok(match done {
        Ok(leads) => {
            if let Err(e) = app.store.checkpoint().await {
                tracing::warn!(error = %e, "checkpoint after an erasure failed");
            }
            tracing::info!(by = %page.staff.user.id, person = %id, leads = leads.len(), "person erased");
            Flash::success(back, t.person_erased)
        }
        Err(e) if e.status.code < 500 => Flash::error(back, crate::admin::i18n::said(t, &e)),
        Err(e) => return Err(e.status),
    })
}
