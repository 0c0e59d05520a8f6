//! Entries registered by calling a router, wherever the call is written: at module level, in a
//! router factory (`createXRouter()`), a `setupRoutes(app)` function, a class constructor, a
//! plugin or group callback (`fastify.register(async (app) => …)`, chi's `r.Route(…, func(r
//! chi.Router) { … })`).
//!
//! Express/Router, Koa router, Hono and Fastify in TypeScript and JavaScript; net/http, chi,
//! gorilla/mux, gin, echo and fiber in Go. The pass reads only the IR: `router.post(path,
//! guard…, handler)` is the same call in every one of them, and what differs (where the handler
//! sits, which hooks guard, what the handler's parameters carry) is data below.

use std::collections::{HashMap, HashSet};

use crate::ir::*;
use crate::lang::Language;

/// Route-registering methods, by language family.
const JS_METHODS: &[&str] = &[
    "get", "post", "put", "patch", "delete", "del", "all", "options", "head",
];
const GO_METHODS: &[&str] = &[
    "Get",
    "Post",
    "Put",
    "Patch",
    "Delete",
    "Options",
    "Head",
    "Handle",
    "HandleFunc",
    "Method",
    "MethodFunc",
    "Any",
    "All",
    "GET",
    "POST",
    "PUT",
    "PATCH",
    "DELETE",
    "OPTIONS",
    "HEAD",
];
/// Fastify route options whose functions run before the handler and can refuse.
const FASTIFY_GUARD_OPTIONS: &[&str] = &[
    "preHandler",
    "onRequest",
    "preValidation",
    "preParsing",
    "beforeHandler",
];
/// Calls that open a group whose callback registers routes on its first parameter.
const GROUP_CALLBACKS: &[&str] = &["register", "Route", "Group", "group", "route"];
/// Calls that return a sub-router sharing the receiver's guards (and adding their own).
const SUB_ROUTERS: &[&str] = &[
    "Group",
    "group",
    "With",
    "Subrouter",
    "PathPrefix",
    "basePath",
    "Party",
];

/// Whether `method` registers a route in some framework (`post`, `Post`, `POST`, `HandleFunc`).
pub fn is_route_method(method: &str) -> bool {
    JS_METHODS.contains(&method) || GO_METHODS.contains(&method)
}

/// Which ecosystem's conventions apply to a module.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Flavor {
    /// Express, Koa, Fastify: `(req, res, next)`.
    Js,
    /// Hono, Elysia: one context parameter (`c.req`, `c.get("user")`).
    JsContext,
    /// chi, gin, fiber, net/http: the handler is the last argument.
    Go,
    /// echo: `e.POST(path, handler, middleware…)`.
    GoEcho,
}

/// A middleware that applies to the routes of one router, from `use` onwards; with a path, only
/// to routes under it (`app.use("/admin", requireAdmin)`).
#[derive(Clone)]
struct Scoped {
    under: Option<String>,
    guard: Expr,
}

#[derive(Clone, Default)]
struct Router {
    prefix: String,
    guards: Vec<Scoped>,
}

/// Finds the router registrations of `module` and adds them to its entries.
pub fn recognise(module: &mut Module, language: Language) {
    let flavor = match language.family() {
        Language::TypeScript => {
            if module.imports.iter().any(|i| {
                matches!(
                    i.source.as_str(),
                    "hono" | "elysia" | "hono/factory" | "@hono/zod-openapi"
                )
            }) {
                Flavor::JsContext
            } else {
                Flavor::Js
            }
        }
        Language::Go => {
            if module
                .imports
                .iter()
                .any(|i| i.source.contains("labstack/echo"))
            {
                Flavor::GoEcho
            } else {
                Flavor::Go
            }
        }
        _ => return,
    };
    let mut pass = Pass {
        module,
        flavor,
        entries: Vec::new(),
        visited: HashSet::new(),
        built: HashMap::new(),
    };
    let top = std::mem::take(&mut pass.module.top_level);
    let mut module_routers = HashMap::new();
    pass.stmts(&top, &mut module_routers);
    pass.module.top_level = top;
    // Functions see the routers the module builds (`router.use(auth)` at the top, routes added
    // in `export function init()`).
    for id in 0..pass.module.functions.len() {
        if pass.visited.contains(&id) {
            continue;
        }
        let body = std::mem::take(&mut pass.module.functions[id].body);
        pass.stmts(&body, &mut module_routers.clone());
        pass.module.functions[id].body = body;
    }
    let Pass {
        module, entries, ..
    } = pass;
    // A handler a frontend already knows (a Next.js route) is not registered twice.
    for entry in entries {
        let known = module.entries.iter().any(|e| e.span == entry.span);
        if !known {
            module.entries.push(entry);
        }
    }
}

