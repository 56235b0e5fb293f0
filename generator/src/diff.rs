//! Change report between two versions of a spec, in terms of the *generated Rust API*.
//!
//! Every change is classified twice: **source** (does code written against the old crate still
//! compile?) and **wire** (can an already-deployed client still talk to the new API?). With
//! `Unknown` enum variants and `#[non_exhaustive]` types, added variants and new optional
//! response fields are compatible on both. Description-only changes are counted as cosmetic.

use crate::ir::{Field, Ir, Kind, Ty, TypeDef};
use serde::Serialize;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

/// Whether a change breaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Impact {
    /// Nothing breaks.
    Compatible,
    /// Something breaks.
    Breaking,
}

/// One change to the generated API.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Change {
    /// Kind, such as `field added` or `variant removed`.
    pub kind: String,
    /// Where, such as `IdentityVerification.status`.
    pub item: String,
    /// Details.
    pub detail: String,
    /// Does old user code still compile?
    pub source: Impact,
    /// Does an old deployed client still work?
    pub wire: Impact,
}

/// The whole report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// Old and new spec versions.
    pub old_version: String,
    /// New spec version.
    pub new_version: String,
    /// API changes, sorted.
    pub changes: Vec<Change>,
    /// Description-only changes (hidden unless asked for).
    pub cosmetic: Vec<String>,
    /// Schema differences with no effect on the Rust API (validation keywords, examples, …).
    pub spec_only: Vec<String>,
}

/// Recommended version bump for the generated crate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Bump {
    /// Nothing changed.
    None,
    /// Docs only.
    Patch,
    /// Additions only.
    Minor,
    /// Something breaks.
    Major,
}

impl Report {
    /// Any breaking change, on either axis.
    pub fn is_breaking(&self) -> bool {
        self.changes.iter().any(|c| c.source == Impact::Breaking || c.wire == Impact::Breaking)
    }

    /// The recommended semver bump.
    pub fn bump(&self) -> Bump {
        if self.is_breaking() {
            Bump::Major
        } else if !self.changes.is_empty() {
            Bump::Minor
        } else if !self.cosmetic.is_empty() || !self.spec_only.is_empty() {
            Bump::Patch
        } else {
            Bump::None
        }
    }

    /// One line: counts by kind and the bump.
    pub fn summary(&self) -> String {
        if self.changes.is_empty() && self.cosmetic.is_empty() && self.spec_only.is_empty() {
            return "no changes".into();
        }
        let mut kinds: BTreeMap<&str, usize> = BTreeMap::new();
        for c in &self.changes {
            *kinds.entry(c.kind.as_str()).or_default() += 1;
        }
        let count = |f: &dyn Fn(&Change) -> bool| self.changes.iter().filter(|c| f(c)).count();
        let by_kind = kinds.iter().map(|(k, n)| format!("{n} {k}")).collect::<Vec<_>>().join(", ");
        format!(
            "{} API change(s) ({}); {} source-breaking, {} wire-breaking; {} cosmetic, {} spec-only; recommended bump: {}",
            self.changes.len(),
            if by_kind.is_empty() { "none".into() } else { by_kind },
            count(&|c| c.source == Impact::Breaking),
            count(&|c| c.wire == Impact::Breaking),
            self.cosmetic.len(),
            self.spec_only.len(),
            match self.bump() {
                Bump::Major => "major (breaking; for a 0.x crate bump the minor number)",
                Bump::Minor => "minor (additions only)",
                Bump::Patch => "patch (docs or spec-only)",
                Bump::None => "none",
            }
        )
    }

