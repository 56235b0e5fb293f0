//! Issue #23: every emitted crate compiles, by construction. The cases that used to give a crate
//! that does not build (or that fails its own tests), each generated here; `tests/builds.rs`
//! builds them all under clippy and rustdoc `-D warnings` and runs their tests and doctests.

mod common;

use plaid_idv_generator::load::{load_file, Spec};
use plaid_idv_generator::Output;

fn generate(spec: &Spec, portion: &plaid_idv_generator::portion::Portion) -> Output {
    plaid_idv_generator::generate_spec(spec, portion).unwrap_or_else(|e| panic!("{e}"))
}

fn our_portion() -> plaid_idv_generator::portion::Portion {
    plaid_idv_generator::portion::Portion::load(&common::root().join("spec/portion.toml")).unwrap()
}

#[test]
fn webhook_ids_without_a_type_leave_the_flow_out_with_a_located_warning() {
    let out = generate(&common::spec_with_untyped_webhook_ids(), &our_portion());
    assert!(!out.ir.features.flow, "the flow helpers need the webhooks' id as `IdentityVerificationId`");
    assert!(out.ir.features.fake.is_none(), "the fake needs the flow");
    assert!(!out.files.contains_key("src/flow.rs") && !out.files.keys().any(|k| k.starts_with("src/testing/")));
    let warning = out.ir.warnings.iter().find(|w| w.contains("`flow` module is left out")).expect("a warning");
    assert!(
        warning.starts_with("#/components/schemas/IdentityVerification")
            && warning.contains("Webhook/properties/identity_verification_id")
            && warning.contains("the module needs `IdentityVerificationId`"),
        "{warning}"
    );
    assert!(out.ir.warnings.iter().any(|w| w.contains("`fake` module is left out")), "{:?}", out.ir.warnings);
    // The verifier does not need the flow: it stays.
    assert!(out.ir.features.verify && out.files.contains_key("src/runtime/verify.rs"));
}

#[test]
fn a_required_module_that_cannot_be_served_is_a_located_error() {
    let mut portion = our_portion();
    portion.require = vec!["flow".into()];
    let e = plaid_idv_generator::generate_spec(&common::spec_with_untyped_webhook_ids(), &portion).unwrap_err();
    assert!(e.location.ends_with("Webhook/properties/identity_verification_id"), "{e}");
    assert!(e.message.contains("`flow` module is required"), "{e}");
    // Our spec serves every module, so requiring them all is fine.
    portion.require = vec!["flow".into(), "verify".into(), "fake".into()];
    let spec = load_file(&common::root().join("spec/plaid-idv.yaml")).unwrap();
    let out = generate(&spec, &portion);
    assert!(out.ir.features.flow && out.ir.features.fake.is_some() && out.ir.features.verify);
    // An unknown module name is refused where it is written.
    let e = plaid_idv_generator::portion::Portion::parse("require = [\"flow\", \"nope\"]", "p.toml").unwrap_err();
    assert_eq!(e.location, "p.toml#/require/1", "{e}");
}

#[test]
fn without_the_key_operation_the_verifier_is_left_out() {
    let mut portion = our_portion();
    portion.paths.retain(|p| p != "/webhook_verification_key/get");
    let spec = load_file(&common::root().join("spec/plaid-idv.yaml")).unwrap();
    let out = generate(&spec, &portion);
    assert!(!out.ir.features.verify && out.ir.features.fake.is_none());
    assert!(out.ir.features.flow, "the flow helpers do not need the verifier");
    assert!(!out.files.contains_key("src/runtime/verify.rs"));
    assert!(!out.files["src/runtime/mod.rs"].contains("pub mod verify"));
    assert!(!out.files["src/lib.rs"].contains("verify"));
}

#[test]
fn a_title_with_a_backslash_quotes_and_a_newline_gives_a_valid_cargo_toml() {
    let out = common::gen_fixture("hostile_title.yaml");
    let cargo: toml::Table = toml::from_str(&out.files["Cargo.toml"]).unwrap_or_else(|e| panic!("{e}"));
    let description = cargo["package"]["description"].as_str().unwrap();
    assert_eq!(
        description,
        "Typed async client for Plaid Identity Verification, generated from fixture \\ with a backslash, \"quotes\" \
         and a newline 2020-09-14_fixture.1"
    );
    assert_eq!(cargo["package"]["rust-version"].as_str(), Some("1.80"));
    assert_eq!(cargo["package"]["publish"].as_bool(), Some(false));
    // Every Rust file's header comment stays one comment.
    for (path, text) in out.files.iter().filter(|(p, _)| p.ends_with(".rs")) {
        syn::parse_file(text).unwrap_or_else(|e| panic!("{path}: {e}"));
    }
}

#[test]
fn example_tests_and_their_unknown_enum_twins_never_share_a_name() {
    let out = common::gen_fixture("example_name_pairs.yaml");
    let file = syn::parse_file(&out.files["src/spec_examples.rs"]).unwrap();
    let names: Vec<String> = file
        .items
        .iter()
        .filter_map(|i| match i {
            syn::Item::Fn(f) => Some(f.sig.ident.to_string()),
            _ => None,
        })
        .collect();
    let unique: std::collections::BTreeSet<&String> = names.iter().collect();
    assert_eq!(names.len(), 4, "two examples and two twins: {names:?}");
    assert_eq!(unique.len(), names.len(), "{names:?}");
    let example_files = out.files.keys().filter(|k| k.starts_with("spec-examples/")).count();
    assert_eq!(example_files, names.len(), "one file per test, none overwritten");
}

#[test]
fn doc_examples_that_call_idv_operations_are_not_compiled_without_them() {
    let out = common::gen_fixture("enums.yaml");
    assert!(!out.ir.features.flow);
    let client = &out.files["src/runtime/client.rs"];
    let with_options = client.find("pub fn with_options").unwrap();
    let fence = client[..with_options].rfind("```").map(|end| client[..end].rfind("```").unwrap()).unwrap();
    assert!(client[fence..].starts_with("```rust,ignore"), "{}", &client[fence..fence + 20]);
    // The examples that name nothing generated still run, under this crate's own name.
    assert!(
        client.contains("/// ```\n/// use fixture_enums::{CallOptions, RetryPolicy};"),
        "crate renamed in examples"
    );
    assert!(!client.contains("plaid_idv::"));
    // With the flow, the runtime is copied verbatim.
    let ours = plaid_idv_generator::generate(
        &common::root().join("spec/plaid-idv.yaml"),
        &common::root().join("spec/portion.toml"),
    )
    .unwrap();
    assert!(!ours.files["src/runtime/client.rs"].contains("```rust,ignore"));
}

#[test]
fn schemas_named_like_the_impls_type_parameters_are_not_captured() {
    let out = common::gen_fixture("generic_param_names.yaml");
    let types = &out.files["src/types.rs"];
    for t in ["pub struct A ", "pub struct D ", "pub struct S ", "pub enum E "] {
        assert!(types.contains(t), "{t}");
    }
    // The impls' own type parameters are names `naming` can never produce.
    struct Params(Vec<String>);
    impl<'a> syn::visit::Visit<'a> for Params {
        fn visit_type_param(&mut self, p: &'a syn::TypeParam) {
            self.0.push(p.ident.to_string());
        }
    }
    let mut params = Params(Vec::new());
    syn::visit::Visit::visit_file(&mut params, &syn::parse_file(types).unwrap());
    assert!(!params.0.is_empty());
    assert!(params.0.iter().all(|p| p.starts_with("__")), "{:?}", params.0);
}
