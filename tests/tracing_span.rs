//! One `plaid.request` span per call with a `plaid.attempt` child per attempt, with
//! OpenTelemetry's HTTP client field names, attempt counts that agree everywhere, and no secret
//! or personal data among them (the README's tracing table).

use plaid_idv::types::IdentityVerificationGetRequest;
use plaid_idv::{Client, Environment, RetryPolicy};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::Layer;
use wiremock::matchers::path;
use wiremock::{Mock, MockServer, ResponseTemplate};

/// A captured span or event: its name, level, fields, and (spans) its id and parent id.
#[derive(Debug, Clone)]
struct Captured {
    name: String,
    level: tracing::Level,
    fields: BTreeMap<String, String>,
    id: u64,
    parent: Option<u64>,
}

type Spans = Arc<Mutex<Vec<Captured>>>;

struct Capture(Spans);
struct Fields<'a>(&'a mut BTreeMap<String, String>);

impl Visit for Fields<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.insert(field.name().to_string(), format!("{value:?}").trim_matches('"').to_string());
    }
}

impl<S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>> Layer<S> for Capture {
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let mut fields = BTreeMap::new();
        attrs.record(&mut Fields(&mut fields));
        let parent = ctx.span(id).and_then(|s| s.parent()).map(|p| p.id().into_u64());
        self.0.lock().unwrap().push(Captured {
            name: attrs.metadata().name().to_string(),
            level: *attrs.metadata().level(),
            fields,
            id: id.into_u64(),
            parent,
        });
    }
    fn on_record(&self, id: &Id, values: &Record<'_>, _: Context<'_, S>) {
        let mut spans = self.0.lock().unwrap();
        if let Some(c) = spans.iter_mut().rev().find(|c| c.id == id.into_u64() && c.name != "event") {
            values.record(&mut Fields(&mut c.fields));
        }
    }
    fn on_event(&self, event: &tracing::Event<'_>, ctx: Context<'_, S>) {
        let mut fields = BTreeMap::new();
        event.record(&mut Fields(&mut fields));
        let parent = ctx.event_span(event).map(|s| s.id().into_u64());
        self.0.lock().unwrap().push(Captured {
            name: "event".into(),
            level: *event.metadata().level(),
            fields,
            id: 0,
            parent,
        });
    }
}

#[tokio::test(flavor = "current_thread")]
async fn a_call_with_two_retries_is_one_request_span_with_three_attempt_spans() {
    let spans: Spans = Arc::default();
    let subscriber = tracing_subscriber::registry().with(Capture(spans.clone()));
    let _guard = tracing::subscriber::set_default(subscriber);

    let server = MockServer::start().await;
    for (status, priority) in [(429u16, 1u8), (503, 2)] {
        Mock::given(path("/identity_verification/get"))
            .respond_with(ResponseTemplate::new(status).insert_header("retry-after", "0").set_body_json(
                serde_json::json!({
                    "error_type": if status == 429 { "RATE_LIMIT_EXCEEDED" } else { "API_ERROR" },
                    "error_code": "X", "error_message": "Leslie Knope jane@example.com", "display_message": null,
                    "request_id": format!("req_{status}")
                }),
            ))
            .up_to_n_times(1)
            .with_priority(priority)
            .mount(&server)
            .await;
    }
    Mock::given(path("/identity_verification/get"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            include_str!("../generated/spec-examples/identity_verification_get_200_example_1.json"),
            "application/json",
        ))
        .mount(&server)
        .await;
    let client = Client::builder("span-client", plaid_idv::Secret::new("span-secret-value"))
        .environment(Environment::Custom(server.uri()))
        .retry_policy(RetryPolicy::default().with_base_delay(Duration::from_millis(1)))
        .build()
        .unwrap();
    client.identity_verification_get(&IdentityVerificationGetRequest::new("idv_7bQx2mLpR4zT")).await.unwrap();

    let spans = spans.lock().unwrap().clone();
    let calls: Vec<_> = spans.iter().filter(|c| c.name == "plaid.request").collect();
    assert_eq!(calls.len(), 1, "{spans:#?}");
    let call = calls[0];
    assert_eq!(call.level, tracing::Level::INFO);
    let f = &call.fields;
    assert_eq!(f["plaid.operation"], "identityVerificationGet");
    assert_eq!(f["http.request.method"], "POST");
    assert_eq!(f["server.address"], "127.0.0.1");
    assert_eq!(f["url.path"], "/identity_verification/get");
    assert_eq!(f["plaid.attempts"], "3");
    assert_eq!(f["http.response.status_code"], "200");
    assert_eq!(f["plaid.request_id"], "Qd7Ffz3KpL0vYsE");
    assert!(!f.contains_key("error.type"), "{f:?}");

    let attempts: Vec<_> = spans.iter().filter(|c| c.name == "plaid.attempt").collect();
    assert_eq!(attempts.len(), 3, "{spans:#?}");
    let expected = [("1", "429", "req_429", "retry"), ("2", "503", "req_503", "retry"), ("3", "200", "", "done")];
    for (a, (n, status, request_id, decision)) in attempts.iter().zip(expected) {
        assert_eq!(a.parent, Some(call.id), "attempt {n} is a child of the call: {a:?}");
        assert_eq!(a.level, tracing::Level::DEBUG);
        assert_eq!(a.fields["plaid.attempt"], n);
        assert_eq!(a.fields["http.response.status_code"], status);
        assert_eq!(a.fields["plaid.retry_decision"], decision, "{a:?}");
        assert!(a.fields["plaid.duration_ms"].parse::<u64>().is_ok(), "{a:?}");
        if !request_id.is_empty() {
            assert_eq!(a.fields["plaid.request_id"], request_id);
            assert_eq!(a.fields["error.type"], status);
        }
        if n != "1" {
            assert_eq!(a.fields["http.request.resend_count"], (n.parse::<u32>().unwrap() - 1).to_string());
        }
    }
    // Every event is inside an attempt or the call, and none counts attempts differently.
    for e in spans.iter().filter(|c| c.name == "event") {
        assert!(e.parent.is_some(), "{e:?}");
    }
    let everything = format!("{spans:?}");
    for secret in ["span-secret-value", "Leslie", "jane@example.com", "idv_7bQx2mLpR4zT"] {
        assert!(!everything.contains(secret), "{secret} logged: {everything}");
    }
}

