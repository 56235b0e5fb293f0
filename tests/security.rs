//! Security and privacy of the generated client and webhook verifier against hostile peers.
//! Every server here is in-process, bound to 127.0.0.1, serves a bounded number of connections
//! and ends with the test's runtime.

use futures_util::StreamExt;
use plaid_idv::types::{
    IdentityVerificationGetRequest, IdentityVerificationGetResponse, IdentityVerificationListRequest,
};
use plaid_idv::{Client, Environment, Error, RetryPolicy, VerifyError, WebhookVerifier};
use plaid_idv_testkit::signer::{b64, now, TestSigner};
use serde_json::{json, Value};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use wiremock::matchers::path;
use wiremock::{Mock, MockServer, ResponseTemplate};

const GET_EXAMPLE: &str = include_str!("../generated/spec-examples/identity_verification_get_200_example_1.json");
const LIST_EXAMPLE: &str = include_str!("../generated/spec-examples/identity_verification_list_200_example_1.json");
const SECRET: &str = "secret-a1b2c3d4e5f6";
const WEBHOOK: &[u8] = br#"{"webhook_type":"IDENTITY_VERIFICATION","webhook_code":"STATUS_UPDATED","identity_verification_id":"idv_7bQx2mLpR4zT","environment":"sandbox"}"#;

fn fast_retries() -> RetryPolicy {
    RetryPolicy::default()
        .with_max_attempts(4)
        .with_base_delay(Duration::from_millis(1))
        .with_max_delay(Duration::from_millis(5))
}

fn client_for(url: &str) -> Client {
    Client::builder("client-id-1", plaid_idv::Secret::new(SECRET))
        .environment(Environment::Custom(url.to_string()))
        .retry_policy(fast_retries())
        .build()
        .unwrap()
}

fn list_req() -> IdentityVerificationListRequest {
    IdentityVerificationListRequest::new(plaid_idv::types::IdentityVerificationListRequestRequired {
        template_id: "idvtmp_1".into(),
        identity: plaid_idv::types::UserIdentity::ClientUserId("customer-1".into()),
    })
}

fn get_req() -> IdentityVerificationGetRequest {
    IdentityVerificationGetRequest::new("idv_7bQx2mLpR4zT")
}

/// Reads one request (head and a `content-length` body) from `sock`, at most 1 MiB and 2 s.
async fn read_request(sock: &mut TcpStream) -> Vec<u8> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    let deadline = tokio::time::Instant::now() + Duration::from_secs(2);
    while buf.len() < 1 << 20 {
        let n = match tokio::time::timeout_at(deadline, sock.read(&mut chunk)).await {
            Ok(Ok(n)) if n > 0 => n,
            _ => break,
        };
        buf.extend_from_slice(&chunk[..n]);
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
            let len: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(0);
            if buf.len() >= end + 4 + len {
                break;
            }
        }
    }
    buf
}

/// A server on 127.0.0.1 that records every request it gets and answers each with `reply`.
/// It serves at most `max` connections.
async fn recording_server(max: usize, reply: &'static [u8]) -> (String, Arc<Mutex<Vec<Vec<u8>>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    tokio::spawn(async move {
        for _ in 0..max {
            let Ok((mut sock, _)) = listener.accept().await else { return };
            let req = read_request(&mut sock).await;
            log.lock().unwrap().push(req);
            let _ = sock.write_all(reply).await;
            let _ = sock.shutdown().await;
        }
    });
    (url, seen)
}

#[tokio::test]
async fn a_redirect_is_not_followed_and_the_other_host_gets_nothing() {
    let (elsewhere, received) = recording_server(4, b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}").await;
    // "localhost" and "127.0.0.1" are different hosts to an HTTP client.
    let target = format!("{}/identity_verification/get", elsewhere.replace("127.0.0.1", "localhost"));
    let redirect: &'static [u8] = Box::leak(
        format!("HTTP/1.1 307 Temporary Redirect\r\nlocation: {target}\r\ncontent-length: 0\r\n\r\n")
            .into_bytes()
            .into_boxed_slice(),
    );
    let (origin, asked) = recording_server(4, redirect).await;
    let err = client_for(&origin).identity_verification_get(&get_req()).await.unwrap_err();
    match &err {
        Error::Api(e) => assert_eq!(e.status, 307),
        other => panic!("expected an Api error naming 307, got {other:?}"),
    }
    assert!(err.to_string().contains("307"), "{err}");
    assert_eq!(asked.lock().unwrap().len(), 1, "one attempt: a redirect is not retried");
    assert!(received.lock().unwrap().is_empty(), "the redirect target received a request");
}

