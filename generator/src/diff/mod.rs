//! Change report between two versions of a spec, in terms of the *generated Rust API*.
//!
//! Every change is classified twice: **source** (does code written against the old crate still
//! compile?) and **wire** (can an already-deployed client still talk to the new API?). Wire
//! verdicts depend on where the JSON travels ([`wire`]): narrowing is safe for what the client
//! receives and unsafe for what it sends, widening the reverse, and each row names the direction
//! and rule that decided it. Description-only changes are counted as cosmetic; schema
//! differences with no Rust effect are listed as spec-only.
//!
//! Modules: [`report`] (kinds, rows, the report's forms), `api` (the IR diff), [`wire`] (the
//! direction rules), `spec_only` (raw differences), [`changelog`] (the generated crate's
//! `CHANGELOG.md`, rendered from a report).

mod api;
pub mod changelog;
pub mod report;
mod spec_only;
pub mod wire;

pub use report::{Bump, Change, ChangeKind, Direction, Impact, Report};
pub use spec_only::strip_prose;

use crate::ir::{Field, Ir, Kind, Ty, TypeDef};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// How the report prints a type: what the emitter writes ([`crate::emit::ty_text`]).
pub(crate) fn ty_str(t: &Ty) -> String {
    crate::emit::ty_text(t)
}

/// The Rust type of a field as users see it ([`crate::emit::field_type_text`]): optional or
/// nullable fields are `Option`s, an optional nullable request field is `Option<Option<T>>` so
/// that `null` can be sent, and a field on a reference cycle is boxed.
pub(crate) fn field_ty_str(f: &Field) -> String {
    crate::emit::field_type_text(f)
}

/// `inner` wrapped the way `f` wraps its value type (boxing, then optionality).
pub(crate) fn wrap(f: &Field, inner: &str) -> String {
    crate::emit::field_wrap_text(f, inner)
}

/// A shape fingerprint used to spot renames: same kind and members under another name.
pub(crate) fn shape(t: &TypeDef) -> String {
    match &t.kind {
        Kind::Struct { fields, .. } => {
            let f: Vec<String> =
                fields.iter().map(|f| format!("{}:{}:{:?}", f.wire, ty_str(&f.ty), presence(f))).collect();
            format!("struct{{{}}}", f.join(","))
        }
        Kind::Enum { variants } => {
            format!("enum{{{}}}", variants.iter().map(|v| v.wire.as_str()).collect::<Vec<_>>().join(","))
        }
        Kind::Newtype { inner } => format!("newtype({})", ty_str(inner)),
    }
}

/// Whether a field's key may be absent and whether its value may be `null`: its shape as the
/// schema says, whatever the type's use (`explicit_null` depends on where a type is used).
pub(crate) fn presence(f: &Field) -> (bool, bool) {
    (f.shape().may_be_absent(), f.shape().is_nullable())
}

/// `ir` as users see it: `Named` references through `aliases` point at their targets, and each of
/// `ir`'s own aliases is a copy of its target under the alias's name and origin.
fn user_view(ir: &Ir, aliases: &BTreeMap<String, String>) -> Ir {
    fn canon(t: &mut Ty, aliases: &BTreeMap<String, String>) {
        match t {
            Ty::Named(n) => {
                if let Some(to) = aliases.get(n.as_str()) {
                    *n = to.clone();
                }
            }
            Ty::Vec(i) | Ty::Map(i) | Ty::Nullable(i) => canon(i, aliases),
            _ => {}
        }
    }
    let mut v = ir.clone();
    for t in v.types.values_mut() {
        match &mut t.kind {
            Kind::Struct { fields, .. } => fields.iter_mut().for_each(|f| canon(&mut f.ty, aliases)),
            Kind::Newtype { inner } => canon(inner, aliases),
            Kind::Enum { .. } => {}
        }
    }
    for op in &mut v.operations {
        if let Some(r) = &mut op.request {
            canon(r, aliases);
        }
        canon(&mut op.response, aliases);
        if let Some(p) = &mut op.pagination {
            canon(&mut p.item_ty, aliases);
        }
    }
    for a in &ir.aliases {
        if let Some(t) = v.types.get(&a.target).cloned() {
            v.types.insert(a.name.clone(), TypeDef { name: a.name.clone(), origin: a.origin.clone(), ..t });
        }
    }
    v
}

