//! `idrift config check [PATH]` and `idrift config schema`.

use std::path::PathBuf;

use clap::Subcommand;

use super::{emit, SpecArgs, EXIT_OK};
use crate::error::Error;

#[derive(Subcommand, Debug)]
pub enum ConfigCommand {
    /// Validate the project config against the loaded specs: `idrift.toml` in PATH (a folder),
    /// or PATH itself (a file).
    Check {
        /// The config file, or the folder that holds `idrift.toml`.
        #[arg(default_value = ".")]
        path: PathBuf,
        #[command(flatten)]
        specs: SpecArgs,
    },
    /// Print the JSON Schema of `idrift.toml`.
    Schema,
}

pub fn run(cmd: &ConfigCommand) -> Result<i32, Error> {
    match cmd {
        ConfigCommand::Check { path, specs } => {
            let mut set = specs.load()?;
            let explicit = specs
                .config
                .as_deref()
                .or(path.is_file().then_some(path.as_path()));
            let Some(config) = crate::config::load(path, explicit, &mut set)? else {
                return Err(Error::Usage(format!(
                    "{}: no {} here (give the file, or --config FILE)",
                    path.display(),
                    crate::config::FILE_NAME
                )));
            };
            emit(&format!(
                "ok: {} is valid ({} entr{} to match in code)\n",
                config.file,
                config.entries.len(),
                if config.entries.len() == 1 {
                    "y"
                } else {
                    "ies"
                }
            ))?;
            Ok(EXIT_OK)
        }
        ConfigCommand::Schema => {
            emit(&format!(
                "{}\n",
                serde_json::to_string_pretty(&crate::config::schema()).expect("schema")
            ))?;
            Ok(EXIT_OK)
        }
    }
}
