//! ## missing-check
//!
//! **What it finds.** A check the spec requires before an action is on no path to it: no code
//! in the workflow (handler, inlined helpers, middleware) counts as the check. Also tenant and
//! identity scoping: an organization id or user id that must come from the verified session
//! comes from request input instead, or a required argument such as the OAuth `state` is absent
//! or fixed.
//!
//! **Why it matters.** WorkOS authenticates the application's API key, not the end user. If the
//! application does not check who is calling and for which organization, anyone who can reach
//! the endpoint can invite members, change roles or reconfigure SSO in any organization.
//!
//! **Example.**
//! ```ts
//! export async function POST(request: Request) {
//!   const { email, organizationId } = await request.json();   // org from the body
//!   await workos.userManagement.sendInvitation({ email, organizationId });  // no auth, no permission
//! }
//! ```

use super::arguments::report_rules;
use super::protection::Protection;
use super::{Finding, Site};
use crate::spec::FindingKind;
use crate::workflow::Labeler;

pub fn run(
    site: &Site,
    protections: &[(String, Protection)],
    labeler: &Labeler,
    out: &mut Vec<Finding>,
) {
    for (id, protection) in protections {
        let Protection::Missing { path } = protection else {
            continue;
        };
        let check = &site.spec.checks[id];
        let message = match check.position {
            crate::spec::CheckPosition::Before => format!(
                "Nothing checks that {} before `{}` ({}): no code on any path from the entry counts as this check.",
                check.title,
                site.action_title(),
                site.written(),
            ),
            crate::spec::CheckPosition::After => format!(
                "Nothing checks that {} after `{}` ({}) before the request completes.",
                check.title,
                site.action_title(),
                site.written(),
            ),
            crate::spec::CheckPosition::Tested => format!(
                "Nothing tests what `{}` ({}) returned before the request completes: {}.",
                site.action_title(),
                site.written(),
                check.title,
            ),
        };
        out.push(site.finding(
            FindingKind::MissingCheck,
            id,
            super::severity_of(site, id, check.severity, labeler),
            message,
            check.help.clone(),
            path.clone(),
            "",
        ));
    }
    report_rules(site, FindingKind::MissingCheck, labeler, out);
}
