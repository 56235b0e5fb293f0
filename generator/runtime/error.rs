// Runtime of the generated crate, copied verbatim from generator/runtime/.

//! The crate's one error type.
//!
//! No error's `Display` or `Debug` shows a response body or a value read from one: bodies can
//! hold personal data (names, dates of birth, phone numbers, shareable links). Decode errors
//! name the JSON path and the expected type; the bytes stay reachable through
//! [`Error::raw_body`] for code that decides to look at them.

use std::borrow::Cow;
use std::time::Duration;

/// Everything a call can fail with.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Plaid (or something in front of it) answered with a non-2xx status, a redirect
    /// included: redirects are never followed.
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
    #[error("transport error ({kind:?}) after {attempts} attempt(s): {source}")]
    Transport {
        /// Attempts made.
        attempts: u32,
        /// What failed, which decides whether a retry can help.
        kind: TransportKind,
        /// The underlying error.
        #[source]
        source: reqwest::Error,
    },
    /// A 2xx body, a webhook body or a body given to [`decode`] did not match the expected type
    /// (or was not UTF-8). The text says "response" whatever the body's source.
    #[error("cannot decode response at `{path}`: {message}")]
    Decode {
        /// JSON path of the failure, like `identity_verifications[0].status`.
        path: String,
        /// What was wrong, with any value from the body left out (`invalid type: integer,
        /// expected a string`).
        message: String,
        /// The whole body; its `Debug` shows only its length.
        body: RawBody,
        /// Attempts made.
        attempts: u32,
    },
    /// A 2xx body was larger than the configured limit; reading stopped there.
    #[error("response body exceeds the limit of {limit} bytes after {attempts} attempt(s)")]
    BodyTooLarge {
        /// The limit in bytes ([`crate::ClientBuilder::max_response_bytes`]).
        limit: usize,
        /// Attempts made.
        attempts: u32,
    },
    /// Rejected on the client side before sending: missing credential, bad configuration.
    #[error("invalid request: {message}")]
    InvalidRequest {
        /// Why.
        message: String,
    },
    /// A paginated listing returned a cursor it had already returned (or the one the request
    /// started from).
    #[error("pagination cursor repeated; stopping instead of looping")]
    RepeatedCursor {
        /// The cursor.
        cursor: String,
    },
    /// A paginated listing went on for more pages than the configured limit.
    #[error("pagination stopped after {pages} pages, the configured limit")]
    PageLimit {
        /// Pages read ([`crate::ClientBuilder::max_pages`]).
        pages: usize,
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

/// What kind of transport failure an [`Error::Transport`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TransportKind {
    /// No connection could be made (refused, unreachable, DNS): the request was never sent,
    /// so it is retried for every operation.
    Connect,
    /// TLS failed (handshake, certificate): retrying will not help; never retried.
    Tls,
    /// The connection failed after the request may have been sent (reset, truncated body):
    /// retried only for retry-safe operations.
    Io,
}

/// The bytes of a response body. `Debug` shows only the length, so logging an error never
/// logs the body; read it on purpose with [`RawBody::as_bytes`] or [`RawBody::to_str_lossy`].
#[derive(Clone, Default, PartialEq, Eq)]
pub struct RawBody(bytes::Bytes);

impl RawBody {
    pub(crate) fn new(bytes: bytes::Bytes) -> Self {
        RawBody(bytes)
    }
    /// The bytes as received (an error body is cut at
    /// [`crate::ClientBuilder::max_error_body_bytes`]).
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
    /// The body as text, invalid UTF-8 replaced.
    pub fn to_str_lossy(&self) -> Cow<'_, str> {
        String::from_utf8_lossy(&self.0)
    }
    /// Length in bytes.
    pub fn len(&self) -> usize {
        self.0.len()
    }
    /// Whether the body is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl std::fmt::Debug for RawBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RawBody(<{} bytes redacted>)", self.0.len())
    }
}

