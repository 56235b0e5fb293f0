//! The accessors of a request type's optional fields, in the style of aws-sdk-rust's builders:
//! `with_x(impl Into<T>)` sets a value, `set_x(Option<T>)` sets or clears one (`None` leaves
//! the key out), and for an optional nullable field (`Option<Option<T>>`) `with_x_null()`
//! sends an explicit `null`, `x()` reads the value (`&str` for a `String`, a copy for a number
//! or `bool`, `&T` otherwise) and `x_is_null()` tells `null` from absent.
//!
//! The names are handed out per struct by one [`Namer`]: the `with_*` setters first (their
//! names never change), then `set_*`, then `with_*_null`, then the getters and `*_is_null`, so a
//! field whose own name is another field's accessor (`a_null` beside a nullable `a`) moves the
//! later one on (`with_a_null2`), never the earlier. The contract reads the same names
//! ([`accessors`]), so a runtime call of any of them counts as a use of the field.

use super::{ident, ty_tokens};
use crate::ir::Field;
use crate::naming::{method_name, setter_name, Namer};
use proc_macro2::TokenStream;
use quote::quote;

/// Names a getter may not take: constructors, and the methods of std and serde traits the
/// types implement or users call (an inherent `eq(&self)` or `serialize(&self)` would shadow
/// the trait method; clippy's `should_implement_trait` refuses `as_ref`, `borrow`, `clone`,
/// `deref`).
const AVOID: &[&str] = &[
    "new",
    "default",
    "as_ref",
    "as_mut",
    "borrow",
    "borrow_mut",
    "clone",
    "clone_from",
    "deref",
    "deref_mut",
    "eq",
    "ne",
    "cmp",
    "partial_cmp",
    "hash",
    "fmt",
    "into",
    "try_into",
    "to_owned",
    "to_string",
    "type_id",
    "serialize",
    "deserialize",
    "into_iter",
    "next",
    "from_str",
];

/// The accessor names of one optional field of a request type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accessors {
    /// The field's Rust name.
    pub field: String,
    /// `with_x(impl Into<T>)`: sets a value.
    pub with: String,
    /// `set_x(Option<T>)`: sets a value, or leaves the key out.
    pub set: String,
    /// `with_x_null()`: an explicit `null` (`Option<Option<T>>` fields only).
    pub null: Option<String>,
    /// `x(&self) -> Option<&T>` (`Option<Option<T>>` fields only).
    pub get: Option<String>,
    /// `x_is_null(&self) -> bool` (`Option<Option<T>>` fields only).
    pub is_null: Option<String>,
}

impl Accessors {
    /// Every method name of the field.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        [Some(&self.with), Some(&self.set), self.null.as_ref(), self.get.as_ref(), self.is_null.as_ref()]
            .into_iter()
            .flatten()
            .map(String::as_str)
    }
}

/// The accessors of a struct's fields: one entry per optional field of a request type, none
/// otherwise.
pub fn accessors(fields: &[Field], request: bool) -> Vec<Accessors> {
    let optional: Vec<&Field> = fields.iter().filter(|f| request && f.shape().may_be_absent()).collect();
    let withs: Vec<String> = optional.iter().map(|f| setter_name(&f.name)).collect();
    let mut namer = Namer::with_reserved(AVOID);
    for w in &withs {
        namer.claim(w);
    }
    let base = |f: &Field| f.name.trim_end_matches('_').to_string();
    let nullable = |f: &Field| f.shape().options() == 2;
    let sets: Vec<String> = optional.iter().map(|f| namer.claim(&method_name(format!("set_{}", base(f))))).collect();
    let nulls: Vec<Option<String>> = optional
        .iter()
        .map(|f| nullable(f).then(|| namer.claim(&method_name(format!("with_{}_null", base(f))))))
        .collect();
    let gets: Vec<Option<String>> = optional
        .iter()
        .map(|f| {
            nullable(f).then(|| {
                // `from_*` and `into_*` must not take `&self` (clippy's `wrong_self_convention`).
                let plain = !(f.name.starts_with("from_") || f.name.starts_with("into_"));
                let name = if plain { f.name.clone() } else { method_name(format!("get_{}", f.name)) };
                namer.claim(&name)
            })
        })
        .collect();
    let is_nulls: Vec<Option<String>> = optional
        .iter()
        .map(|f| nullable(f).then(|| namer.claim(&method_name(format!("{}_is_null", base(f))))))
        .collect();
    optional
        .iter()
        .enumerate()
        .map(|(i, f)| Accessors {
            field: f.name.clone(),
            with: withs[i].clone(),
            set: sets[i].clone(),
            null: nulls[i].clone(),
            get: gets[i].clone(),
            is_null: is_nulls[i].clone(),
        })
        .collect()
}

