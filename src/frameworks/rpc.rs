//! Entries a framework exposes as remote procedures, named in code rather than routed by a
//! path: tRPC procedures in `router({...})` objects, Convex functions (`query`, `mutation`,
//! `action`; `internal*` are not callable by clients), SvelteKit form `actions`. Also the
//! builder-chain helpers the TypeScript frontend uses for top-level procedures (`procedure
//! .use(mw).mutation(fn)`) and zod input schemas.

use crate::ir::*;

/// The handler of a wrapper or builder call: its last function-literal argument, looking into a
/// nested wrapper (`withA(withB(async (req) => …))`).
pub fn outer_handler(call: &Call) -> Option<FunctionId> {
    call.args.iter().rev().find_map(|a| match a.value.peel() {
        Expr::Function(id) => Some(*id),
        Expr::Call(inner) => outer_handler(inner),
        _ => None,
    })
}

/// Collects the guards of a builder chain or wrapper in the order they run, and returns the
/// chain's root name, if any. `procedure.use(isAuthed).use(fn).mutation(handler)` gives
/// [isAuthed, fn] with root `procedure`; `resolver.pipe(resolver.authorize(), handler)` gives
/// [resolver.authorize()]; `withAuth(handler)` gives [withAuth()]. With `skip_handler`, the
/// outermost call's handler is left out; every other function literal is a middleware.
pub fn chain_guards(expr: &Expr, out: &mut Vec<Expr>, skip_handler: bool) -> Option<Expr> {
    let Expr::Call(call) = expr.peel() else {
        return match expr.peel() {
            e @ (Expr::Name(_) | Expr::Member { .. }) => Some(e.clone()),
            _ => None,
        };
    };
    let mut root = None;
    match call.callee.peel() {
        Expr::Member { object, .. } => {
            // oRPC walks a contract's paths on the builder before the handler
            // (`adminOrg.workOs.members.updateRole.handler(fn)`): the chain is the builder's.
            let mut builder = object.peel();
            while let Expr::Member { object, .. } = builder {
                builder = object.peel();
            }
            if matches!(builder, Expr::Call(_)) {
                root = chain_guards(builder, out, false);
            } else if let e @ Expr::Name(_) = builder {
                root = Some(e.clone());
            }
        }
        callee @ Expr::Name(_) => {
            // A higher-order wrapper: the wrapper itself is the guard, with its options.
            out.push(Expr::Call(Box::new(Call {
                callee: callee.clone(),
                args: call
                    .args
                    .iter()
                    .filter(|a| !matches!(a.value.peel(), Expr::Function(_) | Expr::Call(_)))
                    .cloned()
                    .collect(),
                span: call.span,
                construct: false,
            })));
        }
        _ => {}
    }
    let handler = if skip_handler {
        outer_handler(call)
    } else {
        None
    };
    let method = call
        .callee
        .path()
        .map(|p| p.rsplit('.').next().unwrap_or("").to_string())
        .unwrap_or_default();
    if matches!(
        method.as_str(),
        "input" | "output" | "meta" | "schema" | "zod"
    ) {
        // Input schemas validate shape, not who may call.
        return root;
    }
    for arg in &call.args {
        match arg.value.peel() {
            Expr::Function(id) if Some(*id) == handler => {}
            Expr::Function(_) | Expr::Name(_) | Expr::Member { .. } => out.push(arg.value.clone()),
            Expr::Call(inner) => {
                if skip_handler && outer_handler(inner) == handler && handler.is_some() {
                    // A nested wrapper around the handler: its own guards count too.
                    chain_guards(&arg.value, out, true);
                } else {
                    out.push(arg.value.clone());
                }
            }
            _ => {}
        }
    }
    root
}

