//! Web Push: payload encryption (RFC 8291, `aes128gcm` of RFC 8188) and VAPID (RFC 8292), on
//! RustCrypto's P-256, HKDF and AES-GCM. The application server keys are generated on first
//! start and kept in the data folder.

use std::path::Path;

use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes128Gcm, Nonce};
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine;
use hkdf::Hkdf;
use p256::ecdsa::signature::Signer;
use p256::ecdsa::{Signature, SigningKey};
use p256::elliptic_curve::sec1::ToEncodedPoint;
use p256::{PublicKey, SecretKey};
use rand::RngCore;
use sha2::Sha256;

/// Record size written in the header; one record holds any push payload (≤ 4 KiB).
const RECORD_SIZE: u32 = 4096;

/// The largest plaintext a push may carry (push services accept 4096 bytes of body).
pub const MAX_PLAINTEXT: usize = 3993;

/// Decodes base64url with or without padding.
pub fn b64d(s: &str) -> Option<Vec<u8>> {
    B64.decode(s.trim().trim_end_matches('=')).ok()
}

/// Encodes base64url without padding.
pub fn b64e(b: &[u8]) -> String {
    B64.encode(b)
}

/// Checks a subscription's keys: a P-256 public point and a 16-byte auth secret.
pub fn check_keys(p256dh: &str, auth: &str) -> Result<(), (&'static str, &'static str)> {
    let point = b64d(p256dh).ok_or(("keys.p256dh", "must be base64url"))?;
    PublicKey::from_sec1_bytes(&point)
        .map_err(|_| ("keys.p256dh", "must be an uncompressed P-256 public key"))?;
    match b64d(auth) {
        Some(a) if a.len() == 16 => Ok(()),
        _ => Err(("keys.auth", "must be 16 bytes, base64url")),
    }
}

/// Encrypts `plaintext` for the browser key `ua_public` and `auth` with the sender key
/// `as_secret` and `salt` (fresh for every message; fixed only by the RFC's example).
pub fn encrypt_with(
    plaintext: &[u8],
    ua_public: &[u8],
    auth: &[u8],
    as_secret: &SecretKey,
    salt: [u8; 16],
) -> Result<Vec<u8>, String> {
    if plaintext.len() > MAX_PLAINTEXT {
        return Err("the push payload is too large".into());
    }
    let ua = PublicKey::from_sec1_bytes(ua_public).map_err(|_| "bad browser key")?;
    let as_public = as_secret.public_key().to_encoded_point(false);
    let shared = p256::ecdh::diffie_hellman(as_secret.to_nonzero_scalar(), ua.as_affine());
    let (cek, nonce) = derive(
        shared.raw_secret_bytes(),
        auth,
        ua_public,
        as_public.as_bytes(),
        &salt,
    )?;
    let mut record = plaintext.to_vec();
    // The last (and only) record ends with the delimiter 0x02 and no padding.
    record.push(0x02);
    let cipher = Aes128Gcm::new_from_slice(&cek).map_err(|_| "key length")?;
    let sealed = cipher
        .encrypt(&Nonce::from(nonce), record.as_slice())
        .map_err(|_| "encryption failed")?;
    let mut out = Vec::with_capacity(16 + 4 + 1 + 65 + sealed.len());
    out.extend_from_slice(&salt);
    out.extend_from_slice(&RECORD_SIZE.to_be_bytes());
    out.push(as_public.as_bytes().len() as u8);
    out.extend_from_slice(as_public.as_bytes());
    out.extend_from_slice(&sealed);
    Ok(out)
}

/// Encrypts with a fresh sender key and salt.
pub fn encrypt(plaintext: &[u8], ua_public: &[u8], auth: &[u8]) -> Result<Vec<u8>, String> {
    let key = SecretKey::random(&mut rand::rngs::OsRng);
    let mut salt = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut salt);
    encrypt_with(plaintext, ua_public, auth, &key, salt)
}

