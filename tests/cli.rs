//! The binary as a user runs it: exit codes, output formats, spec errors.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use predicates::prelude::*;

fn idrift() -> Command {
    Command::cargo_bin("idrift").unwrap()
}

fn fixture(case: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/ts")
        .join(case)
}

/// A spec folder with only the provider file and the `invite` spec.
fn invite_only_specs() -> tempfile::TempDir {
    let specs = tempfile::tempdir().unwrap();
    for file in ["provider.yaml", "invite.yaml"] {
        std::fs::write(specs.path().join(file), builtin(file)).unwrap();
    }
    specs
}

/// The JSON report of a scan of `target` with only the specs of `specs`.
fn scan_json_with_specs(specs: &Path, target: &Path) -> serde_json::Value {
    let out = idrift()
        .args([
            "scan",
            "--format",
            "json",
            "--no-builtin-specs",
            "--spec-dir",
        ])
        .arg(specs)
        .arg(target)
        .output()
        .unwrap();
    serde_json::from_slice(&out.stdout).unwrap()
}

fn builtin(name: &str) -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("canonical/workos")
            .join(name),
    )
    .unwrap()
}

#[test]
fn correct_code_exits_zero_and_drift_exits_one() {
    idrift()
        .arg("scan")
        .arg(fixture("invite-correct"))
        .assert()
        .code(0);
    idrift()
        .arg("scan")
        .arg(fixture("invite-missing-permission"))
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "high[missing-check] invite/can_manage_members",
        ))
        .stdout(predicate::str::contains(
            "app/api/invite/route.ts:10:9 (in route POST /api/invite)",
        ));
}

#[test]
fn fail_on_sets_the_threshold() {
    // The only finding of this case is a medium one (the profile's organization is not checked).
    let dir = tempfile::tempdir().unwrap();
    let route = dir.path().join("app/auth/sso/callback");
    std::fs::create_dir_all(&route).unwrap();
    let src = std::fs::read_to_string(fixture("sso-login-correct").join("app/auth/sso/callback/route.ts"))
        .unwrap()
        .replace(
            "  if (profile.organizationId !== process.env.SSO_ORGANIZATION_ID) {\n    return NextResponse.json({ error: \"wrong organization\" }, { status: 403 });\n  }\n",
            "",
        );
    std::fs::write(route.join("route.ts"), src).unwrap();
    idrift()
        .args(["scan", "--format", "json"])
        .arg(dir.path())
        .assert()
        .code(1)
        .stdout(predicate::str::contains("profile_organization_checked"));
    idrift()
        .args(["scan", "--fail-on", "high"])
        .arg(dir.path())
        .assert()
        .code(0);
    idrift()
        .args(["scan", "--fail-on", "medium"])
        .arg(dir.path())
        .assert()
        .code(1);
}

#[test]
fn json_follows_the_output_contract() {
    let out = idrift()
        .args(["scan", "--format", "json"])
        .arg(fixture("invite-role-from-request"))
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(v["version"], 1);
    let wf = &v["workflows"][0];
    for key in ["id", "file", "line", "function"] {
        assert!(!wf[key].is_null(), "workflow.{key}");
    }
    assert_eq!(wf["id"], "invite");
    assert_eq!(wf["file"], "app/api/invite/route.ts");
    let f = &v["findings"][0];
    assert_eq!(f["kind"], "added-privilege");
    assert_eq!(f["workflow"], "invite");
    assert_eq!(f["step"], "role_allowed");
    assert_eq!(f["severity"], "high");
    assert_eq!(f["file"], "app/api/invite/route.ts");
    assert_eq!(f["line"], 13);
    assert_eq!(f["function"], "POST");
    assert!(f["message"].as_str().unwrap().contains("request input"));
    let path = f["path"].as_array().unwrap();
    assert!(path.len() >= 2);
    for step in path {
        assert!(step["file"].is_string() && step["line"].is_u64() && step["label"].is_string());
        assert!(
            step["function"].is_string(),
            "a path step names its function"
        );
    }
    assert_eq!(f["fingerprint"].as_str().unwrap().len(), 16);
    assert!(v["unscanned"].as_array().unwrap().is_empty());
}

