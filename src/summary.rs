//! Per-function summaries, computed once bottom-up over the call graph and applied at call
//! sites, so a workflow's graph holds the code that matters to it and stays the size of its
//! entry, its guards and the helpers on the way to an action — not every logging, formatting
//! and database helper the request happens to call.
//!
//! A call into the application's own code is expanded in the caller's graph when the callee
//! - leads to an action (its code holds the call the spec is about);
//! - can refuse the request (throws, returns an error response, or returns a verdict its caller
//!   tests) and speaks the vocabulary of some check (`role`, `permissions`, `requireAdmin`,
//!   `withAuth`…), in its own code or in what it calls: such a function may be the check;
//! - is named like a check itself (`requireOrgAdmin`): its code decides whether it refuses;
//! - is small (a few statements), where values flow through (`getOrgId(req)`);
//! - or is handed what an action returned (`bootUser({ email: user.email })` after the
//!   sign-in): what it does with the result (an account matched by its email, the organization
//!   kept in the session) is what the action's own rules judge.
//!
//! Any other call stays one node whose result is unknown: it cannot stop the request in a way
//! that counts as a check, and it leads to no action.

use std::collections::{HashMap, HashSet};

use crate::callgraph::CallGraph;
use crate::ir::{Expr, Function, Stmt};
use crate::parse::{FnRef, Program};
use crate::spec::SpecSet;

/// A helper of at most this many statements and calls is expanded whatever it does: values
/// flow through such helpers.
const SMALL: u32 = 12;

/// What is known of one function without building its graph.
#[derive(Debug, Clone, Copy, Default)]
pub struct Facts {
    /// Its code, or code it calls, holds a call that may be a spec action.
    pub reaches_action: bool,
    /// It, or something it calls, throws, returns an error response or returns conditionally.
    pub may_refuse: bool,
    /// It, or something it calls, names something a check matcher looks for.
    pub check_vocabulary: bool,
    /// Statements and calls in its body.
    pub size: u32,
}

/// The facts of every parsed function.
#[derive(Debug, Default)]
pub struct Summaries {
    facts: HashMap<FnRef, Facts>,
    vocabulary: Vocabulary,
    /// See [`CallGraph::dispatch`].
    dispatch: HashMap<String, Vec<FnRef>>,
    /// Receiver names of the providers' SDKs: a call through one is the SDK's, never a wrapper.
    sdk_namespaces: HashSet<String>,
    /// The actions' spellings, to tell an argument that holds an action's result.
    action_calls: crate::spec::ActionCalls,
}

impl Summaries {
    pub fn compute(program: &Program, graph: &CallGraph, specs: &SpecSet) -> Summaries {
        let vocabulary = Vocabulary::of(specs);
        let mut facts: HashMap<FnRef, Facts> = HashMap::new();
        for (m, module) in program.modules.iter().enumerate() {
            for (i, f) in module.functions.iter().enumerate() {
                let me = FnRef {
                    module: m,
                    function: i,
                };
                // A verdict handed back is both: the caller refuses on it, and it is a check's.
                let hands_back = vocabulary.hands_back_verdict(f);
                facts.insert(
                    me,
                    Facts {
                        reaches_action: graph.reaching.contains(&me),
                        may_refuse: may_refuse(&f.body) || hands_back,
                        check_vocabulary: vocabulary.spoken_in(f) || hands_back,
                        size: size(&f.body),
                    },
                );
            }
        }
        // What a callee may do, its callers may do: propagate to a fixed point (the call graph
        // can have cycles; each pass only turns flags on, so this ends).
        loop {
            let mut changed = false;
            for (f, callees) in &graph.callees {
                let (refuse, vocab) = callees.iter().fold((false, false), |acc, c| {
                    let cf = facts.get(c).copied().unwrap_or_default();
                    (acc.0 | cf.may_refuse, acc.1 | cf.check_vocabulary)
                });
                let entry = facts.entry(*f).or_default();
                if (refuse && !entry.may_refuse) || (vocab && !entry.check_vocabulary) {
                    entry.may_refuse |= refuse;
                    entry.check_vocabulary |= vocab;
                    changed = true;
                }
            }
            if !changed {
                break;
            }
        }
        Summaries {
            facts,
            vocabulary,
            dispatch: graph.dispatch.clone(),
            sdk_namespaces: specs
                .providers
                .iter()
                .flat_map(|p| p.sdk_namespaces.iter().cloned())
                .collect(),
            action_calls: specs.action_calls(),
        }
    }

    /// Whether one of a call's arguments holds (a part of) what an action returned.
    pub fn hands_action_result(&self, args: &[crate::cfg::ArgValue]) -> bool {
        args.iter().any(|a| {
            let mut calls = Vec::new();
            a.value.results_held(&mut calls);
            calls.iter().any(|c| self.action_calls.matches(c))
        })
    }