    /// Markdown report; `all` also lists cosmetic and spec-only changes.
    pub fn markdown(&self, all: bool) -> String {
        let mut s =
            format!("# plaid-idv API changes: {} → {}\n\n{}\n", self.old_version, self.new_version, self.summary());
        let mark = |i: Impact| if i == Impact::Breaking { "**breaking**" } else { "ok" };
        if !self.changes.is_empty() {
            s.push_str("\n| change | item | detail | source | wire |\n| --- | --- | --- | --- | --- |\n");
            for c in &self.changes {
                let _ = writeln!(
                    s,
                    "| {} | `{}` | {} | {} | {} |",
                    c.kind,
                    c.item,
                    c.detail.replace('|', "\\|"),
                    mark(c.source),
                    mark(c.wire)
                );
            }
        }
        if all {
            for (title, list) in
                [("Cosmetic (descriptions only)", &self.cosmetic), ("Spec-only (no Rust API effect)", &self.spec_only)]
            {
                if !list.is_empty() {
                    let _ = writeln!(s, "\n## {title}\n");
                    for c in list {
                        let _ = writeln!(s, "- {c}");
                    }
                }
            }
        } else if !self.cosmetic.is_empty() || !self.spec_only.is_empty() {
            let _ = writeln!(
                s,
                "\n{} cosmetic and {} spec-only change(s) hidden; pass --all to list them.",
                self.cosmetic.len(),
                self.spec_only.len()
            );
        }
        s
    }

    /// Machine-readable form.
    pub fn json(&self) -> Value {
        let mut v = serde_json::to_value(self).unwrap_or(Value::Null);
        v["summary"] = Value::String(self.summary());
        v["bump"] = serde_json::to_value(self.bump()).unwrap_or(Value::Null);
        v["breaking"] = Value::Bool(self.is_breaking());
        v
    }
}

/// The type as the wire sees it: newtypes are their inner type.
fn wire_ty(ir: &Ir, t: &Ty) -> Ty {
    match t {
        Ty::Named(n) => match ir.types.get(n).map(|d| &d.kind) {
            Some(Kind::Newtype { inner }) => inner.clone(),
            _ => t.clone(),
        },
        Ty::Vec(i) => Ty::Vec(Box::new(wire_ty(ir, i))),
        Ty::Map(i) => Ty::Map(Box::new(wire_ty(ir, i))),
        Ty::Nullable(i) => Ty::Nullable(Box::new(wire_ty(ir, i))),
        other => other.clone(),
    }
}

fn ty_str(t: &Ty) -> String {
    match t {
        Ty::String => "String".into(),
        Ty::Bool => "bool".into(),
        Ty::I32 => "i32".into(),
        Ty::I64 => "i64".into(),
        Ty::F64 => "f64".into(),
        Ty::Date => "NaiveDate".into(),
        Ty::DateTime => "DateTime<Utc>".into(),
        Ty::Json => "Value".into(),
        Ty::Named(n) => n.clone(),
        Ty::Vec(i) => format!("Vec<{}>", ty_str(i)),
        Ty::Map(i) => format!("BTreeMap<String, {}>", ty_str(i)),
        Ty::Nullable(i) => format!("Option<{}>", ty_str(i)),
    }
}

/// The Rust type of a field as users see it: optional or nullable fields are `Option`s, an
/// optional nullable request field is `Option<Option<T>>` so that `null` can be sent, and a
/// field on a reference cycle is boxed.
fn field_ty_str(f: &Field) -> String {
    wrap(f, &ty_str(&f.ty))
}

/// `inner` wrapped the way `f` wraps its value type (boxing, then optionality).
fn wrap(f: &Field, inner: &str) -> String {
    let inner = if f.boxed { format!("Box<{inner}>") } else { inner.to_string() };
    if f.explicit_null {
        format!("Option<Option<{inner}>>")
    } else if f.optional || f.nullable {
        format!("Option<{inner}>")
    } else {
        inner
    }
}

/// A shape fingerprint used to spot renames: same kind and members under another name.
fn shape(t: &TypeDef) -> String {
    match &t.kind {
        Kind::Struct { fields, .. } => {
            let f: Vec<String> =
                fields.iter().map(|f| format!("{}:{}:{}:{}", f.wire, ty_str(&f.ty), f.optional, f.nullable)).collect();
            format!("struct{{{}}}", f.join(","))
        }
        Kind::Enum { variants } => {
            format!("enum{{{}}}", variants.iter().map(|v| v.wire.as_str()).collect::<Vec<_>>().join(","))
        }
        Kind::Newtype { inner } => format!("newtype({})", ty_str(inner)),
    }
}

fn request_types(ir: &Ir) -> BTreeSet<String> {
    ir.types.values().filter(|t| matches!(t.kind, Kind::Struct { request: true, .. })).map(|t| t.name.clone()).collect()
}

