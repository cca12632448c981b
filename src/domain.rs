//! Values parsed at the edge. Each constructor is the only validation of its type, and its
//! error message is what the caller reads next to the field name.

use serde::{Deserialize, Serialize};

/// Trims and bounds a required free-text value.
pub fn required_text(v: Option<&str>, max: usize) -> Result<String, String> {
    let s = v.map(str::trim).unwrap_or("");
    if s.is_empty() {
        return Err("is required".into());
    }
    bounded_text(s, max)
}

/// The documented shape of free text (`required_text`): something besides white space, no
/// control characters but tab and line breaks.
pub const TEXT: &str = r"^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]*[^\s\u0000-\u001F\u007F-\u009F][^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]*$";

/// The documented shape of a one-line value (a filter such as a source): something besides
/// white space and no control characters at all, line breaks included.
pub const LINE: &str = r"^[^\u0000-\u001F\u007F-\u009F]*[^\s\u0000-\u001F\u007F-\u009F][^\u0000-\u001F\u007F-\u009F]*$";

/// Free text that may also be empty (an empty optional field is left out).
pub const TEXT_OR_EMPTY: &str = r"^$|^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]*[^\s\u0000-\u001F\u007F-\u009F][^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]*$";

/// The documented shape of an email address: a conservative subset of what `Email::parse`
/// takes, so anything a client generates from it is accepted.
pub const EMAIL: &str =
    r"^[A-Za-z0-9_+-]{1,20}(\.[A-Za-z0-9_+-]{1,20}){0,2}@[a-z0-9-]{1,30}(\.[a-z0-9-]{1,20}){1,3}$";

/// An email address, or "" (which clears an optional setting).
pub const EMAIL_OR_EMPTY: &str = r"^$|^[A-Za-z0-9_+-]{1,20}(\.[A-Za-z0-9_+-]{1,20}){0,2}@[a-z0-9-]{1,30}(\.[a-z0-9-]{1,20}){1,3}$";

/// The documented shape of a uuid.
pub const UUID: &str = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$";

/// Trims and bounds an optional free-text value; empty becomes None.
pub fn optional_text(v: Option<&str>, max: usize) -> Result<Option<String>, String> {
    match v.map(str::trim) {
        None | Some("") => Ok(None),
        Some(s) => bounded_text(s, max).map(Some),
    }
}

fn bounded_text(s: &str, max: usize) -> Result<String, String> {
    if s.chars().count() > max {
        return Err(format!("must be at most {max} characters"));
    }
    if s.chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
    {
        return Err("must not contain control characters".into());
    }
    Ok(s.to_string())
}

/// An email address: one `@`, a dotted domain, no spaces, at most 254 characters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Email(String);

impl Email {
    /// Parses and lower-cases the domain (and, for staff logins, the whole address).
    pub fn parse(raw: &str) -> Result<Email, String> {
        let s = raw.trim();
        if s.is_empty() {
            return Err("is required".into());
        }
        if s.len() > 254 {
            return Err("must be at most 254 characters".into());
        }
        let (local, domain) = s
            .rsplit_once('@')
            .ok_or_else(|| "must be a valid email address".to_string())?;
        let ok_local = !local.is_empty()
            && local.len() <= 64
            && !local.contains('@')
            && !local.starts_with('.')
            && !local.ends_with('.')
            && !local.contains("..");
        let ok_domain = domain.len() >= 3
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains("..")
            && domain
                .chars()
                .all(|c| c.is_alphanumeric() || c == '-' || c == '.');
        let ok_chars = s
            .chars()
            .all(|c| !c.is_whitespace() && !c.is_control() && c != '<' && c != '>' && c != ',');
        if !(ok_local && ok_domain && ok_chars) {
            return Err("must be a valid email address".into());
        }
        Ok(Email(format!("{local}@{}", domain.to_lowercase())))
    }

    /// Parses a staff login, compared case-insensitively.
    pub fn parse_login(raw: &str) -> Result<Email, String> {
        Email::parse(raw).map(|e| Email(e.0.to_lowercase()))
    }

    /// The address.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Takes the address.
    pub fn into_inner(self) -> String {
        self.0
    }
}

/// True for the 8-4-4-4-12 hex shape of an id (any case).
pub fn looks_like_uuid(s: &str) -> bool {
    s.len() == 36
        && s.char_indices().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => c == '-',
            _ => c.is_ascii_hexdigit(),
        })
}

/// A workspace slug: 2–63 of `a-z 0-9 -`, starting with a letter or digit, and never shaped
/// like a workspace id (ids and slugs share the `x-merchant-id` header).
pub fn parse_slug(raw: &str) -> Result<String, String> {
    let s = raw.trim();
    if looks_like_uuid(s) {
        return Err("must not look like a workspace id".into());
    }
    let ok = (2..=63).contains(&s.len())
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !s.starts_with('-')
        && !s.ends_with('-');
    if ok {
        Ok(s.to_string())
    } else {
        Err(
            "must be 2-63 lowercase letters, digits or dashes, not starting or ending with a dash"
                .into(),
        )
    }
}

/// A user-interface language.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default, schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Locale {
    /// English.
    #[default]
    En,
    /// Vietnamese.
    Vi,
}

impl Locale {
    /// Parses `en` or `vi`.
    pub fn parse(s: &str) -> Result<Locale, String> {
        match s.trim() {
            "en" => Ok(Locale::En),
            "vi" => Ok(Locale::Vi),
            _ => Err("must be en or vi".into()),
        }
    }

    /// The code.
    pub fn as_str(self) -> &'static str {
        match self {
            Locale::En => "en",
            Locale::Vi => "vi",
        }
    }
}

