//! Snapshots, `leadbox verify` and `leadbox restore`: the API and page for owners, the
//! schedule and retention, and the checks a restore makes before it touches anything.

mod common;

use std::io::Write;
use std::process::{Command, Stdio};

use common::server::{free_port, http, Server};
use common::{assert_error, TempDir, TestApp, OWNER_EMAIL, OWNER_PASSWORD};
use rocket::http::{Method, Status};
use serde_json::json;

fn leadbox(dir: &std::path::Path, args: &[&std::ffi::OsStr]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_leadbox"))
        .args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("LEADBOX_DATA_DIR", dir)
        .env("LEADBOX_LOG_FILTER", "warn")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).to_string(),
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}

fn os(s: &str) -> &std::ffi::OsStr {
    std::ffi::OsStr::new(s)
}

#[rocket::async_test]
async fn owners_take_list_download_and_delete_snapshots_through_the_api() {
    let app = TestApp::spawn_with(|f| f.merge(("backup_keep", 2))).await;
    app.new_inquiry("Snapshot me").await;
    let owner = app.owner_token().await;
    let (s, b) = app.get("/api/v1/backups", Some(&owner)).await;
    assert_eq!(s, Status::Ok, "{b}");
    assert_eq!(b["data"]["items"], json!([]));
    let mut names = vec![];
    for _ in 0..3 {
        let (s, b) = app
            .post_json("/api/v1/backups", Some(&owner), json!({}))
            .await;
        assert_eq!(s, Status::Created, "{b}");
        assert!(b["data"]["size"].as_u64().unwrap() > 0);
        names.push(b["data"]["name"].as_str().unwrap().to_string());
    }
    let (_, b) = app.get("/api/v1/backups", Some(&owner)).await;
    let listed: Vec<&str> = b["data"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        listed,
        vec![names[2].as_str(), names[1].as_str()],
        "the 2 newest are kept"
    );
    // The download is the SQLite file, and a whole one.
    let res = app
        .client
        .get(format!("/api/v1/backups/{}", names[2]))
        .header(rocket::http::Header::new(
            "Authorization",
            format!("Bearer {owner}"),
        ))
        .dispatch()
        .await;
    assert_eq!(res.status(), Status::Ok);
    assert!(res
        .headers()
        .get_one("Content-Disposition")
        .unwrap()
        .contains(&names[2]));
    let bytes = res.into_bytes().await.unwrap();
    assert!(bytes.starts_with(b"SQLite format 3\0"));
    let copy = app.dir.path().join("downloaded.db");
    std::fs::write(&copy, &bytes).unwrap();
    let n: i64 = rusqlite::Connection::open(&copy)
        .unwrap()
        .query_row("SELECT COUNT(*) FROM inquiries", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 1);
    // Names that are not snapshots are never served or deleted.
    for bad in [
        "leadbox.db",
        "..%2Fleadbox.db",
        "leadbox-20261201T000000Z.db",
        ".partial-x",
    ] {
        let (s, b) = app
            .get(&format!("/api/v1/backups/{bad}"), Some(&owner))
            .await;
        assert_eq!(s, Status::NotFound, "{bad}: {b}");
        let (s, _) = app
            .send(
                Method::Delete,
                &format!("/api/v1/backups/{bad}"),
                Some(&owner),
                &[],
                None,
            )
            .await;
        assert_eq!(s, Status::NotFound, "{bad}");
    }
    assert!(app.dir.path().join("leadbox.db").exists());
    let (s, b) = app
        .send(
            Method::Delete,
            &format!("/api/v1/backups/{}", names[2]),
            Some(&owner),
            &[],
            None,
        )
        .await;
    assert_eq!(s, Status::Ok, "{b}");
    let (s, _) = app
        .send(
            Method::Delete,
            &format!("/api/v1/backups/{}", names[2]),
            Some(&owner),
            &[],
            None,
        )
        .await;
    assert_eq!(s, Status::NotFound, "gone once deleted");
}

