//! Workspaces: list, create, settings, `x-merchant-id`, tenant isolation and the role matrix.

mod common;

use common::{assert_error, TestApp};
use rocket::http::{Method, Status};
use serde_json::{json, Value};

#[rocket::async_test]
async fn first_start_creates_the_default_workspace_with_a_public_key() {
    let app = TestApp::spawn().await;
    let token = app.owner_token().await;
    let (_, body) = app.get("/api/v1/workspaces", Some(&token)).await;
    let ws = &body["data"]["items"][0];
    assert_eq!(ws["slug"], json!("default"));
    assert!(ws["publicKey"].as_str().unwrap().starts_with("pk_"));
    assert_eq!(
        ws["rateLimits"],
        json!({
            "publicPerIpPerMinute": 20, "publicPerWorkspacePerMinute": 600,
            "contactPerUserPerMinute": 5, "contactPerIpPerMinute": 30
        })
    );
    assert_eq!(ws["gstRate"], json!(18));
    assert!(ws.get("userTokenSecret").is_none());
}

#[rocket::async_test]
async fn creating_a_workspace_makes_the_caller_its_owner() {
    let app = TestApp::spawn().await;
    let token = app.owner_token().await;
    let (s, b) = app
        .post_json(
            "/api/v1/workspaces",
            Some(&token),
            json!({ "name": "Acme", "slug": "acme" }),
        )
        .await;
    assert_eq!(s, Status::Created, "{b}");
    assert_eq!(b["data"]["role"], json!("owner"));
    let (_, list) = app.get("/api/v1/workspaces", Some(&token)).await;
    assert_eq!(list["data"]["items"].as_array().unwrap().len(), 2);
    let (s, b) = app
        .post_json(
            "/api/v1/workspaces",
            Some(&token),
            json!({ "name": "Acme 2", "slug": "acme" }),
        )
        .await;
    assert_eq!(s, Status::Conflict);
    assert_error(&b, "SLUG_TAKEN", Some("slug"));
}

#[rocket::async_test]
async fn a_bad_new_workspace_names_each_field() {
    let app = TestApp::spawn().await;
    let token = app.owner_token().await;
    let (s, b) = app
        .post_json("/api/v1/workspaces", Some(&token), json!({}))
        .await;
    assert_eq!(s, Status::BadRequest);
    assert_error(&b, "VALIDATION_ERROR", Some("name"));
    assert_error(&b, "VALIDATION_ERROR", Some("slug"));
    for slug in [
        "A",
        "with space",
        "-lead",
        "x".repeat(64).as_str(),
        "ünïcode",
    ] {
        let (s, b) = app
            .post_json(
                "/api/v1/workspaces",
                Some(&token),
                json!({ "name": "N", "slug": slug }),
            )
            .await;
        assert_eq!(s, Status::BadRequest, "{slug}");
        assert_error(&b, "VALIDATION_ERROR", Some("slug"));
    }
    let (s, b) = app
        .post_json(
            "/api/v1/workspaces",
            Some(&token),
            json!({ "name": "x".repeat(101), "slug": "ok-slug" }),
        )
        .await;
    assert_eq!(s, Status::BadRequest);
    assert_error(&b, "VALIDATION_ERROR", Some("name"));
}

fn full_settings() -> Value {
    json!({
        "name": "Acme Sales",
        "allowedOrigins": ["https://www.acme.test", "http://localhost:3000/"],
        "salesEmail": "sales@acme.test",
        "schedulerUrl": "https://cal.acme.test/sales",
        "crispWebsiteId": "abc-123",
        "thankYouUrl": "https://www.acme.test/thanks",
        "defaultLocale": "vi",
        "userTokenSecret": "s".repeat(40),
        "gstRate": 18.5,
        "plans": [{ "code": "INDUSTRY_GROWTH", "userType": "industry", "name": "Growth", "monthlyMin": 12000, "monthlyMax": 20000.5 }],
        "addOns": [{ "code": "AI_PACK", "name": "AI pack", "monthlyAmount": 999, "oneTimeAmount": 499.99 }],
        "rateLimits": { "publicPerIpPerMinute": 0, "contactPerIpPerMinute": 12 }
    })
}