/// A non-2xx response, with everything it said.
#[non_exhaustive]
pub struct ApiError {
    /// HTTP status code.
    pub status: u16,
    /// The typed error object, when the body was one.
    pub error: Option<crate::ErrorBody>,
    /// `error_type` as sent, typed like the error object's own (an unknown value is kept
    /// verbatim), even when the typed decode of the whole body failed.
    pub error_type: Option<crate::ErrorType>,
    /// `error_code` as sent.
    pub error_code: Option<String>,
    /// `error_message`, `display_message` and the causes' messages: free text, read through
    /// [`ApiError::error_message`], [`ApiError::display_message`], [`ApiError::cause_messages`].
    messages: Messages,
    /// Plaid's `request_id`, for support.
    pub request_id: Option<String>,
    /// The response body, verbatim up to the error-body limit: nothing else is dropped.
    pub raw_body: RawBody,
    /// The `Retry-After` delay, if the response had one.
    pub retry_after: Option<Duration>,
    /// Attempts made, retries included.
    pub attempts: u32,
}

/// The free-text fields of an error body, kept out of `Debug` and `Display`.
#[derive(Clone, Default)]
struct Messages {
    error_message: Option<String>,
    display_message: Option<String>,
    causes: Vec<String>,
}

impl ApiError {
    /// `error_type` as sent, as text.
    // `ErrorType` is `String` for a spec whose error object types it so; `as_deref` would not
    // work for the enum.
    #[allow(clippy::option_as_ref_deref)]
    fn error_type_str(&self) -> Option<&str> {
        self.error_type.as_ref().map(|t| t.as_str())
    }

    /// Whether Plaid refused the request for its rate limit: `error_type` `RATE_LIMIT_EXCEEDED`
    /// (sent with HTTP 429; the `error_code` names which limit, such as `RATE_LIMIT`).
    pub fn is_rate_limited(&self) -> bool {
        self.error_type_str() == Some("RATE_LIMIT_EXCEEDED")
    }

    /// `error_message` as sent: Plaid's explanation for developers.
    ///
    /// **May hold user input or personal data**: Plaid's messages can quote the values that
    /// were sent (an email address, a name, a date of birth). That is why it is not part of
    /// this error's `Display` or `Debug`, nor of [`crate::ErrorBody`]'s `Debug`; log it only
    /// where personal data may go.
    pub fn error_message(&self) -> Option<&str> {
        self.messages.error_message.as_deref()
    }

    /// `display_message` as sent: text Plaid suggests showing the end user, or `None`.
    ///
    /// **May hold user input or personal data**, like [`ApiError::error_message`]: show it to
    /// the user it is about, do not log it.
    pub fn display_message(&self) -> Option<&str> {
        self.messages.display_message.as_deref()
    }

    /// The `error_message` of each entry of `causes` that has one, in order.
    ///
    /// **May hold user input or personal data**, like [`ApiError::error_message`].
    pub fn cause_messages(&self) -> impl Iterator<Item = &str> {
        self.messages.causes.iter().map(String::as_str)
    }
}

/// An identifier-like value from a body (`INVALID_INPUT`, a request id) as shown in error text:
/// kept when it is a short run of `[A-Za-z0-9_.-]`, otherwise replaced, so that a hostile body
/// cannot put anything else into logs.
fn shown(v: Option<&str>) -> &str {
    match v {
        None => "none",
        Some(s)
            if !s.is_empty()
                && s.len() <= 64
                && s.bytes().all(|b| b.is_ascii_alphanumeric() || b"_.-".contains(&b)) =>
        {
            s
        }
        Some(_) => "<not shown>",
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Plaid API error: HTTP {}", self.status)?;
        if (300..400).contains(&self.status) {
            f.write_str(" (a redirect; redirects are not followed)")?;
        }
        if self.error_type.is_some() || self.error_code.is_some() {
            write!(f, " {}/{}", shown(self.error_type_str()), shown(self.error_code.as_deref()))?;
        } else {
            f.write_str(" (no Plaid error object in the body)")?;
        }
        write!(f, " (request_id {}, {} attempt(s))", shown(self.request_id.as_deref()), self.attempts)
    }
}

