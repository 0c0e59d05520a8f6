//! A TypeScript project's import aliases: the `compilerOptions.paths` and `baseUrl` of its
//! `tsconfig.json` and `jsconfig.json` files, which make `@shared/mail` name
//! `packages/shared/src/mail.ts`. Without them such an import looks like a package, and the
//! code behind it is never read.

use std::collections::BTreeMap;

use serde_json::Value;

use super::resolve::{join, parent_dir};
use crate::discover::ProjectConfig;
use crate::model::Unscanned;

/// How many `extends` a configuration is followed through.
const MAX_EXTENDS: usize = 8;

/// The aliases of every project of the repository.
#[derive(Debug, Default)]
pub struct ImportAliases {
    /// One per folder with a configuration that declares aliases, deepest folder first.
    projects: Vec<Project>,
}

/// The aliases in force in one folder and below.
#[derive(Debug)]
struct Project {
    /// Relative to the root, `/`-separated; empty for the root.
    dir: String,
    /// Patterns with their targets as repository paths (`*` still in them), the longest
    /// prefix first, since TypeScript uses the pattern whose prefix is longest.
    paths: Vec<(Pattern, Vec<String>)>,
    /// `baseUrl` as a repository folder: bare specifiers are looked up under it.
    base_url: Option<String>,
}

/// `@shared/*` (a prefix and a suffix around the star) or an exact `@/test-utils`.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Pattern {
    prefix: String,
    suffix: Option<String>,
}

impl Pattern {
    fn new(key: &str) -> Pattern {
        match key.split_once('*') {
            Some((prefix, suffix)) => Pattern {
                prefix: prefix.to_string(),
                suffix: Some(suffix.to_string()),
            },
            None => Pattern {
                prefix: key.to_string(),
                suffix: None,
            },
        }
    }

    /// What the star stands for in `spec`, or `""` for an exact pattern that is `spec`.
    fn matched<'s>(&self, spec: &'s str) -> Option<&'s str> {
        match &self.suffix {
            None => (spec == self.prefix).then_some(""),
            Some(suffix) => spec
                .strip_prefix(self.prefix.as_str())?
                .strip_suffix(suffix.as_str()),
        }
    }
}

/// `paths` as written: each pattern with its targets.
type PathEntries = Vec<(String, Vec<String>)>;

/// What one configuration file declares, before `extends` is applied.
#[derive(Debug, Default, Clone)]
struct Declared {
    extends: Vec<String>,
    /// `baseUrl`, joined to the folder of the file that wrote it.
    base_url: Option<String>,
    /// `paths`, with the folder of the file that wrote them.
    paths: Option<(PathEntries, String)>,
}

