//! Configuration: built-in defaults < `Rocket.toml` < `LEADBOX_*` environment variables.
//!
//! One figment feeds both leadbox's own settings and Rocket's (address, port, limits), so a
//! value is set in one place whatever reads it.

use std::net::IpAddr;
use std::path::{Path, PathBuf};

use base64::Engine;
use rocket::data::{Limits, ToByteUnit};
use rocket::figment::providers::{Env, Format, Serialized, Toml};
use rocket::figment::{Figment, Profile};
use serde::{Deserialize, Serialize};

/// leadbox's own settings (Rocket reads its own keys from the same figment).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct Config {
    /// Folder holding `leadbox.db` and the generated secret key.
    pub data_dir: PathBuf,
    /// Cookie secret; generated and kept in the data folder when not configured.
    pub secret_key: Option<String>,
    /// Proxies whose `X-Forwarded-For` / `X-Forwarded-Proto` are believed (IPs or CIDRs).
    pub trusted_proxies: StringList,
    /// Owner created on first start when both are set.
    pub bootstrap_email: Option<String>,
    /// Password of the bootstrap owner.
    pub bootstrap_password: Option<String>,
    /// Most writes committed in one transaction; 1 means one transaction per write.
    pub writer_max_batch: usize,
    /// Mark session cookies `Secure` even without a trusted proxy saying https.
    pub secure_cookies: bool,
    /// Log filter (`info`, `leadbox=debug`, …).
    pub log_filter: String,
    /// `text` or `json` log lines.
    pub log_format: String,
    /// Where the server tells people to find it (links in the log); derived when unset.
    pub public_url: Option<String>,
    /// Seconds between WebSocket pings; a socket silent for 3.75 pings is closed.
    pub ws_ping_seconds: u64,
    /// Webhook retry delays in seconds (`1,2,4`); the built-in schedule when unset.
    pub webhook_retry_seconds: StringList,
    /// Let webhooks and push reach loopback and private addresses (tests, a LAN receiver).
    pub webhook_allow_private: bool,
    /// Seconds an outbound request may take before it counts as failed.
    pub webhook_timeout_seconds: u64,
    /// `smtps://user:pass@host:465` or `smtp://host:25?tls=starttls`; email is off without it.
    pub smtp_url: Option<String>,
    /// The From address of notification email.
    pub smtp_from: Option<String>,
    /// Hour of the day (UTC) the daily digest is sent.
    pub digest_hour_utc: u8,
    /// `/readyz` answers 503 when the data folder's disk has less free space (MiB).
    pub min_free_mb: u64,
    /// Hours between scheduled snapshots into `data_dir/backups/`; 0 turns them off.
    pub backup_every: u64,
    /// Scheduled snapshots kept; older ones are deleted.
    pub backup_keep: usize,
    /// Lets an owner move the clock forward (`POST /api/v1/test/clock`), for end-to-end tests
    /// of due times and expiry; never set it in production.
    pub test_clock: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            data_dir: PathBuf::from("data"),
            secret_key: None,
            trusted_proxies: StringList::default(),
            bootstrap_email: None,
            bootstrap_password: None,
            writer_max_batch: 512,
            secure_cookies: false,
            log_filter: "info".into(),
            log_format: "text".into(),
            public_url: None,
            ws_ping_seconds: 20,
            webhook_retry_seconds: StringList::default(),
            webhook_allow_private: false,
            webhook_timeout_seconds: 10,
            smtp_url: None,
            smtp_from: None,
            digest_hour_utc: 8,
            min_free_mb: 64,
            backup_every: 24,
            backup_keep: 7,
            test_clock: false,
        }
    }
}

/// A list given either as a TOML/JSON array or as one comma-separated string.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(untagged)]
pub enum StringList {
    /// `["a", "b"]`
    List(Vec<String>),
    /// `"a,b"`
    One(String),
    /// Not set.
    #[default]
    None,
}

impl StringList {
    /// The items, trimmed, empties dropped.
    pub fn items(&self) -> Vec<String> {
        match self {
            StringList::List(v) => v.iter().map(|s| s.trim().to_string()).collect(),
            StringList::One(s) => s.split(',').map(|s| s.trim().to_string()).collect(),
            StringList::None => vec![],
        }
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect()
    }
}

/// Trusted proxy networks, parsed once.
#[derive(Debug, Clone, Default)]
pub struct TrustedProxies(Vec<(IpAddr, u8)>);

impl TrustedProxies {
    /// Parses IPs and CIDRs; names the first bad entry.
    pub fn parse(items: &[String]) -> Result<Self, String> {
        let mut nets = vec![];
        for item in items {
            let (ip, bits) = match item.split_once('/') {
                Some((ip, bits)) => (ip, Some(bits)),
                None => (item.as_str(), None),
            };
            let ip: IpAddr = ip
                .parse()
                .map_err(|_| format!("trusted_proxies: `{item}` is not an IP or CIDR"))?;
            let max = if ip.is_ipv4() { 32 } else { 128 };
            let bits = match bits {
                Some(b) => b
                    .parse::<u8>()
                    .ok()
                    .filter(|b| *b <= max)
                    .ok_or_else(|| format!("trusted_proxies: bad prefix in `{item}`"))?,
                None => max,
            };
            nets.push((ip, bits));
        }
        Ok(TrustedProxies(nets))
    }

