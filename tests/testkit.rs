//! Issue 25, a test kit that compiles once. A downstream program (a library that calls the
//! client, and an integration test that runs it against the kit's `FakePlaid`) is built with
//! `cargo build` and then `cargo test`, as a developer does. Each command's JSON messages name
//! the artifact of every unit it used, fresh or compiled; a crate built twice has two
//! artifacts with different hashes. The kit must add none for the main crate or for any crate
//! of its dependency tree. The control shows the check failing on the old design: a feature of
//! the main crate turned on in `[dev-dependencies]` (as `test-util` was) builds it twice.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;

/// Writes the downstream program into `dir`: `[dependencies]` the main crate (with `features`)
/// and tokio as a service has them plus `extra`, `[dev-dependencies]` the kit plus `extra_dev`.
fn downstream(dir: &Path, features: &str, extra: &str, extra_dev: &str) {
    let root = common::root();
    let (main, kit) = (root.join("generated"), root.join("generated/testkit"));
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::create_dir_all(dir.join("tests")).unwrap();
    std::fs::write(
        dir.join("Cargo.toml"),
        format!(
            "[package]\nname = \"downstream-service\"\nversion = \"0.1.0\"\nedition = \"2021\"\npublish = false\n\n\
             [dependencies]\nplaid-idv = {{ path = {main:?}, features = [{features}] }}\n\
             tokio = {{ version = \"1\", features = [\"macros\", \"rt-multi-thread\"] }}\n{extra}\n\n\
             [dev-dependencies]\nplaid-idv-testkit = {{ path = {kit:?} }}\n{extra_dev}\n\n[workspace]\n"
        ),
    )
    .unwrap();
    std::fs::write(
        dir.join("src/lib.rs"),
        "//! A service's use of the client.\n\
         use plaid_idv::types::{IdentityVerificationGetRequest, IdentityVerificationStatus};\n\n\
         /// The session's status.\n\
         pub async fn status(client: &plaid_idv::Client, id: &str) -> Result<IdentityVerificationStatus, plaid_idv::Error> {\n    \
             Ok(client.identity_verification_get(&IdentityVerificationGetRequest::new(id)).await?.status)\n}\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("tests/flow.rs"),
        "use plaid_idv::Error;\n\n\
         #[tokio::test]\n\
         async fn an_unknown_session_is_plaids_invalid_field() {\n    \
             let fake = plaid_idv_testkit::FakePlaid::start().await.unwrap();\n    \
             match downstream_service::status(&fake.client(), \"idv_unknown\").await {\n        \
                 Err(Error::Api(e)) => assert_eq!((e.status, e.error_code.as_deref()), (400, Some(\"INVALID_FIELD\"))),\n        \
                 other => panic!(\"{other:?}\"),\n    \
             }\n}\n",
    )
    .unwrap();
    std::fs::copy(root.join("Cargo.lock"), dir.join("Cargo.lock")).unwrap();
}

