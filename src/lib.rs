//! idrift: static drift detection for identity workflows.
//!
//! The pipeline, one module per stage:
//!
//! ```text
//! discover -> prefilter -> parse -> IR -> locate workflows -> CFG -> label -> compare -> report
//! ```
//!
//! [`analyse`] runs it end to end; the binary (`src/main.rs`) is a thin layer over [`cli`].

pub mod baseline;
pub mod callgraph;
pub mod cfg;
pub mod cli;
pub mod config;
pub mod discover;
pub mod drift;
pub mod error;
pub mod explain;
pub mod frameworks;
pub mod fuzzing;
pub mod ir;
pub mod lang;
pub mod model;
pub mod parse;
pub mod prefilter;
pub mod report;
pub mod review;
pub mod snapshot;
pub mod spec;
pub mod summary;
pub mod suppress;
pub mod workflow;

use std::path::Path;

pub use error::{Error, SpecError};

use crate::parse::Program;
use crate::report::{Report, Stats, WorkflowSummary};
use crate::spec::SpecSet;
use crate::workflow::{Instance, Labeler};

/// With `IDRIFT_TRACE` set, prints how long a stage took to standard error: where the time of a
/// scan goes, without a profiler.
pub(crate) fn trace(stage: &str, since: std::time::Instant, detail: std::fmt::Arguments) {
    if trace_level() > 0 {
        // Resident memory now (Linux), to see which stage holds it.
        let rss_mb = std::fs::read_to_string("/proc/self/statm")
            .ok()
            .and_then(|s| s.split_whitespace().nth(1)?.parse::<u64>().ok())
            .map(|pages| pages * 4096 / (1024 * 1024))
            .unwrap_or(0);
        eprintln!(
            "idrift trace: {stage:<22} {:>8.1} ms {rss_mb:>6} MB  {detail}",
            since.elapsed().as_secs_f64() * 1e3
        );
    }
}

/// `IDRIFT_TRACE` unset: 0; `files`: 2 (each parsed file too); anything else: 1.
fn trace_level() -> u8 {
    static LEVEL: std::sync::OnceLock<u8> = std::sync::OnceLock::new();
    *LEVEL.get_or_init(|| match std::env::var_os("IDRIFT_TRACE") {
        None => 0,
        Some(v) if v == "files" => 2,
        Some(_) => 1,
    })
}

/// With `IDRIFT_TRACE=files`, each file as it is parsed: which files a scan needed, and why
/// it took the time it did.
pub(crate) fn trace_file(path: &str, bytes: usize) {
    if trace_level() > 1 {
        eprintln!("idrift trace: parsed {bytes:>8} bytes  {path}");
    }
}

/// Told what the scan is doing, for a progress display (`stage`, files done, files in all).
pub type Progress = std::sync::Arc<dyn Fn(&str, usize, usize) + Send + Sync>;

/// Options of a scan beyond the specs.
#[derive(Clone, Default)]
pub struct ScanOptions {
    /// Glob patterns (gitignore syntax) to leave out of the walk.
    pub exclude: Vec<String>,
    /// Scan test files (`*.test.*`, `__tests__/`, …) too; they are skipped by default.
    pub include_tests: bool,
    /// Called as the scan moves through its stages.
    pub progress: Option<Progress>,
    /// Texts read instead of the working tree's (`review`'s base revision).
    pub overlay: Option<std::sync::Arc<discover::Overlay>>,
    /// The project config already merged into the specs, whose unused entries are reported.
    pub config: Option<std::sync::Arc<config::ProjectConfig>>,
}

impl std::fmt::Debug for ScanOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScanOptions")
            .field("exclude", &self.exclude)
            .field("include_tests", &self.include_tests)
            .finish_non_exhaustive()
    }
}

/// Everything a scan produced: the report, and what it was computed from (for code frames,
/// graphs and snapshots).
pub struct Analysis {
    pub report: Report,
    pub program: Program,
    pub instances: Vec<Instance>,
}

impl Analysis {
    /// Moves findings the baseline accepts out of the report and records the comparison.
    pub fn apply_baseline(&mut self, baseline: &baseline::Baseline) {
        let findings = std::mem::take(&mut self.report.findings);
        let (kept, summary) = baseline::apply(baseline, findings, &self.report.workflows);
        self.report.findings = kept;
        self.report.baseline = Some(summary);
    }

