// The generated test kit's signer, copied verbatim from generator/runtime/fake/.

//! A webhook signer for tests: a fresh P-256 key, its JWK, and
//! `Plaid-Verification` values signed the way Plaid signs them.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use ring::rand::SystemRandom;
use ring::signature::{EcdsaKeyPair, KeyPair, ECDSA_P256_SHA256_FIXED_SIGNING};
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

/// Signs webhook bodies with a throwaway key.
#[derive(Clone)]
pub struct TestSigner {
    key: Arc<EcdsaKeyPair>,
    kid: String,
    expired_at: Option<i64>,
}

impl std::fmt::Debug for TestSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestSigner").field("kid", &self.kid).finish()
    }
}

/// A random P-256 key pair, from `ring` (which the main crate already builds). The tests of
/// the repository that generates this kit check its signatures with RustCrypto's `p256` too.
///
/// # Panics
///
/// When the operating system's random source fails (a broken machine: panicking in a test
/// helper is the only answer).
fn random_key() -> EcdsaKeyPair {
    let rng = SystemRandom::new();
    let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng)
        .expect("the operating system's random source failed");
    EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref(), &rng)
        .expect("ring reads back the key it generated")
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
    /// The key is `ring`'s (which the main crate already builds). RustCrypto's P-256 crates
    /// would turn on features of `digest` and `rand_core`, which a service's own dependencies
    /// (sqlx's `sha2`, for one) also build, and so compile `plaid_idv` again for your tests.
    ///
    /// # Panics
    ///
    /// When the operating system's random source fails.
    pub fn new(kid: impl Into<String>) -> Self {
        TestSigner { key: Arc::new(random_key()), kid: kid.into(), expired_at: None }
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
        // The uncompressed point: 0x04, then x and y (32 bytes each).
        let point = self.key.public_key().as_ref();
        let (x, y) = (b64(&point[1..33]), b64(&point[33..65]));
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
        let hash: String =
            ring::digest::digest(&ring::digest::SHA256, body).as_ref().iter().map(|b| format!("{b:02x}")).collect();
        self.sign_parts(
            &json!({ "alg": "ES256", "kid": self.kid, "typ": "JWT" }),
            &json!({ "iat": iat, "request_body_sha256": hash }),
        )
    }

    /// Signs arbitrary header and claims with ES256 (for tests of odd headers).
    ///
    /// # Panics
    ///
    /// When the operating system's random source fails (ECDSA draws a nonce).
    pub fn sign_parts(&self, header: &Value, claims: &Value) -> String {
        let input = format!("{}.{}", b64(header.to_string().as_bytes()), b64(claims.to_string().as_bytes()));
        let sig =
            self.key.sign(&SystemRandom::new(), input.as_bytes()).expect("the operating system's random source failed");
        format!("{input}.{}", b64(sig.as_ref()))
    }
}
