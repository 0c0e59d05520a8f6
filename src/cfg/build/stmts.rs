//! Statements: branches, loops, returns, throws and the refusals they make.

use super::*;

impl<'p> Builder<'p> {
    pub(super) fn stmts(&mut self, stmts: &[Stmt]) {
        for s in stmts {
            if self.cur.is_empty() || self.truncated {
                // Unreachable code after return/throw: nothing flows into it.
                return;
            }
            self.stmt(s);
        }
    }

    /// A join that the refusals raised in a protected stretch (`throwers`) reach by exception
    /// edges: a `catch` block's entry, or where a rejected promise is dropped.
    pub(super) fn catch_join(
        &mut self,
        what: &str,
        span: Span,
        throwers: Vec<NodeIndex>,
    ) -> NodeIndex {
        let file = self.program.modules[self.module()].path.clone();
        let function = self.program.function(self.frame().func).name.clone();
        let join = self.graph.add_node(CfgNode {
            kind: NodeKind::Join { what: what.into() },
            file,
            span,
            label: what.into(),
            function,
        });
        for t in throwers {
            self.graph.add_edge(t, join, Edge::Exception);
        }
        join
    }

    /// Runs `f` with the refusals it raises caught and dropped: execution goes on after it
    /// whether they happen or not (an unawaited promise, a `.catch(() => {})`).
    pub(super) fn with_refusals_caught<T>(
        &mut self,
        what: &str,
        span: Span,
        f: impl FnOnce(&mut Self) -> T,
    ) -> T {
        self.catches.push(Vec::new());
        let out = f(self);
        let throwers = self.catches.pop().unwrap_or_default();
        if !throwers.is_empty() {
            let join = self.catch_join(what, span, throwers);
            self.cur.push((join, Edge::Normal));
        }
        out
    }

    /// Whether a call runs a function of the application declared `async`.
    fn calls_async(&self, call: &crate::ir::Call) -> bool {
        self.program
            .resolve_callee_all(self.module(), &call.callee)
            .iter()
            .any(|f| self.program.function(*f).is_async)
    }

