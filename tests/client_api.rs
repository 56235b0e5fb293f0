//! A client API that cannot be misused: required fields by name, one session type, one id type,
//! timeouts that mean what they say, a retry table with a test per row, and flow helpers
//! without surprises. Servers are local (wiremock or raw TCP on 127.0.0.1).

mod common;

use plaid_idv::flow::{LinkOptions, PollPolicy, StartStep, StartedVerification};
use plaid_idv::types::{
    CountryCode, IdentityVerification, IdentityVerificationCreateRequest, IdentityVerificationCreateRequestRequired,
    IdentityVerificationCreateRequestUser, IdentityVerificationGetRequest, IdentityVerificationId,
    IdentityVerificationResponse, IdentityVerificationRetryRequest, IdentityVerificationRetryRequestRequired,
    IdentityVerificationStatus, Strategy, UserIdentity,
};
use plaid_idv::webhooks::Webhook;
use plaid_idv::{chrono, Client, ClientBuilder, Environment, Error, ResponseMeta, RetryPolicy, TransportKind};
use serde_json::{json, Value};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use wiremock::matchers::path;
use wiremock::{Mock, MockServer, ResponseTemplate};

const GET_EXAMPLE: &str = include_str!("../generated/spec-examples/identity_verification_get_200_example_1.json");
const LINK_EXAMPLE: &str = include_str!("../generated/spec-examples/link_token_create_200_example_1.json");

fn example(text: &str) -> Value {
    serde_json::from_str(text).unwrap()
}

fn fast() -> RetryPolicy {
    RetryPolicy::default()
        .with_max_attempts(4)
        .with_base_delay(Duration::from_millis(1))
        .with_max_delay(Duration::from_millis(5))
}

fn builder(url: &str) -> ClientBuilder {
    Client::builder("client-id", plaid_idv::Secret::new("secret"))
        .environment(Environment::Custom(url.to_string()))
        .retry_policy(fast())
}

fn get_req() -> IdentityVerificationGetRequest {
    IdentityVerificationGetRequest::new("idv_7bQx2mLpR4zT")
}

fn create_req() -> IdentityVerificationCreateRequest {
    IdentityVerificationCreateRequest::new(IdentityVerificationCreateRequestRequired {
        gave_consent: false,
        template_id: "idvtmp_3Fh9sKx2WqPa".into(),
        is_shareable: true,
        identity: UserIdentity::ClientUserId("customer-8841".into()),
    })
    .with_is_idempotent(true)
}

fn retry_req() -> IdentityVerificationRetryRequest {
    IdentityVerificationRetryRequest::new(IdentityVerificationRetryRequestRequired {
        client_user_id: "customer-8841".into(),
        template_id: "idvtmp_3Fh9sKx2WqPa".into(),
        strategy: Strategy::Reset,
    })
}

async fn count(server: &MockServer) -> usize {
    server.received_requests().await.unwrap_or_default().len()
}

// ---------------------------------------------------------------------------------------------
// Required fields by name, one type per shape, one id type.

#[test]
fn required_fields_are_named_and_their_order_does_not_matter() {
    // The same request, fields written in two orders: the same JSON.
    let a = IdentityVerificationCreateRequest::new(IdentityVerificationCreateRequestRequired {
        is_shareable: false,
        template_id: "idvtmp_1".into(),
        gave_consent: true,
        identity: UserIdentity::ClientUserId("u".into()),
    });
    let b = IdentityVerificationCreateRequest::new(IdentityVerificationCreateRequestRequired {
        identity: UserIdentity::ClientUserId("u".into()),
        gave_consent: true,
        template_id: "idvtmp_1".into(),
        is_shareable: false,
    });
    assert_eq!(serde_json::to_value(&a).unwrap(), serde_json::to_value(&b).unwrap());
    assert_eq!(
        serde_json::to_value(&a).unwrap(),
        json!({"client_user_id": "u", "is_shareable": false, "template_id": "idvtmp_1", "gave_consent": true})
    );
    // Optional+nullable: `with_x` takes a value, `with_x_null` sends `null`.
    let v = serde_json::to_value(a.clone().with_is_idempotent(true)).unwrap();
    assert_eq!(v["is_idempotent"], json!(true));
    let v = serde_json::to_value(a.with_is_idempotent_null()).unwrap();
    assert_eq!(v["is_idempotent"], Value::Null);
}

