// Example of the generated test kit crate, copied from generator/runtime/examples/.

//! Runs the identity verification flow end to end:
//! create → Link token → the user finishes → signed webhook → get → list → retry.
//!
//! With no credentials in the environment (neither `PLAID_CLIENT_ID` nor `PLAID_BASE_URL`), it
//! runs against the in-process fake `plaid_idv_testkit::FakePlaid`
//! on 127.0.0.1, with a local webhook endpoint that checks every webhook with
//! `WebhookVerifier`; nothing leaves the machine:
//!
//! ```text
//! cargo run -p plaid-idv-testkit --example idv_flow
//! ```
//!
//! Otherwise it talks to `PLAID_BASE_URL` (a loopback server, e.g. a local mock; credentials
//! default to placeholders), or to `PLAID_ENV` (`sandbox`, `production` or a loopback URL) with
//! `PLAID_CLIENT_ID` and `PLAID_SECRET`; there the user must finish in Link themselves, so that
//! step and the webhook are skipped. `PLAID_TEMPLATE_ID` names the template (a placeholder by
//! default). Exits non-zero on any error.

use plaid_idv::flow::{LinkOptions, StartedVerification};
use plaid_idv::types::{
    CountryCode, IdentityVerification, IdentityVerificationCreateRequest, IdentityVerificationCreateRequestRequired,
    IdentityVerificationGetRequest, IdentityVerificationListRequest, IdentityVerificationListRequestRequired,
    IdentityVerificationRetryRequest, IdentityVerificationRetryRequestRequired, Strategy, UserIdentity,
};
use plaid_idv::{Client, Environment, Secret};
use std::process::ExitCode;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

fn has_credentials() -> bool {
    std::env::var_os("PLAID_BASE_URL").is_some() || std::env::var_os("PLAID_CLIENT_ID").is_some()
}

fn client_from_env() -> Result<Client, BoxError> {
    match std::env::var("PLAID_BASE_URL") {
        Ok(url) => {
            let id = std::env::var("PLAID_CLIENT_ID").unwrap_or_else(|_| "example-client-id".into());
            let secret = std::env::var("PLAID_SECRET").unwrap_or_else(|_| "example-secret".into());
            Ok(Client::builder(id, Secret::new(secret)).environment(url.parse::<Environment>()?).build()?)
        }
        Err(_) => Ok(Client::from_env()?),
    }
}

mod local {
    //! The fake and a webhook endpoint, both on 127.0.0.1.

    use super::BoxError;
    use axum::body::Bytes;
    use axum::extract::State;
    use axum::http::{HeaderMap, StatusCode};
    use axum::routing::post;
    use axum::Router;
    use plaid_idv::types::{IdentityVerificationId, IdentityVerificationStatus};
    use plaid_idv::webhooks::Webhook;
    use plaid_idv::{Client, WebhookVerifier};
    use plaid_idv_testkit::FakePlaid;
    use std::time::Duration;
    use tokio::sync::mpsc;

    pub struct Local {
        pub fake: FakePlaid,
        pub webhook_url: String,
        events: mpsc::Receiver<String>,
        server: tokio::task::JoinHandle<()>,
    }

    #[derive(Clone)]
    struct Endpoint {
        verifier: WebhookVerifier,
        events: mpsc::Sender<String>,
    }

    /// Verifies the webhook exactly as a production handler would, and reports it.
    async fn handle(State(endpoint): State<Endpoint>, headers: HeaderMap, body: Bytes) -> StatusCode {
        let (line, status) = match endpoint.verifier.verify_headers(&headers, &body).await {
            Ok(Webhook::StatusUpdated(e)) => {
                (format!("STATUS_UPDATED for {}, signature verified", e.identity_verification_id), StatusCode::OK)
            }
            Ok(Webhook::StepUpdated(e)) => {
                (format!("STEP_UPDATED for {}, signature verified", e.identity_verification_id), StatusCode::OK)
            }
            Ok(Webhook::Retried(e)) => {
                (format!("RETRIED for {}, signature verified", e.identity_verification_id), StatusCode::OK)
            }
            Ok(other) => {
                (format!("{} / {}, signature verified", other.webhook_type(), other.webhook_code()), StatusCode::OK)
            }
            Err(e) => (format!("rejected: {e}"), StatusCode::BAD_REQUEST),
        };
        let _ = endpoint.events.try_send(line);
        status
    }

