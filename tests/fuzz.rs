//! Mutation fuzzing of the generator. Valid specs are mutated (keys deleted, types changed,
//! random names, dangling and cyclic `$ref`s, deep nesting, response keys that are not
//! identifiers, `allOf`s of scalars, `null` in enums, property names that are keywords of the
//! schema language) and run through the pipeline:
//! - it never panics;
//! - every Ok output parses with `syn`, and a sample of them compiles;
//! - every Err names a JSON pointer.
//!
//! CI runs a bounded count. For the long run (prints the count and the failures):
//! `FUZZ_CASES=100000 cargo test --release -p plaid-idv-tests --test fuzz -- --nocapture`

mod common;

use plaid_idv_generator::load::Spec;
use plaid_idv_generator::portion::Portion;
use serde_json::{json, Value};
use std::panic::{catch_unwind, AssertUnwindSafe};

use common::Rng;

const NAMES: &[&str] = &[
    "type", "Self", "self", "", "1st", "é😀", "a-b", "fooBar", "FooBar", "foo_bar", "Unknown", "crate", "Option",
    "x y", "\"#", "*/",
];

/// Response keys that are legal OpenAPI text but not identifiers.
const RESPONSE_KEYS: &[&str] = &["2XX", "2xx", "2 ok", "200 OK", "2é", "2-0-0", "2", "2__", "2XX!"];

/// Keywords of the schema language, used as property names.
const KEYWORD_PROPS: &[&str] = &[
    "description",
    "example",
    "examples",
    "x-examples",
    "properties",
    "$ref",
    "type",
    "items",
    "allOf",
    "enum",
    "nullable",
    "required",
    "title",
];

/// A member of an `allOf` of scalars (some pairs conflict, which must be a located error).
fn scalar_member(rng: &mut Rng, schemas: &[String]) -> Value {
    match rng.below(10) {
        0 => json!({"type": "string"}),
        1 => json!({"type": "integer", "format": "int32"}),
        2 => json!({"type": "number"}),
        3 => json!({"type": "boolean"}),
        4 => json!({"description": "Only prose.", "nullable": true}),
        5 => json!({"type": "string", "enum": ["a", "b", null]}),
        6 => json!({"type": "string", "format": "date"}),
        7 => json!({"type": "array", "items": {"type": "string"}}),
        _ if !schemas.is_empty() => {
            json!({"$ref": format!("#/components/schemas/{}", schemas[rng.below(schemas.len())])})
        }
        _ => json!({}),
    }
}

fn random_value(rng: &mut Rng) -> Value {
    match rng.below(9) {
        0 => json!("x"),
        1 => json!(5),
        2 => json!(true),
        3 => Value::Null,
        4 => json!([]),
        5 => json!({}),
        6 => json!({"type": "object", "properties": {"a": {"type": "string"}}}),
        7 => json!(["string", "null"]),
        _ => json!(NAMES[rng.below(NAMES.len())]),
    }
}

/// Pointers of every object member in `v` (capped, so huge specs stay cheap).
fn members(v: &Value, ptr: String, out: &mut Vec<String>) {
    if out.len() > 20_000 {
        return;
    }
    match v {
        Value::Object(m) => {
            for (k, c) in m {
                let p = format!("{ptr}/{}", k.replace('~', "~0").replace('/', "~1"));
                out.push(p.clone());
                members(c, p, out);
            }
        }
        Value::Array(a) => {
            for (i, c) in a.iter().enumerate() {
                members(c, format!("{ptr}/{i}"), out);
            }
        }
        _ => {}
    }
}

fn split(ptr: &str) -> (&str, String) {
    let i = ptr.rfind('/').unwrap_or(0);
    (&ptr[..i], ptr[i + 1..].replace("~1", "/").replace("~0", "~"))
}

fn schema_names(doc: &Value) -> Vec<String> {
    doc.pointer("/components/schemas")
        .and_then(Value::as_object)
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default()
}

/// A random pointer in `ptrs` whose parent ends with `tail`, or `fallback` if there is none.
fn pick_under(ptrs: &[String], tail: &str, fallback: &str, rng: &mut Rng) -> String {
    let fit: Vec<&String> = ptrs.iter().filter(|p| split(p).0.ends_with(tail)).collect();
    if fit.is_empty() {
        fallback.to_string()
    } else {
        fit[rng.below(fit.len())].clone()
    }
}

