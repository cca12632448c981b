//! The WebSocket with a real client against a real server: delivery, rooms, isolation,
//! authentication, replay across disconnects and restarts, no duplicates, a broken hub.

mod common;

use std::time::{Duration, Instant};

use common::live::{next_json, send, subscribe, Live, Ws};
use common::TempDir;
use rocket::futures::StreamExt;
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::Message;

const SUBMITTED: &str = "observation/outreach/inquiry/submitted";
const UPDATED: &str = "observation/outreach/inquiry/updated";

async fn public_key(live: &Live, token: &str) -> String {
    let (_, b) = live
        .call("GET", "/api/v1/workspaces", token, Value::Null)
        .await;
    b["data"]["items"][0]["publicKey"]
        .as_str()
        .unwrap()
        .to_string()
}

/// Events (not control messages) arriving within `ms`.
async fn events(ws: &mut Ws, ms: u64) -> Vec<Value> {
    let mut out = vec![];
    let deadline = Instant::now() + Duration::from_millis(ms);
    while let Some(left) = deadline.checked_duration_since(Instant::now()) {
        match next_json(ws, left.as_millis() as u64).await {
            Some(m) if m.get("eventId").is_some() => out.push(m),
            Some(_) => {}
            None => break,
        }
    }
    out
}

#[rocket::async_test]
async fn a_new_inquiry_reaches_collection_and_record_rooms() {
    let dir = TempDir::new();
    let live = Live::start(dir.path()).await;
    let token = live.owner_token().await;
    let key = public_key(&live, &token).await;
    let mut ws = live.socket(&token).await;
    let ack = subscribe(&mut ws, SUBMITTED, "collection", None).await;
    assert_eq!(ack.last().unwrap()["type"], "subscribed", "{ack:?}");
    let id = live.submit(&key, "Ada").await;
    let ev = next_json(&mut ws, 2000).await.expect("an event");
    assert_eq!(ev["topic"], SUBMITTED);
    assert_eq!(ev["room"], "collection");
    assert!(ev["eventId"].as_i64().unwrap() > 0);
    let d = &ev["data"];
    assert_eq!(
        (d["id"].as_str(), d["name"].as_str(), d["email"].as_str()),
        (Some(id.as_str()), Some("Ada"), Some("rt@example.com"))
    );
    for key in ["type", "businessName", "subject", "createdAt"] {
        assert!(d.get(key).is_some(), "{key} missing: {d}");
    }
    // The per-record room gets that record's updates and nobody else's.
    let other = live.submit(&key, "Other").await;
    let _ = events(&mut ws, 300).await;
    subscribe(&mut ws, UPDATED, &id, None).await;
    let me: String = rusqlite::Connection::open(dir.path().join("leadbox.db"))
        .unwrap()
        .query_row("SELECT id FROM users", [], |r| r.get(0))
        .unwrap();
    live.call(
        "POST",
        &format!("/api/v1/inquiries/{other}/assign"),
        &token,
        json!({ "assigneeId": me }),
    )
    .await;
    live.call(
        "POST",
        &format!("/api/v1/inquiries/{id}/assign"),
        &token,
        json!({ "assigneeId": me }),
    )
    .await;
    let got = events(&mut ws, 800).await;
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(
        (got[0]["topic"].as_str(), got[0]["room"].as_str()),
        (Some(UPDATED), Some(id.as_str()))
    );
    assert_eq!(got[0]["data"]["status"], "ASSIGNED");
    live.stop().await;
}

