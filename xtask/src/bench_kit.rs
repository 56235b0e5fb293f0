//! `cargo xtask bench --only testkit` (#22, issue 25): what a developer pays for the test kit.
//! A downstream program (a library calling the client, an integration test against the fake) is
//! built with `cargo build`, then `cargo test --no-run`, with its dependencies prebuilt (as a
//! CI cache has them: `cargo clean -p` of the generated crates and the program only). Two
//! designs, alternating, median of 3:
//! - the test kit crate in `[dev-dependencies]` (what the generator emits);
//! - a feature of the main crate in `[dev-dependencies]`, as the old `test-util` feature was
//!   (measured with `deserialize-requests`, the feature it turned on; the kit is still what
//!   the test uses, so only the feature differs).
//!
//! For each: the two times, and how many times the test step compiled the main crate (from
//! cargo's `Compiling` lines).

use crate::bench::{median, row, Row};
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

const ROUNDS: usize = 3;

const LIB: &str = "//! A service's use of the client.
use plaid_idv::types::{IdentityVerificationGetRequest, IdentityVerificationStatus};

/// The session's status.
pub async fn status(client: &plaid_idv::Client, id: &str) -> Result<IdentityVerificationStatus, plaid_idv::Error> {
    Ok(client.identity_verification_get(&IdentityVerificationGetRequest::new(id)).await?.status)
}
";

const TEST: &str = "#[tokio::test]
async fn an_unknown_session_is_an_api_error() {
    let fake = plaid_idv_testkit::FakePlaid::start().await.unwrap();
    assert!(downstream_service::status(&fake.client(), \"idv_unknown\").await.is_err());
}
";

fn program(root: &Path, dir: &Path, extra_dev: &str) -> std::io::Result<()> {
    let (main, kit) = (root.join("generated"), root.join("generated/testkit"));
    std::fs::create_dir_all(dir.join("src"))?;
    std::fs::create_dir_all(dir.join("tests"))?;
    std::fs::write(
        dir.join("Cargo.toml"),
        format!(
            "[package]\nname = \"downstream-service\"\nversion = \"0.1.0\"\nedition = \"2021\"\npublish = false\n\n\
             [dependencies]\nplaid-idv = {{ path = {main:?} }}\n\
             tokio = {{ version = \"1\", features = [\"macros\", \"rt-multi-thread\"] }}\n\n\
             [dev-dependencies]\nplaid-idv-testkit = {{ path = {kit:?} }}\n{extra_dev}\n\n[workspace]\n"
        ),
    )?;
    std::fs::write(dir.join("src/lib.rs"), LIB)?;
    std::fs::write(dir.join("tests/flow.rs"), TEST)?;
    std::fs::copy(root.join("Cargo.lock"), dir.join("Cargo.lock"))?;
    Ok(())
}

/// `cargo ARGS` in `dir`: its time and how many `Compiling plaid-idv v` lines it printed.
fn timed(dir: &Path, target: &Path, args: &[&str]) -> Option<(Duration, usize)> {
    let t = Instant::now();
    let out = Command::new(env!("CARGO"))
        .args(args)
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", target)
        .env("CARGO_INCREMENTAL", "1")
        .output()
        .ok()?;
    let elapsed = t.elapsed();
    out.status.success().then(|| {
        let log = String::from_utf8_lossy(&out.stderr);
        (elapsed, log.lines().filter(|l| l.trim_start().starts_with("Compiling plaid-idv v")).count())
    })
}

pub fn run(root: &Path, tmp: &Path, rows: &mut Vec<Row>) {
    let main = root.join("generated");
    let designs = [
        ("test kit crate", String::new()),
        (
            "main-crate feature in [dev-dependencies] (as test-util was)",
            format!("plaid-idv = {{ path = {main:?}, features = [\"deserialize-requests\"] }}"),
        ),
    ];
    let mut sides = Vec::new();
    for (i, (name, extra)) in designs.iter().enumerate() {
        let dir = tmp.join(format!("kit-{i}"));
        let target = root.join(format!("target/bench-kit-{i}"));
        if let Err(e) = program(root, &dir, extra) {
            return println!("  cannot write the downstream program: {e}");
        }
        // Warm: every dependency built once, for both commands.
        if timed(&dir, &target, &["build"]).is_none() || timed(&dir, &target, &["test", "--no-run"]).is_none() {
            return println!("  {name}: the program does not build; see `cargo test` in {}", dir.display());
        }
        sides.push((name, dir, target));
    }
    let mut build = [Vec::new(), Vec::new()];
    let mut test = [Vec::new(), Vec::new()];
    let mut compiled = [0, 0];
    for _ in 0..ROUNDS {
        for (i, (_, dir, target)) in sides.iter().enumerate() {
            let clean = ["clean", "-p", "plaid-idv", "-p", "plaid-idv-testkit", "-p", "downstream-service"];
            let _ = Command::new(env!("CARGO")).args(clean).current_dir(dir).env("CARGO_TARGET_DIR", target).output();
            let (Some(b), Some(t)) = (timed(dir, target, &["build"]), timed(dir, target, &["test", "--no-run"])) else {
                return println!("  a build failed in {}", dir.display());
            };
            build[i].push(b.0);
            test[i].push(t.0);
            compiled[i] = b.1 + t.1;
        }
    }
    let [b0, b1] = build.map(median);
    let [t0, t1] = test.map(median);
    for (i, (name, _, _)) in sides.iter().enumerate() {
        let (b, t) = if i == 0 { (b0, t0) } else { (b1, t1) };
        row(
            rows,
            &format!("downstream `cargo build` then `cargo test --no-run`, {name}"),
            format!("{:.2} s + {:.2} s; plaid-idv compiled {}×", b.as_secs_f64(), t.as_secs_f64(), compiled[i]),
            if i == 0 { "plaid-idv compiled once" } else { "" },
            (i == 0).then_some(compiled[0] == 1),
        );
    }
    row(rows, "the test step, kit / feature", format!("{:.2}", t0.as_secs_f64() / t1.as_secs_f64()), "", None);
}