/// `Debug` of an identifier-like `Option<String>` from a body: `None`, `Some("INVALID_INPUT")`,
/// or `Some(<not shown>)` for a value that does not look like an identifier.
struct ShownOption<'a>(Option<&'a str>);

impl std::fmt::Debug for ShownOption<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            None => f.write_str("None"),
            Some(s) => match shown(Some(s)) {
                "<not shown>" => f.write_str("Some(<not shown>)"),
                s => write!(f, "Some({s:?})"),
            },
        }
    }
}

impl std::fmt::Debug for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiError")
            .field("status", &self.status)
            .field("error_type", &ShownOption(self.error_type_str()))
            .field("error_code", &ShownOption(self.error_code.as_deref()))
            .field("request_id", &ShownOption(self.request_id.as_deref()))
            .field("raw_body", &self.raw_body)
            .field("retry_after", &self.retry_after)
            .field("attempts", &self.attempts)
            .finish_non_exhaustive()
    }
}

/// serde_json's message for `e` without the value it quotes and without the position (the
/// path says where): `invalid type: string "x", expected i64` becomes `invalid type: string,
/// expected i64`.
pub(crate) fn describe(e: &serde_json::Error) -> String {
    let full = e.to_string();
    let msg = match full.rfind(" at line ") {
        Some(i) if e.line() > 0 => &full[..i],
        _ => full.as_str(),
    };
    if !matches!(e.classify(), serde_json::error::Category::Data) {
        // Syntax and end-of-input messages are fixed texts.
        return msg.to_string();
    }
    for prefix in ["invalid type: ", "invalid value: "] {
        if let Some(rest) = msg.strip_prefix(prefix) {
            let kind = rest[..rest.find(['`', '"', ',']).unwrap_or(rest.len())].trim();
            let expected = rest.rfind(", expected ").map(|i| &rest[i..]).unwrap_or("");
            return format!("{prefix}{kind}{expected}");
        }
    }
    if msg.starts_with("missing field `") || msg.starts_with("duplicate field `") {
        // The name is ours (from the schema), not the body's.
        return msg.to_string();
    }
    // Anything else (a custom message, an unknown variant): drop every quoted span.
    let mut out = String::with_capacity(msg.len());
    let mut quote: Option<char> = None;
    for c in msg.chars() {
        match quote {
            Some(q) if c == q => {
                out.push('…');
                out.push(c);
                quote = None;
            }
            Some(_) => {}
            None => {
                out.push(c);
                if c == '`' || c == '"' {
                    quote = Some(c);
                }
            }
        }
    }
    if quote.is_some() {
        out.push('…');
    }
    out
}