/// Selected component schemas by name, as JSON.
pub type RawSchemas = BTreeMap<String, Value>;

/// How the report names an operation: `POST /identity_verification/get`.
pub fn op_key(method: &str, path: &str) -> String {
    format!("{} {path}", method.to_uppercase())
}

/// The raw selection of one spec: what the IR was lowered from, kept so that differences the IR
/// does not show are still reported.
#[derive(Debug, Clone, Default)]
pub struct Raw {
    /// Selected component schemas by name.
    pub schemas: RawSchemas,
    /// Selected operations by `METHOD /path` (the same key the report uses).
    pub ops: BTreeMap<String, Value>,
    /// The `same_type` groups the IR passes could not merge ([`crate::unify::apply`]), each a
    /// located error that `gen` would fail with: the report lists the new spec's.
    pub divergences: Vec<crate::GenError>,
}

/// Compares two IRs (and, when given, the two raw selections for spec-only differences).
pub fn diff(old: &Ir, new: &Ir, raw: Option<(&Raw, &Raw)>) -> Report {
    use report::ChangeKind as K;
    // Compare what users see: a `pub type` alias is a type of its own name, and a reference
    // through an alias is a reference to its target.
    let aliases: BTreeMap<String, String> =
        old.aliases.iter().chain(&new.aliases).map(|a| (a.name.clone(), a.target.clone())).collect();
    let (old_view, new_view) = (user_view(old, &aliases), user_view(new, &aliases));
    let (orig_old, orig_new) = (old, new);
    let mut d = api::Diff::new(&old_view, &new_view);
    let same = || wire::Verdict::rust_only("Rust only: the same JSON");
    for a in &orig_new.aliases {
        if orig_old.types.contains_key(&a.name) {
            let detail = format!(
                "now a `pub type` alias of `{}`: the name still compiles, but separate trait impls for the merged types conflict",
                a.target
            );
            d.push(K::TypesMerged, a.name.clone(), detail, Impact::Breaking, same());
        }
    }
    for a in &orig_old.aliases {
        if orig_new.types.contains_key(&a.name) {
            let detail =
                format!("was an alias of `{}`, now a type of its own: values no longer pass for each other", a.target);
            d.push(K::TypeSplit, a.name.clone(), detail, Impact::Breaking, same());
        }
    }
    for e in raw.map(|(_, new)| new.divergences.as_slice()).unwrap_or_default() {
        d.push(K::SameTypeDiverged, e.location.clone(), e.message.clone(), Impact::Breaking, same());
    }
    d.types();
    d.operations();
    let mut spec_only = match raw {
        Some((ro, rn)) => spec_only::spec_only(ro, rn, &old_view, &new_view, &d.changes, &mut d.cosmetic),
        None => Vec::new(),
    };
    spec_only.sort();
    spec_only.dedup();
    let mut changes = d.changes;
    let mut cosmetic = d.cosmetic;
    changes.sort();
    cosmetic.sort();
    cosmetic.dedup();
    let (ow, nw): (BTreeSet<&String>, BTreeSet<&String>) =
        (orig_old.warnings.iter().collect(), orig_new.warnings.iter().collect());
    let warnings = ow
        .difference(&nw)
        .map(|w| format!("old: {w}"))
        .chain(nw.difference(&ow).map(|w| format!("new: {w}")))
        .collect();
    Report {
        old_version: old.spec_version.clone(),
        new_version: new.spec_version.clone(),
        changes,
        cosmetic,
        spec_only,
        warnings,
    }
}
