//! `idrift graph [PATH] --workflow ID`: the extracted CFGs as DOT or Mermaid.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::{emit, SpecArgs, WalkArgs, EXIT_FINDINGS, EXIT_OK};
use crate::analyse;
use crate::cfg::render;
use crate::error::Error;

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum GraphFormat {
    Mermaid,
    Dot,
}

#[derive(Args, Debug)]
pub struct GraphArgs {
    /// Repository folder or single file.
    #[arg(default_value = ".")]
    pub path: PathBuf,
    /// Only instances of this workflow id (invite, role-assign, domain-verify, sso-setup).
    #[arg(long)]
    pub workflow: Option<String>,
    /// Only instances whose entry function has this name.
    #[arg(long)]
    pub function: Option<String>,
    #[arg(long, value_enum, default_value_t = GraphFormat::Mermaid)]
    pub format: GraphFormat,
    #[command(flatten)]
    pub walk: WalkArgs,
    #[command(flatten)]
    pub specs: SpecArgs,
}

pub fn run(args: &GraphArgs) -> Result<i32, Error> {
    let (specs, options) = args.specs.load_for(&args.path, &args.walk)?;
    if let Some(id) = &args.workflow {
        if !specs.workflows.iter().any(|w| &w.id == id) {
            let ids: Vec<&str> = specs.workflows.iter().map(|w| w.id.as_str()).collect();
            return Err(Error::Usage(format!(
                "--workflow {id}: no such workflow (known: {})",
                ids.join(", ")
            )));
        }
    }
    let analysis = analyse(&args.path, &specs, &options)?;
    let mut out = String::new();
    let mut shown = 0;
    for inst in &analysis.instances {
        if args.workflow.as_ref().is_some_and(|w| *w != inst.workflow)
            || args
                .function
                .as_ref()
                .is_some_and(|f| *f != inst.entry.function)
        {
            continue;
        }
        shown += 1;
        let title = format!(
            "{} — {}:{} {}",
            inst.workflow, inst.entry.file, inst.entry.line, inst.entry.function
        );
        match args.format {
            GraphFormat::Mermaid => {
                out.push_str(&format!("%% {title}\n"));
                out.push_str(&render::mermaid(&inst.cfg, &[]));
            }
            GraphFormat::Dot => {
                out.push_str(&format!("// {title}\n"));
                out.push_str(&render::dot(&inst.cfg));
            }
        }
        out.push('\n');
    }
    if shown == 0 {
        eprintln!("no matching workflow instance found");
        return Ok(EXIT_FINDINGS);
    }
    emit(&out)?;
    Ok(EXIT_OK)
}
