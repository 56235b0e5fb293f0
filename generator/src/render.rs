//! Stage 5: tokens to files. Formats with prettyplease, adds the `@generated` header, copies the
//! runtime sources (the optional ones as [`crate::ir::Features`] says), and fills the crate's
//! Cargo.toml and README templates. It interprets nothing: every fact comes from the IR.
//! Output is a sorted map, so it is byte-identical for the same input.

use crate::emit;
use crate::error::{GenError, Result};
use crate::ir::Ir;
use proc_macro2::TokenStream;
use std::collections::{BTreeMap, BTreeSet};

/// Runtime sources, compiled and tested as part of the generated crate, copied verbatim.
const RUNTIME: &[(&str, &str)] = &[
    ("src/runtime/mod.rs", include_str!("../runtime/mod.rs")),
    ("src/runtime/macros.rs", include_str!("../runtime/macros.rs")),
    ("src/runtime/json.rs", include_str!("../runtime/json.rs")),
    ("src/runtime/client.rs", include_str!("../runtime/client.rs")),
    ("src/runtime/error.rs", include_str!("../runtime/error.rs")),
    ("src/runtime/retry.rs", include_str!("../runtime/retry.rs")),
    ("src/runtime/paginate.rs", include_str!("../runtime/paginate.rs")),
    ("src/runtime/webhook.rs", include_str!("../runtime/webhook.rs")),
    ("src/runtime/testing.rs", include_str!("../runtime/testing.rs")),
];
/// IDV flow helpers: only for portions whose IR has the flow ([`crate::ir::Features::flow`]).
const FLOW: (&str, &str) = ("src/flow.rs", include_str!("../runtime/flow.rs"));
/// Exactly-once webhook processing: only for portions whose IR has it
/// ([`crate::ir::Features::inbox`]).
const INBOX: (&str, &str) = ("src/inbox.rs", include_str!("../runtime/inbox.rs"));
/// The test kit, a second crate emitted in `testkit/` beside the main one (issue 25: adding it to
/// `[dev-dependencies]` compiles the main crate once): `FakePlaid` and the webhook signer. Only
/// for portions whose IR has the fake ([`crate::ir::Features::fake`]).
const FAKE: &[(&str, &str)] = &[
    ("testkit/src/lib.rs", include_str!("../runtime/fake/mod.rs")),
    ("testkit/src/delivery.rs", include_str!("../runtime/fake/delivery.rs")),
    ("testkit/src/server.rs", include_str!("../runtime/fake/server.rs")),
    ("testkit/src/state.rs", include_str!("../runtime/fake/state.rs")),
    ("testkit/src/signer.rs", include_str!("../runtime/fake/signer.rs")),
];
/// Where the test kit's files go, relative to the main crate.
pub const KIT_DIR: &str = "testkit";
const KIT_CARGO_TEMPLATE: &str = include_str!("../runtime/fake/Cargo.toml.in");
/// The seed example's file name as the copied `runtime/fake/state.rs` spells it; the copy
/// names the IR's [`crate::ir::Fake::seed_example`] instead.
const FAKE_SEED: &str = "identity_verification_get_200_example_1.json";
const EXAMPLES: &[(&str, &str)] = &[
    ("testkit/examples/idv_flow.rs", include_str!("../runtime/examples/idv_flow.rs")),
    ("testkit/examples/webhook_server.rs", include_str!("../runtime/examples/webhook_server.rs")),
];
const CARGO_TEMPLATE: &str = include_str!("../runtime/Cargo.toml.in");
/// The dependencies (package names) whose types the generated crate's public API names, so a
/// user's code names them too: a semver-incompatible move of one is breaking for users even
/// when the generated API is the same. `tests/public_api.rs` holds this list equal to the
/// crates that `public-api.txt` names.
pub const PUBLIC_DEPENDENCIES: &[&str] = &["chrono", "futures-util", "reqwest", "serde", "serde_json"];

