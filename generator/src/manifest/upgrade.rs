//! Older formats of `api.json`, rewritten into format 3 before they are read.

use super::v3::FieldShape;
use super::ManifestError;
use serde_json::Value;

impl FieldShape {
    /// The shape formats 1 and 2 stored as three flags, by the rule lowering uses
    /// (`ir::FieldShape::new`, with `explicit_null` in place of "in a request").
    fn from_flags(optional: bool, nullable: bool, explicit_null: bool) -> Self {
        match (optional, nullable) {
            (false, false) => FieldShape::Required,
            (true, false) => FieldShape::Optional,
            (false, true) => FieldShape::Nullable,
            (true, true) => FieldShape::OptionalNullable { explicit_null },
        }
    }
}

/// Rewrites a format 1 or 2 manifest into format 3: each field's three flags become its
/// [`FieldShape`] (by the same rule lowering uses), retry and pagination rules take the
/// shape of the field they name, and the old `servers` list and `auth_headers` map (which
/// the diff does not compare) are dropped for their defaults.
pub(super) fn upgrade_to_v3(v: &mut Value) -> Result<(), ManifestError> {
    let Some(root) = v.as_object_mut() else {
        return Err(ManifestError::Unreadable("the manifest is not a JSON object".into()));
    };
    root.remove("servers");
    root.remove("auth_headers");
    let Some(Value::Object(types)) = root.get_mut("types") else { return Ok(()) };
    for (name, t) in types.iter_mut() {
        let Some(Value::Array(fields)) = t.pointer_mut("/kind/Struct/fields") else { continue };
        for (i, f) in fields.iter_mut().enumerate() {
            let Some(f) = f.as_object_mut() else { continue };
            let mut flag = |key: &str| -> Result<bool, ManifestError> {
                match f.remove(key) {
                    None => Ok(false),
                    Some(Value::Bool(b)) => Ok(b),
                    Some(_) => Err(ManifestError::Unreadable(format!(
                        "types.{name}.kind.Struct.fields[{i}].{key}: not a boolean"
                    ))),
                }
            };
            let (optional, nullable, explicit_null) = (flag("optional")?, flag("nullable")?, flag("explicit_null")?);
            let shape = FieldShape::from_flags(optional, nullable, explicit_null);
            f.insert("shape".into(), serde_json::to_value(shape).unwrap_or(Value::Null));
        }
    }
    let types = types.clone();
    // The shape of field `name` (Rust name) of the struct `ty` names, as upgraded above.
    let shape_of = |ty: Option<&Value>, name: Option<&Value>| -> Option<Value> {
        let ty = ty?.get("Named")?.as_str()?;
        let fields = types.get(ty)?.pointer("/kind/Struct/fields")?.as_array()?;
        fields.iter().find(|f| f.get("name") == name).and_then(|f| f.get("shape")).cloned()
    };
    let Some(Value::Array(ops)) = root.get_mut("operations") else { return Ok(()) };
    for op in ops.iter_mut() {
        let (request, response) = (op.get("request").cloned(), op.get("response").cloned());
        if let Some(Value::Object(rule)) = op.pointer_mut("/retry/WhenTrue") {
            let shape = shape_of(request.as_ref(), rule.get("field"));
            rule.remove("optional");
            rule.remove("explicit_null");
            rule.insert("shape".into(), shape.unwrap_or_else(|| "required".into()));
        }
        if let Some(Value::Object(p)) = op.get_mut("pagination") {
            let cursor = shape_of(request.as_ref(), p.get("cursor_field"));
            let next = shape_of(response.as_ref(), p.get("next_field"));
            for key in ["cursor_optional", "cursor_explicit_null", "next_optional"] {
                p.remove(key);
            }
            p.insert("cursor_shape".into(), cursor.unwrap_or_else(|| "optional".into()));
            p.insert("next_shape".into(), next.unwrap_or_else(|| "optional".into()));
        }
    }
    Ok(())
}
