//! The project config, `idrift.toml`: a team's own vocabulary (its guards, verdict functions,
//! session helpers, trusted middleware, roles), severity overrides, excludes and extra spec
//! folders, added to the specs without copying them.
//!
//! The config is data merged into the [`SpecSet`] before a scan, so nothing after this stage
//! knows it exists: a check matcher from the config is matched exactly like one from a spec.
//! Every entry is checked against the loaded specs (an unknown check id is an error, not a
//! rule that silently never applies), and after a scan each matcher and session call that
//! matched nothing is reported, like an unused suppression.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use toml::Spanned;

use crate::error::{Error, SpecError};
use crate::spec::{self, Matcher, ProviderSpec, SessionSources, Severity, SpecSet};
use crate::workflow::{Instance, Labeler};

/// The file name looked for in the scanned folder.
pub const FILE_NAME: &str = "idrift.toml";

/// Largest config accepted: real ones are a few hundred bytes.
const MAX_CONFIG_BYTES: usize = 1 << 20;

/// `idrift.toml`. Every table is optional; unknown keys are errors.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Extra spec folders (workflow specs and provider files), relative to this file; loaded
    /// as if given with `--spec-dir`.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub specs: Vec<Spanned<String>>,
    /// Paths to leave out of the scan (gitignore globs, relative to the scanned folder), added
    /// to `--exclude`.
    #[serde(default)]
    pub exclude: Vec<String>,
    /// Where this application's verified session comes from, added to every provider's.
    #[serde(default)]
    pub session: SessionConfig,
    /// More ways a check appears in this code base, by check id (`can_manage_members`) or
    /// `workflow/check` (`invite/can_manage_members`): matchers with the syntax of a spec's
    /// `any_of`, added to it.
    #[serde(default)]
    #[schemars(with = "BTreeMap<String, Vec<Matcher>>")]
    pub checks: BTreeMap<Spanned<String>, Vec<Spanned<Matcher>>>,
    /// Middleware (or decorators, dependencies, guards) this team vouches for: a call of one of
    /// these names counts as each of `checks`, even where idrift reads its code and cannot see it
    /// refuse.
    #[serde(default)]
    #[schemars(with = "Vec<TrustedMiddleware>")]
    pub middleware: Vec<Spanned<TrustedMiddleware>>,
    /// Changes to argument rules, by rule id (`role_allowed`) or `workflow/rule`.
    #[serde(default)]
    #[schemars(with = "BTreeMap<String, ArgumentConfig>")]
    pub arguments: BTreeMap<Spanned<String>, ArgumentConfig>,
    /// Severity of a step's findings, by check or argument-rule id, or `workflow/step`.
    #[serde(default)]
    #[schemars(with = "BTreeMap<String, Severity>")]
    pub severity: BTreeMap<Spanned<String>, Severity>,
}

/// Session sources in the application's own words.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SessionConfig {
    /// Calls whose result is the verified session (`loadTeamSession`, `get_principal`).
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub calls: Vec<Spanned<String>>,
    /// Members of the request object the session middleware fills (`req.member`).
    #[serde(default)]
    pub request_members: Vec<String>,
    /// Module-level names that hold the session (`g.member`).
    #[serde(default)]
    pub globals: Vec<String>,
    /// Calls that verify a signed session token (`verifySessionToken`): given a cookie or the
    /// `Authorization` header, what they return is the session.
    #[serde(default)]
    pub token_verifiers: Vec<String>,
}

/// A guard trusted by name.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TrustedMiddleware {
    /// Its name as called or registered (`requireOrgAdmin`, `auth.require_admin`).
    pub name: String,
    /// The check ids it performs (`authenticated`, `can_manage_members`), or `workflow/check`.
    pub checks: Vec<String>,
}

/// Additions to an argument rule.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ArgumentConfig {
    /// More literal values allowed without further checks (roles anyone who may invite may
    /// grant: `viewer`, `editor`).
    #[serde(default)]
    pub allow: Vec<String>,
    /// More words of literals that grant power over others (`billing-admin`).
    #[serde(default)]
    pub privileged: Vec<String>,
}

/// A loaded config, applied to the specs: what the scan needs of it afterwards.
#[derive(Debug, Clone, Default)]
pub struct ProjectConfig {
    /// The file as the user would name it.
    pub file: String,
    /// Added to the walk's excludes.
    pub exclude: Vec<String>,
    /// The entries whose use can be told after a scan.
    pub entries: Vec<ConfigEntry>,
}

