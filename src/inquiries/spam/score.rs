//! The spam score (SPEC §14): every signal that fires adds its weight, with a reason staff can
//! read; the total, from 0 to 100, is spam above the workspace's threshold.

use std::collections::HashMap;
use std::sync::Mutex;

use super::bayes::Model;
use crate::domain::Locale;

/// Why a lead scored what it did: one signal, its weight, and what it saw.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct Reason {
    /// `honeypot`, `too_fast`, `bad_time_token`, `bad_proof_of_work`, `disposable_email`,
    /// `links`, `markup`, `script_mismatch`, `repeated_content` or `model`.
    pub code: String,
    /// Points added to the score (negative when the model says it looks like kept leads).
    pub weight: i64,
    /// What the signal saw (a domain, a count, the words that told).
    #[serde(default)]
    pub detail: Option<String>,
}

impl Reason {
    /// A reason.
    pub fn new(code: &str, weight: i64, detail: Option<String>) -> Reason {
        Reason {
            code: code.into(),
            weight,
            detail,
        }
    }
}

/// A defence of §4 is a verdict on its own.
pub const DEFENCE: i64 = 100;
/// A disposable email domain.
pub const DISPOSABLE: i64 = 45;
/// Markup (HTML or BBCode) in the message.
pub const MARKUP: i64 = 30;
/// Most of the letters in a script the form's language is not written in.
pub const SCRIPT: i64 = 35;

/// The total of `reasons`, from 0 to 100.
pub fn total(reasons: &[Reason]) -> i64 {
    reasons.iter().map(|r| r.weight).sum::<i64>().clamp(0, 100)
}

/// Weight of `n` links in the message.
pub fn links_weight(n: usize) -> i64 {
    match n {
        0 => 0,
        1 => 10,
        2 => 25,
        _ => 40,
    }
}

/// How many links the text has (`http://`, `https://`, or `www.` on its own).
pub fn links(text: &str) -> usize {
    links_in(&text.to_lowercase())
}

fn links_in(lower: &str) -> usize {
    let schemes = lower.matches("http://").count() + lower.matches("https://").count();
    let bare = lower
        .match_indices("www.")
        .filter(|(i, _)| !lower[..*i].ends_with("://"))
        .count();
    schemes + bare
}

/// Which markup the text carries, if any.
pub fn markup(text: &str) -> Option<&'static str> {
    markup_in(&text.to_lowercase())
}

fn markup_in(lower: &str) -> Option<&'static str> {
    if ["<a ", "<a>", "href=", "</", "<script", "<img", "<iframe"]
        .iter()
        .any(|m| lower.contains(m))
    {
        Some("HTML")
    } else if ["[url", "[link", "[/url]", "[img]"]
        .iter()
        .any(|m| lower.contains(m))
    {
        Some("BBCode")
    } else {
        None
    }
}

fn script_of(c: char) -> Option<&'static str> {
    let n = c as u32;
    Some(match n {
        0x0041..=0x024F | 0x1E00..=0x1EFF => "Latin",
        0x0370..=0x03FF => "Greek",
        0x0400..=0x052F => "Cyrillic",
        0x0590..=0x05FF => "Hebrew",
        0x0600..=0x06FF | 0x0750..=0x077F => "Arabic",
        0x0900..=0x097F => "Devanagari",
        0x0E00..=0x0E7F => "Thai",
        0x3040..=0x30FF => "Japanese",
        0x3400..=0x4DBF | 0x4E00..=0x9FFF => "Han",
        0xAC00..=0xD7AF => "Hangul",
        _ if c.is_alphabetic() => "other",
        _ => return None,
    })
}

