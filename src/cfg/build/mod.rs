//! IR → CFG. Walks the entry's statements in order, creating nodes for calls, branches, returns
//! and throws, inlining local helpers, middleware and callbacks, and evaluating values as it
//! goes.

use std::collections::HashMap;

use petgraph::graph::{DiGraph, NodeIndex};

use super::value::{Value, MAX_VALUE_DEPTH};
use super::*;
use crate::ir::*;
use crate::parse::{FnRef, Program};

mod exprs;
mod guards;
mod stmts;
mod url_path;

pub(crate) use exprs::{is_configured, reads_configuration};

use exprs::*;

pub(crate) use stmts::is_denial_response;

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
    /// Locals bound to an object of handlers keyed by name (`const handlers = { "user.created":
    /// onCreated }`): calling `handlers[key](…)` dispatches on the key like a switch.
    tables: HashMap<String, Vec<Property>>,
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
    decided: Vec<NodeIndex>,
    truncated: bool,
    /// Tests of the request's URL path, decided for the entry's known path.
    url_path: Option<url_path::UrlPathTests<'p>>,
    /// While a branch condition is evaluated: its frame depth and the results of the helpers
    /// it calls that were inlined, so `if (!sigOk(…))` branches on what `sigOk` returned.
    condition_results: Option<(usize, Vec<Value>)>,
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
    /// The entry's URL path, when every request it serves has it (a route or page; not a server
    /// action, which can be posted to any path): a middleware's tests of the path are decided.
    pub url_path: Option<&'a str>,
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
        url_path,
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
        decided: Vec::new(),
        truncated: false,
        url_path: url_path.map(|p| url_path::UrlPathTests::new(program, p)),
        condition_results: None,
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
        tables: HashMap::new(),
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
        decided: b.decided,
        repeated_tests: Default::default(),
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

    /// Whether calls of `module`'s language report failure only by what they return.
    fn fails_by_result(&self, module: usize) -> bool {
        self.program.languages[module] == crate::lang::Language::Go
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
                (None, None) => {
                    let param = Value::Param {
                        name: p.name.clone(),
                        role: p.role,
                    };
                    // The framework parsed the input into a declared type (a pydantic model, a
                    // serde struct): fields typed as a fixed set are allow-listed.
                    let fixed = p
                        .annotation
                        .as_deref()
                        .map(|a| self.fixed_fields_of_type(func.module, a))
                        .unwrap_or_default();
                    exprs::parsed_into(param, fixed)
                }
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
                        // `Json(body): Json<InviteBody>`: the input, parsed into the type.
                        if let (Value::SchemaInput { validated, .. }, true) =
                            (&v, bnd.path.is_empty())
                        {
                            bv = Value::SchemaInput {
                                base: Box::new(bv),
                                validated: validated.clone(),
                            };
                        }
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
}

/// The callee of a call whose target is computed at run time.
pub const DYNAMIC_CALLEE: &str = "<dynamic>";
/// The name under which a call node keeps the value its method was called on.
pub const RECEIVER_ARG: &str = "<receiver>";
/// The receiver of a method called on a value computed on the spot.
pub const COMPUTED_RECEIVER: &str = "(…)";
/// Suffix of a callee that is a computed member of a named object (`handlers[kind]`).
pub const COMPUTED_MEMBER: &str = "[…]";

