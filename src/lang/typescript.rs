//! TypeScript and JavaScript (tree-sitter) → IR.
//!
//! Framework knowledge that belongs to the syntax of these ecosystems lives here: Next.js route
//! handlers, server actions and pages; NestJS controllers (`@Controller`, verb decorators,
//! `@UseGuards`, parameter decorators); which parameters carry the request; which calls end a
//! request (`redirect()`, `notFound()`).

use tree_sitter::Node;

use super::{Language, ParseError, MAX_DEPTH};
use crate::frameworks::rpc::{chain_guards, mark_rpc_params, outer_handler};
use crate::frameworks::validators::enum_validated_fields;
use crate::ir::*;

const HTTP_METHODS: &[&str] = &["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];
/// Next.js navigation helpers throw to end rendering: control never returns from them.
const TERMINATING_CALLS: &[&str] = &[
    "redirect",
    "permanentRedirect",
    "notFound",
    "forbidden",
    "unauthorized",
];

pub fn parse(language: Language, path: &str, source: &str) -> Result<Module, ParseError> {
    let grammar = match language {
        Language::TypeScript => tree_sitter_typescript::LANGUAGE_TYPESCRIPT.into(),
        Language::Tsx => tree_sitter_typescript::LANGUAGE_TSX.into(),
        Language::JavaScript => tree_sitter_javascript::LANGUAGE.into(),
        other => {
            return Err(ParseError::Failed(format!(
                "not a TypeScript/JavaScript file: {other:?}"
            )))
        }
    };
    let masked = mask_import_types(source);
    let tree = super::syntax_tree(grammar, masked.as_deref().unwrap_or(source))?;
    let mut lower = Lowerer {
        src: source.as_bytes(),
        module: Module {
            path: path.to_string(),
            ..Module::default()
        },
        nesting: super::Nesting::default(),
        file_use_server: false,
        route_file: is_route_file(path),
        page_file: is_page_file(path),
        pages_api_file: path.contains("pages/api/"),
        pages_router_file: path.split('/').any(|segment| segment == "pages"),
        pages_function_path: crate::frameworks::pages_function_route_path(path),
    };
    let root = tree.root_node();
    lower.module.syntax_errors = super::syntax_errors(root);
    lower.program(root);
    if lower.nesting.too_deep {
        return Err(ParseError::TooDeep(MAX_DEPTH));
    }
    Ok(lower.module)
}

/// tree-sitter's TypeScript grammar (0.23) cannot read an import type in an annotation
/// (`const g: import("express").RequestHandler[] = …`) and gives up on the rest of the
/// declaration. The `import("…").` part names where the type comes from, which the analysis
/// never needs: it is blanked out, byte for byte, so every position stays where it was.
fn mask_import_types(source: &str) -> Option<String> {
    if !source.contains("import(") {
        return None;
    }
    let bytes = source.as_bytes();
    let mut out: Option<Vec<u8>> = None;
    let mut from = 0;
    while let Some(i) = source[from..].find("import(").map(|i| i + from) {
        from = i + 7;
        // In a type position: after `:`, `<`, `|`, `&`, `,` or `=` of a type, not after a value
        // keyword such as `await` or `return`.
        let before = source[..i].trim_end();
        let type_position = before.ends_with(':')
            || before.ends_with('<')
            || before.ends_with('|')
            || before.ends_with('&')
            || before.ends_with("typeof");
        if !type_position {
            continue;
        }
        // `import("x")` or `import('x')`, then `.`: the specifier is a plain string literal.
        let rest = &bytes[from..];
        let Some(&quote) = rest.first() else { break };
        if quote != b'"' && quote != b'\'' {
            continue;
        }
        let Some(close) = rest[1..].iter().position(|b| *b == quote || *b == b'\n') else {
            break;
        };
        let end = from + 1 + close; // the closing quote
        if bytes.get(end) != Some(&quote)
            || bytes.get(end + 1) != Some(&b')')
            || bytes.get(end + 2) != Some(&b'.')
        {
            continue;
        }
        let out = out.get_or_insert_with(|| bytes.to_vec());
        for b in &mut out[i..=end + 2] {
            *b = b' ';
        }
        from = end + 3;
    }
    // Only ASCII bytes were replaced by spaces, so the text is still UTF-8.
    out.map(|o| String::from_utf8(o).expect("ASCII replaced by ASCII"))
}

fn is_route_file(path: &str) -> bool {
    let (dir, name) = path.rsplit_once('/').unwrap_or(("", path));
    // Next.js route handlers; SvelteKit endpoints; Astro endpoints (`src/pages/**/x.ts`
    // exporting `POST`; the pages of Next's pages router export no such name).
    let astro_endpoint = dir.split('/').any(|segment| segment == "pages")
        && [".ts", ".js", ".mts", ".mjs"]
            .iter()
            .any(|ext| name.ends_with(ext));
    name.starts_with("route.") || name.starts_with("+server.") || astro_endpoint
}

fn is_page_file(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    name.starts_with("page.") || name.starts_with("layout.")
}

struct Lowerer<'a> {
    src: &'a [u8],
    module: Module,
    nesting: super::Nesting,
    file_use_server: bool,
    route_file: bool,
    page_file: bool,
    pages_api_file: bool,
    /// Under a `pages` folder: Next.js's pages router runs an exported `getServerSideProps`
    /// for every request of the page.
    pages_router_file: bool,
    /// The URL path of a Cloudflare Pages Function file (`functions/api/login.ts` →
    /// `/api/login`), whose `onRequestPost` (…) exports answer requests.
    pages_function_path: Option<String>,
}

