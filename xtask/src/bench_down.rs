//! `cargo xtask bench --only downstream` (#23, issue 26): what a user's own build pays, ours
//! against progenitor 0.15 for the same portion of Plaid's newest spec. Two programs do the same
//! work, calling each IDV operation once and decoding its response (ours also parses and
//! verifies a webhook): `xtask/bench/downstream.rs` and `xtask/bench/downstream_progenitor.rs`.
//! Alternating between the two, five rounds of:
//! - the first build of crate plus program, dependencies prebuilt (`cargo clean -p plaid-idv`,
//!   as a user's CI cache has them);
//! - the rebuild after editing the program (incremental, the edit loop);
//! - the rebuild after regenerating the crate with one field added to `DashboardUser`, as a
//!   maintainer's CI pays on each new Plaid spec.
//!
//! - the rebuild after editing a program that only builds the client (each side's own program
//!   with the operations left out): the floor of the edit loop, rustc's start-up and the link of
//!   the same dependencies, which no crate can go below.
//!
//! Medians, and each as a ratio to progenitor.

use crate::bench::{cargo, cargo_with, copy_dir, median, row, write_crate, Row};
use plaid_idv_generator as g;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const OURS: &str = include_str!("../bench/downstream.rs");
const THEIRS: &str = include_str!("../bench/downstream_progenitor.rs");
const ROUNDS: usize = 5;
/// The schema that gains a field, and the field.
const GROWN: &str = "DashboardUser";
const ADDED: &str = "bench_added_field";

/// Progenitor's crate and the harness's work directory (its `idv.json` and `progenitor-gen`),
/// built once with `../shared/bench/progenitor/build.sh`.
pub fn progenitor_crate(root: &Path) -> Option<(PathBuf, PathBuf)> {
    let spec = root.join("../shared/plaid-openapi/2020-09-14.yml");
    let harness = root.join("../shared/bench/progenitor/build.sh");
    if !spec.exists() || !harness.exists() {
        println!("  SKIP: needs ../shared/plaid-openapi/2020-09-14.yml and ../shared/bench/progenitor/build.sh");
        return None;
    }
    let (krate, work) = (root.join("target/bench-progenitor/crate"), root.join("target/bench-progenitor/work"));
    if !krate.join("src/lib.rs").exists() {
        println!("  building progenitor's crate with the harness (once; a few minutes)");
        let ok = Command::new("bash")
            .arg(&harness)
            .arg(&spec)
            .arg(&krate)
            .env("PROGENITOR_WORK", &work)
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            println!("  the progenitor harness failed; run it by hand to see why");
            return None;
        }
    }
    Some((krate, work))
}

/// `schema` gains a string property `ADDED`, in a spec as JSON.
fn grow(doc: &mut Value) -> bool {
    match doc.pointer_mut(&format!("/components/schemas/{GROWN}/properties")).and_then(Value::as_object_mut) {
        Some(props) => {
            props.insert(ADDED.into(), json!({"type": "string", "description": "added by the bench"}));
            true
        }
        None => false,
    }
}

/// One side of the comparison: its crate directory, and the two versions of its generated
/// files (as read from Plaid's spec, and with the one field added), written in turn.
struct Side {
    name: &'static str,
    dir: PathBuf,
    target: PathBuf,
    versions: [Vec<(PathBuf, String)>; 2],
    program: &'static str,
}

impl Side {
    fn write_version(&self, v: usize) {
        for (rel, text) in &self.versions[v] {
            let _ = std::fs::write(self.dir.join(rel), text);
        }
    }
    fn write_program(&self, marker: usize) {
        let _ = std::fs::create_dir_all(self.dir.join("examples"));
        let _ = std::fs::write(
            self.dir.join("examples/downstream.rs"),
            self.program.replace("marker 0", &format!("marker {marker}")),
        );
    }
    fn build(&self) -> Option<Duration> {
        self.build_example("downstream")
    }
    fn build_example(&self, name: &str) -> Option<Duration> {
        let t = Instant::now();
        cargo_with(&self.dir, &self.target, &["build", "--example", name], true).then(|| t.elapsed())
    }
    /// The floor program: the program's `use` lines and `main`, which builds the client and a
    /// runtime and calls nothing.
    fn write_floor(&self, marker: usize) {
        let uses: String = self.program.lines().filter(|l| l.starts_with("use ")).map(|l| format!("{l}\n")).collect();
        let main = self.program.find("fn main()").map_or("", |at| &self.program[at..]);
        let main = main
            .replace("rt.block_on(all(&c));", "rt.block_on(async { let _ = &c; });")
            .replace("marker 0", &format!("marker {marker}"));
        let _ =
            std::fs::write(self.dir.join("examples/floor.rs"), format!("#![allow(unused_imports)]\n{uses}\n{main}"));
    }
}