    /// The text of a scanned file, by its report path.
    pub fn source(&self, file: &str) -> Option<&str> {
        let i = self.program.module_index(file)?;
        Some(self.program.sources[i].as_str())
    }
}

/// Puts the overlay's texts in place of the walked files': a file the overlay has no text for
/// is left out, and one the walk did not find (gone from the working tree) is added.
fn lay_over(
    walk: &mut discover::Discovery,
    scanned: &mut Vec<parse::ScannedFile>,
    overlay: &discover::Overlay,
    scanner: &parse::Scanner,
    root: &Path,
    include_tests: bool,
) {
    let files = std::mem::take(&mut walk.files);
    let results = std::mem::take(scanned);
    let mut seen = std::collections::HashSet::new();
    for (mut file, result) in files.into_iter().zip(results) {
        seen.insert(file.rel.clone());
        match overlay.files.get(&file.rel) {
            None => {
                walk.files.push(file);
                scanned.push(result);
            }
            Some(None) => {}
            Some(Some(text)) => {
                file.replaced = Some(text.as_str().into());
                scanned.push(scanner.scan(&file, Err(std::io::ErrorKind::NotFound.into())));
                walk.files.push(file);
            }
        }
    }
    for (rel, text) in &overlay.files {
        let (Some(text), Some(language)) = (text, lang::Language::for_path(rel)) else {
            continue;
        };
        // Only a file gone from the working tree, which the walk would have listed.
        if seen.contains(rel)
            || root.join(rel).exists()
            || discover::skipped_by_name(rel, include_tests)
        {
            continue;
        }
        let file = discover::SourceFile {
            path: root.join(rel),
            rel: rel.clone(),
            language,
            replaced: Some(text.as_str().into()),
        };
        scanned.push(scanner.scan(&file, Err(std::io::ErrorKind::NotFound.into())));
        walk.files.push(file);
    }
}