/// Decodes a JSON body into a model the way the client decodes responses, for bodies you
/// stored or received yourself. A failure is an [`Error::Decode`] that names the path and the
/// expected type and holds no value from the body in its text (`serde_json`'s own errors quote
/// values, which may be personal data); the bytes stay reachable through [`Error::raw_body`].
///
/// ```
/// use std::collections::BTreeMap;
/// let e = plaid_idv::decode::<BTreeMap<String, String>>(br#"{"id": 4155550123}"#).unwrap_err();
/// assert_eq!(e.to_string(), "cannot decode response at `id`: invalid type: integer, expected a string");
/// ```
///
/// The body must be UTF-8 (as JSON text must be), checked once for the whole body: invalid
/// UTF-8 anywhere, even inside a value the model does not read, is an error naming its path.
/// The error's `attempts` is 1 (no request was made).
// Only serde_json's own deserializer is instantiated (once per type); on failure the path is
// recovered from the error's position by `path_at`, which is not generic. The body is read as
// a `str` (issue #23): serde_json then skips its UTF-8 check of each string and key, a fifth
// of a small body's decoding time.
pub fn decode<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, Error> {
    let bytes: &[u8] = if body.iter().all(u8::is_ascii_whitespace) { b"null" } else { body };
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => {
            return Err(Error::Decode {
                path: path_at(bytes, e.valid_up_to()),
                message: "invalid UTF-8 (JSON text must be UTF-8)".into(),
                body: RawBody::new(bytes::Bytes::copy_from_slice(body)),
                attempts: 1,
            })
        }
    };
    serde_json::from_str(text).map_err(|e| {
        let offset = offset_of(bytes, e.line(), e.column());
        let message = describe(&e);
        let path = match message.strip_prefix("missing field `").and_then(|r| r.split('`').next()) {
            // A missing field is reported where its object ends: name the field itself.
            Some(field) => join(&object_path_at(bytes, offset), field),
            None => path_at(bytes, offset),
        };
        Error::Decode { path, message, body: RawBody::new(bytes::Bytes::copy_from_slice(body)), attempts: 1 }
    })
}