#[test]
fn a_repository_without_workflows_says_so() {
    idrift()
        .arg("scan")
        .arg(fixture("no-workflow"))
        .assert()
        .code(0)
        .stdout(predicate::str::contains("No identity workflow found"));
}

#[test]
fn a_scan_without_preview_says_which_preview_workflows_the_code_would_need() {
    // Member removals only: the default set judges nothing, and says what --preview would run.
    let out = idrift()
        .arg("scan")
        .arg(fixture("member-remove-correct"))
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("Not run: the preview workflows")
            && text.contains("member-remove")
            && text.contains("add --preview"),
        "{text}"
    );
    let out = idrift()
        .args(["scan", "--format", "json"])
        .arg(fixture("member-remove-correct"))
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let not_run = &report["preview_not_run"];
    assert!(not_run["files"].as_u64().unwrap() >= 1, "{report}");
    assert!(not_run["workflows"]
        .as_array()
        .unwrap()
        .iter()
        .any(|w| w == "member-remove"));
    // With --preview it runs them, and a repository without such calls gets no such line.
    for (args, case) in [
        (&["--preview"][..], "member-remove-correct"),
        (&[][..], "invite-correct"),
    ] {
        let out = idrift()
            .arg("scan")
            .args(args)
            .arg(fixture(case))
            .output()
            .unwrap();
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(!text.contains("Not run:"), "{case}: {text}");
    }
}

#[test]
fn a_missing_path_is_a_usage_error() {
    idrift()
        .args(["scan", "/definitely/not/here"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "/definitely/not/here: no such file or directory",
        ));
}

#[test]
fn unknown_flags_are_usage_errors() {
    idrift().args(["scan", "--frobnicate"]).assert().code(2);
    idrift()
        .args(["scan", "--format", "xml", "."])
        .assert()
        .code(2);
}

#[test]
fn exclude_leaves_paths_out() {
    idrift()
        .args(["scan", "--exclude", "app/api/**"])
        .arg(fixture("invite-missing-permission"))
        .assert()
        .code(0)
        .stdout(predicate::str::contains("No identity workflow found"));
}

fn spec_dir_with(name: &str, text: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(name), text).unwrap();
    dir
}

#[test]
fn malformed_yaml_names_file_line_and_column() {
    let dir = spec_dir_with(
        "broken.yaml",
        "id: broken\nprovider: workos\ntitle: \"unterminated\ncontract: []\n",
    );
    idrift()
        .args(["specs", "lint"])
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(predicate::str::is_match(r"broken\.yaml:\d+:\d+: ").unwrap());
}

#[test]
fn unknown_spec_fields_are_errors_with_location() {
    let text = builtin("invite.yaml").replacen(
        "    severity: high\n",
        "    severity: high\n    severty: low\n",
        1,
    );
    let dir = spec_dir_with("invite.yaml", &text);
    let expected_line = text.lines().position(|l| l.contains("severty")).unwrap() + 1;
    idrift()
        .args(["specs", "lint"])
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains(format!(
            "invite.yaml:{expected_line}:5: "
        )))
        .stderr(predicate::str::contains("unknown field `severty`"));
}

#[test]
fn dangling_references_are_errors_with_location() {
    let text = builtin("invite.yaml").replacen(
        "protects: [send_invitation, users_widget_token]",
        "protects: [send_invitation, send_invite]",
        1,
    );
    let dir = spec_dir_with("invite.yaml", &text);
    let line = text
        .lines()
        .position(|l| l.contains("send_invite]"))
        .unwrap()
        + 1;
    let col = text
        .lines()
        .nth(line - 1)
        .unwrap()
        .find("send_invite]")
        .unwrap()
        + 1;
    idrift()
        .args(["specs", "lint"])
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains(format!(
            "invite.yaml:{line}:{col}: "
        )))
        .stderr(predicate::str::contains(
            "protects `send_invite`, which is not an action",
        ));
}

