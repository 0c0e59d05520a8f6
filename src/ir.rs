//! The language-neutral intermediate representation.
//!
//! A frontend (see [`crate::lang`]) turns one source file into a [`Module`]. Everything after
//! this point — locating workflows, building control-flow graphs, labelling, comparison — reads
//! only these types, so a new language never touches the analysis.

use serde::Serialize;

/// A position in a source file. Lines and columns are 1-based; `start`/`end` are byte offsets.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, PartialOrd, Ord)]
pub struct Span {
    pub line: u32,
    pub col: u32,
    pub start: u32,
    pub end: u32,
}

/// One parsed source file.
#[derive(Debug, Clone, Default)]
pub struct Module {
    /// Path relative to the scan root, with `/` separators.
    pub path: String,
    pub functions: Vec<Function>,
    pub imports: Vec<Import>,
    /// Framework entry points found in this file (route handlers, server actions, pages).
    pub entries: Vec<EntryPoint>,
    /// Top-level values a TypeScript module exports that are not function declarations
    /// (`export const send = action({...})`).
    pub exported_values: Vec<String>,
    /// Statements that run when the module loads (TypeScript/JavaScript top-level code), in
    /// order: where routers are built and routes registered.
    pub top_level: Vec<Stmt>,
    /// Syntax the frontend could not read; non-empty means the analysis of this file is partial.
    pub syntax_errors: Vec<Span>,
    /// The function exported as the module's default, if any.
    pub default_export: Option<FunctionId>,
    /// Module-level constants bound to literals (`const state = ""`, `const ROLES = ["member"]`).
    pub constants: Vec<(String, Expr)>,
    /// Which other modules see this module's top-level names without an import.
    pub scope: ModuleScope,
    /// Module-level builder chains that carry guards (`const protectedProcedure =
    /// t.procedure.use(requireUser)`), for entries built on them.
    pub guard_chains: Vec<GuardChain>,
    /// Classes and mixins this file defines, for languages that find methods through them
    /// rather than through imports (Ruby).
    pub types: Vec<TypeDef>,
    /// Guards this file installs for many routes at once, written apart from them (NestJS `{
    /// provide: APP_GUARD, useClass: RolesGuard }`, a Next.js `middleware.ts`).
    pub global_guards: Vec<AppGuard>,
    /// Handlers of other files this file registers under a path and middleware (actix-web's
    /// `web::scope("/api").wrap(from_fn(mw)).service(team::invite)` for a handler whose route
    /// attribute is in `team.rs`).
    pub mounts: Vec<Mount>,
    /// The routers this file registers routes on (`router` of `router.post(…)`), once each:
    /// a file with one can be mounted as a whole by another.
    pub route_receivers: Vec<String>,
    /// A path this file puts before every route of the application (NestJS
    /// `app.setGlobalPrefix("api")` in `main.ts`).
    pub global_prefix: Option<String>,
    /// Types request input is parsed into, with their fields' declared types (a pydantic
    /// model, a serde `Deserialize` struct): parsing enforces a field typed as a fixed set.
    pub input_types: Vec<InputType>,
    /// The file says it is generated (`// Code generated … DO NOT EDIT.`): a client stub or CLI
    /// a tool wrote is not code that runs a workflow on its own.
    pub generated: bool,
    /// Enumerations this file defines (`class Role(str, Enum)`, a serde `enum Role`): a value
    /// parsed into one is one of its members.
    pub enums: Vec<String>,
    /// Classes whose fields declare their types (TypeScript), so that a call on a field
    /// (`this.listPermissions.execute()` on an injected service) runs that type's method, not
    /// every in-repo method of the name.
    pub classes: Vec<ClassDef>,
}

/// A class, with what a call on one of its fields needs: the fields' declared types and the
/// types it extends or implements.
#[derive(Debug, Clone, Default)]
pub struct ClassDef {
    pub name: String,
    /// The superclass, by name as written (generic arguments dropped).
    pub parent: Option<String>,
    /// The superclass and the interfaces, by name as written.
    pub heritage: Vec<String>,
    /// (field, declared type name): constructor parameter properties (`private readonly
    /// users: UsersService`) and typed field declarations.
    pub fields: Vec<(String, String)>,
    pub methods: Vec<FunctionId>,
}

/// A type request input is parsed into.
#[derive(Debug, Clone, Default)]
pub struct InputType {
    pub name: String,
    /// (field name, declared type as written).
    pub fields: Vec<(String, String)>,
    /// Fields a validator of the type's own restricts to fixed values (pydantic
    /// `@field_validator("role")` that raises when the value is not in a set).
    pub checked: Vec<String>,
}

/// A handler, or a router of another file, registered under a path prefix and guards.
#[derive(Debug, Clone)]
pub struct Mount {
    /// The handler as this file names it (`team::invite`); with `router`, the router or the
    /// function that builds one (`teamRouter`, `createTeamRouter()`).
    pub handler: Expr,
    /// Every route of the router is mounted (Express's `app.use("/api", requireAuth,
    /// teamRouter)`), not one handler.
    pub router: bool,
    pub prefix: String,
    /// Guards in the order they run, written in this file.
    pub guards: Vec<Expr>,
}

