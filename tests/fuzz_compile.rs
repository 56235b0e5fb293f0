//! The compile fuzzer (#23): a seeded generator of legal specs whose every name comes from a
//! dictionary of Rust-hostile identifiers (single letters, std and prelude names, serde's names,
//! the generated crate's own names, keywords, names differing only in case or separators,
//! unicode). Each run generates ONE crate holding hundreds of schemas, operations, examples and
//! webhooks, and requires that it passes clippy `-D warnings` and its own tests (doctests
//! included): every name the namer hands out must compile, whatever the spec calls things.
//!
//! CI builds one crate (seed `FUZZ_COMPILE_SEED`, default fixed). The long mode for a nightly
//! run builds one crate per seed, starting at the given one:
//! `FUZZ_COMPILE_CRATES=20 cargo test -p plaid-idv-tests --test fuzz_compile -- --nocapture`

mod common;

use serde_json::{json, Map, Value};

use common::Rng;

/// Names that are legal in OpenAPI and hostile in Rust.
const HOSTILE: &[&str] = &[
    // Single letters, and the type parameters serde's impls use.
    "A",
    "D",
    "E",
    "S",
    "T",
    "V",
    "a",
    "d",
    "e",
    "s",
    "x",
    "_",
    "__",
    "__D",
    "__A",
    "__S",
    // std and the prelude.
    "Option",
    "Result",
    "Vec",
    "Box",
    "String",
    "Some",
    "None",
    "Ok",
    "Err",
    "Self",
    "self",
    "Copy",
    "Clone",
    "Default",
    "From",
    "Into",
    "Iterator",
    "Send",
    "Sync",
    "Sized",
    "ToString",
    "AsRef",
    "Drop",
    "Fn",
    "str",
    "i64",
    "bool",
    "u8",
    "f64",
    "PartialEq",
    "Debug",
    "Display",
    "Formatter",
    "fmt",
    "std",
    "core",
    "alloc",
    // serde's names.
    "Serialize",
    "Deserialize",
    "Serializer",
    "Deserializer",
    "Error",
    "Visitor",
    "MapAccess",
    "de",
    "ser",
    "serde",
    "serde_json",
    "Value",
    "Map",
    // The generated crate's own names.
    "Client",
    "ClientBuilder",
    "Webhook",
    "types",
    "runtime",
    "operations",
    "flow",
    "testing",
    "macros",
    "Redacted",
    "Operation",
    "Retry",
    "ResponseMeta",
    "Environment",
    "CallOptions",
    "RetryPolicy",
    "Key",
    "Field",
    "Unknown",
    "unknown",
    "new",
    "execute",
    "send",
    "clone",
    "with_options",
    "builder",
    "parse",
    "as_str",
    "from_wire",
    "WIRE_FIELDS",
    "request_id",
    "round_trip",
    "unknown_enum_round_trip",
    "Required",
    "chrono",
    "reqwest",
    "tokio",
    "request",
    "required",
    "map",
    "key",
    "value",
    "Wire",
    "SPEC_VERSION",
    // The JSON writer's names (issue #23), and keys it must escape.
    "ToJson",
    "to_json",
    "write_json",
    "json",
    "out",
    "close",
    "opt",
    "key \"quoted\"",
    "back\\slash",
    // Keywords, strict, reserved and weak.
    "type",
    "match",
    "fn",
    "async",
    "await",
    "dyn",
    "try",
    "crate",
    "super",
    "gen",
    "union",
    "macro",
    "mod",
    "impl",
    "struct",
    "enum",
    "let",
    "loop",
    "ref",
    "move",
    "static",
    "abstract",
    "yield",
    "raw",
    "r#type",
    // Case and separators.
    "foo_bar",
    "fooBar",
    "FooBar",
    "foo-bar",
    "FOO_BAR",
    "foo__bar",
    "foo bar",
    "Foo.Bar",
    "foo/bar",
    "x_unknown_enum",
    // Unicode, digits, punctuation.
    "é",
    "Ωmega",
    "名前",
    "😀",
    "1st",
    "42",
    "0",
    "",
    " ",
    "a\"b",
    "a\\b",
    "*/",
    "#",
    "${x}",
];

fn word(rng: &mut Rng) -> String {
    match rng.below(6) {
        0 => format!("{}{}", rng.pick(HOSTILE), rng.pick(HOSTILE)),
        1 => format!("{}_{}", rng.pick(HOSTILE), rng.below(3)),
        _ => rng.pick(HOSTILE).to_string(),
    }
}

