//! `cargo xtask diff`: one fixture pair per change kind with its expected classification, a
//! snapshot of a multi-change report, a load error, and Plaid's spec against a mutated copy.

mod common;

use plaid_idv_generator::diff::{Bump, Impact, Report};
use std::collections::BTreeSet;
use std::path::PathBuf;

const BASE: &str = r#"openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /thing/get:
    post:
      operationId: thingGet
      requestBody: {content: {application/json: {schema: {$ref: '#/components/schemas/ThingGetRequest'}}}}
      responses:
        "200": {description: ok, content: {application/json: {schema: {$ref: '#/components/schemas/Thing'}}}}
components:
  schemas:
    ThingGetRequest:
      type: object
      required: [thing_id]
      properties:
        thing_id: {type: string}
        mode: {$ref: '#/components/schemas/Mode'}
    Thing:
      description: A thing.
      type: object
      required: [id, status, request_id]
      properties:
        id: {type: string}
        status: {$ref: '#/components/schemas/Status'}
        note: {type: string, nullable: true}
        label: {type: string, minLength: 1}
        request_id: {type: string}
    Status: {type: string, enum: [active, done]}
    Mode: {type: string, enum: [fast, slow]}
    PlaidError: {type: object, properties: {error_code: {type: string}}}
"#;

fn write_pair(tag: &str, old: &str, new: &str) -> (PathBuf, PathBuf) {
    let dir = common::temp_dir(&format!("diff-{tag}"));
    let (o, n) = (dir.join("old.yaml"), dir.join("new.yaml"));
    std::fs::write(&o, old).unwrap();
    std::fs::write(&n, new).unwrap();
    (o, n)
}

fn report(tag: &str, old: &str, new: &str) -> Report {
    let (o, n) = write_pair(tag, old, new);
    plaid_idv_generator::diff_specs(&o, &n, &common::fixture("portion.toml")).unwrap()
}

fn edit(from: &str, to: &str) -> String {
    assert!(BASE.contains(from), "fixture edit {from:?} does not apply");
    BASE.replacen(from, to, 1)
}

use Impact::{Breaking as B, Compatible as C};

#[test]
fn each_change_kind_is_classified() {
    let cases: Vec<(&str, String, &str, Impact, Impact)> = vec![
        ("variant-added", edit("enum: [active, done]", "enum: [active, done, paused]"), "variant added", C, C),
        ("variant-removed-response", edit("enum: [active, done]", "enum: [active]"), "variant removed", B, C),
        ("variant-removed-request", edit("enum: [fast, slow]", "enum: [fast]"), "variant removed", B, B),
        ("optional-response-field-added", edit("        request_id: {type: string}\n    Status", "        request_id: {type: string}\n        extra: {type: string}\n    Status"), "field added", C, C),
        ("required-request-field-added", edit("required: [thing_id]", "required: [thing_id, mode]"), "field optionality changed", B, B),
        ("response-field-removed-required", edit("required: [id, status, request_id]", "required: [status, request_id]").replace("        id: {type: string}\n", ""), "field removed", B, B),
        ("response-field-removed-optional", edit("        note: {type: string, nullable: true}\n", ""), "field removed", B, C),
        ("field-type-changed", edit("note: {type: string, nullable: true}", "note: {type: integer, nullable: true}"), "field type changed", B, B),
        ("response-field-now-optional", edit("required: [id, status, request_id]", "required: [status, request_id]"), "field optionality changed", B, B),
        ("response-field-now-nullable", edit("        id: {type: string}", "        id: {type: string, nullable: true}"), "field nullability changed", B, B),
        ("type-renamed", edit("status: {$ref: '#/components/schemas/Status'}", "status: {$ref: '#/components/schemas/State'}").replace("    Status: {type", "    State: {type"), "type renamed (probable)", B, C),
        ("operation-added", edit("components:\n", "  /thing/list:\n    post:\n      operationId: thingList\n      responses:\n        \"200\": {description: ok, content: {application/json: {schema: {$ref: '#/components/schemas/Thing'}}}}\ncomponents:\n"), "operation added", C, C),
        ("operation-removed", BASE.replace("/thing/get", "/thing/fetch"), "operation removed", B, B),
    ];
    for (tag, new, kind, source, wire) in cases {
        let r = report(tag, BASE, &new);
        let c = r
            .changes
            .iter()
            .find(|c| c.kind == kind)
            .unwrap_or_else(|| panic!("{tag}: no `{kind}` in {:#?}", r.changes));
        assert_eq!((c.source, c.wire), (source, wire), "{tag}: {c:?}");
        let expected_bump = if r.is_breaking() { Bump::Major } else { Bump::Minor };
        assert_eq!(r.bump(), expected_bump, "{tag}");
    }
}

