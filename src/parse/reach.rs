//! Which names lead towards an action: the functions that reach one, the names they use,
//! and the imports and importers worth reading because of them.

use super::*;

/// The names `module`'s functions for which `is_root` holds use, with what those call in the
/// module; `None` when every import is to be followed (see `Loader::names_on_the_way`).
pub(super) fn on_the_way(
    module: &Module,
    language: Language,
    is_root: impl Fn(FunctionId) -> bool,
) -> Option<BTreeSet<String>> {
    // Go, Ruby and Rust name what they use by package, constant or path, not by an imported
    // binding; a file the parser could not fully read may use anything.
    // Go names a package at every use (`auth.RequireUser`): the packages the code on the way
    // uses are the imports to follow, not every package a large file imports.
    let by_binding = matches!(language.family(), Language::TypeScript | Language::Python);
    let by_package = language.family() == Language::Go;
    let scoped = module.scope == ModuleScope::File || by_package;
    if !(by_binding || by_package) || !scoped || !module.syntax_errors.is_empty() {
        return None;
    }
    let roots: Vec<FunctionId> = (0..module.functions.len())
        .filter(|&f| is_root(f))
        .collect();
    let mut names = names_used_from(module, &roots, Uses::Calls);
    // A call on a typed field (`this.query.execute()`) runs the field's type's method: the file
    // defining that type is on the way.
    for class in &module.classes {
        if class.methods.iter().any(|id| roots.contains(id)) {
            names.extend(class.fields.iter().map(|(_, ty)| ty.clone()));
        }
    }
    // The types an input type's fields are declared with (`role: ValidatedRole`, imported):
    // whether parsing restricts a field to fixed values is decided where that type is.
    for input in &module.input_types {
        for (_, declared) in &input.fields {
            names.extend(crate::frameworks::validators::type_names(declared).map(String::from));
        }
    }
    Some(names)
}

/// Whether an import is followed: all are when `used` is `None`; otherwise those whose local
/// name the code on the way uses or an importer asked for, and namespace imports.
pub(super) fn imported_on_the_way(
    imp: &crate::ir::Import,
    used: &Option<BTreeSet<String>>,
    asked: &BTreeSet<String>,
) -> bool {
    match used {
        None => true,
        Some(used) => used.contains(&imp.local) || asked.contains(&imp.local) || imp.local == "*",
    }
}

/// The names by which code may reach a workflow action, found by name alone: the methods of
/// the actions, the names of functions that call one of these names or define a callback that
/// does, and the names they are imported under. No call is resolved, so the set errs on the side
/// of more names. Also which modules define such a function.
pub(super) struct ReachingNames {
    pub(super) names: BTreeSet<String>,
    pub(super) modules: Vec<bool>,
    pub(super) functions: std::collections::HashSet<FnRef>,
}

impl ReachingNames {
    pub(super) fn of(program: &Program, action_calls: &crate::spec::ActionCalls) -> ReachingNames {
        let mut callers_of: HashMap<String, Vec<FnRef>> = HashMap::new();
        let mut enclosing: HashMap<FnRef, FnRef> = HashMap::new();
        let mut found: Vec<FnRef> = Vec::new();
        for (m, module) in program.modules.iter().enumerate() {
            let tests_literals = !action_calls.literals.is_empty()
                && action_calls.names_provider(&program.sources[m]);
            for (i, f) in module.functions.iter().enumerate() {
                let me = FnRef {
                    module: m,
                    function: i,
                };
                // A webhook handler's dispatch on event names is an action too.
                let mut calls_action = tests_literals && action_calls.tests_literal(module, f);
                crate::ir::visit_stmts(&f.body, &mut |e| {
                    let Expr::Call(call) = e else { return };
                    if let Some(path) = call.callee.path() {
                        let name = last_segment(&path);
                        calls_action |= action_calls.names_method(name);
                        callers_of.entry(name.to_string()).or_default().push(me);
                    }
                    // A function passed to a call runs within it (`db.transaction(fn)`), unless
                    // the call keeps it for later (a route, an event handler): a constructor
                    // registering a hundred routes is on the way to none of them.
                    let mut literals: Vec<FunctionId> = Vec::new();
                    if let Expr::Function(id) = call.callee.peel() {
                        literals.push(*id);
                    }
                    if !crate::frameworks::keeps_callback(call) {
                        // Nothing is resolved yet: an object's callbacks count whoever the callee.
                        literals.extend(call.handed_over(true).into_iter().filter_map(|v| {
                            match v.peel() {
                                Expr::Function(id) => Some(*id),
                                _ => None,
                            }
                        }));
                    }
                    for id in literals {
                        if !module.is_entry_handler(id) {
                            enclosing.insert(
                                FnRef {
                                    module: m,
                                    function: id,
                                },
                                me,
                            );
                        }
                    }
                });
                if calls_action {
                    found.push(me);
                }
            }
        }
        // `import { inviteUser as invite }`: the local name leads to the action too.
        let mut aliases: HashMap<&str, Vec<&str>> = HashMap::new();
        for module in &program.modules {
            for imp in module.imports.iter().filter(|i| i.local != i.imported) {
                aliases.entry(&imp.imported).or_default().push(&imp.local);
            }
        }

        let mut reached: std::collections::HashSet<FnRef> = Default::default();
        let mut names: BTreeSet<String> = BTreeSet::new();
        let mut modules = vec![false; program.modules.len()];
        while let Some(f) = found.pop() {
            if !reached.insert(f) {
                continue;
            }
            modules[f.module] = true;
            found.extend(enclosing.get(&f).copied());
            let mut new_names = vec![last_segment(&program.function(f).name)];
            while let Some(name) = new_names.pop() {
                if name.is_empty() || name.starts_with('<') || !names.insert(name.to_string()) {
                    continue;
                }
                found.extend(callers_of.get(name).into_iter().flatten().copied());
                new_names.extend(aliases.get(name).into_iter().flatten().copied());
            }
        }
        ReachingNames {
            names,
            modules,
            functions: reached,
        }
    }
}

