//! The one place identifiers are made. Every Rust name comes from `sanitize`-style functions
//! here, and the wire name is always kept beside it by the caller.

use heck::{ToSnakeCase, ToUpperCamelCase};
use std::collections::BTreeSet;

/// Rust keywords (strict, reserved and weak ones that matter in item position).
const KEYWORDS: &[&str] = &[
    "as", "break", "const", "continue", "crate", "else", "enum", "extern", "false", "fn", "for", "if", "impl", "in",
    "let", "loop", "match", "mod", "move", "mut", "pub", "ref", "return", "self", "Self", "static", "struct", "super",
    "trait", "true", "type", "unsafe", "use", "where", "while", "async", "await", "dyn", "abstract", "become", "box",
    "do", "final", "macro", "override", "priv", "typeof", "unsized", "virtual", "yield", "try", "gen", "union",
];

/// Type names `types.rs` uses unqualified beside the generated types (the prelude's, and the
/// derives'): a schema may not take them. A test collects, with `syn`, every unqualified type-like name in the
/// modules emitted for our spec and the fixtures, and fails when one is missing here, so the list
/// follows the emitters.
const RESERVED_TYPES: &[&str] = &[
    "Option",
    "Some",
    "None",
    "Vec",
    "String",
    "Box",
    "Result",
    "Ok",
    "Err",
    "Self",
    "Sized",
    "Send",
    "Sync",
    "Copy",
    "Clone",
    "Debug",
    "Default",
    "Eq",
    "PartialEq",
    "Ord",
    "PartialOrd",
    "Hash",
    "From",
    "Into",
    "AsRef",
    "Iterator",
    "ToString",
    "Drop",
    "Fn",
    "FnMut",
    "FnOnce",
    "Client",
    "Error",
    "Webhook",
    "Unpin",
    "ToOwned",
    "IntoIterator",
    "Extend",
    "TryFrom",
    "TryInto",
    "Value",
    "Map",
    // Not used unqualified, but a struct named `New` would have a `new` constructor, which
    // clippy refuses (`self_named_constructors`).
    "New",
];

/// Is `s` a Rust keyword?
pub fn is_keyword(s: &str) -> bool {
    KEYWORDS.contains(&s)
}

/// Replaces every character that cannot appear in an identifier: ASCII letters and digits stay,
/// other characters become word breaks, and non-ASCII letters are spelled as `u{hex}` so that
/// distinct inputs stay distinct.
fn ascii_words(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    for c in raw.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if c.is_ascii() {
            out.push(' ');
        } else {
            out.push_str(&format!(" u{:x} ", c as u32));
        }
    }
    out
}

/// Joins camel-cased words, keeping a `_` where two digits would otherwise run together
/// (`v1.0` is `V1_0`, not `V10`).
fn camel(raw: &str) -> String {
    let mut out = String::new();
    for word in ascii_words(raw).split_whitespace() {
        let w = word.to_upper_camel_case();
        if let (Some(prev), Some(next)) = (out.chars().last(), w.chars().next()) {
            if prev.is_ascii_digit() && next.is_ascii_digit() {
                out.push('_');
            }
        }
        out.push_str(&w);
    }
    out
}

/// Longest identifier the generator emits, in bytes. A longer name is cut and ends in a hash of
/// the whole name, so it stays distinct, stable across runs and readable, and rustdoc's file
/// names (`struct.Name.html`) stay far below the 255-byte limit of file systems.
pub const MAX_IDENT: usize = 64;

/// FNV-1a, 32 bits: a small stable hash (no dependency, same on every platform and run).
fn fnv1a(bytes: &[u8]) -> u32 {
    bytes.iter().fold(0x811c_9dc5u32, |h, b| (h ^ u32::from(*b)).wrapping_mul(0x0100_0193))
}

/// `s` (ASCII) if short enough, else its head, `sep` and eight hex digits of its hash.
fn cap(s: String, sep: &str) -> String {
    if s.len() <= MAX_IDENT {
        return s;
    }
    let keep = MAX_IDENT - sep.len() - 8;
    let head = s[..keep].trim_end_matches('_');
    format!("{head}{sep}{:08x}", fnv1a(s.as_bytes()))
}

/// UpperCamelCase type or variant name for a wire name; empty and digit-led names get a prefix.
/// At most [`MAX_IDENT`] bytes.
pub fn type_name(raw: &str) -> String {
    let mut s = camel(raw);
    if s.is_empty() {
        s = "Empty".into();
    } else if s.starts_with(|c: char| c.is_ascii_digit()) {
        s.insert(0, 'V');
    }
    if is_keyword(&s) || RESERVED_TYPES.contains(&s.as_str()) {
        s.push_str("Type");
    }
    cap(s, "X")
}

