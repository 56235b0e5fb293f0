//! IR → IR pass: `one_of_required` groups of `spec/portion.toml`. Plaid has request fields of
//! which at least one must be given (`client_user_id` or `user_id` on
//! `/identity_verification/create`), which OpenAPI 3.0 can only say in prose. Each group becomes
//! an enum with a variant per field ([`crate::ir::OneOfGroup`]); `new` of every struct of the
//! group takes one value of it (counted as a required field, so it lands in the
//! required-fields struct), so a value naming none of the fields does not compile. The fields
//! stay optional on the struct: the other ones can still be set with their setters, and the
//! wire format is unchanged.
//!
//! A schema the spec does not have, or one without every field of the group, is a warning
//! (older Plaid specs lack `user_id`) and that schema is left out of the group, and so is a
//! schema that already requires one of the fields (older specs require `client_user_id`: the
//! rule holds there without the enum). Fields whose types differ between schemas, and a name
//! that another type or field has, are errors at the offending pointer.

use crate::error::{join, GenError, Result};
use crate::ir::{Ir, Kind, OneOfGroup, OneOfVariant, Ty};
use crate::portion::{glob_match, OneOfRequired};

/// Fills `ir.one_of` from the portion's groups.
pub fn apply(ir: &mut Ir, groups: &[OneOfRequired]) -> Result<()> {
    for (i, g) in groups.iter().enumerate() {
        let at = |key: &str| format!("spec/portion.toml#/one_of_required/{i}/{key}");
        if let Some(t) = ir.types.get(&g.name) {
            return Err(GenError::at(
                &at("name"),
                format!("{:?} is already the name of a generated type (from {})", g.name, t.pointer()),
            ));
        }
        let mut variants: Vec<OneOfVariant> = Vec::new();
        let mut types = Vec::new();
        for schema in &g.schemas {
            let matching: Vec<String> = ir
                .types
                .values()
                .filter(|t| {
                    let origin = t.origin.rsplit('/').next().unwrap_or(&t.origin);
                    glob_match(schema, &t.name) || glob_match(schema, origin)
                })
                .map(|t| t.name.clone())
                .collect();
            if matching.is_empty() {
                ir.warnings
                    .push(format!("{}: schema {schema:?} is not in this portion; rule skipped for it", at("schemas")));
            }
            'types: for name in matching {
                let t = &ir.types[&name];
                let ptr = t.pointer();
                let Kind::Struct { fields, .. } = &t.kind else {
                    return Err(GenError::at(
                        &ptr,
                        format!("one_of_required group {i} names {name}, which is not an object"),
                    ));
                };
                if let Some(f) = fields.iter().find(|f| f.name == g.param) {
                    return Err(GenError::at(
                        &at("param"),
                        format!("{:?} is already a field of {name} (JSON key {:?})", g.param, f.wire),
                    ));
                }
                let mut found = Vec::new();
                for wire in &g.fields {
                    let Some(f) = fields.iter().find(|f| &f.wire == wire) else {
                        ir.warnings.push(format!(
                            "{}: {name} has no field {wire:?}; one_of_required group {i} is skipped for it",
                            join(&ptr, "properties")
                        ));
                        continue 'types;
                    };
                    if !f.shape().may_be_absent() {
                        // Already required in this spec (older Plaid specs require
                        // `client_user_id`): the rule holds without the enum.
                        ir.warnings.push(format!(
                            "{}: {wire:?} is required in {name}, so one_of_required group {i} ({:?}) is skipped for it",
                            join(&ptr, "required"),
                            g.name
                        ));
                        continue 'types;
                    }
                    found.push(f);
                }
                for f in found {
                    let ty = match &f.ty {
                        Ty::Nullable(inner) => (**inner).clone(),
                        other => other.clone(),
                    };
                    match variants.iter().find(|v| v.wire == f.wire) {
                        Some(v) if v.ty != ty || v.field != f.name => {
                            return Err(GenError::at(
                                &join(&join(&ptr, "properties"), &f.wire),
                                format!(
                                    "`{}` is `{}` here and `{}` in an earlier schema of one_of_required group {i}: \
                                     one enum cannot hold both",
                                    f.wire,
                                    crate::emit::ty_text(&ty),
                                    crate::emit::ty_text(&v.ty)
                                ),
                            ));
                        }
                        // Sensitive in one schema: redacted in the enum's `Debug`.
                        Some(_) => {
                            if let Some(v) = variants.iter_mut().find(|v| v.wire == f.wire) {
                                v.sensitive |= f.sensitive;
                            }
                        }
                        None => variants.push(OneOfVariant {
                            name: crate::naming::variant_name(&f.wire),
                            field: f.name.clone(),
                            wire: f.wire.clone(),
                            ty,
                            sensitive: f.sensitive,
                        }),
                    }
                }
                types.push(name);
            }
        }
        if types.is_empty() {
            continue;
        }
        ir.one_of.push(OneOfGroup {
            name: g.name.clone(),
            param: g.param.clone(),
            doc: g.doc.clone(),
            variants,
            types,
        });
    }
    Ok(())
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
            schema: {$ref: '#/components/schemas/ThingCreateRequest'}
      responses:
        '200': {description: OK}
  /thing/list:
    post:
      operationId: thing_list
      requestBody:
        content:
          application/json:
            schema: {$ref: '#/components/schemas/ThingListRequest'}
      responses:
        '200': {description: OK}
