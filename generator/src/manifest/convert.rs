//! The IR ↔ format 3, field by field. While the two have the same shape this is a copy; when
//! the IR changes, only this file (not the format) has to follow.

use super::v3 as m;
use crate::ir;

fn ty_to(t: &ir::Ty) -> m::Ty {
    let b = |i: &ir::Ty| Box::new(ty_to(i));
    match t {
        ir::Ty::String => m::Ty::String,
        ir::Ty::Bool => m::Ty::Bool,
        ir::Ty::I32 => m::Ty::I32,
        ir::Ty::I64 => m::Ty::I64,
        ir::Ty::F64 => m::Ty::F64,
        ir::Ty::Date => m::Ty::Date,
        ir::Ty::DateTime => m::Ty::DateTime,
        ir::Ty::Json => m::Ty::Json,
        ir::Ty::Named(n) => m::Ty::Named(n.clone()),
        ir::Ty::Vec(i) => m::Ty::Vec(b(i)),
        ir::Ty::Map(i) => m::Ty::Map(b(i)),
        ir::Ty::Nullable(i) => m::Ty::Nullable(b(i)),
    }
}

fn ty_from(t: m::Ty) -> ir::Ty {
    let b = |i: Box<m::Ty>| Box::new(ty_from(*i));
    match t {
        m::Ty::String => ir::Ty::String,
        m::Ty::Bool => ir::Ty::Bool,
        m::Ty::I32 => ir::Ty::I32,
        m::Ty::I64 => ir::Ty::I64,
        m::Ty::F64 => ir::Ty::F64,
        m::Ty::Date => ir::Ty::Date,
        m::Ty::DateTime => ir::Ty::DateTime,
        m::Ty::Json => ir::Ty::Json,
        m::Ty::Named(n) => ir::Ty::Named(n),
        m::Ty::Vec(i) => ir::Ty::Vec(b(i)),
        m::Ty::Map(i) => ir::Ty::Map(b(i)),
        m::Ty::Nullable(i) => ir::Ty::Nullable(b(i)),
    }
}

fn shape_to(s: ir::FieldShape) -> m::FieldShape {
    match s {
        ir::FieldShape::Required => m::FieldShape::Required,
        ir::FieldShape::Optional => m::FieldShape::Optional,
        ir::FieldShape::Nullable => m::FieldShape::Nullable,
        ir::FieldShape::OptionalNullable { explicit_null } => m::FieldShape::OptionalNullable { explicit_null },
    }
}

impl From<m::FieldShape> for ir::FieldShape {
    fn from(s: m::FieldShape) -> Self {
        shape_from(s)
    }
}

fn shape_from(s: m::FieldShape) -> ir::FieldShape {
    match s {
        m::FieldShape::Required => ir::FieldShape::Required,
        m::FieldShape::Optional => ir::FieldShape::Optional,
        m::FieldShape::Nullable => ir::FieldShape::Nullable,
        m::FieldShape::OptionalNullable { explicit_null } => ir::FieldShape::OptionalNullable { explicit_null },
    }
}

fn type_to(t: &ir::TypeDef) -> m::TypeDef {
    let kind = match &t.kind {
        ir::Kind::Struct { fields, request, request_id_field, required_struct } => m::Kind::Struct {
            fields: fields
                .iter()
                .map(|f| m::Field {
                    name: f.name.clone(),
                    wire: f.wire.clone(),
                    ty: ty_to(&f.ty),
                    shape: shape_to(f.shape),
                    boxed: f.boxed,
                    doc: f.doc.clone(),
                    deprecated: f.deprecated,
                    sensitive: f.sensitive,
                })
                .collect(),
            request: *request,
            request_id_field: request_id_field.clone(),
            required_struct: required_struct.clone(),
        },
        ir::Kind::Enum { variants } => m::Kind::Enum {
            variants: variants
                .iter()
                .map(|v| m::Variant { name: v.name.clone(), wire: v.wire.clone(), doc: v.doc.clone() })
                .collect(),
        },
        ir::Kind::Newtype { inner } => m::Kind::Newtype { inner: ty_to(inner) },
    };
    m::TypeDef {
        name: t.name.clone(),
        origin: t.origin.clone(),
        doc: t.doc.clone(),
        deprecated: t.deprecated,
        sent_only: t.sent_only,
        kind,
    }
}

