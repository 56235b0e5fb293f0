//! Client hooks a Rust user expects: a `User-Agent` suffix, a supplied `reqwest::Client` (with
//! the base-URL checks still applied and followed redirects refused), and per-call overrides
//! of timeouts and retries with `with_options`. Checked against `testing::FakePlaid`.

use plaid_idv::types::{IdentityVerificationGetRequest, IdentityVerificationListRequest};
use plaid_idv::{http_client_builder, CallOptions, Client, Environment, Error, RetryPolicy};
use plaid_idv_testkit::{FakePlaid, Op};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn crate_version() -> String {
    let manifest = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../generated/Cargo.toml")).unwrap();
    manifest.lines().find_map(|l| l.strip_prefix("version = \"")).unwrap().trim_end_matches('"').to_string()
}

/// A key lookup: any authenticated call the fake answers without state.
async fn call(client: &Client, fake: &FakePlaid) -> Result<(), Error> {
    let req = plaid_idv::types::WebhookVerificationKeyGetRequest::new(fake.signer().kid());
    client.webhook_verification_key_get(&req).await.map(|_| ())
}

fn sent_user_agent(fake: &FakePlaid) -> String {
    fake.requests().last().unwrap().header("user-agent").unwrap().to_string()
}

#[tokio::test]
async fn user_agent_suffix_is_appended_after_the_crate_token() {
    let fake = FakePlaid::start().await.unwrap();
    let client = fake.client_builder().user_agent_suffix("my-app/1.2").build().unwrap();
    call(&client, &fake).await.unwrap();
    let want = format!("plaid-idv/{} my-app/1.2", crate_version());
    assert_eq!(sent_user_agent(&fake), want);
    assert_eq!(client.user_agent(), want);

    let plain = fake.client_builder().user_agent_suffix("  ").build().unwrap();
    call(&plain, &fake).await.unwrap();
    assert_eq!(sent_user_agent(&fake), format!("plaid-idv/{}", crate_version()), "a blank suffix adds nothing");

    let e = fake.client_builder().user_agent_suffix("my-app\r\nX-Evil: 1").build().unwrap_err();
    assert!(matches!(&e, Error::InvalidRequest { message } if message.contains("user agent suffix")), "{e:?}");
}

#[tokio::test]
async fn a_supplied_reqwest_client_is_used_and_the_security_checks_still_apply() {
    let fake = FakePlaid::start().await.unwrap();
    // Everything through the re-export: a user needs no reqwest of their own, nor the same
    // version of it.
    let mut headers = plaid_idv::reqwest::header::HeaderMap::new();
    headers.insert("x-middleware", "on".parse().unwrap());
    let http: plaid_idv::reqwest::Client = plaid_idv::http_client_builder()
        .unwrap()
        .default_headers(headers)
        .user_agent("their-own-agent")
        .build()
        .unwrap();
    let client = fake.client_builder().http_client(http.clone()).user_agent_suffix("app/3").build().unwrap();
    call(&client, &fake).await.unwrap();
    let sent = fake.requests().pop().unwrap();
    assert_eq!(sent.header("x-middleware"), Some("on"), "the supplied client's own defaults are sent");
    assert_eq!(sent.header("user-agent"), Some(format!("plaid-idv/{} app/3", crate_version()).as_str()));
    assert_eq!(sent.header("plaid-client-id"), Some(FakePlaid::CLIENT_ID));
    assert_eq!(sent.header("plaid-version"), Some("2020-09-14"));

    // The base-URL checks run whatever the HTTP client.
    let builder = || Client::builder("id", plaid_idv::Secret::new("secret")).http_client(http.clone());
    let e = builder().environment(Environment::Custom("https://gateway.example.com".into())).build().unwrap_err();
    assert!(matches!(&e, Error::InvalidRequest { message } if message.contains("not Plaid and not loopback")), "{e}");
    let e = builder()
        .environment(Environment::Custom("http://gateway.example.com".into()))
        .allow_custom_host(true)
        .build()
        .unwrap_err();
    assert!(matches!(&e, Error::InvalidRequest { message } if message.contains("must use https")), "{e}");
    let e = builder().environment(Environment::Custom("http://user:pw@127.0.0.1:1".into())).build().unwrap_err();
    assert!(matches!(e, Error::InvalidRequest { .. }));

    // Body limits are applied while reading, so they hold with a supplied client too.
    let tiny = fake.client_builder().http_client(http).max_response_bytes(64).build().unwrap();
    let e = call(&tiny, &fake).await.unwrap_err();
    assert!(matches!(e, Error::BodyTooLarge { limit: 64, .. }), "{e:?}");
}

/// A server on 127.0.0.1 that answers every request with a 307 to `location` (bounded: at
/// most `n` connections).
async fn redirector(location: String, n: usize) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        for _ in 0..n {
            let Ok((mut s, _)) = listener.accept().await else { return };
            let mut buf = vec![0u8; 64 << 10];
            let _ = tokio::time::timeout(Duration::from_secs(2), s.read(&mut buf)).await;
            let head = format!(
                "HTTP/1.1 307 Temporary Redirect\r\nlocation: {location}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
            );
            let _ = s.write_all(head.as_bytes()).await;
        }
    });
    url
}

