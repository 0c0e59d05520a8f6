//! The entry catalog: how frameworks expose code to requests, and what else runs code.
//!
//! Framework knowledge lives here as data and one file per concern, not spread through the
//! frontends (which only turn syntax into the IR) or the analysis (which only reads the IR):
//! - [`roots`]: code that no request reaches — jobs, crons, consumers, scripts, migrations,
//!   seeds, a process's `main` — told by where it is and how it is registered;
//! - [`routes`]: entries registered by calling a router, wherever the call is written;
//! - [`rpc`]: procedures named in code: tRPC routers, Convex functions, SvelteKit actions.

pub mod roots;
pub mod routes;
pub mod rpc;

pub use roots::non_request_root;

use crate::ir::{Call, Expr, Literal};

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

/// Whether `call` keeps its function arguments for later (see [`KEEPS_CALLBACK`]); a router
/// registration (`app.post("/x", handler)`) does too.
pub fn keeps_callback(call: &Call) -> bool {
    let Some(path) = call.callee.path() else {
        return false;
    };
    let last = crate::ir::last_segment(&path);
    if KEEPS_CALLBACK.contains(&last) {
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
