//! The selection file (`spec/portion.toml`): what the IDV portion of a spec is.

use crate::error::{GenError, Result};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;

/// Parsed selection file.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Portion {
    /// Operations under these path prefixes are selected.
    #[serde(default)]
    pub path_prefixes: Vec<String>,
    /// These exact paths are selected.
    #[serde(default)]
    pub paths: Vec<String>,
    /// Glob patterns (`*` only) naming webhook body schemas.
    #[serde(default)]
    pub webhooks: Vec<String>,
    /// Further schemas to select by name (glob).
    #[serde(default)]
    pub schemas: Vec<String>,
    /// Name of the error object schema.
    #[serde(default)]
    pub error_schema: Option<String>,
    /// Package name of the generated crate.
    #[serde(default = "default_crate_name")]
    pub crate_name: String,
    /// Version of the generated crate.
    #[serde(default = "default_crate_version")]
    pub crate_version: String,
    /// The oldest Rust the generated crate supports: its `rust-version`.
    #[serde(default = "default_rust_version")]
    pub rust_version: String,
    /// Whether the generated crate may be published (`publish` in its Cargo.toml).
    #[serde(default)]
    pub publish: bool,
    /// Identifier schemas that become newtypes.
    #[serde(default)]
    pub newtypes: Vec<String>,
    /// Retry safety per operation path.
    #[serde(default)]
    pub retry: RetryRules,
    /// Fields holding personal data or secrets, as `Type.field` globs (see [`crate::sensitive`]):
    /// their structs get a `Debug` that prints `<redacted>` for them.
    #[serde(default)]
    pub sensitive: Vec<String>,
    /// String fields that hold a listed newtype's id: `Type.field` glob → schema name.
    #[serde(default)]
    pub field_newtypes: BTreeMap<String, String>,
    /// Groups of schemas that are one type to users (see [`crate::unify`]).
    #[serde(default)]
    pub same_type: Vec<SameType>,
    /// JSON keys of request bodies that the client sends as headers instead (the credentials):
    /// removed from every operation's request type (see [`crate::headers::drop_header_fields`]).
    #[serde(default)]
    pub sent_as_headers: Vec<String>,
    /// Optional fields of which a request must name at least one (see [`crate::one_of`]).
    #[serde(default)]
    pub one_of_required: Vec<OneOfRequired>,
    /// `From` conversions between the shapes of one concept (see [`crate::convert`]).
    #[serde(default)]
    pub convert: Vec<Convert>,
    /// Cursor-paginated operations by path.
    #[serde(default)]
    pub pagination: BTreeMap<String, PaginationRule>,
    /// Optional runtime modules (`flow`, `fake`, `verify`; see [`crate::contract`]) that must
    /// be generated: a spec that cannot serve one is an error instead of a warning.
    #[serde(default)]
    pub require: Vec<String>,
}

/// A declared `From` conversion: `into`'s fields, each from `from`'s field of the same JSON
/// name (a field `from` lacks must be optional in `into`, and starts empty).
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Convert {
    /// Source schema (or generated type) name.
    pub from: String,
    /// Target schema (or generated type) name.
    pub into: String,
}

/// How one operation pages: JSON names of the request's cursor, the response's next cursor and
/// the response's list of items.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct PaginationRule {
    /// Request field that carries the cursor (a string).
    pub cursor: String,
    /// Response field with the next cursor (a string; absent, null or empty ends the listing).
    pub next: String,
    /// Response field with the page's items (a list of objects).
    pub items: String,
}

/// Schemas of one shape that become one type.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct SameType {
    /// Name of the merged type.
    pub name: String,
    /// The schemas; each keeps its name as a `pub type` alias.
    pub schemas: Vec<String>,
    /// Schemas with a subset of the fields (same types) that the merged type converts into.
    #[serde(default)]
    pub converts_into: Vec<String>,
}

/// Optional fields of which at least one must be given: `new` takes one value of an enum with a
/// variant per field, so naming none does not compile. More than one can still be given, with
/// the other fields' setters.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct OneOfRequired {
    /// Rust name of the enum.
    pub name: String,
    /// Name of the enum's field in the required-fields struct (or of `new`'s parameter).
    pub param: String,
    /// The schemas (request types) the rule applies to.
    pub schemas: Vec<String>,
    /// JSON names of the fields, two or more; each becomes a variant.
    pub fields: Vec<String>,
    /// What the enum is, for its documentation.
    #[serde(default)]
    pub doc: Option<String>,
}

/// Which operations may be repeated.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RetryRules {
    /// Always safe to repeat.
    #[serde(default)]
    pub always: Vec<String>,
    /// Safe when the named boolean request field is `true`.
    #[serde(default)]
    pub when_true: BTreeMap<String, String>,
}

fn default_crate_name() -> String {
    "plaid-idv".into()
}
fn default_crate_version() -> String {
    "0.1.0".into()
}
fn default_rust_version() -> String {
    "1.80".into()
}

