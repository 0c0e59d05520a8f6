//! Inline suppressions: `idrift-ignore[missing-check/can_manage_members]: reason` in a comment
//! on the finding's line or the line above, in any language's comment syntax. A suppression
//! without a reason, and one that suppresses nothing, are reported: a gate that code can
//! silence without saying why is no gate.

use serde::Serialize;

use crate::drift::Finding;
use crate::parse::Program;

const MARKER: &str = "idrift-ignore[";

/// One suppression comment.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Suppression {
    pub file: String,
    pub line: u32,
    /// `kind` or `kind/step`, as written.
    pub target: String,
    pub reason: String,
}

/// A suppression that needs attention.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct SuppressionProblem {
    pub file: String,
    pub line: u32,
    pub target: String,
    pub problem: String,
}

/// Every suppression comment in a text, with its 1-based line.
pub fn parse_suppressions(file: &str, text: &str) -> Vec<Suppression> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let mut rest = line;
        while let Some(pos) = rest.find(MARKER) {
            let after = &rest[pos + MARKER.len()..];
            let Some(end) = after.find(']') else { break };
            let target = after[..end].trim().to_string();
            let tail = &after[end + 1..];
            let reason = tail
                .strip_prefix(':')
                .map(|r| {
                    r.trim()
                        .trim_end_matches("*/")
                        .trim_end_matches("-->")
                        .trim()
                        .to_string()
                })
                .unwrap_or_default();
            out.push(Suppression {
                file: file.to_string(),
                line: i as u32 + 1,
                target,
                reason,
            });
            rest = tail;
        }
    }
    out
}

fn matches(s: &Suppression, f: &Finding) -> bool {
    if s.file != f.file || !(s.line == f.line || s.line + 1 == f.line) {
        return false;
    }
    let kind = f.kind.as_str();
    s.target == kind
        || s.target == format!("{kind}/{}", f.step)
        || s.target == format!("{kind}/{}/{}", f.workflow, f.step)
}

/// Splits findings into kept and suppressed, and reports suppression problems.
pub fn apply(
    program: &Program,
    findings: Vec<Finding>,
) -> (Vec<Finding>, Vec<Finding>, Vec<SuppressionProblem>) {
    let mut all: Vec<Suppression> = Vec::new();
    for (m, module) in program.modules.iter().enumerate() {
        all.extend(parse_suppressions(&module.path, &program.sources[m]));
    }
    let mut used = vec![false; all.len()];
    let mut kept = Vec::new();
    let mut suppressed = Vec::new();
    for f in findings {
        match all.iter().position(|s| matches(s, &f)) {
            Some(i) => {
                used[i] = true;
                suppressed.push(f);
            }
            None => kept.push(f),
        }
    }
    let mut problems = Vec::new();
    for (s, used) in all.iter().zip(used) {
        if s.reason.is_empty() {
            problems.push(SuppressionProblem {
                file: s.file.clone(),
                line: s.line,
                target: s.target.clone(),
                problem: "suppression without a reason: write `idrift-ignore[…]: why this is safe`"
                    .into(),
            });
        }
        if !used {
            problems.push(SuppressionProblem {
                file: s.file.clone(),
                line: s.line,
                target: s.target.clone(),
                problem: "unused suppression: no finding of this kind on this line or the next"
                    .into(),
            });
        }
    }
    (kept, suppressed, problems)
}
