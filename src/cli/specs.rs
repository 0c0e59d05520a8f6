//! `idrift specs lint [DIR]` and `idrift specs schema`.

use std::path::PathBuf;

use clap::Subcommand;

use super::{emit, EXIT_OK};
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
}

pub fn run(cmd: &SpecsCommand) -> Result<i32, Error> {
    match cmd {
        SpecsCommand::Lint { dir } => {
            let set = match dir {
                Some(d) => {
                    let mut set = SpecSet::default();
                    spec::load_dir(&mut set, d)?;
                    set
                }
                None => spec::load_builtin()?,
            };
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
                out.push_str(&format!("{} — {} ({file})\n", wf.id, wf.title));
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
