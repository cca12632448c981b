//! Pricing selections captured at signup: the seed's contract, user-type matching, the
//! recomputed quote, and the expiring follow-up workflow.

pub mod api;
pub mod kind;
pub mod model;
pub mod pages;
pub mod queries;
pub mod service;

use rocket::Route;

/// The HTTP routes of this capability.
pub fn routes() -> Vec<Route> {
    let mut r = api::routes();
    r.extend(pages::routes());
    r
}
