//! Language frontends. Each turns one source file into the shared IR ([`crate::ir::Module`]) and
//! knows nothing about specs, graphs or findings. Adding a language is one file here plus its
//! fixtures.

mod typescript;

use serde::Serialize;

use crate::ir::Module;

/// Why a frontend could not produce a module.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum ParseError {
    #[error("the parser gave up on this file: {0}")]
    Failed(String),
    #[error("nesting deeper than {0} levels; the file is not analysed")]
    TooDeep(usize),
}

/// The languages idrift reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    TypeScript,
    Tsx,
    JavaScript,
}

impl Language {
    /// The language of a file, by extension; `None` for files idrift does not read.
    pub fn for_path(path: &str) -> Option<Language> {
        let ext = path.rsplit_once('.')?.1;
        match ext {
            "ts" | "mts" | "cts" => Some(Language::TypeScript),
            "tsx" => Some(Language::Tsx),
            "js" | "jsx" | "mjs" | "cjs" => Some(Language::JavaScript),
            _ => None,
        }
    }

    /// Extensions tried, in order, when an import names a file without one.
    pub fn import_extensions(self) -> &'static [&'static str] {
        &["ts", "tsx", "js", "jsx", "mjs", "cjs"]
    }

    pub fn name(self) -> &'static str {
        match self {
            Language::TypeScript => "typescript",
            Language::Tsx => "tsx",
            Language::JavaScript => "javascript",
        }
    }
}

/// Deepest syntax nesting a frontend descends into. Real code stays far below; deeper input is
/// reported as unscanned instead of risking the stack.
pub const MAX_DEPTH: usize = 150;

/// Parses `source` (the text of `path`, relative to the scan root) into the IR.
pub fn parse(language: Language, path: &str, source: &str) -> Result<Module, ParseError> {
    match language {
        Language::TypeScript | Language::Tsx | Language::JavaScript => {
            typescript::parse(language, path, source)
        }
    }
}
