//! The admin pages of forms: the list, the editor, the embed snippet of each form.

use rocket::Route;

/// The HTTP routes of the form pages.
pub fn routes() -> Vec<Route> {
    vec![]
}
