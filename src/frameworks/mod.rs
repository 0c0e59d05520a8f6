//! The entry catalog: how frameworks expose code to requests, and what else runs code.
//!
//! Framework knowledge lives here as data and one file per concern, not spread through the
//! frontends (which only turn syntax into the IR) or the analysis (which only reads the IR):
//! - [`roots`]: code that no request reaches — jobs, crons, consumers, scripts, migrations,
//!   seeds, a process's `main` — told by where it is and how it is registered;
//! - [`routes`]: entries registered by calling a router, wherever the call is written;
//! - [`rpc`]: procedures named in code: tRPC routers, Convex functions, SvelteKit actions;
//! - [`effect`]: Effect's programs, context tags and HTTP API handlers;
//! - [`validators`]: input schemas that allow-list a field (zod, yup, valibot, Joi);
//! - [`app_guards`]: guards a file installs for many routes by its name and place (Next.js
//!   middleware, SvelteKit hooks).

pub mod app_guards;
pub mod effect;
pub mod roots;
pub mod routes;
pub mod rpc;
pub mod validators;

pub use roots::non_request_root;

use crate::ir::{Call, Expr, Literal};

/// Members of a server context, or of what a session helper hands its callback, that carry the
/// client's request rather than the session (Hono's `c.req`, tRPC's `ctx.req`, `authkitLoader`'s
/// `({ auth, request })`).
pub const REQUEST_CARRIERS: &[&str] = &[
    "req", "request", "headers", "rawInput", "input", "body", "query", "params",
];

/// Functions of a framework that read the request being served without being handed it
/// (package, exported name): Next's `cookies()` and `headers()`. What they return is the
/// client's, as a request parameter's is.
pub const REQUEST_READERS: &[(&str, &str)] =
    &[("next/headers", "cookies"), ("next/headers", "headers")];

/// Whether `import` brings in one of the [`REQUEST_READERS`].
pub fn is_request_reader(import: &crate::ir::Import) -> bool {
    REQUEST_READERS
        .iter()
        .any(|(package, name)| import.source == *package && import.imported == *name)
}

/// Method names of calls that keep a function to call later — event handlers, registries,
/// timers, routes — rather than call it before they return (`items.map(fn)`,
/// `db.transaction(fn)`, `withAuth(fn)`). A function kept for later is not part of the request
/// that registers it: it is an entry of its own (a route, a queue handler) or a root nobody
/// routes to.
const KEEPS_CALLBACK: &[&str] = &[
    "set",
    "on",
    "once",
    "addListener",
    "addEventListener",
    "prependListener",
    "subscribe",
    "register",
    "use",
    "handle",
    "command",
    "event",
    "message",
    "shortcut",
    "view",
    "tool",
    "define",
    "setTimeout",
    "setInterval",
    "setImmediate",
    "nextTick",
    "schedule",
    "cron",
    "process",
    "listen",
    "addHook",
    "hook",
    "middleware",
];

/// Calls that run the function they are given, always, before what follows them: Effect's
/// generators and constructors (`Effect.gen(function* () { … })`, `Effect.suspend`), a promise's
/// executor. What the function checks is checked.
pub fn always_runs_callback(call: &Call) -> bool {
    let Some(path) = call.callee.path() else {
        return false;
    };
    let last = crate::ir::last_segment(&path);
    (path.starts_with("Effect.")
        && matches!(
            last,
            "gen" | "suspend" | "sync" | "promise" | "tryPromise" | "try" | "fnUntraced" | "fn"
        ))
        || (call.construct && path == "Promise")
}

/// Whether `call` keeps its function arguments for later (see [`KEEPS_CALLBACK`]); a router
/// registration (`app.post("/x", handler)`) does too.
pub fn keeps_callback(call: &Call) -> bool {
    let Some(path) = call.callee.path() else {
        return false;
    };
    let last = crate::ir::last_segment(&path);
    // `app.use(mw)` registers; a bare `use(fn)` (a client wrapper's helper) runs `fn`.
    if KEEPS_CALLBACK.contains(&last) && (path.contains('.') || last != "use") {
        return true;
    }
    // `router.post("/path", …)`: a route, registered for later.
    let is_route_method = routes::is_route_method(last);
    is_route_method
        && path.contains('.')
        && matches!(
            call.args.first().map(|a| a.value.peel()),
            Some(Expr::Literal(Literal::Str(_)) | Expr::Template(_))
        )
}

