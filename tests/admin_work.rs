//! Working leads through the pages: internal notes on every kind (on the timeline, never an
//! event, so never sent anywhere), bulk assign / lose / delete across kinds, and page sizes.

mod common;

use common::{TestApp, OWNER_EMAIL, OWNER_PASSWORD};
use rocket::http::Status;

fn events(app: &TestApp) -> i64 {
    app.db()
        .query_row("SELECT COUNT(*) FROM events", [], |r| r.get(0))
        .unwrap()
}

#[rocket::async_test]
async fn a_note_lands_on_the_timeline_and_nowhere_else() {
    let app = TestApp::spawn().await;
    let id = app.new_inquiry("Nora Note").await;
    let csrf = app.sign_in(OWNER_EMAIL, OWNER_PASSWORD).await;
    let detail = format!("/admin/inquiries/{id}");
    let (_, html) = app.page(&detail).await;
    assert!(html.contains("id=\"note-form\""));
    let before = events(&app);
    let (s, loc, _) = app
        .post_form(
            &format!("{detail}/notes"),
            &[("body", "Called, wants a demo on Friday"), ("_csrf", &csrf)],
        )
        .await;
    assert_eq!(s, Status::SeeOther);
    assert_eq!(loc.as_deref(), Some(format!("{detail}#timeline").as_str()));
    assert_eq!(
        events(&app),
        before,
        "a note is not an event: nothing fans it out"
    );
    let (_, html) = app.page(&detail).await;
    assert!(html.contains("class=\"note\"") && html.contains("Called, wants a demo on Friday"));
    // Bad input: empty, too long, forged, unknown lead, another kind's path.
    app.post_form(
        &format!("{detail}/notes"),
        &[("body", "   "), ("_csrf", &csrf)],
    )
    .await;
    let (_, html) = app.page(&detail).await;
    assert!(
        html.contains("flash-error"),
        "an empty note is refused with a message"
    );
    let long = "x".repeat(5001);
    app.post_form(
        &format!("{detail}/notes"),
        &[("body", &long), ("_csrf", &csrf)],
    )
    .await;
    let notes: i64 = app
        .db()
        .query_row("SELECT COUNT(*) FROM lead_notes", [], |r| r.get(0))
        .unwrap();
    assert_eq!(notes, 1);
    let (s, _, _) = app
        .post_form(
            &format!("{detail}/notes"),
            &[("body", "x"), ("_csrf", "forged")],
        )
        .await;
    assert_eq!(s, Status::Forbidden);
    let (s, _, _) = app
        .post_form(
            "/admin/inquiries/inq_nope/notes",
            &[("body", "x"), ("_csrf", &csrf)],
        )
        .await;
    assert_eq!(s, Status::NotFound);
    let (s, _, _) = app
        .post_form(
            &format!("/admin/contact-requests/{id}/notes"),
            &[("body", "x"), ("_csrf", &csrf)],
        )
        .await;
    assert_eq!(
        s,
        Status::NotFound,
        "a lead is found only under its own kind"
    );
}

#[rocket::async_test]
async fn a_viewer_cannot_write_notes() {
    let app = TestApp::spawn().await;
    let id = app.new_inquiry("Vic Viewer").await;
    app.user_with_role("viewer@example.com", "viewer", "default")
        .await;
    let csrf = app.sign_in("viewer@example.com", "member-password-1").await;
    let detail = format!("/admin/inquiries/{id}");
    let (_, html) = app.page(&detail).await;
    assert!(!html.contains("id=\"note-form\""));
    let (s, _, _) = app
        .post_form(
            &format!("{detail}/notes"),
            &[("body", "x"), ("_csrf", &csrf)],
        )
        .await;
    assert_eq!(s, Status::Forbidden);
}