#[rocket::async_test]
async fn every_setting_can_be_changed_and_the_secret_is_never_returned() {
    let app = TestApp::spawn().await;
    let token = app.owner_token().await;
    let id = app.workspace_id("default");
    let (s, b) = app
        .patch_json(
            &format!("/api/v1/workspaces/{id}"),
            Some(&token),
            full_settings(),
        )
        .await;
    assert_eq!(s, Status::Ok, "{b}");
    let d = &b["data"];
    assert_eq!(d["name"], json!("Acme Sales"));
    assert_eq!(
        d["allowedOrigins"],
        json!(["https://www.acme.test", "http://localhost:3000"])
    );
    assert_eq!(d["defaultLocale"], json!("vi"));
    assert_eq!(d["gstRate"], json!(18.5));
    assert_eq!(d["plans"][0]["monthlyMax"], json!(20000.5));
    assert_eq!(d["addOns"][0]["oneTimeAmount"], json!(499.99));
    assert_eq!(d["rateLimits"]["publicPerIpPerMinute"], json!(0));
    assert_eq!(
        d["rateLimits"]["publicPerWorkspacePerMinute"],
        json!(600),
        "unset limits keep their value"
    );
    assert_eq!(d["rateLimits"]["contactPerIpPerMinute"], json!(12));
    assert_eq!(d["userTokenSecretSet"], json!(true));
    assert!(
        !b.to_string().contains(&"s".repeat(40)),
        "the secret must not come back"
    );
    let (_, list) = app.get("/api/v1/workspaces", Some(&token)).await;
    assert!(!list.to_string().contains(&"s".repeat(40)));
    // Money is stored in minor units.
    let stored: String = app
        .db()
        .query_row("SELECT plans FROM workspaces WHERE id = ?1", [&id], |r| {
            r.get(0)
        })
        .unwrap();
    assert!(stored.contains("2000050"), "{stored}");
    // Slug works in the path too, and null clears a nullable setting.
    let (s, b) = app
        .patch_json(
            "/api/v1/workspaces/default",
            Some(&token),
            json!({ "salesEmail": null, "userTokenSecret": null }),
        )
        .await;
    assert_eq!(s, Status::Ok);
    assert_eq!(b["data"]["salesEmail"], json!(null));
    assert_eq!(b["data"]["userTokenSecretSet"], json!(false));
}

