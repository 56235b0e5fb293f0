//! The contract file against the runtime source, and our spec against the contract.

use super::*;

fn our_ir() -> Ir {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    crate::generate(&root.join("spec/plaid-idv.yaml"), &root.join("spec/portion.toml")).expect("our spec generates").ir
}

/// The contract file says what the runtime's source uses of our spec's IR: derived with
/// `syn`, module by module. On a mismatch, prints the file as it should read.
#[test]
fn the_contract_file_matches_the_runtime_source() {
    let ir = our_ir();
    let file = contract().expect("contract.toml parses");
    let ops: BTreeSet<&str> = ir.operations.iter().map(|o| o.method_name.as_str()).collect();
    let mut expected = BTreeMap::new();
    for module in MODULES {
        let mut needs = derive(&ir, &module_uses(module, &ops));
        needs.requires = file.get(*module).map(|n| n.requires.clone()).unwrap_or_default();
        expected.insert(module.to_string(), needs);
    }
    let examples =
        uses::doc_blocks(crate::render::README_TEMPLATE, true).into_iter().filter(uses::DocBlock::is_compiled);
    for (key, block) in readme_example_keys().into_iter().zip(examples) {
        expected.insert(key, derive_example(&ir, &uses::of_example(&block.code)));
    }
    if file != expected && std::env::var_os("UPDATE_CONTRACT").is_some() {
        let head: String = CONTRACT_TOML
            .lines()
            .take_while(|l| l.starts_with('#') || l.is_empty())
            .map(|l| format!("{l}\n"))
            .collect();
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("runtime/contract.toml");
        std::fs::write(path, head + &toml::to_string(&expected).unwrap()).unwrap();
        panic!("generator/runtime/contract.toml rewritten from the runtime source; rebuild and run again");
    }
    assert!(
        file == expected,
        "generator/runtime/contract.toml is stale (rewrite it with UPDATE_CONTRACT=1); derived from the runtime \
             source it reads:\n{}",
        toml::to_string(&expected).unwrap_or_default()
    );
    assert!(file["flow"].operations.contains_key("identity_verification_get"), "the derivation sees calls");
    let mut keys: Vec<String> = MODULES.iter().map(|m| m.to_string()).chain(readme_example_keys()).collect();
    keys.sort();
    assert_eq!(file.keys().cloned().collect::<Vec<_>>(), keys);
}

#[test]
fn our_spec_meets_every_module() {
    let ir = our_ir();
    assert!(ir.features.flow && ir.features.fake.is_some() && ir.features.verify, "{:?}", ir.features);
    let (present, left_out) = check(&ir, &[]).unwrap();
    assert!(left_out.is_empty(), "{left_out:?}");
    assert_eq!(present.len(), MODULES.len() + readme_example_keys().len());
}

/// A README example that may use a declared conversion the spec's shapes do not allow (the
/// generator skips it with a warning) is shown but not compiled, instead of failing the crate's
/// doctests; the other examples stay compiled.
#[test]
fn a_readme_example_needing_a_skipped_conversion_is_not_compiled() {
    let mut ir = our_ir();
    ir.conversions.retain(|c| c.from != "IdentityVerificationUserData");
    let (present, left_out) = check(&ir, &[]).unwrap();
    let users: Vec<&Unmet> =
        left_out.iter().filter(|u| u.what.contains("converts `IdentityVerificationUserData`")).collect();
    assert!(!users.is_empty(), "{left_out:?}");
    for u in &users {
        assert!(u.module.starts_with(README_EXAMPLE) && !present.contains(&u.module), "{u:?}");
        assert!(u.warning().contains("is not compiled"), "{}", u.warning());
    }
    assert_eq!(left_out.len(), users.len(), "{left_out:?}");
    assert!(present.contains("flow") && present.contains("fake"), "modules do not depend on conversions: {present:?}");
}

mod published {
    /// Prints every unmet need of every module for Plaid's published specs (a diagnostic).
    #[test]
    #[ignore]
    fn print_unmet_needs_of_published_specs() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let contract = super::contract().unwrap();
        for f in ["2020-09-14.yml", "2020-09-14_1.421.0.yml", "2020-09-14_1.575.0.yml", "2020-09-14_1.674.0.yml"] {
            let p = root.join("../shared/plaid-openapi").join(f);
            let Ok(out) = crate::generate(&p, &root.join("spec/portion.toml")) else { continue };
            println!("== {f}");
            for m in super::MODULES {
                for u in super::all_unmet(&out.ir, m, &contract[*m]) {
                    println!("  {m}: {} {}", u.pointer, u.what);
                }
            }
        }
    }
}
