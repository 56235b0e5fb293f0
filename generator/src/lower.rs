//! Stage 3: lower the selected JSON into the IR. All spec interpretation happens here; the
//! emitters only ever see [`crate::ir`].

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

/// Names the client itself uses on `Client`; operations may not take them.
const CLIENT_METHODS: &[&str] =
    &["builder", "from_env", "new", "clone", "execute", "environment", "start_verification", "wait_for_terminal"];

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

/// Lowers a selection to the IR.
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
    let mut op_namer = Namer::with_reserved(CLIENT_METHODS);
    for op in &sel.ops {
        let (operation, mut exs) = l.lower_op(op, &mut op_namer)?;
        operations.push(operation);
        examples.append(&mut exs);
    }
    let mut webhooks = Vec::new();
    let mut wh_namer = Namer::with_reserved(&["Unknown"]);
    for name in &sel.webhooks {
        let (wh, mut exs) = l.lower_webhook(name, &mut wh_namer)?;
        webhooks.push(wh);
        examples.append(&mut exs);
    }
    l.mark_requests(&operations);
    l.mark_boxes();
    let mut ex_namer = Namer::default();
    for ex in &mut examples {
        ex.test_name = ex_namer.claim(&ex.test_name);
        ex.unknown_variant = l.mutate_first_enum(&ex.ty, &ex.value);
    }

    let servers = match spec.doc.get("servers") {
        Some(Value::Array(list)) => list
            .iter()
            .filter_map(|s| {
                let url = s.get("url")?.as_str()?.to_string();
                let d = s.get("description").and_then(Value::as_str).unwrap_or("").to_string();
                Some((d, url))
            })
            .collect(),
        _ => Vec::new(),
    };
    let mut auth_headers = BTreeMap::new();
    if let Some(Value::Object(schemes)) = spec.doc.pointer("/components/securitySchemes") {
        for (k, v) in schemes {
            let ptr = join("#/components/securitySchemes", k);
            if let Ok(openapiv3::SecurityScheme::APIKey { location: openapiv3::APIKeyLocation::Header, name, .. }) =
                serde_json::from_value::<openapiv3::SecurityScheme>(v.clone())
            {
                auth_headers.insert(k.clone(), name);
            } else if !v.is_object() {
                return Err(GenError::at(&ptr, "a security scheme must be a mapping"));
            }
        }
    }
    let error_type = sel.error_schema.as_ref().and_then(|e| l.named.get(e)).cloned();
    let mut ir = Ir {
        title: spec.title.clone(),
        spec_version: spec.version.clone(),
        api_version: spec.version.split('_').next().unwrap_or(&spec.version).to_string(),
        spec_sha256: spec.sha256.clone(),
        crate_name: portion.crate_name.clone(),
        crate_version: portion.crate_version.clone(),
        servers,
        auth_headers,
        types: l.types,
        operations,
        webhooks,
        error_type,
        examples,
        warnings: l.warnings,
        aliases: Vec::new(),
        conversions: Vec::new(),
        divergences: Vec::new(),
    };
    // IR → IR passes, in order: ids first (the shape check of `same_type` sees them), then
    // merging, then the flags and names that depend on the final set of types.
    crate::retype::apply(&mut ir.types, &portion.field_newtypes, &mut ir.warnings)?;
    crate::unify::apply(&mut ir, &portion.same_type)?;
    crate::sensitive::mark(&mut ir.types, &portion.sensitive, &mut ir.warnings);
    crate::required::name_required_structs(&mut ir.types);
    Ok(ir)
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

impl<'a> Lowerer<'a> {
    fn classify(&self, name: &str, s: &Value, ptr: &str) -> Result<Class> {
        let m = obj(s, ptr)?;
        let (ty, _) = type_of(m, ptr)?;
        if self.portion.newtypes.iter().any(|n| n == name) {
            return match ty.as_deref() {
                Some("string" | "integer") if !m.contains_key("enum") => Ok(Class::Newtype),
                _ => Err(GenError::at(ptr, "listed in `newtypes` but is not a string or integer schema")),
            };
        }
        if let Some(e) = m.get("enum") {
            let vals = e.as_array().ok_or_else(|| GenError::at(&join(ptr, "enum"), "`enum` must be a list"))?;
            let stringy = matches!(ty.as_deref(), None | Some("string"));
            if stringy && vals.iter().any(|v| enum_wire(v).is_some()) {
                return Ok(Class::Enum);
            }
            return Ok(Class::Inline);
        }
        if m.contains_key("properties") {
            return Ok(Class::Struct);
        }
        if let Some(all) = m.get("allOf") {
            let all = all.as_array().ok_or_else(|| GenError::at(&join(ptr, "allOf"), "`allOf` must be a list"))?;
            // An allOf of scalars is the scalar its members agree on, inlined like an alias.
            if all.len() > 1 && (object_shaped(m) || !self.all_scalar(all)) {
                return Ok(Class::Struct);
            }
        }
        Ok(Class::Inline)
    }

