//! Issue 25: the small traits a user reaches for, used as a downstream crate would:
//! `StartStep` has `as_str()` and `Display`; `ApiError::error_type` is typed like
//! `PlaidError::error_type`, with `is_rate_limited()`; `Environment` implements `FromStr`.

use plaid_idv::flow::StartStep;
use plaid_idv::types::{IdentityVerificationGetRequest, PlaidErrorType};
use plaid_idv::{ApiError, Client, Environment, Error, RetryPolicy, Secret};
use serde_json::json;
use wiremock::matchers::path;
use wiremock::{Mock, MockServer, ResponseTemplate};

#[test]
fn start_steps_print_their_names() {
    let steps = [StartStep::Prepare, StartStep::Create, StartStep::Retry, StartStep::LinkToken];
    let names: Vec<&str> = steps.iter().map(StartStep::as_str).collect();
    assert_eq!(names, ["prepare", "create", "retry", "link_token"]);
    assert_eq!(StartStep::LinkToken.to_string(), "link_token");
    assert_eq!(format!("failed at {}", StartStep::Create), "failed at create");
}

/// The `Api` error of one call answered with `status` and this error object.
async fn api_error(status: u16, error_type: &str, error_code: &str) -> Box<ApiError> {
    let server = MockServer::start().await;
    Mock::given(path("/identity_verification/get"))
        .respond_with(ResponseTemplate::new(status).set_body_json(json!({
            "error_type": error_type, "error_code": error_code,
            "error_message": "jane@example.com was refused", "display_message": null,
            "request_id": "req_1", "causes": [], "status": status,
            "documentation_url": null, "suggested_action": null
        })))
        .mount(&server)
        .await;
    let client = Client::builder("client-id", Secret::new("secret"))
        .environment(server.uri().parse::<Environment>().unwrap())
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    match client.identity_verification_get(&IdentityVerificationGetRequest::new("idv_1")).await {
        Err(Error::Api(e)) => e,
        other => panic!("expected an Api error, got {other:?}"),
    }
}

#[tokio::test]
async fn api_error_type_is_typed_and_rate_limits_are_told_by_error_type() {
    let limited = api_error(429, "RATE_LIMIT_EXCEEDED", "RATE_LIMIT").await;
    assert_eq!(limited.error_type, Some(PlaidErrorType::RateLimitExceeded));
    assert_eq!(limited.error_code.as_deref(), Some("RATE_LIMIT"));
    assert!(limited.is_rate_limited());
    // Typed the same as the decoded error object's own field.
    assert_eq!(limited.error.as_ref().map(|e| &e.error_type), limited.error_type.as_ref());

    let invalid = api_error(400, "INVALID_INPUT", "INVALID_API_KEYS").await;
    assert_eq!(invalid.error_type, Some(PlaidErrorType::InvalidInput));
    assert!(!invalid.is_rate_limited());

    // A value this version does not know is kept verbatim, and shown only as an identifier.
    let new = api_error(400, "BRAND_NEW_TYPE", "X").await;
    assert_eq!(new.error_type, Some(PlaidErrorType::Unknown("BRAND_NEW_TYPE".into())));
    let printed = format!("{new} {new:?}");
    assert!(printed.contains("BRAND_NEW_TYPE") && !printed.contains("jane@example.com"), "{printed}");
}

#[test]
fn environment_parses_with_from_str() {
    fn parse<T: std::str::FromStr>(s: &str) -> Option<T> {
        s.parse().ok()
    }
    assert_eq!(parse::<Environment>("sandbox"), Some(Environment::Sandbox));
    assert_eq!(" production ".parse::<Environment>().unwrap(), Environment::Production);
    assert_eq!("http://127.0.0.1:4010/".parse::<Environment>().unwrap().base_url(), "http://127.0.0.1:4010");
    let err: Error = "https://example.com".parse::<Environment>().unwrap_err();
    assert!(matches!(err, Error::InvalidRequest { .. }), "{err}");
    assert!("staging".parse::<Environment>().unwrap_err().to_string().contains("sandbox, production"));
}
