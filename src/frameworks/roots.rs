//! Non-request roots: code that runs without a request to check the caller of.
//!
//! A function nothing in the scanned code calls is not a request entry by itself (it may be an
//! SDK wrapper whose callers were not found). It is a *non-request root* only when something
//! positive says what runs it: its folder or file name (`scripts/`, `jobs/`, `seed.ts`), its
//! name (`main`), or a registration the frontend saw (a Convex `internalAction`, a queue
//! worker). Everything else stays unresolved.

use crate::parse::{FnRef, Program};

/// Folder names (any segment of the path) and what runs the code inside them.
const FOLDERS: &[(&str, &str)] = &[
    ("scripts", "script"),
    ("script", "script"),
    ("bin", "script"),
    ("cli", "script"),
    ("jobs", "job"),
    ("job", "job"),
    ("workers", "worker"),
    ("worker", "worker"),
    ("queues", "queue consumer"),
    ("consumers", "queue consumer"),
    ("cron", "cron"),
    ("crons", "cron"),
    ("cronjobs", "cron"),
    ("inngest", "job"),
    ("trigger", "job"),
    ("migrations", "migration"),
    ("migrate", "migration"),
    ("seeds", "seed"),
    ("seed", "seed"),
    ("seeders", "seed"),
];

/// Paths containing one of these run as a command (Django's management commands).
const PATH_PARTS: &[(&str, &str)] = &[("management/commands/", "command")];

/// File stems, or the last dot- or dash-separated part of one (`invite.job.ts`,
/// `sync-worker.ts`), and what runs the code in them.
const FILE_PARTS: &[(&str, &str)] = &[
    ("seed", "seed"),
    ("seeds", "seed"),
    ("migrate", "migration"),
    ("migration", "migration"),
    ("cron", "cron"),
    ("crons", "cron"),
    ("worker", "worker"),
    ("job", "job"),
    ("jobs", "job"),
    ("consumer", "queue consumer"),
    ("manage", "script"),
];

/// What runs `f`, when it is a root no request reaches; `None` when nothing says so.
pub fn non_request_root(program: &Program, f: FnRef) -> Option<&'static str> {
    // A generated client or CLI (goa's `gen/http/cli`) calls the service over the network; its
    // methods only share names with the service's.
    if program.modules[f.module].generated {
        return None;
    }
    let function = program.function(f);
    if let Some(what) = function.runs_as {
        return Some(what);
    }
    if function.name == "main" {
        return Some("main");
    }
    let path = &program.modules[f.module].path;
    let (folders, file) = path.rsplit_once('/').unwrap_or(("", path));
    for folder in folders.split('/') {
        let folder = folder.to_ascii_lowercase();
        if let Some((_, what)) = FOLDERS.iter().find(|(name, _)| *name == folder) {
            return Some(what);
        }
    }
    if let Some((_, what)) = PATH_PARTS.iter().find(|(part, _)| path.contains(part)) {
        return Some(what);
    }
    let stem = file.rsplit_once('.').map(|(s, _)| s).unwrap_or(file);
    let stem = stem.to_ascii_lowercase();
    let last = stem.rsplit(['.', '-', '_']).next().unwrap_or("");
    FILE_PARTS
        .iter()
        .find(|(name, _)| *name == stem || *name == last)
        .map(|(_, what)| *what)
}
