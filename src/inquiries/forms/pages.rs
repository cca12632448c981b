//! The admin pages of forms: the list, the editor (works without JavaScript: one row per
//! question plus an empty one), each form's snippet and hosted page.

use std::collections::{BTreeMap, HashMap};

use askama::Template;
use rocket::form::Form as WebForm;
use rocket::http::Status;
use rocket::request::FlashMessage;
use rocket::response::content::RawHtml;
use rocket::response::{Flash, Redirect};
use rocket::{get, post, routes, Route, State};
use serde_json::{json, Map, Value};

use super::{api, queries, FieldType, Form, FormPatch, TYPES};
use crate::admin::i18n::{self, Strings};
use crate::admin::{render, Chrome, Page};
use crate::app::App;
use crate::auth::permissions::Perm;
use crate::error::FieldErrors;
use crate::inquiries::pages::{snippet, BaseUrl, OtherSnippet};

/// The HTTP routes of the form pages.
pub fn routes() -> Vec<Route> {
    routes![list_page, new_page, edit_page, create, save, remove]
}

struct Listed {
    id: String,
    name: String,
    key: String,
    questions: usize,
    /// Its leads of the last 30 days ("3 leads").
    leads: String,
}

#[derive(Template)]
#[template(path = "forms.html")]
struct ListPage {
    chrome: Chrome,
    forms: Vec<Listed>,
    default_key: String,
    /// The built-in form's leads of the last 30 days.
    default_leads: String,
    /// The day 30 days ago (`YYYY-MM-DD`), where the leads links start.
    since: String,
    can_edit: bool,
}

/// `GET /admin/forms` — WorkspacePermissions.Read.
#[get("/admin/forms")]
async fn list_page(
    app: &State<App>,
    page: Page,
    f: Option<FlashMessage<'_>>,
) -> Result<RawHtml<String>, Status> {
    page.allow(Perm::WorkspaceRead)?;
    let ws = page.workspace.id.clone();
    let since = crate::util::rfc3339(app.scope().now - time::Duration::days(30))[..10].to_string();
    let from = since.clone();
    let (forms, mut counts) = app
        .store
        .read(move |c| {
            Ok((
                queries::list(c, &ws)?,
                crate::inquiries::queries::per_form_since(c, &ws, &from)?,
            ))
        })
        .await
        .map_err(|e: crate::error::ApiError| e.status)?;
    let t = page.t();
    let mut leads = |id: Option<String>| {
        let n = counts.remove(&id).unwrap_or(0);
        crate::admin::i18n::count(n, t.form_leads_count_one, t.form_leads_count)
    };
    render(&ListPage {
        default_leads: leads(None),
        forms: forms
            .into_iter()
            .map(|f| Listed {
                questions: f.fields.len(),
                leads: leads(Some(f.id.clone())),
                id: f.id,
                name: f.name,
                key: f.public_key,
            })
            .collect(),
        since,
        default_key: page.workspace.public_key.clone(),
        can_edit: page.role.can(Perm::WorkspaceUpdate),
        chrome: page.chrome(
            "forms",
            f.map(|m| (m.kind().to_string(), m.message().to_string())),
        ),
    })
}

/// One question row of the editor.
struct Row {
    i: usize,
    key: String,
    en: String,
    vi: String,
    kind: &'static str,
    required: bool,
    options: String,
    errors: Vec<String>,
}

#[derive(Template)]
#[template(path = "form_edit.html")]
struct EditPage {
    chrome: Chrome,
    /// None for a new form.
    id: Option<String>,
    name: String,
    thank_you: String,
    origins: String,
    rows: Vec<Row>,
    types: Vec<(&'static str, &'static str)>,
    errors: Vec<(String, String)>,
    snippet: String,
    /// The snippet in the other language (none before the form is saved).
    other: Option<OtherSnippet>,
    hosted: String,
    can_edit: bool,
}

