//! `cargo xtask bench --against REV`: the build cost of a change to the generated crate. The
//! crate at `REV` (`git archive REV generated`) and the working tree's `generated/` are each
//! built with the same small program (it decodes a session, encodes it compact and pretty, and
//! encodes a create request: the serde code a service instantiates), in a target directory of
//! its own, dependencies prebuilt. Then 5 rounds, alternating between the two: `cargo clean -p
//! plaid-idv -p app`, a timed crate-only build, then a timed build of the program. Medians, and
//! the ratio of the working tree to `REV`. Where valgrind is installed, a last row counts the
//! instructions rustc executes to build each crate (cachegrind, one build each): unlike the
//! timings it does not move with the machine's load (two runs agree within 0.3%), so it shows a
//! change of a few percent that the timings' noise hides.

use crate::bench::{median, row, Row};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const ROUNDS: usize = 5;

const MAIN: &str = "use plaid_idv::types::{IdentityVerification, IdentityVerificationCreateRequest};
fn main() {
    let text = std::env::args().nth(1).unwrap_or_default();
    if let Ok(v) = serde_json::from_str::<IdentityVerification>(&text) {
        println!(\"{}\", serde_json::to_string(&v).unwrap_or_default());
        println!(\"{}\", serde_json::to_string_pretty(&v).unwrap_or_default());
    }
    // A request type is only ever sent: it has `Serialize` only.
    let req: Option<IdentityVerificationCreateRequest> = None;
    println!(\"{}\", serde_json::to_string(&req).unwrap_or_default());
}
";

/// Lays out `dir/generated` (the crate, without its test kit) and `dir/app` (the program).
fn layout(root: &Path, dir: &Path, rev: Option<&str>) -> Result<(), String> {
    let crate_dir = dir.join("generated");
    std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
    match rev {
        Some(rev) => {
            let archive = Command::new("git")
                .args(["archive", "--format=tar", rev, "generated"])
                .current_dir(root)
                .output()
                .map_err(|e| format!("git archive: {e}"))?;
            if !archive.status.success() {
                return Err(format!("git archive {rev} generated: {}", String::from_utf8_lossy(&archive.stderr)));
            }
            let tar = dir.join("generated.tar");
            std::fs::write(&tar, &archive.stdout).map_err(|e| e.to_string())?;
            let ok = Command::new("tar").arg("-xf").arg(&tar).current_dir(dir).status().map(|s| s.success());
            if !matches!(ok, Ok(true)) {
                return Err("tar -xf failed".into());
            }
        }
        None => crate::bench::copy_dir(&root.join("generated"), &crate_dir),
    }
    let _ = std::fs::remove_dir_all(crate_dir.join("testkit"));
    let manifest = crate_dir.join("Cargo.toml");
    let text = std::fs::read_to_string(&manifest).map_err(|e| e.to_string())?;
    // The crate's own `[workspace]` (with the kit as a member) goes: the program is the root.
    let text = match text.find("\n[workspace]") {
        Some(at) => text[..at + 1].to_string(),
        None => text,
    };
    std::fs::write(&manifest, text).map_err(|e| e.to_string())?;
    let app = dir.join("app");
    std::fs::create_dir_all(app.join("src")).map_err(|e| e.to_string())?;
    std::fs::write(
        app.join("Cargo.toml"),
        "[package]\nname = \"app\"\nversion = \"0.1.0\"\nedition = \"2021\"\npublish = false\n\n\
         [dependencies]\nplaid-idv = { path = \"../generated\" }\nserde_json = \"1\"\n\n[workspace]\n",
    )
    .map_err(|e| e.to_string())?;
    std::fs::write(app.join("src/main.rs"), MAIN).map_err(|e| e.to_string())?;
    std::fs::copy(root.join("Cargo.lock"), app.join("Cargo.lock")).map_err(|e| e.to_string())?;
    Ok(())
}

fn secs(d: Duration) -> String {
    format!("{:.2} s", d.as_secs_f64())
}

pub fn run(root: &Path, tmp: &Path, rev: &str, rows: &mut Vec<Row>) {
    let sides = [("base", Some(rev)), ("now", None)];
    for (name, rev) in sides {
        if let Err(e) = layout(root, &tmp.join(name), rev) {
            eprintln!("  bench --against: {e}");
            return;
        }
        let app = tmp.join(name).join("app");
        if !crate::bench::cargo(&app, &tmp.join(name).join("target"), &["build"]) {
            eprintln!(
                "  bench --against: the program does not build with the crate of {}",
                rev.unwrap_or("the working tree")
            );
            return;
        }
    }
    let (mut krate, mut program) = (vec![Vec::new(), Vec::new()], vec![Vec::new(), Vec::new()]);
    for _ in 0..ROUNDS {
        for (i, (name, _)) in sides.iter().enumerate() {
            let (app, target) = (tmp.join(name).join("app"), tmp.join(name).join("target"));
            crate::bench::cargo(&app, &target, &["clean", "-p", "plaid-idv", "-p", "app"]);
            let t = Instant::now();
            crate::bench::cargo(&app, &target, &["build", "-p", "plaid-idv"]);
            krate[i].push(t.elapsed());
            let t = Instant::now();
            crate::bench::cargo(&app, &target, &["build"]);
            program[i].push(t.elapsed());
        }
    }
    let counts: Vec<Option<u64>> = sides
        .iter()
        .map(|(name, _)| {
            let dir = tmp.join(name);
            instructions(&dir.join("app"), &dir.join("target"), &dir)
        })
        .collect();
    if let [Some(base), Some(now)] = counts[..] {
        row(
            rows,
            &format!("instructions rustc executes for the crate: {rev} vs the working tree (cachegrind)"),
            format!("{:.3} G vs {:.3} G (ratio {:.3})", base as f64 / 1e9, now as f64 / 1e9, now as f64 / base as f64),
            "",
            None,
        );
    } else {
        eprintln!("  bench --against: no instruction counts (valgrind is not installed, or a build under it failed)");
    }
    for (what, times) in [("crate-only debug build", krate), ("then the program's build", program)] {
        let (base, now) = (median(times[0].clone()), median(times[1].clone()));
        row(
            rows,
            &format!("{what}: {rev} vs the working tree (alternating, median of {ROUNDS})"),
            format!("{} vs {} (ratio {:.3})", secs(base), secs(now), now.as_secs_f64() / base.as_secs_f64()),
            "",
            None,
        );
    }
}

/// The instructions rustc executes to build the package `plaid-idv` of the workspace at `app`
/// (its dependencies already built in `target`): `cargo build -p plaid-idv` with a
/// `RUSTC_WRAPPER` (written in `scratch`) that runs only this crate's rustc under cachegrind.
/// The wrapper is not part of cargo's fingerprint, so nothing else rebuilds.
#[cfg(unix)]
pub(crate) fn instructions(app: &Path, target: &Path, scratch: &Path) -> Option<u64> {
    let available = Command::new("valgrind").arg("--version").stdout(Stdio::null()).stderr(Stdio::null()).status();
    if !available.is_ok_and(|s| s.success()) {
        return None;
    }
    let (wrapper, out) = (scratch.join("ir-wrap.sh"), scratch.join("cachegrind.out"));
    std::fs::write(
        &wrapper,
        "#!/bin/sh\ncase \" $* \" in *\" --crate-name plaid_idv \"*)\n  exec valgrind -q --tool=cachegrind --cache-sim=no \
         --cachegrind-out-file=\"$PLAID_IDV_IR_OUT\" \"$@\" ;;\nesac\nexec \"$@\"\n",
    )
    .ok()?;
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(&wrapper, std::fs::Permissions::from_mode(0o755)).ok()?;
    if !crate::bench::cargo(app, target, &["clean", "-p", "plaid-idv"]) {
        return None;
    }
    let built = crate::bench::cargo_command(app, target, &["build", "-p", "plaid-idv"], false)
        .env("RUSTC_WRAPPER", &wrapper)
        .env("PLAID_IDV_IR_OUT", &out)
        .status();
    if !built.is_ok_and(|s| s.success()) {
        return None;
    }
    let text = std::fs::read_to_string(&out).ok()?;
    text.lines().find_map(|l| l.strip_prefix("summary:")).and_then(|n| n.trim().parse().ok())
}

/// The wrapper is a shell script: no count elsewhere.
#[cfg(not(unix))]
pub(crate) fn instructions(_: &Path, _: &Path, _: &Path) -> Option<u64> {
    None
}
