// Runtime of the generated crate, copied verbatim from generator/runtime/.

//! Helpers for the generated example tests.
#![allow(dead_code)] // portions without examples use none of them

use serde::{de::DeserializeOwned, Serialize};
use serde_json::Value;

/// Must match the generator's `UNSEEN_ENUM_VALUE`.
pub(crate) const UNSEEN_ENUM_VALUE: &str = "__plaid_idv_unseen_value__";

/// Drops `null` members (absent and null optionals are the same thing) recursively.
fn normalize(v: &Value) -> Value {
    match v {
        Value::Object(m) => {
            Value::Object(m.iter().filter(|(_, v)| !v.is_null()).map(|(k, v)| (k.clone(), normalize(v))).collect())
        }
        Value::Array(a) => Value::Array(a.iter().map(normalize).collect()),
        other => other.clone(),
    }
}

/// Equal as JSON, with numbers compared by value and timestamps by instant.
fn same(a: &Value, b: &Value, path: &str) -> Result<(), String> {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for k in x.keys().chain(y.keys()) {
                match (x.get(k), y.get(k)) {
                    (Some(p), Some(q)) => same(p, q, &format!("{path}.{k}"))?,
                    _ => return Err(format!("{path}.{k}: present on one side only")),
                }
            }
            Ok(())
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            x.iter().zip(y).enumerate().try_for_each(|(i, (p, q))| same(p, q, &format!("{path}[{i}]")))
        }
        (Value::Number(x), Value::Number(y)) if x.as_f64() == y.as_f64() => Ok(()),
        (Value::String(x), Value::String(y)) if x != y => {
            match (chrono::DateTime::parse_from_rfc3339(x), chrono::DateTime::parse_from_rfc3339(y)) {
                (Ok(p), Ok(q)) if p == q => Ok(()),
                _ => Err(format!("{path}: {x:?} != {y:?}")),
            }
        }
        _ if a == b => Ok(()),
        _ => Err(format!("{path}: {a} != {b}")),
    }
}

/// Decodes `json` as `T`, re-encodes it, and requires the same JSON back; the JSON writer
/// (`ToJson`) must write exactly serde_json's bytes for it.
pub(crate) fn round_trip<T: DeserializeOwned + Serialize + crate::ToJson>(json: &str) -> String {
    let input: Value = serde_json::from_str(json).expect("example is JSON");
    let typed: T = match crate::runtime::error::decode(json.as_bytes()) {
        Ok(t) => t,
        Err(e) => panic!("example does not decode: {e}"),
    };
    let output = serde_json::to_value(&typed).expect("re-encodes");
    assert_eq!(typed.to_json(), serde_json::to_string(&typed).expect("re-encodes"), "ToJson and serde disagree");
    if let Err(diff) = same(&normalize(&input), &normalize(&output), "$") {
        panic!("round trip changed the JSON at {diff}");
    }
    output.to_string()
}

/// Like [`round_trip`], and the unseen enum value must come back verbatim.
pub(crate) fn unknown_enum_round_trip<T: DeserializeOwned + Serialize + crate::ToJson>(json: &str) {
    let out = round_trip::<T>(json);
    assert!(out.contains(UNSEEN_ENUM_VALUE), "unknown enum value was not kept");
}
