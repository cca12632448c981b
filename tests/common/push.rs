//! A browser's side of Web Push, for tests: its key pair and auth secret.

use p256::elliptic_curve::sec1::ToEncodedPoint;
use serde_json::{json, Value};

/// A browser's push key pair and auth secret, made here.
pub struct Browser {
    pub key: p256::SecretKey,
    pub auth: [u8; 16],
}

impl Browser {
    pub fn new() -> Browser {
        let mut auth = [0u8; 16];
        rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut auth);
        Browser {
            key: p256::SecretKey::random(&mut rand::rngs::OsRng),
            auth,
        }
    }
    pub fn subscription(&self, endpoint: &str) -> Value {
        use leadbox::delivery::push::b64e;
        json!({ "endpoint": endpoint, "expirationTime": null, "keys": {
            "p256dh": b64e(self.key.public_key().to_encoded_point(false).as_bytes()),
            "auth": b64e(&self.auth) } })
    }
}
