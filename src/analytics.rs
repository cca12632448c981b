//! Analytics events of the Contact Sales flow: the widget reports clicks, the server records
//! submits and failures. Only enumerated fields are kept: no personal data, ever.

use rocket::{post, routes, Route, State};
use rusqlite::Connection;
use serde::Deserialize;
use serde_json::json;

use crate::app::App;
use crate::contact_requests::model::{quantity_bucket, PLANS};
use crate::contact_requests::public::SalesCaller;
use crate::contact_requests::service;
use crate::error::{ApiError, FieldErrors};
use crate::json::{created, ApiResult, Body};

/// The HTTP routes of this capability.
pub fn routes() -> Vec<Route> {
    routes![record]
}

/// Events a client may report.
pub const CLIENT_EVENTS: [&str; 1] = ["pricing_contact_sales_clicked"];
/// Every event of the flow, in funnel order.
pub const EVENTS: [&str; 3] = [
    "pricing_contact_sales_clicked",
    "pricing_contact_sales_submitted",
    "pricing_contact_sales_failed",
];

/// A widget event; only enumerated fields are kept.
#[derive(Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    /// The event.
    #[schemars(with = "ClientEvent")]
    event: Option<String>,
    /// `payg`, `monthly` or `annual`.
    #[schemars(with = "Option<crate::contact_requests::model::Plan>")]
    plan: Option<String>,
    /// Stored only as a bucket.
    #[serde(default, deserialize_with = "crate::json::de_whole")]
    #[schemars(range(min = 1))]
    quantity: Option<i64>,
    /// 1–50 lowercase letters, digits or `_`.
    #[schemars(pattern(r"^[a-z0-9_]{1,50}$"))]
    source: Option<String>,
}

/// Events a client may report.
#[derive(schemars::JsonSchema)]
#[allow(dead_code)]
enum ClientEvent {
    #[serde(rename = "pricing_contact_sales_clicked")]
    Clicked,
}

/// `{recorded: true}`.
#[derive(serde::Serialize, schemars::JsonSchema)]
pub struct Recorded {
    /// Always true.
    recorded: bool,
}

/// The operations of this capability.
pub fn operations() -> Vec<crate::ops::openapi::Operation> {
    vec![crate::ops::openapi::Operation::new(
        "post",
        "/api/v1/analytics/events",
        "Record a widget event (pricing_contact_sales_clicked); end-user token or staff",
        "AnalyticsPermissions.Create",
    )
    .body::<Report>()
    .ok::<Recorded>(201, "Recorded")]
}

/// `POST /api/v1/analytics/events` — an end-user token, or staff with
/// AnalyticsPermissions.Create: records a widget event (unknown fields are dropped).
#[post("/api/v1/analytics/events", data = "<body>")]
async fn record(app: &State<App>, caller: SalesCaller, body: Body<Report>) -> ApiResult {
    let r = body.0;
    let mut errs = FieldErrors::default();
    let event = errs.take(
        "event",
        r.event
            .filter(|e| CLIENT_EVENTS.contains(&e.as_str()))
            .ok_or_else(|| format!("must be one of {}", CLIENT_EVENTS.join(", "))),
    );
    if let Some(p) = &r.plan {
        if !PLANS.contains(&p.as_str()) {
            errs.add("plan", "must be payg, monthly or annual");
        }
    }
    if let Some(q) = r.quantity {
        if q < 1 {
            errs.add("quantity", "must be at least 1");
        }
    }
    if let Some(s) = &r.source {
        if s.is_empty()
            || s.len() > 50
            || !s
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        {
            errs.add("source", "must be 1-50 lowercase letters, digits or _");
        }
    }
    errs.finish()?;
    let event = event.ok_or_else(|| ApiError::validation("event", "is required"))?;
    let ws = caller.workspace;
    app.limits.check(
        "analytics",
        120,
        &format!("{}|{}", ws.id, caller.asker.user_id),
    )?;
    let data = json!({
        "plan": r.plan,
        "quantity_bucket": r.quantity.map(quantity_bucket),
        "source": r.source,
    });
    let ws_id = ws.id.clone();
    app.store
        .write(move |tx| service::analytics(tx, &ws_id, &event, data))
        .await?;
    Ok(created(Recorded { recorded: true }))
}

/// How many of each flow event a workspace recorded since `since`, in funnel order.
pub fn counts(
    conn: &Connection,
    workspace_id: &str,
    since: &str,
) -> Result<Vec<(&'static str, i64)>, ApiError> {
    let mut out = vec![];
    for e in EVENTS {
        let n: i64 = conn
            .prepare_cached("SELECT COUNT(*) FROM events WHERE workspace_id = ?1 AND topic = ?2 AND created_at >= ?3")?
            .query_row(rusqlite::params![workspace_id, format!("analytics/{e}"), since], |r| r.get(0))?;
        out.push((e, n));
    }
    Ok(out)
}
