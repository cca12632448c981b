//! Contact Sales: the exactly-once request from a signed-in dashboard user, its lifecycle,
//! the management API and pages.

pub mod api;
pub mod kind;
pub mod model;
pub mod pages;
pub mod public;
pub mod queries;
pub mod service;

use rocket::Route;

/// The HTTP routes of this capability.
pub fn routes() -> Vec<Route> {
    let mut r = public::routes();
    r.extend(api::routes());
    r.extend(pages::routes());
    r
}
