//! The intermediate representation: what the emitters see. It holds names, wire names, types
//! and docs, never spec JSON and never tokens. It is not a file format: `api.json` is written
//! from it through [`crate::manifest`], which has its own versioned types.

use serde_json::Value;
use std::collections::BTreeMap;

/// A Rust type as used in a field or parameter.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
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
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    /// Rust name.
    pub name: String,
    /// JSON key.
    pub wire: String,
    /// Value type (before optionality).
    pub ty: Ty,
    /// How the field is present: computed once in lowering ([`FieldShape::new`]); the
    /// request-reachability pass turns an optional nullable field of a sent type into
    /// `OptionalNullable { explicit_null: true }` ([`FieldShape::sent`]). Read it with
    /// [`Field::shape`].
    pub shape: FieldShape,
    /// Needs `Box` to break a cycle.
    pub boxed: bool,
    /// Documentation.
    pub doc: Option<String>,
    /// Marked deprecated.
    pub deprecated: bool,
    /// Personal data or a secret (declared in `spec/portion.toml`): `Debug` prints `<redacted>`.
    pub sensitive: bool,
}

/// How a field is present: the one place where optionality and nullability turn into Rust.
/// Lowering computes it once per field; the emitters, retry safety, pagination and the diff
/// read it and never re-derive it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
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

impl FieldShape {
    /// The rule: from the spec's `required` and `nullable`, and whether the struct is sent.
    pub fn new(optional: bool, nullable: bool, in_request: bool) -> Self {
        match (optional, nullable) {
            (false, false) => FieldShape::Required,
            (true, false) => FieldShape::Optional,
            (false, true) => FieldShape::Nullable,
            (true, true) => FieldShape::OptionalNullable { explicit_null: in_request },
        }
    }
    /// This shape in a type reachable from a request body: an optional nullable field can
    /// send an explicit `null`. Every other shape is unchanged.
    pub fn sent(self) -> Self {
        match self {
            FieldShape::OptionalNullable { .. } => FieldShape::OptionalNullable { explicit_null: true },
            other => other,
        }
    }
    /// How many `Option`s wrap the value: 0, 1 or 2.
    pub fn options(self) -> usize {
        match self {
            FieldShape::Required => 0,
            FieldShape::OptionalNullable { explicit_null: true } => 2,
            _ => 1,
        }
    }
    /// The key may be absent (so `new` leaves it empty and a setter fills it): the spec does
    /// not list it in `required`.
    pub fn may_be_absent(self) -> bool {
        matches!(self, FieldShape::Optional | FieldShape::OptionalNullable { .. })
    }
    /// The value may be `null`.
    pub fn is_nullable(self) -> bool {
        matches!(self, FieldShape::Nullable | FieldShape::OptionalNullable { .. })
    }
    /// `Option<Option<T>>`: an explicit `null` can be sent.
    pub fn explicit_null(self) -> bool {
        self == FieldShape::OptionalNullable { explicit_null: true }
    }
}

impl Field {
    /// This field's [`FieldShape`].
    pub fn shape(&self) -> FieldShape {
        self.shape
    }
}

/// One enum variant.
#[derive(Debug, Clone, PartialEq)]
pub struct Variant {
    /// Rust name.
    pub name: String,
    /// Wire value.
    pub wire: String,
    /// What the value means, from the schema's `x-enum-descriptions`.
    pub doc: Option<String>,
}

/// The shape of a named type.
#[derive(Debug, Clone, PartialEq)]
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
#[derive(Debug, Clone, PartialEq)]
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
    /// body): it needs `Serialize` only, and gets `Deserialize` just with the
    /// `deserialize-requests` feature (the test kit declares its own copy to read requests).
    pub sent_only: bool,
    /// Shape.
    pub kind: Kind,
}

impl TypeDef {
    /// The JSON pointer of the schema this type came from.
    pub fn pointer(&self) -> String {
        origin_pointer(&self.origin)
    }
}

