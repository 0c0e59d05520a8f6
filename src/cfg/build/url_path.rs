//! Tests of the request's URL path, decided for an entry whose path is known. A middleware
//! runs before many routes and often lets some through unchecked (`if
//! (pathname.startsWith("/api/public")) return NextResponse.next()`, `isPublicRoute(pathname)`);
//! for `POST /api/team/invite` such a branch is never taken, so the check after it guards the
//! route, while for `/api/public/x` it is always taken.
//!
//! Only what is certain is decided: the path read from the request's URL (`nextUrl.pathname`,
//! `new URL(request.url).pathname`, SvelteKit's `url.pathname`, Go's `r.URL.Path`, Flask's
//! `request.path` — never a path relative to a mounted router), compared with literals,
//! constants and lists by equality, prefix, suffix or substring (Python's `in` too), through
//! `&&`, `||`, `!`, `.some(…)`, `includes`/`has`, and helpers or callbacks of the program. A test of a
//! parameterised segment, a regular expression or anything else unknown keeps both ways.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use crate::cfg::value::Value;
use crate::ir::{Expr, Literal, ParamRole, Stmt};
use crate::parse::{FnRef, Program};

/// How deep evaluation goes through names, helpers and callbacks.
const MAX_DEPTH: usize = 8;
/// Items of a list tried one by one (`PUBLIC_PATHS.some(…)`).
const MAX_ITEMS: usize = 256;

#[derive(Clone, Debug, PartialEq)]
enum Known {
    /// The request's URL path.
    Path,
    /// The request's URL, whose `pathname` is the path.
    Url,
    Str(String),
    /// A string that starts so; the rest is not known (`` `${route}/${id}` ``).
    Prefix(String),
    Bool(bool),
    List(Vec<Known>),
    /// A function of the program (a helper, a callback).
    Func(FnRef),
    Unknown,
}

impl Known {
    /// Truthiness, where it is certain.
    fn truth(&self) -> Option<bool> {
        match self {
            Known::Bool(b) => Some(*b),
            Known::Str(s) => Some(!s.is_empty()),
            Known::Prefix(p) if !p.is_empty() => Some(true),
            Known::Path | Known::Url | Known::List(_) | Known::Func(_) => Some(true),
            _ => None,
        }
    }
}

fn known_bool(b: Option<bool>) -> Known {
    b.map_or(Known::Unknown, Known::Bool)
}

/// The entry's path as a pattern: literal segments up to the first parameter (`/org/[id]`,
/// `/org/:id`, `/files/*`, `/org/{id}`, `/org/<id>`).
struct Route {
    full: String,
    /// The literal part before the first parameter, with its trailing `/`; all of it when
    /// there is none.
    fixed: String,
    parameterised: bool,
}

impl Route {
    fn new(path: &str) -> Route {
        // A pattern written as a regular expression (Django's `re_path`) decides nothing.
        if path.contains(['^', '$', '(', ')', '?', '+', '\\', '|']) {
            return Route {
                full: path.to_string(),
                fixed: String::new(),
                parameterised: true,
            };
        }
        // Django writes paths without the leading `/` the request has.
        let full = format!("/{}", path.trim_start_matches('/'));
        let full = full.as_str();
        let mut fixed = String::new();
        let mut parameterised = false;
        for (i, segment) in full.split('/').enumerate() {
            let param = segment.starts_with([':', '[', '{', '<', '$']) || segment.contains('*');
            if param {
                parameterised = true;
                break;
            }
            if i > 0 {
                fixed.push('/');
            }
            fixed.push_str(segment);
        }
        if parameterised {
            fixed.push('/');
        }
        Route {
            full: full.to_string(),
            fixed,
            parameterised,
        }
    }

    fn starts_with(&self, s: &str) -> Option<bool> {
        if !self.parameterised {
            Some(self.full.starts_with(s))
        } else if s.len() <= self.fixed.len() {
            Some(self.fixed.starts_with(s))
        } else if !s.starts_with(&self.fixed) {
            Some(false)
        } else {
            None
        }
    }

    fn equals(&self, s: &str) -> Option<bool> {
        let trim = |p: &str| {
            let t = p.trim_end_matches('/');
            if t.is_empty() {
                "/".to_string()
            } else {
                t.to_string()
            }
        };
        if !self.parameterised {
            Some(trim(&self.full) == trim(s))
        } else if !s.starts_with(&self.fixed) {
            Some(false)
        } else {
            None
        }
    }

    fn ends_with(&self, s: &str) -> Option<bool> {
        (!self.parameterised).then(|| self.full.ends_with(s))
    }

    fn contains(&self, s: &str) -> Option<bool> {
        if !self.parameterised {
            Some(self.full.contains(s))
        } else if self.fixed.contains(s) {
            Some(true)
        } else {
            None
        }
    }

    /// The path starts with `prefix` followed by something unknown.
    fn starts_with_prefix(&self, prefix: &str) -> Option<bool> {
        match self.starts_with(prefix) {
            Some(false) => Some(false),
            _ => None,
        }
    }
}

