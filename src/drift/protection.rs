//! Does a check protect an action? The shared path analysis behind `missing-check` and
//! `bypassed-step`.

use petgraph::graph::NodeIndex;
use petgraph::visit::EdgeRef;

use crate::cfg::query::{cut_for, leaves_by_exception, passing_edges, path_avoiding, reaches};
use crate::cfg::{Cfg, NodeKind, Value};
use crate::spec::CheckPosition;

/// How a check relates to one action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Protection {
    /// Every path passes the check on its passing side.
    Protected,
    /// No code in the workflow counts as the check. The path is any path to the action.
    Missing { path: Vec<NodeIndex> },
    /// The check exists, but the path reaches the action without passing it.
    Bypassed { path: Vec<NodeIndex>, how: Bypass },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Bypass {
    /// The check passes on an alternative that reads only request input (`if (!(isAdmin ||
    /// body.internal)) return 403`): the client passes it by sending `input`.
    ByInput { check: NodeIndex, input: String },
    /// Some path does not go through the check at all (a flag, an early branch): `check` is a
    /// node that counts as the check, `at` the last node of the path from which it could still
    /// have been reached (where the path leaves it aside).
    Skipped { check: NodeIndex, at: NodeIndex },
    /// The path goes through the check's failing side (it only logs, or its failure is caught:
    /// by what, see [`crate::cfg::query::caught_by`]).
    FailsOpen {
        caught: Option<&'static str>,
        check: NodeIndex,
    },
    /// The check runs only after the action.
    After { check: NodeIndex },
}

pub fn analyse(
    cfg: &Cfg,
    action: NodeIndex,
    checks: &[NodeIndex],
    position: CheckPosition,
) -> Protection {
    match position {
        CheckPosition::Before => before(cfg, action, checks),
        CheckPosition::After => after(cfg, action, checks),
        CheckPosition::Tested => tested(cfg, action, checks),
    }
}

/// `position: tested`: every path from the action to a normal exit passes a check, on either
/// side of it.
fn tested(cfg: &Cfg, action: NodeIndex, checks: &[NodeIndex]) -> Protection {
    let cut: std::collections::HashSet<_> = cfg
        .graph
        .edge_indices()
        .filter(|e| {
            // An error path uses nothing the action returned (as for `after`).
            cfg.graph[*e] == crate::cfg::Edge::Exception
                || cfg
                    .graph
                    .edge_endpoints(*e)
                    .is_some_and(|(from, _)| checks.contains(&from))
        })
        .collect();
    let is_exit = |n: NodeIndex| matches!(cfg.node(n).kind, NodeKind::Exit);
    match path_avoiding(cfg, action, is_exit, &cut) {
        Some(tail) => Protection::Missing {
            path: through_action(cfg, action, tail),
        },
        None => Protection::Protected,
    }
}

/// The whole story of a path that goes on after the action: entry → action, then `tail`
/// (which starts at the action).
fn through_action(cfg: &Cfg, action: NodeIndex, tail: Vec<NodeIndex>) -> Vec<NodeIndex> {
    let mut path = path_avoiding(cfg, cfg.entry, |n| n == action, &Default::default())
        .unwrap_or_else(|| vec![action]);
    path.extend(tail.into_iter().skip(1));
    path
}

fn before(cfg: &Cfg, action: NodeIndex, checks: &[NodeIndex]) -> Protection {
    let cut = cut_for(cfg, checks, action);
    let Some(path) = path_avoiding(cfg, cfg.entry, |n| n == action, &cut) else {
        return Protection::Protected;
    };
    if checks.is_empty() {
        return Protection::Missing { path };
    }
    // Through a check's failing side?
    if let Some(c) = path.iter().find(|n| checks.contains(n)) {
        return Protection::Bypassed {
            how: Bypass::FailsOpen {
                caught: leaves_by_exception(cfg, &path, *c),
                check: *c,
            },
            path,
        };
    }
    // Only after the action? Counted only for a check written in the same function as the
    // action: a session lookup inside some helper called later (audit logging) was never meant
    // to guard this call, so for it the check is simply missing.
    let before_any = checks.iter().any(|c| reaches(cfg, *c, action));
    if !before_any {
        let same_function = |c: &NodeIndex| {
            let (a, b) = (cfg.node(action), cfg.node(*c));
            a.file == b.file && a.function == b.function
        };
        if let Some(c) = checks
            .iter()
            .find(|c| same_function(c) && reaches(cfg, action, **c))
        {
            return Protection::Bypassed {
                how: Bypass::After { check: *c },
                path,
            };
        }
        if checks.iter().all(|c| reaches(cfg, action, *c)) {
            return Protection::Missing { path };
        }
    }
    let how = match skipped(cfg, &path, checks) {
        // What the path leaves aside by is part of the check's own call (an argument that
        // throws into a `catch` that goes on): the check's failure is caught as well.
        Bypass::Skipped { check, at } if within(cfg, at, check) => {
            match leaves_by_exception(cfg, &path, at) {
                Some(caught) => Bypass::FailsOpen {
                    caught: Some(caught),
                    check,
                },
                None => Bypass::Skipped { check, at },
            }
        }
        how => how,
    };
    Protection::Bypassed { how, path }
}