#[rocket::async_test]
async fn only_owners_of_the_first_workspace_see_backups() {
    let app = TestApp::spawn().await;
    let admin = app
        .user_with_role("admin@example.com", "admin", "default")
        .await;
    let (s, b) = app.get("/api/v1/backups", Some(&admin)).await;
    assert_eq!(s, Status::Forbidden, "{b}");
    assert_error(&b, "FORBIDDEN", None);
    let (s, _) = app
        .post_json("/api/v1/backups", Some(&admin), json!({}))
        .await;
    assert_eq!(s, Status::Forbidden);
    // An owner of a second workspace holds BackupPermissions.Manage there, but a snapshot
    // would hand them every other workspace.
    let (s, b) = app
        .post_json(
            "/api/v1/workspaces",
            Some(&admin),
            json!({ "name": "Side", "slug": "side" }),
        )
        .await;
    assert_eq!(s, Status::Created, "{b}");
    let (s, b) = app
        .send(
            Method::Get,
            "/api/v1/backups",
            Some(&admin),
            &[("x-merchant-id", "side")],
            None,
        )
        .await;
    assert_eq!(s, Status::Forbidden, "{b}");
    assert!(b["error"]["message"]
        .as_str()
        .unwrap()
        .contains("first workspace"));
    let (s, _) = app.get("/api/v1/backups", None).await;
    assert_eq!(s, Status::Unauthorized);
}

#[rocket::async_test]
async fn the_backup_page_takes_and_deletes_snapshots_without_script() {
    let app = TestApp::spawn().await;
    let csrf = app.sign_in(OWNER_EMAIL, OWNER_PASSWORD).await;
    let (s, html) = app.page("/admin/backups").await;
    assert_eq!(s, Status::Ok);
    assert!(html.contains("id=\"backup-take\""));
    let (s, _, _) = app.post_form("/admin/backups", &[("_csrf", "wrong")]).await;
    assert_eq!(s, Status::Forbidden);
    let (s, loc, _) = app.post_form("/admin/backups", &[("_csrf", &csrf)]).await;
    assert_eq!(
        (s, loc.as_deref()),
        (Status::SeeOther, Some("/admin/backups"))
    );
    let (_, html) = app.page("/admin/backups").await;
    assert!(html.contains("Snapshot taken."));
    let start = html.find("href=\"/admin/backups/leadbox-").unwrap() + "href=\"".len();
    let href = html[start..].split('"').next().unwrap().to_string();
    let res = app.client.get(href.clone()).dispatch().await;
    assert_eq!(res.status(), Status::Ok);
    assert!(res
        .into_bytes()
        .await
        .unwrap()
        .starts_with(b"SQLite format 3"));
    let (s, _, _) = app
        .post_form(&format!("{href}/delete"), &[("_csrf", &csrf)])
        .await;
    assert_eq!(s, Status::SeeOther);
    let (_, html) = app.page("/admin/backups").await;
    assert!(html.contains("Snapshot deleted."));
    assert!(!html.contains("href=\"/admin/backups/leadbox-"));
    // A sales member is refused.
    app.user_with_role("rep@example.com", "sales", "default")
        .await;
    app.post_form("/logout", &[("_csrf", &csrf)]).await;
    app.sign_in("rep@example.com", "member-password-1").await;
    let (s, _) = app.page("/admin/backups").await;
    assert_eq!(s, Status::Forbidden);
}

#[rocket::async_test]
async fn the_schedule_takes_a_snapshot_when_one_is_due_and_not_before() {
    let app = TestApp::spawn_with(|f| f.merge(("backup_every", 24))).await;
    let h = app.state().housekeeping();
    leadbox::scheduled_snapshot(&h).await;
    let count = || {
        std::fs::read_dir(app.dir.path().join("backups"))
            .map(|d| d.count())
            .unwrap_or(0)
    };
    assert_eq!(count(), 1, "none yet, so one is due");
    leadbox::scheduled_snapshot(&h).await;
    assert_eq!(count(), 1, "the next is due in 24 hours");
    let off = TestApp::spawn_with(|f| f.merge(("backup_every", 0))).await;
    leadbox::scheduled_snapshot(&off.state().housekeeping()).await;
    assert!(
        !off.dir.path().join("backups").exists(),
        "0 turns the schedule off"
    );
}

