//! Ruby (tree-sitter) → IR.
//!
//! Framework knowledge of this ecosystem lives here: Rails controllers (public methods are
//! actions; `before_action`/`skip_before_action` with `only:`/`except:` are guards, inherited
//! from the parent controller), filters that halt by rendering or redirecting, Sinatra routes and
//! `halt`, `params` as request input, and bare method calls (`authorize!`).

use std::collections::HashSet;

use tree_sitter::Node;

use super::{named_children, ParseError, MAX_DEPTH};
use crate::ir::*;

const SINATRA_VERBS: &[&str] = &["get", "post", "put", "patch", "delete"];
/// Calls that end the request wherever they run.
const TERMINATING_CALLS: &[&str] = &["halt", "raise", "fail", "error!"];
/// Calls that end the request when a filter makes them.
const RESPONDING_CALLS: &[&str] = &["head", "render", "redirect_to", "redirect_back"];

/// `UsersController` of `Admin::UsersController`.
fn last_constant(name: &str) -> &str {
    name.rsplit("::").next().unwrap_or(name)
}

/// Whether Sinatra's route pattern `pattern` (`/team/*`, `/orgs/:id`) matches the route path
/// `path` as written (`/team/invitations`, `/orgs/:org_id/members`).
fn sinatra_pattern_matches(pattern: &str, path: &str) -> bool {
    let mut regex = String::from("^");
    let mut chars = pattern.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '*' => regex.push_str(".*"),
            ':' => {
                while chars
                    .peek()
                    .is_some_and(|c| c.is_alphanumeric() || *c == '_')
                {
                    chars.next();
                }
                regex.push_str("[^/]+");
            }
            c => regex.push_str(&fancy_regex::escape(&c.to_string())),
        }
    }
    regex.push('$');
    fancy_regex::Regex::new(&regex)
        .ok()
        .and_then(|r| r.is_match(path).ok())
        .unwrap_or(false)
}

pub fn parse(path: &str, source: &str) -> Result<Module, ParseError> {
    let tree = super::syntax_tree(tree_sitter_ruby::LANGUAGE.into(), source)?;
    let mut lower = Lowerer {
        src: source.as_bytes(),
        module: Module {
            path: path.to_string(),
            scope: ModuleScope::Global,
            ..Module::default()
        },
        nesting: super::Nesting::default(),
        in_filter: false,
        sinatra_filters: Vec::new(),
        sinatra_routes: Vec::new(),
        class_methods: Vec::new(),
        method_locals: HashSet::new(),
    };
    let root = tree.root_node();
    lower.module.syntax_errors = super::syntax_errors(root);
    lower.top_statements(root);
    lower.apply_sinatra_filters();
    if lower.nesting.too_deep {
        return Err(ParseError::TooDeep(MAX_DEPTH));
    }
    Ok(lower.module)
}

struct Lowerer<'a> {
    src: &'a [u8],
    module: Module,
    nesting: super::Nesting,
    /// Lowering a method that runs as a filter: rendering or redirecting halts the request.
    in_filter: bool,
    /// Sinatra `before` filters with the path pattern they are limited to (`before "/team/*"`),
    /// and the routes they may guard; put in place when the file is read, as Sinatra runs every
    /// matching filter whatever the order they are written in.
    sinatra_filters: Vec<(Option<String>, Expr)>,
    sinatra_routes: Vec<usize>,
    /// The methods the class being lowered defines: a bare name of one of them that is no local
    /// of the method is a call without parentheses (`payload = webhook_params`).
    class_methods: Vec<String>,
    /// The names the method being lowered binds (parameters, assignments, block parameters).
    method_locals: HashSet<String>,
}

/// A `before_action` as declared: the filter, and the actions it is limited to or excludes.
struct Filter {
    name: String,
    only: Vec<String>,
    except: Vec<String>,
    skip: bool,
}

impl Filter {
    fn applies_to(&self, action: &str) -> bool {
        (self.only.is_empty() || self.only.iter().any(|a| a == action))
            && !self.except.iter().any(|a| a == action)
    }
}