/// Every `pub fn` of the generated crate, parsed with syn: none takes two positional parameters
/// of the same type (besides `self`).
#[test]
fn no_generated_function_takes_two_parameters_of_the_same_type() {
    let src = common::root().join("generated/src");
    let mut files = vec![src.join("types.rs"), src.join("operations.rs"), src.join("flow.rs")];
    files.retain(|f| f.exists());
    let mut checked = 0;
    for file in files {
        let ast = syn::parse_file(&std::fs::read_to_string(&file).unwrap()).unwrap();
        let mut fns: Vec<(String, Vec<String>)> = Vec::new();
        for item in &ast.items {
            if let syn::Item::Impl(imp) = item {
                for it in &imp.items {
                    if let syn::ImplItem::Fn(f) = it {
                        if matches!(f.vis, syn::Visibility::Public(_)) {
                            let tys = f
                                .sig
                                .inputs
                                .iter()
                                .filter_map(|a| match a {
                                    syn::FnArg::Typed(t) => Some(quote::ToTokens::to_token_stream(&t.ty).to_string()),
                                    syn::FnArg::Receiver(_) => None,
                                })
                                .collect();
                            fns.push((f.sig.ident.to_string(), tys));
                        }
                    }
                }
            }
        }
        for (name, tys) in fns {
            checked += 1;
            let mut sorted = tys.clone();
            sorted.sort();
            sorted.dedup();
            assert_eq!(sorted.len(), tys.len(), "{}: fn {name} takes {tys:?}", file.display());
        }
    }
    assert!(checked > 100, "only {checked} functions checked");
}

#[test]
fn a_response_can_be_built_field_by_field_and_stored_as_one_session_type() {
    // By name, in a user's test: every required field, then any optional one.
    let mut response = IdentityVerificationResponse::new(plaid_idv::types::IdentityVerificationResponseRequired {
        id: "idv_1".into(),
        client_user_id: "customer-8841".into(),
        created_at: chrono::DateTime::parse_from_rfc3339("2024-03-14T09:21:45Z").unwrap().to_utc(),
        completed_at: None,
        previous_attempt_id: None,
        shareable_url: None,
        template: serde_json::from_value(json!({"id": "idvtmp_1", "version": 2})).unwrap(),
        user: serde_json::from_value(example(GET_EXAMPLE)["user"].clone()).unwrap(),
        status: IdentityVerificationStatus::Active,
        steps: serde_json::from_value(example(GET_EXAMPLE)["steps"].clone()).unwrap(),
        documentary_verification: None,
        selfie_check: None,
        kyc_check: None,
        risk_check: None,
        verify_sms: None,
        watchlist_screening_id: None,
        beacon_user_id: None,
        user_id: None,
        redacted_at: None,
        request_id: "req_1".into(),
    });
    response.status = IdentityVerificationStatus::Success;
    assert_eq!(response.request_id(), Some("req_1"));
    // Create, get and retry all return this one type; the schema names are aliases of it.
    let same: plaid_idv::types::IdentityVerificationGetResponse = response.clone();
    let _: plaid_idv::types::IdentityVerificationCreateResponse = same;
    // And it converts into the list item, the type to store.
    let stored: IdentityVerification = response.clone().into();
    assert_eq!(stored.id, response.id);
    assert_eq!(serde_json::to_value(&stored).unwrap().get("request_id"), None);
}

#[test]
fn ids_have_one_type_everywhere() {
    let body = br#"{"webhook_type":"IDENTITY_VERIFICATION","webhook_code":"STATUS_UPDATED","identity_verification_id":"idv_1","environment":"sandbox"}"#;
    let Webhook::StatusUpdated(event) = Webhook::parse(body).unwrap() else { panic!() };
    let id: &IdentityVerificationId = &event.identity_verification_id;
    let req = IdentityVerificationGetRequest::new(id);
    assert_eq!(req.identity_verification_id, *id);
    let session: IdentityVerificationResponse = serde_json::from_str(GET_EXAMPLE).unwrap();
    let _: Option<IdentityVerificationId> = session.previous_attempt_id;
}

