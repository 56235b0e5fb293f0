//! Stage 5: the last check before emitting. After [`crate::passes`], [`validate`] checks the
//! invariants the emitters rely on and do not check themselves, each failure a located error
//! (the schema or operation it concerns):
//!
//! - every `Ty::Named`, alias target, conversion, webhook body and error type names a type;
//! - no two items share a name in one Rust scope: types, aliases and required-field structs in
//!   `types`; fields (Rust and JSON names) per struct; variants (and wire values) per enum, with
//!   `Unknown` left to the catch-all; webhook variants and their (`webhook_type`,
//!   `webhook_code`); operation and page-stream methods, which never take a `Client` method's
//!   name; example test functions (with their `_unknown_enum` twins);
//! - a retry rule names a `bool` field of the request, with the shape the field has;
//! - pagination names a `String` cursor of the request, a `String` next cursor and a required
//!   list of the item type in the response, with the shapes they have.
//!
//! An earlier stage refuses contradictory input with a better message; what fails here is a
//! case it missed, so it is refused before any code is written.

use crate::error::{join, GenError, Result};
use crate::ir::{Field, FieldShape, Ir, Kind, Operation, RetrySafety, Ty, TypeDef};
use crate::op_rules::op_pointer;
use std::collections::BTreeMap;

/// Checks `ir` (see the module documentation).
pub fn validate(ir: &Ir) -> Result<()> {
    types(ir)?;
    operations(ir)?;
    webhooks(ir)?;
    if let Some(e) = &ir.error_type {
        named(ir, e, "#/components/schemas", "the error type")?;
    }
    let mut tests = Scope::new("example test");
    for ex in &ir.examples {
        let at = match &ex.ty {
            Ty::Named(n) => ir.types.get(n).map(TypeDef::pointer).unwrap_or_else(|| "#".into()),
            _ => "#".into(),
        };
        refs(ir, &ex.ty, &at)?;
        tests.claim(&ex.test_name, &at)?;
        if ex.unknown_variant.is_some() {
            tests.claim(&crate::naming::unknown_enum_test_name(&ex.test_name), &at)?;
        }
    }
    Ok(())
}

/// Names claimed in one Rust scope, each with where it came from: a JSON pointer (the location
/// of the error when a later claim takes the name), or a description for names the emitted code
/// takes itself, which are claimed first.
struct Scope<'a> {
    what: &'a str,
    seen: BTreeMap<String, String>,
}

impl<'a> Scope<'a> {
    fn new(what: &'a str) -> Self {
        Scope { what, seen: BTreeMap::new() }
    }
    fn claim(&mut self, name: &str, at: &str) -> Result<()> {
        match self.seen.insert(name.to_string(), at.to_string()) {
            None => Ok(()),
            Some(first) => Err(GenError::at(
                at,
                format!("{} name `{name}` is also the name of {first}: the emitted code would not compile", self.what),
            )),
        }
    }
}

fn field_ptr(t: &TypeDef, f: &Field) -> String {
    join(&join(&t.pointer(), "properties"), &f.wire)
}

fn named(ir: &Ir, name: &str, at: &str, what: &str) -> Result<()> {
    match ir.types.contains_key(name) {
        true => Ok(()),
        false => Err(GenError::at(at, format!("{what} names the type `{name}`, which is not generated"))),
    }
}

/// Every named type `ty` mentions exists.
fn refs(ir: &Ir, ty: &Ty, at: &str) -> Result<()> {
    match ty {
        Ty::Named(n) => named(ir, n, at, "this type"),
        Ty::Vec(i) | Ty::Map(i) | Ty::Nullable(i) => refs(ir, i, at),
        _ => Ok(()),
    }
}

fn struct_fields<'i>(ir: &'i Ir, ty: Option<&Ty>) -> Option<(&'i TypeDef, &'i [Field])> {
    let Some(Ty::Named(n)) = ty else { return None };
    let t = ir.types.get(n)?;
    match &t.kind {
        Kind::Struct { fields, .. } => Some((t, fields)),
        _ => None,
    }
}