/// The script most of the letters are in, when it is not the Latin script both of the form
/// languages (English and Vietnamese) are written in.
pub fn script_mismatch(text: &str, _form: Locale) -> Option<&'static str> {
    const SCRIPTS: [&str; 11] = [
        "Latin",
        "Greek",
        "Cyrillic",
        "Hebrew",
        "Arabic",
        "Devanagari",
        "Thai",
        "Japanese",
        "Han",
        "Hangul",
        "other",
    ];
    let mut counts = [0usize; SCRIPTS.len()];
    let mut letters = 0usize;
    for c in text.chars() {
        if c.is_ascii() {
            letters += c.is_ascii_alphabetic() as usize;
            counts[0] += c.is_ascii_alphabetic() as usize;
            continue;
        }
        if let Some(s) = script_of(c) {
            if let Some(i) = SCRIPTS.iter().position(|x| *x == s) {
                counts[i] += 1;
                letters += 1;
            }
        }
    }
    let foreign = letters - counts[0];
    if foreign < 10 || foreign * 10 < letters * 3 {
        return None;
    }
    (1..SCRIPTS.len())
        .max_by_key(|i| counts[*i])
        .map(|i| SCRIPTS[i])
}

/// One word making up more than a quarter of a long message: (word, times).
pub fn repeated_word(text: &str) -> Option<(String, usize)> {
    repeated_in(&text.to_lowercase())
}

fn repeated_in(lower: &str) -> Option<(String, usize)> {
    let mut counts: HashMap<&str, usize> = HashMap::new();
    let mut total = 0;
    for w in lower
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.len() >= 4)
    {
        *counts.entry(w).or_default() += 1;
        total += 1;
    }
    if total < 20 {
        return None;
    }
    let (w, n) = counts.into_iter().max_by_key(|(_, n)| *n)?;
    (n * 4 > total).then(|| (w.to_string(), n))
}

/// Weight of a message already seen `before` times in the last day.
pub fn repeat_weight(before: usize) -> i64 {
    match before {
        0 => 0,
        1 => 20,
        2 => 35,
        _ => 50,
    }
}

/// The model's say: its log-odds as points, from -40 (looks kept) to 60 (looks like spam).
pub fn model_weight(log_odds: f64) -> i64 {
    ((log_odds * 10.0).round() as i64).clamp(-40, 60)
}

/// Messages seen lately, per workspace (in memory: a restart only forgets the last day).
#[derive(Default)]
pub struct Recent {
    seen: Mutex<HashMap<u64, (usize, i64)>>,
}

/// A day, in milliseconds.
const DAY_MS: i64 = 86_400_000;
/// Most messages remembered.
const MAX_RECENT: usize = 100_000;

impl Recent {
    /// Counts this message and says how many times it came before in the last day.
    pub fn seen_before(&self, workspace_id: &str, text: &str, now_ms: i64) -> usize {
        // The words, lower case, spaces folded: hashed (FNV-1a) as they are read, never built.
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        let mut eat = |b: u32| {
            h ^= b as u64;
            h = h.wrapping_mul(0x0100_0000_01b3);
        };
        for b in workspace_id.bytes() {
            eat(b as u32);
        }
        let mut n = 0usize;
        for w in text.split_whitespace() {
            for c in w.chars() {
                if c.is_ascii() {
                    eat(c.to_ascii_lowercase() as u32);
                } else {
                    c.to_lowercase().for_each(|l| eat(l as u32));
                }
                n += 1;
            }
            eat(b' ' as u32);
            n += 1;
        }
        if n < 21 {
            return 0; // "hi", "call me": short messages repeat innocently
        }
        let key = h;
        let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        if seen.len() >= MAX_RECENT {
            seen.retain(|_, (_, at)| now_ms - *at < DAY_MS);
            if seen.len() >= MAX_RECENT {
                seen.clear();
            }
        }
        let e = seen.entry(key).or_insert((0, now_ms));
        if now_ms - e.1 >= DAY_MS {
            *e = (0, now_ms);
        }
        let before = e.0;
        e.0 += 1;
        before
    }
}

/// What the offline signals look at.
pub struct Looked<'a> {
    /// The email's domain.
    pub email_domain: &'a str,
    /// Subject, message and text answers.
    pub text: &'a str,
    /// The form's language.
    pub locale: Locale,
}

