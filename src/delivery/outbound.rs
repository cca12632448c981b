//! Outbound HTTP for webhooks and push: rustls, no redirects, no proxies, a timeout, and the
//! address rules of SPEC §10 checked after DNS resolution on every new connection.

use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

use reqwest::dns::{Addrs, Name, Resolve, Resolving};

/// The result of one request that reached a server (any status) or did not.
#[derive(Debug, Clone)]
pub struct Reply {
    /// HTTP status, when a response arrived.
    pub status: Option<u16>,
    /// How long it took.
    pub duration_ms: i64,
    /// Why it failed, when it failed before a response (no personal data: the host at most).
    pub error: Option<String>,
}

impl Reply {
    /// A 2xx answer.
    pub fn is_success(&self) -> bool {
        self.status.is_some_and(|s| (200..300).contains(&s))
    }
}

/// True for an address any host on the internet could also reach: not loopback, private,
/// link-local (cloud metadata included), shared, multicast, unspecified or reserved.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            !(v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || v4.is_documentation()
                || o[0] == 0
                || (o[0] == 100 && (o[1] & 0xc0) == 64)
                || (o[0] == 192 && o[1] == 0 && o[2] == 0)
                || (o[0] == 198 && (o[1] & 0xfe) == 18)
                || o[0] >= 240)
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public(IpAddr::V4(v4));
            }
            let s = v6.segments();
            // NAT64 (64:ff9b::/96) reaches the IPv4 address in its last 32 bits.
            if s[0] == 0x64 && s[1] == 0xff9b && s[2..6] == [0, 0, 0, 0] {
                let v4 = std::net::Ipv4Addr::new(
                    (s[6] >> 8) as u8,
                    s[6] as u8,
                    (s[7] >> 8) as u8,
                    s[7] as u8,
                );
                return is_public(IpAddr::V4(v4));
            }
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (s[0] & 0xfe00) == 0xfc00
                || (s[0] & 0xffc0) == 0xfe80
                || (s[0] == 0x2001 && s[1] == 0x0db8)
                || s[0..7] == [0, 0, 0, 0, 0, 0, 0])
        }
    }
}

/// Why an address was refused.
#[derive(Debug)]
struct Refused(String);

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} resolves only to private or loopback addresses",
            self.0
        )
    }
}

impl std::error::Error for Refused {}

/// DNS that drops every address the rules refuse, so a connection can only go to a public
/// one; a name with none left fails.
struct Guarded {
    allow_private: bool,
}

impl Resolve for Guarded {
    fn resolve(&self, name: Name) -> Resolving {
        let allow = self.allow_private;
        Box::pin(async move {
            let host = name.as_str().to_string();
            let found: Vec<SocketAddr> = rocket::tokio::net::lookup_host((host.as_str(), 0))
                .await?
                .collect();
            let kept: Vec<SocketAddr> = found
                .into_iter()
                .filter(|a| allow || is_public(a.ip()))
                .collect();
            if kept.is_empty() {
                return Err(Box::new(Refused(host)) as Box<dyn std::error::Error + Send + Sync>);
            }
            Ok(Box::new(kept.into_iter()) as Addrs)
        })
    }
}

/// The HTTP client every outbound delivery uses.
#[derive(Clone)]
pub struct Outbound {
    client: reqwest::Client,
    allow_private: bool,
}

/// Checks a target URL's form and, for an address written in it, the address rules.
pub fn check_url(raw: &str, allow_private: bool) -> Result<reqwest::Url, String> {
    if raw.len() > 2000 {
        return Err("must be at most 2000 characters".into());
    }
    let url = reqwest::Url::parse(raw.trim()).map_err(|_| "must be an http or https URL")?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err("must be an http or https URL".into());
    }
    let host = match url.host() {
        Some(h) => h,
        None => return Err("must name a host".into()),
    };
    if !allow_private {
        let ip = match host {
            url::Host::Ipv4(v4) => Some(IpAddr::V4(v4)),
            url::Host::Ipv6(v6) => Some(IpAddr::V6(v6)),
            url::Host::Domain(d) => {
                let d = d.trim_end_matches('.').to_ascii_lowercase();
                if d == "localhost" || d.ends_with(".localhost") {
                    return Err("must not point at a loopback or private address".into());
                }
                None
            }
        };
        if ip.is_some_and(|ip| !is_public(ip)) {
            return Err("must not point at a loopback or private address".into());
        }
    }
    Ok(url)
}

