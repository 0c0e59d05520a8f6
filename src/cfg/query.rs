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

use super::{Cfg, Edge, Formula, NodeKind, Polarity, Value};

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

/// Shortest path from `from` to any node satisfying `is_target`, never using an edge in `cut`,
/// and never going both ways through two tests of the same values (see [`Formula`]): after
/// `if (token) { check }`'s false side, `if (token && ok) { action }` cannot take its true side.
pub fn path_avoiding(
    cfg: &Cfg,
    from: NodeIndex,
    is_target: impl Fn(NodeIndex) -> bool,
    cut: &HashSet<EdgeIndex>,
) -> Option<Vec<NodeIndex>> {
    let tests = cfg.repeated_tests.get_or_init(|| RepeatedTests::of(cfg));
    if tests.formulas.is_empty() {
        return any_path(cfg, from, &is_target, cut);
    }
    match consistent_path(cfg, from, &is_target, cut, tests) {
        Search::Found(path) => Some(path),
        Search::None => None,
        // Too many combinations of outcomes to follow: any path, as if no test repeated.
        Search::TooLarge => any_path(cfg, from, &is_target, cut),
    }
}

/// The tests that more than one branch of a function makes, numbered, and each such branch's
/// condition in terms of them.
#[derive(Debug, Clone, Default)]
pub struct RepeatedTests {
    formulas: std::collections::HashMap<NodeIndex, Compiled>,
    /// For each loop head, the tests of its function, which the next round may answer
    /// otherwise (a name reassigned in the body).
    loops: std::collections::HashMap<NodeIndex, u64>,
}

/// A [`Formula`] whose tests are numbered (bits of a mask); tests no other branch repeats are
/// opaque.
#[derive(Debug, Clone)]
enum Compiled {
    Test(u64),
    Not(Box<Compiled>),
    All(Vec<Compiled>),
    Any(Vec<Compiled>),
    Opaque,
}

/// At most this many repeated tests are followed (bits of the masks).
const MAX_TESTS: usize = 64;

impl RepeatedTests {
    pub(super) fn of(cfg: &Cfg) -> RepeatedTests {
        use std::collections::HashMap;
        fn keys<'f>(f: &'f Formula, out: &mut Vec<&'f str>) {
            match f {
                Formula::Test(k) => out.push(k),
                Formula::Not(x) => keys(x, out),
                Formula::All(xs) | Formula::Any(xs) => xs.iter().for_each(|x| keys(x, out)),
                Formula::Opaque => {}
            }
        }
        let branches: Vec<(NodeIndex, &Formula)> = cfg
            .graph
            .node_indices()
            .filter_map(|n| match &cfg.graph[n].kind {
                NodeKind::Branch { condition, .. } if condition.formula != Formula::Opaque => {
                    Some((n, &condition.formula))
                }
                _ => None,
            })
            .collect();
        // A test is the same only within one function: another function's `token` is another.
        let scoped = |n: NodeIndex, key: &str| {
            let node = &cfg.graph[n];
            (node.file.clone(), node.function.clone(), key.to_string())
        };
        let mut seen_at: HashMap<(String, String, String), Vec<NodeIndex>> = HashMap::new();
        for (n, f) in &branches {
            let mut ks = Vec::new();
            keys(f, &mut ks);
            ks.sort();
            ks.dedup();
            for k in ks {
                seen_at.entry(scoped(*n, k)).or_default().push(*n);
            }
        }
        let mut repeated: Vec<_> = seen_at.into_iter().filter(|(_, at)| at.len() > 1).collect();
        repeated.sort();
        repeated.truncate(MAX_TESTS);
        let numbers: HashMap<(String, String, String), u64> = repeated
            .into_iter()
            .enumerate()
            .map(|(i, (key, _))| (key, i as u64))
            .collect();
        let mut loops = HashMap::new();
        for n in cfg.graph.node_indices() {
            let node = &cfg.graph[n];
            if matches!(&node.kind, NodeKind::Join { what } if what == "loop") {
                let mask = numbers
                    .iter()
                    .filter(|((file, function, _), _)| {
                        *file == node.file && *function == node.function
                    })
                    .fold(0u64, |m, (_, i)| m | 1 << i);
                loops.insert(n, mask);
            }
        }
        fn compile(f: &Formula, number: &dyn Fn(&str) -> Option<u64>) -> Compiled {
            match f {
                Formula::Test(k) => number(k).map_or(Compiled::Opaque, Compiled::Test),
                Formula::Not(x) => Compiled::Not(Box::new(compile(x, number))),
                Formula::All(xs) => Compiled::All(xs.iter().map(|x| compile(x, number)).collect()),
                Formula::Any(xs) => Compiled::Any(xs.iter().map(|x| compile(x, number)).collect()),
                Formula::Opaque => Compiled::Opaque,
            }
        }
        let mut formulas = HashMap::new();
        if !numbers.is_empty() {
            for (n, f) in branches {
                let number = |k: &str| numbers.get(&scoped(n, k)).copied();
                let mut ks = Vec::new();
                keys(f, &mut ks);
                if ks.iter().any(|k| number(k).is_some()) {
                    formulas.insert(n, compile(f, &number));
                }
            }
        }
        RepeatedTests { formulas, loops }
    }
}

