// Runtime of the generated crate, copied verbatim from generator/runtime/.

//! Verification of Plaid's webhook signatures: an ES256 JWT in the `Plaid-Verification`
//! header whose claims hold the SHA-256 of the exact body bytes.
//!
//! The JWT header is read without trusting it: its size is bounded, every part must be strict
//! base64url, only `alg: ES256` is accepted and the `kid` must be a short URL-safe string before
//! any key is looked up. Keys are cached per `kid` after a successful fetch only, for a bounded
//! time and number; unknown kids are remembered for a while; fetches of new kids are
//! rate-limited, never retried, and shared by concurrent callers. A key whose `expired_at` is set
//! is refused. Then the signature is checked with `ring` (already in the build through rustls, so
//! verification adds no elliptic-curve crates of its own), `iat` must be recent and
//! the body hash is compared in constant time; only then is the typed event returned.

use super::client::{CallOptions, Operation, Retry};
use super::{Client, Error};
use crate::webhooks::Webhook;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use ring::signature::{UnparsedPublicKey, ECDSA_P256_SHA256_FIXED};
use serde_json::Value;
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use subtle::ConstantTimeEq;

// Public as `WebhookVerifier::HEADER`, `WebhookVerifier::MAX_JWT_BYTES`, … (one path each).
pub(crate) const HEADER: &str = "Plaid-Verification";
pub(crate) const MAX_JWT_BYTES: usize = 4096;
pub(crate) const MAX_KID_BYTES: usize = 64;
pub(crate) const MAX_KEY_RESPONSE_BYTES: usize = 16 << 10;

/// Why a webhook was rejected. Each check has its own variant.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyError {
    /// No `Plaid-Verification` header.
    #[error("missing Plaid-Verification header")]
    MissingHeader,
    /// The JWT is not three strict base64url parts of JSON, is too long, or lacks a field.
    #[error("malformed webhook JWT: {0}")]
    Malformed(String),
    /// `alg` is anything but ES256 (including `none` and HS256).
    #[error("webhook JWT uses algorithm {0:?}; only ES256 is accepted")]
    UnsupportedAlgorithm(String),
    /// The `kid` is empty, longer than [`WebhookVerifier::MAX_KID_BYTES`] or has characters outside
    /// `[A-Za-z0-9._~-]`. Nothing was fetched.
    #[error("webhook JWT kid is not 1 to {MAX_KID_BYTES} URL-safe characters")]
    InvalidKid,
    /// Plaid does not know the `kid` (now, or when last asked within the unknown-kid time).
    #[error("no verification key with kid {0:?}")]
    UnknownKey(String),
    /// Too many fetches of new kids in the last minute
    /// ([`WebhookVerifier::new_key_fetches_per_minute`]); nothing was fetched.
    #[error("too many new webhook key ids in the last minute; not fetched")]
    TooManyNewKeys,
    /// The key endpoint answered 401 or 403: the client's credentials are wrong.
    #[error("key fetch refused with HTTP {status}: check the client id and secret")]
    KeyFetchUnauthorized {
        /// 401 or 403.
        status: u16,
    },
    /// The key endpoint answered 429.
    #[error("key fetch rate-limited by Plaid (HTTP 429)")]
    KeyFetchRateLimited,
    /// Fetching the key failed for another reason (transport, 5xx, a bad response).
    #[error("cannot fetch verification key: {0}")]
    KeyFetch(#[source] Error),
    /// The key's `expired_at` is set (or not readable): Plaid has retired it.
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
    /// The "as of" time given to [`WebhookVerifier::verify_at`] is later than now (beyond the
    /// allowed skew): a stored receipt time cannot be in the future.
    #[error("webhook receipt time is {ahead:?} in the future, more than the allowed skew {max:?}")]
    ReceivedInFuture {
        /// How far ahead of now.
        ahead: Duration,
        /// The limit.
        max: Duration,
    },
}

/// Whether a [`VerifyError`] may go away on its own: see [`VerifyError::kind`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VerifyErrorKind {
    /// The webhook was not judged: the key could not be had now (a rate limit, ours or Plaid's,
    /// a failed fetch, refused credentials). Keep the delivery and verify it again later (with
    /// [`WebhookVerifier::verify_at`] and its receipt time, so waiting does not make it stale),
    /// or answer Plaid with a 5xx so that it sends the webhook again.
    Transient,
    /// The webhook itself is refused (forged, tampered, stale, malformed, signed with a retired
    /// key): verifying it again gives the same answer. Drop it.
    Permanent,
}

