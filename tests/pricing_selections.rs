//! Pricing selections: the seed's contract and codes (exact bodies), user-type matching, the
//! recomputed quote, paging and sorting, the status workflow, expiry at its boundaries with an
//! injected clock, concurrent duplicates, and who may do what.

mod common;

use common::{jwt, unix_now, TestApp, USER_SECRET};
use rocket::http::{ContentType, Header, Status};
use serde_json::{json, Value};

const U: &str = "550e8400-e29b-41d4-a716-446655440000";

fn catalogue() -> Value {
    json!({
        "userTokenSecret": USER_SECRET,
        "gstRate": 18,
        "plans": [
            { "code": "INDUSTRY_GROWTH", "userType": "industry", "name": "Growth", "monthlyMin": 12000, "monthlyMax": 20000 },
            { "code": "SERVICE_PRO", "userType": "service_vendor", "name": "Service", "monthlyMin": 100, "monthlyMax": 200 },
            { "code": "PRODUCT_PRO", "userType": "product_vendor", "name": "Product", "monthlyMin": 100, "monthlyMax": 200 },
            { "code": "LOGISTICS_PRO", "userType": "logistics", "name": "Logistics", "monthlyMin": 100, "monthlyMax": 200 },
            { "code": "PRO_SOLO", "userType": "professional", "name": "Solo", "monthlyMin": 100, "monthlyMax": 200 }
        ],
        "addOns": [
            { "code": "DILIGIENCE_HUB", "name": "Diligence hub", "monthlyAmount": 500, "oneTimeAmount": 499 },
            { "code": "AI_RECOMMENDATION_PACK", "name": "AI pack", "monthlyAmount": 499, "oneTimeAmount": 0 }
        ]
    })
}

/// The seed's example request for `user`.
fn seed_body(user: &str) -> Value {
    json!({
        "userId": user, "userType": "industry", "selectedPlanCode": "INDUSTRY_GROWTH",
        "selectedAddOnCodes": ["DILIGIENCE_HUB", "AI_RECOMMENDATION_PACK"],
        "pricing": { "planMonthlyMin": 12000, "planMonthlyMax": 20000, "addOnsMonthlyAmount": 999,
            "addOnsOneTimeAmount": 499, "gstRate": 18, "estimatedFirstMonthMin": 15928,
            "estimatedFirstMonthMax": 25368, "estimatedRecurringMin": 15339, "estimatedRecurringMax": 24779 },
        "source": "pricing_page", "capturedAt": "2024-01-15T10:30:00Z"
    })
}

struct Fixture {
    app: TestApp,
    owner: String,
}

async fn fixture() -> Fixture {
    let app = TestApp::spawn().await;
    clock(&app).freeze();
    let owner = app.owner_token().await;
    app.settings(&owner, catalogue()).await;
    provision(&app, &owner, U, "industry", None).await;
    Fixture { app, owner }
}

async fn provision(app: &TestApp, token: &str, id: &str, signup: &str, category: Option<&str>) {
    let mut body = json!({ "email": format!("{}@buyer.test", &id[..8]), "name": "Jo Buyer", "company": "Acme Industries", "signupType": signup });
    if let Some(c) = category {
        body["vendorCategory"] = json!(c);
    }
    let (s, b) = app
        .put_json(&format!("/api/v1/users/{id}"), Some(token), body)
        .await;
    assert!(s == Status::Created || s == Status::Ok, "{b}");
}

fn end_user(sub: &str) -> String {
    jwt(USER_SECRET, json!({ "sub": sub, "exp": unix_now() + 600 }))
}

async fn post(app: &TestApp, token: &str, body: Value) -> (Status, Value) {
    app.post_json("/api/v1/pricing-selections", Some(token), body)
        .await
}

fn clock(app: &TestApp) -> &leadbox::clock::Clock {
    &app.client
        .rocket()
        .state::<leadbox::app::App>()
        .unwrap()
        .clock
}

