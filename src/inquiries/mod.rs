//! Inquiries: the public form and its spam defences, the lifecycle, the management API and the
//! admin pages.

pub mod api;
pub mod attribution;
pub mod forms;
pub mod kind;
pub mod model;
pub mod pages;
pub mod public;
pub mod public_text;
pub mod quarantine;
pub mod queries;
pub mod service;
pub mod spam;

use rocket::Route;

/// The HTTP routes of this capability.
pub fn routes() -> Vec<Route> {
    let mut r = api::routes();
    r.extend(public::routes());
    r.extend(pages::routes());
    r.extend(forms::api::routes());
    r.extend(forms::pages::routes());
    r.extend(quarantine::routes());
    r
}