fn type_from(t: m::TypeDef) -> ir::TypeDef {
    let kind = match t.kind {
        m::Kind::Struct { fields, request, request_id_field, required_struct } => ir::Kind::Struct {
            fields: fields
                .into_iter()
                .map(|f| ir::Field {
                    name: f.name,
                    wire: f.wire,
                    ty: ty_from(f.ty),
                    shape: shape_from(f.shape),
                    boxed: f.boxed,
                    doc: f.doc,
                    deprecated: f.deprecated,
                    sensitive: f.sensitive,
                })
                .collect(),
            request,
            request_id_field,
            required_struct,
        },
        m::Kind::Enum { variants } => ir::Kind::Enum {
            variants: variants.into_iter().map(|v| ir::Variant { name: v.name, wire: v.wire, doc: v.doc }).collect(),
        },
        m::Kind::Newtype { inner } => ir::Kind::Newtype { inner: ty_from(inner) },
    };
    ir::TypeDef { name: t.name, origin: t.origin, doc: t.doc, deprecated: t.deprecated, sent_only: t.sent_only, kind }
}

fn op_to(o: &ir::Operation) -> m::Operation {
    m::Operation {
        method_name: o.method_name.clone(),
        id: o.id.clone(),
        http_method: o.http_method.clone(),
        path: o.path.clone(),
        doc: o.doc.clone(),
        request: o.request.as_ref().map(ty_to),
        response: ty_to(&o.response),
        deprecated: o.deprecated,
        retry: match &o.retry {
            ir::RetrySafety::Never => m::RetrySafety::Never,
            ir::RetrySafety::Always => m::RetrySafety::Always,
            ir::RetrySafety::WhenTrue { field, shape } => {
                m::RetrySafety::WhenTrue { field: field.clone(), shape: shape_to(*shape) }
            }
        },
        pagination: o.pagination.as_ref().map(|p| m::Pagination {
            cursor_field: p.cursor_field.clone(),
            cursor_shape: shape_to(p.cursor_shape),
            next_field: p.next_field.clone(),
            next_shape: shape_to(p.next_shape),
            items_field: p.items_field.clone(),
            item_ty: ty_to(&p.item_ty),
            pages_method: p.pages_method.clone(),
            stream_method: p.stream_method.clone(),
        }),
    }
}

fn op_from(o: m::Operation) -> ir::Operation {
    ir::Operation {
        method_name: o.method_name,
        id: o.id,
        http_method: o.http_method,
        path: o.path,
        doc: o.doc,
        request: o.request.map(ty_from),
        response: ty_from(o.response),
        deprecated: o.deprecated,
        retry: match o.retry {
            m::RetrySafety::Never => ir::RetrySafety::Never,
            m::RetrySafety::Always => ir::RetrySafety::Always,
            m::RetrySafety::WhenTrue { field, shape } => ir::RetrySafety::WhenTrue { field, shape: shape_from(shape) },
        },
        pagination: o.pagination.map(|p| ir::Pagination {
            cursor_field: p.cursor_field,
            cursor_shape: shape_from(p.cursor_shape),
            next_field: p.next_field,
            next_shape: shape_from(p.next_shape),
            items_field: p.items_field,
            item_ty: ty_from(p.item_ty),
            pages_method: p.pages_method,
            stream_method: p.stream_method,
        }),
    }
}

fn header_to(h: &ir::AuthHeader) -> m::AuthHeader {
    m::AuthHeader { header: h.header.clone(), scheme: h.scheme.clone() }
}

fn header_from(h: m::AuthHeader) -> ir::AuthHeader {
    ir::AuthHeader { header: h.header, scheme: h.scheme }
}

/// The manifest of `ir` (examples and warnings left out: they are not the API).
pub(super) fn manifest_of(ir: &ir::Ir) -> m::Manifest {
    m::Manifest {
        format_version: super::FORMAT_VERSION,
        title: ir.title.clone(),
        spec_version: ir.spec_version.clone(),
        api_version: ir.api_version.clone(),
        spec_sha256: ir.spec_sha256.clone(),
        crate_name: ir.crate_name.clone(),
        crate_version: ir.crate_version.clone(),
        rust_version: ir.rust_version.clone(),
        public_deps: ir.public_deps.clone(),
        cargo_features: ir.cargo_features.clone(),
        servers: m::Servers { sandbox: ir.servers.sandbox.clone(), production: ir.servers.production.clone() },
        auth: m::Auth {
            client_id: header_to(&ir.auth.client_id),
            secret: header_to(&ir.auth.secret),
            version: header_to(&ir.auth.version),
        },
        features: m::Features {
            flow: ir.features.flow,
            fake: ir.features.fake.as_ref().map(|f| m::Fake { seed_example: f.seed_example.clone() }),
        },
        types: ir.types.iter().map(|(k, t)| (k.clone(), type_to(t))).collect(),
        operations: ir.operations.iter().map(op_to).collect(),
        webhooks: ir
            .webhooks
            .iter()
            .map(|w| m::Webhook {
                variant: w.variant.clone(),
                ty: w.ty.clone(),
                webhook_type: w.webhook_type.clone(),
                webhook_code: w.webhook_code.clone(),
                doc: w.doc.clone(),
            })
            .collect(),
        error_type: ir.error_type.clone(),
        examples: Vec::new(),
        warnings: Vec::new(),
        aliases: ir
            .aliases
            .iter()
            .map(|a| m::TypeAlias {
                name: a.name.clone(),
                target: a.target.clone(),
                origin: a.origin.clone(),
                doc: a.doc.clone(),
            })
            .collect(),
        conversions: ir
            .conversions
            .iter()
            .map(|c| m::Conversion { from: c.from.clone(), into: c.into.clone(), fields: c.fields.clone() })
            .collect(),
        one_of: ir.one_of.iter().map(one_of_to).collect(),
    }
}

