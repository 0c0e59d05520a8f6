//! The three everyday uses beyond a plain scan: `review` of a change as a PR gate, baselines and
//! inline suppressions for scheduled scans, and workflow snapshots as regression tests. Each test
//! builds a small git repository in a temporary folder.

use std::path::{Path, PathBuf};
use std::process::Command as Process;

use assert_cmd::Command;
use predicates::prelude::*;

fn fixture_file(case: &str, rel: &str) -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/ts")
            .join(case)
            .join(rel),
    )
    .unwrap()
}

const ROUTE: &str = "app/api/invite/route.ts";

fn git(dir: &Path, args: &[&str]) {
    let ok = Process::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .unwrap();
    assert!(
        ok.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&ok.stderr)
    );
}

/// A repository on branch `main` whose first commit holds the invite route of fixture `case`
/// (and `extra` files).
fn repo_with_invite(case: &str, extra: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    git(dir.path(), &["init", "-q", "-b", "main"]);
    git(dir.path(), &["config", "user.email", "dev@example.com"]);
    git(dir.path(), &["config", "user.name", "dev"]);
    write(dir.path(), ROUTE, &fixture_file(case, ROUTE));
    for (rel, text) in extra {
        write(dir.path(), rel, text);
    }
    git(dir.path(), &["add", "-A"]);
    git(dir.path(), &["commit", "-qm", "invite route"]);
    dir
}

/// A repository whose first commit holds the correct invite route.
fn repo_with_correct_invite() -> tempfile::TempDir {
    repo_with_invite("invite-correct", &[])
}

fn write(root: &Path, rel: &str, text: &str) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

fn idrift() -> Command {
    Command::cargo_bin("idrift").unwrap()
}

/// `idrift review --format FORMAT --base main` of `repo`, which must exit with `code`.
fn review_output(repo: &tempfile::TempDir, format: &str, code: i32) -> Vec<u8> {
    idrift()
        .args(["review", "--format", format, "--base", "main"])
        .arg(repo.path())
        .assert()
        .code(code)
        .get_output()
        .stdout
        .clone()
}

#[test]
fn review_reports_drift_a_change_introduces_and_the_reshaped_workflow() {
    let repo = repo_with_correct_invite();
    write(
        repo.path(),
        ROUTE,
        &fixture_file("invite-missing-permission", ROUTE),
    );
    idrift()
        .args(["review", "--base", "main"])
        .arg(repo.path())
        .assert()
        .code(1)
        .stdout(predicate::str::contains("drift this change introduces (1)"))
        .stdout(predicate::str::contains(
            "high[missing-check] invite/can_manage_members",
        ))
        // Named as a user knows the entry, like `scan` does.
        .stdout(predicate::str::contains("--> app/api/invite/route.ts:"))
        .stdout(predicate::str::contains(
            "(in POST, route POST /api/invite)",
        ))
        .stdout(predicate::str::contains(
            "workflow reshaped: invite app/api/invite/route.ts:POST",
        ))
        .stdout(predicate::str::contains(
            "+  - can_manage_members (high): not found",
        ));
}

/// The change of `review_reports_drift_a_change_introduces_and_the_reshaped_workflow`: the
/// permission check removed from the invite route.
fn repo_with_permission_check_removed() -> tempfile::TempDir {
    let repo = repo_with_correct_invite();
    write(
        repo.path(),
        ROUTE,
        &fixture_file("invite-missing-permission", ROUTE),
    );
    repo
}

#[test]
fn review_as_markdown_is_the_pull_request_comment() {
    let repo = repo_with_permission_check_removed();
    let out = review_output(&repo, "markdown", 1);
    let md = String::from_utf8(out).unwrap();
    // Found again by an integration that updates its comment.
    assert!(md.starts_with("<!-- idrift-review -->\n"));
    assert!(md.contains("**1 finding(s) introduced**"));
    assert!(md.contains("### Drift this change introduces"));
    assert!(md.contains(
        "| high | missing-check | `invite/can_manage_members` | `app/api/invite/route.ts:"
    ));
    // The reshaped workflow: its snapshot diff and its graph.
    assert!(md.contains("### Workflow reshaped: `invite app/api/invite/route.ts:POST`"));
    assert!(md.contains("```diff\n"));
    assert!(md.contains("+  - can_manage_members (high): not found"));
    assert!(md.matches("```mermaid\n").count() >= 2, "{md}");
    // Not the text renderer's output.
    assert!(!md.contains("drift this change introduces (1)"));
}

