//! The runtime contract: what each optional part of the generated crate needs from the code
//! generated for a portion, and the check of those needs against the final IR.
//!
//! The optional parts are the IDV flow helpers (`flow.rs`, with the core runtime's doc examples
//! that call IDV operations), the webhook verifier (`runtime/verify.rs`, which fetches keys),
//! the crate README (whose examples are doctests), and the fake (the test kit crate's
//! `FakePlaid` and its examples). Their needs are
//! written down once, in `generator/runtime/contract.toml`: types with the fields (and their
//! Rust types) and variants the runtime uses, constructors, operations with their request and
//! response types, and webhook variants with their body fields. A test derives the same needs
//! from the runtime's own source with `syn` ([`uses`], `derive`) over our spec's IR, and fails
//! (printing the table it expects) when the file and the source disagree, so the table cannot
//! drift from the code.
//!
//! `gen` checks every module's needs against the final IR ([`check`]). A module whose needs are
//! not met is left out, with a warning naming the module, the missing or mistyped item and its
//! JSON pointer; a module that `spec/portion.toml` lists in `require` is an error instead. No
//! run emits a module that cannot compile.

mod derive;
pub mod uses;

pub use derive::{derive, derive_example, module_uses};

use crate::emit::field_type_text;
use crate::error::{join, GenError, Result};
use crate::ir::{Ir, Kind, TypeDef};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// The contract file, as written in `generator/runtime/contract.toml`.
pub const CONTRACT_TOML: &str = include_str!("../../runtime/contract.toml");

/// The optional modules, in dependency order.
pub const MODULES: &[&str] = &["flow", "verify", "inbox", "readme", "fake"];

/// What one optional module needs.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Needs {
    /// Modules that must be present too.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub requires: Vec<String>,
    /// Operations by method name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub operations: BTreeMap<String, OpNeed>,
    /// `Webhook` variants, with the fields of their bodies (field → Rust type).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub webhooks: BTreeMap<String, BTreeMap<String, String>>,
    /// Types by Rust name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub types: BTreeMap<String, TypeNeed>,
    /// `From` conversions between generated types (`"A into B"`), for README examples: a
    /// declared `[[convert]]` that a spec's shapes do not allow is skipped, and an example
    /// that relies on it must not be compiled ([`derive_example`]).
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub converts: BTreeSet<String>,
}

/// An operation: its request type (`""` for none) and response type, as the emitter prints them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OpNeed {
    /// Request type.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub request: String,
    /// Response type.
    pub response: String,
}

/// A type and what of it is used.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TypeNeed {
    /// `struct`, `enum` or `newtype`.
    pub kind: String,
    /// Struct fields used: name → full Rust type.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub fields: BTreeMap<String, String>,
    /// A request type (it has `WIRE_FIELDS` and setters).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub request: bool,
    /// `new` is called: exactly these fields are the required ones it takes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new: Option<Vec<String>>,
    /// The struct of required fields is named (`XRequired`): its name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub required_struct: Option<String>,
    /// Enum variants used.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub variants: Vec<String>,
    /// A newtype's wrapped type.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub inner: String,
}

/// Reads the contract file.
pub fn contract() -> Result<BTreeMap<String, Needs>> {
    toml::from_str(CONTRACT_TOML)
        .map_err(|e| GenError::at("generator/runtime/contract.toml", format!("internal error: {}", e.message())))
}

/// A need that the IR does not meet: where, and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unmet {
    /// The module left out.
    pub module: String,
    /// JSON pointer of the item (or of where it would be).
    pub pointer: String,
    /// What is missing or mistyped.
    pub what: String,
}

impl Unmet {
    /// The warning `gen` prints when it leaves the module out.
    pub fn warning(&self) -> String {
        match self.module.strip_prefix(README_EXAMPLE) {
            Some(n) => format!("{}: README example {n} is not compiled: {}", self.pointer, self.what),
            None => format!(
                "{}: the `{}` module is left out of the generated crate: {}",
                self.pointer, self.module, self.what
            ),
        }
    }
}

/// Where a type came from, as a pointer.
fn type_ptr(t: &TypeDef) -> String {
    if t.origin.starts_with("#/") {
        t.origin.clone()
    } else {
        join("#/components/schemas", &t.origin)
    }
}

fn kind_name(k: &Kind) -> &'static str {
    match k {
        Kind::Struct { .. } => "struct",
        Kind::Enum { .. } => "enum",
        Kind::Newtype { .. } => "newtype",
    }
}

/// The first need of `needs` that `ir` does not meet, if any.
pub fn first_unmet(ir: &Ir, module: &str, needs: &Needs) -> Option<Unmet> {
    all_unmet(ir, module, needs).into_iter().next()
}

