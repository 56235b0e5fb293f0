//! Models: structs, string enums with an `Unknown` catch-all, and identifier newtypes.

use super::{doc_attr, field_type, ident};
use crate::ir::{Field, FieldShape, Ir, Kind, OneOfGroup, Ty, TypeDef};
use proc_macro2::TokenStream;
use quote::quote;

/// Emits piece `index` of `parts` of the `types` module body. Pieces split at item boundaries,
/// so they can be emitted and formatted in parallel and concatenated in order. The first piece
/// carries the module's inner attributes, the last the response impls.
pub fn emit_part(ir: &Ir, index: usize, parts: usize) -> TokenStream {
    let parts = parts.max(1);
    // Every operation response type tells the client its request_id (or that it has none).
    let responses: std::collections::BTreeSet<&str> = ir
        .operations
        .iter()
        .filter_map(|o| match &o.response {
            Ty::Named(n) => Some(n.as_str()),
            _ => None,
        })
        .collect();
    let last = index + 1 == parts;
    let envelopes: Vec<TokenStream> = responses
        .into_iter()
        .filter(|_| last)
        .filter_map(|n| {
            let t = ir.types.get(n)?;
            let name = ident(&t.name);
            Some(match &t.kind {
                Kind::Struct { request_id_field: Some(f), .. } => {
                    let f = ident(f);
                    quote! { crate::runtime::response_envelope!(#name, #f); }
                }
                _ => quote! { crate::runtime::response_envelope!(#name); },
            })
        })
        .collect();
    let aliases = ir.aliases.iter().filter(|_| last).map(|a| super::alias::emit(a, ir));
    let conversions = ir.conversions.iter().filter(|_| last).map(|c| {
        let (from, into) = (ident(&c.from), ident(&c.into));
        if !c.map.is_empty() {
            return super::convert::emit(c);
        }
        let fields: Vec<_> = c.fields.iter().map(|f| ident(f)).collect();
        let d = format!(" Keeps the fields that [`{}`] has (dropping the rest).", c.into);
        quote! {
            impl From<#from> for #into {
                #[doc = #d]
                #[inline]
                fn from(v: #from) -> Self {
                    Self { #(#fields: v.#fields),* }
                }
            }
        }
    });
    let one_of = ir.one_of.iter().filter(|_| last).map(super::one_of::enum_def);
    let defs: Vec<&TypeDef> = ir.types.values().collect();
    let per = defs.len().div_ceil(parts).max(1);
    let items = defs.chunks(per).nth(index).unwrap_or_default().iter().map(|t| emit_type(t, ir));
    let head = (index == 0).then(|| {
        quote! {
            #![allow(deprecated)]
            //! Every model of the portion, one Rust type per schema.
            // The helpers of the written-out `Serialize` and `Deserialize` impls.
            #[allow(unused_imports)]
            use crate::runtime::macros as de;
        }
    });
    quote! { #head #(#items)* #(#envelopes)* #(#aliases)* #(#conversions)* #(#one_of)* }
}

fn emit_type(t: &TypeDef, ir: &Ir) -> TokenStream {
    let name = ident(&t.name);
    let doc =
        doc_attr(t.doc.as_deref(), &format!("The `{}` schema.", t.origin.rsplit('/').next().unwrap_or(&t.origin)));
    let deprecated = t.deprecated.then(|| quote!(#[deprecated]));
    match &t.kind {
        Kind::Struct { fields, request, required_struct, .. } => {
            let groups: Vec<&OneOfGroup> = ir.one_of_for(&t.name).collect();
            emit_struct(&name, doc, deprecated, fields, *request, required_struct.as_deref(), t.sent_only, &groups, ir)
        }
        Kind::Enum { variants } => {
            // Only ever sent: Deserialize with `deserialize-requests` only.
            let enum_macro = if t.sent_only {
                quote!(crate::runtime::string_enum!(#name, sent_only);)
            } else {
                quote!(crate::runtime::string_enum!(#name);)
            };
            let vnames: Vec<_> = variants.iter().map(|v| ident(&v.name)).collect();
            let wires: Vec<&str> = variants.iter().map(|v| v.wire.as_str()).collect();
            let vlabels: Vec<&str> = variants.iter().map(|v| v.name.as_str()).collect();
            let vdocs = variants.iter().map(|v| {
                let wire = match v.wire.as_str() {
                    "" => "The empty string".to_string(),
                    w => format!("`{}`", w.replace('`', "'")),
                };
                match (&v.doc, v.wire.is_empty()) {
                    (Some(d), _) => format!(" {wire}: {}", super::doc::sanitize(d)),
                    (None, true) => format!(" {wire}."),
                    (None, false) => format!(" {wire}"),
                }
            });
            let alias_doc = super::alias::enum_doc(&t.name, ir);
            let self_named = crate::naming::has_self_named_constructor(&t.name, ["from_wire"].into_iter())
                .then(|| quote!(#[allow(clippy::self_named_constructors)]));
            quote! {
                #doc
                #alias_doc
                #deprecated
                #[derive(Clone)]
                #[non_exhaustive]
                pub enum #name {
                    #( #[doc = #vdocs] #vnames, )*
                    /// A value this version of the crate does not know, kept verbatim.
                    Unknown(String),
                }
                impl ::std::fmt::Debug for #name {
                    #[inline]
                    fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                        match self {
                            #( Self::#vnames => f.write_str(#vlabels), )*
                            Self::Unknown(s) => f.debug_tuple("Unknown").field(s).finish(),
                        }
                    }
                }
                #self_named
                impl #name {
                    /// The value as sent on the wire.
                    #[inline]
                    pub fn as_str(&self) -> &str {
                        match self {
                            #( Self::#vnames => #wires, )*
                            Self::Unknown(s) => s,
                        }
                    }
                    /// Parses a wire value; values not listed in the spec become `Unknown`.
                    #[inline]
                    pub fn from_wire(s: &str) -> Self {
                        match s {
                            #( #wires => Self::#vnames, )*
                            _ => Self::Unknown(s.to_owned()),
                        }
                    }
                }
                #enum_macro
            }
        }
        Kind::Newtype { inner } => {
            let (inner_t, mac) = match inner {
                Ty::I64 => (quote!(i64), quote!(crate::runtime::id_newtype!(#name, i64);)),
                _ => (quote!(String), quote!(crate::runtime::id_newtype!(#name, String);)),
            };
            quote! {
                #doc
                #deprecated
                #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, ::serde::Serialize, ::serde::Deserialize)]
                #[serde(transparent)]
                pub struct #name(pub #inner_t);
                #mac
            }
        }
    }
}

/// Doc for a field the spec does not describe: name it, and link its type when that is a
/// generated type (whose own docs say what it is).
fn field_fallback(f: &Field) -> String {
    let mut ty = &f.ty;
    while let Ty::Vec(i) | Ty::Map(i) | Ty::Nullable(i) = ty {
        ty = i;
    }
    let wire = f.wire.replace('`', "'");
    match ty {
        Ty::Named(n) => format!("The `{wire}` field; see [`{n}`]."),
        _ => format!("The `{wire}` field."),
    }
}

// The struct, its flags, and the `one_of_required` groups it takes: one call site.
#[allow(clippy::too_many_arguments)]
fn emit_struct(
    name: &proc_macro2::Ident,
    doc: TokenStream,
    deprecated: Option<TokenStream>,
    fields: &[Field],
    request: bool,
    required_struct: Option<&str>,
    sent_only: bool,
    groups: &[&OneOfGroup],
    ir: &Ir,
) -> TokenStream {
    let here = TokenStream::new();
    // A `one_of_required` enum is one more required value: no `Default`.
    let all_optional = fields.iter().all(|f| f.shape().may_be_absent()) && groups.is_empty();
    let defs = fields.iter().map(|f| {
        let fname = ident(&f.name);
        let ty = field_type(f, &here);
        let fdoc = doc_attr(f.doc.as_deref(), &field_fallback(f));
        // Declared sensitive in the portion: say so where the value is read.
        let sensitive = f.sensitive.then(|| {
            quote! {
                #[doc = ""]
                #[doc = " **May hold personal data or user input**: `Debug` prints `<redacted>` for it; read it only where such data may go."]
            }
        });
        let dep = f.deprecated.then(|| quote!(#[deprecated]));
        quote! { #fdoc #sensitive #dep pub #fname: #ty, }
    });
    let required: Vec<&Field> = fields.iter().filter(|f| !f.shape().may_be_absent()).collect();
    let inits = fields.iter().map(|f| {
        let n = ident(&f.name);
        if f.shape().may_be_absent() {
            quote!(#n: None)
        } else if required_struct.is_some() {
            quote!(#n: required.#n)
        } else {
            quote!(#n: #n.into())
        }
    });
    // Each `one_of_required` enum sets the one field it names.
    let build = super::one_of::build(fields, groups, required_struct.is_some(), inits);
    // Two or more required fields: `new` takes them by name, in a struct of their own.
    let (constructor, required_def) = match required_struct {
        Some(req_name) => {
            let req = ident(req_name);
            let rdefs = required.iter().map(|f| {
                let fname = ident(&f.name);
                let ty = field_type(f, &here);
                let fdoc = doc_attr(f.doc.as_deref(), &field_fallback(f));
                let dep = f.deprecated.then(|| quote!(#[deprecated]));
                quote! { #fdoc #dep pub #fname: #ty, }
            });
            let gdefs = groups.iter().map(|g| super::one_of::required_field(g));
            let rdoc = format!(
                " The required fields of [`{name}`], by name: `{name}::new({req_name} {{ .. }})`. A field \
                 left out is a compile error, and the order of the fields does not matter."
            );
            let cdoc = format!(" Creates a value from its required fields, given by name in a [`{req_name}`]; optional fields start empty.");
            // Its `Debug` redacts what the struct's own does.
            let req_debug = emit_debug(&req, required.iter().copied(), groups);
            (
                quote! {
                    #[doc = #cdoc]
                    #[inline]
                    pub fn new(required: #req) -> Self {
                        #build
                    }
                },
                quote! {
                    #[doc = #rdoc]
                    #[derive(Clone, PartialEq)]
                    pub struct #req {
                        #(#rdefs)*
                        #(#gdefs)*
                    }
                    #req_debug
                    impl From<#req> for #name {
                        #[inline]
                        fn from(required: #req) -> Self {
                            Self::new(required)
                        }
                    }
                },
            )
        }
        None => {
            let params = required
                .iter()
                .map(|f| {
                    let n = ident(&f.name);
                    let t = field_type(f, &here);
                    quote!(#n: impl Into<#t>)
                })
                .chain(groups.iter().map(|g| super::one_of::param(g)));
            (
                quote! {
                    /// Creates a value from its required fields; optional fields start empty.
                    #[inline]
                    pub fn new(#(#params),*) -> Self {
                        #build
                    }
                },
                quote!(),
            )
        }
    };
    let default = all_optional.then(|| quote!(Default,));
    // `Debug` is written out (what the derive prints, with `<redacted>` for sensitive fields)
    // and `#[inline]`, so it is compiled only where it is used (issue #14).
    let debug_impl = emit_debug(name, fields.iter(), &[]);
    // `with_x`, `set_x`, and for `Option<Option<T>>` fields `with_x_null`, `x` and `x_is_null`.
    let (setters, setter_names) = super::setters::emit(fields, request);
    let self_named = crate::naming::has_self_named_constructor(
        &name.to_string(),
        std::iter::once("new").chain(setter_names.iter().map(String::as_str)),
    )
    .then(|| quote!(#[allow(clippy::self_named_constructors)]));
    let serialize = emit_serialize(name, fields, ir);
    let to_json = super::json::emit_to_json(name, fields);
    // A type that is only ever sent needs no Deserialize (a large share of the build time);
    // feature `deserialize-requests` adds it (the test kit reads requests with its own derived
    // copies, `emit::derive_copy::emit_kit`, so that it never turns the feature on).
    let deserialize = emit_deserialize(name, fields, sent_only);
    let wire_fields: Vec<&str> = fields.iter().map(|f| f.wire.as_str()).collect();
    let wire_const = request.then(|| {
        quote! {
            /// The JSON keys this request type can send, in spec order.
            pub const WIRE_FIELDS: &'static [&'static str] = &[#(#wire_fields),*];
        }
    });
    quote! {
        #doc
        #deprecated
        #[derive(Clone, PartialEq, #default)]
        #[non_exhaustive]
        pub struct #name {
            #(#defs)*
        }
        #serialize
        #to_json
        #deserialize
        #debug_impl
        #self_named
        impl #name {
            #wire_const
            #constructor
            #setters
        }
        #required_def
    }
}

/// `Debug` for a struct, written out: what the derive prints, with `<redacted>` for sensitive
/// fields, then the `one_of_required` groups' fields (their enums' `Debug` redact on their own).
fn emit_debug<'f>(
    name: &proc_macro2::Ident,
    fields: impl Iterator<Item = &'f Field>,
    groups: &[&OneOfGroup],
) -> TokenStream {
    let label = name.to_string();
    let entries = fields.map(|f| {
        let n = ident(&f.name);
        let key = &f.name;
        if f.sensitive {
            quote!(.field(#key, &crate::runtime::Redacted))
        } else {
            quote!(.field(#key, &self.#n))
        }
    });
    let group_entries = groups.iter().map(|g| {
        let n = ident(&g.param);
        let key = &g.param;
        quote!(.field(#key, &self.#n))
    });
    let entries = entries.chain(group_entries);
    quote! {
        impl ::std::fmt::Debug for #name {
            #[inline]
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.debug_struct(#label) #(#entries)* .finish()
            }
        }
    }
}

/// `Serialize` for a struct, written out instead of derived: the impl lists the fields (wire
/// name and value) and one shared routine, `de::write`, serializes them as serde's derive
/// would. serde's derive writes that generic routine once per struct, a large share of the
/// crate's type-checking (issue #14). A leaf field (text, a number, a boolean, a date, an
/// identifier or a string enum) is a `de::Leaf`, written by direct calls; any other value is
/// written by its own `Serialize` for the same serializer, behind one indirect call (issue #23:
/// type-erasing the serializer cost a few dynamic calls per value). A field that may be
/// absent is left out when `None`; `Some(None)` is written as `null` (reading it back is in
/// `emit_deserialize`).
fn emit_serialize(name: &proc_macro2::Ident, fields: &[Field], ir: &Ir) -> TokenStream {
    let label = name.to_string();
    let entries = fields.iter().map(|f| {
        let (n, wire) = (ident(&f.name), &f.wire);
        let shape = f.shape();
        if is_leaf(&f.ty, ir) && !f.boxed && shape.options() < 2 {
            return match shape {
                FieldShape::Required => quote!((#wire, de::Field::leaf(&self.#n))),
                s if s.may_be_absent() => quote!((#wire, de::Field::skip_or(&self.#n))),
                _ => quote!((#wire, de::Field::null_or(&self.#n))),
            };
        }
        if shape.may_be_absent() {
            quote!((#wire, de::Field::skip(&self.#n)))
        } else {
            quote!((#wire, de::Field::Always(&self.#n)))
        }
    });
    quote! {
        impl ::serde::Serialize for #name {
            fn serialize<__S: ::serde::Serializer>(&self, s: __S) -> Result<__S::Ok, __S::Error> {
                de::write(s, #label, &[#(#entries),*])
            }
        }
    }
}

/// A type whose values serde writes with one call (the runtime's `AsLeaf` types).
fn is_leaf(ty: &Ty, ir: &Ir) -> bool {
    match ty {
        Ty::String | Ty::Bool | Ty::I32 | Ty::I64 | Ty::F64 | Ty::Date | Ty::DateTime => true,
        Ty::Named(n) => ir.types.get(n).is_some_and(|t| matches!(t.kind, Kind::Enum { .. } | Kind::Newtype { .. })),
        _ => false,
    }
}

/// `Deserialize` for a struct, written out instead of derived: it reads JSON objects only
/// (serde's derive also writes a sequence visitor and a field-identifier enum with three
/// visitors per struct, which cost build time and which JSON never needs). Keys are matched as
/// text through one shared `Key` type; unknown keys are skipped; a duplicate key and a missing
/// required field are errors with serde's own messages. A field that may be absent decodes a
/// missing key as `None`; an `Option<Option<T>>` field decodes `null` as `Some(None)`. The
/// slots are one tuple, so that every early return drops one local. Timestamps and dates read
/// their common form without chrono's parser (`read_fast`, issue #23).
fn emit_deserialize(name: &proc_macro2::Ident, fields: &[Field], sent_only: bool) -> TokenStream {
    let here = TokenStream::new();
    let de = quote!(de);
    // The slot holds what a key's value decodes to: the field's own type for `Option<Option<T>>`
    // (a `null` is `Some(None)`), `Option<field type>` otherwise; absent stays `None`.
    let slot_tys = fields.iter().map(|f| {
        let t = field_type(f, &here);
        if f.shape().options() == 2 {
            t
        } else {
            quote!(Option<#t>)
        }
    });
    let nones = fields.iter().map(|_| quote!(None));
    let index = |i: usize| proc_macro2::Literal::usize_unsuffixed(i);
    let arms = fields.iter().enumerate().map(|(i, f)| {
        let wire = &f.wire;
        let i = index(i);
        let read = if matches!(f.ty, Ty::Date | Ty::DateTime) && !f.boxed { quote!(read_fast) } else { quote!(read) };
        quote!(#wire => #de::#read(&mut map, &mut s.#i, #wire),)
    });
    let inits = fields.iter().enumerate().map(|(i, f)| {
        let n = ident(&f.name);
        let wire = &f.wire;
        let i = index(i);
        match f.shape().options() {
            2 => quote!(#n: s.#i),
            _ if super::field_type_is_option(f) => quote!(#n: s.#i.flatten()),
            _ => quote!(#n: match s.#i {
                Some(v) => v,
                None => return Err(<__A::Error as ::serde::de::Error>::missing_field(#wire)),
            }),
        }
    });
    let body = if fields.is_empty() {
        quote! {
            while map.next_key::<#de::Key<'de>>()?.is_some() {
                #de::skip(&mut map)?;
            }
            Ok(#name {})
        }
    } else {
        quote! {
            let mut s: (#(#slot_tys,)*) = (#(#nones,)*);
            while let Some(key) = map.next_key::<#de::Key<'de>>()? {
                // One `?` for every arm: one error path per struct.
                match key.as_str() {
                    #(#arms)*
                    _ => #de::skip(&mut map),
                }?;
            }
            Ok(#name { #(#inits),* })
        }
    };
    let expecting = format!("struct {name}");
    let gate = sent_only.then(|| quote!(#[cfg(feature = "deserialize-requests")]));
    quote! {
        #gate
        impl<'de> ::serde::Deserialize<'de> for #name {
            fn deserialize<__D: ::serde::Deserializer<'de>>(d: __D) -> Result<Self, __D::Error> {
                struct __Visitor;
                impl<'de> ::serde::de::Visitor<'de> for __Visitor {
                    type Value = #name;
                    fn expecting(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                        f.write_str(#expecting)
                    }
                    // The slots tuple lists every field's type.
                    #[allow(clippy::type_complexity)]
                    fn visit_map<__A: ::serde::de::MapAccess<'de>>(self, mut map: __A) -> Result<#name, __A::Error> {
                        #body
                    }
                }
                d.deserialize_map(__Visitor)
            }
        }
    }
}
