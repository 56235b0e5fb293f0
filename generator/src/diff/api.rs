//! The IR diff: types, fields, constructors, enum values, operations and webhooks, each change
//! with a source verdict and a direction-aware wire verdict (see [`super::wire`]).

use super::report::{Change, ChangeKind, Direction, Impact};
use super::wire::{self, Cmp, Finding, Verdict, Way};
use super::{field_ty_str, op_key, shape, ty_str, wrap};
use crate::ir::{Field, Ir, Kind, TypeDef};
use std::collections::BTreeMap;

use ChangeKind as K;
use Impact::{Breaking, Compatible};

const RUST_ONLY: &str = "Rust only: the same JSON";

pub(crate) struct Diff<'a> {
    pub old: &'a Ir,
    pub new: &'a Ir,
    /// Where each old type travels (what a deployed client sends and decodes); new types fall
    /// back to the new spec's directions.
    dirs: BTreeMap<String, Direction>,
    new_dirs: BTreeMap<String, Direction>,
    pub changes: Vec<Change>,
    pub cosmetic: Vec<String>,
}

impl<'a> Diff<'a> {
    pub fn new(old: &'a Ir, new: &'a Ir) -> Self {
        Diff {
            old,
            new,
            dirs: wire::directions(old),
            new_dirs: wire::directions(new),
            changes: Vec::new(),
            cosmetic: Vec::new(),
        }
    }

    fn direction(&self, ty: &str) -> Direction {
        self.dirs.get(ty).or_else(|| self.new_dirs.get(ty)).copied().unwrap_or(Direction::Both)
    }

    pub fn push(&mut self, kind: ChangeKind, item: String, detail: String, source: Impact, v: Verdict) {
        self.changes.push(Change {
            kind,
            item,
            detail,
            source,
            wire: v.wire,
            direction: v.direction,
            wire_rule: v.rule,
        });
    }

    fn rust_only(&mut self, kind: ChangeKind, item: String, detail: String, why: &str) {
        self.push(kind, item, detail, Breaking, Verdict::rust_only(why));
    }

    /// The verdict of a rule applied to each way the type `ty` travels.
    fn judge(&self, ty: &str, rule: impl FnMut(Way) -> Vec<Finding>) -> Verdict {
        Verdict::decide(self.direction(ty), rule)
    }

