//! Rust (syn) → IR.
//!
//! Framework knowledge of this ecosystem lives here: axum routers (`.route(path, post(h))`,
//! `.route_layer(middleware::from_fn(mw))`, `from_extractor::<T>()`), actix-web route
//! attributes (`#[post("/x")]`), extractors (`Json(body)` is client input; a type defined in the
//! repository is a guard that runs its `from_request_parts` first), `return Err(...)` and `?`
//! (the error path leaves the handler), and `use crate::…` imports.

use syn::spanned::Spanned;
use syn::visit::Visit;

use super::ParseError;
use crate::ir::*;

/// Extractors of the frameworks themselves: what they carry, not a guard.
const INPUT_EXTRACTORS: &[&str] = &[
    "Json",
    "Path",
    "Query",
    "Form",
    "Multipart",
    "RawForm",
    "Bytes",
    "String",
];
const PLAIN_EXTRACTORS: &[&str] = &[
    "State",
    "Extension",
    "HeaderMap",
    "Request",
    "Parts",
    "Session",
    "Data",
    "ReqData",
    "HttpRequest",
    "ConnectInfo",
    "OriginalUri",
    "Method",
    "Uri",
    "Cookies",
    "CookieJar",
    "PrivateCookieJar",
    "SignedCookieJar",
];
const ACTIX_VERBS: &[&str] = &["get", "post", "put", "patch", "delete"];

pub fn parse(path: &str, source: &str) -> Result<Module, ParseError> {
    let file = syn::parse_file(source).map_err(|e| {
        let start = e.span().start();
        ParseError::Failed(format!(
            "line {} column {}: {e}",
            start.line,
            start.column + 1
        ))
    })?;
    let mut lower = Lowerer {
        module: Module {
            path: path.to_string(),
            ..Module::default()
        },
        lines: line_starts(source),
        temp: 0,
        nesting: super::Nesting::default(),
        extractor_fn: false,
        inline_mods: 0,
        mod_imports: Vec::new(),
    };
    for item in &file.items {
        lower.item(item, None);
    }
    let mod_imports = std::mem::take(&mut lower.mod_imports);
    lower.module.imports.extend(mod_imports);
    // Route registrations live in function bodies (`fn router() -> Router`).
    let mut finder = RouteFinder {
        routes: Vec::new(),
        services: Vec::new(),
    };
    finder.visit_file(&file);
    // actix-web: `.service(invite)` of a handler with a route attribute, inside a scope: the
    // scope's path and `wrap` middleware apply to it.
    // A handler of another file is mounted there (see `workflow::locate`).
    for (handler, prefix, guards) in finder.services {
        let functions = &lower.module.functions;
        let local = match &handler {
            Expr::Name(name) => lower
                .module
                .entries
                .iter_mut()
                .filter(
                    |e| matches!(&e.handler, Expr::Function(id) if functions[*id].name == *name),
                )
                .map(|e| {
                    if let EntryKind::Route { path, .. } = &mut e.kind {
                        *path = Some(crate::frameworks::join_route_path(
                            &prefix,
                            path.as_deref().unwrap_or(""),
                        ));
                    }
                    e.guards.splice(0..0, guards.iter().cloned());
                })
                .count(),
            _ => 0,
        };
        if local == 0 {
            lower.module.mounts.push(Mount {
                handler,
                router: false,
                prefix,
                guards,
            });
        }
    }
    for r in finder.routes {
        let span = lower.span(r.span);
        lower.module.entries.push(EntryPoint {
            handler: r.handler,
            kind: EntryKind::Route {
                method: r.method,
                path: r.path,
            },
            guards: r.guards,
            chain_root: None,
            validated_input: Vec::new(),
            skipped_guards: Vec::new(),
            handler_params: Vec::new(),
            receiver: None,
            span,
        });
    }
    if lower.nesting.too_deep {
        return Err(ParseError::TooDeep(super::MAX_DEPTH));
    }
    Ok(lower.module)
}

fn line_starts(source: &str) -> Vec<usize> {
    let mut out = vec![0];
    for (i, b) in source.bytes().enumerate() {
        if b == b'\n' {
            out.push(i + 1);
        }
    }
    out
}

struct Lowerer {
    module: Module,
    lines: Vec<usize>,
    temp: usize,
    nesting: super::Nesting,
    /// Lowering an extractor's `from_request_parts`: an `Err` result rejects the request.
    extractor_fn: bool,
    /// Inside `mod x { … }`: its `mod y;` declarations are not files beside this one.
    inline_mods: usize,
    /// `mod team;` declarations, as imports after the `use` ones (a `use` of the same name
    /// names the function, the module only qualifies paths).
    mod_imports: Vec<Import>,
}

struct RouteSpec {
    handler: Expr,
    method: String,
    path: Option<String>,
    guards: Vec<Expr>,
    span: proc_macro2::Span,
}

impl Lowerer {
    fn span(&self, span: proc_macro2::Span) -> Span {
        let start = span.start();
        let end = span.end();
        let offset = |lc: proc_macro2::LineColumn| {
            self.lines
                .get(lc.line.saturating_sub(1))
                .map(|s| s + lc.column)
                .unwrap_or(0) as u32
        };
        Span {
            line: start.line as u32,
            col: start.column as u32 + 1,
            start: offset(start),
            end: offset(end),
        }
    }

    // ----- items -----------------------------------------------------------------------