#[rocket::async_test]
async fn each_bad_setting_is_named_and_nothing_is_changed() {
    let app = TestApp::spawn().await;
    let token = app.owner_token().await;
    let cases: Vec<(Value, &str)> = vec![
        (json!({ "name": "" }), "name"),
        (json!({ "name": 5 }), "name"),
        (
            json!({ "allowedOrigins": "https://a.test" }),
            "allowedOrigins",
        ),
        (
            json!({ "allowedOrigins": ["https://a.test/path"] }),
            "allowedOrigins[0]",
        ),
        (
            json!({ "allowedOrigins": ["ftp://a.test"] }),
            "allowedOrigins[0]",
        ),
        (json!({ "salesEmail": "nope" }), "salesEmail"),
        (
            json!({ "schedulerUrl": "javascript:alert(1)" }),
            "schedulerUrl",
        ),
        (json!({ "thankYouUrl": "/relative" }), "thankYouUrl"),
        (json!({ "crispWebsiteId": "<script>" }), "crispWebsiteId"),
        (json!({ "defaultLocale": "fr" }), "defaultLocale"),
        (json!({ "userTokenSecret": "short" }), "userTokenSecret"),
        (json!({ "userTokenSecret": 12 }), "userTokenSecret"),
        (json!({ "gstRate": 101 }), "gstRate"),
        (json!({ "gstRate": -1 }), "gstRate"),
        (json!({ "gstRate": "18" }), "gstRate"),
        (json!({ "gstRate": 18.123 }), "gstRate"),
        (json!({ "plans": {} }), "plans"),
        (json!({ "plans": [1] }), "plans[0]"),
        (
            json!({ "plans": [{ "userType": "industry", "name": "G", "monthlyMin": 1, "monthlyMax": 2 }] }),
            "plans[0].code",
        ),
        (
            json!({ "plans": [{ "code": "A", "userType": "alien", "name": "G", "monthlyMin": 1, "monthlyMax": 2 }] }),
            "plans[0].userType",
        ),
        (
            json!({ "plans": [{ "code": "A", "userType": "industry", "name": "G", "monthlyMin": 3, "monthlyMax": 2 }] }),
            "plans[0].monthlyMax",
        ),
        (
            json!({ "plans": [{ "code": "A", "userType": "industry", "name": "G", "monthlyMin": -3, "monthlyMax": 2 }] }),
            "plans[0].monthlyMin",
        ),
        (
            json!({ "plans": [{ "code": "A", "userType": "industry", "name": "G", "monthlyMin": 1.001, "monthlyMax": 2 }] }),
            "plans[0].monthlyMin",
        ),
        (
            json!({ "plans": [
            { "code": "A", "userType": "industry", "name": "G", "monthlyMin": 1, "monthlyMax": 2 },
            { "code": "A", "userType": "industry", "name": "H", "monthlyMin": 1, "monthlyMax": 2 }] }),
            "plans[1].code",
        ),
        (
            json!({ "addOns": [{ "code": "X", "name": "", "monthlyAmount": 1, "oneTimeAmount": 0 }] }),
            "addOns[0].name",
        ),
        (
            json!({ "addOns": [{ "code": "X", "name": "N", "monthlyAmount": "1", "oneTimeAmount": 0 }] }),
            "addOns[0].monthlyAmount",
        ),
        (json!({ "rateLimits": [] }), "rateLimits"),
        (
            json!({ "rateLimits": { "publicPerIpPerMinute": -1 } }),
            "rateLimits.publicPerIpPerMinute",
        ),
        (
            json!({ "rateLimits": { "contactPerUserPerMinute": 1.5 } }),
            "rateLimits.contactPerUserPerMinute",
        ),
    ];
    for (body, field) in cases {
        let mut with_good = body.clone();
        with_good["name"] = body.get("name").cloned().unwrap_or(json!("Changed"));
        let (s, b) = app
            .patch_json("/api/v1/workspaces/default", Some(&token), with_good)
            .await;
        assert_eq!(s, Status::BadRequest, "{body}: {b}");
        assert_error(&b, "VALIDATION_ERROR", Some(field));
    }
    let (_, list) = app.get("/api/v1/workspaces", Some(&token)).await;
    assert_eq!(
        list["data"]["items"][0]["name"],
        json!("Default"),
        "a refused patch changes nothing"
    );
    let (s, b) = app
        .patch_json("/api/v1/workspaces/default", Some(&token), json!([1]))
        .await;
    assert_eq!(s, Status::BadRequest);
    assert_error(&b, "VALIDATION_ERROR", Some("body"));
}

