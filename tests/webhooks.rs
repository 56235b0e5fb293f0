//! Webhook verification: a valid signed webhook is accepted; every kind of forgery is rejected
//! with its own error; keys are fetched once per kid, even under concurrency.

use plaid_idv::webhooks::Webhook;
use plaid_idv::{Client, Environment, RetryPolicy, VerifyError, WebhookVerifier};
use plaid_idv_testkit::signer::{b64, now, TestSigner};
use serde_json::{json, Value};
use std::time::Duration;
use wiremock::matchers::{body_json, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const BODY: &[u8] = br#"{"webhook_type":"IDENTITY_VERIFICATION","webhook_code":"STATUS_UPDATED","identity_verification_id":"idv_7bQx2mLpR4zT","environment":"sandbox"}"#;

/// A key server on 127.0.0.1 that knows `signer`'s key (answering after `delay`) and answers
/// 400 INVALID_INPUT for any other kid.
async fn key_server(signer: &TestSigner, delay: Duration) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(path("/webhook_verification_key/get"))
        .and(body_json(json!({ "key_id": signer.kid() })))
        .respond_with(ResponseTemplate::new(200).set_body_json(signer.key_response()).set_delay(delay))
        .mount(&server)
        .await;
    Mock::given(path("/webhook_verification_key/get"))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "error_type": "INVALID_INPUT", "error_code": "INVALID_WEBHOOK_VERIFICATION_KEY_ID",
            "error_message": "unknown key", "display_message": null, "request_id": "r"
        })))
        .with_priority(10)
        .mount(&server)
        .await;
    server
}

fn verifier(server: &MockServer) -> WebhookVerifier {
    let client = Client::builder("id", plaid_idv::Secret::new("secret"))
        .environment(Environment::Custom(server.uri()))
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    WebhookVerifier::new(client)
}

async fn fetches(server: &MockServer) -> usize {
    server.received_requests().await.unwrap_or_default().len()
}

fn token(header: &Value, claims: &Value, sig: &[u8]) -> String {
    format!("{}.{}.{}", b64(header.to_string().as_bytes()), b64(claims.to_string().as_bytes()), b64(sig))
}

fn body_hash(body: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(body).iter().map(|b| format!("{b:02x}")).collect()
}

#[tokio::test]
async fn a_valid_webhook_is_accepted_and_typed() {
    let signer = TestSigner::new("kid-valid");
    let server = key_server(&signer, Duration::ZERO).await;
    let v = verifier(&server);
    match v.verify(Some(&signer.sign(BODY)), BODY).await.unwrap() {
        Webhook::StatusUpdated(e) => assert_eq!(e.identity_verification_id.as_str(), "idv_7bQx2mLpR4zT"),
        other => panic!("{other:?}"),
    }
    // The key is cached: a second webhook does not fetch again.
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("Plaid-Verification", signer.sign(BODY).parse().unwrap());
    assert!(v.verify_headers(&headers, BODY).await.is_ok());
    assert_eq!(fetches(&server).await, 1);
}

#[tokio::test]
async fn each_forgery_is_rejected_with_its_own_error() {
    let signer = TestSigner::new("kid-main");
    let server = key_server(&signer, Duration::ZERO).await;
    let v = verifier(&server);
    let jwt = signer.sign(BODY);

    let tampered = String::from_utf8(BODY.to_vec()).unwrap().replace("sandbox", "production");
    assert!(matches!(v.verify(Some(&jwt), tampered.as_bytes()).await, Err(VerifyError::BodyMismatch)));

    let impostor = TestSigner::new("kid-main");
    assert!(matches!(v.verify(Some(&impostor.sign(BODY)), BODY).await, Err(VerifyError::BadSignature)));

    let claims = json!({ "iat": now(), "request_body_sha256": body_hash(BODY) });
    let none = token(&json!({ "alg": "none", "kid": "kid-main" }), &claims, b"");
    assert!(matches!(v.verify(Some(&none), BODY).await, Err(VerifyError::UnsupportedAlgorithm(a)) if a == "none"));

    // HS256 keyed with the public key's bytes: the classic algorithm-confusion forgery.
    use hmac::Mac;
    let public = signer.jwk().to_string();
    let h = json!({ "alg": "HS256", "kid": "kid-main" });
    let input = format!("{}.{}", b64(h.to_string().as_bytes()), b64(claims.to_string().as_bytes()));
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(public.as_bytes()).unwrap();
    mac.update(input.as_bytes());
    let hs = format!("{input}.{}", b64(&mac.finalize().into_bytes()));
    assert!(matches!(v.verify(Some(&hs), BODY).await, Err(VerifyError::UnsupportedAlgorithm(a)) if a == "HS256"));
    let rs = token(&json!({ "alg": "RS256", "kid": "kid-main" }), &claims, &[1; 256]);
    assert!(matches!(v.verify(Some(&rs), BODY).await, Err(VerifyError::UnsupportedAlgorithm(a)) if a == "RS256"));

    let old = signer.sign_at(BODY, now() - 6 * 60);
    assert!(matches!(v.verify(Some(&old), BODY).await, Err(VerifyError::Stale { .. })));
    let future = signer.sign_at(BODY, now() + 10 * 60);
    assert!(matches!(v.verify(Some(&future), BODY).await, Err(VerifyError::FromFuture { .. })));

    for bad in ["not-a-jwt", "a.b", "!!!.???.###", "e30.e30.AAAA"] {
        let r = v.verify(Some(bad), BODY).await;
        assert!(
            matches!(r, Err(VerifyError::Malformed(_)) | Err(VerifyError::UnsupportedAlgorithm(_))),
            "{bad}: {r:?}"
        );
    }
    assert!(matches!(v.verify(Some("abc"), BODY).await, Err(VerifyError::Malformed(_))));
    assert!(matches!(v.verify(None, BODY).await, Err(VerifyError::MissingHeader)));
    assert!(matches!(
        v.verify_headers(&reqwest::header::HeaderMap::new(), BODY).await,
        Err(VerifyError::MissingHeader)
    ));
    // Only the first check that needed the key fetched it.
    assert_eq!(fetches(&server).await, 1);
}

