//! Stage 1: walk the repository and list the source files idrift can read.
//!
//! Honours `.gitignore`, skips dependency and build folders, never follows symbolic links (so a
//! link loop cannot trap the walk), and reports every file or folder it could not read instead
//! of passing over it silently.

use std::path::{Path, PathBuf};

use ignore::overrides::OverrideBuilder;
use ignore::WalkBuilder;

use crate::error::Error;
use crate::lang::Language;
use crate::report::Unscanned;

/// Folders that hold third-party or generated code, skipped unless named explicitly.
const DEFAULT_EXCLUDES: &[&str] = &[
    "node_modules/",
    ".next/",
    ".nuxt/",
    ".svelte-kit/",
    "dist/",
    "build/",
    "out/",
    "coverage/",
    "vendor/",
    ".git/",
    "*.min.js",
    "*.d.ts",
];

/// Code no request reaches: tests, mocks and operator scripts. Skipped unless
/// `--include-tests`.
const TEST_EXCLUDES: &[&str] = &[
    "scripts/",
    "*.test.*",
    "*.spec.*",
    "__tests__/",
    "__mocks__/",
    "test/",
    "tests/",
    "e2e/",
    "cypress/",
    "playwright/",
];

/// Source files above this size are listed as unscanned rather than parsed: generated bundles
/// and fixtures, not hand-written identity logic.
pub const MAX_FILE_BYTES: u64 = 2 * 1024 * 1024;

#[derive(Debug, Clone)]
pub struct SourceFile {
    /// Absolute (or as given) path on disk.
    pub path: PathBuf,
    /// Path relative to the scan root, `/`-separated: what reports show.
    pub rel: String,
    pub language: Language,
}

#[derive(Debug, Default)]
pub struct Discovery {
    pub files: Vec<SourceFile>,
    pub unscanned: Vec<Unscanned>,
}

/// Options for the walk.
#[derive(Debug, Clone, Default)]
pub struct WalkOptions {
    /// Extra glob patterns to exclude (gitignore syntax, relative to the root).
    pub exclude: Vec<String>,
    /// Scan test files and folders too.
    pub include_tests: bool,
}

/// Walks `root` for source files, calling `visit` on each as the walk finds it, on the walk's
/// own threads: reading a file while other threads still list folders keeps both cores busy,
/// where a walk followed by a read would wait for the slowest folder in between. The results
/// come back in the order of `Discovery::files`.
pub fn discover<V: Send>(
    root: &Path,
    options: &WalkOptions,
    visit: &(dyn Fn(&SourceFile) -> V + Sync),
) -> Result<(Discovery, Vec<V>), Error> {
    let meta = std::fs::metadata(root).map_err(|e| Error::Io {
        path: root.display().to_string(),
        source: e,
    })?;
    let mut out = Discovery::default();
    if meta.is_file() {
        // A single file: scan it alone, relative to its folder.
        let rel = root
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        match Language::for_path(&rel) {
            Some(language) => {
                let file = SourceFile {
                    path: root.to_path_buf(),
                    rel,
                    language,
                };
                let visited = visit(&file);
                out.files.push(file);
                return Ok((out, vec![visited]));
            }
            None => {
                return Err(Error::Usage(format!(
                    "{} is not a file idrift can read (supported: .ts .tsx .js .jsx .mjs .cjs)",
                    root.display()
                )))
            }
        }
    }

    let mut overrides = OverrideBuilder::new(root);
    let tests: &[&str] = if options.include_tests {
        &[]
    } else {
        TEST_EXCLUDES
    };
    for pattern in DEFAULT_EXCLUDES
        .iter()
        .chain(tests.iter())
        .map(|s| s.to_string())
        .chain(options.exclude.iter().cloned())
    {
        overrides
            .add(&format!("!{pattern}"))
            .map_err(|e| Error::Usage(format!("--exclude {pattern}: {e}")))?;
    }
    let overrides = overrides
        .build()
        .map_err(|e| Error::Usage(format!("--exclude: {e}")))?;

    // Walked on every core: on a large monorepo, listing folders is a good part of a scan.
    // Each source file with what `visit` made of it, and the entries that could not be walked.
    type Found<V> = (Vec<(SourceFile, V)>, Vec<Unscanned>);
    let found: std::sync::Mutex<Found<V>> = Default::default();
    WalkBuilder::new(root)
        .hidden(true)
        .git_ignore(true)
        .git_global(false)
        .git_exclude(true)
        .require_git(false)
        .follow_links(false)
        .overrides(overrides)
        // As many walkers as the rest of the scan has threads (`RAYON_NUM_THREADS`).
        .threads(rayon::current_num_threads())
        .build_parallel()
        .run(|| {
            let found = &found;
            Box::new(move |entry| {
                let outcome = match entry {
                    Ok(entry) => source_file(root, &entry).map(|file| {
                        let visited = visit(&file);
                        Ok((file, visited))
                    }),
                    Err(err) => Some(Err(walk_error(root, &err))),
                };
                if let Some(outcome) = outcome {
                    let mut found = found.lock().unwrap_or_else(|e| e.into_inner());
                    match outcome {
                        Ok(file) => found.0.push(file),
                        Err(unscanned) => found.1.push(unscanned),
                    }
                }
                ignore::WalkState::Continue
            })
        });
    let (mut files, mut unscanned) = found.into_inner().unwrap_or_else(|e| e.into_inner());
    // The walk's order depends on thread timing; the output must not.
    unscanned.sort_by(|a, b| (&a.file, &a.reason).cmp(&(&b.file, &b.reason)));
    files.sort_by(|a, b| a.0.rel.cmp(&b.0.rel));
    let (files, visited) = files.into_iter().unzip();
    Ok((Discovery { files, unscanned }, visited))
}

