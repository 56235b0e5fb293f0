//! Spec-only differences: raw schema and operation differences that no API change accounts
//! for, listed property by property, so that nothing is silently dropped.

use super::{Change, Raw};
use crate::ir::Ir;
use serde_json::Value;
use std::collections::BTreeSet;

/// Adds to `cosmetic` the prose-only differences the IR did not count, and returns the
/// spec-only ones, given the API changes already found.
pub(crate) fn spec_only(
    ro: &Raw,
    rn: &Raw,
    old: &Ir,
    new: &Ir,
    changes: &[Change],
    cosmetic: &mut Vec<String>,
) -> Vec<String> {
    let mut spec_only = Vec::new();
    let (o, n) = (&ro.schemas, &rn.schemas);
    let items: BTreeSet<String> = changes.iter().map(|c| c.item.clone()).collect();
    // Operations: prose-only differences (summaries, descriptions, examples) are cosmetic;
    // anything else the IR did not turn into a change (a `default` response added, a
    // parameter, a keyword) is listed as spec-only.
    for (key, a) in &ro.ops {
        let Some(b) = rn.ops.get(key) else { continue };
        if a == b {
            continue;
        }
        if strip_prose(a) == strip_prose(b) {
            if !cosmetic.iter().any(|c| c.starts_with(&format!("{key}:"))) {
                cosmetic.push(format!("{key}: summary or example changed"));
            }
        } else if !items.contains(key) {
            spec_only.push(format!("{key}: changed without changing the Rust API (responses or other keywords)"));
        }
    }
    let types: BTreeSet<String> =
        changes.iter().filter_map(|c| c.item.split(['.', ':']).next()).map(String::from).collect();
    let origin_of = |schema: &str| {
        new.types.values().chain(old.types.values()).find(|t| t.origin == schema).map(|t| t.name.clone())
    };
    let empty = Value::Object(Default::default());
    for name in o.keys().chain(n.keys()).collect::<BTreeSet<_>>() {
        let ptr = format!("#/components/schemas/{name}");
        let (a, b) = match (o.get(name), n.get(name)) {
            (None, Some(_)) if origin_of(name).is_none() => {
                spec_only.push(format!("{ptr}: schema added (inlined; no Rust type of its own)"));
                continue;
            }
            (Some(_), None) if origin_of(name).is_none() => {
                spec_only.push(format!("{ptr}: schema removed (was inlined; no Rust type of its own)"));
                continue;
            }
            (Some(a), Some(b)) if a != b => (strip_prose(a), strip_prose(b)),
            _ => continue,
        };
        if a == b {
            // Prose only: counted once, unless the IR already counted it.
            let rust = origin_of(name).unwrap_or_default();
            if !cosmetic.iter().any(|c| c.starts_with(&format!("{rust}:")) || c.starts_with(&format!("{rust}."))) {
                cosmetic.push(format!("{ptr}: description or example changed"));
            }
            continue;
        }
        let rust = origin_of(name);
        let props = |v: &Value| v.get("properties").cloned().unwrap_or_else(|| empty.clone());
        let (pa, pb) = (props(&a), props(&b));
        let keys: BTreeSet<&String> = pa.as_object().into_iter().chain(pb.as_object()).flat_map(|m| m.keys()).collect();
        for k in keys {
            if pa.get(k) != pb.get(k) && !rust.as_ref().is_some_and(|r| items.contains(&format!("{r}.{k}"))) {
                spec_only.push(format!("{ptr}/properties/{k}: changed without changing the Rust API"));
            }
        }
        let rest = |v: &Value| match v {
            Value::Object(m) => Value::Object(
                m.iter()
                    .filter(|(k, _)| k.as_str() != "properties" && k.as_str() != "required")
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect(),
            ),
            other => other.clone(),
        };
        if rest(&a) != rest(&b) && !rust.as_ref().is_some_and(|r| types.contains(r)) {
            spec_only.push(format!(
                "{ptr}: changed without changing the Rust API (validation keywords, formats or inlined aliases)"
            ));
        }
    }
    spec_only
}

/// A schema or operation with its prose (descriptions, summaries, examples, titles) removed.
/// Keys of a `properties` map are property names, not keywords, and are always kept.
pub fn strip_prose(v: &Value) -> Value {
    strip(v, false)
}

fn strip(v: &Value, names: bool) -> Value {
    const PROSE: [&str; 8] =
        ["description", "summary", "example", "examples", "x-examples", "x-enum-descriptions", "title", "externalDocs"];
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .filter(|(k, _)| names || !PROSE.contains(&k.as_str()))
                .map(|(k, v)| (k.clone(), strip(v, !names && k == "properties")))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(|v| strip(v, false)).collect()),
        other => other.clone(),
    }
}
