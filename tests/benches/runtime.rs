//! Runtime benchmarks, printed as `name: value` lines for `cargo xtask bench`:
//! typed decode and encode vs `serde_json::Value` (MB/s), and sequential calls through `Client` vs plain
//! reqwest against a local axum server on 127.0.0.1.
//!
//! Run: `cargo bench -p plaid-idv-tests --bench runtime`

use plaid_idv::types::{
    IdentityVerificationCreateRequest, IdentityVerificationGetRequest, IdentityVerificationGetResponse,
};
use plaid_idv::{Client, Environment, RetryPolicy, ToJson};
use serde::{de::DeserializeOwned, Serialize};
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

#[allow(dead_code, clippy::all)]
mod copy {
    fn __compare<R, C>(_: &str) -> Result<(), String> {
        Ok(())
    }
    include!("../serde_differential/copy.rs");
}

/// Prints `{what}_{op}_{impl}_mb_s` for op in decode, encode, round_trip and impl in typed
/// (serde, through the written-out impls), json (encoding by `ToJson`, the crate's own JSON
/// writer), derive, value; and decode by `plaid_idv::decode` (crate: the body checked as UTF-8
/// once, then read as text) against `Value` read the same way (value_str): medians of 5.
fn measure<T: Serialize + DeserializeOwned + ToJson, D: Serialize + DeserializeOwned>(what: &str, bytes: &[u8]) {
    let typed: T = serde_json::from_slice(bytes).unwrap();
    let derive: D = serde_json::from_slice(bytes).unwrap();
    let value: serde_json::Value = serde_json::from_slice(bytes).unwrap();
    let out_len = serde_json::to_vec(&typed).unwrap().len();
    assert_eq!(serde_json::to_vec(&typed).unwrap(), serde_json::to_vec(&derive).unwrap());
    assert_eq!(typed.to_json().into_bytes(), serde_json::to_vec(&derive).unwrap());
    let mut rows: Vec<(String, Vec<f64>)> = Vec::new();
    for _ in 0..5 {
        let mut at = 0;
        let mut put = |name: String, v: f64| {
            if rows.len() <= at {
                rows.push((name, Vec::new()));
            }
            rows[at].1.push(v);
            at += 1;
        };
        put(
            format!("{what}_decode_typed"),
            decode_mb_s(bytes, |b| drop(std::hint::black_box(serde_json::from_slice::<T>(b).unwrap()))),
        );
        put(
            format!("{what}_decode_crate"),
            decode_mb_s(bytes, |b| drop(std::hint::black_box(plaid_idv::decode::<T>(b).unwrap()))),
        );
        put(
            format!("{what}_decode_value_str"),
            decode_mb_s(bytes, |b| {
                let text = std::str::from_utf8(b).unwrap();
                drop(std::hint::black_box(serde_json::from_str::<serde_json::Value>(text).unwrap()))
            }),
        );
        put(
            format!("{what}_decode_derive"),
            decode_mb_s(bytes, |b| drop(std::hint::black_box(serde_json::from_slice::<D>(b).unwrap()))),
        );
        put(
            format!("{what}_decode_value"),
            decode_mb_s(bytes, |b| drop(std::hint::black_box(serde_json::from_slice::<serde_json::Value>(b).unwrap()))),
        );
        put(
            format!("{what}_encode_typed"),
            encode_mb_s(out_len, || serde_json::to_vec(std::hint::black_box(&typed)).unwrap()),
        );
        put(
            format!("{what}_encode_json"),
            encode_mb_s(out_len, || std::hint::black_box(&typed).to_json().into_bytes()),
        );
        put(
            format!("{what}_encode_derive"),
            encode_mb_s(out_len, || serde_json::to_vec(std::hint::black_box(&derive)).unwrap()),
        );
        put(
            format!("{what}_encode_value"),
            encode_mb_s(out_len, || serde_json::to_vec(std::hint::black_box(&value)).unwrap()),
        );
        put(
            format!("{what}_round_trip_typed"),
            encode_mb_s(out_len, || {
                let v = serde_json::to_vec(std::hint::black_box(&typed)).unwrap();
                std::hint::black_box(serde_json::from_slice::<T>(&v).unwrap());
                v
            }),
        );
        put(
            format!("{what}_round_trip_json"),
            encode_mb_s(out_len, || {
                let v = std::hint::black_box(&typed).to_json().into_bytes();
                std::hint::black_box(serde_json::from_slice::<T>(&v).unwrap());
                v
            }),
        );
        put(
            format!("{what}_round_trip_derive"),
            encode_mb_s(out_len, || {
                let v = serde_json::to_vec(std::hint::black_box(&derive)).unwrap();
                std::hint::black_box(serde_json::from_slice::<D>(&v).unwrap());
                v
            }),
        );
        put(
            format!("{what}_round_trip_value"),
            encode_mb_s(out_len, || {
                let v = serde_json::to_vec(std::hint::black_box(&value)).unwrap();
                std::hint::black_box(serde_json::from_slice::<serde_json::Value>(&v).unwrap());
                v
            }),
        );
    }
    for (name, v) in rows {
        println!("{name}_mb_s: {:.1}", median(v));
    }
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
    // A large response (the get-response example) and a request (a create request with every
    // user field): decode, encode, and a round trip (`to_vec` then `from_slice`), each as MB/s of
    // JSON for the crate's written-out impls, serde's derive on the same structs (the copy of
    // `tests/serde_differential`), and `serde_json::Value`.
    let response = EXAMPLE.as_bytes().to_vec();
    let request = serde_json::to_vec(&serde_json::json!({
        "client_user_id": "customer-8841",
        "is_shareable": true,
        "template_id": "idvtmp_4FrXJvfQU3zGUR",
        "gave_consent": true,
        "is_idempotent": true,
        "user": {
            "email_address": "jane@example.com",
            "phone_number": "+14155550011",
            "date_of_birth": "1990-05-17",
            "name": {"given_name": "Jane", "family_name": "Doe"},
            "address": {"street": "1 Main St", "street2": null, "city": "Austin", "region": "TX", "postal_code": "78701", "country": "US"},
            "id_number": {"value": "123456789", "type": "us_ssn"}
        }
    }))
    .unwrap();
    measure::<IdentityVerificationGetResponse, copy::IdentityVerificationResponse>("response", &response);
    measure::<IdentityVerificationCreateRequest, copy::IdentityVerificationCreateRequest>("request", &request);

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