/// The offline signals' reasons (the defences of §4 are added by the caller).
pub fn offline(
    guard: &super::SpamGuard,
    workspace_id: &str,
    l: &Looked<'_>,
    model: Option<&Model>,
) -> Vec<Reason> {
    let mut out = vec![];
    if let Some(d) = guard.disposable.listed(l.email_domain) {
        out.push(Reason::new("disposable_email", DISPOSABLE, Some(d)));
    }
    let lower = l.text.to_lowercase();
    let n = links_in(&lower);
    if n > 0 {
        out.push(Reason::new("links", links_weight(n), Some(n.to_string())));
    }
    if let Some(m) = markup_in(&lower) {
        out.push(Reason::new("markup", MARKUP, Some(m.into())));
    }
    if let Some(s) = script_mismatch(l.text, l.locale) {
        out.push(Reason::new("script_mismatch", SCRIPT, Some(s.into())));
    }
    let before = guard
        .recent
        .seen_before(workspace_id, l.text, super::now_ms());
    let word = repeated_in(&lower);
    let repeat = repeat_weight(before);
    if repeat > 0 || word.is_some() {
        let (weight, detail) = match word {
            Some((w, times)) if repeat < 20 => (20, format!("\"{w}\" ×{times}")),
            _ => (repeat, format!("×{}", before + 1)),
        };
        out.push(Reason::new("repeated_content", weight, Some(detail)));
    }
    let model = model.filter(|m| m.ready());
    if let Some(j) = model.and_then(|m| m.judge(&super::bayes::words(l.text))) {
        let w = model_weight(j.log_odds);
        if w != 0 {
            out.push(Reason::new("model", w, Some(j.telling.join(", "))));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_are_counted_once_each() {
        assert_eq!(
            links("see https://a.com and www.b.com and https://www.c.com"),
            3
        );
        assert_eq!(links("no links here, just www"), 0);
        assert_eq!(links_weight(1), 10);
        assert_eq!(links_weight(7), 40);
    }

    #[test]
    fn markup_is_told_apart() {
        assert_eq!(markup("<a href=\"x\">buy</a>"), Some("HTML"));
        assert_eq!(markup("[url=http://x]buy[/url]"), Some("BBCode"));
        assert_eq!(markup("2 < 3 and 5 > 4"), None);
    }

    #[test]
    fn vietnamese_and_english_are_the_forms_own_script() {
        assert_eq!(
            script_mismatch("Xin chào, tôi muốn báo giá cho đội ngũ", Locale::Vi),
            None
        );
        assert_eq!(script_mismatch("We would like a demo", Locale::En), None);
        assert_eq!(
            script_mismatch(
                "Здравствуйте, предлагаем услуги продвижения сайта",
                Locale::En
            ),
            Some("Cyrillic")
        );
        assert_eq!(script_mismatch("Demo please 你好", Locale::En), None);
    }

    #[test]
    fn a_message_seen_again_counts_and_a_day_later_does_not() {
        let r = Recent::default();
        let m = "We offer cheap backlinks for your website today";
        assert_eq!(r.seen_before("w", m, 0), 0);
        assert_eq!(r.seen_before("w", &m.to_uppercase(), 1), 1);
        assert_eq!(r.seen_before("other", m, 2), 0);
        assert_eq!(r.seen_before("w", m, DAY_MS + 5), 0);
        assert_eq!(r.seen_before("w", "hi", 3), 0);
        assert_eq!(r.seen_before("w", "hi", 4), 0);
    }

    #[test]
    fn scores_add_up_and_stay_in_range() {
        let rs = [Reason::new("a", 60, None), Reason::new("b", 60, None)];
        assert_eq!(total(&rs), 100);
        assert_eq!(total(&[Reason::new("model", -40, None)]), 0);
        assert_eq!(model_weight(9.0), 60);
        assert_eq!(model_weight(-9.0), -40);
    }
}
