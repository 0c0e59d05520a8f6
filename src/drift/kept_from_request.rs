//! ## added-privilege (the session keeps what the request chose)
//!
//! **What it finds.** After a sign-in (see the spec's `session_from_response`), the code keeps a value
//! for the caller's later requests — a session field, a cookie — under a key such as
//! `organizationId`, and the value is request input (`req.query.org`, a form field, the
//! `state`), not what the sign-in returned.
//!
//! **Why it matters.** Later requests read the organization from the session as the verified
//! one and act in it. WorkOS returns the organization the user signed in to; one taken from the
//! request is whichever the link or form named, so a member of one organization acts in another.
//!
//! **Example.**
//! ```ts
//! const { user } = await workos.userManagement.authenticateWithCode({ code, clientId });
//! req.session.organizationId = req.query.org;
//! ```

use petgraph::graph::NodeIndex;

use super::{Finding, Site};
use crate::cfg::query::path_through;
use crate::cfg::{NodeKind, Value};
use crate::spec::FindingKind;
use crate::workflow::label::{equals_session_on_every_path, name_matches, words};
use crate::workflow::Labeler;

pub fn run(site: &Site, labeler: &Labeler, out: &mut Vec<Finding>) {
    let Some(rule) = &site.spec.actions[site.action].session_from_response else {
        return;
    };
    if !site.has_user_caller() {
        return;
    }
    let callee = site.callee();
    let cfg = site.cfg();
    let mut after = petgraph::visit::Dfs::new(&cfg.graph, site.node);
    while let Some(n) = after.next(&cfg.graph) {
        if n == site.node {
            continue;
        }
        for (key, value) in kept(cfg, n) {
            if !rule.keys.iter().any(|k| name_matches(&key, k)) {
                continue;
            }
            let Some(desc) = labeler.request_input(value) else {
                continue;
            };
            // Input compared equal to the session's, or checked with the user just signed in
            // (`listOrganizationMemberships({ userId: user.id, organizationId: org })`, refused
            // when there is none): the organization is one the user belongs to.
            if equals_session_on_every_path(cfg, n, value, labeler)
                || labeler.checked_with_result(cfg, n, value, &callee)
            {
                continue;
            }
            let Some(witness) = path_through(cfg, site.node, |m| m == n, &Default::default())
            else {
                continue;
            };
            let at = cfg.node(n);
            out.push(site.following_finding(
                FindingKind::AddedPrivilege,
                "session_from_response",
                (&rule.title, rule.severity, &rule.help),
                format!(
                    "{}:{} keeps `{key}` for later requests from request input (`{desc}`) instead of what the sign-in returned",
                    at.file, at.span.line,
                ),
                witness,
                "request",
            ));
            return;
        }
    }
}

/// What a node keeps for the caller's later requests, by key: an assignment to a session field
/// or cookie, or a call that sets one (`cookies().set("org_id", v)`, `res.cookie("org_id", v)`,
/// `session.set("organizationId", v)`, Flask's `response.set_cookie("org_id", v)`, Go's
/// `http.SetCookie(w, &http.Cookie{Name: "org_id", Value: v})`), or one that makes a session
/// from fields (`createSession({ user, organizationId })`).
fn kept(cfg: &crate::cfg::Cfg, n: NodeIndex) -> Vec<(String, &Value)> {
    match &cfg.node(n).kind {
        NodeKind::Store { target, value } => {
            vec![(crate::ir::last_segment(target).to_string(), value)]
        }
        NodeKind::Call { callee, args, .. }
            if sets_session_or_cookie(callee) || serializes_cookie(callee, args) =>
        {
            let mut out = Vec::new();
            if let (Some(name), Some(value)) = (args.first(), args.get(1)) {
                if let Value::Literal { value: name } = name.value.peel() {
                    out.push((unquoted(name), &value.value));
                }
            }
            for arg in args {
                let Value::Object { props } = arg.value.peel() else {
                    continue;
                };
                // A cookie written as a record of its name and value.
                let field = |k: &str| props.iter().find(|(p, _)| p.eq_ignore_ascii_case(k));
                if let (Some((_, name)), Some((_, value))) = (field("name"), field("value")) {
                    if let Value::Literal { value: name } = name.peel() {
                        out.push((unquoted(name), value));
                    }
                }
                out.extend(props.iter().map(|(k, v)| (k.clone(), v)));
            }
            out
        }
        _ => Vec::new(),
    }
}

/// Whether a call keeps values for later requests: its path names the session or a cookie, and
/// its own name sets, saves or makes one (`cookies().set`, `session.save`, `createSession`,
/// `set_cookie`, `SetCookie`).
fn sets_session_or_cookie(callee: &str) -> bool {
    let all = words(callee);
    let stores = all
        .iter()
        .any(|w| matches!(w.as_str(), "session" | "cookie" | "cookies"));
    let own = words(crate::ir::last_segment(callee));
    let writes = own.iter().any(|w| {
        matches!(
            w.as_str(),
            "set" | "save" | "create" | "update" | "commit" | "put" | "store" | "write" | "cookie"
        )
    });
    stores && writes
}

/// The `cookie` package's `serialize("org_id", value)` (also `cookie.serialize`): the text of a
/// `Set-Cookie` header (`res.setHeader("Set-Cookie", serialize(…))`), named by its first
/// argument, a literal.
fn serializes_cookie(callee: &str, args: &[crate::cfg::ArgValue]) -> bool {
    crate::ir::last_segment(callee) == "serialize"
        && args.len() >= 2
        && matches!(args[0].value.peel(), Value::Literal { .. })
}

fn unquoted(s: &str) -> String {
    s.trim_matches(|c| c == '"' || c == '\'' || c == ':')
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::sets_session_or_cookie as sets;
    use super::{serializes_cookie, unquoted};
    use crate::cfg::{ArgValue, Value};

    fn arg(value: Value) -> ArgValue {
        ArgValue { name: None, value }
    }

    #[test]
    fn a_serialized_cookie_is_named_by_its_literal_first_argument() {
        let name = || {
            arg(Value::Literal {
                value: "org_id".into(),
            })
        };
        let value = || arg(Value::Unknown);
        assert!(serializes_cookie("serialize", &[name(), value()]));
        assert!(serializes_cookie("cookie.serialize", &[name(), value()]));
        // Another call given a literal and a value sets no cookie (`cache.set("org_id", v)`).
        assert!(!serializes_cookie("cache.set", &[name(), value()]));
        // A name alone, or a name the code computes, names no cookie here.
        assert!(!serializes_cookie("serialize", &[name()]));
        assert!(!serializes_cookie("serialize", &[value(), value()]));
    }

    #[test]
    fn a_key_is_read_without_its_quotes_or_symbol_colon() {
        assert_eq!(unquoted("\"org_id\""), "org_id");
        assert_eq!(unquoted("'org_id'"), "org_id");
        assert_eq!(unquoted(":org_id"), "org_id");
    }

    #[test]
    fn calls_that_set_a_session_or_cookie_are_told_from_reads() {
        for callee in [
            "cookies().set",
            "res.cookie",
            "session.set",
            "response.set_cookie",
            "http.SetCookie",
            "createSession",
            "req.session.save",
            "c.SetCookie",
        ] {
            assert!(sets(callee), "{callee}");
        }
        for callee in [
            "cookies().get",
            "session.get",
            "getSession",
            "req.session.destroy",
            "settings.update",
        ] {
            assert!(!sets(callee), "{callee}");
        }
    }
}
