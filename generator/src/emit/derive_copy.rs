//! A serde-derive copy of the models, for the differential test only (`tests/serde_differential.rs`,
//! #23 (issue 26)): every struct of the IR again, with `#[derive(Serialize,
//! Deserialize)]` and the serde attributes that say what the written-out impls
//! (`types::emit_serialize`, `types::emit_deserialize`) do by hand. The test decodes each spec
//! example and random bodies of every type with both, and requires byte-identical JSON.
//!
//! Enums and newtypes are not copied: their impls come from the runtime's macros, not from the
//! written-out struct code, so the copy uses the crate's own (`plaid_idv::types::X`). Never part
//! of a generated crate.

use super::{field_type, ident};
use crate::ir::{Ir, Kind};
use proc_macro2::TokenStream;
use quote::quote;

/// One struct of the copy: `#[derive(Serialize, Deserialize)]` (or `Deserialize` only) with the serde attributes that
/// say what the written-out impls do by hand; field types name other types unqualified.
fn derived_struct(name: &proc_macro2::Ident, fields: &[crate::ir::Field], serialize: bool) -> TokenStream {
    let here = TokenStream::new();
    let fields = fields.iter().map(|f| {
        let (n, wire, ty) = (ident(&f.name), &f.wire, field_type(f, &here));
        let attrs = match f.shape().options() {
            _ if !f.shape().may_be_absent() => quote!(#[serde(rename = #wire)]),
            2 => quote!(#[serde(rename = #wire, default, skip_serializing_if = "Option::is_none", deserialize_with = "__double")]),
            _ => quote!(#[serde(rename = #wire, default, skip_serializing_if = "Option::is_none")]),
        };
        quote!(#attrs pub #n: #ty)
    });
    let serialize = serialize.then(|| quote!(::serde::Serialize,));
    quote! {
        #[derive(#serialize ::serde::Deserialize)]
        pub struct #name { #(#fields),* }
    }
}

/// `null` as `Some(None)`, as the written-out impls decode an `Option<Option<T>>` field.
fn double_helper() -> TokenStream {
    quote! {
        /// `null` as `Some(None)`, as the written-out impls decode an `Option<Option<T>>` field.
        fn __double<'de, T: ::serde::Deserialize<'de>, D: ::serde::Deserializer<'de>>(
            d: D,
        ) -> Result<Option<Option<T>>, D::Error> {
            <Option<T> as ::serde::Deserialize>::deserialize(d).map(Some)
        }
    }
}

/// The test kit's `types` module (`testkit/src/types.rs`): every type of the main crate,
/// re-exported, except those only ever sent, which the main crate decodes only with its
/// `deserialize-requests` feature. Those are declared again with serde's derive (the same
/// attributes as [`emit`]'s copy, which `tests/serde_differential.rs` holds to the written-out
/// impls), so the kit's fake can check request bodies without turning that feature on: a
/// feature the kit turned on would compile the main crate twice. A sent-only enum is a string
/// here (the main crate keeps unknown values of every enum, so any string is one).
pub fn emit_kit(ir: &Ir, crate_name: &str) -> TokenStream {
    let krate = ident(&crate_name.replace('-', "_"));
    let mut items = Vec::new();
    for t in ir.types.values() {
        let name = ident(&t.name);
        match &t.kind {
            Kind::Struct { fields, .. } if t.sent_only => {
                items.push(derived_struct(&name, fields, false));
            }
            Kind::Enum { .. } if t.sent_only => items.push(quote! {
                #[derive(::serde::Deserialize)]
                #[serde(transparent)]
                pub struct #name(pub String);
            }),
            _ => items.push(quote!(pub use #krate::types::#name;)),
        }
    }
    for a in &ir.aliases {
        let (name, target) = (ident(&a.name), ident(&a.target));
        let sent_only = ir.types.get(&a.target).is_some_and(|t| t.sent_only);
        items.push(if sent_only { quote!(pub type #name = #target;) } else { quote!(pub use #krate::types::#name;) });
    }
    let double = double_helper();
    quote! {
        //! The main crate's types, with the request types (only ever sent) declared again with a
        //! derived `Deserialize`, so the fake checks what a client sends without the main crate's
        //! `deserialize-requests` feature. Generated from the spec; see the crate documentation.
        #double
        #(#items)*
    }
}

/// The copy as a Rust file: a module body that `include!`s into the test crate.
pub fn emit(ir: &Ir, crate_name: &str) -> String {
    let krate = ident(&crate_name.replace('-', "_"));
    let mut uses = Vec::new();
    let mut structs = Vec::new();
    let mut arms = Vec::new();
    for t in ir.types.values() {
        let name = ident(&t.name);
        let Kind::Struct { fields, .. } = &t.kind else {
            uses.push(quote!(pub use #krate::types::#name;));
            continue;
        };
        structs.push(derived_struct(&name, fields, true));
        let label = &t.name;
        arms.push(quote!(#label => Some(__compare::<#krate::types::#name, #name>(json))));
    }
    for a in &ir.aliases {
        let (name, target) = (ident(&a.name), ident(&a.target));
        let is_struct = ir.types.get(&a.target).is_some_and(|t| matches!(t.kind, Kind::Struct { .. }));
        if is_struct {
            uses.push(quote!(pub type #name = #target;));
            let label = &a.name;
            arms.push(quote!(#label => Some(__compare::<#krate::types::#name, #name>(json))));
        }
        // An alias of an enum or newtype: the copies name the target, so nothing uses it.
    }
    let double = double_helper();
    let file = quote! {
        #(#uses)*

        #double

        #(#structs)*

        /// Decodes `json` as the struct named `name` with both impls and compares: both refuse it,
        /// or both accept it and encode the same bytes. `None` for a name that is not a struct (or
        /// an alias of one).
        pub fn differential(name: &str, json: &str) -> Option<Result<(), String>> {
            match name {
                #(#arms,)*
                _ => None,
            }
        }
    };
    let file: syn::File = match syn::parse2(file) {
        Ok(f) => f,
        Err(e) => return format!("compile_error!({:?});", e.to_string()),
    };
    let mut out = String::from(
        "// @generated by plaid_idv_generator::emit::derive_copy for the differential test. Do not edit:\n\
         // run `UPDATE_DERIVE_COPY=1 cargo test -p plaid-idv-tests --test serde_differential`.\n",
    );
    out.push_str(&prettyplease::unparse(&file));
    out
}
