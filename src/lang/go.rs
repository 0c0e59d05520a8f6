//! Go (tree-sitter) → IR.
//!
//! Knowledge of this ecosystem's syntax lives here: net/http handler signatures (route
//! registration is read from the IR by `frameworks::routes`), package-scoped names, `&out` parameters that a
//! call fills (`json.NewDecoder(r.Body).Decode(&body)`), and `if err := f(); err != nil`.

use tree_sitter::Node;

use super::{ParseError, MAX_DEPTH};
use crate::ir::*;

pub fn parse(path: &str, source: &str) -> Result<Module, ParseError> {
    let tree = super::syntax_tree(tree_sitter_go::LANGUAGE.into(), source)?;
    let mut lower = Lowerer {
        src: source.as_bytes(),
        module: Module {
            path: path.to_string(),
            scope: ModuleScope::Folder,
            ..Module::default()
        },
        nesting: super::Nesting::default(),
        receiver: None,
        client_fields: Default::default(),
        declared_fields: Default::default(),
        sdk_mirror_fields: Default::default(),
        sdk_mirror_interfaces: None,
        client_locals: Default::default(),
        local_types: Default::default(),
        context_params: Vec::new(),
    };
    let root = tree.root_node();
    lower.module.syntax_errors = super::syntax_errors(root);
    lower.program(root);
    if lower.nesting.too_deep {
        return Err(ParseError::TooDeep(MAX_DEPTH));
    }
    Ok(lower.module)
}

