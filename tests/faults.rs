//! Storage faults tell the truth: a deleted or replaced database file, a full disk and a second
//! server on one data folder are refused with 503 or a clear exit, never a 201 that is lost.

mod common;

use std::io::Write;
use std::process::Command;
use std::time::Duration;

use common::server::{free_port, http, Server};
use common::{assert_error, figment, TempDir, TestApp};
use rocket::http::Status;
use rocket::local::asynchronous::Client;
use serde_json::{json, Value};

fn lead(i: usize) -> Value {
    json!({ "name": format!("Fault Lead {i}"), "email": "fault@example.com", "message": "Please call me back about pricing." })
}

#[rocket::async_test]
async fn deleting_the_database_files_makes_readiness_and_every_capture_503() {
    let app = TestApp::spawn().await;
    app.enable_end_users(json!({})).await;
    app.new_inquiry("Before the fault").await;
    let uri = format!("/api/public/forms/{}/inquiries", app.public_key());
    app.sign_in(common::OWNER_EMAIL, common::OWNER_PASSWORD)
        .await;
    let (s, b) = app.get("/readyz", None).await;
    assert_eq!(s, Status::Ok, "{b}");
    for f in ["leadbox.db", "leadbox.db-wal", "leadbox.db-shm"] {
        let _ = std::fs::remove_file(app.dir.path().join(f));
    }
    let (s, b) = app.get("/readyz", None).await;
    assert_eq!(s, Status::ServiceUnavailable, "one check is enough: {b}");
    assert!(
        b["reason"].as_str().unwrap_or("").contains("deleted"),
        "{b}"
    );
    for i in 0..10 {
        let (s, b) = app.post_json(&uri, None, lead(i)).await;
        assert_eq!(s, Status::ServiceUnavailable, "capture {i}: {b}");
        assert_error(&b, "SERVICE_UNAVAILABLE", None);
    }
    // A visitor without the script gets the form back with what they wrote, to send again.
    let res = app
        .client
        .post(uri.clone())
        .header(rocket::http::ContentType::Form)
        .body(common::form(&[
            ("name", "Form Fault"),
            ("email", "fault@example.com"),
            ("message", "Kept through the fault"),
        ]))
        .dispatch()
        .await;
    assert_eq!(res.status(), Status::ServiceUnavailable);
    let html = res.into_string().await.unwrap();
    for kept in [
        "We could not take your message just now",
        "value=\"Form Fault\"",
        "Kept through the fault</textarea>",
    ] {
        assert!(html.contains(kept), "{kept}: {html}");
    }
    let (s, b, _) = app
        .contact(
            &common::user_token("0190a3c4-5b6d-7e8f-9a0b-1c2d3e4f5a6b", "d@b.test"),
            common::contact_body(),
            &[],
        )
        .await;
    assert_eq!(s, Status::ServiceUnavailable, "{b}");
    assert_eq!(b["error"], json!("service_unavailable"));
    let end_user = common::jwt(
        common::USER_SECRET,
        json!({ "sub": "0190a3c4-5b6d-7e8f-9a0b-1c2d3e4f5a6b", "exp": common::unix_now() + 600 }),
    );
    let (s, b) = app
        .post_json(
            "/api/v1/pricing-selections",
            Some(&end_user),
            json!({ "plan": "monthly" }),
        )
        .await;
    assert_eq!(s, Status::ServiceUnavailable, "{b}");
    assert_error(&b, "SERVICE_UNAVAILABLE", None);
    let (s, html) = app.page("/admin").await;
    assert_eq!(s, Status::ServiceUnavailable, "{html}");
}

#[rocket::async_test]
async fn a_database_file_replaced_under_the_server_is_refused() {
    let app = TestApp::spawn().await;
    app.new_inquiry("Before the swap").await;
    let uri = format!("/api/public/forms/{}/inquiries", app.public_key());
    let db = app.dir.path().join("leadbox.db");
    let copy = app.dir.path().join("copy.db");
    std::fs::copy(&db, &copy).unwrap();
    std::fs::rename(&copy, &db).unwrap();
    let (s, b) = app.get("/readyz", None).await;
    assert_eq!(s, Status::ServiceUnavailable, "{b}");
    assert!(b["reason"].as_str().unwrap().contains("replaced"), "{b}");
    let (s, _) = app.post_json(&uri, None, lead(1)).await;
    assert_eq!(s, Status::ServiceUnavailable);
}

/// A small tmpfs mounted for the test; unmounted on drop.
struct Mount(std::path::PathBuf);