/// The walked entry as a source file, if it is a file of a supported language. Its size is
/// checked when it is read (one `fstat` on the open file instead of a `stat` per walked file).
fn source_file(root: &Path, entry: &ignore::DirEntry) -> Option<SourceFile> {
    if !entry.file_type()?.is_file() {
        return None;
    }
    // Most walked files are not source files: decide by the name before building the path.
    let language = Language::for_path(&entry.file_name().to_string_lossy())?;
    let rel = relative(root, entry.path());
    Some(SourceFile {
        path: entry.path().to_path_buf(),
        rel,
        language,
    })
}

fn walk_error(root: &Path, err: &ignore::Error) -> Unscanned {
    let path = error_path(err)
        .map(|p| relative(root, &p))
        .unwrap_or_else(|| ".".into());
    let reason = match err.io_error() {
        Some(io) if io.kind() == std::io::ErrorKind::PermissionDenied => {
            "permission denied".to_string()
        }
        Some(io) => io.to_string(),
        None => {
            let text = err.to_string();
            if text.contains("loop") {
                "symbolic link loop".to_string()
            } else {
                text
            }
        }
    };
    Unscanned::new(&path, reason)
}

fn error_path(err: &ignore::Error) -> Option<PathBuf> {
    match err {
        ignore::Error::WithPath { path, .. } => Some(path.clone()),
        ignore::Error::WithDepth { err, .. } => error_path(err),
        ignore::Error::WithLineNumber { err, .. } => error_path(err),
        ignore::Error::Loop { child, .. } => Some(child.clone()),
        ignore::Error::Partial(errs) => errs.first().and_then(error_path),
        _ => None,
    }
}

/// `path` relative to `root`, with `/` separators.
pub fn relative(root: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    // The common case on Unix: the path is already `/`-separated text.
    if std::path::MAIN_SEPARATOR == '/' {
        if let Some(text) = rel.to_str() {
            if !text.starts_with("./") && !text.contains("/./") && !text.contains("//") {
                return text.to_string();
            }
        }
    }
    let mut out = String::new();
    for (i, part) in rel.components().enumerate() {
        if i > 0 {
            out.push('/');
        }
        out.push_str(&part.as_os_str().to_string_lossy());
    }
    out
}
