//! The needs a piece of runtime source implies against an IR: how the contract file is derived
//! from the runtime's own source (see the parent module).

use super::{uses, Needs, OpNeed};
use crate::emit::field_type_text;
use crate::ir::{Ir, Kind, TypeDef};
use std::collections::{BTreeMap, BTreeSet};

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
    // The fields of a request type whose accessors (`with_x`, `set_x`, `x()`, …) the source calls.
    let accessed = |fields: &[crate::ir::Field], request: bool| -> BTreeSet<String> {
        crate::emit::setters::accessors(fields, request)
            .into_iter()
            .filter(|a| a.names().any(|n| u.methods.contains(n)))
            .map(|a| a.field)
            .collect()
    };
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
        let accessed = accessed(fields, *request);
        fields
            .iter()
            .filter(|f| u.fields.contains(&f.name) || accessed.contains(&f.name))
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
        need.kind = super::kind_name(&t.kind).to_string();
        match &t.kind {
            Kind::Struct { fields, request, .. } => {
                for (f, ty, refs) in used_fields(t) {
                    need.fields.insert(f, ty);
                    todo.extend(refs);
                }
                let setters = !accessed(fields, *request).is_empty();
                let wire = u.items.contains(&(name.clone(), "WIRE_FIELDS".to_string()));
                need.request = *request && (setters || wire);
                if u.items.contains(&(name.clone(), "new".to_string())) || need.required_struct.is_some() {
                    need.new = Some(
                        fields
                            .iter()
                            .filter(|f| !f.shape().may_be_absent())
                            .map(|f| f.name.clone())
                            .chain(ir.one_of_for(&name).map(|g| g.param.clone()))
                            .collect(),
                    );
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

/// [`derive()`] for a README example, with the `From` conversions it may use: each one between two
/// types it needs (by `.into()`, `T::from` or a setter's `impl Into<T>`, which `syn` cannot tell
/// apart). A conversion a spec lacks then leaves the example uncompiled instead of breaking the
/// crate's doctests.
pub fn derive_example(ir: &Ir, u: &uses::Uses) -> Needs {
    let mut needs = derive(ir, u);
    for c in &ir.conversions {
        if needs.types.contains_key(&c.from) && needs.types.contains_key(&c.into) {
            needs.converts.insert(format!("{} into {}", c.from, c.into));
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
