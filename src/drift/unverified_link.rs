//! ## missing-check (an account matched by an unverified email)
//!
//! **What it finds.** After a sign-in (see the spec's `link_by_email`), the code looks up one of
//! its own accounts by the email the provider returned (`db.user.findUnique({ where: { email:
//! user.email } })`) with no test of whether that address is verified (`user.emailVerified`)
//! on the way.
//!
//! **Why it matters.** An identity provider may return an address nobody proved they own (a
//! social account or a directory that does not verify emails). Matching the application's
//! existing account by it signs the newcomer in as that account's owner: whoever registers
//! `ceo@victim.example` elsewhere takes over the account with that address here.
//!
//! **Example.**
//! ```ts
//! const { user } = await workos.userManagement.authenticateWithCode({ code, clientId });
//! const account = await db.user.findUnique({ where: { email: user.email } });
//! ```

use petgraph::graph::NodeIndex;
use petgraph::visit::EdgeRef;

use super::{Finding, Site};
use crate::cfg::query::path_through;
use crate::cfg::{NodeKind, Value};
use crate::spec::FindingKind;

/// Names a test of the returned address's verification mentions.
const VERIFIED: &[&str] = &[
    "emailVerified",
    "email_verified",
    "EmailVerified",
    "verified_email",
    "verifiedEmail",
];

/// Words of a call that looks records up (or writes the one it finds). `get` only with `by`
/// (`getUserByEmail`): `getUserHandle({ email })` computes, it does not look up.
const LOOKUP_WORDS: &[&str] = &[
    "find", "select", "lookup", "where", "first", "query", "fetch", "load", "upsert", "filter",
    "by",
];

pub fn run(site: &Site, out: &mut Vec<Finding>) {
    let Some(rule) = &site.spec.actions[site.action].link_by_email else {
        return;
    };
    let callee = site.callee();
    if callee.is_empty() {
        return;
    }
    let cfg = site.cfg();
    let mut after = petgraph::visit::Dfs::new(&cfg.graph, site.node);
    while let Some(lookup) = after.next(&cfg.graph) {
        if lookup == site.node {
            continue;
        }
        let NodeKind::Call {
            callee: other,
            args,
            inlined,
            ..
        } = &cfg.node(lookup).kind
        else {
            continue;
        };
        // A helper of the application's whose body the graph holds is judged by the calls in it
        // (`upsertUserFromWorkOS` inserts by id and updates on a conflict of the id), not by
        // its name.
        if *inlined {
            continue;
        }
        let words = crate::workflow::label::words(crate::ir::last_segment(other));
        if !words.iter().any(|w| LOOKUP_WORDS.contains(&w.as_str()))
            || !args.iter().any(|a| returned_email(&a.value, &callee, 0))
        {
            continue;
        }
        // The tests of the address's verification, whichever way they went: the code decided.
        let cut = cfg
            .graph
            .node_indices()
            .filter(|n| tests_verification(cfg, *n))
            .flat_map(|n| cfg.graph.edges(n).map(|e| e.id()))
            .collect();
        let Some(witness) = path_through(cfg, site.node, |n| n == lookup, &cut) else {
            continue;
        };
        let at = cfg.node(lookup);
        out.push(site.following_finding(
            FindingKind::MissingCheck,
            "link_by_email",
            (&rule.title, rule.severity, &rule.help),
            format!(
                "`{other}` at {}:{} matches an account by the email it returned, and nothing tests that the address is verified",
                at.file, at.span.line,
            ),
            witness,
            "unverified-email",
        ));
        return;
    }
}

/// Whether a value is, or holds, the `email` of what `callee` returned.
fn returned_email(v: &Value, callee: &str, depth: usize) -> bool {
    if depth > 8 {
        return false;
    }
    match v {
        Value::Member { base, property } if property.eq_ignore_ascii_case("email") => {
            let mut calls = Vec::new();
            base.producing_calls(&mut calls);
            calls.iter().any(|c| c == callee)
        }
        Value::Var { value, .. } => returned_email(value, callee, depth + 1),
        Value::Object { props } => props
            .iter()
            .any(|(_, p)| returned_email(p, callee, depth + 1)),
        Value::Either { options } => options.iter().any(|o| returned_email(o, callee, depth + 1)),
        Value::Derived { from, .. } => returned_email(from, callee, depth + 1),
        _ => false,
    }
}

/// Whether a node is a branch on whether an address is verified: by the field's name, or
/// through a local that holds it (`verified` handed `user.email_verified`).
fn tests_verification(cfg: &crate::cfg::Cfg, n: NodeIndex) -> bool {
    matches!(&cfg.node(n).kind, NodeKind::Branch { condition, .. }
        if condition.names.iter().any(|name| VERIFIED.contains(&name.as_str()))
            || condition.values.iter().any(|(_, v)| reads_verification(v, 0)))
}

/// Whether a value is, or is read from, a verification field.
fn reads_verification(v: &Value, depth: usize) -> bool {
    if depth > 16 {
        return false;
    }
    match v {
        Value::Member { base, property } => {
            VERIFIED.contains(&property.as_str()) || reads_verification(base, depth + 1)
        }
        Value::Var { value, .. } => reads_verification(value, depth + 1),
        Value::Derived { from, .. } => reads_verification(from, depth + 1),
        Value::Either { options } => options.iter().any(|o| reads_verification(o, depth + 1)),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::returned_email;
    use crate::cfg::Value;

    const EXCHANGE: &str = "workos.userManagement.authenticateWithCode";

    fn field(base: Value, property: &str) -> Value {
        Value::Member {
            base: Box::new(base),
            property: property.into(),
        }
    }

    #[test]
    fn the_returned_email_is_found_through_variables_ways_and_conversions() {
        let user = field(
            Value::CallResult {
                callee: EXCHANGE.into(),
            },
            "user",
        );
        let email = field(user.clone(), "email");
        assert!(returned_email(&email, EXCHANGE, 0));
        let kept = Value::Var {
            name: "email".into(),
            value: Box::new(email.clone()),
        };
        assert!(returned_email(&kept, EXCHANGE, 0));
        // `{ where: { email: email.toLowerCase() } }`, or one way of two.
        let lowered = Value::Derived {
            from: Box::new(kept),
            via: ".toLowerCase".into(),
        };
        assert!(returned_email(
            &Value::Object {
                props: vec![("email".into(), lowered.clone())]
            },
            EXCHANGE,
            0
        ));
        assert!(returned_email(
            &Value::either(vec![Value::Literal { value: "".into() }, lowered]),
            EXCHANGE,
            0
        ));
        // Another field of the user, or the email of something else, is not it.
        assert!(!returned_email(&field(user, "id"), EXCHANGE, 0));
        let other = field(
            Value::CallResult {
                callee: "db.invite.findFirst".into(),
            },
            "email",
        );
        assert!(!returned_email(&other, EXCHANGE, 0));
        // An account found by a digest of the address is found by the address.
        let digest = Value::Derived {
            from: Box::new(email),
            via: crate::cfg::DIGEST.into(),
        };
        assert!(returned_email(&digest, EXCHANGE, 0));
    }
}