impl<'a> Lowerer<'a> {
    fn text(&self, node: Node) -> &'a str {
        std::str::from_utf8(&self.src[node.byte_range()]).unwrap_or("")
    }

    fn span(&self, node: Node) -> Span {
        super::span_of(node)
    }

    fn enter(&mut self) -> bool {
        self.nesting.enter()
    }

    fn leave(&mut self) {
        self.nesting.leave();
    }

    fn field_expr(&mut self, node: Node, field: &str) -> Expr {
        match node.child_by_field_name(field) {
            Some(child) => self.expr(child),
            None => Expr::Unknown(String::new()),
        }
    }

    /// Statements of a class or module body, or of the program.
    fn top_statements(&mut self, node: Node) {
        for child in named_children(node) {
            match child.kind() {
                "body_statement" => self.top_statements(child),
                "class" => self.class(child),
                "module" => self.mixin(child),
                "method" | "singleton_method" => {
                    // A concern's `require_member_manager` runs as a controller's filter: its
                    // `head :forbidden` halts the request as in the controller itself.
                    let name = child
                        .child_by_field_name("name")
                        .map(|n| self.text(n).to_string())
                        .unwrap_or_default();
                    self.in_filter = looks_like_filter(&name);
                    self.method(child);
                    self.in_filter = false;
                }
                "call" => self.sinatra_route(child),
                "assignment" => self.constant(child),
                _ => {}
            }
        }
    }

    /// `ROLES = %w[member]`, a class's `USER_CREATED = "dsync.user.created"`: a constant its
    /// file's code reads by name.
    fn constant(&mut self, assignment: Node) {
        if let (Some(l), Some(r)) = (
            assignment.child_by_field_name("left"),
            assignment.child_by_field_name("right"),
        ) {
            if l.kind() == "constant" {
                let v = self.expr(r);
                if v.is_module_constant() {
                    self.module.constants.push((self.text(l).to_string(), v));
                }
            }
        }
    }

    fn mixin(&mut self, node: Node) {
        if let Some(name) = node.child_by_field_name("name") {
            self.module.types.push(TypeDef {
                name: last_constant(self.text(name)).to_string(),
                parent: None,
                mixin: true,
            });
        }
        self.top_statements(node);
    }

    fn class(&mut self, node: Node) {
        let name = node
            .child_by_field_name("name")
            .map(|n| self.text(n).to_string())
            .unwrap_or_default();
        let superclass = node
            .child_by_field_name("superclass")
            .and_then(|s| s.named_child(0))
            .map(|s| self.text(s).to_string());
        self.module.types.push(TypeDef {
            name: last_constant(&name).to_string(),
            parent: superclass.as_deref().map(|s| last_constant(s).to_string()),
            mixin: false,
        });
        let controller = name.ends_with("Controller")
            || superclass.as_deref().is_some_and(|s| {
                s.ends_with("Controller") || s.ends_with("::Base") || s.ends_with("::API")
            });
        let mut filters: Vec<Filter> = Vec::new();
        let mut methods: Vec<(Node, bool)> = Vec::new();
        let mut private = false;
        let mut stack: Vec<Node> = named_children(node);
        stack.reverse();
        while let Some(child) = stack.pop() {
            match child.kind() {
                "body_statement" => {
                    let mut inner = named_children(child);
                    inner.reverse();
                    stack.extend(inner);
                }
                "identifier" if matches!(self.text(child), "private" | "protected") => {
                    private = true
                }
                "call" => {
                    let method = child
                        .child_by_field_name("method")
                        .map(|m| self.text(m))
                        .unwrap_or("");
                    if matches!(method, "private" | "protected") {
                        private = true;
                    } else if let Some(f) = self.filter(child, method) {
                        filters.extend(f);
                    }
                }
                "method" => methods.push((child, private)),
                "singleton_method" => {
                    self.method(child);
                }
                "class" => self.class(child),
                "module" => self.mixin(child),
                "assignment" => self.constant(child),
                _ => {}
            }
        }
        // Filters of this class, as a chain its subclasses inherit.
        let own: Vec<Expr> = filters
            .iter()
            .filter(|f| !f.skip && f.only.is_empty() && f.except.is_empty())
            .map(|f| filter_call(&f.name))
            .collect();
        if controller {
            self.module.guard_chains.push(GuardChain {
                name: name.clone(),
                root: superclass.as_ref().map(|s| Expr::Name(s.clone())),
                guards: own,
            });
        }
        let filter_names: Vec<String> = filters.iter().map(|f| f.name.clone()).collect();
        let names: Vec<String> = methods
            .iter()
            .filter_map(|(m, _)| m.child_by_field_name("name"))
            .map(|n| self.text(n).to_string())
            .collect();
        let outer_methods = std::mem::replace(&mut self.class_methods, names);
        for (m, is_private) in methods {
            let method_name = m
                .child_by_field_name("name")
                .map(|n| self.text(n).to_string())
                .unwrap_or_default();
            self.in_filter = is_private
                || filter_names.contains(&method_name)
                || looks_like_filter(&method_name);
            let id = self.method(m);
            self.in_filter = false;
            if !controller || is_private {
                continue;
            }
            // An action: inherited filters first (through the parent's chain), then this
            // class's filters that apply to it; skipped filters are left out.
            let skipped: Vec<String> = filters
                .iter()
                .filter(|f| f.skip && f.applies_to(&method_name))
                .map(|f| f.name.clone())
                .collect();
            let guards: Vec<Expr> = filters
                .iter()
                .filter(|f| !f.skip && f.applies_to(&method_name))
                .map(|f| filter_call(&f.name))
                .collect();
            let span = self.module.functions[id].span;
            self.module.entries.push(EntryPoint {
                handler: Expr::Function(id),
                kind: EntryKind::Route {
                    method: match method_name.as_str() {
                        "create" => "POST",
                        "update" => "PATCH",
                        "destroy" => "DELETE",
                        "index" | "show" | "new" | "edit" => "GET",
                        _ => "ANY",
                    }
                    .to_string(),
                    path: Some(format!("{name}#{method_name}")),
                },
                guards,
                chain_root: superclass.as_ref().map(|s| Expr::Name(s.clone())),
                validated_input: Vec::new(),
                skipped_guards: skipped,
                handler_params: Vec::new(),
                receiver: None,
                span,
            });
        }
        self.class_methods = outer_methods;
    }

    /// `before_action :a, :b, only: [:create]`, `skip_before_action :a`.
    fn filter(&mut self, node: Node, method: &str) -> Option<Vec<Filter>> {
        let skip = match method {
            "before_action" | "before_filter" | "prepend_before_action" => false,
            "skip_before_action" | "skip_before_filter" => true,
            _ => return None,
        };
        let args = node.child_by_field_name("arguments")?;
        let mut names = Vec::new();
        let mut only = Vec::new();
        let mut except = Vec::new();
        for a in named_children(args) {
            match a.kind() {
                "simple_symbol" => names.push(symbol_name(self.text(a))),
                "pair" => {
                    let key = a
                        .child_by_field_name("key")
                        .map(|k| symbol_name(self.text(k)))
                        .unwrap_or_default();
                    let values: Vec<String> = a
                        .child_by_field_name("value")
                        .map(|v| symbols_in(self, v))
                        .unwrap_or_default();
                    match key.as_str() {
                        "only" => only = values,
                        "except" => except = values,
                        _ => {}
                    }
                }
                _ => {}
            }
        }
        Some(
            names
                .into_iter()
                .map(|name| Filter {
                    name,
                    only: only.clone(),
                    except: except.clone(),
                    skip,
                })
                .collect(),
        )
    }

    /// Sinatra: `post "/path" do … end`, `before do … end`.
    fn sinatra_route(&mut self, node: Node) {
        let method = node
            .child_by_field_name("method")
            .map(|m| self.text(m))
            .unwrap_or("");
        if node.child_by_field_name("receiver").is_some() {
            return;
        }
        let Some(block) = node.child_by_field_name("block") else {
            return;
        };
        if method == "before" {
            let pattern = node
                .child_by_field_name("arguments")
                .and_then(|a| a.named_child(0))
                .filter(|p| p.kind() == "string")
                .map(|p| super::unquote(self.text(p)));
            self.in_filter = true;
            let id = self.block_function(block, "before");
            self.in_filter = false;
            let guard = Expr::Call(Box::new(Call {
                callee: Expr::Function(id),
                args: Vec::new(),
                span: self.span(node),
                construct: false,
            }));
            self.sinatra_filters.push((pattern, guard));
            return;
        }
        if !SINATRA_VERBS.contains(&method) {
            return;
        }
        let path = node
            .child_by_field_name("arguments")
            .and_then(|a| a.named_child(0))
            .map(|p| super::unquote(self.text(p)));
        let name = format!(
            "{} {}",
            method.to_uppercase(),
            path.clone().unwrap_or_default()
        );
        let id = self.block_function(block, &name);
        let span = self.span(node);
        self.sinatra_routes.push(self.module.entries.len());
        self.module.entries.push(EntryPoint::plain(
            Expr::Function(id),
            EntryKind::Route {
                method: method.to_uppercase(),
                path,
            },
            span,
        ));
    }

    /// Every `before` filter whose pattern matches a route's path guards it, in the order the
    /// filters are written; a filter with a pattern does not guard a route of unknown path.
    fn apply_sinatra_filters(&mut self) {
        for &i in &self.sinatra_routes {
            let path = match &self.module.entries[i].kind {
                EntryKind::Route { path, .. } => path.clone(),
                _ => None,
            };
            let guards: Vec<Expr> = self
                .sinatra_filters
                .iter()
                .filter(|(pattern, _)| match (pattern, &path) {
                    (None, _) => true,
                    (Some(pattern), Some(path)) => sinatra_pattern_matches(pattern, path),
                    (Some(_), None) => false,
                })
                .map(|(_, g)| g.clone())
                .collect();
            self.module.entries[i].guards.splice(0..0, guards);
        }
    }

    fn block_function(&mut self, block: Node, name: &str) -> FunctionId {
        let params = block
            .child_by_field_name("parameters")
            .map(|p| self.params(p))
            .unwrap_or_default();
        let id = self.module.functions.len();
        self.module.functions.push(Function {
            name: name.to_string(),
            params,
            body: Vec::new(),
            span: self.span(block),
            exported: false,
            callable: false,
            runs_as: None,
            method: false,
            is_async: false,
        });
        let body = match block.child_by_field_name("body") {
            Some(b) => self.statements(b),
            None => {
                let parts: Vec<Node> = named_children(block)
                    .into_iter()
                    .filter(|c| c.kind() != "block_parameters")
                    .collect();
                let mut out = Vec::new();
                for p in parts {
                    if p.kind() == "body_statement" || p.kind() == "block_body" {
                        out.extend(self.statements(p));
                    } else if let Some(s) = self.stmt(p) {
                        out.push(s);
                    }
                }
                out
            }
        };
        self.module.functions[id].body = body;
        id
    }

    fn method(&mut self, node: Node) -> FunctionId {
        let name = node
            .child_by_field_name("name")
            .map(|n| self.text(n).to_string())
            .unwrap_or_default();
        let params = node
            .child_by_field_name("parameters")
            .map(|p| self.params(p))
            .unwrap_or_default();
        let id = self.module.functions.len();
        self.module.functions.push(Function {
            name,
            params,
            body: Vec::new(),
            span: self.span(node),
            exported: true,
            callable: true,
            runs_as: None,
            method: false,
            is_async: false,
        });
        let outer_locals = std::mem::replace(&mut self.method_locals, bound_names(node, self.src));
        let body = match node.child_by_field_name("body") {
            Some(b) => self.statements(b),
            None => {
                let mut out = Vec::new();
                for c in named_children(node) {
                    if c.kind() == "body_statement" {
                        out.extend(self.statements(c));
                    }
                }
                out
            }
        };
        self.module.functions[id].body = implicit_result(body);
        self.method_locals = outer_locals;
        id
    }

    fn params(&mut self, node: Node) -> Vec<Param> {
        named_children(node)
            .into_iter()
            .filter_map(|p| {
                let name_node = match p.kind() {
                    "identifier" => Some(p),
                    _ => p.child_by_field_name("name"),
                }?;
                Some(Param {
                    name: self.text(name_node).to_string(),
                    role: ParamRole::Plain,
                    bindings: Vec::new(),
                    default_call: None,
                    annotation: None,
                })
            })
            .collect()
    }

    // ----- statements ------------------------------------------------------------------

    /// A method or block body, with `rescue`/`ensure` clauses turned into a try.
    fn statements(&mut self, node: Node) -> Vec<Stmt> {
        let mut body = Vec::new();
        let mut rescues: Vec<Vec<Stmt>> = Vec::new();
        let mut ensure = Vec::new();
        let mut has_rescue = false;
        for c in named_children(node) {
            match c.kind() {
                "rescue" => {
                    has_rescue = true;
                    let stmts = c
                        .child_by_field_name("body")
                        .map(|b| self.statements(b))
                        .unwrap_or_default();
                    rescues.push(stmts);
                }
                "ensure" => ensure = self.statements(c),
                "else" => body.extend(self.statements(c)),
                "then" | "body_statement" | "block_body" => body.extend(self.statements(c)),
                _ => {
                    if let Some(s) = self.stmt(c) {
                        body.push(s);
                    }
                }
            }
        }
        if !has_rescue && ensure.is_empty() {
            return body;
        }
        let catch = if has_rescue {
            let mut rescues = rescues.into_iter();
            let first = rescues.next().unwrap_or_default();
            Some(rescues.fold(first, |acc, next| {
                vec![Stmt::If {
                    cond: Expr::Unknown("exception type".into()),
                    then: acc,
                    otherwise: next,
                    span: Span::default(),
                }]
            }))
        } else {
            None
        };
        vec![Stmt::Try {
            body,
            catch,
            finally: ensure,
            span: self.span(node),
        }]
    }

    fn stmt(&mut self, node: Node) -> Option<Stmt> {
        if !self.enter() {
            return None;
        }
        let out = self.stmt_inner(node);
        self.leave();
        out
    }

    fn stmt_inner(&mut self, node: Node) -> Option<Stmt> {
        let span = self.span(node);
        Some(match node.kind() {
            "if" | "unless" | "elsif" => {
                let mut cond = self.field_expr(node, "condition");
                if node.kind() == "unless" {
                    cond = negate(cond);
                }
                let then = node
                    .child_by_field_name("consequence")
                    .map(|c| self.statements(c))
                    .unwrap_or_default();
                let otherwise = match node.child_by_field_name("alternative") {
                    Some(a) if a.kind() == "elsif" => self.stmt(a).into_iter().collect(),
                    Some(a) => self.statements(a),
                    None => Vec::new(),
                };
                Stmt::If {
                    cond,
                    then,
                    otherwise,
                    span,
                }
            }
            "if_modifier" | "unless_modifier" => {
                let mut cond = self.field_expr(node, "condition");
                if node.kind() == "unless_modifier" {
                    cond = negate(cond);
                }
                let then = node
                    .child_by_field_name("body")
                    .and_then(|b| self.stmt(b))
                    .into_iter()
                    .collect();
                Stmt::If {
                    cond,
                    then,
                    otherwise: Vec::new(),
                    span,
                }
            }
            "while" | "until" | "while_modifier" | "until_modifier" | "for" => {
                let cond = node.child_by_field_name("condition").map(|c| self.expr(c));
                let body = node
                    .child_by_field_name("body")
                    .map(|b| match b.kind() {
                        "do" | "body_statement" => self.statements(b),
                        _ => self.stmt(b).into_iter().collect(),
                    })
                    .unwrap_or_default();
                Stmt::Loop { cond, body, span }
            }
            "case" => {
                let subject = self.field_expr(node, "value");
                let mut cases = Vec::new();
                for c in named_children(node) {
                    if c.kind() == "when" || c.kind() == "else" {
                        let body = c
                            .child_by_field_name("body")
                            .map(|b| self.statements(b))
                            .unwrap_or_else(|| self.statements(c));
                        // `when "a", "b"`: the values the subject is compared with.
                        let mut patterns: Vec<Expr> = named_children(c)
                            .into_iter()
                            .filter(|p| p.kind() == "pattern")
                            .filter_map(|p| p.named_child(0))
                            .map(|p| self.expr(p))
                            .collect();
                        let test = match patterns.len() {
                            0 => Expr::Unknown("when".into()),
                            1 => patterns.remove(0),
                            _ => Expr::Array(patterns),
                        };
                        cases.push(SwitchCase {
                            test: (c.kind() == "when").then_some(test),
                            body,
                            falls_through: false,
                        });
                    }
                }
                Stmt::Switch {
                    subject,
                    cases,
                    span,
                }
            }
            "begin" => Stmt::Block {
                body: self.statements(node),
            },
            "return" => Stmt::Return {
                value: node
                    .named_child(0)
                    .and_then(|a| a.named_child(0))
                    .map(|v| self.expr(v)),
                span,
            },
            "break" | "next" => Stmt::Break { span },
            "assignment" | "operator_assignment" => {
                let left = node.child_by_field_name("left")?;
                let value = self.field_expr(node, "right");
                match left.kind() {
                    "identifier" => Stmt::Let {
                        bindings: vec![Binding {
                            name: self.text(left).to_string(),
                            path: Vec::new(),
                            role: None,
                        }],
                        value: Some(value),
                        span,
                    },
                    _ => Stmt::Assign {
                        target: self.expr(left),
                        value,
                        span,
                    },
                }
            }
            "binary" => {
                // `head :forbidden and return`, `render(...) and return`.
                let op = node
                    .child_by_field_name("operator")
                    .map(|o| self.text(o))
                    .unwrap_or("");
                let right = node.child_by_field_name("right");
                if matches!(op, "and" | "&&") && right.is_some_and(|r| r.kind() == "return") {
                    let left = self.field_expr(node, "left");
                    return Some(Stmt::Return {
                        value: Some(left),
                        span,
                    });
                }
                Stmt::Expr {
                    expr: self.expr(node),
                    span,
                }
            }
            "identifier" => {
                // A bare name in statement position is a method call (`authenticate_user!`).
                let expr = Expr::Call(Box::new(Call {
                    callee: Expr::Name(self.text(node).to_string()),
                    args: Vec::new(),
                    span,
                    construct: false,
                }));
                self.call_stmt(expr, span)
            }
            "comment" => return None,
            _ => {
                let expr = self.expr(node);
                self.call_stmt(expr, span)
            }
        })
    }

    /// A call in statement position: `raise`/`halt` end the request; in a filter, so do
    /// `head`, `render` and `redirect_to`.
    fn call_stmt(&self, expr: Expr, span: Span) -> Stmt {
        if let Expr::Call(call) = expr.peel() {
            let name = call.callee.path().unwrap_or_default();
            if TERMINATING_CALLS.contains(&name.as_str())
                || (self.in_filter && RESPONDING_CALLS.contains(&name.as_str()))
            {
                return Stmt::Throw { value: expr, span };
            }
        }
        Stmt::Expr { expr, span }
    }

    // ----- expressions -----------------------------------------------------------------

    fn expr(&mut self, node: Node) -> Expr {
        if !self.enter() {
            return Expr::Unknown(String::new());
        }
        let out = self.expr_inner(node);
        self.leave();
        out
    }

    fn expr_inner(&mut self, node: Node) -> Expr {
        match node.kind() {
            "identifier" | "constant" | "instance_variable" | "class_variable"
            | "global_variable" => {
                let name = self
                    .text(node)
                    .trim_start_matches('@')
                    .trim_start_matches('$')
                    .to_string();
                if name == "params" {
                    Expr::RequestGlobal(name)
                } else if node.kind() == "identifier"
                    && self.class_methods.contains(&name)
                    && !self.method_locals.contains(&name)
                {
                    // A method of this class called without parentheses (`webhook_params`).
                    Expr::Call(Box::new(Call {
                        callee: Expr::Name(name),
                        args: Vec::new(),
                        span: self.span(node),
                        construct: false,
                    }))
                } else {
                    Expr::Name(name)
                }
            }
            "self" => Expr::Name("this".into()),
            "nil" => Expr::Literal(Literal::Null),
            "true" => Expr::Literal(Literal::Bool(true)),
            "false" => Expr::Literal(Literal::Bool(false)),
            "integer" | "float" => Expr::Literal(Literal::Num(self.text(node).to_string())),
            "string" => {
                let pieces = named_children(node);
                if !pieces.iter().any(|c| c.kind() == "interpolation") {
                    Expr::Literal(Literal::Str(super::unquote(self.text(node))))
                } else {
                    // Literal text and interpolations in order: where the text starts tells
                    // where a URL built this way can lead.
                    Expr::Template(
                        pieces
                            .into_iter()
                            .filter_map(|p| match p.kind() {
                                "string_content" => {
                                    Some(Expr::Literal(Literal::Str(self.text(p).to_string())))
                                }
                                "interpolation" => p.named_child(0).map(|e| self.expr(e)),
                                _ => None,
                            })
                            .collect(),
                    )
                }
            }
            "simple_symbol" | "hash_key_symbol" | "delimited_symbol" => {
                Expr::Literal(Literal::Str(symbol_name(self.text(node))))
            }
            "string_array" | "symbol_array" => Expr::Array(
                named_children(node)
                    .into_iter()
                    .map(|c| Expr::Literal(Literal::Str(symbol_name(self.text(c)))))
                    .collect(),
            ),
            "array" | "argument_list" => Expr::Array(
                named_children(node)
                    .into_iter()
                    .map(|c| self.expr(c))
                    .collect(),
            ),
            "hash" => {
                let mut props = Vec::new();
                for p in named_children(node) {
                    if p.kind() == "pair" {
                        let key = p
                            .child_by_field_name("key")
                            .map(|k| symbol_name(self.text(k)))
                            .unwrap_or_default();
                        let value = self.field_expr(p, "value");
                        props.push(Property { key, value });
                    }
                }
                Expr::Object(props)
            }
            "parenthesized_statements" | "parenthesized_expression" => match node.named_child(0) {
                Some(inner) => self.expr(inner),
                None => Expr::Unknown(String::new()),
            },
            "scope_resolution" => {
                let scope = node.child_by_field_name("scope").map(|s| self.expr(s));
                let name = node
                    .child_by_field_name("name")
                    .map(|n| self.text(n).to_string())
                    .unwrap_or_default();
                match scope {
                    Some(s) => Expr::Member {
                        object: Box::new(s),
                        property: name,
                    },
                    None => Expr::Name(name),
                }
            }
            "element_reference" => {
                let object = self.field_expr(node, "object");
                let index = named_children(node)
                    .get(1)
                    .map(|i| self.expr(*i))
                    .unwrap_or(Expr::Unknown(String::new()));
                Expr::subscript(object, index)
            }
            "call" => self.call(node),
            "unary" | "not" => Expr::Unary {
                op: "!".into(),
                operand: Box::new(self.field_expr(node, "operand")),
            },
            "binary" => {
                let op = node
                    .child_by_field_name("operator")
                    .map(|o| self.text(o))
                    .unwrap_or("");
                let op = match op {
                    "and" => "&&",
                    "or" => "||",
                    "==" => "===",
                    "!=" => "!==",
                    other => other,
                }
                .to_string();
                Expr::Binary {
                    op,
                    left: Box::new(self.field_expr(node, "left")),
                    right: Box::new(self.field_expr(node, "right")),
                }
            }
            "conditional" => Expr::Conditional {
                cond: Box::new(self.field_expr(node, "condition")),
                then: Box::new(self.field_expr(node, "consequence")),
                otherwise: Box::new(self.field_expr(node, "alternative")),
            },
            "lambda" | "block" | "do_block" => {
                let id = self.block_function(node, "<block>");
                Expr::Function(id)
            }
            _ => Expr::Unknown(
                self.text(node)
                    .lines()
                    .next()
                    .unwrap_or("")
                    .chars()
                    .take(60)
                    .collect(),
            ),
        }
    }

    fn call(&mut self, node: Node) -> Expr {
        let method = node
            .child_by_field_name("method")
            .map(|m| self.text(m).to_string())
            .unwrap_or_default();
        let receiver = node.child_by_field_name("receiver").map(|r| self.expr(r));
        let callee = match receiver {
            Some(r) => Expr::Member {
                object: Box::new(r),
                property: method.clone(),
            },
            None => Expr::Name(method.clone()),
        };
        let mut args = Vec::new();
        if let Some(list) = node.child_by_field_name("arguments") {
            for a in named_children(list) {
                match a.kind() {
                    "pair" => {
                        let key = a
                            .child_by_field_name("key")
                            .map(|k| symbol_name(self.text(k)));
                        let value = self.field_expr(a, "value");
                        args.push(Arg { name: key, value });
                    }
                    "block_argument" | "splat_argument" | "hash_splat_argument" => {
                        if let Some(inner) = a.named_child(0) {
                            args.push(Arg {
                                name: None,
                                value: self.expr(inner),
                            });
                        }
                    }
                    _ => args.push(Arg {
                        name: None,
                        value: self.expr(a),
                    }),
                }
            }
        }
        if let Some(block) = node.child_by_field_name("block") {
            let id = self.block_function(block, "<block>");
            args.push(Arg {
                name: None,
                value: Expr::Function(id),
            });
        }
        // `ALLOWED.include?(x)` is a membership test like `includes`.
        let callee = match callee {
            Expr::Member { object, property }
                if property == "include?" || property == "member?" =>
            {
                Expr::Member {
                    object,
                    property: "includes".into(),
                }
            }
            other => other,
        };
        // `params.require(:x).permit(:a)` keeps reading request input.
        Expr::Call(Box::new(Call {
            callee,
            args,
            span: self.span(node),
            construct: method == "new",
        }))
    }
}

