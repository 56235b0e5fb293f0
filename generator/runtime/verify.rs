// Runtime of the generated crate, copied verbatim from generator/runtime/.

//! Verification of Plaid's webhook signatures: an ES256 JWT in the `Plaid-Verification`
//! header whose claims hold the SHA-256 of the exact body bytes.
//!
//! The JWT header is read without trusting it; only `alg: ES256` is accepted; the key is looked
//! up by `kid` (cached, fetched once per new kid with `/webhook_verification_key/get`);
//! the signature is checked with RustCrypto's `p256`; `iat` must be recent; the body hash is
//! compared in constant time; only then is the typed event returned.

use super::client::{Operation, Retry};
use super::{Client, Error};
use crate::Webhook;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use p256::ecdsa::signature::Verifier;
use p256::ecdsa::{Signature, VerifyingKey};
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use subtle::ConstantTimeEq;

/// The header Plaid puts the JWT in.
pub const HEADER: &str = "Plaid-Verification";

/// Why a webhook was rejected. Each check has its own variant.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyError {
    /// No `Plaid-Verification` header.
    #[error("missing Plaid-Verification header")]
    MissingHeader,
    /// The JWT is not three base64url parts of JSON, or lacks a field.
    #[error("malformed webhook JWT: {0}")]
    Malformed(String),
    /// `alg` is anything but ES256 (including `none` and HS256).
    #[error("webhook JWT uses algorithm {0:?}; only ES256 is accepted")]
    UnsupportedAlgorithm(String),
    /// Plaid does not know the `kid`.
    #[error("no verification key with kid {0:?}")]
    UnknownKey(String),
    /// Fetching the key failed for another reason.
    #[error("cannot fetch verification key: {0}")]
    KeyFetch(#[source] Error),
    /// The key's `expired_at` has passed.
    #[error("verification key {0:?} has expired")]
    ExpiredKey(String),
    /// The signature does not verify under the key.
    #[error("webhook signature does not verify")]
    BadSignature,
    /// `iat` is older than the allowed age.
    #[error("webhook JWT issued {age:?} ago, more than the allowed {max:?}")]
    Stale {
        /// Its age.
        age: Duration,
        /// The limit.
        max: Duration,
    },
    /// `iat` is further in the future than the allowed skew.
    #[error("webhook JWT issued {ahead:?} in the future, more than the allowed skew {max:?}")]
    FromFuture {
        /// How far ahead.
        ahead: Duration,
        /// The limit.
        max: Duration,
    },
    /// The body's SHA-256 differs from `request_body_sha256`.
    #[error("webhook body does not match the signed hash")]
    BodyMismatch,
    /// The verified body is not a webhook this crate can read.
    #[error("verified body does not parse: {0}")]
    Parse(#[source] Error),
}

#[derive(Clone)]
struct Key {
    key: VerifyingKey,
    expired_at: Option<i64>,
}

type Slot = Arc<tokio::sync::Mutex<Option<Key>>>;

/// Checks webhook signatures. Cheap to clone; keys are cached per `kid`.
#[derive(Clone)]
pub struct WebhookVerifier {
    client: Client,
    keys: Arc<Mutex<HashMap<String, Slot>>>,
    max_age: Duration,
    max_skew: Duration,
}

impl std::fmt::Debug for WebhookVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookVerifier").field("max_age", &self.max_age).field("max_skew", &self.max_skew).finish()
    }
}

const KEY_OP: Operation =
    Operation { id: "webhookVerificationKeyGet", method: reqwest::Method::POST, path: "/webhook_verification_key/get" };

fn b64(part: &str, what: &str) -> Result<Vec<u8>, VerifyError> {
    URL_SAFE_NO_PAD.decode(part.trim_end_matches('=')).map_err(|e| VerifyError::Malformed(format!("{what}: {e}")))
}

fn now_secs() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

/// Builds a P-256 verifying key from a JWK (`kty` EC, `crv` P-256, base64url `x` and `y`).
fn key_from_jwk(jwk: &Value) -> Result<Key, String> {
    let s = |k: &str| jwk.get(k).and_then(Value::as_str).ok_or_else(|| format!("JWK has no `{k}`"));
    if s("kty")? != "EC" || s("crv")? != "P-256" {
        return Err("JWK is not an EC P-256 key".into());
    }
    let coord = |k: &str| -> Result<[u8; 32], String> {
        let v = URL_SAFE_NO_PAD.decode(s(k)?.trim_end_matches('=')).map_err(|e| format!("JWK `{k}`: {e}"))?;
        v.try_into().map_err(|_| format!("JWK `{k}` is not 32 bytes"))
    };
    let (x, y) = (coord("x")?, coord("y")?);
    let point = p256::EncodedPoint::from_affine_coordinates(&x.into(), &y.into(), false);
    let key = VerifyingKey::from_encoded_point(&point).map_err(|e| format!("JWK is not a valid P-256 point: {e}"))?;
    Ok(Key { key, expired_at: jwk.get("expired_at").and_then(Value::as_i64) })
}

impl WebhookVerifier {
    /// Default largest accepted age of `iat`.
    pub const DEFAULT_MAX_AGE: Duration = Duration::from_secs(5 * 60);
    /// Default largest accepted clock skew into the future.
    pub const DEFAULT_MAX_SKEW: Duration = Duration::from_secs(60);

    /// A verifier that fetches keys through `client`.
    pub fn new(client: Client) -> Self {
        WebhookVerifier {
            client,
            keys: Arc::default(),
            max_age: Self::DEFAULT_MAX_AGE,
            max_skew: Self::DEFAULT_MAX_SKEW,
        }
    }

    /// Sets the largest accepted age of `iat`.
    pub fn max_age(mut self, d: Duration) -> Self {
        self.max_age = d;
        self
    }

