//! Spec examples: every 200-response example and webhook `x-examples` entry becomes a
//! round-trip test, plus a variant with one enum value swapped for an unseen one.

use super::{ident, ty_tokens};
use crate::ir::{Ir, Ty};
use proc_macro2::TokenStream;
use quote::quote;
use std::collections::BTreeMap;

/// Directory (inside the generated crate) holding the example files.
pub const DIR: &str = "spec-examples";

/// The names the test module itself brings into scope: no test may take them.
pub const MODULE_NAMES: &[&str] = &["round_trip", "unknown_enum_round_trip", "types"];

/// Emits the test module and the example files it includes.
pub fn emit(ir: &Ir) -> (TokenStream, BTreeMap<String, String>) {
    let mut files = BTreeMap::new();
    let types = quote!(types::);
    let mut tests = Vec::new();
    for ex in ir.examples.iter().filter(|e| e.ty != Ty::Json) {
        let ty = ty_tokens(&ex.ty, &types);
        let mut push = |name: String, value: &serde_json::Value, check: TokenStream| {
            let file = format!("{DIR}/{name}.json");
            let text = serde_json::to_string_pretty(value).unwrap_or_default() + "\n";
            files.insert(file.clone(), text);
            let path = format!("../{file}");
            let test = ident(&name);
            tests.push(quote! {
                #[test]
                fn #test() {
                    #check::<#ty>(include_str!(#path));
                }
            });
        };
        push(ex.test_name.clone(), &ex.value, quote!(round_trip));
        if let Some(v) = &ex.unknown_variant {
            push(crate::naming::unknown_enum_test_name(&ex.test_name), v, quote!(unknown_enum_round_trip));
        }
    }
    let module = quote! {
        //! Round-trip tests generated from the spec's examples.
        #![allow(unused_imports)]
        use crate::runtime::testing::{round_trip, unknown_enum_round_trip};
        use crate::types;
        #(#tests)*
    };
    (module, files)
}
