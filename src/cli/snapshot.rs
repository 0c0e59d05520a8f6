//! `idrift snapshot [PATH] --dir DIR [--check | --update]`: regression snapshots of workflows.

use std::collections::BTreeMap;
use std::path::PathBuf;

use clap::Args;

use super::{emit, SpecArgs, WalkArgs, EXIT_FINDINGS, EXIT_OK};
use crate::analyse;
use crate::error::Error;
use crate::snapshot;

#[derive(Args, Debug)]
pub struct SnapshotArgs {
    /// Repository folder to snapshot.
    #[arg(default_value = ".")]
    pub path: PathBuf,
    /// Folder holding one `.txt` snapshot per workflow instance.
    #[arg(long, value_name = "DIR")]
    pub dir: PathBuf,
    /// Compare with the stored snapshots and print a diff of each change; exit 1 on change.
    #[arg(long, conflicts_with = "update")]
    pub check: bool,
    /// Rewrite the stored snapshots (also removes those of workflows that no longer exist).
    #[arg(long)]
    pub update: bool,
    #[command(flatten)]
    pub walk: WalkArgs,
    #[command(flatten)]
    pub specs: SpecArgs,
}

pub fn run(args: &SnapshotArgs) -> Result<i32, Error> {
    let (specs, options) = args.specs.load_for(&args.path, &args.walk)?;
    let analysis = analyse(&args.path, &specs, &options)?;
    let mut current: BTreeMap<String, String> = BTreeMap::new();
    for inst in &analysis.instances {
        current.insert(
            snapshot::file_name(inst),
            snapshot::render(inst, &specs, &analysis.report.findings),
        );
    }
    let stored = read_dir(&args.dir)?;
    if args.check {
        let mut changed = 0;
        let mut out = String::new();
        let names: std::collections::BTreeSet<&String> =
            current.keys().chain(stored.keys()).collect();
        for name in names {
            let old = stored.get(name).map(String::as_str).unwrap_or("");
            let new = current.get(name).map(String::as_str).unwrap_or("");
            if old == new {
                continue;
            }
            changed += 1;
            let diff = similar::TextDiff::from_lines(old, new);
            let (a, b) = match (stored.contains_key(name), current.contains_key(name)) {
                (false, _) => ("/dev/null".to_string(), format!("b/{name}")),
                (_, false) => (format!("a/{name}"), "/dev/null".to_string()),
                _ => (format!("a/{name}"), format!("b/{name}")),
            };
            out.push_str(
                &diff
                    .unified_diff()
                    .context_radius(3)
                    .header(&a, &b)
                    .to_string(),
            );
        }
        if changed == 0 {
            emit(&format!(
                "snapshots match: {} workflow instance(s)\n",
                current.len()
            ))?;
            return Ok(EXIT_OK);
        }
        out.push_str(&format!(
            "\n{changed} workflow snapshot(s) changed; review the diff and run `idrift snapshot --update --dir {}` to accept it\n",
            args.dir.display()
        ));
        emit(&out)?;
        return Ok(EXIT_FINDINGS);
    }
    if !args.update && !stored.is_empty() {
        return Err(Error::Usage(format!(
            "{} already holds snapshots: use --check to compare or --update to rewrite them",
            args.dir.display()
        )));
    }
    std::fs::create_dir_all(&args.dir).map_err(|e| Error::Io {
        path: args.dir.display().to_string(),
        source: e,
    })?;
    for name in stored.keys().filter(|n| !current.contains_key(*n)) {
        let p = args.dir.join(name);
        std::fs::remove_file(&p).map_err(|e| Error::Io {
            path: p.display().to_string(),
            source: e,
        })?;
    }
    for (name, text) in &current {
        let p = args.dir.join(name);
        std::fs::write(&p, text).map_err(|e| Error::Io {
            path: p.display().to_string(),
            source: e,
        })?;
    }
    emit(&format!(
        "wrote {} workflow snapshot(s) to {}\n",
        current.len(),
        args.dir.display()
    ))?;
    Ok(EXIT_OK)
}

fn read_dir(dir: &std::path::Path) -> Result<BTreeMap<String, String>, Error> {
    let mut out = BTreeMap::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(out);
    };
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if !name.ends_with(".txt") {
            continue;
        }
        let text = std::fs::read_to_string(e.path()).map_err(|err| Error::Io {
            path: e.path().display().to_string(),
            source: err,
        })?;
        out.insert(name, text);
    }
    Ok(out)
}