    fn fields(&mut self, name: &str, old: &[Field], new: &[Field]) {
        for f in new.iter().filter(|f| !old.iter().any(|o| o.wire == f.wire)) {
            let required = !f.shape().may_be_absent();
            let mut detail =
                format!("{} `{}: {}`", if required { "required" } else { "optional" }, f.name, field_ty_str(f));
            if required {
                detail.push_str(" (`new()` gains an argument)");
            }
            let v = self.judge(name, |w| vec![wire::added(f, w, "")]);
            let src = if required { Breaking } else { Compatible };
            self.push(K::FieldAdded, format!("{name}.{}", f.wire), detail, src, v);
        }
        for f in old.iter().filter(|f| !new.iter().any(|n| n.wire == f.wire)) {
            let v = self.judge(name, |w| vec![wire::removed(f, w, "")]);
            self.push(
                K::FieldRemoved,
                format!("{name}.{}", f.wire),
                format!("was `{}: {}`", f.name, field_ty_str(f)),
                Breaking,
                v,
            );
        }
        for o in old {
            let Some(n) = new.iter().find(|n| n.wire == o.wire) else { continue };
            let item = format!("{name}.{}", o.wire);
            let before = self.changes.len();
            // The field's wrapping with its value type held fixed: what users match and build.
            let (o_shape, n_shape) = (wrap(o, "T"), wrap(n, "T"));
            if o.ty != n.ty {
                let (old_ir, new_ir) = (self.old, self.new);
                let v = self.judge(name, |w| Cmp::new(old_ir, new_ir).ty(&o.ty, &n.ty, w, ""));
                let detail = format!("`{}` → `{}`", ty_str(&o.ty), ty_str(&n.ty));
                let same_json =
                    Direction::Both.ways().iter().all(|w| Cmp::new(old_ir, new_ir).ty(&o.ty, &n.ty, *w, "").is_empty());
                // `A` → `B` (or `Vec<A>` → `Vec<B>`): a rename, not a newtype wrapping a string.
                fn inner(t: &crate::ir::Ty) -> &crate::ir::Ty {
                    match t {
                        crate::ir::Ty::Vec(i) | crate::ir::Ty::Map(i) | crate::ir::Ty::Nullable(i) => inner(i),
                        t => t,
                    }
                }
                let both_named =
                    matches!((inner(&o.ty), inner(&n.ty)), (crate::ir::Ty::Named(_), crate::ir::Ty::Named(_)));
                if same_json && both_named {
                    let v =
                        Verdict { rule: format!("{}: type renamed, same shape", self.direction(name).as_str()), ..v };
                    self.push(
                        K::FieldTypeRenamed,
                        item.clone(),
                        format!("{detail}: type renamed, same shape"),
                        Breaking,
                        v,
                    );
                } else {
                    self.push(K::FieldTypeChanged, item.clone(), detail, Breaking, v);
                }
            }
            let (o_absent, n_absent) = (o.shape().may_be_absent(), n.shape().may_be_absent());
            if o_absent != n_absent {
                let detail = if n_absent { "required → optional" } else { "optional → required" };
                let v = self.judge(name, |w| wire::presence(o, n, w).into_iter().collect());
                self.push(K::FieldOptionalityChanged, item.clone(), detail.into(), Breaking, v);
            }
            let (o_null, n_null) = (o.shape().is_nullable(), n.shape().is_nullable());
            if o_null != n_null {
                let detail = if n_null { "now nullable" } else { "no longer nullable" };
                let v = self.judge(name, |w| wire::null(o, n, w).into_iter().collect());
                // Breaking exactly when the Rust type changes (not when it already was an Option).
                let src = if o_shape != n_shape { Breaking } else { Compatible };
                self.push(K::FieldNullabilityChanged, item.clone(), detail.into(), src, v);
            }
            if o.name != n.name {
                let detail = format!("`{}` → `{}`", o.name, n.name);
                self.rust_only(K::FieldRenamedInRust, item.clone(), detail, "Rust name only: the same JSON key");
            }
            if o.deprecated != n.deprecated {
                let d = if n.deprecated { "now deprecated" } else { "no longer deprecated" };
                self.push(
                    K::FieldDeprecationChanged,
                    item.clone(),
                    d.into(),
                    Compatible,
                    Verdict::rust_only("docs only"),
                );
            }
            // Boxing and explicit-null wrapping change with the rest of the API (a new reference
            // cycle, a type newly reachable from a request body) even when the field's own schema
            // does not: report them unless a breaking row above already covers this field.
            if o_shape != n_shape && !self.changes[before..].iter().any(|c| c.source == Breaking) {
                let mut why = Vec::new();
                if o.boxed != n.boxed {
                    why.push(if n.boxed { "now boxed: it is part of a reference cycle" } else { "no longer boxed" });
                }
                if o.shape().explicit_null() != n.shape().explicit_null() {
                    why.push(if n.shape().explicit_null() {
                        "the type is now reachable from a request body, so `null` can be sent"
                    } else {
                        "the type is no longer reachable from a request body"
                    });
                }
                let detail = format!("`{}` → `{}` ({})", field_ty_str(o), field_ty_str(n), why.join("; "));
                self.rust_only(K::FieldShapeChanged, item.clone(), detail, RUST_ONLY);
            }
            if o.doc != n.doc {
                self.cosmetic.push(format!("{item}: description changed"));
            }
        }
    }

    /// `new(required…)` takes the required fields positionally, in field order: a new order of
    /// the parameters both versions have breaks callers, silently so when the types agree.
    fn constructor(&mut self, name: &str, old: &[Field], new: &[Field], by_name: (Option<&str>, Option<&str>)) {
        let item = format!("{name}::new");
        // A `one_of_required` enum `new` now takes, or no longer takes (the fields stay
        // optional on the wire).
        let groups = |ir: &Ir| ir.one_of_for(name).map(|g| g.name.clone()).collect::<Vec<String>>();
        let (og, ng) = (groups(self.old), groups(self.new));
        for g in ng.iter().filter(|g| !og.contains(g)) {
            let detail =
                format!("`new` now takes a `{g}` (one of several fields must be given): callers stop compiling");
            self.rust_only(K::ConstructorOneOf, item.clone(), detail, RUST_ONLY);
        }
        for g in og.iter().filter(|g| !ng.contains(g)) {
            let detail = format!("`new` no longer takes a `{g}`: callers stop compiling");
            self.rust_only(K::ConstructorOneOf, item.clone(), detail, RUST_ONLY);
        }
        match by_name {
            // Required fields by name on both sides: their order is not part of the API.
            (Some(o), Some(n)) if o == n => return,
            (Some(o), Some(n)) => {
                let detail = format!("the required-fields struct `{o}` is now `{n}`: callers stop compiling");
                return self.rust_only(K::ConstructorByName, item, detail, RUST_ONLY);
            }
            (None, Some(n)) => {
                let detail = format!("`new(a, b, …)` → `new({n} {{ a, b, … }})`: callers stop compiling");
                return self.rust_only(K::ConstructorByName, item, detail, RUST_ONLY);
            }
            (Some(o), None) => {
                let detail = format!("`new({o} {{ … }})` → `new(…)`, and `{o}` is gone: callers stop compiling");
                return self.rust_only(K::ConstructorPositional, item, detail, RUST_ONLY);
            }
            (None, None) => {}
        }
        let required = |fs: &[Field]| fs.iter().filter(|f| !f.shape().may_be_absent()).cloned().collect::<Vec<Field>>();
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
        let detail = format!("`{}` → `{}`: {effect}", sig(&op), sig(&np));
        self.rust_only(
            K::ConstructorReordered,
            item,
            detail,
            "Rust only: each key keeps its JSON; callers' values move",
        );
    }

