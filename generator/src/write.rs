//! Stage 6: put files on disk, all or nothing, or compare them with what is there.

use crate::error::{GenError, Result};
use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

/// Entries of an output directory that belong to the user, not the generator: kept on rewrite
/// and ignored by the staleness check.
const KEEP: &[&str] = &["target", "Cargo.lock"];

fn io_err(path: &Path, what: &str, e: std::io::Error) -> GenError {
    GenError::at(&path.display().to_string(), format!("{what}: {e}"))
}

/// Writes `files` as the complete contents of `out`. The new tree is built beside `out` and
/// swapped in with renames, so a failure at any point leaves the previous `out` intact.
pub fn write_atomic(out: &Path, files: &BTreeMap<String, String>) -> Result<()> {
    let out = if out.is_absolute() {
        out.to_path_buf()
    } else {
        std::env::current_dir().map_err(|e| io_err(out, "cannot resolve output path", e))?.join(out)
    };
    let name = out
        .file_name()
        .ok_or_else(|| GenError::at(&out.display().to_string(), "output path has no directory name"))?
        .to_string_lossy()
        .to_string();
    let parent = out.parent().map(Path::to_path_buf).unwrap_or_else(|| PathBuf::from("."));
    if !parent.is_dir() {
        return Err(GenError::at(&parent.display().to_string(), "output's parent directory does not exist"));
    }
    if out.exists() && !out.is_dir() {
        return Err(GenError::at(&out.display().to_string(), "output path exists and is not a directory"));
    }
    let tmp = parent.join(format!(".{name}.tmp-{}", std::process::id()));
    let old = parent.join(format!(".{name}.old-{}", std::process::id()));
    let _ = fs::remove_dir_all(&tmp);
    let result = (|| -> Result<()> {
        fs::create_dir(&tmp).map_err(|e| io_err(&tmp, "cannot create output directory", e))?;
        for (rel, text) in files {
            let path = tmp.join(rel);
            if let Some(dir) = path.parent() {
                fs::create_dir_all(dir).map_err(|e| io_err(dir, "cannot create directory", e))?;
            }
            fs::write(&path, text).map_err(|e| io_err(&path, "cannot write file", e))?;
        }
        Ok(())
    })();
    if let Err(e) = result {
        let _ = fs::remove_dir_all(&tmp);
        return Err(e);
    }
    if out.exists() {
        for keep in KEEP {
            let from = out.join(keep);
            if from.exists() {
                fs::rename(&from, tmp.join(keep)).map_err(|e| io_err(&from, "cannot carry over", e))?;
            }
        }
        let _ = fs::remove_dir_all(&old);
        if let Err(e) = fs::rename(&out, &old) {
            // Put carried-over entries back before giving up.
            for keep in KEEP {
                let _ = fs::rename(tmp.join(keep), out.join(keep));
            }
            let _ = fs::remove_dir_all(&tmp);
            return Err(io_err(&out, "cannot replace output directory", e));
        }
    }
    if let Err(e) = fs::rename(&tmp, &out) {
        let _ = fs::rename(&old, &out);
        return Err(io_err(&out, "cannot move new output into place", e));
    }
    let _ = fs::remove_dir_all(&old);
    Ok(())
}

fn list(dir: &Path, base: &Path, out: &mut Vec<String>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        let rel = p.strip_prefix(base).map(|r| r.to_string_lossy().replace('\\', "/")).unwrap_or_default();
        if KEEP.contains(&rel.as_str()) || rel.starts_with('.') {
            continue;
        }
        if p.is_dir() {
            list(&p, base, out);
        } else {
            out.push(rel);
        }
    }
}

/// Differences between `files` and what is in `out`: one entry per stale file, with a unified
/// diff (line endings normalized).
pub fn check(out: &Path, files: &BTreeMap<String, String>) -> Vec<String> {
    let mut stale = Vec::new();
    for (rel, want) in files {
        let have = fs::read_to_string(out.join(rel)).unwrap_or_default().replace("\r\n", "\n");
        if &have != want {
            let diff = similar::TextDiff::from_lines(&have, want)
                .unified_diff()
                .context_radius(2)
                .header(&format!("a/{rel}"), &format!("b/{rel}"))
                .to_string();
            stale.push(diff);
        }
    }
    let mut present = Vec::new();
    list(out, out, &mut present);
    present.sort();
    for rel in present {
        if !files.contains_key(&rel) {
            stale.push(format!("{rel}: not produced by the generator (would be deleted)\n"));
        }
    }
    stale
}
