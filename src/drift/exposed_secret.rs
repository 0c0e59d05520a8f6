//! ## added-privilege (a secret result in the response)
//!
//! **What it finds.** An action whose result is a secret meant for someone else (a password
//! reset token or URL, a Magic Auth code: see the spec's `secret_result`) whose result, or the
//! secret field of it, reaches the HTTP response: written by a response call (`res.json(…)`,
//! `NextResponse.json(…)`, `jsonify(…)`, `render json:`, Go's `json.NewEncoder(w).Encode(…)`), put
//! in a redirect, or returned by the request's own handler (a server action's return value goes
//! to the browser).
//!
//! **Why it matters.** The token is the account: whoever asks for a reset of someone else's
//! email and reads the token from the response sets their password. WorkOS returns it so that
//! the application can email it, not show it.
//!
//! **Example.**
//! ```ts
//! const reset = await workos.userManagement.createPasswordReset({ email });
//! return NextResponse.json({ url: reset.passwordResetUrl });   // anyone resets anyone
//! ```

use crate::workflow::label::folded_name;
use petgraph::graph::NodeIndex;

use super::{Finding, Site};
use crate::cfg::{NodeKind, Value};
use crate::spec::{FindingKind, SecretResult};

/// Objects whose methods write the response (`res.json`, `reply.send`, Go's `w.Write`, Hono's
/// `c.json`), and classes that are one (`NextResponse.json`, `new Response(…)`).
pub(super) const RESPONSE_OBJECTS: &[&str] = &[
    "res",
    "response",
    "resp",
    "reply",
    "ctx",
    "c",
    "context",
    "w",
    "rw",
    "writer",
    "NextResponse",
    "Response",
];
/// Their methods that send a body or send the browser somewhere.
const RESPONSE_METHODS: &[&str] = &[
    "json",
    "send",
    "end",
    "write",
    "Write",
    "JSON",
    "IndentedJSON",
    "PureJSON",
    "String",
    "text",
    "html",
    "body",
    "redirect",
    "Redirect",
];
/// Functions that are the response themselves.
const RESPONSE_FUNCTIONS: &[&str] = &[
    "jsonify",
    "render",
    "redirect",
    "redirect_to",
    "JsonResponse",
    "HttpResponse",
    "HttpResponseRedirect",
    "Response",
    "make_response",
    "Encode",
];

pub fn run(site: &Site, labeler: &crate::workflow::Labeler, out: &mut Vec<Finding>) {
    let Some(rule) = &site.spec.actions[site.action].secret_result else {
        return;
    };
    if super::waived(site, "secret_result", labeler) || shown_to_entitled_caller(site, rule) {
        return;
    }
    let callee = site.callee();
    if callee.is_empty() {
        return;
    }
    let cfg = site.cfg();
    let Some(path) = crate::cfg::query::path_avoiding(
        cfg,
        site.node,
        |n| sink_leaks(cfg.node(n), &callee, rule).is_some(),
        &Default::default(),
    ) else {
        return;
    };
    let Some(&sink) = path.last() else {
        return;
    };
    let what = sink_leaks(cfg.node(sink), &callee, rule).unwrap_or_default();
    let to_action =
        crate::cfg::query::path_avoiding(cfg, cfg.entry, |n| n == site.node, &Default::default())
            .unwrap_or_else(|| vec![site.node]);
    let witness: Vec<NodeIndex> = to_action
        .into_iter()
        .chain(path.into_iter().skip(1))
        .collect();
    let at = cfg.node(sink);
    let message = format!(
        "{what} of `{}` ({}) reaches the response at {}:{}; expected: {}.",
        site.action_title(),
        site.written(),
        at.file,
        at.span.line,
        rule.title
    );
    out.push(site.finding(
        FindingKind::AddedPrivilege,
        "secret_result",
        rule.severity,
        message,
        rule.help.clone(),
        witness,
        "response",
    ));
}

/// Whether one of the rule's `unless` checks passes before the call on every path (or the route
/// is a platform operator's, whom the check does not bind): the caller may see the secret.
fn shown_to_entitled_caller(site: &Site, rule: &SecretResult) -> bool {
    rule.unless.iter().any(|check| {
        if site.operator_exempt(check) {
            return true;
        }
        super::protection::analyse(
            site.cfg(),
            site.node,
            &site.check_nodes(check),
            crate::spec::CheckPosition::Before,
        ) == super::protection::Protection::Protected
    })
}