/// A method's last expression is its result: `def sig_ok?(…) … secure_compare(a, b) end`
/// hands its caller the comparison's verdict, as `return secure_compare(a, b)` would.
fn implicit_result(mut body: Vec<Stmt>) -> Vec<Stmt> {
    if let Some(Stmt::Expr { expr, span }) = body.last() {
        let (value, span) = (expr.clone(), *span);
        body.pop();
        body.push(Stmt::Return {
            value: Some(value),
            span,
        });
    }
    body
}

fn filter_call(name: &str) -> Expr {
    Expr::Call(Box::new(Call {
        callee: Expr::Name(name.to_string()),
        args: Vec::new(),
        span: Span::default(),
        construct: false,
    }))
}

fn looks_like_filter(name: &str) -> bool {
    name.ends_with('!')
        || [
            "require",
            "authorize",
            "authenticate",
            "ensure",
            "check",
            "verify",
        ]
        .iter()
        .any(|p| name.starts_with(p))
}

fn negate(e: Expr) -> Expr {
    Expr::Unary {
        op: "!".into(),
        operand: Box::new(e),
    }
}

fn symbol_name(text: &str) -> String {
    text.trim()
        .trim_start_matches(':')
        .trim_end_matches(':')
        .trim_matches('"')
        .trim_matches('\'')
        .to_string()
}