    impl Local {
        pub async fn start() -> Result<Local, BoxError> {
            let fake = FakePlaid::start().await?;
            let (tx, events) = mpsc::channel(16);
            // The verifier fetches the signing key from the fake, as it would from Plaid.
            let endpoint = Endpoint { verifier: WebhookVerifier::new(fake.client()), events: tx };
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
            let webhook_url = format!("http://{}/webhook", listener.local_addr()?);
            let app = Router::new().route("/webhook", post(handle)).with_state(endpoint);
            let server = tokio::spawn(async move {
                let _ = axum::serve(listener, app).await;
            });
            Ok(Local { fake, webhook_url, events, server })
        }

        pub fn client(&self) -> Client {
            self.fake.client()
        }

        /// What Link does when the user finishes: here the fake marks the session a success.
        pub async fn user_finishes(&self, id: &IdentityVerificationId) -> Result<(), BoxError> {
            self.fake.complete(id, IdentityVerificationStatus::Success).await?;
            Ok(())
        }

        /// The next webhook the endpoint received (waiting at most 10 s).
        pub async fn next_webhook(&mut self) -> Result<String, BoxError> {
            match tokio::time::timeout(Duration::from_secs(10), self.events.recv()).await {
                Ok(Some(line)) if line.starts_with("rejected") => Err(line.into()),
                Ok(Some(line)) => Ok(line),
                _ => Err("no webhook arrived within 10 s".into()),
            }
        }
    }

    impl Drop for Local {
        fn drop(&mut self) {
            self.server.abort();
        }
    }
}

use local::Local;

async fn local() -> Result<Option<Local>, BoxError> {
    if has_credentials() {
        return Ok(None);
    }
    let local = Local::start().await?;
    println!(
        "no credentials set: using the in-process fake at {}, webhooks to {}",
        local.fake.url(),
        local.webhook_url
    );
    Ok(Some(local))
}

async fn run() -> Result<(), BoxError> {
    let mut local = local().await?;
    let client = match &local {
        Some(l) => l.client(),
        None => client_from_env()?,
    };
    let template = std::env::var("PLAID_TEMPLATE_ID").unwrap_or_else(|_| "idvtmp_52xR9LKo77r1Np".into());
    let user = "plaid-idv-example-user";

    let create = IdentityVerificationCreateRequest::new(IdentityVerificationCreateRequestRequired {
        template_id: template.as_str().into(),
        is_shareable: true,
        // false: Plaid shows the consent screen. true only if your app already collected consent.
        gave_consent: false,
        identity: UserIdentity::ClientUserId(user.into()),
    })
    .with_is_idempotent(true);
    let link = LinkOptions::new("plaid-idv example", [CountryCode::Us]);
    // Webhooks about this session go where the Link token says, as with Plaid.
    let link = match &local {
        Some(l) => link.with_webhook(l.webhook_url.clone()),
        None => link,
    };
    let started = client.start_verification(&create, &link).await?;
    let id = started.verification().id.clone();
    match &started {
        StartedVerification::Ready { verification, link } => {
            println!("create: {id} ({}), link token {}", verification.status, link.link_token)
        }
        StartedVerification::Retried { expired, link, .. } => {
            println!("create: {expired} had expired; retried as {id}, link token {}", link.link_token)
        }
        StartedVerification::Finished { verification } => {
            println!("create: {id} has already ended as {}; no Link token", verification.status)
        }
    }

    match &mut local {
        Some(l) => {
            l.user_finishes(&id).await?;
            println!("the user finishes in Link");
            println!("webhook: {}", l.next_webhook().await?);
        }
        None => println!("(the user finishes in Link with that token; skipped here)"),
    }

    let got = client.identity_verification_get(&IdentityVerificationGetRequest::new(id.clone())).await?;
    println!("get: status {}", got.status);
    // One session type to store, whichever call returned it.
    let _stored: IdentityVerification = got.into();

    // One page; `identity_verification_list_stream` follows `next_cursor` through every page.
    let list = IdentityVerificationListRequest::new(IdentityVerificationListRequestRequired {
        template_id: template.as_str().into(),
        identity: UserIdentity::ClientUserId(user.into()),
    });
    let page = client.identity_verification_list(&list).await?;
    println!("list: {} session(s), more pages: {}", page.identity_verifications.len(), page.next_cursor.is_some());

    let retry = IdentityVerificationRetryRequest::new(IdentityVerificationRetryRequestRequired {
        client_user_id: user.into(),
        template_id: template.as_str().into(),
        strategy: Strategy::Reset,
    });
    let retried = client.identity_verification_retry(&retry).await?;
    let previous = retried.previous_attempt_id.as_ref().map_or("none".to_string(), |p| p.to_string());
    println!("retry: new session {} ({}), previous attempt {previous}", retried.id, retried.status);
    if let Some(l) = &mut local {
        println!("webhook: {}", l.next_webhook().await?);
    }
    println!("done");
    Ok(())
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("idv_flow failed: {e}");
            ExitCode::FAILURE
        }
    }
}
