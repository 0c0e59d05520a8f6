//! Framework guards before the handler: middleware, hooks, decorators and helpers, and how a
//! guard function is shaped (what continues, what refuses).

use super::*;

impl<'p> Builder<'p> {
    /// A framework guard before the handler: inline a local middleware, or add a guard call.
    pub(super) fn guard(
        &mut self,
        module: usize,
        guard: &Expr,
        env: &HashMap<String, Value>,
    ) -> NodeIndex {
        let (callee_expr, args) = match guard.peel() {
            Expr::Call(call) => (&call.callee, Some(&call.args)),
            other => (other, None),
        };
        let target = self.program.resolve_callee(module, callee_expr);
        // A function literal (`export const handle = async (…) => …`) by the name it is bound to.
        let callee = callee_expr
            .path()
            .or_else(|| target.map(|t| self.program.function(t).name.clone()))
            .unwrap_or_else(|| "<middleware>".into());
        // A bare middleware name has no call site of its own: point at its definition.
        let (file, span) = match (guard.peel(), target) {
            (Expr::Call(c), _) if c.span.line > 0 => {
                (self.program.modules[module].path.clone(), c.span)
            }
            (_, Some(t)) => (
                self.program.modules[t.module].path.clone(),
                self.program.function(t).span,
            ),
            // Defined outside the parsed code: point at the entry it guards.
            _ => (
                self.graph[self.entry].file.clone(),
                self.graph[self.entry].span,
            ),
        };
        let shape = target.map(|t| guard_shape(self.program, t, args.is_some()));
        let mut arg_values = Vec::new();
        if let Some(args) = args {
            self.frames.push(Frame {
                kind: FrameKind::Inlined,
                func: FnRef {
                    module,
                    function: 0,
                },
                env: env.clone(),
                returns: Vec::new(),
                return_edges: Vec::new(),
                next_exits: Vec::new(),
                can_deny: false,
                closures: HashMap::new(),
                tables: HashMap::new(),
            });
            for a in args.iter() {
                let v = self.eval(&a.value);
                arg_values.push(ArgValue {
                    name: a.name.clone(),
                    value: v,
                });
            }
            self.frames.pop();
        }
        let label = format!("guard {callee}");
        let inlined = !matches!(shape, None | Some(GuardShape::Opaque));
        let node = self.push_at(
            NodeKind::Call {
                callee: callee.clone(),
                args: arg_values.clone(),
                inlined,
                can_deny: false,
                guard: true,
                fails_by_result: self.fails_by_result(module),
                own: false,
            },
            span,
            label,
            file,
            String::new(),
        );
        if self.frames.len() >= self.limits.max_inline_depth {
            return node;
        }
        let values: Vec<Value> = arg_values.iter().map(|a| a.value.clone()).collect();
        let mut hook_fn = false;
        let (mw, mut mw_env) = match shape {
            None | Some(GuardShape::Opaque) => return node,
            Some(GuardShape::Helper(t)) => {
                // A dependency or guard function called before the handler: its raise or
                // denial ends the request, its return continues.
                let (_, can_deny) = self.inline(t, &values);
                if let NodeKind::Call { can_deny: cd, .. } = &mut self.graph[node].kind {
                    *cd = can_deny;
                }
                return node;
            }
            Some(GuardShape::Middleware { mw, factory }) => {
                let env = match factory {
                    Some(f) => self.param_env(f, Some(&values)),
                    None => HashMap::new(),
                };
                (mw, env)
            }
            Some(GuardShape::Hook { hook, factory }) => {
                hook_fn = true;
                let env = match factory {
                    Some(f) => self.param_env(f, Some(&values)),
                    None => HashMap::new(),
                };
                (hook, env)
            }
            Some(GuardShape::Decorator {
                wrapper,
                decorator,
                factory,
            }) => {
                let mut env = match factory {
                    Some(f) => self.param_env(f, Some(&values)),
                    None => HashMap::new(),
                };
                // The decorated function, called inside the wrapper, is the continuation.
                if let Some(p) = self.program.function(decorator).params.first() {
                    env.insert(
                        p.name.clone(),
                        Value::Param {
                            name: p.name.clone(),
                            role: ParamRole::Next,
                        },
                    );
                }
                (wrapper, env)
            }
        };
        let f = self.program.function(mw);
        let mut params_env = self.param_env(mw, None);
        // Middleware parameters: (req, res, next) by position.
        for (i, p) in f.params.iter().enumerate() {
            if !p.bindings.is_empty() {
                // `({ ctx, next, rawInput })` (tRPC): the server's context, the continuation and
                // the client's input, by name.
                for b in &p.bindings {
                    let role = match b.name.as_str() {
                        "ctx" => ParamRole::Context,
                        // SvelteKit's hooks: `({ event, resolve })`.
                        "next" | "resolve" => ParamRole::Next,
                        "event" => ParamRole::Request,
                        "rawInput" | "input" | "getRawInput" => ParamRole::Input,
                        _ => continue,
                    };
                    params_env.insert(
                        b.name.clone(),
                        Value::Var {
                            name: b.name.clone(),
                            value: Box::new(Value::Param {
                                name: b.name.clone(),
                                role,
                            }),
                        },
                    );
                }
                continue;
            }
            // What the frontend knows from the type (`next: Next`, `req: ServiceRequest`), else
            // Express's order.
            let role = match (p.role, i) {
                (ParamRole::Plain, 0) => ParamRole::Request,
                (ParamRole::Plain, 1) => ParamRole::Response,
                (ParamRole::Plain, 2) => ParamRole::Next,
                (role, _) => role,
            };
            params_env.insert(
                p.name.clone(),
                Value::Var {
                    name: p.name.clone(),
                    value: Box::new(Value::Param {
                        name: p.name.clone(),
                        role,
                    }),
                },
            );
        }
        mw_env.extend(params_env);
        self.frames.push(Frame {
            kind: if hook_fn {
                FrameKind::Hook
            } else {
                FrameKind::Middleware
            },
            func: mw,
            env: mw_env,
            returns: Vec::new(),
            return_edges: Vec::new(),
            next_exits: Vec::new(),
            can_deny: false,
            closures: HashMap::new(),
            tables: HashMap::new(),
        });
        let body = &self.program.function(mw).body;
        self.stmts(body);
        let frame = self.frames.pop().expect("middleware frame");
        let end = std::mem::take(&mut self.cur);
        if hook_fn {
            // A hook (Fastify's `preHandler`): falling off the end or returning nothing goes on
            // to the handler; returning an error response or throwing ends the request.
            let (refusals, onwards): (Frontier, Frontier) =
                frame.return_edges.into_iter().partition(|(n, _)| {
                    matches!(self.graph[*n].kind, NodeKind::Return { denial: true, .. })
                });
            self.connect(refusals, self.denied);
            self.cur = end.into_iter().chain(onwards).collect();
        } else {
            // Falling off the end without `next()` leaves the handler unreached.
            self.connect(end, self.denied);
            self.connect(frame.return_edges, self.denied);
            self.cur = frame.next_exits;
        }
        if let NodeKind::Call { can_deny, .. } = &mut self.graph[node].kind {
            *can_deny = true;
        }
        node
    }
}

