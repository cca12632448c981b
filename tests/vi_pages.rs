//! Every admin and public page rendered in Vietnamese, with data on it and with its error
//! states, must show no English: text, and the attributes people read or hear (labels, titles,
//! placeholders, confirmations, the strings scripts show), are checked against every English
//! word of the catalogues that Vietnamese does not use itself, plus common English words that
//! a hard-coded string would carry. Proper nouns are allowed by name.

mod common;

use std::collections::BTreeSet;

use common::{csrf_of, user_token, TestApp, OWNER_EMAIL, OWNER_PASSWORD, USER_SECRET};
use rocket::http::{ContentType, Header, Status};
use serde_json::json;

/// Names, not words: they read the same in any language.
const ALLOWED: &[&str] = &[
    "leadbox", "english", "slack", "discord", "telegram", "crisp", "csv", "api", "gst", "url",
    "http", "https", "json", "utc", "aud", "usd", "vnd", "webhook", "webhooks", "email", "token",
    "tokens", "spam", "www", "example", "com", "chrome", "firefox", "linux", "macos", "windows",
    "enter", "hmac", "sha", "standard",
];

/// Common English words a hard-coded string would contain even if the catalogue lacks them.
const COMMON: &[&str] = &[
    "the",
    "and",
    "for",
    "with",
    "your",
    "you",
    "this",
    "that",
    "are",
    "not",
    "all",
    "new",
    "lead",
    "leads",
    "name",
    "send",
    "sent",
    "save",
    "page",
    "quote",
    "notes",
    "mark",
    "user",
    "type",
    "plan",
    "plans",
    "status",
    "received",
    "captured",
    "expected",
    "check",
    "catalogue",
    "sort",
    "from",
    "per",
    "minute",
    "contacted",
    "converted",
    "pending",
    "expired",
    "message",
    "company",
    "subject",
    "topic",
    "sales",
    "support",
    "other",
    "partnership",
    "owner",
    "admin",
    "viewer",
    "delete",
    "remove",
    "assign",
    "reply",
    "lost",
    "open",
    "close",
    "search",
    "filter",
    "inbox",
    "account",
    "password",
    "sign",
    "out",
    "settings",
    "members",
    "embed",
    "form",
    "browser",
];

fn words_of(s: &str) -> Vec<String> {
    let mut out = vec![];
    for chunk in s.split_whitespace() {
        // Addresses, ids, codes and paths are data, not words.
        if chunk.contains('@')
            || chunk.contains('/')
            || chunk.contains('_')
            || chunk.chars().any(|c| c.is_ascii_digit())
        {
            continue;
        }
        for w in chunk.split(|c: char| !c.is_alphabetic()) {
            if w.chars().count() >= 3 && w.chars().all(|c| c.is_ascii_alphabetic()) {
                out.push(w.to_ascii_lowercase());
            }
        }
    }
    out
}

/// Every English word the catalogues use that Vietnamese does not.
fn english_words() -> BTreeSet<String> {
    let src = include_str!("../src/admin/i18n.rs");
    let block = |name: &str| -> String {
        let start = src
            .find(&format!("pub const {name}: Strings = Strings {{"))
            .unwrap();
        let end = start + src[start..].find("\n};").unwrap();
        src[start..end]
            .lines()
            .filter_map(|l| l.split_once(": \"").map(|(_, v)| v.to_string()))
            .collect::<Vec<_>>()
            .join(" ")
    };
    let pt = include_str!("../src/inquiries/public_text.rs");
    let en_public = &pt[pt.find("pub const EN").unwrap()..pt.find("pub const VI").unwrap()];
    let vi_public = &pt[pt.find("pub const VI").unwrap()..];
    let vi: BTreeSet<String> = words_of(&(block("VI") + vi_public)).into_iter().collect();
    let mut en: BTreeSet<String> = words_of(&(block("EN") + en_public)).into_iter().collect();
    en.extend(COMMON.iter().map(|w| w.to_string()));
    en.retain(|w| !vi.contains(w) && !ALLOWED.contains(&w.as_str()));
    en
}

fn decode(s: &str) -> String {
    s.replace("&#34;", "\"")
        .replace("&#39;", "'")
        .replace("&#60;", "<")
        .replace("&#62;", ">")
        .replace("&amp;", "&")
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&#38;", "&")
}

