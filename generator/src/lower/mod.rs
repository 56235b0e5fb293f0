//! Stage 3: lower the selected JSON into the IR. All spec interpretation happens here; the
//! emitters only ever see [`crate::ir`]. Split by concern: `schemas`, `operations`,
//! `webhooks`, `examples`, `client` (servers, auth headers, API version, and whether the flow
//! helpers and the fake apply). The result is the raw IR: [`crate::passes`] runs the IR → IR
//! passes over it.

mod client;
mod examples;
mod operations;
mod schemas;
mod webhooks;

use crate::error::{join, GenError, Result};
use crate::ir::*;
use crate::load::Spec;
use crate::naming::{snake_name, type_name, variant_name, Namer};
use crate::portion::Portion;
use crate::select::{ref_name, schemas_of, Selection};
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet};

/// Deeper schemas than this are rejected rather than risking the stack.
const MAX_DEPTH: usize = 128;
/// Value written into the unknown-enum example tests.
pub const UNSEEN_ENUM_VALUE: &str = "__plaid_idv_unseen_value__";

struct Lowerer<'a> {
    doc: &'a Value,
    schemas: &'a Map<String, Value>,
    portion: &'a Portion,
    /// Schema name -> Rust name, for schemas that become named types.
    named: BTreeMap<String, String>,
    namer: Namer,
    types: BTreeMap<String, TypeDef>,
    warnings: Vec<String>,
    inline_stack: Vec<String>,
    depth: usize,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Class {
    Struct,
    Enum,
    Newtype,
    Inline,
}

/// Lowers a selection to the raw IR (before [`crate::passes::run`]).
pub fn lower<'a>(spec: &'a Spec, sel: &Selection<'a>, portion: &'a Portion) -> Result<Ir> {
    static EMPTY: std::sync::OnceLock<Map<String, Value>> = std::sync::OnceLock::new();
    let schemas = match schemas_of(&spec.doc)? {
        Some(m) => m,
        None => EMPTY.get_or_init(Map::new),
    };
    let mut l = Lowerer {
        doc: &spec.doc,
        schemas,
        portion,
        named: BTreeMap::new(),
        namer: Namer::with_reserved(&[]),
        types: BTreeMap::new(),
        warnings: sel.unmatched.clone(),
        inline_stack: Vec::new(),
        depth: 0,
    };
    // Classify and name every selected schema. Names already in UpperCamel form win ties, so
    // `DocumentImageFront` keeps its name if `DocumentImage__Front` also exists.
    let mut order: Vec<(bool, String)> = Vec::new();
    for name in &sel.schemas {
        let ptr = join("#/components/schemas", name);
        let class = l.classify(name, &schemas[name], &ptr)?;
        if class != Class::Inline {
            order.push((type_name(name) != *name, name.clone()));
        }
    }
    order.sort();
    for (_, name) in &order {
        let rust = l.namer.claim(&type_name(name));
        l.named.insert(name.clone(), rust);
    }
    let named: Vec<String> = l.named.keys().cloned().collect();
    for name in &named {
        l.build_named(name)?;
    }
    for name in &portion.newtypes {
        if l.schemas.contains_key(name) && !l.named.contains_key(name) && sel.schemas.contains(name) {
            return Err(GenError::at(&join("#/components/schemas", name), "listed in `newtypes` but is not a scalar"));
        }
    }

    let mut operations = Vec::new();
    let mut examples = Vec::new();
    let reserved: Vec<&str> = crate::naming::client_methods().iter().map(String::as_str).collect();
    let mut op_namer = Namer::with_reserved(&reserved);
    for op in &sel.ops {
        let (operation, mut exs) = l.lower_op(op, &mut op_namer)?;
        operations.push(operation);
        examples.append(&mut exs);
    }
    let mut webhooks = Vec::new();
    let mut wh_namer = Namer::with_reserved(&["Unknown"]);
    // (webhook_type, webhook_code) → the schema that has it: a body is dispatched by the pair.
    let mut dispatch: BTreeMap<(String, String), &String> = BTreeMap::new();
    for name in &sel.webhooks {
        let (wh, mut exs) = l.lower_webhook(name, &mut wh_namer)?;
        let key = (wh.webhook_type.clone(), wh.webhook_code.clone());
        if let Some(first) = dispatch.insert(key, name) {
            return Err(GenError::at(
                &join("#/components/schemas", name),
                format!(
                    "has webhook_type {:?} and webhook_code {:?}, as {first} does: webhooks are told apart by \
                     that pair, so this one could never be received. Give it its own pair, or leave one of the two \
                     out of the portion's `webhooks`",
                    wh.webhook_type, wh.webhook_code
                ),
            ));
        }
        webhooks.push(wh);
        examples.append(&mut exs);
    }
    // Test names share the module with its imports, and each one has an unknown-enum twin:
    // the pair is claimed together, so no two tests (or example files) share a name.
    let mut ex_namer = Namer::with_reserved(crate::emit::examples::MODULE_NAMES);
    for ex in &mut examples {
        ex.test_name = ex_namer.claim_with(&ex.test_name, crate::naming::unknown_enum_test_name);
        ex.unknown_variant = l.mutate_first_enum(&ex.ty, &ex.value);
    }

    let servers = client::servers(&spec.doc)?;
    let auth = client::auth(&spec.doc)?;
    let error_type = sel.error_schema.as_ref().and_then(|e| l.named.get(e)).cloned();
    Ok(Ir {
        title: spec.title.clone(),
        spec_version: spec.version.clone(),
        api_version: client::api_version(&spec.version),
        spec_sha256: spec.sha256.clone(),
        crate_name: portion.crate_name.clone(),
        crate_version: portion.crate_version.clone(),
        rust_version: portion.rust_version.clone(),
        public_deps: crate::render::public_dependencies()?,
        cargo_features: crate::render::cargo_features()?,
        publish: portion.publish,
        servers,
        auth,
        features: Features::default(),
        types: l.types,
        operations,
        webhooks,
        error_type,
        examples,
        warnings: l.warnings,
        aliases: Vec::new(),
        conversions: Vec::new(),
        one_of: Vec::new(),
    })
}

