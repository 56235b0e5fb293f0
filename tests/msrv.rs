//! The generated crate's `rust-version` agrees with the dependency tree a user resolves for it.
//!
//! `generated/` is copied to a directory of its own, resolved from scratch with MSRV-aware
//! resolution (`CARGO_RESOLVER_INCOMPATIBLE_RUST_VERSIONS=fallback`, what `resolver = "3"` does),
//! and `cargo metadata` is read for default features and for all features: every package the
//! crate reaches (dev-dependencies included: `.ci/run` runs the crate's own tests with the
//! declared toolchain) must declare a `rust-version` no newer than the crate's. `.ci/run` then
//! builds and tests the crate with that toolchain (Debian's `rustc-web`).

mod common;

use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let (src, dst) = (e.path(), to.join(e.file_name()));
        if e.file_type().unwrap().is_dir() {
            copy_dir(&src, &dst);
        } else {
            std::fs::copy(&src, &dst).unwrap();
        }
    }
}

/// The `rust-version` a manifest declares.
fn declared(manifest: &str) -> String {
    manifest
        .lines()
        .find_map(|l| l.strip_prefix("rust-version = \""))
        .and_then(|r| r.strip_suffix('"'))
        .expect("the generated Cargo.toml declares rust-version")
        .to_string()
}

fn version_key(v: &str) -> Vec<u64> {
    let mut k: Vec<u64> = v.split('.').map(|n| n.parse().unwrap_or(0)).collect();
    k.resize(3, 0);
    k
}

/// A copy of `generated/` as its own workspace, declaring `rust_version`, resolved with
/// MSRV-aware resolution.
fn resolved_copy(tag: &str, rust_version: Option<&str>) -> (common::TempDir, String) {
    let dir = common::temp_dir(tag);
    copy_dir(&common::root().join("generated"), &dir);
    let manifest_path = dir.join("Cargo.toml");
    let mut manifest = std::fs::read_to_string(&manifest_path).unwrap();
    if let Some(v) = rust_version {
        manifest = manifest
            .replace(&format!("rust-version = \"{}\"", declared(&manifest)), &format!("rust-version = \"{v}\""));
    }
    manifest.push_str("\n[workspace]\n");
    std::fs::write(&manifest_path, &manifest).unwrap();
    let out = Command::new(env!("CARGO"))
        .args(["generate-lockfile"])
        .current_dir(&dir)
        .env("CARGO_RESOLVER_INCOMPATIBLE_RUST_VERSIONS", "fallback")
        .output()
        .unwrap();
    assert!(out.status.success(), "cargo generate-lockfile: {}", String::from_utf8_lossy(&out.stderr));
    let v = declared(&manifest);
    (dir, v)
}

/// Every package in the resolved tree (for these features, every target platform, normal,
/// build and dev dependencies) whose `rust-version` is newer than `msrv`, each with the path
/// that pulls it in. `rust-version`s come from `cargo metadata`; which packages are in the tree
/// comes from `cargo tree`, which resolves features as a build does (`cargo metadata`'s resolve
/// graph also lists optional dependencies that only a weak feature `dep?/f` names, such as
/// reqwest's quinn, which nothing here builds).
fn newer_than_declared(dir: &Path, msrv: &str, all_features: bool) -> (usize, Vec<String>) {
    let features: &[&str] = if all_features { &["--all-features"] } else { &[] };
    let out = Command::new(env!("CARGO"))
        .args(["metadata", "--format-version", "1", "--locked"])
        .args(features)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(out.status.success(), "cargo metadata: {}", String::from_utf8_lossy(&out.stderr));
    let meta: Value = serde_json::from_slice(&out.stdout).unwrap();
    let rust_version: BTreeMap<String, Option<String>> = meta["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            let key = format!("{} v{}", p["name"].as_str().unwrap(), p["version"].as_str().unwrap());
            (key, p["rust_version"].as_str().map(str::to_string))
        })
        .collect();
    let out = Command::new(env!("CARGO"))
        .args(["tree", "--locked", "-e", "normal,build,dev", "--target", "all", "--prefix", "depth", "--format", "{p}"])
        .args(features)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(out.status.success(), "cargo tree: {}", String::from_utf8_lossy(&out.stderr));
    let mut stack: Vec<String> = Vec::new();
    let mut seen = BTreeSet::new();
    let mut too_new = Vec::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let depth_len = line.chars().take_while(char::is_ascii_digit).count();
        let Ok(depth) = line[..depth_len].parse::<usize>() else { continue };
        let mut words = line[depth_len..].split(' ');
        let key = format!("{} {}", words.next().unwrap_or_default(), words.next().unwrap_or_default());
        stack.truncate(depth);
        stack.push(key.replace(" v", "@"));
        if !seen.insert(key.clone()) {
            continue;
        }
        let rv = rust_version.get(&key).unwrap_or_else(|| panic!("{key}: in cargo tree, not in cargo metadata"));
        if let Some(rv) = rv.as_deref().filter(|rv| version_key(rv) > version_key(msrv)) {
            too_new.push(format!("{} requires rustc {rv} (declared {msrv}), via {}", stack[depth], stack.join(" → ")));
        }
    }
    (seen.len(), too_new)
}

#[test]
fn declared_rust_version_holds_for_the_resolved_tree() {
    let (dir, msrv) = resolved_copy("msrv", None);
    for all_features in [false, true] {
        let (count, too_new) = newer_than_declared(&dir, &msrv, all_features);
        let which = if all_features { "all features" } else { "default features" };
        common::report(&format!(
            "msrv: {count} packages resolved for {which} under rust-version {msrv}, {} newer",
            too_new.len()
        ));
        assert!(count > 50, "{which}: only {count} packages resolved");
        assert!(
            too_new.is_empty(),
            "with MSRV-aware resolution, the generated crate's tree ({which}) needs a newer Rust than its \
             rust-version {msrv} (spec/portion.toml `rust_version`):\n{}",
            too_new.join("\n")
        );
    }
    let _ = std::fs::remove_dir_all(&dir);

    // The check can fail: declared 1.63 (older than tokio's, rustls's and the icu crates'
    // minimum), the same resolution leaves packages that need more, each named with its path.
    let (dir, low) = resolved_copy("msrv-low", Some("1.63"));
    let (_, too_new) = newer_than_declared(&dir, &low, true);
    assert!(
        too_new.iter().any(|l| l.contains(" requires rustc ") && l.contains(" via plaid-idv@")),
        "declared 1.63, nothing found newer: {too_new:#?}"
    );
    common::report(&format!(
        "msrv: declared 1.63 for comparison: {} packages newer, e.g. {}",
        too_new.len(),
        too_new[0]
    ));
    let _ = std::fs::remove_dir_all(&dir);
}

/// The crate README's "Minimum supported Rust" states the version the manifest declares (both
/// come from `spec/portion.toml`'s `rust_version`; the README's text is checked here).
#[test]
fn the_crate_readme_states_the_declared_version() {
    let root = common::root();
    let msrv = declared(&std::fs::read_to_string(root.join("generated/Cargo.toml")).unwrap());
    let readme = std::fs::read_to_string(root.join("generator/runtime/README.md"))
        .unwrap()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        readme.contains("## Minimum supported Rust This crate declares")
            && readme.contains(&format!("**Rust {msrv}**")),
        "generator/runtime/README.md must state rust-version {msrv} as **Rust {msrv}**"
    );
    assert!(readme.contains(&format!("`rustc-web` {msrv}.")), "the README names the toolchain CI uses for {msrv}");
}
