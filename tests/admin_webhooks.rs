//! The webhook and notification pages without JavaScript: create with the topic picker, the
//! secret shown once, the delivery log with its filter, test, rotate, turn off, redeliver,
//! delete; notification choices on the account page; bad input and other roles.

mod common;

use common::receiver::{Answer, Receiver};
use common::{TestApp, OWNER_EMAIL, OWNER_PASSWORD};
use rocket::http::Status;

async fn app() -> TestApp {
    TestApp::spawn_with(|f| {
        f.merge(("webhook_allow_private", true))
            .merge(("webhook_retry_seconds", "1"))
            .merge(("webhook_timeout_seconds", 2))
    })
    .await
}

fn secret_of(html: &str) -> String {
    let at = html.find("whsec_").expect("the secret is on the page");
    html[at..].split('<').next().unwrap().to_string()
}

#[rocket::async_test]
async fn a_webhook_is_created_tested_rotated_turned_off_and_deleted_from_the_pages() {
    let rx = Receiver::start().await;
    let app = app().await;
    let csrf = app.sign_in(OWNER_EMAIL, OWNER_PASSWORD).await;
    let (s, html) = app.page("/admin/webhooks").await;
    assert_eq!(s, Status::Ok);
    assert!(
        html.contains("observation/outreach/inquiry/submitted"),
        "the topic picker lists every kind's topics"
    );
    // And every other topic the API takes: the first-response reminder and escalation, and a
    // person's merge, split and erasure, each with its name.
    for topic in leadbox::leads::routing::sla::TOPICS
        .iter()
        .chain(leadbox::leads::people::TOPICS)
    {
        assert!(html.contains(&format!("value=\"{topic}\"")), "{topic}");
    }
    assert!(html.contains("Overdue: escalated") && html.contains("Person: Erased"));
    assert!(html.contains("Telegram"));

    let url = rx.url("/hook");
    let (s, _, html) = app
        .post_form(
            "/admin/webhooks",
            &[
                ("_csrf", &csrf),
                ("url", &url),
                ("description", "CRM"),
                ("topics", "observation/outreach/inquiry/submitted"),
                ("topics", "observation/outreach/inquiry/updated"),
                ("format", "standard"),
            ],
        )
        .await;
    assert_eq!(s, Status::Created);
    let secret = secret_of(&html);
    let id: String = app
        .db()
        .query_row("SELECT id FROM webhooks", [], |r| r.get(0))
        .unwrap();
    let topics: String = app
        .db()
        .query_row("SELECT topics FROM webhooks", [], |r| r.get(0))
        .unwrap();
    assert_eq!(
        topics,
        r#"["observation/outreach/inquiry/submitted","observation/outreach/inquiry/updated"]"#
    );
    let (_, again) = app.page(&format!("/admin/webhooks/{id}")).await;
    assert!(!again.contains(&secret), "the secret is shown once");

    // Send test event: it appears in the log as delivered.
    let (s, loc, _) = app
        .post_form(&format!("/admin/webhooks/{id}/test"), &[("_csrf", &csrf)])
        .await;
    assert_eq!(s, Status::SeeOther);
    assert_eq!(
        loc.as_deref(),
        Some(format!("/admin/webhooks/{id}").as_str())
    );
    rx.wait_for("the test", 10, |h| !h.is_empty()).await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let (_, html) = app
            .page(&format!("/admin/webhooks/{id}?status=succeeded"))
            .await;
        if html.contains("leadbox.test") {
            break;
        }
        assert!(std::time::Instant::now() < deadline);
        rocket::tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let (_, html) = app.page(&format!("/admin/webhooks/{id}?status=dead")).await;
    assert!(!html.contains("leadbox.test"), "the filter filters");
    let (s, _) = app.page(&format!("/admin/webhooks/{id}?status=lost")).await;
    assert_eq!(s, Status::BadRequest);

    // Rotate shows a new secret once.
    let (s, _, html) = app
        .post_form(&format!("/admin/webhooks/{id}/rotate"), &[("_csrf", &csrf)])
        .await;
    assert_eq!(s, Status::Ok);
    assert_ne!(secret_of(&html), secret);

    // Turn off, then a failing receiver's dead delivery is redelivered from its row.
    let (s, _, _) = app
        .post_form(&format!("/admin/webhooks/{id}/toggle"), &[("_csrf", &csrf)])
        .await;
    assert_eq!(s, Status::SeeOther);
    let on: bool = app
        .db()
        .query_row("SELECT enabled FROM webhooks", [], |r| r.get(0))
        .unwrap();
    assert!(!on);
    let (_, html) = app.page(&format!("/admin/webhooks/{id}")).await;
    assert!(html.contains("Turn on"));
    rx.then(Answer::Status(500));
    app.post_form(&format!("/admin/webhooks/{id}/toggle"), &[("_csrf", &csrf)])
        .await;
    app.new_inquiry("Page Lead").await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    let dead = loop {
        let found: Option<String> = app
            .db()
            .query_row(
                "SELECT 'dlv_' || seq FROM deliveries WHERE status = 'dead'",
                [],
                |r| r.get(0),
            )
            .ok();
        if let Some(d) = found {
            break d;
        }
        assert!(std::time::Instant::now() < deadline);
        rocket::tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    rx.then(Answer::Status(200));
    let (s, loc, _) = app
        .post_form(
            &format!("/admin/webhook-deliveries/{dead}/redeliver"),
            &[("_csrf", &csrf)],
        )
        .await;
    assert_eq!(s, Status::SeeOther);
    assert_eq!(
        loc.as_deref(),
        Some(format!("/admin/webhooks/{id}").as_str())
    );
    rx.wait_for("the redelivery", 10, |h| {
        h.iter().any(|h| {
            h.answered == Some(200) && h.json()["type"] == "observation/outreach/inquiry/submitted"
        })
    })
    .await;

    // Edit with a bad URL names it and keeps the endpoint as it was.
    let (s, _, html) = app
        .post_form(
            &format!("/admin/webhooks/{id}"),
            &[
                ("_csrf", &csrf),
                ("url", "ftp://nope"),
                ("topics", "*"),
                ("format", "slack"),
            ],
        )
        .await;
    assert_eq!(s, Status::BadRequest);
    assert!(html.contains("<code>url</code>"));
    let (s, _, _) = app
        .post_form(
            &format!("/admin/webhooks/{id}"),
            &[
                ("_csrf", &csrf),
                ("url", &url),
                ("topics", "*"),
                ("format", "slack"),
            ],
        )
        .await;
    assert_eq!(s, Status::SeeOther);
    let format: String = app
        .db()
        .query_row("SELECT format FROM webhooks", [], |r| r.get(0))
        .unwrap();
    assert_eq!(format, "slack");

    // Without the CSRF token nothing happens; delete removes it.
    let (s, _, _) = app
        .post_form(
            &format!("/admin/webhooks/{id}/delete"),
            &[("_csrf", "wrong")],
        )
        .await;
    assert_eq!(s, Status::Forbidden);
    let (s, loc, _) = app
        .post_form(&format!("/admin/webhooks/{id}/delete"), &[("_csrf", &csrf)])
        .await;
    assert_eq!(
        (s, loc.as_deref()),
        (Status::SeeOther, Some("/admin/webhooks"))
    );
    let (s, _) = app.page(&format!("/admin/webhooks/{id}")).await;
    assert_eq!(s, Status::NotFound);
}

#[rocket::async_test]
async fn bad_create_forms_name_their_fields_and_store_nothing() {
    let app = TestApp::spawn().await;
    let csrf = app.sign_in(OWNER_EMAIL, OWNER_PASSWORD).await;
    for (pairs, field) in [
        (vec![("url", "http://127.0.0.1/x"), ("topics", "*")], "url"),
        (vec![("url", "https://example.com/x")], "topics"),
        (
            vec![("url", "https://example.com/x"), ("topics", "made/up")],
            "topics",
        ),
        (
            vec![
                ("url", "https://example.com/x"),
                ("topics", "*"),
                ("format", "fax"),
            ],
            "format",
        ),
    ] {
        let mut all = vec![("_csrf", csrf.as_str())];
        all.extend(pairs);
        let (s, _, html) = app.post_form("/admin/webhooks", &all).await;
        assert_eq!(s, Status::BadRequest);
        assert!(html.contains(&format!("<code>{field}</code>")), "{field}");
    }
    let n: i64 = app
        .db()
        .query_row("SELECT COUNT(*) FROM webhooks", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 0);
}

#[rocket::async_test]
async fn the_account_page_keeps_notification_choices_and_hides_email_without_smtp() {
    let app = TestApp::spawn().await;
    let csrf = app.sign_in(OWNER_EMAIL, OWNER_PASSWORD).await;
    let (s, html) = app.page("/admin/account").await;
    assert_eq!(s, Status::Ok);
    assert!(
        !html.contains("name=\"email_new_leads\""),
        "no email choices without SMTP"
    );
    assert!(html.contains("LEADBOX_SMTP_URL"));
    assert!(
        html.contains("id=\"escalation-help\"") && html.contains("first-response target"),
        "the page says escalations follow these choices"
    );
    assert!(html.contains("id=\"push-allow\""));
    assert!(
        html.contains("data-vapid=\"B"),
        "the VAPID key is on the page for the script"
    );
    let (s, loc, _) = app
        .post_form(
            "/admin/account/notifications",
            &[("_csrf", &csrf), ("push_new_leads", "1")],
        )
        .await;
    assert_eq!(
        (s, loc.as_deref()),
        (Status::SeeOther, Some("/admin/account"))
    );
    let (_, html) = app.page("/admin/account").await;
    assert!(html.contains("name=\"push_new_leads\" value=\"1\" checked"));
    assert!(!html.contains("name=\"push_assigned\" value=\"1\" checked"));
    // An owner may take escalations alone, without every new lead.
    assert!(html.contains("name=\"push_escalations\""));
    app.post_form(
        "/admin/account/notifications",
        &[("_csrf", &csrf), ("push_escalations", "1")],
    )
    .await;
    let (_, html) = app.page("/admin/account").await;
    assert!(html.contains("name=\"push_escalations\" value=\"1\" checked"));
    assert!(!html.contains("name=\"push_new_leads\" value=\"1\" checked"));
    let owner = app.owner_token().await;
    let (_, b) = app.get("/api/v1/me/notifications", Some(&owner)).await;
    assert_eq!(
        b["data"]["push"],
        serde_json::json!({ "newLeads": false, "assignedToMe": false, "escalations": true }),
        "{b}"
    );
    let (s, _, _) = app
        .post_form("/admin/account/notifications", &[("_csrf", "nope")])
        .await;
    assert_eq!(s, Status::Forbidden);
    // In Vietnamese.
    let (s, _, _) = app
        .post_form("/admin/locale", &[("_csrf", &csrf), ("locale", "vi")])
        .await;
    assert_eq!(s, Status::SeeOther);
    let (_, html) = app.page("/admin/account").await;
    assert!(html.contains("Thông báo trình duyệt"));
    let (_, html) = app.page("/admin/webhooks").await;
    assert!(html.contains("Thêm webhook"));
    // The service worker is served for the admin scope.
    let res = app.client.get("/admin/sw.js").dispatch().await;
    assert_eq!(res.status(), Status::Ok);
    assert_eq!(
        res.headers().get_one("Service-Worker-Allowed"),
        Some("/admin/")
    );
    assert!(res
        .into_string()
        .await
        .unwrap()
        .contains("showNotification"));
}

#[rocket::async_test]
async fn only_owners_and_admins_are_offered_escalations() {
    let app = TestApp::spawn().await;
    app.user_with_role("sam@example.com", "sales", "default")
        .await;
    let csrf = app.sign_in("sam@example.com", "member-password-1").await;
    let (_, html) = app.page("/admin/account").await;
    assert!(html.contains("name=\"push_new_leads\""));
    assert!(!html.contains("push_escalations") && !html.contains("escalation-help"));
    // Posted anyway, it changes nothing: escalations still follow the member's lead news.
    app.post_form(
        "/admin/account/notifications",
        &[("_csrf", &csrf), ("push_escalations", "1")],
    )
    .await;
    let token = app.token_for("sam@example.com", "member-password-1").await;
    let (_, b) = app.get("/api/v1/me/notifications", Some(&token)).await;
    assert_eq!(b["data"]["push"]["escalations"], false, "{b}");
}

#[rocket::async_test]
async fn the_account_page_shows_email_choices_with_smtp_and_the_overview_counts_channels() {
    let app = TestApp::spawn_with(|f| f.merge(("smtp_url", "smtp://127.0.0.1:9"))).await;
    let csrf = app.sign_in(OWNER_EMAIL, OWNER_PASSWORD).await;
    let (_, html) = app.page("/admin/account").await;
    assert!(html.contains("name=\"email_new_leads\""));
    app.post_form(
        "/admin/account/notifications",
        &[
            ("_csrf", &csrf),
            ("email_new_leads", "1"),
            ("email_digest", "1"),
        ],
    )
    .await;
    let (_, html) = app.page("/admin/account").await;
    assert!(html.contains("name=\"email_new_leads\" value=\"1\" checked"));
    assert!(html.contains("name=\"email_digest\" value=\"1\" checked"));
    let (_, home) = app.page("/admin").await;
    assert!(home.contains("id=\"channels\""));
    assert!(home.contains("Webhooks"));
}

#[rocket::async_test]
async fn other_roles_cannot_open_the_webhook_pages() {
    let app = TestApp::spawn().await;
    app.user_with_role("rep@acme.test", "sales", "default")
        .await;
    let csrf = app.sign_in("rep@acme.test", "member-password-1").await;
    let (s, _) = app.page("/admin/webhooks").await;
    assert_eq!(s, Status::Forbidden);
    let (s, _, _) = app
        .post_form(
            "/admin/webhooks",
            &[
                ("_csrf", &csrf),
                ("url", "https://example.com/x"),
                ("topics", "*"),
            ],
        )
        .await;
    assert_eq!(s, Status::Forbidden);
    let (s, _) = app.page("/admin/account").await;
    assert_eq!(s, Status::Ok, "everyone has an account page");
}