/// What of the action's result a node sends to the client, if anything.
fn sink_leaks(node: &crate::cfg::CfgNode, callee: &str, rule: &SecretResult) -> Option<String> {
    match &node.kind {
        NodeKind::Call {
            callee: sink, args, ..
        } if writes_response(sink) => args.iter().find_map(|a| leaked(&a.value, callee, rule, 0)),
        NodeKind::Return {
            denial: false,
            value: Some(v),
        } => leaked(v, callee, rule, 0),
        _ => None,
    }
}

/// A callee's segments without call marks (`NextResponse.redirect`, `c.JSON`).
pub(super) fn callee_segments(callee: &str) -> Vec<&str> {
    callee
        .split('.')
        .map(crate::ir::without_call_marks)
        .collect()
}

fn writes_response(callee: &str) -> bool {
    let segments = callee_segments(callee);
    let Some((last, receiver)) = segments.split_last() else {
        return false;
    };
    if RESPONSE_FUNCTIONS.contains(last) {
        return true;
    }
    RESPONSE_METHODS.contains(last)
        && receiver
            .first()
            .is_some_and(|root| RESPONSE_OBJECTS.contains(root))
}

/// Methods that hand on the whole object they are called on, serialised or converted.
const WHOLE_CONVERSIONS: &[&str] = &[
    "to_h",
    "to_hash",
    "to_json",
    "as_json",
    "attributes",
    "serializable_hash",
    "to_s",
    "inspect",
    "to_dict",
    "dict",
    "model_dump",
    "model_dump_json",
    "json",
    "toJSON",
    "toString",
    "valueOf",
];

/// The secret part of the action's result that `v` holds: the whole result, or a secret field.
fn leaked(v: &Value, callee: &str, rule: &SecretResult, depth: usize) -> Option<String> {
    if depth > 16 {
        return None;
    }
    if rule.whole_result && is_result(v, callee) {
        return Some("the whole result".into());
    }
    match v.peel() {
        Value::Member { .. } => {
            // Walk to the root, keeping the properties read from it, nearest the root first.
            let mut read = Vec::new();
            let mut cur = v.peel();
            while let Value::Member { base, property } = cur {
                read.push(property.as_str());
                cur = base.peel();
            }
            if !is_result(cur, callee) {
                return None;
            }
            // A list's page (`invitations.data`, Go's `.Data`) and its items are the records
            // themselves. (A number read from the result itself is Go's second return value,
            // the error: `_, err := …`.)
            let mut in_page = false;
            let mut read = read.into_iter().rev().skip_while(|p| {
                let skip = PAGE_FIELDS.contains(p)
                    || *p == "[]"
                    || (in_page && p.parse::<usize>().is_ok());
                in_page |= skip;
                skip
            });
            match read.next() {
                None if rule.whole_result => Some("the whole result".into()),
                None => None,
                Some(field) => {
                    names_secret_field(rule, &folded_name(field)).then(|| format!("`{field}`"))
                }
            }
        }
        Value::Object { props } => props
            .iter()
            .find_map(|(_, p)| leaked(p, callee, rule, depth + 1)),
        Value::Array { items: options } | Value::Either { options } => options
            .iter()
            .find_map(|o| leaked(o, callee, rule, depth + 1)),
        // A digest of the secret (`sha256(token)`, kept to find the row later) reveals nothing.
        Value::Derived { via, .. } if via == crate::cfg::DIGEST => None,
        // A method called on the result itself: Ruby's attribute readers (`reset.id`), getters
        // (`GetCode()`), or a conversion of the whole (`to_h`, `model_dump()`).
        Value::Derived { from, via } if is_result(from, callee) => {
            let method = via.strip_prefix(callee).and_then(|m| m.strip_prefix("()."));
            match method {
                // A list's page read by its reader method (Ruby's `invitations.data`).
                Some(m) if PAGE_FIELDS.contains(&m) => {
                    rule.whole_result.then(|| "the whole result".into())
                }
                Some(m) if !WHOLE_CONVERSIONS.contains(&m) => {
                    let read = folded_name(m);
                    let read = read.strip_prefix("get").unwrap_or(&read);
                    names_secret_field(rule, read).then(|| format!("`{m}`"))
                }
                _ => leaked(from, callee, rule, depth + 1),
            }
        }
        // A projection of a list (`invitations.data.map((i) => ({ id: i.id, email: i.email }))`)
        // sends what its callback builds, which is not followed here: not the records whole.
        Value::Derived { via, .. } if PROJECTIONS.contains(&crate::ir::last_segment(via)) => None,
        Value::Derived { from, .. } => leaked(from, callee, rule, depth + 1),
        _ => None,
    }
}

/// Methods that build a new list from what a callback returns for each item.
const PROJECTIONS: &[&str] = &["map", "flatMap", "flat_map", "collect"];

/// The fields of a list call's result that hold its records.
const PAGE_FIELDS: &[&str] = &["data", "Data"];

