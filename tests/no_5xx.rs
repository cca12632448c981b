//! Whatever arrives, no route answers 5xx: every mounted route gets garbage of every kind.

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
