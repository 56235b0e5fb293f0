// The generated test kit's signer, copied verbatim from generator/runtime/fake/.

//! A webhook signer for tests: a fresh P-256 key, its JWK, and
//! `Plaid-Verification` values signed the way Plaid signs them.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use p256::ecdsa::signature::Signer;
use p256::ecdsa::{Signature, SigningKey};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::time::{SystemTime, UNIX_EPOCH};

/// Signs webhook bodies with a throwaway key.
#[derive(Clone)]
pub struct TestSigner {
    key: SigningKey,
    kid: String,
    expired_at: Option<i64>,
}

impl std::fmt::Debug for TestSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestSigner").field("kid", &self.kid).finish()
    }
}

/// A random P-256 signing key. A draw that is not a valid scalar (zero or at least the group
/// order: about 1 in 2^32) is drawn again, at most 64 times; the system's random source
/// failing that often is a broken machine, where panicking in a test helper is the only answer.
fn random_key() -> SigningKey {
    use ring::rand::SecureRandom;
    let rng = ring::rand::SystemRandom::new();
    for _ in 0..64 {
        let mut bytes = [0u8; 32];
        if rng.fill(&mut bytes).is_ok() {
            if let Ok(key) = SigningKey::from_slice(&bytes) {
                return key;
            }
        }
    }
    panic!("the operating system's random source failed 64 times")
}

/// Current Unix time in seconds.
pub fn now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

/// Base64url without padding.
pub fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

impl TestSigner {
    /// A new random key under `kid`.
    ///
    /// The key's 32 bytes come from the operating system through `ring` (which the main crate
    /// already builds), not from `rand_core`: its `getrandom` feature would change the features
    /// of a crate `plaid_idv` builds too, and so compile `plaid_idv` again for your tests.
    ///
    /// # Panics
    ///
    /// When the operating system's random source fails 64 times in a row.
    pub fn new(kid: impl Into<String>) -> Self {
        TestSigner { key: random_key(), kid: kid.into(), expired_at: None }
    }

    /// The same key, reported as expired at `at` (Unix seconds) in its JWK.
    pub fn expired_at(mut self, at: i64) -> Self {
        self.expired_at = Some(at);
        self
    }

    /// The key id.
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The public key as Plaid's `/webhook_verification_key/get` returns it.
    pub fn jwk(&self) -> Value {
        let point = self.key.verifying_key().to_encoded_point(false);
        let (x, y) = (point.x().map(|x| b64(x)), point.y().map(|y| b64(y)));
        json!({
            "alg": "ES256", "crv": "P-256", "kid": self.kid, "kty": "EC", "use": "sig",
            "x": x, "y": y, "created_at": now() - 3600, "expired_at": self.expired_at,
        })
    }

    /// The whole `/webhook_verification_key/get` response body.
    pub fn key_response(&self) -> Value {
        json!({ "key": self.jwk(), "request_id": "test-signer-request" })
    }

    /// A `Plaid-Verification` value for `body`, issued now.
    pub fn sign(&self, body: &[u8]) -> String {
        self.sign_at(body, now())
    }

    /// A `Plaid-Verification` value for `body`, issued at `iat`.
    pub fn sign_at(&self, body: &[u8], iat: i64) -> String {
        let hash: String = Sha256::digest(body).iter().map(|b| format!("{b:02x}")).collect();
        self.sign_parts(
            &json!({ "alg": "ES256", "kid": self.kid, "typ": "JWT" }),
            &json!({ "iat": iat, "request_body_sha256": hash }),
        )
    }

    /// Signs arbitrary header and claims with ES256 (for tests of odd headers).
    pub fn sign_parts(&self, header: &Value, claims: &Value) -> String {
        let input = format!("{}.{}", b64(header.to_string().as_bytes()), b64(claims.to_string().as_bytes()));
        let sig: Signature = self.key.sign(input.as_bytes());
        format!("{input}.{}", b64(&sig.to_bytes()))
    }
}