fn type_label(t: &Strings, k: FieldType) -> &'static str {
    match k {
        FieldType::Text => t.type_text,
        FieldType::Email => t.type_email,
        FieldType::Tel => t.type_tel,
        FieldType::Url => t.type_url,
        FieldType::Textarea => t.type_textarea,
        FieldType::Select => t.type_select,
        FieldType::Checkbox => t.type_checkbox,
    }
}

fn blank(i: usize) -> Row {
    Row {
        i,
        key: String::new(),
        en: String::new(),
        vi: String::new(),
        kind: "text",
        required: false,
        options: String::new(),
        errors: vec![],
    }
}

fn rows_of(form: Option<&Form>) -> Vec<Row> {
    let mut rows: Vec<Row> = form
        .map(|f| f.fields.as_slice())
        .unwrap_or(&[])
        .iter()
        .enumerate()
        .map(|(i, q)| Row {
            i,
            key: q.key.clone(),
            en: q.label.en.clone(),
            vi: q.label.vi.clone(),
            kind: q.kind.as_str(),
            required: q.required,
            options: q.options.join("\n"),
            errors: vec![],
        })
        .collect();
    if rows.len() < super::MAX_FIELDS {
        rows.push(blank(rows.len()));
    }
    rows
}

fn editor(page: &Page, base: &str, form: Option<&Form>) -> EditPage {
    let t = page.t();
    let key = form.map(|f| f.public_key.as_str()).unwrap_or("");
    EditPage {
        id: form.map(|f| f.id.clone()),
        name: form.map(|f| f.name.clone()).unwrap_or_default(),
        thank_you: form
            .and_then(|f| f.thank_you_url.clone())
            .unwrap_or_default(),
        origins: form
            .map(|f| f.allowed_origins.join("\n"))
            .unwrap_or_default(),
        rows: rows_of(form),
        types: TYPES
            .iter()
            .map(|k| (k.as_str(), type_label(t, *k)))
            .collect(),
        errors: vec![],
        snippet: form
            .map(|f| snippet(base, key, page.workspace.default_locale, &f.fields))
            .unwrap_or_default(),
        other: form
            .map(|f| OtherSnippet::of(t, base, key, page.workspace.default_locale, &f.fields)),
        hosted: format!("{base}/f/{key}"),
        can_edit: page.role.can(Perm::WorkspaceUpdate),
        chrome: page.chrome("forms", None),
    }
}

/// `GET /admin/forms/new` — WorkspacePermissions.Update.
#[get("/admin/forms/new")]
async fn new_page(page: Page, base: BaseUrl) -> Result<RawHtml<String>, Status> {
    page.allow(Perm::WorkspaceUpdate)?;
    render(&editor(&page, &base.0, None))
}

/// The form `id` of the page's workspace as saved, or 404.
async fn stored(app: &App, page: &Page, id: &str) -> Result<Form, Status> {
    let (ws, fid) = (page.workspace.id.clone(), id.to_string());
    app.store
        .read(move |c| queries::get(c, &ws, &fid))
        .await
        .map_err(|e| e.status)?
        .ok_or(Status::NotFound)
}

/// `GET /admin/forms/<id>` — WorkspacePermissions.Read.
#[get("/admin/forms/<id>", rank = 2)]
async fn edit_page(
    app: &State<App>,
    page: Page,
    base: BaseUrl,
    id: &str,
    f: Option<FlashMessage<'_>>,
) -> Result<RawHtml<String>, Status> {
    page.allow(Perm::WorkspaceRead)?;
    let form = stored(app, &page, id).await?;
    let mut p = editor(&page, &base.0, Some(&form));
    p.chrome = page.chrome(
        "forms",
        f.map(|m| (m.kind().to_string(), m.message().to_string())),
    );
    render(&p)
}

