//! The call graph of the parsed slice, and the walk up from every action call to its roots.
//!
//! A workflow is located by going **up**, never down from a guessed root: from each function
//! that calls an action's method, through its callers, to the functions nothing parsed calls.
//! Framework entry handlers stop the walk (the framework calls them), so a function that only
//! registers a route (`setupRoutes(app)`, a constructor) is not a root of the route's workflow.

use std::collections::{HashMap, HashSet};

use rayon::prelude::*;

use crate::ir::{Expr, Span};
use crate::parse::{FnRef, Program};
use crate::spec::SpecSet;

/// A call in the IR whose callee may be a spec action (its method and, for generic method names,
/// a segment of the SDK namespace match an action spelling). Whether it really is one is decided
/// in the labelled CFG, where aliases are resolved.
#[derive(Debug, Clone)]
pub struct ActionSite {
    pub func: FnRef,
    pub span: Span,
    pub callee: String,
}

/// Who calls whom among the parsed functions, and which functions reach a workflow action.
pub struct CallGraph {
    /// The functions each function may call (resolved callees and the function literals it
    /// passes on).
    pub callees: HashMap<FnRef, Vec<FnRef>>,
    pub callers: HashMap<FnRef, Vec<FnRef>>,
    /// Functions from which a candidate (a function calling an action's method) is reachable,
    /// walking up no further than entry handlers.
    pub reaching: HashSet<FnRef>,
    /// The handlers of framework entries: the framework calls them.
    pub entry_handlers: HashSet<FnRef>,
    /// Calls that may be actions, in a stable order.
    pub action_sites: Vec<ActionSite>,
}

impl CallGraph {
    pub fn build(program: &Program, specs: &SpecSet) -> CallGraph {
        let action_calls = specs.action_calls();

        // Resolving every call is the costly part of locating: done per module in parallel.
        type PerFunction = (FnRef, Vec<FnRef>, bool, Vec<ActionSite>);
        let per_function: Vec<PerFunction> = program
            .modules
            .par_iter()
            .enumerate()
            .flat_map_iter(|(m, module)| {
                let action_calls = &action_calls;
                module.functions.iter().enumerate().map(move |(i, f)| {
                    let me = FnRef {
                        module: m,
                        function: i,
                    };
                    let mut out = Vec::new();
                    let mut anchored = false;
                    let mut sites = Vec::new();
                    crate::ir::visit_stmts(&f.body, &mut |e| {
                        if let Expr::Call(call) = e {
                            if let Some(p) = call.callee.path() {
                                let last = p.rsplit('.').next().unwrap_or(&p);
                                if action_calls.names_method(crate::ir::without_call_marks(last)) {
                                    anchored = true;
                                    if action_calls.matches(&p) {
                                        sites.push(ActionSite {
                                            func: me,
                                            span: call.span,
                                            callee: p.clone(),
                                        });
                                    }
                                }
                            }
                            out.extend(program.resolve_callee_all(m, &call.callee));
                            // A function passed to a call may run before it returns
                            // (`items.map(fn)`, `db.transaction(fn)`), unless the call keeps it
                            // for later (a route, an event handler, a registry).
                            if !crate::frameworks::keeps_callback(call) {
                                for a in &call.args {
                                    if let Expr::Function(id) = a.value.peel() {
                                        if !module.is_entry_handler(*id) {
                                            out.push(FnRef {
                                                module: m,
                                                function: *id,
                                            });
                                        }
                                    }
                                }
                            }
                        }
                    });
                    (me, out, anchored, sites)
                })
            })
            .collect();
        let mut callees: HashMap<FnRef, Vec<FnRef>> = HashMap::with_capacity(per_function.len());
        let mut candidates: HashSet<FnRef> = HashSet::new();
        let mut action_sites = Vec::new();
        for (me, out, anchored, sites) in per_function {
            if anchored {
                candidates.insert(me);
            }
            callees.insert(me, out);
            action_sites.extend(sites);
        }
        action_sites.sort_by_key(|s| (s.func, s.span.start));

        let mut callers: HashMap<FnRef, Vec<FnRef>> = HashMap::new();
        for (f, cs) in &callees {
            for c in cs {
                if c != f {
                    callers.entry(*c).or_default().push(*f);
                }
            }
        }
        for cs in callers.values_mut() {
            cs.sort();
            cs.dedup();
        }
        // Entry handlers, known before the walk: a function that reaches a candidate only through
        // an entry's handler (a `main` or `setupRoutes(app)` that registers the route) is not a
        // root of that workflow.
        let entry_handlers: HashSet<FnRef> = program
            .modules
            .iter()
            .enumerate()
            .flat_map(|(m, module)| {
                module
                    .entries
                    .iter()
                    .filter_map(move |e| program.resolve_callee(m, &e.handler))
            })
            .collect();
        let mut reaching: HashSet<FnRef> = HashSet::new();
        let mut stack: Vec<FnRef> = candidates.iter().copied().collect();
        while let Some(f) = stack.pop() {
            if reaching.insert(f) && !entry_handlers.contains(&f) {
                if let Some(cs) = callers.get(&f) {
                    stack.extend(cs.iter().copied());
                }
            }
        }
        CallGraph {
            callees,
            callers,
            reaching,
            entry_handlers,
            action_sites,
        }
    }

    /// The parsed functions that call `f`.
    pub fn callers_of(&self, f: FnRef) -> &[FnRef] {
        self.callers.get(&f).map(Vec::as_slice).unwrap_or(&[])
    }

    /// The functions above `f` that nothing parsed calls (or entry handlers), walking callers;
    /// `f` itself when it has no caller. At most `limit`, in a stable order.
    pub fn roots_above(&self, f: FnRef, limit: usize) -> Vec<FnRef> {
        let mut seen: HashSet<FnRef> = HashSet::new();
        let mut stack = vec![f];
        let mut roots = Vec::new();
        while let Some(g) = stack.pop() {
            if !seen.insert(g) || seen.len() > 4096 {
                continue;
            }
            let cs = self.callers_of(g);
            if cs.is_empty() || self.entry_handlers.contains(&g) {
                roots.push(g);
            } else {
                stack.extend(cs.iter().copied());
            }
        }
        roots.sort();
        roots.truncate(limit);
        roots
    }
}

/// The modules of the functions that reach a workflow action: where a workflow's code is.
/// The parser follows these modules' imports to find their guards and middleware.
pub fn modules_on_workflow_paths(program: &Program, specs: &SpecSet) -> Vec<usize> {
    let graph = CallGraph::build(program, specs);
    let modules: std::collections::BTreeSet<usize> =
        graph.reaching.iter().map(|f| f.module).collect();
    modules.into_iter().collect()
}
