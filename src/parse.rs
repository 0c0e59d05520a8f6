//! Stage 3: read and parse the files the prefilter selected, plus the local files they import
//! and the files that import them, into one [`Program`] whose calls can be resolved across files.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use rayon::prelude::*;

use crate::discover::{SourceFile, MAX_FILE_BYTES};
use crate::frameworks::app_guards;
use crate::ir::{last_segment, Expr, FunctionId, GuardChain, Module, ModuleScope, Stmt};
use crate::lang::{self, Language};
use crate::model::Unscanned;
use crate::prefilter::{source_text, AnchorScan, DefinitionScan, Prefilter};

/// How many rounds of "files that import a parsed file" to follow: enough for
/// route → action module → SDK wrapper.
const IMPORTER_ROUNDS: usize = 3;
/// How many rounds of relative imports to follow from a parsed file.
const IMPORT_ROUNDS: usize = 3;
/// How many parsed functions may share a method name for a call of it on an object of unnamed
/// class (an interface, an injected service) to be resolved to them all; a name more have
/// (`Get`, `create`) names no implementation.
pub const MAX_IMPLEMENTATIONS: usize = 6;

/// Mocks, fakes and stubs implement an interface for tests; they are not what runs.
pub fn is_test_double(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    ["mock", "fake", "stub"].iter().any(|w| lower.contains(w))
}

/// How many re-exports (`export * from`) a name is followed through.
const MAX_REEXPORTS: usize = 4;
/// How much file text the importer search may keep in memory instead of reading it again.
const TEXT_CACHE_BYTES: usize = 32 * 1024 * 1024;

/// Every parsed module, with the text it came from and its resolved imports.
#[derive(Debug, Default)]
pub struct Program {
    pub modules: Vec<Module>,
    pub sources: Vec<String>,
    pub languages: Vec<Language>,
    by_path: HashMap<String, usize>,
    /// For each module, for each import (same order), the module it resolves to.
    imports: Vec<Vec<Option<usize>>>,
    /// Modules that share names without imports: by folder (Go packages), and all of them
    /// (Ruby). Built with `imports`, so a lookup never scans every module.
    folder_members: HashMap<String, Vec<usize>>,
    global_members: Vec<usize>,
    /// See `Loader::unanalysed_imports`.
    unanalysed_imports: Vec<BTreeMap<String, String>>,
    /// Ruby: the modules defining each class or mixin, by its last name.
    type_definitions: HashMap<String, Vec<usize>>,
}

/// A function, named by module and index.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FnRef {
    pub module: usize,
    pub function: FunctionId,
}

pub struct ParseOutcome {
    pub program: Program,
    pub unscanned: Vec<Unscanned>,
    /// Files read and matched by the anchor scan.
    pub anchor_files: usize,
    /// Anchor files the parser could not fully read.
    pub partial_anchor_files: Vec<String>,
}

enum Read {
    Text(String),
    Skipped(Unscanned),
}

fn read(file: &SourceFile) -> Read {
    if let Some(text) = &file.replaced {
        return Read::Text(text.to_string());
    }
    read_opened(file, std::fs::File::open(&file.path))
}

