//! The loader's rounds: from the anchor files to their imports, to the files that import them,
//! to the app-wide guard files no import leads to; each file read once and parsed at most once.

use super::*;

/// Parses the anchor files among `scanned` (one per file of `files`) and what they connect to.
/// Only anchor files that really call a workflow action (`action_calls`), or could not be fully
/// parsed, pull in their imports and importers; `modules_on_paths` tells which importers are on
/// a path to an action, whose imports are followed too.
pub fn parse_files(
    files: &[SourceFile],
    scanned: Vec<ScannedFile>,
    action_calls: &crate::spec::ActionCalls,
    rest_api: &super::RestApi,
    aliases: ImportAliases,
    modules_on_paths: &dyn Fn(&Program) -> Vec<usize>,
) -> ParseOutcome {
    let t = std::time::Instant::now();
    let first = scanned.into_iter().enumerate();
    let mut loader = Loader::new(files);
    loader.rest_api = rest_api.clone();
    loader.program.aliases = aliases;
    let mut selected: Vec<ParsedFile> = Vec::new();
    for (i, r) in first {
        match r {
            ScannedFile::Skipped(u) => {
                loader.unreadable[i] = true;
                loader.unscanned.push(u);
            }
            ScannedFile::Anchor(text, module) => selected.push((i, text, module)),
            ScannedFile::Other(text) => loader.cache[i] = text,
        }
    }
    let anchor_files = selected.len();
    for (i, text, module) in selected {
        loader.push(i, text, module);
    }
    crate::trace("index files", t, format_args!(""));
    let anchor_modules = loader.program.modules.len();
    // A file that only mentions an anchor (a comment, an unrelated method of the same name)
    // connects nothing to a workflow.
    let seeds: Vec<usize> = (0..anchor_modules)
        .filter(|&m| {
            let module = &loader.program.modules[m];
            // A webhook handler that only dispatches on event names is a workflow's code too.
            if action_calls.names_provider(&loader.program.sources[m])
                && module
                    .functions
                    .iter()
                    .any(|f| action_calls.tests_literal(module, f))
            {
                return true;
            }
            if loader.program.languages[m] == Language::Go {
                // See `ActionCalls::matches_qualified`.
                return calls_sdk_qualified(module, action_calls);
            }
            !module.syntax_errors.is_empty() || calls_any(module, action_calls)
        })
        .collect();
    let t = std::time::Instant::now();
    loader.follow_imports(seeds.clone(), action_calls);
    let before_importers = loader.program.modules.len();
    crate::trace(
        "imports of seeds",
        t,
        format_args!("{} modules", before_importers),
    );
    let t = std::time::Instant::now();
    loader.follow_importers(&seeds, action_calls);
    // The importer search is over: the texts it kept would only add to the peak memory, except
    // Ruby's, which the next rounds scan again for the definitions their code refers to.
    for (text, file) in loader.cache.iter_mut().zip(files) {
        if file.language != Language::Ruby {
            *text = None;
        }
    }
    crate::trace(
        "importers",
        t,
        format_args!("{} modules", loader.program.modules.len()),
    );
    let t = std::time::Instant::now();
    // The routes found as importers bring their own guards and middleware; only the importers
    // on a path to an action are followed (a router that imports a shared module but never
    // reaches the action needs none of its imports). So do files that only mention an anchor
    // (a handler calling the SDK through its own wrapper, `h.users.UpdateOrganizationMembership`):
    // parsed first, they were no seed whose imports were followed.
    loader.program.resolve_imports();
    // An importer that registers routes is on their way too, through the guards it puts in
    // front of them (`r.With(auth.RequireAuth).Post(…)`): of its imports only those guards are
    // followed (see `names_used_from`). So is a file that registers routes and only mentions an
    // anchor (a webhook router's `app.post("/organizations", …)`): parsed first, it was no
    // importer found by the search.
    let mentions_only = (0..anchor_modules).filter(|m| !seeds.contains(m));
    let registering = (before_importers..loader.program.modules.len())
        .chain(mentions_only)
        .filter(|&m| {
            let module = &loader.program.modules[m];
            !module.entries.is_empty() || !module.guard_chains.is_empty()
        });
    let on_paths: Vec<usize> = modules_on_paths(&loader.program)
        .into_iter()
        .filter(|&m| m >= before_importers || (m < anchor_modules && !seeds.contains(&m)))
        .chain(registering)
        .collect::<BTreeSet<usize>>()
        .into_iter()
        // A generated file (a goa CLI or client, `// Code generated … DO NOT EDIT.`) is never an
        // entry nor a root (see `Module::generated`): what it imports guards no workflow.
        .filter(|&m| !loader.program.modules[m].generated)
        .collect();
    loader.follow_imports(on_paths, action_calls);
    let app_wide = loader.app_wide_guards();
    if !app_wide.is_empty() {
        // What these files install are guards, which are on no action's way: their own
        // imports (the guard functions) are read whole, one level.
        // Their other imports (a server entry imports every route module) are not followed:
        // what matters of them is what they install.
        let guards = loader.direct_imports(&app_wide);
        loader.program.resolve_imports();
        loader.follow_imports(guards, action_calls);
    }
    crate::trace(
        "imports of importers",
        t,
        format_args!("{} modules", loader.program.modules.len()),
    );

    loader.program.resolve_imports();
    loader.program.unanalysed_imports = loader.unanalysed_imports();
    let Loader {
        program,
        mut unscanned,
        ..
    } = loader;
    let partial_anchor_files = program.modules[..anchor_modules]
        .iter()
        .filter(|m| !m.syntax_errors.is_empty())
        .map(|m| m.path.clone())
        .collect();
    unscanned.sort_by(|a, b| a.file.cmp(&b.file));
    ParseOutcome {
        program,
        unscanned,
        anchor_files,
        partial_anchor_files,
    }
}

