//! Stage 4: IR to tokens. One emitter per kind of output; none of them sees the spec. The
//! printer of Rust types ([`ty_tokens`], [`field_type`]) is shared with the diff, which shows
//! types as [`type_text`] prints these tokens.

pub mod alias;
pub mod convert;
pub mod derive_copy;
pub mod doc;
pub mod examples;
pub mod json;
pub mod lib;
pub mod one_of;
pub mod operations;
pub mod setters;
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

/// Whether [`field_type`] is an `Option` on the outside (so a missing key can decode as
/// `None`): the field's shape wraps it, or its type is nullable and not boxed.
pub fn field_type_is_option(f: &Field) -> bool {
    f.shape().options() > 0 || (!f.boxed && matches!(f.ty, Ty::Nullable(_)))
}

/// The full Rust type of a field: boxing, then optionality.
pub fn field_type(f: &Field, path: &TokenStream) -> TokenStream {
    field_wrap(f, ty_tokens(&f.ty, path))
}

/// `inner` wrapped the way `f` wraps its value type: boxing, then the `Option`s of its
/// [`crate::ir::FieldShape`].
pub fn field_wrap(f: &Field, inner: TokenStream) -> TokenStream {
    let mut t = inner;
    if f.boxed {
        t = quote!(Box<#t>);
    }
    match f.shape().options() {
        0 => t,
        1 => quote!(Option<#t>),
        _ => quote!(Option<Option<#t>>),
    }
}

/// A type's tokens as text for reports, in the short form a reader uses: every path is
/// shortened to its last segment (`::chrono::DateTime<::chrono::Utc>` reads
/// `DateTime<Utc>`, `types::Foo` reads `Foo`), with a space after each comma only and no
/// trailing comma, so emitted code and [`ty_tokens`] give the same text.
pub fn type_text(tokens: TokenStream) -> String {
    use proc_macro2::{Spacing, TokenTree};
    let mut out: Vec<String> = Vec::new();
    let mut colon_joint = false;
    // Whether the piece last pushed is a path segment a following `::` would shorten away.
    let mut last_is_segment = false;
    for tt in tokens {
        match tt {
            TokenTree::Punct(p) if p.as_char() == ':' && p.spacing() == Spacing::Joint => colon_joint = true,
            TokenTree::Punct(p) if p.as_char() == ':' && colon_joint => {
                colon_joint = false;
                if last_is_segment {
                    out.pop();
                }
                last_is_segment = false;
            }
            TokenTree::Ident(i) => {
                out.push(i.to_string());
                last_is_segment = true;
            }
            TokenTree::Punct(p) if p.as_char() == ',' => {
                out.push(", ".into());
                last_is_segment = false;
            }
            TokenTree::Group(g) => {
                let (open, close) = match g.delimiter() {
                    proc_macro2::Delimiter::Parenthesis => ("(", ")"),
                    proc_macro2::Delimiter::Bracket => ("[", "]"),
                    proc_macro2::Delimiter::Brace => ("{", "}"),
                    proc_macro2::Delimiter::None => ("", ""),
                };
                out.push(format!("{open}{}{close}", type_text(g.stream())));
                last_is_segment = false;
            }
            other => {
                // A trailing comma (`Option<\n    T,\n>` from a wrapped line) is dropped.
                if other.to_string() == ">" && out.last().is_some_and(|l| l == ", ") {
                    out.pop();
                }
                out.push(other.to_string());
                last_is_segment = false;
            }
        }
    }
    out.concat()
}

/// How reports print a type: the emitter's tokens ([`ty_tokens`]) through [`type_text`].
pub fn ty_text(ty: &Ty) -> String {
    type_text(ty_tokens(ty, &TokenStream::new()))
}

/// How reports print a field's full type: [`field_type`] through [`type_text`].
pub fn field_type_text(f: &Field) -> String {
    type_text(field_type(f, &TokenStream::new()))
}

/// How reports print a field's wrapping with the value type held fixed (`Option<T>`).
pub fn field_wrap_text(f: &Field, inner: &str) -> String {
    let inner = ident(inner);
    type_text(field_wrap(f, quote!(#inner)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::FieldShape;

    fn field(ty: Ty, shape: FieldShape, boxed: bool) -> Field {
        Field { name: "x".into(), wire: "x".into(), ty, shape, boxed, doc: None, deprecated: false, sensitive: false }
    }

    #[test]
    fn type_text_is_the_emitted_type_with_short_paths() {
        let map = Ty::Map(Box::new(Ty::Vec(Box::new(Ty::Nullable(Box::new(Ty::DateTime))))));
        assert_eq!(ty_text(&map), "BTreeMap<String, Vec<Option<DateTime<Utc>>>>");
        assert_eq!(ty_text(&Ty::Json), "Value");
        assert_eq!(ty_text(&Ty::Date), "NaiveDate");
        assert_eq!(type_text(ty_tokens(&Ty::Named("Foo".into()), &quote!(types::))), "Foo");
        let f = field(Ty::Named("Node".into()), FieldShape::OptionalNullable { explicit_null: true }, true);
        assert_eq!(field_type_text(&f), "Option<Option<Box<Node>>>");
        assert_eq!(field_wrap_text(&f, "T"), "Option<Option<Box<T>>>");
        let f = field(Ty::String, FieldShape::OptionalNullable { explicit_null: false }, false);
        assert_eq!(field_type_text(&f), "Option<String>");
        assert_eq!(field_type_text(&field(Ty::I64, FieldShape::Required, false)), "i64");
        let wrapped: syn::Type =
            syn::parse_str("Option<\n    ::std::collections::BTreeMap<String, ::serde_json::Value>,\n>").unwrap();
        assert_eq!(type_text(quote!(#wrapped)), "Option<BTreeMap<String, Value>>");
    }
}