/// Whether a middleware calls `next` anywhere, including in callbacks it defines.
pub(super) fn calls_next(program: &Program, f: FnRef, depth: usize) -> bool {
    // SvelteKit's hook goes on by `resolve(event)`, the continuation it destructures.
    let resolves = program
        .function(f)
        .params
        .first()
        .is_some_and(|p| p.bindings.iter().any(|b| b.name == "resolve"));
    calls_name(program, f, "next", depth) || (resolves && calls_name(program, f, "resolve", depth))
}

/// Whether a function (or a callback it defines) calls the plain name `name`.
pub(super) fn calls_name(program: &Program, f: FnRef, name: &str, depth: usize) -> bool {
    if depth > 4 {
        return false;
    }
    let mut found = false;
    let mut nested = Vec::new();
    crate::ir::visit_stmts(&program.function(f).body, &mut |e| match e {
        Expr::Call(c) => {
            let callee_root = match c.callee.peel() {
                Expr::Member { object, .. } => object.peel(),
                other => other,
            };
            if matches!(callee_root, Expr::Name(n) if n == name) {
                found = true;
            }
        }
        Expr::Function(id) => nested.push(*id),
        _ => {}
    });
    found
        || nested.into_iter().any(|id| {
            calls_name(
                program,
                FnRef {
                    module: f.module,
                    function: id,
                },
                name,
                depth + 1,
            )
        })
}