/// Whether a field name, folded (lower case, no underscores), is one of the rule's secret fields.
fn names_secret_field(rule: &SecretResult, folded: &str) -> bool {
    rule.fields.iter().any(|f| folded_name(f) == folded)
}

/// Whether `v` is what the call `callee` returned: its result, or (a method called on another
/// call's result, Go's `client.UserManagement().CreatePasswordReset(…)`) the value derived by it.
fn is_result(v: &Value, callee: &str) -> bool {
    match v.peel() {
        Value::CallResult { callee: c } => c == callee,
        Value::Derived { via, .. } => via == callee,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::leaked;
    use crate::cfg::Value;
    use crate::spec::{SecretResult, Severity};

    const RESET: &str = "workos.userManagement.createPasswordReset";

    fn rule(whole_result: bool) -> SecretResult {
        SecretResult {
            title: "the reset token stays on the server".into(),
            severity: Severity::High,
            fields: vec!["passwordResetToken".into()],
            whole_result,
            unless: Vec::new(),
            help: String::new(),
        }
    }

    fn field_of(callee: &str, property: &str) -> Value {
        Value::Member {
            base: Box::new(Value::CallResult {
                callee: callee.into(),
            }),
            property: property.into(),
        }
    }

    #[test]
    fn a_secret_on_one_way_or_in_a_list_is_leaked() {
        let token = field_of(RESET, "password_reset_token");
        let one_way = Value::either(vec![Value::Literal { value: "".into() }, token.clone()]);
        assert_eq!(
            leaked(&one_way, RESET, &rule(false), 0).as_deref(),
            Some("`password_reset_token`")
        );
        let listed = Value::Array {
            items: vec![Value::CallResult {
                callee: RESET.into(),
            }],
        };
        assert_eq!(
            leaked(&listed, RESET, &rule(true), 0).as_deref(),
            Some("the whole result")
        );
        let nested = Value::Object {
            props: vec![(
                "data".into(),
                Value::Object {
                    props: vec![("token".into(), token)],
                },
            )],
        };
        assert!(leaked(&nested, RESET, &rule(false), 0).is_some());
    }

    #[test]
    fn a_field_of_another_call_or_another_field_is_no_leak() {
        // The same field name read from something else (a database row) is not the secret.
        let other = field_of("db.passwordReset.findFirst", "passwordResetToken");
        assert_eq!(leaked(&other, RESET, &rule(false), 0), None);
        // Other fields of the result (`id`, `expiresAt`) may be sent.
        assert_eq!(
            leaked(&field_of(RESET, "expiresAt"), RESET, &rule(true), 0),
            None
        );
        // An older SDK's method of the same name returned the user: not the whole result.
        let whole = Value::CallResult {
            callee: RESET.into(),
        };
        assert_eq!(leaked(&whole, RESET, &rule(false), 0), None);
        // A digest of the token, kept to find its row again, does not reveal it.
        let digest = Value::Derived {
            from: Box::new(field_of(RESET, "password_reset_token")),
            via: crate::cfg::DIGEST.into(),
        };
        assert_eq!(leaked(&digest, RESET, &rule(false), 0), None);
    }

    /// A method called on the result (Ruby reads attributes by calling them).
    fn method_of(callee: &str, method: &str) -> Value {
        Value::Derived {
            from: Box::new(Value::CallResult {
                callee: callee.into(),
            }),
            via: format!("{callee}().{method}"),
        }
    }

    #[test]
    fn a_method_of_the_result_is_the_field_it_reads_or_the_whole_it_converts() {
        // `reset.id`, `reset.expires_at`: other fields may be sent.
        assert_eq!(
            leaked(&method_of(RESET, "expires_at"), RESET, &rule(true), 0),
            None
        );
        // `reset.password_reset_token`, Go's `reset.GetPasswordResetToken()`.
        assert_eq!(
            leaked(
                &method_of(RESET, "password_reset_token"),
                RESET,
                &rule(true),
                0
            )
            .as_deref(),
            Some("`password_reset_token`")
        );
        assert!(leaked(
            &method_of(RESET, "GetPasswordResetToken"),
            RESET,
            &rule(true),
            0
        )
        .is_some());
        // `reset.to_h`, `reset.model_dump()`: the whole result, secret included.
        assert_eq!(
            leaked(&method_of(RESET, "to_h"), RESET, &rule(true), 0).as_deref(),
            Some("the whole result")
        );
        // A method of another call's result is not this result's.
        assert_eq!(
            leaked(
                &method_of("db.reset.find", "password_reset_token"),
                RESET,
                &rule(true),
                0
            ),
            None
        );
    }
}