/// The JSON pointer of a type's origin: a schema name, or already a pointer (inline schemas).
pub fn origin_pointer(origin: &str) -> String {
    if origin.starts_with('#') {
        origin.to_string()
    } else {
        crate::error::join("#/components/schemas", origin)
    }
}

/// When an operation may be re-sent.
#[derive(Debug, Clone, PartialEq, Eq)]
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
#[derive(Debug, Clone, PartialEq)]
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
#[derive(Debug, Clone, PartialEq)]
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
#[derive(Debug, Clone, PartialEq)]
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

/// A spec example, to become a round-trip test.
#[derive(Debug, Clone, PartialEq)]
pub struct Example {
    /// Test name.
    pub test_name: String,
    /// Rust type it decodes into.
    pub ty: Ty,
    /// The JSON.
    pub value: Value,
    /// The same JSON with one enum value replaced by an unseen one, if it has an enum value.
    pub unknown_variant: Option<Value>,
}

/// The base URL of each environment: `SANDBOX_URL` and `PRODUCTION_URL` in `lib.rs`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Servers {
    /// Sandbox base URL.
    pub sandbox: String,
    /// Production base URL.
    pub production: String,
}

/// One header the client sends on every request.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuthHeader {
    /// The header name.
    pub header: String,
    /// The security scheme it was read from; `None` when the spec declares none for it and
    /// Plaid's name is used.
    pub scheme: Option<String>,
}

/// The headers sent on every request: `CLIENT_ID_HEADER`, `SECRET_HEADER` and
/// `VERSION_HEADER` in `lib.rs`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Auth {
    /// Carries the client id.
    pub client_id: AuthHeader,
    /// Carries the secret.
    pub secret: AuthHeader,
    /// Carries the API version ([`Ir::api_version`]).
    pub version: AuthHeader,
}

/// Optional modules of the generated crate, decided in lowering from what the portion has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Features {
    /// `flow` (the IDV flow helpers) and the crate README: the portion has every operation,
    /// type and webhook they use.
    pub flow: bool,
    /// The test kit crate (`FakePlaid`, the signer) and its examples: the flow, every operation
    /// the fake serves, and an example of the get response.
    pub fake: Option<Fake>,
    /// `runtime::verify` (the webhook verifier, feature `webhook-verification`): the portion
    /// has the key operation it fetches keys with.
    pub verify: bool,
    /// `inbox` (exactly-once webhook processing, feature `webhook-verification`): the flow,
    /// the verifier, and the get operation it fetches sessions with.
    pub inbox: bool,
    /// The crate README with its examples (compiled as doctests, as the crate's documentation):
    /// the portion has everything they use.
    pub readme: bool,
    /// The README's compiled examples (1-based) that this portion cannot serve: shown, marked
    /// `ignore`.
    pub readme_ignored: Vec<usize>,
}

impl Default for Features {
    fn default() -> Self {
        Features { flow: false, fake: None, verify: true, inbox: false, readme: true, readme_ignored: Vec::new() }
    }
}

/// What the fake needs from the portion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fake {
    /// Test name of the get response's example that the fake builds sessions from (its JSON
    /// file is `<seed_example>.json`).
    pub seed_example: String,
}

