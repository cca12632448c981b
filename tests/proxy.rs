//! Behind a reverse proxy: forwarding headers are believed only from trusted proxies; session
//! cookies are `Secure` when the request came over TLS.

mod common;

use std::net::SocketAddr;

use common::{csrf_of, form, TempDir, OWNER_EMAIL, OWNER_PASSWORD};
use rocket::http::{ContentType, Header, Status};
use rocket::local::asynchronous::Client;
use serde_json::json;

async fn app(trusted: &str, secure: bool) -> (Client, TempDir) {
    let dir = TempDir::new();
    let figment = common::figment(dir.path())
        .merge(("trusted_proxies", trusted))
        .merge(("secure_cookies", secure));
    (
        Client::untracked(leadbox::rocket(figment)).await.unwrap(),
        dir,
    )
}

async fn session_cookie(client: &Client, peer: &str, proto: Option<&str>) -> String {
    let peer: SocketAddr = peer.parse().unwrap();
    let res = client.get("/login").remote(peer).dispatch().await;
    let pre = res.cookies().get("lb_csrf").unwrap().clone().into_owned();
    let page = res.into_string().await.unwrap();
    let mut req = client
        .post("/login")
        .remote(peer)
        .cookie(pre)
        .header(ContentType::Form)
        .body(form(&[
            ("email", OWNER_EMAIL),
            ("password", OWNER_PASSWORD),
            ("_csrf", &csrf_of(&page)),
        ]));
    if let Some(p) = proto {
        req = req.header(Header::new("X-Forwarded-Proto", p.to_string()));
    }
    let res = req.dispatch().await;
    assert_eq!(res.status(), Status::SeeOther);
    let cookie = res
        .headers()
        .get("Set-Cookie")
        .find(|c| c.starts_with("lb_session="))
        .unwrap()
        .to_string();
    cookie
}

#[rocket::async_test]
async fn cookies_are_secure_only_when_a_trusted_proxy_says_https_or_the_operator_says_so() {
    let (client, _d) = app("10.0.0.1", false).await;
    assert!(
        session_cookie(&client, "10.0.0.1:443", Some("https"))
            .await
            .contains("Secure"),
        "trusted proxy, https"
    );
    assert!(
        !session_cookie(&client, "10.0.0.1:443", Some("http"))
            .await
            .contains("Secure"),
        "trusted proxy, http"
    );
    assert!(
        !session_cookie(&client, "203.0.113.5:443", Some("https"))
            .await
            .contains("Secure"),
        "anyone can send the header"
    );
    let (client, _d) = app("", true).await;
    assert!(
        session_cookie(&client, "203.0.113.5:443", None)
            .await
            .contains("Secure"),
        "secure_cookies = true"
    );
}

#[rocket::async_test]
async fn forwarded_for_counts_only_through_trusted_proxies() {
    let (client, _d) = app("10.0.0.0/8", false).await;
    let token = {
        let res = client
            .post("/api/v1/auth/token")
            .header(ContentType::JSON)
            .body(json!({ "email": OWNER_EMAIL, "password": OWNER_PASSWORD }).to_string())
            .dispatch()
            .await;
        let v: serde_json::Value = serde_json::from_str(&res.into_string().await.unwrap()).unwrap();
        v["data"]["token"].as_str().unwrap().to_string()
    };
    let res = client.patch("/api/v1/workspaces/default").header(ContentType::JSON)
        .header(Header::new("Authorization", format!("Bearer {token}")))
        .body(json!({ "rateLimits": { "publicPerIpPerMinute": 1, "publicPerWorkspacePerMinute": 0 } }).to_string())
        .dispatch().await;
    let key = {
        let v: serde_json::Value = serde_json::from_str(&res.into_string().await.unwrap()).unwrap();
        v["data"]["publicKey"].as_str().unwrap().to_string()
    };
    let submit = |peer: &str, xff: Option<&str>| {
        let mut req = client
            .post(format!("/api/public/forms/{key}/inquiries"))
            .remote(peer.parse::<SocketAddr>().unwrap())
            .header(ContentType::JSON)
            .body(json!({ "name": "A", "email": "a@b.co", "message": "m" }).to_string());
        if let Some(x) = xff {
            req = req.header(Header::new("X-Forwarded-For", x.to_string()));
        }
        async move { req.dispatch().await.status() }
    };
    // Through the trusted proxy, each visitor has their own limit of 1 a minute.
    assert_eq!(
        submit("10.0.0.1:1", Some("198.51.100.1")).await,
        Status::Created
    );
    assert_eq!(
        submit("10.0.0.1:1", Some("198.51.100.2")).await,
        Status::Created
    );
    assert_eq!(
        submit("10.0.0.1:1", Some("198.51.100.1")).await,
        Status::TooManyRequests
    );
    // A spoofed chain: the rightmost untrusted hop is the client, not what it claims to be.
    assert_eq!(
        submit("10.0.0.1:1", Some("1.2.3.4, 198.51.100.2")).await,
        Status::TooManyRequests
    );
    // From an untrusted peer the header is ignored: the peer itself is the client.
    assert_eq!(
        submit("203.0.113.9:1", Some("198.51.100.77")).await,
        Status::Created
    );
    assert_eq!(
        submit("203.0.113.9:1", Some("198.51.100.78")).await,
        Status::TooManyRequests
    );
}
