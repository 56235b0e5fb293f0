// Runtime of the generated crate, copied verbatim from generator/runtime/.

//! Helpers for the identity verification flow: create a session and a Link token that cannot
//! disagree, then poll until the session ends.
//!
//! The flow: `/identity_verification/create` → `/link/token/create` with the same
//! `template_id` and `client_user_id` → the user goes through Link → `/identity_verification/get`
//! (or the `STATUS_UPDATED` webhook).

use crate::runtime::client::Retry;
use crate::runtime::Error;
use crate::types::{
    CountryCode, IdentityVerificationCreateRequest, IdentityVerificationGetRequest, IdentityVerificationId,
    IdentityVerificationRequestUser, IdentityVerificationResponse, IdentityVerificationRetryRequest,
    IdentityVerificationStatus, LinkTokenCreateRequest, LinkTokenCreateResponse,
};
use crate::webhooks::Webhook;
use crate::Client;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

impl IdentityVerificationStatus {
    /// Whether the session has left `active`: it succeeded, failed, expired, was canceled, awaits
    /// review, or is in a state this crate does not know (which is never `active`).
    pub fn is_terminal(&self) -> bool {
        !matches!(self, IdentityVerificationStatus::Active)
    }
}

impl Webhook {
    /// The session an identity verification webhook is about (`STATUS_UPDATED`,
    /// `STEP_UPDATED`, `RETRIED`): fetch it again with `identity_verification_get` and act on
    /// that answer. `None` for other events.
    pub fn identity_verification_id(&self) -> Option<&IdentityVerificationId> {
        match self {
            Webhook::StatusUpdated(e) => Some(&e.identity_verification_id),
            Webhook::StepUpdated(e) => Some(&e.identity_verification_id),
            Webhook::Retried(e) => Some(&e.identity_verification_id),
            _ => None,
        }
    }
}

/// What Link needs besides the template and user, which come from the create request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkOptions {
    /// Your app's name as shown in Link.
    pub client_name: String,
    /// Link's language, e.g. `en`.
    pub language: String,
    /// Countries of the user.
    pub country_codes: Vec<CountryCode>,
    /// Webhook URL for this session.
    pub webhook: Option<String>,
    /// OAuth redirect URI.
    pub redirect_uri: Option<String>,
}

impl LinkOptions {
    /// Options with the required fields; the language starts as `en`:
    /// `LinkOptions::new("My App", [CountryCode::Us])`.
    pub fn new(client_name: impl Into<String>, country_codes: impl IntoIterator<Item = CountryCode>) -> Self {
        LinkOptions {
            client_name: client_name.into(),
            language: "en".to_string(),
            country_codes: country_codes.into_iter().collect(),
            webhook: None,
            redirect_uri: None,
        }
    }
    /// Sets Link's language (`en`, `fr`, `es`, …).
    pub fn with_language(mut self, language: impl Into<String>) -> Self {
        self.language = language.into();
        self
    }
    /// Sets the webhook URL.
    pub fn with_webhook(mut self, url: impl Into<String>) -> Self {
        self.webhook = Some(url.into());
        self
    }
    /// Sets the redirect URI.
    pub fn with_redirect_uri(mut self, uri: impl Into<String>) -> Self {
        self.redirect_uri = Some(uri.into());
        self
    }
}