fn ours(root: &Path, portion: &g::portion::Portion, tmp: &Path) -> Result<Side, String> {
    let spec = root.join("../shared/plaid-openapi/2020-09-14.yml");
    let text = std::fs::read_to_string(&spec).map_err(|e| e.to_string())?;
    let base: Value = serde_yaml::from_str(&text).map_err(|e| e.to_string())?;
    let mut grown = base.clone();
    if !grow(&mut grown) {
        return Err(format!("{GROWN} has no properties in {}", spec.display()));
    }
    let dir = tmp.join("down-ours/plaid-idv");
    let mut versions: [Vec<(PathBuf, String)>; 2] = [Vec::new(), Vec::new()];
    for (i, doc) in [base, grown].iter().enumerate() {
        let bytes = serde_json::to_vec(doc).map_err(|e| e.to_string())?;
        let out = g::generate_from(&bytes, "plaid.json", portion).map_err(|e| e.to_string())?;
        if i == 0 {
            write_crate(&out.files, &dir);
        }
        versions[i] =
            out.files.into_iter().filter(|(p, _)| p.ends_with(".rs")).map(|(p, t)| (PathBuf::from(p), t)).collect();
    }
    let changed = versions[0].iter().zip(&versions[1]).filter(|(a, b)| a.1 != b.1).count();
    println!("  ours: the added field changes {changed} source files");
    Ok(Side { name: "ours", dir, target: root.join("target/bench-down-ours"), versions, program: OURS })
}

fn theirs(root: &Path, krate: &Path, work: &Path, tmp: &Path) -> Result<Side, String> {
    let gen = work.join("target/release/progenitor-gen");
    let spec = work.join("idv.json");
    let mut doc: Value =
        serde_json::from_str(&std::fs::read_to_string(&spec).map_err(|e| e.to_string())?).map_err(|e| e.to_string())?;
    if !grow(&mut doc) {
        return Err(format!("{GROWN} has no properties in {}", spec.display()));
    }
    let grown_spec = tmp.join("idv-grown.json");
    std::fs::write(&grown_spec, doc.to_string()).map_err(|e| e.to_string())?;
    let grown_dir = tmp.join("down-progenitor-grown");
    let ok = Command::new(&gen).arg(&grown_spec).arg(&grown_dir).status().is_ok_and(|s| s.success());
    if !ok {
        return Err(format!("{} failed on the grown spec", gen.display()));
    }
    let dir = tmp.join("down-progenitor/plaid-idv");
    copy_dir(krate, &dir);
    // The program's runtime, as the user's own dev-dependency.
    let manifest = std::fs::read_to_string(dir.join("Cargo.toml")).map_err(|e| e.to_string())?;
    let manifest = manifest.replace(
        "\n[workspace]",
        "\n[dev-dependencies]\ntokio = { version = \"1\", features = [\"rt\"] }\n\n[workspace]",
    );
    std::fs::write(dir.join("Cargo.toml"), manifest).map_err(|e| e.to_string())?;
    let read = |d: &Path| std::fs::read_to_string(d.join("src/lib.rs")).map_err(|e| e.to_string());
    let versions =
        [vec![(PathBuf::from("src/lib.rs"), read(krate)?)], vec![(PathBuf::from("src/lib.rs"), read(&grown_dir)?)]];
    Ok(Side {
        name: "progenitor 0.15",
        dir,
        target: root.join("target/bench-down-progenitor"),
        versions,
        program: THEIRS,
    })
}

pub fn run(root: &Path, portion: &g::portion::Portion, tmp: &Path, rows: &mut Vec<Row>) {
    let Some((krate, work)) = progenitor_crate(root) else { return };
    let sides = match (ours(root, portion, tmp), theirs(root, &krate, &work, tmp)) {
        (Ok(a), Ok(b)) => [a, b],
        (Err(e), _) | (_, Err(e)) => return println!("  cannot set up the downstream programs: {e}"),
    };
    for s in &sides {
        s.write_version(0);
        s.write_program(0);
        s.write_floor(0);
        if s.build().is_none() || s.build_example("floor").is_none() {
            return println!(
                "  {}'s downstream program does not build; see `cargo build --example downstream` in {}",
                s.name,
                s.dir.display()
            );
        }
    }
    let mut first = [Vec::new(), Vec::new()];
    let mut edit = [Vec::new(), Vec::new()];
    let mut regen = [Vec::new(), Vec::new()];
    let mut floor = [Vec::new(), Vec::new()];
    for round in 0..ROUNDS {
        for (i, s) in sides.iter().enumerate() {
            s.write_program(round + 1);
            edit[i].extend(s.build());
            s.write_floor(round + 1);
            floor[i].extend(s.build_example("floor"));
            // Toggle the field: every round regenerates into a changed crate.
            s.write_version((round + 1) % 2);
            regen[i].extend(s.build());
            cargo(&s.dir, &s.target, &["clean", "-p", "plaid-idv"]);
            first[i].extend(s.build());
        }
    }
    for (what, times, target) in [
        ("first build of crate + program, dependencies prebuilt", first, Some(0.5)),
        ("rebuild after editing the program", edit, Some(0.5)),
        ("rebuild after regenerating the crate with one field added", regen, None),
        ("rebuild after editing a program that only builds the client (the edit loop's floor)", floor, None),
    ] {
        if times.iter().any(|t| t.len() != ROUNDS) {
            println!("  {what}: a build failed");
            continue;
        }
        let per_round: Vec<String> =
            times[0].iter().zip(&times[1]).map(|(o, p)| format!("{:.2}", o.as_secs_f64() / p.as_secs_f64())).collect();
        let [o, p] = times.map(median);
        let ratio = o.as_secs_f64() / p.as_secs_f64();
        row(
            rows,
            &format!("downstream program, ours vs progenitor 0.15: {what}"),
            format!(
                "{:.2} s vs {:.2} s: ratio {ratio:.2} (medians of {ROUNDS}; each round: {})",
                o.as_secs_f64(),
                p.as_secs_f64(),
                per_round.join(", ")
            ),
            &target.map(|t| format!("≤ {t}")).unwrap_or_default(),
            target.map(|t| ratio <= t),
        );
    }
}