#[test]
fn empty_matchers_are_errors() {
    let text = builtin("sso-setup.yaml").replace(
        "      - condition: { compares: [organizationId, organization_id, OrganizationID, orgId, org_id] }\n",
        "      - condition: {}\n",
    );
    let dir = spec_dir_with("sso.yaml", &text);
    idrift()
        .args(["specs", "lint"])
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("the condition matcher is empty"));
}

#[test]
fn a_broken_extra_spec_stops_the_scan_with_exit_two() {
    let dir = spec_dir_with("x.yaml", "id: [\n");
    idrift()
        .args(["scan", "--spec-dir"])
        .arg(dir.path())
        .arg(fixture("invite-correct"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("x.yaml:"));
}

#[test]
fn a_custom_spec_extends_the_scan() {
    // A team's own invite helper: `inviteMember` is an internal API that must be guarded.
    let dir = spec_dir_with(
        "internal.yaml",
        r#"
id: internal-invite
provider: acme
title: Invite through the internal members service
contract: []
actions:
  invite:
    title: invite through membersService
    calls: [membersService.invite]
checks:
  admin:
    title: the caller is an admin
    severity: high
    protects: [invite]
    any_of:
      - call: [requireAdmin]
"#,
    );
    let repo = tempfile::tempdir().unwrap();
    std::fs::write(
        repo.path().join("handler.ts"),
        "const app = express();\napp.post(\"/invite\", async (req, res) => {\n  await membersService.invite(req.body.email);\n  res.sendStatus(201);\n});\n",
    )
    .unwrap();
    idrift()
        .args(["scan", "--spec-dir"])
        .arg(dir.path())
        .arg(repo.path())
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "high[missing-check] internal-invite/admin",
        ));
}

#[test]
fn builtin_specs_lint_clean_and_schema_denies_unknown_fields() {
    idrift()
        .args(["specs", "lint"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains(
            "10 workflow specs and 1 provider file valid",
        ));
    let out = idrift()
        .args(["specs", "schema"])
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    let schema: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(schema["additionalProperties"], false);
    assert!(schema["required"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r == "actions"));
}

#[test]
fn graph_prints_mermaid_and_dot() {
    idrift()
        .args(["graph", "--workflow", "invite"])
        .arg(fixture("invite-correct"))
        .assert()
        .code(0)
        .stdout(
            predicate::str::starts_with("%% invite").and(predicate::str::contains("flowchart TD")),
        );
    idrift()
        .args(["graph", "--format", "dot"])
        .arg(fixture("invite-correct"))
        .assert()
        .code(0)
        // A valid graph with branches drawn as diamonds and their sides labelled.
        .stdout(
            predicate::str::contains("\ndigraph cfg {")
                .and(predicate::str::contains("shape=diamond"))
                .and(predicate::str::contains("[label=\"false\"]"))
                // Entry, exit and denial as ovals.
                .and(predicate::str::contains("shape=oval, label=\"route.ts:"))
                .and(predicate::str::contains("shape=oval, label=\"denied\""))
                .and(predicate::str::contains("}\n")),
        );
    // Where ways meet (an unawaited guard's promise and the code after it) is a circle.
    idrift()
        .args(["graph", "--format", "dot"])
        .arg(fixture("invite-guard-not-awaited"))
        .assert()
        .stdout(predicate::str::contains("shape=circle"));
    idrift()
        .args(["graph", "--workflow", "nope"])
        .arg(fixture("invite-correct"))
        .assert()
        .code(2);
}

#[test]
fn no_progress_output_when_stderr_is_not_a_terminal() {
    idrift()
        .arg("scan")
        .arg(fixture("invite-missing-permission"))
        .assert()
        .code(1)
        .stderr(predicate::str::is_empty());
}

#[test]
fn hostile_yaml_is_refused_with_a_message_naming_the_file() {
    // An alias bomb: each level doubles the one below.
    let mut bomb = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..40 {
        bomb.push_str(&format!(
            "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n",
            p = i - 1
        ));
    }
    let deep = format!("id: {}x{}\n", "[".repeat(10_000), "]".repeat(10_000));
    let huge = format!("id: {}\n", "x".repeat(2 * 1024 * 1024));
    for (name, text, expect) in [
        ("bomb.yaml", bomb.as_str(), "bomb.yaml"),
        ("deep.yaml", deep.as_str(), "deep.yaml"),
        ("huge.yaml", huge.as_str(), "spec files are limited"),
    ] {
        let dir = spec_dir_with(name, text);
        idrift()
            .args(["specs", "lint"])
            .arg(dir.path())
            .timeout(std::time::Duration::from_secs(20))
            .assert()
            .code(2)
            .stderr(predicate::str::contains(expect));
    }
}

#[test]
fn a_spec_folder_that_does_not_exist_is_a_usage_error() {
    idrift()
        .args(["scan", "--spec-dir", "/no/such/specs"])
        .arg(fixture("invite-correct"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("/no/such/specs"));
}

#[test]
fn a_single_file_of_no_supported_language_is_a_usage_error_naming_the_languages() {
    let dir = tempfile::tempdir().unwrap();
    let notes = dir.path().join("notes.txt");
    std::fs::write(&notes, "not code\n").unwrap();
    idrift()
        .arg("scan")
        .arg(&notes)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "notes.txt is not a file idrift can read",
        ))
        .stderr(predicate::str::contains(".py .go .rb .rs"));
    // A supported file is scanned alone.
    let route = dir.path().join("route.py");
    std::fs::write(&route, "def handler(request):\n    return None\n").unwrap();
    idrift().arg("scan").arg(&route).assert().code(0);
}