#[rocket::async_test]
async fn sockets_see_only_their_own_workspace() {
    let dir = TempDir::new();
    let live = Live::start(dir.path()).await;
    let token = live.owner_token().await;
    let key = public_key(&live, &token).await;
    live.call(
        "POST",
        "/api/v1/workspaces",
        &token,
        json!({ "name": "Other", "slug": "other" }),
    )
    .await;
    let auth = format!("Bearer {token}");
    let mut theirs = live
        .connect(&[("Authorization", &auth), ("x-merchant-id", "other")])
        .await
        .unwrap();
    assert_eq!(
        next_json(&mut theirs, 2000).await.unwrap()["type"],
        "authenticated"
    );
    subscribe(&mut theirs, SUBMITTED, "collection", None).await;
    let mut ours = live
        .connect(&[("Authorization", &auth), ("x-merchant-id", "default")])
        .await
        .unwrap();
    next_json(&mut ours, 2000).await;
    subscribe(&mut ours, SUBMITTED, "collection", None).await;
    live.submit(&key, "Mine").await;
    assert_eq!(events(&mut ours, 800).await.len(), 1);
    // Their own lead, committed after ours, is the first event their socket gets: the hub
    // delivers in commit order, so ours was not delivered to them (no waiting on silence).
    let (_, list) = live
        .call("GET", "/api/v1/workspaces", &token, json!({}))
        .await;
    let other_key = list["data"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["slug"] == "other")
        .unwrap()["publicKey"]
        .as_str()
        .unwrap()
        .to_string();
    let theirs_id = live.submit(&other_key, "Theirs").await;
    let first = loop {
        let m = next_json(&mut theirs, 5000)
            .await
            .expect("their own lead arrives");
        if m.get("eventId").is_some() {
            break m;
        }
    };
    assert_eq!(
        first["data"]["id"].as_str(),
        Some(theirs_id.as_str()),
        "another workspace's lead leaked: {first}"
    );
    // Replaying from 0 in the other workspace finds only their own lead, then the ack.
    let replay = subscribe(&mut theirs, SUBMITTED, "collection", Some(0)).await;
    assert_eq!(replay.len(), 2, "{replay:?}");
    assert_eq!(replay[0]["data"]["id"].as_str(), Some(theirs_id.as_str()));
    // A workspace the caller is not a member of cannot be chosen.
    let stranger = live
        .connect(&[("Authorization", &auth), ("x-merchant-id", "nope")])
        .await;
    assert!(
        stranger.is_err(),
        "unknown workspace is refused before the upgrade"
    );
    live.stop().await;
}

#[rocket::async_test]
async fn unknown_topics_and_bad_messages_get_clear_errors() {
    let dir = TempDir::new();
    let live = Live::start(dir.path()).await;
    let token = live.owner_token().await;
    let mut ws = live.socket(&token).await;
    for (msg, code) in [
        (
            json!({ "action": "subscribe", "topic": "observation/secret", "room": "collection" }),
            "UNKNOWN_TOPIC",
        ),
        (
            json!({ "action": "subscribe", "topic": SUBMITTED, "room": "", }),
            "INVALID_MESSAGE",
        ),
        (
            json!({ "action": "subscribe", "topic": SUBMITTED, "room": "collection", "lastEventId": -4 }),
            "INVALID_MESSAGE",
        ),
        (
            json!({ "action": "subscribe", "topic": SUBMITTED, "room": "collection", "lastEventId": "x" }),
            "INVALID_MESSAGE",
        ),
        (
            json!({ "action": "unsubscribe", "topic": SUBMITTED, "room": "collection" }),
            "NOT_SUBSCRIBED",
        ),
        (json!({ "action": "dance" }), "INVALID_MESSAGE"),
        (
            json!({ "action": "auth", "token": token }),
            "ALREADY_AUTHENTICATED",
        ),
    ] {
        send(&mut ws, msg.clone()).await;
        let reply = next_json(&mut ws, 2000).await.unwrap();
        assert_eq!(
            (reply["type"].as_str(), reply["code"].as_str()),
            (Some("error"), Some(code)),
            "{msg}"
        );
    }
    ws.send_text("not json").await;
    assert_eq!(
        next_json(&mut ws, 2000).await.unwrap()["code"],
        "INVALID_MESSAGE"
    );
    send(&mut ws, json!({ "action": "ping" })).await;
    assert_eq!(next_json(&mut ws, 2000).await.unwrap()["type"], "pong");
    subscribe(&mut ws, SUBMITTED, "collection", None).await;
    send(
        &mut ws,
        json!({ "action": "unsubscribe", "topic": SUBMITTED, "room": "collection" }),
    )
    .await;
    assert_eq!(
        next_json(&mut ws, 2000).await.unwrap()["type"],
        "unsubscribed"
    );
    live.stop().await;
}