/// A call that fails after its retries: the call span, its last attempt, the DEBUG line and the
/// returned error all say the same number of attempts.
#[tokio::test(flavor = "current_thread")]
async fn a_failed_call_reports_one_attempt_count_everywhere() {
    let spans: Spans = Arc::default();
    let subscriber = tracing_subscriber::registry().with(Capture(spans.clone()));
    let _guard = tracing::subscriber::set_default(subscriber);
    let server = MockServer::start().await;
    Mock::given(path("/identity_verification/get"))
        .respond_with(ResponseTemplate::new(500).insert_header("retry-after", "0"))
        .mount(&server)
        .await;
    let client = Client::builder("span-client", plaid_idv::Secret::new("span-secret-value"))
        .environment(Environment::Custom(server.uri()))
        .retry_policy(RetryPolicy::default().with_max_attempts(3).with_base_delay(Duration::from_millis(1)))
        .build()
        .unwrap();
    let err = client.identity_verification_get(&IdentityVerificationGetRequest::new("idv_1")).await.unwrap_err();
    assert_eq!(err.attempts(), 3);
    let spans = spans.lock().unwrap().clone();
    let call = spans.iter().find(|c| c.name == "plaid.request").unwrap();
    assert_eq!(call.fields["plaid.attempts"], "3");
    assert_eq!(call.fields["error.type"], "500");
    let last = spans.iter().rfind(|c| c.name == "plaid.attempt").unwrap();
    assert_eq!(last.fields["plaid.retry_decision"], "give_up", "{last:?}");
    // Each line counts the attempts made so far, in its field and in its error text alike.
    let ours = |c: &&Captured| {
        c.name == "event" && matches!(c.fields.get("message").map(String::as_str), Some("retrying" | "request failed"))
    };
    assert_eq!(spans.iter().filter(ours).count(), 3, "two retries and a failure");
    for e in spans.iter().filter(ours) {
        let n = &e.fields["plaid.attempts"];
        assert!(e.fields["error"].contains(&format!("{n} attempt(s)")), "{e:?}");
    }
    let failed = spans
        .iter()
        .find(|c| c.name == "event" && c.fields.get("message").map(String::as_str) == Some("request failed"));
    let failed = failed.expect("a DEBUG line for the failed call");
    assert_eq!(failed.fields["plaid.attempts"], "3", "{failed:?}");
    assert!(failed.fields["error"].contains("3 attempt(s)"), "{failed:?}");
}