/// A route's path under the prefix it is mounted at (`/api` + `/team/invite`), without a
/// trailing slash; no prefix leaves the path as it is.
pub fn join_route_path(prefix: &str, path: &str) -> String {
    if prefix.is_empty() {
        return path.to_string();
    }
    let joined = format!(
        "{}/{}",
        prefix.trim_end_matches('/'),
        path.trim_start_matches('/')
    );
    joined.trim_end_matches('/').to_string()
}

/// The URL path Cloudflare Pages gives a Function file under the project's `functions/`
/// folder: `functions/api/auth/login.ts` → `/api/auth/login`, `functions/users/[id].ts` →
/// `/users/[id]`, `index` the folder's own path. `_middleware` files and other files starting
/// with `_` are no route.
pub fn pages_function_route_path(path: &str) -> Option<String> {
    let segments: Vec<&str> = path.split('/').collect();
    let at = segments.iter().position(|s| *s == "functions")?;
    let (file, dirs) = segments[at + 1..].split_last()?;
    let (stem, ext) = file.rsplit_once('.')?;
    if !matches!(ext, "ts" | "js" | "mts" | "mjs" | "tsx" | "jsx") || stem.starts_with('_') {
        return None;
    }
    let mut parts: Vec<&str> = dirs.to_vec();
    if stem != "index" {
        parts.push(stem);
    }
    Some(format!("/{}", parts.join("/")))
}

/// The URL path a file-based router gives a file: Next.js `app/api/team/invite/route.ts` →
/// `/api/team/invite` (route groups `(x)` dropped), `pages/api/invite.ts` → `/api/invite`,
/// SvelteKit `src/routes/org/[id]/+page.server.ts` → `/org/[id]`, Remix / React Router
/// `app/routes/settings.team.tsx` → `/settings/team` (see [`remix_route_path`]).
pub fn file_route_path(path: &str) -> Option<String> {
    let (dir, file) = path.rsplit_once('/').unwrap_or(("", path));
    let stem = file.split('.').next().unwrap_or(file);
    let segments: Vec<&str> = dir.split('/').collect();
    let routes_folder = segments.iter().rposition(|s| *s == "routes");
    let rest: Vec<&str> = if let Some(i) = segments
        .iter()
        .rposition(|s| *s == "app")
        .filter(|_| matches!(stem, "route" | "page" | "layout"))
        // Remix's `app/routes/x/route.tsx` is a route of the deeper `routes` folder.
        .filter(|i| routes_folder.is_none_or(|r| r < *i))
    {
        segments[i + 1..].to_vec()
    } else if let Some(i) = routes_folder {
        if !stem.starts_with('+') {
            return remix_route_path(&segments[i + 1..], file);
        }
        segments[i + 1..].to_vec()
    } else if let Some(i) = segments.iter().rposition(|s| *s == "pages") {
        let mut rest = segments[i + 1..].to_vec();
        if stem != "index" {
            rest.push(stem);
        }
        rest
    } else {
        return None;
    };
    let parts: Vec<&str> = rest
        .into_iter()
        .filter(|s| {
            let route_group = s.starts_with('(') && s.ends_with(')');
            !s.is_empty() && !route_group
        })
        .collect();
    Some(format!("/{}", parts.join("/")))
}