trait SendText {
    async fn send_text(&mut self, t: &str);
}
impl SendText for Ws {
    async fn send_text(&mut self, t: &str) {
        use rocket::futures::SinkExt;
        self.send(Message::Text(t.to_string())).await.unwrap();
    }
}

#[rocket::async_test]
async fn an_unauthenticated_socket_gets_nothing_and_is_closed_with_1008() {
    let dir = TempDir::new();
    let live = Live::start(dir.path()).await;
    let token = live.owner_token().await;
    let key = public_key(&live, &token).await;
    let started = Instant::now();
    let mut ws = live.connect(&[]).await.unwrap();
    send(&mut ws, json!({ "action": "subscribe", "topic": SUBMITTED, "room": "collection", "lastEventId": 0 })).await;
    let reply = next_json(&mut ws, 2000).await.unwrap();
    assert_eq!(reply["code"], "UNAUTHORIZED");
    live.submit(&key, "Secret").await;
    let mut close = None;
    while let Ok(Some(msg)) = rocket::tokio::time::timeout(Duration::from_secs(8), ws.next()).await
    {
        match msg {
            Ok(Message::Close(frame)) => {
                close = frame;
                break;
            }
            Ok(Message::Text(t)) => panic!("an unauthenticated socket received {t}"),
            _ => {}
        }
    }
    let frame = close.expect("a close frame");
    assert_eq!(frame.code, CloseCode::Policy);
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_millis(4500) && waited < Duration::from_secs(8),
        "{waited:?}"
    );
    live.stop().await;
}

#[rocket::async_test]
async fn a_first_auth_message_authenticates_and_a_bad_one_closes() {
    let dir = TempDir::new();
    let live = Live::start(dir.path()).await;
    let token = live.owner_token().await;
    let key = public_key(&live, &token).await;
    let mut ws = live.connect(&[]).await.unwrap();
    send(&mut ws, json!({ "action": "auth", "token": token })).await;
    let hello = next_json(&mut ws, 2000).await.unwrap();
    assert_eq!(
        (hello["type"].as_str(), hello["role"].as_str()),
        (Some("authenticated"), Some("owner"))
    );
    subscribe(&mut ws, SUBMITTED, "collection", None).await;
    live.submit(&key, "Via message").await;
    assert_eq!(events(&mut ws, 800).await.len(), 1);
    let mut bad = live.connect(&[]).await.unwrap();
    send(&mut bad, json!({ "action": "auth", "token": "lbx_forged" })).await;
    assert_eq!(
        next_json(&mut bad, 2000).await.unwrap()["code"],
        "UNAUTHORIZED"
    );
    match rocket::tokio::time::timeout(Duration::from_secs(2), bad.next()).await {
        Ok(Some(Ok(Message::Close(Some(f))))) => assert_eq!(f.code, CloseCode::Policy),
        other => panic!("expected a 1008 close, got {other:?}"),
    }
    // A bad Authorization header is refused at the upgrade.
    assert!(live
        .connect(&[("Authorization", "Bearer lbx_nope")])
        .await
        .is_err());
    live.stop().await;
}

#[rocket::async_test]
async fn a_reconnect_with_last_event_id_replays_the_gap_without_duplicates() {
    let dir = TempDir::new();
    let live = Live::start(dir.path()).await;
    let token = live.owner_token().await;
    let key = public_key(&live, &token).await;
    let mut ws = live.socket(&token).await;
    subscribe(&mut ws, SUBMITTED, "collection", None).await;
    live.submit(&key, "Seen").await;
    let seen = events(&mut ws, 800).await;
    let last = seen[0]["eventId"].as_i64().unwrap();
    drop(ws); // the connection drops
    let mut missed = vec![];
    for i in 0..3 {
        missed.push(live.submit(&key, &format!("Missed {i}")).await);
    }
    let mut ws = live.socket(&token).await;
    let msgs = subscribe(&mut ws, SUBMITTED, "collection", Some(last)).await;
    let replayed: Vec<&str> = msgs
        .iter()
        .filter_map(|m| m["data"]["id"].as_str())
        .collect();
    assert_eq!(
        replayed,
        missed.iter().map(String::as_str).collect::<Vec<_>>(),
        "the gap, in order"
    );
    let ack = msgs.last().unwrap();
    assert_eq!(
        (ack["type"].as_str(), ack["replayed"].as_i64()),
        (Some("subscribed"), Some(3))
    );
    let next = live.submit(&key, "Live again").await;
    let live_events = events(&mut ws, 800).await;
    assert_eq!(
        live_events.len(),
        1,
        "no duplicates after the switch: {live_events:?}"
    );
    assert_eq!(live_events[0]["data"]["id"].as_str(), Some(next.as_str()));
    live.stop().await;
}