#[rocket::async_test]
async fn verify_and_restore_check_the_file_and_refuse_while_a_server_runs() {
    let dir = TempDir::new();
    let data = dir.path().join("data");
    let server = Server::start(&data, free_port(), &[]).await;
    let key: String = rusqlite::Connection::open(data.join("leadbox.db"))
        .unwrap()
        .query_row("SELECT public_key FROM workspaces", [], |r| r.get(0))
        .unwrap();
    let submit = |name: &'static str| {
        let port = server.port;
        let key = key.clone();
        async move {
            let body = json!({ "name": name, "email": "r@example.com", "message": "Restore me" });
            http(
                port,
                "POST",
                &format!("/api/public/forms/{key}/inquiries"),
                &[("Content-Type", "application/json")],
                &body.to_string(),
            )
            .await
            .unwrap()
            .0
        }
    };
    assert_eq!(submit("Before the copy").await, 201);
    let copy = dir.path().join("copy.db");
    let (ok, _, err) = leadbox(&data, &[os("backup"), copy.as_os_str()]);
    assert!(ok, "{err}");
    assert_eq!(submit("After the copy").await, 201);
    let (ok, out, err) = leadbox(&data, &[os("verify"), copy.as_os_str()]);
    assert!(ok, "{err}");
    assert!(
        out.contains("is whole") && out.contains("schema version"),
        "{out}"
    );
    let (ok, _, err) = leadbox(&data, &[os("restore"), copy.as_os_str()]);
    assert!(!ok, "restore must refuse while the server runs");
    assert!(
        err.contains("restore refused") && err.contains("is serving from"),
        "{err}"
    );

    // Files that are not whole leadbox databases are refused before anything is touched.
    let junk = dir.path().join("junk.db");
    std::fs::write(&junk, b"this is not a database at all, not even close").unwrap();
    let (ok, _, err) = leadbox(&data, &[os("verify"), junk.as_os_str()]);
    assert!(!ok && err.contains("not a SQLite database"), "{err}");
    let newer = dir.path().join("newer.db");
    std::fs::copy(&copy, &newer).unwrap();
    rusqlite::Connection::open(&newer)
        .unwrap()
        .execute(
            "INSERT INTO refinery_schema_history (version, name, applied_on, checksum)
             VALUES (999, 'future', '2030-01-01', '0')",
            [],
        )
        .unwrap();
    let (ok, _, err) = leadbox(&data, &[os("verify"), newer.as_os_str()]);
    assert!(!ok && err.contains("newer leadbox"), "{err}");
    let damaged = dir.path().join("damaged.db");
    let mut bytes = std::fs::read(&copy).unwrap();
    let page = 4096;
    for b in bytes.iter_mut().skip(page * 2).take(page * 2) {
        *b = 0x5a;
    }
    std::fs::File::create(&damaged)
        .unwrap()
        .write_all(&bytes)
        .unwrap();
    let (ok, _, err) = leadbox(&data, &[os("verify"), damaged.as_os_str()]);
    assert!(!ok, "a damaged file fails verify: {err}");
    let (ok, _, _) = leadbox(
        &dir.path().join("elsewhere"),
        &[os("verify"), os("/nonexistent.db")],
    );
    assert!(!ok);

    // Stopped, the restore goes through and keeps the current database beside it.
    drop(server);
    let (ok, out, err) = leadbox(&data, &[os("restore"), copy.as_os_str()]);
    assert!(ok, "{err}");
    assert!(out.contains("kept as"), "{out}");
    let kept: Vec<String> = std::fs::read_dir(&data)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().to_string())
        .filter(|n| n.starts_with("leadbox-before-restore-") && n.ends_with(".db"))
        .collect();
    assert_eq!(kept.len(), 1, "{kept:?}");
    let (ok, _, err) = leadbox(&data, &[os("restore"), junk.as_os_str()]);
    assert!(!ok && err.contains("not a SQLite database"), "{err}");
    let server = Server::start(&data, free_port(), &[]).await;
    let names: Vec<String> = {
        let db = rusqlite::Connection::open(data.join("leadbox.db")).unwrap();
        let mut st = db
            .prepare("SELECT name FROM inquiries ORDER BY name")
            .unwrap();
        st.query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    };
    assert_eq!(names, vec!["Before the copy".to_string()]);
    let (s, _) = http(server.port, "GET", "/readyz", &[], "").await.unwrap();
    assert_eq!(s, 200);
}