/// Rails autoloads, so a Ruby caller names the method (`organization.sso_portal_url`), never
/// the file: the names of the methods of Ruby module `m` that call an action or a method of
/// `chain` (found in an earlier round). Controller actions are left out: the router calls them.
/// Only calls by name, one round at a time: a closure over every method name would follow
/// `Array#join` to an `Organization#join` and bring in the whole application.
pub(super) fn ruby_callee_names(
    program: &Program,
    m: usize,
    action_calls: &crate::spec::ActionCalls,
    chain: &BTreeSet<String>,
) -> Vec<String> {
    if program.languages[m] != Language::Ruby {
        return Vec::new();
    }
    let module = &program.modules[m];
    let mut out = Vec::new();
    for (id, f) in module.functions.iter().enumerate() {
        if module.is_entry_handler(id) {
            continue;
        }
        let name = last_segment(&f.name);
        // Directly, or in a block it passes on (`transaction do … end`).
        let mut leads = calls_action_or(f, action_calls, chain);
        crate::ir::visit_stmts(&f.body, &mut |e| {
            if let Expr::Function(inner) = e {
                if let Some(inner) = module.functions.get(*inner) {
                    leads |= calls_action_or(inner, action_calls, chain);
                }
            }
        });
        if leads && !name.is_empty() && !name.starts_with('<') {
            out.push(name.to_string());
        }
    }
    out
}

/// Methods (functions with a receiver, methods of classes and of service objects) of a Go or
/// TypeScript module that lead to an action and whose name is specific enough to look for:
/// `Invite` of `func (c *Client) Invite(…)`, `inviteMember` of `{ inviteMember: (h, b) => … }`.
pub(super) fn method_names(program: &Program, m: usize, reaching: &ReachingNames) -> Vec<String> {
    if !matches!(
        program.languages[m].family(),
        Language::Go | Language::TypeScript
    ) {
        return Vec::new();
    }
    program.modules[m]
        .functions
        .iter()
        .enumerate()
        .filter(|(i, f)| {
            f.method
                && f.name.len() >= 6
                && reaching.functions.contains(&FnRef {
                    module: m,
                    function: *i,
                })
        })
        .map(|(_, f)| f.name.clone())
        .collect()
}

/// What [`names_used_from`] counts as a use.
#[derive(Clone, Copy, PartialEq)]
pub(super) enum Uses {
    /// The names calls go through: `requireAdmin` of `requireAdmin()`, `auth` and
    /// `requireAdmin` of `auth.requireAdmin()`, `Client` of `new Client()`. A call resolves
    /// through nothing else, so a table definition passed to a query (`db.select().from(users)`)
    /// brings in no schema file.
    Calls,
    /// Ruby: every name (a bare name may be a method call), and the members of a constant or
    /// `self` (`Organization.find_for_sso`). Ruby says nothing of another receiver's class, and
    /// guessing it by method name (`user.name`) would read every model that defines a common
    /// name.
    RubyReferences,
}