#[tokio::test]
async fn a_supplied_client_that_follows_redirects_is_refused() {
    let fake = FakePlaid::start().await.unwrap();
    let target = format!("{}/webhook_verification_key/get", fake.url());
    let redirecting = redirector(target, 4).await;
    // reqwest's default policy follows up to 10 redirects: what the docs warn against.
    let client = Client::builder(FakePlaid::CLIENT_ID, plaid_idv::Secret::new(FakePlaid::SECRET))
        .environment(Environment::Custom(redirecting))
        .http_client(http_client_builder().unwrap().redirect(reqwest::redirect::Policy::default()).build().unwrap())
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    let e = call(&client, &fake).await.unwrap_err();
    assert!(matches!(&e, Error::InvalidRequest { message } if message.contains("followed a redirect")), "{e:?}");
    assert!(!e.is_retryable());
    // Why the docs say to build it with Policy::none(): the other host did get the request.
    assert_eq!(fake.requests().len(), 1);
}

#[tokio::test]
async fn with_options_overrides_timeouts_and_retries_per_call() {
    let fake = FakePlaid::start().await.unwrap();
    let client = fake.client_builder().attempt_timeout(Duration::from_secs(5)).build().unwrap();
    let quick = client
        .with_options(CallOptions::new().attempt_timeout(Duration::from_millis(50)).retry_policy(RetryPolicy::none()));
    assert_eq!(quick.attempt_timeout(), Duration::from_millis(50));
    assert_eq!(quick.retry_policy(), &RetryPolicy::none());
    assert_eq!(quick.operation_timeout(), client.operation_timeout(), "unset fields are kept");
    assert_eq!(client.attempt_timeout(), Duration::from_secs(5), "the original is unchanged");
    assert_eq!(client.retry_policy().max_attempts, 5);
    assert_eq!(quick.base_url(), client.base_url());

    // Timeout: the quick client gives up; the original waits for the slow answer.
    fake.delay_next(Op::WebhookVerificationKeyGet, Duration::from_millis(400));
    let started = Instant::now();
    let e = call(&quick, &fake).await.unwrap_err();
    assert!(matches!(e, Error::Timeout { attempts: 1, .. }), "{e:?}");
    assert!(started.elapsed() < Duration::from_millis(350), "{:?}", started.elapsed());
    fake.delay_next(Op::WebhookVerificationKeyGet, Duration::from_millis(150));
    call(&client, &fake).await.unwrap();

    // Retries: one attempt for the quick client, a retry for the original.
    let boom = || FakePlaid::plaid_error("API_ERROR", "INTERNAL_SERVER_ERROR", "boom").unwrap();
    fake.fail_next(Op::WebhookVerificationKeyGet, 500, boom());
    assert_eq!(call(&quick, &fake).await.unwrap_err().attempts(), 1);
    fake.fail_next(Op::WebhookVerificationKeyGet, 500, boom());
    call(&client, &fake).await.unwrap();

    // The operation deadline bounds the whole call, the retries included.
    let deadline = client
        .with_options(CallOptions { operation_timeout: Some(Duration::from_millis(100)), ..CallOptions::default() });
    fake.delay_next(Op::WebhookVerificationKeyGet, Duration::from_millis(400));
    let started = Instant::now();
    assert!(matches!(call(&deadline, &fake).await.unwrap_err(), Error::Timeout { .. }));
    assert!(started.elapsed() < Duration::from_millis(350));

    // Streams made from the overridden client use its settings for every page.
    fake.clear_requests();
    fake.fail_next(Op::IdentityVerificationList, 500, boom());
    let req = IdentityVerificationListRequest::new(plaid_idv::types::IdentityVerificationListRequestRequired {
        template_id: "idvtmp_x".into(),
        identity: plaid_idv::types::UserIdentity::ClientUserId("customer-1".into()),
    });
    use futures_util::TryStreamExt;
    let e = quick.identity_verification_list_stream(&req).try_collect::<Vec<_>>().await.unwrap_err();
    assert_eq!(e.attempts(), 1);
    fake.fail_next(Op::IdentityVerificationList, 500, boom());
    let all: Vec<_> = client.identity_verification_list_stream(&req).try_collect().await.unwrap();
    assert!(all.is_empty());
    assert_eq!(fake.requests().len(), 3);

    // with_options is cheap: a clone that shares the connection pool, so its calls reuse the
    // original's kept-alive connection.
    fake.clear_requests();
    let get = IdentityVerificationGetRequest::new("idv_x");
    client.identity_verification_get(&get).await.unwrap_err();
    quick.identity_verification_get(&get).await.unwrap_err();
    client.with_options(CallOptions::new()).identity_verification_get(&get).await.unwrap_err();
    let peers: Vec<_> = fake.requests().iter().map(|r| r.peer).collect();
    assert_eq!(peers.len(), 3);
    assert!(peers.iter().all(|p| *p == peers[0]), "one connection: {peers:?}");
}
