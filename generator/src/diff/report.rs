//! What the report says: the kinds of change, each change with its two verdicts, and the
//! report's summary, Markdown and JSON forms.

use serde::{Serialize, Serializer};
use serde_json::Value;
use std::collections::BTreeMap;
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

/// Where the JSON of a type travels, seen from the client.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// In request bodies only.
    Sent,
    /// In responses, the error object or webhooks only.
    Received,
    /// Both ways: the stricter verdict wins.
    Both,
}

impl Direction {
    /// How the report names it.
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Sent => "sent",
            Direction::Received => "received",
            Direction::Both => "sent and received",
        }
    }
}

macro_rules! change_kinds {
    ($($variant:ident => $label:literal,)*) => {
        /// The kind of a change to the generated API.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum ChangeKind {
            $(
                #[doc = concat!("`", $label, "`")]
                $variant,
            )*
        }

        impl ChangeKind {
            /// Every kind.
            pub const ALL: &'static [ChangeKind] = &[$(ChangeKind::$variant,)*];

            /// The label the report prints (`field added`).
            pub fn as_str(self) -> &'static str {
                match self {
                    $(ChangeKind::$variant => $label,)*
                }
            }
        }
    };
}

change_kinds! {
    TypesMerged => "types merged",
    TypeSplit => "type split",
    SameTypeDiverged => "same_type diverged",
    TypeRenamed => "type renamed (probable)",
    TypeRemoved => "type removed",
    TypeAdded => "type added",
    TypeDeprecationChanged => "type deprecation changed",
    TypeKindChanged => "type kind changed",
    NewtypeChanged => "newtype changed",
    FieldAdded => "field added",
    FieldRemoved => "field removed",
    FieldTypeChanged => "field type changed",
    FieldTypeRenamed => "field type renamed (same shape)",
    FieldOptionalityChanged => "field optionality changed",
    FieldNullabilityChanged => "field nullability changed",
    FieldRenamedInRust => "field renamed in Rust",
    FieldDeprecationChanged => "field deprecation changed",
    FieldShapeChanged => "field shape changed",
    ConstructorByName => "constructor takes required fields by name",
    ConstructorPositional => "constructor takes required fields positionally",
    ConstructorReordered => "constructor parameters reordered",
    ConstructorOneOf => "constructor one-of changed",
    VariantAdded => "variant added",
    VariantRemoved => "variant removed",
    VariantRenamedInRust => "variant renamed in Rust",
    OperationAdded => "operation added",
    OperationRemoved => "operation removed",
    OperationRenamed => "operation renamed",
    OperationRequestChanged => "operation request changed",
    OperationResponseChanged => "operation response changed",
    RetryRuleChanged => "retry rule changed",
    WebhookAdded => "webhook added",
    WebhookRemoved => "webhook removed",
}

impl std::fmt::Display for ChangeKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialEq<&str> for ChangeKind {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

// Sorted by label, so the report reads alphabetically by kind.
impl PartialOrd for ChangeKind {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for ChangeKind {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl Serialize for ChangeKind {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// One change to the generated API.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Change {
    /// Kind, such as `field added` or `variant removed`.
    pub kind: ChangeKind,
    /// Where, such as `IdentityVerification.status`.
    pub item: String,
    /// Details.
    pub detail: String,
    /// Does old user code still compile?
    pub source: Impact,
    /// Does an old deployed client still work?
    pub wire: Impact,
    /// Which way the JSON this change touches travels; `None` when no JSON changes (a Rust
    /// name, a constructor, a new operation).
    pub direction: Option<Direction>,
    /// Why `wire` is what it is: the direction that decided it and its rule, such as
    /// `received: narrowing is safe: an old f64 decodes every integer`.
    pub wire_rule: String,
}

/// The whole report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// Old spec version.
    pub old_version: String,
    /// New spec version.
    pub new_version: String,
    /// API changes, sorted.
    pub changes: Vec<Change>,
    /// Description-only changes (hidden unless asked for).
    pub cosmetic: Vec<String>,
    /// Schema differences with no effect on the Rust API (validation keywords, examples, …).
    pub spec_only: Vec<String>,
    /// Generator warnings that only one of the two specs has (`old: …` / `new: …`), such as a
    /// `retry.when_true` field an older spec lacks.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
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
        let mut kinds: BTreeMap<ChangeKind, usize> = BTreeMap::new();
        for c in &self.changes {
            *kinds.entry(c.kind).or_default() += 1;
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
            s.push_str(
                "\n| change | item | detail | source | wire | wire rule |\n| --- | --- | --- | --- | --- | --- |\n",
            );
            for c in &self.changes {
                let _ = writeln!(
                    s,
                    "| {} | `{}` | {} | {} | {} | {} |",
                    c.kind,
                    c.item,
                    c.detail.replace('|', "\\|"),
                    mark(c.source),
                    mark(c.wire),
                    c.wire_rule.replace('|', "\\|")
                );
            }
        }
        if !self.warnings.is_empty() {
            let _ = writeln!(s, "\n## Generator warnings (one side only)\n");
            for w in &self.warnings {
                let _ = writeln!(s, "- {w}");
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
