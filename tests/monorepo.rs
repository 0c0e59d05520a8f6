//! The same files give the same workflow instances and findings whichever folder is scanned: the
//! repository root of a monorepo, or the folder of one of its apps.

use std::collections::BTreeSet;
use std::path::Path;

use idrift::{analyse, spec, ScanOptions};

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

type Seen = (
    BTreeSet<(String, String, String, String, u32)>,
    BTreeSet<(String, String, u32)>,
    BTreeSet<(String, String, u32)>,
);

/// Findings, workflow instances and unresolved calls, with paths relative to `app`.
fn seen(scanned: &Path, app: &str) -> Seen {
    let specs = spec::load_builtin().unwrap();
    let a = analyse(scanned, &specs, &ScanOptions::default()).unwrap();
    let rel = |file: &str| file.strip_prefix(app).unwrap_or(file).to_string();
    let in_app = |file: &str| app.is_empty() || file.starts_with(app);
    let findings = a
        .report
        .findings
        .iter()
        .filter(|f| in_app(&f.file))
        .map(|f| {
            (
                f.kind.as_str().to_string(),
                f.workflow.clone(),
                f.step.clone(),
                rel(&f.file),
                f.line,
            )
        })
        .collect();
    let workflows = a
        .report
        .workflows
        .iter()
        .filter(|w| in_app(&w.file))
        .map(|w| (w.id.clone(), rel(&w.file), w.line))
        .collect();
    let unresolved = a
        .report
        .unresolved
        .iter()
        .filter(|u| in_app(&u.file))
        .map(|u| (u.action.clone(), rel(&u.file), u.line))
        .collect();
    (findings, workflows, unresolved)
}

#[test]
fn an_app_scanned_alone_or_from_the_monorepo_root_gives_the_same_report() {
    let base = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/ts");
    let repo = tempfile::tempdir().unwrap();
    // Two apps and a package folder of their own; one app has drift, the other does not.
    copy_dir(
        &base.join("invite-helper-guard"),
        &repo.path().join("apps/web"),
    );
    copy_dir(
        &base.join("invite-missing-permission"),
        &repo.path().join("apps/web/app/api/bad"),
    );
    copy_dir(
        &base.join("trpc-missing-admin"),
        &repo.path().join("apps/admin"),
    );
    std::fs::write(
        repo.path().join("package.json"),
        "{\"workspaces\":[\"apps/*\"]}\n",
    )
    .unwrap();

    for app in ["apps/web", "apps/admin"] {
        let from_root = seen(repo.path(), &format!("{app}/"));
        let alone = seen(&repo.path().join(app), "");
        assert_eq!(from_root, alone, "{app}: root scan vs app scan");
        assert!(!alone.1.is_empty(), "{app}: workflows found");
        assert!(!alone.0.is_empty(), "{app}: its drift is found");
    }
}