    fn item(&mut self, item: &syn::Item, impl_of: Option<&str>) {
        match item {
            syn::Item::Use(u) => self.use_tree(&u.tree, String::new()),
            syn::Item::Fn(f) => {
                let id = self.function(&f.sig, &f.block, &f.sig.ident.to_string(), f.span());
                self.module.functions[id].exported = matches!(f.vis, syn::Visibility::Public(_));
                // actix-web: `#[post("/invitations")]`.
                for attr in &f.attrs {
                    let name = attr
                        .path()
                        .segments
                        .last()
                        .map(|s| s.ident.to_string())
                        .unwrap_or_default();
                    if ACTIX_VERBS.contains(&name.as_str()) {
                        let path = attr.parse_args::<syn::LitStr>().ok().map(|l| l.value());
                        let span = self.module.functions[id].span;
                        mark_handler_params(&mut self.module.functions[id].params);
                        self.module.entries.push(EntryPoint::plain(
                            Expr::Function(id),
                            EntryKind::Route {
                                method: name.to_uppercase(),
                                path,
                            },
                            span,
                        ));
                    }
                }
                let _ = impl_of;
            }
            syn::Item::Impl(imp) => {
                let ty = type_name(&imp.self_ty);
                let trait_name = imp
                    .trait_
                    .as_ref()
                    .and_then(|(_, p, _)| p.segments.last())
                    .map(|s| s.ident.to_string())
                    .unwrap_or_default();
                for it in &imp.items {
                    if let syn::ImplItem::Fn(m) = it {
                        let name = m.sig.ident.to_string();
                        self.extractor_fn = trait_name.starts_with("FromRequest")
                            || name.starts_with("from_request");
                        let id =
                            self.function(&m.sig, &m.block, &format!("{ty}::{name}"), m.span());
                        self.extractor_fn = false;
                        self.module.functions[id].exported = true;
                    }
                }
            }
            syn::Item::Mod(m) => {
                if let Some((_, items)) = &m.content {
                    self.inline_mods += 1;
                    for i in items {
                        self.item(i, None);
                    }
                    self.inline_mods -= 1;
                } else if self.inline_mods == 0 {
                    // `mod team;`: `team::invite` names a function of `team.rs` beside a crate
                    // root or `mod.rs`, else of `<this file's stem>/team.rs`.
                    let file = self.module.path.rsplit('/').next().unwrap_or("");
                    let stem = file.strip_suffix(".rs").unwrap_or(file);
                    let name = m.ident.to_string();
                    let source = if matches!(stem, "main" | "lib" | "mod") {
                        format!("./{name}")
                    } else {
                        format!("./{stem}/{name}")
                    };
                    self.mod_imports.push(Import {
                        local: name,
                        imported: "*".into(),
                        source,
                    });
                }
            }
            syn::Item::Const(c) => {
                let v = self.expr(&c.expr);
                if v.is_module_constant() {
                    self.module.constants.push((c.ident.to_string(), v));
                }
            }
            syn::Item::Static(s) => {
                let v = self.expr(&s.expr);
                if v.is_module_constant() {
                    self.module.constants.push((s.ident.to_string(), v));
                }
            }
            // What serde parses request input into: a struct's fields keep their types, and an
            // enum accepts only its variants.
            syn::Item::Struct(s) if derives(&s.attrs, "Deserialize") => {
                if let syn::Fields::Named(fields) = &s.fields {
                    self.module.input_types.push(InputType {
                        name: s.ident.to_string(),
                        fields: fields
                            .named
                            .iter()
                            .filter_map(|f| {
                                Some((f.ident.as_ref()?.to_string(), type_words(&f.ty).join(" ")))
                            })
                            .collect(),
                        checked: Vec::new(),
                    });
                }
            }
            syn::Item::Enum(e) if derives(&e.attrs, "Deserialize") => {
                self.module.enums.push(e.ident.to_string());
            }
            _ => {}
        }
    }

    /// `use crate::auth::{self, SessionUser};` → imports resolved like `@/auth`.
    fn use_tree(&mut self, tree: &syn::UseTree, prefix: String) {
        match tree {
            syn::UseTree::Path(p) => {
                let seg = p.ident.to_string();
                let next = if prefix.is_empty() {
                    seg
                } else {
                    format!("{prefix}::{seg}")
                };
                self.use_tree(&p.tree, next);
            }
            syn::UseTree::Group(g) => {
                for t in &g.items {
                    self.use_tree(t, prefix.clone());
                }
            }
            syn::UseTree::Name(n) => {
                let name = n.ident.to_string();
                self.add_use(&prefix, &name, &name);
            }
            syn::UseTree::Rename(r) => {
                self.add_use(&prefix, &r.ident.to_string(), &r.rename.to_string());
            }
            syn::UseTree::Glob(_) => {}
        }
    }

    fn add_use(&mut self, prefix: &str, name: &str, local: &str) {
        let Some(path) = crate_path(prefix) else {
            return;
        };
        if name == "self" {
            let local = if local == "self" {
                prefix.rsplit("::").next().unwrap_or(prefix)
            } else {
                local
            };
            self.module.imports.push(Import {
                local: local.to_string(),
                imported: "*".into(),
                source: path,
            });
            return;
        }
        // `crate::auth::SessionUser` (an item of `auth`) or `crate::auth` (a module).
        self.module.imports.push(Import {
            local: local.to_string(),
            imported: name.to_string(),
            source: path.clone(),
        });
        self.module.imports.push(Import {
            local: local.to_string(),
            imported: "*".into(),
            source: format!("{path}/{name}"),
        });
    }

    fn function(
        &mut self,
        sig: &syn::Signature,
        block: &syn::Block,
        name: &str,
        span: proc_macro2::Span,
    ) -> FunctionId {
        let mut params: Vec<Param> = sig.inputs.iter().filter_map(|a| self.param(a)).collect();
        mark_handler_params(&mut params);
        let id = self.module.functions.len();
        let span = self.span(span);
        self.module.functions.push(Function {
            name: name.to_string(),
            params,
            body: Vec::new(),
            span,
            exported: false,
            callable: true,
            runs_as: None,
            method: false,
            is_async: sig.asyncness.is_some(),
        });
        let body = self.block(block, true);
        self.module.functions[id].body = body;
        id
    }

