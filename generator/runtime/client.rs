// Runtime of the generated crate, copied verbatim from generator/runtime/.

//! The HTTP client: environments, credentials, timeouts, retries and tracing.

use super::error::{decode, Error};
use super::retry::{parse_retry_after, RetryPolicy};
use bytes::Bytes;
use reqwest::header::{HeaderValue, CONTENT_TYPE, RETRY_AFTER, USER_AGENT};
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tracing::Instrument;

/// A `reqwest` client builder set up as this crate's own HTTP client is: start from it to build
/// the [`reqwest::Client`] you pass to [`ClientBuilder::http_client`], then add your settings (a
/// proxy, default headers, pool limits) and `build()` it.
///
/// - TLS: rustls with `ring` as its crypto provider, set on this builder only (no process-wide
///   default is installed), and certificates checked against the operating system's trust
///   store (rustls-platform-verifier). On a system with no CA certificates at all (a bare
///   container without `ca-certificates`) every certificate is refused: `https` calls fail with
///   [`TransportKind::Tls`](crate::TransportKind::Tls) and a warning is logged; `http` to a
///   loopback fake still works.
/// - HTTP/2 or HTTP/1.1, chosen by ALPN; redirects never followed (`redirect::Policy::none()`);
///   connect timeout [`ClientBuilder::DEFAULT_CONNECT_TIMEOUT`].
///
/// Why start here: this crate builds reqwest with its `rustls-no-provider` feature, not `rustls`
/// (which also builds aws-lc-rs, compiling the AWS-LC C library). With only this crate's reqwest features,
/// `reqwest::Client::new()` and any `reqwest::ClientBuilder` without a TLS setup **panic** when
/// built, for want of a rustls crypto provider, unless your program installed one
/// (`rustls::crypto::CryptoProvider::install_default`) or your own `Cargo.toml` enables
/// reqwest's `rustls` feature. The TLS setup is preconfigured here, so reqwest's own TLS
/// settings on this builder (`tls_certs_merge`, `tls_certs_only`, `identity`, TLS versions, the
/// `tls_danger_*` switches) do not apply; for another TLS setup, build your client from
/// `reqwest::Client::builder()` with one of the two above.
///
/// ```
/// let http = plaid_idv::http_client_builder()?
///     .pool_max_idle_per_host(4)
///     .build()?;
/// let secret = plaid_idv::Secret::new("secret");
/// let client = plaid_idv::Client::builder("client-id", secret).http_client(http).build()?;
/// # let _ = client;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
///
/// [`Error::InvalidRequest`] if rustls refuses the TLS setup (it does not for `ring`'s defaults).
pub fn http_client_builder() -> Result<reqwest::ClientBuilder, Error> {
    Ok(reqwest::Client::builder()
        .tls_backend_preconfigured(tls_config()?)
        .connect_timeout(ClientBuilder::DEFAULT_CONNECT_TIMEOUT)
        // A redirect could carry the secret and the body to another host: never follow.
        .redirect(reqwest::redirect::Policy::none()))
}

/// The rustls setup of every client [`http_client_builder`] starts, made once per process (it
/// reads the system's CA certificates) and cloned for each client.
fn tls_config() -> Result<rustls::ClientConfig, Error> {
    static CONFIG: std::sync::OnceLock<rustls::ClientConfig> = std::sync::OnceLock::new();
    if let Some(config) = CONFIG.get() {
        return Ok(config.clone());
    }
    // rustls 0.23.48 deprecates `ring`'s provider because it has no post-quantum key exchange
    // (X25519MLKEM768; aws-lc-rs has one, but compiles AWS-LC). Key exchange is X25519, P-256 or
    // P-384, as with reqwest 0.12's `rustls-tls`. The generator's README explains the choice.
    #[allow(deprecated)]
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let versions = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::invalid(format!("cannot set up TLS: {e}")))?;
    let verifier = match rustls_platform_verifier::Verifier::new(provider) {
        // rustls calls any verifier other than its own webpki one `dangerous`; this one is the
        // platform's full verification (chain, name, validity).
        Ok(platform) => versions.dangerous().with_custom_certificate_verifier(Arc::new(platform)),
        Err(e) => {
            tracing::warn!(
                error = %e,
                "no CA certificates could be loaded from the system: every https certificate will be refused"
            );
            versions.with_root_certificates(rustls::RootCertStore::empty())
        }
    };
    let mut config = verifier.with_no_client_auth();
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(CONFIG.get_or_init(|| config).clone())
}