    /// The in-repo methods of this name that lead to an action: what a call of the method on an
    /// object of unnamed class may run.
    pub fn dispatched(&self, callee: &str, method: &str) -> &[FnRef] {
        let through_sdk = callee.split('.').any(|seg| {
            self.sdk_namespaces
                .contains(crate::ir::without_call_marks(seg))
        });
        if through_sdk {
            return &[];
        }
        self.dispatch.get(method).map(Vec::as_slice).unwrap_or(&[])
    }

    pub fn facts(&self, f: FnRef) -> Facts {
        self.facts.get(&f).copied().unwrap_or_default()
    }

    /// Whether the code of `f` could hold an action or a check: what the analysis may not leave
    /// out without saying so.
    pub fn could_change_verdict(&self, f: FnRef, callee: &str) -> bool {
        let facts = self.facts(f);
        facts.reaches_action
            || (facts.may_refuse && facts.check_vocabulary)
            || self.vocabulary.names(crate::ir::last_segment(callee))
    }

    /// Whether a call of `callee` (as written) into `f` is expanded in the caller's graph.
    pub fn worth_expanding(&self, f: FnRef, callee: &str) -> bool {
        let facts = self.facts(f);
        facts.reaches_action
            || (facts.may_refuse && facts.check_vocabulary)
            || facts.size <= SMALL
            || self.vocabulary.names(crate::ir::last_segment(callee))
    }
}

/// Names (folded: lower case, no `_` or `-`) and literal values that check matchers look for.
#[derive(Debug, Default)]
struct Vocabulary {
    names: HashSet<String>,
    /// Patterns with `*`.
    patterns: Vec<String>,
    values: HashSet<String>,
    /// Words of the guards `named` matchers look for.
    words: HashSet<String>,
}

fn fold(s: &str) -> String {
    s.chars()
        .filter(|c| *c != '_' && *c != '-')
        .flat_map(|c| c.to_lowercase())
        .collect()
}

impl Vocabulary {
    fn of(specs: &SpecSet) -> Vocabulary {
        let mut v = Vocabulary::default();
        let mut add = |name: &str| {
            let folded = fold(crate::ir::last_segment(name));
            if folded.contains('*') {
                v.patterns.push(folded);
            } else if !folded.is_empty() {
                v.names.insert(folded);
            }
        };
        for check in specs.workflows.iter().flat_map(|w| w.checks.values()) {
            for m in &check.any_of {
                for s in m.call.iter().chain(m.verdict.iter()).flatten() {
                    add(s);
                }
                if let Some(c) = &m.condition {
                    c.mentions.iter().chain(&c.compares).for_each(|s| add(s));
                }
                v.words
                    .extend(m.named.iter().flatten().map(|w| w.to_ascii_lowercase()));
            }
        }
        for s in specs.session_calls() {
            add(&s);
        }
        for check in specs.workflows.iter().flat_map(|w| w.checks.values()) {
            for m in &check.any_of {
                if let Some(c) = &m.condition {
                    v.values.extend(c.values.iter().cloned());
                }
            }
        }
        v
    }

    fn names(&self, name: &str) -> bool {
        if !self.words.is_empty()
            && crate::workflow::label::words(crate::ir::without_call_marks(name))
                .iter()
                .any(|w| self.words.contains(w))
        {
            return true;
        }
        let folded = fold(crate::ir::without_call_marks(name));
        self.names.contains(&folded)
            || self
                .patterns
                .iter()
                .any(|p| crate::workflow::label::name_matches(&folded, p))
    }

    /// Whether an expression names anything a check matcher looks for.
    fn spoken_in_expr(&self, e: &Expr) -> bool {
        let mut found = false;
        crate::ir::visit_expr(e, &mut |e| {
            if found {
                return;
            }
            match e {
                Expr::Call(c) => {
                    if let Some(p) = c.callee.path() {
                        found |= self.names(crate::ir::last_segment(&p));
                    }
                }
                Expr::Name(n) => found |= self.names(n),
                Expr::Member { property, .. } => found |= self.names(property),
                Expr::Literal(crate::ir::Literal::Str(s)) => found |= self.values.contains(s),
                _ => {}
            }
        });
        found
    }