    fn param(&mut self, arg: &syn::FnArg) -> Option<Param> {
        let syn::FnArg::Typed(pt) = arg else {
            return None;
        };
        let ty = type_name(&pt.ty);
        let (name, bindings) = match &*pt.pat {
            syn::Pat::Ident(i) => (i.ident.to_string(), Vec::new()),
            // `Json(body)`, `State(state)`, `MemberManager(user)`: the inner value.
            syn::Pat::TupleStruct(ts) => {
                let inner: Vec<Binding> = ts
                    .elems
                    .iter()
                    .filter_map(|p| match p {
                        syn::Pat::Ident(i) => Some(Binding {
                            name: i.ident.to_string(),
                            path: Vec::new(),
                            role: None,
                        }),
                        _ => None,
                    })
                    .collect();
                (ty.clone(), inner)
            }
            _ => ("_".into(), Vec::new()),
        };
        let role = if ty == "Next" {
            ParamRole::Next
        } else if ty == "ReqData" {
            // actix-web: what a middleware stored for this request (the signed-in user).
            ParamRole::Context
        } else if matches!(
            ty.as_str(),
            "Request" | "HttpRequest" | "Parts" | "ServiceRequest"
        ) {
            ParamRole::Request
        } else {
            ParamRole::Plain
        };
        Some(Param {
            name,
            role,
            bindings,
            default_call: extractor_guard(&ty),
            annotation: Some(type_words(&pt.ty).join(" ")),
        })
    }

    // ----- statements ------------------------------------------------------------------

    fn block(&mut self, block: &syn::Block, tail_returns: bool) -> Vec<Stmt> {
        let mut out = Vec::new();
        let n = block.stmts.len();
        for (i, s) in block.stmts.iter().enumerate() {
            let last = i + 1 == n;
            match s {
                syn::Stmt::Local(local) => self.local(local, &mut out),
                syn::Stmt::Expr(e, semi) => {
                    if last && semi.is_none() && tail_returns {
                        self.tail(e, &mut out);
                    } else {
                        self.stmt_expr(e, e.span(), &mut out);
                    }
                }
                syn::Stmt::Item(item) => self.item(item, None),
                syn::Stmt::Macro(_) => {}
            }
        }
        out
    }

    /// An expression in tail position is the function's result: each branch of a tail `if` or
    /// `match` returns its own value.
    fn tail(&mut self, e: &syn::Expr, out: &mut Vec<Stmt>) {
        let span = self.span(e.span());
        match e {
            syn::Expr::If(i) => {
                let cond = self.condition(&i.cond);
                let then = self.block(&i.then_branch, true);
                let mut otherwise = Vec::new();
                if let Some((_, e)) = &i.else_branch {
                    match &**e {
                        syn::Expr::Block(b) => otherwise = self.block(&b.block, true),
                        other => self.tail(other, &mut otherwise),
                    }
                }
                out.push(Stmt::If {
                    cond,
                    then,
                    otherwise,
                    span,
                });
            }
            syn::Expr::Match(m) => {
                let subject = self.expr(&m.expr);
                let arms = m.arms.len();
                let cases = m
                    .arms
                    .iter()
                    .enumerate()
                    .map(|(i, arm)| {
                        let mut body = Vec::new();
                        match &*arm.body {
                            syn::Expr::Block(b) => body = self.block(&b.block, true),
                            other => self.tail(other, &mut body),
                        }
                        SwitchCase {
                            test: (i + 1 < arms).then(|| Expr::Unknown("arm".into())),
                            body,
                            falls_through: false,
                        }
                    })
                    .collect();
                out.push(Stmt::Switch {
                    subject,
                    cases,
                    span,
                });
            }
            syn::Expr::Block(b) => out.extend(self.block(&b.block, true)),
            syn::Expr::ForLoop(_) | syn::Expr::While(_) | syn::Expr::Loop(_) => {
                self.stmt_expr(e, e.span(), out)
            }
            _ => {
                let ret = syn::Expr::Return(syn::ExprReturn {
                    attrs: Vec::new(),
                    return_token: Default::default(),
                    expr: Some(Box::new(e.clone())),
                });
                self.stmt_expr(&ret, e.span(), out);
            }
        }
    }

    fn local(&mut self, local: &syn::Local, out: &mut Vec<Stmt>) {
        let span = self.span(local.span());
        let bindings = pat_bindings(&local.pat);
        let Some(init) = &local.init else {
            out.push(Stmt::Let {
                bindings,
                value: None,
                span,
            });
            return;
        };
        let value = match self.try_expr(&init.expr, span, out) {
            Some(v) => v,
            None => self.expr(&init.expr),
        };
        out.push(Stmt::Let {
            bindings,
            value: Some(value),
            span,
        });
    }

    /// `e?` at the top of a statement: the error leaves the function. Emits
    /// `let __try = e; if __try.is_err() { return __try }` and gives `__try` as the value.
    fn try_expr(&mut self, e: &syn::Expr, span: Span, out: &mut Vec<Stmt>) -> Option<Expr> {
        let syn::Expr::Try(t) = e else {
            return None;
        };
        let inner = self.expr(&t.expr);
        self.temp += 1;
        let name = format!("__try{}", self.temp);
        out.push(Stmt::Let {
            bindings: vec![Binding {
                name: name.clone(),
                path: Vec::new(),
                role: None,
            }],
            value: Some(inner),
            span,
        });
        // The error leaves the function as an error response: like a throw, nothing after it
        // in the handler runs.
        let leave = Stmt::Throw {
            value: Expr::Name(name.clone()),
            span,
        };
        out.push(Stmt::If {
            cond: Expr::Call(Box::new(Call {
                callee: Expr::Member {
                    object: Box::new(Expr::Name(name.clone())),
                    property: "is_err".into(),
                },
                args: Vec::new(),
                span,
                construct: false,
            })),
            then: vec![leave],
            otherwise: Vec::new(),
            span,
        });
        Some(Expr::Name(name))
    }