/// What the path so far has learnt of the repeated tests: `known` bits were decided, `holds`
/// says which way.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
struct Outcomes {
    known: u64,
    holds: u64,
}

impl Outcomes {
    fn eval(&self, f: &Compiled) -> Option<bool> {
        match f {
            Compiled::Test(i) => (self.known & (1 << i) != 0).then(|| self.holds & (1 << i) != 0),
            Compiled::Not(x) => self.eval(x).map(|b| !b),
            Compiled::All(xs) => self.junction(xs, false),
            Compiled::Any(xs) => self.junction(xs, true),
            Compiled::Opaque => None,
        }
    }

    /// `&&` (`decider` false) or `||` (`decider` true): one part with the decider's value
    /// decides it; otherwise every part must be known.
    fn junction(&self, xs: &[Compiled], decider: bool) -> Option<bool> {
        let each: Vec<Option<bool>> = xs.iter().map(|x| self.eval(x)).collect();
        if each.contains(&Some(decider)) {
            Some(decider)
        } else if each.iter().all(|b| *b == Some(!decider)) {
            Some(!decider)
        } else {
            None
        }
    }

    /// What taking the side of `f` where it is `holds` teaches.
    fn assume(&mut self, f: &Compiled, holds: bool) {
        match f {
            Compiled::Test(i) => {
                self.known |= 1 << i;
                // An unknown test's bit in `holds` is clear (forgetting clears both masks), and
                // a known one is only ever assumed the way it went.
                if holds {
                    self.holds |= 1 << i;
                }
            }
            Compiled::Not(x) => self.assume(x, !holds),
            Compiled::All(xs) if holds => xs.iter().for_each(|x| self.assume(x, true)),
            Compiled::Any(xs) if !holds => xs.iter().for_each(|x| self.assume(x, false)),
            _ => {}
        }
    }
}

enum Search {
    Found(Vec<NodeIndex>),
    None,
    TooLarge,
}

