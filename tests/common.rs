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

/// `../shared` beside the checkout (Plaid's published specs and the seeds), or the directory
/// `PLAID_IDV_SHARED` names (the required mode's own test points it at a missing one).
pub fn shared_dir() -> PathBuf {
    std::env::var_os("PLAID_IDV_SHARED").map(PathBuf::from).unwrap_or_else(|| root().join("../shared"))
}

/// `../shared/plaid-openapi/`, Plaid's published specs.
pub fn published_dir() -> PathBuf {
    shared_dir().join("plaid-openapi")
}

/// Plaid's published spec, if `../shared` is beside the checkout.
pub fn plaid_spec() -> Option<PathBuf> {
    let p = published_dir().join("2020-09-14.yml");
    p.exists().then_some(p)
}

/// Every published Plaid spec in `../shared/plaid-openapi`, if it is there.
pub fn plaid_specs() -> Vec<PathBuf> {
    let dir = published_dir();
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
/// their own roots), removed with everything in it when the returned guard drops, also when
/// the test fails. `PLAID_IDV_KEEP_TMP=1` keeps it, to look at a failure.
pub fn temp_dir(tag: &str) -> TempDir {
    let keep = std::env::var_os("PLAID_IDV_KEEP_TMP").is_some_and(|v| v == "1");
    let dir = tempfile::Builder::new()
        .prefix(&format!("plaid-idv-{tag}-"))
        .disable_cleanup(keep)
        .tempdir()
        .expect("temp dir");
    TempDir(dir)
}

/// A directory from [`temp_dir`]: a `Path` that is deleted when dropped.
pub struct TempDir(tempfile::TempDir);

impl std::ops::Deref for TempDir {
    type Target = Path;
    fn deref(&self) -> &Path {
        self.0.path()
    }
}

impl AsRef<Path> for TempDir {
    fn as_ref(&self) -> &Path {
        self.0.path()
    }
}

/// The target directory of every nested build: the workspace's own `target/`, so a dependency
/// built with the same features (ring, rustls, serde, the proc macros, …) is built once, for the
/// workspace and for every generated crate the tests build.
pub fn nested_target() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|| root().join("target"))
}

/// The workspace's `[profile.dev]`, repeated for nested builds (a generated crate is its own
/// workspace root, and a dependency built under another profile is built again).
pub const PROFILE: [&str; 4] =
    ["--config", "profile.dev.debug=\"line-tables-only\"", "--config", "profile.dev.package.\"*\".debug=false"];

/// Runs cargo in `dir`, a generated crate or a workspace of them outside this workspace, with
/// warnings denied on those crates only: `[lints.rust] warnings = "deny"` is added to each of
/// their manifests, and the dependencies are built as in the workspace (same target dir,
/// profile, `RUSTFLAGS` and, from the workspace's `Cargo.lock`, the same versions), so they
/// are not rebuilt. `RUSTDOCFLAGS=-D warnings` covers rustdoc and doctests.
pub fn cargo(dir: &Path, args: &[&str]) -> (bool, String) {
    prepare_nested(dir);
    let (sub, rest) = args.split_first().expect("a cargo subcommand");
    let out = Command::new(env!("CARGO"))
        .arg(sub)
        .args(PROFILE)
        .args(rest)
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", nested_target())
        .env("RUSTDOCFLAGS", "-D warnings")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .output()
        .expect("cargo runs");
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    (out.status.success(), text)
}

/// Gives the nested workspace at `dir` the workspace's `Cargo.lock` (when it has none) and
/// denies warnings in each of its packages' manifests (`dir/Cargo.toml`, `dir/*/Cargo.toml`
/// and the test kits beside generated crates, `*/testkit/Cargo.toml`).
pub fn prepare_nested(dir: &Path) {
    let lock = dir.join("Cargo.lock");
    if !lock.exists() {
        std::fs::copy(root().join("Cargo.lock"), &lock).expect("copy Cargo.lock");
    }
    let mut manifests = vec![dir.join("Cargo.toml"), dir.join("testkit/Cargo.toml")];
    for e in std::fs::read_dir(dir).expect("nested dir").flatten() {
        manifests.push(e.path().join("Cargo.toml"));
        // A generated crate's test kit, beside it.
        manifests.push(e.path().join("testkit/Cargo.toml"));
    }
    for m in manifests {
        let Ok(text) = std::fs::read_to_string(&m) else { continue };
        if !text.contains("[package]") || text.contains("warnings = \"deny\"") {
            continue;
        }
        let text = match text.find("[lints.rust]\n") {
            Some(i) => format!("{}warnings = \"deny\"\n{}", &text[..i + 13], &text[i + 13..]),
            None => format!("{text}\n[lints.rust]\nwarnings = \"deny\"\n"),
        };
        std::fs::write(&m, text).expect("manifest written");
    }
}

