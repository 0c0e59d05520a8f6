//! Stage 4 and 6: locate workflow instances (the entry points whose code reaches an action of
//! some spec), build their CFGs, and label them.

pub mod label;

use std::collections::{BTreeSet, HashSet};
use std::sync::Arc;

use petgraph::graph::NodeIndex;
use rayon::prelude::*;
use serde::Serialize;

use crate::callgraph::CallGraph;
use crate::cfg::{self, BuildLimits, Cfg};
use crate::frameworks::app_guards;
use crate::ir::{AppGuardScope, EntryKind, Expr};
use crate::model::{CallSite, RootKind, Unresolved};
use crate::parse::{FnRef, Program};
use crate::spec::SpecSet;
use crate::summary::Summaries;

pub use crate::callgraph::modules_on_workflow_paths;

pub use label::{Labeler, Labels, Source};

/// Where a workflow instance starts.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct EntryInfo {
    pub file: String,
    pub line: u32,
    pub function: String,
    /// The entry as a user knows it: `route POST /api/team/invite`, `server-action inviteMember`,
    /// `rpc org.members.update`, `page /settings`; for a non-request root what runs it (`job`,
    /// `script`, `main`).
    pub kind: String,
}

/// One workflow found in code: an entry point whose graph contains actions of one spec.
#[derive(Debug, Clone)]
pub struct Instance {
    /// Index into `SpecSet::workflows`.
    pub spec: usize,
    pub workflow: String,
    pub entry: EntryInfo,
    /// A request entry, or code no request reaches (a job, a script).
    pub root: RootKind,
    pub cfg: Arc<Cfg>,
    pub labels: Labels,
}

impl Instance {
    /// The action calls this instance covers, once each, in source order.
    pub fn calls(&self) -> Vec<CallSite> {
        let mut out: Vec<CallSite> = self
            .labels
            .actions
            .iter()
            .map(|(n, action)| {
                let node = self.cfg.node(*n);
                CallSite {
                    file: node.file.clone(),
                    line: node.span.line,
                    action: action.clone(),
                }
            })
            .collect();
        out.sort();
        out.dedup();
        out
    }
}

/// For each instance, the instance it is reported as part of, if any. Several workflows can
/// claim the same calls at one entry (a widget token with the Users and SSO scopes is judged by
/// invite and by sso-setup): that is one workflow in the code, so it is reported once, with one
/// set of findings. An instance goes with another at the same entry whose calls include all of
/// its own (the one with more calls, or the earlier one when they cover the same calls).
pub fn reported_with(instances: &[Instance]) -> Vec<Option<usize>> {
    let nodes: Vec<HashSet<NodeIndex>> = instances
        .iter()
        .map(|inst| inst.labels.actions.iter().map(|(n, _)| *n).collect())
        .collect();
    // Each step goes to more calls, or to the same calls at a lower index: no cycles.
    let host = |i: usize| {
        (0..instances.len()).find(|&j| {
            j != i
                && Arc::ptr_eq(&instances[i].cfg, &instances[j].cfg)
                && nodes[i].is_subset(&nodes[j])
                && (nodes[j].len() > nodes[i].len() || j < i)
        })
    };
    (0..instances.len())
        .map(|i| {
            let mut at = host(i)?;
            while let Some(next) = host(at) {
                at = next;
            }
            Some(at)
        })
        .collect()
}

/// What locating found: the workflow instances, and the action calls none of them covers.
pub struct Located {
    pub instances: Vec<Instance>,
    /// For each instance, the one it is reported as part of (see [`reported_with`]).
    pub reported_with: Vec<Option<usize>>,
    pub unresolved: Vec<Unresolved>,
    /// Distinct action call sites found (covered or unresolved).
    pub action_calls: usize,
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
    handler_params: Vec<crate::ir::ParamRole>,
    /// The URL path every request of the entry has (a route or page), whose tests a
    /// middleware makes are decided for it.
    url_path: Option<String>,
    info: EntryInfo,
    /// `None`: no request entry and nothing else known to run it; its action calls are
    /// reported as unresolved, never judged as a request.
    kind: Option<RootKind>,
}

