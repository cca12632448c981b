//! `POST /api/sales/contact-request`: the contract, every error word, end-user tokens, rate
//! limits, idempotency (also under concurrency), server-enriched fields.

mod common;

use std::net::SocketAddr;

use common::{contact_body, jwt, unix_now, user_token, TestApp, USER_SECRET};
use rocket::http::{ContentType, Header, Status};
use serde_json::{json, Value};

const SUB: &str = "550e8400-e29b-41d4-a716-446655440000";

fn header<'a>(h: &'a [(String, String)], name: &str) -> Option<&'a str> {
    h.iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

fn count(app: &TestApp, sql: &str) -> i64 {
    app.db().query_row(sql, [], |r| r.get(0)).unwrap()
}

fn assert_error_word(body: &Value, word: &str) {
    assert_eq!(body["ok"], json!(false), "{body}");
    assert_eq!(body["error"], json!(word), "{body}");
    assert!(
        body["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{body}"
    );
}

#[rocket::async_test]
async fn a_request_is_stored_and_answered_with_its_actions_in_order() {
    let app = TestApp::spawn().await;
    app.enable_end_users(json!({ "crispWebsiteId": "crisp-123", "schedulerUrl": "https://cal.acme.test/sales", "salesEmail": "sales@acme.test" })).await;
    let (s, b, _) = app
        .contact(&user_token(SUB, "dana@buyer.test"), contact_body(), &[])
        .await;
    assert_eq!(s, Status::Created, "{b}");
    assert_eq!(b["ok"], json!(true));
    assert_eq!(b["message"], json!("Sales request submitted"));
    let id = b["requestId"].as_str().unwrap();
    assert!(
        id.starts_with("salesreq_") && uuid::Uuid::parse_str(&id[9..]).is_ok(),
        "{id}"
    );
    let kinds: Vec<&str> = b["actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, vec!["crisp", "scheduler", "mailto"]);
    assert_eq!(b["actions"][0]["websiteId"], json!("crisp-123"));
    assert_eq!(b["actions"][1]["url"], json!("https://cal.acme.test/sales"));
    let mailto = b["actions"][2]["url"].as_str().unwrap();
    assert!(
        mailto.starts_with("mailto:sales@acme.test?") && mailto.contains(id),
        "{mailto}"
    );
    assert!(
        !mailto.contains("dana") && !mailto.contains("buyer"),
        "no personal data in the mailto: {mailto}"
    );
}

/// The `subject=` of a mailto, percent-decoded.
fn mailto_subject(mailto: &str) -> String {
    let enc = mailto
        .split("subject=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap();
    let mut bytes = vec![];
    let mut it = enc.bytes();
    while let Some(b) = it.next() {
        if b == b'%' {
            let hex = [it.next().unwrap(), it.next().unwrap()];
            bytes.push(u8::from_str_radix(std::str::from_utf8(&hex).unwrap(), 16).unwrap());
        } else {
            bytes.push(b);
        }
    }
    String::from_utf8(bytes).unwrap()
}

#[rocket::async_test]
async fn the_mailto_is_written_in_the_askers_language_else_the_workspaces() {
    let app = TestApp::spawn().await;
    app.enable_end_users(json!({ "salesEmail": "sales@acme.test", "defaultLocale": "vi" }))
        .await;
    let token = user_token(SUB, "dana@buyer.test");
    let mut cases = vec![];
    for (n, lang) in [
        (2, None),
        (3, Some("en-GB,en;q=0.9")),
        (4, Some("fr, vi;q=0.5")),
    ] {
        let mut body = contact_body();
        body["quantity"] = json!(n);
        let headers: Vec<(&str, &str)> = lang.map(|l| ("Accept-Language", l)).into_iter().collect();
        let (s, b, _) = app.contact(&token, body, &headers).await;
        assert_eq!(s, Status::Created, "{b}");
        let id = b["requestId"].as_str().unwrap().to_string();
        let mailto = b["actions"][0]["url"].as_str().unwrap().to_string();
        cases.push((mailto_subject(&mailto), id));
    }
    assert_eq!(
        cases[0].0,
        format!("Yêu cầu tư vấn bán hàng {}", cases[0].1)
    );
    assert_eq!(cases[1].0, format!("Sales request {}", cases[1].1));
    assert_eq!(
        cases[2].0,
        format!("Yêu cầu tư vấn bán hàng {}", cases[2].1)
    );
}

#[rocket::async_test]
async fn without_crisp_or_scheduler_the_mailto_is_the_only_action() {
    let app = TestApp::spawn().await;
    app.enable_end_users(json!({})).await;
    let (_, b, _) = app
        .contact(&user_token(SUB, "dana@buyer.test"), contact_body(), &[])
        .await;
    let kinds: Vec<&str> = b["actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, vec!["mailto"]);
}

#[rocket::async_test]
async fn identity_and_context_come_from_the_server_never_the_body() {
    let app = TestApp::spawn().await;
    app.enable_end_users(json!({})).await;
    let mut body = contact_body();
    for (k, v) in [
        ("user_id", "evil"),
        ("userId", "evil"),
        ("account_email", "evil@x.test"),
        ("accountEmail", "evil@x.test"),
        ("request_ip", "6.6.6.6"),
        ("requestIp", "6.6.6.6"),
        ("user_agent", "Evil"),
        ("userAgent", "Evil"),
    ] {
        body[k] = json!(v);
    }
    let res = app
        .client
        .post("/api/sales/contact-request")
        .header(ContentType::JSON)
        .header(Header::new(
            "Authorization",
            format!("Bearer {}", user_token(SUB, "dana@buyer.test")),
        ))
        .header(Header::new("User-Agent", "RealBrowser/2.0"))
        .remote("203.0.113.9:5000".parse::<SocketAddr>().unwrap())
        .body(body.to_string())
        .dispatch()
        .await;
    assert_eq!(res.status(), Status::Created);
    let (user, email, ip, ua, plan, qty): (String, String, String, String, String, i64) = app.db()
        .query_row("SELECT user_id, account_email, request_ip, user_agent, plan, quantity FROM sales_contact_requests", [], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)))
        .unwrap();
    assert_eq!(
        (user.as_str(), email.as_str(), ip.as_str(), ua.as_str()),
        (SUB, "dana@buyer.test", "203.0.113.9", "RealBrowser/2.0")
    );
    assert_eq!((plan.as_str(), qty), ("annual", 100000));
    // The end user was created from the token's claims.
    let (name, kind, cat): (String, String, String) = app
        .db()
        .query_row(
            "SELECT name, signup_type, vendor_category FROM end_users WHERE id = ?1",
            [SUB],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert_eq!(
        (name.as_str(), kind.as_str(), cat.as_str()),
        ("Dana Buyer", "vendor", "service")
    );
}

#[rocket::async_test]
async fn every_bad_payload_is_invalid_payload_and_stores_nothing() {
    let app = TestApp::spawn().await;
    app.enable_end_users(json!({})).await;
    let token = user_token(SUB, "dana@buyer.test");
    let mut cases: Vec<Value> = vec![];
    for (k, v) in [
        ("plan", json!("free")),
        ("plan", json!(null)),
        ("quantity", json!(0)),
        ("quantity", json!(-5)),
        ("quantity", json!(2.5)),
        ("quantity", json!("100")),
        ("contactRequired", json!("yes")),
        ("page", json!("https://evil.test/")),
        ("source", json!("x".repeat(51))),
    ] {
        let mut b = contact_body();
        b[k] = v;
        cases.push(b);
    }
    let mut missing = contact_body();
    missing.as_object_mut().unwrap().remove("quantity");
    cases.push(missing);
    for body in cases {
        let (s, b, _) = app.contact(&token, body.clone(), &[]).await;
        assert_eq!(s, Status::BadRequest, "{body}: {b}");
        assert_error_word(&b, "invalid_payload");
    }
    for (ct, raw) in [
        (ContentType::JSON, "{\"plan\": "),
        (ContentType::JSON, "[1]"),
        (ContentType::Plain, "plan=payg"),
    ] {
        let res = app
            .client
            .post("/api/sales/contact-request")
            .header(ct)
            .header(Header::new("Authorization", format!("Bearer {token}")))
            .body(raw)
            .dispatch()
            .await;
        assert_eq!(res.status(), Status::BadRequest, "{raw}");
        let b: Value = serde_json::from_str(&res.into_string().await.unwrap()).unwrap();
        assert_error_word(&b, "invalid_payload");
    }
    let huge = json!({ "plan": "payg", "quantity": 1, "page": format!("/{}", "p".repeat(70_000)) });
    let (s, b, _) = app.contact(&token, huge, &[]).await;
    assert_eq!(s, Status::BadRequest);
    assert_error_word(&b, "invalid_payload");
    let (s, b, _) = app
        .contact(
            &token,
            contact_body(),
            &[("Idempotency-Key", &"k".repeat(256))],
        )
        .await;
    assert_eq!(s, Status::BadRequest);
    assert_error_word(&b, "invalid_payload");
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM sales_contact_requests"),
        0
    );
}

#[rocket::async_test]
async fn every_token_failure_is_unauthorized() {
    let app = TestApp::spawn().await;
    let now = unix_now();
    let no_secret = app
        .contact(&user_token(SUB, "d@b.test"), contact_body(), &[])
        .await;
    assert_eq!(
        no_secret.0,
        Status::Unauthorized,
        "a workspace without a secret refuses tokens"
    );
    assert_error_word(&no_secret.1, "unauthorized");
    app.enable_end_users(json!({})).await;
    let cases = [
        (
            "bad signature",
            jwt(
                "another-secret-that-is-long-enough-000000",
                json!({ "sub": SUB, "exp": now + 600 }),
            ),
        ),
        (
            "expired",
            jwt(USER_SECRET, json!({ "sub": SUB, "exp": now - 120 })),
        ),
        ("missing sub", jwt(USER_SECRET, json!({ "exp": now + 600 }))),
        ("missing exp", jwt(USER_SECRET, json!({ "sub": SUB }))),
        (
            "sub not a uuid",
            jwt(USER_SECRET, json!({ "sub": "user-1", "exp": now + 600 })),
        ),
        (
            "bad email claim",
            jwt(
                USER_SECRET,
                json!({ "sub": SUB, "exp": now + 600, "email": "nope" }),
            ),
        ),
        ("garbage", "not.a.jwt".to_string()),
        (
            "not valid before a minute from now",
            jwt(
                USER_SECRET,
                json!({ "sub": SUB, "exp": now + 600, "nbf": now + 60 }),
            ),
        ),
        (
            "issued an hour from now",
            jwt(
                USER_SECRET,
                json!({ "sub": SUB, "exp": now + 7200, "iat": now + 3600 }),
            ),
        ),
    ];
    for (what, token) in cases {
        let (s, b, _) = app.contact(&token, contact_body(), &[]).await;
        assert_eq!(s, Status::Unauthorized, "{what}: {b}");
        assert_error_word(&b, "unauthorized");
    }
    let (_, b, _) = app
        .contact(
            &jwt(
                USER_SECRET,
                json!({ "sub": SUB, "exp": now + 600, "nbf": now + 60 }),
            ),
            contact_body(),
            &[],
        )
        .await;
    assert!(
        b["message"].as_str().unwrap().contains("not valid yet"),
        "{b}"
    );
    let (_, b, _) = app
        .contact(
            &jwt(
                USER_SECRET,
                json!({ "sub": SUB, "exp": now + 600, "iat": now + 3600 }),
            ),
            contact_body(),
            &[],
        )
        .await;
    assert!(b["message"].as_str().unwrap().contains("`iat`"), "{b}");
    // Within the 30 s leeway a clock a little ahead is fine.
    let (s, b, _) = app
        .contact(
            &jwt(
                USER_SECRET,
                json!({ "sub": SUB, "exp": now + 600, "nbf": now + 10, "iat": now + 10 }),
            ),
            contact_body(),
            &[("Idempotency-Key", "leeway-1")],
        )
        .await;
    assert_eq!(s, Status::Created, "{b}");
    // Within the 30 s leeway an expiry is still fine.
    let (s, _, _) = app
        .contact(
            &jwt(USER_SECRET, json!({ "sub": SUB, "exp": now - 10 })),
            contact_body(),
            &[],
        )
        .await;
    assert_eq!(s, Status::Created);
    let res = app
        .client
        .post("/api/sales/contact-request")
        .header(ContentType::JSON)
        .body(contact_body().to_string())
        .dispatch()
        .await;
    assert_eq!(res.status(), Status::Unauthorized, "no credentials at all");
    let b: Value = serde_json::from_str(&res.into_string().await.unwrap()).unwrap();
    assert_error_word(&b, "unauthorized");
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM sales_contact_requests"),
        2
    );
}

#[rocket::async_test]
async fn rate_limits_apply_per_user_and_per_ip_with_retry_after() {
    let app = TestApp::spawn().await;
    app.enable_end_users(
        json!({ "rateLimits": { "contactPerUserPerMinute": 2, "contactPerIpPerMinute": 3 } }),
    )
    .await;
    let post = |token: String, ip: &'static str, qty: i64| {
        let app = &app;
        async move {
            let mut body = contact_body();
            body["quantity"] = json!(qty);
            app.client
                .post("/api/sales/contact-request")
                .header(ContentType::JSON)
                .header(Header::new("Authorization", format!("Bearer {token}")))
                .remote(format!("{ip}:1").parse::<SocketAddr>().unwrap())
                .body(body.to_string())
                .dispatch()
                .await
        }
    };
    let a = user_token(SUB, "a@b.test");
    assert_eq!(
        post(a.clone(), "198.51.100.1", 1).await.status(),
        Status::Created
    );
    assert_eq!(
        post(a.clone(), "198.51.100.1", 2).await.status(),
        Status::Created
    );
    let res = post(a.clone(), "198.51.100.2", 3).await;
    assert_eq!(
        res.status(),
        Status::TooManyRequests,
        "per user, whatever the IP"
    );
    assert!(
        res.headers()
            .get_one("Retry-After")
            .unwrap()
            .parse::<u64>()
            .unwrap()
            >= 1
    );
    let b: Value = serde_json::from_str(&res.into_string().await.unwrap()).unwrap();
    assert_error_word(&b, "rate_limited");
    // Other users behind one IP: the IP allows 3 a minute.
    let users: Vec<String> = (0..3)
        .map(|i| user_token(&uuid::Uuid::new_v4().to_string(), &format!("u{i}@b.test")))
        .collect();
    assert_eq!(
        post(users[0].clone(), "192.0.2.50", 1).await.status(),
        Status::Created
    );
    assert_eq!(
        post(users[1].clone(), "192.0.2.50", 1).await.status(),
        Status::Created
    );
    assert_eq!(
        post(users[2].clone(), "192.0.2.50", 1).await.status(),
        Status::Created
    );
    assert_eq!(
        post(
            user_token(&uuid::Uuid::new_v4().to_string(), "x@b.test"),
            "192.0.2.50",
            1
        )
        .await
        .status(),
        Status::TooManyRequests,
        "per IP"
    );
}