/// A guard an application installs for many routes from one place.
#[derive(Debug, Clone)]
pub struct AppGuard {
    /// The guard: a function of this module, a name, or a call (`authkitMiddleware({...})`).
    pub guard: Expr,
    pub scope: AppGuardScope,
}

/// Which routes an [`AppGuard`] runs before.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AppGuardScope {
    /// Every route of the framework's application (NestJS `APP_GUARD`).
    Application,
    /// Next.js middleware, SvelteKit hooks: the routes and pages in the `route_folders` of the
    /// project in folder `project` (and its server actions, wherever they are) whose URL path
    /// one of `matchers` matches (none: every path) and none of `exempt` does (AuthKit's
    /// `unauthenticatedPaths`).
    Paths {
        project: String,
        route_folders: Vec<String>,
        matchers: Vec<String>,
        exempt: Vec<String>,
    },
}

/// The callee prefix of a guard that only states a requirement (NestJS `@Roles('admin')`):
/// metadata, which counts only where a guard that enforces requirements runs too.
pub const REQUIREMENT_MARK: &str = "@";

/// A class (`class Admin::UsersController < BaseController`) or mixin (`module Auditable`).
#[derive(Debug, Clone)]
pub struct TypeDef {
    /// The last name (`UsersController`): a reference may or may not write the namespace.
    pub name: String,
    /// The superclass's last name.
    pub parent: Option<String>,
    /// A module, whose methods are mixed into the classes that include it.
    pub mixin: bool,
}

impl Module {
    /// Whether the function is the handler of a procedure entry (`EntryKind::Rpc`).
    pub fn is_procedure(&self, id: FunctionId) -> bool {
        self.entries
            .iter()
            .any(|e| matches!(e.kind, EntryKind::Rpc) && self.handles(e, id))
    }

    /// Whether function `id` is the handler of one of the module's entry points (named, or a
    /// function literal): the framework calls it, not other code.
    pub fn is_entry_handler(&self, id: FunctionId) -> bool {
        self.entries.iter().any(|e| self.handles(e, id))
    }

    fn handles(&self, entry: &EntryPoint, id: FunctionId) -> bool {
        match entry.handler.peel() {
            Expr::Function(handler) => *handler == id,
            Expr::Name(n) => self.functions.get(id).is_some_and(|f| &f.name == n),
            _ => false,
        }
    }
}

/// Where a module's top-level names are visible without an import.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ModuleScope {
    /// Only through imports (TypeScript, Python).
    #[default]
    File,
    /// In every module of the same folder (a Go package).
    Folder,
    /// In every parsed module (Ruby methods inherited from `ApplicationController`, concerns).
    Global,
}

/// A named chain of guards defined once and reused by entry points.
#[derive(Debug, Clone)]
pub struct GuardChain {
    pub name: String,
    pub root: Option<Expr>,
    pub guards: Vec<Expr>,
}

/// A binding brought in from another file: `import { local as name } from "source"`.
#[derive(Debug, Clone)]
pub struct Import {
    /// The name used in this file; `*` for a re-export of every name (`export * from`).
    pub local: String,
    /// The name exported by the other file (`default` for default imports, `*` for namespaces).
    pub imported: String,
    /// The module specifier as written (`./lib/auth`, `@workos-inc/node`).
    pub source: String,
}

/// A path segment without the `()` that marks an accessor call (`UserManagement()`). Runs for
/// every call node and matcher, so it is a byte check, not a pattern search.
pub fn without_call_marks(segment: &str) -> &str {
    let mut s = segment;
    while let Some(rest) = s.strip_suffix("()") {
        s = rest;
    }
    s
}

/// The last name of a callee or function path: `inviteUser` of `auth.inviteUser`,
/// `Service::invite_user` or `client.Widgets().GetToken()`.
pub fn last_segment(path: &str) -> &str {
    let last = path
        .rsplit('.')
        .map(without_call_marks)
        .find(|s| !s.is_empty())
        .unwrap_or("");
    last.rsplit("::").next().unwrap_or(last)
}

/// Index of a function inside its [`Module`].
pub type FunctionId = usize;

#[derive(Debug, Clone)]
pub struct Function {
    /// Declared name, or the name of the variable/property it is bound to, or `<anonymous>`.
    pub name: String,
    pub params: Vec<Param>,
    pub body: Vec<Stmt>,
    pub span: Span,
    pub exported: bool,
    /// Whether other code in the module can call it by name (declarations and bound
    /// arrow functions); inline callbacks are not callable.
    pub callable: bool,
    /// What runs this function when no request does, if its registration says so (`job` for a
    /// queue worker's handler): a non-request root.
    pub runs_as: Option<&'static str>,
    /// A method of a class or type (a TypeScript class method, a Go method with a receiver, a
    /// Python method): what a call on an object of unnamed class may dispatch to.
    pub method: bool,
    /// Declared `async`: called without `await`, its refusal does not stop the caller (a
    /// rejected promise; in Python and Rust the body does not even run).
    pub is_async: bool,
}