/// Decides tests of the request's URL path for one entry.
pub(super) struct UrlPathTests<'p> {
    program: &'p Program,
    route: Route,
    /// Names bound once in each function (`const { pathname } = request.nextUrl`).
    locals: RefCell<HashMap<FnRef, Rc<HashMap<String, Expr>>>>,
}

/// One function being evaluated.
struct Scope<'s> {
    func: FnRef,
    locals: Rc<HashMap<String, Expr>>,
    /// Parameters bound to what a helper or callback was called with.
    bound: HashMap<String, Known>,
    /// Names the CFG builder knows in the function where the test is written (a helper's
    /// parameter it inlined with the request's path).
    outer: Option<&'s dyn Fn(&str) -> Value>,
    /// The scope a callback is written in, whose names it reads (`route => pathname === route`).
    parent: Option<&'s Scope<'s>>,
}

impl<'p> UrlPathTests<'p> {
    pub(super) fn new(program: &'p Program, path: &str) -> Self {
        UrlPathTests {
            program,
            route: Route::new(path),
            locals: RefCell::new(HashMap::new()),
        }
    }

    /// Whether `cond`, written in `func`, holds for this entry's path: `None` unless certain.
    pub(super) fn decide(
        &self,
        func: FnRef,
        cond: &Expr,
        outer: &dyn Fn(&str) -> Value,
    ) -> Option<bool> {
        // Most conditions never read the URL: only those that do are worth evaluating.
        if !self.may_read_path(cond) {
            return None;
        }
        let scope = Scope {
            func,
            locals: self.locals_of(func),
            bound: HashMap::new(),
            outer: Some(outer),
            parent: None,
        };
        self.eval(cond, &scope, 0).truth()
    }

    /// Whether a condition names anything that may hold or compute the path: a member, a call,
    /// a local bound in the function, or a name.
    fn may_read_path(&self, cond: &Expr) -> bool {
        let mut found = false;
        crate::ir::visit_expr(cond, &mut |e| {
            found |= matches!(
                e,
                Expr::Name(_) | Expr::Member { .. } | Expr::Call(_) | Expr::RequestGlobal(_)
            );
        });
        found
    }

    fn locals_of(&self, func: FnRef) -> Rc<HashMap<String, Expr>> {
        if let Some(l) = self.locals.borrow().get(&func) {
            return l.clone();
        }
        let mut defined: HashMap<String, Expr> = HashMap::new();
        let mut reassigned: Vec<String> = Vec::new();
        collect_locals(
            &self.program.function(func).body,
            &mut defined,
            &mut reassigned,
        );
        for name in reassigned {
            defined.remove(&name);
        }
        let l = Rc::new(defined);
        self.locals.borrow_mut().insert(func, l.clone());
        l
    }

    fn eval(&self, e: &Expr, scope: &Scope, depth: usize) -> Known {
        if depth > MAX_DEPTH {
            return Known::Unknown;
        }
        let d = depth + 1;
        match e.peel() {
            Expr::Literal(Literal::Str(s)) => Known::Str(s.clone()),
            Expr::Literal(Literal::Bool(b)) => Known::Bool(*b),
            Expr::Name(n) => self.name(n, scope, d),
            Expr::RequestGlobal(_) => Known::Unknown,
            Expr::Member { object, property } => self.member(object, property, scope, d),
            Expr::Template(parts) => {
                let mut text = String::new();
                for part in parts {
                    match self.eval(part, scope, d) {
                        Known::Str(s) => text.push_str(&s),
                        _ => return prefix_or_unknown(text),
                    }
                }
                Known::Str(text)
            }
            Expr::Array(items) => Known::List(
                items
                    .iter()
                    .take(MAX_ITEMS)
                    .map(|i| self.eval(i, scope, d))
                    .collect(),
            ),
            Expr::Unary { op, operand } if op == "!" || op == "not" => {
                known_bool(self.eval(operand, scope, d).truth().map(|t| !t))
            }
            Expr::Binary { op, left, right } => self.binary(op, left, right, scope, d),
            Expr::Conditional {
                cond,
                then,
                otherwise,
            } => match self.eval(cond, scope, d).truth() {
                Some(true) => self.eval(then, scope, d),
                Some(false) => self.eval(otherwise, scope, d),
                None => Known::Unknown,
            },
            Expr::Function(id) => Known::Func(FnRef {
                module: scope.func.module,
                function: *id,
            }),
            Expr::Call(call) => self.call(call, scope, d),
            _ => Known::Unknown,
        }
    }