    fn stmt_expr(&mut self, e: &syn::Expr, span: proc_macro2::Span, out: &mut Vec<Stmt>) {
        if !self.nesting.enter() {
            return;
        }
        let span = self.span(span);
        match e {
            syn::Expr::If(i) => {
                let cond = self.condition(&i.cond);
                let then = self.block(&i.then_branch, false);
                let otherwise = match &i.else_branch {
                    Some((_, e)) => {
                        let mut o = Vec::new();
                        match &**e {
                            syn::Expr::Block(b) => o = self.block(&b.block, false),
                            other => self.stmt_expr(other, other.span(), &mut o),
                        }
                        o
                    }
                    None => Vec::new(),
                };
                out.push(Stmt::If {
                    cond,
                    then,
                    otherwise,
                    span,
                });
            }
            syn::Expr::Match(m) => {
                let subject = self.expr(&m.expr);
                let arms = m.arms.len();
                let cases = m
                    .arms
                    .iter()
                    .enumerate()
                    .map(|(i, arm)| {
                        let mut body = Vec::new();
                        self.stmt_expr(&arm.body, arm.body.span(), &mut body);
                        SwitchCase {
                            // Matches are exhaustive: the last arm takes what is left.
                            test: (i + 1 < arms).then(|| Expr::Unknown("arm".into())),
                            body,
                            falls_through: false,
                        }
                    })
                    .collect();
                out.push(Stmt::Switch {
                    subject,
                    cases,
                    span,
                });
            }
            syn::Expr::Block(b) => out.push(Stmt::Block {
                body: self.block(&b.block, false),
            }),
            syn::Expr::ForLoop(f) => {
                let value = self.expr(&f.expr);
                let mut body = vec![Stmt::Let {
                    bindings: pat_bindings(&f.pat),
                    value: Some(Expr::Index {
                        object: Box::new(value),
                        index: Box::new(Expr::Unknown("element".into())),
                    }),
                    span,
                }];
                body.extend(self.block(&f.body, false));
                out.push(Stmt::Loop {
                    cond: None,
                    body,
                    span,
                });
            }
            syn::Expr::While(w) => {
                let cond = Some(self.condition(&w.cond));
                let body = self.block(&w.body, false);
                out.push(Stmt::Loop { cond, body, span });
            }
            syn::Expr::Loop(l) => {
                let body = self.block(&l.body, false);
                out.push(Stmt::Loop {
                    cond: None,
                    body,
                    span,
                });
            }
            syn::Expr::Return(r) => {
                let value = match r.expr.as_deref() {
                    Some(v) => match self.try_expr(v, span, out) {
                        Some(x) => Some(x),
                        None => Some(self.expr(v)),
                    },
                    None => None,
                };
                // In an extractor, `Err(..)` rejects the request.
                let rejects = self.extractor_fn
                    && value.as_ref().is_some_and(
                        |v| matches!(v, Expr::Call(c) if c.callee.path().as_deref() == Some("Err")),
                    );
                if rejects {
                    out.push(Stmt::Throw {
                        value: value.unwrap(),
                        span,
                    });
                } else {
                    out.push(Stmt::Return { value, span });
                }
            }
            syn::Expr::Break(_) => out.push(Stmt::Break { span }),
            syn::Expr::Continue(_) => out.push(Stmt::Continue { span }),
            syn::Expr::Assign(a) => {
                let value = self.expr(&a.right);
                match &*a.left {
                    syn::Expr::Path(p) if p.path.segments.len() == 1 => out.push(Stmt::Let {
                        bindings: vec![Binding {
                            name: p.path.segments[0].ident.to_string(),
                            path: Vec::new(),
                            role: None,
                        }],
                        value: Some(value),
                        span,
                    }),
                    other => {
                        let target = self.expr(other);
                        out.push(Stmt::Assign {
                            target,
                            value,
                            span,
                        });
                    }
                }
            }
            syn::Expr::Macro(m) => {
                // `panic!`/`bail!` end the function like an error.
                let name = m
                    .mac
                    .path
                    .segments
                    .last()
                    .map(|s| s.ident.to_string())
                    .unwrap_or_default();
                if matches!(name.as_str(), "panic" | "bail" | "unreachable") {
                    out.push(Stmt::Throw {
                        value: Expr::Unknown(format!("{name}!")),
                        span,
                    });
                }
            }
            other => {
                if self.try_expr(other, span, out).is_none() {
                    let expr = self.expr(other);
                    out.push(Stmt::Expr { expr, span });
                }
            }
        }
        self.nesting.leave();
    }

    /// An `if` condition; `if let Err(e) = f()` asks whether `f()` failed.
    fn condition(&mut self, e: &syn::Expr) -> Expr {
        if let syn::Expr::Let(l) = e {
            let value = self.expr(&l.expr);
            let failing = match &*l.pat {
                syn::Pat::TupleStruct(ts) => {
                    ts.path.segments.last().is_some_and(|s| s.ident == "Err")
                }
                syn::Pat::Ident(i) => i.ident == "None",
                syn::Pat::Path(p) => p.path.segments.last().is_some_and(|s| s.ident == "None"),
                _ => false,
            };
            return if failing {
                Expr::Unary {
                    op: "!".into(),
                    operand: Box::new(value),
                }
            } else {
                value
            };
        }
        self.expr(e)
    }

