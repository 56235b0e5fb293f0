//! Behaviour of the generated client against a real local HTTP server (wiremock on 127.0.0.1):
//! exact headers and bodies, typed Plaid errors, safe retries, timeouts, broken responses,
//! pagination, concurrency and the IDV flow helpers.

use futures_util::{StreamExt, TryStreamExt};
use plaid_idv::flow::{LinkOptions, PollPolicy, StartedVerification};
use plaid_idv::types::{
    self, CountryCode, IdentityVerificationCreateRequest, IdentityVerificationCreateRequestRequired,
    IdentityVerificationGetRequest, IdentityVerificationListRequest, IdentityVerificationListRequestRequired,
    IdentityVerificationRetryRequest, IdentityVerificationRetryRequestRequired, PlaidErrorType, Strategy, UserIdentity,
};
use plaid_idv::{Client, Environment, Error, RetryPolicy};
use serde_json::{json, Value};
use std::time::{Duration, Instant};
use tokio::io::AsyncWriteExt;
use wiremock::matchers::{body_json, body_partial_json, header, method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const GET_EXAMPLE: &str = include_str!("../generated/spec-examples/identity_verification_get_200_example_1.json");
const CREATE_EXAMPLE: &str = include_str!("../generated/spec-examples/identity_verification_create_200_example_1.json");
const LINK_EXAMPLE: &str = include_str!("../generated/spec-examples/link_token_create_200_example_1.json");
const LIST_EXAMPLE: &str = include_str!("../generated/spec-examples/identity_verification_list_200_example_1.json");
const RETRY_EXAMPLE: &str = include_str!("../generated/spec-examples/identity_verification_retry_200_example_1.json");

fn example(text: &str) -> Value {
    serde_json::from_str(text).unwrap()
}

fn fast_retries() -> RetryPolicy {
    RetryPolicy::default()
        .with_max_attempts(4)
        .with_base_delay(Duration::from_millis(1))
        .with_max_delay(Duration::from_millis(5))
}

fn client_for(uri: &str) -> Client {
    Client::builder("test-client-id", plaid_idv::Secret::new("test-secret"))
        .environment(Environment::Custom(uri.to_string()))
        .retry_policy(fast_retries())
        .build()
        .unwrap()
}

fn get_req() -> IdentityVerificationGetRequest {
    IdentityVerificationGetRequest::new("idv_7bQx2mLpR4zT")
}

fn create_req(idempotent: Option<bool>) -> IdentityVerificationCreateRequest {
    let r = IdentityVerificationCreateRequest::new(IdentityVerificationCreateRequestRequired {
        is_shareable: false,
        template_id: "idvtmp_3Fh9sKx2WqPa".into(),
        gave_consent: true,
        identity: UserIdentity::ClientUserId("customer-8841".into()),
    });
    match idempotent {
        Some(b) => r.with_is_idempotent(b),
        None => r,
    }
}

fn retry_req(user: &str, template: &str, strategy: Strategy) -> IdentityVerificationRetryRequest {
    IdentityVerificationRetryRequest::new(IdentityVerificationRetryRequestRequired {
        client_user_id: user.into(),
        template_id: template.into(),
        strategy,
    })
}

fn plaid_error(status: u16, error_type: &str, code: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(json!({
        "error_type": error_type,
        "error_code": code,
        "error_message": "something went wrong",
        "display_message": null,
        "request_id": "req-err-1",
        "causes": [],
        "status": null,
        "documentation_url": "https://plaid.com/docs/errors/",
        "suggested_action": null
    }))
}

/// Answers `path` with `first` once, then with the get example.
async fn fail_once_then_ok(server: &MockServer, at: &str, first: ResponseTemplate) {
    Mock::given(path(at)).respond_with(first).up_to_n_times(1).with_priority(1).mount(server).await;
    Mock::given(path(at))
        .respond_with(ResponseTemplate::new(200).set_body_raw(GET_EXAMPLE, "application/json"))
        .mount(server)
        .await;
}

async fn requests(server: &MockServer) -> Vec<Request> {
    server.received_requests().await.unwrap_or_default()
}

#[tokio::test]
async fn sends_exact_headers_and_body_and_decodes_the_example() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/identity_verification/get"))
        .and(header("PLAID-CLIENT-ID", "test-client-id"))
        .and(header("PLAID-SECRET", "test-secret"))
        .and(header("Plaid-Version", "2020-09-14"))
        .and(header("content-type", "application/json"))
        .and(body_json(json!({ "identity_verification_id": "idv_7bQx2mLpR4zT" })))
        .respond_with(ResponseTemplate::new(200).set_body_raw(GET_EXAMPLE, "application/json"))
        .expect(1)
        .mount(&server)
        .await;
    let resp = client_for(&server.uri()).identity_verification_get(&get_req()).await.unwrap();
    assert_eq!(resp.id.as_str(), "idv_7bQx2mLpR4zT");
    assert_eq!(resp.request_id.as_str(), example(GET_EXAMPLE)["request_id"].as_str().unwrap());
    let reqs = requests(&server).await;
    let ua = reqs[0].headers.get("user-agent").unwrap().to_str().unwrap();
    let manifest = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../generated/Cargo.toml")).unwrap();
    let version = manifest.lines().find_map(|l| l.strip_prefix("version = \"")).unwrap().trim_end_matches('"');
    assert!(version.starts_with("0."), "{version}");
    assert_eq!(ua, format!("plaid-idv/{version}"), "crate name and version");
    // The body is exactly the request, with absent optionals omitted.
    assert_eq!(
        serde_json::from_slice::<Value>(&reqs[0].body).unwrap(),
        json!({ "identity_verification_id": "idv_7bQx2mLpR4zT" })
    );
}

