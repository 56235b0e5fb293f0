// The root of the generated test kit crate (`plaid-idv-testkit`), copied from
// generator/runtime/fake/. The `//!` text below is also the "Test your flow" section of the main
// crate's README (with its examples marked `ignore` there).

//! `FakePlaid`: an in-process, stateful fake of Plaid Identity Verification for your own tests.
//! It lives in `plaid-idv-testkit` (library `plaid_idv_testkit`), the test kit generated beside
//! `plaid_idv` from the same spec, in its `testkit/` directory. Add the kit to
//! `[dev-dependencies]` only: `plaid-idv-testkit = { path = "…/testkit" }`. It depends on
//! `plaid_idv` with no features of its own, and turns on no feature of any crate that
//! `plaid_idv` also uses, so `cargo build` then `cargo test` compiles `plaid_idv` (and your
//! crates that depend on it) once. The fake is a real HTTP server on `127.0.0.1` (an ephemeral
//! port), started with one call; point a `Client` at it and test create → Link token → the user
//! finishes → webhook → get → retry without Plaid's sandbox or any network.
//!
//! Documentation: `cargo doc --manifest-path …/testkit/Cargo.toml --no-deps --open`. In a
//! project that has the kit as a dev-dependency, `cargo doc -p plaid-idv-testkit` stops with an
//! internal cargo error (rust-lang/cargo#11105, open); the `--manifest-path` form works.
//!
//! - **Auth like Plaid**: `PLAID-CLIENT-ID`, `PLAID-SECRET` (or `client_id`/`secret` in the
//!   body) and `Plaid-Version`. A wrong client id or secret gets HTTP 400 with `error_type`
//!   `INVALID_INPUT` and `error_code` `INVALID_API_KEYS`; missing credentials get
//!   `INVALID_REQUEST`/`MISSING_FIELDS`. Stricter than Plaid: a missing or other
//!   `Plaid-Version`, or a body that is not `application/json`, gets
//!   `INVALID_REQUEST`/`INVALID_HEADERS`.
//! - **Endpoints**: `/identity_verification/create` keeps one session per (template,
//!   `client_user_id`): `is_idempotent: true` returns the newest one unmodified, otherwise a
//!   second create is 400 `INVALID_FIELD`. `get`; `list` newest first, in pages of
//!   `set_page_size` (default 25) with opaque cursors; `retry` opens a new session with
//!   `previous_attempt_id` and honours `reset`, `incomplete`, `infer` (as `incomplete`) and
//!   `custom` (with its `steps`). There are no templates to set up: any `template_id` is
//!   accepted, and the session's `template.id` is the one sent (its `version` is the spec
//!   example's). `/link/token/create` issues a token bound to the template and
//!   user (see `link_tokens`); `/dashboard_user/get` and `list`;
//!   `/webhook_verification_key/get` serves the fake's signing key. Responses are built from
//!   the spec's get example, so every field the spec defines is there, and are encoded by the
//!   typed models.
//! - **Rules enforced**, each answered as Plaid answers it (HTTP 400, `error_type`
//!   `INVALID_REQUEST`, `error_code` `MISSING_FIELDS` for a missing field, `INVALID_FIELD` for a
//!   wrong one):
//!   - every request fits its typed request model: the spec's required fields are present and
//!     every field has its type (`MISSING_FIELDS` / `INVALID_FIELD`);
//!   - `/identity_verification/list` names its user: `client_user_id` or `user_id` (Plaid's
//!     rule; without either, `MISSING_FIELDS`), and lists only that user's sessions;
//!   - `/identity_verification/create` names its user by `client_user_id` or `user_id` (a
//!     `user_id` the fake knows: `add_user` stands in for Plaid's `/user/create`, which it does
//!     not serve; with both, the `user_id` must have been created from that `client_user_id`,
//!     else `INVALID_FIELD`); a second create for the same template and user needs
//!     `is_idempotent: true` (`INVALID_FIELD`);
//!   - `/identity_verification/retry` needs an existing session of the template and user
//!     (`INVALID_FIELD`), and `steps` with the `custom` strategy (`MISSING_FIELDS`);
//!   - `/link/token/create` with the `identity_verification` product needs
//!     `identity_verification.template_id` (`MISSING_FIELDS`);
//!   - `get` needs a known id, `list`'s `cursor` one that it returned (`INVALID_FIELD`);
//!     `/webhook_verification_key/get` a known `key_id` (`INVALID_INPUT` /
//!     `INVALID_WEBHOOK_VERIFICATION_KEY_ID`).
//! - **Scripted progress**: `complete(id, status)`, `advance_step(id, step, outcome)` and
//!   `expire(id)` change a session and send the matching `STATUS_UPDATED` or `STEP_UPDATED`
//!   webhook (`retry` sends `RETRIED`), signed ES256 exactly as Plaid signs them, to the
//!   webhook URL of the newest Link token for the session's template and user, else to
//!   `set_webhook_url`'s. Each returns `Result<SentWebhook, FakeError>`: the signed webhook
//!   (body and `Plaid-Verification` value), also when there is no URL to send it to; an
//!   unknown id is `FakeError::UnknownSession`, and a change to what the session already is
//!   (the same status or step outcome) is `FakeError::Unchanged`, with nothing sent. It is
//!   signed now, or at the time given to `complete_signed_at`, `advance_step_signed_at` or
//!   `expire_signed_at` (for late webhooks).
//! - **Delivery is synchronous**: a step method returns only after its webhook's delivery is
//!   over: the POST was answered by your receiver (`status` is its HTTP status), failed
//!   (`error` says why) or timed out (after 10 s). So your handler has run, and its effects
//!   are visible, when `complete` returns; no waiting is needed. The exception is `RETRIED`,
//!   which the fake sends on its own task after answering `retry`, as Plaid does: wait for it
//!   with `wait_for_webhooks` (which counts from its call) or, race-free,
//!   `wait_for_webhooks_since(fake.webhook_count() taken before the request, 1, timeout)`.
//! - **Delivery control**: `set_delivery(WebhookDelivery::…)` decides how webhooks signed
//!   from then on are delivered, whatever URL they go to (the Link token's or
//!   `set_webhook_url`'s): `Normal` (one POST, the default), `Lost` (never POSTed),
//!   `Duplicated` (POSTed twice, identical) or `Held` (kept unsent until `deliver_held()`
//!   POSTs them, oldest first: a delayed webhook, or an out-of-order one when others are
//!   sent under `Normal` meanwhile). Each webhook is still signed, returned and recorded;
//!   its `delivery` and `posts` say what happened. `set_webhook_url(None)` only clears the
//!   fake's own URL: it does not stop webhooks to a Link token's URL.
//! - **Faults**: `fail_next(op, status, error)`, `rate_limit_next` (429 with `Retry-After`),
//!   `delay_next` (answer late, e.g. after the client's timeout) and `drop_next` (close the
//!   connection without an answer) apply to the next request of that operation.
//! - **Inspection**: `requests()` lists what the client sent (operation, headers without the
//!   secret, body without `secret`, and when each request arrived and was answered, so a test
//!   can see which requests overlapped); `webhooks()` what the fake sent; `session(id)`.
//!
//! **Limits** (so a runaway test cannot exhaust memory): 10,000 sessions and 10,000 Link
//! tokens (then create, retry and `/link/token/create` answer 400 `FAKE_SESSION_LIMIT` /
//! `FAKE_LINK_TOKEN_LIMIT`), the newest 1,000 requests and 1,000 webhooks kept, 1,000 held
//! webhooks (then one to hold is lost), 1,000 queued faults per operation, request bodies up to 1 MiB (then 413) read within 10 s, 64
//! connections at once, injected delays up to 2 minutes, webhook deliveries up to 10 s, and
//! webhooks only to loopback URLs. Change the first ones with `FakePlaid::builder()`.
//! Dropping the `FakePlaid` stops the server.
//!
//! ```rust
//! use plaid_idv::flow::{LinkOptions, StartedVerification};
//! use plaid_idv_testkit::FakePlaid;
//! use plaid_idv::types::{
//!     CountryCode, IdentityVerificationCreateRequest, IdentityVerificationCreateRequestRequired, UserIdentity,
//!     IdentityVerificationGetRequest, IdentityVerificationRetryRequest,
//!     IdentityVerificationRetryRequestRequired, IdentityVerificationStatus, Strategy,
//! };
//! use plaid_idv::webhooks::Webhook;
//! use plaid_idv::WebhookVerifier;
//!
//! // In your own tests this body goes in a `#[tokio::test] async fn`.
//! #[tokio::main(flavor = "current_thread")]
//! async fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     let fake = FakePlaid::start().await?;
//!     let client = fake.client(); // your code under test takes this `Client`
//!     let verifier = WebhookVerifier::new(client.clone()); // fetches the fake's key, like Plaid's
//!
//!     // Your flow: create the session and its Link token.
//!     let create = IdentityVerificationCreateRequest::new(IdentityVerificationCreateRequestRequired {
//!         template_id: "idvtmp_4FrXJvfQU3zGUR".into(),
//!         gave_consent: false,
//!         is_shareable: false,
//!         identity: UserIdentity::ClientUserId("customer-8841".into()),
//!     })
//!     .with_is_idempotent(true);
//!     let link = LinkOptions::new("My App", [CountryCode::Us]);
//!     let StartedVerification::Ready { verification, link } = client.start_verification(&create, &link).await? else {
//!         return Err("a new user's session is ready for Link".into());
//!     };
//!     let id = verification.id.clone();
//!     assert_eq!(verification.status, IdentityVerificationStatus::Active);
//!     assert!(link.link_token.starts_with("link-sandbox-"));
//!
//!     // The user finishes in Link: the fake signs a STATUS_UPDATED webhook. (With a webhook
//!     // URL on the Link token or `fake.set_webhook_url`, it is also POSTed there, and
//!     // answered, before `complete` returns.)
//!     let sent = fake.complete(&id, IdentityVerificationStatus::Success).await?;
//!     match verifier.verify(Some(&sent.verification), &sent.body).await? {
//!         Webhook::StatusUpdated(event) => assert_eq!(event.identity_verification_id, id),
//!         other => return Err(format!("unexpected webhook {other:?}").into()),
//!     }
//!
//!     // Your handler re-fetches the session: it has the new status.
//!     let got = client.identity_verification_get(&IdentityVerificationGetRequest::new(id.clone())).await?;
//!     assert_eq!(got.status, IdentityVerificationStatus::Success);
//!
//!     // A retry opens a new session that points at the old one.
//!     let retry = IdentityVerificationRetryRequest::new(IdentityVerificationRetryRequestRequired {
//!         client_user_id: "customer-8841".into(),
//!         template_id: "idvtmp_4FrXJvfQU3zGUR".into(),
//!         strategy: Strategy::Reset,
//!     });
//!     let retried = client.identity_verification_retry(&retry).await?;
//!     assert_eq!(retried.previous_attempt_id.as_ref(), Some(&id));
//!
//!     // What your code sent, secret excluded.
//!     let ops: Vec<_> = fake.requests().iter().filter_map(|r| r.op).map(|op| op.path()).collect();
//!     assert_eq!(
//!         ops,
//!         [
//!             "/identity_verification/create",
//!             "/link/token/create",
//!             "/webhook_verification_key/get",
//!             "/identity_verification/get",
//!             "/identity_verification/retry",
//!         ]
//!     );
//!     Ok(())
//! }
//! ```
//!
//! **Exactly-once webhooks, live and stored.** The crate README's handlers
//! (`inbox::ExactlyOnce`) against the fake: a live delivery is applied once and its
//! copy ignored; a delivery stored by an ingress and processed 6 minutes after Plaid signed it
//! verifies as of its receipt time.
//!
//! ```rust
//! use plaid_idv::inbox::{Delivery, ExactlyOnce, InMemoryReplayGuard, Received};
//! use plaid_idv_testkit::FakePlaid;
//! use plaid_idv::types::{
//!     IdentityVerificationCreateRequest, IdentityVerificationCreateRequestRequired, IdentityVerificationStatus,
//!     UserIdentity,
//! };
//! use plaid_idv::WebhookVerifier;
//! use std::time::{Duration, SystemTime};
//!
//! #[tokio::main(flavor = "current_thread")]
//! async fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     let fake = FakePlaid::start().await?;
//!     let client = fake.client();
//!     let inbox = ExactlyOnce::new(client.clone(), WebhookVerifier::new(client.clone()));
//!     let guard = InMemoryReplayGuard::default();
//!     let mut ids = Vec::new();
//!     for user in ["customer-8841", "customer-8842"] {
//!         let create = IdentityVerificationCreateRequest::new(IdentityVerificationCreateRequestRequired {
//!             template_id: "idvtmp_4FrXJvfQU3zGUR".into(),
//!             gave_consent: false,
//!             is_shareable: false,
//!             identity: UserIdentity::ClientUserId(user.into()),
//!         });
//!         ids.push(client.identity_verification_create(&create).await?.id);
//!     }
//!
//!     // Live: the first delivery is applied, its copy is a duplicate.
//!     let sent = fake.complete(&ids[0], IdentityVerificationStatus::Success).await?;
//!     let live = Delivery::live(Some(&sent.verification), &sent.body);
//!     match inbox.receive(&guard, live).await? {
//!         Received::New(pending) => {
//!             assert_eq!(pending.session().map(|s| &s.status), Some(&IdentityVerificationStatus::Success));
//!             pending.done().await?; // after your effect
//!         }
//!         other => return Err(format!("expected a new webhook, got {other:?}").into()),
//!     }
//!     assert!(matches!(inbox.receive(&guard, live).await?, Received::Duplicate(_)));
//!
//!     // Stored: signed 6 minutes ago, received by the ingress 1 s later, processed now.
//!     let signed_at = SystemTime::now() - Duration::from_secs(6 * 60);
//!     let sent = fake.complete_signed_at(&ids[1], IdentityVerificationStatus::Failed, signed_at).await?;
//!     let received_at = signed_at + Duration::from_secs(1);
//!     let stored = Delivery::stored(Some(&sent.verification), &sent.body, received_at);
//!     match inbox.receive(&guard, stored).await? {
//!         Received::New(pending) => pending.done().await?,
//!         other => return Err(format!("expected a new webhook, got {other:?}").into()),
//!     }
//!     // The same bytes verified as if received now are stale.
//!     assert!(inbox.receive(&guard, Delivery::live(Some(&sent.verification), &sent.body)).await.is_err());
//!     Ok(())
//! }
//! ```
//!
//! **Lost, duplicated and delayed webhooks.** Your endpoint (here an axum route that counts
//! what it receives) against each delivery mode. Delivery is synchronous, so the count is
//! final when the step returns.
//!
//! ```rust
//! use plaid_idv_testkit::{FakePlaid, Step, WebhookDelivery};
//! use plaid_idv::types::{
//!     IdentityVerificationCreateRequest, IdentityVerificationCreateRequestRequired, IdentityVerificationStatus,
//!     IdentityVerificationStepStatus, UserIdentity,
//! };
//! use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
//! use std::sync::Arc;
//!
//! #[tokio::main(flavor = "current_thread")]
//! async fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     let received = Arc::new(AtomicUsize::new(0));
//!     let counter = received.clone();
//!     let handler = move || {
//!         counter.fetch_add(1, SeqCst);
//!         async { "ok" }
//!     };
//!     let app = axum::Router::new().route("/plaid/webhook", axum::routing::post(handler));
//!     let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
//!     let url = format!("http://{}/plaid/webhook", listener.local_addr()?);
//!     tokio::spawn(async move { axum::serve(listener, app).await });
//!
//!     let fake = FakePlaid::start().await?;
//!     fake.set_webhook_url(Some(&url));
//!     let create = IdentityVerificationCreateRequest::new(IdentityVerificationCreateRequestRequired {
//!         template_id: "idvtmp_4FrXJvfQU3zGUR".into(),
//!         gave_consent: false,
//!         is_shareable: false,
//!         identity: UserIdentity::ClientUserId("customer-8841".into()),
//!     });
//!     let id = fake.client().identity_verification_create(&create).await?.id;
//!
//!     // Plaid delivers at least once: the same signed bytes twice.
//!     fake.set_delivery(WebhookDelivery::Duplicated);
//!     let sent = fake.advance_step(&id, Step::AcceptTos, IdentityVerificationStepStatus::Success).await?;
//!     assert_eq!((sent.posts, sent.status, received.load(SeqCst)), (2, Some(200), 2));
//!
//!     // A webhook that never arrives: your code must still converge (e.g. by polling `get`).
//!     fake.set_delivery(WebhookDelivery::Lost);
//!     let lost = fake.advance_step(&id, Step::VerifySms, IdentityVerificationStepStatus::Success).await?;
//!     assert_eq!((lost.posts, received.load(SeqCst)), (0, 2));
//!
//!     // A delayed webhook: held, then delivered when the test says so.
//!     fake.set_delivery(WebhookDelivery::Held);
//!     fake.complete(&id, IdentityVerificationStatus::Success).await?;
//!     assert_eq!((fake.held().len(), received.load(SeqCst)), (1, 2));
//!     let delivered = fake.deliver_held().await;
//!     assert_eq!((delivered[0].status, received.load(SeqCst)), (Some(200), 3));
//!     Ok(())
//! }
//! ```

