//! Argument rules: is the value of a privilege, tenancy or identity argument acceptable?

use petgraph::graph::NodeIndex;

use super::{Finding, Site};
use crate::cfg::query::{cut_for, path_avoiding};
use crate::cfg::{NodeKind, Value};
use crate::spec::{ArgumentRule, FindingKind, RequestPolicy, RequiredSource};
use crate::workflow::label::{equals_session_on_every_path, find_named_argument, literal_eq};
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
    /// A severity other than the rule's (an application role of unknown power: low).
    pub severity: Option<crate::spec::Severity>,
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
            let severity = v.severity.unwrap_or(rule.severity);
            out.push(site.finding(
                kind,
                id,
                super::severity_of(site, id, severity, labeler),
                format!("{}; expected: {}.", v.problem, rule.title),
                String::new(),
                v.path,
                &v.evidence,
            ));
        }
    }
}

/// Reports the rules on the arguments of the calls that make the instance's checks (see
/// `Check::arguments`), each at the call that breaks it.
pub fn report_check_rules(
    instance: &crate::workflow::Instance,
    spec: &crate::spec::WorkflowSpec,
    labeler: &Labeler,
    out: &mut Vec<Finding>,
) {
    let cfg = &instance.cfg;
    for check in spec.checks.values() {
        let Some(action) = check.protects.first() else {
            continue;
        };
        for (id, rule) in &check.arguments {
            for node in cfg.calls() {
                let NodeKind::Call { callee, .. } = &cfg.node(node).kind else {
                    continue;
                };
                // A spelling written exactly as called first: `hmac.New` (Go) and `hmac.new`
                // (Python) are one name in any style, with the key at other positions.
                let matching = || {
                    rule.calls
                        .iter()
                        .filter(|s| labeler.check_spelling_matches(callee, s))
                };
                let exact =
                    |s: &&String| crate::ir::last_segment(callee) == crate::ir::last_segment(s);
                let Some(spelling) = matching().find(exact).or_else(|| matching().next()) else {
                    continue;
                };
                let positioned;
                let rule = match rule.call_positions.get(spelling) {
                    Some(&position) => {
                        positioned = ArgumentRule {
                            position: Some(position),
                            ..rule.clone()
                        };
                        &positioned
                    }
                    None => rule,
                };
                // The verification itself is judged: a request it covers is no signed one yet.
                let site = Site {
                    instance,
                    spec,
                    node,
                    action,
                    signed_request: false,
                    operator: false,
                };
                if let Some(v) = evaluate(&site, rule, labeler) {
                    out.push(site.finding(
                        rule.finding,
                        id,
                        v.severity.unwrap_or(rule.severity),
                        format!("{}; expected: {}.", v.problem, rule.title),
                        check.help.clone(),
                        v.path,
                        &v.evidence,
                    ));
                }
            }
        }
    }
}