#[test]
fn gen_refuses_declared_same_type_schemas_that_differ() {
    let root = common::root();
    let mut spec: Value =
        serde_yaml::from_str(&std::fs::read_to_string(root.join("spec/plaid-idv.yaml")).unwrap()).unwrap();
    spec["components"]["schemas"]["IdentityVerificationRetryResponse"]["properties"]["extra"] =
        json!({"type": "string"});
    let portion = plaid_idv_generator::portion::Portion::load(&root.join("spec/portion.toml")).unwrap();
    let err = plaid_idv_generator::generate_from(spec.to_string().as_bytes(), "spec.json", &portion).unwrap_err();
    let text = err.to_string();
    assert!(text.contains("#/components/schemas/IdentityVerificationRetryResponse"), "{text}");
    assert!(text.contains("IdentityVerificationResponse") && text.contains("extra"), "{text}");
}

#[test]
fn string_enums_with_the_same_values_are_one_type() {
    use plaid_idv::types::{PoBoxStatus, RiskCheckEmailIsEdu, YesNoNoData};
    // The aliases name one type: a value of one is a value of the others.
    let edu: RiskCheckEmailIsEdu = YesNoNoData::Yes;
    let po_box: PoBoxStatus = edu.clone();
    assert_eq!(po_box, RiskCheckEmailIsEdu::Yes);
    assert!(matches!(po_box, PoBoxStatus::Yes));
    let session: IdentityVerificationResponse = serde_json::from_str(GET_EXAMPLE).unwrap();
    let email = session.risk_check.as_ref().and_then(|r| r.email.as_ref()).expect("the example has an email check");
    let _: &RiskCheckEmailIsEdu = &email.is_edu;
    assert_eq!(email.is_edu.as_str(), serde_json::to_value(&email.is_edu).unwrap());

    let root = common::root();
    let ir =
        plaid_idv_generator::generate(&root.join("spec/plaid-idv.yaml"), &root.join("spec/portion.toml")).unwrap().ir;
    assert!(ir.types.contains_key("YesNoNoData") && !ir.types.contains_key("RiskCheckEmailIsEdu"));
    let alias = ir.aliases.iter().find(|a| a.name == "RiskCheckEmailIsEdu").expect("alias");
    assert_eq!((alias.target.as_str(), alias.origin.as_str()), ("YesNoNoData", "RiskCheckEmailIsEdu"));
    // The shared enum lists each schema; each alias says what the values mean for its schema.
    let doc = ir.types["YesNoNoData"].doc.clone().unwrap_or_default();
    assert!(doc.contains("- `RiskCheckEmailIsEdu`: Whether the address belongs to an educational"), "{doc}");
    let alias_doc = alias.doc.clone().unwrap_or_default();
    assert!(alias_doc.contains("- `yes`: An educational address."), "{alias_doc}");
    let types_rs = std::fs::read_to_string(root.join("generated/src/types.rs")).unwrap();
    assert!(types_rs.contains("/// A value of it is a value of [`PoBoxStatus`], "), "the alias names its siblings");
    assert!(ir.warnings.is_empty(), "{:?}", ir.warnings);
}

