//! The parsed program: modules by path, and name resolution across them (imports, packages,
//! Ruby's implicit scope, methods of imported objects).

use super::*;

impl Program {
    /// One module parsed from `source`, its imports resolved, and its function `name`: what the
    /// unit tests of later stages start from.
    #[cfg(test)]
    pub(crate) fn of_source(
        language: Language,
        file: &str,
        source: &str,
        name: &str,
    ) -> (Program, FnRef) {
        let mut program = Program::default();
        let module = crate::lang::parse(language, file, source).unwrap();
        program.push(module, source.to_string(), language);
        program.resolve_imports();
        let function = program.modules[0]
            .functions
            .iter()
            .position(|f| f.name == name)
            .unwrap_or_else(|| panic!("a function {name}"));
        (
            program,
            FnRef {
                module: 0,
                function,
            },
        )
    }

    /// The condition of the first `if` of a function's body (for tests).
    #[cfg(test)]
    pub(crate) fn first_if_condition(&self, func: FnRef) -> crate::ir::Expr {
        self.function(func)
            .body
            .iter()
            .find_map(|s| match s {
                crate::ir::Stmt::If { cond, .. } => Some(cond.clone()),
                _ => None,
            })
            .expect("an if statement")
    }

    pub fn push(&mut self, module: Module, source: String, language: Language) {
        self.by_path.insert(module.path.clone(), self.modules.len());
        self.modules.push(module);
        self.sources.push(source);
        self.languages.push(language);
    }

    pub fn resolve_imports(&mut self) {
        let mut first_in_dir: HashMap<&str, usize> = HashMap::new();
        for (i, m) in self.modules.iter().enumerate() {
            first_in_dir.entry(parent_dir(&m.path)).or_insert(i);
        }
        let packages = PackageDirs::new(first_in_dir.keys().copied());
        // Files of one folder import the same specifiers over and over (`@/lib/auth`); an alias
        // has many candidate paths, so each (folder, language, specifier) is resolved once.
        let mut known: HashMap<(&str, Language, &str), Option<usize>> = HashMap::new();
        let mut all = Vec::with_capacity(self.modules.len());
        for (i, m) in self.modules.iter().enumerate() {
            let key = |source| (parent_dir(&m.path), self.languages[i], source);
            let resolved = m
                .imports
                .iter()
                .map(|imp| match imp.source.strip_prefix("@go/") {
                    // A Go import names a package folder: any of its modules stands for it.
                    Some(pkg) => packages.find(pkg).map(|d| first_in_dir[d]),
                    None => *known.entry(key(imp.source.as_str())).or_insert_with(|| {
                        resolve_specifier(&m.path, &imp.source, &self.aliases, |p| {
                            self.by_path.contains_key(p)
                        })
                        .and_then(|p| self.by_path.get(&p).copied())
                    }),
                })
                .collect();
            all.push(resolved);
        }
        self.imports = all;
        self.folder_members.clear();
        self.global_members.clear();
        for (i, m) in self.modules.iter().enumerate() {
            match m.scope {
                ModuleScope::File => {}
                ModuleScope::Folder => self
                    .folder_members
                    .entry(parent_dir(&m.path).to_string())
                    .or_default()
                    .push(i),
                ModuleScope::Global => self.global_members.push(i),
            }
        }
        self.type_definitions.clear();
        for (i, m) in self.modules.iter().enumerate() {
            for t in &m.types {
                let modules = self.type_definitions.entry(t.name.clone()).or_default();
                if modules.last() != Some(&i) {
                    modules.push(i);
                }
            }
        }
    }

    /// Where a Ruby method called without a receiver in `module` can be defined, nearest
    /// first: the modules of its classes' ancestors, then mixins (files that define no class:
    /// concerns, helpers). Never a class the caller does not inherit from: another controller's
    /// `authorize` is not this one's.
    fn implicit_scope(&self, module: usize) -> Vec<usize> {
        let own: Vec<&str> = self.modules[module]
            .types
            .iter()
            .filter_map(|t| t.parent.as_deref())
            .collect();
        let mut out = self.ancestors_of(own);
        out.extend(
            self.global_members
                .iter()
                .copied()
                .filter(|&m| self.modules[m].types.iter().all(|t| t.mixin)),
        );
        let mut seen = BTreeSet::new();
        out.retain(|&m| m != module && seen.insert(m));
        out
    }

