//! `kill -9` under a burst of concurrent writes loses no acknowledged write.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::server::{free_port, http, Server};
use common::{TempDir, OWNER_EMAIL, OWNER_PASSWORD};
use serde_json::{json, Value};

#[rocket::async_test]
async fn every_acknowledged_write_survives_kill_9_mid_burst() {
    let dir = TempDir::new();
    let port = free_port();
    let mut server = Server::start(dir.path(), port, &[]).await;
    let body = json!({ "email": OWNER_EMAIL, "password": OWNER_PASSWORD }).to_string();
    let (status, text) = http(
        port,
        "POST",
        "/api/v1/auth/token",
        &[("Content-Type", "application/json")],
        &body,
    )
    .await
    .unwrap();
    assert_eq!(status, 201, "{text}");
    let token: Value = serde_json::from_str(&text).unwrap();
    let auth = format!("Bearer {}", token["data"]["token"].as_str().unwrap());

    let acked: Arc<Mutex<Vec<String>>> = Arc::default();
    let mut clients = vec![];
    for _ in 0..32 {
        let acked = acked.clone();
        let auth = auth.clone();
        clients.push(rocket::tokio::spawn(async move {
            loop {
                let id = uuid::Uuid::new_v4().to_string();
                let body =
                    json!({ "email": format!("{id}@example.com"), "signupType": "industry" })
                        .to_string();
                let headers = [
                    ("Content-Type", "application/json"),
                    ("Authorization", auth.as_str()),
                ];
                match http(port, "PUT", &format!("/api/v1/users/{id}"), &headers, &body).await {
                    Ok((201, _)) => acked.lock().unwrap().push(id),
                    Ok((status, text)) => panic!("unexpected {status}: {text}"),
                    Err(_) => break, // the server is gone
                }
            }
        }));
    }
    // Let the burst build up, then pull the plug while writes are in flight.
    let started = std::time::Instant::now();
    while acked.lock().unwrap().len() < 300 && started.elapsed() < Duration::from_secs(20) {
        rocket::tokio::time::sleep(Duration::from_millis(20)).await;
    }
    server.kill9();
    for c in clients {
        c.await.unwrap();
    }
    let acked = acked.lock().unwrap().clone();
    assert!(
        acked.len() >= 300,
        "the burst was too small to mean anything: {}",
        acked.len()
    );

    let _restarted = Server::start(dir.path(), port, &[]).await;
    let db = rusqlite::Connection::open(dir.path().join("leadbox.db")).unwrap();
    let check: String = db
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(check, "ok");
    let mut stmt = db
        .prepare("SELECT COUNT(*) FROM end_users WHERE id = ?1")
        .unwrap();
    let lost: Vec<&String> = acked
        .iter()
        .filter(|id| stmt.query_row([id], |r| r.get::<_, i64>(0)).unwrap() != 1)
        .collect();
    let rows: i64 = db
        .query_row("SELECT COUNT(*) FROM end_users", [], |r| r.get(0))
        .unwrap();
    eprintln!(
        "acknowledged {} writes before kill -9; {rows} rows on disk after restart",
        acked.len()
    );
    assert!(
        lost.is_empty(),
        "{} of {} acknowledged writes lost: {:?}",
        lost.len(),
        acked.len(),
        &lost[..lost.len().min(5)]
    );
}