/// Every need of `needs` that `ir` does not meet (one per item), in the contract's order.
pub fn all_unmet(ir: &Ir, module: &str, needs: &Needs) -> Vec<Unmet> {
    let mut out = Vec::new();
    for (method, need) in &needs.operations {
        let one = Needs { operations: BTreeMap::from([(method.clone(), need.clone())]), ..Needs::default() };
        out.extend(unmet_one(ir, module, &one));
    }
    for (variant, fields) in &needs.webhooks {
        for (f, t) in fields {
            let one = Needs {
                webhooks: BTreeMap::from([(variant.clone(), BTreeMap::from([(f.clone(), t.clone())]))]),
                ..Needs::default()
            };
            out.extend(unmet_one(ir, module, &one));
        }
        let bare = Needs { webhooks: BTreeMap::from([(variant.clone(), BTreeMap::new())]), ..Needs::default() };
        out.extend(unmet_one(ir, module, &bare));
    }
    for c in &needs.converts {
        let one = Needs { converts: BTreeSet::from([c.clone()]), ..Needs::default() };
        out.extend(unmet_one(ir, module, &one));
    }
    for (name, need) in &needs.types {
        let bare = TypeNeed { fields: BTreeMap::new(), ..need.clone() };
        out.extend(unmet_one(ir, module, &Needs { types: BTreeMap::from([(name.clone(), bare)]), ..Needs::default() }));
        for (f, t) in &need.fields {
            let one = TypeNeed {
                kind: need.kind.clone(),
                fields: BTreeMap::from([(f.clone(), t.clone())]),
                ..TypeNeed::default()
            };
            out.extend(unmet_one(
                ir,
                module,
                &Needs { types: BTreeMap::from([(name.clone(), one)]), ..Needs::default() },
            ));
        }
    }
    out.dedup();
    out
}

fn unmet_one(ir: &Ir, module: &str, needs: &Needs) -> Option<Unmet> {
    let unmet = |pointer: String, what: String| Some(Unmet { module: module.to_string(), pointer, what });
    for (method, need) in &needs.operations {
        let Some(op) = ir.operations.iter().find(|o| &o.method_name == method) else {
            return unmet(
                "#/paths".into(),
                format!("it calls the operation method `{method}`, which this portion does not have"),
            );
        };
        let ptr = join(&join("#/paths", &op.path), &op.http_method.to_lowercase());
        let request = op.request.as_ref().map(crate::emit::ty_text).unwrap_or_default();
        let response = crate::emit::ty_text(&op.response);
        if request != need.request || response != need.response {
            return unmet(
                ptr,
                format!(
                    "`{method}` takes `{request}` and returns `{response}`; the module needs `{}` → `{}`",
                    need.request, need.response
                ),
            );
        }
    }
    for (variant, fields) in &needs.webhooks {
        let Some(w) = ir.webhooks.iter().find(|w| &w.variant == variant) else {
            return unmet(
                "#/components/schemas".into(),
                format!("it matches `Webhook::{variant}`, which this portion does not have"),
            );
        };
        if let Some(u) = struct_fields(ir, module, &w.ty, fields) {
            return Some(u);
        }
    }
    for c in &needs.converts {
        let (from, into) = c.split_once(" into ").unwrap_or((c.as_str(), ""));
        if !ir.conversions.iter().any(|k| k.from == from && k.into == into) {
            let ptr = ir.types.get(into).map(type_ptr).unwrap_or_else(|| "#/components/schemas".into());
            return unmet(
                ptr,
                format!(
                    "it converts `{from}` into `{into}`, a `From` this portion does not have ([[convert]] skipped)"
                ),
            );
        }
    }
    for (name, need) in &needs.types {
        let Some(t) = ir.types.get(name) else {
            return unmet(
                "#/components/schemas".into(),
                format!("it uses the {} `{name}`, which this portion does not have", need.kind),
            );
        };
        let ptr = type_ptr(t);
        if kind_name(&t.kind) != need.kind {
            return unmet(ptr, format!("`{name}` is a {}, the module needs a {}", kind_name(&t.kind), need.kind));
        }
        match &t.kind {
            Kind::Struct { fields, request, required_struct, .. } => {
                if let Some(u) = struct_fields(ir, module, name, &need.fields) {
                    return Some(u);
                }
                if need.request && !request {
                    return unmet(ptr, format!("`{name}` is not a request type (no `WIRE_FIELDS`, no setters)"));
                }
                if let Some(want) = &need.new {
                    let have: BTreeSet<&str> = fields
                        .iter()
                        .filter(|f| !f.shape().may_be_absent())
                        .map(|f| f.name.as_str())
                        .chain(ir.one_of_for(name).map(|g| g.param.as_str()))
                        .collect();
                    let want: BTreeSet<&str> = want.iter().map(String::as_str).collect();
                    if have != want {
                        return unmet(
                            join(&ptr, "required"),
                            format!("`{name}::new` takes the required fields {have:?}; the module passes {want:?}"),
                        );
                    }
                }
                if need.required_struct.is_some() && required_struct != &need.required_struct {
                    return unmet(
                        join(&ptr, "required"),
                        format!(
                            "the module names `{}`, but the required fields of `{name}` are in {}",
                            need.required_struct.as_deref().unwrap_or_default(),
                            required_struct.as_deref().map(|r| format!("`{r}`")).unwrap_or_else(|| "no struct".into())
                        ),
                    );
                }
            }
            Kind::Enum { variants } => {
                for v in &need.variants {
                    if !variants.iter().any(|x| &x.name == v) {
                        return unmet(join(&ptr, "enum"), format!("`{name}` has no variant `{v}`"));
                    }
                }
            }
            Kind::Newtype { inner } => {
                let have = crate::emit::ty_text(inner);
                if have != need.inner {
                    return unmet(ptr, format!("`{name}` wraps `{have}`, the module needs `{}`", need.inner));
                }
            }
        }
    }
    None
}