impl<'a> Lowerer<'a> {
    fn text(&self, node: Node) -> &'a str {
        std::str::from_utf8(&self.src[node.byte_range()]).unwrap_or("")
    }

    /// The source between two byte offsets (empty when they are out of order or not text).
    fn src_text(&self, from: usize, to: usize) -> String {
        self.src
            .get(from..to)
            .and_then(|b| std::str::from_utf8(b).ok())
            .unwrap_or("")
            .to_string()
    }

    fn span(&self, node: Node) -> Span {
        super::span_of(node)
    }

    /// Guards recursion on hostile nesting; returns false when too deep.
    fn enter(&mut self) -> bool {
        self.nesting.enter()
    }

    fn leave(&mut self) {
        self.nesting.leave();
    }

    // ----- top level -------------------------------------------------------------------

    fn program(&mut self, root: Node) {
        let mut cursor = root.walk();
        let children: Vec<Node> = root.named_children(&mut cursor).collect();
        // The directive is the first statement; a licence or doc comment may come before it.
        if let Some(first) = children.iter().find(|n| n.kind() != "comment") {
            if self.is_use_server(*first) {
                self.file_use_server = true;
            }
        }
        for child in children {
            self.top_level(child, false);
        }
    }

    fn is_use_server(&self, node: Node) -> bool {
        if node.kind() != "expression_statement" {
            return false;
        }
        let text = self.text(node).trim().trim_end_matches(';');
        text == "'use server'" || text == "\"use server\""
    }

    /// A module-level `name = expr`, kept in order for the framework passes.
    fn bind_top_level(&mut self, name: &str, expr: &Expr, span: Span) {
        self.module.top_level.push(Stmt::Let {
            bindings: vec![Binding {
                name: name.to_string(),
                path: Vec::new(),
                role: None,
            }],
            value: Some(expr.clone()),
            span,
        });
    }

    fn top_level(&mut self, node: Node, exported: bool) {
        match node.kind() {
            "import_statement" => self.import(node),
            "export_statement" => {
                let default = has_child_kind(node, "default");
                if node.child_by_field_name("source").is_some() {
                    self.reexport(node);
                } else if let Some(decl) = node.child_by_field_name("declaration") {
                    self.top_level(decl, true);
                } else if let Some(value) = node.child_by_field_name("value") {
                    // `export default function () {}` / `export default handler`
                    let name = "default".to_string();
                    let expr = self.expr_named(value, Some(&name));
                    if let Expr::Function(id) = expr {
                        self.module.default_export = Some(id);
                        self.module.functions[id].exported = true;
                        self.module.functions[id].callable = true;
                        self.classify_entry(id, true);
                    } else if let Expr::Name(n) = &expr {
                        let found = self
                            .module
                            .functions
                            .iter()
                            .position(|f| f.callable && &f.name == n);
                        if let Some(id) = found {
                            self.module.default_export = Some(id);
                            self.module.functions[id].exported = true;
                            self.classify_entry(id, true);
                        }
                    } else if let Expr::Object(props) = &expr {
                        self.worker_entry(props);
                    } else if let Expr::Call(call) = &expr {
                        if let Some(target) = outer_handler(call) {
                            self.module.default_export = Some(target);
                            self.entry_from_wrapper(target, &expr, "default", value);
                        } else {
                            // `export default authkitMiddleware({...})`: kept as the module's
                            // `default` binding for the framework passes.
                            let span = self.span(node);
                            self.bind_top_level(&name, &expr, span);
                        }
                    }
                } else if default {
                    // `export default async function Page() {}` parses as declaration above;
                    // nothing else to do.
                }
            }
            "function_declaration" | "generator_function_declaration" => {
                let name = node
                    .child_by_field_name("name")
                    .map(|n| self.text(n).to_string())
                    .unwrap_or_else(|| "default".into());
                let id = self.function(node, name, exported, true);
                let is_default = node
                    .parent()
                    .map(|p| p.kind() == "export_statement" && has_child_kind(p, "default"))
                    .unwrap_or(false);
                if is_default {
                    self.module.default_export = Some(id);
                }
                self.classify_entry(id, is_default);
            }
            "lexical_declaration" | "variable_declaration" => {
                let mut cursor = node.walk();
                for decl in node.named_children(&mut cursor) {
                    if decl.kind() != "variable_declarator" {
                        continue;
                    }
                    let (Some(name_node), Some(value)) = (
                        decl.child_by_field_name("name"),
                        decl.child_by_field_name("value"),
                    ) else {
                        continue;
                    };
                    if name_node.kind() != "identifier" {
                        // `const { adminRouter, selfRouter } = createMemberRouters()`: kept
                        // for the framework passes, which look at what each name is.
                        let mut bindings = Vec::new();
                        self.pattern_bindings(name_node, &mut Vec::new(), &mut bindings);
                        let expr = self.expr(value);
                        let span = self.span(decl);
                        self.module.top_level.push(Stmt::Let {
                            bindings,
                            value: Some(expr),
                            span,
                        });
                        continue;
                    }
                    let name = self.text(name_node).to_string();
                    let expr = self.expr_named(value, Some(&name));
                    if exported {
                        self.module.exported_values.push(name.clone());
                    }
                    let span = self.span(decl);
                    self.bind_top_level(&name, &expr, span);
                    match &expr {
                        Expr::Function(id) => {
                            let id = *id;
                            self.module.functions[id].exported = exported;
                            self.module.functions[id].callable = true;
                            self.classify_entry(id, false);
                        }
                        Expr::Literal(_)
                        | Expr::Array(_)
                        | Expr::Binary { .. }
                        | Expr::Object(_)
                            if expr.is_module_constant() =>
                        {
                            self.module.constants.push((name.clone(), expr.clone()));
                        }
                        // `export const requireGlobalAdmin = [requireAuth, requireAdmin]`: a
                        // chain of middleware, spread into route registrations.
                        Expr::Array(items)
                            if !items.is_empty()
                                && items.iter().all(|i| {
                                    matches!(
                                        i.peel(),
                                        Expr::Name(_) | Expr::Member { .. } | Expr::Call(_)
                                    )
                                }) =>
                        {
                            self.module.guard_chains.push(GuardChain {
                                name: name.clone(),
                                root: None,
                                guards: items.clone(),
                            });
                        }
                        Expr::Call(call) => {
                            let call = call.clone();
                            self.top_level_call_binding(&name, &call, &expr, exported, value);
                        }
                        _ => {}
                    }
                }
            }
            "class_declaration" | "abstract_class_declaration" => self.class(node, exported),
            "expression_statement" => {
                if let Some(inner) = node.named_child(0) {
                    let expr = self.expr(inner);
                    let span = self.span(node);
                    // Routers are built and routes registered here; see `frameworks::routes`.
                    self.module.top_level.push(Stmt::Expr { expr, span });
                }
            }
            // Routes registered only under a feature flag (`if (flagHasManagedAuth) {
            // web.route("/callback").get(h); }`) are routes all the same.
            "if_statement" => {
                if let Some(stmt) = self.stmt(node) {
                    self.module.top_level.push(stmt);
                }
            }
            _ => {}
        }
    }

    fn import(&mut self, node: Node) {
        let Some(source) = node.child_by_field_name("source") else {
            return;
        };
        let source = super::unquote(self.text(source));
        // Types have no code: `import type { Session }` needs no file parsed.
        if has_child_kind(node, "type") {
            return;
        }
        let mut cursor = node.walk();
        for child in node.named_children(&mut cursor) {
            if child.kind() != "import_clause" {
                continue;
            }
            let mut c2 = child.walk();
            for part in child.named_children(&mut c2) {
                match part.kind() {
                    "identifier" => self.module.imports.push(Import {
                        local: self.text(part).to_string(),
                        imported: "default".into(),
                        source: source.clone(),
                    }),
                    "namespace_import" => {
                        if let Some(id) = last_named_child(part) {
                            self.module.imports.push(Import {
                                local: self.text(id).to_string(),
                                imported: "*".into(),
                                source: source.clone(),
                            });
                        }
                    }
                    "named_imports" => {
                        let mut c3 = part.walk();
                        for spec in part.named_children(&mut c3) {
                            if spec.kind() != "import_specifier" || has_child_kind(spec, "type") {
                                continue;
                            }
                            let name = spec.child_by_field_name("name").map(|n| self.text(n));
                            let alias = spec.child_by_field_name("alias").map(|n| self.text(n));
                            if let Some(name) = name {
                                self.module.imports.push(Import {
                                    local: alias.unwrap_or(name).to_string(),
                                    imported: name.to_string(),
                                    source: source.clone(),
                                });
                            }
                        }
                    }
                    _ => {}
                }
            }
        }
    }

    /// `export { a, b as c } from './x'`, `export * from './x'`, `export * as ns from './x'`:
    /// recorded as imports (`*` for every name of the other module), which call resolution
    /// follows when a name is not defined in the module (a barrel `index.ts`).
    fn reexport(&mut self, node: Node) {
        if has_child_kind(node, "type") {
            return;
        }
        let Some(source) = node.child_by_field_name("source") else {
            return;
        };
        let source = super::unquote(self.text(source));
        let mut imports = Vec::new();
        let mut cursor = node.walk();
        for child in node.named_children(&mut cursor) {
            match child.kind() {
                "export_clause" => {
                    let mut c2 = child.walk();
                    for spec in child.named_children(&mut c2) {
                        if spec.kind() != "export_specifier" || has_child_kind(spec, "type") {
                            continue;
                        }
                        let Some(name) = spec.child_by_field_name("name").map(|n| self.text(n))
                        else {
                            continue;
                        };
                        let alias = spec.child_by_field_name("alias").map(|n| self.text(n));
                        imports.push((alias.unwrap_or(name).to_string(), name.to_string()));
                    }
                }
                "namespace_export" => {
                    if let Some(id) = last_named_child(child) {
                        imports.push((self.text(id).to_string(), "*".to_string()));
                    }
                }
                _ => {}
            }
        }
        if imports.is_empty() && has_child_kind(node, "*") {
            imports.push(("*".to_string(), "*".to_string()));
        }
        for (local, imported) in imports {
            self.module.imports.push(Import {
                local,
                imported,
                source: source.clone(),
            });
        }
    }

    fn class(&mut self, node: Node, exported: bool) {
        let Some(body) = node.child_by_field_name("body") else {
            return;
        };
        // Decorators sit on the class or, for `@Controller() export class …`, on the export.
        let mut class_decorators = self.decorator_calls(node);
        if let Some(parent) = node.parent().filter(|p| p.kind() == "export_statement") {
            class_decorators.extend(self.decorator_calls(parent));
        }
        let nest_class = class_decorators
            .iter()
            .find_map(|(name, call)| match name.as_str() {
                "Controller" => Some(NestClass::Controller(nest_path(call))),
                "Resolver" => Some(NestClass::Resolver),
                _ => None,
            });
        // `@Module({ providers: [{ provide: APP_GUARD, useClass: RolesGuard }] })`.
        for (name, call) in &class_decorators {
            if name == "Module" {
                self.module
                    .global_guards
                    .extend(nest_global_guards(call).into_iter().map(|guard| AppGuard {
                        guard,
                        scope: AppGuardScope::Application,
                    }));
            }
        }
        let class_guards = nest_guards(&class_decorators);
        let mut class = ClassDef {
            name: node
                .child_by_field_name("name")
                .map(|n| self.text(n).to_string())
                .unwrap_or_default(),
            ..ClassDef::default()
        };
        (class.parent, class.heritage) = self.class_heritage(node);
        let mut cursor = body.walk();
        let mut pending: Vec<(String, Call)> = Vec::new();
        for member in body.named_children(&mut cursor) {
            if member.kind() == "decorator" {
                pending.extend(self.decorator_call(member));
                continue;
            }
            if member.kind() == "public_field_definition" {
                let field = member.child_by_field_name("name").map(|n| self.text(n));
                let ty = member
                    .child_by_field_name("type")
                    .and_then(|t| declared_type_name(self.text(t)));
                if let (Some(field), Some(ty)) = (field, ty) {
                    class.fields.push((field.to_string(), ty));
                }
            }
            if member.kind() == "method_definition" {
                let name = member
                    .child_by_field_name("name")
                    .map(|n| self.text(n).to_string())
                    .unwrap_or_default();
                let mut decorators = std::mem::take(&mut pending);
                decorators.extend(self.decorator_calls(member));
                // A NestJS guard's hook, which only the framework calls: named with its class
                // so that `@UseGuards(AuthGuard)` finds this one (`AuthGuard::canActivate`).
                let class_name = node
                    .child_by_field_name("name")
                    .map(|n| self.text(n).to_string());
                let name = match class_name {
                    Some(class) if name == "canActivate" => format!("{class}::canActivate"),
                    _ => name,
                };
                if name == "constructor" {
                    class.fields.extend(self.parameter_properties(member));
                }
                let id = self.function(member, name, exported, true);
                self.module.functions[id].method = true;
                class.methods.push(id);
                if let Some(class) = &nest_class {
                    self.nest_entry(id, member, class, &class_guards, &decorators);
                }
            }
            pending.clear();
        }
        if !class.name.is_empty() {
            self.module.classes.push(class);
        }
    }

    /// The class a class extends, and every type it extends or implements (`extends Base<T>
    /// implements IQuery<A, B>`), by name.
    fn class_heritage(&self, class: Node) -> (Option<String>, Vec<String>) {
        let Some(heritage) = super::children_of_kind(class, "class_heritage")
            .into_iter()
            .next()
        else {
            return (None, Vec::new());
        };
        let mut parent = None;
        let mut all = Vec::new();
        let mut cursor = heritage.walk();
        for clause in heritage.named_children(&mut cursor) {
            let mut inner = clause.walk();
            for ty in clause.named_children(&mut inner) {
                if ty.kind() == "type_arguments" {
                    continue;
                }
                let Some(name) = declared_type_name(self.text(ty)) else {
                    continue;
                };
                if clause.kind() == "extends_clause" && parent.is_none() {
                    parent = Some(name.clone());
                }
                all.push(name);
            }
        }
        (parent, all)
    }

    /// A constructor's parameter properties (`constructor(private readonly users: UsersService)`):
    /// each is a field of the class, typed as declared.
    fn parameter_properties(&self, constructor: Node) -> Vec<(String, String)> {
        let Some(params) = constructor.child_by_field_name("parameters") else {
            return Vec::new();
        };
        let mut cursor = params.walk();
        params
            .named_children(&mut cursor)
            .filter(|p| {
                let mut c = p.walk();
                let property = p
                    .children(&mut c)
                    .any(|child| matches!(child.kind(), "accessibility_modifier" | "readonly"));
                property
            })
            .filter_map(|p| {
                let field = p.child_by_field_name("pattern")?;
                let ty = declared_type_name(self.text(p.child_by_field_name("type")?))?;
                Some((self.text(field).to_string(), ty))
            })
            .collect()
    }

    /// The decorators written on a node, as (name, call): `@Post(':id')` → ("Post", call).
    fn decorator_calls(&mut self, node: Node) -> Vec<(String, Call)> {
        super::children_of_kind(node, "decorator")
            .into_iter()
            .filter_map(|d| self.decorator_call(d))
            .collect()
    }

    fn decorator_call(&mut self, decorator: Node) -> Option<(String, Call)> {
        let inner = decorator.named_child(0)?;
        let call = match self.expr(inner) {
            Expr::Call(call) => *call,
            // `@Public` without parentheses.
            other => Call {
                callee: other,
                args: Vec::new(),
                span: self.span(decorator),
                construct: false,
            },
        };
        let name = call
            .callee
            .path()
            .map(|p| last_segment(&p).to_string())
            .unwrap_or_default();
        Some((name, call))
    }

    /// A NestJS controller method with a verb decorator (`@Post('invite')`) is a route, and a
    /// GraphQL resolver's method with `@Mutation()`/`@Query()` a procedure named
    /// `Mutation.method`; the guards are the class's then the method's (`@UseGuards(AuthGuard)`,
    /// `@Roles('admin')`); its parameter decorators say what each parameter carries.
    fn nest_entry(
        &mut self,
        id: FunctionId,
        node: Node,
        class: &NestClass,
        class_guards: &[Expr],
        decorators: &[(String, Call)],
    ) {
        let kind = match class {
            NestClass::Controller(prefix) => {
                let Some((verb, call)) = decorators.iter().find(|(name, _)| {
                    matches!(
                        name.as_str(),
                        "Get" | "Post" | "Put" | "Patch" | "Delete" | "All" | "Head" | "Options"
                    )
                }) else {
                    return;
                };
                let sub = nest_path(call);
                let path = format!("/{}/{}", prefix.trim_matches('/'), sub.trim_matches('/'))
                    .replace("//", "/")
                    .trim_end_matches('/')
                    .to_string();
                EntryKind::Route {
                    method: verb.to_ascii_uppercase(),
                    path: Some(if path.is_empty() { "/".into() } else { path }),
                }
            }
            NestClass::Resolver => {
                let Some((root, _)) = decorators.iter().find(|(name, _)| {
                    matches!(name.as_str(), "Mutation" | "Query" | "Subscription")
                }) else {
                    return;
                };
                let f = &mut self.module.functions[id];
                f.name = format!("{root}.{}", f.name);
                EntryKind::Rpc
            }
        };
        let mut guards = class_guards.to_vec();
        guards.extend(nest_guards(decorators));
        if let Some(params) = node.child_by_field_name("parameters") {
            let mut cursor = params.walk();
            let nodes: Vec<Node> = params.named_children(&mut cursor).collect();
            let roles: Vec<(ParamRole, Option<Expr>)> = nodes
                .into_iter()
                .filter(|c| c.kind() != "comment")
                .map(|c| {
                    let decorators = self.decorator_calls(c);
                    nest_param(&decorators)
                })
                .collect();
            let f = &mut self.module.functions[id];
            for (p, (role, source)) in f.params.iter_mut().zip(roles) {
                p.role = role;
                p.default_call = source;
            }
        }
        let span = self.module.functions[id].span;
        self.module.entries.push(EntryPoint {
            guards,
            ..EntryPoint::plain(Expr::Function(id), kind, span)
        });
    }

    /// A Cloudflare Worker in module form (`export default { async fetch(request, env, ctx) {
    /// … } }`): its `fetch` answers every request. `env` holds the Worker's bindings and
    /// secrets, configuration rather than client input.
    fn worker_entry(&mut self, props: &[crate::ir::Property]) {
        let Some(id) = props.iter().find_map(|p| match (&p.key[..], &p.value) {
            ("fetch", Expr::Function(id)) => Some(*id),
            ("fetch", Expr::Name(n)) => self
                .module
                .functions
                .iter()
                .position(|f| f.callable && &f.name == n),
            _ => None,
        }) else {
            return;
        };
        let f = &mut self.module.functions[id];
        f.callable = true;
        if let Some(p) = f.params.first_mut().filter(|p| p.role == ParamRole::Plain) {
            p.role = ParamRole::Request;
        }
        let span = f.span;
        self.module.entries.push(EntryPoint::plain(
            Expr::Function(id),
            EntryKind::Route {
                method: "ANY".into(),
                path: None,
            },
            span,
        ));
    }

    /// Decides whether a top-level function is a framework entry point.
    fn classify_entry(&mut self, id: FunctionId, is_default_export: bool) {
        let f = &self.module.functions[id];
        let span = f.span;
        let name = f.name.clone();
        let exported = f.exported;
        let use_server = self.file_use_server || f_has_use_server(f);
        // Cloudflare Pages Functions: `onRequest` answers every method, `onRequestPost` one;
        // the handler is given one context (`{ request, env, params, data, next }`).
        let pages_method = name.strip_prefix("onRequest").and_then(|m| match m {
            "" => Some("ANY".to_string()),
            m if HTTP_METHODS.contains(&m.to_ascii_uppercase().as_str()) => {
                Some(m.to_ascii_uppercase())
            }
            _ => None,
        });
        if let (true, Some(method), Some(path)) =
            (exported, pages_method, self.pages_function_path.clone())
        {
            let f = &mut self.module.functions[id];
            if let Some(p) = f.params.first_mut().filter(|p| p.role == ParamRole::Plain) {
                p.role = ParamRole::Context;
            }
            self.module.entries.push(EntryPoint::plain(
                Expr::Function(id),
                EntryKind::Route {
                    method,
                    path: Some(path),
                },
                span,
            ));
            return;
        }
        let kind = if exported && self.route_file && HTTP_METHODS.contains(&name.as_str()) {
            Some(EntryKind::Route {
                method: name.clone(),
                path: None,
            })
        } else if exported && matches!(name.as_str(), "loader" | "action") {
            // Remix / React Router data functions: `({ request, params })`.
            Some(EntryKind::Route {
                method: if name == "loader" {
                    "GET".into()
                } else {
                    "POST".into()
                },
                path: None,
            })
        } else if self.pages_api_file && is_default_export {
            Some(EntryKind::Route {
                method: "ANY".into(),
                path: None,
            })
        } else if exported && self.pages_router_file && name == "getServerSideProps" {
            // `getServerSideProps({ query, req, res })`: the page's request, server-side.
            Some(EntryKind::Route {
                method: "GET".into(),
                path: None,
            })
        } else if use_server && (exported || f_has_use_server(f)) {
            Some(EntryKind::ServerAction)
        } else if self.page_file && is_default_export {
            Some(EntryKind::Page)
        } else {
            None
        };
        let Some(kind) = kind else { return };
        let f = &mut self.module.functions[id];
        match kind {
            EntryKind::Route { .. } => {
                // Next.js: (request, { params }) — the context's params are client input.
                for (i, p) in f.params.iter_mut().enumerate() {
                    if i == 0 && p.role == ParamRole::Plain {
                        p.role = ParamRole::Request;
                    } else if i == 1 && p.role == ParamRole::Plain && !self.pages_api_file {
                        p.role = ParamRole::Input;
                    }
                }
            }
            EntryKind::Rpc => mark_rpc_params(&mut f.params),
            EntryKind::ServerAction | EntryKind::Page => {
                for p in f.params.iter_mut() {
                    if p.role == ParamRole::Plain {
                        p.role = ParamRole::Input;
                    }
                }
            }
        }
        self.module
            .entries
            .push(EntryPoint::plain(Expr::Function(id), kind, span));
    }

    /// A top-level `const name = call(…)`: a middleware definition (`t.middleware(fn)`), a
    /// reusable guard chain (`t.procedure.use(requireUser)`), or an entry point built with a
    /// wrapper or builder (`procedure.use(mw).mutation(fn)`, `withAuth(async (req) => …)`).
    fn top_level_call_binding(
        &mut self,
        name: &str,
        call: &Call,
        expr: &Expr,
        exported: bool,
        node: Node,
    ) {
        let method = call
            .callee
            .path()
            .map(|p| p.rsplit('.').next().unwrap_or("").to_string())
            .unwrap_or_default();
        // A memoised function (React's `cache(async (orgId) => …)`, `unstable_cache`, lodash's
        // `memoize`) is the function itself, called by this name: no entry of its own.
        let memoised = matches!(
            method.as_str(),
            "cache" | "unstable_cache" | "memoize" | "memoizee" | "once"
        );
        if memoised || matches!(method.as_str(), "middleware" | "createMiddleware") {
            // The function literal is the middleware (or the memoised function) itself,
            // callable by this name.
            if let Some(id) = outer_handler(call) {
                let f = &mut self.module.functions[id];
                f.name = name.to_string();
                f.callable = true;
                f.exported = exported;
            }
            return;
        }
        if method == "use" || outer_handler(call).is_none() {
            let mut guards = Vec::new();
            let root = chain_guards(expr, &mut guards, false);
            if !guards.is_empty() || root.is_some() {
                self.module.guard_chains.push(GuardChain {
                    name: name.to_string(),
                    root,
                    guards,
                });
            }
            return;
        }
        if exported {
            if let Some(target) = outer_handler(call) {
                self.entry_from_wrapper(target, expr, name, node);
            }
        }
    }

    fn entry_from_wrapper(&mut self, target: FunctionId, wrapper: &Expr, name: &str, node: Node) {
        let mut guards = Vec::new();
        let chain_root = chain_guards(wrapper, &mut guards, true);
        let kind = if HTTP_METHODS.contains(&name) {
            EntryKind::Route {
                method: name.to_string(),
                path: None,
            }
        } else if self.pages_api_file {
            EntryKind::Route {
                method: "ANY".into(),
                path: None,
            }
        } else if self.page_file && name == "default" {
            EntryKind::Page
        } else {
            EntryKind::Rpc
        };
        let f = &mut self.module.functions[target];
        f.name = name.to_string();
        f.exported = true;
        f.callable = true;
        match kind {
            EntryKind::Rpc => mark_rpc_params(&mut f.params),
            _ => {
                if let Some(p) = f.params.first_mut() {
                    if p.role == ParamRole::Plain {
                        p.role = ParamRole::Request;
                    }
                }
            }
        }
        let span = self.span(node);
        self.module.entries.push(EntryPoint {
            guards,
            chain_root,
            validated_input: enum_validated_fields(wrapper),
            ..EntryPoint::plain(Expr::Function(target), kind, span)
        });
    }

    // ----- functions -------------------------------------------------------------------

    fn function(&mut self, node: Node, name: String, exported: bool, callable: bool) -> FunctionId {
        let params = node
            .child_by_field_name("parameters")
            .map(|p| self.params(p))
            .or_else(|| {
                node.child_by_field_name("parameter")
                    .map(|p| vec![self.param(p)])
            })
            .unwrap_or_default();
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
            is_async: has_async_keyword(node),
        });
        let body = match node.child_by_field_name("body") {
            Some(b) if b.kind() == "statement_block" => self.block(b),
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
        children
            .into_iter()
            .filter(|c| c.kind() != "comment")
            .map(|c| self.param(c))
            .collect()
    }

    fn param(&mut self, node: Node) -> Param {
        // TS wraps parameters: required_parameter { pattern, type }.
        let (pattern, ty) = match node.kind() {
            "required_parameter" | "optional_parameter" => (
                node.child_by_field_name("pattern").unwrap_or(node),
                node.child_by_field_name("type").map(|t| self.text(t)),
            ),
            "assignment_pattern" => (node.child_by_field_name("left").unwrap_or(node), None),
            _ => (node, None),
        };
        let name = self.text(pattern).to_string();
        let mut bindings = Vec::new();
        if pattern.kind() != "identifier" {
            self.pattern_bindings(pattern, &mut Vec::new(), &mut bindings);
        }
        let role = param_role(&name, ty);
        Param {
            name,
            role,
            bindings,
            default_call: None,
            annotation: None,
        }
    }

    /// Names bound by a destructuring pattern, with the key path each one reads.
    fn pattern_bindings(&mut self, node: Node, path: &mut Vec<String>, out: &mut Vec<Binding>) {
        if !self.enter() {
            return;
        }
        match node.kind() {
            "identifier" | "shorthand_property_identifier_pattern" => out.push(Binding {
                name: self.text(node).to_string(),
                path: path.clone(),
                role: None,
            }),
            "object_pattern" => {
                let mut cursor = node.walk();
                for child in node.named_children(&mut cursor) {
                    match child.kind() {
                        "shorthand_property_identifier_pattern" => {
                            let name = self.text(child).to_string();
                            let mut p = path.clone();
                            p.push(name.clone());
                            out.push(Binding {
                                name,
                                path: p,
                                role: None,
                            });
                        }
                        "pair_pattern" => {
                            let key = child
                                .child_by_field_name("key")
                                .map(|k| super::unquote(self.text(k)))
                                .unwrap_or_default();
                            if let Some(value) = child.child_by_field_name("value") {
                                path.push(key);
                                self.pattern_bindings(value, path, out);
                                path.pop();
                            }
                        }
                        "object_assignment_pattern" => {
                            if let Some(left) = child.child_by_field_name("left") {
                                let name = self.text(left).to_string();
                                let mut p = path.clone();
                                p.push(name.clone());
                                out.push(Binding {
                                    name,
                                    path: p,
                                    role: None,
                                });
                            }
                        }
                        "rest_pattern" => {
                            if let Some(id) = last_named_child(child) {
                                out.push(Binding {
                                    name: self.text(id).to_string(),
                                    path: path.clone(),
                                    role: None,
                                });
                            }
                        }
                        _ => {}
                    }
                }
            }
            "array_pattern" => {
                let mut cursor = node.walk();
                for (i, child) in node.named_children(&mut cursor).enumerate() {
                    path.push(i.to_string());
                    self.pattern_bindings(child, path, out);
                    path.pop();
                }
            }
            "assignment_pattern" => {
                if let Some(left) = node.child_by_field_name("left") {
                    self.pattern_bindings(left, path, out);
                }
            }
            _ => {}
        }
        self.leave();
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

    fn body_of(&mut self, node: Option<Node>) -> Vec<Stmt> {
        match node {
            None => Vec::new(),
            Some(n) if n.kind() == "statement_block" => self.block(n),
            Some(n) if n.kind() == "else_clause" => {
                let inner = n.named_child(0);
                self.body_of(inner)
            }
            Some(n) => self.stmt(n).into_iter().collect(),
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
                let expr = self.expr(inner);
                self.expr_stmt(expr, span)
            }
            "lexical_declaration" | "variable_declaration" => {
                let mut stmts = Vec::new();
                let mut cursor = node.walk();
                let decls: Vec<Node> = node.named_children(&mut cursor).collect();
                for decl in decls {
                    if decl.kind() != "variable_declarator" {
                        continue;
                    }
                    let Some(name_node) = decl.child_by_field_name("name") else {
                        continue;
                    };
                    let mut bindings = Vec::new();
                    self.pattern_bindings(name_node, &mut Vec::new(), &mut bindings);
                    let name = bindings.first().map(|b| b.name.clone());
                    let value = decl
                        .child_by_field_name("value")
                        .map(|v| self.expr_named(v, name.as_deref()));
                    if let Some(Expr::Function(id)) = &value {
                        self.module.functions[*id].callable = true;
                    }
                    stmts.push(Stmt::Let {
                        bindings,
                        value,
                        span: self.span(decl),
                    });
                }
                if stmts.len() == 1 {
                    stmts.pop().unwrap()
                } else {
                    Stmt::Block { body: stmts }
                }
            }
            "function_declaration" | "generator_function_declaration" => {
                let name = node
                    .child_by_field_name("name")
                    .map(|n| self.text(n).to_string())
                    .unwrap_or_default();
                self.function(node, name, false, true);
                return None;
            }
            "if_statement" => {
                let cond = self.field_expr(node, "condition");
                let then = self.body_of(node.child_by_field_name("consequence"));
                let otherwise = self.body_of(node.child_by_field_name("alternative"));
                Stmt::If {
                    cond,
                    then,
                    otherwise,
                    span,
                }
            }
            "for_statement" | "for_in_statement" | "while_statement" | "do_statement" => {
                // `for (const x of xs)` binds x from xs.
                if node.kind() == "for_in_statement" {
                    if let (Some(left), Some(right)) = (
                        node.child_by_field_name("left"),
                        node.child_by_field_name("right"),
                    ) {
                        let mut bindings = Vec::new();
                        self.pattern_bindings(left, &mut Vec::new(), &mut bindings);
                        let iterable = self.expr(right);
                        let body = self.body_of(node.child_by_field_name("body"));
                        return Some(crate::ir::for_each_loop(bindings, iterable, body, span));
                    }
                }
                let cond = node.child_by_field_name("condition").map(|c| self.expr(c));
                let body = self.body_of(node.child_by_field_name("body"));
                Stmt::Loop { cond, body, span }
            }
            "switch_statement" => {
                let subject = self.field_expr(node, "value");
                let mut cases = Vec::new();
                if let Some(body) = node.child_by_field_name("body") {
                    let mut cursor = body.walk();
                    let children: Vec<Node> = body.named_children(&mut cursor).collect();
                    for case in children {
                        let test = if case.kind() == "switch_case" {
                            case.child_by_field_name("value").map(|v| self.expr(v))
                        } else if case.kind() == "switch_default" {
                            None
                        } else {
                            continue;
                        };
                        let mut stmts = Vec::new();
                        let mut c2 = case.walk();
                        let body_nodes: Vec<Node> =
                            case.children_by_field_name("body", &mut c2).collect();
                        for s in body_nodes {
                            if let Some(st) = self.stmt(s) {
                                stmts.push(st);
                            }
                        }
                        let falls_through = !ends_abruptly(&stmts);
                        cases.push(SwitchCase {
                            test,
                            body: stmts,
                            falls_through,
                        });
                    }
                }
                Stmt::Switch {
                    subject,
                    cases,
                    span,
                }
            }
            "try_statement" => {
                let body = self.body_of(node.child_by_field_name("body"));
                let catch = node.child_by_field_name("handler").map(|h| {
                    let mut stmts = Vec::new();
                    if let Some(param) = h.child_by_field_name("parameter") {
                        let mut bindings = Vec::new();
                        self.pattern_bindings(param, &mut Vec::new(), &mut bindings);
                        stmts.push(Stmt::Let {
                            bindings,
                            value: Some(Expr::Unknown("caught error".into())),
                            span: self.span(param),
                        });
                    }
                    stmts.extend(self.body_of(h.child_by_field_name("body")));
                    stmts
                });
                let finally = node
                    .child_by_field_name("finalizer")
                    .map(|f| self.body_of(f.child_by_field_name("body")))
                    .unwrap_or_default();
                Stmt::Try {
                    body,
                    catch,
                    finally,
                    span,
                }
            }
            "return_statement" => {
                let value = node.named_child(0).map(|v| self.expr(v));
                match value {
                    // `return yield* Effect.fail(e)`: the Effect fails, as a throw would.
                    Some(v) if self.yields_failure(&v) => Stmt::Throw { value: v, span },
                    value => Stmt::Return { value, span },
                }
            }
            "throw_statement" => Stmt::Throw {
                value: node
                    .named_child(0)
                    .map(|v| self.expr(v))
                    .unwrap_or(Expr::Unknown(String::new())),
                span,
            },
            "break_statement" => Stmt::Break { span },
            "continue_statement" => Stmt::Continue { span },
            "statement_block" => Stmt::Block {
                body: self.block(node),
            },
            "labeled_statement" => {
                return node.child_by_field_name("body").and_then(|b| self.stmt(b));
            }
            "export_statement" => {
                return node
                    .child_by_field_name("declaration")
                    .and_then(|d| self.stmt(d));
            }
            "class_declaration" => {
                self.class(node, false);
                return None;
            }
            _ => return None,
        })
    }

    /// `yield* Effect.fail(e)`, `yield* new AccountForbidden()`: inside `Effect.gen`, yielding a
    /// failure (an error class instance is one) ends the effect as a throw ends a function. Only
    /// in modules that use Effect: `await` and `yield` are one wrapper in the IR.
    fn yields_failure(&self, e: &Expr) -> bool {
        let Expr::Await(inner) = e else {
            return false;
        };
        let Expr::Call(call) = inner.peel() else {
            return false;
        };
        let uses_effect = self.module.imports.iter().any(|i| {
            i.source == "effect"
                || i.source.starts_with("effect/")
                || i.source.starts_with("@effect/")
        });
        if !uses_effect {
            return false;
        }
        let path = call.callee.path().unwrap_or_default();
        if call.construct {
            return path != "Promise";
        }
        matches!(
            path.as_str(),
            "Effect.fail" | "Effect.die" | "Effect.failCause"
        )
    }

    /// Whether `name` is imported from a framework whose helper of that name throws to end the
    /// request: SvelteKit's `error(401, …)` and `redirect(303, …)`.
    fn throws_by_import(&self, name: &str) -> bool {
        self.module.imports.iter().any(|i| {
            i.local == name
                && i.source == "@sveltejs/kit"
                && matches!(i.imported.as_str(), "error" | "redirect")
        })
    }

    /// An expression statement; calls that end the request become `throw`s, so the graph knows
    /// control does not continue after `redirect("/login")`.
    fn expr_stmt(&mut self, expr: Expr, span: Span) -> Stmt {
        if self.yields_failure(&expr) {
            return Stmt::Throw { value: expr, span };
        }
        if let Expr::Call(call) = expr.peel() {
            if let Some(path) = call.callee.path() {
                let last = path.rsplit('.').next().unwrap_or(&path);
                if !path.contains('.')
                    && (TERMINATING_CALLS.contains(&last) || self.throws_by_import(last))
                {
                    return Stmt::Throw { value: expr, span };
                }
            }
        }
        match assignment_parts(&expr) {
            Some((target, value)) => Stmt::Assign {
                target,
                value,
                span,
            },
            None => Stmt::Expr { expr, span },
        }
    }

    // ----- expressions -----------------------------------------------------------------

    fn expr(&mut self, node: Node) -> Expr {
        self.expr_named(node, None)
    }

    /// Lowers an expression; `name` names a function literal bound to a variable.
    fn expr_named(&mut self, node: Node, name: Option<&str>) -> Expr {
        if !self.enter() {
            return Expr::Unknown(String::new());
        }
        let out = self.expr_inner(node, name);
        self.leave();
        out
    }

    fn expr_inner(&mut self, node: Node, name: Option<&str>) -> Expr {
        match node.kind() {
            "identifier"
            | "property_identifier"
            | "shorthand_property_identifier"
            | "this"
            | "super" => Expr::Name(self.text(node).to_string()),
            "undefined" | "null" => Expr::Literal(Literal::Null),
            "true" => Expr::Literal(Literal::Bool(true)),
            "false" => Expr::Literal(Literal::Bool(false)),
            "number" => Expr::Literal(Literal::Num(self.text(node).to_string())),
            "string" => Expr::Literal(Literal::Str(super::unquote(self.text(node)))),
            "template_string" => {
                let mut parts = Vec::new();
                let mut cursor = node.walk();
                let subs: Vec<Node> = node
                    .named_children(&mut cursor)
                    .filter(|c| c.kind() == "template_substitution")
                    .collect();
                if subs.is_empty() {
                    let t = self.text(node);
                    return Expr::Literal(Literal::Str(t.trim_matches('`').to_string()));
                }
                // The literal text between interpolations, as string literals in order.
                let mut text_from = node.start_byte() + 1;
                for sub in subs {
                    let text = self.src_text(text_from, sub.start_byte());
                    if !text.is_empty() {
                        parts.push(Expr::Literal(Literal::Str(text)));
                    }
                    if let Some(inner) = sub.named_child(0) {
                        parts.push(self.expr(inner));
                    }
                    text_from = sub.end_byte();
                }
                let text = self.src_text(text_from, node.end_byte().saturating_sub(1));
                if !text.is_empty() {
                    parts.push(Expr::Literal(Literal::Str(text)));
                }
                Expr::Template(parts)
            }
            "parenthesized_expression"
            | "as_expression"
            | "satisfies_expression"
            | "non_null_expression"
            | "type_assertion" => match node.named_child(0) {
                Some(inner) => self.expr_named(inner, name),
                None => Expr::Unknown(String::new()),
            },
            "await_expression" | "yield_expression" => match node.named_child(0) {
                Some(inner) => Expr::Await(Box::new(self.expr(inner))),
                None => Expr::Unknown(String::new()),
            },
            "member_expression" => {
                let object = self.field_expr(node, "object");
                let property = node
                    .child_by_field_name("property")
                    .map(|p| self.text(p).to_string())
                    .unwrap_or_default();
                Expr::Member {
                    object: Box::new(object),
                    property,
                }
            }
            "subscript_expression" => {
                let object = self.field_expr(node, "object");
                let index = self.field_expr(node, "index");
                Expr::subscript(object, index)
            }
            "call_expression" | "new_expression" => {
                let callee_node = node
                    .child_by_field_name("function")
                    .or_else(|| node.child_by_field_name("constructor"));
                let callee = callee_node
                    .map(|c| self.expr(c))
                    .unwrap_or(Expr::Unknown(String::new()));
                let args = node
                    .child_by_field_name("arguments")
                    .map(|a| self.arguments(a))
                    .unwrap_or_default();
                Expr::Call(Box::new(Call {
                    callee,
                    args,
                    span: self.span(node),
                    construct: node.kind() == "new_expression",
                }))
            }
            "object" => {
                let mut props = Vec::new();
                let mut cursor = node.walk();
                let children: Vec<Node> = node.named_children(&mut cursor).collect();
                for child in children {
                    match child.kind() {
                        "pair" => {
                            let key = child
                                .child_by_field_name("key")
                                .map(|k| super::unquote(self.text(k)))
                                .unwrap_or_default();
                            let value = child
                                .child_by_field_name("value")
                                .map(|v| self.expr_named(v, Some(&key)))
                                .unwrap_or(Expr::Unknown(String::new()));
                            // `{ invite: (email) => … }`: a method of the object it builds (a
                            // service's implementation), what a call `svc.invite()` may run.
                            if let Expr::Function(id) = &value {
                                self.module.functions[*id].method = true;
                            }
                            props.push(Property { key, value });
                        }
                        "shorthand_property_identifier" => {
                            let key = self.text(child).to_string();
                            props.push(Property {
                                key: key.clone(),
                                value: Expr::Name(key),
                            });
                        }
                        "spread_element" => {
                            if let Some(inner) = child.named_child(0) {
                                props.push(Property {
                                    key: "...".into(),
                                    value: self.expr(inner),
                                });
                            }
                        }
                        "method_definition" => {
                            let key = child
                                .child_by_field_name("name")
                                .map(|n| self.text(n).to_string())
                                .unwrap_or_default();
                            let id = self.function(child, key.clone(), false, true);
                            self.module.functions[id].method = true;
                            props.push(Property {
                                key,
                                value: Expr::Function(id),
                            });
                        }
                        _ => {}
                    }
                }
                Expr::Object(props)
            }
            "array" => {
                let mut items = Vec::new();
                let mut cursor = node.walk();
                let children: Vec<Node> = node.named_children(&mut cursor).collect();
                for child in children {
                    let e = if child.kind() == "spread_element" {
                        child
                            .named_child(0)
                            .map(|c| self.expr(c))
                            .unwrap_or(Expr::Unknown(String::new()))
                    } else {
                        self.expr(child)
                    };
                    items.push(e);
                }
                Expr::Array(items)
            }
            "unary_expression" => {
                let op = node
                    .child_by_field_name("operator")
                    .map(|o| self.text(o).to_string())
                    .unwrap_or_default();
                let operand = self.field_expr(node, "argument");
                if op == "void" || op == "typeof" {
                    return Expr::Unknown(self.short_text(node));
                }
                Expr::Unary {
                    op,
                    operand: Box::new(operand),
                }
            }
            "binary_expression" => {
                let op = node
                    .child_by_field_name("operator")
                    .map(|o| self.text(o).to_string())
                    .unwrap_or_default();
                let left = self.field_expr(node, "left");
                let right = self.field_expr(node, "right");
                Expr::Binary {
                    op,
                    left: Box::new(left),
                    right: Box::new(right),
                }
            }
            "ternary_expression" => {
                let cond = self.field_expr(node, "condition");
                let then = self.field_expr(node, "consequence");
                let otherwise = self.field_expr(node, "alternative");
                Expr::Conditional {
                    cond: Box::new(cond),
                    then: Box::new(then),
                    otherwise: Box::new(otherwise),
                }
            }
            "assignment_expression" | "augmented_assignment_expression" => {
                let left = self.field_expr(node, "left");
                let right = self.field_expr(node, "right");
                // Represented as a call to the pseudo-function `=`, unpacked by `expr_stmt`.
                Expr::Binary {
                    op: "=".into(),
                    left: Box::new(left),
                    right: Box::new(right),
                }
            }
            "arrow_function" | "function_expression" | "function" | "generator_function" => {
                let fname = name
                    .map(str::to_string)
                    .or_else(|| {
                        node.child_by_field_name("name")
                            .map(|n| self.text(n).to_string())
                    })
                    .unwrap_or_else(|| format!("<anonymous@{}>", node.start_position().row + 1));
                let id = self.function(node, fname, false, false);
                // `async function() { 'use server'; … }` inline server actions.
                if f_has_use_server(&self.module.functions[id]) {
                    self.classify_entry(id, false);
                }
                Expr::Function(id)
            }
            "sequence_expression" => {
                // `(a, b)` evaluates both; the value is the last.
                let mut cursor = node.walk();
                let children: Vec<Node> = node.named_children(&mut cursor).collect();
                match children.last() {
                    Some(last) => self.expr(*last),
                    None => Expr::Unknown(String::new()),
                }
            }
            "jsx_element" | "jsx_self_closing_element" | "jsx_fragment" => {
                Expr::Unknown("<jsx>".into())
            }
            _ => Expr::Unknown(self.short_text(node)),
        }
    }

    /// The expression in a node's field, or `Unknown` when the field is missing.
    fn field_expr(&mut self, node: Node, field: &str) -> Expr {
        match node.child_by_field_name(field) {
            Some(child) => self.expr(child),
            None => Expr::Unknown(String::new()),
        }
    }

    fn short_text(&self, node: Node) -> String {
        let t = self.text(node);
        let t = t.lines().next().unwrap_or("");
        t.chars().take(60).collect()
    }

    fn arguments(&mut self, node: Node) -> Vec<Arg> {
        let mut cursor = node.walk();
        let children: Vec<Node> = node.named_children(&mut cursor).collect();
        children
            .into_iter()
            .filter(|c| c.kind() != "comment")
            .map(|c| {
                let value = if c.kind() == "spread_element" {
                    c.named_child(0)
                        .map(|x| self.expr(x))
                        .unwrap_or(Expr::Unknown(String::new()))
                } else {
                    self.expr(c)
                };
                Arg { name: None, value }
            })
            .collect()
    }
}