impl Mount {
    fn tmpfs(mb: u32) -> Option<Mount> {
        let dir = std::env::temp_dir().join(format!("leadbox-full-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).ok()?;
        let ok = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={mb}m"), "tmpfs"])
            .arg(&dir)
            .status()
            .map(|s| s.success())
            .unwrap_or(false);
        if ok {
            Some(Mount(dir))
        } else {
            let _ = std::fs::remove_dir(&dir);
            None
        }
    }
}

impl Drop for Mount {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.0).status();
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Writes `path` until the file system says it is full.
fn fill(path: &std::path::Path) {
    let mut f = std::fs::File::create(path).unwrap();
    let chunk = vec![7u8; 64 * 1024];
    while f.write_all(&chunk).is_ok() {}
    let _ = f.sync_all();
}

#[rocket::async_test]
async fn a_full_disk_is_503_on_every_channel_and_recovers_when_space_returns() {
    let Some(mount) = Mount::tmpfs(24) else {
        assert!(
            std::env::var_os("LEADBOX_REQUIRE_EXTERNAL").is_none(),
            "CI must be able to mount a tmpfs for the full-disk test"
        );
        eprintln!("skipped: cannot mount a tmpfs here");
        return;
    };
    let data = mount.0.join("data");
    let client = Client::tracked(leadbox::rocket(figment(&data).merge(("min_free_mb", 1))))
        .await
        .unwrap();
    let key: String = rusqlite::Connection::open(data.join("leadbox.db"))
        .unwrap()
        .query_row("SELECT public_key FROM workspaces", [], |r| r.get(0))
        .unwrap();
    let submit = |i: usize| {
        let client = &client;
        let uri = format!("/api/public/forms/{key}/inquiries");
        async move {
            let mut body = lead(i);
            body["message"] = json!(format!("{i} {}", "quote for forty seats ".repeat(150)));
            let res = client
                .post(uri)
                .header(rocket::http::ContentType::JSON)
                .body(body.to_string())
                .dispatch()
                .await;
            let status = res.status();
            let body: Value = res.into_json().await.unwrap_or(Value::Null);
            (status, body)
        }
    };
    let (s, b) = submit(0).await;
    assert_eq!(s, Status::Created, "{b}");
    let mut stored = vec![b["data"]["id"].as_str().unwrap().to_string()];
    let filler = mount.0.join("filler");
    fill(&filler);
    let res = client.get("/readyz").dispatch().await;
    assert_eq!(res.status(), Status::ServiceUnavailable);
    let b: Value = res.into_json().await.unwrap();
    assert!(b["reason"].as_str().unwrap().contains("full"), "{b}");
    let mut refused = 0;
    for i in 1..3000 {
        let (s, b) = submit(i).await;
        match s {
            Status::Created => stored.push(b["data"]["id"].as_str().unwrap().to_string()),
            Status::ServiceUnavailable => {
                assert_error(&b, "SERVICE_UNAVAILABLE", None);
                assert!(
                    b["error"]["message"].as_str().unwrap().contains("full"),
                    "{b}"
                );
                refused += 1;
                if refused >= 5 {
                    break;
                }
            }
            other => panic!("a full disk answered {other}: {b}"),
        }
    }
    assert_eq!(refused, 5, "the full disk was noticed");
    std::fs::remove_file(&filler).unwrap();
    let res = client.get("/readyz").dispatch().await;
    assert_eq!(res.status(), Status::Ok, "ready again once there is room");
    let (s, b) = submit(9999).await;
    assert_eq!(s, Status::Created, "captures resume: {b}");
    stored.push(b["data"]["id"].as_str().unwrap().to_string());
    let _ = &client;
    let db = rusqlite::Connection::open(data.join("leadbox.db")).unwrap();
    for id in &stored {
        let n: i64 = db
            .query_row("SELECT COUNT(*) FROM inquiries WHERE id = ?1", [id], |r| {
                r.get(0)
            })
            .unwrap();
        assert_eq!(n, 1, "acknowledged lead {id} is stored");
    }
    let check: String = db
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(check, "ok");
}

#[rocket::async_test]
async fn a_second_server_on_the_same_data_dir_exits_with_a_clear_message() {
    let dir = TempDir::new();
    let first = Server::start(dir.path(), free_port(), &[]).await;
    let out = Command::new(env!("CARGO_BIN_EXE_leadbox"))
        .env_clear()
        .env("LEADBOX_DATA_DIR", dir.path())
        .env("LEADBOX_PORT", free_port().to_string())
        .env("LEADBOX_ADDRESS", "127.0.0.1")
        .env("LEADBOX_LOG_FILTER", "warn")
        .output()
        .unwrap();
    assert!(!out.status.success(), "the second server must not run");
    let err = String::from_utf8_lossy(&out.stderr);
    let pid = first.child.id().to_string();
    assert!(
        err.contains("is serving from") && err.contains(&pid),
        "the message names the holder: {err}"
    );
    // The first one is untouched, and the other commands keep working beside it.
    let (s, _) = http(first.port, "GET", "/readyz", &[], "").await.unwrap();
    assert_eq!(s, 200);
    let copy = dir.path().join("side.db");
    let out = Command::new(env!("CARGO_BIN_EXE_leadbox"))
        .env_clear()
        .env("LEADBOX_DATA_DIR", dir.path())
        .arg("backup")
        .arg(&copy)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    drop(first);
    std::thread::sleep(Duration::from_millis(100));
    // Once it is gone (even by SIGKILL), the data folder is free again.
    let again = Server::start(dir.path(), free_port(), &[]).await;
    let (s, _) = http(again.port, "GET", "/readyz", &[], "").await.unwrap();
    assert_eq!(s, 200);
}