/// The guards the application installs for many routes from one place that run before an entry
/// of module `m` (at URL `path`, if it has one), in the order they run: NestJS `APP_GUARD`s for
/// a NestJS module, the Next.js middleware whose matcher covers the path for a route or page of
/// that project (see [`crate::frameworks::nextjs`]).
fn app_guards(
    program: &Program,
    m: usize,
    kind: &EntryKind,
    path: Option<&str>,
) -> Vec<(usize, Expr)> {
    let module = &program.modules[m];
    let nest = module
        .imports
        .iter()
        .any(|i| i.source.starts_with("@nestjs/"));
    let action = *kind == EntryKind::ServerAction;
    let mut out = Vec::new();
    for (gm, other) in program.modules.iter().enumerate() {
        for g in &other.global_guards {
            let applies = match &g.scope {
                AppGuardScope::Application => nest,
                AppGuardScope::Paths {
                    project,
                    route_folders,
                    matchers,
                    exempt,
                } => {
                    // A server action may be written anywhere in the project.
                    let folders: &[String] = if action { &[] } else { route_folders };
                    (action || path.is_some())
                        && app_guards::in_project(project, folders, &module.path)
                        && app_guards::guards_path(matchers, exempt, path.filter(|_| !action))
                }
            };
            if applies {
                out.push((gm, g.guard.clone()));
            }
        }
    }
    out
}

/// The module whose routes a mounted router stands for, and which router of it when the
/// mount names one: `createTeamRouters().admin` (the name the factory returns under `admin`),
/// `createTeamRouter()` (the name it returns), an imported `adminRouter`, FastAPI's
/// `team.router`.
fn mounted_router(program: &Program, mm: usize, handler: &Expr) -> Option<(usize, Option<String>)> {
    let built_by = |callee: &Expr, property: Option<&str>| {
        let f = program.resolve_callee(mm, callee)?;
        Some((f.module, returned_router(program.function(f), property)))
    };
    match handler.peel() {
        Expr::Call(c) => built_by(&c.callee, None),
        Expr::Name(n) => {
            let t = program.import_target(mm, n)?;
            let imported = program.modules[mm]
                .imports
                .iter()
                .find(|i| i.local == *n)
                .map(|i| i.imported.clone());
            Some((t, imported))
        }
        Expr::Member { object, property } => match object.peel() {
            Expr::Name(n) => Some((program.import_target(mm, n)?, Some(property.clone()))),
            Expr::Call(c) => built_by(&c.callee, Some(property)),
            _ => None,
        },
        _ => None,
    }
}

/// The router variable a factory returns (`return router`), or returns under `property`
/// (`return { admin: adminRouter }`).
fn returned_router(factory: &crate::ir::Function, property: Option<&str>) -> Option<String> {
    crate::ir::returned_values(&factory.body)
        .into_iter()
        .find_map(|value| match (value.peel(), property) {
            (Expr::Name(n), None) => Some(n.clone()),
            (Expr::Object(props), Some(p)) => props
                .iter()
                .find(|prop| prop.key == p)
                .and_then(|prop| prop.value.peel().path()),
            _ => None,
        })
}

