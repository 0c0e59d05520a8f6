//! Baselines: the findings a team has accepted for now, by line-independent fingerprint (with
//! multiplicity), so a scheduled scan pages only on new drift.

use std::collections::HashMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::drift::Finding;
use crate::error::Error;
use crate::model::WorkflowSummary;

pub const BASELINE_VERSION: u32 = 1;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct BaselineEntry {
    pub fingerprint: String,
    pub kind: String,
    pub workflow: String,
    pub step: String,
    pub file: String,
    pub function: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Baseline {
    pub version: u32,
    pub findings: Vec<BaselineEntry>,
}

/// How a scan compares with a baseline.
#[derive(Debug, Clone, Default, Serialize)]
pub struct BaselineSummary {
    /// Findings not in the baseline (they stay in `findings`).
    pub new: usize,
    /// Findings the baseline accepts.
    pub existing: usize,
    /// Baseline entries whose workflow is still there but whose finding is gone.
    pub fixed: Vec<BaselineEntry>,
    /// Baseline entries whose workflow instance no longer exists: remove them.
    pub obsolete: Vec<BaselineEntry>,
}

pub fn from_findings(findings: &[Finding]) -> Baseline {
    let mut entries: Vec<BaselineEntry> = findings
        .iter()
        .map(|f| BaselineEntry {
            fingerprint: f.fingerprint.clone(),
            kind: f.kind.as_str().to_string(),
            workflow: f.workflow.clone(),
            step: f.step.clone(),
            file: f.entry_file.clone(),
            function: f.function.clone(),
        })
        .collect();
    entries.sort_by(|a, b| {
        (&a.file, &a.function, &a.workflow, &a.fingerprint).cmp(&(
            &b.file,
            &b.function,
            &b.workflow,
            &b.fingerprint,
        ))
    });
    Baseline {
        version: BASELINE_VERSION,
        findings: entries,
    }
}

pub fn read(path: &Path) -> Result<Baseline, Error> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::Io {
        path: path.display().to_string(),
        source: e,
    })?;
    let b: Baseline = serde_json::from_str(&text).map_err(|e| {
        Error::Usage(format!(
            "{}:{}:{}: not a valid idrift baseline: {e}",
            path.display(),
            e.line(),
            e.column()
        ))
    })?;
    if b.version != BASELINE_VERSION {
        return Err(Error::Usage(format!(
            "{}: baseline version {} is not supported (expected {BASELINE_VERSION})",
            path.display(),
            b.version
        )));
    }
    Ok(b)
}

/// Removes baselined findings (matched by fingerprint, each entry once) and summarises.
pub fn apply(
    baseline: &Baseline,
    findings: Vec<Finding>,
    workflows: &[WorkflowSummary],
) -> (Vec<Finding>, BaselineSummary) {
    let mut remaining: HashMap<&str, Vec<&BaselineEntry>> = HashMap::new();
    for e in &baseline.findings {
        remaining.entry(e.fingerprint.as_str()).or_default().push(e);
    }
    let mut kept = Vec::new();
    let mut summary = BaselineSummary::default();
    for f in findings {
        match remaining
            .get_mut(f.fingerprint.as_str())
            .and_then(|v| v.pop())
        {
            Some(_) => summary.existing += 1,
            None => {
                summary.new += 1;
                kept.push(f);
            }
        }
    }
    let mut left: Vec<&BaselineEntry> = remaining.into_values().flatten().collect();
    left.sort_by(|a, b| {
        (&a.file, &a.function, &a.fingerprint).cmp(&(&b.file, &b.function, &b.fingerprint))
    });
    for e in left {
        let alive = workflows
            .iter()
            .any(|w| w.id == e.workflow && w.file == e.file && w.function == e.function);
        if alive {
            summary.fixed.push(e.clone());
        } else {
            summary.obsolete.push(e.clone());
        }
    }
    (kept, summary)
}