#[rocket::async_test]
async fn the_same_key_replays_the_original_answer_and_creates_nothing() {
    let app = TestApp::spawn().await;
    app.enable_end_users(json!({ "rateLimits": { "contactPerUserPerMinute": 1 } }))
        .await;
    let token = user_token(SUB, "d@b.test");
    let (s1, b1, h1) = app
        .contact(&token, contact_body(), &[("Idempotency-Key", "click-1")])
        .await;
    assert_eq!(s1, Status::Created);
    assert!(header(&h1, "Idempotent-Replayed").is_none());
    for _ in 0..3 {
        let (s, b, h) = app
            .contact(&token, contact_body(), &[("Idempotency-Key", "click-1")])
            .await;
        assert_eq!(
            s,
            Status::Created,
            "replays never count against the limit of 1: {b}"
        );
        assert_eq!(b, b1, "the original answer");
        assert_eq!(header(&h, "Idempotent-Replayed"), Some("true"));
    }
    let mut other = contact_body();
    other["quantity"] = json!(5);
    let (s, b, _) = app
        .contact(&token, other, &[("Idempotency-Key", "click-1")])
        .await;
    assert_eq!(s, Status::BadRequest);
    assert_error_word(&b, "invalid_payload");
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM sales_contact_requests"),
        1
    );
    // Another user may use the same key for their own request.
    let (s, b, _) = app
        .contact(
            &user_token(&uuid::Uuid::new_v4().to_string(), "e@b.test"),
            contact_body(),
            &[("Idempotency-Key", "click-1")],
        )
        .await;
    assert_eq!(s, Status::Created);
    assert_ne!(b["requestId"], b1["requestId"]);
    // After 24 h the key is forgotten.
    app.db()
        .execute(
            "UPDATE idempotency_keys SET created_at = '2020-01-01T00:00:00.000Z'",
            [],
        )
        .unwrap();
    app.db()
        .execute("UPDATE workspaces SET rate_limits = '{}'", [])
        .unwrap();
    let (s, b, h) = app
        .contact(&token, contact_body(), &[("Idempotency-Key", "click-1")])
        .await;
    assert_eq!(s, Status::Created);
    assert!(header(&h, "Idempotent-Replayed").is_none());
    assert_ne!(
        b["requestId"], b1["requestId"],
        "a forgotten key makes a new request"
    );
}

