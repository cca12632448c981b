//! The inquiry management API: lifecycle, filters and paging, permissions per role, tenant
//! isolation, soft delete and restore, the timeline.

mod common;

use common::{assert_error, inquiry, TestApp, OWNER_EMAIL};
use rocket::http::{Method, Status};
use serde_json::{json, Value};

async fn owner_id(app: &TestApp) -> String {
    app.user_id(OWNER_EMAIL)
}

async fn act(app: &TestApp, token: &str, id: &str, action: &str, body: Value) -> (Status, Value) {
    app.post_json(
        &format!("/api/v1/inquiries/{id}/{action}"),
        Some(token),
        body,
    )
    .await
}

#[rocket::async_test]
async fn an_inquiry_walks_from_new_to_converted_and_refuses_every_wrong_step() {
    let app = TestApp::spawn().await;
    let token = app.owner_token().await;
    let me = owner_id(&app).await;
    let id = app.new_inquiry("Walker").await;
    let expect_409 = |r: (Status, Value)| {
        assert_eq!(r.0, Status::Conflict, "{}", r.1);
        assert_error(&r.1, "INVALID_TRANSITION", None);
    };
    expect_409(act(&app, &token, &id, "reply", json!({ "body": "hi" })).await);
    expect_409(act(&app, &token, &id, "convert", json!({})).await);
    let (s, b) = act(&app, &token, &id, "assign", json!({ "assigneeId": me })).await;
    assert_eq!(s, Status::Ok, "{b}");
    assert_eq!(
        (b["data"]["status"].clone(), b["data"]["assigneeId"].clone()),
        (json!("ASSIGNED"), json!(me))
    );
    assert_eq!(
        b["data"]["statusLabel"],
        json!({ "en": "Assigned", "vi": "Đã phân công" })
    );
    expect_409(act(&app, &token, &id, "convert", json!({})).await);
    let (s, b) = act(
        &app,
        &token,
        &id,
        "reply",
        json!({ "body": "Thanks, here is our price list." }),
    )
    .await;
    assert_eq!(s, Status::Ok);
    assert_eq!(b["data"]["status"], json!("REPLIED"));
    assert!(b["data"]["repliedAt"].is_string());
    let (_, b) = act(&app, &token, &id, "assign", json!({ "assigneeId": me })).await;
    assert_eq!(
        b["data"]["status"],
        json!("REPLIED"),
        "reassigning keeps the status past NEW"
    );
    let (s, b) = act(&app, &token, &id, "convert", json!({})).await;
    assert_eq!(s, Status::Ok);
    assert_eq!(b["data"]["status"], json!("CONVERTED"));
    expect_409(
        act(
            &app,
            &token,
            &id,
            "lose",
            json!({ "reason": "changed mind" }),
        )
        .await,
    );
    expect_409(act(&app, &token, &id, "assign", json!({ "assigneeId": me })).await);
    expect_409(act(&app, &token, &id, "reply", json!({ "body": "x" })).await);
    let (s, b) = app
        .get(&format!("/api/v1/inquiries/{id}"), Some(&token))
        .await;
    assert_eq!(s, Status::Ok);
    let kinds: Vec<&str> = b["data"]["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        vec!["submitted", "assigned", "replied", "assigned", "converted"]
    );
    let reply = &b["data"]["timeline"][2];
    assert_eq!(reply["actor"]["id"], json!(me));
    assert_eq!(reply["actor"]["name"], json!("Owner"));
    assert_eq!(
        reply["data"]["body"],
        json!("Thanks, here is our price list.")
    );
    assert!(
        b["data"]["timeline"][0]["actor"].is_null(),
        "the public submit has no actor"
    );
}

#[rocket::async_test]
async fn losing_needs_a_reason_and_works_from_every_open_status() {
    let app = TestApp::spawn().await;
    let token = app.owner_token().await;
    let me = owner_id(&app).await;
    for steps in [vec![], vec!["assign"], vec!["assign", "reply"]] {
        let id = app.new_inquiry("Lost").await;
        for s in steps {
            let body = json!({ "assigneeId": me, "body": "b" });
            assert_eq!(act(&app, &token, &id, s, body).await.0, Status::Ok);
        }
        let (s, b) = act(&app, &token, &id, "lose", json!({})).await;
        assert_eq!(s, Status::BadRequest);
        assert_error(&b, "VALIDATION_ERROR", Some("reason"));
        let (s, b) = act(&app, &token, &id, "lose", json!({ "reason": "  " })).await;
        assert_eq!(s, Status::BadRequest, "{b}");
        assert_error(&b, "VALIDATION_ERROR", None);
        let (s, b) = act(
            &app,
            &token,
            &id,
            "lose",
            json!({ "reason": "Went with a competitor" }),
        )
        .await;
        assert_eq!(s, Status::Ok);
        assert_eq!(
            (b["data"]["status"].clone(), b["data"]["lostReason"].clone()),
            (json!("LOST"), json!("Went with a competitor"))
        );
    }
}

