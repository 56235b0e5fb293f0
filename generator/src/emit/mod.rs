//! Stage 4: IR to tokens. One emitter per kind of output; none of them sees the spec.

pub mod doc;
pub mod examples;
pub mod operations;
pub mod types;
pub mod webhooks;

use crate::ir::{Field, Ty};
use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;

/// An identifier token. Names come from [`crate::naming`], so they are always valid.
pub fn ident(name: &str) -> Ident {
    Ident::new(name, Span::call_site())
}

/// `#[doc = ...]` attributes for optional prose, with a fallback line.
pub fn doc_attr(doc: Option<&str>, fallback: &str) -> TokenStream {
    let text = doc.map(doc::sanitize).filter(|d| !d.is_empty()).unwrap_or_else(|| fallback.to_string());
    let lines = text.lines().map(|l| format!(" {l}"));
    quote! { #(#[doc = #lines])* }
}

/// Tokens for a type; `path` prefixes generated names (`types::`) outside the types module.
pub fn ty_tokens(ty: &Ty, path: &TokenStream) -> TokenStream {
    match ty {
        Ty::String => quote!(String),
        Ty::Bool => quote!(bool),
        Ty::I32 => quote!(i32),
        Ty::I64 => quote!(i64),
        Ty::F64 => quote!(f64),
        Ty::Date => quote!(::chrono::NaiveDate),
        Ty::DateTime => quote!(::chrono::DateTime<::chrono::Utc>),
        Ty::Json => quote!(::serde_json::Value),
        Ty::Named(n) => {
            let n = ident(n);
            quote!(#path #n)
        }
        Ty::Vec(i) => {
            let i = ty_tokens(i, path);
            quote!(Vec<#i>)
        }
        Ty::Map(i) => {
            let i = ty_tokens(i, path);
            quote!(::std::collections::BTreeMap<String, #i>)
        }
        Ty::Nullable(i) => {
            let i = ty_tokens(i, path);
            quote!(Option<#i>)
        }
    }
}

/// The full Rust type of a field: boxing, then optionality.
pub fn field_type(f: &Field, path: &TokenStream) -> TokenStream {
    let mut t = ty_tokens(&f.ty, path);
    if f.boxed {
        t = quote!(Box<#t>);
    }
    match f.shape().options() {
        0 => t,
        1 => quote!(Option<#t>),
        _ => quote!(Option<Option<#t>>),
    }
}