/// One entry of the config that should match something in the code.
#[derive(Debug, Clone)]
pub struct ConfigEntry {
    pub line: usize,
    pub column: usize,
    /// The entry as the user wrote it, for the report (`checks.authenticated: call requireTeam`).
    pub describe: String,
    kind: EntryKind,
}

impl ConfigEntry {
    /// An entry written at byte `offset` of the config's text.
    fn at(text: &str, offset: usize, describe: String, kind: EntryKind) -> Self {
        let (line, column) = line_col(text, offset);
        ConfigEntry {
            line,
            column,
            describe,
            kind,
        }
    }
}

#[derive(Debug, Clone)]
enum EntryKind {
    Matcher(Box<Matcher>),
    SessionCall(String),
}

/// A config entry that needs attention: it matched nothing in the scanned code.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ConfigProblem {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub entry: String,
    pub problem: String,
}

/// The config for a scan of `scanned`: `explicit` when given (`--config`), else `idrift.toml`
/// in the scanned folder (the file's own folder for a single file), if there is one.
pub fn find(scanned: &Path, explicit: Option<&Path>) -> Result<Option<PathBuf>, Error> {
    if let Some(path) = explicit {
        if !path.is_file() {
            return Err(Error::Usage(format!(
                "--config {}: no such file",
                path.display()
            )));
        }
        return Ok(Some(path.to_path_buf()));
    }
    let folder = if scanned.is_dir() {
        scanned
    } else {
        scanned.parent().unwrap_or(Path::new("."))
    };
    let candidate = folder.join(FILE_NAME);
    Ok(candidate.is_file().then_some(candidate))
}

/// Reads and parses a config file; every error is located (file:line:col).
pub fn read(path: &Path) -> Result<(String, Config), Error> {
    let shown = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| Error::Io {
        path: shown.clone(),
        source: e,
    })?;
    if bytes.len() > MAX_CONFIG_BYTES {
        return Err(Error::Config(SpecError::plain(
            &shown,
            format!(
                "the file is {} bytes; a config is limited to {MAX_CONFIG_BYTES} bytes",
                bytes.len()
            ),
        )));
    }
    let text = String::from_utf8(bytes)
        .map_err(|_| Error::Config(SpecError::plain(&shown, "the file is not valid UTF-8")))?;
    let config = parse(&shown, &text)?;
    Ok((text, config))
}

/// Parses the text of a config file.
pub fn parse(file: &str, text: &str) -> Result<Config, Error> {
    toml::from_str(text).map_err(|e| {
        let (line, column) = e.span().map(|s| line_col(text, s.start)).unwrap_or((1, 1));
        Error::Config(SpecError {
            file: file.to_string(),
            line,
            column,
            message: e.message().trim_end().to_string(),
        })
    })
}

/// Loads the config for a scan of `scanned` (see [`find`]) and merges it into `specs`.
pub fn load(
    scanned: &Path,
    explicit: Option<&Path>,
    specs: &mut SpecSet,
) -> Result<Option<Arc<ProjectConfig>>, Error> {
    let Some(path) = find(scanned, explicit)? else {
        return Ok(None);
    };
    let (text, config) = read(&path)?;
    let folder = path.parent().unwrap_or(Path::new("."));
    apply(&path.display().to_string(), &text, config, folder, specs).map(|c| Some(Arc::new(c)))
}

