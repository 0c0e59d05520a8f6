//! Post-generation review of a change: analyse the base revision and the working tree, and
//! report the drift the change introduces or fixes, the workflows it adds, removes or reshapes,
//! and the suppressions it adds. Needs git; never runs the scanned code.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde::Serialize;

use crate::drift::Finding;
use crate::error::Error;
use crate::snapshot;
use crate::spec::SpecSet;
use crate::{analyse, Analysis, ScanOptions};

/// What a change does to the identity workflows.
#[derive(Debug, Serialize)]
pub struct Review {
    pub version: u32,
    pub base: String,
    /// Source files the change touches (relative to the scanned folder).
    pub changed_files: Vec<String>,
    pub introduced: Vec<Finding>,
    pub fixed: Vec<Finding>,
    pub added_workflows: Vec<String>,
    pub removed_workflows: Vec<String>,
    /// Workflows whose snapshot changed, with a unified diff.
    pub reshaped_workflows: Vec<Reshaped>,
    /// `idrift-ignore` comments the change adds: a change must not silence its own gate.
    pub added_suppressions: Vec<AddedSuppression>,
    pub unscanned: Vec<crate::model::Unscanned>,
    /// Mermaid charts of the changed code's graphs, for the Markdown comment: by introduced
    /// finding (its path highlighted), and by reshaped workflow.
    #[serde(skip)]
    pub charts: Charts,
}

/// Flowcharts of the working tree's graphs (not part of the JSON contract).
#[derive(Debug, Default)]
pub struct Charts {
    /// One per introduced finding, in the same order; empty when its instance is not found.
    pub introduced: Vec<String>,
    /// One per reshaped workflow, in the same order.
    pub reshaped: Vec<String>,
}

impl Review {
    /// The counts of a review in one sentence, its number of introduced findings between
    /// `emphasis` marks (`**` in Markdown).
    pub fn summary(&self, emphasis: &str) -> String {
        format!(
            "{} changed file(s); {emphasis}{} finding(s) introduced{emphasis}, {} fixed; {} workflow(s) added, {} removed, {} reshaped; {} suppression(s) added.",
            self.changed_files.len(),
            self.introduced.len(),
            self.fixed.len(),
            self.added_workflows.len(),
            self.removed_workflows.len(),
            self.reshaped_workflows.len(),
            self.added_suppressions.len()
        )
    }
}

#[derive(Debug, Serialize)]
pub struct Reshaped {
    pub workflow: String,
    pub diff: String,
}

#[derive(Debug, Serialize)]
pub struct AddedSuppression {
    pub file: String,
    pub line: u32,
    pub text: String,
}

