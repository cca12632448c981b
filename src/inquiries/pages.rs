//! Admin pages for inquiries: the list (inbox, spam, deleted), the detail with its timeline
//! and the actions its status allows, CSV export, and the embed snippet.

use askama::Template;
use rocket::form::Form;
use rocket::http::Status;
use rocket::request::FlashMessage;
use rocket::response::content::RawHtml;
use rocket::response::{Flash, Redirect};
use rocket::{get, post, routes, Route, State};

use super::kind::{perm, Inquiries};
use super::model::{OWN_FILTERS, TYPES};
use super::service::{self, Step};
use crate::admin::{render, when, Chrome, LeadActionForm, Page};
use crate::app::App;
use crate::auth::permissions::{LeadAction as A, Perm};
use crate::error::FieldErrors;
use crate::leads::csv::{self, CsvFile};
use crate::leads::lifecycle::{Allowed, Status as LeadStatus};
use crate::leads::list::{Filter, ListQuery};
use crate::leads::timeline;
use crate::util;
use crate::workspaces::queries;

/// The HTTP routes of these pages.
pub fn routes() -> Vec<Route> {
    routes![
        list_page,
        export_csv,
        detail_page,
        not_spam,
        mark_spam,
        embed_page,
        allow_origin
    ]
}

fn status_label(page: &Page, s: LeadStatus) -> &'static str {
    s.label().get(page.t().lang)
}

struct Row {
    id: String,
    created_at: String,
    created_short: String,
    created_title: String,
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
    types: Vec<(&'static str, &'static str)>,
    members: Vec<(String, String)>,
    errors: Vec<(String, String)>,
    page: i64,
    pages: i64,
    total: i64,
    query: String,
    can_export: bool,
    source: String,
    sources: Vec<String>,
    /// The form filter (`default`, a form's id, or empty) and the workspace's forms.
    form_id: String,
    forms: Vec<(String, String)>,
    /// (origin, form id, offer text) of what quarantine holds.
    held: Vec<(String, String, String)>,
    can_allow: bool,
}

/// The query string of a validated filter (without the page).
fn query_of(f: &Filter, seal: &crate::admin::search::Seal) -> String {
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
    if f.spam {
        put("spam", "true");
    }
    if f.deleted {
        put("deleted", "true");
    }
    if f.quarantined {
        put("quarantined", "true");
    }
    if let Some(s) = &f.source {
        put("source", s);
    }
    if let Some(s) = &f.form_id {
        put("formId", s);
    }
    if let Some(from) = &f.from {
        put("from", from);
    }
    if let Some(to) = &f.to {
        put("to", to);
    }
    if let Some(q) = &f.q {
        parts.push(seal.param(q));
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
    page.allow(perm(A::Find))?;
    let mut errs = FieldErrors::default();
    let filter = query.filter(OWN_FILTERS, &mut errs);
    let (paging, sort) = query.page_and_sort(&mut errs);
    let members = page.members(app).await?;
    let (items, total) =
        service::list(app, page.workspace.id.clone(), filter.clone(), sort, paging)
            .await
            .map_err(|e| e.status)?;
    let name_of = |id: &Option<String>| {
        id.as_ref()
            .and_then(|a| members.iter().find(|(m, _)| m == a).map(|(_, n)| n.clone()))
            .unwrap_or_default()
    };
    let (t, local, now) = (page.t(), page.local(), util::rfc3339(app.scope().now));
    let rows = items
        .iter()
        .map(|i| Row {
            id: i.id.clone(),
            created_short: when::relative(t, &i.created_at, &now),
            created_title: local.short(&i.created_at),
            created_at: i.created_at.clone(),
            name: i.contact.name.clone(),
            email: i.contact.email.clone(),
            company: i.contact.business_name.clone().unwrap_or_default(),
            kind: topic_label(t, &i.contact.kind).to_string(),
            status: i.status.as_str(),
            status_label: status_label(&page, i.status),
            assignee: name_of(&i.assignee_id),
        })
        .collect();
    let ws = page.workspace.id.clone();
    let (held, sources, forms) = app
        .store
        .read(move |c| {
            Ok((
                super::quarantine::held(c, &ws)?,
                queries_sources(c, &ws)?,
                super::forms::queries::list(c, &ws)?,
            ))
        })
        .await
        .map_err(|e: crate::error::ApiError| e.status)?;
    let held = held
        .into_iter()
        .map(|h| {
            let offer =
                crate::admin::i18n::count(h.count, t.quarantine_offer_one, t.quarantine_offer)
                    .replace("{origin}", &h.origin);
            (h.origin, h.form_id.unwrap_or_default(), offer)
        })
        .collect();
    let folder = if filter.spam {
        "spam"
    } else if filter.quarantined {
        "quarantine"
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
        types: TYPES.iter().map(|v| (*v, topic_label(t, v))).collect(),
        members: members.clone(),
        errors: crate::admin::i18n::errors(page.t(), &errs.into_map()),
        page: paging.page,
        pages: ((total + paging.limit - 1) / paging.limit).max(1),
        total,
        query: query_of(&filter, &app.seal),
        can_export: page.role.can(Perm::LeadExport),
        source: filter.source.clone().unwrap_or_default(),
        sources,
        form_id: filter.form_id.clone().unwrap_or_default(),
        forms: forms.into_iter().map(|f| (f.id, f.name)).collect(),
        held,
        can_allow: page.role.can(Perm::WorkspaceUpdate),
        chrome: page.chrome(
            "inquiries",
            f.map(|m| (m.kind().to_string(), m.message().to_string())),
        ),
    })
}

