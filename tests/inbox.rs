//! Issue 24: webhooks processed exactly once by the crate (`plaid_idv::inbox`): verify, dedupe,
//! fetch the session, record after the effect. Everything runs against `FakePlaid` on 127.0.0.1.

use plaid_idv::inbox::{
    Delivery, ExactlyOnce, GuardFull, InMemoryReplayGuard, ReceiveError, Received, ReplayGuard, ReplayKey, Seen,
};
use plaid_idv::types::{
    IdentityVerificationCreateRequest, IdentityVerificationCreateRequestRequired, IdentityVerificationId,
    IdentityVerificationStatus as Status, UserIdentity,
};
use plaid_idv::{CallOptions, RetryPolicy, WebhookVerifier};
use plaid_idv_testkit::{FakePlaid, Op};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

async fn session(fake: &FakePlaid) -> IdentityVerificationId {
    let create = IdentityVerificationCreateRequest::new(IdentityVerificationCreateRequestRequired {
        template_id: "idvtmp_4FrXJvfQU3zGUR".into(),
        gave_consent: false,
        is_shareable: false,
        identity: UserIdentity::ClientUserId("customer-8841".into()),
    });
    fake.client().identity_verification_create(&create).await.unwrap().id
}

fn inbox(fake: &FakePlaid) -> ExactlyOnce {
    // No retries, so that one injected failure fails the fetch.
    let client = fake.client().with_options(CallOptions::new().retry_policy(RetryPolicy::none()));
    ExactlyOnce::new(client.clone(), WebhookVerifier::new(client))
}

/// The handler under test: applies the session's status once per `New`.
async fn handle<G: ReplayGuard>(
    inbox: &ExactlyOnce,
    guard: &G,
    delivery: Delivery<'_>,
    effects: &AtomicUsize,
) -> Result<&'static str, ReceiveError<G::Error>> {
    match inbox.receive(guard, delivery).await? {
        Received::New(pending) => {
            assert_eq!(pending.session().map(|s| s.status.clone()), Some(Status::Success));
            effects.fetch_add(1, Ordering::SeqCst);
            pending.done().await.map_err(ReceiveError::Guard)?;
            Ok("applied")
        }
        Received::Duplicate(_) => Ok("duplicate"),
        Received::InFlight(_) => Ok("in flight"),
    }
}

#[tokio::test]
async fn a_redelivery_after_a_failed_fetch_is_applied_once_and_a_replay_is_ignored() {
    let fake = FakePlaid::start().await.unwrap();
    let id = session(&fake).await;
    let sent = fake.complete(&id, Status::Success).await.unwrap();
    let (inbox, guard, effects) = (inbox(&fake), InMemoryReplayGuard::default(), AtomicUsize::new(0));
    let delivery = Delivery::live(Some(&sent.verification), &sent.body);

    fake.fail_next(
        Op::IdentityVerificationGet,
        500,
        FakePlaid::plaid_error("API_ERROR", "INTERNAL_SERVER_ERROR", "x").unwrap(),
    );
    let e = handle(&inbox, &guard, delivery, &effects).await.unwrap_err();
    assert!(matches!(e, ReceiveError::Fetch(_)) && e.is_transient() && e.http_status() == 503, "{e:?}");
    assert!(guard.is_empty(), "a failed fetch records nothing");
    // Plaid sends the byte-identical webhook again: applied.
    assert_eq!(handle(&inbox, &guard, delivery, &effects).await.unwrap(), "applied");
    // A replay of it: ignored.
    assert_eq!(handle(&inbox, &guard, delivery, &effects).await.unwrap(), "duplicate");
    assert_eq!(effects.load(Ordering::SeqCst), 1);
    // A forged one is refused for good, before the guard.
    let e = handle(&inbox, &guard, Delivery::live(Some(&sent.verification), b"{}"), &effects).await.unwrap_err();
    assert!(!e.is_transient() && e.http_status() == 400, "{e:?}");
}

