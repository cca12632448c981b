//! The real `leadbox` binary as a child process, and a minimal HTTP/1.1 client for it.

use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use rocket::tokio::io::{AsyncReadExt, AsyncWriteExt};
use rocket::tokio::net::TcpStream;

/// A running binary; killed with SIGKILL on drop.
pub struct Server {
    pub child: Child,
    pub port: u16,
}

/// A free loopback port.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Server {
    /// Starts the binary on `data_dir` and waits until `/readyz` answers 200.
    pub async fn start(data_dir: &Path, port: u16, extra_env: &[(&str, &str)]) -> Server {
        Server::start_logging(data_dir, port, extra_env, None).await
    }

    /// Like `start`, with stdout and stderr appended to `log`.
    pub async fn start_logging(
        data_dir: &Path,
        port: u16,
        extra_env: &[(&str, &str)],
        log: Option<&Path>,
    ) -> Server {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_leadbox"));
        cmd.env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("LEADBOX_DATA_DIR", data_dir)
            .env("LEADBOX_PORT", port.to_string())
            .env("LEADBOX_ADDRESS", "127.0.0.1")
            .env("LEADBOX_BOOTSTRAP_EMAIL", super::OWNER_EMAIL)
            .env("LEADBOX_BOOTSTRAP_PASSWORD", super::OWNER_PASSWORD)
            .env("LEADBOX_LOG_FILTER", "warn");
        match log {
            Some(path) => {
                let f = std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(path)
                    .unwrap();
                cmd.stdout(f.try_clone().unwrap()).stderr(f);
            }
            None => {
                cmd.stdout(Stdio::null()).stderr(Stdio::null());
            }
        }
        for (k, v) in extra_env {
            cmd.env(k, v);
        }
        let child = cmd.spawn().expect("the leadbox binary starts");
        let server = Server { child, port };
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Ok((200, _)) = http(port, "GET", "/readyz", &[], "").await {
                return server;
            }
            assert!(Instant::now() < deadline, "leadbox did not become ready");
            rocket::tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// SIGTERM, then waits for the process to finish its shutdown.
    pub fn stop(&mut self) {
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status();
        let deadline = Instant::now() + Duration::from_secs(15);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        self.kill9();
    }

    /// SIGKILL: no shutdown hooks, no flushing.
    pub fn kill9(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill9();
    }
}

/// One request on a fresh connection; returns status and body.
pub async fn http(
    port: u16,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> std::io::Result<(u16, String)> {
    let (status, head, body) = http_full(port, method, path, headers, body).await?;
    if status == 0 {
        return Err(std::io::Error::other(format!("no status line in {head:?}")));
    }
    Ok((status, body))
}

/// One request; returns status, the raw header block and the body.
pub async fn http_full(
    port: u16,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> std::io::Result<(u16, String, String)> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).await?;
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    req.push_str(body);
    stream.write_all(req.as_bytes()).await?;
    let mut buf = Vec::new();
    stream.read_to_end(&mut buf).await?;
    let text = String::from_utf8_lossy(&buf).to_string();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    Ok((status, head.to_string(), body.to_string()))
}

/// The value of cookie `name` set by a response's header block.
pub fn set_cookie(head: &str, name: &str) -> Option<String> {
    head.lines()
        .filter_map(|l| {
            l.strip_prefix("set-cookie: ")
                .or_else(|| l.strip_prefix("Set-Cookie: "))
        })
        .find_map(|c| {
            c.strip_prefix(&format!("{name}="))
                .map(|v| v.split(';').next().unwrap_or("").to_string())
        })
}