#![forbid(unsafe_code)]
#![deny(missing_docs)]

// An error answer (`Err(Reply)`) is as ordinary here as a success, and as large.
mod delivery;
#[allow(clippy::result_large_err)]
mod server;
pub mod signer;
#[allow(clippy::result_large_err)]
mod state;
// The request types again, with `Deserialize` (derived), to check what clients send: the main
// crate decodes them only with its `deserialize-requests` feature, which the kit leaves off.
#[allow(dead_code, unused_imports)]
#[rustfmt::skip]
mod types;

use signer::TestSigner;

use plaid_idv::types::{
    IdentityVerification, IdentityVerificationId, IdentityVerificationStatus, IdentityVerificationStepStatus,
};
use plaid_idv::{Client, ClientBuilder, Environment, RetryPolicy};
use serde_json::Value;
use server::Shared;
use state::{Limits, State};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// An operation the fake serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Op {
    /// `/identity_verification/create`.
    IdentityVerificationCreate,
    /// `/identity_verification/get`.
    IdentityVerificationGet,
    /// `/identity_verification/list`.
    IdentityVerificationList,
    /// `/identity_verification/retry`.
    IdentityVerificationRetry,
    /// `/link/token/create`.
    LinkTokenCreate,
    /// `/dashboard_user/get`.
    DashboardUserGet,
    /// `/dashboard_user/list`.
    DashboardUserList,
    /// `/webhook_verification_key/get`.
    WebhookVerificationKeyGet,
}