#[rocket::async_test]
async fn bad_lifecycle_bodies_are_named() {
    let app = TestApp::spawn().await;
    let token = app.owner_token().await;
    let id = app.new_inquiry("X").await;
    let (s, b) = act(&app, &token, &id, "assign", json!({})).await;
    assert_eq!(s, Status::BadRequest);
    assert_error(&b, "VALIDATION_ERROR", Some("assigneeId"));
    let (s, b) = act(
        &app,
        &token,
        &id,
        "assign",
        json!({ "assigneeId": "00000000-0000-0000-0000-000000000000" }),
    )
    .await;
    assert_eq!(s, Status::BadRequest);
    assert_error(&b, "VALIDATION_ERROR", Some("assigneeId"));
    let (s, b) = act(&app, &token, &id, "assign", json!({ "assigneeId": 5 })).await;
    assert_eq!(s, Status::BadRequest);
    assert_error(&b, "VALIDATION_ERROR", Some("assigneeId"));
    let me = owner_id(&app).await;
    act(&app, &token, &id, "assign", json!({ "assigneeId": me })).await;
    let (s, b) = act(
        &app,
        &token,
        &id,
        "reply",
        json!({ "body": "x".repeat(10_001) }),
    )
    .await;
    assert_eq!(s, Status::BadRequest);
    assert_error(&b, "VALIDATION_ERROR", Some("body"));
    let (s, b) = act(&app, &token, "inq_nope", "convert", json!({})).await;
    assert_eq!(s, Status::NotFound);
    assert_error(&b, "NOT_FOUND", None);
}

#[rocket::async_test]
async fn staff_can_enter_and_edit_inquiries() {
    let app = TestApp::spawn().await;
    let token = app.owner_token().await;
    let (s, b) = app
        .post_json(
            "/api/v1/inquiries",
            Some(&token),
            json!({ "name": "Phoned in", "email": "p@example.com", "message": "Call notes" }),
        )
        .await;
    assert_eq!(s, Status::Created, "{b}");
    assert_eq!(b["data"]["source"], json!("staff"));
    let id = b["data"]["id"].as_str().unwrap();
    let (s, b) = app
        .patch_json(
            &format!("/api/v1/inquiries/{id}"),
            Some(&token),
            json!({ "businessName": "Acme", "phone": "+1 555 0100" }),
        )
        .await;
    assert_eq!(s, Status::Ok, "{b}");
    assert_eq!(
        (b["data"]["businessName"].clone(), b["data"]["name"].clone()),
        (json!("Acme"), json!("Phoned in"))
    );
    let (s, b) = app
        .patch_json(
            &format!("/api/v1/inquiries/{id}"),
            Some(&token),
            json!({ "name": "" }),
        )
        .await;
    assert_eq!(s, Status::BadRequest);
    assert_error(&b, "VALIDATION_ERROR", Some("name"));
    let (s, b) = app
        .patch_json(
            &format!("/api/v1/inquiries/{id}"),
            Some(&token),
            json!({ "email": "nope" }),
        )
        .await;
    assert_eq!(s, Status::BadRequest);
    assert_error(&b, "VALIDATION_ERROR", Some("email"));
    let (s, b) = app
        .post_json("/api/v1/inquiries", Some(&token), json!({ "name": "N" }))
        .await;
    assert_eq!(s, Status::BadRequest);
    assert_error(&b, "VALIDATION_ERROR", Some("email"));
    assert_error(&b, "VALIDATION_ERROR", Some("message"));
}

