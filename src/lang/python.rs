//! Python (tree-sitter) → IR.
//!
//! Framework knowledge of this ecosystem lives here: Flask and FastAPI route decorators, Django
//! views and DRF `permission_classes`, decorators and `Depends(...)` as guards, which names carry
//! the request (`request` from Flask, a `request` parameter), and which calls end a request
//! (`abort()`).

use tree_sitter::Node;

use super::{ParseError, MAX_DEPTH};
use crate::ir::*;

const ROUTE_DECORATORS: &[&str] = &[
    "route",
    "get",
    "post",
    "put",
    "patch",
    "delete",
    "api_route",
    "api_view",
    "action",
];
/// HTTP handler method names of class-based views (Django, DRF, Flask MethodView).
const VIEW_METHODS: &[&str] = &[
    "get",
    "post",
    "put",
    "patch",
    "delete",
    "create",
    "update",
    "partial_update",
    "destroy",
    "perform_create",
    "perform_update",
    "dispatch",
];
/// Calls that end the request (Flask's `abort` raises).
const TERMINATING_CALLS: &[&str] = &["abort"];

pub fn parse(path: &str, source: &str) -> Result<Module, ParseError> {
    let tree = super::syntax_tree(tree_sitter_python::LANGUAGE.into(), source)?;
    let mut lower = Lowerer {
        src: source.as_bytes(),
        module: Module {
            path: path.to_string(),
            ..Module::default()
        },
        nesting: super::Nesting::default(),
        request_globals: Vec::new(),
        before_request: Vec::new(),
        route_receivers: Vec::new(),
        route_prefixes: Vec::new(),
        router_dependencies: Vec::new(),
        set_validators: Vec::new(),
    };
    let root = tree.root_node();
    lower.module.syntax_errors = super::syntax_errors(root);
    lower.program(root);
    lower.apply_router_settings();
    if lower.nesting.too_deep {
        return Err(ParseError::TooDeep(MAX_DEPTH));
    }
    Ok(lower.module)
}

struct Lowerer<'a> {
    src: &'a [u8],
    module: Module,
    nesting: super::Nesting,
    /// Names imported from web frameworks that stand for the current request (`request` from
    /// Flask, Quart).
    request_globals: Vec<String>,
    /// Flask/Quart hooks run before each request of an app or blueprint (`@bp.before_request`,
    /// `app.before_request(load_user)`), by the name of that app or blueprint; `*` for
    /// `before_app_request` (every route of the app).
    before_request: Vec<(String, Expr)>,
    /// The app or blueprint each route entry is registered on (`bp` of `@bp.post("/invite")`),
    /// by entry index.
    route_receivers: Vec<(usize, String)>,
    /// The URL prefix of each blueprint or router of the module (`bp = Blueprint("team",
    /// __name__, url_prefix="/team")`, FastAPI's `APIRouter(prefix="/team")`).
    route_prefixes: Vec<(String, String)>,
    /// FastAPI dependencies of each router or app (`APIRouter(dependencies=[Depends(f)])`), as
    /// guard calls.
    router_dependencies: Vec<(String, Vec<Expr>)>,
    /// Module-level functions that raise when a value is outside a set (`if v not in
    /// ALLOWED_ROLES: raise ValueError(…)`): as a pydantic validator, they allow-list a field.
    set_validators: Vec<String>,
}

/// Whether a validator's code refuses a value outside a set: it raises, and tests membership.
fn refuses_outside_a_set(code: &str) -> bool {
    code.contains("raise") && (code.contains(" not in ") || code.contains(" in "))
}

/// The functions a pydantic `Annotated[…]` type runs as validators (`validate_role` of
/// `Annotated[str, AfterValidator(validate_role)]`).
fn annotated_validators(declared: &str) -> Vec<&str> {
    if !declared.contains("Annotated[") {
        return Vec::new();
    }
    declared
        .match_indices("Validator(")
        .filter_map(|(i, m)| {
            let rest = &declared[i + m.len()..];
            let end = rest
                .find(|c: char| !(c.is_alphanumeric() || c == '_'))
                .unwrap_or(rest.len());
            (end > 0).then(|| &rest[..end])
        })
        .collect()
}

/// The `dependencies=[Depends(f), …]` of a router or route decorator, as calls of `f`: FastAPI
/// runs each before the handler, and its raise ends the request.
fn dependencies(args: &[Arg]) -> Vec<Expr> {
    let Some(Expr::Array(items)) = args
        .iter()
        .find(|a| a.name.as_deref() == Some("dependencies"))
        .map(|a| a.value.peel())
    else {
        return Vec::new();
    };
    items
        .iter()
        .filter_map(|item| match item.peel() {
            Expr::Call(c)
                if c.callee
                    .path()
                    .is_some_and(|p| p == "Depends" || p.ends_with(".Depends")) =>
            {
                c.args.first().map(|a| match a.value.peel() {
                    // `Depends(require_permission("x"))`: the factory's product.
                    call @ Expr::Call(_) => call.clone(),
                    f => Expr::Call(Box::new(Call {
                        callee: f.clone(),
                        args: Vec::new(),
                        span: c.span,
                        construct: false,
                    })),
                })
            }
            _ => None,
        })
        .collect()
}