#[test]
fn plaid_env_accepts_only_plaid_hosts_and_loopback() {
    for ok in ["sandbox", "production", "http://127.0.0.1:4010", "http://localhost:8080/", "https://[::1]:9"] {
        assert!(ok.parse::<Environment>().is_ok(), "{ok} should be accepted");
    }
    for bad in [
        "http://example.com",
        "https://example.com",
        "http://10.1.2.3:8080",
        "http://127.0.0.1.example.com",
        "ftp://127.0.0.1",
        "http://user:pw@127.0.0.1:1",
    ] {
        assert!(bad.parse::<Environment>().is_err(), "{bad} should be refused");
        let built =
            Client::builder("id", plaid_idv::Secret::new("s")).environment(Environment::Custom(bad.into())).build();
        assert!(built.is_err(), "{bad} should be refused by build()");
    }
}

/// Peak resident memory of this process, in KiB (Linux).
fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

#[tokio::test]
async fn an_endless_body_is_cut_at_the_cap_with_bounded_memory() {
    const LIMIT: usize = 256 << 20; // the server stops by itself after 256 MiB
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let sent = Arc::new(AtomicUsize::new(0));
    let counter = sent.clone();
    tokio::spawn(async move {
        let Ok((mut sock, _)) = listener.accept().await else { return };
        read_request(&mut sock).await;
        let head = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n";
        if sock.write_all(head).await.is_err() {
            return;
        }
        let chunk = format!("10000\r\n{}\r\n", " ".repeat(0x10000));
        while counter.load(Ordering::Relaxed) < LIMIT {
            if sock.write_all(chunk.as_bytes()).await.is_err() {
                return;
            }
            counter.fetch_add(0x10000, Ordering::Relaxed);
        }
    });
    let before = peak_rss_kib();
    let err = client_for(&url).identity_verification_get(&get_req()).await.unwrap_err();
    let after = peak_rss_kib();
    let sent = sent.load(Ordering::Relaxed);
    assert!(sent < 64 << 20, "the client kept reading: {} MiB sent ({err:?})", sent >> 20);
    if let (Some(b), Some(a)) = (before, after) {
        assert!(a.saturating_sub(b) < 64 * 1024, "peak memory grew by {} MiB", (a - b) / 1024);
    }
    assert!(!err.is_retryable(), "{err:?}");
    assert!(matches!(err, Error::BodyTooLarge { limit, attempts: 1 } if limit == 8 << 20), "{err:?}");
}