/// The one change of `kind` on `item`, with everything else in the report for the message.
fn row<'r>(r: &'r Report, kind: &str, item: &str) -> &'r plaid_idv_generator::diff::Change {
    r.changes
        .iter()
        .find(|c| c.kind == kind && c.item == item)
        .unwrap_or_else(|| panic!("no `{kind}` row for `{item}` in {:#?}", r.changes))
}

/// Required properties swapped: both are `String`, so callers of `new(...)` still compile and
/// silently send each value under the other key.
#[test]
fn reordered_required_properties_change_nothing_for_callers() {
    let old = edit(
        "      required: [thing_id]\n      properties:\n        thing_id: {type: string}\n",
        "      required: [thing_id, profile_id, region]\n      properties:\n        thing_id: {type: string}\n        profile_id: {type: string}\n        region: {type: string}\n",
    );
    let new = old.replace(
        "        profile_id: {type: string}\n        region: {type: string}\n",
        "        region: {type: string}\n        profile_id: {type: string}\n",
    );
    assert_ne!(old, new);
    // Required fields are taken by name, so the report has nothing to say...
    let r = report("new-reordered", &old, &new);
    assert!(r.changes.is_empty(), "{:#?}", r.changes);
    assert_eq!(r.bump(), Bump::None, "{}", r.summary());
    // ...and both specs generate the same public API: the same structs with the same fields
    // (by name and type) and the same function signatures.
    let api = |spec: &str| {
        let out = plaid_idv_generator::generate_from(spec.as_bytes(), "spec.yaml", &common::fixture_portion("reorder"))
            .unwrap();
        public_api(&out.files["src/types.rs"])
    };
    assert_eq!(api(&old), api(&new));
    assert!(api(&old).iter().any(|l| l.contains("ThingGetRequestRequired") && l.contains("region : String")));
}

/// Every struct's fields (sorted, with types) and every function signature in `src`.
fn public_api(src: &str) -> BTreeSet<String> {
    use quote::ToTokens;
    let file = syn::parse_file(src).expect("generated code parses");
    let mut out = BTreeSet::new();
    for item in file.items {
        match item {
            syn::Item::Struct(s) => {
                let mut fields: Vec<String> = s
                    .fields
                    .iter()
                    .map(|f| f.to_token_stream().to_string().split("pub ").last().unwrap_or("").to_string())
                    .collect();
                fields.sort();
                out.insert(format!("struct {} {{ {} }}", s.ident, fields.join(", ")));
            }
            syn::Item::Impl(i) => {
                for it in i.items {
                    if let syn::ImplItem::Fn(f) = it {
                        out.insert(format!("{} :: {}", i.self_ty.to_token_stream(), f.sig.to_token_stream()));
                    }
                }
            }
            other => {
                out.insert(other.to_token_stream().to_string());
            }
        }
    }
    out
}

