//! IR → IR pass: `[[convert]]` of `spec/portion.toml`. Plaid has several shapes of one concept
//! (the user of a create request, of a retry request, the user data of a response); a declared
//! conversion becomes `impl From<from> for into`, made field by field:
//!
//! - each field of `into` comes from `from`'s field of the same JSON name;
//! - the value is moved when the types agree, converted with `.into()` when another declared
//!   conversion joins them (also item by item in a list);
//! - `Option` levels are adapted where no value is lost: `T` → `Option<T>`, `Option<T>` →
//!   `Option<Option<T>>` (absent stays absent, never an explicit `null`), and
//!   `Option<Option<T>>` → `Option<T>` (`null` becomes absent);
//! - a field `from` lacks starts empty, and must be optional in `into`.
//!
//! Anything else (a field `from` may lack that `into` requires, types no declaration joins), or a
//! declared schema the spec does not have, is a warning at the JSON pointer of the `into` field,
//! and that conversion is skipped, with any that relied on it: older Plaid specs shape these
//! schemas differently. Our own spec generates with no warning at all (`tests/conversions.rs`).

use crate::error::{join, GenError, Result};
use crate::ir::{Conversion, Field, FieldMap, Ir, Kind, Ty, ValueMap};
use crate::portion::Convert;

/// The Rust name of a declared schema: a generated type of that name, or the type made from
/// the schema of that name.
fn resolve(ir: &Ir, name: &str) -> Option<String> {
    if ir.types.contains_key(name) {
        return Some(name.to_string());
    }
    ir.types.values().find(|t| t.origin == name).map(|t| t.name.clone())
}

/// `Option` levels of a field as emitted.
fn levels(f: &Field) -> usize {
    f.shape().options()
}

/// Fills `ir.conversions` from the portion's declarations.
pub fn apply(ir: &mut Ir, declared: &[Convert]) -> Result<()> {
    let mut pairs: Vec<(usize, String, String)> = Vec::new();
    for (i, c) in declared.iter().enumerate() {
        let at = format!("spec/portion.toml#/convert/{i}");
        match (resolve(ir, &c.from), resolve(ir, &c.into)) {
            (Some(f), Some(t)) if f == t => {
                return Err(GenError::at(&at, format!("converts {f} into itself")));
            }
            (Some(f), Some(t)) => pairs.push((i, f, t)),
            (from, _) => {
                let missing = if from.is_none() { &c.from } else { &c.into };
                ir.warnings.push(format!("{at}: schema {missing:?} is not in this portion; conversion skipped"));
            }
        }
    }
    // A conversion whose shapes diverge in this spec is skipped with a located warning (older
    // Plaid specs differ from ours), and so is any conversion that relied on it: planned again
    // until every remaining conversion holds.
    loop {
        let mut failed = None;
        let mut out = Vec::new();
        for (k, (i, from, into)) in pairs.iter().enumerate() {
            match plan(ir, &pairs, *i, from, into) {
                Ok(map) => {
                    let fields = map.iter().map(|m| m.into.clone()).collect();
                    out.push(Conversion { from: from.clone(), into: into.clone(), fields, map });
                }
                Err(e) => {
                    failed = Some((k, e));
                    break;
                }
            }
        }
        match failed {
            Some((k, e)) => {
                let (i, ..) = pairs.remove(k);
                ir.warnings.push(format!("{e}; conversion {i} skipped"));
            }
            None => {
                ir.conversions.extend(out);
                return Ok(());
            }
        }
    }
}

