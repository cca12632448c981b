//! Spam defences that need no outside service: the honeypot, a signed time trap, an optional
//! proof-of-work challenge, and the offline signals of the spam score (`score`): disposable
//! domains (`domains`), links, markup, script, repeats and the workspace's own model (`bayes`).

pub mod bayes;
pub mod domains;
pub mod score;

use std::collections::HashMap;
use std::sync::Mutex;

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

/// Submits faster than this after the form was issued are spam.
pub const MIN_FILL_MS: i64 = 2_000;
/// How long a proof-of-work challenge may be used.
pub const CHALLENGE_TTL_MS: i64 = 3_600_000;
/// Leading zero bits a proof-of-work hash must have.
pub const DIFFICULTY: u32 = 16;

/// Why a submission was judged spam.
pub const HONEYPOT: &str = "honeypot";
/// Filled faster than a person could.
pub const TOO_FAST: &str = "too_fast";
/// The time token was forged or malformed.
pub const BAD_TIME_TOKEN: &str = "bad_time_token";
/// The proof of work was wrong, stale or reused.
pub const BAD_PROOF: &str = "bad_proof_of_work";

/// Signs and checks form tokens with a key derived from the server secret.
pub struct SpamGuard {
    key: Vec<u8>,
    used: Mutex<HashMap<String, i64>>,
    /// The disposable-domain list.
    pub disposable: domains::Disposable,
    /// Messages seen lately.
    pub recent: score::Recent,
    /// Each workspace's learned model.
    pub models: std::sync::Arc<bayes::Models>,
}

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> i64 {
    (time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64
}

impl SpamGuard {
    /// A guard keyed from the server's secret; a newer disposable-domain list may sit in
    /// `data_dir`.
    pub fn new(secret: &str, data_dir: Option<std::path::PathBuf>) -> SpamGuard {
        let key = Sha256::digest(format!("leadbox/forms/v1/{secret}").as_bytes()).to_vec();
        SpamGuard {
            key,
            used: Mutex::default(),
            disposable: domains::Disposable::new(data_dir),
            recent: score::Recent::default(),
            models: Default::default(),
        }
    }

    fn sign(&self, parts: &[&str]) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.key).expect("any key length works");
        mac.update(parts.join("|").as_bytes());
        mac.finalize()
            .into_bytes()
            .iter()
            .take(16)
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    /// A time-trap token for a form of `workspace_id` issued now.
    pub fn issue_ts(&self, workspace_id: &str) -> String {
        self.issue_ts_at(workspace_id, now_ms())
    }

    /// A time-trap token issued at `ms` (tests set the clock).
    pub fn issue_ts_at(&self, workspace_id: &str, ms: i64) -> String {
        format!("{ms}.{}", self.sign(&["ts", workspace_id, &ms.to_string()]))
    }

    /// None when the token is fine, else the spam reason.
    pub fn check_ts(&self, workspace_id: &str, token: &str) -> Option<&'static str> {
        let Some((ms, sig)) = token.split_once('.') else {
            return Some(BAD_TIME_TOKEN);
        };
        let Ok(issued) = ms.parse::<i64>() else {
            return Some(BAD_TIME_TOKEN);
        };
        if !crate::util::ct_eq(sig, &self.sign(&["ts", workspace_id, ms])) {
            return Some(BAD_TIME_TOKEN);
        }
        let age = now_ms() - issued;
        if age < 0 {
            Some(BAD_TIME_TOKEN)
        } else if age < MIN_FILL_MS {
            Some(TOO_FAST)
        } else {
            None
        }
    }

    /// A fresh proof-of-work challenge for `workspace_id`.
    pub fn challenge(&self, workspace_id: &str) -> String {
        let ms = now_ms().to_string();
        let salt = crate::util::random_string(16);
        let d = DIFFICULTY.to_string();
        let sig = self.sign(&["pow", workspace_id, &ms, &salt, &d]);
        format!("{ms}.{salt}.{d}.{sig}")
    }

    /// None when `solution` (`challenge:nonce`) is a fresh, unused, correct proof, else why not.
    pub fn check_proof(&self, workspace_id: &str, solution: &str) -> Option<&'static str> {
        let Some((challenge, nonce)) = solution.rsplit_once(':') else {
            return Some(BAD_PROOF);
        };
        let parts: Vec<&str> = challenge.split('.').collect();
        let [ms, salt, d, sig] = parts[..] else {
            return Some(BAD_PROOF);
        };
        let (Ok(issued), Ok(bits)) = (ms.parse::<i64>(), d.parse::<u32>()) else {
            return Some(BAD_PROOF);
        };
        let fresh = (0..CHALLENGE_TTL_MS).contains(&(now_ms() - issued));
        let signed = crate::util::ct_eq(sig, &self.sign(&["pow", workspace_id, ms, salt, d]));
        if !fresh || !signed || bits < DIFFICULTY || nonce.len() > 32 {
            return Some(BAD_PROOF);
        }
        if leading_zero_bits(&Sha256::digest(solution.as_bytes())) < bits {
            return Some(BAD_PROOF);
        }
        let mut used = self.used.lock().unwrap_or_else(|p| p.into_inner());
        let now = now_ms();
        used.retain(|_, exp| *exp > now);
        if used
            .insert(challenge.to_string(), issued + CHALLENGE_TTL_MS)
            .is_some()
        {
            return Some(BAD_PROOF);
        }
        None
    }
}

