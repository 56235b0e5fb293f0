//! Spec examples → round-trip tests, with an unseen enum value swapped in.

use super::*;

impl<'a> Lowerer<'a> {
    /// The example with its first enum-typed string replaced by [`UNSEEN_ENUM_VALUE`].
    pub(super) fn mutate_first_enum(&self, ty: &Ty, v: &Value) -> Option<Value> {
        let mut out = v.clone();
        self.mutate(ty, &mut out, 0).then_some(out)
    }

    pub(super) fn mutate(&self, ty: &Ty, v: &mut Value, depth: usize) -> bool {
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
