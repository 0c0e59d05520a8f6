//! IR → CFG. Walks the entry's statements in order, creating nodes for calls, branches, returns
//! and throws, inlining local helpers, middleware and callbacks, and evaluating values as it
//! goes.

use std::collections::HashMap;

use petgraph::graph::{DiGraph, NodeIndex};

use super::value::{Value, MAX_VALUE_DEPTH};
use super::*;
use crate::ir::*;
use crate::parse::{FnRef, Program};

/// Bounds on inlining, so a deep helper chain or recursion cannot blow up a graph.
#[derive(Debug, Clone, Copy)]
pub struct BuildLimits {
    pub max_inline_depth: usize,
    pub max_nodes: usize,
}

impl Default for BuildLimits {
    fn default() -> Self {
        BuildLimits {
            max_inline_depth: 10,
            max_nodes: 20_000,
        }
    }
}

type Frontier = Vec<(NodeIndex, Edge)>;

#[derive(Clone, Copy, PartialEq, Eq)]
enum FrameKind {
    /// The entry function: returns end the request.
    Root,
    /// An inlined helper or callback: returns go back to the caller.
    Inlined,
    /// Express-style middleware: `next()` continues to the handler, anything else stops.
    Middleware,
    /// A hook (Fastify's `preHandler`, Next.js middleware): returning nothing or a response
    /// that goes on (`NextResponse.next()`) continues; a returned error response or redirect,
    /// or a throw, ends the request.
    Hook,
}

struct Frame {
    kind: FrameKind,
    func: FnRef,
    env: HashMap<String, Value>,
    returns: Vec<Value>,
    return_edges: Frontier,
    next_exits: Frontier,
    /// Whether the body can refuse the request.
    can_deny: bool,
    /// Locals bound to a function literal (Go's `loadInvite := func(…) {…}`, a JavaScript
    /// `const check = () => …`): calling one runs that body.
    closures: HashMap<String, FnRef>,
}

struct Builder<'p> {
    program: &'p Program,
    summaries: &'p crate::summary::Summaries,
    entry: NodeIndex,
    graph: DiGraph<CfgNode, Edge>,
    exit: NodeIndex,
    denied: NodeIndex,
    cur: Frontier,
    frames: Vec<Frame>,
    /// For each enclosing `try` with a `catch`, the nodes that may throw into it.
    catches: Vec<Vec<NodeIndex>>,
    /// For each enclosing loop: (head, break edges).
    loops: Vec<(NodeIndex, Frontier)>,
    limits: BuildLimits,
    notes: Vec<String>,
    truncated: bool,
}

/// What the framework does around an entry's handler.
#[derive(Debug, Clone, Copy, Default)]
pub struct Framing<'a> {
    /// Guards run before the handler, each with the module it is written in.
    pub guards: &'a [(usize, Expr)],
    /// Input fields an input schema restricts to fixed values.
    pub validated_input: &'a [String],
    /// What the framework passes to the handler, by position, where its parameters do not say.
    pub handler_params: &'a [ParamRole],
}

/// Builds the graph of `handler` (in `module`) with its framework `guards` run first.
pub fn build(
    program: &Program,
    summaries: &crate::summary::Summaries,
    module: usize,
    handler: FunctionId,
    framing: Framing,
    limits: BuildLimits,
) -> Cfg {
    let Framing {
        guards,
        validated_input,
        handler_params,
    } = framing;
    let func = FnRef {
        module,
        function: handler,
    };
    let f = program.function(func);
    let path = program.modules[module].path.clone();
    let mut graph = DiGraph::new();
    let entry = graph.add_node(CfgNode {
        kind: NodeKind::Entry,
        file: path.clone(),
        span: f.span,
        label: format!("entry {}", f.name),
        function: f.name.clone(),
    });
    let exit = graph.add_node(CfgNode {
        kind: NodeKind::Exit,
        file: path.clone(),
        span: f.span,
        label: "exit".into(),
        function: f.name.clone(),
    });
    let denied = graph.add_node(CfgNode {
        kind: NodeKind::Denied,
        file: path.clone(),
        span: f.span,
        label: "denied".into(),
        function: f.name.clone(),
    });
    let mut b = Builder {
        program,
        summaries,
        entry,
        graph,
        exit,
        denied,
        cur: vec![(entry, Edge::Normal)],
        frames: Vec::new(),
        catches: Vec::new(),
        loops: Vec::new(),
        limits,
        notes: Vec::new(),
        truncated: false,
    };

    // Framework guards run first, in order, each in the scope of the handler's module.
    let mut root_env = b.param_env(func, None);
    for (p, role) in f.params.iter().zip(handler_params) {
        if p.role == ParamRole::Plain && p.bindings.is_empty() {
            root_env.insert(
                p.name.clone(),
                Value::Var {
                    name: p.name.clone(),
                    value: Box::new(Value::Param {
                        name: p.name.clone(),
                        role: *role,
                    }),
                },
            );
        }
    }
    if !validated_input.is_empty() {
        // The input schema restricts some fields to fixed values.
        for v in root_env.values_mut() {
            if let Value::Var { value, .. } = v {
                if matches!(
                    **value,
                    Value::Param {
                        role: ParamRole::Input,
                        ..
                    }
                ) {
                    let base = std::mem::replace(&mut **value, Value::Unknown);
                    **value = Value::SchemaInput {
                        base: Box::new(base),
                        validated: validated_input.to_vec(),
                    };
                }
            }
        }
    }
    b.frames.push(Frame {
        kind: FrameKind::Root,
        func,
        env: root_env.clone(),
        returns: Vec::new(),
        return_edges: Vec::new(),
        next_exits: Vec::new(),
        can_deny: false,
        closures: HashMap::new(),
    });
    for (guard_module, guard) in guards {
        let before = b.cur.clone();
        let node = b.guard(*guard_module, guard, &root_env);
        if b.cur.is_empty() && !before.is_empty() {
            // No path through the guard's code reaches the handler: it was not understood.
            // Continue as if it were an opaque guard rather than lose the handler.
            let name = b.graph[node].label.trim_start_matches("guard ").to_string();
            b.notes.push(format!(
                "guard `{name}` could not be followed to the handler; treated as an opaque guard"
            ));
            b.cur = vec![(node, Edge::Normal)];
        }
    }
    let body = &program.function(func).body;
    b.stmts(body);
    let end = std::mem::take(&mut b.cur);
    b.connect(end, exit);
    if b.truncated {
        b.notes.push(format!(
            "graph truncated at {} nodes; the rest of the handler was not analysed",
            limits.max_nodes
        ));
    }
    Cfg {
        graph: b.graph,
        entry,
        exit,
        denied,
        notes: b.notes,
    }
}

