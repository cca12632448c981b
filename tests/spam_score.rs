//! The spam score end to end (SPEC §14): each offline signal fires on what it looks for and
//! stays quiet on an ordinary lead; the workspace's threshold decides; the model learns from
//! ten staff verdicts and moves the score of a similar lead; the lead page explains it.

mod common;

use common::{inquiry, TestApp, OWNER_EMAIL, OWNER_PASSWORD};
use rocket::http::Status;
use serde_json::{json, Value};

async fn scored(app: &TestApp, body: Value) -> Value {
    let (s, b) = app.submit(body).await;
    assert_eq!(s, Status::Created, "{b}");
    let id = b["data"]["id"].as_str().unwrap().to_string();
    let lead: Value = app
        .db()
        .query_row(
            "SELECT json_object('id', id, 'spam', json(CASE spam WHEN 1 THEN 'true' ELSE 'false' END),
                 'spamScore', spam_score, 'spamReasons', json(spam_reasons))
             FROM inquiries WHERE id = ?1",
            [&id],
            |r| r.get::<_, String>(0),
        )
        .map(|t| serde_json::from_str(&t).unwrap())
        .unwrap();
    lead
}

fn codes(lead: &Value) -> Vec<String> {
    lead["spamReasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["code"].as_str().unwrap().to_string())
        .collect()
}

fn weight(lead: &Value, code: &str) -> Option<i64> {
    lead["spamReasons"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["code"] == code)
        .and_then(|r| r["weight"].as_i64())
}

fn with(message: &str, email: &str) -> Value {
    let mut b = inquiry();
    b["message"] = json!(message);
    b["email"] = json!(email);
    b
}

#[rocket::async_test]
async fn an_ordinary_lead_scores_nothing() {
    let app = TestApp::spawn().await;
    let lead = scored(
        &app,
        with(
            "Xin chào, chúng tôi muốn báo giá cho 20 người.",
            "an@congty.vn",
        ),
    )
    .await;
    assert_eq!(lead["spamScore"], 0);
    assert!(codes(&lead).is_empty(), "{lead}");
    assert_eq!(lead["spam"], false);
}

#[rocket::async_test]
async fn each_signal_fires_on_what_it_looks_for_and_not_otherwise() {
    let app = TestApp::spawn().await;
    // Disposable domain (and a subdomain of one) — and a real provider is not.
    let l = scored(
        &app,
        with(
            "Please send the price list for our team.",
            "x@mailinator.com",
        ),
    )
    .await;
    assert_eq!(weight(&l, "disposable_email"), Some(45), "{l}");
    assert_eq!(l["spamReasons"][0]["detail"], "mailinator.com");
    let l = scored(
        &app,
        with(
            "Please send the price list for the whole team.",
            "x@gmail.com",
        ),
    )
    .await;
    assert_eq!(weight(&l, "disposable_email"), None);

    // Links, more for more of them.
    let l = scored(
        &app,
        with("Our site is https://acme.test, call us", "a@example.com"),
    )
    .await;
    assert_eq!(weight(&l, "links"), Some(10));
    let l = scored(
        &app,
        with(
            "see http://a.test http://b.test www.c.test now",
            "b@example.com",
        ),
    )
    .await;
    assert_eq!(weight(&l, "links"), Some(40));
    let l = scored(
        &app,
        with("No address in here, just words about www", "c@example.com"),
    )
    .await;
    assert_eq!(weight(&l, "links"), None);

    // Markup.
    let l = scored(&app, with("<a href=\"x\">cheap</a> offer", "d@example.com")).await;
    assert!(codes(&l).contains(&"markup".to_string()), "{l}");
    let l = scored(
        &app,
        with("We have 3 < 5 sites and 7 > 2 teams", "e@example.com"),
    )
    .await;
    assert!(!codes(&l).contains(&"markup".to_string()));

    // Another script than the form's language.
    let l = scored(
        &app,
        with(
            "Здравствуйте! Предлагаем продвижение вашего сайта недорого.",
            "f@example.com",
        ),
    )
    .await;
    assert_eq!(weight(&l, "script_mismatch"), Some(35));
    assert_eq!(l["spamReasons"][0]["detail"], "Cyrillic");
    let l = scored(
        &app,
        with(
            "Chúng tôi cần tư vấn triển khai cho đội ngũ bán hàng",
            "g@example.com",
        ),
    )
    .await;
    assert_eq!(
        weight(&l, "script_mismatch"),
        None,
        "Vietnamese is the form's own script"
    );

    // Repeated content: the second identical message, and one word said over and over.
    let blast = "Grow your business with our guaranteed marketing package today";
    let l = scored(&app, with(blast, "h1@example.com")).await;
    assert_eq!(weight(&l, "repeated_content"), None);
    let l = scored(&app, with(blast, "h2@example.com")).await;
    assert_eq!(weight(&l, "repeated_content"), Some(20));
    let spammy = "cheap ".repeat(30);
    let l = scored(&app, with(&spammy, "h3@example.com")).await;
    assert_eq!(weight(&l, "repeated_content"), Some(20), "{l}");

    // Signals add up: a disposable address with three links is spam (above 70).
    let l = scored(
        &app,
        with(
            "http://a.test http://b.test http://c.test",
            "z@guerrillamail.com",
        ),
    )
    .await;
    assert_eq!(l["spamScore"], 85);
    assert_eq!(l["spam"], true);
}

#[rocket::async_test]
async fn the_workspace_threshold_decides() {
    let app = TestApp::spawn().await;
    let owner = app.owner_token().await;
    let l = scored(
        &app,
        with("Price list please, for ten users.", "x@mailinator.com"),
    )
    .await;
    assert_eq!(
        (l["spamScore"].as_i64(), l["spam"].as_bool()),
        (Some(45), Some(false))
    );
    app.settings(&owner, json!({"spamThreshold": 40})).await;
    let l = scored(
        &app,
        with("Price list please, for eleven users.", "y@mailinator.com"),
    )
    .await;
    assert_eq!(l["spam"], true, "45 is above 40");
    for bad in [json!(101), json!(-1), json!("high"), json!(1.5)] {
        let (s, b) = app
            .patch_json(
                "/api/v1/workspaces/default",
                Some(&owner),
                json!({"spamThreshold": bad}),
            )
            .await;
        assert_eq!(s, Status::BadRequest, "{b}");
        common::assert_error(&b, "VALIDATION_ERROR", Some("spamThreshold"));
    }
}

#[rocket::async_test]
async fn the_model_learns_from_ten_verdicts_and_moves_a_similar_leads_score() {
    let app = TestApp::spawn().await;
    let owner = app.owner_token().await;
    let spam = [
        "Buy cheap backlinks casino traffic guaranteed ranking",
        "Cheap SEO backlinks and casino traffic for your ranking",
        "Guaranteed ranking with cheap backlinks, casino niche welcome",
        "Casino backlinks cheap, guaranteed first page ranking",
        "Cheap guaranteed backlinks from casino sites boost ranking",
    ];
    let kept = [
        "We need a demo of the inbox for our sales team of twelve",
        "Could you share pricing for the sales team plan and a demo",
        "Our sales team wants a demo before the quarter starts",
        "Pricing question: does the team plan include a demo call",
        "Looking for a demo and pricing for a five person sales team",
    ];
    // Before any verdict the model says nothing.
    let before = scored(
        &app,
        with(
            "Cheap casino backlinks, guaranteed ranking fast",
            "p@example.com",
        ),
    )
    .await;
    assert_eq!(weight(&before, "model"), None);
    let mut n = 0;
    for (text, is_spam) in spam
        .iter()
        .map(|t| (t, true))
        .chain(kept.iter().map(|t| (t, false)))
    {
        n += 1;
        let l = scored(&app, with(text, &format!("v{n}@example.com"))).await;
        let id = l["id"].as_str().unwrap();
        let path = if is_spam { "spam" } else { "not-spam" };
        if !is_spam {
            // Staff mark it spam first, then change their mind: the model must end up at "kept".
            let (s, b) = app.judge(&owner, id, "spam").await;
            assert_eq!(s, Status::Ok, "{b}");
        }
        let (s, b) = app.judge(&owner, id, path).await;
        assert_eq!(s, Status::Ok, "{b}");
    }
    let (s, b) = app
        .post_json("/api/v1/inquiries/inq_nope/spam", Some(&owner), json!({}))
        .await;
    assert_eq!(s, Status::NotFound, "{b}");
    let counts: (i64, i64) = app
        .db()
        .query_row("SELECT spam, ham FROM spam_verdicts", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    assert_eq!(counts, (5, 5), "a changed mind is taken back");

    let after = scored(
        &app,
        with(
            "Cheap casino backlinks, guaranteed ranking now",
            "q@example.com",
        ),
    )
    .await;
    let w = weight(&after, "model").expect("the model speaks now");
    assert!(w >= 30, "a lead like the spam scores higher: {after}");
    assert!(after["spamScore"].as_i64().unwrap() > before["spamScore"].as_i64().unwrap());
    let like_kept = scored(
        &app,
        with(
            "Can we get a demo and pricing for our sales team",
            "r@example.com",
        ),
    )
    .await;
    assert!(
        weight(&like_kept, "model").unwrap() < 0,
        "a lead like the kept ones scores lower: {like_kept}"
    );
    assert_eq!(like_kept["spamScore"], 0);

    // The lead page explains the score, signal by signal.
    app.sign_in(OWNER_EMAIL, OWNER_PASSWORD).await;
    let (_, html) = app
        .page(&format!(
            "/admin/inquiries/{}",
            after["id"].as_str().unwrap()
        ))
        .await;
    assert!(
        html.contains("id=\"spam-score\"") && html.contains("Learned from your spam verdicts"),
        "{html}"
    );
    assert!(html.contains(&format!("+{w}")));
}

#[rocket::async_test]
async fn marking_spam_from_the_lead_page_moves_it_to_the_spam_folder() {
    let app = TestApp::spawn().await;
    let id = app.new_inquiry("Spammy Sam").await;
    let csrf = app.sign_in(OWNER_EMAIL, OWNER_PASSWORD).await;
    let (_, html) = app.page(&format!("/admin/inquiries/{id}")).await;
    assert!(html.contains("id=\"mark-spam\""));
    let (s, _, _) = app
        .post_form(&format!("/admin/inquiries/{id}/spam"), &[("_csrf", &csrf)])
        .await;
    assert_eq!(s, Status::SeeOther);
    let (_, spam) = app.page("/admin/inquiries?spam=true").await;
    assert!(spam.contains("Spammy Sam"));
    let (_, inbox) = app.page("/admin/inquiries").await;
    assert!(!inbox.contains("Spammy Sam"));
}
