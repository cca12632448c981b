//! The public submit path: JSON and plain form posts, validation, CORS, spam defences, rate
//! limits, the hosted form page.

mod common;

use std::net::SocketAddr;

use common::{assert_error, inquiry, TestApp};
use rocket::http::{ContentType, Header, Method, Status};
use serde_json::{json, Value};

fn count(app: &TestApp, sql: &str) -> i64 {
    app.db().query_row(sql, [], |r| r.get(0)).unwrap()
}

#[rocket::async_test]
async fn a_json_submit_is_stored_as_new_with_its_event_in_the_same_commit() {
    let app = TestApp::spawn().await;
    let (s, b) = app.submit(json!({
        "type": "partnership", "name": "Ada", "email": "ada@example.com", "phone": "+44 20 7946 0000",
        "businessName": "AE Ltd", "business_website": "ae.example", "businessSize": "11-50",
        "industry": "Engines", "subject": "Pricing", "message": "Hello", "locale": "vi", "unknown": 1
    })).await;
    assert_eq!(s, Status::Created, "{b}");
    assert_eq!(b["success"], json!(true));
    let id = b["data"]["id"].as_str().unwrap();
    assert!(id.starts_with("inq_") && uuid::Uuid::parse_str(&id[4..]).is_ok());
    assert_eq!(b["data"]["status"], json!("NEW"));
    assert!(b["data"]["createdAt"].as_str().unwrap().ends_with('Z'));
    let db = app.db();
    let (status, website, spam): (String, String, i64) = db
        .query_row(
            "SELECT status, business_website, spam FROM inquiries WHERE id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert_eq!(
        (status.as_str(), website.as_str(), spam),
        ("NEW", "https://ae.example", 0)
    );
    let data: String = db
        .query_row("SELECT data FROM events WHERE subject_id = ?1 AND topic = 'observation/outreach/inquiry/submitted'", [id], |r| r.get(0))
        .unwrap();
    let data: Value = serde_json::from_str(&data).unwrap();
    for key in [
        "id",
        "type",
        "name",
        "email",
        "businessName",
        "subject",
        "createdAt",
    ] {
        assert!(data.get(key).is_some(), "event data lacks {key}: {data}");
    }
}

#[rocket::async_test]
async fn each_bad_field_is_named_and_nothing_is_stored() {
    let app = TestApp::spawn().await;
    let cases: Vec<(&str, Value)> = vec![
        ("name", json!("")),
        ("name", json!("n".repeat(201))),
        ("name", json!(42)),
        ("email", json!("not-an-email")),
        ("email", json!(format!("{}@example.com", "a".repeat(250)))),
        ("email", json!(null)),
        ("message", json!("")),
        ("message", json!("m".repeat(5001))),
        ("type", json!("spam")),
        ("phone", json!("call me maybe")),
        ("businessWebsite", json!("not a website")),
        ("subject", json!("s".repeat(201))),
        ("businessSize", json!("s".repeat(51))),
        ("industry", json!("i".repeat(101))),
        ("locale", json!("fr")),
        ("businessName", json!(["array"])),
        ("name", json!("bell\u{0007}")),
    ];
    for (field, value) in cases {
        let mut body = inquiry();
        body[field] = value.clone();
        let (s, b) = app.submit(body).await;
        assert_eq!(s, Status::BadRequest, "{field}={value}: {b}");
        assert_error(&b, "VALIDATION_ERROR", Some(field));
    }
    let (s, b) = app.submit(json!({})).await;
    assert_eq!(s, Status::BadRequest);
    for f in ["name", "email", "message"] {
        assert_error(&b, "VALIDATION_ERROR", Some(f));
    }
    assert_eq!(count(&app, "SELECT COUNT(*) FROM inquiries"), 0);
}

