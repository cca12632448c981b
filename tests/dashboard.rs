//! The Overview's dashboard: volume per day per kind as SVG, median time to first reply,
//! conversion rate, notification delivery.

mod common;

use common::{contact_body, user_token, TestApp, OWNER_EMAIL, OWNER_PASSWORD};
use serde_json::json;

#[rocket::async_test]
async fn the_overview_charts_volume_and_reports_reply_time_and_conversion() {
    let app = TestApp::spawn().await;
    let owner = app.enable_end_users(json!({})).await;
    let me: String = app
        .db()
        .query_row("SELECT id FROM users", [], |r| r.get(0))
        .unwrap();
    let a = app.new_inquiry("Fast").await;
    let b = app.new_inquiry("Slow").await;
    app.new_inquiry("Old").await;
    app.contact(
        &user_token(&uuid::Uuid::new_v4().to_string(), "c@buyer.test"),
        contact_body(),
        &[],
    )
    .await;
    for id in [&a, &b] {
        app.post_json(
            &format!("/api/v1/inquiries/{id}/assign"),
            Some(&owner),
            json!({ "assigneeId": me }),
        )
        .await;
        app.post_json(
            &format!("/api/v1/inquiries/{id}/reply"),
            Some(&owner),
            json!({ "body": "hi" }),
        )
        .await;
    }
    app.post_json(
        &format!("/api/v1/inquiries/{a}/convert"),
        Some(&owner),
        json!({}),
    )
    .await;
    // Control the clock of the past: captured 2 h and 4 h before their first reply.
    let db = app.db();
    let now = time::OffsetDateTime::now_utc();
    let at = |d: time::Duration| leadbox::util::rfc3339(now - d);
    db.execute(
        "UPDATE inquiries SET created_at = ?1 WHERE id = ?2",
        [at(time::Duration::hours(2)), a.clone()],
    )
    .unwrap();
    db.execute(
        "UPDATE inquiries SET created_at = ?1 WHERE id = ?2",
        [at(time::Duration::hours(4)), b.clone()],
    )
    .unwrap();
    db.execute(
        "UPDATE events SET created_at = ?1 WHERE json_extract(data, '$.change') = 'replied'",
        [at(time::Duration::ZERO)],
    )
    .unwrap();
    db.execute(
        "UPDATE inquiries SET created_at = ?1 WHERE name = 'Old'",
        [at(time::Duration::days(3))],
    )
    .unwrap();
    app.sign_in(OWNER_EMAIL, OWNER_PASSWORD).await;
    let (_, html) = app.page("/admin").await;
    assert!(
        html.contains("<svg class=\"chart\""),
        "a server-rendered chart"
    );
    let old_day = (now - time::Duration::days(3)).date().to_string();
    assert!(html.contains("class=\"bar bar-inquiry\""));
    assert!(
        html.contains(&format!("data-day=\"{old_day}\" data-count=\"1\"")),
        "the old inquiry on its own day"
    );
    assert!(html.contains("class=\"bar bar-contact_request\""));
    let median = html
        .split("id=\"median-reply\">")
        .nth(1)
        .unwrap()
        .split('<')
        .next()
        .unwrap();
    assert_eq!(median, "3 h 0 min", "the median of 2 h and 4 h");
    let conversion = html
        .split("id=\"conversion\">")
        .nth(1)
        .unwrap()
        .split('<')
        .next()
        .unwrap();
    assert_eq!(conversion, "25 % (1 / 4)");
    assert!(!html.contains("<script>"), "still no inline script");
    assert!(!html.contains("id=\"chart-empty\""), "leads on the chart");
}

#[rocket::async_test]
async fn an_empty_workspace_says_there_is_no_data_yet() {
    let app = TestApp::spawn().await;
    app.sign_in(OWNER_EMAIL, OWNER_PASSWORD).await;
    let (_, html) = app.page("/admin").await;
    assert!(
        html.contains("id=\"median-reply\">no data yet<")
            && html.contains("id=\"conversion\">no data yet<")
    );
    assert_eq!(html.matches("<rect").count(), 0);
    assert!(html.contains("id=\"chart-empty\">No leads in these 14 days yet.<"));
}

#[rocket::async_test]
async fn the_overview_leads_a_newcomer_through_the_checklist_and_shows_what_needs_attention() {
    let app = common::TestApp::spawn().await;
    let csrf = app
        .sign_in(common::OWNER_EMAIL, common::OWNER_PASSWORD)
        .await;
    let done =
        |html: &str, step: &str| html.contains(&format!("data-step=\"{step}\" class=\"done\""));
    let (_, html) = app.page("/admin").await;
    assert!(html.contains("id=\"checklist\""));
    for step in ["origin", "snippet", "lead", "teammate"] {
        assert!(!done(&html, step), "{step} starts undone");
    }
    assert!(
        html.contains("href=\"/admin/settings/form\""),
        "the step links straight to the setting"
    );
    app.post_form(
        "/admin/settings",
        &[
            ("_csrf", &csrf),
            ("section", "form"),
            ("allowed_origins", "https://www.acme.test"),
        ],
    )
    .await;
    let (_, embed) = app.page("/admin/embed").await;
    assert!(embed.contains("href=\"/admin/settings/form\"") && embed.contains("iframe"));
    assert!(embed.contains("/embed.css") && embed.contains("leadbox-form"));
    let id = app.new_inquiry("First Lead").await;
    let (_, html) = app.page("/admin").await;
    assert!(done(&html, "origin") && done(&html, "snippet") && done(&html, "lead"));
    assert!(!done(&html, "teammate"));
    assert!(
        html.contains("id=\"att-new\"><strong>1</strong>"),
        "one new lead"
    );
    assert!(html.contains("id=\"att-unassigned\"><strong>1</strong>"));
    assert!(html.contains("id=\"att-mine\"><strong>0</strong>"));
    app.post_form(
        &format!("/admin/inquiries/{id}/assign"),
        &[("_csrf", &csrf), ("assignee_id", &owner_id(&app))],
    )
    .await;
    app.user_with_role("mate@example.com", "sales", "default")
        .await;
    let (_, html) = app.page("/admin").await;
    assert!(
        !html.contains("id=\"checklist\""),
        "gone once every step is done"
    );
    assert!(html.contains("id=\"att-new\"><strong>0</strong>"));
    assert!(html.contains("id=\"att-mine\"><strong>1</strong>"));
}

fn owner_id(app: &common::TestApp) -> String {
    app.user_id(common::OWNER_EMAIL)
}
