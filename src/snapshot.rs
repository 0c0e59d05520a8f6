//! Workflow snapshots: one stable, human-readable text per workflow instance, for regression
//! tests of identity flows. No line numbers and a canonical order, so unrelated edits do not
//! change them; any change to a guard, a check, an action or where an argument comes from does.

use std::collections::BTreeSet;
use std::fmt::Write;

use crate::cfg::{NodeKind, Value};
use crate::drift::Finding;
use crate::spec::SpecSet;
use crate::workflow::label::find_named_argument;
use crate::workflow::{Instance, Labeler};

/// The snapshot file name of an instance: `<workflow>__<file>__<function>.txt`.
pub fn file_name(inst: &Instance) -> String {
    let clean = |s: &str| {
        s.chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' || c == '.' {
                    c
                } else {
                    '_'
                }
            })
            .collect::<String>()
    };
    format!(
        "{}__{}__{}.txt",
        inst.workflow,
        clean(&inst.entry.file),
        clean(&inst.entry.function)
    )
}

/// The text of one instance's snapshot.
pub fn render(inst: &Instance, specs: &SpecSet, findings: &[Finding]) -> String {
    let labeler = Labeler::new(specs);
    let spec = &specs.workflows[inst.spec];
    let cfg = &inst.cfg;
    let mut out = String::new();
    let _ = writeln!(out, "workflow: {} ({})", inst.workflow, spec.title);
    let _ = writeln!(
        out,
        "entry: {} {} [{}]",
        inst.entry.file, inst.entry.function, inst.entry.kind
    );

    let guards: BTreeSet<String> = cfg
        .graph
        .node_weights()
        .filter_map(|n| match &n.kind {
            NodeKind::Call {
                callee,
                guard: true,
                ..
            } => Some(callee.clone()),
            _ => None,
        })
        .collect();
    out.push_str("guards:\n");
    if guards.is_empty() {
        out.push_str("  (none)\n");
    }
    for g in &guards {
        let _ = writeln!(out, "  - {g}");
    }

    out.push_str("checks:\n");
    for (id, check) in &spec.checks {
        let found: BTreeSet<String> = inst
            .labels
            .checks
            .get(id)
            .map(|nodes| {
                nodes
                    .iter()
                    .map(|n| format!("{}: {}", cfg.node(*n).file, cfg.node(*n).label))
                    .collect()
            })
            .unwrap_or_default();
        if found.is_empty() {
            let _ = writeln!(out, "  - {id} ({}): not found", check.severity.as_str());
        } else {
            let _ = writeln!(out, "  - {id} ({}):", check.severity.as_str());
            for f in found {
                let _ = writeln!(out, "      {f}");
            }
        }
    }

    out.push_str("actions:\n");
    let mut actions: Vec<String> = Vec::new();
    for (n, id) in &inst.labels.actions {
        let node = cfg.node(*n);
        let NodeKind::Call { callee, args, .. } = &node.kind else {
            continue;
        };
        let mut text = format!("  - {id}: {callee}  ({} in {})\n", node.file, node.function);
        for (rule_id, rule) in &spec.actions[id].arguments {
            let source = match find_named_argument(args, &rule.keys, rule.position) {
                Some((key, value)) => format!("{key} = {}", describe_sources(&labeler, value)),
                None => "absent".to_string(),
            };
            let _ = writeln!(text, "      {rule_id}: {source}");
        }
        actions.push(text);
    }
    actions.sort();
    actions.dedup();
    for a in actions {
        out.push_str(&a);
    }

    let mut mine: Vec<String> = findings
        .iter()
        .filter(|f| {
            f.workflow == inst.workflow
                && f.entry_file == inst.entry.file
                && f.function == inst.entry.function
        })
        .map(|f| {
            format!(
                "  - {} {}/{} ({})",
                f.kind.as_str(),
                f.workflow,
                f.step,
                f.severity.as_str()
            )
        })
        .collect();
    mine.sort();
    mine.dedup();
    out.push_str("findings:\n");
    if mine.is_empty() {
        out.push_str("  (none)\n");
    }
    for m in mine {
        out.push_str(&m);
        out.push('\n');
    }
    out
}

fn describe_sources(labeler: &Labeler, v: &Value) -> String {
    let sources = labeler.sources(v);
    if sources.is_empty() {
        return "unknown".into();
    }
    sources
        .iter()
        .map(|s| format!("{} {}", s.kind(), source_text(s)))
        .collect::<Vec<_>>()
        .join(" | ")
}

fn source_text(s: &crate::workflow::Source) -> String {
    use crate::workflow::Source::*;
    match s {
        Literal(v) => format!("{v:?}"),
        Session(d) | Request(d) | Unknown(d) => format!("`{d}`"),
    }
}