#[rocket::async_test]
async fn malformed_oversized_and_mistyped_bodies_are_clear_4xx() {
    let app = TestApp::spawn().await;
    let uri = format!("/api/public/forms/{}/inquiries", app.public_key());
    let (s, b) = app
        .send(
            Method::Post,
            &uri,
            None,
            &[],
            Some((ContentType::JSON, "{\"name\":".into())),
        )
        .await;
    assert_eq!(s, Status::BadRequest);
    assert_error(&b, "VALIDATION_ERROR", Some("body"));
    let (s, b) = app
        .send(
            Method::Post,
            &uri,
            None,
            &[],
            Some((ContentType::Plain, "hello".into())),
        )
        .await;
    assert_eq!(s, Status::UnsupportedMediaType);
    assert_error(&b, "UNSUPPORTED_MEDIA_TYPE", Some("contentType"));
    let big = json!({ "name": "A", "email": "a@b.co", "message": "x".repeat(70_000) }).to_string();
    let (s, b) = app
        .send(
            Method::Post,
            &uri,
            None,
            &[],
            Some((ContentType::JSON, big)),
        )
        .await;
    assert_eq!(s, Status::PayloadTooLarge);
    assert_error(&b, "PAYLOAD_TOO_LARGE", None);
    let (s, b) = app
        .post_json("/api/public/forms/pk_nope/inquiries", None, inquiry())
        .await;
    assert_eq!(s, Status::NotFound);
    assert_error(&b, "NOT_FOUND", None);
    let (s, _) = app
        .post_json("/api/public/forms/x/inquiries", None, inquiry())
        .await;
    assert_eq!(s, Status::NotFound);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM inquiries"), 0);
}

#[rocket::async_test]
async fn a_plain_form_post_lands_on_the_thank_you_page() {
    let app = TestApp::spawn().await;
    let uri = format!("/api/public/forms/{}/inquiries", app.public_key());
    let (s, loc, _) = app
        .post_form(
            &uri,
            &[
                ("name", "Bob"),
                ("email", "bob@example.com"),
                ("business_name", "Bob & Co"),
                ("message", "Hi"),
                ("_lang", "vi"),
            ],
        )
        .await;
    assert_eq!(s, Status::SeeOther);
    let loc = loc.unwrap();
    assert!(
        loc.starts_with(&format!("/f/{}/thanks", app.public_key())) && loc.ends_with("lang=vi"),
        "{loc}"
    );
    assert!(!loc.contains("bob"), "no personal data in the URL");
    let (s, html) = app.page(&loc).await;
    assert_eq!(s, Status::Ok);
    assert!(html.contains("Cảm ơn bạn"));
    let company: String = app
        .db()
        .query_row("SELECT business_name FROM inquiries", [], |r| r.get(0))
        .unwrap();
    assert_eq!(company, "Bob & Co");
    let token = app.owner_token().await;
    app.settings(
        &token,
        json!({ "thankYouUrl": "https://www.acme.test/thanks" }),
    )
    .await;
    let (s, loc, _) = app
        .post_form(
            &uri,
            &[
                ("name", "Bob"),
                ("email", "bob@example.com"),
                ("message", "Hi"),
            ],
        )
        .await;
    assert_eq!(
        (s, loc.as_deref()),
        (Status::SeeOther, Some("https://www.acme.test/thanks"))
    );
}

#[rocket::async_test]
async fn a_form_post_with_errors_re_renders_the_page_with_values_and_messages() {
    let app = TestApp::spawn().await;
    let uri = format!("/api/public/forms/{}/inquiries", app.public_key());
    let (s, _, html) = app
        .post_form(
            &uri,
            &[
                ("name", "Bob <script>"),
                ("email", "bob-at-example"),
                ("message", ""),
            ],
        )
        .await;
    assert_eq!(s, Status::BadRequest);
    assert!(html.contains("must be a valid email address") && html.contains("is required"));
    assert!(html.contains("value=\"bob-at-example\""), "values kept");
    assert!(
        html.contains("Bob &#60;script&#62;") && !html.contains("Bob <script>"),
        "escaped"
    );
    let (_, _, html) = app
        .post_form(
            &uri,
            &[
                ("name", ""),
                ("email", "x"),
                ("message", "m"),
                ("_lang", "vi"),
            ],
        )
        .await;
    assert!(
        html.contains("là bắt buộc") && html.contains("lang=\"vi\""),
        "Vietnamese messages"
    );
    assert_eq!(count(&app, "SELECT COUNT(*) FROM inquiries"), 0);
}