/// The growing program and what is known about each repository file while it is loaded.
pub(super) struct Loader<'a> {
    files: &'a [SourceFile],
    index: HashMap<&'a str, usize>,
    /// Files by folder, for languages whose names are visible across a folder (Go packages)
    /// or the whole program (Ruby).
    by_dir: HashMap<&'a str, Vec<usize>>,
    packages: PackageDirs<'a>,
    program: Program,
    unscanned: Vec<Unscanned>,
    parsed: Vec<bool>,
    unreadable: Vec<bool>,
    /// Texts read once and not parsed yet (see `TEXT_CACHE_BYTES`).
    cache: Vec<Option<String>>,
    /// Ruby methods on the way to an action, by name (see `ruby_callee_names`).
    ruby_chain: BTreeSet<String>,
    /// Files parsed ahead of the round that wants them (see `parse_round`).
    ahead: HashMap<usize, Ahead>,
    /// Hand-written calls of the provider's REST API, read as SDK calls in every module.
    rest_api: super::RestApi,
}

/// A file parsed (or found unreadable) before the import round that asks for it.
#[allow(clippy::large_enum_variant)]
pub(super) enum Ahead {
    Parsed(String, Result<Module, lang::ParseError>),
    Skipped(Unscanned),
}

impl<'a> Loader<'a> {
    fn new(files: &'a [SourceFile]) -> Self {
        let index = files
            .iter()
            .enumerate()
            .map(|(i, f)| (f.rel.as_str(), i))
            .collect();
        let mut by_dir: HashMap<&str, Vec<usize>> = HashMap::new();
        for (i, f) in files.iter().enumerate() {
            by_dir.entry(parent_dir(&f.rel)).or_default().push(i);
        }
        let packages = PackageDirs::new(by_dir.keys().copied());
        Loader {
            files,
            index,
            by_dir,
            packages,
            program: Program::default(),
            unscanned: Vec::new(),
            parsed: vec![false; files.len()],
            unreadable: vec![false; files.len()],
            cache: vec![None; files.len()],
            ruby_chain: BTreeSet::new(),
            ahead: HashMap::new(),
            rest_api: Default::default(),
        }
    }

    fn push(&mut self, i: usize, text: String, result: Result<Module, lang::ParseError>) {
        let files = self.files;
        crate::trace_file(&files[i].rel, text.len());
        self.parsed[i] = true;
        match result {
            Ok(mut module) => {
                self.rest_api.read(&mut module);
                if let Some(first) = module.syntax_errors.first() {
                    self.unscanned.push(Unscanned::new(
                        &files[i].rel,
                        format!(
                            "could not parse line {} column {} ({} place{} in all); the rest of the file was analysed",
                            first.line,
                            first.col,
                            module.syntax_errors.len(),
                            if module.syntax_errors.len() == 1 { "" } else { "s" }
                        ),
                    ));
                }
                self.program.push(module, text, files[i].language);
            }
            Err(e) => self
                .unscanned
                .push(Unscanned::new(&files[i].rel, e.to_string())),
        }
    }

