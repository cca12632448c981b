//! One socket: authentication, subscriptions, replay from the log, live delivery, heartbeats,
//! clean close. A slow socket only ever slows itself: if it falls behind the hub it is told so
//! and catches up from the log.

use std::collections::BTreeMap;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rocket::futures::{SinkExt, StreamExt};
use rocket::tokio::sync::broadcast::error::RecvError;
use rocket::tokio::sync::broadcast::Receiver;
use rocket::tokio::time::{interval, sleep, MissedTickBehavior};
use rocket::Shutdown;
use rocket_ws::frame::{CloseCode, CloseFrame};
use rocket_ws::result::Result as WsResult;
use rocket_ws::stream::DuplexStream;
use rocket_ws::Message;
use serde_json::{json, Value};

use super::hub::Hub;
use super::{head, replay_page};
use crate::app::App;
use crate::auth::guards::staff_from_token;
use crate::auth::permissions::Role;
use crate::ops::metrics::Metrics;
use crate::store::{Event, Store};
use crate::workspaces::guard::resolve;

/// A socket that has not authenticated by then is closed with 1008.
pub const AUTH_TIMEOUT: Duration = Duration::from_secs(5);
/// Most subscriptions one socket may hold.
pub const MAX_SUBSCRIPTIONS: usize = 64;
const REPLAY_PAGE: i64 = 500;

/// An authenticated socket's identity.
#[derive(Debug, Clone)]
pub struct Who {
    /// Staff user.
    pub user_id: String,
    /// The only workspace whose events it receives.
    pub workspace_id: String,
    /// What it may read.
    pub role: Role,
}

/// Everything a socket needs, owned (it outlives the upgrade request).
pub struct Socket {
    store: Store,
    hub: Arc<Hub>,
    kinds: Arc<crate::leads::kind::Registry>,
    metrics: Arc<Metrics>,
    who: Option<Who>,
    shutdown: Shutdown,
    /// How often to ping.
    ping_every: Duration,
    /// (topic, room) → id of the last event sent for it.
    subs: BTreeMap<(String, String), i64>,
}

enum Flow {
    Continue,
    Close(CloseCode, &'static str),
}

fn control(kind: &str, extra: Value) -> Message {
    let mut v = json!({ "type": kind });
    if let (Some(o), Some(e)) = (v.as_object_mut(), extra.as_object()) {
        o.extend(e.clone());
    }
    Message::Text(v.to_string())
}

fn error(code: &str, message: &str) -> Message {
    control("error", json!({ "code": code, "message": message }))
}

impl Socket {
    /// A socket for the app, perhaps already authenticated by the upgrade request.
    pub fn new(app: &App, who: Option<Who>, shutdown: Shutdown) -> Socket {
        Socket {
            store: app.store.clone(),
            kinds: app.kinds.clone(),
            hub: app.hub.clone(),
            metrics: app.metrics.clone(),
            who,
            shutdown,
            ping_every: Duration::from_secs(app.config.ws_ping_seconds.max(1)),
            subs: BTreeMap::new(),
        }
    }

    /// Serves the socket until either side closes it.
    pub async fn run(mut self, mut stream: DuplexStream) -> WsResult<()> {
        // The live receiver; None before authentication and while the hub is down.
        let mut rx: Option<Receiver<Arc<Event>>> = None;
        if let Some(who) = self.who.clone() {
            rx = self.hub.subscribe();
            stream.send(authenticated(&who)).await?;
        }
        let deadline = sleep(AUTH_TIMEOUT);
        rocket::tokio::pin!(deadline);
        // Silent for 3.75 pings (75 s at the default 20 s) means gone.
        let idle_limit = self.ping_every * 15 / 4;
        let mut ping = interval(self.ping_every);
        ping.set_missed_tick_behavior(MissedTickBehavior::Delay);
        ping.tick().await;
        let mut retry_hub = interval(Duration::from_secs(1));
        let mut last_heard = Instant::now();
        let shutdown = self.shutdown.clone();
        rocket::tokio::pin!(shutdown);
        let flow = loop {
            let hub_down = rx.is_none();
            let live = async {
                match rx.as_mut() {
                    Some(rx) => rx.recv().await,
                    None => std::future::pending().await,
                }
            };
            rocket::tokio::select! {
                biased;
                _ = &mut shutdown => break Flow::Close(CloseCode::Away, "server shutting down"),
                msg = stream.next() => {
                    last_heard = Instant::now();
                    match msg {
                        None | Some(Err(_)) | Some(Ok(Message::Close(_))) => return Ok(()),
                        Some(Ok(Message::Text(text))) => {
                            let was_anonymous = self.who.is_none();
                            match self.on_text(&mut stream, &text).await? {
                                Flow::Continue => {}
                                close => break close,
                            }
                            if was_anonymous && self.who.is_some() {
                                // Live before any subscribe is handled, so none can miss an event.
                                rx = self.hub.subscribe();
                            }
                        }
                        Some(Ok(Message::Binary(_))) => {
                            stream.send(error("INVALID_MESSAGE", "send JSON text frames")).await?;
                        }
                        Some(Ok(_)) => {} // ping/pong: answered by the protocol layer
                    }
                }
                event = live => {
                    if !self.on_live(&mut stream, event).await? {
                        rx = None; // the hub stopped; retried below
                    }
                }
                _ = &mut deadline, if self.who.is_none() => {
                    break Flow::Close(CloseCode::Policy, "authentication required");
                }
                _ = retry_hub.tick(), if self.who.is_some() && hub_down => {
                    // The hub came back: go live again, then catch up from the log.
                    if let Some(r) = self.hub.subscribe() {
                        rx = Some(r);
                        self.catch_up(&mut stream).await?;
                    }
                }
                _ = ping.tick() => {
                    if last_heard.elapsed() > idle_limit {
                        self.metrics
                            .sockets_closed_idle
                            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        break Flow::Close(CloseCode::Away, "no answer to pings");
                    }
                    stream.send(Message::Ping(b"leadbox".to_vec())).await?;
                }
            }
        };
        if let Flow::Close(code, reason) = flow {
            let frame = CloseFrame {
                code,
                reason: reason.into(),
            };
            let _ = stream.send(Message::Close(Some(frame))).await;
            let _ = stream.flush().await;
        }
        Ok(())
    }