#[rocket::async_test]
async fn the_seeds_example_is_stored_with_its_exact_answer_and_a_verified_quote() {
    let f = fixture().await;
    let (s, b) = post(&f.app, &end_user(U), seed_body(U)).await;
    assert_eq!(s, Status::Created, "{b}");
    let id = b["data"]["id"].as_str().unwrap().to_string();
    assert!(id.starts_with("ps_") && uuid::Uuid::parse_str(&id[3..]).is_ok());
    assert_eq!(
        b,
        json!({ "success": true, "data": { "id": id, "message": "Pricing selection stored successfully" } })
    );
    let (s, g) = f
        .app
        .get(&format!("/api/v1/pricing-selections/{U}"), Some(&f.owner))
        .await;
    assert_eq!(s, Status::Ok);
    let d = &g["data"];
    assert_eq!(d["status"], json!("pending"));
    assert_eq!(
        d["pricing"],
        seed_body(U)["pricing"],
        "stored exactly as sent"
    );
    assert_eq!(
        d["selectedAddOnCodes"],
        json!(["DILIGIENCE_HUB", "AI_RECOMMENDATION_PACK"])
    );
    assert_eq!(
        d["user"],
        json!({ "email": "550e8400@buyer.test", "name": "Jo Buyer", "company": "Acme Industries" })
    );
    assert_eq!(d["pricingCheck"]["verified"], json!(true), "{d}");
    assert_eq!(
        d["pricingCheck"]["expected"]["estimatedRecurringMin"],
        json!(15338.82)
    );
    assert_eq!(
        (d["source"].as_str(), d["capturedAt"].as_str()),
        (Some("pricing_page"), Some("2024-01-15T10:30:00.000Z"))
    );
    let cents: i64 = f
        .app
        .db()
        .query_row(
            "SELECT estimated_first_month_min FROM pricing_selections",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(cents, 1_592_800, "money in minor units");
}

#[rocket::async_test]
async fn a_tampered_quote_is_kept_and_flagged() {
    let f = fixture().await;
    let mut body = seed_body(U);
    body["pricing"]["planMonthlyMin"] = json!(1);
    body["pricing"]["estimatedRecurringMax"] = json!(10.5);
    let (s, _) = post(&f.app, &f.owner, body).await;
    assert_eq!(
        s,
        Status::Created,
        "a lead is never refused over arithmetic"
    );
    let (_, g) = f
        .app
        .get(&format!("/api/v1/pricing-selections/{U}"), Some(&f.owner))
        .await;
    assert_eq!(g["data"]["pricingCheck"]["verified"], json!(false));
    assert_eq!(
        g["data"]["pricingCheck"]["mismatches"],
        json!(["planMonthlyMin", "estimatedRecurringMax"])
    );
    assert_eq!(g["data"]["pricing"]["estimatedRecurringMax"], json!(10.5));
}

#[rocket::async_test]
async fn every_error_code_of_the_seed_has_its_exact_body() {
    let f = fixture().await;
    let other = "7c0e4a52-8a0e-4b8e-9a55-3e2c2b7d9f01";
    provision(&f.app, &f.owner, other, "vendor", Some("service")).await;
    let (s, b) = post(&f.app, &f.owner, seed_body(other)).await;
    assert_eq!(s, Status::BadRequest);
    assert_eq!(
        b,
        json!({ "success": false, "error": { "code": "USER_TYPE_MISMATCH",
        "message": "Pricing selection user type does not match signup user type",
        "details": { "pricingUserType": "industry", "signupUserType": "vendor" } } })
    );
    let ghost = "11111111-2222-4333-8444-555555555555";
    let (s, b) = post(&f.app, &f.owner, seed_body(ghost)).await;
    assert_eq!(s, Status::NotFound);
    assert_eq!(
        b,
        json!({ "success": false, "error": { "code": "USER_NOT_FOUND", "message": "User with specified ID does not exist" } })
    );
    let mut bad_plan = seed_body(U);
    bad_plan["selectedPlanCode"] = json!("NOPE");
    let (s, b) = post(&f.app, &f.owner, bad_plan).await;
    assert_eq!(s, Status::BadRequest);
    assert_eq!(
        b,
        json!({ "success": false, "error": { "code": "INVALID_PLAN_CODE", "message": "Plan code doesn't exist", "details": { "field": "selectedPlanCode" } } })
    );
    let mut bad_addon = seed_body(U);
    bad_addon["selectedAddOnCodes"] = json!(["DILIGIENCE_HUB", "GHOST"]);
    let (_, b) = post(&f.app, &f.owner, bad_addon).await;
    assert_eq!(
        b["error"]["details"],
        json!({ "field": "selectedAddOnCodes[1]" })
    );
    let mut wrong_type_plan = seed_body(U);
    wrong_type_plan["selectedPlanCode"] = json!("PRO_SOLO");
    let (s, b) = post(&f.app, &f.owner, wrong_type_plan).await;
    assert_eq!(
        (s, b["error"]["code"].clone()),
        (Status::BadRequest, json!("INVALID_PLAN_CODE")),
        "a plan of another user type"
    );
    assert_eq!(
        post(&f.app, &f.owner, seed_body(U)).await.0,
        Status::Created
    );
    let (s, b) = post(&f.app, &f.owner, seed_body(U)).await;
    assert_eq!(s, Status::Conflict);
    assert_eq!(
        b,
        json!({ "success": false, "error": { "code": "DUPLICATE_SELECTION", "message": "A pricing selection already exists for this user" } })
    );
    let (s, b) = f
        .app
        .post_json("/api/v1/pricing-selections", None, seed_body(U))
        .await;
    assert_eq!(s, Status::Unauthorized);
    assert_eq!(b["error"]["code"], json!("UNAUTHORIZED"));
    let (s, b) = post(&f.app, &end_user(other), seed_body(U)).await;
    assert_eq!(s, Status::Forbidden, "an end user may store only their own");
    assert_eq!(b["error"]["code"], json!("FORBIDDEN"));
    let (s, b) = f
        .app
        .get(
            &format!("/api/v1/pricing-selections/{U}"),
            Some(&end_user(other)),
        )
        .await;
    assert_eq!(s, Status::Forbidden);
    assert_eq!(b["error"]["code"], json!("FORBIDDEN"));
}

#[rocket::async_test]
async fn each_bad_field_is_a_validation_error_naming_it() {
    let f = fixture().await;
    let cases: Vec<(&str, Value, &str)> = vec![
        ("userId", json!("not-a-uuid"), "userId"),
        ("userType", json!("alien"), "userType"),
        ("selectedPlanCode", json!(""), "selectedPlanCode"),
        (
            "selectedAddOnCodes",
            json!("DILIGIENCE_HUB"),
            "selectedAddOnCodes",
        ),
        (
            "selectedAddOnCodes",
            json!(["A", "A"]),
            "selectedAddOnCodes[1]",
        ),
        ("pricing", json!(null), "pricing"),
        ("source", json!("newsletter"), "source"),
        ("source", json!(null), "source"),
        ("capturedAt", json!("yesterday"), "capturedAt"),
        ("capturedAt", json!("2024-01-15 10:30"), "capturedAt"),
    ];
    for (key, value, field) in cases {
        let mut body = seed_body(U);
        body[key] = value.clone();
        let (s, b) = post(&f.app, &f.owner, body).await;
        assert_eq!(s, Status::BadRequest, "{key}={value}: {b}");
        common::assert_error(&b, "VALIDATION_ERROR", Some(field));
    }
    for (p, v) in [
        ("planMonthlyMin", json!(-1)),
        ("gstRate", json!(101)),
        ("estimatedRecurringMax", json!("1")),
        ("addOnsOneTimeAmount", json!(1.234)),
    ] {
        let mut body = seed_body(U);
        body["pricing"][p] = v;
        let (s, b) = post(&f.app, &f.owner, body).await;
        assert_eq!(s, Status::BadRequest);
        common::assert_error(&b, "VALIDATION_ERROR", Some(&format!("pricing.{p}")));
    }
    let mut body = seed_body(U);
    body["pricing"].as_object_mut().unwrap().remove("gstRate");
    let (_, b) = post(&f.app, &f.owner, body).await;
    common::assert_error(&b, "VALIDATION_ERROR", Some("pricing.gstRate"));
    let n: i64 = f
        .app
        .db()
        .query_row("SELECT COUNT(*) FROM pricing_selections", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 0);
}

#[rocket::async_test]
async fn all_five_user_types_match_their_signup_and_each_refuses_another() {
    let f = fixture().await;
    let pairs = [
        ("industry", "INDUSTRY_GROWTH", "industry", None),
        ("service_vendor", "SERVICE_PRO", "vendor", Some("service")),
        ("product_vendor", "PRODUCT_PRO", "vendor", Some("product")),
        ("logistics", "LOGISTICS_PRO", "vendor", Some("logistics")),
        ("professional", "PRO_SOLO", "professional", None),
    ];
    let wrong = [
        ("vendor", Some("service")),
        ("vendor", Some("logistics")),
        ("vendor", Some("service")),
        ("vendor", Some("product")),
        ("industry", None),
    ];
    for ((user_type, plan, signup, cat), (wsignup, wcat)) in pairs.iter().zip(wrong) {
        let id = uuid::Uuid::new_v4().to_string();
        provision(&f.app, &f.owner, &id, signup, *cat).await;
        let mut body = seed_body(&id);
        body["userType"] = json!(user_type);
        body["selectedPlanCode"] = json!(plan);
        body["selectedAddOnCodes"] = json!([]);
        let (s, b) = post(&f.app, &f.owner, body.clone()).await;
        assert_eq!(s, Status::Created, "{user_type}: {b}");
        let other = uuid::Uuid::new_v4().to_string();
        provision(&f.app, &f.owner, &other, wsignup, wcat).await;
        body["userId"] = json!(other);
        let (s, b) = post(&f.app, &f.owner, body).await;
        assert_eq!(s, Status::BadRequest, "{user_type} vs {wsignup}/{wcat:?}");
        assert_eq!(b["error"]["code"], json!("USER_TYPE_MISMATCH"));
        assert_eq!(
            b["error"]["details"],
            json!({ "pricingUserType": user_type, "signupUserType": wsignup })
        );
    }
}

#[rocket::async_test]
async fn the_list_pages_filters_and_sorts_within_bounds() {
    let f = fixture().await;
    let mut ids = vec![];
    for i in 0..5 {
        let id = uuid::Uuid::new_v4().to_string();
        provision(&f.app, &f.owner, &id, "industry", None).await;
        let mut body = seed_body(&id);
        body["capturedAt"] = json!(format!("2024-01-1{}T10:00:00Z", 5 - i)); // captured in reverse order
        post(&f.app, &f.owner, body).await;
        ids.push(id);
    }
    let get = |q: &str| {
        let (app, t, q) = (&f.app, f.owner.clone(), q.to_string());
        async move {
            app.get(&format!("/api/v1/pricing-selections?{q}"), Some(&t))
                .await
        }
    };
    let (_, b) = get("limit=2&page=3").await;
    assert_eq!(
        b["data"]["pagination"],
        json!({ "currentPage": 3, "pageSize": 2, "totalItems": 5, "totalPages": 3 })
    );
    assert_eq!(b["data"]["items"].as_array().unwrap().len(), 1);
    let (_, b) = get("page=4&limit=2").await;
    assert_eq!(b["data"]["items"], json!([]));
    let first = |b: &Value| {
        b["data"]["items"][0]["userId"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(
        first(&get("sortBy=createdAt&sortOrder=desc").await.1),
        ids[4]
    );
    assert_eq!(
        first(&get("sortBy=createdAt&sortOrder=asc").await.1),
        ids[0]
    );
    assert_eq!(
        first(&get("sortBy=capturedAt&sortOrder=asc").await.1),
        ids[4],
        "captured earliest"
    );
    assert_eq!(
        first(&get("sortBy=capturedAt").await.1),
        ids[0],
        "desc by default"
    );
    assert_eq!(
        get("status=pending&userType=industry").await.1["data"]["pagination"]["totalItems"],
        json!(5)
    );
    assert_eq!(
        get("userType=logistics").await.1["data"]["pagination"]["totalItems"],
        json!(0)
    );
    for (q, field) in [
        ("page=0", "page"),
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("sortBy=name", "sortBy"),
        ("sortOrder=sideways", "sortOrder"),
        ("status=lost", "status"),
        ("userType=alien", "userType"),
    ] {
        let (s, b) = get(q).await;
        assert_eq!(s, Status::BadRequest, "{q}");
        common::assert_error(&b, "VALIDATION_ERROR", Some(field));
    }
    assert_eq!(get("limit=100").await.0, Status::Ok);
}

#[rocket::async_test]
async fn the_status_workflow_allows_only_its_own_steps() {
    let f = fixture().await;
    let (_, b) = post(&f.app, &f.owner, seed_body(U)).await;
    let id = b["data"]["id"].as_str().unwrap().to_string();
    let patch = |status: &str, notes: Option<&str>| {
        let (app, t, id) = (&f.app, f.owner.clone(), id.clone());
        let mut body = json!({ "status": status });
        if let Some(n) = notes {
            body["notes"] = json!(n);
        }
        async move {
            app.patch_json(
                &format!("/api/v1/pricing-selections/{id}/status"),
                Some(&t),
                body,
            )
            .await
        }
    };
    for bad in ["converted", "expired", "pending"] {
        let (s, b) = patch(bad, None).await;
        assert_eq!(s, Status::Conflict, "pending → {bad}");
        assert_eq!(b["error"]["code"], json!("INVALID_STATUS_TRANSITION"));
    }
    let (s, b) = patch("contacted", Some("Called user, scheduling demo")).await;
    assert_eq!(s, Status::Ok, "{b}");
    assert_eq!(
        (b["data"]["id"].as_str(), b["data"]["status"].as_str()),
        (Some(id.as_str()), Some("contacted"))
    );
    assert!(b["data"]["updatedAt"].is_string());
    for bad in ["contacted", "pending", "expired"] {
        assert_eq!(
            patch(bad, None).await.0,
            Status::Conflict,
            "contacted → {bad}"
        );
    }
    assert_eq!(patch("converted", None).await.0, Status::Ok);
    for bad in ["contacted", "converted", "pending", "expired"] {
        assert_eq!(
            patch(bad, None).await.0,
            Status::Conflict,
            "converted → {bad}"
        );
    }
    let (_, g) = f
        .app
        .get(&format!("/api/v1/pricing-selections/{U}"), Some(&f.owner))
        .await;
    let d = &g["data"];
    let owner_id: String = f
        .app
        .db()
        .query_row("SELECT id FROM users", [], |r| r.get(0))
        .unwrap();
    assert_eq!(
        (
            d["status"].as_str(),
            d["contactedBy"].as_str(),
            d["notes"].as_str()
        ),
        (
            Some("converted"),
            Some(owner_id.as_str()),
            Some("Called user, scheduling demo")
        )
    );
    assert!(d["contactedAt"].is_string() && d["convertedAt"].is_string());
    let (s, b) = patch("shipped", None).await;
    assert_eq!(s, Status::BadRequest);
    common::assert_error(&b, "VALIDATION_ERROR", Some("status"));
    let (s, _) = f
        .app
        .patch_json(
            "/api/v1/pricing-selections/ps_nope/status",
            Some(&f.owner),
            json!({ "status": "contacted" }),
        )
        .await;
    assert_eq!(s, Status::NotFound);
    let events: i64 = f
        .app
        .db()
        .query_row(
            "SELECT COUNT(*) FROM events WHERE topic LIKE 'observation/pricing/selection/%'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(events, 3, "submitted, contacted, converted");
}

#[rocket::async_test]
async fn pending_expires_at_seven_days_and_contacted_at_fourteen_never_read_stale() {
    let f = fixture().await;
    let (_, b) = post(&f.app, &f.owner, seed_body(U)).await;
    let first = b["data"]["id"].as_str().unwrap().to_string();
    async fn status(app: &TestApp, t: String) -> String {
        let (_, g) = app
            .get(&format!("/api/v1/pricing-selections/{U}"), Some(&t))
            .await;
        g["data"]["status"].as_str().unwrap().to_string()
    }
    clock(&f.app).advance(time::Duration::days(7) - time::Duration::milliseconds(1));
    assert_eq!(
        status(&f.app, f.owner.clone()).await,
        "pending",
        "a millisecond before seven days"
    );
    clock(&f.app).advance(time::Duration::milliseconds(1));
    assert_eq!(
        status(&f.app, f.owner.clone()).await,
        "expired",
        "at seven days, before any sweep"
    );
    let (_, l) = f
        .app
        .get("/api/v1/pricing-selections?status=expired", Some(&f.owner))
        .await;
    assert_eq!(l["data"]["pagination"]["totalItems"], json!(1));
    let (_, l) = f
        .app
        .get("/api/v1/pricing-selections?status=pending", Some(&f.owner))
        .await;
    assert_eq!(l["data"]["pagination"]["totalItems"], json!(0));
    let (s, _) = f
        .app
        .patch_json(
            &format!("/api/v1/pricing-selections/{first}/status"),
            Some(&f.owner),
            json!({ "status": "contacted" }),
        )
        .await;
    assert_eq!(
        s,
        Status::Conflict,
        "an expired selection cannot be contacted"
    );
    // An overdue pending selection does not block a new one.
    let (s, b) = post(&f.app, &f.owner, seed_body(U)).await;
    assert_eq!(s, Status::Created, "{b}");
    let second = b["data"]["id"].as_str().unwrap().to_string();
    let stored: String = f
        .app
        .db()
        .query_row(
            "SELECT status FROM pricing_selections WHERE id = ?1",
            [&first],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(stored, "expired", "persisted");
    f.app
        .patch_json(
            &format!("/api/v1/pricing-selections/{second}/status"),
            Some(&f.owner),
            json!({ "status": "contacted" }),
        )
        .await;
    clock(&f.app).advance(time::Duration::days(14) - time::Duration::milliseconds(1));
    assert_eq!(
        status(&f.app, f.owner.clone()).await,
        "contacted",
        "a millisecond before fourteen days"
    );
    clock(&f.app).advance(time::Duration::milliseconds(1));
    assert_eq!(
        status(&f.app, f.owner.clone()).await,
        "expired",
        "at fourteen days"
    );
    let state = f.app.client.rocket().state::<leadbox::app::App>().unwrap();
    let swept = leadbox::pricing_selections::service::sweep(&state.store, &state.clock)
        .await
        .unwrap();
    assert_eq!(swept, 1, "the sweeper stores what reads already showed");
    let changes: Vec<Option<String>> = {
        let db = f.app.db();
        let mut stmt = db.prepare("SELECT json_extract(data, '$.change') FROM events WHERE subject_id = ?1 ORDER BY id").unwrap();
        let rows = stmt
            .query_map([&second], |r| r.get(0))
            .unwrap()
            .collect::<Result<Vec<_>, _>>()
            .unwrap();
        rows
    };
    assert_eq!(
        changes,
        vec![None, Some("contacted".into()), Some("expired".into())],
        "submitted, contacted, expired"
    );
}

#[rocket::async_test]
async fn concurrent_posts_for_one_user_store_exactly_one() {
    let f = fixture().await;
    let token = f.owner.clone();
    let futures: Vec<_> = (0..16)
        .map(|_| {
            let (app, token) = (&f.app, token.clone());
            async move { post(app, &token, seed_body(U)).await }
        })
        .collect();
    let results = rocket::futures::future::join_all(futures).await;
    let created = results
        .iter()
        .filter(|(s, _)| *s == Status::Created)
        .count();
    let dup = results
        .iter()
        .filter(|(s, b)| {
            *s == Status::Conflict && b["error"]["code"] == json!("DUPLICATE_SELECTION")
        })
        .count();
    assert_eq!((created, dup), (1, 15));
    let n: i64 = f
        .app
        .db()
        .query_row("SELECT COUNT(*) FROM pricing_selections", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 1);
}

#[rocket::async_test]
async fn who_may_do_what() {
    let f = fixture().await;
    let me = end_user(U);
    let (s, b) = post(&f.app, &me, seed_body(U)).await;
    assert_eq!(s, Status::Created, "an end user stores their own: {b}");
    let id = b["data"]["id"].as_str().unwrap().to_string();
    assert_eq!(
        f.app
            .get(&format!("/api/v1/pricing-selections/{U}"), Some(&me))
            .await
            .0,
        Status::Ok
    );
    assert_eq!(
        f.app.get("/api/v1/pricing-selections", Some(&me)).await.0,
        Status::Forbidden,
        "no admin list for end users"
    );
    let (s, _) = f
        .app
        .patch_json(
            &format!("/api/v1/pricing-selections/{id}/status"),
            Some(&me),
            json!({ "status": "contacted" }),
        )
        .await;
    assert_eq!(s, Status::Forbidden);
    // Staff by role: (role, list/read, create for others, change status)
    for (role, read, create, change) in [
        ("admin", true, true, true),
        ("sales", true, true, true),
        ("support", true, false, true),
        ("viewer", true, false, false),
    ] {
        let token = f
            .app
            .user_with_role(&format!("{role}-member@example.com"), role, "default")
            .await;
        let code = |ok: bool| if ok { "ok" } else { "forbidden" };
        let (s, _) = f.app.get("/api/v1/pricing-selections", Some(&token)).await;
        assert_eq!(code(s == Status::Ok), code(read), "{role} list");
        let (s, _) = f
            .app
            .get(&format!("/api/v1/pricing-selections/{U}"), Some(&token))
            .await;
        assert_eq!(code(s == Status::Ok), code(read), "{role} read");
        let other = uuid::Uuid::new_v4().to_string();
        provision(&f.app, &f.owner, &other, "industry", None).await;
        let (s, b) = post(&f.app, &token, seed_body(&other)).await;
        assert_eq!(
            code(s == Status::Created),
            code(create),
            "{role} create: {b}"
        );
        let fresh = uuid::Uuid::new_v4().to_string();
        provision(&f.app, &f.owner, &fresh, "industry", None).await;
        let (_, b) = post(&f.app, &f.owner, seed_body(&fresh)).await;
        let pid = b["data"]["id"].as_str().unwrap().to_string();
        let (s, b) = f
            .app
            .patch_json(
                &format!("/api/v1/pricing-selections/{pid}/status"),
                Some(&token),
                json!({ "status": "contacted" }),
            )
            .await;
        assert_eq!(code(s == Status::Ok), code(change), "{role} status: {b}");
        if !change {
            assert_eq!(
                b["error"]["details"]["permission"],
                json!("PricingSelectionPermissions.UpdateStatus")
            );
        }
    }
    // Another workspace sees nothing.
    f.app
        .post_json(
            "/api/v1/workspaces",
            Some(&f.owner),
            json!({ "name": "Other", "slug": "other" }),
        )
        .await;
    let rival = f
        .app
        .user_with_role("rival@example.com", "owner", "other")
        .await;
    let (s, b) = f
        .app
        .get(&format!("/api/v1/pricing-selections/{U}"), Some(&rival))
        .await;
    assert_eq!(
        (s, b["error"]["code"].clone()),
        (Status::NotFound, json!("USER_NOT_FOUND"))
    );
    let res = f
        .app
        .client
        .get("/api/v1/pricing-selections")
        .header(ContentType::JSON)
        .header(Header::new("Authorization", "Bearer not-a-jwt"))
        .dispatch()
        .await;
    assert_eq!(res.status(), Status::Unauthorized);
}

#[rocket::async_test]
async fn a_broken_database_is_an_internal_error_with_the_seeds_envelope_and_no_detail() {
    let f = fixture().await;
    f.app
        .db()
        .execute_batch("DROP TABLE pricing_selections")
        .unwrap();
    let (s, b) = f
        .app
        .get("/api/v1/pricing-selections", Some(&f.owner))
        .await;
    assert_eq!(s, Status::InternalServerError);
    assert_eq!(
        b,
        json!({ "success": false, "error": { "code": "INTERNAL_ERROR", "message": "Something went wrong on our side" } })
    );
    let (s, b) = post(&f.app, &f.owner, seed_body(U)).await;
    assert_eq!(
        (s, b["error"]["code"].clone()),
        (Status::InternalServerError, json!("INTERNAL_ERROR"))
    );
    assert!(
        !b.to_string().contains("no such table"),
        "the cause stays in the log: {b}"
    );
}

#[rocket::async_test]
async fn selections_are_counted_and_listed_in_the_unified_inbox_with_their_effective_status() {
    let f = fixture().await;
    f.app.new_inquiry("Ian").await;
    post(&f.app, &f.owner, seed_body(U)).await;
    let (s, b) = f.app.get("/api/v1/leads", Some(&f.owner)).await;
    assert_eq!(s, Status::Ok, "{b}");
    assert_eq!(
        b["data"]["pagination"]["totalItems"],
        json!(2),
        "the total counts every kind"
    );
    let kinds: Vec<&str> = b["data"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["kind"].as_str().unwrap())
        .collect();
    assert!(
        kinds.contains(&"pricing_selection") && kinds.contains(&"inquiry"),
        "{kinds:?}"
    );
    let (_, only) = f
        .app
        .get("/api/v1/leads?kind=pricing_selection", Some(&f.owner))
        .await;
    assert_eq!(only["data"]["pagination"]["totalItems"], json!(1));
    assert_eq!(
        only["data"]["items"][0]["status"],
        json!("pending"),
        "the pricing workflow's own words"
    );
    assert_eq!(only["data"]["items"][0]["name"], json!("Jo Buyer"));
    clock(&f.app).advance(time::Duration::days(8));
    let (_, only) = f
        .app
        .get("/api/v1/leads?kind=pricing_selection", Some(&f.owner))
        .await;
    assert_eq!(
        only["data"]["items"][0]["status"],
        json!("expired"),
        "never stale in the inbox either"
    );
}

#[rocket::async_test]
async fn the_pricing_list_exports_its_own_columns_as_csv() {
    let f = fixture().await;
    post(&f.app, &f.owner, seed_body(U)).await;
    f.app
        .sign_in(common::OWNER_EMAIL, common::OWNER_PASSWORD)
        .await;
    let (s, html) = f.app.page("/admin/pricing").await;
    assert_eq!(s, Status::Ok);
    assert!(
        html.contains("href=\"/admin/export/pricing_selection\""),
        "the list links its export"
    );
    let res = f
        .app
        .client
        .get("/admin/export/pricing_selection")
        .dispatch()
        .await;
    assert_eq!(res.status(), Status::Ok);
    assert!(res
        .headers()
        .get_one("Content-Disposition")
        .unwrap()
        .contains("pricing-selections-"));
    let csv = res.into_string().await.unwrap();
    let mut lines = csv.split("\r\n");
    assert_eq!(
        lines.next().unwrap(),
        "\u{feff}id,createdAt,status,userId,userType,selectedPlanCode,capturedAt,verified,notes,contactedAt,convertedAt,expiredAt"
    );
    let row = lines.next().unwrap();
    assert!(row.starts_with("ps_"), "{row}");
    assert!(row.contains(&format!(",pending,{U},")), "{row}");
}

#[rocket::async_test]
async fn the_admin_pages_name_the_customer_the_plan_and_the_money() {
    let f = fixture().await;
    let (s, b) = post(&f.app, &end_user(U), seed_body(U)).await;
    assert_eq!(s, Status::Created, "{b}");
    let id = b["data"]["id"].as_str().unwrap().to_string();
    f.app
        .sign_in(common::OWNER_EMAIL, common::OWNER_PASSWORD)
        .await;
    let (_, list) = f.app.page("/admin/pricing").await;
    for want in [
        "Jo Buyer",
        "Acme Industries",
        "Growth",
        "AUD 15,339 – AUD 24,779",
        "Pending",
    ] {
        assert!(list.contains(want), "the list shows {want}");
    }
    assert!(!list.contains("INDUSTRY_GROWTH"), "names, not codes");
    let (_, detail) = f.app.page(&format!("/admin/pricing/{id}")).await;
    for want in [
        "Diligence hub, AI pack",
        "AUD 12,000",
        "18 %",
        "Plan, monthly from",
        "Matches the catalogue",
    ] {
        assert!(detail.contains(want), "the detail shows {want}");
    }
    assert!(
        !detail.contains("planMonthlyMin"),
        "labels, not field names"
    );
    // Its two times carry their instants, for the browser to show in its own zone.
    assert_eq!(
        detail.matches("<dd><time datetime=\"20").count(),
        2,
        "{detail}"
    );
}