    fn name(&self, n: &str, scope: &Scope, d: usize) -> Known {
        if let Some(k) = scope.bound.get(n) {
            return k.clone();
        }
        if let Some(def) = scope.locals.get(n) {
            return self.eval(def, scope, d);
        }
        if let Some(parent) = scope.parent {
            return self.name(n, parent, d);
        }
        if let Some(outer) = scope.outer {
            let v = outer(n);
            if is_request_path(&v) {
                return Known::Path;
            }
            if !matches!(v.peel(), Value::Global { .. }) {
                return match v.peel() {
                    Value::Literal { value } => Known::Str(value.clone()),
                    _ => Known::Unknown,
                };
            }
        }
        // A module-level binding: a constant list, a `new Set([...])`, a helper.
        let module = &self.program.modules[scope.func.module];
        if let Some(value) = module.top_level.iter().rev().find_map(|s| match s {
            Stmt::Let {
                bindings,
                value: Some(v),
                ..
            } if bindings.len() == 1 && bindings[0].name == n && bindings[0].path.is_empty() => {
                Some(v)
            }
            _ => None,
        }) {
            let module_scope = Scope {
                func: scope.func,
                locals: Rc::new(HashMap::new()),
                bound: HashMap::new(),
                outer: None,
                parent: None,
            };
            return self.eval(value, &module_scope, d);
        }
        if let Some((_, value)) = module.constants.iter().rev().find(|(c, _)| c == n) {
            return self.eval(value, scope, d);
        }
        match self
            .program
            .resolve_callee(scope.func.module, &Expr::Name(n.to_string()))
        {
            Some(f) => Known::Func(f),
            None => Known::Unknown,
        }
    }

    fn member(&self, object: &Expr, property: &str, scope: &Scope, d: usize) -> Known {
        // Flask's `request.path`: the whole path of the request.
        if let (Expr::RequestGlobal(_), "path") = (object.peel(), property) {
            return Known::Path;
        }
        match (property, self.eval(object, scope, d)) {
            ("pathname", Known::Url) => Known::Path,
            ("nextUrl", _) => Known::Url,
            _ => match (object.peel(), property) {
                // SvelteKit's `event.url.pathname`; Go's `r.URL.Path`.
                (Expr::Member { property: url, .. }, "pathname") if url == "url" => Known::Path,
                (Expr::Member { property: url, .. }, "Path") if url == "URL" => Known::Path,
                _ => Known::Unknown,
            },
        }
    }

    fn binary(&self, op: &str, left: &Expr, right: &Expr, scope: &Scope, d: usize) -> Known {
        match op {
            "&&" | "and" => self.junction(false, left, right, scope, d),
            "||" | "or" => self.junction(true, left, right, scope, d),
            "===" | "==" => {
                let (l, r) = (self.eval(left, scope, d), self.eval(right, scope, d));
                known_bool(self.equals(&l, &r))
            }
            "!==" | "!=" => {
                let (l, r) = (self.eval(left, scope, d), self.eval(right, scope, d));
                known_bool(self.equals(&l, &r).map(|b| !b))
            }
            "+" => match (self.eval(left, scope, d), self.eval(right, scope, d)) {
                (Known::Str(a), Known::Str(b)) => Known::Str(a + &b),
                (Known::Str(a), _) => prefix_or_unknown(a),
                (Known::Prefix(a), _) => Known::Prefix(a),
                _ => Known::Unknown,
            },
            _ => Known::Unknown,
        }
    }

    /// `&&` (`deciding` false) or `||` (`deciding` true) over what is known: either side with
    /// the deciding value decides, both sides without it give the other value, else unknown.
    fn junction(
        &self,
        deciding: bool,
        left: &Expr,
        right: &Expr,
        scope: &Scope,
        d: usize,
    ) -> Known {
        let l = self.eval(left, scope, d).truth();
        if l == Some(deciding) {
            return Known::Bool(deciding);
        }
        match (l, self.eval(right, scope, d).truth()) {
            (_, Some(r)) if r == deciding => Known::Bool(deciding),
            (Some(_), Some(_)) => Known::Bool(!deciding),
            _ => Known::Unknown,
        }
    }

    fn equals(&self, a: &Known, b: &Known) -> Option<bool> {
        match (a, b) {
            (Known::Path, Known::Str(s)) | (Known::Str(s), Known::Path) => self.route.equals(s),
            (Known::Path, Known::Prefix(p)) | (Known::Prefix(p), Known::Path) => {
                self.route.starts_with_prefix(p)
            }
            (Known::Str(x), Known::Str(y)) => Some(x == y),
            (Known::Bool(x), Known::Bool(y)) => Some(x == y),
            _ => None,
        }
    }

    /// Whether `list` holds an item equal to `item`.
    fn any_equal(&self, list: &Known, item: &Known) -> Option<bool> {
        let Known::List(items) = list else {
            return None;
        };
        any_of(items.iter().map(|i| self.equals(i, item)))
    }

    /// A string test of the path (`startsWith`, Python `startswith`, Go `strings.HasPrefix`).
    fn string_test(&self, method: &str, subject: &Known, arg: &Known) -> Option<bool> {
        if let Known::List(items) = arg {
            // Python's `path.startswith(("/a", "/b"))`.
            return any_of(items.iter().map(|i| self.string_test(method, subject, i)));
        }
        let Known::Path = subject else {
            return None;
        };
        match (method, arg) {
            ("startsWith" | "startswith" | "HasPrefix", Known::Str(s)) => self.route.starts_with(s),
            ("startsWith" | "startswith" | "HasPrefix", Known::Prefix(p)) => {
                self.route.starts_with_prefix(p)
            }
            ("endsWith" | "endswith" | "HasSuffix", Known::Str(s)) => self.route.ends_with(s),
            // Python's `"/api" in path` is `path.__contains__("/api")`.
            ("includes" | "Contains" | "__contains__", Known::Str(s)) => self.route.contains(s),
            _ => None,
        }
    }

