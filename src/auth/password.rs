//! argon2id password hashing, run off the async workers.

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;

use crate::error::ApiError;

/// A real hash of a throwaway password: verifying against it makes an unknown account take
/// as long as a known one.
const DECOY: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$9T7l5m3cJ3R3xDhr2mOMd2T9aNQrS5tGEKCVWp9h0tU";

/// Hashes a password with argon2id (memory 19 MiB, 2 passes).
pub fn hash_blocking(password: &str) -> Result<String, ApiError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| ApiError::internal(format!("argon2: {e}")))
}

/// Checks a password against a stored hash (or the decoy when there is none).
pub fn verify_blocking(password: &str, stored: Option<&str>) -> bool {
    let hash = stored.unwrap_or(DECOY);
    let ok = PasswordHash::new(hash)
        .map(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false);
    ok && stored.is_some()
}

/// Hashes on the blocking pool.
pub async fn hash(password: String) -> Result<String, ApiError> {
    rocket::tokio::task::spawn_blocking(move || hash_blocking(&password))
        .await
        .map_err(|e| ApiError::internal(format!("hash task: {e}")))?
}

/// Verifies on the blocking pool.
pub async fn verify(password: String, stored: Option<String>) -> bool {
    rocket::tokio::task::spawn_blocking(move || verify_blocking(&password, stored.as_deref()))
        .await
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_verifies_its_password_only() {
        let h = hash_blocking("correct horse").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_blocking("correct horse", Some(&h)));
        assert!(!verify_blocking("wrong horse", Some(&h)));
        assert!(!verify_blocking("correct horse", None));
    }
}
