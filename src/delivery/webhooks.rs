//! Webhook endpoints: stored per workspace, created and changed through the API and the admin,
//! each with a Standard Webhooks secret shown once.

use rocket::{delete, get, patch, post, routes, Route, State};
use rusqlite::{params, Connection, OptionalExtension, Row};
use serde::{Deserialize, Serialize};

use super::outbound::check_url;
use super::signing;
use crate::app::App;
use crate::auth::permissions::Perm;
use crate::error::{ApiError, FieldErrors};
use crate::json::{created, ok, ApiResult, Body};
use crate::leads::kind::Registry;
use crate::paging::{self, One, Paged};
use crate::util;
use crate::workspaces::guard::Ctx;

/// The topic of a test message.
pub const TEST_TOPIC: &str = "leadbox.test";
/// Message formats.
pub const FORMATS: [&str; 4] = ["standard", "slack", "discord", "telegram"];
/// How long a rotated-out secret keeps signing.
pub const ROTATION_GRACE_HOURS: i64 = 24;
/// Endpoints allowed per workspace.
pub const MAX_PER_WORKSPACE: i64 = 50;

/// An endpoint as stored.
#[derive(Debug, Clone)]
pub struct Webhook {
    /// `wh_…`
    pub id: String,
    /// Owner.
    pub workspace_id: String,
    /// Where messages go.
    pub url: String,
    /// What it is for.
    pub description: Option<String>,
    /// Topics it takes (`*` = every lead topic).
    pub topics: Vec<String>,
    /// `standard` or a chat format.
    pub format: String,
    /// Whether messages are sent.
    pub enabled: bool,
    /// The signing secret.
    pub secret: String,
    /// The secret before the last rotation, while it still signs.
    pub previous_secret: Option<String>,
    /// Until when it signs.
    pub previous_until: Option<String>,
    /// Events up to this id are not sent to it.
    pub from_event_id: i64,
    /// Failing without a success since.
    pub failing_since: Option<String>,
    /// Why it was disabled by leadbox.
    pub disabled_reason: Option<String>,
    /// Created.
    pub created_at: String,
    /// Changed.
    pub updated_at: String,
}

impl Webhook {
    /// True when the endpoint takes `topic`.
    pub fn takes(&self, topic: &str) -> bool {
        topic == TEST_TOPIC || self.topics.iter().any(|t| t == "*" || t == topic)
    }

    /// The secrets that sign now: the current one, and the previous during its grace period.
    pub fn signing_secrets(&self, now: &str) -> Vec<&str> {
        let mut out = vec![self.secret.as_str()];
        if let (Some(prev), Some(until)) = (&self.previous_secret, &self.previous_until) {
            if until.as_str() > now {
                out.push(prev);
            }
        }
        out
    }
}

/// What the API shows of an endpoint.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct WebhookView {
    /// `wh_…`
    pub id: String,
    /// Where messages go.
    pub url: String,
    /// What it is for.
    pub description: Option<String>,
    /// Topics it takes.
    pub topics: Vec<String>,
    /// `standard`, `slack`, `discord` or `telegram`.
    pub format: String,
    /// Whether messages are sent.
    pub enabled: bool,
    /// Failing without a success since (RFC 3339).
    pub failing_since: Option<String>,
    /// Why leadbox disabled it.
    pub disabled_reason: Option<String>,
    /// Until when the previous secret still signs.
    pub previous_secret_expires_at: Option<String>,
    /// Created.
    pub created_at: String,
    /// Changed.
    pub updated_at: String,
    /// The signing secret: only in the answer to create and rotate.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
}

impl From<&Webhook> for WebhookView {
    fn from(w: &Webhook) -> Self {
        let now = util::now_str();
        WebhookView {
            id: w.id.clone(),
            url: w.url.clone(),
            description: w.description.clone(),
            topics: w.topics.clone(),
            format: w.format.clone(),
            enabled: w.enabled,
            failing_since: w.failing_since.clone(),
            disabled_reason: w.disabled_reason.clone(),
            previous_secret_expires_at: w.previous_until.clone().filter(|u| *u > now),
            created_at: w.created_at.clone(),
            updated_at: w.updated_at.clone(),
            secret: None,
        }
    }
}

const COLUMNS: &str = "id, workspace_id, url, description, topics, format, enabled, secret,
    previous_secret, previous_until, from_event_id, failing_since, disabled_reason, created_at,
    updated_at";

