//! plaid-idv-generator: reads the Identity Verification portion of a Plaid OpenAPI spec and
//! writes the `plaid-idv` Rust client crate.
//!
//! Pipeline: [`load`] → [`select`] (reading the document's structure through [`model`]) →
//! [`lower`] (to the raw [`ir`]) → [`passes`] (the IR → IR passes, in order) → [`validate`] →
//! [`emit`] → [`render`] → [`mod@write`].

pub mod contract;
pub mod convert;
pub mod diff;
pub mod emit;
pub mod error;
pub mod graph;
pub mod headers;
pub mod ir;
pub mod load;
pub mod lower;
pub mod manifest;
pub mod model;
pub mod naming;
pub mod one_of;
pub mod op_rules;
pub mod passes;
pub mod portion;
pub mod public_api;
pub mod render;
pub mod required;
pub mod retype;
pub mod select;
pub mod sensitive;
pub mod unify;
pub mod validate;
pub mod write;

pub use error::{GenError, Result};
use std::collections::BTreeMap;
use std::path::Path;

/// A generated crate in memory.
#[derive(Debug, Clone)]
pub struct Output {
    /// File path (relative to the crate root) to contents.
    pub files: BTreeMap<String, String>,
    /// The IR it came from.
    pub ir: ir::Ir,
}

/// Runs the pipeline on spec bytes and a parsed selection. Nothing is written.
pub fn generate_from(spec_bytes: &[u8], spec_name: &str, portion: &portion::Portion) -> Result<Output> {
    let spec = load::load_bytes(spec_bytes, spec_name)?;
    generate_spec(&spec, portion)
}

/// Stack for the pipeline thread: lowering recurses once per nesting level of a schema (bounded
/// by `lower`'s depth limit), and callers' threads may have small stacks.
const PIPELINE_STACK: usize = 256 << 20;

/// Runs `work` on a thread with a large stack ([`PIPELINE_STACK`]), the one every lowering runs
/// on (`gen` and `diff` alike). A panic inside (a bug) is propagated, not turned into an error.
fn on_pipeline_thread<T: Send>(work: impl FnOnce() -> Result<T> + Send) -> Result<T> {
    std::thread::scope(|scope| {
        let worker = std::thread::Builder::new()
            .name("plaid-idv-generator".into())
            .stack_size(PIPELINE_STACK)
            .spawn_scoped(scope, work)
            .map_err(|e| GenError::at("#", format!("cannot start the generator thread: {e}")))?;
        worker.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    })
}

/// Runs select → lower → emit → render on a loaded spec, on a thread with a large stack.
/// A panic inside (a bug) is propagated, not turned into an error.
pub fn generate_spec(spec: &load::Spec, portion: &portion::Portion) -> Result<Output> {
    on_pipeline_thread(|| {
        let sel = select::select(spec, portion)?;
        let mut ir = lower::lower(spec, &sel, portion)?;
        if let Some(divergence) = passes::run(&mut ir, portion)?.into_iter().next() {
            return Err(divergence);
        }
        validate::validate(&ir)?;
        let files = render::render(&ir)?;
        Ok(Output { files, ir })
    })
}

/// Runs the pipeline on files. Nothing is written.
pub fn generate(spec_path: &Path, portion_path: &Path) -> Result<Output> {
    let portion = portion::Portion::load(portion_path)?;
    let spec = load::load_file(spec_path)?;
    generate_spec(&spec, &portion)
}

/// The selected portion of a spec as a standalone OpenAPI document (JSON).
pub fn extract_portion(spec_path: &Path, portion_path: &Path) -> Result<serde_json::Value> {
    let portion = portion::Portion::load(portion_path)?;
    let spec = load::load_file(spec_path)?;
    let sel = select::select(&spec, &portion)?;
    Ok(select::extract(&spec, &sel))
}

/// Runs two specs through the same selection and reports the changes to the generated API.
pub fn diff_specs(old: &Path, new: &Path, portion_path: &Path) -> Result<diff::Report> {
    let portion = portion::Portion::load(portion_path)?;
    let load = |p: &Path| -> Result<(ir::Ir, diff::Raw)> {
        let spec = load::load_file(p)?;
        on_pipeline_thread(|| {
            let sel = select::select(&spec, &portion)?;
            let mut ir = lower::lower(&spec, &sel, &portion)?;
            let divergences = passes::run(&mut ir, &portion)?;
            // A diverged group is reported, not refused; anything else `gen` would refuse is.
            validate::validate(&ir)?;
            let schemas = select::schemas_of(&spec.doc)?
                .map(|m| sel.schemas.iter().filter_map(|n| Some((n.clone(), m.get(n)?.clone()))).collect())
                .unwrap_or_default();
            let ops = sel.ops.iter().map(|o| (diff::op_key(&o.method, &o.path), o.op.clone())).collect();
            Ok((ir, diff::Raw { schemas, ops, divergences }))
        })
    };
    let (old_ir, old_raw) = load(old)?;
    let (new_ir, new_raw) = load(new)?;
    Ok(diff::diff(&old_ir, &new_ir, Some((&old_raw, &new_raw))))
}
