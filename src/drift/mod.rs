//! Stage 7: compare each workflow instance with its spec and report drift.
//!
//! One file per finding kind: [`missing_check`], [`bypassed_step`], [`added_privilege`]. The
//! path analysis they share is in [`protection`]; argument rules in [`arguments`].

pub mod added_privilege;
pub mod arguments;
pub mod bypassed_step;
pub mod exposed_secret;
pub mod kept_from_request;
pub mod missing_check;
pub mod open_redirect;
pub mod protection;
pub mod unhandled_literal;
pub mod unverified_link;

use petgraph::graph::NodeIndex;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::cfg::{Cfg, Edge, NodeKind};
use crate::spec::{FindingKind, Severity, WorkflowSpec};
use crate::workflow::{Instance, Labeler};

/// One step of a witness path.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct PathStep {
    pub file: String,
    pub line: u32,
    pub label: String,
    /// The function the step's code is written in: a path passes through the helpers,
    /// middleware and wrappers it names.
    pub function: String,
}

/// A drift finding: what the code does that the spec does not allow, and the path that proves it.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    pub kind: FindingKind,
    pub workflow: String,
    /// The spec's check or argument-rule id.
    pub step: String,
    pub severity: Severity,
    /// File of the offending call, relative to the scan root.
    pub file: String,
    pub line: u32,
    pub column: u32,
    /// The entry function of the workflow instance.
    pub function: String,
    /// The entry as a user knows it (`route POST /api/team/invite`, `rpc org.members.update`).
    pub entry: String,
    pub message: String,
    /// How to fix it, from the spec.
    pub help: String,
    pub path: Vec<PathStep>,
    pub fingerprint: String,
    /// Entry point of the workflow instance (file).
    #[serde(skip)]
    pub entry_file: String,
    /// Byte range of the offending code, for code frames.
    #[serde(skip)]
    pub span: (u32, u32),
    /// Witness node indices in the instance's CFG, for graph highlighting.
    #[serde(skip)]
    pub witness: Vec<NodeIndex>,
}

impl Finding {
    /// `high[missing-check] invite/can_manage_members`: how every text output names a finding.
    pub fn headline(&self) -> String {
        format!(
            "{}[{}] {}/{}",
            self.severity.as_str(),
            self.kind.as_str(),
            self.workflow,
            self.step
        )
    }
}

/// What the rules need about one action call.
pub struct Site<'a> {
    pub instance: &'a Instance,
    pub spec: &'a WorkflowSpec,
    pub node: NodeIndex,
    pub action: &'a str,
    /// Every path to the call passes a signature check of a service (a webhook): the service
    /// is acting, not a signed-in user.
    pub signed_request: bool,
    /// The entry is a platform operator's route (an admin console behind an admin guard).
    pub operator: bool,
}

impl Site<'_> {
    /// Whether the checks about the caller of a request apply to this call: not in a job or
    /// script, nor in a request a service signed.
    pub fn has_user_caller(&self) -> bool {
        self.instance.root == crate::model::RootKind::Request && !self.signed_request
    }

    /// Whether a step does not bind this call because a platform operator makes it.
    pub fn operator_exempt(&self, step: &str) -> bool {
        self.operator && self.spec.operator_exempt.iter().any(|s| s == step)
    }
}

