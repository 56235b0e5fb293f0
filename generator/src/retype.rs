//! IR → IR pass: gives fields that the spec declares as plain strings the identifier newtype
//! that `spec/portion.toml` maps them to (`field_newtypes`), so one kind of id has one type
//! everywhere: a webhook's `identity_verification_id` is an `IdentityVerificationId`, as it is
//! in the responses.
//!
//! A key is `Type.field` (globs as in [`crate::sensitive`]); a value names a schema listed in
//! `newtypes` (checked when the selection file is read). A key that matches no string field, or a
//! value that names a schema this spec does not have, is a warning. A newtype that does not wrap
//! a string is an error at the first string field it would retype: the field's JSON would change.

use crate::error::{join, GenError, Result};
use crate::ir::{Kind, Ty, TypeDef};
use crate::portion::glob_match;
use std::collections::BTreeMap;

/// Whether `ty` holds a `String` that [`retype`] would replace.
fn holds_string(ty: &Ty) -> bool {
    match ty {
        Ty::String => true,
        Ty::Vec(i) | Ty::Nullable(i) => holds_string(i),
        _ => false,
    }
}

fn retype(ty: &mut Ty, to: &str) -> bool {
    match ty {
        Ty::String => {
            *ty = Ty::Named(to.to_string());
            true
        }
        Ty::Named(n) => n == to,
        Ty::Vec(i) | Ty::Nullable(i) => retype(i, to),
        _ => false,
    }
}

/// Applies `map` (pattern → newtype schema name) to every struct field.
pub fn apply(
    types: &mut BTreeMap<String, TypeDef>,
    map: &BTreeMap<String, String>,
    warnings: &mut Vec<String>,
) -> Result<()> {
    for (pattern, schema) in map {
        let at = format!("spec/portion.toml#/field_newtypes/{}", pattern.replace('~', "~0").replace('/', "~1"));
        // The selection file checks that the value is listed in `newtypes`; a spec that does not
        // have that schema (an older version) skips the mapping with a warning.
        let Some((target, inner, origin)) = types.values().find_map(|t| match &t.kind {
            Kind::Newtype { inner } if t.origin == *schema || t.name == *schema => {
                Some((t.name.clone(), inner.clone(), t.origin.clone()))
            }
            _ => None,
        }) else {
            warnings.push(format!("{at}: {schema:?} is not a selected newtype in this spec; mapping skipped"));
            continue;
        };
        let Some((ty_pat, field_pat)) = pattern.split_once('.') else {
            return Err(GenError::at(&at, format!("{pattern:?} is not of the form Type.field")));
        };
        let mut used = false;
        for t in types.values_mut() {
            let schema_name = t.origin.rsplit('/').next().unwrap_or(&t.origin).to_string();
            if !(glob_match(ty_pat, &t.name) || glob_match(ty_pat, &schema_name)) {
                continue;
            }
            let Kind::Struct { fields, .. } = &mut t.kind else { continue };
            for f in fields.iter_mut().filter(|f| glob_match(field_pat, &f.wire)) {
                if inner != Ty::String && holds_string(&f.ty) {
                    return Err(GenError::at(
                        &join(&join(&crate::ir::origin_pointer(&t.origin), "properties"), &f.wire),
                        format!(
                            "{at} maps this string field to `{target}` ({}), which wraps `{}`, not a string: the \
                             field's JSON would change. Map it to a newtype of a string, or drop the mapping",
                            crate::ir::origin_pointer(&origin),
                            crate::emit::ty_text(&inner)
                        ),
                    ));
                }
                used |= retype(&mut f.ty, &target);
            }
        }
        if !used {
            warnings.push(format!("{at}: matches no string field"));
        }
    }
    Ok(())
}
