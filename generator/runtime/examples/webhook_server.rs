// Example of the generated crate, copied verbatim from generator/runtime/examples/.

//! An axum webhook endpoint that verifies every webhook, dispatches on the typed event and
//! answers 200 (accepted) or 400 (rejected).
//!
//! `cargo run --example webhook_server --features test-util -- --self-test` serves on
//! 127.0.0.1, signs one webhook with the test signer, sends it and a tampered copy, and exits 0
//! only if the first is accepted and the second rejected. Without `--self-test` it serves on
//! `127.0.0.1:${PORT:-8787}` with keys fetched through `Client::from_env()`.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::Router;
use plaid_idv::runtime::signer::TestSigner;
use plaid_idv::{Client, Webhook, WebhookVerifier};
use std::process::ExitCode;

async fn handle(State(verifier): State<WebhookVerifier>, headers: HeaderMap, body: Bytes) -> StatusCode {
    match verifier.verify_headers(&headers, &body).await {
        Ok(Webhook::StatusUpdated(event)) => {
            println!("status updated: {}", event.identity_verification_id);
            StatusCode::OK
        }
        Ok(other) => {
            println!("accepted {} / {}", other.webhook_type(), other.webhook_code());
            StatusCode::OK
        }
        Err(e) => {
            eprintln!("rejected webhook: {e}");
            StatusCode::BAD_REQUEST
        }
    }
}

async fn self_test() -> Result<bool, Box<dyn std::error::Error>> {
    let signer = TestSigner::new("example-kid");
    // The key is inserted up front; in production it is fetched from Plaid by kid.
    let client = Client::builder("unused", plaid_idv::Secret::new("unused"))
        .environment(plaid_idv::Environment::parse("http://127.0.0.1:9")?)
        .build()?;
    let verifier = WebhookVerifier::new(client);
    verifier.insert_key(&signer.jwk())?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/webhook", listener.local_addr()?);
    let app = Router::new().route("/webhook", post(handle)).with_state(verifier);
    let server = tokio::spawn(async move { axum::serve(listener, app).await });

    let body = br#"{"webhook_type":"IDENTITY_VERIFICATION","webhook_code":"STATUS_UPDATED","identity_verification_id":"idv_7bQx2mLpR4zT","environment":"sandbox"}"#;
    let jwt = signer.sign(body);
    let http = reqwest::Client::new();
    let ok = http.post(&url).header("Plaid-Verification", &jwt).body(&body[..]).send().await?.status();
    let tampered = body.to_vec().iter().map(|&b| if b == b'7' { b'8' } else { b }).collect::<Vec<u8>>();
    let bad = http.post(&url).header("Plaid-Verification", &jwt).body(tampered).send().await?.status();
    server.abort();
    println!("signed webhook: {ok}; tampered webhook: {bad}");
    Ok(ok == reqwest::StatusCode::OK && bad == reqwest::StatusCode::BAD_REQUEST)
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
    let verifier = match Client::from_env() {
        Ok(c) => WebhookVerifier::new(c),
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
    let app = Router::new().route("/webhook", post(handle)).with_state(verifier);
    match axum::serve(listener, app).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("server failed: {e}");
            ExitCode::FAILURE
        }
    }
}