impl Op {
    /// Every operation.
    pub const ALL: [Op; 8] = [
        Op::IdentityVerificationCreate,
        Op::IdentityVerificationGet,
        Op::IdentityVerificationList,
        Op::IdentityVerificationRetry,
        Op::LinkTokenCreate,
        Op::DashboardUserGet,
        Op::DashboardUserList,
        Op::WebhookVerificationKeyGet,
    ];

    /// The path it is served at: the operation's descriptor, generated from the spec.
    pub fn path(self) -> &'static str {
        match self {
            Op::IdentityVerificationCreate => plaid_idv::__private::operations::IDENTITY_VERIFICATION_CREATE,
            Op::IdentityVerificationGet => plaid_idv::__private::operations::IDENTITY_VERIFICATION_GET,
            Op::IdentityVerificationList => plaid_idv::__private::operations::IDENTITY_VERIFICATION_LIST,
            Op::IdentityVerificationRetry => plaid_idv::__private::operations::IDENTITY_VERIFICATION_RETRY,
            Op::LinkTokenCreate => plaid_idv::__private::operations::LINK_TOKEN_CREATE,
            Op::DashboardUserGet => plaid_idv::__private::operations::DASHBOARD_USER_GET,
            Op::DashboardUserList => plaid_idv::__private::operations::DASHBOARD_USER_LIST,
            Op::WebhookVerificationKeyGet => plaid_idv::__private::operations::WEBHOOK_VERIFICATION_KEY_GET,
        }
    }

    /// The operation served at `path`, if any.
    pub fn from_path(path: &str) -> Option<Op> {
        Op::ALL.into_iter().find(|op| op.path() == path)
    }
}

