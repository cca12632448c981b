//! Real-time benchmark: 1,000 admin sockets on the release binary; latency from each public
//! submit's 201 to each socket's receipt of the notification, and server RSS.
//!
//! Run: `bash bench/realtime.sh` (raises the open-file limit, builds, runs this).
//! Env: SOCKETS (1000), SUBMITS (100), SPACING_MS (50).

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use rocket::futures::{SinkExt, StreamExt};
use rocket::tokio;
use rocket::tokio::io::{AsyncReadExt, AsyncWriteExt};
use rocket::tokio::net::TcpStream;
use rocket::tokio::sync::mpsc;
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

async fn http(port: u16, method: &str, path: &str, auth: Option<&str>, body: &str) -> (u16, Value) {
    let mut s = TcpStream::connect(("127.0.0.1", port))
        .await
        .expect("connect");
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n",
        body.len()
    );
    if let Some(a) = auth {
        req.push_str(&format!("Authorization: Bearer {a}\r\n"));
    }
    req.push_str("\r\n");
    req.push_str(body);
    s.write_all(req.as_bytes()).await.unwrap();
    let mut buf = vec![];
    s.read_to_end(&mut buf).await.unwrap();
    let text = String::from_utf8_lossy(&buf).to_string();
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body = text.split_once("\r\n\r\n").map(|(_, b)| b).unwrap_or("");
    (status, serde_json::from_str(body).unwrap_or(Value::Null))
}

fn rss_kb(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        .unwrap_or(0)
}

