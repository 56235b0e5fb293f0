//! IR → IR pass: the per-operation rules `spec/portion.toml` declares, retry safety
//! (`[retry]`) and pagination (`[pagination]`), resolved from the final types: after `retype`
//! and `unify` (see [`crate::passes`]), so what is checked here is what is emitted.
//!
//! A spec that lacks what a rule names (older specs lack `is_idempotent`, or a list field) is a
//! warning, and the rule is not applied: spec versions differ. A portion that contradicts
//! itself is an error: a paginated cursor that `newtypes` / `field_newtypes` makes a newtype
//! cannot be moved by the runtime's page loop (it needs a `String`), and the user asked for both.

use crate::error::{join, GenError, Result};
use crate::ir::{Field, FieldShape, Ir, Kind, Operation, Pagination, RetrySafety, Ty};
use crate::naming::Namer;
use crate::portion::{PaginationRule, Portion};

/// The JSON pointer of an operation in the spec.
pub fn op_pointer(op: &Operation) -> String {
    join(&join("#/paths", &op.path), &op.http_method.to_lowercase())
}

/// The fields of the struct `ty` names, if it names one.
fn fields_of<'i>(ir: &'i Ir, ty: Option<&Ty>) -> &'i [Field] {
    match ty {
        Some(Ty::Named(n)) => match ir.types.get(n).map(|t| &t.kind) {
            Some(Kind::Struct { fields, .. }) => fields,
            _ => &[],
        },
        _ => &[],
    }
}

/// Sets every operation's `retry` and `pagination` from the portion's rules.
pub fn apply(ir: &mut Ir, portion: &Portion) -> Result<()> {
    // Page-stream methods never take an operation's own name (nor a `Client` method's).
    let mut reserved: Vec<&str> = crate::naming::client_methods().iter().map(String::as_str).collect();
    reserved.extend(ir.operations.iter().map(|o| o.method_name.as_str()));
    let mut namer = Namer::with_reserved(&reserved);
    let mut rules = Vec::new();
    for op in &ir.operations {
        let retry = retry(ir, op, portion);
        let pagination = match portion.pagination.get(&op.path) {
            Some(rule) => pagination(ir, op, rule)?,
            None => None,
        };
        rules.push((retry, pagination));
    }
    for (op, (retry, pagination)) in ir.operations.iter_mut().zip(rules) {
        op.retry = match retry {
            Ok(r) => r,
            Err(warning) => {
                ir.warnings.push(warning);
                RetrySafety::Never
            }
        };
        op.pagination = match pagination {
            Some(Ok(mut p)) => {
                p.pages_method = namer.claim(&format!("{}_pages", op.method_name));
                p.stream_method = namer.claim(&format!("{}_stream", op.method_name));
                Some(p)
            }
            Some(Err(warning)) => {
                ir.warnings.push(warning);
                None
            }
            None => None,
        };
    }
    Ok(())
}

/// The retry rule for `op`, or the warning that explains why it is never retried.
fn retry(ir: &Ir, op: &Operation, portion: &Portion) -> std::result::Result<RetrySafety, String> {
    if portion.retry.always.iter().any(|p| p == &op.path) {
        return Ok(RetrySafety::Always);
    }
    let Some(wire) = portion.retry.when_true.get(&op.path) else { return Ok(RetrySafety::Never) };
    let ptr = op_pointer(op);
    // Older specs may lack the field (Plaid added `is_idempotent` to create later): the
    // operation is then never retried, with a warning, rather than failing the spec.
    match fields_of(ir, op.request.as_ref()).iter().find(|f| f.wire == *wire) {
        None => Err(format!(
            "{ptr}: retry.when_true names `{wire}`, which is not a field of this request; the operation is never retried"
        )),
        Some(f) if f.ty != Ty::Bool => {
            Err(format!("{ptr}: retry.when_true field `{wire}` is not a boolean; the operation is never retried"))
        }
        Some(f) => Ok(RetrySafety::WhenTrue { field: f.name.clone(), shape: f.shape() }),
    }
}

/// Pagination for `op` as `rule` declares it: `None` when the spec's shapes do not fit (the
/// inner `Err` is the warning), an error when the portion contradicts itself.
fn pagination(
    ir: &Ir,
    op: &Operation,
    rule: &PaginationRule,
) -> Result<Option<std::result::Result<Pagination, String>>> {
    let ptr = op_pointer(op);
    let at = join("spec/portion.toml#/pagination", &op.path);
    let find = |fs: &[Field], wire: &str| fs.iter().find(|f| f.wire == wire).cloned();
    let (req, resp) = (fields_of(ir, op.request.as_ref()), fields_of(ir, Some(&op.response)));
    let (cursor, next) = (find(req, &rule.cursor), find(resp, &rule.next));
    for (key, field) in [("cursor", &cursor), ("next", &next)] {
        if let Some(Field { ty: Ty::Named(n), .. }) = field {
            if let Some(Kind::Newtype { .. }) = ir.types.get(n).map(|t| &t.kind) {
                return Err(GenError::at(
                    &join(&at, key),
                    format!(
                        "the {key} field `{}` of {ptr} is the newtype `{n}` (from `newtypes` / `field_newtypes`), \
                         but the page loop moves a `String` cursor; drop the field_newtypes mapping for it, or this \
                         pagination",
                        field.as_ref().map(|f| f.wire.as_str()).unwrap_or_default()
                    ),
                ));
            }
        }
    }
    let cursor = cursor.filter(|f| f.ty == Ty::String);
    let next = next.filter(|f| f.ty == Ty::String);
    let list = find(resp, &rule.items)
        .filter(|f| matches!(&f.ty, Ty::Vec(i) if matches!(**i, Ty::Named(_))) && f.shape() == FieldShape::Required);
    let (Some(cursor), Some(next), Some(Field { ty: Ty::Vec(item), name: items_field, .. })) = (cursor, next, list)
    else {
        return Ok(Some(Err(format!(
            "{ptr}: spec/portion.toml [pagination] wants a string request field `{}`, a string response field `{}` \
             and a required list of objects `{}`; the shapes do not fit, so the operation is not paginated",
            rule.cursor, rule.next, rule.items
        ))));
    };
    Ok(Some(Ok(Pagination {
        cursor_field: cursor.name.clone(),
        cursor_shape: cursor.shape(),
        next_field: next.name.clone(),
        next_shape: next.shape(),
        items_field,
        item_ty: *item,
        pages_method: String::new(),
        stream_method: String::new(),
    })))
}