/// What a parameter carries, as far as the frontend knows from the framework.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ParamRole {
    /// An ordinary parameter: its value comes from the caller.
    Plain,
    /// The incoming HTTP request object (`req`, `request`); its members are request input,
    /// except the members a session middleware attaches (see the provider's session rules).
    Request,
    /// A value the client sends directly: server-action arguments, route parameters.
    Input,
    /// The response object of a middleware-style handler.
    Response,
    /// The continuation of a middleware (`next` in Express): calling it passes the guard.
    Next,
    /// A context object the server builds from the verified session (tRPC's `ctx`, Blitz's
    /// `ctx`): its members are session context, except the raw request it may carry.
    Context,
}

#[derive(Debug, Clone)]
pub struct Param {
    /// The parameter name; for a destructuring pattern, the names it binds are in `bindings`.
    pub name: String,
    pub role: ParamRole,
    /// Names bound by destructuring (`{ params }` binds `params`), with the key path they read.
    pub bindings: Vec<Binding>,
    /// A dependency the framework calls to produce this parameter before the handler runs
    /// (FastAPI's `user = Depends(get_current_user)` gives `get_current_user()`).
    pub default_call: Option<Expr>,
    /// The declared type as written (`InviteBody`, `Json<InviteBody>`), where the language has
    /// one: a framework that parses request input into it enforces its fields' types.
    pub annotation: Option<String>,
}

/// One name bound by an assignment or a destructuring pattern. `path` is the chain of keys read
/// from the assigned value: `const { user: { id } } = x` binds `id` with path `["user", "id"]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Binding {
    pub name: String,
    pub path: Vec<String>,
    /// A framework role for this one name, overriding its parameter's (`input` in tRPC's
    /// `({ ctx, input })` is client input; `ctx` is not).
    pub role: Option<ParamRole>,
}

/// A framework entry point: a function the framework calls with request data.
#[derive(Debug, Clone)]
pub struct EntryPoint {
    /// The handler: a function literal of this module (`Expr::Function`) or a reference to a
    /// named function, possibly imported (`Expr::Name`, `Expr::Member`).
    pub handler: Expr,
    pub kind: EntryKind,
    /// Guards the framework runs before the handler (Express middleware, decorators, the
    /// `.use(mw)` steps of a procedure builder), in order.
    pub guards: Vec<Expr>,
    /// The root of a builder chain (`workspaceProcedure` in `workspaceProcedure.use(…)
    /// .mutation(…)`), whose own guards run first if it names a [`GuardChain`].
    pub chain_root: Option<Expr>,
    /// Input fields an input schema restricts to fixed values (`role: z.enum(["member",
    /// "admin"])`): request input behind an allow-list.
    pub validated_input: Vec<String>,
    /// Inherited guards this entry opts out of (`skip_before_action :authenticate_user!`).
    pub skipped_guards: Vec<String>,
    /// What the framework passes to the handler, by position (`req, res, next` in Express),
    /// for a handler defined elsewhere whose parameters do not say; empty when they do.
    pub handler_params: Vec<ParamRole>,
    /// The router a route is registered on (`adminRouter` of `adminRouter.post(…)`): another
    /// file may mount the routers of this one one by one (`createTeamRouters().admin`).
    pub receiver: Option<String>,
    pub span: Span,
}

