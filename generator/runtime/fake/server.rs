// Part of the generated test kit crate, copied from generator/runtime/fake/.

//! The fake's HTTP side: a hyper server on 127.0.0.1, auth checked like Plaid, injected faults,
//! request recording; webhooks are signed and sent by `delivery`.

use super::state::{error_body, without_secret, Reply, State};
use super::{Fault, Op, RecordedRequest};
use crate::signer::TestSigner;
use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::{Request, Response};
use hyper_util::rt::{TokioIo, TokioTimer};
use serde_json::Value;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};
use tokio::net::TcpListener;
use tokio::task::JoinSet;

/// Largest request body read: 1 MiB; a longer one is answered 413.
pub(super) const MAX_REQUEST_BYTES: usize = 1 << 20;
/// Connections served at once; more are closed on accept.
pub(super) const MAX_CONNECTIONS: usize = 64;
/// Longest injected delay: 2 minutes.
pub(super) const MAX_DELAY: Duration = Duration::from_secs(120);
/// How long reading one request's headers, or its body, may take.
pub(super) const BODY_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// How long one webhook delivery may take.
pub(super) const WEBHOOK_TIMEOUT: Duration = Duration::from_secs(10);

/// What the server and the [`super::FakePlaid`] handle share.
pub(super) struct Shared {
    pub state: Mutex<State>,
    pub client_id: String,
    pub secret: String,
    pub signer: TestSigner,
    /// Sends webhooks: no redirects, bounded time.
    pub http: plaid_idv::reqwest::Client,
}

impl Shared {
    pub fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// Returned by the service to make hyper close the connection without an answer.
#[derive(Debug)]
pub(super) struct Dropped;

impl std::fmt::Display for Dropped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped by an injected fault")
    }
}

impl std::error::Error for Dropped {}

/// Accepts connections until the task is aborted; each is served on its own task, owned by
/// this one (so aborting it ends them all).
pub(super) async fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    let mut connections = JoinSet::new();
    loop {
        let (stream, peer) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(_) => {
                // Out of file descriptors or similar: wait instead of spinning.
                tokio::time::sleep(Duration::from_millis(20)).await;
                continue;
            }
        };
        while connections.try_join_next().is_some() {}
        if connections.len() >= MAX_CONNECTIONS {
            drop(stream);
            continue;
        }
        let shared = shared.clone();
        connections.spawn(async move {
            let service = hyper::service::service_fn(move |req| handle(shared.clone(), peer, req));
            let _ = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(BODY_READ_TIMEOUT)
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

fn respond(reply: &Reply) -> Response<Full<Bytes>> {
    let mut builder = Response::builder().status(reply.status).header("content-type", "application/json");
    for (name, value) in &reply.headers {
        builder = builder.header(*name, value.as_str());
    }
    let body = Full::new(Bytes::from(reply.body.to_string()));
    builder.body(body.clone()).unwrap_or_else(|_| Response::new(body))
}

/// The recorded form of a request: headers without the secret, the body without `secret`.
/// `arrived_at` is when the request's head was read; the answer time is set when it is answered.
fn recorded(
    op: Option<Op>,
    peer: SocketAddr,
    parts: &hyper::http::request::Parts,
    body: &[u8],
    arrived_at: Instant,
) -> RecordedRequest {
    let headers = parts
        .headers
        .iter()
        .filter(|(name, _)| !name.as_str().eq_ignore_ascii_case(plaid_idv::SECRET_HEADER))
        .map(|(name, value)| (name.as_str().to_string(), String::from_utf8_lossy(value.as_bytes()).into_owned()))
        .collect();
    let body = if body.is_empty() {
        Value::Null
    } else {
        match serde_json::from_slice::<Value>(body) {
            Ok(v) => without_secret(&v),
            Err(_) => Value::String(String::from_utf8_lossy(body).into_owned()),
        }
    };
    RecordedRequest {
        op,
        method: parts.method.as_str().to_string(),
        path: parts.uri.path().to_string(),
        headers,
        body,
        peer,
        arrived_at,
        answered_at: arrived_at,
        seq: 0,
    }
}

fn header<'a>(parts: &'a hyper::http::request::Parts, name: &str) -> Option<&'a str> {
    parts.headers.get(name).and_then(|v| v.to_str().ok())
}

/// Checks credentials and headers like Plaid: client id and secret from the headers (or, as
/// Plaid also accepts, the body), then the version header and the content type.
fn authenticate(shared: &Shared, parts: &hyper::http::request::Parts, body: &Value) -> Result<(), Reply> {
    let field =
        |h: &str, k: &str| header(parts, h).map(str::to_owned).or_else(|| body.get(k)?.as_str().map(str::to_owned));
    let client_id = field(plaid_idv::CLIENT_ID_HEADER, "client_id");
    let secret = field(plaid_idv::SECRET_HEADER, "secret");
    let fail = |status: u16, error_type: &str, code: &str, message: &str| {
        let mut state = shared.lock();
        let request_id = state.request_id();
        Reply {
            status,
            body: error_body(status, error_type, code, message, &request_id),
            headers: Vec::new(),
            webhooks: Vec::new(),
        }
    };
    let missing: Vec<&str> = [("client_id", &client_id), ("secret", &secret)]
        .iter()
        .filter(|(_, v)| v.as_deref().is_none_or(|v| v.trim().is_empty()))
        .map(|(k, _)| *k)
        .collect();
    if !missing.is_empty() {
        let message = format!("the following required fields are missing: {}", missing.join(", "));
        return Err(fail(400, "INVALID_REQUEST", "MISSING_FIELDS", &message));
    }
    // Compared in full, not in constant time: this is a test double.
    if client_id.as_deref() != Some(shared.client_id.as_str()) || secret.as_deref() != Some(shared.secret.as_str()) {
        return Err(fail(400, "INVALID_INPUT", "INVALID_API_KEYS", "invalid client_id or secret provided"));
    }
    if header(parts, plaid_idv::VERSION_HEADER) != Some(plaid_idv::API_VERSION) {
        let message = format!("the {} header must be {}", plaid_idv::VERSION_HEADER, plaid_idv::API_VERSION);
        return Err(fail(400, "INVALID_REQUEST", "INVALID_HEADERS", &message));
    }
    let json = header(parts, "content-type")
        .is_some_and(|c| c.trim_start().to_ascii_lowercase().starts_with("application/json"));
    if !json {
        return Err(fail(400, "INVALID_REQUEST", "INVALID_HEADERS", "Content-Type must be application/json"));
    }
    Ok(())
}

