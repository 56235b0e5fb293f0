//! IR → IR pass: schemas that `spec/portion.toml` declares one type (`same_type`) become one
//! Rust type. Plaid's create, get and retry responses have one shape, so users get one
//! `IdentityVerificationResponse` instead of three unrelated types; each schema keeps its name
//! as a `pub type` alias, and `converts_into` adds `From` into a type with a subset of the
//! fields (the list item `IdentityVerification`, which lacks `request_id`).
//!
//! When the declared schemas differ in shape, the group is left as it is and the difference is
//! returned as a located error (a divergence): `gen` fails with the first, `diff` reports each.
//! The IR never carries them.

use crate::error::{join, GenError, Result};
use crate::ir::{Conversion, Field, Ir, Kind, Ty, TypeAlias, TypeDef, Variant};
use crate::portion::SameType;

fn schema_ptr(origin: &str) -> String {
    crate::ir::origin_pointer(origin)
}

/// What differs between two fields (`None`: the same to users and on the wire).
fn field_difference(a: &Field, b: &Field) -> Option<String> {
    let show = |f: &Field| {
        format!(
            "{:?}{}{}{}",
            f.ty,
            if f.shape().may_be_absent() { " optional" } else { "" },
            if f.shape().is_nullable() { " nullable" } else { "" },
            if f.boxed { " boxed" } else { "" }
        )
    };
    // Whether `null` can be sent (`explicit_null`) follows from where the type is used, not
    // from the schema, so it is not compared.
    let presence = |f: &Field| (f.shape().may_be_absent(), f.shape().is_nullable());
    (a.name != b.name || a.ty != b.ty || presence(a) != presence(b) || a.boxed != b.boxed)
        .then(|| format!("{} here, {} in the first schema of the group", show(b), show(a)))
}

/// Why `b`'s values are not `a`'s (both string enums): the same values in the same order.
fn values_difference(a: &[Variant], b: &[Variant], b_origin: &str) -> Option<(String, String)> {
    let wires = |v: &[Variant]| v.iter().map(|x| x.wire.clone()).collect::<Vec<_>>();
    let (wa, wb) = (wires(a), wires(b));
    (wa != wb || a.iter().zip(b).any(|(x, y)| x.name != y.name)).then(|| {
        (join(&schema_ptr(b_origin), "enum"), format!("has the values {wb:?}, where most of the group has {wa:?}"))
    })
}

/// Why `b`'s fields are not `a`'s, naming the first difference by pointer.
fn shape_difference(a: &TypeDef, b: &TypeDef) -> Option<(String, String)> {
    if let (Kind::Enum { variants: va }, Kind::Enum { variants: vb }) = (&a.kind, &b.kind) {
        return values_difference(va, vb, &b.origin);
    }
    let (Kind::Struct { fields: fa, .. }, Kind::Struct { fields: fb, .. }) = (&a.kind, &b.kind) else {
        return Some((schema_ptr(&b.origin), format!("is not the same kind of schema as {}", a.origin)));
    };
    for f in fb {
        match fa.iter().find(|x| x.wire == f.wire) {
            None => {
                return Some((
                    join(&join(&schema_ptr(&b.origin), "properties"), &f.wire),
                    format!("`{}` is not in {}", f.wire, a.origin),
                ))
            }
            Some(x) => {
                if let Some(d) = field_difference(x, f) {
                    return Some((join(&join(&schema_ptr(&b.origin), "properties"), &f.wire), d));
                }
            }
        }
    }
    fa.iter()
        .find(|x| !fb.iter().any(|f| f.wire == x.wire))
        .map(|x| (schema_ptr(&b.origin), format!("has no `{}`, which {} has", x.wire, a.origin)))
}

fn rename_in(ty: &mut Ty, from: &str, to: &str) {
    match ty {
        Ty::Named(n) if n == from => *n = to.to_string(),
        Ty::Vec(i) | Ty::Map(i) | Ty::Nullable(i) => rename_in(i, from, to),
        _ => {}
    }
}

