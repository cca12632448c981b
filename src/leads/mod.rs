//! The shared floor every lead kind stands on: the `LeadKind` contract and its registry, the
//! lifecycle, list queries, the unified inbox, timelines, CSV, and the API and pages that the
//! registry derives for every kind.

pub mod api;
pub mod csv;
pub mod inbox;
pub mod index;
pub mod kind;
pub mod lifecycle;
pub mod list;
pub mod notes;
pub mod pages;
pub mod people;
pub mod routing;
pub mod timeline;

use rocket::Route;

/// The HTTP routes of the shared lead machinery.
pub fn routes() -> Vec<Route> {
    let mut r = api::routes();
    r.extend(pages::routes());
    r.extend(routing::routes());
    r
}