/// [`path_avoiding`] over (node, what the path has learnt of the repeated tests).
fn consistent_path(
    cfg: &Cfg,
    from: NodeIndex,
    is_target: &impl Fn(NodeIndex) -> bool,
    cut: &HashSet<EdgeIndex>,
    tests: &RepeatedTests,
) -> Search {
    use std::collections::hash_map::Entry;
    use std::collections::HashMap;
    let g = &cfg.graph;
    // Each node is visited once per combination of outcomes that reaches it; past a few per
    // node on average the search would cost more than it could save.
    let limit = 8 * g.node_count() + 1024;
    type State = (NodeIndex, Outcomes);
    let start: State = (from, Outcomes::default());
    let mut parent: HashMap<State, Option<State>> = HashMap::new();
    parent.insert(start, None);
    let mut queue = VecDeque::from([start]);
    while let Some(state @ (n, outcomes)) = queue.pop_front() {
        if n != from && is_target(n) {
            let mut path = vec![n];
            let mut cur = state;
            while let Some(Some(p)) = parent.get(&cur) {
                path.push(p.0);
                cur = *p;
            }
            path.reverse();
            return Search::Found(path);
        }
        let mut next: Vec<(NodeIndex, EdgeIndex, Edge)> = g
            .edges_directed(n, Direction::Outgoing)
            .filter(|e| !cut.contains(&e.id()))
            .map(|e| (e.target(), e.id(), *e.weight()))
            .collect();
        next.sort_by_key(|(t, e, _)| (*t, *e));
        let formula = tests.formulas.get(&n);
        // A loop's next round may see other values: what the last one learnt of its function's
        // tests is forgotten.
        let forget = tests.loops.get(&n).copied().unwrap_or(0);
        for (t, _, edge) in next {
            let mut after = Outcomes {
                known: outcomes.known & !forget,
                holds: outcomes.holds & !forget,
            };
            if let Some(f) = formula {
                let side = match edge {
                    Edge::True => Some(true),
                    Edge::False => Some(false),
                    _ => None,
                };
                if let Some(side) = side {
                    if outcomes.eval(f).is_some_and(|b| b != side) {
                        continue;
                    }
                    after.assume(f, side);
                }
            }
            if let Entry::Vacant(slot) = parent.entry((t, after)) {
                slot.insert(Some(state));
                queue.push_back((t, after));
                if parent.len() > limit {
                    return Search::TooLarge;
                }
            }
        }
    }
    Search::None
}