/// Parameters of an RPC handler: `(input, ctx)` (Blitz) or `({ ctx, input })` (tRPC); only the
/// input is client input.
pub fn mark_rpc_params(params: &mut [Param]) {
    let Some(first) = params.first_mut() else {
        return;
    };
    if first.bindings.is_empty() {
        if first.role == ParamRole::Plain {
            first.role = ParamRole::Input;
        }
        if let Some(second) = params.get_mut(1) {
            if second.role == ParamRole::Plain && second.bindings.is_empty() {
                second.role = ParamRole::Context;
            }
        }
        return;
    }
    for b in first.bindings.iter_mut() {
        if matches!(b.name.as_str(), "input" | "rawInput" | "data" | "body") {
            b.role = Some(ParamRole::Input);
        } else if b.name == "ctx" || b.name == "context" {
            b.role = Some(ParamRole::Context);
        }
    }
    if let Some(second) = params.get_mut(1) {
        if second.name == "ctx" && second.role == ParamRole::Plain {
            second.role = ParamRole::Context;
        }
    }
}

use crate::frameworks::validators::enum_validated_fields;
use crate::lang::Language;

/// tRPC's procedure-making methods, and oRPC's `handler`: the last call of a builder chain.
const PROCEDURE_METHODS: &[&str] = &["mutation", "query", "subscription", "handler"];

/// Finds the procedures, Convex functions and SvelteKit actions of a TypeScript module.
pub fn recognise(module: &mut Module, language: Language) {
    if language.family() != Language::TypeScript {
        return;
    }
    let top = std::mem::take(&mut module.top_level);
    let convex = convex_dir(module);
    let file = module.path.rsplit('/').next().unwrap_or("").to_string();
    for stmt in &top {
        let Stmt::Let {
            bindings,
            value: Some(value),
            span,
        } = stmt
        else {
            continue;
        };
        let [binding] = bindings.as_slice() else {
            continue;
        };
        let name = binding.name.as_str();
        if convex.is_some() && module.exported_values.iter().any(|e| e == name) {
            convex_function(module, name, value, *span);
        }
        trpc_router(module, name, value, *span);
        graphql_resolvers(module, &top, name, value, *span);
        if file.starts_with("+page.server.") && name == "actions" {
            sveltekit_actions(module, value, *span);
        }
        tanstack_server_routes(module, value, *span);
    }
    module.top_level = top;
    if let Some(dir) = convex {
        convex_calls(module, &dir);
    }
    super::effect::recognise(module);
}

/// The root types of a GraphQL schema whose fields a client calls.
const GRAPHQL_ROOTS: &[&str] = &["Mutation", "Query", "Subscription"];

/// GraphQL resolver maps (Apollo, GraphQL Yoga, Mercurius): `{ Mutation: { inviteMember:
/// async (_parent, args, context) => … } }` written anywhere in a binding's value
/// (`createSchema({ resolvers: { … } })`), or a binding named for a root type (`const Mutation
/// = { … }`). Each field is an entry named `Mutation.inviteMember`; its `args` are client input
/// and its `context` what the server built from the request (the session); a wrapper around it
/// (`authenticated(async (…) => …)`) guards it. A map spread in from a binding of the same
/// module (`Mutation: { ...teamMutations }`) is read too.
fn graphql_resolvers(module: &mut Module, top: &[Stmt], name: &str, value: &Expr, span: Span) {
    fn local(top: &[Stmt], name: &str) -> Option<Expr> {
        top.iter().find_map(|s| match s {
            Stmt::Let {
                bindings,
                value: Some(v),
                ..
            } if bindings.len() == 1 && bindings[0].name == name => Some(v.clone()),
            _ => None,
        })
    }
    fn fields(module: &mut Module, top: &[Stmt], root: &str, map: &Expr, span: Span, depth: usize) {
        let Expr::Object(props) = map.peel() else {
            return;
        };
        for p in props.clone() {
            if p.key == "..." {
                if let (Expr::Name(spread), true) = (p.value.peel(), depth < 3) {
                    if let Some(v) = local(top, spread) {
                        fields(module, top, root, &v, span, depth + 1);
                    }
                }
                continue;
            }
            resolver(module, &format!("{root}.{}", p.key), &p.value, span);
        }
    }
    fn walk(module: &mut Module, top: &[Stmt], value: &Expr, span: Span, depth: usize) {
        if depth > 4 {
            return;
        }
        match value.peel() {
            Expr::Object(props) => {
                for p in props.clone() {
                    if GRAPHQL_ROOTS.contains(&p.key.as_str()) {
                        fields(module, top, &p.key, &p.value, span, 0);
                    } else {
                        walk(module, top, &p.value, span, depth + 1);
                    }
                }
            }
            Expr::Call(call) => {
                for a in call.args.clone() {
                    walk(module, top, &a.value, span, depth + 1);
                }
            }
            _ => {}
        }
    }
    // `const Mutation = {…}`, `const mutationResolvers: MutationResolvers = {…}`.
    let root = GRAPHQL_ROOTS.iter().find(|r| {
        name == **r
            || name
                .to_ascii_lowercase()
                .strip_suffix("resolvers")
                .is_some_and(|n| n == r.to_ascii_lowercase())
    });
    match root {
        Some(root) => fields(module, top, root, value, span, 0),
        None => walk(module, top, value, span, 0),
    }
}