    async fn on_text(&mut self, stream: &mut DuplexStream, text: &str) -> WsResult<Flow> {
        let Ok(msg) = serde_json::from_str::<Value>(text) else {
            stream
                .send(error("INVALID_MESSAGE", "messages are JSON objects"))
                .await?;
            return Ok(Flow::Continue);
        };
        let action = msg["action"].as_str().unwrap_or("");
        match (action, self.who.is_some()) {
            ("ping", _) => stream.send(control("pong", json!({}))).await?,
            ("auth", true) => {
                stream
                    .send(error(
                        "ALREADY_AUTHENTICATED",
                        "this socket is authenticated",
                    ))
                    .await?
            }
            ("auth", false) => return self.on_auth(stream, &msg).await,
            (_, false) => {
                stream
                    .send(error(
                        "UNAUTHORIZED",
                        "authenticate first: {\"action\": \"auth\", \"token\": \"lbx_…\"}",
                    ))
                    .await?
            }
            ("subscribe", true) => self.on_subscribe(stream, &msg).await?,
            ("unsubscribe", true) => {
                let key = (
                    msg["topic"].as_str().unwrap_or("").to_string(),
                    msg["room"].as_str().unwrap_or("collection").to_string(),
                );
                let found = self.subs.remove(&key).is_some();
                let reply = if found {
                    control("unsubscribed", json!({ "topic": key.0, "room": key.1 }))
                } else {
                    error("NOT_SUBSCRIBED", "no such subscription")
                };
                stream.send(reply).await?;
            }
            _ => {
                stream
                    .send(error("INVALID_MESSAGE", "unknown action"))
                    .await?
            }
        }
        Ok(Flow::Continue)
    }

    async fn on_auth(&mut self, stream: &mut DuplexStream, msg: &Value) -> WsResult<Flow> {
        let token = msg["token"].as_str().unwrap_or("");
        let merchant = msg["merchantId"].as_str().map(str::to_string);
        let who = match staff_from_token(&self.store, token).await {
            Ok(staff) => match resolve(&self.store, &staff, merchant).await {
                Ok((ws, role)) => Who {
                    user_id: staff.user.id,
                    workspace_id: ws.id,
                    role,
                },
                Err(e) => {
                    stream.send(error(e.code, &e.message)).await?;
                    return Ok(Flow::Close(CloseCode::Policy, "no such workspace"));
                }
            },
            Err(_) => {
                stream.send(error("UNAUTHORIZED", "invalid token")).await?;
                return Ok(Flow::Close(CloseCode::Policy, "invalid token"));
            }
        };
        stream.send(authenticated(&who)).await?;
        self.who = Some(who);
        Ok(Flow::Continue)
    }

