//! Real-time notifications: the hub and the WebSocket at `GET /api/v1/ws`.
//!
//! Protocol (JSON text frames). Client: `{"action": "auth", "token", "merchantId"?}`,
//! `{"action": "subscribe", "topic", "room": "collection" | "<id>", "lastEventId"?}`,
//! `{"action": "unsubscribe", "topic", "room"}`, `{"action": "ping"}`. Server: events
//! `{"topic", "room", "eventId", "data"}` and control messages `{"type": "authenticated" |
//! "subscribed" | "unsubscribed" | "pong" | "error", …}`.

pub mod hub;
pub mod socket;

use rocket::http::Status;
use rocket::request::{FromRequest, Outcome, Request};
use rocket::{get, routes, Route, Shutdown, State};
use rocket_ws::{Channel, WebSocket};
use rusqlite::{params, Connection};

use crate::app::App;
use crate::auth::guards::{authenticate, bearer, Via};
use crate::error::{stash, ApiError};
use crate::store::{events, Event};
use crate::workspaces::guard::resolve;
use socket::{Socket, Who};

/// The HTTP routes of this capability.
pub fn routes() -> Vec<Route> {
    routes![ws, ws_without_upgrade]
}

const REPLAY: &str =
    "SELECT id, workspace_id, topic, subject_id, actor_id, data, created_at FROM events
     WHERE workspace_id = ?1 AND topic = ?2 AND id > ?3 AND (?4 IS NULL OR subject_id = ?4)
     ORDER BY id LIMIT ?5";

/// The operations of this capability.
pub fn operations() -> Vec<crate::ops::openapi::Operation> {
    vec![crate::ops::openapi::Operation::new(
        "get",
        "/api/v1/ws",
        "WebSocket (101): auth by session cookie, Authorization or a first {action: auth} message within 5 s; subscribe to topics and rooms with lastEventId to resume",
        "Find permission of each topic's lead kind",
    )
    .empty(101, "Switching to the WebSocket protocol")
    .also(&[426])]
}

/// Up to `limit` events of a subscription after `after`, oldest first.
pub fn replay_page(
    conn: &Connection,
    workspace_id: &str,
    topic: &str,
    room: Option<&str>,
    after: i64,
    limit: i64,
) -> Result<Vec<Event>, ApiError> {
    let mut stmt = conn.prepare_cached(REPLAY)?;
    let rows = stmt.query_map(
        params![workspace_id, topic, after, room, limit],
        events::from_row,
    )?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The newest event id in the log.
pub fn head(conn: &Connection) -> Result<i64, ApiError> {
    Ok(conn.query_row("SELECT COALESCE(MAX(id), 0) FROM events", [], |r| r.get(0))?)
}

/// Who the upgrade request already proved to be (header or same-origin cookie), if anyone.
pub struct PreAuth(Option<Who>);

#[rocket::async_trait]
impl<'r> FromRequest<'r> for PreAuth {
    type Error = ();
    async fn from_request(req: &'r Request<'_>) -> Outcome<Self, ()> {
        let app = App::of(req);
        let has_header = bearer(req).is_some();
        let staff = match authenticate(req).await {
            Ok(s) => s,
            // A bad Authorization header is refused before the upgrade.
            Err(e) if has_header => return Outcome::Error((stash(req, e), ())),
            Err(_) => return Outcome::Success(PreAuth(None)),
        };
        // Cookies ride along on cross-site handshakes: trust them only from our own pages.
        if matches!(staff.via, Via::Session(_)) && !same_origin(req) {
            return Outcome::Success(PreAuth(None));
        }
        let merchant = req
            .headers()
            .get_one("x-merchant-id")
            .map(str::to_string)
            .or_else(|| req.query_value::<String>("merchant").and_then(|r| r.ok()));
        match resolve(&app.store, &staff, merchant).await {
            Ok((ws, role)) => Outcome::Success(PreAuth(Some(Who {
                user_id: staff.user.id,
                workspace_id: ws.id,
                role,
            }))),
            Err(e) => Outcome::Error((stash(req, e), ())),
        }
    }
}

fn same_origin(req: &Request<'_>) -> bool {
    match (
        req.headers().get_one("Origin"),
        req.headers().get_one("Host"),
    ) {
        (None, _) => true,
        (Some(origin), Some(host)) => origin.split_once("://").map(|(_, a)| a) == Some(host),
        (Some(_), None) => false,
    }
}

/// `GET /api/v1/ws` — authenticated staff (session cookie, `Authorization`, or a first `auth`
/// message within 5 s); each topic needs the Find permission of its lead kind (the registry's
/// `topics`).
#[get("/api/v1/ws")]
fn ws(socket: WebSocket, app: &State<App>, pre: PreAuth, shutdown: Shutdown) -> Channel<'static> {
    let s = Socket::new(app, pre.0, shutdown);
    // Bounded per-socket buffering: a client that stops reading fails its own socket (and
    // resumes from the log when it reconnects) instead of growing the server's memory.
    let config = rocket_ws::Config {
        max_message_size: Some(64 << 10),
        max_frame_size: Some(64 << 10),
        max_write_buffer_size: 1 << 20,
        ..Default::default()
    };
    socket
        .config(config)
        .channel(move |stream| Box::pin(s.run(stream)))
}

/// `GET /api/v1/ws` without an upgrade — public: says how to connect.
#[get("/api/v1/ws", rank = 2)]
fn ws_without_upgrade() -> ApiError {
    ApiError::new(
        Status::new(426),
        "UPGRADE_REQUIRED",
        "Connect with a WebSocket client",
    )
}