    /// Follows imports of the `seeds` modules (helpers, guards), and the rest of their package.
    /// Files that install guards for many routes from one place, which no import leads to
    /// from a route: NestJS `APP_GUARD` providers (usually in `app.module.ts`) when a parsed
    /// module is of that framework, a Next.js middleware or SvelteKit hooks file beside the
    /// route folder of a parsed entry, and the Rust files that mount handlers with actix-web's
    /// `.service(…)` when a parsed Rust module has routes. Returns the modules parsed, whose imports are for
    /// the caller to follow.
    fn app_wide_guards(&mut self) -> Vec<usize> {
        let files = self.files;
        let unparsed = |language: Language| -> Vec<usize> {
            (0..files.len())
                .filter(|&i| !self.parsed[i] && !self.unreadable[i])
                .filter(|&i| files[i].language.family() == language)
                .collect()
        };
        let candidates = unparsed(Language::TypeScript);
        let python_candidates = unparsed(Language::Python);
        let rust_routes = self
            .program
            .modules
            .iter()
            .any(|m| m.path.ends_with(".rs") && !m.entries.is_empty());
        let rust_candidates = if rust_routes {
            unparsed(Language::Rust)
        } else {
            Vec::new()
        };
        let nest = self
            .program
            .modules
            .iter()
            .any(|m| m.imports.iter().any(|i| i.source.starts_with("@nestjs/")));
        let mut hits: BTreeSet<usize> = BTreeSet::new();
        if nest {
            // `APP_GUARD` providers, and `app.setGlobalPrefix(…)` in the bootstrap file.
            hits.extend(self.files_containing(&candidates, &|t: &str| {
                t.contains("APP_GUARD") || t.contains("setGlobalPrefix")
            }));
        }
        // Express: the file that mounts a router module (`app.use("/api", requireAuth,
        // teamRouter)`) with its path and middleware imports it by a path ending in the
        // module's folder and name.
        let router_modules: Vec<String> = self
            .program
            .modules
            .iter()
            .filter(|m| !m.route_receivers.is_empty())
            .filter(|m| {
                Language::for_path(&m.path).is_some_and(|l| l.family() == Language::TypeScript)
            })
            .map(|m| {
                let stem = m.path.rsplit_once('.').map(|(s, _)| s).unwrap_or(&m.path);
                let parts: Vec<&str> = stem.rsplitn(3, '/').collect();
                match parts.as_slice() {
                    [name, dir, ..] => format!("{dir}/{name}"),
                    _ => stem.to_string(),
                }
            })
            .collect();
        if !router_modules.is_empty() {
            hits.extend(self.files_containing(&candidates, &|t: &str| {
                t.contains(".use(") && router_modules.iter().any(|m| t.contains(m.as_str()))
            }));
        }
        // actix-web: the scope that mounts a handler (`.service(team::invite)`) with its path
        // and middleware is usually in `main.rs`, which the handler's file does not import.
        hits.extend(self.files_containing(&rust_candidates, &|t: &str| t.contains(".service(")));
        // FastAPI / Flask: the file that includes a router module (`app.include_router(team.router,
        // dependencies=[…])`, `app.register_blueprint(bp)`) imports it as `dir.name` or `from dir
        // import name`.
        let python_routers: Vec<(String, String)> = self
            .program
            .modules
            .iter()
            .filter(|m| m.path.ends_with(".py") && !m.route_receivers.is_empty())
            .filter_map(|m| {
                let stem = m.path.strip_suffix(".py")?;
                let mut parts = stem.rsplitn(3, '/');
                let name = parts.next()?.to_string();
                let dir = parts.next().unwrap_or("").to_string();
                Some((dir, name))
            })
            .collect();
        if !python_routers.is_empty() {
            hits.extend(self.files_containing(&python_candidates, &|t: &str| {
                (t.contains("include_router(") || t.contains("register_blueprint("))
                    && python_routers.iter().any(|(dir, name)| {
                        t.contains(&format!("{dir}.{name}"))
                            || (t.contains(&format!("{dir} import")) && t.contains(name.as_str()))
                    })
            }));
        }
        // (path, whether it holds a server action, which may sit anywhere in its project)
        let routed: Vec<(&str, bool)> = self
            .program
            .modules
            .iter()
            .filter(|m| !m.entries.is_empty())
            .map(|m| {
                let action = m
                    .entries
                    .iter()
                    .any(|e| e.kind == crate::ir::EntryKind::ServerAction);
                (m.path.as_str(), action)
            })
            .collect();
        hits.extend(candidates.iter().copied().filter(|&i| {
            app_guards::guard_file_project(&files[i].rel).is_some_and(|(project, folders)| {
                routed.iter().any(|&(p, action)| {
                    let folders: &[&str] = if action { &[] } else { folders };
                    app_guards::in_project(project, folders, p)
                })
            })
        }));
        let before = self.program.modules.len();
        let texts = self.read_many(&hits);
        for (i, text, result) in parse_many(files, texts) {
            self.push(i, text, result);
        }
        (before..self.program.modules.len()).collect()
    }

    /// Parses the repository files `modules` import for the guards they install (the names
    /// their app-wide guards and mounts use, and what the module's own functions among them
    /// call), and returns their modules.
    fn direct_imports(&mut self, modules: &[usize]) -> Vec<usize> {
        let files = self.files;
        let mut wanted: BTreeSet<usize> = BTreeSet::new();
        for &m in modules {
            let module = &self.program.modules[m];
            let names = guard_names(module);
            for imp in &module.imports {
                if imp.source.starts_with("@go/") || !names.contains(&imp.local) {
                    continue;
                }
                if let Some(target) =
                    resolve_specifier(&module.path, &imp.source, &self.program.aliases, |p| {
                        self.index.contains_key(p)
                    })
                {
                    let i = self.index[target.as_str()];
                    if !self.parsed[i] && !self.unreadable[i] {
                        wanted.insert(i);
                    }
                }
            }
        }
        let before = self.program.modules.len();
        let texts = self.read_many(&wanted);
        for (i, text, result) in parse_many(files, texts) {
            self.push(i, text, result);
        }
        (before..self.program.modules.len()).collect()
    }

