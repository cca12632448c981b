//! Contact requests: the exactly-once submit, the lifecycle, reads.

use serde_json::{json, Value};

use super::model::{quantity_bucket, ContactInput, ContactRequest};
use super::queries;
use crate::app::App;
use crate::domain::Locale;
use crate::end_users;
use crate::error::ApiError;
use crate::leads::list::{Filter, Sort};
use crate::leads::timeline::{self, Entry};
use crate::store::{NewEvent, Tx};
use crate::util;
use crate::workspaces::model::Workspace;

/// Topic of a new request.
pub const SUBMITTED: &str = "observation/sales/contact-request/submitted";
/// Topic of every later change.
pub const UPDATED: &str = "observation/sales/contact-request/updated";
/// How long an `Idempotency-Key` is remembered.
pub const KEY_HOURS: i64 = 24;
/// Without a key, an identical request within this many seconds is a duplicate click.
pub const DUPLICATE_SECONDS: i64 = 10;

/// Who asks, as the server knows it (never from the body).
#[derive(Debug, Clone)]
pub struct Asker {
    /// End-user id (token `sub`) or staff user id.
    pub user_id: String,
    /// Account email from the token or the staff account.
    pub account_email: Option<String>,
    /// Client IP.
    pub ip: Option<String>,
    /// User agent.
    pub user_agent: Option<String>,
    /// The language the asker's browser prefers, of those leadbox speaks (the prefilled email's
    /// language; the workspace's when none).
    pub lang: Option<Locale>,
}

/// Records an analytics event: enumerated fields only, never personal data.
pub fn analytics(
    tx: &mut Tx<'_>,
    workspace_id: &str,
    event: &str,
    data: Value,
) -> Result<(), ApiError> {
    let mut d = data;
    d["event"] = json!(event);
    tx.append(NewEvent {
        workspace_id: Some(workspace_id.into()),
        topic: format!("analytics/{event}"),
        subject_id: d["requestId"].as_str().map(str::to_string),
        actor_id: None,
        data: d,
    })?;
    Ok(())
}

/// A convenience action offered after a request: open the chat, book a call, or email.
#[derive(Debug, Clone, serde::Serialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Action {
    /// `crisp`, `scheduler` or `mailto`.
    pub kind: &'static str,
    /// The scheduler link or the prefilled mailto (no personal data).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// The Crisp website id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub website_id: Option<String>,
}

/// The answer to a stored (or replayed) request.
#[derive(Debug, Clone, serde::Serialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Accepted {
    /// Always true.
    #[schemars(extend("const" = true))]
    pub ok: bool,
    /// `salesreq_…`.
    pub request_id: String,
    /// "Sales request submitted".
    pub message: &'static str,
    /// In order: Crisp, scheduler, then always mailto.
    pub actions: Vec<Action>,
}

/// The `actions` list: Crisp, scheduler, then always a mailto that names only the request id.
/// The mailto is written in `lang`, else in the workspace's language.
pub fn actions(ws: &Workspace, request_id: &str, lang: Option<Locale>) -> Vec<Action> {
    let mut out = vec![];
    if let Some(id) = &ws.crisp_website_id {
        out.push(Action {
            kind: "crisp",
            url: None,
            website_id: Some(id.clone()),
        });
    }
    if let Some(url) = &ws.scheduler_url {
        out.push(Action {
            kind: "scheduler",
            url: Some(url.clone()),
            website_id: None,
        });
    }
    let t = crate::admin::i18n::strings(lang.unwrap_or(ws.default_locale));
    let subject = util::urlencode(&t.mailto_subject.replace("{id}", request_id));
    let body = util::urlencode(&t.mailto_body.replace("{id}", request_id));
    out.push(Action {
        kind: "mailto",
        url: Some(format!(
            "mailto:{}?subject={subject}&body={body}",
            ws.sales_email.clone().unwrap_or_default()
        )),
        website_id: None,
    });
    out
}

/// The key a request is remembered under: the client's, or its fingerprint for duplicate clicks.
fn memory_key(key: Option<&str>, input: &ContactInput) -> (String, i64) {
    match key {
        Some(k) => (format!("key:{k}"), KEY_HOURS * 3600),
        None => (format!("auto:{}", input.fingerprint()), DUPLICATE_SECONDS),
    }
}

/// A remembered answer for this request, if one applies; `Err` for a key reused with another
/// body.
pub async fn replay(
    app: &App,
    ws_id: &str,
    user_id: &str,
    key: Option<&str>,
    input: &ContactInput,
) -> Result<Option<Value>, ApiError> {
    let (mem, ttl) = memory_key(key, input);
    let since = util::rfc3339(util::now() - time::Duration::seconds(ttl));
    let (w, u, f) = (ws_id.to_string(), user_id.to_string(), input.fingerprint());
    let found = app
        .store
        .read(move |c| queries::remembered(c, &w, &u, &mem, &since))
        .await?;
    match found {
        Some((hash, _)) if hash != f => Err(ApiError::validation(
            "Idempotency-Key",
            "was already used with a different request body",
        )),
        Some((_, response)) => Ok(serde_json::from_str(&response).ok()),
        None => Ok(None),
    }
}