fn git(repo: &Path, args: &[&str]) -> Result<String, Error> {
    let out = Command::new("git")
        .arg("-C")
        .arg(repo)
        .args(args)
        .output()
        .map_err(|e| Error::Usage(format!("cannot run git: {e}")))?;
    if !out.status.success() {
        return Err(Error::Usage(format!(
            "git {} failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Runs the review of `path` (a folder inside a git work tree) against `base`.
pub fn review(
    path: &Path,
    base: &str,
    specs: &SpecSet,
    options: &ScanOptions,
) -> Result<Review, Error> {
    let top = git(path, &["rev-parse", "--show-toplevel"]).map_err(|_| {
        Error::Usage(format!(
            "{} is not inside a git work tree; `review` compares with a git revision",
            path.display()
        ))
    })?;
    let top = PathBuf::from(top.trim());
    let verify = Command::new("git")
        .arg("-C")
        .arg(&top)
        .args([
            "rev-parse",
            "--verify",
            "--quiet",
            &format!("{base}^{{commit}}"),
        ])
        .output()
        .map_err(|e| Error::Usage(format!("cannot run git: {e}")))?;
    if !verify.status.success() {
        let shallow = git(&top, &["rev-parse", "--is-shallow-repository"]).unwrap_or_default();
        let hint = if shallow.trim() == "true" {
            format!("this is a shallow clone: fetch the base first, e.g. `git fetch --no-tags --depth=50 origin {base}` (or `git fetch --unshallow`)")
        } else {
            format!("fetch it first, e.g. `git fetch origin {base}`")
        };
        return Err(Error::Usage(format!(
            "base revision `{base}` is not in this clone; {hint}"
        )));
    }
    let path_abs = std::fs::canonicalize(path).map_err(|e| Error::Io {
        path: path.display().to_string(),
        source: e,
    })?;
    let top_abs = std::fs::canonicalize(&top).unwrap_or(top.clone());
    let prefix = path_abs
        .strip_prefix(&top_abs)
        .unwrap_or(Path::new(""))
        .to_path_buf();

    // Files the change touches: committed and uncommitted edits, and new untracked files.
    // Renames are a removal and an addition (`--no-renames`): each side has its own text.
    let prefix_str = crate::discover::relative(Path::new(""), &prefix);
    let mut diff_names = vec!["diff", "--name-only", "--no-renames", base, "--"];
    diff_names.extend(SOURCE_PATTERNS);
    let mut changed_in_repo: BTreeSet<String> = git(&top, &diff_names)?
        .lines()
        .map(str::to_string)
        .collect();
    changed_in_repo.extend(
        git(&top, &["ls-files", "--others", "--exclude-standard"])?
            .lines()
            .filter(|p| crate::lang::Language::for_path(p).is_some())
            .map(str::to_string),
    );
    let rel = |p: &str| -> Option<String> {
        if prefix_str.is_empty() {
            Some(p.to_string())
        } else {
            p.strip_prefix(&format!("{prefix_str}/"))
                .map(str::to_string)
        }
    };
    let changed_pairs: Vec<(String, String)> = changed_in_repo
        .iter()
        .filter_map(|p| rel(p).map(|r| (p.clone(), r)))
        .collect();
    let changed: BTreeSet<String> = changed_pairs.iter().map(|(_, r)| r.clone()).collect();

    // The base is the working tree with the touched files as the base has them: nothing is
    // exported or checked out, and the work tree and index stay untouched.
    let repo_paths: Vec<String> = changed_pairs.iter().map(|(p, _)| p.clone()).collect();
    let texts = base_texts(&top, base, &repo_paths)?;
    let overlay = crate::discover::Overlay {
        files: changed_pairs
            .iter()
            .map(|(_, r)| r.clone())
            .zip(texts)
            .collect(),
    };

    let head = analyse(&path_abs, specs, options)?;
    let before = analyse(
        &path_abs,
        specs,
        &ScanOptions {
            overlay: Some(std::sync::Arc::new(overlay)),
            ..options.clone()
        },
    )?;

    let touched = |a: &Analysis| -> BTreeMap<(String, String, String), String> {
        a.instances
            .iter()
            .filter(|inst| {
                inst.cfg
                    .graph
                    .node_weights()
                    .any(|n| changed.contains(&n.file))
            })
            .map(|inst| {
                (
                    (
                        inst.workflow.clone(),
                        inst.entry.file.clone(),
                        inst.entry.function.clone(),
                    ),
                    snapshot::render(inst, specs, &a.report.findings),
                )
            })
            .collect()
    };
    let head_touched = touched(&head);
    let base_touched = touched(&before);
    let name = |k: &(String, String, String)| format!("{} {}:{}", k.0, k.1, k.2);
    let added_workflows = head_touched
        .keys()
        .filter(|k| !base_touched.contains_key(*k))
        .map(name)
        .collect();
    let removed_workflows = base_touched
        .keys()
        .filter(|k| !head_touched.contains_key(*k))
        .map(name)
        .collect();
    let reshaped_workflows = head_touched
        .iter()
        .filter_map(|(k, new)| {
            let old = base_touched.get(k)?;
            (old != new).then(|| Reshaped {
                workflow: name(k),
                diff: similar::TextDiff::from_lines(old.as_str(), new.as_str())
                    .unified_diff()
                    .context_radius(2)
                    .header("base", "change")
                    .to_string(),
            })
        })
        .collect();

    // Findings of touched workflows, compared by fingerprint with multiplicity.
    let in_touched = |f: &Finding, keys: &BTreeMap<(String, String, String), String>| {
        keys.contains_key(&(f.workflow.clone(), f.entry_file.clone(), f.function.clone()))
    };
    let mut base_counts: HashMap<&str, usize> = HashMap::new();
    for f in before
        .report
        .findings
        .iter()
        .filter(|f| in_touched(f, &base_touched))
    {
        *base_counts.entry(f.fingerprint.as_str()).or_default() += 1;
    }
    let mut introduced = Vec::new();
    for f in head
        .report
        .findings
        .iter()
        .filter(|f| in_touched(f, &head_touched))
    {
        match base_counts.get_mut(f.fingerprint.as_str()) {
            Some(n) if *n > 0 => *n -= 1,
            _ => introduced.push(f.clone()),
        }
    }
    let mut head_counts: HashMap<&str, usize> = HashMap::new();
    for f in head
        .report
        .findings
        .iter()
        .filter(|f| in_touched(f, &head_touched))
    {
        *head_counts.entry(f.fingerprint.as_str()).or_default() += 1;
    }
    let mut fixed = Vec::new();
    for f in before
        .report
        .findings
        .iter()
        .filter(|f| in_touched(f, &base_touched))
    {
        match head_counts.get_mut(f.fingerprint.as_str()) {
            Some(n) if *n > 0 => *n -= 1,
            _ => fixed.push(f.clone()),
        }
    }

    let added_suppressions = added_suppressions(&top, base, &prefix_str)?;
    let instance_of = |workflow: &str, file: &str, function: &str| {
        head.instances.iter().find(|inst| {
            inst.workflow == workflow && inst.entry.file == file && inst.entry.function == function
        })
    };
    let charts = Charts {
        introduced: introduced
            .iter()
            .map(|f| {
                instance_of(&f.workflow, &f.entry_file, &f.function)
                    .map(|inst| crate::cfg::render::mermaid(&inst.cfg, &f.witness))
                    .unwrap_or_default()
            })
            .collect(),
        reshaped: head_touched
            .keys()
            .filter(
                |k| matches!(base_touched.get(*k), Some(old) if Some(old) != head_touched.get(*k)),
            )
            .map(|k| {
                instance_of(&k.0, &k.1, &k.2)
                    .map(|inst| crate::cfg::render::mermaid(&inst.cfg, &[]))
                    .unwrap_or_default()
            })
            .collect(),
    };
    Ok(Review {
        charts,
        version: 1,
        base: base.to_string(),
        changed_files: changed.into_iter().collect(),
        introduced,
        fixed,
        added_workflows,
        removed_workflows,
        reshaped_workflows,
        added_suppressions,
        unscanned: head.report.unscanned.clone(),
    })
}

/// The texts of `paths` (repository paths) at revision `rev`, `None` where it has no such file,
/// read in one `git cat-file --batch`.
fn base_texts(repo: &Path, rev: &str, paths: &[String]) -> Result<Vec<Option<String>>, Error> {
    use std::io::{BufRead, Read, Write};
    if paths.is_empty() {
        return Ok(Vec::new());
    }
    let mut child = Command::new("git")
        .arg("-C")
        .arg(repo)
        .args(["cat-file", "--batch"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| Error::Usage(format!("cannot run git cat-file: {e}")))?;
    let mut stdin = child.stdin.take().expect("piped");
    let requests: String = paths.iter().map(|p| format!("{rev}:{p}\n")).collect();
    // Written from another thread: git answers while it reads, and a full pipe would stall both.
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(requests.as_bytes());
    });
    let mut reader = std::io::BufReader::new(child.stdout.take().expect("piped"));
    let mut out = Vec::with_capacity(paths.len());
    let failed = |what: &str| Error::Usage(format!("git cat-file --batch {what} for `{rev}`"));
    for _ in paths {
        let mut header = String::new();
        if reader
            .read_line(&mut header)
            .map_err(|_| failed("stopped"))?
            == 0
        {
            return Err(failed("ended early"));
        }
        let fields: Vec<&str> = header.split_whitespace().collect();
        match fields.as_slice() {
            [_, "blob", size] => {
                let size: usize = size.parse().map_err(|_| failed("answered oddly"))?;
                let mut bytes = vec![0; size + 1];
                reader
                    .read_exact(&mut bytes)
                    .map_err(|_| failed("stopped"))?;
                bytes.pop();
                out.push(Some(String::from_utf8_lossy(&bytes).into_owned()));
            }
            [_, "missing"] => out.push(None),
            // A folder or a submodule at that path: no file.
            [_, _, size] => {
                let size: usize = size.parse().map_err(|_| failed("answered oddly"))?;
                let mut skip = vec![0; size + 1];
                reader
                    .read_exact(&mut skip)
                    .map_err(|_| failed("stopped"))?;
                out.push(None);
            }
            _ => return Err(failed("answered oddly")),
        }
    }
    let _ = writer.join();
    let _ = child.wait();
    Ok(out)
}

/// Pathspecs of every file of idrift's languages (see `Language::for_path`).
const SOURCE_PATTERNS: &[&str] = &[
    "*.ts", "*.mts", "*.cts", "*.tsx", "*.js", "*.jsx", "*.mjs", "*.cjs", "*.py", "*.go", "*.rb",
    "*.rs",
];

/// Lines the change adds that carry an `idrift-ignore` comment.
fn added_suppressions(
    repo: &Path,
    base: &str,
    prefix: &str,
) -> Result<Vec<AddedSuppression>, Error> {
    // Only source files can hold a suppression idrift reads; other files (large binaries a
    // partial clone may not even have) are not diffed.
    let mut args = vec!["diff", "-U0", "--no-color", base, "--"];
    args.extend(SOURCE_PATTERNS);
    let diff = git(repo, &args)?;
    let mut out = Vec::new();
    let mut file = String::new();
    let mut line = 0u32;
    for l in diff.lines() {
        if let Some(f) = l.strip_prefix("+++ b/") {
            file = f.to_string();
        } else if let Some(h) = l.strip_prefix("@@ ") {
            // @@ -a,b +c,d @@
            line = h
                .split_whitespace()
                .find(|p| p.starts_with('+'))
                .and_then(|p| p[1..].split(',').next())
                .and_then(|n| n.parse().ok())
                .unwrap_or(0);
        } else if let Some(added) = l.strip_prefix('+') {
            if added.contains("idrift-ignore[") {
                let shown = if prefix.is_empty() {
                    file.clone()
                } else {
                    file.strip_prefix(&format!("{prefix}/"))
                        .unwrap_or(&file)
                        .to_string()
                };
                out.push(AddedSuppression {
                    file: shown,
                    line,
                    text: added.trim().to_string(),
                });
            }
            line += 1;
        }
    }
    // Untracked files are new: every suppression in them is added.
    for f in git(repo, &["ls-files", "--others", "--exclude-standard"])?.lines() {
        if let Ok(text) = std::fs::read_to_string(repo.join(f)) {
            for s in crate::suppress::parse_suppressions(f, &text) {
                out.push(AddedSuppression {
                    file: f.to_string(),
                    line: s.line,
                    text: format!("idrift-ignore[{}]: {}", s.target, s.reason),
                });
            }
        }
    }
    Ok(out)
}
