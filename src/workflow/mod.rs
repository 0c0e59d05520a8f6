//! Stage 4 and 6: locate workflow instances (the entry points whose code reaches an action of
//! some spec), build their CFGs, and label them.

pub mod label;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use rayon::prelude::*;
use serde::Serialize;

use crate::cfg::{self, BuildLimits, Cfg};
use crate::ir::{EntryKind, Expr};
use crate::parse::{FnRef, Program};
use crate::spec::SpecSet;

pub use label::{Labeler, Labels, Source};

/// Where a workflow instance starts.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct EntryInfo {
    pub file: String,
    pub line: u32,
    pub function: String,
    /// `route POST`, `server-action`, `page`, or `function` for code whose caller is unknown.
    pub kind: String,
}

/// One workflow found in code: an entry point whose graph contains actions of one spec.
#[derive(Debug, Clone)]
pub struct Instance {
    /// Index into `SpecSet::workflows`.
    pub spec: usize,
    pub workflow: String,
    pub entry: EntryInfo,
    pub cfg: Arc<Cfg>,
    pub labels: Labels,
}

/// The guards of an entry in the order they run: those of the chain it is built on (a
/// `protectedProcedure` defined elsewhere), then its own. Names of guard chains are expanded.
fn expand_guards(
    program: &Program,
    module: usize,
    root: Option<&Expr>,
    guards: &[Expr],
    depth: usize,
) -> Vec<(usize, Expr)> {
    let mut out = Vec::new();
    if depth > 6 {
        return out;
    }
    if let Some(root) = root {
        if let Some((m, chain)) = program.resolve_guard_chain(module, root) {
            out.extend(expand_guards(
                program,
                m,
                chain.root.as_ref(),
                &chain.guards,
                depth + 1,
            ));
        }
    }
    for g in guards {
        match program.resolve_guard_chain(module, g) {
            Some((m, chain)) => out.extend(expand_guards(
                program,
                m,
                chain.root.as_ref(),
                &chain.guards,
                depth + 1,
            )),
            None => out.push((module, g.clone())),
        }
    }
    out
}

/// A root of analysis: a framework entry point or a function nobody in the parsed code calls.
struct Root {
    func: FnRef,
    /// Guards with the module each is written in.
    guards: Vec<(usize, Expr)>,
    validated_input: Vec<String>,
    info: EntryInfo,
}

/// Who calls whom among the parsed functions, and which functions reach a workflow action.
struct CallGraph {
    callers: HashMap<FnRef, Vec<FnRef>>,
    /// Functions from which a candidate (a function calling an action's method) is reachable.
    reaching: HashSet<FnRef>,
}

impl CallGraph {
    fn build(program: &Program, specs: &SpecSet) -> CallGraph {
        let action_calls = specs.action_calls();

        // Resolving every call is the costly part of locating: done per module in parallel.
        let per_function: Vec<(FnRef, Vec<FnRef>, bool)> = program
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
                    crate::ir::visit_stmts(&f.body, &mut |e| match e {
                        Expr::Call(call) => {
                            if let Some(p) = call.callee.path() {
                                let last = p.rsplit('.').next().unwrap_or(&p);
                                if action_calls.names_method(crate::ir::without_call_marks(last)) {
                                    anchored = true;
                                }
                            }
                            out.extend(program.resolve_callee_all(m, &call.callee));
                        }
                        Expr::Function(id) => out.push(FnRef {
                            module: m,
                            function: *id,
                        }),
                        _ => {}
                    });
                    (me, out, anchored)
                })
            })
            .collect();
        let mut callees: HashMap<FnRef, Vec<FnRef>> = HashMap::with_capacity(per_function.len());
        let mut candidates: HashSet<FnRef> = HashSet::new();
        for (me, out, anchored) in per_function {
            if anchored {
                candidates.insert(me);
            }
            callees.insert(me, out);
        }

        // Functions from which a candidate is reachable.
        let mut callers: HashMap<FnRef, Vec<FnRef>> = HashMap::new();
        for (f, cs) in &callees {
            for c in cs {
                callers.entry(*c).or_default().push(*f);
            }
        }
        // Entry handlers, known before the walk: a function that reaches a candidate only through
        // an entry's handler (a `main` that registers an inline route handler) is not a root.
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
        CallGraph { callers, reaching }
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