components:
  schemas:
    ThingCreateRequest:
      type: object
      required: [name]
      properties:
        name: {type: string}
        own_id: {type: string}
        plaid_id: {type: string}
    ThingListRequest:
      type: object
      properties:
        own_id: {type: string}
        plaid_id: {type: integer}
        other: {type: string}
"#;

    fn run(groups: &str) -> crate::error::Result<crate::ir::Ir> {
        let portion = Portion::parse(&format!("path_prefixes = [\"/\"]\n{groups}"), "portion.toml")?;
        crate::generate_from(SPEC.as_bytes(), "x.yaml", &portion).map(|g| g.ir)
    }

    fn group(schemas: &str, fields: &str) -> String {
        format!("[[one_of_required]]\nname = \"Who\"\nparam = \"who\"\nschemas = {schemas}\nfields = {fields}\n")
    }

    #[test]
    fn a_group_becomes_an_enum_that_new_takes() {
        let ir = run(&group(r#"["ThingCreateRequest"]"#, r#"["own_id", "plaid_id"]"#)).unwrap();
        let g = &ir.one_of[0];
        assert_eq!(
            (g.name.as_str(), g.param.as_str(), g.types.as_slice()),
            ("Who", "who", &["ThingCreateRequest".to_string()][..])
        );
        let names: Vec<&str> = g.variants.iter().map(|v| v.name.as_str()).collect();
        assert_eq!(names, ["OwnId", "PlaidId"]);
        // `name` and the enum: two required values, so a required-fields struct.
        let crate::ir::Kind::Struct { required_struct, .. } = &ir.types["ThingCreateRequest"].kind else { panic!() };
        assert_eq!(required_struct.as_deref(), Some("ThingCreateRequestRequired"));
    }

    #[test]
    fn bad_declarations_are_located_errors() {
        let err = |groups: &str| run(groups).unwrap_err().to_string();
        // A field the schema requires: the rule already holds there (older Plaid specs require
        // `client_user_id`), so that schema is left out with a located warning.
        let ir = run(&group(r#"["ThingCreateRequest"]"#, r#"["name", "own_id"]"#)).unwrap();
        assert!(ir.one_of.is_empty());
        assert!(
            ir.warnings.iter().any(|w| w.contains("#/components/schemas/ThingCreateRequest/required")
                && w.contains("\"name\" is required")
                && w.contains("skipped")),
            "{:?}",
            ir.warnings
        );
        // One field's type differs between the schemas.
        let e = err(&group(r#"["ThingCreateRequest", "ThingListRequest"]"#, r#"["own_id", "plaid_id"]"#));
        assert!(e.contains("#/components/schemas/ThingListRequest/properties/plaid_id") && e.contains("`i64`"), "{e}");
        // The enum's name is a generated type's; the parameter is a field's.
        let e =
            err(&group(r#"["ThingCreateRequest"]"#, r#"["own_id", "plaid_id"]"#)
                .replace("\"Who\"", "\"ThingListRequest\""));
        assert!(e.contains("portion.toml#/one_of_required/0/name"), "{e}");
        let e = err(&group(r#"["ThingCreateRequest"]"#, r#"["own_id", "plaid_id"]"#).replace("\"who\"", "\"name\""));
        assert!(e.contains("portion.toml#/one_of_required/0/param") && e.contains("already a field"), "{e}");
        // Checked when the file is read: too few fields, names that are not Rust names.
        let e = err(&group(r#"["ThingCreateRequest"]"#, r#"["own_id"]"#));
        assert!(e.contains("portion.toml#/one_of_required/0/fields"), "{e}");
        let e = err(&group(r#"["ThingCreateRequest"]"#, r#"["own_id", "own_id"]"#));
        assert!(e.contains("portion.toml#/one_of_required/0/fields"), "{e}");
        let e = err(&group(r#"["ThingCreateRequest"]"#, r#"["own_id", "plaid_id"]"#).replace("\"Who\"", "\"who\""));
        assert!(e.contains("portion.toml#/one_of_required/0/name"), "{e}");
        let e = err(&group(r#"["ThingCreateRequest"]"#, r#"["own_id", "plaid_id"]"#).replace("\"who\"", "\"type\""));
        assert!(e.contains("portion.toml#/one_of_required/0/param"), "{e}");
    }

    #[test]
    fn a_schema_without_the_fields_is_a_warning_and_left_out() {
        let ir =
            run(&group(r#"["ThingCreateRequest", "ThingListRequest", "Missing"]"#, r#"["own_id", "other"]"#)).unwrap();
        assert_eq!(ir.one_of[0].types, ["ThingListRequest"]);
        assert!(
            ir.warnings.iter().any(|w| w.contains("ThingCreateRequest has no field \"other\"")),
            "{:?}",
            ir.warnings
        );
        assert!(
            ir.warnings.iter().any(|w| w.contains("schema \"Missing\" is not in this portion")),
            "{:?}",
            ir.warnings
        );
    }
}