#[rocket::async_test]
async fn replay_works_across_a_server_restart() {
    let dir = TempDir::new();
    let live = Live::start(dir.path()).await;
    let token = live.owner_token().await;
    let key = public_key(&live, &token).await;
    let mut ws = live.socket(&token).await;
    subscribe(&mut ws, SUBMITTED, "collection", None).await;
    live.submit(&key, "Before").await;
    let last = events(&mut ws, 800).await[0]["eventId"].as_i64().unwrap();
    let during = live.submit(&key, "While nobody listened").await;
    // The server goes away: the socket is closed cleanly with 1001.
    let stopping = rocket::tokio::spawn(live.stop());
    let mut close = None;
    while let Ok(Some(Ok(msg))) =
        rocket::tokio::time::timeout(Duration::from_secs(5), ws.next()).await
    {
        if let Message::Close(f) = msg {
            close = f;
            break;
        }
    }
    stopping.await.unwrap();
    assert_eq!(close.map(|f| f.code), Some(CloseCode::Away));
    let live = Live::start(dir.path()).await;
    let mut ws = live.socket(&token).await;
    let msgs = subscribe(&mut ws, SUBMITTED, "collection", Some(last)).await;
    let ids: Vec<&str> = msgs
        .iter()
        .filter_map(|m| m["data"]["id"].as_str())
        .collect();
    assert_eq!(ids, vec![during.as_str()]);
    live.stop().await;
}

