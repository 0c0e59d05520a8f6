//! Expressions: calls (resolved, inlined or kept as one node), values and where they come from.

use super::*;

impl<'p> Builder<'p> {
    /// Evaluates an expression: adds nodes for the calls it makes and returns its value.
    pub(super) fn eval(&mut self, expr: &Expr) -> Value {
        if self.truncated {
            return Value::Unknown;
        }
        self.eval_inner(expr).within_depth(MAX_VALUE_DEPTH)
    }

    pub(super) fn eval_inner(&mut self, expr: &Expr) -> Value {
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
            Expr::Array(items) => Value::Array {
                items: items.iter().map(|i| self.eval(i)).collect(),
            },
            Expr::Template(parts) => {
                let values: Vec<Value> = expr.interpolations().map(|i| self.eval(i)).collect();
                let via = match parts.first() {
                    Some(head) => text_via(head, values.first(), parts.get(1), TEMPLATE),
                    None => TEMPLATE,
                };
                Value::Derived {
                    from: Box::new(Value::either(values)),
                    via: via.into(),
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
                        via: text_via(left, Some(&l), Some(right), CONCAT).into(),
                        from: Box::new(Value::either(vec![l, r])),
                    },
                    // The difference of two byte strings, accumulated in a constant-time
                    // comparison (`mismatch |= a[i] ^ b[i]`): a test of it compares them.
                    "^" => Value::Derived {
                        from: Box::new(Value::either(vec![l, r])),
                        via: XOR.into(),
                    },
                    "==" | "===" => Value::Derived {
                        from: Box::new(Value::either(vec![l, r])),
                        via: EQUALITY.into(),
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
    pub(super) fn is_namespace(&self, receiver: &Value) -> bool {
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

    pub(super) fn lookup(&self, name: &str) -> Value {
        if let Some(v) = self.frame().env.get(name) {
            return v.clone();
        }
        // This module's constant, or the one it imports under this name (a configuration
        // object kept in another file).
        let constant = self.program.lookup_named(self.module(), name, |m, n| {
            m.constants
                .iter()
                .rev()
                .find(|(c, _)| c == n)
                .map(|(_, e)| e)
        });
        if let Some((_, e)) = constant {
            return Value::Var {
                name: name.to_string(),
                value: Box::new(constant_value(e)),
            };
        }
        Value::Global {
            path: name.to_string(),
        }
    }

    /// `handlers[event.event](event)` with `handlers` a table of handlers: a switch on the key
    /// with one case per entry, each calling its handler with the call's arguments. A webhook
    /// handler that dispatches this way tests the same event names a `switch` would.
    fn dispatch(&mut self, call: &Call) -> Option<Value> {
        let Expr::Index { object, index } = call.callee.peel() else {
            return None;
        };
        let Expr::Name(name) = object.peel() else {
            return None;
        };
        let table = self.handler_table_named(name)?;
        let cases = table
            .into_iter()
            .map(|entry| SwitchCase {
                test: Some(Expr::Literal(Literal::Str(entry.key))),
                // Awaited as the dispatch is (`await handlers[key](…)`): a case is a call the
                // dispatch waits for, not a statement of its own.
                body: vec![Stmt::Expr {
                    expr: Expr::Await(Box::new(Expr::Call(Box::new(Call {
                        callee: entry.value,
                        args: call.args.clone(),
                        span: call.span,
                        construct: false,
                    })))),
                    span: call.span,
                }],
                falls_through: false,
            })
            .collect();
        self.stmt(&Stmt::Switch {
            subject: (**index).clone(),
            cases,
            span: call.span,
        });
        Some(Value::Unknown)
    }

    /// The handler table a local or a module-level name is bound to.
    fn handler_table_named(&self, name: &str) -> Option<Vec<Property>> {
        if let Some(table) = self.frame().tables.get(name) {
            return Some(table.clone());
        }
        if self.frame().env.contains_key(name) {
            return None;
        }
        let module = &self.program.modules[self.module()];
        module.top_level.iter().rev().find_map(|s| match s {
            Stmt::Let {
                bindings,
                value: Some(value),
                ..
            } if matches!(bindings.as_slice(), [b] if b.name == name && b.path.is_empty()) => {
                super::stmts::handler_table(value)
            }
            _ => None,
        })
    }

    pub(super) fn call(&mut self, call: &Call) -> Value {
        if let Some(v) = self.dispatch(call) {
            return v;
        }
        // Receiver and arguments are evaluated before the call itself.
        let receiver = match &call.callee {
            // `guard().catch(() => {})`: the guard's refusal is swallowed; the request goes on.
            Expr::Member { object, property }
                if property == "catch"
                    && matches!(object.peel(), Expr::Call(_))
                    && self.swallows(call) =>
            {
                Some(
                    self.with_refusals_caught(crate::cfg::SWALLOWED, call.span, |b| b.eval(object)),
                )
            }
            Expr::Member { object, .. } => Some(self.eval(object)),
            _ => None,
        };
        let mut args = Vec::new();
        let mut callbacks = Vec::new();
        // A function the call keeps for later (a route, an event handler) does not run as part
        // of this request; one an entry's registration names is an entry of its own.
        let runs_now = !crate::frameworks::keeps_callback(call);
        let module_ir = &self.program.modules[self.module()];
        let callee_in_repo = call
            .args
            .iter()
            .any(|a| matches!(a.value.peel(), Expr::Object(_)))
            && !self
                .program
                .resolve_callee_all(self.module(), &call.callee)
                .is_empty();
        for value in call.handed_over(callee_in_repo) {
            match value.peel() {
                Expr::Function(id) if runs_now && !module_ir.is_entry_handler(*id) => {
                    callbacks.push((
                        FnRef {
                            module: self.module(),
                            function: *id,
                        },
                        true,
                    ));
                }
                // A function handed over by name (`asyncio.to_thread(exchange, code)`,
                // `items.map(toPlan)`): runs like a literal one, without the caller's locals.
                Expr::Name(n) if runs_now && !self.frame().env.contains_key(n) => {
                    if let Some(f) = self.frame().closures.get(n).copied() {
                        callbacks.push((f, true));
                    } else if let Some(f) = self.program.resolve_callee(self.module(), value) {
                        if !self.program.modules[f.module].is_entry_handler(f.function) {
                            callbacks.push((f, false));
                        }
                    }
                }
                _ => {}
            }
        }
        for a in &call.args {
            let v = self.eval(&a.value);
            args.push(ArgValue {
                name: a.name.clone(),
                value: v,
            });
        }
        let callee = self.callee_path(&call.callee, receiver.as_ref());
        let module = self.module();
        // Input parsed into a declared type by calling the type (pydantic's `InviteBody(**data)`,
        // Go's bind into a `var body inviteBody`): no code of the application's runs, and the
        // fields typed as a fixed set are allow-listed.
        if let (Expr::Name(type_name), Some(input)) = (call.callee.peel(), args.first()) {
            if self.program.resolve_callee(module, &call.callee).is_none() {
                if let Some(fixed) = self.input_type_fields(module, type_name) {
                    return parsed_into(input.value.clone(), fixed);
                }
            }
        }

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
                        fails_by_result: self.fails_by_result(module),
                        own: false,
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
        let own = closure.is_none() && Program::names_own_function(&call.callee, &targets);
        if targets.is_empty() {
            // A method of an object whose class the code does not name: every in-repo method of
            // that name that leads to an action (see `CallGraph::dispatch`).
            let by_name = self
                .program
                .dispatches_by_name(self.frame().func, &call.callee);
            if let (Expr::Member { property, .. }, true) = (call.callee.peel(), by_name) {
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
        let hands_result = self.summaries.hands_action_result(&args);
        let targets: Vec<FnRef> = targets
            .into_iter()
            // A local closure is run for what it returns too: its body is right there.
            .filter(|t| {
                Some(*t) == closure || hands_result || self.summaries.worth_expanding(*t, &callee)
            })
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
        let could_matter = (hands_result && !targets.is_empty())
            || targets
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
        node_args.extend(self.predicate_key(call));
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
                fails_by_result: self.fails_by_result(module),
                own,
            },
            call.span,
            label,
        );
        if let Some(catch) = self.catches.last_mut() {
            catch.push(node);
        }

        let reads_request = match call.callee.peel() {
            Expr::Name(name) if inline.is_empty() && !shadowed => self.program.modules[module]
                .imports
                .iter()
                .any(|imp| imp.local == *name && crate::frameworks::is_request_reader(imp)),
            _ => false,
        };
        let result = if reads_request {
            Value::Param {
                name: callee.clone(),
                role: ParamRole::Request,
            }
        } else if inline.is_empty() {
            let namespace = receiver.as_ref().is_none_or(|r| self.is_namespace(r));
            let capitals_construct = self.program.languages[module].capitals_construct();
            result_value(
                &callee,
                receiver.as_ref(),
                &args,
                namespace,
                capitals_construct,
            )
        } else {
            // One or several possible bodies (dynamic dispatch): each is a way through.
            let values: Vec<Value> = args.iter().map(|a| a.value.clone()).collect();
            let start = self.cur.clone();
            let mut ends = Vec::new();
            let mut results = Vec::new();
            let mut any_deny = false;
            // A closure (called by its local name, or written in place: Go's `go func() { … }()`)
            // sees the variables of the function it is written in.
            let written_here = closure.is_some() || matches!(call.callee.peel(), Expr::Function(_));
            for t in &inline {
                self.cur = start.clone();
                let (v, can_deny) = if written_here {
                    let captured = self.frame().env.clone();
                    self.inline_in(*t, &values, captured)
                } else {
                    self.inline(*t, &values)
                };
                any_deny |= can_deny;
                results.push(v);
                ends.extend(std::mem::take(&mut self.cur));
            }
            self.cur = ends;
            if let NodeKind::Call { can_deny: cd, .. } = &mut self.graph[node].kind {
                *cd = any_deny;
            }
            // Keep the helper's name on its result, so a check on it can be recognised.
            let returned = Value::Derived {
                from: Box::new(Value::either(results)),
                via: callee.clone(),
            };
            if let Some((depth, values)) = &mut self.condition_results {
                if *depth == self.frames.len() {
                    values.push(returned.clone());
                }
            }
            returned
        };

        // Input parsed by a schema that restricts some fields to fixed values: those fields are
        // allow-listed request input (`InviteSchema.parse(await req.json()).role`).
        let mut result = self.schema_parsed(call, &args).unwrap_or(result);
        // Callbacks passed to the call may run (or not) before it returns; some calls always run
        // theirs, and return what it returns (`Effect.gen(function* () { … })`).
        let always = crate::frameworks::always_runs_callback(call);
        for (t, closure) in callbacks {
            if self.frames.len() >= self.limits.max_inline_depth {
                break;
            }
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
            let captured = if closure {
                self.frame().env.clone()
            } else {
                HashMap::new()
            };
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

    /// Whether a `.catch(handler)` call drops the rejection: its handler is a function literal
    /// that only logs (see [`crate::ir::only_logs`]), or a console logger itself.
    fn swallows(&self, call: &Call) -> bool {
        let Some(handler) = call.args.first() else {
            return false;
        };
        match handler.value.peel() {
            Expr::Function(id) => {
                let f = &self.program.modules[self.module()].functions[*id];
                crate::ir::only_logs(&f.body)
            }
            other => other.path().is_some_and(|p| p.starts_with("console.")),
        }
    }

    /// The fields of the input type a declared type names (`InviteBody`, `Json<InviteBody>`)
    /// that parsing restricts to fixed values: `Literal[…]` or an enumeration.
    pub(super) fn fixed_fields_of_type(&self, module: usize, declared: &str) -> Vec<String> {
        self.input_type_fields(module, declared).unwrap_or_default()
    }

    /// [`Self::fixed_fields_of_type`], or `None` when the declared type names no input type.
    fn input_type_fields(&self, module: usize, declared: &str) -> Option<Vec<String>> {
        use crate::frameworks::validators;
        let (at, input) = validators::type_names(declared).find_map(|name| {
            self.program.lookup_named(module, name, |m, n| {
                m.input_types.iter().find(|t| t.name == n)
            })
        })?;
        let is_enum = |name: &str| {
            self.program
                .lookup_named(at, name, |m, n| {
                    m.enums.iter().any(|e| e == n).then_some(())
                })
                .is_some()
        };
        Some(
            input
                .fields
                .iter()
                .filter(|(name, ty)| {
                    validators::is_fixed_type(ty, is_enum) || input.checked.contains(name)
                })
                .map(|(field, _)| field.clone())
                .collect(),
        )
    }

    /// What a validation call returns when its schema (written inline, a module-level constant,
    /// or one imported from a parsed module) restricts fields to fixed values.
    fn schema_parsed(&self, call: &Call, args: &[ArgValue]) -> Option<Value> {
        use crate::frameworks::validators;
        // pydantic: `InviteBody.model_validate(data)`.
        if let Some(model) = validators::model_parse(call) {
            let fixed = self.fixed_fields_of_type(self.module(), model);
            if !fixed.is_empty() {
                return Some(parsed_into(args.first()?.value.clone(), fixed));
            }
        }
        let validation = validators::validation(call)?;
        let input = args.get(validation.input)?.value.clone();
        let fields = match validation.schema.peel() {
            Expr::Name(name) => {
                let (_, schema) =
                    self.program
                        .lookup_named(self.module(), name, top_level_value)?;
                validators::fixed_value_fields(schema)
            }
            inline => validators::fixed_value_fields(inline),
        };
        if fields.is_empty() {
            return None;
        }
        let parsed = parsed_into(input, fields);
        Some(if validation.wrapped {
            Value::Object {
                props: validators::WRAPPED_RESULT_KEYS
                    .iter()
                    .map(|k| (k.to_string(), parsed.clone()))
                    .collect(),
            }
        } else {
            parsed
        })
    }

    /// Inlines `t` with argument values; returns its result value and whether it can deny.
    pub(super) fn inline(&mut self, t: FnRef, args: &[Value]) -> (Value, bool) {
        self.inline_in(t, args, HashMap::new())
    }

    /// Inlines `t` on top of `base` bindings: a closure sees the variables of the function it
    /// is written in.
    pub(super) fn inline_in(
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
            tables: HashMap::new(),
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
    pub(super) fn callee_path(&self, callee: &Expr, receiver: Option<&Value>) -> String {
        if let (Expr::Member { property, .. }, Some(recv)) = (callee.peel(), receiver) {
            if let Value::Global { path } = recv.peel() {
                return format!("{path}.{property}");
            }
            if let Some(p) = value_path(recv) {
                return format!("{p}.{property}");
            }
        }
        if let Expr::Name(n) = callee.peel() {
            match self.frame().env.get(n).map(|v| v.peel()) {
                Some(Value::Global { path }) => return path.clone(),
                // A method kept in a local (`authenticate = client.user_management
                // .authenticate_with_code`): calling the local calls the method, named by
                // where it came from, or else as the code spells it (as the call graph does).
                // (Only a member read: the body is read again for it, never for the calls of
                // local closures and call results.)
                Some(method @ Value::Member { .. }) => {
                    if let Some(path) = value_path(method).or_else(|| {
                        let body = &self.program.function(self.frame().func).body;
                        crate::ir::method_references(body).remove(n)
                    }) {
                        return path;
                    }
                }
                _ => {}
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

/// The value a non-inlined call returns: request-derived if it reads from request input
/// (`request.json()`, `formData.get()`), otherwise the opaque result of the call.
/// The value a call returns when its body is not inlined. `namespace`: the call is a plain
/// function, or one of a package or built-in (`JSON.parse`, Go's `json.NewDecoder`), not a
/// method of an object. `capitals_construct`: see [`crate::lang::Language::capitals_construct`].
impl Builder<'_> {
    /// A list searched by a field of its records (`memberships.find((m) => m.userId ===
    /// session.user.id)`, `organizations.some((o) => o.id === teamId)`): the lookup is keyed by that field with the other side's value, as if
    /// the call were given `{ userId: session.user.id }`, so the record found is known to be
    /// the caller's own. Only an equality of a field of the predicate's one parameter with a
    /// name or member chain of the caller's code.
    fn predicate_key(&mut self, call: &Call) -> Option<ArgValue> {
        let Expr::Member { property, .. } = call.callee.peel() else {
            return None;
        };
        if !matches!(
            property.as_str(),
            "find" | "findLast" | "filter" | "some" | "findIndex"
        ) {
            return None;
        }
        let [arg] = call.args.as_slice() else {
            return None;
        };
        let Expr::Function(id) = arg.value.peel() else {
            return None;
        };
        let predicate = self.program.function(FnRef {
            module: self.module(),
            function: *id,
        });
        let (
            [param],
            [Stmt::Return {
                value: Some(body), ..
            }],
        ) = (predicate.params.as_slice(), predicate.body.as_slice())
        else {
            return None;
        };
        let Expr::Binary { op, left, right } = body.peel() else {
            return None;
        };
        if !matches!(op.as_str(), "===" | "==") {
            return None;
        }
        let field_of_param = |e: &Expr| match e.peel() {
            Expr::Member { object, property } if matches!(object.peel(), Expr::Name(n) if *n == param.name) => {
                Some(property.clone())
            }
            _ => None,
        };
        let (key, other) = match (field_of_param(left), field_of_param(right)) {
            (Some(key), None) => (key, right),
            (None, Some(key)) => (key, left),
            _ => return None,
        };
        // Evaluated here, where the predicate's other side lives; only a path, which adds no
        // node to the graph.
        other.path()?;
        let value = self.eval(other);
        Some(ArgValue {
            name: None,
            value: Value::Object {
                props: vec![(key, value)],
            },
        })
    }
}

/// Query builders' predicate functions (Drizzle, Kysely's `eb.and`): see [`result_value`].
const PREDICATE_BUILDERS: &[&str] = &["eq", "and", "or", "like", "ilike", "inArray"];

pub(super) fn result_value(
    callee: &str,
    receiver: Option<&Value>,
    args: &[ArgValue],
    namespace: bool,
    capitals_construct: bool,
) -> Value {
    if crate::cfg::value::is_conversion(callee) {
        if let Some(a) = args.first() {
            return Value::Derived {
                from: Box::new(a.value.clone()),
                via: callee.to_string(),
            };
        }
    }
    let method = callee.rsplit('.').next().unwrap_or(callee).to_string();
    // A query builder's predicate (Drizzle's `eq(users.email, email)`, `and(…)`): the values
    // it compares go into the lookup it is handed to (`db.select().from(users).where(…)`).
    if namespace && receiver.is_none() && PREDICATE_BUILDERS.contains(&method.as_str()) {
        return Value::Derived {
            from: Box::new(Value::either(
                args.iter().map(|a| a.value.clone()).collect(),
            )),
            via: callee.to_string(),
        };
    }
    let method_words = crate::workflow::label::words(&method);
    if let Some(digest) = digest_value(callee, &method, receiver, args, namespace) {
        return digest;
    }
    // Text as bytes (Python's `secret.encode()`, `s.encode("utf-8")`): the same data; not a
    // package's encoder (`jwt.encode(claims, key)`), which makes something new.
    if let Some(r) = receiver.filter(|_| method == "encode" && !namespace) {
        if args
            .iter()
            .all(|a| matches!(a.value.peel(), Value::Literal { .. }))
        {
            return Value::Derived {
                from: Box::new(r.clone()),
                via: crate::cfg::TEXT_AS_BYTES.into(),
            };
        }
    }
    if let Some(r) = receiver {
        // `f.bind(receiver)` is `f` with its receiver fixed.
        if method == "bind" && matches!(r.peel(), Value::Member { .. } | Value::Global { .. }) {
            return r.clone();
        }
        // `effect.pipe(Effect.mapError(…))`, `obs.pipe(map(…))`: operators applied to a value
        // keep where it came from.
        if method == "pipe" && !matches!(r.peel(), Value::Global { .. } | Value::Unknown) {
            return Value::Derived {
                from: Box::new(r.clone()),
                via: ".pipe".into(),
            };
        }
        if is_request_rooted(r) {
            // A keyed read (`searchParams.get("state")`, `r.FormValue("email")`): the key is
            // part of what was read, so `state` and `returnTo` are two values, not one.
            let via = match (
                is_keyed_reader(&method),
                args.first().map(|a| a.value.peel()),
            ) {
                (true, Some(Value::Literal { value })) => {
                    crate::cfg::value::keyed_read_via(&method, value)
                }
                _ => format!(".{method}"),
            };
            return Value::Derived {
                from: Box::new(r.clone()),
                via,
            };
        }
        // A decoder keeps what it decodes (`service.decode_state(state)`,
        // `serializer.loads(token)`): the request's input, or what a call returned
        // (`Input.parseAsync({ email: user.email })` in a helper handed the sign-in's user), in
        // another shape.
        let decodes = method_words.iter().any(|w| {
            matches!(
                w.as_str(),
                "decode" | "parse" | "deserialize" | "unmarshal" | "loads" | "unpack"
            )
        });
        if decodes {
            let holds_results = |v: &Value| {
                let mut calls = Vec::new();
                v.results_held(&mut calls);
                !calls.is_empty()
            };
            if let Some(a) = args
                .iter()
                .find(|a| is_request_rooted(&a.value) || holds_results(&a.value))
            {
                return Value::Derived {
                    from: Box::new(a.value.clone()),
                    via: callee.to_string(),
                };
            }
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
    // The memberships of one user (`listOrganizationMemberships({ userId: user.id })`): what
    // they name (their organizations) is that user's, so the caller's own when the user is.
    if let Some(user) = membership_listing_user(&method, args) {
        return Value::Derived {
            from: Box::new(user.clone()),
            via: callee.to_string(),
        };
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
    // The deployment's configuration, even when handed the request to find it
    // (`useRuntimeConfig(event)`), is no request input.
    if !reads_configuration(callee) {
        if let Some(a) = args.iter().find(|a| reads_request(&a.value)) {
            return Value::Derived {
                from: Box::new(a.value.clone()),
                via: callee.to_string(),
            };
        }
    }
    // `SendInvitationParams(role_slug="admin")`, `RoleSingle("admin")`: a constructor called
    // with its fields is the object it builds. Not a method of an object, nor in a language
    // whose capitalised calls are functions (Go's `hmac.Equal(a, b)`, `hmac.New(sha256.New, key)`,
    // `h.workos.ListOrganizationMemberships(ctx, opts)`).
    if capitals_construct
        && method
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_uppercase())
        && !args.is_empty()
        && namespace
        && !reads_configuration(callee)
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
    // An organization looked up by a key the request chose (`getOrganization(params.orgId)`,
    // `getOrganizationByExternalId(slug)`) is the organization the request named. Other records
    // looked up by request keys stay server data: their fields (a membership's
    // `organizationId`) are what a fetch-and-compare check compares.
    if !namespace
        && method_words
            .first()
            .is_some_and(|w| matches!(w.as_str(), "get" | "find" | "retrieve" | "fetch" | "lookup"))
        && method_words
            .iter()
            .take_while(|w| *w != "by")
            .last()
            .is_some_and(|w| matches!(w.as_str(), "organization" | "org"))
    {
        // The key, not the Go context handed first (`store.GetOrg(r.Context(), orgID)`).
        let key = args.iter().find(|a| !a.value.is_go_context());
        if let Some(a) = key.filter(|a| is_request_rooted(&a.value)) {
            return Value::Derived {
                from: Box::new(a.value.clone()),
                via: callee.to_string(),
            };
        }
    }
    // A configuration read with a fallback (`os.environ.get("SECRET", "")`, `os.getenv("K",
    // "dev")`, Ruby's `ENV.fetch("SECRET", "")`): where the deployment sets nothing, the
    // fallback is the value.
    if configuration_fallback_reader(callee) {
        if let Some(fallback) = args.get(1).filter(|a| a.name.is_none()) {
            return configuration_or(callee, fallback.value.clone());
        }
    }
    Value::CallResult {
        callee: callee.to_string(),
    }
}

/// A digest computed of a value ([`crate::cfg::value::DIGEST`]): a hash function given it
/// (`hashlib.sha256(b)`, `sha256.Sum256(b)`, `Digest::SHA256.hexdigest(s)`), Node's
/// `createHash(alg).update(s)`, and the digest read out of either (`.hexdigest()`, `.digest("hex")`).
fn digest_value(
    callee: &str,
    method: &str,
    receiver: Option<&Value>,
    args: &[ArgValue],
    namespace: bool,
) -> Option<Value> {
    let digest = |from: &Value| Value::Derived {
        from: Box::new(from.clone()),
        via: crate::cfg::value::DIGEST.into(),
    };
    let digested = |v: &Value| matches!(v.peel(), Value::Derived { via, .. } if via == crate::cfg::value::DIGEST);
    match receiver {
        Some(r) if digested(r) && matches!(method, "hexdigest" | "digest" | "base64digest") => {
            Some(r.clone())
        }
        Some(r) if method == "update" => {
            let Value::CallResult { callee: made } = r.peel() else {
                return None;
            };
            let input = args
                .first()
                .filter(|_| crate::ir::last_segment(made) == "createHash")?;
            Some(digest(&input.value))
        }
        // A package's function (`hashlib.sha256`), or a class method (`Digest::SHA256.hexdigest`).
        _ if (namespace || matches!(receiver.map(Value::peel), Some(Value::Global { .. })))
            && crate::cfg::value::is_digest(callee) =>
        {
            args.first().map(|a| digest(&a.value))
        }
        _ => None,
    }
}

/// Methods that read one entry of the request by its key (`get("state")`, Go's
/// `Query().Get("code")`, `FormValue("email")`, gin's `c.Param("id")`).
fn is_keyed_reader(method: &str) -> bool {
    matches!(
        method.to_ascii_lowercase().as_str(),
        "get"
            | "getall"
            | "get_all"
            | "getlist"
            | "query"
            | "defaultquery"
            | "param"
            | "params"
            | "urlparam"
            | "queryparam"
            | "pathparam"
            | "formvalue"
            | "postformvalue"
            | "getheader"
            | "header"
            | "cookie"
            | "fetch"
    )
}

/// Whether a value is (a field of) what a call returned.
/// Input parsed into a type or schema: the fields `fixed` to a set of values are allow-listed
/// (none: the input as it was).
pub(super) fn parsed_into(input: Value, fixed: Vec<String>) -> Value {
    if fixed.is_empty() {
        return input;
    }
    Value::SchemaInput {
        base: Box::new(input),
        validated: fixed,
    }
}

/// The value a module binds to `name` at its top level (`const InviteSchema = z.object(…)`).
fn top_level_value<'m>(module: &'m crate::ir::Module, name: &str) -> Option<&'m Expr> {
    module.top_level.iter().find_map(|stmt| match stmt {
        Stmt::Let {
            bindings,
            value: Some(value),
            ..
        } if bindings.len() == 1 && bindings[0].name == name && bindings[0].path.is_empty() => {
            Some(value)
        }
        _ => None,
    })
}

/// The user whose memberships a listing returns, all of them (`listOrganizationMemberships({
/// userId })`, `list_organization_memberships(user_id=…)`). A listing of one organization's
/// (`{ userId, organizationId }`) is a test of that membership instead, which the checks read
/// as a lookup.
pub(super) fn membership_listing_user<'a>(method: &str, args: &'a [ArgValue]) -> Option<&'a Value> {
    let words = crate::workflow::label::words(method);
    let lists = words
        .iter()
        .any(|w| matches!(w.as_str(), "list" | "find" | "get"));
    let memberships = words.iter().any(|w| w == "memberships");
    if !(lists && memberships) {
        return None;
    }
    let keyed = |keys: &[&str]| {
        let keys: Vec<String> = keys.iter().map(|k| k.to_string()).collect();
        crate::workflow::label::find_argument(args, &keys, None)
    };
    let organization = [
        "organizationId",
        "organization_id",
        "OrganizationID",
        "OrganizationId",
    ];
    if keyed(&organization).is_some() {
        return None;
    }
    keyed(&["userId", "user_id", "UserID", "UserId"])
}

pub(super) fn holds_call_result(v: &Value) -> bool {
    match v.peel() {
        Value::CallResult { .. } => true,
        // A membership listing keyed by a user (see `membership_listing_user`).
        Value::Derived { via, .. }
            if crate::workflow::label::words(crate::ir::last_segment(via))
                .iter()
                .any(|w| w == "memberships") =>
        {
            true
        }
        Value::Member { base, .. } => holds_call_result(base),
        // What a helper returned that may find nothing (`const session = await loadSession()`,
        // `return null` or a call's result): the call's result, when there is one.
        Value::Derived { from, via } if !is_text(via) => match from.peel() {
            Value::Either { options }
                if options.iter().any(crate::workflow::label::is_empty_value) =>
            {
                let present: Vec<&Value> = options
                    .iter()
                    .filter(|o| !crate::workflow::label::is_empty_value(o))
                    .collect();
                !present.is_empty() && present.into_iter().all(holds_call_result)
            }
            _ => false,
        },
        _ => false,
    }
}

pub(super) fn is_request_rooted(v: &Value) -> bool {
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
            crate::frameworks::REQUEST_CARRIERS.contains(&property.as_str())
        }
        // The request a helper hands its callback (`authkitLoader(args, ({ request }) => …)`).
        Value::Member { base, property }
            if matches!(base.peel(), Value::CallResult { .. })
                && matches!(property.as_str(), "req" | "request") =>
        {
            true
        }
        Value::Member { base, .. } => is_request_rooted(base),
        Value::Derived { from, .. } | Value::Validated { from } => is_request_rooted(from),
        Value::SchemaInput { base, .. } => is_request_rooted(base),
        Value::Either { options } => options.iter().any(is_request_rooted),
        _ => false,
    }
}

pub(super) fn merge_env(
    a: HashMap<String, Value>,
    mut b: HashMap<String, Value>,
) -> HashMap<String, Value> {
    let mut out = HashMap::new();
    for (k, va) in a {
        match b.remove(&k) {
            Some(vb) if vb == va => {
                out.insert(k, va);
            }
            Some(vb) => {
                // A value merged before is already `k` holding either of some values: its
                // alternatives join the new one's in one flat list, so a switch of hundreds of
                // cases does not nest (and compare, and clone) one level deeper per case.
                let of_k = |v: Value| match v {
                    Value::Var { name, value } if name == k => *value,
                    v => v,
                };
                let value = Value::either(vec![of_k(va), of_k(vb)]);
                out.insert(
                    k.clone(),
                    Value::Var {
                        name: k,
                        value: Box::new(value),
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

/// The `via` of text built from `head` (with value `head_value` when it is no literal text)
/// followed by `next`: [`ANCHORED_TEXT`] when the head fixes the address a browser sent to the
/// text goes to, else `plain`.
fn text_via(
    head: &Expr,
    head_value: Option<&Value>,
    next: Option<&Expr>,
    plain: &'static str,
) -> &'static str {
    let anchored = match leading_text(head) {
        Some(text) => fixes_address(text),
        None => head_value.is_some_and(|v| match v.peel() {
            Value::Derived { via, .. } if via == ANCHORED_TEXT => true,
            // A configured address (`${process.env.LOGIN_URL}/verify`, `BASE_URL + "?x="`),
            // closed by a path or query so nothing after it extends the host.
            v => {
                is_configured(v)
                    && next
                        .and_then(leading_text)
                        .is_some_and(|t| t.starts_with(['/', '?', '#']))
            }
        }),
    };
    if anchored {
        ANCHORED_TEXT
    } else {
        plain
    }
}

/// The literal text an expression starts with, when it starts with literal text.
pub(super) fn leading_text(e: &Expr) -> Option<&str> {
    match e.peel() {
        Expr::Literal(Literal::Str(s)) => Some(s),
        Expr::Template(parts) => parts.first().and_then(leading_text),
        Expr::Binary { op, left, .. } if op == "+" => leading_text(left),
        _ => None,
    }
}

/// Whether text starting this way can only address this site (`/path`, `?query`, `#frag`) or
/// one fixed host (`https://app.example/…`). Not `//host` or `/\\host`, which browsers read
/// as another host, and not a bare origin (`https://app.example` + `.evil.example`).
fn fixes_address(text: &str) -> bool {
    if let Some(path) = text.strip_prefix('/') {
        // `/` alone does not: the rest may start `/evil.example`.
        return path.starts_with(|c: char| c != '/' && c != '\\');
    }
    if text.starts_with(['?', '#']) {
        return true;
    }
    let Some((scheme, rest)) = text.split_once("://") else {
        return false;
    };
    let host_end = rest.find(['/', '?', '#']);
    !scheme.is_empty()
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '+')
        && host_end.is_some_and(|end| end > 0 && !rest[..end].contains('@'))
}

/// Whether every URL starting with `prefix` stays on one host, or the test of it is the one
/// that tells another host apart (`startsWith("//")`).
pub(crate) fn prefix_keeps_host(prefix: &str) -> bool {
    prefix.starts_with("//") || prefix.starts_with("/\\") || fixes_address(prefix)
}

/// Whether a callee reads the environment or the configuration (`os.Getenv`,
/// `os.environ.get`, `ENV.fetch`, `config.get`, Nuxt's `useRuntimeConfig(event)`).
pub(crate) fn reads_configuration(callee: &str) -> bool {
    callee.split(['.', ':']).any(|seg| {
        crate::workflow::label::words(seg).iter().any(|w| {
            matches!(
                w.as_str(),
                "env" | "getenv" | "lookupenv" | "environ" | "config" | "settings"
            )
        })
    })
}

/// A configuration reader whose second argument is the fallback (`os.environ.get`, `os.getenv`,
/// Ruby's `ENV.fetch`).
pub(crate) fn configuration_fallback_reader(callee: &str) -> bool {
    let method = callee.rsplit(['.', ':']).next().unwrap_or(callee);
    reads_configuration(callee)
        && matches!(
            method.to_ascii_lowercase().as_str(),
            "get" | "getenv" | "fetch"
        )
}

/// What a configuration reader with a fallback gives: what the deployment set, or the fallback.
pub(super) fn configuration_or(callee: &str, fallback: Value) -> Value {
    Value::either(vec![
        Value::CallResult {
            callee: callee.to_string(),
        },
        fallback,
    ])
}

/// A value the deployment sets, not the request: a literal, a module-level name, or what an
/// environment or configuration reader returned.
pub(crate) fn is_configured(v: &Value) -> bool {
    match v {
        Value::Literal { .. } | Value::Global { .. } => true,
        Value::CallResult { callee } => reads_configuration(callee),
        Value::Member { base, .. } => is_configured(base.peel()),
        Value::Either { options } => options.iter().all(|o| is_configured(o.peel())),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::{fixes_address, prefix_keeps_host};
    use crate::cfg::value::Value;
    use crate::cfg::NodeKind;
    use crate::lang::Language;

    fn call(callee: &str) -> Value {
        Value::CallResult {
            callee: callee.into(),
        }
    }

    fn member(base: Value, property: &str) -> Value {
        Value::Member {
            base: Box::new(base),
            property: property.into(),
        }
    }

    /// The value each branch condition of `f` sees for `name`, in source order.
    fn values_of(language: Language, source: &str, name: &str) -> Vec<Value> {
        let cfg = super::super::graph_of(language, source, "f");
        super::super::branch_conditions(&cfg)
            .into_iter()
            .flat_map(|c| c.values)
            .filter(|(n, _)| n == name)
            .map(|(_, v)| v.peel().clone())
            .collect()
    }

    #[test]
    fn what_holds_a_calls_result() {
        use super::holds_call_result;
        let null = Value::Literal {
            value: "null".into(),
        };
        let maybe = |via: &str, present: Value| Value::Derived {
            from: Box::new(Value::Either {
                options: vec![null.clone(), present],
            }),
            via: via.into(),
        };
        assert!(holds_call_result(&call("listMemberships")));
        // `memberships.data`: a field of the result.
        assert!(holds_call_result(&member(call("listMemberships"), "data")));
        assert!(!holds_call_result(&member(
            Value::Param {
                name: "req".into(),
                role: crate::ir::ParamRole::Request,
            },
            "body"
        )));
        // What a helper returned, `null` or the call's result.
        assert!(holds_call_result(&maybe("loadSession", call("getSession"))));
        assert!(!holds_call_result(&maybe("loadSession", null.clone())));
        // Text built around the result is text, not the result.
        assert!(!holds_call_result(&maybe(
            crate::cfg::value::TEMPLATE,
            call("getSession")
        )));
        // Null or fixed text is no call's result; nor is a pick between two calls' results
        // that can never be empty (only the may-find-nothing shape is read through).
        assert!(!holds_call_result(&maybe(
            "loadSession",
            Value::Literal {
                value: "guest".into()
            }
        )));
        assert!(!holds_call_result(&Value::Derived {
            from: Box::new(Value::Either {
                options: vec![call("a"), call("b")],
            }),
            via: "pick".into(),
        }));
    }

    #[test]
    fn what_is_rooted_in_the_request() {
        use super::is_request_rooted;
        use crate::ir::ParamRole;
        let param = |role: ParamRole| Value::Param {
            name: "p".into(),
            role,
        };
        let loader = call("authkitLoader");
        assert!(is_request_rooted(&param(ParamRole::Request)));
        assert!(is_request_rooted(&member(param(ParamRole::Input), "orgId")));
        // Input parsed by a schema is still input.
        assert!(is_request_rooted(&Value::SchemaInput {
            base: Box::new(member(param(ParamRole::Request), "body")),
            validated: vec!["role".into()],
        }));
        // The request a helper hands its callback, not any field of what it returned.
        assert!(is_request_rooted(&member(loader.clone(), "request")));
        assert!(!is_request_rooted(&member(loader.clone(), "user")));
        assert!(!is_request_rooted(&member(
            Value::Literal { value: "x".into() },
            "request"
        )));
        assert!(!is_request_rooted(&member(loader, "orgId")));
    }

    #[test]
    fn text_is_anchored_when_its_head_fixes_the_address() {
        use crate::cfg::value::{ANCHORED_TEXT, TEMPLATE};
        let via_of = |decl: &str| {
            let source =
                format!("function f(y, z) {{ {decl} if (u) {{ g(); }} }}\nfunction g() {{}}\n");
            match values_of(Language::TypeScript, &source, "u").as_slice() {
                [Value::Derived { via, .. }] => via.clone(),
                other => panic!("{decl}: {other:?}"),
            }
        };
        assert_eq!(via_of("const u = `/account/${y}`;"), ANCHORED_TEXT);
        // A configured origin closed by a path; not one followed by more of the request.
        assert_eq!(
            via_of("const u = `${process.env.LOGIN_URL}/verify?u=${y}`;"),
            ANCHORED_TEXT
        );
        assert_eq!(
            via_of("const u = `${process.env.LOGIN_URL}${y}`;"),
            TEMPLATE
        );
        // Text built on anchored text is anchored; on any other text, not.
        assert_eq!(
            via_of("const a = `/account/${y}`; const u = `${a}${z}`;"),
            ANCHORED_TEXT
        );
        assert_eq!(via_of("const a = `${y}`; const u = `${a}/p`;"), TEMPLATE);
    }

    #[test]
    fn a_capitalised_call_builds_an_object_only_where_capitals_construct() {
        use super::result_value;
        let args = [crate::cfg::ArgValue {
            name: None,
            value: Value::Literal {
                value: "admin".into(),
            },
        }];
        // Python's `RoleSingle("admin")`: the object it builds.
        assert!(matches!(
            result_value("RoleSingle", None, &args, true, true),
            Value::Object { .. }
        ));
        // Go's `hmac.Equal(a, b)`: a function's answer.
        assert_eq!(
            result_value("hmac.Equal", None, &args, true, false),
            call("hmac.Equal")
        );
        // A configuration reader spelled in capitals reads the configuration.
        assert_eq!(
            result_value("Config.Get", None, &args, true, true),
            call("Config.Get")
        );
        // A method of an object is no constructor.
        assert_eq!(
            result_value("client.Invite", None, &args, false, true),
            call("client.Invite")
        );
    }

    #[test]
    fn text_encoded_as_bytes_is_the_same_text_and_a_package_s_encoder_makes_another() {
        use super::result_value;
        let secret = Value::Var {
            name: "secret".into(),
            value: Box::new(Value::Literal {
                value: "\"dev\"".into(),
            }),
        };
        let encoding = [crate::cfg::ArgValue {
            name: None,
            value: Value::Literal {
                value: "\"utf-8\"".into(),
            },
        }];
        for args in [&encoding[..], &[]] {
            assert_eq!(
                result_value("secret.encode", Some(&secret), args, false, false),
                Value::Derived {
                    from: Box::new(secret.clone()),
                    via: ".encode".into()
                }
            );
        }
        // `jwt.encode(claims, key)`: a token made of its arguments, not the package.
        let claims = [crate::cfg::ArgValue {
            name: None,
            value: Value::Global {
                path: "claims".into(),
            },
        }];
        let jwt = Value::Global { path: "jwt".into() };
        assert_eq!(
            result_value("jwt.encode", Some(&jwt), &claims, true, false),
            call("jwt.encode")
        );
        // `serializer.encode(user)`: data of its own, not the serializer's.
        assert_eq!(
            result_value("serializer.encode", Some(&secret), &claims, false, false),
            call("serializer.encode")
        );
    }

    #[test]
    fn what_the_deployment_sets_is_configured() {
        use super::is_configured;
        assert!(is_configured(&Value::Literal {
            value: "https://app.example".into()
        }));
        assert!(is_configured(&Value::Global {
            path: "process.env.APP_URL".into()
        }));
        assert!(is_configured(&call("os.Getenv")));
        // Nuxt's `useRuntimeConfig(event).public.baseUrl`.
        assert!(is_configured(&member(
            member(call("useRuntimeConfig"), "public"),
            "baseUrl"
        )));
        assert!(!is_configured(&call("getUser")));
        assert!(!is_configured(&member(call("getUser"), "homeUrl")));
        assert!(!is_configured(&Value::Param {
            name: "req".into(),
            role: crate::ir::ParamRole::Request,
        }));
        // A configuration read or its fallback: configured only when every alternative is.
        let fallback = |other: Value| Value::either(vec![call("os.environ.get"), other]);
        assert!(is_configured(&fallback(Value::Literal {
            value: "".into()
        })));
        assert!(!is_configured(&fallback(call("getUser"))));
    }

    #[test]
    fn a_module_constant_with_a_fallback_is_the_configuration_or_the_fallback() {
        let literal = |v: &str| Value::Literal { value: v.into() };
        let global = |p: &str| Value::Global { path: p.into() };
        // What each branch of `f` reads (module names are no local variables), in source order.
        let values_of = |language: Language, source: &str, nth: usize| -> Vec<Value> {
            let cfg = super::super::graph_of(language, source, "f");
            super::super::branch_conditions(&cfg).remove(nth).reads
        };
        let ts = "const S = process.env.S || \"\";\nconst T = process.env.T ?? OTHER;\nfunction f() {\n  if (S) {\n    return 1;\n  }\n  if (T) {\n    return 2;\n  }\n}\n";
        assert_eq!(
            values_of(Language::TypeScript, ts, 0),
            vec![Value::either(vec![global("process.env.S"), literal("")])]
        );
        // No literal fallback: no constant, a name of the module.
        assert_eq!(values_of(Language::TypeScript, ts, 1), vec![global("T")]);
        let python = "import os\nS = os.environ.get(\"S\", \"\")\nC = cache.get(\"C\", \"\")\n\ndef f():\n    if S:\n        return 1\n    if C:\n        return 2\n";
        assert_eq!(
            values_of(Language::Python, python, 0),
            vec![Value::either(vec![call("os.environ.get"), literal("")])]
        );
        // A cache's default is no configuration's fallback.
        assert_eq!(values_of(Language::Python, python, 1), vec![Value::Unknown]);
        let ruby = "SECRET = ENV.fetch(\"S\", \"\")\n\ndef f\n  return 1 if SECRET\nend\n";
        assert_eq!(
            values_of(Language::Ruby, ruby, 0),
            vec![Value::either(vec![call("ENV.fetch"), literal("")])]
        );
    }

    #[test]
    fn a_configuration_object_s_fields_are_its_constants_or_the_paths_it_names() {
        let literal = |v: &str| Value::Literal { value: v.into() };
        let global = |p: &str| Value::Global { path: p.into() };
        let reads = |source: &str, nth: usize| -> Vec<Value> {
            let cfg = super::super::graph_of(Language::TypeScript, source, "f");
            super::super::branch_conditions(&cfg).remove(nth).reads
        };
        let ts = "const ENV = { S: process.env.S || \"\", URL: process.env.URL, NAME: \"app\" } as const;\nconst PAGES = { home: homePage, admin: adminPage };\nconst MERGED = { ...shared.defaults, S: process.env.S || \"\" };\nfunction f() {\n  if (ENV.S) {\n    return 1;\n  }\n  if (ENV.URL) {\n    return 2;\n  }\n  if (ENV.NAME) {\n    return 3;\n  }\n  if (PAGES.home) {\n    return 4;\n  }\n  if (MERGED.S) {\n    return 5;\n  }\n}\n";
        assert_eq!(
            reads(ts, 0),
            vec![Value::either(vec![global("process.env.S"), literal("")])]
        );
        assert_eq!(reads(ts, 1), vec![global("process.env.URL")]);
        assert_eq!(reads(ts, 2), vec![literal("app")]);
        // Not configuration objects: one of other names (handlers), and one spread from
        // elsewhere, whose fields idrift cannot all see.
        assert_eq!(reads(ts, 3), vec![global("PAGES.home")]);
        assert_eq!(reads(ts, 4), vec![global("MERGED.S")]);
    }

    #[test]
    fn a_configuration_read_with_a_fallback_may_be_the_fallback() {
        let literal = |v: &str| Value::Literal { value: v.into() };
        let python = "import os\n\ndef f(key):\n    a = os.environ.get(\"S\", \"\")\n    b = os.environ.get(\"S\")\n    c = os.getenv(\"S\", key)\n    d = os.environ.get(\"S\", default=\"x\")\n    if a or b or c or d:\n        return 1\n";
        let value = |name: &str| values_of(Language::Python, python, name).remove(0);
        assert_eq!(
            value("a"),
            Value::either(vec![call("os.environ.get"), literal("")])
        );
        assert_eq!(value("b"), call("os.environ.get"));
        assert!(matches!(value("c"), Value::Either { options } if options.len() == 2));
        // A default passed by name is some other parameter of some other reader.
        assert_eq!(value("d"), call("os.environ.get"));
        let ruby = "def f\n  s = ENV.fetch(\"S\", \"\")\n  return 1 if s\nend\n";
        assert_eq!(
            values_of(Language::Ruby, ruby, "s").remove(0),
            Value::either(vec![call("ENV.fetch"), literal("")])
        );
        // No fallback for a reader that is not one of configuration.
        let other = "def f():\n    s = cache.get(\"S\", \"\")\n    if s:\n        return 1\n";
        assert_eq!(
            values_of(Language::Python, other, "s").remove(0),
            call("cache.get")
        );
    }

    #[test]
    fn the_leading_text_of_templates_and_concatenations() {
        use super::leading_text;
        use crate::ir::{Expr, Literal};
        let text = |s: &str| Expr::Literal(Literal::Str(s.into()));
        let template = Expr::Template(vec![text("/a/"), Expr::Name("x".into())]);
        assert_eq!(leading_text(&template), Some("/a/"));
        let concat = Expr::Binary {
            op: "+".into(),
            left: Box::new(template.clone()),
            right: Box::new(Expr::Name("y".into())),
        };
        assert_eq!(leading_text(&concat), Some("/a/"));
        let product = Expr::Binary {
            op: "*".into(),
            left: Box::new(text("2")),
            right: Box::new(Expr::Name("y".into())),
        };
        assert_eq!(leading_text(&product), None);
        assert_eq!(leading_text(&Expr::Name("x".into())), None);
    }

    #[test]
    fn merged_branches_keep_one_flat_list_of_what_a_variable_may_hold() {
        use super::merge_env;
        use std::collections::HashMap;
        let lit = |v: &str| Value::Literal { value: v.into() };
        let var = |name: &str, v: Value| Value::Var {
            name: name.into(),
            value: Box::new(v),
        };
        let merged = |a: Value, b: Value| {
            merge_env(
                HashMap::from([("x".to_string(), a)]),
                HashMap::from([("x".to_string(), b)]),
            )
            .remove("x")
            .unwrap()
        };
        // The same value on both ways stays as it was.
        assert_eq!(merged(lit("1"), lit("1")), lit("1"));
        // `x` merged before: its alternatives join the new one's in one list.
        assert_eq!(
            merged(var("x", lit("1")), lit("2")),
            var(
                "x",
                Value::Either {
                    options: vec![lit("1"), lit("2")]
                }
            )
        );
        // Another variable's value keeps its name: `x = y` on one way.
        assert_eq!(
            merged(var("y", lit("1")), lit("2")),
            var(
                "x",
                Value::Either {
                    options: vec![var("y", lit("1")), lit("2")]
                }
            )
        );
        // A variable bound on one way only is kept.
        let out = merge_env(
            HashMap::from([("a".to_string(), lit("1"))]),
            HashMap::from([("b".to_string(), lit("2"))]),
        );
        assert_eq!(out.len(), 2);
    }

    #[test]
    fn a_catch_that_only_logs_swallows_the_refusal() {
        let source = |handler: &str| {
            format!(
                "function guard(u) {{ if (!u.admin) {{ throw new Error(\"no\"); }} }}\n\
                 function f(u) {{ guard(u).catch({handler}); act(); }}\n"
            )
        };
        let swallowed = |handler: &str| {
            let cfg = super::super::graph_of(Language::TypeScript, &source(handler), "f");
            cfg.graph.node_indices().any(|n| {
                matches!(&cfg.node(n).kind, NodeKind::Join { what } if what == crate::cfg::SWALLOWED)
            })
        };
        assert!(swallowed("() => {}"));
        assert!(swallowed("(e) => { console.error(e); }"));
        assert!(swallowed("console.error"));
        assert!(!swallowed("(e) => { throw e; }"));
        assert!(!swallowed("reportAndRethrow"));
        assert!(!swallowed(""));
    }

    #[test]
    fn an_operator_pipe_keeps_where_its_value_came_from() {
        let values = values_of(
            Language::TypeScript,
            "function f() { const x = getUser().pipe(map(1)); if (x) { g(); } }\n\
             function g() {}\n",
            "x",
        );
        assert!(
            matches!(&values[..], [Value::Derived { via, from }]
                if via == ".pipe" && matches!(from.peel(), Value::CallResult { .. })),
            "{values:?}"
        );
        // A package's own `pipe` (`Effect.pipe(…)`) is a function: its result is its own.
        let values = values_of(
            Language::TypeScript,
            "function f() { const y = Effect.pipe(a, b); if (y) { g(); } }\n\
             function g() {}\n",
            "y",
        );
        assert!(
            matches!(&values[..], [Value::CallResult { callee }] if callee == "Effect.pipe"),
            "{values:?}"
        );
    }

    #[test]
    fn a_model_parsed_from_input_allow_lists_its_fixed_fields() {
        let source = |field: &str| {
            format!(
                "from typing import Literal\n\
                 from pydantic import BaseModel\n\n\
                 class InviteBody(BaseModel):\n    email: str\n    role: {field}\n\n\
                 def f(request):\n    body = InviteBody.model_validate(request.json)\n    if body:\n        g()\n"
            )
        };
        let fixed = values_of(
            Language::Python,
            &source("Literal[\"member\", \"viewer\"]"),
            "body",
        );
        assert!(
            matches!(&fixed[..], [Value::SchemaInput { validated, .. }] if validated == &["role".to_string()]),
            "{fixed:?}"
        );
        // No field restricted: the model is the input as it came.
        let open = values_of(Language::Python, &source("str"), "body");
        assert!(
            !open.iter().any(|v| matches!(v, Value::SchemaInput { .. })),
            "{open:?}"
        );
    }

    #[test]
    fn prefixes_that_other_hosts_pass() {
        // `//evil.example` and `/\evil.example` start with "/"; a bare origin is extended by
        // `.evil.example` or `@evil.example`.
        for loose in [
            "/",
            "https://app.example",
            "https://app.example@evil",
            "http",
            "",
        ] {
            assert!(!prefix_keeps_host(loose), "{loose:?} keeps the host");
        }
        for tight in [
            "/app/",
            "/dashboard",
            "https://app.example/",
            "?tab=",
            "//",
            "/\\",
        ] {
            assert!(prefix_keeps_host(tight), "{tight:?} lets another host pass");
        }
    }

    #[test]
    fn text_fixes_its_address_only_up_to_a_path() {
        for fixed in [
            "/login?next=",
            "?step=2",
            "#top",
            "https://app.example/continue?x=",
            "svn+ssh://repo.example/trunk",
        ] {
            assert!(fixes_address(fixed), "{fixed:?} should fix the address");
        }
        // Another host: protocol-relative, backslash, a bare origin the rest extends
        // (`.evil.example`), credentials before the host, or no address at all.
        for open in [
            "/",
            "//",
            "/\\evil",
            "https://app.example",
            "https://user@evil.example/",
            // No host at all: browsers read `https:///evil.example` as `https://evil.example`.
            "https:///evil.example",
            "ht-tp://app.example/",
            "",
            "next=",
        ] {
            assert!(!fixes_address(open), "{open:?} should not fix the address");
        }
    }

    #[test]
    fn a_listing_of_all_a_users_memberships_is_keyed_by_that_user() {
        use crate::cfg::ArgValue;
        let user = Value::Global {
            path: "auth.user.id".into(),
        };
        let object = |keys: &[&str]| ArgValue {
            name: None,
            value: Value::Object {
                props: keys.iter().map(|k| (k.to_string(), user.clone())).collect(),
            },
        };
        let keyword = ArgValue {
            name: Some("user_id".into()),
            value: user.clone(),
        };
        let listing = super::membership_listing_user;
        assert_eq!(
            listing(
                "listOrganizationMemberships",
                &[object(&["userId", "limit"])]
            ),
            Some(&user)
        );
        assert_eq!(
            listing(
                "list_organization_memberships",
                std::slice::from_ref(&keyword)
            ),
            Some(&user)
        );
        // One organization's membership is a test of it, not the user's organizations.
        assert_eq!(
            listing(
                "listOrganizationMemberships",
                &[object(&["userId", "organizationId"])]
            ),
            None
        );
        // Not a listing of memberships.
        assert_eq!(listing("getUser", &[object(&["userId"])]), None);
        assert_eq!(listing("listUsers", &[object(&["userId"])]), None);
    }
}