#[rocket::async_test]
async fn soft_deleted_inquiries_are_hidden_kept_and_restorable() {
    let app = TestApp::spawn().await;
    let token = app.owner_token().await;
    let id = app.new_inquiry("Gone").await;
    let (s, b) = app
        .send(
            Method::Delete,
            &format!("/api/v1/inquiries/{id}"),
            Some(&token),
            &[],
            None,
        )
        .await;
    assert_eq!(s, Status::Ok);
    assert_eq!(b["data"], json!({ "id": id, "deleted": true }));
    let (_, list) = app.get("/api/v1/inquiries", Some(&token)).await;
    assert_eq!(list["data"]["pagination"]["totalItems"], json!(0));
    let (_, n) = app.get("/api/v1/inquiries/count", Some(&token)).await;
    assert_eq!(n["data"]["count"], json!(0));
    let (_, bin) = app
        .get("/api/v1/inquiries?deleted=true", Some(&token))
        .await;
    assert_eq!(bin["data"]["items"][0]["id"], json!(id));
    let (s, b) = act(
        &app,
        &token,
        &id,
        "assign",
        json!({ "assigneeId": owner_id(&app).await }),
    )
    .await;
    assert_eq!(s, Status::NotFound, "a deleted inquiry cannot be worked");
    assert_error(&b, "NOT_FOUND", None);
    let (s, b) = app
        .send(
            Method::Delete,
            &format!("/api/v1/inquiries/{id}"),
            Some(&token),
            &[],
            None,
        )
        .await;
    assert_eq!(s, Status::NotFound);
    assert_error(&b, "NOT_FOUND", None);
    let (s, b) = act(&app, &token, &id, "restore", json!({})).await;
    assert_eq!(s, Status::Ok);
    assert_eq!(b["data"]["deleted"], json!(false));
    let (s, b) = act(&app, &token, &id, "restore", json!({})).await;
    assert_eq!(s, Status::Conflict);
    assert_error(&b, "INVALID_TRANSITION", None);
    let rows: i64 = app
        .db()
        .query_row("SELECT COUNT(*) FROM inquiries", [], |r| r.get(0))
        .unwrap();
    assert_eq!(rows, 1, "never hard-deleted");
}

#[rocket::async_test]
async fn lists_filter_search_sort_and_page() {
    let app = TestApp::spawn().await;
    let token = app.owner_token().await;
    let me = owner_id(&app).await;
    let mut ids = vec![];
    for (i, kind) in ["sales", "support", "sales", "partnership", "sales"]
        .iter()
        .enumerate()
    {
        let (_, b) = app.submit(json!({ "type": kind, "name": format!("Lead {i}"), "email": format!("l{i}@example.com"), "message": if i == 3 { "needle in 100% haystack" } else { "hay" } })).await;
        ids.push(b["data"]["id"].as_str().unwrap().to_string());
    }
    act(&app, &token, &ids[0], "assign", json!({ "assigneeId": me })).await;
    let get = |q: &str| {
        let (app, token) = (&app, token.clone());
        let q = q.to_string();
        async move {
            app.get(&format!("/api/v1/inquiries?{q}"), Some(&token))
                .await
        }
    };
    let total = |b: &Value| b["data"]["pagination"]["totalItems"].as_i64().unwrap();
    assert_eq!(total(&get("").await.1), 5);
    assert_eq!(total(&get("status=NEW").await.1), 4);
    assert_eq!(total(&get("status=assigned").await.1), 1);
    assert_eq!(total(&get("type=sales").await.1), 3);
    assert_eq!(total(&get(&format!("assigneeId={me}")).await.1), 1);
    assert_eq!(total(&get("assigneeId=none").await.1), 4);
    assert_eq!(total(&get("q=NEEDLE").await.1), 1);
    assert_eq!(
        total(&get("q=100%25").await.1),
        1,
        "% is literal in a search"
    );
    assert_eq!(total(&get("q=l2%40example").await.1), 1);
    assert_eq!(total(&get("from=2000-01-01&to=2999-12-31").await.1), 5);
    assert_eq!(total(&get("to=2000-01-01").await.1), 0);
    let (_, b) = get("limit=2&page=2&sortOrder=asc").await;
    assert_eq!(
        b["data"]["pagination"],
        json!({ "currentPage": 2, "pageSize": 2, "totalItems": 5, "totalPages": 3 })
    );
    assert_eq!(b["data"]["items"][0]["id"], json!(ids[2]));
    let (_, b) = get("sortBy=name&sortOrder=desc&limit=1").await;
    assert_eq!(b["data"]["items"][0]["name"], json!("Lead 4"));
    let (_, b) = get("page=9").await;
    assert_eq!(b["data"]["items"], json!([]));
    let (_, b) = app
        .get("/api/v1/inquiries/count?type=sales", Some(&token))
        .await;
    assert_eq!(b["data"], json!({ "count": 3 }));
    for (q, field) in [
        ("page=0", "page"),
        ("page=x", "page"),
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("sortBy=email", "sortBy"),
        ("sortOrder=up", "sortOrder"),
        ("status=DONE", "status"),
        ("type=spam", "type"),
        ("spam=maybe", "spam"),
        ("from=yesterday", "from"),
        ("to=2024-13-01", "to"),
    ] {
        let (s, b) = get(q).await;
        assert_eq!(s, Status::BadRequest, "{q}");
        assert_error(&b, "VALIDATION_ERROR", Some(field));
    }
}