#[tokio::test]
async fn an_expired_key_is_rejected() {
    let signer = TestSigner::new("kid-old").expired_at(now() - 60);
    let server = key_server(&signer, Duration::ZERO).await;
    let r = verifier(&server).verify(Some(&signer.sign(BODY)), BODY).await;
    assert!(matches!(&r, Err(VerifyError::ExpiredKey(k)) if k == "kid-old"), "{r:?}");
}

#[tokio::test]
async fn an_unknown_kid_is_fetched_once_then_rejected() {
    let known = TestSigner::new("kid-known");
    let server = key_server(&known, Duration::ZERO).await;
    let stranger = TestSigner::new("kid-stranger");
    let r = verifier(&server).verify(Some(&stranger.sign(BODY)), BODY).await;
    assert!(matches!(&r, Err(VerifyError::UnknownKey(k)) if k == "kid-stranger"), "{r:?}");
    assert_eq!(fetches(&server).await, 1);
}

#[tokio::test]
async fn a_hundred_concurrent_verifications_of_a_new_kid_fetch_it_once() {
    let signer = TestSigner::new("kid-burst");
    let server = key_server(&signer, Duration::from_millis(100)).await;
    let v = verifier(&server);
    let jwt = signer.sign(BODY);
    let tasks: Vec<_> = (0..100)
        .map(|_| {
            let (v, jwt) = (v.clone(), jwt.clone());
            tokio::spawn(async move { v.verify(Some(&jwt), BODY).await })
        })
        .collect();
    for t in tasks {
        assert!(t.await.unwrap().is_ok());
    }
    assert_eq!(fetches(&server).await, 1);
}

#[tokio::test]
async fn other_products_webhooks_are_unknown() {
    let body = br#"{"webhook_type":"TRANSACTIONS","webhook_code":"SYNC_UPDATES_AVAILABLE","item_id":"i1"}"#;
    match Webhook::parse(body).unwrap() {
        Webhook::Unknown { webhook_type, webhook_code, raw } => {
            assert_eq!((webhook_type.as_str(), webhook_code.as_str()), ("TRANSACTIONS", "SYNC_UPDATES_AVAILABLE"));
            assert_eq!(raw["item_id"], "i1");
        }
        other => panic!("{other:?}"),
    }
    // Signed ones pass verification and come out as Unknown too.
    let signer = TestSigner::new("kid-other");
    let server = key_server(&signer, Duration::ZERO).await;
    let w = verifier(&server).verify(Some(&signer.sign(body)), body).await.unwrap();
    assert_eq!((w.webhook_type(), w.webhook_code()), ("TRANSACTIONS", "SYNC_UPDATES_AVAILABLE"));
    assert!(matches!(w, Webhook::Unknown { .. }));
    assert!(Webhook::parse(b"{\"no\": \"codes\"}").is_err());
    assert_eq!(Webhook::KNOWN.len(), 3);
}

#[tokio::test]
async fn typed_variants_for_each_idv_webhook() {
    for (code, variant) in
        [("STATUS_UPDATED", "StatusUpdated"), ("STEP_UPDATED", "StepUpdated"), ("RETRIED", "Retried")]
    {
        let body = format!(
            r#"{{"webhook_type":"IDENTITY_VERIFICATION","webhook_code":"{code}","identity_verification_id":"idv_1","environment":"production"}}"#
        );
        let w = Webhook::parse(body.as_bytes()).unwrap();
        assert!(format!("{w:?}").starts_with(variant), "{code}: {w:?}");
        assert_eq!(w.webhook_code(), code);
    }
}