/// One resolver field: a function, or a wrapper call around one (its guards).
fn resolver(module: &mut Module, path: &str, value: &Expr, span: Span) {
    let (handler, mut guards, chain_root) = match value.peel() {
        Expr::Function(id) => (*id, Vec::new(), None),
        Expr::Call(call) => {
            let Some(handler) = outer_handler(call) else {
                return;
            };
            let mut guards = Vec::new();
            let root = chain_guards(value, &mut guards, true);
            (handler, guards, root)
        }
        _ => return,
    };
    let f = &mut module.functions[handler];
    f.name = path.to_string();
    f.callable = true;
    // (parent, args, context, info)
    for (i, p) in f.params.iter_mut().enumerate() {
        let role = match i {
            1 => ParamRole::Input,
            2 => ParamRole::Context,
            _ => continue,
        };
        if p.role == ParamRole::Plain {
            p.role = role;
        }
        for b in p.bindings.iter_mut() {
            b.role.get_or_insert(role);
        }
    }
    guards.retain(|g| !matches!(g.peel(), Expr::Function(id) if *id == handler));
    module.entries.push(EntryPoint {
        guards,
        chain_root,
        ..EntryPoint::plain(Expr::Function(handler), EntryKind::Rpc, span)
    });
}

/// `router({ update: adminProcedure.input(…).mutation(fn), members: router({…}) })`: each
/// procedure is an entry, named by its path in the router.
fn trpc_router(module: &mut Module, name: &str, value: &Expr, span: Span) {
    fn walk(module: &mut Module, prefix: &str, value: &Expr, span: Span, depth: usize) {
        if depth > 6 {
            return;
        }
        let Expr::Call(call) = value.peel() else {
            return;
        };
        let callee = call.callee.path().unwrap_or_default();
        let last = last_segment(&callee);
        if !(last == "router" || last.ends_with("Router") || last == "mergeRouters") {
            return;
        }
        let Some(Expr::Object(props)) = call.args.first().map(|a| a.value.peel()) else {
            return;
        };
        procedures(module, prefix, props, span, depth);
    }
    // A router's properties: procedures, routers, and (oRPC) plain objects that nest more.
    fn procedures(module: &mut Module, prefix: &str, props: &[Property], span: Span, depth: usize) {
        if depth > 6 {
            return;
        }
        for p in props {
            let path = if prefix.is_empty() {
                p.key.clone()
            } else {
                format!("{prefix}.{}", p.key)
            };
            procedure(module, &path, &p.value, span);
            match p.value.peel() {
                Expr::Object(nested) => procedures(module, &path, nested, span, depth + 1),
                _ => walk(module, &path, &p.value, span, depth + 1),
            }
        }
    }
    walk(module, name.trim_end_matches("Router"), value, span, 0);
}