#[tokio::test]
async fn the_response_cap_is_configurable_and_error_bodies_are_cut() {
    let server = MockServer::start().await;
    Mock::given(path("/identity_verification/get"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(GET_EXAMPLE, "application/json"))
        .mount(&server)
        .await;
    Mock::given(path("/identity_verification/list"))
        .respond_with(ResponseTemplate::new(500).set_body_raw("x".repeat(1 << 20), "text/plain"))
        .mount(&server)
        .await;
    let small = Client::builder("id", plaid_idv::Secret::new(SECRET))
        .environment(Environment::Custom(server.uri()))
        .retry_policy(RetryPolicy::none())
        .max_response_bytes(1024)
        .max_error_body_bytes(100)
        .build()
        .unwrap();
    let err = small.identity_verification_get(&get_req()).await.unwrap_err();
    assert!(matches!(err, Error::BodyTooLarge { limit: 1024, .. }), "{err:?}");
    let err = small.identity_verification_list(&list_req()).await.unwrap_err();
    let Error::Api(api) = &err else { panic!("{err:?}") };
    assert_eq!((api.status, api.raw_body.len()), (500, 100));
    // The default error-body limit.
    let err = client_for(&server.uri()).identity_verification_list(&list_req()).await.unwrap_err();
    assert_eq!(err.raw_body().map(|b| b.len()), Some(64 << 10));
}

#[tokio::test]
async fn other_hosts_need_an_explicit_call_and_https() {
    let built = |url: &str, allow: bool| {
        Client::builder("id", plaid_idv::Secret::new("s"))
            .environment(Environment::Custom(url.into()))
            .allow_custom_host(allow)
            .build()
    };
    assert!(built("https://gateway.example.com", false).is_err());
    assert!(built("https://gateway.example.com", true).is_ok());
    let err = built("http://gateway.example.com", true).unwrap_err();
    assert!(err.to_string().contains("https"), "{err}");
    assert!(built("http://127.0.0.1:9", false).is_ok());
}

/// Personal data in the get example (with its dates of birth made unique), that no error text
/// and no `Debug` may show.
const PII: &[&str] = &[
    "+13125550147",
    "1961-02-03",
    "leslie.knope@example.com",
    "Knope",
    "21 Jump Street",
    "203.0.113.42",
    "key=a81f",
    "13125550147",
];

/// The get example with unique values in every field that holds personal data.
fn full_session() -> Value {
    let mut v: Value = serde_json::from_str(GET_EXAMPLE).unwrap();
    v["user"]["date_of_birth"] = json!("1961-02-03");
    v["user"]["id_number"]["value"] = json!("ID-NUMBER-77231");
    let doc = &mut v["documentary_verification"]["documents"][0];
    doc["extracted_data"]["date_of_birth"] = json!("1961-02-03");
    doc["extracted_data"]["id_number"] = json!("ID-NUMBER-77231");
    doc["extracted_data"]["expiration_date"] = json!("2031-07-08");
    doc["extracted_data"]["issue_date"] = json!("2021-07-08");
    for image in ["original_front", "original_back", "cropped_front", "cropped_back", "face"] {
        doc["images"][image] = json!(format!("https://images.example/{image}-SECRETIMG"));
    }
    let capture = &mut v["selfie_check"]["selfies"][0]["capture"];
    capture["image_url"] = json!("https://images.example/selfie-SECRETIMG");
    capture["video_url"] = json!("https://images.example/video-SECRETIMG");
    v
}

fn assert_no_pii(what: &str, text: &str) {
    for p in PII {
        assert!(!text.contains(p), "{what} shows {p:?}: {text}");
    }
}

#[tokio::test]
async fn decode_errors_show_no_body_values() {
    let server = MockServer::start().await;
    let mut wrong = full_session();
    wrong["user"]["phone_number"] = json!(13125550147u64);
    Mock::given(path("/identity_verification/get"))
        .respond_with(ResponseTemplate::new(200).set_body_json(&wrong))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    let mut other = full_session();
    other["steps"]["kyc_check"] = json!({"not": "a status"});
    Mock::given(path("/identity_verification/get"))
        .respond_with(ResponseTemplate::new(200).set_body_json(&other))
        .mount(&server)
        .await;
    let client = client_for(&server.uri());
    let err = client.identity_verification_get(&get_req()).await.unwrap_err();
    assert_no_pii("Display", &err.to_string());
    assert_no_pii("Debug", &format!("{err:?}"));
    assert!(err.to_string().contains("user.phone_number"), "{err}");
    assert!(err.to_string().contains("invalid type: integer, expected a string"), "{err}");
    // The body is still there for code that asks for it.
    assert!(err.raw_body().unwrap().to_str_lossy().contains("leslie.knope@example.com"));
    let err = client.identity_verification_get(&get_req()).await.unwrap_err();
    assert_no_pii("Display", &err.to_string());
    assert_no_pii("Debug", &format!("{err:?}"));
    assert!(err.to_string().contains("steps.kyc_check"), "{err}");
}

#[tokio::test]
async fn api_errors_show_no_body_values() {
    let server = MockServer::start().await;
    let body = json!({
        "error_type": "INVALID_INPUT", "error_code": "INVALID_FIELD",
        "error_message": "date_of_birth 1985-01-18 for leslie.knope@example.com is invalid",
        "display_message": "+13125550147", "request_id": "req-1", "causes": [], "status": 400,
        "documentation_url": null, "suggested_action": null
    });
    Mock::given(path("/identity_verification/get"))
        .respond_with(ResponseTemplate::new(400).set_body_json(body))
        .mount(&server)
        .await;
    let err = client_for(&server.uri()).identity_verification_get(&get_req()).await.unwrap_err();
    assert_no_pii("Display", &err.to_string());
    assert_no_pii("Debug", &format!("{err:?}"));
    let text = err.to_string();
    assert!(text.contains("400") && text.contains("INVALID_FIELD") && text.contains("req-1"), "{text}");
}

#[test]
fn debug_of_a_full_session_redacts_personal_data() {
    let session: IdentityVerificationGetResponse = serde_json::from_value(full_session()).unwrap();
    let debug = format!("{session:?}");
    assert_no_pii("Debug", &debug);
    let pretty = format!("{session:#?}");
    assert_no_pii("Debug", &pretty);
    for value in [
        "Leslie",
        "https://flow.plaid.com",
        "46001",
        "Pawnee",
        "ID-NUMBER-77231",
        "2031-07-08",
        "2021-07-08",
        "SECRETIMG",
    ] {
        assert!(!debug.contains(value), "Debug shows {value:?}");
    }
    // Serialize is unchanged: the data is all there for code that stores it.
    let json = serde_json::to_string(&session).unwrap();
    assert!(json.contains("1961-02-03") && json.contains("SECRETIMG"));
    // Requests that carry personal data are redacted too.
    let user = plaid_idv::types::IdentityVerificationRequestUser::new()
        .with_phone_number("+13125550147")
        .with_email_address("leslie.knope@example.com");
    assert_no_pii("request Debug", &format!("{user:?}"));
    // What is not personal stays visible, so Debug is still useful.
    assert!(debug.contains("idv_7bQx2mLpR4zT") && debug.contains("Active"), "{debug}");
}

/// A key server that answers 400 INVALID_WEBHOOK_VERIFICATION_KEY_ID for every kid.
async fn unknown_key_server() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(path("/webhook_verification_key/get"))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "error_type": "INVALID_INPUT", "error_code": "INVALID_WEBHOOK_VERIFICATION_KEY_ID",
            "error_message": "unknown key", "display_message": null, "request_id": "r"
        })))
        .mount(&server)
        .await;
    server
}