/// The names the code of `module` on the way to an action refers to: what `roots` and the
/// module's own methods they call use, and the guards and base classes of its entries and guard
/// chains. Rails autoloads, so the files defining these are found by text.
pub(super) fn names_used_from(
    module: &Module,
    roots: &[FunctionId],
    uses: Uses,
) -> BTreeSet<String> {
    // Ruby: every name (a bare name may be a method call), and a constant's or `self`'s members.
    let note_ruby = |e: &Expr, names: &mut BTreeSet<String>| match e {
        // `V1::BaseController` is defined by `class BaseController`; the namespace `V1` is
        // only a container (and is opened by hundreds of files).
        Expr::Name(n) => {
            names.insert(n.rsplit("::").next().unwrap_or(n).to_string());
        }
        Expr::Member { object, property } => {
            let of_constant = match object.peel() {
                Expr::Name(n) => {
                    n == "self"
                        || n.rsplit("::")
                            .next()
                            .is_some_and(|last| last.starts_with(|c: char| c.is_ascii_uppercase()))
                }
                _ => false,
            };
            if of_constant {
                names.insert(property.clone());
            }
        }
        _ => {}
    };
    let note = |e: &Expr, names: &mut BTreeSet<String>| match (uses, e) {
        (Uses::RubyReferences, _) => note_ruby(e, names),
        (Uses::Calls, Expr::Call(call)) => note_reference(&call.callee, names),
        (Uses::Calls, _) => {}
    };
    // The functions of this module an expression defines or names, whose code runs too (a
    // tRPC middleware written inline in its guard chain).
    let follow = |e: &Expr, local: &mut Vec<FunctionId>| match e {
        Expr::Function(inner) => local.push(*inner),
        Expr::Name(n) | Expr::Member { property: n, .. } => {
            local.extend(
                module
                    .functions
                    .iter()
                    .enumerate()
                    .filter(|(_, g)| g.callable && last_segment(&g.name) == n.as_str())
                    .map(|(i, _)| i),
            );
        }
        _ => {}
    };
    let mut names: BTreeSet<String> = BTreeSet::new();
    let mut todo: Vec<FunctionId> = roots.to_vec();
    let guards = module
        .entries
        .iter()
        .flat_map(|entry| entry.guards.iter().chain(&entry.chain_root))
        .chain(
            module
                .guard_chains
                .iter()
                .flat_map(|chain| chain.guards.iter().chain(&chain.root)),
        );
    for e in guards {
        match uses {
            Uses::RubyReferences => crate::ir::visit_expr(e, &mut |e| note_ruby(e, &mut names)),
            Uses::Calls => note_guard(e, &mut names),
        }
        crate::ir::visit_expr(e, &mut |e| follow(e, &mut todo));
    }
    let mut done: BTreeSet<FunctionId> = BTreeSet::new();
    while let Some(id) = todo.pop() {
        if !done.insert(id) {
            continue;
        }
        let f = &module.functions[id];
        let mut used: BTreeSet<String> = BTreeSet::new();
        let mut local: Vec<FunctionId> = Vec::new();
        let mut visit = |e: &Expr| {
            note(e, &mut used);
            follow(e, &mut local);
        };
        crate::ir::visit_stmts(&f.body, &mut visit);
        for p in &f.params {
            if let Some(call) = &p.default_call {
                crate::ir::visit_expr(call, &mut visit);
            }
        }
        // A handler's parameter types are what the framework parses input into (a pydantic
        // model, a serde struct): where they are defined says which fields are fixed values.
        if uses == Uses::Calls && module.is_entry_handler(id) {
            for declared in f.params.iter().filter_map(|p| p.annotation.as_deref()) {
                used.extend(crate::frameworks::validators::type_names(declared).map(String::from));
            }
        }
        if uses == Uses::RubyReferences {
            // A Ruby local (`post = Post.find(id)`) reads like a method call but is defined
            // here; looking for `def post` would read every model with that association.
            let mut locals: BTreeSet<&str> = f.params.iter().map(|p| p.name.as_str()).collect();
            assigned_names(&f.body, &mut locals);
            used.retain(|n| !locals.contains(n.as_str()));
        }
        names.extend(used);
        todo.extend(local);
    }
    names
}

/// The names a guard expression runs code through: a middleware named (`isAuthed`,
/// `auth.requireUser`), or a wrapper called (`withRole("admin")`) with the middleware it is
/// given. The wrapper's options (`drizzle(sql, { schema })`) run nothing.
pub(super) fn note_guard(e: &Expr, names: &mut BTreeSet<String>) {
    match e.peel() {
        Expr::Call(call) => {
            note_reference(&call.callee, names);
            for arg in &call.args {
                if matches!(arg.value.peel(), Expr::Name(_) | Expr::Member { .. }) {
                    note_reference(&arg.value, names);
                }
            }
        }
        other => note_reference(other, names),
    }
}