impl Site<'_> {
    /// The nodes of the instance's graph that count as check `id`, the action's own node aside:
    /// an action is not its own check (a webhook's dispatch on the verified event's name tests
    /// the verification's result, but does not refuse when it failed).
    pub fn check_nodes(&self, id: &str) -> Vec<NodeIndex> {
        self.instance
            .labels
            .checks
            .get(id)
            .into_iter()
            .flatten()
            .copied()
            .filter(|n| *n != self.node)
            .collect()
    }

    pub fn cfg(&self) -> &Cfg {
        &self.instance.cfg
    }

    pub fn callee(&self) -> String {
        match &self.cfg().node(self.node).kind {
            NodeKind::Call { callee, .. } => callee.clone(),
            _ => String::new(),
        }
    }

    /// The action's code as a message names it: the call (`userManagement.sendInvitation`), or
    /// for a branch on the action's literals, the literal it tests (`"dsync.user.deleted"`).
    pub fn written(&self) -> String {
        match &self.cfg().node(self.node).kind {
            NodeKind::Branch { condition, .. } => {
                let patterns = &self.spec.actions[self.action].literals;
                condition
                    .tested_literals()
                    .into_iter()
                    .find(|l| {
                        patterns
                            .iter()
                            .any(|p| crate::workflow::label::literal_matches(l, p))
                    })
                    .map(|l| format!("{l:?}"))
                    .unwrap_or_default()
            }
            _ => arguments::short(&self.callee()),
        }
    }

    pub fn action_title(&self) -> &str {
        &self.spec.actions[self.action].title
    }

    /// A finding of a rule about what the code does after this action (`redirect_after`,
    /// `link_by_email`, `session_from_response`), located at the action and worded from it:
    /// "after `title` (call), `what`; expected: the rule's title."
    pub fn following_finding(
        &self,
        kind: FindingKind,
        step: &str,
        rule: (&str, Severity, &str),
        what: String,
        witness: Vec<NodeIndex>,
        evidence: &str,
    ) -> Finding {
        let (title, severity, help) = rule;
        self.finding(
            kind,
            step,
            severity,
            format!(
                "after `{}` ({}), {what}; expected: {title}.",
                self.action_title(),
                self.written(),
            ),
            help.to_string(),
            witness,
            evidence,
        )
    }

    /// A finding located at this action call.
    #[allow(clippy::too_many_arguments)]
    pub fn finding(
        &self,
        kind: FindingKind,
        step: &str,
        severity: Severity,
        message: String,
        help: String,
        witness: Vec<NodeIndex>,
        evidence: &str,
    ) -> Finding {
        let node = self.cfg().node(self.node);
        let entry = &self.instance.entry;
        // A branch on an action's literal has no callee: its literal tells it apart.
        let callee = Some(self.callee())
            .filter(|c| !c.is_empty())
            .unwrap_or_else(|| self.written());
        let fingerprint = fingerprint(&[
            kind.as_str(),
            &self.instance.workflow,
            step,
            &entry.file,
            &entry.function,
            &callee,
            evidence,
        ]);
        Finding {
            kind,
            workflow: self.instance.workflow.clone(),
            step: step.to_string(),
            severity,
            file: node.file.clone(),
            line: node.span.line,
            column: node.span.col,
            function: entry.function.clone(),
            entry: entry.kind.clone(),
            message,
            help: help.split_whitespace().collect::<Vec<_>>().join(" "),
            // The call the finding is at always shows, also where the path goes on after it
            // (a step required after the action) and the call sits in a helper.
            path: render_path_keeping(self.instance, &witness, &[self.node]),
            fingerprint,
            entry_file: entry.file.clone(),
            span: (node.span.start, node.span.end),
            witness,
        }
    }
}