fn from_row(r: &Row<'_>) -> rusqlite::Result<Webhook> {
    let topics: String = r.get(4)?;
    Ok(Webhook {
        id: r.get(0)?,
        workspace_id: r.get(1)?,
        url: r.get(2)?,
        description: r.get(3)?,
        topics: serde_json::from_str(&topics).map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(4, rusqlite::types::Type::Text, Box::new(e))
        })?,
        format: r.get(5)?,
        enabled: r.get(6)?,
        secret: r.get(7)?,
        previous_secret: r.get(8)?,
        previous_until: r.get(9)?,
        from_event_id: r.get(10)?,
        failing_since: r.get(11)?,
        disabled_reason: r.get(12)?,
        created_at: r.get(13)?,
        updated_at: r.get(14)?,
    })
}

/// One endpoint of a workspace.
pub fn get(conn: &Connection, ws: &str, id: &str) -> Result<Option<Webhook>, ApiError> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM webhooks WHERE workspace_id = ?1 AND id = ?2"
        ))?
        .query_row([ws, id], from_row)
        .optional()?)
}

/// An endpoint by id alone (the delivery worker).
pub fn by_id(conn: &Connection, id: &str) -> Result<Option<Webhook>, ApiError> {
    Ok(conn
        .prepare_cached(&format!("SELECT {COLUMNS} FROM webhooks WHERE id = ?1"))?
        .query_row([id], from_row)
        .optional()?)
}

/// Every endpoint of a workspace, newest first.
pub fn list(conn: &Connection, ws: &str) -> Result<Vec<Webhook>, ApiError> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM webhooks WHERE workspace_id = ?1 ORDER BY created_at DESC, id DESC"
    ))?;
    let rows = stmt.query_map([ws], from_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

fn save(conn: &Connection, w: &Webhook) -> Result<(), ApiError> {
    conn.prepare_cached(
        "INSERT INTO webhooks (id, workspace_id, url, description, topics, format, enabled,
             secret, previous_secret, previous_until, from_event_id, failing_since,
             disabled_reason, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)
         ON CONFLICT (id) DO UPDATE SET url = excluded.url, description = excluded.description,
             topics = excluded.topics, format = excluded.format, enabled = excluded.enabled,
             secret = excluded.secret, previous_secret = excluded.previous_secret,
             previous_until = excluded.previous_until, failing_since = excluded.failing_since,
             disabled_reason = excluded.disabled_reason, updated_at = excluded.updated_at",
    )?
    .execute(params![
        w.id,
        w.workspace_id,
        w.url,
        w.description,
        serde_json::to_string(&w.topics).unwrap_or_else(|_| "[]".into()),
        w.format,
        w.enabled,
        w.secret,
        w.previous_secret,
        w.previous_until,
        w.from_event_id,
        w.failing_since,
        w.disabled_reason,
        w.created_at,
        w.updated_at
    ])?;
    Ok(())
}

/// A create or change request.
#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct WebhookBody {
    /// Where to post (http or https).
    #[schemars(length(min = 1, max = 2000), url, pattern(r"^https?://"))]
    pub url: Option<String>,
    /// What it is for.
    #[schemars(length(max = 200))]
    pub description: Option<String>,
    /// Event topics (`*` = every lead topic); at least one.
    #[schemars(length(min = 1, max = 20))]
    pub topics: Option<Vec<String>>,
    /// `standard` (default), `slack`, `discord` or `telegram`.
    #[schemars(with = "Option<Format>")]
    pub format: Option<String>,
    /// Whether messages are sent (re-enabling clears a failure state).
    pub enabled: Option<bool>,
}

/// Message formats.
#[derive(schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
#[allow(dead_code)]
enum Format {
    Standard,
    Slack,
    Discord,
    Telegram,
}

/// Checked fields of a create or change.
#[derive(Debug, Default)]
pub struct Change {
    /// New URL.
    pub url: Option<String>,
    /// New description (Some(None) clears it).
    pub description: Option<Option<String>>,
    /// New topics.
    pub topics: Option<Vec<String>>,
    /// New format.
    pub format: Option<String>,
    /// Enable or disable.
    pub enabled: Option<bool>,
}

