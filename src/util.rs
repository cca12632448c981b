//! Small helpers shared by every capability: clock, ids, random secrets, hashing.

use rand::RngCore;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// The current time in UTC, truncated to milliseconds so stored and returned values agree.
pub fn now() -> OffsetDateTime {
    let t = OffsetDateTime::now_utc();
    t.replace_millisecond(t.millisecond()).unwrap_or(t)
}

/// Formats a timestamp as RFC 3339 UTC with exactly three fractional digits
/// (`2026-01-02T03:04:05.670Z`): fixed width, so stored timestamps sort as strings.
pub fn rfc3339(t: OffsetDateTime) -> String {
    const FORMAT: &[time::format_description::BorrowedFormatItem<'_>] = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
    );
    t.to_offset(time::UtcOffset::UTC)
        .format(FORMAT)
        .unwrap_or_default()
}

/// The current time as RFC 3339, the form every timestamp column holds.
pub fn now_str() -> String {
    rfc3339(now())
}

/// Parses an RFC 3339 timestamp.
pub fn parse_rfc3339(s: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(s, &Rfc3339).ok()
}

/// A new time-ordered id with a kind prefix, e.g. `inq_0190…`.
pub fn new_id(prefix: &str) -> String {
    format!("{prefix}_{}", uuid::Uuid::now_v7())
}

/// A plain time-ordered uuid.
pub fn new_uuid() -> String {
    uuid::Uuid::now_v7().to_string()
}

const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/// A random URL-safe string of `len` characters drawn from 62 symbols (≈5.95 bits each).
pub fn random_string(len: usize) -> String {
    let mut rng = rand::rngs::OsRng;
    let mut out = String::with_capacity(len);
    while out.len() < len {
        let mut buf = [0u8; 64];
        rng.fill_bytes(&mut buf);
        for b in buf {
            // Reject the top of the range so every symbol is equally likely.
            if (b as usize) < ALPHABET.len() * 4 && out.len() < len {
                out.push(ALPHABET[b as usize % ALPHABET.len()] as char);
            }
        }
    }
    out
}

/// Lower-case hex SHA-256 of a string: how secrets are kept at rest.
pub fn sha256_hex(s: &str) -> String {
    let digest = Sha256::digest(s.as_bytes());
    let mut out = String::with_capacity(64);
    for b in digest {
        out.push_str(&format!("{b:02x}"));
    }
    out
}

/// Compares two secrets in time independent of where they differ.
pub fn ct_eq(a: &str, b: &str) -> bool {
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

/// Percent-encodes a query-string value.
pub fn urlencode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// `2026-01-02T03:04:05.678Z` → `2026-01-02 03:04` for tables.
pub fn short_time(rfc3339: &str) -> String {
    rfc3339.get(..16).unwrap_or(rfc3339).replace('T', " ")
}

/// Text made safe to place in HTML: `& < > " '` escaped.
pub fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The median of sorted values (the mean of the middle two for an even count).
pub fn median(sorted: &[i64]) -> Option<i64> {
    match sorted.len() {
        0 => None,
        n if n % 2 == 1 => Some(sorted[n / 2]),
        n => Some((sorted[n / 2 - 1] + sorted[n / 2]) / 2),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_strings_have_the_asked_length_and_differ() {
        let a = random_string(40);
        let b = random_string(40);
        assert_eq!(a.len(), 40);
        assert_ne!(a, b);
        assert!(a.chars().all(|c| c.is_ascii_alphanumeric()));
    }

    #[test]
    fn timestamps_have_a_fixed_width_so_they_sort_as_strings() {
        let a = OffsetDateTime::from_unix_timestamp(1_700_000_000).unwrap();
        let b = a + time::Duration::milliseconds(250);
        let c = a + time::Duration::milliseconds(252);
        assert_eq!(rfc3339(a), "2023-11-14T22:13:20.000Z");
        assert_eq!(rfc3339(b), "2023-11-14T22:13:20.250Z");
        assert!(rfc3339(a) < rfc3339(b) && rfc3339(b) < rfc3339(c));
    }

    #[test]
    fn timestamps_round_trip_through_rfc3339() {
        let t = now();
        assert_eq!(parse_rfc3339(&rfc3339(t)), Some(t));
    }

    #[test]
    fn constant_time_comparison_tells_equal_from_unequal() {
        assert!(ct_eq("abc", "abc"));
        assert!(!ct_eq("abc", "abd"));
        assert!(!ct_eq("abc", "abcd"));
    }
}