/// The URL path of a Remix / React Router file route under `app/routes/`: flat routes
/// (`settings.team.tsx`, `org.$id.tsx`, folder `settings.team/route.tsx`) and the older nested
/// folders (`settings/team.tsx`). `.` separates segments (`[.]` is a literal dot), `_index` and
/// `index` are the parent's own path, a leading `_` is a layout without a path, a trailing `_`
/// leaves the parent's layout, `$id` is the parameter `:id`, `$` the rest of the path and
/// `(x)` an optional segment.
fn remix_route_path(dirs: &[&str], file: &str) -> Option<String> {
    let (name, ext) = file.rsplit_once('.')?;
    if !matches!(ext, "ts" | "tsx" | "js" | "jsx" | "mts" | "mjs") {
        return None;
    }
    let mut names: Vec<&str> = dirs.to_vec();
    if name != "route" || dirs.is_empty() {
        names.push(name);
    }
    let mut parts = Vec::new();
    for name in names {
        for segment in split_unescaped_dots(name) {
            let (segment, optional) = match segment.strip_prefix('(') {
                Some(inner) => (inner.strip_suffix(')').unwrap_or(inner).to_string(), true),
                None => (segment, false),
            };
            if segment.is_empty() || matches!(segment.as_str(), "_index" | "index") {
                continue;
            }
            if segment.starts_with('_') {
                continue;
            }
            let segment = segment.strip_suffix('_').unwrap_or(&segment);
            let mut part = match segment.strip_prefix('$') {
                Some("") => "*".to_string(),
                Some(param) => format!(":{param}"),
                None => segment.to_string(),
            };
            if optional {
                part.push('?');
            }
            parts.push(part);
        }
    }
    Some(format!("/{}", parts.join("/")))
}

/// A Remix route name's segments: split at `.` except inside `[…]`, whose brackets go.
fn split_unescaped_dots(name: &str) -> Vec<String> {
    let mut segments = vec![String::new()];
    let mut escaped = false;
    for ch in name.chars() {
        match ch {
            '[' => escaped = true,
            ']' => escaped = false,
            '.' if !escaped => segments.push(String::new()),
            _ => segments.last_mut().expect("never empty").push(ch),
        }
    }
    segments
}

#[cfg(test)]
mod tests {
    use super::{file_route_path, pages_function_route_path};

    #[test]
    fn pages_functions_are_routed_by_their_file() {
        for (file, path) in [
            ("functions/api/auth/login.ts", Some("/api/auth/login")),
            ("functions/users/[id].ts", Some("/users/[id]")),
            ("apps/site/functions/index.js", Some("/")),
            ("functions/api/index.ts", Some("/api")),
            ("functions/api/_middleware.ts", None),
            ("functions/api/notes.md", None),
            ("src/api/login.ts", None),
        ] {
            assert_eq!(pages_function_route_path(file).as_deref(), path, "{file}");
        }
    }

    #[test]
    fn remix_file_routes_name_their_paths() {
        for (file, path) in [
            ("app/routes/settings.team.tsx", "/settings/team"),
            ("app/routes/_index.tsx", "/"),
            ("app/routes/org.$orgId.members.tsx", "/org/:orgId/members"),
            ("app/routes/_auth.login.tsx", "/login"),
            ("app/routes/settings_.team.tsx", "/settings/team"),
            ("app/routes/files.$.tsx", "/files/*"),
            ("app/routes/sitemap[.]xml.ts", "/sitemap.xml"),
            ("app/routes/($lang).about.tsx", "/:lang?/about"),
            ("app/routes/api.team.invite/route.ts", "/api/team/invite"),
            ("app/routes/settings/team.tsx", "/settings/team"),
            ("app/routes/settings/index.tsx", "/settings"),
        ] {
            assert_eq!(file_route_path(file).as_deref(), Some(path), "{file}");
        }
        // A SvelteKit file that is not a route file has no path.
        assert_eq!(file_route_path("src/routes/org/helpers.css"), None);
    }

    #[test]
    fn file_based_routers_name_their_paths() {
        assert_eq!(
            file_route_path("app/api/team/invite/route.ts").as_deref(),
            Some("/api/team/invite")
        );
        assert_eq!(
            file_route_path("src/app/(dashboard)/settings/page.tsx").as_deref(),
            Some("/settings")
        );
        assert_eq!(
            file_route_path("pages/api/invite.ts").as_deref(),
            Some("/api/invite")
        );
        assert_eq!(
            file_route_path("apps/web/src/routes/org/[id]/+page.server.ts").as_deref(),
            Some("/org/[id]")
        );
        assert_eq!(file_route_path("lib/auth.ts"), None);
    }
}
