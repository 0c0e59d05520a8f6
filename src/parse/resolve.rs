//! Import specifiers to repository files: relative paths, declared and conventional (`@/`,
//! `$lib`) aliases, Go package folders.

use super::*;

pub(super) fn parent_dir(path: &str) -> &str {
    path.rsplit_once('/').map(|(d, _)| d).unwrap_or("")
}

/// The repository's folders, indexed by their last segment, to find the folder a Go import path
/// names without comparing it with every folder.
pub(super) struct PackageDirs<'d> {
    by_last: HashMap<&'d str, Vec<&'d str>>,
}

impl<'d> PackageDirs<'d> {
    pub(super) fn new(dirs: impl Iterator<Item = &'d str>) -> Self {
        let mut by_last: HashMap<&str, Vec<&str>> = HashMap::new();
        for d in dirs.filter(|d| !d.is_empty()) {
            by_last
                .entry(d.rsplit('/').next().unwrap_or(d))
                .or_default()
                .push(d);
        }
        for list in by_last.values_mut() {
            // Sorted, so ties resolve the same way on every run.
            list.sort_unstable();
            list.dedup();
        }
        PackageDirs { by_last }
    }

    /// The longest trailing part of the import path that is a folder of the repository
    /// (`github.com/acme/app/internal/auth` → `internal/auth`).
    pub(super) fn find(&self, import: &str) -> Option<&'d str> {
        let last = import.rsplit('/').next()?;
        let segs: Vec<&str> = import.split('/').collect();
        let mut best: Option<(&str, usize)> = None;
        for &d in self.by_last.get(last)? {
            let dsegs: Vec<&str> = d.split('/').collect();
            // The longest common suffix of the two paths, in whole segments.
            let common = segs
                .iter()
                .rev()
                .zip(dsegs.iter().rev())
                .take_while(|(a, b)| a == b)
                .count();
            if common == dsegs.len().min(segs.len()) && best.is_none_or(|(_, c)| common > c) {
                best = Some((d, common));
            }
        }
        best.map(|(d, _)| d)
    }
}

/// The stems an import specifier would end with to reach this file: `lib/invite.ts` → `invite`;
/// `lib/auth/index.ts` → `auth`.
pub(super) fn import_stems(path: &str) -> Vec<String> {
    let mut parts: Vec<&str> = path.split('/').collect();
    let file = parts.pop().unwrap_or("");
    let stem = file.split('.').next().unwrap_or(file);
    if stem == "index" || stem == "__init__" || stem == "mod" {
        parts.pop().map(|d| vec![d.to_string()]).unwrap_or_default()
    } else if stem.is_empty() || matches!(stem, "route" | "page" | "layout") {
        Vec::new()
    } else {
        vec![stem.to_string()]
    }
}

/// Resolves an import specifier to a file path known to `exists`: relative specifiers, the
/// aliases the project's configuration declares, and the `@/` and `~/` aliases that Next.js
/// and Vite projects map to the root or `src/` when no configuration says otherwise.
pub fn resolve_specifier(
    from: &str,
    spec: &str,
    aliases: &ImportAliases,
    exists: impl Fn(&str) -> bool,
) -> Option<String> {
    let language = Language::for_path(from).unwrap_or(Language::TypeScript);
    let declared = if language.family() == Language::TypeScript {
        aliases.candidates(from, spec)
    } else {
        Vec::new()
    };
    let conventional: Vec<String> =
        if spec.starts_with("./") || spec.starts_with("../") || spec == "." || spec == ".." {
            let mut dir: Vec<&str> = from.split('/').collect();
            dir.pop();
            vec![join(&dir, spec)?]
        } else if let Some(rest) = spec.strip_prefix("$lib/") {
            // SvelteKit's `$lib` is the package's `src/lib`.
            let parts: Vec<&str> = from.split('/').collect();
            (0..parts.len())
                .rev()
                .map(|cut| {
                    let prefix = parts[..cut].join("/");
                    if prefix.is_empty() {
                        format!("src/lib/{rest}")
                    } else {
                        format!("{prefix}/src/lib/{rest}")
                    }
                })
                .collect()
        } else if let Some(rest) = spec.strip_prefix("@/").or_else(|| spec.strip_prefix("~/")) {
            let mut bases = Vec::new();
            // Monorepos: the alias is relative to the package that contains `from`.
            let parts: Vec<&str> = from.split('/').collect();
            for cut in (0..parts.len()).rev() {
                let prefix = parts[..cut].join("/");
                for root in ["src", "", "app", "lib"] {
                    let p = [prefix.as_str(), root, rest]
                        .iter()
                        .filter(|s| !s.is_empty())
                        .cloned()
                        .collect::<Vec<_>>()
                        .join("/");
                    bases.push(p);
                }
            }
            bases
        } else {
            Vec::new()
        };
    for b in declared.into_iter().chain(conventional) {
        let b = b.trim_end_matches('/');
        if exists(b) && Language::for_path(b).is_some() {
            return Some(b.to_string());
        }
        // `./x.js` in TypeScript sources names `./x.ts`.
        let stripped = b
            .strip_suffix(".js")
            .or_else(|| b.strip_suffix(".mjs"))
            .or_else(|| b.strip_suffix(".cjs"))
            .unwrap_or(b);
        for ext in language.import_extensions() {
            let cand = format!("{stripped}.{ext}");
            if exists(&cand) {
                return Some(cand);
            }
        }
        for index in language.index_files() {
            let cand = format!("{b}/{index}");
            if exists(&cand) {
                return Some(cand);
            }
        }
    }
    None
}

pub(super) fn join(dir: &[&str], spec: &str) -> Option<String> {
    let mut parts: Vec<&str> = dir.iter().copied().filter(|s| !s.is_empty()).collect();
    for seg in spec.split('/') {
        match seg {
            "." | "" => {}
            ".." => {
                parts.pop()?;
            }
            s => parts.push(s),
        }
    }
    Some(parts.join("/"))
}
