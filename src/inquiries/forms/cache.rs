//! What a public submit needs to know about its form, kept in memory: the workspace and, for a
//! form of its own, that form. Filled on first use from the read pool and emptied by the
//! writer right after any change to a workspace's settings or a form commits, so a submit does
//! no database read before its writer job.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use super::Form;
use crate::store::{Event, OnChange};
use crate::workspaces::model::Workspace;

/// Most public keys kept; past that the cache starts again (keys are few in practice).
const MAX_ENTRIES: usize = 10_000;

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

/// Public key → form, emptied whenever a workspace or form changes.
#[derive(Default)]
pub struct FormCache {
    generation: AtomicU64,
    map: RwLock<HashMap<String, Arc<Target>>>,
}

impl FormCache {
    /// The cached target of `key`.
    pub fn get(&self, key: &str) -> Option<Arc<Target>> {
        self.map
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(key)
            .cloned()
    }

    /// The generation to pass to `fill` (read before reading the database).
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// Keeps `target` unless a change committed since `generation` was read (it may be stale).
    pub fn fill(&self, generation: u64, key: &str, target: Arc<Target>) {
        let mut map = self.map.write().unwrap_or_else(|p| p.into_inner());
        if self.generation.load(Ordering::Acquire) != generation {
            return;
        }
        if map.len() >= MAX_ENTRIES {
            map.clear();
        }
        map.insert(key.to_string(), target);
    }

    /// Forgets everything (after a change).
    pub fn clear(&self) {
        let mut map = self.map.write().unwrap_or_else(|p| p.into_inner());
        self.generation.fetch_add(1, Ordering::AcqRel);
        map.clear();
    }
}

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

    #[test]
    fn a_fill_that_raced_a_change_is_dropped() {
        let c = FormCache::default();
        let g = c.generation();
        c.clear();
        let ws: Workspace = crate::workspaces::model::Workspace::for_tests();
        c.fill(
            g,
            "pk_a",
            Arc::new(Target {
                workspace: ws.clone(),
                form: None,
            }),
        );
        assert!(c.get("pk_a").is_none());
        c.fill(
            c.generation(),
            "pk_a",
            Arc::new(Target {
                workspace: ws,
                form: None,
            }),
        );
        assert!(c.get("pk_a").is_some());
        c.changed(&Event {
            id: 1,
            workspace_id: None,
            topic: "workspace/settings/updated".into(),
            subject_id: None,
            actor_id: None,
            data: serde_json::Value::Null,
            created_at: String::new(),
        });
        assert!(c.get("pk_a").is_none());
    }
}