struct Lowerer<'a> {
    src: &'a [u8],
    module: Module,
    nesting: super::Nesting,
    /// The receiver name of the method being lowered (`h` in `func (h *Handler) Invite`): it
    /// stands for `this`.
    receiver: Option<String>,
    /// Struct fields of this file declared as a package's client (`um *usermanagement.Client`),
    /// by field name: a call on one is that package's function (`wc.um.SendInvitation(…)` is
    /// `usermanagement.SendInvitation`), as Go SDKs give both forms the same name.
    client_fields: std::collections::HashMap<String, String>,
    /// Every struct field this file declares: a field declared elsewhere has an unknown type.
    declared_fields: std::collections::HashSet<String>,
    /// Struct fields of this file typed as an interface of this file that mirrors an SDK
    /// package (`um UserManagement`, whose methods take `usermanagement.…Opts`): the
    /// application's seam for mocking the SDK.
    sdk_mirror_fields: std::collections::HashSet<String>,
    /// The interfaces of this file that mirror an SDK package, read with its first type.
    sdk_mirror_interfaces: Option<std::collections::HashSet<String>>,
    /// Locals of the function being lowered that hold a package's client (`c := &sso.Client{…}`,
    /// `um := usermanagement.NewClient(key)`).
    client_locals: std::collections::HashMap<String, String>,
    /// Declared types of the function's locals (`var body inviteBody`), for a body bound into
    /// one by gin.
    local_types: std::collections::HashMap<String, String>,
    /// Parameters of the function being lowered that are a web framework's request context
    /// (`c echo.Context`, `c *gin.Context`, `c *fiber.Ctx`): `c.Get("org_id")` reads what a
    /// middleware stored there, not client input.
    context_params: Vec<String>,
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

    // ----- top level -------------------------------------------------------------------

    fn program(&mut self, root: Node) {
        let mut cursor = root.walk();
        let children: Vec<Node> = root.named_children(&mut cursor).collect();
        // Imports and types first: methods use the fields' declared types.
        for child in &children {
            match child.kind() {
                "import_declaration" => self.imports(*child),
                "type_declaration" => self.struct_fields(*child),
                _ => {}
            }
        }
        for child in children {
            match child.kind() {
                "import_declaration" | "type_declaration" => {}
                "function_declaration" | "method_declaration" => {
                    self.function_decl(child);
                }
                "const_declaration" | "var_declaration" => self.constants(child),
                _ => {}
            }
        }
    }

    fn imports(&mut self, node: Node) {
        for n in super::nodes_of_kinds(node, &["import_spec"]) {
            let Some(path) = n.child_by_field_name("path") else {
                continue;
            };
            let path = self
                .text(path)
                .trim_matches('"')
                .trim_matches('`')
                .to_string();
            let local = n
                .child_by_field_name("name")
                .map(|a| self.text(a).to_string())
                .unwrap_or_else(|| {
                    let last = path.rsplit('/').next().unwrap_or(&path);
                    // `github.com/workos/workos-go/v10` is package `workos`.
                    if last.starts_with('v') && last[1..].chars().all(|c| c.is_ascii_digit()) {
                        let mut parts = path.rsplit('/');
                        parts.next();
                        parts.next().unwrap_or(last).replace("workos-go", "workos")
                    } else {
                        last.to_string()
                    }
                });
            self.module.imports.push(Import {
                local,
                imported: "*".into(),
                source: format!("@go/{path}"),
            });
        }
    }

    /// The package of a type written `pkg.Client` or `*pkg.Client`, when `pkg` is imported.
    fn client_package(&self, ty: &str) -> Option<String> {
        let (pkg, name) = ty.trim_start_matches('*').split_once('.')?;
        (name == "Client" && self.module.imports.iter().any(|i| i.local == pkg))
            .then(|| pkg.to_string())
    }

    fn struct_fields(&mut self, node: Node) {
        self.input_types(node);
        // The interface may be declared in another declaration of the file, after the struct;
        // the file is read once, when its first type is (Go puts imports before any type).
        if self.sdk_mirror_interfaces.is_none() {
            let mut file = node;
            while let Some(parent) = file.parent() {
                file = parent;
            }
            self.sdk_mirror_interfaces = Some(self.sdk_mirror_interfaces_of(file));
        }
        let mirrors = self.sdk_mirror_interfaces.as_ref();
        for n in super::nodes_of_kinds(node, &["field_declaration"]) {
            let ty = n
                .child_by_field_name("type")
                .map(|t| self.text(t).to_string())
                .unwrap_or_default();
            let client = self.client_package(&ty);
            let mirror = mirrors.is_some_and(|m| m.contains(ty.trim_start_matches('*')));
            let mut c = n.walk();
            for name in n.children_by_field_name("name", &mut c) {
                let name = self.text(name).to_string();
                if let Some(pkg) = &client {
                    self.client_fields.insert(name.clone(), pkg.clone());
                }
                if mirror {
                    self.sdk_mirror_fields.insert(name.clone());
                }
                self.declared_fields.insert(name);
            }
        }
    }

    /// Interfaces of this file whose every method takes an imported package's own options for
    /// that method (`AuthenticateWithCode(ctx, opts usermanagement.AuthenticateWithCodeOpts)`):
    /// written so that the SDK's client, or a mock of it, fills them.
    fn sdk_mirror_interfaces_of(&self, node: Node) -> std::collections::HashSet<String> {
        let mut out = std::collections::HashSet::new();
        for (name, ty) in type_specs(node, "interface_type") {
            // Every method: an interface that also names the application's own operations
            // (`Invite(email, org string)`) is a port a wrapper of this repository implements,
            // and the call is followed into that wrapper instead.
            let methods = super::nodes_of_kinds(ty, &["method_elem"]);
            let mirrors = !methods.is_empty()
                && methods.into_iter().all(|m| {
                    let method = m
                        .child_by_field_name("name")
                        .map(|n| self.text(n))
                        .unwrap_or_default();
                    let params = m
                        .child_by_field_name("parameters")
                        .map(|p| self.text(p))
                        .unwrap_or_default();
                    self.module.imports.iter().any(|i| {
                        !method.is_empty() && params.contains(&format!("{}.{method}Opts", i.local))
                    })
                });
            if mirrors {
                out.insert(self.text(name).to_string());
            }
        }
        out
    }

    /// What a gin binder fills a local of a declared struct type with: the request parsed into
    /// that type (`inviteBody(c.ShouldBindJSON(&body))`), whose `binding` tags it enforced.
    fn bound_into_type(&self, value: Expr, outs: &[Binding]) -> Expr {
        let declared = outs.first().and_then(|b| self.local_types.get(&b.name));
        match declared {
            Some(ty) if is_gin_binder(&value) && !ty.contains('.') => {
                let span = match value.peel() {
                    Expr::Call(c) => c.span,
                    _ => Span::default(),
                };
                Expr::Call(Box::new(Call {
                    callee: Expr::Name(ty.clone()),
                    args: vec![Arg { name: None, value }],
                    span,
                    construct: false,
                }))
            }
            _ => value,
        }
    }

    /// Struct types request bodies are bound into, with each field's type and its `binding`
    /// tag (`binding:"required,oneof=member viewer"`, which gin's binders enforce).
    fn input_types(&mut self, node: Node) {
        for (name, ty) in type_specs(node, "struct_type") {
            let mut fields = Vec::new();
            for field in super::nodes_of_kinds(ty, &["field_declaration"]) {
                let declared = field
                    .child_by_field_name("type")
                    .map(|t| self.text(t).to_string())
                    .unwrap_or_default();
                let binding = field
                    .child_by_field_name("tag")
                    .and_then(|t| binding_tag(self.text(t)))
                    .unwrap_or_default();
                let mut c = field.walk();
                for n in field.children_by_field_name("name", &mut c) {
                    fields.push((self.text(n).to_string(), format!("{declared} {binding}")));
                }
            }
            self.module.input_types.push(InputType {
                name: self.text(name).to_string(),
                fields,
                checked: Vec::new(),
            });
        }
    }

    /// Locals of a function body bound to a package's client: `c := &sso.Client{…}`,
    /// `um := usermanagement.NewClient(key)`, `var um *usermanagement.Client`.
    fn client_locals_of(&mut self, body: Node) {
        let mut stack = vec![body];
        while let Some(n) = stack.pop() {
            match n.kind() {
                "short_var_declaration" | "assignment_statement" => {
                    let left = n.child_by_field_name("left").and_then(|l| l.named_child(0));
                    let right = n
                        .child_by_field_name("right")
                        .and_then(|r| r.named_child(0));
                    if let (Some(left), Some(right)) = (left, right) {
                        let text = self.text(right).trim_start_matches('&');
                        let ty = text.split(['{', '(']).next().unwrap_or("").trim();
                        let pkg = match ty.split_once('.') {
                            Some((pkg, "NewClient")) => {
                                self.client_package(&format!("{pkg}.Client"))
                            }
                            _ => self.client_package(ty),
                        };
                        if let Some(pkg) = pkg {
                            self.client_locals.insert(self.text(left).to_string(), pkg);
                        }
                        // `body := inviteBody{}`: a local of a struct type.
                        if right.kind() == "composite_literal" || text.ends_with('}') {
                            self.local_types
                                .insert(self.text(left).to_string(), ty.to_string());
                        }
                    }
                }
                "var_spec" => {
                    let ty = n
                        .child_by_field_name("type")
                        .map(|t| self.text(t).to_string())
                        .unwrap_or_default();
                    let mut c = n.walk();
                    let names: Vec<String> = n
                        .children_by_field_name("name", &mut c)
                        .map(|name| self.text(name).to_string())
                        .collect();
                    if let Some(pkg) = self.client_package(&ty) {
                        for name in &names {
                            self.client_locals.insert(name.clone(), pkg.clone());
                        }
                    }
                    for name in names {
                        self.local_types
                            .insert(name, ty.trim_start_matches('*').to_string());
                    }
                }
                _ => {}
            }
            let mut cursor = n.walk();
            for c in n.named_children(&mut cursor) {
                stack.push(c);
            }
        }
    }

    /// `wc.um.SendInvitation(ctx, opts)` on a field or local holding `*usermanagement.Client`:
    /// the package's `usermanagement.SendInvitation`. A field declared in another file of the
    /// package counts when the call passes the package's own options for that method
    /// (`usermanagement.UpdateOrganizationMembershipOpts{…}` to `UpdateOrganizationMembership`).
    fn sdk_client_callee(&self, callee: &Expr, args: Option<Node>) -> Option<Expr> {
        let Expr::Member { object, property } = callee else {
            return None;
        };
        // The package whose own options type for this method the call passes
        // (`usermanagement.UpdateUserOpts{…}` to `UpdateUser`).
        let options_package = || {
            let args = args?;
            let mut c = args.walk();
            let options = args.named_children(&mut c).find_map(|a| {
                let a = if a.kind() == "unary_expression" {
                    a.named_child(0)?
                } else {
                    a
                };
                (a.kind() == "composite_literal")
                    .then(|| a.child_by_field_name("type"))
                    .flatten()
                    .map(|t| self.text(t).to_string())
            })?;
            let (pkg, ty) = options.split_once('.')?;
            (ty == format!("{property}Opts") && self.module.imports.iter().any(|i| i.local == pkg))
                .then(|| pkg.to_string())
        };
        let pkg = match object.as_ref() {
            Expr::Name(local) => self.client_locals.get(local).cloned(),
            Expr::Member {
                object: base,
                property: field,
            } if matches!(base.as_ref(), Expr::Name(n) if n == "this") => {
                self.client_fields.get(field).cloned().or_else(|| {
                    if self.declared_fields.contains(field)
                        && !self.sdk_mirror_fields.contains(field)
                    {
                        return None;
                    }
                    options_package()
                })
            }
            // A field named after the package, of a struct declared elsewhere
            // (`c.workos.UserManagement.UpdateUser(ctx, usermanagement.UpdateUserOpts{…})`).
            Expr::Member {
                property: field, ..
            } => options_package().filter(|pkg| field.eq_ignore_ascii_case(pkg)),
            _ => None,
        }?;
        Some(Expr::Member {
            object: Box::new(Expr::Name(pkg)),
            property: property.clone(),
        })
    }

    /// `c.Get("org_id")`, `c.MustGet("user")`, fiber's `c.Locals("user")` on a framework context:
    /// what a middleware stored for the request, read as the context's `locals` (the provider
    /// says which of those hold the session).
    fn context_value(&self, callee: &Expr, call: Node) -> Option<Expr> {
        let Expr::Member { object, property } = callee else {
            return None;
        };
        let Expr::Name(c) = object.as_ref() else {
            return None;
        };
        if !self.context_params.contains(c)
            || !matches!(
                property.as_str(),
                "Get" | "MustGet" | "GetString" | "GetBool" | "GetInt" | "GetInt64" | "Locals"
            )
        {
            return None;
        }
        let args = call.child_by_field_name("arguments")?;
        let key = args.named_child(0)?;
        if args.named_child_count() != 1
            || !matches!(
                key.kind(),
                "interpreted_string_literal" | "raw_string_literal"
            )
        {
            return None;
        }
        Some(Expr::Member {
            object: Box::new(Expr::Member {
                object: object.clone(),
                property: "locals".into(),
            }),
            property: super::unquote(self.text(key)),
        })
    }

    fn constants(&mut self, node: Node) {
        for n in super::nodes_of_kinds(node, &["const_spec", "var_spec"]) {
            let name = n
                .child_by_field_name("name")
                .map(|x| self.text(x).to_string());
            let value = n
                .child_by_field_name("value")
                .and_then(|v| v.named_child(0))
                .map(|v| self.expr(v));
            if let (Some(name), Some(value)) = (name, value) {
                if value.is_module_constant() {
                    self.module.constants.push((name, value));
                }
            }
        }
    }

    fn function_decl(&mut self, node: Node) -> FunctionId {
        let name = node
            .child_by_field_name("name")
            .map(|n| self.text(n).to_string())
            .unwrap_or_default();
        self.receiver = node
            .child_by_field_name("receiver")
            .and_then(|r| r.named_child(0))
            .and_then(|p| p.child_by_field_name("name"))
            .map(|n| self.text(n).to_string());
        let exported = name.chars().next().is_some_and(|c| c.is_ascii_uppercase());
        self.client_locals.clear();
        self.local_types.clear();
        if let Some(body) = node.child_by_field_name("body") {
            self.client_locals_of(body);
        }
        let id = self.function(node, name, exported, true);
        self.module.functions[id].method = self.receiver.is_some();
        self.receiver = None;
        id
    }

    fn function(&mut self, node: Node, name: String, exported: bool, callable: bool) -> FunctionId {
        let params = node
            .child_by_field_name("parameters")
            .map(|p| self.params(p))
            .unwrap_or_default();
        let context = node
            .child_by_field_name("parameters")
            .map(|p| self.context_param_names(p))
            .unwrap_or_default();
        let outer_context = std::mem::replace(&mut self.context_params, context);
        let id = self.module.functions.len();
        self.module.functions.push(Function {
            name,
            params,
            body: Vec::new(),
            span: self.span(node),
            exported,
            callable,
            runs_as: None,
            method: false,
            is_async: false,
        });
        let body = node
            .child_by_field_name("body")
            .map(|b| self.block(b))
            .unwrap_or_default();
        self.module.functions[id].body = body;
        self.context_params = outer_context;
        id
    }

    fn context_param_names(&self, node: Node) -> Vec<String> {
        let mut out = Vec::new();
        let mut cursor = node.walk();
        for d in node.named_children(&mut cursor) {
            let ty = d
                .child_by_field_name("type")
                .map(|t| self.text(t).to_string())
                .unwrap_or_default();
            if is_framework_context(&ty) {
                let mut c = d.walk();
                for n in d.children_by_field_name("name", &mut c) {
                    out.push(self.text(n).to_string());
                }
            }
        }
        out
    }

    fn params(&mut self, node: Node) -> Vec<Param> {
        let mut out = Vec::new();
        let mut cursor = node.walk();
        let decls: Vec<Node> = node.named_children(&mut cursor).collect();
        for d in decls {
            if d.kind() != "parameter_declaration" && d.kind() != "variadic_parameter_declaration" {
                continue;
            }
            let ty = d
                .child_by_field_name("type")
                .map(|t| self.text(t).to_string())
                .unwrap_or_default();
            let role = if ty.ends_with("http.Request") || is_framework_context(&ty) {
                ParamRole::Request
            } else if ty.ends_with("ResponseWriter") {
                ParamRole::Response
            } else if ty == "http.Handler" || ty == "http.HandlerFunc" {
                ParamRole::Next
            } else {
                ParamRole::Plain
            };
            let mut c2 = d.walk();
            let names: Vec<Node> = d.children_by_field_name("name", &mut c2).collect();
            if names.is_empty() {
                out.push(Param {
                    name: "_".into(),
                    role,
                    bindings: Vec::new(),
                    default_call: None,
                    annotation: None,
                });
            }
            for n in names {
                out.push(Param {
                    name: self.text(n).to_string(),
                    role,
                    bindings: Vec::new(),
                    default_call: None,
                    annotation: None,
                });
            }
        }
        out
    }

    // ----- statements ------------------------------------------------------------------

    fn block(&mut self, node: Node) -> Vec<Stmt> {
        let mut out = Vec::new();
        let mut cursor = node.walk();
        let children: Vec<Node> = node.named_children(&mut cursor).collect();
        for child in children {
            if child.kind() == "statement_list" {
                out.extend(self.block(child));
            } else if let Some(stmt) = self.stmt(child) {
                out.push(stmt);
            }
        }
        merge_error_responses(out)
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
                let expr = self.expr(inner);
                let outs = out_params(&expr);
                if outs.is_empty() {
                    Stmt::Expr { expr, span }
                } else {
                    // `Decode(&body)` fills `body` with what the call produced.
                    let value = self.bound_into_type(expr, &outs);
                    Stmt::Let {
                        bindings: outs,
                        value: Some(value),
                        span,
                    }
                }
            }
            "short_var_declaration" | "assignment_statement" | "var_declaration" => {
                self.assignment(node, span)
            }
            "if_statement" => {
                let mut pre = Vec::new();
                if let Some(init) = node.child_by_field_name("initializer") {
                    if let Some(s) = self.stmt(init) {
                        pre.push(s);
                    }
                }
                let cond = self.field_expr(node, "condition");
                let then = node
                    .child_by_field_name("consequence")
                    .map(|b| self.block(b))
                    .unwrap_or_default();
                let otherwise = match node.child_by_field_name("alternative") {
                    Some(a) if a.kind() == "block" => self.block(a),
                    Some(a) => self.stmt(a).into_iter().collect(),
                    None => Vec::new(),
                };
                let stmt = Stmt::If {
                    cond,
                    then,
                    otherwise,
                    span,
                };
                if pre.is_empty() {
                    stmt
                } else {
                    pre.push(stmt);
                    Stmt::Block { body: pre }
                }
            }
            "for_statement" => {
                let body = node
                    .child_by_field_name("body")
                    .map(|b| self.block(b))
                    .unwrap_or_default();
                Stmt::Loop {
                    cond: None,
                    body,
                    span,
                }
            }
            "expression_switch_statement" | "type_switch_statement" | "select_statement" => {
                let subject = node
                    .child_by_field_name("value")
                    .map(|v| self.expr(v))
                    .unwrap_or(Expr::Unknown("switch".into()));
                let mut cases = Vec::new();
                let mut cursor = node.walk();
                let children: Vec<Node> = node.named_children(&mut cursor).collect();
                for c in children {
                    if !matches!(
                        c.kind(),
                        "expression_case" | "default_case" | "type_case" | "communication_case"
                    ) {
                        continue;
                    }
                    let test = c.child_by_field_name("value").map(|v| self.expr(v));
                    let mut stmts = Vec::new();
                    let mut c2 = c.walk();
                    let parts: Vec<Node> = c.named_children(&mut c2).collect();
                    for p in parts {
                        if Some(p) == c.child_by_field_name("value") {
                            continue;
                        }
                        // tree-sitter-go wraps a case's statements in a `statement_list`.
                        if p.kind() == "statement_list" {
                            stmts.extend(self.block(p));
                        } else if let Some(s) = self.stmt(p) {
                            stmts.push(s);
                        }
                    }
                    cases.push(SwitchCase {
                        test,
                        body: merge_error_responses(stmts),
                        falls_through: false,
                    });
                }
                Stmt::Switch {
                    subject,
                    cases,
                    span,
                }
            }
            "return_statement" => Stmt::Return {
                value: node.named_child(0).map(|v| match v.kind() {
                    "expression_list" => {
                        let mut cursor = v.walk();
                        let items: Vec<Node> = v.named_children(&mut cursor).collect();
                        let mut exprs: Vec<Expr> =
                            items.into_iter().map(|i| self.expr(i)).collect();
                        if exprs.len() == 1 {
                            exprs.pop().unwrap()
                        } else {
                            Expr::Array(exprs)
                        }
                    }
                    _ => self.expr(v),
                }),
                span,
            },
            "break_statement" => Stmt::Break { span },
            "continue_statement" => Stmt::Continue { span },
            "block" => Stmt::Block {
                body: self.block(node),
            },
            "defer_statement" | "go_statement" => {
                let inner = node.named_child(0)?;
                Stmt::Expr {
                    expr: self.expr(inner),
                    span,
                }
            }
            "labeled_statement" => return node.named_child(1).and_then(|s| self.stmt(s)),
            _ => return None,
        })
    }

    fn assignment(&mut self, node: Node, span: Span) -> Stmt {
        if node.kind() == "var_declaration" {
            let mut body = Vec::new();
            let mut stack = vec![node];
            while let Some(n) = stack.pop() {
                if n.kind() == "var_spec" {
                    let mut c = n.walk();
                    let names: Vec<Node> = n.children_by_field_name("name", &mut c).collect();
                    let value = n
                        .child_by_field_name("value")
                        .and_then(|v| v.named_child(0))
                        .map(|v| self.expr(v))
                        .or_else(|| {
                            n.child_by_field_name("type")
                                .and_then(|t| zero_value(self.text(t)))
                        });
                    body.push(Stmt::Let {
                        bindings: names
                            .into_iter()
                            .map(|x| Binding {
                                name: self.text(x).to_string(),
                                path: Vec::new(),
                                role: None,
                            })
                            .collect(),
                        value,
                        span,
                    });
                    continue;
                }
                let mut cursor = n.walk();
                for c in n.named_children(&mut cursor) {
                    stack.push(c);
                }
            }
            return Stmt::Block { body };
        }
        let left: Vec<Node> = node
            .child_by_field_name("left")
            .map(|l| {
                let mut c = l.walk();
                l.named_children(&mut c).collect()
            })
            .unwrap_or_default();
        let right: Vec<Expr> = node
            .child_by_field_name("right")
            .map(|r| {
                let mut c = r.walk();
                let items: Vec<Node> = r.named_children(&mut c).collect();
                items.into_iter().map(|i| self.expr(i)).collect()
            })
            .unwrap_or_default();
        // `user, err := f()` binds the call's value to `user` and its second result to `err`
        // (what a test of `err` asks is still about that call; what `err` holds is no field of
        // the value). `a, b := x, y` pairs them.
        let value = if right.len() == 1 {
            right[0].clone()
        } else {
            Expr::Array(right.clone())
        };
        let mut bindings: Vec<Binding> = left
            .iter()
            .enumerate()
            .filter(|(_, l)| l.kind() == "identifier")
            .map(|(i, l)| Binding {
                name: self.text(*l).to_string(),
                path: if right.len() > 1 || i > 0 {
                    vec![i.to_string()]
                } else {
                    Vec::new()
                },
                role: None,
            })
            .filter(|b| b.name != "_")
            .collect();
        let outs = out_params(&value);
        let value = self.bound_into_type(value, &outs);
        bindings.extend(outs);
        if left.iter().all(|l| l.kind() == "identifier") {
            Stmt::Let {
                bindings,
                value: Some(value),
                span,
            }
        } else {
            Stmt::Assign {
                target: left
                    .first()
                    .map(|l| self.expr(*l))
                    .unwrap_or(Expr::Unknown(String::new())),
                value,
                span,
            }
        }
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
            "identifier" | "field_identifier" | "package_identifier" | "type_identifier" => {
                let name = self.text(node).to_string();
                if self.receiver.as_deref() == Some(name.as_str()) {
                    Expr::Name("this".into())
                } else {
                    Expr::Name(name)
                }
            }
            "nil" => Expr::Literal(Literal::Null),
            "true" => Expr::Literal(Literal::Bool(true)),
            "false" => Expr::Literal(Literal::Bool(false)),
            "int_literal" | "float_literal" => {
                Expr::Literal(Literal::Num(self.text(node).to_string()))
            }
            "interpreted_string_literal" | "raw_string_literal" => {
                Expr::Literal(Literal::Str(super::unquote(self.text(node))))
            }
            "parenthesized_expression" => match node.named_child(0) {
                Some(inner) => self.expr(inner),
                None => Expr::Unknown(String::new()),
            },
            "selector_expression" => {
                let object = self.field_expr(node, "operand");
                let property = node
                    .child_by_field_name("field")
                    .map(|f| self.text(f).to_string())
                    .unwrap_or_default();
                Expr::Member {
                    object: Box::new(object),
                    property,
                }
            }
            "index_expression" => {
                let object = self.field_expr(node, "operand");
                let index = self.field_expr(node, "index");
                Expr::subscript(object, index)
            }
            "call_expression" => {
                let callee = self.field_expr(node, "function");
                let callee = self
                    .sdk_client_callee(&callee, node.child_by_field_name("arguments"))
                    .unwrap_or(callee);
                if let Some(stored) = self.context_value(&callee, node) {
                    return stored;
                }
                let args: Vec<Arg> = node
                    .child_by_field_name("arguments")
                    .map(|a| {
                        let mut c = a.walk();
                        let items: Vec<Node> = a.named_children(&mut c).collect();
                        items
                            .into_iter()
                            .enumerate()
                            .map(|(n, i)| {
                                let value = self.expr(i);
                                // A leading `ctx` is Go's convention, not an operand: named, it
                                // is out of the way of positions (`UpdateOrganizationMembership(
                                // ctx, id, opts)`: the id is the first operand, as in the other
                                // SDKs).
                                let name = (n == 0 && is_context(&value)).then(|| "context".into());
                                Arg { name, value }
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                // `workos.Ptr(workos.GenerateLinkIntentSSO)`, `lo.ToPtr("admin")`: a pointer to
                // the value, which is what a check or an argument rule reads.
                if let ([arg], Some(path)) = (args.as_slice(), callee.path()) {
                    if is_pointer_helper(path.as_str()) {
                        return arg.value.clone();
                    }
                }
                Expr::Call(Box::new(Call {
                    callee,
                    args,
                    span: self.span(node),
                    construct: false,
                }))
            }
            "composite_literal" => {
                // `Params{Email: e, RoleSlug: &r}` and `[]string{"a"}`.
                let Some(body) = node.child_by_field_name("body") else {
                    return Expr::Object(Vec::new());
                };
                let mut cursor = body.walk();
                let elements: Vec<Node> = body.named_children(&mut cursor).collect();
                let keyed = elements.iter().any(|e| e.kind() == "keyed_element");
                if keyed {
                    let mut props = Vec::new();
                    for e in elements {
                        if e.kind() != "keyed_element" {
                            continue;
                        }
                        let mut c = e.walk();
                        let parts: Vec<Node> = e.named_children(&mut c).collect();
                        if parts.len() == 2 {
                            // A map's keys are strings (`map[string]any{"role_slug": r}`), a
                            // struct's are field names.
                            let key = super::unquote(self.text(parts[0]));
                            let value = self.literal_element(parts[1]);
                            props.push(Property { key, value });
                        }
                    }
                    Expr::Object(props)
                } else {
                    Expr::Array(
                        elements
                            .into_iter()
                            .map(|e| self.literal_element(e))
                            .collect(),
                    )
                }
            }
            "literal_value" => {
                let mut cursor = node.walk();
                let elements: Vec<Node> = node.named_children(&mut cursor).collect();
                let keyed = elements.iter().any(|e| e.kind() == "keyed_element");
                if keyed {
                    let mut props = Vec::new();
                    for e in elements {
                        let mut c = e.walk();
                        let parts: Vec<Node> = e.named_children(&mut c).collect();
                        if parts.len() == 2 {
                            let key = self.text(parts[0]).to_string();
                            let value = self.literal_element(parts[1]);
                            props.push(Property { key, value });
                        }
                    }
                    Expr::Object(props)
                } else {
                    Expr::Array(
                        elements
                            .into_iter()
                            .map(|e| self.literal_element(e))
                            .collect(),
                    )
                }
            }
            "unary_expression" => {
                let op = node
                    .child_by_field_name("operator")
                    .map(|o| self.text(o).to_string())
                    .unwrap_or_default();
                let operand = self.field_expr(node, "operand");
                match op.as_str() {
                    // `&x` and `*x` refer to the same value.
                    "&" | "*" => operand,
                    _ => Expr::Unary {
                        op,
                        operand: Box::new(operand),
                    },
                }
            }
            "binary_expression" => Expr::Binary {
                op: match node.child_by_field_name("operator").map(|o| self.text(o)) {
                    Some("==") => "===".into(),
                    Some("!=") => "!==".into(),
                    Some(o) => o.to_string(),
                    None => String::new(),
                },
                left: Box::new(self.field_expr(node, "left")),
                right: Box::new(self.field_expr(node, "right")),
            },
            "func_literal" => {
                let name = format!("<func@{}>", node.start_position().row + 1);
                let id = self.function(node, name, false, false);
                Expr::Function(id)
            }
            // `x.(T)` and `[]byte(x)`: the operand's value in another type (the conversion's
            // first child is the type).
            "type_assertion_expression" | "type_conversion_expression" => {
                match node.child_by_field_name("operand") {
                    Some(inner) => self.expr(inner),
                    None => Expr::Unknown(String::new()),
                }
            }
            // `sum[:]`: a slice of the whole array is the same data (a digest handed on as bytes).
            "slice_expression"
                if node.child_by_field_name("start").is_none()
                    && node.child_by_field_name("end").is_none() =>
            {
                self.field_expr(node, "operand")
            }
            "expression_list" => {
                let mut cursor = node.walk();
                let items: Vec<Node> = node.named_children(&mut cursor).collect();
                Expr::Array(items.into_iter().map(|i| self.expr(i)).collect())
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

    fn literal_element(&mut self, node: Node) -> Expr {
        match node.kind() {
            "literal_element" => match node.named_child(0) {
                Some(inner) => self.expr(inner),
                None => Expr::Unknown(String::new()),
            },
            _ => self.expr(node),
        }
    }
}

/// `http.Error(w, msg, http.StatusForbidden); return` is one denial: the written status is
/// what the handler returns.
fn merge_error_responses(stmts: Vec<Stmt>) -> Vec<Stmt> {
    let mut out: Vec<Stmt> = Vec::with_capacity(stmts.len());
    for s in stmts {
        if let Stmt::Return { value: None, span } = &s {
            if let Some(Stmt::Expr { expr, .. }) = out.last() {
                let writes_status = matches!(expr.peel(), Expr::Call(c) if c.callee.path().is_some_and(|p| {
                    let last = p.rsplit('.').next().unwrap_or("");
                    matches!(last, "Error" | "WriteHeader" | "JSON" | "AbortWithStatus" | "AbortWithStatusJSON" | "AbortWithError" | "String" | "NoContent")
                }));
                if writes_status {
                    let Some(Stmt::Expr { expr, .. }) = out.pop() else {
                        unreachable!()
                    };
                    out.push(Stmt::Return {
                        value: Some(expr),
                        span: *span,
                    });
                    continue;
                }
            }
        }
        out.push(s);
    }
    out
}

/// A helper that returns a pointer to its one argument: the SDK's `workos.Ptr`, `lo.ToPtr`,
/// `ptr.To`, `aws.String`-style `pointer.String`.
fn is_pointer_helper(path: &str) -> bool {
    let last = path.rsplit('.').next().unwrap_or(path);
    matches!(last, "Ptr" | "ToPtr" | "PtrTo")
        || matches!(
            path,
            "ptr.To" | "pointer.To" | "pointer.String" | "ptr.String"
        )
}

/// The zero value of a declared type, for `var x T` without a value: `""`, `0`, `false`, or
/// `nil` for pointers, slices, maps, channels, functions and interfaces. A struct's is left
/// unknown.
fn zero_value(ty: &str) -> Option<Expr> {
    let ty = ty.trim();
    // A struct (`usermanagement.UpdateUserOpts`): empty fields, filled by assignments to them
    // (`opts.User = id`) before it is passed.
    let named = |t: &str| {
        t.split('.').all(|part| {
            part.chars()
                .next()
                .is_some_and(|c| c.is_alphabetic() || c == '_')
                && part.chars().all(|c| c.is_alphanumeric() || c == '_')
        })
    };
    if named(ty) && !is_basic_type(ty) {
        return Some(Expr::Object(Vec::new()));
    }
    Some(Expr::Literal(match ty {
        "string" => Literal::Str(String::new()),
        "bool" => Literal::Bool(false),
        "int" | "int8" | "int16" | "int32" | "int64" | "uint" | "uint8" | "uint16" | "uint32"
        | "uint64" | "float32" | "float64" | "byte" | "rune" => Literal::Num("0".into()),
        "error" | "any" | "interface{}" => Literal::Null,
        _ if ty.starts_with('*')
            || ty.starts_with("[]")
            || ty.starts_with("map[")
            || ty.starts_with("chan ")
            || ty.starts_with("func(") =>
        {
            Literal::Null
        }
        _ => return None,
    }))
}

/// Go's predeclared types, whose zero value is a literal.
fn is_basic_type(ty: &str) -> bool {
    matches!(
        ty,
        "string"
            | "bool"
            | "int"
            | "int8"
            | "int16"
            | "int32"
            | "int64"
            | "uint"
            | "uint8"
            | "uint16"
            | "uint32"
            | "uint64"
            | "uintptr"
            | "float32"
            | "float64"
            | "complex64"
            | "complex128"
            | "byte"
            | "rune"
            | "error"
            | "any"
    )
}

/// The tag's `binding:"…"` part (`json:"role" binding:"required,oneof=member viewer"` gives
/// `binding:"required,oneof=member viewer"`); other tags (`validate:`) are enforced only where
/// the code asks a validator, which is not read.
fn binding_tag(tag: &str) -> Option<String> {
    let tag = tag.trim_matches('`');
    let start = tag.find("binding:\"")?;
    let rest = &tag[start + "binding:\"".len()..];
    let end = rest.find('"')?;
    Some(format!("binding:\"{}\"", &rest[..end]))
}

/// gin's binders, which validate `binding` tags: `c.ShouldBindJSON(&body)`, `c.BindJSON(&body)`.
fn is_gin_binder(call: &Expr) -> bool {
    let Expr::Call(call) = call.peel() else {
        return false;
    };
    let method = call.callee.path().unwrap_or_default();
    let last = method.rsplit('.').next().unwrap_or("");
    last.starts_with("ShouldBind") || last.starts_with("Bind") || last == "MustBindWith"
}

/// `&x` arguments of a call: the call fills them (`Decode(&body)`, `db.First(&user)`).
fn out_params(e: &Expr) -> Vec<Binding> {
    // The frontend keeps `&x` as `x`; a bare name argument to a method named like a decoder is
    // an out parameter.
    let Expr::Call(call) = e.peel() else {
        return Vec::new();
    };
    let method = call.callee.path().unwrap_or_default();
    let last = method.rsplit('.').next().unwrap_or("");
    if !matches!(
        last,
        "Decode"
            | "Unmarshal"
            | "Bind"
            | "BindJSON"
            | "ShouldBindJSON"
            | "ShouldBind"
            | "BodyParser"
            | "Scan"
            | "First"
            | "Find"
            | "Get"
            | "Take"
    ) {
        return Vec::new();
    }
    call.args
        .iter()
        .filter_map(|a| match &a.value {
            Expr::Name(n) if n != "ctx" && n != "r" && n != "w" => Some(Binding {
                name: n.clone(),
                path: Vec::new(),
                role: None,
            }),
            _ => None,
        })
        .take(1)
        .collect()
}

/// A web framework's request context type: gin's `*gin.Context`, echo's `echo.Context`, fiber's
/// `*fiber.Ctx`.
fn is_framework_context(ty: &str) -> bool {
    ty.ends_with("echo.Context") || ty.ends_with("gin.Context") || ty.ends_with("fiber.Ctx")
}

/// A `context.Context` value by Go's conventions: `ctx`, `reqCtx`, `context.Background()`,
/// `r.Context()`, `context.WithTimeout(…)`.
fn is_context(e: &Expr) -> bool {
    match e.peel() {
        Expr::Name(n) => n == "ctx" || n == "context" || n.ends_with("Ctx"),
        Expr::Call(call) => call.callee.path().is_some_and(|p| {
            p.starts_with("context.") || p.ends_with(".Context") || p == "Context"
        }),
        _ => false,
    }
}

/// The named type declarations under `node` of one kind (`struct_type`, `interface_type`): each
/// name with its type.
fn type_specs<'t>(node: Node<'t>, kind: &str) -> Vec<(Node<'t>, Node<'t>)> {
    super::nodes_of_kinds(node, &["type_spec"])
        .into_iter()
        .filter_map(|spec| {
            let name = spec.child_by_field_name("name")?;
            let ty = spec.child_by_field_name("type")?;
            (ty.kind() == kind).then_some((name, ty))
        })
        .collect()
}
