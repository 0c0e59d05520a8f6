//! Markdown for a pull-request comment: a summary table, one section per finding, and a Mermaid
//! flowchart of the drifted workflow with the offending path highlighted (GitHub renders it).

use std::fmt::Write;

use super::Report;
use crate::cfg::render;
use crate::drift::Finding;
use crate::review::Review;
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
        findings_table(&mut out, &report.findings);
    }
    for (i, f) in report.findings.iter().enumerate() {
        let instance = instances.iter().find(|inst| {
            inst.workflow == f.workflow
                && inst.entry.file == f.entry_file
                && inst.entry.function == f.function
        });
        let chart = instance.map(|inst| render::mermaid(&inst.cfg, &f.witness));
        finding_section(&mut out, i + 1, f, chart.as_deref());
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
    unscanned_details(&mut out, &report.unscanned);
    out
}

/// A summary table of findings.
fn findings_table(out: &mut String, findings: &[Finding]) {
    out.push_str("| severity | kind | workflow / step | location |\n|---|---|---|---|\n");
    for f in findings {
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

/// One finding: where, what, the path that proves it, its graph, the fix.
fn finding_section(out: &mut String, number: usize, f: &Finding, chart: Option<&str>) {
    let _ = writeln!(
        out,
        "### {}. {} `{}/{}` — {}\n",
        number,
        f.kind.as_str(),
        f.workflow,
        escape(&f.step),
        f.severity.as_str()
    );
    let _ = writeln!(
        out,
        "`{}:{}` in `{}` ({})\n",
        f.file,
        f.line,
        escape(&f.function),
        escape(&f.entry)
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
    if let Some(chart) = chart.filter(|c| !c.is_empty()) {
        out.push_str("```mermaid\n");
        out.push_str(chart);
        out.push_str("```\n\n");
    }
    if !f.help.is_empty() {
        let _ = writeln!(out, "**Fix:** {}\n", escape(&f.help));
    }
}

/// The files not analysed, folded: they are why a report may be incomplete.
fn unscanned_details(out: &mut String, unscanned: &[super::Unscanned]) {
    if unscanned.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "<details><summary>{} file(s) not analysed</summary>\n",
        unscanned.len()
    );
    for u in unscanned {
        let _ = writeln!(out, "- `{}`: {}", u.file, escape(&u.reason));
    }
    out.push_str("\n</details>\n");
}

/// The marker an integration finds its own comment by, to update it rather than add another.
pub const REVIEW_MARKER: &str = "<!-- idrift-review -->";

/// The pull-request comment of a review: what the change introduces and fixes, the workflows it
/// adds, removes and reshapes (with their diff and graph), and the suppressions it adds.
pub fn render_review(r: &Review) -> String {
    let mut out = format!("{REVIEW_MARKER}\n## idrift: identity workflow review\n\n");
    let _ = writeln!(out, "Against `{}`: {}\n", escape(&r.base), r.summary("**"));
    if !r.introduced.is_empty() {
        out.push_str("### Drift this change introduces\n\n");
        findings_table(&mut out, &r.introduced);
        for (i, f) in r.introduced.iter().enumerate() {
            let chart = r.charts.introduced.get(i).map(String::as_str);
            finding_section(&mut out, i + 1, f, chart);
        }
    }
    if !r.fixed.is_empty() {
        out.push_str("### Drift this change fixes\n\n");
        findings_table(&mut out, &r.fixed);
    }
    for (title, list) in [
        ("Identity workflows added", &r.added_workflows),
        ("Identity workflows removed", &r.removed_workflows),
    ] {
        if !list.is_empty() {
            let _ = writeln!(out, "### {title}\n");
            for w in list {
                let _ = writeln!(out, "- `{}`", escape(w));
            }
            out.push('\n');
        }
    }
    for (i, w) in r.reshaped_workflows.iter().enumerate() {
        let _ = writeln!(out, "### Workflow reshaped: `{}`\n", escape(&w.workflow));
        out.push_str("<details><summary>What changed in its snapshot</summary>\n\n```diff\n");
        // A fence inside the diff would end the block early.
        out.push_str(&w.diff.replace("```", "'''"));
        if !w.diff.ends_with('\n') {
            out.push('\n');
        }
        out.push_str("```\n\n</details>\n\n");
        if let Some(chart) = r.charts.reshaped.get(i).filter(|c| !c.is_empty()) {
            out.push_str("```mermaid\n");
            out.push_str(chart);
            out.push_str("```\n\n");
        }
    }
    if !r.added_suppressions.is_empty() {
        out.push_str("### Suppressions this change adds\n\nA change must not silence its own gate: each of these fails it.\n\n");
        for s in &r.added_suppressions {
            let _ = writeln!(
                out,
                "- `{}:{}` `{}`",
                s.file,
                s.line,
                s.text.replace('`', "'")
            );
        }
        out.push('\n');
    }
    unscanned_details(&mut out, &r.unscanned);
    if r.introduced.is_empty() && r.added_suppressions.is_empty() {
        out.push_str("\nNo drift introduced.\n");
    }
    out
}

/// Keeps table cells and text from breaking the Markdown around them.
fn escape(s: &str) -> String {
    s.replace('|', "\\|")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}