fn rename_everywhere(ir: &mut Ir, from: &str, to: &str) {
    for t in ir.types.values_mut() {
        match &mut t.kind {
            Kind::Struct { fields, .. } => fields.iter_mut().for_each(|f| rename_in(&mut f.ty, from, to)),
            Kind::Newtype { inner } => rename_in(inner, from, to),
            Kind::Enum { .. } => {}
        }
    }
    for op in &mut ir.operations {
        if let Some(r) = &mut op.request {
            rename_in(r, from, to);
        }
        rename_in(&mut op.response, from, to);
        if let Some(p) = &mut op.pagination {
            rename_in(&mut p.item_ty, from, to);
        }
    }
    for w in &mut ir.webhooks {
        if w.ty == from {
            w.ty = to.to_string();
        }
    }
    for ex in &mut ir.examples {
        rename_in(&mut ex.ty, from, to);
    }
    if ir.error_type.as_deref() == Some(from) {
        ir.error_type = Some(to.to_string());
    }
}

/// Spec text on one line (docs of a shared enum are lists).
fn one_line(d: &str) -> String {
    d.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// What each of an enum schema's values means, as "`wire`: doc" (values without a doc left out).
fn value_meanings(m: &TypeDef) -> Vec<String> {
    match &m.kind {
        Kind::Enum { variants } => {
            variants.iter().filter_map(|v| Some(format!("`{}`: {}", v.wire, one_line(v.doc.as_deref()?)))).collect()
        }
        _ => Vec::new(),
    }
}

/// One schema's part of a shared enum's docs (its alias's): its description, then what each
/// value means.
fn member_doc(m: &TypeDef) -> String {
    let mut text = m.doc.as_deref().map_or_else(|| "(No description.)".to_string(), one_line);
    for v in value_meanings(m) {
        text.push_str(&format!("\n- {v}"));
    }
    text
}

/// The docs of an enum that several schemas share: the type's list each schema by its Rust
/// alias (which the emitter also links) with its description. A value's doc is the schemas' one
/// text, or just the value where they differ (each alias's own docs say what it means there).
fn merged_enum_docs(name: &str, doc: &mut Option<String>, variants: &mut [Variant], members: &[TypeDef]) {
    let mut text = String::from(
        "One type for the schemas below, which have the same values; each keeps its name as an alias, whose docs say what each value means there.\n",
    );
    let mut same = vec![true; variants.len()];
    for m in members {
        let d = m.doc.as_deref().map_or_else(|| "(no description)".to_string(), one_line);
        let schema = if m.name == m.origin { String::new() } else { format!(" (schema `{}`)", m.origin) };
        text.push_str(&format!("\n- `{}`{schema}: {d}", m.name));
        if m.name == name {
            // The schema that keeps the type's own name has no alias to say what its values mean.
            value_meanings(m).iter().for_each(|v| text.push_str(&format!(" {v}")));
        }
        if let Kind::Enum { variants: mv } = &m.kind {
            for (i, v) in mv.iter().enumerate() {
                if variants.get(i).is_some_and(|x| x.doc != v.doc) {
                    same[i] = false;
                }
            }
        }
    }
    *doc = Some(text);
    for (v, same) in variants.iter_mut().zip(same) {
        if !same {
            v.doc = None;
        }
    }
}

fn find<'i>(ir: &'i Ir, schema: &str) -> Option<&'i TypeDef> {
    ir.types.values().find(|t| t.origin == schema)
}