struct Pass<'m> {
    module: &'m mut Module,
    flavor: Flavor,
    entries: Vec<EntryPoint>,
    /// Functions walked already with the router scope of the group that calls them.
    visited: HashSet<FunctionId>,
    /// Names bound to what a function call built (`const teamRouter = createTeamRouter()`):
    /// a router mounted by that name is the one the function builds.
    built: HashMap<String, Expr>,
}

impl Pass<'_> {
    fn stmts(&mut self, stmts: &[Stmt], routers: &mut HashMap<String, Router>) {
        for s in stmts {
            match s {
                Stmt::Expr { expr, span } => self.expr(expr, *span, routers),
                Stmt::Let {
                    bindings, value, ..
                } => match (value, bindings.as_slice()) {
                    (Some(value), [binding]) if binding.path.is_empty() => {
                        self.binding(&binding.name, value, routers)
                    }
                    // `const { adminRouter, publicRouter } = createTeamRouters()`: each name is
                    // one router the factory builds.
                    (Some(value), bindings) => {
                        if let Expr::Call(call) = value.peel() {
                            if matches!(call.callee.peel(), Expr::Name(_)) {
                                for b in bindings.iter().filter(|b| b.path.len() == 1) {
                                    let router = Expr::Member {
                                        object: Box::new(value.peel().clone()),
                                        property: b.path[0].clone(),
                                    };
                                    self.built.insert(b.name.clone(), router);
                                }
                            }
                        }
                        self.expr(value, call_span(value), routers);
                    }
                    _ => {}
                },
                Stmt::Assign { target, value, .. } => {
                    if let Some(name) = target.path() {
                        self.binding(&name, value, routers);
                    }
                }
                Stmt::Return {
                    value: Some(value),
                    span,
                } => self.expr(value, *span, routers),
                other => {
                    for inner in other.nested() {
                        self.stmts(inner, routers);
                    }
                }
            }
        }
    }

    /// `const admin = app.basePath("/admin")`, `g := r.Group("/x", mw)`: a sub-router with the
    /// receiver's guards and its own. Anything else is looked at as an expression.
    fn binding(&mut self, name: &str, value: &Expr, routers: &mut HashMap<String, Router>) {
        if let Expr::Call(call) = value.peel() {
            if matches!(call.callee.peel(), Expr::Name(_)) {
                self.built.insert(name.to_string(), value.peel().clone());
            }
            if let Expr::Member { object, property } = call.callee.peel() {
                if SUB_ROUTERS.contains(&property.as_str()) {
                    let (receiver, mut extra, path) = self.receiver(object);
                    let mut router = receiver
                        .and_then(|r| routers.get(&r).cloned())
                        .unwrap_or_default();
                    router.prefix = join_path(&router.prefix, path.as_deref().unwrap_or(""));
                    let mut args = call.args.iter().map(|a| &a.value).peekable();
                    if let Some(Expr::Literal(Literal::Str(p))) = args.peek().map(|e| e.peel()) {
                        router.prefix = join_path(&router.prefix, p);
                        args.next();
                    }
                    extra.extend(args.filter(|a| is_guard_like(a)).cloned());
                    router
                        .guards
                        .extend(extra.into_iter().map(|guard| Scoped { under: None, guard }));
                    routers.insert(name.to_string(), router);
                    return;
                }
            }
        }
        self.expr(value, call_span(value), routers);
    }

    fn expr(&mut self, expr: &Expr, span: Span, routers: &mut HashMap<String, Router>) {
        let Expr::Call(call) = expr.peel() else {
            return;
        };
        let Expr::Member { object, property } = call.callee.peel() else {
            return;
        };
        // A chain (`app.get(…).post(…)`, `r.With(mw).Post(…)`): the inner registrations first.
        if let Expr::Call(_) = object.peel() {
            self.expr(object, span, routers);
        }
        let (receiver, extra, path) = self.receiver(object);
        let Some(receiver) = receiver else { return };
        let method = property.as_str();
        let is_js = matches!(self.flavor, Flavor::Js | Flavor::JsContext);
        if method == "use" || method == "Use" {
            self.use_middleware(&receiver, call, routers);
        } else if is_js && method == "addHook" {
            // Fastify: `app.addHook("preHandler", requireAuth)`.
            if let [hook, f] = call.args.as_slice() {
                if matches!(hook.value.peel(), Expr::Literal(Literal::Str(h)) if FASTIFY_GUARD_OPTIONS.contains(&h.as_str()))
                {
                    routers.entry(receiver).or_default().guards.push(Scoped {
                        under: None,
                        guard: f.value.clone(),
                    });
                }
            }
        } else if GROUP_CALLBACKS.contains(&method) && self.group(&receiver, call, routers) {
        } else if is_js && method == "route" && call.args.len() == 2 {
            // Hono's `app.route("/api/org", org)`: another app's routes under this path.
            if let [path, app] = call.args.as_slice() {
                if let Expr::Literal(Literal::Str(p)) = path.value.peel() {
                    let under = p.trim_end_matches('/').to_string();
                    let handler = self.as_built(&app.value);
                    self.mount_router(&receiver, Some(&under), handler, &[], routers);
                }
            }
        } else if is_js && method == "route" && call.args.len() == 1 {
            // Fastify's `app.route({ method, url, preHandler, handler })`.
            if let Expr::Object(props) = call.args[0].value.peel() {
                self.fastify_route(&receiver, props, call, span, routers);
            }
        } else if self.methods().contains(&method) {
            self.route(&receiver, method, call, extra, path, span, routers);
        }
    }

    fn methods(&self) -> &'static [&'static str] {
        match self.flavor {
            Flavor::Js | Flavor::JsContext => JS_METHODS,
            Flavor::Go | Flavor::GoEcho => GO_METHODS,
        }
    }

    /// The router a call is made on, the guards its chain adds (`r.With(mw)`) and the path its
    /// chain names (`router.route("/x")`).
    fn receiver(&self, object: &Expr) -> (Option<String>, Vec<Expr>, Option<String>) {
        match object.peel() {
            e @ (Expr::Name(_) | Expr::Member { .. }) => (e.path(), Vec::new(), None),
            Expr::Call(call) => {
                let Expr::Member { object, property } = call.callee.peel() else {
                    // A router made on the spot and used in a chain (`new Hono().use(mw)
                    // .post(…)`, `Router().get(…)`): the chain's calls share it.
                    return match call.callee.peel() {
                        Expr::Name(n) => (
                            Some(format!("<{n}()@{}>", call.span.start)),
                            Vec::new(),
                            None,
                        ),
                        _ => (None, Vec::new(), None),
                    };
                };
                let (name, mut extra, mut path) = self.receiver(object);
                match property.as_str() {
                    "With" => extra.extend(call.args.iter().map(|a| a.value.clone())),
                    "route" if call.args.len() == 1 => {
                        if let Expr::Literal(Literal::Str(p)) = call.args[0].value.peel() {
                            path = Some(p.clone());
                        }
                    }
                    // Chained registrations return the router itself (Hono, Express).
                    m if self.methods().contains(&m) || m == "use" || m == "Use" => {}
                    _ => return (None, Vec::new(), None),
                }
                (name, extra, path)
            }
            _ => (None, Vec::new(), None),
        }
    }

    /// What a name mounted as a router stands for: the call that built it (`teamRouter` →
    /// `createTeamRouter()`), or one router of several a call built (`routers.admin`,
    /// destructured `adminRouter` → `createTeamRouters().admin`).
    fn as_built(&self, e: &Expr) -> Expr {
        match e.peel() {
            Expr::Name(n) => self.built.get(n).cloned().unwrap_or_else(|| e.clone()),
            Expr::Member { object, property } => match object.peel() {
                Expr::Name(n) => match self.built.get(n) {
                    Some(built @ Expr::Call(_)) => Expr::Member {
                        object: Box::new(built.clone()),
                        property: property.clone(),
                    },
                    _ => e.clone(),
                },
                _ => e.clone(),
            },
            _ => e.clone(),
        }
    }

    /// `router.use(mw…)`, `app.use("/admin", requireAdmin)`, `r.Use(mw)`. A router mounted with
    /// `use` (`app.use("/api", apiRouter)`) is not middleware.
    fn use_middleware(
        &mut self,
        receiver: &str,
        call: &Call,
        routers: &mut HashMap<String, Router>,
    ) {
        let mut args = call.args.iter().map(|a| &a.value).peekable();
        let under = match args.peek().map(|e| e.peel()) {
            Some(Expr::Literal(Literal::Str(p))) => {
                let p = p.trim_end_matches('*').trim_end_matches('/').to_string();
                args.next();
                (!p.is_empty()).then_some(p)
            }
            _ => None,
        };
        // Middleware written before a router in the same `use` guards that router only.
        let mut before: Vec<Expr> = Vec::new();
        for arg in args {
            if !is_guard_like(arg) {
                continue;
            }
            if names_a_router(&self.as_built(arg)) {
                let handler = self.as_built(arg);
                self.mount_router(receiver, under.as_deref(), handler, &before, routers);
                continue;
            }
            before.push(arg.clone());
        }
        let router = routers.entry(receiver.to_string()).or_default();
        for guard in before {
            router.guards.push(Scoped {
                under: under.clone(),
                guard,
            });
        }
    }

    /// Another file's router mounted under `under` (`app.use("/api", teamRouter)`, Hono's
    /// `app.route("/api/org", org)`): its routes get this path and the guards that run before
    /// it, those of the receiver whose path covers the prefix and `before` (see
    /// `workflow::locate`).
    fn mount_router(
        &mut self,
        receiver: &str,
        under: Option<&str>,
        handler: Expr,
        before: &[Expr],
        routers: &mut HashMap<String, Router>,
    ) {
        let router = routers.entry(receiver.to_string()).or_default();
        let prefix = join_path(&router.prefix, under.unwrap_or(""));
        let mut guards: Vec<Expr> = router
            .guards
            .iter()
            .filter(|g| match &g.under {
                None => true,
                Some(u) => u.is_empty() || prefix == *u || prefix.starts_with(&format!("{u}/")),
            })
            .map(|g| g.guard.clone())
            .collect();
        guards.extend(before.iter().cloned());
        self.module.mounts.push(crate::ir::Mount {
            handler,
            router: true,
            prefix,
            guards,
        });
    }

    /// A group callback (`r.Route("/x", func(r chi.Router) {…})`, `app.register(async (app) =>
    /// {…}, { prefix })`): its routes are registered on its first parameter, which has the
    /// receiver's guards. Whether the call was a group.
    fn group(
        &mut self,
        receiver: &str,
        call: &Call,
        routers: &mut HashMap<String, Router>,
    ) -> bool {
        let Some(callback) = call.args.iter().find_map(|a| match a.value.peel() {
            Expr::Function(id) => Some(*id),
            _ => None,
        }) else {
            return false;
        };
        let mut router = routers.get(receiver).cloned().unwrap_or_default();
        for a in &call.args {
            match a.value.peel() {
                Expr::Literal(Literal::Str(p)) => router.prefix = join_path(&router.prefix, p),
                Expr::Object(props) => {
                    if let Some(p) = props.iter().find(|p| p.key == "prefix") {
                        if let Expr::Literal(Literal::Str(prefix)) = p.value.peel() {
                            router.prefix = join_path(&router.prefix, prefix);
                        }
                    }
                }
                _ => {}
            }
        }
        let Some(param) = self.module.functions[callback].params.first() else {
            return false;
        };
        let mut inner = routers.clone();
        inner.insert(param.name.clone(), router);
        self.visited.insert(callback);
        let body = std::mem::take(&mut self.module.functions[callback].body);
        self.stmts(&body, &mut inner);
        self.module.functions[callback].body = body;
        true
    }

    #[allow(clippy::too_many_arguments)]
    fn route(
        &mut self,
        receiver: &str,
        method: &str,
        call: &Call,
        mut guards: Vec<Expr>,
        chained_path: Option<String>,
        span: Span,
        routers: &HashMap<String, Router>,
    ) {
        let args: Vec<&Expr> = call.args.iter().map(|a| &a.value).collect();
        // chi's `r.Method("POST", "/x", h)`.
        let (http_method, rest) = match method {
            "Method" | "MethodFunc" if args.len() >= 3 => {
                let m = match args[0].peel() {
                    Expr::Literal(Literal::Str(m)) => m.to_uppercase(),
                    _ => "ANY".into(),
                };
                (m, &args[1..])
            }
            "Handle" | "HandleFunc" | "Any" | "All" | "all" => ("ANY".to_string(), &args[..]),
            m => (m.to_uppercase(), &args[..]),
        };
        let (path, handlers): (Option<String>, &[&Expr]) = match chained_path {
            Some(p) => (Some(p), rest),
            None => {
                let Some((first, handlers)) = rest.split_first() else {
                    return;
                };
                match first.peel() {
                    Expr::Literal(Literal::Str(p)) => (Some(p.clone()), handlers),
                    Expr::Template(_) | Expr::Name(_) | Expr::Member { .. } => (None, handlers),
                    _ => return,
                }
            }
        };
        if handlers.is_empty() {
            return;
        }
        let (handler, middle): (&Expr, Vec<&Expr>) = if self.flavor == Flavor::GoEcho {
            (handlers[0], handlers[1..].to_vec())
        } else {
            let (last, middle) = handlers.split_last().expect("not empty");
            (last, middle.to_vec())
        };
        if !is_guard_like(handler) {
            return;
        }
        // A path that is not a literal names a route only with a function literal for handler:
        // `cache.get(key, fallback)` is no route.
        if path.is_none() && !matches!(unwrap_handler(handler).0.peel(), Expr::Function(_)) {
            return;
        }
        for m in middle {
            match m.peel() {
                Expr::Object(props) => {
                    for p in props {
                        if FASTIFY_GUARD_OPTIONS.contains(&p.key.as_str()) {
                            guards.extend(listed(&p.value));
                        }
                    }
                }
                e if is_guard_like(e) => guards.push(m.clone()),
                _ => {}
            }
        }
        self.push_route(
            receiver,
            http_method,
            path,
            handler,
            guards,
            span_or(call.span, span),
            routers,
        );
    }

    fn fastify_route(
        &mut self,
        receiver: &str,
        props: &[Property],
        call: &Call,
        span: Span,
        routers: &HashMap<String, Router>,
    ) {
        let get = |key: &str| props.iter().find(|p| p.key == key).map(|p| &p.value);
        let Some(handler) = get("handler") else {
            return;
        };
        let method = match get("method").map(Expr::peel) {
            Some(Expr::Literal(Literal::Str(m))) => m.to_uppercase(),
            _ => "ANY".into(),
        };
        let path = match get("url").or_else(|| get("path")).map(Expr::peel) {
            Some(Expr::Literal(Literal::Str(p))) => Some(p.clone()),
            _ => None,
        };
        let guards = FASTIFY_GUARD_OPTIONS
            .iter()
            .filter_map(|k| get(k))
            .flat_map(listed)
            .collect();
        let handler = handler.clone();
        self.push_route(
            receiver,
            method,
            path,
            &handler,
            guards,
            span_or(call.span, span),
            routers,
        );
    }

    #[allow(clippy::too_many_arguments)]
    fn push_route(
        &mut self,
        receiver: &str,
        method: String,
        path: Option<String>,
        handler: &Expr,
        own_guards: Vec<Expr>,
        span: Span,
        routers: &HashMap<String, Router>,
    ) {
        let router = routers.get(receiver).cloned().unwrap_or_default();
        if !self.module.route_receivers.iter().any(|r| r == receiver) {
            self.module.route_receivers.push(receiver.to_string());
        }
        let full_path = path.as_deref().map(|p| join_path(&router.prefix, p));
        let mut guards: Vec<Expr> = router
            .guards
            .iter()
            .filter(|g| match (&g.under, &path) {
                (None, _) => true,
                (Some(under), Some(p)) => {
                    p == under || p.starts_with(&format!("{under}/")) || under.is_empty()
                }
                // A route whose path is not known: a path-scoped guard may or may not apply;
                // count it, as the user wrote it for this router.
                (Some(_), None) => true,
            })
            .map(|g| g.guard.clone())
            .collect();
        let (handler, wrappers) = unwrap_handler(handler);
        guards.extend(own_guards);
        guards.extend(wrappers);
        let roles: Vec<ParamRole> = match self.flavor {
            Flavor::Js => vec![ParamRole::Request, ParamRole::Response, ParamRole::Next],
            Flavor::JsContext => vec![ParamRole::Context],
            Flavor::Go | Flavor::GoEcho => Vec::new(),
        };
        if let Expr::Function(id) = handler.peel() {
            let f = &mut self.module.functions[*id];
            f.name = match &full_path {
                Some(p) => format!("{method} {p}"),
                None => method.clone(),
            };
            for (p, role) in f.params.iter_mut().zip(&roles) {
                if p.role == ParamRole::Plain {
                    p.role = *role;
                }
            }
        }
        self.entries.push(EntryPoint {
            handler,
            kind: EntryKind::Route {
                method,
                path: full_path,
            },
            guards,
            chain_root: None,
            validated_input: Vec::new(),
            skipped_guards: Vec::new(),
            handler_params: roles,
            receiver: Some(receiver.to_string()),
            span,
        });
    }
}

