// Runtime of the generated crate, copied verbatim from generator/runtime/.

//! Webhooks processed exactly once: verify (on receipt or later, as of the receipt time),
//! refuse a delivery already applied, fetch the session the webhook names, and record the
//! webhook only **after** your effect.
//!
//! [`ExactlyOnce::receive`] does the first three steps and hands back a [`Pending`] holding the
//! verified event and the current session. Apply your change (store the status, …) and then
//! call [`Pending::done`], inside your own transaction if you have one. Nothing is recorded
//! when any step fails or when the `Pending` is dropped, so Plaid's next delivery of the same
//! webhook is applied; a second delivery that arrives while the first is being processed is
//! [`Received::InFlight`], and one after it is [`Received::Duplicate`]: one effect per webhook.
//!
//! Where the keys live is a [`ReplayGuard`]: [`InMemoryReplayGuard`] for one process, or your
//! own over your database.
//!
//! The key is `(iat, SHA-256 of the body)`: it stops a byte-identical copy (a replay, or a
//! delivery sent again with the same signature). A delivery Plaid signs anew has another `iat`,
//! so it is another key and is applied again; since what you apply is the session fetched just
//! now, applying it twice leaves the same state. Keep your effect "set to this state", not
//! "increment".

use crate::runtime::verify::{VerifiedWebhook, VerifyError, WebhookVerifier, HEADER};
use crate::runtime::{Client, Error};
use crate::types::{IdentityVerificationGetRequest, IdentityVerificationResponse};
use crate::webhooks::Webhook;
use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// A webhook's replay key: `(iat, SHA-256 of the body)` ([`VerifiedWebhook::replay_key`]).
/// Neither part is personal data.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct ReplayKey {
    /// `iat` (Unix seconds).
    pub issued_at: i64,
    /// SHA-256 of the body, lower-case hex.
    pub body_sha256: String,
}

impl ReplayKey {
    /// A key from its parts (as your store holds them).
    pub fn new(issued_at: i64, body_sha256: impl Into<String>) -> Self {
        ReplayKey { issued_at, body_sha256: body_sha256.into() }
    }

    /// The key of a verified webhook.
    pub fn of(webhook: &VerifiedWebhook) -> Self {
        let (issued_at, hash) = webhook.replay_key();
        ReplayKey { issued_at, body_sha256: hash.to_string() }
    }
}

/// What [`ReplayGuard::check`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Seen {
    /// Neither recorded nor in flight: the caller now holds the claim, and must
    /// [`ReplayGuard::record`] the key after its effect or [`ReplayGuard::release`] it.
    New,
    /// Recorded: the webhook was applied already. Ignore it.
    Done,
    /// Another delivery holds the claim right now. Ignore this one (answer Plaid with a status
    /// that makes it send again, such as 409): if the other fails, the next one is applied.
    InFlight,
}

/// Where replay keys are kept: check, then record **after** the effect.
///
/// The protocol: [`ReplayGuard::check`] claims a key that is neither recorded nor claimed
/// ([`Seen::New`]); the caller applies its effect and then calls [`ReplayGuard::record`], or
/// [`ReplayGuard::release`] if anything failed. A key must be kept at least until the
/// `keep_until` it is recorded with (see [`VerifiedWebhook::replay_key`] for why).
///
/// **Inside your transaction.** Over a database, `check` can be an `INSERT … ON CONFLICT DO
/// NOTHING` of the key in the transaction that applies the effect (a concurrent delivery's
/// insert then waits for it, and sees the row once it commits), `record` sets `keep_until`, and
/// `release` does nothing: rolling the transaction back removes the claim. Build such a guard
/// per transaction and pass it to [`ExactlyOnce::receive`].
pub trait ReplayGuard: Send + Sync {
    /// Why the store failed (treated as transient: nothing was recorded).
    type Error: std::error::Error + Send + Sync + 'static;

    /// Looks `key` up and, if it is new, claims it.
    fn check(&self, key: &ReplayKey, keep_until: SystemTime) -> impl Future<Output = Result<Seen, Self::Error>> + Send;