    /// Whether every member of an `allOf` (following `$ref`s) is a scalar, a list or a bare
    /// annotation such as `{description: …}`: nothing with properties or alternatives.
    fn all_scalar(&self, members: &[Value]) -> bool {
        let (mut done, mut path) = (BTreeSet::new(), Vec::new());
        members.iter().all(|m| self.scalar_member(m, &mut done, &mut path, 0))
    }

    /// One member for [`Self::all_scalar`]. `done` holds schemas already found scalar and `path`
    /// the `$ref`s being followed (a cycle is not scalar), so shared references are walked once.
    fn scalar_member(&self, s: &Value, done: &mut BTreeSet<String>, path: &mut Vec<String>, depth: usize) -> bool {
        if depth > MAX_DEPTH {
            return false;
        }
        let Some(m) = s.as_object() else { return s == &Value::Bool(true) };
        if let Some(r) = m.get("$ref") {
            let Some(name) = r.as_str().and_then(|r| ref_name(r, self.doc, "#").ok()) else { return false };
            if done.contains(&name) {
                return true;
            }
            if path.contains(&name) {
                return false;
            }
            path.push(name.clone());
            let scalar = self.scalar_member(&self.schemas[&name], done, path, depth + 1);
            path.pop();
            if scalar {
                done.insert(name);
            }
            return scalar;
        }
        if object_shaped(m) || m.contains_key("oneOf") || m.contains_key("anyOf") {
            return false;
        }
        match m.get("allOf") {
            None => true,
            Some(Value::Array(all)) => all.iter().all(|x| self.scalar_member(x, done, path, depth + 1)),
            Some(_) => false,
        }
    }

    /// The JSON kind of a lowered type and how specific it is within that kind, for meeting
    /// the members of an `allOf` of scalars.
    fn scalar_kind(&self, t: &Ty) -> (&'static str, u8) {
        match t {
            Ty::String => ("string", 0),
            Ty::Date | Ty::DateTime => ("string", 1),
            Ty::I64 => ("integer", 0),
            Ty::I32 => ("integer", 1),
            Ty::F64 => ("number", 0),
            Ty::Bool => ("boolean", 0),
            Ty::Vec(_) => ("array", 0),
            Ty::Map(_) | Ty::Json => ("object", 0),
            Ty::Nullable(i) => self.scalar_kind(i),
            Ty::Named(n) => {
                let kind = match self.types.get(n).map(|t| &t.kind) {
                    Some(Kind::Enum { .. }) => "string",
                    Some(Kind::Newtype { inner }) => self.scalar_kind(inner).0,
                    Some(Kind::Struct { .. }) => "object",
                    None => match self.named.iter().find(|(_, r)| *r == n) {
                        Some((schema, _)) => match self.classify(schema, &self.schemas[schema], "#") {
                            Ok(Class::Enum) => "string",
                            Ok(Class::Newtype) if self.schemas[schema].get("type") == Some(&Value::from("integer")) => {
                                "integer"
                            }
                            Ok(Class::Newtype) => "string",
                            _ => "object",
                        },
                        None => "object",
                    },
                };
                (kind, 2)
            }
        }
    }

    /// An `allOf` whose members are all scalars: the most specific type they agree on (an enum
    /// over `type: string`, `integer` over `number`), nullable when any member admits `null`.
    /// Bare annotations add nothing. Members that cannot agree are an error at the second one.
    fn scalar_all_of(
        &mut self,
        s: &'a Value,
        members: &'a [Value],
        aptr: &str,
        hint: &str,
        mut nullable: bool,
    ) -> Result<(Ty, bool, Option<String>)> {
        let mut best: Option<(Ty, usize)> = None;
        let (mut own_doc, mut ref_doc) = (desc(s), None);
        for (i, member) in members.iter().enumerate() {
            let mptr = format!("{aptr}/{i}");
            let (ty, n, d) = self.field_ty(member, &mptr, hint)?;
            nullable |= n;
            if member.get("$ref").is_none() {
                own_doc = own_doc.or_else(|| desc(member));
            }
            ref_doc = ref_doc.or(d);
            if ty == Ty::Json {
                continue; // `{}` or an annotation: any value
            }
            best = Some(match best {
                None => (ty, i),
                Some((b, j)) if b == ty => (b, j),
                Some((b, j)) => {
                    let ((kb, rb), (kt, rt)) = (self.scalar_kind(&b), self.scalar_kind(&ty));
                    match (kb, kt) {
                        ("number", "integer") => (ty, i),
                        ("integer", "number") => (b, j),
                        _ if kb == kt && rb != rt => {
                            if rt > rb {
                                (ty, i)
                            } else {
                                (b, j)
                            }
                        }
                        _ => {
                            return Err(GenError::at(
                                &mptr,
                                format!(
                                    "allOf members disagree: member {j} is {} ({kb}) and member {i} is {} ({kt}); \
                                     no value can be both",
                                    ty_label(&b),
                                    ty_label(&ty)
                                ),
                            ))
                        }
                    }
                }
            });
        }
        Ok((best.map(|(t, _)| t).unwrap_or(Ty::Json), nullable, own_doc.or(ref_doc)))
    }

