//! Webhooks: one enum over the portion's webhook bodies, told apart by their
//! (`webhook_type`, `webhook_code`) pair, with an `Unknown` catch-all.

use super::{doc_attr, ident};
use crate::ir::Ir;
use proc_macro2::TokenStream;
use quote::quote;

/// Emits the `webhooks` module body.
pub fn emit(ir: &Ir) -> TokenStream {
    let whs = &ir.webhooks;
    let variants: Vec<_> = whs.iter().map(|w| ident(&w.variant)).collect();
    let tys: Vec<_> = whs.iter().map(|w| ident(&w.ty)).collect();
    let wtypes: Vec<&str> = whs.iter().map(|w| w.webhook_type.as_str()).collect();
    let codes: Vec<&str> = whs.iter().map(|w| w.webhook_code.as_str()).collect();
    let docs = whs.iter().map(|w| {
        let head = format!("`{}` / `{}`.", w.webhook_type, w.webhook_code);
        let text = match &w.doc {
            Some(d) => format!("{}\n\n{head}", super::doc::sanitize(d)),
            None => head,
        };
        doc_attr(Some(&text), "")
    });
    let dispatch = if whs.is_empty() {
        quote! { Ok(Self::Unknown { webhook_type, webhook_code, raw }) }
    } else {
        quote! {
            Ok(match (webhook_type.as_str(), webhook_code.as_str()) {
                #( (#wtypes, #codes) => Self::#variants(crate::runtime::webhook::body(body)?), )*
                _ => Self::Unknown { webhook_type, webhook_code, raw },
            })
        }
    };
    quote! {
        #![allow(deprecated)]
        //! Typed webhook events. Check the signature first with the verifier (feature
        //! `webhook-verification`), then dispatch on [`Webhook`].
        /// A webhook body of this portion, told apart by `webhook_type` and `webhook_code`.
        #[derive(Debug, Clone, PartialEq)]
        #[non_exhaustive]
        // Parsed once per delivery; boxing every variant would only cost ergonomics.
        #[allow(clippy::large_enum_variant)]
        pub enum Webhook {
            #( #docs #variants(crate::types::#tys), )*
            /// A webhook this crate has no type for: another product's, or a code added later.
            Unknown {
                /// Its `webhook_type`.
                webhook_type: String,
                /// Its `webhook_code`.
                webhook_code: String,
                /// The whole body.
                raw: ::serde_json::Value,
            },
        }

        impl Webhook {
            /// Every (`webhook_type`, `webhook_code`) pair that has its own variant.
            pub const KNOWN: &'static [(&'static str, &'static str)] = &[#((#wtypes, #codes)),*];

            /// Parses a webhook body **without** checking its signature. Use the verifier for
            /// bodies that arrive over the network.
            #[inline]
            pub fn parse(body: &[u8]) -> Result<Self, crate::Error> {
                let (raw, webhook_type, webhook_code) = crate::runtime::webhook::head(body)?;
                #dispatch
            }

            /// The `webhook_type` of this event.
            pub fn webhook_type(&self) -> &str {
                match self {
                    #( Self::#variants(_) => #wtypes, )*
                    Self::Unknown { webhook_type, .. } => webhook_type,
                }
            }

            /// The `webhook_code` of this event.
            pub fn webhook_code(&self) -> &str {
                match self {
                    #( Self::#variants(_) => #codes, )*
                    Self::Unknown { webhook_code, .. } => webhook_code,
                }
            }
        }
    }
}
