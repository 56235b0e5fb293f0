//! Wire verdicts. Every type travels one way or both: **sent** (reachable from a request body),
//! **received** (reachable from a response, the error object or a webhook), or both. A change
//! is judged for each way the type travels, and for a type used both ways the stricter verdict
//! wins:
//!
//! - received: safe when every value the new spec allows still decodes with the old client's
//!   type. Narrowing (the new spec allows fewer values: `number` → `integer`, `Value` → `T`,
//!   optional → required, no longer nullable) is safe; widening is not, unless the old Rust type
//!   already accepts the new values (an `Option` decodes a missing key and `null`; an open enum
//!   decodes any string as `Unknown`). Keys the old client does not know are ignored.
//! - sent: safe when every value the old client can send is still accepted. Widening is safe;
//!   narrowing is not. A key the new spec no longer declares counts as narrowing: Plaid's
//!   request schemas, unlike its responses, do not set `additionalProperties: true`, so an
//!   undeclared key is taken as rejected.
//! - an open enum ↔ a string is wire-neutral both ways: the same JSON strings, and all our
//!   enums are open (`Unknown(String)`).

use super::report::{Direction, Impact};
use crate::ir::{Field, Ir, Kind, Ty, TypeDef, Variant};
use std::collections::{BTreeMap, BTreeSet};

/// One way JSON travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Way {
    /// From the client to Plaid.
    Sent,
    /// From Plaid to the client.
    Received,
}

impl Way {
    fn label(self) -> &'static str {
        match self {
            Way::Sent => "sent",
            Way::Received => "received",
        }
    }
}

impl Direction {
    /// The ways a type of this direction travels.
    pub(crate) fn ways(self) -> &'static [Way] {
        match self {
            Direction::Sent => &[Way::Sent],
            Direction::Received => &[Way::Received],
            Direction::Both => &[Way::Sent, Way::Received],
        }
    }

    fn of(sent: bool, received: bool) -> Option<Direction> {
        match (sent, received) {
            (true, true) => Some(Direction::Both),
            (true, false) => Some(Direction::Sent),
            (false, true) => Some(Direction::Received),
            (false, false) => None,
        }
    }
}

/// What one rule says about one way: whether it breaks, and why (`narrowing is safe: …`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Finding {
    pub breaks: bool,
    pub why: String,
}

fn safe(why: impl Into<String>) -> Finding {
    Finding { breaks: false, why: why.into() }
}

fn unsafe_(why: impl Into<String>) -> Finding {
    Finding { breaks: true, why: why.into() }
}

/// A change's wire verdict: the impact, the direction of the JSON it touches, and the rule
/// (prefixed with the way that decided it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Verdict {
    pub wire: Impact,
    pub direction: Option<Direction>,
    pub rule: String,
}

impl Verdict {
    /// A change that touches no JSON (a Rust name, a constructor, docs).
    pub fn rust_only(why: &str) -> Verdict {
        Verdict { wire: Impact::Compatible, direction: None, rule: why.into() }
    }

    /// Judges each way `direction` travels with `rule`; the first way that breaks decides,
    /// otherwise every way's reason is given.
    pub fn decide(direction: Direction, mut rule: impl FnMut(Way) -> Vec<Finding>) -> Verdict {
        let per_way: Vec<(Way, Vec<Finding>)> = direction.ways().iter().map(|w| (*w, rule(*w))).collect();
        for (way, findings) in &per_way {
            if let Some(f) = findings.iter().find(|f| f.breaks) {
                return Verdict {
                    wire: Impact::Breaking,
                    direction: Some(direction),
                    rule: format!("{}: {}", way.label(), f.why),
                };
            }
        }
        let firsts: Vec<(Way, String)> = per_way
            .iter()
            .map(|(w, f)| (*w, f.first().map(|f| f.why.clone()).unwrap_or_else(|| "the same JSON".into())))
            .collect();
        let rule = match &firsts[..] {
            [(_, a), (_, b)] if a == b => format!("sent and received: {a}"),
            _ => firsts.iter().map(|(w, why)| format!("{}: {why}", w.label())).collect::<Vec<_>>().join("; "),
        };
        Verdict { wire: Impact::Compatible, direction: Some(direction), rule }
    }
}

