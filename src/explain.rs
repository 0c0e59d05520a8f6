//! `idrift explain FINGERPRINT`: for one finding, the calls and conditions on the path that
//! proves it, what each counted as, and why none counted as the missing or bypassed check, so a
//! user can tell a false positive from real drift and knows which helper to teach idrift.

use serde::Serialize;

use crate::cfg::NodeKind;
use crate::drift::Finding;
use crate::error::Error;
use crate::spec::SpecSet;
use crate::workflow::Labeler;
use crate::Analysis;

/// The explanation of one finding.
#[derive(Debug, Serialize)]
pub struct Explanation {
    pub finding: Finding,
    /// The calls and branches on the finding's path, in order.
    pub considered: Vec<Considered>,
    /// What the finding's step is: `check` (a check the path does not pass), `allow-list` (an
    /// argument rule with a list of allowed values) or `rule` (any other rule: where a value
    /// comes from, a redirect target, an unverified email, …).
    pub step_is: &'static str,
}

/// One call or branch on a finding's path.
#[derive(Debug, Serialize)]
pub struct Considered {
    pub file: String,
    pub line: u32,
    pub code: String,
    /// The spec's steps this code counts as.
    pub counts_as: Vec<String>,
    /// Why it is not the finding's check; absent for an argument rule's finding.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_the_check: Option<String>,
}

/// The finding whose fingerprint starts with `fingerprint` (a prefix of at least 6 characters
/// is enough when only one finding has it), explained.
pub fn explain(
    analysis: &Analysis,
    specs: &SpecSet,
    fingerprint: &str,
) -> Result<Explanation, Error> {
    let wanted = fingerprint.trim();
    if wanted.len() < 6 {
        return Err(Error::Usage(format!(
            "fingerprint `{wanted}` is too short; give at least 6 characters (`idrift scan --format json` lists them)"
        )));
    }
    let report = &analysis.report;
    let matching: Vec<&Finding> = report
        .findings
        .iter()
        .chain(&report.suppressed)
        .filter(|f| f.fingerprint.starts_with(wanted))
        .collect();
    let finding = match matching.as_slice() {
        [] => {
            return Err(Error::Usage(format!(
                "no finding has fingerprint `{wanted}` in this scan (`idrift scan --format json` lists the fingerprints)"
            )))
        }
        [one] => (*one).clone(),
        more => {
            return Err(Error::Usage(format!(
                "{} findings have fingerprints starting with `{wanted}`; give more characters",
                more.len()
            )))
        }
    };
    let instance = analysis.instances.iter().find(|inst| {
        inst.workflow == finding.workflow
            && inst.entry.file == finding.entry_file
            && inst.entry.function == finding.function
    });
    let spec = specs.workflows.iter().find(|w| w.id == finding.workflow);
    let step_is = match spec {
        Some(s) if s.checks.contains_key(&finding.step) => "check",
        Some(s)
            if s.actions.values().any(|a| {
                a.arguments
                    .get(&finding.step)
                    .is_some_and(|r| r.allow.is_some())
            }) =>
        {
            "allow-list"
        }
        _ => "rule",
    };
    let labeler = Labeler::new(specs);
    let mut considered = Vec::new();
    if let (Some(inst), Some(spec)) = (instance, spec) {
        let cfg = &inst.cfg;
        let check = spec.checks.get(&finding.step);
        for &n in &finding.witness {
            let node = cfg.node(n);
            if !matches!(node.kind, NodeKind::Call { .. } | NodeKind::Branch { .. }) {
                continue;
            }
            // The action call itself is what is protected, not a candidate.
            if node.file == finding.file && node.span.line == finding.line {
                continue;
            }
            let counts_as: Vec<String> = inst
                .labels
                .checks
                .iter()
                .filter(|(_, nodes)| nodes.contains(&n))
                .map(|(id, _)| id.clone())
                .collect();
            let not_the_check = check.and_then(|c| labeler.why_not(cfg, n, c));
            if considered.last().is_some_and(|c: &Considered| {
                c.file == node.file && c.line == node.span.line && c.code == node.label
            }) {
                continue;
            }
            considered.push(Considered {
                file: node.file.clone(),
                line: node.span.line,
                code: node.label.clone(),
                counts_as,
                not_the_check,
            });
        }
    }
    Ok(Explanation {
        finding,
        considered,
        step_is,
    })
}

/// The explanation as text.
pub fn render_text(e: &Explanation) -> String {
    use std::fmt::Write;
    let f = &e.finding;
    let mut out = String::new();
    let _ = writeln!(out, "{}  (fingerprint {})", f.headline(), f.fingerprint);
    let _ = writeln!(out, "  --> {}:{} (in {})", f.file, f.line, f.entry);
    let _ = writeln!(out, "  = {}\n", f.message);
    let is_check = e.step_is == "check";
    if e.considered.is_empty() {
        out.push_str(if is_check {
            "No call or condition on the path could have been the check.\n"
        } else {
            "No call or condition on the path.\n"
        });
    } else {
        match e.step_is {
            "check" => {
                let _ = writeln!(out, "On the path, considered as `{}`:", f.step);
            }
            "allow-list" => {
                out.push_str("On the path (none of it tests the value against a fixed list):\n")
            }
            _ => out.push_str("On the path:\n"),
        }
        for c in &e.considered {
            let _ = writeln!(out, "  {}:{}  {}", c.file, c.line, c.code);
            if !c.counts_as.is_empty() {
                let _ = writeln!(out, "      counts as: {}", c.counts_as.join(", "));
            }
            if let Some(why) = &c.not_the_check {
                let _ = writeln!(out, "      not `{}`: {why}", f.step);
            }
        }
    }
    match e.step_is {
        "check" => out.push_str("\nIf one of these is your check, name it for idrift: copy the shipped spec, add the helper to the check's `call:` or `verdict:` list and run with --spec-dir (README: \"Teach idrift your helpers\").\n"),
        "allow-list" => out.push_str("\nA value counts as allowed when a branch that refuses tests it against a fixed list before the call (`if role not in ALLOWED: abort(400)`), or a schema restricts it (`z.enum([...])`).\n"),
        _ if !f.help.is_empty() => {
            let _ = writeln!(out, "\nhelp: {}", f.help);
        }
        _ => {}
    }
    out
}