    /// Sets the largest accepted clock skew into the future.
    pub fn max_skew(mut self, d: Duration) -> Self {
        self.max_skew = d;
        self
    }

    /// Adds a key (a JWK as returned by `/webhook_verification_key/get`) to the cache.
    pub fn insert_key(&self, jwk: &Value) -> Result<(), VerifyError> {
        let kid =
            jwk.get("kid").and_then(Value::as_str).ok_or_else(|| VerifyError::Malformed("JWK has no kid".into()))?;
        let key = key_from_jwk(jwk).map_err(VerifyError::Malformed)?;
        self.slot(kid)
            .try_lock()
            .map(|mut g| *g = Some(key))
            .map_err(|_| VerifyError::Malformed("key is being fetched".into()))
    }

    fn slot(&self, kid: &str) -> Slot {
        let mut map = self.keys.lock().unwrap_or_else(|p| p.into_inner());
        map.entry(kid.to_owned()).or_default().clone()
    }

    /// One fetch per new `kid`: concurrent callers wait on the same slot.
    async fn key(&self, kid: &str) -> Result<Key, VerifyError> {
        let slot = self.slot(kid);
        let mut guard = slot.lock().await;
        if let Some(k) = guard.as_ref() {
            return Ok(k.clone());
        }
        let body = serde_json::json!({ "key_id": kid });
        let resp: Value = match self.client.execute(&KEY_OP, Some(&body), Retry::Safe).await {
            Ok(v) => v,
            Err(Error::Api(e)) if (400..500).contains(&e.status) => return Err(VerifyError::UnknownKey(kid.into())),
            Err(e) => return Err(VerifyError::KeyFetch(e)),
        };
        let jwk = resp.get("key").ok_or_else(|| VerifyError::Malformed("key response has no `key`".into()))?;
        if jwk.get("kid").and_then(Value::as_str) != Some(kid) {
            return Err(VerifyError::UnknownKey(kid.into()));
        }
        let key = key_from_jwk(jwk).map_err(VerifyError::Malformed)?;
        *guard = Some(key.clone());
        Ok(key)
    }

    /// Verifies a webhook given its headers and raw body, then parses it.
    pub async fn verify_headers(
        &self,
        headers: &reqwest::header::HeaderMap,
        body: &[u8],
    ) -> Result<Webhook, VerifyError> {
        let jwt = match headers.get(HEADER) {
            Some(v) => Some(v.to_str().map_err(|_| VerifyError::Malformed("header is not ASCII".into()))?),
            None => None,
        };
        self.verify(jwt, body).await
    }

    /// Verifies a webhook given the `Plaid-Verification` value and the raw body bytes exactly as
    /// received (never re-serialized JSON), then parses it.
    pub async fn verify(&self, jwt: Option<&str>, body: &[u8]) -> Result<Webhook, VerifyError> {
        let jwt = jwt.map(str::trim).filter(|j| !j.is_empty()).ok_or(VerifyError::MissingHeader)?;
        let parts: Vec<&str> = jwt.split('.').collect();
        let [h64, c64, s64] = parts[..] else {
            return Err(VerifyError::Malformed(format!("expected 3 parts, found {}", parts.len())));
        };
        let header: Value = serde_json::from_slice(&b64(h64, "header")?)
            .map_err(|e| VerifyError::Malformed(format!("header JSON: {e}")))?;
        let alg = header.get("alg").and_then(Value::as_str).unwrap_or("");
        if alg != "ES256" {
            return Err(VerifyError::UnsupportedAlgorithm(alg.to_string()));
        }
        let kid = header
            .get("kid")
            .and_then(Value::as_str)
            .ok_or_else(|| VerifyError::Malformed("header has no kid".into()))?;
        let sig_bytes = b64(s64, "signature")?;
        let sig = Signature::from_slice(&sig_bytes)
            .map_err(|_| VerifyError::Malformed("signature is not 64 bytes r||s".into()))?;
        let key = self.key(kid).await?;
        if key.expired_at.is_some_and(|t| t <= now_secs()) {
            return Err(VerifyError::ExpiredKey(kid.into()));
        }
        let signing_input = &jwt[..h64.len() + 1 + c64.len()];
        key.key.verify(signing_input.as_bytes(), &sig).map_err(|_| VerifyError::BadSignature)?;
        let claims: Value = serde_json::from_slice(&b64(c64, "claims")?)
            .map_err(|e| VerifyError::Malformed(format!("claims JSON: {e}")))?;
        let iat = claims
            .get("iat")
            .and_then(Value::as_i64)
            .ok_or_else(|| VerifyError::Malformed("claims have no iat".into()))?;
        let now = now_secs();
        if now > iat && Duration::from_secs((now - iat) as u64) > self.max_age {
            return Err(VerifyError::Stale { age: Duration::from_secs((now - iat) as u64), max: self.max_age });
        }
        if iat > now && Duration::from_secs((iat - now) as u64) > self.max_skew {
            return Err(VerifyError::FromFuture { ahead: Duration::from_secs((iat - now) as u64), max: self.max_skew });
        }
        let claimed = claims
            .get("request_body_sha256")
            .and_then(Value::as_str)
            .ok_or_else(|| VerifyError::Malformed("claims have no request_body_sha256".into()))?;
        let actual: String = Sha256::digest(body).iter().map(|b| format!("{b:02x}")).collect();
        let claimed = claimed.to_ascii_lowercase();
        if claimed.len() != actual.len() || !bool::from(claimed.as_bytes().ct_eq(actual.as_bytes())) {
            return Err(VerifyError::BodyMismatch);
        }
        Webhook::parse(body).map_err(VerifyError::Parse)
    }
}
