//! `idrift scan [PATH]`: the scheduled drift scan of a whole repository.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::{emit, FailOn, SpecArgs, WalkArgs, EXIT_FINDINGS, EXIT_OK};
use crate::analyse;
use crate::error::Error;
use crate::report::{json, markdown, sarif, text};

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
    Sarif,
    Markdown,
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
    /// Also exit 1 when an action call is unresolved (no request entry found for it), so code
    /// idrift could not judge fails the gate instead of passing it.
    #[arg(long)]
    pub strict: bool,
    /// Report only findings not in this baseline file (see `idrift baseline write`).
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    #[command(flatten)]
    pub walk: WalkArgs,
    #[command(flatten)]
    pub specs: SpecArgs,
}

pub fn run(args: &ScanArgs) -> Result<i32, Error> {
    let t = std::time::Instant::now();
    let (specs, options) = args.specs.load_for(&args.path, &args.walk)?;
    crate::trace("specs", t, format_args!(""));
    if !args.path.exists() {
        return Err(Error::Usage(format!(
            "{}: no such file or directory",
            args.path.display()
        )));
    }
    let baseline = args
        .baseline
        .as_deref()
        .map(crate::baseline::read)
        .transpose()?;
    let mut analysis = analyse(&args.path, &specs, &options)?;
    if let Some(b) = &baseline {
        analysis.apply_baseline(b);
    }
    let report = &analysis.report;
    let out = match args.format {
        Format::Json => json::render(report),
        Format::Sarif => sarif::render(report, &specs),
        Format::Markdown => markdown::render(report, &analysis.instances),
        Format::Text => text::render(report, &|f| analysis.source(f).map(str::to_string)),
    };
    let t = std::time::Instant::now();
    emit(&out)?;
    crate::trace("render+write", t, format_args!(""));
    let unjudged = if args.strict {
        report.unresolved.len()
    } else {
        0
    };
    Ok(if report.failing(args.fail_on.into()) + unjudged > 0 {
        EXIT_FINDINGS
    } else {
        EXIT_OK
    })
}