/// Named types a type refers to (fields, list and map items, a newtype's inner type).
fn refs(t: &TypeDef) -> Vec<String> {
    fn walk(ty: &Ty, out: &mut Vec<String>) {
        match ty {
            Ty::Named(n) => out.push(n.clone()),
            Ty::Vec(i) | Ty::Map(i) | Ty::Nullable(i) => walk(i, out),
            _ => {}
        }
    }
    let mut out = Vec::new();
    match &t.kind {
        Kind::Struct { fields, .. } => fields.iter().for_each(|f| walk(&f.ty, &mut out)),
        Kind::Newtype { inner } => walk(inner, &mut out),
        Kind::Enum { .. } => {}
    }
    out
}

fn reach(ir: &Ir, roots: impl IntoIterator<Item = String>) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let mut stack: Vec<String> = roots.into_iter().collect();
    while let Some(n) = stack.pop() {
        if let Some(t) = ir.types.get(&n) {
            if seen.insert(n) {
                stack.extend(refs(t));
            }
        }
    }
    seen
}

fn named(ty: &Ty) -> Vec<String> {
    match ty {
        Ty::Named(n) => vec![n.clone()],
        Ty::Vec(i) | Ty::Map(i) | Ty::Nullable(i) => named(i),
        _ => Vec::new(),
    }
}

/// Where each named type of `ir` travels. A `pub type` alias travels where its target does; a
/// type no operation, webhook or error object reaches is taken to travel both ways.
pub(crate) fn directions(ir: &Ir) -> BTreeMap<String, Direction> {
    let sent = reach(ir, ir.operations.iter().filter_map(|o| o.request.as_ref()).flat_map(named));
    let received = reach(
        ir,
        ir.operations
            .iter()
            .flat_map(|o| named(&o.response))
            .chain(ir.error_type.clone())
            .chain(ir.webhooks.iter().map(|w| w.ty.clone())),
    );
    let mut out: BTreeMap<String, Direction> = ir
        .types
        .keys()
        .map(|n| (n.clone(), Direction::of(sent.contains(n), received.contains(n)).unwrap_or(Direction::Both)))
        .collect();
    for a in &ir.aliases {
        if let Some(d) = out.get(&a.target).copied() {
            out.insert(a.name.clone(), d);
        }
    }
    out
}

fn ty_str(t: &Ty) -> String {
    super::ty_str(t)
}

/// Compares old and new JSON shapes for one way. Struct types are compared field by field
/// (recursively, each pair once, so cycles end); two types with the same name are taken to be
/// the same here, because their own changes are reported on their own rows.
pub(crate) struct Cmp<'a> {
    old: &'a Ir,
    new: &'a Ir,
    seen: BTreeSet<(String, String, Way)>,
}

impl<'a> Cmp<'a> {
    pub fn new(old: &'a Ir, new: &'a Ir) -> Self {
        Cmp { old, new, seen: BTreeSet::new() }
    }

    fn at(at: &str, why: String) -> String {
        if at.is_empty() {
            why
        } else {
            format!("`{at}`: {why}")
        }
    }