fn types(ir: &Ir) -> Result<()> {
    let mut scope = Scope::new("type");
    for (key, t) in &ir.types {
        let at = t.pointer();
        if *key != t.name {
            return Err(GenError::at(&at, format!("the type `{}` is filed under `{key}`", t.name)));
        }
        scope.claim(&t.name, &at)?;
    }
    for a in &ir.aliases {
        let at = crate::ir::origin_pointer(&a.origin);
        scope.claim(&a.name, &at)?;
        named(ir, &a.target, &at, "this alias")?;
    }
    for t in ir.types.values() {
        let at = t.pointer();
        match &t.kind {
            Kind::Struct { fields, required_struct, .. } => {
                if let Some(r) = required_struct {
                    scope.claim(r, &at)?;
                }
                let (mut rust, mut wire) = (Scope::new("field"), Scope::new("JSON key"));
                for f in fields {
                    let fat = field_ptr(t, f);
                    rust.claim(&f.name, &fat)?;
                    wire.claim(&f.wire, &fat)?;
                    refs(ir, &f.ty, &fat)?;
                }
            }
            Kind::Enum { variants } => {
                let (mut rust, mut wire) = (Scope::new("variant"), Scope::new("enum value"));
                rust.claim("Unknown", "the catch-all for unseen values")?;
                let vat = join(&at, "enum");
                for v in variants {
                    rust.claim(&v.name, &vat)?;
                    wire.claim(&v.wire, &vat)?;
                }
            }
            Kind::Newtype { inner } => refs(ir, inner, &at)?,
        }
    }
    for c in &ir.conversions {
        for (end, name) in [("from", &c.from), ("into", &c.into)] {
            let Some((t, fields)) = struct_fields(ir, Some(&Ty::Named(name.clone()))) else {
                return Err(GenError::at("#", format!("the conversion's `{end}` type `{name}` is not a struct")));
            };
            // A declared conversion names its source fields in `map`, and may fill a target
            // field from nothing.
            let moved: Vec<&String> = if c.map.is_empty() {
                c.fields.iter().collect()
            } else if end == "from" {
                c.map.iter().filter_map(|m| m.from.as_ref()).collect()
            } else {
                c.map.iter().map(|m| &m.into).collect()
            };
            for f in moved {
                if !fields.iter().any(|x| x.name == *f) {
                    return Err(GenError::at(&t.pointer(), format!("has no field `{f}`, which a conversion moves")));
                }
            }
        }
    }
    Ok(())
}

/// The field `name` (Rust name) of the struct `ty` names, or an error at `at`.
fn field<'i>(ir: &'i Ir, ty: Option<&Ty>, name: &str, at: &str, what: &str) -> Result<(&'i TypeDef, &'i Field)> {
    let (t, fields) =
        struct_fields(ir, ty).ok_or_else(|| GenError::at(at, format!("{what} needs a struct, and there is none")))?;
    let f = fields.iter().find(|f| f.name == name).ok_or_else(|| {
        GenError::at(&t.pointer(), format!("{what} names the field `{name}`, which it does not have"))
    })?;
    Ok((t, f))
}

/// `f` has type `ty` and `shape`, as `what` requires.
fn typed(t: &TypeDef, f: &Field, ty: &Ty, shape: Option<FieldShape>, what: &str) -> Result<()> {
    let fits = f.ty == *ty && !f.boxed && shape.is_none_or(|s| s == f.shape());
    match fits {
        true => Ok(()),
        false => Err(GenError::at(
            &field_ptr(t, f),
            format!(
                "{what} needs `{}`{} here, but the field is `{}`",
                crate::emit::ty_text(ty),
                shape.map(|s| format!(" ({s:?})")).unwrap_or_default(),
                crate::emit::field_type_text(f)
            ),
        )),
    }
}

fn operations(ir: &Ir) -> Result<()> {
    let mut methods = Scope::new("method");
    for m in crate::naming::client_methods() {
        methods.claim(m, "a method of `Client` itself (generator/runtime)")?;
    }
    for op in &ir.operations {
        let at = op_pointer(op);
        methods.claim(&op.method_name, &at)?;
        if let Some(r) = &op.request {
            refs(ir, r, &at)?;
        }
        refs(ir, &op.response, &at)?;
        retry(ir, op, &at)?;
        if let Some(p) = &op.pagination {
            methods.claim(&p.pages_method, &at)?;
            methods.claim(&p.stream_method, &at)?;
            let what = "pagination";
            let (t, f) = field(ir, op.request.as_ref(), &p.cursor_field, &at, what)?;
            typed(t, f, &Ty::String, Some(p.cursor_shape), what)?;
            let (t, f) = field(ir, Some(&op.response), &p.next_field, &at, what)?;
            typed(t, f, &Ty::String, Some(p.next_shape), what)?;
            let (t, f) = field(ir, Some(&op.response), &p.items_field, &at, what)?;
            typed(t, f, &Ty::Vec(Box::new(p.item_ty.clone())), Some(FieldShape::Required), what)?;
            refs(ir, &p.item_ty, &at)?;
        }
    }
    Ok(())
}

