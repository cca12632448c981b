//! `PUT /api/v1/users/{id}`: provisioning end users server to server.

mod common;

use common::{assert_error, TestApp};
use rocket::http::Status;
use serde_json::json;

const ID: &str = "550e8400-e29b-41d4-a716-446655440000";

#[rocket::async_test]
async fn provisioning_creates_then_refreshes_an_end_user() {
    let app = TestApp::spawn().await;
    let token = app.owner_token().await;
    let uri = format!("/api/v1/users/{ID}");
    let body = json!({ "email": "buyer@acme.test", "name": "Bea", "company": "Acme", "signupType": "vendor", "vendorCategory": "logistics" });
    let (s, b) = app.put_json(&uri, Some(&token), body.clone()).await;
    assert_eq!(s, Status::Created, "{b}");
    assert_eq!(b["data"]["vendorCategory"], json!("logistics"));
    let (s, b) = app
        .put_json(
            &uri,
            Some(&token),
            json!({ "email": "new@acme.test", "signupType": "industry" }),
        )
        .await;
    assert_eq!(s, Status::Ok);
    assert_eq!(b["data"]["email"], json!("new@acme.test"));
    let n: i64 = app
        .db()
        .query_row("SELECT COUNT(*) FROM end_users", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 1);
}

#[rocket::async_test]
async fn bad_end_user_fields_are_named() {
    let app = TestApp::spawn().await;
    let token = app.owner_token().await;
    let cases = [
        ("not-a-uuid", json!({}), "id"),
        (ID, json!({ "email": "x" }), "email"),
        (ID, json!({ "signupType": "alien" }), "signupType"),
        (ID, json!({ "signupType": "vendor" }), "vendorCategory"),
        (
            ID,
            json!({ "signupType": "industry", "vendorCategory": "service" }),
            "vendorCategory",
        ),
        (
            ID,
            json!({ "signupType": "vendor", "vendorCategory": "food" }),
            "vendorCategory",
        ),
        (ID, json!({ "name": "n".repeat(201) }), "name"),
        (ID, json!({ "company": 7 }), "company"),
    ];
    for (id, body, field) in cases {
        let (s, b) = app
            .put_json(&format!("/api/v1/users/{id}"), Some(&token), body.clone())
            .await;
        assert_eq!(s, Status::BadRequest, "{body}");
        assert_error(&b, "VALIDATION_ERROR", Some(field));
    }
    let n: i64 = app
        .db()
        .query_row("SELECT COUNT(*) FROM end_users", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 0, "nothing stored from a bad request");
}

#[rocket::async_test]
async fn only_owners_and_admins_provision_end_users() {
    let app = TestApp::spawn().await;
    for (role, expected) in [
        ("admin", Status::Created),
        ("sales", Status::Forbidden),
        ("support", Status::Forbidden),
        ("viewer", Status::Forbidden),
    ] {
        let token = app
            .user_with_role(&format!("{role}-member@example.com"), role, "default")
            .await;
        let id = uuid::Uuid::new_v4();
        let (s, b) = app
            .put_json(
                &format!("/api/v1/users/{id}"),
                Some(&token),
                json!({ "signupType": "industry" }),
            )
            .await;
        assert_eq!(s, expected, "{role}: {b}");
        if s == Status::Forbidden {
            assert_error(&b, "FORBIDDEN", None);
            assert_eq!(
                b["error"]["details"]["permission"],
                json!("EndUserPermissions.Provision")
            );
        }
    }
    let (s, _) = app
        .put_json(&format!("/api/v1/users/{ID}"), None, json!({}))
        .await;
    assert_eq!(s, Status::Unauthorized);
}