impl VerifyError {
    /// Whether retrying later may succeed ([`VerifyErrorKind::Transient`]) or the webhook is
    /// refused for good ([`VerifyErrorKind::Permanent`]).
    pub fn kind(&self) -> VerifyErrorKind {
        match self {
            VerifyError::TooManyNewKeys
            | VerifyError::KeyFetchUnauthorized { .. }
            | VerifyError::KeyFetchRateLimited
            | VerifyError::KeyFetch(_) => VerifyErrorKind::Transient,
            VerifyError::MissingHeader
            | VerifyError::Malformed(_)
            | VerifyError::UnsupportedAlgorithm(_)
            | VerifyError::InvalidKid
            | VerifyError::UnknownKey(_)
            | VerifyError::ExpiredKey(_)
            | VerifyError::BadSignature
            | VerifyError::Stale { .. }
            | VerifyError::FromFuture { .. }
            | VerifyError::BodyMismatch
            | VerifyError::Parse(_)
            | VerifyError::ReceivedInFuture { .. } => VerifyErrorKind::Permanent,
        }
    }

    /// `self.kind() == VerifyErrorKind::Transient`: keep the delivery and try again later.
    pub fn is_transient(&self) -> bool {
        self.kind() == VerifyErrorKind::Transient
    }
}

#[derive(Clone)]
struct Key {
    key: UnparsedPublicKey<Vec<u8>>,
    /// `expired_at` was set or unreadable.
    expired: bool,
}

/// What a shared fetch ended with, for the callers that waited on it.
#[derive(Clone)]
enum Outcome {
    Key(Key),
    Unknown,
    Unauthorized(u16),
    RateLimited,
    Failed(String),
}

type Slot = Arc<tokio::sync::Mutex<Option<Outcome>>>;

#[derive(Default)]
struct Cache {
    keys: HashMap<String, (Key, Instant)>,
    unknown: HashMap<String, Instant>,
    inflight: HashMap<String, Slot>,
    new_fetches: VecDeque<Instant>,
}

/// Inserts into a time-stamped map, first evicting the oldest entry when it is full.
fn bounded_insert<V>(map: &mut HashMap<String, V>, max: usize, kid: &str, value: V, at: impl Fn(&V) -> Instant) {
    if !map.contains_key(kid) && map.len() >= max {
        if let Some(oldest) = map.iter().min_by_key(|(_, v)| at(v)).map(|(k, _)| k.clone()) {
            map.remove(&oldest);
        }
    }
    if max > 0 {
        map.insert(kid.to_owned(), value);
    }
}

/// Checks webhook signatures. Cheap to clone; clones share one key cache.
#[derive(Clone)]
pub struct WebhookVerifier {
    client: Client,
    cache: Arc<Mutex<Cache>>,
    max_age: Duration,
    max_skew: Duration,
    key_ttl: Duration,
    max_keys: usize,
    unknown_ttl: Duration,
    max_unknown: usize,
    new_per_minute: usize,
}

impl std::fmt::Debug for WebhookVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookVerifier")
            .field("max_age", &self.max_age)
            .field("max_skew", &self.max_skew)
            .field("key_ttl", &self.key_ttl)
            .field("max_keys", &self.max_keys)
            .field("unknown_ttl", &self.unknown_ttl)
            .field("max_unknown", &self.max_unknown)
            .field("new_per_minute", &self.new_per_minute)
            .finish_non_exhaustive()
    }
}

/// The key fetch goes through the operation's own descriptor, generated from the spec.
const KEY_OP: &Operation = &crate::operations::WEBHOOK_VERIFICATION_KEY_GET;

/// Strict base64url: no padding, no whitespace, no non-zero trailing bits.
fn b64(part: &str, what: &str) -> Result<Vec<u8>, VerifyError> {
    URL_SAFE_NO_PAD.decode(part).map_err(|e| VerifyError::Malformed(format!("{what} is not strict base64url: {e}")))
}