async fn fetches(server: &MockServer) -> usize {
    server.received_requests().await.unwrap_or_default().len()
}

/// A JWT signed by `signer` but with `kid` in its header.
fn forged(signer: &TestSigner, kid: &str) -> String {
    use sha2::Digest;
    let hash: String = sha2::Sha256::digest(WEBHOOK).iter().map(|b| format!("{b:02x}")).collect();
    signer.sign_parts(
        &json!({ "alg": "ES256", "kid": kid, "typ": "JWT" }),
        &json!({ "iat": now(), "request_body_sha256": hash }),
    )
}

fn random_kid(len: usize, i: usize) -> String {
    let mut s = format!("{i:04}-");
    while s.len() < len {
        s.push(char::from(b'a' + fastrand_byte(i, s.len()) % 26));
    }
    s
}

fn fastrand_byte(i: usize, j: usize) -> u8 {
    ((i.wrapping_mul(2654435761) ^ j.wrapping_mul(40503)) >> 3) as u8
}

#[tokio::test]
async fn a_kid_flood_causes_a_bounded_number_of_key_fetches() {
    let server = unknown_key_server().await;
    let client = client_for(&server.uri());
    let verifier = WebhookVerifier::new(client);
    let signer = TestSigner::new("kid-flood");
    // 300 long kids: refused by shape, no fetch at all.
    for i in 0..300 {
        let err = verifier.verify(Some(&forged(&signer, &random_kid(400, i))), WEBHOOK).await.unwrap_err();
        assert!(matches!(err, VerifyError::InvalidKid), "{err:?}");
    }
    assert_eq!(fetches(&server).await, 0, "long kids were fetched");
    // One unknown kid, 50 times: fetched once, then remembered as unknown.
    for _ in 0..50 {
        let err = verifier.verify(Some(&forged(&signer, "kid-unknown")), WEBHOOK).await.unwrap_err();
        assert!(matches!(err, VerifyError::UnknownKey(_)), "{err:?}");
    }
    assert_eq!(fetches(&server).await, 1, "an unknown kid was fetched again");
    // 300 well-formed new kids: fetches are rate-limited.
    let mut limited = 0;
    for i in 0..300 {
        match verifier.verify(Some(&forged(&signer, &random_kid(36, i))), WEBHOOK).await {
            Err(VerifyError::UnknownKey(_)) => {}
            Err(VerifyError::TooManyNewKeys) => limited += 1,
            other => panic!("{other:?}"),
        }
    }
    let n = fetches(&server).await;
    assert_eq!(n, WebhookVerifier::DEFAULT_NEW_KEY_FETCHES_PER_MINUTE, "key fetches for 301 distinct kids");
    assert_eq!(limited, 300 + 1 - n);
}