/// Which Plaid deployment to talk to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Environment {
    /// Test data, no charges.
    Sandbox,
    /// Live data.
    Production,
    /// Any other base URL. A loopback URL (`127.0.0.0/8`, `[::1]`, `localhost`: a mock server,
    /// a test fake) works over `http` or `https`. Any other host needs `https` and an explicit
    /// [`ClientBuilder::allow_custom_host`], since it will receive your secret.
    Custom(String),
}

/// Whether `host` (as `Url::host_str` gives it) is this machine.
pub(crate) fn is_loopback(host: &str) -> bool {
    let h = host.trim_start_matches('[').trim_end_matches(']');
    h.eq_ignore_ascii_case("localhost") || h.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// Checks a custom base URL: `http(s)` only, no credentials, query or fragment, a loopback host
/// unless `allow_custom_host`, and then `https` only.
fn check_base_url(u: &str, allow_custom_host: bool) -> Result<(), Error> {
    let url = reqwest::Url::parse(u).map_err(|e| Error::invalid(format!("invalid base URL {u:?}: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(Error::invalid(format!("base URL {u:?}: only http(s) URLs are supported")));
    }
    if !url.username().is_empty() || url.password().is_some() || url.query().is_some() || url.fragment().is_some() {
        return Err(Error::invalid(format!(
            "base URL {u:?}: credentials, a query or a fragment are not allowed in it"
        )));
    }
    let host = url.host_str().unwrap_or("");
    if is_loopback(host) {
        return Ok(());
    }
    if !allow_custom_host {
        return Err(Error::invalid(format!(
            "base URL {u:?}: host {host:?} is not Plaid and not loopback; it would receive your secret. \
             Use sandbox or production, a loopback URL, or call ClientBuilder::allow_custom_host(true) in code"
        )));
    }
    if url.scheme() != "https" {
        return Err(Error::invalid(format!(
            "base URL {u:?}: a host other than loopback must use https (the secret would travel in clear text)"
        )));
    }
    Ok(())
}

impl Environment {
    /// The base URL, without a trailing slash.
    pub fn base_url(&self) -> &str {
        match self {
            Environment::Sandbox => crate::SANDBOX_URL,
            Environment::Production => crate::PRODUCTION_URL,
            Environment::Custom(u) => u.trim_end_matches('/'),
        }
    }
}

impl std::str::FromStr for Environment {
    type Err = Error;

    /// Parses `sandbox`, `production` or a loopback `http(s)://` URL (this is what `PLAID_ENV`
    /// accepts): `"sandbox".parse::<Environment>()`. Other hosts are refused here; see
    /// [`Environment::Custom`].
    fn from_str(s: &str) -> Result<Self, Error> {
        match s.trim() {
            "sandbox" => Ok(Environment::Sandbox),
            "production" => Ok(Environment::Production),
            u if u.starts_with("https://") || u.starts_with("http://") => {
                check_base_url(u, false)?;
                Ok(Environment::Custom(u.to_string()))
            }
            other => Err(Error::invalid(format!(
                "unknown environment {other:?}: use sandbox, production or a loopback http(s):// URL"
            ))),
        }
    }
}

/// Whether an operation may be sent again after a retryable failure.
/// (A portion whose operations are all never retried does not use `Safe`.)
#[allow(dead_code)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Retry {
    /// Repeating the call is harmless.
    Safe,
    /// Repeating could act twice.
    Never,
}

/// Static facts about one operation.
#[derive(Debug, Clone)]
pub(crate) struct Operation {
    /// operationId.
    pub id: &'static str,
    /// HTTP method.
    pub method: reqwest::Method,
    /// Path, appended to the base URL.
    pub path: &'static str,
}

/// What the client reads from a decoded response.
pub trait ResponseMeta {
    /// Plaid's `request_id`, when the response has one.
    fn request_id(&self) -> Option<&str> {
        None
    }
}
impl ResponseMeta for serde_json::Value {
    fn request_id(&self) -> Option<&str> {
        self.get("request_id").and_then(serde_json::Value::as_str)
    }
}
// Every other shape a response can lower to (a list, a free-form map, a scalar).
impl<T> ResponseMeta for Vec<T> {}
impl<T> ResponseMeta for std::collections::BTreeMap<String, T> {}
impl ResponseMeta for String {}
impl ResponseMeta for bool {}
impl ResponseMeta for i32 {}
impl ResponseMeta for i64 {}
impl ResponseMeta for f64 {}
impl ResponseMeta for chrono::NaiveDate {}
impl ResponseMeta for chrono::DateTime<chrono::Utc> {}
impl ResponseMeta for () {}

struct Inner {
    http: reqwest::Client,
    base_url: String,
    /// The base URL's host, for the `server.address` span field.
    #[allow(dead_code)] // read by `execute`, which portions without operations do not use
    host: String,
    client_id: HeaderValue,
    secret: HeaderValue,
    user_agent: HeaderValue,
    #[allow(dead_code)] // read by `execute`, which portions without operations do not use
    max_response_bytes: usize,
    max_error_body_bytes: usize,
    max_pages: usize,
}

/// What a call may take: the settings [`Client::with_options`] overrides per call.
#[derive(Debug, Clone, PartialEq, Eq)]
struct CallSettings {
    retry: RetryPolicy,
    attempt_timeout: Duration,
    operation_timeout: Duration,
    /// Whether a 429 is retried on operations that are not retry-safe.
    retry_throttled: bool,
}

/// A Plaid client. Cheap to clone (one shared connection pool), `Send + Sync`.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
    call: CallSettings,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.inner.base_url)
            .field("client_id", &self.inner.client_id)
            .field("secret", &"[redacted]")
            .field("user_agent", &self.inner.user_agent)
            .field("retry", &self.call.retry)
            .field("attempt_timeout", &self.call.attempt_timeout)
            .field("operation_timeout", &self.call.operation_timeout)
            .field("retry_throttled", &self.call.retry_throttled)
            .finish()
    }
}