impl Change {
    /// Checks `body` against the topics of `kinds`; `create` requires url and topics.
    pub fn parse(
        body: WebhookBody,
        kinds: &Registry,
        allow_private: bool,
        create: bool,
    ) -> Result<Change, FieldErrors> {
        let mut errs = FieldErrors::default();
        let url = match body.url {
            Some(u) => errs.take("url", check_url(&u, allow_private).map(|u| u.to_string())),
            None if create => {
                errs.add("url", "is required");
                None
            }
            None => None,
        };
        let description = body.description.map(|d| {
            let d = d.trim().to_string();
            if d.chars().count() > 200 {
                errs.add("description", "must be at most 200 characters");
            }
            (!d.is_empty()).then_some(d)
        });
        let mut known: Vec<&str> = kinds.topics().into_iter().map(|(t, _)| t).collect();
        known.extend(crate::leads::people::TOPICS);
        known.extend(crate::leads::routing::sla::TOPICS);
        let topics = match body.topics {
            Some(list) if list.is_empty() => {
                errs.add("topics", "must name at least one topic");
                None
            }
            Some(list) if list.len() > 20 => {
                errs.add("topics", "must name at most 20 topics");
                None
            }
            Some(list) => {
                let mut out: Vec<String> = vec![];
                for t in list {
                    let t = t.trim().to_string();
                    if t != "*" && !known.contains(&t.as_str()) {
                        errs.add(
                            "topics",
                            format!("must be `*` or among: {}", known.join(", ")),
                        );
                        break;
                    }
                    if !out.contains(&t) {
                        out.push(t);
                    }
                }
                Some(out)
            }
            None if create => {
                errs.add("topics", "is required");
                None
            }
            None => None,
        };
        let format = match body.format.as_deref().map(str::trim) {
            None => None,
            Some(f) if FORMATS.contains(&f) => Some(f.to_string()),
            Some(_) => {
                errs.add("format", "must be standard, slack, discord or telegram");
                None
            }
        };
        errs.or(|| Change {
            url,
            description,
            topics,
            format,
            enabled: body.enabled,
        })
    }
}

/// Creates an endpoint with a fresh secret; it receives events logged from now on.
pub fn create(conn: &Connection, ws: &str, c: Change) -> Result<Webhook, ApiError> {
    let count: i64 = conn.query_row(
        "SELECT COUNT(*) FROM webhooks WHERE workspace_id = ?1",
        [ws],
        |r| r.get(0),
    )?;
    if count >= MAX_PER_WORKSPACE {
        return Err(ApiError::conflict(
            "LIMIT_REACHED",
            format!("A workspace can have at most {MAX_PER_WORKSPACE} webhooks"),
        ));
    }
    let from: i64 = conn.query_row("SELECT COALESCE(MAX(id), 0) FROM events", [], |r| r.get(0))?;
    let now = util::now_str();
    let w = Webhook {
        id: util::new_id("wh"),
        workspace_id: ws.into(),
        url: c.url.unwrap_or_default(),
        description: c.description.flatten(),
        topics: c.topics.unwrap_or_else(|| vec!["*".into()]),
        format: c.format.unwrap_or_else(|| "standard".into()),
        enabled: c.enabled.unwrap_or(true),
        secret: signing::new_secret(),
        previous_secret: None,
        previous_until: None,
        from_event_id: from,
        failing_since: None,
        disabled_reason: None,
        created_at: now.clone(),
        updated_at: now,
    };
    save(conn, &w)?;
    Ok(w)
}

/// Applies a change; enabling clears the failure state.
pub fn update(conn: &Connection, ws: &str, id: &str, c: Change) -> Result<Webhook, ApiError> {
    let mut w = get(conn, ws, id)?.ok_or_else(ApiError::not_found)?;
    if let Some(u) = c.url {
        w.url = u;
    }
    if let Some(d) = c.description {
        w.description = d;
    }
    if let Some(t) = c.topics {
        w.topics = t;
    }
    if let Some(f) = c.format {
        w.format = f;
    }
    if let Some(e) = c.enabled {
        if e && !w.enabled {
            w.failing_since = None;
            w.disabled_reason = None;
        }
        w.enabled = e;
    }
    w.updated_at = util::now_str();
    save(conn, &w)?;
    Ok(w)
}

/// A new secret; the old one keeps signing for the grace period.
pub fn rotate(conn: &Connection, ws: &str, id: &str) -> Result<Webhook, ApiError> {
    let mut w = get(conn, ws, id)?.ok_or_else(ApiError::not_found)?;
    let until = util::rfc3339(util::now() + time::Duration::hours(ROTATION_GRACE_HOURS));
    w.previous_secret = Some(std::mem::replace(&mut w.secret, signing::new_secret()));
    w.previous_until = Some(until);
    w.updated_at = util::now_str();
    save(conn, &w)?;
    Ok(w)
}

