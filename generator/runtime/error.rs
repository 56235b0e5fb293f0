// Runtime of the generated crate, copied verbatim from generator/runtime/.

//! The crate's one error type.

use std::time::Duration;

/// Everything a call can fail with.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Plaid (or something in front of it) answered with a non-2xx status.
    #[error("{0}")]
    Api(Box<ApiError>),
    /// No response within the configured timeout.
    #[error("request timed out after {attempts} attempt(s)")]
    Timeout {
        /// Attempts made.
        attempts: u32,
        /// The underlying error.
        #[source]
        source: reqwest::Error,
    },
    /// Connecting, sending or reading failed (refused, reset, truncated body, TLS).
    #[error("transport error after {attempts} attempt(s): {source}")]
    Transport {
        /// Attempts made.
        attempts: u32,
        /// The connection could not be set up, so the request was never sent.
        connect: bool,
        /// The underlying error.
        #[source]
        source: reqwest::Error,
    },
    /// A 2xx body (or a webhook body) did not match the expected type.
    #[error("cannot decode response at `{path}`: {message}; body starts: {snippet}")]
    Decode {
        /// JSON path of the failure, like `identity_verifications[0].status`.
        path: String,
        /// What serde said.
        message: String,
        /// At most 512 bytes of the body.
        snippet: String,
        /// Attempts made.
        attempts: u32,
    },
    /// Rejected on the client side before sending: missing credential, bad configuration.
    #[error("invalid request: {message}")]
    InvalidRequest {
        /// Why.
        message: String,
    },
    /// A paginated listing returned a cursor it had already returned.
    #[error("pagination cursor {cursor:?} repeated; stopping instead of looping")]
    RepeatedCursor {
        /// The cursor.
        cursor: String,
    },
    /// A polling helper gave up before the verification reached an end state.
    #[error("gave up after {waited:?}; last status {last_status:?}")]
    DeadlineExceeded {
        /// Time spent.
        waited: Duration,
        /// The last status seen.
        last_status: String,
    },
}

/// A non-2xx response, with everything it said.
#[derive(Debug)]
#[non_exhaustive]
pub struct ApiError {
    /// HTTP status code.
    pub status: u16,
    /// The typed error object, when the body was one.
    pub error: Option<crate::ErrorBody>,
    /// `error_type` as sent, even when the typed decode failed.
    pub error_type: Option<String>,
    /// `error_code` as sent.
    pub error_code: Option<String>,
    /// `error_message` as sent.
    pub error_message: Option<String>,
    /// Plaid's `request_id`, for support.
    pub request_id: Option<String>,
    /// The response body, verbatim (lossy UTF-8): nothing is dropped.
    pub raw_body: String,
    /// The `Retry-After` delay, if the response had one.
    pub retry_after: Option<Duration>,
    /// Attempts made, retries included.
    pub attempts: u32,
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Plaid API error: HTTP {} {}: {} (request_id {}, {} attempt(s))",
            self.status,
            self.error_code.as_deref().unwrap_or("(no error code)"),
            self.error_message.as_deref().unwrap_or("(no Plaid error object in the body)"),
            self.request_id.as_deref().unwrap_or("none"),
            self.attempts
        )
    }
}

/// How much of a body a decode error quotes.
pub const SNIPPET_BYTES: usize = 512;

pub(crate) fn snippet(body: &[u8]) -> String {
    let mut end = body.len().min(SNIPPET_BYTES);
    while end > 0 && std::str::from_utf8(&body[..end]).is_err() {
        end -= 1;
    }
    let mut s = String::from_utf8_lossy(&body[..end]).into_owned();
    if end < body.len() {
        s.push('…');
    }
    s
}

/// Decodes JSON, naming the path of a failure. The fast path is plain serde_json; only a failed
/// decode is repeated with path tracking, so successful calls pay nothing for it.
pub(crate) fn decode<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, Error> {
    let bytes: &[u8] = if body.iter().all(u8::is_ascii_whitespace) { b"null" } else { body };
    if let Ok(v) = serde_json::from_slice(bytes) {
        return Ok(v);
    }
    let fail = |path: String, message: String| Error::Decode { path, message, snippet: snippet(body), attempts: 1 };
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value: T =
        serde_path_to_error::deserialize(&mut de).map_err(|e| fail(e.path().to_string(), e.inner().to_string()))?;
    de.end().map_err(|e| fail(".".into(), e.to_string()))?;
    Ok(value)
}

impl Error {
    /// Whether repeating the same call may succeed, following Plaid's guidance: timeouts,
    /// connection failures, 429 (`RATE_LIMIT_EXCEEDED`) and 5xx (`API_ERROR`,
    /// `INSTITUTION_ERROR`, planned maintenance). Client errors (other 4xx), decode failures and
    /// invalid requests are not retryable. Whether an operation may be repeated at all is a
    /// separate, per-operation rule.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Timeout { .. } => true,
            Error::Transport { .. } => true,
            Error::Api(e) => {
                e.status == 429
                    || e.status >= 500
                    || matches!(e.error_type.as_deref(), Some("RATE_LIMIT_EXCEEDED" | "API_ERROR"))
            }
            _ => false,
        }
    }

    /// Attempts made before this error was returned (0 for errors raised before sending).
    pub fn attempts(&self) -> u32 {
        match self {
            Error::Api(e) => e.attempts,
            Error::Timeout { attempts, .. } | Error::Transport { attempts, .. } | Error::Decode { attempts, .. } => {
                *attempts
            }
            _ => 0,
        }
    }

    /// Plaid's request id, when the error came from Plaid.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Error::Api(e) => e.request_id.as_deref(),
            _ => None,
        }
    }

    /// The server's `Retry-After`, if any.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Error::Api(e) => e.retry_after,
            _ => None,
        }
    }

    pub(crate) fn with_attempts(mut self, n: u32) -> Self {
        match &mut self {
            Error::Api(e) => e.attempts = n,
            Error::Timeout { attempts, .. } | Error::Transport { attempts, .. } | Error::Decode { attempts, .. } => {
                *attempts = n
            }
            _ => {}
        }
        self
    }

    pub(crate) fn from_reqwest(e: reqwest::Error) -> Self {
        if e.is_timeout() {
            Error::Timeout { attempts: 1, source: e }
        } else {
            Error::Transport { attempts: 1, connect: e.is_connect(), source: e }
        }
    }

    pub(crate) fn invalid(message: impl Into<String>) -> Self {
        Error::InvalidRequest { message: message.into() }
    }

    /// Builds an `Api` error from a non-2xx response. Any body is accepted: an HTML page from
    /// a proxy still yields an `Api` error carrying the raw text.
    pub(crate) fn api(status: u16, body: &[u8], retry_after: Option<Duration>) -> Self {
        #[derive(serde::Deserialize)]
        struct Probe {
            error_type: Option<String>,
            error_code: Option<String>,
            error_message: Option<String>,
            request_id: Option<String>,
        }
        let probe: Option<Probe> = serde_json::from_slice(body).ok();
        let error = serde_json::from_slice::<crate::ErrorBody>(body).ok().filter(|_| probe.is_some());
        let (error_type, error_code, error_message, request_id) = match probe {
            Some(p) => (p.error_type, p.error_code, p.error_message, p.request_id),
            None => (None, None, None, None),
        };
        Error::Api(Box::new(ApiError {
            status,
            error,
            error_type,
            error_code,
            error_message,
            request_id,
            raw_body: String::from_utf8_lossy(body).into_owned(),
            retry_after,
            attempts: 1,
        }))
    }
}