/// Merges each group. A group whose schemas differ is not merged: what differs is returned, one
/// located error per difference (`Err` is for a group that cannot be applied at all).
pub fn apply(ir: &mut Ir, groups: &[SameType]) -> Result<Vec<GenError>> {
    let mut divergences = Vec::new();
    for (gi, g) in groups.iter().enumerate() {
        let at = format!("spec/portion.toml#/same_type/{gi}");
        let mut members: Vec<TypeDef> = g.schemas.iter().filter_map(|s| find(ir, s).cloned()).collect();
        let missing: Vec<&String> = g.schemas.iter().filter(|s| find(ir, s).is_none()).collect();
        for s in missing {
            ir.warnings.push(format!("{at}: schema {s:?} is not selected (or not an object or enum)"));
        }
        let Some(mut first) = members.first().cloned() else { continue };
        if matches!(first.kind, Kind::Enum { .. }) {
            // String enums with the same values: one type, for a smaller crate (issue #23).
            // The values most members share are the group's (the first such member on a tie);
            // a schema whose values differ (another spec version) keeps its own type.
            let agree = |a: &TypeDef| members.iter().filter(|m| shape_difference(a, m).is_none()).count();
            if let Some(best) = members.iter().max_by_key(|m| (agree(m), std::cmp::Reverse(m.name.clone()))) {
                if agree(best) > agree(&first) {
                    first = best.clone();
                }
            }
            let taken = ir.types.get(&g.name).filter(|t| !members.iter().any(|m| m.name == t.name));
            let name_of_other = taken.map(|t| t.origin.clone());
            let kept_name = members.iter().find(|m| m.name == g.name && shape_difference(&first, m).is_some());
            if let Some(origin) = name_of_other.or_else(|| kept_name.map(|m| m.origin.clone())) {
                ir.warnings.push(format!(
                    "{at}: the name {:?} is the type of {origin}, which is not in the group here; the group is not merged",
                    g.name
                ));
                continue;
            }
            members.retain(|m| match shape_difference(&first, m) {
                None => true,
                Some((ptr, why)) => {
                    let w =
                        format!("{ptr}: declared one type `{}` in {at}, but it {why}; it keeps its own type", g.name);
                    ir.warnings.push(w);
                    false
                }
            });
            // `first` agrees with itself, so at least it is left: one schema alone still takes
            // the group's name, which then does not depend on how many of the group a spec has.
        }
        let diverged: Vec<(String, String)> = members[1..].iter().filter_map(|m| shape_difference(&first, m)).collect();
        if !diverged.is_empty() {
            for (ptr, why) in diverged {
                divergences.push(GenError::at(
                    &ptr,
                    format!("declared one type `{}` with {} in {at}, but {why}", g.name, first.origin),
                ));
            }
            continue;
        }
        if crate::naming::type_name(&g.name) != g.name {
            return Err(GenError::at(&at, format!("{:?} is not an UpperCamelCase type name", g.name)));
        }
        if let Some(other) = ir.types.get(&g.name).filter(|t| !members.iter().any(|m| m.name == t.name)) {
            return Err(GenError::at(&at, format!("name {:?} is already the type of {}", g.name, other.origin)));
        }
        let mut merged = first.clone();
        merged.name = g.name.clone();
        if let Kind::Enum { variants } = &mut merged.kind {
            merged_enum_docs(&g.name, &mut merged.doc, variants, &members);
        }
        for m in &members {
            ir.types.remove(&m.name);
        }
        ir.types.insert(g.name.clone(), merged);
        for m in &members {
            rename_everywhere(ir, &m.name, &g.name);
            if m.name != g.name {
                let doc = matches!(m.kind, Kind::Enum { .. }).then(|| member_doc(m));
                ir.aliases.push(TypeAlias {
                    name: m.name.clone(),
                    target: g.name.clone(),
                    origin: m.origin.clone(),
                    doc,
                });
            }
        }
        for (ci, into) in g.converts_into.iter().enumerate() {
            let cat = format!("{at}/converts_into/{ci}");
            let Some(target) = find(ir, into).cloned() else {
                ir.warnings.push(format!("{cat}: schema {into:?} is not selected (or not an object)"));
                continue;
            };
            let merged = ir.types[&g.name].clone();
            let (Kind::Struct { fields: from, .. }, Kind::Struct { fields: to, .. }) = (&merged.kind, &target.kind)
            else {
                continue;
            };
            let mut names = Vec::new();
            for f in to {
                match from.iter().find(|x| x.wire == f.wire) {
                    Some(x) if field_difference(x, f).is_none() => names.push(f.name.clone()),
                    Some(x) => {
                        let why = field_difference(x, f).unwrap_or_default();
                        divergences.push(GenError::at(
                            &join(&join(&schema_ptr(&target.origin), "properties"), &f.wire),
                            format!("declared as converted into from `{}` in {cat}, but {why}", g.name),
                        ));
                    }
                    None => divergences.push(GenError::at(
                        &join(&join(&schema_ptr(&target.origin), "properties"), &f.wire),
                        format!("declared as converted into from `{}` in {cat}, which has no `{}`", g.name, f.wire),
                    )),
                }
            }
            if names.len() == to.len() {
                ir.conversions.push(Conversion {
                    from: g.name.clone(),
                    into: target.name.clone(),
                    fields: names,
                    map: Vec::new(),
                });
            }
        }
    }
    Ok(divergences)
}
