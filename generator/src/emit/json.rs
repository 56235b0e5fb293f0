//! `ToJson` (the runtime's `json.rs`) for a struct (issue #23): the JSON writer itself, next to the written-out
//! `Serialize`. Each key is quoted and escaped here, once, by serde_json, so the emitted impl
//! writes it as a literal; values go through the runtime's `json` module. The output is the
//! bytes `serde_json::to_string` writes through the struct's `Serialize`: the same fields in
//! the same order, an `Option` field that may be absent left out when `None`, every other field
//! written (`None` as `null`). `tests/serde_differential.rs` compares the two.

use super::ident;
use crate::ir::Field;
use proc_macro2::TokenStream;
use quote::quote;

/// `impl ToJson` for the struct `name` with `fields`.
pub fn emit_to_json(name: &proc_macro2::Ident, fields: &[Field]) -> TokenStream {
    let writes = fields.iter().map(|f| {
        let n = ident(&f.name);
        // `"wire":`, as serde_json writes the key (quoted, escaped), with its colon.
        let key = format!("{}:", serde_json::Value::String(f.wire.clone()));
        if f.shape().may_be_absent() {
            quote!(json::opt(out, #key, &self.#n);)
        } else {
            quote!(json::field(out, #key, &self.#n);)
        }
    });
    quote! {
        impl crate::ToJson for #name {
            #[inline]
            fn write_json(&self, out: &mut String) {
                use crate::runtime::json;
                out.push('{');
                #(#writes)*
                json::close(out);
            }
        }
    }
}