    /// Records `key` as applied, to be kept until `keep_until`. Called after the effect.
    fn record(&self, key: &ReplayKey, keep_until: SystemTime) -> impl Future<Output = Result<(), Self::Error>> + Send;

    /// Gives up a claim without recording (the fetch or the effect failed). The default does
    /// nothing, for stores whose claim ends with the caller's transaction.
    fn release(&self, key: &ReplayKey) {
        let _ = key;
    }
}

/// [`InMemoryReplayGuard`]'s only error: it holds its maximum of keys that have not expired.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("replay guard is full ({max} keys not yet expired); try the webhook again later")]
pub struct GuardFull {
    /// The bound.
    pub max: usize,
}

#[derive(Default)]
struct Keys {
    done: HashMap<ReplayKey, SystemTime>,
    inflight: HashSet<ReplayKey>,
}

/// A [`ReplayGuard`] in this process's memory: each key is kept until its `keep_until` (its
/// TTL) and at most `max_keys` keys, recorded or claimed, are held. When it is full of keys
/// that have not expired, [`ReplayGuard::check`] fails with [`GuardFull`] (transient: Plaid
/// sends the webhook again) rather than forgetting a key early, which would let a replay in.
/// Only for one process: several instances behind a load balancer need a shared store.
#[derive(Debug)]
pub struct InMemoryReplayGuard {
    keys: Mutex<Keys>,
    max_keys: usize,
}

impl std::fmt::Debug for Keys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keys").field("done", &self.done.len()).field("inflight", &self.inflight.len()).finish()
    }
}

impl Default for InMemoryReplayGuard {
    fn default() -> Self {
        Self::new(Self::DEFAULT_MAX_KEYS)
    }
}

impl InMemoryReplayGuard {
    /// Default bound: 100,000 keys (about 10 MB).
    pub const DEFAULT_MAX_KEYS: usize = 100_000;

    /// A guard holding at most `max_keys` keys.
    pub fn new(max_keys: usize) -> Self {
        InMemoryReplayGuard { keys: Mutex::default(), max_keys }
    }

    /// Keys held now (recorded or claimed, expired ones not yet dropped included).
    pub fn len(&self) -> usize {
        let k = self.lock();
        k.done.len() + k.inflight.len()
    }

    /// Whether no key is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Keys> {
        self.keys.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn check_now(&self, key: &ReplayKey, now: SystemTime) -> Result<Seen, GuardFull> {
        let mut k = self.lock();
        match k.done.get(key) {
            Some(until) if *until > now => return Ok(Seen::Done),
            Some(_) => {
                k.done.remove(key);
            }
            None => {}
        }
        if k.inflight.contains(key) {
            return Ok(Seen::InFlight);
        }
        if k.done.len() + k.inflight.len() >= self.max_keys {
            k.done.retain(|_, until| *until > now);
            if k.done.len() + k.inflight.len() >= self.max_keys {
                return Err(GuardFull { max: self.max_keys });
            }
        }
        k.inflight.insert(key.clone());
        Ok(Seen::New)
    }
}

impl ReplayGuard for InMemoryReplayGuard {
    type Error = GuardFull;

    fn check(&self, key: &ReplayKey, _keep_until: SystemTime) -> impl Future<Output = Result<Seen, GuardFull>> + Send {
        std::future::ready(self.check_now(key, SystemTime::now()))
    }

    fn record(&self, key: &ReplayKey, keep_until: SystemTime) -> impl Future<Output = Result<(), GuardFull>> + Send {
        let mut k = self.lock();
        k.inflight.remove(key);
        k.done.insert(key.clone(), keep_until);
        std::future::ready(Ok(()))
    }

    fn release(&self, key: &ReplayKey) {
        self.lock().inflight.remove(key);
    }
}