pub(super) fn constant_value(e: &Expr) -> Value {
    match e {
        // A module-level read of the deployment's configuration with a fallback
        // (`process.env.SECRET || ""`, `os.environ.get("SECRET", "")`): where the deployment
        // sets nothing, the fallback is the value; what it sets is not known here.
        Expr::Binary { op, left, right } if matches!(op.as_str(), "??" | "||" | "or") => {
            Value::either(vec![constant_value(left), constant_value(right)])
        }
        Expr::Call(c)
            if c.callee
                .path()
                .is_some_and(|p| exprs::configuration_fallback_reader(&p))
                && c.args.get(1).is_some_and(|a| a.name.is_none()) =>
        {
            let callee = c.callee.path().unwrap_or_default();
            exprs::configuration_or(&callee, constant_value(&c.args[1].value))
        }
        // `process.env.SECRET` itself: what the deployment sets.
        Expr::Member { .. } if e.path().is_some_and(|p| reads_configuration(&p)) => Value::Global {
            path: e.path().unwrap_or_default(),
        },
        // A configuration object: each field as a constant, or the path it names.
        Expr::Object(props) => Value::Object {
            props: props
                .iter()
                .map(|p| {
                    let value = match &p.value {
                        Expr::Member { .. } if !p.value.is_module_constant() => Value::Global {
                            path: p.value.path().unwrap_or_default(),
                        },
                        v => constant_value(v),
                    };
                    (p.key.clone(), value)
                })
                .collect(),
        },
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
pub(super) fn value_path(v: &Value) -> Option<String> {
    match v.peel() {
        Value::Global { path } => Some(path.clone()),
        Value::CallResult { callee } => Some(format!("{callee}()")),
        Value::Member { base, property } => Some(format!("{}.{property}", value_path(base)?)),
        _ => None,
    }
}

/// The graph of function `name` of a one-file program, built with default summaries, framing
/// and limits (for the unit tests of the stages).
#[cfg(test)]
pub(crate) fn graph_of(language: crate::lang::Language, source: &str, name: &str) -> Cfg {
    let file = match language {
        crate::lang::Language::Python => "a.py",
        crate::lang::Language::Go => "a.go",
        crate::lang::Language::Ruby => "a.rb",
        crate::lang::Language::Rust => "a.rs",
        _ => "a.ts",
    };
    let (program, func) = Program::of_source(language, file, source, name);
    build(
        &program,
        &Default::default(),
        func.module,
        func.function,
        Default::default(),
        Default::default(),
    )
}

/// The conditions of the branches of a graph, in source order.
#[cfg(test)]
pub(super) fn branch_conditions(cfg: &Cfg) -> Vec<Condition> {
    let mut branches: Vec<_> = cfg
        .graph
        .node_indices()
        .filter_map(|n| match &cfg.node(n).kind {
            NodeKind::Branch { condition, .. } => Some((cfg.node(n).span, (**condition).clone())),
            _ => None,
        })
        .collect();
    branches.sort_by_key(|(span, _)| span.start);
    branches.into_iter().map(|(_, c)| c).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn constants_of(language: crate::lang::Language, file: &str, source: &str) -> Vec<Value> {
        let (program, func) = Program::of_source(language, file, source, "f");
        program.modules[func.module]
            .constants
            .iter()
            .map(|(_, e)| constant_value(e))
            .collect()
    }

    fn lit(s: &str) -> Value {
        Value::Literal { value: s.into() }
    }

    fn global(path: &str) -> Value {
        Value::Global { path: path.into() }
    }

    #[test]
    fn a_guard_no_path_leaves_is_kept_as_an_opaque_guard() {
        // A middleware that never calls `next` was not understood (or refuses everything): the
        // handler is still analysed behind it, and the graph says so.
        let (program, func) = Program::of_source(
            crate::lang::Language::TypeScript,
            "a.ts",
            r#"
function deny(req, res, next) { return res.status(401).end(); }
function f(req, res) { act(); }
"#,
            "f",
        );
        let guards = vec![(func.module, Expr::Name("deny".into()))];
        let cfg = build(
            &program,
            &Default::default(),
            func.module,
            func.function,
            Framing {
                guards: &guards,
                ..Default::default()
            },
            Default::default(),
        );
        assert!(
            cfg.notes
                .iter()
                .any(|n| n.contains("guard `deny` could not be followed")),
            "{:?}",
            cfg.notes
        );
        let act = cfg
            .graph
            .node_indices()
            .find(|n| cfg.node(*n).label.contains("act()"))
            .expect("the handler's call");
        assert!(crate::cfg::query::reaches(&cfg, cfg.entry, act));
    }

    #[test]
    fn a_module_constant_is_its_text_or_the_configuration_it_reads() {
        let ts = constants_of(
            crate::lang::Language::TypeScript,
            "a.ts",
            r#"
const ROLE = "member";
const SECRET = process.env.SECRET || "";
const ROLES = ["member", "admin"];
const ENV = { SECRET: process.env.SECRET, MODE: "live" };
function f() {}
"#,
        );
        assert_eq!(
            ts,
            vec![
                lit("member"),
                // Where the deployment sets nothing, the fallback is the value.
                Value::either(vec![global("process.env.SECRET"), lit("")]),
                Value::Array {
                    items: vec![lit("member"), lit("admin")],
                },
                Value::Object {
                    props: vec![
                        ("SECRET".into(), global("process.env.SECRET")),
                        ("MODE".into(), lit("live")),
                    ],
                },
            ]
        );
    }

    #[test]
    fn a_configuration_field_that_reads_no_setting_is_named_by_its_path() {
        let ts = constants_of(
            crate::lang::Language::TypeScript,
            "a.ts",
            r#"
const ENV = { MODE: "live", CLIENT: sdk.client };
function f() {}
"#,
        );
        assert_eq!(
            ts,
            vec![Value::Object {
                props: vec![
                    ("MODE".into(), lit("live")),
                    ("CLIENT".into(), global("sdk.client")),
                ],
            }]
        );
    }

    #[test]
    fn only_a_fallback_or_a_configuration_read_is_a_known_value() {
        let text = |s: &str| Expr::Literal(crate::ir::Literal::Str(s.into()));
        let joined = Expr::Binary {
            op: "+".into(),
            left: Box::new(text("a")),
            right: Box::new(text("b")),
        };
        assert_eq!(constant_value(&joined), Value::Unknown);
        let member = Expr::Member {
            object: Box::new(Expr::Name("sdk".into())),
            property: "client".into(),
        };
        assert_eq!(constant_value(&member), Value::Unknown);
    }

    #[test]
    fn a_frozen_list_is_the_list() {
        // Ruby's `%w[member admin].freeze`: the method called on a literal list keeps it.
        let list = Expr::Array(vec![
            Expr::Literal(crate::ir::Literal::Str("member".into())),
            Expr::Literal(crate::ir::Literal::Str("admin".into())),
        ]);
        let frozen = Expr::Call(Box::new(crate::ir::Call {
            callee: Expr::Member {
                object: Box::new(list),
                property: "freeze".into(),
            },
            args: Vec::new(),
            span: Default::default(),
            construct: false,
        }));
        assert_eq!(
            constant_value(&frozen),
            Value::Array {
                items: vec![lit("member"), lit("admin")],
            }
        );
    }

    #[test]
    fn a_value_path_names_chains_on_globals_and_call_results() {
        let member = |base: Value, property: &str| Value::Member {
            base: Box::new(base),
            property: property.into(),
        };
        assert_eq!(
            value_path(&member(global("client"), "UserManagement")).as_deref(),
            Some("client.UserManagement")
        );
        assert_eq!(
            value_path(&member(
                Value::CallResult {
                    callee: "client.UserManagement".into()
                },
                "SendInvitation"
            ))
            .as_deref(),
            Some("client.UserManagement().SendInvitation")
        );
        assert_eq!(value_path(&lit("x")), None);
    }
}