/// A step of a session, as in `IdentityVerificationStepSummary`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Step {
    /// `accept_tos`.
    AcceptTos,
    /// `verify_sms`.
    VerifySms,
    /// `kyc_check`.
    KycCheck,
    /// `documentary_verification`.
    DocumentaryVerification,
    /// `selfie_check`.
    SelfieCheck,
    /// `watchlist_screening`.
    WatchlistScreening,
    /// `risk_check`.
    RiskCheck,
}

impl Step {
    /// The step's key in `steps`.
    pub fn as_str(self) -> &'static str {
        match self {
            Step::AcceptTos => "accept_tos",
            Step::VerifySms => "verify_sms",
            Step::KycCheck => "kyc_check",
            Step::DocumentaryVerification => "documentary_verification",
            Step::SelfieCheck => "selfie_check",
            Step::WatchlistScreening => "watchlist_screening",
            Step::RiskCheck => "risk_check",
        }
    }
}

/// A fault for the next request of an operation ([`FakePlaid::inject`]).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Fault {
    /// Answer with this status and JSON body instead.
    Error {
        /// HTTP status.
        status: u16,
        /// The body, usually a Plaid error object.
        body: Value,
    },
    /// Answer 429 (`error_type` `RATE_LIMIT_EXCEEDED`, `error_code` `RATE_LIMIT`) with
    /// `Retry-After` (whole seconds, rounded up).
    RateLimited {
        /// The `Retry-After` value.
        retry_after: Duration,
    },
    /// Wait this long (at most 2 minutes), then answer normally.
    Delay(Duration),
    /// Close the connection without answering, after reading the request.
    DropConnection,
}

