// Runtime of the generated crate, copied verbatim from generator/runtime/.

//! Webhook body parsing shared by the generated [`crate::webhooks::Webhook`] enum.

use super::error::{decode, Error, RawBody};
use serde_json::Value;

/// Reads the body as JSON and pulls out `webhook_type` and `webhook_code`.
pub(crate) fn head(body: &[u8]) -> Result<(Value, String, String), Error> {
    let raw: Value = decode(body)?;
    let field = |k: &str| -> Result<String, Error> {
        raw.get(k).and_then(Value::as_str).map(str::to_owned).ok_or_else(|| Error::Decode {
            path: k.to_string(),
            message: format!("webhook body has no string `{k}`"),
            body: RawBody::new(bytes::Bytes::copy_from_slice(body)),
            attempts: 0,
        })
    };
    let (t, c) = (field("webhook_type")?, field("webhook_code")?);
    Ok((raw, t, c))
}

/// Decodes the body into its typed form.
#[allow(dead_code)] // unused by portions without webhooks
pub(crate) fn body<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, Error> {
    decode(body).map_err(|e| e.with_attempts(0))
}

#[cfg(test)]
mod tests {
    use super::Error;

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Inner {
        a: String,
        b: String,
    }

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Outer {
        items: Vec<Inner>,
    }

    fn path_of(json: &str) -> String {
        match super::body::<Outer>(json.as_bytes()) {
            Err(Error::Decode { path, .. }) => path,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn missing_fields_are_named_by_their_own_path() {
        assert_eq!(path_of(r#"{"items": [{"a": "x", "b": "y"}, {"a": "x"}]}"#), "items[1].b");
        assert_eq!(path_of("{\"items\": [{\n}]}"), "items[0].a");
        assert_eq!(path_of("{}"), "items");
        assert_eq!(path_of(r#"{"items": [{"a": 1, "b": "y"}]}"#), "items[0].a");
    }
}