    fn build_named(&mut self, schema: &str) -> Result<()> {
        let ptr = join("#/components/schemas", schema);
        let schemas = self.schemas;
        let s = &schemas[schema];
        let rust = self.named[schema].clone();
        let class = self.classify(schema, s, &ptr)?;
        let def = match class {
            Class::Struct => self.build_struct(&rust, schema, s, &ptr)?,
            Class::Enum => self.build_enum(&rust, schema, &ptr, s)?,
            Class::Newtype => {
                let (t, _) = type_of(obj(s, &ptr)?, &ptr)?;
                let inner = if t.as_deref() == Some("integer") { Ty::I64 } else { Ty::String };
                TypeDef {
                    name: rust.clone(),
                    origin: schema.to_string(),
                    doc: desc(s),
                    deprecated: is_true(s, "deprecated"),
                    kind: Kind::Newtype { inner },
                }
            }
            Class::Inline => return Ok(()),
        };
        self.types.insert(rust, def);
        Ok(())
    }

    /// An enum named `rust` from the schema `s` at `ptr`; `origin` is its schema name, or its
    /// pointer when it is inline.
    fn build_enum(&mut self, rust: &str, origin: &str, ptr: &str, s: &Value) -> Result<TypeDef> {
        let values: Vec<&Value> = s.get("enum").and_then(Value::as_array).into_iter().flatten().collect();
        let docs = enum_descriptions(s, &values, ptr)?;
        let mut namer = Namer::with_reserved(&["Unknown"]);
        let mut seen = BTreeSet::new();
        let mut variants = Vec::new();
        for v in values {
            if let Some(wire) = enum_wire(v) {
                if seen.insert(wire.clone()) {
                    let doc = docs.get(&wire).cloned();
                    variants.push(Variant { name: namer.claim(&variant_name(&wire)), wire, doc });
                }
            }
        }
        Ok(TypeDef {
            name: rust.to_string(),
            origin: origin.to_string(),
            doc: desc(s),
            deprecated: is_true(s, "deprecated"),
            kind: Kind::Enum { variants },
        })
    }