/// A handler wrapped at registration: `http.HandlerFunc(h)` → `h`; `asyncHandler(fn)`,
/// `mw(h)` → `fn`/`h` with the wrapper as a guard; `ctrl.create.bind(ctrl)` → `ctrl.create`.
fn unwrap_handler(handler: &Expr) -> (Expr, Vec<Expr>) {
    let mut guards = Vec::new();
    let mut cur = handler.clone();
    for _ in 0..8 {
        let Expr::Call(call) = cur.peel().clone() else {
            break;
        };
        if let Expr::Member { object, property } = call.callee.peel() {
            if property == "bind" {
                cur = (**object).clone();
                continue;
            }
        }
        let Some(inner) = call
            .args
            .iter()
            .rev()
            .find(|a| is_guard_like(&a.value))
            .map(|a| a.value.clone())
        else {
            break;
        };
        let callee = call.callee.path().unwrap_or_default();
        if callee != "http.HandlerFunc" {
            guards.push(call.callee.clone());
        }
        cur = inner;
    }
    guards.reverse();
    (cur, guards)
}

/// A value that can be a handler or middleware: a function, a name, a member or a call that
/// makes one (`requireRole("admin")`).
fn is_guard_like(e: &Expr) -> bool {
    matches!(
        e.peel(),
        Expr::Function(_) | Expr::Name(_) | Expr::Member { .. } | Expr::Call(_)
    )
}

