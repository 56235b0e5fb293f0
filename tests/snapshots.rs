//! insta snapshots of small fixture specs, one per construct. A change in the emitted code
//! shows up as a reviewable diff (`cargo insta review`).

mod common;

fn snap(fixture: &str, files: &[&str]) {
    let out = common::gen_fixture(fixture);
    for f in files {
        let text = out.files.get(*f).unwrap_or_else(|| panic!("{fixture}: no {f}"));
        // The header names the fixture's hash; keep snapshots about the code.
        let body: String = text.lines().skip(2).collect::<Vec<_>>().join("\n");
        let name = format!("{}__{}", fixture.trim_end_matches(".yaml"), f.replace(['/', '.'], "_"));
        insta::assert_snapshot!(name, body);
    }
}

#[test]
fn enums_odd_and_unknown_values() {
    snap("enums.yaml", &["src/types.rs"]);
}

#[test]
fn optional_nullable_combinations() {
    snap("optional_nullable.yaml", &["src/types.rs", "src/operations.rs"]);
}

#[test]
fn allof_forms() {
    snap("allof.yaml", &["src/types.rs"]);
}

#[test]
fn keywords_and_collisions() {
    snap("keywords.yaml", &["src/types.rs", "src/operations.rs"]);
}

#[test]
fn scalar_refs_and_id_newtypes() {
    snap("scalar_refs.yaml", &["src/types.rs", "src/operations.rs"]);
}

#[test]
fn webhooks_outside_paths() {
    snap("webhooks.yaml", &["src/webhooks.rs"]);
}

#[test]
fn deprecated_and_hostile_docs() {
    snap("deprecated.yaml", &["src/types.rs", "src/operations.rs"]);
}