/// Reads `file`, opened already as `handle`.
fn read_opened(file: &SourceFile, handle: std::io::Result<std::fs::File>) -> Read {
    let cannot_read = |e: std::io::Error| {
        let reason = if e.kind() == std::io::ErrorKind::PermissionDenied {
            "permission denied".to_string()
        } else {
            format!("cannot read: {e}")
        };
        Read::Skipped(Unscanned::new(&file.rel, reason))
    };
    let mut handle = match handle {
        Ok(h) => h,
        Err(e) => return cannot_read(e),
    };
    // Each thread reads into one buffer of the size limit, so a file costs an open, a read and
    // the read that finds its end: no `stat` for its size, and the text is allocated once at
    // its exact length. Reading one byte past the limit tells an oversized file.
    thread_local! {
        static BUFFER: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    let limit = MAX_FILE_BYTES as usize;
    let filled = BUFFER.with(|buffer| {
        let mut buffer = buffer.borrow_mut();
        let mut filled = 0;
        while filled <= limit {
            if filled == buffer.len() {
                // Grown as needed: zeroing the whole limit up front costs every thread 2 MiB
                // of page faults.
                let grown = (buffer.len() * 2).clamp(64 * 1024, limit + 1);
                buffer.resize(grown, 0);
            }
            match std::io::Read::read(&mut handle, &mut buffer[filled..]) {
                Ok(0) => break,
                Ok(n) => filled += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        if filled > limit {
            return Ok(None);
        }
        Ok(Some(buffer[..filled].to_vec()))
    });
    let bytes = match filled {
        Ok(Some(bytes)) => bytes,
        Ok(None) => {
            let size = handle
                .metadata()
                .map(|m| m.len())
                .unwrap_or(MAX_FILE_BYTES + 1);
            return Read::Skipped(Unscanned::new(
                &file.rel,
                format!(
                    "file is {size} bytes, over the {MAX_FILE_BYTES} byte limit for source files"
                ),
            ));
        }
        Err(e) => return cannot_read(e),
    };
    match source_text(bytes) {
        Ok(text) => Read::Text(text),
        Err(reason) => Read::Skipped(Unscanned::new(&file.rel, reason)),
    }
}

/// The first look at each file: read once and scanned for anchors.
// A parsed module is the large variant and the common one for the files that matter; it is
// moved once, so boxing it would only add an allocation.
#[allow(clippy::large_enum_variant)]
pub enum ScannedFile {
    /// Parsed already, on the thread that read it, while the walk goes on.
    Anchor(String, Result<Module, lang::ParseError>),
    /// Without an anchor; the text is kept if the cache budget allowed.
    Other(Option<String>),
    Skipped(Unscanned),
}

/// Reads files and scans them for anchors, from any number of threads.
pub struct Scanner {
    anchors: AnchorScan,
    cached_bytes: std::sync::atomic::AtomicUsize,
}

impl Scanner {
    pub fn new(anchors: &[crate::spec::Anchor]) -> Self {
        Scanner {
            anchors: AnchorScan::new(anchors),
            cached_bytes: Default::default(),
        }
    }

    pub fn scan(&self, file: &SourceFile, handle: std::io::Result<std::fs::File>) -> ScannedFile {
        let read = match &file.replaced {
            Some(text) => Read::Text(text.to_string()),
            None => read_opened(file, handle),
        };
        match read {
            Read::Skipped(u) => ScannedFile::Skipped(u),
            Read::Text(t) if self.anchors.matches(t.as_bytes()) => {
                let module = lang::parse(file.language, &file.rel, &t);
                ScannedFile::Anchor(t, module)
            }
            Read::Text(t) => {
                // Files without an anchor are kept in memory, up to a budget, for the importer
                // search that scans them again: reading a file costs more than scanning it.
                let used = self
                    .cached_bytes
                    .fetch_add(t.len(), std::sync::atomic::Ordering::Relaxed);
                let keep = used + t.len() <= TEXT_CACHE_BYTES;
                ScannedFile::Other(keep.then_some(t))
            }
        }
    }
}

/// Parses the anchor files among `scanned` (one per file of `files`) and what they connect to.
/// Only anchor files that really call a workflow action (`action_calls`), or could not be fully
/// parsed, pull in their imports and importers; `modules_on_paths` tells which importers are on
/// a path to an action, whose imports are followed too.
pub fn parse_files(
    files: &[SourceFile],
    scanned: Vec<ScannedFile>,
    action_calls: &crate::spec::ActionCalls,
    modules_on_paths: &dyn Fn(&Program) -> Vec<usize>,
) -> ParseOutcome {
    let t = std::time::Instant::now();
    let first = scanned.into_iter().enumerate();
    let mut loader = Loader::new(files);
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
    let on_paths: Vec<usize> = modules_on_paths(&loader.program)
        .into_iter()
        .filter(|&m| m >= before_importers || (m < anchor_modules && !seeds.contains(&m)))
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
struct Loader<'a> {
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
}

/// A file parsed (or found unreadable) before the import round that asks for it.
#[allow(clippy::large_enum_variant)]
enum Ahead {
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
        }
    }

    fn push(&mut self, i: usize, text: String, result: Result<Module, lang::ParseError>) {
        let files = self.files;
        crate::trace_file(&files[i].rel, text.len());
        self.parsed[i] = true;
        match result {
            Ok(module) => {
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
            hits.extend(self.files_containing(&candidates, &|t: &str| t.contains("APP_GUARD")));
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
                    resolve_specifier(&module.path, &imp.source, |p| self.index.contains_key(p))
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
                            self.by_dir[dir]
                                .iter()
                                .copied()
                                .filter(|i| files[*i].language == Language::Go)
                                .for_each(&mut want);
                        }
                    } else if let Some(target) =
                        resolve_specifier(&module.path, &imp.source, |p| self.index.contains_key(p))
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
                                    } else {
                                        want(i);
                                    }
                                }
                            }
                        }
                    }
                }
            }
            autoloaded.retain(|i| !self.parsed[*i] && !self.unreadable[*i] && !wanted.contains(i));
            // Only the files defining a name the round's Ruby code refers to are parsed.
            let defines = DefinitionScan::new(&referred_next);
            let autoloaded: Vec<usize> = autoloaded.into_iter().collect();
            wanted.extend(self.files_containing(&autoloaded, &|t| defines.matches(t)));
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
        let (done, unreadable) = (&self.parsed, &self.unreadable);
        // Files already parsed, wanted now, or parsed ahead (or being so) are not parsed ahead.
        let claimed: std::sync::Mutex<std::collections::HashSet<usize>> =
            std::sync::Mutex::new(wanted.iter().chain(self.ahead.keys()).copied().collect());
        let ctx = AheadContext {
            files,
            index,
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
                        None => resolve_specifier(&module.path, &imp.source, |p| {
                            self.index.contains_key(p)
                        }),
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
                        |p| seed_paths.contains(p),
                    )
            })
            .collect();
        // Files parsed in an earlier round that did not import that round's frontier may
        // import a later one. Only their imports are kept: holding every rejected file's text
        // and IR would set the peak memory of a large repository.
        let mut rejected: BTreeMap<usize, Vec<crate::ir::Import>> = BTreeMap::new();
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
                    imports_any(&files[**i].rel, imports, is_target)
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
                        imports_any(&module.path, &module.imports, is_target)
                            || method_filter.matches(text.as_bytes())
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
            frontier = (before..self.program.modules.len()).collect();
        }
    }
}

