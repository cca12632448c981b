//! The admin's search boxes keep their words out of URLs: they post, the answer's link carries
//! the words sealed, and every link the list then draws carries them sealed too.

mod common;

use common::{TestApp, OWNER_EMAIL, OWNER_PASSWORD};
use rocket::http::Status;
use serde_json::json;

/// A workspace with 25 inquiries `Lead 00`..`Lead 24` and one from Jane Doe; signed in.
async fn app_with_leads() -> (TestApp, String) {
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
    let (s, b) = app
        .submit(json!({ "name": "Jane Doe", "email": "jane.doe@example.com", "message": "Call me about pricing" }))
        .await;
    assert_eq!(s, Status::Created, "{b}");
    let csrf = app.sign_in(OWNER_EMAIL, OWNER_PASSWORD).await;
    (app, csrf)
}

/// Posts a list's filter form to `/admin/search`: status and Location.
async fn search(
    app: &TestApp,
    csrf: &str,
    list: &str,
    fields: &[(&str, &str)],
) -> (Status, Option<String>) {
    let mut pairs = vec![("_csrf", csrf), ("_to", list)];
    pairs.extend_from_slice(fields);
    let (s, to, _) = app.post_form("/admin/search", &pairs).await;
    (s, to)
}

/// Every `href`, `action` and hidden `back` value of a page.
fn links(html: &str) -> Vec<String> {
    let mut out = vec![];
    for marker in ["href=\"", "action=\"", "name=\"back\" value=\""] {
        for part in html.split(marker).skip(1) {
            out.push(
                part.split('"')
                    .next()
                    .unwrap()
                    .replace("&amp;", "&")
                    .replace("&#38;", "&"),
            );
        }
    }
    out
}

/// The query part of a Location, asserted to hold none of `words` in any spelling.
fn assert_sealed(location: &str, words: &str) {
    let lower = location.to_lowercase();
    for spelling in [
        words.to_lowercase(),
        words.to_lowercase().replace(' ', "+"),
        words.to_lowercase().replace(' ', "%20"),
        words.to_lowercase().replace('@', "%40"),
    ] {
        assert!(!lower.contains(&spelling), "{words} in {location}");
    }
    assert!(!location.contains("q="), "{location}");
}

#[rocket::async_test]
async fn a_search_answers_with_a_sealed_link_and_the_list_keeps_it_sealed() {
    let (app, csrf) = app_with_leads().await;
    let (s, to) = search(
        &app,
        &csrf,
        "/admin/leads",
        &[
            ("q", "Lead"),
            ("kind", "inquiry"),
            ("status", ""),
            ("page", "3"),
        ],
    )
    .await;
    assert_eq!(s, Status::SeeOther);
    let to = to.unwrap();
    assert!(to.starts_with("/admin/leads?kind=inquiry&s="), "{to}");
    assert!(!to.contains("page=") && !to.contains("status="), "{to}");
    assert_sealed(to.split_once('?').unwrap().1, "Lead");

    let (s, html) = app.page(&to).await;
    assert_eq!(s, Status::Ok);
    assert!(
        html.contains("Lead 24") && !html.contains("Lead 04"),
        "20 a page, newest first"
    );
    assert!(!html.contains("Jane Doe"), "the words searched for");
    assert!(
        html.contains("value=\"Lead\""),
        "the box shows what was searched"
    );
    let all = links(&html);
    let next = all
        .iter()
        .find(|l| l.contains("page=2"))
        .expect("a link to page 2");
    let csv = all
        .iter()
        .find(|l| l.starts_with("/admin/leads.csv?"))
        .expect("the CSV link");
    for link in &all {
        if let Some((_, query)) = link.split_once('?') {
            assert_sealed(query, "Lead");
        }
    }
    let (_, html) = app.page(next).await;
    let shown: Vec<_> = (0..25)
        .filter(|i| html.contains(&format!("Lead {i:02}")))
        .collect();
    assert!(html.contains("Lead 04"), "{next}: {shown:?}");
    assert!(html.contains("Lead 04") && !html.contains("Lead 24") && !html.contains("Jane Doe"));
    let (s, body) = app.page(csv).await;
    assert_eq!(s, Status::Ok);
    assert!(
        body.contains("Lead 07") && !body.contains("Jane Doe"),
        "{body}"
    );

    // An email, from the top bar's box.
    let (_, to) = search(
        &app,
        &csrf,
        "/admin/leads",
        &[("q", " jane.doe@example.com ")],
    )
    .await;
    let to = to.unwrap();
    assert_sealed(&to, "jane.doe@example.com");
    // The other filters pass through the seal's opening unchanged, odd characters and all.
    let (_, with_source) = search(
        &app,
        &csrf,
        "/admin/leads",
        &[("q", "jane"), ("source", "ads & more/100%")],
    )
    .await;
    let (s, html) = app.page(&with_source.unwrap()).await;
    assert_eq!(s, Status::Ok);
    assert!(
        html.contains("value=\"ads &amp; more/100%\"")
            || html.contains("value=\"ads &#38; more/100%\""),
        "{html}"
    );
    assert_sealed(&to, "jane");
    let (_, html) = app.page(&to).await;
    assert!(html.contains("Jane Doe") && !html.contains("Lead 24"));
}

