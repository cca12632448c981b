//! Search words kept out of admin URLs.
//!
//! Staff search for people by name and email, and a URL is copied into proxy access logs and
//! browser history. So the admin's search boxes post their words; leadbox answers with a link
//! whose `s=` carries them sealed (AES-256-GCM under a key derived from the server's secret),
//! and a request fairing opens `s=` back into `q=` before any page handler sees the query.
//! Links stay shareable between colleagues and survive restarts; a link whose seal does not
//! open (another server's, or altered) simply searches for nothing.

use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine;
use rand::RngCore;
use rocket::data::{Data, ToByteUnit};
use rocket::fairing::{Fairing, Info, Kind};
use rocket::http::uri::Origin;
use rocket::http::{Method, Status};
use rocket::response::Redirect;
use rocket::{post, routes, Request, Route, State};
use sha2::{Digest, Sha256};

use super::Page;
use crate::app::App;

/// The list pages whose filter forms post here.
pub const LISTS: [&str; 4] = [
    "/admin/leads",
    "/admin/inquiries",
    "/admin/pricing",
    "/admin/people",
];

/// The longest search a list accepts, in characters.
const MAX_WORDS: usize = 200;

/// Seals and opens search words.
pub struct Seal {
    cipher: Aes256Gcm,
}

impl Seal {
    /// A seal keyed by the server's secret.
    pub fn new(secret: &str) -> Seal {
        let key = Sha256::digest(format!("leadbox/admin-search/v1/{secret}").as_bytes());
        Seal {
            cipher: Aes256Gcm::new_from_slice(&key).expect("a 32-byte key"),
        }
    }

    /// `words` sealed, as URL-safe text.
    pub fn seal(&self, words: &str) -> String {
        let mut nonce = [0u8; 12];
        rand::thread_rng().fill_bytes(&mut nonce);
        let sealed = self
            .cipher
            .encrypt(&Nonce::from(nonce), words.as_bytes())
            .expect("AES-GCM seals any length a URL holds");
        let mut out = nonce.to_vec();
        out.extend(sealed);
        B64.encode(out)
    }

    /// The words `sealed` carries, if this server sealed them and nobody changed them.
    pub fn open(&self, sealed: &str) -> Option<String> {
        let bytes = B64.decode(sealed.trim()).ok()?;
        if bytes.len() < 12 + 16 {
            return None;
        }
        let (nonce, body) = bytes.split_at(12);
        let nonce: [u8; 12] = nonce.try_into().ok()?;
        let plain = self.cipher.decrypt(&Nonce::from(nonce), body).ok()?;
        String::from_utf8(plain).ok()
    }

    /// The query-string pair that searches for `words`: `s=<sealed>`.
    pub fn param(&self, words: &str) -> String {
        format!("s={}", self.seal(words))
    }
}

/// Opens `s=` into `q=` on admin `GET`s, before routing.
pub struct OpenSealedSearch;

#[rocket::async_trait]
impl Fairing for OpenSealedSearch {
    fn info(&self) -> Info {
        Info {
            name: "Sealed admin search",
            kind: Kind::Request,
        }
    }

    async fn on_request(&self, req: &mut Request<'_>, _: &mut Data<'_>) {
        if !matches!(req.method(), Method::Get | Method::Head)
            || !req.uri().path().as_str().starts_with("/admin")
        {
            return;
        }
        let Some(query) = req.uri().query() else {
            return;
        };
        if !query.segments().any(|(k, _)| k == "s") {
            return;
        }
        let seal = &App::of(req).seal;
        let mut out = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in query.segments() {
            match k {
                "s" => {
                    if let Some(words) = seal.open(v) {
                        out.append_pair("q", &words);
                    }
                }
                // A sealed search stands for the words; a plain one beside it is ignored.
                "q" => {}
                _ => {
                    out.append_pair(k, v);
                }
            }
        }
        let uri = format!("{}?{}", req.uri().path(), out.finish());
        if let Ok(origin) = Origin::parse_owned(uri) {
            req.set_uri(origin);
        }
    }
}

