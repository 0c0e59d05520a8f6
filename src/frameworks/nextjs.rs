//! Next.js middleware (`middleware.ts`, `proxy.ts` from Next 16): one function, beside the
//! `app/` or `pages/` folder, that runs before every route and page whose URL path its
//! `config.matcher` matches.
//!
//! The middleware becomes an [`AppGuard`] of those entries. A function is followed like any
//! hook (a returned redirect or error response refuses; `NextResponse.next()` goes on); a
//! middleware built by a library call (`authkitMiddleware({ middlewareAuth: { enabled: true } })`)
//! is a guard call the specs judge by its arguments, and its `unauthenticatedPaths` are exempt.
//! A matcher idrift cannot read applies the guard nowhere: a check is never assumed.

use crate::ir::{AppGuard, AppGuardScope, Expr, Literal, Module, Stmt};

/// File stems Next.js runs as middleware (`proxy` since Next 16).
const MIDDLEWARE_STEMS: &[&str] = &["middleware", "proxy"];
/// Options of middleware libraries that list paths the guard lets through unchecked.
const EXEMPT_OPTIONS: &[&str] = &[
    "unauthenticatedPaths",
    "publicRoutes",
    "publicPaths",
    "ignoredRoutes",
];
/// A page path no matcher names on purpose: a matcher that matches it runs for every page.
const ANY_PAGE: &str = "/idrift-any-page";

/// The folder of the Next.js project whose middleware `path` would be, by its name alone
/// (`apps/web/src/middleware.ts` → `apps/web/src`); whether that folder holds `app/` or
/// `pages/` is for the caller to see.
pub fn middleware_project(path: &str) -> Option<&str> {
    let (dir, file) = path.rsplit_once('/').unwrap_or(("", path));
    let (stem, ext) = file.split_once('.')?;
    (MIDDLEWARE_STEMS.contains(&stem) && matches!(ext, "ts" | "js" | "mjs" | "mts")).then_some(dir)
}

/// Whether a route file `entry_path` belongs to the project in folder `project`: its `app/` or
/// `pages/` folder is directly inside.
pub fn in_project(project: &str, entry_path: &str) -> bool {
    let rest = if project.is_empty() {
        Some(entry_path)
    } else {
        entry_path
            .strip_prefix(project)
            .and_then(|r| r.strip_prefix('/'))
    };
    rest.is_some_and(|r| r.starts_with("app/") || r.starts_with("pages/"))
}

/// Records the middleware `module` installs, if it is a middleware file.
pub fn recognise(module: &mut Module) {
    let Some(project) = middleware_project(&module.path).map(str::to_string) else {
        return;
    };
    let mut config = None;
    let mut default_value = None;
    for stmt in &module.top_level {
        if let Stmt::Let {
            bindings,
            value: Some(value),
            ..
        } = stmt
        {
            match bindings.first().map(|b| b.name.as_str()) {
                Some("config") => config = Some(value.clone()),
                Some("default") => default_value = Some(value.clone()),
                _ => {}
            }
        }
    }
    // The middleware: the default export, else the function named for it.
    let named = module
        .functions
        .iter()
        .position(|f| f.exported && f.callable && MIDDLEWARE_STEMS.contains(&f.name.as_str()));
    let guard = match (module.default_export.or(named), default_value) {
        (Some(id), _) => {
            let name = &module.functions[id].name;
            if name == "default" {
                Expr::Function(id)
            } else {
                Expr::Name(name.clone())
            }
        }
        (None, Some(value)) => value,
        (None, None) => return,
    };
    let matchers = config
        .as_ref()
        .and_then(|c| property(c, "matcher"))
        .map(|m| strings(m, true))
        .unwrap_or_default();
    let exempt = match &guard {
        Expr::Call(call) => call
            .args
            .iter()
            .filter_map(|a| {
                EXEMPT_OPTIONS
                    .iter()
                    .find_map(|key| find_property(&a.value, key, 0))
            })
            .flat_map(|v| strings(v, false))
            .collect(),
        _ => Vec::new(),
    };
    module.global_guards.push(AppGuard {
        guard,
        scope: AppGuardScope::Paths {
            project,
            matchers,
            exempt,
        },
    });
}

