// Part of the generated test kit crate, copied from generator/runtime/fake/.

//! Webhook delivery: sign, then POST (or not) as the fake's [`WebhookDelivery`] mode says,
//! record, and hold webhooks for [`super::FakePlaid::deliver_held`].

use super::server::Shared;
use super::state::Outgoing;
use super::{SentWebhook, WebhookDelivery};
use serde_json::json;

/// Most webhooks held at once; beyond it a webhook to hold is lost instead (and says so).
pub(super) const MAX_HELD: usize = 1_000;

/// Whether `url` is `http(s)` to this machine: the only place the fake sends webhooks.
fn is_loopback_url(url: &str) -> bool {
    plaid_idv::reqwest::Url::parse(url).is_ok_and(|u| {
        matches!(u.scheme(), "http" | "https") && u.host_str().is_some_and(plaid_idv::__private::is_loopback)
    })
}

/// POSTs `sent` to its URL once (when it has a loopback one) and sets `status`, `error` and
/// `posts` from the answer. Without a URL nothing is sent and nothing is set.
async fn post(shared: &Shared, sent: &mut SentWebhook) {
    let Some(url) = sent.url.clone() else {
        return;
    };
    if !is_loopback_url(&url) {
        sent.error = Some("not sent: the fake only sends webhooks to loopback http(s) URLs".into());
        return;
    }
    let result = shared
        .http
        .post(url)
        .header("content-type", "application/json")
        .header("Plaid-Verification", sent.verification.as_str())
        .body(sent.body.clone())
        .send()
        .await;
    sent.posts = sent.posts.saturating_add(1);
    match result {
        Ok(resp) => {
            sent.status = Some(resp.status().as_u16());
            sent.error = None;
        }
        Err(e) => {
            sent.status = None;
            sent.error = Some(format!("not delivered: {}", plaid_idv::__private::error_from_reqwest(e)));
        }
    }
}

/// Builds and signs one webhook (as of `signed_at`, Unix seconds, or now), then delivers it
/// as the fake's current [`WebhookDelivery`] says: `Normal` POSTs it once, `Duplicated` twice
/// (the second POST after the first was answered), `Lost` never, `Held` keeps it for
/// [`deliver_held`]. Each POST is answered (or fails, or times out) before this returns.
/// Without a URL nothing is POSTed, but the signed webhook is still returned and recorded, so a
/// test can hand it to its handler directly.
pub(super) async fn deliver(shared: &Shared, w: Outgoing, signed_at: Option<i64>) -> SentWebhook {
    let body = json!({
        "webhook_type": "IDENTITY_VERIFICATION",
        "webhook_code": w.code,
        "identity_verification_id": w.id,
        "environment": "sandbox",
    })
    .to_string();
    let issued_at = signed_at.unwrap_or_else(crate::signer::now);
    let verification = shared.signer.sign_at(body.as_bytes(), issued_at);
    let delivery = shared.lock().delivery;
    let mut sent = SentWebhook {
        webhook_code: w.code.to_string(),
        identity_verification_id: w.id.as_str().into(),
        body: body.into_bytes(),
        verification,
        issued_at,
        url: w.url,
        status: None,
        error: None,
        delivery,
        posts: 0,
    };
    match delivery {
        WebhookDelivery::Normal => post(shared, &mut sent).await,
        WebhookDelivery::Duplicated => {
            post(shared, &mut sent).await;
            post(shared, &mut sent).await;
        }
        WebhookDelivery::Lost => sent.error = Some("not sent: lost (WebhookDelivery::Lost)".into()),
        WebhookDelivery::Held => {
            let mut state = shared.lock();
            if state.held.len() >= MAX_HELD {
                sent.error = Some(format!("not sent: lost, {MAX_HELD} webhooks are held already"));
            } else {
                sent.error = Some("not sent yet: held until FakePlaid::deliver_held".into());
                let seq = state.record_webhook(sent.clone());
                state.held.push_back((seq, sent.clone()));
                return sent;
            }
        }
    }
    shared.lock().record_webhook(sent.clone());
    sent
}

/// POSTs every held webhook once, oldest first, each after the previous one was answered;
/// updates their records and returns them as delivered.
pub(super) async fn deliver_held(shared: &Shared) -> Vec<SentWebhook> {
    let held: Vec<(u64, SentWebhook)> = shared.lock().held.drain(..).collect();
    let mut out = Vec::with_capacity(held.len());
    for (seq, mut sent) in held {
        sent.error = None;
        post(shared, &mut sent).await;
        shared.lock().update_webhook(seq, &sent);
        out.push(sent);
    }
    out
}