fn mutate(doc: &mut Value, rng: &mut Rng) -> String {
    let mut ptrs = Vec::new();
    members(doc, String::new(), &mut ptrs);
    if ptrs.is_empty() {
        return "nothing to mutate".into();
    }
    let target = ptrs[rng.below(ptrs.len())].clone();
    let (parent, key) = split(&target);
    let under = |tail: &str, rng: &mut Rng| pick_under(&ptrs, tail, &target, rng);
    let kind = rng.below(12);
    match kind {
        0 => {
            if let Some(Value::Object(m)) = doc.pointer_mut(parent) {
                m.remove(&key);
            }
            format!("delete {target}")
        }
        1 => {
            let v = random_value(rng);
            if let Some(slot) = doc.pointer_mut(&target) {
                *slot = v.clone();
            }
            format!("set {target} = {v}")
        }
        2 => {
            let name = NAMES[rng.below(NAMES.len())].to_string();
            if let Some(Value::Object(m)) = doc.pointer_mut(parent) {
                if let Some(v) = m.remove(&key) {
                    m.insert(name.clone(), v);
                }
            }
            format!("rename {target} -> {name:?}")
        }
        3 => {
            if let Some(slot @ Value::Object(_)) = doc.pointer_mut(&target) {
                slot["$ref"] = json!("#/components/schemas/DoesNotExist");
            }
            format!("dangling $ref at {target}")
        }
        4 => {
            let names = schema_names(doc);
            if names.len() >= 2 {
                let (a, b) = (&names[rng.below(names.len())], &names[rng.below(names.len())]);
                doc["components"]["schemas"][a] = json!({"$ref": format!("#/components/schemas/{b}")});
                doc["components"]["schemas"][b] = json!({"allOf": [{"$ref": format!("#/components/schemas/{a}")}]});
                format!("cycle {a} <-> {b}")
            } else {
                "no cycle".into()
            }
        }
        5 => {
            let depth = 1 + rng.below(300);
            if let Some(slot) = doc.pointer_mut(&target) {
                let mut v = slot.take();
                for _ in 0..depth {
                    v = json!({"type": "object", "properties": {"x": v}});
                }
                *slot = v;
            }
            format!("nest {target} {depth} deep")
        }
        6 => {
            let name = NAMES[rng.below(NAMES.len())];
            if let Some(Value::Object(m)) = doc.pointer_mut("/components/schemas") {
                let keys: Vec<String> = m.keys().cloned().collect();
                if let Some(k) = keys.get(rng.below(keys.len())) {
                    if let Some(v) = m.remove(k) {
                        m.insert(name.to_string(), v);
                    }
                }
            }
            format!("schema renamed to {name:?}")
        }
        7 => {
            let t = ["string", "integer", "object", "array", "bogus", "null"][rng.below(6)];
            if let Some(slot @ Value::Object(_)) = doc.pointer_mut(&target) {
                slot["type"] = json!(t);
            }
            format!("type of {target} = {t}")
        }
        8 => {
            let at = under("/responses", rng);
            let (responses, code) = split(&at);
            let new_key = RESPONSE_KEYS[rng.below(RESPONSE_KEYS.len())];
            if let Some(Value::Object(m)) = doc.pointer_mut(responses) {
                if let Some(mut v) = m.remove(&code) {
                    // Make sure an example (and so a test name) comes from the odd key.
                    if let Some(Value::Object(c)) = v.pointer_mut("/content/application~1json") {
                        c.entry("example").or_insert(json!({"request_id": "r"}));
                    }
                    m.insert(new_key.to_string(), v);
                }
            }
            format!("response key {at} -> {new_key:?}")
        }
        9 => {
            let at = under("/properties", rng);
            let names = schema_names(doc);
            let members: Vec<Value> = (0..2 + rng.below(2)).map(|_| scalar_member(rng, &names)).collect();
            let v = json!({"allOf": members});
            if let Some(slot) = doc.pointer_mut(&at) {
                *slot = v.clone();
            }
            format!("allOf of scalars at {at} = {v}")
        }
        10 => {
            let enums: Vec<&String> = ptrs.iter().filter(|p| p.ends_with("/enum")).collect();
            let at = if enums.is_empty() { format!("{target}/enum") } else { enums[rng.below(enums.len())].clone() };
            let (schema, _) = split(&at);
            match doc.pointer_mut(&at) {
                Some(Value::Array(values)) => values.push(Value::Null),
                _ => {
                    if let Some(slot @ Value::Object(_)) = doc.pointer_mut(schema) {
                        *slot = json!({"type": "string", "enum": ["on", "off", null]});
                    }
                }
            }
            format!("null in the enum at {at}")
        }
        _ => {
            let name = KEYWORD_PROPS[rng.below(KEYWORD_PROPS.len())];
            let names = schema_names(doc);
            let v = if names.is_empty() || rng.below(3) == 0 {
                json!({"type": "string"})
            } else {
                json!({"$ref": format!("#/components/schemas/{}", names[rng.below(names.len())])})
            };
            let at = under("/components/schemas", rng);
            let at = if rng.below(2) == 0 {
                format!("{at}/properties")
            } else {
                split(&under("/properties", rng)).0.to_string()
            };
            if let Some(Value::Object(m)) = doc.pointer_mut(&at) {
                m.insert(name.to_string(), v.clone());
            }
            format!("property {name:?} = {v} in {at}")
        }
    }
}