/// Per-call overrides of timeouts and retries, for [`Client::with_options`]. A field left
/// `None` keeps the client's setting.
///
/// ```
/// use plaid_idv::{CallOptions, RetryPolicy};
/// use std::time::Duration;
///
/// let options = CallOptions {
///     attempt_timeout: Some(Duration::from_secs(2)),
///     retry_policy: Some(RetryPolicy::none()),
///     ..CallOptions::default()
/// };
/// # let _ = options;
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CallOptions {
    /// Timeout of one attempt ([`ClientBuilder::attempt_timeout`]).
    pub attempt_timeout: Option<Duration>,
    /// Deadline of the whole call, retries and backoff included
    /// ([`ClientBuilder::operation_timeout`]).
    pub operation_timeout: Option<Duration>,
    /// Retry policy ([`ClientBuilder::retry_policy`]). `max_attempts: 0` acts as `1`.
    pub retry_policy: Option<RetryPolicy>,
    /// Whether an HTTP 429 is retried on operations that are not retry-safe
    /// (`/identity_verification/retry`, `/link/token/create`, a create without
    /// `is_idempotent`). Default `true`: a 429 means Plaid refused the request before acting on
    /// it, so sending it again cannot act twice. `false` returns the 429 at once from those
    /// operations; retry-safe ones still follow `retry_policy`.
    pub retry_throttled: Option<bool>,
}

impl CallOptions {
    /// No overrides.
    pub fn new() -> Self {
        Self::default()
    }
    /// Overrides the timeout of one attempt.
    pub fn attempt_timeout(mut self, d: Duration) -> Self {
        self.attempt_timeout = Some(d);
        self
    }
    /// Overrides the deadline of the whole call.
    pub fn operation_timeout(mut self, d: Duration) -> Self {
        self.operation_timeout = Some(d);
        self
    }
    /// Overrides the retry policy.
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry_policy = Some(policy);
        self
    }
    /// Turns the retry of a 429 on operations that are not retry-safe on or off (see
    /// [`CallOptions::retry_throttled`]).
    pub fn retry_throttled(mut self, on: bool) -> Self {
        self.retry_throttled = Some(on);
        self
    }
}

/// Your Plaid secret, for [`Client::builder`]: a type of its own, so it cannot be passed where
/// the client id goes (or the other way round), and one that never prints: its `Debug` is
/// `Secret([redacted])` and it has no `Display`. The client sends it only in the `PLAID-SECRET`
/// header, marked sensitive.
#[derive(Clone)]
pub struct Secret(String);

impl Secret {
    /// Wraps the secret (from your configuration or secret store).
    pub fn new(secret: impl Into<String>) -> Self {
        Secret(secret.into())
    }