/// The Cargo features the crate declares (its template's `[features]`, `default` left out):
/// recorded in the API manifest, so a removed one is a breaking line in the changelog.
pub fn cargo_features() -> Result<Vec<String>> {
    let bad = |e: String| GenError::at("Cargo.toml", format!("internal error: {e}"));
    let doc: toml_edit::DocumentMut =
        CARGO_TEMPLATE.parse().map_err(|e: toml_edit::TomlError| bad(format!("the Cargo.toml template: {e}")))?;
    let features = doc
        .get("features")
        .and_then(|f| f.as_table())
        .ok_or_else(|| bad("the Cargo.toml template has no [features]".into()))?;
    Ok(features.iter().map(|(k, _)| k.to_string()).filter(|k| k != "default").collect())
}

/// The version requirement the Cargo.toml template gives each of [`PUBLIC_DEPENDENCIES`].
pub fn public_dependencies() -> Result<BTreeMap<String, String>> {
    let bad = |e: String| GenError::at("Cargo.toml", format!("internal error: {e}"));
    let doc: toml_edit::DocumentMut =
        CARGO_TEMPLATE.parse().map_err(|e: toml_edit::TomlError| bad(format!("the Cargo.toml template: {e}")))?;
    PUBLIC_DEPENDENCIES
        .iter()
        .map(|name| {
            let dep = &doc["dependencies"][*name];
            dep.as_str()
                .or_else(|| dep.get("version").and_then(|v| v.as_str()))
                .map(|v| (name.to_string(), v.to_string()))
                .ok_or_else(|| bad(format!("the Cargo.toml template has no version for dependency `{name}`")))
        })
        .collect()
}
/// The generated crate's README and crate documentation (its code blocks are doctests), for
/// portions that have the IDV flow.
pub const README_TEMPLATE: &str = include_str!("../runtime/README.md");

/// The sources of one optional module of the runtime contract ([`crate::contract`]): `(path in
/// the crate, text, whether it is Markdown)`. The `flow` module includes the doc examples of the always-copied runtime that name generated items (see
/// [`core_doc_sources`]).
pub fn module_sources(module: &str) -> Vec<(&'static str, &'static str, bool)> {
    match module {
        "flow" => vec![(FLOW.0, FLOW.1, false)],
        // Its examples are checked one by one (`contract::README_EXAMPLE`).
        "readme" => Vec::new(),
        // The signer names nothing generated (its `expired_at` is its own field, not a model's).
        "fake" => FAKE
            .iter()
            .chain(EXAMPLES)
            .filter(|(p, _)| !p.ends_with("/signer.rs"))
            .map(|(p, s)| (*p, *s, false))
            .collect(),
        "verify" => vec![VERIFY],
        "inbox" => vec![(INBOX.0, INBOX.1, false)],
        _ => Vec::new(),
    }
}

/// The always-copied runtime sources, whose doc examples that name generated items belong to
/// the `flow` module's needs.
pub fn core_doc_sources() -> impl Iterator<Item = (&'static str, &'static str)> {
    RUNTIME.iter().copied().filter(|(p, _)| *p != VERIFY.0)
}

/// The webhook verifier, which fetches keys through the key operation: copied when the IR
/// has the `verify` module.
const VERIFY: (&str, &str, bool) = ("src/runtime/verify.rs", include_str!("../runtime/verify.rs"), false);
/// The line pair of `runtime/mod.rs` that declares the verifier, removed with it.
const VERIFY_MOD: &str = "#[cfg(feature = \"webhook-verification\")]\npub mod verify;\n";

/// `src` with every compiled doc example that names a generated item (a type, an operation
/// descriptor, a webhook variant, or a method of `operations`) marked `ignore`: for crates
/// without the `flow` module, whose needs include those examples'.
fn ignore_generated_examples(src: &str, operations: &BTreeSet<&str>) -> String {
    let gated: BTreeSet<usize> = crate::contract::uses::doc_blocks(src, false)
        .into_iter()
        .filter(|b| b.is_compiled() && crate::contract::uses::of_example(&b.code).names_generated(operations))
        .map(|b| b.fence_line)
        .collect();
    mark_ignored(src, &gated)
}