#[rocket::async_test]
async fn cors_allows_listed_origins_and_refuses_others() {
    let app = TestApp::spawn().await;
    let token = app.owner_token().await;
    app.settings(
        &token,
        json!({ "allowedOrigins": ["https://www.acme.test"] }),
    )
    .await;
    let uri = format!("/api/public/forms/{}/inquiries", app.public_key());
    let res = app
        .client
        .post(uri.clone())
        .header(ContentType::JSON)
        .header(Header::new("Origin", "https://www.acme.test"))
        .body(inquiry().to_string())
        .dispatch()
        .await;
    assert_eq!(res.status(), Status::Created);
    assert_eq!(
        res.headers().get_one("Access-Control-Allow-Origin"),
        Some("https://www.acme.test")
    );
    let res = app
        .client
        .post(uri.clone())
        .header(ContentType::JSON)
        .header(Header::new("Origin", "https://evil.test"))
        .body(inquiry().to_string())
        .dispatch()
        .await;
    // Not refused (SPEC §14): kept in quarantine, answered like a success without CORS.
    assert_eq!(res.status(), Status::Created);
    assert!(res
        .headers()
        .get_one("Access-Control-Allow-Origin")
        .is_none());
    let body: Value = serde_json::from_str(&res.into_string().await.unwrap()).unwrap();
    let held: (i64, String) = app
        .db()
        .query_row(
            "SELECT quarantined, origin FROM inquiries WHERE id = ?1",
            [body["data"]["id"].as_str().unwrap()],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(held, (1, "https://evil.test".to_string()));
    let res = app
        .client
        .req(Method::Options, uri.clone())
        .header(Header::new("Origin", "https://www.acme.test"))
        .header(Header::new("Access-Control-Request-Method", "POST"))
        .dispatch()
        .await;
    assert_eq!(res.status(), Status::NoContent);
    assert_eq!(
        res.headers().get_one("Access-Control-Allow-Origin"),
        Some("https://www.acme.test")
    );
    assert!(res
        .headers()
        .get_one("Access-Control-Allow-Headers")
        .unwrap()
        .contains("Content-Type"));
    let res = app
        .client
        .req(Method::Options, uri.clone())
        .header(Header::new("Origin", "https://evil.test"))
        .dispatch()
        .await;
    assert_eq!(res.status(), Status::Forbidden);
    // leadbox's own hosted page posts same-origin.
    let res = app
        .client
        .post(uri.clone())
        .header(ContentType::JSON)
        .header(Header::new("Host", "leadbox.local:8000"))
        .header(Header::new("Origin", "http://leadbox.local:8000"))
        .body(inquiry().to_string())
        .dispatch()
        .await;
    assert_eq!(res.status(), Status::Created);
    // A plain form post from a foreign site is kept in quarantine too, and goes on to the
    // thank-you page like any other.
    let res = app
        .client
        .post(uri)
        .header(ContentType::Form)
        .header(Header::new("Origin", "https://evil.test"))
        .body("name=A&email=a%40b.co&message=m")
        .dispatch()
        .await;
    assert_eq!(res.status(), Status::SeeOther);
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM inquiries WHERE quarantined = 1"),
        2
    );
    assert_eq!(count(&app, "SELECT COUNT(*) FROM inquiries"), 4);
}