/// Runs `cargo <args> --message-format=json` in `dir` like the other nested builds (the
/// workspace's target dir and profile), and returns, per package name, the hashes of the library
/// units it used (from their `.rlib`/`.rmeta` file names).
fn artifacts(dir: &Path, args: &[&str]) -> BTreeMap<String, BTreeSet<String>> {
    let out = Command::new(env!("CARGO"))
        .args(args)
        .args(common::PROFILE)
        .arg("--message-format=json")
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", common::nested_target())
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .output()
        .expect("cargo runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "cargo {args:?} failed:\n{}\n{stdout}", String::from_utf8_lossy(&out.stderr));
    let mut by_package: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for line in stdout.lines().filter(|l| l.starts_with('{')) {
        let m: serde_json::Value = serde_json::from_str(line).unwrap();
        if m["reason"] != "compiler-artifact" || m["profile"]["test"] == true {
            continue;
        }
        let kinds: Vec<&str> = m["target"]["kind"].as_array().unwrap().iter().filter_map(|k| k.as_str()).collect();
        if !kinds.iter().any(|k| k.ends_with("lib")) {
            continue;
        }
        let id = m["package_id"].as_str().unwrap();
        // `registry+…#tokio@1.48.0`, `path+file:///…#plaid-idv@0.4.0`, or `path+file:///…/name#0.4.0`.
        let tail = id.rsplit('#').next().unwrap();
        let name = match tail.split_once('@') {
            Some((name, _)) => name.to_string(),
            None => id.split('#').next().unwrap().rsplit('/').next().unwrap().to_string(),
        };
        let files = m["filenames"].as_array().unwrap().iter().filter_map(|f| f.as_str());
        // `libname-<hash>.rlib`: the hash names the unit (an uplifted `libname.rlib` has none).
        let hashes = files.filter_map(|f| {
            let file = f.rsplit('/').next()?;
            let stem = file.rsplit_once('.')?.0;
            Some(stem.rsplit_once('-')?.1.to_string())
        });
        by_package.entry(name).or_default().extend(hashes);
    }
    by_package
}

/// The packages whose library the test step built again with another hash: built once for
/// `cargo build` and once more for `cargo test`.
fn built_twice(build: &BTreeMap<String, BTreeSet<String>>, test: &BTreeMap<String, BTreeSet<String>>) -> Vec<String> {
    build.iter().filter(|(name, files)| test.get(*name).is_some_and(|t| t != *files)).map(|(n, _)| n.clone()).collect()
}

/// A service as the README's onboarding builds it: the `sqlx` feature and sqlx with SQLite.
/// (With the kit's signer on RustCrypto's p256, `digest`'s features differed between the two
/// steps, through sqlx's `sha2`, and the main crate was compiled twice: a downstream trial.)
#[test]
fn cargo_test_after_cargo_build_compiles_the_main_crate_once() {
    let dir = common::temp_dir("testkit-once");
    downstream(
        &dir,
        "\"sqlx\"",
        "sqlx = { version = \"0.8\", default-features = false, features = [\"runtime-tokio\", \"sqlite\"] }",
        "",
    );
    let build = artifacts(&dir, &["build"]);
    let test = artifacts(&dir, &["test", "--no-run"]);
    assert!(build.contains_key("plaid-idv") && build.contains_key("tokio"), "{build:?}");
    assert_eq!(built_twice(&build, &test), Vec::<String>::new(), "the test kit rebuilt crates of the build");
    // What the test step adds: the kit, and crates only the kit uses.
    let added: Vec<&String> = test.keys().filter(|k| !build.contains_key(*k)).collect();
    assert!(added.iter().any(|k| *k == "plaid-idv-testkit"), "{added:?}");
    assert!(build.contains_key("sqlx-sqlite") && build.contains_key("digest"), "{build:?}");
    // And the downstream test passes against the fake.
    let (ok, log) = common::cargo(&dir, &["test"]);
    assert!(ok && log.contains("test an_unknown_session_is_plaids_invalid_field ... ok"), "{log}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// The control: with a feature of the main crate in `[dev-dependencies]` (what the old
/// `test-util` feature was), the check finds the main crate built twice.
#[test]
fn a_dev_dependency_feature_is_seen_to_build_the_main_crate_twice() {
    let dir = common::temp_dir("testkit-control");
    let main = common::root().join("generated");
    downstream(&dir, "", "", &format!("plaid-idv = {{ path = {main:?}, features = [\"deserialize-requests\"] }}"));
    let build = artifacts(&dir, &["build"]);
    let test = artifacts(&dir, &["test", "--no-run"]);
    let twice = built_twice(&build, &test);
    assert!(twice.contains(&"plaid-idv".to_string()), "{twice:?}");
    assert!(twice.contains(&"downstream-service".to_string()), "{twice:?}");
    let _ = std::fs::remove_dir_all(&dir);
}
