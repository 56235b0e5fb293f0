//! #23 (issue 26): the models' written-out `Serialize`/`Deserialize` (fields listed for one
//! shared routine) against serde's derive on the same structs. `serde_differential/copy.rs` is
//! a derive-based copy of every struct, emitted from the IR by
//! `plaid_idv_generator::emit::derive_copy` and compiled only here. For every spec example and
//! for seeded random bodies of every struct, both impls must refuse the body, or both accept it
//! and encode byte-identical JSON.

mod common;

use plaid_idv_generator::ir::{FieldShape, Ir, Kind, Ty};
use serde::{de::DeserializeOwned, Serialize};
use serde_json::{json, Map, Value};

#[allow(dead_code, clippy::all)]
mod copy {
    use super::__compare;
    include!("serde_differential/copy.rs");
}

/// Both impls on one body: `R` is the crate's type, `C` its derive copy. The crate's type is
/// encoded twice, through its written-out `Serialize` and by its JSON writer (`ToJson`); both
/// must be the derive's bytes.
fn __compare<R: Serialize + DeserializeOwned + plaid_idv::ToJson, C: Serialize + DeserializeOwned>(
    json: &str,
) -> Result<(), String> {
    match (serde_json::from_str::<R>(json), serde_json::from_str::<C>(json)) {
        (Ok(r), Ok(c)) => {
            let (written, c) = (r.to_json(), serde_json::to_string(&c).unwrap());
            let r = serde_json::to_string(&r).unwrap();
            if r != c {
                Err(format!("encodings differ:\n written-out: {r}\n derive:      {c}"))
            } else if written != c {
                Err(format!("encodings differ:\n ToJson: {written}\n derive: {c}"))
            } else {
                Ok(())
            }
        }
        (Err(_), Err(_)) => Ok(()),
        (Ok(_), Err(e)) => Err(format!("only the derive refuses it: {e}")),
        (Err(e), Ok(_)) => Err(format!("only the written-out impl refuses it: {e}")),
    }
}

fn ir() -> Ir {
    let root = common::root();
    plaid_idv_generator::generate(&root.join("spec/plaid-idv.yaml"), &root.join("spec/portion.toml")).unwrap().ir
}

/// The copy is the generator's output for today's spec (`UPDATE_DERIVE_COPY=1` rewrites it).
#[test]
fn the_derive_copy_is_current() {
    let want = plaid_idv_generator::emit::derive_copy::emit(&ir(), "plaid-idv");
    let path = common::root().join("tests/serde_differential/copy.rs");
    if std::env::var_os("UPDATE_DERIVE_COPY").is_some() {
        std::fs::write(&path, &want).unwrap();
    }
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        have == want,
        "{} is stale: run UPDATE_DERIVE_COPY=1 cargo test -p plaid-idv-tests --test serde_differential",
        path.display()
    );
}

/// Compares both impls on `body`; `Ok(false)` when `name` is not a struct (an enum or newtype,
/// whose impls are the runtime's macros, not the written-out struct code).
fn check(name: &str, body: &Value) -> Result<bool, String> {
    let text = body.to_string();
    match copy::differential(name, &text) {
        Some(r) => r.map(|()| true).map_err(|e| format!("{name} on {text}: {e}")),
        None => Ok(false),
    }
}

#[test]
fn every_spec_example_encodes_as_the_derive_does() {
    let ir = ir();
    let mut checked = 0;
    for ex in &ir.examples {
        let Ty::Named(name) = &ex.ty else { continue };
        for body in std::iter::once(&ex.value).chain(ex.unknown_variant.as_ref()) {
            assert!(check(name, body).unwrap(), "example {} decodes into {name}, which the copy lacks", ex.test_name);
            checked += 1;
        }
    }
    assert!(checked >= 10, "{checked} examples");
    println!("{checked} spec examples: written-out and derive agree");
}

use common::Rng;

const STRINGS: &[&str] =
    &["", "a", "idv_52xR9LKo77r1Np", "é😀 ü", "quote \" back \\ slash\nnewline\ttab", "\u{1}\u{1f}", "</script>"];