    fn follow_imports(&mut self, seeds: Vec<usize>, action_calls: &crate::spec::ActionCalls) {
        let files = self.files;
        let mut round = seeds;
        // The method names the previous round's Ruby code refers to; `None` in the first round,
        // whose code on the way to an action is what calls one (or a method of `ruby_chain`).
        let mut referred: Option<BTreeSet<String>> = None;
        // The same for imports of file-scoped modules, over every round so far: a module's
        // functions with one of these names are on the way, and so are its re-exports of them.
        let mut asked: BTreeSet<String> = BTreeSet::new();
        let reaching = ReachingNames::of(&self.program, action_calls);
        for iteration in 0..IMPORT_ROUNDS {
            let first_round = iteration == 0;
            let mut referred_next: BTreeSet<String> = BTreeSet::new();
            let mut asked_next: BTreeSet<String> = BTreeSet::new();
            let mut wanted = BTreeSet::new();
            // Files a Global-scope module (Ruby) may use without naming them.
            let mut autoloaded: BTreeSet<usize> = BTreeSet::new();
            // Files of Go packages the round's code uses, and the names it uses: a package is
            // a folder of files, and only those defining one of the names are on the way (a
            // service's 170-file package is not read for the two functions a handler calls).
            let mut package_files: BTreeSet<usize> = BTreeSet::new();
            let mut package_names: BTreeSet<String> = BTreeSet::new();
            for &m in &round {
                let module = &self.program.modules[m];
                let mut want = |i: usize| {
                    if !self.parsed[i] && !self.unreadable[i] {
                        wanted.insert(i);
                    }
                };
                let used = self.names_on_the_way(m, first_round, &reaching, &asked);
                // `phLogger.error(…)` asks for the method `error` of what `phLogger` names.
                asked_next.extend(used.iter().flatten().cloned());
                for imp in &module.imports {
                    if !imported_on_the_way(imp, &used, &asked) {
                        continue;
                    }
                    if used.is_some() {
                        asked_next.insert(imp.imported.clone());
                    }
                    if let Some(pkg) = imp.source.strip_prefix("@go/") {
                        if let Some(dir) = self.packages.find(pkg) {
                            let go_files = self.by_dir[dir]
                                .iter()
                                .copied()
                                .filter(|i| files[*i].language == Language::Go);
                            match &used {
                                Some(names) => {
                                    package_files.extend(go_files);
                                    package_names.extend(names.iter().cloned());
                                }
                                None => go_files.for_each(&mut want),
                            }
                        }
                    } else if let Some(target) =
                        resolve_specifier(&module.path, &imp.source, &self.program.aliases, |p| {
                            self.index.contains_key(p)
                        })
                    {
                        want(self.index[target.as_str()]);
                    }
                }
                match module.scope {
                    ModuleScope::File => {}
                    ModuleScope::Folder | ModuleScope::Global => {
                        let language = self.program.languages[m];
                        let dir = parent_dir(&module.path);
                        let mut dirs = vec![dir];
                        if module.scope == ModuleScope::Global {
                            // Rails autoloads: the controller's base class, concerns, and the
                            // services and policies beside the controllers folder.
                            let up = parent_dir(dir);
                            dirs.push(up);
                            dirs.extend(self.by_dir.keys().copied().filter(|d| {
                                parent_dir(d) == up
                                    || d.ends_with("/concerns")
                                    || parent_dir(d).ends_with("/concerns")
                            }));
                        }
                        let global = module.scope == ModuleScope::Global;
                        if global {
                            let roots: Vec<FunctionId> = match &referred {
                                None => (0..module.functions.len())
                                    .filter(|&f| {
                                        calls_action_or(
                                            &module.functions[f],
                                            action_calls,
                                            &self.ruby_chain,
                                        )
                                    })
                                    .collect(),
                                Some(names) => (0..module.functions.len())
                                    .filter(|&f| {
                                        names.contains(last_segment(&module.functions[f].name))
                                    })
                                    .collect(),
                            };
                            let names = names_used_from(module, &roots, Uses::RubyReferences);
                            referred_next.extend(names);
                        }
                        for d in dirs {
                            if let Some(list) = self.by_dir.get(d) {
                                for &i in list {
                                    if files[i].language != language {
                                        continue;
                                    }
                                    if global {
                                        autoloaded.insert(i);
                                    } else if language == Language::Go && used.is_some() {
                                        package_files.insert(i);
                                    } else {
                                        want(i);
                                    }
                                }
                            }
                        }
                        if language == Language::Go {
                            package_names.extend(used.iter().flatten().cloned());
                        }
                    }
                }
            }
            autoloaded.retain(|i| !self.parsed[*i] && !self.unreadable[*i] && !wanted.contains(i));
            // Only the files defining a name the round's Ruby code refers to are parsed.
            let defines = DefinitionScan::new(&referred_next);
            let autoloaded: Vec<usize> = autoloaded.into_iter().collect();
            wanted.extend(self.files_containing(&autoloaded, &|t| defines.matches(t)));
            package_files
                .retain(|i| !self.parsed[*i] && !self.unreadable[*i] && !wanted.contains(i));
            let package_files: Vec<usize> = package_files.into_iter().collect();
            wanted.extend(self.files_containing(&package_files, &|t| {
                crate::prefilter::go_defines_any(t, &package_names)
            }));
            if wanted.is_empty() {
                break;
            }
            let from = self.program.modules.len();
            asked.extend(asked_next);
            // Files parsed in a later round are never examined: nothing to parse ahead for.
            self.parse_round(&wanted, &asked, IMPORT_ROUNDS - 1 - iteration);
            round = (from..self.program.modules.len()).collect();
            referred = Some(referred_next);
        }
        // What was parsed ahead and never asked for goes back to the text cache.
        for (i, ahead) in std::mem::take(&mut self.ahead) {
            if let Ahead::Parsed(text, _) = ahead {
                self.cache[i] = Some(text);
            }
        }
    }