fn pct(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

#[rocket::main]
async fn main() {
    let sockets = env("SOCKETS", 1000);
    let submits = env("SUBMITS", 100);
    let spacing = env("SPACING_MS", 50) as u64;
    let root = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let bin = root.join("target/release/leadbox");
    let data = std::env::temp_dir().join(format!("leadbox-rt-bench-{}", uuid::Uuid::new_v4()));
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = Command::new(&bin)
        .env("LEADBOX_DATA_DIR", &data)
        .env("LEADBOX_PORT", port.to_string())
        .env("LEADBOX_LOG_FILTER", "warn")
        .env("LEADBOX_BOOTSTRAP_EMAIL", "bench@example.com")
        .env("LEADBOX_BOOTSTRAP_PASSWORD", "bench-password-1")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("build the release binary first: cargo build --release");
    let pid = child.id();
    for _ in 0..200 {
        if TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let (_, t) = http(
        port,
        "POST",
        "/api/v1/auth/token",
        None,
        &json!({"email": "bench@example.com", "password": "bench-password-1"}).to_string(),
    )
    .await;
    let token = t["data"]["token"].as_str().expect("token").to_string();
    let (_, ws) = http(
        port,
        "PATCH",
        "/api/v1/workspaces/default",
        Some(&token),
        &json!({"rateLimits": {"publicPerIpPerMinute": 0, "publicPerWorkspacePerMinute": 0}})
            .to_string(),
    )
    .await;
    let key = ws["data"]["publicKey"].as_str().unwrap().to_string();
    let rss_idle = rss_kb(pid);

    // 1,000 sockets, each authenticated by header and subscribed to new inquiries.
    let (tx, mut rx) = mpsc::unbounded_channel::<(String, Instant)>();
    let started = Instant::now();
    let mut ready = vec![];
    for _ in 0..sockets {
        let mut req = format!("ws://127.0.0.1:{port}/api/v1/ws")
            .into_client_request()
            .unwrap();
        req.headers_mut()
            .insert("Authorization", format!("Bearer {token}").parse().unwrap());
        let (mut socket, _) = tokio_tungstenite::connect_async(req).await.expect("socket");
        socket
            .send(Message::Text(json!({"action": "subscribe", "topic": "observation/outreach/inquiry/submitted", "room": "collection"}).to_string()))
            .await
            .unwrap();
        let tx = tx.clone();
        let (ok_tx, ok_rx) = tokio::sync::oneshot::channel::<()>();
        ready.push(ok_rx);
        tokio::spawn(async move {
            let mut ok_tx = Some(ok_tx);
            while let Some(Ok(msg)) = socket.next().await {
                if let Message::Text(t) = msg {
                    let at = Instant::now();
                    let v: Value = serde_json::from_str(&t).unwrap_or(Value::Null);
                    if v["type"] == "subscribed" {
                        if let Some(o) = ok_tx.take() {
                            let _ = o.send(());
                        }
                    } else if let Some(id) = v["data"]["id"].as_str() {
                        let _ = tx.send((id.to_string(), at));
                    }
                }
            }
        });
    }
    for r in ready {
        r.await.expect("every socket subscribed");
    }
    let connect_secs = started.elapsed().as_secs_f64();
    tokio::time::sleep(Duration::from_secs(2)).await;
    let rss_sockets = rss_kb(pid);

    // Submits, one at a time; remember when each was sent and when its 201 came back.
    let mut sent_at = std::collections::HashMap::new();
    let body = json!({"name": "Ada Lovelace", "email": "ada@example.com", "businessName": "AE", "message": "A demo, please."}).to_string();
    for _ in 0..submits {
        let t0 = Instant::now();
        let (s, v) = http(
            port,
            "POST",
            &format!("/api/public/forms/{key}/inquiries"),
            None,
            &body,
        )
        .await;
        let t1 = Instant::now();
        assert_eq!(s, 201, "{v}");
        sent_at.insert(v["data"]["id"].as_str().unwrap().to_string(), (t0, t1));
        tokio::time::sleep(Duration::from_millis(spacing)).await;
    }
    let expected = sockets * submits;
    let mut from_ack = vec![];
    let mut from_send = vec![];
    let mut before_ack = 0usize;
    let deadline = Instant::now() + Duration::from_secs(30);
    while from_ack.len() < expected && Instant::now() < deadline {
        match tokio::time::timeout(Duration::from_secs(5), rx.recv()).await {
            Ok(Some((id, at))) => {
                if let Some((t0, t1)) = sent_at.get(&id) {
                    from_send.push(at.saturating_duration_since(*t0).as_secs_f64() * 1000.0);
                    if at < *t1 {
                        before_ack += 1;
                    }
                    from_ack.push(at.saturating_duration_since(*t1).as_secs_f64() * 1000.0);
                }
            }
            _ => break,
        }
    }
    let rss_after = rss_kb(pid);
    let _ = child.kill();
    let _ = child.wait();
    let _ = std::fs::remove_dir_all(&data);
    from_ack.sort_by(|a, b| a.partial_cmp(b).unwrap());
    from_send.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let machine = std::fs::read_to_string("/proc/cpuinfo")
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with("model name"))
        .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_string())
        .unwrap_or_default();
    println!("realtime benchmark: {sockets} sockets, {submits} submits {spacing} ms apart; {} cores ({machine})", std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0));
    println!("connected and subscribed {sockets} sockets in {connect_secs:.2} s");
    println!(
        "deliveries: {} of {expected} ({} arrived before the submitter had read its 201)",
        from_ack.len(),
        before_ack
    );
    println!();
    println!("| measure | p50 | p90 | p99 | max |");
    println!("|---|---:|---:|---:|---:|");
    println!(
        "| 201 → socket receipt (ms; 0 when it came first) | {:.2} | {:.2} | {:.2} | {:.2} |",
        pct(&from_ack, 0.5),
        pct(&from_ack, 0.9),
        pct(&from_ack, 0.99),
        from_ack.last().copied().unwrap_or(f64::NAN)
    );
    println!(
        "| submit sent → socket receipt (ms) | {:.2} | {:.2} | {:.2} | {:.2} |",
        pct(&from_send, 0.5),
        pct(&from_send, 0.9),
        pct(&from_send, 0.99),
        from_send.last().copied().unwrap_or(f64::NAN)
    );
    println!();
    println!(
        "server RSS: idle {:.1} MB, with {sockets} sockets {:.1} MB, after the submits {:.1} MB",
        rss_idle as f64 / 1024.0,
        rss_sockets as f64 / 1024.0,
        rss_after as f64 / 1024.0
    );
    if from_ack.len() < expected {
        println!("MISSING {} deliveries", expected - from_ack.len());
        std::process::exit(1);
    }
}