/// Enums reachable from request structs (a removed value may still be sent by old clients).
fn request_enums(ir: &Ir) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for t in ir.types.values() {
        if let Kind::Struct { fields, request: true, .. } = &t.kind {
            for f in fields {
                let mut ty = &f.ty;
                while let Ty::Vec(i) | Ty::Map(i) | Ty::Nullable(i) = ty {
                    ty = i;
                }
                if let Ty::Named(n) = ty {
                    out.insert(n.clone());
                }
            }
        }
    }
    out
}

struct Diff<'a> {
    old: &'a Ir,
    new: &'a Ir,
    changes: Vec<Change>,
    cosmetic: Vec<String>,
}

impl Diff<'_> {
    fn push(&mut self, kind: &str, item: String, detail: String, source: Impact, wire: Impact) {
        self.changes.push(Change { kind: kind.into(), item, detail, source, wire });
    }

    fn fields(&mut self, name: &str, old: &[Field], new: &[Field], request: bool) {
        use Impact::*;
        for f in new.iter().filter(|f| !old.iter().any(|o| o.wire == f.wire)) {
            let required = !f.optional;
            let (src, wire) = match (required, request) {
                (false, _) => (Compatible, Compatible),
                (true, true) => (Breaking, Breaking),
                (true, false) => (Breaking, Compatible),
            };
            let mut detail =
                format!("{} `{}: {}`", if required { "required" } else { "optional" }, f.name, field_ty_str(f));
            if required {
                detail.push_str(" (`new()` gains an argument)");
            }
            self.push("field added", format!("{name}.{}", f.wire), detail, src, wire);
        }
        for f in old.iter().filter(|f| !new.iter().any(|n| n.wire == f.wire)) {
            // Old clients decoding a response fail if a required field disappears; old clients
            // always send a required request field.
            let wire = if !f.optional { Breaking } else { Compatible };
            self.push(
                "field removed",
                format!("{name}.{}", f.wire),
                format!("was `{}: {}`", f.name, field_ty_str(f)),
                Breaking,
                wire,
            );
        }
        for o in old {
            let Some(n) = new.iter().find(|n| n.wire == o.wire) else { continue };
            let item = format!("{name}.{}", o.wire);
            let before = self.changes.len();
            // The field's wrapping with its value type held fixed: what users match and build.
            let (o_shape, n_shape) = (wrap(o, "T"), wrap(n, "T"));
            if o.ty != n.ty {
                let same_wire = wire_ty(self.old, &o.ty) == wire_ty(self.new, &n.ty);
                let detail = format!("`{}` → `{}`", ty_str(&o.ty), ty_str(&n.ty));
                self.push(
                    "field type changed",
                    item.clone(),
                    detail,
                    Breaking,
                    if same_wire { Compatible } else { Breaking },
                );
            }
            if o.optional != n.optional {
                let (detail, wire) = if n.optional {
                    ("required → optional", if request { Compatible } else { Breaking })
                } else {
                    ("optional → required", if request { Breaking } else { Compatible })
                };
                self.push("field optionality changed", item.clone(), detail.into(), Breaking, wire);
            }
            if o.nullable != n.nullable {
                let (detail, wire) = if n.nullable {
                    ("now nullable", if request { Compatible } else { Breaking })
                } else {
                    ("no longer nullable", if request { Breaking } else { Compatible })
                };
                // Breaking exactly when the Rust type changes (not when it already was an Option).
                let src = if o_shape != n_shape { Breaking } else { Compatible };
                self.push("field nullability changed", item.clone(), detail.into(), src, wire);
            }
            if o.name != n.name {
                self.push(
                    "field renamed in Rust",
                    item.clone(),
                    format!("`{}` → `{}`", o.name, n.name),
                    Breaking,
                    Compatible,
                );
            }
            if o.deprecated != n.deprecated {
                let d = if n.deprecated { "now deprecated" } else { "no longer deprecated" };
                self.push("field deprecation changed", item.clone(), d.into(), Compatible, Compatible);
            }
            // Boxing and explicit-null wrapping change with the rest of the API (a new reference
            // cycle, a type newly reachable from a request body) even when the field's own schema
            // does not: report them unless a breaking row above already covers this field.
            if o_shape != n_shape && !self.changes[before..].iter().any(|c| c.source == Breaking) {
                let mut why = Vec::new();
                if o.boxed != n.boxed {
                    why.push(if n.boxed { "now boxed: it is part of a reference cycle" } else { "no longer boxed" });
                }
                if o.explicit_null != n.explicit_null {
                    why.push(if n.explicit_null {
                        "the type is now reachable from a request body, so `null` can be sent"
                    } else {
                        "the type is no longer reachable from a request body"
                    });
                }
                let detail = format!("`{}` → `{}` ({})", field_ty_str(o), field_ty_str(n), why.join("; "));
                self.push("field shape changed", item.clone(), detail, Breaking, Compatible);
            }
            if o.doc != n.doc {
                self.cosmetic.push(format!("{item}: description changed"));
            }
        }
    }

    /// `new(required…)` takes the required fields positionally, in field order: a new order of
    /// the parameters both versions have breaks callers, silently so when the types agree.
    fn constructor(&mut self, name: &str, old: &[Field], new: &[Field], by_name: (bool, bool)) {
        match by_name {
            // Required fields by name on both sides: their order is not part of the API.
            (true, true) => return,
            (false, true) => {
                return self.push(
                    "constructor takes required fields by name",
                    format!("{name}::new"),
                    "`new(a, b, …)` → `new(Required { a, b, … })`: callers stop compiling".into(),
                    Impact::Breaking,
                    Impact::Compatible,
                )
            }
            (true, false) => {
                return self.push(
                    "constructor takes required fields positionally",
                    format!("{name}::new"),
                    "`new(Required { … })` → `new(…)`: callers stop compiling".into(),
                    Impact::Breaking,
                    Impact::Compatible,
                )
            }
            (false, false) => {}
        }
        let required = |fs: &[Field]| fs.iter().filter(|f| !f.optional).cloned().collect::<Vec<Field>>();
        let (op, np) = (required(old), required(new));
        let common = |a: &[Field], b: &[Field]| -> Vec<Field> {
            a.iter().filter(|f| b.iter().any(|g| g.wire == f.wire)).cloned().collect()
        };
        let (oc, nc) = (common(&op, &np), common(&np, &op));
        if oc.iter().map(|f| &f.wire).eq(nc.iter().map(|f| &f.wire)) {
            return;
        }
        let sig = |p: &[Field]| format!("new({})", p.iter().map(|f| f.name.as_str()).collect::<Vec<_>>().join(", "));
        let same_types = oc.iter().zip(&nc).all(|(a, b)| field_ty_str(a) == field_ty_str(b));
        let effect = if same_types {
            "the parameters have the same types at each position, so callers still compile and send each value under the other key"
        } else {
            "callers stop compiling"
        };
        self.push(
            "constructor parameters reordered",
            format!("{name}::new"),
            format!("`{}` → `{}`: {effect}", sig(&op), sig(&np)),
            Impact::Breaking,
            Impact::Compatible,
        );
    }
}