#[tokio::test]
async fn explicit_null_is_sent_and_absent_is_omitted() {
    let server = MockServer::start().await;
    Mock::given(path("/identity_verification/create"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(CREATE_EXAMPLE, "application/json"))
        .mount(&server)
        .await;
    let c = client_for(&server.uri());
    c.identity_verification_create(&create_req(None).with_is_idempotent_null()).await.unwrap();
    c.identity_verification_create(&create_req(None)).await.unwrap();
    let reqs = requests(&server).await;
    let first: Value = serde_json::from_slice(&reqs[0].body).unwrap();
    let second: Value = serde_json::from_slice(&reqs[1].body).unwrap();
    assert_eq!(first["is_idempotent"], Value::Null);
    assert!(first.as_object().unwrap().contains_key("is_idempotent"), "explicit null must be sent: {first}");
    assert!(!second.as_object().unwrap().contains_key("is_idempotent"), "absent must be omitted: {second}");
    assert_eq!(
        second,
        json!({"is_shareable": false, "template_id": "idvtmp_3Fh9sKx2WqPa", "gave_consent": true, "client_user_id": "customer-8841"})
    );
}

#[tokio::test]
async fn plaid_error_shapes_map_to_typed_api_errors() {
    let server = MockServer::start().await;
    let cases = [
        (400, "INVALID_REQUEST", "MISSING_FIELDS", PlaidErrorType::InvalidRequest, false),
        (400, "INVALID_INPUT", "INVALID_API_KEYS", PlaidErrorType::InvalidInput, false),
        (429, "RATE_LIMIT_EXCEEDED", "RATE_LIMIT", PlaidErrorType::RateLimitExceeded, true),
        (500, "API_ERROR", "INTERNAL_SERVER_ERROR", PlaidErrorType::ApiError, true),
        (400, "BRAND_NEW_ERROR_TYPE", "NEW_CODE", PlaidErrorType::Unknown("BRAND_NEW_ERROR_TYPE".into()), false),
    ];
    for (status, ty, code, typed, retryable) in cases {
        server.reset().await;
        Mock::given(path("/identity_verification/retry"))
            .respond_with(plaid_error(status, ty, code))
            .mount(&server)
            .await;
        let retry = retry_req("customer-8841", "idvtmp_3Fh9sKx2WqPa", Strategy::Reset);
        let err = client_for(&server.uri()).identity_verification_retry(&retry).await.unwrap_err();
        let Error::Api(api) = &err else { panic!("expected Api, got {err:?}") };
        assert_eq!(api.status, status);
        let body = api.error.as_ref().expect("typed PlaidError");
        assert_eq!(body.error_type, typed);
        assert_eq!(body.error_code, code);
        assert_eq!(body.error_message, "something went wrong");
        assert_eq!(body.display_message, None);
        assert_eq!(body.documentation_url.as_deref(), Some("https://plaid.com/docs/errors/"));
        assert_eq!(api.request_id.as_deref(), Some("req-err-1"));
        assert_eq!(api.error_code.as_deref(), Some(code));
        assert!(api.raw_body.to_str_lossy().contains(code));
        assert_eq!(err.is_retryable(), retryable, "{ty}");
        // A 429 proves the request was refused before it ran: retried even here (issue 29).
        let sent = if status == 429 { fast_retries().max_attempts as usize } else { 1 };
        assert_eq!(err.attempts() as usize, sent, "{ty}: retry is repeated only after a 429");
        assert_eq!(requests(&server).await.len(), sent, "{ty}: /identity_verification/retry re-sent only after a 429");
    }
}

#[tokio::test]
async fn rate_limit_with_retry_after_is_honoured_and_counted() {
    let server = MockServer::start().await;
    let limited = plaid_error(429, "RATE_LIMIT_EXCEEDED", "RATE_LIMIT").insert_header("Retry-After", "1");
    fail_once_then_ok(&server, "/identity_verification/get", limited).await;
    let started = Instant::now();
    client_for(&server.uri()).identity_verification_get(&get_req()).await.unwrap();
    assert!(
        started.elapsed() >= Duration::from_millis(950),
        "Retry-After: 1 was not honoured ({:?})",
        started.elapsed()
    );
    assert_eq!(requests(&server).await.len(), 2);
}

#[tokio::test]
async fn server_error_then_success_is_retried_for_read_only_calls() {
    let server = MockServer::start().await;
    fail_once_then_ok(&server, "/identity_verification/get", plaid_error(500, "API_ERROR", "INTERNAL_SERVER_ERROR"))
        .await;
    client_for(&server.uri()).identity_verification_get(&get_req()).await.unwrap();
    assert_eq!(requests(&server).await.len(), 2);
}

#[tokio::test]
async fn persistent_failure_stops_at_max_attempts_and_reports_them() {
    let server = MockServer::start().await;
    Mock::given(path("/identity_verification/get"))
        .respond_with(plaid_error(503, "API_ERROR", "PLANNED_MAINTENANCE"))
        .mount(&server)
        .await;
    let err = client_for(&server.uri()).identity_verification_get(&get_req()).await.unwrap_err();
    assert_eq!(err.attempts(), 4);
    assert_eq!(requests(&server).await.len(), 4);
}

#[tokio::test]
async fn create_is_retried_only_when_idempotent() {
    let server = MockServer::start().await;
    let c = client_for(&server.uri());
    for (idem, expected) in [(None, 1), (Some(false), 1), (Some(true), 4)] {
        server.reset().await;
        Mock::given(path("/identity_verification/create"))
            .respond_with(plaid_error(500, "API_ERROR", "INTERNAL_SERVER_ERROR"))
            .mount(&server)
            .await;
        let err = c.identity_verification_create(&create_req(idem)).await.unwrap_err();
        assert_eq!(err.attempts(), expected, "is_idempotent = {idem:?}");
        assert_eq!(requests(&server).await.len(), expected as usize, "is_idempotent = {idem:?}");
    }
}

#[tokio::test]
async fn timeout_is_a_timeout_error() {
    let server = MockServer::start().await;
    Mock::given(path("/identity_verification/get"))
        .respond_with(
            ResponseTemplate::new(200).set_body_raw(GET_EXAMPLE, "application/json").set_delay(Duration::from_secs(3)),
        )
        .mount(&server)
        .await;
    let c = Client::builder("id", plaid_idv::Secret::new("secret"))
        .environment(Environment::Custom(server.uri()))
        .attempt_timeout(Duration::from_millis(200))
        .retry_policy(fast_retries().with_max_attempts(2))
        .build()
        .unwrap();
    let err = c.identity_verification_get(&get_req()).await.unwrap_err();
    assert!(matches!(err, Error::Timeout { attempts: 2, .. }), "{err:?}");
}

/// A raw TCP server on 127.0.0.1 answering a bounded number of connections with `reply`
/// (then closing). Returns its URL; the task ends after `n` connections.
async fn raw_server(n: usize, reply: &'static [u8]) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        for _ in 0..n {
            let Ok((mut sock, _)) = listener.accept().await else { return };
            let mut buf = vec![0u8; 4096];
            let _ =
                tokio::time::timeout(Duration::from_millis(200), tokio::io::AsyncReadExt::read(&mut sock, &mut buf))
                    .await;
            if !reply.is_empty() {
                let _ = sock.write_all(reply).await;
            }
            // Zero linger makes the close a reset (RST), which is what this server is for.
            #[allow(deprecated)]
            let _ = sock.set_linger(Some(Duration::ZERO));
            drop(sock);
        }
    });
    url
}