    /// The secret itself, for code that must hand it on; never log it.
    pub fn expose_secret(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

/// Configures a [`Client`].
#[derive(Clone)]
pub struct ClientBuilder {
    environment: Environment,
    client_id: String,
    secret: Secret,
    connect_timeout: Duration,
    attempt_timeout: Duration,
    operation_timeout: Duration,
    retry: RetryPolicy,
    allow_custom_host: bool,
    max_response_bytes: usize,
    max_error_body_bytes: usize,
    max_pages: usize,
    http_client: Option<reqwest::Client>,
    user_agent_suffix: Option<String>,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("environment", &self.environment)
            .field("client_id", &self.client_id)
            .field("secret", &"[redacted]")
            .field("connect_timeout", &self.connect_timeout)
            .field("attempt_timeout", &self.attempt_timeout)
            .field("operation_timeout", &self.operation_timeout)
            .field("retry", &self.retry)
            .field("allow_custom_host", &self.allow_custom_host)
            .field("max_response_bytes", &self.max_response_bytes)
            .field("max_error_body_bytes", &self.max_error_body_bytes)
            .field("max_pages", &self.max_pages)
            .field("http_client", &if self.http_client.is_some() { "supplied" } else { "built-in" })
            .field("user_agent_suffix", &self.user_agent_suffix)
            .finish()
    }
}

impl ClientBuilder {
    /// Default connect timeout: 10 s.
    pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
    /// Default timeout of one attempt, from connecting to the last body byte: 20 s.
    pub const DEFAULT_ATTEMPT_TIMEOUT: Duration = Duration::from_secs(20);
    /// Default deadline of a whole call, retries and backoff included: 60 s. With the
    /// default attempt timeout, a timed-out retry-safe call gets at least two attempts.
    pub const DEFAULT_OPERATION_TIMEOUT: Duration = Duration::from_secs(60);
    /// Default largest 2xx body read: 8 MiB. A larger one is [`Error::BodyTooLarge`].
    pub const DEFAULT_MAX_RESPONSE_BYTES: usize = 8 << 20;
    /// Default largest error (non-2xx) body kept: 64 KiB. A longer one is cut there.
    pub const DEFAULT_MAX_ERROR_BODY_BYTES: usize = 64 << 10;
    /// Default largest number of pages a pagination stream reads: 10,000.
    pub const DEFAULT_MAX_PAGES: usize = 10_000;

    /// Allows an [`Environment::Custom`] host that is neither Plaid nor loopback (a gateway
    /// you run), over `https` only. Off by default: `PLAID_ENV` can never turn it on.
    pub fn allow_custom_host(mut self, allow: bool) -> Self {
        self.allow_custom_host = allow;
        self
    }
    /// Sets the largest 2xx body read, counted on the stream (not trusted from
    /// `Content-Length`). Default [`Self::DEFAULT_MAX_RESPONSE_BYTES`].
    pub fn max_response_bytes(mut self, bytes: usize) -> Self {
        self.max_response_bytes = bytes;
        self
    }
    /// Sets how much of a non-2xx body is kept. Default
    /// [`Self::DEFAULT_MAX_ERROR_BODY_BYTES`].
    pub fn max_error_body_bytes(mut self, bytes: usize) -> Self {
        self.max_error_body_bytes = bytes;
        self
    }
    /// Sets the largest number of pages a pagination stream reads before it ends with
    /// [`Error::PageLimit`]. Default [`Self::DEFAULT_MAX_PAGES`].
    pub fn max_pages(mut self, pages: usize) -> Self {
        self.max_pages = pages;
        self
    }

    /// Selects the environment (default: sandbox).
    pub fn environment(mut self, environment: Environment) -> Self {
        self.environment = environment;
        self
    }
    /// Sets the connect timeout.
    pub fn connect_timeout(mut self, d: Duration) -> Self {
        self.connect_timeout = d;
        self
    }
    /// Sets the timeout of one attempt (default [`Self::DEFAULT_ATTEMPT_TIMEOUT`]), like
    /// aws-sdk-rust's `operation_attempt_timeout`.
    pub fn attempt_timeout(mut self, d: Duration) -> Self {
        self.attempt_timeout = d;
        self
    }
    /// Sets the deadline of a whole call, retries and backoff included (default
    /// [`Self::DEFAULT_OPERATION_TIMEOUT`]), like aws-sdk-rust's `operation_timeout`. No retry
    /// starts after it, and the last attempt is cut to the time that is left.
    pub fn operation_timeout(mut self, d: Duration) -> Self {
        self.operation_timeout = d;
        self
    }
    /// Sets the retry policy.
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Appends your app's product token to the `User-Agent`: `user_agent_suffix("my-app/1.2")`
    /// sends `plaid-idv/<version> my-app/1.2`. It must be header-safe (checked by
    /// [`ClientBuilder::build`]).
    pub fn user_agent_suffix(mut self, suffix: impl Into<String>) -> Self {
        self.user_agent_suffix = Some(suffix.into());
        self
    }

