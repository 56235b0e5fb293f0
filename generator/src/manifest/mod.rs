//! `api.json`, the API manifest beside every generated crate: what `cargo xtask gen` diffs
//! against to summarize a regeneration and write the changelog. It has its own versioned serde
//! types ([`Manifest`], format [`FORMAT_VERSION`]), converted from and into the IR, so a change
//! to the IR is not a change to the format; older formats are upgraded when read.

mod convert;
mod upgrade;
pub mod v3;

pub use v3::Manifest;

use crate::ir::Ir;
use std::path::Path;

/// Version of `api.json`'s format. Bumped when a change to [`Manifest`] would make an older
/// generator misread a newer manifest, or the other way round; manifests written before
/// versioning have none and count as 1.
///
/// - 2: `sent_only`, `aliases`, `conversions`, `divergences` (the last no longer written or
///   read: divergences are errors).
/// - 3: a field's `optional` / `nullable` / `explicit_null` became one `shape` (and so did
///   the flags of `RetrySafety::WhenTrue` and `Pagination`); `servers`, `auth` and
///   `features` hold what `lib.rs` is built from. Older manifests are upgraded when
///   read ([`Manifest::parse`]).
pub const FORMAT_VERSION: u32 = 3;

/// Why an `api.json` cannot be compared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ManifestError {
    /// Not JSON, or not a manifest: the JSON path and what serde said.
    Unreadable(String),
    /// Written by a newer generator, whose format this one does not know.
    Newer(u32),
}

impl std::fmt::Display for ManifestError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ManifestError::Unreadable(why) => write!(f, "the API manifest cannot be read ({why})"),
            ManifestError::Newer(v) => write!(
                f,
                "the API manifest has format {v}, newer than this generator's {FORMAT_VERSION}: it was written by a newer \
                 plaid-idv-generator, so comparing would misread it (update the generator)"
            ),
        }
    }
}

impl std::error::Error for ManifestError {}

impl Manifest {
    /// The manifest of `ir`, in the current format (examples and warnings are not part of it).
    pub fn of(ir: &Ir) -> Manifest {
        convert::manifest_of(ir)
    }

    /// The JSON text of `api.json`: pretty-printed, with a final newline.
    pub fn to_json(&self) -> Result<String, serde_json::Error> {
        serde_json::to_string_pretty(self).map(|j| j + "\n")
    }

    /// Reads an `api.json`. Older formats are upgraded (fields they lack take their defaults,
    /// so those facts compare as unchanged); a newer format is refused rather than misread.
    pub fn parse(text: &str) -> Result<Manifest, ManifestError> {
        let mut v: serde_json::Value =
            serde_json::from_str(text).map_err(|e| ManifestError::Unreadable(format!("not JSON: {e}")))?;
        let version = v.get("format_version").and_then(serde_json::Value::as_u64).unwrap_or(1);
        if version > u64::from(FORMAT_VERSION) {
            return Err(ManifestError::Newer(u32::try_from(version).unwrap_or(u32::MAX)));
        }
        if version < 3 {
            upgrade::upgrade_to_v3(&mut v)?;
        }
        serde_json::from_value(v).map_err(|e| ManifestError::Unreadable(e.to_string()))
    }

    /// The IR the manifest describes (no examples: the diff does not compare them).
    pub fn into_ir(self) -> Ir {
        convert::ir_of(self)
    }
}

/// Reads an `api.json` into the IR it describes ([`Manifest::parse`], then
/// [`Manifest::into_ir`]).
pub fn read(text: &str) -> Result<Ir, ManifestError> {
    Manifest::parse(text).map(Manifest::into_ir)
}

/// The API manifest in the output directory `out`: `None` when there is none, an error when
/// it does not parse.
pub fn read_dir(out: &Path) -> Option<Result<Ir, String>> {
    let text = std::fs::read_to_string(out.join(crate::render::MANIFEST)).ok()?;
    Some(read(&text).map_err(|e| e.to_string()))
}