fn join(parent: &str, field: &str) -> String {
    if parent == "." {
        field.to_string()
    } else {
        format!("{parent}.{field}")
    }
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

enum Frame {
    Object(Option<String>),
    /// Index, and whether that element has begun.
    Array(usize, bool),
}

/// The containers open at byte `offset`: a single pass over the text up to that point,
/// tracking object keys and array indices.
fn frames_at(body: &[u8], offset: usize) -> Vec<Frame> {
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
    stack
}

fn render(stack: &[Frame]) -> String {
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

/// The path (`steps.kyc_check`, `identity_verifications[2].id`) of the JSON value at byte
/// `offset`. The root is `.`.
pub(crate) fn path_at(body: &[u8], offset: usize) -> String {
    render(&frames_at(body, offset))
}

/// The path of the object being read at byte `offset` (serde reports a missing field at the
/// object's closing brace, which may already be consumed).
fn object_path_at(body: &[u8], offset: usize) -> String {
    let mut offset = offset.min(body.len());
    if body.get(offset) != Some(&b'}') {
        // Just past the brace (possibly after whitespace): step back onto it.
        let mut j = offset;
        while j > 0 && body[j - 1].is_ascii_whitespace() {
            j -= 1;
        }
        if j > 0 && body[j - 1] == b'}' {
            offset = j - 1;
        }
    }
    let mut stack = frames_at(body, offset);
    if let Some(Frame::Object(key)) = stack.last_mut() {
        *key = None;
    }
    render(&stack)
}

impl Error {
    /// Whether repeating the same call may succeed, following Plaid's guidance: timeouts,
    /// connection failures, 429 (`error_type` `RATE_LIMIT_EXCEEDED`) and 5xx (`API_ERROR`,
    /// `INSTITUTION_ERROR`, planned maintenance). Client errors (other 4xx), decode failures and
    /// invalid requests are not retryable. Whether an operation may be repeated at all is a
    /// separate, per-operation rule.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Timeout { .. } => true,
            Error::Transport { kind, .. } => *kind != TransportKind::Tls,
            Error::Api(e) => {
                e.status == 429
                    || e.status >= 500
                    || matches!(e.error_type_str(), Some("RATE_LIMIT_EXCEEDED" | "API_ERROR"))
            }
            _ => false,
        }
    }

    /// Whether the request was certainly never sent (no connection could be made), so that
    /// sending it again is safe even for an operation that must not run twice.
    pub fn is_connect_failure(&self) -> bool {
        matches!(self, Error::Transport { kind: TransportKind::Connect, .. })
    }

    /// Whether Plaid refused the request before acting on it: HTTP 429 (`error_type`
    /// `RATE_LIMIT_EXCEEDED`; see [`ApiError::is_rate_limited`]).
    /// Such a request is retried on every operation, since it cannot have run
    /// ([`crate::CallOptions::retry_throttled`]).
    pub fn is_throttled(&self) -> bool {
        matches!(self, Error::Api(e) if e.status == 429)
    }

    /// Attempts made before this error was returned (0 for errors raised before sending).
    pub fn attempts(&self) -> u32 {
        match self {
            Error::Api(e) => e.attempts,
            Error::Timeout { attempts, .. }
            | Error::Transport { attempts, .. }
            | Error::Decode { attempts, .. }
            | Error::BodyTooLarge { attempts, .. } => *attempts,
            _ => 0,
        }
    }

    /// The response body behind an `Api` or `Decode` error. It is never part of `Display` or
    /// `Debug`; reading it is a deliberate choice, as it may hold personal data.
    pub fn raw_body(&self) -> Option<&RawBody> {
        match self {
            Error::Api(e) => Some(&e.raw_body),
            Error::Decode { body, .. } => Some(body),
            _ => None,
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
            Error::Timeout { attempts, .. }
            | Error::Transport { attempts, .. }
            | Error::Decode { attempts, .. }
            | Error::BodyTooLarge { attempts, .. } => *attempts = n,
            _ => {}
        }
        self
    }

    pub(crate) fn from_reqwest(e: reqwest::Error) -> Self {
        if e.is_builder() {
            return Error::invalid(format!("cannot build the request: {e}"));
        }
        if e.is_timeout() {
            return Error::Timeout { attempts: 1, source: e };
        }
        let kind = if is_tls(&e) {
            TransportKind::Tls
        } else if e.is_connect() {
            TransportKind::Connect
        } else {
            TransportKind::Io
        };
        Error::Transport { attempts: 1, kind, source: e }
    }

    pub(crate) fn invalid(message: impl Into<String>) -> Self {
        Error::InvalidRequest { message: message.into() }
    }

    /// Builds an `Api` error from a non-2xx response. Any body is accepted: an HTML page from
    /// a proxy still yields an `Api` error carrying the raw text.
    // `ErrorType::from` is the identity where `ErrorType` is `String`.
    #[allow(clippy::useless_conversion)]
    pub(crate) fn api(status: u16, body: bytes::Bytes, retry_after: Option<Duration>) -> Self {
        #[derive(serde::Deserialize)]
        struct Probe {
            error_type: Option<String>,
            error_code: Option<String>,
            error_message: Option<String>,
            request_id: Option<String>,
            // Read leniently: an odd shape here must not lose the fields above.
            display_message: Option<serde_json::Value>,
            causes: Option<serde_json::Value>,
        }
        let probe: Option<Probe> = serde_json::from_slice(&body).ok();
        let error = serde_json::from_slice::<crate::ErrorBody>(&body).ok().filter(|_| probe.is_some());
        let (error_type, error_code, messages, request_id) = match probe {
            Some(p) => {
                let causes = match &p.causes {
                    Some(serde_json::Value::Array(causes)) => causes
                        .iter()
                        .filter_map(|c| c.get("error_message").and_then(serde_json::Value::as_str))
                        .map(str::to_owned)
                        .collect(),
                    _ => Vec::new(),
                };
                let display_message = p.display_message.as_ref().and_then(serde_json::Value::as_str).map(str::to_owned);
                let messages = Messages { error_message: p.error_message, display_message, causes };
                (p.error_type.map(crate::ErrorType::from), p.error_code, messages, p.request_id)
            }
            None => (None, None, Messages::default(), None),
        };
        Error::Api(Box::new(ApiError {
            status,
            error,
            error_type,
            error_code,
            messages,
            request_id,
            raw_body: RawBody::new(body),
            retry_after,
            attempts: 1,
        }))
    }
}

