//! Authentication and authorisation: staff passwords and sessions, CSRF, API tokens, the
//! permission table, sign-in throttling and the guards that put them together.

pub mod end_user;
pub mod guards;
pub mod invitations;
pub mod password;
pub mod permissions;
pub mod resets;
pub mod routes;
pub mod sessions;
pub mod throttle;
pub mod tokens;
pub mod users;
