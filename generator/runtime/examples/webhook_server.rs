// Example of the generated test kit crate, copied from generator/runtime/examples/.

//! An axum webhook endpoint that processes every webhook exactly once with
//! `inbox::ExactlyOnce`: verified, deduplicated, the session fetched again by id, recorded after
//! the effect. It answers 200 (applied, or already applied), 409 (being applied by another
//! delivery), 400 (refused for good) or 503 (try again).
//!
//! `cargo run -p plaid-idv-testkit --example webhook_server -- --self-test` serves on
//! 127.0.0.1 against `plaid_idv_testkit::FakePlaid`: the fake sends a signed `STATUS_UPDATED` webhook,
//! then the test sends it again and a tampered copy, and exits 0 only if the first is applied,
//! the copy ignored and the tampered one rejected. Without `--self-test` it serves on
//! `127.0.0.1:${PORT:-8787}` with `Client::from_env()`.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::Router;
use plaid_idv::inbox::{Delivery, ExactlyOnce, InMemoryReplayGuard, Received};
use plaid_idv::types::{
    IdentityVerificationCreateRequest, IdentityVerificationCreateRequestRequired, IdentityVerificationStatus,
    UserIdentity,
};
use plaid_idv::{Client, WebhookVerifier};
use plaid_idv_testkit::FakePlaid;
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

struct App {
    inbox: ExactlyOnce,
    guard: InMemoryReplayGuard,
    applied: AtomicUsize,
}

async fn handle(State(app): State<Arc<App>>, headers: HeaderMap, body: Bytes) -> StatusCode {
    match app.inbox.receive(&app.guard, Delivery::live_headers(&headers, &body)).await {
        Ok(Received::New(pending)) => {
            if let Some(session) = pending.session() {
                println!("{} is {}", session.id, session.status); // your effect
            }
            app.applied.fetch_add(1, Ordering::SeqCst);
            match pending.done().await {
                Ok(()) => StatusCode::OK,
                Err(_) => StatusCode::SERVICE_UNAVAILABLE,
            }
        }
        Ok(Received::Duplicate(_)) => StatusCode::OK,
        Ok(Received::InFlight(_)) => StatusCode::CONFLICT,
        Err(e) => {
            eprintln!("webhook not processed: {e}");
            StatusCode::from_u16(e.http_status()).unwrap_or(StatusCode::BAD_REQUEST)
        }
    }
}

fn app(client: Client) -> Arc<App> {
    let inbox = ExactlyOnce::new(client.clone(), WebhookVerifier::new(client));
    Arc::new(App { inbox, guard: InMemoryReplayGuard::default(), applied: AtomicUsize::new(0) })
}

async fn self_test() -> Result<bool, Box<dyn std::error::Error>> {
    let fake = FakePlaid::start().await?;
    let state = app(fake.client());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/webhook", listener.local_addr()?);
    let router = Router::new().route("/webhook", post(handle)).with_state(state.clone());
    let server = tokio::spawn(async move { axum::serve(listener, router).await });
    fake.set_webhook_url(Some(&url));

    let create = IdentityVerificationCreateRequest::new(IdentityVerificationCreateRequestRequired {
        template_id: "idvtmp_4FrXJvfQU3zGUR".into(),
        gave_consent: false,
        is_shareable: false,
        identity: UserIdentity::ClientUserId("customer-8841".into()),
    });
    let id = fake.client().identity_verification_create(&create).await?.id;
    // The fake POSTs the signed webhook to the endpoint.
    let sent = fake.complete(&id, IdentityVerificationStatus::Success).await?;
    let http = plaid_idv::http_client_builder()?.build()?;
    let post = |body: Vec<u8>| http.post(&url).header("Plaid-Verification", &sent.verification).body(body).send();
    let again = post(sent.body.clone()).await?.status();
    let tampered = sent.body.iter().map(|&b| if b == b'1' { b'2' } else { b }).collect::<Vec<u8>>();
    let bad = post(tampered).await?.status();
    server.abort();
    let applied = state.applied.load(Ordering::SeqCst);
    println!("webhook: {:?}; sent again: {again}; tampered: {bad}; applied {applied} time(s)", sent.status);
    Ok(sent.status == Some(200)
        && again == plaid_idv::reqwest::StatusCode::OK
        && bad == plaid_idv::reqwest::StatusCode::BAD_REQUEST
        && applied == 1)
}

#[tokio::main]
async fn main() -> ExitCode {
    if std::env::args().any(|a| a == "--self-test") {
        return match self_test().await {
            Ok(true) => ExitCode::SUCCESS,
            Ok(false) => ExitCode::FAILURE,
            Err(e) => {
                eprintln!("self-test failed: {e}");
                ExitCode::FAILURE
            }
        };
    }
    let state = match Client::from_env() {
        Ok(c) => app(c),
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    let port = std::env::var("PORT").unwrap_or_else(|_| "8787".into());
    let listener = match tokio::net::TcpListener::bind(format!("127.0.0.1:{port}")).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("cannot bind: {e}");
            return ExitCode::FAILURE;
        }
    };
    let router = Router::new().route("/webhook", post(handle)).with_state(state);
    match axum::serve(listener, router).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("server failed: {e}");
            ExitCode::FAILURE
        }
    }
}
