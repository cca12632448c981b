//! What the public path answers: JSON for scripts, a page for plain form posts, each with its
//! CORS and content-security headers.

use std::io::Cursor;

use rocket::http::{ContentType, Header, Status};
use rocket::request::Request;
use rocket::response::{self, Responder, Response};
use serde_json::Value;

use crate::error::ApiError;
use crate::inquiries::forms::cache::Target;

/// An answer of the public path: JSON for scripts, HTML for plain form posts.
pub struct PublicAnswer {
    pub(super) status: Status,
    pub(super) body: PublicBody,
    pub(super) headers: Vec<Header<'static>>,
}

pub(super) enum PublicBody {
    Json(Value),
    Html(String),
    Text(ContentType, String),
    Empty,
}

impl<'r> Responder<'r, 'static> for PublicAnswer {
    fn respond_to(self, _: &'r Request<'_>) -> response::Result<'static> {
        let mut res = Response::build();
        res.status(self.status);
        match self.body {
            PublicBody::Json(v) => {
                let s = v.to_string();
                res.header(ContentType::JSON)
                    .sized_body(s.len(), Cursor::new(s));
            }
            PublicBody::Html(s) => {
                res.header(ContentType::HTML)
                    .sized_body(s.len(), Cursor::new(s));
            }
            PublicBody::Text(ct, s) => {
                res.header(ct).sized_body(s.len(), Cursor::new(s));
            }
            PublicBody::Empty => {}
        }
        for h in self.headers {
            res.header(h);
        }
        res.ok()
    }
}

pub(super) fn cors_headers(origin: Option<String>) -> Vec<Header<'static>> {
    match origin {
        Some(o) => vec![
            Header::new("Access-Control-Allow-Origin", o),
            Header::new("Vary", "Origin"),
        ],
        None => vec![Header::new("Vary", "Origin")],
    }
}

pub(super) fn json_error(e: ApiError, cors: Option<String>) -> PublicAnswer {
    let mut headers = cors_headers(cors);
    if let Some(s) = e.retry_after {
        headers.push(Header::new("Retry-After", s.to_string()));
    }
    PublicAnswer {
        status: e.status,
        body: PublicBody::Json(e.body()),
        headers,
    }
}

/// The policy of the public pages: framable only by the form's allowed origins.
fn public_csp(t: Option<&Target>) -> Header<'static> {
    let (ancestors, form_action) = match t {
        Some(t) => {
            let thanks = t
                .thank_you_url()
                .and_then(|u| crate::domain::parse_origin(&origin_of(u)).ok())
                .unwrap_or_default();
            (t.origins().join(" "), thanks)
        }
        None => (String::new(), String::new()),
    };
    Header::new(
        "Content-Security-Policy",
        format!(
            "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self' {form_action}; frame-ancestors 'self' {ancestors}"
        ),
    )
}

fn origin_of(url: &str) -> String {
    match url.split_once("://") {
        Some((scheme, rest)) => format!(
            "{scheme}://{}",
            rest.split(['/', '?', '#']).next().unwrap_or("")
        ),
        None => String::new(),
    }
}

pub(super) fn html_page(status: Status, t: Option<&Target>, html: String) -> PublicAnswer {
    PublicAnswer {
        status,
        body: PublicBody::Html(html),
        headers: vec![public_csp(t)],
    }
}