/// A guard class of the application (`@UseGuards(AuthGuard)`, `{ provide: APP_GUARD, useClass:
/// AuthGuard }`) runs its `canActivate`: that method is followed in its place, unless it reads
/// the route's metadata (`this.reflector.get("roles", …)`), which idrift does not carry to it;
/// such a guard stays trusted by its name, beside the requirement it enforces.
fn follow_guard_classes(program: &Program, guards: &mut [(usize, Expr)]) {
    for (gm, guard) in guards.iter_mut() {
        let class = match guard.peel() {
            Expr::Name(n) => n.clone(),
            Expr::Call(c) if c.construct && c.args.is_empty() => match c.callee.peel() {
                Expr::Name(n) => n.clone(),
                _ => continue,
            },
            _ => continue,
        };
        let hook = Expr::Member {
            object: Box::new(Expr::Name(class)),
            property: "canActivate".into(),
        };
        let Some(f) = program.resolve_callee(*gm, &hook) else {
            continue;
        };
        if !program.function(f).name.ends_with("::canActivate") {
            continue;
        }
        let mut reads_metadata = false;
        crate::ir::visit_stmts(&program.function(f).body, &mut |e| {
            if let Expr::Call(c) = e {
                let path = c.callee.path().unwrap_or_default();
                if path.to_ascii_lowercase().contains("reflector")
                    || matches!(
                        crate::ir::last_segment(&path),
                        "getAllAndOverride" | "getAllAndMerge" | "getMetadata"
                    )
                {
                    reads_metadata = true;
                }
            }
        });
        if !reads_metadata {
            *guard = hook;
        }
    }
}

/// A guard that only states a requirement (`@Roles('admin')`, marked with
/// [`crate::ir::REQUIREMENT_MARK`]) counts only beside a guard that enforces requirements (a
/// roles, permissions or policy guard, on the route or global), and is dropped otherwise: metadata
/// nobody reads checks nothing.
fn with_requirements_enforced(guards: &mut Vec<(usize, Expr)>) {
    let name_of = |g: &Expr| match g.peel() {
        Expr::Call(c) => c.callee.path().unwrap_or_default(),
        other => other.path().unwrap_or_default(),
    };
    let marked = |g: &Expr| name_of(g).starts_with(crate::ir::REQUIREMENT_MARK);
    if !guards.iter().any(|(_, g)| marked(g)) {
        return;
    }
    const ENFORCERS: &[&str] = &[
        "role",
        "roles",
        "permission",
        "permissions",
        "policy",
        "policies",
        "access",
        "rbac",
        "casl",
        "ability",
        "abilities",
        "authorization",
        "authz",
        "scope",
        "scopes",
    ];
    let enforced = guards
        .iter()
        .any(|(_, g)| !marked(g) && crate::workflow::label::has_any_word(&name_of(g), ENFORCERS));
    if !enforced {
        guards.retain(|(_, g)| !marked(g));
        return;
    }
    for (_, g) in guards.iter_mut() {
        if let Expr::Call(c) = g {
            if let Expr::Name(n) = &c.callee {
                if let Some(plain) = n.strip_prefix(crate::ir::REQUIREMENT_MARK) {
                    c.callee = Expr::Name(plain.to_string());
                }
            }
        }
    }
}

