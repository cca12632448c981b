//! `kill -9` of the real binary with webhook deliveries pending: after a restart every event
//! is delivered, and none twice to the receiver once it answered 2xx.

mod common;

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use common::receiver::{Answer, Receiver};
use common::server::{free_port, http, Server};
use common::{TempDir, OWNER_EMAIL, OWNER_PASSWORD};
use serde_json::{json, Value};

async fn call(
    port: u16,
    method: &str,
    path: &str,
    auth: Option<&str>,
    body: Value,
) -> (u16, Value) {
    let mut headers = vec![("Content-Type", "application/json")];
    if let Some(a) = auth {
        headers.push(("Authorization", a));
    }
    let payload = if body.is_null() {
        String::new()
    } else {
        body.to_string()
    };
    let (s, text) = http(port, method, path, &headers, &payload).await.unwrap();
    (s, serde_json::from_str(&text).unwrap_or(Value::Null))
}

fn env(retry: &str) -> Vec<(&'static str, String)> {
    vec![
        ("LEADBOX_WEBHOOK_ALLOW_PRIVATE", "true".into()),
        ("LEADBOX_WEBHOOK_RETRY_SECONDS", retry.into()),
        ("LEADBOX_WEBHOOK_TIMEOUT_SECONDS", "2".into()),
    ]
}

async fn submit(port: u16, key: &str, n: usize) -> String {
    let (s, b) = call(
        port,
        "POST",
        &format!("/api/public/forms/{key}/inquiries"),
        None,
        json!({ "name": format!("Lead {n}"), "email": "lead@example.com", "message": "Call me back" }),
    )
    .await;
    assert_eq!(s, 201, "{b}");
    b["data"]["id"].as_str().unwrap().to_string()
}

#[rocket::async_test]
async fn kill_9_with_deliveries_pending_loses_none_and_repeats_none_that_succeeded() {
    let rx = Receiver::start().await;
    let dir = TempDir::new();
    let port = free_port();
    let vars = env("1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1");
    let vars: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let mut server = Server::start(dir.path(), port, &vars).await;
    let (_, t) = call(
        port,
        "POST",
        "/api/v1/auth/token",
        None,
        json!({ "email": OWNER_EMAIL, "password": OWNER_PASSWORD }),
    )
    .await;
    let auth = format!("Bearer {}", t["data"]["token"].as_str().unwrap());
    let off =
        json!({ "rateLimits": { "publicPerIpPerMinute": 0, "publicPerWorkspacePerMinute": 0 } });
    let (s, ws) = call(
        port,
        "PATCH",
        "/api/v1/workspaces/default",
        Some(&auth),
        off,
    )
    .await;
    assert_eq!(s, 200, "{ws}");
    let key = ws["data"]["publicKey"].as_str().unwrap().to_string();
    let (s, w) = call(
        port,
        "POST",
        "/api/v1/webhooks",
        Some(&auth),
        json!({ "url": rx.url("/in"), "topics": ["observation/outreach/inquiry/submitted"] }),
    )
    .await;
    assert_eq!(s, 201, "{w}");
    let hook = w["data"]["id"].as_str().unwrap().to_string();

    // Phase 1: the receiver answers 200 and every success is recorded.
    let mut ids: Vec<String> = vec![];
    for n in 0..20 {
        ids.push(submit(port, &key, n).await);
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (_, d) = call(
            port,
            "GET",
            &format!("/api/v1/webhooks/{hook}/deliveries?status=succeeded&limit=100"),
            Some(&auth),
            Value::Null,
        )
        .await;
        if d["data"]["pagination"]["totalItems"] == 20 {
            break;
        }
        assert!(Instant::now() < deadline, "{d}");
        rocket::tokio::time::sleep(Duration::from_millis(50)).await;
    }

    // Phase 2: the receiver fails; more leads arrive; leadbox dies mid-way.
    rx.then(Answer::Status(500));
    for n in 20..60 {
        ids.push(submit(port, &key, n).await);
    }
    rx.wait_for("failing attempts", 20, |h| {
        h.iter().any(|h| h.answered == Some(500))
    })
    .await;
    server.kill9();

    // Phase 3: the receiver recovers; leadbox restarts on the same data.
    rx.then(Answer::Status(200));
    let _server = Server::start(dir.path(), port, &vars).await;
    let hits = rx
        .wait_for("every lead delivered with a 2xx", 60, |hits| {
            let done: HashSet<String> = hits
                .iter()
                .filter(|h| h.answered == Some(200))
                .map(|h| h.json()["data"]["id"].as_str().unwrap_or("").to_string())
                .collect();
            ids.iter().all(|id| done.contains(id))
        })
        .await;
    // Let any stray repeat arrive before counting.
    rocket::tokio::time::sleep(Duration::from_secs(2)).await;
    let hits = if rx.hits().len() > hits.len() {
        rx.hits()
    } else {
        hits
    };
    let mut ok_per_message: HashMap<String, usize> = HashMap::new();
    let mut id_per_lead: HashMap<String, HashSet<String>> = HashMap::new();
    for h in &hits {
        let message = h.header("webhook-id").unwrap().to_string();
        let lead = h.json()["data"]["id"].as_str().unwrap().to_string();
        id_per_lead.entry(lead).or_default().insert(message.clone());
        if h.answered == Some(200) {
            *ok_per_message.entry(message).or_default() += 1;
        }
    }
    let repeated: Vec<_> = ok_per_message.iter().filter(|(_, n)| **n > 1).collect();
    assert!(
        repeated.is_empty(),
        "delivered twice after a 2xx: {repeated:?}"
    );
    assert_eq!(
        ok_per_message.len(),
        ids.len(),
        "one successful message per lead"
    );
    assert!(
        id_per_lead.values().all(|m| m.len() == 1),
        "one webhook-id per lead across retries and the restart"
    );
    let failed = hits.iter().filter(|h| h.answered == Some(500)).count();
    eprintln!(
        "{} leads, {failed} failed attempts before kill -9, {} attempts in all",
        ids.len(),
        hits.len()
    );
}
