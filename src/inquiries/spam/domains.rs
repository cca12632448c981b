//! Disposable email domains: an embedded list (see `disposable-domains.txt` for its source),
//! plus any newer list dropped into the data folder as `disposable-domains.txt`, picked up
//! within a minute without a restart or a release.

use std::path::PathBuf;
use std::sync::{Arc, OnceLock, RwLock};
use std::time::{Duration, Instant, SystemTime};

const EMBEDDED: &str = include_str!("disposable-domains.txt");
/// The file in the data folder that adds to the embedded list.
pub const FILE: &str = "disposable-domains.txt";
/// How often the data folder's file is looked at for changes.
const RECHECK: Duration = Duration::from_secs(60);

fn lines(text: &str) -> impl Iterator<Item = &str> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
}

fn embedded() -> &'static [&'static str] {
    static LIST: OnceLock<Vec<&'static str>> = OnceLock::new();
    LIST.get_or_init(|| {
        let mut v: Vec<&str> = lines(EMBEDDED).collect();
        v.sort_unstable();
        v
    })
}

struct Extra {
    list: Arc<Vec<String>>,
    modified: Option<SystemTime>,
    checked: Option<Instant>,
}

/// The disposable-domain check.
pub struct Disposable {
    path: Option<PathBuf>,
    extra: RwLock<Extra>,
}

impl Disposable {
    /// A check that also reads `<data_dir>/disposable-domains.txt` when there is one.
    pub fn new(data_dir: Option<PathBuf>) -> Disposable {
        Disposable {
            path: data_dir.map(|d| d.join(FILE)),
            extra: RwLock::new(Extra {
                list: Arc::default(),
                modified: None,
                checked: None,
            }),
        }
    }

    fn extra(&self) -> Arc<Vec<String>> {
        let due = {
            let e = self.extra.read().unwrap_or_else(|p| p.into_inner());
            if e.checked.is_some_and(|t| t.elapsed() < RECHECK) {
                return e.list.clone();
            }
            true
        };
        let Some(path) = self.path.as_ref().filter(|_| due) else {
            return Arc::default();
        };
        let modified = std::fs::metadata(path).and_then(|m| m.modified()).ok();
        let mut e = self.extra.write().unwrap_or_else(|p| p.into_inner());
        e.checked = Some(Instant::now());
        if modified != e.modified {
            let text = std::fs::read_to_string(path).unwrap_or_default();
            let mut list: Vec<String> = lines(&text).map(|l| l.to_ascii_lowercase()).collect();
            list.sort_unstable();
            list.dedup();
            if modified.is_some() {
                tracing::info!(domains = list.len(), "disposable-domain list read");
            }
            e.list = Arc::new(list);
            e.modified = modified;
        }
        e.list.clone()
    }

    /// The listed domain `domain` is or is under (`x.mailinator.com` → `mailinator.com`).
    pub fn listed(&self, domain: &str) -> Option<String> {
        let domain = domain.trim().trim_end_matches('.').to_ascii_lowercase();
        let extra = self.extra();
        let mut d = domain.as_str();
        loop {
            if embedded().binary_search(&d).is_ok()
                || extra.binary_search_by(|x| x.as_str().cmp(d)).is_ok()
            {
                return Some(d.to_string());
            }
            match d.split_once('.') {
                Some((_, rest)) if rest.contains('.') => d = rest,
                _ => return None,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listed_domains_and_their_subdomains_are_found() {
        let d = Disposable::new(None);
        assert!(embedded().len() > 5_000);
        assert_eq!(
            d.listed("mailinator.com").as_deref(),
            Some("mailinator.com")
        );
        assert_eq!(
            d.listed("A.Mailinator.COM").as_deref(),
            Some("mailinator.com")
        );
        assert_eq!(d.listed("gmail.com"), None);
        assert_eq!(d.listed("example.vn"), None);
    }

    #[test]
    fn a_list_in_the_data_folder_adds_domains() {
        let dir = std::env::temp_dir().join(format!("lb-dd-{}", crate::util::random_string(8)));
        std::fs::create_dir_all(&dir).unwrap();
        let d = Disposable::new(Some(dir.clone()));
        assert_eq!(d.listed("burner.example"), None);
        std::fs::write(dir.join(FILE), "# mine\nburner.example\n").unwrap();
        d.extra.write().unwrap().checked = None; // as if a minute had passed
        assert_eq!(
            d.listed("x.burner.example").as_deref(),
            Some("burner.example")
        );
        std::fs::remove_dir_all(dir).ok();
    }
}
