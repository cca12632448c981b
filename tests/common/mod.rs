//! Test helpers: each test gets its own data folder and a real Rocket over a real SQLite file,
//! built by the same `leadbox::rocket` as the binary.
#![allow(dead_code)]

pub mod live;
pub mod push;
pub mod receiver;
pub mod server;

use std::path::{Path, PathBuf};

use rocket::http::{ContentType, Header, Status};
use rocket::local::asynchronous::{Client, LocalResponse};
use serde_json::{json, Value};

pub const OWNER_EMAIL: &str = "owner@example.com";
pub const OWNER_PASSWORD: &str = "owner-password-1";

/// A temporary folder removed on drop (unless it is only borrowed).
pub struct TempDir(pub PathBuf, bool);

impl TempDir {
    pub fn new() -> TempDir {
        let p = std::env::temp_dir().join(format!("leadbox-test-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&p).unwrap();
        TempDir(p, false)
    }
    /// A folder someone else owns: left in place on drop.
    pub fn borrowed(p: &Path) -> TempDir {
        TempDir(p.to_path_buf(), true)
    }
    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        if self.1 {
            return;
        }
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A running app with its bootstrap owner.
pub struct TestApp {
    pub client: Client,
    pub dir: TempDir,
}

/// The figment tests use: a fresh data folder and the bootstrap owner.
pub fn figment(dir: &Path) -> rocket::figment::Figment {
    leadbox::config::figment_for(dir)
        .merge(("bootstrap_email", OWNER_EMAIL))
        .merge(("bootstrap_password", OWNER_PASSWORD))
}

impl TestApp {
    pub async fn spawn() -> TestApp {
        let dir = TempDir::new();
        let client = Client::tracked(leadbox::rocket(figment(dir.path())))
            .await
            .expect("leadbox ignites");
        TestApp { client, dir }
    }

    /// An app over the data folder `dir`, which outlives it: a second one on the same folder
    /// is the same leadbox after a restart.
    pub async fn spawn_in(dir: &Path) -> TestApp {
        let client = Client::tracked(leadbox::rocket(figment(dir)))
            .await
            .expect("leadbox ignites");
        TestApp {
            client,
            dir: TempDir::borrowed(dir),
        }
    }

    /// An app whose figment `tune` adjusts (delivery settings, for example).
    pub async fn spawn_with(
        tune: impl FnOnce(rocket::figment::Figment) -> rocket::figment::Figment,
    ) -> TestApp {
        let dir = TempDir::new();
        let client = Client::tracked(leadbox::rocket(tune(figment(dir.path()))))
            .await
            .expect("leadbox ignites");
        TestApp { client, dir }
    }

    /// The app's state.
    pub fn state(&self) -> &leadbox::app::App {
        self.client.rocket().state::<leadbox::app::App>().unwrap()
    }

    /// An app with the lead kinds of `kinds` instead of the built-in set.
    pub async fn spawn_kinds(kinds: leadbox::leads::kind::Registry) -> TestApp {
        let dir = TempDir::new();
        let client = Client::tracked(leadbox::rocket_with(figment(dir.path()), kinds))
            .await
            .expect("leadbox ignites");
        TestApp { client, dir }
    }

    /// An app whose first start had no bootstrap credentials (setup link mode).
    pub async fn spawn_without_owner() -> TestApp {
        let dir = TempDir::new();
        let client = Client::tracked(leadbox::rocket(leadbox::config::figment_for(dir.path())))
            .await
            .expect("leadbox ignites");
        TestApp { client, dir }
    }

    pub fn db(&self) -> rusqlite::Connection {
        rusqlite::Connection::open(self.dir.path().join("leadbox.db")).unwrap()
    }

    /// The id of the staff user with `email`.
    pub fn user_id(&self, email: &str) -> String {
        self.db()
            .query_row("SELECT id FROM users WHERE email = ?1", [email], |r| {
                r.get(0)
            })
            .unwrap()
    }

    /// An API token for the given staff credentials.
    pub async fn token_for(&self, email: &str, password: &str) -> String {
        let (status, body) = self
            .post_json(
                "/api/v1/auth/token",
                None,
                json!({ "email": email, "password": password }),
            )
            .await;
        assert_eq!(status, Status::Created, "{body}");
        body["data"]["token"].as_str().unwrap().to_string()
    }

    pub async fn owner_token(&self) -> String {
        self.token_for(OWNER_EMAIL, OWNER_PASSWORD).await
    }

    /// Creates a staff user with `role` in the workspace `ws` (slug or id) and returns a token.
    pub async fn user_with_role(&self, email: &str, role: &str, ws: &str) -> String {
        // Through the app's own writer and user code, as the members page does it.
        let hash = leadbox::auth::password::hash_blocking("member-password-1").unwrap();
        let app = self.client.rocket().state::<leadbox::app::App>().unwrap();
        let (email_s, role_s, ws_s) = (email.to_string(), role.to_string(), ws.to_string());
        app.store
            .write(move |tx| {
                use leadbox::auth::{permissions::Role, users};
                let ws = leadbox::workspaces::queries::by_id_or_slug(tx, &ws_s)?
                    .ok_or_else(leadbox::error::ApiError::not_found)?;
                let user = match users::with_hash_by_email(tx, &email_s)? {
                    Some((u, _)) => u,
                    None => users::insert(tx, &email_s, &email_s, &hash)?,
                };
                let role = Role::parse(&role_s)
                    .map_err(|m| leadbox::error::ApiError::validation("role", m))?;
                users::set_membership(tx, &ws.id, &user.id, role)
            })
            .await
            .expect("the member is added");
        self.token_for(email, "member-password-1").await
    }

    pub async fn send(
        &self,
        method: rocket::http::Method,
        uri: &str,
        token: Option<&str>,
        headers: &[(&str, &str)],
        body: Option<(ContentType, String)>,
    ) -> (Status, Value) {
        let mut req = self.client.req(method, uri.to_string());
        if let Some(t) = token {
            req.add_header(Header::new("Authorization", format!("Bearer {t}")));
        }
        for (k, v) in headers {
            req.add_header(Header::new(k.to_string(), v.to_string()));
        }
        if let Some((ct, b)) = body {
            req.add_header(ct);
            req.set_body(b);
        }
        let res = req.dispatch().await;
        read(res).await
    }

    pub async fn get(&self, uri: &str, token: Option<&str>) -> (Status, Value) {
        self.send(rocket::http::Method::Get, uri, token, &[], None)
            .await
    }

    pub async fn post_json(&self, uri: &str, token: Option<&str>, body: Value) -> (Status, Value) {
        self.send(
            rocket::http::Method::Post,
            uri,
            token,
            &[],
            Some((ContentType::JSON, body.to_string())),
        )
        .await
    }

    pub async fn patch_json(&self, uri: &str, token: Option<&str>, body: Value) -> (Status, Value) {
        self.send(
            rocket::http::Method::Patch,
            uri,
            token,
            &[],
            Some((ContentType::JSON, body.to_string())),
        )
        .await
    }

    pub async fn put_json(&self, uri: &str, token: Option<&str>, body: Value) -> (Status, Value) {
        self.send(
            rocket::http::Method::Put,
            uri,
            token,
            &[],
            Some((ContentType::JSON, body.to_string())),
        )
        .await
    }

    /// The id of a workspace by slug.
    pub fn workspace_id(&self, slug: &str) -> String {
        self.db()
            .query_row("SELECT id FROM workspaces WHERE slug = ?1", [slug], |r| {
                r.get(0)
            })
            .unwrap()
    }
}

pub async fn read(res: LocalResponse<'_>) -> (Status, Value) {
    let status = res.status();
    let text = res.into_string().await.unwrap_or_default();
    let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
    (status, body)
}

/// Asserts the standard error envelope with `code`, and (when given) that `field` is named.
pub fn assert_error(body: &Value, code: &str, field: Option<&str>) {
    assert_eq!(body["success"], json!(false), "{body}");
    assert_eq!(body["error"]["code"], json!(code), "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "{body}"
    );
    if let Some(f) = field {
        assert!(
            body["error"]["details"].get(f).is_some(),
            "expected field `{f}` named in details: {body}"
        );
    }
}

/// The value of the first hidden `_csrf` field of a page.
pub fn csrf_of(html: &str) -> String {
    let marker = "name=\"_csrf\" value=\"";
    let start = html.find(marker).expect("page has a CSRF field") + marker.len();
    html[start..].split('"').next().unwrap().to_string()
}

/// Form-encodes pairs.
pub fn form(pairs: &[(&str, &str)]) -> String {
    fn enc(s: &str) -> String {
        let mut out = String::new();
        for b in s.bytes() {
            match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                    out.push(b as char)
                }
                b' ' => out.push('+'),
                _ => out.push_str(&format!("%{b:02X}")),
            }
        }
        out
    }
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect::<Vec<_>>()
        .join("&")
}

impl TestApp {
    /// Signs in through the real login form; returns the session's CSRF token.
    pub async fn sign_in(&self, email: &str, password: &str) -> String {
        let page = self
            .client
            .get("/login")
            .dispatch()
            .await
            .into_string()
            .await
            .unwrap();
        let csrf = csrf_of(&page);
        let res = self
            .client
            .post("/login")
            .header(ContentType::Form)
            .body(form(&[
                ("email", email),
                ("password", password),
                ("_csrf", &csrf),
            ]))
            .dispatch()
            .await;
        assert_eq!(res.status(), Status::SeeOther, "sign-in should redirect");
        let home = self
            .client
            .get("/admin")
            .dispatch()
            .await
            .into_string()
            .await
            .unwrap();
        csrf_of(&home)
    }