/// Everything the emitters need.
#[derive(Debug, Clone, PartialEq)]
pub struct Ir {
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
    /// The crate's `rust-version` (package metadata, not API: not in the manifest).
    pub rust_version: String,
    /// The version requirements of [`crate::render::PUBLIC_DEPENDENCIES`] (package metadata,
    /// recorded in the manifest: a move of one is in the changelog).
    pub public_deps: BTreeMap<String, String>,
    /// The crate's Cargo features ([`crate::render::cargo_features`]; recorded in the manifest:
    /// a removed one is in the changelog). Empty when read from a manifest that predates it.
    pub cargo_features: Vec<String>,
    /// The crate's `publish` (package metadata, not API: not in the manifest).
    pub publish: bool,
    /// The base URLs `Environment` chooses between.
    pub servers: Servers,
    /// The headers sent on every request.
    pub auth: Auth,
    /// Which optional modules this portion supports.
    pub features: Features,
    /// Named types by Rust name.
    pub types: BTreeMap<String, TypeDef>,
    /// Operations in path order.
    pub operations: Vec<Operation>,
    /// Webhooks.
    pub webhooks: Vec<Webhook>,
    /// Error body type (Rust name).
    pub error_type: Option<String>,
    /// Examples.
    pub examples: Vec<Example>,
    /// Non-fatal notes (constructs mapped to JSON values, and so on).
    pub warnings: Vec<String>,
    /// Schemas merged into another type, kept as `pub type` aliases.
    pub aliases: Vec<TypeAlias>,
    /// `From` conversions between structs (a type into a subset of its fields).
    pub conversions: Vec<Conversion>,
    /// "At least one of these optional fields" rules (`one_of_required` in the portion): each
    /// is an enum that `new` of its structs takes.
    pub one_of: Vec<OneOfGroup>,
}

/// An enum with a variant per optional field, of which `new` of each listed struct takes one,
/// so that a value naming none of the fields cannot be built (see [`crate::one_of`]).
#[derive(Debug, Clone, PartialEq)]
pub struct OneOfGroup {
    /// Rust name of the enum.
    pub name: String,
    /// Its field in the required-fields struct (or `new`'s parameter).
    pub param: String,
    /// Documentation.
    pub doc: Option<String>,
    /// One per field, in the portion's order.
    pub variants: Vec<OneOfVariant>,
    /// The structs (Rust names) whose `new` takes it.
    pub types: Vec<String>,
}

/// One field of a [`OneOfGroup`].
#[derive(Debug, Clone, PartialEq)]
pub struct OneOfVariant {
    /// Variant name.
    pub name: String,
    /// The field's Rust name (the same in every struct of the group).
    pub field: String,
    /// The field's JSON key.
    pub wire: String,
    /// The value type (the field's type without its `Option`s).
    pub ty: Ty,
    /// Sensitive in any of the group's structs: `<redacted>` in the enum's `Debug`.
    pub sensitive: bool,
}

impl Ir {
    /// The [`OneOfGroup`]s whose enum `new` of struct `name` takes.
    pub fn one_of_for<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a OneOfGroup> + 'a {
        self.one_of.iter().filter(move |g| g.types.iter().any(|t| t == name))
    }
}

/// A schema merged into another type: `pub type name = target;`.
#[derive(Debug, Clone, PartialEq)]
pub struct TypeAlias {
    /// The schema's Rust name.
    pub name: String,
    /// The type it is.
    pub target: String,
    /// The schema name.
    pub origin: String,
    /// The schema's own description and what each value means, for an enum merged into one
    /// that several schemas share (`None`: a struct's alias, whose target says it all).
    pub doc: Option<String>,
}

/// `impl From<from> for into`, moving the listed fields (Rust names).
#[derive(Debug, Clone, PartialEq)]
pub struct Conversion {
    /// Source type.
    pub from: String,
    /// Target type.
    pub into: String,
    /// Fields of the target, each taken from the source's field of the same name.
    pub fields: Vec<String>,
    /// How each target field is made (a declared `[[convert]]`, see [`crate::convert`]);
    /// empty: every field of `fields` is moved as it is.
    pub map: Vec<FieldMap>,
}

/// One target field of a declared conversion.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldMap {
    /// Target field (Rust name).
    pub into: String,
    /// Source field (Rust name); `None`: the target field starts empty (`None`).
    pub from: Option<String>,
    /// `Option` levels of the source and target fields (0: `T`, 1: `Option<T>`, 2:
    /// `Option<Option<T>>`).
    pub levels: (usize, usize),
    /// How the value inside converts.
    pub value: ValueMap,
}

/// How a value converts inside a [`FieldMap`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueMap {
    /// The same type: moved.
    Same,
    /// A declared conversion: `.into()`.
    Into,
    /// A list of a declared conversion: each item `.into()`.
    EachInto,
}