/// A response-only type that becomes reachable from a request: its optional nullable field
/// turns from `Option<String>` into `Option<Option<String>>`.
#[test]
fn a_type_newly_reachable_from_a_request_changes_field_shapes() {
    let old = edit(
        "        request_id: {type: string}\n    Status",
        "        request_id: {type: string}\n        person: {$ref: '#/components/schemas/Person'}\n    Status",
    )
    .replace(
        "    Mode: {type",
        "    Person: {type: object, properties: {nickname: {type: string, nullable: true}}}\n    Mode: {type",
    );
    let new = old.replace(
        "        mode: {$ref: '#/components/schemas/Mode'}\n",
        "        mode: {$ref: '#/components/schemas/Mode'}\n        person: {$ref: '#/components/schemas/Person'}\n",
    );
    assert_ne!(old, new);
    let r = report("now-request", &old, &new);
    let c = row(&r, "field shape changed", "Person.nickname");
    assert_eq!((c.source, c.wire), (B, C), "{c:?}");
    assert!(c.detail.contains("`Option<String>` → `Option<Option<String>>`"), "{}", c.detail);
    let added = row(&r, "field added", "ThingGetRequest.person");
    assert_eq!((added.source, added.wire), (C, C));
    assert_eq!(r.changes.len(), 2, "{:#?}", r.changes);
    assert_eq!(r.bump(), Bump::Major);
}

/// A new reference cycle boxes a field: `Option<Person>` becomes `Option<Box<Person>>`.
#[test]
fn a_new_reference_cycle_boxes_a_field_and_is_source_breaking() {
    let old = edit("        request_id: {type: string}\n    Status", "        request_id: {type: string}\n        pal: {$ref: '#/components/schemas/Pal'}\n    Status")
        .replace(
            "    Mode: {type",
            "    Pal: {type: object, properties: {person: {$ref: '#/components/schemas/Person'}}}\n    Person: {type: object, properties: {name: {type: string}}}\n    Mode: {type",
        );
    let new = old.replace(
        "properties: {name: {type: string}}}",
        "properties: {name: {type: string}, pal: {$ref: '#/components/schemas/Pal'}}}",
    );
    assert_ne!(old, new);
    let r = report("new-cycle", &old, &new);
    let c = row(&r, "field shape changed", "Pal.person");
    assert_eq!((c.source, c.wire), (B, C), "{c:?}");
    assert!(c.detail.contains("`Option<Person>` → `Option<Box<Person>>`"), "{}", c.detail);
    let added = row(&r, "field added", "Person.pal");
    assert!(added.detail.contains("Option<Box<Pal>>"), "{}", added.detail);
    assert_eq!(r.changes.len(), 2, "{:#?}", r.changes);
    assert_eq!(r.bump(), Bump::Major);
}

/// `diff` lowers on the generator's large-stack thread, as `gen` does, so a deeply nested
/// schema that `gen` accepts cannot overflow a caller's small stack. The check runs in a child
/// process (this test binary again), because a stack overflow aborts the whole process.
#[test]
fn diff_lowers_on_the_large_stack_thread() {
    const CHILD: &str = "PLAID_IDV_DIFF_STACK_CHILD";
    if std::env::var_os(CHILD).is_some() {
        // 118 nested lists as JSON (cheap to parse, within serde_json's nesting limit), which
        // lowering walks one level at a time.
        let mut deep = serde_json::json!({"type": "string"});
        for _ in 0..118 {
            deep = serde_json::json!({"type": "array", "items": deep});
        }
        let mut doc: serde_json::Value =
            serde_json::to_value(serde_yaml::from_str::<serde_yaml::Value>(BASE).unwrap()).unwrap();
        doc["components"]["schemas"]["Thing"]["properties"]["deep"] = deep;
        let dir = common::temp_dir("diff-deep-stack");
        let (o, n) = (dir.join("old.json"), dir.join("new.json"));
        for p in [&o, &n] {
            std::fs::write(p, serde_json::to_vec(&doc).unwrap()).unwrap();
        }
        let portion = common::fixture("portion.toml");
        let summary = std::thread::Builder::new()
            // Enough to load the spec (about 0.5 MiB in a debug build), not to lower it too
            // (about 1.5 MiB in all).
            .stack_size(768 << 10)
            .spawn(move || plaid_idv_generator::diff_specs(&o, &n, &portion).map(|r| r.summary()))
            .unwrap()
            .join()
            .unwrap();
        let _ = std::fs::remove_dir_all(&dir);
        assert_eq!(summary.unwrap(), "no changes");
        return;
    }
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "diff_lowers_on_the_large_stack_thread", "--nocapture", "--test-threads=1"])
        .env(CHILD, "1")
        .output()
        .unwrap();
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "diff on a 768 KiB stack failed ({}):\n{text}", out.status);
    assert!(text.contains("1 passed"), "{text}");
}

