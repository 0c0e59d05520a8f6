//! ## missing-check (an event handled without its companion)
//!
//! **What it finds.** A workflow anchored on literals (a webhook handler's event names) that
//! tests some of them but not the companion the spec requires with them (see the spec's
//! `companions`): a directory-sync handler that provisions users on `dsync.user.created` and
//! never handles `dsync.user.deleted`.
//!
//! **Why it matters.** Deprovisioning is the point of directory sync: a user the customer's
//! IT removed keeps their account, memberships and sessions in the application.
//!
//! **Example.**
//! ```ts
//! switch (event.event) {
//!   case "dsync.user.created": await createUser(event.data); break;
//!   // no "dsync.user.deleted": removed employees keep access
//! }
//! ```

use std::collections::BTreeSet;

use super::{Finding, Site};
use crate::cfg::NodeKind;
use crate::spec::FindingKind;
use crate::workflow::label::literal_matches;

/// Judges the companions of the site's action over the whole instance: every literal any
/// branch of its graph tests counts, whichever function tests it.
pub fn run(site: &Site, out: &mut Vec<Finding>) {
    let companions = &site.spec.actions[site.action].companions;
    if companions.is_empty() {
        return;
    }
    let cfg = site.cfg();
    let tested: BTreeSet<&str> = cfg
        .graph
        .node_indices()
        .filter_map(|n| match &cfg.node(n).kind {
            NodeKind::Branch { condition, .. } => Some(condition.tested_literals()),
            _ => None,
        })
        .flatten()
        .collect();
    let tests = |patterns: &[String]| -> Option<&str> {
        tested
            .iter()
            .copied()
            .find(|l| patterns.iter().any(|p| literal_matches(l, p)))
    };
    // A required value may also be tested as an enum member (`payload.State !=
    // string(directorysync.Active)`): its last segment, in any case, is the value.
    let members: BTreeSet<String> = cfg
        .graph
        .node_indices()
        .filter_map(|n| match &cfg.node(n).kind {
            NodeKind::Branch { condition, .. } => Some(condition.literals.iter()),
            _ => None,
        })
        .flatten()
        .filter(|l| l.contains('.'))
        .map(|l| crate::ir::last_segment(l).to_ascii_lowercase())
        .collect();
    let tests_member = |patterns: &[String]| {
        patterns
            .iter()
            .any(|p| members.contains(&p.to_ascii_lowercase()))
    };
    for (id, companion) in companions {
        let Some(handled) = tests(&companion.when) else {
            continue;
        };
        if tests(&companion.requires).is_some() || tests_member(&companion.requires) {
            continue;
        }
        let path = crate::cfg::query::path_avoiding(
            cfg,
            cfg.entry,
            |n| n == site.node,
            &Default::default(),
        )
        .unwrap_or_else(|| vec![site.node]);
        out.push(site.finding(
            FindingKind::MissingCheck,
            id,
            companion.severity,
            format!(
                "The handler acts on {handled:?} but never on {}; expected: {}.",
                companion
                    .requires
                    .iter()
                    .map(|r| format!("{r:?}"))
                    .collect::<Vec<_>>()
                    .join(" or "),
                companion.title
            ),
            companion.help.clone(),
            path,
            "",
        ));
    }
}