/// The sources the workspace's inquiries came from, for the filter.
fn queries_sources(
    c: &rusqlite::Connection,
    ws: &str,
) -> Result<Vec<String>, crate::error::ApiError> {
    let mut stmt = c.prepare_cached(
        "SELECT DISTINCT source FROM lead_index WHERE workspace_id = ?1 AND hidden = 0
           AND source IS NOT NULL ORDER BY source LIMIT 100",
    )?;
    let rows = stmt.query_map([ws], |r| r.get(0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The form of an allow from the admin.
#[derive(rocket::FromForm)]
struct AllowForm {
    #[field(name = "_csrf")]
    csrf: Option<String>,
    origin: String,
    #[field(name = "formId")]
    form_id: Option<String>,
}

/// `POST /admin/quarantine/allow` — WorkspacePermissions.Update: allows the origin (for its
/// form, when one is named) and releases what it sent.
#[post("/admin/quarantine/allow", data = "<form>")]
async fn allow_origin(
    app: &State<App>,
    page: Page,
    form: Form<AllowForm>,
) -> Result<Flash<Redirect>, Status> {
    page.check_csrf(form.csrf.as_deref())?;
    page.allow(Perm::WorkspaceUpdate)?;
    let back = Redirect::to("/admin/inquiries");
    let t = page.t();
    let origin = match crate::domain::parse_origin(&form.origin) {
        Ok(o) => o,
        Err(m) => {
            let e = crate::error::ApiError::validation("origin", m);
            return Ok(Flash::error(back, crate::admin::i18n::said(t, &e)));
        }
    };
    let form_id = form.form_id.clone().filter(|f| !f.is_empty());
    let user = page.staff.user.id.clone();
    match super::quarantine::allow_origin(app, page.workspace.id.clone(), origin, form_id, user)
        .await
    {
        Ok(done) => Ok(Flash::success(
            back,
            crate::admin::i18n::count(
                done.released as i64,
                t.quarantine_released_one,
                t.quarantine_released,
            ),
        )),
        Err(e) => Ok(Flash::error(back, crate::admin::i18n::said(t, &e))),
    }
}

/// `GET /admin/inquiries.csv` — LeadPermissions.Export: the filtered list as CSV.
#[get("/admin/inquiries.csv?<query..>")]
async fn export_csv(app: &State<App>, page: Page, query: ListQuery) -> Result<CsvFile, Status> {
    page.allow(Perm::LeadExport)?;
    let mut errs = FieldErrors::default();
    let filter = query.filter(OWN_FILTERS, &mut errs);
    if !errs.is_empty() {
        return Err(Status::BadRequest);
    }
    let ws = page.workspace.id.clone();
    let table = app
        .store
        .read(move |c| super::kind::table(c, &ws, &filter))
        .await
        .map_err(|e| e.status)?;
    let name = format!(
        "inquiries-{}.csv",
        util::now_str().get(..10).unwrap_or("export")
    );
    Ok(CsvFile {
        name,
        body: csv::file(&table),
    })
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
    created_short: String,
    assignee: String,
    lost_reason: Option<String>,
    status: &'static str,
    status_label: &'static str,
    deleted: bool,
    spam: bool,
    spam_score: i64,
    spam_threshold: i64,
    /// (signal, points as "+N", what it saw).
    spam_reasons: Vec<(&'static str, String, String)>,
    quarantined: bool,
    origin: Option<String>,
    form: String,
    /// (question, answer).
    answers: Vec<(String, String)>,
    /// (which touch, [(what, value)]).
    touches: Vec<(&'static str, Vec<(&'static str, String)>)>,
}

/// A spam signal's name in the viewer's language.
pub fn signal_label(t: &crate::admin::i18n::Strings, code: &str) -> &'static str {
    match code {
        "honeypot" => t.sig_honeypot,
        "too_fast" => t.sig_too_fast,
        "bad_time_token" => t.sig_bad_time_token,
        "bad_proof_of_work" => t.sig_bad_proof_of_work,
        "disposable_email" => t.sig_disposable_email,
        "links" => t.sig_links,
        "markup" => t.sig_markup,
        "script_mismatch" => t.sig_script_mismatch,
        "repeated_content" => t.sig_repeated_content,
        _ => t.sig_model,
    }
}

fn touch_rows(
    t: &crate::admin::i18n::Strings,
    touch: &super::attribution::Touch,
) -> Vec<(&'static str, String)> {
    [
        (t.source_label, &touch.utm_source),
        (t.medium, &touch.utm_medium),
        (t.campaign, &touch.utm_campaign),
        ("utm_term", &touch.utm_term),
        ("utm_content", &touch.utm_content),
        ("gclid", &touch.gclid),
        ("fbclid", &touch.fbclid),
        (t.referrer, &touch.referrer),
        (t.landing_page, &touch.landing_page),
    ]
    .into_iter()
    .filter_map(|(k, v)| v.clone().map(|v| (k, v)))
    .collect()
}

#[derive(Template)]
#[template(path = "inquiry.html")]
struct DetailPage {
    chrome: Chrome,
    base: String,
    i: View,
    a: Allowed,
    not_spam: bool,
    mark_spam: bool,
    allow_origin: bool,
    me: String,
    members: Vec<(String, String)>,
    timeline: Vec<timeline::Item>,
    can_note: bool,
    person: crate::admin::PersonBox,
}

/// `GET /admin/inquiries/<id>` — InquiryPermissions.FindById.
#[get("/admin/inquiries/<id>")]
async fn detail_page(
    app: &State<App>,
    page: Page,
    id: &str,
    f: Option<FlashMessage<'_>>,
) -> Result<RawHtml<String>, Status> {
    page.allow(perm(A::FindById))?;
    let (inq, timeline) = service::find(app, page.workspace.id.clone(), id.to_string())
        .await
        .map_err(|e| e.status)?;
    let members = page.members(app).await?;
    let t = page.t();
    let deleted = inq.deleted_at.is_some();
    let held = inq.spam || inq.quarantined;
    let a = Allowed::of(page.role, &Inquiries, inq.status, !held, deleted);
    let not_spam = inq.spam && !deleted && page.role.can(perm(A::Update));
    let mark_spam = !held && !deleted && page.role.can(perm(A::Update));
    let allow_origin = inq.quarantined && page.role.can(Perm::WorkspaceUpdate);
    let (ws, fid) = (page.workspace.id.clone(), inq.form_id.clone());
    let form = match fid {
        Some(fid) => app
            .store
            .read(move |c| super::forms::queries::get(c, &ws, &fid))
            .await
            .map_err(|e| e.status)?,
        None => None,
    };
    let name_of = |id: &str| {
        members
            .iter()
            .find(|(m, _)| m == id)
            .map(|(_, n)| n.clone())
    };
    let notes = page.notes(app, &inq.id).await?;
    let person = page.person_box(app, &inq.id).await?;
    let local = page.local();
    let sender = super::kind::META.sender.get(t.lang);
    let timeline = timeline::items(&timeline, &notes, t, &local, &members, sender);
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
        kind: topic_label(t, &c.kind).to_string(),
        subject: c.subject.clone(),
        message: c.message.clone(),
        created_short: local.short(&inq.created_at),
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
        spam_score: inq.spam_score,
        spam_threshold: page.workspace.spam_threshold,
        spam_reasons: inq
            .spam_reasons
            .iter()
            .map(|r| {
                (
                    signal_label(t, &r.code),
                    format!("{:+}", r.weight),
                    r.detail.clone().unwrap_or_default(),
                )
            })
            .collect(),
        quarantined: inq.quarantined,
        origin: inq.origin.clone(),
        form: match (&form, &inq.form_id) {
            (Some(f), _) => f.name.clone(),
            (None, Some(id)) => id.clone(),
            (None, None) => t.default_form.to_string(),
        },
        answers: inq
            .answers
            .iter()
            .map(|(k, v)| {
                let label = form
                    .as_ref()
                    .and_then(|f| f.fields.iter().find(|q| &q.key == k))
                    .map(|q| {
                        if t.lang == "vi" {
                            q.label.vi.clone()
                        } else {
                            q.label.en.clone()
                        }
                    })
                    .unwrap_or_else(|| k.clone());
                let value = match v {
                    super::forms::Answer::Yes(true) => t.yes.to_string(),
                    super::forms::Answer::Yes(false) => t.no.to_string(),
                    super::forms::Answer::Text(s) => s.clone(),
                };
                (label, value)
            })
            .collect(),
        touches: inq
            .attribution
            .iter()
            .flat_map(|a| {
                [
                    (t.first_touch, &a.first_touch),
                    (t.last_touch, &a.last_touch),
                ]
            })
            .filter_map(|(k, v)| v.as_ref().map(|v| (k, touch_rows(t, v))))
            .collect(),
    };
    render(&DetailPage {
        base: format!("/admin/inquiries/{}", view.id),
        i: view,
        a,
        not_spam,
        mark_spam,
        allow_origin,
        me: page.staff.user.id.clone(),
        members,
        timeline,
        can_note: page.role.can(perm(A::Note)),
        person,
        chrome: page.chrome(
            "inquiries",
            f.map(|m| (m.kind().to_string(), m.message().to_string())),
        ),
    })
}

/// `POST /admin/inquiries/<id>/spam` — InquiryPermissions.Update: into the spam folder (the
/// workspace's model learns from it).
#[post("/admin/inquiries/<id>/spam", data = "<form>")]
async fn mark_spam(
    app: &State<App>,
    page: Page,
    id: &str,
    form: Form<LeadActionForm>,
) -> Result<Flash<Redirect>, Status> {
    verdict(app, page, id, form, Step::MarkSpam).await
}

/// `POST /admin/inquiries/<id>/not-spam` — InquiryPermissions.Update: releases it into the inbox.
/// (Its lifecycle actions are the shared ones of `leads::pages`.)
#[post("/admin/inquiries/<id>/not-spam", data = "<form>")]
async fn not_spam(
    app: &State<App>,
    page: Page,
    id: &str,
    form: Form<LeadActionForm>,
) -> Result<Flash<Redirect>, Status> {
    verdict(app, page, id, form, Step::NotSpam).await
}

async fn verdict(
    app: &App,
    page: Page,
    id: &str,
    form: Form<LeadActionForm>,
    step: Step,
) -> Result<Flash<Redirect>, Status> {
    page.check_csrf(form.csrf.as_deref())?;
    page.allow(perm(A::Update))?;
    let back = Redirect::to(format!("/admin/inquiries/{id}"));
    let said = if matches!(step, Step::MarkSpam) {
        page.t().did_spam
    } else {
        page.t().did_not_spam
    };
    match service::apply(
        app,
        page.workspace.id.clone(),
        id.to_string(),
        page.staff.user.id.clone(),
        step,
    )
    .await
    {
        Ok(_) => Ok(Flash::success(back, said)),
        Err(e) if e.status == Status::NotFound => Err(Status::NotFound),
        Err(e) => Ok(Flash::error(back, e.message)),
    }
}

#[derive(Template)]
#[template(path = "embed.html")]
struct EmbedPage {
    chrome: Chrome,
    snippet: String,
    other: OtherSnippet,
    hosted: String,
    origins: Vec<String>,
}

/// The snippet in the workspace's other language, offered below the main one (a site in two
/// languages pastes one on each), with its hosted page in that language.
pub struct OtherSnippet {
    /// What the fold says ("The same form in Vietnamese").
    pub summary: &'static str,
    /// The snippet.
    pub code: String,
    /// The hosted page in that language.
    pub hosted: String,
}

impl OtherSnippet {
    /// The snippet of `public_key` in the language that is not `default`.
    pub fn of(
        t: &crate::admin::i18n::Strings,
        base: &str,
        public_key: &str,
        default: crate::domain::Locale,
        questions: &[super::forms::Field],
    ) -> OtherSnippet {
        use crate::domain::Locale;
        let (other, summary) = match default {
            Locale::Vi => (Locale::En, t.snippet_in_en),
            Locale::En => (Locale::Vi, t.snippet_in_vi),
        };
        OtherSnippet {
            summary,
            code: snippet(base, public_key, other, questions),
            hosted: format!("{base}/f/{public_key}?lang={}", other.as_str()),
        }
    }
}

/// The snippet a team pastes into its site, in the workspace's language: it works with
/// JavaScript off, and its small stylesheet (served by leadbox, scoped to the form) inherits
/// the site's font.
pub fn snippet(
    base: &str,
    public_key: &str,
    locale: crate::domain::Locale,
    questions: &[super::forms::Field],
) -> String {
    use super::forms::FieldType as T;
    let t = super::public_text::text(locale);
    let lang = t.lang;
    let (name, email, company, message, send) =
        (t.name, t.email, t.business_name, t.message, t.send);
    let esc = |s: &str| crate::util::html_escape(s);
    let mut own = if questions.is_empty() {
        format!("\n  <label>{company} <input name=\"business_name\" maxlength=\"200\" autocomplete=\"organization\"></label>")
    } else {
        String::new()
    };
    for q in questions {
        let label = esc(if lang == "vi" {
            &q.label.vi
        } else {
            &q.label.en
        });
        let (key, req) = (&q.key, if q.required { " required" } else { "" });
        own.push_str(&match q.kind {
            T::Textarea => format!("\n  <label>{label} <textarea name=\"{key}\" rows=\"3\" maxlength=\"5000\"{req}></textarea></label>"),
            T::Select => {
                let opts: String = q.options.iter().map(|o| format!("<option>{}</option>", esc(o))).collect();
                format!("\n  <label>{label} <select name=\"{key}\"{req}><option value=\"\"></option>{opts}</select></label>")
            }
            T::Checkbox => format!("\n  <label><input type=\"checkbox\" name=\"{key}\" value=\"on\"{req}> {label}</label>"),
            k => format!("\n  <label>{label} <input name=\"{key}\" type=\"{}\" maxlength=\"500\"{req}></label>", k.as_str()),
        });
    }
    format!(
        r#"<link rel="stylesheet" href="{base}/embed.css">
<form method="post" action="{base}/api/public/forms/{public_key}/inquiries" class="leadbox-form" data-leadbox-form data-lang="{lang}">
  <label>{name} <input name="name" required maxlength="200" autocomplete="name"></label>
  <label>{email} <input name="email" type="email" required maxlength="254" autocomplete="email"></label>{own}
  <label>{message} <textarea name="message" required maxlength="5000" rows="5"></textarea></label>
  <div class="leadbox-hp" style="position:absolute;left:-10000px" aria-hidden="true"><input name="_gotcha" tabindex="-1" autocomplete="off"></div>
  <button type="submit">{send}</button>
</form>
<script src="{base}/embed.js" async></script>"#
    )
}

/// `GET /admin/embed` — WorkspacePermissions.Read: the snippet to copy (seeing it ticks the
/// first-run checklist's step).
#[get("/admin/embed")]
async fn embed_page(
    app: &State<App>,
    page: Page,
    origin: BaseUrl,
) -> Result<RawHtml<String>, Status> {
    page.allow(Perm::WorkspaceRead)?;
    let ws = page.workspace.id.clone();
    let w = ws.clone();
    let seen = app
        .store
        .read(move |c| queries::step_done(c, &w, "snippet"))
        .await
        .map_err(|e| e.status)?;
    if !seen {
        // Written once, not on every visit: the read above keeps the writer out of it.
        app.store
            .write(move |tx| queries::mark_step(tx, &ws, "snippet"))
            .await
            .map_err(|e| e.status)?;
    }
    let key = page.workspace.public_key.clone();
    render(&EmbedPage {
        snippet: snippet(&origin.0, &key, page.workspace.default_locale, &[]),
        other: OtherSnippet::of(
            page.t(),
            &origin.0,
            &key,
            page.workspace.default_locale,
            &[],
        ),
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

/// An inquiry topic in the viewer's language.
pub fn topic_label(t: &crate::admin::i18n::Strings, topic: &str) -> &'static str {
    match topic {
        "sales" => t.topic_sales,
        "partnership" => t.topic_partnership,
        "support" => t.topic_support,
        _ => t.topic_other,
    }
}