/// The accessor methods of a request type, and the names of those that return `Self` (for
/// clippy's `self_named_constructors` check).
pub fn emit(fields: &[Field], request: bool) -> (TokenStream, Vec<String>) {
    let here = TokenStream::new();
    let accs = accessors(fields, request);
    let mut returns_self = Vec::new();
    let methods = accs.iter().filter_map(|a| {
        let f = fields.iter().find(|f| f.name == a.field)?;
        let n = ident(&f.name);
        let ty = ty_tokens(&f.ty, &here);
        let inner = if f.boxed { quote!(Box<#ty>) } else { ty.clone() };
        let wire = f.wire.replace('`', "'");
        let (with, set) = (ident(&a.with), ident(&a.set));
        returns_self.extend([a.with.clone(), a.set.clone()]);
        let with_doc = format!(" Sets `{wire}` to a value.");
        let Some(((null, get), is_null)) = a.null.as_ref().zip(a.get.as_ref()).zip(a.is_null.as_ref()) else {
            let set_doc = format!(" Sets `{wire}`, or with `None` leaves it out of the request.");
            return Some(quote! {
                #[doc = #with_doc]
                pub fn #with(mut self, value: impl Into<#inner>) -> Self { self.#n = Some(value.into()); self }
                #[doc = #set_doc]
                #[inline]
                pub fn #set(mut self, value: Option<#inner>) -> Self { self.#n = value; self }
            });
        };
        returns_self.push(null.clone());
        let (null, get, is_null) = (ident(null), ident(get), ident(is_null));
        let set_doc = format!(
            " Sets `{wire}`, or with `None` leaves it out of the request (never `null`: that is [`Self::{null}`])."
        );
        let null_doc = format!(" Sends `{wire}` as an explicit JSON `null`.");
        let get_doc = format!(
            " `{wire}` when it holds a value; `None` when it is left out or `null` ([`Self::{is_null}`] tells which)."
        );
        let is_null_doc = format!(" Whether `{wire}` is sent as an explicit `null`.");
        // A `String` reads as `&str`, a `Box<T>` as `&T`, a number or `bool` by value.
        use crate::ir::Ty;
        let (read, out) = match (&f.ty, f.boxed) {
            (_, true) => (quote!(self.#n.as_ref().and_then(|v| v.as_deref())), quote!(Option<&#ty>)),
            (Ty::String, false) => (quote!(self.#n.as_ref().and_then(|v| v.as_deref())), quote!(Option<&str>)),
            (Ty::Bool | Ty::I32 | Ty::I64 | Ty::F64, false) => (quote!(self.#n.flatten()), quote!(Option<#ty>)),
            _ => (quote!(self.#n.as_ref().and_then(Option::as_ref)), quote!(Option<&#ty>)),
        };
        Some(quote! {
            #[doc = #with_doc]
            pub fn #with(mut self, value: impl Into<#inner>) -> Self { self.#n = Some(Some(value.into())); self }
            #[doc = #set_doc]
            #[inline]
            pub fn #set(mut self, value: Option<#inner>) -> Self { self.#n = value.map(Some); self }
            #[doc = #null_doc]
            #[inline]
            pub fn #null(mut self) -> Self { self.#n = Some(None); self }
            #[doc = #get_doc]
            #[inline]
            pub fn #get(&self) -> #out { #read }
            #[doc = #is_null_doc]
            #[inline]
            pub fn #is_null(&self) -> bool { matches!(self.#n, Some(None)) }
        })
    });
    let methods: Vec<TokenStream> = methods.collect();
    (quote!(#(#methods)*), returns_self)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::{FieldShape, Ty};

    fn field(name: &str, shape: FieldShape) -> Field {
        Field {
            name: name.into(),
            wire: name.into(),
            ty: Ty::String,
            shape,
            boxed: false,
            doc: None,
            deprecated: false,
            sensitive: false,
        }
    }

    #[test]
    fn accessor_names_never_collide_and_with_setters_keep_their_names() {
        let nullable = FieldShape::OptionalNullable { explicit_null: true };
        let fields = [
            field("a", nullable),
            field("a_null", FieldShape::Optional),
            field("from_x", nullable),
            field("clone", nullable),
            field("with_b", nullable),
            field("b", FieldShape::Optional),
            field("type_", nullable),
            field("r", FieldShape::Required),
        ];
        let accs = accessors(&fields, true);
        assert_eq!(accs.len(), 7, "one entry per optional field");
        let a = &accs[0];
        assert_eq!((a.with.as_str(), a.set.as_str()), ("with_a", "set_a"));
        // `with_a_null` is the `with_*` setter of `a_null`: the later name moves on.
        assert_eq!(a.null.as_deref(), Some("with_a_null2"));
        assert_eq!((a.get.as_deref(), a.is_null.as_deref()), (Some("a"), Some("a_is_null")));
        assert_eq!(accs[1].with, "with_a_null");
        assert_eq!(accs[1].null, None);
        assert_eq!(accs[2].get.as_deref(), Some("get_from_x"));
        assert_eq!(accs[3].get.as_deref(), Some("clone2"));
        // The getter of `with_b` would be `b`'s setter.
        assert_eq!(accs[4].get.as_deref(), Some("with_b2"));
        assert_eq!((accs[6].with.as_str(), accs[6].get.as_deref()), ("with_type", Some("type_")));
        let mut all: Vec<&str> = accs.iter().flat_map(Accessors::names).collect();
        let n = all.len();
        all.sort_unstable();
        all.dedup();
        assert_eq!(all.len(), n, "every name once");
        assert!(accessors(&fields, false).is_empty(), "response types get none");
    }
}
