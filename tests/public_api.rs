//! Issue 25: a deliberate public surface. `generated/public-api.txt` lists every public item of
//! the generated crate (`path [kind] signature`), written by `cargo xtask gen`
//! (`generator/src/public_api.rs`) and committed, so a change to the surface is a reviewable
//! diff. These tests fail when the listing is stale, when an item has two public paths, and
//! when runtime internals are public again.

mod common;

use plaid_idv_generator::public_api::{duplicates, listing};
use std::collections::BTreeMap;
use std::path::Path;

/// Every file under `generated/src`, keyed `src/...` as the generator renders them.
fn generated_sources() -> BTreeMap<String, String> {
    fn walk(dir: &Path, rel: &str, out: &mut BTreeMap<String, String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let entry = entry.unwrap();
            let name = entry.file_name().to_string_lossy().into_owned();
            let rel = format!("{rel}/{name}");
            if entry.file_type().unwrap().is_dir() {
                walk(&entry.path(), &rel, out);
            } else if name.ends_with(".rs") {
                out.insert(rel, std::fs::read_to_string(entry.path()).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(&common::root().join("generated/src"), "src", &mut out);
    out
}

/// The test kit's sources (`generated/testkit/src`), keyed `src/...`.
fn kit_sources() -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for entry in std::fs::read_dir(common::root().join("generated/testkit/src")).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name().to_string_lossy().into_owned();
        out.insert(format!("src/{name}"), std::fs::read_to_string(entry.path()).unwrap());
    }
    out
}

/// Issue 25, a test kit that compiles once: the kit is its own crate with its own committed
/// listing, and the main crate has no test feature, no `testing` module and no signer.
#[test]
fn the_test_kit_is_its_own_crate_with_its_own_listing() {
    let committed = std::fs::read_to_string(common::root().join("generated/testkit/public-api.txt")).unwrap();
    assert_eq!(listing(&kit_sources(), "plaid_idv_testkit"), committed, "generated/testkit/public-api.txt is stale");
    assert!(duplicates(&kit_sources(), "plaid_idv_testkit").is_empty(), "{committed}");
    for line in [
        "plaid_idv_testkit::FakePlaid [struct] struct FakePlaid",
        "plaid_idv_testkit::WebhookDelivery [enum] enum WebhookDelivery",
        "plaid_idv_testkit::signer::TestSigner [struct] struct TestSigner",
    ] {
        assert!(committed.lines().any(|l| l == line), "missing from the kit's listing: {line}");
    }
    let main = committed_main();
    for gone in ["test-util", "testing::", "TestSigner", "__private"] {
        assert!(!main.contains(gone), "{gone} is in the main crate's listing");
    }
    let manifest = std::fs::read_to_string(common::root().join("generated/Cargo.toml")).unwrap();
    assert!(!manifest.contains("test-util ="), "the main crate still has a test-util feature");
}

fn committed_main() -> String {
    committed()
}

fn committed() -> String {
    std::fs::read_to_string(common::root().join("generated/public-api.txt"))
        .expect("generated/public-api.txt is written by `cargo xtask gen`")
}

#[test]
fn the_committed_listing_matches_the_generated_sources() {
    let fresh = listing(&generated_sources(), "plaid_idv");
    if fresh != committed() {
        let committed = committed();
        let gone: Vec<&str> = committed.lines().filter(|l| !fresh.lines().any(|f| f == *l)).take(10).collect();
        let new: Vec<&str> = fresh.lines().filter(|l| !committed.lines().any(|c| c == *l)).take(10).collect();
        panic!("generated/public-api.txt is stale: run `cargo xtask gen`.\nonly in the file: {gone:#?}\nonly in the sources: {new:#?}");
    }
}

#[test]
fn every_public_item_has_one_path_and_no_runtime_internal_is_public() {
    let dups = duplicates(&generated_sources(), "plaid_idv");
    assert!(dups.is_empty(), "items with more than one public path: {dups:#?}");
    let api = committed();
    assert!(!api.contains("MORE THAN ONE PATH"));
    for internal in ["plaid_idv::runtime", "Operation", "PagedRequest", "paginate", "macros", "Redacted"] {
        assert!(!api.contains(internal), "{internal} is public: {:?}", api.lines().find(|l| l.contains(internal)));
    }
    let client: Vec<&str> = api.lines().filter(|l| l.ends_with("[struct] struct Client")).collect();
    assert_eq!(client, ["plaid_idv::Client [struct] struct Client"]);
    // The surface this issue adds, as the listing shows it.
    for line in [
        "plaid_idv::Environment [impl] impl std::str::FromStr",
        "plaid_idv::ApiError::is_rate_limited [method] fn is_rate_limited(&self) -> bool",
        "plaid_idv::ApiError::error_type [field] error_type: Option<crate::ErrorType>",
        "plaid_idv::flow::StartStep [impl] impl std::fmt::Display",
        "plaid_idv::types::IdentityVerificationCreateRequest::with_is_idempotent_null [method] fn with_is_idempotent_null(mut self) -> Self",
        "plaid_idv::WebhookVerifier::HEADER [const] const HEADER: &'static str  #[cfg(feature = \"webhook-verification\")]",
    ] {
        assert!(api.lines().any(|l| l == line), "missing from the listing: {line}");
    }
}

/// The check itself: a crate that re-exports an item of a public module lists it twice.
#[test]
fn a_second_public_path_is_reported() {
    let files: BTreeMap<String, String> = [
        ("src/lib.rs", "pub mod a;\nmod hidden;\npub use a::X;\npub use hidden::Y;\n"),
        ("src/a.rs", "pub struct X;\nimpl X { pub fn new() -> Self { X } fn private() {} }\n"),
        ("src/hidden.rs", "pub struct Y;\npub struct Unreachable;\n#[doc(hidden)]\npub fn internal() {}\n"),
    ]
    .into_iter()
    .map(|(p, s)| (p.to_string(), s.to_string()))
    .collect();
    assert_eq!(duplicates(&files, "k"), [("crate::a::X".to_string(), vec!["k::X".to_string(), "k::a::X".to_string()])]);
    let text = listing(&files, "k");
    assert!(text.contains("# MORE THAN ONE PATH: crate::a::X is k::X, k::a::X"), "{text}");
    assert!(text.contains("k::Y [struct] struct Y") && text.contains("k::X::new [method] fn new() -> Self"), "{text}");
    assert!(!text.contains("Unreachable") && !text.contains("private") && !text.contains("internal"), "{text}");
}

/// The dependencies whose types the listing names are the ones the generator records as public
/// (`render::PUBLIC_DEPENDENCIES`, whose versions go into `api.json`, so CHANGELOG.md calls out
/// a move of one): a new crate in the surface, or one gone from it, fails here.
#[test]
fn the_recorded_public_dependencies_are_the_crates_the_listing_names() {
    let manifest = std::fs::read_to_string(common::root().join("generated/Cargo.toml")).unwrap();
    let manifest: toml::Table = manifest.parse().unwrap();
    let deps: Vec<String> = manifest["dependencies"].as_table().unwrap().keys().cloned().collect();
    let api = committed();
    let named: std::collections::BTreeSet<&str> = deps
        .iter()
        .map(String::as_str)
        // `thiserror` appears as a derive (`impl thiserror::Error (derived)`); what it
        // implements is std's `Error`, so users never name it.
        .filter(|dep| *dep != "thiserror")
        .filter(|dep| {
            let krate = dep.replace('-', "_");
            api.split(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
                .any(|token| token.trim_start_matches("::").starts_with(&format!("{krate}::")) || token == krate)
        })
        .collect();
    let recorded: std::collections::BTreeSet<&str> =
        plaid_idv_generator::render::PUBLIC_DEPENDENCIES.iter().copied().collect();
    assert_eq!(named, recorded, "crates public-api.txt names vs render::PUBLIC_DEPENDENCIES");
}