    /// Types removed, added (renames paired up by shape), and changed.
    pub fn types(&mut self) {
        let (old, new) = (self.old, self.new);
        let removed: Vec<&TypeDef> = old.types.values().filter(|t| !new.types.contains_key(&t.name)).collect();
        let mut added: Vec<&TypeDef> = new.types.values().filter(|t| !old.types.contains_key(&t.name)).collect();
        for r in removed {
            if let Some(i) = added.iter().position(|a| shape(a) == shape(r)) {
                let a = added.remove(i);
                let detail = format!("same shape now named `{}`", a.name);
                self.rust_only(K::TypeRenamed, r.name.clone(), detail, "Rust name only: the same JSON");
            } else {
                let detail = format!("from `{}`", r.origin);
                self.rust_only(
                    K::TypeRemoved,
                    r.name.clone(),
                    detail,
                    "Rust only: the fields that used it have their own rows",
                );
            }
        }
        for a in added {
            let v = Verdict::rust_only("new: old clients do not use it");
            self.push(K::TypeAdded, a.name.clone(), format!("from `{}`", a.origin), Compatible, v);
        }
        for (name, o) in &old.types {
            let Some(n) = new.types.get(name) else { continue };
            if o.doc != n.doc {
                self.cosmetic.push(format!("{name}: description changed"));
            }
            if o.deprecated != n.deprecated {
                let det = if n.deprecated { "now deprecated" } else { "no longer deprecated" };
                self.push(
                    K::TypeDeprecationChanged,
                    name.clone(),
                    det.into(),
                    Compatible,
                    Verdict::rust_only("docs only"),
                );
            }
            match (&o.kind, &n.kind) {
                (
                    Kind::Struct { fields: of, required_struct: ors, .. },
                    Kind::Struct { fields: nf, required_struct: nrs, .. },
                ) => {
                    self.fields(name, of, nf);
                    self.constructor(name, of, nf, (ors.as_deref(), nrs.as_deref()));
                }
                (Kind::Enum { variants: ov }, Kind::Enum { variants: nv }) => {
                    for v in nv.iter().filter(|v| !ov.iter().any(|o| o.wire == v.wire)) {
                        let verdict = self.judge(name, |w| wire::values(&[], std::slice::from_ref(v), w, ""));
                        self.push(
                            K::VariantAdded,
                            format!("{name}::{}", v.name),
                            format!("`{}`", v.wire),
                            Compatible,
                            verdict,
                        );
                    }
                    for v in ov.iter().filter(|v| !nv.iter().any(|n| n.wire == v.wire)) {
                        let verdict = self.judge(name, |w| wire::values(std::slice::from_ref(v), &[], w, ""));
                        self.push(
                            K::VariantRemoved,
                            format!("{name}::{}", v.name),
                            format!("`{}`", v.wire),
                            Breaking,
                            verdict,
                        );
                    }
                    for (v, n) in ov.iter().filter_map(|v| Some((v, nv.iter().find(|n| n.wire == v.wire)?))) {
                        if n.doc != v.doc {
                            self.cosmetic.push(format!("{name}::{}: description changed", v.name));
                        }
                        if n.name != v.name {
                            let item = format!("{name}::{}", v.name);
                            self.rust_only(
                                K::VariantRenamedInRust,
                                item,
                                format!("now `{}`", n.name),
                                "Rust name only: the same JSON value",
                            );
                        }
                    }
                }
                (Kind::Newtype { inner: oi }, Kind::Newtype { inner: ni }) if oi != ni => {
                    let v = self.judge(name, |w| Cmp::new(old, new).ty(oi, ni, w, ""));
                    self.push(
                        K::NewtypeChanged,
                        name.clone(),
                        format!("`{}` → `{}`", ty_str(oi), ty_str(ni)),
                        Breaking,
                        v,
                    );
                }
                (Kind::Newtype { .. }, Kind::Newtype { .. }) => {}
                _ => {
                    let v = self.judge(name, |w| Cmp::new(old, new).named(o, n, w, ""));
                    self.push(
                        K::TypeKindChanged,
                        name.clone(),
                        format!("`{}` → `{}`", shape(o), shape(n)),
                        Breaking,
                        v,
                    );
                }
            }
        }
    }

