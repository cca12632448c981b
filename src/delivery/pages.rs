//! Admin pages: webhooks (list, create with a topic picker, the secret shown once, deliveries
//! with a status filter, redeliver, test, rotate, turn on and off, delete), the account page's
//! notification choices, and the service worker that shows browser pushes.

use std::collections::BTreeMap;

use askama::Template;
use rocket::form::{Form, FromForm};
use rocket::http::{ContentType, Header, Status};
use rocket::request::FlashMessage;
use rocket::response::content::RawHtml;
use rocket::response::{Flash, Redirect};
use rocket::{get, post, routes, Route, State};

use super::outbox::{self, DeliveryView};
use super::prefs;
use super::webhooks::{self, Change, Webhook, WebhookBody};
use crate::admin::CsrfForm;
use crate::admin::{render, Chrome, Page};
use crate::app::App;
use crate::auth::permissions::Perm;
use crate::error::ApiError;
use crate::paging::Page as PageNo;

/// Routes.
pub fn routes() -> Vec<Route> {
    routes![
        list_page,
        create,
        detail,
        update,
        test,
        toggle,
        rotate,
        redeliver_dead,
        delete,
        redeliver,
        save_choices,
        service_worker
    ]
}

fn allowed(page: &Page) -> Result<(), Status> {
    if page.role.can(Perm::WebhookManage) {
        Ok(())
    } else {
        Err(Status::Forbidden)
    }
}

use crate::admin::flash;

fn topic_options(app: &App, page: &Page) -> Vec<(String, String)> {
    use crate::leads::people::{ERASED, MERGED, SPLIT};
    use crate::leads::routing::sla::{DUE_SOON, OVERDUE};
    let t = page.t();
    let lang = t.lang;
    let mut out = vec![("*".to_string(), t.webhook_all_topics.to_string())];
    for k in app.kinds.all() {
        let label = k.label().get(lang);
        out.push((
            k.topics().submitted.to_string(),
            format!("{label}: {}", t.ev_submitted),
        ));
        out.push((
            k.topics().updated.to_string(),
            format!("{label}: {}", t.topic_updated),
        ));
    }
    // The first-response target's reminder and escalation, and a person's merge, split and
    // erasure: the API takes them, so the page offers them too.
    out.push((DUE_SOON.to_string(), t.ev_due_soon.to_string()));
    out.push((OVERDUE.to_string(), t.ev_overdue.to_string()));
    for (topic, what) in [
        (MERGED, t.ev_merged),
        (SPLIT, t.ev_split),
        (ERASED, t.ev_erased),
    ] {
        out.push((topic.to_string(), format!("{}: {what}", t.person_title)));
    }
    out
}

fn format_options(page: &Page) -> Vec<(&'static str, &'static str)> {
    vec![
        ("standard", page.t().webhook_format_standard),
        ("slack", "Slack"),
        ("discord", "Discord"),
        ("telegram", "Telegram"),
    ]
}

#[derive(Template)]
#[template(path = "webhooks.html")]
struct ListPage {
    chrome: Chrome,
    hooks: Vec<Webhook>,
    topics: Vec<(String, String)>,
    formats: Vec<(&'static str, &'static str)>,
    errors: BTreeMap<String, String>,
    form_url: String,
    form_description: String,
}

async fn list_html(
    app: &App,
    page: &Page,
    status: Status,
    errors: BTreeMap<String, String>,
    form: (String, String),
    f: Option<(String, String)>,
) -> Result<(Status, RawHtml<String>), Status> {
    let ws = page.workspace.id.clone();
    let hooks = app
        .store
        .read(move |c| webhooks::list(c, &ws))
        .await
        .map_err(|e| e.status)?;
    let html = render(&ListPage {
        chrome: page.chrome("webhooks", f),
        hooks,
        topics: topic_options(app, page),
        formats: format_options(page),
        errors,
        form_url: form.0,
        form_description: form.1,
    })?;
    Ok((status, html))
}