/// Runs the whole pipeline on the repository (or single file) at `root`.
pub fn analyse(root: &Path, specs: &SpecSet, options: &ScanOptions) -> Result<Analysis, Error> {
    let start = std::time::Instant::now();
    let tell = |stage: &str, done: usize, total: usize| {
        if let Some(p) = &options.progress {
            p(stage, done, total);
        }
    };
    tell("reading", 0, 0);
    // One pass over the tree: each file is read and scanned for anchors as the walk finds it.
    let scanner =
        parse::Scanner::new(&specs.anchors()).counting_left_out(&specs.left_out_preview_anchors());
    let (mut walk, mut scanned) = discover::discover(
        root,
        &discover::WalkOptions {
            exclude: options
                .exclude
                .iter()
                .chain(options.config.iter().flat_map(|c| &c.exclude))
                .cloned()
                .collect(),
            include_tests: options.include_tests,
        },
        &|file, handle| scanner.scan(file, handle),
    )?;
    if let Some(overlay) = &options.overlay {
        lay_over(
            &mut walk,
            &mut scanned,
            overlay,
            &scanner,
            root,
            options.include_tests,
        );
    }
    trace(
        "walk+read+scan+parse anchors",
        start,
        format_args!("{} files", walk.files.len()),
    );
    let (aliases, alias_problems) = parse::ImportAliases::load(&walk.project_configs);
    walk.unscanned.extend(alias_problems);
    let parsed = parse::parse_files(
        &walk.files,
        scanned,
        &specs.action_calls(),
        &parse::RestApi::new(specs),
        aliases,
        &|program| workflow::modules_on_workflow_paths(program, specs),
    );
    tell("analysing", parsed.program.modules.len(), walk.files.len());
    let program = parsed.program;
    let t = std::time::Instant::now();
    let workflow::Located {
        instances,
        reported_with,
        unresolved,
        action_calls,
    } = workflow::locate(&program, specs);
    trace(
        "locate+cfg+label",
        t,
        format_args!(
            "{} instances, {} unresolved calls",
            instances.len(),
            unresolved.len()
        ),
    );
    let t = std::time::Instant::now();
    let labeler = Labeler::new(specs);
    let findings = drift::compare(&instances, &reported_with, &labeler);
    trace("compare", t, format_args!("{} findings", findings.len()));
    let (findings, suppressed, suppression_problems) = suppress::apply(&program, findings);
    let config_problems = options
        .config
        .as_ref()
        .map(|c| config::unused(c, &instances, &labeler))
        .unwrap_or_default();
    let t = std::time::Instant::now();

    // Files idrift tried and failed to read, told apart from files it did not reach.
    let failed: std::collections::HashSet<&str> = walk
        .unscanned
        .iter()
        .chain(&parsed.unscanned)
        .map(|u| u.file.as_str())
        .collect();
    let workflows = instances
        .iter()
        .enumerate()
        .filter(|(i, _)| reported_with[*i].is_none())
        .map(|(i, inst)| {
            let guests: Vec<&Instance> = (0..instances.len())
                .filter(|&g| reported_with[g] == Some(i))
                .map(|g| &instances[g])
                .collect();
            let mut also: Vec<String> = guests.iter().map(|g| g.workflow.clone()).collect();
            also.sort();
            also.dedup();
            let mut unverified = unverified_reasons(inst, &program, specs, &failed);
            for guest in &guests {
                for reason in unverified_reasons(guest, &program, specs, &failed) {
                    if !unverified.contains(&reason) {
                        unverified.push(reason);
                    }
                }
            }
            WorkflowSummary {
                id: inst.workflow.clone(),
                file: inst.entry.file.clone(),
                line: inst.entry.line,
                function: inst.entry.function.clone(),
                entry: inst.entry.kind.clone(),
                root: inst.root,
                steps: steps(inst),
                calls: inst.calls(),
                also,
                verified: unverified.is_empty(),
                unverified,
            }
        })
        .collect();
    trace("workflow summaries", t, format_args!(""));
    trace("analyse (all stages)", start, format_args!(""));
    tell("done", program.modules.len(), walk.files.len());
    let mut unscanned = walk.unscanned;
    unscanned.extend(parsed.unscanned);
    unscanned.sort_by(|a, b| (&a.file, &a.reason).cmp(&(&b.file, &b.reason)));
    unscanned.dedup();
    let report = Report {
        version: report::JSON_VERSION,
        workflows,
        findings,
        unscanned,
        unresolved,
        stats: Stats {
            files: walk.files.len(),
            anchor_files: parsed.anchor_files,
            partial_anchor_files: parsed.partial_anchor_files.clone(),
            parsed_files: program.modules.len(),
            action_calls,
        },
        suppressed,
        suppression_problems,
        config_problems,
        baseline: None,
        preview_not_run: (scanner.left_out_files() > 0).then(|| report::PreviewNotRun {
            workflows: specs
                .left_out_preview
                .iter()
                .map(|w| w.id.clone())
                .collect(),
            files: scanner.left_out_files(),
        }),
    };
    Ok(Analysis {
        report,
        program,
        instances,
    })
}

