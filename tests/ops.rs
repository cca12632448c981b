//! Health, readiness, metrics and the OpenAPI document.

mod common;

use common::TestApp;
use rocket::http::Status;

#[rocket::async_test]
async fn health_and_readiness_answer() {
    let app = TestApp::spawn().await;
    let (s, b) = app.get("/healthz", None).await;
    assert_eq!(s, Status::Ok);
    assert_eq!(b["status"], "ok");
    let (s, b) = app.get("/readyz", None).await;
    assert_eq!(s, Status::Ok, "{b}");
}

#[rocket::async_test]
async fn readiness_fails_when_a_migration_is_missing() {
    let app = TestApp::spawn().await;
    app.db()
        .execute("DELETE FROM refinery_schema_history", [])
        .unwrap();
    let (s, b) = app.get("/readyz", None).await;
    assert_eq!(s, Status::ServiceUnavailable, "{b}");
}

#[rocket::async_test]
async fn metrics_count_requests_per_route_and_writer_batches() {
    let app = TestApp::spawn().await;
    app.owner_token().await;
    app.get("/api/v1/workspaces", None).await;
    let res = app.client.get("/metrics").dispatch().await;
    assert_eq!(res.status(), Status::Ok);
    assert!(res
        .content_type()
        .unwrap()
        .to_string()
        .starts_with("text/plain"));
    let text = res.into_string().await.unwrap();
    assert!(text.contains(r#"leadbox_http_requests_total{method="POST",route="/api/v1/auth/token",status="201"} 1"#), "{text}");
    assert!(text.contains(
        r#"leadbox_http_requests_total{method="GET",route="/api/v1/workspaces",status="401"} 1"#
    ));
    assert!(text.contains(r#"leadbox_http_request_duration_seconds_bucket{method="POST",route="/api/v1/auth/token",le="+Inf"} 1"#));
    assert!(text.contains("leadbox_writer_batch_size_count"));
    assert!(text.contains("leadbox_writer_commit_seconds_sum"));
    assert!(text.contains(r#"leadbox_db_pool_connections{state="open"}"#));
    assert!(text.contains(r#"leadbox_notifications_total{outcome="failed"}"#));
}

#[rocket::async_test]
async fn the_openapi_document_covers_every_mounted_api_route() {
    let app = TestApp::spawn().await;
    let (s, doc) = app.get("/api/openapi.json", None).await;
    assert_eq!(s, Status::Ok);
    assert_eq!(doc["openapi"], "3.1.0");
    let mut missing = vec![];
    for route in app.client.rocket().routes() {
        let path = route.uri.path().to_string();
        // CORS preflights are transport, not operations.
        if !path.starts_with("/api") || route.method == rocket::http::Method::Options {
            continue;
        }
        let openapi_path: String = path
            .split('/')
            .map(
                |seg| match seg.strip_prefix('<').and_then(|s| s.strip_suffix('>')) {
                    Some(name) => format!("{{{}}}", name.trim_end_matches("..")),
                    None => seg.to_string(),
                },
            )
            .collect::<Vec<_>>()
            .join("/");
        let method = route.method.as_str().to_lowercase();
        let concrete = vec![openapi_path.clone()];
        for path in concrete {
            let op = &doc["paths"][&path][&method];
            if op.is_null() {
                missing.push(format!("{method} {path}"));
            } else {
                assert!(
                    op["x-permission"].is_string(),
                    "{method} {path} names no permission"
                );
            }
        }
    }
    assert!(
        missing.is_empty(),
        "routes missing from /api/openapi.json: {missing:?}"
    );
}