/// The method and the name at the root of a callee or function reference: a call resolves
/// through these alone (`db.query.users.findFirst()` names `db` and `findFirst`, not the `users`
/// table definition).
pub(super) fn note_reference(e: &Expr, names: &mut BTreeSet<String>) {
    let mut cur = e.peel();
    if let Expr::Member { property, .. } = cur {
        names.insert(property.clone());
    }
    loop {
        match cur {
            Expr::Name(n) => {
                names.insert(n.clone());
                break;
            }
            Expr::Member { object, .. } => cur = object.peel(),
            Expr::Call(inner) => cur = inner.callee.peel(),
            _ => break,
        }
    }
}

/// The names `stmts` bind or assign to (`a = …`, `let { a } = …`), at any depth.
pub(super) fn assigned_names<'s>(stmts: &'s [Stmt], out: &mut BTreeSet<&'s str>) {
    for stmt in stmts {
        match stmt {
            Stmt::Let { bindings, .. } => out.extend(bindings.iter().map(|b| b.name.as_str())),
            Stmt::Assign {
                target: Expr::Name(n),
                ..
            } => {
                out.insert(n);
            }
            _ => {}
        }
        for inner in stmt.nested() {
            assigned_names(inner, out);
        }
    }
}

/// Whether `f` calls an action, or a method named in `toward`.
pub(super) fn calls_action_or(
    f: &crate::ir::Function,
    action_calls: &crate::spec::ActionCalls,
    toward: &BTreeSet<String>,
) -> bool {
    let mut found = false;
    crate::ir::visit_stmts(&f.body, &mut |e| {
        if let Expr::Call(call) = e {
            if let Some(path) = call.callee.path() {
                found |= action_calls.matches(&path) || toward.contains(last_segment(&path));
            }
        }
    });
    found
}

impl ReachingNames {
    /// Whether code elsewhere can call into module `m` on its way to an action. Not for a
    /// TypeScript module whose exported code on the way is all framework entry points (server
    /// actions, route handlers, procedures, pages): each is analysed as the public endpoint it is,
    /// whoever else imports it. Other languages do not mark exports reliably, so they always can.
    pub(super) fn needs_callers(&self, program: &Program, m: usize) -> bool {
        if program.languages[m].family() != Language::TypeScript {
            return true;
        }
        let module = &program.modules[m];
        module.functions.iter().enumerate().any(|(i, f)| {
            let exported = f.exported || module.default_export == Some(i);
            // A procedure guessed from an exported wrapper may be registered as a route by
            // whoever imports it (see `workflow::locate`).
            exported
                && (!module.is_entry_handler(i) || module.is_procedure(i))
                && self.functions.contains(&FnRef {
                    module: m,
                    function: i,
                })
        })
    }
}

/// Text that a file importing one of `frontier` contains: a prefilter, since a file stem
/// (`/utils'`) is shared by many unrelated files.
pub(super) fn importer_patterns(program: &Program, frontier: &[usize]) -> Vec<String> {
    let mut patterns = BTreeSet::new();
    for &m in frontier {
        let module = &program.modules[m];
        let path = &module.path;
        match program.languages[m] {
            // Ruby callers are found by method name: see `ruby_callee_names`.
            Language::Ruby => {}
            Language::Rust => {
                // `use crate::auth::X;`, `use crate::routes::invite::invite;`.
                for stem in import_stems(path) {
                    patterns.insert(format!("::{stem}"));
                }
            }
            Language::Go => {
                // `import "github.com/acme/app/internal/handlers"` ends with the package folder.
                let dir = parent_dir(path);
                if let Some(pkg) = dir.rsplit('/').next().filter(|p| !p.is_empty()) {
                    patterns.insert(format!("/{pkg}\""));
                }
            }
            Language::Python => {
                for stem in import_stems(path) {
                    // `from app.stem import x`, `from . import stem`, `import app.stem`.
                    patterns.insert(format!("{stem} import"));
                    patterns.insert(format!("import {stem}"));
                    patterns.insert(format!(".{stem}\n"));
                }
            }
            _ => {
                for stem in import_stems(path) {
                    for q in ["'", "\"", ".js'", ".js\"", ".ts'", ".ts\""] {
                        patterns.insert(format!("/{stem}{q}"));
                    }
                }
                // Convex functions are called by reference, not import:
                // `ctx.runMutation(internal.brokers.workos.assign, …)`.
                if let Some((_, rest)) = path.rsplit_once("convex/") {
                    let module = rest.rsplit_once('.').map(|(m, _)| m).unwrap_or(rest);
                    let dotted = module.replace('/', ".");
                    patterns.insert(format!("internal.{dotted}."));
                    patterns.insert(format!("api.{dotted}."));
                }
            }
        }
    }
    patterns.into_iter().collect()
}
