//! `plaid_idv_testkit::FakePlaid` (feature `test-util`): the full IDV flow with signed
//! webhooks, auth like Plaid, per-pair sessions with idempotency, real cursors, retry
//! strategies, scripted progress, fault injection against the client's retry and timeout
//! handling, request inspection and limits. Everything runs on 127.0.0.1.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use futures_util::TryStreamExt;
use plaid_idv::flow::{LinkOptions, StartStep, StartedVerification};
use plaid_idv::types::{
    CountryCode, DashboardUserGetRequest, DashboardUserListRequest, IdentityVerificationCreateRequest,
    IdentityVerificationCreateRequestRequired, IdentityVerificationCreateRequestUser, IdentityVerificationGetRequest,
    IdentityVerificationId, IdentityVerificationListRequest, IdentityVerificationListRequestRequired,
    IdentityVerificationRetryRequest, IdentityVerificationRetryRequestRequired,
    IdentityVerificationRetryRequestStepsObject, IdentityVerificationRetryRequestStepsObjectRequired,
    IdentityVerificationStatus as Status, IdentityVerificationStepStatus as StepStatus, LinkTokenCreateRequest,
    LinkTokenCreateRequestRequired, LinkTokenCreateRequestUser, PlaidErrorType, Products, Strategy, UserIdentity,
    WebhookVerificationKeyGetRequest,
};
use plaid_idv::webhooks::Webhook;
use plaid_idv::{Client, Error, RetryPolicy, VerifyError, WebhookVerifier};
use plaid_idv_testkit::{FakeError, FakePlaid, Op, Step, WebhookDelivery};
use serde_json::{json, Value};
use std::future::Future;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

const TEMPLATE: &str = "idvtmp_4FrXJvfQU3zGUR";
const USER: &str = "customer-8841";

fn create_req(user: &str, idempotent: bool) -> IdentityVerificationCreateRequest {
    IdentityVerificationCreateRequest::new(IdentityVerificationCreateRequestRequired {
        template_id: TEMPLATE.into(),
        gave_consent: false,
        is_shareable: false,
        identity: UserIdentity::ClientUserId(user.into()),
    })
    .with_is_idempotent(idempotent)
}

fn list_req(user: &str) -> IdentityVerificationListRequest {
    IdentityVerificationListRequest::new(IdentityVerificationListRequestRequired {
        template_id: TEMPLATE.into(),
        identity: UserIdentity::ClientUserId(user.into()),
    })
}

fn retry_req(strategy: Strategy) -> IdentityVerificationRetryRequest {
    IdentityVerificationRetryRequest::new(IdentityVerificationRetryRequestRequired {
        client_user_id: USER.into(),
        template_id: TEMPLATE.into(),
        strategy,
    })
}

fn get_req(id: &IdentityVerificationId) -> IdentityVerificationGetRequest {
    IdentityVerificationGetRequest::new(id.clone())
}

/// The `Api` error's status, error type and code.
fn api(e: &Error) -> (u16, String, String) {
    match e {
        Error::Api(a) => (
            a.status,
            a.error_type.as_ref().map(ToString::to_string).unwrap_or_default(),
            a.error_code.clone().unwrap_or_default(),
        ),
        other => panic!("expected an Api error, got {other:?}"),
    }
}

fn ops(fake: &FakePlaid) -> Vec<&'static str> {
    fake.requests().iter().filter_map(|r| r.op).map(Op::path).collect()
}

/// A webhook endpoint on 127.0.0.1 that verifies each webhook with `WebhookVerifier` (keys
/// fetched from the fake) and reports what it received.
struct Receiver {
    url: String,
    rx: mpsc::UnboundedReceiver<Received>,
    task: tokio::task::JoinHandle<()>,
}

#[derive(Debug)]
struct Received {
    verification: Option<String>,
    body: Vec<u8>,
    verdict: Result<Webhook, String>,
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Receiver {
    async fn start(verifier: WebhookVerifier) -> Receiver {
        type S = (WebhookVerifier, mpsc::UnboundedSender<Received>);
        async fn handle(State((verifier, tx)): State<S>, headers: HeaderMap, body: Bytes) -> StatusCode {
            let verdict = verifier.verify_headers(&headers, &body).await.map_err(|e| e.to_string());
            let ok = verdict.is_ok();
            let verification = headers.get("plaid-verification").and_then(|v| v.to_str().ok()).map(str::to_owned);
            let _ = tx.send(Received { verification, body: body.to_vec(), verdict });
            if ok {
                StatusCode::OK
            } else {
                StatusCode::BAD_REQUEST
            }
        }
        let (tx, rx) = mpsc::unbounded_channel();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/webhook", listener.local_addr().unwrap());
        let app = axum::Router::new().route("/webhook", axum::routing::post(handle)).with_state((verifier, tx));
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Receiver { url, rx, task }
    }

    async fn next(&mut self) -> Received {
        tokio::time::timeout(Duration::from_secs(10), self.rx.recv()).await.expect("a webhook within 10 s").unwrap()
    }
}

// ---------------------------------------------------------------------------------------------
// The full flow.

#[tokio::test]
async fn full_flow_create_link_token_complete_signed_webhook_get_retry() {
    let fake = FakePlaid::start().await.unwrap();
    let client = fake.client();
    let mut receiver = Receiver::start(WebhookVerifier::new(client.clone())).await;

    // create → Link token, with the webhook URL on the token.
    let link = LinkOptions::new("My App", [CountryCode::Us]).with_webhook(receiver.url.clone());
    let started = client.start_verification(&create_req(USER, true), &link).await.unwrap();
    let StartedVerification::Ready { verification, link: token } = started else {
        panic!("a new session is Ready: {started:?}")
    };
    let started = (verification, token);
    let id = started.0.id.clone();
    assert_eq!(id.as_str(), "idv_fake0000000001");
    assert_eq!(started.0.status, Status::Active);
    assert_eq!(started.0.client_user_id.as_str(), USER);
    assert_eq!(started.0.template.id.as_str(), TEMPLATE);
    assert_eq!(started.0.steps.accept_tos, StepStatus::Active);
    assert_eq!(started.0.steps.kyc_check, StepStatus::WaitingForPrerequisite);
    assert_eq!(started.0.completed_at, None);
    assert_eq!(started.0.kyc_check, None);
    let tokens = fake.link_tokens();
    assert_eq!(tokens.len(), 1);
    assert_eq!(tokens[0].link_token, started.1.link_token);
    assert_eq!(tokens[0].template_id.as_deref(), Some(TEMPLATE));
    assert_eq!(tokens[0].client_user_id, USER);
    assert_eq!(tokens[0].webhook.as_deref(), Some(receiver.url.as_str()));
    assert!(started.1.link_token.starts_with("link-sandbox-"), "{}", started.1.link_token);

    // The user finishes: STATUS_UPDATED goes to the Link token's webhook URL, signed.
    let sent = fake.complete(&id, Status::Success).await.unwrap();
    assert_eq!(sent.webhook_code, "STATUS_UPDATED");
    assert_eq!(sent.url.as_deref(), Some(receiver.url.as_str()));
    assert_eq!(sent.status, Some(200), "the receiver accepted it: {:?}", sent.error);
    let got = receiver.next().await;
    assert_eq!(got.body, sent.body, "the exact bytes that were signed");
    assert_eq!(got.verification.as_deref(), Some(sent.verification.as_str()));
    assert_eq!(
        serde_json::from_slice::<Value>(&got.body).unwrap(),
        json!({
            "webhook_type": "IDENTITY_VERIFICATION", "webhook_code": "STATUS_UPDATED",
            "identity_verification_id": id.as_str(), "environment": "sandbox",
        })
    );
    match got.verdict {
        Ok(Webhook::StatusUpdated(e)) => assert_eq!(e.identity_verification_id, id),
        other => panic!("the verifier should accept STATUS_UPDATED: {other:?}"),
    }

    // get shows the new status, with the results filled in.
    let after = client.identity_verification_get(&get_req(&id)).await.unwrap();
    assert_eq!(after.status, Status::Success);
    assert!(after.completed_at.is_some());
    for (step, status) in [
        ("accept_tos", &after.steps.accept_tos),
        ("verify_sms", &after.steps.verify_sms),
        ("kyc_check", &after.steps.kyc_check),
        ("documentary_verification", &after.steps.documentary_verification),
        ("selfie_check", &after.steps.selfie_check),
        ("watchlist_screening", &after.steps.watchlist_screening),
        ("risk_check", &after.steps.risk_check),
    ] {
        assert_eq!(status, &StepStatus::Success, "{step}");
    }
    assert!(after.kyc_check.is_some() && after.documentary_verification.is_some() && after.selfie_check.is_some());

    // retry opens a new session pointing at the old one, and RETRIED follows.
    let retried = client.identity_verification_retry(&retry_req(Strategy::Reset)).await.unwrap();
    assert_eq!(retried.id.as_str(), "idv_fake0000000002");
    assert_eq!(retried.previous_attempt_id.as_ref(), Some(&id));
    assert_eq!(retried.status, Status::Active);
    assert_eq!(retried.steps.accept_tos, StepStatus::Active, "reset starts over");
    let got = receiver.next().await;
    match got.verdict {
        Ok(Webhook::Retried(e)) => assert_eq!(e.identity_verification_id, retried.id),
        other => panic!("the verifier should accept RETRIED: {other:?}"),
    }

    // list: newest first.
    let page = client.identity_verification_list(&list_req(USER)).await.unwrap();
    let ids: Vec<&str> = page.identity_verifications.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids, ["idv_fake0000000002", "idv_fake0000000001"]);
    assert_eq!(page.next_cursor, None);

