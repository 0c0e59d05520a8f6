//! `idrift scan [PATH]`: the scheduled drift scan of a whole repository.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::{emit, FailOn, SpecArgs, EXIT_FINDINGS, EXIT_OK};
use crate::error::Error;
use crate::report::{json, text};
use crate::{analyse, ScanOptions};

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
}

#[derive(Args, Debug)]
pub struct ScanArgs {
    /// Repository folder or single file to scan.
    #[arg(default_value = ".")]
    pub path: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Exit 1 when a finding of at least this severity is reported.
    #[arg(long, value_enum, default_value_t = FailOn::Low)]
    pub fail_on: FailOn,
    /// Leave paths matching this glob (gitignore syntax) out of the scan; repeatable.
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,
    /// Also scan tests, mocks and operator scripts (`*.test.*`, `*.spec.*`, `__tests__/`,
    /// `tests/`, `scripts/`, …), which are skipped by default.
    #[arg(long)]
    pub include_tests: bool,
    #[command(flatten)]
    pub specs: SpecArgs,
}

pub fn run(args: &ScanArgs) -> Result<i32, Error> {
    let specs = args.specs.load()?;
    if !args.path.exists() {
        return Err(Error::Usage(format!(
            "{}: no such file or directory",
            args.path.display()
        )));
    }
    let analysis = analyse(
        &args.path,
        &specs,
        &ScanOptions {
            exclude: args.exclude.clone(),
            include_tests: args.include_tests,
        },
    )?;
    let report = &analysis.report;
    let out = match args.format {
        Format::Json => json::render(report),
        Format::Text => text::render(report, &|f| analysis.source(f).map(str::to_string)),
    };
    emit(&out)?;
    Ok(if report.failing(args.fail_on.into()) > 0 {
        EXIT_FINDINGS
    } else {
        EXIT_OK
    })
}
