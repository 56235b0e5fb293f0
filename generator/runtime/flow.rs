// Runtime of the generated crate, copied verbatim from generator/runtime/.

//! Helpers for the identity verification flow: create a session and a Link token that cannot
//! disagree, then poll until the session ends.
//!
//! The flow: `/identity_verification/create` → `/link/token/create` with the same
//! `template_id` and `client_user_id` → the user goes through Link → `/identity_verification/get`
//! (or the `STATUS_UPDATED` webhook).

use crate::runtime::Error;
use crate::types::{
    IdentityVerificationCreateRequest, IdentityVerificationCreateResponse, IdentityVerificationGetRequest,
    IdentityVerificationGetResponse, IdentityVerificationRetryRequest, IdentityVerificationStatus,
    LinkTokenCreateRequest, LinkTokenCreateResponse,
};
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

/// What Link needs besides the template and user, which come from the create request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkOptions {
    /// Your app's name as shown in Link.
    pub client_name: String,
    /// Link's language, e.g. `en`.
    pub language: String,
    /// Country codes, e.g. `US`.
    pub country_codes: Vec<String>,
    /// Webhook URL for this session.
    pub webhook: Option<String>,
    /// OAuth redirect URI.
    pub redirect_uri: Option<String>,
}

impl LinkOptions {
    /// Options with the required fields.
    pub fn new(client_name: impl Into<String>, language: impl Into<String>, country_codes: &[&str]) -> Self {
        LinkOptions {
            client_name: client_name.into(),
            language: language.into(),
            country_codes: country_codes.iter().map(|c| c.to_string()).collect(),
            webhook: None,
            redirect_uri: None,
        }
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

/// A session and the Link token that opens it.
#[derive(Debug, Clone, PartialEq)]
pub struct StartedVerification {
    /// The session (a fresh one if an existing session had expired).
    pub verification: IdentityVerificationCreateResponse,
    /// The Link token, minted for the same template and user.
    pub link: LinkTokenCreateResponse,
}

/// How [`Client::wait_for_terminal`] polls.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PollPolicy {
    /// First wait between polls.
    pub initial_interval: Duration,
    /// Longest wait between polls (the wait doubles up to this).
    pub max_interval: Duration,
    /// Give up after this long.
    pub deadline: Duration,
}

impl Default for PollPolicy {
    fn default() -> Self {
        PollPolicy {
            initial_interval: Duration::from_secs(2),
            max_interval: Duration::from_secs(30),
            deadline: Duration::from_secs(15 * 60),
        }
    }
}

fn convert<T: serde::de::DeserializeOwned>(v: Value, what: &str) -> Result<T, Error> {
    serde_json::from_value(v)
        .map_err(|e| Error::invalid(format!("cannot build {what}: {}", crate::runtime::error::describe(&e))))
}

impl Client {
    /// Creates a verification session and a Link token for the same `template_id` and
    /// `client_user_id`, so the two cannot mismatch. If the session Plaid returns (with
    /// `is_idempotent`) has expired, a new session is started with the `reset` retry strategy
    /// rather than reusing the expired id.
    pub async fn start_verification(
        &self,
        request: &IdentityVerificationCreateRequest,
        link: &LinkOptions,
    ) -> Result<StartedVerification, Error> {
        let req = serde_json::to_value(request).map_err(|e| Error::invalid(e.to_string()))?;
        let text = |k: &str| req.get(k).and_then(Value::as_str).map(str::to_owned);
        let template_id = text("template_id").ok_or_else(|| Error::invalid("create request has no template_id"))?;
        let client_user_id = text("client_user_id")
            .ok_or_else(|| Error::invalid("start_verification needs client_user_id to mint a matching Link token"))?;
        let mut verification = self.identity_verification_create(request).await?;
        if verification.status == IdentityVerificationStatus::Expired {
            let retry: IdentityVerificationRetryRequest = convert(
                json!({ "client_user_id": client_user_id, "template_id": template_id, "strategy": "reset" }),
                "retry request",
            )?;
            let fresh = self.identity_verification_retry(&retry).await?;
            verification = convert(serde_json::to_value(fresh).map_err(|e| Error::invalid(e.to_string()))?, "session")?;
        }
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
        if let Some(w) = &link.webhook {
            body["webhook"] = json!(w);
        }
        if let Some(r) = &link.redirect_uri {
            body["redirect_uri"] = json!(r);
        }
        let link_req: LinkTokenCreateRequest = convert(body, "link token request")?;
        let link = self.link_token_create(&link_req).await?;
        Ok(StartedVerification { verification, link })
    }

    /// Polls `/identity_verification/get` with growing intervals until the status leaves
    /// `active`, or returns [`Error::DeadlineExceeded`] when `policy.deadline` passes.
    pub async fn wait_for_terminal(
        &self,
        id: &str,
        policy: &PollPolicy,
    ) -> Result<IdentityVerificationGetResponse, Error> {
        let request: IdentityVerificationGetRequest =
            convert(json!({ "identity_verification_id": id }), "get request")?;
        let started = Instant::now();
        let mut interval = policy.initial_interval;
        loop {
            let resp = self.identity_verification_get(&request).await?;
            if resp.status.is_terminal() {
                return Ok(resp);
            }
            let waited = started.elapsed();
            if waited + interval > policy.deadline {
                return Err(Error::DeadlineExceeded { waited, last_status: resp.status.to_string() });
            }
            tokio::time::sleep(interval).await;
            interval = (interval * 2).min(policy.max_interval);
        }
    }
}