/// How the fake delivers the webhooks it signs from now on ([`FakePlaid::set_delivery`]), to
/// whichever URL each goes to (the Link token's or [`FakePlaid::set_webhook_url`]'s). Every
/// webhook is signed, recorded in [`FakePlaid::webhooks`] and returned by the step that made it
/// whatever the mode; the mode only decides what is POSTed, and when.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum WebhookDelivery {
    /// POST each webhook once (the default).
    #[default]
    Normal,
    /// Never POST: the webhook is lost on its way, as if Plaid's delivery failed for good.
    /// Its `error` says so.
    Lost,
    /// POST each webhook twice, the same bytes and `Plaid-Verification` both times (the second
    /// after the first was answered), as Plaid's at-least-once delivery may.
    Duplicated,
    /// Keep each webhook, unsent, until [`FakePlaid::deliver_held`] POSTs it: a delayed
    /// webhook, or, with webhooks sent under `Normal` meanwhile, one that arrives out of order.
    /// At most 1,000 are held; beyond that a webhook is lost (its `error` says so).
    Held,
}

/// A request the fake received ([`FakePlaid::requests`]). Its `Debug` shows the body's shape
/// (keys, booleans, `null`s, array lengths) with every string and number `<redacted>`: request
/// bodies carry personal data. Read `body` itself to assert on values.
#[derive(Clone, PartialEq)]
#[non_exhaustive]
pub struct RecordedRequest {
    /// The operation, or `None` for a path (or method) the fake does not serve.
    pub op: Option<Op>,
    /// HTTP method.
    pub method: String,
    /// Path.
    pub path: String,
    /// Headers (lower-case names) as received, **without** the secret header.
    pub headers: Vec<(String, String)>,
    /// The JSON body without a `secret` member; a string if it was not JSON, `null` if empty.
    pub body: Value,
    /// The client's address: requests from one address came over one (kept-alive) connection.
    pub peer: SocketAddr,
    /// When the fake read the request's head.
    pub arrived_at: Instant,
    /// When the fake finished its answer (after any injected delay), or closed the connection
    /// without one. Two requests overlapped when each arrived before the other was answered.
    pub answered_at: Instant,
    /// Order of arrival, to set `answered_at`.
    seq: u64,
}

impl std::fmt::Debug for RecordedRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RecordedRequest")
            .field("op", &self.op)
            .field("method", &self.method)
            .field("path", &self.path)
            .field("headers", &self.headers)
            .field("body", &JsonShape(&self.body))
            .field("peer", &self.peer)
            .field("arrived_at", &self.arrived_at)
            .field("answered_at", &self.answered_at)
            .finish()
    }
}

/// A JSON value in `Debug` with its strings and numbers `<redacted>`: objects keep their keys,
/// arrays their length, booleans and `null` are shown.
struct JsonShape<'a>(&'a Value);

impl std::fmt::Debug for JsonShape<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            Value::Object(m) => f.debug_map().entries(m.iter().map(|(k, v)| (k, JsonShape(v)))).finish(),
            Value::Array(a) => f.debug_list().entries(a.iter().map(JsonShape)).finish(),
            Value::String(_) | Value::Number(_) => f.write_str("<redacted>"),
            other => write!(f, "{other}"),
        }
    }
}

impl RecordedRequest {
    /// The value of header `name` (any case), if present.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

/// A Link token the fake issued ([`FakePlaid::link_tokens`]). Its `Debug` shows the request
/// body's shape only, as [`RecordedRequest`]'s does.
#[derive(Clone, PartialEq)]
#[non_exhaustive]
pub struct LinkTokenRecord {
    /// The token.
    pub link_token: String,
    /// `identity_verification.template_id` of the request.
    pub template_id: Option<String>,
    /// `user.client_user_id` of the request (or the one its `user_id` was created from).
    pub client_user_id: String,
    /// `user_id` of the request: the Plaid user the token is for, if it named one.
    pub user_id: Option<String>,
    /// `webhook` of the request: where webhooks about this template and user go.
    pub webhook: Option<String>,
    /// The whole request body, without `secret`.
    pub request: Value,
}

impl std::fmt::Debug for LinkTokenRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LinkTokenRecord")
            .field("link_token", &self.link_token)
            .field("template_id", &self.template_id)
            .field("client_user_id", &self.client_user_id)
            .field("user_id", &self.user_id)
            .field("webhook", &self.webhook)
            .field("request", &JsonShape(&self.request))
            .finish()
    }
}

/// A webhook the fake signed, and what happened when it sent it.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct SentWebhook {
    /// `STATUS_UPDATED`, `STEP_UPDATED` or `RETRIED`.
    pub webhook_code: String,
    /// The session it is about.
    pub identity_verification_id: IdentityVerificationId,
    /// The exact body bytes (what a verifier hashes).
    pub body: Vec<u8>,
    /// The `Plaid-Verification` header value: an ES256 JWT over the body's SHA-256.
    pub verification: String,
    /// Its `iat` (Unix seconds): now, or the signing time given to a `*_signed_at` step.
    pub issued_at: i64,
    /// Where it goes; `None` when no webhook URL was set (nothing was sent).
    pub url: Option<String>,
    /// The HTTP status the receiver answered (to the last POST, when there were two).
    pub status: Option<u16>,
    /// Why it was not sent (no loopback URL, lost, held) or not delivered (the POST failed).
    pub error: Option<String>,
    /// The delivery mode it was signed under.
    pub delivery: WebhookDelivery,
    /// How many times it was POSTed: 0 without a loopback URL, when lost, or while held; 1; 2
    /// under [`WebhookDelivery::Duplicated`].
    pub posts: u32,
}

/// What went wrong in a scripted change.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FakeError {
    /// The fake has no session with this id.
    #[error("the fake has no identity verification {0}")]
    UnknownSession(String),
    /// The change could not be made (for example a step this spec's sessions lack).
    #[error("the fake cannot make this change: {0}")]
    Invalid(String),
    /// The session already was so (the same status, or the same step outcome): nothing
    /// changed, and no webhook was signed or sent.
    #[error("nothing to change: {0}")]
    Unchanged(String),
}

