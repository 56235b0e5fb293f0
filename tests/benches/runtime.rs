//! Runtime benchmarks, printed as `name: value` lines for `cargo xtask bench`:
//! typed decode and encode vs `serde_json::Value` (MB/s), and sequential calls through `Client` vs plain
//! reqwest against a local axum server on 127.0.0.1.
//!
//! Run: `cargo bench -p plaid-idv-tests --bench runtime`

use plaid_idv::types::{IdentityVerificationGetRequest, IdentityVerificationGetResponse};
use plaid_idv::{Client, Environment, RetryPolicy};
use std::time::{Duration, Instant};

const EXAMPLE: &str = include_str!("../../generated/spec-examples/identity_verification_get_200_example_1.json");

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn decode_mb_s<F: FnMut(&[u8])>(bytes: &[u8], mut f: F) -> f64 {
    let iters = 20_000;
    let start = Instant::now();
    for _ in 0..iters {
        f(std::hint::black_box(bytes));
    }
    (bytes.len() * iters) as f64 / start.elapsed().as_secs_f64() / 1e6
}

fn encode_mb_s(out_len: usize, mut f: impl FnMut() -> Vec<u8>) -> f64 {
    let iters = 20_000;
    let start = Instant::now();
    for _ in 0..iters {
        std::hint::black_box(f());
    }
    (out_len * iters) as f64 / start.elapsed().as_secs_f64() / 1e6
}

async fn serve() -> (String, tokio::task::JoinHandle<()>) {
    use axum::routing::post;
    let app = axum::Router::new().route(
        "/identity_verification/get",
        post(|| async { ([(axum::http::header::CONTENT_TYPE, "application/json")], EXAMPLE) }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let handle = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (url, handle)
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let bytes = EXAMPLE.as_bytes();
    let (mut typed, mut value) = (Vec::new(), Vec::new());
    for _ in 0..5 {
        typed.push(decode_mb_s(bytes, |b| {
            std::hint::black_box(serde_json::from_slice::<IdentityVerificationGetResponse>(b).unwrap());
        }));
        value.push(decode_mb_s(bytes, |b| {
            std::hint::black_box(serde_json::from_slice::<serde_json::Value>(b).unwrap());
        }));
    }
    let (typed, value) = (median(typed), median(value));
    println!("decode_typed_mb_s: {typed:.1}");
    println!("decode_value_mb_s: {value:.1}");
    println!("decode_ratio_typed_over_value: {:.2}", typed / value);

    // Encoding the same response back to JSON (what storing it costs): the models' written-out
    // `Serialize` (type-erased fields, issue #14) against `serde_json::Value`'s.
    let decoded: IdentityVerificationGetResponse = serde_json::from_slice(bytes).unwrap();
    let as_value: serde_json::Value = serde_json::from_slice(bytes).unwrap();
    let out_len = serde_json::to_vec(&decoded).unwrap().len();
    let (mut typed, mut value) = (Vec::new(), Vec::new());
    for _ in 0..5 {
        typed.push(encode_mb_s(out_len, || serde_json::to_vec(std::hint::black_box(&decoded)).unwrap()));
        value.push(encode_mb_s(out_len, || serde_json::to_vec(std::hint::black_box(&as_value)).unwrap()));
    }
    let (typed, value) = (median(typed), median(value));
    println!("encode_typed_mb_s: {typed:.1}");
    println!("encode_value_mb_s: {value:.1}");

    let (url, server) = serve().await;
    let client = Client::builder("bench-id", plaid_idv::Secret::new("bench-secret"))
        .environment(Environment::Custom(url.clone()))
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    let plain = plaid_idv::http_client_builder().unwrap().timeout(Duration::from_secs(60)).build().unwrap();
    let req = IdentityVerificationGetRequest::new("idv_7bQx2mLpR4zT");
    let n = 2_000;
    let endpoint = format!("{url}/identity_verification/get");
    // Warm both connection pools.
    for _ in 0..50 {
        client.identity_verification_get(&req).await.unwrap();
        plain.post(&endpoint).json(&req).send().await.unwrap().bytes().await.unwrap();
    }
    let (mut ours, mut raw) = (Vec::new(), Vec::new());
    for _ in 0..5 {
        let t = Instant::now();
        for _ in 0..n {
            std::hint::black_box(client.identity_verification_get(&req).await.unwrap());
        }
        ours.push(t.elapsed().as_secs_f64());
        let t = Instant::now();
        for _ in 0..n {
            let resp = plain
                .post(&endpoint)
                .header("PLAID-CLIENT-ID", "bench-id")
                .header("PLAID-SECRET", "bench-secret")
                .header("Plaid-Version", plaid_idv::API_VERSION)
                .json(&req)
                .send()
                .await
                .unwrap();
            let body = resp.bytes().await.unwrap();
            std::hint::black_box(serde_json::from_slice::<IdentityVerificationGetResponse>(&body).unwrap());
        }
        raw.push(t.elapsed().as_secs_f64());
    }
    let (ours, raw) = (median(ours), median(raw));
    println!("client_calls: {n}");
    println!("client_us_per_call: {:.1}", ours / n as f64 * 1e6);
    println!("reqwest_us_per_call: {:.1}", raw / n as f64 * 1e6);
    println!("client_ratio_over_reqwest: {:.3}", ours / raw);
    server.abort();
}
