//! The document model: the structure of the selected parts of a spec (path items, operations,
//! request bodies, responses, media types, parameters, servers, security schemes) as `openapiv3`
//! types, each parsed at its own JSON pointer so a malformed node is a located error.
//!
//! Three things stay JSON, because `openapiv3` is lossy for them (see the README's design
//! notes, "the document model"):
//! - schemas (`schema` under a media type): lowered from JSON by `lower/schemas.rs`, `$ref` or
//!   inline, through the one resolver (`select::ref_name`);
//! - the keys of a `responses` map: `openapiv3::Responses` keeps only keys that parse as a status
//!   code and respells ranges (`2xx` → `2XX`), so the map is read as written and only the
//!   response the generator uses is parsed;
//! - the keys of a `content` map, for the same reason: only the media type used is parsed.
//!
//! A node is parsed from a view of its JSON mapping without the children that are parsed on
//! their own (no copy is made), so `openapiv3` never sees a schema, and the error of a child
//! names the child's pointer rather than stopping at an untagged or flattened parent.

use crate::error::{join, GenError, Result};
use serde::de::value::MapDeserializer;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};
use serde_path_to_error::Segment;

/// Deserializes `T` from `v`, located at the JSON pointer `at`: an error names the pointer of
/// the offending node (`at` plus the path `serde_path_to_error` recorded).
pub fn typed<T: DeserializeOwned>(v: &Value, at: &str, what: &str) -> Result<T> {
    serde_path_to_error::deserialize(v).map_err(|e| located(e, at, what))
}

/// Deserializes `T` from the mapping `m` without the keys in `skip`, plus the `extra` entries
/// (a required key given a stand-in). Nothing is copied.
fn typed_view<T: DeserializeOwned>(
    m: &Map<String, Value>,
    skip: &[&str],
    extra: &[(&'static str, &Value)],
    at: &str,
    what: &str,
) -> Result<T> {
    let entries = m
        .iter()
        .filter(|(k, _)| !skip.contains(&k.as_str()))
        .map(|(k, v)| (k.as_str(), v))
        .chain(extra.iter().map(|(k, v)| (*k, *v)));
    let de = MapDeserializer::<_, serde_json::Error>::new(entries);
    serde_path_to_error::deserialize(de).map_err(|e| located(e, at, what))
}

fn located(e: serde_path_to_error::Error<serde_json::Error>, at: &str, what: &str) -> GenError {
    let mut ptr = at.to_string();
    for seg in e.path().iter() {
        match seg {
            Segment::Seq { index } => ptr = format!("{ptr}/{index}"),
            Segment::Map { key } => ptr = join(&ptr, key),
            Segment::Enum { .. } => {}
            // Inside an untagged or flattened value the path is lost: the error is located at
            // the value itself.
            Segment::Unknown => break,
        }
    }
    GenError::at(&ptr, format!("invalid {what}: {}", e.inner()))
}

/// The empty mapping, the stand-in for a child parsed on its own.
fn empty() -> &'static Value {
    static EMPTY: std::sync::OnceLock<Value> = std::sync::OnceLock::new();
    EMPTY.get_or_init(|| Value::Object(Map::new()))
}

/// The HTTP methods of a path item, in `openapiv3::PathItem` field order.
pub const METHODS: [&str; 8] = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

/// A path item without its operations (each is parsed on its own, see [`operation`]).
pub fn path_item(m: &Map<String, Value>, at: &str) -> Result<openapiv3::PathItem> {
    typed_view(m, &METHODS, &[], at, "path item")
}

/// One operation: `openapiv3::Operation` for its own fields, with the request body and the
/// responses held apart (the operation's `request_body` is `None` and its `responses` empty).
#[derive(Debug, Clone)]
pub struct Operation<'a> {
    /// operationId, summary, description, deprecated, parameters, tags, security, servers,
    /// extensions.
    pub op: openapiv3::Operation,
    /// The request body, if any, at `<pointer>/requestBody`.
    pub request_body: Option<RequestBody<'a>>,
    /// The `responses` mapping as written: key (status code, range or any text) → response JSON.
    pub responses: &'a Map<String, Value>,
}