/// One delivery of a webhook: the `Plaid-Verification` value, the raw body bytes and, for a
/// stored delivery, when your ingress received it.
#[derive(Debug, Clone, Copy)]
pub struct Delivery<'a> {
    jwt: Option<&'a str>,
    body: &'a [u8],
    received_at: Option<SystemTime>,
}

impl<'a> Delivery<'a> {
    /// A delivery processed as it arrives: checked against now.
    pub fn live(jwt: Option<&'a str>, body: &'a [u8]) -> Self {
        Delivery { jwt, body, received_at: None }
    }

    /// [`Delivery::live`] from the request's headers (axum's and hyper's `HeaderMap`).
    pub fn live_headers(headers: &'a reqwest::header::HeaderMap, body: &'a [u8]) -> Self {
        Delivery::live(headers.get(HEADER).and_then(|v| v.to_str().ok()), body)
    }

    /// A delivery your ingress stored and a worker processes later: checked as of
    /// `received_at`, the time the ingress received it ([`WebhookVerifier::verify_at`]).
    pub fn stored(jwt: Option<&'a str>, body: &'a [u8], received_at: SystemTime) -> Self {
        Delivery { jwt, body, received_at: Some(received_at) }
    }
}

/// Why [`ExactlyOnce::receive`] did not hand a webhook over. Nothing was recorded. Its
/// `Display` shows no body and no value from one.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReceiveError<E> {
    /// Verification failed; [`VerifyError::is_transient`] says whether to try again.
    #[error("webhook not verified: {0}")]
    Verify(#[source] VerifyError),
    /// The replay guard failed (transient).
    #[error("replay guard failed: {0}")]
    Guard(#[source] E),
    /// `/identity_verification/get` for the session the webhook names failed: answer Plaid with
    /// a 5xx, and its next delivery is applied.
    #[error("cannot fetch the session the webhook names: {0}")]
    Fetch(#[source] Error),
}

impl<E> ReceiveError<E> {
    /// Whether the same delivery may succeed later (keep it, or answer Plaid with a 5xx):
    /// every guard or fetch failure, and the transient verification failures.
    pub fn is_transient(&self) -> bool {
        match self {
            ReceiveError::Verify(e) => e.is_transient(),
            ReceiveError::Guard(_) | ReceiveError::Fetch(_) => true,
        }
    }

    /// The status to answer Plaid's POST with: 400 for a webhook refused for good, 503 for one
    /// to send again.
    pub fn http_status(&self) -> u16 {
        if self.is_transient() {
            503
        } else {
            400
        }
    }
}

/// What [`ExactlyOnce::receive`] made of a delivery.
#[derive(Debug)]
pub enum Received<'g, G: ReplayGuard> {
    /// First delivery: apply [`Pending::session`], then call [`Pending::done`].
    New(Pending<'g, G>),
    /// Already applied (a redelivery or a replay): do nothing, answer 200.
    Duplicate(VerifiedWebhook),
    /// Another delivery of this webhook is being processed now: do nothing, and answer a
    /// status that makes Plaid send it again (409), in case that one fails.
    InFlight(VerifiedWebhook),
}

/// A new webhook, claimed in the guard: apply it, then [`Pending::done`]. Dropping it records
/// nothing and releases the claim, so the next delivery is applied.
pub struct Pending<'g, G: ReplayGuard> {
    webhook: VerifiedWebhook,
    session: Option<Box<IdentityVerificationResponse>>,
    key: ReplayKey,
    keep_until: SystemTime,
    guard: &'g G,
    settled: bool,
}

impl<G: ReplayGuard> std::fmt::Debug for Pending<'_, G> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pending")
            .field("webhook", &self.webhook)
            .field("session", &self.session)
            .field("key", &self.key)
            .finish_non_exhaustive()
    }
}

