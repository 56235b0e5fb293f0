//! The generator's own promises: `generated/` is fresh, output is deterministic, bad input
//! fails with a located error and leaves the output untouched.

mod common;

use plaid_idv_generator::ir::{Field, FieldShape, Kind, Ty};
use plaid_idv_generator::{generate, generate_from, portion::Portion, write};
use std::collections::BTreeMap;
use std::path::Path;

/// The rust-analyzer pattern: regenerate in memory and compare with the committed tree.
#[test]
fn generated_is_fresh() {
    let root = common::root();
    let mut out =
        generate(&root.join("spec/plaid-idv.yaml"), &root.join("spec/portion.toml")).expect("our spec generates");
    // As `cargo xtask gen` does: CHANGELOG.md comes from the output's own history.
    plaid_idv_generator::diff::changelog::add_changelog(&root.join("generated"), &mut out.files, &out.ir);
    let stale = write::check(&root.join("generated"), &out.files);
    assert!(stale.is_empty(), "generated/ is stale; run `cargo xtask gen`.\n{}", stale.join("\n"));
}

#[test]
fn output_is_deterministic() {
    let root = common::root();
    let a = generate(&root.join("spec/plaid-idv.yaml"), &root.join("spec/portion.toml")).unwrap();
    let b = generate(&root.join("spec/plaid-idv.yaml"), &root.join("spec/portion.toml")).unwrap();
    assert_eq!(a.files, b.files);
    for f in ["enums.yaml", "keywords.yaml", "allof.yaml"] {
        assert_eq!(common::gen_fixture(f).files, common::gen_fixture(f).files, "{f}");
    }
}

#[test]
fn header_names_spec_version_and_hash() {
    let root = common::root();
    let out = generate(&root.join("spec/plaid-idv.yaml"), &root.join("spec/portion.toml")).unwrap();
    let lib = &out.files["src/lib.rs"];
    assert!(lib.starts_with("// @generated"), "{}", &lib[..80]);
    assert!(lib.contains(&out.ir.spec_version) && lib.contains(&out.ir.spec_sha256));
    assert!(lib.contains(&format!("pub const SPEC_SHA256: &str = \"{}\";", out.ir.spec_sha256)));
    assert_eq!(out.ir.api_version, "2020-09-14");
    for (path, text) in &out.files {
        if path.ends_with(".rs") {
            assert!(text.starts_with("// @generated"), "{path} lacks the header");
        }
    }
}

fn portion() -> Portion {
    common::fixture_portion("bad-input")
}

/// The error generating `spec` gives (a short panic, not the whole output, when it succeeds).
fn gen_err(spec: &str) -> plaid_idv_generator::GenError {
    match generate_from(spec.as_bytes(), "x.yaml", &portion()) {
        Ok(out) => panic!("expected an error, got {} types: {:?}", out.ir.types.len(), out.ir.types.keys()),
        Err(e) => e,
    }
}

fn err_of(spec: &str) -> String {
    match generate_from(spec.as_bytes(), "bad.yaml", &portion()) {
        Ok(_) => panic!("expected an error for:\n{spec}"),
        Err(e) => e.to_string(),
    }
}

const HEAD: &str = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths: {}\n";

#[test]
fn bad_yaml_names_line_and_column() {
    let e = err_of("openapi: 3.0.3\ninfo: {title: t\n  version: [\n");
    assert!(e.contains("bad.yaml:") && e.contains("invalid YAML"), "{e}");
}

#[test]
fn dangling_ref_names_its_pointer() {
    let spec = format!("{HEAD}components:\n  schemas:\n    AWebhook:\n      type: object\n      properties:\n        x: {{$ref: '#/components/schemas/Nope'}}\n");
    let e = err_of(&spec);
    assert!(e.contains("#/components/schemas/AWebhook/properties/x/$ref") && e.contains("dangling"), "{e}");
}

#[test]
fn properties_not_a_mapping_names_its_pointer() {
    let spec = format!("{HEAD}components:\n  schemas:\n    AWebhook:\n      type: object\n      properties: 5\n");
    let e = err_of(&spec);
    assert!(e.contains("#/components/schemas/AWebhook/properties") && e.contains("mapping"), "{e}");
}

#[test]
fn unsupported_constructs_are_named() {
    let spec = format!(
        "{HEAD}components:\n  schemas:\n    AWebhook:\n      type: object\n      properties:\n        webhook_type: {{type: string, enum: [A]}}\n        webhook_code: {{type: string, enum: [B]}}\n        x: {{oneOf: [{{type: string}}, {{type: integer}}]}}\n"
    );
    let out = generate_from(spec.as_bytes(), "x.yaml", &portion()).expect("oneOf maps to Value");
    assert!(
        out.ir.warnings.iter().any(|w| w.contains("#/components/schemas/AWebhook/properties/x/oneOf")),
        "{:?}",
        out.ir.warnings
    );
    let e = err_of(&format!("{HEAD}components:\n  schemas:\n    AWebhook:\n      type: object\n      properties:\n        x: {{type: strnig}}\n"));
    assert!(e.contains("#/components/schemas/AWebhook/properties/x/type"), "{e}");
}

#[test]
fn malformed_enum_descriptions_are_named() {
    let spec = |ext: &str| {
        format!(
            "{HEAD}components:\n  schemas:\n    AWebhook:\n      type: object\n      properties:\n        webhook_type: {{type: string, enum: [A]}}\n        webhook_code: {{type: string, enum: [B]}}\n        mode: {{$ref: '#/components/schemas/Mode'}}\n    Mode:\n      type: string\n      enum: [fast, slow]\n      x-enum-descriptions: {ext}\n"
        )
    };
    for (ext, at, what) in [
        ("{fast: Quick., medium: Neither.}", "#/components/schemas/Mode/x-enum-descriptions/medium", "not one of"),
        ("[Quick.]", "#/components/schemas/Mode/x-enum-descriptions", "has 1 entries but `enum` has 2"),
        ("[Quick., 5]", "#/components/schemas/Mode/x-enum-descriptions/1", "must be a string"),
        ("Quick.", "#/components/schemas/Mode/x-enum-descriptions", "mapping"),
    ] {
        let e = err_of(&spec(ext));
        assert!(e.contains(at) && e.contains(what), "{ext}: {e}");
    }
    let out = generate_from(spec("{slow: Careful.}").as_bytes(), "x.yaml", &portion()).unwrap();
    assert!(out.files["src/types.rs"].contains("/// `slow`: Careful.\n"), "variant doc emitted");
}