#[rocket::async_test]
async fn another_tenants_workspace_is_404_never_403() {
    let app = TestApp::spawn().await;
    let owner = app.owner_token().await;
    app.post_json(
        "/api/v1/workspaces",
        Some(&owner),
        json!({ "name": "Other", "slug": "other" }),
    )
    .await;
    let outsider = app
        .user_with_role("outsider@example.com", "owner", "other")
        .await;
    // The outsider owns "other" but is not a member of "default".
    let (s, b) = app
        .patch_json(
            "/api/v1/workspaces/default",
            Some(&outsider),
            json!({ "name": "Hijacked" }),
        )
        .await;
    assert_eq!(s, Status::NotFound);
    assert_error(&b, "NOT_FOUND", None);
    let (s, b) = app
        .patch_json(
            "/api/v1/workspaces/does-not-exist",
            Some(&outsider),
            json!({ "name": "X" }),
        )
        .await;
    assert_eq!(s, Status::NotFound);
    assert_error(&b, "NOT_FOUND", None);
    let (_, list) = app.get("/api/v1/workspaces", Some(&outsider)).await;
    let slugs: Vec<&str> = list["data"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["slug"].as_str().unwrap())
        .collect();
    assert_eq!(slugs, vec!["other"]);
    // Naming a foreign workspace in x-merchant-id is also a 404.
    let (s, b) = app
        .send(
            Method::Put,
            "/api/v1/users/7c0e4a52-8a0e-4b8e-9a55-3e2c2b7d9f01",
            Some(&outsider),
            &[("x-merchant-id", "default")],
            Some((rocket::http::ContentType::JSON, "{}".into())),
        )
        .await;
    assert_eq!(s, Status::NotFound);
    assert_error(&b, "NOT_FOUND", None);
}

#[rocket::async_test]
async fn only_owners_and_admins_change_settings() {
    let app = TestApp::spawn().await;
    for (role, expected) in [
        ("owner", Status::Ok),
        ("admin", Status::Ok),
        ("sales", Status::Forbidden),
        ("support", Status::Forbidden),
        ("viewer", Status::Forbidden),
    ] {
        let token = app
            .user_with_role(&format!("{role}-member@example.com"), role, "default")
            .await;
        let (s, b) = app
            .patch_json(
                "/api/v1/workspaces/default",
                Some(&token),
                json!({ "name": format!("By {role}") }),
            )
            .await;
        assert_eq!(s, expected, "{role}: {b}");
        if expected == Status::Forbidden {
            assert_error(&b, "FORBIDDEN", None);
            // A forbidden caller learns nothing from validation either.
            let (s, b) = app
                .patch_json(
                    "/api/v1/workspaces/default",
                    Some(&token),
                    json!({ "name": "" }),
                )
                .await;
            assert_eq!(s, Status::Forbidden);
            assert_error(&b, "FORBIDDEN", None);
        }
        let (s, _) = app.get("/api/v1/workspaces", Some(&token)).await;
        assert_eq!(s, Status::Ok, "{role} can list");
    }
}

#[rocket::async_test]
async fn only_owners_and_admins_of_some_workspace_create_workspaces() {
    let app = TestApp::spawn().await;
    for (role, expected) in [
        ("admin", Status::Created),
        ("sales", Status::Forbidden),
        ("viewer", Status::Forbidden),
    ] {
        let token = app
            .user_with_role(&format!("{role}-member@example.com"), role, "default")
            .await;
        let (s, b) = app
            .post_json(
                "/api/v1/workspaces",
                Some(&token),
                json!({ "name": "N", "slug": format!("ws-{role}") }),
            )
            .await;
        assert_eq!(s, expected, "{role}: {b}");
    }
}