/// The text a person reads or hears on a page: text nodes outside scripts, styles and the
/// snippet people paste (it is in the workspace's language), and the readable attributes.
fn readable(html: &str) -> Vec<String> {
    const ATTRS: &[&str] = &[
        "title",
        "aria-label",
        "placeholder",
        "alt",
        "data-confirm",
        "data-done",
    ];
    let mut out = vec![];
    let mut rest = html;
    let mut skip_until: Option<&str> = None;
    while let Some(lt) = rest.find('<') {
        let text = &rest[..lt];
        if skip_until.is_none() && !text.trim().is_empty() {
            out.push(decode(text));
        }
        let Some(gt) = rest[lt..].find('>') else {
            break;
        };
        let tag = &rest[lt + 1..lt + gt];
        rest = &rest[lt + gt + 1..];
        let lower = tag.to_ascii_lowercase();
        if let Some(end) = skip_until {
            if lower.starts_with(end) {
                skip_until = None;
            }
            continue;
        }
        if lower.starts_with("script") {
            skip_until = Some("/script");
        } else if lower.starts_with("style") {
            skip_until = Some("/style");
        } else if lower.starts_with("pre class=\"snippet\"") {
            skip_until = Some("/pre");
        }
        // Attributes: name="value".
        let mut t = tag;
        while let Some(eq) = t.find("=\"") {
            let name = t[..eq]
                .rsplit(|c: char| c.is_whitespace())
                .next()
                .unwrap_or("");
            let Some(close) = t[eq + 2..].find('"') else {
                break;
            };
            let value = &t[eq + 2..eq + 2 + close];
            if ATTRS.contains(&name)
                || name.starts_with("data-t-")
                || ["data-ok", "data-denied", "data-failed"].contains(&name)
            {
                out.push(decode(value));
            }
            t = &t[eq + 2 + close + 1..];
        }
    }
    out
}

fn english_on(html: &str, dict: &BTreeSet<String>) -> Vec<String> {
    let mut found: BTreeSet<String> = BTreeSet::new();
    for piece in readable(html) {
        for w in words_of(&piece) {
            if dict.contains(&w) {
                found.insert(format!(
                    "{w} (in \"{}\")",
                    piece.trim().chars().take(80).collect::<String>()
                ));
            }
        }
    }
    found.into_iter().collect()
}

async fn get_vi(app: &TestApp, uri: &str) -> (Status, String) {
    let res = app
        .client
        .get(uri.to_string())
        .header(Header::new("Accept-Language", "vi-VN,vi;q=0.9"))
        .dispatch()
        .await;
    (res.status(), res.into_string().await.unwrap_or_default())
}