fn kid_is_well_formed(kid: &str) -> bool {
    !kid.is_empty()
        && kid.len() <= MAX_KID_BYTES
        && kid.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b))
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
    // SEC1 uncompressed form: 0x04, x, y.
    let point: Vec<u8> = [&[4u8][..], &x, &y].concat();
    if !is_p256_point(&point) {
        return Err("JWK is not a valid P-256 point".into());
    }
    let key = UnparsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, point);
    // Plaid sets `expired_at` when it retires a key; anything but absent or null counts as set.
    let expired = !matches!(jwk.get("expired_at"), None | Some(Value::Null));
    Ok(Key { key, expired })
}

/// Whether `point` (SEC1 uncompressed) is a point of P-256, checked when a key is loaded rather
/// than at its first signature. `ring` parses signature keys only when verifying, but validates
/// a peer's key fully (on the curve, not the identity) before an ECDH agreement, so one
/// agreement with a throwaway key is the check. Fails closed if no randomness is available.
fn is_p256_point(point: &[u8]) -> bool {
    use ring::agreement::{agree_ephemeral, EphemeralPrivateKey, UnparsedPublicKey, ECDH_P256};
    let Ok(mine) = EphemeralPrivateKey::generate(&ECDH_P256, &ring::rand::SystemRandom::new()) else {
        return false;
    };
    agree_ephemeral(mine, &UnparsedPublicKey::new(&ECDH_P256, point), |_| ()).is_ok()
}

impl WebhookVerifier {
    /// The header Plaid puts the JWT in.
    pub const HEADER: &'static str = HEADER;
    /// Longest `Plaid-Verification` value read (bytes).
    pub const MAX_JWT_BYTES: usize = MAX_JWT_BYTES;
    /// Longest accepted `kid` (bytes of `[A-Za-z0-9._~-]`). Plaid's are UUIDs (36).
    pub const MAX_KID_BYTES: usize = MAX_KID_BYTES;
    /// Largest `/webhook_verification_key/get` response read (bytes).
    pub const MAX_KEY_RESPONSE_BYTES: usize = MAX_KEY_RESPONSE_BYTES;

    /// Default largest accepted age of `iat`: 5 minutes.
    pub const DEFAULT_MAX_AGE: Duration = Duration::from_secs(5 * 60);
    /// Default largest accepted clock skew into the future: 1 minute.
    pub const DEFAULT_MAX_SKEW: Duration = Duration::from_secs(60);
    /// Default time a fetched key is used before it is fetched again (to see `expired_at`):
    /// 1 hour.
    pub const DEFAULT_KEY_TTL: Duration = Duration::from_secs(60 * 60);
    /// Default number of keys cached: 16 (Plaid rotates keys rarely).
    pub const DEFAULT_MAX_KEYS: usize = 16;
    /// Default time an unknown kid is remembered as unknown: 10 minutes.
    pub const DEFAULT_UNKNOWN_KID_TTL: Duration = Duration::from_secs(10 * 60);
    /// Default number of unknown kids remembered: 1,024.
    pub const DEFAULT_MAX_UNKNOWN_KIDS: usize = 1024;
    /// Default number of fetches of kids not in the cache per minute: 10.
    pub const DEFAULT_NEW_KEY_FETCHES_PER_MINUTE: usize = 10;