/// A package name cargo accepts: ASCII letters, digits, `-` and `_`, starting with a letter,
/// at most 64 characters.
fn is_crate_name(n: &str) -> bool {
    n.len() <= 64
        && n.starts_with(|c: char| c.is_ascii_alphabetic())
        && n.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// A `rust-version` cargo accepts: two or three dot-separated numbers.
fn is_rust_version(v: &str) -> bool {
    let parts: Vec<&str> = v.split('.').collect();
    (2..=3).contains(&parts.len()) && parts.iter().all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
}

impl Portion {
    /// Reads a selection file.
    pub fn load(path: &Path) -> Result<Portion> {
        let name = path.display().to_string();
        let text = std::fs::read_to_string(path)
            .map_err(|e| GenError::at(&name, format!("cannot read selection file: {e}")))?;
        Self::parse(&text, &name)
    }

    /// Parses selection-file text.
    pub fn parse(text: &str, name: &str) -> Result<Portion> {
        let p: Portion =
            toml::from_str(text).map_err(|e| GenError::at(name, format!("invalid selection file: {}", e.message())))?;
        for (i, pat) in p.sensitive.iter().enumerate() {
            match pat.split_once('.') {
                Some((t, f)) if !t.is_empty() && !f.is_empty() && !f.contains('.') => {}
                _ => {
                    return Err(GenError::at(
                        &format!("{name}#/sensitive/{i}"),
                        format!("sensitive pattern {pat:?} is not of the form Type.field"),
                    ))
                }
            }
        }
        for (pattern, schema) in &p.field_newtypes {
            if !p.newtypes.contains(schema) {
                return Err(GenError::at(
                    &format!("{name}#/field_newtypes/{}", pattern.replace('~', "~0").replace('/', "~1")),
                    format!("{schema:?} is not listed in `newtypes`"),
                ));
            }
        }
        for (i, g) in p.one_of_required.iter().enumerate() {
            let at = |key: &str| format!("{name}#/one_of_required/{i}/{key}");
            let type_ident = |s: &str| {
                s.starts_with(|c: char| c.is_ascii_uppercase()) && s.bytes().all(|b| b.is_ascii_alphanumeric())
            };
            let field_ident = |s: &str| {
                s.starts_with(|c: char| c.is_ascii_lowercase())
                    && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
                    && !crate::naming::is_keyword(s)
            };
            if !type_ident(&g.name) || crate::naming::type_name(&g.name) != g.name {
                return Err(GenError::at(
                    &at("name"),
                    format!("{:?} is not a Rust type name (UpperCamelCase)", g.name),
                ));
            }
            if !field_ident(&g.param) {
                return Err(GenError::at(
                    &at("param"),
                    format!("{:?} is not a Rust field name (snake_case, not a keyword)", g.param),
                ));
            }
            if g.schemas.is_empty() {
                return Err(GenError::at(&at("schemas"), "names no schema".to_string()));
            }
            let distinct: std::collections::BTreeSet<&String> = g.fields.iter().collect();
            if g.fields.len() < 2 || distinct.len() != g.fields.len() {
                return Err(GenError::at(
                    &at("fields"),
                    format!("needs two or more distinct fields, has {:?}", g.fields),
                ));
            }
            if let Some(j) = p.one_of_required[..i].iter().position(|o| o.name == g.name) {
                return Err(GenError::at(
                    &at("name"),
                    format!("{:?} is already the name of one_of_required group {j}", g.name),
                ));
            }
        }
        for (i, m) in p.require.iter().enumerate() {
            if !crate::contract::MODULES.contains(&m.as_str()) {
                return Err(GenError::at(
                    &format!("{name}#/require/{i}"),
                    format!("{m:?} is not an optional module; the modules are {:?}", crate::contract::MODULES),
                ));
            }
        }
        if !is_semver(&p.crate_version) {
            return Err(GenError::at(
                &format!("{name}#/crate_version"),
                format!("crate_version {:?} is not a semver version", p.crate_version),
            ));
        }
        if !is_crate_name(&p.crate_name) {
            return Err(GenError::at(
                &format!("{name}#/crate_name"),
                format!(
                    "crate_name {:?} is not a package name cargo accepts (ASCII letters, digits, `-`, `_`, \
                     starting with a letter, at most 64 characters)",
                    p.crate_name
                ),
            ));
        }
        if !is_rust_version(&p.rust_version) {
            return Err(GenError::at(
                &format!("{name}#/rust_version"),
                format!("rust_version {:?} is not a Rust version such as \"1.85\"", p.rust_version),
            ));
        }
        Ok(p)
    }

    /// Whether an operation path is part of the portion.
    pub fn selects_path(&self, path: &str) -> bool {
        self.paths.iter().any(|p| p == path) || self.path_prefixes.iter().any(|p| path.starts_with(p.as_str()))
    }
}

fn is_semver(v: &str) -> bool {
    let core = v.split(['-', '+']).next().unwrap_or("");
    let parts: Vec<&str> = core.split('.').collect();
    parts.len() == 3 && parts.iter().all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
}

/// Matches `name` against a pattern where `*` stands for any run of characters.
pub fn glob_match(pattern: &str, name: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == name;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !name.starts_with(first) || name.len() < first.len() + last.len() || !name.ends_with(last) {
        return false;
    }
    let mut rest = &name[first.len()..name.len() - last.len()];
    for mid in &parts[1..parts.len() - 1] {
        match rest.find(mid) {
            Some(i) => rest = &rest[i + mid.len()..],
            None => return false,
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn globs() {
        assert!(glob_match("IdentityVerification*Webhook", "IdentityVerificationRetriedWebhook"));
        assert!(!glob_match("IdentityVerification*Webhook", "IdentityVerificationRetried"));
        assert!(glob_match("PlaidError", "PlaidError"));
        assert!(!glob_match("A*B*C", "AC"));
        assert!(glob_match("A*B*C", "AxxBxC"));
    }
    #[test]
    fn semver() {
        assert!(is_semver("0.1.0"));
        assert!(!is_semver("2020-09-14_1.697.4"));
    }
}