#[rocket::async_test]
async fn every_page_in_vietnamese_shows_no_english() {
    let dict = english_words();
    assert!(dict.contains("inbox") && dict.contains("quote") && !dict.contains("email"));
    let app = TestApp::spawn().await;
    let owner = app.owner_token().await;
    app.db()
        .execute("UPDATE users SET name = 'Chủ Ánh'", [])
        .unwrap();
    // Data on every page, in Vietnamese, so only the interface can be English.
    app.settings(
        &owner,
        json!({
            "userTokenSecret": USER_SECRET, "gstRate": 10, "currency": "VND",
            "allowedOrigins": ["https://www.acme.com"],
            "plans": [{ "code": "GROWTH", "userType": "industry", "name": "Tăng trưởng", "monthlyMin": 1000, "monthlyMax": 2000 }],
            "addOns": [{ "code": "HUB", "name": "Trung tâm", "monthlyAmount": 100, "oneTimeAmount": 0 }],
            "rateLimits": { "publicPerIpPerMinute": 0, "publicPerWorkspacePerMinute": 0 }
        }),
    )
    .await;
    let (s, b) = app
        .submit(json!({ "name": "Nguyễn Văn Ánh", "email": "anh@acme.com", "message": "Xin hãy gọi cho tôi", "businessName": "Công ty Ánh" }))
        .await;
    assert_eq!(s, Status::Created, "{b}");
    let inquiry = b["data"]["id"].as_str().unwrap().to_string();
    let (s, b, _) = app
        .contact(
            &user_token("7d0e8400-e29b-41d4-a716-446655440001", "mua@acme.com"),
            common::contact_body(),
            &[],
        )
        .await;
    assert_eq!(s, Status::Created, "{b}");
    let contact = b["requestId"].as_str().unwrap().to_string();
    let user = "550e8400-e29b-41d4-a716-446655440000";
    let (s, b) = app
        .put_json(
            &format!("/api/v1/users/{user}"),
            Some(&owner),
            json!({ "email": "chi@acme.com", "name": "Trần Thị Chi", "company": "Công ty Chi", "signupType": "industry" }),
        )
        .await;
    assert!(s.code < 300, "{b}");
    let end_user = common::jwt(
        USER_SECRET,
        json!({ "sub": user, "exp": common::unix_now() + 600 }),
    );
    let res = app
        .client
        .post("/api/v1/pricing-selections")
        .header(ContentType::JSON)
        .header(Header::new("Authorization", format!("Bearer {end_user}")))
        .body(
            json!({
                "userId": user, "userType": "industry", "selectedPlanCode": "GROWTH", "selectedAddOnCodes": ["HUB"],
                "pricing": { "planMonthlyMin": 1000, "planMonthlyMax": 2000, "addOnsMonthlyAmount": 100,
                    "addOnsOneTimeAmount": 0, "gstRate": 10, "estimatedFirstMonthMin": 1210,
                    "estimatedFirstMonthMax": 2310, "estimatedRecurringMin": 1210, "estimatedRecurringMax": 2310 },
                "source": "pricing_page", "capturedAt": "2026-11-30T10:30:00Z"
            })
            .to_string(),
        )
        .dispatch()
        .await;
    let (s, b) = common::read(res).await;
    assert_eq!(s, Status::Created, "{b}");
    let selection = b["data"]["id"].as_str().unwrap().to_string();
    let (s, b) = app
        .post_json(
            "/api/v1/webhooks",
            Some(&owner),
            json!({ "url": "https://hooks.acme.com/leadbox", "description": "Kênh bán hàng", "topics": ["*"] }),
        )
        .await;
    assert_eq!(s, Status::Created, "{b}");
    let webhook = b["data"]["id"].as_str().unwrap().to_string();
    app.user_with_role("dong@acme.com", "sales", "default")
        .await;

    // The owner works in Vietnamese; a note, a reply and an assignment fill the timeline.
    let csrf = app.sign_in(OWNER_EMAIL, OWNER_PASSWORD).await;
    app.post_form("/admin/locale", &[("_csrf", &csrf), ("locale", "vi")])
        .await;
    let me = app.user_id(OWNER_EMAIL);
    let detail = format!("/admin/inquiries/{inquiry}");
    app.post_form(
        &format!("{detail}/assign"),
        &[("_csrf", &csrf), ("assignee_id", &me)],
    )
    .await;
    app.post_form(
        &format!("{detail}/notes"),
        &[("_csrf", &csrf), ("body", "Đã gọi điện")],
    )
    .await;

    let mut pages = vec![
        "/admin".to_string(),
        "/admin/leads".into(),
        "/admin/leads?status=NEW".into(),
        "/admin/leads?limit=9999".into(),
        "/admin/inquiries".into(),
        "/admin/inquiries?spam=true".into(),
        "/admin/inquiries?deleted=true".into(),
        detail.clone(),
        format!("/admin/contact-requests/{contact}"),
        "/admin/pricing".into(),
        format!("/admin/pricing/{selection}"),
        "/admin/members".into(),
        "/admin/tokens".into(),
        "/admin/embed".into(),
        "/admin/webhooks".into(),
        format!("/admin/webhooks/{webhook}"),
        "/admin/account".into(),
        "/admin/no-such-page".into(),
    ];
    app.post_form("/admin/backups", &[("_csrf", &csrf)]).await;
    pages.push("/admin/backups".into());
    let person: String = app
        .db()
        .query_row(
            "SELECT person_id FROM inquiries WHERE id = ?1",
            [&inquiry],
            |r| r.get(0),
        )
        .unwrap();
    pages.push("/admin/people".into());
    pages.push("/admin/routing".into());
    // A contact request's time carries its instant, for the browser to show in its own zone.
    let (_, html) = app
        .page(&format!("/admin/contact-requests/{contact}"))
        .await;
    assert!(html.contains("<dd><time datetime=\"20"), "{html}");
    // A form of its own, and a lead held in quarantine with answers and attribution.
    let (_, form) = app
        .post_json(
            "/api/v1/forms",
            Some(&owner),
            serde_json::json!({"name": "Demo", "fields": [
                {"key": "budget", "label": {"en": "Budget", "vi": "Ngân sách"}, "type": "select", "options": ["Nhỏ", "Lớn"]},
                {"key": "consent", "label": {"en": "I agree", "vi": "Tôi đồng ý"}, "type": "checkbox"}]}),
        )
        .await;
    let form_id = form["data"]["id"].as_str().unwrap().to_string();
    let form_key = form["data"]["publicKey"].as_str().unwrap().to_string();
    let held = app
        .client
        .post(format!("/api/public/forms/{form_key}/inquiries"))
        .header(ContentType::JSON)
        .header(Header::new("Origin", "https://chua-cho-phep.test"))
        .body(
            serde_json::json!({"name": "Lê Văn Tám", "email": "tam@example.com", "message": "Cho tôi xin báo giá.",
                "budget": "Lớn", "consent": true, "attribution": {"firstTouch": {"utm_source": "google"}}})
            .to_string(),
        )
        .dispatch()
        .await;
    let held: serde_json::Value = serde_json::from_str(&held.into_string().await.unwrap()).unwrap();
    pages.push("/admin/forms".into());
    pages.push("/admin/forms/new".into());
    pages.push(format!("/admin/forms/{form_id}"));
    pages.push("/admin/inquiries?quarantined=true".into());
    pages.push(format!(
        "/admin/inquiries/{}",
        held["data"]["id"].as_str().unwrap()
    ));
    pages.push("/admin/people?q=nguyen".into());
    pages.push("/admin/leads?q=nguyen".into());
    // A refused merge and a refused split leave their messages on the person's page.
    app.post_form(
        &format!("/admin/people/{person}/merge"),
        &[("_csrf", &csrf), ("other", "nobody@example.com")],
    )
    .await;
    pages.push(format!("/admin/people/{person}"));
    app.post_form(
        &format!("/admin/people/{person}/split"),
        &[("_csrf", &csrf)],
    )
    .await;
    pages.push(format!("/admin/people/{person}"));
    let (_, _, invited) = app
        .post_form(
            "/admin/members",
            &[
                ("_csrf", &csrf),
                ("email", "moi@example.com"),
                ("role", "sales"),
            ],
        )
        .await;
    let at = invited.find("/invite/").expect("an invitation link");
    pages.push(
        invited[at..]
            .split(['<', '"'])
            .next()
            .unwrap()
            .trim_start_matches(|c: char| c != '/')
            .to_string(),
    );
    pages.push("/admin/settings".into());
    for s in ["form", "contact", "catalogue", "limits", "tokens"] {
        pages.push(format!("/admin/settings/{s}"));
    }
    let mut failures = vec![];
    for uri in &pages {
        let (_, html) = get_vi(&app, uri).await;
        assert!(html.contains("lang=\"vi\""), "{uri} is in Vietnamese");
        let found = english_on(&html, &dict);
        if !found.is_empty() {
            failures.push(format!("{uri}: {}", found.join(", ")));
        }
    }
    // Pages with errors: validation messages are in Vietnamese too.
    let (_, _, html) = app
        .post_form(
            "/admin/settings",
            &[
                ("_csrf", &csrf),
                ("section", "catalogue"),
                ("catalogue", "1"),
                ("gst_rate", "x"),
                ("currency", "dollars"),
                ("plan_code", "BAD CODE"),
                ("plan_user_type", "industry"),
                ("plan_name", ""),
                ("plan_min", "9"),
                ("plan_max", "1"),
            ],
        )
        .await;
    assert!(html.contains("flash-error"));
    let found = english_on(&html, &dict);
    if !found.is_empty() {
        failures.push(format!("settings with errors: {}", found.join(", ")));
    }
    let (_, _, html) = app
        .post_form(
            "/admin/members",
            &[
                ("_csrf", &csrf),
                ("email", "not-an-email"),
                ("role", "boss"),
            ],
        )
        .await;
    let found = english_on(&html, &dict);
    if !found.is_empty() {
        failures.push(format!("members with errors: {}", found.join(", ")));
    }
    // A new token and a new webhook, each with its secret shown once.
    for (uri, body) in [
        ("/admin/tokens", vec![("name", "Đồng bộ CRM")]),
        (
            "/admin/webhooks",
            vec![
                ("url", "https://hooks.example.com/moi"),
                ("topics", "*"),
                ("format", "standard"),
            ],
        ),
    ] {
        let mut pairs = vec![("_csrf", csrf.as_str())];
        pairs.extend(body);
        let (_, _, html) = app.post_form(uri, &pairs).await;
        assert!(html.contains("class=\"secret\""), "{uri}: {html}");
        let found = english_on(&html, &dict);
        if !found.is_empty() {
            failures.push(format!("{uri} with its secret: {}", found.join(", ")));
        }
    }
    app.post_form("/logout", &[("_csrf", &csrf)]).await;

    // Public pages, in the browser's language.
    let key: String = app
        .db()
        .query_row("SELECT public_key FROM workspaces", [], |r| r.get(0))
        .unwrap();
    let reset = {
        let token = "known-reset-token-for-the-vi-test";
        app.db()
            .execute(
                "INSERT INTO password_resets (token_hash, user_id, created_at, expires_at)
                 VALUES (?1, ?2, '2026-01-01T00:00:00Z', '2999-01-01T00:00:00Z')",
                [leadbox::util::sha256_hex(token), me.clone()],
            )
            .unwrap();
        format!("/reset/{token}")
    };
    for uri in [
        "/login".to_string(),
        "/forgot".into(),
        reset.clone(),
        "/reset/used-or-unknown".into(),
        format!("/f/{key}?lang=vi"),
        format!("/f/{key}/thanks?lang=vi"),
        "/setup/not-a-token".into(),
        "/examples/pricing".into(),
    ] {
        let (_, html) = get_vi(&app, &uri).await;
        let found = english_on(&html, &dict);
        if !found.is_empty() {
            failures.push(format!("{uri}: {}", found.join(", ")));
        }
    }
    // A failed sign-in and a mismatched reset, in Vietnamese.
    let (_, login) = get_vi(&app, "/login").await;
    let res = app
        .client
        .post("/login")
        .header(ContentType::Form)
        .header(Header::new("Accept-Language", "vi"))
        .body(common::form(&[
            ("email", OWNER_EMAIL),
            ("password", "sai-mat-khau-1"),
            ("_csrf", &csrf_of(&login)),
        ]))
        .dispatch()
        .await;
    let html = res.into_string().await.unwrap_or_default();
    assert!(html.contains("flash-error"));
    let found = english_on(&html, &dict);
    if !found.is_empty() {
        failures.push(format!("failed sign-in: {}", found.join(", ")));
    }
    let (_, page) = get_vi(&app, &reset).await;
    let res = app
        .client
        .post(reset.clone())
        .header(ContentType::Form)
        .header(Header::new("Accept-Language", "vi"))
        .body(common::form(&[
            ("password", "short"),
            ("confirm", "short"),
            ("_csrf", &csrf_of(&page)),
        ]))
        .dispatch()
        .await;
    let html = res.into_string().await.unwrap_or_default();
    assert!(html.contains("flash-error"));
    let found = english_on(&html, &dict);
    if !found.is_empty() {
        failures.push(format!("reset with errors: {}", found.join(", ")));
    }
    assert!(
        failures.is_empty(),
        "English on Vietnamese pages:\n{}",
        failures.join("\n")
    );
}

#[test]
fn the_checker_finds_english_and_passes_vietnamese() {
    let dict = english_words();
    assert!(!english_on("<p>Hộp thư đến</p>", &dict).iter().any(|_| true));
    assert!(
        !english_on("<p title=\"Mark contacted\">x</p>", &dict).is_empty(),
        "attributes are read"
    );
    assert!(!english_on("<button>Save</button>", &dict).is_empty());
    assert!(
        english_on("<script>var inbox = 1;</script>", &dict).is_empty(),
        "scripts are not text"
    );
    assert!(
        english_on("<p>anh@acme.com inq_0193</p>", &dict).is_empty(),
        "data is not words"
    );
}
