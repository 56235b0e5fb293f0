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
        members.extend(common::members_of(&member, &out.files));
    }
    // Our spec where the runtime modules cannot all be served (#23): their crates lose those
    // modules, never the build.
    let root = common::root();
    let ours = plaid_idv_generator::portion::Portion::load(&root.join("spec/portion.toml")).unwrap();
    let mut untyped = ours.clone();
    untyped.crate_name = "idv-untyped-webhook-ids".into();
    let mut no_key_op = ours.clone();
    no_key_op.crate_name = "idv-without-key-operation".into();
    no_key_op.paths.retain(|p| p != "/webhook_verification_key/get");
    let spec = plaid_idv_generator::load::load_file(&root.join("spec/plaid-idv.yaml")).unwrap();
    for (spec, portion) in [(common::spec_with_untyped_webhook_ids(), untyped), (spec, no_key_op)] {
        let out = plaid_idv_generator::generate_spec(&spec, &portion).unwrap();
        plaid_idv_generator::write::write_atomic(&dir.join(&portion.crate_name), &out.files).unwrap();
        members.extend(common::members_of(&portion.crate_name, &out.files));
    }
    members.sort();
    let list = members.iter().map(|m| format!("{m:?}")).collect::<Vec<_>>().join(", ");
    fs::write(dir.join("Cargo.toml"), format!("[workspace]\nresolver = \"2\"\nmembers = [{list}]\n")).unwrap();
    for args in [
        &["build", "--workspace", "--all-targets", "--all-features"][..],
        &["clippy", "--workspace", "--all-targets", "--all-features", "--", "-D", "warnings"][..],
        &["doc", "--workspace", "--no-deps", "--all-features"][..],
        &["test", "--workspace", "--all-features", "--lib"][..],
        // Doctests of the crates the runtime contract trims (their runtime doc examples must
        // compile, or be marked `ignore` because they call operations the crate lacks).
        &[
            "test",
            "--all-features",
            "--doc",
            "-p",
            "fixture-enums",
            "-p",
            "fixture-generic-param-names",
            "-p",
            "fixture-hostile-title",
            "-p",
            "fixture-example-name-pairs",
        ][..],
        &["test", "--all-features", "--doc", "-p", "idv-untyped-webhook-ids", "-p", "idv-without-key-operation"][..],
    ] {
        let (ok, log) = common::cargo(&dir, args);
        assert!(ok, "cargo {args:?} failed for fixture crates in {}:\n{log}", dir.display());
    }
    let _ = fs::remove_dir_all(&dir);
}

/// Every published Plaid spec in `../shared` generates a crate that builds and passes its own
/// tests, doctests included; runtime modules a spec cannot serve are left out with a warning
/// (#23), never the build. The newest keeps the flow helpers, the verifier and the fake.
#[test]
fn plaid_published_specs_build_and_pass_their_tests() {
    let specs = common::plaid_specs();
    if specs.is_empty() {
        common::skip("plaid_published_specs_build_and_pass_their_tests", common::Prereq::PlaidSpec);
        return;
    }
    let root = common::root();
    let dir = common::temp_dir("plaid-specs");
    let mut members = Vec::new();
    let mut examples = 0;
    for spec in &specs {
        let stem = spec.file_stem().unwrap().to_string_lossy().replace(['.', '_'], "-");
        let mut portion = plaid_idv_generator::portion::Portion::load(&root.join("spec/portion.toml")).unwrap();
        portion.crate_name = format!("plaid-idv-{stem}");
        let loaded = plaid_idv_generator::load::load_file(spec).unwrap();
        let out = plaid_idv_generator::generate_spec(&loaded, &portion)
            .unwrap_or_else(|e| panic!("{}: Plaid's spec does not generate: {e}", spec.display()));
        let ops = out.ir.operations.iter().filter(|o| o.path.starts_with("/identity_verification/")).count();
        assert!(ops >= 4, "{}: IDV operations selected: {ops}", spec.display());
        let f = &out.ir.features;
        assert!(f.flow && f.verify && f.readme, "{}: {:?}", spec.display(), out.ir.warnings);
        if spec.ends_with("2020-09-14.yml") {
            assert!(out.ir.features.fake.is_some(), "the newest spec keeps the fake: {:?}", out.ir.warnings);
        }
        examples += out.files.keys().filter(|k| k.starts_with("spec-examples/")).count();
        println!(
            "{}: {} types, {} operations; modules: flow {}, verify {}, readme {} (examples not compiled: {:?}), fake {}; {} warning(s)",
            spec.file_name().unwrap().to_string_lossy(),
            out.ir.types.len(),
            out.ir.operations.len(),
            out.ir.features.flow,
            out.ir.features.verify,
            out.ir.features.readme,
            out.ir.features.readme_ignored,
            out.ir.features.fake.is_some(),
            out.ir.warnings.len()
        );
        plaid_idv_generator::write::write_atomic(&dir.join(&portion.crate_name), &out.files).unwrap();
        members.extend(common::members_of(&portion.crate_name, &out.files));
    }
    let list = members.iter().map(|m| format!("{m:?}")).collect::<Vec<_>>().join(", ");
    fs::write(dir.join("Cargo.toml"), format!("[workspace]\nresolver = \"2\"\nmembers = [{list}]\n")).unwrap();
    let (ok, log) = common::cargo(&dir, &["test", "--workspace", "--all-features"]);
    assert!(ok, "a crate generated from Plaid's published specs failed to build or test:\n{log}");
    let passed: usize = log
        .lines()
        .filter_map(|l| l.strip_prefix("test result: ok. "))
        .filter_map(|l| l.split(' ').next()?.parse::<usize>().ok())
        .sum();
    assert!(passed >= examples, "{passed} tests passed, {examples} example files");
    println!("Plaid's published specs: {} crates, {passed} tests passed", members.len());
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
