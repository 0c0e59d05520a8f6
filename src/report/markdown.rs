//! Markdown for a pull-request comment: a summary table, one section per finding, and a Mermaid
//! flowchart of the drifted workflow with the offending path highlighted (GitHub renders it).

use std::fmt::Write;

use super::Report;
use crate::cfg::render;
use crate::workflow::Instance;

pub fn render(report: &Report, instances: &[Instance]) -> String {
    let mut out = String::from("## idrift: identity workflow drift\n\n");
    if report.findings.is_empty() {
        let _ = writeln!(
            out,
            "No drift found in {} identity workflow instance{}.",
            report.workflows.len(),
            if report.workflows.len() == 1 { "" } else { "s" }
        );
        if !report.unresolved.is_empty() {
            let _ = writeln!(
                out,
                "\n**{} action call(s) could not be judged**: no request entry was found for them (listed below).",
                report.unresolved.len()
            );
        }
    } else {
        out.push_str("| severity | kind | workflow / step | location |\n|---|---|---|---|\n");
        for f in &report.findings {
            let _ = writeln!(
                out,
                "| {} | {} | `{}/{}` | `{}:{}` ({}) |",
                f.severity.as_str(),
                f.kind.as_str(),
                f.workflow,
                escape(&f.step),
                f.file,
                f.line,
                escape(&f.function)
            );
        }
        out.push('\n');
    }
    for (i, f) in report.findings.iter().enumerate() {
        let _ = writeln!(
            out,
            "### {}. {} `{}/{}` — {}\n",
            i + 1,
            f.kind.as_str(),
            f.workflow,
            escape(&f.step),
            f.severity.as_str()
        );
        let _ = writeln!(
            out,
            "`{}:{}` in `{}`\n",
            f.file,
            f.line,
            escape(&f.function)
        );
        let _ = writeln!(out, "{}\n", escape(&f.message));
        if !f.path.is_empty() {
            out.push_str("<details><summary>Path through the code</summary>\n\n");
            for s in &f.path {
                let _ = writeln!(
                    out,
                    "1. `{}:{}` `{}`",
                    s.file,
                    s.line,
                    s.label.replace('`', "'")
                );
            }
            out.push_str("\n</details>\n\n");
        }
        let instance = instances.iter().find(|inst| {
            inst.workflow == f.workflow
                && inst.entry.file == f.entry_file
                && inst.entry.function == f.function
        });
        if let Some(inst) = instance {
            out.push_str("```mermaid\n");
            out.push_str(&render::mermaid(&inst.cfg, &f.witness));
            out.push_str("```\n\n");
        }
        if !f.help.is_empty() {
            let _ = writeln!(out, "**Fix:** {}\n", escape(&f.help));
        }
    }
    if !report.unresolved.is_empty() {
        let _ = writeln!(
            out,
            "<details><summary>{} action call(s) unresolved: no request entry found, not judged</summary>\n",
            report.unresolved.len()
        );
        for u in &report.unresolved {
            let _ = writeln!(
                out,
                "- `{}:{}` {}/{}: {}",
                u.file,
                u.line,
                u.workflow,
                u.action,
                escape(&u.reason)
            );
        }
        out.push_str("\n</details>\n\n");
    }
    if !report.unscanned.is_empty() {
        let _ = writeln!(
            out,
            "<details><summary>{} file(s) not analysed</summary>\n",
            report.unscanned.len()
        );
        for u in &report.unscanned {
            let _ = writeln!(out, "- `{}`: {}", u.file, escape(&u.reason));
        }
        out.push_str("\n</details>\n");
    }
    out
}

/// Keeps table cells and text from breaking the Markdown around them.
fn escape(s: &str) -> String {
    s.replace('|', "\\|")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}
