//! Email through a real SMTP server (aiosmtpd) and Web Push to a push endpoint on loopback:
//! who gets what, in which language, with how little personal data; SMTP down then up; VAPID
//! that verifies and a payload that decrypts; expired subscriptions dropped; every bad input.

mod common;

use std::time::Duration;

use common::push::Browser;
use common::receiver::{mail_body, mail_header, python, Answer, Receiver, Smtp};
use common::server::free_port;
use common::TestApp;
use rocket::http::Status;
use serde_json::{json, Value};

async fn app_with_smtp(port: u16) -> TestApp {
    TestApp::spawn_with(move |f| {
        f.merge(("smtp_url", format!("smtp://127.0.0.1:{port}")))
            .merge(("smtp_from", "leadbox <leads@acme.test>"))
            .merge(("webhook_retry_seconds", "1,1,1,1,1,1,1,1,1,1"))
            .merge(("webhook_timeout_seconds", 2))
            .merge(("webhook_allow_private", true))
    })
    .await
}

async fn choose(app: &TestApp, token: &str, body: Value) -> Value {
    let (s, b) = app
        .put_json("/api/v1/me/notifications", Some(token), body)
        .await;
    assert_eq!(s, Status::Ok, "{b}");
    b["data"].clone()
}

async fn set_locale_vi(app: &TestApp, email: &str) {
    let email = email.to_string();
    app.state()
        .store
        .write(move |tx| {
            let (u, _) = leadbox::auth::users::with_hash_by_email(tx, &email)?.unwrap();
            leadbox::auth::users::set_locale(tx, &u.id, leadbox::domain::Locale::Vi)
        })
        .await
        .unwrap();
}

async fn in_default(app: &TestApp, token: &str, path: &str, body: Value) -> (Status, Value) {
    app.send(
        rocket::http::Method::Post,
        path,
        Some(token),
        &[("x-merchant-id", "default")],
        Some((rocket::http::ContentType::JSON, body.to_string())),
    )
    .await
}

fn to_of(m: &str) -> String {
    mail_header(m, "To").unwrap_or_default()
}