#[test]
fn review_as_sarif_holds_the_introduced_findings_with_scan_fingerprints() {
    let repo = repo_with_permission_check_removed();
    let out = review_output(&repo, "sarif", 1);
    let sarif: serde_json::Value = serde_json::from_slice(&out).expect("review SARIF is JSON");
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/sarif-schema-2.1.0.json"),
        )
        .unwrap(),
    )
    .unwrap();
    assert!(jsonschema::validator_for(&schema).unwrap().is_valid(&sarif));
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 1);
    assert_eq!(results[0]["ruleId"], "invite/can_manage_members");
    // The same fingerprint a scan of the working tree gives the finding.
    let scan = idrift()
        .args(["scan", "--format", "sarif"])
        .arg(repo.path())
        .output()
        .unwrap();
    let scan: serde_json::Value = serde_json::from_slice(&scan.stdout).unwrap();
    let scanned = scan["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["ruleId"] == "invite/can_manage_members")
        .expect("the scan finds it too");
    assert!(results[0]["partialFingerprints"].is_object());
    assert_eq!(
        results[0]["partialFingerprints"],
        scanned["partialFingerprints"]
    );
}

#[test]
fn review_reads_a_deleted_file_as_the_base_had_it() {
    // The base has a drifted route; the change deletes it (and touches nothing else).
    let dir = repo_with_invite("invite-missing-permission", &[("README.md", "app\n")]);
    std::fs::remove_file(dir.path().join(ROUTE)).unwrap();
    let out = review_output(&dir, "json", 0);
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(v["fixed"][0]["step"], "can_manage_members");
    assert_eq!(
        v["removed_workflows"][0],
        "invite app/api/invite/route.ts:POST"
    );
    assert_eq!(v["changed_files"], serde_json::json!([ROUTE]));
    // Nothing was written into the repository.
    assert!(!dir.path().join(ROUTE).exists());
}

#[test]
fn review_reports_drift_a_change_fixes_and_passes() {
    let dir = repo_with_invite("invite-missing-permission", &[]);
    write(dir.path(), ROUTE, &fixture_file("invite-correct", ROUTE));
    let out = review_output(&dir, "json", 0);
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(v["introduced"].as_array().unwrap().len(), 0);
    assert_eq!(v["fixed"][0]["step"], "can_manage_members");
    assert_eq!(v["changed_files"][0], ROUTE);
}

#[test]
fn review_flags_suppressions_the_change_adds() {
    let repo = repo_with_correct_invite();
    let drifted = fixture_file("invite-missing-permission", ROUTE).replace(
        "  await workos.userManagement.sendInvitation",
        "  // idrift-ignore[missing-check/can_manage_members]: reviewed, trust me\n  await workos.userManagement.sendInvitation",
    );
    write(repo.path(), ROUTE, &drifted);
    idrift()
        .args(["review", "--base", "main"])
        .arg(repo.path())
        .assert()
        .code(1)
        .stdout(predicate::str::contains("suppressions this change adds"))
        .stdout(predicate::str::contains(
            "idrift-ignore[missing-check/can_manage_members]: reviewed, trust me",
        ))
        .stdout(predicate::str::contains("0 finding(s) introduced"));
}

#[test]
fn review_on_a_shallow_clone_without_the_base_says_what_to_fetch() {
    let repo = repo_with_correct_invite();
    write(repo.path(), "README.md", "second\n");
    git(repo.path(), &["add", "-A"]);
    git(repo.path(), &["commit", "-qm", "second"]);
    let clone = tempfile::tempdir().unwrap();
    let url = format!("file://{}", repo.path().display());
    let ok = Process::new("git")
        .args(["clone", "-q", "--depth", "1", &url])
        .arg(clone.path().join("c"))
        .output()
        .unwrap();
    assert!(ok.status.success());
    idrift()
        .args(["review", "--base", "HEAD~1"])
        .arg(clone.path().join("c"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("shallow clone"))
        .stderr(predicate::str::contains("git fetch"));
}

#[test]
fn baselines_report_new_accepted_fixed_and_obsolete() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        ROUTE,
        &fixture_file("invite-missing-permission", ROUTE),
    );
    write(
        dir.path(),
        "app/api/members/route.ts",
        &fixture_file("invite-role-from-request", ROUTE),
    );
    let baseline = dir.path().join("idrift-baseline.json");
    idrift()
        .args(["baseline", "write"])
        .arg(&baseline)
        .arg(dir.path())
        .assert()
        .code(0);
    idrift()
        .args(["scan", "--baseline"])
        .arg(&baseline)
        .arg(dir.path())
        .assert()
        .code(0)
        .stdout(predicate::str::contains(
            "baseline: 0 new, 2 accepted, 0 fixed, 0 obsolete",
        ));
    // A new drift in another route, one fixed, one removed.
    write(dir.path(), ROUTE, &fixture_file("invite-correct", ROUTE));
    std::fs::remove_file(dir.path().join("app/api/members/route.ts")).unwrap();
    write(
        dir.path(),
        "app/api/other/route.ts",
        &fixture_file("invite-org-from-request", ROUTE),
    );
    let out = idrift()
        .args(["scan", "--format", "json", "--baseline"])
        .arg(&baseline)
        .arg(dir.path())
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(v["baseline"]["new"], 1);
    assert_eq!(v["baseline"]["existing"], 0);
    assert_eq!(v["baseline"]["fixed"][0]["step"], "can_manage_members");
    assert_eq!(
        v["baseline"]["obsolete"][0]["file"],
        "app/api/members/route.ts"
    );
    assert_eq!(v["findings"][0]["step"], "organization_from_session");
}

