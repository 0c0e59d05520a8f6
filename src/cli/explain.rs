//! `idrift explain FINGERPRINT [PATH]`: why a finding was reported.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::{emit, SpecArgs, WalkArgs, EXIT_OK};
use crate::error::Error;
use crate::explain::{explain, render_text};

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExplainFormat {
    Text,
    Json,
}

#[derive(Args, Debug)]
pub struct ExplainArgs {
    /// The finding's fingerprint, or a unique prefix of at least 6 characters.
    pub fingerprint: String,
    /// Repository folder or single file, scanned as `scan` does.
    #[arg(default_value = ".")]
    pub path: PathBuf,
    #[arg(long, value_enum, default_value_t = ExplainFormat::Text)]
    pub format: ExplainFormat,
    #[command(flatten)]
    pub walk: WalkArgs,
    #[command(flatten)]
    pub specs: SpecArgs,
}

pub fn run(args: &ExplainArgs) -> Result<i32, Error> {
    let (specs, options) = args.specs.load_for(&args.path, &args.walk)?;
    if !args.path.exists() {
        return Err(Error::Usage(format!(
            "{}: no such file or directory",
            args.path.display()
        )));
    }
    let analysis = crate::analyse(&args.path, &specs, &options)?;
    let e = explain(&analysis, &specs, &args.fingerprint)?;
    let out = match args.format {
        ExplainFormat::Text => render_text(&e),
        ExplainFormat::Json => {
            let mut s = serde_json::to_string_pretty(&e).expect("explanation serialises");
            s.push('\n');
            s
        }
    };
    emit(&out)?;
    Ok(EXIT_OK)
}
