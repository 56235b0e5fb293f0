//! #22 (issue 25): the std traits a user reaches for, on id newtypes, enums and the structs of
//! required fields, used as a downstream crate would.

mod common;

use plaid_idv::types::{
    IdNumberType, IdentityVerificationId, IdentityVerificationStatus, UserIdNumber, UserIdNumberRequired,
};
use std::collections::{BTreeSet, HashMap};

#[test]
fn id_newtypes_work_as_map_keys_strings_and_parsed_values() {
    let id: IdentityVerificationId = "idv_1".parse().unwrap();
    let mut seen: HashMap<IdentityVerificationId, u32> = HashMap::new();
    seen.insert(id.clone(), 7);
    // `Borrow<str>`: look up by a plain string.
    assert_eq!(seen.get("idv_1"), Some(&7));
    let owned = String::from("idv_1");
    assert!(id == "idv_1" && id == *"idv_1" && id == owned);
    assert_eq!(IdentityVerificationId::from(&owned), id);
    assert_eq!(id.as_ref() as &str, "idv_1");
}

#[test]
fn enums_compare_with_strings_convert_and_order() {
    let status = IdentityVerificationStatus::from("success");
    assert_eq!(status, IdentityVerificationStatus::Success);
    assert!(status == "success" && status == *"success");
    assert_eq!(AsRef::<str>::as_ref(&status), "success");
    assert_eq!(
        IdentityVerificationStatus::from("brand_new".to_string()),
        IdentityVerificationStatus::Unknown("brand_new".into())
    );
    let set: BTreeSet<IdentityVerificationStatus> =
        [IdentityVerificationStatus::Failed, IdentityVerificationStatus::Active].into_iter().collect();
    assert_eq!(set.len(), 2);
    // Order is the wire string's, not the declaration order, so a new spec that adds a variant
    // never reorders the others: `active` < `canceled` < `expired` < `failed` < `success`.
    let mut all = [
        IdentityVerificationStatus::Success,
        IdentityVerificationStatus::Unknown("zzz".into()),
        IdentityVerificationStatus::Failed,
        IdentityVerificationStatus::Active,
        IdentityVerificationStatus::Canceled,
    ];
    all.sort();
    let wires: Vec<&str> = all.iter().map(|s| s.as_str()).collect();
    assert_eq!(wires, ["active", "canceled", "failed", "success", "zzz"]);
    // A hand-built `Unknown` holding a known value is that value: equal, and one map key.
    let by_hand = IdentityVerificationStatus::Unknown("success".into());
    assert_eq!(by_hand, IdentityVerificationStatus::Success);
    let mut counts: HashMap<IdentityVerificationStatus, u32> = HashMap::new();
    *counts.entry(by_hand).or_default() += 1;
    *counts.entry(IdentityVerificationStatus::Success).or_default() += 1;
    assert_eq!(counts.len(), 1);
}

#[test]
fn required_field_structs_clone_compare_and_debug_without_personal_data() {
    let required = UserIdNumberRequired { value: "123456789".into(), type_: IdNumberType::UsSsn };
    let copy = required.clone();
    assert!(copy == required);
    let printed = format!("{required:?}");
    assert!(printed.contains("<redacted>") && !printed.contains("123456789"), "{printed}");
    let _ = UserIdNumber::new(copy);
}

/// Every struct of required fields in the generated crate derives `Clone` and `PartialEq` and
/// has a `Debug`, read from the source with `syn`.
#[test]
fn every_required_struct_has_clone_partial_eq_and_debug() {
    let src = std::fs::read_to_string(common::root().join("generated/src/types.rs")).unwrap();
    let file = syn::parse_file(&src).unwrap();
    let mut debug = BTreeSet::new();
    let mut required = Vec::new();
    for item in &file.items {
        match item {
            syn::Item::Struct(s) if s.ident.to_string().ends_with("Required") => {
                let derives: Vec<String> = s
                    .attrs
                    .iter()
                    .filter(|a| a.path().is_ident("derive"))
                    .flat_map(|a| {
                        let mut names = Vec::new();
                        let _ = a.parse_nested_meta(|m| {
                            names.push(m.path.segments.last().unwrap().ident.to_string());
                            Ok(())
                        });
                        names
                    })
                    .collect();
                assert!(
                    derives.contains(&"Clone".into()) && derives.contains(&"PartialEq".into()),
                    "{}: {derives:?}",
                    s.ident
                );
                required.push(s.ident.to_string());
            }
            syn::Item::Impl(i)
                if i.trait_.as_ref().is_some_and(|(_, p, _)| p.segments.last().unwrap().ident == "Debug") =>
            {
                if let syn::Type::Path(p) = &*i.self_ty {
                    debug.insert(p.path.segments.last().unwrap().ident.to_string());
                }
            }
            _ => {}
        }
    }
    assert!(required.len() >= 5, "{required:?}");
    for r in &required {
        assert!(debug.contains(r), "{r} has no Debug");
    }
}

/// The re-exported chrono has its clock: no chrono of the user's own is needed for `now()`.
#[test]
fn the_reexported_chrono_tells_the_time() {
    let now = plaid_idv::chrono::Utc::now();
    assert!(now.timestamp() > 1_700_000_000);
}