#[test]
fn description_only_changes_are_cosmetic_and_hidden() {
    let r = report("cosmetic", BASE, &edit("description: A thing.", "description: A different thing."));
    assert!(r.changes.is_empty(), "{:?}", r.changes);
    assert_eq!(r.cosmetic.len(), 1);
    assert_eq!(r.bump(), Bump::Patch);
    assert!(!r.markdown(false).contains("A different"));
    assert!(r.markdown(true).contains("Thing: description changed"));
}

#[test]
fn enum_value_descriptions_are_cosmetic() {
    let r = report(
        "variant-doc",
        BASE,
        &edit("enum: [active, done]}", "enum: [active, done], x-enum-descriptions: {done: Finished.}}"),
    );
    assert!(r.changes.is_empty() && r.spec_only.is_empty(), "{r:?}");
    assert_eq!(r.cosmetic, vec!["Status::Done: description changed"]);
}

#[test]
fn spec_only_changes_are_listed_not_dropped() {
    let r =
        report("spec-only", BASE, &edit("label: {type: string, minLength: 1}", "label: {type: string, minLength: 3}"));
    assert!(r.changes.is_empty());
    assert_eq!(r.spec_only.len(), 1, "{:?}", r.spec_only);
    assert!(r.spec_only[0].contains("#/components/schemas/Thing"));
}

#[test]
fn operation_differences_without_api_effect_are_not_dropped() {
    // A `default` error response changes no Rust signature (every non-2xx decodes the error
    // object), so it is spec-only; a reworded summary is cosmetic.
    let with_default = edit(
        "        \"200\": {description: ok, content: {application/json: {schema: {$ref: '#/components/schemas/Thing'}}}}",
        "        \"200\": {description: ok, content: {application/json: {schema: {$ref: '#/components/schemas/Thing'}}}}\n        default: {description: error, content: {application/json: {schema: {$ref: '#/components/schemas/PlaidError'}}}}",
    );
    let r = report("op-spec-only", BASE, &with_default);
    assert!(r.changes.is_empty(), "{:?}", r.changes);
    assert_eq!(
        r.spec_only,
        vec!["POST /thing/get: changed without changing the Rust API (responses or other keywords)"]
    );
    assert_eq!(r.bump(), Bump::Patch);
    let r = report(
        "op-cosmetic",
        BASE,
        &edit("operationId: thingGet", "operationId: thingGet\n      summary: Fetch a thing"),
    );
    assert!(r.changes.is_empty() && r.spec_only.is_empty(), "{r:?}");
    assert_eq!(r.cosmetic, vec!["POST /thing/get: operation description changed"]);
    // A property that happens to be called `description` is a field, not prose: a validation
    // change to it is spec-only, not cosmetic.
    let base = edit(
        "label: {type: string, minLength: 1}",
        "label: {type: string, minLength: 1}\n        description: {type: string, minLength: 1}",
    );
    let changed =
        base.replace("description: {type: string, minLength: 1}", "description: {type: string, minLength: 2}");
    let r = report("prop-named-description", &base, &changed);
    assert!(r.changes.is_empty() && r.cosmetic.is_empty(), "{r:?}");
    assert_eq!(
        r.spec_only,
        vec!["#/components/schemas/Thing/properties/description: changed without changing the Rust API"]
    );
}

#[test]
fn the_same_spec_twice_has_no_changes() {
    let r = report("same", BASE, BASE);
    assert_eq!(r.summary(), "no changes");
    assert_eq!(r.bump(), Bump::None);
}

#[test]
fn multi_change_report_snapshot() {
    let new = edit("enum: [active, done]", "enum: [active, done, paused]")
        .replace("        note: {type: string, nullable: true}\n", "")
        .replace("description: A thing.", "description: Changed words.")
        .replace("required: [thing_id]", "required: [thing_id, mode]")
        .replace("label: {type: string, minLength: 1}", "label: {type: string, minLength: 2}");
    let r = report("multi", BASE, &new);
    insta::assert_snapshot!("multi_change_report", r.markdown(true));
    insta::assert_snapshot!("multi_change_report_json", serde_json::to_string_pretty(&r.json()).unwrap());
}