#[rocket::async_test]
async fn a_filled_honeypot_is_stored_as_spam_and_not_notified() {
    let app = TestApp::spawn().await;
    let mut body = inquiry();
    body["_gotcha"] = json!("http://spam.example");
    let (s, b) = app.submit(body).await;
    assert_eq!(s, Status::Created, "looks accepted to the bot");
    let id = b["data"]["id"].as_str().unwrap().to_string();
    let token = app.owner_token().await;
    let (_, list) = app.get("/api/v1/inquiries", Some(&token)).await;
    assert_eq!(
        list["data"]["pagination"]["totalItems"],
        json!(0),
        "left out of the inbox"
    );
    let (_, list) = app.get("/api/v1/inquiries?spam=true", Some(&token)).await;
    assert_eq!(list["data"]["items"][0]["id"], json!(id));
    assert_eq!(
        list["data"]["items"][0]["spamReasons"][0],
        json!({"code": "honeypot", "weight": 100, "detail": null})
    );
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM events WHERE topic = 'observation/outreach/inquiry/submitted'"
        ),
        0
    );
    // Released by staff: NEW in the inbox, and notified now.
    let (s, b) = app
        .post_json(
            &format!("/api/v1/inquiries/{id}/not-spam"),
            Some(&token),
            json!({}),
        )
        .await;
    assert_eq!(s, Status::Ok, "{b}");
    assert_eq!(
        (b["data"]["spam"].clone(), b["data"]["status"].clone()),
        (json!(false), json!("NEW"))
    );
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM events WHERE topic = 'observation/outreach/inquiry/submitted'"
        ),
        1
    );
    let (s, _) = app
        .post_json(
            &format!("/api/v1/inquiries/{id}/not-spam"),
            Some(&token),
            json!({}),
        )
        .await;
    assert_eq!(s, Status::Conflict);
}

