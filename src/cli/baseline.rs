//! `idrift baseline write FILE [PATH]`: accept today's findings so only new drift fails.

use std::path::PathBuf;

use clap::Subcommand;

use super::{emit, SpecArgs, WalkArgs, EXIT_OK};
use crate::analyse;
use crate::error::Error;

#[derive(Subcommand, Debug)]
pub enum BaselineCommand {
    /// Scan PATH and write its findings to FILE as the accepted baseline.
    Write {
        /// Baseline file to write (JSON).
        file: PathBuf,
        /// Repository folder to scan.
        #[arg(default_value = ".")]
        path: PathBuf,
        #[command(flatten)]
        walk: WalkArgs,
        #[command(flatten)]
        specs: SpecArgs,
    },
}

pub fn run(cmd: &BaselineCommand) -> Result<i32, Error> {
    match cmd {
        BaselineCommand::Write {
            file,
            path,
            walk,
            specs,
        } => {
            let (specs, options) = specs.load_for(path, walk)?;
            let analysis = analyse(path, &specs, &options)?;
            let baseline = crate::baseline::from_findings(&analysis.report.findings);
            let mut text = serde_json::to_string_pretty(&baseline).expect("baseline serialises");
            text.push('\n');
            std::fs::write(file, text).map_err(|e| Error::Io {
                path: file.display().to_string(),
                source: e,
            })?;
            emit(&format!(
                "wrote {} finding(s) to {}\n",
                baseline.findings.len(),
                file.display()
            ))?;
            Ok(EXIT_OK)
        }
    }
}