/// Merges a parsed config into `specs`. Spec folders load first, so entries may name their
/// checks. `folder` is where relative spec folders are.
pub fn apply(
    file: &str,
    text: &str,
    config: Config,
    folder: &Path,
    specs: &mut SpecSet,
) -> Result<ProjectConfig, Error> {
    let at = |offset: usize, message: String| {
        let (line, column) = line_col(text, offset);
        Error::Config(SpecError {
            file: file.to_string(),
            line,
            column,
            message,
        })
    };
    for dir in &config.specs {
        spec::load_dir(specs, &folder.join(dir.get_ref())).map_err(|e| match e {
            // A missing or empty folder is this file's mistake: point at the entry.
            Error::Usage(message) => at(dir.span().start, format!("specs: {message}")),
            other => other,
        })?;
    }
    let mut entries = Vec::new();
    for (key, matchers) in &config.checks {
        let targets =
            check_targets(specs, key.get_ref()).map_err(|message| at(key.span().start, message))?;
        for matcher in matchers {
            if let Some((_, problem)) = spec::matcher_problem(matcher.get_ref()) {
                return Err(at(
                    matcher.span().start,
                    format!("checks.{}: {problem}", key.get_ref()),
                ));
            }
            for (w, id) in &targets {
                let check = specs.workflows[*w].checks.get_mut(id).expect("target");
                check.any_of.push(matcher.get_ref().clone());
            }
            entries.push(ConfigEntry::at(
                text,
                matcher.span().start,
                format!("checks.{}: {}", key.get_ref(), describe(matcher.get_ref())),
                EntryKind::Matcher(Box::new(matcher.get_ref().clone())),
            ));
        }
    }
    for middleware in &config.middleware {
        let m = middleware.get_ref();
        if m.name.trim().is_empty() || m.checks.is_empty() {
            return Err(at(
                middleware.span().start,
                "middleware: give its `name` and the `checks` it performs".into(),
            ));
        }
        let matcher = Matcher {
            call: Some(vec![m.name.clone()]),
            trusted: true,
            ..Matcher::default()
        };
        for check in &m.checks {
            let targets = check_targets(specs, check)
                .map_err(|message| at(middleware.span().start, message))?;
            for (w, id) in targets {
                let check = specs.workflows[w].checks.get_mut(&id).expect("target");
                check.any_of.push(matcher.clone());
            }
        }
        entries.push(ConfigEntry::at(
            text,
            middleware.span().start,
            format!("middleware {} ({})", m.name, m.checks.join(", ")),
            EntryKind::Matcher(Box::new(matcher)),
        ));
    }
    for (key, change) in &config.arguments {
        let mut found = false;
        for_each_argument_rule(specs, key.get_ref(), |rule| {
            found = true;
            let allow = rule.allow.get_or_insert_with(Vec::new);
            allow.extend(change.allow.iter().cloned());
            rule.privileged.extend(change.privileged.iter().cloned());
        });
        if !found {
            return Err(at(
                key.span().start,
                format!(
                    "arguments.{}: no workflow has an argument rule of that id (rules: {})",
                    key.get_ref(),
                    argument_rule_ids(specs).join(", ")
                ),
            ));
        }
    }
    for (key, severity) in &config.severity {
        let mut found = false;
        if let Ok(targets) = check_targets(specs, key.get_ref()) {
            for (w, id) in targets {
                found = true;
                specs.workflows[w]
                    .checks
                    .get_mut(&id)
                    .expect("target")
                    .severity = *severity;
            }
        }
        for_each_argument_rule(specs, key.get_ref(), |rule| {
            found = true;
            rule.severity = *severity;
        });
        if !found {
            return Err(at(
                key.span().start,
                format!(
                    "severity.{}: no workflow has a check or argument rule of that id",
                    key.get_ref()
                ),
            ));
        }
    }
    let session = &config.session;
    if !session.calls.is_empty()
        || !session.request_members.is_empty()
        || !session.globals.is_empty()
        || !session.token_verifiers.is_empty()
    {
        if specs.providers.is_empty() {
            specs.providers.push(ProviderSpec {
                provider: "config".into(),
                session: SessionSources::default(),
                ..ProviderSpec::default()
            });
        }
        for provider in &mut specs.providers {
            let sources = &mut provider.session;
            sources
                .calls
                .extend(session.calls.iter().map(|c| c.get_ref().clone()));
            sources
                .request_members
                .extend(session.request_members.iter().cloned());
            sources.globals.extend(session.globals.iter().cloned());
            sources
                .token_verifiers
                .extend(session.token_verifiers.iter().cloned());
        }
        for call in &session.calls {
            if call.get_ref().trim().is_empty() {
                return Err(at(call.span().start, "session.calls: an empty name".into()));
            }
            entries.push(ConfigEntry::at(
                text,
                call.span().start,
                format!("session.calls: {}", call.get_ref()),
                EntryKind::SessionCall(call.get_ref().clone()),
            ));
        }
    }
    Ok(ProjectConfig {
        file: file.to_string(),
        exclude: config.exclude,
        entries,
    })
}

