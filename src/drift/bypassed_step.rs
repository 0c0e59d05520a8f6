//! ## bypassed-step
//!
//! **What it finds.** A check exists in the workflow but does not protect the action: some path
//! reaches the action without passing it (the check sits behind a flag or after an early
//! branch), its failing side still reaches the action (it only logs, a `catch` or a promise's
//! `.catch(() => {})` swallows the failure, or an async guard is called without `await`), it
//! also passes on an alternative the client controls (`if (!(isAdmin || body.internal))`), or
//! it runs only after the action.
//!
//! **Why it matters.** Such code reads as protected in review, which makes it worse than a
//! missing check: the witness path shows the way around it.
//!
//! **Example.**
//! ```ts
//! try { await requirePermission("widgets:users-table:manage"); }
//! catch (e) { console.error(e); }            // failure swallowed
//! await workos.userManagement.sendInvitation({ email, organizationId });
//! ```

use super::protection::{Bypass, Protection};
use super::{render_path_keeping, Finding, Site};
use crate::spec::FindingKind;

pub fn run(
    site: &Site,
    protections: &[(String, Protection)],
    labeler: &crate::workflow::Labeler,
    out: &mut Vec<Finding>,
) {
    for (id, protection) in protections {
        let Protection::Bypassed { path, how } = protection else {
            continue;
        };
        let check = &site.spec.checks[id];
        let action = format!("`{}` ({})", site.action_title(), site.written());
        let at = |n| {
            let node = site.cfg().node(n);
            format!("{}:{}", node.file, node.span.line)
        };
        let message = match how {
            Bypass::ByInput { check: c, input } => format!(
                "The check that {} at {} can be passed by the request itself: one alternative of its condition reads only request input (`{}`), so a client that sends it reaches {action} without the check.",
                check.title,
                at(*c),
                input.replace("<input>", "input")
            ),
            Bypass::Skipped { check: c, at: a } => format!(
                "The check that {} exists at {}, but the path leaves it aside at {} and reaches {action} without passing it.",
                check.title,
                at(*c),
                at(*a)
            ),
            Bypass::FailsOpen {
                caught: Some(crate::cfg::NOT_AWAITED),
                check: c,
            } => format!(
                "The check that {} at {} does not stop the request: it is async and called without `await`, so its refusal is a rejected promise nobody waits for (in Python and Rust its body never runs) and execution continues to {action}.",
                check.title,
                at(*c)
            ),
            Bypass::FailsOpen {
                caught: Some(crate::cfg::SWALLOWED),
                check: c,
            } => format!(
                "The check that {} at {} fails open: a `.catch()` that only logs swallows its refusal and execution continues to {action}.",
                check.title,
                at(*c)
            ),
            Bypass::FailsOpen {
                caught: Some(_),
                check: c,
            } => format!(
                "The check that {} at {} fails open: its failure is caught and execution continues to {action}.",
                check.title,
                at(*c)
            ),
            Bypass::FailsOpen { caught: None, check: c } => format!(
                "The check that {} at {} does not stop the request when it fails: its failing side still reaches {action}.",
                check.title,
                at(*c)
            ),
            Bypass::After { check: c } => format!(
                "The check that {} at {} runs only after {action}, so it cannot protect it.",
                check.title,
                at(*c)
            ),
        };
        let evidence = match how {
            Bypass::Skipped { .. } => "skipped",
            Bypass::ByInput { .. } => "by-input",
            Bypass::FailsOpen { .. } => "fails-open",
            Bypass::After { .. } => "after",
        };
        let mut finding = site.finding(
            FindingKind::BypassedStep,
            id,
            super::severity_of(site, id, check.severity, labeler),
            message,
            check.help.clone(),
            path.clone(),
            evidence,
        );
        // The place the message names, even inside a guard or helper the path only passes.
        if let Bypass::Skipped { at, .. } = how {
            finding.path = render_path_keeping(site.instance, path, &[*at]);
        }
        out.push(finding);
    }
}
