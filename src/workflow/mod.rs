//! Stage 4 and 6: locate workflow instances (the entry points whose code reaches an action of
//! some spec), build their CFGs, and label them.

pub mod label;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use rayon::prelude::*;
use serde::Serialize;

use crate::cfg::{self, BuildLimits, Cfg};
use crate::ir::{EntryKind, Expr, Stmt};
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

/// A root of analysis: a framework entry point or a function nobody in the parsed code calls.
struct Root {
    func: FnRef,
    guards: Vec<Expr>,
    info: EntryInfo,
}

/// Finds all workflow instances in the program.
pub fn locate(program: &Program, specs: &SpecSet) -> Vec<Instance> {
    let last_segments: HashSet<String> = specs
        .workflows
        .iter()
        .flat_map(|w| w.actions.values().flat_map(|a| a.calls.iter()))
        .map(|c| c.rsplit('.').next().unwrap_or(c).to_string())
        .collect();

    // Call graph over all parsed functions (resolved names, callbacks, closures).
    let mut callees: HashMap<FnRef, Vec<FnRef>> = HashMap::new();
    let mut candidates: HashSet<FnRef> = HashSet::new();
    for (m, module) in program.modules.iter().enumerate() {
        for (i, f) in module.functions.iter().enumerate() {
            let me = FnRef {
                module: m,
                function: i,
            };
            let mut out = Vec::new();
            let mut anchored = false;
            visit_stmts(&f.body, &mut |e| match e {
                Expr::Call(call) => {
                    if let Some(p) = call.callee.path() {
                        let last = p.rsplit('.').next().unwrap_or(&p);
                        if last_segments.contains(last) {
                            anchored = true;
                        }
                    }
                    if let Some(t) = program.resolve_callee(m, &call.callee) {
                        out.push(t);
                    }
                }
                Expr::Function(id) => out.push(FnRef {
                    module: m,
                    function: *id,
                }),
                _ => {}
            });
            if anchored {
                candidates.insert(me);
            }
            callees.insert(me, out);
        }
    }

    // Functions from which a candidate is reachable.
    let mut callers: HashMap<FnRef, Vec<FnRef>> = HashMap::new();
    for (f, cs) in &callees {
        for c in cs {
            callers.entry(*c).or_default().push(*f);
        }
    }
    let mut reaching: HashSet<FnRef> = HashSet::new();
    let mut stack: Vec<FnRef> = candidates.iter().copied().collect();
    while let Some(f) = stack.pop() {
        if reaching.insert(f) {
            if let Some(cs) = callers.get(&f) {
                stack.extend(cs.iter().copied());
            }
        }
    }

    // Framework entry points that reach a candidate, through their handler or middleware.
    let mut roots: Vec<Root> = Vec::new();
    let mut handled: HashSet<FnRef> = HashSet::new();
    for (m, module) in program.modules.iter().enumerate() {
        for entry in &module.entries {
            let Some(handler) = program.resolve_callee(m, &entry.handler) else {
                continue;
            };
            let guard_fns: Vec<FnRef> = entry
                .guards
                .iter()
                .filter_map(|g| match g.peel() {
                    Expr::Call(c) => program.resolve_callee(m, &c.callee),
                    other => program.resolve_callee(m, other),
                })
                .collect();
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
                EntryKind::Page => "page".into(),
            };
            roots.push(Root {
                func: handler,
                guards: entry.guards.clone(),
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
                BuildLimits::default(),
            ));
            let mut out = Vec::new();
            for (i, spec) in specs.workflows.iter().enumerate() {
                let labels = labeler.label(spec, &cfg);
                if labels.actions.is_empty() {
                    continue;
                }
                out.push(Instance {
                    spec: i,
                    workflow: spec.id.clone(),
                    entry: root.info.clone(),
                    cfg: cfg.clone(),
                    labels,
                });
            }
            out
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

/// Visits every expression in a function body (not descending into function literals, which
/// are reported as `Expr::Function` and are functions of their own).
fn visit_stmts(stmts: &[Stmt], visit: &mut dyn FnMut(&Expr)) {
    for s in stmts {
        match s {
            Stmt::Expr { expr, .. } => visit_expr(expr, visit),
            Stmt::Let { value, .. } => {
                if let Some(v) = value {
                    visit_expr(v, visit)
                }
            }
            Stmt::Assign { target, value, .. } => {
                visit_expr(target, visit);
                visit_expr(value, visit);
            }
            Stmt::If {
                cond,
                then,
                otherwise,
                ..
            } => {
                visit_expr(cond, visit);
                visit_stmts(then, visit);
                visit_stmts(otherwise, visit);
            }
            Stmt::Loop { cond, body, .. } => {
                if let Some(c) = cond {
                    visit_expr(c, visit);
                }
                visit_stmts(body, visit);
            }
            Stmt::Switch { subject, cases, .. } => {
                visit_expr(subject, visit);
                for c in cases {
                    if let Some(t) = &c.test {
                        visit_expr(t, visit);
                    }
                    visit_stmts(&c.body, visit);
                }
            }
            Stmt::Try {
                body,
                catch,
                finally,
                ..
            } => {
                visit_stmts(body, visit);
                if let Some(c) = catch {
                    visit_stmts(c, visit);
                }
                visit_stmts(finally, visit);
            }
            Stmt::Return { value, .. } => {
                if let Some(v) = value {
                    visit_expr(v, visit)
                }
            }
            Stmt::Throw { value, .. } => visit_expr(value, visit),
            Stmt::Block { body } => visit_stmts(body, visit),
            Stmt::Break { .. } | Stmt::Continue { .. } => {}
        }
    }
}

fn visit_expr(e: &Expr, visit: &mut dyn FnMut(&Expr)) {
    visit(e);
    match e {
        Expr::Member { object, .. } => visit_expr(object, visit),
        Expr::Index { object, index } => {
            visit_expr(object, visit);
            visit_expr(index, visit);
        }
        Expr::Call(c) => {
            visit_expr(&c.callee, visit);
            c.args.iter().for_each(|a| visit_expr(&a.value, visit));
        }
        Expr::Object(props) => props.iter().for_each(|p| visit_expr(&p.value, visit)),
        Expr::Array(items) | Expr::Template(items) => {
            items.iter().for_each(|i| visit_expr(i, visit))
        }
        Expr::Unary { operand, .. } => visit_expr(operand, visit),
        Expr::Binary { left, right, .. } => {
            visit_expr(left, visit);
            visit_expr(right, visit);
        }
        Expr::Conditional {
            cond,
            then,
            otherwise,
        } => {
            visit_expr(cond, visit);
            visit_expr(then, visit);
            visit_expr(otherwise, visit);
        }
        Expr::Await(i) => visit_expr(i, visit),
        Expr::Literal(_)
        | Expr::Name(_)
        | Expr::Function(_)
        | Expr::RequestGlobal(_)
        | Expr::Unknown(_) => {}
    }
}
