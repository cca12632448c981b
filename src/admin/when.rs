//! Times and money as people read them: a staff user's time zone (bundled tz database),
//! relative times for lists, and amounts with their currency and digit grouping.

use jiff::tz::TimeZone;
use jiff::Timestamp;

use super::i18n::Strings;

/// How one viewer reads times.
#[derive(Debug, Clone)]
pub struct Local {
    tz: TimeZone,
    /// The zone's name, when the viewer chose one (`data-tz` on the page); none: the browser's.
    pub chosen: Option<String>,
}

/// Whether `name` is a zone of the bundled database.
pub fn valid_zone(name: &str) -> bool {
    jiff::tz::db().get(name).is_ok()
}

/// Every zone name of the bundled database, sorted.
pub fn zone_names() -> Vec<String> {
    let mut v: Vec<String> = jiff::tz::db()
        .available()
        .map(|n| n.as_str().to_string())
        .filter(|n| n.contains('/') && !n.starts_with("Etc/") && !n.starts_with("SystemV/"))
        .collect();
    v.push("UTC".into());
    v.sort();
    v.dedup();
    v
}

impl Local {
    /// The viewer's zone, or UTC when none (or an unknown one) is stored.
    pub fn new(name: Option<&str>) -> Local {
        match name.and_then(|n| jiff::tz::db().get(n).ok().map(|tz| (n, tz))) {
            Some((n, tz)) => Local {
                tz,
                chosen: Some(n.to_string()),
            },
            None => Local {
                tz: TimeZone::UTC,
                chosen: None,
            },
        }
    }

    /// `2026-12-01 15:09` in the viewer's zone (with ` UTC` when no zone is chosen); the
    /// input itself when it is not a timestamp.
    pub fn short(&self, rfc3339: &str) -> String {
        let Ok(ts) = rfc3339.parse::<Timestamp>() else {
            return rfc3339.to_string();
        };
        let s = ts
            .to_zoned(self.tz.clone())
            .strftime("%Y-%m-%d %H:%M")
            .to_string();
        if self.chosen.is_some() {
            s
        } else {
            format!("{s} UTC")
        }
    }
}

/// `5 minutes ago` and the like, as of `now` (both RFC 3339); the empty string when either is
/// not a timestamp.
pub fn relative(t: &Strings, at: &str, now: &str) -> String {
    let (Ok(at), Ok(now)) = (at.parse::<Timestamp>(), now.parse::<Timestamp>()) else {
        return String::new();
    };
    let secs = now.as_second() - at.as_second();
    let (n, unit) = match secs {
        s if s < 60 => return t.ago_now.to_string(),
        s if s < 3600 => (s / 60, t.ago_minutes),
        s if s < 86_400 => (s / 3600, t.ago_hours),
        s => (s / 86_400, t.ago_days),
    };
    unit.replace("{n}", &n.to_string())
}

/// `1.234.567 ₫`-style grouping: an amount in minor units (two decimals) with its currency, in
/// the viewer's language (`en`: `AUD 1,234.50`; `vi`: `1.234,50 AUD`).
pub fn money(lang: &str, minor: i64, currency: &str) -> String {
    let neg = minor < 0;
    let m = minor.unsigned_abs();
    let (whole, cents) = (m / 100, m % 100);
    let (group, dec) = if lang == "vi" { ('.', ',') } else { (',', '.') };
    let digits = whole.to_string();
    let mut grouped = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            grouped.push(group);
        }
        grouped.push(c);
    }
    let sign = if neg { "-" } else { "" };
    let amount = if cents == 0 {
        format!("{sign}{grouped}")
    } else {
        format!("{sign}{grouped}{dec}{cents:02}")
    };
    if lang == "vi" {
        format!("{amount} {currency}")
    } else {
        format!("{currency} {amount}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::admin::i18n::{EN, VI};

    #[test]
    fn times_show_in_the_chosen_zone_or_say_utc() {
        let hcm = Local::new(Some("Asia/Ho_Chi_Minh"));
        assert_eq!(hcm.short("2026-12-01T08:09:10.517Z"), "2026-12-01 15:09");
        let none = Local::new(None);
        assert_eq!(
            none.short("2026-12-01T08:09:10.517Z"),
            "2026-12-01 08:09 UTC"
        );
        assert_eq!(Local::new(Some("Mars/Base")).chosen, None);
        assert_eq!(none.short("not a time"), "not a time");
        assert!(valid_zone("Europe/Berlin") && !valid_zone("Europe/Nowhere"));
        assert!(zone_names().iter().any(|z| z == "Asia/Ho_Chi_Minh"));
    }

    #[test]
    fn relative_times_read_in_both_languages() {
        let now = "2026-12-01T10:00:00Z";
        assert_eq!(relative(&EN, "2026-12-01T09:59:30Z", now), EN.ago_now);
        assert_eq!(relative(&EN, "2026-12-01T09:55:00Z", now), "5 min ago");
        assert_eq!(relative(&VI, "2026-12-01T07:00:00Z", now), "3 giờ trước");
        assert_eq!(relative(&EN, "2026-11-28T10:00:00Z", now), "3 d ago");
        assert_eq!(relative(&EN, "garbage", now), "");
    }

    #[test]
    fn money_has_currency_and_separators() {
        assert_eq!(money("en", 123_456_750, "AUD"), "AUD 1,234,567.50");
        assert_eq!(money("vi", 123_456_700, "VND"), "1.234.567 VND");
        assert_eq!(money("en", 0, "AUD"), "AUD 0");
        assert_eq!(money("en", -5_00, "AUD"), "AUD -5");
    }
}
