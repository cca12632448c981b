//! Admin pages for inquiries: the list (inbox, spam, deleted), the detail with its timeline
//! and the actions its status allows, CSV export, and the embed snippet.

use std::collections::BTreeMap;

use askama::Template;
use rocket::form::Form;
use rocket::http::Status;
use rocket::request::FlashMessage;
use rocket::response::content::RawHtml;
use rocket::response::{Flash, Redirect};
use rocket::{get, post, routes, Route, State};

use super::api::ListQuery;
use super::model::TYPES;
use super::queries::{self, Sort};
use super::service::{self, Step};
use crate::admin::{csv, render, Chrome, LeadActionForm, Page};
use crate::app::App;
use crate::auth::permissions::Perm;
use crate::error::FieldErrors;
use crate::lifecycle::{Action, Status as LeadStatus};
use crate::util;

/// The HTTP routes of these pages.
pub fn routes() -> Vec<Route> {
    routes![list_page, export_csv, detail_page, act, embed_page]
}

fn allowed(page: &Page, perm: Perm) -> Result<(), Status> {
    if page.role.can(perm) {
        Ok(())
    } else {
        Err(Status::Forbidden)
    }
}

fn status_label(page: &Page, s: LeadStatus) -> &'static str {
    let (en, vi) = s.label();
    if page.t().lang == "vi" {
        vi
    } else {
        en
    }
}

struct Row {
    id: String,
    created_at: String,
    created_short: String,
    name: String,
    email: String,
    company: String,
    kind: String,
    status: &'static str,
    status_label: &'static str,
    assignee: String,
}