/// Configures a [`FakePlaid`].
#[derive(Debug, Clone)]
pub struct FakePlaidBuilder {
    client_id: String,
    secret: String,
    page_size: usize,
    webhook_url: Option<String>,
    limits: Limits,
}

impl Default for FakePlaidBuilder {
    fn default() -> Self {
        FakePlaidBuilder {
            client_id: FakePlaid::CLIENT_ID.to_string(),
            secret: FakePlaid::SECRET.to_string(),
            page_size: 25,
            webhook_url: None,
            limits: Limits {
                sessions: 10_000,
                link_tokens: 10_000,
                requests: 1_000,
                webhooks: 1_000,
                faults_per_op: 1_000,
            },
        }
    }
}

impl FakePlaidBuilder {
    /// The credentials the fake accepts (default [`FakePlaid::CLIENT_ID`] and
    /// [`FakePlaid::SECRET`]).
    pub fn credentials(mut self, client_id: impl Into<String>, secret: impl Into<String>) -> Self {
        self.client_id = client_id.into();
        self.secret = secret.into();
        self
    }
    /// Items per list page (default 25; at least 1).
    pub fn page_size(mut self, n: usize) -> Self {
        self.page_size = n.max(1);
        self
    }
    /// Where webhooks go when the session's Link token has no webhook URL.
    pub fn webhook_url(mut self, url: impl Into<String>) -> Self {
        self.webhook_url = Some(url.into());
        self
    }
    /// Most sessions held (default 10,000).
    pub fn max_sessions(mut self, n: usize) -> Self {
        self.limits.sessions = n;
        self
    }
    /// Most Link tokens held (default 10,000).
    pub fn max_link_tokens(mut self, n: usize) -> Self {
        self.limits.link_tokens = n;
        self
    }
    /// Most recent requests kept for [`FakePlaid::requests`] (default 1,000).
    pub fn max_requests(mut self, n: usize) -> Self {
        self.limits.requests = n;
        self
    }
    /// Most recent webhooks kept for [`FakePlaid::webhooks`] (default 1,000).
    pub fn max_webhooks(mut self, n: usize) -> Self {
        self.limits.webhooks = n;
        self
    }

    /// Binds `127.0.0.1:0` and starts serving on the current tokio runtime. Fails when there
    /// is no runtime, the port cannot be bound or a credential is not header-safe.
    pub async fn start(self) -> std::io::Result<FakePlaid> {
        let invalid = |m: String| std::io::Error::new(std::io::ErrorKind::InvalidInput, m);
        if tokio::runtime::Handle::try_current().is_err() {
            return Err(std::io::Error::other("FakePlaid needs a tokio runtime: start it inside one"));
        }
        let signer = TestSigner::new(format!("fake-plaid-{:08x}", fastrand::u32(..)));
        let state = State::new(self.limits, self.page_size, self.webhook_url, signer.kid().to_string(), signer.jwk())
            .map_err(invalid)?;
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        let client = Client::builder(self.client_id.clone(), plaid_idv::Secret::new(self.secret.clone()))
            .environment(Environment::Custom(format!("http://{addr}")))
            .build()
            .map_err(|e| invalid(e.to_string()))?;
        let http = plaid_idv::http_client_builder()
            .map_err(|e| invalid(format!("cannot build the webhook sender: {e}")))?
            .timeout(server::WEBHOOK_TIMEOUT)
            .build()
            .map_err(|e| invalid(format!("cannot build the webhook sender: {e}")))?;
        let shared =
            Arc::new(Shared { state: Mutex::new(state), client_id: self.client_id, secret: self.secret, signer, http });
        let task = tokio::spawn(server::accept_loop(listener, shared.clone()));
        Ok(FakePlaid { shared, addr, client, task })
    }
}

/// An in-process fake of Plaid IDV; see the [crate documentation](crate). Stops serving when
/// dropped.
pub struct FakePlaid {
    shared: Arc<Shared>,
    addr: SocketAddr,
    client: Client,
    task: tokio::task::JoinHandle<()>,
}

impl std::fmt::Debug for FakePlaid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FakePlaid").field("addr", &self.addr).finish_non_exhaustive()
    }
}

impl Drop for FakePlaid {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl FakePlaid {
    /// The client id the fake accepts unless [`FakePlaidBuilder::credentials`] says otherwise.
    pub const CLIENT_ID: &'static str = "fake-client-id";
    /// The secret the fake accepts unless [`FakePlaidBuilder::credentials`] says otherwise.
    pub const SECRET: &'static str = "fake-secret";

    /// Starts a fake with the defaults on the current tokio runtime.
    pub async fn start() -> std::io::Result<FakePlaid> {
        FakePlaidBuilder::default().start().await
    }

    /// Configures a fake.
    pub fn builder() -> FakePlaidBuilder {
        FakePlaidBuilder::default()
    }

    /// The base URL, `http://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The address served.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// A client for the fake, with its credentials and the default settings.
    pub fn client(&self) -> Client {
        self.client.clone()
    }

    /// A builder with the fake's URL and credentials and fast retries (5 attempts, 1–20 ms
    /// backoff), to change further.
    pub fn client_builder(&self) -> ClientBuilder {
        Client::builder(self.shared.client_id.clone(), plaid_idv::Secret::new(self.shared.secret.clone()))
            .environment(Environment::Custom(self.url()))
            .retry_policy(
                RetryPolicy::default()
                    .with_max_attempts(5)
                    .with_base_delay(Duration::from_millis(1))
                    .with_max_delay(Duration::from_millis(20)),
            )
    }