/// What [`Client::start_verification`] did, by the status of the session Plaid returned.
/// Match on it: only [`StartedVerification::Ready`] and [`StartedVerification::Retried`]
/// carry a Link token to hand to the user.
///
/// With `is_idempotent: true`, `/identity_verification/create` returns the user's existing
/// session for the template, whatever its status, and does not change it. Without it, a second
/// create for the same user and template is refused (`INVALID_FIELD`), so a caller sees
/// [`StartedVerification::Retried`] and [`StartedVerification::Finished`] only with
/// `is_idempotent`.
#[derive(Debug, Clone, PartialEq)]
#[must_use = "a finished session has no Link token: match on the outcome"]
pub enum StartedVerification {
    /// The session is new, or still `active` (the user has not finished it): Plaid resumes it
    /// where the user left off when Link opens with this token.
    Ready {
        /// The session.
        verification: IdentityVerificationResponse,
        /// The Link token, minted for the same template and user.
        link: LinkTokenCreateResponse,
    },
    /// The session Plaid returned had `expired` (Plaid expires a session the user leaves
    /// unfinished for too long, and it cannot be resumed), so `/identity_verification/retry`
    /// was called with the `reset` strategy: it opened a new attempt whose
    /// `previous_attempt_id` is the expired session, and Plaid sends a `RETRIED` webhook.
    Retried {
        /// The expired session Plaid returned first.
        expired: IdentityVerificationId,
        /// The new attempt.
        verification: IdentityVerificationResponse,
        /// The Link token, minted for the new attempt's template and user.
        link: LinkTokenCreateResponse,
    },
    /// The session has already ended, so no Link token was minted and nothing was changed;
    /// it is returned as Plaid sent it. By status:
    /// - `success`: the user is verified; there is nothing left to do.
    /// - `failed`: a step failed; Plaid does not reopen the session. To let the user try
    ///   again, call `identity_verification_retry` yourself (a new attempt, with a strategy
    ///   you choose), or decide in Plaid's Dashboard.
    /// - `canceled`: the session was canceled (in the Dashboard or through the API); as for
    ///   `failed`, only a retry opens a new attempt.
    /// - `pending_review`: the user finished and a reviewer decides in Plaid's Dashboard; the
    ///   decision arrives as a `STATUS_UPDATED` webhook (`success` or `failed`).
    /// - a status this crate does not know (`Unknown`): never `active` or `expired`, so it is
    ///   treated as ended; check [`IdentityVerificationStatus`] in a newer crate version.
    Finished {
        /// The session, unchanged.
        verification: IdentityVerificationResponse,
    },
}

impl StartedVerification {
    /// The session: the one Plaid returned, or the new attempt after a retry.
    pub fn verification(&self) -> &IdentityVerificationResponse {
        match self {
            StartedVerification::Ready { verification, .. }
            | StartedVerification::Retried { verification, .. }
            | StartedVerification::Finished { verification } => verification,
        }
    }

    /// The Link token to open Link with; `None` for a finished session.
    pub fn link(&self) -> Option<&LinkTokenCreateResponse> {
        match self {
            StartedVerification::Ready { link, .. } | StartedVerification::Retried { link, .. } => Some(link),
            StartedVerification::Finished { .. } => None,
        }
    }

    /// The session, dropping the Link token if there is one.
    pub fn into_verification(self) -> IdentityVerificationResponse {
        match self {
            StartedVerification::Ready { verification, .. }
            | StartedVerification::Retried { verification, .. }
            | StartedVerification::Finished { verification } => verification,
        }
    }
}

/// The step of [`Client::start_verification`] that failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum StartStep {
    /// Checking the request, before anything was sent.
    Prepare,
    /// `/identity_verification/create`.
    Create,
    /// `/identity_verification/retry`, after create returned an expired session.
    Retry,
    /// `/link/token/create`.
    LinkToken,
}

impl StartStep {
    /// The step's name: `prepare`, `create`, `retry` or `link_token`.
    pub fn as_str(&self) -> &'static str {
        match self {
            StartStep::Prepare => "prepare",
            StartStep::Create => "create",
            StartStep::Retry => "retry",
            StartStep::LinkToken => "link_token",
        }
    }
}

impl std::fmt::Display for StartStep {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why [`Client::start_verification`] failed, and the session it had already created, if any:
/// a failure after the create does not lose the session.
#[derive(Debug)]
pub struct StartError {
    /// The step that failed.
    pub step: StartStep,
    /// The session created before the failure (by create, or by retry when create returned an
    /// expired one).
    pub created: Option<Box<IdentityVerificationResponse>>,
    /// What went wrong.
    pub error: Error,
}

impl std::fmt::Display for StartError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let created = if self.created.is_some() { "a session was created" } else { "no session was created" };
        write!(f, "start_verification failed at {} ({created}): {}", self.step, self.error)
    }
}

impl std::error::Error for StartError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.error)
    }
}

impl From<StartError> for Error {
    /// Keeps the error, drops the session: for `?` in functions that return [`Error`].
    fn from(e: StartError) -> Error {
        e.error
    }
}

