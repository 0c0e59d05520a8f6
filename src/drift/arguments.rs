//! Argument rules: is the value of a privilege, tenancy or identity argument acceptable?

use petgraph::graph::NodeIndex;

use super::{Finding, Site};
use crate::cfg::query::{cut_for, path_avoiding};
use crate::cfg::{NodeKind, Value};
use crate::spec::{ArgumentRule, FindingKind, RequestPolicy, RequiredSource};
use crate::workflow::label::{equals_session_on_every_path, find_named_argument};
use crate::workflow::{Labeler, Source};

/// Why an argument breaks its rule.
#[derive(Debug, Clone)]
pub struct Violation {
    /// What is wrong, in a sentence fragment: "`roleSlug` is the literal \"admin\"…".
    pub problem: String,
    /// Stable evidence for the fingerprint (the literal, the source kind).
    pub evidence: String,
    /// Witness path (entry → action).
    pub path: Vec<NodeIndex>,
}

pub fn argument<'a>(site: &'a Site, rule: &ArgumentRule) -> Option<(String, &'a Value)> {
    let NodeKind::Call { args, .. } = &site.cfg().node(site.node).kind else {
        return None;
    };
    find_named_argument(args, &rule.keys, rule.position)
}

fn path_to_action(site: &Site) -> Vec<NodeIndex> {
    path_avoiding(
        site.cfg(),
        site.cfg().entry,
        |n| n == site.node,
        &Default::default(),
    )
    .unwrap_or_else(|| vec![site.node])
}

/// Reports every argument rule of the action whose finding kind is `kind` and that the call
/// breaks (unless a waiver applies).
pub fn report_rules(site: &Site, kind: FindingKind, labeler: &Labeler, out: &mut Vec<Finding>) {
    let action = &site.spec.actions[site.action];
    for (id, rule) in &action.arguments {
        if rule.finding != kind || super::waived(site, id, labeler) || site.operator_exempt(id) {
            continue;
        }
        if let Some(v) = evaluate(site, rule, labeler) {
            out.push(site.finding(
                kind,
                id,
                rule.severity,
                format!("{}; expected: {}.", v.problem, rule.title),
                String::new(),
                v.path,
                &v.evidence,
            ));
        }
    }
}

/// Checks one rule on one action call; `None` when the rule holds.
pub fn evaluate(site: &Site, rule: &ArgumentRule, labeler: &Labeler) -> Option<Violation> {
    let Some((key, value)) = argument(site, rule) else {
        if rule.required {
            let keys = rule.keys.join("`/`");
            return Some(Violation {
                problem: format!("`{}` is called without `{keys}`", short(&site.callee())),
                evidence: "absent".into(),
                path: path_to_action(site),
            });
        }
        return None;
    };
    let sources = labeler.sources(value);
    for source in &sources {
        match source {
            Source::Literal(v) => {
                if !rule.literal {
                    return Some(Violation {
                        problem: format!("`{key}` is the fixed literal {v:?}"),
                        evidence: format!("literal:{v}"),
                        path: path_to_action(site),
                    });
                }
                if rule.forbid.iter().any(|f| f == v) {
                    return Some(Violation {
                        problem: format!("`{key}` is the literal {v:?}"),
                        evidence: format!("literal:{v}"),
                        path: path_to_action(site),
                    });
                }
                if let Some(allow) = &rule.allow {
                    if !allow.iter().any(|a| a == v) && v != "[]" {
                        return Some(Violation {
                            problem: format!(
                                "`{key}` is the literal {v:?}, which is not among the allowed values ({})",
                                allow.join(", ")
                            ),
                            evidence: format!("literal:{v}"),
                            path: path_to_action(site),
                        });
                    }
                }
            }
            Source::Request(desc) => {
                if site.signed_request {
                    // A body a service signed is the service's word, not a user's input.
                    continue;
                }
                if rule.from == Some(RequiredSource::Session) {
                    // Request input compared equal to the session's value before the call is
                    // the session's value (`if (input.orgId !== ctx.tenant.id) throw`).
                    if equals_session_on_every_path(site.cfg(), site.node, value, labeler) {
                        continue;
                    }
                    // Request input the caller's access to was checked for: an organization id
                    // from the URL looked up with the caller, and the request refused on what
                    // the lookup said.
                    if checked_for_caller(site, value, labeler) {
                        continue;
                    }
                    return Some(Violation {
                        problem: format!(
                            "`{key}` comes from request input (`{desc}`) instead of the verified session"
                        ),
                        evidence: "request".into(),
                        path: path_to_action(site),
                    });
                }
                match rule.request {
                    RequestPolicy::Allow => {}
                    RequestPolicy::Deny => {
                        return Some(Violation {
                            problem: format!("`{key}` comes from request input (`{desc}`)"),
                            evidence: "request".into(),
                            path: path_to_action(site),
                        })
                    }
                    RequestPolicy::AllowListed => {
                        if is_schema_validated(value) {
                            // An input schema restricts it to fixed values (`z.enum([...])`).
                            continue;
                        }
                        if let Some(path) = unguarded_path(site, value) {
                            return Some(Violation {
                                problem: format!(
                                    "`{key}` comes from request input (`{desc}`) and no allow-list check on it stops the request before the call"
                                ),
                                evidence: "request-unchecked".into(),
                                path,
                            });
                        }
                    }
                }
            }
            Source::Session(_) | Source::Unknown(_) => {}
        }
    }
    None
}

