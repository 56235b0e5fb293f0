//! IR → IR pass: gives every model with two or more required fields a struct of those fields,
//! so that `new` takes them by name (`X::new(XRequired { a, b })`). A reorder of required
//! properties in the spec then changes nothing for callers, a missing one is a compile error, and
//! no constructor takes two positional parameters of the same type. A model with one required
//! field keeps `new(field)`; one with none gets `new()` and `Default`.

use crate::ir::{Kind, OneOfGroup, TypeDef};
use crate::naming::Namer;
use std::collections::BTreeMap;

/// Suffix of the required-fields struct's name.
pub const SUFFIX: &str = "Required";

/// Sets `required_struct` on each struct with at least two required fields (a `one_of_required`
/// enum it takes counts as one), with a name that collides with no other type.
pub fn name_required_structs(types: &mut BTreeMap<String, TypeDef>, one_of: &[OneOfGroup]) {
    let groups = |name: &str| one_of.iter().filter(|g| g.types.iter().any(|t| t == name)).count();
    let taken: Vec<&str> = types.keys().map(String::as_str).chain(one_of.iter().map(|g| g.name.as_str())).collect();
    let mut namer = Namer::with_reserved(&taken);
    let wanted: Vec<String> = types
        .values()
        .filter(
            |t| matches!(&t.kind, Kind::Struct { fields, .. } if fields.iter().filter(|f| !f.shape().may_be_absent()).count() + groups(&t.name) >= 2),
        )
        .map(|t| t.name.clone())
        .collect();
    for name in wanted {
        let claimed = namer.claim(&crate::naming::suffixed_type_name(&name, SUFFIX));
        if let Some(TypeDef { kind: Kind::Struct { required_struct, .. }, .. }) = types.get_mut(&name) {
            *required_struct = Some(claimed);
        }
    }
}