/// Whether node `inner`'s code is part of node `outer`'s (an argument of its call).
fn within(cfg: &Cfg, inner: NodeIndex, outer: NodeIndex) -> bool {
    let (i, o) = (cfg.node(inner), cfg.node(outer));
    i.file == o.file && o.span.start <= i.span.start && i.span.end <= o.span.end
}

/// Where a path that passes no check leaves the checks aside: the last node of the path from
/// which one of them is still reachable, and that check.
fn skipped(cfg: &Cfg, path: &[NodeIndex], checks: &[NodeIndex]) -> Bypass {
    for n in path.iter().rev() {
        if let Some(c) = checks.iter().find(|c| reaches(cfg, *n, **c)) {
            return Bypass::Skipped { check: *c, at: *n };
        }
    }
    // No node of the path could reach a check (it runs only elsewhere): name the first check
    // and the entry.
    Bypass::Skipped {
        check: checks[0],
        at: path.first().copied().unwrap_or(cfg.entry),
    }
}

/// `position: after`: every path from the action to a normal exit passes the check.
fn after(cfg: &Cfg, action: NodeIndex, checks: &[NodeIndex]) -> Protection {
    let mut cut = cut_for(cfg, checks, cfg.exit);
    // An error path (something threw and a `catch` answered) uses nothing the action returned:
    // the error page it ends on signs nobody in.
    cut.extend(
        cfg.graph
            .edge_indices()
            .filter(|e| cfg.graph[*e] == crate::cfg::Edge::Exception),
    );
    let is_exit = |n: NodeIndex| matches!(cfg.node(n).kind, NodeKind::Exit);
    // A check's failing side that ends the request on a way of its own (`else redirect_to
    // sign_in_path`) refuses what the action returned, even though it ends normally; one that
    // joins the passing side again (it only logs) does not.
    let mut tail = None;
    for _ in 0..64 {
        let Some(found) = path_avoiding(cfg, action, is_exit, &cut) else {
            break;
        };
        let refusal = found.windows(2).enumerate().find_map(|(i, w)| {
            let c = w[0];
            if !checks.contains(&c) {
                return None;
            }
            let passing_side = reachable_after(cfg, &passing_edges(cfg, c, cfg.exit));
            let rest = &found[i + 1..];
            let own_way = rest
                .iter()
                .all(|n| is_exit(*n) || !passing_side.contains(n));
            own_way.then(|| cfg.graph.find_edge(w[0], w[1]))
        });
        match refusal.flatten() {
            Some(edge) => {
                cut.insert(edge);
            }
            None => {
                tail = Some(found);
                break;
            }
        }
    }
    let Some(tail) = tail else {
        return Protection::Protected;
    };
    // Show the whole story: entry → action → exit.
    let path = through_action(cfg, action, tail);
    if checks.is_empty() {
        return Protection::Missing { path };
    }
    match path.iter().find(|n| checks.contains(n)) {
        Some(c) => Protection::Bypassed {
            how: Bypass::FailsOpen {
                caught: leaves_by_exception(cfg, &path, *c),
                check: *c,
            },
            path,
        },
        None => Protection::Bypassed {
            how: skipped(cfg, &path, checks),
            path,
        },
    }
}

/// The nodes reachable through `edges` (their targets included).
fn reachable_after(
    cfg: &Cfg,
    edges: &[petgraph::graph::EdgeIndex],
) -> std::collections::HashSet<NodeIndex> {
    let mut seen = std::collections::HashSet::new();
    let mut stack: Vec<NodeIndex> = edges
        .iter()
        .filter_map(|e| cfg.graph.edge_endpoints(*e).map(|(_, to)| to))
        .collect();
    while let Some(n) = stack.pop() {
        if seen.insert(n) {
            stack.extend(cfg.graph.neighbors(n));
        }
    }
    seen
}

/// The checks of a spec that apply to an action, with their analysis.
pub fn for_site(
    site: &super::Site,
    labeler: &crate::workflow::Labeler,
) -> Vec<(String, Protection)> {
    let mut out = Vec::new();
    for (id, check) in &site.spec.checks {
        if !check.protects.iter().any(|a| a == site.action) {
            continue;
        }
        if super::waived(site, id, labeler) || site.operator_exempt(id) {
            continue;
        }
        if !site.has_user_caller() && check.applies_to == crate::spec::AppliesTo::Requests {
            // Nobody calls a job or a script, and a request a service signed is the service
            // acting: there is no signed-in caller to check.
            continue;
        }
        let nodes = site.check_nodes(id);
        let mut protection = analyse(site.cfg(), site.node, &nodes, check.position);
        if protection == Protection::Protected {
            protection = by_input(site, labeler, &nodes, check.position).unwrap_or(protection);
        }
        out.push((id.clone(), protection));
    }
    out
}