#[test]
fn a_string_enum_whose_values_differ_from_its_group_keeps_its_own_type() {
    let root = common::root();
    let mut spec: Value =
        serde_yaml::from_str(&std::fs::read_to_string(root.join("spec/plaid-idv.yaml")).unwrap()).unwrap();
    spec["components"]["schemas"]["RiskCheckEmailIsEdu"]["enum"].as_array_mut().expect("an enum").push(json!("unsure"));
    let portion = plaid_idv_generator::portion::Portion::load(&root.join("spec/portion.toml")).unwrap();
    let out = plaid_idv_generator::generate_from(spec.to_string().as_bytes(), "spec.json", &portion).unwrap();
    let ir = &out.ir;
    assert!(matches!(ir.types["RiskCheckEmailIsEdu"].kind, plaid_idv_generator::ir::Kind::Enum { .. }));
    assert!(!ir.aliases.iter().any(|a| a.name == "RiskCheckEmailIsEdu"));
    assert!(ir.aliases.iter().any(|a| a.name == "PoBoxStatus" && a.target == "YesNoNoData"));
    let w = ir.warnings.iter().find(|w| w.contains("RiskCheckEmailIsEdu")).expect("a warning");
    assert!(w.starts_with("#/components/schemas/RiskCheckEmailIsEdu/enum: declared one type `YesNoNoData`"), "{w}");
    assert!(w.contains("it keeps its own type"), "{w}");

    // The group's first schema differing leaves the values most of the group shares in charge.
    let mut spec: Value =
        serde_yaml::from_str(&std::fs::read_to_string(root.join("spec/plaid-idv.yaml")).unwrap()).unwrap();
    spec["components"]["schemas"]["POBoxStatus"]["enum"].as_array_mut().expect("an enum").push(json!("unsure"));
    let out = plaid_idv_generator::generate_from(spec.to_string().as_bytes(), "spec.json", &portion).unwrap();
    assert!(matches!(out.ir.types["PoBoxStatus"].kind, plaid_idv_generator::ir::Kind::Enum { .. }));
    assert!(out.ir.aliases.iter().any(|a| a.name == "RiskCheckEmailIsEdu" && a.target == "YesNoNoData"));
    assert!(out.ir.warnings.iter().any(|w| w.starts_with("#/components/schemas/POBoxStatus/enum: ")));
}

// ---------------------------------------------------------------------------------------------
// Timeouts.

#[test]
fn default_timeouts_leave_room_for_a_retry() {
    let policy = RetryPolicy::default();
    assert!(
        ClientBuilder::DEFAULT_OPERATION_TIMEOUT
            >= ClientBuilder::DEFAULT_ATTEMPT_TIMEOUT * 2 + policy.max_delay + ClientBuilder::DEFAULT_CONNECT_TIMEOUT
    );
}

/// A server that answers every request after `delay` with the get example.
async fn slow_server(delay: Duration) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(path("/identity_verification/get"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(GET_EXAMPLE, "application/json").set_delay(delay))
        .mount(&server)
        .await;
    Mock::given(path("/identity_verification/retry"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(GET_EXAMPLE, "application/json").set_delay(delay))
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn a_timed_out_read_is_retried_and_the_operation_deadline_bounds_the_call() {
    let server = slow_server(Duration::from_secs(3)).await;
    let client = builder(&server.uri())
        .attempt_timeout(Duration::from_millis(300))
        .operation_timeout(Duration::from_millis(800))
        .build()
        .unwrap();
    let started = Instant::now();
    let err = client.identity_verification_get(&get_req()).await.unwrap_err();
    let took = started.elapsed();
    assert!(matches!(err, Error::Timeout { attempts: 3, .. }), "{err:?}");
    // 300 + 300 + the 200 ms that were left: the last attempt is cut, the total is bounded.
    assert!(took < Duration::from_millis(1100), "{took:?}");
    assert!(took >= Duration::from_millis(780), "{took:?}");
    assert_eq!(count(&server).await, 3);
}

#[tokio::test]
async fn a_timed_out_retry_call_is_not_repeated() {
    let server = slow_server(Duration::from_secs(3)).await;
    let client = builder(&server.uri()).attempt_timeout(Duration::from_millis(200)).build().unwrap();
    let err = client.identity_verification_retry(&retry_req()).await.unwrap_err();
    assert!(matches!(err, Error::Timeout { attempts: 1, .. }), "{err:?}");
    assert_eq!(count(&server).await, 1);
}

// ---------------------------------------------------------------------------------------------
// The retry table: one test per row.

#[tokio::test]
async fn row_connect_failure_is_retried_for_every_operation() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener); // nothing listens: connection refused
    let client = builder(&url).build().unwrap();
    let err = client.identity_verification_retry(&retry_req()).await.unwrap_err();
    assert!(matches!(err, Error::Transport { kind: TransportKind::Connect, attempts: 4, .. }), "{err:?}");
    assert!(err.is_connect_failure());
    let err = client.identity_verification_get(&get_req()).await.unwrap_err();
    assert_eq!(err.attempts(), 4);
}

