// Runtime of the generated crate. This file is real, compiled and tested code kept in
// generator/runtime/ and copied verbatim into every generated crate.

//! Hand-written runtime: HTTP client, errors, retries, pagination and webhooks.

pub mod client;
pub mod error;
pub mod json;
// Private modules, and a portion need not use all of them (no enums, no pagination, …).
#[allow(dead_code)]
pub(crate) mod macros;
#[allow(dead_code)]
pub(crate) mod paginate;
pub mod retry;
#[cfg(test)]
pub(crate) mod testing;
#[cfg(feature = "webhook-verification")]
pub mod verify;
#[allow(dead_code)]
pub(crate) mod webhook;

// The crate root re-exports what users need, once (issue 25): this module is private, and
// these names are for the runtime's own code.
#[allow(unused_imports)]
pub(crate) use client::{Client, ResponseMeta};

/// Stands in for a sensitive field's value in a generated `Debug`: prints `<redacted>`.
/// (Unused by a portion without sensitive fields.)
#[allow(dead_code)]
#[derive(Clone, Copy)]
pub(crate) struct Redacted;

impl std::fmt::Debug for Redacted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}
pub(crate) use error::Error;
// Not every portion uses every macro.
#[allow(unused_imports)]
pub(crate) use macros::{id_newtype, response_envelope, string_enum};