/// `ir` as users see it: `Named` references through `aliases` point at their targets, and each of
/// `ir`'s own aliases is a copy of its target under the alias's name and origin.
fn user_view(ir: &Ir, aliases: &BTreeMap<String, String>) -> Ir {
    fn canon(t: &mut Ty, aliases: &BTreeMap<String, String>) {
        match t {
            Ty::Named(n) => {
                if let Some(to) = aliases.get(n.as_str()) {
                    *n = to.clone();
                }
            }
            Ty::Vec(i) | Ty::Map(i) | Ty::Nullable(i) => canon(i, aliases),
            _ => {}
        }
    }
    let mut v = ir.clone();
    for t in v.types.values_mut() {
        match &mut t.kind {
            Kind::Struct { fields, .. } => fields.iter_mut().for_each(|f| canon(&mut f.ty, aliases)),
            Kind::Newtype { inner } => canon(inner, aliases),
            Kind::Enum { .. } => {}
        }
    }
    for op in &mut v.operations {
        if let Some(r) = &mut op.request {
            canon(r, aliases);
        }
        canon(&mut op.response, aliases);
        if let Some(p) = &mut op.pagination {
            canon(&mut p.item_ty, aliases);
        }
    }
    for a in &ir.aliases {
        if let Some(t) = v.types.get(&a.target).cloned() {
            v.types.insert(a.name.clone(), TypeDef { name: a.name.clone(), origin: a.origin.clone(), ..t });
        }
    }
    v
}