/// The README with its compiled examples numbered in `ignored` (1-based) marked `ignore`.
fn ignore_readme_examples(src: &str, ignored: &[usize]) -> String {
    let fences: BTreeSet<usize> = crate::contract::uses::doc_blocks(src, true)
        .into_iter()
        .filter(crate::contract::uses::DocBlock::is_compiled)
        .enumerate()
        .filter(|(i, _)| ignored.contains(&(i + 1)))
        .map(|(_, b)| b.fence_line)
        .collect();
    mark_ignored(src, &fences)
}

/// `src` with the code fences on the lines `fences` (0-based) opened as `rust,ignore`: shown
/// in the documentation, not compiled.
fn mark_ignored(src: &str, fences: &BTreeSet<usize>) -> String {
    if fences.is_empty() {
        return src.to_string();
    }
    src.split_inclusive('\n')
        .enumerate()
        .map(|(i, line)| match line.find("```") {
            Some(at) if fences.contains(&i) => format!("{}```rust,ignore\n", &line[..at]),
            _ => line.to_string(),
        })
        .collect()
}

/// `src` with the crate's name as its examples spell it (`plaid_idv::…`) changed to `lib`, the
/// library name of the crate being generated: in every doc example (or, for a whole example
/// program, `whole`, everywhere). The runtime is written for the crate `plaid-idv`.
/// A test kit source for this portion's crate names: `plaid_idv_testkit` becomes
/// `<lib>_testkit`, the package name `plaid-idv-testkit` `<crate>-testkit`, and `plaid_idv`
/// (code and documentation: the kit names the main crate as a dependency) `<lib>`.
fn rename_kit(src: &str, ir: &Ir) -> String {
    const KIT: &str = "plaid_idv_testkit";
    const KIT_PACKAGE: &str = "plaid-idv-testkit";
    // A byte no source contains stands in for the kit's name while the crate is renamed.
    const MARK: &str = "\u{1}";
    let lib = ir.crate_name.replace('-', "_");
    let text = rename_crate(&src.replace(KIT, MARK), false, true, &lib);
    text.replace(MARK, &format!("{lib}_testkit")).replace(KIT_PACKAGE, &format!("{}-testkit", ir.crate_name))
}

fn rename_crate(src: &str, markdown: bool, whole: bool, lib: &str) -> String {
    const OURS: &str = "plaid_idv";
    if lib == OURS || !src.contains(OURS) {
        return src.to_string();
    }
    let rename = |line: &str| -> String {
        // Only the whole word: `plaid_idv::`, `plaid_idv;`, not `plaid_idv_tests`.
        let mut out = String::with_capacity(line.len());
        let mut rest = line;
        while let Some(at) = rest.find(OURS) {
            let before = rest[..at].chars().last();
            let after = rest[at + OURS.len()..].chars().next();
            let word = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_');
            out.push_str(&rest[..at]);
            out.push_str(if word(before) || word(after) { OURS } else { lib });
            rest = &rest[at + OURS.len()..];
        }
        out.push_str(rest);
        out
    };
    if whole {
        return rename(src);
    }
    let inside: Vec<(usize, usize)> =
        crate::contract::uses::doc_blocks(src, markdown).iter().map(|b| (b.fence_line, b.end_line)).collect();
    src.split_inclusive('\n')
        .enumerate()
        .map(|(i, line)| if inside.iter().any(|(a, b)| i > *a && i < *b) { rename(line) } else { line.to_string() })
        .collect()
}

/// Every runtime source that can add methods to `Client` (the runtime itself and the flow
/// helpers), for [`crate::naming::client_methods`].
pub fn runtime_sources() -> impl Iterator<Item = (&'static str, &'static str)> {
    RUNTIME.iter().copied().chain([FLOW, (VERIFY.0, VERIFY.1)])
}

/// The public-API listing's file name in the generated crate ([`crate::public_api`]).
pub const PUBLIC_API: &str = "public-api.txt";