/// The example handler (`inbox::ExactlyOnce`), run on 127.0.0.1 against the fake, applies a
/// signed webhook once, ignores its copy and rejects a tampered one.
#[test]
fn webhook_server_example_self_test() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf();
    let out = std::process::Command::new(env!("CARGO"))
        .args(["run", "--quiet", "-p", "plaid-idv-testkit", "--example", "webhook_server", "--", "--self-test"])
        .current_dir(&root)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(
        stdout.contains("webhook: Some(200); sent again: 200 OK; tampered: 400 Bad Request; applied 1 time(s)"),
        "{stdout}"
    );
}

/// A body missing a required field names that field, not the last key serde saw before the
/// object ended (`webhook_code` here).
#[test]
fn a_missing_field_is_named_in_the_decode_error() {
    for body in [
        r#"{"webhook_type":"IDENTITY_VERIFICATION","webhook_code":"STATUS_UPDATED","environment":"sandbox"}"#,
        "{\n  \"environment\": \"sandbox\",\n  \"webhook_type\": \"IDENTITY_VERIFICATION\",\n  \"webhook_code\": \"STATUS_UPDATED\"\n}\n",
    ] {
        match Webhook::parse(body.as_bytes()) {
            Err(plaid_idv::Error::Decode { path, message, .. }) => {
                assert_eq!(path, "identity_verification_id", "{message}");
                assert!(message.contains("missing field `identity_verification_id`"), "{message}");
            }
            other => panic!("{other:?}"),
        }
    }
    // Other failures keep the path of the offending value.
    let body = r#"{"webhook_type":"IDENTITY_VERIFICATION","webhook_code":"STATUS_UPDATED","identity_verification_id":5,"environment":"sandbox"}"#;
    match Webhook::parse(body.as_bytes()) {
        Err(plaid_idv::Error::Decode { path, .. }) => assert_eq!(path, "identity_verification_id"),
        other => panic!("{other:?}"),
    }
}

/// `verify_with_claims` returns what replay protection needs, and every IDV webhook names its
/// session through `Webhook::identity_verification_id`.
#[tokio::test]
async fn verified_claims_give_a_replay_key_and_the_session_id() {
    let signer = TestSigner::new("kid-claims");
    let server = key_server(&signer, Duration::ZERO).await;
    let v = verifier(&server);
    let iat = now() - 10;
    let verified = v.verify_with_claims(Some(&signer.sign_at(BODY, iat)), BODY).await.unwrap();
    assert_eq!(verified.issued_at, iat);
    assert_eq!(verified.kid, "kid-claims");
    assert_eq!(verified.replay_key(), (iat, body_hash(BODY).as_str()));
    assert_eq!(verified.webhook.identity_verification_id().map(|i| i.as_str()), Some("idv_7bQx2mLpR4zT"));
    // The same webhook again has the same key; another body has another.
    let again = v.verify_with_claims(Some(&signer.sign_at(BODY, iat)), BODY).await.unwrap();
    assert_eq!(again.replay_key(), verified.replay_key());
    for code in ["STEP_UPDATED", "RETRIED"] {
        let body = String::from_utf8(BODY.to_vec()).unwrap().replace("STATUS_UPDATED", code);
        let w = v.verify(Some(&signer.sign(body.as_bytes())), body.as_bytes()).await.unwrap();
        assert_eq!(w.identity_verification_id().map(|i| i.as_str()), Some("idv_7bQx2mLpR4zT"), "{code}");
    }
}

#[tokio::test]
async fn a_key_that_is_not_a_p256_point_is_refused_when_loaded_not_at_first_use() {
    let server = MockServer::start().await;
    let v = verifier(&server);
    let signer = TestSigner::new("kid-good");
    assert!(v.insert_key(&signer.jwk()).is_ok(), "a real key loads");
    // The same key with its y coordinate changed: off the curve.
    let mut off_curve = signer.jwk();
    let y = off_curve["y"].as_str().unwrap().to_string();
    let flipped = if y.starts_with('A') { y.replacen('A', "B", 1) } else { format!("A{}", &y[1..]) };
    off_curve["y"] = json!(flipped);
    off_curve["kid"] = json!("kid-bad");
    let r = v.insert_key(&off_curve);
    assert!(matches!(&r, Err(VerifyError::Malformed(m)) if m == "JWK is not a valid P-256 point"), "{r:?}");
    // The point at infinity and all-zero coordinates are not keys either.
    let mut zero = off_curve.clone();
    zero["x"] = json!(b64(&[0u8; 32]));
    zero["y"] = json!(b64(&[0u8; 32]));
    assert!(matches!(v.insert_key(&zero), Err(VerifyError::Malformed(_))));
    // A key that loaded still verifies (ring checks RustCrypto's signature).
    assert!(v.verify(Some(&signer.sign(BODY)), BODY).await.is_ok());
}