    /// Whether a function holds something that may be a check: a call named like a guard, or
    /// a branch whose condition speaks the vocabulary and one of whose arms refuses or returns.
    fn spoken_in(&self, f: &Function) -> bool {
        fn walk(v: &Vocabulary, stmts: &[Stmt]) -> bool {
            stmts.iter().any(|s| match s {
                Stmt::If {
                    cond,
                    then,
                    otherwise,
                    ..
                } => {
                    (v.spoken_in_expr(cond) && (may_refuse(then) || may_refuse(otherwise)))
                        || walk(v, then)
                        || walk(v, otherwise)
                }
                Stmt::Expr { expr, .. }
                | Stmt::Let {
                    value: Some(expr), ..
                } => {
                    // `await requireAdmin()`, `const user = await withAuth()`.
                    v.calls_named(expr)
                }
                other => other.nested().into_iter().any(|inner| walk(v, inner)),
            })
        }
        walk(self, &f.body)
    }

    /// Whether an expression calls something a check matcher names.
    fn calls_named(&self, expr: &Expr) -> bool {
        let mut named = false;
        expr.for_each_call(&mut |c| {
            if let Some(p) = c.callee.path() {
                named |= self.names(crate::ir::last_segment(&p));
            }
        });
        named
    }

    /// Whether a function returns what a check's call answered (`return timingSafeEqual(a, b)`,
    /// Go's `return hmac.Equal(x, y)`, or `const ok = …; return ok`): its caller tests that
    /// verdict, so the function may refuse through its caller, wherever its `return` stands.
    fn hands_back_verdict(&self, f: &Function) -> bool {
        fn walk<'f>(v: &Vocabulary, stmts: &'f [Stmt], verdicts: &mut HashSet<&'f str>) -> bool {
            stmts.iter().any(|s| match s {
                Stmt::Let {
                    bindings,
                    value: Some(expr),
                    ..
                } => {
                    if v.calls_named(expr) {
                        verdicts.extend(bindings.iter().map(|b| b.name.as_str()));
                    }
                    false
                }
                Stmt::Return {
                    value: Some(expr), ..
                } => {
                    v.calls_named(expr)
                        || matches!(expr.peel(), Expr::Name(n) if verdicts.contains(n.as_str()))
                }
                other => other
                    .nested()
                    .into_iter()
                    .any(|inner| walk(v, inner, verdicts)),
            })
        }
        walk(self, &f.body, &mut HashSet::new())
    }
}

/// Whether a body can end the request or hand its caller a verdict: a throw (the frontends
/// lower `redirect()`, `abort()`, `halt` to one), an error response returned, or a return
/// inside a branch.
fn may_refuse(stmts: &[Stmt]) -> bool {
    fn walk(stmts: &[Stmt], in_branch: bool) -> bool {
        stmts.iter().any(|s| match s {
            Stmt::Throw { .. } => true,
            Stmt::Return { value, .. } => {
                in_branch
                    || value
                        .as_ref()
                        .is_some_and(crate::cfg::build::is_denial_response)
            }
            Stmt::Expr { expr, .. } => crate::cfg::build::is_denial_response(expr),
            other => other.nested().into_iter().any(|inner| walk(inner, true)),
        })
    }
    walk(stmts, false)
}

/// Statements and calls in a body, not counting nested function literals.
fn size(stmts: &[Stmt]) -> u32 {
    let mut n = 0u32;
    fn count(stmts: &[Stmt], n: &mut u32) {
        for s in stmts {
            *n += 1;
            for inner in s.nested() {
                count(inner, n);
            }
        }
    }
    count(stmts, &mut n);
    crate::ir::visit_stmts(stmts, &mut |e| {
        if matches!(e, Expr::Call(_)) {
            n += 1;
        }
    });
    n
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lang::{parse, Language};

    #[test]
    fn a_function_that_returns_a_checks_verdict_may_refuse_through_its_caller() {
        let vocabulary = Vocabulary {
            names: HashSet::from(["timingsafeequal".to_string()]),
            ..Vocabulary::default()
        };
        let ts =
            "function direct(a, b) { const x = a.trim(); return crypto.timingSafeEqual(x, b); }\n\
                  function kept(a, b) { const ok = crypto.timingSafeEqual(a, b); return ok; }\n\
                  function logged(a, b) { crypto.timingSafeEqual(a, b); return a; }\n\
                  function other(a, b) { const ok = a.trim(); return ok; }\n";
        let module = parse(Language::TypeScript, "lib/sig.ts", ts).unwrap();
        let hands_back = |name: &str| {
            let f = module.functions.iter().find(|f| f.name == name).unwrap();
            vocabulary.hands_back_verdict(f)
        };
        assert!(hands_back("direct"));
        assert!(hands_back("kept"));
        assert!(!hands_back("logged"));
        assert!(!hands_back("other"));
        // None of them can refuse by its own statements: only the verdict handed back does.
        let f = module
            .functions
            .iter()
            .find(|f| f.name == "direct")
            .unwrap();
        assert!(!may_refuse(&f.body));
    }
}