    /// Parses the files one import round wants. The names the next round examines them with
    /// (`asked`) are known already, so as soon as one file is parsed, the files its own code
    /// on the way imports are read and parsed too, up to `depth` imports deep, while the rest
    /// of the round still parses: one large file at the end of an import chain no longer
    /// waits for its round, with a core idle. Only the round procedure decides what is added
    /// to the program, in the same order as without this; a file parsed ahead and then asked
    /// for is taken as it is.
    fn parse_round(&mut self, wanted: &BTreeSet<usize>, asked: &BTreeSet<String>, depth: usize) {
        let files = self.files;
        let mut parsed: Vec<ParsedFile> = Vec::new();
        let mut to_read = BTreeSet::new();
        for &i in wanted {
            match self.ahead.remove(&i) {
                Some(Ahead::Parsed(text, result)) => parsed.push((i, text, result)),
                Some(Ahead::Skipped(u)) => {
                    self.unreadable[i] = true;
                    self.unscanned.push(u);
                }
                None => {
                    to_read.insert(i);
                }
            }
        }
        let texts = self.read_many(&to_read);
        let index = &self.index;
        let aliases = &self.program.aliases;
        let (done, unreadable) = (&self.parsed, &self.unreadable);
        // Files already parsed, wanted now, or parsed ahead (or being so) are not parsed ahead.
        let claimed: std::sync::Mutex<std::collections::HashSet<usize>> =
            std::sync::Mutex::new(wanted.iter().chain(self.ahead.keys()).copied().collect());
        let ctx = AheadContext {
            files,
            index,
            aliases,
            done,
            unreadable,
            asked,
            depth,
            claimed,
            cache: std::sync::Mutex::new(&mut self.cache),
            ahead: Default::default(),
        };
        let round: std::sync::Mutex<Vec<ParsedFile>> = Default::default();
        let shared = &ctx;
        rayon::scope(|scope| {
            for (_, _, result) in &parsed {
                if let Ok(module) = result {
                    shared.parse_imports_of(scope, module, 1);
                }
            }
            for (i, text) in texts {
                let round = &round;
                scope.spawn(move |scope| {
                    let result = lang::parse(files[i].language, &files[i].rel, &text);
                    if let Ok(module) = &result {
                        shared.parse_imports_of(scope, module, 1);
                    }
                    round
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .push((i, text, result));
                });
            }
        });
        parsed.extend(round.into_inner().unwrap_or_else(|e| e.into_inner()));
        parsed.sort_by_key(|r| r.0);
        let parsed_ahead = ctx.ahead.into_inner().unwrap_or_else(|e| e.into_inner());
        self.ahead.extend(parsed_ahead);
        for (i, text, result) in parsed {
            self.push(i, text, result);
        }
    }

    /// The names the code of file-scoped module `m` on the way to an action uses, whose imports
    /// are followed; `None` to follow them all. In the first round that code is what reaches an
    /// action by name (`reaching`); later, the functions named as `asked` of an earlier round,
    /// and a default export. A helper module's other functions bring in nothing: a page of
    /// database queries beside the guard is never read.
    fn names_on_the_way(
        &self,
        m: usize,
        first_round: bool,
        reaching: &ReachingNames,
        asked: &BTreeSet<String>,
    ) -> Option<BTreeSet<String>> {
        let module = &self.program.modules[m];
        on_the_way(module, self.program.languages[m], |f| {
            if first_round {
                reaching.functions.contains(&FnRef {
                    module: m,
                    function: f,
                })
            } else {
                module.default_export == Some(f)
                    || asked.contains(last_segment(&module.functions[f].name))
            }
        })
    }

    /// For each module, its imports of repository files that were not parsed (import depth,
    /// a name not on the way, an unreadable file): local name → the file. A call through one
    /// on a workflow's path makes the workflow unverified (`Program::unanalysed_import`).
    fn unanalysed_imports(&self) -> Vec<BTreeMap<String, String>> {
        let files = self.files;
        let program = &self.program;
        program
            .modules
            .iter()
            .enumerate()
            .map(|(m, module)| {
                let mut out = BTreeMap::new();
                for (i, imp) in module.imports.iter().enumerate() {
                    if program.imports[m].get(i).copied().flatten().is_some() {
                        continue;
                    }
                    let file = match imp.source.strip_prefix("@go/") {
                        Some(pkg) => self
                            .packages
                            .find(pkg)
                            .and_then(|dir| self.by_dir[dir].first())
                            .map(|&f| parent_dir(&files[f].rel).to_string()),
                        None => resolve_specifier(
                            &module.path,
                            &imp.source,
                            &self.program.aliases,
                            |p| self.index.contains_key(p),
                        ),
                    };
                    if let Some(file) = file {
                        out.insert(imp.local.clone(), file);
                    }
                }
                out
            })
            .collect()
    }

