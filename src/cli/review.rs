//! `idrift review --base REF [PATH]`: the post-generation review of a change (a PR gate).

use std::fmt::Write;
use std::path::PathBuf;

use clap::Args;

use super::scan::Format;
use super::{emit, FailOn, SpecArgs, WalkArgs, EXIT_FINDINGS, EXIT_OK};
use crate::error::Error;
use crate::review::{review, Review};
use crate::spec::Severity;

#[derive(Args, Debug)]
pub struct ReviewArgs {
    /// Folder to review (inside a git work tree).
    #[arg(default_value = ".")]
    pub path: PathBuf,
    /// The revision the change is compared with (a branch, tag or commit).
    #[arg(long, value_name = "REF")]
    pub base: String,
    /// Output format: text; json (the whole review); markdown (a pull-request comment); sarif
    /// (the findings the change introduces, for code scanning).
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Exit 1 when the change introduces a finding of at least this severity.
    #[arg(long, value_enum, default_value_t = FailOn::Low)]
    pub fail_on: FailOn,
    #[command(flatten)]
    pub walk: WalkArgs,
    #[command(flatten)]
    pub specs: SpecArgs,
}

pub fn run(args: &ReviewArgs) -> Result<i32, Error> {
    let (specs, options) = args.specs.load_for(&args.path, &args.walk)?;
    let r = review(&args.path, &args.base, &specs, &options)?;
    let out = match args.format {
        Format::Json => {
            let mut s = serde_json::to_string_pretty(&r).expect("review serialises");
            s.push('\n');
            s
        }
        Format::Markdown => crate::report::markdown::render_review(&r),
        Format::Sarif => crate::report::sarif::render(&introduced_report(&r), &specs),
        Format::Text => render_text(&r),
    };
    emit(&out)?;
    let threshold: Severity = args.fail_on.into();
    let failing = r
        .introduced
        .iter()
        .filter(|f| f.severity >= threshold)
        .count()
        + r.added_suppressions.len();
    Ok(if failing > 0 { EXIT_FINDINGS } else { EXIT_OK })
}

/// A report of what the change introduces, for SARIF: its findings (with the fingerprints a
/// scan gives them) and the files that could not be analysed.
fn introduced_report(r: &Review) -> crate::report::Report {
    crate::report::Report {
        version: crate::report::JSON_VERSION,
        workflows: Vec::new(),
        findings: r.introduced.clone(),
        unscanned: r.unscanned.clone(),
        unresolved: Vec::new(),
        stats: Default::default(),
        suppressed: Vec::new(),
        suppression_problems: Vec::new(),
        config_problems: Vec::new(),
        baseline: None,
        preview_not_run: None,
    }
}

fn render_text(r: &Review) -> String {
    let mut out = String::new();
    if !r.introduced.is_empty() {
        let _ = writeln!(
            out,
            "drift this change introduces ({}):\n",
            r.introduced.len()
        );
        for f in &r.introduced {
            let _ = writeln!(out, "{}", f.headline());
            let _ = writeln!(
                out,
                "  --> {}:{}:{} (in {}, {})",
                f.file, f.line, f.column, f.function, f.entry
            );
            let _ = writeln!(out, "  = {}", f.message);
            for s in &f.path {
                let _ = writeln!(out, "    {}:{}  {}", s.file, s.line, s.label);
            }
            out.push('\n');
        }
    }
    if !r.fixed.is_empty() {
        let _ = writeln!(out, "drift this change fixes ({}):", r.fixed.len());
        for f in &r.fixed {
            let _ = writeln!(
                out,
                "  {}[{}] {}/{} in {} ({})",
                f.severity.as_str(),
                f.kind.as_str(),
                f.workflow,
                f.step,
                f.entry_file,
                f.function
            );
        }
        out.push('\n');
    }
    for (title, list) in [
        ("identity workflows added", &r.added_workflows),
        ("identity workflows removed", &r.removed_workflows),
    ] {
        if !list.is_empty() {
            let _ = writeln!(out, "{title}:");
            for w in list {
                let _ = writeln!(out, "  {w}");
            }
            out.push('\n');
        }
    }
    for w in &r.reshaped_workflows {
        let _ = writeln!(out, "workflow reshaped: {}\n{}", w.workflow, w.diff);
    }
    if !r.added_suppressions.is_empty() {
        let _ = writeln!(
            out,
            "suppressions this change adds (a change must not silence its own gate):"
        );
        for s in &r.added_suppressions {
            let _ = writeln!(out, "  {}:{}: {}", s.file, s.line, s.text);
        }
        out.push('\n');
    }
    if !r.unscanned.is_empty() {
        let _ = writeln!(out, "not analysed ({} files):", r.unscanned.len());
        for u in &r.unscanned {
            let _ = writeln!(out, "  {}: {}", u.file, u.reason);
        }
        out.push('\n');
    }
    let _ = writeln!(out, "review against {}: {}", r.base, r.summary(""));
    out
}