/// Checks one rule on one action call; `None` when the rule holds.
pub fn evaluate(site: &Site, rule: &ArgumentRule, labeler: &Labeler) -> Option<Violation> {
    let Some((key, value)) = argument(site, rule) else {
        if rule.required {
            let keys = rule.keys.join("`/`");
            return Some(Violation {
                problem: format!("`{}` is called without `{keys}`", site.written()),
                evidence: "absent".into(),
                path: path_to_action(site),
                severity: None,
            });
        }
        return None;
    };
    // A secret's every way, through conversions (`(os.environ.get(k) or "dev").encode()`): one
    // written way is one too many, even where another is the deployment's. Other rules read the
    // value as it is.
    let ways = if rule.secret {
        through_conversions(value)
    } else {
        Vec::new()
    };
    let sources = if rule.secret {
        let mut sources: Vec<Source> = ways.iter().flat_map(|way| labeler.sources(way)).collect();
        sources.sort();
        sources.dedup();
        sources
    } else {
        labeler.sources(value)
    };
    // A secret named by a constant (`process.env.WEBHOOK_SECRET`, `settings.WEBHOOK_SECRET`) is
    // the deployment's; only text written where the value is made is in the code.
    let written = |v: &str| {
        ways.iter()
            .any(|a| matches!(a, Value::Literal { value } if value == v))
    };
    for source in &sources {
        match source {
            Source::Literal(v) if rule.secret && (!written(v) || tested_before(site, value)) => {}
            Source::Literal(v) => {
                if !rule.literal {
                    // `returnTo ? btoa(returnTo) : undefined`: fixed on one path, computed on
                    // another; either way nothing random.
                    let sometimes = sources.len() > 1;
                    let empty = matches!(v.as_str(), "\"\"" | "''" | "");
                    let problem = match (v.as_str(), sometimes) {
                        _ if rule.secret => {
                            // The fallback of a configuration read: name the setting it stands
                            // in for, which may be read in another file.
                            let setting = ways.iter().find_map(|a| match a {
                                Value::Global { path } if crate::cfg::reads_configuration(path) => {
                                    Some(path.clone())
                                }
                                _ => None,
                            });
                            let on = match (&setting, sometimes) {
                                (Some(path), _) => format!(" where `{path}` is not set"),
                                (None, true) => " on some path".to_string(),
                                (None, false) => String::new(),
                            };
                            // A positional key names its call (`argument 2 of createHmac`).
                            let named = if key.starts_with("argument ") {
                                format!("{key} of `{}`", site.written())
                            } else {
                                format!("`{key}`")
                            };
                            if empty {
                                format!("{named} is empty{on}, a secret anyone can sign with")
                            } else {
                                format!(
                                    "{named} is a literal written in the code{on} (not shown here)"
                                )
                            }
                        }
                        ("null" | "undefined" | "None" | "nil", true) => {
                            format!("`{key}` is empty on some path")
                        }
                        ("null" | "undefined" | "None" | "nil", false) => {
                            format!("`{key}` is always empty")
                        }
                        (_, true) => format!("`{key}` is the fixed literal {v:?} on some path"),
                        (_, false) => format!("`{key}` is the fixed literal {v:?}"),
                    };
                    return Some(Violation {
                        problem,
                        evidence: if rule.secret {
                            "literal".into()
                        } else {
                            format!("literal:{v}")
                        },
                        path: path_to_action(site),
                        severity: None,
                    });
                }
                if rule.forbid.iter().any(|f| literal_eq(v, f)) {
                    let vouched = if rule.vouches_for.is_empty() {
                        Some(String::new())
                    } else {
                        unproven_claim(site, rule, labeler)
                    };
                    let Some(vouched) = vouched else {
                        continue;
                    };
                    return Some(Violation {
                        problem: format!("`{key}` is the literal {v:?}{vouched}"),
                        evidence: format!("literal:{v}"),
                        path: path_to_action(site),
                        severity: None,
                    });
                }
                if let Some(allow) = &rule.allow {
                    // A literal a service's signed request (a webhook) writes is the service's
                    // and the application's own policy; in a user's request, or in a job's run,
                    // it is what every caller or every row gets.
                    if !allow.iter().any(|a| literal_eq(v, a)) && v != "[]" && !site.signed_request
                    {
                        let privileged = rule.privileged.is_empty()
                            || crate::workflow::label::has_any_word(v, &rule.privileged);
                        return Some(Violation {
                            problem: if privileged {
                                format!(
                                    "`{key}` is the literal {v:?}, which is not among the allowed values ({})",
                                    allow.join(", ")
                                )
                            } else {
                                format!(
                                    "`{key}` is the literal {v:?}, a role of the application's own that is not among the allowed values ({}); review what it grants",
                                    allow.join(", ")
                                )
                            },
                            evidence: format!("literal:{v}"),
                            path: path_to_action(site),
                            severity: (!privileged).then_some(crate::spec::Severity::Low),
                        });
                    }
                }
            }
            Source::Request(desc) => {
                if site.signed_request {
                    // A body a service signed is the service's word, not a user's input; the
                    // URL and headers around it are nobody's word (the signature covers only the
                    // body), so an organization taken from them is the sender's choice.
                    if rule.from == Some(RequiredSource::Session) && outside_signed_body(desc) {
                        return Some(Violation {
                            problem: format!(
                                "`{key}` comes from the request's URL or headers (`{desc}`), which the webhook's signature does not cover, instead of the verified event"
                            ),
                            evidence: "request-unsigned".into(),
                            path: path_to_action(site),
                            severity: None,
                        });
                    }
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
                    if labeler.checked_for_caller(site.cfg(), site.node, value) {
                        continue;
                    }
                    return Some(Violation {
                        problem: format!(
                            "`{key}` comes from request input (`{desc}`) instead of the verified session"
                        ),
                        evidence: "request".into(),
                        path: path_to_action(site),
                        severity: None,
                    });
                }
                match rule.request {
                    RequestPolicy::Allow => {}
                    RequestPolicy::Deny => {
                        return Some(Violation {
                            problem: format!("`{key}` comes from request input (`{desc}`)"),
                            evidence: "request".into(),
                            path: path_to_action(site),
                            severity: None,
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
                                severity: None,
                            });
                        }
                    }
                }
            }
            Source::Session(_) | Source::Unknown(_) => {}
        }
    }
    if rule.random {
        if let Some(parts) = labeler.predictable_parts(site.cfg(), site.node, value) {
            return Some(Violation {
                problem: format!(
                    "`{key}` is computed only from {parts}, with nothing random in it: anyone can compute the same value"
                ),
                evidence: "predictable".into(),
                path: path_to_action(site),
                severity: None,
            });
        }
    }
    None
}