/// `adminProcedure.input(schema).mutation(async ({ ctx, input }) => …)` as a router property.
fn procedure(module: &mut Module, path: &str, value: &Expr, span: Span) {
    let Expr::Call(call) = value.peel() else {
        return;
    };
    let Expr::Member { property, .. } = call.callee.peel() else {
        return;
    };
    if !PROCEDURE_METHODS.contains(&property.as_str()) {
        return;
    }
    let Some(handler) = outer_handler(call) else {
        return;
    };
    let mut guards = Vec::new();
    let chain_root = chain_guards(value, &mut guards, true);
    let f = &mut module.functions[handler];
    f.name = path.to_string();
    mark_rpc_params(&mut f.params);
    module.entries.push(EntryPoint {
        guards,
        chain_root,
        validated_input: enum_validated_fields(value),
        ..EntryPoint::plain(
            Expr::Function(handler),
            EntryKind::Rpc,
            if call.span.line > 0 { call.span } else { span },
        )
    });
}

/// TanStack Start server routes: `createFileRoute("/api/x")({ server: { handlers: { POST: async
/// ({ request }) => … } } })`, the older `createAPIFileRoute("/api/x")({ POST: … })` and
/// `createServerFileRoute("/api/x").methods({ POST: … })`; each method is a route entry whose
/// argument carries the request.
fn tanstack_server_routes(module: &mut Module, value: &Expr, span: Span) {
    let Expr::Call(outer) = value.peel() else {
        return;
    };
    // The route factory call, `createFileRoute("/api/x")`, and the object of methods.
    let (factory, methods) = match outer.callee.peel() {
        Expr::Call(inner) => (inner, outer.args.first().map(|a| &a.value)),
        Expr::Member { object, property } if property == "methods" => match object.peel() {
            Expr::Call(inner) => (inner, outer.args.first().map(|a| &a.value)),
            _ => return,
        },
        _ => return,
    };
    let factory_name = factory.callee.path().unwrap_or_default();
    let kind = last_segment(&factory_name);
    if !matches!(
        kind,
        "createFileRoute" | "createAPIFileRoute" | "createServerFileRoute"
    ) {
        return;
    }
    let Some(Expr::Literal(crate::ir::Literal::Str(path))) =
        factory.args.first().map(|a| a.value.peel())
    else {
        return;
    };
    let prop = |e: &Expr, key: &str| -> Option<Expr> {
        match e.peel() {
            Expr::Object(props) => props.iter().find(|p| p.key == key).map(|p| p.value.clone()),
            _ => None,
        }
    };
    let Some(methods) = methods else { return };
    let handlers = if kind == "createFileRoute" {
        match prop(methods, "server").and_then(|s| prop(&s, "handlers")) {
            Some(h) => h,
            None => return,
        }
    } else {
        methods.clone()
    };
    let Expr::Object(props) = handlers.peel() else {
        return;
    };
    let path = path.clone();
    for p in props {
        let method = p.key.clone();
        if ![
            "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "ANY",
        ]
        .contains(&method.as_str())
        {
            continue;
        }
        let Expr::Function(id) = p.value.peel() else {
            continue;
        };
        let name = format!("{method} {path}");
        push_route_of_event(module, *id, name, method, path.clone(), span);
    }
}

