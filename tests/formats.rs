//! SARIF (validated against the OASIS 2.1.0 schema) and the Markdown pull-request comment.

use std::path::Path;

use assert_cmd::Command;

fn fixture(case: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/ts")
        .join(case)
}

fn scan(case: &str, format: &str) -> String {
    let out = Command::cargo_bin("idrift")
        .unwrap()
        .args(["scan", "--format", format])
        .arg(fixture(case))
        .output()
        .unwrap();
    assert!(
        out.status.code() == Some(0) || out.status.code() == Some(1),
        "exit {:?}",
        out.status
    );
    String::from_utf8(out.stdout).unwrap()
}

fn sarif_validator() -> jsonschema::Validator {
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/sarif-schema-2.1.0.json"),
        )
        .unwrap(),
    )
    .unwrap();
    jsonschema::validator_for(&schema).expect("the SARIF schema compiles")
}

#[test]
fn sarif_output_is_valid_sarif_2_1_0() {
    let validator = sarif_validator();
    for case in [
        "invite-try-catch-swallow",
        "invite-correct",
        "invite-extra-privileged-call",
    ] {
        let sarif: serde_json::Value = serde_json::from_str(&scan(case, "sarif")).unwrap();
        let errors: Vec<String> = validator
            .iter_errors(&sarif)
            .map(|e| format!("{e} at {}", e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{case}: {errors:#?}");
    }
}

#[test]
fn sarif_carries_rules_levels_fingerprints_and_code_flows() {
    let sarif: serde_json::Value =
        serde_json::from_str(&scan("invite-try-catch-swallow", "sarif")).unwrap();
    let run = &sarif["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    let rule = rules
        .iter()
        .find(|r| r["id"] == "invite/can_manage_members")
        .expect("one rule per check");
    assert!(rule["help"]["text"]
        .as_str()
        .unwrap()
        .contains("permission"));
    assert_eq!(rule["properties"]["security-severity"], "8.0");
    let result = &run["results"][0];
    assert_eq!(result["ruleId"], "invite/can_manage_members");
    assert_eq!(result["level"], "error");
    assert_eq!(
        result["partialFingerprints"]["idrift/v1"]
            .as_str()
            .unwrap()
            .len(),
        16
    );
    let flow = result["codeFlows"][0]["threadFlows"][0]["locations"]
        .as_array()
        .unwrap();
    assert!(flow.iter().any(|l| l["location"]["message"]["text"]
        .as_str()
        .unwrap()
        .contains("[throws, caught]")));
    assert_eq!(run["invocations"][0]["executionSuccessful"], true);
}

#[test]
fn sarif_lists_unanalysed_files_as_notifications() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("blob.ts"), b"sendInvitation\0\0\xffbinary").unwrap();
    let out = Command::cargo_bin("idrift")
        .unwrap()
        .args(["scan", "--format", "sarif"])
        .arg(dir.path())
        .output()
        .unwrap();
    let sarif: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let notes = sarif["runs"][0]["invocations"][0]["toolExecutionNotifications"]
        .as_array()
        .unwrap();
    assert_eq!(notes.len(), 1);
    assert!(notes[0]["message"]["text"]
        .as_str()
        .unwrap()
        .contains("blob.ts: binary"));
    assert!(sarif_validator().is_valid(&sarif));
}

#[test]
fn markdown_comment_has_summary_sections_and_highlighted_flowchart() {
    let md = scan("invite-check-behind-flag", "markdown");
    assert!(md.contains("| high | bypassed-step | `invite/can_manage_members` | `app/api/invite/route.ts:15` (POST) |"));
    assert!(md.contains("```mermaid\nflowchart TD"));
    assert!(
        md.contains("class ") && md.contains(" witness"),
        "the witness path is highlighted"
    );
    let quiet = scan("invite-correct", "markdown");
    assert!(quiet.contains("No drift found in 1 identity workflow instance."));
}

#[test]
fn snapshots_of_sarif_and_markdown() {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("../snapshots");
    settings.set_prepend_module_to_snapshot(false);
    settings.bind(|| {
        let sarif = scan("invite-role-from-request", "sarif")
            .replace(env!("CARGO_PKG_VERSION"), "<version>");
        let mut v: serde_json::Value = serde_json::from_str(&sarif).unwrap();
        // The rule list is the whole spec set; the snapshot keeps the results.
        v["runs"][0]["tool"]["driver"]["rules"] = serde_json::json!("<rules>");
        insta::assert_json_snapshot!("format__sarif_invite_role_from_request", v);
        insta::assert_snapshot!(
            "format__markdown_invite_check_behind_flag",
            scan("invite-check-behind-flag", "markdown")
        );
    });
}