/// `cargo xtask gen --spec SPEC --portion PORTION --out OUT [extra…]`.
fn xtask_gen(spec: &Path, portion: &Path, out: &Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec![
        "gen",
        "--spec",
        spec.to_str().unwrap(),
        "--portion",
        portion.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    xtask(&args)
}

fn xtask(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO"))
        .args(["run", "--quiet", "--package", "xtask", "--"])
        .args(args)
        .current_dir(common::root())
        .output()
        .expect("cargo runs")
}

/// End to end through the CLI: non-zero exit, a located message, no panic, output untouched.
#[test]
fn cli_bad_input_leaves_output_untouched() {
    let dir = common::temp_dir("bad-input");
    let out = dir.join("out");
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(out.join("keep.txt"), "previous output").unwrap();
    let cases = [
        ("bad_yaml.yaml", "openapi: 3.0.3\ninfo: [unclosed\n".to_string(), "bad_yaml.yaml:"),
        (
            "dangling.yaml",
            format!("{HEAD}components:\n  schemas:\n    AWebhook: {{$ref: '#/components/schemas/Gone'}}\n"),
            "#/components/schemas/AWebhook/$ref",
        ),
        (
            "props5.yaml",
            format!("{HEAD}components:\n  schemas:\n    AWebhook: {{type: object, properties: 5}}\n"),
            "#/components/schemas/AWebhook/properties",
        ),
    ];
    for (name, text, located) in cases {
        let spec = dir.join(name);
        std::fs::write(&spec, text).unwrap();
        let portion = common::fixture("portion.toml");
        let o = xtask_gen(&spec, &portion, &out, &[]);
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(1), "{name}: {stderr}");
        assert!(stderr.contains(located), "{name}: {stderr}");
        assert!(!stderr.contains("panicked"), "{name}: {stderr}");
        assert_eq!(std::fs::read_to_string(out.join("keep.txt")).unwrap(), "previous output");
        assert_eq!(std::fs::read_dir(&out).unwrap().count(), 1, "{name}: output changed");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn check_mode_reports_stale_files_with_the_fix() {
    let dir = common::temp_dir("check");
    let out = dir.join("gen");
    let spec = common::fixture("enums.yaml");
    let portion = common::fixture("portion.toml");
    assert!(xtask_gen(&spec, &portion, &out, &[]).status.success());
    assert!(xtask_gen(&spec, &portion, &out, &["--check"]).status.success());
    let types = out.join("src/types.rs");
    let text = std::fs::read_to_string(&types).unwrap();
    std::fs::write(&types, text.replace("Creates a value", "Makes a value")).unwrap();
    let o = xtask_gen(&spec, &portion, &out, &["--check"]);
    assert_eq!(o.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(stdout.contains("-    /// Makes a value") && stdout.contains("+    /// Creates a value"), "{stdout}");
    assert!(String::from_utf8_lossy(&o.stderr).contains("cargo xtask gen"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn output_path_problems_are_clear_errors() {
    let files = BTreeMap::from([("a.txt".to_string(), "x".to_string())]);
    let dir = common::temp_dir("readonly");
    let file = dir.join("plainfile");
    std::fs::write(&file, "x").unwrap();
    let e = write::write_atomic(&file, &files).unwrap_err();
    assert!(e.to_string().contains("not a directory"), "{e}");
    // A parent that cannot be created (a file is in the way) names the path.
    let e = write::write_atomic(&file.join("sub/out"), &files).unwrap_err();
    assert!(e.to_string().contains("plainfile") && e.to_string().contains("cannot create"), "{e}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Every file under `dir` (relative path to contents), `target/` and `Cargo.lock` included.
fn tree(dir: &Path) -> BTreeMap<String, String> {
    fn walk(base: &Path, dir: &Path, out: &mut BTreeMap<String, String>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(base, &p, out);
            } else {
                let rel = p.strip_prefix(base).unwrap().to_string_lossy().replace('\\', "/");
                out.insert(rel, std::fs::read_to_string(&p).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

fn names_in(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> =
        std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    v.sort();
    v
}

fn put(dir: &Path, files: &BTreeMap<String, String>) {
    for (rel, text) in files {
        let p = dir.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
}

fn files_of(list: &[(&str, &str)]) -> BTreeMap<String, String> {
    list.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

/// A failure injected at each file-system step in turn: the output directory exists after
/// (and between) every step, holds either exactly the old tree or exactly the new one, never
/// loses `target/` or `Cargo.lock`, and no temporary directory is left beside it.
#[test]
fn a_failure_at_any_step_of_the_swap_leaves_the_old_output() {
    let old = files_of(&[
        ("api.json", "{\"spec_sha256\": \"old\"}\n"),
        ("src/lib.rs", "// @generated by plaid-idv-generator from old\n"),
        ("src/gone.rs", "// @generated by plaid-idv-generator from old\n"),
        ("README.md", "old\n"),
    ]);
    let kept = files_of(&[("target/debug/build.log", "compiled\n"), ("Cargo.lock", "# lock\n")]);
    let new = files_of(&[
        ("api.json", "{\"spec_sha256\": \"new\"}\n"),
        ("src/lib.rs", "// @generated by plaid-idv-generator from new\n"),
        ("src/deep/er.rs", "// @generated by plaid-idv-generator from new\n"),
        ("Cargo.toml", "# @generated\n"),
    ]);
    let mut before_and_kept = old.clone();
    before_and_kept.extend(kept.clone());
    let mut after_and_kept = new.clone();
    after_and_kept.extend(kept.clone());
    let mut failures_seen = 0;
    for fail_at in 0.. {
        assert!(fail_at < 500, "the write never finished");
        let base = common::temp_dir(&format!("swap-{fail_at}"));
        let out = base.join("out");
        put(&out, &before_and_kept);
        let missing = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let (seen, dir) = (missing.clone(), out.clone());
        let opts = write::WriteOptions {
            before_step: Some(std::sync::Arc::new(move |step: usize| {
                if !dir.is_dir() {
                    seen.lock().unwrap().push(step);
                }
                if step == fail_at {
                    return Err(std::io::Error::other(format!("injected at {step}")));
                }
                Ok(())
            })),
            ..Default::default()
        };
        let result = write::write_output(&out, &new, &opts);
        assert!(missing.lock().unwrap().is_empty(), "step {fail_at}: {out:?} missing before steps {missing:?}");
        assert!(out.is_dir(), "step {fail_at}: output directory missing afterwards");
        assert_eq!(names_in(&base), ["out"], "step {fail_at}: something left beside the output");
        match result {
            Err(e) => {
                assert!(e.to_string().contains(&format!("injected at {fail_at}")), "{e}");
                assert_eq!(tree(&out), before_and_kept, "step {fail_at}: old output not intact after {e}");
                failures_seen += 1;
            }
            Ok(()) => {
                assert_eq!(tree(&out), after_and_kept, "new output");
                let _ = std::fs::remove_dir_all(&base);
                break;
            }
        }
        let _ = std::fs::remove_dir_all(&base);
    }
    assert!(failures_seen >= 8, "only {failures_seen} steps");
}

/// Writing to a path whose parents are missing creates them; a failure at any step leaves no
/// output directory and nothing beside it.
#[test]
fn missing_parents_are_created_and_failures_leave_nothing() {
    let new = files_of(&[("api.json", "{}\n"), ("src/lib.rs", "// @generated by plaid-idv-generator\n")]);
    for fail_at in 0.. {
        assert!(fail_at < 100, "the write never finished");
        let base = common::temp_dir(&format!("parents-{fail_at}"));
        let out = base.join("a/b/out");
        let opts = write::WriteOptions {
            before_step: Some(std::sync::Arc::new(move |step: usize| {
                if step == fail_at {
                    return Err(std::io::Error::other("injected"));
                }
                Ok(())
            })),
            ..Default::default()
        };
        match write::write_output(&out, &new, &opts) {
            Err(e) => {
                assert!(e.to_string().contains("injected"), "{e}");
                assert!(!out.exists(), "step {fail_at}: half-written output left");
                if let Some(parent) = out.parent().filter(|p| p.exists()) {
                    assert!(names_in(parent).is_empty(), "step {fail_at}: left {:?}", names_in(parent));
                }
            }
            Ok(()) => {
                assert_eq!(tree(&out), new);
                let _ = std::fs::remove_dir_all(&base);
                break;
            }
        }
        let _ = std::fs::remove_dir_all(&base);
    }
}

/// `--out` never replaces a directory that is not this generator's output without `--force`;
/// empty and missing directories are fine; `target/` and `Cargo.lock` survive a regeneration.
#[test]
fn cli_out_refuses_foreign_directories_without_force() {
    let dir = common::temp_dir("out-safety");
    let spec = common::fixture("enums.yaml");
    let portion = common::fixture("portion.toml");
    let mine = dir.join("mine");
    let user = files_of(&[("src/main.rs", "fn main() {}\n"), ("NOTES.md", "my notes\n")]);
    put(&mine, &user);
    let o = xtask_gen(&spec, &portion, &mine, &[]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains(&mine.display().to_string()) && stderr.contains("--force"), "{stderr}");
    assert!(stderr.contains("NOTES.md") && !stderr.contains("panicked"), "{stderr}");
    assert_eq!(tree(&mine), user, "a refused directory is untouched");

    let o = xtask_gen(&spec, &portion, &mine, &["--force"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(mine.join("api.json").is_file() && !mine.join("NOTES.md").exists());

    // Now it is ours: regenerating keeps the user's build products.
    put(&mine, &files_of(&[("target/debug/x", "built\n"), ("Cargo.lock", "# lock\n")]));
    let o = xtask_gen(&spec, &portion, &mine, &[]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(std::fs::read_to_string(mine.join("target/debug/x")).unwrap(), "built\n");
    assert_eq!(std::fs::read_to_string(mine.join("Cargo.lock")).unwrap(), "# lock\n");

    // Empty, missing (with missing parents) and build-products-only directories are fine.
    let empty = dir.join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    let only_target = dir.join("only-target");
    put(&only_target, &files_of(&[("target/x", "x\n")]));
    for out in [empty, dir.join("x/y/z"), only_target] {
        let o = xtask_gen(&spec, &portion, &out, &[]);
        assert!(o.status.success(), "{out:?}: {}", String::from_utf8_lossy(&o.stderr));
        assert!(out.join("api.json").is_file(), "{out:?}");
    }

    // Output of an older generator (an `@generated` header, no manifest) counts as ours.
    let older = dir.join("older");
    put(&older, &files_of(&[("src/lib.rs", "// @generated by plaid-idv-generator from \"x\" 1\nold\n")]));
    let o = xtask_gen(&spec, &portion, &older, &[]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let _ = std::fs::remove_dir_all(&dir);
}

/// The required mode (`PLAID_IDV_REQUIRE_ALL=1`, or `CI=true`): a prerequisite a newcomer's run
/// skips is a failure naming what is missing and how to install it. Run end to end on this very
/// test binary, with `../shared` pointed at a directory that does not exist.
#[test]
fn required_mode_fails_where_a_newcomer_skips() {
    use common::Prereq::*;
    for (p, install) in [
        (PlaidSpec, "../shared"),
        (PublishedSpecs, "../shared"),
        (Prism, "npm ci --prefix .ci"),
        (SemverChecks, "cargo install --locked cargo-semver-checks"),
    ] {
        let skip = common::skip_line("t", p, false);
        let fail = common::skip_line("t", p, true);
        assert!(skip.starts_with("SKIP t: ") && skip.contains(install), "{skip}");
        assert!(fail.starts_with("REQUIRED t: ") && fail.contains(install) && fail.contains(&p.what()), "{fail}");
    }
    let run = |env: &[(&str, &str)]| {
        let mut cmd = std::process::Command::new(std::env::current_exe().unwrap());
        cmd.args(["our_portion_selects_plaids_idv_portion", "--exact", "--test-threads=1"])
            .env("PLAID_IDV_SHARED", "/nonexistent/shared")
            .env_remove("CI")
            .env_remove("PLAID_IDV_REQUIRE_ALL");
        for (k, v) in env {
            cmd.env(k, v);
        }
        let out = cmd.output().unwrap();
        (
            out.status.success(),
            format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)),
        )
    };
    let missing = "/nonexistent/shared/plaid-openapi/2020-09-14.yml not found";
    for env in [&[][..], &[("CI", "true"), ("PLAID_IDV_REQUIRE_ALL", "0")][..]] {
        let (ok, log) = run(env);
        assert!(
            ok && log.contains(&format!("SKIP our_portion_selects_plaids_idv_portion: {missing}")),
            "{env:?}: {log}"
        );
    }
    for env in [&[("CI", "true")][..], &[("PLAID_IDV_REQUIRE_ALL", "1")][..]] {
        let (ok, log) = run(env);
        assert!(
            !ok && log
                .contains(&format!("REQUIRED our_portion_selects_plaids_idv_portion: {missing}; install: check out")),
            "{env:?}: {log}"
        );
    }
}

#[test]
fn our_portion_selects_plaids_idv_portion() {
    let Some(spec) = common::plaid_spec() else {
        common::skip("our_portion_selects_plaids_idv_portion", common::Prereq::PlaidSpec);
        return;
    };
    let root = common::root();
    let ours = generate(&root.join("spec/plaid-idv.yaml"), &root.join("spec/portion.toml")).unwrap();
    let plaid = generate(&spec, &root.join("spec/portion.toml")).expect("Plaid's spec generates");
    let ops = |o: &plaid_idv_generator::Output| o.ir.operations.iter().map(|op| op.path.clone()).collect::<Vec<_>>();
    for p in ops(&ours) {
        assert!(ops(&plaid).contains(&p), "{p} missing from Plaid's selection");
    }
    let whs = |o: &plaid_idv_generator::Output| {
        o.ir.webhooks
            .iter()
            .map(|w| (w.variant.clone(), w.webhook_type.clone(), w.webhook_code.clone()))
            .collect::<Vec<_>>()
    };
    assert_eq!(whs(&ours), whs(&plaid), "the same Webhook enum from both specs");
    assert!(plaid.ir.types.len() > 150, "{} types", plaid.ir.types.len());
}

/// `cargo xtask gen` summarizes what changed against the current output's API manifest.
#[test]
fn regenerating_prints_a_change_summary() {
    let dir = common::temp_dir("gen-summary");
    let out = dir.join("gen");
    let portion = common::fixture("portion.toml");
    let old = std::fs::read_to_string(common::fixture("enums.yaml")).unwrap();
    let new = old.replace("enum: [LIGHT, DARK, null]", "enum: [LIGHT, DARK, SYSTEM, null]");
    assert_ne!(old, new, "fixture edit applies");
    for (i, text) in [old, new].into_iter().enumerate() {
        let spec = dir.join(format!("spec{i}.yaml"));
        std::fs::write(&spec, text).unwrap();
        let o = xtask_gen(&spec, &portion, &out, &[]);
        let stdout = String::from_utf8_lossy(&o.stdout);
        assert!(o.status.success(), "{stdout}{}", String::from_utf8_lossy(&o.stderr));
        if i == 0 {
            assert!(stdout.contains("no API manifest yet"), "{stdout}");
        } else {
            assert!(stdout.contains("1 API change(s) (1 variant added)"), "{stdout}");
            assert!(stdout.contains("variant added `AppearanceMode::System`"), "{stdout}");
            assert!(stdout.contains("recommended bump: minor"), "{stdout}");
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_webhook_without_discriminators_names_the_property() {
    let spec = format!("{HEAD}components:\n  schemas:\n    AWebhook:\n      type: object\n      properties:\n        webhook_type: {{type: string}}\n        webhook_code: {{type: string}}\n");
    let e = generate_from(spec.as_bytes(), "x.yaml", &portion()).unwrap_err();
    assert_eq!(e.location, "#/components/schemas/AWebhook/properties/webhook_type", "{e}");
}

/// Our spec stays fully documented as it evolves: every schema and every property has prose (or
/// takes its type's), nothing is a placeholder, and every enum value is explained, except enums
/// whose values name themselves.
#[test]
fn our_spec_documents_everything() {
    const SELF_DESCRIBING: [&str; 3] = ["CountryCode", "Products", "RiskCheckLinkedService"];
    let text = std::fs::read_to_string(common::root().join("spec/plaid-idv.yaml")).unwrap();
    let doc: serde_json::Value =
        serde_json::to_value(serde_yaml::from_str::<serde_yaml::Value>(&text).unwrap()).unwrap();
    let schemas = doc.pointer("/components/schemas").and_then(|v| v.as_object()).unwrap();
    let placeholder = |d: &str| {
        d.starts_with("Possible values for")
            || (d.ends_with(" value.") || d.ends_with(" object.")) && d.starts_with("The ")
    };
    let mut problems = Vec::new();
    for (name, s) in schemas {
        match s.get("description").and_then(|d| d.as_str()) {
            None => problems.push(format!("{name}: no description")),
            Some(d) if placeholder(d) => problems.push(format!("{name}: placeholder {d:?}")),
            _ => {}
        }
        for (p, ps) in s.get("properties").and_then(|v| v.as_object()).into_iter().flatten() {
            let own = ps.get("description").and_then(|d| d.as_str());
            if own.is_none() && ps.get("$ref").is_none() && ps.get("allOf").is_none() {
                problems.push(format!("{name}.{p}: no description"));
            }
        }
        if let (Some(values), false) =
            (s.get("enum").and_then(|e| e.as_array()), SELF_DESCRIBING.contains(&name.as_str()))
        {
            let described = s.get("x-enum-descriptions").and_then(|x| x.as_object());
            for v in values.iter().filter_map(|v| v.as_str()) {
                if !described.is_some_and(|m| m.contains_key(v)) {
                    problems.push(format!("{name}: enum value {v:?} has no x-enum-descriptions entry"));
                }
            }
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
}

/// The struct `ty` of `out` and its field with wire name `wire`.
fn field<'o>(out: &'o plaid_idv_generator::Output, ty: &str, wire: &str) -> &'o Field {
    match out.ir.types.get(ty).map(|t| &t.kind) {
        Some(Kind::Struct { fields, .. }) => {
            fields.iter().find(|f| f.wire == wire).unwrap_or_else(|| panic!("{ty} has no field {wire}: {fields:#?}"))
        }
        other => panic!("{ty} is not a struct: {other:?}"),
    }
}

fn named(n: &str) -> Ty {
    Ty::Named(n.into())
}

/// Response keys that are not identifiers (`2 ok`, `2XX`) make snake_case example test names
/// instead of a panic or a `non_snake_case` warning.
#[test]
fn odd_response_keys_make_snake_case_test_names() {
    let out = common::gen_fixture("response_keys.yaml");
    let names: Vec<&str> = out.ir.examples.iter().map(|e| e.test_name.as_str()).collect();
    assert_eq!(names, ["thing_count_2xx_named_example", "thing_get_2xx_example", "thing_list_2_ok_example"]);
    let tests = &out.files["src/spec_examples.rs"];
    for n in names {
        assert!(tests.contains(&format!("fn {n}()")), "{n} missing:\n{tests}");
        assert!(out.files.contains_key(&format!("spec-examples/{n}.json")), "{n}.json");
    }
}

/// A general `allOf` whose members are all scalars is that scalar: an enum narrowed by a string
/// member stays the enum, a member with only a description adds nothing, `number` and `integer`
/// meet at the integer, and a component schema of that form is inlined like any alias.
#[test]
fn allof_of_scalars_resolves_to_the_scalar() {
    let out = common::gen_fixture("allof_scalars.yaml");
    let scope = field(&out, "PaymentExecuteResponse", "scope");
    assert_eq!((&scope.ty, scope.shape().is_nullable()), (&named("ConsentScope"), true), "{scope:?}");
    assert_eq!(scope.doc.as_deref(), Some("The scope used."));
    let user = field(&out, "PaymentExecuteResponse", "user_id");
    assert_eq!((&user.ty, user.shape().is_nullable(), user.doc.as_deref()), (&Ty::String, false, Some("The user.")));
    let report = field(&out, "PaymentExecuteResponse", "report");
    assert_eq!((&report.ty, report.doc.as_deref()), (&named("ReportKind"), Some("A member with only a description.")));
    assert_eq!(field(&out, "PaymentExecuteResponse", "level").ty, Ty::I32);
    assert_eq!(field(&out, "PaymentExecuteResponse", "alias_scope").ty, named("ConsentScope"));
    let req = field(&out, "PaymentExecuteRequest", "scope");
    assert_eq!((&req.ty, req.shape().explicit_null(), req.deprecated), (&named("ConsentScope"), true, true), "{req:?}");
    assert!(!out.ir.types.contains_key("ScopeAlias"), "a scalar allOf component is not a struct");
    let empty: Vec<&str> = out
        .ir
        .types
        .values()
        .filter(|t| matches!(&t.kind, Kind::Struct { fields, .. } if fields.is_empty()))
        .map(|t| t.name.as_str())
        .collect();
    assert!(empty.is_empty(), "empty structs: {empty:?}");
}

#[test]
fn conflicting_allof_scalars_are_a_located_error() {
    let field_level = format!(
        "{HEAD}components:\n  schemas:\n    AWebhook:\n      type: object\n      properties:\n        webhook_type: {{type: string, enum: [A]}}\n        webhook_code: {{type: string, enum: [B]}}\n        x: {{allOf: [{{type: string}}, {{type: integer}}]}}\n"
    );
    let e = gen_err(&field_level);
    assert_eq!(e.location, "#/components/schemas/AWebhook/properties/x/allOf/1", "{e}");
    assert!(e.message.contains("string") && e.message.contains("integer"), "{e}");
    let component = format!(
        "{HEAD}components:\n  schemas:\n    AWebhook:\n      type: object\n      properties:\n        webhook_type: {{type: string, enum: [A]}}\n        webhook_code: {{type: string, enum: [B]}}\n        x: {{$ref: '#/components/schemas/Both'}}\n    Both:\n      allOf: [{{$ref: '#/components/schemas/Mode'}}, {{type: boolean}}]\n    Mode: {{type: string, enum: [a, b]}}\n"
    );
    let e = gen_err(&component);
    assert_eq!(e.location, "#/components/schemas/Both/allOf/1", "{e}");
    assert!(e.message.contains("Mode") && e.message.contains("boolean"), "{e}");
}

/// A schema whose `enum` lists `null` is nullable, with or without `nullable: true`.
#[test]
fn an_enum_listing_null_is_nullable() {
    let out = common::gen_fixture("null_enums.yaml");
    let f = field(&out, "PayResponse", "frequency");
    assert_eq!((&f.ty, f.shape()), (&named("PayFrequencyValue"), FieldShape::Nullable), "{f:?}");
    let codes = field(&out, "PayResponse", "codes");
    assert_eq!(codes.ty, Ty::Vec(Box::new(Ty::Nullable(Box::new(named("RationaleCode"))))));
    assert!(out.files["src/types.rs"].contains("pub frequency: Option<PayFrequencyValue>,"));
}

/// `description`, `example`, `examples` and `x-examples` are prose keywords of the schema
/// language, but under `properties` they are property names: their `$ref`s are selected.
#[test]
fn property_names_that_are_keywords_are_followed() {
    let spec = common::fixture("property_keywords.yaml");
    let portion_path = common::fixture("portion.toml");
    let doc = plaid_idv_generator::extract_portion(&spec, &portion_path).unwrap();
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    for s in ["SweepDescription", "WidgetId", "TemplateId", "Note", "Extra"] {
        assert!(schemas.contains_key(s), "{s} not selected: {:?}", schemas.keys().collect::<Vec<_>>());
    }
    let mut refs = Vec::new();
    fn refs_in(v: &serde_json::Value, out: &mut Vec<String>) {
        match v {
            serde_json::Value::Object(m) => m.iter().for_each(|(k, c)| match (k.as_str(), c) {
                ("$ref", serde_json::Value::String(r)) => out.push(r.clone()),
                _ => refs_in(c, out),
            }),
            serde_json::Value::Array(a) => a.iter().for_each(|c| refs_in(c, out)),
            _ => {}
        }
    }
    refs_in(&doc, &mut refs);
    for r in refs {
        let name = r.trim_start_matches("#/components/schemas/");
        assert!(schemas.contains_key(name), "dangling {r} in the extracted document");
    }
    let out = common::gen_fixture("property_keywords.yaml");
    let d = field(&out, "DepositRequest", "description");
    assert_eq!(
        (&d.ty, d.shape().is_nullable(), d.doc.as_deref()),
        (&Ty::String, true, Some("Short text for the bank statement."))
    );
    assert_eq!(field(&out, "DepositRequest", "example").ty, named("WidgetId"));
    assert_eq!(field(&out, "DepositRequest", "examples").ty, Ty::Vec(Box::new(named("TemplateId"))));
    assert_eq!(field(&out, "DepositRequest", "x-examples").ty, named("Note"));
    assert_eq!(field(&out, "DepositRequest", "properties").ty, named("Extra"));
    assert!(matches!(out.ir.types["WidgetId"].kind, Kind::Newtype { .. }));
}

/// Errors inside an inline enum carry the enum's own pointer once.
#[test]
fn errors_inside_inline_enums_have_one_pointer_prefix() {
    let spec = format!(
        "{HEAD}components:\n  schemas:\n    AWebhook:\n      type: object\n      properties:\n        webhook_type: {{type: string, enum: [A]}}\n        webhook_code: {{type: string, enum: [B]}}\n        mode:\n          type: string\n          enum: [fast, slow]\n          x-enum-descriptions: {{medium: Neither.}}\n"
    );
    let e = gen_err(&spec);
    assert_eq!(e.location, "#/components/schemas/AWebhook/properties/mode/x-enum-descriptions/medium", "{e}");
}

/// Operations that name no generated type (responses that are any JSON) do not import the
/// `types` module, which would be an unused import under `-D warnings`.
#[test]
fn untyped_operations_do_not_import_types() {
    let out = common::gen_fixture("untyped_operations.yaml");
    let ops = &out.files["src/operations.rs"];
    assert!(ops.contains("pub async fn ping("), "{ops}");
    assert!(!ops.contains("use crate::types;"), "{ops}");
    let typed = common::gen_fixture("response_keys.yaml");
    assert!(typed.files["src/operations.rs"].contains("use crate::types;"));
}

/// Every method the runtime defines on `Client` (parsed here with syn, independently of the
/// generator) is reserved, and the fixture `client_method_names.yaml` uses each as an
/// operationId, so `tests/builds.rs` proves the generated crate still compiles with them.
#[test]
fn every_client_method_is_reserved_and_in_the_fixture() {
    let fixture = std::fs::read_to_string(common::fixture("client_method_names.yaml")).unwrap();
    let reserved = plaid_idv_generator::naming::client_methods();
    let mut found = 0;
    for file in ["client.rs", "flow.rs", "paginate.rs", "verify.rs", "error.rs", "webhook.rs", "retry.rs"] {
        let src = std::fs::read_to_string(common::root().join("generator/runtime").join(file)).unwrap();
        let ast = syn::parse_file(&src).unwrap();
        for item in ast.items {
            let syn::Item::Impl(imp) = item else { continue };
            let syn::Type::Path(p) = &*imp.self_ty else { continue };
            if p.path.segments.last().map(|s| s.ident.to_string()) != Some("Client".into()) {
                continue;
            }
            for it in imp.items {
                if let syn::ImplItem::Fn(f) = it {
                    let name = f.sig.ident.to_string();
                    found += 1;
                    assert!(reserved.contains(&name), "Client::{name} ({file}) is not reserved");
                    assert!(
                        fixture.contains(&format!("operationId: {name}\n")),
                        "Client::{name} ({file}) is not in the fixture"
                    );
                }
            }
        }
    }
    assert!(found >= 10, "only {found} Client methods found");
    // And the generated methods steer clear of them.
    let out = common::gen_fixture("client_method_names.yaml");
    for op in &out.ir.operations {
        assert!(!reserved.contains(&op.method_name), "{} collides", op.method_name);
    }
}

/// 50 levels of inline objects: every identifier stays within the cap (the crate builds and
/// documents in tests/builds.rs; rustdoc failed with "File name too long" before the cap).
#[test]
fn deep_nesting_gives_capped_names() {
    let out = common::gen_fixture("deep_nesting.yaml");
    assert_eq!(out.ir.types.len(), 51);
    for t in out.ir.types.values() {
        assert!(t.name.len() <= plaid_idv_generator::naming::MAX_IDENT, "{} ({} bytes)", t.name, t.name.len());
    }
    let longest = out.ir.types.keys().map(String::len).max().unwrap();
    assert_eq!(longest, plaid_idv_generator::naming::MAX_IDENT);
}

/// `api.json` carries a format version; a manifest from a newer generator is explained, not
/// misread, and one from before versioning still reads.
#[test]
fn manifest_format_versions_are_checked() {
    use plaid_idv_generator::manifest::{Manifest, ManifestError, FORMAT_VERSION};
    let text = std::fs::read_to_string(common::root().join("generated/api.json")).unwrap();
    let manifest = Manifest::parse(&text).unwrap();
    assert_eq!(manifest.format_version, FORMAT_VERSION);
    // The manifest is written from the IR through its own types, byte for byte what is there.
    assert_eq!(Manifest::of(&manifest.clone().into_ir()).to_json().unwrap(), text);
    let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
    v["format_version"] = (FORMAT_VERSION + 1).into();
    let err = Manifest::parse(&v.to_string()).unwrap_err();
    assert_eq!(err, ManifestError::Newer(FORMAT_VERSION + 1));
    assert!(err.to_string().contains("newer plaid-idv-generator"), "{err}");
    v.as_object_mut().unwrap().remove("format_version");
    assert_eq!(Manifest::parse(&v.to_string()).unwrap().format_version, 1);
    v["types"] = 5.into();
    assert!(matches!(Manifest::parse(&v.to_string()), Err(ManifestError::Unreadable(_))));
}

/// A format-2 manifest (each field's `optional` / `nullable` / `explicit_null` flags, the
/// servers as a list, `auth_headers`) is upgraded when read: every field gets the shape
/// lowering gives it, so the diff against the current IR finds nothing, and `gen` adds no
/// changelog section after a generator upgrade.
#[test]
fn a_format_2_manifest_reads_as_the_same_api() {
    use plaid_idv_generator::manifest::{self, v3, Manifest};
    // Shapes in the manifest, as the IR has them.
    let shape_of = |v: serde_json::Value| -> FieldShape { serde_json::from_value::<v3::FieldShape>(v).unwrap().into() };
    let text = std::fs::read_to_string(common::root().join("generated/api.json")).unwrap();
    let current = manifest::read(&text).unwrap();
    // Write the current manifest the way format 2 did.
    let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
    v["format_version"] = 2.into();
    let root = v.as_object_mut().unwrap();
    for key in ["auth", "features"] {
        root.remove(key);
    }
    root.insert("servers".into(), serde_json::json!([["Sandbox", "https://sandbox.plaid.com"]]));
    root.insert("auth_headers".into(), serde_json::json!({"clientId": "PLAID-CLIENT-ID"}));
    let (mut shapes, mut explicit) = (0, 0);
    for t in root["types"].as_object_mut().unwrap().values_mut() {
        let Some(fields) = t.pointer_mut("/kind/Struct/fields").and_then(|f| f.as_array_mut()) else { continue };
        for f in fields {
            let f = f.as_object_mut().unwrap();
            let shape = shape_of(f.remove("shape").unwrap());
            f.insert("optional".into(), shape.may_be_absent().into());
            f.insert("nullable".into(), shape.is_nullable().into());
            f.insert("explicit_null".into(), shape.explicit_null().into());
            shapes += 1;
            explicit += usize::from(shape.explicit_null());
        }
    }
    assert!(shapes > 100 && explicit > 0, "{shapes} fields, {explicit} with explicit null");
    // Retry rules and pagination had the flags too.
    let flags = |shape: serde_json::Value| {
        let shape = shape_of(shape);
        (shape.options() >= 1, shape.explicit_null())
    };
    let (mut rules, mut pages) = (0, 0);
    for op in v["operations"].as_array_mut().unwrap() {
        if let Some(rule) = op.pointer_mut("/retry/WhenTrue").and_then(|r| r.as_object_mut()) {
            let (optional, explicit_null) = flags(rule.remove("shape").unwrap());
            rule.insert("optional".into(), optional.into());
            rule.insert("explicit_null".into(), explicit_null.into());
            rules += 1;
        }
        if let Some(p) = op.get_mut("pagination").and_then(|p| p.as_object_mut()) {
            let (optional, explicit_null) = flags(p.remove("cursor_shape").unwrap());
            p.insert("cursor_optional".into(), optional.into());
            p.insert("cursor_explicit_null".into(), explicit_null.into());
            let (next_optional, _) = flags(p.remove("next_shape").unwrap());
            p.insert("next_optional".into(), next_optional.into());
            pages += 1;
        }
    }
    assert_eq!((rules, pages), (1, 2));
    assert_eq!(Manifest::parse(&v.to_string()).unwrap().format_version, 2);
    let old = manifest::read(&v.to_string()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(old.types, current.types, "every field's shape is upgraded");
    assert_eq!(old.operations, current.operations, "retry rules and pagination take their fields' shapes");
    let report = plaid_idv_generator::diff::diff(&old, &current, None);
    assert_eq!(report.summary(), "no changes", "{}", report.markdown(true));
    // A flag that is not a boolean is explained with its place.
    let mut bad = v.clone();
    let first = bad["types"].as_object_mut().unwrap().values_mut().find_map(|t| {
        t.pointer_mut("/kind/Struct/fields/0").map(|f| f.as_object_mut().unwrap().insert("optional".into(), 1.into()))
    });
    assert!(first.is_some());
    let err = manifest::read(&bad.to_string()).unwrap_err().to_string();
    assert!(err.contains("cannot be read") && err.contains(".optional: not a boolean"), "{err}");
}

/// Measures, on our spec and every published Plaid spec in ../shared, how many selected
/// component schemas `openapiv3::Schema` represents losslessly (deserialize, serialize, compare
/// as JSON), prints the figures, and asserts what the README's design notes claim from them:
/// every extracted portion deserializes as `openapiv3::OpenAPI`, every selected schema is
/// lossless as JSON, and the schemas typed only as `SchemaKind::Any` are exactly the table's
/// (`Prism*Version`, by count per version).
#[test]
fn openapiv3_schema_losslessness() {
    fn first_difference(a: &serde_json::Value, b: &serde_json::Value, at: &str) -> Option<String> {
        use serde_json::Value;
        match (a, b) {
            (Value::Object(x), Value::Object(y)) => {
                for k in x.keys().chain(y.keys()) {
                    let p = format!("{at}/{k}");
                    match (x.get(k), y.get(k)) {
                        (Some(u), Some(v)) => {
                            if let Some(d) = first_difference(u, v, &p) {
                                return Some(d);
                            }
                        }
                        (u, v) => return Some(format!("{p}: {} → {}", short(u), short(v))),
                    }
                }
                None
            }
            (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
                x.iter().zip(y).enumerate().find_map(|(i, (u, v))| first_difference(u, v, &format!("{at}/{i}")))
            }
            (u, v) if u == v => None,
            (u, v) => Some(format!("{at}: {} → {}", short(Some(u)), short(Some(v)))),
        }
    }
    /// Drops keywords at their default value (`false`, `[]`, `{}`), which mean the same as
    /// absent; values (`enum`, `example`, `default`) are kept as they are.
    fn normalize(v: &serde_json::Value) -> serde_json::Value {
        use serde_json::Value;
        match v {
            Value::Object(m) => Value::Object(
                m.iter()
                    .filter(|(_, v)| {
                        !matches!(v, Value::Bool(false)) && v != &&serde_json::json!([]) && v != &&serde_json::json!({})
                    })
                    .map(|(k, v)| {
                        let keep = matches!(k.as_str(), "enum" | "example" | "examples" | "default");
                        (k.clone(), if keep { v.clone() } else { normalize(v) })
                    })
                    .collect(),
            ),
            Value::Array(a) => Value::Array(a.iter().map(normalize).collect()),
            other => other.clone(),
        }
    }
    fn short(v: Option<&serde_json::Value>) -> String {
        v.map(|v| v.to_string().chars().take(60).collect()).unwrap_or_else(|| "absent".into())
    }
    let root = common::root();
    let portion = root.join("spec/portion.toml");
    let mut specs = vec![root.join("spec/plaid-idv.yaml")];
    let dir = common::published_dir();
    let mut published: Vec<_> = std::fs::read_dir(&dir)
        .map(|d| d.flatten().map(|e| e.path()).filter(|p| p.extension().is_some_and(|x| x == "yml")).collect())
        .unwrap_or_default();
    published.sort();
    if published.is_empty() {
        common::skip("openapiv3_schema_losslessness (published specs)", common::Prereq::PlaidSpec);
    }
    // The README's table: (spec, selected schemas, typed only as `Any`). Our own spec's schema
    // count moves with the spec; it must stay fully typed.
    let table: &[(&str, Option<usize>, usize)] = &[
        ("plaid-idv.yaml", None, 0),
        ("2020-09-14_1.421.0.yml", Some(184), 0),
        ("2020-09-14_1.575.0.yml", Some(216), 3),
        ("2020-09-14_1.674.0.yml", Some(257), 5),
        ("2020-09-14.yml", Some(272), 5),
    ];
    let mut checked = 0;
    specs.extend(published);
    for spec in specs {
        let doc = plaid_idv_generator::extract_portion(&spec, &portion).unwrap();
        let typed: Result<openapiv3::OpenAPI, _> = serde_json::from_value(doc.clone());
        assert!(typed.is_ok(), "{}: the portion is not an openapiv3::OpenAPI: {:?}", spec.display(), typed.err());
        let schemas = doc["components"]["schemas"].as_object().cloned().unwrap_or_default();
        let mut lossy = Vec::new();
        // Schemas with a `type` that the typed model can only hold as `SchemaKind::Any` (JSON
        // kept, types lost), e.g. a `type: string` enum that lists a number.
        let mut untyped = Vec::new();
        for (name, s) in &schemas {
            if let Ok(t) = serde_json::from_value::<openapiv3::Schema>(s.clone()) {
                if s.get("type").is_some() && matches!(t.schema_kind, openapiv3::SchemaKind::Any(_)) {
                    untyped.push(name.clone());
                }
            }
            let back = serde_json::from_value::<openapiv3::Schema>(s.clone())
                .map_err(|e| e.to_string())
                .and_then(|t| serde_json::to_value(t).map_err(|e| e.to_string()));
            match back {
                Ok(b) => {
                    if let Some(d) =
                        first_difference(&normalize(s), &normalize(&b), &format!("#/components/schemas/{name}"))
                    {
                        lossy.push(d);
                    }
                }
                Err(e) => lossy.push(format!("#/components/schemas/{name}: does not deserialize: {e}")),
            }
        }
        let name = spec.file_name().unwrap().to_string_lossy().to_string();
        common::report(&format!(
            "openapiv3 round trip, {name}: {} of {} selected schemas lossless as JSON; {} typed only as Any: {untyped:?}",
            schemas.len() - lossy.len(),
            schemas.len(),
            untyped.len()
        ));
        for l in &lossy {
            common::report(&format!("  lossy: {l}"));
        }
        assert!(lossy.is_empty(), "{name}: every selected schema must round-trip (README): {lossy:#?}");
        assert!(
            untyped.iter().all(|n| n.starts_with("Prism") && n.ends_with("Version")),
            "{name}: only `Prism*Version` schemas may be typed as Any (README): {untyped:?}"
        );
        let (_, count, any) = table
            .iter()
            .find(|(f, ..)| *f == name)
            .unwrap_or_else(|| panic!("{name}: not in the README's losslessness table; add its row"));
        if let Some(count) = count {
            assert_eq!(schemas.len(), *count, "{name}: selected schemas (the README's table says {count})");
        }
        assert_eq!(untyped.len(), *any, "{name}: typed only as Any (the README's table says {any}): {untyped:?}");
        checked += 1;
    }
    let published = checked - 1;
    assert!(
        published == 0 || published == table.len() - 1,
        "{published} published specs; the README's table has {}",
        table.len() - 1
    );
}

/// Pagination comes from `spec/portion.toml`, not from field names: without a declaration a
/// list operation has no page streams, and a declaration the shapes do not fit is a warning.
#[test]
fn pagination_is_declared_in_the_portion() {
    let root = common::root();
    let spec = std::fs::read(root.join("spec/plaid-idv.yaml")).unwrap();
    let mut portion = plaid_idv_generator::portion::Portion::load(&root.join("spec/portion.toml")).unwrap();
    let paged = |p: &plaid_idv_generator::portion::Portion| -> (Vec<String>, Vec<String>) {
        let out = plaid_idv_generator::generate_from(&spec, "plaid-idv.yaml", p).unwrap();
        let ops = out.ir.operations.iter().filter(|o| o.pagination.is_some()).map(|o| o.path.clone()).collect();
        (ops, out.ir.warnings)
    };
    assert_eq!(paged(&portion).0, ["/identity_verification/list", "/dashboard_user/list"]);
    portion.pagination.remove("/dashboard_user/list");
    assert_eq!(paged(&portion).0, ["/identity_verification/list"]);
    portion.pagination.get_mut("/identity_verification/list").unwrap().items = "sessions".into();
    let (ops, warnings) = paged(&portion);
    assert!(ops.is_empty());
    assert!(
        warnings.iter().any(|w| w.contains("#/paths/~1identity_verification~1list") && w.contains("`sessions`")),
        "{warnings:#?}"
    );
}

/// Types that are only ever sent get `Serialize`, and `Deserialize` only with
/// `deserialize-requests` (a large share of the crate's build time; `test-util` turns it on);
/// everything received keeps both.
#[test]
fn sent_only_types_derive_deserialize_only_for_tests() {
    let root = common::root();
    let out =
        plaid_idv_generator::generate(&root.join("spec/plaid-idv.yaml"), &root.join("spec/portion.toml")).unwrap();
    let t = &out.ir.types;
    assert!(t["LinkTokenCreateRequest"].sent_only && t["IdentityVerificationRetryRequest"].sent_only);
    assert!(t["Strategy"].sent_only, "an enum only requests use");
    assert!(!t["IdentityVerificationResponse"].sent_only && !t["PlaidError"].sent_only);
    assert!(!t["IdentityVerificationStatus"].sent_only, "received in responses");
    let types = &out.files["src/types.rs"];
    // The written-out impl (see `emit_deserialize`), gated for a sent-only type, plain for a
    // received one; nothing derives serde's `Deserialize`.
    let sent = "impl<'de> ::serde::Deserialize<'de> for LinkTokenCreateRequest {";
    let at = types.find(sent).expect("LinkTokenCreateRequest has a Deserialize impl");
    assert!(
        types[..at].ends_with("#[cfg(feature = \"deserialize-requests\")]\n"),
        "{}",
        &types[at.saturating_sub(80)..at]
    );
    let received = "impl<'de> ::serde::Deserialize<'de> for IdentityVerification {";
    let at = types.find(received).expect("IdentityVerification has a Deserialize impl");
    assert!(!types[..at].ends_with("#[cfg(feature = \"deserialize-requests\")]\n"));
    for name in ["LinkTokenCreateRequest", "IdentityVerification"] {
        let def = types.find(&format!("pub struct {name} {{")).unwrap();
        let derive = &types[types[..def].rfind("#[derive(").unwrap()..def];
        assert!(!derive.contains("Deserialize"), "{derive}");
    }
    assert!(types.contains("crate::runtime::string_enum!(Strategy, sent_only);"));
}

/// Our spec with `spec/portion.toml`, optionally edited.
fn gen_ours(edit: impl FnOnce(&mut Portion)) -> plaid_idv_generator::Output {
    let root = common::root();
    let mut portion = Portion::load(&root.join("spec/portion.toml")).unwrap();
    edit(&mut portion);
    let bytes = std::fs::read(root.join("spec/plaid-idv.yaml")).unwrap();
    generate_from(&bytes, "plaid-idv.yaml", &portion).unwrap()
}

/// Whether the flow helpers and the fake apply is decided in lowering from what the portion
/// has, and render copies exactly what `ir.features` says.
#[test]
fn flow_and_fake_availability_is_an_ir_fact() {
    let full = gen_ours(|_| {});
    assert!(full.ir.features.flow);
    let seed = full.ir.features.fake.as_ref().map(|f| f.seed_example.as_str());
    assert_eq!(seed, Some("identity_verification_get_200_example_1"));
    assert!(full.files.contains_key("src/flow.rs") && full.files.contains_key("testkit/src/state.rs"));
    assert!(
        full.files["src/lib.rs"].contains("pub mod flow;") && full.files["src/lib.rs"].contains("pub mod __private")
    );
    assert!(full.files["testkit/Cargo.toml"].contains("plaid-idv = { version = \"=0.5.0\""));

    // Without an operation the fake serves (but every one the flow calls): flow, no fake.
    let no_list = gen_ours(|p| p.paths.retain(|x| x != "/webhook_verification_key/get"));
    assert!(no_list.ir.features.flow && no_list.ir.features.fake.is_none());
    assert!(no_list.files.contains_key("src/flow.rs") && !no_list.files.keys().any(|k| k.starts_with("testkit/")));
    assert!(!no_list.files["src/lib.rs"].contains("__private"));

    // Without an operation the flow calls: neither, and a crate README of its own.
    let no_link = gen_ours(|p| p.paths.retain(|x| x != "/link/token/create"));
    assert_eq!((no_link.ir.features.flow, no_link.ir.features.fake.is_some()), (false, false));
    assert!(!no_link.files.contains_key("src/flow.rs") && !no_link.files.contains_key("testkit/src/lib.rs"));
    assert!(!no_link.files["src/lib.rs"].contains("pub mod flow;"), "{}", no_link.files["src/lib.rs"]);
    assert!(!no_link.files["README.md"].contains("@TESTING@"));

    // A fixture has none of it.
    let fixture = common::gen_fixture("enums.yaml");
    let f = &fixture.ir.features;
    assert_eq!((f.flow, f.fake.is_some(), f.verify, f.readme), (false, false, false, false));
    assert!(!fixture.files.contains_key("src/flow.rs"));
}

/// The auth headers and base URLs come from the spec's security schemes and servers (Plaid's
/// when it declares none), and `lib.rs` prints exactly what the IR holds.
#[test]
fn auth_headers_and_servers_come_from_the_spec() {
    use plaid_idv_generator::ir::{AuthHeader, Servers};
    let spec = "openapi: 3.0.3\ninfo: {title: t, version: '2024-01-01_x'}\n\
        servers:\n- {url: 'https://test.example', description: Sandbox (test)}\n- {url: 'https://production.example'}\n\
        paths: {}\ncomponents:\n  securitySchemes:\n\
        \x20   a: {type: apiKey, in: header, name: X-Client}\n\
        \x20   b: {type: apiKey, in: header, name: X-Api-Secret}\n\
        \x20   c: {type: apiKey, in: query, name: version}\n\
        \x20   d: {type: http, scheme: bearer}\n  schemas:\n    PlaidError: {type: object}\n";
    let out = generate_from(spec.as_bytes(), "x.yaml", &portion()).unwrap();
    let ir = &out.ir;
    assert_eq!(ir.auth.client_id, AuthHeader { header: "X-Client".into(), scheme: Some("a".into()) });
    assert_eq!(ir.auth.secret, AuthHeader { header: "X-Api-Secret".into(), scheme: Some("b".into()) });
    // A query parameter is not a header: the version header is Plaid's.
    assert_eq!(ir.auth.version, AuthHeader { header: "Plaid-Version".into(), scheme: None });
    assert_eq!(ir.api_version, "2024-01-01");
    let servers = Servers { sandbox: "https://test.example".into(), production: "https://production.example".into() };
    assert_eq!(ir.servers, servers);
    let lib = &out.files["src/lib.rs"];
    for line in [
        r#"pub const CLIENT_ID_HEADER: &str = "X-Client";"#,
        r#"pub const SECRET_HEADER: &str = "X-Api-Secret";"#,
        r#"pub const VERSION_HEADER: &str = "Plaid-Version";"#,
        r#"pub const API_VERSION: &str = "2024-01-01";"#,
        r#"pub const SANDBOX_URL: &str = "https://test.example";"#,
        r#"pub const PRODUCTION_URL: &str = "https://production.example";"#,
    ] {
        assert!(lib.contains(line), "{line} not in\n{lib}");
    }

    let bare = format!("{HEAD}components:\n  schemas:\n    PlaidError: {{type: object}}\n");
    let bare = generate_from(bare.as_bytes(), "x.yaml", &portion()).unwrap().ir;
    assert_eq!(bare.auth.client_id, AuthHeader { header: "PLAID-CLIENT-ID".into(), scheme: None });
    assert_eq!(bare.auth.secret.header, "PLAID-SECRET");
    assert_eq!(bare.servers.sandbox, "https://sandbox.plaid.com");
    assert_eq!(bare.servers.production, "https://production.plaid.com");

    let e = gen_err(&format!(
        "{HEAD}components:\n  securitySchemes:\n    a: 5\n  schemas:\n    PlaidError: {{type: object}}\n"
    ));
    assert_eq!(e.location, "#/components/securitySchemes/a", "{e}");
}

/// The diff prints a field's type with the emitter's own printer: for every struct field of our
/// spec, the report's text is the type written in `generated/src/types.rs`, paths shortened.
#[test]
fn the_diff_prints_the_types_the_emitter_writes() {
    use plaid_idv_generator::emit::{field_type_text, type_text};
    use quote::ToTokens;
    let out = gen_ours(|_| {});
    let file: syn::File = syn::parse_str(&out.files["src/types.rs"]).unwrap();
    let structs: BTreeMap<String, &syn::ItemStruct> = file
        .items
        .iter()
        .filter_map(|i| match i {
            syn::Item::Struct(s) => Some((s.ident.to_string(), s)),
            _ => None,
        })
        .collect();
    let mut checked = 0;
    for t in out.ir.types.values() {
        let Kind::Struct { fields, .. } = &t.kind else { continue };
        let emitted: Vec<&syn::Field> = structs[&t.name].fields.iter().collect();
        assert_eq!(emitted.len(), fields.len(), "{}", t.name);
        for (f, e) in fields.iter().zip(emitted) {
            assert_eq!(field_type_text(f), type_text(e.ty.to_token_stream()), "{}.{}", t.name, f.wire);
            checked += 1;
        }
    }
    assert!(checked > 300, "{checked}");
}

/// The document's structure is read as `openapiv3` types, each node at its own pointer: a
/// malformed operation, request body, response or media type is an error naming the exact
/// pointer of the offending node (not its untagged or flattened parent), and the valid base
/// generates.
#[test]
fn malformed_operations_name_their_pointer() {
    const OP: &str = "#/paths/~1thing~1get/post";
    let spec = |op: &str| {
        format!(
            "openapi: 3.0.3\ninfo: {{title: t, version: '1'}}\npaths:\n  /thing/get:\n    post:\n{op}\ncomponents:\n  schemas:\n    Thing: {{type: object, properties: {{name: {{type: string}}}}}}\n"
        )
    };
    let ok = "      operationId: thingGet\n      requestBody:\n        content:\n          application/json:\n            schema: {$ref: '#/components/schemas/Thing'}\n      responses:\n        '200':\n          description: ok\n          content:\n            application/json:\n              schema: {$ref: '#/components/schemas/Thing'}\n              examples:\n                one: {value: {name: a}}\n";
    let out = generate_from(spec(ok).as_bytes(), "x.yaml", &portion()).expect("the valid base generates");
    assert_eq!(out.ir.operations.len(), 1);
    assert_eq!(out.ir.examples.len(), 1, "the named example is read from the typed media type");
    let cases: &[(&str, &str, &str, &str)] = &[
        (
            "requestBody.content is a list",
            "        content:\n          application/json:\n            schema: {$ref: '#/components/schemas/Thing'}\n      responses:",
            "        content: [application/json]\n      responses:",
            "/requestBody/content",
        ),
        ("operationId is a number", "      operationId: thingGet", "      operationId: 5", "/operationId"),
        ("deprecated is a string", "      operationId: thingGet", "      operationId: thingGet\n      deprecated: yes please", "/deprecated"),
        ("a parameter is a string", "      operationId: thingGet", "      operationId: thingGet\n      parameters: [5]", "/parameters/0"),
        ("the response has no description", "          description: ok\n", "", "/responses/200"),
        (
            "the response's content is a list",
            "          description: ok\n          content:\n",
            "          description: ok\n          content: [1]\n          x-was-content:\n",
            "/responses/200/content",
        ),
        (
            "examples is a list",
            "              examples:\n                one: {value: {name: a}}\n",
            "              examples: [1]\n",
            "/responses/200/content/application~1json/examples",
        ),
        (
            "an example's summary is a mapping",
            "                one: {value: {name: a}}\n",
            "                one: {summary: {a: 1}, value: {name: a}}\n",
            "/responses/200/content/application~1json/examples/one",
        ),
        (
            "a request body $ref",
            "      requestBody:\n        content:\n          application/json:\n            schema: {$ref: '#/components/schemas/Thing'}\n",
            "      requestBody: {$ref: '#/components/requestBodies/X'}\n",
            "/requestBody",
        ),
    ];
    let no_responses = ok.split("      responses:").next().unwrap();
    let e = gen_err(&spec(&format!("{no_responses}      responses: nope\n")));
    assert_eq!(e.location, format!("{OP}/responses"), "responses is a string: {e}");
    for (what, from, to, at) in cases {
        assert!(ok.contains(from), "{what}: the case does not apply to the base");
        let bad = spec(&ok.replacen(from, to, 1));
        let e = gen_err(&bad);
        assert_eq!(e.location, format!("{OP}{at}"), "{what}: {e}\n{bad}");
    }
    // Servers are typed too: an entry without `url` is named.
    let bad = spec(ok).replacen("paths:", "servers: [{description: no url}]\npaths:", 1);
    assert_eq!(gen_err(&bad).location, "#/servers/0", "a server without url");
}

/// Generates `tests/fixtures/invalid/<stem>.yaml` with its own `<stem>.toml`.
fn gen_invalid(stem: &str) -> plaid_idv_generator::Result<plaid_idv_generator::Output> {
    let dir = common::fixture("invalid");
    let portion = Portion::load(&dir.join(format!("{stem}.toml"))).unwrap_or_else(|e| panic!("{stem}.toml: {e}"));
    let spec = std::fs::read(dir.join(format!("{stem}.yaml"))).unwrap();
    generate_from(&spec, &format!("{stem}.yaml"), &portion)
}

/// Contradictory input that used to generate a crate that does not compile (or fails clippy)
/// fails `gen` with an error at the contradiction: `stem` is a spec in
/// `tests/fixtures/invalid/` with its selection file.
fn assert_invalid(stem: &str, location: &str, words: &[&str]) {
    let e = match gen_invalid(stem) {
        Ok(out) => panic!("{stem}: expected an error, got a crate (warnings: {:#?})", out.ir.warnings),
        Err(e) => e,
    };
    assert_eq!(e.location, location, "{stem}: {e}");
    for w in words {
        assert!(e.message.contains(w), "{stem}: {w:?} not in {e}");
    }
}

/// A paginated cursor mapped to a newtype: `retype` used to change it after the pagination
/// check, and the emitted page loop (`.as_deref()`, `self.cursor = cursor`) did not compile.
/// The portion asked for both, so it is an error at the pagination declaration.
#[test]
fn a_paginated_cursor_mapped_to_a_newtype_is_a_located_error() {
    assert_invalid(
        "cursor_newtype",
        "spec/portion.toml#/pagination/~1widget~1list/cursor",
        &["`Cursor`", "`String`", "field_newtypes"],
    );
}

/// A string field mapped to a newtype of an integer would change the field's JSON.
#[test]
fn retype_refuses_a_newtype_of_another_wire_type() {
    assert_invalid(
        "newtype_wire_type",
        "#/components/schemas/ThingCreatedWebhook/properties/widget_number",
        &["`WidgetNumber`", "#/components/schemas/WidgetNumber", "`i64`"],
    );
}

/// The second webhook with one (`webhook_type`, `webhook_code`) was an unreachable match arm.
#[test]
fn duplicate_webhook_discriminators_are_a_located_error() {
    assert_invalid(
        "duplicate_webhooks",
        "#/components/schemas/ThingMadeWebhook",
        &["THING", "CREATED", "ThingCreatedWebhook"],
    );
}

/// No generator source file is over 500 lines: a file that grows past it is split by concern.
#[test]
fn no_generator_source_file_is_over_500_lines() {
    fn walk(dir: &Path, out: &mut Vec<(String, usize)>) {
        for e in std::fs::read_dir(dir).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push((p.display().to_string(), std::fs::read_to_string(&p).unwrap().lines().count()));
            }
        }
    }
    let mut files = Vec::new();
    walk(&common::root().join("generator/src"), &mut files);
    assert!(files.len() > 30, "{files:?}");
    let long: Vec<_> = files.into_iter().filter(|(_, n)| *n > 500).collect();
    assert!(long.is_empty(), "over 500 lines: {long:?}");
}
