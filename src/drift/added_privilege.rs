//! ## added-privilege
//!
//! **What it finds.** The action grants more than the spec allows: a role literal outside the
//! allow-list (`roleSlug: "admin"`), a role, scope or intent taken from request input with no
//! allow-list check, a widget token not bound to the session user, a domain written as
//! `verified` (which skips DNS verification), or a privileged operation the canonical workflow
//! does not contain (an invite handler that also promotes a membership).
//!
//! **Why it matters.** Each turns a routine identity action into privilege escalation: the
//! caller picks their own role, mints a token with scopes they do not hold, or claims a domain
//! they do not own.
//!
//! **Example.**
//! ```ts
//! const { email, role } = await request.json();
//! await workos.userManagement.sendInvitation({ email, organizationId, roleSlug: role });
//! ```

use super::arguments::{report_rules, short};
use super::{render_path, Finding, Site};
use crate::cfg::query::path_avoiding;
use crate::cfg::NodeKind;
use crate::drift::fingerprint;
use crate::spec::{FindingKind, WorkflowSpec};
use crate::workflow::{Instance, Labeler};

pub fn run(site: &Site, labeler: &Labeler, out: &mut Vec<Finding>) {
    report_rules(site, FindingKind::AddedPrivilege, labeler, out);
}

/// Privileged calls inside the instance that its spec does not list as actions.
pub fn run_privileged_operations(
    inst: &Instance,
    spec: &WorkflowSpec,
    judged_elsewhere: &dyn Fn(&Instance, petgraph::graph::NodeIndex) -> bool,
    out: &mut Vec<Finding>,
) {
    let cfg = &inst.cfg;
    for (node, op_index) in &inst.labels.privileged {
        // A call that is also an action of this spec is expected; one that is an action of
        // another workflow of the same entry is judged there, by that workflow's rules.
        if inst.labels.actions.iter().any(|(n, _)| n == node) || judged_elsewhere(inst, *node) {
            continue;
        }
        let op = &spec.privileged_operations[*op_index];
        let NodeKind::Call { callee, .. } = &cfg.node(*node).kind else {
            continue;
        };
        let path = path_avoiding(cfg, cfg.entry, |n| n == *node, &Default::default())
            .unwrap_or_else(|| vec![*node]);
        let n = cfg.node(*node);
        let step = format!("privileged:{}", short(callee));
        out.push(Finding {
            kind: FindingKind::AddedPrivilege,
            workflow: inst.workflow.clone(),
            step: step.clone(),
            severity: op.severity,
            file: n.file.clone(),
            line: n.span.line,
            column: n.span.col,
            function: inst.entry.function.clone(),
            entry: inst.entry.kind.clone(),
            message: format!(
                "This {} workflow also calls `{}`, which {}; the canonical workflow ({}) contains no such call.",
                inst.workflow,
                short(callee),
                op.grants,
                spec.title
            ),
            help: "Move the extra privileged call into its own endpoint with its own checks, or remove it.".into(),
            path: render_path(inst, &path),
            fingerprint: fingerprint(&[
                FindingKind::AddedPrivilege.as_str(),
                &inst.workflow,
                &step,
                &inst.entry.file,
                &inst.entry.function,
                callee,
            ]),
            entry_file: inst.entry.file.clone(),
            span: (n.span.start, n.span.end),
            witness: path,
        });
    }
}