/// Compares every instance with its spec.
/// `reported_with` says which instances are reported as one (`workflow::reported_with`).
pub fn compare(
    instances: &[Instance],
    reported_with: &[Option<usize>],
    labeler: &Labeler,
) -> Vec<Finding> {
    let mut findings = Vec::new();
    // Instances reported as one (see `reported_with`) give each finding once: the host's own
    // comes first, and a guest's finding of the same step at the same place is the same finding.
    let mut order: Vec<usize> = (0..instances.len()).collect();
    order.sort_by_key(|&i| reported_with[i].is_some());
    let mut seen_in_group = std::collections::HashSet::new();
    for i in order {
        let inst = &instances[i];
        let group = reported_with[i].unwrap_or(i);
        let spec = &labeler.specs.workflows[inst.spec];
        let operator = labeler.is_operator_route(inst);
        let mut local = Vec::new();
        // Literals an instance must handle together are judged once, at its first anchor.
        let mut companions_judged: std::collections::HashSet<&str> = Default::default();
        for (node, action) in &inst.labels.actions {
            let signed = labeler.signed_request_checks(&inst.cfg);
            let site = Site {
                instance: inst,
                spec,
                node: *node,
                action,
                signed_request: !signed.is_empty()
                    && protection::analyse(
                        &inst.cfg,
                        *node,
                        &signed,
                        crate::spec::CheckPosition::Before,
                    ) == protection::Protection::Protected,
                operator,
            };
            let protections = protection::for_site(&site, labeler);
            missing_check::run(&site, &protections, labeler, &mut local);
            bypassed_step::run(&site, &protections, labeler, &mut local);
            added_privilege::run(&site, labeler, &mut local);
            exposed_secret::run(&site, labeler, &mut local);
            open_redirect::run(&site, labeler, &mut local);
            unverified_link::run(&site, &mut local);
            kept_from_request::run(&site, labeler, &mut local);
            if companions_judged.insert(action.as_str()) {
                unhandled_literal::run(&site, &mut local);
            }
        }
        let judged_elsewhere = |inst: &Instance, node: NodeIndex| {
            instances.iter().any(|other| {
                !std::ptr::eq(other, inst)
                    && std::sync::Arc::ptr_eq(&other.cfg, &inst.cfg)
                    && other.labels.actions.iter().any(|(n, _)| *n == node)
            })
        };
        added_privilege::run_privileged_operations(inst, spec, &judged_elsewhere, &mut local);
        arguments::report_check_rules(inst, spec, labeler, &mut local);
        // The same node can be reached through several inlining paths: report it once.
        local.sort_by(|a: &Finding, b: &Finding| {
            (&a.file, a.line, a.column, &a.fingerprint).cmp(&(
                &b.file,
                b.line,
                b.column,
                &b.fingerprint,
            ))
        });
        local.retain(|f| {
            seen_in_group.insert((
                group,
                f.file.clone(),
                f.line,
                f.column,
                f.kind,
                f.step.clone(),
            ))
        });
        findings.extend(local);
    }
    findings.sort_by(|a, b| {
        (
            &a.file,
            a.line,
            a.column,
            a.kind,
            &a.workflow,
            &a.step,
            &a.function,
        )
            .cmp(&(
                &b.file,
                b.line,
                b.column,
                b.kind,
                &b.workflow,
                &b.step,
                &b.function,
            ))
    });
    findings
}

/// A line-independent identity for a finding: rule, workflow, entry and evidence.
pub fn fingerprint(parts: &[&str]) -> String {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p.as_bytes());
        h.update([0u8]);
    }
    let digest = h.finalize();
    digest[..8].iter().map(|b| format!("{b:02x}")).collect()
}

/// A witness path as file:line steps, with the branch side taken and merge nodes left out.
///
/// Inside helpers (code neither in the entry function nor in the function of the path's last
/// node) only the steps that explain the path are kept: guards, branches that count as checks,
/// and where control leaves; logging and formatting calls there would bury the story.
pub fn render_path(inst: &Instance, path: &[NodeIndex]) -> Vec<PathStep> {
    render_path_keeping(inst, path, &[])
}