/// Issue 29: an ingress stores the raw body, the header and its receipt time; a worker verifies
/// it 6 minutes after Plaid signed it, as of the receipt time, with the same checks.
#[tokio::test]
async fn a_stored_webhook_verifies_as_of_its_receipt_time() {
    use std::time::{SystemTime, UNIX_EPOCH};
    let signer = TestSigner::new("kid-stored");
    let server = key_server(&signer, Duration::ZERO).await;
    let v = verifier(&server);
    let signed = now() - 6 * 60;
    let jwt = signer.sign_at(BODY, signed);
    let at = |secs: i64| UNIX_EPOCH + Duration::from_secs(secs as u64);
    // Live: too old.
    assert!(matches!(v.verify_with_claims(Some(&jwt), BODY).await, Err(VerifyError::Stale { .. })));
    // Received 2 s after signing, processed 6 minutes later: accepted.
    let ok = v.verify_at(Some(&jwt), BODY, at(signed + 2)).await.unwrap();
    assert_eq!(ok.checked_at, signed + 2);
    assert_eq!(ok.accept_until, signed + 300, "the replay window ends max_age after iat");
    assert_eq!(ok.keep_replay_key_until(Duration::from_secs(3600)), signed + 300 + 3600);
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("Plaid-Verification", jwt.parse().unwrap());
    assert!(v.verify_headers_at(&headers, BODY, at(signed + 2)).await.is_ok());
    // The same checks: received too late, tampered, or a receipt time in the future.
    assert!(matches!(v.verify_at(Some(&jwt), BODY, at(signed + 301)).await, Err(VerifyError::Stale { .. })));
    let tampered = String::from_utf8(BODY.to_vec()).unwrap().replace("sandbox", "production");
    assert!(matches!(
        v.verify_at(Some(&jwt), tampered.as_bytes(), at(signed + 2)).await,
        Err(VerifyError::BodyMismatch)
    ));
    let future = SystemTime::now() + Duration::from_secs(10 * 60);
    let e = v.verify_at(Some(&signer.sign(BODY)), BODY, future).await.unwrap_err();
    assert!(matches!(e, VerifyError::ReceivedInFuture { .. }), "{e:?}");
    assert!(!e.is_transient());
}

/// A key that cannot be fetched now is transient: the worker keeps the delivery.
#[tokio::test]
async fn a_key_fetch_rate_limit_is_transient_and_a_bad_signature_is_not() {
    let signer = TestSigner::new("kid-429");
    let server = MockServer::start().await;
    Mock::given(path("/webhook_verification_key/get"))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "7"))
        .mount(&server)
        .await;
    let v = verifier(&server);
    let e = v.verify(Some(&signer.sign(BODY)), BODY).await.unwrap_err();
    assert!(matches!(e, VerifyError::KeyFetchRateLimited) && e.is_transient(), "{e:?}");
    assert_eq!(fetches(&server).await, 1, "a key fetch is never retried, not even on 429");
    let other = TestSigner::new("kid-429");
    let server = key_server(&signer, Duration::ZERO).await;
    let e = verifier(&server).verify(Some(&other.sign(BODY)), BODY).await.unwrap_err();
    assert!(matches!(e, VerifyError::BadSignature) && !e.is_transient(), "{e:?}");
}

/// The kit signs with `ring`, as the verifier checks: RustCrypto's P-256 checks the same
/// signature from the JWK alone, so the two do not merely agree with themselves. A flipped
/// byte of the signed input fails there too.
#[test]
fn the_kits_signatures_verify_under_another_p256_implementation() {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine;
    use p256::ecdsa::signature::Verifier;
    let signer = TestSigner::new("kid-cross");
    let jwk = signer.jwk();
    let coord = |k: &str| URL_SAFE_NO_PAD.decode(jwk[k].as_str().unwrap()).unwrap();
    let point = [vec![4u8], coord("x"), coord("y")].concat();
    let key = p256::ecdsa::VerifyingKey::from_sec1_bytes(&point).unwrap();
    let jwt = signer.sign(b"{\"webhook_code\":\"STATUS_UPDATED\"}");
    let (input, sig) = jwt.rsplit_once('.').unwrap();
    let sig = p256::ecdsa::Signature::from_slice(&URL_SAFE_NO_PAD.decode(sig).unwrap()).unwrap();
    assert!(key.verify(input.as_bytes(), &sig).is_ok());
    let mut forged = input.as_bytes().to_vec();
    forged[3] ^= 1;
    assert!(key.verify(&forged, &sig).is_err());
}
