//! Operations: liveness, readiness, Prometheus metrics and the OpenAPI document.

pub mod backups;
pub mod metrics;
pub mod openapi;

use rocket::http::{ContentType, Status};
use rocket::serde::json::Json;
use rocket::{get, routes, Route, State};
use serde_json::{json, Value};

use crate::app::App;

/// The HTTP routes of this capability (all public).
pub fn routes() -> Vec<Route> {
    let mut r = routes![healthz, readyz, metrics_text, openapi_json];
    r.extend(backups::routes());
    r
}

/// `GET /healthz` — public: the process answers.
#[get("/healthz")]
fn healthz() -> Json<Value> {
    Json(json!({ "status": "ok", "version": env!("CARGO_PKG_VERSION") }))
}

/// `GET /readyz` — public: the database takes a write and the migrations are applied.
#[get("/readyz")]
async fn readyz(app: &State<App>) -> (Status, Json<Value>) {
    match app.store.ready().await {
        Ok(()) => (Status::Ok, Json(json!({ "status": "ready" }))),
        Err(e) => (
            Status::ServiceUnavailable,
            Json(json!({ "status": "unavailable", "reason": e.message })),
        ),
    }
}

/// `GET /metrics` — public on the loopback appliance: Prometheus text format.
#[get("/metrics")]
async fn metrics_text(app: &State<App>) -> (ContentType, String) {
    let pending = app
        .store
        .read(crate::delivery::outbox::pending)
        .await
        .unwrap_or_default();
    (
        ContentType::new("text", "plain").with_params(("version", "0.0.4")),
        app.metrics.render(app.store.pool_state(), &pending),
    )
}

/// `GET /api/openapi.json` — public: the OpenAPI 3 document of the HTTP API.
#[get("/api/openapi.json")]
fn openapi_json(app: &State<App>) -> Json<Value> {
    Json(openapi::document(&app.kinds))
}