    assert_eq!(
        ops(&fake),
        [
            "/identity_verification/create",
            "/link/token/create",
            "/webhook_verification_key/get",
            "/identity_verification/get",
            "/identity_verification/retry",
            "/identity_verification/list",
        ]
    );
    assert_eq!(fake.wait_for_webhooks_since(0, 2, Duration::from_secs(5)).await.len(), 2);
}

// ---------------------------------------------------------------------------------------------
// Auth.

async fn raw(fake: &FakePlaid, path: &str, headers: &[(&str, &str)], body: &str) -> (u16, Value) {
    let mut req = plaid_idv::http_client_builder()
        .unwrap()
        .build()
        .unwrap()
        .post(format!("{}{path}", fake.url()))
        .body(body.to_string());
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap())
}

const JSON: (&str, &str) = ("content-type", "application/json");
const VERSION: (&str, &str) = ("Plaid-Version", "2020-09-14");
const ID: (&str, &str) = ("PLAID-CLIENT-ID", FakePlaid::CLIENT_ID);
const SECRET: (&str, &str) = ("PLAID-SECRET", FakePlaid::SECRET);

#[tokio::test]
async fn auth_is_checked_like_plaid() {
    let fake = FakePlaid::start().await.unwrap();
    let get = IdentityVerificationGetRequest::new("idv_fake0000000001");
    for (id, secret) in [(FakePlaid::CLIENT_ID, "wrong-secret"), ("wrong-client", FakePlaid::SECRET)] {
        let client =
            Client::builder(id, plaid_idv::Secret::new(secret)).environment(plaid_idv::Environment::Custom(fake.url()));
        let client = client.build().unwrap();
        let e = client.identity_verification_get(&get).await.unwrap_err();
        assert_eq!(api(&e), (400, "INVALID_INPUT".into(), "INVALID_API_KEYS".into()));
        let Error::Api(a) = &e else { unreachable!() };
        let body = a.error.as_ref().expect("a typed PlaidError");
        assert_eq!(body.error_type, PlaidErrorType::InvalidInput);
        assert_eq!(body.error_message, "invalid client_id or secret provided");
        assert!(a.request_id.as_deref().is_some_and(|r| r.starts_with("fakereq")), "{:?}", a.request_id);
        assert_eq!(e.attempts(), 1, "a 400 is not retried");
    }
    let body = r#"{"identity_verification_id":"idv_x"}"#;
    let path = "/identity_verification/get";
    let (status, b) = raw(&fake, path, &[JSON, VERSION, ID], body).await;
    assert_eq!(
        (status, &b["error_type"], &b["error_code"]),
        (400, &json!("INVALID_REQUEST"), &json!("MISSING_FIELDS"))
    );
    assert_eq!(b["error_message"], "the following required fields are missing: secret");
    let (status, b) = raw(&fake, path, &[JSON, VERSION], body).await;
    assert_eq!(
        (status, &b["error_message"]),
        (400, &json!("the following required fields are missing: client_id, secret"))
    );
    let (status, b) = raw(&fake, path, &[JSON, ID, SECRET], body).await;
    assert_eq!((status, &b["error_code"]), (400, &json!("INVALID_HEADERS")));
    assert_eq!(b["error_message"], "the Plaid-Version header must be 2020-09-14");
    let (status, b) = raw(&fake, path, &[JSON, ID, SECRET, ("Plaid-Version", "2018-05-22")], body).await;
    assert_eq!((status, &b["error_code"]), (400, &json!("INVALID_HEADERS")));
    let (status, b) = raw(&fake, path, &[VERSION, ID, SECRET], body).await;
    assert_eq!((status, &b["error_message"]), (400, &json!("Content-Type must be application/json")));
    // Credentials in the body, as Plaid also accepts.
    let in_body =
        format!(r#"{{"client_id":"{}","secret":"{}","key_id":"nope"}}"#, FakePlaid::CLIENT_ID, FakePlaid::SECRET);
    let (status, b) = raw(&fake, "/webhook_verification_key/get", &[JSON, VERSION], &in_body).await;
    assert_eq!((status, &b["error_code"]), (400, &json!("INVALID_WEBHOOK_VERIFICATION_KEY_ID")), "authenticated");
    assert_eq!(fake.requests().last().unwrap().body, json!({ "client_id": FakePlaid::CLIENT_ID, "key_id": "nope" }));
    // Unknown paths and methods.
    let (status, b) = raw(&fake, "/item/get", &[JSON, VERSION, ID, SECRET], "{}").await;
    assert_eq!((status, &b["error_code"]), (404, &json!("NOT_FOUND")));
    let resp = plaid_idv::http_client_builder()
        .unwrap()
        .build()
        .unwrap()
        .get(format!("{}{path}", fake.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 404);
    // A body that is not a JSON object.
    let (status, b) = raw(&fake, path, &[JSON, VERSION, ID, SECRET], "[1]").await;
    assert_eq!((status, &b["error_code"]), (400, &json!("INVALID_BODY")));
    // A typed check of the request: a missing field, a wrong type.
    let (status, b) = raw(&fake, path, &[JSON, VERSION, ID, SECRET], "{}").await;
    assert_eq!((status, &b["error_code"]), (400, &json!("MISSING_FIELDS")));
    assert_eq!(b["error_message"], "the following required fields are missing: identity_verification_id");
    let (status, b) = raw(&fake, path, &[JSON, VERSION, ID, SECRET], r#"{"identity_verification_id":7}"#).await;
    assert_eq!((status, &b["error_code"]), (400, &json!("INVALID_FIELD")));
    assert_eq!(b["error_message"], "identity_verification_id: invalid type: integer, expected a string");
}

// ---------------------------------------------------------------------------------------------
// Sessions.

#[tokio::test]
async fn create_keeps_one_session_per_template_and_user_with_is_idempotent() {
    let fake = FakePlaid::start().await.unwrap();
    let client = fake.client();
    let a = client.identity_verification_create(&create_req(USER, true)).await.unwrap();
    let again = client.identity_verification_create(&create_req(USER, true)).await.unwrap();
    assert_eq!(again.id, a.id, "idempotent create returns the existing session");
    assert_ne!(again.request_id, a.request_id, "each response has its own request id");
    let e = client.identity_verification_create(&create_req(USER, false)).await.unwrap_err();
    assert_eq!(api(&e), (400, "INVALID_REQUEST".into(), "INVALID_FIELD".into()));
    let other_user = client.identity_verification_create(&create_req("customer-9", false)).await.unwrap();
    assert_ne!(other_user.id, a.id);
    let mut other_template = create_req(USER, false);
    other_template.template_id = "idvtmp_other".into();
    let other_template = client.identity_verification_create(&other_template).await.unwrap();
    assert_ne!(other_template.id, a.id);
    assert_eq!(fake.sessions().len(), 3);

    // The request's data ends up in the session.
    let mut req = IdentityVerificationCreateRequest::new(IdentityVerificationCreateRequestRequired {
        template_id: TEMPLATE.into(),
        gave_consent: true,
        is_shareable: true,
        identity: UserIdentity::ClientUserId("customer-shared".into()),
    });
    let mut user = IdentityVerificationCreateRequestUser::default();
    user.email_address = Some("leslie@example.com".into());
    req = req.with_user(user);
    let s = client.identity_verification_create(&req).await.unwrap();
    assert_eq!(s.user.email_address.as_deref(), Some("leslie@example.com"));
    assert_eq!(s.user.phone_number, None);
    assert_eq!(s.steps.accept_tos, StepStatus::Skipped, "consent already given");
    assert_eq!(s.steps.verify_sms, StepStatus::Active);
    assert_eq!(s.shareable_url.as_deref(), Some(format!("https://flow.plaid.com/verify/{}?key=fake", s.id).as_str()));
    assert_eq!(a.shareable_url, None, "not shareable");
    assert_eq!(s.previous_attempt_id, None);

    // What the fake holds equals what get returns (minus request_id).
    let held = fake.session(&s.id).unwrap();
    let got: plaid_idv::types::IdentityVerification =
        client.identity_verification_get(&get_req(&s.id)).await.unwrap().into();
    assert_eq!(held, got);
    let e = client.identity_verification_get(&IdentityVerificationGetRequest::new("idv_nope")).await.unwrap_err();
    assert_eq!(api(&e), (400, "INVALID_REQUEST".into(), "INVALID_FIELD".into()));

    // Naming neither client_user_id nor user_id does not compile with the typed request; the
    // fake refuses it too.
    let body = r#"{"template_id":"idvtmp_4FrXJvfQU3zGUR","gave_consent":false,"is_shareable":false}"#;
    let (status, b) = raw(&fake, "/identity_verification/create", &[JSON, VERSION, ID, SECRET], body).await;
    assert_eq!((status, &b["error_code"]), (400, &json!("MISSING_FIELDS")));
}

#[tokio::test]
async fn list_pages_with_real_cursors_and_a_settable_page_size() {
    let fake = FakePlaid::start().await.unwrap();
    let client = fake.client();
    client.identity_verification_create(&create_req(USER, false)).await.unwrap();
    client.identity_verification_create(&create_req("someone-else", false)).await.unwrap();
    for _ in 0..4 {
        client.identity_verification_retry(&retry_req(Strategy::Reset)).await.unwrap();
    }
    fake.set_page_size(2);
    let req = list_req(USER);
    let pages: Vec<_> = client.identity_verification_list_pages(&req).try_collect().await.unwrap();
    let sizes: Vec<usize> = pages.iter().map(|p| p.identity_verifications.len()).collect();
    assert_eq!(sizes, [2, 2, 1]);
    assert!(pages[0].next_cursor.is_some() && pages[1].next_cursor.is_some());
    assert_eq!(pages[2].next_cursor, None);
    let ids: Vec<String> =
        pages.iter().flat_map(|p| &p.identity_verifications).map(|s| s.id.as_str().to_string()).collect();
    // Newest first; the other user's session (idv_fake0000000002) is not listed.
    let want =
        ["idv_fake0000000006", "idv_fake0000000005", "idv_fake0000000004", "idv_fake0000000003", "idv_fake0000000001"];
    assert_eq!(ids, want);
    let streamed: Vec<_> = client.identity_verification_list_stream(&req).try_collect().await.unwrap();
    assert_eq!(streamed.len(), 5);
    // A cursor is stable: asking again gives the same page.
    let cursor = pages[0].next_cursor.clone().unwrap();
    let again = client.identity_verification_list(&req.clone().with_cursor(cursor)).await.unwrap();
    assert_eq!(again.identity_verifications, pages[1].identity_verifications);
    let e =
        client.identity_verification_list(&req.clone().with_cursor("bm90LWEtY3Vyc29y".to_string())).await.unwrap_err();
    assert_eq!(api(&e), (400, "INVALID_REQUEST".into(), "INVALID_FIELD".into()));
    // Without client_user_id or user_id (the typed request cannot say that, so it is sent raw):
    // refused, as Plaid's spec says (a list names the user), not every session of the template.
    fake.set_page_size(100);
    let body = r#"{"template_id":"idvtmp_4FrXJvfQU3zGUR"}"#;
    let (status, reply) = raw(&fake, "/identity_verification/list", &[JSON, VERSION, ID, SECRET], body).await;
    assert_eq!(
        (status, reply["error_type"].as_str(), reply["error_code"].as_str()),
        (400, Some("INVALID_REQUEST"), Some("MISSING_FIELDS")),
        "{reply}"
    );
}

#[tokio::test]
async fn retry_honours_the_strategy() {
    let fake = FakePlaid::start().await.unwrap();
    let client = fake.client();
    let e = client.identity_verification_retry(&retry_req(Strategy::Reset)).await.unwrap_err();
    assert_eq!(api(&e), (400, "INVALID_REQUEST".into(), "INVALID_FIELD".into()), "nothing to retry");

    let first = client.identity_verification_create(&create_req(USER, false)).await.unwrap();
    fake.advance_step(&first.id, Step::AcceptTos, StepStatus::Success).await.unwrap();
    fake.advance_step(&first.id, Step::VerifySms, StepStatus::Success).await.unwrap();
    fake.advance_step(&first.id, Step::KycCheck, StepStatus::Failed).await.unwrap();
    fake.complete(&first.id, Status::Failed).await.unwrap();
    let failed = fake.session(&first.id).unwrap();
    assert_eq!(failed.steps.kyc_check, StepStatus::Failed);
    assert_eq!(failed.steps.documentary_verification, StepStatus::WaitingForPrerequisite, "one failed step is enough");
    assert!(failed.completed_at.is_some());

    // incomplete: finished steps (and their results) are kept, the user resumes at kyc_check.
    let second = client.identity_verification_retry(&retry_req(Strategy::Incomplete)).await.unwrap();
    assert_eq!(second.previous_attempt_id.as_ref(), Some(&first.id));
    assert_eq!(
        (&second.steps.accept_tos, &second.steps.verify_sms, &second.steps.kyc_check),
        (&StepStatus::Success, &StepStatus::Success, &StepStatus::Active)
    );
    assert_eq!(second.steps.documentary_verification, StepStatus::WaitingForPrerequisite);
    assert!(second.verify_sms.is_some(), "kept result");
    assert_eq!(second.kyc_check, None, "not kept");

    // custom: steps marked true are redone, the others kept.
    let mut custom = retry_req(Strategy::Custom);
    let e = client.identity_verification_retry(&custom).await.unwrap_err();
    assert_eq!(api(&e), (400, "INVALID_REQUEST".into(), "MISSING_FIELDS".into()), "custom needs steps");
    custom.steps = Some(Some(IdentityVerificationRetryRequestStepsObject::new(
        IdentityVerificationRetryRequestStepsObjectRequired {
            verify_sms: true,
            kyc_check: false,
            documentary_verification: false,
            selfie_check: false,
        },
    )));
    let third = client.identity_verification_retry(&custom).await.unwrap();
    assert_eq!(third.previous_attempt_id.as_ref(), Some(&second.id));
    assert_eq!((&third.steps.accept_tos, &third.steps.verify_sms), (&StepStatus::Success, &StepStatus::Active));
    assert_eq!(third.verify_sms, None);

    // reset: everything again.
    let fourth = client.identity_verification_retry(&retry_req(Strategy::Reset)).await.unwrap();
    assert_eq!(fourth.steps.accept_tos, StepStatus::Active);
    assert_eq!(fourth.steps.verify_sms, StepStatus::WaitingForPrerequisite);
    assert_eq!(fourth.previous_attempt_id.as_ref(), Some(&third.id));

    // retry is never repeated by the client, even on a 500.
    fake.clear_requests();
    let err = FakePlaid::plaid_error("API_ERROR", "INTERNAL_SERVER_ERROR", "boom").unwrap();
    fake.fail_next(Op::IdentityVerificationRetry, 500, err);
    let e = fake.client_builder().build().unwrap().identity_verification_retry(&retry_req(Strategy::Reset)).await;
    assert_eq!(api(&e.unwrap_err()), (500, "API_ERROR".into(), "INTERNAL_SERVER_ERROR".into()));
    assert_eq!(ops(&fake), ["/identity_verification/retry"]);
}

#[tokio::test]
async fn scripted_progress_sends_step_and_status_webhooks() {
    let fake = FakePlaid::start().await.unwrap();
    let client = fake.client();
    let verifier = WebhookVerifier::new(client.clone());
    let s = client.identity_verification_create(&create_req(USER, false)).await.unwrap();

    // No webhook URL anywhere: nothing is sent, but the signed webhook is returned.
    let sent = fake.advance_step(&s.id, Step::AcceptTos, StepStatus::Success).await.unwrap();
    assert_eq!((sent.url.as_deref(), sent.status, sent.error.as_deref()), (None, None, None));
    match verifier.verify(Some(&sent.verification), &sent.body).await.unwrap() {
        Webhook::StepUpdated(e) => assert_eq!(e.identity_verification_id, s.id),
        other => panic!("{other:?}"),
    }
    let mut tampered = sent.body.clone();
    tampered[10] ^= 1;
    assert!(matches!(verifier.verify(Some(&sent.verification), &tampered).await, Err(VerifyError::BodyMismatch)));
    let now = fake.session(&s.id).unwrap();
    assert_eq!((now.steps.accept_tos, now.steps.verify_sms), (StepStatus::Success, StepStatus::Active));
    assert_eq!(now.status, Status::Active, "a step does not change the status");

    // The fake's own webhook URL, when the Link token has none.
    let mut receiver = Receiver::start(verifier.clone()).await;
    fake.set_webhook_url(Some(&receiver.url));
    let sent = fake.advance_step(&s.id, Step::VerifySms, StepStatus::Success).await.unwrap();
    assert_eq!(sent.status, Some(200));
    assert!(matches!(receiver.next().await.verdict, Ok(Webhook::StepUpdated(_))));
    let same = fake.advance_step(&s.id, Step::VerifySms, StepStatus::Success).await.unwrap_err();
    assert!(matches!(same, FakeError::Unchanged(_)), "no change: {same:?}");

    let sent = fake.expire(&s.id).await.unwrap();
    assert_eq!(sent.webhook_code, "STATUS_UPDATED");
    assert!(matches!(receiver.next().await.verdict, Ok(Webhook::StatusUpdated(_))));
    let expired = fake.session(&s.id).unwrap();
    assert_eq!(expired.status, Status::Expired);
    assert_eq!(expired.steps.kyc_check, StepStatus::Expired);
    assert_eq!(expired.steps.verify_sms, StepStatus::Success, "finished steps stay");
    let again = fake.expire(&s.id).await.unwrap_err();
    assert!(matches!(again, FakeError::Unchanged(_)), "already expired: no webhook: {again:?}");

    // start_verification on the expired session retries it (the flow helper against the fake).
    let started = client.start_verification(&create_req(USER, true), &LinkOptions::new("App", [CountryCode::Us])).await;
    let StartedVerification::Retried { expired, verification, link } = started.unwrap() else {
        panic!("an expired session is retried")
    };
    assert_eq!(expired, s.id);
    assert_eq!(verification.previous_attempt_id.as_ref(), Some(&s.id));
    assert_eq!(fake.link_tokens().last().map(|t| t.link_token.clone()), Some(link.link_token));
    assert!(matches!(receiver.next().await.verdict, Ok(Webhook::Retried(_))));

    // A webhook URL that is not loopback is never contacted.
    fake.set_webhook_url(Some("https://hooks.example.com/plaid"));
    let sent = fake.complete(&verification.id, Status::Canceled).await.unwrap();
    assert_eq!(sent.status, None);
    assert!(sent.error.unwrap().contains("only sends webhooks to loopback"));

    let unknown = IdentityVerificationId::from("idv_nope");
    assert_eq!(
        fake.complete(&unknown, Status::Success).await.unwrap_err(),
        FakeError::UnknownSession("idv_nope".into())
    );
    let codes: Vec<String> =
        fake.wait_for_webhooks_since(0, 5, Duration::from_secs(5)).await.into_iter().map(|w| w.webhook_code).collect();
    assert_eq!(codes, ["STEP_UPDATED", "STEP_UPDATED", "STATUS_UPDATED", "RETRIED", "STATUS_UPDATED"]);
}

#[tokio::test]
async fn link_tokens_dashboard_users_and_the_signing_key() {
    let fake = FakePlaid::start().await.unwrap();
    let client = fake.client();
    let mut req = LinkTokenCreateRequest::new(LinkTokenCreateRequestRequired {
        client_name: "My App".into(),
        language: "en".into(),
        country_codes: vec![CountryCode::Us],
        user: LinkTokenCreateRequestUser::new(USER),
    })
    .with_products(vec![Products::IdentityVerification]);
    let e = client.link_token_create(&req).await.unwrap_err();
    assert_eq!(api(&e), (400, "INVALID_REQUEST".into(), "MISSING_FIELDS".into()));
    req = req.with_identity_verification(plaid_idv::types::LinkTokenCreateRequestIdentityVerification::new(TEMPLATE));
    let token = client.link_token_create(&req).await.unwrap();
    let expires_in =
        token.expiration - plaid_idv::chrono::DateTime::<plaid_idv::chrono::Utc>::from(std::time::SystemTime::now());
    assert!((3..=4).contains(&expires_in.num_hours()), "{expires_in}");
    assert_eq!(fake.link_tokens()[0].template_id.as_deref(), Some(TEMPLATE));
    assert_eq!(fake.link_tokens()[0].webhook, None);
    assert_eq!(fake.link_tokens()[0].request.get("secret"), None, "the recorded request has no secret");
    assert_eq!(fake.link_tokens()[0].request["user"]["client_user_id"], USER);

    let second = fake.add_dashboard_user("second@example.com", "invited").unwrap();
    fake.add_dashboard_user("third@example.com", "active").unwrap();
    fake.set_page_size(2);
    let pages: Vec<_> = client.dashboard_user_list_pages(&DashboardUserListRequest::new()).try_collect().await.unwrap();
    assert_eq!(pages.iter().map(|p| p.dashboard_users.len()).collect::<Vec<_>>(), [2, 1]);
    assert_eq!(pages[0].dashboard_users[0].email_address, "reviewer@example.com");
    let got = client.dashboard_user_get(&DashboardUserGetRequest::new(second.as_str())).await.unwrap();
    assert_eq!((got.email_address.as_str(), got.status.as_str()), ("second@example.com", "invited"));
    let e = client.dashboard_user_get(&DashboardUserGetRequest::new("usr_nope")).await.unwrap_err();
    assert_eq!(api(&e), (400, "INVALID_REQUEST".into(), "INVALID_FIELD".into()));

    let key = client.webhook_verification_key_get(&WebhookVerificationKeyGetRequest::new(fake.signer().kid())).await;
    let key = key.unwrap();
    assert_eq!(key.key.kid, fake.signer().kid());
    assert_eq!((key.key.alg.as_str(), key.key.crv.as_str(), key.key.expired_at), ("ES256", "P-256", None));
    let e = client.webhook_verification_key_get(&WebhookVerificationKeyGetRequest::new("other")).await.unwrap_err();
    assert_eq!(api(&e), (400, "INVALID_INPUT".into(), "INVALID_WEBHOOK_VERIFICATION_KEY_ID".into()));
}

// ---------------------------------------------------------------------------------------------
// Faults against the client's retry and timeout handling.

#[tokio::test]
async fn injected_errors_429s_delays_and_drops_meet_the_retry_policy() {
    let fake = FakePlaid::start().await.unwrap();
    let client = fake.client_builder().attempt_timeout(Duration::from_millis(200)).build().unwrap();
    let s = client.identity_verification_create(&create_req(USER, false)).await.unwrap();

    // A 500 on a read is retried; a 400 is not.
    fake.clear_requests();
    let boom = FakePlaid::plaid_error("API_ERROR", "INTERNAL_SERVER_ERROR", "boom").unwrap();
    fake.fail_next(Op::IdentityVerificationGet, 500, boom);
    assert_eq!(client.identity_verification_get(&get_req(&s.id)).await.unwrap().id, s.id);
    assert_eq!(ops(&fake).len(), 2);
    let bad = FakePlaid::plaid_error("INVALID_REQUEST", "INVALID_FIELD", "bad").unwrap();
    fake.fail_next(Op::IdentityVerificationGet, 400, bad);
    let e = client.identity_verification_get(&get_req(&s.id)).await.unwrap_err();
    assert_eq!((api(&e), e.attempts()), ((400, "INVALID_REQUEST".into(), "INVALID_FIELD".into()), 1));
    let Error::Api(a) = &e else { unreachable!() };
    assert_eq!(a.error.as_ref().unwrap().status, Some(400), "fail_next fills in the status");

    // 429 with Retry-After: the client waits at least that long, then succeeds.
    fake.rate_limit_next(Op::IdentityVerificationGet, Duration::from_millis(300));
    let started = Instant::now();
    client.identity_verification_get(&get_req(&s.id)).await.unwrap();
    assert!(started.elapsed() >= Duration::from_secs(1), "Retry-After: 1 (rounded up): {:?}", started.elapsed());
    let with_header = fake.requests();
    assert_eq!(with_header.len(), 5);

    // A delay longer than the attempt timeout: a timeout, retried for a read.
    fake.delay_next(Op::IdentityVerificationGet, Duration::from_millis(800));
    fake.clear_requests();
    let started = Instant::now();
    client.identity_verification_get(&get_req(&s.id)).await.unwrap();
    assert!(started.elapsed() < Duration::from_millis(700), "did not wait for the slow answer");
    assert_eq!(ops(&fake).len(), 2);
    fake.delay_next(Op::IdentityVerificationGet, Duration::from_millis(800));
    let once = client.with_options(plaid_idv::CallOptions::new().retry_policy(RetryPolicy::none()));
    let e = once.identity_verification_get(&get_req(&s.id)).await.unwrap_err();
    assert!(matches!(e, Error::Timeout { attempts: 1, .. }), "{e:?}");

    // A dropped connection: retried for a read and an idempotent create, not for a plain create.
    fake.clear_requests();
    fake.drop_next(Op::IdentityVerificationGet);
    client.identity_verification_get(&get_req(&s.id)).await.unwrap();
    assert_eq!(ops(&fake).len(), 2);
    fake.clear_requests();
    fake.drop_next(Op::IdentityVerificationCreate);
    let e = client.identity_verification_create(&create_req("new-user", false)).await.unwrap_err();
    assert!(matches!(e, Error::Transport { attempts: 1, .. }), "{e:?}");
    assert_eq!(ops(&fake).len(), 1);
    fake.drop_next(Op::IdentityVerificationCreate);
    let made = client.identity_verification_create(&create_req("new-user", true)).await.unwrap();
    assert_eq!(ops(&fake).len(), 3);
    assert_eq!(fake.sessions().iter().filter(|x| x.client_user_id.as_str() == "new-user").count(), 1);
    assert_eq!(made.client_user_id.as_str(), "new-user");
}

#[tokio::test]
async fn rate_limited_answers_carry_retry_after_and_a_plaid_error() {
    let fake = FakePlaid::start().await.unwrap();
    fake.rate_limit_next(Op::IdentityVerificationGet, Duration::from_secs(7));
    let resp = plaid_idv::http_client_builder()
        .unwrap()
        .build()
        .unwrap()
        .post(format!("{}/identity_verification/get", fake.url()))
        .header("content-type", "application/json")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 429);
    assert_eq!(resp.headers()["retry-after"], "7");
    let body: Value = resp.json().await.unwrap();
    assert_eq!((&body["error_type"], &body["error_code"]), (&json!("RATE_LIMIT_EXCEEDED"), &json!("RATE_LIMIT")));
    assert_eq!(body["status"], 429);
}

// ---------------------------------------------------------------------------------------------
// Inspection and limits.

#[tokio::test]
async fn requests_show_what_the_client_sent_without_the_secret() {
    let fake = FakePlaid::start().await.unwrap();
    let client = fake.client();
    // Request types have no `secret` field: the client sends it as a header only.
    let req = create_req(USER, true);
    let e = client.identity_verification_create(&req).await;
    assert!(e.is_ok(), "{e:?}");
    let r = &fake.requests()[0];
    assert_eq!(r.op, Some(Op::IdentityVerificationCreate));
    assert_eq!((r.method.as_str(), r.path.as_str()), ("POST", "/identity_verification/create"));
    assert_eq!(r.header("plaid-client-id"), Some(FakePlaid::CLIENT_ID));
    assert_eq!(r.header("plaid-version"), Some("2020-09-14"));
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert!(r.header("user-agent").unwrap().starts_with("plaid-idv/"));
    assert_eq!(r.header("plaid-secret"), None);
    assert!(r.headers.iter().all(|(n, v)| !n.contains("secret") && !v.contains(FakePlaid::SECRET)));
    assert_eq!(
        r.body,
        json!({
            "client_user_id": USER, "template_id": TEMPLATE, "gave_consent": false, "is_shareable": false,
            "is_idempotent": true,
        })
    );
}

#[tokio::test]
async fn stored_sessions_requests_and_bodies_are_bounded() {
    let fake = FakePlaid::builder().max_sessions(2).max_requests(3).start().await.unwrap();
    let client = fake.client();
    client.identity_verification_create(&create_req("a", false)).await.unwrap();
    client.identity_verification_create(&create_req("b", false)).await.unwrap();
    let e = client.identity_verification_create(&create_req("c", false)).await.unwrap_err();
    assert_eq!(api(&e), (400, "INVALID_REQUEST".into(), "FAKE_SESSION_LIMIT".into()));
    let retry_a = IdentityVerificationRetryRequest::new(IdentityVerificationRetryRequestRequired {
        client_user_id: "a".into(),
        template_id: TEMPLATE.into(),
        strategy: Strategy::Reset,
    });
    let e = client.identity_verification_retry(&retry_a).await.unwrap_err();
    assert_eq!(api(&e).2, "FAKE_SESSION_LIMIT");
    client.identity_verification_list(&list_req(USER)).await.unwrap();
    let kept = fake.requests();
    assert_eq!(kept.len(), 3, "the newest three");
    assert_eq!(
        kept.iter().map(|r| r.path.as_str()).collect::<Vec<_>>(),
        ["/identity_verification/create", "/identity_verification/retry", "/identity_verification/list"]
    );
    let big = format!(r#"{{"identity_verification_id":"{}"}}"#, "x".repeat(2 << 20));
    let (status, body) = raw(&fake, "/identity_verification/get", &[JSON, VERSION, ID, SECRET], &big).await;
    assert_eq!((status, &body["error_code"]), (413, &json!("INVALID_BODY")));
}

#[test]
fn starting_outside_a_tokio_runtime_is_an_error_not_a_panic() {
    // Polled once, by hand, on a thread with no runtime.
    let waker = futures_util::task::noop_waker();
    let mut fut = std::pin::pin!(FakePlaid::start());
    let std::task::Poll::Ready(result) = fut.as_mut().poll(&mut std::task::Context::from_waker(&waker)) else {
        panic!("start should fail at once without a runtime");
    };
    let e = result.unwrap_err();
    assert!(e.to_string().contains("needs a tokio runtime"), "{e}");
}

#[tokio::test]
async fn recorded_requests_print_the_body_shape_not_personal_data() {
    let fake = FakePlaid::start().await.unwrap();
    let client = fake.client();
    let user = IdentityVerificationCreateRequestUser::new()
        .with_email_address("jane.doe@example.com")
        .with_phone_number("+14155550011");
    client.identity_verification_create(&create_req(USER, true).with_user(user)).await.unwrap();
    let link = LinkOptions::new("My App", [CountryCode::Us]);
    let _ = client.start_verification(&create_req("customer-9", true), &link).await.unwrap();

    let requests = fake.requests();
    let create = requests.iter().find(|r| r.op == Some(Op::IdentityVerificationCreate)).unwrap();
    // The values are all there to assert on...
    assert_eq!(create.body["user"]["email_address"], "jane.doe@example.com");
    // ...but `Debug` shows keys, booleans and nulls only.
    let shown = format!("{requests:?} {:?}", fake.link_tokens());
    for personal in ["jane.doe@example.com", "+14155550011", "4155550011"] {
        assert!(!shown.contains(personal), "{personal} in {shown}");
    }
    assert!(shown.contains(r#""user": {"email_address": <redacted>, "phone_number": <redacted>}"#), "{shown}");
    assert!(shown.contains(r#""is_idempotent": true"#), "{shown}");
    assert!(shown.contains("LinkTokenRecord { link_token: \"link-sandbox-"), "{shown}");
}

/// Issue 29: each recorded request says when it arrived and when it was answered, so a test can
/// see overlap (a concurrency cap) without counting connections or wall time.
#[tokio::test]
async fn recorded_requests_carry_their_arrival_and_answer_times() {
    let fake = FakePlaid::start().await.unwrap();
    let client = fake.client();
    let before = Instant::now();
    client.identity_verification_create(&create_req(USER, false)).await.unwrap();
    let id = client.identity_verification_create(&create_req(USER, true)).await.unwrap().id;
    client.identity_verification_get(&get_req(&id)).await.unwrap();
    let after = Instant::now();
    let reqs = fake.requests();
    assert_eq!(reqs.len(), 3);
    for r in &reqs {
        assert!(before <= r.arrived_at && r.arrived_at <= r.answered_at && r.answered_at <= after, "{r:?}");
    }
    for pair in reqs.windows(2) {
        assert!(pair[0].answered_at <= pair[1].arrived_at, "sequential calls do not overlap");
    }
}

/// Issue 29: a webhook-producing step takes a signing time, and a webhook stored by an ingress
/// verifies 6 minutes after signing with the "as of" API.
#[tokio::test]
async fn a_stored_webhook_signed_6_minutes_ago_verifies_as_of_its_receipt() {
    use std::time::SystemTime;
    let fake = FakePlaid::start().await.unwrap();
    let client = fake.client();
    let id = client.identity_verification_create(&create_req(USER, false)).await.unwrap().id;
    let signed_at = SystemTime::now() - Duration::from_secs(6 * 60);
    let sent = fake.complete_signed_at(&id, Status::Success, signed_at).await.unwrap();
    let secs = signed_at.duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    assert_eq!(sent.issued_at, secs);
    let verifier = WebhookVerifier::new(client.clone());
    let stale = verifier.verify(Some(&sent.verification), &sent.body).await.unwrap_err();
    assert!(matches!(stale, VerifyError::Stale { .. }), "{stale:?}");
    let received_at = signed_at + Duration::from_secs(2);
    let ok = verifier.verify_at(Some(&sent.verification), &sent.body, received_at).await.unwrap();
    assert!(matches!(ok.webhook, Webhook::StatusUpdated(_)));
    // The other steps take one too; None signs now.
    let step = fake.advance_step_signed_at(&id, Step::KycCheck, StepStatus::Failed, None).await.unwrap();
    assert!(verifier.verify(Some(&step.verification), &step.body).await.is_ok());
    let expired = fake.expire_signed_at(&id, signed_at).await.unwrap();
    assert_eq!(expired.issued_at, secs);
}

// ---------------------------------------------------------------------------------------------
// start_verification's outcomes (issue 24).

#[tokio::test]
async fn start_verification_mints_no_link_token_for_a_finished_session() {
    let statuses =
        [Status::Success, Status::Failed, Status::Canceled, Status::PendingReview, Status::Unknown("on_hold".into())];
    for status in statuses {
        let fake = FakePlaid::start().await.unwrap();
        let client = fake.client();
        let s = client.identity_verification_create(&create_req(USER, true)).await.unwrap();
        fake.complete(&s.id, status.clone()).await.unwrap();
        fake.clear_requests();
        let started =
            client.start_verification(&create_req(USER, true), &LinkOptions::new("App", [CountryCode::Us])).await;
        match started.unwrap() {
            StartedVerification::Finished { verification } => {
                assert_eq!((&verification.id, &verification.status), (&s.id, &status), "returned as it is");
                assert_eq!(verification.completed_at, fake.session(&s.id).unwrap().completed_at);
            }
            other => panic!("{status}: expected Finished, got {other:?}"),
        }
        assert_eq!(ops(&fake), ["/identity_verification/create"], "{status}: no Link token for a finished session");
        assert!(fake.link_tokens().is_empty(), "{status}");
        assert_eq!(fake.sessions().len(), 1, "{status}: no retry either");
    }
}

#[tokio::test]
async fn start_verification_gives_a_new_or_still_active_session_its_link_token() {
    let fake = FakePlaid::start().await.unwrap();
    let client = fake.client();
    let link = LinkOptions::new("App", [CountryCode::Us]);
    let mut ids = Vec::new();
    // New, then the same session again while the user has not finished it.
    for _ in 0..2 {
        match client.start_verification(&create_req(USER, true), &link).await.unwrap() {
            StartedVerification::Ready { verification, link } => {
                assert_eq!(verification.status, Status::Active);
                assert_eq!(fake.link_tokens().last().unwrap().link_token, link.link_token);
                ids.push(verification.id);
            }
            other => panic!("expected Ready, got {other:?}"),
        }
    }
    assert_eq!(ids[0], ids[1], "an active session is resumed, not replaced");
    assert_eq!(fake.link_tokens().len(), 2);
    assert!(fake.link_tokens().iter().all(|t| t.client_user_id == USER && t.template_id.as_deref() == Some(TEMPLATE)));
}

#[tokio::test]
async fn start_verification_retries_an_expired_session_and_mints_the_token_for_the_new_attempt() {
    let fake = FakePlaid::start().await.unwrap();
    let client = fake.client();
    let first = client.identity_verification_create(&create_req(USER, true)).await.unwrap();
    fake.expire(&first.id).await.unwrap();
    fake.clear_requests();
    let link = LinkOptions::new("App", [CountryCode::Us]);
    match client.start_verification(&create_req(USER, true), &link).await.unwrap() {
        StartedVerification::Retried { expired, verification, link } => {
            assert_eq!(expired, first.id);
            assert_ne!(verification.id, first.id);
            assert_eq!(verification.previous_attempt_id.as_ref(), Some(&first.id));
            assert_eq!(verification.status, Status::Active);
            let tokens = fake.link_tokens();
            assert_eq!((tokens.len(), tokens[0].link_token.as_str()), (1, link.link_token.as_str()));
        }
        other => panic!("expected Retried, got {other:?}"),
    }
    assert_eq!(ops(&fake), ["/identity_verification/create", "/identity_verification/retry", "/link/token/create"]);
}

/// A create request for the identity `who`.
fn create_for(who: UserIdentity) -> IdentityVerificationCreateRequest {
    IdentityVerificationCreateRequest::new(IdentityVerificationCreateRequestRequired {
        template_id: TEMPLATE.into(),
        gave_consent: false,
        is_shareable: false,
        identity: who,
    })
    .with_is_idempotent(true)
}

#[tokio::test]
async fn start_verification_accepts_either_identity_and_binds_the_link_token_to_it() {
    let fake = FakePlaid::start().await.unwrap();
    let client = fake.client();
    let link = LinkOptions::new("App", [CountryCode::Us]);
    let user_id = fake.add_user(USER);

    // Plaid's user_id alone: the session is the client_user_id's, the token names both.
    let by_plaid_id = client.start_verification(&create_for(UserIdentity::UserId(user_id.clone())), &link).await;
    let StartedVerification::Ready { verification, link: token } = by_plaid_id.unwrap() else { panic!("Ready") };
    assert_eq!(verification.client_user_id.as_str(), USER);
    assert_eq!(verification.user_id.as_deref(), Some(user_id.as_str()));
    let record = fake.link_tokens().pop().unwrap();
    assert_eq!(record.link_token, token.link_token);
    assert_eq!((record.client_user_id.as_str(), record.user_id.as_deref()), (USER, Some(user_id.as_str())));
    assert_eq!(record.request["user_id"], json!(user_id));

    // client_user_id alone: the same session (idempotent), a token without user_id.
    let by_own_id = client.start_verification(&create_for(UserIdentity::ClientUserId(USER.into())), &link).await;
    assert_eq!(by_own_id.unwrap().verification().id, verification.id);
    let record = fake.link_tokens().pop().unwrap();
    assert_eq!((record.client_user_id.as_str(), record.user_id.as_deref()), (USER, None));

    // Both: allowed when the user_id was created from that client_user_id.
    let both = create_for(UserIdentity::ClientUserId(USER.into())).with_user_id(user_id.clone());
    assert_eq!(client.start_verification(&both, &link).await.unwrap().verification().id, verification.id);
    let record = fake.link_tokens().pop().unwrap();
    assert_eq!((record.client_user_id.as_str(), record.user_id.as_deref()), (USER, Some(user_id.as_str())));

    // ... and refused, like Plaid, when it was not, or when the user_id is unknown.
    let other = create_for(UserIdentity::ClientUserId("someone-else".into())).with_user_id(user_id.clone());
    let e = client.start_verification(&other, &link).await.unwrap_err();
    assert_eq!((e.step, api(&e.error)), (StartStep::Create, (400, "INVALID_REQUEST".into(), "INVALID_FIELD".into())));
    let unknown = create_for(UserIdentity::UserId("usr_nobody".into()));
    let e = client.start_verification(&unknown, &link).await.unwrap_err();
    assert_eq!(api(&e.error), (400, "INVALID_REQUEST".into(), "INVALID_FIELD".into()));

    // An expired session named by user_id only is retried with the session's client_user_id.
    fake.expire(&verification.id).await.unwrap();
    let again = client.start_verification(&create_for(UserIdentity::UserId(user_id.clone())), &link).await;
    let StartedVerification::Retried { expired, .. } = again.unwrap() else { panic!("Retried") };
    assert_eq!(expired, verification.id);
    let retry = fake.requests().into_iter().rev().find(|r| r.op == Some(Op::IdentityVerificationRetry)).unwrap();
    assert_eq!(retry.body["client_user_id"], json!(USER));

    // list by either identity finds the same sessions.
    let list = |who| {
        IdentityVerificationListRequest::new(IdentityVerificationListRequestRequired {
            template_id: TEMPLATE.into(),
            identity: who,
        })
    };
    let by_own = client.identity_verification_list(&list(UserIdentity::ClientUserId(USER.into()))).await.unwrap();
    let by_plaid = client.identity_verification_list(&list(UserIdentity::UserId(user_id))).await.unwrap();
    assert_eq!(by_own.identity_verifications.len(), 2);
    assert_eq!(by_own.identity_verifications, by_plaid.identity_verifications);
}

// ---------------------------------------------------------------------------------------------
// Issue 25, test kit: delivery control, `wait_for_webhooks` from now, single-`Result` steps,
// synchronous delivery.

/// Issue 25: each delivery mode applies to a Link token's URL (which `set_webhook_url(None)`
/// does not stop) and to the fake's own URL; held webhooks go out on `deliver_held`, after a
/// later one (out of order).
#[tokio::test]
async fn delivery_modes_lose_duplicate_and_hold_webhooks_to_every_url() {
    let fake = FakePlaid::start().await.unwrap();
    let client = fake.client();
    let verifier = WebhookVerifier::new(client.clone());
    let mut token_receiver = Receiver::start(verifier.clone()).await;
    let mut fake_receiver = Receiver::start(verifier).await;
    let link = LinkOptions::new("App", [CountryCode::Us]).with_webhook(token_receiver.url.clone());
    let StartedVerification::Ready { verification, .. } =
        client.start_verification(&create_req(USER, false), &link).await.unwrap()
    else {
        panic!("a new session is Ready")
    };
    let a = verification.id;
    let b = client.identity_verification_create(&create_req("customer-9000", false)).await.unwrap().id;
    fake.set_webhook_url(Some(&fake_receiver.url));
    assert_eq!(fake.delivery(), WebhookDelivery::Normal);

    // Clearing the fake's URL leaves the Link token's.
    fake.set_webhook_url(None);
    let sent = fake.advance_step(&a, Step::AcceptTos, StepStatus::Success).await.unwrap();
    assert_eq!((sent.url.as_deref(), sent.status, sent.posts), (Some(token_receiver.url.as_str()), Some(200), 1));
    assert!(token_receiver.rx.try_recv().is_ok());
    fake.set_webhook_url(Some(&fake_receiver.url));

    // Lost: signed, returned and recorded, never POSTed, to either URL.
    fake.set_delivery(WebhookDelivery::Lost);
    for (id, step) in [(&a, Step::VerifySms), (&b, Step::AcceptTos)] {
        let lost = fake.advance_step(id, step, StepStatus::Success).await.unwrap();
        assert_eq!((lost.delivery, lost.posts, lost.status), (WebhookDelivery::Lost, 0, None));
        assert!(lost.url.is_some() && lost.error.as_deref().is_some_and(|e| e.contains("lost")), "{lost:?}");
    }
    assert!(token_receiver.rx.try_recv().is_err() && fake_receiver.rx.try_recv().is_err(), "nothing arrived");

    // Duplicated: the same bytes and signature twice, to either URL.
    fake.set_delivery(WebhookDelivery::Duplicated);
    for (id, receiver) in [(&a, &mut token_receiver), (&b, &mut fake_receiver)] {
        let sent = fake.advance_step(id, Step::KycCheck, StepStatus::Success).await.unwrap();
        assert_eq!((sent.delivery, sent.posts, sent.status), (WebhookDelivery::Duplicated, 2, Some(200)));
        let (first, second) = (receiver.rx.try_recv().unwrap(), receiver.rx.try_recv().unwrap());
        assert_eq!((&first.body, &first.verification), (&second.body, &second.verification));
        assert_eq!(first.body, sent.body);
        assert!(receiver.rx.try_recv().is_err(), "exactly two");
    }

    // Held: nothing arrives until deliver_held; a later webhook overtakes it.
    fake.set_delivery(WebhookDelivery::Held);
    let held_a = fake.complete(&a, Status::Success).await.unwrap();
    let held_b = fake.complete(&b, Status::Failed).await.unwrap();
    assert_eq!((held_a.posts, held_a.status, held_a.delivery), (0, None, WebhookDelivery::Held));
    assert_eq!(fake.held(), [held_a.clone(), held_b.clone()]);
    assert!(token_receiver.rx.try_recv().is_err() && fake_receiver.rx.try_recv().is_err());
    fake.set_delivery(WebhookDelivery::Normal);
    let later = fake.expire(&client.identity_verification_create(&create_req("c3", false)).await.unwrap().id).await;
    assert_eq!(later.unwrap().status, Some(200));
    assert!(matches!(fake_receiver.rx.try_recv().unwrap().verdict, Ok(Webhook::StatusUpdated(_))));
    let delivered = fake.deliver_held().await;
    assert_eq!(delivered.len(), 2);
    for (d, held) in delivered.iter().zip([&held_a, &held_b]) {
        assert_eq!((d.status, d.posts, d.error.as_deref(), &d.body), (Some(200), 1, None, &held.body));
    }
    assert_eq!(token_receiver.rx.try_recv().unwrap().body, held_a.body);
    assert_eq!(fake_receiver.rx.try_recv().unwrap().body, held_b.body);
    assert!(fake.held().is_empty() && fake.deliver_held().await.is_empty());
    // The records show the delivery; each webhook is recorded once.
    let records = fake.webhooks();
    assert_eq!(records.len(), 8);
    assert!(records.contains(&delivered[0]) && records.contains(&delivered[1]));
}

/// Issue 25: `wait_for_webhooks` counts from its call and returns the webhooks recorded since;
/// `webhook_count` + `wait_for_webhooks_since` wait race-free for `RETRIED`.
#[tokio::test]
async fn wait_for_webhooks_counts_from_the_call() {
    let fake = FakePlaid::start().await.unwrap();
    let client = fake.client();
    let id = client.identity_verification_create(&create_req(USER, false)).await.unwrap().id;
    fake.advance_step(&id, Step::AcceptTos, StepStatus::Success).await.unwrap();
    fake.advance_step(&id, Step::VerifySms, StepStatus::Success).await.unwrap();
    assert_eq!(fake.webhook_count(), 2);
    // Two webhooks since the start, none since the call: it times out empty.
    assert!(fake.wait_for_webhooks(1, Duration::from_millis(100)).await.is_empty());

    let (waited, sent) = tokio::join!(fake.wait_for_webhooks(1, Duration::from_secs(5)), async {
        tokio::time::sleep(Duration::from_millis(50)).await;
        fake.complete(&id, Status::Failed).await.unwrap()
    });
    assert_eq!(waited, [sent]);

    let mark = fake.webhook_count();
    client.identity_verification_retry(&retry_req(Strategy::Reset)).await.unwrap();
    let retried = fake.wait_for_webhooks_since(mark, 1, Duration::from_secs(5)).await;
    assert_eq!(retried.iter().map(|w| w.webhook_code.as_str()).collect::<Vec<_>>(), ["RETRIED"]);
    assert_eq!(fake.wait_for_webhooks_since(0, 4, Duration::ZERO).await.len(), 4);
}

/// Issue 25: every step returns `Result<SentWebhook, FakeError>` (one `?`), with the webhook
/// also when there is no URL; an unknown session and a change to what is already so are errors.
#[tokio::test]
async fn step_methods_return_one_result_with_the_webhook() {
    use plaid_idv_testkit::SentWebhook;
    let fake = FakePlaid::start().await.unwrap();
    let id = fake.client().identity_verification_create(&create_req(USER, false)).await.unwrap().id;
    let step: Result<SentWebhook, FakeError> = fake.advance_step(&id, Step::AcceptTos, StepStatus::Success).await;
    let step = step.unwrap();
    assert_eq!((step.webhook_code.as_str(), step.url.as_deref(), step.posts), ("STEP_UPDATED", None, 0));
    let signed: SentWebhook =
        fake.advance_step_signed_at(&id, Step::VerifySms, StepStatus::Success, None).await.unwrap();
    assert_eq!(signed.identity_verification_id, id);
    let done: SentWebhook = fake.complete(&id, Status::PendingReview).await.unwrap();
    assert_eq!(done.webhook_code, "STATUS_UPDATED");
    let same = fake.complete_signed_at(&id, Status::PendingReview, None).await.unwrap_err();
    assert!(matches!(&same, FakeError::Unchanged(m) if m.contains("pending_review")), "{same}");
    let expired: SentWebhook = fake.expire_signed_at(&id, None).await.unwrap();
    assert_eq!(expired.webhook_code, "STATUS_UPDATED");
    assert!(matches!(fake.expire(&id).await, Err(FakeError::Unchanged(_))));
    let unknown = IdentityVerificationId::from("idv_nope");
    assert_eq!(fake.expire(&unknown).await.unwrap_err(), FakeError::UnknownSession("idv_nope".into()));
    assert_eq!(fake.webhooks().len(), 4, "errors sign nothing");
}

/// Issue 25: delivery is synchronous: a step returns after the receiver answered its POST,
/// however long the receiver takes (within the 10 s delivery limit).
#[tokio::test]
async fn a_step_returns_after_the_receiver_answered() {
    let (tx, mut rx) = mpsc::unbounded_channel::<Instant>();
    let handler = move || {
        let tx = tx.clone();
        async move {
            tokio::time::sleep(Duration::from_millis(300)).await;
            let _ = tx.send(Instant::now());
            StatusCode::ACCEPTED
        }
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/slow", listener.local_addr().unwrap());
    let server = tokio::spawn(async move {
        let _ = axum::serve(listener, axum::Router::new().route("/slow", axum::routing::post(handler))).await;
    });
    let fake = FakePlaid::start().await.unwrap();
    fake.set_webhook_url(Some(&url));
    let id = fake.client().identity_verification_create(&create_req(USER, false)).await.unwrap().id;
    let started = Instant::now();
    let sent = fake.complete(&id, Status::Success).await.unwrap();
    let returned = Instant::now();
    let answered = rx.try_recv().expect("the receiver ran before complete returned");
    assert!(answered >= started + Duration::from_millis(300) && answered <= returned);
    assert_eq!((sent.status, sent.posts), (Some(202), 1));
    server.abort();
}