/// A random body for `ty`: valid for the schema most of the time, with unknown enum values,
/// unknown keys, absent and `null` optional fields; `depth` bounds recursive types.
fn random(ty: &Ty, ir: &Ir, rng: &mut Rng, depth: usize) -> Value {
    match ty {
        Ty::String => json!(rng.pick(STRINGS)),
        Ty::Bool => json!(rng.below(2) == 0),
        Ty::I32 => json!(*rng.pick(&[0i64, 1, -1, i32::MAX as i64, i32::MIN as i64])),
        Ty::I64 => json!(*rng.pick(&[0i64, 7, -42, i64::MAX, i64::MIN])),
        Ty::F64 => json!(*rng.pick(&[0.0f64, 1.5, -0.25, 1e300, 3.0, 123456.789, 5e-324])),
        // Dates and timestamps are also read without chrono's parser (issue 26): odd and invalid
        // forms too, which must be refused or read exactly as chrono does.
        Ty::Date => match rng.below(6) {
            0 => json!(rng.pick(&[
                "2023-02-30",
                "2023-2-03",
                " 2023-02-03",
                "2024-02-29",
                "+2024-02-29",
                "20240229",
                "2023-02-0x"
            ])),
            _ => json!(random_timestamp(rng).date_naive().to_string()),
        },
        // Any instant from year 0 to 9999 with 0, 3, 6 or 9 digits of fraction (the written-out
        // impls print timestamps and dates without chrono's formatter, issue 26), a leap second
        // and an offset (which chrono prints itself).
        Ty::DateTime => match rng.below(8) {
            0 => json!(rng.pick(&[
                "2016-12-31T23:59:60.5Z",
                "2024-01-02T03:04:05+02:00",
                "0000-01-01T00:00:00Z",
                "2024-01-02t03:04:05z",
                "2024-01-02 03:04:05Z",
                "2024-01-02T03:04:05.1234567891Z",
                "2024-01-02T03:04:05.Z",
                "2024-01-02T24:00:00Z",
                "2023-02-30T03:04:05Z",
                "2024-01-02T03:04:05",
                "2024-01-02T03:04:5Z",
            ])),
            1 => {
                // A fraction of any width from 1 to 9 digits.
                let t = random_timestamp(rng).to_rfc3339_opts(chrono::SecondsFormat::Nanos, true);
                json!(format!("{}Z", &t[..21 + rng.below(9)]))
            }
            _ => json!(random_timestamp(rng).to_rfc3339_opts(
                *rng.pick(&[chrono::SecondsFormat::Nanos, chrono::SecondsFormat::AutoSi, chrono::SecondsFormat::Secs]),
                true
            )),
        },
        Ty::Json => rng.pick(&[json!(null), json!({"k": [1, "two", {"x": null}]}), json!("s"), json!(3.25)]).clone(),
        Ty::Vec(inner) => Value::Array(
            (0..rng.below(if depth > 3 { 1 } else { 3 })).map(|_| random(inner, ir, rng, depth + 1)).collect(),
        ),
        Ty::Map(inner) => {
            let n = rng.below(if depth > 3 { 1 } else { 3 });
            Value::Object((0..n).map(|i| (format!("k{i}"), random(inner, ir, rng, depth + 1))).collect())
        }
        Ty::Nullable(inner) => {
            if rng.below(3) == 0 {
                Value::Null
            } else {
                random(inner, ir, rng, depth)
            }
        }
        Ty::Named(name) => match &ir.types[name].kind {
            Kind::Enum { variants } => {
                if rng.below(5) == 0 || variants.is_empty() {
                    json!("a_value_from_a_newer_spec")
                } else {
                    json!(rng.pick(variants).wire)
                }
            }
            Kind::Newtype { inner } => random(inner, ir, rng, depth),
            Kind::Struct { fields, .. } => {
                let mut map = Map::new();
                for f in fields {
                    let absent_ok = f.shape().may_be_absent() || f.shape() == FieldShape::Nullable;
                    let null_ok = matches!(f.shape(), FieldShape::Nullable | FieldShape::OptionalNullable { .. });
                    match rng.below(6) {
                        0 | 1 if absent_ok || (depth > 5 && f.boxed) => continue,
                        2 if null_ok => {
                            map.insert(f.wire.clone(), Value::Null);
                        }
                        _ => {
                            map.insert(f.wire.clone(), random(&f.ty, ir, rng, depth + 1));
                        }
                    }
                }
                if rng.below(4) == 0 {
                    map.insert("a_key_from_a_newer_spec".into(), json!({"nested": [1, 2]}));
                }
                Value::Object(map)
            }
        },
    }
}

/// A random instant from 0000-01-01 to 9999-12-31, whose fraction has 0, 3, 6 or 9 digits.
fn random_timestamp(rng: &mut Rng) -> chrono::DateTime<chrono::Utc> {
    const FIRST: i64 = -62_167_219_200; // 0000-01-01T00:00:00Z
    const LAST: i64 = 253_402_300_799; // 9999-12-31T23:59:59Z
    let secs = FIRST + (rng.next() % (LAST - FIRST + 1) as u64) as i64;
    let nanos = match rng.below(4) {
        0 => 0,
        1 => rng.below(1000) as u32 * 1_000_000,
        2 => rng.below(1_000_000) as u32 * 1_000,
        _ => rng.below(1_000_000_000) as u32,
    };
    chrono::DateTime::from_timestamp(secs, nanos).unwrap()
}

#[test]
fn random_bodies_of_every_struct_encode_as_the_derive_does() {
    let ir = ir();
    let rounds: usize = std::env::var("DIFF_ROUNDS").ok().and_then(|v| v.parse().ok()).unwrap_or(40);
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let (mut bodies, mut failures) = (0, Vec::new());
    for (name, t) in &ir.types {
        if !matches!(t.kind, Kind::Struct { .. }) {
            continue;
        }
        for _ in 0..rounds {
            let body = random(&Ty::Named(name.clone()), &ir, &mut rng, 0);
            bodies += 1;
            match check(name, &body) {
                Ok(true) => {}
                Ok(false) => failures.push(format!("{name}: not in the copy")),
                Err(e) => failures.push(e),
            }
        }
    }
    println!("{bodies} random bodies over every struct: {} disagreements", failures.len());
    assert!(failures.is_empty(), "{} of {bodies} disagree; first: {}", failures.len(), failures[0]);
}

/// The comparison can fail: a copy that renames one key disagrees.
#[test]
fn a_diverging_encoding_is_caught() {
    #[derive(Serialize, serde::Deserialize)]
    struct Renamed {
        #[serde(rename = "role")]
        _id: String,
    }
    let body = r#"{"id":"usr_1","created_at":"2024-01-02T03:04:05Z","email_address":"a@b.c","status":"active"}"#;
    let e = __compare::<plaid_idv::types::DashboardUser, Renamed>(body).unwrap_err();
    assert!(e.contains("only the written-out") || e.contains("differ") || e.contains("only the derive"), "{e}");
    assert!(copy::differential("DashboardUser", body).unwrap().is_ok());
}
