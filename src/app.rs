//! The state every handler shares, managed by Rocket (no globals).

use std::sync::Arc;

use crate::auth::throttle::Throttle;
use crate::config::{Config, TrustedProxies};
use crate::ops::metrics::Metrics;
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
    pub throttle: Throttle,
}

impl App {
    /// The state of a running Rocket; every instance built by `leadbox::rocket` manages one.
    pub fn of<'a>(req: &'a rocket::Request<'_>) -> &'a App {
        req.rocket()
            .state::<App>()
            .expect("leadbox::rocket always manages App")
    }
}
