//! The state every handler shares, managed by Rocket (no globals).

use std::sync::Arc;

use crate::auth::throttle::Throttle;
use crate::config::{Config, TrustedProxies};
use crate::inquiries::spam::SpamGuard;
use crate::leads::kind::{Registry, Scope};
use crate::ops::metrics::Metrics;
use crate::ratelimit::Limits;
use crate::realtime::hub::Hub;
use crate::store::Store;

/// Shared application state.
pub struct App {
    /// The database.
    pub store: Store,
    /// Process metrics.
    pub metrics: Arc<Metrics>,
    /// Settings in force.
    pub config: Config,
    /// Proxies whose forwarding headers are believed.
    pub trusted: TrustedProxies,
    /// Sign-in throttles.
    pub throttle: Arc<Throttle>,
    /// Per-workspace rate limits.
    pub limits: Arc<Limits>,
    /// Signs and checks the public form's spam tokens, and scores submissions.
    pub spam: SpamGuard,
    /// Public key → form, for the capture path.
    pub forms: Arc<crate::inquiries::forms::cache::FormCache>,
    /// Told of each workspace settings change inside its transaction.
    pub settings_hooks: Vec<Arc<dyn crate::workspaces::SettingsHook>>,
    /// The clock expiry is judged by.
    pub clock: Arc<crate::clock::Clock>,
    /// Every registered lead kind.
    pub kinds: Arc<Registry>,
    /// Fans committed events out to sockets.
    pub hub: Arc<Hub>,
    /// Webhooks, email and push.
    pub courier: Arc<crate::delivery::Courier>,
    /// Keyed requests being decided now: a duplicate waits for the first one's answer.
    pub claims: Arc<crate::ratelimit::Claims>,
    /// Failures counted in memory and written as one aggregate event a minute.
    pub tally: Arc<crate::ratelimit::Tally>,
    /// This server's hold on its data folder, released when it stops.
    pub lock: Arc<crate::store::guard::DataLock>,
    /// Keeps the admin's search words out of its URLs.
    pub seal: crate::admin::search::Seal,
}

/// What the background clean-up needs, owned so it can outlive a request.
#[derive(Clone)]
pub struct Housekeeping {
    /// The database.
    pub store: Store,
    /// Sign-in throttles to sweep.
    pub throttle: Arc<Throttle>,
    /// Rate limiters to sweep.
    pub limits: Arc<Limits>,
    /// The clock expiry is judged by.
    pub clock: Arc<crate::clock::Clock>,
    /// Failure counts to write out.
    pub tally: Arc<crate::ratelimit::Tally>,
    /// The data folder (snapshots go to its `backups/`).
    pub data_dir: std::path::PathBuf,
    /// Hours between scheduled snapshots (0 = off) and how many are kept.
    pub backup_every: u64,
    /// Scheduled snapshots kept.
    pub backup_keep: usize,
    /// The lead kinds (the retention sweep erases through them).
    pub kinds: Arc<crate::leads::kind::Registry>,
}

impl App {
    /// Handles for the background clean-up.
    pub fn housekeeping(&self) -> Housekeeping {
        Housekeeping {
            store: self.store.clone(),
            throttle: self.throttle.clone(),
            limits: self.limits.clone(),
            clock: self.clock.clone(),
            tally: self.tally.clone(),
            data_dir: self.config.data_dir.clone(),
            backup_every: self.config.backup_every,
            backup_keep: self.config.backup_keep,
            kinds: self.kinds.clone(),
        }
    }

    /// What inbox queries depend on besides the workspace: the clock's now.
    pub fn scope(&self) -> Scope {
        Scope {
            now: self.clock.now(),
        }
    }

    /// The state of a running Rocket; every instance built by `leadbox::rocket` manages one.
    pub fn of<'a>(req: &'a rocket::Request<'_>) -> &'a App {
        req.rocket()
            .state::<App>()
            .expect("leadbox::rocket always manages App")
    }
}
