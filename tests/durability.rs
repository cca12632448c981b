//! `kill -9` under a burst of concurrent writes loses no acknowledged write.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::server::{free_port, http, Server};
use common::{TempDir, OWNER_EMAIL, OWNER_PASSWORD};
use serde_json::{json, Value};

/// Makes one write of a burst: (path, body, key used to name the write).
type Request = Arc<dyn Fn() -> (String, String, String) + Send + Sync>;

async fn token(port: u16) -> String {
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
    let v: Value = serde_json::from_str(&text).unwrap();
    format!("Bearer {}", v["data"]["token"].as_str().unwrap())
}

/// Runs 32 clients writing until the server dies; kills it after `min_acks`; returns the ids
/// whose write was acknowledged with 201.
async fn burst(
    port: u16,
    server: &mut Server,
    auth: &str,
    min_acks: usize,
    make: Request,
    id_of: fn(&str, &Value) -> String,
) -> Vec<String> {
    let acked: Arc<Mutex<Vec<String>>> = Arc::default();
    let mut clients = vec![];
    for _ in 0..32 {
        let acked = acked.clone();
        let auth = auth.to_string();
        let make = make.clone();
        clients.push(rocket::tokio::spawn(async move {
            loop {
                let (path, body, key) = make();
                let headers = [
                    ("Content-Type", "application/json"),
                    ("Authorization", auth.as_str()),
                ];
                match http(
                    port,
                    if path.starts_with("/api/v1/users") {
                        "PUT"
                    } else {
                        "POST"
                    },
                    &path,
                    &headers,
                    &body,
                )
                .await
                {
                    Ok((201, text)) => {
                        let v: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
                        acked.lock().unwrap().push(id_of(&key, &v));
                    }
                    Ok((status, text)) => panic!("unexpected {status}: {text}"),
                    Err(_) => break, // the server is gone
                }
            }
        }));
    }
    let started = std::time::Instant::now();
    while acked.lock().unwrap().len() < min_acks && started.elapsed() < Duration::from_secs(30) {
        rocket::tokio::time::sleep(Duration::from_millis(10)).await;
    }
    server.kill9();
    for c in clients {
        c.await.unwrap();
    }
    let acked = acked.lock().unwrap().clone();
    assert!(
        acked.len() >= min_acks,
        "the burst was too small to mean anything: {}",
        acked.len()
    );
    acked
}

/// Restarts on the same data and checks integrity and that every acknowledged id is stored.
async fn check_after_restart(dir: &TempDir, port: u16, acked: &[String], table: &str) {
    let _restarted = Server::start(dir.path(), port, &[]).await;
    let db = rusqlite::Connection::open(dir.path().join("leadbox.db")).unwrap();
    let check: String = db
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(check, "ok");
    let mut stmt = db
        .prepare(&format!("SELECT COUNT(*) FROM {table} WHERE id = ?1"))
        .unwrap();
    let lost: Vec<&String> = acked
        .iter()
        .filter(|id| stmt.query_row([id], |r| r.get::<_, i64>(0)).unwrap() != 1)
        .collect();
    let rows: i64 = db
        .query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0))
        .unwrap();
    eprintln!(
        "{table}: acknowledged {} writes before kill -9; {rows} rows on disk after restart",
        acked.len()
    );
    assert!(
        lost.is_empty(),
        "{} of {} acknowledged writes lost: {:?}",
        lost.len(),
        acked.len(),
        &lost[..lost.len().min(5)]
    );
    if table == "inquiries" {
        // A capture leaves its lead-index row to the writer's backlog; what the kill left
        // noted and not yet indexed is indexed by the start, before the first request.
        let unindexed: i64 = db
            .query_row(
                "SELECT COUNT(*) FROM inquiries t WHERE NOT EXISTS
                     (SELECT 1 FROM lead_index x WHERE x.id = t.id)",
                [],
                |r| r.get(0),
            )
            .unwrap();
        let pending: i64 = db
            .query_row("SELECT COUNT(*) FROM lead_pending", [], |r| r.get(0))
            .unwrap();
        assert_eq!(
            (unindexed, pending),
            (0, 0),
            "the backlog is caught up at start"
        );
    }
}

#[rocket::async_test]
async fn every_acknowledged_write_survives_kill_9_mid_burst() {
    let dir = TempDir::new();
    let port = free_port();
    let mut server = Server::start(dir.path(), port, &[]).await;
    let auth = token(port).await;
    let make: Request = Arc::new(|| {
        let id = uuid::Uuid::new_v4().to_string();
        let body =
            json!({ "email": format!("{id}@example.com"), "signupType": "industry" }).to_string();
        (format!("/api/v1/users/{id}"), body, id)
    });
    let acked = burst(port, &mut server, &auth, 300, make, |key, _| {
        key.to_string()
    })
    .await;
    check_after_restart(&dir, port, &acked, "end_users").await;
}

#[rocket::async_test]
async fn every_acknowledged_public_submit_survives_kill_9_under_load() {
    let dir = TempDir::new();
    let port = free_port();
    let mut server = Server::start(dir.path(), port, &[]).await;
    let auth = token(port).await;
    let off =
        json!({ "rateLimits": { "publicPerIpPerMinute": 0, "publicPerWorkspacePerMinute": 0 } })
            .to_string();
    let headers = [
        ("Content-Type", "application/json"),
        ("Authorization", auth.as_str()),
    ];
    let (s, text) = http(port, "PATCH", "/api/v1/workspaces/default", &headers, &off)
        .await
        .unwrap();
    assert_eq!(s, 200, "{text}");
    let v: Value = serde_json::from_str(&text).unwrap();
    let key = v["data"]["publicKey"].as_str().unwrap().to_string();
    let make: Request = Arc::new(move || {
        let body =
            json!({ "name": "Ada", "email": "ada@example.com", "message": "Durable, please" })
                .to_string();
        (
            format!("/api/public/forms/{key}/inquiries"),
            body,
            String::new(),
        )
    });
    let acked = burst(port, &mut server, "", 500, make, |_, v| {
        v["data"]["id"].as_str().unwrap_or("").to_string()
    })
    .await;
    check_after_restart(&dir, port, &acked, "inquiries").await;
}
