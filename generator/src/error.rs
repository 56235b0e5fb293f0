//! The generator's one error type: every failure names where in the input it happened.

use std::fmt;

/// A generation failure, located by a JSON pointer into the spec (or a file position for syntax
/// errors, or a path for I/O problems).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GenError {
    /// Where: a JSON pointer such as `#/components/schemas/Foo/properties`, or `file:line:col`.
    pub location: String,
    /// What is wrong there.
    pub message: String,
}

impl GenError {
    /// An error at a JSON pointer.
    pub fn at(pointer: &str, message: impl Into<String>) -> Self {
        GenError { location: pointer.to_string(), message: message.into() }
    }
}

impl fmt::Display for GenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "error at {}: {}", self.location, self.message)
    }
}

impl std::error::Error for GenError {}

/// Result alias used throughout the generator.
pub type Result<T, E = GenError> = std::result::Result<T, E>;

/// Escapes one reference token of a JSON pointer (RFC 6901).
pub fn escape_token(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

/// Appends one token to a pointer.
pub fn join(pointer: &str, token: &str) -> String {
    format!("{pointer}/{}", escape_token(token))
}