/// Assignment expressions are lowered as `Binary { op: "=" }`; this unpacks them.
fn assignment_parts(expr: &Expr) -> Option<(Expr, Expr)> {
    match expr {
        Expr::Binary { op, left, right } if op == "=" => {
            Some(((**left).clone(), (**right).clone()))
        }
        _ => None,
    }
}

fn f_has_use_server(f: &Function) -> bool {
    matches!(f.body.first(), Some(Stmt::Expr { expr: Expr::Literal(Literal::Str(s)), .. }) if s == "use server")
}

/// The path a NestJS decorator names: `@Controller('teams')`, `@Post(':id/invite')`,
/// `@Controller({ path: 'teams' })`; empty when none.
fn nest_path(call: &Call) -> String {
    match call.args.first().map(|a| a.value.peel()) {
        Some(Expr::Literal(Literal::Str(s))) => s.clone(),
        Some(Expr::Object(props)) => props
            .iter()
            .find(|p| p.key == "path")
            .and_then(|p| match p.value.peel() {
                Expr::Literal(Literal::Str(s)) => Some(s.clone()),
                _ => None,
            })
            .unwrap_or_default(),
        _ => String::new(),
    }
}

/// Guards among NestJS decorators: what `@UseGuards(…)` lists, and decorators that state an
/// access requirement (`@Roles('admin')`, `@RequirePermissions('members:write')`, `@Auth()`),
/// which the application's guards enforce.
fn nest_guards(decorators: &[(String, Call)]) -> Vec<Expr> {
    let mut out = Vec::new();
    for (name, call) in decorators {
        if name == "UseGuards" {
            out.extend(call.args.iter().map(|a| a.value.clone()));
            continue;
        }
        let lower = name.to_ascii_lowercase();
        let states_access = [
            "role",
            "permission",
            "auth",
            "scope",
            "policy",
            "guard",
            "admin",
        ]
        .iter()
        .any(|w| lower.contains(w));
        if states_access && !matches!(name.as_str(), "ApiBearerAuth" | "ApiOAuth2" | "ApiSecurity")
        {
            // Metadata: marked, so it counts only beside a guard that enforces it.
            let mut requirement = call.clone();
            requirement.callee = Expr::Name(format!("{REQUIREMENT_MARK}{name}"));
            out.push(Expr::Call(Box::new(requirement)));
        }
    }
    out
}