#[rocket::async_test]
async fn an_identical_click_within_ten_seconds_is_a_duplicate_but_not_after() {
    let app = TestApp::spawn().await;
    app.enable_end_users(json!({})).await;
    let token = user_token(SUB, "d@b.test");
    let (_, b1, _) = app.contact(&token, contact_body(), &[]).await;
    let (s, b2, h) = app.contact(&token, contact_body(), &[]).await;
    assert_eq!(
        (s, b2["requestId"].clone()),
        (Status::Created, b1["requestId"].clone())
    );
    assert_eq!(header(&h, "Idempotent-Replayed"), Some("true"));
    let mut other = contact_body();
    other["plan"] = json!("monthly");
    let (_, b3, _) = app.contact(&token, other, &[]).await;
    assert_ne!(
        b3["requestId"], b1["requestId"],
        "a different request is not a duplicate"
    );
    app.db()
        .execute(
            "UPDATE idempotency_keys SET created_at = '2020-01-01T00:00:00.000Z'",
            [],
        )
        .unwrap();
    let (_, b4, h) = app.contact(&token, contact_body(), &[]).await;
    assert_ne!(
        b4["requestId"], b1["requestId"],
        "ten seconds later it is a new request"
    );
    assert!(header(&h, "Idempotent-Replayed").is_none());
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM sales_contact_requests"),
        3
    );
}

