//! `idrift specs lint [DIR]`, `idrift specs schema`, `idrift specs list` and `idrift specs
//! coverage`.

use std::path::PathBuf;

use clap::{Subcommand, ValueEnum};

use super::{emit, SpecArgs, EXIT_FINDINGS, EXIT_OK};
use crate::error::Error;
use crate::spec::{self, SpecSet};

#[derive(Subcommand, Debug)]
pub enum SpecsCommand {
    /// Validate spec files: the built-in specs, or every .yaml/.yml file under DIR.
    Lint {
        /// Folder of specs to validate (default: the built-in specs).
        dir: Option<PathBuf>,
    },
    /// Print the JSON Schema of workflow spec files (or of provider files).
    Schema {
        /// Print the schema of provider files (`provider.yaml`) instead.
        #[arg(long)]
        provider: bool,
    },
    /// List the loaded workflows with their actions and checks.
    List,
    /// Every security-relevant operation of the provider's API (from the contract tables) with
    /// the workflow that anchors it, or why none does: what a clean report vouches for.
    Coverage {
        #[arg(long, value_enum, default_value_t = CoverageFormat::Text)]
        format: CoverageFormat,
        /// Exit 1 when an operation is covered by no loaded workflow.
        #[arg(long)]
        strict: bool,
        #[command(flatten)]
        specs: SpecArgs,
    },
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum CoverageFormat {
    Text,
    Json,
}

pub fn run(cmd: &SpecsCommand) -> Result<i32, Error> {
    match cmd {
        SpecsCommand::Coverage {
            format,
            strict,
            specs,
        } => coverage(&specs.load()?, *format, *strict),
        SpecsCommand::Lint { dir } => {
            let set = match dir {
                Some(d) => {
                    let mut set = SpecSet::default();
                    spec::load_dir(&mut set, d)?;
                    set
                }
                None => spec::load_builtin()?,
            };
            let problems = set.contract_problems();
            if !problems.is_empty() {
                return Err(Error::Usage(format!(
                    "the contract table and the workflow specs disagree:\n  {}",
                    problems.join("\n  ")
                )));
            }
            emit(&format!(
                "ok: {} workflow spec{} and {} provider file{} valid\n",
                set.workflows.len(),
                if set.workflows.len() == 1 { "" } else { "s" },
                set.providers.len(),
                if set.providers.len() == 1 { "" } else { "s" },
            ))?;
            Ok(EXIT_OK)
        }
        SpecsCommand::Schema { provider } => {
            let schema = if *provider {
                spec::provider_schema()
            } else {
                spec::workflow_schema()
            };
            emit(&format!(
                "{}\n",
                serde_json::to_string_pretty(&schema).expect("schema")
            ))?;
            Ok(EXIT_OK)
        }
        SpecsCommand::List => {
            let set = spec::load_builtin()?;
            let mut out = String::new();
            for (wf, file) in set.workflows.iter().zip(&set.files) {
                let preview = if wf.preview {
                    " [preview: runs with --preview]"
                } else {
                    ""
                };
                out.push_str(&format!("{} — {} ({file}){preview}\n", wf.id, wf.title));
                for (id, a) in &wf.actions {
                    out.push_str(&format!(
                        "  action {id}: {} [{}]\n",
                        a.title,
                        a.calls.join(", ")
                    ));
                }
                for (id, c) in &wf.checks {
                    out.push_str(&format!(
                        "  check  {id} ({}): {}\n",
                        c.severity.as_str(),
                        c.title
                    ));
                }
            }
            emit(&out)?;
            Ok(EXIT_OK)
        }
    }
}

fn coverage(set: &SpecSet, format: CoverageFormat, strict: bool) -> Result<i32, Error> {
    if set.contracts.is_empty() {
        return Err(Error::Usage(
            "no contract table loaded: the built-in specs have one; a --spec-dir needs a contract.yaml"
                .into(),
        ));
    }
    let rows = set.coverage();
    let uncovered = rows.iter().filter(|r| r.workflows.is_empty()).count();
    match format {
        CoverageFormat::Json => emit(&format!(
            "{}\n",
            serde_json::to_string_pretty(&rows).expect("coverage serialises")
        ))?,
        CoverageFormat::Text => {
            let width = rows.iter().map(|r| r.operation.len()).max().unwrap_or(0);
            let mut out = String::new();
            for r in &rows {
                let verdict = if r.workflows.is_empty() {
                    format!("not covered: {}", r.reason.as_deref().unwrap_or(""))
                } else {
                    match &r.partial {
                        Some(partial) => format!("{} (partly: {partial})", r.workflows.join(", ")),
                        None => r.workflows.join(", "),
                    }
                };
                out.push_str(&format!(
                    "{:<width$}  {:<6} {}  ({})\n    -> {verdict}\n",
                    r.operation, r.method, r.path, r.what
                ));
            }
            out.push_str(&format!(
                "{} security-relevant operations: {} covered by a workflow, {uncovered} not covered (each with its reason).\n",
                rows.len(),
                rows.len() - uncovered
            ));
            emit(&out)?;
        }
    }
    Ok(if strict && uncovered > 0 {
        EXIT_FINDINGS
    } else {
        EXIT_OK
    })
}
