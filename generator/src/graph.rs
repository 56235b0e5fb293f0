//! IR → IR passes over the type graph: which structs a request can reach (their optional
//! nullable fields become `Option<Option<T>>`), and which fields must be boxed to break a
//! reference cycle.

use crate::ir::{Ir, Kind, Operation, Ty, TypeDef};
use std::collections::{BTreeMap, BTreeSet};

/// Named types `ty` mentions, each with whether it is held directly (not behind a list or map,
/// so a cycle through it needs a `Box`).
fn named_refs(ty: &Ty, direct: bool, out: &mut Vec<(String, bool)>) {
    match ty {
        Ty::Named(n) => out.push((n.clone(), direct)),
        Ty::Vec(i) | Ty::Map(i) => named_refs(i, false, out),
        Ty::Nullable(i) => named_refs(i, direct, out),
        _ => {}
    }
}

fn edges(types: &BTreeMap<String, TypeDef>, name: &str) -> Vec<(String, bool)> {
    let mut out = Vec::new();
    if let Some(TypeDef { kind: Kind::Struct { fields, .. }, .. }) = types.get(name) {
        for f in fields {
            named_refs(&f.ty, true, &mut out);
        }
    }
    out
}

/// Marks every struct reachable from a request body as `request`, and gives its optional
/// nullable fields an explicit `null` (their stored shape becomes [`crate::ir::FieldShape::sent`]).
pub fn mark_requests(types: &mut BTreeMap<String, TypeDef>, ops: &[Operation]) {
    let roots = ops.iter().filter_map(|o| o.request.as_ref()).flat_map(names).collect();
    for n in reachable(types, roots) {
        if let Some(TypeDef { kind: Kind::Struct { fields, request, .. }, .. }) = types.get_mut(&n) {
            *request = true;
            for f in fields {
                f.shape = f.shape.sent();
            }
        }
    }
}

/// The named types `t` mentions.
fn names(t: &Ty) -> Vec<String> {
    let mut out = Vec::new();
    named_refs(t, true, &mut out);
    out.into_iter().map(|(n, _)| n).collect()
}

/// Boxes every direct field whose type can reach back to the struct holding it.
pub fn mark_boxes(types: &mut BTreeMap<String, TypeDef>) {
    let names: Vec<String> = types.keys().cloned().collect();
    let direct: BTreeMap<String, Vec<String>> = names
        .iter()
        .map(|n| (n.clone(), edges(types, n).into_iter().filter(|(_, d)| *d).map(|(t, _)| t).collect()))
        .collect();
    let reaches = |from: &str, to: &str| -> bool {
        let mut seen = BTreeSet::new();
        let mut stack = vec![from.to_string()];
        while let Some(n) = stack.pop() {
            if n == to {
                return true;
            }
            if seen.insert(n.clone()) {
                stack.extend(direct.get(&n).cloned().unwrap_or_default());
            }
        }
        false
    };
    let mut to_box = Vec::new();
    for n in &names {
        if let Some(TypeDef { kind: Kind::Struct { fields, .. }, .. }) = types.get(n) {
            for (i, f) in fields.iter().enumerate() {
                let mut refs = Vec::new();
                named_refs(&f.ty, true, &mut refs);
                if refs.iter().any(|(t, d)| *d && reaches(t, n)) {
                    to_box.push((n.clone(), i));
                }
            }
        }
    }
    for (n, i) in to_box {
        if let Some(TypeDef { kind: Kind::Struct { fields, .. }, .. }) = types.get_mut(&n) {
            fields[i].boxed = true;
        }
    }
}

/// Every type reachable from `roots`, through struct fields and newtypes.
fn reachable(types: &BTreeMap<String, TypeDef>, roots: Vec<String>) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let mut stack = roots;
    while let Some(n) = stack.pop() {
        if !seen.insert(n.clone()) {
            continue;
        }
        match types.get(&n).map(|t| &t.kind) {
            Some(Kind::Struct { .. }) => stack.extend(edges(types, &n).into_iter().map(|(n, _)| n)),
            Some(Kind::Newtype { inner }) => {
                let mut out = Vec::new();
                named_refs(inner, true, &mut out);
                stack.extend(out.into_iter().map(|(n, _)| n));
            }
            _ => {}
        }
    }
    seen
}

/// Marks the types that are only ever sent: reachable from a request body and from no
/// response, webhook or error body. They need no `Deserialize` (see [`TypeDef::sent_only`]).
pub fn mark_sent_only(ir: &mut Ir) {
    let sent: Vec<String> = ir.operations.iter().filter_map(|o| o.request.as_ref()).flat_map(names).collect();
    let mut received: Vec<String> = ir.operations.iter().flat_map(|o| names(&o.response)).collect();
    received.extend(ir.webhooks.iter().map(|w| w.ty.clone()));
    received.extend(ir.error_type.iter().cloned());
    let (sent, received) = (reachable(&ir.types, sent), reachable(&ir.types, received));
    for (name, t) in ir.types.iter_mut() {
        t.sent_only = sent.contains(name) && !received.contains(name);
    }
}