#[rocket::async_test]
async fn a_subscribe_during_a_burst_misses_nothing_and_repeats_nothing() {
    let dir = TempDir::new();
    let live = Live::start(dir.path()).await;
    let token = live.owner_token().await;
    let key = public_key(&live, &token).await;
    live.call(
        "PATCH",
        "/api/v1/workspaces/default",
        &token,
        json!({ "rateLimits": { "publicPerIpPerMinute": 0 } }),
    )
    .await;
    let port = live.port;
    let burst = rocket::tokio::spawn(async move {
        let mut ids = vec![];
        for i in 0..120 {
            let body = json!({ "name": format!("B{i}"), "email": "b@example.com", "message": "m" })
                .to_string();
            let (_, text) = common::server::http(
                port,
                "POST",
                &format!("/api/public/forms/{key}/inquiries"),
                &[("Content-Type", "application/json")],
                &body,
            )
            .await
            .unwrap();
            ids.push(
                serde_json::from_str::<Value>(&text).unwrap()["data"]["id"]
                    .as_str()
                    .unwrap()
                    .to_string(),
            );
        }
        ids
    });
    rocket::tokio::time::sleep(Duration::from_millis(30)).await;
    let mut ws = live.socket(&token).await;
    let mut got: Vec<Value> = subscribe(&mut ws, SUBMITTED, "collection", Some(0))
        .await
        .into_iter()
        .filter(|m| m.get("eventId").is_some())
        .collect();
    let sent = burst.await.unwrap();
    got.extend(events(&mut ws, 1500).await);
    let ids: Vec<i64> = got.iter().map(|m| m["eventId"].as_i64().unwrap()).collect();
    assert!(
        ids.windows(2).all(|w| w[0] < w[1]),
        "out of order or repeated: {ids:?}"
    );
    let names: Vec<&str> = got
        .iter()
        .map(|m| m["data"]["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        sent.iter().map(String::as_str).collect::<Vec<_>>(),
        "every lead exactly once"
    );
    live.stop().await;
}

#[rocket::async_test]
async fn capture_succeeds_while_the_hub_is_down_and_sockets_catch_up_after() {
    let dir = TempDir::new();
    let live = Live::start(dir.path()).await;
    let token = live.owner_token().await;
    let key = public_key(&live, &token).await;
    let mut ws = live.socket(&token).await;
    subscribe(&mut ws, SUBMITTED, "collection", None).await;
    live.hub.stop();
    let id = live.submit(&key, "During the outage").await; // 201 all the same
    let (_, metrics) = common::server::http(live.port, "GET", "/metrics", &[], "")
        .await
        .unwrap();
    assert!(
        metrics.contains("leadbox_notifications_total{outcome=\"failed\"} 1"),
        "{metrics}"
    );
    live.hub.start();
    // The lead arrives once, from the log, after the hub is back; then a lead submitted after
    // it arrives next, so nothing was sent twice or out of order.
    let caught_up = loop {
        let m = next_json(&mut ws, 5000)
            .await
            .expect("the socket catches up");
        if m.get("eventId").is_some() {
            break m;
        }
    };
    assert_eq!(caught_up["data"]["id"].as_str(), Some(id.as_str()));
    let after = live.submit(&key, "After the outage").await;
    let next = loop {
        let m = next_json(&mut ws, 5000)
            .await
            .expect("the next lead arrives");
        if m.get("eventId").is_some() {
            break m;
        }
    };
    assert_eq!(next["data"]["id"].as_str(), Some(after.as_str()), "{next}");
    let (_, metrics) = common::server::http(live.port, "GET", "/metrics", &[], "")
        .await
        .unwrap();
    assert!(
        metrics.contains("leadbox_notifications_total{outcome=\"sent\"} 2"),
        "{metrics}"
    );
    live.stop().await;
}

#[rocket::async_test]
async fn a_plain_get_without_upgrade_is_told_to_use_a_websocket() {
    let dir = TempDir::new();
    let live = Live::start(dir.path()).await;
    let (s, body) = common::server::http(live.port, "GET", "/api/v1/ws", &[], "")
        .await
        .unwrap();
    assert_eq!(s, 426, "{body}");
    assert!(body.contains("UPGRADE_REQUIRED"));
    live.stop().await;
}

/// Signs in through the real form over HTTP; returns the session cookie header value.
async fn session_cookie(port: u16) -> String {
    use common::server::{http_full, set_cookie};
    let (_, head, html) = http_full(port, "GET", "/login", &[], "").await.unwrap();
    let pre = set_cookie(&head, "lb_csrf").unwrap();
    let csrf = common::csrf_of(&html);
    let form = common::form(&[
        ("email", common::OWNER_EMAIL),
        ("password", common::OWNER_PASSWORD),
        ("_csrf", &csrf),
    ]);
    let cookie = format!("lb_csrf={pre}");
    let (s, head, _) = http_full(
        port,
        "POST",
        "/login",
        &[
            ("Content-Type", "application/x-www-form-urlencoded"),
            ("Cookie", &cookie),
        ],
        &form,
    )
    .await
    .unwrap();
    assert_eq!(s, 303);
    format!("lb_session={}", set_cookie(&head, "lb_session").unwrap())
}

#[rocket::async_test]
async fn a_session_cookie_authenticates_only_from_leadboxs_own_pages() {
    let dir = TempDir::new();
    let live = Live::start(dir.path()).await;
    let cookie = session_cookie(live.port).await;
    let own = format!("http://127.0.0.1:{}", live.port);
    let mut ws = live
        .connect(&[("Cookie", &cookie), ("Origin", &own)])
        .await
        .unwrap();
    assert_eq!(
        next_json(&mut ws, 2000).await.unwrap()["type"],
        "authenticated"
    );
    // Cross-site WebSocket hijacking: the browser sends the cookie, leadbox ignores it.
    let mut evil = live
        .connect(&[("Cookie", &cookie), ("Origin", "https://evil.test")])
        .await
        .unwrap();
    send(
        &mut evil,
        json!({ "action": "subscribe", "topic": SUBMITTED, "room": "collection" }),
    )
    .await;
    assert_eq!(
        next_json(&mut evil, 2000).await.unwrap()["code"],
        "UNAUTHORIZED"
    );
    live.stop().await;
}

#[rocket::async_test]
async fn a_removed_member_can_no_longer_open_a_socket_into_the_workspace() {
    let dir = TempDir::new();
    let live = Live::start(dir.path()).await;
    let token = live.owner_token().await;
    let auth = format!("Bearer {token}");
    assert!(live.connect(&[("Authorization", &auth)]).await.is_ok());
    rusqlite::Connection::open(dir.path().join("leadbox.db"))
        .unwrap()
        .execute("DELETE FROM memberships", [])
        .unwrap();
    assert!(live.connect(&[("Authorization", &auth)]).await.is_err());
    let mut ws = live.connect(&[]).await.unwrap();
    send(&mut ws, json!({ "action": "auth", "token": token })).await;
    let reply = next_json(&mut ws, 2000).await.unwrap();
    assert_eq!(reply["type"], "error", "{reply}");
    live.stop().await;
}

#[rocket::async_test]
async fn the_server_pings_keeps_answering_sockets_and_closes_silent_ones() {
    let dir = TempDir::new();
    let live = Live::start_with(dir.path(), 1).await;
    let token = live.owner_token().await;
    // A client that keeps reading answers pings (the protocol layer pongs) and stays open.
    let mut alive = live.socket(&token).await;
    let reader = rocket::tokio::spawn(async move {
        let mut pings = 0;
        let until = Instant::now() + Duration::from_secs(9);
        while Instant::now() < until {
            match rocket::tokio::time::timeout(Duration::from_millis(500), alive.next()).await {
                Ok(Some(Ok(Message::Ping(_)))) => pings += 1,
                Ok(Some(Ok(Message::Close(f)))) => panic!("an answering socket was closed: {f:?}"),
                Ok(Some(Err(e))) => panic!("an answering socket failed: {e}"),
                _ => {}
            }
        }
        send(&mut alive, json!({ "action": "ping" })).await;
        let pong = next_json(&mut alive, 2000).await.unwrap();
        (pings, pong)
    });
    // A client that stops reading never pongs and is closed as gone (1001). Its own queued
    // pong may then meet the closed connection before it reads the close frame; then the
    // server's own count says why it closed the socket.
    let mut silent = live.socket(&token).await;
    rocket::tokio::time::sleep(Duration::from_secs(6)).await;
    let closed = loop {
        match rocket::tokio::time::timeout(Duration::from_secs(3), silent.next()).await {
            Ok(Some(Ok(Message::Ping(_)))) => continue,
            Ok(Some(Ok(Message::Close(f)))) => break f.map(|f| f.code),
            Ok(Some(Err(_))) | Ok(None) => break None,
            other => panic!("the silent socket is still open: {other:?}"),
        }
    };
    assert!(
        matches!(closed, Some(CloseCode::Away) | None),
        "closed with {closed:?}"
    );
    let (_, metrics) = common::server::http(live.port, "GET", "/metrics", &[], "")
        .await
        .unwrap();
    assert!(
        metrics.contains("leadbox_ws_closed_idle_total 1"),
        "the server closed exactly one socket for silence: {metrics}"
    );
    let (pings, pong) = reader.await.unwrap();
    assert!(pings >= 6, "pings: {pings}");
    assert_eq!(pong["type"], "pong", "the answering socket lives on");
    live.stop().await;
}

#[rocket::async_test]
async fn contact_requests_are_delivered_on_their_topics() {
    let dir = TempDir::new();
    let live = Live::start(dir.path()).await;
    let token = live.owner_token().await;
    live.call(
        "PATCH",
        "/api/v1/workspaces/default",
        &token,
        json!({ "userTokenSecret": common::USER_SECRET }),
    )
    .await;
    let mut ws = live.socket(&token).await;
    subscribe(
        &mut ws,
        "observation/sales/contact-request/submitted",
        "collection",
        None,
    )
    .await;
    subscribe(
        &mut ws,
        "observation/sales/contact-request/updated",
        "collection",
        None,
    )
    .await;
    let user = common::user_token(&uuid::Uuid::new_v4().to_string(), "rt-user@example.com");
    let (s, b) = live
        .call(
            "POST",
            "/api/sales/contact-request",
            &user,
            common::contact_body(),
        )
        .await;
    assert_eq!(s, 201, "{b}");
    let id = b["requestId"].as_str().unwrap().to_string();
    let got = events(&mut ws, 1000).await;
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(
        got[0]["topic"],
        "observation/sales/contact-request/submitted"
    );
    assert_eq!(
        (
            got[0]["data"]["id"].as_str(),
            got[0]["data"]["plan"].as_str()
        ),
        (Some(id.as_str()), Some("annual"))
    );
    let me: String = rusqlite::Connection::open(dir.path().join("leadbox.db"))
        .unwrap()
        .query_row("SELECT id FROM users", [], |r| r.get(0))
        .unwrap();
    live.call(
        "POST",
        &format!("/api/v1/contact-requests/{id}/assign"),
        &token,
        json!({ "assigneeId": me }),
    )
    .await;
    let got = events(&mut ws, 1000).await;
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(
        (got[0]["topic"].as_str(), got[0]["data"]["status"].as_str()),
        (
            Some("observation/sales/contact-request/updated"),
            Some("ASSIGNED")
        )
    );
    live.stop().await;
}

#[rocket::async_test]
async fn pricing_selections_are_delivered_on_their_topics() {
    let dir = TempDir::new();
    let live = Live::start(dir.path()).await;
    let token = live.owner_token().await;
    live.call("PATCH", "/api/v1/workspaces/default", &token, json!({
        "plans": [{ "code": "PRO_SOLO", "userType": "professional", "name": "Solo", "monthlyMin": 10, "monthlyMax": 20 }]
    })).await;
    let user = uuid::Uuid::new_v4().to_string();
    live.call(
        "PUT",
        &format!("/api/v1/users/{user}"),
        &token,
        json!({ "signupType": "professional" }),
    )
    .await;
    let mut ws = live.socket(&token).await;
    subscribe(
        &mut ws,
        "observation/pricing/selection/submitted",
        "collection",
        None,
    )
    .await;
    subscribe(
        &mut ws,
        "observation/pricing/selection/updated",
        "collection",
        None,
    )
    .await;
    let body = json!({ "userId": user, "userType": "professional", "selectedPlanCode": "PRO_SOLO", "pricing": {
        "planMonthlyMin": 10, "planMonthlyMax": 20, "addOnsMonthlyAmount": 0, "addOnsOneTimeAmount": 0, "gstRate": 18,
        "estimatedFirstMonthMin": 11.8, "estimatedFirstMonthMax": 23.6, "estimatedRecurringMin": 11.8, "estimatedRecurringMax": 23.6 },
        "source": "pricing_page", "capturedAt": "2026-01-01T00:00:00Z" });
    let (s, b) = live
        .call("POST", "/api/v1/pricing-selections", &token, body)
        .await;
    assert_eq!(s, 201, "{b}");
    let id = b["data"]["id"].as_str().unwrap().to_string();
    let got = events(&mut ws, 1000).await;
    assert_eq!(
        (got.len(), got[0]["topic"].as_str()),
        (1, Some("observation/pricing/selection/submitted"))
    );
    assert_eq!(got[0]["data"]["id"].as_str(), Some(id.as_str()));
    live.call(
        "PATCH",
        &format!("/api/v1/pricing-selections/{id}/status"),
        &token,
        json!({ "status": "contacted" }),
    )
    .await;
    let got = events(&mut ws, 1000).await;
    assert_eq!(
        (
            got.len(),
            got[0]["topic"].as_str(),
            got[0]["data"]["status"].as_str()
        ),
        (
            1,
            Some("observation/pricing/selection/updated"),
            Some("contacted")
        )
    );
    live.stop().await;
}
