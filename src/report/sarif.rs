//! SARIF 2.1.0 output, for code scanning dashboards: one rule per spec step, the witness path as
//! a code flow, line-independent fingerprints, and files that could not be analysed as
//! notifications.

use serde_json::{json, Value};

use super::Report;
use crate::spec::{FindingKind, Severity, SpecSet};

fn level(s: Severity) -> &'static str {
    match s {
        Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low => "note",
    }
}

/// GitHub code scanning reads `security-severity` as a CVSS-like score.
fn security_severity(s: Severity) -> &'static str {
    match s {
        Severity::High => "8.0",
        Severity::Medium => "5.0",
        Severity::Low => "3.0",
    }
}

struct Rule {
    id: String,
    title: String,
    description: String,
    help: String,
    severity: Severity,
    kind: FindingKind,
}

/// Every check and argument rule of the loaded specs, as SARIF rules.
fn rules(specs: &SpecSet) -> Vec<Rule> {
    let mut out = Vec::new();
    for wf in &specs.workflows {
        for (id, check) in &wf.checks {
            out.push(Rule {
                id: format!("{}/{id}", wf.id),
                title: check.title.clone(),
                description: format!("{} — {}", wf.title, check.title),
                help: check.help.split_whitespace().collect::<Vec<_>>().join(" "),
                severity: check.severity,
                kind: FindingKind::MissingCheck,
            });
        }
        for action in wf.actions.values() {
            for (id, rule) in &action.arguments {
                let rid = format!("{}/{id}", wf.id);
                if out.iter().any(|r: &Rule| r.id == rid) {
                    continue;
                }
                out.push(Rule {
                    id: rid,
                    title: rule.title.clone(),
                    description: format!("{} — {}", wf.title, rule.title),
                    help: format!("Make sure {}.", rule.title),
                    severity: rule.severity,
                    kind: rule.finding,
                });
            }
        }
    }
    out.sort_by(|a, b| a.id.cmp(&b.id));
    out
}

pub fn render(report: &Report, specs: &SpecSet) -> String {
    let mut rules = rules(specs);
    // Privileged operations are named by the call found; add their rules as they occur.
    for f in &report.findings {
        let id = format!("{}/{}", f.workflow, f.step);
        if !rules.iter().any(|r| r.id == id) {
            rules.push(Rule {
                id,
                title: "the workflow contains no privileged operation of another workflow".into(),
                description: f.message.clone(),
                help: f.help.clone(),
                severity: f.severity,
                kind: f.kind,
            });
        }
    }
    let rule_json: Vec<Value> = rules
        .iter()
        .map(|r| {
            json!({
                "id": r.id,
                "name": r.id.replace(['/', ':', '.'], "_"),
                "shortDescription": { "text": r.title },
                "fullDescription": { "text": r.description },
                "help": { "text": if r.help.is_empty() { r.title.clone() } else { r.help.clone() } },
                "defaultConfiguration": { "level": level(r.severity) },
                "properties": {
                    "security-severity": security_severity(r.severity),
                    "tags": ["security", "identity", r.kind.as_str()],
                },
            })
        })
        .collect();
    let results: Vec<Value> = report
        .findings
        .iter()
        .map(|f| {
            let id = format!("{}/{}", f.workflow, f.step);
            let index = rules.iter().position(|r| r.id == id).unwrap_or(0);
            let flow: Vec<Value> = f
                .path
                .iter()
                .map(|s| {
                    json!({
                        "location": {
                            "physicalLocation": {
                                "artifactLocation": { "uri": s.file },
                                "region": { "startLine": s.line.max(1) },
                            },
                            "message": { "text": s.label },
                        }
                    })
                })
                .collect();
            let mut result = json!({
                "ruleId": id,
                "ruleIndex": index,
                "level": level(f.severity),
                "message": { "text": f.message },
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": { "uri": f.file },
                        "region": { "startLine": f.line.max(1), "startColumn": f.column.max(1) },
                    }
                }],
                "partialFingerprints": { "idrift/v1": f.fingerprint },
                "properties": {
                    "kind": f.kind.as_str(),
                    "workflow": f.workflow,
                    "step": f.step,
                    "function": f.function,
                    "security-severity": security_severity(f.severity),
                },
            });
            if !flow.is_empty() {
                result["codeFlows"] = json!([{ "threadFlows": [{ "locations": flow }] }]);
            }
            result
        })
        .collect();
    let mut notifications: Vec<Value> = report
        .unscanned
        .iter()
        .map(|u| {
            json!({
                "level": "warning",
                "message": { "text": format!("{}: {}", u.file, u.reason) },
                "locations": [{
                    "physicalLocation": { "artifactLocation": { "uri": u.file } }
                }],
            })
        })
        .collect();
    // Fail closed: a workflow that could not be fully analysed is said so, never shown clean.
    for w in report.workflows.iter().filter(|w| !w.verified) {
        notifications.push(json!({
            "level": "warning",
            "message": { "text": format!(
                "workflow {} in {} ({}) is not fully verified: {}",
                w.id, w.file, w.function, w.unverified.join("; ")
            ) },
            "locations": [{
                "physicalLocation": {
                    "artifactLocation": { "uri": w.file },
                    "region": { "startLine": w.line.max(1) },
                }
            }],
        }));
    }
    // Action calls with no request entry: not judged, and said so.
    for u in &report.unresolved {
        notifications.push(json!({
            "level": "warning",
            "message": { "text": format!(
                "{}:{}: {}/{} unresolved: {}",
                u.file, u.line, u.workflow, u.action, u.reason
            ) },
            "locations": [{
                "physicalLocation": {
                    "artifactLocation": { "uri": u.file },
                    "region": { "startLine": u.line.max(1) },
                }
            }],
        }));
    }
    let sarif = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "idrift",
                    "version": env!("CARGO_PKG_VERSION"),
                    "rules": rule_json,
                }
            },
            "invocations": [{
                "executionSuccessful": true,
                "toolExecutionNotifications": notifications,
            }],
            "results": results,
        }],
    });
    let mut s = serde_json::to_string_pretty(&sarif).expect("sarif serialises");
    s.push('\n');
    s
}