/// `apiRouter`, `createOrgRouter()`, `routes`: a router mounted with `use`, not middleware.
fn names_a_router(e: &Expr) -> bool {
    let name = match e.peel() {
        Expr::Call(c) => c.callee.path(),
        // One router of several a factory builds: `createTeamRouters().admin`.
        Expr::Member { object, property } if matches!(object.peel(), Expr::Call(_)) => {
            return names_a_router(object) || names_a_router(&Expr::Name(property.clone()));
        }
        other => other.path(),
    };
    name.is_some_and(|n| {
        let last = last_segment(&n).to_ascii_lowercase();
        last.ends_with("router") || last.ends_with("routes") || last.ends_with("routers")
    })
}

/// The items of an array option, or the option itself.
fn listed(e: &Expr) -> Vec<Expr> {
    match e.peel() {
        Expr::Array(items) => items.iter().filter(|i| is_guard_like(i)).cloned().collect(),
        other if is_guard_like(other) => vec![e.clone()],
        _ => Vec::new(),
    }
}

fn join_path(prefix: &str, path: &str) -> String {
    if prefix.is_empty() {
        return path.to_string();
    }
    if path.is_empty() || path == "/" {
        return prefix.to_string();
    }
    format!(
        "{}/{}",
        prefix.trim_end_matches('/'),
        path.trim_start_matches('/')
    )
}

fn call_span(e: &Expr) -> Span {
    match e.peel() {
        Expr::Call(c) => c.span,
        _ => Span::default(),
    }
}

fn span_or(a: Span, b: Span) -> Span {
    if a.line > 0 {
        a
    } else {
        b
    }
}
