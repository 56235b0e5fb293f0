//! The `pub type` aliases of schemas merged into one type (`same_type`), and the line of an
//! enum several schemas share that links them.

use super::ident;
use crate::ir::{Ir, TypeAlias};
use proc_macro2::TokenStream;
use quote::quote;

/// `pub type Name = Target;`. An enum's alias carries its schema's description and what each
/// value means there, and names the other aliases of the same type.
pub fn emit(a: &TypeAlias, ir: &Ir) -> TokenStream {
    let (name, target) = (ident(&a.name), ident(&a.target));
    let mut lines = vec![format!(" The `{}` schema: the same type as [`{}`].", a.origin.replace('`', "'"), a.target)];
    if let Some(doc) = &a.doc {
        lines.push(String::new());
        lines.extend(super::doc::sanitize(doc).lines().map(|l| format!(" {l}")));
        // Every name of the type: the others of the group, and the target when a schema of
        // the group keeps the type's own name.
        let others: Vec<String> = ir
            .aliases
            .iter()
            .filter(|b| b.target == a.target && b.name != a.name)
            .map(|b| b.name.as_str())
            .chain(
                ir.types
                    .get(&a.target)
                    .filter(|t| crate::naming::type_name(&t.origin) == t.name)
                    .map(|t| t.name.as_str()),
            )
            .map(|n| format!("[`{n}`]"))
            .collect();
        lines.push(String::new());
        lines.push(format!(
            " A value of it is a value of {}: a trait implemented for two of these names is implemented twice for [`{}`] (`E0119`), and `use` cannot reach the variants through an alias. Wrap it in a type of your own where you need them apart.",
            if others.is_empty() { format!("[`{}`]", a.target) } else { others.join(", ") },
            a.target
        ));
    }
    quote! { #(#[doc = #lines])* pub type #name = #target; }
}

/// For an enum several schemas share: a doc line linking the aliases that name it (their docs
/// say what each value means for that schema). `None` for any other type.
pub fn enum_doc(name: &str, ir: &Ir) -> Option<TokenStream> {
    let names: Vec<String> =
        ir.aliases.iter().filter(|a| a.target == name).map(|a| format!("[`{}`]", a.name)).collect();
    (!names.is_empty()).then(|| {
        let line = format!(" Its aliases: {}.", names.join(", "));
        quote!(#[doc = ""] #[doc = #line])
    })
}