impl<'p> Builder<'p> {
    /// Whether the current frame is a guard hook whose return value is its verdict.
    fn in_verdict_hook(&self) -> bool {
        let frame = self.frame();
        frame.kind == FrameKind::Hook && {
            let name = &self.program.function(frame.func).name;
            name.ends_with("::canActivate") || name.ends_with("has_permission")
        }
    }

    fn frame(&self) -> &Frame {
        self.frames.last().expect("a frame")
    }

    fn frame_mut(&mut self) -> &mut Frame {
        self.frames.last_mut().expect("a frame")
    }

    fn module(&self) -> usize {
        self.frame().func.module
    }

    fn connect(&mut self, from: Frontier, to: NodeIndex) {
        for (n, e) in from {
            if !self.graph.edges_connecting(n, to).any(|x| *x.weight() == e) {
                self.graph.add_edge(n, to, e);
            }
        }
    }

    /// Adds a node after the current frontier and makes it the frontier.
    fn push(&mut self, kind: NodeKind, span: Span, label: String) -> NodeIndex {
        let (file, function) = match self.frames.last() {
            Some(f) => (
                self.program.modules[f.func.module].path.clone(),
                self.program.function(f.func).name.clone(),
            ),
            None => (String::new(), String::new()),
        };
        self.push_at(kind, span, label, file, function)
    }

    fn push_at(
        &mut self,
        kind: NodeKind,
        span: Span,
        label: String,
        file: String,
        function: String,
    ) -> NodeIndex {
        if self.graph.node_count() >= self.limits.max_nodes {
            self.truncated = true;
        }
        let n = self.graph.add_node(CfgNode {
            kind,
            file,
            span,
            label,
            function,
        });
        let cur = std::mem::take(&mut self.cur);
        self.connect(cur, n);
        self.cur = vec![(n, Edge::Normal)];
        n
    }

    /// The first line of source at `span` in the current module, trimmed for labels.
    fn source_line(&self, module: usize, span: Span) -> String {
        let src = &self.program.sources[module];
        let start = (span.start as usize).min(src.len());
        let end = (span.end as usize).min(src.len()).max(start);
        let text = src.get(start..end).unwrap_or("");
        let line = text.lines().next().unwrap_or("").trim();
        let mut out: String = line.chars().take(90).collect();
        if line.chars().count() > 90 {
            out.push('…');
        }
        out
    }

    fn param_env(&self, func: FnRef, args: Option<&[Value]>) -> HashMap<String, Value> {
        let f = self.program.function(func);
        let mut env = HashMap::new();
        for (i, p) in f.params.iter().enumerate() {
            let v = match (args, &p.default_call) {
                (Some(args), _) => args.get(i).cloned().unwrap_or(Value::Unknown),
                // `user = Depends(get_current_user)`: the dependency's result.
                (None, Some(dep)) => match dep.peel() {
                    Expr::Call(c) => Value::CallResult {
                        callee: c.callee.path().unwrap_or_default(),
                    },
                    _ => Value::Unknown,
                },
                (None, None) => Value::Param {
                    name: p.name.clone(),
                    role: p.role,
                },
            };
            if p.bindings.is_empty() {
                env.insert(
                    p.name.clone(),
                    Value::Var {
                        name: p.name.clone(),
                        value: Box::new(v),
                    },
                );
            } else {
                for bnd in &p.bindings {
                    let mut bv = v.clone();
                    for key in &bnd.path {
                        bv = Value::member(bv, key);
                    }
                    if let (Some(role), None) = (bnd.role, args) {
                        bv = Value::Param {
                            name: bnd.name.clone(),
                            role,
                        };
                    }
                    env.insert(
                        bnd.name.clone(),
                        Value::Var {
                            name: bnd.name.clone(),
                            value: Box::new(bv),
                        },
                    );
                }
            }
        }
        env
    }

    // ----- guards ----------------------------------------------------------------------

