//! One tracing span per call, carrying the operation, attempt, status and request_id, and no
//! secret or body.

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

type Spans = Arc<Mutex<Vec<(String, BTreeMap<String, String>)>>>;

struct Capture(Spans);
struct Fields<'a>(&'a mut BTreeMap<String, String>);

impl Visit for Fields<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.insert(field.name().to_string(), format!("{value:?}").trim_matches('"').to_string());
    }
}

impl<S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>> Layer<S> for Capture {
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, _: Context<'_, S>) {
        let mut f = BTreeMap::new();
        attrs.record(&mut Fields(&mut f));
        f.insert("__id".into(), id.into_u64().to_string());
        self.0.lock().unwrap().push((attrs.metadata().name().to_string(), f));
    }
    fn on_record(&self, id: &Id, values: &Record<'_>, _: Context<'_, S>) {
        let mut spans = self.0.lock().unwrap();
        if let Some((_, f)) = spans.iter_mut().rev().find(|(_, f)| f.get("__id") == Some(&id.into_u64().to_string())) {
            values.record(&mut Fields(f));
        }
    }
    fn on_event(&self, event: &tracing::Event<'_>, _: Context<'_, S>) {
        let mut f = BTreeMap::new();
        event.record(&mut Fields(&mut f));
        self.0.lock().unwrap().push(("event".into(), f));
    }
}

#[tokio::test(flavor = "current_thread")]
async fn one_span_per_call_with_operation_attempt_status_and_request_id() {
    let spans: Spans = Arc::default();
    let subscriber = tracing_subscriber::registry().with(Capture(spans.clone()));
    let _guard = tracing::subscriber::set_default(subscriber);

    let server = MockServer::start().await;
    Mock::given(path("/identity_verification/get"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
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

    let spans = spans.lock().unwrap();
    let calls: Vec<_> = spans.iter().filter(|(n, _)| n == "plaid.request").collect();
    assert_eq!(calls.len(), 1, "{spans:?}");
    let f = &calls[0].1;
    assert_eq!(f["operation"], "identityVerificationGet");
    assert_eq!(f["attempt"], "2", "the retry shows in the span");
    assert_eq!(f["status"], "200");
    assert_eq!(f["request_id"], "Qd7Ffz3KpL0vYsE");
    let everything = format!("{spans:?}");
    assert!(!everything.contains("span-secret-value"), "secret logged: {everything}");
    assert!(!everything.contains("Leslie"), "body logged: {everything}");
}