#[rocket::async_test]
async fn every_list_with_a_search_box_posts_it_here() {
    let (app, csrf) = app_with_leads().await;
    for (list, extra, shows) in [
        ("/admin/inquiries", Some(("spam", "")), "Jane Doe"),
        ("/admin/people", None, "Jane Doe"),
        ("/admin/leads", None, "Jane Doe"),
    ] {
        let (s, html) = app.page(list).await;
        assert_eq!(s, Status::Ok);
        assert!(
            html.contains(&format!("name=\"_to\" value=\"{list}\"")),
            "{list}: its filter form posts here"
        );
        assert!(
            !html.contains("method=\"get\""),
            "{list}: no GET search form"
        );
        let mut fields = vec![("q", "jane")];
        fields.extend(extra);
        let (s, to) = search(&app, &csrf, list, &fields).await;
        assert_eq!(s, Status::SeeOther, "{list}");
        let to = to.unwrap();
        assert!(to.starts_with(&format!("{list}?s=")), "{to}");
        assert_sealed(&to, "jane");
        let (_, html) = app.page(&to).await;
        assert!(html.contains(shows) && !html.contains("Lead 03"), "{list}");
    }
    // The pricing list's form too (no selections here: an empty list that searched).
    let (_, html) = app.page("/admin/pricing").await;
    assert!(html.contains("name=\"_to\" value=\"/admin/pricing\""));
    let (s, to) = search(
        &app,
        &csrf,
        "/admin/pricing",
        &[("q", "jane"), ("status", "pending")],
    )
    .await;
    assert_eq!(s, Status::SeeOther);
    let to = to.unwrap();
    assert!(to.starts_with("/admin/pricing?status=pending&s="), "{to}");
    let (s, html) = app.page(&to).await;
    assert_eq!(s, Status::Ok);
    assert!(html.contains("value=\"jane\""));
}

#[rocket::async_test]
async fn a_search_without_words_a_bad_list_or_a_bad_seal_loses_nothing_and_breaks_nothing() {
    let (app, csrf) = app_with_leads().await;
    // No words: the list with the other filters.
    let (s, to) = search(
        &app,
        &csrf,
        "/admin/leads",
        &[("q", "  "), ("kind", "inquiry")],
    )
    .await;
    assert_eq!(s, Status::SeeOther);
    assert_eq!(to.as_deref(), Some("/admin/leads?kind=inquiry"));
    let (_, to) = search(&app, &csrf, "/admin/people", &[]).await;
    assert_eq!(to.as_deref(), Some("/admin/people"));
    // Words over the box's 200 characters are cut, not refused.
    let long = "x".repeat(500);
    let (s, to) = search(&app, &csrf, "/admin/leads", &[("q", &long)]).await;
    assert_eq!(s, Status::SeeOther);
    let (s, html) = app.page(&to.unwrap()).await;
    assert_eq!(s, Status::Ok);
    assert!(html.contains(&format!("value=\"{}\"", "x".repeat(200))));

    // Anywhere else, no CSRF token, or not signed in: refused.
    for bad in [
        "/admin/members",
        "https://evil.test/admin/leads",
        "/admin/leads/x",
        "",
    ] {
        let (s, to) = search(&app, &csrf, bad, &[("q", "x")]).await;
        assert_eq!(s, Status::BadRequest, "{bad}: {to:?}");
    }
    let (s, _, _) = app
        .post_form("/admin/search", &[("_to", "/admin/leads"), ("q", "x")])
        .await;
    assert_eq!(s, Status::Forbidden);
    let (s, _, _) = app
        .post_form(
            "/admin/search",
            &[("_csrf", "wrong"), ("_to", "/admin/leads"), ("q", "x")],
        )
        .await;
    assert_eq!(s, Status::Forbidden);

    // A seal that does not open (altered, another server's, junk): the list unsearched.
    let (_, to) = search(&app, &csrf, "/admin/leads", &[("q", "jane")]).await;
    let to = to.unwrap();
    let mut altered = to.clone();
    altered.insert_str(to.find("s=").unwrap() + 2, "AA");
    for uri in [
        altered.as_str(),
        "/admin/leads?s=",
        "/admin/leads?s=%%%",
        "/admin/leads?s=AAAA&q=jane",
    ] {
        let (s, html) = app.page(uri).await;
        assert_eq!(s, Status::Ok, "{uri}");
        assert!(
            html.contains("Lead 24") && html.contains("value=\"\""),
            "{uri}: unsearched"
        );
    }
    // A plain `q=` still searches (an API-style link someone typed).
    let (_, html) = app.page("/admin/leads?q=jane").await;
    assert!(html.contains("Jane Doe") && !html.contains("Lead 24"));

    let anonymous = TestApp::spawn().await;
    let (s, to, _) = anonymous
        .post_form("/admin/search", &[("_to", "/admin/leads"), ("q", "x")])
        .await;
    assert!(
        s == Status::Unauthorized || to.as_deref().is_some_and(|t| t.starts_with("/login")),
        "{s} {to:?}"
    );
}

