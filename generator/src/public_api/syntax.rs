//! Reading `syn` items for the listing: attributes, declared names, and items and types
//! printed on one line.

use proc_macro2::TokenStream;
use quote::ToTokens;

pub(super) fn attr_is(attrs: &[syn::Attribute], name: &str, arg: &str) -> bool {
    attrs.iter().any(|a| a.path().is_ident(name) && a.meta.to_token_stream().to_string().contains(arg))
}

/// Left out of the listing: test-only or hidden.
pub(super) fn skipped(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| a.path().is_ident("cfg") && a.meta.to_token_stream().to_string() == "cfg (test)")
        || attr_is(attrs, "doc", "hidden")
}

/// The `feature` conditions of an item, as text (`feature = "test-util"`).
pub(super) fn cfg_of(attrs: &[syn::Attribute]) -> Vec<String> {
    attrs
        .iter()
        .filter(|a| a.path().is_ident("cfg"))
        .filter_map(|a| a.meta.require_list().ok().map(|l| l.tokens.to_string()))
        .collect()
}

pub(super) fn attrs_of(item: &syn::Item) -> &[syn::Attribute] {
    match item {
        syn::Item::Const(i) => &i.attrs,
        syn::Item::Enum(i) => &i.attrs,
        syn::Item::Fn(i) => &i.attrs,
        syn::Item::Impl(i) => &i.attrs,
        syn::Item::Macro(i) => &i.attrs,
        syn::Item::Mod(i) => &i.attrs,
        syn::Item::Static(i) => &i.attrs,
        syn::Item::Struct(i) => &i.attrs,
        syn::Item::Trait(i) => &i.attrs,
        syn::Item::Type(i) => &i.attrs,
        syn::Item::Use(i) => &i.attrs,
        _ => &[],
    }
}

/// The name an item declares (none for impls, uses, macros).
pub(super) fn name_of(item: &syn::Item) -> Option<String> {
    Some(
        match item {
            syn::Item::Const(i) => &i.ident,
            syn::Item::Enum(i) => &i.ident,
            syn::Item::Fn(i) => &i.sig.ident,
            syn::Item::Mod(i) => &i.ident,
            syn::Item::Static(i) => &i.ident,
            syn::Item::Struct(i) => &i.ident,
            syn::Item::Trait(i) => &i.ident,
            syn::Item::Type(i) => &i.ident,
            _ => return None,
        }
        .to_string(),
    )
}

/// One line of Rust, as prettyplease prints `tokens` (an item), with whitespace collapsed.
pub(super) fn one_line(tokens: TokenStream) -> String {
    let text = syn::parse2::<syn::File>(tokens).map(|f| prettyplease::unparse(&f)).unwrap_or_default();
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    text.replace("( ", "(").replace(", )", ")").replace("< ", "<").replace(", >", ">").replace(",)", ")")
}

pub(super) fn ty_text(ty: &TokenStream) -> String {
    let line = one_line(quote::quote!(type __T = #ty;));
    line.trim_start_matches("type __T = ").trim_end_matches(';').to_string()
}

pub(super) fn sig_text(sig: &syn::Signature) -> String {
    one_line(quote::quote!(#sig {})).trim_end_matches("{}").trim_end().to_string()
}

/// The `(path, binding)` leaves of a `use` tree; a glob has the binding `*`.
pub(super) fn use_leaves(tree: &syn::UseTree, prefix: Vec<String>, out: &mut Vec<(Vec<String>, String)>) {
    let with = |s: &syn::Ident| {
        let mut p = prefix.clone();
        p.push(s.to_string());
        p
    };
    match tree {
        syn::UseTree::Path(p) => use_leaves(&p.tree, with(&p.ident), out),
        // `use a::b::{self}` binds `b`.
        syn::UseTree::Name(n) if n.ident == "self" => {
            out.push((with(&n.ident), prefix.last().cloned().unwrap_or_default()))
        }
        syn::UseTree::Name(n) => out.push((with(&n.ident), n.ident.to_string())),
        syn::UseTree::Rename(r) => out.push((with(&r.ident), r.rename.to_string())),
        syn::UseTree::Glob(_) => out.push((prefix, "*".into())),
        syn::UseTree::Group(g) => g.items.iter().for_each(|t| use_leaves(t, prefix.clone(), out)),
    }
}