/// Shortest path from `from` to any node satisfying `is_target`, never using an edge in `cut`,
/// whatever the branches test.
fn any_path(
    cfg: &Cfg,
    from: NodeIndex,
    is_target: &impl Fn(NodeIndex) -> bool,
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
/// user.id) return 400` passes on its false side). A side that reaches `target` only by coming
/// back through the check is failing too: a loop's `continue` skips the item, and the next item
/// meets the check again (`for (id of ids) { if (m.userId === user.id) continue; remove(id) }`).
/// Only when both sides reach `target` on their own does the condition's polarity say which side
/// was meant to pass; with no polarity, neither does (the check decides nothing).
pub fn passing_edges(cfg: &Cfg, check: NodeIndex, target: NodeIndex) -> Vec<EdgeIndex> {
    let g = &cfg.graph;
    let out: Vec<_> = g.edges_directed(check, Direction::Outgoing).collect();
    match &g[check].kind {
        NodeKind::Branch { polarity, .. } => {
            let into_check: HashSet<EdgeIndex> = g
                .edges_directed(check, Direction::Incoming)
                .map(|e| e.id())
                .collect();
            let reach = |side: Edge, avoiding_check: bool| {
                let cut = if avoiding_check {
                    into_check.clone()
                } else {
                    HashSet::new()
                };
                out.iter().filter(|e| *e.weight() == side).any(|e| {
                    e.target() == target
                        || (!(avoiding_check && e.target() == check)
                            && path_avoiding(cfg, e.target(), |n| n == target, &cut).is_some())
                })
            };
            let side = match (reach(Edge::True, false), reach(Edge::False, false)) {
                (true, false) => Some(Edge::True),
                (false, true) => Some(Edge::False),
                (true, true) => match (reach(Edge::True, true), reach(Edge::False, true)) {
                    (true, false) => Some(Edge::True),
                    (false, true) => Some(Edge::False),
                    _ => match polarity {
                        Some(Polarity::Positive) => Some(Edge::True),
                        Some(Polarity::Negative) => Some(Edge::False),
                        None => None,
                    },
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

/// What each alternative of a check branch's passing side (towards `target`) reads, when that
/// side is an `or`: `[[NODE_ENV], [secret]]` for the false side of `if (isProd && !secret) return
/// 500`, which passes either way. Empty when the side is one test or the node is no branch.
pub fn passing_alternatives(cfg: &Cfg, check: NodeIndex, target: NodeIndex) -> &[Vec<Value>] {
    let NodeKind::Branch { condition, .. } = &cfg.node(check).kind else {
        return &[];
    };
    let side = passing_edges(cfg, check, target)
        .first()
        .and_then(|e| cfg.graph.edge_weight(*e).copied());
    match side {
        Some(Edge::True) => &condition.alternatives[0],
        Some(Edge::False) => &condition.alternatives[1],
        _ => &[],
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
    let refusal = |x: NodeIndex| {
        matches!(
            cfg.node(x).kind,
            NodeKind::Denied | NodeKind::Throw | NodeKind::Return { denial: true, .. }
        )
    };
    !sides_ending_alone(cfg, n, refusal).is_empty()
}

/// The sides of branch `n` that leave on a way of their own: that reach a node `ends` accepts
/// before the code the other side also reaches (`if (a !== b) return false;` leaves on its true
/// side).
pub fn sides_ending_alone(cfg: &Cfg, n: NodeIndex, ends: impl Fn(NodeIndex) -> bool) -> Vec<Edge> {
    let out: Vec<(NodeIndex, Edge)> = cfg
        .graph
        .edges_directed(n, Direction::Outgoing)
        .map(|e| (e.target(), *e.weight()))
        .collect();
    let mut targets: Vec<NodeIndex> = out.iter().map(|(t, _)| *t).collect();
    targets.sort();
    targets.dedup();
    // Both edges of `if cond { x = y }` lead to the same next node: no side of its own.
    if targets.len() < 2 {
        return Vec::new();
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
    let ends_alone = |side: NodeIndex| {
        let shared: HashSet<NodeIndex> = targets
            .iter()
            .filter(|o| **o != side)
            .flat_map(|o| reach(*o))
            .collect();
        let mut seen = HashSet::new();
        let mut stack = vec![side];
        while let Some(x) = stack.pop() {
            if shared.contains(&x) || !seen.insert(x) {
                continue;
            }
            if ends(x) {
                return true;
            }
            stack.extend(cfg.graph.neighbors(x));
        }
        false
    };
    let mut sides: Vec<Edge> = out
        .iter()
        .filter(|(t, _)| ends_alone(*t))
        .map(|(_, e)| *e)
        .collect();
    sides.sort_by_key(|e| *e as u8);
    sides.dedup();
    sides
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cfg::{CfgNode, Condition};
    use petgraph::graph::DiGraph;

    /// A graph built node by node, in function `f` unless `function` says otherwise.
    struct Graph {
        cfg: Cfg,
        function: &'static str,
    }

    impl Graph {
        fn new() -> Graph {
            let mut graph = DiGraph::new();
            let mut node = |kind| {
                graph.add_node(CfgNode {
                    kind,
                    file: "a.ts".into(),
                    span: Default::default(),
                    label: String::new(),
                    function: "f".into(),
                })
            };
            let entry = node(NodeKind::Entry);
            let exit = node(NodeKind::Exit);
            let denied = node(NodeKind::Denied);
            Graph {
                cfg: Cfg {
                    graph,
                    entry,
                    exit,
                    denied,
                    notes: vec![],
                    decided: vec![],
                    repeated_tests: Default::default(),
                },
                function: "f",
            }
        }

        fn add(&mut self, kind: NodeKind) -> NodeIndex {
            self.cfg.graph.add_node(CfgNode {
                kind,
                file: "a.ts".into(),
                span: Default::default(),
                label: String::new(),
                function: self.function.into(),
            })
        }

        fn branch(&mut self, formula: Formula) -> NodeIndex {
            self.add(NodeKind::Branch {
                condition: Box::new(Condition {
                    formula,
                    ..Default::default()
                }),
                polarity: None,
            })
        }

        fn call(&mut self) -> NodeIndex {
            self.add(NodeKind::Call {
                callee: "c".into(),
                args: vec![],
                inlined: false,
                can_deny: false,
                guard: false,
                fails_by_result: false,
                own: false,
            })
        }

        fn edge(&mut self, a: NodeIndex, b: NodeIndex, e: Edge) -> EdgeIndex {
            self.cfg.graph.add_edge(a, b, e)
        }
    }

    fn test(key: &str) -> Formula {
        Formula::Test(key.into())
    }

    /// Where a loop stands between the two tests, if anywhere.
    #[derive(Clone, Copy, PartialEq)]
    enum Loop {
        None,
        /// In the function of the tests.
        Same,
        /// In another function (a helper inlined between them).
        Other,
    }

    /// entry → `if (other)` → `if (first)` —true→ check → join; —false→ join; join → (loop
    /// head?) → `if (second)` —true→ action. `other` is a test repeated elsewhere too, so that
    /// the two under study are not the only ones numbered. The check's passing edge is cut: is
    /// the action still reachable?
    fn action_reachable_without_check(first: Formula, second: Formula, between: Loop) -> bool {
        let mut g = Graph::new();
        let entry = g.cfg.entry;
        let other_1 = g.branch(test("0-other"));
        let other_2 = g.branch(test("0-other"));
        g.edge(entry, other_1, Edge::Normal);
        g.edge(other_1, other_2, Edge::True);
        g.edge(other_1, other_2, Edge::False);
        let b1 = g.branch(first);
        let check = g.call();
        let join = g.add(NodeKind::Join {
            what: "join".into(),
        });
        let b2 = g.branch(second);
        let action = g.call();
        g.edge(other_2, b1, Edge::True);
        g.edge(other_2, b1, Edge::False);
        g.edge(b1, check, Edge::True);
        let passing = g.edge(check, join, Edge::Normal);
        g.edge(b1, join, Edge::False);
        if between == Loop::None {
            g.edge(join, b2, Edge::Normal);
        } else {
            if between == Loop::Other {
                g.function = "g";
            }
            let head = g.add(NodeKind::Join {
                what: "loop".into(),
            });
            g.edge(join, head, Edge::Normal);
            g.edge(head, b2, Edge::True);
        }
        g.edge(b2, action, Edge::True);
        let exit = g.cfg.exit;
        g.edge(b2, exit, Edge::False);
        let cut = HashSet::from([passing]);
        path_avoiding(&g.cfg, entry, |n| n == action, &cut).is_some()
    }

    #[test]
    fn a_repeated_test_goes_the_same_way() {
        let all = |xs: Vec<Formula>| Formula::All(xs);
        let not = |x: Formula| Formula::Not(Box::new(x));
        // `if (send) check; if (send && email) action`: skipping the check means no action.
        assert!(!action_reachable_without_check(
            test("send"),
            all(vec![test("send"), Formula::Opaque]),
            Loop::None
        ));
        // `if (!skip) check; if (!skip) action`.
        assert!(!action_reachable_without_check(
            not(test("skip")),
            not(test("skip")),
            Loop::None
        ));
        // `if (a || b) check; if (a) action`: a false `a || b` makes `a` false.
        assert!(!action_reachable_without_check(
            Formula::Any(vec![test("a"), test("b")]),
            test("a"),
            Loop::None
        ));
        // `if (a || b) check; if (a || b) action`: both parts false, so the second is too.
        assert!(!action_reachable_without_check(
            Formula::Any(vec![test("a"), test("b")]),
            Formula::Any(vec![test("a"), test("b")]),
            Loop::None
        ));
        // `if (!(a && b)) check; if (!a) action`: skipping the check means `a && b` held.
        assert!(!action_reachable_without_check(
            not(all(vec![test("a"), test("b")])),
            not(test("a")),
            Loop::None
        ));
        // Another value's test, or the other way round, or a conjunction whose false side says
        // nothing about either part, or a disjunction whose true side says nothing about
        // either: the action stays reachable.
        assert!(action_reachable_without_check(
            all(vec![test("send"), test("email")]),
            not(test("send")),
            Loop::None
        ));
        assert!(action_reachable_without_check(
            not(Formula::Any(vec![test("a"), test("b")])),
            test("a"),
            Loop::None
        ));
        assert!(action_reachable_without_check(
            test("send"),
            test("email"),
            Loop::None
        ));
        assert!(action_reachable_without_check(
            test("send"),
            not(test("send")),
            Loop::None
        ));
        assert!(action_reachable_without_check(
            all(vec![test("send"), test("email")]),
            test("send"),
            Loop::None
        ));
        // An opaque test decides nothing.
        assert!(action_reachable_without_check(
            Formula::Opaque,
            Formula::Opaque,
            Loop::None
        ));
    }

    #[test]
    fn a_loop_round_forgets_what_the_last_one_learnt_of_its_function() {
        assert!(action_reachable_without_check(
            test("send"),
            test("send"),
            Loop::Same
        ));
        // A loop of another function cannot change this one's values.
        assert!(!action_reachable_without_check(
            test("send"),
            test("send"),
            Loop::Other
        ));
    }
}