/// Whether a middleware of `scope` runs before an entry at URL `path` (`None`: a server action,
/// which a client may post to any page's URL).
pub fn guards_path(matchers: &[String], exempt: &[String], path: Option<&str>) -> bool {
    let matched = |patterns: &[String], p: &str| patterns.iter().any(|m| path_matches(m, p));
    match path {
        Some(p) => (matchers.is_empty() || matched(matchers, p)) && !matched(exempt, p),
        // A server action runs wherever it is posted: guarded only when the middleware covers
        // every page and exempts none.
        None => (matchers.is_empty() || matched(matchers, ANY_PAGE)) && exempt.is_empty(),
    }
}

/// Whether the Next.js matcher `pattern` (path-to-regexp: `/dashboard/:path*`,
/// `/((?!api|_next/static).*)`) matches the URL `path`. Dynamic segments of a route file
/// (`/org/[id]`) are matched as the text they are, which any `:param` matches. A pattern that
/// cannot be read matches nothing.
pub fn path_matches(pattern: &str, path: &str) -> bool {
    let Some(regex) = matcher_regex(pattern) else {
        return false;
    };
    fancy_regex::Regex::new(&regex)
        .ok()
        .and_then(|r| r.is_match(path).ok())
        .unwrap_or(false)
}

/// The regular expression of a path-to-regexp pattern, anchored at both ends.
fn matcher_regex(pattern: &str) -> Option<String> {
    let chars: Vec<char> = pattern.chars().collect();
    let mut out = String::from("^");
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            '\\' => {
                // `\\.` in the source text: one escape.
                while i < chars.len() && chars[i] == '\\' {
                    i += 1;
                }
                let c = *chars.get(i)?;
                out.push_str(&fancy_regex::escape(&c.to_string()));
                i += 1;
            }
            ':' => {
                i += 1;
                let start = i;
                while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                    i += 1;
                }
                if i == start {
                    return None;
                }
                let mut segment = "[^/]+".to_string();
                if chars.get(i) == Some(&'(') {
                    let (inner, end) = group(&chars, i)?;
                    segment = inner;
                    i = end;
                }
                i = repeat(&mut out, &segment, chars.get(i).copied(), i);
            }
            '(' => {
                let (inner, end) = group(&chars, i)?;
                i = repeat(&mut out, &inner, chars.get(end).copied(), end);
            }
            c => {
                out.push_str(&fancy_regex::escape(&c.to_string()));
                i += 1;
            }
        }
    }
    out.push_str("/?$");
    Some(out)
}

/// The regular expression inside the group opening at `chars[open]`, and the index after it.
fn group(chars: &[char], open: usize) -> Option<(String, usize)> {
    let mut depth = 0;
    let mut i = open;
    while i < chars.len() {
        match chars[i] {
            '\\' => i += 1,
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    let inner: String = chars[open + 1..i].iter().collect();
                    return Some((inner, i + 1));
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// Appends `segment` with the modifier at `modifier` (`*`, `+`, `?`); a repeated parameter
/// takes the `/` before it into the repetition (`/dashboard/:path*` matches `/dashboard`).
/// Returns the index after the modifier.
fn repeat(out: &mut String, segment: &str, modifier: Option<char>, at: usize) -> usize {
    match modifier {
        Some(m @ ('*' | '+' | '?')) => {
            let slash = out.ends_with('/');
            if slash {
                out.pop();
            }
            let prefix = if slash { "/" } else { "" };
            out.push_str(&format!("(?:{prefix}(?:{segment}))"));
            out.push(m);
            at + 1
        }
        _ => {
            out.push_str(&format!("(?:{segment})"));
            at
        }
    }
}

fn property<'e>(object: &'e Expr, key: &str) -> Option<&'e Expr> {
    match object.peel() {
        Expr::Object(props) => props.iter().find(|p| p.key == key).map(|p| &p.value),
        _ => None,
    }
}

/// `key` in `object` or an object inside it (`{ middlewareAuth: { unauthenticatedPaths } }`).
fn find_property<'e>(object: &'e Expr, key: &str, depth: usize) -> Option<&'e Expr> {
    if depth > 4 {
        return None;
    }
    match object.peel() {
        Expr::Object(props) => property(object, key).or_else(|| {
            props
                .iter()
                .find_map(|p| find_property(&p.value, key, depth + 1))
        }),
        _ => None,
    }
}

