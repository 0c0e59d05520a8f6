//! The project config (`idrift.toml`) as a team uses it: teaching idrift its own guards,
//! session helpers, trusted middleware and roles; severity overrides and excludes; located
//! errors; unused entries reported; the JSON Schema editors validate it with.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use predicates::prelude::*;

fn idrift() -> Command {
    Command::cargo_bin("idrift").unwrap()
}

fn fixture(case: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/config")
        .join(case)
}

/// (kind, workflow/step, severity) of every finding of a JSON scan, sorted.
fn findings(report: &serde_json::Value) -> Vec<(String, String, String)> {
    let mut out: Vec<(String, String, String)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["kind"].as_str().unwrap().to_string(),
                format!(
                    "{}/{}",
                    f["workflow"].as_str().unwrap(),
                    f["step"].as_str().unwrap()
                ),
                f["severity"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    out.sort();
    out
}

fn scan_json(args: &[&str], path: &Path) -> (i32, serde_json::Value) {
    let out = idrift()
        .arg("scan")
        .args(["--format", "json"])
        .args(args)
        .arg(path)
        .output()
        .unwrap();
    let code = out.status.code().unwrap();
    let report = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    (code, report)
}

fn triple(kind: &str, step: &str, severity: &str) -> (String, String, String) {
    (kind.into(), step.into(), severity.into())
}

#[test]
fn the_config_teaches_the_apps_own_guards_session_and_roles() {
    // Without the config, the helpers of an internal package are unknown: four findings.
    let (code, report) = scan_json(&["--no-config"], &fixture("vocab-correct"));
    assert_eq!(code, 1);
    assert_eq!(
        findings(&report),
        vec![
            triple("added-privilege", "invite/role_allowed", "low"),
            triple("missing-check", "invite/authenticated", "high"),
            triple("missing-check", "invite/can_manage_members", "high"),
            triple("missing-check", "invite/organization_from_session", "high"),
        ]
    );
    // `idrift.toml` in the scanned folder is read by default: the correct app is clean, and
    // every entry of its config was used.
    let (code, report) = scan_json(&[], &fixture("vocab-correct"));
    assert_eq!(findings(&report), vec![]);
    assert_eq!(code, 0);
    assert!(report.get("config_problems").is_none(), "{report:#}");
}

#[test]
fn drift_in_code_written_in_the_apps_words_is_still_found() {
    // The same config over the drifted twin: the permission check is gone and the role is admin.
    let (code, report) = scan_json(&[], &fixture("vocab-drifted"));
    assert_eq!(code, 1);
    assert_eq!(
        findings(&report),
        vec![
            triple("added-privilege", "invite/role_allowed", "high"),
            triple("missing-check", "invite/can_manage_members", "high"),
        ]
    );
    // The verdict the drift removed is now an unused entry, pointed at in the config.
    let problems = report["config_problems"].as_array().unwrap();
    assert_eq!(problems.len(), 1, "{problems:#?}");
    assert_eq!(problems[0]["line"], 13);
    assert_eq!(problems[0]["column"], 1);
    assert_eq!(
        problems[0]["entry"],
        "checks.can_manage_members: verdict mayRecruit"
    );
    assert!(problems[0]["file"]
        .as_str()
        .unwrap()
        .ends_with("vocab-drifted/idrift.toml"));
}

#[test]
fn a_token_verifier_of_the_apps_own_makes_the_session_it_is_given_in_a_cookie() {
    // Unknown, `verifySessionToken`'s result is nobody's word: its permissions and organization
    // do not count. Named a token verifier, what it returns for the session cookie is the caller's.
    let (code, report) = scan_json(&["--no-config"], &fixture("token-verifier"));
    assert_eq!(code, 1);
    assert_eq!(
        findings(&report),
        vec![
            triple("missing-check", "invite/can_manage_members", "high"),
            triple("missing-check", "invite/organization_from_session", "high"),
        ]
    );
    let (code, report) = scan_json(&[], &fixture("token-verifier"));
    assert_eq!((code, findings(&report)), (0, vec![]));
}

#[test]
fn trusted_middleware_counts_even_when_its_refusal_is_out_of_sight() {
    let (code, report) = scan_json(&["--no-config"], &fixture("express-trusted"));
    assert_eq!(code, 1);
    assert_eq!(
        findings(&report),
        vec![triple("missing-check", "invite/authenticated", "high")]
    );
    let (code, report) = scan_json(&[], &fixture("express-trusted"));
    assert_eq!((code, findings(&report)), (0, vec![]));
}

#[test]
fn unused_entries_warn_in_text_without_failing_the_scan() {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&fixture("vocab-correct"), dir.path());
    let config = dir.path().join("idrift.toml");
    let mut text = std::fs::read_to_string(&config).unwrap();
    text.push_str("\n[[checks.can_manage_members]]\ncall = [\"requireRecruiter\"]\n");
    std::fs::write(&config, text).unwrap();
    idrift()
        .arg("scan")
        .arg(dir.path())
        .assert()
        .code(0)
        .stdout(predicate::str::contains("config warnings (1):"))
        .stdout(predicate::str::contains(
            "idrift.toml:20:1: checks.can_manage_members: call requireRecruiter: unused config entry",
        ));
}