/// An absolute http(s) URL of at most 2048 characters, with a host and no spaces.
pub fn parse_url(raw: &str) -> Result<String, String> {
    let s = raw.trim();
    let rest = s
        .strip_prefix("https://")
        .or_else(|| s.strip_prefix("http://"))
        .ok_or_else(|| "must be an http:// or https:// URL".to_string())?;
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    if host.is_empty() || s.len() > 2048 || s.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("must be a valid http:// or https:// URL".into());
    }
    Ok(s.to_string())
}

/// A web origin: `scheme://host[:port]` with no path, as browsers send in `Origin`.
pub fn parse_origin(raw: &str) -> Result<String, String> {
    let s = raw.trim().trim_end_matches('/');
    let (scheme, rest) = s
        .split_once("://")
        .ok_or_else(|| format!("`{s}` must look like https://example.com"))?;
    if scheme != "http" && scheme != "https" {
        return Err(format!("`{s}` must use http or https"));
    }
    let valid_host = !rest.is_empty()
        && rest.len() <= 253
        && rest
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'));
    if !valid_host {
        return Err(format!(
            "`{s}` must be an origin only (scheme, host and port; no path)"
        ));
    }
    Ok(format!("{scheme}://{}", rest.to_ascii_lowercase()))
}

/// Converts a JSON number of currency units to integer minor units (cents), refusing more
/// than two decimals, negatives and absurd magnitudes.
pub fn money_to_minor(v: f64) -> Result<i64, String> {
    if !v.is_finite() || v < 0.0 {
        return Err("must be a non-negative amount".into());
    }
    if v > 1e12 {
        return Err("is too large".into());
    }
    let cents = (v * 100.0).round();
    // A tiny non-zero amount (1e-40) is no two-decimal amount either.
    if ((v * 100.0) - cents).abs() > 1e-6 || (cents == 0.0 && v != 0.0) {
        return Err("must have at most two decimals".into());
    }
    Ok(cents as i64)
}

/// Minor units back to a JSON number with at most two decimals.
/// The documented shape of an amount sent in: a number from 0 with at most two decimals.
#[derive(schemars::JsonSchema)]
#[schemars(transparent)]
#[allow(dead_code)]
pub struct AmountInput(
    #[schemars(range(min = 0, max = 1_000_000_000_000u64), extend("multipleOf" = 0.01))] f64,
);

/// The documented shape of a percentage sent in: 0 to 100 with at most two decimals.
#[derive(schemars::JsonSchema)]
#[schemars(transparent)]
#[allow(dead_code)]
pub struct PercentInput(#[schemars(range(min = 0, max = 100), extend("multipleOf" = 0.01))] f64);

/// An amount of money in minor units, written as a number with at most two decimals.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Money(pub i64);

impl Serialize for Money {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        minor_to_number(self.0).serialize(s)
    }
}

impl schemars::JsonSchema for Money {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Money".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({ "type": "number", "description": "Exact amount, at most two decimals" })
    }
}

/// Minor units as a JSON number: whole units when exact, else two decimals.
pub fn minor_to_number(minor: i64) -> serde_json::Value {
    if minor % 100 == 0 {
        serde_json::json!(minor / 100)
    } else {
        serde_json::json!(minor as f64 / 100.0)
    }
}

/// A password for a staff account: 8 to 256 characters.
pub fn parse_password(raw: &str) -> Result<String, String> {
    let n = raw.chars().count();
    if n < 8 {
        return Err("must be at least 8 characters".into());
    }
    if n > 256 {
        return Err("must be at most 256 characters".into());
    }
    Ok(raw.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_checked_for_shape() {
        assert_eq!(
            Email::parse(" A@Example.COM ").unwrap().as_str(),
            "A@example.com"
        );
        assert_eq!(
            Email::parse_login("A@Example.COM").unwrap().as_str(),
            "a@example.com"
        );
        for bad in [
            "",
            "a",
            "a@b",
            "@b.com",
            "a@b..com",
            "a b@c.com",
            "a@.com",
            "<a@b.com>",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad}");
        }
        assert!(Email::parse(&format!("{}@b.com", "a".repeat(250))).is_err());
    }

    #[test]
    fn origins_keep_scheme_host_and_port_only() {
        assert_eq!(
            parse_origin("https://Example.com/").unwrap(),
            "https://example.com"
        );
        assert_eq!(
            parse_origin("http://localhost:3000").unwrap(),
            "http://localhost:3000"
        );
        assert!(parse_origin("https://example.com/path").is_err());
        assert!(parse_origin("ftp://example.com").is_err());
        assert!(parse_origin("example.com").is_err());
    }

    #[test]
    fn money_is_exact_to_the_cent() {
        assert_eq!(money_to_minor(12000.0), Ok(1_200_000));
        assert_eq!(money_to_minor(9.99), Ok(999));
        assert_eq!(money_to_minor(0.1 + 0.2), Ok(30));
        assert!(money_to_minor(1.005).is_err());
        assert!(money_to_minor(-1.0).is_err());
        assert_eq!(minor_to_number(999), serde_json::json!(9.99));
        assert_eq!(minor_to_number(1_200_000), serde_json::json!(12000));
    }

    #[test]
    fn slugs_are_lowercase_words() {
        assert!(parse_slug("acme-2").is_ok());
        assert!(parse_slug("0190a3c4-5b6d-7e8f-9a0b-1c2d3e4f5a6b").is_err());
        assert!(parse_slug("0190a3c4-5b6d-7e8f-9a0b-1c2d3e4f5a6").is_ok());
        for bad in ["A", "a", "-a", "a-", "a_b", "ACME"] {
            assert!(parse_slug(bad).is_err(), "{bad}");
        }
    }
}
