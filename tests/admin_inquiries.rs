//! Inquiry pages: list, detail with only the allowed actions, actions by form, CSV, snippet.

mod common;

use common::{TestApp, OWNER_EMAIL, OWNER_PASSWORD};
use rocket::http::{ContentType, Status};
use serde_json::json;

#[rocket::async_test]
async fn a_lead_is_worked_from_new_to_converted_through_the_pages() {
    let app = TestApp::spawn().await;
    let id = app.new_inquiry("Grace Hopper").await;
    let csrf = app.sign_in(OWNER_EMAIL, OWNER_PASSWORD).await;
    let (s, html) = app.page("/admin/inquiries").await;
    assert_eq!(s, Status::Ok);
    assert!(html.contains("Grace Hopper") && html.contains(&format!("/admin/inquiries/{id}")));
    let detail = format!("/admin/inquiries/{id}");
    let (_, html) = app.page(&detail).await;
    assert!(html.contains("id=\"assign-me\"") && html.contains("id=\"lose\""));
    assert!(
        !html.contains("id=\"record-reply\"") && !html.contains("id=\"convert\""),
        "NEW offers only assign and lose"
    );
    let me: String = app
        .db()
        .query_row("SELECT id FROM users", [], |r| r.get(0))
        .unwrap();
    let (s, loc, _) = app
        .post_form(
            &format!("{detail}/assign"),
            &[("_csrf", &csrf), ("assignee_id", &me)],
        )
        .await;
    assert_eq!(
        (s, loc.as_deref()),
        (Status::SeeOther, Some(detail.as_str()))
    );
    let (_, html) = app.page(&detail).await;
    assert!(html.contains("id=\"record-reply\"") && !html.contains("id=\"convert\""));
    // Each step says what it did.
    assert!(
        html.contains("flash-success\" role=\"status\">Assigned.</div>"),
        "{html}"
    );
    app.post_form(
        &format!("{detail}/reply"),
        &[("_csrf", &csrf), ("body", "Sent the quote")],
    )
    .await;
    let (_, html) = app.page(&detail).await;
    assert!(html.contains("id=\"convert\"") && html.contains("Sent the quote"));
    assert!(html.contains(">Reply recorded.</div>"), "{html}");
    app.post_form(&format!("{detail}/convert"), &[("_csrf", &csrf)])
        .await;
    let (_, html) = app.page(&detail).await;
    assert!(html.contains("status-CONVERTED"));
    assert!(html.contains(">Marked as converted.</div>"), "{html}");
    for action in ["assign-me", "record-reply", "convert", "lose"] {
        assert!(
            !html.contains(&format!("id=\"{action}\"")),
            "a converted lead offers no {action}"
        );
    }
    // A refused step comes back as a visible error, not a crash.
    let (s, _, _) = app
        .post_form(
            &format!("{detail}/reply"),
            &[("_csrf", &csrf), ("body", "late")],
        )
        .await;
    assert_eq!(s, Status::SeeOther);
    let (_, html) = app.page(&detail).await;
    assert!(html.contains("flash-error") && html.contains("Cannot reply"));
    let (s, _, _) = app
        .post_form(&format!("{detail}/explode"), &[("_csrf", &csrf)])
        .await;
    assert_eq!(s, Status::NotFound);
    let (s, _, _) = app
        .post_form(&format!("{detail}/convert"), &[("_csrf", "forged")])
        .await;
    assert_eq!(s, Status::Forbidden);
}

#[rocket::async_test]
async fn viewers_see_no_actions_and_cannot_post_them() {
    let app = TestApp::spawn().await;
    let id = app.new_inquiry("Look only").await;
    app.user_with_role("viewer-member@example.com", "viewer", "default")
        .await;
    let csrf = app
        .sign_in("viewer-member@example.com", "member-password-1")
        .await;
    let (_, html) = app.page(&format!("/admin/inquiries/{id}")).await;
    for action in ["assign-me", "lose", "record-reply", "convert"] {
        assert!(!html.contains(&format!("id=\"{action}\"")), "{action}");
    }
    let (s, _, _) = app
        .post_form(
            &format!("/admin/inquiries/{id}/lose"),
            &[("_csrf", &csrf), ("reason", "x")],
        )
        .await;
    assert_eq!(s, Status::Forbidden);
    let (s, _) = app.page("/admin/inquiries.csv").await;
    assert_eq!(s, Status::Forbidden, "viewers cannot export");
}

#[rocket::async_test]
async fn the_spam_folder_releases_a_lead_into_the_inbox() {
    let app = TestApp::spawn().await;
    let (_, b) = app.submit(json!({ "name": "Maybe Bot", "email": "m@example.com", "message": "hi", "_gotcha": "x" })).await;
    let id = b["data"]["id"].as_str().unwrap().to_string();
    let csrf = app.sign_in(OWNER_EMAIL, OWNER_PASSWORD).await;
    let (_, inbox) = app.page("/admin/inquiries").await;
    assert!(!inbox.contains("Maybe Bot"));
    let (_, spam) = app.page("/admin/inquiries?spam=true").await;
    assert!(spam.contains("Maybe Bot"));
    let (_, html) = app.page(&format!("/admin/inquiries/{id}")).await;
    assert!(
        html.contains("Hidden field filled in")
            && html.contains("id=\"not-spam\"")
            && !html.contains("id=\"assign-me\"")
    );
    app.post_form(
        &format!("/admin/inquiries/{id}/not-spam"),
        &[("_csrf", &csrf)],
    )
    .await;
    let (_, inbox) = app.page("/admin/inquiries").await;
    assert!(inbox.contains("Maybe Bot"));
    assert!(
        inbox.contains(">Not spam: it is in the inbox now. The spam score learns from it.</div>"),
        "{inbox}"
    );
}