/// Counts the leading zero bits of a hash.
pub fn leading_zero_bits(hash: &[u8]) -> u32 {
    let mut bits = 0;
    for b in hash {
        if *b == 0 {
            bits += 8;
        } else {
            bits += b.leading_zeros();
            break;
        }
    }
    bits
}

/// Solves a challenge by brute force (what `/embed.js` does in the browser; used by tests).
pub fn solve(challenge: &str) -> String {
    let bits: u32 = challenge
        .split('.')
        .nth(2)
        .and_then(|d| d.parse().ok())
        .unwrap_or(DIFFICULTY);
    (0u64..)
        .map(|n| format!("{challenge}:{n}"))
        .find(|s| leading_zero_bits(&Sha256::digest(s.as_bytes())) >= bits)
        .expect("a solution exists")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_time_trap_catches_fast_forged_and_future_tokens() {
        let g = SpamGuard::new("secret", None);
        let ws = "w1";
        assert_eq!(g.check_ts(ws, &g.issue_ts_at(ws, now_ms() - 5_000)), None);
        assert_eq!(g.check_ts(ws, &g.issue_ts(ws)), Some(TOO_FAST));
        assert_eq!(
            g.check_ts(ws, &g.issue_ts_at(ws, now_ms() + 60_000)),
            Some(BAD_TIME_TOKEN)
        );
        assert_eq!(
            g.check_ts("w2", &g.issue_ts_at(ws, now_ms() - 5_000)),
            Some(BAD_TIME_TOKEN)
        );
        assert_eq!(g.check_ts(ws, "123.abc"), Some(BAD_TIME_TOKEN));
        assert_eq!(g.check_ts(ws, "garbage"), Some(BAD_TIME_TOKEN));
        let other = SpamGuard::new("other secret", None);
        assert_eq!(
            other.check_ts(ws, &g.issue_ts_at(ws, now_ms() - 5_000)),
            Some(BAD_TIME_TOKEN)
        );
    }

    #[test]
    fn a_proof_of_work_counts_once_and_only_when_solved() {
        let g = SpamGuard::new("secret", None);
        let c = g.challenge("w1");
        let solution = solve(&c);
        assert_eq!(
            g.check_proof("w2", &solution),
            Some(BAD_PROOF),
            "bound to its workspace"
        );
        assert_eq!(g.check_proof("w1", &solution), None);
        assert_eq!(g.check_proof("w1", &solution), Some(BAD_PROOF), "no reuse");
        let c2 = g.challenge("w1");
        let wrong = (0u64..)
            .map(|n| format!("{c2}:{n}"))
            .find(|s| leading_zero_bits(&Sha256::digest(s.as_bytes())) < DIFFICULTY)
            .unwrap();
        assert_eq!(
            g.check_proof("w1", &wrong),
            Some(BAD_PROOF),
            "an unsolved nonce"
        );
        assert_eq!(g.check_proof("w1", "nonsense"), Some(BAD_PROOF));
        let tampered = c2.replacen(".16.", ".1.", 1);
        assert_eq!(
            g.check_proof("w1", &format!("{tampered}:1")),
            Some(BAD_PROOF)
        );
    }
}