/// Finds all workflow instances in the program.
pub fn locate(program: &Program, specs: &SpecSet) -> Vec<Instance> {
    let CallGraph { callers, reaching } = CallGraph::build(program, specs);

    // Framework entry points that reach a candidate, through their handler or middleware.
    let mut roots: Vec<Root> = Vec::new();
    let mut handled: HashSet<FnRef> = HashSet::new();
    for (m, module) in program.modules.iter().enumerate() {
        for entry in &module.entries {
            let Some(handler) = program.resolve_callee(m, &entry.handler) else {
                continue;
            };
            let mut guards = expand_guards(program, m, entry.chain_root.as_ref(), &entry.guards, 0);
            guards.retain(|(_, g)| {
                let name = match g.peel() {
                    Expr::Call(c) => c.callee.path(),
                    other => other.path(),
                };
                !name.is_some_and(|n| entry.skipped_guards.contains(&n))
            });
            let guard_fns: Vec<FnRef> = guards
                .iter()
                .filter_map(|(gm, g)| match g.peel() {
                    Expr::Call(c) => program.resolve_callee(*gm, &c.callee),
                    other => program.resolve_callee(*gm, other),
                })
                .collect();
            // Parameters the framework produces by running code first (FastAPI `Depends`,
            // axum extractors defined in the application) guard the handler too.
            guards.extend(
                program
                    .function(handler)
                    .params
                    .iter()
                    .filter_map(|p| p.default_call.clone())
                    .map(|g| (handler.module, g)),
            );
            handled.insert(handler);
            if !reaching.contains(&handler) && !guard_fns.iter().any(|g| reaching.contains(g)) {
                continue;
            }
            let f = program.function(handler);
            let kind = match &entry.kind {
                EntryKind::Route { method, path } => match path {
                    Some(p) => format!("route {method} {p}"),
                    None => format!("route {method}"),
                },
                EntryKind::ServerAction => "server-action".into(),
                EntryKind::Rpc => "rpc".into(),
                EntryKind::Page => "page".into(),
            };
            roots.push(Root {
                func: handler,
                guards,
                validated_input: entry.validated_input.clone(),
                info: EntryInfo {
                    file: module.path.clone(),
                    line: if entry.span.line > 0 {
                        entry.span.line
                    } else {
                        f.span.line
                    },
                    function: f.name.clone(),
                    kind,
                },
            });
        }
    }
    // Functions that reach a candidate and that nothing parsed calls: analysed on their own.
    let mut orphans: Vec<FnRef> = reaching
        .iter()
        .copied()
        .filter(|f| !handled.contains(f) && callers.get(f).map(|c| c.is_empty()).unwrap_or(true))
        .collect();
    orphans.sort();
    for f in orphans {
        let func = program.function(f);
        roots.push(Root {
            func: f,
            guards: Vec::new(),
            validated_input: Vec::new(),
            info: EntryInfo {
                file: program.modules[f.module].path.clone(),
                line: func.span.line,
                function: func.name.clone(),
                kind: "function".into(),
            },
        });
    }
    roots.sort_by(|a, b| {
        (&a.info.file, a.info.line, &a.info.function).cmp(&(
            &b.info.file,
            b.info.line,
            &b.info.function,
        ))
    });

    let labeler = Labeler::new(specs);
    let per_root: Vec<Vec<Instance>> = roots
        .par_iter()
        .map(|root| {
            let cfg = Arc::new(cfg::build(
                program,
                root.func.module,
                root.func.function,
                &root.guards,
                &root.validated_input,
                BuildLimits::default(),
            ));
            labeler
                .label(&cfg)
                .into_iter()
                .map(|(i, labels)| Instance {
                    spec: i,
                    workflow: specs.workflows[i].id.clone(),
                    entry: root.info.clone(),
                    cfg: cfg.clone(),
                    labels,
                })
                .collect::<Vec<_>>()
        })
        .collect();
    let mut instances: Vec<Instance> = per_root.into_iter().flatten().collect();
    // Stable order: workflow, then entry.
    instances.sort_by(|a, b| {
        (&a.workflow, &a.entry.file, a.entry.line, &a.entry.function).cmp(&(
            &b.workflow,
            &b.entry.file,
            b.entry.line,
            &b.entry.function,
        ))
    });
    instances
}