/// The sign-in page's link for a signed-out visit to an admin page: `/login?next=<that page>`,
/// its search words sealed again (the fairing above has opened them by now).
pub fn sign_in_then(req: &Request<'_>) -> String {
    let path = req.uri().path().as_str();
    if path == "/admin" || !path.starts_with("/admin/") {
        return "/login".into();
    }
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    let mut words = None;
    for (k, v) in req.uri().query().into_iter().flat_map(|q| q.segments()) {
        if k == "q" {
            words = words.or(Some(v));
        } else {
            query.append_pair(k, v);
        }
    }
    let mut query = query.finish();
    if let Some(w) = words.filter(|w| !w.trim().is_empty()) {
        if !query.is_empty() {
            query.push('&');
        }
        query.push_str(&App::of(req).seal.param(w));
    }
    let next = if query.is_empty() {
        path.to_string()
    } else {
        format!("{path}?{query}")
    };
    format!("/login?next={}", crate::util::urlencode(&next))
}

/// Where to go after signing in: `next` when it is an admin page of this server, else the
/// Overview. Anything else (another site, `//host`, a backslash) is ignored.
pub fn after_sign_in(next: Option<&str>) -> &str {
    next.filter(|n| {
        (n.starts_with("/admin/") || n.starts_with("/admin?"))
            && n.len() <= 2048
            && !n.contains('\\')
            && !n.chars().any(|c| c.is_control() || c.is_whitespace())
    })
    .unwrap_or("/admin")
}

/// `POST /admin/search` — any signed-in member (each list checks its own permission): a list's
/// filter form. Answers 303 to the list (`_to`) with the same filters, its words sealed in
/// `s=`, empty fields left out. 400 for a list that is not one, 403 without the session's CSRF
/// token, 413 for a body over 16 KiB.
#[post("/admin/search", data = "<body>")]
async fn search(app: &State<App>, page: Page, body: Data<'_>) -> Result<Redirect, Status> {
    let raw = body
        .open(16.kibibytes())
        .into_bytes()
        .await
        .map_err(|_| Status::BadRequest)?;
    if !raw.is_complete() {
        return Err(Status::PayloadTooLarge);
    }
    let fields: Vec<(String, String)> = url::form_urlencoded::parse(&raw)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let get = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    page.check_csrf(get("_csrf"))?;
    let to = get("_to").unwrap_or("/admin/leads");
    let Some(list) = LISTS.iter().find(|l| **l == to) else {
        return Err(Status::BadRequest);
    };
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    let mut words = None;
    for (k, v) in &fields {
        let v = v.trim();
        match k.as_str() {
            "_csrf" | "_to" | "s" | "page" => {}
            _ if v.is_empty() => {}
            "q" => words = words.or(Some(v)),
            _ => {
                query.append_pair(k, v);
            }
        }
    }
    let mut query = query.finish();
    if let Some(w) = words {
        // Longer words are cut at the list's limit, as its search box does.
        let w: String = w.chars().take(MAX_WORDS).collect();
        if !query.is_empty() {
            query.push('&');
        }
        query.push_str(&app.seal.param(&w));
    }
    Ok(Redirect::to(if query.is_empty() {
        list.to_string()
    } else {
        format!("{list}?{query}")
    }))
}

/// The route.
pub fn routes() -> Vec<Route> {
    routes![search]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_sealed_open_again_and_nothing_else_does() {
        let seal = Seal::new("one secret");
        let s = seal.seal("jane@example.com tiếng");
        assert!(!s.contains("jane") && !s.contains('%') && !s.contains('+'));
        assert_eq!(seal.open(&s).as_deref(), Some("jane@example.com tiếng"));
        assert_ne!(seal.seal("x"), seal.seal("x"), "a fresh nonce each time");
        assert_eq!(Seal::new("another secret").open(&s), None);
        let mut altered = s.clone().into_bytes();
        let last = altered.len() - 3;
        altered[last] = if altered[last] == b'A' { b'B' } else { b'A' };
        assert_eq!(seal.open(std::str::from_utf8(&altered).unwrap()), None);
        for junk in ["", "%%%", "AAAA", "not base64 at all!"] {
            assert_eq!(seal.open(junk), None, "{junk}");
        }
    }
}
