//! Entry points for the fuzz targets in `fuzz/`: one source text through the whole pipeline.

use crate::lang::{self, Language};
use crate::parse::Program;

/// Parses `text` as one file of `language`, then locates, builds, labels and compares its
/// workflows against the built-in specs. Errors are fine; panics and hangs are bugs.
pub fn analyse_source(language: Language, path: &str, text: &str) {
    let Ok(module) = lang::parse(language, path, text) else {
        return;
    };
    let mut program = Program::default();
    program.push(module, text.to_string(), language);
    program.resolve_imports();
    let Ok(specs) = crate::spec::load_builtin() else {
        return;
    };
    let instances = crate::workflow::locate(&program, &specs);
    let labeler = crate::workflow::Labeler::new(&specs);
    let _ = crate::drift::compare(&instances.instances, &instances.reported_with, &labeler);
}