#[rocket::async_test]
async fn the_merchant_header_is_required_once_several_workspaces_exist() {
    let app = TestApp::spawn().await;
    let token = app.owner_token().await;
    let uri = "/api/v1/users/7c0e4a52-8a0e-4b8e-9a55-3e2c2b7d9f01";
    let body = json!({ "email": "u@example.com", "signupType": "industry" }).to_string();
    let put = |headers: Vec<(&'static str, String)>| {
        let app = &app;
        let token = token.clone();
        let body = body.clone();
        async move {
            let h: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
            app.send(
                Method::Put,
                uri,
                Some(&token),
                &h,
                Some((rocket::http::ContentType::JSON, body)),
            )
            .await
        }
    };
    let (s, _) = put(vec![]).await;
    assert_eq!(s, Status::Created, "one workspace: no header needed");
    app.post_json(
        "/api/v1/workspaces",
        Some(&token),
        json!({ "name": "Two", "slug": "two" }),
    )
    .await;
    let (s, b) = put(vec![]).await;
    assert_eq!(s, Status::BadRequest);
    assert_error(&b, "MERCHANT_REQUIRED", None);
    let (s, b) = put(vec![("x-merchant-id", "".into())]).await;
    assert_eq!(s, Status::BadRequest);
    assert_error(&b, "MERCHANT_REQUIRED", None);
    let (s, _) = put(vec![("x-merchant-id", "two".into())]).await;
    assert_eq!(
        s,
        Status::Created,
        "same end-user id, other workspace: a new record"
    );
    let (s, _) = put(vec![("x-merchant-id", app.workspace_id("default"))]).await;
    assert_eq!(s, Status::Ok, "by id; already provisioned there");
    let (s, b) = put(vec![("x-merchant-id", "nope".into())]).await;
    assert_eq!(s, Status::NotFound);
    assert_error(&b, "NOT_FOUND", None);
}

#[rocket::async_test]
async fn settings_changes_are_recorded_as_events_without_secrets() {
    let app = TestApp::spawn().await;
    let token = app.owner_token().await;
    app.patch_json("/api/v1/workspaces/default", Some(&token), full_settings())
        .await;
    let data: String = app
        .db()
        .query_row(
            "SELECT data FROM events WHERE topic = 'workspace/settings/updated'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(
        data.contains("userTokenSecret") && !data.contains(&"s".repeat(40)),
        "{data}"
    );
}

#[rocket::async_test]
async fn slugs_never_look_like_ids_and_an_id_always_means_that_workspace() {
    let app = TestApp::spawn().await;
    let token = app.owner_token().await;
    let (s, acme) = app
        .post_json(
            "/api/v1/workspaces",
            Some(&token),
            json!({ "name": "Acme", "slug": "acme" }),
        )
        .await;
    assert_eq!(s, Status::Created, "{acme}");
    let acme_id = acme["data"]["id"].as_str().unwrap().to_string();
    for slug in [
        acme_id.clone(),
        acme_id.to_uppercase(),
        "00000000-0000-0000-0000-000000000000".to_string(),
    ] {
        let (s, b) = app
            .post_json(
                "/api/v1/workspaces",
                Some(&token),
                json!({ "name": "Shadow", "slug": slug }),
            )
            .await;
        assert_eq!(s, Status::BadRequest, "{slug}: {b}");
        assert_error(&b, "VALIDATION_ERROR", Some("slug"));
    }
    // A row written before the rule (or by hand) whose slug is Acme's id, sorted first.
    app.db()
        .execute(
            "INSERT INTO workspaces (id, slug, name, public_key, created_at, updated_at)
             VALUES ('00000000-0000-4000-8000-000000000000', ?1, 'Rogue', 'pk_rogue',
                     '2020-01-01T00:00:00Z', '2020-01-01T00:00:00Z')",
            [&acme_id],
        )
        .unwrap();
    for _ in 0..3 {
        let (s, b) = app
            .send(
                Method::Get,
                "/api/v1/inquiries",
                Some(&token),
                &[("x-merchant-id", acme_id.as_str())],
                None,
            )
            .await;
        assert_eq!(s, Status::Ok, "the id is Acme's, whatever slug says: {b}");
    }
    let (s, b) = app
        .patch_json(
            &format!("/api/v1/workspaces/{acme_id}"),
            Some(&token),
            json!({ "name": "Acme Ltd" }),
        )
        .await;
    assert_eq!(s, Status::Ok, "{b}");
    let rogue: String = app
        .db()
        .query_row(
            "SELECT name FROM workspaces WHERE slug = ?1",
            [&acme_id],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(
        rogue, "Rogue",
        "the patch went to Acme, not the row whose slug is its id"
    );
}