/// A route whose handler gets one event object carrying the request (SvelteKit's `{ request,
/// locals }`, TanStack Start's `{ request, params }`): names the handler, makes its first
/// parameter the request, and adds the entry.
fn push_route_of_event(
    module: &mut Module,
    id: crate::ir::FunctionId,
    name: String,
    method: String,
    path: String,
    span: Span,
) {
    let f = &mut module.functions[id];
    f.name = name;
    f.callable = true;
    if let Some(first) = f.params.first_mut() {
        if first.role == ParamRole::Plain {
            first.role = ParamRole::Request;
        }
    }
    module.entries.push(EntryPoint::plain(
        Expr::Function(id),
        EntryKind::Route {
            method,
            path: Some(path),
        },
        span,
    ));
}

/// SvelteKit form actions: `export const actions = { default: async ({ request, locals }) =>
/// …, create: … }`; each is a POST entry whose event carries the request and `locals`.
fn sveltekit_actions(module: &mut Module, value: &Expr, span: Span) {
    let Expr::Object(props) = value.peel() else {
        return;
    };
    for p in props {
        let Expr::Function(id) = p.value.peel() else {
            continue;
        };
        let path = format!(
            "{}?/{}",
            super::file_route_path(&module.path).unwrap_or_default(),
            p.key
        );
        let name = format!("actions.{}", p.key);
        push_route_of_event(module, *id, name, "POST".into(), path, span);
    }
}

/// The folder of a Convex module's functions (the one holding `_generated/`), when the module
/// imports Convex's generated server or API helpers, or lies in Convex's default functions folder
/// `convex/` (a module that builds its functions with the project's own wrappers,
/// `customAction(internalActionGeneric, …)` from `../functions`, imports nothing generated).
fn convex_dir(module: &Module) -> Option<String> {
    let dir = module.path.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
    generated_import_dir(module, dir).or_else(|| {
        let segments: Vec<&str> = dir.split('/').collect();
        let at = segments.iter().position(|s| *s == "convex")?;
        Some(segments[..=at].join("/"))
    })
}

fn generated_import_dir(module: &Module, dir: &str) -> Option<String> {
    module.imports.iter().find_map(|i| {
        let spec = i.source.as_str();
        let rest = spec
            .strip_suffix("_generated/server")
            .or_else(|| spec.strip_suffix("_generated/api"))?;
        // `./_generated/server` from `convex/x.ts`, `../_generated/server` from a subfolder.
        let mut parts: Vec<&str> = if dir.is_empty() {
            Vec::new()
        } else {
            dir.split('/').collect()
        };
        for seg in rest.split('/') {
            match seg {
                "" | "." => {}
                ".." => {
                    parts.pop()?;
                }
                _ => return None,
            }
        }
        Some(parts.join("/"))
    })
}