    /// True when `ip` lies in one of the trusted networks.
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
            v4 => v4,
        };
        self.0.iter().any(|(net, bits)| match (net, ip) {
            (IpAddr::V4(n), IpAddr::V4(a)) => {
                let mask = if *bits == 0 {
                    0
                } else {
                    u32::MAX << (32 - *bits as u32)
                };
                u32::from(*n) & mask == u32::from(a) & mask
            }
            (IpAddr::V6(n), IpAddr::V6(a)) => {
                let mask = if *bits == 0 {
                    0
                } else {
                    u128::MAX << (128 - *bits as u32)
                };
                u128::from(*n) & mask == u128::from(a) & mask
            }
            _ => false,
        })
    }
}

/// The layered figment: defaults < `Rocket.toml` (or `LEADBOX_CONFIG`) < `LEADBOX_*` env.
///
/// Rocket's own logger is off unless configured: it writes every unmatched request's full URI,
/// query string included, to standard output, whatever `log_filter` says — and a form left on
/// `method="get"` puts a visitor's name and email there. leadbox logs what it needs through
/// tracing (`log_filter`, `log_format`), without personal data.
pub fn figment() -> Figment {
    defaults()
        .merge(("log_level", "off"))
        .merge(Toml::file(Env::var_or("LEADBOX_CONFIG", "Rocket.toml")).nested())
        .merge(
            Env::prefixed("LEADBOX_")
                .ignore(&["PROFILE", "CONFIG"])
                .global(),
        )
        .select(Profile::from_env_or(
            "LEADBOX_PROFILE",
            rocket::Config::DEFAULT_PROFILE,
        ))
}

/// A figment for a throwaway instance rooted at `data_dir` (tests, benchmarks).
/// The same built-in defaults as `figment()` (body limits included), without `Rocket.toml` or
/// the environment, so a test is not changed by the machine it runs on.
pub fn figment_for(data_dir: &Path) -> Figment {
    defaults()
        .merge(("log_level", "off"))
        .merge(("data_dir", data_dir))
        .merge(("port", 0))
}

/// Built-in defaults: Rocket's, leadbox's, and the 64 KiB body limits of SPEC §3.
fn defaults() -> Figment {
    let limits = Limits::default()
        .limit("form", 64.kibibytes())
        .limit("data-form", 64.kibibytes())
        .limit("json", 64.kibibytes())
        .limit("string", 64.kibibytes());
    Figment::from(rocket::Config::default())
        .merge(Serialized::defaults(Config::default()))
        .merge(("cli_colors", false))
        .merge(("ident", "leadbox"))
        .merge(("limits", limits))
}

/// Reads the secret key file in `dir`, creating it (mode 0600) on first start.
pub fn load_or_create_secret(dir: &Path) -> std::io::Result<String> {
    let path = dir.join("secret.key");
    if let Ok(s) = std::fs::read_to_string(&path) {
        let s = s.trim().to_string();
        if !s.is_empty() {
            return Ok(s);
        }
    }
    let mut bytes = [0u8; 64];
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut bytes);
    let key = base64::engine::general_purpose::STANDARD.encode(bytes);
    write_private(&path, key.as_bytes())?;
    Ok(key)
}

/// Writes a file only its owner can read.
pub fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}

/// Completes the figment for serving: ensures the data folder and a secret key exist.
pub fn prepare(figment: Figment) -> Result<(Config, Figment), String> {
    let config: Config = figment
        .extract()
        .map_err(|e| format!("configuration: {e}"))?;
    std::fs::create_dir_all(&config.data_dir).map_err(|e| {
        format!(
            "cannot create data folder {}: {e}",
            config.data_dir.display()
        )
    })?;
    TrustedProxies::parse(&config.trusted_proxies.items())?;
    let figment = match &config.secret_key {
        Some(_) => figment,
        None => {
            let key = load_or_create_secret(&config.data_dir)
                .map_err(|e| format!("cannot keep the secret key: {e}"))?;
            figment.merge(("secret_key", key))
        }
    };
    Ok((config, figment))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cidrs_match_the_addresses_inside_them() {
        let t = TrustedProxies::parse(&["10.0.0.0/8".into(), "::1".into()]).unwrap();
        assert!(t.contains("10.1.2.3".parse().unwrap()));
        assert!(!t.contains("11.0.0.1".parse().unwrap()));
        assert!(t.contains("::1".parse().unwrap()));
        assert!(TrustedProxies::parse(&["nope".into()]).is_err());
        assert!(TrustedProxies::parse(&["10.0.0.0/33".into()]).is_err());
    }

    #[test]
    fn a_comma_separated_list_splits() {
        let l = StringList::One("a, b,,c".into());
        assert_eq!(l.items(), vec!["a", "b", "c"]);
    }
}
