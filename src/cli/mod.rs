//! The command line: argument parsing (clap) and the mapping from results and errors to exit
//! codes. One file per subcommand.
//!
//! Exit codes: 0 no finding at or above `--fail-on`; 1 findings; 2 usage, config or spec error.

mod baseline;
mod config;
mod explain;
mod graph;
mod review;
pub(crate) mod scan;
mod snapshot;
mod specs;

use std::io::Write;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::error::Error;
use crate::spec::{self, Severity, SpecSet};

pub const EXIT_OK: i32 = 0;
pub const EXIT_FINDINGS: i32 = 1;
pub const EXIT_ERROR: i32 = 2;

#[derive(Parser, Debug)]
#[command(
    name = "idrift",
    version,
    about = "Catch drift in identity workflows (invite, role assign, domain verify, SSO setup)",
    long_about = "idrift finds the code of each identity workflow in a repository, extracts its \
control-flow graph and compares it with canonical workflow specs derived from the identity \
provider's API contract. It reports missing checks, added privileges and bypassed steps, each \
with file, line and the path through the code that proves it.\n\nExit codes: 0 no finding at or \
above --fail-on; 1 findings; 2 usage, config or spec error."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Scan a repository (or one file) for drift.
    Scan(scan::ScanArgs),
    /// Validate spec files or print their JSON Schema.
    #[command(subcommand)]
    Specs(specs::SpecsCommand),
    /// Print the control-flow graph of the workflow instances found.
    Graph(graph::GraphArgs),
    /// Write or check regression snapshots of every workflow instance.
    Snapshot(snapshot::SnapshotArgs),
    /// Review a change against a base revision: drift it introduces or fixes (a PR gate).
    Review(review::ReviewArgs),
    /// Accept the current findings as a baseline.
    #[command(subcommand)]
    Baseline(baseline::BaselineCommand),
    /// Why a finding was reported: the calls and conditions on its path and why none counted.
    Explain(explain::ExplainArgs),
    /// Validate the project config (`idrift.toml`) or print its JSON Schema.
    #[command(subcommand)]
    Config(config::ConfigCommand),
}

/// Options shared by every command that loads specs.
#[derive(Args, Debug, Clone)]
pub struct SpecArgs {
    /// Extra spec folder (workflow specs and provider files); repeatable.
    #[arg(long = "spec-dir", value_name = "DIR")]
    pub spec_dirs: Vec<PathBuf>,
    /// Use only the specs from --spec-dir, not the built-in WorkOS specs.
    #[arg(long)]
    pub no_builtin_specs: bool,
    /// Project config (default: `idrift.toml` in the scanned folder, if there is one).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Do not read `idrift.toml`.
    #[arg(long, conflicts_with = "config")]
    pub no_config: bool,
    /// Also run the preview workflows (new ones still being measured on public code:
    /// `member-remove`, `account-recovery`, `api-keys`); without it, a scan says how many files
    /// call their operations. See `idrift specs list` and `idrift specs coverage`.
    #[arg(long)]
    pub preview: bool,
}

impl SpecArgs {
    /// The specs with the project config of a scan of `scanned` merged in, and the scan options
    /// the config adds to (its excludes; its entries, to report those that matched nothing).
    pub fn load_for(
        &self,
        scanned: &std::path::Path,
        walk: &WalkArgs,
    ) -> Result<(SpecSet, crate::ScanOptions), Error> {
        let mut specs = self.load()?;
        let config = if self.no_config {
            None
        } else {
            crate::config::load(scanned, self.config.as_deref(), &mut specs)?
        };
        let mut options = walk.scan_options();
        options.config = config;
        Ok((specs, options))
    }

    pub fn load(&self) -> Result<SpecSet, Error> {
        let mut set = if self.no_builtin_specs {
            SpecSet::default()
        } else {
            spec::load_builtin()?
        };
        for dir in &self.spec_dirs {
            spec::load_dir(&mut set, dir)?;
        }
        if !self.preview {
            set = set.without_preview();
        }
        if set.workflows.is_empty() {
            return Err(Error::Usage(
                "no workflow specs loaded: give --spec-dir, or drop --no-builtin-specs".into(),
            ));
        }
        Ok(set)
    }
}

/// Options of the file walk, shared by every command that scans.
#[derive(Args, Debug, Clone)]
pub struct WalkArgs {
    /// Leave paths matching this glob (gitignore syntax) out of the scan; repeatable.
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,
    /// Also scan tests, mocks and operator scripts (`*.test.*`, `*.spec.*`, `vitest.setup.*`,
    /// `__tests__/`, `tests/`, `scripts/`, …), which are skipped by default.
    #[arg(long)]
    pub include_tests: bool,
}

impl WalkArgs {
    /// Scan options, with a spinner on stderr when it is a terminal (silent otherwise).
    pub fn scan_options(&self) -> crate::ScanOptions {
        use std::io::IsTerminal;
        let progress: Option<crate::Progress> = if std::io::stderr().is_terminal() {
            let bar = indicatif::ProgressBar::new_spinner();
            bar.set_style(
                indicatif::ProgressStyle::with_template("{spinner} idrift: {msg}")
                    .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
            );
            bar.enable_steady_tick(std::time::Duration::from_millis(120));
            Some(std::sync::Arc::new(
                move |stage: &str, done: usize, total: usize| {
                    if stage == "analysing" {
                        bar.set_message(format!(
                            "analysing workflows ({done} of {total} files parsed)"
                        ));
                    } else if stage == "reading" {
                        bar.set_message("reading and scanning source files");
                    } else {
                        bar.set_message(format!("{stage} {total} source files"));
                    }
                    if stage == "done" {
                        bar.finish_and_clear();
                    }
                },
            ))
        } else {
            None
        };
        crate::ScanOptions {
            exclude: self.exclude.clone(),
            include_tests: self.include_tests,
            progress,
            overlay: None,
            config: None,
        }
    }
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailOn {
    Low,
    Medium,
    High,
}

impl From<FailOn> for Severity {
    fn from(f: FailOn) -> Severity {
        match f {
            FailOn::Low => Severity::Low,
            FailOn::Medium => Severity::Medium,
            FailOn::High => Severity::High,
        }
    }
}

/// Runs the command line and returns the process exit code.
pub fn run<I, T>(args: I) -> i32
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    // Parsing recurses on nesting (bounded by `lang::MAX_DEPTH`); give workers room for it.
    let _ = rayon::ThreadPoolBuilder::new()
        .stack_size(8 * 1024 * 1024)
        .build_global();
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { EXIT_ERROR } else { EXIT_OK };
            let _ = e.print();
            return code;
        }
    };
    let result = match cli.command {
        Command::Scan(a) => scan::run(&a),
        Command::Specs(c) => specs::run(&c),
        Command::Graph(a) => graph::run(&a),
        Command::Snapshot(a) => snapshot::run(&a),
        Command::Baseline(c) => baseline::run(&c),
        Command::Review(a) => review::run(&a),
        Command::Explain(a) => explain::run(&a),
        Command::Config(c) => config::run(&c),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            match e {
                Error::Spec(_) => eprintln!("hint: `idrift specs lint DIR` checks spec files; `idrift specs schema` prints the format."),
                Error::Config(_) => eprintln!("hint: `idrift config check` checks idrift.toml; `idrift config schema` prints the format; --no-config skips it."),
                _ => {}
            }
            EXIT_ERROR
        }
    }
}

/// Writes to stdout; a closed pipe (`idrift scan | head`) is not an error.
pub fn emit(text: &str) -> Result<(), Error> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(Error::Io {
            path: "<stdout>".into(),
            source: e,
        }),
    }
}