#[test]
fn a_broken_baseline_file_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("b.json"), "{ not json").unwrap();
    idrift()
        .args(["scan", "--baseline"])
        .arg(dir.path().join("b.json"))
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("not a valid idrift baseline"));
}

fn suppressed_route(comment: &str) -> String {
    fixture_file("invite-missing-permission", ROUTE).replace(
        "  await workos.userManagement.sendInvitation",
        &format!("  {comment}\n  await workos.userManagement.sendInvitation"),
    )
}

#[test]
fn inline_suppressions_need_a_reason_and_must_be_used() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), ROUTE, &suppressed_route("// idrift-ignore[missing-check/can_manage_members]: only staff reach this route (proxy allow-list)"));
    let out = idrift()
        .args(["scan", "--format", "json"])
        .arg(dir.path())
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert!(v["findings"].as_array().unwrap().is_empty());
    assert_eq!(v["suppressed"][0]["step"], "can_manage_members");

    write(
        dir.path(),
        ROUTE,
        &suppressed_route("// idrift-ignore[missing-check/can_manage_members]"),
    );
    idrift()
        .arg("scan")
        .arg(dir.path())
        .assert()
        .code(1)
        .stdout(predicate::str::contains("suppression without a reason"));

    write(
        dir.path(),
        ROUTE,
        &suppressed_route("// idrift-ignore[added-privilege/role_allowed]: not needed"),
    );
    idrift()
        .arg("scan")
        .arg(dir.path())
        .assert()
        .code(1)
        .stdout(predicate::str::contains("unused suppression"))
        .stdout(predicate::str::contains(
            "high[missing-check] invite/can_manage_members",
        ));
}

#[test]
fn python_comments_suppress_too() {
    let dir = tempfile::tempdir().unwrap();
    let root =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/py/invite-missing-permission");
    for rel in ["app/routes/team.py", "app/workos_client.py"] {
        let mut text = std::fs::read_to_string(root.join(rel)).unwrap();
        if rel.ends_with("team.py") {
            text = text.replace(
                "    invitation = workos_client",
                "    # idrift-ignore[missing-check/can_manage_members]: the gateway admits admins only\n    invitation = workos_client",
            );
        }
        write(dir.path(), rel, &text);
    }
    idrift()
        .arg("scan")
        .arg(dir.path())
        .assert()
        .code(0)
        .stdout(predicate::str::contains("1 finding(s) suppressed inline."));
}

#[test]
fn snapshots_write_check_and_update() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), ROUTE, &fixture_file("invite-correct", ROUTE));
    let snaps: PathBuf = dir.path().join("idrift-snapshots");
    idrift()
        .args(["snapshot", "--dir"])
        .arg(&snaps)
        .arg(dir.path())
        .assert()
        .code(0);
    let file = snaps.join("invite__app_api_invite_route.ts__POST.txt");
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.contains("  - can_manage_members (high):\n      app/api/invite/route.ts: if (!permissions?.includes(\"widgets:users-table:manage\")) {"));
    assert!(text.contains(
        "organization_from_session: organizationId = session `withAuth().organizationId`"
    ));
    assert!(!text.contains(":10"), "no line numbers in snapshots");
    // Unrelated edits (comments shift every line) keep the snapshot.
    write(
        dir.path(),
        ROUTE,
        &format!("// header\n\n{}", fixture_file("invite-correct", ROUTE)),
    );
    idrift()
        .args(["snapshot", "--check", "--dir"])
        .arg(&snaps)
        .arg(dir.path())
        .assert()
        .code(0);
    // A dropped check shows as a diff and fails.
    write(
        dir.path(),
        ROUTE,
        &fixture_file("invite-missing-permission", ROUTE),
    );
    idrift()
        .args(["snapshot", "--check", "--dir"])
        .arg(&snaps)
        .arg(dir.path())
        .assert()
        .code(1)
        .stdout(predicate::str::contains("-  - can_manage_members (high):"))
        .stdout(predicate::str::contains(
            "+  - can_manage_members (high): not found",
        ));
    idrift()
        .args(["snapshot", "--update", "--dir"])
        .arg(&snaps)
        .arg(dir.path())
        .assert()
        .code(0);
    idrift()
        .args(["snapshot", "--check", "--dir"])
        .arg(&snaps)
        .arg(dir.path())
        .assert()
        .code(0);
    // Without --check or --update, existing snapshots are not overwritten.
    idrift()
        .args(["snapshot", "--dir"])
        .arg(&snaps)
        .arg(dir.path())
        .assert()
        .code(2);
}