/// `GET /admin/webhooks` — WebhookPermissions.Manage.
#[get("/admin/webhooks")]
async fn list_page(
    app: &State<App>,
    page: Page,
    f: Option<FlashMessage<'_>>,
) -> Result<(Status, RawHtml<String>), Status> {
    allowed(&page)?;
    list_html(
        app,
        &page,
        Status::Ok,
        BTreeMap::new(),
        Default::default(),
        flash(f),
    )
    .await
}

/// The create and edit form.
#[derive(FromForm)]
struct HookForm {
    #[field(name = "_csrf")]
    csrf: Option<String>,
    url: Option<String>,
    description: Option<String>,
    topics: Vec<String>,
    format: Option<String>,
}

impl HookForm {
    fn body(&self) -> WebhookBody {
        WebhookBody {
            url: self.url.clone(),
            description: Some(self.description.clone().unwrap_or_default()),
            topics: Some(self.topics.clone()),
            format: self.format.clone(),
            enabled: None,
        }
    }
}

/// `POST /admin/webhooks` — WebhookPermissions.Manage: creates and shows the secret once.
#[post("/admin/webhooks", data = "<form>")]
async fn create(
    app: &State<App>,
    page: Page,
    form: Form<HookForm>,
) -> Result<(Status, RawHtml<String>), Status> {
    page.check_csrf(form.csrf.as_deref())?;
    allowed(&page)?;
    let change = match Change::parse(
        form.body(),
        &app.kinds,
        app.courier.outbound.allows_private(),
        true,
    ) {
        Ok(c) => c,
        Err(errs) => {
            let kept = (
                form.url.clone().unwrap_or_default(),
                form.description.clone().unwrap_or_default(),
            );
            return list_html(app, &page, Status::BadRequest, errs.into_map(), kept, None).await;
        }
    };
    let ws = page.workspace.id.clone();
    let hook = app
        .store
        .write(move |tx| webhooks::create(tx, &ws, change))
        .await;
    match hook {
        Ok(h) => {
            let secret = h.secret.clone();
            detail_html(
                app,
                &page,
                h.id,
                None,
                Status::Created,
                Some(secret),
                BTreeMap::new(),
                None,
            )
            .await
        }
        Err(e) if e.status == Status::Conflict => {
            let mut errs = BTreeMap::new();
            errs.insert("url".to_string(), e.message.clone());
            list_html(app, &page, Status::Conflict, errs, Default::default(), None).await
        }
        Err(e) => Err(e.status),
    }
}

/// One delivery row as the page shows it.
struct Row {
    id: String,
    topic: String,
    status: String,
    status_label: &'static str,
    attempt: i64,
    response_status: Option<i64>,
    duration_ms: Option<i64>,
    next_attempt_at: Option<String>,
    error: Option<String>,
    created_at: String,
}

fn status_label(page: &Page, s: &str) -> &'static str {
    let t = page.t();
    match s {
        "pending" => t.delivery_pending,
        "succeeded" => t.delivery_succeeded,
        "failed" => t.delivery_failed,
        _ => t.delivery_dead,
    }
}

#[derive(Template)]
#[template(path = "webhook.html")]
struct DetailPage {
    chrome: Chrome,
    hook: Webhook,
    secret: Option<String>,
    deliveries: Vec<Row>,
    statuses: Vec<(&'static str, &'static str)>,
    status: String,
    topics: Vec<(String, String)>,
    formats: Vec<(&'static str, &'static str)>,
    errors: BTreeMap<String, String>,
}