    /// The modules defining the classes `names`, then their superclasses, nearest first.
    fn ancestors_of<'s>(&'s self, names: Vec<&'s str>) -> Vec<usize> {
        let mut out = Vec::new();
        let mut seen: BTreeSet<&str> = BTreeSet::new();
        let mut todo: std::collections::VecDeque<&str> = names.into();
        while let Some(name) = todo.pop_front() {
            if !seen.insert(name) {
                continue;
            }
            for &m in self.type_definitions.get(name).into_iter().flatten() {
                out.push(m);
                todo.extend(
                    self.modules[m]
                        .types
                        .iter()
                        .filter(|t| t.name == name)
                        .filter_map(|t| t.parent.as_deref()),
                );
            }
        }
        out
    }

    /// Where a Ruby method called on `receiver` (`Organization.find_for_sso`, `self.x`,
    /// `organization.sso_portal_url`) can be defined. A constant names its class (and its
    /// ancestors); any other receiver's class is unknown, so every module may define it but a
    /// controller, whose methods are actions and filters that no object calls.
    fn receiver_scope(&self, module: usize, receiver: &str) -> Vec<usize> {
        if receiver == "self" {
            let mut out = vec![module];
            out.extend(self.implicit_scope(module));
            return out;
        }
        let last = receiver.rsplit("::").next().unwrap_or(receiver);
        if last.starts_with(|c: char| c.is_ascii_uppercase()) {
            return self.ancestors_of(vec![last]);
        }
        self.global_members
            .iter()
            .copied()
            .filter(|&m| {
                !self.modules[m]
                    .types
                    .iter()
                    .any(|t| !t.mixin && t.name.ends_with("Controller"))
            })
            .collect()
    }

    /// Modules whose top-level names `module` sees without an import: its folder (Go), or
    /// every module (Ruby).
    fn visible_modules(&self, module: usize) -> Vec<usize> {
        let me = &self.modules[module];
        let members: &[usize] = match me.scope {
            ModuleScope::File => &[],
            ModuleScope::Folder => self
                .folder_members
                .get(parent_dir(&me.path))
                .map(Vec::as_slice)
                .unwrap_or(&[]),
            ModuleScope::Global => &self.global_members,
        };
        members.iter().copied().filter(|i| *i != module).collect()
    }

    /// Whether `name` in the module at `path` is bound by an import of a third-party package
    /// (`import * as Sentry from "@sentry/nextjs"`), not of a repository file.
    pub fn names_package_import(&self, path: &str, name: &str) -> bool {
        self.package_import_source(path, name).is_some()
    }

    /// Whether a method call the code does not resolve (`this.workosService.invite()`, an
    /// interface's `h.workos.CreateMembership(…)`) may be any in-repo method of its name: not when
    /// its receiver is rooted in a package (`Sentry.captureException`) or in an object a package
    /// built (`stripe.checkout.sessions.create(…)`), whose methods are the package's.
    pub fn dispatches_by_name(&self, func: FnRef, callee: &Expr) -> bool {
        let Expr::Member { object, property } = callee.peel() else {
            return false;
        };
        // A field whose type the class declares runs that type's method, found or not.
        if field_of_this(object).is_some_and(|field| {
            self.methods_of_field(func.module, field, property)
                .is_some()
        }) {
            return false;
        }
        let root = object.path().unwrap_or_default();
        let root = root.split('.').next().unwrap_or("");
        !self.names_package_import(&self.modules[func.module].path, root)
            && !self.names_package_object(func.module, self.function(func), root)
    }

    /// Whether `name` in `module` holds an object a third-party package built (`export const
    /// stripe = new Stripe(key)`, `createClient(url)` of an imported package): bound at the top
    /// of `module`, of the repository file it is imported from, or in `function`'s own body. Its
    /// methods are the package's, never an in-repo function of the same name.
    pub fn names_package_object(
        &self,
        module: usize,
        function: &crate::ir::Function,
        name: &str,
    ) -> bool {
        fn bound<'s>(stmts: &'s [Stmt], name: &str) -> Option<&'s Expr> {
            stmts.iter().find_map(|stmt| match stmt {
                Stmt::Let {
                    bindings,
                    value: Some(value),
                    ..
                } if bindings.len() == 1 && bindings[0].name == name => Some(value),
                _ => None,
            })
        }
        let built_by_package = |defining: usize, value: &Expr| {
            let Expr::Call(call) = value.peel() else {
                return false;
            };
            let Some(callee) = call.callee.path() else {
                return false;
            };
            let root = callee.split('.').next().unwrap_or(&callee);
            self.names_package_import(&self.modules[defining].path, root)
        };
        if let Some(value) = bound(&function.body, name) {
            return built_by_package(module, value);
        }
        self.lookup_named(module, name, |m, n| bound(&m.top_level, n))
            .is_some_and(|(defining, value)| built_by_package(defining, value))
    }

    /// The package (not a file of the repository) that `name` in the module at `path` is
    /// imported from (`@workos-inc/authkit-nextjs`, `django.contrib.auth.decorators`): an
    /// import that is not written as a path of the repository and resolves to no file of it.
    pub fn package_import_source(&self, path: &str, name: &str) -> Option<&str> {
        let m = self.module_index(path)?;
        let resolved = |i: usize| {
            self.imports
                .get(m)
                .and_then(|v| v.get(i))
                .copied()
                .flatten()
                .is_some()
        };
        // Python writes every absolute import as `@/a/b`; elsewhere `@/` is the app's own root.
        let python = self.modules[m].path.ends_with(".py");
        // Python's `from a.b import c` is two imports (module `a.b`, or module `a.b.c`): the
        // name is the repository's if either resolves.
        let imports: Vec<(usize, &crate::ir::Import)> = self.modules[m]
            .imports
            .iter()
            .enumerate()
            .filter(|(_, imp)| imp.local == name)
            .collect();
        if imports.iter().any(|(i, _)| resolved(*i)) || self.unanalysed_import(path, name).is_some()
        {
            return None;
        }
        imports
            .into_iter()
            .find(|(_, imp)| {
                !["./", "../", "~/", "/", "@go/"]
                    .iter()
                    .any(|p| imp.source.starts_with(p))
                    && (python || !imp.source.starts_with("@/"))
                    && imp.source != "."
                    && imp.source != ".."
            })
            .map(|(_, imp)| imp.source.as_str())
    }

    /// The repository file behind `name` in the module at `path` when that file was not
    /// analysed: a call through it runs code nobody read.
    pub fn unanalysed_import(&self, path: &str, name: &str) -> Option<&str> {
        let m = self.module_index(path)?;
        self.unanalysed_imports
            .get(m)?
            .get(name)
            .map(String::as_str)
    }

    pub fn module_index(&self, path: &str) -> Option<usize> {
        self.by_path.get(path).copied()
    }

    pub fn function(&self, f: FnRef) -> &crate::ir::Function {
        &self.modules[f.module].functions[f.function]
    }

    /// The functions an entry's handler names: as a callee resolves, or, for a method of an
    /// object whose class the code does not say (`authHandler.Callback` of a handler struct built
    /// elsewhere), every parsed function of that name in the same language, when few have it.
    pub fn entry_handlers(&self, module: usize, handler: &Expr) -> Vec<FnRef> {
        let resolved = self.resolve_callee_all(module, handler);
        if !resolved.is_empty() {
            return resolved;
        }
        let Expr::Member { property, .. } = handler.peel() else {
            return Vec::new();
        };
        let named: Vec<FnRef> = self
            .application_modules_like(module)
            .flat_map(|(m, _)| self.methods_named(m, property))
            .collect();
        if named.len() > MAX_IMPLEMENTATIONS {
            return Vec::new();
        }
        // A handler takes what the framework passes (the request, the response, a context):
        // prefer the functions whose parameters say so over same-named helpers.
        let handler_shaped: Vec<FnRef> = named
            .iter()
            .copied()
            .filter(|f| {
                self.function(*f).params.iter().any(|p| {
                    matches!(
                        p.role,
                        crate::ir::ParamRole::Request
                            | crate::ir::ParamRole::Response
                            | crate::ir::ParamRole::Context
                    )
                })
            })
            .collect();
        // None that looks like a handler: the handler is not among the parsed functions, and a
        // same-named helper is not it.
        handler_shaped
    }

    /// The function a callee expression names, if it is defined in a parsed module: a local
    /// function, an imported one, `namespace.fn` for `import * as namespace`, `this.method`.
    /// When several definitions could be meant (a method of an imported object whose class
    /// has several implementations), the first; see [`Program::resolve_callee_all`].
    pub fn resolve_callee(&self, module: usize, callee: &Expr) -> Option<FnRef> {
        self.resolve_callee_all(module, callee).into_iter().next()
    }

    /// Every function a callee expression may name. More than one only for a method of an
    /// imported object defined in several classes the object's module imports (dynamic
    /// dispatch: `auth.updateMembership()` with a local and a WorkOS provider).
    pub fn resolve_callee_all(&self, module: usize, callee: &Expr) -> Vec<FnRef> {
        match callee.peel() {
            Expr::Function(id) => vec![FnRef {
                module,
                function: *id,
            }],
            Expr::Name(name) => self.resolve_name(module, name).into_iter().collect(),
            Expr::Member { object, property } => match object.peel() {
                Expr::Name(ns) if ns == "this" => {
                    self.local_function(module, property).into_iter().collect()
                }
                Expr::Name(ns) => {
                    // `SessionUser::from_request_parts` for a type defined in this file.
                    if let Some(f) = self.local_function(module, &format!("{ns}::{property}")) {
                        return vec![f];
                    }
                    let m = &self.modules[module];
                    // Every import of this name that resolves to a parsed module (Python's
                    // `from app.core import workos_client` may name a package or a module).
                    let targets: Vec<usize> = m
                        .imports
                        .iter()
                        .enumerate()
                        .filter(|(_, imp)| &imp.local == ns)
                        .filter_map(|(i, _)| {
                            self.imports
                                .get(module)
                                .and_then(|v| v.get(i))
                                .copied()
                                .flatten()
                        })
                        .collect();
                    if targets.is_empty() {
                        // `MemberAccess.require_member_manager!` in an autoloaded module.
                        if m.scope == ModuleScope::Global {
                            return self
                                .receiver_scope(module, ns)
                                .into_iter()
                                .find_map(|v| self.local_function(v, property))
                                .into_iter()
                                .collect();
                        }
                        return Vec::new();
                    }
                    for target in targets {
                        let found = self.member_of_module(target, ns, property);
                        if !found.is_empty() {
                            return found;
                        }
                    }
                    Vec::new()
                }
                Expr::Call(inner) => {
                    // A method of a fresh instance (`WorkosAuthService.new.exchange_code(…)`,
                    // Python's `Service().exchange(…)`): the method of that class.
                    let class = match inner.callee.peel() {
                        Expr::Member {
                            object,
                            property: new,
                        } if new == "new" => Some(object.as_ref()),
                        name @ Expr::Name(_) => Some(name),
                        _ => None,
                    }
                    .filter(|class| {
                        matches!(class.peel(), Expr::Name(n) if n.starts_with(|c: char| c.is_ascii_uppercase()))
                    });
                    if let Some(class) = class {
                        let method = Expr::Member {
                            object: Box::new(class.clone()),
                            property: property.clone(),
                        };
                        let found = self.resolve_callee_all(module, &method);
                        if !found.is_empty() {
                            return found;
                        }
                    }
                    self.method_of_result(module, &inner.callee, property)
                }
                field @ Expr::Member { .. } => field_of_this(field)
                    .and_then(|field| self.methods_of_field(module, field, property))
                    .unwrap_or_default(),
                _ => Vec::new(),
            },
            _ => Vec::new(),
        }
    }

    /// Whether `callee` names a function of the application's own through the module or type it
    /// is defined in (`user_management.update_user` with `from app.business import
    /// user_management`, `import * as userManagement from "./lib/userManagement"`): such a call
    /// is never the provider's, whatever its name. A call on an object (`workos.userManagement.…`,
    /// `this.…`) is not decided here.
    /// `resolved`: what the callee resolves to (`resolve_callee_all`).
    pub fn names_own_function(callee: &Expr, resolved: &[FnRef]) -> bool {
        !resolved.is_empty()
            && matches!(callee.peel(), Expr::Member { object, .. }
                if matches!(object.peel(), Expr::Name(ns) if ns != "this"))
    }

    /// The modules in `module`'s language family, mocks and fakes aside: where a method whose
    /// class the call does not pin down may be defined.
    fn application_modules_like(&self, module: usize) -> impl Iterator<Item = (usize, &Module)> {
        let family = self.languages[module].family();
        self.modules.iter().enumerate().filter(move |(m, module)| {
            self.languages[*m].family() == family && !is_test_double(&module.path)
        })
    }

    /// The methods `method` called on `this.field` may run, when the class declares the field's
    /// type (`constructor(private readonly query: ListPermissionsQuery)`): that class's own or
    /// inherited method, or its subclasses' and implementations' (an interface, an abstract
    /// method). Empty for a class that has no such method. `None` when the type is unknown or a
    /// package's, and dispatch by name decides: a package's class may run the application's
    /// code (`this.commandBus.execute(new InviteCommand(…))` runs the command's handler).
    pub fn methods_of_field(&self, module: usize, field: &str, method: &str) -> Option<Vec<FnRef>> {
        let mut types = self.modules[module]
            .classes
            .iter()
            .flat_map(|c| c.fields.iter())
            .filter(|(name, _)| name == field)
            .map(|(_, ty)| ty.as_str());
        let ty = types.next()?;
        if types.any(|other| other != ty) {
            return None;
        }
        if self.names_package_import(&self.modules[module].path, ty) {
            return None;
        }
        let mut found = Vec::new();
        let mut known = false;
        // The class and its ancestors, nearest first: the first that defines the method runs.
        let mut todo = vec![(module, ty.to_string())];
        let mut seen: std::collections::HashSet<(usize, String)> = Default::default();
        while let Some((from, name)) = todo.pop() {
            if seen.len() > MAX_REEXPORTS * 4 || !seen.insert((from, name.clone())) {
                continue;
            }
            let Some((defining, class)) =
                self.lookup_named(from, &name, |m, n| m.classes.iter().find(|c| c.name == n))
            else {
                if name != ty && !self.names_package_import(&self.modules[from].path, &name) {
                    // A superclass nobody parsed may define the method.
                    return None;
                }
                // An interface runs its implementations (below); a package's superclass, its
                // own methods.
                continue;
            };
            known = true;
            let own: Vec<FnRef> = class
                .methods
                .iter()
                .filter(|&&id| last_segment(&self.modules[defining].functions[id].name) == method)
                .map(|&function| FnRef {
                    module: defining,
                    function,
                })
                .collect();
            if own.is_empty() {
                todo.extend(class.parent.iter().map(|p| (defining, p.clone())));
            }
            found.extend(own);
        }
        // Subclasses and implementations, wherever they are: an interface or an abstract
        // method runs whichever the container injects.
        let descendants: Vec<FnRef> = self
            .application_modules_like(module)
            .flat_map(|(m, module)| {
                module
                    .classes
                    .iter()
                    .filter(|c| c.heritage.iter().any(|h| h == ty))
                    .flat_map(move |c| {
                        c.methods.iter().map(move |&function| FnRef {
                            module: m,
                            function,
                        })
                    })
            })
            .filter(|f| last_segment(&self.function(*f).name) == method)
            .collect();
        known |= !descendants.is_empty();
        found.extend(descendants);
        found.sort();
        found.dedup();
        known.then_some(found)
    }

    /// `property` called on what a repository function returns (`repo.New(db).RevokeInvitation`,
    /// `getStore().revoke()`): a method of that name defined beside the function (its file, or
    /// its Go package), where the type it builds lives. Without one the call stays unresolved,
    /// and dispatch by name decides; with one, a same-named wrapper elsewhere is not it.
    fn method_of_result(&self, module: usize, producer: &Expr, property: &str) -> Vec<FnRef> {
        let mut found: Vec<FnRef> = self
            .resolve_callee_all(module, producer)
            .into_iter()
            .flat_map(|f| {
                let package = match self.modules[f.module].scope {
                    ModuleScope::Folder => self.visible_modules(f.module),
                    _ => Vec::new(),
                };
                std::iter::once(f.module).chain(package)
            })
            .flat_map(|m| self.methods_named(m, property))
            .collect();
        found.sort();
        found.dedup();
        found
    }

    /// The callable methods of module `m` named `property` (whatever their class).
    fn methods_named<'s>(
        &'s self,
        m: usize,
        property: &'s str,
    ) -> impl Iterator<Item = FnRef> + 's {
        self.modules[m]
            .functions
            .iter()
            .enumerate()
            .filter(move |(_, f)| f.method && f.callable && last_segment(&f.name) == property)
            .map(move |(function, _)| FnRef {
                module: m,
                function,
            })
    }

    /// `property` of the module `target` that the name `ns` imports: a function of it, a
    /// `Type::method`, a function of its Go package, or a method of a class it imports.
    fn member_of_module(&self, target: usize, ns: &str, property: &str) -> Vec<FnRef> {
        self.member_of_module_within(target, ns, property, 0)
    }

    fn member_of_module_within(
        &self,
        target: usize,
        ns: &str,
        property: &str,
        depth: usize,
    ) -> Vec<FnRef> {
        if let Some(f) = self
            .exported_function(target, property)
            .or_else(|| self.local_function(target, &format!("{ns}::{property}")))
        {
            return vec![f];
        }
        if self.modules[target].scope == ModuleScope::Folder {
            // `auth.RequireAdmin` with `import ".../internal/auth"`: any file of it.
            if let Some(f) = self
                .visible_modules(target)
                .into_iter()
                .find_map(|m| self.exported_function(m, property))
            {
                return vec![f];
            }
        }
        let mut out: Vec<FnRef> = self
            .imports
            .get(target)
            .map(|v| {
                v.iter()
                    .flatten()
                    .filter_map(|t| self.local_function(*t, property))
                    .collect()
            })
            .unwrap_or_default();
        // `auth` re-exported by a barrel (`export { auth } from './server'`): its methods are
        // where `auth` comes from.
        if out.is_empty() && depth < MAX_REEXPORTS {
            out = self
                .reexport_targets(target, ns)
                .filter(|(_, imported)| *imported != "*" && *imported != "default")
                .flat_map(|(t, imported)| {
                    self.member_of_module_within(t, imported, property, depth + 1)
                })
                .collect();
        }
        out.sort();
        out.dedup();
        out
    }

    /// The guard chain a name refers to (`protectedProcedure`), locally or through an import.
    pub fn resolve_guard_chain(&self, module: usize, e: &Expr) -> Option<(usize, &GuardChain)> {
        let Expr::Name(name) = e.peel() else {
            return None;
        };
        let m = &self.modules[module];
        if let Some(c) = m.guard_chains.iter().find(|c| &c.name == name) {
            return Some((module, c));
        }
        // A parent class defined elsewhere (Rails' `ApplicationController`).
        for v in self.visible_modules(module) {
            if let Some(c) = self.modules[v]
                .guard_chains
                .iter()
                .find(|c| &c.name == name)
            {
                return Some((v, c));
            }
        }
        let (i, imp) = m
            .imports
            .iter()
            .enumerate()
            .find(|(_, imp)| &imp.local == name)?;
        let target = (*self.imports.get(module)?.get(i)?)?;
        self.modules[target]
            .guard_chains
            .iter()
            .find(|c| c.name == imp.imported)
            .map(|c| (target, c))
    }

    /// What `find` finds for `name` in `module` itself, else in the module it imports `name`
    /// from (under its exported name), with that module's index.
    pub fn lookup_named<'p, T>(
        &'p self,
        module: usize,
        name: &str,
        find: impl Fn(&'p Module, &str) -> Option<T>,
    ) -> Option<(usize, T)> {
        if let Some(found) = find(&self.modules[module], name) {
            return Some((module, found));
        }
        let target = self.import_target(module, name)?;
        let imported = self.modules[module]
            .imports
            .iter()
            .find(|i| i.local == name)
            .map(|i| i.imported.as_str())
            .filter(|i| *i != "*" && *i != "default")
            .unwrap_or(name);
        find(&self.modules[target], imported).map(|found| (target, found))
    }

    /// The parsed module the name `name` of `module` is imported from (`teamRouter` of
    /// `import teamRouter from "./routes/team"`); a re-export is not followed.
    pub fn import_target(&self, module: usize, name: &str) -> Option<usize> {
        self.modules[module]
            .imports
            .iter()
            .enumerate()
            .filter(|(_, imp)| imp.local == name)
            .find_map(|(i, _)| self.imports.get(module)?.get(i).copied().flatten())
    }

    fn resolve_name(&self, module: usize, name: &str) -> Option<FnRef> {
        if let Some(f) = self.local_function(module, name) {
            return Some(f);
        }
        let scope = match self.modules[module].scope {
            ModuleScope::Global => self.implicit_scope(module),
            _ => self.visible_modules(module),
        };
        if let Some(f) = scope.into_iter().find_map(|m| self.local_function(m, name)) {
            return Some(f);
        }
        let m = &self.modules[module];
        let (i, imp) = m
            .imports
            .iter()
            .enumerate()
            .find(|(_, imp)| imp.local == name)?;
        let target = (*self.imports.get(module)?.get(i)?)?;
        if imp.imported == "default" {
            let t = &self.modules[target];
            return t.default_export.map(|function| FnRef {
                module: target,
                function,
            });
        }
        self.exported_function(target, &imp.imported)
    }

    fn local_function(&self, module: usize, name: &str) -> Option<FnRef> {
        let m = &self.modules[module];
        m.functions
            .iter()
            .position(|f| f.callable && f.name == name)
            .map(|function| FnRef { module, function })
    }

    fn exported_function(&self, module: usize, name: &str) -> Option<FnRef> {
        self.exported_function_within(module, name, 0)
    }

    /// A function `module` exports under `name`: its own, or one it re-exports from another
    /// module (`export { x } from`, `export * from`, Python's `from .x import y` in an
    /// `__init__.py`), a few re-exports deep.
    fn exported_function_within(&self, module: usize, name: &str, depth: usize) -> Option<FnRef> {
        let m = &self.modules[module];
        let own = m
            .functions
            .iter()
            .position(|f| f.callable && f.exported && f.name == name)
            .or_else(|| {
                m.functions
                    .iter()
                    .position(|f| f.callable && f.name == name)
            })
            .map(|function| FnRef { module, function });
        if own.is_some() || depth >= MAX_REEXPORTS {
            return own;
        }
        self.reexport_targets(module, name)
            .find_map(|(target, imported)| match imported {
                "default" => self.modules[target].default_export.map(|function| FnRef {
                    module: target,
                    function,
                }),
                "*" => None,
                imported => self.exported_function_within(target, imported, depth + 1),
            })
    }

    /// The parsed modules from which `module` takes `name`, with the name it has there.
    fn reexport_targets<'s>(
        &'s self,
        module: usize,
        name: &'s str,
    ) -> impl Iterator<Item = (usize, &'s str)> + 's {
        let resolved = self.imports.get(module);
        self.modules[module]
            .imports
            .iter()
            .enumerate()
            .filter(move |(_, imp)| imp.local == name || imp.local == "*")
            .filter_map(move |(i, imp)| {
                let target = resolved?.get(i).copied().flatten()?;
                let imported = if imp.local == "*" {
                    name
                } else {
                    imp.imported.as_str()
                };
                (target != module).then_some((target, imported))
            })
    }
}

/// The field `this.field` reads, if `e` is one.
fn field_of_this(e: &Expr) -> Option<&str> {
    match e.peel() {
        Expr::Member { object, property } if matches!(object.peel(), Expr::Name(n) if n == "this") => {
            Some(property)
        }
        _ => None,
    }
}