#[rocket::async_test]
async fn concurrent_identical_requests_create_exactly_one() {
    let app = TestApp::spawn().await;
    app.enable_end_users(
        json!({ "rateLimits": { "contactPerUserPerMinute": 0, "contactPerIpPerMinute": 0 } }),
    )
    .await;
    let token = user_token(SUB, "d@b.test");
    for key in [Some("same-key"), None] {
        let mut body = contact_body();
        body["quantity"] = json!(if key.is_some() { 7 } else { 8 });
        let futures: Vec<_> = (0..24)
            .map(|_| {
                let extra: Vec<(&str, &str)> = key
                    .map(|k| vec![("Idempotency-Key", k)])
                    .unwrap_or_default();
                let (app, token, body) = (&app, token.clone(), body.clone());
                async move { app.contact(&token, body, &extra).await }
            })
            .collect();
        let results = rocket::futures::future::join_all(futures).await;
        let ids: std::collections::BTreeSet<String> = results
            .iter()
            .map(|(s, b, _)| {
                assert_eq!(*s, Status::Created, "{b}");
                b["requestId"].as_str().unwrap().to_string()
            })
            .collect();
        assert_eq!(ids.len(), 1, "{key:?}: {ids:?}");
        let replays = results
            .iter()
            .filter(|(_, _, h)| header(h, "Idempotent-Replayed") == Some("true"))
            .count();
        assert_eq!(replays, 23);
    }
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM sales_contact_requests"),
        2
    );
}