impl ImportAliases {
    /// Reads the aliases of the configurations the walk found. A configuration that declares
    /// aliases but cannot be read is reported: imports through its aliases stay unresolved.
    pub fn load(configs: &[ProjectConfig]) -> (ImportAliases, Vec<Unscanned>) {
        let mut problems = Vec::new();
        let mut declared: BTreeMap<&str, Declared> = BTreeMap::new();
        for config in configs {
            let result = match &config.text {
                Ok(text) => declared_in(&config.rel, text).map_err(|e| (e, mentions_aliases(text))),
                Err(e) => Err((e.clone(), true)),
            };
            match result {
                Ok(d) => {
                    declared.insert(&config.rel, d);
                }
                // A configuration that never names an alias loses nothing by being unreadable.
                Err((_, false)) => {}
                Err((reason, true)) => problems.push(Unscanned::new(
                    &config.rel,
                    format!(
                        "could not read its import aliases ({reason}); imports through them are not followed"
                    ),
                )),
            }
        }
        let mut by_dir: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for rel in declared.keys() {
            by_dir.entry(parent_dir(rel)).or_default().push(rel);
        }
        let mut projects = Vec::new();
        for (dir, mut rels) in by_dir {
            // `tsconfig.json` speaks for its folder; the side files (`tsconfig.app.json`) add.
            rels.sort_by_key(|rel| {
                (
                    !rel.ends_with("/tsconfig.json") && *rel != "tsconfig.json",
                    *rel,
                )
            });
            let mut project = Project {
                dir: dir.to_string(),
                paths: Vec::new(),
                base_url: None,
            };
            for rel in rels {
                let options = effective(rel, &declared, 0);
                let paths_base = options
                    .base_url
                    .clone()
                    .or_else(|| options.paths.as_ref().map(|(_, d)| d.clone()));
                if project.base_url.is_none() {
                    project.base_url = options.base_url.clone();
                }
                let (Some((paths, _)), Some(paths_base)) = (options.paths, paths_base) else {
                    continue;
                };
                for (key, targets) in paths {
                    let pattern = Pattern::new(&key);
                    if project.paths.iter().any(|(p, _)| *p == pattern) {
                        continue;
                    }
                    let targets = targets
                        .iter()
                        .filter(|t| !t.starts_with('/'))
                        .filter_map(|t| under(&paths_base, t))
                        .collect();
                    project.paths.push((pattern, targets));
                }
            }
            if project.paths.is_empty() && project.base_url.is_none() {
                continue;
            }
            project.paths.sort_by(|(a, _), (b, _)| {
                b.prefix
                    .len()
                    .cmp(&a.prefix.len())
                    .then(a.suffix.is_some().cmp(&b.suffix.is_some()))
            });
            projects.push(project);
        }
        projects.sort_by_key(|p| std::cmp::Reverse(depth(&p.dir)));
        problems.sort_by(|a, b| a.file.cmp(&b.file));
        (ImportAliases { projects }, problems)
    }

    /// The repository paths (without extension) that `spec`, imported from the file at
    /// `from`, may name through aliases: the nearest project's first.
    pub fn candidates(&self, from: &str, spec: &str) -> Vec<String> {
        let mut out = Vec::new();
        if spec.starts_with('.') || spec.starts_with('/') {
            return out;
        }
        let inside = |dir: &str| {
            dir.is_empty() || from.strip_prefix(dir).is_some_and(|r| r.starts_with('/'))
        };
        for project in self.projects.iter().filter(|p| inside(&p.dir)) {
            let best = project
                .paths
                .iter()
                .find_map(|(pattern, targets)| Some((pattern.matched(spec)?, targets)));
            if let Some((star, targets)) = best {
                out.extend(targets.iter().map(|t| t.replacen('*', star, 1)));
            }
            if let Some(base) = &project.base_url {
                out.extend(under(base, spec));
            }
        }
        // A base configuration and the project that extends it declare the same targets.
        let mut seen = std::collections::HashSet::new();
        out.retain(|c| seen.insert(c.clone()));
        out
    }
}

/// Whether a configuration's text names an alias setting at all.
fn mentions_aliases(text: &str) -> bool {
    text.contains("\"paths\"") || text.contains("\"baseUrl\"")
}

fn depth(dir: &str) -> usize {
    if dir.is_empty() {
        0
    } else {
        dir.split('/').count()
    }
}

/// `target` (`./src/*`, `../shared`) relative to the repository folder `dir`; `None` if it
/// leaves the repository.
fn under(dir: &str, target: &str) -> Option<String> {
    let parts: Vec<&str> = dir.split('/').collect();
    join(&parts, target)
}

