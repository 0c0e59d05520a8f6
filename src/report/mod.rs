//! Stage 8: reports. The [`Report`] is the stable, versioned result of a scan; renderers turn it
//! into text (with code frames) or JSON.

pub mod json;
pub mod markdown;
pub mod sarif;
pub mod snapshot;
pub mod text;

use serde::Serialize;

use crate::drift::Finding;
use crate::spec::Severity;

/// Version of the JSON output contract; bumped on any incompatible change.
pub const JSON_VERSION: u32 = 1;

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

/// One workflow instance, as reported.
#[derive(Debug, Clone, Serialize)]
pub struct WorkflowSummary {
    pub id: String,
    pub file: String,
    pub line: u32,
    pub function: String,
    /// `route POST`, `server-action`, `page`, `function`.
    pub entry: String,
    /// The spec's steps found in this instance (checks and actions), in source order.
    pub steps: Vec<String>,
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
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub version: u32,
    pub workflows: Vec<WorkflowSummary>,
    pub findings: Vec<Finding>,
    pub unscanned: Vec<Unscanned>,
    pub stats: Stats,
    /// Findings silenced by an `idrift-ignore[…]: reason` comment.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub suppressed: Vec<Finding>,
    /// Suppressions without a reason, or that suppress nothing.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub suppression_problems: Vec<crate::suppress::SuppressionProblem>,
    /// The comparison with `--baseline`, when one was given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub baseline: Option<crate::baseline::BaselineSummary>,
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
}
