//! Generated crates build on their own: every fixture spec (with clippy and rustdoc under
//! `-D warnings`) and Plaid's published spec (with its example tests).

mod common;

use std::fs;

#[test]
fn fixture_crates_build_clean() {
    let dir = common::temp_dir("fixtures");
    let mut members = Vec::new();
    for entry in fs::read_dir(common::root().join("tests/fixtures")).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().to_string();
        if !name.ends_with(".yaml") {
            continue;
        }
        let out = common::gen_fixture(&name);
        let member = name.trim_end_matches(".yaml").to_string();
        plaid_idv_generator::write::write_atomic(&dir.join(&member), &out.files).unwrap();
        members.push(member);
    }
    members.sort();
    let list = members.iter().map(|m| format!("{m:?}")).collect::<Vec<_>>().join(", ");
    fs::write(dir.join("Cargo.toml"), format!("[workspace]\nresolver = \"2\"\nmembers = [{list}]\n")).unwrap();
    for args in [
        &["build", "--workspace", "--all-targets", "--all-features"][..],
        &["clippy", "--workspace", "--all-targets", "--all-features", "--", "-D", "warnings"][..],
        &["doc", "--workspace", "--no-deps", "--all-features"][..],
        &["test", "--workspace", "--all-features", "--lib"][..],
    ] {
        let (ok, log) = common::cargo(&dir, args);
        assert!(ok, "cargo {args:?} failed for fixture crates in {}:\n{log}", dir.display());
    }
    let _ = fs::remove_dir_all(&dir);
}

#[test]
fn plaid_published_spec_builds_and_examples_decode() {
    let Some(spec) = common::plaid_spec() else {
        common::skip("plaid_published_spec_builds_and_examples_decode", common::Prereq::PlaidSpec);
        return;
    };
    let root = common::root();
    let out = plaid_idv_generator::generate(&spec, &root.join("spec/portion.toml")).expect("Plaid's spec generates");
    let dir = common::temp_dir("plaid-spec");
    let crate_dir = dir.join("plaid-idv");
    plaid_idv_generator::write::write_atomic(&crate_dir, &out.files).unwrap();
    let ops = out.ir.operations.iter().filter(|o| o.path.starts_with("/identity_verification/")).count();
    assert!(ops >= 4, "IDV operations selected: {ops}");
    let (ok, log) = common::cargo(&crate_dir, &["test", "--all-targets", "--all-features"]);
    assert!(ok, "crate generated from Plaid's spec failed to build or test:\n{log}");
    let passed: usize = log
        .lines()
        .filter_map(|l| l.strip_prefix("test result: ok. "))
        .filter_map(|l| l.split(' ').next()?.parse::<usize>().ok())
        .sum();
    let examples = out.files.keys().filter(|k| k.starts_with("spec-examples/")).count();
    assert!(passed >= examples, "{passed} tests passed, {examples} example files");
    println!(
        "Plaid's spec: {} types, {} operations, {examples} example tests passed",
        out.ir.types.len(),
        out.ir.operations.len()
    );
    let _ = fs::remove_dir_all(&dir);
}

/// Beyond the IDV portion: every operation of Plaid's whole API. Operations with header
/// parameters are rejected with a located error (the IDV portion has none); all the others —
/// over 300 operations and 1,800 types — generate a crate that builds under `-D warnings`.
#[test]
fn plaid_whole_api_generates_and_builds() {
    let Some(spec) = common::plaid_spec() else {
        common::skip("plaid_whole_api_generates_and_builds", common::Prereq::PlaidSpec);
        return;
    };
    let mut portion = common::fixture_portion("plaid-all");
    portion.path_prefixes = vec!["/".into()];
    portion.webhooks.clear();
    portion.newtypes.clear();
    portion.retry = Default::default();
    let loaded = plaid_idv_generator::load::load_file(&spec).unwrap();
    let e = plaid_idv_generator::generate_spec(&loaded, &portion).unwrap_err();
    assert!(e.location.starts_with("#/paths/") && e.location.contains("/parameters/"), "{e}");

    let mut doc = loaded.doc.clone();
    let paths = doc["paths"].as_object_mut().unwrap();
    for item in paths.values_mut() {
        item.as_object_mut().unwrap().retain(|_, op| op.get("parameters").is_none());
    }
    paths.retain(|_, item| !item.as_object().unwrap().is_empty());
    let spec = plaid_idv_generator::load::Spec { doc, ..loaded };
    let out = plaid_idv_generator::generate_spec(&spec, &portion).expect("the rest of Plaid's API generates");
    assert!(out.ir.operations.len() > 300 && out.ir.types.len() > 1500, "{} ops", out.ir.operations.len());
    let dir = common::temp_dir("plaid-all");
    plaid_idv_generator::write::write_atomic(&dir.join("plaid-all"), &out.files).unwrap();
    let (ok, log) = common::cargo(&dir.join("plaid-all"), &["build", "--all-features"]);
    assert!(ok, "the crate for Plaid's whole API does not build:\n{log}");
    println!(
        "Plaid's whole API: {} operations, {} types build under -D warnings",
        out.ir.operations.len(),
        out.ir.types.len()
    );
    let _ = std::fs::remove_dir_all(&dir);
}