/// How a guard that resolves to code in the repository runs.
pub(super) enum GuardShape {
    /// Express/tRPC middleware: `next()` continues to the handler; anything else stops.
    Middleware { mw: FnRef, factory: Option<FnRef> },
    /// A decorator or higher-order wrapper: `decorator(f)` returns `wrapper`, which calls `f`
    /// to continue. `factory` is the outer call of `@permission_required("x")`.
    Decorator {
        wrapper: FnRef,
        decorator: FnRef,
        factory: Option<FnRef>,
    },
    /// A function called before the handler (a FastAPI dependency): returning continues.
    Helper(FnRef),
    /// A hook the framework runs before the handler with the request (Fastify's `preHandler`):
    /// it ends the request by returning an error response or throwing, else the handler runs.
    Hook { hook: FnRef, factory: Option<FnRef> },
    /// Not readable as any of these: kept as a named guard call.
    Opaque,
}

pub(super) fn guard_shape(program: &Program, t: FnRef, called: bool) -> GuardShape {
    let first_param = |f: FnRef| program.function(f).params.first().map(|p| p.name.clone());
    let wraps = |wrapper: FnRef, decorator: FnRef| {
        first_param(decorator).is_some_and(|p| calls_name(program, wrapper, &p, 0))
    };
    if called {
        if let Some(inner) = returned_function(program, t) {
            if calls_next(program, inner, 0) {
                return GuardShape::Middleware {
                    mw: inner,
                    factory: Some(t),
                };
            }
            if let Some(wrapper) = returned_function(program, inner) {
                if wraps(wrapper, inner) {
                    return GuardShape::Decorator {
                        wrapper,
                        decorator: inner,
                        factory: Some(t),
                    };
                }
                return GuardShape::Opaque;
            }
            // gin's `func(c *gin.Context) { …; c.Next() }`: returning goes on, an error
            // response refuses.
            if !program.function(inner).params.is_empty() {
                return GuardShape::Hook {
                    hook: inner,
                    factory: Some(t),
                };
            }
            return GuardShape::Opaque;
        }
        return GuardShape::Helper(t);
    }
    // A decorator first: `RequireAdmin(next)` returning a wrapper that calls `next` also
    // "calls next" through the wrapper it defines.
    if let Some(wrapper) = returned_function(program, t) {
        if wraps(wrapper, t) {
            return GuardShape::Decorator {
                wrapper,
                decorator: t,
                factory: None,
            };
        }
    }
    if calls_next(program, t, 0) {
        return GuardShape::Middleware {
            mw: t,
            factory: None,
        };
    }
    // A hook: Fastify's `preHandler(request, reply)`, Flask's `before_request()` (no
    // parameters: it reads the request from globals).
    GuardShape::Hook {
        hook: t,
        factory: None,
    }
}

/// The function a middleware factory returns (`return (req, res, next) => …`).
pub(super) fn returned_function(program: &Program, factory: FnRef) -> Option<FnRef> {
    let f = program.function(factory);
    let module = factory.module;
    let find_in = |e: &Expr| -> Option<FnRef> {
        match e.peel() {
            Expr::Function(id) => Some(FnRef {
                module,
                function: *id,
            }),
            // `return role_checker`: a function defined inside the factory (Python `def`).
            Expr::Name(n) => program.modules[module]
                .functions
                .iter()
                .position(|g| {
                    g.callable
                        && &g.name == n
                        && g.span.start >= f.span.start
                        && g.span.end <= f.span.end
                })
                .map(|function| FnRef { module, function }),
            // `return http.HandlerFunc(func(w, r) { … })`: a conversion around it.
            Expr::Call(c) if c.args.len() == 1 => match c.args[0].value.peel() {
                Expr::Function(id) => Some(FnRef {
                    module,
                    function: *id,
                }),
                _ => None,
            },
            _ => None,
        }
    };
    crate::ir::returned_values(&f.body)
        .into_iter()
        .find_map(find_in)
}