impl EntryPoint {
    /// An entry with its handler, kind and place, and nothing else known: no guards, no
    /// validated input, parameters that say what they are.
    pub fn plain(handler: Expr, kind: EntryKind, span: Span) -> EntryPoint {
        EntryPoint {
            handler,
            kind,
            guards: Vec::new(),
            chain_root: None,
            validated_input: Vec::new(),
            skipped_guards: Vec::new(),
            handler_params: Vec::new(),
            receiver: None,
            span,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "kind")]
pub enum EntryKind {
    /// An HTTP route handler (`export async function POST`, `router.post(...)`).
    Route {
        method: String,
        path: Option<String>,
    },
    /// A server action (`'use server'`): every argument is client input.
    ServerAction,
    /// A remote procedure built with a wrapper or builder (tRPC procedures, Blitz resolvers,
    /// higher-order handlers): its input is client input.
    Rpc,
    /// A server-rendered page or component.
    Page,
}

#[derive(Debug, Clone)]
pub enum Stmt {
    Expr {
        expr: Expr,
        span: Span,
    },
    /// `const a = …`, `let { a, b: c } = …`, Python/Go assignment to fresh names.
    Let {
        bindings: Vec<Binding>,
        value: Option<Expr>,
        span: Span,
    },
    /// Assignment to an existing place: `a = …`, `a.b = …`.
    Assign {
        target: Expr,
        value: Expr,
        span: Span,
    },
    If {
        cond: Expr,
        then: Vec<Stmt>,
        otherwise: Vec<Stmt>,
        span: Span,
    },
    /// Any loop; the body may run zero or more times.
    Loop {
        cond: Option<Expr>,
        body: Vec<Stmt>,
        span: Span,
    },
    Switch {
        subject: Expr,
        cases: Vec<SwitchCase>,
        span: Span,
    },
    Try {
        body: Vec<Stmt>,
        /// `None` when there is no catch clause (only `finally`).
        catch: Option<Vec<Stmt>>,
        finally: Vec<Stmt>,
        span: Span,
    },
    Return {
        value: Option<Expr>,
        span: Span,
    },
    Throw {
        value: Expr,
        span: Span,
    },
    Break {
        span: Span,
    },
    Continue {
        span: Span,
    },
    Block {
        body: Vec<Stmt>,
    },
}

#[derive(Debug, Clone)]
pub struct SwitchCase {
    /// `None` for `default`.
    pub test: Option<Expr>,
    pub body: Vec<Stmt>,
    /// Whether control falls through into the next case when the body ends.
    pub falls_through: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    Str(String),
    Num(String),
    Bool(bool),
    Null,
}

impl Literal {
    pub fn text(&self) -> String {
        match self {
            Literal::Str(s) | Literal::Num(s) => s.clone(),
            Literal::Bool(b) => b.to_string(),
            Literal::Null => "null".into(),
        }
    }
}

#[derive(Debug, Clone)]
pub enum Expr {
    Literal(Literal),
    Name(String),
    /// `object.property`, `object["property"]` with a literal key.
    Member {
        object: Box<Expr>,
        property: String,
    },
    /// `object[index]` with a computed index.
    Index {
        object: Box<Expr>,
        index: Box<Expr>,
    },
    Call(Box<Call>),
    /// Object/dict/struct literals: `{ a: 1, b }`, `dict(a=1)`, `Params{A: 1}`.
    Object(Vec<Property>),
    Array(Vec<Expr>),
    Unary {
        op: String,
        operand: Box<Expr>,
    },
    Binary {
        op: String,
        left: Box<Expr>,
        right: Box<Expr>,
    },
    /// `cond ? a : b`.
    Conditional {
        cond: Box<Expr>,
        then: Box<Expr>,
        otherwise: Box<Expr>,
    },
    /// `await e`, `yield e`, parentheses, type assertions: transparent wrappers.
    Await(Box<Expr>),
    /// A function literal (arrow function, lambda); the index is into the module's functions.
    Function(FunctionId),
    /// A template string with interpolations, its parts in order: the interpolated
    /// expressions, and (TypeScript) the literal text between them as string literals. The text
    /// is not a value on its own: walks over values and literals skip it (see
    /// [`Expr::interpolations`]); only code that rebuilds the string reads it.
    Template(Vec<Expr>),
    /// A framework-global request object (Flask's `request`): its members are request input.
    RequestGlobal(String),
    /// Syntax the IR does not model; the text is kept for messages.
    Unknown(String),
}

#[derive(Debug, Clone)]
pub struct Property {
    pub key: String,
    pub value: Expr,
}

impl Call {
    /// The arguments that may be functions this call runs before it returns: each argument,
    /// and the functions written in an object literal passed as an option where the callee
    /// runs them: an in-repo callee (`runLocked({ mutation: async () => … })`, whose body is
    /// there to see) or an `on…` callback (`authLoader({ onSuccess })`). Other objects of
    /// functions are definitions kept for later (`Service.of({ invite: … })`, a router's
    /// table), and a function named in an object may be called by the callee with arguments
    /// of its own choosing, so only literals written in place count.
    pub fn handed_over(&self, callee_in_repo: bool) -> Vec<&Expr> {
        let mut out = Vec::new();
        for a in &self.args {
            match a.value.peel() {
                Expr::Object(props) => out.extend(
                    props
                        .iter()
                        .filter(|p| matches!(p.value.peel(), Expr::Function(_)))
                        .filter(|p| callee_in_repo || is_event_callback(&p.key))
                        .map(|p| &p.value),
                ),
                _ => out.push(&a.value),
            }
        }
        out
    }
}

/// `onSuccess`, `onError`: an option named for when the callee calls it.
fn is_event_callback(key: &str) -> bool {
    key.strip_prefix("on")
        .and_then(|rest| rest.chars().next())
        .is_some_and(|c| c.is_ascii_uppercase())
}

#[derive(Debug, Clone)]
pub struct Call {
    pub callee: Expr,
    pub args: Vec<Arg>,
    pub span: Span,
    /// `new Foo()` rather than `Foo()`.
    pub construct: bool,
}

#[derive(Debug, Clone)]
pub struct Arg {
    /// Keyword name (`role_slug=` in Python, `role_slug:` in Ruby); `None` for positional.
    pub name: Option<String>,
    pub value: Expr,
}

impl Expr {
    /// The interpolated expressions of a template string, without its literal text; nothing
    /// for any other expression.
    pub fn interpolations(&self) -> impl Iterator<Item = &Expr> {
        let parts: &[Expr] = match self {
            Expr::Template(parts) => parts,
            _ => &[],
        };
        parts
            .iter()
            .filter(|p| !matches!(p, Expr::Literal(Literal::Str(_))))
    }