#[tokio::test]
async fn key_fetches_are_not_retried() {
    let server = MockServer::start().await;
    Mock::given(path("/webhook_verification_key/get")).respond_with(ResponseTemplate::new(500)).mount(&server).await;
    let verifier = WebhookVerifier::new(client_for(&server.uri()));
    let err = verifier.verify(Some(&TestSigner::new("kid-500").sign(WEBHOOK)), WEBHOOK).await.unwrap_err();
    assert!(matches!(err, VerifyError::KeyFetch(_)), "{err:?}");
    assert_eq!(fetches(&server).await, 1);
}

#[tokio::test]
async fn a_key_with_expired_at_set_is_rejected() {
    let signer = TestSigner::new("kid-expiring").expired_at(now() + 3600);
    let server = MockServer::start().await;
    Mock::given(path("/webhook_verification_key/get"))
        .respond_with(ResponseTemplate::new(200).set_body_json(signer.key_response()))
        .mount(&server)
        .await;
    let verifier = WebhookVerifier::new(client_for(&server.uri()));
    let err = verifier.verify(Some(&signer.sign(WEBHOOK)), WEBHOOK).await.unwrap_err();
    assert!(matches!(err, VerifyError::ExpiredKey(_)), "{err:?}");
    // An unreadable expired_at is rejected too.
    let mut odd = TestSigner::new("kid-odd").key_response();
    odd["key"]["expired_at"] = json!("soon");
    let odd_signer = TestSigner::new("kid-odd");
    server.reset().await;
    Mock::given(path("/webhook_verification_key/get"))
        .respond_with(ResponseTemplate::new(200).set_body_json(odd))
        .mount(&server)
        .await;
    let err = verifier.verify(Some(&odd_signer.sign(WEBHOOK)), WEBHOOK).await.unwrap_err();
    assert!(!matches!(err, VerifyError::Parse(_)), "{err:?}");
    assert!(err.to_string().contains("expired") || matches!(err, VerifyError::ExpiredKey(_)), "{err:?}");
}

#[tokio::test]
async fn the_signature_must_be_strict_base64url() {
    let signer = TestSigner::new("kid-strict");
    let server = MockServer::start().await;
    Mock::given(path("/webhook_verification_key/get"))
        .respond_with(ResponseTemplate::new(200).set_body_json(signer.key_response()))
        .mount(&server)
        .await;
    let verifier = WebhookVerifier::new(client_for(&server.uri()));
    let jwt = signer.sign(WEBHOOK);
    assert!(verifier.verify(Some(&jwt), WEBHOOK).await.is_ok());
    let padded = format!("{jwt}==");
    let err = verifier.verify(Some(&padded), WEBHOOK).await.unwrap_err();
    assert!(matches!(err, VerifyError::Malformed(_)), "{err:?}");
    // Non-canonical last character: the same 64 bytes with other trailing bits.
    let (head, sig) = jwt.rsplit_once('.').unwrap();
    let last = sig.chars().last().unwrap();
    let alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let idx = alphabet.find(last).unwrap();
    let sibling = alphabet.chars().nth(idx ^ 1).unwrap();
    let tweaked = format!("{head}.{}{sibling}", &sig[..sig.len() - 1]);
    let err = verifier.verify(Some(&tweaked), WEBHOOK).await.unwrap_err();
    assert!(matches!(err, VerifyError::Malformed(_)), "{err:?}");
    let _ = b64(b"");
}

fn list_page(next: Option<&str>) -> ResponseTemplate {
    let mut page: Value = serde_json::from_str(LIST_EXAMPLE).unwrap();
    page["next_cursor"] = json!(next);
    ResponseTemplate::new(200).set_body_json(page)
}

#[tokio::test]
async fn the_first_cursor_counts_as_seen() {
    let server = MockServer::start().await;
    Mock::given(path("/identity_verification/list")).respond_with(list_page(Some("c1"))).mount(&server).await;
    let req = list_req().with_cursor("c1");
    let results: Vec<_> = client_for(&server.uri()).identity_verification_list_pages(&req).take(5).collect().await;
    assert_eq!(results.len(), 2, "the page, then the error: {results:?}");
    assert!(results[0].is_ok());
    assert!(matches!(&results[1], Err(Error::RepeatedCursor { cursor }) if cursor == "c1"), "{results:?}");
    assert_eq!(fetches(&server).await, 1, "the starting cursor was fetched again");
}