    /// Sends every request through your own `reqwest::Client`: for a proxy, extra root
    /// certificates, or a middleware-like setup such as default headers.
    ///
    /// What still applies: the base-URL checks (loopback or Plaid, or `allow_custom_host` and
    /// `https`), the credentials and version headers, the `User-Agent` (set on each request, so
    /// it replaces your client's own), the per-attempt and per-call timeouts, the retry policy,
    /// and the body limits (they are counted while reading, whatever the client is).
    ///
    /// What is now your client's policy: connection pooling, the connect timeout
    /// ([`ClientBuilder::connect_timeout`] is not used), proxies, TLS and **redirects**.
    /// **Build it with `.redirect(reqwest::redirect::Policy::none())`**: a client that follows
    /// redirects would send your secret and request body to wherever a `3xx` points. As a
    /// safety net, a response whose final URL is not the one requested (a redirect was
    /// followed) is refused with [`Error::InvalidRequest`] and never decoded or retried, but by
    /// then the request has been sent to the other URL.
    ///
    /// Start from [`http_client_builder`](crate::http_client_builder): it has this crate's TLS
    /// setup and no redirects already (a bare `reqwest::Client::builder()` panics when built
    /// unless your program chose a rustls crypto provider; see there). The client must be of
    /// the reqwest version this crate re-exports as [`reqwest`](crate::reqwest).
    ///
    /// ```
    /// let http = plaid_idv::http_client_builder()? // redirects off, as required: see above
    ///     .default_headers(plaid_idv::reqwest::header::HeaderMap::new())
    ///     .build()?;
    /// let secret = plaid_idv::Secret::new("secret");
    /// let client = plaid_idv::Client::builder("client-id", secret).http_client(http).build()?;
    /// # let _ = client;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http_client = Some(client);
        self
    }

    /// Builds the client. Fails on an empty or non-header-safe credential or a bad URL.
    pub fn build(self) -> Result<Client, Error> {
        let header = |name: &str, v: &str| -> Result<HeaderValue, Error> {
            if v.trim().is_empty() {
                return Err(Error::invalid(format!("missing {name}")));
            }
            HeaderValue::from_str(v)
                .map_err(|_| Error::invalid(format!("{name} contains characters not allowed in a header")))
        };
        let client_id = header("client id", &self.client_id)?;
        let mut secret = header("secret", self.secret.expose_secret())?;
        secret.set_sensitive(true);
        if let Environment::Custom(u) = &self.environment {
            check_base_url(u, self.allow_custom_host)?;
        }
        if self.max_pages == 0 {
            return Err(Error::invalid("max_pages must be at least 1"));
        }
        if self.retry.max_attempts == 0 {
            return Err(Error::invalid("retry policy needs max_attempts >= 1"));
        }
        let mut user_agent = String::from(concat!(env!("CARGO_PKG_NAME"), "/", env!("CARGO_PKG_VERSION")));
        if let Some(suffix) = self.user_agent_suffix.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            user_agent.push(' ');
            user_agent.push_str(suffix);
        }
        let user_agent = HeaderValue::from_str(&user_agent)
            .map_err(|_| Error::invalid("user agent suffix contains characters not allowed in a header"))?;
        let http = match self.http_client {
            Some(http) => http,
            None => http_client_builder()?
                .connect_timeout(self.connect_timeout)
                .build()
                .map_err(|e| Error::invalid(format!("cannot build HTTP client: {e}")))?,
        };
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                host: reqwest::Url::parse(self.environment.base_url())
                    .ok()
                    .and_then(|u| u.host_str().map(str::to_owned))
                    .unwrap_or_default(),
                base_url: self.environment.base_url().to_string(),
                client_id,
                secret,
                user_agent,
                max_response_bytes: self.max_response_bytes,
                max_error_body_bytes: self.max_error_body_bytes,
                max_pages: self.max_pages,
            }),
            call: CallSettings {
                retry: self.retry,
                attempt_timeout: self.attempt_timeout,
                operation_timeout: self.operation_timeout,
                retry_throttled: true,
            },
        })
    }
}

impl Client {
    /// Starts configuring a client with its credentials:
    /// `Client::builder("client-id", Secret::new(secret))`. The secret is a [`Secret`], so the
    /// two cannot be swapped.
    pub fn builder(client_id: impl Into<String>, secret: Secret) -> ClientBuilder {
        ClientBuilder {
            environment: Environment::Sandbox,
            client_id: client_id.into(),
            secret,
            connect_timeout: ClientBuilder::DEFAULT_CONNECT_TIMEOUT,
            attempt_timeout: ClientBuilder::DEFAULT_ATTEMPT_TIMEOUT,
            operation_timeout: ClientBuilder::DEFAULT_OPERATION_TIMEOUT,
            retry: RetryPolicy::default(),
            allow_custom_host: false,
            max_response_bytes: ClientBuilder::DEFAULT_MAX_RESPONSE_BYTES,
            max_error_body_bytes: ClientBuilder::DEFAULT_MAX_ERROR_BODY_BYTES,
            max_pages: ClientBuilder::DEFAULT_MAX_PAGES,
            http_client: None,
            user_agent_suffix: None,
        }
    }