    // ----- expressions -----------------------------------------------------------------

    fn expr(&mut self, e: &syn::Expr) -> Expr {
        if !self.nesting.enter() {
            return Expr::Unknown(String::new());
        }
        let out = self.expr_inner(e);
        self.nesting.leave();
        out
    }

    fn expr_inner(&mut self, e: &syn::Expr) -> Expr {
        match e {
            syn::Expr::Lit(l) => match &l.lit {
                syn::Lit::Str(s) => Expr::Literal(Literal::Str(s.value())),
                syn::Lit::Int(i) => Expr::Literal(Literal::Num(i.base10_digits().to_string())),
                syn::Lit::Float(f) => Expr::Literal(Literal::Num(f.base10_digits().to_string())),
                syn::Lit::Bool(b) => Expr::Literal(Literal::Bool(b.value)),
                _ => Expr::Unknown(String::new()),
            },
            syn::Expr::Path(p) => path_expr(&p.path),
            syn::Expr::Field(f) => {
                let object = self.expr(&f.base);
                let property = match &f.member {
                    syn::Member::Named(n) => n.to_string(),
                    syn::Member::Unnamed(i) => i.index.to_string(),
                };
                Expr::Member {
                    object: Box::new(object),
                    property,
                }
            }
            syn::Expr::Call(c) => {
                let callee = self.expr(&c.func);
                let args = c
                    .args
                    .iter()
                    .map(|a| Arg {
                        name: None,
                        value: self.expr(a),
                    })
                    .collect();
                // `Some(x)` and `Ok(x)` are `x`.
                if let Expr::Name(n) = &callee {
                    if (n == "Some" || n == "Ok" || n == "Box::new" || n == "Arc::new")
                        && c.args.len() == 1
                    {
                        return self.expr(&c.args[0]);
                    }
                }
                Expr::Call(Box::new(Call {
                    callee,
                    args,
                    span: self.span(c.span()),
                    construct: false,
                }))
            }
            syn::Expr::MethodCall(m) => {
                let receiver = self.expr(&m.receiver);
                let method = m.method.to_string();
                // Conversions and borrows pass the value through.
                if matches!(
                    method.as_str(),
                    "clone"
                        | "to_string"
                        | "to_owned"
                        | "as_str"
                        | "as_ref"
                        | "as_deref"
                        | "into"
                        | "unwrap"
                        | "expect"
                        | "unwrap_or_default"
                        | "map_err"
                        | "context"
                ) {
                    if method == "map_err" || method == "context" || method == "expect" {
                        // Keep the call (`?` reads its result), but its value is the receiver's.
                        return receiver;
                    }
                    return receiver;
                }
                // `permissions.iter().any(|p| p == "x")`: the predicate is part of the test.
                let predicate = matches!(
                    method.as_str(),
                    "any"
                        | "all"
                        | "find"
                        | "filter"
                        | "position"
                        | "contains"
                        | "is_some_and"
                        | "map_or"
                );
                let args = m
                    .args
                    .iter()
                    .map(|a| Arg {
                        name: None,
                        value: match a {
                            syn::Expr::Closure(c) if predicate => self.expr(&c.body),
                            other => self.expr(other),
                        },
                    })
                    .collect();
                Expr::Call(Box::new(Call {
                    callee: Expr::Member {
                        object: Box::new(receiver),
                        property: method,
                    },
                    args,
                    span: self.span(m.method.span()),
                    construct: false,
                }))
            }
            syn::Expr::Struct(s) => {
                let props = s
                    .fields
                    .iter()
                    .map(|f| Property {
                        key: match &f.member {
                            syn::Member::Named(n) => n.to_string(),
                            syn::Member::Unnamed(i) => i.index.to_string(),
                        },
                        value: self.expr(&f.expr),
                    })
                    .collect();
                Expr::Object(props)
            }
            syn::Expr::Reference(r) => self.expr(&r.expr),
            syn::Expr::Paren(p) => self.expr(&p.expr),
            syn::Expr::Group(g) => self.expr(&g.expr),
            syn::Expr::Await(a) => Expr::Await(Box::new(self.expr(&a.base))),
            syn::Expr::Try(t) => self.expr(&t.expr),
            syn::Expr::Cast(c) => self.expr(&c.expr),
            syn::Expr::Unary(u) => match u.op {
                syn::UnOp::Not(_) => Expr::Unary {
                    op: "!".into(),
                    operand: Box::new(self.expr(&u.expr)),
                },
                syn::UnOp::Neg(_) => Expr::Unary {
                    op: "-".into(),
                    operand: Box::new(self.expr(&u.expr)),
                },
                _ => self.expr(&u.expr),
            },
            syn::Expr::Binary(b) => {
                use syn::BinOp::*;
                let op = match b.op {
                    Eq(_) => "===",
                    Ne(_) => "!==",
                    And(_) => "&&",
                    Or(_) => "||",
                    Add(_) => "+",
                    _ => "op",
                };
                Expr::Binary {
                    op: op.into(),
                    left: Box::new(self.expr(&b.left)),
                    right: Box::new(self.expr(&b.right)),
                }
            }
            syn::Expr::Array(a) => Expr::Array(a.elems.iter().map(|x| self.expr(x)).collect()),
            syn::Expr::Tuple(t) => Expr::Array(t.elems.iter().map(|x| self.expr(x)).collect()),
            syn::Expr::Index(i) => Expr::Index {
                object: Box::new(self.expr(&i.expr)),
                index: Box::new(self.expr(&i.index)),
            },
            syn::Expr::If(i) => Expr::Conditional {
                cond: Box::new(self.condition(&i.cond)),
                then: Box::new(
                    i.then_branch
                        .stmts
                        .last()
                        .and_then(|s| match s {
                            syn::Stmt::Expr(e, None) => Some(self.expr(e)),
                            _ => None,
                        })
                        .unwrap_or(Expr::Unknown(String::new())),
                ),
                otherwise: Box::new(
                    i.else_branch
                        .as_ref()
                        .map(|(_, e)| self.expr(e))
                        .unwrap_or(Expr::Unknown(String::new())),
                ),
            },
            syn::Expr::Block(b) => b
                .block
                .stmts
                .last()
                .and_then(|s| match s {
                    syn::Stmt::Expr(e, None) => Some(self.expr(e)),
                    _ => None,
                })
                .unwrap_or(Expr::Unknown(String::new())),
            syn::Expr::Closure(c) => {
                let id = self.module.functions.len();
                let params = c
                    .inputs
                    .iter()
                    .map(|p| Param {
                        name: match p {
                            syn::Pat::Ident(i) => i.ident.to_string(),
                            _ => "_".into(),
                        },
                        role: ParamRole::Plain,
                        bindings: Vec::new(),
                        default_call: None,
                        annotation: None,
                    })
                    .collect();
                let span = self.span(c.span());
                self.module.functions.push(Function {
                    name: format!("<closure@{}>", span.line),
                    params,
                    body: Vec::new(),
                    span,
                    exported: false,
                    callable: false,
                    runs_as: None,
                    method: false,
                    is_async: false,
                });
                let mut body = Vec::new();
                match &*c.body {
                    syn::Expr::Block(b) => body = self.block(&b.block, true),
                    other => {
                        let v = self.expr(other);
                        body.push(Stmt::Return {
                            value: Some(v),
                            span,
                        });
                    }
                }
                self.module.functions[id].body = body;
                Expr::Function(id)
            }
            syn::Expr::Macro(m) => {
                let name = m
                    .mac
                    .path
                    .segments
                    .last()
                    .map(|s| s.ident.to_string())
                    .unwrap_or_default();
                if name == "vec" {
                    let items = m
                        .mac
                        .parse_body_with(syn::punctuated::Punctuated::<syn::Expr, syn::Token![,]>::parse_terminated)
                        .map(|p| p.iter().map(|x| self.expr(x)).collect())
                        .unwrap_or_default();
                    Expr::Array(items)
                } else {
                    Expr::Unknown(format!("{name}!"))
                }
            }
            syn::Expr::Let(l) => self.expr(&l.expr),
            _ => Expr::Unknown(String::new()),
        }
    }
}