#[rocket::async_test]
async fn the_time_trap_flags_fast_and_forged_submits_and_passes_patient_ones() {
    let app = TestApp::spawn().await;
    let (_, html) = app.page(&format!("/f/{}", app.public_key())).await;
    let ts = html
        .split("name=\"_ts\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    let mut body = inquiry();
    body["_ts"] = json!(ts);
    let (_, b) = app.submit(body.clone()).await;
    let fast = b["data"]["id"].as_str().unwrap().to_string();
    body["_ts"] = json!("1700000000000.0123456789abcdef0123456789abcdef");
    let (_, b) = app.submit(body.clone()).await;
    let forged = b["data"]["id"].as_str().unwrap().to_string();
    let app_state = app.client.rocket().state::<leadbox::app::App>().unwrap();
    let ws = app.workspace_id("default");
    let old_ms = (time::OffsetDateTime::now_utc().unix_timestamp() - 10) * 1000;
    body["_ts"] = json!(app_state.spam.issue_ts_at(&ws, old_ms));
    let (_, b) = app.submit(body.clone()).await;
    let patient = b["data"]["id"].as_str().unwrap().to_string();
    let reasons = |id: &str| -> String {
        app.db()
            .query_row(
                "SELECT spam_reasons FROM inquiries WHERE id = ?1",
                [id],
                |r| r.get(0),
            )
            .unwrap()
    };
    let codes = |id: &str| -> Vec<String> {
        let v: Value = serde_json::from_str(&reasons(id)).unwrap();
        v.as_array()
            .unwrap()
            .iter()
            .map(|r| r["code"].as_str().unwrap().to_string())
            .filter(|c| c != "repeated_content")
            .collect()
    };
    assert_eq!(codes(&fast), ["too_fast"]);
    assert_eq!(codes(&forged), ["bad_time_token"]);
    assert!(codes(&patient).is_empty());
}

#[rocket::async_test]
async fn a_solved_challenge_passes_once_and_a_wrong_one_is_spam() {
    let app = TestApp::spawn().await;
    let (s, b) = app
        .get(
            &format!("/api/public/forms/{}/challenge", app.public_key()),
            None,
        )
        .await;
    assert_eq!(s, Status::Ok);
    let challenge = b["data"]["challenge"].as_str().unwrap();
    assert_eq!(b["data"]["difficulty"], json!(16));
    let solution = leadbox::inquiries::spam::solve(challenge);
    let mut body = inquiry();
    body["_pow"] = json!(solution);
    let (_, first) = app.submit(body.clone()).await;
    let (_, again) = app.submit(body.clone()).await;
    body["_pow"] = json!(format!("{challenge}:not-a-solution"));
    let (_, wrong) = app.submit(body).await;
    let spam = |b: &Value| -> i64 {
        app.db()
            .query_row(
                "SELECT spam FROM inquiries WHERE id = ?1",
                [b["data"]["id"].as_str().unwrap()],
                |r| r.get(0),
            )
            .unwrap()
    };
    assert_eq!((spam(&first), spam(&again), spam(&wrong)), (0, 1, 1));
}

#[rocket::async_test]
async fn rate_limits_per_ip_and_per_workspace_answer_429_with_retry_after() {
    let app = TestApp::spawn().await;
    let token = app.owner_token().await;
    app.settings(
        &token,
        json!({ "rateLimits": { "publicPerIpPerMinute": 3, "publicPerWorkspacePerMinute": 5 } }),
    )
    .await;
    let uri = format!("/api/public/forms/{}/inquiries", app.public_key());
    let from = |ip: &str| -> SocketAddr { format!("{ip}:40000").parse().unwrap() };
    let mut statuses = vec![];
    for _ in 0..4 {
        let res = app
            .client
            .post(uri.clone())
            .remote(from("203.0.113.7"))
            .header(ContentType::JSON)
            .body(inquiry().to_string())
            .dispatch()
            .await;
        statuses.push(res.status().code);
        if res.status() == Status::TooManyRequests {
            let retry: u64 = res
                .headers()
                .get_one("Retry-After")
                .unwrap()
                .parse()
                .unwrap();
            assert!((1..=60).contains(&retry));
            let b: Value = serde_json::from_str(&res.into_string().await.unwrap()).unwrap();
            assert_error(&b, "RATE_LIMITED", None);
        }
    }
    assert_eq!(statuses, vec![201, 201, 201, 429], "per IP");
    // A plain form post over the limit gets the form back with what was written.
    let res = app
        .client
        .post(uri.clone())
        .remote(from("203.0.113.7"))
        .header(ContentType::Form)
        .body(common::form(&[
            ("name", "Limited Visitor"),
            ("email", "limited@example.com"),
            ("message", "Written once, kept while I wait"),
        ]))
        .dispatch()
        .await;
    assert_eq!(res.status(), Status::TooManyRequests);
    assert!(res.headers().get_one("Retry-After").is_some());
    let html = res.into_string().await.unwrap();
    for kept in [
        "Too many submissions from your network",
        "value=\"Limited Visitor\"",
        "Written once, kept while I wait</textarea>",
    ] {
        assert!(html.contains(kept), "{kept}: {html}");
    }
    for ip in ["198.51.100.1", "198.51.100.2"] {
        let res = app
            .client
            .post(uri.clone())
            .remote(from(ip))
            .header(ContentType::JSON)
            .body(inquiry().to_string())
            .dispatch()
            .await;
        assert_eq!(res.status(), Status::Created);
    }
    let res = app
        .client
        .post(uri.clone())
        .remote(from("198.51.100.3"))
        .header(ContentType::JSON)
        .body(inquiry().to_string())
        .dispatch()
        .await;
    assert_eq!(
        res.status(),
        Status::TooManyRequests,
        "per workspace: 5 a minute"
    );
    assert_eq!(count(&app, "SELECT COUNT(*) FROM inquiries"), 5);
    app.settings(
        &token,
        json!({ "rateLimits": { "publicPerIpPerMinute": 0, "publicPerWorkspacePerMinute": 0 } }),
    )
    .await;
    for _ in 0..10 {
        let res = app
            .client
            .post(uri.clone())
            .remote(from("203.0.113.7"))
            .header(ContentType::JSON)
            .body(inquiry().to_string())
            .dispatch()
            .await;
        assert_eq!(res.status(), Status::Created, "0 switches the limits off");
    }
}

#[rocket::async_test]
async fn spam_is_purged_after_thirty_days_and_real_leads_are_kept() {
    let app = TestApp::spawn().await;
    let mut spam = inquiry();
    spam["_gotcha"] = json!("x");
    app.submit(spam.clone()).await;
    app.submit(spam).await;
    app.new_inquiry("Real").await;
    app.db()
        .execute(
            "UPDATE inquiries SET created_at = '2020-01-01T00:00:00.000Z'",
            [],
        )
        .unwrap();
    let state = app.client.rocket().state::<leadbox::app::App>().unwrap();
    let purged = leadbox::clean_up(&state.housekeeping()).await.unwrap();
    assert_eq!(purged, 2);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM inquiries"), 1);
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM events WHERE topic LIKE '%spam%'"
        ),
        0
    );
}

