//! The runtime contract: what each optional part of the generated crate needs from the code
//! generated for a portion, and the check of those needs against the final IR.
//!
//! The optional parts are the IDV flow helpers (`flow.rs`, with the crate README and the core
//! runtime's doc examples that call IDV operations), the fake (`testing::FakePlaid` and the
//! examples), and the webhook verifier (`runtime/verify.rs`, which fetches keys). Their needs are
//! written down once, in `generator/runtime/contract.toml`: types with the fields (and their
//! Rust types) and variants the runtime uses, constructors, operations with their request and
//! response types, and webhook variants with their body fields. A test derives the same needs
//! from the runtime's own source with `syn` ([`uses`], [`derive`]) over our spec's IR, and fails
//! (printing the table it expects) when the file and the source disagree, so the table cannot
//! drift from the code.
//!
//! `gen` checks every module's needs against the final IR ([`check`]). A module whose needs are
//! not met is left out, with a warning naming the module, the missing or mistyped item and its
//! JSON pointer; a module that `spec/portion.toml` lists in `require` is an error instead. No
//! run emits a module that cannot compile.

pub mod uses;

use crate::emit::field_type_text;
use crate::error::{join, GenError, Result};
use crate::ir::{Ir, Kind, TypeDef};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// The contract file, as written in `generator/runtime/contract.toml`.
pub const CONTRACT_TOML: &str = include_str!("../../runtime/contract.toml");

/// The optional modules, in dependency order.
pub const MODULES: &[&str] = &["flow", "verify", "fake"];

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
        format!("{}: the `{}` module is left out of the generated crate: {}", self.pointer, self.module, self.what)
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
                    let have: BTreeSet<&str> =
                        fields.iter().filter(|f| !f.shape().may_be_absent()).map(|f| f.name.as_str()).collect();
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
    Ok((present, left_out))
}

/// The needs that `uses` implies against `ir`: every generated type it names (and the types of
/// the fields it uses, transitively), the fields and variants it uses, the operations it calls
/// and the webhook variants it matches. With our spec's IR and the runtime's source this is the
/// contract file's content for a module (a test holds them equal).
pub fn derive(ir: &Ir, u: &uses::Uses) -> Needs {
    let mut needs = Needs::default();
    let required_structs: BTreeMap<&str, &str> = ir
        .types
        .values()
        .filter_map(|t| match &t.kind {
            Kind::Struct { required_struct: Some(r), .. } => Some((r.as_str(), t.name.as_str())),
            _ => None,
        })
        .collect();
    let mut todo: Vec<String> = Vec::new();
    for t in &u.types {
        match required_structs.get(t.as_str()) {
            Some(parent) => {
                let need = needs.types.entry(parent.to_string()).or_default();
                need.required_struct = Some(t.clone());
                todo.push(parent.to_string());
            }
            None => todo.push(t.clone()),
        }
    }
    for op in &ir.operations {
        let called = u.methods.contains(&op.method_name)
            || u.descriptors.contains(&crate::naming::descriptor_name(&op.method_name));
        if called {
            needs.operations.insert(
                op.method_name.clone(),
                OpNeed {
                    request: op.request.as_ref().map(crate::emit::ty_text).unwrap_or_default(),
                    response: crate::emit::ty_text(&op.response),
                },
            );
            todo.extend(op.request.iter().chain([&op.response]).flat_map(named));
        }
    }
    let used_fields = |t: &TypeDef| -> Vec<(String, String, Vec<String>)> {
        let Kind::Struct { fields, request, .. } = &t.kind else { return Vec::new() };
        fields
            .iter()
            .filter(|f| {
                u.fields.contains(&f.name) || (*request && u.methods.contains(&crate::naming::setter_name(&f.name)))
            })
            .map(|f| (f.name.clone(), field_type_text(f), named(&f.ty)))
            .collect()
    };
    for w in &ir.webhooks {
        if u.webhooks.contains(&w.variant) {
            let body = needs.webhooks.entry(w.variant.clone()).or_default();
            if let Some(t) = ir.types.get(&w.ty) {
                for (f, ty, refs) in used_fields(t) {
                    body.insert(f, ty);
                    todo.extend(refs);
                }
            }
        }
    }
    let mut seen = BTreeSet::new();
    while let Some(name) = todo.pop() {
        if !seen.insert(name.clone()) {
            continue;
        }
        let Some(t) = ir.types.get(&name) else { continue };
        let need = needs.types.entry(name.clone()).or_default();
        need.kind = kind_name(&t.kind).to_string();
        match &t.kind {
            Kind::Struct { fields, request, .. } => {
                for (f, ty, refs) in used_fields(t) {
                    need.fields.insert(f, ty);
                    todo.extend(refs);
                }
                let setters = fields.iter().any(|f| u.methods.contains(&crate::naming::setter_name(&f.name)));
                let wire = u.items.contains(&(name.clone(), "WIRE_FIELDS".to_string()));
                need.request = *request && (setters || wire);
                if u.items.contains(&(name.clone(), "new".to_string())) || need.required_struct.is_some() {
                    need.new =
                        Some(fields.iter().filter(|f| !f.shape().may_be_absent()).map(|f| f.name.clone()).collect());
                }
            }
            Kind::Enum { variants } => {
                need.variants = variants
                    .iter()
                    .filter(|v| u.items.contains(&(name.clone(), v.name.clone())))
                    .map(|v| v.name.clone())
                    .collect();
            }
            Kind::Newtype { inner } => need.inner = crate::emit::ty_text(inner),
        }
    }
    needs
}

