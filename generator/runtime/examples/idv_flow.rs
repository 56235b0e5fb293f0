// Example of the generated crate, copied verbatim from generator/runtime/examples/.

//! Runs the identity verification flow end to end:
//! create → link token → get → list → retry.
//!
//! Configuration: `PLAID_BASE_URL` (a loopback server, e.g. a local mock; credentials default to
//! placeholders), or `PLAID_ENV` (`sandbox`, `production` or a loopback URL) with `PLAID_CLIENT_ID` and
//! `PLAID_SECRET`. `PLAID_TEMPLATE_ID` names the template (a placeholder by default).
//! Exits non-zero on any error.

use plaid_idv::flow::LinkOptions;
use plaid_idv::types::{
    CountryCode, IdentityVerification, IdentityVerificationCreateRequest, IdentityVerificationCreateRequestRequired,
    IdentityVerificationListRequest, IdentityVerificationRetryRequest, IdentityVerificationRetryRequestRequired,
    Strategy,
};
use plaid_idv::{Client, Environment, Error};
use std::process::ExitCode;

fn client() -> Result<Client, Error> {
    match std::env::var("PLAID_BASE_URL") {
        Ok(url) => {
            let id = std::env::var("PLAID_CLIENT_ID").unwrap_or_else(|_| "example-client-id".into());
            let secret = std::env::var("PLAID_SECRET").unwrap_or_else(|_| "example-secret".into());
            Client::builder(id, secret).environment(Environment::parse(&url)?).build()
        }
        Err(_) => Client::from_env(),
    }
}

async fn run() -> Result<(), Error> {
    let client = client()?;
    let template = std::env::var("PLAID_TEMPLATE_ID").unwrap_or_else(|_| "idvtmp_52xR9LKo77r1Np".into());
    let user = "plaid-idv-example-user";

    let create = IdentityVerificationCreateRequest::new(IdentityVerificationCreateRequestRequired {
        template_id: template.as_str().into(),
        is_shareable: true,
        // false: Plaid shows the consent screen. true only if your app already collected consent.
        gave_consent: false,
    })
    .with_client_user_id(user)
    .with_is_idempotent(true);
    let link = LinkOptions::new("plaid-idv example", [CountryCode::Us]);
    let started = client.start_verification(&create, &link).await?;
    println!(
        "created {} ({}), link token {}",
        started.verification.id, started.verification.status, started.link.link_token
    );

    let got = client
        .identity_verification_get(&plaid_idv::types::IdentityVerificationGetRequest::new(
            started.verification.id.clone(),
        ))
        .await?;
    println!("get: status {}", got.status);
    // One session type to store, whichever call returned it.
    let _stored: IdentityVerification = got.into();

    // One page; `identity_verification_list_stream` follows `next_cursor` through every page.
    let list = IdentityVerificationListRequest::new(template.as_str()).with_client_user_id(user);
    let page = client.identity_verification_list(&list).await?;
    println!("list: {} session(s), more pages: {}", page.identity_verifications.len(), page.next_cursor.is_some());

    let retry = IdentityVerificationRetryRequest::new(IdentityVerificationRetryRequestRequired {
        client_user_id: user.into(),
        template_id: template.as_str().into(),
        strategy: Strategy::Reset,
    });
    let retried = client.identity_verification_retry(&retry).await?;
    println!("retry: new session {} ({})", retried.id, retried.status);
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