    /// A framework guard before the handler: inline a local middleware, or add a guard call.
    fn guard(&mut self, module: usize, guard: &Expr, env: &HashMap<String, Value>) -> NodeIndex {
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
                    matches!(self.graph[*n].kind, NodeKind::Return { denial: true })
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

    // ----- statements ------------------------------------------------------------------

    fn stmts(&mut self, stmts: &[Stmt]) {
        for s in stmts {
            if self.cur.is_empty() || self.truncated {
                // Unreachable code after return/throw: nothing flows into it.
                return;
            }
            self.stmt(s);
        }
    }

    fn stmt(&mut self, stmt: &Stmt) {
        match stmt {
            Stmt::Expr { expr, .. } => {
                self.eval(expr);
            }
            Stmt::Let {
                bindings, value, ..
            } => {
                if let (Some(Expr::Function(id)), [binding]) =
                    (value.as_ref().map(|e| e.peel()), bindings.as_slice())
                {
                    if binding.path.is_empty() {
                        let module = self.frame().func.module;
                        let f = FnRef {
                            module,
                            function: *id,
                        };
                        self.frame_mut().closures.insert(binding.name.clone(), f);
                    }
                }
                let v = match value {
                    Some(e) => self.eval(e),
                    None => Value::Unknown,
                };
                self.bind(bindings, v);
            }
            Stmt::Assign { target, value, .. } => {
                let v = self.eval(value);
                match target.peel() {
                    Expr::Name(n) => {
                        let n = n.clone();
                        self.frame_mut().env.insert(
                            n.clone(),
                            Value::Var {
                                name: n,
                                value: Box::new(v),
                            },
                        );
                    }
                    // `params["domain_data"] = …` on a local dict or object literal: the key is
                    // part of it from here on (`create_organization(**params)`).
                    Expr::Member { object, property } => {
                        let local = match object.peel() {
                            Expr::Name(n) => self
                                .frame()
                                .env
                                .get(n)
                                .filter(|v| matches!(v.peel(), Value::Object { .. }))
                                .map(|v| (n.clone(), v.peel().clone())),
                            _ => None,
                        };
                        match local {
                            Some((n, Value::Object { mut props })) => {
                                props.retain(|(k, _)| k != property);
                                props.push((property.clone(), v));
                                self.frame_mut().env.insert(
                                    n.clone(),
                                    Value::Var {
                                        name: n,
                                        value: Box::new(Value::Object { props }),
                                    },
                                );
                            }
                            _ => {
                                self.eval(target);
                            }
                        }
                    }
                    other => {
                        self.eval(other);
                    }
                }
            }
            Stmt::If {
                cond,
                then,
                otherwise,
                span,
            } => {
                let condition = self.condition(cond);
                let polarity = polarity(cond);
                let label = self.source_line(self.module(), *span);
                let b = self.push(
                    NodeKind::Branch {
                        condition,
                        polarity,
                    },
                    *span,
                    label,
                );
                let env_before = self.frame().env.clone();
                self.cur = vec![(b, Edge::True)];
                self.stmts(then);
                let then_cur = std::mem::take(&mut self.cur);
                let then_env = std::mem::replace(&mut self.frame_mut().env, env_before);
                self.cur = vec![(b, Edge::False)];
                self.stmts(otherwise);
                let else_env = std::mem::take(&mut self.frame_mut().env);
                self.frame_mut().env = merge_env(then_env, else_env);
                self.cur.extend(then_cur);
            }
            Stmt::Loop { cond, body, span } => {
                if let Some(c) = cond {
                    self.eval(c);
                }
                let head = self.push(
                    NodeKind::Join {
                        what: "loop".into(),
                    },
                    *span,
                    self.source_line(self.module(), *span),
                );
                self.loops.push((head, Vec::new()));
                self.cur = vec![(head, Edge::True)];
                self.stmts(body);
                let back = std::mem::take(&mut self.cur);
                self.connect(back, head);
                let (_, breaks) = self.loops.pop().expect("loop");
                self.cur = vec![(head, Edge::False)];
                self.cur.extend(breaks);
            }
            Stmt::Switch {
                subject,
                cases,
                span,
            } => {
                let condition = self.condition(subject);
                let sw = self.push(
                    NodeKind::Branch {
                        condition,
                        polarity: None,
                    },
                    *span,
                    self.source_line(self.module(), *span),
                );
                let join = self.graph.add_node(CfgNode {
                    kind: NodeKind::Join {
                        what: "end of switch".into(),
                    },
                    file: self.graph[sw].file.clone(),
                    span: *span,
                    label: "end of switch".into(),
                    function: self.graph[sw].function.clone(),
                });
                self.loops.push((join, Vec::new()));
                let mut fall: Frontier = Vec::new();
                let mut has_default = false;
                let mut after: Frontier = Vec::new();
                for case in cases {
                    has_default |= case.test.is_none();
                    self.cur = vec![(sw, Edge::True)];
                    self.cur.append(&mut fall);
                    self.stmts(&case.body);
                    if case.falls_through {
                        fall = std::mem::take(&mut self.cur);
                    } else {
                        after.extend(std::mem::take(&mut self.cur));
                    }
                }
                after.extend(fall);
                if !has_default {
                    after.push((sw, Edge::False));
                }
                let (_, breaks) = self.loops.pop().expect("switch");
                after.extend(breaks);
                self.connect(after, join);
                self.cur = vec![(join, Edge::Normal)];
            }
            Stmt::Try {
                body,
                catch,
                finally,
                span,
            } => {
                if catch.is_some() {
                    self.catches.push(Vec::new());
                }
                self.stmts(body);
                let body_end = std::mem::take(&mut self.cur);
                if let Some(catch_body) = catch {
                    let throwers = self.catches.pop().unwrap_or_default();
                    let module = self.module();
                    let file = self.program.modules[module].path.clone();
                    let function = self.program.function(self.frame().func).name.clone();
                    let entry = self.graph.add_node(CfgNode {
                        kind: NodeKind::Join {
                            what: "catch".into(),
                        },
                        file,
                        span: *span,
                        label: "catch".into(),
                        function,
                    });
                    for t in throwers {
                        self.graph.add_edge(t, entry, Edge::Exception);
                    }
                    self.cur = vec![(entry, Edge::Normal)];
                    self.stmts(catch_body);
                }
                self.cur.extend(body_end);
                self.stmts(finally);
            }
            Stmt::Return {
                value: Some(verdict),
                span,
            } if self.in_verdict_hook() => {
                // A guard that answers whether the request may go on (NestJS `canActivate`,
                // DRF `has_permission`): `false` refuses, `true` goes on, anything else is a
                // branch on the answer.
                let refuse = Stmt::Throw {
                    value: Expr::Unknown("the guard refused".into()),
                    span: *span,
                };
                let go_on = Stmt::Return {
                    value: None,
                    span: *span,
                };
                match verdict.peel() {
                    Expr::Literal(Literal::Bool(false)) => self.stmt(&refuse),
                    Expr::Literal(Literal::Bool(true)) => self.stmt(&go_on),
                    _ => self.stmt(&Stmt::If {
                        cond: verdict.clone(),
                        then: vec![go_on],
                        otherwise: vec![refuse],
                        span: *span,
                    }),
                }
            }
            Stmt::Return { value, span } => {
                let v = match value {
                    Some(e) => self.eval(e),
                    None => Value::Unknown,
                };
                let hook = self.frame().kind == FrameKind::Hook;
                let denial = value
                    .as_ref()
                    .is_some_and(|e| is_denial_response(e) || (hook && is_redirect_response(e)));
                let label = self.source_line(self.module(), *span);
                let n = self.push(NodeKind::Return { denial }, *span, label);
                self.cur.clear();
                let kind = self.frame().kind;
                match kind {
                    FrameKind::Root => {
                        let to = if denial { self.denied } else { self.exit };
                        self.connect(vec![(n, Edge::Normal)], to);
                    }
                    FrameKind::Inlined => {
                        let f = self.frame_mut();
                        // A returned error response is a value for the caller to act on, not a
                        // refusal: only a throw or a termination inside a helper refuses.
                        f.returns.push(v);
                        f.return_edges.push((n, Edge::Normal));
                    }
                    FrameKind::Middleware | FrameKind::Hook => {
                        self.frame_mut().return_edges.push((n, Edge::Normal));
                        self.frame_mut().can_deny = true;
                    }
                }
            }
            Stmt::Throw { value, span } => {
                self.eval(value);
                let label = self.source_line(self.module(), *span);
                let n = self.push(NodeKind::Throw, *span, label);
                self.cur.clear();
                self.frame_mut().can_deny = true;
                if is_redirect(value) {
                    // Next.js `redirect()` ends the request normally (it is how pages leave).
                    self.connect(vec![(n, Edge::Normal)], self.exit);
                } else if let Some(catch) = self.catches.last_mut() {
                    catch.push(n);
                } else {
                    self.connect(vec![(n, Edge::Normal)], self.denied);
                }
            }
            Stmt::Break { .. } => {
                let cur = std::mem::take(&mut self.cur);
                if let Some((_, breaks)) = self.loops.last_mut() {
                    breaks.extend(cur);
                }
            }
            Stmt::Continue { .. } => {
                let cur = std::mem::take(&mut self.cur);
                if let Some((head, _)) = self.loops.last() {
                    let head = *head;
                    self.connect(cur, head);
                }
            }
            Stmt::Block { body } => self.stmts(body),
        }
    }

    fn bind(&mut self, bindings: &[Binding], v: Value) {
        for b in bindings {
            let mut bv = v.clone();
            for key in &b.path {
                bv = Value::member(bv, key);
            }
            self.frame_mut().env.insert(
                b.name.clone(),
                Value::Var {
                    name: b.name.clone(),
                    value: Box::new(bv),
                },
            );
        }
    }

    /// What a branch condition says; evaluates the calls inside it first.
    fn condition(&mut self, cond: &Expr) -> Condition {
        self.eval(cond);
        let mut c = Condition::default();
        cond.mentioned_names(&mut c.names);
        cond.literal_values(&mut c.literals);
        cond.for_each_call(&mut |call| {
            if let Some(p) = call.callee.path() {
                c.calls.push(p);
            }
        });
        self.comparisons(cond, &mut c.comparisons);
        let mut chains = Vec::new();
        read_chains(cond, &mut chains);
        c.reads = chains
            .into_iter()
            .map(|e| self.peek(e, 0).stripped())
            .collect();
        let mut roots = Vec::new();
        root_names(cond, &mut roots);
        roots.sort();
        roots.dedup();
        for name in roots {
            if let Some(v) = self.frame().env.get(&name) {
                c.values.push((name, v.clone()));
            }
        }
        for (_, v) in &c.values {
            v.producing_calls(&mut c.value_calls);
        }
        c.value_calls.sort();
        c.value_calls.dedup();
        c
    }

    fn comparisons(&self, e: &Expr, out: &mut Vec<Comparison>) {
        match e.peel() {
            Expr::Binary { op, left, right } => {
                if matches!(op.as_str(), "==" | "===" | "!=" | "!==" | "is" | "is not") {
                    let mut l = Vec::new();
                    let mut r = Vec::new();
                    left.mentioned_names(&mut l);
                    right.mentioned_names(&mut r);
                    out.push(Comparison {
                        left: l,
                        right: r,
                        left_is_literal: is_literalish(left),
                        right_is_literal: is_literalish(right),
                        left_value: self.peek(left, 0),
                        right_value: self.peek(right, 0),
                    });
                } else {
                    self.comparisons(left, out);
                    self.comparisons(right, out);
                }
            }
            Expr::Unary { operand, .. } => self.comparisons(operand, out),
            Expr::Call(c) => c.args.iter().for_each(|a| self.comparisons(&a.value, out)),
            _ => {}
        }
    }

    /// The value of an expression without adding nodes (for conditions already evaluated).
    fn peek(&self, e: &Expr, depth: usize) -> Value {
        if depth > MAX_VALUE_DEPTH {
            return Value::Unknown;
        }
        match e.peel() {
            Expr::Literal(l) => Value::Literal { value: l.text() },
            Expr::Name(n) => self.lookup(n),
            Expr::RequestGlobal(n) => Value::Param {
                name: n.clone(),
                role: ParamRole::Request,
            },
            Expr::Member { object, property } => {
                Value::member(self.peek(object, depth + 1), property)
            }
            Expr::Index { object, .. } => Value::member(self.peek(object, depth + 1), "[]"),
            Expr::Call(c) => {
                let receiver = match &c.callee {
                    Expr::Member { object, .. } => Some(self.peek(object, depth + 1)),
                    _ => None,
                };
                let callee = self.callee_path(&c.callee, receiver.as_ref());
                result_value(&callee, receiver.as_ref(), &[], false)
            }
            _ => Value::Unknown,
        }
    }

    // ----- expressions -----------------------------------------------------------------

    /// Evaluates an expression: adds nodes for the calls it makes and returns its value.
    fn eval(&mut self, expr: &Expr) -> Value {
        if self.truncated {
            return Value::Unknown;
        }
        let v = self.eval_inner(expr);
        if v.depth() > MAX_VALUE_DEPTH {
            Value::Unknown
        } else {
            v
        }
    }

    fn eval_inner(&mut self, expr: &Expr) -> Value {
        match expr {
            Expr::Literal(lit) => Value::Literal { value: lit.text() },
            Expr::Name(n) => self.lookup(n),
            Expr::RequestGlobal(n) => Value::Param {
                name: n.clone(),
                role: ParamRole::Request,
            },
            Expr::Member { object, property } => {
                let base = self.eval(object);
                Value::member(base, property)
            }
            Expr::Index { object, index } => {
                let base = self.eval(object);
                self.eval(index);
                Value::member(base, "[]")
            }
            Expr::Call(call) => self.call(call),
            Expr::Object(props) => {
                let mut out = Vec::new();
                for p in props {
                    let v = self.eval(&p.value);
                    if p.key == "..." {
                        // `{ ...body }` copies the other object's keys: keep them reachable.
                        if let Value::Object { props } = v.peel().clone() {
                            out.extend(props);
                        } else {
                            out.push(("...".into(), v));
                        }
                    } else {
                        out.push((p.key.clone(), v));
                    }
                }
                Value::Object { props: out }
            }
            Expr::Array(items) | Expr::Template(items) => {
                let items: Vec<Value> = items.iter().map(|i| self.eval(i)).collect();
                if matches!(expr, Expr::Template(_)) {
                    Value::Derived {
                        from: Box::new(Value::either(items)),
                        via: "template".into(),
                    }
                } else {
                    Value::Array { items }
                }
            }
            Expr::Unary { operand, .. } => {
                self.eval(operand);
                Value::Unknown
            }
            Expr::Binary { op, left, right } => {
                let l = self.eval(left);
                let r = self.eval(right);
                match op.as_str() {
                    "??" | "||" | "&&" | "or" | "and" => Value::either(vec![l, r]),
                    "+" => Value::Derived {
                        from: Box::new(Value::either(vec![l, r])),
                        via: "concat".into(),
                    },
                    "=" => {
                        if let Expr::Name(n) = left.peel() {
                            self.frame_mut().env.insert(
                                n.clone(),
                                Value::Var {
                                    name: n.clone(),
                                    value: Box::new(r.clone()),
                                },
                            );
                        }
                        r
                    }
                    _ => Value::Unknown,
                }
            }
            Expr::Conditional {
                cond,
                then,
                otherwise,
            } => {
                self.eval(cond);
                let a = self.eval(then);
                let b = self.eval(otherwise);
                Value::either(vec![a, b])
            }
            Expr::Await(inner) => self.eval(inner),
            Expr::Function(_) => Value::Unknown,
            Expr::Unknown(_) => Value::Unknown,
        }
    }

    /// Whether a receiver names a package or built-in rather than an object: an import of this
    /// module (`json`, `qs`, `chi`) or a capitalised global (`JSON`, `URL`). A lower-case name
    /// bound nowhere the builder can see is a client object kept in a closure or module variable
    /// (`workos.getMembership(id)`): what it returns is server data, even when asked with input.
    fn is_namespace(&self, receiver: &Value) -> bool {
        let Value::Global { path } = receiver.peel() else {
            return false;
        };
        if path.contains('.') {
            return false;
        }
        path.chars().next().is_some_and(|c| c.is_ascii_uppercase())
            || self.program.modules[self.module()]
                .imports
                .iter()
                .any(|i| &i.local == path)
    }

    fn lookup(&self, name: &str) -> Value {
        if let Some(v) = self.frame().env.get(name) {
            return v.clone();
        }
        let module = &self.program.modules[self.module()];
        if let Some((_, e)) = module.constants.iter().rev().find(|(n, _)| n == name) {
            return Value::Var {
                name: name.to_string(),
                value: Box::new(constant_value(e)),
            };
        }
        Value::Global {
            path: name.to_string(),
        }
    }

    fn call(&mut self, call: &Call) -> Value {
        // Receiver and arguments are evaluated before the call itself.
        let receiver = match &call.callee {
            Expr::Member { object, .. } => Some(self.eval(object)),
            _ => None,
        };
        let mut args = Vec::new();
        let mut callbacks = Vec::new();
        // A function the call keeps for later (a route, an event handler) does not run as part
        // of this request; one an entry's registration names is an entry of its own.
        let runs_now = !crate::frameworks::keeps_callback(call);
        let module_ir = &self.program.modules[self.module()];
        for a in &call.args {
            if let Expr::Function(id) = a.value.peel() {
                if runs_now && !module_ir.is_entry_handler(*id) {
                    callbacks.push(*id);
                }
            }
            let v = self.eval(&a.value);
            args.push(ArgValue {
                name: a.name.clone(),
                value: v,
            });
        }
        let callee = self.callee_path(&call.callee, receiver.as_ref());
        let module = self.module();

        // `next()` inside middleware (also from a callback within it): continue to the handler.
        // Express's `next(err)` refuses; tRPC's `next({ ctx })` continues.
        let middleware_frame = self
            .frames
            .iter()
            .rposition(|f| f.kind == FrameKind::Middleware);
        let next_name = match call.callee.peel() {
            Expr::Name(n) => Some(n),
            // `next.ServeHTTP(w, r)` (Go), `next.run(req)` (Rust axum).
            Expr::Member { object, .. } => match object.peel() {
                Expr::Name(n)
                    if matches!(
                        self.frame().env.get(n).map(|v| v.peel()),
                        Some(Value::Param {
                            role: ParamRole::Next,
                            ..
                        })
                    ) =>
                {
                    Some(n)
                }
                _ => None,
            },
            _ => None,
        };
        if let (Some(n), Some(mw)) = (next_name, middleware_frame) {
            let is_next_param = matches!(
                self.frame().env.get(n).map(|v| v.peel()),
                Some(Value::Param {
                    role: ParamRole::Next,
                    ..
                })
            );
            if is_next_param || n == "next" {
                let label = self.source_line(module, call.span);
                self.push(
                    NodeKind::Call {
                        callee: callee.clone(),
                        args,
                        inlined: false,
                        can_deny: false,
                        guard: false,
                    },
                    call.span,
                    label,
                );
                let cur = std::mem::take(&mut self.cur);
                // Express's `next(err)` refuses; tRPC's `next({ ctx })` and a decorator's call
                // of the function it wraps (`f(*args)`) continue.
                // Handing the request on (actix's `next.call(req)`) continues too.
                let passes_request = matches!(
                    call.args[..].first().map(|a| a.value.peel()),
                    Some(Expr::Name(r)) if matches!(
                        self.frame().env.get(r).map(|v| v.peel()),
                        Some(Value::Param { role: ParamRole::Request, .. })
                    )
                );
                let continues = call.args.is_empty()
                    || passes_request
                    || matches!(call.args[0].value.peel(), Expr::Object(_))
                    || n != "next"
                    || matches!(call.callee.peel(), Expr::Member { .. });
                if continues {
                    self.frames[mw].next_exits.extend(cur);
                } else {
                    self.connect(cur, self.denied);
                }
                return Value::Unknown;
            }
        }

        // A local helper is inlined, unless the name is shadowed by a local variable.
        let shadowed = match call.callee.peel() {
            Expr::Name(n) => self.frame().env.contains_key(n),
            _ => false,
        };
        let closure = match call.callee.peel() {
            Expr::Name(n) if shadowed => self.frame().closures.get(n).copied(),
            _ => None,
        };
        let mut targets = if let Some(f) = closure {
            vec![f]
        } else if shadowed {
            Vec::new()
        } else {
            self.program.resolve_callee_all(module, &call.callee)
        };
        if targets.is_empty() {
            // A method of an object whose class the code does not name: every in-repo method of
            // that name that leads to an action (see `CallGraph::dispatch`).
            if let Expr::Member { property, .. } = call.callee.peel() {
                let family = self.program.languages[module].family();
                targets.extend(
                    self.summaries
                        .dispatched(&callee, property)
                        .iter()
                        .filter(|t| self.program.languages[t.module].family() == family)
                        .copied(),
                );
            }
        }
        let depth_ok = self.frames.len() < self.limits.max_inline_depth;
        let targets: Vec<FnRef> = targets
            .into_iter()
            // A local closure is run for what it returns too: its body is right there.
            .filter(|t| Some(*t) == closure || self.summaries.worth_expanding(*t, &callee))
            .collect();
        let inline: Vec<FnRef> = targets
            .iter()
            .copied()
            .filter(|t| {
                let recursive = self
                    .frames
                    .iter()
                    .any(|f| f.func == *t && f.kind != FrameKind::Root)
                    || self.frames.first().map(|f| f.func) == Some(*t);
                !recursive && depth_ok
            })
            .collect();
        // Past the depth limit, only code that could change the verdict — lead to an action, or
        // be a check — leaves the workflow not fully verified; a formatting helper cannot.
        let could_matter = targets
            .iter()
            .any(|t| self.summaries.could_change_verdict(*t, &callee));
        if could_matter && !depth_ok {
            self.notes.push(format!(
                "{}:{}: call to {callee} not inlined (inlining depth limit)",
                self.program.modules[module].path, call.span.line
            ));
        }

        let label = self.source_line(module, call.span);
        // The receiver goes with the arguments, last and named, so a check can see what a method
        // was called on (`user.orgIds.includes(orgId)` asks the caller's organizations).
        let mut node_args = args.clone();
        if let Some(r) = &receiver {
            if !matches!(r.peel(), Value::Global { .. } | Value::Unknown) {
                node_args.push(ArgValue {
                    name: Some(RECEIVER_ARG.into()),
                    value: r.clone(),
                });
            }
        }
        let node = self.push(
            NodeKind::Call {
                callee: callee.clone(),
                args: node_args,
                inlined: !inline.is_empty(),
                can_deny: false,
                guard: false,
            },
            call.span,
            label,
        );
        if let Some(catch) = self.catches.last_mut() {
            catch.push(node);
        }

        let result = if inline.is_empty() {
            let namespace = receiver.as_ref().is_none_or(|r| self.is_namespace(r));
            result_value(&callee, receiver.as_ref(), &args, namespace)
        } else {
            // One or several possible bodies (dynamic dispatch): each is a way through.
            let values: Vec<Value> = args.iter().map(|a| a.value.clone()).collect();
            let start = self.cur.clone();
            let mut ends = Vec::new();
            let mut results = Vec::new();
            let mut any_deny = false;
            for t in &inline {
                self.cur = start.clone();
                let (v, can_deny) = self.inline(*t, &values);
                any_deny |= can_deny;
                results.push(v);
                ends.extend(std::mem::take(&mut self.cur));
            }
            self.cur = ends;
            if let NodeKind::Call { can_deny: cd, .. } = &mut self.graph[node].kind {
                *cd = any_deny;
            }
            // Keep the helper's name on its result, so a check on it can be recognised.
            Value::Derived {
                from: Box::new(Value::either(results)),
                via: callee.clone(),
            }
        };

        // Callbacks passed to the call may run (or not) before it returns; some calls always run
        // theirs, and return what it returns (`Effect.gen(function* () { … })`).
        let always = crate::frameworks::always_runs_callback(call);
        let mut result = result;
        for cb in callbacks {
            if self.frames.len() >= self.limits.max_inline_depth {
                break;
            }
            let t = FnRef {
                module,
                function: cb,
            };
            if !self.summaries.worth_expanding(t, "") {
                continue;
            }
            let before = self.cur.clone();
            // What the callee passes to its callback derives from the callee: the `auth` of
            // `authkitLoader(args, async ({ auth }) => …)` is its session.
            let passed = Value::CallResult {
                callee: callee.clone(),
            };
            let n_params = self.program.function(t).params.len();
            let captured = self.frame().env.clone();
            let (returned, _) = self.inline_in(t, &vec![passed; n_params], captured);
            if always {
                result = Value::Derived {
                    from: Box::new(returned),
                    via: callee.clone(),
                };
                continue;
            }
            let after = std::mem::take(&mut self.cur);
            self.cur = before
                .into_iter()
                .map(|(n, _)| (n, Edge::Skip))
                .chain(after)
                .collect();
        }
        result
    }

    /// Inlines `t` with argument values; returns its result value and whether it can deny.
    fn inline(&mut self, t: FnRef, args: &[Value]) -> (Value, bool) {
        self.inline_in(t, args, HashMap::new())
    }

    /// Inlines `t` on top of `base` bindings: a closure sees the variables of the function it
    /// is written in.
    fn inline_in(
        &mut self,
        t: FnRef,
        args: &[Value],
        base: HashMap<String, Value>,
    ) -> (Value, bool) {
        let mut env = base;
        env.extend(self.param_env(t, Some(args)));
        self.frames.push(Frame {
            kind: FrameKind::Inlined,
            func: t,
            env,
            returns: Vec::new(),
            return_edges: Vec::new(),
            next_exits: Vec::new(),
            can_deny: false,
            closures: HashMap::new(),
        });
        let body = &self.program.function(t).body;
        self.stmts(body);
        let frame = self.frames.pop().expect("inlined frame");
        self.cur.extend(frame.return_edges);
        // A helper that can deny makes its caller able to deny too.
        if frame.can_deny {
            self.frame_mut().can_deny = true;
        }
        (Value::either(frame.returns), frame.can_deny)
    }

    /// The callee path, resolved through local aliases (`const um = workos.userManagement`).
    fn callee_path(&self, callee: &Expr, receiver: Option<&Value>) -> String {
        if let (Expr::Member { property, .. }, Some(recv)) = (callee.peel(), receiver) {
            if let Value::Global { path } = recv.peel() {
                return format!("{path}.{property}");
            }
            if let Some(p) = value_path(recv) {
                return format!("{p}.{property}");
            }
        }
        if let Expr::Name(n) = callee.peel() {
            if let Some(Value::Global { path }) = self.frame().env.get(n).map(|v| v.peel()) {
                return path.clone();
            }
        }
        if let Expr::Index { object, .. } = callee.peel() {
            // `Sentry.logger[level](…)`: keep the object, so a computed member of a
            // third-party package can be told from one that may hide an application guard.
            if let Some(base) = object.path() {
                return format!("{base}{COMPUTED_MEMBER}");
            }
        }
        if let Some(path) = callee.path() {
            return path;
        }
        // A method of a value computed on the spot (`email.split("@")[1].toLowerCase()`,
        // `["a", "b"].includes(x)`): the method is named, only its receiver is computed.
        if let Expr::Member { property, .. } = callee.peel() {
            return format!("{COMPUTED_RECEIVER}.{property}");
        }
        DYNAMIC_CALLEE.into()
    }
}

/// The callee of a call whose target is computed at run time.
pub const DYNAMIC_CALLEE: &str = "<dynamic>";
/// The name under which a call node keeps the value its method was called on.
pub const RECEIVER_ARG: &str = "<receiver>";
/// The receiver of a method called on a value computed on the spot.
pub const COMPUTED_RECEIVER: &str = "(…)";
/// Suffix of a callee that is a computed member of a named object (`handlers[kind]`).
pub const COMPUTED_MEMBER: &str = "[…]";

fn constant_value(e: &Expr) -> Value {
    match e {
        // Ruby's `%w[member admin].freeze`.
        Expr::Call(c) => match &c.callee {
            Expr::Member { object, .. } => constant_value(object),
            _ => Value::Unknown,
        },
        Expr::Literal(l) => Value::Literal { value: l.text() },
        Expr::Array(items) => Value::Array {
            items: items.iter().map(constant_value).collect(),
        },
        _ => Value::Unknown,
    }
}

/// A readable path for values that are chains on call results (`workos.userManagement()` style
/// receivers in Go-like SDKs).
fn value_path(v: &Value) -> Option<String> {
    match v.peel() {
        Value::Global { path } => Some(path.clone()),
        Value::CallResult { callee } => Some(format!("{callee}()")),
        Value::Member { base, property } => Some(format!("{}.{property}", value_path(base)?)),
        _ => None,
    }
}

/// The value a non-inlined call returns: request-derived if it reads from request input
/// (`request.json()`, `formData.get()`), otherwise the opaque result of the call.
/// The value a call returns when its body is not inlined. `namespace`: the call is a plain
/// function, or one of a package or built-in (`JSON.parse`, Go's `json.NewDecoder`), not a
/// method of an object.
fn result_value(
    callee: &str,
    receiver: Option<&Value>,
    args: &[ArgValue],
    namespace: bool,
) -> Value {
    let method = callee.rsplit('.').next().unwrap_or(callee).to_string();
    if let Some(r) = receiver {
        // `effect.pipe(Effect.mapError(…))`, `obs.pipe(map(…))`: operators applied to a value
        // keep where it came from.
        if method == "pipe" && !matches!(r.peel(), Value::Global { .. } | Value::Unknown) {
            return Value::Derived {
                from: Box::new(r.clone()),
                via: ".pipe".into(),
            };
        }
        if is_request_rooted(r) {
            return Value::Derived {
                from: Box::new(r.clone()),
                via: format!(".{method}"),
            };
        }
        // A method of data a call returned (`memberships.data.find(m => …)`) picks from that
        // data: a branch on the pick is a branch on what the call returned.
        if !namespace && holds_call_result(r) {
            return Value::Derived {
                from: Box::new(r.clone()),
                via: callee.to_string(),
            };
        }
    }
    // A plain or package-level function applied to request input (`new URL(request.url)`,
    // `JSON.parse(body)`, Go's `json.NewDecoder(r.Body)`, `chi.URLParam(r, "id")`), or any
    // function handed the whole request to read (`store.Get(r, "session")`, a cookie store).
    // A client object asked with a field of the input (`workos.userManagement.get…(id)`,
    // `db.user.find(id)`) returns server data.
    let reads_request = |v: &Value| {
        if namespace {
            is_request_rooted(v)
        } else {
            matches!(
                v.peel(),
                Value::Param {
                    role: ParamRole::Request,
                    ..
                }
            )
        }
    };
    {
        if let Some(a) = args.iter().find(|a| reads_request(&a.value)) {
            return Value::Derived {
                from: Box::new(a.value.clone()),
                via: callee.to_string(),
            };
        }
    }
    // `SendInvitationParams(role_slug="admin")`, `RoleSingle("admin")`: a constructor called
    // with its fields is the object it builds. Not a method of an object, nor a call handed a
    // Go context first: Go exports every function and method in capitals
    // (`h.workos.ListOrganizationMemberships(ctx, opts)` asks a server).
    let handed_context = args
        .first()
        .is_some_and(|a| a.name.as_deref() == Some("context"));
    if method
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_uppercase())
        && !args.is_empty()
        && namespace
        && !handed_context
    {
        return Value::Object {
            props: args
                .iter()
                .enumerate()
                .map(|(i, a)| {
                    (
                        a.name.clone().unwrap_or_else(|| i.to_string()),
                        a.value.clone(),
                    )
                })
                .collect(),
        };
    }
    Value::CallResult {
        callee: callee.to_string(),
    }
}