#[rocket::async_test]
async fn each_role_gets_exactly_its_permissions() {
    let app = TestApp::spawn().await;
    let owner = app.owner_token().await;
    let me = owner_id(&app).await;
    // (role, list, create, update, assign, reply, resolve, delete)
    let matrix = [
        ("admin", [true, true, true, true, true, true, true]),
        ("sales", [true, true, true, true, true, true, false]),
        ("support", [true, false, true, false, true, false, false]),
        ("viewer", [true, false, false, false, false, false, false]),
    ];
    for (role, allowed) in matrix {
        let token = app
            .user_with_role(&format!("{role}-member@example.com"), role, "default")
            .await;
        let id = app.new_inquiry(role).await;
        // Bring it to a state where every call would be a valid transition for an allowed role.
        act(&app, &owner, &id, "assign", json!({ "assigneeId": me })).await;
        let calls: Vec<(Method, String, Value)> = vec![
            (Method::Get, "/api/v1/inquiries".into(), json!(null)),
            (Method::Post, "/api/v1/inquiries".into(), inquiry()),
            (
                Method::Patch,
                format!("/api/v1/inquiries/{id}"),
                json!({ "subject": "S" }),
            ),
            (
                Method::Post,
                format!("/api/v1/inquiries/{id}/assign"),
                json!({ "assigneeId": me }),
            ),
            (
                Method::Post,
                format!("/api/v1/inquiries/{id}/reply"),
                json!({ "body": "b" }),
            ),
            (
                Method::Post,
                format!("/api/v1/inquiries/{id}/convert"),
                json!({}),
            ),
            (
                Method::Delete,
                format!("/api/v1/inquiries/{id}"),
                json!(null),
            ),
        ];
        for ((method, uri, body), ok) in calls.into_iter().zip(allowed) {
            // A convert needs REPLIED first.
            if uri.ends_with("/convert") && ok {
                act(&app, &owner, &id, "reply", json!({ "body": "b" })).await;
            }
            let payload =
                (!body.is_null()).then(|| (rocket::http::ContentType::JSON, body.to_string()));
            let (s, b) = app.send(method, &uri, Some(&token), &[], payload).await;
            if ok {
                assert!(s.code < 300, "{role} {method} {uri}: {s} {b}");
            } else {
                assert_eq!(s, Status::Forbidden, "{role} {method} {uri}: {b}");
                assert_error(&b, "FORBIDDEN", None);
                assert!(b["error"]["details"]["permission"]
                    .as_str()
                    .unwrap()
                    .starts_with("InquiryPermissions."));
            }
        }
        let (s, _) = app
            .get(&format!("/api/v1/inquiries/{id}"), Some(&token))
            .await;
        assert_eq!(s, Status::Ok, "{role} reads one");
        let (s, _) = app.get("/api/v1/inquiries/count", Some(&token)).await;
        assert_eq!(s, Status::Ok, "{role} counts");
    }
    let (s, b) = app.get("/api/v1/inquiries", None).await;
    assert_eq!(s, Status::Unauthorized);
    assert_error(&b, "UNAUTHORIZED", None);
}

