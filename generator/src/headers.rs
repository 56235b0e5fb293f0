//! IR → IR pass: `sent_as_headers` of `spec/portion.toml`. Plaid accepts the credentials
//! (`client_id`, `secret`) in request bodies or in headers; the client always sends headers, so
//! the body fields leave every operation's request type and no request value can hold a secret.

use crate::ir::{Ir, Kind, Ty};

/// Removes the fields with these JSON keys (`sent_as_headers`: the credentials, which the client
/// sends as headers) from every operation's request type, so no request value can hold them.
/// A key no request type has is a warning (spec versions differ).
pub fn drop_header_fields(ir: &mut Ir, keys: &[String]) {
    let requests: Vec<String> = ir
        .operations
        .iter()
        .filter_map(|o| match &o.request {
            Some(Ty::Named(n)) => Some(n.clone()),
            _ => None,
        })
        .collect();
    let mut used = vec![false; keys.len()];
    for name in requests {
        if let Some(Kind::Struct { fields, .. }) = ir.types.get_mut(&name).map(|t| &mut t.kind) {
            fields.retain(|f| match keys.iter().position(|k| *k == f.wire) {
                Some(i) => {
                    used[i] = true;
                    false
                }
                None => true,
            });
        }
    }
    for (k, used) in keys.iter().zip(used) {
        if !used {
            ir.warnings.push(format!("spec/portion.toml: sent_as_headers key {k:?} is in no request type"));
        }
    }
}
