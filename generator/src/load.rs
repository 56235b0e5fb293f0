//! Stage 1: read a spec file (YAML or JSON, detected from the content) into a JSON tree.

use crate::error::{GenError, Result};
use serde_json::{Map, Number, Value};
use sha2::{Digest, Sha256};
use std::path::Path;

/// A loaded spec: the document plus what identifies it.
#[derive(Debug, Clone)]
pub struct Spec {
    /// The whole document as JSON.
    pub doc: Value,
    /// Lower-case hex SHA-256 of the file's bytes.
    pub sha256: String,
    /// `info.version`.
    pub version: String,
    /// `info.title`.
    pub title: String,
}

/// Reads and parses a spec file.
pub fn load_file(path: &Path) -> Result<Spec> {
    let bytes =
        std::fs::read(path).map_err(|e| GenError::at(&path.display().to_string(), format!("cannot read spec: {e}")))?;
    load_bytes(&bytes, &path.display().to_string())
}

/// Parses spec bytes; `name` is used in error locations.
pub fn load_bytes(bytes: &[u8], name: &str) -> Result<Spec> {
    let text = std::str::from_utf8(bytes).map_err(|e| GenError::at(name, format!("spec is not UTF-8: {e}")))?;
    let doc = if text.trim_start().starts_with('{') {
        serde_json::from_str::<Value>(text)
            .map_err(|e| GenError::at(&format!("{name}:{}:{}", e.line(), e.column()), format!("invalid JSON: {e}")))?
    } else {
        let yaml: serde_yaml::Value = serde_yaml::from_str(text).map_err(|e| {
            let loc = match e.location() {
                Some(l) => format!("{name}:{}:{}", l.line(), l.column()),
                None => name.to_string(),
            };
            GenError::at(&loc, format!("invalid YAML: {e}"))
        })?;
        yaml_to_json(yaml, "#")?
    };
    let sha256 = hex(&Sha256::digest(bytes));
    if !doc.is_object() {
        return Err(GenError::at("#", "an OpenAPI document must be a mapping at the top level"));
    }
    let info = doc.get("info").ok_or_else(|| GenError::at("#/info", "missing `info`"))?;
    // openapiv3 gives the typed view of `info`; a malformed one is reported at its pointer.
    let info: openapiv3::Info = crate::model::typed(info, "#/info", "info object")?;
    match doc.get("openapi").and_then(Value::as_str) {
        Some(v) if v.starts_with("3.") => {}
        Some(v) => {
            return Err(GenError::at("#/openapi", format!("unsupported OpenAPI version {v:?}; 3.x is required")))
        }
        None => return Err(GenError::at("#/openapi", "missing `openapi` version string")),
    }
    Ok(Spec { doc, sha256, version: info.version, title: info.title })
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Converts YAML to JSON. Keys that are numbers or booleans become strings (`200:` is common in
/// hand-written specs); keys that are mappings, and tagged values, are errors.
fn yaml_to_json(v: serde_yaml::Value, ptr: &str) -> Result<Value> {
    use serde_yaml::Value as Y;
    Ok(match v {
        Y::Null => Value::Null,
        Y::Bool(b) => Value::Bool(b),
        Y::Number(n) => {
            if let Some(i) = n.as_i64() {
                Value::Number(i.into())
            } else if let Some(u) = n.as_u64() {
                Value::Number(u.into())
            } else {
                let f = n.as_f64().unwrap_or(f64::NAN);
                match Number::from_f64(f) {
                    Some(n) => Value::Number(n),
                    None => return Err(GenError::at(ptr, format!("number {f} cannot be represented in JSON"))),
                }
            }
        }
        Y::String(s) => Value::String(s),
        Y::Sequence(items) => Value::Array(
            items
                .into_iter()
                .enumerate()
                .map(|(i, x)| yaml_to_json(x, &format!("{ptr}/{i}")))
                .collect::<Result<_>>()?,
        ),
        Y::Mapping(m) => {
            let mut out = Map::new();
            for (k, v) in m {
                let key = match k {
                    Y::String(s) => s,
                    Y::Number(n) => n.to_string(),
                    Y::Bool(b) => b.to_string(),
                    Y::Null => "null".to_string(),
                    _ => return Err(GenError::at(ptr, "mapping keys must be scalars")),
                };
                let child = crate::error::join(ptr, &key);
                out.insert(key, yaml_to_json(v, &child)?);
            }
            Value::Object(out)
        }
        Y::Tagged(t) => return Err(GenError::at(ptr, format!("YAML tags are not supported (found {})", t.tag))),
    })
}