/// The content key and nonce of RFC 8291 §3.3–3.4.
fn derive(
    ecdh: &[u8],
    auth: &[u8],
    ua_public: &[u8],
    as_public: &[u8],
    salt: &[u8],
) -> Result<([u8; 16], [u8; 12]), String> {
    let mut info = b"WebPush: info\0".to_vec();
    info.extend_from_slice(ua_public);
    info.extend_from_slice(as_public);
    let mut ikm = [0u8; 32];
    Hkdf::<Sha256>::new(Some(auth), ecdh)
        .expand(&info, &mut ikm)
        .map_err(|_| "hkdf")?;
    let prk = Hkdf::<Sha256>::new(Some(salt), &ikm);
    let mut cek = [0u8; 16];
    let mut nonce = [0u8; 12];
    prk.expand(b"Content-Encoding: aes128gcm\0", &mut cek)
        .map_err(|_| "hkdf")?;
    prk.expand(b"Content-Encoding: nonce\0", &mut nonce)
        .map_err(|_| "hkdf")?;
    Ok((cek, nonce))
}

/// Decrypts a single-record `aes128gcm` body with the browser's key pair: what a browser
/// does, here for tests and for checking a round trip.
pub fn decrypt(body: &[u8], ua_secret: &SecretKey, auth: &[u8]) -> Result<Vec<u8>, String> {
    if body.len() < 21 {
        return Err("too short".into());
    }
    let salt = &body[..16];
    let idlen = body[20] as usize;
    let as_public = body.get(21..21 + idlen).ok_or("truncated key id")?;
    let sealed = &body[21 + idlen..];
    let sender = PublicKey::from_sec1_bytes(as_public).map_err(|_| "bad sender key")?;
    let shared = p256::ecdh::diffie_hellman(ua_secret.to_nonzero_scalar(), sender.as_affine());
    let ua_public = ua_secret.public_key().to_encoded_point(false);
    let (cek, nonce) = derive(
        shared.raw_secret_bytes(),
        auth,
        ua_public.as_bytes(),
        as_public,
        salt,
    )?;
    let cipher = Aes128Gcm::new_from_slice(&cek).map_err(|_| "key length")?;
    let mut plain = cipher
        .decrypt(&Nonce::from(nonce), sealed)
        .map_err(|_| "authentication failed")?;
    while plain.last() == Some(&0) {
        plain.pop();
    }
    match plain.pop() {
        Some(0x02) => Ok(plain),
        _ => Err("missing record delimiter".into()),
    }
}

/// The application server's VAPID key pair.
pub struct Vapid {
    key: SigningKey,
    /// The public key, base64url of the uncompressed point (what browsers subscribe with).
    pub public: String,
    subject: String,
}

impl Vapid {
    /// Loads `vapid.key` from `dir`, creating it on first start; `subject` is the contact
    /// (`mailto:` or an https URL) push services may use.
    pub fn load_or_create(dir: &Path, subject: String) -> Result<Vapid, String> {
        let path = dir.join("vapid.key");
        let secret = match std::fs::read_to_string(&path) {
            Ok(s) => {
                let bytes = b64d(&s).ok_or("vapid.key is not base64url")?;
                SecretKey::from_slice(&bytes).map_err(|_| "vapid.key is not a P-256 key")?
            }
            Err(_) => {
                let key = SecretKey::random(&mut rand::rngs::OsRng);
                crate::config::write_private(&path, b64e(&key.to_bytes()).as_bytes())
                    .map_err(|e| format!("cannot keep the push key: {e}"))?;
                key
            }
        };
        Ok(Vapid::from_secret(secret, subject))
    }

    /// A VAPID identity from a key (tests).
    pub fn from_secret(secret: SecretKey, subject: String) -> Vapid {
        let public = b64e(secret.public_key().to_encoded_point(false).as_bytes());
        Vapid {
            key: SigningKey::from(secret),
            public,
            subject,
        }
    }