/// `base` (already a type name) followed by `suffix`, capped like [`type_name`].
pub fn suffixed_type_name(base: &str, suffix: &str) -> String {
    cap(format!("{base}{suffix}"), "X")
}

/// Enum variant name for a wire value. `Unknown` is kept for the catch-all variant.
pub fn variant_name(raw: &str) -> String {
    let s = type_name(raw);
    match s.as_str() {
        "Unknown" => "UnknownValue".into(),
        "SelfType" => "SelfValue".into(),
        _ => s,
    }
}

/// snake_case field, method or module name. Keywords get a trailing `_`. At most [`MAX_IDENT`]
/// bytes.
pub fn snake_name(raw: &str) -> String {
    let words = ascii_words(raw);
    let mut s = words.split_whitespace().map(|w| w.to_snake_case()).collect::<Vec<_>>().join("_");
    if s.is_empty() {
        s = "field".into();
    } else if s.starts_with(|c: char| c.is_ascii_digit()) {
        s.insert(0, 'n');
    }
    if is_keyword(&s) {
        s.push('_');
    }
    cap(s, "_")
}

/// The `with_*` setter of a request field (its Rust name, without a keyword's trailing `_`).
/// At most [`MAX_IDENT`] bytes, like every other identifier: a long field name keeps a
/// readable head and a stable hash of the whole name.
pub fn setter_name(field: &str) -> String {
    cap(format!("with_{}", field.trim_end_matches('_')), "_")
}

/// A method name built from a field's name (`set_x`, `with_x_null`, `x_is_null`), capped at
/// [`MAX_IDENT`] bytes like [`setter_name`].
pub fn method_name(raw: String) -> String {
    cap(raw, "_")
}

/// The name of the generated test that round-trips an example with one enum value replaced by
/// an unseen string. At most [`MAX_IDENT`] bytes.
pub fn unknown_enum_test_name(test: &str) -> String {
    cap(format!("{test}_unknown_enum"), "_")
}

/// The name of an operation's descriptor constant in `operations.rs` (`LINK_TOKEN_CREATE` for
/// `link_token_create`), which the runtime sends through. Method names are unique lower-case
/// snake case, so their upper-case forms are unique too.
pub fn descriptor_name(method: &str) -> String {
    method.to_ascii_uppercase()
}

/// Whether a type named `type_name` with methods `methods` (those returning `Self`) has one
/// named like the type itself (`FromWire::from_wire`, `WithNote::with_note`): a spec may name a
/// schema so, and clippy's `self_named_constructors` would refuse the impl, so the emitter
/// allows that lint on exactly such impls.
pub fn has_self_named_constructor<'m>(type_name: &str, mut methods: impl Iterator<Item = &'m str>) -> bool {
    let snake = type_name.to_snake_case();
    methods.any(|m| m == snake)
}

/// Every method name `Client` already has: parsed with `syn` from the runtime sources (inherent
/// `impl Client` blocks and trait impls for `Client`), plus the methods of the traits it
/// implements or users call on it (`clone`, `fmt`, `to_owned`, …). Generated operation methods
/// must avoid all of them, so this set is derived from the runtime and cannot drift from it.
pub fn client_methods() -> &'static std::collections::BTreeSet<String> {
    static SET: std::sync::OnceLock<std::collections::BTreeSet<String>> = std::sync::OnceLock::new();
    SET.get_or_init(|| {
        let mut set: std::collections::BTreeSet<String> =
            // Trait methods, and `new`/`default` (clippy wants them to return `Self`).
            ["clone", "clone_from", "fmt", "to_owned", "into", "try_into", "borrow", "type_id", "eq", "ne", "new", "default"]
                .iter()
                .map(|s| s.to_string())
                .collect();
        for (_, src) in crate::render::runtime_sources() {
            set.extend(methods_of(src, "Client"));
        }
        set
    })
}

/// The names of the functions in every `impl … Client` block of `src` (inherent or trait).
/// A source that does not parse contributes nothing (the runtime is compiled and tested, so it
/// always parses; a unit test checks that the set is not empty).
pub fn methods_of(src: &str, ty: &str) -> Vec<String> {
    let Ok(file) = syn::parse_file(src) else { return Vec::new() };
    let mut out = Vec::new();
    for item in file.items {
        if let syn::Item::Impl(imp) = item {
            let is_ty =
                matches!(&*imp.self_ty, syn::Type::Path(p) if p.path.segments.last().is_some_and(|s| s.ident == ty));
            if is_ty {
                for it in imp.items {
                    if let syn::ImplItem::Fn(f) = it {
                        out.push(f.sig.ident.to_string());
                    }
                }
            }
        }
    }
    out
}

/// Hands out names within one scope, never the same one twice.
#[derive(Debug, Default, Clone)]
pub struct Namer {
    taken: BTreeSet<String>,
}