    /// Findings for a value of the old type `o` that the new spec types `n` (empty: the same
    /// JSON). `at` names the nested place for messages (empty at the top).
    pub fn ty(&mut self, o: &Ty, n: &Ty, way: Way, at: &str) -> Vec<Finding> {
        use Ty::*;
        use Way::*;
        let (o, n) = (self.resolve(o, true), self.resolve(n, false));
        if o == n {
            return vec![];
        }
        let (os, ns) = (ty_str(&o), ty_str(&n));
        let pick = |narrowing: bool, received: &str, sent: &str| {
            let (breaks, why) = match (way, narrowing) {
                (Received, true) => (false, format!("narrowing is safe: {received}")),
                (Received, false) => (true, format!("widening is unsafe: {received}")),
                (Sent, true) => (true, format!("narrowing is unsafe: {sent}")),
                (Sent, false) => (false, format!("widening is safe: {sent}")),
            };
            vec![Finding { breaks, why: Self::at(at, why) }]
        };
        match (&o, &n) {
            (I32 | I64, F64) => {
                pick(false, &format!("an old `{os}` cannot decode a fraction"), "every integer is a number")
            }
            (F64, I32 | I64) => pick(true, "an old `f64` decodes every integer", "an old client may send a fraction"),
            (I32, I64) => pick(false, "an old `i32` cannot hold every `i64`", "every `i32` is an `i64`"),
            (I64, I32) => pick(true, "an old `i64` holds every `i32`", "an old client may send a value beyond `i32`"),
            (Json, _) => pick(
                true,
                &format!("an old `Value` accepts any JSON, `{ns}` included"),
                "an old client may send any JSON",
            ),
            (_, Json) => pick(
                false,
                &format!("any JSON may arrive where the old client expects `{os}`"),
                &format!("`{os}` is still JSON"),
            ),
            (String, Date | DateTime) => {
                pick(true, &format!("an old `String` accepts a `{ns}`"), "an old client may send any string")
            }
            (Date | DateTime, String) => pick(
                false,
                &format!("any string may arrive where the old client expects a `{os}`"),
                &format!("a `{os}` is still a string"),
            ),
            (Vec(a), Vec(b)) => self.ty(a, b, way, &format!("{at}[]")),
            (Map(a), Map(b)) => self.ty(a, b, way, &format!("{at}{{}}")),
            (Nullable(a), Nullable(b)) => self.ty(a, b, way, at),
            (Nullable(a), b) => {
                let mut out = pick(true, "`null` items no longer arrive", "an old client may send `null` items");
                out.extend(self.ty(a, b, way, at));
                out
            }
            (a, Nullable(b)) => {
                let mut out = pick(false, "`null` items may arrive", "`null` items are accepted too");
                out.extend(self.ty(a, b, way, at));
                out
            }
            (Named(a), Named(b)) => {
                let (Some(ta), Some(tb)) = (self.old.types.get(a), self.new.types.get(b)) else {
                    return vec![unsafe_(Self::at(at, format!("`{a}` → `{b}`: unknown type")))];
                };
                self.named(ta, tb, way, at)
            }
            (Named(a), String) | (String, Named(a)) if self.is_enum(a) => vec![safe(Self::at(
                at,
                "open enum ↔ string is neutral: the same JSON strings (the enum decodes any string as `Unknown`)"
                    .into(),
            ))],
            _ => vec![unsafe_(Self::at(at, format!("`{os}` and `{ns}` have different JSON")))],
        }
    }

    fn is_enum(&self, n: &str) -> bool {
        [self.old, self.new].iter().any(|ir| matches!(ir.types.get(n).map(|t| &t.kind), Some(Kind::Enum { .. })))
    }

    /// Newtypes are their inner type on the wire.
    fn resolve(&self, t: &Ty, old: bool) -> Ty {
        let ir = if old { self.old } else { self.new };
        match t {
            Ty::Named(n) => match ir.types.get(n).map(|d| &d.kind) {
                Some(Kind::Newtype { inner }) => self.resolve(inner, old),
                _ => t.clone(),
            },
            other => other.clone(),
        }
    }

    /// Two types of different names (or one type's two versions when called from a kind
    /// change): enums by their value sets, structs field by field.
    pub fn named(&mut self, o: &TypeDef, n: &TypeDef, way: Way, at: &str) -> Vec<Finding> {
        if !self.seen.insert((o.name.clone(), n.name.clone(), way)) {
            return Vec::new();
        }
        match (&o.kind, &n.kind) {
            (Kind::Enum { variants: ov }, Kind::Enum { variants: nv }) => values(ov, nv, way, at),
            (Kind::Struct { fields: of, .. }, Kind::Struct { fields: nf, .. }) => {
                let mut out = Vec::new();
                for f in of {
                    let here = format!("{}{}{}", at, if at.is_empty() { "" } else { "." }, f.wire);
                    match nf.iter().find(|g| g.wire == f.wire) {
                        Some(g) => out.extend(self.field(f, g, way, &here)),
                        None => out.push(removed(f, way, &here)),
                    }
                }
                for g in nf.iter().filter(|g| !of.iter().any(|f| f.wire == g.wire)) {
                    let here = format!("{}{}{}", at, if at.is_empty() { "" } else { "." }, g.wire);
                    out.push(added(g, way, &here));
                }
                out
            }
            (Kind::Newtype { inner: a }, Kind::Newtype { inner: b }) => self.ty(a, b, way, at),
            (Kind::Newtype { inner }, Kind::Enum { .. }) | (Kind::Enum { .. }, Kind::Newtype { inner })
                if *inner == Ty::String =>
            {
                vec![safe(Self::at(
                    at,
                    "open enum ↔ string is neutral: the same JSON strings (the enum decodes any string as `Unknown`)"
                        .into(),
                ))]
            }
            _ => vec![unsafe_(Self::at(at, format!("`{}` and `{}` have different JSON", o.name, n.name)))],
        }
    }