/// Something a test cannot run without, and how to get it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Prereq {
    /// `../shared/plaid-openapi/2020-09-14.yml`, Plaid's newest published spec.
    PlaidSpec,
    /// Two or more published specs in `../shared/plaid-openapi/`.
    PublishedSpecs,
    /// Prism in `.ci/node_modules` (or `PRISM_BIN`).
    Prism,
    /// `cargo semver-checks`.
    SemverChecks,
}

impl Prereq {
    /// What is missing, for the message.
    pub fn what(self) -> String {
        match self {
            Prereq::PlaidSpec => format!("{} not found", published_dir().join("2020-09-14.yml").display()),
            Prereq::PublishedSpecs => format!("fewer than two published specs in {}", published_dir().display()),
            Prereq::Prism => "Prism not installed (.ci/node_modules/.bin/prism, or PRISM_BIN)".into(),
            Prereq::SemverChecks => "cargo semver-checks is not installed".into(),
        }
    }

    /// How to get it.
    pub fn install(self) -> &'static str {
        match self {
            Prereq::PlaidSpec | Prereq::PublishedSpecs => {
                "check out the shared inputs as ../shared beside this repository (../shared/plaid-openapi/*.yml)"
            }
            Prereq::Prism => "npm ci --prefix .ci",
            Prereq::SemverChecks => "cargo install --locked cargo-semver-checks",
        }
    }
}

/// Whether every prerequisite is required: `PLAID_IDV_REQUIRE_ALL=1` (`.ci/run` sets it), or
/// `CI=true` unless `PLAID_IDV_REQUIRE_ALL=0`. Then a missing one fails the test instead of
/// skipping it, so CI cannot pass by skipping.
pub fn require_all() -> bool {
    match std::env::var("PLAID_IDV_REQUIRE_ALL").ok().as_deref() {
        Some("1" | "true") => true,
        Some(_) => false,
        None => matches!(std::env::var("CI").ok().as_deref(), Some("true" | "1")),
    }
}

/// A test that cannot run without `missing`: in a newcomer's run it prints one `SKIP` line
/// where it is seen (straight to stderr, past the harness's capture) and the caller returns; in
/// the required mode (`require_all`) it panics, naming what is missing and how to install it.
pub fn skip(test: &str, missing: Prereq) {
    let line = skip_line(test, missing, require_all());
    if require_all() {
        panic!("{line}");
    }
    report(&line);
}

/// The line `skip` prints (newcomer) or panics with (required).
pub fn skip_line(test: &str, missing: Prereq, required: bool) -> String {
    if required {
        format!(
            "REQUIRED {test}: {}; install: {} (PLAID_IDV_REQUIRE_ALL=1 or CI=true make this a failure; \
             PLAID_IDV_REQUIRE_ALL=0 skips)",
            missing.what(),
            missing.install()
        )
    } else {
        format!("SKIP {test}: {} (install: {})", missing.what(), missing.install())
    }
}

/// Prints a line where it is seen: straight to stderr, past the test harness's output capture
/// (figures a test measured, skip lines).
pub fn report(line: &str) {
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

/// xorshift64*: small, seeded, reproducible (the fuzzers and the serde differential test).
pub struct Rng(pub u64);
impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    pub fn pick<'a, T>(&mut self, from: &'a [T]) -> &'a T {
        &from[self.below(from.len())]
    }
}

/// The workspace members for a generated crate written to `dir/name`: the crate, and its test
/// kit (`name/testkit`) when the generator emitted one.
pub fn members_of(name: &str, files: &std::collections::BTreeMap<String, String>) -> Vec<String> {
    let mut members = vec![name.to_string()];
    if files.contains_key("testkit/Cargo.toml") {
        members.push(format!("{name}/testkit"));
    }
    members
}