/// Whether a value is (a field of) what a call returned.
fn holds_call_result(v: &Value) -> bool {
    match v.peel() {
        Value::CallResult { .. } => true,
        Value::Member { base, .. } => holds_call_result(base),
        _ => false,
    }
}

fn is_request_rooted(v: &Value) -> bool {
    match v.peel() {
        Value::Param { role, .. } => matches!(role, ParamRole::Request | ParamRole::Input),
        // The request a server context carries (Hono's `c.req`, tRPC's `ctx.req`).
        Value::Member { base, property }
            if matches!(
                base.peel(),
                Value::Param {
                    role: ParamRole::Context,
                    ..
                }
            ) =>
        {
            matches!(
                property.as_str(),
                "req" | "request" | "body" | "query" | "params" | "headers" | "input" | "rawInput"
            )
        }
        Value::Member { base, .. } => is_request_rooted(base),
        Value::Derived { from, .. } | Value::Validated { from } => is_request_rooted(from),
        Value::SchemaInput { base, .. } => is_request_rooted(base),
        Value::Either { options } => options.iter().any(is_request_rooted),
        _ => false,
    }
}

fn merge_env(a: HashMap<String, Value>, mut b: HashMap<String, Value>) -> HashMap<String, Value> {
    let mut out = HashMap::new();
    for (k, va) in a {
        match b.remove(&k) {
            Some(vb) if vb == va => {
                out.insert(k, va);
            }
            Some(vb) => {
                out.insert(
                    k.clone(),
                    Value::Var {
                        name: k,
                        value: Box::new(Value::either(vec![va, vb])),
                    },
                );
            }
            None => {
                out.insert(k, va);
            }
        }
    }
    out.extend(b);
    out
}