/// The field map of one conversion, or the located reason it cannot be made.
fn plan(ir: &Ir, pairs: &[(usize, String, String)], i: usize, from: &str, into: &str) -> Result<Vec<FieldMap>> {
    let joined = |a: &str, b: &str| a == b || pairs.iter().any(|(_, f, t)| f == a && t == b);
    let value_map = |from: &Ty, into: &Ty| -> Option<ValueMap> {
        match (from, into) {
            _ if from == into => Some(ValueMap::Same),
            (Ty::Named(a), Ty::Named(b)) if joined(a, b) => Some(ValueMap::Into),
            (Ty::Vec(a), Ty::Vec(b)) => match (&**a, &**b) {
                (Ty::Named(a), Ty::Named(b)) if joined(a, b) => Some(ValueMap::EachInto),
                _ => None,
            },
            _ => None,
        }
    };
    let (src, dst) = (&ir.types[from], &ir.types[into]);
    let (Kind::Struct { fields: sf, .. }, Kind::Struct { fields: df, .. }) = (&src.kind, &dst.kind) else {
        return Err(GenError::at(
            &format!("spec/portion.toml#/convert/{i}"),
            format!("{from} → {into}: both must be objects"),
        ));
    };
    let mut map = Vec::new();
    for d in df {
        let at = join(&join(&dst.pointer(), "properties"), &d.wire);
        let Some(s) = sf.iter().find(|s| s.wire == d.wire) else {
            if !d.shape().may_be_absent() {
                return Err(GenError::at(
                    &at,
                    format!("{into}.{} is required, and {from} (convert {i}) has no `{}` to fill it", d.name, d.wire),
                ));
            }
            map.push(FieldMap { into: d.name.clone(), from: None, levels: (0, levels(d)), value: ValueMap::Same });
            continue;
        };
        let (sl, dl) = (levels(s), levels(d));
        let value = value_map(&s.ty, &d.ty).filter(|v| *v == ValueMap::Same || !(s.boxed || d.boxed));
        let Some(value) = value else {
            return Err(GenError::at(
                &at,
                format!(
                    "{from}.{} is `{}` and {into}.{} is `{}`, and no [[convert]] joins them (convert {i})",
                    s.name,
                    crate::emit::ty_text(&s.ty),
                    d.name,
                    crate::emit::ty_text(&d.ty)
                ),
            ));
        };
        if s.boxed != d.boxed || (sl > dl && dl == 0) {
            return Err(GenError::at(
                &at,
                format!("{from}.{} may be absent or null, and {into}.{} needs a value (convert {i})", s.name, d.name),
            ));
        }
        map.push(FieldMap { into: d.name.clone(), from: Some(s.name.clone()), levels: (sl, dl), value });
    }
    Ok(map)
}

#[cfg(test)]
mod tests {
    use crate::portion::Portion;

    const SPEC: &str = r#"
openapi: 3.0.0
info: {title: t, version: '1'}
paths:
  /thing/create:
    post:
      operationId: thing_create
      requestBody:
        content:
          application/json:
            schema: {$ref: '#/components/schemas/ThingRequest'}
      responses:
        '200':
          description: OK
          content:
            application/json:
              schema: {$ref: '#/components/schemas/ThingResponse'}
components:
  schemas:
    ThingRequest:
      type: object
      required: [name]
      properties:
        name: {type: string}
        note: {type: string, nullable: true}
        tag: {$ref: '#/components/schemas/TagIn'}
    TagIn:
      type: object
      required: [v]
      properties:
        v: {type: string}
    ThingResponse:
      type: object
      required: [name, extra]
      properties:
        name: {type: string}
        note: {type: string, nullable: true}
        tag: {$ref: '#/components/schemas/TagOut'}
        extra: {type: integer}
    TagOut:
      type: object
      required: [v]
      properties:
        v: {type: string}
"#;

    fn run(decl: &str) -> crate::error::Result<crate::ir::Ir> {
        let portion = Portion::parse(&format!("path_prefixes = [\"/\"]\n{decl}"), "portion.toml")?;
        crate::generate_from(SPEC.as_bytes(), "x.yaml", &portion).map(|g| g.ir)
    }

    fn convert(from: &str, into: &str) -> String {
        format!("[[convert]]\nfrom = \"{from}\"\ninto = \"{into}\"\n")
    }

    #[test]
    fn a_declared_conversion_maps_each_field() {
        let ir = run(&(convert("ThingResponse", "ThingRequest") + &convert("TagOut", "TagIn"))).unwrap();
        let c = ir.conversions.iter().find(|c| c.from == "ThingResponse").unwrap();
        let tag = c.map.iter().find(|m| m.into == "tag").unwrap();
        assert_eq!(tag.value, crate::ir::ValueMap::Into);
        assert!(c.map.iter().all(|m| m.into != "extra"), "a field the target lacks is dropped");
    }

    #[test]
    fn diverging_shapes_are_located_warnings_and_skipped() {
        let skipped = |decl: &str, at: &str, why: &str| {
            let ir = run(decl).unwrap();
            assert!(
                ir.warnings.iter().any(|w| w.contains(at) && w.contains(why) && w.contains("skipped")),
                "{:?}",
                ir.warnings
            );
            ir
        };
        // No declaration joins TagOut and TagIn.
        let ir = skipped(
            &convert("ThingResponse", "ThingRequest"),
            "#/components/schemas/ThingRequest/properties/tag",
            "no [[convert]]",
        );
        assert!(ir.conversions.is_empty());
        // The request lacks `extra`, which the response requires; TagIn → TagOut still holds.
        let ir = skipped(
            &(convert("ThingRequest", "ThingResponse") + &convert("TagIn", "TagOut")),
            "#/components/schemas/ThingResponse/properties/extra",
            "required",
        );
        assert_eq!(ir.conversions.iter().map(|c| c.from.as_str()).collect::<Vec<_>>(), ["TagIn"]);
        // A schema the spec does not have: a warning.
        let ir = run(&convert("Nope", "ThingRequest")).unwrap();
        assert!(ir.warnings.iter().any(|w| w.contains("convert/0") && w.contains("\"Nope\"")), "{:?}", ir.warnings);
    }
}
