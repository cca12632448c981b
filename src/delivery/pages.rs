//! Admin pages: webhooks (list, create, secret shown once, deliveries, redeliver, test,
//! enable and disable) and the service worker for browser push.

use rocket::Route;

/// Routes.
pub fn routes() -> Vec<Route> {
    vec![]
}