#[rocket::async_test]
async fn bulk_actions_apply_to_what_fits_and_count_the_rest() {
    let app = TestApp::spawn().await;
    let a = app.new_inquiry("Ann Bulk").await;
    let b = app.new_inquiry("Ben Bulk").await;
    let c = app.new_inquiry("Cat Bulk").await;
    let csrf = app.sign_in(OWNER_EMAIL, OWNER_PASSWORD).await;
    let (_, html) = app.page("/admin/leads").await;
    assert!(html.contains("id=\"bulk-apply\"") && html.contains("name=\"ids\""));
    let bulk = |pairs: Vec<(&'static str, String)>| {
        let mut v: Vec<(&str, String)> = pairs;
        v.push(("_csrf", csrf.clone()));
        v.push(("back", "/admin/leads?limit=50".to_string()));
        v
    };
    let post = |pairs: Vec<(&'static str, String)>| {
        let app = &app;
        async move {
            let refs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
            app.post_form("/admin/leads/bulk", &refs).await
        }
    };
    // Nothing chosen, no action, lose without a reason: refused, nothing changes.
    let (s, loc, _) = post(bulk(vec![("action", "assign_me".into())])).await;
    assert_eq!(
        (s, loc.as_deref()),
        (Status::SeeOther, Some("/admin/leads?limit=50"))
    );
    post(bulk(vec![("ids", a.clone()), ("action", "dance".into())])).await;
    post(bulk(vec![("ids", a.clone()), ("action", "lose".into())])).await;
    let status = |id: &str| -> String {
        app.db()
            .query_row("SELECT status FROM inquiries WHERE id = ?1", [id], |r| {
                r.get(0)
            })
            .unwrap()
    };
    assert_eq!(status(&a), "NEW");
    // Assign two to me, plus an id of no kind: 2 updated, 1 skipped.
    post(bulk(vec![
        ("ids", a.clone()),
        ("ids", b.clone()),
        ("ids", "zzz_unknown".into()),
        ("action", "assign_me".into()),
    ]))
    .await;
    assert_eq!(
        (status(&a), status(&b)),
        ("ASSIGNED".into(), "ASSIGNED".into())
    );
    let (_, html) = app.page("/admin/leads?limit=50").await;
    assert!(
        html.contains("2 updated, 1 skipped."),
        "the flash counts both"
    );
    // Lose two with a reason; delete the third.
    post(bulk(vec![
        ("ids", a.clone()),
        ("ids", b.clone()),
        ("action", "lose".into()),
        ("reason", "Went with a competitor".into()),
    ]))
    .await;
    assert_eq!(status(&a), "LOST");
    post(bulk(vec![("ids", c.clone()), ("action", "delete".into())])).await;
    let deleted: Option<String> = app
        .db()
        .query_row(
            "SELECT deleted_at FROM inquiries WHERE id = ?1",
            [&c],
            |r| r.get(0),
        )
        .unwrap();
    assert!(deleted.is_some());
    // A return address off the admin falls back to the inbox.
    let (_, loc, _) = app
        .post_form(
            "/admin/leads/bulk",
            &[
                ("action", "delete"),
                ("back", "https://evil.example/"),
                ("_csrf", &csrf),
            ],
        )
        .await;
    assert_eq!(loc.as_deref(), Some("/admin/leads"));
    let (s, _, _) = app
        .post_form(
            "/admin/leads/bulk",
            &[("ids", &a), ("action", "delete"), ("_csrf", "forged")],
        )
        .await;
    assert_eq!(s, Status::Forbidden);
}

#[rocket::async_test]
async fn a_viewer_has_no_bulk_controls_and_bulk_changes_nothing_for_them() {
    let app = TestApp::spawn().await;
    let a = app.new_inquiry("Ann Viewer").await;
    app.user_with_role("viewer@example.com", "viewer", "default")
        .await;
    let csrf = app.sign_in("viewer@example.com", "member-password-1").await;
    let (_, html) = app.page("/admin/leads").await;
    assert!(!html.contains("id=\"bulk-apply\""));
    app.post_form(
        "/admin/leads/bulk",
        &[("ids", &a), ("action", "delete"), ("_csrf", &csrf)],
    )
    .await;
    let deleted: Option<String> = app
        .db()
        .query_row(
            "SELECT deleted_at FROM inquiries WHERE id = ?1",
            [&a],
            |r| r.get(0),
        )
        .unwrap();
    assert!(deleted.is_none());
}

#[rocket::async_test]
async fn the_inbox_pages_by_the_chosen_size() {
    let app = TestApp::spawn().await;
    let owner = app.owner_token().await;
    app.settings(
        &owner,
        serde_json::json!({ "rateLimits": { "publicPerIpPerMinute": 0, "publicPerWorkspacePerMinute": 0 } }),
    )
    .await;
    for i in 0..23 {
        app.new_inquiry(&format!("Page Person {i}")).await;
    }
    app.sign_in(OWNER_EMAIL, OWNER_PASSWORD).await;
    let rows = |html: &str| html.matches("name=\"ids\"").count();
    let (_, html) = app.page("/admin/leads").await;
    assert_eq!(rows(&html), 20);
    let (_, html) = app.page("/admin/leads?limit=50").await;
    assert_eq!(rows(&html), 23);
    assert!(html.contains("<option value=\"50\" selected>"));
    let (s, html) = app.page("/admin/leads?limit=5000").await;
    assert_eq!(s, Status::Ok);
    assert!(
        html.contains("flash-error"),
        "a bad size is named, not a 500"
    );
}