/// Parses an operation at `at`. Callbacks are not read.
pub fn operation<'a>(m: &'a Map<String, Value>, at: &str) -> Result<Operation<'a>> {
    let op: openapiv3::Operation =
        typed_view(m, &["requestBody", "responses", "callbacks"], &[("responses", empty())], at, "operation")?;
    let request_body = match m.get("requestBody") {
        None => None,
        Some(rb) => Some(request_body(rb, &join(at, "requestBody"))?),
    };
    let responses = m
        .get("responses")
        .and_then(Value::as_object)
        .ok_or_else(|| GenError::at(&join(at, "responses"), "an operation needs a `responses` mapping"))?;
    Ok(Operation { op, request_body, responses })
}

/// A request body: `openapiv3::RequestBody` for its own fields, with `content` as written.
#[derive(Debug, Clone)]
pub struct RequestBody<'a> {
    /// description, required, extensions (`content` is empty: see the field below).
    pub body: openapiv3::RequestBody,
    /// The `content` mapping: media type → media type object.
    pub content: &'a Map<String, Value>,
}

fn request_body<'a>(v: &'a Value, at: &str) -> Result<RequestBody<'a>> {
    let m = v.as_object().ok_or_else(|| GenError::at(at, "a request body must be a mapping"))?;
    if m.contains_key("$ref") {
        return Err(GenError::at(at, "requestBody $ref is not supported"));
    }
    let body = typed_view(m, &["content"], &[], at, "request body")?;
    let content = match m.get("content") {
        Some(Value::Object(c)) => c,
        Some(_) => return Err(GenError::at(&join(at, "content"), "`content` must be a mapping")),
        None => return Err(GenError::at(at, "requestBody has no `content`")),
    };
    Ok(RequestBody { body, content })
}

/// A response: `openapiv3::Response` for its own fields, with `content` as written.
#[derive(Debug, Clone)]
pub struct Response<'a> {
    /// description, headers, links, extensions (`content` is empty: see the field below).
    pub response: openapiv3::Response,
    /// The `content` mapping, if any.
    pub content: Option<&'a Map<String, Value>>,
}

/// Parses one response object at `at`.
pub fn response<'a>(v: &'a Value, at: &str) -> Result<Response<'a>> {
    let m = v.as_object().ok_or_else(|| GenError::at(at, "a response must be a mapping"))?;
    if m.contains_key("$ref") {
        return Err(GenError::at(at, "response $ref is not supported"));
    }
    let response = typed_view(m, &["content"], &[], at, "response")?;
    let content = match m.get("content") {
        None => None,
        Some(Value::Object(c)) => Some(c),
        Some(_) => return Err(GenError::at(&join(at, "content"), "`content` must be a mapping")),
    };
    Ok(Response { response, content })
}

/// A media type: `openapiv3::MediaType` for examples, encoding and extensions, with the schema
/// as its JSON (schemas are lowered from JSON).
#[derive(Debug, Clone)]
pub struct Media<'a> {
    /// The media type name (`application/json`).
    pub name: &'a str,
    /// Its pointer.
    pub pointer: String,
    /// `schema` is `None` here: see the field below.
    pub media: openapiv3::MediaType,
    /// The schema's JSON, at `<pointer>/schema`.
    pub schema: Option<&'a Value>,
}

/// The JSON media type of a `content` mapping at `at`: `application/json`, else the first whose
/// name contains `json`.
pub fn json_media<'a>(content: &'a Map<String, Value>, at: &str) -> Result<Option<Media<'a>>> {
    let pick = content
        .iter()
        .find(|(k, _)| k.as_str() == "application/json")
        .or_else(|| content.iter().find(|(k, _)| k.contains("json")));
    let Some((name, v)) = pick else { return Ok(None) };
    let pointer = join(at, name);
    let m = v.as_object().ok_or_else(|| GenError::at(&pointer, "a media type must be a mapping"))?;
    let media = typed_view(m, &["schema"], &[], &pointer, "media type")?;
    Ok(Some(Media { name, media, schema: m.get("schema"), pointer }))
}

/// The document's servers (`#/servers`), empty when absent.
pub fn servers(doc: &Value) -> Result<Vec<openapiv3::Server>> {
    match doc.get("servers") {
        None => Ok(Vec::new()),
        Some(v) => typed(v, "#/servers", "servers"),
    }
}