/// The editor's fields as the API's JSON body, so both are checked by one parser.
fn body_of(fields: &HashMap<String, String>) -> Map<String, Value> {
    let get = |k: &str| fields.get(k).map(String::as_str).unwrap_or("");
    let lines = |k: &str| -> Vec<Value> {
        get(k)
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(|l| json!(l))
            .collect()
    };
    let mut questions = vec![];
    for i in 0..super::MAX_FIELDS {
        let at = |k: &str| format!("q{i}_{k}");
        if get(&at("key")).trim().is_empty() || !get(&at("remove")).is_empty() {
            continue;
        }
        let mut q = json!({
            "key": get(&at("key")).trim(),
            "label": {"en": get(&at("en")), "vi": get(&at("vi"))},
            "type": get(&at("type")),
            "required": !get(&at("required")).is_empty(),
        });
        let options = lines(&at("options"));
        if !options.is_empty() {
            q["options"] = Value::Array(options);
        }
        if get(&at("vi")).trim().is_empty() {
            q["label"]["vi"] = Value::Null;
        }
        questions.push((i, q));
    }
    let mut body = Map::new();
    body.insert("name".into(), json!(get("name")));
    body.insert(
        "fields".into(),
        Value::Array(questions.into_iter().map(|(_, q)| q).collect()),
    );
    body.insert("thankYouUrl".into(), json!(get("thankYouUrl")));
    body.insert(
        "allowedOrigins".into(),
        Value::Array(lines("allowedOrigins")),
    );
    body
}

/// The row each posted question came from (errors name `fields[n]` of the kept ones).
fn row_numbers(fields: &HashMap<String, String>) -> Vec<usize> {
    (0..super::MAX_FIELDS)
        .filter(|i| {
            let k = fields
                .get(&format!("q{i}_key"))
                .map(|s| s.trim())
                .unwrap_or("");
            let removed = fields
                .get(&format!("q{i}_remove"))
                .is_some_and(|v| !v.is_empty());
            !k.is_empty() && !removed
        })
        .collect()
}

/// The editor again, with what was posted and what is wrong with it; the snippet and hosted
/// page stay those of the form as saved (`saved`), which is what is live.
fn again(
    page: &Page,
    base: &str,
    saved: Option<&Form>,
    fields: &HashMap<String, String>,
    errs: BTreeMap<String, String>,
) -> Result<RawHtml<String>, Status> {
    let t = page.t();
    let mut p = editor(page, base, saved);
    let get = |k: &str| fields.get(k).cloned().unwrap_or_default();
    p.name = get("name");
    p.thank_you = get("thankYouUrl");
    p.origins = get("allowedOrigins");
    let kept = row_numbers(fields);
    let mut rows: Vec<Row> = (0..super::MAX_FIELDS)
        .filter(|i| fields.contains_key(&format!("q{i}_key")))
        .map(|i| {
            let at = |k: &str| format!("q{i}_{k}");
            Row {
                i,
                key: get(&at("key")),
                en: get(&at("en")),
                vi: get(&at("vi")),
                kind: FieldType::parse(&get(&at("type")))
                    .map(FieldType::as_str)
                    .unwrap_or("text"),
                required: !get(&at("required")).is_empty(),
                options: get(&at("options")),
                errors: vec![],
            }
        })
        .collect();
    let mut general = BTreeMap::new();
    for (k, m) in errs {
        let row = k
            .strip_prefix("fields[")
            .and_then(|r| r.split_once(']'))
            .and_then(|(n, rest)| Some((n.parse::<usize>().ok()?, rest)));
        match row.and_then(|(n, rest)| Some((*kept.get(n)?, rest))) {
            Some((i, rest)) => {
                if let Some(r) = rows.iter_mut().find(|r| r.i == i) {
                    let what = rest.trim_start_matches('.');
                    r.errors.push(format!("{what}: {}", i18n::message(t, &m)));
                }
            }
            None => {
                general.insert(k, m);
            }
        }
    }
    if rows.iter().all(|r| !r.key.is_empty()) && rows.len() < super::MAX_FIELDS {
        let next = rows.last().map(|r| r.i + 1).unwrap_or(0);
        rows.push(blank(next));
    }
    p.errors = i18n::errors(t, &general);
    // The summary names each question with a mistake, as its box does ("Question 2: key: …").
    for r in &rows {
        for e in &r.errors {
            p.errors
                .push((format!("{} {}", t.question_n, r.i + 1), e.clone()));
        }
    }
    if p.errors.is_empty() {
        p.errors
            .push((t.form_questions.to_string(), t.fix_errors.to_string()));
    }
    p.rows = rows;
    render(&p)
}