/// What a literal that vouches for another argument (`emailVerified: true` for `email`) leaves
/// unproven, as the rest of a message: that argument is request input and no lookup given it
/// with another value of the request decided first whether the request goes on. `None` when
/// the argument is the application's own (a record it looked up, the session's) or was proven.
fn unproven_claim(site: &Site, rule: &ArgumentRule, labeler: &Labeler) -> Option<String> {
    if site.signed_request {
        return None;
    }
    let NodeKind::Call { args, .. } = &site.cfg().node(site.node).kind else {
        return None;
    };
    let (key, value) = find_named_argument(args, &rule.vouches_for, None)?;
    let desc = labeler.request_input(value)?;
    if labeler.proven_with_request(site.cfg(), site.node, value) {
        return None;
    }
    Some(format!(
        " while `{key}` is request input (`{desc}`) that nothing proved the sender owns"
    ))
}

/// The ways a value takes, each followed back through what it was converted from: converted
/// text is still the text (`secret.encode()`, `[]byte("…")`, `Buffer.from("…")`).
fn through_conversions(value: &Value) -> Vec<&Value> {
    value
        .alternatives()
        .into_iter()
        .flat_map(|way| match way {
            Value::Derived { from, via } if crate::cfg::is_conversion(via) => {
                through_conversions(from)
            }
            way => vec![way],
        })
        .collect()
}

/// Whether every path to the call passes a test of `value` that refuses the request on one side
/// (`if (!secret) return 500`): a fallback the test turns away never reaches the call. A test
/// passed on another alternative (`if (isProd && !secret) return 500` passes outside production
/// whatever the secret) does not turn it away.
fn tested_before(site: &Site, value: &Value) -> bool {
    let cfg = site.cfg();
    let target = value.stripped();
    let tests: Vec<NodeIndex> = cfg
        .graph
        .node_indices()
        .filter(|&n| match &cfg.node(n).kind {
            NodeKind::Branch { condition, .. } => {
                condition.reads.iter().any(|r| r.stripped() == target)
                    && crate::cfg::query::a_side_refuses(cfg, n)
                    && crate::cfg::query::passing_alternatives(cfg, n, site.node)
                        .iter()
                        .all(|reads| reads.contains(&target))
            }
            _ => false,
        })
        .collect();
    !tests.is_empty()
        && path_avoiding(
            cfg,
            cfg.entry,
            |n| n == site.node,
            &cut_for(cfg, &tests, site.node),
        )
        .is_none()
}