/// [`render_path`], always showing the nodes of `keep` (where a message says the path goes).
pub fn render_path_keeping(
    inst: &Instance,
    path: &[NodeIndex],
    keep: &[NodeIndex],
) -> Vec<PathStep> {
    let cfg = &inst.cfg;
    let entry_fn = (&cfg.node(cfg.entry).file, &cfg.node(cfg.entry).function);
    let last_fn = path
        .last()
        .map(|n| (&cfg.node(*n).file, &cfg.node(*n).function));
    let is_check = |n: &NodeIndex| inst.labels.checks.values().any(|v| v.contains(n));
    let mut out: Vec<PathStep> = Vec::new();
    let mut checked_helpers = std::collections::HashSet::new();
    for (i, n) in path.iter().enumerate() {
        let node = cfg.node(*n);
        if matches!(node.kind, NodeKind::Join { .. }) {
            continue;
        }
        let here = (&node.file, &node.function);
        let in_helper = here != entry_fn && Some(here) != last_fn;
        let telling = match &node.kind {
            NodeKind::Call { guard, .. } => *guard,
            NodeKind::Branch { .. } => {
                let check = is_check(n);
                if check {
                    checked_helpers.insert(here);
                }
                // The route's own path took this way: it says why the path goes on.
                check || cfg.decided.contains(n)
            }
            // Leaving a helper matters after it decided something (`return { ok: false }`).
            NodeKind::Return { denial, .. } => *denial || checked_helpers.contains(&here),
            _ => true,
        };
        // The last node is in the last node's function, never in a helper: it always shows.
        if in_helper && !telling && !keep.contains(n) {
            continue;
        }
        let mut label = node.label.clone();
        if let (NodeKind::Branch { .. }, Some(next)) = (&node.kind, path.get(i + 1)) {
            let mut sides = cfg.graph.edges_connecting(*n, *next).map(|e| *e.weight());
            let always = if cfg.decided.contains(n) {
                ", always for this path"
            } else {
                ""
            };
            // Both sides lead to the next step when the branch's body changes no control
            // flow (`if not ok: next = "/"`): the path says so rather than pick one.
            match (sides.next(), sides.next()) {
                (Some(Edge::True), Some(Edge::False)) | (Some(Edge::False), Some(Edge::True)) => {
                    label.push_str("  [either way]")
                }
                (Some(Edge::True), _) => label.push_str(&format!("  [true{always}]")),
                (Some(Edge::False), _) => label.push_str(&format!("  [false{always}]")),
                _ => {}
            }
        }
        if let (NodeKind::Call { .. }, Some(next)) = (&node.kind, path.get(i + 1)) {
            match crate::cfg::query::caught_by(cfg, *n, *next) {
                Some(crate::cfg::NOT_AWAITED) => label.push_str("  [rejects, not awaited]"),
                Some(crate::cfg::SWALLOWED) => label.push_str("  [rejects, swallowed by .catch()]"),
                Some(_) => label.push_str("  [throws, caught]"),
                None => {}
            }
        }
        let step = PathStep {
            file: node.file.clone(),
            line: node.span.line,
            label,
            function: node.function.clone(),
        };
        if out
            .last()
            .map(|l| l.file == step.file && l.line == step.line && l.label == step.label)
            .unwrap_or(false)
        {
            continue;
        }
        out.push(step);
    }
    out
}

/// Whether a step (check or argument rule) is waived for this call by one of the action's
/// waivers: every condition must hold, on positive evidence.
pub fn waived(site: &Site, step: &str, labeler: &Labeler) -> bool {
    holding_waivers(site, step, labeler).any(|w| w.severity.is_none())
}

/// The severity of a step's finding on this call: the spec's, or lower where a waiver that holds
/// lowers it instead of waiving it.
pub fn severity_of(
    site: &Site,
    step: &str,
    spec_severity: Severity,
    labeler: &Labeler,
) -> Severity {
    holding_waivers(site, step, labeler)
        .filter_map(|w| w.severity)
        .fold(spec_severity, Severity::min)
}

