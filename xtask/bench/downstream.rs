//! A downstream program that calls every operation, flow helper and the webhook verifier of the
//! crate from Plaid's spec (`cargo xtask bench --only progenitor` builds it; never run).
use futures_util::StreamExt;
use plaid_idv::types::*;
use plaid_idv::Client;

fn nothing<T>() -> Option<&'static T> {
    None
}

async fn all(c: &Client) {
    if let Some(r) = nothing::<DashboardUserGetRequest>() { let _ = c.dashboard_user_get(r).await; }
    if let Some(r) = nothing::<DashboardUserListRequest>() {
        let _ = c.dashboard_user_list(r).await;
        let _ = Box::pin(c.dashboard_user_list_pages(r)).next().await;
        let _ = Box::pin(c.dashboard_user_list_stream(r)).next().await;
    }
    if let Some(r) = nothing::<IdentityVerificationCreateRequest>() {
        let _ = c.identity_verification_create(r).await;
    }
    if let Some(r) = nothing::<IdentityVerificationGetRequest>() { let _ = c.identity_verification_get(r).await; }
    if let Some(r) = nothing::<IdentityVerificationListRequest>() {
        let _ = c.identity_verification_list(r).await;
        let _ = Box::pin(c.identity_verification_list_pages(r)).next().await;
        let _ = Box::pin(c.identity_verification_list_stream(r)).next().await;
    }
    if let Some(r) = nothing::<IdentityVerificationRetryRequest>() { let _ = c.identity_verification_retry(r).await; }
    if let Some(r) = nothing::<IdentityVerificationAutofillCreateRequest>() {
        let _ = c.identity_verification_autofill_create(r).await;
    }
    if let Some(r) = nothing::<WebhookVerificationKeyGetRequest>() { let _ = c.webhook_verification_key_get(r).await; }
    if let Some(r) = nothing::<LinkTokenCreateRequest>() { let _ = c.link_token_create(r).await; }
    if let Some(r) = nothing::<IdentityVerificationCreateRequest>() {
        let _ = c.start_verification(r, &plaid_idv::flow::LinkOptions::new("x", [CountryCode::Us])).await;
    }
    let v = plaid_idv::WebhookVerifier::new(c.clone());
    let _ = v.verify(None, b"{}").await;
    let _ = plaid_idv::webhooks::Webhook::parse(b"{}");
}

fn main() {
    let Ok(c) = Client::from_env() else { return };
    let rt = tokio::runtime::Builder::new_current_thread().build().expect("runtime");
    rt.block_on(all(&c));
    println!("marker 0");
}