#[rocket::async_test]
async fn another_workspaces_inquiries_are_invisible() {
    let app = TestApp::spawn().await;
    let owner = app.owner_token().await;
    let id = app.new_inquiry("Private").await;
    app.post_json(
        "/api/v1/workspaces",
        Some(&owner),
        json!({ "name": "Other", "slug": "other" }),
    )
    .await;
    let other = app
        .user_with_role("rival@example.com", "owner", "other")
        .await;
    let (_, list) = app.get("/api/v1/inquiries", Some(&other)).await;
    assert_eq!(list["data"]["pagination"]["totalItems"], json!(0));
    let (s, b) = app
        .get(&format!("/api/v1/inquiries/{id}"), Some(&other))
        .await;
    assert_eq!(s, Status::NotFound);
    assert_error(&b, "NOT_FOUND", None);
    let (s, b) = act(&app, &other, &id, "lose", json!({ "reason": "sabotage" })).await;
    assert_eq!(s, Status::NotFound);
    assert_error(&b, "NOT_FOUND", None);
    let (s, b) = app
        .send(
            Method::Delete,
            &format!("/api/v1/inquiries/{id}"),
            Some(&other),
            &[],
            None,
        )
        .await;
    assert_eq!(s, Status::NotFound);
    assert_error(&b, "NOT_FOUND", None);
    // The owner of both sees it only in its own workspace.
    let (s, b) = app
        .send(
            Method::Get,
            &format!("/api/v1/inquiries/{id}"),
            Some(&owner),
            &[("x-merchant-id", "other")],
            None,
        )
        .await;
    assert_eq!(s, Status::NotFound);
    assert_error(&b, "NOT_FOUND", None);
    let (s, _) = app
        .send(
            Method::Get,
            &format!("/api/v1/inquiries/{id}"),
            Some(&owner),
            &[("x-merchant-id", "default")],
            None,
        )
        .await;
    assert_eq!(s, Status::Ok);
    let status: String = app
        .db()
        .query_row("SELECT status FROM inquiries WHERE id = ?1", [&id], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(status, "NEW");
}

#[rocket::async_test]
async fn spam_cannot_be_worked_until_released() {
    let app = TestApp::spawn().await;
    let token = app.owner_token().await;
    let mut body = inquiry();
    body["_gotcha"] = json!("bot");
    let (_, b) = app.submit(body).await;
    let id = b["data"]["id"].as_str().unwrap();
    let (s, b) = act(
        &app,
        &token,
        id,
        "assign",
        json!({ "assigneeId": owner_id(&app).await }),
    )
    .await;
    assert_eq!(s, Status::Conflict);
    assert_error(&b, "INVALID_TRANSITION", None);
}

/// `submitted` events in the log for one inquiry.
fn announcements(app: &TestApp, id: &str) -> i64 {
    app.db()
        .query_row(
            "SELECT COUNT(*) FROM events WHERE subject_id = ?1 AND topic LIKE '%/inquiry/submitted'",
            [id],
            |r| r.get(0),
        )
        .unwrap()
}

#[rocket::async_test]
async fn a_lead_taken_back_from_spam_returns_as_it_was_and_a_held_one_is_announced_once() {
    let app = TestApp::spawn().await;
    let token = app.owner_token().await;
    let me = owner_id(&app).await;
    // A lead in the inbox, worked, then marked spam by mistake and taken back.
    let worked = app.new_inquiry("Worked").await;
    let (s, b) = act(&app, &token, &worked, "assign", json!({ "assigneeId": me })).await;
    assert_eq!(s, Status::Ok, "{b}");
    let (s, b) = act(
        &app,
        &token,
        &worked,
        "reply",
        json!({ "body": "Prices attached." }),
    )
    .await;
    assert_eq!(s, Status::Ok, "{b}");
    assert_eq!(b["data"]["status"], "REPLIED");
    assert_eq!(announcements(&app, &worked), 1);
    let (s, b) = app.judge(&token, &worked, "spam").await;
    assert_eq!(s, Status::Ok, "{b}");
    let (s, b) = app.judge(&token, &worked, "not-spam").await;
    assert_eq!(s, Status::Ok, "{b}");
    assert_eq!(
        (
            b["data"]["status"].clone(),
            b["data"]["assigneeId"].clone(),
            b["data"]["spam"].clone()
        ),
        (json!("REPLIED"), json!(me), json!(false)),
        "it goes back where it was"
    );
    assert_eq!(
        announcements(&app, &worked),
        1,
        "and is not announced as new again"
    );

    // A lead held as spam since its capture is new, and announced, when released.
    let mut body = inquiry();
    body["_gotcha"] = json!("bot");
    let (_, b) = app.submit(body).await;
    let held = b["data"]["id"].as_str().unwrap().to_string();
    assert_eq!(announcements(&app, &held), 0);
    let (s, b) = app.judge(&token, &held, "not-spam").await;
    assert_eq!(s, Status::Ok, "{b}");
    assert_eq!(b["data"]["status"], "NEW");
    assert_eq!(announcements(&app, &held), 1);
    // Spam again and back again: still one announcement.
    for verdict in ["spam", "not-spam"] {
        let (s, b) = app.judge(&token, &held, verdict).await;
        assert_eq!(s, Status::Ok, "{b}");
    }
    assert_eq!(announcements(&app, &held), 1);
    let (_, b) = app
        .get(&format!("/api/v1/inquiries/{held}"), Some(&token))
        .await;
    assert_eq!(b["data"]["status"], "NEW");
}