/// How [`Client::wait_for_terminal`] polls.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PollPolicy {
    /// First wait between polls (at least [`PollPolicy::MIN_INTERVAL`]).
    pub initial_interval: Duration,
    /// Longest wait between polls (the wait doubles up to this).
    pub max_interval: Duration,
    /// Give up after this long in total, the calls' own time included.
    pub deadline: Duration,
}

impl Default for PollPolicy {
    /// 2 s doubling up to 30 s, for at most 15 minutes.
    fn default() -> Self {
        PollPolicy {
            initial_interval: Duration::from_secs(2),
            max_interval: Duration::from_secs(30),
            deadline: Duration::from_secs(15 * 60),
        }
    }
}

impl PollPolicy {
    /// Shortest wait between polls; smaller intervals are raised to it, so a zero interval
    /// cannot make a tight loop.
    pub const MIN_INTERVAL: Duration = Duration::from_millis(100);
}

// The two requests the flow builds from the create request are sent as JSON, so that every
// field the create request carries and the other request accepts goes along (the request types
// are only ever sent, so they have no `Deserialize` to convert through). They go through the
// operations' own descriptors (`crate::operations`), generated from the spec.

/// `v` (an object) with only the keys `keys` lists.
fn only(v: &Value, keys: &[&str]) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter().filter(|(k, _)| keys.contains(&k.as_str())).map(|(k, v)| (k.clone(), v.clone())).collect(),
        ),
        other => other.clone(),
    }
}

fn to_value<T: serde::Serialize>(v: &T) -> Result<Value, Error> {
    serde_json::to_value(v)
        .map_err(|e| Error::invalid(format!("cannot encode: {}", crate::runtime::error::describe(&e))))
}

