//! The files teams wire idrift in with: the GitHub Action (`action.yml`), the pre-commit hooks
//! (`.pre-commit-hooks.yaml`) and the CI examples. Checked offline the way their runners read
//! them: the structure GitHub and pre-commit require, every input and step output referenced
//! exists, and every idrift command they run is one the binary accepts.

use std::collections::BTreeSet;
use std::path::Path;

use assert_cmd::Command;
use serde_yaml::Value;

fn yaml(rel: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(rel);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{rel}: {e}"));
    serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn text(rel: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)).unwrap()
}

/// Names after `prefix` in `${{ … }}` expressions (`inputs.` → `fail-on`).
fn referenced(text: &str, prefix: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for expr in text.split("${{").skip(1) {
        let expr = expr.split("}}").next().unwrap_or("");
        let mut rest = expr;
        while let Some(i) = rest.find(prefix) {
            let after = &rest[i + prefix.len()..];
            let name: String = after
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
                .collect();
            if !name.is_empty() {
                out.insert(name);
            }
            rest = after;
        }
    }
    out
}

/// Every `idrift <subcommand> --flag` in `command` is accepted: the subcommand exists and each
/// flag is in its help.
fn assert_idrift_accepts(command: &str) {
    for line in command.lines() {
        let Some(at) = line.find("idrift ") else {
            continue;
        };
        let words: Vec<&str> = line[at..].split_whitespace().collect();
        // `idrift review …`, not `command -v idrift >/dev/null` or `idrift --version`.
        let Some(sub) = words
            .get(1)
            .filter(|w| w.chars().all(|c| c.is_ascii_lowercase()))
        else {
            continue;
        };
        let help = Command::cargo_bin("idrift")
            .unwrap()
            .args([sub, "--help"])
            .output()
            .unwrap();
        assert!(help.status.success(), "`idrift {sub}` is no subcommand");
        let help = String::from_utf8_lossy(&help.stdout).to_string();
        for flag in words.iter().filter(|w| w.starts_with("--")) {
            assert!(
                help.contains(*flag),
                "`idrift {sub}` has no flag {flag} (in `{line}`)"
            );
        }
    }
}

#[test]
fn the_action_is_a_composite_action_whose_references_resolve() {
    let action = yaml("action.yml");
    let source = text("action.yml");
    assert!(action["name"].as_str().is_some_and(|s| !s.is_empty()));
    assert!(action["description"]
        .as_str()
        .is_some_and(|s| !s.is_empty()));
    assert_eq!(action["runs"]["using"], "composite");

    let inputs: BTreeSet<String> = action["inputs"]
        .as_mapping()
        .unwrap()
        .iter()
        .map(|(k, v)| {
            assert!(
                v["description"].is_string(),
                "input {k:?} has no description"
            );
            k.as_str().unwrap().to_string()
        })
        .collect();
    for name in referenced(&source, "inputs.") {
        assert!(inputs.contains(&name), "`inputs.{name}` is not declared");
    }
    for required in [
        "path", "fail-on", "baseline", "spec-dir", "config", "args", "base",
    ] {
        assert!(inputs.contains(required), "no input `{required}`");
    }

    let steps = action["runs"]["steps"].as_sequence().unwrap();
    let ids: BTreeSet<String> = steps
        .iter()
        .filter_map(|s| s["id"].as_str().map(str::to_string))
        .collect();
    for step in steps {
        let name = step["name"].as_str().unwrap_or("a step");
        let runs = step["run"].as_str();
        let uses = step["uses"].as_str();
        assert!(
            runs.is_some() != uses.is_some(),
            "{name}: a step has either `run` or `uses`"
        );
        if let Some(script) = runs {
            // A composite action's `run` step must name its shell.
            assert_eq!(step["shell"], "bash", "{name}: no `shell: bash`");
            assert_idrift_accepts(script);
        }
        if let Some(uses) = uses {
            assert!(
                uses.rsplit_once('@').is_some_and(|(_, v)| !v.is_empty()),
                "{name}: `{uses}` is not pinned to a version"
            );
        }
    }
    for id in referenced(&source, "steps.") {
        assert!(ids.contains(&id), "`steps.{id}` names no step");
    }
    for (name, output) in action["outputs"].as_mapping().unwrap() {
        let value = output["value"].as_str().unwrap_or("");
        assert!(
            value.contains("steps.run.outputs."),
            "output {name:?} is not a step output"
        );
        let key = value
            .split("steps.run.outputs.")
            .nth(1)
            .unwrap()
            .trim_end_matches(" }}")
            .trim();
        assert!(
            source.contains(&format!("echo \"{key}=")),
            "output {name:?}: the run step never sets `{key}`"
        );
    }
    // The review is posted as the review's own Markdown, never as a whole-repository scan.
    assert!(source.contains("idrift review --base"));
    assert!(source.contains("--format markdown"));
    assert!(source.contains("<!-- idrift-review -->"));
}

#[test]
fn pre_commit_hooks_build_idrift_from_source_and_run_real_commands() {
    let hooks = yaml(".pre-commit-hooks.yaml");
    let hooks = hooks.as_sequence().unwrap();
    let ids: Vec<&str> = hooks.iter().map(|h| h["id"].as_str().unwrap()).collect();
    assert!(ids.contains(&"idrift-review"));
    assert!(ids.contains(&"idrift-snapshot"));
    for hook in hooks {
        let id = hook["id"].as_str().unwrap();
        assert!(hook["name"].is_string(), "{id}: no name");
        // pre-commit builds the hook's own repository with cargo: nothing on PATH needed.
        assert_eq!(hook["language"], "rust", "{id}");
        assert_eq!(
            hook["pass_filenames"], false,
            "{id}: idrift reads the tree itself"
        );
        let entry = hook["entry"].as_str().unwrap();
        assert!(entry.starts_with("idrift "), "{id}: {entry}");
        assert_idrift_accepts(entry);
    }
    // The example configuration uses these hooks by id.
    let example = yaml("examples/ci/pre-commit-config.yaml");
    for repo in example["repos"].as_sequence().unwrap() {
        for hook in repo["hooks"].as_sequence().unwrap() {
            let id = hook["id"].as_str().unwrap();
            assert!(ids.contains(&id), "the example uses an unknown hook `{id}`");
        }
    }
}

#[test]
fn the_nightly_fuzz_example_runs_every_fuzz_target() {
    let workflow = yaml("examples/ci/fuzz-nightly.yml");
    let targets: BTreeSet<String> = workflow["jobs"]["fuzz"]["strategy"]["matrix"]["target"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap().to_string())
        .collect();
    let declared: BTreeSet<String> = text("fuzz/Cargo.toml")
        .lines()
        .filter_map(|l| l.trim().strip_prefix("name = \""))
        .map(|n| n.trim_end_matches('"').to_string())
        .filter(|n| n != "idrift-fuzz")
        .collect();
    assert_eq!(targets, declared, "the matrix and fuzz/Cargo.toml disagree");
}

#[test]
fn the_github_actions_example_parses_and_runs_real_commands() {
    let workflow = yaml("examples/ci/github-actions.yml");
    let jobs = workflow["jobs"].as_mapping().unwrap();
    assert!(!jobs.is_empty());
    for (name, job) in jobs {
        for step in job["steps"].as_sequence().unwrap() {
            if let Some(script) = step["run"].as_str() {
                assert_idrift_accepts(script);
            }
            assert!(
                step["run"].is_string() != step["uses"].is_string(),
                "job {name:?}: a step has either `run` or `uses`"
            );
        }
    }
}