/// Decorators (and methods) registering a hook that runs before each request, and whether it
/// runs for the whole app rather than the blueprint it is written on.
const BEFORE_REQUEST_HOOKS: &[(&str, bool)] =
    &[("before_request", false), ("before_app_request", true)];

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

    // ----- top level -------------------------------------------------------------------

    /// Puts each `before_request` hook in front of the routes of its app or blueprint, in the
    /// order the hooks were registered, and the blueprint's URL prefix before their paths. A
    /// blueprint's routes registered on an app in another file do not get that app's hooks.
    fn apply_router_settings(&mut self) {
        for (_, receiver) in &self.route_receivers {
            if !self.module.route_receivers.contains(receiver) {
                self.module.route_receivers.push(receiver.clone());
            }
        }
        for (entry, receiver) in std::mem::take(&mut self.route_receivers) {
            if let Some((_, prefix)) = self.route_prefixes.iter().find(|(r, _)| *r == receiver) {
                if let Some(EntryKind::Route {
                    path: Some(path), ..
                }) = self.module.entries.get_mut(entry).map(|e| &mut e.kind)
                {
                    *path = format!(
                        "{}/{}",
                        prefix.trim_end_matches('/'),
                        path.trim_start_matches('/')
                    );
                }
            }
            let mut hooks: Vec<Expr> = self
                .before_request
                .iter()
                .filter(|(r, _)| r == "*" || *r == receiver)
                .map(|(_, g)| g.clone())
                .collect();
            hooks.extend(
                self.router_dependencies
                    .iter()
                    .filter(|(r, _)| *r == receiver)
                    .flat_map(|(_, deps)| deps.iter().cloned()),
            );
            if let Some(e) = self.module.entries.get_mut(entry) {
                e.guards.splice(0..0, hooks);
            }
        }
    }

    /// `app.before_request(hook)` or `@bp.before_request`: records `hook` for the routes of
    /// `callee`'s receiver. Returns whether `callee` registers such a hook.
    fn before_request_hook(&mut self, callee: &str, hook: Expr) -> bool {
        let Some((receiver, method)) = callee.rsplit_once('.') else {
            return false;
        };
        let Some((_, app_wide)) = BEFORE_REQUEST_HOOKS.iter().find(|(m, _)| *m == method) else {
            return false;
        };
        let receiver = if *app_wide { "*" } else { receiver };
        self.before_request.push((receiver.to_string(), hook));
        true
    }

    fn program(&mut self, root: Node) {
        let mut cursor = root.walk();
        let children: Vec<Node> = root.named_children(&mut cursor).collect();
        for child in children {
            self.top_level(child, &[]);
        }
    }

    fn top_level(&mut self, node: Node, decorators: &[Expr]) {
        match node.kind() {
            "import_statement" | "import_from_statement" => self.import(node),
            "decorated_definition" => {
                let decorators = self.decorators(node);
                if let Some(def) = node.child_by_field_name("definition") {
                    self.top_level(def, &decorators);
                }
            }
            "function_definition" => {
                let id = self.function(node, None);
                if refuses_outside_a_set(self.text(node)) {
                    let name = self.module.functions[id].name.clone();
                    self.set_validators.push(name);
                }
                self.classify_function(id, decorators, None);
            }
            "class_definition" => self.class(node, decorators),
            "expression_statement" => {
                // `app.before_request(load_user)`.
                if let Some(call) = node.named_child(0).filter(|n| n.kind() == "call") {
                    if let Expr::Call(c) = self.expr(call) {
                        if let (Some(callee), [arg]) = (c.callee.path(), c.args.as_slice()) {
                            self.before_request_hook(&callee, arg.value.clone());
                        }
                        self.include_router(&c);
                    }
                }
                // Module constants: `ALLOWED_ROLES = ["member"]`.
                if let Some(assign) = node.named_child(0).filter(|n| n.kind() == "assignment") {
                    if let (Some(left), Some(right)) = (
                        assign.child_by_field_name("left"),
                        assign.child_by_field_name("right"),
                    ) {
                        if left.kind() == "identifier" {
                            // `ValidatedRole = Annotated[str, AfterValidator(validate_role)]`:
                            // a field of this type holds one of a fixed set of values.
                            if self.validates_to_a_set(self.text(right)) {
                                let name = self.text(left).to_string();
                                self.module.enums.push(name);
                            }
                            let value = self.expr(right);
                            // `bp = Blueprint("team", __name__, url_prefix="/team")`.
                            if let Expr::Call(c) = &value {
                                let prefix =
                                    c.args.iter().find_map(|a| match (&a.name, &a.value) {
                                        (Some(k), Expr::Literal(Literal::Str(s)))
                                            if k == "url_prefix" || k == "prefix" =>
                                        {
                                            Some(s.clone())
                                        }
                                        _ => None,
                                    });
                                if let Some(prefix) = prefix {
                                    self.route_prefixes
                                        .push((self.text(left).to_string(), prefix));
                                }
                                // `APIRouter(dependencies=[Depends(current_user)])`: run before
                                // every route of the router.
                                let deps = dependencies(&c.args);
                                if !deps.is_empty() {
                                    self.router_dependencies
                                        .push((self.text(left).to_string(), deps));
                                }
                            }
                            if value.is_module_constant() {
                                self.module
                                    .constants
                                    .push((self.text(left).to_string(), value));
                            }
                        }
                    }
                }
            }
            "if_statement" => {
                // `if TYPE_CHECKING:` and friends: definitions inside still count.
                if let Some(body) = node.child_by_field_name("consequence") {
                    let mut cursor = body.walk();
                    let children: Vec<Node> = body.named_children(&mut cursor).collect();
                    for child in children {
                        self.top_level(child, &[]);
                    }
                }
            }
            _ => {}
        }
    }

    fn decorators(&mut self, node: Node) -> Vec<Expr> {
        super::children_of_kind(node, "decorator")
            .into_iter()
            .filter_map(|d| d.named_child(0))
            .map(|e| self.expr(e))
            .collect()
    }

    fn import(&mut self, node: Node) {
        if node.kind() == "import_from_statement" {
            let Some(module) = node.child_by_field_name("module_name") else {
                return;
            };
            let source = python_module_specifier(self.text(module));
            let mut cursor = node.walk();
            let names: Vec<Node> = node.children_by_field_name("name", &mut cursor).collect();
            for n in names {
                let (imported, local) = match n.kind() {
                    "aliased_import" => (
                        n.child_by_field_name("name")
                            .map(|x| self.text(x))
                            .unwrap_or(""),
                        n.child_by_field_name("alias")
                            .map(|x| self.text(x))
                            .unwrap_or(""),
                    ),
                    _ => (self.text(n), self.text(n)),
                };
                let imported = imported.rsplit('.').next().unwrap_or(imported).to_string();
                if (source == "@/flask" || source == "@/quart" || source == "@/werkzeug")
                    && imported == "request"
                {
                    self.request_globals.push(local.to_string());
                }
                // `from . import workos_client` imports a module, `from .x import f` a name: both
                // are tried when the name is used.
                self.module.imports.push(Import {
                    local: local.to_string(),
                    imported: imported.clone(),
                    source: source.clone(),
                });
                self.module.imports.push(Import {
                    local: local.to_string(),
                    imported: "*".into(),
                    source: format!("{}/{}", source.trim_end_matches('/'), imported),
                });
            }
        } else {
            let mut cursor = node.walk();
            let names: Vec<Node> = node.children_by_field_name("name", &mut cursor).collect();
            for n in names {
                let (dotted, local) = match n.kind() {
                    "aliased_import" => (
                        n.child_by_field_name("name")
                            .map(|x| self.text(x))
                            .unwrap_or(""),
                        n.child_by_field_name("alias")
                            .map(|x| self.text(x))
                            .unwrap_or(""),
                    ),
                    _ => (self.text(n), self.text(n)),
                };
                self.module.imports.push(Import {
                    local: local.to_string(),
                    imported: "*".into(),
                    source: python_module_specifier(dotted),
                });
            }
        }
    }

    fn class(&mut self, node: Node, decorators: &[Expr]) {
        let Some(body) = node.child_by_field_name("body") else {
            return;
        };
        let class_name = node
            .child_by_field_name("name")
            .map(|n| self.text(n).to_string())
            .unwrap_or_default();
        let bases = node
            .child_by_field_name("superclasses")
            .map(|b| self.text(b).to_string())
            .unwrap_or_default();
        let is_view =
            bases.contains("View") || bases.contains("ViewSet") || bases.contains("Resource");
        self.input_type_or_enum(&class_name, &bases, body);
        // DRF/Django: `permission_classes = [IsAuthenticated, IsOrgAdmin]` guard every handler.
        let mut class_guards: Vec<Expr> = decorators.to_vec();
        let mut cursor = body.walk();
        let members: Vec<Node> = body.named_children(&mut cursor).collect();
        for m in &members {
            if m.kind() != "expression_statement" {
                continue;
            }
            let Some(assign) = m.named_child(0).filter(|n| n.kind() == "assignment") else {
                continue;
            };
            let name = assign
                .child_by_field_name("left")
                .map(|l| self.text(l))
                .unwrap_or("");
            if matches!(
                name,
                "permission_classes"
                    | "authentication_classes"
                    | "decorators"
                    | "method_decorators"
            ) {
                if let Some(right) = assign.child_by_field_name("right") {
                    if let Expr::Array(items) = self.expr(right) {
                        class_guards.extend(items.into_iter().map(|g| match g {
                            // A permission class is instantiated and asked; as a guard it is a call.
                            Expr::Name(n) => Expr::Call(Box::new(Call {
                                callee: Expr::Name(n),
                                args: Vec::new(),
                                span: self.span(right),
                                construct: true,
                            })),
                            other => other,
                        }));
                    }
                }
            }
        }
        for m in members {
            let (def, decos) = match m.kind() {
                "decorated_definition" => {
                    let decos = self.decorators(m);
                    match m.child_by_field_name("definition") {
                        Some(d) => (d, decos),
                        None => continue,
                    }
                }
                "function_definition" => (m, Vec::new()),
                _ => continue,
            };
            if def.kind() != "function_definition" {
                continue;
            }
            let id = self.function(def, Some(&class_name));
            let method = self.module.functions[id].name.clone();
            if is_view && VIEW_METHODS.contains(&method.as_str()) {
                let mut guards = class_guards.clone();
                guards.extend(decos);
                let span = self.module.functions[id].span;
                mark_view_params(&mut self.module.functions[id].params);
                self.module.entries.push(EntryPoint {
                    guards,
                    ..EntryPoint::plain(
                        Expr::Function(id),
                        EntryKind::Route {
                            method: method.to_uppercase(),
                            path: None,
                        },
                        span,
                    )
                });
            } else {
                self.classify_function(id, &decos, None);
            }
        }
    }

    /// A route when a route decorator is present; its other decorators are guards.
    /// A pydantic model (or django-ninja `Schema`, `SQLModel`) keeps its annotated fields: a
    /// framework that parses a body into it enforces them. An `Enum` (or Django `TextChoices`)
    /// subclass is an enumeration.
    fn input_type_or_enum(&mut self, class_name: &str, bases: &str, body: Node) {
        let base_names: Vec<&str> = bases
            .split(|c: char| !(c.is_alphanumeric() || c == '_'))
            .filter(|w| !w.is_empty())
            .collect();
        let any = |names: &[&str]| base_names.iter().any(|b| names.contains(b));
        if any(&[
            "Enum",
            "StrEnum",
            "IntEnum",
            "TextChoices",
            "IntegerChoices",
        ]) {
            self.module.enums.push(class_name.to_string());
            return;
        }
        if !any(&["BaseModel", "Schema", "SQLModel"]) {
            return;
        }
        let mut cursor = body.walk();
        let mut fields = Vec::new();
        for member in body.named_children(&mut cursor) {
            let Some(assign) = member
                .named_child(0)
                .filter(|n| member.kind() == "expression_statement" && n.kind() == "assignment")
            else {
                continue;
            };
            if let (Some(left), Some(ty)) = (
                assign.child_by_field_name("left"),
                assign.child_by_field_name("type"),
            ) {
                fields.push((self.text(left).to_string(), self.text(ty).to_string()));
            }
        }
        let mut checked = self.membership_validated_fields(body);
        // `role: Annotated[str, AfterValidator(validate_role)]` written on the field itself.
        checked.extend(
            fields
                .iter()
                .filter(|(_, ty)| self.validates_to_a_set(ty))
                .map(|(name, _)| name.clone()),
        );
        self.module.input_types.push(InputType {
            name: class_name.to_string(),
            fields,
            checked,
        });
    }

    /// Whether a type as written is pydantic's `Annotated[…]` with a validator of this module
    /// that raises outside a set.
    fn validates_to_a_set(&self, declared: &str) -> bool {
        annotated_validators(declared)
            .iter()
            .any(|v| self.set_validators.iter().any(|s| s == v))
    }

    /// Fields a pydantic validator of the model restricts to fixed values:
    /// `@field_validator("role")` (or v1's `@validator`) over a body that raises on a membership
    /// test (`if v not in ALLOWED_ROLES: raise ValueError(…)`).
    fn membership_validated_fields(&mut self, body: Node) -> Vec<String> {
        let mut out = Vec::new();
        let mut cursor = body.walk();
        let members: Vec<Node> = body
            .named_children(&mut cursor)
            .filter(|m| m.kind() == "decorated_definition")
            .collect();
        for member in members {
            let Some(def) = member.child_by_field_name("definition") else {
                continue;
            };
            if !refuses_outside_a_set(self.text(def)) {
                continue;
            }
            for decorator in self.decorators(member) {
                let Expr::Call(call) = decorator.peel() else {
                    continue;
                };
                let name = call.callee.path().unwrap_or_default();
                if !(name.ends_with("field_validator") || name.ends_with("validator")) {
                    continue;
                }
                for arg in call.args.iter().filter(|a| a.name.is_none()) {
                    if let Expr::Literal(Literal::Str(field)) = arg.value.peel() {
                        out.push(field.clone());
                    }
                }
            }
        }
        out
    }

    /// `app.include_router(team.router, prefix="/api", dependencies=[Depends(auth)])` (FastAPI)
    /// or `app.register_blueprint(team_bp, url_prefix="/team")` (Flask) of a router another
    /// file defines: its routes get the prefix and the dependencies (see `workflow::locate`).
    fn include_router(&mut self, call: &Call) {
        let callee = call.callee.path().unwrap_or_default();
        if !(callee.ends_with(".include_router") || callee.ends_with(".register_blueprint")) {
            return;
        }
        let Some(router) = call.args.iter().find(|a| a.name.is_none()) else {
            return;
        };
        let prefix = call
            .args
            .iter()
            .filter(|a| matches!(a.name.as_deref(), Some("prefix" | "url_prefix")))
            .find_map(|a| self.constant_text(&a.value))
            .unwrap_or_default();
        self.module.mounts.push(Mount {
            handler: router.value.clone(),
            router: true,
            prefix,
            guards: dependencies(&call.args),
        });
    }

    /// The text of a string the module fixes: a literal, a module constant bound before
    /// (`api_v1_prefix = "/api/v1"`), or an f-string of those (`f"{API_VERSION}/users"`).
    fn constant_text(&self, e: &Expr) -> Option<String> {
        match e.peel() {
            Expr::Literal(Literal::Str(s)) => Some(s.clone()),
            Expr::Name(n) => self
                .module
                .constants
                .iter()
                .rev()
                .find(|(c, _)| c == n)
                .and_then(|(_, v)| match v.peel() {
                    Expr::Literal(Literal::Str(s)) => Some(s.clone()),
                    _ => None,
                }),
            Expr::Template(parts) => parts.iter().map(|p| self.constant_text(p)).collect(),
            _ => None,
        }
    }

    fn classify_function(&mut self, id: FunctionId, decorators: &[Expr], _class: Option<&str>) {
        let mut route: Option<(String, Option<String>)> = None;
        let mut receiver_of_route: Option<String> = None;
        let mut guards = Vec::new();
        for d in decorators {
            let (callee, args) = match d.peel() {
                Expr::Call(c) => (c.callee.path().unwrap_or_default(), Some(&c.args)),
                other => (other.path().unwrap_or_default(), None),
            };
            let last = callee.rsplit('.').next().unwrap_or("").to_string();
            let is_route = callee.contains('.') && ROUTE_DECORATORS.contains(&last.as_str())
                || last == "api_view";
            if args.is_none() {
                let hook = Expr::Name(self.module.functions[id].name.clone());
                if self.before_request_hook(&callee, hook) {
                    return;
                }
            }
            if is_route {
                if let Some((receiver, _)) = callee.rsplit_once('.') {
                    receiver_of_route = Some(receiver.to_string());
                }
                // `@router.post("/x", dependencies=[Depends(require_admin)])`.
                if let Some(args) = args {
                    guards.extend(dependencies(args));
                }
                let path = args.and_then(|a| {
                    a.iter().find_map(|arg| match &arg.value {
                        Expr::Literal(Literal::Str(s)) if arg.name.is_none() => Some(s.clone()),
                        _ => None,
                    })
                });
                let method = match last.as_str() {
                    "route" | "api_route" | "api_view" | "action" => "ANY".to_string(),
                    m => m.to_uppercase(),
                };
                route = Some((method, path));
            } else {
                guards.push(d.clone());
            }
        }
        let f = &self.module.functions[id];
        // Django function views: `def view(request, …)` decorated or not.
        let django_view = route.is_none()
            && f.params.first().is_some_and(|p| p.name == "request")
            && (self.module.path.ends_with("views.py") || self.module.path.contains("/views/"));
        if route.is_none() && !django_view {
            // A decorated helper (`@retry`, `@cache`) is inlined where it is called, not an
            // entry of its own.
            return;
        }
        let (method, path) = route.unwrap_or_else(|| ("ANY".into(), None));
        let span = f.span;
        let fastapi = self.is_fastapi_like(id);
        let f = &mut self.module.functions[id];
        for p in f.params.iter_mut() {
            if p.role != ParamRole::Plain {
                continue;
            }
            p.role = if p.name == "request" || p.name == "req" {
                ParamRole::Request
            } else if fastapi || !django_view {
                // Path parameters, query parameters and bodies are client input.
                ParamRole::Input
            } else {
                ParamRole::Input
            };
        }
        // FastAPI `Depends(dep)` parameters run first too: `workflow::locate` adds them.
        if let Some(receiver) = &receiver_of_route {
            self.route_receivers
                .push((self.module.entries.len(), receiver.clone()));
        }
        self.module.entries.push(EntryPoint {
            guards,
            receiver: receiver_of_route,
            ..EntryPoint::plain(Expr::Function(id), EntryKind::Route { method, path }, span)
        });
    }

    fn is_fastapi_like(&self, id: FunctionId) -> bool {
        self.module.functions[id]
            .params
            .iter()
            .any(|p| p.default_call.is_some())
    }

    // ----- functions -------------------------------------------------------------------

    fn function(&mut self, node: Node, class: Option<&str>) -> FunctionId {
        let name = node
            .child_by_field_name("name")
            .map(|n| self.text(n).to_string())
            .unwrap_or_else(|| "<lambda>".into());
        let mut params = node
            .child_by_field_name("parameters")
            .map(|p| self.params(p))
            .unwrap_or_default();
        if class.is_some()
            && params
                .first()
                .is_some_and(|p| p.name == "self" || p.name == "cls")
        {
            params.remove(0);
        }
        let id = self.module.functions.len();
        self.module.functions.push(Function {
            name,
            params,
            body: Vec::new(),
            span: self.span(node),
            exported: true,
            callable: true,
            runs_as: None,
            method: class.is_some(),
            // `async def`: the keyword is the node's first child.
            is_async: node.child(0).is_some_and(|c| c.kind() == "async"),
        });
        let body = match node.child_by_field_name("body") {
            Some(b) if b.kind() == "block" => self.block(b),
            Some(b) => {
                let span = self.span(b);
                let value = self.expr(b);
                vec![Stmt::Return {
                    value: Some(value),
                    span,
                }]
            }
            None => Vec::new(),
        };
        self.module.functions[id].body = body;
        id
    }

    fn params(&mut self, node: Node) -> Vec<Param> {
        let mut cursor = node.walk();
        let children: Vec<Node> = node.named_children(&mut cursor).collect();
        let mut out = Vec::new();
        for c in children {
            let (name_node, default) = match c.kind() {
                "identifier" => (Some(c), None),
                "typed_parameter" => (c.named_child(0), None),
                "default_parameter" | "typed_default_parameter" => (
                    c.child_by_field_name("name"),
                    c.child_by_field_name("value"),
                ),
                "list_splat_pattern" | "dictionary_splat_pattern" => (c.named_child(0), None),
                _ => continue,
            };
            let Some(name_node) = name_node else { continue };
            let name = self.text(name_node).to_string();
            let ty = c
                .child_by_field_name("type")
                .map(|t| self.text(t).to_string())
                .unwrap_or_default();
            let default_call = default.map(|d| self.expr(d)).and_then(|e| match e {
                // FastAPI: `user = Depends(get_current_user)` runs the dependency first.
                Expr::Call(call)
                    if call
                        .callee
                        .path()
                        .is_some_and(|p| p.ends_with("Depends") || p.ends_with("Security")) =>
                {
                    call.args.first().map(|a| match &a.value {
                        Expr::Name(_) | Expr::Member { .. } => Expr::Call(Box::new(Call {
                            callee: a.value.clone(),
                            args: Vec::new(),
                            span: call.span,
                            construct: false,
                        })),
                        other => other.clone(),
                    })
                }
                _ => None,
            });
            let role =
                if name == "request" || ty.ends_with("Request") || ty.ends_with("HttpRequest") {
                    ParamRole::Request
                } else {
                    ParamRole::Plain
                };
            out.push(Param {
                name,
                role,
                bindings: Vec::new(),
                default_call,
                annotation: (!ty.is_empty()).then_some(ty),
            });
        }
        out
    }

    // ----- statements ------------------------------------------------------------------

    fn block(&mut self, node: Node) -> Vec<Stmt> {
        let mut out = Vec::new();
        let mut cursor = node.walk();
        let children: Vec<Node> = node.named_children(&mut cursor).collect();
        for child in children {
            if let Some(stmt) = self.stmt(child) {
                out.push(stmt);
            }
        }
        out
    }

    fn body_field(&mut self, node: Node, field: &str) -> Vec<Stmt> {
        match node.child_by_field_name(field) {
            Some(b) => self.block(b),
            None => Vec::new(),
        }
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
            "expression_statement" => {
                let inner = node.named_child(0)?;
                match inner.kind() {
                    "assignment" | "augmented_assignment" => self.assignment(inner, span),
                    _ => {
                        let expr = self.expr(inner);
                        if let Expr::Call(call) = expr.peel() {
                            let path = call.callee.path().unwrap_or_default();
                            if TERMINATING_CALLS.contains(&path.as_str()) {
                                return Some(Stmt::Throw { value: expr, span });
                            }
                        }
                        Stmt::Expr { expr, span }
                    }
                }
            }
            "decorated_definition" | "function_definition" => {
                let def = if node.kind() == "decorated_definition" {
                    node.child_by_field_name("definition")?
                } else {
                    node
                };
                if def.kind() == "function_definition" {
                    let id = self.function(def, None);
                    // A route declared inside a router factory (`def create_router(): router =
                    // APIRouter(); @router.post("/x") async def handler(…)`) is a route too.
                    if node.kind() == "decorated_definition" {
                        let decorators = self.decorators(node);
                        self.classify_function(id, &decorators, None);
                    }
                }
                return None;
            }
            "if_statement" => self.if_chain(node),
            "for_statement" => match (
                node.child_by_field_name("left"),
                node.child_by_field_name("right"),
            ) {
                (Some(left), Some(right)) => {
                    let iterable = self.expr(right);
                    let bindings = self.targets(left);
                    let body = self.body_field(node, "body");
                    crate::ir::for_each_loop(bindings, iterable, body, span)
                }
                _ => Stmt::Loop {
                    cond: None,
                    body: self.body_field(node, "body"),
                    span,
                },
            },
            "while_statement" => {
                let cond = node.child_by_field_name("condition").map(|c| self.expr(c));
                let body = self.body_field(node, "body");
                Stmt::Loop { cond, body, span }
            }
            "try_statement" => {
                let body = self.body_field(node, "body");
                let mut catch: Option<Vec<Stmt>> = None;
                let mut finally = Vec::new();
                let mut else_body = Vec::new();
                let mut cursor = node.walk();
                let children: Vec<Node> = node.named_children(&mut cursor).collect();
                for c in children {
                    match c.kind() {
                        "except_clause" | "except_group_clause" => {
                            // Several handlers are alternatives of one catch.
                            let mut cursor2 = c.walk();
                            let block =
                                c.named_children(&mut cursor2).find(|n| n.kind() == "block");
                            let stmts = block.map(|b| self.block(b)).unwrap_or_default();
                            let entry = catch.get_or_insert_with(Vec::new);
                            if entry.is_empty() {
                                *entry = stmts;
                            } else {
                                let previous = std::mem::take(entry);
                                *entry = vec![Stmt::If {
                                    cond: Expr::Unknown("exception type".into()),
                                    then: previous,
                                    otherwise: stmts,
                                    span,
                                }];
                            }
                        }
                        "else_clause" => {
                            else_body = self.body_field(c, "body");
                        }
                        "finally_clause" => {
                            let mut cursor2 = c.walk();
                            let block =
                                c.named_children(&mut cursor2).find(|n| n.kind() == "block");
                            finally = block.map(|b| self.block(b)).unwrap_or_default();
                        }
                        _ => {}
                    }
                }
                let mut body = body;
                body.extend(else_body);
                Stmt::Try {
                    body,
                    catch,
                    finally,
                    span,
                }
            }
            "with_statement" => {
                // `with` runs its body once; the context managers are calls before it.
                let mut body = Vec::new();
                let mut cursor = node.walk();
                let children: Vec<Node> = node.named_children(&mut cursor).collect();
                for c in children {
                    if c.kind() == "with_clause" {
                        let mut c2 = c.walk();
                        let items: Vec<Node> = c.named_children(&mut c2).collect();
                        for item in items {
                            if let Some(v) = item.child_by_field_name("value") {
                                let e = self.expr(v);
                                body.push(Stmt::Expr { expr: e, span });
                            }
                        }
                    }
                }
                body.extend(self.body_field(node, "body"));
                Stmt::Block { body }
            }
            "return_statement" => Stmt::Return {
                value: node.named_child(0).map(|v| self.expr(v)),
                span,
            },
            "raise_statement" => Stmt::Throw {
                value: node
                    .named_child(0)
                    .map(|v| self.expr(v))
                    .unwrap_or(Expr::Unknown("re-raise".into())),
                span,
            },
            "break_statement" => Stmt::Break { span },
            "continue_statement" => Stmt::Continue { span },
            "match_statement" => {
                let subject = node
                    .child_by_field_name("subject")
                    .map(|s| self.expr(s))
                    .unwrap_or(Expr::Unknown(String::new()));
                let mut cases = Vec::new();
                if let Some(body) = node.child_by_field_name("body") {
                    let mut cursor = body.walk();
                    let children: Vec<Node> = body.named_children(&mut cursor).collect();
                    for c in children {
                        if c.kind() == "case_clause" {
                            let stmts = self.body_field(c, "consequence");
                            cases.push(SwitchCase {
                                test: Some(Expr::Unknown("case".into())),
                                body: stmts,
                                falls_through: false,
                            });
                        }
                    }
                }
                Stmt::Switch {
                    subject,
                    cases,
                    span,
                }
            }
            "block" => Stmt::Block {
                body: self.block(node),
            },
            _ => return None,
        })
    }

    /// `if … elif … else …` as nested ifs.
    fn if_chain(&mut self, node: Node) -> Stmt {
        let span = self.span(node);
        let cond = self.field_expr(node, "condition");
        let then = self.body_field(node, "consequence");
        let mut cursor = node.walk();
        let alternatives: Vec<Node> = node
            .children_by_field_name("alternative", &mut cursor)
            .collect();
        let otherwise = self.alternatives(&alternatives);
        Stmt::If {
            cond,
            then,
            otherwise,
            span,
        }
    }

    fn alternatives(&mut self, alts: &[Node]) -> Vec<Stmt> {
        let Some((first, rest)) = alts.split_first() else {
            return Vec::new();
        };
        match first.kind() {
            "elif_clause" => {
                let span = self.span(*first);
                let cond = self.field_expr(*first, "condition");
                let then = self.body_field(*first, "consequence");
                let otherwise = self.alternatives(rest);
                vec![Stmt::If {
                    cond,
                    then,
                    otherwise,
                    span,
                }]
            }
            "else_clause" => self.body_field(*first, "body"),
            _ => Vec::new(),
        }
    }

    fn assignment(&mut self, node: Node, span: Span) -> Stmt {
        let right = node.child_by_field_name("right").map(|r| self.expr(r));
        let Some(left) = node.child_by_field_name("left") else {
            return Stmt::Expr {
                expr: right.unwrap_or(Expr::Unknown(String::new())),
                span,
            };
        };
        match left.kind() {
            "identifier" | "pattern_list" | "tuple_pattern" | "list_pattern" => Stmt::Let {
                bindings: self.targets(left),
                value: right,
                span,
            },
            _ => Stmt::Assign {
                target: self.expr(left),
                value: right.unwrap_or(Expr::Unknown(String::new())),
                span,
            },
        }
    }

    /// Names bound by an assignment target (`a`, `a, b`), with their position as the key path.
    fn targets(&mut self, node: Node) -> Vec<Binding> {
        match node.kind() {
            "identifier" => vec![Binding {
                name: self.text(node).to_string(),
                path: Vec::new(),
                role: None,
            }],
            "pattern_list" | "tuple_pattern" | "list_pattern" | "tuple" | "list" => {
                let mut cursor = node.walk();
                let children: Vec<Node> = node.named_children(&mut cursor).collect();
                children
                    .into_iter()
                    .enumerate()
                    .filter(|(_, c)| c.kind() == "identifier")
                    .map(|(i, c)| Binding {
                        name: self.text(c).to_string(),
                        path: vec![i.to_string()],
                        role: None,
                    })
                    .collect()
            }
            _ => Vec::new(),
        }
    }

    // ----- expressions -----------------------------------------------------------------

    /// `[f(x) for x in items]`: a list of what the body makes of an item of `items` (the loop
    /// variable read as `items[…]`), so that `[i.model_dump() for i in invitations.data]` holds
    /// the records and `[{"id": i.id} for i in …]` only their ids. A filter (`if …`) keeps some
    /// items; a second loop or a destructuring target is not followed.
    fn comprehension(&mut self, node: Node) -> Expr {
        let clauses = super::children_of_kind(node, "for_in_clause");
        let single = match clauses.as_slice() {
            [clause] => clause
                .child_by_field_name("left")
                .filter(|l| l.kind() == "identifier")
                .zip(clause.child_by_field_name("right")),
            _ => None,
        };
        let (Some((variable, items)), Some(body)) = (single, node.child_by_field_name("body"))
        else {
            return Expr::Unknown("comprehension".into());
        };
        let variable = self.text(variable).to_string();
        let items = self.expr(items);
        let mut element = self.expr(body);
        crate::ir::rewrite_expr(&mut element, &mut |e| {
            if matches!(e, Expr::Name(n) if *n == variable) {
                *e = Expr::Index {
                    object: Box::new(items.clone()),
                    index: Box::new(Expr::Unknown(String::new())),
                };
            }
        });
        Expr::Array(vec![element])
    }

    fn field_expr(&mut self, node: Node, field: &str) -> Expr {
        match node.child_by_field_name(field) {
            Some(child) => self.expr(child),
            None => Expr::Unknown(String::new()),
        }
    }

    fn expr(&mut self, node: Node) -> Expr {
        if !self.enter() {
            return Expr::Unknown(String::new());
        }
        let out = self.expr_inner(node);
        self.leave();
        out
    }

    /// The literal text and interpolated expressions of an f-string (or of adjacent strings),
    /// in order; whether it interpolates anything.
    fn fstring_parts(&mut self, node: Node, parts: &mut Vec<Expr>) -> bool {
        let mut interpolates = false;
        for child in super::named_children(node) {
            match child.kind() {
                "string" => interpolates |= self.fstring_parts(child, parts),
                "string_content" => {
                    parts.push(Expr::Literal(Literal::Str(self.text(child).to_string())))
                }
                "interpolation" => {
                    if let Some(e) = child.named_child(0) {
                        parts.push(self.expr(e));
                        interpolates = true;
                    }
                }
                _ => {}
            }
        }
        interpolates
    }

    fn expr_inner(&mut self, node: Node) -> Expr {
        match node.kind() {
            "identifier" => {
                let name = self.text(node).to_string();
                if self.request_globals.contains(&name) {
                    Expr::RequestGlobal(name)
                } else {
                    Expr::Name(name)
                }
            }
            "none" => Expr::Literal(Literal::Null),
            "true" => Expr::Literal(Literal::Bool(true)),
            "false" => Expr::Literal(Literal::Bool(false)),
            "integer" | "float" => Expr::Literal(Literal::Num(self.text(node).to_string())),
            "string" | "concatenated_string" => {
                let mut parts = Vec::new();
                if self.fstring_parts(node, &mut parts) {
                    Expr::Template(parts)
                } else {
                    Expr::Literal(Literal::Str(python_string_value(self.text(node))))
                }
            }
            "parenthesized_expression" => match node.named_child(0) {
                Some(inner) => self.expr(inner),
                None => Expr::Unknown(String::new()),
            },
            "await" => match node.named_child(0) {
                Some(inner) => Expr::Await(Box::new(self.expr(inner))),
                None => Expr::Unknown(String::new()),
            },
            "attribute" => {
                let object = self.field_expr(node, "object");
                let property = node
                    .child_by_field_name("attribute")
                    .map(|a| self.text(a).to_string())
                    .unwrap_or_default();
                Expr::Member {
                    object: Box::new(object),
                    property,
                }
            }
            "subscript" => {
                let object = self.field_expr(node, "value");
                let index = self.field_expr(node, "subscript");
                Expr::subscript(object, index)
            }
            "call" => {
                let callee = self.field_expr(node, "function");
                let args = node
                    .child_by_field_name("arguments")
                    .map(|a| self.arguments(a))
                    .unwrap_or_default();
                Expr::Call(Box::new(Call {
                    callee,
                    args,
                    span: self.span(node),
                    construct: false,
                }))
            }
            "dictionary" => {
                let mut props = Vec::new();
                let mut cursor = node.walk();
                let children: Vec<Node> = node.named_children(&mut cursor).collect();
                for c in children {
                    match c.kind() {
                        "pair" => {
                            let key = c
                                .child_by_field_name("key")
                                .map(|k| python_string_value(self.text(k)))
                                .unwrap_or_default();
                            let value = self.field_expr(c, "value");
                            props.push(Property { key, value });
                        }
                        "dictionary_splat" => {
                            if let Some(inner) = c.named_child(0) {
                                props.push(Property {
                                    key: "...".into(),
                                    value: self.expr(inner),
                                });
                            }
                        }
                        _ => {}
                    }
                }
                Expr::Object(props)
            }
            "list" | "tuple" | "set" | "expression_list" => {
                let mut cursor = node.walk();
                let children: Vec<Node> = node.named_children(&mut cursor).collect();
                Expr::Array(children.into_iter().map(|c| self.expr(c)).collect())
            }
            "not_operator" => Expr::Unary {
                op: "!".into(),
                operand: Box::new(self.field_expr(node, "argument")),
            },
            "unary_operator" => Expr::Unary {
                op: node
                    .child_by_field_name("operator")
                    .map(|o| self.text(o).to_string())
                    .unwrap_or_default(),
                operand: Box::new(self.field_expr(node, "argument")),
            },
            "boolean_operator" => {
                let op = match node.child_by_field_name("operator").map(|o| self.text(o)) {
                    Some("and") => "&&",
                    _ => "||",
                };
                Expr::Binary {
                    op: op.into(),
                    left: Box::new(self.field_expr(node, "left")),
                    right: Box::new(self.field_expr(node, "right")),
                }
            }
            "binary_operator" => Expr::Binary {
                op: node
                    .child_by_field_name("operator")
                    .map(|o| self.text(o).to_string())
                    .unwrap_or_default(),
                left: Box::new(self.field_expr(node, "left")),
                right: Box::new(self.field_expr(node, "right")),
            },
            "comparison_operator" => self.comparison(node),
            "conditional_expression" => {
                // `a if cond else b`
                let mut cursor = node.walk();
                let parts: Vec<Node> = node.named_children(&mut cursor).collect();
                let mut e: Vec<Expr> = parts.into_iter().map(|p| self.expr(p)).collect();
                if e.len() == 3 {
                    let otherwise = e.pop().unwrap();
                    let cond = e.pop().unwrap();
                    let then = e.pop().unwrap();
                    Expr::Conditional {
                        cond: Box::new(cond),
                        then: Box::new(then),
                        otherwise: Box::new(otherwise),
                    }
                } else {
                    Expr::Unknown(String::new())
                }
            }
            "lambda" => {
                let id = self.function(node, None);
                self.module.functions[id].callable = false;
                Expr::Function(id)
            }
            "keyword_argument" => self.field_expr(node, "value"),
            "list_splat" | "dictionary_splat" => match node.named_child(0) {
                Some(inner) => self.expr(inner),
                None => Expr::Unknown(String::new()),
            },
            "list_comprehension" | "generator_expression" => self.comprehension(node),
            "dictionary_comprehension" => Expr::Unknown("comprehension".into()),
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

    /// `a == b`, `a != b`, `a is None`, `x in y`, `x not in y`; chains (`a < b < c`) keep the first.
    fn comparison(&mut self, node: Node) -> Expr {
        let mut cursor = node.walk();
        let operands: Vec<Node> = node.named_children(&mut cursor).collect();
        let mut cursor2 = node.walk();
        let ops: Vec<String> = node
            .children_by_field_name("operators", &mut cursor2)
            .map(|o| self.text(o).to_string())
            .collect();
        let op = ops.join(" ");
        let op = op.split_whitespace().collect::<Vec<_>>().join(" ");
        if operands.len() < 2 {
            return Expr::Unknown(String::new());
        }
        let left = self.expr(operands[0]);
        let right = self.expr(operands[1]);
        match op.as_str() {
            // `x in ALLOWED` is a membership test: a call on the collection, like `includes`.
            "in" | "not in" => {
                let call = Expr::Call(Box::new(Call {
                    callee: Expr::Member {
                        object: Box::new(right),
                        property: "__contains__".into(),
                    },
                    args: vec![Arg {
                        name: None,
                        value: left,
                    }],
                    span: self.span(node),
                    construct: false,
                }));
                if op == "not in" {
                    Expr::Unary {
                        op: "!".into(),
                        operand: Box::new(call),
                    }
                } else {
                    call
                }
            }
            "is" => Expr::Binary {
                op: "===".into(),
                left: Box::new(left),
                right: Box::new(right),
            },
            "is not" => Expr::Binary {
                op: "!==".into(),
                left: Box::new(left),
                right: Box::new(right),
            },
            "==" => Expr::Binary {
                op: "===".into(),
                left: Box::new(left),
                right: Box::new(right),
            },
            "!=" => Expr::Binary {
                op: "!==".into(),
                left: Box::new(left),
                right: Box::new(right),
            },
            other => Expr::Binary {
                op: other.to_string(),
                left: Box::new(left),
                right: Box::new(right),
            },
        }
    }

    fn arguments(&mut self, node: Node) -> Vec<Arg> {
        let mut cursor = node.walk();
        let children: Vec<Node> = node.named_children(&mut cursor).collect();
        children
            .into_iter()
            .filter(|c| c.kind() != "comment")
            .map(|c| {
                if c.kind() == "keyword_argument" {
                    let name = c
                        .child_by_field_name("name")
                        .map(|n| self.text(n).to_string());
                    let value = self.field_expr(c, "value");
                    Arg { name, value }
                } else {
                    Arg {
                        name: None,
                        value: self.expr(c),
                    }
                }
            })
            .collect()
    }
}

/// `from .auth import x` → `./auth`; `from ..lib.x import y` → `../lib/x`; `from app.auth
/// import x` → `@/app/auth` (resolved against the repository's package roots).
fn python_module_specifier(dotted: &str) -> String {
    let dots = dotted.chars().take_while(|c| *c == '.').count();
    let rest = dotted[dots..].replace('.', "/");
    match dots {
        0 => format!("@/{rest}"),
        1 => format!("./{rest}"),
        n => format!("{}{rest}", "../".repeat(n - 1)),
    }
}

fn python_string_value(text: &str) -> String {
    let t = text.trim();
    let t = t.trim_start_matches(['r', 'R', 'b', 'B', 'u', 'U', 'f', 'F']);
    for q in ["\"\"\"", "'''", "\"", "'"] {
        if t.len() >= 2 * q.len() && t.starts_with(q) && t.ends_with(q) {
            return t[q.len()..t.len() - q.len()].to_string();
        }
    }
    t.to_string()
}

/// `def post(self, request, pk=None)`: the request, then URL parameters (client input).
fn mark_view_params(params: &mut [Param]) {
    for (i, p) in params.iter_mut().enumerate() {
        if p.role == ParamRole::Plain {
            p.role = if i == 0 || p.name == "request" {
                ParamRole::Request
            } else {
                ParamRole::Input
            };
        }
    }
}
