//! Path questions on a CFG: can control reach B from A without passing through a set of
//! checks on their passing side, and which path proves it.
//!
//! "Protects" generalises dominance: a set of check nodes protects an action when cutting the
//! checks' passing edges leaves the action unreachable from the entry. For a single guard call
//! with no exception edge this is exactly "the guard dominates the action"; the cut formulation
//! also handles several alternative checks, branches whose failing side still reaches the action,
//! and guard calls whose exception is caught.

use std::collections::{HashSet, VecDeque};

use petgraph::graph::{EdgeIndex, NodeIndex};
use petgraph::visit::EdgeRef;
use petgraph::Direction;

use super::{Cfg, Edge, NodeKind, Polarity};

/// A path from the entry through `via` (an action) to a node satisfying `is_target` after it,
/// never using an edge in `cut`: the witness of something the code does after the action.
pub fn path_through(
    cfg: &Cfg,
    via: NodeIndex,
    is_target: impl Fn(NodeIndex) -> bool,
    cut: &HashSet<EdgeIndex>,
) -> Option<Vec<NodeIndex>> {
    let to_via = path_avoiding(cfg, cfg.entry, |n| n == via, cut)?;
    let onward = path_avoiding(cfg, via, is_target, cut)?;
    Some(
        to_via
            .into_iter()
            .chain(onward.into_iter().skip(1))
            .collect(),
    )
}

/// Shortest path from `from` to any node satisfying `is_target`, never using an edge in `cut`.
pub fn path_avoiding(
    cfg: &Cfg,
    from: NodeIndex,
    is_target: impl Fn(NodeIndex) -> bool,
    cut: &HashSet<EdgeIndex>,
) -> Option<Vec<NodeIndex>> {
    let g = &cfg.graph;
    let mut parent: Vec<Option<NodeIndex>> = vec![None; g.node_count()];
    let mut seen = vec![false; g.node_count()];
    let mut queue = VecDeque::new();
    seen[from.index()] = true;
    queue.push_back(from);
    while let Some(n) = queue.pop_front() {
        if n != from && is_target(n) {
            let mut path = vec![n];
            let mut cur = n;
            while let Some(p) = parent[cur.index()] {
                path.push(p);
                cur = p;
            }
            path.reverse();
            return Some(path);
        }
        // Deterministic order: by target index.
        let mut next: Vec<(NodeIndex, EdgeIndex)> = g
            .edges_directed(n, Direction::Outgoing)
            .filter(|e| !cut.contains(&e.id()))
            .map(|e| (e.target(), e.id()))
            .collect();
        next.sort();
        for (t, _) in next {
            if !seen[t.index()] {
                seen[t.index()] = true;
                parent[t.index()] = Some(n);
                queue.push_back(t);
            }
        }
    }
    None
}

pub fn reaches(cfg: &Cfg, from: NodeIndex, to: NodeIndex) -> bool {
    from == to || path_avoiding(cfg, from, |n| n == to, &HashSet::new()).is_some()
}

/// The outgoing edges of a check node taken when the check passes.
///
/// A guard call passes along its normal edges (its failure is an exception). For a branch, the
/// code decides which side is the failing one: when exactly one side can reach `target`, that
/// side is the passing one, whatever the condition's wording (`if (membership.userId ===
/// user.id) return 400` passes on its false side). Only when both sides reach `target` does the
/// condition's polarity say which side was meant to pass; with no polarity, neither does (the
/// check decides nothing).
pub fn passing_edges(cfg: &Cfg, check: NodeIndex, target: NodeIndex) -> Vec<EdgeIndex> {
    let g = &cfg.graph;
    let out: Vec<_> = g.edges_directed(check, Direction::Outgoing).collect();
    match &g[check].kind {
        NodeKind::Branch { polarity, .. } => {
            let reach = |side: Edge| {
                out.iter()
                    .filter(|e| *e.weight() == side)
                    .any(|e| reaches(cfg, e.target(), target))
            };
            let side = match (reach(Edge::True), reach(Edge::False)) {
                (true, false) => Some(Edge::True),
                (false, true) => Some(Edge::False),
                (true, true) => match polarity {
                    Some(Polarity::Positive) => Some(Edge::True),
                    Some(Polarity::Negative) => Some(Edge::False),
                    None => None,
                },
                (false, false) => None,
            };
            out.iter()
                .filter(|e| Some(*e.weight()) == side)
                .map(|e| e.id())
                .collect()
        }
        _ => out
            .iter()
            .filter(|e| *e.weight() != Edge::Exception)
            .map(|e| e.id())
            .collect(),
    }
}

/// The cut for a set of check nodes.
pub fn cut_for(cfg: &Cfg, checks: &[NodeIndex], target: NodeIndex) -> HashSet<EdgeIndex> {
    checks
        .iter()
        .flat_map(|c| passing_edges(cfg, *c, target))
        .collect()
}

/// What catches the refusal at `node` when the path leaves it through an exception edge.
pub fn leaves_by_exception(cfg: &Cfg, path: &[NodeIndex], node: NodeIndex) -> Option<&'static str> {
    path.windows(2)
        .find_map(|w| (w[0] == node).then(|| caught_by(cfg, w[0], w[1])).flatten())
}

/// What catches a refusal raised at `from` when the path goes on to `to` by an exception edge:
/// a `catch` block ([`crate::cfg::CATCH`]), an unawaited promise ([`crate::cfg::NOT_AWAITED`]), a
/// swallowing `.catch()` ([`crate::cfg::SWALLOWED`]).
pub fn caught_by(cfg: &Cfg, from: NodeIndex, to: NodeIndex) -> Option<&'static str> {
    if !cfg
        .graph
        .edges_connecting(from, to)
        .any(|e| *e.weight() == Edge::Exception)
    {
        return None;
    }
    Some(match &cfg.node(to).kind {
        NodeKind::Join { what } if what == crate::cfg::NOT_AWAITED => crate::cfg::NOT_AWAITED,
        NodeKind::Join { what } if what == crate::cfg::SWALLOWED => crate::cfg::SWALLOWED,
        _ => crate::cfg::CATCH,
    })
}

/// Whether one side of branch `n` refuses the request on a way of its own: from that side, a
/// refusal (a throw, a denied end, an error response returned) is reached before the code the
/// other side also reaches.
pub fn a_side_refuses(cfg: &Cfg, n: NodeIndex) -> bool {
    // Both edges of `if cond { x = y }` lead to the same next node: no side of its own.
    let mut sides: Vec<NodeIndex> = cfg.graph.neighbors(n).collect();
    sides.sort();
    sides.dedup();
    if sides.len() < 2 {
        return false;
    }
    let reach = |from: NodeIndex| {
        let mut seen = HashSet::new();
        let mut stack = vec![from];
        while let Some(x) = stack.pop() {
            if seen.insert(x) {
                stack.extend(cfg.graph.neighbors(x));
            }
        }
        seen
    };
    let refusal = |x: NodeIndex| {
        matches!(
            cfg.node(x).kind,
            NodeKind::Denied | NodeKind::Throw | NodeKind::Return { denial: true, .. }
        )
    };
    sides.iter().any(|side| {
        let shared: HashSet<NodeIndex> = sides
            .iter()
            .filter(|o| *o != side)
            .flat_map(|o| reach(*o))
            .collect();
        let mut seen = HashSet::new();
        let mut stack = vec![*side];
        while let Some(x) = stack.pop() {
            if shared.contains(&x) || !seen.insert(x) {
                continue;
            }
            if refusal(x) {
                return true;
            }
            stack.extend(cfg.graph.neighbors(x));
        }
        false
    })
}
