//! The same downstream program as `downstream.rs`, against progenitor 0.15's crate for the same
//! portion (`cargo xtask bench --only downstream` builds it; never run): each IDV operation once,
//! its response decoded. progenitor has no page streams, flow helper or webhook verifier, so
//! this side does less work than ours.
use plaid_idv::{types, Client};

fn nothing<T>() -> Option<&'static T> {
    None
}

async fn all(c: &Client) {
    if let Some(r) = nothing::<types::DashboardUserGetRequest>() { let _ = c.dashboard_user_get(r).await.map(|v| v.into_inner()); }
    if let Some(r) = nothing::<types::DashboardUserListRequest>() { let _ = c.dashboard_user_list(r).await.map(|v| v.into_inner()); }
    if let Some(r) = nothing::<types::IdentityVerificationCreateRequest>() {
        let _ = c.identity_verification_create(r).await.map(|v| v.into_inner());
    }
    if let Some(r) = nothing::<types::IdentityVerificationGetRequest>() {
        let _ = c.identity_verification_get(r).await.map(|v| v.into_inner());
    }
    if let Some(r) = nothing::<types::IdentityVerificationListRequest>() {
        let _ = c.identity_verification_list(r).await.map(|v| v.into_inner());
    }
    if let Some(r) = nothing::<types::IdentityVerificationRetryRequest>() {
        let _ = c.identity_verification_retry(r).await.map(|v| v.into_inner());
    }
    if let Some(r) = nothing::<types::IdentityVerificationAutofillCreateRequest>() {
        let _ = c.identity_verification_autofill_create(r).await.map(|v| v.into_inner());
    }
    if let Some(r) = nothing::<types::WebhookVerificationKeyGetRequest>() {
        let _ = c.webhook_verification_key_get(r).await.map(|v| v.into_inner());
    }
    if let Some(r) = nothing::<types::LinkTokenCreateRequest>() { let _ = c.link_token_create(r).await.map(|v| v.into_inner()); }
}

fn main() {
    let c = Client::new("https://sandbox.plaid.com");
    let rt = tokio::runtime::Builder::new_current_thread().build().expect("runtime");
    rt.block_on(all(&c));
    println!("marker 0");
}