fn retry(ir: &Ir, op: &Operation, at: &str) -> Result<()> {
    let RetrySafety::WhenTrue { field: name, shape } = &op.retry else { return Ok(()) };
    let (t, f) = field(ir, op.request.as_ref(), name, at, "the retry rule")?;
    typed(t, f, &Ty::Bool, Some(*shape), "the retry rule")
}

fn webhooks(ir: &Ir) -> Result<()> {
    let mut variants = Scope::new("webhook variant");
    variants.claim("Unknown", "the catch-all for unseen webhooks")?;
    let mut pairs = Scope::new("(webhook_type, webhook_code)");
    for w in &ir.webhooks {
        let at = ir.types.get(&w.ty).map(TypeDef::pointer).unwrap_or_else(|| "#".into());
        if !matches!(ir.types.get(&w.ty).map(|t| &t.kind), Some(Kind::Struct { .. })) {
            return Err(GenError::at(
                &at,
                format!("the webhook `{}` needs a struct body, and `{}` is not one", w.variant, w.ty),
            ));
        }
        variants.claim(&w.variant, &at)?;
        pairs.claim(&format!("({}, {})", w.webhook_type, w.webhook_code), &at)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPEC: &str = r#"
openapi: 3.0.3
info: {title: t, version: '1'}
paths:
  /widget/list:
    post:
      operationId: widget_list
      requestBody:
        content:
          application/json:
            schema: {$ref: '#/components/schemas/WidgetListRequest'}
      responses:
        '200':
          description: OK
          content:
            application/json:
              schema: {$ref: '#/components/schemas/WidgetListResponse'}
              example: {widgets: [{id: w, color: red}], next_cursor: null, request_id: r}
  /widget/create:
    post:
      operationId: widget_create
      requestBody:
        content:
          application/json:
            schema: {$ref: '#/components/schemas/WidgetCreateRequest'}
      responses:
        '200': {description: OK}
components:
  schemas:
    Color: {type: string, enum: [red, blue]}
    Widget:
      type: object
      required: [id, color]
      properties:
        id: {type: string}
        color: {$ref: '#/components/schemas/Color'}
    WidgetCreateRequest:
      type: object
      properties:
        is_idempotent: {type: boolean}
    WidgetListRequest:
      type: object
      properties:
        cursor: {type: string, nullable: true}
    WidgetListResponse:
      type: object
      required: [widgets, request_id]
      properties:
        widgets:
          type: array
          items: {$ref: '#/components/schemas/Widget'}
        next_cursor: {type: string, nullable: true}
        request_id: {type: string}
    ThingCreatedWebhook:
      type: object
      properties:
        webhook_type: {type: string, enum: [THING]}
        webhook_code: {type: string, enum: [CREATED]}
    PlaidError:
      type: object
      properties:
        error_code: {type: string}
"#;

    const PORTION: &str = r#"
path_prefixes = ["/"]
webhooks = ["*Webhook"]
error_schema = "PlaidError"
[retry]
when_true = { "/widget/create" = "is_idempotent" }
[pagination]
"/widget/list" = { cursor = "cursor", next = "next_cursor", items = "widgets" }
"#;

    /// The IR of [`SPEC`] after every pass: paginated, with a retry rule, a webhook, an enum
    /// and an example.
    fn ir() -> Ir {
        let portion = crate::portion::Portion::parse(PORTION, "portion.toml").unwrap();
        crate::generate_from(SPEC.as_bytes(), "x.yaml", &portion).unwrap().ir
    }

    fn fields<'i>(ir: &'i mut Ir, ty: &str) -> &'i mut Vec<Field> {
        match &mut ir.types.get_mut(ty).unwrap().kind {
            Kind::Struct { fields, .. } => fields,
            _ => unreachable!("{ty} is a struct"),
        }
    }

    /// Each broken invariant is refused at its pointer; the unbroken IR passes.
    #[test]
    fn each_invariant_is_checked_with_its_pointer() {
        let good = ir();
        assert!(good.operations[0].pagination.is_some(), "{:?}", good.operations);
        assert!(matches!(good.operations[1].retry, RetrySafety::WhenTrue { .. }));
        assert!(!good.examples.is_empty() && !good.webhooks.is_empty());
        validate(&good).unwrap();

        type Break = fn(&mut Ir);
        let widget = "#/components/schemas/Widget";
        let (list, create) = ("#/paths/~1widget~1list/post", "#/paths/~1widget~1create/post");
        let cases: &[(&str, &str, Break)] = &[
            ("a dangling Named", "#/components/schemas/Widget/properties/color", |ir| {
                fields(ir, "Widget")[1].ty = Ty::Named("Nope".into())
            }),
            ("two fields of one name", "#/components/schemas/Widget/properties/color", |ir| {
                fields(ir, "Widget")[1].name = "id".into()
            }),
            ("two JSON keys", "#/components/schemas/Widget/properties/id", |ir| {
                fields(ir, "Widget")[1].wire = "id".into()
            }),
            ("a variant named Unknown", "#/components/schemas/Color/enum", |ir| {
                if let Kind::Enum { variants } = &mut ir.types.get_mut("Color").unwrap().kind {
                    variants[1].name = "Unknown".into();
                }
            }),
            ("a required struct named like a type", widget, |ir| {
                if let Kind::Struct { required_struct, .. } = &mut ir.types.get_mut("Widget").unwrap().kind {
                    *required_struct = Some("Color".into());
                }
            }),
            ("two operations of one name", create, |ir| ir.operations[1].method_name = "widget_list".into()),
            ("an operation named like a Client method", list, |ir| {
                ir.operations[0].method_name = "with_options".into()
            }),
            (
                "a retry field that is not bool",
                "#/components/schemas/WidgetCreateRequest/properties/is_idempotent",
                |ir| fields(ir, "WidgetCreateRequest")[0].ty = Ty::String,
            ),
            ("a missing retry field", "#/components/schemas/WidgetCreateRequest", |ir| {
                fields(ir, "WidgetCreateRequest").clear()
            }),
            ("a newtype cursor", "#/components/schemas/WidgetListRequest/properties/cursor", |ir| {
                fields(ir, "WidgetListRequest")[0].ty = Ty::Named("Color".into())
            }),
            ("a cursor of another shape", "#/components/schemas/WidgetListRequest/properties/cursor", |ir| {
                fields(ir, "WidgetListRequest")[0].shape = FieldShape::Required
            }),
            ("an optional items list", "#/components/schemas/WidgetListResponse/properties/widgets", |ir| {
                fields(ir, "WidgetListResponse")[0].shape = FieldShape::Optional
            }),
            ("a missing next field", "#/components/schemas/WidgetListResponse", |ir| {
                fields(ir, "WidgetListResponse").retain(|f| f.wire != "next_cursor")
            }),
            ("two webhooks of one pair", "#/components/schemas/ThingCreatedWebhook", |ir| {
                let mut w = ir.webhooks[0].clone();
                w.variant = "Other".into();
                ir.webhooks.push(w);
            }),
            ("two webhook variants", "#/components/schemas/ThingCreatedWebhook", |ir| {
                let mut w = ir.webhooks[0].clone();
                w.webhook_code = "OTHER".into();
                ir.webhooks.push(w);
            }),
            ("an example named like another's unknown-enum twin", "#/components/schemas/WidgetListResponse", |ir| {
                let mut twin = ir.examples[0].clone();
                twin.test_name = crate::naming::unknown_enum_test_name(&twin.test_name);
                ir.examples.push(twin);
            }),
            ("a dangling error type", "#/components/schemas", |ir| ir.error_type = Some("Nope".into())),
        ];
        for (what, at, break_it) in cases {
            let mut bad = good.clone();
            break_it(&mut bad);
            match validate(&bad) {
                Ok(()) => panic!("{what}: passed validation"),
                Err(e) => assert_eq!(e.location, *at, "{what}: {e}"),
            }
        }
    }
}
