//! The call graph of the parsed slice, and the walk up from every action call to its roots.
//!
//! A workflow is located by going **up**, never down from a guessed root: from each function
//! that calls an action's method, through its callers, to the functions nothing parsed calls.
//! Framework entry handlers stop the walk (the framework calls them), so a function that only
//! registers a route (`setupRoutes(app)`, a constructor) is not a root of the route's workflow.

use std::collections::{HashMap, HashSet};

use rayon::prelude::*;

use crate::ir::{Expr, Span};
use crate::parse::{is_test_double, FnRef, Program, MAX_IMPLEMENTATIONS};
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
    /// In-repo methods that lead to an action, by name: what a call of that method on an object
    /// of unnamed class (an interface, an injected service) may run.
    pub dispatch: HashMap<String, Vec<FnRef>>,
    /// Files that name a provider (import it, or call through a name of it): only there does a
    /// branch on an action's literal (an event name) anchor the action. Empty when no spec has
    /// literals.
    pub provider_files: HashSet<String>,
}

/// The files of the program whose text names a provider by one of its `sdk_markers` (an
/// import, a type, a client): a type-only import (`import type { Event } from
/// "@workos-inc/node"`) is in no IR, so the text is read.
fn files_naming_provider(program: &Program, calls: &crate::spec::ActionCalls) -> HashSet<String> {
    program
        .modules
        .par_iter()
        .zip(program.sources.par_iter())
        .filter(|(_, text)| calls.names_provider(text))
        .map(|(module, _)| module.path.clone())
        .collect()
}