/// The action's waivers of `step` whose conditions all hold for this call.
fn holding_waivers<'s>(
    site: &'s Site,
    step: &'s str,
    labeler: &'s Labeler,
) -> impl Iterator<Item = &'s crate::spec::Waiver> + 's {
    let action = &site.spec.actions[site.action];
    let args: &[crate::cfg::ArgValue] = match &site.cfg().node(site.node).kind {
        NodeKind::Call { args, .. } => args,
        _ => &[],
    };
    action
        .waive
        .iter()
        .filter(move |w| w.steps.iter().any(|s| s == step))
        .filter(move |w| {
            w.when.iter().all(move |cond| {
                let found =
                    crate::workflow::label::find_argument(args, &cond.argument, cond.position);
                if !cond.absent_or.is_empty() || !cond.not_among.is_empty() {
                    // Absent, or a literal of the list (or none of the other list) on every path.
                    return match found {
                        None => true,
                        Some(value) => {
                            let sources = labeler.sources(value);
                            !sources.is_empty()
                                && sources.iter().all(|s| match s {
                                    crate::workflow::Source::Literal(v) => {
                                        (cond.absent_or.is_empty() || cond.absent_or.contains(v))
                                            && !cond
                                                .not_among
                                                .iter()
                                                .any(|n| n.eq_ignore_ascii_case(v))
                                            && !crate::workflow::label::has_any_word(
                                                v,
                                                &cond.not_among,
                                            )
                                    }
                                    _ => false,
                                })
                        }
                    };
                }
                if cond.present {
                    // A keyword argument (`code_verifier=…`), or a key of an object argument.
                    return args.iter().any(|a| {
                        let named = a.name.as_ref().is_some_and(|n| cond.argument.contains(n));
                        (named && !crate::workflow::label::is_empty_value(&a.value))
                            || passed_on_every_path(&a.value, &cond.argument)
                    });
                }
                if cond.literal {
                    return found.is_some_and(|value| {
                        let sources = labeler.sources(value);
                        !sources.is_empty()
                            && sources
                                .iter()
                                .all(|s| matches!(s, crate::workflow::Source::Literal(_)))
                    });
                }
                if !cond.looked_up_with.is_empty() {
                    return found.is_some_and(|value| {
                        labeler.looked_up_with_session(site.cfg(), value, &cond.looked_up_with)
                    });
                }
                if !cond.unless_looked_up_with.is_empty() {
                    return !found.is_some_and(|value| {
                        labeler.looked_up_with_session(
                            site.cfg(),
                            value,
                            &cond.unless_looked_up_with,
                        )
                    });
                }
                let Some(value) = found else {
                    return false;
                };
                // Every alternative must come from the session or from one of the calls; an empty
                // one (Go's zero value before the call succeeded) is the argument's absence.
                let alternatives: Vec<&crate::cfg::Value> = value
                    .alternatives()
                    .into_iter()
                    .filter(|alt| !crate::workflow::label::is_empty_value(alt))
                    .collect();
                !alternatives.is_empty()
                    && alternatives.iter().all(|alt| {
                        let from_session = cond.from.is_some() && {
                            let sources = labeler.sources(alt);
                            !sources.is_empty()
                                && sources
                                    .iter()
                                    .all(|s| matches!(s, crate::workflow::Source::Session(_)))
                        };
                        from_session
                            || (!cond.from_call.is_empty()
                                && labeler.comes_from_call(alt, &cond.from_call))
                    })
            })
        })
}

/// Whether an object argument holds one of `keys` on every path: written in it, or in an object
/// spread into it unconditionally (`...(pending && { codeVerifier })` holds it only sometimes).
fn passed_on_every_path(v: &crate::cfg::Value, keys: &[String]) -> bool {
    let crate::cfg::Value::Object { props } = v.peel() else {
        return false;
    };
    props.iter().any(|(k, val)| {
        (keys.contains(k) && !crate::workflow::label::is_empty_value(val))
            || (k == "..." && passed_on_every_path(val, keys))
    })
}

#[cfg(test)]
mod tests {
    use super::passed_on_every_path;
    use crate::cfg::Value;

    fn object(props: Vec<(&str, Value)>) -> Value {
        Value::Object {
            props: props.into_iter().map(|(k, v)| (k.to_string(), v)).collect(),
        }
    }

    #[test]
    fn a_key_is_passed_when_written_or_spread_in_unconditionally() {
        let keys = ["codeVerifier".to_string()];
        let verifier = || Value::Global {
            path: "verifier".into(),
        };
        // `{ code, codeVerifier }` and `{ code, ...{ codeVerifier } }`.
        assert!(passed_on_every_path(
            &object(vec![("codeVerifier", verifier())]),
            &keys
        ));
        assert!(passed_on_every_path(
            &object(vec![("...", object(vec![("codeVerifier", verifier())]))]),
            &keys
        ));
        // `{ options: { codeVerifier } }` passes no `codeVerifier` of the call's own, and
        // `...(native && { codeVerifier })` only sometimes, as does an empty one.
        assert!(!passed_on_every_path(
            &object(vec![(
                "options",
                object(vec![("codeVerifier", verifier())])
            )]),
            &keys
        ));
        let sometimes = Value::either(vec![
            object(vec![("codeVerifier", verifier())]),
            Value::Literal {
                value: "false".into(),
            },
        ]);
        assert!(!passed_on_every_path(
            &object(vec![("...", sometimes)]),
            &keys
        ));
        assert!(!passed_on_every_path(
            &object(vec![(
                "codeVerifier",
                Value::Literal {
                    value: "undefined".into()
                }
            )]),
            &keys
        ));
    }
}