    /// Operations by method and path, then webhooks.
    pub fn operations(&mut self) {
        let (old, new) = (self.old, self.new);
        let key = |o: &crate::ir::Operation| op_key(&o.http_method, &o.path);
        for o in &old.operations {
            match new.operations.iter().find(|n| key(n) == key(o)) {
                None => {
                    let v = Verdict {
                        wire: Breaking,
                        direction: Some(Direction::Sent),
                        rule: "sent: old clients call a path the new spec no longer has".into(),
                    };
                    self.push(K::OperationRemoved, key(o), format!("method `{}`", o.method_name), Breaking, v);
                }
                Some(n) => {
                    if o.method_name != n.method_name {
                        let detail = format!("`{}` → `{}`", o.method_name, n.method_name);
                        self.rust_only(K::OperationRenamed, key(o), detail, "Rust name only: the same path and JSON");
                    }
                    let (or, nr) = (o.request.as_ref().map(ty_str), n.request.as_ref().map(ty_str));
                    if or != nr {
                        let findings = match (&o.request, &n.request) {
                            (Some(a), Some(b)) => Cmp::new(old, new).ty(a, b, Way::Sent, ""),
                            (None, _) => vec![Finding {
                                breaks: true,
                                why: "narrowing is unsafe: old clients send no body".into(),
                            }],
                            (_, None) => vec![Finding {
                                breaks: true,
                                why: "narrowing is unsafe: old clients send a body the new spec does not declare"
                                    .into(),
                            }],
                        };
                        let v = Verdict::decide(Direction::Sent, |_| findings.clone());
                        self.push(K::OperationRequestChanged, key(o), format!("{or:?} → {nr:?}"), Breaking, v);
                    }
                    if o.response != n.response {
                        let v = Verdict::decide(Direction::Received, |w| {
                            Cmp::new(old, new).ty(&o.response, &n.response, w, "")
                        });
                        let detail = format!("`{}` → `{}`", ty_str(&o.response), ty_str(&n.response));
                        self.push(K::OperationResponseChanged, key(o), detail, Breaking, v);
                    }
                    if o.retry != n.retry {
                        let v = Verdict::rust_only("client behaviour only: the same JSON");
                        self.push(K::RetryRuleChanged, key(o), format!("{:?} → {:?}", o.retry, n.retry), Compatible, v);
                    }
                    if o.doc != n.doc {
                        self.cosmetic.push(format!("{}: operation description changed", key(o)));
                    }
                }
            }
        }
        for n in new.operations.iter().filter(|n| !old.operations.iter().any(|o| key(o) == key(n))) {
            let v = Verdict::rust_only("new: old clients do not call it");
            self.push(K::OperationAdded, key(n), format!("method `{}`", n.method_name), Compatible, v);
        }
        let received = |why: &str| Verdict {
            wire: Compatible,
            direction: Some(Direction::Received),
            rule: format!("received: {why}"),
        };
        for w in new.webhooks.iter().filter(|w| !old.webhooks.iter().any(|o| o.variant == w.variant)) {
            let v = received("old clients parse it as `Webhook::Unknown`");
            let what = format!("{} / {}", w.webhook_type, w.webhook_code);
            self.push(K::WebhookAdded, format!("Webhook::{}", w.variant), what, Compatible, v);
        }
        for w in old.webhooks.iter().filter(|w| !new.webhooks.iter().any(|o| o.variant == w.variant)) {
            let v = received("old clients simply never receive it");
            let what = format!("{} / {}", w.webhook_type, w.webhook_code);
            self.push(K::WebhookRemoved, format!("Webhook::{}", w.variant), what, Breaking, v);
        }
    }
}