#[allow(clippy::too_many_arguments)]
async fn detail_html(
    app: &App,
    page: &Page,
    id: String,
    status_filter: Option<String>,
    code: Status,
    secret: Option<String>,
    errors: BTreeMap<String, String>,
    f: Option<(String, String)>,
) -> Result<(Status, RawHtml<String>), Status> {
    let ws = page.workspace.id.clone();
    let filter = status_filter.clone();
    let (hook, list) = app
        .store
        .read(move |c| {
            let h = webhooks::get(c, &ws, &id)?.ok_or_else(ApiError::not_found)?;
            let list = outbox::page(
                c,
                &ws,
                "webhook",
                &h.id,
                filter.as_deref(),
                PageNo {
                    page: 1,
                    limit: 100,
                },
            )?;
            Ok((h, list))
        })
        .await
        .map_err(|e| e.status)?;
    let deliveries = list
        .items
        .into_iter()
        .map(|d: DeliveryView| Row {
            // (causes in the viewer's language; the page shows the times in their zone)
            status_label: status_label(page, &d.status),
            id: d.id,
            topic: d.topic,
            status: d.status,
            attempt: d.attempt,
            response_status: d.response_status,
            duration_ms: d.duration_ms,
            next_attempt_at: d.next_attempt_at,
            error: d.error.map(|e| crate::admin::i18n::message(page.t(), &e)),
            created_at: d.created_at,
        })
        .collect();
    let t = page.t();
    let html = render(&DetailPage {
        chrome: page.chrome("webhooks", f),
        hook,
        secret,
        deliveries,
        statuses: vec![
            ("", t.delivery_all),
            ("pending", t.delivery_pending),
            ("succeeded", t.delivery_succeeded),
            ("failed", t.delivery_failed),
            ("dead", t.delivery_dead),
        ],
        status: status_filter.unwrap_or_default(),
        topics: topic_options(app, page),
        formats: format_options(page),
        errors,
    })?;
    Ok((code, html))
}

/// `GET /admin/webhooks/<id>?status=` — WebhookPermissions.Manage.
#[get("/admin/webhooks/<id>?<status>")]
async fn detail(
    app: &State<App>,
    page: Page,
    id: &str,
    status: Option<&str>,
    f: Option<FlashMessage<'_>>,
) -> Result<(Status, RawHtml<String>), Status> {
    allowed(&page)?;
    let status = outbox::parse_status(status).map_err(|_| Status::BadRequest)?;
    detail_html(
        app,
        &page,
        id.to_string(),
        status,
        Status::Ok,
        None,
        BTreeMap::new(),
        flash(f),
    )
    .await
}

/// `POST /admin/webhooks/<id>` — WebhookPermissions.Manage: saves the form.
#[post("/admin/webhooks/<id>", data = "<form>")]
async fn update(
    app: &State<App>,
    page: Page,
    id: &str,
    form: Form<HookForm>,
) -> Result<Result<Flash<Redirect>, (Status, RawHtml<String>)>, Status> {
    page.check_csrf(form.csrf.as_deref())?;
    allowed(&page)?;
    let change = match Change::parse(
        form.body(),
        &app.kinds,
        app.courier.outbound.allows_private(),
        false,
    ) {
        Ok(c) => c,
        Err(errs) => {
            return detail_html(
                app,
                &page,
                id.to_string(),
                None,
                Status::BadRequest,
                None,
                errs.into_map(),
                None,
            )
            .await
            .map(Err)
        }
    };
    let (ws, hid) = (page.workspace.id.clone(), id.to_string());
    app.store
        .write(move |tx| webhooks::update(tx, &ws, &hid, change))
        .await
        .map_err(|e| e.status)?;
    Ok(Ok(Flash::success(
        Redirect::to(format!("/admin/webhooks/{id}")),
        page.t().webhook_saved,
    )))
}

/// Runs one button's write and returns to the endpoint's page with a notice.
async fn button<F>(
    app: &App,
    page: &Page,
    id: &str,
    form: &CsrfForm,
    msg: &'static str,
    f: F,
) -> Result<Flash<Redirect>, Status>
where
    F: FnOnce(&rusqlite::Connection, &str, &str) -> Result<(), ApiError> + Send + 'static,
{
    page.check_csrf(form.csrf.as_deref())?;
    allowed(page)?;
    let (ws, hid) = (page.workspace.id.clone(), id.to_string());
    app.store
        .write(move |tx| {
            webhooks::get(tx, &ws, &hid)?.ok_or_else(ApiError::not_found)?;
            f(tx, &ws, &hid)
        })
        .await
        .map_err(|e| e.status)?;
    app.courier.wake();
    Ok(Flash::success(
        Redirect::to(format!("/admin/webhooks/{id}")),
        msg,
    ))
}