/// The fingerprints of a scan's findings, by `workflow/step`.
fn fingerprints(path: &Path) -> Vec<(String, String)> {
    let out = idrift()
        .args(["scan", "--format", "json"])
        .arg(path)
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                format!(
                    "{}/{}",
                    f["workflow"].as_str().unwrap(),
                    f["step"].as_str().unwrap()
                ),
                f["fingerprint"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn explain_says_why_code_on_the_path_is_not_the_missing_check() {
    let case = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/frameworks/nextjs-middleware-drifted");
    let (_, fingerprint) = fingerprints(&case)
        .into_iter()
        .find(|(step, _)| step == "invite/authenticated")
        .expect("the drifted middleware leaves the route unauthenticated");
    let out = idrift()
        .args(["explain", &fingerprint[..10]])
        .arg(&case)
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    assert!(
        text.contains("high[missing-check] invite/authenticated"),
        "{text}"
    );
    // The session call without `ensureSignedIn`, and the permission check that is another step.
    assert!(
        text.contains("`withAuth` counts only called with { ensureSignedIn: true }"),
        "{text}"
    );
    assert!(text.contains("counts as: can_manage_members"), "{text}");
    // JSON names the same candidates.
    let out = idrift()
        .args(["explain", "--format", "json", &fingerprint])
        .arg(&case)
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["finding"]["fingerprint"], fingerprint.as_str());
    assert!(v["considered"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c["code"].as_str().unwrap().contains("withAuth()")));
}

#[test]
fn explain_of_a_rule_that_is_no_check_nor_allow_list_speaks_of_that_rule() {
    // An account linked by an unverified email: neither "considered as the check" nor "tests
    // the value against a fixed list", but the path and the rule's own help.
    let case = fixture("authkit-callback-link-in-helper");
    let (_, fingerprint) = fingerprints(&case)
        .into_iter()
        .find(|(step, _)| step == "authkit-callback/link_by_email")
        .expect("the helper links by an unverified email");
    let out = idrift()
        .args(["explain", &fingerprint])
        .arg(&case)
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("On the path:\n"), "{text}");
    assert!(!text.contains("fixed list"), "{text}");
    assert!(text.contains("help: Test `user.emailVerified`"), "{text}");
    let out = idrift()
        .args(["explain", "--format", "json", &fingerprint])
        .arg(&case)
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["step_is"], "rule");
}

