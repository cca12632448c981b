//! What a public submit needs to know about its form, kept in memory: the workspace and, for a
//! form of its own, that form. Filled on first use from the read pool and emptied by the
//! writer right after any change to a workspace's settings or a form commits, so a submit does
//! no database read before its writer job.

use std::sync::Arc;

use super::Form;
use crate::store::cache::Cache;
use crate::store::{Event, OnChange};
use crate::workspaces::model::Workspace;

/// A public key's form: the workspace and, unless it is the workspace's default form, the form.
#[derive(Debug)]
pub struct Target {
    /// The owner workspace's settings.
    pub workspace: Workspace,
    /// The form, when the key is one of the workspace's own forms.
    pub form: Option<Form>,
}

impl Target {
    /// Whether `origin` (normalised) may post this form and frame it.
    pub fn allows(&self, origin: &str) -> bool {
        self.workspace.allowed_origins.iter().any(|o| o == origin)
            || self
                .form
                .as_ref()
                .is_some_and(|f| f.allowed_origins.iter().any(|o| o == origin))
    }

    /// Every origin allowed to frame this form.
    pub fn origins(&self) -> Vec<String> {
        let mut all = self.workspace.allowed_origins.clone();
        if let Some(f) = &self.form {
            all.extend(f.allowed_origins.iter().cloned());
        }
        all
    }

    /// Where a plain form post lands after success, if not leadbox's own page.
    pub fn thank_you_url(&self) -> Option<&str> {
        self.form
            .as_ref()
            .and_then(|f| f.thank_you_url.as_deref())
            .or(self.workspace.thank_you_url.as_deref())
    }

    /// The public key.
    pub fn key(&self) -> &str {
        match &self.form {
            Some(f) => &f.public_key,
            None => &self.workspace.public_key,
        }
    }
}

/// Public key → form (or `None`: no such key), emptied whenever a workspace or form changes.
/// A key that is not there is kept too: a snippet left on a site after its form was deleted
/// posts on, and each post would otherwise read the database again.
pub type FormCache = Cache<Option<Arc<Target>>>;

/// Topics whose commit changes what a public key resolves to.
fn changes_forms(topic: &str) -> bool {
    topic.starts_with("workspace/") || topic.starts_with(super::api::TOPIC_PREFIX)
}

impl OnChange for FormCache {
    fn changed(&self, event: &Event) {
        if changes_forms(&event.topic) {
            self.clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A committed event of `topic`, as the writer hands it to the cache.
    fn event(topic: &str) -> Event {
        Event {
            id: 1,
            workspace_id: None,
            topic: topic.into(),
            subject_id: None,
            actor_id: None,
            data: serde_json::Value::Null,
            created_at: String::new(),
        }
    }

    #[test]
    fn a_workspace_or_form_change_empties_it() {
        let c = FormCache::default();
        let ws: Workspace = crate::workspaces::model::Workspace::for_tests();
        let target = Arc::new(Target {
            workspace: ws,
            form: None,
        });
        let rt = rocket::tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        for topic in ["workspace/settings/updated", super::super::api::UPDATED] {
            let t = target.clone();
            rt.block_on(c.get_or_read("pk_a", || async { Ok::<_, ()>(Some(Some(t))) }))
                .unwrap();
            assert!(c.get("pk_a").is_some());
            c.changed(&event("inquiry/submitted"));
            assert!(c.get("pk_a").is_some());
            c.changed(&event(topic));
            assert!(c.get("pk_a").is_none());
        }
    }

    #[test]
    fn a_missing_key_is_read_once_until_a_form_or_workspace_is_created() {
        let c = FormCache::default();
        let rt = rocket::tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let reads = std::sync::atomic::AtomicUsize::new(0);
        let ask = || {
            rt.block_on(c.get_or_read("pk_gone", || async {
                reads.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                Ok::<_, ()>(Some(None))
            }))
            .unwrap()
        };
        assert!(matches!(ask(), Some(None)));
        assert!(matches!(ask(), Some(None)));
        assert_eq!(reads.load(std::sync::atomic::Ordering::SeqCst), 1);
        c.changed(&event("inquiry/submitted"));
        ask();
        assert_eq!(reads.load(std::sync::atomic::Ordering::SeqCst), 1);
        for (n, topic) in [(2, super::super::api::CREATED), (3, "workspace/created")] {
            c.changed(&event(topic));
            ask();
            assert_eq!(reads.load(std::sync::atomic::Ordering::SeqCst), n);
        }
    }
}