/// `APP_GUARD` providers of a NestJS `@Module({...})`: guards of every route.
fn nest_global_guards(module: &Call) -> Vec<Expr> {
    let mut out = Vec::new();
    let Some(Expr::Object(props)) = module.args.first().map(|a| a.value.peel()) else {
        return out;
    };
    for p in props.iter().filter(|p| p.key == "providers") {
        let Expr::Array(items) = p.value.peel() else {
            continue;
        };
        for item in items {
            let Expr::Object(provider) = item.peel() else {
                continue;
            };
            let provides_guard = provider.iter().any(|q| {
                q.key == "provide" && q.value.path().is_some_and(|p| p.ends_with("APP_GUARD"))
            });
            if let Some(class) = provider
                .iter()
                .find(|q| q.key == "useClass" || q.key == "useExisting")
                .filter(|_| provides_guard)
            {
                out.push(class.value.clone());
            }
        }
    }
    out
}

/// What a NestJS parameter decorator says the parameter carries: `@Body()`, `@Param('id')`,
/// `@Query()` are client input, `@Req()` the request; a decorator the application wrote for the
/// signed-in user (`@CurrentUser()`) is read as that call's result, so the provider's session
/// calls decide whether it is the session.
/// What a NestJS class exposes: a controller's routes (under its path) or a GraphQL
/// resolver's mutations and queries.
enum NestClass {
    Controller(String),
    Resolver,
}