    /// A verifier that fetches keys through `client`.
    pub fn new(client: Client) -> Self {
        WebhookVerifier {
            client,
            cache: Arc::default(),
            max_age: Self::DEFAULT_MAX_AGE,
            max_skew: Self::DEFAULT_MAX_SKEW,
            key_ttl: Self::DEFAULT_KEY_TTL,
            max_keys: Self::DEFAULT_MAX_KEYS,
            unknown_ttl: Self::DEFAULT_UNKNOWN_KID_TTL,
            max_unknown: Self::DEFAULT_MAX_UNKNOWN_KIDS,
            new_per_minute: Self::DEFAULT_NEW_KEY_FETCHES_PER_MINUTE,
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

    /// Sets how long a fetched key is used before it is fetched again.
    pub fn key_ttl(mut self, d: Duration) -> Self {
        self.key_ttl = d;
        self
    }

    /// Sets how many keys are cached (the oldest is dropped first).
    pub fn max_cached_keys(mut self, n: usize) -> Self {
        self.max_keys = n;
        self
    }

    /// Sets how long, and how many, unknown kids are remembered.
    pub fn unknown_kids(mut self, ttl: Duration, max: usize) -> Self {
        self.unknown_ttl = ttl;
        self.max_unknown = max;
        self
    }

    /// Sets how many kids not in the cache may be fetched per minute. Refreshing a cached key
    /// does not count.
    pub fn new_key_fetches_per_minute(mut self, n: usize) -> Self {
        self.new_per_minute = n;
        self
    }

    /// How many keys are cached now.
    pub fn cached_key_count(&self) -> usize {
        self.lock().keys.len()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Cache> {
        self.cache.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Adds a key (a JWK as returned by `/webhook_verification_key/get`) to the cache, as if it
    /// had just been fetched.
    pub fn insert_key(&self, jwk: &Value) -> Result<(), VerifyError> {
        let kid =
            jwk.get("kid").and_then(Value::as_str).ok_or_else(|| VerifyError::Malformed("JWK has no kid".into()))?;
        if !kid_is_well_formed(kid) {
            return Err(VerifyError::InvalidKid);
        }
        let key = key_from_jwk(jwk).map_err(VerifyError::Malformed)?;
        let mut cache = self.lock();
        cache.unknown.remove(kid);
        bounded_insert(&mut cache.keys, self.max_keys, kid, (key, Instant::now()), |v| v.1);
        Ok(())
    }

    fn answer(kid: &str, outcome: Outcome) -> Result<Key, VerifyError> {
        match outcome {
            Outcome::Key(k) => Ok(k),
            Outcome::Unknown => Err(VerifyError::UnknownKey(kid.into())),
            Outcome::Unauthorized(status) => Err(VerifyError::KeyFetchUnauthorized { status }),
            Outcome::RateLimited => Err(VerifyError::KeyFetchRateLimited),
            Outcome::Failed(m) => Err(VerifyError::KeyFetch(Error::invalid(format!("shared key fetch failed: {m}")))),
        }
    }

    /// The key for `kid`: from the cache, or from one fetch that concurrent callers share.
    async fn key(&self, kid: &str) -> Result<Key, VerifyError> {
        let slot = {
            let mut cache = self.lock();
            let now = Instant::now();
            if let Some((k, at)) = cache.keys.get(kid) {
                if now.duration_since(*at) < self.key_ttl {
                    return Ok(k.clone());
                }
            }
            match cache.unknown.get(kid) {
                Some(at) if now.duration_since(*at) < self.unknown_ttl => {
                    return Err(VerifyError::UnknownKey(kid.into()));
                }
                Some(_) => {
                    cache.unknown.remove(kid);
                }
                None => {}
            }
            match cache.inflight.get(kid) {
                Some(slot) => slot.clone(),
                None => {
                    if !cache.keys.contains_key(kid) {
                        let window = Duration::from_secs(60);
                        while cache.new_fetches.front().is_some_and(|t| now.duration_since(*t) >= window) {
                            cache.new_fetches.pop_front();
                        }
                        if cache.new_fetches.len() >= self.new_per_minute {
                            return Err(VerifyError::TooManyNewKeys);
                        }
                        cache.new_fetches.push_back(now);
                    }
                    let slot = Slot::default();
                    cache.inflight.insert(kid.to_owned(), slot.clone());
                    slot
                }
            }
        };
        let mut guard = slot.lock().await;
        if let Some(outcome) = guard.clone() {
            return Self::answer(kid, outcome);
        }
        let result = self.fetch(kid).await;
        let outcome = match &result {
            Ok(k) => Outcome::Key(k.clone()),
            Err(VerifyError::UnknownKey(_)) => Outcome::Unknown,
            Err(VerifyError::KeyFetchUnauthorized { status }) => Outcome::Unauthorized(*status),
            Err(VerifyError::KeyFetchRateLimited) => Outcome::RateLimited,
            Err(e) => Outcome::Failed(e.to_string()),
        };
        *guard = Some(outcome.clone());
        let mut cache = self.lock();
        cache.inflight.remove(kid);
        let now = Instant::now();
        match outcome {
            Outcome::Key(k) => bounded_insert(&mut cache.keys, self.max_keys, kid, (k, now), |v| v.1),
            Outcome::Unknown => {
                cache.keys.remove(kid);
                bounded_insert(&mut cache.unknown, self.max_unknown, kid, now, |v| *v);
            }
            _ => {}
        }
        result
    }

    /// One `/webhook_verification_key/get` call: never retried (not even on a 429, which is
    /// [`VerifyError::KeyFetchRateLimited`]), its body capped.
    async fn fetch(&self, kid: &str) -> Result<Key, VerifyError> {
        let body = serde_json::json!({ "key_id": kid });
        let client = self.client.with_options(CallOptions::new().retry_throttled(false));
        let resp: Value = match client.execute_limited(KEY_OP, Some(&body), Retry::Never, MAX_KEY_RESPONSE_BYTES).await
        {
            Ok(v) => v,
            Err(Error::Api(e)) if matches!(e.status, 401 | 403) => {
                return Err(VerifyError::KeyFetchUnauthorized { status: e.status })
            }
            Err(Error::Api(e)) if e.status == 429 => return Err(VerifyError::KeyFetchRateLimited),
            Err(Error::Api(e)) if matches!(e.status, 400 | 404) => return Err(VerifyError::UnknownKey(kid.into())),
            Err(e) => return Err(VerifyError::KeyFetch(e)),
        };
        let jwk = resp.get("key").ok_or_else(|| VerifyError::Malformed("key response has no `key`".into()))?;
        if jwk.get("kid").and_then(Value::as_str) != Some(kid) {
            return Err(VerifyError::UnknownKey(kid.into()));
        }
        key_from_jwk(jwk).map_err(VerifyError::Malformed)
    }

    /// Verifies a webhook given its headers (an `http::HeaderMap`, as axum and hyper give them)
    /// and raw body, then parses it.
    #[inline]
    pub async fn verify_headers(
        &self,
        headers: &reqwest::header::HeaderMap,
        body: &[u8],
    ) -> Result<Webhook, VerifyError> {
        Ok(self.verify_headers_with_claims(headers, body).await?.webhook)
    }

    /// [`WebhookVerifier::verify_headers`], also returning the verified claims (for replay
    /// protection).
    #[inline]
    pub async fn verify_headers_with_claims(
        &self,
        headers: &reqwest::header::HeaderMap,
        body: &[u8],
    ) -> Result<VerifiedWebhook, VerifyError> {
        let jwt = match headers.get(HEADER) {
            Some(v) => Some(v.to_str().map_err(|_| VerifyError::Malformed("header is not ASCII".into()))?),
            None => None,
        };
        self.verify_with_claims(jwt, body).await
    }

    /// Verifies a webhook given the `Plaid-Verification` value and the raw body bytes exactly as
    /// received (never re-serialized JSON), then parses it.
    #[inline]
    pub async fn verify(&self, jwt: Option<&str>, body: &[u8]) -> Result<Webhook, VerifyError> {
        Ok(self.verify_with_claims(jwt, body).await?.webhook)
    }

    /// [`WebhookVerifier::verify`], also returning the verified claims: keep
    /// [`VerifiedWebhook::replay_key`] until [`VerifiedWebhook::accept_until`] and drop a
    /// webhook whose key you have seen (see [`VerifiedWebhook::replay_key`] for the rule).
    // `#[inline]`, like the operations: compiled where it is called.
    #[inline]
    pub async fn verify_with_claims(&self, jwt: Option<&str>, body: &[u8]) -> Result<VerifiedWebhook, VerifyError> {
        self.check(jwt, body, now_secs()).await
    }

    /// Verifies a **stored** webhook as of `received_at`, the time your ingress received it
    /// (taken from your clock when the request arrived, and stored with the raw body and the
    /// `Plaid-Verification` value). Every check of [`WebhookVerifier::verify_with_claims`] is
    /// made, and `iat` is checked against `received_at` instead of now: a webhook Plaid signed
    /// at most `max_age` before it reached you verifies however long it then waited in your
    /// inbox. The signing key is fetched (or taken from the cache) now, so a key Plaid has
    /// retired since is refused ([`VerifyError::ExpiredKey`]).
    ///
    /// `received_at` later than now by more than the allowed skew is
    /// [`VerifyError::ReceivedInFuture`]. Only pass a time your own ingress recorded: it is what
    /// stops a replay, so it must not come from the request.
    #[inline]
    pub async fn verify_at(
        &self,
        jwt: Option<&str>,
        body: &[u8],
        received_at: SystemTime,
    ) -> Result<VerifiedWebhook, VerifyError> {
        let at = match received_at.duration_since(UNIX_EPOCH) {
            Ok(d) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
            Err(e) => -i64::try_from(e.duration().as_secs()).unwrap_or(i64::MAX),
        };
        let now = now_secs();
        if at > now && Duration::from_secs(at.saturating_sub(now) as u64) > self.max_skew {
            return Err(VerifyError::ReceivedInFuture {
                ahead: Duration::from_secs(at.saturating_sub(now) as u64),
                max: self.max_skew,
            });
        }
        self.check(jwt, body, at).await
    }

    /// [`WebhookVerifier::verify_at`] with the headers as stored (an `http::HeaderMap`).
    #[inline]
    pub async fn verify_headers_at(
        &self,
        headers: &reqwest::header::HeaderMap,
        body: &[u8],
        received_at: SystemTime,
    ) -> Result<VerifiedWebhook, VerifyError> {
        let jwt = match headers.get(HEADER) {
            Some(v) => Some(v.to_str().map_err(|_| VerifyError::Malformed("header is not ASCII".into()))?),
            None => None,
        };
        self.verify_at(jwt, body, received_at).await
    }

    /// Every check, with `iat` judged against `now` (Unix seconds).
    async fn check(&self, jwt: Option<&str>, body: &[u8], now: i64) -> Result<VerifiedWebhook, VerifyError> {
        let jwt = jwt.map(str::trim).filter(|j| !j.is_empty()).ok_or(VerifyError::MissingHeader)?;
        if jwt.len() > MAX_JWT_BYTES {
            return Err(VerifyError::Malformed(format!("longer than {MAX_JWT_BYTES} bytes")));
        }
        let parts: Vec<&str> = jwt.split('.').collect();
        let [h64, c64, s64] = parts[..] else {
            return Err(VerifyError::Malformed(format!("expected 3 parts, found {}", parts.len())));
        };
        let header: Value = serde_json::from_slice(&b64(h64, "header")?)
            .map_err(|e| VerifyError::Malformed(format!("header JSON: {e}")))?;
        let alg = header.get("alg").and_then(Value::as_str).unwrap_or("");
        if alg != "ES256" {
            let shown = if alg.len() <= 16 && alg.bytes().all(|b| b.is_ascii_alphanumeric()) { alg } else { "<other>" };
            return Err(VerifyError::UnsupportedAlgorithm(shown.to_string()));
        }
        let kid = header
            .get("kid")
            .and_then(Value::as_str)
            .ok_or_else(|| VerifyError::Malformed("header has no kid".into()))?;
        if !kid_is_well_formed(kid) {
            return Err(VerifyError::InvalidKid);
        }
        let sig_bytes = b64(s64, "signature")?;
        if sig_bytes.len() != 64 {
            return Err(VerifyError::Malformed("signature is not 64 bytes r||s".into()));
        }
        let key = self.key(kid).await?;
        if key.expired {
            return Err(VerifyError::ExpiredKey(kid.into()));
        }
        let signing_input = &jwt[..h64.len() + 1 + c64.len()];
        key.key.verify(signing_input.as_bytes(), &sig_bytes).map_err(|_| VerifyError::BadSignature)?;
        let claims: Value = serde_json::from_slice(&b64(c64, "claims")?)
            .map_err(|e| VerifyError::Malformed(format!("claims JSON: {e}")))?;
        let iat = claims
            .get("iat")
            .and_then(Value::as_i64)
            .ok_or_else(|| VerifyError::Malformed("claims have no iat".into()))?;
        if now > iat && Duration::from_secs(now.abs_diff(iat)) > self.max_age {
            return Err(VerifyError::Stale { age: Duration::from_secs(now.abs_diff(iat)), max: self.max_age });
        }
        if iat > now && Duration::from_secs(iat.abs_diff(now)) > self.max_skew {
            return Err(VerifyError::FromFuture { ahead: Duration::from_secs(iat.abs_diff(now)), max: self.max_skew });
        }
        let claimed = claims
            .get("request_body_sha256")
            .and_then(Value::as_str)
            .ok_or_else(|| VerifyError::Malformed("claims have no request_body_sha256".into()))?;
        let actual: String =
            ring::digest::digest(&ring::digest::SHA256, body).as_ref().iter().map(|b| format!("{b:02x}")).collect();
        let claimed = claimed.to_ascii_lowercase();
        if claimed.len() != actual.len() || !bool::from(claimed.as_bytes().ct_eq(actual.as_bytes())) {
            return Err(VerifyError::BodyMismatch);
        }
        let webhook = Webhook::parse(body).map_err(VerifyError::Parse)?;
        let max_age = i64::try_from(self.max_age.as_secs()).unwrap_or(i64::MAX);
        Ok(VerifiedWebhook {
            webhook,
            issued_at: iat,
            body_sha256: actual,
            kid: kid.to_string(),
            checked_at: now,
            accept_until: iat.saturating_add(max_age),
        })
    }
}

/// A verified webhook and the claims that vouched for it.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct VerifiedWebhook {
    /// The parsed event.
    pub webhook: Webhook,
    /// `iat`: when Plaid signed it (Unix seconds).
    pub issued_at: i64,
    /// SHA-256 of the body, lower-case hex (checked against the signed claim).
    pub body_sha256: String,
    /// The signing key's id.
    pub kid: String,
    /// The time `iat` was checked against (Unix seconds): now for a live delivery, the receipt
    /// time for [`WebhookVerifier::verify_at`].
    pub checked_at: i64,
    /// `iat + max_age` (Unix seconds): the last receipt time at which this webhook, or a copy
    /// of it, is accepted. A copy received later is [`VerifyError::Stale`].
    pub accept_until: i64,
}

impl VerifiedWebhook {
    /// `(iat, body hash)`: the same webhook sent again has the same key.
    ///
    /// **The replay window.** A copy of this webhook is accepted only if it was received by
    /// [`VerifiedWebhook::accept_until`] (`iat` + the verifier's `max_age`, 5 minutes by
    /// default), whether it is verified on receipt or later with
    /// [`WebhookVerifier::verify_at`]. So keep each key you accept until `accept_until` **plus
    /// the longest time a delivery can wait before you process it** (zero when you verify and
    /// process on receipt; your inbox's retention when a worker processes stored deliveries),
    /// and refuse one you have seen. [`VerifiedWebhook::keep_replay_key_until`] computes it.
    /// Widening `max_age` widens the window; processing later does not need it widened.
    pub fn replay_key(&self) -> (i64, &str) {
        (self.issued_at, &self.body_sha256)
    }

    /// Until when (Unix seconds) to keep [`VerifiedWebhook::replay_key`]: `accept_until +
    /// max_processing_delay`, where `max_processing_delay` is the longest a delivery may wait
    /// between receipt and processing (`Duration::ZERO` when you process on receipt).
    pub fn keep_replay_key_until(&self, max_processing_delay: Duration) -> i64 {
        self.accept_until.saturating_add(i64::try_from(max_processing_delay.as_secs()).unwrap_or(i64::MAX))
    }
}

#[cfg(test)]
mod tests {
    use super::{Error, VerifyError, VerifyErrorKind};
    use std::time::Duration;

    fn kind(e: VerifyError) -> VerifyErrorKind {
        e.kind()
    }

    #[test]
    fn each_verify_error_is_transient_or_permanent() {
        use VerifyErrorKind::{Permanent, Transient};
        let d = Duration::from_secs(1);
        // The key could not be had now: keep the delivery, verify it again later.
        assert_eq!(kind(VerifyError::TooManyNewKeys), Transient);
        assert_eq!(kind(VerifyError::KeyFetchUnauthorized { status: 401 }), Transient);
        assert_eq!(kind(VerifyError::KeyFetchRateLimited), Transient);
        assert_eq!(kind(VerifyError::KeyFetch(Error::invalid("connection reset"))), Transient);
        assert!(VerifyError::KeyFetchRateLimited.is_transient());
        // The webhook itself is refused.
        assert_eq!(kind(VerifyError::MissingHeader), Permanent);
        assert_eq!(kind(VerifyError::Malformed("x".into())), Permanent);
        assert_eq!(kind(VerifyError::UnsupportedAlgorithm("HS256".into())), Permanent);
        assert_eq!(kind(VerifyError::InvalidKid), Permanent);
        assert_eq!(kind(VerifyError::UnknownKey("k".into())), Permanent);
        assert_eq!(kind(VerifyError::ExpiredKey("k".into())), Permanent);
        assert_eq!(kind(VerifyError::BadSignature), Permanent);
        assert_eq!(kind(VerifyError::Stale { age: d, max: d }), Permanent);
        assert_eq!(kind(VerifyError::FromFuture { ahead: d, max: d }), Permanent);
        assert_eq!(kind(VerifyError::BodyMismatch), Permanent);
        assert_eq!(kind(VerifyError::Parse(Error::invalid("x"))), Permanent);
        assert_eq!(kind(VerifyError::ReceivedInFuture { ahead: d, max: d }), Permanent);
        assert!(!VerifyError::BadSignature.is_transient());
    }
}