/// A property schema: a scalar, a list, a reference, an enum or a nested object.
fn property(rng: &mut Rng, schemas: &[String], depth: usize) -> Value {
    let r = |rng: &mut Rng, schemas: &[String]| json!({"$ref": format!("#/components/schemas/{}", schemas[rng.below(schemas.len())])});
    let mut v = match rng.below(11) {
        0 => json!({"type": "string"}),
        1 => json!({"type": "integer"}),
        2 => json!({"type": "integer", "format": "int32"}),
        3 => json!({"type": "number"}),
        4 => json!({"type": "boolean"}),
        5 => json!({"type": "string", "format": "date-time"}),
        6 => json!({"type": "array", "items": {"type": "string"}}),
        7 if !schemas.is_empty() => r(rng, schemas),
        8 if !schemas.is_empty() => json!({"type": "array", "items": r(rng, schemas)}),
        9 => {
            let values: Vec<String> = (0..1 + rng.below(4)).map(|_| word(rng)).collect();
            json!({"type": "string", "enum": values})
        }
        _ if depth < 2 => {
            let n = 1 + rng.below(3);
            object(rng, schemas, depth + 1, n)
        }
        _ => json!({"type": "string"}),
    };
    if rng.below(5) == 0 {
        v["nullable"] = json!(true);
    }
    v
}

fn object(rng: &mut Rng, schemas: &[String], depth: usize, fields: usize) -> Value {
    let mut props = Map::new();
    let mut required = Vec::new();
    for _ in 0..fields {
        let name = word(rng);
        if rng.below(3) == 0 {
            required.push(json!(name.clone()));
        }
        props.insert(name, property(rng, schemas, depth));
    }
    let mut v = json!({"type": "object", "properties": props});
    if !required.is_empty() {
        required.dedup();
        v["required"] = json!(required);
    }
    v
}

/// A JSON value that fits `schema` (for examples), resolving references one level at a time.
fn example(rng: &mut Rng, schema: &Value, all: &Map<String, Value>, depth: usize) -> Value {
    if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
        let name = r.trim_start_matches("#/components/schemas/");
        return match all.get(name) {
            Some(s) if depth < 4 => example(rng, s, all, depth + 1),
            _ => Value::Null,
        };
    }
    if let Some(values) = schema.get("enum").and_then(Value::as_array) {
        return values[rng.below(values.len())].clone();
    }
    match schema.get("type").and_then(Value::as_str) {
        Some("string") if schema.get("format").is_some() => json!("2024-01-02T03:04:05Z"),
        Some("string") => json!(word(rng)),
        Some("integer") => json!(rng.below(1000)),
        Some("number") => json!(1.5),
        Some("boolean") => json!(true),
        Some("array") => {
            let items = schema.get("items").cloned().unwrap_or(json!({}));
            let item = if depth < 4 { example(rng, &items, all, depth + 1) } else { Value::Null };
            if item.is_null() {
                json!([])
            } else {
                json!([item])
            }
        }
        Some("object") => {
            let mut out = Map::new();
            let required: Vec<&str> = schema
                .get("required")
                .and_then(Value::as_array)
                .map(|a| a.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            if let Some(props) = schema.get("properties").and_then(Value::as_object) {
                for (k, p) in props {
                    if required.contains(&k.as_str()) || rng.below(2) == 0 {
                        let v = if depth < 4 { example(rng, p, all, depth + 1) } else { Value::Null };
                        if v.is_null() && !p.get("nullable").is_some_and(|n| n == &json!(true)) {
                            if required.contains(&k.as_str()) {
                                return Value::Null;
                            }
                            continue;
                        }
                        out.insert(k.clone(), v);
                    }
                }
            }
            Value::Object(out)
        }
        _ => Value::Null,
    }
}