    /// The key webhooks are signed with; `/webhook_verification_key/get` serves its JWK.
    pub fn signer(&self) -> &TestSigner {
        &self.shared.signer
    }

    /// Sets (or clears) where webhooks go when the session's Link token has no webhook URL.
    /// Clearing it does not stop webhooks to a Link token's URL: to stop delivery, use
    /// [`FakePlaid::set_delivery`] with [`WebhookDelivery::Lost`].
    pub fn set_webhook_url(&self, url: Option<&str>) {
        self.shared.lock().webhook_url = url.map(str::to_owned);
    }

    /// How webhooks signed from now on are delivered, to every URL: see [`WebhookDelivery`].
    /// Webhooks already held stay held until [`FakePlaid::deliver_held`].
    pub fn set_delivery(&self, delivery: WebhookDelivery) {
        self.shared.lock().delivery = delivery;
    }

    /// The current delivery mode.
    pub fn delivery(&self) -> WebhookDelivery {
        self.shared.lock().delivery
    }

    /// The webhooks held ([`WebhookDelivery::Held`]) and not yet delivered, oldest first.
    pub fn held(&self) -> Vec<SentWebhook> {
        self.shared.lock().held.iter().map(|(_, w)| w.clone()).collect()
    }

    /// POSTs every held webhook once, oldest first, each after the receiver answered the one
    /// before, and returns them as delivered (`status`, `error`, `posts` set). Their records in
    /// [`FakePlaid::webhooks`] are updated; they do not count again for
    /// [`FakePlaid::wait_for_webhooks`]. The delivery mode does not change: webhooks signed
    /// later under `Held` are held again.
    pub async fn deliver_held(&self) -> Vec<SentWebhook> {
        delivery::deliver_held(&self.shared).await
    }

    /// Sets the number of items per list page (at least 1).
    pub fn set_page_size(&self, n: usize) {
        self.shared.lock().page_size = n.max(1);
    }

    /// Adds a Dashboard user (one, `reviewer@example.com`, is there from the start); returns
    /// its id. `status` is a `DashboardUserStatus` value such as `active` or `invited`.
    pub fn add_dashboard_user(&self, email: &str, status: &str) -> Result<String, FakeError> {
        self.shared.lock().add_dashboard_user(email, status).map_err(FakeError::Invalid)
    }

    /// Creates a Plaid user for `client_user_id`, as `/user/create` does, and returns its
    /// `user_id`: requests may then name the user by it (alone, or with that `client_user_id`).
    pub fn add_user(&self, client_user_id: &str) -> String {
        self.shared.lock().add_user(client_user_id)
    }

    /// A session as `list` returns it.
    pub fn session(&self, id: &IdentityVerificationId) -> Option<IdentityVerification> {
        self.shared.lock().session(id.as_str())
    }

    /// Every session, oldest first.
    pub fn sessions(&self) -> Vec<IdentityVerification> {
        let state = self.shared.lock();
        state.order.iter().filter_map(|id| state.session(id)).collect()
    }

    /// Every Link token issued, oldest first.
    pub fn link_tokens(&self) -> Vec<LinkTokenRecord> {
        self.shared.lock().link_tokens.clone()
    }

    /// The most recent requests received (up to the limit), oldest first.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.lock().requests.iter().cloned().collect()
    }

    /// Forgets the recorded requests.
    pub fn clear_requests(&self) {
        self.shared.lock().requests.clear();
    }

    /// The most recent webhooks recorded (up to the limit), oldest first: each once, as it
    /// was last delivered.
    pub fn webhooks(&self) -> Vec<SentWebhook> {
        self.shared.lock().webhooks.iter().map(|(_, w)| w.clone()).collect()
    }

    /// How many webhooks the fake has recorded since it started (also those no longer kept):
    /// a mark for [`FakePlaid::wait_for_webhooks_since`].
    pub fn webhook_count(&self) -> u64 {
        self.shared.lock().webhooks_sent
    }

    /// Waits until `count` more webhooks are recorded, counting from this call, polling every
    /// 10 ms for at most `timeout`; returns the ones recorded since the call (fewer than
    /// `count` on timeout). A webhook is recorded once its delivery is over (answered, failed,
    /// lost or held). The step methods return after that, so this is for webhooks the fake
    /// sends on its own: `RETRIED`, sent after the fake answered `retry`. That one may be
    /// recorded before this call: take [`FakePlaid::webhook_count`] before the request and use
    /// [`FakePlaid::wait_for_webhooks_since`].
    pub async fn wait_for_webhooks(&self, count: usize, timeout: Duration) -> Vec<SentWebhook> {
        let mark = self.webhook_count();
        self.wait_for_webhooks_since(mark, count, timeout).await
    }

