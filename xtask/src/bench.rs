//! `cargo xtask bench`: prints generation, crate size/build, decode and client figures in one
//! table, next to their targets. Timings are medians; ratios come from one run.

use plaid_idv_generator as g;
use serde_json::Value;
use std::path::Path;
use std::process::{Command, ExitCode};
use std::time::{Duration, Instant};

pub(crate) fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn time<T>(runs: usize, mut f: impl FnMut() -> T) -> Duration {
    median(
        (0..runs)
            .map(|_| {
                let t = Instant::now();
                std::hint::black_box(f());
                t.elapsed()
            })
            .collect(),
    )
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1e3)
}

pub(crate) struct Row {
    what: String,
    figure: String,
    target: String,
    met: String,
}

pub(crate) fn row(rows: &mut Vec<Row>, what: &str, figure: String, target: &str, met: Option<bool>) {
    let met = match met {
        Some(true) => "yes".to_string(),
        Some(false) => "**no**".to_string(),
        None => String::new(),
    };
    println!("  {what}: {figure}");
    rows.push(Row { what: what.into(), figure, target: target.into(), met });
}

/// Our spec replicated `n` times under new names, refs rewritten: a synthetic n× portion.
fn replicate(doc: &Value, n: usize) -> Value {
    let mut out = doc.clone();
    let schemas = doc["components"]["schemas"].as_object().cloned().unwrap_or_default();
    let paths = doc["paths"].as_object().cloned().unwrap_or_default();
    let (mut s2, mut p2) = (serde_json::Map::new(), serde_json::Map::new());
    for i in 0..n {
        let suffix = if i == 0 { String::new() } else { format!("Copy{i}") };
        let rewrite = |v: &Value| -> Value {
            let text = v.to_string().replace("\"#/components/schemas/", &format!("\"#/components/schemas/{suffix}"));
            let mut v: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
            if let Some(id) = v.pointer_mut("/post/operationId") {
                *id = Value::String(format!("{}{suffix}", id.as_str().unwrap_or("op")));
            }
            v
        };
        for (k, v) in &schemas {
            s2.insert(format!("{suffix}{k}"), rewrite(v));
        }
        for (k, v) in &paths {
            p2.insert(format!("{k}{}", if i == 0 { String::new() } else { format!("_{i}") }), rewrite(v));
        }
    }
    out["components"]["schemas"] = Value::Object(s2);
    out["paths"] = Value::Object(p2);
    out
}

pub(crate) fn cargo(dir: &Path, target: &Path, args: &[&str]) -> bool {
    cargo_with(dir, target, args, false)
}

/// `cargo ARGS` in `dir`; `incremental` as a developer's own crate builds (the default for
/// `dev`), otherwise off, as dependencies build.
pub(crate) fn cargo_with(dir: &Path, target: &Path, args: &[&str], incremental: bool) -> bool {
    cargo_command(dir, target, args, incremental).status().is_ok_and(|s| s.success())
}

/// The command [`cargo_with`] runs, output silenced, for a caller that sets more of it.
pub(crate) fn cargo_command(dir: &Path, target: &Path, args: &[&str], incremental: bool) -> Command {
    let mut cargo = Command::new(env!("CARGO"));
    cargo
        .args(args)
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", target)
        .env("CARGO_INCREMENTAL", if incremental { "1" } else { "0" })
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    cargo
}

pub(crate) fn copy_dir(from: &Path, to: &Path) {
    let _ = std::fs::create_dir_all(to);
    for e in std::fs::read_dir(from).into_iter().flatten().flatten() {
        let (p, t) = (e.path(), to.join(e.file_name()));
        if p.is_dir() {
            copy_dir(&p, &t);
        } else {
            let _ = std::fs::copy(&p, &t);
        }
    }
}

/// `text` without its top-level `impl` blocks, parsed with `syn` and printed with
/// `prettyplease`; unchanged when it does not parse.
fn without_impls(text: &str) -> String {
    match syn::parse_file(text) {
        Ok(mut file) => {
            file.items.retain(|item| !matches!(item, syn::Item::Impl(_)));
            prettyplease::unparse(&file)
        }
        Err(_) => text.to_string(),
    }
}