    fn call(&self, call: &crate::ir::Call, scope: &Scope, d: usize) -> Known {
        let args: Vec<&Expr> = call.args.iter().map(|a| &a.value).collect();
        if let Expr::Member { object, property } = call.callee.peel() {
            // `strings.HasPrefix(r.URL.Path, "/x")`: a library function, not a method.
            if let Expr::Name(pkg) = object.peel() {
                if pkg == "strings" && args.len() == 2 {
                    let subject = self.eval(args[0], scope, d);
                    let arg = self.eval(args[1], scope, d);
                    return known_bool(self.string_test(property, &subject, &arg));
                }
            }
            let subject = self.eval(object, scope, d);
            let first = || {
                args.first()
                    .map_or(Known::Unknown, |a| self.eval(a, scope, d))
            };
            return match (property.as_str(), &subject) {
                ("clone", Known::Url) => Known::Url,
                ("startsWith" | "startswith" | "endsWith" | "endswith", _) => {
                    known_bool(self.string_test(property, &subject, &first()))
                }
                ("includes" | "__contains__", Known::Path) => {
                    known_bool(self.string_test(property, &subject, &first()))
                }
                // Python's `path in PUBLIC` is `PUBLIC.__contains__(path)`; Ruby's `include?`.
                ("includes" | "has" | "__contains__" | "include?", Known::List(_)) => {
                    known_bool(self.any_equal(&subject, &first()))
                }
                ("some" | "find", Known::List(items)) => match first() {
                    Known::Func(f) => {
                        let parent = self.enclosing(f, scope);
                        any_of(items.iter().take(MAX_ITEMS).map(|item| {
                            self.apply(f, std::slice::from_ref(item), parent, d).truth()
                        }))
                        .map_or(Known::Unknown, Known::Bool)
                    }
                    _ => Known::Unknown,
                },
                _ => Known::Unknown,
            };
        }
        // `new URL(request.url)`, `new Set([...])`.
        if call.construct {
            return match call.callee.peel() {
                Expr::Name(n) if n == "URL" => match args.first().map(|a| a.peel()) {
                    Some(Expr::Member { property, .. }) if property == "url" => Known::Url,
                    _ => Known::Unknown,
                },
                Expr::Name(n) if n == "Set" => args
                    .first()
                    .map_or(Known::Unknown, |a| self.eval(a, scope, d)),
                _ => Known::Unknown,
            };
        }
        match self.eval(&call.callee, scope, d) {
            Known::Func(f) => {
                let values: Vec<Known> = args.iter().map(|a| self.eval(a, scope, d)).collect();
                self.apply(f, &values, self.enclosing(f, scope), d)
            }
            _ => Known::Unknown,
        }
    }

    /// The scope a function reads names from besides its own: the function it is written in,
    /// for a callback or local closure (`route => pathname === route`).
    fn enclosing<'s>(&self, f: FnRef, scope: &'s Scope<'s>) -> Option<&'s Scope<'s>> {
        let inner = self.program.function(f).span;
        let outer = self.program.function(scope.func).span;
        let written_inside = f.module == scope.func.module
            && f != scope.func
            && inner.start >= outer.start
            && inner.end <= outer.end;
        written_inside.then_some(scope)
    }

    /// What a helper or callback returns when called with `args`.
    fn apply(&self, f: FnRef, args: &[Known], parent: Option<&Scope>, depth: usize) -> Known {
        if depth > MAX_DEPTH {
            return Known::Unknown;
        }
        let function = self.program.function(f);
        let bound = function
            .params
            .iter()
            .zip(args)
            .map(|(p, a)| (p.name.clone(), a.clone()))
            .collect();
        let scope = Scope {
            func: f,
            locals: self.locals_of(f),
            bound,
            outer: None,
            parent,
        };
        match self.run(&function.body, &scope, depth + 1) {
            Flow::Returned(k) => k,
            Flow::Through | Flow::Unknown => Known::Unknown,
        }
    }

    /// Runs a body as far as its returns are decided.
    fn run(&self, stmts: &[Stmt], scope: &Scope, depth: usize) -> Flow {
        for s in stmts {
            match s {
                Stmt::Return { value, .. } => {
                    return Flow::Returned(
                        value
                            .as_ref()
                            .map_or(Known::Unknown, |v| self.eval(v, scope, depth)),
                    )
                }
                Stmt::If {
                    cond,
                    then,
                    otherwise,
                    ..
                } => {
                    let taken = match self.eval(cond, scope, depth).truth() {
                        Some(true) => then,
                        Some(false) => otherwise,
                        None if returns(then) || returns(otherwise) => return Flow::Unknown,
                        None => continue,
                    };
                    match self.run(taken, scope, depth) {
                        Flow::Through => {}
                        decided => return decided,
                    }
                }
                Stmt::Let { .. } | Stmt::Assign { .. } | Stmt::Expr { .. } => {}
                other if returns(std::slice::from_ref(other)) => return Flow::Unknown,
                _ => {}
            }
        }
        Flow::Through
    }
}