#[tokio::test]
async fn a_key_that_becomes_expired_after_caching_is_rejected_once_refreshed() {
    let signer = TestSigner::new("kid-rotating");
    let server = MockServer::start().await;
    Mock::given(path("/webhook_verification_key/get"))
        .respond_with(ResponseTemplate::new(200).set_body_json(signer.key_response()))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(path("/webhook_verification_key/get"))
        .respond_with(ResponseTemplate::new(200).set_body_json(signer.clone().expired_at(now() - 1).key_response()))
        .mount(&server)
        .await;
    let verifier = WebhookVerifier::new(client_for(&server.uri())).key_ttl(Duration::from_millis(200));
    assert!(verifier.verify(Some(&signer.sign(WEBHOOK)), WEBHOOK).await.is_ok());
    assert!(verifier.verify(Some(&signer.sign(WEBHOOK)), WEBHOOK).await.is_ok(), "cached");
    assert_eq!(fetches(&server).await, 1);
    tokio::time::sleep(Duration::from_millis(250)).await;
    let err = verifier.verify(Some(&signer.sign(WEBHOOK)), WEBHOOK).await.unwrap_err();
    assert!(matches!(err, VerifyError::ExpiredKey(_)), "{err:?}");
    assert_eq!(fetches(&server).await, 2, "refreshed once");
    // The expired key is remembered: no fetch per webhook.
    let err = verifier.verify(Some(&signer.sign(WEBHOOK)), WEBHOOK).await.unwrap_err();
    assert!(matches!(err, VerifyError::ExpiredKey(_)), "{err:?}");
    assert_eq!(fetches(&server).await, 2);
}

#[tokio::test]
async fn key_endpoint_refusals_have_their_own_errors() {
    for (status, want) in [(401u16, "unauthorized"), (403, "unauthorized"), (429, "rate-limited")] {
        let server = MockServer::start().await;
        Mock::given(path("/webhook_verification_key/get"))
            .respond_with(ResponseTemplate::new(status).set_body_json(json!({
                "error_type": "INVALID_API_KEYS", "error_code": "INVALID_API_KEYS", "error_message": "no",
                "display_message": null, "request_id": "r"
            })))
            .mount(&server)
            .await;
        let verifier = WebhookVerifier::new(client_for(&server.uri()));
        let err = verifier.verify(Some(&TestSigner::new("kid-refused").sign(WEBHOOK)), WEBHOOK).await.unwrap_err();
        match (want, &err) {
            ("unauthorized", VerifyError::KeyFetchUnauthorized { status: s }) => assert_eq!(*s, status),
            ("rate-limited", VerifyError::KeyFetchRateLimited) => {}
            _ => panic!("HTTP {status}: {err:?}"),
        }
        assert_eq!(fetches(&server).await, 1, "HTTP {status} was retried");
    }
}