#[rocket::async_test]
async fn the_hosted_form_is_framable_only_by_allowed_origins() {
    let app = TestApp::spawn().await;
    let token = app.owner_token().await;
    app.settings(
        &token,
        json!({ "allowedOrigins": ["https://www.acme.test"] }),
    )
    .await;
    let res = app
        .client
        .get(format!("/f/{}", app.public_key()))
        .dispatch()
        .await;
    assert_eq!(res.status(), Status::Ok);
    let csp = res
        .headers()
        .get_one("Content-Security-Policy")
        .unwrap()
        .to_string();
    assert!(
        csp.contains("frame-ancestors 'self' https://www.acme.test"),
        "{csp}"
    );
    assert!(res.headers().get_one("X-Frame-Options").is_none());
    let html = res.into_string().await.unwrap();
    assert!(html.contains("name=\"_gotcha\"") && html.contains("name=\"_ts\""));
    let (_, vi) = app.page(&format!("/f/{}?lang=vi", app.public_key())).await;
    assert!(vi.contains("Liên hệ bộ phận bán hàng"));
    let (s, _) = app.page("/f/pk_unknown").await;
    assert_eq!(s, Status::NotFound);
    let res = app.client.get("/login").dispatch().await;
    assert!(res
        .headers()
        .get_one("Content-Security-Policy")
        .unwrap()
        .contains("frame-ancestors 'none'"));
    assert_eq!(res.headers().get_one("X-Frame-Options"), Some("DENY"));
    let res = app.client.get("/embed.js").dispatch().await;
    assert_eq!(res.content_type(), Some(ContentType::JavaScript));
}

/// A capture leaves its lead-index row to the writer's backlog; whatever reads next — the
/// inbox, search, the lead's page — sees the lead at once, however many came together.
#[rocket::async_test]
async fn captures_together_are_in_the_inbox_and_search_at_once() {
    let app = TestApp::spawn().await;
    let owner = app.owner_token().await;
    let body = |n: usize| {
        let mut b = inquiry();
        b["email"] = json!(format!("buyer{n}@example.com"));
        b["message"] = json!(format!("Forty seats for our team, ticket zebra{n}"));
        b
    };
    for round in 0..5 {
        let n = round * 4;
        let (a, b, c, d) = rocket::tokio::join!(
            app.submit(body(n)),
            app.submit(body(n + 1)),
            app.submit(body(n + 2)),
            app.submit(body(n + 3)),
        );
        for (s, b) in [a, b, c, d] {
            assert_eq!(s, Status::Created, "{b}");
        }
        let (_, found) = app
            .get(&format!("/api/v1/leads?q=zebra{}", n + 3), Some(&owner))
            .await;
        assert_eq!(found["data"]["pagination"]["totalItems"], 1, "{found}");
        let (_, all) = app.get("/api/v1/leads", Some(&owner)).await;
        assert_eq!(all["data"]["pagination"]["totalItems"], n + 4, "{all}");
    }
    let (_, one) = app.get("/api/v1/leads?q=zebra7", Some(&owner)).await;
    let id = one["data"]["items"][0]["id"].as_str().unwrap().to_string();
    let (s, lead) = app.get(&format!("/api/v1/leads/{id}"), Some(&owner)).await;
    assert_eq!(s, Status::Ok, "{lead}");
    let pending: i64 = app
        .db()
        .query_row("SELECT COUNT(*) FROM lead_pending", [], |r| r.get(0))
        .unwrap();
    assert_eq!(pending, 0, "every read caught the backlog up");
}