/// The IR a manifest describes; it has no examples.
pub(super) fn ir_of(v: m::Manifest) -> ir::Ir {
    let one_of = v.one_of;
    let mut ir = ir::Ir {
        title: v.title,
        spec_version: v.spec_version,
        api_version: v.api_version,
        spec_sha256: v.spec_sha256,
        crate_name: v.crate_name,
        crate_version: v.crate_version,
        servers: ir::Servers { sandbox: v.servers.sandbox, production: v.servers.production },
        auth: ir::Auth {
            client_id: header_from(v.auth.client_id),
            secret: header_from(v.auth.secret),
            version: header_from(v.auth.version),
        },
        // The manifest records the flow and the fake, which the change report compares; the
        // other modules and the package metadata are not API.
        features: ir::Features {
            flow: v.features.flow,
            fake: v.features.fake.map(|f| ir::Fake { seed_example: f.seed_example }),
            verify: true,
            inbox: v.features.flow,
            readme: v.features.flow,
            readme_ignored: Vec::new(),
        },
        rust_version: v.rust_version,
        public_deps: v.public_deps,
        cargo_features: v.cargo_features,
        publish: false,
        types: v.types.into_iter().map(|(k, t)| (k, type_from(t))).collect(),
        operations: v.operations.into_iter().map(op_from).collect(),
        webhooks: v
            .webhooks
            .into_iter()
            .map(|w| ir::Webhook {
                variant: w.variant,
                ty: w.ty,
                webhook_type: w.webhook_type,
                webhook_code: w.webhook_code,
                doc: w.doc,
            })
            .collect(),
        error_type: v.error_type,
        examples: Vec::new(),
        warnings: v.warnings,
        aliases: v
            .aliases
            .into_iter()
            .map(|a| ir::TypeAlias { name: a.name, target: a.target, origin: a.origin, doc: a.doc })
            .collect(),
        conversions: v
            .conversions
            .into_iter()
            .map(|c| ir::Conversion { from: c.from, into: c.into, fields: c.fields, map: Vec::new() })
            .collect(),
        one_of: Vec::new(),
    };
    ir.one_of = one_of.into_iter().map(|g| one_of_from(&ir, g)).collect();
    ir
}

fn one_of_to(g: &ir::OneOfGroup) -> m::OneOf {
    m::OneOf {
        name: g.name.clone(),
        param: g.param.clone(),
        variants: g.variants.iter().map(|v| (v.name.clone(), v.field.clone(), v.wire.clone(), v.sensitive)).collect(),
        types: g.types.clone(),
    }
}

/// A group read back: each variant's type is its field's in the first struct of the group
/// (without the field's `Option`s), as the `one_of` pass made it.
fn one_of_from(ir: &ir::Ir, g: m::OneOf) -> ir::OneOfGroup {
    let field_ty = |wire: &str| -> ir::Ty {
        let found = g.types.iter().find_map(|t| match ir.types.get(t).map(|t| &t.kind) {
            Some(ir::Kind::Struct { fields, .. }) => fields.iter().find(|f| f.wire == wire).map(|f| f.ty.clone()),
            _ => None,
        });
        match found {
            Some(ir::Ty::Nullable(inner)) => *inner,
            Some(t) => t,
            None => ir::Ty::String,
        }
    };
    ir::OneOfGroup {
        name: g.name.clone(),
        param: g.param.clone(),
        doc: None,
        variants: g
            .variants
            .iter()
            .map(|(name, field, wire, sensitive)| ir::OneOfVariant {
                name: name.clone(),
                field: field.clone(),
                wire: wire.clone(),
                ty: field_ty(wire),
                sensitive: *sensitive,
            })
            .collect(),
        types: g.types.clone(),
    }
}