/// `POST /admin/webhooks/<id>/test` — WebhookPermissions.Manage.
#[post("/admin/webhooks/<id>/test", data = "<form>")]
async fn test(
    app: &State<App>,
    page: Page,
    id: &str,
    form: Form<CsrfForm>,
) -> Result<Flash<Redirect>, Status> {
    let msg = page.t().webhook_test_queued;
    button(app, &page, id, &form, msg, |c, ws, id| {
        outbox::queue_test(c, ws, id).map(|_| ())
    })
    .await
}

/// `POST /admin/webhooks/<id>/toggle` — WebhookPermissions.Manage: on becomes off and back.
#[post("/admin/webhooks/<id>/toggle", data = "<form>")]
async fn toggle(
    app: &State<App>,
    page: Page,
    id: &str,
    form: Form<CsrfForm>,
) -> Result<Flash<Redirect>, Status> {
    let msg = page.t().webhook_saved;
    button(app, &page, id, &form, msg, |c, ws, id| {
        let on = webhooks::get(c, ws, id)?
            .map(|h| h.enabled)
            .unwrap_or(false);
        webhooks::update(
            c,
            ws,
            id,
            Change {
                enabled: Some(!on),
                ..Default::default()
            },
        )
        .map(|_| ())
    })
    .await
}

/// `POST /admin/webhooks/<id>/rotate` — WebhookPermissions.Manage: shows the new secret once.
#[post("/admin/webhooks/<id>/rotate", data = "<form>")]
async fn rotate(
    app: &State<App>,
    page: Page,
    id: &str,
    form: Form<CsrfForm>,
) -> Result<(Status, RawHtml<String>), Status> {
    page.check_csrf(form.csrf.as_deref())?;
    allowed(&page)?;
    let (ws, hid) = (page.workspace.id.clone(), id.to_string());
    let h = app
        .store
        .write(move |tx| webhooks::rotate(tx, &ws, &hid))
        .await
        .map_err(|e| e.status)?;
    let secret = h.secret.clone();
    detail_html(
        app,
        &page,
        h.id,
        None,
        Status::Ok,
        Some(secret),
        BTreeMap::new(),
        None,
    )
    .await
}

/// `POST /admin/webhooks/<id>/redeliver-dead` — WebhookPermissions.Manage.
#[post("/admin/webhooks/<id>/redeliver-dead", data = "<form>")]
async fn redeliver_dead(
    app: &State<App>,
    page: Page,
    id: &str,
    form: Form<CsrfForm>,
) -> Result<Flash<Redirect>, Status> {
    let msg = page.t().webhook_requeued;
    button(app, &page, id, &form, msg, |c, _, id| {
        outbox::redeliver_dead(c, id).map(|_| ())
    })
    .await
}

/// `POST /admin/webhooks/<id>/delete` — WebhookPermissions.Manage.
#[post("/admin/webhooks/<id>/delete", data = "<form>")]
async fn delete(
    app: &State<App>,
    page: Page,
    id: &str,
    form: Form<CsrfForm>,
) -> Result<Flash<Redirect>, Status> {
    page.check_csrf(form.csrf.as_deref())?;
    allowed(&page)?;
    let (ws, hid) = (page.workspace.id.clone(), id.to_string());
    app.store
        .write(move |tx| webhooks::remove(tx, &ws, &hid))
        .await
        .map_err(|e| e.status)?;
    Ok(Flash::success(
        Redirect::to("/admin/webhooks"),
        page.t().webhook_deleted,
    ))
}