#[tokio::test]
async fn two_concurrent_deliveries_of_one_webhook_give_one_effect() {
    let fake = FakePlaid::start().await.unwrap();
    let id = session(&fake).await;
    let sent = fake.complete(&id, Status::Success).await.unwrap();
    let (inbox, guard, effects) = (inbox(&fake), InMemoryReplayGuard::default(), AtomicUsize::new(0));
    let delivery = Delivery::live(Some(&sent.verification), &sent.body);
    let (a, b) = tokio::join!(handle(&inbox, &guard, delivery, &effects), handle(&inbox, &guard, delivery, &effects));
    let mut outcomes = [a.unwrap(), b.unwrap()];
    outcomes.sort();
    assert_eq!(outcomes[0], "applied", "{outcomes:?}");
    assert!(matches!(outcomes[1], "duplicate" | "in flight"), "{outcomes:?}");
    assert_eq!(effects.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_pending_dropped_without_done_records_nothing() {
    let fake = FakePlaid::start().await.unwrap();
    let id = session(&fake).await;
    let sent = fake.complete(&id, Status::Success).await.unwrap();
    let (inbox, guard, effects) = (inbox(&fake), InMemoryReplayGuard::default(), AtomicUsize::new(0));
    let delivery = Delivery::live(Some(&sent.verification), &sent.body);
    match inbox.receive(&guard, delivery).await.unwrap() {
        Received::New(pending) => drop(pending), // the effect failed
        other => panic!("{other:?}"),
    }
    assert!(guard.is_empty());
    assert_eq!(handle(&inbox, &guard, delivery, &effects).await.unwrap(), "applied");
}

#[tokio::test]
async fn a_stored_delivery_is_processed_as_of_its_receipt_and_kept_for_the_inbox_delay() {
    let fake = FakePlaid::start().await.unwrap();
    let id = session(&fake).await;
    let sent = fake.complete(&id, Status::Success).await.unwrap();
    let body = sent.body.clone();
    // Re-signed 6 minutes ago: received then, processed now.
    let signed = plaid_idv_testkit::signer::now() - 6 * 60;
    let jwt = fake.signer().sign_at(&body, signed);
    let received = UNIX_EPOCH + Duration::from_secs(signed as u64 + 1);
    let (inbox, guard, effects) = (inbox(&fake), InMemoryReplayGuard::default(), AtomicUsize::new(0));
    let late = handle(&inbox, &guard, Delivery::live(Some(&jwt), &body), &effects).await.unwrap_err();
    assert!(matches!(late, ReceiveError::Verify(plaid_idv::VerifyError::Stale { .. })), "{late:?}");
    let stored = Delivery::stored(Some(&jwt), &body, received);
    assert_eq!(handle(&inbox, &guard, stored, &effects).await.unwrap(), "applied");
    assert_eq!(handle(&inbox, &guard, stored, &effects).await.unwrap(), "duplicate", "kept past accept_until");
    assert_eq!(effects.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn the_in_memory_guard_is_bounded_and_keys_expire() {
    let guard = InMemoryReplayGuard::new(2);
    let key = |n: i64| ReplayKey::new(n, "00");
    let later = SystemTime::now() + Duration::from_secs(300);
    let past = SystemTime::now() - Duration::from_secs(1);
    assert_eq!(guard.check(&key(1), later).await.unwrap(), Seen::New);
    assert_eq!(guard.check(&key(1), later).await.unwrap(), Seen::InFlight);
    guard.record(&key(1), later).await.unwrap();
    assert_eq!(guard.check(&key(1), later).await.unwrap(), Seen::Done);
    assert_eq!(guard.check(&key(2), later).await.unwrap(), Seen::New);
    // Full of keys that have not expired: refused, not forgotten early.
    assert_eq!(guard.check(&key(3), later).await.unwrap_err(), GuardFull { max: 2 });
    assert!(ReceiveError::Guard(GuardFull { max: 2 }).is_transient());
    // An expired key makes room.
    guard.record(&key(2), past).await.unwrap();
    assert_eq!(guard.check(&key(3), later).await.unwrap(), Seen::New);
    assert_eq!(guard.len(), 2);
    assert_eq!(guard.check(&key(2), later).await.unwrap_err(), GuardFull { max: 2 }, "key 2 expired, guard full");
}