#[tokio::test]
async fn concurrent_webhooks_with_one_new_kid_share_one_fetch() {
    let signer = TestSigner::new("kid-shared");
    let server = MockServer::start().await;
    Mock::given(path("/webhook_verification_key/get"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(signer.key_response()).set_delay(Duration::from_millis(100)),
        )
        .mount(&server)
        .await;
    let verifier = WebhookVerifier::new(client_for(&server.uri()));
    let jwt = signer.sign(WEBHOOK);
    let all = futures_util::future::join_all((0..50).map(|_| verifier.verify(Some(&jwt), WEBHOOK))).await;
    assert!(all.iter().all(Result::is_ok));
    assert_eq!(fetches(&server).await, 1);
}

#[test]
fn the_key_cache_is_bounded() {
    let client = Client::builder("id", plaid_idv::Secret::new("s"))
        .environment(Environment::Custom("http://127.0.0.1:9".into()))
        .build()
        .unwrap();
    let verifier = WebhookVerifier::new(client).max_cached_keys(4);
    for i in 0..100 {
        verifier.insert_key(&TestSigner::new(format!("kid-{i}")).jwk()).unwrap();
    }
    assert_eq!(verifier.cached_key_count(), 4);
    let long = TestSigner::new("k".repeat(65)).jwk();
    assert!(matches!(verifier.insert_key(&long), Err(VerifyError::InvalidKid)));
}

#[tokio::test]
async fn pagination_stops_at_the_page_limit() {
    let server = MockServer::start().await;
    let counter = Arc::new(AtomicUsize::new(0));
    let c2 = counter.clone();
    Mock::given(path("/identity_verification/list"))
        .respond_with(move |_: &wiremock::Request| {
            let n = c2.fetch_add(1, Ordering::Relaxed);
            list_page(Some(&format!("c{n}")))
        })
        .mount(&server)
        .await;
    let client = Client::builder("id", plaid_idv::Secret::new(SECRET))
        .environment(Environment::Custom(server.uri()))
        .max_pages(3)
        .build()
        .unwrap();
    let results: Vec<_> = client.identity_verification_list_pages(&list_req()).take(10).collect().await;
    assert_eq!(results.len(), 4, "{results:?}");
    assert!(results[..3].iter().all(Result::is_ok));
    assert!(matches!(results[3], Err(Error::PageLimit { pages: 3 })), "{results:?}");
    assert_eq!(counter.load(Ordering::Relaxed), 3);
}

/// An error body whose free text is full of personal data, as when Plaid echoes what was sent.
fn pii_error_body() -> Value {
    json!({
        "error_type": "INVALID_INPUT", "error_code": "INVALID_FIELD", "error_code_reason": null,
        "error_message": "email leslie.knope@example.com (born 1961-02-03) is invalid",
        "display_message": "Leslie Knope, 21 Jump Street, +13125550147",
        "request_id": "req-pii-1",
        "causes": [{"error_type": "INVALID_INPUT", "error_code": "INVALID_FIELD",
                    "error_message": "phone 13125550147 from 203.0.113.42", "display_message": "key=a81f"}],
        "status": 400, "documentation_url": null, "suggested_action": null
    })
}

/// `{:?}`, `{:#?}` and `{}` of every public error type, and `{:?}` of every public struct they
/// hold, built from an error body full of personal data: none of it shows.
#[tokio::test]
async fn no_error_type_or_what_it_holds_prints_personal_data() {
    use plaid_idv::flow::LinkOptions;
    use plaid_idv::types::{CountryCode, IdentityVerificationCreateRequest, IdentityVerificationCreateRequestRequired};
    let server = MockServer::start().await;
    Mock::given(path("/identity_verification/get"))
        .respond_with(ResponseTemplate::new(400).set_body_json(pii_error_body()))
        .mount(&server)
        .await;
    Mock::given(path("/identity_verification/create"))
        .respond_with(ResponseTemplate::new(200).set_body_json(full_session()))
        .mount(&server)
        .await;
    Mock::given(path("/link/token/create"))
        .respond_with(ResponseTemplate::new(400).set_body_json(pii_error_body()))
        .mount(&server)
        .await;
    let client = client_for(&server.uri());
    let check = |what: &str, debug: String, pretty: String, display: Option<String>| {
        assert_no_pii(&format!("{what} Debug"), &debug);
        assert_no_pii(&format!("{what} pretty Debug"), &pretty);
        if let Some(d) = display {
            assert_no_pii(&format!("{what} Display"), &d);
        }
    };

    // Error::Api, the ApiError it holds, the typed error object and the raw body.
    let err = client.identity_verification_get(&get_req()).await.unwrap_err();
    check("Error::Api", format!("{err:?}"), format!("{err:#?}"), Some(err.to_string()));
    let Error::Api(api) = &err else { panic!("{err:?}") };
    check("ApiError", format!("{api:?}"), format!("{api:#?}"), Some(api.to_string()));
    let body = api.error.as_ref().expect("the body is a Plaid error object");
    check("PlaidError", format!("{body:?}"), format!("{body:#?}"), None);
    check("RawBody", format!("{:?}", api.raw_body), format!("{:#?}", api.raw_body), None);
    assert!(format!("{body:?}").contains("INVALID_FIELD"), "codes stay visible: {body:?}");
    // The free text is still there, through accessors that say what it may hold.
    assert_eq!(api.error_message(), Some("email leslie.knope@example.com (born 1961-02-03) is invalid"));
    assert_eq!(api.display_message(), Some("Leslie Knope, 21 Jump Street, +13125550147"));
    assert_eq!(api.cause_messages().collect::<Vec<_>>(), ["phone 13125550147 from 203.0.113.42"]);
    assert_eq!(body.error_message, "email leslie.knope@example.com (born 1961-02-03) is invalid");

    // StartError (Link token step), the session it holds, and the error inside.
    let create = IdentityVerificationCreateRequest::new(IdentityVerificationCreateRequestRequired {
        template_id: "idvtmp_1".into(),
        gave_consent: false,
        is_shareable: false,
        identity: plaid_idv::types::UserIdentity::ClientUserId("customer-1".into()),
    });
    let start = client.start_verification(&create, &LinkOptions::new("App", [CountryCode::Us])).await.unwrap_err();
    check("StartError", format!("{start:?}"), format!("{start:#?}"), Some(start.to_string()));
    let created = start.created.as_ref().expect("the session was created");
    check("StartError.created", format!("{created:?}"), format!("{created:#?}"), None);
    check("StartStep", format!("{:?}", start.step), format!("{:#?}", start.step), None);

    // Error::Decode, from the client and from `decode`.
    let decoded = plaid_idv::decode::<IdentityVerificationGetResponse>(
        serde_json::to_string(&json!({"user": pii_error_body()})).unwrap().as_bytes(),
    )
    .unwrap_err();
    check("Error::Decode", format!("{decoded:?}"), format!("{decoded:#?}"), Some(decoded.to_string()));

    // VerifyError, from a header and a body that carry personal data.
    let verifier = WebhookVerifier::new(client.clone());
    let verify = verifier.verify(Some("leslie.knope@example.com.13125550147.x"), b"+13125550147").await.unwrap_err();
    check("VerifyError", format!("{verify:?}"), format!("{verify:#?}"), Some(verify.to_string()));

    // The exactly-once inbox's errors wrap the two above; its guard's error holds a count only.
    use plaid_idv::inbox::{GuardFull, ReceiveError};
    let receive: ReceiveError<GuardFull> = ReceiveError::Verify(verify);
    check("ReceiveError::Verify", format!("{receive:?}"), format!("{receive:#?}"), Some(receive.to_string()));
    let receive: ReceiveError<GuardFull> = ReceiveError::Fetch(err);
    check("ReceiveError::Fetch", format!("{receive:?}"), format!("{receive:#?}"), Some(receive.to_string()));
    let receive: ReceiveError<GuardFull> = ReceiveError::Guard(GuardFull { max: 3 });
    check("ReceiveError::Guard", format!("{receive:?}"), format!("{receive:#?}"), Some(receive.to_string()));
}

/// Credentials travel only in headers: no request type of an operation has a `client_id` or
/// `secret` field to fill, serialize or log.
#[test]
fn request_types_have_no_credential_fields() {
    use plaid_idv::types::*;
    let wire: [(&str, &[&str]); 9] = [
        ("DashboardUserGetRequest", DashboardUserGetRequest::WIRE_FIELDS),
        ("DashboardUserListRequest", DashboardUserListRequest::WIRE_FIELDS),
        ("IdentityVerificationAutofillCreateRequest", IdentityVerificationAutofillCreateRequest::WIRE_FIELDS),
        ("IdentityVerificationCreateRequest", IdentityVerificationCreateRequest::WIRE_FIELDS),
        ("IdentityVerificationGetRequest", IdentityVerificationGetRequest::WIRE_FIELDS),
        ("IdentityVerificationListRequest", IdentityVerificationListRequest::WIRE_FIELDS),
        ("IdentityVerificationRetryRequest", IdentityVerificationRetryRequest::WIRE_FIELDS),
        ("LinkTokenCreateRequest", LinkTokenCreateRequest::WIRE_FIELDS),
        ("WebhookVerificationKeyGetRequest", WebhookVerificationKeyGetRequest::WIRE_FIELDS),
    ];
    for (name, fields) in wire {
        for credential in ["client_id", "secret"] {
            assert!(!fields.contains(&credential), "{name} has a `{credential}` field");
        }
    }
}

#[test]
fn the_secret_is_its_own_type_and_never_prints() {
    let secret = plaid_idv::Secret::new("secret-a1b2c3d4e5f6");
    assert_eq!(format!("{secret:?} {secret:#?}"), "Secret([redacted]) Secret([redacted])");
    let builder = Client::builder("client-id-1", secret.clone());
    assert!(!format!("{builder:?} {:?}", builder.clone().build().unwrap()).contains(SECRET));
    assert_eq!(secret.expose_secret(), SECRET);
}