    /// Follows files that import parsed files: the route that calls a wrapper module.
    /// Starts from the seed modules, and from modules already parsed that import one (a
    /// `server.ts` re-exporting the SDK wrapper): following importers of every imported helper
    /// would pull in most of a repository.
    fn follow_importers(&mut self, seeds: &[usize], action_calls: &crate::spec::ActionCalls) {
        let files = self.files;
        let seed_paths: BTreeSet<&str> = seeds
            .iter()
            .map(|&m| self.program.modules[m].path.as_str())
            .collect();
        let mut frontier: Vec<usize> = (0..self.program.modules.len())
            .filter(|&m| {
                seed_paths.contains(self.program.modules[m].path.as_str())
                    || imports_any(
                        &self.program.modules[m].path,
                        &self.program.modules[m].imports,
                        &self.program.aliases,
                        |p| seed_paths.contains(p),
                    )
            })
            .collect();
        // Files parsed in an earlier round that did not import that round's frontier may
        // import a later one. Only their imports are kept: holding every rejected file's text
        // and IR would set the peak memory of a large repository.
        let mut rejected: BTreeMap<usize, Vec<crate::ir::Import>> = BTreeMap::new();
        let mut in_frontier: BTreeSet<usize> = BTreeSet::new();
        for _ in 0..IMPORTER_ROUNDS {
            // A module with code on a path to an action is worth every importer; a module that
            // only passes a name on (`export const auth = new WorkOSProvider()`) only those
            // importers that also mention a name leading to an action (`auth.inviteMember`),
            // or most of a repository comes in with its session helpers.
            let reaching = ReachingNames::of(&self.program, action_calls);
            let (reached, passing): (Vec<usize>, Vec<usize>) =
                frontier.iter().partition(|&&m| reaching.modules[m]);
            let direct: Vec<usize> = reached
                .into_iter()
                .filter(|&m| reaching.needs_callers(&self.program, m))
                .collect();
            let mut direct_patterns = importer_patterns(&self.program, &direct);
            let passing_patterns = importer_patterns(&self.program, &passing);
            let mut method_patterns: Vec<String> = Vec::new();
            for &m in &frontier {
                for name in ruby_callee_names(&self.program, m, action_calls, &self.ruby_chain) {
                    if self.ruby_chain.insert(name.clone()) {
                        direct_patterns.push(name);
                    }
                }
                // Go code calls a wrapper through an interface it defines itself, and
                // TypeScript through a service it gets from a container (`(yield* Provider)
                // .inviteMember(…)`, an injected `this.members`), importing nothing of the
                // implementation: callers are found by the method's name.
                for name in method_names(&self.program, m, &reaching) {
                    let pattern = format!(".{name}(");
                    if self.ruby_chain.insert(pattern.clone()) {
                        method_patterns.push(pattern);
                    }
                }
            }
            if direct_patterns.is_empty()
                && passing_patterns.is_empty()
                && method_patterns.is_empty()
            {
                break;
            }
            let method_filter = Prefilter::new(&method_patterns);
            let direct_filter = Prefilter::new(&direct_patterns);
            let passing_filter = Prefilter::new(&passing_patterns);
            let name_filter = Prefilter::new(&reaching.names.iter().collect::<Vec<_>>());
            // A barrel (`export * from './server'`) passes every name on, so it names none.
            let wanted = |t: &str| {
                method_filter.matches(t.as_bytes())
                    || direct_filter.matches(t.as_bytes())
                    || (passing_filter.matches(t.as_bytes())
                        && (name_filter.matches(t.as_bytes()) || t.contains("export *")))
            };
            // A file imports modules of its own language family only: in a monorepo of
            // TypeScript and Go, the Go half is never read for a TypeScript frontier.
            let families: BTreeSet<Language> = frontier
                .iter()
                .map(|&m| self.program.languages[m].family())
                .collect();
            let candidates: Vec<usize> = (0..files.len())
                .filter(|i| !self.parsed[*i] && !self.unreadable[*i] && !rejected.contains_key(i))
                .filter(|i| families.contains(&files[*i].language.family()))
                .collect();
            let t = std::time::Instant::now();
            // A `'use client'` module runs in the browser: what it calls on the server is an
            // entry point of its own, analysed there.
            let hit = |t: &str| wanted(t) && !is_client_module(t);
            let hit_files: BTreeSet<usize> = self
                .files_containing(&candidates, &hit)
                .into_iter()
                .collect();
            let hits = self.read_many(&hit_files);
            crate::trace(
                "  importer scan",
                t,
                format_args!(
                    "{} hits, {} direct + {} passing patterns, {} names",
                    hits.len(),
                    direct_patterns.len(),
                    passing_patterns.len(),
                    reaching.names.len()
                ),
            );
            let targets: BTreeSet<String> = frontier
                .iter()
                .map(|&m| self.program.modules[m].path.clone())
                .collect();
            let is_target = |p: &str| targets.contains(p);
            // A Go file imports a package: the folder its import path names, found among the
            // repository's folders (the prefilter only saw the last segment, which
            // `gen/organizations` and `internal/organizations` share).
            let target_dirs: BTreeSet<&str> = targets.iter().map(|t| parent_dir(t)).collect();
            let imports_target_package =
                |packages: &PackageDirs, path: &str, imports: &[crate::ir::Import]| {
                    target_dirs.contains(parent_dir(path))
                        || imports.iter().any(|imp| {
                            imp.source
                                .strip_prefix("@go/")
                                .and_then(|go| packages.find(go))
                                .is_some_and(|dir| target_dirs.contains(dir))
                        })
                };
            // Earlier rejects that import this round's frontier, then this round's hits.
            let now_wanted: BTreeSet<usize> = rejected
                .iter()
                .filter(|(i, imports)| {
                    imports_any(&files[**i].rel, imports, &self.program.aliases, is_target)
                        || (files[**i].language == Language::Go
                            && imports_target_package(&self.packages, &files[**i].rel, imports))
                })
                .map(|(i, _)| *i)
                .collect();
            rejected.retain(|i, _| !now_wanted.contains(i));
            let again = self.read_many(&now_wanted);
            let mut kept = parse_many(files, again);
            for (i, text, result) in parse_many(files, hits) {
                let keep = match (&result, files[i].language) {
                    (Ok(module), Language::Go) => {
                        imports_target_package(&self.packages, &module.path, &module.imports)
                            || method_filter.matches(text.as_bytes())
                    }
                    // Rust and Ruby importers name a path or constant, not a file: the prefilter
                    // pattern is all there is to go on.
                    (_, Language::Rust | Language::Ruby) | (Err(_), _) => true,
                    (Ok(module), _) => {
                        imports_any(
                            &module.path,
                            &module.imports,
                            &self.program.aliases,
                            is_target,
                        ) || method_filter.matches(text.as_bytes())
                    }
                };
                match result {
                    Ok(module) if !keep => {
                        rejected.insert(i, module.imports);
                    }
                    result => kept.push((i, text, result)),
                }
            }
            kept.sort_by_key(|r| r.0);
            if kept.is_empty() {
                break;
            }
            let before = self.program.modules.len();
            for (i, text, result) in kept {
                self.push(i, text, result);
            }
            // Modules parsed earlier (as another seed's imports) that import this round's
            // frontier or what it found are on the way up too: they are no candidates of a scan,
            // so their importers are looked for from them.
            in_frontier.extend(frontier.iter().copied());
            let found: Vec<usize> = (before..self.program.modules.len()).collect();
            let reached: BTreeSet<&str> = frontier
                .iter()
                .chain(&found)
                .map(|&m| self.program.modules[m].path.as_str())
                .collect();
            let parsed_importers: Vec<usize> = (0..before)
                .filter(|m| !in_frontier.contains(m))
                .filter(|&m| {
                    let module = &self.program.modules[m];
                    imports_any(&module.path, &module.imports, &self.program.aliases, |p| {
                        reached.contains(p)
                    })
                })
                .collect();
            frontier = found.into_iter().chain(parsed_importers).collect();
        }
    }
}

