//! Format 3 of `api.json`: its own serde types, field for field what the manifest holds, so
//! the IR ([`crate::ir`]) can change without changing the format. A change here is a format
//! bump ([`FORMAT_VERSION`](super::FORMAT_VERSION)), with an upgrade from the older formats in `upgrade.rs`.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub(super) fn format_v1() -> u32 {
    1
}

/// A Rust type as used in a field or parameter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Ty {
    /// `String`.
    String,
    /// `bool`.
    Bool,
    /// `i32`.
    I32,
    /// `i64`.
    I64,
    /// `f64`.
    F64,
    /// A calendar date.
    Date,
    /// A UTC timestamp.
    DateTime,
    /// Any JSON.
    Json,
    /// A generated type, by Rust name.
    Named(String),
    /// A list.
    Vec(Box<Ty>),
    /// A string-keyed map.
    Map(Box<Ty>),
    /// A nullable element inside a list or map.
    Nullable(Box<Ty>),
}

/// One struct field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Field {
    /// Rust name.
    pub name: String,
    /// JSON key.
    pub wire: String,
    /// Value type (before optionality).
    pub ty: Ty,
    /// How the field is present: computed once in lowering (`FieldShape::new`); the
    /// request-reachability pass turns an optional nullable field of a sent type into
    /// `OptionalNullable { explicit_null: true }` (`FieldShape::sent`). Read it with
    /// `Field::shape`.
    pub shape: FieldShape,
    /// Needs `Box` to break a cycle.
    pub boxed: bool,
    /// Documentation.
    pub doc: Option<String>,
    /// Marked deprecated.
    pub deprecated: bool,
    /// Personal data or a secret (declared in `spec/portion.toml`): `Debug` prints `<redacted>`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub sensitive: bool,
}

/// How a field is present: the one place where optionality and nullability turn into Rust.
/// Lowering computes it once per field; the emitters, retry safety, pagination and the diff
/// read it and never re-derive it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldShape {
    /// `T`: always present, never `null`.
    Required,
    /// `Option<T>`: may be absent; absent is omitted when encoding.
    Optional,
    /// `Option<T>`: always present, may be `null` (decodes a missing key too).
    Nullable,
    /// Optional and nullable. In a type reachable from a request, `Option<Option<T>>` so that
    /// an explicit `null` can be sent (`explicit_null`); elsewhere `Option<T>`.
    OptionalNullable {
        /// `Option<Option<T>>`.
        explicit_null: bool,
    },
}

/// One enum variant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Variant {
    /// Rust name.
    pub name: String,
    /// Wire value.
    pub wire: String,
    /// What the value means, from the schema's `x-enum-descriptions`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub doc: Option<String>,
}

/// The shape of a named type.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Kind {
    /// An object.
    Struct {
        /// Fields in spec order.
        fields: Vec<Field>,
        /// Reachable from a request body.
        request: bool,
        /// Has a top-level `request_id` string field (a response envelope).
        request_id_field: Option<String>,
        /// Name of the struct of required fields that `new` takes (two or more required).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        required_struct: Option<String>,
    },
    /// A string enum with an Unknown catch-all.
    Enum {
        /// Known values.
        variants: Vec<Variant>,
    },
    /// A transparent identifier newtype.
    Newtype {
        /// Wrapped type.
        inner: Ty,
    },
}

/// A named, generated type.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TypeDef {
    /// Rust name.
    pub name: String,
    /// Where it came from (schema name or a synthetic path).
    pub origin: String,
    /// Documentation.
    pub doc: Option<String>,
    /// Marked deprecated.
    pub deprecated: bool,
    /// Only ever sent (reachable from request bodies, never from a response, webhook or error
    /// body): it needs `Serialize` only, and gets `Deserialize` just with the `test-util`
    /// feature (for fakes that read requests).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub sent_only: bool,
    /// Shape.
    pub kind: Kind,
}

/// When an operation may be re-sent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum RetrySafety {
    /// Never.
    Never,
    /// Always.
    Always,
    /// When this request field (Rust name) holds `true`.
    WhenTrue {
        /// Rust field name.
        field: String,
        /// The field's shape in the request type: `bool`, `Option<bool>` or
        /// `Option<Option<bool>>`.
        shape: FieldShape,
    },
}

/// Cursor pagination facts for an operation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Pagination {
    /// Request field holding the cursor (Rust name).
    pub cursor_field: String,
    /// The cursor field's shape in the request type.
    pub cursor_shape: FieldShape,
    /// Response field with the next cursor (Rust name).
    pub next_field: String,
    /// The next-cursor field's shape in the response type.
    pub next_shape: FieldShape,
    /// Response field with the items.
    pub items_field: String,
    /// Item type.
    pub item_ty: Ty,
    /// Name of the method returning a stream of pages.
    pub pages_method: String,
    /// Name of the method returning a stream of items.
    pub stream_method: String,
}

/// One operation: becomes one async method.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Operation {
    /// Method name.
    pub method_name: String,
    /// operationId, or a synthetic one.
    pub id: String,
    /// HTTP method, upper case.
    pub http_method: String,
    /// Path template.
    pub path: String,
    /// Summary and description.
    pub doc: Option<String>,
    /// Request body type, if any.
    pub request: Option<Ty>,
    /// Success response type (`Json` when not described).
    pub response: Ty,
    /// Deprecated.
    pub deprecated: bool,
    /// Retry rule.
    pub retry: RetrySafety,
    /// Cursor pagination, when the shapes fit.
    pub pagination: Option<Pagination>,
}