    /// Collects the properties and required names of an object schema, merging `allOf` members.
    fn collect_props(
        &self,
        s: &'a Value,
        ptr: &str,
        props: &mut Vec<(String, &'a Value, String)>,
        required: &mut BTreeSet<String>,
        depth: usize,
    ) -> Result<()> {
        if depth > MAX_DEPTH {
            return Err(GenError::at(ptr, "allOf nesting is too deep or cyclic"));
        }
        let m = obj(s, ptr)?;
        if let Some(r) = m.get("$ref") {
            let rptr = join(ptr, "$ref");
            let name =
                ref_name(r.as_str().ok_or_else(|| GenError::at(&rptr, "$ref must be a string"))?, self.doc, &rptr)?;
            let target = &self.schemas[&name];
            return self.collect_props(target, &join("#/components/schemas", &name), props, required, depth + 1);
        }
        if let Some(all) = m.get("allOf") {
            let aptr = join(ptr, "allOf");
            let all = all.as_array().ok_or_else(|| GenError::at(&aptr, "`allOf` must be a list"))?;
            for (i, member) in all.iter().enumerate() {
                self.collect_props(member, &format!("{aptr}/{i}"), props, required, depth + 1)?;
            }
        }
        if let Some(p) = m.get("properties") {
            let pptr = join(ptr, "properties");
            let p = p.as_object().ok_or_else(|| GenError::at(&pptr, "`properties` must be a mapping"))?;
            for (k, v) in p {
                let vptr = join(&pptr, k);
                if let Some(slot) = props.iter_mut().find(|(n, _, _)| n == k) {
                    *slot = (k.clone(), v, vptr);
                } else {
                    props.push((k.clone(), v, vptr));
                }
            }
        }
        if let Some(r) = m.get("required") {
            let rptr = join(ptr, "required");
            let r = r.as_array().ok_or_else(|| GenError::at(&rptr, "`required` must be a list of names"))?;
            for (i, n) in r.iter().enumerate() {
                let n =
                    n.as_str().ok_or_else(|| GenError::at(&format!("{rptr}/{i}"), "required names must be strings"))?;
                required.insert(n.to_string());
            }
        }
        for k in ["oneOf", "anyOf"] {
            if m.contains_key(k) {
                return Err(GenError::at(&join(ptr, k), format!("{k} inside an object schema is not supported")));
            }
        }
        Ok(())
    }

    fn build_struct(&mut self, rust: &str, origin: &str, s: &'a Value, ptr: &str) -> Result<TypeDef> {
        let mut props = Vec::new();
        let mut required = BTreeSet::new();
        self.collect_props(s, ptr, &mut props, &mut required, 0)?;
        let mut namer = Namer::default();
        let mut fields = Vec::new();
        for (wire, ps, pptr) in props {
            let hint = format!("{rust}_{wire}");
            let (ty, nullable, alias_doc) = self.field_ty(ps, &pptr, &hint)?;
            let optional = !required.contains(&wire);
            let doc = desc(ps).or(alias_doc);
            fields.push(Field {
                name: namer.claim(&snake_name(&wire)),
                wire,
                ty,
                optional,
                nullable,
                explicit_null: false,
                boxed: false,
                doc,
                deprecated: is_true(ps, "deprecated"),
                sensitive: false,
            });
        }
        let request_id_field = fields
            .iter()
            .find(|f| f.wire == "request_id" && matches!(&f.ty, Ty::String) && !f.optional && !f.nullable)
            .or_else(|| {
                // A string newtype (listed in `newtypes`) also works: it is `AsRef<str>`.
                fields.iter().find(|f| {
                    f.wire == "request_id"
                        && !f.optional
                        && !f.nullable
                        && matches!(&f.ty, Ty::Named(n) if self.named.iter().any(|(s, r)| r == n && self.portion.newtypes.contains(s)))
                })
            })
            .map(|f| f.name.clone());
        Ok(TypeDef {
            name: rust.to_string(),
            origin: origin.to_string(),
            doc: desc(s),
            deprecated: is_true(s, "deprecated"),
            kind: Kind::Struct { fields, request: false, request_id_field, required_struct: None },
        })
    }

    /// The Rust type of a schema used in a field, whether it is nullable, and (for inlined
    /// aliases) the alias's description.
    fn field_ty(&mut self, s: &'a Value, ptr: &str, hint: &str) -> Result<(Ty, bool, Option<String>)> {
        if s == &Value::Bool(true) {
            return Ok((Ty::Json, false, None));
        }
        let m = obj(s, ptr)?;
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            self.depth -= 1;
            return Err(GenError::at(ptr, "schema is nested too deeply"));
        }
        let r = self.field_ty_inner(s, m, ptr, hint);
        self.depth -= 1;
        r
    }