    pub(super) fn stmt(&mut self, stmt: &Stmt) {
        match stmt {
            Stmt::Expr { expr, span } => {
                // `requirePermission(x);` without `await` on an async guard: its refusal is a
                // rejected promise nobody waits for (in Python and Rust the body never runs),
                // so the request goes on whether it refused or not.
                let unawaited = matches!(expr, Expr::Call(call) if self.calls_async(call));
                if unawaited {
                    self.with_refusals_caught(crate::cfg::NOT_AWAITED, *span, |b| {
                        b.eval(expr);
                    });
                } else {
                    self.eval(expr);
                }
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
                if let (Some(table), [binding]) =
                    (value.as_ref().and_then(handler_table), bindings.as_slice())
                {
                    if binding.path.is_empty() {
                        self.frame_mut().tables.insert(binding.name.clone(), table);
                    }
                }
                let v = match value {
                    Some(e) => self.eval(e),
                    None => Value::Unknown,
                };
                self.bind(bindings, v);
            }
            Stmt::Assign {
                target,
                value,
                span,
            } => {
                let v = self.eval(value);
                if let Some(place) = target.peel().path().filter(|p| keeps_for_later_requests(p)) {
                    let label = self.source_line(self.module(), *span);
                    self.push(
                        NodeKind::Store {
                            target: place,
                            value: v.clone(),
                        },
                        *span,
                        label,
                    );
                }
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
                let decided = self.url_path.as_ref().and_then(|tests| {
                    tests.decide(self.frame().func, cond, &|name| self.lookup(name))
                });
                let b = self.push(
                    NodeKind::Branch {
                        condition: Box::new(condition),
                        polarity,
                    },
                    *span,
                    label,
                );
                // A test of the request's path this entry always passes or always fails:
                // only that way is taken.
                if let Some(taken) = decided {
                    self.decided.push(b);
                    let (edge, body) = if taken {
                        (Edge::True, then)
                    } else {
                        (Edge::False, otherwise)
                    };
                    self.cur = vec![(b, edge)];
                    self.stmts(body);
                    return;
                }
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
                let mut condition = self.condition(subject);
                // A switch's case edges each test another value: no one test.
                condition.formula = Formula::Opaque;
                for test in cases.iter().filter_map(|c| c.test.as_ref()) {
                    crate::ir::visit_expr(test, &mut |e| match e {
                        Expr::Literal(crate::ir::Literal::Str(s)) => {
                            condition.written_strings.push(s.clone());
                        }
                        // `case EventTypeInvitationAccepted:`: the text a constant holds.
                        Expr::Name(n) => {
                            if let Value::Literal { value } = self.lookup(n).peel() {
                                condition.written_strings.push(value.clone());
                            }
                        }
                        _ => {}
                    });
                }
                let sw = self.push(
                    NodeKind::Branch {
                        condition: Box::new(condition),
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
                // Each case starts from the values before the switch (or, falling through, from
                // the previous case's); after it, a variable holds what any case that goes on
                // left in it.
                let env_before = self.frame().env.clone();
                let mut fall_env: Option<HashMap<String, Value>> = None;
                let mut env_after: Option<HashMap<String, Value>> = None;
                for case in cases {
                    has_default |= case.test.is_none();
                    // A case is entered when its test matched; the default when none did (the
                    // branch's false side, as an `else`).
                    let side = if case.test.is_none() {
                        Edge::False
                    } else {
                        Edge::True
                    };
                    self.frame_mut().env = fall_env.take().unwrap_or_else(|| env_before.clone());
                    self.cur = vec![(sw, side)];
                    self.cur.append(&mut fall);
                    let breaks_before = self.loops.last().map_or(0, |(_, b)| b.len());
                    self.stmts(&case.body);
                    // A case goes on past the switch by its end or by a `break`.
                    let broke = self.loops.last().map_or(0, |(_, b)| b.len()) > breaks_before;
                    let env = std::mem::take(&mut self.frame_mut().env);
                    if case.falls_through {
                        fall = std::mem::take(&mut self.cur);
                        fall_env = Some(env);
                    } else if !self.cur.is_empty() || broke {
                        after.extend(std::mem::take(&mut self.cur));
                        env_after = Some(match env_after {
                            Some(merged) => merge_env(merged, env),
                            None => env,
                        });
                    }
                }
                after.extend(fall);
                if let Some(env) = fall_env {
                    env_after = Some(match env_after {
                        Some(merged) => merge_env(merged, env),
                        None => env,
                    });
                }
                if !has_default {
                    after.push((sw, Edge::False));
                    env_after = Some(match env_after {
                        Some(merged) => merge_env(merged, env_before.clone()),
                        None => env_before.clone(),
                    });
                }
                self.frame_mut().env = env_after.unwrap_or(env_before);
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
                    let entry = self.catch_join(crate::cfg::CATCH, *span, throwers);
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
                // A helper that hands back the record only when a test holds (`return m &&
                // m.organizationId === orgId ? m : null`): the test is a branch of its own, so
                // a caller refusing on the empty answer is refused by it.
                if self.frame().kind == FrameKind::Inlined {
                    if let Some(branch) = value.as_ref().and_then(|v| record_or_nothing(v, *span)) {
                        return self.stmt(&branch);
                    }
                }
                let v = match value {
                    Some(e) => self.eval(e),
                    None => Value::Unknown,
                };
                let hook = self.frame().kind == FrameKind::Hook;
                let denial = value
                    .as_ref()
                    .is_some_and(|e| is_denial_response(e) || (hook && is_redirect_response(e)));
                let label = self.source_line(self.module(), *span);
                let kind = self.frame().kind;
                let returned = (kind == FrameKind::Root).then(|| v.clone());
                let n = self.push(
                    NodeKind::Return {
                        denial,
                        value: returned,
                    },
                    *span,
                    label,
                );
                self.cur.clear();
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

    pub(super) fn bind(&mut self, bindings: &[Binding], v: Value) {
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
    pub(super) fn condition(&mut self, cond: &Expr) -> Condition {
        // Conditions nest (an inlined helper has its own): keep the enclosing one's results.
        let enclosing = self
            .condition_results
            .replace((self.frames.len(), Vec::new()));
        self.eval(cond);
        let inlined_results = std::mem::replace(&mut self.condition_results, enclosing)
            .map(|(_, values)| values)
            .unwrap_or_default();
        let mut c = Condition::default();
        cond.mentioned_names(&mut c.names);
        cond.literal_values(&mut c.literals);
        crate::ir::visit_expr(cond, &mut |e| {
            if let Expr::Literal(crate::ir::Literal::Str(s)) = e {
                c.written_strings.push(s.clone());
            }
        });
        cond.for_each_call(&mut |call| {
            if let Some(p) = call.callee.path() {
                c.calls.push(p);
            }
        });
        self.comparisons(cond, &mut c.comparisons);
        let mut tables: Vec<(Expr, Expr)> = Vec::new();
        crate::ir::visit_expr(cond, &mut |e| {
            if let Expr::Index { object, index } = e {
                tables.push(((**object).clone(), (**index).clone()));
            }
        });
        for (table, key) in &tables {
            if !super::exprs::is_request_rooted(&self.peek(table, 0)) {
                c.lookups.push(self.peek(key, 0).stripped());
            }
        }
        let mut chains = Vec::new();
        read_chains(cond, &mut chains);
        // A predicate written in place (`roles.some((r) => r.slug === role)`) tests what it
        // takes from the enclosing code (`role`) as surely as the condition itself would; its
        // own parameters (`r`) are the items, read elsewhere.
        let module = &self.program.modules[self.module()];
        cond.for_each_call(&mut |call| {
            for a in &call.args {
                let Expr::Function(id) = a.value.peel() else {
                    continue;
                };
                let f = &module.functions[*id];
                if let [crate::ir::Stmt::Return { value: Some(v), .. }] = f.body.as_slice() {
                    let mut inner = Vec::new();
                    read_chains(v, &mut inner);
                    chains.extend(inner.into_iter().filter(|e| {
                        let mut roots = Vec::new();
                        root_names(e, &mut roots);
                        !roots.iter().any(|r| {
                            f.params
                                .iter()
                                .any(|p| &p.name == r || p.bindings.iter().any(|b| &b.name == r))
                        })
                    }));
                }
            }
        });
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
        // A helper's result tested in place is tested like one kept in a variable first: a
        // branch on `sigOk(…)` is one on the `timingSafeEqual` it returns.
        for v in c.values.iter().map(|(_, v)| v).chain(&inlined_results) {
            v.producing_calls(&mut c.value_calls);
        }
        c.value_calls.sort();
        c.value_calls.dedup();
        c.formula = self.formula(cond, 0);
        cond.for_each_call(&mut |call| c.prefix_tests.extend(self.prefix_test(call)));
        for (side, negated) in [(0, false), (1, true)] {
            let mut parts = Vec::new();
            disjuncts(cond, negated, &mut parts, 0);
            if parts.len() > 1 {
                c.alternatives[side] = parts
                    .into_iter()
                    .map(|part| {
                        let mut chains = Vec::new();
                        read_chains(part, &mut chains);
                        chains
                            .into_iter()
                            .map(|e| self.peek(e, 0).stripped())
                            .collect()
                    })
                    .collect();
            }
        }
        c
    }

    /// A condition as tests of stable values (see [`Formula`]): `token && !user.admin`,
    /// `kind === "invite"`. A test of anything else is opaque.
    fn formula(&self, e: &Expr, depth: usize) -> Formula {
        if depth > 16 {
            return Formula::Opaque;
        }
        let stable = |e: &Expr| {
            let v = self.peek(e, 0).stripped();
            v.is_stable().then(|| format!("{v:?}"))
        };
        match e.peel() {
            Expr::Unary { op, operand } if op == "!" || op == "not" => {
                Formula::Not(Box::new(self.formula(operand, depth + 1)))
            }
            Expr::Binary { op, left, right } => {
                let both = || {
                    vec![
                        self.formula(left, depth + 1),
                        self.formula(right, depth + 1),
                    ]
                };
                match op.as_str() {
                    "&&" | "and" => Formula::All(both()),
                    "||" | "or" => Formula::Any(both()),
                    "==" | "===" | "!=" | "!==" | "is" | "is not" => {
                        let (Some(l), Some(r)) = (stable(left), stable(right)) else {
                            return Formula::Opaque;
                        };
                        // `a == b` and `b == a` are one test.
                        let (l, r) = if l <= r { (l, r) } else { (r, l) };
                        let test = Formula::Test(format!("{l} == {r}"));
                        if matches!(op.as_str(), "!=" | "!==" | "is not") {
                            Formula::Not(Box::new(test))
                        } else {
                            test
                        }
                    }
                    _ => Formula::Opaque,
                }
            }
            Expr::Name(_) | Expr::Member { .. } => match stable(e) {
                Some(key) => Formula::Test(key),
                None => Formula::Opaque,
            },
            _ => Formula::Opaque,
        }
    }

    /// A prefix test (`url.startsWith(p)`, `u.startswith(("/a", "/b"))`, Go's
    /// `strings.HasPrefix(u, p)`, Ruby's `u.start_with?(p)`), with what its prefix says about
    /// the host: the loosest of several prefixes decides.
    fn prefix_test(&self, call: &crate::ir::Call) -> Option<PrefixTest> {
        let path = call.callee.path()?;
        let name = crate::ir::last_segment(&path);
        if !PREFIX_TESTS.contains(&name) {
            return None;
        }
        // Go's is a function of both; the others are methods of the subject.
        let (subject, prefixes): (&Expr, Vec<&Expr>) = match (name, &call.callee) {
            ("HasPrefix", _) => match call.args.as_slice() {
                [s, p] => (&s.value, vec![&p.value]),
                _ => return None,
            },
            (_, Expr::Member { object, .. }) => {
                (object, call.args.iter().map(|a| &a.value).collect())
            }
            _ => return None,
        };
        let prefixes: Vec<&Expr> = prefixes
            .into_iter()
            .flat_map(|p| match p.peel() {
                Expr::Array(items) => items.iter().collect(),
                _ => vec![p],
            })
            .collect();
        if prefixes.is_empty() {
            return None;
        }
        let kinds: Vec<Prefix> = prefixes.into_iter().map(|p| self.prefix(p)).collect();
        let loosest = kinds
            .iter()
            .find(|k| matches!(k, Prefix::OtherHosts(_) | Prefix::Configured(_)))
            .or_else(|| kinds.iter().find(|k| **k == Prefix::Unknown))
            .unwrap_or(&Prefix::KeepsHost)
            .clone();
        Some(PrefixTest {
            subject: self.peek(subject, 0),
            prefix: loosest,
        })
    }

    /// What one prefix says about the host of the URLs that start with it.
    fn prefix(&self, e: &Expr) -> Prefix {
        // Text built by parts (`${APP_URL}/`, `BASE + "/app"`): its head, and what follows.
        let mut parts = Vec::new();
        concatenated_parts(e, &mut parts);
        let (head, next) = (parts[0], parts.get(1).copied());
        let whole = parts.len() == 1;
        // Written text, or a name holding it (a module constant).
        let head_value = self.peek(head, 0);
        if let Value::Literal { value: text } = head_value.peel() {
            return if super::exprs::prefix_keeps_host(text) {
                Prefix::KeepsHost
            } else if whole {
                Prefix::OtherHosts(text.clone())
            } else {
                // `/${x}`: the rest may or may not close the host.
                Prefix::Unknown
            };
        }
        if !super::exprs::is_configured(head_value.peel()) {
            return Prefix::Unknown;
        }
        match next {
            None => Prefix::Configured(configured_name(head)),
            // A configured origin closed by a path (`${APP_URL}/`).
            Some(n)
                if super::exprs::leading_text(n)
                    .is_some_and(|t| t.starts_with(['/', '?', '#'])) =>
            {
                Prefix::KeepsHost
            }
            Some(_) => Prefix::Unknown,
        }
    }

    pub(super) fn comparisons(&self, e: &Expr, out: &mut Vec<Comparison>) {
        self.comparisons_on_sides(e, (Some(Edge::True), Some(Edge::False)), out);
    }

    /// The comparisons of `e`, where `(holds, fails)` are the branch sides on which `e` is known
    /// to be true and false: `!` swaps them, an `and` keeps only where its parts all hold, an
    /// `or` only where they all fail.
    fn comparisons_on_sides(
        &self,
        e: &Expr,
        (holds, fails): (Option<Edge>, Option<Edge>),
        out: &mut Vec<Comparison>,
    ) {
        match e.peel() {
            Expr::Binary { op, left, right } => match op.as_str() {
                "==" | "===" | "is" => out.push(self.comparison(left, right, holds, fails)),
                "!=" | "!==" | "is not" => out.push(self.comparison(left, right, fails, holds)),
                "&&" | "and" => {
                    self.comparisons_on_sides(left, (holds, None), out);
                    self.comparisons_on_sides(right, (holds, None), out);
                }
                "||" | "or" => {
                    self.comparisons_on_sides(left, (None, fails), out);
                    self.comparisons_on_sides(right, (None, fails), out);
                }
                _ => {
                    self.comparisons_on_sides(left, (None, None), out);
                    self.comparisons_on_sides(right, (None, None), out);
                }
            },
            Expr::Unary { op, operand } if op == "!" || op == "not" => {
                self.comparisons_on_sides(operand, (fails, holds), out)
            }
            Expr::Unary { operand, .. } => self.comparisons_on_sides(operand, (None, None), out),
            Expr::Call(c) => match equality_call(c) {
                // An equality written as a call: Ruby's `a.casecmp?(b)` / `a.eql?(b)`,
                // Java-style `a.equals(b)`, Go's `strings.EqualFold(a, b)`, constant-time
                // compares (`secrets.compare_digest(a, b)`, `crypto.timingSafeEqual(a, b)`).
                Some((left, right)) => out.push(self.comparison(left, right, holds, fails)),
                None => c
                    .args
                    .iter()
                    .for_each(|a| self.comparisons_on_sides(&a.value, (None, None), out)),
            },
            _ => {}
        }
    }

    /// One equality between two expressions, with what each side names and holds.
    fn comparison(
        &self,
        left: &Expr,
        right: &Expr,
        equal_side: Option<Edge>,
        unequal_side: Option<Edge>,
    ) -> Comparison {
        let mut l = Vec::new();
        let mut r = Vec::new();
        left.mentioned_names(&mut l);
        right.mentioned_names(&mut r);
        // A value read by key is named by its key: `searchParams.get("state")`,
        // `request.args.get("state")`, Go's `r.URL.Query().Get("state")`.
        l.extend(keyed_read(left));
        r.extend(keyed_read(right));
        let left_value = self.peek(left, 0);
        let right_value = self.peek(right, 0);
        // And by the names of what it is the same data as (`returned_digest` holds a digest of
        // `request.args.get("state")`).
        left_value.same_data_names(&mut l);
        right_value.same_data_names(&mut r);
        Comparison {
            left: l,
            right: r,
            left_is_literal: is_literalish(left),
            right_is_literal: is_literalish(right),
            left_value,
            right_value,
            equal_side,
            unequal_side,
        }
    }

    /// The value of an expression without adding nodes (for conditions already evaluated).
    pub(super) fn peek(&self, e: &Expr, depth: usize) -> Value {
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
                // `normalizeEmail(user.email) !== normalizeEmail(invitation.email)`: a function
                // that only normalises text keeps whose text it is.
                if let (Some(path), [only]) = (c.callee.path(), c.args.as_slice()) {
                    if crate::cfg::value::is_text_normaliser(&path)
                        || crate::cfg::value::is_conversion(&path)
                    {
                        return Value::Derived {
                            from: Box::new(self.peek(&only.value, depth + 1)),
                            via: path,
                        };
                    }
                }
                let receiver = match &c.callee {
                    Expr::Member { object, .. } => Some(self.peek(object, depth + 1)),
                    _ => None,
                };
                let callee = self.callee_path(&c.callee, receiver.as_ref());
                result_value(&callee, receiver.as_ref(), &[], false, false)
            }
            _ => Value::Unknown,
        }
    }
}

/// The maximal name and member chains an expression reads (`input.role` in
/// `ROLES.includes(input.role)`, and `ROLES`).
pub(super) fn read_chains<'e>(e: &'e Expr, out: &mut Vec<&'e Expr>) {
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

/// How a configured value is read, as written: `process.env.APP_URL`, `os.Getenv("APP_URL")`,
/// `os.environ["APP_URL"]`, `ENV.fetch("APP_URL")`.
fn configured_name(e: &Expr) -> String {
    let key = |k: &Expr| match k.peel() {
        Expr::Literal(crate::ir::Literal::Str(s)) => format!("{s:?}"),
        _ => "…".to_string(),
    };
    match e.peel() {
        Expr::Call(c) => format!(
            "{}({})",
            c.callee.path().unwrap_or_default(),
            c.args.first().map(|a| key(&a.value)).unwrap_or_default()
        ),
        Expr::Index { object, index } => {
            format!("{}[{}]", object.path().unwrap_or_default(), key(index))
        }
        other => other.path().unwrap_or_else(|| "a configured value".into()),
    }
}

/// The parts of text built by a template or `+`, in order (one part for anything else).
fn concatenated_parts<'e>(e: &'e Expr, out: &mut Vec<&'e Expr>) {
    match e.peel() {
        Expr::Template(parts) if !parts.is_empty() => out.extend(parts.iter()),
        Expr::Binary { op, left, right } if op == "+" => {
            concatenated_parts(left, out);
            concatenated_parts(right, out);
        }
        _ => out.push(e),
    }
}

/// Names at the root of member chains in an expression (`user` in `user.role`).
pub(super) fn root_names(e: &Expr, out: &mut Vec<String>) {
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

/// The alternatives of a condition (or of its negation, with `negated`), any one of which makes
/// it hold: `a || b` gives `a`, `b`; `!(a && b)` gives `a`, `b` (each negated).
fn disjuncts<'e>(e: &'e Expr, negated: bool, out: &mut Vec<&'e Expr>, depth: usize) {
    if depth > 16 {
        out.push(e);
        return;
    }
    match e.peel() {
        Expr::Unary { op, operand } if op == "!" || op == "not" => {
            disjuncts(operand, !negated, out, depth + 1)
        }
        Expr::Binary { op, left, right }
            if (!negated && matches!(op.as_str(), "||" | "or"))
                || (negated && matches!(op.as_str(), "&&" | "and")) =>
        {
            disjuncts(left, negated, out, depth + 1);
            disjuncts(right, negated, out, depth + 1);
        }
        _ => out.push(e),
    }
}

/// The two sides of an equality written as a call (see `comparisons`).
fn equality_call(c: &crate::ir::Call) -> Option<(&Expr, &Expr)> {
    let path = c.callee.path()?;
    let last = path.rsplit('.').next().unwrap_or(&path);
    match (last, &c.callee, c.args.as_slice()) {
        (
            "casecmp?" | "eql?" | "equal?" | "equals" | "equalsIgnoreCase",
            Expr::Member { object, .. },
            [other],
        ) => Some((object.as_ref(), &other.value)),
        (
            "EqualFold"
            | "compare_digest"
            | "timingSafeEqual"
            | "secure_compare"
            | "ConstantTimeCompare"
            | "constant_time_compare",
            _,
            [a, b],
        ) => Some((&a.value, &b.value)),
        _ => None,
    }
}

pub(super) fn is_literalish(e: &Expr) -> bool {
    matches!(e.peel(), Expr::Literal(_)) || matches!(e.peel(), Expr::Name(n) if n == "undefined")
}

/// Whether the true side of a condition means "allowed".
pub(super) fn polarity(cond: &Expr) -> Option<Polarity> {
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
            // `{ status: 403 }`; a number under another key is data (`{ count: 404 }`).
            Expr::Object(props) => props.iter().any(|p| {
                if matches!(
                    p.key.as_str(),
                    "status" | "statusCode" | "status_code" | "code"
                ) {
                    status_literal(&p.value)
                } else {
                    !matches!(p.value.peel(), Expr::Literal(_)) && walk(&p.value)
                }
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
pub(super) fn is_redirect_response(e: &Expr) -> bool {
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

pub(super) fn is_redirect(e: &Expr) -> bool {
    match e.peel() {
        Expr::Call(c) => c
            .callee
            .path()
            .map(|p| p == "redirect" || p == "permanentRedirect")
            .unwrap_or(false),
        _ => false,
    }
}

/// The key of a read by key (`params.get("state")`, `r.FormValue("state")`), if `e` is one.
fn keyed_read(e: &Expr) -> Option<String> {
    let Expr::Call(call) = e.peel() else {
        return None;
    };
    let method = call.callee.path()?;
    let method = method.rsplit('.').next().unwrap_or(&method);
    if !matches!(
        method,
        "get"
            | "Get"
            | "getAll"
            | "FormValue"
            | "PostFormValue"
            | "param"
            | "Param"
            | "pop"
            | "fetch"
            | "getParameter"
            | "QueryParam"
            | "Query"
            | "Cookie"
    ) {
        return None;
    }
    match call.args.first().map(|a| a.value.peel()) {
        Some(Expr::Literal(crate::ir::Literal::Str(key))) => Some(key.clone()),
        _ => None,
    }
}

/// The entries of an object literal whose every value is a function or names one (`{
/// "dsync.user.created": onCreated, "dsync.user.deleted": async (e) => … }`): a table of
/// handlers a computed key picks from.
pub(super) fn handler_table(e: &Expr) -> Option<Vec<Property>> {
    let Expr::Object(props) = e.peel() else {
        return None;
    };
    let callable = |v: &Expr| {
        matches!(
            v.peel(),
            Expr::Function(_) | Expr::Name(_) | Expr::Member { .. }
        )
    };
    (!props.is_empty() && props.iter().all(|p| p.key != "..." && callable(&p.value)))
        .then(|| props.clone())
}

/// Whether an assigned place is kept for the caller's later requests: a field of the session or
/// a cookie (`req.session.orgId`, `session["org_id"]`, `session.Values["org"]`,
/// `cookies[:org_id]`), not of a local object or the response being built.
fn keeps_for_later_requests(place: &str) -> bool {
    let mut segments = place.split('.');
    // The written field itself (`session` alone is the variable being reassigned).
    segments.next_back();
    segments.any(|s| {
        let s = s.trim_end_matches("()").to_ascii_lowercase();
        matches!(s.as_str(), "session" | "cookies" | "cookie")
    })
}

/// `cond ? record : null` (either way round): a value handed back only when `cond` holds, with
/// nothing (`null`, `undefined`, `None`, `nil`, `false`) otherwise. Only when `cond` compares
/// two values (`m.organizationId === orgId`): a test against a literal (`value !== "null"`) is
/// a normalisation, not a test of whom the record is for. Written as the `if` it means.
fn record_or_nothing(e: &Expr, span: Span) -> Option<Stmt> {
    let Expr::Conditional {
        cond,
        then,
        otherwise,
    } = e.peel()
    else {
        return None;
    };
    let nothing = |e: &Expr| {
        matches!(
            e.peel(),
            Expr::Literal(Literal::Null) | Expr::Literal(Literal::Bool(false))
        ) || matches!(e.peel(), Expr::Name(n) if matches!(n.as_str(), "undefined" | "None" | "nil"))
    };
    let mut compares_values = false;
    crate::ir::visit_expr(cond, &mut |e| {
        if let Expr::Binary { op, left, right } = e {
            let literal = |e: &Expr| matches!(e.peel(), Expr::Literal(_));
            compares_values |= matches!(op.as_str(), "===" | "==" | "!==" | "!=")
                && !literal(left)
                && !literal(right);
        }
    });
    let returning = |value: &Expr| {
        vec![Stmt::Return {
            value: Some(value.clone()),
            span,
        }]
    };
    (compares_values && nothing(then) != nothing(otherwise)).then(|| Stmt::If {
        cond: (**cond).clone(),
        then: returning(then),
        otherwise: returning(otherwise),
        span,
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_session_and_cookie_fields_are_kept_for_later_requests() {
        use super::keeps_for_later_requests as kept;
        assert!(kept("req.session.organizationId"));
        assert!(kept("session.organization_id"));
        assert!(kept("session.Values.org"));
        assert!(kept("cookies.org_id"));
        assert!(kept("cookies().org_id"));
        // The variable itself reassigned, a local object, the response being built.
        assert!(!kept("session"));
        assert!(!kept("params.organization_id"));
        assert!(!kept("res.locals.orgId"));
        assert!(!kept("sessionStore.orgId"));
    }

    use crate::cfg::{Condition, Formula, Prefix};
    use crate::lang::Language;
    use crate::parse::Program;

    /// The conditions of the branches of `f` in a TypeScript module, in source order.
    fn conditions(source: &str) -> Vec<Condition> {
        super::super::branch_conditions(&super::super::graph_of(Language::TypeScript, source, "f"))
    }

    /// The expression of the first `if` of `f` in a TypeScript module.
    fn if_condition(source: &str) -> crate::ir::Expr {
        let (program, func) = Program::of_source(Language::TypeScript, "a.ts", source, "f");
        program.first_if_condition(func)
    }

    /// The formula of the first branch of `f(token, user, kind)` whose condition is `cond`.
    fn formula(cond: &str) -> Formula {
        let source = format!(
            "function f(token, user, kind) {{ if ({cond}) {{ g(); }} }}\nfunction g() {{}}\n"
        );
        conditions(&source).remove(0).formula
    }

    fn not(f: Formula) -> Formula {
        Formula::Not(Box::new(f))
    }

    #[test]
    fn a_condition_becomes_tests_of_stable_values() {
        let token = formula("token");
        let Formula::Test(token_key) = &token else {
            panic!("a parameter is a test: {token:?}");
        };
        assert_eq!(formula("!token"), not(token.clone()));
        let admin = formula("user.admin");
        assert_eq!(
            formula("token && !user.admin"),
            Formula::All(vec![token.clone(), not(admin.clone())])
        );
        assert_eq!(
            formula("token || user.admin"),
            Formula::Any(vec![token.clone(), admin.clone()])
        );
        // One equality whichever side is written first; `!==` is its negation.
        let kind_invite = formula("kind === \"invite\"");
        assert!(matches!(&kind_invite, Formula::Test(k) if k.contains("invite") && k != token_key));
        assert_eq!(formula("\"invite\" === kind"), kind_invite);
        assert_eq!(formula("kind !== \"invite\""), not(kind_invite.clone()));
        assert_ne!(formula("kind === \"remove\""), kind_invite);
        // A call's result is never assumed to be the same twice; `<` is no equality.
        assert_eq!(formula("check(token)"), Formula::Opaque);
        assert_eq!(formula("user.age < 18"), Formula::Opaque);
        assert_eq!(
            formula("check(token) && token"),
            Formula::All(vec![Formula::Opaque, token.clone()])
        );
        // Only negation is a negation.
        assert_eq!(formula("-token"), Formula::Opaque);
        // Past 16 levels a condition is opaque: 16 negations still reach the test, 17 do not.
        let nested = |depth: usize| {
            let mut f = formula(&format!("{}token", "!".repeat(depth)));
            for _ in 0..depth {
                let Formula::Not(inner) = f else {
                    return f;
                };
                f = *inner;
            }
            f
        };
        assert_eq!(nested(16), token);
        assert_eq!(nested(17), Formula::Opaque);
    }

    #[test]
    fn the_true_side_of_a_condition_means_allowed_unless_it_asks_what_is_missing() {
        use crate::cfg::Polarity::{Negative, Positive};
        let polarity = |cond: &str| {
            let source = format!("function f(token, user, kind) {{ if ({cond}) {{ g(); }} }}");
            super::polarity(&if_condition(&source))
        };
        for (cond, expected) in [
            ("token", Some(Positive)),
            ("!token", Some(Negative)),
            ("-token", Some(Positive)),
            ("kind === \"admin\"", Some(Positive)),
            ("kind !== \"admin\"", Some(Negative)),
            ("!(kind === \"admin\")", Some(Negative)),
            ("user == null", Some(Negative)),
            ("null == user", Some(Negative)),
            ("user.verified === false", Some(Negative)),
            ("token && user", Some(Positive)),
            ("!token || !user", Some(Negative)),
            ("token && !user", None),
        ] {
            assert_eq!(polarity(cond), expected, "{cond}");
        }
    }

    #[test]
    fn a_comparison_with_a_literal_or_undefined_says_so() {
        let literal_sides = |cond: &str| {
            let source = format!(
                "function f(state, saved) {{ if ({cond}) {{ g(); }} }}\nfunction g() {{}}\n"
            );
            let c = conditions(&source).remove(0);
            c.comparisons
                .iter()
                .map(|c| (c.left_is_literal, c.right_is_literal))
                .collect::<Vec<_>>()
        };
        assert_eq!(literal_sides("state === \"x\""), [(false, true)]);
        assert_eq!(literal_sides("undefined === state"), [(true, false)]);
        assert_eq!(literal_sides("state === saved"), [(false, false)]);
    }

    #[test]
    fn a_denial_response_is_one_with_an_error_status() {
        let denial = |e: &str| {
            let source = format!("function f(res) {{ if ({e}) {{ g(); }} }}");
            super::is_denial_response(&if_condition(&source))
        };
        for refused in [
            "res.status(403).json({ error: \"forbidden\" })",
            "NextResponse.json({ error: \"no\" }, { status: 401 })",
            "res.sendStatus(404)",
            "c.JSON(http.StatusForbidden, gin.H{})",
        ] {
            assert!(denial(refused), "{refused} refuses");
        }
        for answered in [
            "res.status(200).json({ ok: true })",
            "NextResponse.json({ ok: true })",
            "res.json({ count: 404 })",
        ] {
            assert!(!denial(answered), "{answered} refuses nothing");
        }
    }

    #[test]
    fn a_table_of_handlers_holds_only_functions() {
        let table = |object: &str| {
            let source = format!("function f() {{ if ({object}) {{ g(); }} }}");
            super::handler_table(&if_condition(&source)).map(|props| props.len())
        };
        assert_eq!(
            table(
                "{ \"dsync.user.created\": onCreated, \"dsync.user.deleted\": (e) => remove(e) }"
            ),
            Some(2)
        );
        assert_eq!(table("{ created: handlers.onCreated }"), Some(1));
        // Data beside a handler, or entries spread in from elsewhere, make no table.
        assert_eq!(table("{ created: onCreated, retries: 3 }"), None);
        assert_eq!(table("{ created: onCreated, ...others }"), None);
        assert_eq!(table("{}"), None);
    }

    #[test]
    fn the_alternatives_of_a_condition_are_its_disjuncts() {
        let alternatives = |cond: &str| {
            let source = format!(
                "function f(token, user) {{ if ({cond}) {{ g(); }} }}\nfunction g() {{}}\n"
            );
            conditions(&source)
                .remove(0)
                .alternatives
                .map(|side| side.len())
        };
        // `a || b` holds by either; `!(a && b)` holds by either failing; their negations by both.
        assert_eq!(alternatives("token || user.admin"), [2, 0]);
        assert_eq!(alternatives("!(token && user.admin)"), [2, 0]);
        assert_eq!(alternatives("token && user.admin"), [0, 2]);
        assert_eq!(alternatives("!(token || user.admin)"), [0, 2]);
        // Only negation flips a side.
        assert_eq!(alternatives("-(token || user.admin)"), [0, 0]);
    }

    #[test]
    fn a_prefix_test_says_whether_it_keeps_the_host() {
        let prefix = |cond: &str| {
            let source = format!(
                "const APP = \"https://app.example\";\nfunction f(url) {{ if ({cond}) {{ g(); }} }}\nfunction g() {{}}\n"
            );
            let c = conditions(&source).remove(0);
            c.prefix_tests
                .into_iter()
                .map(|t| t.prefix)
                .collect::<Vec<_>>()
        };
        assert_eq!(prefix("url.startsWith(\"/app/\")"), [Prefix::KeepsHost]);
        assert_eq!(
            prefix("url.startsWith(\"/\")"),
            [Prefix::OtherHosts("/".into())]
        );
        // A module constant's text is seen.
        assert_eq!(
            prefix("url.startsWith(APP)"),
            [Prefix::OtherHosts("https://app.example".into())]
        );
        assert_eq!(
            prefix("url.startsWith(process.env.APP_URL)"),
            [Prefix::Configured("process.env.APP_URL".into())]
        );
        assert_eq!(
            prefix("url.startsWith(`${process.env.APP_URL}/`)"),
            [Prefix::KeepsHost]
        );
        assert_eq!(
            prefix("url.startsWith(process.env.APP_URL + \"/\")"),
            [Prefix::KeepsHost]
        );
        // `/${x}` may or may not close the host; a parameter is unknown.
        assert_eq!(
            prefix("url.startsWith(`/${url.length}`)"),
            [Prefix::Unknown]
        );
        // The loosest of several prefixes decides.
        assert_eq!(
            prefix("url.startsWith([\"/app/\", \"/\"])"),
            [Prefix::OtherHosts("/".into())]
        );
        assert!(prefix("url.includes(\"/\")").is_empty());
    }
}