/// Deletes an endpoint and its delivery log.
pub fn remove(conn: &Connection, ws: &str, id: &str) -> Result<(), ApiError> {
    let n = conn.execute(
        "DELETE FROM webhooks WHERE workspace_id = ?1 AND id = ?2",
        [ws, id],
    )?;
    if n == 0 {
        return Err(ApiError::not_found());
    }
    conn.execute(
        "DELETE FROM deliveries WHERE channel = 'webhook' AND target_id = ?1",
        [id],
    )?;
    Ok(())
}

/// Routes.
pub fn routes() -> Vec<Route> {
    routes![
        list_api,
        create_api,
        get_api,
        patch_api,
        delete_api,
        rotate_api,
        test_api,
        deliveries_api,
        redeliver_api,
        redeliver_dead_api
    ]
}

fn with_secret(w: &Webhook) -> WebhookView {
    let mut v = WebhookView::from(w);
    v.secret = Some(w.secret.clone());
    v
}

/// `GET /api/v1/webhooks` — WebhookPermissions.Manage.
#[get("/api/v1/webhooks")]
async fn list_api(app: &State<App>, ctx: Ctx) -> ApiResult {
    ctx.require(Perm::WebhookManage)?;
    let ws = ctx.workspace.id.clone();
    let all = app.store.read(move |c| list(c, &ws)).await?;
    Ok(ok(all.iter().map(WebhookView::from).collect::<Vec<_>>()))
}

/// `POST /api/v1/webhooks` — WebhookPermissions.Manage; 201 with the secret, once.
#[post("/api/v1/webhooks", data = "<body>")]
async fn create_api(app: &State<App>, ctx: Ctx, body: Body<WebhookBody>) -> ApiResult {
    ctx.require(Perm::WebhookManage)?;
    let change = Change::parse(
        body.0,
        &app.kinds,
        app.courier.outbound.allows_private(),
        true,
    )?;
    let ws = ctx.workspace.id.clone();
    let w = app.store.write(move |tx| create(tx, &ws, change)).await?;
    Ok(created(with_secret(&w)))
}

/// `GET /api/v1/webhooks/<id>` — WebhookPermissions.Manage.
#[get("/api/v1/webhooks/<id>")]
async fn get_api(app: &State<App>, ctx: Ctx, id: &str) -> ApiResult {
    ctx.require(Perm::WebhookManage)?;
    let (ws, id) = (ctx.workspace.id.clone(), id.to_string());
    let w = app
        .store
        .read(move |c| get(c, &ws, &id)?.ok_or_else(ApiError::not_found))
        .await?;
    Ok(ok(WebhookView::from(&w)))
}

/// `PATCH /api/v1/webhooks/<id>` — WebhookPermissions.Manage.
#[patch("/api/v1/webhooks/<id>", data = "<body>")]
async fn patch_api(app: &State<App>, ctx: Ctx, id: &str, body: Body<WebhookBody>) -> ApiResult {
    ctx.require(Perm::WebhookManage)?;
    let change = Change::parse(
        body.0,
        &app.kinds,
        app.courier.outbound.allows_private(),
        false,
    )?;
    let (ws, id) = (ctx.workspace.id.clone(), id.to_string());
    let w = app
        .store
        .write(move |tx| update(tx, &ws, &id, change))
        .await?;
    app.courier.wake();
    Ok(ok(WebhookView::from(&w)))
}

/// `DELETE /api/v1/webhooks/<id>` — WebhookPermissions.Manage.
#[delete("/api/v1/webhooks/<id>")]
async fn delete_api(app: &State<App>, ctx: Ctx, id: &str) -> ApiResult {
    ctx.require(Perm::WebhookManage)?;
    let (ws, id) = (ctx.workspace.id.clone(), id.to_string());
    let gone = id.clone();
    app.store.write(move |tx| remove(tx, &ws, &id)).await?;
    Ok(ok(crate::ops::openapi::Deleted {
        id: gone,
        deleted: true,
    }))
}

/// `POST /api/v1/webhooks/<id>/rotate-secret` — WebhookPermissions.Manage.
#[post("/api/v1/webhooks/<id>/rotate-secret")]
async fn rotate_api(app: &State<App>, ctx: Ctx, id: &str) -> ApiResult {
    ctx.require(Perm::WebhookManage)?;
    let (ws, id) = (ctx.workspace.id.clone(), id.to_string());
    let w = app.store.write(move |tx| rotate(tx, &ws, &id)).await?;
    Ok(ok(with_secret(&w)))
}

