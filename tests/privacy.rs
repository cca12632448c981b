//! No personal data in any URL, log line or analytics event: a whole Contact Sales run at
//! debug log level, then the log, the events and the answers are searched for the user's email.

mod common;

use common::server::{free_port, http_full, Server};
use common::{contact_body, user_token, TempDir, OWNER_EMAIL, OWNER_PASSWORD};
use serde_json::{json, Value};

/// The owner's `Authorization` value on the server at `port`.
async fn owner_bearer(port: u16) -> String {
    let (_, _, t) = http_full(
        port,
        "POST",
        "/api/v1/auth/token",
        &[("Content-Type", "application/json")],
        &json!({ "email": OWNER_EMAIL, "password": OWNER_PASSWORD }).to_string(),
    )
    .await
    .unwrap();
    let v: Value = serde_json::from_str(&t).unwrap();
    format!("Bearer {}", v["data"]["token"].as_str().unwrap())
}

#[rocket::async_test]
async fn a_contact_sales_run_leaves_the_users_email_in_no_log_url_or_analytics_event() {
    let dir = TempDir::new();
    let log = dir.path().join("server.log");
    let port = free_port();
    let canary = format!("canary-{}@buyer.example", uuid::Uuid::new_v4().simple());
    let sub = uuid::Uuid::new_v4().to_string();
    let server = Server::start_logging(
        dir.path(),
        port,
        &[("LEADBOX_LOG_FILTER", "debug")],
        Some(&log),
    )
    .await;
    let json_h = ("Content-Type", "application/json");
    let staff = owner_bearer(port).await;
    let settings = json!({ "userTokenSecret": common::USER_SECRET, "salesEmail": "sales@acme.test", "schedulerUrl": "https://cal.acme.test/x" });
    http_full(
        port,
        "PATCH",
        "/api/v1/workspaces/default",
        &[json_h, ("Authorization", &staff)],
        &settings.to_string(),
    )
    .await
    .unwrap();
    let user = format!("Bearer {}", user_token(&sub, &canary));
    let mut answers = vec![];
    let click = json!({ "event": "pricing_contact_sales_clicked", "plan": "annual", "quantity": 100000, "source": "dashboard_pricing" });
    answers.push(
        http_full(
            port,
            "POST",
            "/api/v1/analytics/events",
            &[json_h, ("Authorization", &user)],
            &click.to_string(),
        )
        .await
        .unwrap(),
    );
    answers.push(
        http_full(
            port,
            "POST",
            "/api/sales/contact-request",
            &[json_h, ("Authorization", &user), ("Idempotency-Key", "k1")],
            &contact_body().to_string(),
        )
        .await
        .unwrap(),
    );
    answers.push(
        http_full(
            port,
            "POST",
            "/api/sales/contact-request",
            &[json_h, ("Authorization", &user), ("Idempotency-Key", "k1")],
            &contact_body().to_string(),
        )
        .await
        .unwrap(),
    );
    answers.push(
        http_full(
            port,
            "POST",
            "/api/sales/contact-request",
            &[json_h, ("Authorization", &user)],
            &json!({ "plan": "free" }).to_string(),
        )
        .await
        .unwrap(),
    );
    let expired = common::jwt(
        common::USER_SECRET,
        json!({ "sub": sub, "exp": common::unix_now() - 3600, "email": canary }),
    );
    answers.push(
        http_full(
            port,
            "POST",
            "/api/sales/contact-request",
            &[json_h, ("Authorization", &format!("Bearer {expired}"))],
            &contact_body().to_string(),
        )
        .await
        .unwrap(),
    );
    answers.push(
        http_full(
            port,
            "GET",
            "/api/v1/leads",
            &[("Authorization", &staff)],
            "",
        )
        .await
        .unwrap(),
    );
    assert_eq!(answers[1].0, 201, "{}", answers[1].2);
    assert_eq!(answers[3].0, 400);
    assert_eq!(answers[4].0, 401);
    // Failures are counted in memory and written on shutdown (or once a minute).
    let mut server = server;
    server.stop();
    drop(server);

    // URLs: every action URL in the answers, and every Location header.
    for (_, head, body) in &answers {
        assert!(
            !head.to_lowercase().contains(&canary),
            "a header carries the email: {head}"
        );
        if let Ok(v) = serde_json::from_str::<Value>(body) {
            for a in v["actions"].as_array().into_iter().flatten() {
                assert!(
                    !a["url"].as_str().unwrap_or("").contains(&canary),
                    "an action URL carries the email: {a}"
                );
            }
        }
    }
    // Logs, at debug level.
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(
        text.contains("route=/api/sales/contact-request"),
        "the run was logged at debug level: {text}"
    );
    assert!(!text.contains(&canary), "the log carries the email");
    assert!(!text.contains(&sub), "the log carries the user id");
    // Analytics events, and every other event of the run.
    let db = rusqlite::Connection::open(dir.path().join("leadbox.db")).unwrap();
    let mut stmt = db.prepare("SELECT topic, data FROM events").unwrap();
    let events: Vec<(String, String)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let analytics: Vec<&(String, String)> = events
        .iter()
        .filter(|(t, _)| t.starts_with("analytics/"))
        .collect();
    assert_eq!(
        analytics.len(),
        3,
        "clicked, submitted, failed: {analytics:?}"
    );
    for (topic, data) in &events {
        assert!(!data.contains(&canary), "{topic} carries the email: {data}");
    }
    for (topic, data) in &analytics {
        assert!(!data.contains(&sub), "{topic} carries the user id: {data}");
    }
    // The request itself keeps the email, where staff need it.
    let stored: String = db
        .query_row(
            "SELECT account_email FROM sales_contact_requests",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(stored, canary);
}

/// A marketing site's form left on `method="get"` sends every field in the query string; so do
/// scanners and mistyped links. Such requests match no route, and nothing about them — the
/// query least of all — is written to the log, at any log level.
#[rocket::async_test]
async fn requests_that_match_no_route_leave_their_query_out_of_the_log() {
    let dir = TempDir::new();
    let log = dir.path().join("server.log");
    let port = free_port();
    let canary = format!("canary-{}@visitor.example", uuid::Uuid::new_v4().simple());
    let mut server = Server::start_logging(
        dir.path(),
        port,
        &[("LEADBOX_LOG_FILTER", "trace")],
        Some(&log),
    )
    .await;
    let staff = owner_bearer(port).await;
    let (_, _, ws) = http_full(
        port,
        "GET",
        "/api/v1/workspaces",
        &[("Authorization", &staff)],
        "",
    )
    .await
    .unwrap();
    let key = serde_json::from_str::<Value>(&ws).unwrap()["data"]["items"][0]["publicKey"]
        .as_str()
        .unwrap()
        .to_string();
    let query = format!("name=Ann+Visitor&email={canary}&message=Hello");
    let paths = [
        format!("/api/public/forms/{key}/inquiries?{query}"),
        format!("/api/v1/nowhere?{query}"),
        format!("/nowhere?{query}"),
        format!("/f/{key}/nowhere?{query}"),
    ];
    for path in &paths {
        let (status, _, _) = http_full(port, "GET", path, &[], "").await.unwrap();
        assert!(
            (400..500).contains(&status),
            "GET {path} is a client error, not {status}"
        );
    }
    server.stop();
    drop(server);
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(
        text.contains("leadbox is listening"),
        "the log was written: {text}"
    );
    assert!(!text.contains(&canary), "the log carries the email: {text}");
    assert!(
        !text.contains("Ann+Visitor"),
        "the log carries the name: {text}"
    );
}