/// Why an instance's verdict is not fully backed by analysis. Fail closed: a workflow with any
/// of these is reported as not fully verified, never as clean.
fn unverified_reasons(
    inst: &Instance,
    program: &Program,
    specs: &SpecSet,
    failed: &std::collections::HashSet<&str>,
) -> Vec<String> {
    use crate::cfg::NodeKind;
    let cfg = &inst.cfg;
    let mut out: Vec<String> = cfg.notes.clone();
    let files: std::collections::BTreeSet<&str> =
        cfg.graph.node_weights().map(|n| n.file.as_str()).collect();
    for f in files {
        if let Some(m) = program.module_index(f) {
            if let Some(first) = program.modules[m].syntax_errors.first() {
                out.push(format!(
                    "{f}: syntax the parser could not read at line {} is on this workflow's code",
                    first.line
                ));
            }
        }
    }
    // The nodes from which some action is reachable, found once (a walk back from the actions).
    let before_actions: std::collections::HashSet<petgraph::graph::NodeIndex> = {
        let mut seen = std::collections::HashSet::new();
        let mut stack: Vec<_> = inst.labels.actions.iter().map(|(n, _)| *n).collect();
        while let Some(n) = stack.pop() {
            if seen.insert(n) {
                stack.extend(
                    cfg.graph
                        .neighbors_directed(n, petgraph::Direction::Incoming),
                );
            }
        }
        seen
    };
    let labeler = Labeler::new(specs);
    let spec = &specs.workflows[inst.spec];
    for n in cfg.graph.node_indices() {
        let node = cfg.node(n);
        let NodeKind::Call {
            callee,
            inlined,
            guard,
            ..
        } = &node.kind
        else {
            continue;
        };
        let before_action = || before_actions.contains(&n);
        let computed = match callee.strip_suffix(cfg::build::COMPUTED_MEMBER) {
            // A member of a third-party package cannot be an application guard.
            Some(base) => !program.names_package_import(&node.file, root_name(base)),
            None => callee == cfg::build::DYNAMIC_CALLEE,
        };
        // A function written in place and called (`go func() { … }()`) was inlined: known.
        if computed && !*inlined && before_action() {
            out.push(format!(
                "{}:{}: a call through a computed callee runs before the action; what it does is unknown",
                node.file, node.span.line
            ));
        }
        if !*inlined {
            if let Some(file) = program.unanalysed_import(&node.file, root_name(callee)) {
                if before_action() {
                    let why = if failed.contains(file) {
                        "which could not be analysed (see \"not analysed\")"
                    } else {
                        "which idrift did not read: it lies beyond the imports it follows from the workflow's files"
                    };
                    out.push(format!(
                        "{}:{}: `{callee}` runs code of {file}, {why}",
                        node.file, node.span.line
                    ));
                }
            }
        }
        // A guard whose code idrift did not follow (not in the repository, a class whose hook
        // the framework calls, a value chosen at run time) counts as a check by its name only.
        // The provider's own library (`authkitMiddleware` of `@workos-inc/authkit-nextjs`) is
        // the contract the specs are written from, as its SDK calls are.
        let provider_library = || {
            program
                .package_import_source(&node.file, root_name(callee))
                .is_some_and(|source| {
                    let source = source.to_ascii_lowercase();
                    specs
                        .providers
                        .iter()
                        .filter(|p| p.provider == spec.provider)
                        .flat_map(|p| &p.sdk_markers)
                        .any(|m| source.contains(&m.to_ascii_lowercase()))
                })
        };
        // So is a library's guard the spec names by its spelling (Django's `login_required`,
        // DRF's `IsAuthenticated`): a dependency with documented behaviour, not a guess from
        // the words of a name.
        let named_library_guard = |m: &crate::spec::Matcher| {
            m.call.is_some()
                && program
                    .package_import_source(&node.file, root_name(callee))
                    .is_some()
        };
        if *guard && !*inlined && !provider_library() {
            let counts = spec.checks.values().any(|c| {
                c.any_of
                    .iter()
                    .any(|m| labeler.node_matches(cfg, n, m) && !named_library_guard(m))
            });
            let by_spelling = spec.checks.values().any(|c| {
                c.any_of
                    .iter()
                    .any(|m| labeler.node_matches(cfg, n, m) && named_library_guard(m))
            });
            if counts && !by_spelling {
                out.push(format!(
                    "{}:{}: `{callee}` is trusted as a check by its name; its code was not followed",
                    node.file, node.span.line
                ));
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

fn root_name(path: &str) -> &str {
    path.split(['.', '(', '[']).next().unwrap_or(path)
}

/// The spec steps present in an instance, in source order: checks and actions.
fn steps(inst: &Instance) -> Vec<String> {
    let cfg = &inst.cfg;
    let mut found: Vec<((String, u32, u32), String)> = Vec::new();
    for (id, nodes) in &inst.labels.checks {
        for n in nodes {
            let node = cfg.node(*n);
            found.push((
                (node.file.clone(), node.span.line, node.span.col),
                id.clone(),
            ));
        }
    }
    for (n, id) in &inst.labels.actions {
        let node = cfg.node(*n);
        found.push((
            (node.file.clone(), node.span.line, node.span.col),
            id.clone(),
        ));
    }
    // Order: the entry's file first, then others; within a file by position.
    found.sort_by(|a, b| {
        let ka = (a.0 .0 != inst.entry.file, &a.0 .0, a.0 .1, a.0 .2);
        let kb = (b.0 .0 != inst.entry.file, &b.0 .0, b.0 .1, b.0 .2);
        ka.cmp(&kb)
    });
    let mut out: Vec<String> = Vec::new();
    for (_, id) in found {
        if !out.contains(&id) {
            out.push(id);
        }
    }
    out
}