impl Namer {
    /// A scope where `reserved` are already taken.
    pub fn with_reserved(reserved: &[&str]) -> Self {
        Namer { taken: reserved.iter().map(|s| s.to_string()).collect() }
    }

    /// Claims `base`, or `base2`, `base3`, … (with `_` before the number when `base` ends in a
    /// digit) if it is taken.
    pub fn claim(&mut self, base: &str) -> String {
        if self.taken.insert(base.to_string()) {
            return base.to_string();
        }
        let sep = if base.ends_with(|c: char| c.is_ascii_digit()) { "_" } else { "" };
        for n in 2.. {
            let cand = format!("{base}{sep}{n}");
            if self.taken.insert(cand.clone()) {
                return cand;
            }
        }
        unreachable!("an unbounded counter always finds a free name")
    }

    /// Claims `base` (or `base2`, `base3`, … as [`Namer::claim`]) together with
    /// `companion(name)`: the first candidate for which both are free. For items that come in
    /// pairs, such as an example's test and its unknown-enum variant (`x`, `x_unknown_enum`):
    /// neither of the two can take a name another item already has.
    pub fn claim_with(&mut self, base: &str, companion: impl Fn(&str) -> String) -> String {
        let sep = if base.ends_with(|c: char| c.is_ascii_digit()) { "_" } else { "" };
        let mut n = 1usize;
        loop {
            let cand = if n == 1 { base.to_string() } else { format!("{base}{sep}{n}") };
            let other = companion(&cand);
            if other != cand && !self.taken.contains(&cand) && !self.taken.contains(&other) {
                self.taken.insert(other);
                self.taken.insert(cand.clone());
                return cand;
            }
            n += 1;
        }
    }