/// Which optional modules the final IR supports, by the runtime contract (the last of
/// [`crate::passes`]); `required` are the modules the selection file `require`s.
pub(crate) fn features(ir: &mut Ir, required: &[String]) -> Result<()> {
    client::features(ir, required)
}

fn obj<'v>(v: &'v Value, ptr: &str) -> Result<&'v Map<String, Value>> {
    v.as_object().ok_or_else(|| GenError::at(ptr, "a schema must be a mapping"))
}

fn desc(v: &Value) -> Option<String> {
    v.get("description").and_then(Value::as_str).map(str::trim).filter(|s| !s.is_empty()).map(String::from)
}

fn is_true(v: &Value, key: &str) -> bool {
    v.get(key).and_then(Value::as_bool) == Some(true)
}

/// Whether a schema admits `null` by itself: `nullable: true`, `null` in a `type` list, or
/// `null` among its `enum` values (Plaid lists `null` without `nullable` on some enums).
fn admits_null(v: &Value) -> bool {
    let listed = |key: &str, null: &Value| v.get(key).and_then(Value::as_array).is_some_and(|a| a.contains(null));
    is_true(v, "nullable") || listed("type", &Value::String("null".into())) || listed("enum", &Value::Null)
}

/// Whether a schema describes an object by itself: properties, additional properties or
/// `type: object`.
fn object_shaped(m: &Map<String, Value>) -> bool {
    let object = |t: &Value| t.as_str() == Some("object");
    m.contains_key("properties")
        || m.contains_key("additionalProperties")
        || m.get("type").is_some_and(|t| object(t) || t.as_array().is_some_and(|a| a.iter().any(object)))
}

/// How an error message names a lowered type.
fn ty_label(t: &Ty) -> String {
    match t {
        Ty::String => "`String`".into(),
        Ty::Bool => "`bool`".into(),
        Ty::I32 => "`i32`".into(),
        Ty::I64 => "`i64`".into(),
        Ty::F64 => "`f64`".into(),
        Ty::Date => "a date".into(),
        Ty::DateTime => "a date-time".into(),
        Ty::Json => "any JSON".into(),
        Ty::Named(n) => format!("`{n}`"),
        Ty::Vec(i) => format!("a list of {}", ty_label(i)),
        Ty::Map(i) => format!("a map of {}", ty_label(i)),
        Ty::Nullable(i) => format!("{} or null", ty_label(i)),
    }
}

/// `type` as (primary type, nullable-by-type-list).
fn type_of(s: &Map<String, Value>, ptr: &str) -> Result<(Option<String>, bool)> {
    match s.get("type") {
        None => Ok((None, false)),
        Some(Value::String(t)) => Ok((Some(t.clone()), false)),
        Some(Value::Array(ts)) => {
            let mut null = false;
            let mut first = None;
            for t in ts {
                match t.as_str() {
                    Some("null") => null = true,
                    Some(t) if first.is_none() => first = Some(t.to_string()),
                    Some(_) => {}
                    None => return Err(GenError::at(&join(ptr, "type"), "type list entries must be strings")),
                }
            }
            Ok((first, null))
        }
        Some(_) => Err(GenError::at(&join(ptr, "type"), "`type` must be a string")),
    }
}

/// Per-value documentation from the `x-enum-descriptions` extension: either a mapping from wire
/// value to text, or a list parallel to `enum`. Anything else, or a key that is not one of the
/// values, is an error rather than silently ignored.
fn enum_descriptions(s: &Value, values: &[&Value], ptr: &str) -> Result<BTreeMap<String, String>> {
    const KEY: &str = "x-enum-descriptions";
    let at = join(ptr, KEY);
    let wires: Vec<Option<String>> = values.iter().map(|v| enum_wire(v)).collect();
    let text = |v: &Value, at: &str| -> Result<Option<String>> {
        match v {
            Value::String(t) => Ok(Some(t.trim().to_string()).filter(|t| !t.is_empty())),
            Value::Null => Ok(None),
            _ => Err(GenError::at(at, "each description must be a string")),
        }
    };
    let mut out = BTreeMap::new();
    match s.get(KEY) {
        None => {}
        Some(Value::Object(m)) => {
            for (k, v) in m {
                let at = join(&at, k);
                if !wires.iter().any(|w| w.as_deref() == Some(k.as_str())) {
                    return Err(GenError::at(&at, format!("{k:?} is not one of this schema's enum values")));
                }
                if let Some(t) = text(v, &at)? {
                    out.insert(k.clone(), t);
                }
            }
        }
        Some(Value::Array(a)) => {
            if a.len() != values.len() {
                return Err(GenError::at(
                    &at,
                    format!(
                        "has {} entries but `enum` has {}; give one per value, or a mapping",
                        a.len(),
                        values.len()
                    ),
                ));
            }
            for (i, (v, w)) in a.iter().zip(&wires).enumerate() {
                if let (Some(t), Some(w)) = (text(v, &join(&at, &i.to_string()))?, w) {
                    out.insert(w.clone(), t);
                }
            }
        }
        Some(_) => return Err(GenError::at(&at, "must be a mapping from enum value to text, or a list")),
    }
    Ok(out)
}

/// The text of an enum value as sent on the wire (`type: string` enums may list numbers).
fn enum_wire(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}
