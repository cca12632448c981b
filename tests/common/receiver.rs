//! A small HTTP receiver on loopback: records every request and answers as told (a status,
//! or never).

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rocket::tokio::io::{AsyncReadExt, AsyncWriteExt};
use rocket::tokio::net::TcpListener;

/// How the receiver answers one request.
#[derive(Debug, Clone, Copy)]
pub enum Answer {
    /// This status, empty body.
    Status(u16),
    /// Never: the connection is held open.
    Hang,
    /// 302 to this port's `/elsewhere` on loopback.
    Redirect(u16),
}

/// One request received.
#[derive(Debug, Clone)]
pub struct Hit {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// What the receiver answered (None: it hung).
    pub answered: Option<u16>,
}

impl Hit {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or(serde_json::Value::Null)
    }
}

#[derive(Default)]
struct Plan {
    queue: VecDeque<Answer>,
    then: Option<Answer>,
}

/// A running receiver.
#[derive(Clone)]
pub struct Receiver {
    pub port: u16,
    hits: Arc<Mutex<Vec<Hit>>>,
    plan: Arc<Mutex<Plan>>,
}

impl Receiver {
    /// Starts on a free loopback port, answering 200 until told otherwise.
    pub async fn start() -> Receiver {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let r = Receiver {
            port,
            hits: Arc::default(),
            plan: Arc::default(),
        };
        let me = r.clone();
        rocket::tokio::spawn(async move {
            loop {
                let Ok((mut sock, _)) = listener.accept().await else {
                    return;
                };
                let me = me.clone();
                rocket::tokio::spawn(async move {
                    let mut buf = Vec::new();
                    let mut chunk = [0u8; 8192];
                    let head_end = loop {
                        let n = match sock.read(&mut chunk).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => n,
                        };
                        buf.extend_from_slice(&chunk[..n]);
                        if let Some(p) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                            break p;
                        }
                    };
                    let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
                    let mut lines = head.split("\r\n");
                    let first = lines.next().unwrap_or_default().to_string();
                    let mut parts = first.split(' ');
                    let method = parts.next().unwrap_or_default().to_string();
                    let path = parts.next().unwrap_or_default().to_string();
                    let headers: Vec<(String, String)> = lines
                        .filter_map(|l| l.split_once(':'))
                        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
                        .collect();
                    let len: usize = headers
                        .iter()
                        .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
                        .and_then(|(_, v)| v.parse().ok())
                        .unwrap_or(0);
                    let mut body = buf[head_end + 4..].to_vec();
                    while body.len() < len {
                        let n = match sock.read(&mut chunk).await {
                            Ok(0) | Err(_) => break,
                            Ok(n) => n,
                        };
                        body.extend_from_slice(&chunk[..n]);
                    }
                    let answer = {
                        let mut p = me.plan.lock().unwrap();
                        p.queue
                            .pop_front()
                            .or(p.then)
                            .unwrap_or(Answer::Status(200))
                    };
                    let answered = match answer {
                        Answer::Status(s) => Some(s),
                        Answer::Redirect(_) => Some(302),
                        Answer::Hang => None,
                    };
                    me.hits.lock().unwrap().push(Hit {
                        method,
                        path,
                        headers,
                        body,
                        answered,
                    });
                    match answer {
                        Answer::Status(s) => {
                            let res = format!(
                                "HTTP/1.1 {s} X\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
                            );
                            let _ = sock.write_all(res.as_bytes()).await;
                            let _ = sock.shutdown().await;
                        }
                        Answer::Redirect(port) => {
                            let res = format!(
                                "HTTP/1.1 302 Found\r\nlocation: http://127.0.0.1:{port}/elsewhere\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
                            );
                            let _ = sock.write_all(res.as_bytes()).await;
                            let _ = sock.shutdown().await;
                        }
                        Answer::Hang => {
                            rocket::tokio::time::sleep(Duration::from_secs(3600)).await;
                        }
                    }
                });
            }
        });
        r
    }

    /// Answers these first, in order.
    pub fn queue(&self, answers: &[Answer]) {
        self.plan
            .lock()
            .unwrap()
            .queue
            .extend(answers.iter().copied());
    }

    /// Then answers this from now on.
    pub fn then(&self, a: Answer) {
        self.plan.lock().unwrap().then = Some(a);
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    pub fn hits(&self) -> Vec<Hit> {
        self.hits.lock().unwrap().clone()
    }

    /// Waits until `pred` holds for the hits so far.
    pub async fn wait_for(&self, what: &str, secs: u64, pred: impl Fn(&[Hit]) -> bool) -> Vec<Hit> {
        let deadline = Instant::now() + Duration::from_secs(secs);
        loop {
            let hits = self.hits();
            if pred(&hits) {
                return hits;
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what}; got {} hits",
                hits.len()
            );
            rocket::tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// The Python of the test venv (`tests/tools/python.sh`), if it has the packages. Without it,
/// a test that needs it fails when `LEADBOX_REQUIRE_EXTERNAL` is set (CI) and is skipped with
/// a message otherwise.
pub fn python() -> Option<String> {
    let candidates = [
        std::env::var("LEADBOX_TEST_PYTHON").ok(),
        Some(format!(
            "{}/tests/.venv/bin/python",
            env!("CARGO_MANIFEST_DIR")
        )),
    ];
    for c in candidates.into_iter().flatten() {
        let ok = std::process::Command::new(&c)
            .args(["-c", "import standardwebhooks, aiosmtpd"])
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false);
        if ok {
            return Some(c);
        }
    }
    if std::env::var("LEADBOX_REQUIRE_EXTERNAL").is_ok() {
        panic!("the test venv is missing: run tests/tools/python.sh");
    }
    eprintln!("skipped: no test venv (run tests/tools/python.sh)");
    None
}

/// Verifies a received message with the `standardwebhooks` package from PyPI; answers the
/// verified payload or the library's error.
pub fn verify_with_standardwebhooks(
    py: &str,
    secret: &str,
    hit: &Hit,
) -> Result<serde_json::Value, String> {
    let script = r#"
import json, sys
from standardwebhooks.webhooks import Webhook
secret, headers, body = sys.argv[1], json.loads(sys.argv[2]), sys.stdin.buffer.read()
try:
    print(json.dumps(Webhook(secret).verify(body, headers)))
except Exception as e:
    print("ERROR", type(e).__name__, e)
    sys.exit(1)
"#;
    let headers: serde_json::Map<String, serde_json::Value> = hit
        .headers
        .iter()
        .map(|(k, v)| (k.to_ascii_lowercase(), serde_json::Value::String(v.clone())))
        .collect();
    let mut child = std::process::Command::new(py)
        .args([
            "-c",
            script,
            secret,
            &serde_json::Value::Object(headers).to_string(),
        ])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child.stdin.take().unwrap().write_all(&hit.body).unwrap();
    let out = child.wait_with_output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    if out.status.success() {
        Ok(serde_json::from_str(&text).unwrap())
    } else {
        Err(text)
    }
}

/// A real SMTP server (aiosmtpd from PyPI) on loopback, storing what it receives in a Maildir.
pub struct Smtp {
    child: std::process::Child,
    pub port: u16,
    dir: std::path::PathBuf,
}

impl Smtp {
    /// Starts aiosmtpd on `port` and waits until it accepts connections.
    pub fn start(py: &str, port: u16) -> Smtp {
        let dir = std::env::temp_dir().join(format!("leadbox-smtp-{}", uuid::Uuid::new_v4()));
        let child = std::process::Command::new(py)
            .args([
                "-m",
                "aiosmtpd",
                "-n",
                "-l",
                &format!("127.0.0.1:{port}"),
                "-c",
                "aiosmtpd.handlers.Mailbox",
            ])
            .arg(&dir)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("aiosmtpd starts");
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "aiosmtpd did not listen");
            std::thread::sleep(Duration::from_millis(50));
        }
        Smtp { child, port, dir }
    }

    /// Every message received, raw.
    pub fn messages(&self) -> Vec<String> {
        let mut out = vec![];
        for sub in ["new", "cur"] {
            if let Ok(entries) = std::fs::read_dir(self.dir.join(sub)) {
                for e in entries.flatten() {
                    if let Ok(text) = std::fs::read_to_string(e.path()) {
                        out.push(text);
                    }
                }
            }
        }
        out
    }

    /// Waits until at least `n` messages arrived.
    pub async fn wait_for(&self, n: usize, secs: u64) -> Vec<String> {
        let deadline = Instant::now() + Duration::from_secs(secs);
        loop {
            let m = self.messages();
            if m.len() >= n {
                return m;
            }
            assert!(
                Instant::now() < deadline,
                "{} of {n} messages arrived",
                m.len()
            );
            rocket::tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for Smtp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// One header of a raw message (unfolded), decoded when it is RFC 2047 UTF-8 base64.
pub fn mail_header(raw: &str, name: &str) -> Option<String> {
    let head = raw
        .split("\n\n")
        .next()
        .unwrap_or(raw)
        .replace("\r\n", "\n");
    let unfolded = head.replace("\n ", " ").replace("\n\t", " ");
    let line = unfolded.lines().find(|l| {
        l.to_ascii_lowercase()
            .starts_with(&format!("{}:", name.to_ascii_lowercase()))
    })?;
    let value = line[name.len() + 1..].trim().to_string();
    Some(decode_words(&value))
}

fn decode_words(v: &str) -> String {
    use base64::Engine;
    v.split(' ')
        .map(|w| {
            let lower = w.to_ascii_lowercase();
            if lower.starts_with("=?utf-8?b?") && w.ends_with("?=") {
                let inner = &w[10..w.len() - 2];
                base64::engine::general_purpose::STANDARD
                    .decode(inner)
                    .ok()
                    .and_then(|b| String::from_utf8(b).ok())
                    .unwrap_or_else(|| w.to_string())
            } else {
                w.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
        .replace("  ", " ")
}

/// The body of a raw message, decoded from quoted-printable or base64 when it says so.
pub fn mail_body(raw: &str) -> String {
    use base64::Engine;
    let raw = raw.replace("\r\n", "\n");
    let (head, body) = raw.split_once("\n\n").unwrap_or(("", &raw));
    let enc = head.to_ascii_lowercase();
    if enc.contains("content-transfer-encoding: base64") {
        let joined: String = body.lines().collect();
        return base64::engine::general_purpose::STANDARD
            .decode(joined.trim())
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .unwrap_or_default();
    }
    if enc.contains("content-transfer-encoding: quoted-printable") {
        let soft = body.replace("=\n", "");
        let bytes = soft.as_bytes();
        let mut out = vec![];
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] == b'=' && i + 2 < bytes.len() + 1 {
                if let Ok(b) = u8::from_str_radix(
                    std::str::from_utf8(&bytes[i + 1..(i + 3).min(bytes.len())]).unwrap_or(""),
                    16,
                ) {
                    out.push(b);
                    i += 3;
                    continue;
                }
            }
            out.push(bytes[i]);
            i += 1;
        }
        return String::from_utf8_lossy(&out).to_string();
    }
    body.to_string()
}