/// One spec of hostile names: `schemas` models, `ops` operations with examples, `hooks` webhooks.
fn hostile_spec(seed: u64, schemas: usize, ops: usize, hooks: usize) -> Value {
    // A bijective scramble of the seed (xorshift needs a state other than 0).
    let state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15).wrapping_add(0x632B_E59B_D9B4_E019);
    let mut rng = Rng(if state == 0 { 1 } else { state });
    let mut names: Vec<String> = Vec::new();
    let mut all = Map::new();
    for i in 0..schemas {
        let mut name = word(&mut rng);
        // The portion selects `*Webhook` schemas as webhooks, which need discriminators.
        if all.contains_key(&name) || name.ends_with("Webhook") {
            name = format!("{name}{i}");
        }
        let v = if rng.below(6) == 0 {
            let values: Vec<String> = (0..1 + rng.below(5)).map(|_| word(&mut rng)).collect();
            json!({"type": "string", "enum": values})
        } else {
            let n = 1 + rng.below(5);
            object(&mut rng, &names, 0, n)
        };
        all.insert(name.clone(), v);
        names.push(name);
    }
    let mut paths = Map::new();
    let mut used_ids = std::collections::BTreeSet::new();
    for i in 0..ops {
        let id = loop {
            let id = word(&mut rng);
            if used_ids.insert(id.clone()) {
                break id;
            }
        };
        let req = names[rng.below(names.len())].clone();
        let resp_name = format!("{}Response{i}", word(&mut rng));
        debug_assert!(!resp_name.ends_with("Webhook"));
        let n = 1 + rng.below(4);
        let mut resp = object(&mut rng, &names, 0, n);
        resp["properties"]["request_id"] = json!({"type": "string"});
        all.insert(resp_name.clone(), resp.clone());
        let mut examples = Map::new();
        for _ in 0..1 + rng.below(3) {
            let mut value = example(&mut rng, &resp, &all, 0);
            if value.is_null() {
                continue;
            }
            value["request_id"] = json!("r1");
            let mut ex_name = word(&mut rng);
            if rng.below(3) == 0 {
                ex_name = "x_unknown_enum".into();
            } else if rng.below(3) == 0 {
                ex_name = "x".into();
            }
            examples.insert(ex_name, json!({"value": value}));
        }
        let mut body =
            json!({"content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{req}")}}}});
        if all[&req].get("enum").is_some() {
            body = json!({"content": {"application/json": {"schema": {"type": "object"}}}});
        }
        paths.insert(
            format!("/{i}/{}", word(&mut rng).replace(['/', '{', '}'], "_")),
            json!({"post": {
                "operationId": id,
                "summary": word(&mut rng),
                "requestBody": body,
                "responses": {"200": {"description": "ok", "content": {"application/json": {
                    "schema": {"$ref": format!("#/components/schemas/{resp_name}")},
                    "examples": examples,
                }}}},
            }}),
        );
    }
    for i in 0..hooks {
        let name = format!("{}{i}Webhook", word(&mut rng));
        let n = 1 + rng.below(3);
        let mut body = object(&mut rng, &names, 0, n);
        let (kind, code) = (format!("{}_{i}", word(&mut rng)), format!("CODE_{i}"));
        body["properties"]["webhook_type"] = json!({"type": "string", "enum": [kind]});
        body["properties"]["webhook_code"] = json!({"type": "string", "enum": [code]});
        let mut ex = example(&mut rng, &body, &all, 0);
        if !ex.is_null() {
            ex["webhook_type"] = json!(kind);
            ex["webhook_code"] = json!(code);
            body["x-examples"] = json!({ word(&mut rng): ex });
        }
        all.insert(name, body);
    }
    all.insert(
        "PlaidError".into(),
        json!({"type": "object", "nullable": true, "properties": {
            "error_type": {"type": "string", "enum": ["INVALID_REQUEST", "API_ERROR"]},
            "error_code": {"type": "string"}, "error_message": {"type": "string"}, "request_id": {"type": "string"}}}),
    );
    json!({
        "openapi": "3.0.3",
        "info": {"title": format!("hostile \"names\" \\ {seed}\n"), "version": "2020-09-14_fuzz.1"},
        "paths": paths,
        "components": {"schemas": all},
    })
}

#[test]
fn a_crate_of_hostile_names_passes_clippy_and_its_tests() {
    let seed: u64 = std::env::var("FUZZ_COMPILE_SEED").ok().and_then(|v| v.parse().ok()).unwrap_or(0xC0DE_2026);
    let crates: u64 = std::env::var("FUZZ_COMPILE_CRATES").ok().and_then(|v| v.parse().ok()).unwrap_or(1);
    let mut totals = (0usize, 0usize, 0usize, 0usize);
    for n in 0..crates {
        let seed = seed.wrapping_add(n);
        let doc = hostile_spec(seed, 160, 50, 12);
        let spec = plaid_idv_generator::load::Spec {
            doc,
            sha256: "0".repeat(64),
            version: "2020-09-14_fuzz.1".into(),
            title: format!("hostile {seed}"),
        };
        let mut portion = common::fixture_portion("hostile-names");
        portion.newtypes.clear();
        portion.retry = Default::default();
        let out = plaid_idv_generator::generate_spec(&spec, &portion)
            .unwrap_or_else(|e| panic!("seed {seed}: a legal spec of hostile names is refused: {e}"));
        let (types, ops, examples, hooks) =
            (out.ir.types.len(), out.ir.operations.len(), out.ir.examples.len(), out.ir.webhooks.len());
        assert!(
            types >= 150 && ops == 50 && hooks == 12 && examples >= 40,
            "seed {seed}: {types} {ops} {examples} {hooks}"
        );
        let dir = common::temp_dir(&format!("hostile-{seed}"));
        plaid_idv_generator::write::write_atomic(&dir.join("hostile-names"), &out.files).unwrap();
        for args in [
            &["clippy", "--all-targets", "--all-features", "--", "-D", "warnings"][..],
            &["test", "--all-features"][..],
        ] {
            let (ok, log) = common::cargo(&dir.join("hostile-names"), args);
            assert!(ok, "seed {seed}: cargo {args:?} failed for the crate in {}:\n{log}", dir.display());
        }
        println!("fuzz_compile: seed {seed}: {types} types, {ops} operations, {examples} examples, {hooks} webhooks compiled and tested");
        totals = (totals.0 + types, totals.1 + ops, totals.2 + examples, totals.3 + hooks);
        let _ = std::fs::remove_dir_all(&dir);
    }
    println!(
        "fuzz_compile: {crates} crate(s): {} types, {} operations, {} examples, {} webhooks",
        totals.0, totals.1, totals.2, totals.3
    );
}
