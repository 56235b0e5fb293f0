//! Stage 4: the IR → IR passes, in the one order they run. [`crate::lower`] produces the raw IR
//! (types, operations, webhooks and examples as the spec states them); [`run`] turns it into
//! the IR the emitters read, and [`crate::validate`] then checks what the emitters rely on.
//!
//! The order matters, and each step says what it needs from the ones before it:
//!
//! 0. [`headers::drop_header_fields`]: the request body fields the client sends as headers
//!    (`sent_as_headers`: the credentials) leave the operations' request types.
//! 1. [`graph::mark_requests`]: which structs a request can reach (their optional nullable
//!    fields can send an explicit `null`).
//! 2. [`graph::mark_boxes`]: which fields break a reference cycle.
//! 3. [`retype::apply`]: `field_newtypes` gives id fields their newtypes (the `same_type` shape
//!    check then sees them).
//! 4. [`unify::apply`]: `same_type` groups become one type; a group whose shapes differ is a
//!    divergence: a located error, returned (never stored in the IR).
//! 5. [`op_rules::apply`]: retry safety and pagination, from the final field types and shapes
//!    (after 3 and 4, which change them).
//! 6. [`sensitive::mark`], [`one_of::apply`], [`convert::apply`] (declared `From` conversions,
//!    field by field, from the final field types), [`required::name_required_structs`] (which counts
//!    a `one_of_required` enum as one more required field), [`graph::mark_sent_only`]: flags
//!    and names that depend on the final set of types.
//! 7. The optional modules the portion supports (`lower::features`), from everything above.

use crate::error::{GenError, Result};
use crate::ir::Ir;
use crate::portion::Portion;
use crate::{convert, graph, headers, one_of, op_rules, required, retype, sensitive, unify};

/// Runs every pass over the raw IR, in order. Returns the `same_type` groups that could not
/// be merged: `gen` refuses them (the first is its error), `diff` reports them.
pub fn run(ir: &mut Ir, portion: &Portion) -> Result<Vec<GenError>> {
    headers::drop_header_fields(ir, &portion.sent_as_headers);
    graph::mark_requests(&mut ir.types, &ir.operations);
    graph::mark_boxes(&mut ir.types);
    retype::apply(&mut ir.types, &portion.field_newtypes, &mut ir.warnings)?;
    let divergences = unify::apply(ir, &portion.same_type)?;
    op_rules::apply(ir, portion)?;
    sensitive::mark(&mut ir.types, &portion.sensitive, &mut ir.warnings);
    one_of::apply(ir, &portion.one_of_required)?;
    convert::apply(ir, &portion.convert)?;
    required::name_required_structs(&mut ir.types, &ir.one_of);
    graph::mark_sent_only(ir);
    crate::lower::features(ir, &portion.require)?;
    Ok(divergences)
}