/// Stores the request exactly once. Runs entirely in one writer job, so concurrent identical
/// requests serialise here: the first creates, the rest get its answer. Returns the answer and
/// whether it is a replay.
pub async fn submit(
    app: &App,
    ws: Workspace,
    asker: Asker,
    input: ContactInput,
    key: Option<String>,
) -> Result<(Value, bool), ApiError> {
    app.store
        .write(move |tx| {
            let (mem, ttl) = memory_key(key.as_deref(), &input);
            let since = util::rfc3339(util::now() - time::Duration::seconds(ttl));
            if let Some((hash, response)) =
                queries::remembered(tx, &ws.id, &asker.user_id, &mem, &since)?
            {
                if hash != input.fingerprint() {
                    return Err(ApiError::validation(
                        "Idempotency-Key",
                        "was already used with a different request body",
                    ));
                }
                return Ok((serde_json::from_str(&response).unwrap_or(Value::Null), true));
            }
            let mut req = ContactRequest::new(
                ws.id.clone(),
                asker.user_id.clone(),
                asker.account_email.clone(),
                input.clone(),
                asker.ip.clone(),
                asker.user_agent.clone(),
            );
            queries::insert(tx, &mut req)?;
            tx.append(NewEvent {
                workspace_id: Some(ws.id.clone()),
                topic: SUBMITTED.into(),
                subject_id: Some(req.id.clone()),
                actor_id: None,
                data: req.submitted_data(),
            })?;
            let at = (ws.id.as_str(), req.id.as_str());
            let kind = &super::kind::ContactRequests;
            crate::leads::routing::assign::captured(tx, kind, at, false, &req.created_at)?;
            analytics(
                tx,
                &ws.id,
                "pricing_contact_sales_submitted",
                json!({
                    "plan": input.plan, "quantity_bucket": quantity_bucket(input.quantity),
                    "source": input.source, "requestId": req.id,
                }),
            )?;
            let answer = serde_json::to_value(Accepted {
                ok: true,
                request_id: req.id.clone(),
                message: "Sales request submitted",
                actions: actions(&ws, &req.id, asker.lang),
            })
            .map_err(ApiError::internal)?;
            queries::remember(
                tx,
                &ws.id,
                &asker.user_id,
                &mem,
                &input.fingerprint(),
                &answer.to_string(),
            )?;
            Ok((answer, false))
        })
        .await
}

/// Counts a failed submit (the error word only, plus the enumerated fields of the request):
/// in memory, written as one aggregate event a minute, so a flood of failures costs the writer
/// nothing per request.
pub fn record_failure(app: &App, ws_id: &str, input: Option<&ContactInput>, error: &'static str) {
    let data = match input {
        Some(i) => {
            json!({ "plan": i.plan, "quantity_bucket": quantity_bucket(i.quantity), "source": i.source, "error": error })
        }
        None => json!({ "error": error }),
    };
    app.tally.add(ws_id, "pricing_contact_sales_failed", &data);
}

/// The single-flight key of a request: one per workspace, user and remembered key.
pub fn claim_key(ws_id: &str, user_id: &str, key: Option<&str>, input: &ContactInput) -> String {
    format!("{ws_id}|{user_id}|{}", memory_key(key, input).0)
}

/// A request with its end user and timeline.
pub async fn find(
    app: &App,
    workspace_id: String,
    id: String,
) -> Result<(ContactRequest, Option<end_users::EndUser>, Vec<Entry>), ApiError> {
    app.store
        .read(move |c| {
            let req = queries::get(c, &workspace_id, &id)?.ok_or_else(ApiError::not_found)?;
            let user = end_users::get(c, &workspace_id, &req.user_id)?;
            Ok((req, user, timeline::load(c, &workspace_id, &id)?))
        })
        .await
}

/// A page of requests and the total.
pub async fn list(
    app: &App,
    workspace_id: String,
    filter: Filter,
    sort: Sort,
    page: crate::paging::Page,
) -> Result<(Vec<super::model::ContactRequestView>, i64), ApiError> {
    app.store
        .read(move |c| {
            let total = queries::count(c, &workspace_id, &filter)?;
            let rows = queries::list(c, &workspace_id, &filter, sort, page.window())?;
            let items = rows
                .iter()
                .map(|r| {
                    let user = end_users::get(c, &workspace_id, &r.user_id)?;
                    Ok(r.view(user.as_ref()))
                })
                .collect::<Result<_, ApiError>>()?;
            Ok((items, total))
        })
        .await
}