#[rocket::async_test]
async fn a_new_lead_emails_exactly_who_asked_in_their_language_with_little_personal_data() {
    let Some(py) = python() else { return };
    let port = free_port();
    let smtp = Smtp::start(&py, port);
    let app = app_with_smtp(port).await;
    let owner = app.owner_token().await;
    let sales = app
        .user_with_role("rep@acme.test", "sales", "default")
        .await;
    set_locale_vi(&app, "rep@acme.test").await;
    let _quiet = app
        .user_with_role("quiet@acme.test", "viewer", "default")
        .await;
    let v = choose(&app, &owner, json!({ "email": { "newLeads": true } })).await;
    assert_eq!(
        v["email"],
        json!({ "newLeads": true, "assignedToMe": false, "dailyDigest": false, "escalations": true }),
        "escalations follow the channel's lead news until chosen"
    );
    assert_eq!(v["emailAvailable"], true);
    choose(
        &app,
        &sales,
        json!({ "email": { "newLeads": true, "assignedToMe": true } }),
    )
    .await;
    // A member of another workspace who wants every lead there gets none of these.
    let (s, b) = app
        .post_json(
            "/api/v1/workspaces",
            Some(&owner),
            json!({ "name": "Other", "slug": "other" }),
        )
        .await;
    assert_eq!(s, Status::Created, "{b}");
    let stranger = app
        .user_with_role("stranger@acme.test", "owner", "other")
        .await;
    choose(
        &app,
        &stranger,
        json!({ "email": { "newLeads": true, "assignedToMe": true } }),
    )
    .await;

    let (s, b) = app
        .submit(json!({ "name": "Ada Lovelace", "email": "ada@lead.test", "phone": "+84 90 123 4567",
                        "businessName": "Analytical Engines", "message": "Secret plans for a demo" }))
        .await;
    assert_eq!(s, Status::Created, "{b}");
    let id = b["data"]["id"].as_str().unwrap().to_string();
    let mails = smtp.wait_for(2, 20).await;
    rocket::tokio::time::sleep(Duration::from_millis(1500)).await;
    let mails = if smtp.messages().len() > mails.len() {
        smtp.messages()
    } else {
        mails
    };
    assert_eq!(mails.len(), 2, "one per recipient who asked: {mails:#?}");
    let mut to: Vec<String> = mails.iter().map(|m| to_of(m)).collect();
    to.sort();
    assert_eq!(
        to,
        vec!["owner@example.com".to_string(), "rep@acme.test".to_string()]
    );
    for m in &mails {
        let body = mail_body(m);
        let subject = mail_header(m, "Subject").unwrap();
        assert!(mail_header(m, "From").unwrap().contains("leads@acme.test"));
        assert!(body.contains("Ada Lovelace"), "{body}");
        assert!(body.contains("Analytical Engines"), "{body}");
        assert!(body.contains(&format!("/admin/inquiries/{id}")), "{body}");
        for private in ["ada@lead.test", "123 4567", "Secret plans"] {
            assert!(
                !body.contains(private) && !subject.contains(private),
                "{private} leaked: {body}"
            );
        }
        if to_of(m) == "rep@acme.test" {
            assert_eq!(subject, "Mới: Yêu cầu liên hệ — Ada Lovelace");
            assert!(body.contains("Mở trong leadbox"), "{body}");
        } else {
            assert_eq!(subject, "New: Inquiry — Ada Lovelace");
            assert!(body.contains("Open it in leadbox"), "{body}");
        }
    }

    // Assigning the lead to the rep emails the rep (who asked), and nobody else.
    let rep_id = app.user_id("rep@acme.test");
    let (s, b) = in_default(
        &app,
        &owner,
        &format!("/api/v1/inquiries/{id}/assign"),
        json!({ "assigneeId": rep_id }),
    )
    .await;
    assert_eq!(s, Status::Ok, "{b}");
    let mails = smtp.wait_for(3, 20).await;
    let assigned: Vec<&String> = mails
        .iter()
        .filter(|m| {
            mail_header(m, "Subject")
                .unwrap()
                .starts_with("Đã giao cho bạn")
        })
        .collect();
    assert_eq!(assigned.len(), 1, "{mails:#?}");
    assert_eq!(to_of(assigned[0]), "rep@acme.test");
    // The owner assigning a lead to themself is told nothing.
    let owner_id = app.user_id("owner@example.com");
    let res = app
        .client
        .put("/api/v1/me/notifications")
        .header(rocket::http::ContentType::JSON)
        .header(rocket::http::Header::new(
            "Authorization",
            format!("Bearer {owner}"),
        ))
        .header(rocket::http::Header::new("x-merchant-id", "default"))
        .body(json!({ "email": { "assignedToMe": true } }).to_string())
        .dispatch()
        .await;
    assert_eq!(res.status(), Status::Ok);
    let (s, _) = in_default(
        &app,
        &owner,
        &format!("/api/v1/inquiries/{id}/assign"),
        json!({ "assigneeId": owner_id }),
    )
    .await;
    assert_eq!(s, Status::Ok);
    rocket::tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(smtp.messages().len(), 3);
}