#[test]
fn severity_overrides_and_excludes_apply() {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&fixture("vocab-drifted"), dir.path());
    let config = dir.path().join("idrift.toml");
    let mut text = std::fs::read_to_string(&config).unwrap();
    text.push_str("\n[severity]\n\"invite/role_allowed\" = \"medium\"\n");
    std::fs::write(&config, &text).unwrap();
    let (_, report) = scan_json(&[], dir.path());
    assert_eq!(
        findings(&report),
        vec![
            triple("added-privilege", "invite/role_allowed", "medium"),
            triple("missing-check", "invite/can_manage_members", "high"),
        ]
    );
    // Excludes are added to --exclude: with the route left out, nothing is scanned.
    std::fs::write(&config, format!("exclude = [\"app/api/**\"]\n{text}")).unwrap();
    let (code, report) = scan_json(&[], dir.path());
    assert_eq!((code, report["stats"]["files"].as_u64()), (0, Some(0)));
}

#[test]
fn an_explicit_config_is_used_and_no_config_skips_it() {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&fixture("vocab-correct"), dir.path());
    let moved = dir.path().join("security.toml");
    std::fs::rename(dir.path().join("idrift.toml"), &moved).unwrap();
    let (code, _) = scan_json(&[], dir.path());
    assert_eq!(code, 1, "no idrift.toml in the folder: nothing learned");
    let (code, report) = scan_json(&["--config", moved.to_str().unwrap()], dir.path());
    assert_eq!((code, findings(&report)), (0, vec![]));
    idrift()
        .args(["scan", "--config"])
        .arg(dir.path().join("missing.toml"))
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("missing.toml: no such file"));
}

/// Each broken config exits 2 with the file, line and column of the mistake.
#[test]
fn config_errors_are_located_and_exit_2() {
    let cases: &[(&str, &str)] = &[
        // A typo of a check id must not be a rule that silently never applies.
        (
            "[[checks.can_manage_member]]\ncall = [\"x\"]\n",
            "idrift.toml:1:10: `can_manage_member`: no workflow has a check of that id",
        ),
        (
            "[sesion]\ncalls = [\"x\"]\n",
            "idrift.toml:1:2: unknown field `sesion`",
        ),
        (
            "[[checks.authenticated]]\ncall = [\"x\"]\nverdict = [\"y\"]\n",
            "idrift.toml:1:1: checks.authenticated: give exactly one of",
        ),
        (
            "[[checks.authenticated]]\nverdict = [\"y\"]\ntrusted = true\n",
            "idrift.toml:1:1: checks.authenticated: `trusted` applies to `call` matchers only",
        ),
        (
            "[severity]\nrole_allowed = \"critical\"\n",
            "idrift.toml:2:16: unknown variant `critical`",
        ),
        (
            "[severity]\n\"invite/can_manage_domains\" = \"low\"\n",
            "idrift.toml:2:1: severity.invite/can_manage_domains: no workflow has a check or argument rule",
        ),
        (
            "[arguments.role]\nallow = [\"viewer\"]\n",
            "idrift.toml:1:12: arguments.role: no workflow has an argument rule of that id",
        ),
        (
            "[[middleware]]\nname = \"requireAdmin\"\nchecks = [\"authenticated\", \"admin\"]\n",
            "idrift.toml:1:1: `admin`: no workflow has a check of that id",
        ),
        (
            "\n\nspecs = [\"team-specs\"]\n",
            "idrift.toml:3:10: specs: spec directory",
        ),
        ("[checks\n", "idrift.toml:1:8:"),
    ];
    for (text, expected) in cases {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("idrift.toml"), text).unwrap();
        for command in [&["scan"][..], &["config", "check"][..]] {
            idrift()
                .args(command)
                .arg(dir.path())
                .assert()
                .code(2)
                .stderr(predicate::str::contains(*expected))
                .stderr(predicate::str::contains("invalid config"));
        }
    }
    // Not text at all.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("idrift.toml"), b"\xff\xfe\x00").unwrap();
    idrift()
        .arg("scan")
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "idrift.toml:1:1: the file is not valid UTF-8",
        ));
}

#[test]
fn config_check_validates_and_counts_what_it_will_match() {
    idrift()
        .args(["config", "check"])
        .arg(fixture("vocab-correct"))
        .assert()
        .code(0)
        .stdout(predicate::str::contains(
            "idrift.toml is valid (3 entries to match in code)",
        ));
    let empty = tempfile::tempdir().unwrap();
    idrift()
        .args(["config", "check"])
        .arg(empty.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no idrift.toml here"));
}

#[test]
fn the_schema_accepts_every_shipped_config_and_rejects_unknown_keys() {
    let out = idrift().args(["config", "schema"]).output().unwrap();
    assert!(out.status.success());
    let schema: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let validator = jsonschema::validator_for(&schema).expect("the schema compiles");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut configs = vec![root.join("examples/idrift.toml")];
    for case in ["vocab-correct", "vocab-drifted", "express-trusted"] {
        configs.push(fixture(case).join("idrift.toml"));
    }
    for path in configs {
        let text = std::fs::read_to_string(&path).unwrap();
        let value: serde_json::Value = toml::from_str(&text).unwrap();
        let errors: Vec<String> = validator
            .iter_errors(&value)
            .map(|e| e.to_string())
            .collect();
        assert!(errors.is_empty(), "{}: {errors:?}", path.display());
        // And idrift itself accepts it.
        idrift()
            .args(["config", "check", "--config"])
            .arg(&path)
            .assert()
            .code(0);
    }
    let typo: serde_json::Value = toml::from_str("[sesion]\ncalls = [\"x\"]\n").unwrap();
    assert!(!validator.is_valid(&typo));
}

fn copy_dir(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}