/// Whether a middleware calls `next` anywhere, including in callbacks it defines.
fn calls_next(program: &Program, f: FnRef, depth: usize) -> bool {
    // SvelteKit's hook goes on by `resolve(event)`, the continuation it destructures.
    let resolves = program
        .function(f)
        .params
        .first()
        .is_some_and(|p| p.bindings.iter().any(|b| b.name == "resolve"));
    calls_name(program, f, "next", depth) || (resolves && calls_name(program, f, "resolve", depth))
}

/// Whether a function (or a callback it defines) calls the plain name `name`.
fn calls_name(program: &Program, f: FnRef, name: &str, depth: usize) -> bool {
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
enum GuardShape {
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

fn guard_shape(program: &Program, t: FnRef, called: bool) -> GuardShape {
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
fn returned_function(program: &Program, factory: FnRef) -> Option<FnRef> {
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
    fn find(stmts: &[Stmt], find_in: &dyn Fn(&Expr) -> Option<FnRef>) -> Option<FnRef> {
        for s in stmts {
            match s {
                Stmt::Return { value: Some(e), .. } => {
                    if let Some(r) = find_in(e) {
                        return Some(r);
                    }
                }
                Stmt::Block { body } => {
                    if let Some(r) = find(body, find_in) {
                        return Some(r);
                    }
                }
                _ => {}
            }
        }
        None
    }
    find(&f.body, &find_in)
}

/// The maximal name and member chains an expression reads (`input.role` in
/// `ROLES.includes(input.role)`, and `ROLES`).
fn read_chains<'e>(e: &'e Expr, out: &mut Vec<&'e Expr>) {
    match e {
        Expr::Name(_) | Expr::Member { .. } => out.push(e),
        Expr::Index { object, index } => {
            read_chains(object, out);
            read_chains(index, out);
        }
        Expr::Call(c) => {
            match &c.callee {
                Expr::Member { object, .. } => read_chains(object, out),
                other => read_chains(other, out),
            }
            c.args.iter().for_each(|a| read_chains(&a.value, out));
        }
        Expr::Unary { operand, .. } => read_chains(operand, out),
        Expr::Binary { left, right, .. } => {
            read_chains(left, out);
            read_chains(right, out);
        }
        Expr::Conditional {
            cond,
            then,
            otherwise,
        } => {
            read_chains(cond, out);
            read_chains(then, out);
            read_chains(otherwise, out);
        }
        Expr::Await(i) => read_chains(i, out),
        Expr::Array(items) | Expr::Template(items) => {
            items.iter().for_each(|i| read_chains(i, out))
        }
        _ => {}
    }
}

/// Names at the root of member chains in an expression (`user` in `user.role`).
fn root_names(e: &Expr, out: &mut Vec<String>) {
    match e {
        Expr::Name(n) => out.push(n.clone()),
        Expr::Member { object, .. } => root_names(object, out),
        Expr::Index { object, index } => {
            root_names(object, out);
            root_names(index, out);
        }
        Expr::Call(c) => {
            root_names(&c.callee, out);
            c.args.iter().for_each(|a| root_names(&a.value, out));
        }
        Expr::Unary { operand, .. } => root_names(operand, out),
        Expr::Binary { left, right, .. } => {
            root_names(left, out);
            root_names(right, out);
        }
        Expr::Conditional {
            cond,
            then,
            otherwise,
        } => {
            root_names(cond, out);
            root_names(then, out);
            root_names(otherwise, out);
        }
        Expr::Await(i) => root_names(i, out),
        Expr::Array(items) | Expr::Template(items) => items.iter().for_each(|i| root_names(i, out)),
        Expr::Object(props) => props.iter().for_each(|p| root_names(&p.value, out)),
        _ => {}
    }
}

fn is_literalish(e: &Expr) -> bool {
    matches!(e.peel(), Expr::Literal(_)) || matches!(e.peel(), Expr::Name(n) if n == "undefined")
}

/// Whether the true side of a condition means "allowed".
fn polarity(cond: &Expr) -> Option<Polarity> {
    use Polarity::*;
    match cond.peel() {
        Expr::Unary { op, operand } if op == "!" || op == "not" => {
            polarity(operand).map(|p| match p {
                Positive => Negative,
                Negative => Positive,
            })
        }
        Expr::Binary { op, left, right } => match op.as_str() {
            "!=" | "!==" | "is not" => Some(Negative),
            "==" | "===" | "is" => {
                // `x == null` asks whether something is missing.
                if matches!(right.peel(), Expr::Literal(Literal::Null))
                    || matches!(left.peel(), Expr::Literal(Literal::Null))
                    || matches!(right.peel(), Expr::Literal(Literal::Bool(false)))
                {
                    Some(Negative)
                } else {
                    Some(Positive)
                }
            }
            "&&" | "||" | "and" | "or" => {
                let (a, b) = (polarity(left), polarity(right));
                if a == b {
                    a
                } else {
                    None
                }
            }
            _ => Some(Positive),
        },
        _ => Some(Positive),
    }
}

/// `return NextResponse.json(…, { status: 403 })`, `return res.status(401).json(…)`.
pub(crate) fn is_denial_response(e: &Expr) -> bool {
    fn status_literal(e: &Expr) -> bool {
        match e.peel() {
            Expr::Literal(Literal::Num(n)) => n
                .parse::<u32>()
                .map(|n| (400..600).contains(&n))
                .unwrap_or(false),
            Expr::Member { property, .. } | Expr::Name(property) => {
                let p = property.to_ascii_lowercase();
                // `http.StatusForbidden`, `StatusCode::UNAUTHORIZED`, `status.HTTP_403_FORBIDDEN`.
                [
                    "forbidden",
                    "unauthorized",
                    "unauthorised",
                    "badrequest",
                    "bad_request",
                    "notfound",
                    "not_found",
                    "conflict",
                    "internalservererror",
                    "internal_server_error",
                    "badgateway",
                    "bad_gateway",
                    "unprocessable",
                    "toomanyrequests",
                    "too_many_requests",
                    "serviceunavailable",
                    "http_4",
                    "http_5",
                ]
                .iter()
                .any(|w| p.contains(w))
            }
            // Rails `head :forbidden`, `status: :unauthorized`.
            Expr::Literal(Literal::Str(s)) => {
                let s = s.to_ascii_lowercase();
                [
                    "forbidden",
                    "unauthorized",
                    "bad_request",
                    "not_found",
                    "unprocessable_entity",
                ]
                .iter()
                .any(|w| s == *w)
            }
            _ => false,
        }
    }
    fn walk(e: &Expr) -> bool {
        match e.peel() {
            Expr::Call(c) => {
                let last = c
                    .callee
                    .path()
                    .map(|p| p.rsplit('.').next().unwrap_or("").to_string())
                    .unwrap_or_default();
                if matches!(
                    last.as_str(),
                    "status" | "sendStatus" | "writeHead" | "code"
                ) && c
                    .args
                    .first()
                    .map(|a| status_literal(&a.value))
                    .unwrap_or(false)
                {
                    return true;
                }
                if let Expr::Member { object, .. } = &c.callee {
                    if walk(object) {
                        return true;
                    }
                }
                c.args.iter().any(|a| walk(&a.value))
            }
            Expr::Object(props) => props.iter().any(|p| {
                (matches!(p.key.as_str(), "status" | "statusCode") && status_literal(&p.value))
                    || walk(&p.value)
            }),
            Expr::Array(items) => items.iter().any(walk),
            Expr::Literal(_) | Expr::Member { .. } | Expr::Name(_) => status_literal(e),
            _ => false,
        }
    }
    walk(e)
}

/// A redirect response (`NextResponse.redirect(url)`, `reply.redirect("/login")`): where a hook
/// returns one, the request goes elsewhere instead of on to the handler.
fn is_redirect_response(e: &Expr) -> bool {
    match e.peel() {
        Expr::Call(c) => c.callee.path().is_some_and(|p| {
            matches!(
                crate::ir::last_segment(&p),
                "redirect" | "permanentRedirect" | "redirect_to"
            )
        }),
        _ => false,
    }
}

fn is_redirect(e: &Expr) -> bool {
    match e.peel() {
        Expr::Call(c) => c
            .callee
            .path()
            .map(|p| p == "redirect" || p == "permanentRedirect")
            .unwrap_or(false),
        _ => false,
    }
}