#[test]
fn explain_of_an_unknown_or_short_fingerprint_is_a_usage_error() {
    let case = fixture("invite-missing-permission");
    idrift()
        .args(["explain", "0000000000"])
        .arg(&case)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "no finding has fingerprint `0000000000`",
        ));
    idrift()
        .args(["explain", "abc"])
        .arg(&case)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("too short"));
}

/// A privileged call the workflow does not list as an action is an added privilege when no
/// other loaded workflow judges it (with only the `invite` spec, a role change inside an invite
/// handler is nobody else's to judge); with the built-in specs, `role-assign` judges it.
#[test]
fn a_privileged_call_no_loaded_workflow_judges_is_an_added_privilege() {
    let specs = invite_only_specs();
    idrift()
        .args(["scan", "--no-builtin-specs", "--spec-dir"])
        .arg(specs.path())
        .arg(fixture("invite-extra-privileged-call"))
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "high[added-privilege] invite/privileged:userManagement.updateOrganizationMembership",
        ));
    // Its path leads from the entry to the privileged call.
    let v = scan_json_with_specs(specs.path(), &fixture("invite-extra-privileged-call"));
    let finding = &v["findings"][0];
    let last = finding["path"].as_array().unwrap().last().unwrap();
    assert_eq!(last["line"], finding["line"]);
    assert!(last["label"]
        .as_str()
        .unwrap()
        .contains("updateOrganizationMembership"));
    idrift()
        .arg("scan")
        .arg(fixture("invite-extra-privileged-call"))
        .assert()
        .stdout(predicate::str::contains("privileged:").not());
}

/// A custom spec's waiver with `literal: true` holds only where the argument is written as
/// literals on every path: a single-tenant app's fixed organization, not one from the body.
#[test]
fn a_literal_waiver_holds_for_literals_only() {
    let specs = tempfile::tempdir().unwrap();
    let invite = builtin("invite.yaml");
    let anchor = "        steps: [authenticated, can_manage_members, role_allowed, organization_from_session]\n";
    assert!(invite.contains(anchor));
    let waiver = "      - note: One fixed organization, for an application that serves a single tenant.\n        steps: [organization_from_session]\n        when:\n          - argument: [organizationId]\n            literal: true\n";
    let invite = invite.replacen("    waive:\n", &format!("    waive:\n{waiver}"), 1);
    std::fs::write(specs.path().join("provider.yaml"), builtin("provider.yaml")).unwrap();
    std::fs::write(specs.path().join("invite.yaml"), invite).unwrap();
    let route = |organization: &str| {
        format!(
            r#"import {{ withAuth }} from "@workos-inc/authkit-nextjs";
import {{ WorkOS }} from "@workos-inc/node";

const workos = new WorkOS(process.env.WORKOS_API_KEY);

export async function POST(request: Request) {{
  const {{ permissions }} = await withAuth({{ ensureSignedIn: true }});
  if (!permissions?.includes("widgets:users-table:manage")) {{
    return new Response("forbidden", {{ status: 403 }});
  }}
  const body = await request.json();
  await workos.userManagement.sendInvitation({{ email: body.email, organizationId: {organization} }});
  return new Response(null, {{ status: 204 }});
}}
"#
        )
    };
    let scan = |organization: &str| {
        let repo = tempfile::tempdir().unwrap();
        let path = repo.path().join("app/api/invite/route.ts");
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, route(organization)).unwrap();
        scan_json_with_specs(specs.path(), repo.path())["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["step"].as_str().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    assert!(scan(r#""org_01SINGLE""#).is_empty());
    assert_eq!(scan("body.organizationId"), ["organization_from_session"]);
}

/// Another entry's workflow judges only its own graph: a second route whose invitation sits
/// where the first route's role change does (same shape, same place in its graph) does not
/// take the role change off the first route's report.
#[test]
fn a_privileged_call_is_judged_elsewhere_only_by_a_workflow_of_the_same_entry() {
    let specs = invite_only_specs();
    let repo = tempfile::tempdir().unwrap();
    let first = std::fs::read_to_string(
        fixture("invite-extra-privileged-call").join("app/api/invite/route.ts"),
    )
    .unwrap();
    let second = first
        .replace("updateOrganizationMembership(", "sendInvitation(")
        .replace(
            "sendInvitation({ email, organizationId })",
            "listUsers({ email, organizationId })",
        );
    assert_ne!(first, second);
    for (rel, text) in [
        ("app/api/invite/route.ts", &first),
        ("app/api/other/route.ts", &second),
    ] {
        let path = repo.path().join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    idrift()
        .args(["scan", "--no-builtin-specs", "--spec-dir"])
        .arg(specs.path())
        .arg(repo.path())
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "high[added-privilege] invite/privileged:userManagement.updateOrganizationMembership",
        ))
        .stdout(predicate::str::contains("2 workflow instances"));
}