/// The (workflow index, check id) pairs a key names: `check` in every workflow that has it,
/// or `workflow/check` in that one.
fn check_targets(specs: &SpecSet, key: &str) -> Result<Vec<(usize, String)>, String> {
    let (workflow, id) = split_key(key);
    let targets: Vec<(usize, String)> = specs
        .workflows
        .iter()
        .enumerate()
        .filter(|(_, w)| workflow.is_none_or(|name| w.id == name))
        .filter(|(_, w)| w.checks.contains_key(id))
        .map(|(i, _)| (i, id.to_string()))
        .collect();
    if targets.is_empty() {
        let mut known: Vec<String> = specs
            .workflows
            .iter()
            .flat_map(|w| w.checks.keys().cloned())
            .collect();
        known.sort();
        known.dedup();
        return Err(format!(
            "`{key}`: no workflow has a check of that id (checks: {})",
            known.join(", ")
        ));
    }
    Ok(targets)
}

fn split_key(key: &str) -> (Option<&str>, &str) {
    match key.split_once('/') {
        Some((workflow, step)) => (Some(workflow), step),
        None => (None, key),
    }
}

fn for_each_argument_rule(
    specs: &mut SpecSet,
    key: &str,
    mut change: impl FnMut(&mut spec::ArgumentRule),
) {
    let (workflow, id) = split_key(key);
    for w in &mut specs.workflows {
        if workflow.is_some_and(|name| w.id != name) {
            continue;
        }
        for action in w.actions.values_mut() {
            if let Some(rule) = action.arguments.get_mut(id) {
                change(rule);
            }
        }
    }
}

fn argument_rule_ids(specs: &SpecSet) -> Vec<String> {
    let mut ids: Vec<String> = specs
        .workflows
        .iter()
        .flat_map(|w| w.actions.values())
        .flat_map(|a| a.arguments.keys().cloned())
        .collect();
    ids.sort();
    ids.dedup();
    ids
}

/// A matcher in a few words, for the report of unused entries.
fn describe(m: &Matcher) -> String {
    if let Some(calls) = &m.call {
        return format!("call {}", calls.join(" | "));
    }
    if let Some(calls) = &m.verdict {
        return format!("verdict {}", calls.join(" | "));
    }
    if let Some(words) = &m.named {
        return format!("named {} given {}", words.join(" | "), m.given.join(" | "));
    }
    if let Some(groups) = &m.verdict_words {
        let groups: Vec<String> = groups.iter().map(|g| g.join(" | ")).collect();
        return format!("verdict_words {}", groups.join(" & "));
    }
    if let Some(c) = &m.condition {
        let parts: Vec<String> = [
            ("mentions", &c.mentions),
            ("values", &c.values),
            ("compares", &c.compares),
            ("looks_up", &c.looks_up),
        ]
        .iter()
        .filter(|(_, list)| !list.is_empty())
        .map(|(name, list)| format!("{name} {}", list.join(" | ")))
        .collect();
        return format!("condition {}", parts.join(", "));
    }
    "matcher".into()
}

/// The config's entries that matched nothing on any analysed workflow's graph: a guard renamed
/// since the config was written, or a typo. Not an error (a scan of part of a repository may
/// not reach every guard), but reported so the config does not rot.
pub fn unused(
    config: &ProjectConfig,
    instances: &[Instance],
    labeler: &Labeler,
) -> Vec<ConfigProblem> {
    use crate::cfg::NodeKind;
    let used = |entry: &ConfigEntry| {
        instances.iter().any(|inst| {
            let cfg = &inst.cfg;
            cfg.graph.node_indices().any(|n| match &entry.kind {
                EntryKind::Matcher(m) => labeler.node_matches(cfg, n, m),
                EntryKind::SessionCall(spelling) => match &cfg.node(n).kind {
                    NodeKind::Call { callee, .. } => {
                        labeler.check_spelling_matches(callee, spelling)
                    }
                    NodeKind::Branch { condition, .. } => condition
                        .calls
                        .iter()
                        .chain(&condition.value_calls)
                        .any(|c| labeler.check_spelling_matches(c, spelling)),
                    _ => false,
                },
            })
        })
    };
    config
        .entries
        .iter()
        .filter(|e| !used(e))
        .map(|e| ConfigProblem {
            file: config.file.clone(),
            line: e.line,
            column: e.column,
            entry: e.describe.clone(),
            problem: "unused config entry: it matched nothing on any workflow's path".into(),
        })
        .collect()
}

/// The JSON Schema of `idrift.toml`, for editors (Taplo, Even Better TOML) and `idrift config
/// schema`.
pub fn schema() -> serde_json::Value {
    serde_json::to_value(schemars::schema_for!(Config)).expect("schema serialises")
}

/// 1-based line and column (in characters) of a byte offset.
fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
    (line, column)
}