#[rocket::async_test]
async fn smtp_down_then_up_delivers_the_email_once() {
    let Some(py) = python() else { return };
    let port = free_port();
    let app = app_with_smtp(port).await;
    let owner = app.owner_token().await;
    choose(&app, &owner, json!({ "email": { "newLeads": true } })).await;
    app.new_inquiry("While SMTP is down").await;
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        let row: Option<(String, i64, Option<String>)> = app
            .db()
            .query_row(
                "SELECT status, attempt, error FROM deliveries WHERE channel = 'email'",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .ok();
        if let Some((status, attempt, error)) = row {
            if attempt >= 2 {
                assert_eq!(status, "failed");
                assert_eq!(error.as_deref(), Some("could not reach the mail server"));
                break;
            }
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no failed attempt recorded"
        );
        rocket::tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let smtp = Smtp::start(&py, port);
    let mails = smtp.wait_for(1, 20).await;
    rocket::tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(smtp.messages().len(), 1, "{mails:#?}");
    let status: String = app
        .db()
        .query_row(
            "SELECT status FROM deliveries WHERE channel = 'email'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(status, "succeeded");
    let (_, metrics) = app.page("/metrics").await;
    assert!(
        metrics.contains("leadbox_deliveries_total{channel=\"email\",outcome=\"succeeded\"} 1"),
        "{metrics}"
    );
    assert!(metrics.contains("leadbox_deliveries_pending{channel=\"email\"} 0"));
}

#[rocket::async_test]
async fn without_smtp_email_choices_are_kept_and_nothing_is_queued_or_fails() {
    let app = TestApp::spawn().await;
    let owner = app.owner_token().await;
    let (s, b) = app.get("/api/v1/me/notifications", Some(&owner)).await;
    assert_eq!(s, Status::Ok, "{b}");
    assert_eq!(b["data"]["emailAvailable"], false);
    assert_eq!(b["data"]["email"]["newLeads"], false);
    choose(
        &app,
        &owner,
        json!({ "email": { "newLeads": true, "dailyDigest": true } }),
    )
    .await;
    app.new_inquiry("No mail").await;
    rocket::tokio::time::sleep(Duration::from_millis(1500)).await;
    let queued: i64 = app
        .db()
        .query_row("SELECT COUNT(*) FROM deliveries", [], |r| r.get(0))
        .unwrap();
    assert_eq!(queued, 0);
    // The account page shows no email choices.
    let (_, html) = app.page("/metrics").await;
    assert!(html.contains("leadbox_deliveries_pending{channel=\"email\"} 0"));
}

#[rocket::async_test]
async fn bad_notification_choices_are_named() {
    let app = TestApp::spawn().await;
    let owner = app.owner_token().await;
    for (body, field) in [
        (json!({ "email": { "newLeads": "yes" } }), "email.newLeads"),
        (
            json!({ "push": { "assignedToMe": 1 } }),
            "push.assignedToMe",
        ),
        (json!({ "email": { "weekly": true } }), "email"),
        (json!({ "sms": {} }), "sms"),
        (json!({ "email": [] }), "email"),
        (
            json!({ "email": { "escalations": "yes" } }),
            "email.escalations",
        ),
        (json!({ "push": { "escalations": 0 } }), "push.escalations"),
    ] {
        let (s, b) = app
            .put_json("/api/v1/me/notifications", Some(&owner), body.clone())
            .await;
        assert_eq!(s, Status::BadRequest, "{body}: {b}");
        let got = b["error"]["details"]
            .as_object()
            .unwrap()
            .keys()
            .next()
            .unwrap()
            .clone();
        assert!(got == field || got.starts_with(field), "{body}: {b}");
    }
    let (s, b) = app.get("/api/v1/me/notifications", Some(&owner)).await;
    assert_eq!(s, Status::Ok);
    assert_eq!(b["data"]["email"]["newLeads"], false, "nothing was stored");
    let (s, _) = app.get("/api/v1/me/notifications", None).await;
    assert_eq!(s, Status::Unauthorized);
}

/// Verifies `vapid t=<jwt>, k=<key>` (RFC 8292) and answers its claims.
fn verify_vapid(header: &str, expected_key: &str) -> Value {
    use leadbox::delivery::push::b64d;
    use p256::ecdsa::signature::Verifier;
    let rest = header.strip_prefix("vapid ").expect("the vapid scheme");
    let mut t = "";
    let mut k = "";
    for part in rest.split(',') {
        let part = part.trim();
        if let Some(v) = part.strip_prefix("t=") {
            t = v;
        } else if let Some(v) = part.strip_prefix("k=") {
            k = v;
        }
    }
    assert_eq!(k, expected_key);
    let key = p256::ecdsa::VerifyingKey::from_sec1_bytes(&b64d(k).unwrap()).unwrap();
    let (signed, sig) = t.rsplit_once('.').unwrap();
    let sig = p256::ecdsa::Signature::from_slice(&b64d(sig).unwrap()).unwrap();
    key.verify(signed.as_bytes(), &sig)
        .expect("the VAPID signature verifies");
    let (head, claims) = signed.split_once('.').unwrap();
    let head: Value = serde_json::from_slice(&b64d(head).unwrap()).unwrap();
    assert_eq!(head["alg"], "ES256");
    serde_json::from_slice(&b64d(claims).unwrap()).unwrap()
}

#[rocket::async_test]
async fn a_push_carries_a_vapid_signature_that_verifies_and_decrypts_to_the_lead() {
    let rx = Receiver::start().await;
    rx.queue(&[Answer::Status(201)]);
    let app = app_with_smtp(free_port()).await;
    let owner = app.owner_token().await;
    let (s, key) = app.get("/api/v1/push/vapid-public-key", Some(&owner)).await;
    assert_eq!(s, Status::Ok);
    let public = key["data"]["publicKey"].as_str().unwrap().to_string();
    let browser = Browser::new();
    let (s, b) = app
        .post_json(
            "/api/v1/me/push-subscriptions",
            Some(&owner),
            browser.subscription(&rx.url("/push/sub-1")),
        )
        .await;
    assert_eq!(s, Status::Created, "{b}");
    let v = choose(&app, &owner, json!({ "push": { "newLeads": true } })).await;
    assert_eq!(v["pushSubscriptions"], 1);
    let id = app.new_inquiry("Pushy Lead").await;
    let hits = rx.wait_for("the push", 20, |h| !h.is_empty()).await;
    let hit = &hits[0];
    assert_eq!(hit.path, "/push/sub-1");
    assert_eq!(hit.header("content-encoding"), Some("aes128gcm"));
    assert_eq!(hit.header("ttl"), Some("86400"));
    let claims = verify_vapid(hit.header("authorization").unwrap(), &public);
    assert_eq!(claims["aud"], format!("http://127.0.0.1:{}", rx.port));
    let exp = claims["exp"].as_i64().unwrap();
    let now = common::unix_now();
    assert!(exp > now && exp <= now + 24 * 3600, "{claims}");
    assert!(claims["sub"]
        .as_str()
        .unwrap()
        .starts_with("mailto:leads@acme.test"));
    let plain = leadbox::delivery::push::decrypt(&hit.body, &browser.key, &browser.auth)
        .expect("it decrypts");
    let msg: Value = serde_json::from_slice(&plain).unwrap();
    assert_eq!(msg["title"], "New: Inquiry");
    assert_eq!(msg["body"], "Pushy Lead (Acme)");
    assert_eq!(msg["url"], format!("/admin/inquiries/{id}"));
    // Another browser cannot read it.
    let other = Browser::new();
    assert!(leadbox::delivery::push::decrypt(&hit.body, &other.key, &browser.auth).is_err());
}

#[rocket::async_test]
async fn a_push_endpoint_answering_410_removes_the_subscription() {
    let rx = Receiver::start().await;
    rx.then(Answer::Status(410));
    let app = app_with_smtp(free_port()).await;
    let owner = app.owner_token().await;
    let browser = Browser::new();
    let (s, b) = app
        .post_json(
            "/api/v1/me/push-subscriptions",
            Some(&owner),
            browser.subscription(&rx.url("/gone")),
        )
        .await;
    assert_eq!(s, Status::Created, "{b}");
    choose(&app, &owner, json!({ "push": { "newLeads": true } })).await;
    app.new_inquiry("Expired browser").await;
    rx.wait_for("the push", 20, |h| !h.is_empty()).await;
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let (_, b) = app.get("/api/v1/me/notifications", Some(&owner)).await;
        if b["data"]["pushSubscriptions"] == 0 {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "{b}");
        rocket::tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (status, code): (String, i64) = app
        .db()
        .query_row(
            "SELECT status, response_status FROM deliveries WHERE channel = 'push'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!((status.as_str(), code), ("dead", 410));
    app.new_inquiry("Nobody to push to").await;
    rocket::tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(rx.hits().len(), 1, "no push to a removed subscription");
}

#[rocket::async_test]
async fn bad_push_subscriptions_are_named_and_others_cannot_remove_mine() {
    let app = TestApp::spawn().await;
    let owner = app.owner_token().await;
    let good = Browser::new().subscription("https://push.example.com/s/1");
    let mut cases = vec![];
    let mut b = good.clone();
    b["endpoint"] = json!("ftp://push.example.com/s");
    cases.push((b, "endpoint"));
    let mut b = good.clone();
    b["endpoint"] = json!("http://push.example.com/s");
    cases.push((b, "endpoint"));
    let mut b = good.clone();
    b["endpoint"] = json!("https://127.0.0.1/s");
    cases.push((b, "endpoint"));
    let mut b = good.clone();
    b["keys"]["p256dh"] = json!("AAAA");
    cases.push((b, "keys.p256dh"));
    let mut b = good.clone();
    b["keys"]["auth"] = json!("c2hvcnQ");
    cases.push((b, "keys.auth"));
    let mut b = good.clone();
    b["keys"] = json!({ "auth": "x" });
    cases.push((b, "keys.p256dh"));
    cases.push((json!({ "keys": good["keys"] }), "endpoint"));
    for (body, field) in cases {
        let (s, r) = app
            .post_json("/api/v1/me/push-subscriptions", Some(&owner), body.clone())
            .await;
        assert_eq!(s, Status::BadRequest, "{body}: {r}");
        common::assert_error(&r, "VALIDATION_ERROR", Some(field));
    }
    let (s, r) = app
        .post_json("/api/v1/me/push-subscriptions", Some(&owner), good)
        .await;
    assert_eq!(s, Status::Created, "{r}");
    let id = r["data"]["id"].as_str().unwrap();
    let other = app
        .user_with_role("rep@acme.test", "sales", "default")
        .await;
    let res = app
        .client
        .delete(format!("/api/v1/me/push-subscriptions/{id}"))
        .header(rocket::http::Header::new(
            "Authorization",
            format!("Bearer {other}"),
        ))
        .dispatch()
        .await;
    assert_eq!(res.status(), Status::NotFound);
    let res = app
        .client
        .delete(format!("/api/v1/me/push-subscriptions/{id}"))
        .header(rocket::http::Header::new(
            "Authorization",
            format!("Bearer {owner}"),
        ))
        .dispatch()
        .await;
    assert_eq!(res.status(), Status::Ok);
}

#[rocket::async_test]
async fn the_daily_digest_counts_new_and_waiting_leads_in_the_readers_language() {
    let Some(py) = python() else { return };
    let port = free_port();
    let smtp = Smtp::start(&py, port);
    let app = app_with_smtp(port).await;
    let owner = app.owner_token().await;
    choose(&app, &owner, json!({ "email": { "dailyDigest": true } })).await;
    set_locale_vi(&app, "owner@example.com").await;
    app.new_inquiry("Digest One").await;
    app.new_inquiry("Digest Two").await;
    let day = time::OffsetDateTime::now_utc().date().to_string();
    let d = day.clone();
    let queued = app
        .state()
        .store
        .write(move |tx| leadbox::delivery::fanout::queue_digests(tx, &d))
        .await
        .unwrap();
    assert_eq!(queued, 1);
    // Queueing again the same day adds nothing.
    let again = app
        .state()
        .store
        .write(move |tx| leadbox::delivery::fanout::queue_digests(tx, &day))
        .await
        .unwrap();
    assert_eq!(again, 0);
    app.state().courier.wake();
    let mails = smtp.wait_for(1, 20).await;
    let subject = mail_header(&mails[0], "Subject").unwrap();
    assert!(subject.contains("Tóm tắt hằng ngày"), "{subject}");
    let body = mail_body(&mails[0]);
    assert!(
        body.contains("Khách hàng tiềm năng mới trong 24 giờ qua: 2"),
        "{body}"
    );
    assert!(body.contains("Yêu cầu liên hệ: 2"), "{body}");
    assert!(body.contains("/admin/leads"), "{body}");
    assert!(
        !body.contains("Digest One"),
        "a digest counts, it does not list people"
    );
}

#[rocket::async_test]
async fn owners_are_emailed_when_a_failing_webhook_is_turned_off() {
    let Some(py) = python() else { return };
    let port = free_port();
    let smtp = Smtp::start(&py, port);
    let rx = Receiver::start().await;
    rx.then(Answer::Status(500));
    let app = app_with_smtp(port).await;
    let owner = app.owner_token().await;
    let (s, w) = app
        .post_json(
            "/api/v1/webhooks",
            Some(&owner),
            json!({ "url": rx.url("/down"), "topics": ["*"] }),
        )
        .await;
    assert_eq!(s, Status::Created, "{w}");
    let id = w["data"]["id"].as_str().unwrap().to_string();
    let long_ago = leadbox::util::rfc3339(leadbox::util::now() - time::Duration::days(6));
    app.db()
        .execute(
            "UPDATE webhooks SET failing_since = ?1 WHERE id = ?2",
            [&long_ago, &id],
        )
        .unwrap();
    app.new_inquiry("Turned off").await;
    let mails = smtp.wait_for(1, 20).await;
    assert_eq!(to_of(&mails[0]), "owner@example.com");
    assert_eq!(
        mail_header(&mails[0], "Subject").unwrap(),
        "leadbox · A webhook was turned off — Default"
    );
    let body = mail_body(&mails[0]);
    assert!(
        body.contains("127.0.0.1") && body.contains("/admin/webhooks"),
        "{body}"
    );
}
