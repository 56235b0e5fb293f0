// Runtime of the generated crate. This file is real, compiled and tested code kept in
// generator/runtime/ and copied verbatim into every generated crate.

//! Hand-written runtime: HTTP client, errors, retries, pagination and webhooks.

pub mod client;
pub mod error;
pub mod paginate;
pub mod retry;
pub mod webhook;
#[cfg(feature = "webhook-verification")]
pub mod verify;
#[cfg(feature = "test-util")]
pub mod signer;
#[cfg(test)]
pub(crate) mod testing;
#[doc(hidden)]
pub mod macros;

pub(crate) use client::{Operation, Retry};
pub use client::{Client, ResponseMeta};
pub use error::Error;
pub(crate) use macros::{id_newtype, response_envelope, string_enum};
