//! Result types several stages share: what a scan could not read, the workflow instances it
//! found, and the action calls it accounts for. At the bottom of the pipeline, so no stage has to
//! import `report` (which only renders) to get them.

use serde::Serialize;

/// A file the scan could not (fully) analyse, and why. Never silently dropped.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Unscanned {
    pub file: String,
    pub reason: String,
}

impl Unscanned {
    pub fn new(file: &str, reason: impl Into<String>) -> Self {
        Unscanned {
            file: file.to_string(),
            reason: reason.into(),
        }
    }
}

/// One call of a spec action in the code, as a report names it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CallSite {
    pub file: String,
    pub line: u32,
    /// The spec's action id (`send_invitation`).
    pub action: String,
}

/// How a workflow instance's root is reached: by a request a framework routes to it, or by
/// something else that runs the code (a job, a script, a process's `main`).
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
#[serde(rename_all = "kebab-case")]
pub enum RootKind {
    /// A request entry a framework exposes: every check of the spec applies.
    #[default]
    Request,
    /// Code no request reaches (queue job, cron, consumer, script, migration, seed): the checks
    /// about the caller of a request do not apply; argument rules still do.
    NonRequest,
}

/// An action call that no analysed workflow instance covers, and why.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct Unresolved {
    pub file: String,
    pub line: u32,
    /// The spec's action id.
    pub action: String,
    /// The workflow the action belongs to.
    pub workflow: String,
    /// Why no request entry was found for it (`no request entry found; callers: none in the
    /// scanned files`).
    pub reason: String,
}

/// One workflow instance, as reported.
#[derive(Debug, Clone, Serialize)]
pub struct WorkflowSummary {
    pub id: String,
    pub file: String,
    pub line: u32,
    pub function: String,
    /// `route POST /api/invite`, `server-action`, `page`, `rpc`, or for a non-request root what
    /// runs it (`job`, `script`, `main`, …).
    pub entry: String,
    /// `request` or `non-request`.
    pub root: RootKind,
    /// The spec's steps found in this instance (checks and actions), in source order.
    pub steps: Vec<String>,
    /// The action calls this instance covers.
    pub calls: Vec<CallSite>,
    /// Other workflows that judge these same calls here, reported as part of this instance with
    /// their findings (a widget token with the Users and SSO scopes: `invite`, also `sso-setup`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub also: Vec<String>,
    /// False when part of the workflow could not be analysed: its verdict is not "clean".
    pub verified: bool,
    /// Why it is not fully verified (syntax the parser could not read on its path, a dynamic
    /// call before an action, a guard trusted by its name only, a graph cut short).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unverified: Vec<String>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Stats {
    /// Files that mention an identity SDK call but could not be fully parsed: a workflow in
    /// them may be missing from `workflows`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub partial_anchor_files: Vec<String>,
    /// Source files found by the walk.
    pub files: usize,
    /// Files that mention an anchoring SDK call.
    pub anchor_files: usize,
    /// Files parsed (anchor files plus what they import and what imports them).
    pub parsed_files: usize,
    /// Action call sites found in the parsed code: each is covered by a workflow instance or
    /// listed in `unresolved`.
    pub action_calls: usize,
}