/// How the newer mutations' descriptions start (one compiled sample each).
const NEW_FORMS: &[&str] = &["response key", "allOf of scalars", "null in the enum", "property "];

struct Base {
    name: String,
    doc: Value,
    portion: Portion,
}

fn bases() -> Vec<Base> {
    let mut out = Vec::new();
    let fixtures = common::root().join("tests/fixtures");
    let mut files: Vec<_> = std::fs::read_dir(&fixtures)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    for f in files {
        let spec = plaid_idv_generator::load::load_file(&f).unwrap();
        out.push(Base {
            name: f.file_name().unwrap().to_string_lossy().into(),
            doc: spec.doc,
            portion: common::fixture_portion("fuzz"),
        });
    }
    let ours = plaid_idv_generator::load::load_file(&common::root().join("spec/plaid-idv.yaml")).unwrap();
    let mut portion = Portion::load(&common::root().join("spec/portion.toml")).unwrap();
    portion.crate_name = "fuzz-ours".into();
    out.push(Base { name: "plaid-idv.yaml".into(), doc: ours.doc, portion });
    out
}

#[test]
fn mutated_specs_never_panic() {
    let cases: usize = std::env::var("FUZZ_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(400);
    let seed: u64 = std::env::var("FUZZ_SEED").ok().and_then(|v| v.parse().ok()).unwrap_or(0x5EED_1DF0);
    let bases = bases();
    let mut rng = Rng(seed);
    let (mut ok, mut errs, mut failures) = (0usize, 0usize, Vec::new());
    let mut samples: Vec<(String, std::collections::BTreeMap<String, String>)> = Vec::new();
    let mut sampled_forms: Vec<&str> = Vec::new();
    std::panic::set_hook(Box::new(|_| {}));
    for case in 0..cases {
        if case > 0 && case % 10_000 == 0 {
            println!("fuzz: {case} cases done, {} failures so far", failures.len());
        }
        // Most cases use the small fixtures; every 8th uses our full IDV spec.
        let base = if case % 8 == 7 { &bases[bases.len() - 1] } else { &bases[rng.below(bases.len() - 1)] };
        let mut doc = base.doc.clone();
        let steps: Vec<String> = (0..1 + rng.below(3)).map(|_| mutate(&mut doc, &mut rng)).collect();
        let what = format!("case {case} ({}): {}", base.name, steps.join("; "));
        if std::env::var("FUZZ_TRACE").is_ok() {
            eprintln!("{what}");
        }
        let spec = Spec { doc, sha256: "0".repeat(64), version: "fuzz".into(), title: "fuzz".into() };
        match catch_unwind(AssertUnwindSafe(|| plaid_idv_generator::generate_spec(&spec, &base.portion))) {
            Err(_) => failures.push(format!("PANIC {what}")),
            Ok(Ok(out)) => {
                ok += 1;
                for (path, text) in out.files.iter().filter(|(p, _)| p.ends_with(".rs")) {
                    if let Err(e) = syn::parse_file(text) {
                        failures.push(format!("UNPARSABLE {path}: {e} in {what}"));
                    }
                }
                // Compile a few: two with renames or new values, one of each newer form.
                let form = steps.iter().find_map(|s| NEW_FORMS.iter().find(|f| s.starts_with(**f)));
                let wanted = match form {
                    Some(f) => !sampled_forms.contains(f),
                    None => {
                        samples.len() - sampled_forms.len() < 2
                            && steps.iter().any(|s| s.starts_with("rename") || s.starts_with("set"))
                    }
                };
                if wanted && base.name != "plaid-idv.yaml" {
                    sampled_forms.extend(form);
                    samples.push((what.clone(), out.files));
                }
            }
            Ok(Err(e)) => {
                errs += 1;
                if !e.location.starts_with('#') {
                    failures.push(format!("UNLOCATED error {e} in {what}"));
                }
            }
        }
    }
    let _ = std::panic::take_hook();
    println!(
        "fuzz: {cases} cases (seed {seed}): {ok} generated, {errs} rejected with a located error, {} failures",
        failures.len()
    );
    for f in failures.iter().take(50) {
        println!("  {f}");
    }
    assert!(failures.is_empty(), "{} failures; first: {}", failures.len(), failures[0]);

    // A sample of Ok outputs must also compile.
    if std::env::var("FUZZ_CASES").is_err() {
        let dir = common::temp_dir("fuzz-samples");
        for (i, (what, files)) in samples.iter().enumerate() {
            let crate_dir = dir.join(format!("sample{i}"));
            plaid_idv_generator::write::write_atomic(&crate_dir, files).unwrap();
            println!("fuzz: compiling sample {i}: {what}");
            let (built, log) = common::cargo(&crate_dir, &["build", "--all-features"]);
            assert!(built, "mutated output does not compile ({what}):\n{log}");
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}