    /// Posts a form; returns status, Location and body.
    pub async fn post_form(
        &self,
        uri: &str,
        pairs: &[(&str, &str)],
    ) -> (Status, Option<String>, String) {
        let res = self
            .client
            .post(uri.to_string())
            .header(ContentType::Form)
            .body(form(pairs))
            .dispatch()
            .await;
        let status = res.status();
        let location = res.headers().get_one("Location").map(str::to_string);
        (
            status,
            location,
            res.into_string().await.unwrap_or_default(),
        )
    }

    pub async fn page(&self, uri: &str) -> (Status, String) {
        let res = self.client.get(uri.to_string()).dispatch().await;
        (res.status(), res.into_string().await.unwrap_or_default())
    }
}

impl TestApp {
    /// The default workspace's public form key.
    pub fn public_key(&self) -> String {
        self.db()
            .query_row(
                "SELECT public_key FROM workspaces WHERE slug = 'default'",
                [],
                |r| r.get(0),
            )
            .unwrap()
    }

    /// Changes settings of the default workspace through the API.
    pub async fn settings(&self, token: &str, body: Value) {
        let (s, b) = self
            .patch_json("/api/v1/workspaces/default", Some(token), body)
            .await;
        assert_eq!(s, Status::Ok, "{b}");
    }