/// A check that protects the action only through branches the client can pass by what it
/// sends: without them the action is reachable, and the way there passes one of them on an
/// alternative that reads only request input.
fn by_input(
    site: &super::Site,
    labeler: &crate::workflow::Labeler,
    nodes: &[NodeIndex],
    position: CheckPosition,
) -> Option<Protection> {
    let cfg = site.cfg();
    // The request's alternative must open the way to the action on its own: an input whose
    // presence the code tests again on the way to the call ties the two (`if (role &&
    // !isAdmin) return 403; … if (role) update({ role })`: without a role nothing is changed).
    // One only passed to the call, or allow-listed (`if (role && !ROLES.includes(role))`),
    // does not: without a role, anyone invites.
    let open: Vec<(NodeIndex, Vec<Value>)> = nodes
        .iter()
        .filter_map(|n| input_alternative(cfg, labeler, *n, site.node).map(|i| (*n, i)))
        .filter(|(c, reads)| !presence_tested_between(cfg, *c, site.node, reads))
        .collect();
    if open.is_empty() {
        return None;
    }
    let sound: Vec<NodeIndex> = nodes
        .iter()
        .copied()
        .filter(|n| !open.iter().any(|(o, _)| o == n))
        .collect();
    let path = match analyse(cfg, site.node, &sound, position) {
        Protection::Protected => return None,
        Protection::Missing { path } | Protection::Bypassed { path, .. } => path,
    };
    let (check, reads) = open.into_iter().find(|(c, _)| path.contains(c))?;
    Some(Protection::Bypassed {
        path,
        how: Bypass::ByInput {
            check,
            input: reads[0].describe(),
        },
    })
}

/// Whether a branch on nothing but these values stands between `from` and `to`: whether they
/// are there (`if (role)`), or, where only one of its sides leads to `to`, that they are one of
/// some fixed values the check `from` also tests them against (`if (action === "deactivate" &&
/// self) return 400; if (action === "deactivate") deactivate()`: the action needs the very
/// input that meets the check's other test). A value the check never tested (`action ===
/// "suspend"`) would pass it, and does not tie.
fn presence_tested_between(cfg: &Cfg, from: NodeIndex, to: NodeIndex, reads: &[Value]) -> bool {
    let checked_values: Vec<&str> = match &cfg.node(from).kind {
        NodeKind::Branch { condition, .. } => condition.tested_literals(),
        _ => Vec::new(),
    };
    cfg.graph.node_indices().any(|n| {
        let NodeKind::Branch { condition, .. } = &cfg.node(n).kind else {
            return false;
        };
        let only_these = condition.calls.is_empty()
            && !condition.reads.is_empty()
            && condition.reads.iter().all(|r| reads.contains(r));
        let presence = condition.literals.is_empty() && condition.comparisons.is_empty();
        let to_target: Vec<crate::cfg::Edge> = cfg
            .graph
            .edges_directed(n, petgraph::Direction::Outgoing)
            .filter(|e| reaches(cfg, e.target(), to))
            .map(|e| *e.weight())
            .collect();
        // On the way to `to`, the input equals one of the branch's values (no comparison says
        // it differs there), and the check tested each of them.
        let against_fixed_values = !condition.comparisons.is_empty()
            && to_target.len() == 1
            && condition.comparisons.iter().all(|c| {
                (c.left_is_literal || c.right_is_literal) && c.unequal_side != Some(to_target[0])
            })
            && condition
                .tested_literals()
                .iter()
                .all(|v| checked_values.contains(v));
        n != from
            && only_these
            && (presence || against_fixed_values)
            && reaches(cfg, from, n)
            && reaches(cfg, n, to)
    })
}

/// What the alternative of a check branch's passing side (towards `target`) that reads only
/// request input reads: `body.internal` of `if (!(isAdmin || body.internal)) return 403`.
fn input_alternative(
    cfg: &Cfg,
    labeler: &crate::workflow::Labeler,
    check: NodeIndex,
    target: NodeIndex,
) -> Option<Vec<Value>> {
    crate::cfg::query::passing_alternatives(cfg, check, target)
        .iter()
        .find_map(|reads| {
            let from_request = !reads.is_empty()
                && reads.iter().all(|r| {
                    let sources = labeler.sources(r);
                    !sources.is_empty()
                        && sources
                            .iter()
                            .all(|s| matches!(s, crate::workflow::Source::Request(_)))
                });
            from_request.then(|| reads.clone())
        })
}