/// One request, answered by [`answer`]; its record gets the time it was answered (or dropped).
async fn handle(
    shared: Arc<Shared>,
    peer: SocketAddr,
    req: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Dropped> {
    let mut seq = None;
    let result = answer(&shared, peer, req, Instant::now(), &mut seq).await;
    if let Some(seq) = seq {
        shared.lock().answered(seq, Instant::now());
    }
    result
}

/// Reads (bounded), records, applies a queued fault, authenticates, answers, and sends the
/// webhooks the answer implies on their own task. `seq` gets the record's sequence number.
async fn answer(
    shared: &Arc<Shared>,
    peer: SocketAddr,
    req: Request<Incoming>,
    arrived_at: Instant,
    seq: &mut Option<u64>,
) -> Result<Response<Full<Bytes>>, Dropped> {
    let (parts, body) = req.into_parts();
    let op = if parts.method == hyper::Method::POST { Op::from_path(parts.uri.path()) } else { None };
    let read = tokio::time::timeout(BODY_READ_TIMEOUT, Limited::new(body, MAX_REQUEST_BYTES).collect()).await;
    let bytes = match read {
        // A client that stalls mid-body loses its connection.
        Err(_) => return Err(Dropped),
        Ok(Ok(collected)) => collected.to_bytes(),
        Ok(Err(e)) if e.downcast_ref::<http_body_util::LengthLimitError>().is_some() => {
            let mut state = shared.lock();
            *seq = Some(state.record(recorded(op, peer, &parts, b"", arrived_at)));
            let request_id = state.request_id();
            let message = format!("the request body is larger than the fake's {MAX_REQUEST_BYTES} bytes");
            let body = error_body(413, "INVALID_REQUEST", "INVALID_BODY", &message, &request_id);
            return Ok(respond(&Reply { status: 413, body, headers: Vec::new(), webhooks: Vec::new() }));
        }
        // The client went away mid-body.
        Ok(Err(_)) => return Err(Dropped),
    };
    let fault = {
        let mut state = shared.lock();
        *seq = Some(state.record(recorded(op, peer, &parts, &bytes, arrived_at)));
        op.and_then(|op| state.pop_fault(op))
    };
    match fault {
        Some(Fault::Error { status, body }) => {
            return Ok(respond(&Reply { status, body, headers: Vec::new(), webhooks: Vec::new() }))
        }
        Some(Fault::RateLimited { retry_after }) => {
            let request_id = shared.lock().request_id();
            let body = error_body(
                429,
                "RATE_LIMIT_EXCEEDED",
                "RATE_LIMIT",
                "rate limit exceeded (injected by the fake)",
                &request_id,
            );
            // Whole seconds, rounded up, as the header allows.
            let secs = retry_after.as_secs() + u64::from(retry_after.subsec_nanos() > 0);
            let headers = vec![("retry-after", secs.to_string())];
            return Ok(respond(&Reply { status: 429, body, headers, webhooks: Vec::new() }));
        }
        Some(Fault::Delay(d)) => tokio::time::sleep(d.min(MAX_DELAY)).await,
        Some(Fault::DropConnection) => return Err(Dropped),
        None => {}
    }
    let Some(op) = op else {
        let request_id = shared.lock().request_id();
        let message = format!("{} {} is not an endpoint of this fake", parts.method, parts.uri.path());
        let body = error_body(404, "INVALID_REQUEST", "NOT_FOUND", &message, &request_id);
        return Ok(respond(&Reply { status: 404, body, headers: Vec::new(), webhooks: Vec::new() }));
    };
    let body: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    if let Err(reply) = authenticate(shared, &parts, &body) {
        return Ok(respond(&reply));
    }
    let reply = if body.is_object() {
        shared.lock().handle(op, &body)
    } else {
        let request_id = shared.lock().request_id();
        let body =
            error_body(400, "INVALID_REQUEST", "INVALID_BODY", "the request body must be a JSON object", &request_id);
        Reply { status: 400, body, headers: Vec::new(), webhooks: Vec::new() }
    };
    if !reply.webhooks.is_empty() {
        let webhooks = reply.webhooks.clone();
        let shared = shared.clone();
        // Plaid sends webhooks after it answers; so does the fake.
        tokio::spawn(async move {
            for w in webhooks {
                super::delivery::deliver(&shared, w, None).await;
            }
        });
    }
    Ok(respond(&reply))
}
