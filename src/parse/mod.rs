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

mod aliases;
mod loader;
mod program;
mod reach;
mod read;
mod resolve;
mod rest_calls;

use reach::*;
use read::*;
use resolve::*;

pub use aliases::ImportAliases;
pub use loader::parse_files;
pub use read::{ScannedFile, Scanner};
pub use resolve::resolve_specifier;
pub use rest_calls::RestApi;

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
    /// The import aliases of the repository's TypeScript projects.
    aliases: ImportAliases,
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