/// A path to the action that passes no allow-list check of the value, if there is one.
///
/// An allow-list check is a branch whose condition mentions the variable (or property) the
/// value flows through and compares it with something: a literal, a constant list, a call such
/// as `ALLOWED.includes(role)`. A mere presence test (`if (!role)`) is not one.
fn unguarded_path(site: &Site, value: &Value) -> Option<Vec<NodeIndex>> {
    unguarded_path_to(site.cfg(), site.node, value)
}

/// [`unguarded_path`] to any node `to` that uses `value`.
pub(super) fn unguarded_path_to(
    cfg: &crate::cfg::Cfg,
    to: NodeIndex,
    value: &Value,
) -> Option<Vec<NodeIndex>> {
    let checks = allow_list_checks(cfg, value);
    let cut = cut_for(cfg, &checks, to);
    path_avoiding(cfg, cfg.entry, |n| n == to, &cut)
}

/// The branches that test `value` against something (a literal, a list, a call).
pub(super) fn allow_list_checks(cfg: &crate::cfg::Cfg, value: &Value) -> Vec<NodeIndex> {
    let target = value.stripped();
    let alternatives: Vec<Value> = target.alternatives().into_iter().cloned().collect();
    let is_target = |v: &Value| {
        let v = v.stripped();
        v == target || alternatives.contains(&v)
    };
    // `const check = validateEnum(role, ["admin", "user"]); if (!check.valid) return 400`: a
    // call handed the value (or whose answer the value is: `check.value`) with the fixed values
    // it may take answers whether it is one.
    let mut producers = Vec::new();
    target.producing_calls(&mut producers);
    let validators: Vec<&str> = cfg
        .graph
        .node_indices()
        .filter_map(|n| match &cfg.node(n).kind {
            NodeKind::Call { callee, args, .. }
                if (args.iter().any(|a| is_target(&a.value)) || producers.contains(callee))
                    && args.iter().any(|a| is_literal_list(&a.value)) =>
            {
                Some(callee.as_str())
            }
            _ => None,
        })
        .collect();
    cfg.graph
        .node_indices()
        .filter(|n| match &cfg.node(*n).kind {
            NodeKind::Branch { condition, .. } => {
                let tests_value = condition.reads.iter().any(&is_target);
                let compares = !condition.literals.is_empty()
                    || !condition.calls.is_empty()
                    || !condition.comparisons.is_empty();
                // `if (!ASSIGNABLE[role]) return 400`: the key tested against a table's keys.
                let looked_up = condition.lookups.iter().any(&is_target);
                let asks_validator = condition
                    .value_calls
                    .iter()
                    .any(|c| validators.contains(&c.as_str()));
                (tests_value && compares) || looked_up || asks_validator
            }
            _ => false,
        })
        .collect()
}

/// A list written out of fixed values (`["admin", "user"]`).
fn is_literal_list(v: &Value) -> bool {
    matches!(v.peel(), Value::Array { items }
        if !items.is_empty() && items.iter().all(|i| matches!(i.peel(), Value::Literal { .. })))
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
                // A method of a value from a fixed set (`body.role.slug()`, `role.lower()`)
                // gives one result per member: a fixed set too.
                Value::Derived { from, via } if via.starts_with('.') => cur = from,
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
/// Whether a request input description names a part of the request other than its body (the
/// query, path parameters, headers, cookies): what a webhook's signature does not cover.
fn outside_signed_body(desc: &str) -> bool {
    const UNSIGNED: &[&str] = &[
        "query",
        "searchparams",
        "params",
        "headers",
        "header",
        "cookies",
        "cookie",
        "args",
        "nexturl",
        "pathname",
        "query_params",
        "path_params",
        "querystring",
        "urlquery",
    ];
    desc.split(|c: char| !c.is_alphanumeric() && c != '_')
        .any(|segment| UNSIGNED.contains(&segment.to_ascii_lowercase().as_str()))
}

pub fn short(callee: &str) -> String {
    let segs: Vec<&str> = callee.split('.').collect();
    if segs.len() <= 2 {
        callee.to_string()
    } else {
        segs[segs.len() - 2..].join(".")
    }
}