#[test]
fn a_spec_that_fails_to_load_names_the_file() {
    let (o, n) = write_pair("bad", BASE, "openapi: [unclosed\n");
    let e = plaid_idv_generator::diff_specs(&o, &n, &common::fixture("portion.toml")).unwrap_err();
    assert!(e.to_string().contains(&n.display().to_string()), "{e}");
    let missing = PathBuf::from("/nonexistent/spec.yaml");
    let e = plaid_idv_generator::diff_specs(&o, &missing, &common::fixture("portion.toml")).unwrap_err();
    assert!(e.to_string().contains("/nonexistent/spec.yaml") && e.to_string().contains("cannot read"), "{e}");
}

/// Plaid's spec against a copy with real-world-style edits: an enum value added, an optional
/// response field added, a field removed, and a description reworded.
#[test]
fn plaid_spec_against_an_edited_copy() {
    let Some(spec) = common::plaid_spec() else {
        common::skip("SKIP plaid_spec_against_an_edited_copy: ../shared/plaid-openapi/2020-09-14.yml not found");
        return;
    };
    let text = std::fs::read_to_string(&spec).unwrap();
    let same = plaid_idv_generator::diff_specs(&spec, &spec, &common::root().join("spec/portion.toml")).unwrap();
    assert_eq!(same.summary(), "no changes");
    let mut doc: serde_json::Value = {
        let y: serde_yaml::Value = serde_yaml::from_str(&text).unwrap();
        serde_json::to_value(y).unwrap()
    };
    let s = &mut doc["components"]["schemas"];
    s["IdentityVerificationStatus"]["enum"].as_array_mut().unwrap().push("under_investigation".into());
    s["IdentityVerificationGetResponse"]["properties"]["risk_score_v2"] =
        serde_json::json!({"type": "integer", "nullable": true});
    s["IdentityVerificationGetResponse"]["properties"].as_object_mut().unwrap().remove("shareable_url");
    s["DashboardUser"]["description"] = "Reworded.".into();
    let dir = common::temp_dir("diff-plaid");
    let edited = dir.join("edited.json");
    std::fs::write(&edited, serde_json::to_vec(&doc).unwrap()).unwrap();
    let r = plaid_idv_generator::diff_specs(&spec, &edited, &common::root().join("spec/portion.toml")).unwrap();
    let find = |kind: &str, item: &str| r.changes.iter().find(|c| c.kind == kind && c.item.contains(item)).cloned();
    let v = find("variant added", "IdentityVerificationStatus::UnderInvestigation").expect("variant added");
    assert_eq!((v.source, v.wire), (C, C));
    let f = find("field added", "IdentityVerificationGetResponse.risk_score_v2").expect("field added");
    assert_eq!((f.source, f.wire), (C, C));
    let gone = find("field removed", "IdentityVerificationGetResponse.shareable_url").expect("field removed");
    assert_eq!(gone.source, B);
    assert!(r.cosmetic.iter().any(|c| c.starts_with("DashboardUser")), "{:?}", r.cosmetic);
    // The get response no longer has the shape of create and retry, which portion.toml declares
    // one type: the report says so, and that the merged type splits back into three.
    let div = find("same_type diverged", "IdentityVerificationGetResponse/properties/risk_score_v2").expect("diverged");
    assert!(div.detail.contains("IdentityVerificationResponse"), "{}", div.detail);
    assert_eq!(div.source, B);
    assert!(find("type removed", "IdentityVerificationResponse").is_some());
    for t in ["Create", "Get", "Retry"] {
        assert!(find("type split", &format!("IdentityVerification{t}Response")).is_some(), "{t}");
    }
    assert_eq!(r.changes.len(), 8, "{:#?}", r.changes);
    assert_nothing_dropped(&spec, &edited, &common::root().join("spec/portion.toml"), &r);
    let _ = std::fs::remove_dir_all(&dir);
}

