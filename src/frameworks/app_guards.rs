//! Guards written in a file of their own that the framework runs before many routes, found by
//! the file's name and place rather than by an import from the routes:
//! - Next.js middleware (`middleware.ts`, `proxy.ts` from Next 16): one function, beside the
//!   `app/` or `pages/` folder, run before every route and page whose URL path its
//!   `config.matcher` matches. A function is followed like any hook (a returned redirect or
//!   error response refuses; `NextResponse.next()` goes on); a middleware built by a library
//!   call (`authkitMiddleware({ middlewareAuth: { enabled: true } })`) is a guard call the specs
//!   judge by its arguments, and its `unauthenticatedPaths` are exempt. A matcher idrift cannot
//!   read applies the guard nowhere: a check is never assumed.
//! - SvelteKit's `src/hooks.server.ts`: its `handle` (or each hook of `sequence(a, b, …)`), run
//!   before every route, action and page of `src/routes/`; `resolve(event)` goes on.
//! - Astro's `src/middleware.ts`: its `onRequest` (a function, `defineMiddleware(fn)`, or each
//!   hook of `sequence(a, b, …)`), run before every endpoint and page of `src/pages/`;
//!   `next()` goes on.
//! - Cloudflare Pages Functions' `functions/**/_middleware.ts`: its `onRequest` (a function or
//!   an array of them, in order), run before every Function in its folder and below;
//!   `context.next()` goes on.
//!
//! NestJS `APP_GUARD` providers, found in a module's decorators, are the third kind (see the
//! TypeScript frontend).

use crate::ir::{AppGuard, AppGuardScope, Expr, Literal, Module, Stmt};

/// File stems Next.js runs as middleware (`proxy` since Next 16).
const MIDDLEWARE_STEMS: &[&str] = &["middleware", "proxy"];
/// Where Next.js routes and pages live, beside the middleware.
const NEXT_ROUTE_FOLDERS: &[&str] = &["app", "pages"];
/// SvelteKit's server hooks file and the folder of the routes beside it.
const SVELTEKIT_HOOKS: &str = "hooks.server";
const SVELTEKIT_ROUTE_FOLDERS: &[&str] = &["routes"];
/// Cloudflare Pages Functions' middleware, run before every Function in its folder and below.
const PAGES_MIDDLEWARE: &str = "_middleware";
/// Where Astro's pages and endpoints live, beside its `middleware.ts`.
const ASTRO_PAGES: &str = "pages";
/// Options of middleware libraries that list paths the guard lets through unchecked.
const EXEMPT_OPTIONS: &[&str] = &[
    "unauthenticatedPaths",
    "publicRoutes",
    "publicPaths",
    "ignoredRoutes",
];
/// A page path no matcher names on purpose: a matcher that matches it runs for every page.
const ANY_PAGE: &str = "/idrift-any-page";

/// The project folder of a file that installs guards by its name and place
/// (`apps/web/src/middleware.ts` → `apps/web/src`), and the folders inside it whose routes
/// it guards; whether those hold parsed routes is for the caller to see.
pub fn guard_file_project(path: &str) -> Option<(&str, &'static [&'static str])> {
    let (dir, file) = path.rsplit_once('/').unwrap_or(("", path));
    let (stem, ext) = file.rsplit_once('.')?;
    if !matches!(ext, "ts" | "js" | "mjs" | "mts") {
        return None;
    }
    if stem == PAGES_MIDDLEWARE && dir.split('/').any(|s| s == "functions") {
        // Every Function in the middleware's folder and below.
        Some((dir, &[]))
    } else if MIDDLEWARE_STEMS.contains(&stem) {
        Some((dir, NEXT_ROUTE_FOLDERS))
    } else if stem == SVELTEKIT_HOOKS {
        Some((dir, SVELTEKIT_ROUTE_FOLDERS))
    } else {
        None
    }
}

/// Whether the file `entry_path` is in the project folder `project`, and (unless
/// `route_folders` is empty) in one of those folders directly inside it.
pub fn in_project<S: AsRef<str>>(project: &str, route_folders: &[S], entry_path: &str) -> bool {
    let rest = if project.is_empty() {
        Some(entry_path)
    } else {
        entry_path
            .strip_prefix(project)
            .and_then(|r| r.strip_prefix('/'))
    };
    rest.is_some_and(|r| {
        route_folders.is_empty()
            || route_folders.iter().any(|f| {
                r.strip_prefix(f.as_ref())
                    .is_some_and(|r| r.starts_with('/'))
            })
    })
}

