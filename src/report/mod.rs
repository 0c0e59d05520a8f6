//! Stage 8: reports. The [`Report`] is the stable, versioned result of a scan; renderers turn it
//! (and a change's [`crate::review::Review`]) into text with code frames, JSON, SARIF or
//! Markdown. Nothing below this stage imports it: the types stages share are in
//! [`crate::model`].

pub mod json;
pub mod markdown;
pub mod sarif;
pub mod text;

use serde::Serialize;

use crate::drift::Finding;
use crate::spec::Severity;

/// Version of the JSON output contract; bumped on any incompatible change.
pub const JSON_VERSION: u32 = 1;

pub use crate::model::{CallSite, RootKind, Stats, Unresolved, Unscanned, WorkflowSummary};

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub version: u32,
    pub workflows: Vec<WorkflowSummary>,
    pub findings: Vec<Finding>,
    pub unscanned: Vec<Unscanned>,
    /// Action calls no analysed workflow instance covers, each with the reason.
    pub unresolved: Vec<Unresolved>,
    pub stats: Stats,
    /// Findings silenced by an `idrift-ignore[…]: reason` comment.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub suppressed: Vec<Finding>,
    /// Suppressions without a reason, or that suppress nothing.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub suppression_problems: Vec<crate::suppress::SuppressionProblem>,
    /// Entries of `idrift.toml` that matched nothing (warnings: they do not fail the scan).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub config_problems: Vec<crate::config::ConfigProblem>,
    /// The comparison with `--baseline`, when one was given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub baseline: Option<crate::baseline::BaselineSummary>,
    /// Preview workflows this scan did not run although files hold their calls (`--preview`
    /// runs them).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub preview_not_run: Option<PreviewNotRun>,
}

/// What `--preview` would add: the preview workflows left out, and how many files call one of
/// their operations.
#[derive(Debug, Clone, Serialize)]
pub struct PreviewNotRun {
    pub workflows: Vec<String>,
    pub files: usize,
}

impl Report {
    /// Findings at or above a severity, plus suppression problems (which always fail: a gate
    /// must not be silenced without a reason).
    pub fn failing(&self, threshold: Severity) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity >= threshold)
            .count()
            + self.suppression_problems.len()
    }

    /// Whether the scan found any call of a spec action at all (analysed or not).
    pub fn has_action_calls(&self) -> bool {
        !self.workflows.is_empty() || !self.unresolved.is_empty()
    }
}