#[rocket::async_test]
async fn csv_export_follows_the_filter_and_neutralises_formulas() {
    let app = TestApp::spawn().await;
    app.submit(json!({ "name": "=HYPERLINK(\"http://evil.test\",\"click\")", "email": "f@example.com", "message": "+1 call me, \"now\"\nplease", "businessName": "@corp" })).await;
    app.submit(
        json!({ "type": "support", "name": "Plain", "email": "p@example.com", "message": "hi" }),
    )
    .await;
    app.sign_in(OWNER_EMAIL, OWNER_PASSWORD).await;
    let res = app
        .client
        .get("/admin/inquiries.csv?type=sales")
        .dispatch()
        .await;
    assert_eq!(res.status(), Status::Ok);
    assert_eq!(
        res.content_type().unwrap().to_string(),
        "text/csv; charset=utf-8"
    );
    assert!(res
        .headers()
        .get_one("Content-Disposition")
        .unwrap()
        .starts_with("attachment; filename=\"inquiries-"));
    let file = res.into_string().await.unwrap();
    let body = file
        .strip_prefix('\u{feff}')
        .expect("a UTF-8 byte-order mark first")
        .to_string();
    let lines: Vec<&str> = body.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert!(lines[0].starts_with("id,createdAt,status,type,name,email"));
    assert!(!body.contains("Plain"), "the filter applies");
    assert!(
        body.contains("\"'=HYPERLINK(\"\"http://evil.test\"\",\"\"click\"\")\""),
        "{body}"
    );
    assert!(body.contains("\"'+1 call me, \"\"now\"\"\nplease\""));
    assert!(body.contains(",'@corp,"));
    for cell in body.split([',', '\n']) {
        let c = cell.trim_start_matches('"');
        assert!(
            !c.starts_with('=') && !c.starts_with('+') && !c.starts_with('@'),
            "formula cell: {cell}"
        );
    }
}

#[rocket::async_test]
async fn the_embed_page_offers_a_snippet_that_posts_to_this_server() {
    let app = TestApp::spawn().await;
    app.sign_in(OWNER_EMAIL, OWNER_PASSWORD).await;
    let res = app
        .client
        .get("/admin/embed")
        .header(rocket::http::Header::new("Host", "leads.acme.test"))
        .dispatch()
        .await;
    let html = res.into_string().await.unwrap();
    let key = app.public_key();
    assert!(
        html.contains(&format!(
            "action=&#34;http://leads.acme.test/api/public/forms/{key}/inquiries&#34;"
        )),
        "{html}"
    );
    assert!(
        html.contains("data-leadbox-form")
            && html.contains("_gotcha")
            && html.contains("/embed.js")
    );
    // …and the same form in Vietnamese, folded below, for the other half of a bilingual site.
    let other = &html[html.find("id=\"snippet-other\"").expect("a second snippet")..];
    let other = &other[..other.find("</pre>").unwrap()];
    assert!(
        other.contains("data-lang=&#34;vi&#34;")
            && other.contains("Họ và tên")
            && other.contains(&format!("/api/public/forms/{key}/inquiries")),
        "{other}"
    );
    assert!(
        html.contains(&format!("http://leads.acme.test/f/{key}?lang=vi")),
        "{html}"
    );
    // The snippet's form, posted as a browser without JavaScript would, is accepted.
    let res = app
        .client
        .post(format!("/api/public/forms/{key}/inquiries"))
        .header(ContentType::Form)
        .body("name=No+JS&email=nojs%40example.com&business_name=&message=Hello&_gotcha=")
        .dispatch()
        .await;
    assert_eq!(res.status(), Status::SeeOther);
    let spam: i64 = app
        .db()
        .query_row("SELECT spam FROM inquiries", [], |r| r.get(0))
        .unwrap();
    assert_eq!(spam, 0, "an empty honeypot is not spam");
}

#[rocket::async_test]
async fn the_list_page_filters_and_pages_and_reports_bad_filters() {
    let app = TestApp::spawn().await;
    let token = app.owner_token().await;
    app.settings(
        &token,
        json!({ "rateLimits": { "publicPerIpPerMinute": 0 } }),
    )
    .await;
    for i in 0..25 {
        app.new_inquiry(&format!("Lead {i:02}")).await;
    }
    app.sign_in(OWNER_EMAIL, OWNER_PASSWORD).await;
    let (_, html) = app.page("/admin/inquiries").await;
    assert!(
        html.contains("Lead 24") && !html.contains("Lead 04"),
        "newest first, 20 a page"
    );
    assert!(html.contains("page=2"));
    let (_, html) = app.page("/admin/inquiries?page=2").await;
    assert!(html.contains("Lead 04") && !html.contains("Lead 24"));
    let (_, html) = app.page("/admin/inquiries?q=Lead+07").await;
    assert!(html.contains("Lead 07") && !html.contains("Lead 08"));
    let (s, html) = app.page("/admin/inquiries?status=NOPE").await;
    assert_eq!(s, Status::Ok);
    assert!(html.contains("flash-error") && html.contains("status"));
}