/// What the parse-ahead tasks of one import round share.
pub(super) struct AheadContext<'s> {
    files: &'s [SourceFile],
    index: &'s HashMap<&'s str, usize>,
    aliases: &'s ImportAliases,
    done: &'s [bool],
    unreadable: &'s [bool],
    asked: &'s BTreeSet<String>,
    depth: usize,
    claimed: std::sync::Mutex<std::collections::HashSet<usize>>,
    cache: std::sync::Mutex<&'s mut Vec<Option<String>>>,
    ahead: std::sync::Mutex<Vec<(usize, Ahead)>>,
}

impl<'s> AheadContext<'s> {
    /// Parses the imports that `module`, parsed `level` imports below the round, uses on the
    /// way, and theirs in turn, each as a task of `scope`.
    fn parse_imports_of<'scope>(
        &'scope self,
        scope: &rayon::Scope<'scope>,
        module: &Module,
        level: usize,
    ) where
        's: 'scope,
    {
        if level > self.depth || module.scope != ModuleScope::File {
            return;
        }
        let Some(&me) = self.index.get(module.path.as_str()) else {
            return;
        };
        let language = self.files[me].language;
        let used = on_the_way(module, language, |f| {
            module.default_export == Some(f)
                || self.asked.contains(last_segment(&module.functions[f].name))
        });
        for imp in &module.imports {
            if !imported_on_the_way(imp, &used, self.asked) {
                continue;
            }
            let Some(target) = resolve_specifier(&module.path, &imp.source, self.aliases, |p| {
                self.index.contains_key(p)
            }) else {
                continue;
            };
            let Some(&i) = self.index.get(target.as_str()) else {
                continue;
            };
            if self.done[i] || self.unreadable[i] {
                continue;
            }
            if !self
                .claimed
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .insert(i)
            {
                continue;
            }
            scope.spawn(move |scope| {
                let cached = self.cache.lock().unwrap_or_else(|e| e.into_inner())[i].take();
                let text = match cached
                    .map(Read::Text)
                    .unwrap_or_else(|| read(&self.files[i]))
                {
                    Read::Text(text) => text,
                    Read::Skipped(u) => {
                        self.ahead
                            .lock()
                            .unwrap_or_else(|e| e.into_inner())
                            .push((i, Ahead::Skipped(u)));
                        return;
                    }
                };
                let result = lang::parse(self.files[i].language, &self.files[i].rel, &text);
                if let Ok(module) = &result {
                    self.parse_imports_of(scope, module, level + 1);
                }
                self.ahead
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .push((i, Ahead::Parsed(text, result)));
            });
        }
    }
}