/// `a::b::C` → `a.b.C`; `StatusCode::FORBIDDEN` → a member of `StatusCode`.
fn path_expr(path: &syn::Path) -> Expr {
    let mut segs = path.segments.iter().map(|s| s.ident.to_string());
    let Some(first) = segs.next() else {
        return Expr::Unknown(String::new());
    };
    // `Box::new`, `Arc::new` are kept as one name so calls through them can be seen through.
    if path.segments.len() == 2 && path.segments[1].ident == "new" {
        let full = format!("{first}::new");
        if full == "Box::new" || full == "Arc::new" {
            return Expr::Name(full);
        }
    }
    let mut e = Expr::Name(first);
    for s in segs {
        e = Expr::Member {
            object: Box::new(e),
            property: s,
        };
    }
    e
}

/// Every type name a type mentions, generic arguments included: `Json<InviteBody>` gives
/// `Json`, `InviteBody`; `Option<Role>` gives `Option`, `Role`.
fn type_words(ty: &syn::Type) -> Vec<String> {
    let mut out = Vec::new();
    fn walk(ty: &syn::Type, out: &mut Vec<String>, depth: usize) {
        if depth > 16 {
            return;
        }
        match ty {
            syn::Type::Path(p) => {
                for segment in &p.path.segments {
                    out.push(segment.ident.to_string());
                    if let syn::PathArguments::AngleBracketed(args) = &segment.arguments {
                        for arg in &args.args {
                            if let syn::GenericArgument::Type(t) = arg {
                                walk(t, out, depth + 1);
                            }
                        }
                    }
                }
            }
            syn::Type::Reference(r) => walk(&r.elem, out, depth + 1),
            _ => {}
        }
    }
    walk(ty, &mut out, 0);
    out
}

/// Whether `#[derive(…)]` among the attributes names `name` (`serde::Deserialize` too).
fn derives(attrs: &[syn::Attribute], name: &str) -> bool {
    attrs.iter().any(|a| {
        a.path().is_ident("derive")
            && a.parse_args_with(
                syn::punctuated::Punctuated::<syn::Path, syn::Token![,]>::parse_terminated,
            )
            .is_ok_and(|paths| {
                paths
                    .iter()
                    .any(|p| p.segments.last().is_some_and(|s| s.ident == name))
            })
    })
}

fn type_name(ty: &syn::Type) -> String {
    match ty {
        syn::Type::Path(p) => p
            .path
            .segments
            .last()
            .map(|s| s.ident.to_string())
            .unwrap_or_default(),
        syn::Type::Reference(r) => type_name(&r.elem),
        _ => String::new(),
    }
}

/// A parameter of a type defined in the application runs its extractor first: a guard.
fn extractor_guard(ty: &str) -> Option<Expr> {
    if ty.is_empty()
        || INPUT_EXTRACTORS.contains(&ty)
        || PLAIN_EXTRACTORS.contains(&ty)
        || ty == "Next"
        || !ty.chars().next().is_some_and(|c| c.is_ascii_uppercase())
    {
        return None;
    }
    Some(Expr::Call(Box::new(Call {
        callee: Expr::Member {
            object: Box::new(Expr::Name(ty.to_string())),
            property: "from_request_parts".into(),
        },
        args: Vec::new(),
        span: Span::default(),
        construct: false,
    })))
}