fn nest_param(decorators: &[(String, Call)]) -> (ParamRole, Option<Expr>) {
    let Some((name, call)) = decorators.first() else {
        return (ParamRole::Plain, None);
    };
    match name.as_str() {
        "Body" | "Param" | "Query" | "Headers" | "UploadedFile" | "UploadedFiles" | "Ip" => {
            (ParamRole::Input, None)
        }
        "Req" | "Request" => (ParamRole::Request, None),
        // GraphQL: `@Args('input')` is what the client sent, `@Context()` what the server built
        // from the request, `@Parent()` the object being resolved.
        "Args" => (ParamRole::Input, None),
        "Context" => (ParamRole::Context, None),
        "Parent" | "Root" | "Info" => (ParamRole::Plain, None),
        "Res" | "Response" => (ParamRole::Response, None),
        _ => (ParamRole::Plain, Some(Expr::Call(Box::new(call.clone())))),
    }
}

fn param_role(name: &str, ty: Option<&str>) -> ParamRole {
    let ty = ty.unwrap_or("").trim_start_matches(':').trim();
    if matches!(name, "req" | "request")
        || ty.ends_with("Request")
        || ty.starts_with("Request")
        || ty.contains("NextRequest")
    {
        ParamRole::Request
    } else if matches!(name, "res" | "response") || ty.ends_with("Response") {
        ParamRole::Response
    } else if name == "next" || ty.contains("NextFunction") {
        ParamRole::Next
    } else {
        ParamRole::Plain
    }
}