    /// Whether a name is taken.
    pub fn is_taken(&self, name: &str) -> bool {
        self.taken.contains(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn setter_and_test_names_are_capped_like_every_identifier() {
        assert_eq!(setter_name("type_"), "with_type");
        assert_eq!(setter_name("client_user_id"), "with_client_user_id");
        let long = "a".repeat(MAX_IDENT);
        let (s, t) = (setter_name(&long), unknown_enum_test_name(&long));
        assert!(s.len() <= MAX_IDENT && s.starts_with("with_a") && t.len() <= MAX_IDENT, "{s} {t}");
        assert_ne!(setter_name(&long), setter_name(&format!("{long}b")), "the hash keeps them apart");
    }

    #[test]
    fn long_names_are_capped_stably_and_stay_distinct() {
        let a = type_name(&"very long segment ".repeat(20));
        let b = type_name(&format!("{} x", "very long segment ".repeat(20)));
        assert!(a.len() <= MAX_IDENT && b.len() <= MAX_IDENT, "{a} {b}");
        assert_ne!(a, b);
        assert_eq!(a, type_name(&"very long segment ".repeat(20)), "stable");
        assert!(a.starts_with("VeryLongSegmentVeryLong"), "{a}");
        let s = snake_name(&"Deeply Nested ".repeat(30));
        assert!(s.len() <= MAX_IDENT && s.starts_with("deeply_nested_deeply"), "{s}");
        assert_eq!(type_name("ShortName"), "ShortName");
    }

    #[test]
    fn client_methods_come_from_the_runtime() {
        let m = client_methods();
        for name in [
            "execute",
            "send",
            "attempt",
            "base_url",
            "retry_policy",
            "builder",
            "from_env",
            "start_verification",
            "wait_for_terminal",
            "clone",
        ] {
            assert!(m.contains(name), "{name} is not reserved: {m:?}");
        }
    }

    #[test]
    fn odd_enum_values() {
        assert_eq!(variant_name("401k"), "V401k");
        assert_eq!(variant_name("credit card"), "CreditCard");
        assert_eq!(variant_name("v1.0"), "V1_0");
        assert_eq!(variant_name("4.1"), "V4_1");
        assert_eq!(variant_name("INVALID_REQUEST"), "InvalidRequest");
        assert_eq!(variant_name(""), "Empty");
        assert_eq!(variant_name("unknown"), "UnknownValue");
        assert_eq!(variant_name("Self"), "SelfValue");
        assert_eq!(variant_name("é"), "Ue9");
    }

    #[test]
    fn fields_and_types() {
        assert_eq!(snake_name("type"), "type_");
        assert_eq!(snake_name("use"), "use_");
        assert_eq!(snake_name("fooBar"), "foo_bar");
        assert_eq!(snake_name("1st"), "n1st");
        assert_eq!(type_name("DocumentImage__Front"), "DocumentImageFront");
        assert_eq!(type_name("IdentityVerificationID"), "IdentityVerificationId");
        assert_eq!(type_name("Option"), "OptionType");
        assert_eq!(type_name("self"), "SelfType");
    }

    /// Every single-segment UpperCamel path the emitted modules use (types, traits, derives,
    /// constructors such as `Some`) that is not a generated type must be reserved here.
    #[test]
    fn the_reserved_type_names_cover_what_the_emitters_use_unqualified() {
        use syn::visit::Visit;
        struct Names(BTreeSet<String>);
        impl<'a> Visit<'a> for Names {
            fn visit_path(&mut self, p: &'a syn::Path) {
                if p.leading_colon.is_none() && p.segments.len() == 1 {
                    self.0.insert(p.segments[0].ident.to_string());
                }
                syn::visit::visit_path(self, p);
            }
            fn visit_attribute(&mut self, a: &'a syn::Attribute) {
                if a.path().is_ident("derive") {
                    let _ = a.parse_nested_meta(|m| {
                        self.visit_path(&m.path);
                        Ok(())
                    });
                }
            }
        }
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let mut outputs =
            vec![crate::generate(&root.join("spec/plaid-idv.yaml"), &root.join("spec/portion.toml")).unwrap()];
        let portion = crate::portion::Portion::load(&root.join("tests/fixtures/portion.toml")).unwrap();
        for f in
            ["enums.yaml", "allof.yaml", "keywords.yaml", "optional_nullable.yaml", "webhooks.yaml", "scalar_refs.yaml"]
        {
            let bytes = std::fs::read(root.join("tests/fixtures").join(f)).unwrap();
            outputs.push(crate::generate_from(&bytes, f, &portion).unwrap());
        }
        let mut missing = BTreeSet::new();
        for out in &outputs {
            let generated: BTreeSet<String> = out
                .ir
                .types
                .values()
                .flat_map(|t| {
                    let mut names = vec![t.name.clone()];
                    if let crate::ir::Kind::Struct { required_struct: Some(r), .. } = &t.kind {
                        names.push(r.clone());
                    }
                    names
                })
                .chain(out.ir.aliases.iter().map(|a| a.name.clone()))
                .chain(out.ir.one_of.iter().map(|g| g.name.clone()))
                .collect();
            // Only `types.rs` declares generated types beside unqualified names: the other
            // modules name generated types through `types::` or `crate::types::`.
            for path in ["src/types.rs"] {
                let mut names = Names(BTreeSet::new());
                names.visit_file(&syn::parse_file(&out.files[path]).unwrap());
                for n in names.0 {
                    let upper = n.starts_with(|c: char| c.is_ascii_uppercase());
                    if upper && !n.starts_with("__") && !generated.contains(&n) && !RESERVED_TYPES.contains(&n.as_str())
                    {
                        missing.insert(format!("{n} ({path})"));
                    }
                }
            }
        }
        assert!(missing.is_empty(), "used unqualified by emitted code but not reserved: {missing:?}");

        // The example tests' module: every name it imports is reserved from the test names.
        let file = syn::parse_file(&outputs[0].files["src/spec_examples.rs"]).unwrap();
        let mut imported = BTreeSet::new();
        fn leaves(t: &syn::UseTree, out: &mut BTreeSet<String>) {
            match t {
                syn::UseTree::Path(p) => leaves(&p.tree, out),
                syn::UseTree::Name(n) => {
                    out.insert(n.ident.to_string());
                }
                syn::UseTree::Rename(r) => {
                    out.insert(r.rename.to_string());
                }
                syn::UseTree::Group(g) => g.items.iter().for_each(|t| leaves(t, out)),
                syn::UseTree::Glob(_) => {}
            }
        }
        for item in &file.items {
            if let syn::Item::Use(u) = item {
                leaves(&u.tree, &mut imported);
            }
        }
        let reserved: BTreeSet<String> = crate::emit::examples::MODULE_NAMES.iter().map(|s| s.to_string()).collect();
        assert_eq!(imported, reserved, "emit::examples::MODULE_NAMES must list what the test module imports");
    }

    #[test]
    fn paired_names_never_collide() {
        let mut n = Namer::with_reserved(&["round_trip"]);
        assert_eq!(n.claim_with("x_unknown_enum", unknown_enum_test_name), "x_unknown_enum");
        // `x`'s companion would be `x_unknown_enum`, which is taken: both move on together.
        assert_eq!(n.claim_with("x", unknown_enum_test_name), "x2");
        assert!(n.is_taken("x2_unknown_enum"));
        assert_eq!(n.claim_with("round_trip", unknown_enum_test_name), "round_trip2");
    }

    #[test]
    fn namer_dedupes() {
        let mut n = Namer::default();
        assert_eq!(n.claim("A"), "A");
        assert_eq!(n.claim("A"), "A2");
        assert_eq!(n.claim("V1"), "V1");
        assert_eq!(n.claim("V1"), "V1_2");
    }
}