/// Handler parameters: `Json(body)`, `Path(id)`, `Query(q)` are client input.
fn mark_handler_params(params: &mut [Param]) {
    for p in params.iter_mut() {
        if INPUT_EXTRACTORS.contains(&p.name.as_str()) {
            if p.bindings.is_empty() {
                p.role = ParamRole::Input;
            } else {
                for b in p.bindings.iter_mut() {
                    b.role = Some(ParamRole::Input);
                }
            }
        }
    }
}

fn pat_bindings(pat: &syn::Pat) -> Vec<Binding> {
    match pat {
        syn::Pat::Ident(i) => vec![Binding {
            name: i.ident.to_string(),
            path: Vec::new(),
            role: None,
        }],
        syn::Pat::Type(t) => pat_bindings(&t.pat),
        syn::Pat::Tuple(t) => t
            .elems
            .iter()
            .enumerate()
            .flat_map(|(i, p)| {
                pat_bindings(p).into_iter().map(move |mut b| {
                    b.path.insert(0, i.to_string());
                    b
                })
            })
            .collect(),
        syn::Pat::TupleStruct(ts) => ts.elems.iter().flat_map(pat_bindings).collect(),
        syn::Pat::Struct(s) => s
            .fields
            .iter()
            .flat_map(|f| {
                let key = match &f.member {
                    syn::Member::Named(n) => n.to_string(),
                    syn::Member::Unnamed(i) => i.index.to_string(),
                };
                pat_bindings(&f.pat).into_iter().map(move |mut b| {
                    b.path.insert(0, key.clone());
                    b
                })
            })
            .collect(),
        syn::Pat::Reference(r) => pat_bindings(&r.pat),
        _ => Vec::new(),
    }
}

/// `crate::auth` → `@/auth`; `super::x` → `../x`; external crates → none.
fn crate_path(prefix: &str) -> Option<String> {
    let mut parts: Vec<&str> = prefix.split("::").collect();
    match parts.first().copied() {
        Some("crate") => {
            parts.remove(0);
            Some(format!("@/{}", parts.join("/")))
        }
        Some("super") => {
            let ups = parts.iter().take_while(|p| **p == "super").count();
            let rest = parts[ups..].join("/");
            Some(format!("{}{rest}", "../".repeat(ups)))
        }
        Some("self") => {
            parts.remove(0);
            Some(format!("./{}", parts.join("/")))
        }
        _ => None,
    }
}

/// Finds router chains: axum's `Router::new().route(p, post(h)).route_layer(from_fn(mw))`,
/// actix-web's `web::scope("/api").wrap(from_fn(mw)).route(p, web::post().to(h))
/// .service(h2)`.
struct RouteFinder {
    routes: Vec<RouteSpec>,
    /// actix-web handlers registered with `.service(h)` (their route attribute gives method and
    /// path): the handler, the scope's path and its `wrap` middleware.
    services: Vec<(Expr, String, Vec<Expr>)>,
}

/// What a chain registered: its routes, and the actix `wrap` middleware that guards every
/// route of its scope wherever it is written in the chain.
#[derive(Default)]
struct Chain {
    routes: Vec<usize>,
    services: Vec<usize>,
    wraps: Vec<Expr>,
}

impl RouteFinder {
    /// Walks a method chain from its innermost receiver; an axum layer guards the routes before
    /// it, an actix `wrap` every route of the scope.
    fn chain(&mut self, e: &syn::Expr) -> Chain {
        let syn::Expr::MethodCall(m) = e else {
            return Chain::default();
        };
        let mut chain = self.chain(&m.receiver);
        let scope = scope_path(&m.receiver);
        match m.method.to_string().as_str() {
            "route" if m.args.len() == 2 => {
                let path = match &m.args[0] {
                    syn::Expr::Lit(syn::ExprLit {
                        lit: syn::Lit::Str(s),
                        ..
                    }) => Some(crate::frameworks::join_route_path(&scope, &s.value())),
                    _ => None,
                };
                self.push_routes(&m.args[1], path, m.span(), &mut chain);
            }
            // actix `web::resource("/x").route(web::post().to(h))`, `.to(h)`.
            "route" if m.args.len() == 1 => {
                let path = Some(scope.clone()).filter(|s| !s.is_empty());
                self.push_routes(&m.args[0], path, m.span(), &mut chain);
            }
            "to" if !scope.is_empty() => {
                if let Some(syn::Expr::Path(h)) = m.args.first() {
                    self.routes.push(RouteSpec {
                        handler: path_expr(&h.path),
                        method: "ANY".into(),
                        path: Some(scope.clone()),
                        guards: Vec::new(),
                        span: m.span(),
                    });
                    chain.routes.push(self.routes.len() - 1);
                }
            }
            "route_layer" | "layer" => {
                if let Some(guard) = m.args.first().and_then(layer_guard) {
                    for i in &chain.routes {
                        self.routes[*i].guards.insert(0, guard.clone());
                    }
                }
            }
            "wrap" => {
                if let Some(guard) = m.args.first().and_then(layer_guard) {
                    chain.wraps.push(guard);
                }
            }
            "service" => match m.args.first() {
                Some(syn::Expr::Path(h)) => {
                    self.services
                        .push((path_expr(&h.path), scope.clone(), Vec::new()));
                    chain.services.push(self.services.len() - 1);
                }
                Some(inner) => {
                    let nested = self.chain_of_scope(inner);
                    for i in nested.routes {
                        let r = &mut self.routes[i];
                        r.path = r
                            .path
                            .as_deref()
                            .map(|p| crate::frameworks::join_route_path(&scope, p));
                        chain.routes.push(i);
                    }
                    for i in nested.services {
                        let s = &mut self.services[i];
                        s.1 = crate::frameworks::join_route_path(&scope, &s.1);
                        chain.services.push(i);
                    }
                }
                None => {}
            },
            _ => {}
        }
        chain
    }