/// The generated types a type mentions.
fn named(t: &crate::ir::Ty) -> Vec<String> {
    use crate::ir::Ty;
    match t {
        Ty::Named(n) => vec![n.clone()],
        Ty::Vec(i) | Ty::Map(i) | Ty::Nullable(i) => named(i),
        _ => Vec::new(),
    }
}

/// What one module's sources use: the code of its Rust files, and every compiled doc example
/// in them (and in its Markdown). For `flow`, also the compiled doc examples of the
/// always-copied runtime that name generated items (`operations`: the method names that count).
pub fn module_uses(module: &str, operations: &BTreeSet<&str>) -> uses::Uses {
    let mut all = uses::Uses::default();
    for (_, src, markdown) in crate::render::module_sources(module) {
        if !markdown {
            all.extend(uses::of_file(src));
        }
        for b in uses::doc_blocks(src, markdown).into_iter().filter(uses::DocBlock::is_compiled) {
            all.extend(uses::of_example(&b.code));
        }
    }
    if module == "flow" {
        for (_, src) in crate::render::core_doc_sources() {
            for b in uses::doc_blocks(src, false).into_iter().filter(uses::DocBlock::is_compiled) {
                let u = uses::of_example(&b.code);
                if u.names_generated(operations) {
                    all.extend(u);
                }
            }
        }
    }
    all
}

#[cfg(test)]
mod tests {
    use super::*;

    fn our_ir() -> Ir {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        crate::generate(&root.join("spec/plaid-idv.yaml"), &root.join("spec/portion.toml")).expect("our spec generates").ir
    }

    /// The contract file says what the runtime's source uses of our spec's IR: derived with
    /// `syn`, module by module. On a mismatch, prints the file as it should read.
    #[test]
    fn the_contract_file_matches_the_runtime_source() {
        let ir = our_ir();
        let file = contract().expect("contract.toml parses");
        let ops: BTreeSet<&str> = ir.operations.iter().map(|o| o.method_name.as_str()).collect();
        let mut expected = BTreeMap::new();
        for module in MODULES {
            let mut needs = derive(&ir, &module_uses(module, &ops));
            needs.requires = file.get(*module).map(|n| n.requires.clone()).unwrap_or_default();
            expected.insert(module.to_string(), needs);
        }
        assert!(
            file == expected,
            "generator/runtime/contract.toml is stale; derived from the runtime source it reads:\n{}",
            toml::to_string(&expected).unwrap_or_default()
        );
        assert!(file["flow"].operations.contains_key("identity_verification_get"), "the derivation sees calls");
        assert_eq!(file.keys().map(String::as_str).collect::<Vec<_>>(), {
            let mut m = MODULES.to_vec();
            m.sort();
            m
        });
    }

    #[test]
    fn our_spec_meets_every_module() {
        let ir = our_ir();
        assert!(ir.features.flow && ir.features.fake.is_some() && ir.features.verify, "{:?}", ir.features);
        let (present, left_out) = check(&ir, &[]).unwrap();
        assert!(left_out.is_empty(), "{left_out:?}");
        assert_eq!(present.len(), MODULES.len());
    }
}
