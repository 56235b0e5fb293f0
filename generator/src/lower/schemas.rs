//! Schemas → named types: classification, objects, enums, newtypes, `allOf`, field types.

use super::*;

impl<'a> Lowerer<'a> {
    pub(super) fn classify(&self, name: &str, s: &Value, ptr: &str) -> Result<Class> {
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
    pub(super) fn all_scalar(&self, members: &[Value]) -> bool {
        let (mut done, mut path) = (BTreeSet::new(), Vec::new());
        members.iter().all(|m| self.scalar_member(m, &mut done, &mut path, 0))
    }

    /// One member for [`Self::all_scalar`]. `done` holds schemas already found scalar and `path`
    /// the `$ref`s being followed (a cycle is not scalar), so shared references are walked once.
    pub(super) fn scalar_member(
        &self,
        s: &Value,
        done: &mut BTreeSet<String>,
        path: &mut Vec<String>,
        depth: usize,
    ) -> bool {
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
    pub(super) fn scalar_kind(&self, t: &Ty) -> (&'static str, u8) {
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
    pub(super) fn scalar_all_of(
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

    pub(super) fn build_named(&mut self, schema: &str) -> Result<()> {
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
                    sent_only: false,
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
    pub(super) fn build_enum(&mut self, rust: &str, origin: &str, ptr: &str, s: &Value) -> Result<TypeDef> {
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
            sent_only: false,
            kind: Kind::Enum { variants },
        })
    }

    /// Collects the properties and required names of an object schema, merging `allOf` members.
    pub(super) fn collect_props(
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

    pub(super) fn build_struct(&mut self, rust: &str, origin: &str, s: &'a Value, ptr: &str) -> Result<TypeDef> {
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
                // Not yet known to be sent: `graph::mark_requests` makes it `sent()`.
                shape: FieldShape::new(optional, nullable, false),
                boxed: false,
                doc,
                deprecated: is_true(ps, "deprecated"),
                sensitive: false,
            });
        }
        let request_id_field = fields
            .iter()
            .find(|f| f.wire == "request_id" && matches!(&f.ty, Ty::String) && f.shape() == FieldShape::Required)
            .or_else(|| {
                // A string newtype (listed in `newtypes`) also works: it is `AsRef<str>`.
                fields.iter().find(|f| {
                    f.wire == "request_id"
                        && f.shape() == FieldShape::Required
                        && matches!(&f.ty, Ty::Named(n) if self.named.iter().any(|(s, r)| r == n && self.portion.newtypes.contains(s)))
                })
            })
            .map(|f| f.name.clone());
        Ok(TypeDef {
            name: rust.to_string(),
            origin: origin.to_string(),
            doc: desc(s),
            deprecated: is_true(s, "deprecated"),
            sent_only: false,
            kind: Kind::Struct { fields, request: false, request_id_field, required_struct: None },
        })
    }

    /// The Rust type of a schema used in a field, whether it is nullable, and (for inlined
    /// aliases) the alias's description.
    pub(super) fn field_ty(&mut self, s: &'a Value, ptr: &str, hint: &str) -> Result<(Ty, bool, Option<String>)> {
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

    pub(super) fn field_ty_inner(
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

    pub(super) fn inline_struct(
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
}