    /// A field present in both versions: key presence, `null`, then the value type.
    pub fn field(&mut self, o: &Field, n: &Field, way: Way, at: &str) -> Vec<Finding> {
        let mut out: Vec<Finding> = presence(o, n, way).into_iter().chain(null(o, n, way)).collect();
        for f in &mut out {
            f.why = Self::at(at, std::mem::take(&mut f.why));
        }
        out.extend(self.ty(&o.ty, &n.ty, way, at));
        out
    }
}

/// Whether the old client's Rust type is an `Option`: it decodes a missing key and `null`.
fn old_is_option(f: &Field) -> bool {
    f.shape().options() >= 1
}

/// Optional ↔ required, for one field present in both versions.
pub(crate) fn presence(o: &Field, n: &Field, way: Way) -> Option<Finding> {
    Some(match (way, o.shape().may_be_absent(), n.shape().may_be_absent()) {
        (_, a, b) if a == b => return None,
        (Way::Received, false, true) if old_is_option(o) => {
            safe("required → optional: the old `Option` decodes a missing key")
        }
        (Way::Received, false, true) => {
            unsafe_("widening is unsafe: the key may now be missing and the old client requires it")
        }
        (Way::Received, true, false) => safe("narrowing is safe: the key is now always present"),
        (Way::Sent, true, false) => {
            unsafe_("narrowing is unsafe: the key is now required and an old client may omit it")
        }
        (Way::Sent, false, true) => safe("widening is safe: the key may now be omitted"),
        _ => return None,
    })
}

/// Nullable ↔ not, for one field present in both versions.
pub(crate) fn null(o: &Field, n: &Field, way: Way) -> Option<Finding> {
    Some(match (way, o.shape().is_nullable(), n.shape().is_nullable()) {
        (_, a, b) if a == b => return None,
        (Way::Received, false, true) if old_is_option(o) => safe("now nullable: the old `Option` decodes `null`"),
        (Way::Received, false, true) => {
            unsafe_("widening is unsafe: `null` may now arrive and the old client requires a value")
        }
        (Way::Received, true, false) => safe("narrowing is safe: `null` no longer arrives"),
        (Way::Sent, true, false) => unsafe_("narrowing is unsafe: an old client may send `null`"),
        (Way::Sent, false, true) => safe("widening is safe: `null` is accepted too"),
        _ => return None,
    })
}

/// A key the new spec adds.
pub(crate) fn added(f: &Field, way: Way, at: &str) -> Finding {
    let mut out = match way {
        Way::Received => safe("a new key: old clients ignore keys they do not know"),
        Way::Sent if !f.shape().may_be_absent() => {
            unsafe_("narrowing is unsafe: the new spec requires a key old clients do not send")
        }
        Way::Sent => safe("widening is safe: a new optional key"),
    };
    if !at.is_empty() {
        out.why = format!("`{at}`: {}", out.why);
    }
    out
}

/// A key the new spec drops.
pub(crate) fn removed(f: &Field, way: Way, at: &str) -> Finding {
    let mut out = match way {
        Way::Received if !old_is_option(f) => {
            unsafe_("widening is unsafe: the key is no longer sent and the old client requires it")
        }
        Way::Received => safe("the key may now be missing: the old `Option` already accepts its absence"),
        Way::Sent => unsafe_(format!(
            "narrowing is unsafe: old clients still send it{}, and the new spec no longer declares it",
            if f.shape().may_be_absent() { " when set" } else { "" }
        )),
    };
    if !at.is_empty() {
        out.why = format!("`{at}`: {}", out.why);
    }
    out
}

/// An enum's values in the old and new spec (all our enums are open: `Unknown(String)`).
pub(crate) fn values(o: &[Variant], n: &[Variant], way: Way, at: &str) -> Vec<Finding> {
    let gone: Vec<String> =
        o.iter().filter(|v| !n.iter().any(|w| w.wire == v.wire)).map(|v| format!("`{}`", v.wire)).collect();
    let new = n.iter().any(|v| !o.iter().any(|w| w.wire == v.wire));
    let mut out = Vec::new();
    let place = |why: String| if at.is_empty() { why } else { format!("`{at}`: {why}") };
    if !gone.is_empty() {
        out.push(match way {
            Way::Received => safe(place(format!("narrowing is safe: old clients never see {}", gone.join(", ")))),
            Way::Sent => unsafe_(place(format!("narrowing is unsafe: an old client may send {}", gone.join(", ")))),
        });
    }
    if new {
        out.push(match way {
            Way::Received => safe(place("widening of an open enum is safe: new values decode as `Unknown`".into())),
            Way::Sent => safe(place("widening is safe: old values are still accepted".into())),
        });
    }
    out
}
