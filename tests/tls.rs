//! TLS after the move to reqwest 0.13 (issue #25). The crate builds reqwest with
//! `rustls-no-provider` (no aws-lc-rs), so reqwest has no crypto provider of its own and a bare
//! `reqwest::Client::builder().build()` panics; the crate sets `ring` on every client it builds
//! instead, without installing a process-wide default. Checked here against 127.0.0.1 only:
//! a port that speaks plain HTTP and a TLS server with a self-signed certificate
//! (`tests/fixtures/tls/`), both of which must end in a typed [`TransportKind::Tls`] error,
//! never a panic and never a retry.

use plaid_idv::types::IdentityVerificationGetRequest;
use plaid_idv::{Client, Environment, Error, RetryPolicy, TransportKind};
use std::sync::Arc;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

fn no_process_provider() -> bool {
    rustls::crypto::CryptoProvider::get_default().is_none()
}

/// A client for `base`, with the default retry policy (a TLS failure must not be retried).
fn client_for(base: String) -> Client {
    Client::builder("client-id", plaid_idv::Secret::new("secret-value"))
        .environment(Environment::Custom(base))
        .build()
        .expect("the default client builds without a process-wide crypto provider")
}

fn assert_tls_failure(e: &Error) {
    assert!(matches!(e, Error::Transport { kind: TransportKind::Tls, .. }), "{e:?}");
    assert_eq!(e.attempts(), 1, "a TLS failure is never retried: {e:?}");
    assert!(!e.is_retryable() && !e.is_connect_failure(), "{e:?}");
    let shown = format!("{e} {e:?}");
    assert!(!shown.contains("secret-value"), "{shown}");
}

#[test]
fn clients_build_without_a_process_wide_crypto_provider_and_install_none() {
    assert!(no_process_provider(), "nothing in this test binary installs one");
    // The default client (sandbox, https), one per environment, and the public builder.
    Client::builder("client-id", plaid_idv::Secret::new("secret-value")).build().unwrap();
    Client::builder("client-id", plaid_idv::Secret::new("secret-value"))
        .environment(Environment::Production)
        .build()
        .unwrap();
    let http: plaid_idv::reqwest::Client = plaid_idv::http_client_builder().unwrap().build().unwrap();
    Client::builder("client-id", plaid_idv::Secret::new("secret-value")).http_client(http).build().unwrap();
    assert!(no_process_provider(), "the crate sets its provider per client, never process-wide");
}

#[tokio::test]
async fn https_to_a_port_that_speaks_plain_http_is_a_tls_error() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = tokio::spawn(async move {
        let mut hellos = 0;
        while let Ok((mut socket, _)) = listener.accept().await {
            hellos += 1;
            let mut buf = [0u8; 1024];
            let _ = socket.read(&mut buf).await;
            let _ = socket.write_all(b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n").await;
            if hellos == 2 {
                break;
            }
        }
        hellos
    });
    let client = client_for(format!("https://127.0.0.1:{port}"));
    // A read-only operation: retry-safe, so only the kind of failure keeps it from a retry.
    let e = client.identity_verification_get(&IdentityVerificationGetRequest::new("idv_1")).await.unwrap_err();
    assert_tls_failure(&e);
    // The same through a client from the re-exported reqwest.
    let http = plaid_idv::http_client_builder().unwrap().build().unwrap();
    let supplied = Client::builder("client-id", plaid_idv::Secret::new("secret-value"))
        .environment(Environment::Custom(format!("https://127.0.0.1:{port}")))
        .http_client(http)
        .retry_policy(RetryPolicy::default())
        .build()
        .unwrap();
    let e = supplied.identity_verification_get(&IdentityVerificationGetRequest::new("idv_1")).await.unwrap_err();
    assert_tls_failure(&e);
    assert_eq!(server.await.unwrap(), 2, "one connection per client, no retry");
    assert!(no_process_provider());
}

#[tokio::test]
async fn a_self_signed_certificate_is_refused_after_a_handshake_offering_h2_and_http1() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/tls");
    let (certs, key) = {
        use rustls::pki_types::pem::PemObject;
        let certs = rustls::pki_types::CertificateDer::pem_file_iter(format!("{dir}/cert.pem"))
            .unwrap()
            .collect::<Result<Vec<_>, _>>()
            .unwrap();
        (certs, rustls::pki_types::PrivateKeyDer::from_pem_file(format!("{dir}/key.pem")).unwrap())
    };
    // The server side, with `ring` too (set on its config, not installed process-wide).
    #[allow(deprecated)] // rustls 0.23.48 deprecates ring's provider (no post-quantum key exchange).
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .unwrap();
    let config = Arc::new(config);
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = tokio::spawn(async move {
        let (socket, _) = listener.accept().await.unwrap();
        let start = tokio_rustls::LazyConfigAcceptor::new(rustls::server::Acceptor::default(), socket).await.unwrap();
        let offered: Vec<Vec<u8>> =
            start.client_hello().alpn().map(|a| a.map(<[u8]>::to_vec).collect()).unwrap_or_default();
        // The client refuses the certificate, so the handshake cannot complete.
        let finished = start.into_stream(config).await;
        (offered, finished.is_ok())
    });
    let client = client_for(format!("https://127.0.0.1:{port}"));
    let e = client.identity_verification_get(&IdentityVerificationGetRequest::new("idv_1")).await.unwrap_err();
    assert_tls_failure(&e);
    let chain = {
        let mut text = String::new();
        let mut source: Option<&(dyn std::error::Error + 'static)> = Some(&e);
        while let Some(s) = source {
            text.push_str(&format!("{s}; "));
            source = s.source();
        }
        text
    };
    assert!(chain.contains("certificate"), "the cause names the certificate: {chain}");
    let (offered, finished) = server.await.unwrap();
    assert_eq!(offered, vec![b"h2".to_vec(), b"http/1.1".to_vec()], "ALPN offers HTTP/2, then HTTP/1.1");
    assert!(!finished, "a certificate no trust store holds is refused");
    assert!(no_process_provider());
}