impl Client {
    /// Creates a verification session and, unless it has already ended, a Link token for the
    /// same `template_id` and user, so the two cannot mismatch. The user is who the request
    /// names: `client_user_id`, Plaid's `user_id`, or both; the token carries the same ones (a
    /// request naming only `user_id` gets the session's `client_user_id` on the token's `user`). The result says
    /// which case happened; see [`StartedVerification`] for what Plaid does in each.
    ///
    /// - `active` (new or resumed): a Link token, [`StartedVerification::Ready`].
    /// - `expired`: it calls `/identity_verification/retry` with the `reset` strategy, which
    ///   opens a new session, then mints the token for it: [`StartedVerification::Retried`].
    ///   The retry request carries every field of your create request that retry accepts
    ///   (`client_user_id`, `template_id`, `user`, `is_shareable`, …), so prefilled data is kept.
    /// - anything else (`success`, `failed`, `canceled`, `pending_review`, or a status this
    ///   crate does not know): no Link token is minted and no retry is made,
    ///   [`StartedVerification::Finished`].
    ///
    /// A failure after a session was created returns a [`StartError`] that still holds it.
    // `#[inline]`, like the operations: compiled where it is called (see `operations`).
    #[inline]
    pub async fn start_verification(
        &self,
        request: &IdentityVerificationCreateRequest,
        link: &LinkOptions,
    ) -> Result<StartedVerification, StartError> {
        let fail = |step, created: Option<&IdentityVerificationResponse>, error| StartError {
            step,
            created: created.map(|c| Box::new(c.clone())),
            error,
        };
        let req = to_value(request).map_err(|e| fail(StartStep::Prepare, None, e))?;
        let text = |k: &str| req.get(k).and_then(Value::as_str).map(str::to_owned);
        let template_id = text("template_id")
            .ok_or_else(|| fail(StartStep::Prepare, None, Error::invalid("create request has no template_id")))?;
        // The user, as the request names them: `client_user_id`, Plaid's `user_id`, or both.
        let (client_user_id, user_id) = (text("client_user_id"), text("user_id"));
        if client_user_id.is_none() && user_id.is_none() {
            return Err(fail(
                StartStep::Prepare,
                None,
                Error::invalid("start_verification needs client_user_id or user_id to mint a matching Link token"),
            ));
        }
        let mut verification =
            self.identity_verification_create(request).await.map_err(|e| fail(StartStep::Create, None, e))?;
        let mut expired = None;
        if !matches!(verification.status, IdentityVerificationStatus::Active | IdentityVerificationStatus::Expired) {
            // Ended: Link cannot reopen it, and a token would only let the user see the end.
            return Ok(StartedVerification::Finished { verification });
        }
        if verification.status == IdentityVerificationStatus::Expired {
            // Everything the create request said that the retry request accepts (not
            // gave_consent, is_idempotent, …), the user's data included.
            let mut body = only(&req, IdentityVerificationRetryRequest::WIRE_FIELDS);
            body["strategy"] = json!("reset");
            if body.get("client_user_id").is_none() {
                // Named by `user_id` only: the session says which client_user_id it belongs to.
                body["client_user_id"] = json!(verification.client_user_id);
            }
            if let Some(user) = body.get_mut("user").filter(|u| u.is_object()) {
                *user = only(user, IdentityVerificationRequestUser::WIRE_FIELDS);
            }
            let fresh: IdentityVerificationResponse = self
                .execute(&crate::operations::IDENTITY_VERIFICATION_RETRY, Some(&body), Retry::Never)
                .await
                .map_err(|e| fail(StartStep::Retry, Some(&verification), e))?;
            expired = Some(std::mem::replace(&mut verification, fresh).id);
        }
        // The token is for the same user: the request's client_user_id (else the session's), and
        // its user_id when it named one.
        let client_user_id = client_user_id.unwrap_or_else(|| verification.client_user_id.as_str().to_owned());
        let mut body = json!({
            "client_name": link.client_name,
            "language": link.language,
            "country_codes": link.country_codes,
            "user": { "client_user_id": client_user_id },
            "products": ["identity_verification"],
            "identity_verification": { "template_id": template_id },
        });
        if let Some(consent) = req.get("gave_consent").and_then(Value::as_bool) {
            body["identity_verification"]["gave_consent"] = Value::Bool(consent);
        }
        if let Some(u) = &user_id {
            body["user_id"] = json!(u);
        }
        if let Some(w) = &link.webhook {
            body["webhook"] = json!(w);
        }
        if let Some(r) = &link.redirect_uri {
            body["redirect_uri"] = json!(r);
        }
        let body = only(&body, LinkTokenCreateRequest::WIRE_FIELDS);
        let link: LinkTokenCreateResponse = self
            .execute(&crate::operations::LINK_TOKEN_CREATE, Some(&body), Retry::Never)
            .await
            .map_err(|e| fail(StartStep::LinkToken, Some(&verification), e))?;
        Ok(match expired {
            Some(expired) => StartedVerification::Retried { expired, verification, link },
            None => StartedVerification::Ready { verification, link },
        })
    }

    /// Polls `/identity_verification/get` with growing intervals until the status leaves
    /// `active`, or returns [`Error::DeadlineExceeded`] when `policy.deadline` passes. The
    /// deadline counts the calls' own time: a call still running at the deadline is abandoned.
    #[inline]
    pub async fn wait_for_terminal(
        &self,
        id: &IdentityVerificationId,
        policy: &PollPolicy,
    ) -> Result<IdentityVerificationResponse, Error> {
        let request = IdentityVerificationGetRequest::new(id.clone());
        let started = Instant::now();
        let floor = PollPolicy::MIN_INTERVAL;
        let mut interval = policy.initial_interval.max(floor);
        let max_interval = policy.max_interval.max(interval);
        let mut last_status = String::from("(not read yet)");
        loop {
            let left = policy.deadline.saturating_sub(started.elapsed());
            let resp = match tokio::time::timeout(left, self.identity_verification_get(&request)).await {
                Ok(r) => r?,
                Err(_) => return Err(Error::DeadlineExceeded { waited: started.elapsed(), last_status }),
            };
            if resp.status.is_terminal() {
                return Ok(resp);
            }
            last_status = resp.status.to_string();
            let waited = started.elapsed();
            if waited.saturating_add(interval) > policy.deadline {
                return Err(Error::DeadlineExceeded { waited, last_status });
            }
            tokio::time::sleep(interval).await;
            interval = interval.saturating_mul(2).min(max_interval);
        }
    }
}