#[tokio::test]
async fn connection_reset_is_a_transport_error() {
    let url = raw_server(4, b"").await;
    let err = client_for(&url).identity_verification_get(&get_req()).await.unwrap_err();
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
    assert!(err.is_retryable());
}

#[tokio::test]
async fn truncated_body_is_a_transport_error() {
    let reply = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 5000\r\n\r\n{\"id\": \"idv_";
    let url = raw_server(4, reply).await;
    let err = client_for(&url).identity_verification_get(&get_req()).await.unwrap_err();
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
}

#[tokio::test]
async fn malformed_json_is_a_decode_error_with_path_and_the_body_kept_aside() {
    let server = MockServer::start().await;
    Mock::given(path("/identity_verification/get"))
        .respond_with(
            ResponseTemplate::new(200).set_body_raw("{\"id\": \"idv_1\", \"status\": [1, 2", "application/json"),
        )
        .mount(&server)
        .await;
    let err = client_for(&server.uri()).identity_verification_get(&get_req()).await.unwrap_err();
    let Error::Decode { path: at, .. } = &err else { panic!("{err:?}") };
    assert!(at.contains("status"), "{at}");
    let body = err.raw_body().expect("the body is kept");
    assert!(body.as_bytes().starts_with(b"{\"id\""), "{body:?}");
    assert!(!format!("{err:?}").contains("idv_1"), "{err:?}");
    assert!(!err.is_retryable());
    // A body that is JSON but the wrong shape names the field.
    server.reset().await;
    let mut wrong = example(GET_EXAMPLE);
    wrong["steps"]["kyc_check"] = json!({"not": "a status"});
    Mock::given(path("/identity_verification/get"))
        .respond_with(ResponseTemplate::new(200).set_body_json(wrong))
        .mount(&server)
        .await;
    let err = client_for(&server.uri()).identity_verification_get(&get_req()).await.unwrap_err();
    let Error::Decode { path: at, .. } = &err else { panic!("{err:?}") };
    assert_eq!(at, "steps.kyc_check");
}

#[tokio::test]
async fn html_502_from_a_proxy_is_an_api_error_with_the_raw_body() {
    let server = MockServer::start().await;
    let html = "<html><body><h1>502 Bad Gateway</h1></body></html>";
    Mock::given(path("/identity_verification/retry"))
        .respond_with(ResponseTemplate::new(502).set_body_raw(html, "text/html"))
        .mount(&server)
        .await;
    let retry = retry_req("u", "idvtmp_1", Strategy::Incomplete);
    let err = client_for(&server.uri()).identity_verification_retry(&retry).await.unwrap_err();
    let Error::Api(api) = &err else { panic!("{err:?}") };
    assert_eq!(api.status, 502);
    assert!(api.error.is_none());
    assert_eq!(api.raw_body.to_str_lossy(), html);
    assert!(err.is_retryable(), "a 502 is retryable in principle; retry itself is still never repeated");
    assert_eq!(requests(&server).await.len(), 1);
}

fn list_page(ids: &[&str], next: Option<&str>) -> ResponseTemplate {
    let mut page = example(LIST_EXAMPLE);
    let template = page["identity_verifications"][0].clone();
    page["identity_verifications"] = Value::Array(
        ids.iter()
            .map(|id| {
                let mut v = template.clone();
                v["id"] = json!(id);
                v
            })
            .collect(),
    );
    page["next_cursor"] = json!(next);
    ResponseTemplate::new(200).set_body_json(page)
}

#[tokio::test]
async fn pagination_follows_cursors_over_three_pages() {
    let server = MockServer::start().await;
    Mock::given(path("/identity_verification/list"))
        .and(body_partial_json(json!({"cursor": "c1"})))
        .respond_with(list_page(&["idv_3", "idv_4"], Some("c2")))
        .mount(&server)
        .await;
    Mock::given(path("/identity_verification/list"))
        .and(body_partial_json(json!({"cursor": "c2"})))
        .respond_with(list_page(&["idv_5"], None))
        .mount(&server)
        .await;
    Mock::given(path("/identity_verification/list"))
        .respond_with(list_page(&["idv_1", "idv_2"], Some("c1")))
        .with_priority(10)
        .mount(&server)
        .await;
    let c = client_for(&server.uri());
    let req = IdentityVerificationListRequest::new(IdentityVerificationListRequestRequired {
        template_id: "idvtmp_3Fh9sKx2WqPa".into(),
        identity: UserIdentity::ClientUserId("customer-8841".into()),
    });
    let items: Vec<types::IdentityVerification> =
        c.identity_verification_list_stream(&req).try_collect().await.unwrap();
    let ids: Vec<&str> = items.iter().map(|i| i.id.as_str()).collect();
    assert_eq!(ids, ["idv_1", "idv_2", "idv_3", "idv_4", "idv_5"]);
    let pages: Vec<_> = c.identity_verification_list_pages(&req).try_collect().await.unwrap();
    assert_eq!(pages.len(), 3);
    // Later requests carry the cursor and nothing else changes.
    let bodies: Vec<Value> = requests(&server).await.iter().map(|r| serde_json::from_slice(&r.body).unwrap()).collect();
    assert_eq!(
        bodies[1],
        json!({"template_id": "idvtmp_3Fh9sKx2WqPa", "client_user_id": "customer-8841", "cursor": "c1"})
    );
}

#[tokio::test]
async fn a_repeating_cursor_is_an_error_not_a_loop() {
    let server = MockServer::start().await;
    Mock::given(path("/identity_verification/list"))
        .respond_with(list_page(&["idv_1"], Some("same")))
        .mount(&server)
        .await;
    let c = client_for(&server.uri());
    let req = IdentityVerificationListRequest::new(IdentityVerificationListRequestRequired {
        template_id: "idvtmp_1".into(),
        identity: UserIdentity::ClientUserId("customer-1".into()),
    });
    let results: Vec<_> = c.identity_verification_list_pages(&req).take(10).collect().await;
    assert_eq!(results.len(), 3, "two pages (both kept), then the error, then the end");
    assert!(results[0].is_ok() && results[1].is_ok());
    assert!(matches!(&results[2], Err(Error::RepeatedCursor { cursor }) if cursor == "same"));
    assert_eq!(requests(&server).await.len(), 2);
}

#[tokio::test]
async fn a_thousand_concurrent_calls_through_one_client() {
    let server = MockServer::start().await;
    Mock::given(path("/identity_verification/get"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(GET_EXAMPLE, "application/json"))
        .mount(&server)
        .await;
    let c = client_for(&server.uri());
    let tasks: Vec<_> = (0..1000)
        .map(|_| {
            let c = c.clone();
            tokio::spawn(async move { c.identity_verification_get(&get_req()).await })
        })
        .collect();
    let mut failures = 0;
    for t in tasks {
        if !matches!(t.await, Ok(Ok(_))) {
            failures += 1;
        }
    }
    assert_eq!(failures, 0);
    assert_eq!(requests(&server).await.len(), 1000);
}

#[tokio::test]
async fn start_verification_uses_the_same_template_and_user_for_the_link_token() {
    let server = MockServer::start().await;
    Mock::given(path("/identity_verification/create"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(CREATE_EXAMPLE, "application/json"))
        .mount(&server)
        .await;
    Mock::given(path("/link/token/create"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(LINK_EXAMPLE, "application/json"))
        .mount(&server)
        .await;
    let c = client_for(&server.uri());
    let started = c
        .start_verification(
            &create_req(Some(true)),
            &LinkOptions::new("My App", [CountryCode::Us]).with_webhook("https://example.com/hook"),
        )
        .await
        .unwrap();
    assert_eq!(started.link().unwrap().link_token, example(LINK_EXAMPLE)["link_token"].as_str().unwrap());
    let reqs = requests(&server).await;
    let link: Value = serde_json::from_slice(&reqs[1].body).unwrap();
    assert_eq!(
        link,
        json!({
            "client_name": "My App", "language": "en", "country_codes": ["US"],
            "user": {"client_user_id": "customer-8841"},
            "products": ["identity_verification"],
            "identity_verification": {"template_id": "idvtmp_3Fh9sKx2WqPa", "gave_consent": true},
            "webhook": "https://example.com/hook"
        })
    );
}

#[tokio::test]
async fn an_expired_session_is_replaced_not_reused() {
    let server = MockServer::start().await;
    let mut expired = example(CREATE_EXAMPLE);
    expired["status"] = json!("expired");
    expired["id"] = json!("idv_expired");
    let mut fresh = example(RETRY_EXAMPLE);
    fresh["id"] = json!("idv_fresh");
    fresh["status"] = json!("active");
    Mock::given(path("/identity_verification/create"))
        .respond_with(ResponseTemplate::new(200).set_body_json(expired))
        .mount(&server)
        .await;
    Mock::given(path("/identity_verification/retry"))
        .and(body_partial_json(
            json!({"strategy": "reset", "client_user_id": "customer-8841", "template_id": "idvtmp_3Fh9sKx2WqPa"}),
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(fresh))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(path("/link/token/create"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(LINK_EXAMPLE, "application/json"))
        .mount(&server)
        .await;
    let started = client_for(&server.uri())
        .start_verification(&create_req(Some(true)), &LinkOptions::new("App", [CountryCode::Us]))
        .await
        .unwrap();
    match started {
        StartedVerification::Retried { expired, verification, .. } => {
            assert_eq!((expired.as_str(), verification.id.as_str()), ("idv_expired", "idv_fresh"))
        }
        other => panic!("expected Retried, got {other:?}"),
    }
}

#[tokio::test]
async fn wait_for_terminal_polls_until_the_status_leaves_active() {
    let server = MockServer::start().await;
    let mut active = example(GET_EXAMPLE);
    active["status"] = json!("active");
    let mut done = example(GET_EXAMPLE);
    done["status"] = json!("success");
    Mock::given(path("/identity_verification/get"))
        .respond_with(ResponseTemplate::new(200).set_body_json(active.clone()))
        .up_to_n_times(2)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(path("/identity_verification/get"))
        .respond_with(ResponseTemplate::new(200).set_body_json(done))
        .mount(&server)
        .await;
    let c = client_for(&server.uri());
    let policy = PollPolicy {
        initial_interval: Duration::from_millis(5),
        max_interval: Duration::from_millis(20),
        deadline: Duration::from_secs(5),
    };
    let r = c.wait_for_terminal(&"idv_7bQx2mLpR4zT".into(), &policy).await.unwrap();
    assert_eq!(r.status, types::IdentityVerificationStatus::Success);
    assert!(r.status.is_terminal() && !types::IdentityVerificationStatus::Active.is_terminal());
    assert_eq!(requests(&server).await.len(), 3);

    server.reset().await;
    Mock::given(path("/identity_verification/get"))
        .respond_with(ResponseTemplate::new(200).set_body_json(active))
        .mount(&server)
        .await;
    let short = PollPolicy { deadline: Duration::from_millis(50), ..policy };
    let err = c.wait_for_terminal(&"idv_7bQx2mLpR4zT".into(), &short).await.unwrap_err();
    assert!(matches!(&err, Error::DeadlineExceeded { last_status, .. } if last_status == "active"), "{err:?}");
}

#[test]
fn configuration_errors_are_clear_and_secrets_are_redacted() {
    let e = Client::builder("", plaid_idv::Secret::new("s")).build().unwrap_err();
    assert!(matches!(&e, Error::InvalidRequest { message } if message.contains("client id")), "{e}");
    let e = Client::builder("id", plaid_idv::Secret::new(" ")).build().unwrap_err();
    assert!(e.to_string().contains("missing secret"), "{e}");
    assert!("staging".parse::<Environment>().unwrap_err().to_string().contains("sandbox, production"));
    assert_eq!("production".parse::<Environment>().unwrap().base_url(), "https://production.plaid.com");
    assert_eq!("http://127.0.0.1:4010/".parse::<Environment>().unwrap().base_url(), "http://127.0.0.1:4010");
    let c = Client::builder("my-id", plaid_idv::Secret::new("super-secret-value")).build().unwrap();
    let dbg = format!("{c:?} {:?}", Client::builder("my-id", plaid_idv::Secret::new("super-secret-value")));
    assert!(!dbg.contains("super-secret-value") && dbg.contains("[redacted]"), "{dbg}");
    assert_eq!(c.base_url(), "https://sandbox.plaid.com");

    // The one test that touches the process environment.
    std::env::remove_var("PLAID_CLIENT_ID");
    std::env::set_var("PLAID_SECRET", "s");
    let e = Client::from_env().unwrap_err();
    assert!(e.to_string().contains("PLAID_CLIENT_ID"), "{e}");
    std::env::set_var("PLAID_CLIENT_ID", "id");
    std::env::set_var("PLAID_ENV", "moon");
    assert!(Client::from_env().unwrap_err().to_string().contains("moon"));
    std::env::set_var("PLAID_ENV", "production");
    assert_eq!(Client::from_env().unwrap().base_url(), "https://production.plaid.com");
    for v in ["PLAID_CLIENT_ID", "PLAID_SECRET", "PLAID_ENV"] {
        std::env::remove_var(v);
    }
}