    /// Waits until `count` webhooks are recorded after `mark` (a [`FakePlaid::webhook_count`]),
    /// polling every 10 ms for at most `timeout`; returns the kept ones recorded after `mark`
    /// (fewer than `count` on timeout).
    pub async fn wait_for_webhooks_since(&self, mark: u64, count: usize, timeout: Duration) -> Vec<SentWebhook> {
        let target = mark.saturating_add(u64::try_from(count).unwrap_or(u64::MAX));
        let started = Instant::now();
        while self.shared.lock().webhooks_sent < target && started.elapsed() < timeout {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        self.shared.lock().webhooks.iter().filter(|(n, _)| *n > mark).map(|(_, w)| w.clone()).collect()
    }

    async fn send(
        &self,
        out: Result<state::Outgoing, FakeError>,
        signed_at: Option<SystemTime>,
    ) -> Result<SentWebhook, FakeError> {
        let signed_at = signed_at.map(|t| match t.duration_since(UNIX_EPOCH) {
            Ok(d) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
            Err(e) => -i64::try_from(e.duration().as_secs()).unwrap_or(i64::MAX),
        });
        Ok(delivery::deliver(&self.shared, out?, signed_at).await)
    }

    /// The user finished (or the session ended otherwise): sets the session's `status` and the
    /// steps it implies, then signs and sends `STATUS_UPDATED`. `success` marks every
    /// unfinished step `success` and fills the step results from the spec's example; `failed`
    /// and `pending_review` mark the first unfinished step so (unless a step already is);
    /// `expired` and `canceled` mark
    /// every unfinished step so; `completed_at` is set (cleared for `active`). Returns the
    /// webhook once its delivery is over (see the [crate documentation](crate)), also when
    /// there is no URL to send it to. Fails with [`FakeError::Unchanged`] when the status was
    /// already `status` (nothing is sent), [`FakeError::UnknownSession`] for an unknown id.
    pub async fn complete(
        &self,
        id: &IdentityVerificationId,
        status: IdentityVerificationStatus,
    ) -> Result<SentWebhook, FakeError> {
        self.complete_signed_at(id, status, None).await
    }

    /// [`FakePlaid::complete`], with the webhook signed as of `signed_at` (its `iat`) instead
    /// of now: for a test of a webhook that arrives, or is processed, late.
    pub async fn complete_signed_at(
        &self,
        id: &IdentityVerificationId,
        status: IdentityVerificationStatus,
        signed_at: impl Into<Option<SystemTime>>,
    ) -> Result<SentWebhook, FakeError> {
        let out = self.shared.lock().set_status(id.as_str(), status.as_str());
        self.send(out, signed_at.into()).await
    }

    /// The user finished one step: sets it to `outcome` (filling its result from the spec's
    /// example unless the outcome is `active` or `waiting_for_prerequisite`), makes the next
    /// waiting step active when this one is done, and signs and sends `STEP_UPDATED`. The
    /// overall status does not change: call [`FakePlaid::complete`] for that. Returns the
    /// webhook as `complete` does; [`FakeError::Unchanged`] when the step already had this
    /// outcome.
    pub async fn advance_step(
        &self,
        id: &IdentityVerificationId,
        step: Step,
        outcome: IdentityVerificationStepStatus,
    ) -> Result<SentWebhook, FakeError> {
        self.advance_step_signed_at(id, step, outcome, None).await
    }

    /// [`FakePlaid::advance_step`], with the webhook signed as of `signed_at`.
    pub async fn advance_step_signed_at(
        &self,
        id: &IdentityVerificationId,
        step: Step,
        outcome: IdentityVerificationStepStatus,
        signed_at: impl Into<Option<SystemTime>>,
    ) -> Result<SentWebhook, FakeError> {
        let out = self.shared.lock().set_step(id.as_str(), step, outcome.as_str());
        self.send(out, signed_at.into()).await
    }

    /// The session expired: `complete(id, Expired)`.
    pub async fn expire(&self, id: &IdentityVerificationId) -> Result<SentWebhook, FakeError> {
        self.complete(id, IdentityVerificationStatus::Expired).await
    }

    /// [`FakePlaid::expire`], with the webhook signed as of `signed_at`.
    pub async fn expire_signed_at(
        &self,
        id: &IdentityVerificationId,
        signed_at: impl Into<Option<SystemTime>>,
    ) -> Result<SentWebhook, FakeError> {
        self.complete_signed_at(id, IdentityVerificationStatus::Expired, signed_at).await
    }

    /// Queues a fault for the next request of `op` (after the ones already queued). A fault
    /// beyond the queue's limit (1,000) is ignored; the result says whether it was queued.
    pub fn inject(&self, op: Op, fault: Fault) -> bool {
        self.shared.lock().push_fault(op, fault)
    }

    /// The next request of `op` gets `status` with `error` as its body.
    pub fn fail_next(&self, op: Op, status: u16, error: plaid_idv::ErrorBody) -> bool {
        let mut body = serde_json::to_value(&error).unwrap_or(Value::Null);
        if let Some(slot) = body.get_mut("status") {
            *slot = Value::from(status);
        }
        self.inject(op, Fault::Error { status, body })
    }

    /// The next request of `op` gets 429 (`error_type` `RATE_LIMIT_EXCEEDED`, `error_code`
    /// `RATE_LIMIT`) with `Retry-After`.
    pub fn rate_limit_next(&self, op: Op, retry_after: Duration) -> bool {
        self.inject(op, Fault::RateLimited { retry_after })
    }

    /// The next request of `op` is answered after `delay` (at most 2 minutes).
    pub fn delay_next(&self, op: Op, delay: Duration) -> bool {
        self.inject(op, Fault::Delay(delay))
    }

    /// The next request of `op` is read, then its connection closed without an answer.
    pub fn drop_next(&self, op: Op) -> bool {
        self.inject(op, Fault::DropConnection)
    }

    /// A Plaid error object, for [`FakePlaid::fail_next`]:
    /// `FakePlaid::plaid_error("API_ERROR", "INTERNAL_SERVER_ERROR", "try again")`. Its
    /// `status` is filled in by `fail_next`.
    pub fn plaid_error(error_type: &str, error_code: &str, message: &str) -> Result<plaid_idv::ErrorBody, FakeError> {
        let body = state::error_body(500, error_type, error_code, message, "fakereq-injected");
        serde_json::from_value(body).map_err(|e| FakeError::Invalid(plaid_idv::__private::describe(&e)))
    }
}