impl Loader<'_> {
    /// Which of `candidates` have a text `accept` takes, read from the cache or the disk. Their
    /// texts stay in (or go into) the cache, for the parse that follows; unreadable files are
    /// returned too, for that read to list.
    fn files_containing(
        &mut self,
        candidates: &[usize],
        accept: &(dyn Fn(&str) -> bool + Sync),
    ) -> Vec<usize> {
        let files = self.files;
        let cache = &self.cache;
        let found: Vec<(usize, Option<String>)> = candidates
            .par_iter()
            .filter_map(|&i| match &cache[i] {
                Some(t) => accept(t).then_some((i, None)),
                None => match read(&files[i]) {
                    Read::Text(t) if accept(&t) => Some((i, Some(t))),
                    Read::Text(_) => None,
                    Read::Skipped(_) => Some((i, None)),
                },
            })
            .collect();
        found
            .into_iter()
            .map(|(i, text)| {
                if text.is_some() {
                    self.cache[i] = text;
                }
                i
            })
            .collect()
    }

    /// The texts of `wanted`, from the cache or the disk; files that cannot be read are listed.
    fn read_many(&mut self, wanted: &BTreeSet<usize>) -> Vec<(usize, String)> {
        let files = self.files;
        let cache = &mut self.cache;
        let from_disk: Vec<usize> = wanted
            .iter()
            .copied()
            .filter(|&i| cache[i].is_none())
            .collect();
        let results: Vec<(usize, Read)> = from_disk
            .par_iter()
            .map(|&i| (i, read(&files[i])))
            .collect();
        let mut out: Vec<(usize, String)> = wanted
            .iter()
            .filter_map(|&i| cache[i].take().map(|t| (i, t)))
            .collect();
        for (i, r) in results {
            match r {
                Read::Text(t) => out.push((i, t)),
                Read::Skipped(u) => {
                    self.unreadable[i] = true;
                    self.unscanned.push(u);
                }
            }
        }
        out.sort_by_key(|r| r.0);
        out
    }
}

/// The root names a module's app-wide guards and mounts use (`requireAuth`, `auth` of
/// `auth.requireAdmin`), with the names called inside those of its own functions.
pub(super) fn guard_names(module: &Module) -> BTreeSet<String> {
    let guards: Vec<&Expr> = module
        .global_guards
        .iter()
        .map(|g| &g.guard)
        .chain(module.mounts.iter().flat_map(|m| &m.guards))
        .collect();
    let mut names = BTreeSet::new();
    let mut local: Vec<FunctionId> = Vec::new();
    let root_of = |e: &Expr| -> Option<String> {
        let path = match e.peel() {
            Expr::Call(c) => c.callee.path(),
            other => other.path(),
        }?;
        Some(path.split(['.', ':']).next().unwrap_or(&path).to_string())
    };
    for g in &guards {
        if let Expr::Function(id) = g.peel() {
            local.push(*id);
        }
        if let Some(root) = root_of(g) {
            if let Some(id) = module
                .functions
                .iter()
                .position(|f| f.callable && f.name == root)
            {
                local.push(id);
            }
            names.insert(root);
        }
        crate::ir::visit_expr(g, &mut |e| {
            if let Some(root) = root_of(e) {
                names.insert(root);
            }
        });
    }
    for id in local {
        crate::ir::visit_stmts(&module.functions[id].body, &mut |e| {
            if let Some(root) = root_of(e) {
                names.insert(root);
            }
        });
    }
    names
}

pub(super) type ParsedFile = (usize, String, Result<Module, lang::ParseError>);

/// Parses files in parallel; results come back in file order so output never depends on
/// thread scheduling.
pub(super) fn parse_many(files: &[SourceFile], texts: Vec<(usize, String)>) -> Vec<ParsedFile> {
    let mut results: Vec<ParsedFile> = texts
        .into_par_iter()
        .map(|(i, text)| {
            let f = &files[i];
            let result = lang::parse(f.language, &f.rel, &text);
            (i, text, result)
        })
        .collect();
    results.sort_by_key(|r| r.0);
    results
}

/// Whether the file starts with React's `'use client'` directive (after comments).
pub(super) fn is_client_module(text: &str) -> bool {
    let mut rest = text.trim_start_matches('\u{feff}');
    loop {
        rest = rest.trim_start();
        if let Some(after) = rest.strip_prefix("//") {
            rest = after.split_once('\n').map(|(_, r)| r).unwrap_or("");
        } else if let Some(after) = rest.strip_prefix("/*") {
            rest = after.split_once("*/").map(|(_, r)| r).unwrap_or("");
        } else {
            break;
        }
    }
    rest.starts_with("'use client'") || rest.starts_with("\"use client\"")
}

/// Whether a function of `module` makes a call that may be a workflow action.
pub(super) fn calls_any(module: &Module, action_calls: &crate::spec::ActionCalls) -> bool {
    let nothing_more = BTreeSet::new();
    module
        .functions
        .iter()
        .any(|f| calls_action_or(f, action_calls, &nothing_more))
}

/// Whether a module calls an action through its SDK package or accessor (Go).
pub(super) fn calls_sdk_qualified(
    module: &Module,
    action_calls: &crate::spec::ActionCalls,
) -> bool {
    module.functions.iter().any(|f| {
        let mut found = false;
        crate::ir::visit_stmts(&f.body, &mut |e| {
            if let Expr::Call(call) = e {
                if let Some(path) = call.callee.path() {
                    found |= action_calls.matches_qualified(&path);
                }
            }
        });
        found
    })
}

/// Whether one of the imports of the module at `path` resolves to a path `is_target` accepts.
pub(super) fn imports_any(
    path: &str,
    imports: &[crate::ir::Import],
    aliases: &ImportAliases,
    is_target: impl Fn(&str) -> bool,
) -> bool {
    imports
        .iter()
        .any(|imp| resolve_specifier(path, &imp.source, aliases, &is_target).is_some())
}
