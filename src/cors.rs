//! CORS for the calls a team's own dashboard makes from its origin (the Contact Sales widget):
//! allowed for origins listed in a workspace's `allowedOrigins`.

use rocket::fairing::{Fairing, Info, Kind};
use rocket::http::{Header, Method, Status};
use rocket::{options, routes, Request, Response, Route, State};

use crate::app::App;
use crate::error::ApiError;

/// Paths the widget calls cross-origin.
pub const PATHS: [&str; 2] = ["/api/sales/contact-request", "/api/v1/analytics/events"];

/// The HTTP routes of this capability (preflights).
pub fn routes() -> Vec<Route> {
    routes![preflight_contact, preflight_analytics]
}

/// True when some workspace lists `origin`.
pub async fn allowed(app: &App, origin: &str) -> bool {
    let needle = format!(
        "\"{}\"",
        origin
            .trim_end_matches('/')
            .to_ascii_lowercase()
            .replace('"', "")
    );
    app.store
        .read(move |c| {
            let n: i64 = c.query_row(
                "SELECT COUNT(*) FROM workspaces WHERE instr(allowed_origins, ?1) > 0",
                [needle],
                |r| r.get(0),
            )?;
            Ok(n > 0)
        })
        .await
        .unwrap_or(false)
}

/// A preflight answer.
pub struct Preflight(Option<String>);

impl<'r> rocket::response::Responder<'r, 'static> for Preflight {
    fn respond_to(self, req: &'r Request<'_>) -> rocket::response::Result<'static> {
        match self.0 {
            Some(origin) => Response::build()
                .status(Status::NoContent)
                .header(Header::new("Access-Control-Allow-Origin", origin))
                .header(Header::new("Access-Control-Allow-Methods", "POST, OPTIONS"))
                .header(Header::new(
                    "Access-Control-Allow-Headers",
                    "Authorization, Content-Type, Idempotency-Key, x-merchant-id",
                ))
                .header(Header::new("Access-Control-Max-Age", "600"))
                .header(Header::new("Vary", "Origin"))
                .ok(),
            None => ApiError::forbidden("This origin is not allowed").respond_to(req),
        }
    }
}

async fn preflight(app: &App, req_origin: Option<&str>) -> Preflight {
    match req_origin {
        Some(o) if allowed(app, o).await => Preflight(Some(o.to_string())),
        _ => Preflight(None),
    }
}

/// The request's `Origin`, as a guard.
pub struct Origin(Option<String>);

#[rocket::async_trait]
impl<'r> rocket::request::FromRequest<'r> for Origin {
    type Error = std::convert::Infallible;
    async fn from_request(req: &'r Request<'_>) -> rocket::request::Outcome<Self, Self::Error> {
        rocket::request::Outcome::Success(Origin(
            req.headers().get_one("Origin").map(str::to_string),
        ))
    }
}

/// `OPTIONS /api/sales/contact-request` — public: CORS preflight.
#[options("/api/sales/contact-request")]
async fn preflight_contact(app: &State<App>, origin: Origin) -> Preflight {
    preflight(app, origin.0.as_deref()).await
}

/// `OPTIONS /api/v1/analytics/events` — public: CORS preflight.
#[options("/api/v1/analytics/events")]
async fn preflight_analytics(app: &State<App>, origin: Origin) -> Preflight {
    preflight(app, origin.0.as_deref()).await
}

/// Adds the CORS answer headers to the widget's calls from allowed origins.
pub struct WidgetCors;

#[rocket::async_trait]
impl Fairing for WidgetCors {
    fn info(&self) -> Info {
        Info {
            name: "widget CORS",
            kind: Kind::Response,
        }
    }

    async fn on_response<'r>(&self, req: &'r Request<'_>, res: &mut Response<'r>) {
        if req.method() == Method::Options || !PATHS.contains(&req.uri().path().as_str()) {
            return;
        }
        let Some(origin) = req.headers().get_one("Origin") else {
            return;
        };
        if allowed(App::of(req), origin).await {
            res.set_header(Header::new(
                "Access-Control-Allow-Origin",
                origin.to_string(),
            ));
            res.set_header(Header::new(
                "Access-Control-Expose-Headers",
                "Idempotent-Replayed, Retry-After",
            ));
            res.set_header(Header::new("Vary", "Origin"));
        }
    }
}