    /// `object[index]`: a literal string key is a member access (`req.body["role"]` is
    /// `req.body.role`), anything else a computed index.
    pub fn subscript(object: Expr, index: Expr) -> Expr {
        match index {
            Expr::Literal(Literal::Str(key)) => Expr::Member {
                object: Box::new(object),
                property: key,
            },
            index => Expr::Index {
                object: Box::new(object),
                index: Box::new(index),
            },
        }
    }

    /// The dotted path of a name or member chain as written (`workos.userManagement.sendInvitation`),
    /// or `None` if the expression is not such a chain. Calls inside the chain are written with
    /// `()` (`client.UserManagement().SendInvitation`), so both SDK generations can be matched.
    pub fn path(&self) -> Option<String> {
        match self {
            Expr::Name(n) => Some(n.clone()),
            Expr::Member { object, property } => {
                let base = object.path()?;
                Some(format!("{base}.{property}"))
            }
            Expr::Call(call) => Some(format!("{}()", call.callee.path()?)),
            Expr::Await(inner) => inner.path(),
            Expr::RequestGlobal(n) => Some(n.clone()),
            _ => None,
        }
    }

    /// Whether a module-level binding of this expression is a constant the CFG builder reads
    /// (see `cfg::build::constant_value`): literals and lists of them (Ruby's `%w[…].freeze`
    /// too), and a value with a fallback written in the code (`process.env.SECRET || ""`,
    /// `os.environ.get("SECRET", "")`, `ENV.fetch("SECRET", "")`), which is the value wherever
    /// the deployment sets nothing. A configuration object (`export const ENV = { SECRET:
    /// process.env.SECRET || "", API_URL: process.env.API_URL }`) is one when its fields are
    /// such constants or paths, at least one a constant. Every frontend keeps its constants by
    /// this one test.
    pub fn is_module_constant(&self) -> bool {
        fn literal_tree(e: &Expr) -> bool {
            match e {
                Expr::Literal(_) => true,
                Expr::Array(items) => items.iter().all(literal_tree),
                Expr::Call(c) => {
                    c.callee.path().is_some_and(|p| p.ends_with("freeze"))
                        && matches!(&c.callee, Expr::Member { object, .. } if literal_tree(object))
                }
                _ => false,
            }
        }
        match self {
            Expr::Binary { op, right, .. } => {
                matches!(op.as_str(), "??" | "||" | "or") && literal_tree(right)
            }
            Expr::Object(props) => {
                props.iter().any(|p| p.value.is_module_constant()) && props.iter().all(|p| {
                    !p.key.starts_with("...")
                        && (p.value.is_module_constant()
                            || matches!(&p.value, Expr::Member { .. } if p.value.path().is_some()))
                })
            }
            Expr::Call(c) if !literal_tree(self) => {
                let method = c
                    .callee
                    .path()
                    .map(|p| last_segment(&p).to_ascii_lowercase());
                matches!(method.as_deref(), Some("get" | "getenv" | "fetch"))
                    && c.args
                        .get(1)
                        .is_some_and(|a| a.name.is_none() && literal_tree(&a.value))
            }
            e => literal_tree(e),
        }
    }

    /// Removes transparent wrappers (`await`, parentheses).
    pub fn peel(&self) -> &Expr {
        match self {
            Expr::Await(inner) => inner.peel(),
            other => other,
        }
    }

    /// Visits every call in evaluation order (arguments before the call that uses them), not
    /// descending into function literals.
    pub fn for_each_call<'a>(&'a self, visit: &mut dyn FnMut(&'a Call)) {
        match self {
            Expr::Call(call) => {
                call.callee.for_each_call(visit);
                for arg in &call.args {
                    arg.value.for_each_call(visit);
                }
                visit(call);
            }
            Expr::Member { object, .. } => object.for_each_call(visit),
            Expr::Index { object, index } => {
                object.for_each_call(visit);
                index.for_each_call(visit);
            }
            Expr::Object(props) => props.iter().for_each(|p| p.value.for_each_call(visit)),
            Expr::Array(items) | Expr::Template(items) => {
                items.iter().for_each(|e| e.for_each_call(visit))
            }
            Expr::Unary { operand, .. } => operand.for_each_call(visit),
            Expr::Binary { left, right, .. } => {
                left.for_each_call(visit);
                right.for_each_call(visit);
            }
            Expr::Conditional {
                cond,
                then,
                otherwise,
            } => {
                cond.for_each_call(visit);
                then.for_each_call(visit);
                otherwise.for_each_call(visit);
            }
            Expr::Await(inner) => inner.for_each_call(visit),
            Expr::Literal(_)
            | Expr::Name(_)
            | Expr::Function(_)
            | Expr::RequestGlobal(_)
            | Expr::Unknown(_) => {}
        }
    }

