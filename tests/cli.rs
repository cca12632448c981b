//! The `leadbox` command line against the real binary.

mod common;

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::Duration;

use common::server::{free_port, http, Server};
use common::{TempDir, OWNER_EMAIL, OWNER_PASSWORD};
use serde_json::{json, Value};

fn leadbox(dir: &TempDir, args: &[&str], stdin: &str) -> (bool, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_leadbox"))
        .args(args)
        .env("LEADBOX_DATA_DIR", dir.path())
        .env("LEADBOX_LOG_FILTER", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).to_string(),
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}

#[test]
fn version_and_migrate_work_without_a_server() {
    let dir = TempDir::new();
    let (ok, out, _) = leadbox(&dir, &["--version"], "");
    assert!(ok && out.contains(env!("CARGO_PKG_VERSION")), "{out}");
    let (ok, out, err) = leadbox(&dir, &["migrate"], "");
    assert!(ok, "{err}");
    let applied: usize = out
        .split_whitespace()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    assert!(applied >= 2, "{out}");
    let (ok, out, _) = leadbox(&dir, &["migrate"], "");
    assert!(ok && out.contains("0 migration(s) applied"), "{out}");
}

#[rocket::async_test]
async fn users_and_tokens_made_on_the_command_line_work_against_the_server() {
    let dir = TempDir::new();
    let port = free_port();
    let _server = Server::start(dir.path(), port, &[]).await;
    let (ok, out, err) = leadbox(
        &dir,
        &[
            "user",
            "create",
            "--email",
            "rep@example.com",
            "--name",
            "Rep",
            "--role",
            "viewer",
        ],
        "rep-password-1\n",
    );
    assert!(ok, "{out}{err}");
    let (ok, _, err) = leadbox(
        &dir,
        &["user", "create", "--email", "rep@example.com"],
        "rep-password-1\n",
    );
    assert!(!ok && err.contains("already exists"), "{err}");
    let (ok, _, err) = leadbox(
        &dir,
        &[
            "user",
            "create",
            "--email",
            "x@example.com",
            "--role",
            "god",
        ],
        "pw-pw-pw-pw\n",
    );
    assert!(!ok && err.contains("--role"), "{err}");
    let (ok, _, err) = leadbox(
        &dir,
        &["user", "create", "--email", "y@example.com"],
        "short\n",
    );
    assert!(!ok && err.contains("password"), "{err}");
    let (ok, token, err) = leadbox(&dir, &["token", "create", "--email", "rep@example.com"], "");
    assert!(ok, "{err}");
    let token = token.trim();
    assert!(token.starts_with("lbx_"));
    let auth = format!("Bearer {token}");
    let (status, body) = http(
        port,
        "GET",
        "/api/v1/workspaces",
        &[("Authorization", &auth)],
        "",
    )
    .await
    .unwrap();
    assert_eq!(status, 200);
    let body: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(body["data"]["items"][0]["role"], json!("viewer"));
    let (ok, _, err) = leadbox(
        &dir,
        &["token", "create", "--email", "nobody@example.com"],
        "",
    );
    assert!(!ok && err.contains("no such user"), "{err}");
}

#[rocket::async_test]
async fn reset_password_prints_a_one_time_link_the_server_accepts() {
    let dir = TempDir::new();
    let port = free_port();
    let _server = Server::start(dir.path(), port, &[]).await;
    let (ok, out, err) = leadbox(
        &dir,
        &["user", "reset-password", "--email", OWNER_EMAIL],
        "",
    );
    assert!(ok, "{err}");
    let link = out.trim();
    let path = &link[link.find("/reset/").expect("a reset link")..];
    assert!(err.contains("once"), "{err}");
    let (status, page) = http(port, "GET", path, &[], "").await.unwrap();
    assert_eq!(status, 200);
    assert!(page.contains("id=\"reset-save\""));
    let (ok, _, err) = leadbox(
        &dir,
        &["user", "reset-password", "--email", "nobody@example.com"],
        "",
    );
    assert!(!ok && err.contains("no such user"), "{err}");
    let (ok, _, err) = leadbox(
        &dir,
        &["user", "reset-password", "--email", "not an email"],
        "",
    );
    assert!(!ok && err.contains("--email"), "{err}");
}

#[rocket::async_test]
async fn a_backup_taken_while_the_server_writes_is_consistent() {
    let dir = TempDir::new();
    let port = free_port();
    let _server = Server::start(dir.path(), port, &[]).await;
    let body = json!({ "email": OWNER_EMAIL, "password": OWNER_PASSWORD }).to_string();
    let (_, text) = http(
        port,
        "POST",
        "/api/v1/auth/token",
        &[("Content-Type", "application/json")],
        &body,
    )
    .await
    .unwrap();
    let token: Value = serde_json::from_str(&text).unwrap();
    let auth = format!("Bearer {}", token["data"]["token"].as_str().unwrap());
    let writer = {
        let auth = auth.clone();
        rocket::tokio::spawn(async move {
            let mut n = 0;
            let until = std::time::Instant::now() + Duration::from_millis(1500);
            while std::time::Instant::now() < until {
                let id = uuid::Uuid::new_v4();
                let headers = [
                    ("Content-Type", "application/json"),
                    ("Authorization", auth.as_str()),
                ];
                let (s, _) = http(port, "PUT", &format!("/api/v1/users/{id}"), &headers, "{}")
                    .await
                    .unwrap();
                assert_eq!(s, 201);
                n += 1;
            }
            n
        })
    };
    rocket::tokio::time::sleep(Duration::from_millis(500)).await;
    let copy = dir.path().join("copy.db");
    let (ok, out, err) = leadbox(&dir, &["backup", copy.to_str().unwrap()], "");
    assert!(ok, "{out}{err}");
    let written = writer.await.unwrap();
    let db = rusqlite::Connection::open(&copy).unwrap();
    let check: String = db
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(check, "ok");
    let rows: i64 = db
        .query_row("SELECT COUNT(*) FROM end_users", [], |r| r.get(0))
        .unwrap();
    assert!(rows > 0 && rows <= written, "copy has {rows} of {written}");
    let (ok, _, err) = leadbox(&dir, &["backup", copy.to_str().unwrap()], "");
    assert!(
        !ok && err.contains("already exists"),
        "never overwrites: {err}"
    );
}