enum Flow {
    Returned(Known),
    /// The body ends without returning.
    Through,
    Unknown,
}

fn prefix_or_unknown(text: String) -> Known {
    if text.is_empty() {
        Known::Unknown
    } else {
        Known::Prefix(text)
    }
}

/// `Some(true)` if any is true, `Some(false)` if all are false, otherwise `None`.
fn any_of(results: impl Iterator<Item = Option<bool>>) -> Option<bool> {
    let mut unknown = false;
    for r in results {
        match r {
            Some(true) => return Some(true),
            None => unknown = true,
            Some(false) => {}
        }
    }
    (!unknown).then_some(false)
}

/// Whether a statement list returns anywhere inside it.
fn returns(stmts: &[Stmt]) -> bool {
    stmts.iter().any(|s| match s {
        Stmt::Return { .. } => true,
        other => other.nested().into_iter().any(returns),
    })
}

/// Names bound in a body (`const path = …`, `const { pathname } = request.nextUrl`), and the
/// names assigned again later, which hold no one value.
fn collect_locals(stmts: &[Stmt], out: &mut HashMap<String, Expr>, reassigned: &mut Vec<String>) {
    for s in stmts {
        match s {
            Stmt::Let {
                bindings,
                value: Some(value),
                ..
            } => {
                for b in bindings {
                    let mut def = value.clone();
                    for key in &b.path {
                        def = Expr::Member {
                            object: Box::new(def),
                            property: key.clone(),
                        };
                    }
                    if out.insert(b.name.clone(), def).is_some() {
                        reassigned.push(b.name.clone());
                    }
                }
            }
            Stmt::Assign { target, .. } => {
                if let Expr::Name(n) = target.peel() {
                    reassigned.push(n.clone());
                }
            }
            other => other
                .nested()
                .into_iter()
                .for_each(|inner| collect_locals(inner, out, reassigned)),
        }
    }
}

