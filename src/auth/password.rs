//! argon2id password hashing, run off the async workers.

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

use crate::error::ApiError;

/// A real hash of a throwaway password, made once: verifying against it makes an unknown
/// account take as long as a known one.
fn decoy() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| hash_blocking("not anyone's password").unwrap_or_default())
}

/// argon2id with 46 MiB and one pass (the first of OWASP's equivalent settings; 19 MiB with
/// two passes is another). Above 32 MiB the C library maps the working memory for each hash
/// and returns it after, instead of keeping 19 MiB in the heap of an idle server.
fn hasher() -> Argon2<'static> {
    let params = Params::new(47_104, 1, 1, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Hashes a password with argon2id (see `hasher`).
pub fn hash_blocking(password: &str) -> Result<String, ApiError> {
    let salt = SaltString::generate(&mut OsRng);
    hasher()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| ApiError::internal(format!("argon2: {e}")))
}

/// Checks a password against a stored hash (or the decoy when there is none).
pub fn verify_blocking(password: &str, stored: Option<&str>) -> bool {
    let hash: &str = match stored {
        Some(s) => s,
        None => decoy(),
    };
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