/// The hooks a hook file exports under `name` (SvelteKit's `handle`, Astro's `onRequest`): a
/// function (`export const handle = async (…) => …`, `export async function handle(…)`), each
/// hook of `sequence(a, b, …)`, or the function `defineMiddleware(fn)` wraps, also for a hook
/// of the sequence bound at the top (`const auth = defineMiddleware(fn)`).
fn exported_hooks(module: &Module, name: &str, bound: &dyn Fn(&str) -> Option<Expr>) -> Vec<Expr> {
    let wraps = |call: &crate::ir::Call| {
        call.callee
            .path()
            .is_some_and(|p| p.ends_with("defineMiddleware"))
    };
    let combined = |call: &crate::ir::Call| {
        wraps(call) || call.callee.path().is_some_and(|p| p.ends_with("sequence"))
    };
    let defined = |hook: Expr| match &hook {
        Expr::Name(n) => match bound(n).as_ref().map(Expr::peel) {
            Some(Expr::Call(call)) if wraps(call) => {
                call.args.first().map(|a| a.value.clone()).unwrap_or(hook)
            }
            _ => hook,
        },
        _ => hook,
    };
    match bound(name).as_ref().map(Expr::peel) {
        Some(Expr::Call(call)) if combined(call) => {
            call.args.iter().map(|a| defined(a.value.clone())).collect()
        }
        Some(Expr::Function(id)) => vec![Expr::Function(*id)],
        // Cloudflare Pages: `export const onRequest = [errorHandling, authenticate]`, in order.
        Some(Expr::Array(items)) => items.iter().map(|i| defined(i.clone())).collect(),
        Some(_) => Vec::new(),
        None => module
            .functions
            .iter()
            .any(|f| f.exported && f.callable && f.name == name)
            .then(|| Expr::Name(name.into()))
            .into_iter()
            .collect(),
    }
}

/// NestJS's `app.setGlobalPrefix("api")`, wherever the bootstrap code calls it: the path every
/// route of the application is under.
fn nest_global_prefix(module: &mut Module) {
    let mut found = None;
    for f in &module.functions {
        crate::ir::visit_stmts(&f.body, &mut |e| {
            if let Expr::Call(c) = e {
                let is_prefix = c
                    .callee
                    .path()
                    .is_some_and(|p| crate::ir::last_segment(&p) == "setGlobalPrefix");
                if let (true, Some(Expr::Literal(Literal::Str(p)))) =
                    (is_prefix, c.args.first().map(|a| a.value.peel()))
                {
                    found.get_or_insert_with(|| p.clone());
                }
            }
        });
    }
    if found.is_some() {
        module.global_prefix = found;
    }
}

/// Records the guards `module` installs, if it is a Next.js middleware or SvelteKit hooks file,
/// and the global route prefix a NestJS bootstrap file sets.
pub fn recognise(module: &mut Module) {
    if module
        .imports
        .iter()
        .any(|i| i.source.starts_with("@nestjs/"))
    {
        nest_global_prefix(module);
    }
    let Some((project, route_folders)) = guard_file_project(&module.path) else {
        return;
    };
    let project = project.to_string();
    let pages_functions = route_folders.is_empty();
    let sveltekit = route_folders == SVELTEKIT_ROUTE_FOLDERS;
    let route_folders: Vec<String> = route_folders.iter().map(|f| f.to_string()).collect();
    let bound = |name: &str| {
        module.top_level.iter().find_map(|stmt| match stmt {
            Stmt::Let {
                bindings,
                value: Some(value),
                ..
            } if bindings.first().is_some_and(|b| b.name == name) => Some(value.clone()),
            _ => None,
        })
    };
    // SvelteKit's `handle` before the routes of `src/routes/`; Astro's `onRequest` (in a
    // `middleware.ts`, as Next's is named) before every page and endpoint of `src/pages/`.
    // Cloudflare Pages' `onRequest` before every Function of the middleware's folder.
    let (hooks, folders) = if pages_functions {
        (exported_hooks(module, "onRequest", &bound), Vec::new())
    } else if sveltekit {
        (
            exported_hooks(module, "handle", &bound),
            route_folders.clone(),
        )
    } else {
        (
            exported_hooks(module, "onRequest", &bound),
            vec![ASTRO_PAGES.to_string()],
        )
    };
    if sveltekit || pages_functions || !hooks.is_empty() {
        for guard in hooks {
            module.global_guards.push(AppGuard {
                guard,
                scope: AppGuardScope::Paths {
                    project: project.clone(),
                    route_folders: folders.clone(),
                    matchers: Vec::new(),
                    exempt: Vec::new(),
                },
            });
        }
        return;
    }
    let config = bound("config");
    let default_value = bound("default");
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
            route_folders,
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
    fn the_project_is_the_folder_beside_its_routes() {
        let project = |p| guard_file_project(p).map(|(d, _)| d);
        assert_eq!(project("apps/web/src/middleware.ts"), Some("apps/web/src"));
        assert_eq!(project("proxy.ts"), Some(""));
        assert_eq!(project("src/hooks.server.ts"), Some("src"));
        assert_eq!(project("lib/auth/session.ts"), None);
        assert_eq!(
            project("functions/api/_middleware.ts"),
            Some("functions/api")
        );
        assert_eq!(project("src/_middleware.ts"), None);
        let app = ["app", "pages"];
        assert!(in_project(
            "apps/web/src",
            &app,
            "apps/web/src/app/api/x/route.ts"
        ));
        assert!(in_project("", &app, "app/api/x/route.ts"));
        assert!(!in_project(
            "apps/web/src/auth",
            &app,
            "apps/web/src/app/api/x/route.ts"
        ));
        assert!(!in_project(
            "apps/web",
            &app,
            "apps/web/src/app/api/x/route.ts"
        ));
        assert!(!in_project("", &app, "application/x.ts"));
        // A server action may sit anywhere in the project.
        let anywhere: [&str; 0] = [];
        assert!(in_project(
            "apps/web",
            &anywhere,
            "apps/web/src/lib/actions.ts"
        ));
        assert!(!in_project("apps/web", &anywhere, "apps/webhooks/x.ts"));
    }
}