/// What a configuration file declares, read as the JSON-with-comments TypeScript accepts.
fn declared_in(rel: &str, text: &str) -> Result<Declared, String> {
    let value: Value = serde_json::from_str(&strip_jsonc(text)).map_err(|e| e.to_string())?;
    let dir = parent_dir(rel);
    let extends = match value.get("extends") {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(list)) => list
            .iter()
            .filter_map(|v| v.as_str().map(String::from))
            .collect(),
        _ => Vec::new(),
    };
    let options = value.get("compilerOptions");
    let base_url = options
        .and_then(|o| o.get("baseUrl"))
        .and_then(Value::as_str)
        .and_then(|b| under(dir, b));
    let paths = options
        .and_then(|o| o.get("paths"))
        .and_then(Value::as_object)
        .map(|map| {
            let entries = map
                .iter()
                .map(|(key, targets)| {
                    let targets = match targets {
                        Value::Array(list) => list
                            .iter()
                            .filter_map(|v| v.as_str().map(String::from))
                            .collect(),
                        Value::String(s) => vec![s.clone()],
                        _ => Vec::new(),
                    };
                    (key.clone(), targets)
                })
                .collect();
            (entries, dir.to_string())
        });
    Ok(Declared {
        extends,
        base_url,
        paths,
    })
}

/// A configuration's settings with those of the files it extends under them: a file's own
/// `baseUrl` and `paths` win over inherited ones, as in TypeScript.
fn effective(rel: &str, declared: &BTreeMap<&str, Declared>, depth: usize) -> Declared {
    let Some(own) = declared.get(rel) else {
        return Declared::default();
    };
    let mut out = own.clone();
    if depth >= MAX_EXTENDS {
        return out;
    }
    // Of several extended files, the later ones win.
    for parent_spec in own.extends.iter().rev() {
        // A package (`@tsconfig/next`) is not in the repository: only paths are followed.
        if !parent_spec.starts_with('.') {
            continue;
        }
        let Some(mut target) = under(parent_dir(rel), parent_spec) else {
            continue;
        };
        if !target.ends_with(".json") {
            target.push_str(".json");
        }
        let inherited = effective(&target, declared, depth + 1);
        if out.base_url.is_none() {
            out.base_url = inherited.base_url;
        }
        if out.paths.is_none() {
            out.paths = inherited.paths;
        }
    }
    out
}