    /// Builds a client from `PLAID_CLIENT_ID`, `PLAID_SECRET` and `PLAID_ENV` (`sandbox`,
    /// `production` or a loopback URL; default `sandbox`).
    pub fn from_env() -> Result<Client, Error> {
        let var = |name: &str| -> Result<String, Error> {
            std::env::var(name)
                .map_err(|_| Error::invalid(format!("environment variable {name} is not set (or not UTF-8)")))
        };
        let env = match std::env::var("PLAID_ENV") {
            Ok(v) => v.parse::<Environment>()?,
            Err(std::env::VarError::NotPresent) => Environment::Sandbox,
            Err(_) => return Err(Error::invalid("PLAID_ENV is not UTF-8")),
        };
        Client::builder(var("PLAID_CLIENT_ID")?, Secret::new(var("PLAID_SECRET")?)).environment(env).build()
    }

    /// The base URL in use.
    pub fn base_url(&self) -> &str {
        &self.inner.base_url
    }

    /// The retry policy in use.
    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.call.retry
    }

    /// The timeout of one attempt in use.
    pub fn attempt_timeout(&self) -> Duration {
        self.call.attempt_timeout
    }

    /// The deadline of a whole call in use.
    pub fn operation_timeout(&self) -> Duration {
        self.call.operation_timeout
    }

    /// Whether a 429 is retried on operations that are not retry-safe
    /// ([`CallOptions::retry_throttled`]; default `true`).
    pub fn retries_throttled(&self) -> bool {
        self.call.retry_throttled
    }

    /// The `User-Agent` sent with every request.
    pub fn user_agent(&self) -> &str {
        self.inner.user_agent.to_str().unwrap_or_default()
    }

    /// This client with other timeouts or another retry policy, for the calls you make on the
    /// result; `self` is unchanged. It is a cheap clone: the connection pool, credentials and
    /// limits are shared (one `Arc`), only the three settings are copied. The result can be
    /// kept, passed on (pagination streams and flow helpers use it for every call they make),
    /// or used once:
    ///
    /// ```no_run
    /// # async fn f(client: &plaid_idv::Client, id: &str) -> Result<(), plaid_idv::Error> {
    /// use plaid_idv::types::IdentityVerificationGetRequest;
    /// use plaid_idv::{CallOptions, RetryPolicy};
    /// use std::time::Duration;
    ///
    /// // A health check that must answer fast and never retries.
    /// let quick = client.with_options(
    ///     CallOptions::new().attempt_timeout(Duration::from_secs(2)).retry_policy(RetryPolicy::none()),
    /// );
    /// quick.identity_verification_get(&IdentityVerificationGetRequest::new(id)).await?;
    /// # Ok(()) }
    /// ```
    ///
    /// Why a client and not an argument: every operation keeps one signature, the overrides
    /// reach the calls made inside streams and helpers, and nothing needs a second connection
    /// pool (async-stripe's `Client::with_strategy` works the same way).
    pub fn with_options(&self, options: CallOptions) -> Client {
        let mut client = self.clone();
        if let Some(d) = options.attempt_timeout {
            client.call.attempt_timeout = d;
        }
        if let Some(d) = options.operation_timeout {
            client.call.operation_timeout = d;
        }
        if let Some(p) = options.retry_policy {
            client.call.retry = p;
        }
        if let Some(on) = options.retry_throttled {
            client.call.retry_throttled = on;
        }
        client
    }

    /// The largest number of pages a pagination stream reads.
    pub fn max_pages(&self) -> usize {
        self.inner.max_pages
    }

    /// Sends one operation: encodes the body once, sends it (retrying only when `retry` says
    /// repeating is safe and the error is retryable), and decodes the 2xx body. Only encoding
    /// and decoding are generic; the transport and retry loop are compiled once for all
    /// operations.
    #[allow(dead_code)] // unused by portions without operations
    pub(crate) async fn execute<Req, Resp>(
        &self,
        op: &Operation,
        body: Option<&Req>,
        retry: Retry,
    ) -> Result<Resp, Error>
    where
        Req: crate::ToJson + ?Sized,
        Resp: serde::de::DeserializeOwned + ResponseMeta,
    {
        self.execute_limited(op, body, retry, self.inner.max_response_bytes).await
    }

    /// [`Client::execute`] with its own 2xx body limit (the webhook key fetch uses a small one).
    pub(crate) async fn execute_limited<Req, Resp>(
        &self,
        op: &Operation,
        body: Option<&Req>,
        retry: Retry,
        max_bytes: usize,
    ) -> Result<Resp, Error>
    where
        Req: crate::ToJson + ?Sized,
        Resp: serde::de::DeserializeOwned + ResponseMeta,
    {
        // Written directly (`ToJson`: the bytes serde_json would write; it cannot fail).
        let body: Option<Bytes> = body.map(|b| b.to_json().into_bytes().into());
        // One span per call (fields in the crate README's tracing table); `send` adds a child
        // span per attempt. Neither holds a header, a body or a value from one.
        let span = tracing::info_span!(
            "plaid.request",
            "plaid.operation" = op.id,
            "http.request.method" = op.method.as_str(),
            "server.address" = self.inner.host.as_str(),
            "url.path" = op.path,
            "plaid.attempts" = tracing::field::Empty,
            "http.response.status_code" = tracing::field::Empty,
            "plaid.request_id" = tracing::field::Empty,
            "error.type" = tracing::field::Empty,
        );
        let result = async {
            let (bytes, attempts) = self.send(op, body, retry, max_bytes).await?;
            decode::<Resp>(&bytes).map_err(|e| e.with_attempts(attempts))
        }
        .instrument(span.clone())
        .await;
        match &result {
            Ok(value) => {
                if let Some(id) = value.request_id().filter(|id| looks_like_id(id)) {
                    span.record("plaid.request_id", id);
                }
            }
            Err(e) => {
                span.record("error.type", tracing::field::display(error_type(e)));
                if let Some(id) = e.request_id().filter(|id| looks_like_id(id)) {
                    span.record("plaid.request_id", id);
                }
            }
        }
        result
    }

    /// The retry loop: returns a 2xx body and the number of attempts it took. A failure is
    /// retried when the operation is retry-safe and the error retryable, or, for any operation,
    /// when the request was never sent (a connect failure) or was refused before it ran (a 429,
    /// unless [`CallOptions::retry_throttled`] is off). No attempt starts after the operation
    /// deadline, and each is cut to the time left.
    async fn send(
        &self,
        op: &Operation,
        body: Option<Bytes>,
        retry: Retry,
        max_bytes: usize,
    ) -> Result<(Bytes, u32), Error> {
        let call = &self.call;
        let started = Instant::now();
        let span = tracing::Span::current();
        let mut attempt: u32 = 0;
        loop {
            attempt += 1;
            span.record("plaid.attempts", attempt);
            let attempt_span = tracing::debug_span!(
                "plaid.attempt",
                "plaid.attempt" = attempt,
                "http.request.resend_count" = tracing::field::Empty,
                "http.response.status_code" = tracing::field::Empty,
                "plaid.request_id" = tracing::field::Empty,
                "plaid.duration_ms" = tracing::field::Empty,
                "plaid.retry_decision" = tracing::field::Empty,
                "plaid.retry_delay_ms" = tracing::field::Empty,
                "error.type" = tracing::field::Empty,
            );
            if attempt > 1 {
                attempt_span.record("http.request.resend_count", attempt - 1);
            }
            let left = call.operation_timeout.saturating_sub(started.elapsed());
            let limit = call.attempt_timeout.min(left).max(Duration::from_millis(1));
            let attempt_started = Instant::now();
            let outcome = self
                .attempt(op, body.clone(), &span, &attempt_span, max_bytes, limit)
                .instrument(attempt_span.clone())
                .await;
            attempt_span.record("plaid.duration_ms", attempt_started.elapsed().as_millis() as u64);
            let err = match outcome {
                Ok(bytes) => {
                    attempt_span.record("plaid.retry_decision", "done");
                    return Ok((bytes, attempt));
                }
                // The error counts the attempts made so far, so every line about it agrees.
                Err(e) => e.with_attempts(attempt),
            };
            attempt_span.record("error.type", tracing::field::display(error_type(&err)));
            if let Some(id) = err.request_id().filter(|id| looks_like_id(id)) {
                attempt_span.record("plaid.request_id", id);
            }
            let resend = match retry {
                Retry::Safe => err.is_retryable(),
                Retry::Never => err.is_connect_failure() || (call.retry_throttled && err.is_throttled()),
            };
            let decision = if !resend {
                if err.is_retryable() {
                    "not_retry_safe"
                } else {
                    "not_retryable"
                }
            } else {
                match call.retry.next_delay(attempt, err.retry_after()) {
                    // Retry only if the wait ends before the deadline, with time for an attempt.
                    Some(delay)
                        if started.elapsed().saturating_add(delay).saturating_add(Duration::from_millis(1))
                            < call.operation_timeout =>
                    {
                        attempt_span.record("plaid.retry_decision", "retry");
                        attempt_span.record("plaid.retry_delay_ms", delay.as_millis() as u64);
                        attempt_span
                            .in_scope(|| tracing::debug!(error = %err, ?delay, "plaid.attempts" = attempt, "retrying"));
                        drop(attempt_span);
                        tokio::time::sleep(delay).await;
                        continue;
                    }
                    _ => "give_up",
                }
            };
            attempt_span.record("plaid.retry_decision", decision);
            attempt_span.in_scope(|| tracing::debug!(error = %err, "plaid.attempts" = attempt, "request failed"));
            return Err(err);
        }
    }

    /// One HTTP exchange: a 2xx body, or the error it amounts to.
    async fn attempt(
        &self,
        op: &Operation,
        body: Option<Bytes>,
        span: &tracing::Span,
        attempt_span: &tracing::Span,
        max_bytes: usize,
        timeout: Duration,
    ) -> Result<Bytes, Error> {
        let inner = &*self.inner;
        let mut url = String::with_capacity(inner.base_url.len() + op.path.len());
        url.push_str(&inner.base_url);
        url.push_str(op.path);
        let sent_to = reqwest::Url::parse(&url).map_err(|e| Error::invalid(format!("invalid URL {url:?}: {e}")))?;
        let mut req = inner
            .http
            .request(op.method.clone(), sent_to.clone())
            .timeout(timeout)
            .header(USER_AGENT, inner.user_agent.clone())
            .header(crate::CLIENT_ID_HEADER, inner.client_id.clone())
            .header(crate::SECRET_HEADER, inner.secret.clone())
            .header(crate::VERSION_HEADER, crate::API_VERSION);
        if let Some(b) = body {
            req = req.header(CONTENT_TYPE, "application/json").body(b);
        }
        let resp = req.send().await.map_err(Error::from_reqwest)?;
        if resp.url() != &sent_to {
            // Only a supplied client (ClientBuilder::http_client) can follow a redirect.
            return Err(Error::invalid(
                "the HTTP client followed a redirect; build it with reqwest::redirect::Policy::none()",
            ));
        }
        let status = resp.status();
        span.record("http.response.status_code", status.as_u16());
        attempt_span.record("http.response.status_code", status.as_u16());
        let retry_after = resp.headers().get(RETRY_AFTER).and_then(|v| v.to_str().ok()).and_then(parse_retry_after);
        if status.is_success() {
            return match read_capped(resp, max_bytes).await? {
                (bytes, false) => Ok(bytes),
                (_, true) => Err(Error::BodyTooLarge { limit: max_bytes, attempts: 1 }),
            };
        }
        // An error body is kept up to its own, smaller limit and cut there.
        let (bytes, _) = read_capped(resp, inner.max_error_body_bytes).await?;
        Err(Error::api(status.as_u16(), bytes, retry_after))
    }
}