impl CallGraph {
    pub fn build(program: &Program, specs: &SpecSet) -> CallGraph {
        let action_calls = specs.action_calls();
        let sdk_namespaces: HashSet<&str> = specs
            .providers
            .iter()
            .flat_map(|p| p.sdk_namespaces.iter().map(String::as_str))
            .collect();

        // The SDK's own session calls (`usermanagement.AuthenticateWithCode`): a method wrapping
        // one is followed through dispatch like one leading to an action, so the check it is
        // counts where the wrapper is called (`h.workos.AuthenticateWithCode(…)`).
        let sdk_session_calls: Vec<String> = specs
            .session_calls()
            .into_iter()
            .filter(|c| {
                c.split('.')
                    .any(|seg| sdk_namespaces.contains(crate::ir::without_call_marks(seg)))
            })
            .collect();

        let provider_files = if action_calls.literals.is_empty() {
            HashSet::new()
        } else {
            files_naming_provider(program, &action_calls)
        };

        // Resolving every call is the costly part of locating: done per module in parallel.
        type PerFunction = (FnRef, Vec<FnRef>, bool, Vec<ActionSite>, Vec<String>, bool);
        let per_function: Vec<PerFunction> = program
            .modules
            .par_iter()
            .enumerate()
            .flat_map_iter(|(m, module)| {
                let action_calls = &action_calls;
                let tests_literals = provider_files.contains(&module.path);
                let sdk_namespaces = &sdk_namespaces;
                let sdk_session_calls = &sdk_session_calls;
                module.functions.iter().enumerate().map(move |(i, f)| {
                    let me = FnRef {
                        module: m,
                        function: i,
                    };
                    let mut out = Vec::new();
                    let mut anchored = tests_literals && action_calls.tests_literal(module, f);
                    let mut sites = Vec::new();
                    // Methods called on objects whose class the code does not name (an
                    // interface, an injected service): resolved below by name.
                    let mut unresolved_methods = Vec::new();
                    let mut authenticates = false;
                    let method_references = crate::ir::method_references(&f.body);
                    crate::ir::visit_stmts(&f.body, &mut |e| {
                        if let Expr::Call(call) = e {
                            let resolved = program.resolve_callee_all(m, &call.callee);
                            let path = match call.callee.peel() {
                                Expr::Name(n) => method_references.get(n).cloned(),
                                _ => None,
                            };
                            if let Some(p) = path.or_else(|| call.callee.path()) {
                                authenticates |= sdk_session_calls
                                    .iter()
                                    .any(|s| crate::workflow::label::spelling_matches(&p, s));
                                let last = p.rsplit('.').next().unwrap_or(&p);
                                if action_calls.names_method(crate::ir::without_call_marks(last))
                                    && !Program::names_own_function(&call.callee, &resolved)
                                {
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
                            // A call through the SDK's namespace is the SDK's, never a wrapper
                            // of the same name.
                            let sdk_call = call.callee.path().is_some_and(|p| {
                                p.split('.').any(|seg| {
                                    sdk_namespaces.contains(crate::ir::without_call_marks(seg))
                                })
                            });
                            if resolved.is_empty()
                                && !sdk_call
                                && program.dispatches_by_name(me, &call.callee)
                            {
                                if let Expr::Member { property, .. } = call.callee.peel() {
                                    unresolved_methods.push(property.clone());
                                }
                            }
                            let callee_in_repo = !resolved.is_empty();
                            out.extend(resolved);
                            // A function passed to a call may run before it returns
                            // (`items.map(fn)`, `db.transaction(fn)`), unless the call keeps it
                            // for later (a route, an event handler, a registry).
                            if !crate::frameworks::keeps_callback(call) {
                                for value in call.handed_over(callee_in_repo) {
                                    match value.peel() {
                                        Expr::Function(id) if !module.is_entry_handler(*id) => {
                                            out.push(FnRef {
                                                module: m,
                                                function: *id,
                                            });
                                        }
                                        // Handed over by name: `asyncio.to_thread(exchange)`;
                                        // not a parameter of this function's that shadows it.
                                        Expr::Name(n) if !binds_parameter(f, n) => out.extend(
                                            program.resolve_callee(m, value).filter(|f| {
                                                !program.modules[f.module]
                                                    .is_entry_handler(f.function)
                                            }),
                                        ),
                                        _ => {}
                                    }
                                }
                            }
                        }
                    });
                    (me, out, anchored, sites, unresolved_methods, authenticates)
                })
            })
            .collect();
        let mut callees: HashMap<FnRef, Vec<FnRef>> = HashMap::with_capacity(per_function.len());
        let mut candidates: HashSet<FnRef> = HashSet::new();
        let mut action_sites = Vec::new();
        let mut method_calls: Vec<(FnRef, Vec<String>)> = Vec::new();
        let mut authenticating: HashSet<FnRef> = HashSet::new();
        for (me, out, anchored, sites, methods, authenticates) in per_function {
            if authenticates {
                authenticating.insert(me);
            }
            if anchored {
                candidates.insert(me);
            }
            callees.insert(me, out);
            action_sites.extend(sites);
            if !methods.is_empty() {
                method_calls.push((me, methods));
            }
        }
        // Dynamic dispatch: a method called on an object of unnamed class (`h.workos
        // .CreateMembership(…)` through a Go interface, `this.workosService.invite()` on an
        // injected service) may be any in-repo method of that name that leads to an action —
        // every implementation, mocks and fakes aside. Wrappers can wrap wrappers: a few rounds.
        let mut dispatch: HashMap<String, Vec<FnRef>> = HashMap::new();
        // Only methods leading to a call that really is an action (not any `Create`), and only
        // names few functions have: `Get` on an unknown object could be anything.
        let seeds: HashSet<FnRef> = action_sites
            .iter()
            .map(|s| s.func)
            .chain(authenticating.iter().copied())
            .collect();
        let mut defined: HashMap<&str, usize> = HashMap::new();
        for module in &program.modules {
            for f in &module.functions {
                *defined.entry(crate::ir::last_segment(&f.name)).or_default() += 1;
            }
        }
        for _ in 0..3 {
            let reaching = reaching_from(&seeds, &callees);
            let mut found: HashMap<String, Vec<FnRef>> = HashMap::new();
            for f in &reaching {
                let path = &program.modules[f.module].path;
                if is_test_double(path) {
                    continue;
                }
                let function = program.function(*f);
                if !function.method {
                    continue;
                }
                let name = crate::ir::last_segment(&function.name);
                if defined.get(name).copied().unwrap_or(0) > MAX_IMPLEMENTATIONS {
                    continue;
                }
                found.entry(name.to_string()).or_default().push(*f);
            }
            let mut added = false;
            for (me, methods) in &method_calls {
                let family = program.languages[me.module].family();
                for method in methods {
                    for t in found.get(method).into_iter().flatten() {
                        if program.languages[t.module].family() != family || t == me {
                            continue;
                        }
                        let out = callees.entry(*me).or_default();
                        if !out.contains(t) {
                            out.push(*t);
                            added = true;
                        }
                    }
                }
            }
            dispatch = found;
            if !added {
                break;
            }
        }
        for targets in dispatch.values_mut() {
            targets.sort();
            targets.dedup();
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
                    .flat_map(move |e| program.entry_handlers(m, &e.handler))
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
            dispatch,
            callees,
            callers,
            reaching,
            entry_handlers,
            action_sites,
            provider_files,
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

/// The functions from which a candidate is reachable through `callees` (all the way up).
fn reaching_from(
    candidates: &HashSet<FnRef>,
    callees: &HashMap<FnRef, Vec<FnRef>>,
) -> HashSet<FnRef> {
    let mut callers: HashMap<FnRef, Vec<FnRef>> = HashMap::new();
    for (f, cs) in callees {
        for c in cs {
            callers.entry(*c).or_default().push(*f);
        }
    }
    let mut reaching = HashSet::new();
    let mut stack: Vec<FnRef> = candidates.iter().copied().collect();
    while let Some(f) = stack.pop() {
        if reaching.insert(f) {
            stack.extend(callers.get(&f).into_iter().flatten().copied());
        }
    }
    reaching
}

/// The modules of the functions that reach a workflow action: where a workflow's code is.
/// The parser follows these modules' imports to find their guards and middleware.
pub fn modules_on_workflow_paths(program: &Program, specs: &SpecSet) -> Vec<usize> {
    let graph = CallGraph::build(program, specs);
    let modules: std::collections::BTreeSet<usize> =
        graph.reaching.iter().map(|f| f.module).collect();
    modules.into_iter().collect()
}

/// Whether a function's parameters bind `name` (`def run(exchange): to_thread(exchange)` hands
/// over its argument, not the module's `exchange`).
fn binds_parameter(f: &crate::ir::Function, name: &str) -> bool {
    f.params
        .iter()
        .any(|p| p.name == name || p.bindings.iter().any(|b| b.name == name))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lang::Language;

    #[test]
    fn a_function_handed_over_by_name_is_called_unless_a_parameter_shadows_it() {
        let source = "import asyncio\n\
            \n\
            def exchange():\n    return 1\n\
            \n\
            async def by_module_name():\n    return await asyncio.to_thread(exchange)\n\
            \n\
            async def by_parameter(exchange):\n    return await asyncio.to_thread(exchange)\n";
        let (program, caller) =
            Program::of_source(Language::Python, "app.py", source, "by_module_name");
        let position = |name: &str| {
            program.modules[0]
                .functions
                .iter()
                .position(|f| f.name == name)
                .unwrap()
        };
        let exchange = FnRef {
            module: 0,
            function: position("exchange"),
        };
        let shadowed = FnRef {
            module: 0,
            function: position("by_parameter"),
        };
        let specs = crate::spec::load_builtin().unwrap();
        let graph = CallGraph::build(&program, &specs);
        let calls = |f: FnRef| graph.callees.get(&f).is_some_and(|c| c.contains(&exchange));
        assert!(calls(caller));
        assert!(!calls(shadowed));
    }

    #[test]
    fn an_sdk_method_kept_in_a_local_is_an_action_site_unless_the_local_is_rebound() {
        let source = "def kept(client, code):\n\
            \x20   authenticate = client.user_management.authenticate_with_code\n\
            \x20   return authenticate(code=code)\n\
            \n\
            def rebound(client, code, fake):\n\
            \x20   authenticate = client.user_management.authenticate_with_code\n\
            \x20   if fake:\n\
            \x20       authenticate = fake.exchange\n\
            \x20   return authenticate(code=code)\n";
        let (program, _) = Program::of_source(Language::Python, "app.py", source, "kept");
        let specs = crate::spec::load_builtin().unwrap();
        let graph = CallGraph::build(&program, &specs);
        let sites: Vec<(&str, &str)> = graph
            .action_sites
            .iter()
            .map(|s| (program.function(s.func).name.as_str(), s.callee.as_str()))
            .collect();
        assert_eq!(
            sites,
            [("kept", "client.user_management.authenticate_with_code")]
        );
    }

    #[test]
    fn an_option_callback_runs_in_an_in_repo_callee_or_when_named_for_an_event() {
        let source = r#"
import { authLoader } from "@workos-inc/authkit-react-router";
import { Provider } from "effect-service";
function runLocked({ mutation }) { return mutation(); }
function removeInLock() { return runLocked({ mutation: async () => { mutate(); } }); }
function signIn() { return authLoader({ onSuccess: async () => { mutate(); } }); }
function defineService() { return Provider.of({ remove: async () => { mutate(); } }); }
function namedOption() { return runLocked({ mutation: mutate }); }
function mutate() {}
"#;
        let (program, _) = Program::of_source(Language::TypeScript, "a.ts", source, "mutate");
        let specs = crate::spec::load_builtin().unwrap();
        let graph = CallGraph::build(&program, &specs);
        let function = |name: &str| FnRef {
            module: 0,
            function: program.modules[0]
                .functions
                .iter()
                .position(|f| f.name == name)
                .unwrap(),
        };
        // Whether a function written in `name` (its callback) is among what `name` calls.
        let runs_callback = |name: &str| {
            graph.callees.get(&function(name)).is_some_and(|c| {
                c.iter()
                    .any(|f| f.module == 0 && program.function(*f).name != "runLocked")
            })
        };
        assert!(runs_callback("removeInLock"));
        assert!(runs_callback("signIn"));
        // A library's table of functions is defined for later, not run.
        assert!(!runs_callback("defineService"));
        // A function named in an option may be called with arguments the callee chooses.
        assert!(!runs_callback("namedOption"));
    }
}