/// The API manifest's file name in the generated crate.
pub const MANIFEST: &str = "api.json";

/// The header every generated Rust file starts with.
pub fn header(ir: &Ir) -> String {
    format!(
        "// @generated by plaid-idv-generator from {:?} {} (spec sha256 {}).\n// Do not edit: run `cargo xtask gen`.\n",
        ir.title, ir.spec_version, ir.spec_sha256
    )
}

fn format(tokens: TokenStream, what: &str) -> Result<String> {
    format_keep(tokens, what).map(|(text, _)| text)
}

/// [`format`], keeping the parsed items for the public-API listing (which would otherwise parse
/// the text again).
fn format_keep(tokens: TokenStream, what: &str) -> Result<(String, Vec<syn::Item>)> {
    let file: syn::File = syn::parse2(tokens)
        .map_err(|e| GenError::at(what, format!("internal error: emitted code does not parse: {e}")))?;
    Ok((prettyplease::unparse(&file), file.items))
}

/// The crate's Cargo.toml: the template with the package's name, version, `rust-version`,
/// description and `publish` set from the IR. Written
/// with `toml_edit` (the template's comments stay), never by string formatting: any spec title
/// is quoted as TOML requires.
fn cargo_toml(ir: &Ir) -> Result<String> {
    let description = format!(
        "Typed async client for Plaid Identity Verification, generated from {} {}",
        ir.title.split_whitespace().collect::<Vec<_>>().join(" "),
        ir.spec_version
    );
    let doc = package_toml(CARGO_TEMPLATE, "Cargo.toml", ir, &ir.crate_name, &description)?;
    Ok(doc.to_string())
}

/// The test kit's Cargo.toml: the kit template with the package set as for the main crate
/// (named `<crate>-testkit`), and its dependency on the main crate named and pinned to this
/// exact version (`=`): the kit uses the main crate's hidden internals, which change between
/// versions.
fn kit_cargo_toml(ir: &Ir) -> Result<String> {
    let what = "testkit/Cargo.toml";
    let bad = |e: String| GenError::at(what, format!("internal error: {e}"));
    let name = format!("{}-testkit", ir.crate_name);
    let description = format!(
        "Test kit for {}: an in-process fake of Plaid Identity Verification and a webhook signer",
        ir.crate_name
    );
    let mut doc = package_toml(KIT_CARGO_TEMPLATE, what, ir, &name, &description)?;
    for table in ["dependencies", "dev-dependencies"] {
        let deps = doc
            .get_mut(table)
            .and_then(|t| t.as_table_mut())
            .ok_or_else(|| bad(format!("the kit template has no [{table}]")))?;
        let mut main = deps
            .remove("plaid-idv")
            .and_then(|i| i.into_value().ok())
            .and_then(|v| v.as_inline_table().cloned())
            .ok_or_else(|| bad(format!("the kit template's [{table}] has no inline plaid-idv")))?;
        main.insert("version", format!("={}", ir.crate_version).into());
        deps.insert(&ir.crate_name, toml_edit::Item::Value(toml_edit::Value::InlineTable(main)));
    }
    Ok(doc.to_string())
}

/// `template` with `[package]`'s name, version, `rust-version`, description and `publish` set
/// from the IR.
fn package_toml(template: &str, what: &str, ir: &Ir, name: &str, description: &str) -> Result<toml_edit::DocumentMut> {
    let bad = |e: String| GenError::at(what, format!("internal error: {e}"));
    let mut doc: toml_edit::DocumentMut =
        template.parse().map_err(|e: toml_edit::TomlError| bad(format!("the Cargo.toml template: {e}")))?;
    let package = doc
        .get_mut("package")
        .and_then(|p| p.as_table_mut())
        .ok_or_else(|| bad("the template has no [package]".into()))?;
    let mut set = |key: &str, value: toml_edit::Value| {
        // Keep the template's spacing around the value.
        let decor = package.get(key).and_then(|i| i.as_value()).map(|v| v.decor().clone());
        let mut value = value;
        if let Some(d) = decor {
            *value.decor_mut() = d;
        }
        package.insert(key, toml_edit::Item::Value(value));
    };
    set("name", name.into());
    set("version", ir.crate_version.as_str().into());
    set("rust-version", ir.rust_version.as_str().into());
    set("description", description.into());
    set("publish", ir.publish.into());
    Ok(doc)
}