impl Outbound {
    /// A client with `timeout` per request.
    pub fn new(allow_private: bool, timeout: Duration) -> Result<Outbound, String> {
        let client = reqwest::Client::builder()
            .user_agent(concat!("leadbox/", env!("CARGO_PKG_VERSION")))
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(5)))
            .pool_idle_timeout(Duration::from_secs(30))
            .dns_resolver(std::sync::Arc::new(Guarded { allow_private }))
            .build()
            .map_err(|e| format!("outbound HTTP client: {e}"))?;
        Ok(Outbound {
            client,
            allow_private,
        })
    }

    /// Whether private targets are allowed.
    pub fn allows_private(&self) -> bool {
        self.allow_private
    }

    /// Posts `body` with `headers` to `url`; never follows a redirect.
    pub async fn post(&self, url: &str, headers: &[(&str, String)], body: Vec<u8>) -> Reply {
        let started = Instant::now();
        let elapsed = |s: Instant| s.elapsed().as_millis() as i64;
        let url = match check_url(url, self.allow_private) {
            Ok(u) => u,
            Err(e) => {
                return Reply {
                    status: None,
                    duration_ms: 0,
                    error: Some(format!("refused: the URL {e}")),
                }
            }
        };
        let mut req = self.client.post(url);
        for (k, v) in headers {
            req = req.header(*k, v);
        }
        match req.body(body).send().await {
            Ok(res) => {
                let status = res.status().as_u16();
                // The body is not needed; reading a little lets the connection be reused.
                let _ = rocket::tokio::time::timeout(Duration::from_secs(1), res.bytes()).await;
                Reply {
                    status: Some(status),
                    duration_ms: elapsed(started),
                    error: if (200..300).contains(&status) {
                        None
                    } else {
                        Some(format!("answered {status}"))
                    },
                }
            }
            Err(e) => Reply {
                status: None,
                duration_ms: elapsed(started),
                error: Some(describe(&e)),
            },
        }
    }
}

/// A short cause: timeout, refusal, connection failure.
fn describe(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        return "timed out".into();
    }
    let mut source: Option<&dyn std::error::Error> = Some(e);
    while let Some(s) = source {
        if let Some(r) = s.downcast_ref::<Refused>() {
            return format!("refused: {r}");
        }
        source = s.source();
    }
    if e.is_connect() {
        return "could not connect".into();
    }
    "the request failed".into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_and_special_addresses_are_not_public() {
        for a in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "::1",
            "fd00:ec2::254",
            "fe80::1",
            "::ffff:127.0.0.1",
            "64:ff9b::a00:1",
            "::",
        ] {
            assert!(!is_public(a.parse().unwrap()), "{a}");
        }
        for a in ["93.184.216.34", "1.1.1.1", "2606:4700:4700::1111"] {
            assert!(is_public(a.parse().unwrap()), "{a}");
        }
    }

    #[test]
    fn urls_naming_private_places_are_refused() {
        for u in [
            "http://127.0.0.1/x",
            "http://localhost:8080/",
            "http://api.localhost/",
            "http://[::1]/",
            "http://169.254.169.254/latest/meta-data",
            "http://10.0.0.1/",
        ] {
            assert!(check_url(u, false).is_err(), "{u}");
            assert!(check_url(u, true).is_ok(), "{u}");
        }
        assert!(check_url("ftp://example.com/", true).is_err());
        assert!(check_url("not a url", true).is_err());
        assert!(check_url("https://hooks.example.com/in", false).is_ok());
    }

    /// A name other than `localhost` that this machine's hosts file maps to 127.x.
    fn loopback_name() -> String {
        let hosts = std::fs::read_to_string("/etc/hosts").unwrap_or_default();
        hosts
            .lines()
            .filter_map(|l| {
                let mut parts = l.split_whitespace();
                let ip: IpAddr = parts.next()?.parse().ok()?;
                ip.is_loopback().then_some(parts)
            })
            .flatten()
            .find(|n| !n.starts_with('#') && !n.ends_with("localhost") && !n.contains("loopback"))
            .map(str::to_string)
            .expect("the hosts file maps a name other than localhost to loopback")
    }

    #[rocket::async_test]
    async fn a_name_resolving_to_loopback_is_refused_when_connecting() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let port = listener.local_addr().unwrap().port();
        let name = loopback_name();
        assert!(check_url(&format!("http://{name}:{port}/"), false).is_ok());
        let out = Outbound::new(false, Duration::from_secs(2)).unwrap();
        let reply = out
            .post(&format!("http://{name}:{port}/"), &[], vec![])
            .await;
        assert!(reply.status.is_none());
        assert!(
            reply.error.as_deref().unwrap_or("").starts_with("refused"),
            "{reply:?}"
        );
        assert!(listener.accept().is_err(), "nothing may have connected");
        // With the override the same name reaches the listener.
        let open = Outbound::new(true, Duration::from_millis(300)).unwrap();
        let _ = open
            .post(&format!("http://{name}:{port}/"), &[], vec![])
            .await;
        listener.set_nonblocking(false).unwrap();
        assert!(listener.accept().is_ok());
    }
}