#[derive(Template)]
#[template(path = "inquiries.html")]
struct ListPage {
    chrome: Chrome,
    rows: Vec<Row>,
    folder: &'static str,
    q: String,
    status: String,
    kind: String,
    assignee: String,
    statuses: Vec<(&'static str, &'static str)>,
    types: [&'static str; 4],
    members: Vec<(String, String)>,
    errors: BTreeMap<String, String>,
    page: i64,
    pages: i64,
    total: i64,
    query: String,
    can_export: bool,
}

/// The query string of a validated filter (without the page).
fn query_of(f: &queries::Filter) -> String {
    let mut parts = vec![];
    let mut put = |k: &str, v: &str| parts.push(format!("{k}={}", util::urlencode(v)));
    if let Some(s) = f.status {
        put("status", s.as_str());
    }
    if let Some(k) = &f.kind {
        put("type", k);
    }
    if let Some(a) = &f.assignee_id {
        put("assigneeId", a);
    }
    if let Some(q) = &f.q {
        put("q", q);
    }
    if f.spam {
        put("spam", "true");
    }
    if f.deleted {
        put("deleted", "true");
    }
    if let Some(from) = &f.from {
        put("from", from);
    }
    if let Some(to) = &f.to {
        put("to", to);
    }
    parts.join("&")
}

/// `GET /admin/inquiries` — InquiryPermissions.Find.
#[get("/admin/inquiries?<query..>")]
async fn list_page(
    app: &State<App>,
    page: Page,
    query: ListQuery,
    f: Option<FlashMessage<'_>>,
) -> Result<RawHtml<String>, Status> {
    allowed(&page, Perm::InquiryFind)?;
    let mut errs = FieldErrors::default();
    let filter = query.filter(&mut errs);
    let (paging, sort) = query.page_and_sort(&mut errs);
    let ws = page.workspace.id.clone();
    let members = app
        .store
        .read(move |c| queries::member_names(c, &ws))
        .await
        .map_err(|e| e.status)?;
    let (items, total) = service::list(
        app,
        page.workspace.id.clone(),
        filter.clone(),
        sort,
        paging.page,
        paging.limit,
    )
    .await
    .map_err(|e| e.status)?;
    let name_of = |id: &Option<String>| {
        id.as_ref()
            .and_then(|a| members.iter().find(|(m, _)| m == a).map(|(_, n)| n.clone()))
            .unwrap_or_default()
    };
    let rows = items
        .iter()
        .map(|i| Row {
            id: i.id.clone(),
            created_short: util::short_time(&i.created_at),
            created_at: i.created_at.clone(),
            name: i.contact.name.clone(),
            email: i.contact.email.clone(),
            company: i.contact.business_name.clone().unwrap_or_default(),
            kind: i.contact.kind.clone(),
            status: i.status.as_str(),
            status_label: status_label(&page, i.status),
            assignee: name_of(&i.assignee_id),
        })
        .collect();
    let folder = if filter.spam {
        "spam"
    } else if filter.deleted {
        "deleted"
    } else {
        "inbox"
    };
    render(&ListPage {
        rows,
        folder,
        q: filter.q.clone().unwrap_or_default(),
        status: filter
            .status
            .map(|s| s.as_str().to_string())
            .unwrap_or_default(),
        kind: filter.kind.clone().unwrap_or_default(),
        assignee: filter.assignee_id.clone().unwrap_or_default(),
        statuses: LeadStatus::ALL
            .iter()
            .map(|s| (s.as_str(), status_label(&page, *s)))
            .collect(),
        types: TYPES,
        members: members.clone(),
        errors: errs.into_map(),
        page: paging.page,
        pages: ((total + paging.limit - 1) / paging.limit).max(1),
        total,
        query: query_of(&filter),
        can_export: page.role.can(Perm::LeadExport),
        chrome: page.chrome(
            "inquiries",
            f.map(|m| (m.kind().to_string(), m.message().to_string())),
        ),
    })
}

/// `GET /admin/inquiries.csv` — LeadPermissions.Export: the filtered list as CSV.
#[get("/admin/inquiries.csv?<query..>")]
async fn export_csv(
    app: &State<App>,
    page: Page,
    query: ListQuery,
) -> Result<csv::CsvFile, Status> {
    allowed(&page, Perm::LeadExport)?;
    let mut errs = FieldErrors::default();
    let filter = query.filter(&mut errs);
    if !errs.is_empty() {
        return Err(Status::BadRequest);
    }
    let ws = page.workspace.id.clone();
    let (items, members) = app
        .store
        .read(move |c| {
            let sort = Sort {
                column: "created_at",
                asc: false,
            };
            Ok((
                queries::list(c, &ws, &filter, sort, 100_000, 0)?,
                queries::member_names(c, &ws)?,
            ))
        })
        .await
        .map_err(|e| e.status)?;
    let mut out = csv::row([
        "id",
        "createdAt",
        "status",
        "type",
        "name",
        "email",
        "phone",
        "businessName",
        "businessWebsite",
        "businessSize",
        "industry",
        "subject",
        "message",
        "assignee",
        "repliedAt",
        "convertedAt",
        "lostReason",
    ]);
    for i in items {
        let c = &i.contact;
        let o = |v: &Option<String>| v.clone().unwrap_or_default();
        let assignee = i
            .assignee_id
            .as_ref()
            .and_then(|a| members.iter().find(|(m, _)| m == a).map(|(_, n)| n.clone()))
            .unwrap_or_default();
        out.push_str(&csv::row([
            i.id.clone(),
            i.created_at.clone(),
            i.status.as_str().into(),
            c.kind.clone(),
            c.name.clone(),
            c.email.clone(),
            o(&c.phone),
            o(&c.business_name),
            o(&c.business_website),
            o(&c.business_size),
            o(&c.industry),
            o(&c.subject),
            c.message.clone(),
            assignee,
            o(&i.replied_at),
            o(&i.converted_at),
            o(&i.lost_reason),
        ]));
    }
    let name = format!(
        "inquiries-{}.csv",
        util::now_str().get(..10).unwrap_or("export")
    );
    Ok(csv::CsvFile { name, body: out })
}

struct View {
    id: String,
    name: String,
    email: String,
    phone: Option<String>,
    company: Option<String>,
    website: Option<String>,
    size: Option<String>,
    industry: Option<String>,
    kind: String,
    subject: Option<String>,
    message: String,
    created_at: String,
    assignee: String,
    lost_reason: Option<String>,
    status: &'static str,
    status_label: &'static str,
    deleted: bool,
    spam: bool,
    spam_reasons: String,
}

#[derive(Default)]
struct Allowed {
    assign: bool,
    reply: bool,
    convert: bool,
    lose: bool,
    delete: bool,
    restore: bool,
    not_spam: bool,
}

struct TimelineItem {
    at: String,
    at_short: String,
    what: &'static str,
    actor: String,
    detail: Option<String>,
}

#[derive(Template)]
#[template(path = "inquiry.html")]
struct DetailPage {
    chrome: Chrome,
    base: String,
    i: View,
    a: Allowed,
    me: String,
    members: Vec<(String, String)>,
    timeline: Vec<TimelineItem>,
}

/// `GET /admin/inquiries/<id>` — InquiryPermissions.FindById.
#[get("/admin/inquiries/<id>")]
async fn detail_page(
    app: &State<App>,
    page: Page,
    id: &str,
    f: Option<FlashMessage<'_>>,
) -> Result<RawHtml<String>, Status> {
    allowed(&page, Perm::InquiryFindById)?;
    let (inq, timeline) = service::find(app, page.workspace.id.clone(), id.to_string())
        .await
        .map_err(|e| e.status)?;
    let ws = page.workspace.id.clone();
    let members = app
        .store
        .read(move |c| queries::member_names(c, &ws))
        .await
        .map_err(|e| e.status)?;
    let t = page.t();
    let live = inq.deleted_at.is_none() && !inq.spam;
    let can = |perm: Perm, action: Action| {
        live && page.role.can(perm) && inq.status.after(action).is_ok()
    };
    let a = Allowed {
        assign: can(Perm::InquiryAssign, Action::Assign),
        reply: can(Perm::InquiryReply, Action::Reply),
        convert: can(Perm::InquiryResolve, Action::Convert),
        lose: can(Perm::InquiryResolve, Action::Lose),
        delete: inq.deleted_at.is_none() && page.role.can(Perm::InquiryDelete),
        restore: inq.deleted_at.is_some() && page.role.can(Perm::InquiryDelete),
        not_spam: inq.spam && inq.deleted_at.is_none() && page.role.can(Perm::InquiryUpdate),
    };
    let name_of = |id: &str| {
        members
            .iter()
            .find(|(m, _)| m == id)
            .map(|(_, n)| n.clone())
    };
    let timeline = timeline
        .iter()
        .map(|e| {
            let kind = e["type"].as_str().unwrap_or("");
            let what = match kind {
                "submitted" => t.ev_submitted,
                "spam_received" => t.ev_spam_received,
                "assigned" => t.ev_assigned,
                "replied" => t.ev_replied,
                "converted" => t.ev_converted,
                "lost" => t.ev_lost,
                "edited" => t.ev_edited,
                "deleted" => t.ev_deleted,
                "restored" => t.ev_restored,
                "marked_not_spam" => t.ev_marked_not_spam,
                _ => t.done,
            };
            let data = &e["data"];
            let detail = match kind {
                "assigned" => data["assigneeId"]
                    .as_str()
                    .and_then(name_of)
                    .map(|n| format!("→ {n}")),
                "replied" => data["body"].as_str().map(str::to_string),
                "lost" => data["reason"].as_str().map(str::to_string),
                _ => None,
            };
            let at = e["at"].as_str().unwrap_or("").to_string();
            TimelineItem {
                at_short: util::short_time(&at),
                at,
                what,
                actor: e["actor"]["name"]
                    .as_str()
                    .map(str::to_string)
                    .unwrap_or_else(|| t.system.to_string()),
                detail,
            }
        })
        .collect();
    let c = &inq.contact;
    let view = View {
        id: inq.id.clone(),
        name: c.name.clone(),
        email: c.email.clone(),
        phone: c.phone.clone(),
        company: c.business_name.clone(),
        website: c.business_website.clone(),
        size: c.business_size.clone(),
        industry: c.industry.clone(),
        kind: c.kind.clone(),
        subject: c.subject.clone(),
        message: c.message.clone(),
        created_at: inq.created_at.clone(),
        assignee: inq
            .assignee_id
            .as_deref()
            .and_then(name_of)
            .unwrap_or_else(|| t.unassigned.to_string()),
        lost_reason: inq.lost_reason.clone(),
        status: inq.status.as_str(),
        status_label: status_label(&page, inq.status),
        deleted: inq.deleted_at.is_some(),
        spam: inq.spam,
        spam_reasons: inq.spam_reasons.join(", "),
    };
    render(&DetailPage {
        base: format!("/admin/inquiries/{}", view.id),
        i: view,
        a,
        me: page.staff.user.id.clone(),
        members,
        timeline,
        chrome: page.chrome(
            "inquiries",
            f.map(|m| (m.kind().to_string(), m.message().to_string())),
        ),
    })
}

/// The permission each lifecycle action needs on an inquiry.
fn lifecycle_perm(a: Action) -> Perm {
    match a {
        Action::Assign => Perm::InquiryAssign,
        Action::Reply => Perm::InquiryReply,
        Action::Convert | Action::Lose => Perm::InquiryResolve,
    }
}

/// `POST /admin/inquiries/<id>/<action>` — the permission of the action (Assign, Reply,
/// Resolve, Delete, Update).
#[post("/admin/inquiries/<id>/<action>", data = "<form>")]
async fn act(
    app: &State<App>,
    page: Page,
    id: &str,
    action: &str,
    form: Form<LeadActionForm>,
) -> Result<Flash<Redirect>, Status> {
    page.check_csrf(form.csrf.as_deref())?;
    let (perm, step) = match (form.lifecycle_move(action), action) {
        (Some((a, mv)), _) => (lifecycle_perm(a), Step::Move(mv)),
        (None, "delete") => (Perm::InquiryDelete, Step::Delete),
        (None, "restore") => (Perm::InquiryDelete, Step::Restore),
        (None, "not-spam") => (Perm::InquiryUpdate, Step::NotSpam),
        _ => return Err(Status::NotFound),
    };
    allowed(&page, perm)?;
    let back = Redirect::to(format!("/admin/inquiries/{id}"));
    match service::apply(
        app,
        page.workspace.id.clone(),
        id.to_string(),
        page.staff.user.id.clone(),
        step,
    )
    .await
    {
        Ok(_) => Ok(Flash::success(back, page.t().done)),
        Err(e) if e.status == Status::NotFound => Err(Status::NotFound),
        Err(e) => Ok(Flash::error(back, e.message)),
    }
}

#[derive(Template)]
#[template(path = "embed.html")]
struct EmbedPage {
    chrome: Chrome,
    snippet: String,
    hosted: String,
    origins: Vec<String>,
}

/// The snippet a team pastes into its site; it works with JavaScript off.
pub fn snippet(base: &str, public_key: &str) -> String {
    format!(
        r#"<form method="post" action="{base}/api/public/forms/{public_key}/inquiries" data-leadbox-form>
  <label>Name <input name="name" required maxlength="200" autocomplete="name"></label>
  <label>Work email <input name="email" type="email" required maxlength="254" autocomplete="email"></label>
  <label>Company <input name="business_name" maxlength="200" autocomplete="organization"></label>
  <label>Message <textarea name="message" required maxlength="5000" rows="5"></textarea></label>
  <div style="position:absolute;left:-10000px" aria-hidden="true"><input name="_gotcha" tabindex="-1" autocomplete="off"></div>
  <button type="submit">Send</button>
</form>
<script src="{base}/embed.js" async></script>"#
    )
}

/// `GET /admin/embed` — WorkspacePermissions.Read: the snippet to copy.
#[get("/admin/embed")]
fn embed_page(page: Page, origin: BaseUrl) -> Result<RawHtml<String>, Status> {
    allowed(&page, Perm::WorkspaceRead)?;
    let key = page.workspace.public_key.clone();
    render(&EmbedPage {
        snippet: snippet(&origin.0, &key),
        hosted: format!("{}/f/{key}", origin.0),
        origins: page.workspace.allowed_origins.clone(),
        chrome: page.chrome("embed", None),
    })
}

/// leadbox's own base URL as the browser sees it (configured `public_url`, else Host).
pub struct BaseUrl(pub String);

#[rocket::async_trait]
impl<'r> rocket::request::FromRequest<'r> for BaseUrl {
    type Error = std::convert::Infallible;
    async fn from_request(
        req: &'r rocket::Request<'_>,
    ) -> rocket::request::Outcome<Self, Self::Error> {
        let app = App::of(req);
        let url = app.config.public_url.clone().unwrap_or_else(|| {
            let scheme = if crate::auth::guards::is_https(req) {
                "https"
            } else {
                "http"
            };
            let host = req.headers().get_one("Host").unwrap_or("127.0.0.1:8000");
            format!("{scheme}://{host}")
        });
        rocket::request::Outcome::Success(BaseUrl(url.trim_end_matches('/').to_string()))
    }
}
