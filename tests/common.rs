//! Shared helpers for the integration tests.
#![allow(dead_code)]

use plaid_idv_generator::portion::Portion;
use plaid_idv_generator::Output;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The workspace root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("tests/ has a parent").to_path_buf()
}

/// `tests/fixtures/<name>`.
pub fn fixture(name: &str) -> PathBuf {
    root().join("tests/fixtures").join(name)
}

/// The fixtures' shared selection file, with a crate name of our choosing.
pub fn fixture_portion(crate_name: &str) -> Portion {
    let mut p = Portion::load(&fixture("portion.toml")).expect("fixture portion loads");
    p.crate_name = crate_name.to_string();
    p
}

/// Generates a fixture spec in memory.
pub fn gen_fixture(file: &str) -> Output {
    let bytes = std::fs::read(fixture(file)).expect("fixture exists");
    let stem = file.trim_end_matches(".yaml").replace('_', "-");
    plaid_idv_generator::generate_from(&bytes, file, &fixture_portion(&format!("fixture-{stem}")))
        .unwrap_or_else(|e| panic!("{file}: {e}"))
}

/// Plaid's published spec, if `../shared` is beside the checkout.
pub fn plaid_spec() -> Option<PathBuf> {
    let p = root().join("../shared/plaid-openapi/2020-09-14.yml");
    p.exists().then_some(p)
}

/// Every published Plaid spec in `../shared/plaid-openapi`, if it is there.
pub fn plaid_specs() -> Vec<PathBuf> {
    let dir = root().join("../shared/plaid-openapi");
    let mut specs: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|d| {
            d.filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.extension().is_some_and(|e| e == "yml")).collect()
        })
        .unwrap_or_default();
    specs.sort();
    specs.reverse();
    specs
}

/// A fresh directory under the system temp dir (outside the workspace, so generated crates are
/// their own roots).
pub fn temp_dir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("plaid-idv-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("temp dir");
    d
}

/// Runs cargo in `dir` with its own target dir under the workspace's `target/`, warnings denied.
pub fn cargo(dir: &Path, target: &str, args: &[&str]) -> (bool, String) {
    let out = Command::new(env!("CARGO"))
        .args(args)
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", root().join("target").join(target))
        .env("RUSTFLAGS", "-D warnings")
        .env("RUSTDOCFLAGS", "-D warnings")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .output()
        .expect("cargo runs");
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    (out.status.success(), text)
}

/// Prints a skip line where it is seen: straight to stderr, past the test harness's output
/// capture, so a skipped test says so in CI logs even though it passes.
pub fn skip(line: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "{line}");
}

/// Our spec, with its webhooks' `identity_verification_id` declared without a `type` (as
/// Plaid's spec of September 2022 declares it).
pub fn spec_with_untyped_webhook_ids() -> plaid_idv_generator::load::Spec {
    let mut spec = plaid_idv_generator::load::load_file(&root().join("spec/plaid-idv.yaml")).expect("our spec loads");
    let schemas = spec.doc["components"]["schemas"].as_object_mut().expect("schemas");
    let mut changed = 0;
    for (name, s) in schemas.iter_mut() {
        if name.ends_with("Webhook") {
            if let Some(p) = s.pointer_mut("/properties/identity_verification_id").and_then(|p| p.as_object_mut()) {
                changed += usize::from(p.remove("type").is_some());
            }
        }
    }
    assert_eq!(changed, 3, "the three IDV webhooks declare the id as a string");
    spec
}
