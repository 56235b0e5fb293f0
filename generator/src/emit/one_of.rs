//! The code of `one_of_required` groups ([`crate::one_of`]): the enum, its field in a
//! required-fields struct (or `new`'s parameter), and the `new` body that sets the field the
//! value names.

use super::ident;
use crate::ir::{Field, OneOfGroup};
use proc_macro2::TokenStream;
use quote::quote;

/// The enum of a `one_of_required` group: a variant per field.
pub fn enum_def(g: &OneOfGroup) -> TokenStream {
    let here = TokenStream::new();
    let name = ident(&g.name);
    let keys: Vec<String> = g.variants.iter().map(|v| format!("`{}`", v.wire.replace('`', "'"))).collect();
    let users: Vec<String> = g.types.iter().map(|t| format!("[`{t}`]")).collect();
    let rule = format!(
        " At least one of {} must be given: `new` of {} takes one of these, so a value naming none \
         does not compile. To send more than one, give one here and set the others with their setters.",
        keys.join(", "),
        users.join(", ")
    );
    let doc = match &g.doc {
        Some(d) => {
            let d = format!(" {}", super::doc::sanitize(d));
            quote!(#[doc = #d] #[doc = ""] #[doc = #rule])
        }
        None => quote!(#[doc = #rule]),
    };
    let variants = g.variants.iter().map(|v| {
        let vn = ident(&v.name);
        let ty = super::ty_tokens(&v.ty, &here);
        let d = format!(" Sends `{}` (set the others with their setters to send them too).", v.wire.replace('`', "'"));
        quote!(#[doc = #d] #vn(#ty),)
    });
    let debug_arms = g.variants.iter().map(|v| {
        let vn = ident(&v.name);
        let vlabel = v.name.as_str();
        if v.sensitive {
            quote!(Self::#vn(_) => f.debug_tuple(#vlabel).field(&crate::runtime::Redacted).finish(),)
        } else {
            quote!(Self::#vn(v) => f.debug_tuple(#vlabel).field(v).finish(),)
        }
    });
    quote! {
        #doc
        #[derive(Clone, PartialEq)]
        pub enum #name {
            #(#variants)*
        }
        impl ::std::fmt::Debug for #name {
            #[inline]
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                match self {
                    #(#debug_arms)*
                }
            }
        }
    }
}

/// The enum's field in the required-fields struct.
pub fn required_field(g: &OneOfGroup) -> TokenStream {
    let (p, en) = (ident(&g.param), ident(&g.name));
    let d = format!(" Which of the fields [`{}`] names is given (at least one must be).", g.name);
    quote! { #[doc = #d] pub #p: #en, }
}

/// The enum as a parameter of `new` (a struct without a required-fields struct).
pub fn param(g: &OneOfGroup) -> TokenStream {
    let (p, en) = (ident(&g.param), ident(&g.name));
    quote!(#p: #en)
}

/// The body of `new`: `Self { inits }`, then each group's value sets the field it names.
pub fn build(
    fields: &[Field],
    groups: &[&OneOfGroup],
    in_required_struct: bool,
    inits: impl Iterator<Item = TokenStream>,
) -> TokenStream {
    if groups.is_empty() {
        return quote!(Self { #(#inits),* });
    }
    let sets = groups.iter().map(|g| {
        let p = ident(&g.param);
        let value = if in_required_struct { quote!(required.#p) } else { quote!(#p) };
        let en = ident(&g.name);
        let arms = g.variants.iter().map(|v| {
            let (vn, f) = (ident(&v.name), ident(&v.field));
            let options = fields.iter().find(|x| x.name == v.field).map_or(1, |x| x.shape().options());
            let set = if options == 2 { quote!(Some(Some(v))) } else { quote!(Some(v)) };
            quote!(#en::#vn(v) => value.#f = #set,)
        });
        quote! { match #value { #(#arms)* } }
    });
    quote! {{
        let mut value = Self { #(#inits),* };
        #(#sets)*
        value
    }}
}
