//! Human-readable output: one block per finding with a code frame, the message, the witness
//! path and the fix.

use std::fmt::Write;

use super::Report;
use crate::drift::Finding;

/// A titled list, one indented line per item, then a blank line; nothing when it is empty.
fn section<T>(out: &mut String, title: &str, items: &[T], line: impl Fn(&T) -> String) {
    if items.is_empty() {
        return;
    }
    let _ = writeln!(out, "{title}:");
    for item in items {
        let _ = writeln!(out, "  {}", line(item));
    }
    out.push('\n');
}

/// Renders the report; `source` returns the text of a scanned file for code frames.
pub fn render(report: &Report, source: &dyn Fn(&str) -> Option<String>) -> String {
    let mut out = String::new();
    for (f, others) in by_place(&report.findings) {
        finding(&mut out, f, source);
        if !others.is_empty() {
            // One place, one fix: the other entries that reach it the same way are listed, not
            // repeated in full (each stays its own finding in JSON, SARIF and baselines).
            let _ = writeln!(
                out,
                "  also reached this way from {} more {}:",
                others.len(),
                if others.len() == 1 {
                    "entry"
                } else {
                    "entries"
                }
            );
            for o in others {
                // The entry's own place tells apart two entries of one name in two files.
                let at = o
                    .path
                    .first()
                    .map(|s| format!(" ({}:{})", s.file, s.line))
                    .unwrap_or_default();
                let _ = writeln!(out, "    {}{at}", where_reached(o));
            }
        }
        out.push('\n');
    }
    section(
        &mut out,
        &format!("not analysed ({} files)", report.unscanned.len()),
        &report.unscanned,
        |u| format!("{}: {}", u.file, u.reason),
    );
    section(
        &mut out,
        &format!(
            "suppression problems ({})",
            report.suppression_problems.len()
        ),
        &report.suppression_problems,
        |p| {
            format!(
                "{}:{}: idrift-ignore[{}]: {}",
                p.file, p.line, p.target, p.problem
            )
        },
    );
    section(
        &mut out,
        &format!("config warnings ({})", report.config_problems.len()),
        &report.config_problems,
        |p| {
            format!(
                "{}:{}:{}: {}: {}",
                p.file, p.line, p.column, p.entry, p.problem
            )
        },
    );
    if !report.suppressed.is_empty() {
        let _ = writeln!(
            out,
            "{} finding(s) suppressed inline.",
            report.suppressed.len()
        );
    }
    if let Some(b) = &report.baseline {
        let _ = writeln!(
            out,
            "baseline: {} new, {} accepted, {} fixed, {} obsolete",
            b.new,
            b.existing,
            b.fixed.len(),
            b.obsolete.len()
        );
        for e in &b.fixed {
            let _ = writeln!(
                out,
                "  fixed: {}/{} in {} ({})",
                e.workflow, e.step, e.file, e.function
            );
        }
        for e in &b.obsolete {
            let _ = writeln!(
                out,
                "  obsolete (remove from the baseline): {}/{} in {} ({})",
                e.workflow, e.step, e.file, e.function
            );
        }
    }
    section(
        &mut out,
        &format!(
            "unresolved ({} action call(s) with no request entry found; not judged)",
            report.unresolved.len()
        ),
        &report.unresolved,
        |u| {
            format!(
                "{}:{}: {}/{}: {}",
                u.file, u.line, u.workflow, u.action, u.reason
            )
        },
    );
    let unverified: Vec<_> = report.workflows.iter().filter(|w| !w.verified).collect();
    if !unverified.is_empty() {
        let _ = writeln!(
            out,
            "not fully verified ({} workflow instance(s)):",
            unverified.len()
        );
        for w in unverified {
            let _ = writeln!(out, "  {} {}:{} ({})", w.id, w.file, w.line, w.function);
            for r in &w.unverified {
                let _ = writeln!(out, "    - {r}");
            }
        }
        out.push('\n');
    }
    summary(&mut out, report);
    out
}

/// The findings grouped by place: the same rule at the same call, reached from several entries
/// (a helper every page calls), in the order of each place's first finding.
fn by_place(findings: &[Finding]) -> Vec<(&Finding, Vec<&Finding>)> {
    let mut groups: Vec<(&Finding, Vec<&Finding>)> = Vec::new();
    let mut index: std::collections::HashMap<_, usize> = std::collections::HashMap::new();
    for f in findings {
        let place = (
            f.kind,
            &f.workflow,
            &f.step,
            &f.file,
            f.line,
            f.column,
            f.severity,
        );
        match index.get(&place) {
            Some(&i) => groups[i].1.push(f),
            None => {
                index.insert(place, groups.len());
                groups.push((f, Vec::new()));
            }
        }
    }
    groups
}

/// Where a finding's call is reached from, as the user knows the entry.
fn where_reached(f: &Finding) -> String {
    let names_function =
        f.entry.split(' ').any(|w| w == f.function) || f.entry.ends_with(&f.function);
    let within = if f.entry.is_empty() || names_function {
        f.entry.clone()
    } else {
        format!("{}, {}", f.function, f.entry)
    };
    if within.is_empty() {
        f.function.clone()
    } else {
        within
    }
}

