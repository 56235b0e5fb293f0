//! Stage 2: choose the portion's operations, webhooks and schemas, plus the transitive closure
//! of every `$ref` they reach. Dangling and non-local references are errors at their pointer.

use crate::error::{join, GenError, Result};
use crate::load::Spec;
use crate::portion::{glob_match, Portion};
use serde_json::Value;
use std::collections::BTreeSet;

/// HTTP methods an OpenAPI path item may hold.
pub use crate::model::METHODS;

/// One selected operation: its typed structure, and its JSON (which the diff compares and
/// [`extract`] copies verbatim).
#[derive(Debug, Clone)]
pub struct SelectedOp<'a> {
    /// The path template.
    pub path: String,
    /// Lower-case method.
    pub method: String,
    /// The operation object.
    pub op: &'a Value,
    /// The operation in the document model (`openapiv3` types, schemas as JSON).
    pub model: crate::model::Operation<'a>,
    /// Its JSON pointer.
    pub pointer: String,
}

/// What the selection keeps.
#[derive(Debug, Clone)]
pub struct Selection<'a> {
    /// Operations in path, then method order.
    pub ops: Vec<SelectedOp<'a>>,
    /// Webhook schema names.
    pub webhooks: Vec<String>,
    /// Every schema name reached.
    pub schemas: BTreeSet<String>,
    /// The error schema, if the spec has it.
    pub error_schema: Option<String>,
    /// Entries of the selection file that match nothing in this spec: warnings, because spec
    /// versions differ (an older spec lacks a newer operation or schema).
    pub unmatched: Vec<String>,
}

/// Returns the component schemas object (empty if absent).
pub fn schemas_of(doc: &Value) -> Result<Option<&serde_json::Map<String, Value>>> {
    match doc.pointer("/components/schemas") {
        None => Ok(None),
        Some(Value::Object(m)) => Ok(Some(m)),
        Some(_) => Err(GenError::at("#/components/schemas", "must be a mapping of schema names to schemas")),
    }
}

/// Resolves a `$ref` string to a component schema name.
pub fn ref_name(reference: &str, doc: &Value, at: &str) -> Result<String> {
    let name = reference.strip_prefix("#/components/schemas/").ok_or_else(|| {
        GenError::at(at, format!("unsupported $ref {reference:?}: only #/components/schemas/... is supported"))
    })?;
    let name = name.replace("~1", "/").replace("~0", "~");
    match schemas_of(doc)? {
        Some(m) if m.contains_key(&name) => Ok(name),
        _ => Err(GenError::at(at, format!("dangling $ref {reference:?}: no such schema"))),
    }
}

/// Selects the portion.
pub fn select<'a>(spec: &'a Spec, portion: &Portion) -> Result<Selection<'a>> {
    let doc = &spec.doc;
    let mut ops = Vec::new();
    match doc.get("paths") {
        None => {}
        Some(Value::Object(paths)) => {
            for (path, item) in paths {
                if !portion.selects_path(path) {
                    continue;
                }
                let ptr = join("#/paths", path);
                let item = item.as_object().ok_or_else(|| GenError::at(&ptr, "a path item must be a mapping"))?;
                if item.contains_key("$ref") {
                    return Err(GenError::at(&ptr, "path item $ref is not supported"));
                }
                if !crate::model::path_item(item, &ptr)?.parameters.is_empty() {
                    return Err(GenError::at(&join(&ptr, "parameters"), "path parameters are not supported"));
                }
                for m in METHODS {
                    if let Some(op) = item.get(m) {
                        let pointer = join(&ptr, m);
                        let map =
                            op.as_object().ok_or_else(|| GenError::at(&pointer, "an operation must be a mapping"))?;
                        let model = crate::model::operation(map, &pointer)?;
                        ops.push(SelectedOp { path: path.clone(), method: m.to_string(), op, model, pointer });
                    }
                }
            }
        }
        Some(_) => return Err(GenError::at("#/paths", "must be a mapping")),
    }
    static EMPTY: std::sync::OnceLock<serde_json::Map<String, Value>> = std::sync::OnceLock::new();
    let all = schemas_of(doc)?.unwrap_or_else(|| EMPTY.get_or_init(serde_json::Map::new));
    let names: Vec<&String> = all.keys().collect();
    let mut webhooks = Vec::new();
    for name in &names {
        if portion.webhooks.iter().any(|p| glob_match(p, name)) {
            webhooks.push((*name).clone());
        }
    }
    webhooks.sort();
    let mut roots: Vec<String> = webhooks.clone();
    for name in &names {
        if portion.schemas.iter().any(|p| glob_match(p, name)) {
            roots.push((*name).clone());
        }
    }
    let error_schema = portion.error_schema.as_ref().filter(|e| names.iter().any(|n| n == e)).cloned();
    roots.extend(error_schema.clone());

    let mut schemas = BTreeSet::new();
    // (pointer, node, whether the node is a `properties` map, whose keys are property names).
    let mut stack: Vec<(String, &Value, bool)> = Vec::new();
    for op in &ops {
        stack.push((op.pointer.clone(), op.op, false));
    }
    for r in &roots {
        if schemas.insert(r.clone()) {
            let ptr = join("#/components/schemas", r);
            if let Some(schema) = all.get(r) {
                stack.push((ptr, schema, false));
            }
        }
    }
    // Iterative walk: deeply nested specs cannot overflow the stack here. Prose and example
    // keywords hold no references worth following (examples may even hold `$ref`-shaped data),
    // but only where they are keywords: under `properties` the same words are property names.
    while let Some((ptr, node, names)) = stack.pop() {
        match node {
            Value::Object(m) => {
                for (k, v) in m {
                    if k == "$ref" && !names {
                        let r = v.as_str().ok_or_else(|| GenError::at(&join(&ptr, k), "$ref must be a string"))?;
                        let name = ref_name(r, doc, &join(&ptr, k))?;
                        if schemas.insert(name.clone()) {
                            if let Some(target) = all.get(&name) {
                                stack.push((join("#/components/schemas", &name), target, false));
                            }
                        }
                    } else if names || !matches!(k.as_str(), "example" | "examples" | "x-examples" | "description") {
                        stack.push((join(&ptr, k), v, !names && k == "properties"));
                    }
                }
            }
            Value::Array(items) => {
                for (i, v) in items.iter().enumerate() {
                    stack.push((format!("{ptr}/{i}"), v, false));
                }
            }
            _ => {}
        }
    }
    let unmatched = unmatched(all, &ops, &webhooks, portion);
    if ops.is_empty() && webhooks.is_empty() && schemas.is_empty() {
        return Err(GenError::at(
            "#/paths",
            "nothing selected: no path, webhook, schema or error object of this spec matches the selection file",
        ));
    }
    Ok(Selection { ops, webhooks, schemas, error_schema, unmatched })
}