/// The string literals of a string or an array of them. With `objects`, a matcher object's
/// `source` (`{ source: "/api/:path*", has: [...] }`) too.
fn strings(value: &Expr, objects: bool) -> Vec<String> {
    let one = |e: &Expr| match e.peel() {
        Expr::Literal(Literal::Str(s)) => Some(s.clone()),
        Expr::Template(_) => None,
        other if objects => match property(other, "source").map(Expr::peel) {
            Some(Expr::Literal(Literal::Str(s))) => Some(s.clone()),
            _ => None,
        },
        _ => None,
    };
    match value.peel() {
        Expr::Array(items) => items.iter().filter_map(one).collect(),
        other => one(other).into_iter().collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matchers_read_like_nextjs() {
        let all_but_assets = "/((?!api|_next/static|_next/image|favicon.ico).*)";
        assert!(path_matches(all_but_assets, "/settings"));
        assert!(path_matches(all_but_assets, "/"));
        assert!(!path_matches(all_but_assets, "/api/team/invite"));
        assert!(path_matches("/dashboard/:path*", "/dashboard"));
        assert!(path_matches("/dashboard/:path*", "/dashboard/team/[id]"));
        assert!(!path_matches("/dashboard/:path*", "/dashboards"));
        assert!(path_matches("/api/:path+", "/api/invite"));
        assert!(!path_matches("/api/:path+", "/api"));
        assert!(path_matches("/org/:id", "/org/[id]"));
        assert!(!path_matches("/org/:id", "/org/[id]/members"));
        assert!(path_matches("/(api|trpc)(.*)", "/api/x"));
        assert!(path_matches("/pricing", "/pricing"));
        assert!(!path_matches("/pricing", "/pricing/x"));
        assert!(path_matches("/((?!_next/static|.*\\\\.css).*)", "/a"));
        assert!(!path_matches("/:broken(", "/a"));
    }

    #[test]
    fn server_actions_are_guarded_only_by_middleware_on_every_page() {
        let every = vec!["/((?!api|_next/static).*)".to_string()];
        assert!(guards_path(&every, &[], None));
        assert!(!guards_path(&every, &["/".to_string()], None));
        assert!(!guards_path(&["/dashboard/:path*".to_string()], &[], None));
        assert!(guards_path(&[], &[], Some("/api/invite")));
        assert!(!guards_path(
            &[],
            &["/api/:path*".to_string()],
            Some("/api/invite")
        ));
    }

    #[test]
    fn the_project_is_the_folder_beside_app_or_pages() {
        assert_eq!(
            middleware_project("apps/web/src/middleware.ts"),
            Some("apps/web/src")
        );
        assert_eq!(middleware_project("proxy.ts"), Some(""));
        assert_eq!(middleware_project("lib/auth/session.ts"), None);
        assert!(in_project(
            "apps/web/src",
            "apps/web/src/app/api/x/route.ts"
        ));
        assert!(in_project("", "app/api/x/route.ts"));
        assert!(!in_project(
            "apps/web/src/auth",
            "apps/web/src/app/api/x/route.ts"
        ));
        assert!(!in_project("apps/web", "apps/web/src/app/api/x/route.ts"));
    }
}