/// JSON with comments and trailing commas, as `tsconfig.json` allows, made plain JSON.
fn strip_jsonc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => {
                out.push(c);
                while let Some(c) = chars.next() {
                    out.push(c);
                    match c {
                        '\\' => out.extend(chars.next()),
                        '"' => break,
                        _ => {}
                    }
                }
            }
            '/' if chars.peek() == Some(&'/') => {
                for c in chars.by_ref() {
                    if c == '\n' {
                        out.push(c);
                        break;
                    }
                }
            }
            '/' if chars.peek() == Some(&'*') => {
                chars.next();
                let mut last = ' ';
                for c in chars.by_ref() {
                    if last == '*' && c == '/' {
                        break;
                    }
                    last = c;
                }
                out.push(' ');
            }
            _ => out.push(c),
        }
    }
    // A comma followed only by white space and a closing bracket is dropped.
    let mut plain = String::with_capacity(out.len());
    let mut in_string = false;
    let mut escaped = false;
    for (i, c) in out.char_indices() {
        if in_string {
            plain.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
            continue;
        }
        if c == '"' {
            in_string = true;
        }
        if c == ',' && matches!(out[i + 1..].trim_start().chars().next(), Some('}' | ']')) {
            continue;
        }
        plain.push(c);
    }
    plain
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(rel: &str, text: &str) -> ProjectConfig {
        ProjectConfig {
            rel: rel.to_string(),
            text: Ok(text.to_string()),
        }
    }

    #[test]
    fn comments_and_trailing_commas_are_dropped_but_not_inside_strings() {
        let plain = strip_jsonc(
            "{\n  // a comment\n  \"a\": \"x//y, }\", /* b */ \"b\": [1, 2,],\n  \"c\": \"q\\\"/*\",\n}",
        );
        let value: Value = serde_json::from_str(&plain).unwrap();
        assert_eq!(value["a"], "x//y, }");
        assert_eq!(value["b"], serde_json::json!([1, 2]));
        assert_eq!(value["c"], "q\"/*");
    }

    #[test]
    fn the_longest_prefix_wins_and_targets_are_relative_to_base_url() {
        let (aliases, problems) = ImportAliases::load(&[config(
            "web/tsconfig.json",
            r##"{"compilerOptions": {"baseUrl": "./src", "paths": {
                "@/*": ["./*"], "@/lib/*": ["../lib/*", "./lib/*"], "#app": ["./app.ts"]}}}"##,
        )]);
        assert!(problems.is_empty());
        assert_eq!(
            aliases.candidates("web/src/page.ts", "@/lib/auth"),
            ["web/lib/auth", "web/src/lib/auth", "web/src/@/lib/auth"]
        );
        assert_eq!(
            aliases.candidates("web/src/page.ts", "@/x"),
            ["web/src/x", "web/src/@/x"]
        );
        assert_eq!(
            aliases.candidates("web/src/page.ts", "#app"),
            ["web/src/app.ts", "web/src/#app"]
        );
        // Outside the project, and for relative specifiers, nothing is declared.
        assert!(aliases.candidates("api/page.ts", "@/x").is_empty());
        assert!(aliases.candidates("web/src/page.ts", "./x").is_empty());
    }

    #[test]
    fn paths_without_base_url_are_relative_to_the_file_that_declares_them() {
        let (aliases, _) = ImportAliases::load(&[
            config(
                "tsconfig.base.json",
                r#"{"compilerOptions": {"paths": {"@shared/*": ["packages/shared/src/*"]}}}"#,
            ),
            config(
                "apps/web/tsconfig.json",
                r#"{"extends": "../../tsconfig.base"}"#,
            ),
            // The nearest project speaks first; an enclosing one is still tried.
            config(
                "apps/tsconfig.json",
                r#"{"compilerOptions": {"paths": {"@shared/*": ["./shared/*"]}}}"#,
            ),
        ]);
        assert_eq!(
            aliases.candidates("apps/web/page.ts", "@shared/mail"),
            ["packages/shared/src/mail", "apps/shared/mail"]
        );
    }

    #[test]
    fn a_files_own_settings_win_over_those_it_extends_and_cycles_end() {
        let (aliases, _) = ImportAliases::load(&[
            config(
                "a/tsconfig.json",
                r#"{"extends": ["./b.json"], "compilerOptions": {"paths": {"@x/*": ["./own/*"]}}}"#,
            ),
            config(
                "a/b.json",
                r#"{"extends": "./tsconfig.json", "compilerOptions": {"paths": {"@x/*": ["./inherited/*"]}, "baseUrl": "base"}}"#,
            ),
        ]);
        // `baseUrl` is inherited and, with it, where the own `paths` start.
        assert_eq!(
            aliases.candidates("a/f.ts", "@x/y"),
            ["a/base/own/y", "a/base/@x/y"]
        );
    }

    #[test]
    fn an_unreadable_configuration_is_reported_only_when_it_declares_aliases() {
        let (aliases, problems) = ImportAliases::load(&[
            config(
                "web/tsconfig.json",
                r#"{"compilerOptions": {"paths": {"@/*": ["./src/*"]}"#,
            ),
            config(
                "api/tsconfig.json",
                r#"{"compilerOptions": {"strict": true"#,
            ),
            ProjectConfig {
                rel: "cli/jsconfig.json".to_string(),
                text: Err("permission denied".to_string()),
            },
        ]);
        assert!(aliases.candidates("web/page.ts", "@/x").is_empty());
        let files: Vec<&str> = problems.iter().map(|p| p.file.as_str()).collect();
        assert_eq!(files, ["cli/jsconfig.json", "web/tsconfig.json"]);
        assert!(problems[0].reason.contains("permission denied"));
        assert!(problems[1]
            .reason
            .contains("imports through them are not followed"));
    }

    #[test]
    fn targets_that_leave_the_repository_are_dropped() {
        let (aliases, _) = ImportAliases::load(&[config(
            "tsconfig.json",
            r#"{"compilerOptions": {"paths": {"@up/*": ["../outside/*", "/abs/*", "./in/*"]}}}"#,
        )]);
        assert_eq!(aliases.candidates("f.ts", "@up/x"), ["in/x"]);
    }
}
