//! Webhooks end to end: a real receiver on loopback, signatures checked by the independent
//! `standardwebhooks` package from PyPI, retries with one `webhook-id`, `dead` after the
//! schedule, redelivery, rotation, chat formats, the address rules and every bad input.

mod common;

use std::time::Duration;

use common::receiver::{python, verify_with_standardwebhooks, Answer, Receiver};
use common::{contact_body, user_token, TestApp};
use rocket::http::Status;
use serde_json::{json, Value};

/// An app that may post to loopback, with a short retry schedule.
async fn app(retry: &str, timeout: u64) -> TestApp {
    let (retry, timeout) = (retry.to_string(), timeout);
    let app = TestApp::spawn_with(move |f| {
        f.merge(("webhook_allow_private", true))
            .merge(("webhook_retry_seconds", retry))
            .merge(("webhook_timeout_seconds", timeout))
    })
    .await;
    app
}

async fn hook(app: &TestApp, token: &str, body: Value) -> Value {
    let (s, b) = app.post_json("/api/v1/webhooks", Some(token), body).await;
    assert_eq!(s, Status::Created, "{b}");
    b["data"].clone()
}

async fn call(
    app: &TestApp,
    method: &str,
    path: &str,
    token: &str,
    body: Value,
) -> (Status, Value) {
    let m: rocket::http::Method = method.parse().unwrap();
    let b = (!body.is_null()).then(|| (rocket::http::ContentType::JSON, body.to_string()));
    app.send(m, path, Some(token), &[], b).await
}

async fn deliveries(app: &TestApp, token: &str, hook: &str) -> Vec<Value> {
    let (s, b) = app
        .get(
            &format!("/api/v1/webhooks/{hook}/deliveries?limit=100"),
            Some(token),
        )
        .await;
    assert_eq!(s, Status::Ok, "{b}");
    b["data"]["items"].as_array().unwrap().clone()
}