    /// Submits a public inquiry as JSON; returns status and body.
    pub async fn submit(&self, body: Value) -> (Status, Value) {
        let uri = format!("/api/public/forms/{}/inquiries", self.public_key());
        self.post_json(&uri, None, body).await
    }

    /// Staff's verdict on an inquiry: `verdict` is `spam` or `not-spam`.
    pub async fn judge(&self, token: &str, id: &str, verdict: &str) -> (Status, Value) {
        let uri = format!("/api/v1/inquiries/{id}/{verdict}");
        self.post_json(&uri, Some(token), json!({})).await
    }

    /// Submits a valid inquiry and returns its id.
    pub async fn new_inquiry(&self, name: &str) -> String {
        let (s, b) = self
            .submit(json!({ "name": name, "email": "lead@example.com", "message": "Please call me", "businessName": "Acme" }))
            .await;
        assert_eq!(s, Status::Created, "{b}");
        b["data"]["id"].as_str().unwrap().to_string()
    }
}

/// A valid inquiry body.
pub fn inquiry() -> Value {
    json!({ "name": "Ada Lovelace", "email": "ada@example.com", "message": "We would like a demo." })
}

/// The end-user token secret tests configure.
pub const USER_SECRET: &str = "a-very-long-end-user-token-secret-0123456789";

/// Signs an end-user token (HS256) with `secret` and these claims.
pub fn jwt(secret: &str, claims: Value) -> String {
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(secret.as_bytes()),
    )
    .unwrap()
}

/// Now as a Unix timestamp.
pub fn unix_now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// A valid end-user token for `sub` with an email and a name.
pub fn user_token(sub: &str, email: &str) -> String {
    jwt(
        USER_SECRET,
        json!({ "sub": sub, "exp": unix_now() + 600, "iat": unix_now(), "email": email, "name": "Dana Buyer",
                "company": "Buyer Co", "signup_type": "vendor", "vendor_category": "service" }),
    )
}

impl TestApp {
    /// Enables end-user tokens (and other settings) on the default workspace.
    pub async fn enable_end_users(&self, extra: Value) -> String {
        let token = self.owner_token().await;
        let mut body = json!({ "userTokenSecret": USER_SECRET });
        if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
            b.extend(e.clone());
        }
        self.settings(&token, body).await;
        token
    }

    /// Posts a contact request with an end-user token; returns status, body and headers.
    pub async fn contact(
        &self,
        token: &str,
        body: Value,
        extra: &[(&str, &str)],
    ) -> (Status, Value, Vec<(String, String)>) {
        let mut req = self
            .client
            .post("/api/sales/contact-request")
            .header(ContentType::JSON)
            .header(Header::new("Authorization", format!("Bearer {token}")))
            .header(Header::new("User-Agent", "TestBrowser/1.0"))
            .body(body.to_string());
        for (k, v) in extra {
            req = req.header(Header::new(k.to_string(), v.to_string()));
        }
        let res = req.dispatch().await;
        let headers = res
            .headers()
            .iter()
            .map(|h| (h.name().to_string(), h.value().to_string()))
            .collect();
        let (s, b) = read(res).await;
        (s, b, headers)
    }
}

/// The contact-request body of the seed's example.
pub fn contact_body() -> Value {
    json!({ "source": "dashboard_pricing", "plan": "annual", "quantity": 100000, "contactRequired": true, "page": "/pricing" })
}