    /// Every identifier and property name the expression mentions, in order.
    pub fn mentioned_names(&self, out: &mut Vec<String>) {
        match self {
            Expr::Name(n) | Expr::RequestGlobal(n) => out.push(n.clone()),
            Expr::Member { object, property } => {
                object.mentioned_names(out);
                out.push(property.clone());
            }
            Expr::Index { object, index } => {
                object.mentioned_names(out);
                index.mentioned_names(out);
            }
            Expr::Call(call) => {
                call.callee.mentioned_names(out);
                call.args.iter().for_each(|a| a.value.mentioned_names(out));
            }
            Expr::Object(props) => props.iter().for_each(|p| {
                out.push(p.key.clone());
                p.value.mentioned_names(out)
            }),
            Expr::Array(items) | Expr::Template(items) => {
                items.iter().for_each(|e| e.mentioned_names(out))
            }
            Expr::Unary { operand, .. } => operand.mentioned_names(out),
            Expr::Binary { left, right, .. } => {
                left.mentioned_names(out);
                right.mentioned_names(out);
            }
            Expr::Conditional {
                cond,
                then,
                otherwise,
            } => {
                cond.mentioned_names(out);
                then.mentioned_names(out);
                otherwise.mentioned_names(out);
            }
            Expr::Await(inner) => inner.mentioned_names(out),
            Expr::Literal(_) | Expr::Function(_) | Expr::Unknown(_) => {}
        }
    }

    /// Every string literal the expression contains (including enum-like member paths such as
    /// `GeneratePortalLinkIntent.SSO`, which SDKs use in place of string literals).
    pub fn literal_values(&self, out: &mut Vec<String>) {
        match self {
            Expr::Literal(lit) => out.push(lit.text()),
            Expr::Member { object, .. } => {
                if let Some(path) = self.path() {
                    out.push(path);
                }
                object.literal_values(out);
            }
            Expr::Index { object, index } => {
                object.literal_values(out);
                index.literal_values(out);
            }
            Expr::Call(call) => {
                call.callee.literal_values(out);
                call.args.iter().for_each(|a| a.value.literal_values(out));
            }
            Expr::Object(props) => props.iter().for_each(|p| p.value.literal_values(out)),
            Expr::Array(items) => items.iter().for_each(|e| e.literal_values(out)),
            Expr::Template(_) => self.interpolations().for_each(|e| e.literal_values(out)),
            Expr::Unary { operand, .. } => operand.literal_values(out),
            Expr::Binary { left, right, .. } => {
                left.literal_values(out);
                right.literal_values(out);
            }
            Expr::Conditional {
                cond,
                then,
                otherwise,
            } => {
                cond.literal_values(out);
                then.literal_values(out);
                otherwise.literal_values(out);
            }
            Expr::Await(inner) => inner.literal_values(out),
            Expr::Name(_) | Expr::Function(_) | Expr::RequestGlobal(_) | Expr::Unknown(_) => {}
        }
    }
}

impl Stmt {
    pub fn span(&self) -> Option<Span> {
        match self {
            Stmt::Expr { span, .. }
            | Stmt::Let { span, .. }
            | Stmt::Assign { span, .. }
            | Stmt::If { span, .. }
            | Stmt::Loop { span, .. }
            | Stmt::Switch { span, .. }
            | Stmt::Try { span, .. }
            | Stmt::Return { span, .. }
            | Stmt::Throw { span, .. }
            | Stmt::Break { span }
            | Stmt::Continue { span } => Some(*span),
            Stmt::Block { .. } => None,
        }
    }

