//! `lib.rs`: the crate root. Modules (the optional ones as [`crate::ir::Features`] says),
//! re-exports, and the constants the runtime reads (`SPEC_VERSION`, `API_VERSION`, the base
//! URLs, the auth header names), all taken from the IR.

use super::ident;
use crate::ir::Ir;
use proc_macro2::TokenStream;
use quote::quote;

/// Emits `src/lib.rs`.
pub fn emit(ir: &Ir) -> TokenStream {
    let (version, sha, api) = (&ir.spec_version, &ir.spec_sha256, &ir.api_version);
    let (sandbox, production) = (&ir.servers.sandbox, &ir.servers.production);
    let (client_id, secret, version_h) = (&ir.auth.client_id.header, &ir.auth.secret.header, &ir.auth.version.header);
    let crate_doc = format!(
        " Typed async client for Plaid Identity Verification, generated from {:?} version {}.",
        ir.title, ir.spec_version
    );
    let error_body = match &ir.error_type {
        Some(e) => {
            let e = ident(e);
            quote!(types::#e)
        }
        None => quote!(::serde_json::Value),
    };
    // `ApiError::error_type` is typed like the error object's `error_type` when that is a
    // string enum (an open one: an unknown value is kept); otherwise it is the text.
    let error_kind = ir
        .error_type
        .as_ref()
        .and_then(|e| match &ir.types.get(e)?.kind {
            crate::ir::Kind::Struct { fields, .. } => fields.iter().find(|f| f.wire == "error_type"),
            _ => None,
        })
        .and_then(|f| match &f.ty {
            crate::ir::Ty::Named(n) if matches!(ir.types.get(n)?.kind, crate::ir::Kind::Enum { .. }) => {
                let n = ident(n);
                Some(quote!(types::#n))
            }
            _ => None,
        })
        .unwrap_or_else(|| quote!(String));
    let reqwest_doc = [
        format!(
            " The HTTP client crate this one is built on (reqwest {}), re-exported so that the",
            ir.public_deps.get("reqwest").map_or("", String::as_str)
        ),
        " `reqwest::Client` you pass to [`ClientBuilder::http_client`] is of the version this".to_string(),
        format!(
            " crate uses, whatever your own `Cargo.toml` names: `{}::reqwest::Client`.",
            ir.crate_name.replace('-', "_")
        ),
        " Start one from [`http_client_builder`], which has this crate's TLS setup.".to_string(),
    ];
    let flow = ir.features.flow.then(|| quote! { pub mod flow; });
    let inbox = ir.features.inbox.then(|| {
        quote! {
            #[cfg(feature = "webhook-verification")]
            pub mod inbox;
        }
    });
    // What the generated test kit (`<crate>-testkit`, beside this crate) uses of this crate's
    // internals: hidden, outside the public-API listing, and pinned by the kit's `=` version.
    let private = ir.features.fake.is_some().then(|| {
        let paths = ir.operations.iter().map(|op| {
            let name = ident(&crate::naming::descriptor_name(&op.method_name));
            let doc = format!(" `{}`.", op.path.replace('`', "'"));
            quote! {
                #[doc = #doc]
                pub const #name: &str = crate::operations::#name.path;
            }
        });
        quote! {
            /// Not part of the API: what the generated test kit uses of this crate's internals. It
            /// may change in any release; the kit depends on this crate's exact version.
            #[doc(hidden)]
            #[rustfmt::skip]
            pub mod __private {
                /// Whether `host` is a loopback address or `localhost`.
                pub fn is_loopback(host: &str) -> bool {
                    crate::runtime::client::is_loopback(host)
                }
                /// A JSON error's message without the input it quotes.
                pub fn describe(e: &::serde_json::Error) -> String {
                    crate::runtime::error::describe(e)
                }
                /// A transport error, classified and redacted as the client reports it.
                pub fn error_from_reqwest(e: ::reqwest::Error) -> crate::Error {
                    crate::Error::from_reqwest(e)
                }
                /// Each operation's path.
                pub mod operations {
                    #(#paths)*
                }
            }
        }
    });
    let verify = ir.features.verify.then(|| {
        quote! {
            #[cfg(feature = "webhook-verification")]
            pub use runtime::verify::VerifyErrorKind;
            // Two lines: one would be wider than prettyplease writes and rustfmt keeps.
            #[cfg(feature = "webhook-verification")]
            pub use runtime::verify::{VerifiedWebhook, VerifyError, WebhookVerifier};
        }
    });
    let examples = (!ir.examples.is_empty()).then(|| quote! { #[cfg(test)] #[rustfmt::skip] mod spec_examples; });
    let docs = if ir.features.readme {
        quote! { #![doc = include_str!("../README.md")] }
    } else {
        quote! {
            #![doc = #crate_doc]
            //!
            //! Start with [`Client`]: [`Client::from_env`] or [`Client::builder`]. Every operation is
            //! an async method on it; models live in [`types`]; webhooks in [`webhooks`].
        }
    };
    quote! {
        #docs
        #![forbid(unsafe_code)]
        #![deny(missing_docs)]

        #[rustfmt::skip]
        pub mod types;
        #[rustfmt::skip]
        pub mod webhooks;
        #[rustfmt::skip]
        mod operations;
        #flow
        #inbox
        // Private: every item users need has one public path, re-exported below (issue 25).
        mod runtime;
        #private
        #examples

        /// The date and time types the models use, re-exported so the versions always match.
        pub use ::chrono;
        #(#[doc = #reqwest_doc])*
        pub use ::reqwest;
        pub use runtime::client::http_client_builder;
        pub use runtime::client::Secret;
        pub use runtime::client::{CallOptions, Client, ClientBuilder, Environment, ResponseMeta};
        pub use runtime::error::{decode, ApiError, Error, RawBody, TransportKind};
        pub use runtime::json::ToJson;
        pub use runtime::retry::RetryPolicy;
        #verify

        /// `info.version` of the spec this crate was generated from.
        pub const SPEC_VERSION: &str = #version;
        /// SHA-256 (hex) of the spec file this crate was generated from.
        pub const SPEC_SHA256: &str = #sha;
        /// The API version sent in the version header.
        pub const API_VERSION: &str = #api;
        /// Sandbox base URL.
        pub const SANDBOX_URL: &str = #sandbox;
        /// Production base URL.
        pub const PRODUCTION_URL: &str = #production;
        /// Header carrying the client id.
        pub const CLIENT_ID_HEADER: &str = #client_id;
        /// Header carrying the secret.
        pub const SECRET_HEADER: &str = #secret;
        /// Header carrying the API version.
        pub const VERSION_HEADER: &str = #version_h;
        /// The error object decoded from non-2xx responses.
        pub type ErrorBody = #error_body;
        /// The type of the error object's `error_type`, which [`ApiError::error_type`] holds.
        pub type ErrorType = #error_kind;
    }
}
