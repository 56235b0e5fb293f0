//! `cargo xtask gen [--spec PATH] [--portion PATH] [--out DIR] [--check] [--force]`
//!
//! Thin front end over `plaid-idv-generator`. Exit codes: 0 ok, 1 stale (`--check`) or failed,
//! 2 usage error.

mod bench;
mod bench_against;
mod bench_down;
mod bench_kit;

use plaid_idv_generator as g;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

const USAGE: &str = "usage:
  cargo xtask gen [--spec PATH] [--portion PATH] [--out DIR] [--check] [--force]
  cargo xtask diff OLD_SPEC NEW_SPEC [--portion PATH] [--json] [--all] [--deny-breaking]
  cargo xtask bench [--only generation|crate|runtime|constructors|progenitor|downstream]";

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().map(Path::to_path_buf).unwrap_or_else(|| PathBuf::from("."))
}

struct GenArgs {
    spec: PathBuf,
    portion: PathBuf,
    out: PathBuf,
    check: bool,
    force: bool,
}

fn parse_gen(args: &[String]) -> Result<GenArgs, String> {
    let root = root();
    let mut a = GenArgs {
        spec: root.join("spec/plaid-idv.yaml"),
        portion: root.join("spec/portion.toml"),
        out: root.join("generated"),
        check: false,
        force: false,
    };
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let mut value =
            |flag: &str| it.next().map(PathBuf::from).ok_or_else(|| format!("{flag} needs a value\n{USAGE}"));
        match arg.as_str() {
            "--spec" => a.spec = value("--spec")?,
            "--portion" => a.portion = value("--portion")?,
            "--out" => a.out = value("--out")?,
            "--check" => a.check = true,
            "--force" => a.force = true,
            other => return Err(format!("unknown argument {other:?}\n{USAGE}")),
        }
    }
    Ok(a)
}

fn gen(args: &[String]) -> ExitCode {
    let a = match parse_gen(args) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let mut out = match g::generate(&a.spec, &a.portion) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    for w in &out.ir.warnings {
        eprintln!("warning: {w}");
    }
    // CHANGELOG.md: the one in the output, plus a section when the API changed since its manifest.
    g::diff::changelog::add_changelog(&a.out, &mut out.files, &out.ir);
    if a.check {
        let stale = g::write::check(&a.out, &out.files);
        if stale.is_empty() {
            println!("{} is up to date ({} files)", a.out.display(), out.files.len());
            return ExitCode::SUCCESS;
        }
        for d in &stale {
            print!("{d}");
        }
        eprintln!("\n{} file(s) in {} are stale. Run `cargo xtask gen` to update them.", stale.len(), a.out.display());
        return ExitCode::FAILURE;
    }
    // Refuse before printing anything about a directory we would not replace.
    if let Err(e) = g::write::ensure_replaceable(&a.out, a.force) {
        eprintln!("{e}");
        return ExitCode::FAILURE;
    }
    // What changes for users, against the API manifest of the current output.
    match g::manifest::read_dir(&a.out) {
        Some(Ok(old)) => {
            let report = g::diff::diff(&old, &out.ir, None);
            println!("changes against {}: {}", a.out.display(), report.summary());
            for c in report.changes.iter().take(20) {
                println!("  {} `{}` {} (source {:?}, wire {:?})", c.kind, c.item, c.detail, c.source, c.wire);
            }
            if report.changes.len() > 20 {
                println!("  … {} more; run `cargo xtask diff OLD NEW` for the full report", report.changes.len() - 20);
            }
        }
        Some(Err(e)) => println!("{}: {e}; no change summary", a.out.display()),
        None => println!("{} has no API manifest yet; no change summary", a.out.display()),
    }
    let opts = g::write::WriteOptions { force: a.force, ..Default::default() };
    if let Err(e) = g::write::write_output(&a.out, &out.files, &opts) {
        eprintln!("{e}");
        return ExitCode::FAILURE;
    }
    println!(
        "wrote {} files to {} ({} types, {} operations, {} webhooks) from {} {}",
        out.files.len(),
        a.out.display(),
        out.ir.types.len(),
        out.ir.operations.len(),
        out.ir.webhooks.len(),
        out.ir.title,
        out.ir.spec_version
    );
    ExitCode::SUCCESS
}

fn diff(args: &[String]) -> ExitCode {
    let mut portion = root().join("spec/portion.toml");
    let (mut json, mut all, mut deny) = (false, false, false);
    let mut specs = Vec::new();
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--portion" => match it.next() {
                Some(p) => portion = PathBuf::from(p),
                None => {
                    eprintln!("--portion needs a value\n{USAGE}");
                    return ExitCode::from(2);
                }
            },
            "--json" => json = true,
            "--all" => all = true,
            "--deny-breaking" => deny = true,
            flag if flag.starts_with("--") => {
                eprintln!("unknown argument {flag:?}\n{USAGE}");
                return ExitCode::from(2);
            }
            spec => specs.push(PathBuf::from(spec)),
        }
    }
    let [old, new] = &specs[..] else {
        eprintln!("diff takes two spec files\n{USAGE}");
        return ExitCode::from(2);
    };
    let report = match g::diff_specs(old, new, &portion) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    if json {
        println!("{}", serde_json::to_string_pretty(&report.json()).unwrap_or_default());
    } else {
        print!("{}", report.markdown(all));
    }
    if deny && report.is_breaking() {
        eprintln!("breaking changes present (--deny-breaking)");
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("gen") => gen(&args[1..]),
        Some("diff") => diff(&args[1..]),
        Some("bench") => bench::main(&root(), &args[1..]),
        _ => {
            eprintln!("{USAGE}");
            ExitCode::from(2)
        }
    }
}