#[rocket::async_test]
async fn a_staff_session_can_ask_too_with_its_csrf_token() {
    let app = TestApp::spawn().await;
    let csrf = app
        .sign_in(common::OWNER_EMAIL, common::OWNER_PASSWORD)
        .await;
    let res = app
        .client
        .post("/api/sales/contact-request")
        .header(ContentType::JSON)
        .body(contact_body().to_string())
        .dispatch()
        .await;
    assert_eq!(
        res.status(),
        Status::Unauthorized,
        "a session without the CSRF header is refused"
    );
    let res = app
        .client
        .post("/api/sales/contact-request")
        .header(ContentType::JSON)
        .header(Header::new("X-CSRF-Token", csrf))
        .body(contact_body().to_string())
        .dispatch()
        .await;
    assert_eq!(res.status(), Status::Created);
    let email: String = app
        .db()
        .query_row(
            "SELECT account_email FROM sales_contact_requests",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(email, common::OWNER_EMAIL);
}

#[rocket::async_test]
async fn a_database_that_cannot_take_the_write_is_service_unavailable() {
    let app = TestApp::spawn().await;
    app.enable_end_users(json!({})).await;
    let blocker = app.db();
    blocker.execute_batch("BEGIN EXCLUSIVE").unwrap();
    let (s, b, _) = app
        .contact(&user_token(SUB, "d@b.test"), contact_body(), &[])
        .await;
    blocker.execute_batch("ROLLBACK").unwrap();
    assert_eq!(s, Status::ServiceUnavailable, "{b}");
    assert_error_word(&b, "service_unavailable");
    let (s, _, _) = app
        .contact(&user_token(SUB, "d@b.test"), contact_body(), &[])
        .await;
    assert_eq!(s, Status::Created, "and it recovers");
}

#[rocket::async_test]
async fn analytics_events_record_the_funnel_without_personal_data() {
    let app = TestApp::spawn().await;
    app.enable_end_users(json!({})).await;
    let token = user_token(SUB, "private.person@buyer.test");
    let res = app.client.post("/api/v1/analytics/events").header(ContentType::JSON)
        .header(Header::new("Authorization", format!("Bearer {token}")))
        .body(json!({ "event": "pricing_contact_sales_clicked", "plan": "annual", "quantity": 100000, "source": "dashboard_pricing", "email": "private.person@buyer.test" }).to_string())
        .dispatch().await;
    assert_eq!(res.status(), Status::Created);
    let (_, ok, _) = app.contact(&token, contact_body(), &[]).await;
    let mut bad = contact_body();
    bad["plan"] = json!("free");
    app.contact(&token, bad, &[]).await;
    let before: i64 = app
        .db()
        .query_row("SELECT COUNT(*) FROM events", [], |r| r.get(0))
        .unwrap();
    let state = app.client.rocket().state::<leadbox::app::App>().unwrap();
    leadbox::flush_failures(&state.housekeeping()).await;
    let after: i64 = app
        .db()
        .query_row("SELECT COUNT(*) FROM events", [], |r| r.get(0))
        .unwrap();
    assert_eq!(after, before + 1, "failures are written as one aggregate");
    let rows: Vec<(String, String)> = {
        let db = app.db();
        let mut stmt = db
            .prepare("SELECT topic, data FROM events WHERE topic LIKE 'analytics/%' ORDER BY id")
            .unwrap();
        let rows = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<Result<Vec<_>, _>>()
            .unwrap();
        rows
    };
    let topics: Vec<&str> = rows.iter().map(|(t, _)| t.as_str()).collect();
    assert_eq!(
        topics,
        vec![
            "analytics/pricing_contact_sales_clicked",
            "analytics/pricing_contact_sales_submitted",
            "analytics/pricing_contact_sales_failed"
        ]
    );
    let clicked: Value = serde_json::from_str(&rows[0].1).unwrap();
    assert_eq!(
        (
            clicked["plan"].as_str(),
            clicked["quantity_bucket"].as_str(),
            clicked["source"].as_str()
        ),
        (Some("annual"), Some("100k-1m"), Some("dashboard_pricing"))
    );
    let submitted: Value = serde_json::from_str(&rows[1].1).unwrap();
    assert_eq!(submitted["requestId"], ok["requestId"]);
    let failed: Value = serde_json::from_str(&rows[2].1).unwrap();
    assert_eq!(failed["error"], json!("invalid_payload"));
    let all: String = app
        .db()
        .query_row("SELECT group_concat(data) FROM events", [], |r| r.get(0))
        .unwrap();
    assert!(
        !all.contains("private.person"),
        "no personal data in any event: {all}"
    );
    // The Overview counts the same funnel, and says why submits may outnumber clicks.
    app.sign_in(common::OWNER_EMAIL, common::OWNER_PASSWORD)
        .await;
    let (_, html) = app.page("/admin").await;
    let funnel = &html[html.find("id=\"funnel\"").expect("the funnel card")..];
    let funnel = &funnel[..funnel.find("</section>").unwrap()];
    for step in [
        "<strong>1</strong>Clicked",
        "<strong>1</strong>Submitted",
        "<strong>1</strong>Failed",
    ] {
        assert!(funnel.contains(step), "{step} in {funnel}");
    }
    assert!(funnel.contains("a request your own backend sends is submitted without one"));
    for (event, field) in [
        (json!({ "event": "made_up" }), "event"),
        (
            json!({ "event": "pricing_contact_sales_clicked", "plan": "free" }),
            "plan",
        ),
        (
            json!({ "event": "pricing_contact_sales_clicked", "quantity": 0 }),
            "quantity",
        ),
    ] {
        let res = app
            .client
            .post("/api/v1/analytics/events")
            .header(ContentType::JSON)
            .header(Header::new("Authorization", format!("Bearer {token}")))
            .body(event.to_string())
            .dispatch()
            .await;
        assert_eq!(res.status(), Status::BadRequest);
        let b: Value = serde_json::from_str(&res.into_string().await.unwrap()).unwrap();
        common::assert_error(&b, "VALIDATION_ERROR", Some(field));
    }
}

#[rocket::async_test]
async fn staff_work_contact_requests_and_see_them_in_the_unified_inbox() {
    let app = TestApp::spawn().await;
    let owner = app.enable_end_users(json!({})).await;
    let inq = app.new_inquiry("Inquiring Ian").await;
    let (_, b, _) = app
        .contact(&user_token(SUB, "dana@buyer.test"), contact_body(), &[])
        .await;
    let req = b["requestId"].as_str().unwrap().to_string();
    let (s, leads) = app.get("/api/v1/leads", Some(&owner)).await;
    assert_eq!(s, Status::Ok, "{leads}");
    let items = leads["data"]["items"].as_array().unwrap();
    assert_eq!(
        items
            .iter()
            .map(|i| (i["kind"].as_str().unwrap(), i["id"].as_str().unwrap()))
            .collect::<Vec<_>>(),
        vec![("contact_request", req.as_str()), ("inquiry", inq.as_str())],
        "newest first"
    );
    assert_eq!(items[0]["name"], json!("Dana Buyer"));
    assert_eq!(items[0]["email"], json!("dana@buyer.test"));
    let (_, only) = app.get("/api/v1/leads?kind=inquiry", Some(&owner)).await;
    assert_eq!(only["data"]["pagination"]["totalItems"], json!(1));
    let (_, q) = app.get("/api/v1/leads?q=buyer", Some(&owner)).await;
    assert_eq!(q["data"]["pagination"]["totalItems"], json!(1));
    for (query, field) in [
        ("kind=pizza", "kind"),
        ("status=DONE", "status"),
        ("limit=500", "limit"),
        ("sortBy=email", "sortBy"),
    ] {
        let (s, b) = app
            .get(&format!("/api/v1/leads?{query}"), Some(&owner))
            .await;
        assert_eq!(s, Status::BadRequest, "{query}");
        common::assert_error(&b, "VALIDATION_ERROR", Some(field));
    }
    let (s, detail) = app
        .get(&format!("/api/v1/contact-requests/{req}"), Some(&owner))
        .await;
    assert_eq!(s, Status::Ok);
    for (k, v) in [
        ("userId", json!(SUB)),
        ("accountEmail", json!("dana@buyer.test")),
        ("plan", json!("annual")),
        ("quantity", json!(100000)),
        ("source", json!("dashboard_pricing")),
        ("page", json!("/pricing")),
        ("status", json!("NEW")),
    ] {
        assert_eq!(detail["data"][k], v, "{k}");
    }
    let me = app.user_id(common::OWNER_EMAIL);
    let (s, _) = app
        .post_json(
            &format!("/api/v1/contact-requests/{req}/convert"),
            Some(&owner),
            json!({}),
        )
        .await;
    assert_eq!(s, Status::Conflict);
    for (action, body, status) in [
        ("assign", json!({ "assigneeId": me }), "ASSIGNED"),
        ("reply", json!({ "body": "Called them" }), "REPLIED"),
        ("convert", json!({}), "CONVERTED"),
    ] {
        let (s, b) = app
            .post_json(
                &format!("/api/v1/contact-requests/{req}/{action}"),
                Some(&owner),
                body,
            )
            .await;
        assert_eq!(s, Status::Ok, "{action}: {b}");
        assert_eq!(b["data"]["status"], json!(status));
    }
    let (_, detail) = app
        .get(&format!("/api/v1/contact-requests/{req}"), Some(&owner))
        .await;
    let kinds: Vec<&str> = detail["data"]["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, vec!["submitted", "assigned", "replied", "converted"]);
    let viewer = app
        .user_with_role("viewer-member@example.com", "viewer", "default")
        .await;
    let (s, _) = app.get("/api/v1/contact-requests", Some(&viewer)).await;
    assert_eq!(s, Status::Ok);
    let (s, b) = app
        .post_json(
            &format!("/api/v1/contact-requests/{req}/lose"),
            Some(&viewer),
            json!({ "reason": "x" }),
        )
        .await;
    assert_eq!(s, Status::Forbidden);
    assert_eq!(
        b["error"]["details"]["permission"],
        json!("ContactRequestPermissions.Resolve")
    );
    app.post_json(
        "/api/v1/workspaces",
        Some(&owner),
        json!({ "name": "Other", "slug": "other" }),
    )
    .await;
    let rival = app
        .user_with_role("rival@example.com", "owner", "other")
        .await;
    let (s, _) = app
        .get(&format!("/api/v1/contact-requests/{req}"), Some(&rival))
        .await;
    assert_eq!(s, Status::NotFound, "another workspace's request");
}

/// Twelve requests with one key, truly at once: each is sent but its last byte on its own
/// connection, then every last byte goes out together. More than the per-user limit (5), and
/// still exactly one is stored and eleven replay its answer; none is refused.
#[rocket::async_test]
async fn twelve_concurrent_requests_with_one_key_store_once_and_replay_eleven_times() {
    use common::server::{free_port, http, Server};
    use rocket::tokio::io::{AsyncReadExt, AsyncWriteExt};
    use rocket::tokio::net::TcpStream;

    let dir = common::TempDir::new();
    let server = Server::start(dir.path(), free_port(), &[]).await;
    let port = server.port;
    let (s, b) = http(
        port,
        "POST",
        "/api/v1/auth/token",
        &[("Content-Type", "application/json")],
        &json!({ "email": common::OWNER_EMAIL, "password": common::OWNER_PASSWORD }).to_string(),
    )
    .await
    .unwrap();
    assert_eq!(s, 201, "{b}");
    let owner: Value = serde_json::from_str(&b).unwrap();
    let owner = owner["data"]["token"].as_str().unwrap().to_string();
    let (s, b) = http(
        port,
        "PATCH",
        "/api/v1/workspaces/default",
        &[
            ("Content-Type", "application/json"),
            ("Authorization", &format!("Bearer {owner}")),
        ],
        &json!({ "userTokenSecret": USER_SECRET }).to_string(),
    )
    .await
    .unwrap();
    assert_eq!(s, 200, "{b}");
    let body = contact_body().to_string();
    let request = format!(
        "POST /api/sales/contact-request HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\
         Content-Type: application/json\r\nAuthorization: Bearer {}\r\nIdempotency-Key: one-click-12\r\n\
         Content-Length: {}\r\n\r\n{body}",
        user_token(SUB, "d@b.test"),
        body.len()
    );
    let (head, last) = request.as_bytes().split_at(request.len() - 1);
    let mut streams = vec![];
    for _ in 0..12 {
        let mut s = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
        s.set_nodelay(true).unwrap();
        s.write_all(head).await.unwrap();
        s.flush().await.unwrap();
        streams.push(s);
    }
    // Every request is parsed up to its body and waiting for one byte.
    rocket::tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    for s in streams.iter_mut() {
        s.write_all(last).await.unwrap();
    }
    let mut answers = vec![];
    for mut s in streams {
        answers.push(rocket::tokio::spawn(async move {
            let mut buf = Vec::new();
            s.read_to_end(&mut buf).await.unwrap();
            String::from_utf8_lossy(&buf).to_string()
        }));
    }
    let (mut created, mut replayed, mut ids) = (0, 0, std::collections::BTreeSet::new());
    for a in answers {
        let text = a.await.unwrap();
        let (head, body) = text.split_once("\r\n\r\n").unwrap();
        let status = head.split(' ').nth(1).unwrap();
        assert_eq!(status, "201", "no 429 and no error: {text}");
        if head
            .to_ascii_lowercase()
            .contains("idempotent-replayed: true")
        {
            replayed += 1;
        } else {
            created += 1;
        }
        let b: Value = serde_json::from_str(body).unwrap();
        ids.insert(b["requestId"].as_str().unwrap().to_string());
    }
    assert_eq!((created, replayed), (1, 11));
    assert_eq!(ids.len(), 1, "every answer names the one request");
    let db = rusqlite::Connection::open(dir.path().join("leadbox.db")).unwrap();
    let n: i64 = db
        .query_row("SELECT COUNT(*) FROM sales_contact_requests", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(n, 1);
    drop(server);
}

#[rocket::async_test]
async fn the_contact_request_list_names_the_filters_it_does_not_have() {
    let app = TestApp::spawn().await;
    app.enable_end_users(json!({})).await;
    let token = user_token(SUB, "buyer@example.com");
    let (s, _, _) = app.contact(&token, contact_body(), &[]).await;
    assert_eq!(s, Status::Created);
    let owner = app.owner_token().await;
    let (s, all) = app.get("/api/v1/contact-requests", Some(&owner)).await;
    assert_eq!(s, Status::Ok);
    assert_eq!(all["data"]["pagination"]["totalItems"], 1, "{all}");
    // The filters of leads sent through forms, and `type`, belong to inquiries: asked of
    // contact requests they are named, not silently ignored.
    for (query, field) in [
        ("formId=default", "formId"),
        ("source=google", "source"),
        ("quarantined=true", "quarantined"),
        ("type=sales", "type"),
    ] {
        let (s, e) = app
            .get(&format!("/api/v1/contact-requests?{query}"), Some(&owner))
            .await;
        assert_eq!(s, Status::BadRequest, "{query}: {e}");
        assert_eq!(e["error"]["code"], "VALIDATION_ERROR", "{e}");
        assert_eq!(
            e["error"]["details"][field], "is not a filter of this list",
            "{e}"
        );
    }
    // Empty, as a form with nothing chosen sends them, they are no filter at all.
    let (s, _) = app
        .get("/api/v1/contact-requests?formId=&source=", Some(&owner))
        .await;
    assert_eq!(s, Status::Ok);
    // Inquiries still take them.
    let (s, b) = app
        .get(
            "/api/v1/inquiries?formId=default&source=google&quarantined=false",
            Some(&owner),
        )
        .await;
    assert_eq!(s, Status::Ok, "{b}");
}