    /// A whole scope: its chain, with its `wrap` middleware put before each of its routes
    /// (the last `wrap` written runs first).
    fn chain_of_scope(&mut self, e: &syn::Expr) -> Chain {
        let mut chain = self.chain(e);
        for guard in std::mem::take(&mut chain.wraps) {
            for i in &chain.routes {
                self.routes[*i].guards.insert(0, guard.clone());
            }
            for i in &chain.services {
                self.services[*i].2.insert(0, guard.clone());
            }
        }
        chain
    }

    fn push_routes(
        &mut self,
        router: &syn::Expr,
        path: Option<String>,
        span: proc_macro2::Span,
        chain: &mut Chain,
    ) {
        for (method, handler) in method_router(router) {
            self.routes.push(RouteSpec {
                handler,
                method,
                path: path.clone(),
                guards: Vec::new(),
                span,
            });
            chain.routes.push(self.routes.len() - 1);
        }
    }
}

/// The path of the actix scope or resource a chain starts from (`web::scope("/api")`,
/// `web::resource("/invite")`), or empty.
fn scope_path(e: &syn::Expr) -> String {
    match e {
        syn::Expr::MethodCall(m) => scope_path(&m.receiver),
        syn::Expr::Call(c) => {
            let is_scope = matches!(&*c.func, syn::Expr::Path(p) if p.path.segments.last().is_some_and(|s| s.ident == "scope" || s.ident == "resource"));
            match c.args.first() {
                Some(syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(s),
                    ..
                })) if is_scope => s.value(),
                _ => String::new(),
            }
        }
        _ => String::new(),
    }
}

impl<'ast> Visit<'ast> for RouteFinder {
    fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
        let name = m.method.to_string();
        if matches!(
            name.as_str(),
            "route"
                | "route_layer"
                | "layer"
                | "with_state"
                | "nest"
                | "merge"
                | "service"
                | "wrap"
                | "to"
        ) {
            // Only the outermost call of a chain starts a walk; its receivers are covered.
            self.chain_of_scope(&syn::Expr::MethodCall(m.clone()));
            return;
        }
        syn::visit::visit_expr_method_call(self, m);
    }
}

/// The last name of a path expression (`post` of `web::post`), or empty.
fn last_ident(e: &syn::Expr) -> String {
    match e {
        syn::Expr::Path(p) => p
            .path
            .segments
            .last()
            .map(|s| s.ident.to_string())
            .unwrap_or_default(),
        _ => String::new(),
    }
}

/// `post(h)`, `get(a).post(b)`, `axum::routing::post(h)` → (method, handler).
fn method_router(e: &syn::Expr) -> Vec<(String, Expr)> {
    match e {
        syn::Expr::Call(c) => {
            let name = last_ident(&c.func);
            match c.args.first() {
                Some(syn::Expr::Path(h))
                    if ACTIX_VERBS.contains(&name.as_str()) || name == "any" =>
                {
                    vec![(name.to_uppercase(), path_expr(&h.path))]
                }
                _ => Vec::new(),
            }
        }
        // actix `web::post().to(h)`.
        syn::Expr::MethodCall(m) if m.method == "to" => match (&*m.receiver, m.args.first()) {
            (syn::Expr::Call(c), Some(syn::Expr::Path(h))) => {
                let verb = last_ident(&c.func);
                if ACTIX_VERBS.contains(&verb.as_str()) {
                    vec![(verb.to_uppercase(), path_expr(&h.path))]
                } else {
                    Vec::new()
                }
            }
            _ => Vec::new(),
        },
        syn::Expr::MethodCall(m) => {
            let mut out = method_router(&m.receiver);
            let name = m.method.to_string();
            if let Some(syn::Expr::Path(h)) = m.args.first() {
                if ACTIX_VERBS.contains(&name.as_str()) {
                    out.push((name.to_uppercase(), path_expr(&h.path)));
                }
            }
            out
        }
        _ => Vec::new(),
    }
}

/// `middleware::from_fn(mw)`, `from_fn_with_state(s, mw)` → `mw`;
/// `from_extractor::<T>()` → `T::from_request_parts()`.
fn layer_guard(e: &syn::Expr) -> Option<Expr> {
    let syn::Expr::Call(c) = e else {
        return None;
    };
    let syn::Expr::Path(p) = &*c.func else {
        return None;
    };
    let last = p.path.segments.last()?;
    match last.ident.to_string().as_str() {
        "from_fn" => match c.args.first() {
            Some(syn::Expr::Path(h)) => Some(path_expr(&h.path)),
            _ => None,
        },
        // actix-web-httpauth: `HttpAuthentication::bearer(validator)`.
        "bearer" | "basic" | "with_fn" => match c.args.first() {
            Some(syn::Expr::Path(h)) => Some(path_expr(&h.path)),
            _ => None,
        },
        "from_fn_with_state" => match c.args.iter().nth(1) {
            Some(syn::Expr::Path(h)) => Some(path_expr(&h.path)),
            _ => None,
        },
        "from_extractor" | "from_extractor_with_state" => {
            if let syn::PathArguments::AngleBracketed(a) = &last.arguments {
                if let Some(syn::GenericArgument::Type(t)) = a.args.first() {
                    return extractor_guard(&type_name(t));
                }
            }
            None
        }
        _ => None,
    }
}