fn struct_fields(ir: &Ir, module: &str, name: &str, want: &BTreeMap<String, String>) -> Option<Unmet> {
    let t = ir.types.get(name)?;
    let ptr = type_ptr(t);
    let Kind::Struct { fields, .. } = &t.kind else {
        return Some(Unmet { module: module.into(), pointer: ptr, what: format!("`{name}` is not a struct") });
    };
    for (field, ty) in want {
        match fields.iter().find(|f| &f.name == field) {
            None => {
                return Some(Unmet {
                    module: module.into(),
                    pointer: join(&ptr, "properties"),
                    what: format!("`{name}` has no field `{field}` (the module uses it as `{ty}`)"),
                })
            }
            Some(f) => {
                let have = field_type_text(f);
                if &have != ty {
                    return Some(Unmet {
                        module: module.into(),
                        pointer: join(&join(&ptr, "properties"), &f.wire),
                        what: format!("`{name}.{field}` is `{have}`, the module needs `{ty}`"),
                    });
                }
            }
        }
    }
    None
}

/// Which modules the IR can carry: each module in [`MODULES`] order whose needs are met and
/// whose required modules are present. Unmet needs of a module named in `required` are an
/// error; of any other module, a warning (returned).
pub fn check(ir: &Ir, required: &[String]) -> Result<(BTreeSet<String>, Vec<Unmet>)> {
    let contract = contract()?;
    let mut present = BTreeSet::new();
    let mut left_out = Vec::new();
    for module in MODULES {
        let needs = contract.get(*module).cloned().unwrap_or_default();
        let missing_dep = needs.requires.iter().find(|r| !present.contains(*r)).map(|r| Unmet {
            module: module.to_string(),
            pointer: "#".into(),
            what: format!("it needs the `{r}` module, which was left out"),
        });
        match missing_dep.or_else(|| first_unmet(ir, module, &needs)) {
            None => {
                present.insert(module.to_string());
            }
            Some(u) if required.iter().any(|r| r == module) => {
                return Err(GenError::at(
                    &u.pointer,
                    format!("the `{module}` module is required by the selection file (`require`), but {}", u.what),
                ));
            }
            Some(u) => left_out.push(u),
        }
    }
    // The README's examples, each on its own: one that the IR cannot serve is shown but not
    // compiled (marked `ignore`), with a warning; the rest of the README stays.
    if present.contains("readme") {
        for (key, needs) in contract.iter().filter(|(k, _)| k.starts_with(README_EXAMPLE)) {
            match first_unmet(ir, key, needs) {
                None => {
                    present.insert(key.clone());
                }
                Some(u) => left_out
                    .push(Unmet { what: format!("{} (the README shows it but does not compile it)", u.what), ..u }),
            }
        }
    }
    Ok((present, left_out))
}

/// The contract's key of the README's `n`-th compiled example (1-based): `readme-example-3`.
pub const README_EXAMPLE: &str = "readme-example-";

/// The contract keys of the README's compiled examples, in order.
pub fn readme_example_keys() -> Vec<String> {
    let blocks = uses::doc_blocks(crate::render::README_TEMPLATE, true);
    (1..=blocks.iter().filter(|b| b.is_compiled()).count()).map(|i| format!("{README_EXAMPLE}{i:02}")).collect()
}

#[cfg(test)]
mod tests;