    fn field_ty_inner(
        &mut self,
        s: &'a Value,
        m: &'a Map<String, Value>,
        ptr: &str,
        hint: &str,
    ) -> Result<(Ty, bool, Option<String>)> {
        let mut nullable = m.get("nullable").and_then(Value::as_bool) == Some(true);
        if let Some(r) = m.get("$ref") {
            let rptr = join(ptr, "$ref");
            let name =
                ref_name(r.as_str().ok_or_else(|| GenError::at(&rptr, "$ref must be a string"))?, self.doc, &rptr)?;
            let target = &self.schemas[&name];
            let tptr = join("#/components/schemas", &name);
            if let Some(rust) = self.named.get(&name) {
                // A field without its own description is documented by the first paragraph of
                // the type it refers to.
                let doc = desc(target).map(|d| d.split("\n\n").next().unwrap_or_default().trim().to_string());
                return Ok((Ty::Named(rust.clone()), nullable || admits_null(target), doc));
            }
            if self.inline_stack.contains(&name) {
                self.warnings.push(format!("{tptr}: alias refers to itself; mapped to serde_json::Value"));
                return Ok((Ty::Json, nullable, desc(target)));
            }
            self.inline_stack.push(name.clone());
            let res = self.field_ty(target, &tptr, &type_name(&name));
            self.inline_stack.pop();
            let (ty, n, d) = res?;
            return Ok((ty, nullable || n, d.or_else(|| desc(target))));
        }
        if let Some(all) = m.get("allOf") {
            let aptr = join(ptr, "allOf");
            let list = all.as_array().ok_or_else(|| GenError::at(&aptr, "`allOf` must be a list"))?;
            let members: Vec<&'a Value> = list.iter().collect();
            if members.len() == 1 && !m.contains_key("properties") {
                let (ty, n, d) = self.field_ty(members[0], &format!("{aptr}/0"), hint)?;
                return Ok((ty, nullable || n, d));
            }
            if members.is_empty() {
                return Err(GenError::at(&aptr, "`allOf` must not be empty"));
            }
            if !object_shaped(m) && self.all_scalar(list) {
                return self.scalar_all_of(s, list, &aptr, hint, nullable);
            }
            return self.inline_struct(s, ptr, hint, nullable);
        }
        for k in ["oneOf", "anyOf"] {
            if let Some(alts) = m.get(k) {
                let kptr = join(ptr, k);
                let alts = alts.as_array().ok_or_else(|| GenError::at(&kptr, format!("`{k}` must be a list")))?;
                // `anyOf: [X, {type: null}]` is a nullable X.
                let non_null: Vec<(usize, &Value)> = alts
                    .iter()
                    .enumerate()
                    .filter(|(_, a)| a.get("type").and_then(Value::as_str) != Some("null"))
                    .collect();
                if non_null.len() == 1 && alts.len() == 2 {
                    let (i, a) = non_null[0];
                    let (ty, _, d) = self.field_ty(a, &format!("{kptr}/{i}"), hint)?;
                    return Ok((ty, true, d));
                }
                for (i, a) in alts.iter().enumerate() {
                    obj(a, &format!("{kptr}/{i}"))?;
                }
                self.warnings.push(format!("{kptr}: {k} is not supported; mapped losslessly to serde_json::Value"));
                return Ok((Ty::Json, nullable, None));
            }
        }
        let (ty, tnull) = type_of(m, ptr)?;
        nullable |= tnull;
        if let Some(e) = m.get("enum") {
            let eptr = join(ptr, "enum");
            let vals = e.as_array().ok_or_else(|| GenError::at(&eptr, "`enum` must be a list"))?;
            nullable |= vals.iter().any(Value::is_null);
            let stringy = matches!(ty.as_deref(), None | Some("string"));
            if stringy && vals.iter().any(|v| enum_wire(v).is_some()) {
                let name = self.namer.claim(&type_name(hint));
                let def = self.build_enum(&name, ptr, ptr, s)?;
                self.types.insert(name.clone(), def);
                return Ok((Ty::Named(name), nullable, None));
            }
        }
        let t = match ty.as_deref() {
            Some("string") => match m.get("format").and_then(Value::as_str) {
                Some("date") => Ty::Date,
                Some("date-time") => Ty::DateTime,
                _ => Ty::String,
            },
            Some("integer") => match m.get("format").and_then(Value::as_str) {
                Some("int32") => Ty::I32,
                _ => Ty::I64,
            },
            Some("number") => Ty::F64,
            Some("boolean") => Ty::Bool,
            Some("null") => return Ok((Ty::Json, true, None)),
            Some("array") => {
                let iptr = join(ptr, "items");
                match m.get("items") {
                    None => Ty::Vec(Box::new(Ty::Json)),
                    Some(Value::Object(i)) if i.is_empty() => Ty::Vec(Box::new(Ty::Json)),
                    Some(items) => {
                        let (it, inull, _) = self.field_ty(items, &iptr, &format!("{hint}_item"))?;
                        Ty::Vec(Box::new(if inull { Ty::Nullable(Box::new(it)) } else { it }))
                    }
                }
            }
            Some("object") | None => {
                if m.contains_key("properties") {
                    return self.inline_struct(s, ptr, hint, nullable);
                }
                match m.get("additionalProperties") {
                    Some(apv @ Value::Object(ap)) if !ap.is_empty() => {
                        let (it, inull, _) =
                            self.field_ty(apv, &join(ptr, "additionalProperties"), &format!("{hint}_value"))?;
                        Ty::Map(Box::new(if inull { Ty::Nullable(Box::new(it)) } else { it }))
                    }
                    _ if ty.is_some() => Ty::Map(Box::new(Ty::Json)),
                    _ => Ty::Json,
                }
            }
            Some(other) => return Err(GenError::at(&join(ptr, "type"), format!("unknown schema type {other:?}"))),
        };
        Ok((t, nullable, None))
    }

    fn inline_struct(
        &mut self,
        s: &'a Value,
        ptr: &str,
        hint: &str,
        nullable: bool,
    ) -> Result<(Ty, bool, Option<String>)> {
        let name = self.namer.claim(&type_name(hint));
        let def = self.build_struct(&name, ptr, s, ptr)?;
        self.types.insert(name.clone(), def);
        Ok((Ty::Named(name), nullable, None))
    }