/// Waits until the endpoint's deliveries satisfy `pred`.
async fn wait_deliveries(
    app: &TestApp,
    token: &str,
    hook: &str,
    secs: u64,
    pred: impl Fn(&[Value]) -> bool,
) -> Vec<Value> {
    let deadline = std::time::Instant::now() + Duration::from_secs(secs);
    loop {
        let d = deliveries(app, token, hook).await;
        if pred(&d) {
            return d;
        }
        assert!(std::time::Instant::now() < deadline, "deliveries: {d:#?}");
        rocket::tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Sets up end users and the pricing catalogue, then captures one lead of each kind.
async fn one_of_each(app: &TestApp, owner: &str) -> (String, String, String) {
    let inquiry = app.new_inquiry("Ada Lovelace").await;
    app.enable_end_users(json!({
        "plans": [{ "code": "INDUSTRY_GROWTH", "userType": "industry", "name": "Growth",
                    "monthlyMin": 12000, "monthlyMax": 20000 }],
        "addOns": [], "gstRate": 18
    }))
    .await;
    let user = "550e8400-e29b-41d4-a716-446655440000";
    let (s, b, _) = app
        .contact(&user_token(user, "dana@buyer.test"), contact_body(), &[])
        .await;
    assert_eq!(s, Status::Created, "{b}");
    let contact = b["requestId"].as_str().unwrap().to_string();
    let (s, b) = app
        .put_json(
            &format!("/api/v1/users/{user}"),
            Some(owner),
            json!({ "email": "dana@buyer.test", "name": "Dana Buyer", "signupType": "industry" }),
        )
        .await;
    assert!(s == Status::Ok || s == Status::Created, "{b}");
    let body = json!({
        "userId": user, "userType": "industry", "selectedPlanCode": "INDUSTRY_GROWTH",
        "selectedAddOnCodes": [],
        "pricing": { "planMonthlyMin": 12000, "planMonthlyMax": 20000, "addOnsMonthlyAmount": 0,
            "addOnsOneTimeAmount": 0, "gstRate": 18, "estimatedFirstMonthMin": 14160,
            "estimatedFirstMonthMax": 23600, "estimatedRecurringMin": 14160, "estimatedRecurringMax": 23600 },
        "source": "pricing_page", "capturedAt": "2024-01-15T10:30:00Z"
    });
    let end_user = common::jwt(
        common::USER_SECRET,
        json!({ "sub": user, "exp": common::unix_now() + 600 }),
    );
    let (s, b) = app
        .post_json("/api/v1/pricing-selections", Some(&end_user), body)
        .await;
    assert_eq!(s, Status::Created, "{b}");
    let selection = b["data"]["id"].as_str().unwrap().to_string();
    (inquiry, contact, selection)
}

#[rocket::async_test]
async fn a_new_lead_of_every_kind_arrives_signed_and_an_independent_library_verifies_it() {
    let Some(py) = python() else { return };
    let rx = Receiver::start().await;
    let app = app("1", 5).await;
    let owner = app.owner_token().await;
    let w = hook(
        &app,
        &owner,
        json!({ "url": rx.url("/in"), "topics": ["*"], "description": "CRM" }),
    )
    .await;
    let secret = w["secret"].as_str().unwrap().to_string();
    assert!(secret.starts_with("whsec_"));
    assert_eq!(w["format"], "standard");
    assert_eq!(w["enabled"], true);
    // The secret is shown on creation only.
    let (_, again) = app
        .get(
            &format!("/api/v1/webhooks/{}", w["id"].as_str().unwrap()),
            Some(&owner),
        )
        .await;
    assert!(again["data"].get("secret").is_none(), "{again}");
    let (_, list) = app.get("/api/v1/webhooks", Some(&owner)).await;
    assert!(!list.to_string().contains(&secret));

    let (inquiry, contact, selection) = one_of_each(&app, &owner).await;
    let hits = rx
        .wait_for("three submissions", 20, |h| {
            h.iter()
                .filter(|h| {
                    h.json()["type"]
                        .as_str()
                        .unwrap_or("")
                        .ends_with("/submitted")
                })
                .count()
                >= 3
        })
        .await;
    let ws = app.workspace_id("default");
    for (topic, id, path) in [
        (
            "observation/outreach/inquiry/submitted",
            &inquiry,
            "/admin/inquiries/",
        ),
        (
            "observation/sales/contact-request/submitted",
            &contact,
            "/admin/contact-requests/",
        ),
        (
            "observation/pricing/selection/submitted",
            &selection,
            "/admin/pricing/",
        ),
    ] {
        let hit = hits
            .iter()
            .find(|h| h.json()["type"] == topic)
            .unwrap_or_else(|| panic!("no {topic}"));
        let verified =
            verify_with_standardwebhooks(&py, &secret, hit).expect("the signature verifies");
        assert_eq!(verified, hit.json());
        assert_eq!(hit.method, "POST");
        assert_eq!(hit.path, "/in");
        assert_eq!(hit.header("content-type"), Some("application/json"));
        assert!(hit.header("user-agent").unwrap().starts_with("leadbox/"));
        assert!(hit.header("webhook-id").unwrap().starts_with("msg_"));
        assert!(hit.header("webhook-signature").unwrap().starts_with("v1,"));
        let body = hit.json();
        assert_eq!(body["data"]["id"], json!(id));
        assert_eq!(body["data"]["workspaceId"], json!(ws));
        let link = body["data"]["adminUrl"].as_str().unwrap();
        assert!(
            link.starts_with("http") && link.ends_with(&format!("{path}{id}")),
            "{link}"
        );
        assert!(time::OffsetDateTime::parse(
            body["timestamp"].as_str().unwrap(),
            &time::format_description::well_known::Rfc3339
        )
        .is_ok());
        // A different secret does not verify: the check is real.
        let wrong = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        assert!(verify_with_standardwebhooks(&py, wrong, hit).is_err());
    }
    let d = deliveries(&app, &owner, w["id"].as_str().unwrap()).await;
    assert!(
        d.iter()
            .all(|d| d["status"] == "succeeded" && d["responseStatus"] == 200 && d["attempt"] == 1),
        "{d:#?}"
    );
}

#[rocket::async_test]
async fn a_receiver_failing_three_times_gets_four_attempts_with_the_same_webhook_id() {
    let Some(py) = python() else { return };
    let rx = Receiver::start().await;
    rx.queue(&[
        Answer::Status(500),
        Answer::Status(500),
        Answer::Status(503),
    ]);
    let app = app("1,1,1,1", 5).await;
    let owner = app.owner_token().await;
    let w = hook(
        &app,
        &owner,
        json!({ "url": rx.url("/flaky"), "topics": ["observation/outreach/inquiry/submitted"] }),
    )
    .await;
    let secret = w["secret"].as_str().unwrap();
    app.new_inquiry("Grace Hopper").await;
    let hits = rx.wait_for("four attempts", 30, |h| h.len() >= 4).await;
    rocket::tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(rx.hits().len(), 4, "no fifth attempt after the success");
    let ids: Vec<&str> = hits
        .iter()
        .map(|h| h.header("webhook-id").unwrap())
        .collect();
    assert!(ids.iter().all(|i| *i == ids[0]), "{ids:?}");
    for h in &hits {
        verify_with_standardwebhooks(&py, secret, h).expect("each attempt is signed");
    }
    let bodies: Vec<Value> = hits.iter().map(|h| h.json()).collect();
    assert!(
        bodies.iter().all(|b| *b == bodies[0]),
        "the body is the same on every attempt"
    );
    let d = wait_deliveries(&app, &owner, w["id"].as_str().unwrap(), 10, |d| {
        d.len() == 1 && d[0]["status"] == "succeeded"
    })
    .await;
    assert_eq!(d[0]["attempt"], 4);
    assert_eq!(d[0]["messageId"], json!(ids[0]));
    assert_eq!(d[0]["responseStatus"], 200);
    assert!(d[0]["nextAttemptAt"].is_null());
}

#[rocket::async_test]
async fn a_receiver_that_never_answers_is_dead_after_the_schedule_and_can_be_redelivered() {
    let rx = Receiver::start().await;
    rx.then(Answer::Hang);
    let app = app("1,1", 1).await;
    let owner = app.owner_token().await;
    let w = hook(
        &app,
        &owner,
        json!({ "url": rx.url("/slow"), "topics": ["*"] }),
    )
    .await;
    let id = w["id"].as_str().unwrap().to_string();
    app.new_inquiry("Dead Letter").await;
    let d = wait_deliveries(&app, &owner, &id, 30, |d| {
        d.len() == 1 && d[0]["status"] == "dead"
    })
    .await;
    assert_eq!(d[0]["attempt"], 3, "one try and two retries");
    assert_eq!(d[0]["error"], "timed out");
    assert!(d[0]["responseStatus"].is_null());
    assert_eq!(rx.hits().len(), 3);
    let message = d[0]["messageId"].clone();
    // Filters: dead only, and a bad status is named.
    let (_, dead) = app
        .get(
            &format!("/api/v1/webhooks/{id}/deliveries?status=dead"),
            Some(&owner),
        )
        .await;
    assert_eq!(dead["data"]["items"].as_array().unwrap().len(), 1);
    let (_, none) = app
        .get(
            &format!("/api/v1/webhooks/{id}/deliveries?status=succeeded"),
            Some(&owner),
        )
        .await;
    assert_eq!(none["data"]["pagination"]["totalItems"], 0);
    let (s, b) = app
        .get(
            &format!("/api/v1/webhooks/{id}/deliveries?status=lost"),
            Some(&owner),
        )
        .await;
    assert_eq!(s, Status::BadRequest);
    common::assert_error(&b, "VALIDATION_ERROR", Some("status"));

    // The receiver recovers; redelivering the dead one sends the same message again.
    rx.then(Answer::Status(204));
    let delivery = d[0]["id"].as_str().unwrap();
    let (s, b) = app
        .post_json(
            &format!("/api/v1/webhook-deliveries/{delivery}/redeliver"),
            Some(&owner),
            Value::Null,
        )
        .await;
    assert_eq!(s, Status::Accepted, "{b}");
    assert_eq!(b["data"]["status"], "pending");
    let d = wait_deliveries(&app, &owner, &id, 10, |d| d[0]["status"] == "succeeded").await;
    assert_eq!(d[0]["attempt"], 4);
    assert_eq!(d[0]["messageId"], message);
    assert_eq!(
        rx.hits().last().unwrap().header("webhook-id"),
        message.as_str()
    );
    // Redelivering an unknown delivery is 404; one in another channel is not a webhook's.
    let (s, _) = app
        .post_json(
            "/api/v1/webhook-deliveries/dlv_nope/redeliver",
            Some(&owner),
            Value::Null,
        )
        .await;
    assert_eq!(s, Status::NotFound);
}

#[rocket::async_test]
async fn every_dead_delivery_of_an_endpoint_is_redelivered_at_once() {
    let rx = Receiver::start().await;
    rx.then(Answer::Status(500));
    let app = app("1", 2).await;
    let owner = app.owner_token().await;
    let w = hook(
        &app,
        &owner,
        json!({ "url": rx.url("/x"), "topics": ["*"] }),
    )
    .await;
    let id = w["id"].as_str().unwrap().to_string();
    for n in 0..3 {
        app.new_inquiry(&format!("Lead {n}")).await;
    }
    wait_deliveries(&app, &owner, &id, 20, |d| {
        d.len() == 3 && d.iter().all(|d| d["status"] == "dead")
    })
    .await;
    assert!(rx.hits().iter().all(|h| h.answered == Some(500)));
    rx.then(Answer::Status(200));
    let (s, b) = app
        .post_json(
            &format!("/api/v1/webhooks/{id}/redeliver-dead"),
            Some(&owner),
            Value::Null,
        )
        .await;
    assert_eq!(s, Status::Accepted, "{b}");
    assert_eq!(b["data"]["requeued"], 3);
    wait_deliveries(&app, &owner, &id, 10, |d| {
        d.iter().all(|d| d["status"] == "succeeded")
    })
    .await;
}

#[rocket::async_test]
async fn rotation_signs_with_both_secrets_during_the_grace_period() {
    let Some(py) = python() else { return };
    let rx = Receiver::start().await;
    let app = app("1", 5).await;
    let owner = app.owner_token().await;
    let w = hook(
        &app,
        &owner,
        json!({ "url": rx.url("/r"), "topics": ["*"] }),
    )
    .await;
    let id = w["id"].as_str().unwrap();
    let old = w["secret"].as_str().unwrap().to_string();
    let (s, b) = app
        .post_json(
            &format!("/api/v1/webhooks/{id}/rotate-secret"),
            Some(&owner),
            Value::Null,
        )
        .await;
    assert_eq!(s, Status::Ok, "{b}");
    let new = b["data"]["secret"].as_str().unwrap().to_string();
    assert_ne!(new, old);
    assert!(b["data"]["previousSecretExpiresAt"].is_string());
    app.new_inquiry("Rotated").await;
    let hits = rx.wait_for("one message", 10, |h| !h.is_empty()).await;
    assert_eq!(
        hits[0]
            .header("webhook-signature")
            .unwrap()
            .split(' ')
            .count(),
        2
    );
    verify_with_standardwebhooks(&py, &old, &hits[0]).expect("the old secret still verifies");
    verify_with_standardwebhooks(&py, &new, &hits[0]).expect("the new secret verifies");
}

#[rocket::async_test]
async fn the_test_button_sends_a_signed_test_message_now() {
    let Some(py) = python() else { return };
    let rx = Receiver::start().await;
    let app = app("1", 5).await;
    let owner = app.owner_token().await;
    let w = hook(
        &app,
        &owner,
        json!({ "url": rx.url("/t"), "topics": ["observation/pricing/selection/updated"] }),
    )
    .await;
    let id = w["id"].as_str().unwrap();
    let (s, b) = app
        .post_json(
            &format!("/api/v1/webhooks/{id}/test"),
            Some(&owner),
            Value::Null,
        )
        .await;
    assert_eq!(s, Status::Accepted, "{b}");
    assert_eq!(b["data"]["topic"], "leadbox.test");
    let hits = rx.wait_for("the test", 10, |h| !h.is_empty()).await;
    let v = verify_with_standardwebhooks(&py, w["secret"].as_str().unwrap(), &hits[0]).unwrap();
    assert_eq!(v["type"], "leadbox.test");
    assert_eq!(v["data"]["workspaceId"], json!(app.workspace_id("default")));
    // The endpoint does not take inquiries: a new one is not sent to it.
    app.new_inquiry("Not for this endpoint").await;
    rocket::tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(rx.hits().len(), 1);
}

#[rocket::async_test]
async fn chat_formats_post_one_readable_line() {
    let rx = Receiver::start().await;
    let app = app("1", 5).await;
    let owner = app.owner_token().await;
    for format in ["slack", "discord", "telegram"] {
        hook(&app, &owner, json!({ "url": rx.url(&format!("/{format}?chat_id=42")), "topics": ["*"], "format": format })).await;
    }
    let id = app.new_inquiry("Chatty Lead").await;
    let hits = rx.wait_for("three chat posts", 10, |h| h.len() >= 3).await;
    for h in hits {
        let b = h.json();
        let text = if h.path.starts_with("/discord") {
            b["content"].as_str().unwrap().to_string()
        } else {
            b["text"].as_str().unwrap().to_string()
        };
        assert!(text.contains("Chatty Lead (Acme)"), "{text}");
        assert!(text.contains(&format!("/admin/inquiries/{id}")), "{text}");
        if h.path.starts_with("/telegram") {
            assert_eq!(b["chat_id"], "42");
        }
    }
}

#[rocket::async_test]
async fn a_disabled_endpoint_waits_and_enabling_it_delivers() {
    let rx = Receiver::start().await;
    let app = app("1", 5).await;
    let owner = app.owner_token().await;
    let w = hook(
        &app,
        &owner,
        json!({ "url": rx.url("/d"), "topics": ["*"] }),
    )
    .await;
    let id = w["id"].as_str().unwrap();
    let (s, b) = app
        .patch_json(
            &format!("/api/v1/webhooks/{id}"),
            Some(&owner),
            json!({ "enabled": false }),
        )
        .await;
    assert_eq!(s, Status::Ok, "{b}");
    assert_eq!(b["data"]["enabled"], false);
    app.new_inquiry("Waiting").await;
    rocket::tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(rx.hits().is_empty(), "a disabled endpoint gets nothing");
    let (s, _) = app
        .patch_json(
            &format!("/api/v1/webhooks/{id}"),
            Some(&owner),
            json!({ "enabled": true }),
        )
        .await;
    assert_eq!(s, Status::Ok);
    rx.wait_for("the delivery", 10, |h| h.len() == 1).await;
}

#[rocket::async_test]
async fn an_endpoint_failing_for_five_days_is_disabled_and_logged() {
    let rx = Receiver::start().await;
    rx.then(Answer::Status(500));
    let app = app("1,1", 2).await;
    let owner = app.owner_token().await;
    let w = hook(
        &app,
        &owner,
        json!({ "url": rx.url("/f"), "topics": ["*"] }),
    )
    .await;
    let id = w["id"].as_str().unwrap().to_string();
    let six_days_ago = leadbox::util::rfc3339(leadbox::util::now() - time::Duration::days(6));
    app.db()
        .execute(
            "UPDATE webhooks SET failing_since = ?1 WHERE id = ?2",
            [&six_days_ago, &id],
        )
        .unwrap();
    app.new_inquiry("Five days").await;
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let (_, b) = app
            .get(&format!("/api/v1/webhooks/{id}"), Some(&owner))
            .await;
        if b["data"]["enabled"] == false {
            assert_eq!(b["data"]["disabledReason"], "failing");
            break;
        }
        assert!(std::time::Instant::now() < deadline, "{b}");
        rocket::tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let logged: i64 = app
        .db()
        .query_row(
            "SELECT COUNT(*) FROM events WHERE topic = 'webhook/disabled' AND subject_id = ?1",
            [&id],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(logged, 1);
    // Enabling it again clears the failure state.
    let (_, b) = app
        .patch_json(
            &format!("/api/v1/webhooks/{id}"),
            Some(&owner),
            json!({ "enabled": true }),
        )
        .await;
    assert!(
        b["data"]["failingSince"].is_null() && b["data"]["disabledReason"].is_null(),
        "{b}"
    );
}

/// A name other than `localhost` that the hosts file maps to loopback.
fn loopback_name() -> String {
    std::fs::read_to_string("/etc/hosts")
        .unwrap_or_default()
        .lines()
        .filter_map(|l| {
            let mut p = l.split_whitespace();
            let ip: std::net::IpAddr = p.next()?.parse().ok()?;
            ip.is_loopback().then_some(p)
        })
        .flatten()
        .find(|n| !n.starts_with('#') && !n.ends_with("localhost") && !n.contains("loopback"))
        .map(str::to_string)
        .expect("the hosts file maps a name other than localhost to loopback")
}

#[rocket::async_test]
async fn private_and_loopback_targets_are_refused_without_the_override() {
    let app = TestApp::spawn().await;
    let owner = app.owner_token().await;
    for url in [
        "http://127.0.0.1:9/x",
        "http://localhost:9/",
        "http://[::1]/",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.7/",
        "http://192.168.1.1/",
        "http://[::ffff:127.0.0.1]/",
    ] {
        let (s, b) = app
            .post_json(
                "/api/v1/webhooks",
                Some(&owner),
                json!({ "url": url, "topics": ["*"] }),
            )
            .await;
        assert_eq!(s, Status::BadRequest, "{url}: {b}");
        common::assert_error(&b, "VALIDATION_ERROR", Some("url"));
    }
    // A name that resolves to 127.0.0.1 passes the form check but is refused when connecting.
    let rx = Receiver::start().await;
    let url = format!("http://{}:{}/in", loopback_name(), rx.port);
    let w = hook(&app, &owner, json!({ "url": url, "topics": ["*"] })).await;
    app.new_inquiry("Rebinding").await;
    let d = wait_deliveries(&app, &owner, w["id"].as_str().unwrap(), 10, |d| {
        d.len() == 1 && d[0]["attempt"] == 1
    })
    .await;
    assert!(
        d[0]["error"].as_str().unwrap().starts_with("refused"),
        "{d:?}"
    );
    assert_eq!(d[0]["status"], "failed");
    assert!(
        rx.hits().is_empty(),
        "nothing reached the loopback receiver"
    );
}

#[rocket::async_test]
async fn bad_webhook_input_is_named_and_nothing_is_stored() {
    let app = app("1", 5).await;
    let owner = app.owner_token().await;
    let cases = [
        (json!({ "topics": ["*"] }), "url"),
        (json!({ "url": "https://example.com/h" }), "topics"),
        (
            json!({ "url": "https://example.com/h", "topics": [] }),
            "topics",
        ),
        (
            json!({ "url": "https://example.com/h", "topics": ["lead/made-up"] }),
            "topics",
        ),
        (
            json!({ "url": "ftp://example.com/h", "topics": ["*"] }),
            "url",
        ),
        (json!({ "url": "not a url", "topics": ["*"] }), "url"),
        (
            json!({ "url": "https://example.com/h", "topics": ["*"], "format": "teams" }),
            "format",
        ),
        (json!({ "url": 5, "topics": ["*"] }), "url"),
        (
            json!({ "url": "https://example.com/h", "topics": "*" }),
            "topics",
        ),
        (
            json!({ "url": "https://example.com/h", "topics": ["*"], "enabled": "yes" }),
            "enabled",
        ),
        (
            json!({ "url": format!("https://example.com/{}", "a".repeat(2000)), "topics": ["*"] }),
            "url",
        ),
        (
            json!({ "url": "https://example.com/h", "topics": ["*"], "description": "d".repeat(201) }),
            "description",
        ),
    ];
    for (body, field) in cases {
        let (s, b) = app
            .post_json("/api/v1/webhooks", Some(&owner), body.clone())
            .await;
        assert_eq!(s, Status::BadRequest, "{body}: {b}");
        common::assert_error(&b, "VALIDATION_ERROR", Some(field));
    }
    let stored: i64 = app
        .db()
        .query_row("SELECT COUNT(*) FROM webhooks", [], |r| r.get(0))
        .unwrap();
    assert_eq!(stored, 0);
    // Unknown ids are 404, for every call that takes one.
    for (method, path) in [
        ("GET", "/api/v1/webhooks/wh_nope"),
        ("PATCH", "/api/v1/webhooks/wh_nope"),
        ("DELETE", "/api/v1/webhooks/wh_nope"),
        ("POST", "/api/v1/webhooks/wh_nope/rotate-secret"),
        ("POST", "/api/v1/webhooks/wh_nope/test"),
        ("POST", "/api/v1/webhooks/wh_nope/redeliver-dead"),
        ("GET", "/api/v1/webhooks/wh_nope/deliveries"),
    ] {
        let body = if method == "PATCH" {
            json!({ "enabled": true })
        } else {
            Value::Null
        };
        let (s, b) = call(&app, method, path, &owner, body).await;
        assert_eq!(s, Status::NotFound, "{method} {path}: {b}");
    }
    // A bad PATCH names its field and changes nothing.
    let w = hook(
        &app,
        &owner,
        json!({ "url": "https://example.com/h", "topics": ["*"] }),
    )
    .await;
    let id = w["id"].as_str().unwrap();
    let (s, b) = app
        .patch_json(
            &format!("/api/v1/webhooks/{id}"),
            Some(&owner),
            json!({ "format": "fax" }),
        )
        .await;
    assert_eq!(s, Status::BadRequest);
    common::assert_error(&b, "VALIDATION_ERROR", Some("format"));
    let (_, b) = app
        .get(&format!("/api/v1/webhooks/{id}"), Some(&owner))
        .await;
    assert_eq!(b["data"]["format"], "standard");
    // Paging is checked.
    let (s, b) = app
        .get(
            &format!("/api/v1/webhooks/{id}/deliveries?limit=0"),
            Some(&owner),
        )
        .await;
    assert_eq!(s, Status::BadRequest);
    common::assert_error(&b, "VALIDATION_ERROR", Some("limit"));
    // Delete removes it.
    let (s, _) = call(
        &app,
        "DELETE",
        &format!("/api/v1/webhooks/{id}"),
        &owner,
        Value::Null,
    )
    .await;
    assert_eq!(s, Status::Ok);
    let (s, _) = app
        .get(&format!("/api/v1/webhooks/{id}"), Some(&owner))
        .await;
    assert_eq!(s, Status::NotFound);
}

#[rocket::async_test]
async fn only_owners_and_admins_manage_webhooks_and_only_their_workspaces() {
    let app = app("1", 5).await;
    let owner = app.owner_token().await;
    let w = hook(
        &app,
        &owner,
        json!({ "url": "https://example.com/h", "topics": ["*"] }),
    )
    .await;
    let id = w["id"].as_str().unwrap();
    for role in ["sales", "support", "viewer"] {
        let t = app
            .user_with_role(&format!("{role}@example.com"), role, "default")
            .await;
        let (s, b) = app.get("/api/v1/webhooks", Some(&t)).await;
        assert_eq!(s, Status::Forbidden, "{role}: {b}");
        assert_eq!(
            b["error"]["details"]["permission"],
            "WebhookPermissions.Manage"
        );
        let (s, _) = app
            .post_json(
                "/api/v1/webhooks",
                Some(&t),
                json!({ "url": "https://example.com/x", "topics": ["*"] }),
            )
            .await;
        assert_eq!(s, Status::Forbidden);
    }
    let admin = app
        .user_with_role("admin@example.com", "admin", "default")
        .await;
    let (s, _) = app
        .get(&format!("/api/v1/webhooks/{id}"), Some(&admin))
        .await;
    assert_eq!(s, Status::Ok);
    // Another workspace's owner sees nothing of it.
    let (s, b) = app
        .post_json(
            "/api/v1/workspaces",
            Some(&owner),
            json!({ "name": "Other", "slug": "other" }),
        )
        .await;
    assert_eq!(s, Status::Created, "{b}");
    let res = app
        .client
        .get(format!("/api/v1/webhooks/{id}"))
        .header(rocket::http::Header::new(
            "Authorization",
            format!("Bearer {owner}"),
        ))
        .header(rocket::http::Header::new("x-merchant-id", "other"))
        .dispatch()
        .await;
    assert_eq!(res.status(), Status::NotFound);
    let res = app
        .client
        .get("/api/v1/webhooks")
        .header(rocket::http::Header::new(
            "Authorization",
            format!("Bearer {owner}"),
        ))
        .header(rocket::http::Header::new("x-merchant-id", "other"))
        .dispatch()
        .await;
    let (_, b) = common::read(res).await;
    assert_eq!(b["data"], json!([]));
    let (s, _) = app.get("/api/v1/webhooks", None).await;
    assert_eq!(s, Status::Unauthorized);
}

#[rocket::async_test]
async fn a_receiver_that_never_answers_does_not_hold_up_another_endpoint() {
    let stuck = Receiver::start().await;
    stuck.then(Answer::Hang);
    let healthy = Receiver::start().await;
    let app = app("30", 10).await;
    let owner = app.owner_token().await;
    hook(
        &app,
        &owner,
        json!({ "url": stuck.url("/stuck"), "topics": ["*"] }),
    )
    .await;
    hook(
        &app,
        &owner,
        json!({ "url": healthy.url("/ok"), "topics": ["*"] }),
    )
    .await;
    let started = std::time::Instant::now();
    for n in 0..20 {
        app.new_inquiry(&format!("Lead {n}")).await;
    }
    healthy
        .wait_for("all 20 at the healthy endpoint", 10, |h| h.len() >= 20)
        .await;
    // The stuck endpoint holds at most its 4 attempts in flight; the healthy one got all 20
    // long before any stuck attempt could time out (10 s).
    assert!(
        started.elapsed() < Duration::from_secs(9),
        "{:?}",
        started.elapsed()
    );
    let stuck_hits = stuck.hits().len();
    assert!(
        (1..=4).contains(&stuck_hits),
        "{stuck_hits} attempts in flight to the stuck endpoint"
    );
}

#[rocket::async_test]
async fn redirects_are_not_followed() {
    let elsewhere = Receiver::start().await;
    let rx = Receiver::start().await;
    rx.then(Answer::Redirect(elsewhere.port));
    let app = app("1", 5).await;
    let owner = app.owner_token().await;
    let w = hook(
        &app,
        &owner,
        json!({ "url": rx.url("/moved"), "topics": ["*"] }),
    )
    .await;
    app.new_inquiry("Redirected").await;
    let d = wait_deliveries(&app, &owner, w["id"].as_str().unwrap(), 10, |d| {
        d.len() == 1 && d[0]["status"] == "dead"
    })
    .await;
    assert_eq!(d[0]["responseStatus"], 302);
    assert_eq!(d[0]["error"], "answered 302");
    assert!(
        elsewhere.hits().is_empty(),
        "the redirect target was never asked"
    );
}