    /// The `Authorization` header for a push to `endpoint` (RFC 8292 §3): a 12-hour ES256 JWT
    /// for the endpoint's origin, and the public key.
    pub fn authorization(&self, endpoint: &reqwest::Url, now_unix: i64) -> String {
        let origin = endpoint.origin().ascii_serialization();
        let header = b64e(br#"{"typ":"JWT","alg":"ES256"}"#);
        let claims = b64e(
            serde_json::json!({ "aud": origin, "exp": now_unix + 12 * 3600, "sub": self.subject })
                .to_string()
                .as_bytes(),
        );
        let signing_input = format!("{header}.{claims}");
        let sig: Signature = self.key.sign(signing_input.as_bytes());
        format!(
            "vapid t={signing_input}.{}, k={}",
            b64e(&sig.to_bytes()),
            self.public
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // RFC 8291 Appendix A.
    const PLAINTEXT: &[u8] = b"When I grow up, I want to be a watermelon";
    const AS_PRIVATE: &str = "yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw";
    const UA_PRIVATE: &str = "q1dXpw3UpT5VOmu_cf_v6ih07Aems3njxI-JWgLcM94";
    const UA_PUBLIC: &str =
        "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4";
    const SALT: &str = "DGv6ra1nlYgDCS1FRnbzlw";
    const AUTH: &str = "BTBZMqHH6r4Tts7J_aSIgg";
    const BODY: &str = concat!(
        "DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27ml",
        "mlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A_yl95bQpu6cVPT",
        "pK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_Qulcy4a-fN"
    );

    fn secret(s: &str) -> SecretKey {
        SecretKey::from_slice(&b64d(s).unwrap()).unwrap()
    }

    #[test]
    fn encryption_matches_the_rfc_8291_example_byte_for_byte() {
        let salt: [u8; 16] = b64d(SALT).unwrap().try_into().unwrap();
        let out = encrypt_with(
            PLAINTEXT,
            &b64d(UA_PUBLIC).unwrap(),
            &b64d(AUTH).unwrap(),
            &secret(AS_PRIVATE),
            salt,
        )
        .unwrap();
        assert_eq!(b64e(&out), BODY);
    }

    #[test]
    fn the_rfc_example_decrypts_and_a_tampered_one_does_not() {
        let body = b64d(BODY).unwrap();
        let plain = decrypt(&body, &secret(UA_PRIVATE), &b64d(AUTH).unwrap()).unwrap();
        assert_eq!(plain, PLAINTEXT);
        let mut bad = body.clone();
        let last = bad.len() - 1;
        bad[last] ^= 1;
        assert!(decrypt(&bad, &secret(UA_PRIVATE), &b64d(AUTH).unwrap()).is_err());
    }

    #[test]
    fn fresh_encryptions_round_trip_and_differ() {
        let ua = SecretKey::random(&mut rand::rngs::OsRng);
        let ua_pub = ua.public_key().to_encoded_point(false);
        let auth = [7u8; 16];
        let a = encrypt(b"hello", ua_pub.as_bytes(), &auth).unwrap();
        let b = encrypt(b"hello", ua_pub.as_bytes(), &auth).unwrap();
        assert_ne!(a, b);
        assert_eq!(decrypt(&a, &ua, &auth).unwrap(), b"hello");
        assert!(encrypt(&[0; MAX_PLAINTEXT + 1], ua_pub.as_bytes(), &auth).is_err());
    }

    #[test]
    fn subscription_keys_are_checked() {
        assert!(check_keys(UA_PUBLIC, AUTH).is_ok());
        assert_eq!(check_keys("AAAA", AUTH).unwrap_err().0, "keys.p256dh");
        assert_eq!(check_keys(UA_PUBLIC, "AAAA").unwrap_err().0, "keys.auth");
    }
}