#[tokio::test]
async fn row_tls_failure_is_never_retried() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("https://{}", listener.local_addr().unwrap());
    let connections = Arc::new(AtomicUsize::new(0));
    let seen = connections.clone();
    tokio::spawn(async move {
        for _ in 0..8 {
            let Ok((mut sock, _)) = listener.accept().await else { return };
            seen.fetch_add(1, Ordering::Relaxed);
            let mut buf = [0u8; 1024];
            let _ = tokio::time::timeout(Duration::from_millis(500), sock.read(&mut buf)).await;
            let _ = sock.write_all(b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n").await;
        }
    });
    let client = builder(&url).build().unwrap();
    let err = client.identity_verification_get(&get_req()).await.unwrap_err();
    assert!(matches!(err, Error::Transport { kind: TransportKind::Tls, attempts: 1, .. }), "{err:?}");
    assert!(!err.is_retryable());
    assert_eq!(connections.load(Ordering::Relaxed), 1);
}

#[tokio::test]
async fn row_redirect_is_never_retried() {
    let server = MockServer::start().await;
    Mock::given(path("/identity_verification/get"))
        .respond_with(ResponseTemplate::new(302).insert_header("location", "http://127.0.0.1:9/x"))
        .mount(&server)
        .await;
    let err = builder(&server.uri()).build().unwrap().identity_verification_get(&get_req()).await.unwrap_err();
    assert!(matches!(&err, Error::Api(e) if e.status == 302 && e.attempts == 1), "{err:?}");
    assert_eq!(count(&server).await, 1);
}

#[tokio::test]
async fn rows_5xx_follow_operation_safety() {
    for status in [500u16, 503] {
        let server = MockServer::start().await;
        Mock::given(wiremock::matchers::any())
            .respond_with(ResponseTemplate::new(status).insert_header("retry-after", "0"))
            .mount(&server)
            .await;
        let client = builder(&server.uri()).build().unwrap();
        let err = client.identity_verification_get(&get_req()).await.unwrap_err();
        assert_eq!(err.attempts(), 4, "get, HTTP {status}");
        let err = client.identity_verification_retry(&retry_req()).await.unwrap_err();
        assert_eq!(err.attempts(), 1, "retry, HTTP {status}");
        let err = client.identity_verification_create(&create_req()).await.unwrap_err();
        assert_eq!(err.attempts(), 4, "idempotent create, HTTP {status}");
        let err = client.identity_verification_create(&create_req().with_is_idempotent(false)).await.unwrap_err();
        assert_eq!(err.attempts(), 1, "non-idempotent create, HTTP {status}");
        assert_eq!(count(&server).await, 10, "HTTP {status}");
    }
}

/// A server that answers `path` with 429 (`Retry-After: retry_after`) `throttled` times, then
/// with `ok`.
async fn throttling(op_path: &str, throttled: u64, retry_after: &str, ok: Value) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(path(op_path))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", retry_after).set_body_json(json!({
            "error_type": "RATE_LIMIT_EXCEEDED", "error_code": "RATE_LIMIT", "error_message": "slow down",
            "display_message": null, "request_id": "req_429"
        })))
        .up_to_n_times(throttled)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(path(op_path)).respond_with(ResponseTemplate::new(200).set_body_json(ok)).mount(&server).await;
    server
}

