//! Whatever arrives, no route answers 5xx: every mounted route gets garbage of every kind, and
//! every admin form gets odd values from a signed-in member with a valid CSRF token.

mod common;

use common::TestApp;
use rocket::http::{ContentType, Header, Method};

const BODIES: &[&str] = &[
    "",
    "{",
    "null",
    "[]",
    "{}",
    "\"string\"",
    "{\"name\": null, \"email\": [], \"slug\": {}, \"plans\": \"x\", \"rateLimits\": 5}",
    "{\"a\": \"\u{0000}\u{ffff}\"}",
    "\u{feff}{}",
];

fn concrete(path: &str, filler: &str) -> String {
    path.split('/')
        .map(|seg| {
            if seg.starts_with('<') {
                filler.to_string()
            } else {
                seg.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

#[rocket::async_test]
async fn no_route_answers_5xx_to_malformed_input() {
    let app = TestApp::spawn().await;
    let token = app.owner_token().await;
    let routes: Vec<(Method, String)> = app
        .client
        .rocket()
        .routes()
        .map(|r| (r.method, r.uri.path().to_string()))
        .collect();
    let fillers = [
        "x",
        "%FF%FE",
        "..",
        "00000000-0000-0000-0000-000000000000",
        &"a".repeat(300),
    ];
    let big = "x".repeat(100 * 1024);
    let mut checked = 0;
    for (method, path) in &routes {
        for filler in fillers {
            let uri = concrete(path, filler);
            for body in BODIES.iter().copied().chain([big.as_str()]) {
                for (ct, auth) in [
                    (Some(ContentType::JSON), Some(token.as_str())),
                    (Some(ContentType::Form), None),
                    (Some(ContentType::Text), Some("lbx_garbage")),
                    (None, None),
                ] {
                    let mut req = app.client.req(*method, uri.clone());
                    if let Some(ct) = ct.clone() {
                        req.add_header(ct);
                    }
                    if let Some(a) = auth {
                        req.add_header(Header::new("Authorization", format!("Bearer {a}")));
                    }
                    req.add_header(Header::new("x-merchant-id", filler.to_string()));
                    req.set_body(body);
                    let res = req.dispatch().await;
                    let status = res.status();
                    assert!(
                        status.code < 500,
                        "{method} {uri} with {ct:?} body {:.40?} gave {status}",
                        body
                    );
                    if uri.starts_with("/api/v1") {
                        let text = res.into_string().await.unwrap_or_default();
                        let v: serde_json::Value = serde_json::from_str(&text)
                            .unwrap_or_else(|_| panic!("{method} {uri}: not JSON: {text:.200}"));
                        assert!(
                            v["success"].is_boolean(),
                            "{method} {uri}: no envelope: {text:.200}"
                        );
                    }
                    checked += 1;
                }
            }
        }
    }
    assert!(checked > 1000, "only {checked} requests");
}

/// Values a person could type, paste or forge into any field of an admin form.
const FORM_VALUES: &[&str] = &[
    "",
    " ",
    "-1",
    "99999999999999999999",
    "1e400",
    "true",
    "null",
    "<script>x</script>",
    "💥",
    "\u{0}",
    "a\r\nb",
    "../../etc/passwd",
    "2026-13-45",
    "25:99",
    "x",
];

/// Every name the admin forms use, so each handler gets its own fields with odd values.
const FORM_FIELDS: &[&str] = &[
    "away",
    "email_new_leads",
    "email_assigned",
    "email_digest",
    "push_new_leads",
    "push_assigned",
    "time_zone",
    "name",
    "thank_you_url",
    "origins",
    "key",
    "type",
    "label_en",
    "label_vi",
    "options",
    "required",
    "remove",
    "assignee_id",
    "body",
    "reason",
    "status",
    "notes",
    "action",
    "leads",
    "back",
    "locale",
    "email",
    "role",
    "other",
    "origin",
    "mode",
    "members",
    "kinds",
    "max_open",
    "enabled",
    "minutes",
    "remind_before",
    "working_hours",
    "tz",
    "days",
    "from",
    "to",
    "holidays",
    "default_locale",
    "spam_threshold",
    "allowed_origins",
    "url",
    "description",
    "topics",
    "format",
    "workspace",
];

/// The paths of the admin's routes of `method`.
fn admin_routes(app: &TestApp, method: Method) -> Vec<String> {
    app.client
        .rocket()
        .routes()
        .filter(|r| r.method == method && r.uri.path().starts_with("/admin"))
        .map(|r| r.uri.path().to_string())
        .collect()
}

#[rocket::async_test]
async fn no_admin_form_answers_5xx_to_a_signed_in_member() {
    let app = TestApp::spawn().await;
    let token = app.owner_token().await;
    let inquiry = app.new_inquiry("Fuzz Lead").await;
    let (s, b) = app
        .post_json(
            "/api/v1/webhooks",
            Some(&token),
            serde_json::json!({ "url": "https://hooks.example.com/leadbox", "topics": ["*"] }),
        )
        .await;
    assert!(s.code < 300, "{b}");
    let mut csrf = app
        .sign_in(common::OWNER_EMAIL, common::OWNER_PASSWORD)
        .await;
    // Real ids of each sort (a lead, its person, a webhook, the owner) and made-up ones.
    let db = app.db();
    let one = |sql: &str| -> String { db.query_row(sql, [], |r| r.get(0)).unwrap() };
    let ids = [
        inquiry.clone(),
        one("SELECT person_id FROM lead_index LIMIT 1"),
        one("SELECT id FROM webhooks LIMIT 1"),
        one("SELECT id FROM users LIMIT 1"),
        "x".to_string(),
        "a".repeat(300),
    ];
    let actions = [
        "assign", "reply", "lose", "convert", "restore", "delete", "notes", "bogus",
    ];
    let routes: Vec<String> = admin_routes(&app, Method::Post)
        .into_iter()
        // These two end the session the rest of the test needs; the API fuzz covers them.
        .filter(|p| !p.ends_with("/password") && !p.ends_with("/end-all"))
        .collect();
    assert!(routes.len() > 30, "{routes:?}");
    let mut reached = std::collections::BTreeSet::new();
    let mut checked = 0;
    for route in &routes {
        for id in &ids {
            for action in actions {
                let uri = route
                    .split('/')
                    .map(|seg| match seg {
                        "<action>" => action.to_string(),
                        s if s.starts_with('<') => id.clone(),
                        s => s.to_string(),
                    })
                    .collect::<Vec<_>>()
                    .join("/");
                let mut bodies: Vec<Vec<(&str, &str)>> = vec![vec![("_csrf", csrf.as_str())]];
                for (i, v) in FORM_VALUES.iter().enumerate() {
                    let mut body = vec![("_csrf", csrf.as_str())];
                    for (j, f) in FORM_FIELDS.iter().enumerate() {
                        // Each field gets every value across the bodies, not all the same one.
                        body.push((f, FORM_VALUES[(i + j) % FORM_VALUES.len()]));
                    }
                    body.push(("leads", v));
                    bodies.push(body);
                }
                for body in &bodies {
                    let (status, location, text) = app.post_form(&uri, body).await;
                    assert!(
                        status.code < 500,
                        "POST {uri} with {body:?} gave {status}: {text:.300}"
                    );
                    if !location.is_some_and(|l| l.starts_with("/login")) {
                        reached.insert(route.clone());
                    }
                    checked += 1;
                }
                if !route.contains("<action>") {
                    break;
                }
            }
        }
        // A member removed, a workspace switched or a language changed: start again signed in.
        let (s, _) = app.page("/admin").await;
        if s != rocket::http::Status::Ok {
            csrf = app
                .sign_in(common::OWNER_EMAIL, common::OWNER_PASSWORD)
                .await;
        } else {
            let (_, home) = app.page("/admin").await;
            csrf = common::csrf_of(&home);
        }
    }
    // The admin's pages and exports, with odd filters and paging.
    let pages = admin_routes(&app, Method::Get);
    let queries = [
        "q=%FF",
        "q=%22",
        "q=NEAR(",
        "q=a%20OR%20*",
        "limit=-1",
        "limit=99999999999999999999",
        "page=0&limit=0",
        "status=NOPE&kind=..%2Fx",
        "sortBy=x&overdue=maybe",
        "source=%00&assigneeId=none&type=zzz",
        "quarantined=yes&userType=zz",
    ];
    for route in &pages {
        for id in &ids {
            let uri = route
                .split('/')
                .map(|seg| {
                    if seg.starts_with('<') {
                        id.as_str()
                    } else {
                        seg
                    }
                })
                .collect::<Vec<_>>()
                .join("/");
            for q in queries {
                let (status, text) = app.page(&format!("{uri}?{q}")).await;
                assert!(
                    status.code < 500,
                    "GET {uri}?{q} gave {status}: {text:.300}"
                );
                checked += 1;
            }
            if !route.contains('<') {
                break;
            }
        }
    }
    let missed: Vec<&String> = routes.iter().filter(|r| !reached.contains(*r)).collect();
    assert!(missed.is_empty(), "never past sign-in: {missed:?}");
    assert!(checked > 2000, "only {checked} requests");
}