/// The test kit's crate documentation, as Markdown for the main crate's README: the `//!` lines
/// of `runtime/fake/mod.rs`, with the examples marked `ignore` (the README is the main crate's
/// documentation, which cannot use the kit; the kit's documentation runs them).
fn fake_docs(ir: &Ir) -> String {
    let mut out = String::new();
    for line in FAKE[0].1.lines().skip_while(|l| !l.starts_with("//!")).take_while(|l| l.starts_with("//!")) {
        let text = line.trim_start_matches("//!");
        let text = text.strip_prefix(' ').unwrap_or(text);
        out.push_str(if text == "```rust" { "```rust,ignore" } else { text });
        out.push('\n');
    }
    // Prose names the crates too (`plaid-idv-testkit`, `plaid_idv`): renamed as in the kit.
    rename_kit(&out, ir)
}

/// The API manifest: what `cargo xtask gen` diffs against to summarize a regeneration.
fn manifest_json(ir: &Ir) -> Result<String> {
    crate::manifest::Manifest::of(ir)
        .to_json()
        .map_err(|e| GenError::at(MANIFEST, format!("internal error: cannot serialize the API manifest: {e}")))
}

/// Renders every file of the generated crate, keyed by path relative to the crate root.
pub fn render(ir: &Ir) -> Result<BTreeMap<String, String>> {
    let head = header(ir);
    let mut files = BTreeMap::new();
    let mut put = |path: &str, body: String| {
        files.insert(path.to_string(), format!("{head}\n{body}"));
    };
    // types.rs is most of the output: its second half (split at an item boundary) is emitted
    // and formatted on another thread, with the API manifest; everything else on this one.
    type Rendered = (String, String, Vec<(&'static str, String)>, BTreeMap<String, String>, crate::public_api::Parsed);
    let (types, manifest, rest, example_files, mut parsed) = std::thread::scope(|scope| -> Result<Rendered> {
        let second = scope.spawn(|| -> Result<(String, String)> {
            let half = format(emit::types::emit_part(ir, 1, 2), "src/types.rs")?;
            Ok((half, manifest_json(ir)?))
        });
        let mut parsed = crate::public_api::Parsed::new();
        let (mut types, mut type_items) = format_keep(emit::types::emit_part(ir, 0, 2), "src/types.rs")?;
        let mut rest = Vec::new();
        for (path, tokens) in [
            ("src/lib.rs", emit::lib::emit(ir)),
            ("src/operations.rs", emit::operations::emit(ir)),
            ("src/webhooks.rs", emit::webhooks::emit(ir)),
        ] {
            let (text, items) = format_keep(tokens, path)?;
            parsed.insert(path.to_string(), items);
            rest.push((path, text));
        }
        let (tests, example_files) = emit::examples::emit(ir);
        if !ir.examples.is_empty() {
            rest.push(("src/spec_examples.rs", format(tests, "src/spec_examples.rs")?));
        }
        let (half, manifest) = second.join().unwrap_or_else(|p| std::panic::resume_unwind(p))?;
        // The other thread's half is parsed again here (syn's trees cannot cross threads).
        let half_items = syn::parse_file(&half)
            .map_err(|e| GenError::at("src/types.rs", format!("internal error: emitted code does not parse: {e}")))?;
        type_items.extend(half_items.items);
        parsed.insert("src/types.rs".into(), type_items);
        types.push_str(&half);
        Ok((types, manifest, rest, example_files, parsed))
    })?;
    put("src/types.rs", types);
    for (path, text) in rest {
        put(path, text);
    }
    // The operation names a doc example may call: this portion's and every one the contract
    // knows.
    let contract = crate::contract::contract()?;
    let lib = ir.crate_name.replace('-', "_");
    let mut operations: BTreeSet<&str> = ir.operations.iter().map(|o| o.method_name.as_str()).collect();
    operations.extend(contract.values().flat_map(|n| n.operations.keys().map(String::as_str)));
    for (path, src) in RUNTIME {
        let mut text = if ir.features.flow { src.to_string() } else { ignore_generated_examples(src, &operations) };
        text = rename_crate(&text, false, false, &lib);
        if *path == "src/runtime/mod.rs" && !ir.features.verify {
            if !text.contains(VERIFY_MOD) {
                return Err(GenError::at(
                    path,
                    "internal error: runtime/mod.rs does not declare the verifier as expected",
                ));
            }
            text = text.replace(VERIFY_MOD, "");
        }
        put(path, text);
    }
    if ir.features.verify {
        put(VERIFY.0, rename_crate(VERIFY.1, false, false, &lib));
    }
    if ir.features.flow {
        put(FLOW.0, rename_crate(FLOW.1, false, false, &lib));
    }
    if ir.features.inbox {
        put(INBOX.0, rename_crate(INBOX.1, false, false, &lib));
    }
    let mut kit_seed = None;
    if let Some(fake) = &ir.features.fake {
        let seed = format!("spec-examples/{}.json", fake.seed_example);
        let text = example_files
            .get(&seed)
            .ok_or_else(|| GenError::at(&seed, "internal error: the fake's seed example was not rendered"))?;
        kit_seed = Some((format!("{KIT_DIR}/{seed}"), text.clone()));
        for (path, src) in FAKE {
            let src = src.replace(FAKE_SEED, &format!("{}.json", fake.seed_example));
            put(path, rename_kit(&src, ir));
        }
        let types = format(emit::derive_copy::emit_kit(ir, &ir.crate_name), "testkit/src/types.rs")?;
        put("testkit/src/types.rs", types);
        for (path, src) in EXAMPLES {
            put(path, rename_kit(src, ir));
        }
    }
    let cargo = cargo_toml(ir)?;
    files.insert("Cargo.toml".into(), format!("{}{cargo}", head.replace("// ", "# ")));
    if ir.features.fake.is_some() {
        let kit = kit_cargo_toml(ir)?;
        files.insert(format!("{KIT_DIR}/Cargo.toml"), format!("{}{kit}", head.replace("// ", "# ")));
    }
    files.extend(example_files);
    files.extend(kit_seed);
    files.insert(MANIFEST.into(), manifest);
    let spec = format!("{:?} version {} (sha256 `{}`)", ir.title, ir.spec_version, ir.spec_sha256);
    let readme = if ir.features.readme {
        let testing = if ir.features.fake.is_some() {
            fake_docs(ir)
        } else {
            "This portion has no example of the get response, so the crate has no `testing` module.\n".to_string()
        };
        let template = ignore_readme_examples(README_TEMPLATE, &ir.features.readme_ignored);
        let text = template.replace("@NAME@", &ir.crate_name).replace("@SPEC@", &spec).replace("@TESTING@\n", &testing);
        rename_crate(&text, true, false, &lib)
    } else {
        format!(
            "# {}\n\nGenerated from {spec}.\nRegenerate with `cargo xtask gen`; see the repository README for usage.\n",
            ir.crate_name
        )
    };
    files.insert("README.md".into(), format!("<!-- @generated by plaid-idv-generator; do not edit. -->\n{readme}"));
    files.insert(PUBLIC_API.into(), crate::public_api::listing_parsed(&files, &mut parsed, &lib));
    if ir.features.fake.is_some() {
        let prefix = format!("{KIT_DIR}/");
        let kit: BTreeMap<String, String> =
            files.iter().filter_map(|(p, t)| Some((p.strip_prefix(&prefix)?.to_string(), t.clone()))).collect();
        files.insert(format!("{KIT_DIR}/{PUBLIC_API}"), crate::public_api::listing(&kit, &format!("{lib}_testkit")));
    }
    Ok(files)
}
