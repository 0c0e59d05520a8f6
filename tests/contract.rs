//! The contract table (`canonical/workos/contract.yaml`) holds the specs to the provider's API:
//! every operation a spec anchors is in it with every SDK spelling of it, each of which is a call
//! of that spec; every security-relevant operation no spec covers says why; and `idrift specs
//! coverage` shows exactly that to a user.

use std::collections::BTreeSet;

use assert_cmd::Command;
use idrift::spec::{self, contract::Sdk};
use predicates::prelude::*;

fn idrift() -> Command {
    Command::cargo_bin("idrift").unwrap()
}

#[test]
fn the_specs_and_the_contract_table_agree() {
    let set = spec::load_builtin().unwrap();
    assert_eq!(set.contracts.len(), 1, "the built-in specs carry one table");
    let problems = set.contract_problems();
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn every_anchored_operation_is_spelled_for_every_sdk_with_its_source() {
    let set = spec::load_builtin().unwrap();
    let (_, table) = &set.contracts[0];
    let mut missing = Vec::new();
    for (id, op) in table
        .operations
        .iter()
        .filter(|(_, op)| !op.workflow.is_empty())
    {
        let sdks: BTreeSet<Sdk> = op
            .spellings
            .iter()
            .map(|s| s.sdk)
            .chain(op.absent.iter().map(|a| a.sdk))
            .collect();
        for sdk in [Sdk::Node, Sdk::Python, Sdk::Go, Sdk::Ruby] {
            if !sdks.contains(&sdk) {
                missing.push(format!("{id}: no {sdk:?} spelling"));
            }
        }
        for s in &op.spellings {
            if s.source.trim().is_empty() || s.tag.trim().is_empty() {
                missing.push(format!("{id}: `{}` has no source file or tag", s.call));
            }
        }
    }
    assert!(missing.is_empty(), "{}", missing.join("\n"));
}

#[test]
fn specs_coverage_lists_every_operation_with_its_workflow_or_reason() {
    let set = spec::load_builtin().unwrap();
    let rows = set.coverage();
    assert!(
        rows.len() > 20,
        "the table lists the API's security-relevant operations"
    );
    for row in &rows {
        let reason = row.reason.as_deref().unwrap_or("");
        assert!(
            !row.workflows.is_empty() || !reason.trim().is_empty(),
            "{} is neither covered nor explained",
            row.operation
        );
    }
    let covered = rows
        .iter()
        .find(|r| r.operation == "UserlandUserInvitesController_create");
    assert_eq!(
        covered.map(|r| r.workflows.clone()),
        Some(vec!["invite".to_string()])
    );

    // A covered operation whose workflow judges only part of it says which part: a clean
    // report does not vouch for an organization renamed across tenants.
    let update = rows
        .iter()
        .find(|r| r.operation == "OrganizationsController_updateOrganization")
        .unwrap();
    assert_eq!(update.workflows, vec!["domain-verify".to_string()]);
    assert!(update
        .partial
        .as_deref()
        .is_some_and(|p| p.contains("domains")));
    assert_eq!(covered.and_then(|r| r.partial.clone()), None);

    let output = idrift().args(["specs", "coverage"]).assert().code(0);
    let text = String::from_utf8(output.get_output().stdout.clone()).unwrap();
    assert!(text.contains("UserlandUserInvitesController_create"));
    assert!(text.contains("-> invite\n"));
    assert!(text.contains("-> domain-verify (partly: judged only when the call changes"));
    assert!(text.contains("not covered: "));
    // --strict fails while some operation is not covered.
    idrift()
        .args(["specs", "coverage", "--strict"])
        .assert()
        .code(1);
    let json = idrift()
        .args(["specs", "coverage", "--format", "json"])
        .assert()
        .code(0);
    let rows_json: serde_json::Value = serde_json::from_slice(&json.get_output().stdout).unwrap();
    assert_eq!(rows_json.as_array().map(Vec::len), Some(rows.len()));
}

#[test]
fn a_broken_contract_table_is_a_located_error() {
    let dir = tempfile::tempdir().unwrap();
    let lint_fails_with = |table: &str, message: &str| {
        std::fs::write(dir.path().join("contract.yaml"), table).unwrap();
        idrift()
            .args(["specs", "lint"])
            .arg(dir.path())
            .assert()
            .code(2)
            .stderr(predicate::str::contains(message));
    };
    lint_fails_with(
        "provider: workos\noperations:\n  X_create:\n    what: make an x\n    method: POST\n    path: /x\n",
        "contract.yaml:3:",
    );
    lint_fails_with(
        "provider: workos\noperations:\n  X_create:\n    what: make an x\n    method: POST\n    path: /x\n",
        "has no workflow and no `reason`",
    );
    lint_fails_with(
        "provider: workos\noperations: {}\nunknown_key: 1\n",
        "unknown_key",
    );
}

#[test]
fn a_spec_call_the_table_does_not_spell_fails_lint() {
    let dir = tempfile::tempdir().unwrap();
    let canonical = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("canonical/workos");
    for file in ["provider.yaml", "invite.yaml"] {
        std::fs::copy(canonical.join(file), dir.path().join(file)).unwrap();
    }
    // The table knows the invitation, but only one of its spellings.
    std::fs::write(
        dir.path().join("contract.yaml"),
        "provider: workos\noperations:\n  UserlandUserInvitesController_create:\n    what: send an invitation\n    method: POST\n    path: /user_management/invitations\n    workflow: invite\n    spellings:\n      - { sdk: node, versions: all, call: userManagement.sendInvitation, source: src/user-management/user-management.ts, tag: v10.9.0 }\n",
    )
    .unwrap();
    idrift()
        .args(["specs", "lint"])
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("calls `user_management.send_invitation`, which the table spells for none")
                .and(predicate::str::contains(
                    "lists `WidgetsPublicController_issueWidgetSessionToken`, which the table does not list",
                )),
        );
}