/// Whether, before the call on every path, the request was refused unless the caller may use
/// `value`: some call was given the value together with something of the caller's (a session
/// value, or the request that carries the session) — `resolveUserOrgMembership(user.id,
/// orgId)`, `requireOrgAdmin(req, orgId)` — and either refuses itself or a branch on what it
/// returned refuses.
fn checked_for_caller(site: &Site, value: &Value, labeler: &Labeler) -> bool {
    let cfg = site.cfg();
    let target = value.stripped();
    let is_value = |v: &Value| {
        let s = v.stripped();
        s == target || s.alternatives().iter().any(|a| a.stripped() == target)
    };
    let of_caller = |v: &Value| {
        let sources = labeler.sources(v);
        sources.iter().any(|s| matches!(s, Source::Session(_)))
            || matches!(
                v.stripped(),
                Value::Param {
                    role: crate::ir::ParamRole::Request | crate::ir::ParamRole::Context,
                    ..
                }
            )
    };
    let mut lookups: Vec<(NodeIndex, String)> = Vec::new();
    for n in cfg.calls() {
        if n == site.node {
            continue;
        }
        let NodeKind::Call { callee, args, .. } = &cfg.node(n).kind else {
            continue;
        };
        // Arguments and what they hold: `query(sql, [userId, orgId])`, `get({ orgId, userId })`.
        let mut given = Vec::new();
        for a in args {
            flatten(&a.value, &mut given, 0);
        }
        let given_value = given.iter().any(|v| is_value(v));
        let given_caller = given.iter().any(|v| !is_value(v) && of_caller(v));
        if given_value && given_caller && crate::cfg::query::reaches(cfg, n, site.node) {
            lookups.push((n, callee.clone()));
        }
    }
    if lookups.is_empty() {
        return false;
    }
    let deciders: Vec<NodeIndex> = cfg
        .graph
        .node_indices()
        .filter(|n| match &cfg.node(*n).kind {
            NodeKind::Call { can_deny, .. } => *can_deny && lookups.iter().any(|(l, _)| l == n),
            NodeKind::Branch { condition, .. } => condition.value_calls.iter().any(|c| {
                lookups
                    .iter()
                    .any(|(_, callee)| c == callee || c.ends_with(&format!(".{callee}")))
            }),
            _ => false,
        })
        .collect();
    !deciders.is_empty()
        && super::protection::analyse(
            cfg,
            site.node,
            &deciders,
            crate::spec::CheckPosition::Before,
        ) == super::protection::Protection::Protected
}

/// A value and the items and fields it holds, a few levels deep.
fn flatten<'v>(v: &'v Value, out: &mut Vec<&'v Value>, depth: usize) {
    out.push(v);
    if depth > 3 {
        return;
    }
    match v.peel() {
        Value::Array { items } => items.iter().for_each(|i| flatten(i, out, depth + 1)),
        Value::Object { props } => props.iter().for_each(|(_, p)| flatten(p, out, depth + 1)),
        _ => {}
    }
}

/// A path to the action that passes no allow-list check of the value, if there is one.
///
/// An allow-list check is a branch whose condition mentions the variable (or property) the
/// value flows through and compares it with something: a literal, a constant list, a call such
/// as `ALLOWED.includes(role)`. A mere presence test (`if (!role)`) is not one.
fn unguarded_path(site: &Site, value: &Value) -> Option<Vec<NodeIndex>> {
    let cfg = site.cfg();
    let target = value.stripped();
    let alternatives: Vec<Value> = target.alternatives().into_iter().cloned().collect();
    let checks: Vec<NodeIndex> = cfg
        .graph
        .node_indices()
        .filter(|n| match &cfg.node(*n).kind {
            NodeKind::Branch { condition, .. } => {
                let tests_value = condition
                    .reads
                    .iter()
                    .any(|r| *r == target || alternatives.contains(r));
                let compares = !condition.literals.is_empty()
                    || !condition.calls.is_empty()
                    || !condition.comparisons.is_empty();
                tests_value && compares
            }
            _ => false,
        })
        .collect();
    let cut = cut_for(cfg, &checks, site.node);
    path_avoiding(cfg, cfg.entry, |n| n == site.node, &cut)
}

/// Whether every request-derived alternative of the value passed an input schema that
/// restricts it to fixed values.
fn is_schema_validated(value: &Value) -> bool {
    let alts = value.alternatives();
    let validated = |v: &Value| {
        let mut cur = v;
        loop {
            match cur {
                Value::Validated { .. } => return true,
                Value::Var { value, .. } => cur = value,
                _ => return false,
            }
        }
    };
    alts.iter().any(|a| validated(a))
        && alts
            .iter()
            .all(|a| validated(a) || matches!(a.peel(), Value::Literal { .. }))
}

/// The last two segments of a callee path, for messages.
pub fn short(callee: &str) -> String {
    let segs: Vec<&str> = callee.split('.').collect();
    if segs.len() <= 2 {
        callee.to_string()
    } else {
        segs[segs.len() - 2..].join(".")
    }
}
