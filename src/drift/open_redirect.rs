//! ## added-privilege (an open redirect after the action)
//!
//! **What it finds.** An action after which the request sends the browser to a URL the request
//! chose (see the spec's `redirect_after`): a redirect call (`res.redirect(…)`,
//! `NextResponse.redirect(…)`, Next's `redirect(…)`, Flask/Django `redirect(…)`, Rails
//! `redirect_to`, Go's `http.Redirect(w, r, …)`, gin/echo `c.Redirect(…)`) whose target comes
//! from the query, the body, the `state` or a cookie, with no allow-list check of it on the way
//! (a branch that compares it, or a helper named for making it safe: `sanitizeRedirectPath(…)`,
//! `is_safe_url(…)`).
//!
//! **Why it matters.** The sign-in page is the one page users trust to be the application's:
//! a link that signs them in and then lands them on a look-alike site (`?returnTo=https://evil`)
//! harvests their password or their next click. A `state` comes back from the provider exactly
//! as the link that started the sign-in wrote it, so anyone can put a URL in it.
//!
//! **Example.**
//! ```ts
//! const { user } = await workos.userManagement.authenticateWithCode({ code, clientId });
//! return NextResponse.redirect(new URL(searchParams.get("returnTo") ?? "/", request.url));
//! ```

use petgraph::graph::NodeIndex;
use petgraph::visit::EdgeRef;

use super::{Finding, Site};
use crate::cfg::query::path_avoiding;
use crate::cfg::{NodeKind, Value};
use crate::spec::FindingKind;
use crate::workflow::{Labeler, Source};

/// Functions and methods that answer with a redirect.
const REDIRECTS: &[&str] = &[
    "redirect",
    "Redirect",
    "redirect_to",
    "HttpResponseRedirect",
    "RedirectResponse",
    "temporaryRedirect",
    "permanentRedirect",
];

/// Words of a helper that makes a target safe or tells whether it is.
const SANITIZING: &[&str] = &[
    "safe",
    "sanitize",
    "sanitized",
    "validate",
    "validated",
    "valid",
    "allowed",
    "allowlist",
    "allowlisted",
    "whitelist",
    "relative",
    "internal",
    "local",
    "trusted",
    "same",
];

/// Parts of the request the client writes freely (the request's own URL, origin or host is
/// the application's address, not a target).
const CHOSEN: &[&str] = &[
    "query",
    "searchparams",
    "params",
    "body",
    "form",
    "json",
    "state",
    "cookies",
    "cookie",
    "args",
    "query_params",
    "querystring",
    "input",
    "data",
];

pub fn run(site: &Site, labeler: &Labeler, out: &mut Vec<Finding>) {
    let Some(rule) = &site.spec.actions[site.action].redirect_after else {
        return;
    };
    let cfg = site.cfg();
    // Every node the action reaches, in depth-first order.
    let mut after = petgraph::visit::Dfs::new(&cfg.graph, site.node);
    while let Some(sink) = after.next(&cfg.graph) {
        let NodeKind::Call { callee, args, .. } = &cfg.node(sink).kind else {
            continue;
        };
        if !is_redirect(callee) {
            continue;
        }
        for arg in args {
            let Some(desc) = chosen_by_request(&arg.value, labeler) else {
                continue;
            };
            if sanitized(&arg.value) {
                continue;
            }
            // Tested as it is, or as what it was built from (`new URL(returnTo, request.url)`
            // after a test of `returnTo`), on every way to the redirect: whichever way the test
            // went, the code chose what follows (refused, or fell back to a page of its own).
            let tests: Vec<NodeIndex> = built_from(&arg.value)
                .into_iter()
                .flat_map(|part| super::arguments::allow_list_checks(cfg, part))
                .collect();
            let cut = tests
                .iter()
                .flat_map(|t| cfg.graph.edges(*t).map(|e| e.id()))
                .collect();
            let Some(path) = path_avoiding(cfg, cfg.entry, |n| n == sink, &cut) else {
                continue;
            };
            let at = cfg.node(sink);
            out.push(site.finding(
                FindingKind::AddedPrivilege,
                "redirect_after",
                rule.severity,
                format!(
                    "after `{}` ({}), the browser is sent to a target from request input (`{desc}`) at {}:{} that no allow-list check stops; expected: {}.",
                    site.action_title(),
                    site.written(),
                    at.file,
                    at.span.line,
                    rule.title
                ),
                rule.help.clone(),
                path,
                "open-redirect",
            ));
            return;
        }
    }
}

fn is_redirect(callee: &str) -> bool {
    let segments = super::exposed_secret::callee_segments(callee);
    let Some((last, receiver)) = segments.split_last() else {
        return false;
    };
    if !REDIRECTS.contains(last) {
        return false;
    }
    // A plain function (`redirect(url)`), a package's (`http.Redirect`), or a method of the
    // response (`res.redirect`, `NextResponse.redirect`, gin's `c.Redirect`).
    receiver.len() <= 1
        && receiver.first().is_none_or(|root| {
            super::exposed_secret::RESPONSE_OBJECTS.contains(root)
                || matches!(*root, "http" | "flask" | "shortcuts" | "web")
        })
}

/// The request input the value takes on some path, when it is a part the client writes.
fn chosen_by_request(v: &Value, labeler: &Labeler) -> Option<String> {
    // The request object itself (`http.Redirect(w, r, …)`) is no target.
    if matches!(v.peel(), Value::Param { .. }) {
        return None;
    }
    labeler.sources(v).into_iter().find_map(|s| match s {
        Source::Request(desc) => {
            let chosen = desc
                .split(|c: char| !c.is_alphanumeric() && c != '_')
                .any(|seg| CHOSEN.contains(&seg.to_ascii_lowercase().as_str()));
            chosen.then_some(desc)
        }
        _ => None,
    })
}

/// The value and what a function built it from (`new URL(returnTo, …)`), outermost first;
/// not the object a method read it from (`request.args` of `request.args.get("next")`), which
/// other reads share.
fn built_from(v: &Value) -> Vec<&Value> {
    let mut parts = vec![v];
    let mut cur = v;
    loop {
        cur = match cur {
            Value::Var { value, .. } => value,
            Value::Derived { from, via } if !via.starts_with('.') => from,
            _ => return parts,
        };
        parts.push(cur);
    }
}

/// Whether a helper named for making a target safe produced the value, on every way.
fn sanitized(v: &Value) -> bool {
    let alternatives = v.alternatives();
    !alternatives.is_empty()
        && alternatives.iter().all(|alt| {
            let mut cur = alt.peel();
            loop {
                match cur {
                    Value::Validated { .. } => return true,
                    Value::Derived { from, via } => {
                        let name = crate::ir::last_segment(via);
                        if crate::workflow::label::words(name)
                            .iter()
                            .any(|w| SANITIZING.contains(&w.as_str()))
                        {
                            return true;
                        }
                        cur = from.peel();
                    }
                    Value::Member { base, .. } => cur = base.peel(),
                    Value::Var { value, .. } => cur = value.peel(),
                    _ => return false,
                }
            }
        })
}