/// Selected component schemas by name, as JSON.
pub type RawSchemas = BTreeMap<String, Value>;

/// How the report names an operation: `POST /identity_verification/get`.
pub fn op_key(method: &str, path: &str) -> String {
    format!("{} {path}", method.to_uppercase())
}

/// The raw selection of one spec: what the IR was lowered from, kept so that differences the IR
/// does not show are still reported.
#[derive(Debug, Clone, Default)]
pub struct Raw {
    /// Selected component schemas by name.
    pub schemas: RawSchemas,
    /// Selected operations by `METHOD /path` (the same key the report uses).
    pub ops: BTreeMap<String, Value>,
}

/// Compares two IRs (and, when given, the two raw selections for spec-only differences).
pub fn diff(old: &Ir, new: &Ir, raw: Option<(&Raw, &Raw)>) -> Report {
    use Impact::*;
    // Compare what users see: a `pub type` alias is a type of its own name, and a reference
    // through an alias is a reference to its target.
    let aliases: BTreeMap<String, String> =
        old.aliases.iter().chain(&new.aliases).map(|a| (a.name.clone(), a.target.clone())).collect();
    let (old_view, new_view) = (user_view(old, &aliases), user_view(new, &aliases));
    let (orig_old, orig_new) = (old, new);
    let (old, new) = (&old_view, &new_view);
    let mut d = Diff { old, new, changes: Vec::new(), cosmetic: Vec::new() };
    for a in &orig_new.aliases {
        if orig_old.types.contains_key(&a.name) {
            d.push(
                "types merged",
                a.name.clone(),
                format!(
                    "now a `pub type` alias of `{}`: the name still compiles, but separate trait impls for the merged types conflict",
                    a.target
                ),
                Breaking,
                Compatible,
            );
        }
    }
    for a in &orig_old.aliases {
        if orig_new.types.contains_key(&a.name) {
            d.push(
                "type split",
                a.name.clone(),
                format!("was an alias of `{}`, now a type of its own: values no longer pass for each other", a.target),
                Breaking,
                Compatible,
            );
        }
    }
    for (ptr, why) in &orig_new.divergences {
        d.push("same_type diverged", ptr.clone(), why.clone(), Breaking, Compatible);
    }
    let old_req = request_types(old);
    let new_req = request_types(new);

    // Types removed / added, with probable renames paired up by shape.
    let removed: Vec<&TypeDef> = old.types.values().filter(|t| !new.types.contains_key(&t.name)).collect();
    let mut added: Vec<&TypeDef> = new.types.values().filter(|t| !old.types.contains_key(&t.name)).collect();
    for r in removed {
        if let Some(i) = added.iter().position(|a| shape(a) == shape(r)) {
            let a = added.remove(i);
            d.push(
                "type renamed (probable)",
                r.name.clone(),
                format!("same shape now named `{}`", a.name),
                Breaking,
                Compatible,
            );
        } else {
            d.push("type removed", r.name.clone(), format!("from `{}`", r.origin), Breaking, Compatible);
        }
    }
    for a in added {
        d.push("type added", a.name.clone(), format!("from `{}`", a.origin), Compatible, Compatible);
    }
    let req_enums = request_enums(old);
    for (name, o) in &old.types {
        let Some(n) = new.types.get(name) else { continue };
        if o.doc != n.doc {
            d.cosmetic.push(format!("{name}: description changed"));
        }
        if o.deprecated != n.deprecated {
            let det = if n.deprecated { "now deprecated" } else { "no longer deprecated" };
            d.push("type deprecation changed", name.clone(), det.into(), Compatible, Compatible);
        }
        match (&o.kind, &n.kind) {
            (
                Kind::Struct { fields: of, required_struct: ors, .. },
                Kind::Struct { fields: nf, required_struct: nrs, .. },
            ) => {
                let request = old_req.contains(name) || new_req.contains(name);
                d.fields(name, of, nf, request);
                d.constructor(name, of, nf, (ors.is_some(), nrs.is_some()));
            }
            (Kind::Enum { variants: ov }, Kind::Enum { variants: nv }) => {
                for v in nv.iter().filter(|v| !ov.iter().any(|o| o.wire == v.wire)) {
                    d.push(
                        "variant added",
                        format!("{name}::{}", v.name),
                        format!("`{}`", v.wire),
                        Compatible,
                        Compatible,
                    );
                }
                for v in ov.iter().filter(|v| !nv.iter().any(|n| n.wire == v.wire)) {
                    let wire = if req_enums.contains(name) { Breaking } else { Compatible };
                    d.push("variant removed", format!("{name}::{}", v.name), format!("`{}`", v.wire), Breaking, wire);
                }
                for (v, n) in ov.iter().filter_map(|v| Some((v, nv.iter().find(|n| n.wire == v.wire)?))) {
                    if n.doc != v.doc {
                        d.cosmetic.push(format!("{name}::{}: description changed", v.name));
                    }
                    if n.name != v.name {
                        d.push(
                            "variant renamed in Rust",
                            format!("{name}::{}", v.name),
                            format!("now `{}`", n.name),
                            Breaking,
                            Compatible,
                        );
                    }
                }
            }
            (Kind::Newtype { inner: oi }, Kind::Newtype { inner: ni }) if oi != ni => {
                d.push(
                    "newtype changed",
                    name.clone(),
                    format!("`{}` → `{}`", ty_str(oi), ty_str(ni)),
                    Breaking,
                    Breaking,
                );
            }
            (Kind::Newtype { .. }, Kind::Newtype { .. }) => {}
            _ => d.push(
                "type kind changed",
                name.clone(),
                format!("`{}` → `{}`", shape(o), shape(n)),
                Breaking,
                Breaking,
            ),
        }
    }

    // Operations by method and path.
    let key = |o: &crate::ir::Operation| op_key(&o.http_method, &o.path);
    for o in &old.operations {
        match new.operations.iter().find(|n| key(n) == key(o)) {
            None => d.push("operation removed", key(o), format!("method `{}`", o.method_name), Breaking, Breaking),
            Some(n) => {
                if o.method_name != n.method_name {
                    d.push(
                        "operation renamed",
                        key(o),
                        format!("`{}` → `{}`", o.method_name, n.method_name),
                        Breaking,
                        Compatible,
                    );
                }
                let (or, nr) = (o.request.as_ref().map(ty_str), n.request.as_ref().map(ty_str));
                if or != nr {
                    d.push("operation request changed", key(o), format!("{or:?} → {nr:?}"), Breaking, Compatible);
                }
                if o.response != n.response {
                    d.push(
                        "operation response changed",
                        key(o),
                        format!("`{}` → `{}`", ty_str(&o.response), ty_str(&n.response)),
                        Breaking,
                        Compatible,
                    );
                }
                if o.retry != n.retry {
                    d.push(
                        "retry rule changed",
                        key(o),
                        format!("{:?} → {:?}", o.retry, n.retry),
                        Compatible,
                        Compatible,
                    );
                }
                if o.doc != n.doc {
                    d.cosmetic.push(format!("{}: operation description changed", key(o)));
                }
            }
        }
    }
    for n in new.operations.iter().filter(|n| !old.operations.iter().any(|o| key(o) == key(n))) {
        d.push("operation added", key(n), format!("method `{}`", n.method_name), Compatible, Compatible);
    }
    for (from, to, kind, source) in [(new, old, "webhook added", Compatible), (old, new, "webhook removed", Breaking)] {
        for w in from.webhooks.iter().filter(|w| !to.webhooks.iter().any(|o| o.variant == w.variant)) {
            let what = format!("{} / {}", w.webhook_type, w.webhook_code);
            d.push(kind, format!("Webhook::{}", w.variant), what, source, Compatible);
        }
    }

    // Raw schema differences no API change accounts for, property by property, so nothing is
    // silently dropped.
    let mut spec_only = Vec::new();
    if let Some((ro, rn)) = raw {
        let (o, n) = (&ro.schemas, &rn.schemas);
        let items: BTreeSet<String> = d.changes.iter().map(|c| c.item.clone()).collect();
        // Operations: prose-only differences (summaries, descriptions, examples) are cosmetic;
        // anything else the IR did not turn into a change (a `default` response added, a
        // parameter, a keyword) is listed as spec-only.
        for (key, a) in &ro.ops {
            let Some(b) = rn.ops.get(key) else { continue };
            if a == b {
                continue;
            }
            if strip_prose(a) == strip_prose(b) {
                if !d.cosmetic.iter().any(|c| c.starts_with(&format!("{key}:"))) {
                    d.cosmetic.push(format!("{key}: summary or example changed"));
                }
            } else if !items.contains(key) {
                spec_only.push(format!("{key}: changed without changing the Rust API (responses or other keywords)"));
            }
        }
        let types: BTreeSet<String> =
            d.changes.iter().filter_map(|c| c.item.split(['.', ':']).next()).map(String::from).collect();
        let origin_of = |schema: &str| {
            new.types.values().chain(old.types.values()).find(|t| t.origin == schema).map(|t| t.name.clone())
        };
        let empty = Value::Object(Default::default());
        for name in o.keys().chain(n.keys()).collect::<BTreeSet<_>>() {
            let ptr = format!("#/components/schemas/{name}");
            let (a, b) = match (o.get(name), n.get(name)) {
                (None, Some(_)) if origin_of(name).is_none() => {
                    spec_only.push(format!("{ptr}: schema added (inlined; no Rust type of its own)"));
                    continue;
                }
                (Some(_), None) if origin_of(name).is_none() => {
                    spec_only.push(format!("{ptr}: schema removed (was inlined; no Rust type of its own)"));
                    continue;
                }
                (Some(a), Some(b)) if a != b => (strip_prose(a), strip_prose(b)),
                _ => continue,
            };
            if a == b {
                // Prose only: counted once, unless the IR already counted it.
                let rust = origin_of(name).unwrap_or_default();
                if !d.cosmetic.iter().any(|c| c.starts_with(&format!("{rust}:")) || c.starts_with(&format!("{rust}.")))
                {
                    d.cosmetic.push(format!("{ptr}: description or example changed"));
                }
                continue;
            }
            let rust = origin_of(name);
            let props = |v: &Value| v.get("properties").cloned().unwrap_or_else(|| empty.clone());
            let (pa, pb) = (props(&a), props(&b));
            let keys: BTreeSet<&String> =
                pa.as_object().into_iter().chain(pb.as_object()).flat_map(|m| m.keys()).collect();
            for k in keys {
                if pa.get(k) != pb.get(k) && !rust.as_ref().is_some_and(|r| items.contains(&format!("{r}.{k}"))) {
                    spec_only.push(format!("{ptr}/properties/{k}: changed without changing the Rust API"));
                }
            }
            let rest = |v: &Value| match v {
                Value::Object(m) => Value::Object(
                    m.iter()
                        .filter(|(k, _)| k.as_str() != "properties" && k.as_str() != "required")
                        .map(|(k, v)| (k.clone(), v.clone()))
                        .collect(),
                ),
                other => other.clone(),
            };
            if rest(&a) != rest(&b) && !rust.as_ref().is_some_and(|r| types.contains(r)) {
                spec_only.push(format!(
                    "{ptr}: changed without changing the Rust API (validation keywords, formats or inlined aliases)"
                ));
            }
        }
    }
    d.changes.sort();
    d.cosmetic.sort();
    d.cosmetic.dedup();
    Report {
        old_version: old.spec_version.clone(),
        new_version: new.spec_version.clone(),
        changes: d.changes,
        cosmetic: d.cosmetic,
        spec_only,
    }
}

/// A schema or operation with its prose (descriptions, summaries, examples, titles) removed.
/// Keys of a `properties` map are property names, not keywords, and are always kept.
pub fn strip_prose(v: &Value) -> Value {
    strip(v, false)
}

fn strip(v: &Value, names: bool) -> Value {
    const PROSE: [&str; 8] =
        ["description", "summary", "example", "examples", "x-examples", "x-enum-descriptions", "title", "externalDocs"];
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .filter(|(k, _)| names || !PROSE.contains(&k.as_str()))
                .map(|(k, v)| (k.clone(), strip(v, !names && k == "properties")))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(|v| strip(v, false)).collect()),
        other => other.clone(),
    }
}