/// `POST /api/v1/webhooks/<id>/test` — WebhookPermissions.Manage: queues a `leadbox.test`
/// message now; 202 with its delivery.
#[post("/api/v1/webhooks/<id>/test")]
async fn test_api(app: &State<App>, ctx: Ctx, id: &str) -> ApiResult {
    ctx.require(Perm::WebhookManage)?;
    let (ws, id) = (ctx.workspace.id.clone(), id.to_string());
    let d = app
        .store
        .write(move |tx| {
            get(tx, &ws, &id)?.ok_or_else(ApiError::not_found)?;
            super::outbox::queue_test(tx, &ws, &id)
        })
        .await?;
    app.courier.wake();
    Ok(crate::json::accepted(d))
}

/// Query of the delivery log.
#[derive(Debug, rocket::FromForm, schemars::JsonSchema)]
pub struct DeliveriesQuery {
    /// 1-based page.
    #[schemars(with = "Option<paging::PageNumber>")]
    page: One,
    /// Items per page (1–100, default 20).
    #[schemars(with = "Option<paging::PageSize>")]
    limit: One,
    /// Only this status.
    #[schemars(with = "Option<super::outbox::StatusDoc>")]
    status: One,
}

/// `GET /api/v1/webhooks/<id>/deliveries` — WebhookPermissions.Manage; newest first.
#[get("/api/v1/webhooks/<id>/deliveries?<q..>")]
async fn deliveries_api(app: &State<App>, ctx: Ctx, id: &str, q: DeliveriesQuery) -> ApiResult {
    ctx.require(Perm::WebhookManage)?;
    let mut errs = FieldErrors::default();
    paging::once(
        &[
            ("page", &q.page),
            ("limit", &q.limit),
            ("status", &q.status),
        ],
        &mut errs,
    );
    let page = paging::parse_page(q.page.as_deref(), q.limit.as_deref(), &mut errs);
    let status = errs
        .take("status", super::outbox::parse_status(q.status.as_deref()))
        .flatten();
    errs.finish()?;
    let (ws, id) = (ctx.workspace.id.clone(), id.to_string());
    let out: Paged<super::outbox::DeliveryView> = app
        .store
        .read(move |c| {
            get(c, &ws, &id)?.ok_or_else(ApiError::not_found)?;
            super::outbox::page(c, &ws, "webhook", &id, status.as_deref(), page)
        })
        .await?;
    Ok(ok(out))
}

/// `POST /api/v1/webhook-deliveries/<id>/redeliver` — WebhookPermissions.Manage: queues the
/// same message (same `webhook-id`) again now.
#[post("/api/v1/webhook-deliveries/<id>/redeliver")]
async fn redeliver_api(app: &State<App>, ctx: Ctx, id: &str) -> ApiResult {
    ctx.require(Perm::WebhookManage)?;
    let (ws, id) = (ctx.workspace.id.clone(), id.to_string());
    let d = app
        .store
        .write(move |tx| super::outbox::redeliver(tx, &ws, &id))
        .await?;
    app.courier.wake();
    Ok(crate::json::accepted(d))
}

/// How many deliveries were queued again.
#[derive(Debug, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Requeued {
    /// Dead deliveries queued again.
    pub requeued: i64,
}

/// `POST /api/v1/webhooks/<id>/redeliver-dead` — WebhookPermissions.Manage: every dead
/// delivery of the endpoint is queued again.
#[post("/api/v1/webhooks/<id>/redeliver-dead")]
async fn redeliver_dead_api(app: &State<App>, ctx: Ctx, id: &str) -> ApiResult {
    ctx.require(Perm::WebhookManage)?;
    let (ws, id) = (ctx.workspace.id.clone(), id.to_string());
    let n = app
        .store
        .write(move |tx| {
            get(tx, &ws, &id)?.ok_or_else(ApiError::not_found)?;
            super::outbox::redeliver_dead(tx, &id)
        })
        .await?;
    app.courier.wake();
    Ok(crate::json::accepted(Requeued { requeued: n }))
}

/// Writes the registered topics into the API document's `WebhookBody.topics` (they depend on
/// the lead kinds plugged in).
pub fn document_topics(doc: &mut serde_json::Value, kinds: &Registry) {
    let mut topics: Vec<String> = vec!["*".into()];
    topics.extend(kinds.topics().into_iter().map(|(t, _)| t.to_string()));
    topics.extend(crate::leads::people::TOPICS.iter().map(|t| t.to_string()));
    topics.extend(
        crate::leads::routing::sla::TOPICS
            .iter()
            .map(|t| t.to_string()),
    );
    let prop = &mut doc["components"]["schemas"]["WebhookBody"]["properties"]["topics"];
    if prop.is_object() {
        prop["items"] = serde_json::json!({ "type": "string", "enum": topics });
    }
}