/// `POST /admin/forms` — WorkspacePermissions.Update: creates a form.
#[post("/admin/forms", data = "<form>")]
async fn create(
    app: &State<App>,
    page: Page,
    base: BaseUrl,
    form: WebForm<HashMap<String, String>>,
) -> Result<Result<Flash<Redirect>, (Status, RawHtml<String>)>, Status> {
    page.check_csrf(form.get("_csrf").map(String::as_str))?;
    page.allow(Perm::WorkspaceUpdate)?;
    let mut errs = FieldErrors::default();
    let patch = FormPatch::parse(&body_of(&form), true, &mut errs);
    if !errs.is_empty() {
        let html = again(&page, &base.0, None, &form, errs.into_map())?;
        return Ok(Err((Status::BadRequest, html)));
    }
    let user = page.staff.user.id.clone();
    match api::create_form(app, page.workspace.id.clone(), user, patch).await {
        Ok(f) => Ok(Ok(Flash::success(
            Redirect::to(format!("/admin/forms/{}", f.id)),
            page.t().form_created,
        ))),
        Err(e) => Ok(Ok(Flash::error(
            Redirect::to("/admin/forms"),
            i18n::said(page.t(), &e),
        ))),
    }
}

/// `POST /admin/forms/<id>` — WorkspacePermissions.Update: saves the editor.
#[post("/admin/forms/<id>", data = "<form>", rank = 2)]
async fn save(
    app: &State<App>,
    page: Page,
    base: BaseUrl,
    id: &str,
    form: WebForm<HashMap<String, String>>,
) -> Result<Result<Flash<Redirect>, (Status, RawHtml<String>)>, Status> {
    page.check_csrf(form.get("_csrf").map(String::as_str))?;
    page.allow(Perm::WorkspaceUpdate)?;
    let mut errs = FieldErrors::default();
    let patch = FormPatch::parse(&body_of(&form), true, &mut errs);
    if !errs.is_empty() {
        let saved = stored(app, &page, id).await?;
        let html = again(&page, &base.0, Some(&saved), &form, errs.into_map())?;
        return Ok(Err((Status::BadRequest, html)));
    }
    let user = page.staff.user.id.clone();
    let back = Redirect::to(format!("/admin/forms/{id}"));
    match api::edit_form(app, page.workspace.id.clone(), id.to_string(), user, patch).await {
        Ok((_, released)) if released > 0 => Ok(Ok(Flash::success(
            back,
            i18n::count(
                released as i64,
                page.t().quarantine_released_one,
                page.t().quarantine_released,
            ),
        ))),
        Ok(_) => Ok(Ok(Flash::success(back, page.t().form_saved))),
        Err(e) if e.status == Status::NotFound => Err(Status::NotFound),
        Err(e) => Ok(Ok(Flash::error(back, i18n::said(page.t(), &e)))),
    }
}

/// The CSRF field of a plain action.
#[derive(rocket::FromForm)]
struct Plain {
    #[field(name = "_csrf")]
    csrf: Option<String>,
}

/// `POST /admin/forms/<id>/delete` — WorkspacePermissions.Update.
#[post("/admin/forms/<id>/delete", data = "<form>")]
async fn remove(
    app: &State<App>,
    page: Page,
    id: &str,
    form: WebForm<Plain>,
) -> Result<Flash<Redirect>, Status> {
    page.check_csrf(form.csrf.as_deref())?;
    page.allow(Perm::WorkspaceUpdate)?;
    let (ws, user) = (page.workspace.id.clone(), page.staff.user.id.clone());
    match api::delete_form(app, ws, id.to_string(), user).await {
        Err(e) if e.status == Status::NotFound => return Err(Status::NotFound),
        Err(e) => return Err(e.status),
        Ok(()) => {}
    }
    Ok(Flash::success(
        Redirect::to("/admin/forms"),
        page.t().form_deleted,
    ))
}