impl<G: ReplayGuard> Pending<'_, G> {
    /// The verified webhook and its claims.
    pub fn verified(&self) -> &VerifiedWebhook {
        &self.webhook
    }

    /// The event.
    pub fn event(&self) -> &Webhook {
        &self.webhook.webhook
    }

    /// The session the webhook names, as `/identity_verification/get` returned it just now:
    /// act on this, not on the webhook (webhooks arrive late and out of order). `None` for a
    /// webhook that names no session (one of another product, `Webhook::Unknown`).
    pub fn session(&self) -> Option<&IdentityVerificationResponse> {
        self.session.as_deref()
    }

    /// The replay key claimed.
    pub fn key(&self) -> &ReplayKey {
        &self.key
    }

    /// Records the webhook as applied: call it after your effect (in your transaction, before
    /// it commits, where you have one). On error nothing is recorded and the claim is released.
    pub async fn done(mut self) -> Result<(), G::Error> {
        self.settled = true;
        let result = self.guard.record(&self.key, self.keep_until).await;
        if result.is_err() {
            self.guard.release(&self.key);
        }
        result
    }
}

impl<G: ReplayGuard> Drop for Pending<'_, G> {
    fn drop(&mut self) {
        if !self.settled {
            self.guard.release(&self.key);
        }
    }
}

/// Verifies, dedupes and fetches webhooks for exactly-once processing (see the module docs).
/// Cheap to clone.
#[derive(Debug, Clone)]
pub struct ExactlyOnce {
    client: Client,
    verifier: WebhookVerifier,
    max_processing_delay: Duration,
}

impl ExactlyOnce {
    /// Default longest time a stored delivery waits before it is processed: 7 days.
    pub const DEFAULT_MAX_PROCESSING_DELAY: Duration = Duration::from_secs(7 * 24 * 60 * 60);

    /// Fetches sessions through `client`, verifies with `verifier`.
    pub fn new(client: Client, verifier: WebhookVerifier) -> Self {
        ExactlyOnce { client, verifier, max_processing_delay: Self::DEFAULT_MAX_PROCESSING_DELAY }
    }

    /// Sets the longest time a [`Delivery::stored`] waits in your inbox before it is
    /// processed (default [`Self::DEFAULT_MAX_PROCESSING_DELAY`]). Keys of stored deliveries are
    /// kept until `accept_until` plus this ([`VerifiedWebhook::keep_replay_key_until`]); keys of
    /// live ones until `accept_until`.
    pub fn max_processing_delay(mut self, d: Duration) -> Self {
        self.max_processing_delay = d;
        self
    }

    /// Verifies `delivery`, checks it against `guard`, and fetches the session it names. On
    /// [`Received::New`], apply the session and call [`Pending::done`]. A failure at any step
    /// records nothing.
    pub async fn receive<'g, G: ReplayGuard>(
        &self,
        guard: &'g G,
        delivery: Delivery<'_>,
    ) -> Result<Received<'g, G>, ReceiveError<G::Error>> {
        let (verified, delay) = match delivery.received_at {
            None => (self.verifier.verify_with_claims(delivery.jwt, delivery.body).await, Duration::ZERO),
            Some(at) => (self.verifier.verify_at(delivery.jwt, delivery.body, at).await, self.max_processing_delay),
        };
        let verified = verified.map_err(ReceiveError::Verify)?;
        let until = verified.keep_replay_key_until(delay);
        let keep_until = UNIX_EPOCH + Duration::from_secs(u64::try_from(until).unwrap_or(0));
        let key = ReplayKey::of(&verified);
        match guard.check(&key, keep_until).await.map_err(ReceiveError::Guard)? {
            Seen::Done => return Ok(Received::Duplicate(verified)),
            Seen::InFlight => return Ok(Received::InFlight(verified)),
            Seen::New => {}
        }
        // From here the claim is released on every exit but `done`.
        let mut pending = Pending { webhook: verified, session: None, key, keep_until, guard, settled: false };
        if let Some(id) = pending.webhook.webhook.identity_verification_id() {
            let request = IdentityVerificationGetRequest::new(id.clone());
            pending.session =
                Some(Box::new(self.client.identity_verification_get(&request).await.map_err(ReceiveError::Fetch)?));
        }
        Ok(Received::New(pending))
    }
}
