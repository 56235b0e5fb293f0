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

/// Decodes JSON, naming the path of a failure. Only serde_json's own deserializer is
/// instantiated (once per type); on failure the path is recovered from the error's position by
/// [`path_at`], which is not generic, so it costs no code per model.
pub(crate) fn decode<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, Error> {
    let bytes: &[u8] = if body.iter().all(u8::is_ascii_whitespace) { b"null" } else { body };
    serde_json::from_slice(bytes).map_err(|e| {
        let offset = offset_of(bytes, e.line(), e.column());
        Error::Decode { path: path_at(bytes, offset), message: e.to_string(), snippet: snippet(body), attempts: 1 }
    })
}

/// Byte offset of a 1-based line and column as serde_json reports them (column 0 means the
/// error is at the start of the line).
fn offset_of(body: &[u8], line: usize, column: usize) -> usize {
    let mut start = 0;
    for _ in 1..line {
        match body[start..].iter().position(|&b| b == b'\n') {
            Some(i) => start += i + 1,
            None => return body.len(),
        }
    }
    (start + column.saturating_sub(1)).min(body.len())
}

/// The path (`steps.kyc_check`, `identity_verifications[2].id`) of the JSON value at byte
/// `offset`: a single pass over the text up to that point, tracking object keys and array
/// indices. The root is `.`.
pub(crate) fn path_at(body: &[u8], offset: usize) -> String {
    enum Frame {
        Object(Option<String>),
        /// Index, and whether that element has begun.
        Array(usize, bool),
    }
    let mut stack: Vec<Frame> = Vec::new();
    let mut i = 0;
    let end = offset.min(body.len());
    // In an object: the next string is a key until a ':' is seen.
    let mut expect_key = false;
    while i < end {
        if let Some(Frame::Array(_, begun)) = stack.last_mut() {
            if !body[i].is_ascii_whitespace() && body[i] != b']' {
                *begun = true;
            }
        }
        match body[i] {
            b'{' => {
                stack.push(Frame::Object(None));
                expect_key = true;
            }
            b'[' => {
                stack.push(Frame::Array(0, false));
                expect_key = false;
                i += 1;
                continue;
            }
            b'}' | b']' => {
                stack.pop();
                expect_key = false;
            }
            b',' => match stack.last_mut() {
                Some(Frame::Array(n, begun)) => {
                    *n += 1;
                    *begun = false;
                    i += 1;
                    continue;
                }
                Some(Frame::Object(key)) => {
                    *key = None;
                    expect_key = true;
                }
                None => {}
            },
            b':' => expect_key = false,
            b'"' => {
                let start = i + 1;
                i += 1;
                while i < body.len() && body[i] != b'"' {
                    i += if body[i] == b'\\' { 2 } else { 1 };
                }
                if expect_key {
                    if let Some(Frame::Object(key)) = stack.last_mut() {
                        let raw = &body[start..i.min(body.len())];
                        *key = Some(
                            serde_json::from_slice::<String>(&[b"\"", raw, b"\""].concat())
                                .unwrap_or_else(|_| String::from_utf8_lossy(raw).into_owned()),
                        );
                    }
                }
            }
            _ => {}
        }
        i += 1;
    }
    let mut path = String::new();
    let depth = stack.len();
    for (level, frame) in stack.iter().enumerate() {
        match frame {
            Frame::Object(Some(k)) => {
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(k);
            }
            Frame::Object(None) => {}
            // The innermost array counts only once its element has begun.
            Frame::Array(_, false) if level + 1 == depth => {}
            Frame::Array(n, _) => path.push_str(&format!("[{n}]")),
        }
    }
    if path.is_empty() {
        path.push('.');
    }
    path
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

#[cfg(test)]
mod tests {
    use super::*;

    fn path_of<T: serde::de::DeserializeOwned + std::fmt::Debug>(json: &str) -> String {
        match decode::<T>(json.as_bytes()) {
            Err(Error::Decode { path, .. }) => path,
            other => panic!("expected a decode error, got {other:?}"),
        }
    }

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Inner {
        status: String,
    }
    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Outer {
        id: String,
        steps: Inner,
        items: Vec<Inner>,
    }

    #[test]
    fn paths_of_decode_failures() {
        assert_eq!(path_of::<Outer>(r#"{"id": "a", "steps": {"status": 5}, "items": []}"#), "steps.status");
        assert_eq!(
            path_of::<Outer>(r#"{"id": "a", "steps": {"status": "x"}, "items": [{"status": "ok"}, {"status": {}}]}"#),
            "items[1].status"
        );
        assert_eq!(path_of::<Outer>("{\n  \"id\": 1,\n  \"steps\": {}\n}"), "id");
        assert_eq!(path_of::<Outer>(r#"{"id": "a", "steps": {}, "items": []}"#), "steps");
        assert_eq!(path_of::<Outer>(r#"{"i\"d": "a", "id": [1]"#), "id");
        assert_eq!(path_of::<Outer>(r#"{"id": "a", "steps": {"status": "x"}, "items": [] } trailing"#), ".");
        assert_eq!(path_of::<Outer>(r#"[1]"#), ".");
    }
}