fn finding(out: &mut String, f: &Finding, source: &dyn Fn(&str) -> Option<String>) {
    let _ = writeln!(out, "{}", f.headline());
    // Where the call is, and the entry a request reaches it through, as the user knows it.
    let within = where_reached(f);
    let _ = writeln!(
        out,
        "  --> {}:{}:{} (in {within})",
        f.file, f.line, f.column
    );
    if let Some(text) = source(&f.file) {
        frame(out, &text, f);
    }
    let _ = writeln!(out, "  = {}", f.message);
    if !f.path.is_empty() {
        let _ = writeln!(out, "  path:");
        let width = f
            .path
            .iter()
            .map(|s| format!("{}:{}", s.file, s.line).len())
            .max()
            .unwrap_or(0);
        // Where the path enters another function (a helper, a middleware, a wrapper), the
        // function is named.
        let mut within: Option<&str> = None;
        for step in &f.path {
            if !step.function.is_empty() {
                if within.is_some_and(|w| w != step.function) {
                    let name = if step.function.starts_with('<') {
                        "an inline function".to_string()
                    } else {
                        format!("`{}`", step.function)
                    };
                    let _ = writeln!(out, "    {:<width$}  -> in {name}", "");
                }
                within = Some(&step.function);
            }
            let loc = format!("{}:{}", step.file, step.line);
            let _ = writeln!(out, "    {loc:<width$}  {}", step.label);
        }
    }
    if !f.help.is_empty() {
        let _ = writeln!(out, "  help: {}", f.help);
    }
}

/// The offending line(s) with a caret under the call.
fn frame(out: &mut String, text: &str, f: &Finding) {
    let lines: Vec<&str> = text.lines().collect();
    let idx = f.line as usize;
    if idx == 0 || idx > lines.len() {
        return;
    }
    let gutter = idx.to_string().len();
    let _ = writeln!(out, "{:gutter$} |", "");
    let line = lines[idx - 1];
    let _ = writeln!(out, "{idx} | {line}");
    let start_col = f.column.saturating_sub(1) as usize;
    let span_len = (f.span.1.saturating_sub(f.span.0)) as usize;
    let visible = line.chars().count().saturating_sub(start_col).max(1);
    let width = span_len.clamp(1, visible);
    let pad: String = line
        .chars()
        .take(start_col)
        .map(|c| if c == '\t' { '\t' } else { ' ' })
        .collect();
    let _ = writeln!(out, "{:gutter$} | {pad}{}", "", "^".repeat(width));
}

/// The closing lines. "Not fully verified" counts workflow instances (see
/// `WorkflowSummary::unverified`); files the parser could not fully read are "partly parsed",
/// so the two counts never seem to contradict each other.
fn summary(out: &mut String, report: &Report) {
    let n = report.workflows.len();
    if !report.stats.partial_anchor_files.is_empty() {
        let _ = writeln!(
            out,
            "Partly parsed: {} file(s) that call identity SDK operations could not be fully parsed ({}); a workflow there may be missing from this report.",
            report.stats.partial_anchor_files.len(),
            report.stats.partial_anchor_files.join(", ")
        );
    }
    if let Some(p) = &report.preview_not_run {
        let _ = writeln!(
            out,
            "Not run: the preview workflows {}, whose operations {} file(s) mention; add --preview to judge them.",
            p.workflows.join(", "),
            p.files
        );
    }
    if !report.has_action_calls() {
        let _ = writeln!(
            out,
            "No identity workflow found: no file calls an anchoring SDK operation ({} source files walked, {} parsed).",
            report.stats.files, report.stats.parsed_files
        );
        return;
    }
    // An instance several workflows judge is counted once, under all their names
    // (`admin-portal+invite`).
    let mut by_id: std::collections::BTreeMap<String, usize> = Default::default();
    for w in &report.workflows {
        let names: Vec<&str> = std::iter::once(w.id.as_str())
            .chain(w.also.iter().map(String::as_str))
            .collect();
        *by_id.entry(names.join("+")).or_default() += 1;
    }
    let list: Vec<String> = by_id.iter().map(|(k, v)| format!("{k} ×{v}")).collect();
    let high = report
        .findings
        .iter()
        .filter(|f| f.severity == crate::spec::Severity::High)
        .count();
    let unverified = report.workflows.iter().filter(|w| !w.verified).count();
    let _ = writeln!(
        out,
        "{} finding{} ({} high) in {} workflow instance{} ({}; {} not fully verified); {}{} source files walked, {} parsed, {} not analysed.",
        report.findings.len(),
        if report.findings.len() == 1 { "" } else { "s" },
        high,
        n,
        if n == 1 { "" } else { "s" },
        if list.is_empty() { "none".to_string() } else { list.join(", ") },
        unverified,
        match report.unresolved.len() {
            0 => String::new(),
            1 => "1 action call unresolved; ".to_string(),
            n => format!("{n} action calls unresolved; "),
        },
        report.stats.files,
        report.stats.parsed_files,
        report.unscanned.len()
    );
}