fn ends_abruptly(stmts: &[Stmt]) -> bool {
    matches!(
        stmts.last(),
        Some(Stmt::Break { .. } | Stmt::Return { .. } | Stmt::Throw { .. } | Stmt::Continue { .. })
    )
}

fn has_child_kind(node: Node, kind: &str) -> bool {
    let mut cursor = node.walk();
    let found = node.children(&mut cursor).any(|c| c.kind() == kind);
    found
}

fn last_named_child(node: Node) -> Option<Node> {
    let n = node.named_child_count();
    if n == 0 {
        None
    } else {
        node.named_child(n - 1)
    }
}

/// Whether a function, arrow function or method node is declared `async`.
/// The type a declaration names (`: UsersService`, `Repository<User>`, `IQuery<A, B>`), without
/// its generic arguments; none for a union, an array, a literal or an inline object type.
fn declared_type_name(written: &str) -> Option<String> {
    let written = written.trim_start_matches(':').trim();
    let name = written.split('<').next().unwrap_or(written).trim();
    let plain = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '$' || c == '.');
    plain.then(|| name.to_string())
}

fn has_async_keyword(node: Node) -> bool {
    let mut cursor = node.walk();
    let found = node
        .children(&mut cursor)
        .take_while(|c| c.kind() != "formal_parameters" && c.kind() != "identifier")
        .any(|c| c.kind() == "async");
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_record_field_types_and_heritage() {
        let src = "export class Teams extends Base<User> implements Handler<A, B> {\n  private readonly audit: AuditLog;\n  label = 'x';\n  constructor(@Inject(T) private readonly inviter: Inviter, plain: Other, readonly repo: Repository<User>) { super(); }\n  run() { return this.inviter.invite(); }\n}\n";
        let module = crate::lang::parse(Language::TypeScript, "teams.ts", src).unwrap();
        let class = &module.classes[0];
        assert_eq!(class.name, "Teams");
        assert_eq!(class.parent.as_deref(), Some("Base"));
        assert_eq!(class.heritage, ["Base", "Handler"]);
        // Parameter properties are fields; a plain parameter is not; generics are dropped.
        assert_eq!(
            class.fields,
            [
                ("audit".to_string(), "AuditLog".to_string()),
                ("inviter".to_string(), "Inviter".to_string()),
                ("repo".to_string(), "Repository".to_string()),
            ]
        );
        assert_eq!(class.methods.len(), 2);
        assert_eq!(declared_type_name(": A | B"), None);
        assert_eq!(declared_type_name(": string[]"), None);
    }

    #[test]
    fn import_types_are_masked_in_type_positions_only_and_offsets_stay() {
        let src = "export const g: import('express').RequestHandler[] = [a, b];\nconst m = await import('./x');\nlet t: Array<import(\"y\").T> = [];\n";
        let masked = mask_import_types(src).expect("masked");
        assert_eq!(masked.len(), src.len());
        assert!(masked.contains("export const g:                   RequestHandler[] = [a, b];"));
        assert!(masked.contains("await import('./x')"), "{masked}");
        assert!(masked.contains("Array<            T>"), "{masked}");
        // Parsed without error, and the middleware array is a guard chain.
        let module = parse(Language::TypeScript, "m.ts", src).unwrap();
        assert!(
            module.syntax_errors.is_empty(),
            "{:?}",
            module.syntax_errors
        );
        assert_eq!(module.guard_chains.len(), 1);
        assert_eq!(module.guard_chains[0].name, "g");
    }
}