fn symbols_in(lower: &Lowerer, node: Node) -> Vec<String> {
    match node.kind() {
        "simple_symbol" => vec![symbol_name(lower.text(node))],
        _ => named_children(node)
            .into_iter()
            .flat_map(|c| symbols_in(lower, c))
            .collect(),
    }
}

/// The names a method binds anywhere in it: its parameters, the targets of assignments, block
/// and lambda parameters, rescued exceptions and loop variables. Ruby decides at parse time that
/// a bare name is a local once it is assigned; any binding in the method is taken for one here,
/// so a name is read as a call only when the method never binds it.
fn bound_names(method: Node, src: &[u8]) -> HashSet<String> {
    let mut out = HashSet::new();
    let mut stack = vec![method];
    while let Some(node) = stack.pop() {
        let binds = match node.kind() {
            "assignment" | "operator_assignment" => node.child_by_field_name("left"),
            "method_parameters"
            | "block_parameters"
            | "lambda_parameters"
            | "parameters"
            | "exception_variable"
            | "for"
            | "left_assignment_list"
            | "destructured_parameter" => Some(node),
            _ => None,
        };
        if let Some(binding) = binds {
            let mut inner = vec![binding];
            while let Some(n) = inner.pop() {
                let name = match n.kind() {
                    "identifier" => Some(n),
                    "optional_parameter" | "keyword_parameter" => n.child_by_field_name("name"),
                    _ => None,
                };
                if let Some(text) = name.and_then(|n| n.utf8_text(src).ok()) {
                    out.insert(text.to_string());
                }
                // Only the names being bound: not those read in a default value or an index.
                if !matches!(
                    n.kind(),
                    "call" | "element_reference" | "optional_parameter" | "keyword_parameter"
                ) || n == binding
                {
                    let mut cursor = n.walk();
                    inner.extend(n.named_children(&mut cursor));
                }
            }
        }
        let mut cursor = node.walk();
        stack.extend(node.named_children(&mut cursor));
    }
    out
}