/// Each selection-file entry that matches nothing in the spec, as a warning with its location
/// in the selection file.
fn unmatched(
    all: &serde_json::Map<String, Value>,
    ops: &[SelectedOp<'_>],
    webhooks: &[String],
    portion: &Portion,
) -> Vec<String> {
    const FILE: &str = "spec/portion.toml#";
    let mut out = Vec::new();
    let op_paths: BTreeSet<&str> = ops.iter().map(|o| o.path.as_str()).collect();
    for (i, p) in portion.path_prefixes.iter().enumerate() {
        if !op_paths.iter().any(|o| o.starts_with(p.as_str())) {
            out.push(format!("{FILE}/path_prefixes/{i}: {p:?} matches no operation of this spec"));
        }
    }
    for (i, p) in portion.paths.iter().enumerate() {
        if !op_paths.contains(p.as_str()) {
            out.push(format!("{FILE}/paths/{i}: {p:?} is not an operation of this spec"));
        }
    }
    for (i, p) in portion.webhooks.iter().enumerate() {
        if !webhooks.iter().any(|w| glob_match(p, w)) {
            out.push(format!("{FILE}/webhooks/{i}: {p:?} matches no schema of this spec"));
        }
    }
    for (i, p) in portion.schemas.iter().enumerate() {
        if !all.keys().any(|k| glob_match(p, k)) {
            out.push(format!("{FILE}/schemas/{i}: {p:?} matches no schema of this spec"));
        }
    }
    if let Some(e) = portion.error_schema.as_ref().filter(|e| !all.contains_key(e.as_str())) {
        out.push(format!("{FILE}/error_schema: {e:?} is not a schema of this spec; errors decode without it"));
    }
    for (i, n) in portion.newtypes.iter().enumerate() {
        if !all.contains_key(n.as_str()) {
            out.push(format!("{FILE}/newtypes/{i}: {n:?} is not a schema of this spec"));
        }
    }
    for (i, p) in portion.retry.always.iter().enumerate() {
        if !op_paths.contains(p.as_str()) {
            out.push(format!("{FILE}/retry/always/{i}: {p:?} is not a selected operation of this spec"));
        }
    }
    for p in portion.retry.when_true.keys() {
        if !op_paths.contains(p.as_str()) {
            let key = p.replace('~', "~0").replace('/', "~1");
            out.push(format!("{FILE}/retry/when_true/{key}: {p:?} is not a selected operation of this spec"));
        }
    }
    out
}

/// The selected portion as a standalone OpenAPI document: the selected paths, every schema they
/// (and the webhooks and error object) reach, and the document's servers, security and info.
/// Used to load exactly the IDV portion of a large spec into a mock server.
pub fn extract(spec: &Spec, sel: &Selection<'_>) -> Value {
    let doc = &spec.doc;
    let mut paths = serde_json::Map::new();
    for op in &sel.ops {
        let item = paths.entry(op.path.clone()).or_insert_with(|| Value::Object(serde_json::Map::new()));
        if let Value::Object(m) = item {
            m.insert(op.method.clone(), op.op.clone());
        }
    }
    let all = schemas_of(doc).ok().flatten();
    let schemas: serde_json::Map<String, Value> =
        sel.schemas.iter().filter_map(|n| Some((n.clone(), all?.get(n)?.clone()))).collect();
    let mut components = serde_json::Map::new();
    components.insert("schemas".into(), Value::Object(schemas));
    if let Some(s) = doc.pointer("/components/securitySchemes") {
        components.insert("securitySchemes".into(), s.clone());
    }
    let mut out = serde_json::Map::new();
    for k in ["openapi", "info", "servers", "security"] {
        if let Some(v) = doc.get(k) {
            out.insert(k.into(), v.clone());
        }
    }
    out.insert("paths".into(), Value::Object(paths));
    out.insert("components".into(), Value::Object(components));
    Value::Object(out)
}