/// Whether a value the CFG builder computed is the request's URL path.
fn is_request_path(v: &Value) -> bool {
    let Value::Member { base, property } = v.peel() else {
        return false;
    };
    let base = base.peel();
    match property.as_str() {
        "pathname" => match base {
            Value::Member { property, .. } => property == "nextUrl" || property == "url",
            Value::Derived { via, .. } => via.ends_with("URL"),
            Value::CallResult { callee } => callee.ends_with("nextUrl.clone"),
            _ => false,
        },
        "Path" => matches!(base, Value::Member { property, .. } if property == "URL"),
        // Flask's `request.path`.
        "path" => matches!(
            base,
            Value::Param { name, role: ParamRole::Request } if name == "request"
        ),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::{Route, UrlPathTests};
    use crate::cfg::value::Value;
    use crate::lang::Language;
    use crate::parse::Program;

    /// What the first `if` of `middleware` in a TypeScript module decides for a route `path`.
    fn decided(source: &str, path: &str) -> Option<bool> {
        decided_in(Language::TypeScript, "middleware.ts", source, path)
    }

    fn decided_in(language: Language, file: &str, source: &str, path: &str) -> Option<bool> {
        // A name the builder does not know is free: a module binding or a helper.
        decided_with(language, file, source, path, &|n: &str| Value::Global {
            path: n.to_string(),
        })
    }

    /// As [`decided_in`], with what the CFG builder knows of the names (`outer`).
    fn decided_with(
        language: Language,
        file: &str,
        source: &str,
        path: &str,
        outer: &dyn Fn(&str) -> Value,
    ) -> Option<bool> {
        let (program, func) = Program::of_source(language, file, source, "middleware");
        let cond = program.first_if_condition(func);
        UrlPathTests::new(&program, path).decide(func, &cond, outer)
    }

    /// Each condition, written into a module by `wrap`, decides what the case expects.
    fn assert_cases(
        language: Language,
        file: &str,
        wrap: &dyn Fn(&str) -> String,
        cases: &[(&str, &str, Option<bool>)],
    ) {
        for (cond, path, expected) in cases {
            assert_eq!(
                decided_in(language, file, &wrap(cond), path),
                *expected,
                "`{cond}` for {path}"
            );
        }
    }

    fn with(cond: &str) -> String {
        format!(
            "const PUBLIC = [\"/login\", \"/api/public\"];\n\
             const OPEN = new Set([\"/health\"]);\n\
             const PREFIX = \"/api\";\n\
             const LOOP_A: string = LOOP_B;\n\
             const LOOP_B: string = LOOP_A;\n\
             function isPublic(p: string) {{ return PUBLIC.some((r) => p.startsWith(r)); }}\n\
             function isOpen(p: string) {{ if (p === \"/health\") {{ return true; }} return PUBLIC.includes(p); }}\n\
             function isTraced(p: string) {{ for (const r of PUBLIC) {{ console.log(r); }} return PUBLIC.includes(p); }}\n\
             function isListed(p: string) {{ for (const r of PUBLIC) {{ if (p.startsWith(r)) {{ return true; }} }} return false; }}\n\
             export function middleware(request) {{\n\
               const {{ pathname }} = request.nextUrl;\n\
               const url = new URL(request.url);\n\
               if ({cond}) {{ return 1; }}\n\
               return 2;\n\
             }}\n"
        )
    }

    #[test]
    fn tests_of_the_path_are_decided_for_a_known_route() {
        let cases: &[(&str, &str, Option<bool>)] = &[
            // Equality, both ways round, and its negation.
            (
                "pathname === \"/api/team/invite\"",
                "/api/team/invite",
                Some(true),
            ),
            ("\"/login\" === pathname", "/api/team/invite", Some(false)),
            ("pathname !== \"/login\"", "/api/team/invite", Some(true)),
            (
                "pathname != \"/api/team/invite\"",
                "/api/team/invite",
                Some(false),
            ),
            // Prefix, suffix and substring tests, on `nextUrl.pathname` and `new URL(…)`.
            (
                "pathname.startsWith(\"/api/public\")",
                "/api/team/invite",
                Some(false),
            ),
            (
                "pathname.startsWith(PREFIX)",
                "/api/team/invite",
                Some(true),
            ),
            (
                "url.pathname.startsWith(\"/api/\")",
                "/api/team/invite",
                Some(true),
            ),
            (
                "request.nextUrl.pathname.endsWith(\"/invite\")",
                "/api/team/invite",
                Some(true),
            ),
            (
                "pathname.endsWith(\".png\")",
                "/api/team/invite",
                Some(false),
            ),
            (
                "pathname.includes(\"/team/\")",
                "/api/team/invite",
                Some(true),
            ),
            (
                "pathname.includes(\"/admin/\")",
                "/api/team/invite",
                Some(false),
            ),
            // A template with an unknown tail is a prefix.
            (
                "pathname.startsWith(`${PREFIX}/public`)",
                "/api/team/invite",
                Some(false),
            ),
            (
                "pathname === `/api/${request.method}`",
                "/login",
                Some(false),
            ),
            (
                "pathname === PREFIX + \"/team/invite\"",
                "/api/team/invite",
                Some(true),
            ),
            // Lists, sets, `.some` with a callback and a helper.
            ("PUBLIC.includes(pathname)", "/login", Some(true)),
            ("PUBLIC.includes(pathname)", "/api/team/invite", Some(false)),
            ("OPEN.has(pathname)", "/health", Some(true)),
            ("OPEN.has(pathname)", "/api/team/invite", Some(false)),
            (
                "PUBLIC.some((r) => pathname.startsWith(r))",
                "/api/public/x",
                Some(true),
            ),
            (
                "PUBLIC.some((r) => pathname.startsWith(r))",
                "/api/team/invite",
                Some(false),
            ),
            ("isPublic(pathname)", "/login", Some(true)),
            ("isPublic(pathname)", "/api/team/invite", Some(false)),
            ("!isPublic(pathname)", "/api/team/invite", Some(true)),
            // `&&` and `||`: the deciding value decides alone; two others give the other value.
            (
                "pathname === \"/login\" || pathname === \"/signup\"",
                "/api/team/invite",
                Some(false),
            ),
            (
                "pathname === \"/login\" || pathname.startsWith(\"/api/\")",
                "/api/team/invite",
                Some(true),
            ),
            (
                "request.method === \"GET\" || pathname.startsWith(\"/api/\")",
                "/api/team/invite",
                Some(true),
            ),
            (
                "request.method === \"GET\" && pathname === \"/login\"",
                "/api/team/invite",
                Some(false),
            ),
            (
                "pathname.startsWith(\"/api/\") && pathname.endsWith(\"/invite\")",
                "/api/team/invite",
                Some(true),
            ),
            // What is not certain keeps both ways.
            (
                "request.method === \"GET\" || pathname === \"/login\"",
                "/api/team/invite",
                None,
            ),
            (
                "request.method === \"GET\" && pathname.startsWith(\"/api\")",
                "/api/team/invite",
                None,
            ),
            ("pathname.startsWith(\"/org/acme\")", "/org/[id]", None),
            ("pathname.endsWith(\"/members\")", "/org/[id]/members", None),
            ("pathname.match(/^\\/api/)", "/api/team/invite", None),
            ("request.method === \"POST\"", "/api/team/invite", None),
            // A parameterised route still decides what its fixed part rules out.
            ("pathname.startsWith(\"/login\")", "/org/[id]", Some(false)),
            ("pathname === \"/org\"", "/org/:id", Some(false)),
            // Truthiness: the path itself, strings, prefixes; what is unknown stays so.
            ("pathname && pathname === \"/login\"", "/login", Some(true)),
            (
                "(pathname === \"/login\" ? \"public\" : \"\")",
                "/login",
                Some(true),
            ),
            (
                "(pathname === \"/login\" ? \"public\" : \"\")",
                "/api/x",
                Some(false),
            ),
            (
                "pathname === \"/login\" && `/a/${request.method}`",
                "/login",
                Some(true),
            ),
            ("typeof pathname", "/login", None),
            // Strings built with `+` and a part not known are prefixes.
            (
                "pathname.startsWith(\"/api/\" + request.method)",
                "/login",
                Some(false),
            ),
            (
                "pathname.startsWith(`/login/${request.method}` + \"/x\")",
                "/api/x",
                Some(false),
            ),
            // Constants compared with constants, verdicts with verdicts.
            ("PREFIX === \"/api\"", "/login", Some(true)),
            ("(pathname === \"/login\") === true", "/login", Some(true)),
            ("(pathname === \"/login\") === true", "/api/x", Some(false)),
            // Constants defined in a cycle decide nothing (and do not loop).
            ("pathname === LOOP_A", "/login", None),
            // A URL's `pathname` (SvelteKit's `event.url`) is the path; another member's is not.
            ("request.url.pathname === \"/login\"", "/login", Some(true)),
            ("request.other.pathname === \"/login\"", "/login", None),
            // The ternary and `!` on a known test.
            (
                "(pathname === \"/login\" ? true : false)",
                "/login",
                Some(true),
            ),
            ("!(pathname === \"/login\")", "/login", Some(false)),
            // Another unary operator is no negation.
            ("typeof pathname === \"string\"", "/login", None),
            (
                "(-pathname ? pathname === \"/login\" : true)",
                "/api/x",
                None,
            ),
            // Only `new Set(…)` is its items and only `new URL(request.url)` the URL.
            ("new Wrapper(PUBLIC).includes(pathname)", "/login", None),
            (
                "new URL(request.referrer).pathname === \"/login\"",
                "/login",
                None,
            ),
            // A helper run statement by statement: an `if` that returns decides, a loop that
            // only logs is passed over, a loop that may return leaves it undecided.
            ("isOpen(pathname)", "/health", Some(true)),
            ("isOpen(pathname)", "/login", Some(true)),
            ("isOpen(pathname)", "/api/team/invite", Some(false)),
            ("isTraced(pathname)", "/login", Some(true)),
            ("isTraced(pathname)", "/api/team/invite", Some(false)),
            ("isListed(pathname)", "/login", None),
        ];
        assert_cases(Language::TypeScript, "middleware.ts", &with, cases);
    }

    #[test]
    fn flask_and_go_spell_the_path_their_own_way() {
        let flask = |cond: &str| {
            format!(
                "from flask import request\n\
                 PUBLIC = (\"/login\", \"/api/public\")\n\
                 def middleware():\n    \
                     if {cond}:\n        \
                         return 1\n    \
                     return 2\n"
            )
        };
        let cases: &[(&str, &str, Option<bool>)] = &[
            ("request.path == \"/login\"", "/login", Some(true)),
            (
                "request.path.startswith(\"/api/public\")",
                "/api/team/invite",
                Some(false),
            ),
            (
                "request.path.startswith(PUBLIC)",
                "/api/public/docs",
                Some(true),
            ),
            (
                "request.path.endswith(\"/invite\")",
                "/api/team/invite",
                Some(true),
            ),
            ("request.path in PUBLIC", "/login", Some(true)),
            ("request.path not in PUBLIC", "/login", Some(false)),
            ("\"/api\" in request.path", "/api/team/invite", Some(true)),
            (
                "\"/admin\" in request.path",
                "/api/team/invite",
                Some(false),
            ),
            (
                "request.path == \"/login\" and request.method == \"GET\"",
                "/api/x",
                Some(false),
            ),
            (
                "not request.path.startswith(\"/api\")",
                "/api/x",
                Some(false),
            ),
        ];
        assert_cases(Language::Python, "app.py", &flask, cases);
        let go = |cond: &str| {
            format!(
                "package main\n\n\
                 import (\n\t\"net/http\"\n\t\"strings\"\n)\n\n\
                 func middleware(w http.ResponseWriter, r *http.Request) {{\n\
                 \tif {cond} {{\n\t\treturn\n\t}}\n}}\n"
            )
        };
        let cases: &[(&str, &str, Option<bool>)] = &[
            ("r.URL.Path == \"/login\"", "/login", Some(true)),
            ("r.URL.Path != \"/login\"", "/login", Some(false)),
            (
                "strings.HasPrefix(r.URL.Path, \"/api/\")",
                "/api/team/invite",
                Some(true),
            ),
            (
                "strings.HasPrefix(r.URL.Path, \"/public/\")",
                "/api/team/invite",
                Some(false),
            ),
            (
                "strings.HasSuffix(r.URL.Path, \"/invite\")",
                "/api/team/invite",
                Some(true),
            ),
            (
                "strings.Contains(r.URL.Path, \"/team/\")",
                "/api/team/invite",
                Some(true),
            ),
            (
                "strings.Contains(r.URL.Path, \"/team/\")",
                "/org/{id}/x",
                None,
            ),
            ("strings.EqualFold(r.URL.Path, \"/login\")", "/login", None),
            ("r.Other.Path == \"/login\"", "/login", None),
        ];
        assert_cases(Language::Go, "main.go", &go, cases);
    }

    /// A helper's parameter the builder inlined with a literal (`isPublic("/login")` calling
    /// `p === target`) is that literal; with an unknown value it decides nothing.
    #[test]
    fn names_the_builder_knows_are_what_it_knows() {
        let source = with("pathname === TARGET");
        let known = |n: &str| match n {
            "TARGET" => Value::Literal {
                value: "/login".into(),
            },
            _ => Value::Global {
                path: n.to_string(),
            },
        };
        let unknown = |n: &str| match n {
            "TARGET" => Value::Unknown,
            _ => Value::Global {
                path: n.to_string(),
            },
        };
        let ts = Language::TypeScript;
        assert_eq!(
            decided_with(ts, "m.ts", &source, "/login", &known),
            Some(true)
        );
        assert_eq!(
            decided_with(ts, "m.ts", &source, "/api/x", &known),
            Some(false)
        );
        assert_eq!(decided_with(ts, "m.ts", &source, "/login", &unknown), None);
    }

    /// A name the middleware's own code does not bind (a helper's parameter, a reassigned local)
    /// is the path when the builder knows it as one: Next's `nextUrl.pathname` (also of a
    /// clone), `new URL(request.url).pathname`, Go's `r.URL.Path`, Flask's `request.path`.
    #[test]
    fn a_value_the_builder_knows_as_the_request_path_is_the_path() {
        use crate::ir::ParamRole;
        let param = |name: &str| Value::Param {
            name: name.into(),
            role: ParamRole::Request,
        };
        let member = |base: Value, property: &str| Value::Member {
            base: Box::new(base),
            property: property.into(),
        };
        let pathname_of_clone = |callee: &str| {
            member(
                Value::CallResult {
                    callee: callee.into(),
                },
                "pathname",
            )
        };
        let source = with("path === \"/login\"");
        let decide = |v: &Value, route: &str| {
            decided_with(
                Language::TypeScript,
                "m.ts",
                &source,
                route,
                &|n: &str| match n {
                    "path" => v.clone(),
                    _ => Value::Global {
                        path: n.to_string(),
                    },
                },
            )
        };
        let paths = [
            member(member(param("request"), "nextUrl"), "pathname"),
            member(member(param("req"), "url"), "pathname"),
            member(
                Value::Derived {
                    from: Box::new(param("request")),
                    via: "URL".into(),
                },
                "pathname",
            ),
            pathname_of_clone("request.nextUrl.clone"),
            member(member(param("r"), "URL"), "Path"),
            member(param("request"), "path"),
        ];
        for v in &paths {
            assert_eq!(decide(v, "/login"), Some(true), "{v:?}");
            assert_eq!(decide(v, "/api/x"), Some(false), "{v:?}");
        }
        let others = [
            member(member(param("request"), "headers"), "pathname"),
            pathname_of_clone("other.clone"),
            member(member(param("r"), "url"), "Path"),
            member(param("req"), "path"),
            member(param("request"), "route"),
            param("request"),
        ];
        for v in &others {
            assert_eq!(decide(v, "/login"), None, "{v:?}");
        }
    }

    #[test]
    fn a_condition_that_reads_no_name_is_not_evaluated() {
        assert_eq!(decided(&with("1 === 1"), "/login"), None);
        assert_eq!(decided(&with("true"), "/login"), None);
    }

    #[test]
    fn a_route_pattern_decides_only_what_every_matching_path_shares() {
        let invite = Route::new("/api/team/invite");
        assert_eq!(invite.starts_with("/api/"), Some(true));
        assert_eq!(invite.starts_with("/api/public"), Some(false));
        assert_eq!(invite.equals("/api/team/invite/"), Some(true));
        assert_eq!(invite.equals("/"), Some(false));
        let org = Route::new("/org/[id]/members");
        assert_eq!(org.starts_with("/org/"), Some(true));
        assert_eq!(org.starts_with("/login"), Some(false));
        // `/org/acme/…` may be a path of this route.
        assert_eq!(org.starts_with("/org/acme"), None);
        assert_eq!(org.equals("/org"), Some(false));
        assert_eq!(org.ends_with("/members"), None);
        assert_eq!(Route::new("/").equals("/"), Some(true));
        assert_eq!(Route::new("").starts_with("/api"), Some(false));
        assert_eq!(Route::new("/files/*").starts_with_prefix("/files/"), None);
        assert_eq!(
            Route::new("/files/*").starts_with_prefix("/api/"),
            Some(false)
        );
        assert_eq!(Route::new("team/invite/").starts_with("/team/"), Some(true));
        assert_eq!(
            Route::new("^team/(?P<id>[0-9]+)/$").starts_with("/login"),
            None
        );
    }
}