    async fn on_subscribe(&mut self, stream: &mut DuplexStream, msg: &Value) -> WsResult<()> {
        let Some(who) = self.who.clone() else {
            return Ok(());
        };
        let topic = msg["topic"].as_str().unwrap_or("").to_string();
        let room = msg["room"].as_str().unwrap_or("collection").to_string();
        // The due-time topics carry a lead id and its kind: any member may hear them.
        let due = crate::leads::routing::sla::TOPICS
            .contains(&topic.as_str())
            .then_some(crate::auth::permissions::Perm::WorkspaceRead);
        let Some(perm) = self.kinds.topic_permission(&topic).or(due) else {
            return stream.send(error("UNKNOWN_TOPIC", "no such topic")).await;
        };
        if !who.role.can(perm) {
            return stream.send(error("FORBIDDEN", &perm.name())).await;
        }
        if room.is_empty() || room.len() > 100 {
            return stream
                .send(error(
                    "INVALID_MESSAGE",
                    "room must be \"collection\" or a record id",
                ))
                .await;
        }
        let last = match msg.get("lastEventId") {
            None | Some(Value::Null) => None,
            Some(v) => match v.as_i64().filter(|n| *n >= 0) {
                Some(n) => Some(n),
                None => {
                    return stream
                        .send(error(
                            "INVALID_MESSAGE",
                            "lastEventId must be a whole number",
                        ))
                        .await
                }
            },
        };
        if !self.subs.contains_key(&(topic.clone(), room.clone()))
            && self.subs.len() >= MAX_SUBSCRIPTIONS
        {
            return stream
                .send(error(
                    "TOO_MANY_SUBSCRIPTIONS",
                    "unsubscribe from something first",
                ))
                .await;
        }
        // The live receiver exists already, so nothing committed from here on can be missed;
        // the replay covers what came before, and ids dedupe the overlap.
        let start = match last {
            Some(n) => n,
            None => self.store.read_behind(head).await.unwrap_or(0),
        };
        let key = (topic.clone(), room.clone());
        self.subs.insert(key.clone(), start);
        let replayed = self.replay(stream, &key).await?;
        let last_sent = self.subs.get(&key).copied().unwrap_or(start);
        stream
            .send(control(
                "subscribed",
                json!({ "topic": topic, "room": room, "lastEventId": last_sent, "replayed": replayed }),
            ))
            .await
    }

    /// Sends every logged event of one subscription after its last sent id.
    async fn replay(
        &mut self,
        stream: &mut DuplexStream,
        key: &(String, String),
    ) -> WsResult<usize> {
        let Some(who) = self.who.clone() else {
            return Ok(0);
        };
        let mut sent = 0;
        loop {
            let after = self.subs.get(key).copied().unwrap_or(0);
            let (ws, topic) = (who.workspace_id.clone(), key.0.clone());
            let room = (key.1 != "collection").then(|| key.1.clone());
            let page = self
                .store
                .read(move |c| replay_page(c, &ws, &topic, room.as_deref(), after, REPLAY_PAGE))
                .await
                .unwrap_or_default();
            let n = page.len();
            for ev in page {
                self.send_event(stream, key, &ev).await?;
                sent += 1;
            }
            if (n as i64) < REPLAY_PAGE {
                return Ok(sent);
            }
        }
    }

    /// Replays every subscription (after falling behind, or after the hub came back).
    async fn catch_up(&mut self, stream: &mut DuplexStream) -> WsResult<()> {
        let keys: Vec<(String, String)> = self.subs.keys().cloned().collect();
        for key in keys {
            self.replay(stream, &key).await?;
        }
        Ok(())
    }

    /// Delivers a live event; false when the hub has stopped.
    async fn on_live(
        &mut self,
        stream: &mut DuplexStream,
        event: Result<Arc<Event>, RecvError>,
    ) -> WsResult<bool> {
        match event {
            Ok(ev) => {
                let Some(who) = &self.who else {
                    return Ok(true);
                };
                if ev.workspace_id.as_deref() != Some(who.workspace_id.as_str()) {
                    return Ok(true);
                }
                let matching: Vec<(String, String)> = self
                    .subs
                    .keys()
                    .filter(|(topic, room)| {
                        *topic == ev.topic
                            && (room == "collection"
                                || ev.subject_id.as_deref() == Some(room.as_str()))
                    })
                    .cloned()
                    .collect();
                for key in matching {
                    self.send_event(stream, &key, &ev).await?;
                }
                Ok(true)
            }
            Err(RecvError::Lagged(missed)) => {
                self.metrics
                    .notifications_failed
                    .fetch_add(missed, Ordering::Relaxed);
                stream
                    .send(error(
                        "LAGGED",
                        "this socket fell behind; catching up from the log",
                    ))
                    .await?;
                self.catch_up(stream).await?;
                Ok(true)
            }
            // The hub stopped; the socket stays and retries (see `retry_hub`).
            Err(RecvError::Closed) => Ok(false),
        }
    }

    /// Sends one event for one subscription unless it was sent already.
    async fn send_event(
        &mut self,
        stream: &mut DuplexStream,
        key: &(String, String),
        ev: &Event,
    ) -> WsResult<()> {
        let last = self.subs.get(key).copied().unwrap_or(i64::MAX);
        if ev.id <= last {
            return Ok(());
        }
        let msg = json!({ "topic": ev.topic, "room": key.1, "eventId": ev.id, "data": ev.data });
        match stream.send(Message::Text(msg.to_string())).await {
            Ok(()) => {
                self.metrics
                    .notifications_sent
                    .fetch_add(1, Ordering::Relaxed);
                if let Some(l) = self.subs.get_mut(key) {
                    *l = ev.id;
                }
                Ok(())
            }
            Err(e) => {
                self.metrics
                    .notifications_failed
                    .fetch_add(1, Ordering::Relaxed);
                Err(e)
            }
        }
    }
}

fn authenticated(who: &Who) -> Message {
    control(
        "authenticated",
        json!({ "userId": who.user_id, "workspaceId": who.workspace_id, "role": who.role }),
    )
}
