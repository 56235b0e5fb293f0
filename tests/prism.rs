//! Contract tests against Prism (npm `@stoplight/prism-cli`), which answers 422 to any request
//! that does not match the spec and 401 when an auth header is missing. Each operation is called
//! with a realistic request and must get a 200 that decodes; the `idv_flow` example must run
//! through. `.ci/run` installs Prism into `.ci/node_modules`; without it these tests print one
//! skip line.

mod common;

use futures_util::TryStreamExt;
use plaid_idv::types::*;
use plaid_idv::{Client, Environment, RetryPolicy};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

/// `PRISM_BIN` when set (only it: pointing it at nothing shows the required mode), otherwise
/// `.ci/node_modules/.bin/prism`.
fn prism_bin() -> Option<PathBuf> {
    let p =
        std::env::var_os("PRISM_BIN").map(PathBuf::from).unwrap_or_else(|| root().join(".ci/node_modules/.bin/prism"));
    p.exists().then_some(p)
}

/// A Prism process on 127.0.0.1, stopped (by PID) when dropped.
struct Prism {
    child: Child,
    url: String,
}

impl Prism {
    fn start(spec: &Path) -> Prism {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        // Start the prism script itself: its PID is the server's (an npx wrapper's would not be).
        let child = Command::new(prism_bin().unwrap())
            .args(["mock", "--host", "127.0.0.1", "--port", &port.to_string(), "--errors"])
            .arg(spec)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("prism starts");
        let prism = Prism { child, url: format!("http://127.0.0.1:{port}") };
        let deadline = Instant::now() + Duration::from_secs(90);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "prism did not start listening within 90 s");
            std::thread::sleep(Duration::from_millis(200));
        }
        prism
    }
}

impl Drop for Prism {
    fn drop(&mut self) {
        let _ = Command::new("kill").arg(self.child.id().to_string()).status();
        let _ = self.child.wait();
    }
}

fn client(url: &str) -> Client {
    Client::builder("prism-client-id", plaid_idv::Secret::new("prism-secret"))
        .environment(Environment::Custom(url.to_string()))
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn every_operation_is_accepted_by_prism() {
    if prism_bin().is_none() {
        common::skip("every_operation_is_accepted_by_prism", common::Prereq::Prism);
        return;
    }
    let prism = Prism::start(&root().join("spec/plaid-idv.yaml"));
    let c = client(&prism.url);
    let t = "idvtmp_3Fh9sKx2WqPa";
    let create = IdentityVerificationCreateRequest::new(IdentityVerificationCreateRequestRequired {
        is_shareable: false,
        template_id: t.into(),
        gave_consent: true,
        identity: UserIdentity::ClientUserId("customer-8841".into()),
    })
    .with_is_idempotent(true);
    let created = c.identity_verification_create(&create).await.expect("create");
    c.identity_verification_get(&IdentityVerificationGetRequest::new(created.id.clone())).await.expect("get");
    let list = IdentityVerificationListRequest::new(plaid_idv::types::IdentityVerificationListRequestRequired {
        template_id: t.into(),
        identity: UserIdentity::ClientUserId("customer-8841".into()),
    });
    c.identity_verification_list(&list).await.expect("list");
    let items: Vec<_> = c.identity_verification_list_stream(&list).try_collect().await.expect("list stream");
    assert!(!items.is_empty());
    let retry = IdentityVerificationRetryRequest::new(IdentityVerificationRetryRequestRequired {
        client_user_id: "customer-8841".into(),
        template_id: t.into(),
        strategy: Strategy::Reset,
    });
    c.identity_verification_retry(&retry).await.expect("retry");
    c.dashboard_user_get(&DashboardUserGetRequest::new("usr_1")).await.expect("dashboard user get");
    c.dashboard_user_list(&DashboardUserListRequest::new()).await.expect("dashboard user list");
    let link = LinkTokenCreateRequest::new(LinkTokenCreateRequestRequired {
        client_name: "My App".into(),
        language: "en".into(),
        country_codes: vec![CountryCode::Us],
        user: LinkTokenCreateRequestUser::new("customer-8841"),
    })
    .with_products(vec![Products::IdentityVerification])
    .with_identity_verification(LinkTokenCreateRequestIdentityVerification::new(t).with_gave_consent(true));
    c.link_token_create(&link).await.expect("link token");
    c.webhook_verification_key_get(&WebhookVerificationKeyGetRequest::new("kid-1")).await.expect("webhook key");

    // Prism really checks: a wrong body is rejected, and so is a missing auth header.
    let bad = IdentityVerificationGetRequest::new("");
    let mut raw = serde_json::to_value(&bad).unwrap();
    raw["identity_verification_id"] = serde_json::json!(42);
    let status = reqwest_status(&prism.url, "/identity_verification/get", &raw.to_string(), true).await;
    assert_eq!(status, 422, "Prism must reject a body that does not match the spec");
    let status =
        reqwest_status(&prism.url, "/identity_verification/get", r#"{"identity_verification_id":"idv_1"}"#, false)
            .await;
    assert_eq!(status, 401, "Prism must reject a request without auth headers");
}

async fn reqwest_status(base: &str, path: &str, body: &str, auth: bool) -> u16 {
    let mut r = plaid_idv::http_client_builder()
        .unwrap()
        .build()
        .unwrap()
        .post(format!("{base}{path}"))
        .header("content-type", "application/json")
        .body(body.to_string());
    if auth {
        r = r.header("PLAID-CLIENT-ID", "a").header("PLAID-SECRET", "b").header("Plaid-Version", "2020-09-14");
    }
    r.send().await.unwrap().status().as_u16()
}

/// Runs the `idv_flow` example of `crate_dir`'s test kit against `url`; a crate outside the workspace
/// (`nested`) is built like the tests' other nested builds (`common::cargo`).
fn run_example(crate_dir: &Path, nested: bool, url: &str) -> (bool, String) {
    // The example is the test kit's (it runs against the fake without credentials).
    let crate_dir = &crate_dir.join("testkit");
    let mut cmd = Command::new(env!("CARGO"));
    cmd.arg("run");
    if nested {
        common::prepare_nested(crate_dir);
        cmd.args(common::PROFILE).env("CARGO_TARGET_DIR", common::nested_target());
    }
    cmd.args(["--quiet", "--example", "idv_flow"]).current_dir(crate_dir).env("PLAID_BASE_URL", url);
    let out = cmd.output().unwrap();
    (out.status.success(), format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)))
}

