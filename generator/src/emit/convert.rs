//! `impl From<from> for into` of a declared conversion ([`crate::convert`]): one expression
//! per target field, from the source field's `Option` levels, the target's, and how the value
//! inside converts.

use super::ident;
use crate::ir::{Conversion, FieldMap, ValueMap};
use proc_macro2::TokenStream;
use quote::quote;

/// The value inside, converted: `x`, `x.into()` or each item `.into()`.
fn value(v: ValueMap, x: TokenStream) -> TokenStream {
    match v {
        ValueMap::Same => x,
        ValueMap::Into => quote!(#x.into()),
        ValueMap::EachInto => quote!(#x.into_iter().map(Into::into).collect()),
    }
}

/// The target field's value, from the source `v`.
fn field(m: &FieldMap) -> TokenStream {
    let Some(from) = &m.from else {
        return quote!(None);
    };
    let src = ident(from);
    let src = quote!(v.#src);
    let x = quote!(__x);
    let inner = value(m.value, x.clone());
    let same = m.value == ValueMap::Same;
    match (m.levels, same) {
        ((0, 0), _) => value(m.value, src),
        ((0, 1), _) => {
            let x = value(m.value, src);
            quote!(Some(#x))
        }
        ((0, _), _) => {
            let x = value(m.value, src);
            quote!(Some(Some(#x)))
        }
        ((1, 1), true) | ((2, 2), true) => src,
        ((1, 1), false) => quote!(#src.map(|#x| #inner)),
        ((1, _), true) => quote!(#src.map(Some)),
        ((1, _), false) => quote!(#src.map(|#x| Some(#inner))),
        ((_, 1), true) => quote!(#src.flatten()),
        ((_, 1), false) => quote!(#src.flatten().map(|#x| #inner)),
        // Both `Option<Option<_>>` (the pass refuses a source with more levels than a
        // required target).
        (_, _) => quote!(#src.map(|__o| __o.map(|#x| #inner))),
    }
}

/// The `From` impl.
pub fn emit(c: &Conversion) -> TokenStream {
    let (from, into) = (ident(&c.from), ident(&c.into));
    let names = c.map.iter().map(|m| ident(&m.into));
    let values = c.map.iter().map(field);
    let d = format!(
        " Field by field, by JSON name (declared in `spec/portion.toml`): a field of [`{}`] that [`{}`] \
         lacks is dropped, one it lacks starts absent, an explicit `null` stays `null` where both fields \
         may be `null`, and is left out where this field cannot hold `null`.",
        c.from, c.into
    );
    quote! {
        impl From<#from> for #into {
            #[doc = #d]
            #[inline]
            fn from(v: #from) -> Self {
                Self { #(#names: #values),* }
            }
        }
    }
}
