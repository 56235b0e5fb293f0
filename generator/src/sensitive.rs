//! IR → IR pass: marks the fields that `spec/portion.toml` declares sensitive (personal data,
//! secrets), so the model emitter gives their structs a `Debug` that prints `<redacted>`.
//!
//! A pattern is `Type.field`: `Type` is matched against the Rust type name and the schema it
//! came from, `field` against the JSON key, and `*` in either part stands for any run of
//! characters. A pattern that matches nothing is a warning, not an error: spec versions differ.

use crate::ir::{Kind, TypeDef};
use crate::portion::glob_match;
use std::collections::BTreeMap;

/// Sets `Field::sensitive` on every field a pattern matches; warns about unused patterns.
pub fn mark(types: &mut BTreeMap<String, TypeDef>, patterns: &[String], warnings: &mut Vec<String>) {
    let mut used = vec![false; patterns.len()];
    for t in types.values_mut() {
        let schema = t.origin.rsplit('/').next().unwrap_or(&t.origin).to_string();
        let Kind::Struct { fields, .. } = &mut t.kind else { continue };
        for f in fields.iter_mut() {
            for (i, p) in patterns.iter().enumerate() {
                let Some((ty, field)) = p.split_once('.') else { continue };
                if glob_match(field, &f.wire) && (glob_match(ty, &t.name) || glob_match(ty, &schema)) {
                    f.sensitive = true;
                    used[i] = true;
                }
            }
        }
    }
    for (p, used) in patterns.iter().zip(used) {
        if !used {
            warnings.push(format!("spec/portion.toml: sensitive pattern {p:?} matches no field"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::{Field, FieldShape, Ty};

    fn field(wire: &str) -> Field {
        Field {
            name: wire.into(),
            wire: wire.into(),
            ty: Ty::String,
            shape: FieldShape::Optional,
            boxed: false,
            doc: None,
            deprecated: false,
            sensitive: false,
        }
    }

    #[test]
    fn patterns_match_type_or_schema_and_field() {
        let mut types = BTreeMap::new();
        types.insert(
            "SmsVerification".to_string(),
            TypeDef {
                name: "SmsVerification".into(),
                origin: "SMSVerification".into(),
                doc: None,
                deprecated: false,
                sent_only: false,
                kind: Kind::Struct {
                    fields: vec![field("phone_number"), field("status")],
                    request: false,
                    request_id_field: None,
                    required_struct: None,
                },
            },
        );
        let mut warnings = Vec::new();
        let patterns = vec!["SMSVerification.phone_*".to_string(), "Nothing.here".to_string()];
        mark(&mut types, &patterns, &mut warnings);
        let Kind::Struct { fields, .. } = &types["SmsVerification"].kind else { unreachable!() };
        assert!(fields[0].sensitive && !fields[1].sensitive);
        assert_eq!(warnings, ["spec/portion.toml: sensitive pattern \"Nothing.here\" matches no field"]);
    }
}