#[test]
fn idv_flow_example_runs_against_prism() {
    if prism_bin().is_none() {
        common::skip("idv_flow_example_runs_against_prism", common::Prereq::Prism);
        return;
    }
    let prism = Prism::start(&root().join("spec/plaid-idv.yaml"));
    let (ok, log) = run_example(&root().join("generated"), false, &prism.url);
    assert!(ok, "{log}");
    assert!(log.contains("retry: new session"), "{log}");
}

/// The example of a crate generated from Plaid's published spec, against a Prism loaded with
/// that spec's IDV portion: every call accepted, exit 0.
#[test]
fn plaid_spec_example_runs_against_prism_with_plaids_portion() {
    if prism_bin().is_none() {
        common::skip("plaid_spec_example_runs_against_prism_with_plaids_portion", common::Prereq::Prism);
        return;
    }
    let Some(spec) = common::plaid_spec() else {
        common::skip("plaid_spec_example_runs_against_prism_with_plaids_portion", common::Prereq::PlaidSpec);
        return;
    };
    let portion = root().join("spec/portion.toml");
    let dir = std::env::temp_dir().join(format!("plaid-idv-prism-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let extracted = plaid_idv_generator::extract_portion(&spec, &portion).unwrap();
    let spec_file = dir.join("plaid-idv-portion.json");
    std::fs::write(&spec_file, serde_json::to_vec(&extracted).unwrap()).unwrap();
    let out = plaid_idv_generator::generate(&spec, &portion).unwrap();
    let crate_dir = dir.join("plaid-idv");
    plaid_idv_generator::write::write_atomic(&crate_dir, &out.files).unwrap();
    let prism = Prism::start(&spec_file);
    let (ok, log) = run_example(&crate_dir, true, &prism.url);
    drop(prism);
    let _ = std::fs::remove_dir_all(&dir);
    assert!(ok, "{log}");
    assert!(log.contains("retry: new session"), "{log}");
}