    fn json_schema_of<'v>(content: &'v Value, ptr: &str) -> Result<Option<(&'v Value, String)>> {
        let c = content.as_object().ok_or_else(|| GenError::at(ptr, "`content` must be a mapping"))?;
        let pick = c
            .iter()
            .find(|(k, _)| k.as_str() == "application/json")
            .or_else(|| c.iter().find(|(k, _)| k.contains("json")));
        Ok(pick.map(|(k, v)| (v, join(ptr, k))))
    }

    fn lower_op(&mut self, op: &crate::select::SelectedOp<'a>, namer: &mut Namer) -> Result<(Operation, Vec<Example>)> {
        let o = op.op;
        let id = match o.get("operationId") {
            Some(Value::String(s)) if !s.trim().is_empty() => s.clone(),
            Some(Value::String(_)) | None => format!("{}_{}", op.method, op.path),
            Some(_) => return Err(GenError::at(&join(&op.pointer, "operationId"), "operationId must be a string")),
        };
        let method_name = namer.claim(&snake_name(&id));
        if o.get("parameters").is_some_and(|p| p.as_array().is_none_or(|a| !a.is_empty())) {
            return Err(GenError::at(
                &join(&op.pointer, "parameters"),
                "operation parameters are not supported (Plaid's API takes everything in the JSON body)",
            ));
        }
        if op.path.contains('{') {
            return Err(GenError::at(&op.pointer, "path templates like {id} are not supported"));
        }
        let base_hint = type_name(&id);
        let doc = match (o.get("summary").and_then(Value::as_str), desc(o)) {
            (Some(s), Some(d)) => Some(format!("{}\n\n{d}", s.trim())),
            (Some(s), None) => Some(s.trim().to_string()),
            (None, d) => d,
        };
        let mut request = None;
        if let Some(rb) = o.get("requestBody") {
            let rptr = join(&op.pointer, "requestBody");
            if rb.get("$ref").is_some() {
                return Err(GenError::at(&rptr, "requestBody $ref is not supported"));
            }
            let content = rb.get("content").ok_or_else(|| GenError::at(&rptr, "requestBody has no `content`"))?;
            let cptr = join(&rptr, "content");
            match Self::json_schema_of(content, &cptr)? {
                Some((media, mptr)) => {
                    let schema =
                        media.get("schema").ok_or_else(|| GenError::at(&mptr, "media type has no `schema`"))?;
                    let (ty, _, _) = self.field_ty(schema, &join(&mptr, "schema"), &format!("{base_hint}Request"))?;
                    request = Some(ty);
                }
                None => return Err(GenError::at(&cptr, "only JSON request bodies are supported")),
            }
        }
        let rptr = join(&op.pointer, "responses");
        let responses = o
            .get("responses")
            .and_then(Value::as_object)
            .ok_or_else(|| GenError::at(&rptr, "an operation needs a `responses` mapping"))?;
        let mut response = Ty::Json;
        let mut examples = Vec::new();
        let ok = responses
            .iter()
            .find(|(k, _)| k.as_str() == "200")
            .or_else(|| responses.iter().find(|(k, _)| k.starts_with('2')));
        if let Some((code, r)) = ok {
            let cptr = join(&rptr, code);
            // Response keys are any text (`2XX`, `2 ok`): test names made from them go through
            // `snake_name` like every other identifier.
            if r.get("$ref").is_some() {
                return Err(GenError::at(&cptr, "response $ref is not supported"));
            }
            if let Some(content) = r.get("content") {
                if let Some((media, mptr)) = Self::json_schema_of(content, &join(&cptr, "content"))? {
                    if let Some(schema) = media.get("schema") {
                        let (ty, _, _) =
                            self.field_ty(schema, &join(&mptr, "schema"), &format!("{base_hint}Response"))?;
                        response = ty;
                    }
                    if let Some(Value::Object(exs)) = media.get("examples") {
                        for (name, ex) in exs {
                            if let Some(v) = ex.get("value") {
                                examples.push(Example {
                                    test_name: snake_name(&format!("{method_name}_{code}_{}", snake_name(name))),
                                    ty: response.clone(),
                                    value: v.clone(),
                                    unknown_variant: None,
                                });
                            }
                        }
                    } else if let Some(v) = media.get("example") {
                        examples.push(Example {
                            test_name: snake_name(&format!("{method_name}_{code}_example")),
                            ty: response.clone(),
                            value: v.clone(),
                            unknown_variant: None,
                        });
                    }
                }
            }
        }
        let retry = if self.portion.retry.always.iter().any(|p| p == &op.path) {
            RetrySafety::Always
        } else if let Some(field) = self.portion.retry.when_true.get(&op.path) {
            // Older specs may lack the field (Plaid added `is_idempotent` to create later): the
            // operation is then never retried, with a warning, rather than failing the spec.
            match self.request_field(&request, field) {
                None => {
                    self.warnings.push(format!(
                        "{}: retry.when_true names `{field}`, which is not a field of this request; \
                         the operation is never retried",
                        op.pointer
                    ));
                    RetrySafety::Never
                }
                Some(f) if f.ty != Ty::Bool => {
                    self.warnings.push(format!(
                        "{}: retry.when_true field `{field}` is not a boolean; the operation is never retried",
                        op.pointer
                    ));
                    RetrySafety::Never
                }
                Some(f) => RetrySafety::WhenTrue {
                    field: f.name.clone(),
                    optional: f.optional || f.nullable,
                    explicit_null: f.optional && f.nullable,
                },
            }
        } else {
            RetrySafety::Never
        };
        let mut pagination = self.pagination(&request, &response);
        if let Some(p) = &mut pagination {
            p.pages_method = namer.claim(&format!("{method_name}_pages"));
            p.stream_method = namer.claim(&format!("{method_name}_stream"));
        }
        let http_method = op.method.to_uppercase();
        let deprecated = is_true(o, "deprecated");
        Ok((
            Operation {
                method_name,
                id,
                http_method,
                path: op.path.clone(),
                doc,
                request,
                response,
                deprecated,
                retry,
                pagination,
            },
            examples,
        ))
    }

    fn struct_fields(&self, ty: &Option<Ty>) -> Option<&Vec<Field>> {
        match ty {
            Some(Ty::Named(n)) => match &self.types.get(n)?.kind {
                Kind::Struct { fields, .. } => Some(fields),
                _ => None,
            },
            _ => None,
        }
    }

    fn request_field(&self, req: &Option<Ty>, wire: &str) -> Option<Field> {
        self.struct_fields(req)?.iter().find(|f| f.wire == wire).cloned()
    }

    fn pagination(&self, req: &Option<Ty>, resp: &Ty) -> Option<Pagination> {
        let rf = self.struct_fields(req)?;
        let cursor = rf.iter().find(|f| f.wire == "cursor" && f.ty == Ty::String)?;
        let pf = self.struct_fields(&Some(resp.clone()))?;
        let next = pf.iter().find(|f| f.wire == "next_cursor" && f.ty == Ty::String)?;
        let lists: Vec<&Field> =
            pf.iter().filter(|f| matches!(&f.ty, Ty::Vec(i) if matches!(**i, Ty::Named(_)))).collect();
        if lists.len() != 1 || lists[0].optional || lists[0].nullable {
            return None;
        }
        let item_ty = match &lists[0].ty {
            Ty::Vec(i) => (**i).clone(),
            _ => return None,
        };
        Some(Pagination {
            cursor_field: cursor.name.clone(),
            // Request types carry `Option<Option<_>>` for optional nullable fields.
            cursor_explicit_null: cursor.optional && cursor.nullable,
            cursor_optional: cursor.optional || cursor.nullable,
            next_field: next.name.clone(),
            next_optional: next.optional || next.nullable,
            items_field: lists[0].name.clone(),
            item_ty,
            pages_method: String::new(),
            stream_method: String::new(),
        })
    }

    fn lower_webhook(&mut self, name: &str, namer: &mut Namer) -> Result<(Webhook, Vec<Example>)> {
        let ptr = join("#/components/schemas", name);
        let rust = match self.named.get(name) {
            Some(r) if matches!(self.types.get(r).map(|t| &t.kind), Some(Kind::Struct { .. })) => r.clone(),
            _ => return Err(GenError::at(&ptr, "a webhook schema must be an object with properties")),
        };
        let s = &self.schemas[name];
        let examples_v: Vec<Value> = match s.get("x-examples") {
            Some(Value::Object(m)) => m.values().cloned().collect(),
            Some(Value::Array(a)) => a.clone(),
            _ => Vec::new(),
        };
        let find = |key: &str| -> Option<String> {
            let p = s.get("properties")?.get(key)?;
            let p = match p.get("$ref").and_then(Value::as_str) {
                Some(r) => self.schemas.get(r.rsplit('/').next()?)?,
                None => p,
            };
            if let Some(Value::Array(vals)) = p.get("enum") {
                let vals: Vec<String> = vals.iter().filter_map(enum_wire).collect();
                if vals.len() == 1 {
                    return Some(vals[0].clone());
                }
            }
            if let Some(v) = examples_v.iter().find_map(|e| e.get(key).and_then(Value::as_str)) {
                return Some(v.to_string());
            }
            // Plaid states the value only in prose: "`IDENTITY_VERIFICATION`".
            let d = p.get("description")?.as_str()?.trim();
            let inner = d.strip_prefix('`')?.strip_suffix('`')?;
            (!inner.is_empty() && !inner.contains('`')).then(|| inner.to_string())
        };
        let webhook_type = find("webhook_type").ok_or_else(|| {
            GenError::at(
                &join(&join(&ptr, "properties"), "webhook_type"),
                "cannot tell this webhook's webhook_type value",
            )
        })?;
        let webhook_code = find("webhook_code").ok_or_else(|| {
            GenError::at(
                &join(&join(&ptr, "properties"), "webhook_code"),
                "cannot tell this webhook's webhook_code value",
            )
        })?;
        let base = variant_name(&webhook_code);
        let variant = if namer.is_taken(&base) {
            namer.claim(&variant_name(&format!("{webhook_type} {webhook_code}")))
        } else {
            namer.claim(&base)
        };
        let examples = examples_v
            .into_iter()
            .enumerate()
            .map(|(i, v)| Example {
                test_name: format!("webhook_{}_{}", snake_name(name), i + 1),
                ty: Ty::Named(rust.clone()),
                value: v,
                unknown_variant: None,
            })
            .collect();
        Ok((Webhook { variant, ty: rust, webhook_type, webhook_code, doc: desc(s) }, examples))
    }

    fn named_refs(ty: &Ty, direct: bool, out: &mut Vec<(String, bool)>) {
        match ty {
            Ty::Named(n) => out.push((n.clone(), direct)),
            Ty::Vec(i) | Ty::Map(i) => Self::named_refs(i, false, out),
            Ty::Nullable(i) => Self::named_refs(i, direct, out),
            _ => {}
        }
    }

    fn edges(&self, name: &str) -> Vec<(String, bool)> {
        let mut out = Vec::new();
        if let Some(TypeDef { kind: Kind::Struct { fields, .. }, .. }) = self.types.get(name) {
            for f in fields {
                Self::named_refs(&f.ty, true, &mut out);
            }
        }
        out
    }

    /// Types reachable from a request body get `Option<Option<T>>` for optional nullable fields.
    fn mark_requests(&mut self, ops: &[Operation]) {
        let mut seen = BTreeSet::new();
        let mut stack: Vec<String> = Vec::new();
        for op in ops {
            if let Some(t) = &op.request {
                let mut out = Vec::new();
                Self::named_refs(t, true, &mut out);
                stack.extend(out.into_iter().map(|(n, _)| n));
            }
        }
        while let Some(n) = stack.pop() {
            if seen.insert(n.clone()) {
                stack.extend(self.edges(&n).into_iter().map(|(n, _)| n));
            }
        }
        for n in seen {
            if let Some(TypeDef { kind: Kind::Struct { fields, request, .. }, .. }) = self.types.get_mut(&n) {
                *request = true;
                for f in fields {
                    f.explicit_null = f.optional && f.nullable;
                }
            }
        }
    }

    /// Boxes every direct field whose type can reach back to the struct holding it.
    fn mark_boxes(&mut self) {
        let names: Vec<String> = self.types.keys().cloned().collect();
        let direct: BTreeMap<String, Vec<String>> = names
            .iter()
            .map(|n| (n.clone(), self.edges(n).into_iter().filter(|(_, d)| *d).map(|(t, _)| t).collect()))
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
            if let Some(TypeDef { kind: Kind::Struct { fields, .. }, .. }) = self.types.get(n) {
                for (i, f) in fields.iter().enumerate() {
                    let mut refs = Vec::new();
                    Self::named_refs(&f.ty, true, &mut refs);
                    if refs.iter().any(|(t, d)| *d && reaches(t, n)) {
                        to_box.push((n.clone(), i));
                    }
                }
            }
        }
        for (n, i) in to_box {
            if let Some(TypeDef { kind: Kind::Struct { fields, .. }, .. }) = self.types.get_mut(&n) {
                fields[i].boxed = true;
            }
        }
    }

    /// The example with its first enum-typed string replaced by [`UNSEEN_ENUM_VALUE`].
    fn mutate_first_enum(&self, ty: &Ty, v: &Value) -> Option<Value> {
        let mut out = v.clone();
        self.mutate(ty, &mut out, 0).then_some(out)
    }

    fn mutate(&self, ty: &Ty, v: &mut Value, depth: usize) -> bool {
        if depth > MAX_DEPTH {
            return false;
        }
        match (ty, v) {
            (Ty::Nullable(i), v) => self.mutate(i, v, depth + 1),
            (Ty::Vec(i), Value::Array(items)) => items.iter_mut().any(|x| self.mutate(i, x, depth + 1)),
            (Ty::Named(n), v) => match (self.types.get(n).map(|t| &t.kind), v) {
                (Some(Kind::Enum { .. }), v @ Value::String(_)) => {
                    *v = Value::String(UNSEEN_ENUM_VALUE.into());
                    true
                }
                (Some(Kind::Struct { fields, .. }), Value::Object(m)) => {
                    fields.iter().any(|f| m.get_mut(&f.wire).is_some_and(|x| self.mutate(&f.ty, x, depth + 1)))
                }
                _ => false,
            },
            _ => false,
        }
    }
}