/// `export const send = action({ args, handler: async (ctx, args) => … })`: a public function
/// (an entry) or, built with `internal*`, one only the server calls. Custom builders count too
/// (`authedMutation({...})`, `createAuthorizedAction(["admin"])({...})`: the builder runs
/// first, as a guard).
fn convex_function(module: &mut Module, name: &str, value: &Expr, span: Span) {
    let Expr::Call(call) = value.peel() else {
        return;
    };
    let (builder, wrapper_guard) = match call.callee.peel() {
        // `createAuthorizedAction(["admin"])({...})`.
        Expr::Call(inner) => (inner.callee.path(), Some(call.callee.clone())),
        other => (other.path(), None),
    };
    let Some(builder) = builder else { return };
    let last = last_segment(&builder).to_ascii_lowercase();
    if !["query", "mutation", "action", "httpaction"]
        .iter()
        .any(|k| last.ends_with(k))
    {
        return;
    }
    let handler = call.args.iter().find_map(|a| match a.value.peel() {
        Expr::Function(id) => Some(*id),
        Expr::Object(props) => props.iter().find_map(|p| match p.value.peel() {
            Expr::Function(id) if p.key == "handler" => Some(*id),
            _ => None,
        }),
        _ => None,
    });
    let Some(handler) = handler else { return };
    // The frontend may have taken the export for a handler behind a wrapper (`export const x =
    // httpAction(fn)`, with `httpAction()` as its guard): Convex's reading replaces it, so the
    // function is one entry (or, built with `internal*`, none).
    module
        .entries
        .retain(|e| !matches!(e.handler.peel(), Expr::Function(id) if *id == handler));
    let internal = last.starts_with("internal");
    let f = &mut module.functions[handler];
    f.name = name.to_string();
    f.exported = true;
    f.callable = true;
    // `(ctx, args)`: the server's context (its `auth`), and what the client sent.
    for (i, p) in f.params.iter_mut().enumerate() {
        if p.role == ParamRole::Plain {
            p.role = if i == 0 {
                ParamRole::Context
            } else {
                ParamRole::Input
            };
        }
    }
    if internal {
        // Only the server calls it (`ctx.runMutation(internal.x.y)`, a cron): its callers are
        // its roots; with none in the scanned code, its action calls are unresolved.
        return;
    }
    let mut guards = Vec::new();
    if let Some(g) = wrapper_guard {
        guards.push(g);
    } else if !matches!(
        last.as_str(),
        "query" | "mutation" | "action" | "httpaction"
    ) {
        // A custom builder (`authedMutation`) wraps the handler with its own checks.
        guards.push(Expr::Call(Box::new(Call {
            callee: Expr::Name(builder.clone()),
            args: Vec::new(),
            span: call.span,
            construct: false,
        })));
    }
    module.entries.push(EntryPoint {
        guards,
        ..EntryPoint::plain(
            Expr::Function(handler),
            EntryKind::Rpc,
            if call.span.line > 0 { call.span } else { span },
        )
    });
}

/// `ctx.runMutation(internal.invites.send, args)`, `ctx.scheduler.runAfter(0, internal.x.y,
/// args)`: a call of the Convex function `y` of `x.ts`, written as a reference. Rewritten to a
/// call of an import of that function, so the rest of the analysis follows it like any other.
fn convex_calls(module: &mut Module, convex: &str) {
    let dir = module
        .path
        .rsplit_once('/')
        .map(|(d, _)| d.to_string())
        .unwrap_or_default();
    let depth = dir
        .strip_prefix(convex)
        .map(|rest| rest.split('/').filter(|s| !s.is_empty()).count())
        .unwrap_or(0);
    let up = if depth == 0 {
        "./".to_string()
    } else {
        "../".repeat(depth)
    };
    let mut imports = Vec::new();
    for f in &mut module.functions {
        crate::ir::rewrite_stmts(&mut f.body, &mut |e| {
            let Expr::Call(call) = e else { return };
            let Some(path) = call.callee.path() else {
                return;
            };
            let last = last_segment(&path);
            let (ref_index, keep_from) = match last {
                "runQuery" | "runMutation" | "runAction" => (0, 1),
                "runAfter" | "runAt" => (1, 2),
                _ => return,
            };
            let Some(reference) = call.args.get(ref_index).and_then(|a| a.value.path()) else {
                return;
            };
            let mut segs: Vec<&str> = reference.split('.').collect();
            if segs.len() < 3 || !matches!(segs[0], "internal" | "api") {
                return;
            }
            let export = segs.pop().unwrap_or_default().to_string();
            let file = segs[1..].join("/");
            let local = format!("convex:{file}:{export}");
            imports.push(Import {
                local: local.clone(),
                imported: export,
                source: format!("{up}{file}"),
            });
            // The function gets the context (the receiver's root, `ctx`) and its arguments.
            let ctx = path.split('.').next().unwrap_or("ctx").to_string();
            let mut args = vec![Arg {
                name: None,
                value: Expr::Name(ctx),
            }];
            args.extend(call.args.drain(..).skip(keep_from));
            call.args = args;
            call.callee = Expr::Name(local);
        });
    }
    imports.sort_by(|a, b| a.local.cmp(&b.local));
    imports.dedup_by(|a, b| a.local == b.local);
    module.imports.extend(imports);
}