fn lines(path: &Path) -> usize {
    std::fs::read_to_string(path).map(|s| s.lines().count()).unwrap_or(0)
}

/// The generated files that are emitted (formatted by prettyplease), not copied.
const EMITTED: &[&str] = &[
    "src/types.rs",
    "src/operations.rs",
    "src/webhooks.rs",
    "src/lib.rs",
    "src/spec_examples.rs",
    "testkit/src/types.rs",
];

/// Median crate-only build time: `cargo clean -p` then `cargo build EXTRA`, 3 times.
fn build_time(dir: &Path, target: &Path, extra: &[&str]) -> Option<Duration> {
    let build: Vec<&str> = std::iter::once("build").chain(extra.iter().copied()).collect();
    if !cargo(dir, target, &build) {
        return None;
    }
    Some(median(
        (0..3)
            .map(|_| {
                cargo(dir, target, &["clean", "-p", "plaid-idv"]);
                let t = Instant::now();
                cargo(dir, target, &build);
                t.elapsed()
            })
            .collect(),
    ))
}

pub fn run(root: &Path, only: Option<&str>) -> ExitCode {
    let mut rows = Vec::new();
    let want = |part: &str| only.is_none_or(|o| o == part);
    let portion_path = root.join("spec/portion.toml");
    let portion = match g::portion::Portion::load(&portion_path) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    let tmp = std::env::temp_dir().join(format!("plaid-idv-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    let _ = std::fs::create_dir_all(&tmp);

    if want("generation") {
        println!("1. generation");
        let plaid = root.join("../shared/plaid-openapi/2020-09-14.yml");
        if plaid.exists() {
            let bytes = std::fs::read(&plaid).unwrap_or_default();
            let parse = time(5, || g::load::load_bytes(&bytes, "plaid.yml").map(|s| s.doc.is_object()));
            let out_dir = tmp.join("gen-out");
            let pipeline = time(5, || {
                let spec = g::load::load_bytes(&bytes, "plaid.yml").ok()?;
                let out = g::generate_spec(&spec, &portion).ok()?;
                g::write::write_atomic(&out_dir, &out.files).ok()
            });
            let ratio = pipeline.as_secs_f64() / parse.as_secs_f64();
            row(&mut rows, "parse only, Plaid's 3 MB spec (median of 5)", ms(parse), "", None);
            row(
                &mut rows,
                "full pipeline: parse, select, lower, emit, render, write",
                format!("{} ({ratio:.2}× parse)", ms(pipeline)),
                "≤ 1.25× parse",
                Some(ratio <= 1.25),
            );
            if let Ok(spec) = g::load::load_bytes(&bytes, "plaid.yml") {
                let select = time(5, || g::select::select(&spec, &portion).map(|s| s.schemas.len()).ok());
                let lower = time(5, || {
                    let sel = g::select::select(&spec, &portion).ok()?;
                    g::lower::lower(&spec, &sel, &portion).ok().map(|ir| ir.types.len())
                })
                .saturating_sub(select);
                if let Ok(ir) =
                    g::select::select(&spec, &portion).and_then(|sel| g::lower::lower(&spec, &sel, &portion))
                {
                    let render = time(5, || g::render::render(&ir).map(|f| f.len()).ok());
                    let files = g::render::render(&ir).unwrap_or_default();
                    let write = time(5, || g::write::write_atomic(&out_dir, &files).ok());
                    row(
                        &mut rows,
                        "pipeline stages after parse: select / lower / emit+render / write",
                        format!("{} / {} / {} / {}", ms(select), ms(lower), ms(render), ms(write)),
                        "",
                        None,
                    );
                    // The floor that the output's size sets: only parsing the emitted Rust with
                    // syn and printing it with prettyplease (no emitting, no runtime copies).
                    let emitted: Vec<&String> =
                        files.iter().filter(|(p, _)| EMITTED.contains(&p.as_str())).map(|(_, t)| t).collect();
                    let n: usize = emitted.iter().map(|t| t.lines().count()).sum();
                    let floor = time(5, || {
                        emitted
                            .iter()
                            .filter_map(|t| syn::parse_file(t).ok())
                            .map(|f| prettyplease::unparse(&f).len())
                            .sum::<usize>()
                    });
                    let f = floor.as_secs_f64() / parse.as_secs_f64();
                    row(
                        &mut rows,
                        &format!("render floor: syn parses and prettyplease prints the emitted Rust ({n} lines), nothing else"),
                        format!("{} ({f:.2}× parse: no pipeline with this output and formatter goes below {:.2}× parse)", ms(floor), 1.0 + f),
                        "",
                        None,
                    );
                }
            }
        } else {
            println!("  SKIP: ../shared/plaid-openapi/2020-09-14.yml not found");
        }
        if let Ok(ours) = g::load::load_file(&root.join("spec/plaid-idv.yaml")) {
            let mut per_type = Vec::new();
            for n in [1usize, 10, 100] {
                let spec = g::load::Spec { doc: replicate(&ours.doc, n), ..ours.clone() };
                let mut types = 0;
                let d = time(if n == 100 { 1 } else { 3 }, || {
                    let out = g::generate_spec(&spec, &portion).ok();
                    types = out.as_ref().map(|o| o.ir.types.len()).unwrap_or(0);
                });
                per_type.push(d.as_secs_f64() / types.max(1) as f64);
                row(
                    &mut rows,
                    &format!("scaling: {n}× the IDV portion ({types} types), generate in memory"),
                    ms(d),
                    "linear",
                    None,
                );
            }
            let growth = per_type[2] / per_type[0];
            row(
                &mut rows,
                "scaling: time per type at 100× over 1×",
                format!("{growth:.2}×"),
                "≈ 1× (linear)",
                Some(growth < 2.0),
            );
        }
    }

    if want("crate") {
        println!("2. generated crate");
        let gen = root.join("generated");
        let src = gen.join("src");
        let (types, ops, flow, webhooks) = (
            lines(&src.join("types.rs")),
            lines(&src.join("operations.rs")),
            lines(&src.join("flow.rs")),
            lines(&src.join("webhooks.rs")),
        );
        let runtime: usize =
            std::fs::read_dir(src.join("runtime")).into_iter().flatten().flatten().map(|e| lines(&e.path())).sum();
        let total = types + ops + flow + webhooks + runtime + lines(&src.join("lib.rs"));
        row(
            &mut rows,
            "lines of code (src/, tests excluded)",
            format!("{total}: models {types}, operations {ops}, flow {flow}, webhooks {webhooks}, runtime {runtime}"),
            "",
            None,
        );
        let full = tmp.join("full/plaid-idv");
        copy_dir(&gen, &full);
        let _ = std::fs::remove_file(full.join("src/spec_examples.rs"));
        let lib = std::fs::read_to_string(full.join("src/lib.rs")).unwrap_or_default();
        let _ = std::fs::write(
            full.join("src/lib.rs"),
            lib.replace("#[cfg(test)]\n#[rustfmt::skip]\nmod spec_examples;\n", ""),
        );
        // Models only: the same crate without the operations and flow helpers, i.e. without
        // their `impl` blocks (the operation constants and flow types stay: the rest of the
        // crate names them).
        let models = tmp.join("models/plaid-idv");
        copy_dir(&full, &models);
        for f in ["src/operations.rs", "src/flow.rs"] {
            let p = models.join(f);
            if let Ok(text) = std::fs::read_to_string(&p) {
                let _ = std::fs::write(&p, without_impls(&text));
            }
        }
        let _ = std::fs::remove_dir_all(models.join("examples"));
        let target = root.join("target/bench-build");
        match build_time(&full, &target, &[]) {
            Some(f) => row(
                &mut rows,
                "crate-only build, debug (cargo clean -p; cargo build; median of 3)",
                format!("{:.2} s", f.as_secs_f64()),
                "< 3 s",
                Some(f < Duration::from_secs(3)),
            ),
            None => println!("  build failed; see `cargo build` in {}", full.display()),
        }
        // The split is without default features on both sides: the verifier and the inbox
        // send through the operations, so the models-only crate has neither.
        let no_default = ["--no-default-features"];
        match (build_time(&full, &target, &no_default), build_time(&models, &target, &no_default)) {
            (Some(f), Some(m)) => row(
                &mut rows,
                "build split, --no-default-features: models + runtime / operations + flow",
                format!("{:.2} s / {:.2} s", m.as_secs_f64(), f.saturating_sub(m).as_secs_f64()),
                "",
                None,
            ),
            _ => println!(
                "  build failed; see `cargo build --no-default-features` in {} and {}",
                full.display(),
                models.display()
            ),
        }
    }

    if want("progenitor") {
        println!(
            "6. crate from Plaid's spec: ours vs progenitor 0.15 (crate-only debug build, alternating, median of 5)"
        );
        versus_progenitor(root, &portion, &tmp, &mut rows);
    }

    if want("downstream") {
        println!("7. downstream program from Plaid's spec: ours vs progenitor 0.15 (alternating, median of 5)");
        crate::bench_down::run(root, &portion, &tmp, &mut rows);
    }

    if want("testkit") {
        println!("8. the test kit: a downstream program's cargo build then cargo test (alternating, median of 3)");
        crate::bench_kit::run(root, &tmp, &mut rows);
    }

    if want("constructors") {
        println!("5. constructor designs (crate from Plaid's spec when present, else ours)");
        constructors(root, &portion, &tmp, &mut rows);
    }

    if want("runtime") {
        println!("3-4. runtime (cargo bench -p plaid-idv-tests --bench runtime)");
        let out = Command::new(env!("CARGO"))
            .args(["bench", "-q", "-p", "plaid-idv-tests", "--bench", "runtime"])
            .current_dir(root)
            .output();
        let text = out.map(|o| String::from_utf8_lossy(&o.stdout).to_string()).unwrap_or_default();
        let get = |k: &str| {
            text.lines().find_map(|l| l.strip_prefix(&format!("{k}: "))).and_then(|v| v.trim().parse::<f64>().ok())
        };
        for what in ["response", "request"] {
            for (op, target, need) in [
                ("decode", "typed ≥ 2× Value", Some(2.0)),
                ("encode", "typed ≥ Value", Some(1.0)),
                ("round_trip", "", None),
            ] {
                let k = |imp: &str| get(&format!("{what}_{op}_{imp}_mb_s"));
                // Encoding (and the round trip that starts with it) also by `ToJson`, the
                // crate's own JSON writer: the encode target is for it.
                if let (Some(j), Some(t), Some(v)) = (k("json"), k("typed"), k("value")) {
                    row(
                        &mut rows,
                        &format!("{op} of the {what} by `ToJson` vs the same through serde vs serde_json::Value"),
                        format!("{j:.0} vs {t:.0} vs {v:.0} MB/s (ToJson/Value {:.2}×)", j / v),
                        target,
                        need.map(|n| j >= n * v),
                    );
                }
                // Decoding also as the client and `plaid_idv::decode` do it (the body checked as
                // UTF-8 once, then read as text), against `Value` read both ways: the target is
                // judged against `Value` read the same way.
                if let (Some(c), Some(v), Some(vs)) = (k("crate"), k("value"), k("value_str")) {
                    row(
                        &mut rows,
                        &format!("{op} of the {what} by `plaid_idv::decode` vs serde_json::Value by `from_slice` vs `Value` read the same way (UTF-8 once, `from_str`)"),
                        format!("{c:.0} vs {v:.0} vs {vs:.0} MB/s (over Value {:.2}×; over Value read the same way {:.2}×)", c / v, c / vs),
                        target,
                        need.map(|n| c >= n * vs),
                    );
                }
                let target = if op == "round_trip" { target } else { "" };
                let need = need.filter(|_| op == "round_trip");
                if let (Some(t), Some(d), Some(v)) = (k("typed"), k("derive"), k("value")) {
                    row(
                        &mut rows,
                        &format!(
                            "{op} of the {what} ({}): typed vs serde's derive vs serde_json::Value",
                            if what == "response" {
                                "get-response example"
                            } else {
                                "create request with every user field"
                            }
                        ),
                        format!(
                            "{t:.0} vs {d:.0} vs {v:.0} MB/s (typed/Value {:.2}×, derive/Value {:.2}×)",
                            t / v,
                            d / v
                        ),
                        target,
                        need.map(|n| t >= n * v),
                    );
                }
            }
        }
        if let (Some(r), Some(c), Some(p)) =
            (get("client_ratio_over_reqwest"), get("client_us_per_call"), get("reqwest_us_per_call"))
        {
            row(
                &mut rows,
                "2,000 sequential calls on 127.0.0.1: Client vs plain reqwest",
                format!("{c:.1} µs vs {p:.1} µs per call ({r:.3}×)"),
                "≤ 1.1×",
                Some(r <= 1.1),
            );
        }
    }
    let _ = std::fs::remove_dir_all(&tmp);

    table(&rows);
    ExitCode::SUCCESS
}

fn table(rows: &[Row]) {
    println!("\n| benchmark | figure | target | met |\n| --- | --- | --- | --- |");
    for r in rows {
        println!("| {} | {} | {} | {} |", r.what, r.figure, r.target, r.met);
    }
}

/// `--against REV`: the build cost of the working tree's crate against the crate at `REV`.
fn against(root: &Path, rev: &str) -> ExitCode {
    let tmp = std::env::temp_dir().join(format!("plaid-idv-bench-against-{}", std::process::id()));
    let mut rows = Vec::new();
    println!("9. the generated crate at {rev} vs the working tree's (alternating, median of 5)");
    crate::bench_against::run(root, &tmp, rev, &mut rows);
    let _ = std::fs::remove_dir_all(&tmp);
    table(&rows);
    if rows.is_empty() {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

/// `cargo xtask bench [--only generation|crate|runtime|constructors|progenitor|downstream|testkit]`,
/// or `cargo xtask bench --against REV`. Re-runs itself in release mode when built for debug.
pub fn main(root: &Path, args: &[String]) -> ExitCode {
    let only = match args {
        [] => None,
        [flag, _] if flag == "--against" => None,
        [flag, part]
            if flag == "--only"
                && ["generation", "crate", "runtime", "constructors", "progenitor", "downstream", "testkit"]
                    .contains(&part.as_str()) =>
        {
            Some(part.as_str())
        }
        _ => {
            eprintln!(
                "usage: cargo xtask bench [--only generation|crate|runtime|constructors|progenitor|downstream|testkit]\n\
                 \x20      cargo xtask bench --against REV   (build cost of generated/ against REV's)"
            );
            return ExitCode::from(2);
        }
    };
    if cfg!(debug_assertions) {
        let status = Command::new(env!("CARGO"))
            .args(["run", "--release", "--quiet", "--package", "xtask", "--", "bench"])
            .args(args)
            .current_dir(root)
            .status();
        return match status {
            Ok(s) if s.success() => ExitCode::SUCCESS,
            _ => ExitCode::FAILURE,
        };
    }
    match args {
        [flag, rev] if flag == "--against" => against(root, rev),
        _ => run(root, only),
    }
}

/// Writes a generated crate without its example tests (they are not part of a user's build).
pub(crate) fn write_crate(files: &std::collections::BTreeMap<String, String>, dir: &Path) {
    let _ = std::fs::remove_dir_all(dir);
    for (rel, text) in files {
        if rel.starts_with("spec-examples/") || rel == "src/spec_examples.rs" {
            continue;
        }
        let text = if rel == "src/lib.rs" {
            text.replace("#[cfg(test)]\n#[rustfmt::skip]\nmod spec_examples;\n", "")
        } else {
            text.clone()
        };
        let path = dir.join(rel);
        if let Some(parent) = path.parent() {
            let _ = std::fs::create_dir_all(parent);
        }
        let _ = std::fs::write(path, text);
    }
}

/// The build-time cost of the constructor design: required fields by name (what we ship),
/// positional `new(a, b, …)` (what we had), and the same models with `#[derive(bon::Builder)]`
/// added (a typestate builder). Crate-only debug builds, alternating, median of 3 each.
fn constructors(root: &Path, portion: &g::portion::Portion, tmp: &Path, rows: &mut Vec<Row>) {
    let plaid = root.join("../shared/plaid-openapi/2020-09-14.yml");
    let spec = if plaid.exists() { plaid } else { root.join("spec/plaid-idv.yaml") };
    let out = match std::fs::read(&spec)
        .map_err(|e| e.to_string())
        .and_then(|b| g::generate_from(&b, &spec.display().to_string(), portion).map_err(|e| e.to_string()))
    {
        Ok(o) => o,
        Err(e) => return println!("  cannot generate: {e}"),
    };
    let named = tmp.join("ctor-named/plaid-idv");
    write_crate(&out.files, &named);
    // Positional: the same IR without required-field structs.
    let mut ir = out.ir.clone();
    for t in ir.types.values_mut() {
        if let g::ir::Kind::Struct { required_struct, .. } = &mut t.kind {
            *required_struct = None;
        }
    }
    let positional = tmp.join("ctor-positional/plaid-idv");
    match g::render::render(&ir) {
        Ok(files) => write_crate(&files, &positional),
        Err(e) => return println!("  cannot render the positional variant: {e}"),
    }
    // bon: a typestate builder derived on every model with two or more required fields.
    let bon = tmp.join("ctor-bon/plaid-idv");
    write_crate(&out.files, &bon);
    let types = std::fs::read_to_string(bon.join("src/types.rs")).unwrap_or_default();
    let mut derived = String::with_capacity(types.len() + 4096);
    let with_required: Vec<&str> = ir_required(&out.ir);
    let mut count = 0;
    for line in types.lines() {
        if let Some(name) = line.strip_prefix("pub struct ").and_then(|r| r.strip_suffix(" {")) {
            if with_required.contains(&name) {
                derived.push_str("#[derive(::bon::Builder)]\n");
                count += 1;
            }
        }
        derived.push_str(line);
        derived.push('\n');
    }
    let _ = std::fs::write(bon.join("src/types.rs"), derived);
    let toml = std::fs::read_to_string(bon.join("Cargo.toml")).unwrap_or_default();
    let _ = std::fs::write(bon.join("Cargo.toml"), toml.replace("[dependencies]\n", "[dependencies]\nbon = \"3\"\n"));
    let target = root.join("target/bench-build");
    let variants = [("named", &named), ("positional", &positional), ("bon", &bon)];
    for (name, dir) in &variants {
        if !cargo(dir, &target, &["build"]) {
            return println!("  the {name} variant does not build; see `cargo build` in {}", dir.display());
        }
    }
    let builds: Vec<(&Path, &[&str])> = variants.iter().map(|(_, d)| (d.as_path(), &["build"][..])).collect();
    let m: Vec<Duration> = alternating_builds(&builds, &target, 3).into_iter().map(median).collect();
    let which = if spec.ends_with("2020-09-14.yml") { "Plaid's spec" } else { "our spec" };
    row(
        rows,
        &format!("constructor designs, crate from {which} ({} models with 2+ required fields)", with_required.len()),
        format!(
            "by name {:.2} s, positional {:.2} s ({:+.1}%), bon builders on {count} models {:.2} s ({:+.1}%)",
            m[0].as_secs_f64(),
            m[1].as_secs_f64(),
            (m[0].as_secs_f64() / m[1].as_secs_f64() - 1.0) * 100.0,
            m[2].as_secs_f64(),
            (m[2].as_secs_f64() / m[1].as_secs_f64() - 1.0) * 100.0,
        ),
        "",
        None,
    );
}

fn ir_required(ir: &g::ir::Ir) -> Vec<&str> {
    ir.types
        .values()
        .filter(|t| matches!(&t.kind, g::ir::Kind::Struct { required_struct: Some(_), .. }))
        .map(|t| t.name.as_str())
        .collect()
}

/// Rounds of the side-by-side build against progenitor.
const VERSUS_ROUNDS: usize = 5;

/// Ours and progenitor's crate for the IDV portion of Plaid's newest spec, built side by side:
/// build each once, then five rounds of `cargo clean -p plaid-idv` + `cargo build` alternating
/// between the two, medians. progenitor's crate comes from `../shared/bench/progenitor/build.sh`
/// (run once and kept in `target/bench-progenitor/`).
fn versus_progenitor(root: &Path, portion: &g::portion::Portion, tmp: &Path, rows: &mut Vec<Row>) {
    let Some((theirs, _)) = crate::bench_down::progenitor_crate(root) else { return };
    let spec = root.join("../shared/plaid-openapi/2020-09-14.yml");
    let out = match std::fs::read(&spec)
        .map_err(|e| e.to_string())
        .and_then(|b| g::generate_from(&b, &spec.display().to_string(), portion).map_err(|e| e.to_string()))
    {
        Ok(o) => o,
        Err(e) => return println!("  cannot generate ours: {e}"),
    };
    let ours = tmp.join("vs-progenitor/plaid-idv");
    write_crate(&out.files, &ours);
    let ours_min = tmp.join("vs-progenitor-min/plaid-idv");
    write_crate(&out.files, &ours_min);
    // The same crate with the operations compiled here (no `#[inline]`), to show what the
    // attribute moves to the caller.
    let ours_here = tmp.join("vs-progenitor-here/plaid-idv");
    write_crate(&out.files, &ours_here);
    for f in ["src/operations.rs", "src/flow.rs", "src/webhooks.rs"] {
        let p = ours_here.join(f);
        if let Ok(text) = std::fs::read_to_string(&p) {
            let kept: String = text.lines().filter(|l| l.trim() != "#[inline]").map(|l| format!("{l}\n")).collect();
            let _ = std::fs::write(&p, kept);
        }
    }
    let target = root.join("target/bench-build");
    let variants: [(&str, &Path, &[&str]); 4] = [
        ("ours, default features", &ours, &["build"]),
        ("ours, --no-default-features", &ours_min, &["build", "--no-default-features"]),
        ("ours, operations compiled in the crate", &ours_here, &["build"]),
        ("progenitor 0.15", &theirs, &["build"]),
    ];
    for (name, dir, args) in &variants {
        if !cargo(dir, &target, args) {
            return println!("  {name} does not build; see `cargo build` in {}", dir.display());
        }
    }
    let builds: Vec<(&Path, &[&str])> = variants.iter().map(|(_, d, a)| (*d, *a)).collect();
    // Five rounds: this 2-core VM's noise moved the median-of-3 ratio between 0.41 and 0.49.
    let rounds = alternating_builds(&builds, &target, VERSUS_ROUNDS);
    let per_round: Vec<String> =
        rounds[0].iter().zip(&rounds[3]).map(|(o, p)| format!("{:.2}", o.as_secs_f64() / p.as_secs_f64())).collect();
    let m: Vec<Duration> = rounds.into_iter().map(median).collect();
    let loc = |dir: &Path| -> usize {
        let mut n = 0;
        let mut stack = vec![dir.join("src")];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
                let p = e.path();
                if p.is_dir() {
                    stack.push(p);
                } else if p.extension().is_some_and(|x| x == "rs") {
                    n += lines(&p);
                }
            }
        }
        n
    };
    let ratio = m[0].as_secs_f64() / m[3].as_secs_f64();
    row(
        rows,
        "crate from Plaid's spec, crate-only debug build: ours vs progenitor (side by side)",
        format!(
            "ours {:.2} s ({} lines), ours --no-default-features {:.2} s, ours with the operations compiled in the crate {:.2} s, progenitor {:.2} s ({} lines): ratio {ratio:.2} (medians of {VERSUS_ROUNDS}; each round's ratio: {})",
            m[0].as_secs_f64(),
            loc(&ours),
            m[1].as_secs_f64(),
            m[2].as_secs_f64(),
            m[3].as_secs_f64(),
            loc(&theirs),
            per_round.join(", ")
        ),
        "≤ 0.5",
        Some(ratio <= 0.5),
    );
    // The same two crates counted in instructions, which do not move with the machine's load
    // the way the timings above do (one build each; see `bench_against::instructions`).
    if let [Some(o), Some(p)] = [&ours, &theirs].map(|d| crate::bench_against::instructions(d, &target, tmp)) {
        row(
            rows,
            "crate from Plaid's spec: instructions rustc executes for the crate, ours vs progenitor (cachegrind)",
            format!("{:.3} G vs {:.3} G: ratio {:.3}", o as f64 / 1e9, p as f64 / 1e9, o as f64 / p as f64),
            "",
            None,
        );
    }
    downstream(&[&ours, &ours_here], &root.join("target/bench-down"), rows);
}

/// What the user's own build pays: a program calling every operation, flow helper and the
/// verifier (`xtask/bench/downstream.rs`), built against the shipped crate and against the
/// one with the operations compiled in the crate. Three alternating rounds of an edit to the
/// program then an incremental rebuild (the edit loop), and `cargo clean -p plaid-idv` then
/// a build of crate and program (the first build); medians.
fn downstream(dirs: &[&Path], target: &Path, rows: &mut Vec<Row>) {
    const PROGRAM: &str = include_str!("../bench/downstream.rs");
    let args = ["build", "--example", "downstream"];
    for dir in dirs {
        let _ = std::fs::create_dir_all(dir.join("examples"));
        let _ = std::fs::write(dir.join("examples/downstream.rs"), PROGRAM);
        if !cargo_with(dir, target, &args, true) {
            return println!(
                "  the downstream program does not build; see `cargo build --example downstream` in {}",
                dir.display()
            );
        }
    }
    let (mut edit, mut first) = (vec![Vec::new(); dirs.len()], vec![Vec::new(); dirs.len()]);
    for round in 0..3 {
        for (i, dir) in dirs.iter().enumerate() {
            let _ = std::fs::write(
                dir.join("examples/downstream.rs"),
                PROGRAM.replace("marker 0", &format!("marker {}", round + 1)),
            );
            let t = Instant::now();
            cargo_with(dir, target, &args, true);
            edit[i].push(t.elapsed());
            cargo(dir, target, &["clean", "-p", "plaid-idv"]);
            let t = Instant::now();
            cargo_with(dir, target, &args, true);
            first[i].push(t.elapsed());
        }
    }
    let (edit, first): (Vec<Duration>, Vec<Duration>) =
        (edit.into_iter().map(median).collect(), first.into_iter().map(median).collect());
    row(
        rows,
        "downstream program calling everything: first build (crate + program) / rebuild after editing the program",
        format!(
            "shipped {:.2} / {:.2} s; operations compiled in the crate {:.2} / {:.2} s",
            first[0].as_secs_f64(),
            edit[0].as_secs_f64(),
            first[1].as_secs_f64(),
            edit[1].as_secs_f64()
        ),
        "no slower than compiled in the crate",
        Some(first[0] <= first[1].mul_f64(1.1) && edit[0] <= edit[1].mul_f64(1.1)),
    );
}

/// Crate-only build time of each `(dir, cargo args)`: `rounds` rounds of `cargo clean -p
/// plaid-idv` then a timed build, alternating between the crates so that machine noise hits all
/// alike; every round's time of each crate, in round order (`median` of a row is its figure).
fn alternating_builds(builds: &[(&Path, &[&str])], target: &Path, rounds: usize) -> Vec<Vec<Duration>> {
    let mut times: Vec<Vec<Duration>> = vec![Vec::new(); builds.len()];
    for _ in 0..rounds {
        for (i, (dir, args)) in builds.iter().enumerate() {
            cargo(dir, target, &["clean", "-p", "plaid-idv"]);
            let t = Instant::now();
            cargo(dir, target, args);
            times[i].push(t.elapsed());
        }
    }
    times
}