/// The OpenTelemetry `error.type` of a failed call or attempt: the HTTP status of an `Api`
/// error, else the kind of failure.
fn error_type(e: &Error) -> std::borrow::Cow<'static, str> {
    match e {
        Error::Api(a) => a.status.to_string().into(),
        Error::Timeout { .. } => "timeout".into(),
        Error::Transport { .. } => "transport".into(),
        Error::Decode { .. } => "decode".into(),
        Error::BodyTooLarge { .. } => "body_too_large".into(),
        Error::InvalidRequest { .. } => "invalid_request".into(),
        _ => "_OTHER".into(),
    }
}

/// Whether a request id from a response is shown in a span: a short identifier, never free text.
fn looks_like_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= 64 && id.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
}

/// Reads at most `limit` bytes of the body, counting what the stream delivers, whatever
/// `Content-Length` claims. Returns the bytes and whether the body was longer; the rest is never
/// read, and dropping the response closes the connection.
async fn read_capped(mut resp: reqwest::Response, limit: usize) -> Result<(Bytes, bool), Error> {
    let mut buf = bytes::BytesMut::new();
    while let Some(chunk) = resp.chunk().await.map_err(Error::from_reqwest)? {
        if buf.len() + chunk.len() > limit {
            let room = limit - buf.len();
            buf.extend_from_slice(&chunk[..room]);
            return Ok((buf.freeze(), true));
        }
        buf.extend_from_slice(&chunk);
    }
    Ok((buf.freeze(), false))
}

// A compile-time check that the client can be shared across tasks.
const _: fn() = || {
    fn assert_send_sync<T: Send + Sync + Clone>() {}
    assert_send_sync::<Client>();
};