/// Signs in through the login page at `login` (with its `next`); the redirect after it.
async fn sign_in_from(app: &TestApp, login: &str) -> Option<String> {
    let (s, page) = app.page(login).await;
    assert_eq!(s, Status::Ok, "{login}");
    let csrf = common::csrf_of(&page);
    let next = page.split("name=\"next\" value=\"").nth(1).map(|v| {
        v.split('"')
            .next()
            .unwrap()
            .replace("&#38;", "&")
            .replace("&amp;", "&")
    });
    let mut fields = vec![
        ("email", OWNER_EMAIL),
        ("password", OWNER_PASSWORD),
        ("_csrf", csrf.as_str()),
    ];
    if let Some(n) = next.as_deref() {
        fields.push(("next", n));
    }
    let (s, to, _) = app.post_form("/login", &fields).await;
    assert_eq!(s, Status::SeeOther);
    to
}

#[rocket::async_test]
async fn a_signed_out_visit_to_a_page_opens_it_after_signing_in() {
    let app = TestApp::spawn().await;
    let id = app.new_inquiry("Grace Hopper").await;
    let lead = format!("/admin/inquiries/{id}");
    let res = app.client.get(lead.clone()).dispatch().await;
    assert_eq!(res.status(), Status::SeeOther);
    let login = res.headers().get_one("Location").unwrap().to_string();
    assert_eq!(login, format!("/login?next=%2Fadmin%2Finquiries%2F{id}"));
    assert_eq!(
        sign_in_from(&app, &login).await.as_deref(),
        Some(lead.as_str())
    );
    // Signed in already, the link goes straight there.
    let res = app.client.get(login.clone()).dispatch().await;
    assert_eq!(res.headers().get_one("Location"), Some(lead.as_str()));

    // A search in the address (sealed, or typed plainly) comes back sealed, never in words.
    let csrf = common::csrf_of(&app.page("/admin").await.1);
    let (_, searched) = search(
        &app,
        &csrf,
        "/admin/leads",
        &[("q", "grace"), ("kind", "inquiry")],
    )
    .await;
    let searched = searched.unwrap();
    let (s, _, _) = app.post_form("/logout", &[("_csrf", &csrf)]).await;
    assert_eq!(s, Status::SeeOther);
    for page in [searched.as_str(), "/admin/leads?kind=inquiry&q=grace"] {
        let res = app.client.get(page.to_string()).dispatch().await;
        assert_eq!(res.status(), Status::SeeOther, "{page}");
        let login = res.headers().get_one("Location").unwrap().to_string();
        assert!(
            login.starts_with("/login?next=%2Fadmin%2Fleads%3Fkind%3Dinquiry%26s%3D"),
            "{login}"
        );
        assert!(!login.to_lowercase().contains("grace"), "{login}");
        let back = sign_in_from(&app, &login).await.unwrap();
        assert!(back.starts_with("/admin/leads?kind=inquiry&s="), "{back}");
        let (_, html) = app.page(&back).await;
        assert!(
            html.contains("Grace Hopper") && html.contains("value=\"grace\""),
            "{back}"
        );
        let csrf = common::csrf_of(&html);
        app.post_form("/logout", &[("_csrf", &csrf)]).await;
    }

    // Odd values are no reason to refuse the page.
    for odd in ["%FF", "%00", "a&next=b", "", "%2Fadmin%0A"] {
        let (s, page) = app.page(&format!("/login?next={odd}")).await;
        assert_eq!(s, Status::Ok, "{odd}");
        assert!(!page.contains("name=\"next\""), "{odd}");
    }

    // Only an admin page of this server is a place to go back to.
    for next in [
        "https://evil.test/admin/leads",
        "//evil.test/admin",
        "/admin\\..\\evil",
        "/login",
        "/adminx",
        "/admin/leads x",
    ] {
        // The page does not carry it on, and posted straight to the sign-in it is ignored.
        let (_, page) = app.page(&format!("/login?next={}", urlencode(next))).await;
        assert!(!page.contains("name=\"next\""), "{next}");
        let csrf = common::csrf_of(&page);
        let (_, to, _) = app
            .post_form(
                "/login",
                &[
                    ("email", OWNER_EMAIL),
                    ("password", OWNER_PASSWORD),
                    ("_csrf", &csrf),
                    ("next", next),
                ],
            )
            .await;
        assert_eq!(to.as_deref(), Some("/admin"), "{next}");
        let csrf = common::csrf_of(&app.page("/admin").await.1);
        app.post_form("/logout", &[("_csrf", &csrf)]).await;
    }
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