/// Row 429: Plaid refused the request before acting on it, so it is retried on every
/// operation, one test per kind of operation.
#[tokio::test]
async fn row_429_is_retried_on_every_operation_kind() {
    // A read.
    let server = throttling("/identity_verification/get", 2, "0", example(GET_EXAMPLE)).await;
    builder(&server.uri()).build().unwrap().identity_verification_get(&get_req()).await.unwrap();
    assert_eq!(count(&server).await, 3, "get");
    // Create, idempotent and not.
    for idempotent in [true, false] {
        let server = throttling("/identity_verification/create", 2, "0", example(GET_EXAMPLE)).await;
        let client = builder(&server.uri()).build().unwrap();
        client.identity_verification_create(&create_req().with_is_idempotent(idempotent)).await.unwrap();
        assert_eq!(count(&server).await, 3, "create, is_idempotent {idempotent}");
    }
    // Never retry-safe: retry and link token create.
    let server = throttling("/identity_verification/retry", 2, "0", example(GET_EXAMPLE)).await;
    builder(&server.uri()).build().unwrap().identity_verification_retry(&retry_req()).await.unwrap();
    assert_eq!(count(&server).await, 3, "retry");
    let server = throttling("/link/token/create", 2, "0", example(LINK_EXAMPLE)).await;
    let link = plaid_idv::types::LinkTokenCreateRequest::new(plaid_idv::types::LinkTokenCreateRequestRequired {
        client_name: "Acme".into(),
        language: "en".into(),
        country_codes: vec![CountryCode::Us],
        user: plaid_idv::types::LinkTokenCreateRequestUser::new("customer-8841"),
    });
    builder(&server.uri()).build().unwrap().link_token_create(&link).await.unwrap();
    assert_eq!(count(&server).await, 3, "link token create");
}

/// `Retry-After` is honoured within the operation timeout: a wait that would end past it is not
/// started, and the 429 comes back at once with its `retry_after`.
#[tokio::test]
async fn a_retry_after_past_the_operation_timeout_is_not_waited_for() {
    let server = throttling("/identity_verification/retry", 1, "7", example(GET_EXAMPLE)).await;
    let client = builder(&server.uri()).operation_timeout(Duration::from_secs(2)).build().unwrap();
    let started = Instant::now();
    let err = client.identity_verification_retry(&retry_req()).await.unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(2), "{:?}", started.elapsed());
    assert_eq!(err.retry_after(), Some(Duration::from_secs(7)));
    assert_eq!((err.attempts(), count(&server).await), (1, 1));
}

/// `CallOptions::retry_throttled(false)` turns the 429 retry of non-retry-safe operations off.
#[tokio::test]
async fn call_options_turn_the_throttling_retry_off() {
    let server = throttling("/identity_verification/retry", 1, "0", example(GET_EXAMPLE)).await;
    let client = builder(&server.uri()).build().unwrap();
    assert!(client.retries_throttled());
    let strict = client.with_options(plaid_idv::CallOptions::new().retry_throttled(false));
    assert!(!strict.retries_throttled());
    let err = strict.identity_verification_retry(&retry_req()).await.unwrap_err();
    assert_eq!((err.attempts(), count(&server).await), (1, 1));
    // A read still follows its retry policy.
    let server = throttling("/identity_verification/get", 1, "0", example(GET_EXAMPLE)).await;
    let strict =
        builder(&server.uri()).build().unwrap().with_options(plaid_idv::CallOptions::new().retry_throttled(false));
    strict.identity_verification_get(&get_req()).await.unwrap();
    assert_eq!(count(&server).await, 2);
}

// ---------------------------------------------------------------------------------------------
// Flow helpers.

async fn flow_server(create_status: &str, link_status: u16) -> MockServer {
    let server = MockServer::start().await;
    let mut created = example(GET_EXAMPLE);
    created["status"] = json!(create_status);
    created["id"] = json!("idv_first");
    let mut fresh = example(GET_EXAMPLE);
    fresh["status"] = json!("active");
    fresh["id"] = json!("idv_fresh");
    Mock::given(path("/identity_verification/create"))
        .respond_with(ResponseTemplate::new(200).set_body_json(created))
        .mount(&server)
        .await;
    Mock::given(path("/identity_verification/retry"))
        .respond_with(ResponseTemplate::new(200).set_body_json(fresh))
        .mount(&server)
        .await;
    let link = if link_status == 200 {
        ResponseTemplate::new(200).set_body_raw(LINK_EXAMPLE, "application/json")
    } else {
        ResponseTemplate::new(link_status)
    };
    Mock::given(path("/link/token/create")).respond_with(link).mount(&server).await;
    server
}