/// Whether a transport error is a TLS failure: rustls reports them as `io::Error`s of kind
/// `InvalidData` (corrupt message, bad certificate) somewhere in the source chain.
fn is_tls(e: &reqwest::Error) -> bool {
    fn io_is_tls(io: &std::io::Error) -> bool {
        // An io::Error's `source()` skips the error it wraps, so look inside with `get_ref`.
        io.kind() == std::io::ErrorKind::InvalidData
            || io.get_ref().and_then(|inner| inner.downcast_ref::<std::io::Error>()).is_some_and(io_is_tls)
    }
    let mut source: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(e);
    while let Some(s) = source {
        if s.downcast_ref::<std::io::Error>().is_some_and(io_is_tls) {
            return true;
        }
        let text = s.to_string();
        if text.contains("certificate") || text.contains("tls handshake") {
            return true;
        }
        source = s.source();
    }
    false
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
    fn messages_keep_the_expected_type_and_drop_the_value() {
        let msg = |json: &str| match decode::<Outer>(json.as_bytes()) {
            Err(Error::Decode { message, .. }) => message,
            other => panic!("expected a decode error, got {other:?}"),
        };
        assert_eq!(msg(r#"{"id": 13125550147}"#), "invalid type: integer, expected a string");
        assert_eq!(msg(r#"{"id": "a", "steps": {"status": "x, expected \"y"}}"#), "missing field `items`");
        assert_eq!(msg(r#"{"id": "a", "steps": {"status": false}}"#), "invalid type: boolean, expected a string");
        assert_eq!(
            msg(r#"{"id": "a", "steps": {"status": "ok"}, "items": [{"status": {"k": 1}}]}"#),
            "invalid type: map, expected a string"
        );
        assert_eq!(msg(r#"{"id": "a""#), "EOF while parsing an object");
        // A duplicate key names the field (a schema name), never the values.
        assert_eq!(msg(r#"{"id": "a", "id": "b"}"#), "duplicate field `id`");
    }

    #[test]
    fn a_request_that_cannot_be_built_is_never_retried() {
        let http = crate::runtime::client::http_client_builder().unwrap().build().unwrap();
        let e = http.get("http://[not a host").build().unwrap_err();
        let err = Error::from_reqwest(e);
        assert!(matches!(err, Error::InvalidRequest { .. }), "{err:?}");
        assert!(!err.is_retryable() && !err.is_connect_failure());
    }

    #[test]
    fn a_missing_field_is_named_in_the_path() {
        assert_eq!(path_of::<Outer>(r#"{"id": "a", "items": [], "steps": {}}"#), "steps.status");
        assert_eq!(path_of::<Outer>(r#"{"id": "a", "steps": {"status": "x"}}"#), "items");
        assert_eq!(
            path_of::<Outer>(r#"{"id": "a", "steps": {"status": "x"}, "items": [{"status": "y"}, {} ] }"#),
            "items[1].status"
        );
    }

    #[test]
    fn paths_of_decode_failures() {
        assert_eq!(path_of::<Outer>(r#"{"id": "a", "steps": {"status": 5}, "items": []}"#), "steps.status");
        assert_eq!(
            path_of::<Outer>(r#"{"id": "a", "steps": {"status": "x"}, "items": [{"status": "ok"}, {"status": {}}]}"#),
            "items[1].status"
        );
        assert_eq!(path_of::<Outer>("{\n  \"id\": 1,\n  \"steps\": {}\n}"), "id");
        assert_eq!(path_of::<Outer>(r#"{"id": "a", "steps": {}, "items": []}"#), "steps.status");
        assert_eq!(path_of::<Outer>(r#"{"i\"d": "a", "id": [1]"#), "id");
        assert_eq!(path_of::<Outer>(r#"{"id": "a", "steps": {"status": "x"}, "items": [] } trailing"#), ".");
        assert_eq!(path_of::<Outer>(r#"[1]"#), ".");
    }
}