/// Lower-case, without `_`: Rust type names and schema names compare equal this way
/// (`AAMVAAnalysis` / `AamvaAnalysis`, `DocumentImage__Back` / `DocumentImageBack`).
fn squash(s: &str) -> String {
    s.to_lowercase().replace('_', "")
}

/// "No change is silently dropped": every selected component schema or operation that differs
/// between the two specs is named somewhere in the full report (as an API change, a cosmetic
/// change or a spec-only difference).
fn assert_nothing_dropped(old: &std::path::Path, new: &std::path::Path, portion: &std::path::Path, r: &Report) {
    let a = plaid_idv_generator::extract_portion(old, portion).unwrap();
    let b = plaid_idv_generator::extract_portion(new, portion).unwrap();
    let text = r.markdown(true);
    // Whole names only: `Street` must not count as mentioned because `StreetNullable` is.
    let names: std::collections::BTreeSet<String> =
        text.split(|c: char| !(c.is_alphanumeric() || c == '_')).map(squash).collect();
    let mentioned = |section: &str, k: &str| match section {
        "/paths" => text.contains(&format!("{k}:")) || text.contains(&format!("{k}`")),
        _ => names.contains(&squash(k)),
    };
    let empty = serde_json::Map::new();
    let mut missing = Vec::new();
    for section in ["/components/schemas", "/paths"] {
        let ma = a.pointer(section).and_then(|v| v.as_object()).unwrap_or(&empty);
        let mb = b.pointer(section).and_then(|v| v.as_object()).unwrap_or(&empty);
        let keys: std::collections::BTreeSet<&String> = ma.keys().chain(mb.keys()).collect();
        for k in keys {
            if ma.get(k) != mb.get(k) && !mentioned(section, k) {
                missing.push(format!("{section}/{k}"));
            }
        }
    }
    assert!(missing.is_empty(), "differences the report does not mention: {missing:#?}");
}

/// Two published versions of Plaid's spec: any other version placed beside the one in
/// `../shared/plaid-openapi/`, or the file named by `PLAID_OLD_SPEC` (with an optional
/// `PLAID_DIFF_PORTION` selection file). Checks the invariants the report promises on real data.
#[test]
fn published_spec_pair() {
    let Some(new) = common::plaid_spec() else {
        common::skip("SKIP published_spec_pair: ../shared/plaid-openapi/2020-09-14.yml not found");
        return;
    };
    let old = std::env::var_os("PLAID_OLD_SPEC").map(PathBuf::from).or_else(|| {
        let dir = new.parent()?;
        let mut others: Vec<PathBuf> = std::fs::read_dir(dir)
            .ok()?
            .filter_map(|e| Some(e.ok()?.path()))
            .filter(|p| *p != new && matches!(p.extension().and_then(|e| e.to_str()), Some("yml" | "yaml" | "json")))
            .collect();
        others.sort();
        others.pop()
    });
    let Some(old) = old else {
        common::skip(
            "SKIP published_spec_pair: only one published spec in ../shared/plaid-openapi/; \
             add another version there or set PLAID_OLD_SPEC",
        );
        return;
    };
    let portion = std::env::var_os("PLAID_DIFF_PORTION")
        .map(PathBuf::from)
        .unwrap_or_else(|| common::root().join("spec/portion.toml"));
    let r = plaid_idv_generator::diff_specs(&old, &new, &portion).unwrap();
    println!("published_spec_pair: {} → {}: {}", old.display(), new.display(), r.summary());
    for c in &r.changes {
        match c.kind.as_str() {
            "variant added" | "type added" | "operation added" | "webhook added" => {
                assert_eq!((c.source, c.wire), (C, C), "{c:?}")
            }
            "field added" if c.detail.starts_with("optional") => assert_eq!(c.source, C, "{c:?}"),
            _ => {}
        }
    }
    assert_nothing_dropped(&old, &new, &portion, &r);
    let back = plaid_idv_generator::diff_specs(&new, &old, &portion).unwrap();
    assert_nothing_dropped(&new, &old, &portion, &back);
    for (a, b) in [(&old, &old), (&new, &new)] {
        assert_eq!(plaid_idv_generator::diff_specs(a, b, &portion).unwrap().summary(), "no changes");
    }
}