/// One webhook body schema with its discriminators.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Webhook {
    /// Variant name in the `Webhook` enum.
    pub variant: String,
    /// Body type.
    pub ty: String,
    /// `webhook_type` value.
    pub webhook_type: String,
    /// `webhook_code` value.
    pub webhook_code: String,
    /// Documentation.
    pub doc: Option<String>,
}

/// The base URL of each environment: `SANDBOX_URL` and `PRODUCTION_URL` in `lib.rs`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Servers {
    /// Sandbox base URL.
    pub sandbox: String,
    /// Production base URL.
    pub production: String,
}

/// One header the client sends on every request.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AuthHeader {
    /// The header name.
    pub header: String,
    /// The security scheme it was read from; `None` when the spec declares none for it and
    /// Plaid's name is used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scheme: Option<String>,
}

/// The headers sent on every request: `CLIENT_ID_HEADER`, `SECRET_HEADER` and
/// `VERSION_HEADER` in `lib.rs`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Auth {
    /// Carries the client id.
    pub client_id: AuthHeader,
    /// Carries the secret.
    pub secret: AuthHeader,
    /// Carries the API version (`api_version`).
    pub version: AuthHeader,
}

/// Optional modules of the generated crate, decided in lowering from what the portion has.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Features {
    /// `flow` (the IDV flow helpers) and the crate README: the portion has every operation,
    /// type and webhook they use.
    pub flow: bool,
    /// `testing::FakePlaid` (feature `test-util`) and the examples: the flow, every operation
    /// the fake serves, and an example of the get response.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fake: Option<Fake>,
}

/// What the fake needs from the portion.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Fake {
    /// Test name of the get response's example that the fake builds sessions from (its JSON
    /// file is `<seed_example>.json`).
    pub seed_example: String,
}

/// The manifest: the IR as `api.json` holds it, in format [`FORMAT_VERSION`](super::FORMAT_VERSION).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// [`FORMAT_VERSION`](super::FORMAT_VERSION) of the generator that wrote it.
    #[serde(default = "format_v1")]
    pub format_version: u32,
    /// `info.title`.
    pub title: String,
    /// `info.version`.
    pub spec_version: String,
    /// The `Plaid-Version` header value.
    pub api_version: String,
    /// SHA-256 of the spec file.
    pub spec_sha256: String,
    /// Crate package name and version.
    pub crate_name: String,
    /// Crate version.
    pub crate_version: String,
    /// The crate's declared minimum supported Rust (`rust-version`); empty in manifests
    /// written before it was recorded.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub rust_version: String,
    /// The version requirement of each dependency whose types the API names (`reqwest`,
    /// `chrono`, …); empty in manifests written before they were recorded.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub public_deps: BTreeMap<String, String>,
    /// The crate's Cargo features (`default` left out); empty in manifests written before
    /// they were recorded.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cargo_features: Vec<String>,
    /// The base URLs `Environment` chooses between.
    #[serde(default)]
    pub servers: Servers,
    /// The headers sent on every request.
    #[serde(default)]
    pub auth: Auth,
    /// Which optional modules this portion supports.
    #[serde(default)]
    pub features: Features,
    /// Named types by Rust name.
    pub types: BTreeMap<String, TypeDef>,
    /// Operations in path order.
    pub operations: Vec<Operation>,
    /// Webhooks.
    pub webhooks: Vec<Webhook>,
    /// Error body type (Rust name).
    pub error_type: Option<String>,
    /// Always empty: examples are not part of the API (kept so the bytes stay those of
    /// format 3).
    pub examples: Vec<serde_json::Value>,
    /// Non-fatal notes (constructs mapped to JSON values, and so on).
    pub warnings: Vec<String>,
    /// Schemas merged into another type, kept as `pub type` aliases.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<TypeAlias>,
    /// `From` conversions between structs (a type into a subset of its fields).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conversions: Vec<Conversion>,
    /// `one_of_required` groups: the enum a struct's `new` takes (part of its signature).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub one_of: Vec<OneOf>,
}

/// A `one_of_required` group: the enum, its parameter, and the structs whose `new` takes it.
/// Each variant's type is its field's, read back from the first of those structs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OneOf {
    /// Enum name.
    pub name: String,
    /// `new`'s parameter (or the required-fields struct's field).
    pub param: String,
    /// One per field: (variant name, Rust field name, JSON key, sensitive).
    pub variants: Vec<(String, String, String, bool)>,
    /// The structs whose `new` takes it.
    pub types: Vec<String>,
}

/// A schema merged into another type: `pub type name = target;`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TypeAlias {
    /// The schema's Rust name.
    pub name: String,
    /// The type it is.
    pub target: String,
    /// The schema name.
    pub origin: String,
    /// The schema's description and its values' meanings (an enum shared by several schemas).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub doc: Option<String>,
}

/// `impl From<from> for into`, moving the listed fields (Rust names).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Conversion {
    /// Source type.
    pub from: String,
    /// Target type.
    pub into: String,
    /// Fields of the target, each taken from the source's field of the same name.
    pub fields: Vec<String>,
}