/// Finds all workflow instances in the program, and accounts for every action call: each ends
/// in an instance (of a request entry or a non-request root) or in `unresolved` with a reason.
pub fn locate(program: &Program, specs: &SpecSet) -> Located {
    let t = std::time::Instant::now();
    let graph = CallGraph::build(program, specs);
    crate::trace("  call graph", t, format_args!(""));
    let t = std::time::Instant::now();
    let summaries = Summaries::compute(program, &graph, specs);
    crate::trace("  summaries", t, format_args!(""));
    let reaching = &graph.reaching;

    // Framework entry points that reach a candidate, through their handler or middleware.
    let mut roots: Vec<Root> = Vec::new();
    let mut handled: HashSet<FnRef> = HashSet::new();
    // Handlers another file registers under its path and middleware.
    let mut mounted: std::collections::HashMap<FnRef, Vec<(usize, &crate::ir::Mount)>> =
        std::collections::HashMap::new();
    // Routers another file mounts (Express's `app.use("/api", requireAuth, teamRouter)`), by
    // the module that registers their routes and the router of it: `None` stands for the only
    // router of a module that has one, so the mount cannot stand for a second router of it.
    type MountedRouters<'p> =
        std::collections::HashMap<(usize, Option<String>), (usize, &'p crate::ir::Mount)>;
    let mut mounted_routers: MountedRouters = std::collections::HashMap::new();
    for (mm, module) in program.modules.iter().enumerate() {
        for mount in &module.mounts {
            if mount.router {
                if let Some((t, receiver)) = mounted_router(program, mm, &mount.handler) {
                    let receivers = &program.modules[t].route_receivers;
                    let receiver = receiver.filter(|r| receivers.contains(r));
                    if t != mm && (receiver.is_some() || receivers.len() == 1) {
                        mounted_routers.entry((t, receiver)).or_insert((mm, mount));
                    }
                }
                continue;
            }
            for f in program.resolve_callee_all(mm, &mount.handler) {
                mounted.entry(f).or_default().push((mm, mount));
            }
        }
    }
    // A handler exported behind a wrapper (`export const h = asyncWrapper(async (req, res) =>
    // …)`) is read as a procedure of its own, unless some file registers it as a route
    // (`router.get("/callback", h)`): then it is that route, behind its middleware and then the
    // wrapper.
    let entry_handlers = |kind: fn(&EntryKind) -> bool| {
        program
            .modules
            .iter()
            .enumerate()
            .flat_map(move |(m, module)| {
                module
                    .entries
                    .iter()
                    .filter(move |e| kind(&e.kind))
                    .flat_map(move |e| {
                        program
                            .entry_handlers(m, &e.handler)
                            .into_iter()
                            .map(move |h| (h, (m, e)))
                    })
            })
    };
    let routed: HashSet<FnRef> = entry_handlers(|k| matches!(k, EntryKind::Route { .. }))
        .map(|(h, _)| h)
        .collect();
    let procedures: std::collections::HashMap<FnRef, (usize, &crate::ir::EntryPoint)> =
        entry_handlers(|k| matches!(k, EntryKind::Rpc)).collect();
    for (m, module) in program.modules.iter().enumerate() {
        for (entry, handler) in module.entries.iter().flat_map(|e| {
            program
                .entry_handlers(m, &e.handler)
                .into_iter()
                .map(move |h| (e, h))
        }) {
            if matches!(entry.kind, EntryKind::Rpc) && routed.contains(&handler) {
                continue;
            }
            let mut guards = expand_guards(program, m, entry.chain_root.as_ref(), &entry.guards, 0);
            if let (EntryKind::Route { .. }, Some((pm, procedure))) =
                (&entry.kind, procedures.get(&handler))
            {
                guards.extend(expand_guards(
                    program,
                    *pm,
                    procedure.chain_root.as_ref(),
                    &procedure.guards,
                    0,
                ));
            }
            guards.retain(|(_, g)| {
                let name = match g.peel() {
                    Expr::Call(c) => c.callee.path(),
                    other => other.path(),
                };
                !name.is_some_and(|n| entry.skipped_guards.contains(&n))
            });
            let mut path = match &entry.kind {
                EntryKind::Route { path, .. } => path
                    .clone()
                    .or_else(|| crate::frameworks::file_route_path(&module.path)),
                EntryKind::Page => crate::frameworks::file_route_path(&module.path),
                _ => None,
            };
            let registered_here = matches!(&entry.kind, EntryKind::Route { path: Some(_), .. })
                && !module.route_receivers.is_empty();
            let mount = mounted
                .get(&handler)
                .and_then(|v| v.first())
                .copied()
                .or_else(|| {
                    let router = mounted_routers
                        .get(&(m, entry.receiver.clone()))
                        .or_else(|| mounted_routers.get(&(m, None)));
                    router.copied().filter(|_| registered_here)
                });
            if let Some((mm, mount)) = mount {
                let own = path.unwrap_or_default();
                path = Some(crate::frameworks::join_route_path(&mount.prefix, &own));
                guards.splice(0..0, mount.guards.iter().map(|g| (mm, g.clone())));
            }
            guards.splice(0..0, app_guards(program, m, &entry.kind, path.as_deref()));
            // NestJS: `app.setGlobalPrefix("api")` puts every controller route under `/api`.
            let nest = module
                .imports
                .iter()
                .any(|i| i.source.starts_with("@nestjs/"));
            let global_prefix = nest
                .then(|| {
                    program
                        .modules
                        .iter()
                        .find_map(|m| m.global_prefix.as_ref())
                })
                .flatten();
            if let (EntryKind::Route { .. }, Some(p), Some(prefix)) =
                (&entry.kind, &path, global_prefix)
            {
                let prefix = format!("/{}", prefix.trim_matches('/'));
                path = Some(crate::frameworks::join_route_path(&prefix, p));
            }
            with_requirements_enforced(&mut guards);
            follow_guard_classes(program, &mut guards);
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
            // As a user knows the entry: its method and path, the procedure's or action's name.
            let name = &program.function(handler).name;
            let kind = match (&entry.kind, &path) {
                (EntryKind::Route { method, .. }, Some(p)) => format!("route {method} {p}"),
                (EntryKind::Route { method, .. }, None) => format!("route {method}"),
                (EntryKind::ServerAction, _) => format!("server-action {name}"),
                (EntryKind::Rpc, _) => format!("rpc {name}"),
                (EntryKind::Page, Some(p)) => format!("page {p}"),
                (EntryKind::Page, None) => "page".into(),
            };
            let url_path = match entry.kind {
                EntryKind::Route { .. } | EntryKind::Page => path.clone(),
                EntryKind::ServerAction | EntryKind::Rpc => None,
            };
            roots.push(Root {
                func: handler,
                kind: Some(RootKind::Request),
                guards,
                validated_input: entry.validated_input.clone(),
                handler_params: entry.handler_params.clone(),
                url_path,
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
    // Functions that reach a candidate and that nothing parsed calls. A wrapper, service or
    // helper is not a request entry by itself: unless something says what runs it (a job, a
    // script), its action calls are unresolved.
    // Generated code (a goa CLI's `ParseEndpoint`, a client stub) is neither: its graph, often
    // one switch of hundreds of cases, is not built, and the action calls it reaches are
    // analysed from their own functions below, naming it among their callers.
    let mut orphans: Vec<FnRef> = reaching
        .iter()
        .copied()
        .filter(|f| !handled.contains(f) && graph.callers_of(*f).is_empty())
        .filter(|f| !program.modules[f.module].generated)
        .collect();
    orphans.sort();
    for f in orphans {
        roots.push(orphan_root(program, f, None));
    }
    roots.sort_by(|a, b| {
        (&a.info.file, a.info.line, &a.info.function).cmp(&(
            &b.info.file,
            b.info.line,
            &b.info.function,
        ))
    });
    // One entry found twice the same way (a server action declared by an inline 'use server' in
    // an exported arrow function) is one workflow: its findings are reported once.
    // (`Expr` has no equality: the guards are compared as written out, only for such pairs.)
    roots.dedup_by(|a, b| {
        a.func == b.func
            && a.info == b.info
            && format!("{:?}", a.guards) == format!("{:?}", b.guards)
    });

    let labeler = Labeler::new(specs).with_provider_files(graph.provider_files.clone());
    let t = std::time::Instant::now();
    let built = build_and_label(program, &summaries, &roots, &labeler);
    crate::trace(
        "  graphs of roots",
        t,
        format_args!(
            "{} roots, {} nodes",
            roots.len(),
            built
                .iter()
                .map(|(_, c)| c.graph.node_count())
                .sum::<usize>()
        ),
    );
    let t = std::time::Instant::now();
    let mut reached: HashSet<(String, u32)> = HashSet::new();
    for (_, cfg) in &built {
        reached.extend(cfg.calls().into_iter().map(|n| site_key(cfg.node(n))));
    }

    // Action calls no root's graph reached (callers that could not be followed, cycles, graphs
    // cut short): each is analysed from its own function, to tell whether it is an action, and
    // listed with the reason.
    let stray: BTreeSet<FnRef> = graph
        .action_sites
        .iter()
        .filter(|site| {
            let file = &program.modules[site.func.module].path;
            !reached.contains(&(file.clone(), site.span.start))
        })
        .map(|site| site.func)
        .collect();
    let stray_roots: Vec<Root> = stray
        .into_iter()
        .map(|f| orphan_root(program, f, Some(&graph)))
        .collect();
    let stray_built = build_and_label(program, &summaries, &stray_roots, &labeler);
    crate::trace(
        "  graphs of stray calls",
        t,
        format_args!("{} roots", stray_roots.len()),
    );

    let mut instances = Vec::new();
    // (root, cfg, labels) of graphs whose action calls have no request entry.
    let mut unrooted = Vec::new();
    for (root, (labelled, cfg)) in roots
        .iter()
        .zip(built)
        .chain(stray_roots.iter().zip(stray_built))
    {
        for (i, labels) in labelled {
            match root.kind {
                Some(kind) => instances.push(Instance {
                    spec: i,
                    workflow: specs.workflows[i].id.clone(),
                    entry: root.info.clone(),
                    root: kind,
                    cfg: cfg.clone(),
                    labels,
                }),
                None => unrooted.push((root, cfg.clone(), i, labels)),
            }
        }
    }
    // A call an instance covers is accounted for, even when another root reaches it too.
    let covered: HashSet<(String, u32)> = instances
        .iter()
        .flat_map(|inst| {
            inst.labels
                .actions
                .iter()
                .map(|(n, _)| site_key(inst.cfg.node(*n)))
        })
        .collect();
    let mut unresolved: Vec<Unresolved> = Vec::new();
    for (root, cfg, i, labels) in unrooted {
        for (n, action) in &labels.actions {
            let node = cfg.node(*n);
            if covered.contains(&site_key(node)) {
                continue;
            }
            unresolved.push(Unresolved {
                file: node.file.clone(),
                line: node.span.line,
                action: action.clone(),
                workflow: specs.workflows[i].id.clone(),
                reason: unresolved_reason(program, &graph, root, node),
            });
        }
    }
    unresolved.sort();
    unresolved.dedup_by(|a, b| (&a.file, a.line, &a.action) == (&b.file, b.line, &b.action));
    let mut sites: HashSet<CallSite> = instances.iter().flat_map(Instance::calls).collect();
    sites.extend(unresolved.iter().map(|u| CallSite {
        file: u.file.clone(),
        line: u.line,
        action: u.action.clone(),
    }));
    // Stable order: workflow, then entry.
    instances.sort_by(|a, b| {
        (&a.workflow, &a.entry.file, a.entry.line, &a.entry.function).cmp(&(
            &b.workflow,
            &b.entry.file,
            b.entry.line,
            &b.entry.function,
        ))
    });
    // A site is a place in the code: one call may be an action of several workflows (a widget
    // token with the scopes of three widgets).
    let places: HashSet<(&String, u32)> = sites.iter().map(|s| (&s.file, s.line)).collect();
    let action_calls = places.len();
    let reported_with = reported_with(&instances);
    Located {
        reported_with,
        instances,
        unresolved,
        action_calls,
    }
}

/// Where a call node's code is: its file and byte offset, the same for every graph it is in.
fn site_key(node: &cfg::CfgNode) -> (String, u32) {
    (node.file.clone(), node.span.start)
}

/// A root for a function no framework entry covers: a non-request root when something says
/// what runs it, else a root whose action calls are unresolved. With `graph`, the function has
/// callers that could not be followed down to it.
fn orphan_root(program: &Program, f: FnRef, graph: Option<&CallGraph>) -> Root {
    let func = program.function(f);
    let what = crate::frameworks::non_request_root(program, f)
        .filter(|_| graph.is_none_or(|g| g.callers_of(f).is_empty()));
    Root {
        func: f,
        guards: Vec::new(),
        validated_input: Vec::new(),
        handler_params: Vec::new(),
        url_path: None,
        kind: what.map(|_| RootKind::NonRequest),
        info: EntryInfo {
            file: program.modules[f.module].path.clone(),
            line: func.span.line,
            function: func.name.clone(),
            kind: what.unwrap_or("function").into(),
        },
    }
}

/// A graph's labels under each spec (by index) whose actions it contains.
type LabelledSpecs = Vec<(usize, Labels)>;

/// Builds and labels every root's graph, in parallel, in the roots' order.
fn build_and_label(
    program: &Program,
    summaries: &Summaries,
    roots: &[Root],
    labeler: &Labeler,
) -> Vec<(LabelledSpecs, Arc<Cfg>)> {
    roots
        .par_iter()
        .map(|root| {
            let cfg = Arc::new(cfg::build(
                program,
                summaries,
                root.func.module,
                root.func.function,
                cfg::Framing {
                    guards: &root.guards,
                    validated_input: &root.validated_input,
                    handler_params: &root.handler_params,
                    url_path: root.url_path.as_deref(),
                },
                BuildLimits::default(),
            ));
            crate::trace_file(
                &format!(
                    "graph of {} ({}): {} nodes",
                    root.info.function,
                    root.info.file,
                    cfg.graph.node_count()
                ),
                0,
            );
            let mut labelled = labeler.label(&cfg);
            for (i, labels) in &mut labelled {
                let spec = &labeler.specs.workflows[*i];
                labels.actions.retain(|(n, id)| {
                    let excluded = &spec.actions[id].not_in_files_calling;
                    excluded.is_empty()
                        || !program
                            .module_index(&cfg.node(*n).file)
                            .is_some_and(|m| module_calls_any(program, m, excluded))
                });
            }
            labelled.retain(|(_, labels)| !labels.actions.is_empty());
            (labelled, cfg)
        })
        .collect()
}

/// Whether any function of module `m` calls one of `spellings`.
fn module_calls_any(program: &Program, m: usize, spellings: &[String]) -> bool {
    program.modules[m].functions.iter().any(|f| {
        let mut found = false;
        crate::ir::visit_stmts(&f.body, &mut |e| {
            if let Expr::Call(c) = e {
                if let Some(p) = c.callee.path() {
                    found |= spellings.iter().any(|s| label::spelling_matches(&p, s));
                }
            }
        });
        found
    })
}

/// Why an action call reached from `root` has no request entry, in the words of the report.
fn unresolved_reason(
    program: &Program,
    graph: &CallGraph,
    root: &Root,
    node: &cfg::CfgNode,
) -> String {
    let describe = |f: FnRef| {
        let func = program.function(f);
        format!(
            "`{}` ({}:{})",
            func.name, program.modules[f.module].path, func.span.line
        )
    };
    let callers = graph.callers_of(root.func);
    if !callers.is_empty() {
        let named: Vec<String> = callers.iter().take(3).map(|c| describe(*c)).collect();
        let more = if callers.len() > 3 {
            format!(" and {} more", callers.len() - 3)
        } else {
            String::new()
        };
        return format!(
            "no request entry found; callers: {}{more}, from which the call could not be followed",
            named.join(", ")
        );
    }
    let own_function = node.file == root.info.file && node.function == root.info.function;
    if own_function {
        "no request entry found; callers: none in the scanned files".into()
    } else {
        format!(
            "no request entry found; it runs in `{}`, reached from {}, which has no caller in the scanned files",
            node.function,
            describe(root.func)
        )
    }
}