#[test]
fn one_call_reached_from_several_entries_is_shown_once_and_kept_per_entry_in_json() {
    // A helper with no permission check, called by two routes: one place to fix.
    let dir = tempfile::tempdir().unwrap();
    let write = |rel: &str, text: &str| {
        let path = dir.path().join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    };
    write(
        "lib/invite.ts",
        "import { WorkOS } from \"@workos-inc/node\";\n\
         const workos = new WorkOS(process.env.WORKOS_API_KEY);\n\
         export async function invite(email: string, organizationId: string) {\n\
         \x20 return workos.userManagement.sendInvitation({ email, organizationId });\n\
         }\n",
    );
    for route in ["app/api/invite/route.ts", "app/api/team/add/route.ts"] {
        write(
            route,
            "import { invite } from \"@/lib/invite\";\n\
             export async function POST(request: Request) {\n\
             \x20 const body = await request.json();\n\
             \x20 await invite(body.email, body.organizationId);\n\
             \x20 return Response.json({ ok: true });\n\
             }\n",
        );
    }
    let text = idrift().arg("scan").arg(dir.path()).output().unwrap();
    let text = String::from_utf8(text.stdout).unwrap();
    assert_eq!(
        text.matches("high[missing-check] invite/can_manage_members")
            .count(),
        1,
        "{text}"
    );
    assert!(
        text.contains("also reached this way from 1 more entry:\n    route POST /api/team/add (app/api/team/add/route.ts:2)"),
        "{text}"
    );
    let json = idrift()
        .args(["scan", "--format", "json"])
        .arg(dir.path())
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    let fingerprints: std::collections::HashSet<&str> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["step"] == "can_manage_members")
        .map(|f| f["fingerprint"].as_str().unwrap())
        .collect();
    assert_eq!(fingerprints.len(), 2);
}

#[test]
fn a_convex_http_action_is_one_entry() {
    // `export const x = httpAction(fn)` reads both as a wrapped handler and as a Convex
    // function: one workflow instance, not two identical ones.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("convex/webhooks.ts");
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    std::fs::write(
        &file,
        "import { httpAction } from \"./_generated/server\";\n\
         import { WorkOS } from \"@workos-inc/node\";\n\
         const workos = new WorkOS(process.env.WORKOS_API_KEY);\n\
         export const handleUserCreated = httpAction(async (ctx, request) => {\n\
         \x20 const body = await request.json();\n\
         \x20 await workos.userManagement.updateUser({ userId: body.data.id, externalId: \"x\" });\n\
         \x20 return new Response(\"ok\");\n\
         });\n",
    )
    .unwrap();
    let out = idrift()
        .args(["scan", "--preview", "--format", "json"])
        .arg(dir.path())
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let entries: Vec<&str> = json["workflows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["entry"].as_str().unwrap())
        .collect();
    assert_eq!(entries, ["rpc handleUserCreated"]);
}