    /// The statement lists directly inside this statement (branches, loop and block bodies,
    /// cases, try/catch/finally), for walks that care about statements, not expressions.
    pub fn nested(&self) -> Vec<&[Stmt]> {
        match self {
            Stmt::If {
                then, otherwise, ..
            } => vec![then, otherwise],
            Stmt::Loop { body, .. } | Stmt::Block { body } => vec![body],
            Stmt::Switch { cases, .. } => cases.iter().map(|c| c.body.as_slice()).collect(),
            Stmt::Try {
                body,
                catch,
                finally,
                ..
            } => {
                let mut out: Vec<&[Stmt]> = vec![body];
                out.extend(catch.as_deref());
                out.push(finally);
                out
            }
            _ => Vec::new(),
        }
    }
}

/// `for x in xs { … }` / `for (const x of xs) { … }`: the iterable is evaluated once, before
/// the loop — a call in it runs even when the body never does — and each round binds the next
/// element to the loop's names.
pub fn for_each_loop(
    bindings: Vec<Binding>,
    iterable: Expr,
    mut body: Vec<Stmt>,
    span: Span,
) -> Stmt {
    // One name per loop, so a nested loop's iterable never stands for this one's.
    let held = format!("<iterable@{}:{}>", span.line, span.col);
    body.insert(
        0,
        Stmt::Let {
            bindings,
            value: Some(Expr::Index {
                object: Box::new(Expr::Name(held.clone())),
                index: Box::new(Expr::Unknown("element".into())),
            }),
            span,
        },
    );
    Stmt::Block {
        body: vec![
            Stmt::Let {
                bindings: vec![Binding {
                    name: held,
                    path: Vec::new(),
                    role: None,
                }],
                value: Some(iterable),
                span,
            },
            Stmt::Loop {
                cond: None,
                body,
                span,
            },
        ],
    }
}

/// The values a function body returns, in the order written, at any depth of its statements
/// (not inside function literals, which return for themselves).
pub fn returned_values(stmts: &[Stmt]) -> Vec<&Expr> {
    let mut out = Vec::new();
    for s in stmts {
        match s {
            Stmt::Return { value: Some(v), .. } => out.push(v),
            other => other
                .nested()
                .into_iter()
                .for_each(|inner| out.extend(returned_values(inner))),
        }
    }
    out
}

/// Names a function body binds to a method of an object without calling it (`authenticate =
/// client.user_management.authenticate_with_code`, `const send = um.sendInvitation.bind(um)`),
/// with the method's path: a later `authenticate(…)` calls that method. Only names bound once,
/// so a name that is later rebound never stands for the first method.
pub fn method_references(stmts: &[Stmt]) -> std::collections::HashMap<String, String> {
    fn referenced_method(value: &Expr) -> Option<String> {
        match value.peel() {
            // `f.bind(receiver)` is `f` with its receiver fixed.
            Expr::Call(call) if call.callee.path().is_some_and(|p| p.ends_with(".bind")) => {
                match call.callee.peel() {
                    Expr::Member { object, .. } => referenced_method(object),
                    _ => None,
                }
            }
            member @ Expr::Member { .. } => member.path().filter(|p| !p.contains("()")),
            _ => None,
        }
    }
    fn collect(stmts: &[Stmt], seen: &mut std::collections::HashMap<String, Option<String>>) {
        for s in stmts {
            let bound = match s {
                Stmt::Let {
                    bindings,
                    value: Some(value),
                    ..
                } if bindings.len() == 1 && bindings[0].path.is_empty() => {
                    Some((bindings[0].name.clone(), referenced_method(value)))
                }
                Stmt::Assign { target, value, .. } => match target.peel() {
                    Expr::Name(n) => Some((n.clone(), referenced_method(value))),
                    _ => None,
                },
                _ => None,
            };
            if let Some((name, method)) = bound {
                // Bound twice: no single method.
                let twice = seen.contains_key(&name);
                seen.insert(name, if twice { None } else { method });
            }
            s.nested()
                .into_iter()
                .for_each(|inner| collect(inner, seen));
        }
    }
    let mut seen = std::collections::HashMap::new();
    collect(stmts, &mut seen);
    seen.into_iter()
        .filter_map(|(name, method)| Some((name, method?)))
        .collect()
}

/// Whether a function body only logs: it throws nowhere, returns nothing or a literal, and
/// calls nothing but loggers (`console.error(e)`, `logger.warn(…)`). A promise's `.catch`
/// handler like that swallows the rejection; one that throws, redirects or answers does not.
pub fn only_logs(stmts: &[Stmt]) -> bool {
    let plain = stmts.iter().all(|s| match s {
        Stmt::Throw { .. } => false,
        Stmt::Return { value: Some(v), .. } => matches!(v.peel(), Expr::Literal(_)),
        other => other.nested().into_iter().all(only_logs),
    });
    let mut logs_only = true;
    visit_stmts(stmts, &mut |e| {
        if let Expr::Call(call) = e {
            let path = call.callee.path().unwrap_or_default();
            let (receiver, method) = path.rsplit_once('.').unwrap_or(("", &path));
            let logger = matches!(receiver, "console" | "logger" | "log" | "this.logger")
                || matches!(method, "log" | "warn" | "error" | "info" | "debug");
            logs_only &= logger;
        }
    });
    plain && logs_only
}

/// Visits every expression under `stmts`, innermost first, to rewrite it in place; not into
/// function literals, which are functions of their own.
pub fn rewrite_stmts(stmts: &mut [Stmt], visit: &mut dyn FnMut(&mut Expr)) {
    for s in stmts {
        match s {
            Stmt::Expr { expr, .. } | Stmt::Throw { value: expr, .. } => rewrite_expr(expr, visit),
            Stmt::Let { value, .. } | Stmt::Return { value, .. } => {
                if let Some(v) = value {
                    rewrite_expr(v, visit)
                }
            }
            Stmt::Assign { target, value, .. } => {
                rewrite_expr(target, visit);
                rewrite_expr(value, visit);
            }
            Stmt::If {
                cond,
                then,
                otherwise,
                ..
            } => {
                rewrite_expr(cond, visit);
                rewrite_stmts(then, visit);
                rewrite_stmts(otherwise, visit);
            }
            Stmt::Loop { cond, body, .. } => {
                if let Some(c) = cond {
                    rewrite_expr(c, visit);
                }
                rewrite_stmts(body, visit);
            }
            Stmt::Switch { subject, cases, .. } => {
                rewrite_expr(subject, visit);
                for c in cases {
                    if let Some(t) = &mut c.test {
                        rewrite_expr(t, visit);
                    }
                    rewrite_stmts(&mut c.body, visit);
                }
            }
            Stmt::Try {
                body,
                catch,
                finally,
                ..
            } => {
                rewrite_stmts(body, visit);
                if let Some(c) = catch {
                    rewrite_stmts(c, visit);
                }
                rewrite_stmts(finally, visit);
            }
            Stmt::Block { body } => rewrite_stmts(body, visit),
            Stmt::Break { .. } | Stmt::Continue { .. } => {}
        }
    }
}

pub fn rewrite_expr(e: &mut Expr, visit: &mut dyn FnMut(&mut Expr)) {
    match e {
        Expr::Member { object, .. } => rewrite_expr(object, visit),
        Expr::Index { object, index } => {
            rewrite_expr(object, visit);
            rewrite_expr(index, visit);
        }
        Expr::Call(c) => {
            rewrite_expr(&mut c.callee, visit);
            c.args
                .iter_mut()
                .for_each(|a| rewrite_expr(&mut a.value, visit));
        }
        Expr::Object(props) => props
            .iter_mut()
            .for_each(|p| rewrite_expr(&mut p.value, visit)),
        Expr::Array(items) | Expr::Template(items) => {
            items.iter_mut().for_each(|i| rewrite_expr(i, visit))
        }
        Expr::Unary { operand, .. } => rewrite_expr(operand, visit),
        Expr::Binary { left, right, .. } => {
            rewrite_expr(left, visit);
            rewrite_expr(right, visit);
        }
        Expr::Conditional {
            cond,
            then,
            otherwise,
        } => {
            rewrite_expr(cond, visit);
            rewrite_expr(then, visit);
            rewrite_expr(otherwise, visit);
        }
        Expr::Await(i) => rewrite_expr(i, visit),
        Expr::Literal(_)
        | Expr::Name(_)
        | Expr::Function(_)
        | Expr::RequestGlobal(_)
        | Expr::Unknown(_) => {}
    }
    visit(e);
}

/// Visits every expression in a function body (not descending into function literals, which
/// are reported as `Expr::Function` and are functions of their own).
pub fn visit_stmts(stmts: &[Stmt], visit: &mut dyn FnMut(&Expr)) {
    for s in stmts {
        match s {
            Stmt::Expr { expr, .. } => visit_expr(expr, visit),
            Stmt::Let { value, .. } => {
                if let Some(v) = value {
                    visit_expr(v, visit)
                }
            }
            Stmt::Assign { target, value, .. } => {
                visit_expr(target, visit);
                visit_expr(value, visit);
            }
            Stmt::If {
                cond,
                then,
                otherwise,
                ..
            } => {
                visit_expr(cond, visit);
                visit_stmts(then, visit);
                visit_stmts(otherwise, visit);
            }
            Stmt::Loop { cond, body, .. } => {
                if let Some(c) = cond {
                    visit_expr(c, visit);
                }
                visit_stmts(body, visit);
            }
            Stmt::Switch { subject, cases, .. } => {
                visit_expr(subject, visit);
                for c in cases {
                    if let Some(t) = &c.test {
                        visit_expr(t, visit);
                    }
                    visit_stmts(&c.body, visit);
                }
            }
            Stmt::Try {
                body,
                catch,
                finally,
                ..
            } => {
                visit_stmts(body, visit);
                if let Some(c) = catch {
                    visit_stmts(c, visit);
                }
                visit_stmts(finally, visit);
            }
            Stmt::Return { value, .. } => {
                if let Some(v) = value {
                    visit_expr(v, visit)
                }
            }
            Stmt::Throw { value, .. } => visit_expr(value, visit),
            Stmt::Block { body } => visit_stmts(body, visit),
            Stmt::Break { .. } | Stmt::Continue { .. } => {}
        }
    }
}

pub fn visit_expr(e: &Expr, visit: &mut dyn FnMut(&Expr)) {
    visit(e);
    match e {
        Expr::Member { object, .. } => visit_expr(object, visit),
        Expr::Index { object, index } => {
            visit_expr(object, visit);
            visit_expr(index, visit);
        }
        Expr::Call(c) => {
            visit_expr(&c.callee, visit);
            c.args.iter().for_each(|a| visit_expr(&a.value, visit));
        }
        Expr::Object(props) => props.iter().for_each(|p| visit_expr(&p.value, visit)),
        Expr::Array(items) => items.iter().for_each(|i| visit_expr(i, visit)),
        Expr::Template(_) => e.interpolations().for_each(|i| visit_expr(i, visit)),
        Expr::Unary { operand, .. } => visit_expr(operand, visit),
        Expr::Binary { left, right, .. } => {
            visit_expr(left, visit);
            visit_expr(right, visit);
        }
        Expr::Conditional {
            cond,
            then,
            otherwise,
        } => {
            visit_expr(cond, visit);
            visit_expr(then, visit);
            visit_expr(otherwise, visit);
        }
        Expr::Await(i) => visit_expr(i, visit),
        Expr::Literal(_)
        | Expr::Name(_)
        | Expr::Function(_)
        | Expr::RequestGlobal(_)
        | Expr::Unknown(_) => {}
    }
}