/// The names `module`'s functions for which `is_root` holds use, with what those call in the
/// module; `None` when every import is to be followed (see `Loader::names_on_the_way`).
fn on_the_way(
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
    Some(names_used_from(module, &roots, Uses::Calls))
}

/// Whether an import is followed: all are when `used` is `None`; otherwise those whose local
/// name the code on the way uses or an importer asked for, and namespace imports.
fn imported_on_the_way(
    imp: &crate::ir::Import,
    used: &Option<BTreeSet<String>>,
    asked: &BTreeSet<String>,
) -> bool {
    match used {
        None => true,
        Some(used) => used.contains(&imp.local) || asked.contains(&imp.local) || imp.local == "*",
    }
}

/// What the parse-ahead tasks of one import round share.
struct AheadContext<'s> {
    files: &'s [SourceFile],
    index: &'s HashMap<&'s str, usize>,
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
            let Some(target) =
                resolve_specifier(&module.path, &imp.source, |p| self.index.contains_key(p))
            else {
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

/// The names by which code may reach a workflow action, found by name alone: the methods of
/// the actions, the names of functions that call one of these names or define a callback that
/// does, and the names they are imported under. No call is resolved, so the set errs on the side
/// of more names. Also which modules define such a function.
struct ReachingNames {
    names: BTreeSet<String>,
    modules: Vec<bool>,
    functions: std::collections::HashSet<FnRef>,
}

impl ReachingNames {
    fn of(program: &Program, action_calls: &crate::spec::ActionCalls) -> ReachingNames {
        let mut callers_of: HashMap<String, Vec<FnRef>> = HashMap::new();
        let mut enclosing: HashMap<FnRef, FnRef> = HashMap::new();
        let mut found: Vec<FnRef> = Vec::new();
        for (m, module) in program.modules.iter().enumerate() {
            for (i, f) in module.functions.iter().enumerate() {
                let me = FnRef {
                    module: m,
                    function: i,
                };
                let mut calls_action = false;
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
                        literals.extend(call.args.iter().filter_map(|a| match a.value.peel() {
                            Expr::Function(id) => Some(*id),
                            _ => None,
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
fn ruby_callee_names(
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
fn method_names(program: &Program, m: usize, reaching: &ReachingNames) -> Vec<String> {
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
enum Uses {
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
fn names_used_from(module: &Module, roots: &[FunctionId], uses: Uses) -> BTreeSet<String> {
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
fn note_guard(e: &Expr, names: &mut BTreeSet<String>) {
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
fn note_reference(e: &Expr, names: &mut BTreeSet<String>) {
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
fn assigned_names<'s>(stmts: &'s [Stmt], out: &mut BTreeSet<&'s str>) {
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
fn calls_action_or(
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
    fn needs_callers(&self, program: &Program, m: usize) -> bool {
        if program.languages[m].family() != Language::TypeScript {
            return true;
        }
        let module = &program.modules[m];
        module.functions.iter().enumerate().any(|(i, f)| {
            let exported = f.exported || module.default_export == Some(i);
            exported
                && !module.is_entry_handler(i)
                && self.functions.contains(&FnRef {
                    module: m,
                    function: i,
                })
        })
    }
}

/// Text that a file importing one of `frontier` contains: a prefilter, since a file stem
/// (`/utils'`) is shared by many unrelated files.
fn importer_patterns(program: &Program, frontier: &[usize]) -> Vec<String> {
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
fn guard_names(module: &Module) -> BTreeSet<String> {
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

type ParsedFile = (usize, String, Result<Module, lang::ParseError>);

/// Parses files in parallel; results come back in file order so output never depends on
/// thread scheduling.
fn parse_many(files: &[SourceFile], texts: Vec<(usize, String)>) -> Vec<ParsedFile> {
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
fn is_client_module(text: &str) -> bool {
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
fn calls_any(module: &Module, action_calls: &crate::spec::ActionCalls) -> bool {
    let nothing_more = BTreeSet::new();
    module
        .functions
        .iter()
        .any(|f| calls_action_or(f, action_calls, &nothing_more))
}

/// Whether a module calls an action through its SDK package or accessor (Go).
fn calls_sdk_qualified(module: &Module, action_calls: &crate::spec::ActionCalls) -> bool {
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
fn imports_any(
    path: &str,
    imports: &[crate::ir::Import],
    is_target: impl Fn(&str) -> bool,
) -> bool {
    imports
        .iter()
        .any(|imp| resolve_specifier(path, &imp.source, &is_target).is_some())
}

fn parent_dir(path: &str) -> &str {
    path.rsplit_once('/').map(|(d, _)| d).unwrap_or("")
}

/// The repository's folders, indexed by their last segment, to find the folder a Go import path
/// names without comparing it with every folder.
struct PackageDirs<'d> {
    by_last: HashMap<&'d str, Vec<&'d str>>,
}

impl<'d> PackageDirs<'d> {
    fn new(dirs: impl Iterator<Item = &'d str>) -> Self {
        let mut by_last: HashMap<&str, Vec<&str>> = HashMap::new();
        for d in dirs.filter(|d| !d.is_empty()) {
            by_last
                .entry(d.rsplit('/').next().unwrap_or(d))
                .or_default()
                .push(d);
        }
        for list in by_last.values_mut() {
            // Sorted, so ties resolve the same way on every run.
            list.sort_unstable();
            list.dedup();
        }
        PackageDirs { by_last }
    }

    /// The longest trailing part of the import path that is a folder of the repository
    /// (`github.com/acme/app/internal/auth` → `internal/auth`).
    fn find(&self, import: &str) -> Option<&'d str> {
        let last = import.rsplit('/').next()?;
        let segs: Vec<&str> = import.split('/').collect();
        let mut best: Option<(&str, usize)> = None;
        for &d in self.by_last.get(last)? {
            let dsegs: Vec<&str> = d.split('/').collect();
            // The longest common suffix of the two paths, in whole segments.
            let common = segs
                .iter()
                .rev()
                .zip(dsegs.iter().rev())
                .take_while(|(a, b)| a == b)
                .count();
            if common == dsegs.len().min(segs.len()) && best.is_none_or(|(_, c)| common > c) {
                best = Some((d, common));
            }
        }
        best.map(|(d, _)| d)
    }
}

/// The stems an import specifier would end with to reach this file: `lib/invite.ts` → `invite`;
/// `lib/auth/index.ts` → `auth`.
fn import_stems(path: &str) -> Vec<String> {
    let mut parts: Vec<&str> = path.split('/').collect();
    let file = parts.pop().unwrap_or("");
    let stem = file.split('.').next().unwrap_or(file);
    if stem == "index" || stem == "__init__" || stem == "mod" {
        parts.pop().map(|d| vec![d.to_string()]).unwrap_or_default()
    } else if stem.is_empty() || matches!(stem, "route" | "page" | "layout") {
        Vec::new()
    } else {
        vec![stem.to_string()]
    }
}

/// Resolves an import specifier to a file path known to `exists`: relative specifiers, and the
/// `@/` and `~/` aliases that Next.js and Vite projects map to the root or `src/`.
pub fn resolve_specifier(from: &str, spec: &str, exists: impl Fn(&str) -> bool) -> Option<String> {
    let language = Language::for_path(from).unwrap_or(Language::TypeScript);
    let base: Vec<String> =
        if spec.starts_with("./") || spec.starts_with("../") || spec == "." || spec == ".." {
            let mut dir: Vec<&str> = from.split('/').collect();
            dir.pop();
            vec![join(&dir, spec)?]
        } else if let Some(rest) = spec.strip_prefix("$lib/") {
            // SvelteKit's `$lib` is the package's `src/lib`.
            let parts: Vec<&str> = from.split('/').collect();
            (0..parts.len())
                .rev()
                .map(|cut| {
                    let prefix = parts[..cut].join("/");
                    if prefix.is_empty() {
                        format!("src/lib/{rest}")
                    } else {
                        format!("{prefix}/src/lib/{rest}")
                    }
                })
                .collect()
        } else if let Some(rest) = spec.strip_prefix("@/").or_else(|| spec.strip_prefix("~/")) {
            let mut bases = Vec::new();
            // Monorepos: the alias is relative to the package that contains `from`.
            let parts: Vec<&str> = from.split('/').collect();
            for cut in (0..parts.len()).rev() {
                let prefix = parts[..cut].join("/");
                for root in ["src", "", "app", "lib"] {
                    let p = [prefix.as_str(), root, rest]
                        .iter()
                        .filter(|s| !s.is_empty())
                        .cloned()
                        .collect::<Vec<_>>()
                        .join("/");
                    bases.push(p);
                }
            }
            bases
        } else {
            return None;
        };
    for b in base {
        let b = b.trim_end_matches('/');
        if exists(b) && Language::for_path(b).is_some() {
            return Some(b.to_string());
        }
        // `./x.js` in TypeScript sources names `./x.ts`.
        let stripped = b
            .strip_suffix(".js")
            .or_else(|| b.strip_suffix(".mjs"))
            .or_else(|| b.strip_suffix(".cjs"))
            .unwrap_or(b);
        for ext in language.import_extensions() {
            let cand = format!("{stripped}.{ext}");
            if exists(&cand) {
                return Some(cand);
            }
        }
        for index in language.index_files() {
            let cand = format!("{b}/{index}");
            if exists(&cand) {
                return Some(cand);
            }
        }
    }
    None
}

fn join(dir: &[&str], spec: &str) -> Option<String> {
    let mut parts: Vec<&str> = dir.iter().copied().filter(|s| !s.is_empty()).collect();
    for seg in spec.split('/') {
        match seg {
            "." | "" => {}
            ".." => {
                parts.pop()?;
            }
            s => parts.push(s),
        }
    }
    Some(parts.join("/"))
}

impl Program {
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
                        resolve_specifier(&m.path, &imp.source, |p| self.by_path.contains_key(p))
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
        let family = self.languages[module].family();
        let named: Vec<FnRef> = self
            .modules
            .iter()
            .enumerate()
            .filter(|(m, module)| {
                self.languages[*m].family() == family && !is_test_double(&module.path)
            })
            .flat_map(|(m, module)| {
                module
                    .functions
                    .iter()
                    .enumerate()
                    .filter(|(_, f)| f.method && f.callable && last_segment(&f.name) == property)
                    .map(move |(i, _)| FnRef {
                        module: m,
                        function: i,
                    })
            })
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
                _ => Vec::new(),
            },
            _ => Vec::new(),
        }
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