#[tokio::test]
async fn start_verification_carries_the_create_fields_into_the_retry() {
    let server = flow_server("expired", 200).await;
    let user = IdentityVerificationCreateRequestUser::new()
        .with_email_address("leslie@example.com")
        .with_phone_number("+13125550147".to_string());
    let create = create_req().with_user(user);
    let link = LinkOptions::new("App", [CountryCode::Us]);
    let started = builder(&server.uri()).build().unwrap().start_verification(&create, &link).await.unwrap();
    assert!(matches!(started, StartedVerification::Retried { .. }), "{started:?}");
    assert_eq!(started.verification().id.as_str(), "idv_fresh");
    let reqs = server.received_requests().await.unwrap();
    let retry: Value = serde_json::from_slice(&reqs[1].body).unwrap();
    assert_eq!(reqs[1].url.path(), "/identity_verification/retry");
    assert_eq!(
        retry,
        json!({
            "client_user_id": "customer-8841", "template_id": "idvtmp_3Fh9sKx2WqPa", "strategy": "reset",
            "is_shareable": true,
            "user": {"email_address": "leslie@example.com", "phone_number": "+13125550147"}
        })
    );
}

#[tokio::test]
async fn a_failure_after_create_still_returns_the_created_session() {
    let server = flow_server("active", 500).await;
    let client = builder(&server.uri()).retry_policy(RetryPolicy::none()).build().unwrap();
    let link = LinkOptions::new("App", [CountryCode::Us]);
    let err = client.start_verification(&create_req(), &link).await.unwrap_err();
    assert_eq!(err.step, StartStep::LinkToken);
    assert_eq!(err.created.as_ref().map(|s| s.id.as_str()), Some("idv_first"));
    assert!(matches!(&err.error, Error::Api(e) if e.status == 500), "{err:?}");
    assert!(err.to_string().contains("a session was created"), "{err}");
    let plain: Error = err.into();
    assert!(matches!(plain, Error::Api(_)));
}

async fn active_server(delay: Duration) -> MockServer {
    let server = MockServer::start().await;
    let mut active = example(GET_EXAMPLE);
    active["status"] = json!("active");
    Mock::given(path("/identity_verification/get"))
        .respond_with(ResponseTemplate::new(200).set_body_json(active).set_delay(delay))
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn poll_policy_clamps_a_zero_interval() {
    let server = active_server(Duration::ZERO).await;
    let policy = PollPolicy {
        initial_interval: Duration::ZERO,
        max_interval: Duration::ZERO,
        deadline: Duration::from_millis(450),
    };
    let id = IdentityVerificationId::from("idv_7bQx2mLpR4zT");
    let err = builder(&server.uri()).build().unwrap().wait_for_terminal(&id, &policy).await.unwrap_err();
    assert!(matches!(err, Error::DeadlineExceeded { .. }), "{err:?}");
    let polls = count(&server).await;
    assert!((2..=6).contains(&polls), "{polls} polls in 450 ms with a zero interval");
}

#[tokio::test]
async fn poll_policy_saturates_instead_of_panicking() {
    let server = active_server(Duration::ZERO).await;
    let policy = PollPolicy { initial_interval: Duration::MAX, max_interval: Duration::MAX, deadline: Duration::MAX };
    let id = IdentityVerificationId::from("idv_7bQx2mLpR4zT");
    let client = builder(&server.uri()).build().unwrap();
    // The first poll happens at once; the wait after it would be endless, so stop there.
    let r = tokio::time::timeout(Duration::from_millis(500), client.wait_for_terminal(&id, &policy)).await;
    assert!(r.is_err(), "still waiting, no panic");
    assert_eq!(count(&server).await, 1);
}

#[tokio::test]
async fn the_poll_deadline_counts_the_calls_own_time() {
    let server = active_server(Duration::from_secs(3)).await;
    let policy = PollPolicy { deadline: Duration::from_millis(400), ..PollPolicy::default() };
    let id = IdentityVerificationId::from("idv_7bQx2mLpR4zT");
    let started = Instant::now();
    let err = builder(&server.uri()).build().unwrap().wait_for_terminal(&id, &policy).await.unwrap_err();
    assert!(matches!(err, Error::DeadlineExceeded { .. }), "{err:?}");
    assert!(started.elapsed() < Duration::from_millis(900), "{:?}", started.elapsed());
}