/// `POST /admin/webhook-deliveries/<id>/redeliver` — WebhookPermissions.Manage.
#[post("/admin/webhook-deliveries/<id>/redeliver", data = "<form>")]
async fn redeliver(
    app: &State<App>,
    page: Page,
    id: &str,
    form: Form<CsrfForm>,
) -> Result<Flash<Redirect>, Status> {
    page.check_csrf(form.csrf.as_deref())?;
    allowed(&page)?;
    let (ws, did) = (page.workspace.id.clone(), id.to_string());
    let hook = app
        .store
        .write(move |tx| {
            outbox::redeliver(tx, &ws, &did)?;
            let seq = outbox::seq_of(&did).ok_or_else(ApiError::not_found)?;
            let target: String = tx.query_row(
                "SELECT target_id FROM deliveries WHERE seq = ?1",
                [seq],
                |r| r.get(0),
            )?;
            Ok(target)
        })
        .await;
    app.courier.wake();
    match hook {
        Ok(h) => Ok(Flash::success(
            Redirect::to(format!("/admin/webhooks/{h}")),
            page.t().webhook_requeued,
        )),
        Err(e) if e.status == Status::Conflict => {
            Ok(Flash::error(Redirect::to("/admin/webhooks"), e.message))
        }
        Err(e) => Err(e.status),
    }
}

/// The notification form: a box left unticked is off. Email boxes are not on the page
/// without SMTP, and then keep their stored values.
#[derive(FromForm)]
struct ChoicesForm {
    #[field(name = "_csrf")]
    csrf: Option<String>,
    email_new_leads: Option<String>,
    email_assigned: Option<String>,
    email_digest: Option<String>,
    push_new_leads: Option<String>,
    push_assigned: Option<String>,
    email_escalations: Option<String>,
    push_escalations: Option<String>,
}

/// `POST /admin/account/notifications` — any member.
#[post("/admin/account/notifications", data = "<form>")]
async fn save_choices(
    app: &State<App>,
    page: Page,
    form: Form<ChoicesForm>,
) -> Result<Flash<Redirect>, Status> {
    page.check_csrf(form.csrf.as_deref())?;
    let on = |v: &Option<String>| v.is_some();
    let email = app.courier.email_enabled();
    let (ws, user) = (page.workspace.id.clone(), page.staff.user.id.clone());
    // Only owners and admins are offered escalations; anyone else's stored choice stays.
    let escalations = matches!(
        page.role,
        crate::auth::permissions::Role::Owner | crate::auth::permissions::Role::Admin
    );
    let f = form.into_inner();
    app.store
        .write(move |tx| {
            let mut c = prefs::get(tx, &ws, &user)?;
            if email {
                c.email.new_leads = on(&f.email_new_leads);
                c.email.assigned_to_me = on(&f.email_assigned);
                c.email.daily_digest = on(&f.email_digest);
            }
            c.push.new_leads = on(&f.push_new_leads);
            c.push.assigned_to_me = on(&f.push_assigned);
            c.choose_escalations(
                Some(on(&f.email_escalations)).filter(|_| escalations && email),
                Some(on(&f.push_escalations)).filter(|_| escalations),
            );
            prefs::set(tx, &ws, &user, c)
        })
        .await
        .map_err(|e| e.status)?;
    Ok(Flash::success(
        Redirect::to("/admin/account"),
        page.t().notify_saved,
    ))
}

/// The service worker's source.
const SERVICE_WORKER: &str = include_str!("../../static/sw.js");

/// A script with the header that lets it control `/admin/`.
pub struct Worker;

impl<'r> rocket::response::Responder<'r, 'static> for Worker {
    fn respond_to(self, _: &'r rocket::Request<'_>) -> rocket::response::Result<'static> {
        rocket::Response::build()
            .header(ContentType::JavaScript)
            .header(Header::new("Service-Worker-Allowed", "/admin/"))
            .header(Header::new("Cache-Control", "no-cache"))
            .sized_body(SERVICE_WORKER.len(), std::io::Cursor::new(SERVICE_WORKER))
            .ok()
    }
}

/// `GET /admin/sw.js` — public: the service worker that shows pushes and opens the lead.
#[get("/admin/sw.js")]
fn service_worker() -> Worker {
    Worker
}
