//! leadbox launched in-process on a real port, with a real WebSocket client.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rocket::futures::{SinkExt, StreamExt};
use rocket::tokio::net::TcpStream;
use serde_json::Value;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use super::server::{free_port, http};

/// A socket to leadbox.
pub type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// A running in-process server.
pub struct Live {
    pub port: u16,
    pub hub: Arc<leadbox::realtime::hub::Hub>,
    shutdown: rocket::Shutdown,
    task: rocket::tokio::task::JoinHandle<()>,
}

impl Live {
    /// Launches on `dir` (the bootstrap owner included) and waits for `/readyz`.
    pub async fn start(dir: &Path) -> Live {
        Live::start_with(dir, 20).await
    }

    /// Launches with a given WebSocket ping interval.
    pub async fn start_with(dir: &Path, ping_seconds: u64) -> Live {
        Live::start_kinds(dir, ping_seconds, leadbox::kinds()).await
    }

    /// Launches with the lead kinds of `kinds`.
    pub async fn start_kinds(
        dir: &Path,
        ping_seconds: u64,
        kinds: leadbox::leads::kind::Registry,
    ) -> Live {
        let port = free_port();
        let shutdown_cfg = rocket::config::Shutdown {
            grace: 1,
            mercy: 1,
            ..Default::default()
        };
        let figment = super::figment(dir)
            .merge(("port", port))
            .merge(("address", "127.0.0.1"))
            .merge(("shutdown", shutdown_cfg))
            .merge(("ws_ping_seconds", ping_seconds));
        let rocket = leadbox::rocket_with(figment, kinds)
            .ignite()
            .await
            .expect("ignites");
        let hub = rocket.state::<leadbox::app::App>().unwrap().hub.clone();
        let shutdown = rocket.shutdown();
        let task = rocket::tokio::spawn(async move {
            let _ = rocket.launch().await;
        });
        let deadline = Instant::now() + Duration::from_secs(10);
        while !matches!(http(port, "GET", "/readyz", &[], "").await, Ok((200, _))) {
            assert!(Instant::now() < deadline, "not ready");
            rocket::tokio::time::sleep(Duration::from_millis(20)).await;
        }
        Live {
            port,
            hub,
            shutdown,
            task,
        }
    }

    /// Graceful shutdown; waits until it is done.
    pub async fn stop(self) {
        self.shutdown.notify();
        let _ = self.task.await;
    }

    /// An API token for the bootstrap owner.
    pub async fn owner_token(&self) -> String {
        let body =
            serde_json::json!({ "email": super::OWNER_EMAIL, "password": super::OWNER_PASSWORD })
                .to_string();
        let (_, text) = http(
            self.port,
            "POST",
            "/api/v1/auth/token",
            &[("Content-Type", "application/json")],
            &body,
        )
        .await
        .unwrap();
        serde_json::from_str::<Value>(&text).unwrap()["data"]["token"]
            .as_str()
            .unwrap()
            .to_string()
    }

    /// A JSON API call with a token.
    pub async fn call(&self, method: &str, path: &str, token: &str, body: Value) -> (u16, Value) {
        let auth = format!("Bearer {token}");
        let headers = [
            ("Content-Type", "application/json"),
            ("Authorization", auth.as_str()),
        ];
        let payload = if body.is_null() {
            String::new()
        } else {
            body.to_string()
        };
        let (s, text) = http(self.port, method, path, &headers, &payload)
            .await
            .unwrap();
        (s, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    /// Submits a public inquiry; returns its id.
    pub async fn submit(&self, public_key: &str, name: &str) -> String {
        let body = serde_json::json!({ "name": name, "email": "rt@example.com", "message": "hi", "businessName": "RT", "subject": "S" }).to_string();
        let (s, text) = http(
            self.port,
            "POST",
            &format!("/api/public/forms/{public_key}/inquiries"),
            &[("Content-Type", "application/json")],
            &body,
        )
        .await
        .unwrap();
        assert_eq!(s, 201, "{text}");
        serde_json::from_str::<Value>(&text).unwrap()["data"]["id"]
            .as_str()
            .unwrap()
            .to_string()
    }

    /// Opens a socket with extra request headers.
    pub async fn connect(
        &self,
        headers: &[(&str, &str)],
    ) -> Result<Ws, tokio_tungstenite::tungstenite::Error> {
        let mut req = format!("ws://127.0.0.1:{}/api/v1/ws", self.port).into_client_request()?;
        for (k, v) in headers {
            req.headers_mut().insert(
                tokio_tungstenite::tungstenite::http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                v.parse().unwrap(),
            );
        }
        tokio_tungstenite::connect_async(req)
            .await
            .map(|(ws, _)| ws)
    }

    /// A socket authenticated by header, already past its `authenticated` message.
    pub async fn socket(&self, token: &str) -> Ws {
        let auth = format!("Bearer {token}");
        let mut ws = self.connect(&[("Authorization", &auth)]).await.unwrap();
        let hello = next_json(&mut ws, 2000).await.expect("authenticated");
        assert_eq!(hello["type"], "authenticated", "{hello}");
        ws
    }
}

/// Sends a JSON message.
pub async fn send(ws: &mut Ws, v: Value) {
    ws.send(Message::Text(v.to_string())).await.unwrap();
}

/// The next JSON message within `ms`, skipping pings; None on timeout or close.
pub async fn next_json(ws: &mut Ws, ms: u64) -> Option<Value> {
    let deadline = Instant::now() + Duration::from_millis(ms);
    loop {
        let left = deadline.checked_duration_since(Instant::now())?;
        match rocket::tokio::time::timeout(left, ws.next()).await {
            Ok(Some(Ok(Message::Text(t)))) => return serde_json::from_str(&t).ok(),
            Ok(Some(Ok(Message::Ping(_) | Message::Pong(_)))) => continue,
            _ => return None,
        }
    }
}

/// Subscribes and returns every message up to and including the `subscribed` ack; fails the
/// test on an `error` reply or when no ack comes.
pub async fn subscribe(ws: &mut Ws, topic: &str, room: &str, last: Option<i64>) -> Vec<Value> {
    match try_subscribe(ws, topic, room, last).await {
        Ok(got) => got,
        Err(e) => panic!("subscribe to {topic} was refused: {e}"),
    }
}

/// Subscribes; `Ok` with every message up to the `subscribed` ack, `Err` with the `error`
/// reply (or a note that nothing came).
pub async fn try_subscribe(
    ws: &mut Ws,
    topic: &str,
    room: &str,
    last: Option<i64>,
) -> Result<Vec<Value>, Value> {
    let mut msg = serde_json::json!({ "action": "subscribe", "topic": topic, "room": room });
    if let Some(n) = last {
        msg["lastEventId"] = n.into();
    }
    send(ws, msg).await;
    let mut got = vec![];
    while let Some(m) = next_json(ws, 3000).await {
        if m["type"] == "error" {
            return Err(m);
        }
        let done = m["type"] == "subscribed";
        got.push(m);
        if done {
            return Ok(got);
        }
    }
    Err(serde_json::json!({ "type": "timeout", "got": got }))
}
